/*
 * libFuzzer harness: the kext version parser. Whatever parses must format
 * to a string that parses to the same value (the canonical form is stable),
 * and compare equal to itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kext/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[KEXT_VERSION_FORMAT_MAX], *s;
	kext_version v;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	v = kext_version_parse(s);
	free(s);
	kext_version_format(v, text, sizeof(text));
	if (v <= 0)
		return 0;
	if (kext_version_parse(text) != v || kext_version_compare(v, v) != 0)
		abort();	/* the canonical form must round-trip */
	return 0;
}
