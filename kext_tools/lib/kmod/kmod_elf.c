/*
 * ELF header and section header checks for module files, then the per-type
 * layout (kmod_elf_rel.c, kmod_elf_dyn.c). Every offset and size taken from
 * the file is checked against the file length with overflow-safe arithmetic.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kmod_internal.h"

#define EI_NIDENT	16
#define SHN_XINDEX	0xffff
#define SHT_NULL	0
#define SHT_NOBITS	8

uint64_t
kmod_get_bytes(const struct kmod_image *img, const uint8_t *p, unsigned size)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < size; i++) {
		unsigned k = img->be ? i : size - 1 - i;
		v = (v << 8) | p[k];
	}
	return v;
}

void
kmod_shdr_read(const struct kmod_image *img, size_t index, struct kmod_shdr *sh)
{
	const uint8_t *p;

	if (img->shdrs != NULL) {
		*sh = img->shdrs[index];
		return;
	}

	if (img->is64) {
		p = img->buf + img->shoff + index * 64;
		sh->name = (uint32_t)kmod_get(img, p, 4);
		sh->type = (uint32_t)kmod_get(img, p + 4, 4);
		sh->flags = kmod_get(img, p + 8, 8);
		sh->addr = kmod_get(img, p + 16, 8);
		sh->offset = kmod_get(img, p + 24, 8);
		sh->size = kmod_get(img, p + 32, 8);
		sh->link = (uint32_t)kmod_get(img, p + 40, 4);
		sh->info = (uint32_t)kmod_get(img, p + 44, 4);
		sh->addralign = kmod_get(img, p + 48, 8);
		sh->entsize = kmod_get(img, p + 56, 8);
	} else {
		p = img->buf + img->shoff + index * 40;
		sh->name = (uint32_t)kmod_get(img, p, 4);
		sh->type = (uint32_t)kmod_get(img, p + 4, 4);
		sh->flags = kmod_get(img, p + 8, 4);
		sh->addr = kmod_get(img, p + 12, 4);
		sh->offset = kmod_get(img, p + 16, 4);
		sh->size = kmod_get(img, p + 20, 4);
		sh->link = (uint32_t)kmod_get(img, p + 24, 4);
		sh->info = (uint32_t)kmod_get(img, p + 28, 4);
		sh->addralign = kmod_get(img, p + 32, 4);
		sh->entsize = kmod_get(img, p + 36, 4);
	}
}

const char *
kmod_strtab_get(const uint8_t *strtab, size_t size, uint64_t off)
{
	if (strtab == NULL || off >= size)
		return NULL;
	if (memchr(strtab + off, '\0', size - (size_t)off) == NULL)
		return NULL;
	return (const char *)strtab + off;
}

const char *
kmod_section_name(const struct kmod_image *img, size_t index)
{
	struct kmod_shdr sh, strsh;
	const char *s;

	if (index >= img->shnum || img->shstrndx == 0 || img->shstrndx >= img->shnum)
		return "";
	kmod_shdr_read(img, index, &sh);
	kmod_shdr_read(img, img->shstrndx, &strsh);
	/* the string table's bounds were checked in check_sections() */
	s = kmod_strtab_get(img->buf + strsh.offset, (size_t)strsh.size, sh.name);
	return s != NULL ? s : "";
}

int
kmod_find_set_section(const struct kmod_image *img, size_t *index, kext_error *err)
{
	*index = 0;
	for (size_t i = 1; i < img->shnum; i++) {
		if (strcmp(kmod_section_name(img, i), KMOD_SET_SECTION) != 0)
			continue;
		if (*index != 0)
			return kext_fail(err, ENOEXEC, "%s: more than one %s section",
			    img->name, KMOD_SET_SECTION);
		*index = i;
	}
	return 0;
}

size_t
kmod_sym_size(const struct kmod_image *img)
{
	return img->is64 ? 24 : 16;
}

