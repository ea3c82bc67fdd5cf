/*
 * Private to the kmod_*.c files: one ELF module seen as a virtual address
 * space (ET_REL: sections laid out from 0; ET_DYN: PT_LOAD segments) plus the
 * pointer relocations that apply to it, so the record decoder only ever asks
 * "read N bytes / a pointer / a string at address A".
 */
#ifndef KMOD_INTERNAL_H
#define KMOD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kext/error.h"
#include "kext/kmod.h"
#include "kext/kmod_symbols.h"

/* Resource bounds (why each: see kmod.h). */
#define KMOD_MAX_STRING		1024	/* MAXMODNAME; kldxref's descr/D/Z buffer */
#define KMOD_MAX_PNP_VALUES	(1u << 20)	/* values per PnP table */
#define KMOD_MAX_FILE_SIZE	((size_t)1 << 30)
#define KMOD_MAX_SECTIONS	((size_t)1 << 20)	/* also program headers */
#define KMOD_MAX_RELOCS		((size_t)1 << 22)	/* pointer relocations kept */

#define KMOD_ELFOSABI_SYSV	0
#define KMOD_ELFOSABI_FREEBSD	9
#define KMOD_ET_REL		1
#define KMOD_ET_EXEC		2
#define KMOD_ET_DYN		3

/* Per-architecture facts (spec freebsd-kld.md §2.1); kmod_reloc.c. */
struct kmod_arch {
	const char *name;	/* "amd64", ... */
	uint16_t machine;	/* EM_* */
	uint8_t elf_class;	/* 1 ELFCLASS32, 2 ELFCLASS64 */
	uint8_t data;		/* 1 ELFDATA2LSB, 2 ELFDATA2MSB */
	uint32_t abs_type;	/* pointer-sized S + A */
	uint32_t relative_type;	/* B + A */
};

/* NULL when no architecture FreeBSD ships matches. */
const struct kmod_arch *kmod_arch_find(int machine, int elf_class, int data);
/* Any entry for the machine, whatever class and byte order; NULL if none. */
const struct kmod_arch *kmod_arch_any(int machine);

/* How a relocated pointer slot gets its value. */
enum kmod_reloc_kind {
	KMOD_RELOC_VALUE,	/* S + A (S is 0 for RELATIVE) */
	KMOD_RELOC_UNDEF,	/* symbol not defined in the module */
	KMOD_RELOC_UNSUPPORTED,	/* a type we do not model: reading the slot fails */
};

struct kmod_reloc {
	uint64_t where;		/* address of the slot */
	uint64_t sym_value;	/* S */
	int64_t addend;		/* A, unless implicit */
	const char *sym_name;	/* for messages; may be NULL */
	uint32_t type;
	uint32_t seq;		/* table order: the last relocation of a slot wins */
	uint8_t kind;
	bool implicit;		/* REL: A is the value stored in the slot */
};

/* A contiguous range of the address space: bytes from the file, then zeros. */
struct kmod_segment {
	uint64_t addr, memsz;
	uint64_t offset, filesz;
};

struct kmod_shdr;

struct kmod_image {
	const uint8_t *buf;
	size_t len;
	const char *name;	/* for messages */
	bool is64, be;
	unsigned ptrsize;
	uint16_t type, machine;
	uint8_t osabi;
	const struct kmod_arch *arch;

	/* section headers (may be absent from an ET_DYN file) */
	uint64_t shoff;
	size_t shnum, shstrndx;
	/* all of them decoded once, when few enough; else decoded on each read */
	struct kmod_shdr *shdrs;

	struct kmod_segment *segs;	/* sorted by addr, not overlapping */
	size_t nsegs;
	struct kmod_reloc *relocs;	/* sorted by (where, seq) */
	size_t nrelocs;

	bool is_linux;		/* a Linux module: no layout, read .modinfo */
	const char *linux_arch;	/* its architecture, Linux's name */
	bool has_set;		/* set_modmetadata_set found */
	uint64_t set_addr, set_size;
};

