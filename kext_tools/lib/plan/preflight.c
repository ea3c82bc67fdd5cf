/* kextutil -n -t: every problem of every kext involved (kext/preflight.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kext/bundle.h"
#include "kext/diag.h"
#include "kext/error.h"
#include "kext/fbsd_version.h"
#include "kext/json.h"
#include "kext/kmod.h"
#include "kext/kmod_symbols.h"
#include "kext/load.h"
#include "kext/loaded.h"
#include "kext/map.h"
#include "kext/plan.h"
#include "kext/preflight.h"
#include "kext/repo.h"
#include "plan_internal.h"

void
kext_preflight_result_free(struct kext_preflight_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->kexts[i].bundle != NULL)
			kext_bundle_release(r->kexts[i].bundle);
		kext_diags_free(r->kexts[i].own);
		free(r->kexts[i].identifier);
		free(r->kexts[i].error);
	}
	free(r->kexts);
	kext_map_free(r->first_by_path, NULL);
	kext_load_result_free(&r->load);
	free(r->load_error);
	memset(r, 0, sizeof(*r));
}

const struct kext_diags *
kext_preflight_diags(const struct kext_preflight_kext *x)
{
	return x->bundle != NULL ? kext_bundle_diags_const(x->bundle) : x->own;
}

static size_t
first_with_path(const struct kext_preflight_result *r, const char *path)
{
	return (size_t)(uintptr_t)kext_map_get(r->first_by_path, path) - 1;
}

/*
 * The entry for bundle b (added when new), or NULL when out of memory. The
 * first entry of b's path answers at once; only a path opened twice (a kext
 * named and also found in a -r folder) is searched for.
 */
static struct kext_preflight_kext *
entry_for(struct kext_preflight_result *r, struct kext_bundle *b, const char *identifier)
{
	struct kext_preflight_kext *x;
	void **first = NULL;

	if (b != NULL) {
		if (r->first_by_path == NULL && (r->first_by_path = kext_map_new()) == NULL)
			return NULL;
		if ((first = kext_map_slot(r->first_by_path, kext_bundle_path(b), true)) == NULL)
			return NULL;
		if (*first != NULL) {
			for (size_t i = (size_t)(uintptr_t)*first - 1; i < r->n; i++)
				if (r->kexts[i].bundle == b)
					return &r->kexts[i];
		}
	}
	if (r->n == r->cap) {
		size_t cap = r->cap != 0 ? r->cap * 2 : 16;

		if ((x = reallocarray(r->kexts, cap, sizeof(*x))) == NULL)
			return NULL;
		r->kexts = x;
		r->cap = cap;
	}
	x = &r->kexts[r->n];
	memset(x, 0, sizeof(*x));
	if (identifier != NULL && (x->identifier = strdup(identifier)) == NULL)
		return NULL;
	if (b != NULL)
		x->bundle = kext_bundle_retain(b);
	else if ((x->own = kext_diags_new(identifier != NULL ? identifier : "?")) == NULL)
		return NULL;
	if (first != NULL && *first == NULL)
		*first = (void *)(uintptr_t)(r->n + 1);
	r->n++;
	return x;
}

/* The module's "kernel" dependencies against the kernel's version. */
static void
check_kernel_version(struct kext_bundle *b, const struct plan_exec *x,
    const struct kext_loaded_set *set)
{
	const char *exe = kext_bundle_executable_path(b);
	const struct kmod_file *kf = x->kf;

	if (kf == NULL || set->os != KMOD_OS_FREEBSD)
		return;	/* unreadable executables are reported by the executable check */
	for (size_t i = 0; i < kf->num_records; i++) {
		const struct kmod_depend *d = &kf->records[i].u.depend;

		if (kf->records[i].type == KMOD_DEPEND && strcmp(d->name, "kernel") == 0 &&
		    !kext_fbsd_version_accepts(d->min, d->pref, d->max, set->osreldate))
			kext_diags_add(kext_bundle_diags(b), KEXT_DIAG_DEPENDENCY,
			    KEXT_DIAG_DEP_KERNEL_VERSION, "%s - built for kernel %d (accepts "
			    "%d..%d), the kernel is %d", exe, d->pref, d->min, d->max,
			    set->osreldate);
	}
}

static bool
any_failure(const struct kext_preflight_result *r, size_t from)
{
	for (size_t i = from; i < r->n; i++)
		if (kext_diags_has_failures(kext_preflight_diags(&r->kexts[i])))
			return true;
	return false;
}

/* What one run shares: the kernel's loaded set and each executable, read once. */
struct run {
	const struct kext_loaded_set *set;
	struct plan_exec_cache *cache;
};

