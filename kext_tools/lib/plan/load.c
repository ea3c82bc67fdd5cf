/* Loading kexts transactionally (see load.h). */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/bundle.h"
#include "kext/fbsd_version.h"
#include "kext/kernel.h"
#include "kext/kmod.h"
#include "kext/kmod_check.h"
#include "kext/load.h"
#include "kext/loaded.h"
#include "kext/map.h"
#include "kext/plan.h"
#include "plan_internal.h"

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void
kext_load_result_free(struct kext_load_result *result)
{
	for (size_t i = 0; i < result->n; i++) {
		free(result->steps[i].identifier);
		free(result->steps[i].version);
		free(result->steps[i].bundle_path);
		free(result->steps[i].executable);
		if (result->steps[i].bundle != NULL)
			kext_bundle_release(result->steps[i].bundle);
	}
	free(result->steps);
	memset(result, 0, sizeof(*result));
}

/* What the plan needs to know about the kernel's kexts. */
struct kext_loaded *
plan_loaded_view(const struct kext_loaded_set *set, size_t *n)
{
	struct kext_loaded *view = calloc(set->n + 1, sizeof(*view));

	*n = 0;
	for (size_t i = 0; view != NULL && i < set->n; i++) {
		const struct kext_loaded_entry *l = &set->items[i];

		if (l->identifier == NULL)
			continue;
		view[*n].identifier = l->identifier;
		view[*n].version = l->version_value;
		view[*n].compatible_version = l->compat_value;
		(*n)++;
	}
	return view;
}

static int
check_kernel_version(const struct kext_load_step *s, const struct kmod_file *kf, int osreldate,
    kext_error *err)
{
	for (size_t i = 0; i < kf->num_records; i++) {
		const struct kmod_depend *d = &kf->records[i].u.depend;

		if (kf->records[i].type != KMOD_DEPEND || strcmp(d->name, "kernel") != 0 ||
		    kext_fbsd_version_accepts(d->min, d->pref, d->max, osreldate))
			continue;
		return kext_fail(err, ENOEXEC, "%s (%s): built for FreeBSD kernel %d (accepts "
		    "%d..%d), but the running kernel is %d; not loading it", s->identifier,
		    s->bundle_path, d->pref, d->min, d->max, osreldate);
	}
	return 0;
}

/* A module is only ever loaded into the kind of kernel it was built for. */
static int
check_os(const struct kext_load_step *s, const struct kmod_file *kf,
    const struct kext_loaded_set *set, kext_error *err)
{
	if (kf->os == set->os)
		return 0;
	return kext_fail(err, ENOEXEC, "%s (%s): its executable %s is a %s kernel module, but "
	    "the running kernel is %s; not loading it", s->identifier, s->bundle_path, kf->path,
	    kmod_os_name(kf->os), kmod_os_name(set->os));
}

/*
 * Linux loads a module only into the kernel build its vermagic names; the
 * release (its first word) is what tells builds apart for the user.
 */
static int
check_linux_release(const struct kext_load_step *s, const struct kmod_file *kf,
    const struct kext_loaded_set *set, kext_error *err)
{
	char rel[256];

	if (kmod_linux_release(kf, rel, sizeof(rel)) != 0)
		return kext_fail(err, ENOEXEC, "%s (%s): its module %s has no vermagic in .modinfo; "
		    "Linux refuses it; not loading it", s->identifier, s->bundle_path, kf->path);
	if (strcmp(rel, set->release) != 0)
		return kext_fail(err, ENOEXEC, "%s (%s): built for Linux %s (vermagic '%s'), but the "
		    "running kernel is %s; not loading it", s->identifier, s->bundle_path, rel,
		    kf->lx.vermagic, set->release);
	return 0;
}

/*
 * The running kernel is checked against a named kext's own module first, so
 * the answer names both kernels rather than a library mismatch.
 */
static int
check_root_kernel(struct kext_bundle *b, const struct kext_loaded_set *set,
    struct plan_exec_cache *cache, kext_error *err)
{
	struct kext_load_step s = {.identifier = (char *)kext_bundle_identifier(b),
	    .bundle_path = (char *)kext_bundle_path(b)};
	const char *exe = kext_bundle_executable_path(b);
	const struct plan_exec *x = NULL;
	struct kmod_file *kf = NULL;
	int rc;

