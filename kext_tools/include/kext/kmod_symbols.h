/*
 * The symbols an ELF file (a module, or a kernel) defines and needs, from
 * its .symtab (else .dynsym), for the symbol checks of kextutil and kextlibs:
 *
 * - defined: global and weak definitions (what the file exports);
 * - locals: local (static) functions and objects: a kernel's are found by
 *   the kernel linker only with debug.link_elf_leak_locals=1;
 * - undefined: strong undefined references, except the linker set bounds
 *   (__start_set_* and __stop_set_*), which the kernel linker resolves itself
 *   (spec freebsd-kld.md §2.2); weak ones are only counted.
 *
 * Names are sorted and unique, for kmod_symbols_has().
 */
#ifndef KEXT_KMOD_SYMBOLS_H
#define KEXT_KMOD_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>

#include "kext/error.h"

struct kmod_symbol_list {
	char **names;
	size_t n;
};

struct kmod_symbols {
	struct kmod_symbol_list defined, locals, undefined;
	size_t num_weak_undefined;
};

/* At most this many symbols are read from one file. */
#define KMOD_MAX_SYMBOLS	(1u << 22)

int kmod_symbols_parse(const void *buf, size_t len, const char *name, struct kmod_symbols *out,
    kext_error *err);
int kmod_symbols_read(const char *path, struct kmod_symbols *out, kext_error *err);
void kmod_symbols_free(struct kmod_symbols *s);

bool kmod_symbols_has(const struct kmod_symbol_list *list, const char *name);

#endif
