/*
 * Many kexts with real modules, fast: copies of the gen_link.ko template
 * (tests/fixtures/gen_link.c, built as fixtures/templates/<arch>/gen_link.ko)
 * with their placeholder names rewritten, each in a bundle Gen<NNNNN>.kext
 * (identifier org.farm.gen<NNNNN>, version 1.0, compatible 1.0) whose module
 * "gen<NNNNN>" provides version 1 of itself. For the scaling tests and
 * benchmarks.
 */
#ifndef KEXT_FARM_H
#define KEXT_FARM_H

#include <stddef.h>

enum kext_farm_shape {
	KEXT_FARM_FLAT,		/* each depends on the kernel only */
	KEXT_FARM_CHAIN,	/* gen<i> depends on gen<i-1>, module and library alike */
};

/* The largest farm the five-digit names allow. */
#define KEXT_FARM_MAX 100000

/*
 * Writes n bundles into dir (created) from the template module at template_ko.
 * Returns 0, or -1 with a message in msg naming the file and the reason.
 */
int kext_farm_make(const char *dir, const char *template_ko, size_t n,
    enum kext_farm_shape shape, char *msg, size_t msglen);

#endif