/* --- kmod_elf.c: header, section headers, layout ------------------------- */

/*
 * The ELF header and section headers only, for any ELF type (kernels are
 * ET_EXEC): every section with file bytes lies in the file. kmod_image_fini
 * always.
 */
int kmod_image_headers(struct kmod_image *img, const void *buf, size_t len,
    const char *name, kext_error *err);

/* Validates the file and builds the address space; kmod_image_fini always. */
int kmod_image_init(struct kmod_image *img, const void *buf, size_t len,
    const char *name, kext_error *err);
void kmod_image_fini(struct kmod_image *img);

/* Integer of `size` bytes (up to 8) at p in the file's byte order, byte by byte. */
uint64_t kmod_get_bytes(const struct kmod_image *img, const uint8_t *p, unsigned size);

/*
 * Integer of `size` bytes (1, 2, 4, 8) at p in the file's byte order. Inline
 * and one load for the common sizes: every header field, symbol and
 * relocation entry of every module is read through here.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define KMOD_HOST_BE	true
#else
#define KMOD_HOST_BE	false
#endif
static inline uint64_t
kmod_get(const struct kmod_image *img, const uint8_t *p, unsigned size)
{
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (size) {
	case 1:
		return p[0];
	case 2:
		memcpy(&v16, p, 2);
		return img->be == KMOD_HOST_BE ? v16 : __builtin_bswap16(v16);
	case 4:
		memcpy(&v32, p, 4);
		return img->be == KMOD_HOST_BE ? v32 : __builtin_bswap32(v32);
	case 8:
		memcpy(&v64, p, 8);
		return img->be == KMOD_HOST_BE ? v64 : __builtin_bswap64(v64);
	default:
		return kmod_get_bytes(img, p, size);
	}
}

/* A section header field by ELF64 name; works for both classes. */
struct kmod_shdr {
	uint32_t name, type, link, info;
	uint64_t flags, addr, offset, size, addralign, entsize;
};
void kmod_shdr_read(const struct kmod_image *img, size_t index, struct kmod_shdr *sh);
/* Name of section `index` ("" when unnamed or unreadable). */
const char *kmod_section_name(const struct kmod_image *img, size_t index);
/* The section only Linux kernel modules carry (.modinfo, ...), or NULL. */
const char *kmod_linux_marker(const struct kmod_image *img);

/* The linker set of module metadata: where MODULE_* records point from. */
#define KMOD_SET_SECTION	"set_modmetadata_set"
/*
 * *index is the KMOD_SET_SECTION section, or 0 when there is none (both
 * layouts share this; a second one is an error).
 */
int kmod_find_set_section(const struct kmod_image *img, size_t *index, kext_error *err);

/* Symbols (same layout in .symtab and .dynsym). */
struct kmod_sym {
	uint32_t name;
	uint8_t info;
	uint16_t shndx;
	uint64_t value;
};
size_t kmod_sym_size(const struct kmod_image *img);
void kmod_sym_decode(const struct kmod_image *img, const uint8_t *p, struct kmod_sym *sym);
/* NUL-terminated string at strtab[off] inside the table, or NULL. */
const char *kmod_strtab_get(const uint8_t *strtab, size_t size, uint64_t off);

/* --- kmod_reloc.c: relocation tables ------------------------------------- */

/* Decoded relocation table entry. */
struct kmod_rel_entry {
	uint64_t offset;
	uint32_t sym, type;
	int64_t addend;
};
/* Entry i of a REL (rela = false) or RELA table at p. */
void kmod_rel_decode(const struct kmod_image *img, const uint8_t *p, bool rela,
    struct kmod_rel_entry *out);
size_t kmod_rel_size(const struct kmod_image *img, bool rela);
/* Only the type of the REL or RELA entry at p (the same for both layouts). */
static inline uint32_t
kmod_rel_type(const struct kmod_image *img, const uint8_t *p)
{
	return img->is64 ? (uint32_t)kmod_get(img, p + 8, 8) :
	    (uint32_t)(kmod_get(img, p + 4, 4) & 0xff);
}
/* Sorts img->relocs so kmod_reloc_at can search them. */
void kmod_relocs_sort(struct kmod_image *img);
/* The relocation that applies to the slot at addr, or NULL. */
const struct kmod_reloc *kmod_reloc_at(const struct kmod_image *img, uint64_t addr);

