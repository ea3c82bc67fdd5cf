/*
 * Resolving OSBundleLibraries depth-first into a load plan (spec §3.4):
 * loaded kexts first (no fallback), else the best compatible, valid (and,
 * when asked, authentic) candidate; cycles, missing libraries,
 * incompatible-only and non-libraries fail with the whole chain named.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kext/text.h"
#include "kext/loaded.h"
#include "kext/map.h"
#include "plan_internal.h"

/* Times a look-up is retried when the index turns out to be stale. */
#define STALE_RETRIES	8

struct resolve {
	struct kext_plan *p;
	struct kext_bundle **stack;	/* the chain being resolved, root first */
	size_t depth, cap;
	struct kext_map *on_chain;	/* identifier -> non-NULL while on the stack */
	kext_error *err;
	bool failed;		/* err holds the first failure */
};

/* Chains longer than this show their ends only. */
#define CHAIN_HEAD	3
#define CHAIN_TAIL	4

/* "com.a -> com.b" for the bundles on the stack. */
static void
chain(const struct resolve *rs, char *buf, size_t len)
{
	size_t i, o = 0;
	const char *id;

	buf[0] = '\0';
	for (i = 0; i < rs->depth && o < len; i++) {
		if (rs->depth > CHAIN_HEAD + CHAIN_TAIL + 1 && i == CHAIN_HEAD) {
			o += (size_t)snprintf(buf + o, len - o, " -> (%zu more)",
			    rs->depth - CHAIN_HEAD - CHAIN_TAIL);
			i = rs->depth - CHAIN_TAIL - 1;
			continue;
		}
		id = kext_bundle_identifier(rs->stack[i]);
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " -> " : "",
		    id != NULL ? id : kext_bundle_path(rs->stack[i]));
	}
}

/*
 * Records a failure for library lib of the bundle on top of the stack: a
 * diagnostic on that bundle and, for the first failure, err as
 * "<chain>: <text>".
 */
__attribute__((format(printf, 5, 6)))
static void
failure(struct resolve *rs, int code, const char *message, const char *lib,
    const char *fmt, ...)
{
	char path[KEXT_ERROR_MAX], *text;
	struct kext_bundle *top = rs->stack[rs->depth - 1];
	va_list ap;

	va_start(ap, fmt);
	text = kext_vstrdupf(fmt, ap);
	va_end(ap);
	chain(rs, path, sizeof(path));
	kext_diags_add(kext_bundle_diags(top), KEXT_DIAG_DEPENDENCY, message,
	    "%s - %s", lib, text != NULL ? text : "out of memory");
	if (!rs->failed) {
		kext_fail(rs->err, code, "%s: %s", path,
		    text != NULL ? text : "out of memory");
		rs->failed = true;
	}
	free(text);
}

/* "Not found" says where it looked and how to look further; returns -1. */
static int
say_searched(kext_error *err, const struct kext_repos *repos)
{
	char where[KEXT_ERROR_MAX / 2];
	size_t len;

	if (err == NULL)
		return -1;
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, "; searched %s; name its folder with "
	    "-r DIR or the kext with -d KEXT", kext_repos_searched(repos, where, sizeof(where)));
	return -1;
}

static void
nomem(struct resolve *rs)
{
	if (!rs->failed)
		kext_fail(rs->err, ENOMEM, "out of memory");
	rs->failed = true;
}

/* Constant time, so a chain of N costs O(N) checks, not O(N^2). */
static bool
on_stack(const struct resolve *rs, const char *id)
{
	return kext_map_get(rs->on_chain, id) != NULL;
}

static int
push(struct resolve *rs, struct kext_bundle *b)
{
	const char *id = kext_bundle_identifier(b);
	void **slot;

	if (rs->depth == rs->cap) {
		size_t cap = rs->cap != 0 ? rs->cap * 2 : 64;
		struct kext_bundle **stack = realloc(rs->stack, cap * sizeof(*stack));

		if (stack == NULL)
			return -1;
		rs->stack = stack;
		rs->cap = cap;
	}
	if (id != NULL) {
		if ((slot = kext_map_slot(rs->on_chain, id, true)) == NULL)
			return -1;
		*slot = b;
	}
	rs->stack[rs->depth++] = b;
	return 0;
}

