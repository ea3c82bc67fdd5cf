/* Symbols defined and needed by an ELF file (kext/kmod_symbols.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kext/error.h"
#include "kext/file_read.h"
#include "kext/kmod_symbols.h"
#include "kext/sort.h"
#include "kmod_internal.h"

#define SHT_SYMTAB	2
#define SHT_DYNSYM	11
#define SHN_UNDEF	0
#define STB_LOCAL	0
#define STB_GLOBAL	1
#define STB_WEAK	2
#define STT_OBJECT	1
#define STT_FUNC	2

int
kmod_symlist_push(struct kmod_symbol_list *l, size_t *cap, const char *name)
{
	if (l->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		char **p = realloc(l->names, ncap * sizeof(*p));

		if (p == NULL)
			return -1;
		l->names = p;
		*cap = ncap;
	}
	if ((l->names[l->n] = strdup(name)) == NULL)
		return -1;
	l->n++;
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
kmod_symlist_sort(struct kmod_symbol_list *l)
{
	size_t out = 0;

	if (l->n == 0)
		return;
	kext_sort(l->names, l->n, sizeof(l->names[0]), cmp_name);
	for (size_t i = 1; i < l->n; i++) {
		if (strcmp(l->names[i], l->names[out]) == 0)
			free(l->names[i]);
		else
			l->names[++out] = l->names[i];
	}
	l->n = out + 1;
}

bool
kmod_symbols_has(const struct kmod_symbol_list *list, const char *name)
{
	return list->n > 0 && bsearch(&name, list->names, list->n, sizeof(list->names[0]),
	    cmp_name) != NULL;
}

/* .symtab, else .dynsym: 0 when the file has neither. */
static size_t
find_table(const struct kmod_image *img)
{
	size_t dyn = 0;
	struct kmod_shdr sh;

	for (size_t i = 1; i < img->shnum; i++) {
		kmod_shdr_read(img, i, &sh);
		if (sh.type == SHT_SYMTAB)
			return i;
		if (sh.type == SHT_DYNSYM && dyn == 0)
			dyn = i;
	}
	return dyn;
}

static bool
is_set_bound(const char *name)
{
	return strncmp(name, "__start_set_", 12) == 0 || strncmp(name, "__stop_set_", 11) == 0;
}

/* One symbol of a FreeBSD file (or a kernel): into the list its binding says. */
static int
take_freebsd(struct kmod_symbols *out, size_t cap[3], const struct kmod_sym *sym,
    const char *name)
{
	unsigned bind = sym->info >> 4, type = sym->info & 0xf;

	if (sym->shndx == SHN_UNDEF) {
		if (bind == STB_WEAK)
			out->num_weak_undefined++;
		else if (bind == STB_GLOBAL && !is_set_bound(name))
			return kmod_symlist_push(&out->undefined, &cap[0], name);
	} else if (bind == STB_GLOBAL || bind == STB_WEAK) {
		return kmod_symlist_push(&out->defined, &cap[1], name);
	} else if (bind == STB_LOCAL && (type == STT_FUNC || type == STT_OBJECT)) {
		return kmod_symlist_push(&out->locals, &cap[2], name);
	}
	return 0;
}

/*
 * One symbol of a Linux module: its undefined ones (any binding but weak:
 * simplify_symbols() in kernel/module/main.c lets only a weak one stay
 * unresolved), and its exports (kext/kmod_symbols.h).
 */
static int
take_linux(struct kmod_symbols *out, size_t cap[3], struct kmod_symbol_list *weak,
    size_t *weak_cap, const struct kmod_sym *sym, const char *name)
{
	const char *export;

	if (sym->shndx == SHN_UNDEF) {
		if ((sym->info >> 4) != STB_WEAK)
			return kmod_symlist_push(&out->undefined, &cap[0], name);
		out->num_weak_undefined++;
		return kmod_symlist_push(weak, weak_cap, name);
	}
	if ((export = kmod_linux_export_name(name)) != NULL)
		return kmod_symlist_push(&out->defined, &cap[1], export);
	return 0;
}

