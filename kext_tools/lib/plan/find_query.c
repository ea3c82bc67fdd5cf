/*
 * kextfind's query: parsing the expression (operators by decreasing
 * precedence: ( ), ! / -not, -and or juxtaposition, -or, as kextfind(8)
 * lists them) and evaluating it, with -and and -or short-circuiting as
 * find(1)'s do, so commands run only for what gets that far.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "find_internal.h"

enum node_kind { N_AND, N_OR, N_NOT, N_PRED, N_ACTION };

struct node {
	enum node_kind kind;
	struct node *l, *r;
	enum find_pred pred;
	struct find_pred_args args;
	struct kext_find_action action;
};

struct kext_find_query {
	struct node *root;	/* NULL: every kext */
	bool commands;
	const char *kernel;	/* the first word that asks the kernel */
};

struct parser {
	int argc, i;
	char **argv;
	const struct kext_find_defaults *def;
	struct kext_find_query *q;
	kext_error *err;
};

static void
node_free(struct node *n)
{
	if (n == NULL)
		return;
	node_free(n->l);
	node_free(n->r);
	free((void *)n->action.argv);
	free(n);
}

static struct node *
node_new(struct parser *p, enum node_kind kind)
{
	struct node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		kext_fail(p->err, ENOMEM, "out of memory");
	else
		n->kind = kind;
	return n;
}

static const char *
peek(const struct parser *p)
{
	return p->i < p->argc ? p->argv[p->i] : NULL;
}

static bool
at_end(const struct parser *p)
{
	const char *w = peek(p);

	return w == NULL || strcmp(w, "-report") == 0 || strcmp(w, ")") == 0;
}

/* -0 / -nul, and for -echo -n / -no-newline, after a command. */
static void
action_flags(struct parser *p, struct kext_find_action *a, bool echo)
{
	for (const char *w; (w = peek(p)) != NULL; p->i++) {
		if (strcmp(w, "-0") == 0 || strcmp(w, "-nul") == 0)
			a->nul = true;
		else if (echo && (strcmp(w, "-n") == 0 || strcmp(w, "-no-newline") == 0))
			a->no_newline = true;
		else
			break;
	}
}

/*
 * Apple's command list (kextfind_query.h); -print-diagnostics takes no -0
 * there (parseCommand), every other -print... command does.
 */
static const struct {
	const char *name, *alias;
	enum kext_find_action_kind kind;
	bool nul, takes_arg, kernel;
} commands[] = {
	{"-print", NULL, KEXT_FIND_PRINT, false, false, false},
	{"-print0", NULL, KEXT_FIND_PRINT, true, false, false},
	{"-pid", "-print-info-dictionary", KEXT_FIND_PRINT_INFO, false, false, false},
	{"-px", "-print-executable", KEXT_FIND_PRINT_EXECUTABLE, false, false, false},
	{"-pp", "-print-property", KEXT_FIND_PRINT_PROPERTY, false, true, false},
	{"-pa", "-print-arches", KEXT_FIND_PRINT_ARCHES, false, false, false},
	{"-print-plugins", NULL, KEXT_FIND_PRINT_PLUGINS, false, false, false},
	{"-echo", NULL, KEXT_FIND_ECHO, false, true, false},
	{"-print-dependencies", NULL, KEXT_FIND_PRINT_DEPENDENCIES, false, false, true},
	{"-print-dependents", NULL, KEXT_FIND_PRINT_DEPENDENTS, false, false, true},
	{"-pm", "-print-match-property", KEXT_FIND_PRINT_MATCH_PROPERTY, false, true, false},
	{"-pdiag", "-print-diagnostics", KEXT_FIND_PRINT_DIAGNOSTICS, false, false, true},
};

/* -exec's end, as Apple's kExecTerminator. */
#define EXEC_END ";"

