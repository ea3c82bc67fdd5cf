/*
 * linker.hints reader (the file kldxref(8) writes in each module directory;
 * spec freebsd-kld.md §3.2). Independent of the ELF reader: it only knows the
 * binary format. Version 1; ints in either byte order (found from the version
 * word); records {int len; int type; body}; strings are a length byte and
 * that many bytes; ints are 4-aligned relative to the start of the file.
 */
#ifndef KEXT_HINTS_H
#define KEXT_HINTS_H

#include <stddef.h>
#include <stdint.h>

#include "kext/error.h"

#define HINTS_FILE_VERSION	1
#define HINTS_MAX_FILE_SIZE	((size_t)64 << 20)	/* the kernel reads up to 1 MiB */
#define HINTS_MAX_PNP_VALUES	(1u << 20)		/* values per PnP record */

/* Record types are the MDT_* values; linker.hints never holds DEPEND (1). */
enum hints_record_type {
	HINTS_MODULE = 2,
	HINTS_VERSION = 3,
	HINTS_PNP_INFO = 4,
};

struct hints_pnp_field {
	char kind;		/* 'I','J','G','L','M' int; 'D','Z' string; 'T' none */
	char *name;
};

struct hints_pnp_value {
	int32_t i;		/* integer kinds */
	char *s;		/* string kinds; NULL otherwise */
};

struct hints_record {
	int type;		/* enum hints_record_type; others are kept undecoded */
	size_t offset;		/* file offset of the record's length word */
	char *name;		/* MODULE, VERSION: module name; PNP_INFO: bus */
	/*
	 * MODULE, VERSION: the kld file ("nullfs.ko", or "kernel"). PNP_INFO
	 * records carry no file name: this is the file of the nearest MODULE
	 * record before it (kldxref writes a file's MODULE first), NULL if none.
	 */
	char *kldfile;
	int version;		/* VERSION */
	char *format;		/* PNP_INFO: "I:vendor;I:device;" */
	int num_entry;		/* PNP_INFO */
	size_t num_fields;
	struct hints_pnp_field *fields;
	/* num_entry * num_fields values, entry-major; 'T' fields hold nothing */
	struct hints_pnp_value *values;
};

struct hints_file {
	char *path;		/* as given */
	int version;
	int big_endian;
	size_t num_records;
	struct hints_record *records;	/* in file order */
	/* The HINTS_VERSION records by name, then file order: hints_lookup's index. */
	const struct hints_record **versions;
	size_t num_versions;
};

/* Parses a linker.hints image; name is used in error messages. */
int hints_parse(const void *buf, size_t len, const char *name,
    struct hints_file **out, kext_error *err);

/* Reads and parses the file at path. */
int hints_open(const char *path, struct hints_file **out, kext_error *err);

void hints_free(struct hints_file *hf);

/*
 * The file the kernel would load for module `name` with version bounds
 * {min, pref, max} (spec §1.5: a VERSION equal to pref wins at once, else the
 * highest within [min, max]); NULL when no VERSION record matches.
 */
const struct hints_record *hints_lookup(const struct hints_file *hf,
    const char *name, int min, int pref, int max);

#endif
