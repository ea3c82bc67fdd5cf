/*
 * FreeBSD kernel module (.ko) metadata, read from the ELF file itself: the
 * records of the modmetadata_set linker set (MODULE, VERSION, DEPEND, PNP_INFO)
 * of every architecture FreeBSD builds (ET_REL on amd64, ET_DYN elsewhere;
 * ELF32/ELF64, either byte order).
 *
 * Choices (spec freebsd-kld.md §1-2):
 * - EI_OSABI 9 (FreeBSD) is expected; 0 (System V, the generic value some
 *   toolchains write) is accepted too, since the metadata set, not the OSABI
 *   byte, is what makes a FreeBSD module. Any other OSABI is "wrong OSABI N".
 * - A Linux module (a .modinfo or .gnu.linkonce.this_module section) is read
 *   too: os is KMOD_OS_LINUX, it has no records, and `lx` holds its .modinfo
 *   (kmod_linux.c; see struct kmod_linux for its rules).
 * - ET_REL is read for every machine below (amd64 in practice), ET_DYN too,
 *   and ET_EXEC: a kernel file, whose built-in modules declare the same
 *   records (kext/kmod_check.h says such a file is no loadable module).
 * - A file without set_modmetadata_set is not an error: it parses with zero
 *   records and has_metadata = 0 (the caller decides whether to warn).
 * - md_version != 1 is an error (the record layout cannot be trusted); an
 *   unknown md_type is skipped with a note, as kldxref warns and goes on.
 * - Bounds: strings (md_cval, module names, descr, D/Z) at most 1023 bytes
 *   (MAXMODNAME, kldxref's buffer; longer is an error, never truncated);
 *   at most 2^20 values per PnP table; files up to 1 GiB, 2^20 sections or
 *   program headers, 2^22 data relocations.
 * - A PnP descriptor that needs more bytes than entry_len, or a W32 field
 *   without exactly two names "lo/hi", is an error.
 */
#ifndef KEXT_KMOD_H
#define KEXT_KMOD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kext/error.h"

/* The kernel a module is built for. */
enum kmod_os {
	KMOD_OS_FREEBSD = 0,
	KMOD_OS_LINUX = 1,
};

/*
 * A Linux module's .modinfo ("key=value" strings, NUL-separated). name is
 * name=, else the file name without ".ko" and with '-' as '_' (what the
 * kernel registers). depends= is split at commas. Other keys are kept only
 * when listed here; each value at most 1023 bytes, at most 4096 aliases.
 * vermagic is NULL when absent (the kernel refuses such a module unless forced).
 */
struct kmod_linux {
	char *name;
	char *version;		/* version=, or NULL (most in-tree modules) */
	char *vermagic;		/* "6.1.0-56-cloud-amd64 SMP preempt mod_unload ..." */
	char *srcversion;
	char *license;
	char *description;
	char **depends;
	size_t num_depends;
	char **aliases;
	size_t num_aliases;
	int name_from_file;	/* 1: no name= entry; name is the file's stem */
};

/* MDT_* record types (sys/module.h). */
enum kmod_record_type {
	KMOD_DEPEND = 1,
	KMOD_MODULE = 2,
	KMOD_VERSION = 3,
	KMOD_PNP_INFO = 4,
};

/* MODULE_DEPEND(mod, name, min, pref, max) and DECLARE_MODULE's "kernel" one. */
struct kmod_depend {
	char *name;		/* module depended upon */
	int min, pref, max;
};

/* MODULE_VERSION(name, version). */
struct kmod_version {
	char *name;
	int version;
};

/* DECLARE_MODULE: md_cval and the name the kernel registers (may differ). */
struct kmod_module {
	char *cval;		/* "iicbus_drmn" */
	char *name;		/* "drmn/iicbus"; equals cval when it cannot be read */
};

/*
 * One field of a MODULE_PNP_INFO descriptor after conversion to the form
 * linker.hints uses: kind is one of 'I','J','G','L','M' (integer),
 * 'Z','D' (string; E ids become 'Z' text) or 'T' (table-wide key=value,
 * no per-entry value). W32 fields appear as two 'I' fields. P fields are dropped.
 */
