/*
 * Properties as Apple's kextfind prints them (printProperty in kext_tools'
 * kextfind_commands.c): NAME = "string", NAME = number or boolean,
 * NAME = <data (N bytes): hex>, <dictionary of N items>, <array of N items>;
 * -print-match-property puts the personality's name and ": " first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CoreFoundation/CoreFoundation.h>
#include <CoreFoundation/CFLiteExtras.h>

#include "find_internal.h"
#include "kext/error.h"
#include "kext/find.h"

/* Apple shows at most this many bytes of data, four to a group. */
#define DATA_SHOWN	36

static char *
data_text(CFDataRef d)
{
	CFIndex len = CFDataGetLength(d);
	const UInt8 *bytes = CFDataGetBytePtr(d);
	size_t shown = len < DATA_SHOWN ? (size_t)len : DATA_SHOWN;
	char hex[DATA_SHOWN * 3 + 1], *h = hex, *out = NULL;

	for (size_t i = 0; i < shown; i++) {
		if (i > 0 && i % 4 == 0)
			*h++ = ' ';
		h += snprintf(h, 3, "%02x", bytes[i]);
	}
	*h = '\0';
	if (asprintf(&out, "<data (%ld bytes): %s%s>", (long)len, hex,
	    (size_t)len > shown ? "..." : "") < 0)
		return NULL;
	return out;
}

char *
find_property_line(const char *name, CFTypeRef v)
{
	CFTypeID t = CFGetTypeID(v);
	char *text = NULL, *out = NULL;
	int rc;

	if (t == CFStringGetTypeID()) {
		if ((text = CFLiteCopyCString(v)) == NULL)
			return NULL;
		rc = asprintf(&out, "%s = \"%s\"", name, text);
	} else if (t == CFNumberGetTypeID() || t == CFBooleanGetTypeID()) {
		if ((text = find_value_text(v)) == NULL)
			return NULL;
		rc = asprintf(&out, "%s = %s", name, text);
	} else if (t == CFDataGetTypeID()) {
		if ((text = data_text(v)) == NULL)
			return NULL;
		rc = asprintf(&out, "%s = %s", name, text);
	} else if (t == CFDictionaryGetTypeID()) {
		rc = asprintf(&out, "%s = <dictionary of %ld items>", name,
		    (long)CFDictionaryGetCount(v));
	} else if (t == CFArrayGetTypeID()) {
		rc = asprintf(&out, "%s = <array of %ld items>", name, (long)CFArrayGetCount(v));
	} else {
		rc = asprintf(&out, "%s = <value of unknown type>", name);
	}
	free(text);
	return rc < 0 ? NULL : out;
}

char *
kext_find_property_line(struct kext_find_item *it, const char *name)
{
	CFTypeRef v = find_dict_value(find_info(it), name);

	return v != NULL ? find_property_line(name, v) : NULL;
}

static void
lines_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

int
kext_find_match_property_lines(struct kext_find_item *it, const char *name,
    char ***out, size_t *n, kext_error *err)
{
	CFTypeRef pers = find_dict_value(find_info(it), "IOKitPersonalities");
	const void **keys, **values;
	CFIndex count;
	char **lines;

	*out = NULL;
	*n = 0;
	if (pers == NULL || CFGetTypeID(pers) != CFDictionaryGetTypeID())
		return 0;
	count = CFDictionaryGetCount(pers);
	keys = calloc((size_t)count + 1, sizeof(*keys));
	values = calloc((size_t)count + 1, sizeof(*values));
	lines = calloc((size_t)count + 1, sizeof(*lines));
	if (keys == NULL || values == NULL || lines == NULL)
		goto nomem;
	CFDictionaryGetKeysAndValues(pers, keys, values);
	for (CFIndex i = 0; i < count; i++) {
		CFTypeRef v;
		char *label, *line;
		int rc;

		if (CFGetTypeID(values[i]) != CFDictionaryGetTypeID() ||
		    CFGetTypeID(keys[i]) != CFStringGetTypeID() ||
		    (v = find_dict_value(values[i], name)) == NULL)
			continue;
		if ((label = CFLiteCopyCString(keys[i])) == NULL)
			goto nomem;
		if ((line = find_property_line(name, v)) == NULL) {
			free(label);
			goto nomem;
		}
		rc = asprintf(&lines[*n], "%s: %s", label, line);
		free(label);
		free(line);
		if (rc < 0) {
			lines[*n] = NULL;
			goto nomem;
		}
		(*n)++;
	}
	free(keys);
	free(values);
	*out = lines;
	return 0;
nomem:
	free(keys);
	free(values);
	lines_free(lines, *n);
	*n = 0;
	return kext_fail(err, ENOMEM, "out of memory");
}