/* Joins b to r and checks its executable and kernel version; -1 when out of memory. */
static int
visit(struct kext_preflight_result *r, struct kext_bundle *b, const char *identifier,
    const struct run *run)
{
	const struct plan_exec *x = NULL;
	kext_error ignored;

	if (entry_for(r, b, identifier) == NULL)
		return -1;
	if (b == NULL || kext_bundle_executable_path(b) == NULL)
		return 0;
	if ((x = plan_exec_cache_get(run->cache, b)) == NULL)
		return -1;
	/* Each check records its problems on the bundle. */
	(void)plan_check_executable(b, x, &ignored);
	check_kernel_version(b, x, run->set);
	return 0;
}

/* What the symbol check needs: the kernel's symbols (NULL: not checked). */
struct symbol_ctx {
	const struct kmod_symbols *kernel;
	struct plan_symbol_cache *cache;
	const char *undefined_in;	/* an executable with undefined symbols, this root */
};

/* Every kext a plan would load, and its symbols. */
static int
visit_plan(struct kext_preflight_result *r, const struct kext_plan *p, const struct run *run,
    struct symbol_ctx *sc)
{
	for (size_t i = 0; i < kext_plan_count(p); i++) {
		const struct kext_plan_item *it = kext_plan_at(p, i);

		if (it->bundle == NULL || it->loaded || it->kernel_component)
			continue;
		if (visit(r, it->bundle, it->identifier, run) != 0)
			return -1;
		if (sc->kernel != NULL && plan_check_symbols(p, i, sc->kernel, sc->cache) != 0 &&
		    sc->undefined_in == NULL)
			sc->undefined_in = kext_bundle_executable_path(it->bundle);
	}
	return 0;
}

/*
 * The kexts found for a library that the plan rejected (invalid, or not
 * authentic): their own diagnostics say why.
 */
static int
add_rejected(struct kext_preflight_result *r, struct kext_repos *repos, const char *library)
{
	const struct kext_candidate **c;
	size_t n;
	kext_error ignored;
	int rc = 0;

	if (kext_repos_lookup(repos, library, &c, &n, &ignored) != 0)
		return 0;	/* nothing found: the plan's diagnostic says so */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct kext_bundle *b;

		if (kext_repos_open(repos, c[i], &b, &ignored) == 0 &&
		    kext_diags_has_failures(kext_bundle_diags_const(b)) &&
		    entry_for(r, b, c[i]->identifier) == NULL)
			rc = -1;
	}
	free(c);
	return rc;
}

/*
 * The kexts a root pulls in. A plan that fails is left empty, so then each
 * library of the root is planned on its own: the ones that resolve are
 * checked too, whatever happens to their siblings.
 */
static int
visit_dependencies(struct kext_preflight_result *r, struct kext_repos *repos,
    const struct kext_load_request *req, struct kext_bundle *b, const char *id,
    const struct run *run, struct symbol_ctx *sc)
{
	struct kext_plan_options opts = {.authenticate = req->authenticate};
	struct kext_loaded *view = plan_loaded_view(run->set, &opts.nloaded);
	size_t nlib = b != NULL ? kext_bundle_library_count(b) : 0;
	struct kext_plan *p;
	kext_error ignored;
	bool planned = false;
	int rc = 0;

	if (view == NULL)
		return -1;
	opts.loaded = view;
	if (kext_plan_create(repos, &opts, &p, &ignored) == 0) {
		planned = (b != NULL ? kext_plan_add(p, b, &ignored) :
		    kext_plan_add_identifier(p, id, &ignored)) == 0;
		if (planned)
			rc = visit_plan(r, p, run, sc);
		kext_plan_free(p);
	} else {
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && !planned && i < nlib; i++) {
		rc = add_rejected(r, repos, kext_bundle_library_at(b, i)->identifier);
		if (rc == 0 && kext_plan_create(repos, &opts, &p, &ignored) != 0)
			rc = -1;
		if (rc != 0)
			break;
		if (kext_plan_add_identifier(p, kext_bundle_library_at(b, i)->identifier,
		    &ignored) == 0)
			rc = visit_plan(r, p, run, sc);
		kext_plan_free(p);
	}
	free(view);
	return rc;
}

/* One root: planned and checked on its own; its kexts join r. */
static int
check_root(struct kext_kernel *k, struct kext_repos *repos, const struct kext_load_request *req,
    struct kext_bundle *b, const char *id, const struct run *run,
    struct symbol_ctx *sc, struct kext_preflight_result *r, kext_error *err)
{
	struct kext_load_request one = {.bundles = b != NULL ? &b : NULL,
	    .num_bundles = b != NULL, .identifiers = b != NULL ? NULL : &id,
	    .num_identifiers = b == NULL, .authenticate = req->authenticate, .dry_run = true};
	struct kext_load_result res;
	struct kext_preflight_kext *root;
	size_t first = r->n, ri = 0;
	kext_error lerr;
	bool failed;
	int rc;