	if (exe == NULL || s.identifier == NULL)
		return 0;	/* the plan's checks report these */
	if (cache != NULL ? (x = plan_exec_cache_get(cache, b)) == NULL || x->kf == NULL :
	    kmod_open(exe, &kf, NULL) != 0)
		return 0;
	if (x != NULL)
		kf = x->kf;
	rc = check_os(&s, kf, set, err);
	if (rc == 0)
		rc = kf->os == KMOD_OS_LINUX ? check_linux_release(&s, kf, set, err) :
		    check_kernel_version(&s, kf, set->osreldate, err);
	if (x == NULL)
		kmod_free(kf);
	return rc;
}

static int
make_plan(struct kext_repos *repos, const struct kext_load_request *req,
    const struct kext_loaded_set *set, struct plan_exec_cache *cache,
    struct kext_plan **plan, kext_error *err)
{
	struct kext_plan_options opts = {.authenticate = req->authenticate};
	struct kext_loaded *view = plan_loaded_view(set, &opts.nloaded);
	int rc;

	if (view == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < req->num_bundles; i++)
		if (check_root_kernel(req->bundles[i], set, cache, err) != 0) {
			free(view);
			return -1;
		}
	opts.loaded = view;
	rc = kext_plan_create(repos, &opts, plan, err);
	free(view);
	if (rc != 0)
		return -1;
	for (size_t i = 0; i < req->num_identifiers; i++)
		if (kext_plan_add_identifier(*plan, req->identifiers[i], err) != 0)
			return -1;
	for (size_t i = 0; i < req->num_bundles; i++)
		if (kext_plan_add(*plan, req->bundles[i], err) != 0)
			return -1;
	return 0;
}

static int
record_steps(const struct kext_plan *plan, const struct kext_loaded_set *set,
    struct kext_load_result *result)
{
	size_t n = kext_plan_count(plan);

