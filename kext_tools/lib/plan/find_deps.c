/*
 * kextfind's dependency questions (see find.h): -d / -nd, -l / -nl,
 * -print-dependencies, -print-dependents and -print-diagnostics.
 *
 * Nothing is resolved here that the plan does not resolve: a kext's
 * dependencies are what kext_plan_add() pulls in from the searched
 * repositories and the kernel's loaded set, the way kextload would load it;
 * loadability and diagnostics are kextutil -n's (kext_preflight), with
 * authentication, as Apple's kextfind checks both for -loadable (parseFlag in
 * kext_tools' kextfind_query.c).
 *
 * Apple prints OSKextCopyAllDependencies(kext, needAll false) and
 * OSKextCopyDependents(kext, direct false) (printKextDependencies and
 * printKextDependents in kextfind_commands.c): every kext it needs, and
 * every kext that needs it, directly or not.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "find_internal.h"
#include "kext/bundle.h"
#include "kext/diag.h"
#include "kext/error.h"
#include "kext/find.h"
#include "kext/load.h"
#include "kext/loaded.h"
#include "kext/plan.h"
#include "kext/preflight.h"
#include "kext/repo.h"
#include "plan_internal.h"

/* What one kext resolves to, computed once a search. */
struct deps_entry {
	const struct kext_bundle *bundle;
	bool met;
	char **deps;	/* bundle paths, or identifiers of loaded kexts without one */
	size_t n;
};

struct kext_find_context {
	struct kext_repos *repos;
	struct kext_kernel *kernel;
	const struct kext_loaded_set *loaded;
	const char *kernel_file;
	struct kext_loaded *view;
	size_t nview;
	struct deps_entry *entries;
	size_t nentries;
	kext_error err;
	bool failed;
};

int
kext_find_context_create(struct kext_repos *repos, struct kext_kernel *kernel,
    const struct kext_loaded_set *loaded, const char *kernel_file,
    struct kext_find_context **out, kext_error *err)
{
	static const struct kext_loaded_set none;
	struct kext_find_context *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	c->repos = repos;
	c->kernel = kernel;
	c->loaded = loaded;
	c->kernel_file = kernel_file;
	if ((c->view = plan_loaded_view(loaded != NULL ? loaded : &none, &c->nview)) == NULL) {
		free(c);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

void
kext_find_context_free(struct kext_find_context *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nentries; i++) {
		for (size_t j = 0; j < c->entries[i].n; j++)
			free(c->entries[i].deps[j]);
		free(c->entries[i].deps);
	}
	free(c->entries);
	free(c->view);
	free(c);
}

int
find_context_take_error(struct kext_find_context *c, kext_error *err)
{
	if (c == NULL || !c->failed)
		return 0;
	c->failed = false;
	return kext_fail(err, c->err.code, "%s", c->err.msg);
}

int
kext_find_take_error(struct kext_find_item *it, kext_error *err)
{
	return find_context_take_error(it->ctx, err);
}

/* Keeps the first failure for kext_find_eval to report. */
static void
context_fail(struct kext_find_context *c, const kext_error *e)
{
	if (!c->failed) {
		c->err = *e;
		c->failed = true;
	}
}

/* The plan's dependencies of b into e; -1 only when memory runs out. */
static int
resolve(struct kext_find_context *c, struct kext_bundle *b, struct deps_entry *e)
{
	struct kext_plan_options opts = {.loaded = c->view, .nloaded = c->nview};
	struct kext_plan *p;
	kext_error err;

	if (kext_plan_create(c->repos, &opts, &p, &err) != 0)
		return -1;
	/* Its failure is a dependency missing; the plan records why on the bundle. */
	e->met = kext_plan_add(p, b, &err) == 0;
	if (!e->met && err.code == ENOMEM) {
		kext_plan_free(p);
		return -1;
	}
	if (e->met && (e->deps = calloc(kext_plan_count(p) + 1, sizeof(*e->deps))) == NULL) {
		kext_plan_free(p);
		return -1;
	}
	for (size_t i = 0; e->met && i < kext_plan_count(p); i++) {
		const struct kext_plan_item *x = kext_plan_at(p, i);
		const char *name = x->bundle != NULL ? kext_bundle_path(x->bundle) : x->identifier;

		if (x->root || x->bundle == b)
			continue;
		if ((e->deps[e->n] = strdup(name)) == NULL) {
			kext_plan_free(p);
			return -1;
		}
		e->n++;
	}
	kext_plan_free(p);
	return 0;
}

/* b's entry, resolved on first use; NULL (the context failed) when memory runs out. */
static const struct deps_entry *
entry_for(struct kext_find_context *c, struct kext_bundle *b)
{
	struct deps_entry *e;

	for (size_t i = 0; i < c->nentries; i++)
		if (c->entries[i].bundle == b)
			return &c->entries[i];
	if ((e = realloc(c->entries, (c->nentries + 1) * sizeof(*e))) == NULL)
		goto nomem;
	c->entries = e;
	e = &c->entries[c->nentries];
	memset(e, 0, sizeof(*e));
	e->bundle = b;
	if (resolve(c, b, e) != 0) {
		for (size_t j = 0; j < e->n; j++)
			free(e->deps[j]);
		free(e->deps);
		goto nomem;
	}
	c->nentries++;
	return e;
nomem:
	context_fail(c, &(kext_error){.code = ENOMEM, .msg = "out of memory"});
	return NULL;
}

bool
find_dependencies_met(struct kext_find_item *it)
{
	const struct deps_entry *e;

	if (it->ctx == NULL || (e = entry_for(it->ctx, it->bundle)) == NULL)
		return false;
	return e->met;
}

int
kext_find_dependencies(struct kext_find_item *it, const char *const **out, size_t *n,
    kext_error *err)
{
	const struct deps_entry *e;

	*out = NULL;
	*n = 0;
	if (it->ctx == NULL)
		return kext_fail(err, EINVAL, "dependencies asked without a search context");
	if ((e = entry_for(it->ctx, it->bundle)) == NULL)
		return find_context_take_error(it->ctx, err);
	*out = (const char *const *)e->deps;
	*n = e->n;
	return 0;
}

static bool
lists(const struct deps_entry *e, const char *path)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->deps[i], path) == 0)
			return true;
	return false;
}