void
kmod_sym_decode(const struct kmod_image *img, const uint8_t *p, struct kmod_sym *sym)
{
	sym->name = (uint32_t)kmod_get(img, p, 4);
	if (img->is64) {
		sym->info = p[4];
		sym->shndx = (uint16_t)kmod_get(img, p + 6, 2);
		sym->value = kmod_get(img, p + 8, 8);
	} else {
		sym->value = kmod_get(img, p + 4, 4);
		sym->info = p[12];
		sym->shndx = (uint16_t)kmod_get(img, p + 14, 2);
	}
}

static const char *
osabi_name(unsigned osabi)
{
	switch (osabi) {
	case 0: return "System V";
	case 1: return "HP-UX";
	case 2: return "NetBSD";
	case 3: return "GNU/Linux";
	case 6: return "Solaris";
	case 9: return "FreeBSD";
	case 12: return "OpenBSD";
	case 97: return "ARM";
	case 255: return "standalone";
	default: return "unknown";
	}
}

/* Locates the section header table; handles the extended numbering of huge files. */
static int
read_section_table(struct kmod_image *img, uint64_t shoff, unsigned shentsize,
    unsigned shnum, unsigned shstrndx, kext_error *err)
{
	size_t want = img->is64 ? 64 : 40;
	uint64_t count = shnum, size;
	struct kmod_shdr sh0;

	if (shoff == 0) {
		img->shnum = 0;
		return 0;
	}
	if (shentsize != want)
		return kext_fail(err, ENOEXEC,
		    "%s: section header entry size %u (expected %zu)",
		    img->name, shentsize, want);
	if (shoff > img->len || img->len - shoff < want)
		return kext_fail(err, ENOEXEC, "%s: truncated: section header table "
		    "ends past end of file (offset %" PRIu64 ", size %zu, file size %zu)",
		    img->name, shoff, want, img->len);
	img->shoff = shoff;
	img->shnum = 1;
	kmod_shdr_read(img, 0, &sh0);
	if (count == 0)			/* real count in section 0 */
		count = sh0.size;
	if (shstrndx == SHN_XINDEX)
		shstrndx = sh0.link;
	if (count > (img->len - shoff) / want) {
		size = count > UINT64_MAX / want ? UINT64_MAX : count * want;
		img->shnum = 0;
		return kext_fail(err, ENOEXEC, "%s: truncated: section header table "
		    "ends past end of file (offset %" PRIu64 ", size %" PRIu64
		    ", file size %zu)", img->name, shoff, size, img->len);
	}
	if (count > KMOD_MAX_SECTIONS) {
		img->shnum = 0;
		return kext_fail(err, ENOEXEC, "%s: %" PRIu64 " sections is more than "
		    "a module may have (%zu)", img->name, count, KMOD_MAX_SECTIONS);
	}
	img->shnum = (size_t)count;
	if (shstrndx != 0 && shstrndx >= img->shnum)
		return kext_fail(err, ENOEXEC, "%s: section name table index %u is out "
		    "of range (%zu sections)", img->name, shstrndx, img->shnum);
	img->shstrndx = shstrndx;
	return 0;
}

/*
 * Section headers are read again and again (names looked up, sections
 * walked per step), so a module's are decoded once; a file with more than
 * DECODED_SECTIONS (hostile ones: up to KMOD_MAX_SECTIONS) is read in place.
 * Out of memory only costs the speed.
 */
#define DECODED_SECTIONS 4096

static void
decode_sections(struct kmod_image *img)
{
	struct kmod_shdr *all;

	if (img->shnum == 0 || img->shnum > DECODED_SECTIONS ||
	    (all = calloc(img->shnum, sizeof(*all))) == NULL)
		return;
	for (size_t i = 0; i < img->shnum; i++)
		kmod_shdr_read(img, i, &all[i]);
	img->shdrs = all;
}

