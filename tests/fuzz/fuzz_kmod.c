/*
 * libFuzzer harness: the ELF module reader on arbitrary bytes. A module that
 * parses is also printed (text and JSON), so every decoded field is touched.
 * The same bytes go to the symbol readers: a module's (kmod_symbols_parse)
 * and a kernel's (an ELF file, a System.map or a Module.symvers).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kext/kmod.h"
#include "kext/kmod_symbols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct kmod_file *kf;
	struct kmod_symbols syms;
	kext_error err;

	if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
		return 0;
	if (kmod_symbols_parse(data, size, "fuzz.ko", &syms, &err) == 0)
		kmod_symbols_free(&syms);
	if (kmod_kernel_symbols_parse(data, size, "fuzz.map", &syms, &err) == 0)
		kmod_symbols_free(&syms);
	if (kmod_parse(data, size, "fuzz.ko", &kf, &err) != 0)
		return 0;
	kmod_print(sink, kf);
	kmod_print_json(sink, (const struct kmod_file *const *)&kf, 1);
	kmod_free(kf);
	return 0;
}
