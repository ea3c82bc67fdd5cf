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
 * A Linux module (one with .modinfo) is read the way Linux's module loader
 * links it: defined is only what it exports (the names of its __ksymtab_NAME
 * symbols, which EXPORT_SYMBOL and modpost leave; the loader's find_symbol()
 * searches those tables, not the module's other globals), locals is empty,
 * and undefined also holds the names only its __versions table lists
 * (module_layout, which check_modstruct_version() in kernel/module/version.c
 * looks up itself; kmod's depmod counts them as needed the same way).
 *
 * Names are sorted and unique, for kmod_symbols_has().
 */
#ifndef KEXT_KMOD_SYMBOLS_H
#define KEXT_KMOD_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>

#include "kext/error.h"
#include "kext/kmod.h"

struct kmod_symbol_list {
	char **names;
	size_t n;
};

struct kmod_symbols {
	struct kmod_symbol_list defined, locals, undefined;
	size_t num_weak_undefined;
	enum kmod_os os;	/* whose: a Linux module or kernel, else FreeBSD */
};

/* At most this many symbols are read from one file. */
#define KMOD_MAX_SYMBOLS	(1u << 22)

int kmod_symbols_parse(const void *buf, size_t len, const char *name, struct kmod_symbols *out,
    kext_error *err);
int kmod_symbols_read(const char *path, struct kmod_symbols *out, kext_error *err);
void kmod_symbols_free(struct kmod_symbols *s);

/*
 * The kernel's symbols (kmod_kernel_syms.c), from one of:
 * - its ELF file (FreeBSD's /boot/kernel/kernel), read as kmod_symbols_read;
 * - a Linux System.map ("address type name" lines, nm's output): defined is
 *   what vmlinux exports, the names of its __ksymtab_NAME symbols, as kmod's
 *   depmod -F reads it;
 * - a Linux Module.symvers ("crc<TAB>name<TAB>module<TAB>export type[<TAB>
 *   namespace]", Documentation/kbuild/modules.rst): defined is the rows of
 *   module "vmlinux", as kmod's depmod -E reads it (the modules' own exports
 *   come from their files).
 * A text file with a line of neither form, or without a single exported
 * symbol (Debian's placeholder System.map), fails naming the file and line.
 */
int kmod_kernel_symbols_read(const char *path, struct kmod_symbols *out, kext_error *err);
/* The same from memory (name for messages). */
int kmod_kernel_symbols_parse(const void *buf, size_t len, const char *name,
    struct kmod_symbols *out, kext_error *err);

bool kmod_symbols_has(const struct kmod_symbol_list *list, const char *name);

#endif
