/* Shared by the boot-time loading files (see kext/boot.h). */
#ifndef KEXT_BOOT_INTERNAL_H
#define KEXT_BOOT_INTERNAL_H

#include "kext/boot.h"
#include "kext/plan.h"

struct boot_item {
	const char *identifier;		/* owned by the bundle */
	const char *required;
	struct kext_bundle *bundle;	/* owned by the repos */
	size_t rank;			/* place in the load plan */
};

/* Kexts whose OSBundleRequired is in required, best version each, by identifier. */
struct boot_set {
	struct boot_item *items;
	size_t n;
};

int boot_set_make(struct kext_repos *repos, unsigned required, struct boot_set *s,
    kext_error *err);
void boot_set_free(struct boot_set *s);

/* The running kernel as the plan sees it: the kernel kext at osreldate. */
int boot_kernel_view(int osreldate, struct kext_loaded *kernel, kext_error *err);

/*
 * One plan for the whole set against a kernel at osreldate; s is reordered
 * into plan order. strict: a kext that cannot be planned is an error (else
 * it is put last, for kext_load to report).
 */
int boot_plan(struct kext_repos *repos, struct boot_set *s, int osreldate, bool strict,
    struct kext_plan **out, kext_error *err);

#endif
