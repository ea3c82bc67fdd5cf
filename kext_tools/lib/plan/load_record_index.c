/*
 * Matching the record of loaded kexts to the kernel's files, and its lookups
 * (see load_record_internal.h): with thousands loaded, kextstat asks for one
 * entry per row, so nothing here scans the entries or the files per query.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kext/error.h"
#include "kext/map.h"
#include "kext/sort.h"
#include "load_record_internal.h"

struct kext_load_records_index {
	struct kext_load_record **by_fileid;	/* every entry, by (file id, place) */
	struct kext_map *identifiers;		/* identifier -> first entry in file order */
};

void
load_record_clear(struct kext_load_record *rec)
{
	free(rec->identifier);
	free(rec->version);
	free(rec->path);
	free(rec->bundle_path);
	free(rec->compat_version);
}

static void
index_free(struct kext_load_records_index *x)
{
	if (x == NULL)
		return;
	free(x->by_fileid);
	kext_map_free(x->identifiers, NULL);
	free(x);
}

void
kext_load_records_free(struct kext_load_records *r)
{
	for (size_t i = 0; i < r->n; i++)
		load_record_clear(&r->items[i]);
	free(r->items);
	index_free(r->index);
	*r = (struct kext_load_records){0};
}

/* Capacity doubles from 8 at each power of two, so n pushes copy O(n) entries. */
int
load_record_push(struct kext_load_records *r, const struct kext_load_record *rec)
{
	if (r->n == 0 || (r->n >= 8 && (r->n & (r->n - 1)) == 0)) {
		size_t cap = r->n == 0 ? 8 : r->n * 2;
		struct kext_load_record *grown = realloc(r->items, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		r->items = grown;
	}
	r->items[r->n++] = *rec;
	return 0;
}

struct kext_map *
load_record_paths(const struct kext_kld_file *files, size_t n)
{
	struct kext_map *m = kext_map_new();

	for (size_t i = 0; m != NULL && i < n; i++) {
		void **slot;

		if (files[i].pathname == NULL)
			continue;
		if ((slot = kext_map_slot(m, files[i].pathname, true)) == NULL) {
			kext_map_free(m, NULL);
			return NULL;
		}
		if (*slot == NULL)
			*slot = (void *)&files[i];
	}
	return m;
}

void
load_record_keep_loaded(struct kext_load_records *r, const struct kext_map *paths)
{
	size_t w = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct kext_kld_file *f = r->items[i].fileid > 0 ?
		    kext_map_get(paths, r->items[i].path) : NULL;

		if (f != NULL) {
			r->items[i].fileid = f->id;
			r->items[w++] = r->items[i];
		} else {
			load_record_clear(&r->items[i]);
		}
	}
	r->n = w;
}

/* The files are in ascending id order (kext_kernel_list's promise): the first with fileid. */
const char *
load_record_loaded_path(const struct kext_kld_file *files, size_t n, int fileid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (files[mid].id < fileid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || files[lo].id != fileid)
		return NULL;
	return files[lo].pathname != NULL ? files[lo].pathname : "";
}

static int
by_fileid_then_place(const void *a, const void *b)
{
	const struct kext_load_record *x = *(const struct kext_load_record *const *)a;
	const struct kext_load_record *y = *(const struct kext_load_record *const *)b;

	if (x->fileid != y->fileid)
		return x->fileid < y->fileid ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The entries from first to r->n, by (file id, place); NULL when out of memory. */
static struct kext_load_record **
sorted_by_fileid(struct kext_load_records *r, size_t first)
{
	size_t n = r->n - first;
	struct kext_load_record **v = calloc(n + 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = &r->items[first + i];
	kext_sort(v, n, sizeof(*v), by_fileid_then_place);
	return v;
}

/* The place of the first of the n sorted entries whose file id is fileid or more. */
static size_t
first_at_least(struct kext_load_record *const *sorted, size_t n, int fileid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sorted[mid]->fileid < fileid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
load_record_supersede(struct kext_load_records *r, size_t first_new)
{
	size_t n = r->n - first_new, at;
	struct kext_load_record **fresh = sorted_by_fileid(r, first_new);

	if (fresh == NULL)
		return -1;
	for (size_t i = 0; i < first_new; i++) {
		at = first_at_least(fresh, n, r->items[i].fileid);
		if (at < n && fresh[at]->fileid == r->items[i].fileid)
			r->items[i].fileid = -1;
	}
	/* of the new entries sharing an id, the last loaded stands */
	for (size_t i = 0; i + 1 < n; i++)
		if (fresh[i]->fileid == fresh[i + 1]->fileid)
			fresh[i]->fileid = -1;
	free(fresh);
	return 0;
}

static int
index_build(struct kext_load_records *r)
{
	struct kext_load_records_index *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return -1;
	r->index = x;
	if ((x->by_fileid = sorted_by_fileid(r, 0)) == NULL ||
	    (x->identifiers = kext_map_new()) == NULL)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		void **slot = kext_map_slot(x->identifiers, r->items[i].identifier, true);

		if (slot == NULL)
			return -1;
		if (*slot == NULL)
			*slot = &r->items[i];
	}
	return 0;
}

int
kext_load_records_match(struct kext_load_records *r, const struct kext_kld_file *files,
    size_t n, kext_error *err)
{
	struct kext_map *paths = load_record_paths(files, n);

	if (paths == NULL)
		return kext_fail(err, ENOMEM, "out of memory matching the record of loaded kexts");
	load_record_keep_loaded(r, paths);
	kext_map_free(paths, NULL);
	index_free(r->index);
	r->index = NULL;
	if (index_build(r) != 0)
		return kext_fail(err, ENOMEM, "out of memory indexing the record of loaded kexts");
	return 0;
}

const struct kext_load_record *
kext_load_record_by_fileid(const struct kext_load_records *r, int fileid)
{
	size_t at;

	if (r->index == NULL)
		return NULL;
	at = first_at_least(r->index->by_fileid, r->n, fileid);
	return at < r->n && r->index->by_fileid[at]->fileid == fileid ?
	    r->index->by_fileid[at] : NULL;
}

const struct kext_load_record *
kext_load_record_by_identifier(const struct kext_load_records *r, const char *identifier)
{
	return r->index != NULL ? kext_map_get(r->index->identifiers, identifier) : NULL;
}