/* Every section that has file bytes must lie inside the file. */
static int
check_sections(struct kmod_image *img, kext_error *err)
{
	struct kmod_shdr sh;
	size_t i;

	if (img->shstrndx != 0) {
		kmod_shdr_read(img, img->shstrndx, &sh);
		if (sh.offset > img->len || sh.size > img->len - sh.offset)
			return kext_fail(err, ENOEXEC, "%s: truncated: section name "
			    "table ends past end of file (offset %" PRIu64 ", size %"
			    PRIu64 ", file size %zu)", img->name, sh.offset, sh.size,
			    img->len);
	}
	for (i = 1; i < img->shnum; i++) {
		kmod_shdr_read(img, i, &sh);
		if (sh.type == SHT_NULL || sh.type == SHT_NOBITS)
			continue;
		if (sh.offset > img->len || sh.size > img->len - sh.offset)
			return kext_fail(err, ENOEXEC, "%s: truncated: section %zu (%s) "
			    "ends past end of file (offset %" PRIu64 ", size %" PRIu64
			    ", file size %zu)", img->name, i, kmod_section_name(img, i),
			    sh.offset, sh.size, img->len);
	}
	return 0;
}

const char *
kmod_linux_marker(const struct kmod_image *img)
{
	size_t i;

	for (i = 1; i < img->shnum; i++) {
		const char *n = kmod_section_name(img, i);
		if (strcmp(n, ".modinfo") == 0 || strcmp(n, ".gnu.linkonce.this_module") == 0)
			return n;
	}
	return NULL;
}

static int
check_target(struct kmod_image *img, unsigned data, kext_error *err)
{
	const char *marker = kmod_linux_marker(img);
	const struct kmod_arch *any;
	unsigned cls = img->is64 ? 2 : 1;

	if (marker != NULL) {
		/* Linux modules are ET_REL with OSABI 0 (System V) or 3 (GNU/Linux). */
		if (img->osabi != KMOD_ELFOSABI_SYSV && img->osabi != 3)
			return kext_fail(err, ENOEXEC, "%s: a Linux kernel module (it has a "
			    "%s section) with OSABI %u (%s; expected 0 or 3)", img->name,
			    marker, img->osabi, osabi_name(img->osabi));
		if (img->type != KMOD_ET_REL)
			return kext_fail(err, ENOEXEC, "%s: a Linux kernel module (it has a "
			    "%s section) of ELF type %u (expected 1 ET_REL)", img->name,
			    marker, img->type);
		img->linux_arch = kmod_linux_arch(img->machine, img->is64, data == 2);
		if (img->linux_arch == NULL)
			return kext_fail(err, ENOEXEC, "%s: a Linux kernel module for "
			    "machine %u ELF%u, which this reader does not know", img->name,
			    img->machine, img->is64 ? 64u : 32u);
		img->is_linux = true;
		return 0;
	}
	if (img->osabi != KMOD_ELFOSABI_FREEBSD && img->osabi != KMOD_ELFOSABI_SYSV)
		return kext_fail(err, ENOEXEC, "%s: wrong OSABI %u (%s; expected %d, "
		    "FreeBSD)", img->name, img->osabi, osabi_name(img->osabi),
		    KMOD_ELFOSABI_FREEBSD);
	img->arch = kmod_arch_find(img->machine, (int)cls, (int)data);
	if (img->arch != NULL)
		return 0;
	any = kmod_arch_any(img->machine);
	if (any == NULL)
		return kext_fail(err, ENOEXEC, "%s: unsupported machine %u (FreeBSD "
		    "modules are built for x86_64 62, i386 3, arm 40, aarch64 183, "
		    "riscv 243, powerpc 20, powerpc64 21)", img->name, img->machine);
	return kext_fail(err, ENOEXEC, "%s: machine %u (%s) with ELF%u %s-endian: "
	    "expected ELF%u %s-endian", img->name, img->machine, any->name,
	    img->is64 ? 64u : 32u, data == 2 ? "big" : "little",
	    any->elf_class == 2 ? 64u : 32u, any->data == 2 ? "big" : "little");
}