	sc->undefined_in = NULL;
	failed = plan_load(k, repos, &one, run->set, run->cache, &res, &lerr) != 0;
	/* A -b identifier is the bundle the load chose, when it got that far. */
	for (size_t i = 0; b == NULL && i < res.n; i++)
		if (res.steps[i].root && res.steps[i].bundle != NULL)
			b = kext_bundle_retain(res.steps[i].bundle);
	rc = failed && lerr.code == ENOMEM ? -1 : 0;
	if (rc == 0 && (root = entry_for(r, b, b != NULL ? kext_bundle_identifier(b) : id)) == NULL)
		rc = -1;
	if (rc == 0) {
		ri = (size_t)(root - r->kexts);
		if (b != NULL && visit(r, b, kext_bundle_identifier(b), run) != 0)
			rc = -1;
	}
	/* What the load planned (its checks may have made a kext invalid since)... */
	for (size_t i = 0; rc == 0 && i < res.n; i++)
		if (res.steps[i].kind == KEXT_STEP_LOAD && res.steps[i].bundle != NULL &&
		    visit(r, res.steps[i].bundle, res.steps[i].identifier, run) != 0)
			rc = -1;
	kext_load_result_free(&res);
	/* ...and what a plan reaches when the load stopped before planning. */
	if (rc == 0 && visit_dependencies(r, repos, req, b, id, run, sc) != 0)
		rc = -1;
	if (b != NULL && one.bundles == NULL)
		kext_bundle_release(b);
	if (rc != 0)
		return kext_fail(err, ENOMEM, "out of memory");
	root = &r->kexts[ri];	/* entries may have moved */
	root->root = true;
	if (!failed && sc->undefined_in != NULL) {
		failed = true;
		kext_fail(&lerr, ENOEXEC, "%s: the kernel linker would refuse %s: symbols it "
		    "needs are defined neither by the kernel nor by the kext's libraries",
		    root->bundle != NULL ? kext_bundle_path(root->bundle) : id, sc->undefined_in);
	}
	if (failed && root->error == NULL) {
		if ((root->error = strdup(lerr.msg)) == NULL)
			return kext_fail(err, ENOMEM, "out of memory");
		root->failed = true;
		if (root->bundle == NULL)
			kext_diags_add(root->own, KEXT_DIAG_DEPENDENCY, KEXT_DIAG_NOT_FOUND, "%s",
			    lerr.msg);
		else if (!any_failure(r, first) &&
		    !kext_diags_has_failures(kext_preflight_diags(root)))
			kext_diags_add(kext_bundle_diags(root->bundle), KEXT_DIAG_DEPENDENCY,
			    KEXT_DIAG_DEP_KERNEL_REFUSES, "%s", lerr.msg);
	}
	return 0;
}

/* y's diagnostics, flags and error into x, and y let go. */
static void
merge_into(struct kext_preflight_kext *x, struct kext_preflight_kext *y)
{
	const struct kext_diags *d = kext_bundle_diags_const(y->bundle);

	for (size_t k = 0; k < kext_diags_count(d, KEXT_DIAG_ALL); k++) {
		const struct kext_diag *g = kext_diags_at(d, k);

		/* Past KEXT_DIAG_MAX a diagnostic is only counted: not an error. */
		if (g->value != NULL)
			(void)kext_diags_add(kext_bundle_diags(x->bundle), g->category,
			    g->message, "%s", g->value);
		else
			(void)kext_diags_add(kext_bundle_diags(x->bundle), g->category,
			    g->message, NULL);
	}
	x->root |= y->root;
	x->failed |= y->failed;
	if (x->error == NULL) {
		x->error = y->error;
		y->error = NULL;
	}
	kext_bundle_release(y->bundle);
	free(y->identifier);
	free(y->error);
}

/*
 * A kext named and also found in a -r folder is opened twice: one kext, the
 * diagnostics of both (kext_diags_add drops the duplicates), at the place of
 * its first entry. Entries keep their order; one pass.
 */