static void
pop(struct resolve *rs)
{
	const char *id = kext_bundle_identifier(rs->stack[--rs->depth]);
	void **slot = id != NULL ? kext_map_slot(rs->on_chain, id, false) : NULL;

	if (slot != NULL)
		*slot = NULL;
}

/* Appends "; text" to a growing list of reasons (best effort). */
static void
reason(char **list, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reason(char **list, const char *fmt, ...)
{
	va_list ap;
	char *item, *joined;

	va_start(ap, fmt);
	item = kext_vstrdupf(fmt, ap);
	va_end(ap);
	if (item == NULL)
		return;
	if (*list == NULL) {
		*list = item;
		return;
	}
	joined = kext_strdupf("%s; %s", *list, item);
	free(item);
	if (joined != NULL) {
		free(*list);
		*list = joined;
	}
}

static int
authentic(struct resolve *rs, struct kext_bundle *b, kext_error *why)
{
	return !rs->p->authenticate || kext_bundle_authenticate(b, why) == 0;
}

struct search {
	char *incompatible, *not_library, *rejected;
	bool stale;
};

/* Goes through the candidates once; *chosen is the winner or NULL. */
static int
search_once(struct resolve *rs, const char *id, kext_version requested,
    struct search *s, struct kext_bundle **chosen)
{
	const struct kext_candidate **cands;
	char v[KEXT_VERSION_FORMAT_MAX], cv[KEXT_VERSION_FORMAT_MAX];
	struct kext_bundle *b;
	kext_error why;
	size_t n, i;

	*chosen = NULL;
	if (kext_repos_lookup(rs->p->repos, id, &cands, &n, &why) != 0) {
		reason(&s->rejected, "%s", why.msg);
		return 0;
	}
	for (i = 0; i < n; i++) {
		const struct kext_candidate *c = cands[i];

		kext_version_format(c->version, v, sizeof(v));
		if (c->compatible_version <= 0) {
			reason(&s->not_library, "%s at %s is not a library (no valid "
			    "OSBundleCompatibleVersion)", v, c->bundle_path);
			continue;
		}
		if (!kext_version_satisfies(c->compatible_version, c->version,
		    requested)) {
			kext_version_format(c->compatible_version, cv, sizeof(cv));
			reason(&s->incompatible, "%s (compatible back to %s) at %s",
			    v, cv, c->bundle_path);
			continue;
		}
		if (kext_repos_open(rs->p->repos, c, &b, &why) != 0) {
			if (why.code == ESTALE) {
				s->stale = true;
				break;
			}
			reason(&s->rejected, "%s", why.msg);
			continue;
		}
		if (!kext_bundle_is_valid(b)) {
			reason(&s->rejected, "%s is invalid", c->bundle_path);
			continue;
		}
		if (!authentic(rs, b, &why)) {
			reason(&s->rejected, "%s", why.msg);	/* names the failing path */
			continue;
		}
		*chosen = b;
		break;
	}
	free(cands);
	return 0;
}

static void
search_reset(struct search *s)
{
	free(s->incompatible);
	free(s->not_library);
	free(s->rejected);
	memset(s, 0, sizeof(*s));
}


/* An item already in the plan must satisfy this request too. */
static long
reuse_planned(struct resolve *rs, long idx, const struct kext_library *lib)
{
	const struct kext_plan_item *it = kext_plan_at(rs->p, (size_t)idx);
	const struct loaded_kext *l;
	kext_version compat = 0;
	char v[KEXT_VERSION_FORMAT_MAX];

	if (it->bundle != NULL)
		compat = kext_bundle_compatible_version(it->bundle);
	else if ((l = plan_loaded(rs->p, it->identifier)) != NULL)
		compat = l->compat;
	if (kext_version_satisfies(compat, it->version, lib->version))
		return idx;
	kext_version_format(it->version, v, sizeof(v));
	failure(rs, EINVAL, KEXT_DIAG_DEP_MULTIPLE, lib->identifier,
	    "library %s (requested %s) is already planned at version %s%s%s, "
	    "which is not compatible with it", lib->identifier,
	    lib->version_string, v, it->bundle != NULL ? " from " : "",
	    it->bundle != NULL ? kext_bundle_path(it->bundle) : "");
	return -1;
}

/* A loaded kext decides alone: compatible or an error, never a fallback. */
static long
use_loaded(struct resolve *rs, const struct loaded_kext *l,
    const struct kext_library *lib)
{
	char v[KEXT_VERSION_FORMAT_MAX], cv[KEXT_VERSION_FORMAT_MAX];
	long idx;

	kext_version_format(l->version, v, sizeof(v));
	if (l->compat <= 0) {
		failure(rs, EINVAL, KEXT_DIAG_DEP_LOADED_NOT_LIBRARY, lib->identifier,
		    "loaded kext %s %s is not a library (no OSBundleCompatibleVersion)"
		    " and can't satisfy library %s (requested %s)", l->identifier, v,
		    lib->identifier, lib->version_string);
		return -1;
	}
	if (!kext_version_satisfies(l->compat, l->version, lib->version)) {
		kext_version_format(l->compat, cv, sizeof(cv));
		failure(rs, EINVAL, KEXT_DIAG_DEP_LOADED_INCOMPATIBLE, lib->identifier,
		    "loaded kext %s %s (compatible back to %s) is not compatible "
		    "with library %s (requested %s); %s", l->identifier,
		    v, cv, lib->identifier, lib->version_string,
		    strcmp(l->identifier, KEXT_KERNEL_BUNDLE_ID) == 0 ?
		    "it stands for the running kernel: this kext was built for another one" :
		    "unload it first");
		return -1;
	}
	idx = plan_append(rs->p, l->identifier, l->version, NULL, NULL);
	if (idx < 0) {
		nomem(rs);
		return -1;
	}
	plan_mark_loaded(rs->p, (size_t)idx);
	return idx;
}

/* resolve_library's answer when the chosen bundle's own libraries come next. */
#define DESCEND	(-2)

/*
 * The plan index satisfying lib, -1 after recording a failure, or DESCEND
 * with *next set to the bundle to resolve before lib is satisfied.
 */
static long
resolve_library(struct resolve *rs, const struct kext_library *lib,
    struct kext_bundle **next)
{
	const struct loaded_kext *l;
	struct kext_bundle *chosen = NULL;
	struct search s = { NULL, NULL, NULL, false };
	const char *id = lib->identifier;
	long idx;
	int attempt;

	if (lib->version <= 0 || lib->version_string == NULL) {
		failure(rs, EINVAL, KEXT_DIAG_DEP_NOT_FOUND, id, "library %s has no "
		    "valid requested version", id);
		return -1;
	}
	if (on_stack(rs, id)) {
		failure(rs, ELOOP, KEXT_DIAG_DEP_CYCLE, id, "circular dependency: "
		    "library %s (requested %s) depends back on itself", id,
		    lib->version_string);
		return -1;
	}
	idx = kext_plan_find(rs->p, id);
	if (idx >= 0)
		return reuse_planned(rs, idx, lib);
	l = plan_loaded(rs->p, id);
	if (l != NULL)
		return use_loaded(rs, l, lib);
	for (attempt = 0; attempt < STALE_RETRIES; attempt++) {
		search_reset(&s);
		search_once(rs, id, lib->version, &s, &chosen);
		if (!s.stale)
			break;
	}
	if (chosen != NULL) {
		search_reset(&s);
		*next = chosen;
		return DESCEND;
	}
	if (s.rejected != NULL)
		failure(rs, ENOENT, KEXT_DIAG_DEP_REJECTED, id, "no valid kext found "
		    "for library %s (requested %s): %s%s%s%s%s", id,
		    lib->version_string, s.rejected,
		    s.incompatible ? "; " : "", s.incompatible ? s.incompatible : "",
		    s.not_library ? "; " : "", s.not_library ? s.not_library : "");
	else if (s.incompatible != NULL)
		failure(rs, ENOENT, KEXT_DIAG_DEP_INCOMPATIBLE, id, "only incompatible "
		    "kexts found for library %s (requested %s): %s%s%s", id,
		    lib->version_string, s.incompatible, s.not_library ? "; " : "",
		    s.not_library ? s.not_library : "");
	else if (s.not_library != NULL)
		failure(rs, ENOENT, KEXT_DIAG_DEP_NOT_LIBRARY, id, "no library found "
		    "for %s (requested %s): %s", id, lib->version_string,
		    s.not_library);
	else if (s.stale)
		failure(rs, ESTALE, KEXT_DIAG_DEP_NOT_FOUND, id, "kexts for library "
		    "%s kept changing while being looked up", id);
	else {
		bool first = !rs->failed;

		failure(rs, ENOENT, KEXT_DIAG_DEP_NOT_FOUND, id, "no kext found for "
		    "library %s (requested %s)", id, lib->version_string);
		if (first)
			say_searched(rs->err, rs->p->repos);
	}
	search_reset(&s);
	return -1;
}

/*
 * One bundle being resolved: its libraries are taken in order, a chosen
 * library's own resolved first (a frame above this one). An explicit stack
 * rather than recursion, so a chain is bounded by memory, not by the C stack.
 */
struct frame {
	struct kext_bundle *b;
	size_t next;		/* the library to resolve next */
	size_t *deps, ndeps;	/* plan indexes of those resolved */
	bool ok, chained;	/* chained: b is on rs->stack */
};

struct frames {
	struct frame *f;
	size_t n, cap;
};

/* Starts resolving b; kernel components end the descent: they list no dependencies. */
static int
frame_begin(struct resolve *rs, struct frames *fs, struct kext_bundle *b)
{
	struct frame *f;
	size_t nlib = kext_bundle_is_kernel_component(b) ? 0 : kext_bundle_library_count(b);

	if (fs->n == fs->cap) {
		size_t cap = fs->cap != 0 ? fs->cap * 2 : 16;
		struct frame *grown = realloc(fs->f, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		fs->f = grown;
		fs->cap = cap;
	}
	f = &fs->f[fs->n];
	memset(f, 0, sizeof(*f));
	f->b = b;
	f->ok = true;
	f->next = nlib != 0 ? 0 : SIZE_MAX;
	if (nlib != 0 && ((f->deps = calloc(nlib, sizeof(*f->deps))) == NULL || push(rs, b) != 0)) {
		free(f->deps);
		return -1;
	}
	f->chained = nlib != 0;
	fs->n++;
	return 0;
}

/* Appends the finished bundle after its dependencies; its plan index or -1. */
static long
frame_end(struct resolve *rs, struct frames *fs)
{
	struct frame *f = &fs->f[--fs->n];
	long idx = -1;

	if (f->chained)
		pop(rs);
	if (f->ok) {
		idx = plan_append(rs->p, kext_bundle_identifier(f->b), kext_bundle_version(f->b),
		    kext_bundle_version_string(f->b), f->b);
		for (size_t i = 0; idx >= 0 && i < f->ndeps; i++)
			if (plan_add_dep(rs->p, (size_t)idx, f->deps[i]) != 0)
				idx = -1;
		if (idx < 0)
			nomem(rs);
	}
	free(f->deps);
	return idx;
}

/* The answer d for the library f took last; indirect when the library's own failed. */
static void
frame_take(struct frame *f, long d, bool indirect)
{
	if (d >= 0) {
		f->deps[f->ndeps++] = (size_t)d;
		return;
	}
	f->ok = false;
	/* tell each kext on the way which of its libraries failed */
	if (indirect)
		kext_diags_add(kext_bundle_diags(f->b), KEXT_DIAG_DEPENDENCY, KEXT_DIAG_DEP_INDIRECT,
		    "%s", kext_bundle_library_at(f->b, f->next - 1)->identifier);
}

/* Resolves b's libraries, then appends b: dependencies come first. */
static long
resolve_bundle(struct resolve *rs, struct kext_bundle *b)
{
	struct frames fs = { NULL, 0, 0 };
	struct kext_bundle *chosen;
	long idx = -1, d;

	if (frame_begin(rs, &fs, b) != 0) {
		nomem(rs);
		return -1;
	}
	while (fs.n > 0) {
		struct frame *f = &fs.f[fs.n - 1];

		if (f->next == SIZE_MAX || f->next >= kext_bundle_library_count(f->b)) {
			idx = frame_end(rs, &fs);
			if (fs.n > 0)
				frame_take(&fs.f[fs.n - 1], idx, idx < 0);
			continue;
		}
		d = resolve_library(rs, kext_bundle_library_at(f->b, f->next++), &chosen);
		if (d != DESCEND)
			frame_take(f, d, false);
		else if (frame_begin(rs, &fs, chosen) != 0) {
			nomem(rs);
			frame_take(f, -1, false);
		}
	}
	free(fs.f);
	return idx;
}

/*
 * What a dependency of a kext needed early must declare (spec §2.2); NULL
 * when the root's value asks nothing of its dependencies.
 */
static const char *
required_of_dependencies(const char *root, const char *dep, bool *ok)
{
	*ok = true;
	if (strcmp(root, "Root") == 0 || strcmp(root, "Console") == 0) {
		*ok = dep != NULL && strcmp(dep, "Safe Boot") != 0;
		return "a value other than \"Safe Boot\"";
	}
	if (strcmp(root, "Local-Root") == 0) {
		*ok = dep != NULL && (strcmp(dep, "Root") == 0 ||
		    strcmp(dep, "Local-Root") == 0 || strcmp(dep, "Console") == 0);
		return "\"Root\", \"Local-Root\" or \"Console\"";
	}
	if (strcmp(root, "Network-Root") == 0) {
		*ok = dep != NULL && (strcmp(dep, "Root") == 0 ||
		    strcmp(dep, "Network-Root") == 0 || strcmp(dep, "Console") == 0);
		return "\"Root\", \"Network-Root\" or \"Console\"";
	}
	return NULL;
}

/* Warns on the root about dependencies that may be missing early in boot. */
static void
check_boot_level(struct kext_plan *p, size_t root)
{
	struct kext_bundle *rb = p->items[root]->pub.bundle;
	const char *want, *req = rb != NULL ? kext_bundle_required(rb) : NULL;
	size_t *stack, n = 0, i;
	bool *seen, ok;

	if (req == NULL)
		return;
	seen = calloc(p->n, sizeof(*seen));
	stack = calloc(p->n, sizeof(*stack));
	if (seen == NULL || stack == NULL)
		goto out;
	stack[n++] = root;
	seen[root] = true;
	while (n > 0) {
		const struct kext_plan_item *it = &p->items[stack[--n]]->pub;

		for (i = 0; i < it->ndeps; i++) {
			const struct kext_plan_item *d = &p->items[it->deps[i]]->pub;
			const char *have;

			if (seen[it->deps[i]])
				continue;
			seen[it->deps[i]] = true;
			stack[n++] = it->deps[i];
			/* the kernel and what is loaded are there already */
			if (d->bundle == NULL || d->loaded || d->kernel_component)
				continue;
			have = kext_bundle_required(d->bundle);
			want = required_of_dependencies(req, have, &ok);
			if (!ok)
				kext_diags_add(kext_bundle_diags(rb), KEXT_DIAG_WARNING,
				    KEXT_DIAG_DEP_REQUIRED, "%s - expected OSBundleRequired "
				    "%s, found %s%s%s", d->identifier, want,
				    have != NULL ? "\"" : "nothing", have != NULL ? have : "",
				    have != NULL ? "\"" : "");
		}
	}
out:
	free(seen);
	free(stack);
}

static int
root_problem(struct kext_bundle *root, kext_error *err)
{
	const struct kext_diags *d = kext_bundle_diags_const(root);
	const struct kext_diag *x;
	size_t i;

	if (kext_bundle_identifier(root) == NULL) {
		/* say why, when validation knows (a control character, a wrong type) */
		for (i = 0; (x = kext_diags_at(d, i)) != NULL; i++)
			if (x->category == KEXT_DIAG_VALIDATION && x->value != NULL &&
			    strncmp(x->value, "CFBundleIdentifier ", 19) == 0)
				return kext_fail(err, EINVAL, "%s: has no CFBundleIdentifier: %s: "
				    "%s", kext_bundle_path(root), x->message, x->value);
		return kext_fail(err, EINVAL, "%s: has no CFBundleIdentifier",
		    kext_bundle_path(root));
	}
	if (kext_bundle_is_valid(root))
		return 0;
	/* Say which kind of failure it is: most have nothing to do with dependencies. */
	for (i = 0; (x = kext_diags_at(d, i)) != NULL; i++) {
		const char *kind = x->category == KEXT_DIAG_VALIDATION ? "kext is invalid" :
		    x->category == KEXT_DIAG_AUTHENTICATION ? "kext failed authentication" :
		    x->category == KEXT_DIAG_DEPENDENCY ? "can't resolve dependencies" : NULL;

		if (kind != NULL)
			return kext_fail(err, EINVAL, "%s: %s: %s%s%s", kext_bundle_path(root),
			    kind, x->message, x->value != NULL ? ": " : "",
			    x->value != NULL ? x->value : "");
	}
	return kext_fail(err, EINVAL, "%s: kext is invalid", kext_bundle_path(root));
}

int
plan_resolve_root(struct kext_plan *p, struct kext_bundle *root, kext_error *err)
{
	struct resolve *rs;
	const struct loaded_kext *l;
	const char *id;
	char v[KEXT_VERSION_FORMAT_MAX], lv[KEXT_VERSION_FORMAT_MAX];
	long idx;

	if (root_problem(root, err) != 0)
		return -1;
	id = kext_bundle_identifier(root);
	idx = kext_plan_find(p, id);
	if (idx >= 0) {
		struct kext_bundle *have = p->items[idx]->pub.bundle;

		if (have != NULL && strcmp(kext_bundle_path(have),
		    kext_bundle_path(root)) != 0)
			return kext_fail(err, EEXIST, "%s: another kext with identifier "
			    "%s (%s) is already in the load plan", kext_bundle_path(root),
			    id, kext_bundle_path(have));
		p->items[idx]->pub.root = true;
		return 0;
	}
	if (p->authenticate && kext_bundle_authenticate(root, err) != 0)
		return -1;
	l = plan_loaded(p, id);
	if (l != NULL) {
		/*
		 * Only one version of an identifier can be loaded; a kernel component
		 * stands for the running kernel, whatever version its bundle says.
		 */
		if (l->version != kext_bundle_version(root) &&
		    !kext_bundle_is_kernel_component(root)) {
			kext_version_format(l->version, lv, sizeof(lv));
			kext_version_format(kext_bundle_version(root), v, sizeof(v));
			return kext_fail(err, EEXIST, "%s: %s version %s is already "
			    "loaded; can't load version %s", kext_bundle_path(root),
			    id, lv, v);
		}
		idx = plan_append(p, id, l->version, kext_bundle_version_string(root),
		    root);
		if (idx < 0)
			return kext_fail(err, ENOMEM, "out of memory");
		plan_mark_loaded(p, (size_t)idx);
		p->items[idx]->pub.root = true;
		return 0;
	}
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	rs->p = p;
	rs->err = err;
	if ((rs->on_chain = kext_map_new()) == NULL) {
		free(rs);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	idx = resolve_bundle(rs, root);
	kext_map_free(rs->on_chain, NULL);
	free(rs->stack);
	free(rs);
	if (idx < 0)
		return -1;
	p->items[idx]->pub.root = true;
	check_boot_level(p, (size_t)idx);
	return 0;
}

int
plan_choose_root(struct kext_plan *p, const char *identifier,
    struct kext_bundle **out, kext_error *err)
{
	const struct kext_candidate **cands;
	struct kext_bundle *b;
	char *rejected = NULL;
	kext_error why;
	size_t n, i;
	int attempt;
	bool stale;

	*out = NULL;
	for (attempt = 0; attempt < STALE_RETRIES; attempt++) {
		stale = false;
		if (kext_repos_lookup(p->repos, identifier, &cands, &n, err) != 0) {
			free(rejected);
			return -1;
		}
		for (i = 0; i < n && *out == NULL && !stale; i++) {
			if (kext_repos_open(p->repos, cands[i], &b, &why) != 0) {
				if (why.code == ESTALE)
					stale = true;
				else
					reason(&rejected, "%s", why.msg);
			} else if (!kext_bundle_is_valid(b)) {
				reason(&rejected, "%s is invalid",
				    cands[i]->bundle_path);
			} else if (p->authenticate &&
			    kext_bundle_authenticate(b, &why) != 0) {
				reason(&rejected, "%s", why.msg);
			} else {
				*out = b;
			}
		}
		free(cands);
		if (!stale)
			break;
		free(rejected);
		rejected = NULL;
	}
	if (*out != NULL) {
		free(rejected);
		return 0;
	}
	if (rejected != NULL) {
		kext_fail(err, ENOENT, "%s: no valid kext with this identifier: %s",
		    identifier, rejected);
		free(rejected);
		return -1;
	}
	kext_fail(err, ENOENT, "%s: no kext found with this identifier", identifier);
	return say_searched(err, p->repos);
}
