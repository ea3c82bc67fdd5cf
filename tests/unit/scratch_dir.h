/*
 * Scratch directories for the unit tests: made under $TMPDIR (else /tmp),
 * removed with everything in them. One implementation for the CF, engine and
 * kernel tests alike.
 */
#ifndef SCRATCH_DIR_H
#define SCRATCH_DIR_H

#include <stddef.h>

/* Makes <tmp>/<prefix>XXXXXX into buf; 0, or -1 when it does not fit or fails. */
int scratch_dir_make(char *buf, size_t size, const char *prefix);
/* The same into a malloc'd path; NULL on failure. */
char *scratch_dir_new(const char *prefix);
/* Removes path and, for a folder, all below it (links are removed, not followed). */
void scratch_dir_remove(const char *path);
/* scratch_dir_remove, then frees the path; NULL is ignored. */
void scratch_dir_free(char *path);

/* cmocka setup/teardown giving each test a fresh scratch folder as *state. */
int scratch_dir_setup(void **state);
int scratch_dir_teardown(void **state);

#endif