static struct node *
parse_command(struct parser *p, size_t c)
{
	struct node *n = node_new(p, N_ACTION);

	if (n == NULL)
		return NULL;
	n->action.kind = commands[c].kind;
	n->action.nul = commands[c].nul || p->def->nul;
	if (commands[c].kind != KEXT_FIND_PRINT_DIAGNOSTICS)
		action_flags(p, &n->action, commands[c].kind == KEXT_FIND_ECHO);
	if (commands[c].takes_arg) {
		if (peek(p) == NULL) {
			kext_fail(p->err, EINVAL, "%s needs an argument", commands[c].name);
			free(n);
			return NULL;
		}
		n->action.arg = p->argv[p->i++];
	}
	p->q->commands = true;
	if (commands[c].kernel && p->q->kernel == NULL)
		p->q->kernel = commands[c].name;
	return n;
}

/* "-exec word... ;": the words up to ";" (parseExec in Apple's kextfind_query.c). */
static struct node *
parse_exec(struct parser *p)
{
	struct node *n = node_new(p, N_ACTION);
	int start = p->i, end = p->i;
	char **words;

	if (n == NULL)
		return NULL;
	while (end < p->argc && strcmp(p->argv[end], EXEC_END) != 0)
		end++;
	if (end == p->argc || end == start) {
		free(n);
		return kext_fail(p->err, EINVAL, end == start ? "-exec needs a command before "
		    "its ';'" : "no terminating ; for -exec"), NULL;
	}
	if ((words = calloc((size_t)(end - start) + 1, sizeof(*words))) == NULL) {
		free(n);
		return kext_fail(p->err, ENOMEM, "out of memory"), NULL;
	}
	for (int k = start; k < end; k++)
		words[k - start] = p->argv[k];
	n->action.kind = KEXT_FIND_EXEC;
	n->action.argv = words;
	n->action.argc = (size_t)(end - start);
	p->i = end + 1;
	p->q->commands = true;
	return n;
}

static struct node *
parse_predicate(struct parser *p, const char *w)
{
	const struct find_pred_info *info = find_pred_lookup(w);
	struct node *n;

	if (info == NULL)
		return kext_fail(p->err, EINVAL, "unknown predicate or option %s", w), NULL;
	if (info->pred == P_UNSUPPORTED)
		return kext_fail(p->err, EINVAL, "unsupported predicate %s: %s", w, info->why),
		    NULL;
	if ((n = node_new(p, N_PRED)) == NULL)
		return NULL;
	n->pred = info->pred;
	n->args.icase = p->def->case_insensitive;
	n->args.substring = p->def->substring;
	for (const char *f; info->string_match && (f = peek(p)) != NULL; p->i++) {
		if (strcmp(f, "-i") == 0 || strcmp(f, "-case-insensitive") == 0)
			n->args.icase = true;
		else if (strcmp(f, "-s") == 0 || strcmp(f, "-substring") == 0)
			n->args.substring = true;
		else
			break;
	}
	for (int k = 0; k < info->nargs; k++) {
		if (peek(p) == NULL) {
			kext_fail(p->err, EINVAL, "%s needs %d argument%s", w, info->nargs,
			    info->nargs == 1 ? "" : "s");
			free(n);
			return NULL;
		}
		n->args.arg[k] = p->argv[p->i++];
	}
	if (info->kernel && p->q->kernel == NULL)
		p->q->kernel = info->name;
	return n;
}

static struct node *parse_or(struct parser *p);

