/*
 * ET_REL modules (amd64): there is no load address, so the allocated sections
 * are laid out one after another, each at its alignment (spec freebsd-kld.md
 * §2.2; we start at 0x1000, not 0, and leave gaps between sections), and the
 * pointer relocations of the non-code sections are collected so a slot
 * resolves to "symbol's section + symbol value + A". A slot without a
 * relocation reads as NULL.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kmod_internal.h"

#define SHF_ALLOC	0x2
#define SHF_EXECINSTR	0x4
#define SHT_SYMTAB	2
#define SHT_STRTAB	3
#define SHT_RELA	4
#define SHT_NOBITS	8
#define SHT_REL		9
#define SHT_DYNSYM	11
#define SHT_GROUP	17
#define SHT_SYMTAB_SHNDX 18
#define SHN_UNDEF	0
#define SHN_LORESERVE	0xff00
#define SHN_ABS		0xfff1

#define NOT_PLACED	UINT64_MAX
/*
 * First address of the layout: not 0, so no real pointer looks like NULL; and
 * an unmapped gap after each section, so a pointer past a section's end is
 * reported instead of landing in the next section.
 */
#define LAYOUT_BASE	0x1000
#define LAYOUT_GAP	0x1000

/* Sections that hold program bytes (as opposed to linking information). */
static bool
is_placed_type(uint32_t type)
{
	switch (type) {
	case 0: case SHT_SYMTAB: case SHT_STRTAB: case SHT_RELA: case SHT_REL:
	case SHT_DYNSYM: case SHT_GROUP: case SHT_SYMTAB_SHNDX:
		return false;
	default:
		return true;
	}
}

