/*
 * Naming a loaded file as a kext (private to loaded*.c): from the record of
 * what kextload loaded when it still stands for that file, else from the
 * bundle around it on disk.
 */
#ifndef KEXT_LOADED_DESCRIBE_H
#define KEXT_LOADED_DESCRIBE_H

#include <stddef.h>

#include "kext/kernel.h"
#include "kext/kmod.h"
#include "kext/load_record.h"
#include "kext/loaded.h"

struct loaded_records {
	struct kext_load_records all;
	const struct kext_load_record **by_fileid;	/* newest entry of an id first */
	size_t n;
};

/* The record as written; unreadable or absent, it is empty (bundles name the files). */
void loaded_records_read(struct kext_kernel *k, struct loaded_records *lr);
void loaded_records_free(struct loaded_records *lr);

/* Sets l's bundle_path, identifier, versions and bundle_gone. */
void loaded_describe(struct kext_loaded_entry *l, const struct loaded_records *lr,
    enum kmod_os os);

#endif
