/*
 * ET_DYN modules (every arch but amd64): addresses are the link-time vaddrs of
 * the PT_LOAD segments (load base 0); the dynamic relocations (DT_REL and
 * DT_RELA tables) say which slots hold pointers: RELATIVE gives A, ABS gives
 * S + A (spec freebsd-kld.md §2.3). The set is found by its section header or,
 * in a file without section headers, by __start_/__stop_set_modmetadata_set
 * in the dynamic symbol table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kext/sort.h"
#include "kmod_internal.h"

#define PT_LOAD		1
#define PT_DYNAMIC	2
#define PN_XNUM		0xffff
#define SHT_DYNSYM	11
#define SHN_UNDEF	0

#define DT_NULL		0
#define DT_HASH		4
#define DT_STRTAB	5
#define DT_SYMTAB	6
#define DT_RELA		7
#define DT_RELASZ	8
#define DT_RELAENT	9
#define DT_STRSZ	10
#define DT_SYMENT	11
#define DT_REL		17
#define DT_RELSZ	18
#define DT_RELENT	19

static const char start_sym[] = "__start_set_modmetadata_set";
static const char stop_sym[] = "__stop_set_modmetadata_set";

struct dynamic {
	bool present;
	uint64_t tag[DT_RELENT + 1];	/* value of each tag we use */
	bool has[DT_RELENT + 1];
};

struct dynsyms {
	const uint8_t *data;
	size_t count;
	const uint8_t *strtab;
	size_t strsize;
};