	if ((result->steps = calloc(n + 1, sizeof(*result->steps))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct kext_plan_item *it = kext_plan_at(plan, i);
		struct kext_load_step *s = &result->steps[result->n++];
		const struct kext_loaded_entry *l = it->loaded ?
		    kext_loaded_by_identifier(set, it->identifier) : NULL;

		s->kind = it->kernel_component ? KEXT_STEP_KERNEL :
		    it->loaded ? KEXT_STEP_ALREADY : KEXT_STEP_LOAD;
		s->root = it->root;
		s->identifier = dup_or_null(it->identifier);
		/* A loaded kext's version as its bundle writes it, not reformatted. */
		s->version = dup_or_null(l != NULL && l->version ? l->version : it->version_string);
		if (s->identifier == NULL)
			return -1;
		if (it->bundle != NULL) {
			s->bundle_path = dup_or_null(kext_bundle_path(it->bundle));
			s->executable = dup_or_null(kext_bundle_executable_path(it->bundle));
			s->bundle = kext_bundle_retain(it->bundle);
		}
		if (s->kind == KEXT_STEP_ALREADY && (strcmp(s->identifier, KEXT_KERNEL_BUNDLE_ID) == 0 ||
		    strcmp(s->identifier, KEXT_LINUX_KERNEL_BUNDLE_ID) == 0))
			s->kind = KEXT_STEP_KERNEL;
	}
	return 0;
}

/*
 * The kernel keeps one file per name (linker_load_module refuses a second
 * basename with EEXIST), so a same-named file loaded from elsewhere blocks
 * the kext even though it is not the kext (loaded.h's identity rule).
 */
static int
name_conflict(const struct kext_load_step *s, const struct kext_loaded_entry *other,
    kext_error *err)
{
	const char *path = other->pathname != NULL ? other->pathname : "an unknown path";

	if (other->identifier != NULL)
		return kext_fail(err, EEXIST, "%s (%s): its executable's file name %s is taken: "
		    "kext %s (%s) has %s loaded as id %d from %s, and the kernel loads one file "
		    "per name; unload that kext first", s->identifier, s->bundle_path,
		    other->file_name, other->identifier, other->bundle_path ? other->bundle_path : "?",
		    other->file_name, other->fileid, path);
	return kext_fail(err, EEXIST, "%s (%s): its executable's file name %s is taken: %s "
	    "(id %d) is loaded from %s, which is not inside this kext, and the kernel loads one "
	    "file per name; unload it first (kldunload %d)", s->identifier, s->bundle_path,
	    other->file_name, other->file_name, other->fileid, path, other->fileid);
}

/* A file or module name the kernel already has would make kldload(2) fail with EEXIST. */
static int
check_names(const struct kext_load_step *s, const struct kmod_file *kf,
    const struct kext_loaded_set *set, kext_error *err)
{
	const struct kext_loaded_entry *same = kext_loaded_file_named(set, s->executable);

	if (same != NULL)
		return name_conflict(s, same, err);
	for (size_t i = 0; i < kf->num_records; i++) {
		const struct kmod_record *r = &kf->records[i];
		const char *name = r->type == KMOD_MODULE ? r->u.module.name :
		    r->type == KMOD_VERSION ? r->u.version.name : NULL;
		const struct kext_loaded_entry *other;

		if (name == NULL || (other = kext_loaded_providing(set, name)) == NULL)
			continue;
		return kext_fail(err, EEXIST, "%s (%s): module %s is already provided by %s "
		    "(id %d, %s); unload that first", s->identifier, s->bundle_path, name,
		    other->identifier ? other->identifier : other->file_name, other->fileid,
		    other->pathname ? other->pathname : "?");
	}
	return 0;
}

/*
 * Linux: the module name must be free (finit_module would answer EEXIST) and
 * each depends= module loaded or loaded earlier in this plan (else the kernel
 * answers ENOENT, "Unknown symbol").
 */
static int
check_linux_step(const struct kext_load_step *s, struct kmod_file *const *kfs, size_t step,
    const struct kext_loaded_set *set, kext_error *err)
{
	const struct kmod_file *kf = kfs[step];
	const struct kext_loaded_entry *other = kext_loaded_providing(set, kf->lx.name);

	if (check_linux_release(s, kf, set, err) != 0)
		return -1;
	if (other != NULL)
		return kext_fail(err, EEXIST, "%s (%s): module %s is already loaded (id %d, %s); "
		    "unload that first", s->identifier, s->bundle_path, kf->lx.name, other->fileid,
		    other->identifier ? other->identifier : other->file_name);
	for (size_t d = 0; d < kf->lx.num_depends; d++) {
		const char *dep = kf->lx.depends[d];
		bool met = false;

		for (size_t j = 1; !met && j < set->n; j++)
			met = set->items[j].num_modules > 0 &&
			    kmod_linux_name_equal(set->items[j].modules[0], dep);
		for (size_t j = 0; !met && j < step; j++)
			met = kfs[j] != NULL && kfs[j]->os == KMOD_OS_LINUX &&
			    kmod_linux_name_equal(kfs[j]->lx.name, dep);
		if (!met)
			return kext_fail(err, ENOEXEC, "%s (%s): its module %s depends on module %s, "
			    "which is not loaded and no kext in this load provides; add the kext "
			    "that has it to OSBundleLibraries or load it first", s->identifier,
			    s->bundle_path, kf->lx.name, dep);
	}
	return 0;
}

/*
 * The executable is opened here, once; what is checked below and loaded
 * later is read from fds[i], never from the path again. A dry run with a
 * cache takes the cache's read of it, made through the same kind of open.
 */
static const struct plan_exec *
open_step(struct kext_bundle *b, const char *identifier, bool authenticate,
    const struct kext_loaded_set *set, struct plan_exec_cache *cache, int *fd,
    struct plan_exec *own, kext_error *err)
{
	const struct plan_exec *x;
	struct kmod_target t;
	struct stat st;

