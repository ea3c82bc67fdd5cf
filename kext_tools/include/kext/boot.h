/*
 * Boot-time loading: the kexts marked for early boot (OSBundleRequired) in
 * the system extensions folder, loaded in dependency order, and the
 * loader.conf(5) fragment that has loader(8) preload the Root ones straight
 * from their bundles.
 *
 * Order: one load plan holds every kext of the set (roots added by
 * identifier, so the result is deterministic); its post-order puts each kext
 * after the libraries it declares. Mach.kext therefore comes before every
 * kext that uses Mach IPC. Each kext is then loaded on its own with
 * kext_load(), transactionally: a kext that fails is rolled back and
 * reported, and the others still load.
 *
 * A test or image-building root: the system folder is
 * ROOT/System/Library/Extensions, and the paths written to loader.conf are
 * the paths as seen once ROOT is "/".
 */
#ifndef KEXT_BOOT_H
#define KEXT_BOOT_H

#include <stdbool.h>
#include <stddef.h>

#include "kext/error.h"
#include "kext/kernel.h"
#include "kext/load.h"
#include "kext/repo.h"

/* OSBundleRequired values, as a set. */
enum {
	KEXT_BOOT_ROOT = 1 << 0,
	KEXT_BOOT_LOCAL_ROOT = 1 << 1,
	KEXT_BOOT_NETWORK_ROOT = 1 << 2,
	KEXT_BOOT_CONSOLE = 1 << 3,
	KEXT_BOOT_SAFE_BOOT = 1 << 4,
	KEXT_BOOT_ANY = (1 << 5) - 1,
};

/* "Root" -> KEXT_BOOT_ROOT...; 0 for NULL or a value Apple does not define. */
unsigned kext_boot_required_bit(const char *value);

/* ROOT/System/Library/Extensions (malloc'd); root NULL or "" is "/". */
char *kext_boot_system_folder(const char *root);

/* One kext of the boot set and what happened to it. */
struct kext_boot_outcome {
	char *identifier;
	char *required;			/* its OSBundleRequired value */
	int rc;				/* 0: loaded, or was loaded already */
	kext_error err;			/* when rc != 0 */
	struct kext_load_result result;	/* the steps of its kext_load() */
};

struct kext_boot_report {
	struct kext_boot_outcome *items;	/* in load order */
	size_t n;
	size_t failures;
};

struct kext_boot_request {
	unsigned required;	/* KEXT_BOOT_* set; 0 means KEXT_BOOT_ANY */
	bool authenticate;	/* as kextload: root:wheel, no group/other write */
	bool dry_run;		/* plan and check each kext, load nothing */
};

/*
 * Loads the boot set of repos. Returns -1 only when the set itself cannot
 * be made (unreadable folders, no kernel); a kext that fails is an outcome
 * with rc != 0 and the others still load. Free *report either way.
 */
int kext_boot_load(struct kext_kernel *k, struct kext_repos *repos,
    const struct kext_boot_request *req, struct kext_boot_report *report, kext_error *err);

void kext_boot_report_free(struct kext_boot_report *report);

/*
 * The loader.conf(5) fragment (malloc'd text) preloading the executables of
 * the boot set (required, default KEXT_BOOT_ROOT) and of the libraries they
 * need, dependencies first:
 *	# org.freebsd-launchd.kext.Mach 1 (Root)
 *	mach_load="YES"
 *	mach_name="/System/Library/Extensions/Mach.kext/Contents/MacOS/mach.ko"
 * Libraries resolve against a kernel at osreldate. Every executable must lie
 * under root (NULL: "/"), whose prefix is removed from the paths written.
 */
int kext_boot_loader_conf(struct kext_repos *repos, unsigned required, int osreldate,
    const char *root, char **text, kext_error *err);

#endif
