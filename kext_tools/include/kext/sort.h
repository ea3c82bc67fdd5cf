/*
 * qsort(3) for arrays that may be empty: qsort(NULL, 0, ...) is undefined
 * behaviour (C17 7.22.5: the base must be a valid pointer even for no
 * elements), and UBSan aborts on it; an empty or one-element array (whose
 * pointer may be NULL) is left as it is.
 */
#ifndef KEXT_SORT_H
#define KEXT_SORT_H

#include <stddef.h>

void kext_sort(void *base, size_t n, size_t size, int (*compare)(const void *, const void *));

#endif
