/*
 * What a Linux module exports and what else it needs (kext/kmod_symbols.h).
 *
 * Exports: EXPORT_SYMBOL(name) gives each exported name a __ksymtab_name
 * symbol in the __ksymtab (or __ksymtab_gpl) section (include/linux/export.h;
 * Documentation/kbuild/modules.rst, "Version Information Formats"), the same
 * names kmod's depmod reads from a System.map.
 *
 * __versions: with CONFIG_MODVERSIONS, modpost lists the CRC of each symbol
 * the module imports as an array of struct modversion_info { unsigned long
 * crc; char name[64 - sizeof(unsigned long)]; } (include/linux/module.h,
 * MODULE_NAME_LEN). Names found there and not among the module's undefined
 * symbols (module_layout) are still needed: kmod's
 * kmod_elf_get_dependency_symbols() adds them, and the kernel looks
 * module_layout up in check_modstruct_version().
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kext/error.h"
#include "kext/kmod_symbols.h"
#include "kmod_internal.h"

#define KSYMTAB_PREFIX		"__ksymtab_"
#define MODVERSION_SIZE		64	/* sizeof(struct modversion_info) */

const char *
kmod_linux_export_name(const char *symbol)
{
	size_t n = sizeof(KSYMTAB_PREFIX) - 1;

	if (strncmp(symbol, KSYMTAB_PREFIX, n) != 0 || symbol[n] == '\0')
		return NULL;
	return symbol + n;
}

/* The __versions section, or 0. */
static size_t
versions_section(const struct kmod_image *img)
{
	for (size_t i = 1; i < img->shnum; i++)
		if (strcmp(kmod_section_name(img, i), "__versions") == 0)
			return i;
	return 0;
}

int
kmod_linux_versions_needed(const struct kmod_image *img, struct kmod_symbols *out,
    const struct kmod_symbol_list *weak, kext_error *err)
{
	size_t sec = versions_section(img), known = out->undefined.n, cap = out->undefined.n;
	struct kmod_symbol_list *u = &out->undefined;
	struct kmod_shdr sh;

	if (sec == 0)
		return 0;	/* a kernel built without CONFIG_MODVERSIONS */
	kmod_shdr_read(img, sec, &sh);
	/* check_sections() vouches only for sections with file bytes: not NOBITS */
	if (sh.offset > img->len || sh.size > img->len - sh.offset)
		return kext_fail(err, ENOEXEC, "%s: __versions lies outside the file", img->name);
	if (sh.size % MODVERSION_SIZE != 0)
		return kext_fail(err, ENOEXEC, "%s: __versions is %ju bytes, not a whole number "
		    "of %d-byte entries", img->name, (uintmax_t)sh.size, MODVERSION_SIZE);
	for (uint64_t off = 0; off < sh.size; off += MODVERSION_SIZE) {
		const char *name = (const char *)img->buf + sh.offset + off + img->ptrsize;
		size_t max = MODVERSION_SIZE - img->ptrsize;
		struct kmod_symbol_list sorted = {u->names, known};

		if (memchr(name, '\0', max) == NULL)
			return kext_fail(err, ENOEXEC, "%s: __versions entry %ju: the name is not "
			    "NUL-terminated within its %zu bytes", img->name,
			    (uintmax_t)(off / MODVERSION_SIZE), max);
		if (name[0] == '\0' || kmod_symbols_has(&sorted, name) ||
		    kmod_symbols_has(weak, name))
			continue;
		if (kmod_symlist_push(u, &cap, name) != 0)
			return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
	}
	kmod_symlist_sort(u);
	return 0;
}
