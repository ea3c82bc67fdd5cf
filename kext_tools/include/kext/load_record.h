/*
 * What kextload loaded, kept so a loaded kext keeps its identity after its
 * bundle is moved or deleted: for each loaded file its kld file id, the path
 * it was loaded from, the kext's identifier and version, the bundle and when.
 *
 * One record file per kernel: DIR/loaded-kexts for "sim:DIR", else
 * $KEXT_STATE_DIR/loaded-kexts (default /var/run/kext; /run/kext on Linux). Every change is one
 * read-modify-write under flock(LOCK_EX) of the file's ".lock" companion,
 * written to a temporary file and renamed into place, so concurrent kextloads
 * never lose each other's entries; readers take LOCK_SH. An entry stands for
 * the loaded file with its path, whatever id that file has now (the linux
 * backend numbers files afresh in each run); entries whose path is no longer
 * loaded are dropped on every write and ignored on every read.
 */
#ifndef KEXT_LOAD_RECORD_H
#define KEXT_LOAD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "kext/error.h"
#include "kext/kernel.h"
#include "kext/load.h"

struct kext_load_record {
	int fileid;
	int64_t when;		/* seconds since the epoch */
	char *identifier, *version;
	char *path;		/* the .ko as loaded (the kernel's pathname) */
	char *bundle_path;
	char *compat_version;	/* OSBundleCompatibleVersion as loaded, "" for none; NULL: not recorded (v1) */
};

/* Lookups by file id and identifier (private to load_record_index.c). */
struct kext_load_records_index;

struct kext_load_records {
	struct kext_load_record *items;	/* in the record file's order */
	size_t n;
	struct kext_load_records_index *index;	/* made by kext_load_records_match */
};

/* The record file for k (malloc'd). */
char *kext_load_record_path(const struct kext_kernel *k);

/* Adds the files result loaded (KEXT_STEP_LOAD steps) and drops stale entries. */
int kext_load_record_add(struct kext_kernel *k, const struct kext_load_result *result,
    kext_error *err);

/* Drops the entries of files no longer loaded (after an unload). */
int kext_load_record_prune(struct kext_kernel *k, kext_error *err);

/*
 * The entries of files still loaded, matched and indexed; a missing record
 * file is an empty one.
 */
int kext_load_record_read(struct kext_kernel *k, struct kext_load_records *out, kext_error *err);

/*
 * The entries as written, file ids unchanged and nothing dropped (kext_loaded_read
 * matches them itself); a missing record file is an empty one.
 */
int kext_load_record_read_as_written(struct kext_kernel *k, struct kext_load_records *out,
    kext_error *err);

/*
 * Keeps the entries whose path is the pathname of one of the n loaded files
 * (taking the id of the first such file), drops the others, and indexes the
 * rest for the lookups below, in O(n log n). kext_load_record_read does this.
 */
int kext_load_records_match(struct kext_load_records *r, const struct kext_kld_file *files,
    size_t n, kext_error *err);

/*
 * The first entry in file order with that file id or identifier, or NULL
 * (always NULL before kext_load_records_match). O(log n) and O(1).
 */
const struct kext_load_record *kext_load_record_by_fileid(const struct kext_load_records *r,
    int fileid);
const struct kext_load_record *kext_load_record_by_identifier(const struct kext_load_records *r,
    const char *identifier);

void kext_load_records_free(struct kext_load_records *r);

#endif
