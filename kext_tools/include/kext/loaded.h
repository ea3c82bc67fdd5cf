/*
 * What the kernel has loaded, seen as kexts.
 *
 * A file kextload loaded is named from kextload's record (load_record.h),
 * which says what was loaded even after its bundle moved or changed, and
 * costs no Info.plist parse; the entry must carry the file's id and path and
 * the file must not have changed since. Any other file's pathname leads to
 * the bundle it came from (".../Foo.kext/Contents/MacOS/foo.ko" -> Foo.kext
 * -> its Info.plist). The kernel itself is the
 * kernel kext, at the version the running kernel reports. The module
 * metadata of each file (read again from its pathname) tells which loaded
 * files it links against.
 *
 * One rule says which loaded file is a kext's: its pathname. A file is the
 * kext's when it lies inside that bundle and is the bundle's
 * CFBundleExecutable; a file of the same name loaded from anywhere else
 * (a plain "kldload /boot/modules/nullfs.ko") is not, whatever its name.
 */
#ifndef KEXT_LOADED_H
#define KEXT_LOADED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kext/error.h"
#include "kext/kernel.h"
#include "kext/kmod.h"
#include "kext/version.h"

/* The identifier of the kernel kext, which stands for the running kernel. */
#define KEXT_KERNEL_BUNDLE_ID "org.freebsd.kernel"
/*
 * On the linux backend the running Linux kernel is this kext, at the numeric
 * part of its release ("6.1.0" for 6.1.0-56-cloud-amd64), compatible only
 * with that same version: Linux has no stable module ABI, and the exact
 * build is matched by each module's vermagic (checked by kext_load).
 */
#define KEXT_LINUX_KERNEL_BUNDLE_ID "org.kernel.linux"

struct kext_loaded_entry {
	int fileid;
	int refs;		/* kld's own count (kldstat(2)), for messages */
	size_t num_dependents;	/* loaded files that link against it: kextstat's Refs */
	uint64_t address, size;
	char *file_name;	/* "if_bridge.ko", "kernel" */
	char *pathname;		/* as the kernel reports it */
	char **modules;		/* registered module names */
	size_t num_modules;
	char *bundle_path;	/* the enclosing .kext, or NULL */
	char *identifier;	/* CFBundleIdentifier; NULL for a file that is not in a kext */
	char *version;		/* CFBundleVersion as written */
	kext_version version_value, compat_value;
	bool bundle_gone;	/* named from kextload's record; its executable is gone from disk */
	struct kmod_file *kf;	/* the file's module metadata, or NULL if unreadable */
	int *linked;		/* file ids it depends on, highest first (FreeBSD: always the kernel) */
	size_t num_linked;
	/*
	 * Versions the file provides when the backend says (the sim) or, for the
	 * kernel, when the linker.hints beside it lists them ("in kernel").
	 */
	bool versions_known;
	size_t num_versions;
	struct kext_kld_version *versions;
};

struct kext_loaded_index;	/* private to loaded.c */

struct kext_loaded_set {
	struct kext_loaded_entry *items;	/* in file id order; the kernel first */
	size_t n;
	struct kext_loaded_index *index;	/* hashed look-ups by name (loaded.c) */
	int osreldate;
	enum kmod_os os;	/* whose modules the kernel loads */
	char release[65];	/* Linux: uname -r of the running kernel; else "" */
	char arch[32];		/* kext_kernel_arch: "amd64", "any", or "" unknown */
};

/* The kext version of a Linux kernel release ("6.1.0-56-cloud-amd64" -> "6.1.0"). */
void kext_linux_release_version(const char *release, char *buf, size_t len);

int kext_loaded_read(struct kext_kernel *k, struct kext_loaded_set *set, kext_error *err);
void kext_loaded_free(struct kext_loaded_set *set);

/*
 * Look-ups take constant time (hashed by name) or O(log N) (by file id), so
 * a tool that asks once per kext stays linear in the number loaded.
 */
const struct kext_loaded_entry *kext_loaded_by_identifier(const struct kext_loaded_set *set,
    const char *identifier);
const struct kext_loaded_entry *kext_loaded_by_fileid(const struct kext_loaded_set *set, int fileid);

/*
 * The loaded file whose MODULE_VERSION best satisfies d under FreeBSD's rule
 * (exactly the preferred version, else the highest accepted), or NULL.
 */
const struct kext_loaded_entry *kext_loaded_provider(const struct kext_loaded_set *set,
    const struct kmod_depend *d);

/* The loaded files that link against fileid, lowest id first; returns how many. */
size_t kext_loaded_dependents(const struct kext_loaded_set *set, int fileid,
    const struct kext_loaded_entry **out, size_t max);

/*
 * The loaded file the kernel would confuse with path: the same file name
 * (X or X.ko), from any directory. kldload(2) refuses a second one (EEXIST).
 */
const struct kext_loaded_entry *kext_loaded_file_named(const struct kext_loaded_set *set,
    const char *path);

/*
 * Does the kernel itself (file 1) provide a version of d->name that d
 * accepts? FreeBSD matches a MODULE_DEPEND only against MODULE_VERSION
 * records, so a module the kernel merely registers does not count. 1 yes,
 * 0 no, -1 when it cannot be known (the kernel decides): the kernel's
 * versions are unknown, or the one known is outside d's range.
 * *registered tells whether the kernel registers or versions the name at all.
 */
int kext_loaded_kernel_provides(const struct kext_loaded_set *set, const struct kmod_depend *d,
    bool *registered);

/* The loaded file (other than the kernel) that registers module or provides version name. */
const struct kext_loaded_entry *kext_loaded_providing(const struct kext_loaded_set *set,
    const char *name);

#endif
