/*
 * Helpers shared by the CoreFoundation-lite unit tests (test_cf_*.c).
 * cf_test_assert_* need <cmocka.h> and fail the running test.
 */
#ifndef CF_TEST_UTIL_H
#define CF_TEST_UTIL_H

#include <CoreFoundation/CoreFoundation.h>
#include <CoreFoundation/CFLiteExtras.h>

#include <stddef.h>

#include "scratch_dir.h"

/* Path of a sample under tests/data/plist (malloc'd), or NULL if it is missing. */
char *cf_test_data_path(const char *name);

/* Whole file into a malloc'd NUL-terminated buffer; NULL on error. */
char *cf_test_read_file(const char *path, size_t *len);
/* Writes (creating or truncating) a file; 0 on success. */
int cf_test_write_file(const char *path, const char *bytes, size_t len);

/* dir/rel (malloc'd); creates parent directories of the result when mkdirs. */
char *cf_test_path(const char *dir, const char *rel, int mkdirs);

/* Parses XML text (or any bytes) as a property list. */
CFPropertyListRef cf_test_parse(const char *bytes, size_t len, CFOptionFlags opts,
    CFErrorRef *err);
/* CFErrorCopyDescription as malloc'd C text (releases nothing). */
char *cf_test_error_text(CFErrorRef err);
/* The UTF-8 of a string as malloc'd C text ("(null)" for NULL). */
char *cf_test_cstr(CFStringRef s);
/* CFData contents as malloc'd NUL-terminated text. */
char *cf_test_data_text(CFDataRef d);
/* Fails the running cmocka test unless s's UTF-8 text is expected. */
void cf_test_assert_string(CFStringRef s, const char *expected);

#endif
