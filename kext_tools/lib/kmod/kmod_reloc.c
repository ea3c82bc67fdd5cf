/*
 * Per-architecture relocation rules and the relocation index: which types
 * give a pointer slot its value (spec freebsd-kld.md §2.1), how REL/RELA
 * entries are laid out, and a sorted table to find the relocation of a slot.
 */
#include <stdlib.h>

#include "kext/sort.h"
#include "kmod_internal.h"

static const struct kmod_arch arches[] = {
	/* name        machine class data  ABS  RELATIVE */
	{ "amd64",       62, 2, 1,    1,    8 },	/* R_X86_64_64, _RELATIVE */
	{ "i386",         3, 1, 1,    1,    8 },	/* R_386_32, _RELATIVE */
	{ "armv7",       40, 1, 1,    2,   23 },	/* R_ARM_ABS32, _RELATIVE */
	{ "aarch64",    183, 2, 1,  257, 1027 },	/* R_AARCH64_ABS64, _RELATIVE */
	{ "riscv64",    243, 2, 1,    2,    3 },	/* R_RISCV_64, _RELATIVE */
	{ "powerpc",     20, 1, 2,    1,   22 },	/* R_PPC_ADDR32, _RELATIVE */
	{ "powerpc64",   21, 2, 2,   38,   22 },	/* R_PPC64_ADDR64, _RELATIVE */
	{ "powerpc64le", 21, 2, 1,   38,   22 },
};

const struct kmod_arch *
kmod_arch_find(int machine, int elf_class, int data)
{
	size_t i;

	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i].machine == machine && arches[i].elf_class == elf_class &&
		    arches[i].data == data)
			return &arches[i];
	return NULL;
}

const struct kmod_arch *
kmod_arch_any(int machine)
{
	size_t i;

	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i].machine == machine)
			return &arches[i];
	return NULL;
}

size_t
kmod_rel_size(const struct kmod_image *img, bool rela)
{
	if (img->is64)
		return rela ? 24 : 16;
	return rela ? 12 : 8;
}

void
kmod_rel_decode(const struct kmod_image *img, const uint8_t *p, bool rela,
    struct kmod_rel_entry *out)
{
	uint64_t info;

	if (img->is64) {
		out->offset = kmod_get(img, p, 8);
		info = kmod_get(img, p + 8, 8);
		out->sym = (uint32_t)(info >> 32);
		out->type = (uint32_t)info;
		out->addend = rela ? (int64_t)kmod_get(img, p + 16, 8) : 0;
	} else {
		out->offset = kmod_get(img, p, 4);
		info = kmod_get(img, p + 4, 4);
		out->sym = (uint32_t)(info >> 8);
		out->type = (uint32_t)(info & 0xff);
		out->addend = rela ? (int32_t)(uint32_t)kmod_get(img, p + 8, 4) : 0;
	}
}

static int
reloc_cmp(const void *a, const void *b)
{
	const struct kmod_reloc *x = a, *y = b;

	if (x->where != y->where)
		return x->where < y->where ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

void
kmod_relocs_sort(struct kmod_image *img)
{
	size_t i = 1;

	/* collected section by section in address order, they mostly are sorted already */
	while (i < img->nrelocs && reloc_cmp(&img->relocs[i - 1], &img->relocs[i]) < 0)
		i++;
	if (i < img->nrelocs)
		kext_sort(img->relocs, img->nrelocs, sizeof(img->relocs[0]), reloc_cmp);
}

const struct kmod_reloc *
kmod_reloc_at(const struct kmod_image *img, uint64_t addr)
{
	size_t lo = 0, hi = img->nrelocs;

	/* first entry with where > addr; the one before it is the last for addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (img->relocs[mid].where <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && img->relocs[lo - 1].where == addr)
		return &img->relocs[lo - 1];
	return NULL;
}