int
kmod_image_headers(struct kmod_image *img, const void *buf, size_t len,
    const char *name, kext_error *err)
{
	const uint8_t *p = buf;
	unsigned cls, data, shentsize, shnum, shstrndx, ehsize;
	uint64_t shoff;

	memset(img, 0, sizeof(*img));
	img->buf = p;
	img->len = len;
	img->name = name;
	if (len < 4 || memcmp(p, "\177ELF", 4) != 0)
		return kext_fail(err, ENOEXEC, "%s: not an ELF file (%s)", name,
		    len < 4 ? "shorter than the ELF magic" : "no ELF magic number");
	if (len < EI_NIDENT)
		return kext_fail(err, ENOEXEC, "%s: truncated: ELF identification "
		    "needs %d bytes, file has %zu", name, EI_NIDENT, len);
	cls = p[4];
	data = p[5];
	if (cls != 1 && cls != 2)
		return kext_fail(err, ENOEXEC, "%s: unsupported ELF class %u "
		    "(expected 1 ELFCLASS32 or 2 ELFCLASS64)", name, cls);
	if (data != 1 && data != 2)
		return kext_fail(err, ENOEXEC, "%s: unsupported ELF data encoding %u "
		    "(expected 1 little-endian or 2 big-endian)", name, data);
	if (p[6] != 1)
		return kext_fail(err, ENOEXEC, "%s: unsupported ELF version %u "
		    "(expected 1)", name, p[6]);
	img->is64 = cls == 2;
	img->be = data == 2;
	img->ptrsize = img->is64 ? 8 : 4;
	img->osabi = p[7];
	ehsize = img->is64 ? 64 : 52;
	if (len < ehsize)
		return kext_fail(err, ENOEXEC, "%s: truncated: ELF header needs %u "
		    "bytes, file has %zu", name, ehsize, len);
	img->type = (uint16_t)kmod_get(img, p + 16, 2);
	img->machine = (uint16_t)kmod_get(img, p + 18, 2);
	if (img->is64) {
		shoff = kmod_get(img, p + 40, 8);
		shentsize = (unsigned)kmod_get(img, p + 58, 2);
		shnum = (unsigned)kmod_get(img, p + 60, 2);
		shstrndx = (unsigned)kmod_get(img, p + 62, 2);
	} else {
		shoff = kmod_get(img, p + 32, 4);
		shentsize = (unsigned)kmod_get(img, p + 46, 2);
		shnum = (unsigned)kmod_get(img, p + 48, 2);
		shstrndx = (unsigned)kmod_get(img, p + 50, 2);
	}
	if (read_section_table(img, shoff, shentsize, shnum, shstrndx, err) != 0)
		return -1;
	decode_sections(img);
	return check_sections(img, err);
}

int
kmod_image_init(struct kmod_image *img, const void *buf, size_t len,
    const char *name, kext_error *err)
{
	if (kmod_image_headers(img, buf, len, name, err) != 0 ||
	    check_target(img, img->be ? 2 : 1, err) != 0)
		return -1;
	if (img->is_linux)
		return 0;	/* kmod_linux.c reads its .modinfo; no layout needed */
	switch (img->type) {
	case KMOD_ET_REL:
		if (kmod_layout_rel(img, err) != 0)
			return -1;
		break;
	case KMOD_ET_DYN:
	case KMOD_ET_EXEC:	/* a kernel: its metadata read like ET_DYN's, from PT_LOAD */
		if (kmod_layout_dyn(img, err) != 0)
			return -1;
		break;
	default:
		return kext_fail(err, ENOEXEC, "%s: unsupported ELF type %u (expected "
		    "1 ET_REL or 3 ET_DYN, what FreeBSD modules are, or 2 ET_EXEC, a kernel)",
		    img->name, img->type);
	}
	kmod_relocs_sort(img);
	return 0;
}

void
kmod_image_fini(struct kmod_image *img)
{
	free(img->shdrs);
	img->shdrs = NULL;
	free(img->segs);
	free(img->relocs);
	img->segs = NULL;
	img->relocs = NULL;
	img->nsegs = img->nrelocs = 0;
}