static int
seg_cmp(const void *a, const void *b)
{
	const struct kmod_segment *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

static int
read_program_headers(struct kmod_image *img, struct dynamic *dyn, kext_error *err)
{
	const uint8_t *p = img->buf;
	size_t want = img->is64 ? 56 : 32, i;
	uint64_t phoff, dynoff = 0, dynsz = 0;
	unsigned phentsize, phnum;

	if (img->is64) {
		phoff = kmod_get(img, p + 32, 8);
		phentsize = (unsigned)kmod_get(img, p + 54, 2);
		phnum = (unsigned)kmod_get(img, p + 56, 2);
	} else {
		phoff = kmod_get(img, p + 28, 4);
		phentsize = (unsigned)kmod_get(img, p + 42, 2);
		phnum = (unsigned)kmod_get(img, p + 44, 2);
	}
	if (phnum == PN_XNUM && img->shnum > 0) {
		struct kmod_shdr sh0;
		kmod_shdr_read(img, 0, &sh0);
		phnum = sh0.info;
	}
	if (phoff == 0 || phnum == 0)
		return kext_fail(err, ENOEXEC, "%s: %s without program headers", img->name,
		    img->type == 2 ? "ET_EXEC file" : "ET_DYN module");
	if (phnum > KMOD_MAX_SECTIONS)
		return kext_fail(err, ENOEXEC, "%s: %u program headers is more than a "
		    "module may have (%zu)", img->name, phnum, KMOD_MAX_SECTIONS);
	if (phentsize != want)
		return kext_fail(err, ENOEXEC, "%s: program header entry size %u "
		    "(expected %zu)", img->name, phentsize, want);
	if (phoff > img->len || (img->len - phoff) / want < phnum)
		return kext_fail(err, ENOEXEC, "%s: truncated: program header table "
		    "ends past end of file (offset %" PRIu64 ", size %zu, file size %zu)",
		    img->name, phoff, (size_t)phnum * want, img->len);
	img->segs = calloc(phnum, sizeof(img->segs[0]));
	if (img->segs == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = p + phoff + i * want;
		uint64_t type = kmod_get(img, ph, 4), off, vaddr, filesz, memsz;

		if (img->is64) {
			off = kmod_get(img, ph + 8, 8);
			vaddr = kmod_get(img, ph + 16, 8);
			filesz = kmod_get(img, ph + 32, 8);
			memsz = kmod_get(img, ph + 40, 8);
		} else {
			off = kmod_get(img, ph + 4, 4);
			vaddr = kmod_get(img, ph + 8, 4);
			filesz = kmod_get(img, ph + 16, 4);
			memsz = kmod_get(img, ph + 20, 4);
		}
		if (type != PT_LOAD && type != PT_DYNAMIC)
			continue;
		if (off > img->len || filesz > img->len - off)
			return kext_fail(err, ENOEXEC, "%s: truncated: segment %zu ends "
			    "past end of file (offset %" PRIu64 ", size %" PRIu64
			    ", file size %zu)", img->name, i, off, filesz, img->len);
		if (type == PT_DYNAMIC) {
			dyn->present = true;
			dynoff = off;
			dynsz = filesz;
			continue;
		}
		if (filesz > memsz || memsz > UINT64_MAX - vaddr)
			return kext_fail(err, ENOEXEC, "%s: segment %zu: file size 0x%"
			    PRIx64 " and memory size 0x%" PRIx64 " at 0x%" PRIx64 " are "
			    "inconsistent", img->name, i, filesz, memsz, vaddr);
		if (memsz == 0)
			continue;
		img->segs[img->nsegs++] = (struct kmod_segment){ vaddr, memsz, off, filesz };
	}
	if (img->nsegs == 0)
		return kext_fail(err, ENOEXEC, "%s: %s without PT_LOAD segments", img->name,
		    img->type == 2 ? "ET_EXEC file" : "ET_DYN module");
	kext_sort(img->segs, img->nsegs, sizeof(img->segs[0]), seg_cmp);
	for (i = 1; i < img->nsegs; i++)
		if (img->segs[i].addr - img->segs[i - 1].addr < img->segs[i - 1].memsz)
			return kext_fail(err, ENOEXEC, "%s: PT_LOAD segments at 0x%" PRIx64
			    " and 0x%" PRIx64 " overlap", img->name, img->segs[i - 1].addr,
			    img->segs[i].addr);
	if (dyn->present) {
		size_t entsize = img->is64 ? 16 : 8, n = (size_t)(dynsz / entsize);
		for (i = 0; i < n; i++) {
			const uint8_t *d = p + dynoff + i * entsize;
			uint64_t tag = kmod_get(img, d, entsize / 2);
			uint64_t val = kmod_get(img, d + entsize / 2, entsize / 2);
			if (tag == DT_NULL)
				break;
			if (tag <= DT_RELENT) {
				dyn->tag[tag] = val;
				dyn->has[tag] = true;
			}
		}
	}
	return 0;
}

/* The table a DT_* address/size pair names, which must lie in the file. */
static int
dyn_table(const struct kmod_image *img, const struct dynamic *dyn, int addr_tag,
    int size_tag, const char *what, const uint8_t **out, uint64_t *size,
    kext_error *err)
{
	*out = NULL;
	*size = 0;
	if (!dyn->has[addr_tag])
		return 0;
	*size = dyn->has[size_tag] ? dyn->tag[size_tag] : 0;
	*out = kmod_file_span(img, dyn->tag[addr_tag], *size);
	if (*out == NULL)
		return kext_fail(err, ENOEXEC, "%s: %s at 0x%" PRIx64 " (size %" PRIu64
		    ") is not inside the file", img->name, what, dyn->tag[addr_tag], *size);
	return 0;
}

static int
open_dynsyms(const struct kmod_image *img, const struct dynamic *dyn,
    struct dynsyms *ds, kext_error *err)
{
	size_t symsize = kmod_sym_size(img), i;
	const struct kmod_segment *s;
	uint64_t strsz;

	memset(ds, 0, sizeof(*ds));
	if (!dyn->has[DT_SYMTAB])
		return 0;
	if (dyn->has[DT_SYMENT] && dyn->tag[DT_SYMENT] != symsize)
		return kext_fail(err, ENOEXEC, "%s: DT_SYMENT %" PRIu64 " (expected %zu)",
		    img->name, dyn->tag[DT_SYMENT], symsize);
	if (dyn_table(img, dyn, DT_STRTAB, DT_STRSZ, "dynamic string table",
	    &ds->strtab, &strsz, err) != 0)
		return -1;
	ds->strsize = (size_t)strsz;
	/* how many symbols: the hash table's nchain, the section, or the segment */
	if (dyn->has[DT_HASH]) {
		const uint8_t *h = kmod_file_span(img, dyn->tag[DT_HASH], 8);
		if (h == NULL)
			return kext_fail(err, ENOEXEC, "%s: DT_HASH at 0x%" PRIx64 " is "
			    "not inside the file", img->name, dyn->tag[DT_HASH]);
		ds->count = (size_t)kmod_get(img, h + 4, 4);
	} else {
		for (i = 1; i < img->shnum; i++) {
			struct kmod_shdr sh;
			kmod_shdr_read(img, i, &sh);
			if (sh.type == SHT_DYNSYM && sh.addr == dyn->tag[DT_SYMTAB]) {
				ds->count = (size_t)(sh.size / symsize);
				break;
			}
		}
		if (i == img->shnum) {
			/* the rest of the file part of its segment */
			for (s = img->segs; s < img->segs + img->nsegs; s++) {
				uint64_t a = dyn->tag[DT_SYMTAB];
				if (a >= s->addr && a - s->addr < s->filesz)
					ds->count = (size_t)((s->filesz - (a - s->addr)) / symsize);
			}
		}
	}
	ds->data = kmod_file_span(img, dyn->tag[DT_SYMTAB], (uint64_t)ds->count * symsize);
	if (ds->data == NULL)
		return kext_fail(err, ENOEXEC, "%s: dynamic symbol table at 0x%" PRIx64
		    " (%zu symbols) is not inside the file", img->name,
		    dyn->tag[DT_SYMTAB], ds->count);
	return 0;
}

static int
collect_table(struct kmod_image *img, const struct dynsyms *ds, const uint8_t *tab,
    uint64_t size, bool rela, kext_error *err)
{
	size_t entsize = kmod_rel_size(img, rela), n = (size_t)(size / entsize), i;

	for (i = 0; i < n; i++) {
		struct kmod_rel_entry e;
		struct kmod_reloc *r;
		struct kmod_sym sym;

		kmod_rel_decode(img, tab + i * entsize, rela, &e);
		if (e.type == 0)
			continue;
		r = &img->relocs[img->nrelocs];
		memset(r, 0, sizeof(*r));
		r->where = e.offset;
		r->type = e.type;
		r->seq = (uint32_t)img->nrelocs;
		r->addend = e.addend;
		r->implicit = !rela;
		img->nrelocs++;
		if (e.type == img->arch->relative_type)
			continue;		/* B + A with B = 0 */
		if (e.type != img->arch->abs_type) {
			r->kind = KMOD_RELOC_UNSUPPORTED;
			continue;
		}
		if (e.sym == 0)			/* no symbol: S = 0 */
			continue;
		if (e.sym >= ds->count)
			return kext_fail(err, ENOEXEC, "%s: dynamic relocation %zu: "
			    "symbol index %" PRIu32 " is out of range (%zu symbols)",
			    img->name, i, e.sym, ds->count);
		kmod_sym_decode(img, ds->data + (size_t)e.sym * kmod_sym_size(img), &sym);
		r->sym_name = kmod_strtab_get(ds->strtab, ds->strsize, sym.name);
		if (sym.shndx == SHN_UNDEF)
			r->kind = KMOD_RELOC_UNDEF;
		else
			r->sym_value = sym.value;
	}
	return 0;
}

static int
collect_relocs(struct kmod_image *img, const struct dynamic *dyn,
    const struct dynsyms *ds, kext_error *err)
{
	const uint8_t *rel, *rela;
	uint64_t relsz, relasz;
	size_t total;

	if (dyn->has[DT_RELENT] && dyn->tag[DT_RELENT] != kmod_rel_size(img, false))
		return kext_fail(err, ENOEXEC, "%s: DT_RELENT %" PRIu64 " (expected %zu)",
		    img->name, dyn->tag[DT_RELENT], kmod_rel_size(img, false));
	if (dyn->has[DT_RELAENT] && dyn->tag[DT_RELAENT] != kmod_rel_size(img, true))
		return kext_fail(err, ENOEXEC, "%s: DT_RELAENT %" PRIu64 " (expected %zu)",
		    img->name, dyn->tag[DT_RELAENT], kmod_rel_size(img, true));
	if (dyn_table(img, dyn, DT_REL, DT_RELSZ, "DT_REL table", &rel, &relsz, err) != 0 ||
	    dyn_table(img, dyn, DT_RELA, DT_RELASZ, "DT_RELA table", &rela, &relasz, err) != 0)
		return -1;
	relsz -= relsz % kmod_rel_size(img, false);
	relasz -= relasz % kmod_rel_size(img, true);
	total = (size_t)(relsz / kmod_rel_size(img, false) + relasz / kmod_rel_size(img, true));
	if (total == 0)
		return 0;
	if (total > KMOD_MAX_RELOCS)
		return kext_fail(err, ENOEXEC, "%s: %zu dynamic relocations is more than "
		    "a module may have (%zu)", img->name, total, KMOD_MAX_RELOCS);
	img->relocs = calloc(total, sizeof(img->relocs[0]));
	if (img->relocs == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
	if (rel != NULL && collect_table(img, ds, rel, relsz, false, err) != 0)
		return -1;
	if (rela != NULL && collect_table(img, ds, rela, relasz, true, err) != 0)
		return -1;
	return 0;
}

static const uint8_t *
find_dynsym(const struct kmod_image *img, const struct dynsyms *ds, const char *name)
{
	size_t symsize = kmod_sym_size(img), i;

	for (i = 1; i < ds->count; i++) {
		struct kmod_sym sym;
		const char *n;

		kmod_sym_decode(img, ds->data + i * symsize, &sym);
		n = kmod_strtab_get(ds->strtab, ds->strsize, sym.name);
		if (n != NULL && sym.shndx != SHN_UNDEF && strcmp(n, name) == 0)
			return ds->data + i * symsize;
	}
	return NULL;
}

static int
find_set(struct kmod_image *img, const struct dynsyms *ds, kext_error *err)
{
	struct kmod_sym start, stop;
	const uint8_t *a, *b;
	struct kmod_shdr sh;
	size_t i;

	if (kmod_find_set_section(img, &i, err) != 0)
		return -1;
	if (i != 0) {
		kmod_shdr_read(img, i, &sh);
		img->has_set = true;
		img->set_addr = sh.addr;
		img->set_size = sh.size;
	}
	if (img->has_set || img->shnum > 0)
		return 0;
	/* no section headers: ask the dynamic symbols */
	a = find_dynsym(img, ds, start_sym);
	b = find_dynsym(img, ds, stop_sym);
	if (a == NULL && b == NULL)
		return 0;
	if (a == NULL || b == NULL)
		return kext_fail(err, ENOEXEC, "%s: %s is defined but %s is not",
		    img->name, a ? start_sym : stop_sym, a ? stop_sym : start_sym);
	kmod_sym_decode(img, a, &start);
	kmod_sym_decode(img, b, &stop);
	if (stop.value < start.value)
		return kext_fail(err, ENOEXEC, "%s: %s (0x%" PRIx64 ") is below %s "
		    "(0x%" PRIx64 ")", img->name, stop_sym, stop.value, start_sym,
		    start.value);
	img->has_set = true;
	img->set_addr = start.value;
	img->set_size = stop.value - start.value;
	return 0;
}

int
kmod_layout_dyn(struct kmod_image *img, kext_error *err)
{
	struct dynamic dyn;
	struct dynsyms ds;

	memset(&dyn, 0, sizeof(dyn));
	if (read_program_headers(img, &dyn, err) != 0 ||
	    open_dynsyms(img, &dyn, &ds, err) != 0 ||
	    collect_relocs(img, &dyn, &ds, err) != 0)
		return -1;
	return find_set(img, &ds, err);
}
