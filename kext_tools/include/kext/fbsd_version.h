/*
 * FreeBSD version numbers written as Apple kext version strings.
 *
 * Module versions (MODULE_VERSION ints) map so that the usual small values
 * read naturally and ordering is kept among values of one scheme:
 *	0..9999       -> "N"            (MODULE_VERSION(foo, 2) -> "2")
 *	10000..2^31-1 -> "A.B.C", the decimal digits split 2/4/4 from the right
 * The exact integers are always kept beside in FreeBSD-specific keys.
 *
 * __FreeBSD_version (M*100000 + m*1000 + n) maps to "M.m.n", so 1402000 is
 * "14.2" and 1500068 is "15.0.68"; a kernel's compatible version is "M.0":
 * FreeBSD's KBI promise (stable within a major branch) becomes Apple's rule
 * compatible <= requested <= current.
 */
#ifndef KEXT_FBSD_VERSION_H
#define KEXT_FBSD_VERSION_H

#include <stdbool.h>
#include <stddef.h>

#define KEXT_FBSD_VERSION_STRMAX 24

/* Returns -1 for a negative version (no Apple form), else 0. */
int kext_fbsd_module_version_string(int version, char *buf, size_t len);

/* Returns -1 unless osreldate looks like a __FreeBSD_version (>= 100000). */
int kext_fbsd_osreldate_string(int osreldate, char *buf, size_t len);
int kext_fbsd_osreldate_compat_string(int osreldate, char *buf, size_t len);

/*
 * FreeBSD's rule for a MODULE_DEPEND {min, pref, max} (kern_linker.c, the
 * loader, kldxref): a provider of exactly pref wins at once, else the highest
 * version in [min, max].
 *
 * kext_fbsd_version_accepts: v satisfies the dependency at all.
 * kext_fbsd_version_better: v should replace the best found so far (none yet
 * when have_best is false); scanning candidates with it picks the first of
 * pref, else the first of the highest in range.
 */
bool kext_fbsd_version_accepts(int min, int pref, int max, int v);
bool kext_fbsd_version_better(int min, int pref, int max, int v, bool have_best, int best);

#endif