	if (cache != NULL) {
		if ((x = plan_exec_cache_get(cache, b)) == NULL)
			return kext_fail(err, ENOMEM, "%s: out of memory", identifier), NULL;
		if (x->open_rc == 0)
			return x;
		*err = x->open_err;
		return kext_fail_prefix(err, "%s: ", identifier), NULL;
	}
	if (kext_bundle_open_executable(b, authenticate, fd, &st, err) != 0)
		return kext_fail_prefix(err, "%s: ", identifier), NULL;
	plan_exec_target(set, &t);
	if (plan_exec_read(*fd, &st, kext_bundle_executable_path(b), &t, own) != 0)
		return kext_fail(err, ENOMEM, "%s: out of memory", identifier), NULL;
	return own;
}

static int
check_step(struct kext_plan *plan, struct kext_load_result *result, size_t i,
    struct kmod_file **kfs, struct kext_map *provided, int *fds, bool authenticate,
    const struct kext_loaded_set *set, struct plan_exec_cache *cache, kext_error *err)
{
	const struct kext_plan_item *it = kext_plan_at(plan, i);
	struct kext_load_step *s = &result->steps[i];
	struct plan_exec own = {0};
	const struct plan_exec *x;
	char *diags;
	int rc = -1;

	if (!kext_bundle_is_valid(it->bundle)) {
		diags = kext_diags_format(kext_bundle_diags(it->bundle), KEXT_DIAG_FAILURES, true);
		kext_fail(err, ENOEXEC, "%s is invalid; not loading anything\n%s", s->bundle_path,
		    diags ? diags : "");
		free(diags);
		return -1;
	}
	if (s->executable == NULL)
		return 0;	/* codeless: nothing for the kernel to load */
	x = open_step(it->bundle, s->identifier, authenticate, set, cache, &fds[i], &own, err);
	if (x == NULL)
		goto out;
	if (x->read_rc != 0 || x->kf == NULL) {
		*err = x->read_rc != 0 ? x->read_err : x->parse_err;
		kext_fail_prefix(err, "%s: ", s->identifier);
		goto out;
	}
	kfs[i] = x->kf;
	own.kf = NULL;		/* kfs[] owns it now, unless the cache does */
	if (check_os(s, kfs[i], set, err) != 0 || plan_check_executable(it->bundle, x, err) != 0)
		goto out;
	if (kfs[i]->os == KMOD_OS_LINUX) {
		rc = check_linux_step(s, kfs, i, set, err);
		goto out;
	}
	if (check_kernel_version(s, kfs[i], set->osreldate, err) != 0 ||
	    check_names(s, kfs[i], set, err) != 0 ||
	    load_check_depends(result->steps, kfs, i, provided, set, err) != 0)
		goto out;
	if (load_provided_add(provided, kfs[i]) != 0) {
		kext_fail(err, ENOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	plan_exec_fini(&own);
	return rc;
}

/* Everything that can be known before the first kernel call, for every step. */
static int
check_steps(struct kext_plan *plan, struct kext_load_result *result, int *fds,
    bool authenticate, const struct kext_loaded_set *set, struct plan_exec_cache *cache,
    kext_error *err)
{
	struct kmod_file **kfs = calloc(result->n + 1, sizeof(*kfs));
	struct kext_map *provided = kext_map_new();
	int rc = 0;

	if (kfs == NULL || provided == NULL) {
		free(kfs);
		kext_map_free(provided, NULL);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; rc == 0 && i < result->n; i++)
		if (result->steps[i].kind == KEXT_STEP_LOAD)
			rc = check_step(plan, result, i, kfs, provided, fds, authenticate, set,
			    cache, err);
	/* the cache's modules are its own */
	for (size_t i = 0; cache == NULL && i < result->n; i++)
		if (kfs[i] != NULL)
			kmod_free(kfs[i]);
	free(kfs);
	kext_map_free(provided, load_provided_free);
	return rc;
}

/* Messages are bounded; a very long rollback list loses its tail, never its start. */
static void
append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	(void)!vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void
roll_back(struct kext_kernel *k, struct kext_load_result *result, size_t failed, kext_error *err)
{
	bool any = false;
	kext_error uerr;

	for (size_t i = failed; i-- > 0;) {
		struct kext_load_step *s = &result->steps[i];

		if (s->kind != KEXT_STEP_LOAD || s->fileid == 0)
			continue;
		append(err->msg, sizeof(err->msg), "%s", any ? ", " : "; rolled back: unloaded ");
		if (kext_kernel_unload(k, s->fileid, false, &uerr) == 0) {
			append(err->msg, sizeof(err->msg), "%s (id %d)", s->identifier, s->fileid);
			s->fileid = 0;
		} else {
			append(err->msg, sizeof(err->msg), "NOT %s (id %d): %s", s->identifier,
			    s->fileid, uerr.msg);
		}
		any = true;
	}
	if (!any)
		append(err->msg, sizeof(err->msg), "; nothing had been loaded");
}

/*
 * After EEXIST: is the very file open at fd now loaded (another run loaded
 * it between our look at the kernel and our load)? Then this step is done,
 * and it is not ours to roll back.
 */
static bool
loaded_meanwhile(struct kext_kernel *k, struct kext_load_step *s, int fd)
{
	struct kext_kld_file *files;
	struct stat mine, theirs;
	kext_error lerr;
	size_t n;
	bool same = false;

	if (fstat(fd, &mine) != 0 || kext_kernel_list(k, &files, &n, &lerr) != 0)
		return false;
	for (size_t i = 1; !same && i < n; i++) {
		same = files[i].pathname != NULL && stat(files[i].pathname, &theirs) == 0 &&
		    theirs.st_dev == mine.st_dev && theirs.st_ino == mine.st_ino;
		if (same)
			s->fileid = files[i].id;
	}
	kext_kld_files_free(files, n);
	return same;
}

static int
load_steps(struct kext_kernel *k, struct kext_load_result *result, const int *fds,
    kext_error *err)
{
	for (size_t i = 0; i < result->n; i++) {
		struct kext_load_step *s = &result->steps[i];
		kext_error kerr;

		if (s->kind != KEXT_STEP_LOAD || s->executable == NULL)
			continue;
		if (kext_kernel_load_fd(k, fds[i], s->executable, &s->fileid, &kerr) != 0) {
			s->fileid = 0;
			if (kerr.code == EEXIST && loaded_meanwhile(k, s, fds[i])) {
				s->kind = KEXT_STEP_MEANWHILE;
				continue;
			}
			kext_fail(err, kerr.code, "cannot load %s (%s): %s", s->identifier,
			    s->bundle_path, kerr.msg);
			roll_back(k, result, i, err);
			return -1;
		}
	}
	return 0;
}

int
plan_load(struct kext_kernel *k, struct kext_repos *repos, const struct kext_load_request *req,
    const struct kext_loaded_set *set, struct plan_exec_cache *cache,
    struct kext_load_result *result, kext_error *err)
{
	struct kext_plan *plan = NULL;
	int *fds = NULL, rc;

	memset(result, 0, sizeof(*result));
	/* a cache is a dry run's, made for this request's authentication */
	if (cache != NULL && (!req->dry_run ||
	    plan_exec_cache_authenticates(cache) != req->authenticate))
		cache = NULL;
	rc = make_plan(repos, req, set, cache, &plan, err);
	if (rc == 0 && record_steps(plan, set, result) != 0)
		rc = kext_fail(err, ENOMEM, "out of memory");
	if (rc == 0 && (fds = malloc((result->n + 1) * sizeof(*fds))) == NULL)
		rc = kext_fail(err, ENOMEM, "out of memory");
	for (size_t i = 0; fds != NULL && i < result->n; i++)
		fds[i] = -1;
	if (rc == 0)
		rc = check_steps(plan, result, fds, req->authenticate, set, cache, err);
	if (rc == 0 && !req->dry_run)
		rc = load_steps(k, result, fds, err);
	for (size_t i = 0; fds != NULL && i < result->n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	if (plan != NULL)
		kext_plan_free(plan);
	return rc;
}

int
kext_load(struct kext_kernel *k, struct kext_repos *repos, const struct kext_load_request *req,
    struct kext_load_result *result, kext_error *err)
{
	struct kext_loaded_set set;
	int rc;

	memset(result, 0, sizeof(*result));
	if (kext_loaded_read(k, &set, err) != 0)
		return -1;
	rc = plan_load(k, repos, req, &set, NULL, result, err);
	kext_loaded_free(&set);
	return rc;
}
