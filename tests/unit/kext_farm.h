/*
 * Many kexts with real modules, fast: copies of the gen_link.ko template
 * (tests/fixtures/gen_link.c, built as fixtures/templates/<arch>/gen_link.ko)
 * with their placeholder names rewritten, each in a bundle Gen<NNNNN>.kext
 * (identifier org.farm.gen<NNNNN>, version 1.0, compatible 1.0) whose module
 * "gen<NNNNN>" provides version 1 of itself; or only the modules, side by
 * side, as ko2kext's inputs. For the scaling tests and benchmarks.
 */
#ifndef KEXT_FARM_H
#define KEXT_FARM_H

#include <stddef.h>

enum kext_farm_shape {
	KEXT_FARM_FLAT,		/* each depends on the kernel only */
	KEXT_FARM_CHAIN,	/* gen<i> depends on gen<i-1>, module and library alike */
	KEXT_FARM_CHAINS,	/* ten chains of n/10, each like KEXT_FARM_CHAIN */
	KEXT_FARM_MODULES,	/* no bundles: the flat farm's modules, dir/gen<NNNNN>.ko */
};

/* The largest farm the five-digit names allow. */
#define KEXT_FARM_MAX 100000

/*
 * Writes n bundles into dir (created) from the template module at template_ko.
 * Returns 0, or -1 with a message in msg naming the file and the reason.
 */
int kext_farm_make(const char *dir, const char *template_ko, size_t n,
    enum kext_farm_shape shape, char *msg, size_t msglen);

/*
 * Writes a sim kernel state (kernel_sim_state.c's format) in which the n
 * modules of the flat farm in dir are loaded, as if kextload had loaded them
 * one by one: for kextstat at scale without n loads first.
 */
int kext_farm_sim_state(const char *dir, size_t n, const char *state_path, char *msg,
    size_t msglen);

#endif