static struct node *
parse_unary(struct parser *p)
{
	const char *w = peek(p);
	struct node *n;

	if (w == NULL)
		return kext_fail(p->err, EINVAL, "the query ends where an expression is expected"),
		    NULL;
	p->i++;
	if (strcmp(w, "!") == 0 || strcmp(w, "-not") == 0) {
		if ((n = node_new(p, N_NOT)) != NULL && (n->l = parse_unary(p)) == NULL) {
			free(n);
			return NULL;
		}
		return n;
	}
	if (strcmp(w, "(") == 0) {
		if ((n = parse_or(p)) == NULL)
			return NULL;
		if (peek(p) == NULL || strcmp(peek(p), ")") != 0) {
			node_free(n);
			return kext_fail(p->err, EINVAL, "a '(' in the query has no ')'"), NULL;
		}
		p->i++;
		return n;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (strcmp(w, commands[c].name) == 0 ||
		    (commands[c].alias != NULL && strcmp(w, commands[c].alias) == 0))
			return parse_command(p, c);
	if (strcmp(w, "-exec") == 0)
		return parse_exec(p);
	/* Apple's kextfind_query.h: no kext has an integrity state since Mac OS X 10.6. */
	if (strcmp(w, "-print-integrity") == 0)
		return kext_fail(p->err, EINVAL, "unsupported command %s: it prints Apple's "
		    "installer-receipt integrity state, which FreeBSD kexts do not have", w), NULL;
	return parse_predicate(p, w);
}

static struct node *
join(struct parser *p, enum node_kind kind, struct node *l, struct node *r)
{
	struct node *n;

	if (r == NULL || (n = node_new(p, kind)) == NULL) {
		node_free(l);
		node_free(r);
		return NULL;
	}
	n->l = l;
	n->r = r;
	return n;
}

static struct node *
parse_and(struct parser *p)
{
	struct node *n = parse_unary(p);

	while (n != NULL && !at_end(p) && strcmp(peek(p), "-or") != 0) {
		if (strcmp(peek(p), "-and") == 0)
			p->i++;
		n = join(p, N_AND, n, parse_unary(p));
	}
	return n;
}

static struct node *
parse_or(struct parser *p)
{
	struct node *n = parse_and(p);

	while (n != NULL && peek(p) != NULL && strcmp(peek(p), "-or") == 0) {
		p->i++;
		n = join(p, N_OR, n, parse_and(p));
	}
	return n;
}

int
kext_find_parse(int argc, char **argv, int *i, const struct kext_find_defaults *def,
    struct kext_find_query **out, kext_error *err)
{
	struct parser p = {.argc = argc, .argv = argv, .i = *i, .def = def, .err = err};

	*out = NULL;
	if ((p.q = calloc(1, sizeof(*p.q))) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	if (!at_end(&p) && (p.q->root = parse_or(&p)) == NULL) {
		free(p.q);
		return -1;
	}
	if (peek(&p) != NULL && strcmp(peek(&p), ")") == 0) {
		kext_find_query_free(p.q);
		return kext_fail(err, EINVAL, "a ')' in the query has no '('");
	}
	*i = p.i;
	*out = p.q;
	return 0;
}

bool
kext_find_has_commands(const struct kext_find_query *q)
{
	return q->commands;
}

bool
kext_find_needs_kernel(const struct kext_find_query *q)
{
	return q->kernel != NULL;
}

const char *
kext_find_kernel_reason(const struct kext_find_query *q)
{
	return q->kernel;
}

struct eval {
	struct kext_find_item *it;
	kext_find_act_fn act;
	void *arg;
};

static bool
eval(const struct eval *e, const struct node *n)
{
	switch (n->kind) {
	case N_AND: return eval(e, n->l) && eval(e, n->r);
	case N_OR: return eval(e, n->l) || eval(e, n->r);
	case N_NOT: return !eval(e, n->l);
	case N_PRED: return find_pred_eval(n->pred, &n->args, e->it);
	case N_ACTION: return e->act(e->arg, &n->action, e->it);
	}
	return false;
}

int
kext_find_eval(const struct kext_find_query *q, struct kext_find_item *it,
    kext_find_act_fn act, void *arg, bool *match, kext_error *err)
{
	struct eval e = {.it = it, .act = act, .arg = arg};

	*match = q->root == NULL || eval(&e, q->root);
	return find_context_take_error(it->ctx, err);
}

void
kext_find_query_free(struct kext_find_query *q)
{
	if (q == NULL)
		return;
	node_free(q->root);
	free(q);
}