static int
collect(const struct kmod_image *img, size_t tab, struct kmod_symbols *out, kext_error *err)
{
	struct kmod_shdr sh, strsh;
	size_t symsize = kmod_sym_size(img), count, cap[3] = {0, 0, 0}, weak_cap = 0;
	struct kmod_symbol_list weak = {NULL, 0};
	const uint8_t *strtab = NULL;
	size_t strsize = 0;
	int rc = 0;

	kmod_shdr_read(img, tab, &sh);
	if (sh.entsize != symsize)
		return kext_fail(err, ENOEXEC, "%s: symbol table %zu has entry size %" PRIu64
		    " (expected %zu)", img->name, tab, sh.entsize, symsize);
	if (sh.link != 0 && sh.link < img->shnum) {
		kmod_shdr_read(img, sh.link, &strsh);
		/* check_sections() vouches only for sections with file bytes: not NOBITS */
		if (strsh.offset > img->len || strsh.size > img->len - strsh.offset)
			return kext_fail(err, ENOEXEC, "%s: the string table of symbol table %zu "
			    "(section %u) lies outside the file", img->name, tab, sh.link);
		strtab = img->buf + strsh.offset;
		strsize = (size_t)strsh.size;
	}
	count = (size_t)(sh.size / symsize);
	if (count > KMOD_MAX_SYMBOLS)
		return kext_fail(err, ENOEXEC, "%s: %zu symbols is more than a file may have "
		    "(%u)", img->name, count, KMOD_MAX_SYMBOLS);
	out->os = kmod_linux_marker(img) != NULL ? KMOD_OS_LINUX : KMOD_OS_FREEBSD;
	for (size_t i = 1; rc == 0 && i < count; i++) {
		struct kmod_sym sym;
		const char *name;

		kmod_sym_decode(img, img->buf + sh.offset + i * symsize, &sym);
		name = kmod_strtab_get(strtab, strsize, sym.name);
		if (name == NULL || name[0] == '\0')
			continue;
		rc = out->os == KMOD_OS_LINUX ?
		    take_linux(out, cap, &weak, &weak_cap, &sym, name) :
		    take_freebsd(out, cap, &sym, name);
	}
	if (rc != 0) {
		kmod_symlist_free(&weak);
		return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
	}
	kmod_symlist_sort(&out->defined);
	kmod_symlist_sort(&out->locals);
	kmod_symlist_sort(&out->undefined);
	kmod_symlist_sort(&weak);
	if (out->os == KMOD_OS_LINUX)
		rc = kmod_linux_versions_needed(img, out, &weak, err);
	kmod_symlist_free(&weak);
	return rc;
}

int
kmod_symbols_parse(const void *buf, size_t len, const char *name, struct kmod_symbols *out,
    kext_error *err)
{
	struct kmod_image img;
	size_t tab;
	int rc;

	memset(out, 0, sizeof(*out));
	if (kmod_image_headers(&img, buf, len, name, err) != 0) {
		kmod_image_fini(&img);
		return -1;
	}
	if ((tab = find_table(&img)) == 0)
		rc = kext_fail(err, ENOEXEC, "%s: no symbol table (.symtab or .dynsym): "
		    "stripped?", name);
	else
		rc = collect(&img, tab, out, err);
	kmod_image_fini(&img);
	if (rc != 0)
		kmod_symbols_free(out);
	return rc;
}

int
kmod_symbols_read(const char *path, struct kmod_symbols *out, kext_error *err)
{
	const void *map;
	size_t size;
	int rc;

	memset(out, 0, sizeof(*out));
	if (kext_file_map(path, KMOD_MAX_FILE_SIZE, "larger than a module can be", &map, &size,
	    err) != 0)
		return -1;
	rc = kmod_symbols_parse(map != NULL ? map : "", size, path, out, err);
	kext_file_unmap(map, size);
	return rc;
}

void
kmod_symlist_free(struct kmod_symbol_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->n = 0;
}

void
kmod_symbols_free(struct kmod_symbols *s)
{
	kmod_symlist_free(&s->defined);
	kmod_symlist_free(&s->locals);
	kmod_symlist_free(&s->undefined);
	memset(s, 0, sizeof(*s));
}
