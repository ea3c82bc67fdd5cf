/*
 * The record of loaded kexts, matched to the kernel's loaded files without a
 * scan per entry (private to load_record*.c): a pathname -> file map, files
 * found by id by binary search, entries sorted by file id.
 */
#ifndef KEXT_LOAD_RECORD_INTERNAL_H
#define KEXT_LOAD_RECORD_INTERNAL_H

#include <stddef.h>

#include "kext/kernel.h"
#include "kext/load_record.h"
#include "kext/map.h"

void load_record_clear(struct kext_load_record *rec);

/* Appends rec, taking its strings; -1 when out of memory (rec left to the caller). */
int load_record_push(struct kext_load_records *r, const struct kext_load_record *rec);

/* pathname -> the first of the n files with it (files without one left out); NULL: no memory. */
struct kext_map *load_record_paths(const struct kext_kld_file *files, size_t n);

/*
 * Keeps the entries whose path is in paths, with that file's id now (the linux
 * backend numbers files afresh in each run; a kld id can be reused by another
 * file), and drops the others and those with no id (fileid <= 0).
 */
void load_record_keep_loaded(struct kext_load_records *r, const struct kext_map *paths);

/* The pathname the kernel gives fileid ("" for none), or NULL when no such file is loaded. */
const char *load_record_loaded_path(const struct kext_kld_file *files, size_t n, int fileid);

/*
 * The entries from first_new on were just loaded: each supersedes the older
 * entries with its file id (a reused id) and so does a later new one; the
 * superseded get file id -1, so load_record_keep_loaded drops them.
 */
int load_record_supersede(struct kext_load_records *r, size_t first_new);

#endif
