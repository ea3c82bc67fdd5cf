/*
 * kextutil -n -t: every problem of every kext involved, without loading.
 *
 * Each root (a bundle named by path, or an identifier given with -b) is
 * planned and checked on its own, so one bad kext does not hide the next:
 * the plan, validation, authentication (when asked), the executable against
 * the kernel (kext/kmod_check.h) and the kernel version, for the root and
 * every dependency the plan pulls in. Problems are diagnostics in OSKext's
 * categories on the bundle at fault; a root that fails with nothing recorded
 * anywhere gets the failure itself as a "Dependency Resolution Failures"
 * diagnostic, so a failure never comes without one.
 */
#ifndef KEXT_PREFLIGHT_H
#define KEXT_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kext/bundle.h"
#include "kext/diag.h"
#include "kext/error.h"
#include "kext/kernel.h"
#include "kext/load.h"
#include "kext/repo.h"

struct kext_preflight_kext {
	struct kext_bundle *bundle;	/* retained; NULL for a -b identifier not found */
	struct kext_diags *own;		/* the diagnostics of a kext without a bundle */
	char *identifier;		/* NULL when unknown */
	bool root;			/* named, or given with -b */
	bool failed;			/* a root whose load would fail */
	char *error;			/* a failed root: why, as kextload would say it */
};

struct kext_map;

struct kext_preflight_result {
	struct kext_preflight_kext *kexts;	/* roots and dependencies, first seen first */
	size_t n;
	size_t cap;			/* private: kexts' allocated length */
	struct kext_map *first_by_path;	/* private: bundle path -> 1 + its first entry */
	size_t failed_roots;
	/*
	 * When no root failed: every root planned together, as one load would
	 * (a dry run's steps), and load_error, why that load would fail (NULL
	 * when it would not).
	 */
	struct kext_load_result load;
	char *load_error;
};

/*
 * Runs the checks for every root of req (its dry_run is implied). With a
 * kernel_file (the kernel's ELF file, or a Linux kernel's System.map or
 * Module.symvers: kmod_kernel_symbols_read), the symbols of every module are
 * checked too (symbol_check.c): each strong undefined symbol must be defined
 * by the kernel or by one of the kext's own libraries (FreeBSD looks one
 * level deep); a symbol only a kext further down defines, or only a static
 * kernel function, is a warning. A Linux module's may come from any kext of
 * its plan, as Linux links against every loaded module. Fails only when the
 * kernel or kernel_file cannot be read or memory runs out.
 */
int kext_preflight(struct kext_kernel *k, struct kext_repos *repos,
    const struct kext_load_request *req, const char *kernel_file,
    struct kext_preflight_result *out, kext_error *err);

void kext_preflight_result_free(struct kext_preflight_result *r);

/* The diagnostics of one kext (its bundle's, or its own). */
const struct kext_diags *kext_preflight_diags(const struct kext_preflight_kext *x);

/*
 * {"kexts": [{"path", "identifier", "root", "failed", "diagnostics": [{"category",
 * "message", "value"}]}], "failed_roots": N}; 0, or -1 on a write error.
 */
int kext_preflight_write_json(FILE *fp, const struct kext_preflight_result *r);

#endif