/* Lays out the allocated sections; base[i] is section i's address or NOT_PLACED. */
static int
place_sections(struct kmod_image *img, uint64_t *base, kext_error *err)
{
	struct kmod_shdr sh;
	uint64_t addr = LAYOUT_BASE;
	size_t i;

	img->segs = calloc(img->shnum ? img->shnum : 1, sizeof(img->segs[0]));
	if (img->segs == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
	for (i = 0; i < img->shnum; i++) {
		base[i] = NOT_PLACED;
		if (i == 0)
			continue;
		kmod_shdr_read(img, i, &sh);
		if (!(sh.flags & SHF_ALLOC) || !is_placed_type(sh.type))
			continue;
		if (sh.addralign > 1) {
			uint64_t rem = addr % sh.addralign;
			if (rem != 0 && sh.addralign - rem > UINT64_MAX - addr)
				goto overflow;
			if (rem != 0)
				addr += sh.addralign - rem;
		}
		if (sh.size > UINT64_MAX - addr)
			goto overflow;
		base[i] = addr;
		if (sh.size != 0) {
			struct kmod_segment *s = &img->segs[img->nsegs++];
			s->addr = addr;
			s->memsz = sh.size;
			s->offset = sh.offset;
			s->filesz = sh.type == SHT_NOBITS ? 0 : sh.size;
		}
		addr += sh.size;
		if (addr > UINT64_MAX - LAYOUT_GAP)
			goto overflow;
		addr += LAYOUT_GAP;
	}
	return 0;
overflow:
	return kext_fail(err, ENOEXEC, "%s: section %zu (%s): sizes and alignments "
	    "add up past the 64-bit address space", img->name, i, kmod_section_name(img, i));
}

static int
find_set(struct kmod_image *img, const uint64_t *base, kext_error *err)
{
	struct kmod_shdr sh;
	size_t i;

	if (kmod_find_set_section(img, &i, err) != 0)
		return -1;
	if (i == 0)
		return 0;
	kmod_shdr_read(img, i, &sh);
	if (base[i] == NOT_PLACED)
		return kext_fail(err, ENOEXEC, "%s: section %zu (%s) is not "
		    "loaded (type %" PRIu32 ", flags 0x%" PRIx64 ")", img->name, i,
		    KMOD_SET_SECTION, sh.type, sh.flags);
	img->has_set = true;
	img->set_addr = base[i];
	img->set_size = sh.size;
	return 0;
}

/* Relocation sections that can touch metadata: placed, non-code targets. */
static bool
relevant_reloc_section(const struct kmod_image *img, const struct kmod_shdr *sh,
    const uint64_t *base)
{
	struct kmod_shdr target;

	if (sh->type != SHT_REL && sh->type != SHT_RELA)
		return false;
	if (sh->info == 0 || sh->info >= img->shnum || base[sh->info] == NOT_PLACED)
		return false;
	kmod_shdr_read(img, sh->info, &target);
	return !(target.flags & SHF_EXECINSTR);
}

struct symtab {
	const uint8_t *data;
	size_t count;
	const uint8_t *strtab;
	size_t strsize;
};

static int
open_symtab(const struct kmod_image *img, size_t relsec, uint32_t link,
    struct symtab *st, kext_error *err)
{
	struct kmod_shdr sh, strsh;

	memset(st, 0, sizeof(*st));
	if (link == 0 || link >= img->shnum)
		return kext_fail(err, ENOEXEC, "%s: relocation section %zu (%s) links "
		    "to symbol table %" PRIu32 ", which does not exist", img->name,
		    relsec, kmod_section_name(img, relsec), link);
	kmod_shdr_read(img, link, &sh);
	if (sh.type != SHT_SYMTAB && sh.type != SHT_DYNSYM)
		return kext_fail(err, ENOEXEC, "%s: relocation section %zu (%s) links "
		    "to section %" PRIu32 " of type %" PRIu32 ", expected a symbol "
		    "table", img->name, relsec, kmod_section_name(img, relsec), link,
		    sh.type);
	if (sh.entsize != kmod_sym_size(img))
		return kext_fail(err, ENOEXEC, "%s: symbol table %" PRIu32 " has entry "
		    "size %" PRIu64 " (expected %zu)", img->name, link, sh.entsize,
		    kmod_sym_size(img));
	st->data = img->buf + sh.offset;	/* bounds checked with all sections */
	st->count = (size_t)(sh.size / sh.entsize);
	if (sh.link != 0 && sh.link < img->shnum) {
		kmod_shdr_read(img, sh.link, &strsh);
		if (strsh.type == SHT_STRTAB) {
			st->strtab = img->buf + strsh.offset;
			st->strsize = (size_t)strsh.size;
		}
	}
	return 0;
}

/* Gives r the value of a pointer relocation against symbol e->sym. */
static int
resolve_symbol(const struct kmod_image *img, const struct symtab *st,
    const uint64_t *base, const struct kmod_rel_entry *e, size_t relsec,
    struct kmod_reloc *r, kext_error *err)
{
	struct kmod_sym sym;

	if (e->sym >= st->count)
		return kext_fail(err, ENOEXEC, "%s: relocation section %zu (%s): symbol "
		    "index %" PRIu32 " is out of range (the symbol table has %zu)",
		    img->name, relsec, kmod_section_name(img, relsec), e->sym, st->count);
	kmod_sym_decode(img, st->data + (size_t)e->sym * kmod_sym_size(img), &sym);
	r->sym_name = kmod_strtab_get(st->strtab, st->strsize, sym.name);
	if (sym.shndx == SHN_ABS) {
		r->sym_value = sym.value;
	} else if (sym.shndx == SHN_UNDEF || sym.shndx >= SHN_LORESERVE) {
		r->kind = KMOD_RELOC_UNDEF;	/* undefined, common or extended */
	} else if (sym.shndx >= img->shnum) {
		return kext_fail(err, ENOEXEC, "%s: symbol %" PRIu32 " (%s) is in "
		    "section %u, which does not exist", img->name, e->sym,
		    r->sym_name ? r->sym_name : "?", sym.shndx);
	} else if (base[sym.shndx] == NOT_PLACED) {
		r->kind = KMOD_RELOC_UNDEF;	/* lives in a section not loaded */
		if (r->sym_name == NULL || r->sym_name[0] == '\0')
			r->sym_name = kmod_section_name(img, sym.shndx);
	} else {
		r->sym_value = base[sym.shndx] + sym.value;
	}
	return 0;
}

static int
collect_section(struct kmod_image *img, size_t relsec, const struct kmod_shdr *sh,
    const uint64_t *base, kext_error *err)
{
	bool rela = sh->type == SHT_RELA;
	size_t entsize = kmod_rel_size(img, rela), n, i;
	struct kmod_shdr target;
	struct symtab st;

	if (open_symtab(img, relsec, sh->link, &st, err) != 0)
		return -1;
	kmod_shdr_read(img, sh->info, &target);
	n = (size_t)(sh->size / entsize);
	for (i = 0; i < n; i++) {
		struct kmod_rel_entry e;
		struct kmod_reloc *r;
		unsigned width;

		kmod_rel_decode(img, img->buf + sh->offset + i * entsize, rela, &e);
		if (e.type == 0)	/* R_*_NONE */
			continue;
		width = e.type == img->arch->abs_type ? img->ptrsize : 1;
		if (e.offset > target.size || target.size - e.offset < width)
			return kext_fail(err, ENOEXEC, "%s: relocation %zu of section %zu "
			    "(%s): offset 0x%" PRIx64 " is outside section %" PRIu32
			    " (%s, size 0x%" PRIx64 ")", img->name, i, relsec,
			    kmod_section_name(img, relsec), e.offset, sh->info,
			    kmod_section_name(img, sh->info), target.size);
		r = &img->relocs[img->nrelocs];
		memset(r, 0, sizeof(*r));
		r->where = base[sh->info] + e.offset;
		r->type = e.type;
		r->seq = (uint32_t)img->nrelocs;
		r->addend = e.addend;
		r->implicit = !rela;
		if (e.type != img->arch->abs_type)
			r->kind = KMOD_RELOC_UNSUPPORTED;
		else if (resolve_symbol(img, &st, base, &e, relsec, r, err) != 0)
			return -1;
		img->nrelocs++;
	}
	return 0;
}

static int
collect_relocs(struct kmod_image *img, const uint64_t *base, kext_error *err)
{
	struct kmod_shdr sh;
	size_t i, total = 0;

	for (i = 1; i < img->shnum; i++) {
		size_t entsize;

		kmod_shdr_read(img, i, &sh);
		if (!relevant_reloc_section(img, &sh, base))
			continue;
		entsize = kmod_rel_size(img, sh.type == SHT_RELA);
		if (sh.entsize != entsize || sh.size % entsize != 0)
			return kext_fail(err, ENOEXEC, "%s: relocation section %zu (%s): "
			    "entry size %" PRIu64 " and size %" PRIu64 " do not fit "
			    "%zu-byte entries", img->name, i, kmod_section_name(img, i),
			    sh.entsize, sh.size, entsize);
		total += (size_t)(sh.size / entsize);	/* bounded by the file size */
	}
	if (total == 0)
		return 0;
	if (total > KMOD_MAX_RELOCS)
		return kext_fail(err, ENOEXEC, "%s: %zu data relocations is more than a "
		    "module may have (%zu)", img->name, total, KMOD_MAX_RELOCS);
	img->relocs = calloc(total, sizeof(img->relocs[0]));
	if (img->relocs == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory (%zu relocations)",
		    img->name, total);
	for (i = 1; i < img->shnum; i++) {
		kmod_shdr_read(img, i, &sh);
		if (relevant_reloc_section(img, &sh, base) &&
		    collect_section(img, i, &sh, base, err) != 0)
			return -1;
	}
	return 0;
}

int
kmod_layout_rel(struct kmod_image *img, kext_error *err)
{
	uint64_t *base;
	int rc = -1;

	base = calloc(img->shnum ? img->shnum : 1, sizeof(base[0]));
	if (base == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
	if (place_sections(img, base, err) == 0 && find_set(img, base, err) == 0 &&
	    collect_relocs(img, base, err) == 0)
		rc = 0;
	free(base);
	return rc;
}
