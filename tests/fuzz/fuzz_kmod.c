/*
 * libFuzzer harness: the ELF module reader on arbitrary bytes. A module that
 * parses is also printed (text and JSON), so every decoded field is touched.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kext/kmod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct kmod_file *kf;
	kext_error err;

	if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
		return 0;
	if (kmod_parse(data, size, "fuzz.ko", &kf, &err) != 0)
		return 0;
	kmod_print(sink, kf);
	kmod_print_json(sink, (const struct kmod_file *const *)&kf, 1);
	kmod_free(kf);
	return 0;
}
