/*
 * Loading kexts: the load plan (dependencies first, what is loaded already
 * reused), checks that say plainly what the kernel would only answer with
 * "Exec format error", then one kernel load per file, transactionally: when
 * a step fails, everything this call loaded is unloaded again, in reverse
 * order, and the error says what failed and what was rolled back.
 */
#ifndef KEXT_LOAD_H
#define KEXT_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "kext/bundle.h"
#include "kext/error.h"
#include "kext/kernel.h"
#include "kext/repo.h"

enum kext_step_kind {
	KEXT_STEP_KERNEL,	/* stands for the running kernel */
	KEXT_STEP_ALREADY,	/* was loaded before this call */
	KEXT_STEP_LOAD,		/* loaded by this call (or would be, in a dry run) */
	KEXT_STEP_MEANWHILE,	/* the same file was loaded by another run meanwhile */
};

struct kext_load_step {
	enum kext_step_kind kind;
	char *identifier;
	char *version;
	char *bundle_path;	/* NULL for a loaded kext not found on disk */
	char *executable;	/* the .ko path, for KEXT_STEP_LOAD */
	struct kext_bundle *bundle;	/* retained; NULL for a loaded kext not on disk */
	int fileid;		/* after loading; 0 in a dry run */
	bool root;
};

struct kext_load_result {
	struct kext_load_step *steps;	/* in load order */
	size_t n;
};

struct kext_load_request {
	struct kext_bundle **bundles;	/* roots by path (owned by the caller's repos) */
	size_t num_bundles;
	const char **identifiers;	/* roots by identifier (-b) */
	size_t num_identifiers;
	bool authenticate;		/* root:wheel, no group/other write (§4.8) */
	bool dry_run;			/* plan and check, load nothing */
};

/*
 * On failure err names the bundle and the reason; *result still lists the
 * plan as far as it was made (free it either way).
 */
int kext_load(struct kext_kernel *k, struct kext_repos *repos,
    const struct kext_load_request *req, struct kext_load_result *result, kext_error *err);

void kext_load_result_free(struct kext_load_result *result);

#endif
