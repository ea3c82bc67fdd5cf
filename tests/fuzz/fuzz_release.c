/*
 * libFuzzer harness: the text parsers of ko2kext's archive inputs: a
 * release tarball's README (conv_release_parse, then the check against a
 * module, here the input itself) and a package's +MANIFEST strings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conv_release rel;
	char *text = malloc(size + 1), *s;
	kext_error err;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)conv_release_is_readme(text);
	if (conv_release_parse("fuzz.tar.gz", "README", text, &rel, &err) == 0) {
		(void)conv_release_check(&rel, "fuzz.tar.gz:mach.ko", data, size, &err);
		conv_release_clear(&rel);
	}
	free(conv_manifest_string(text, "origin"));
	if ((s = conv_manifest_string(text, "version")) != NULL)
		free(s);
	free(text);
	return 0;
}
