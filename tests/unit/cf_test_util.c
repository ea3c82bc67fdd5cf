/* Helpers shared by the CoreFoundation-lite unit tests (see cf_test_util.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cf_test_util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
cf_test_data_path(const char *name)
{
	const char *dir = getenv("CF_TEST_DATA");
	char *p;
	struct stat st;

	if (dir == NULL)
		dir = "tests/data/plist";
	p = malloc(strlen(dir) + strlen(name) + 2);
	if (p == NULL)
		return NULL;
	sprintf(p, "%s/%s", dir, name);
	if (stat(p, &st) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

char *
cf_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf != NULL) {
			buf[n] = '\0';
			if (len != NULL)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

int
cf_test_write_file(const char *path, const char *bytes, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (f == NULL)
		return -1;
	if (len != 0 && fwrite(bytes, 1, len, f) != len)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

char *
cf_test_path(const char *dir, const char *rel, int mkdirs)
{
	char *p = malloc(strlen(dir) + strlen(rel) + 2);

	if (p == NULL)
		return NULL;
	sprintf(p, "%s/%s", dir, rel);
	if (mkdirs) {
		for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				free(p);
				return NULL;
			}
			*s = '/';
		}
	}
	return p;
}

CFPropertyListRef
cf_test_parse(const char *bytes, size_t len, CFOptionFlags opts, CFErrorRef *err)
{
	CFDataRef d = CFDataCreate(NULL, (const UInt8 *)bytes, (CFIndex)len);
	CFPropertyListRef p;

	if (d == NULL)
		return NULL;
	p = CFPropertyListCreateWithData(NULL, d, opts, NULL, err);
	CFRelease(d);
	return p;
}

char *
cf_test_cstr(CFStringRef s)
{
	char *c = s != NULL ? CFLiteCopyCString(s) : NULL;

	return c != NULL ? c : strdup("(null)");
}

char *
cf_test_error_text(CFErrorRef err)
{
	CFStringRef d;
	char *c;

	if (err == NULL)
		return strdup("(no error)");
	d = CFErrorCopyDescription(err);
	c = cf_test_cstr(d);
	if (d != NULL)
		CFRelease(d);
	return c;
}

char *
cf_test_data_text(CFDataRef d)
{
	size_t n = (size_t)CFDataGetLength(d);
	char *c = malloc(n + 1);

	if (c == NULL)
		return NULL;
	if (n != 0)
		memcpy(c, CFDataGetBytePtr(d), n);
	c[n] = '\0';
	return c;
}

void
cf_test_assert_string(CFStringRef s, const char *expected)
{
	char *c = cf_test_cstr(s);

	assert_string_equal(c, expected);
	free(c);
}
