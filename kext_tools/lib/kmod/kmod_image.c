/*
 * Reading the module's address space: bytes, integers in the file's byte
 * order, relocated pointers and bounded strings. Every read is checked
 * against the segment that holds it; nothing is read outside the file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kmod_internal.h"

/* The segment holding addr, or NULL. */
static const struct kmod_segment *
segment_at(const struct kmod_image *img, uint64_t addr)
{
	size_t lo = 0, hi = img->nsegs;
	const struct kmod_segment *s;

	while (lo < hi) {		/* first segment starting after addr */
		size_t mid = lo + (hi - lo) / 2;
		if (img->segs[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &img->segs[lo - 1];
	return addr - s->addr < s->memsz ? s : NULL;
}

const uint8_t *
kmod_file_span(const struct kmod_image *img, uint64_t addr, uint64_t n)
{
	const struct kmod_segment *s = segment_at(img, addr);
	uint64_t off;

	if (s == NULL)
		return NULL;
	off = addr - s->addr;
	if (off > s->filesz || n > s->filesz - off)
		return NULL;
	return img->buf + s->offset + off;
}

static int
outside(const struct kmod_image *img, uint64_t addr, uint64_t n, const char *what,
    kext_error *err)
{
	if (segment_at(img, addr) == NULL)
		return kext_fail(err, ENOEXEC, "%s: %s: metadata pointer 0x%" PRIx64
		    " points outside the module", img->name, what, addr);
	return kext_fail(err, ENOEXEC, "%s: %s: metadata pointer 0x%" PRIx64
	    " points outside the module (%" PRIu64 " bytes from there run past the "
	    "end of the section that holds it)", img->name, what, addr, n);
}

int
kmod_check_range(const struct kmod_image *img, uint64_t addr, uint64_t n,
    const char *what, kext_error *err)
{
	const struct kmod_segment *s = segment_at(img, addr);

	if (s == NULL || n > s->memsz - (addr - s->addr))
		return outside(img, addr, n, what, err);
	return 0;
}

int
kmod_read(const struct kmod_image *img, uint64_t addr, void *out, size_t n,
    const char *what, kext_error *err)
{
	const struct kmod_segment *s = segment_at(img, addr);
	uint64_t off, infile;

	if (s == NULL || n > s->memsz - (addr - s->addr))
		return outside(img, addr, n, what, err);
	off = addr - s->addr;
	infile = off < s->filesz ? s->filesz - off : 0;
	if (infile > n)
		infile = n;
	if (infile > 0)
		memcpy(out, img->buf + s->offset + off, (size_t)infile);
	memset((uint8_t *)out + infile, 0, n - (size_t)infile);	/* NOBITS tail */
	return 0;
}

int
kmod_read_int(const struct kmod_image *img, uint64_t addr, unsigned size,
    const char *what, uint64_t *out, kext_error *err)
{
	uint8_t b[8];

	if (kmod_read(img, addr, b, size, what, err) != 0)
		return -1;
	*out = kmod_get(img, b, size);
	return 0;
}

int
kmod_read_ptr(const struct kmod_image *img, uint64_t addr, const char *what,
    uint64_t *out, kext_error *err)
{
	const struct kmod_reloc *r;
	uint64_t stored, v;

	if (kmod_read_int(img, addr, img->ptrsize, what, &stored, err) != 0)
		return -1;
	r = kmod_reloc_at(img, addr);
	if (r == NULL) {
		/* ET_REL: nothing fills the slot; ET_DYN: the link-time value */
		*out = img->type == KMOD_ET_REL ? 0 : stored;
		return 0;
	}
	switch (r->kind) {
	case KMOD_RELOC_UNDEF:
		return kext_fail(err, ENOEXEC, "%s: %s: pointer at 0x%" PRIx64 " refers "
		    "to symbol '%s', which the module does not define", img->name, what,
		    addr, r->sym_name ? r->sym_name : "?");
	case KMOD_RELOC_UNSUPPORTED:
		return kext_fail(err, ENOEXEC, "%s: %s: pointer at 0x%" PRIx64 " has "
		    "relocation type %" PRIu32 ", which is not a pointer relocation "
		    "for %s", img->name, what, addr, r->type, img->arch->name);
	default:
		v = r->sym_value + (r->implicit ? stored : (uint64_t)r->addend);
		break;
	}
	if (img->ptrsize == 4)
		v &= UINT32_MAX;
	*out = v;
	return 0;
}

int
kmod_read_string(const struct kmod_image *img, uint64_t addr, size_t max,
    const char *what, char **out, kext_error *err)
{
	const struct kmod_segment *s = segment_at(img, addr);
	const uint8_t *p, *nul;
	uint64_t off, infile;
	size_t scan, n;

	*out = NULL;
	if (s == NULL)
		return outside(img, addr, 1, what, err);
	off = addr - s->addr;
	infile = off < s->filesz ? s->filesz - off : 0;
	scan = infile < max ? (size_t)infile : max;
	p = scan ? img->buf + s->offset + off : NULL;
	nul = scan ? memchr(p, '\0', scan) : NULL;
	if (nul != NULL) {
		n = (size_t)(nul - p);
	} else if (scan == max) {
		return kext_fail(err, ENOEXEC, "%s: %s: string at 0x%" PRIx64 " is "
		    "longer than %zu bytes", img->name, what, addr, max - 1);
	} else if (s->memsz - off > infile) {
		n = scan;		/* the zero-filled tail terminates it */
	} else {
		return kext_fail(err, ENOEXEC, "%s: %s: string at 0x%" PRIx64 " runs "
		    "past the end of the section that holds it", img->name, what, addr);
	}
	*out = malloc(n + 1);
	if (*out == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
	if (n > 0)
		memcpy(*out, p, n);
	(*out)[n] = '\0';
	return 0;
}