static void
merge_same_path(struct kext_preflight_result *r)
{
	size_t kept = 0, *place = calloc(r->n + 1, sizeof(*place));

	for (size_t j = 0; place != NULL && j < r->n; j++) {
		struct kext_preflight_kext *y = &r->kexts[j];
		size_t first = y->bundle != NULL ?
		    first_with_path(r, kext_bundle_path(y->bundle)) : j;

		if (first < j) {
			merge_into(&r->kexts[place[first]], y);
			continue;
		}
		place[j] = kept;
		r->kexts[kept++] = *y;
	}
	if (place != NULL)
		r->n = kept;
	free(place);
	/* the places changed: nothing is looked up by path after this */
	kext_map_free(r->first_by_path, NULL);
	r->first_by_path = NULL;
	r->failed_roots = 0;
	for (size_t i = 0; i < r->n; i++)
		r->failed_roots += r->kexts[i].failed;
}

/* Every root together, as the load itself would plan them. */
static int
plan_together(struct kext_kernel *k, struct kext_repos *repos,
    const struct kext_load_request *req, const struct run *run,
    struct kext_preflight_result *out, kext_error *err)
{
	struct kext_load_request all = *req;
	kext_error lerr;

	all.dry_run = true;
	if (plan_load(k, repos, &all, run->set, run->cache, &out->load, &lerr) == 0)
		return 0;
	if (lerr.code == ENOMEM)
		return kext_fail(err, ENOMEM, "out of memory");
	if ((out->load_error = strdup(lerr.msg)) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	return 0;
}

int
kext_preflight(struct kext_kernel *k, struct kext_repos *repos,
    const struct kext_load_request *req, const char *kernel_file,
    struct kext_preflight_result *out, kext_error *err)
{
	struct kmod_symbols kernel_symbols;
	struct symbol_ctx sc = {NULL, NULL, NULL};
	struct kext_loaded_set set;
	struct run run = {&set, NULL};
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (kernel_file != NULL) {
		if (kmod_kernel_symbols_read(kernel_file, &kernel_symbols, err) != 0)
			return kext_fail_prefix(err, "kernel symbols: ");
		sc.kernel = &kernel_symbols;
		if ((sc.cache = plan_symbol_cache_new()) == NULL) {
			kmod_symbols_free(&kernel_symbols);
			return kext_fail(err, ENOMEM, "out of memory");
		}
	}
	if (kext_loaded_read(k, &set, err) != 0) {
		rc = -1;
		goto out;
	}
	if ((run.cache = plan_exec_cache_new(&set, req->authenticate)) == NULL)
		rc = kext_fail(err, ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < req->num_bundles; i++)
		rc = check_root(k, repos, req, req->bundles[i], NULL, &run, &sc, out, err);
	for (size_t i = 0; rc == 0 && i < req->num_identifiers; i++)
		rc = check_root(k, repos, req, NULL, req->identifiers[i], &run, &sc, out, err);
	if (rc == 0)
		merge_same_path(out);
	if (rc == 0 && out->failed_roots == 0)
		rc = plan_together(k, repos, req, &run, out, err);
	plan_exec_cache_free(run.cache);
	kext_loaded_free(&set);
	if (rc != 0)
		kext_preflight_result_free(out);
out:
	if (sc.kernel != NULL) {
		kmod_symbols_free(&kernel_symbols);
		plan_symbol_cache_free(sc.cache);
	}
	return rc;
}

int
kext_preflight_write_json(FILE *fp, const struct kext_preflight_result *r)
{
	fputs("{\n  \"kexts\": [", fp);
	for (size_t i = 0; i < r->n; i++) {
		const struct kext_preflight_kext *x = &r->kexts[i];
		const struct kext_diags *d = kext_preflight_diags(x);
		size_t nd = kext_diags_count(d, KEXT_DIAG_ALL);

		fputs(i ? ",\n    {\"path\": " : "\n    {\"path\": ", fp);
		kext_json_string(fp, x->bundle != NULL ? kext_bundle_path(x->bundle) : NULL);
		fputs(", \"identifier\": ", fp);
		kext_json_string(fp, x->identifier);
		fprintf(fp, ", \"root\": %s, \"failed\": %s, \"diagnostics\": [",
		    x->root ? "true" : "false", x->failed ? "true" : "false");
		for (size_t j = 0; j < nd; j++) {
			const struct kext_diag *g = kext_diags_at(d, j);

			fputs(j ? ", {\"category\": " : "{\"category\": ", fp);
			kext_json_string(fp, kext_diag_category_name(g->category));
			fputs(", \"message\": ", fp);
			kext_json_string(fp, g->message);
			fputs(", \"value\": ", fp);
			if (g->value != NULL)
				kext_json_string(fp, g->value);
			else
				fputs("null", fp);
			fputc('}', fp);
		}
		fputs("]}", fp);
	}
	fprintf(fp, "%s],\n  \"failed_roots\": %zu\n}\n", r->n ? "\n  " : "", r->failed_roots);
	return ferror(fp) ? -1 : 0;
}