/* --- kmod_elf_rel.c / kmod_elf_dyn.c: per ELF type layout ----------------- */

int kmod_layout_rel(struct kmod_image *img, kext_error *err);
int kmod_layout_dyn(struct kmod_image *img, kext_error *err);

/* --- kmod_image.c: reading the address space ----------------------------- */

/* `what` names the thing read, for the message ("record 2 (MODULE) md_cval"). */
int kmod_read(const struct kmod_image *img, uint64_t addr, void *out, size_t n,
    const char *what, kext_error *err);
int kmod_read_int(const struct kmod_image *img, uint64_t addr, unsigned size,
    const char *what, uint64_t *out, kext_error *err);
int kmod_read_ptr(const struct kmod_image *img, uint64_t addr, const char *what,
    uint64_t *out, kext_error *err);
/* A NUL-terminated string of at most max - 1 bytes, returned malloc'd. */
int kmod_read_string(const struct kmod_image *img, uint64_t addr, size_t max,
    const char *what, char **out, kext_error *err);
/* Fails (with the "points outside the module" message) unless [addr, addr + n)
 * lies within one section or segment. */
int kmod_check_range(const struct kmod_image *img, uint64_t addr, uint64_t n,
    const char *what, kext_error *err);
/* File bytes behind [addr, addr + n), or NULL when not entirely in the file. */
const uint8_t *kmod_file_span(const struct kmod_image *img, uint64_t addr, uint64_t n);

/* --- kmod_pnp.c ----------------------------------------------------------- */

/* Decodes the MODULE_PNP_INFO payload at addr into pnp (bus = cval, taken over). */
int kmod_pnp_decode(const struct kmod_image *img, uint64_t addr, const char *what,
    struct kmod_pnp *pnp, kext_error *err);
void kmod_pnp_release(struct kmod_pnp *pnp);

/* --- kmod_linux.c ------------------------------------------------------- */

/* The Linux name of (machine, class) or NULL; is64 as in the image. */
const char *kmod_linux_arch(unsigned machine, bool is64, bool be);
/* Reads .modinfo into kf->lx (kf->path gives the fallback name). */
int kmod_linux_decode(const struct kmod_image *img, struct kmod_file *kf, kext_error *err);
void kmod_linux_release_info(struct kmod_linux *lx);

/* --- kmod_syms.c / kmod_syms_linux.c: symbol lists ------------------------ */

/* Appends a copy of name (cap is the list's allocation); -1 when out of memory. */
int kmod_symlist_push(struct kmod_symbol_list *l, size_t *cap, const char *name);
/* Sorts the list and drops repeated names. */
void kmod_symlist_sort(struct kmod_symbol_list *l);
void kmod_symlist_free(struct kmod_symbol_list *l);
/* The exported name behind a Linux __ksymtab_NAME symbol, or NULL. */
const char *kmod_linux_export_name(const char *symbol);
/*
 * Adds to out->undefined (sorted) the names a Linux module's __versions
 * table lists that no undefined symbol of its .symtab has (weak: the weak
 * undefined ones, sorted); then sorts out->undefined again.
 */
int kmod_linux_versions_needed(const struct kmod_image *img, struct kmod_symbols *out,
    const struct kmod_symbol_list *weak, kext_error *err);

/* --- kmod_records.c ------------------------------------------------------- */

/*
 * kmod_parse, keeping the image it read (*img, for kmod_image_fini) for a
 * caller that walks the file further; on failure *img holds nothing.
 */
int kmod_parse_image(const void *buf, size_t len, const char *name, struct kmod_file **out,
    struct kmod_image *img, kext_error *err);
int kmod_records_decode(const struct kmod_image *img, struct kmod_file *kf,
    kext_error *err);

#endif
