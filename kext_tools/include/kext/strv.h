/*
 * A growing array of borrowed strings, such as the values of a repeatable
 * command-line option: every tool collects its -b/-r/-d values this one way.
 */
#ifndef KEXT_STRV_H
#define KEXT_STRV_H

#include <stddef.h>

/*
 * Appends s (not copied: it must outlive the list) to *list of *n strings.
 * Returns 0, or -1 with *list and *n unchanged when memory runs out.
 * The caller frees *list (not the strings).
 */
int kext_strv_push(const char ***list, size_t *n, const char *s);

#endif