int
kext_find_dependents(struct kext_find_item *it, const char ***out, size_t *n,
    kext_error *err)
{
	struct kext_find_context *c = it->ctx;
	const char *self = kext_bundle_path(it->bundle);
	const struct kext_candidate **cands = NULL;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	if (c == NULL)
		return kext_fail(err, EINVAL, "dependents asked without a search context");
	if (kext_repos_all(c->repos, &cands, &count, err) != 0)
		return -1;
	if ((*out = calloc(count + 1, sizeof(**out))) == NULL) {
		free(cands);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < count; i++) {
		const struct deps_entry *e;
		struct kext_bundle *b;
		kext_error ignored;

		/* A kext that cannot be read depends on nothing; the search warned about it. */
		if (kext_repos_open(c->repos, cands[i], &b, &ignored) != 0 || b == it->bundle)
			continue;
		if ((e = entry_for(c, b)) == NULL) {
			free(cands);
			free(*out);
			*out = NULL;
			return find_context_take_error(c, err);
		}
		if (e->met && lists(e, self))
			(*out)[(*n)++] = kext_bundle_path(b);
	}
	free(cands);
	return 0;
}

/*
 * The checks recorded b's problems on b; a dependency's problem that stops b
 * is recorded on the dependency, so that one's failures follow (kextutil -t
 * prints every kext involved; Apple's kextfind this kext's only).
 */
static char *
diagnostics_text(const struct kext_bundle *b, const struct kext_preflight_result *pr)
{
	char *text = kext_diags_format(kext_bundle_diags_const(b), KEXT_DIAG_ALL, true);

	for (size_t i = 0; text != NULL && i < pr->n; i++) {
		const struct kext_diags *d = kext_preflight_diags(&pr->kexts[i]);
		char *more, *joined;

		if (pr->kexts[i].bundle == b || !kext_diags_has_failures(d))
			continue;
		if ((more = kext_diags_format(d, KEXT_DIAG_FAILURES, true)) == NULL ||
		    (joined = malloc(strlen(text) + strlen(more) + 1)) == NULL) {
			free(more);
			free(text);
			return NULL;
		}
		strcpy(joined, text);
		strcat(joined, more);
		free(more);
		free(text);
		text = joined;
	}
	return text;
}

/* kextutil -n's checks of it alone, with authentication, once an item. */
static int
preflight(struct kext_find_item *it, kext_error *err)
{
	struct kext_find_context *c = it->ctx;
	struct kext_bundle *b = it->bundle;
	struct kext_load_request req = {.bundles = &b, .num_bundles = 1, .authenticate = true,
	    .dry_run = true};
	struct kext_preflight_result pr;

	if (it->diagnostics != NULL)
		return 0;
	if (c == NULL || c->kernel == NULL)
		return kext_fail(err, EINVAL, "-loadable and -print-diagnostics need the kernel");
	if (kext_preflight(c->kernel, c->repos, &req, c->kernel_file, &pr, err) != 0)
		return -1;
	it->loadable = pr.failed_roots == 0;
	it->diagnostics = diagnostics_text(b, &pr);
	kext_preflight_result_free(&pr);
	if (it->diagnostics == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	return 0;
}

bool
find_loadable(struct kext_find_item *it)
{
	kext_error err;

	if (it->loadable < 0 && preflight(it, &err) != 0) {
		if (it->ctx != NULL)
			context_fail(it->ctx, &err);
		return false;
	}
	return it->loadable == 1;
}

int
kext_find_diagnostics(struct kext_find_item *it, const char **out, kext_error *err)
{
	*out = NULL;
	if (preflight(it, err) != 0)
		return -1;
	*out = it->diagnostics;
	return 0;
}