struct kmod_pnp_field {
	char kind;
	char *name;
};

struct kmod_pnp_value {
	int32_t i;		/* integer kinds */
	char *s;		/* string kinds; "" for a NULL pointer */
};

struct kmod_pnp {
	char *bus;		/* "pci", "usb", ... */
	char *descr;		/* descriptor as written in the module */
	char *format;		/* converted: "I:vendor;I:device;" */
	int entry_len;		/* sizeof one table entry in the module */
	int num_entry;
	size_t num_fields;
	struct kmod_pnp_field *fields;
	/* num_entry * num_fields values, entry-major; 'T' fields hold nothing */
	struct kmod_pnp_value *values;
};

struct kmod_record {
	enum kmod_record_type type;
	union {
		struct kmod_depend depend;
		struct kmod_module module;
		struct kmod_version version;
		struct kmod_pnp pnp;
	} u;
};

struct kmod_file {
	char *path;		/* as given */
	const char *arch;	/* "amd64", "i386", "armv7", "aarch64", "riscv64",
				   "powerpc", "powerpc64", "powerpc64le" */
	int elf_class;		/* 32 or 64 */
	int big_endian;
	int e_machine;
	int e_type;		/* 1 ET_REL, 3 ET_DYN; 2 ET_EXEC for a kernel */
	int osabi;
	size_t num_records;
	struct kmod_record *records;	/* in linker-set order */
	int has_metadata;	/* 1 when the file has a set_modmetadata_set */
	size_t num_notes;
	char **notes;		/* what was skipped and why ("record 3: ...") */
	enum kmod_os os;	/* FreeBSD unless a Linux module was read */
	struct kmod_linux lx;	/* os == KMOD_OS_LINUX only; arch is then Linux's
				   name: "x86_64", "i386", "arm64", "arm", ... */
};

/* Parses a module in memory; name is used in error messages. */
int kmod_parse(const void *buf, size_t len, const char *name,
    struct kmod_file **out, kext_error *err);

/* Reads and parses the file at path. */
int kmod_open(const char *path, struct kmod_file **out, kext_error *err);

/*
 * Reads and parses the regular file open at fd (left open; its offset is
 * not used); name is used in error messages.
 */
int kmod_open_fd(int fd, const char *name, struct kmod_file **out, kext_error *err);

void kmod_free(struct kmod_file *kf);

/* Convenience look-ups over the records (NULL/0 when absent). */
const struct kmod_module *kmod_first_module(const struct kmod_file *kf);
const struct kmod_version *kmod_find_version(const struct kmod_file *kf,
    const char *name);
const struct kmod_depend *kmod_find_depend(const struct kmod_file *kf,
    const char *name);

/* "FreeBSD" or "Linux". */
const char *kmod_os_name(enum kmod_os os);

/*
 * The kernel release a Linux module was built for: the first word of its
 * vermagic, copied to buf. Returns -1 (buf "") when there is no vermagic.
 */
int kmod_linux_release(const struct kmod_file *kf, char *buf, size_t len);

/* Same module name in the kernel's eyes ('-' and '_' are the same). */
int kmod_linux_name_equal(const char *a, const char *b);

/* The record type as kldxref names it: "MODULE", "VERSION", "DEPEND", "PNP_INFO". */
const char *kmod_record_type_name(enum kmod_record_type type);

/*
 * Output helpers for tools (they print to the stream they are given).
 * kmod_print: one line per record in the style of `kldxref -d`:
 *   <path>:
 *     depends on kernel 1001000 1001000 1099999     (min pref max)
 *     module nullfs                                 (+ " (registered as a/b)")
 *     interface nullfs.1
 *     pnp pci U32:vendor;U32:device; 306 entries    (the descriptor as written)
 * kmod_print_json: a JSON array with one object per file (all strings escaped;
 * bytes that are not UTF-8 become \u00XX). Both return 0, or -1 on a write error.
 */
int kmod_print(FILE *fp, const struct kmod_file *kf);
int kmod_print_json(FILE *fp, const struct kmod_file *const *files, size_t n);

#endif
