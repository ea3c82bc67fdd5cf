/*
 * Kext bundles: open a Foo.kext directory, read its Info.plist (XML only;
 * errors name the file and line) and validate it the way OSKext does
 * (spec/apple-kext.md §2.1, §2.4), collecting diagnostics instead of failing
 * at the first problem.
 *
 * kext_bundle_open() fails only when there is no bundle to speak of (the path
 * does not end in ".kext", is not a directory, or its Info.plist is missing,
 * unreadable, not XML or not a dictionary). Everything else becomes a
 * diagnostic; kext_bundle_is_valid() says whether any validation failure was
 * recorded.
 *
 * Bundles are reference counted; accessors return borrowed pointers that
 * live as long as the bundle.
 */
#ifndef KEXT_BUNDLE_H
#define KEXT_BUNDLE_H

#include <sys/stat.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <CoreFoundation/CoreFoundation.h>

#include "kext/diag.h"
#include "kext/error.h"
#include "kext/fs.h"
#include "kext/version.h"

/* CFBundleIdentifier limit: KMOD_MAX_NAME (64) including the NUL. */
#define KEXT_IDENTIFIER_MAX	63

/* The personality key that marks a FreeBSD (converter-written) personality. */
#define KEXT_FREEBSD_PNP_BUS_KEY	"FreeBSDPNPBus"

/* Info.plist files larger than this are refused. */
#define KEXT_INFO_PLIST_MAX	(16u * 1024 * 1024)

struct kext_bundle;

/* One OSBundleLibraries entry. version is KEXT_VERSION_INVALID when unparsable. */
struct kext_library {
	const char *identifier;
	const char *version_string;
	kext_version version;
};

/*
 * Opens and validates the bundle at path (made canonical with realpath()).
 * On success *out holds one reference.
 */
int kext_bundle_open(const char *path, struct kext_bundle **out, kext_error *err);
/*
 * The same, for a path expected below dir, a canonical folder: only the
 * names below dir are looked at to make it canonical (any path works).
 */
int kext_bundle_open_in(const char *dir, const char *path, struct kext_bundle **out,
    kext_error *err);

/*
 * A bundle its writer has just made, described by what it wrote: the modern
 * layout (Contents/), Contents/Info.plist holding exactly info_xml, and
 * Contents/MacOS/executable a regular file whose first bytes (up to 64, fewer
 * only when the file is shorter) are head. The writer created every folder
 * and file itself, so none is a link, and wrote no PlugIns folder; path is
 * canonical (what realpath(3) returns for it).
 */
struct kext_bundle_written {
	const char *path;		/* .../Foo.kext */
	const void *info_xml;		/* the bytes of Contents/Info.plist */
	size_t info_len;
	const char *executable;		/* its name in Contents/MacOS, or NULL for none */
	const unsigned char *head;
	size_t head_len;
};

/*
 * Validates a written bundle as kext_bundle_open() would, without reading
 * back what the writer holds: the same parser reads the same Info.plist
 * bytes and the same checks run; only files the writer did not make (a
 * CFBundleExecutable naming another file) are looked up on disk. *out holds
 * one reference.
 */
int kext_bundle_open_written(const struct kext_bundle_written *w, struct kext_bundle **out,
    kext_error *err);

struct kext_bundle *kext_bundle_retain(struct kext_bundle *b);
void kext_bundle_release(struct kext_bundle *b);

/* The canonical bundle path and its Info.plist. */
const char *kext_bundle_path(const struct kext_bundle *b);
const char *kext_bundle_info_plist_path(const struct kext_bundle *b);

/* The whole info dictionary (borrowed). */
CFDictionaryRef kext_bundle_info_dictionary(const struct kext_bundle *b);

/* A CFBundle for the same directory (borrowed; created on first use), or NULL. */
CFBundleRef kext_bundle_cfbundle(struct kext_bundle *b);

/* CFBundleIdentifier, or NULL when missing or not a string. */
const char *kext_bundle_identifier(const struct kext_bundle *b);

/* CFBundleVersion as written (NULL when missing) and parsed (-1 invalid, 0 missing). */
const char *kext_bundle_version_string(const struct kext_bundle *b);
kext_version kext_bundle_version(const struct kext_bundle *b);

/* OSBundleCompatibleVersion: NULL / 0 when absent, -1 when unparsable. */
const char *kext_bundle_compatible_version_string(const struct kext_bundle *b);
kext_version kext_bundle_compatible_version(const struct kext_bundle *b);

/* A library has a valid OSBundleCompatibleVersion (§3.3). */
bool kext_bundle_is_library(const struct kext_bundle *b);
/* OSKernelResource is true: stands for the kernel, never loaded. */
bool kext_bundle_is_kernel_component(const struct kext_bundle *b);
bool kext_bundle_is_interface(const struct kext_bundle *b);

/* CFBundleExecutable and where it lives; NULL for a codeless kext. */
const char *kext_bundle_executable_name(const struct kext_bundle *b);
const char *kext_bundle_executable_path(const struct kext_bundle *b);

/* OSBundleRequired, or NULL. */
const char *kext_bundle_required(const struct kext_bundle *b);

/* OSBundleLibraries, sorted by identifier. */
size_t kext_bundle_library_count(const struct kext_bundle *b);
const struct kext_library *kext_bundle_library_at(const struct kext_bundle *b, size_t i);

/* Canonical paths of the *.kext directly in the bundle's PlugIns folder, sorted. */
/* The Info.plist file as it was when read, and when (CLOCK_REALTIME, ns) it was read. */
const struct kext_file_stamp *kext_bundle_info_plist_stamp(const struct kext_bundle *b);
int64_t kext_bundle_read_time_ns(const struct kext_bundle *b);

/* The PlugIns folder for the bundle's layout (malloc'd), whether or not it exists. */
char *kext_bundle_plugins_dir(const struct kext_bundle *b);

size_t kext_bundle_plugin_count(const struct kext_bundle *b);
const char *kext_bundle_plugin_at(const struct kext_bundle *b, size_t i);

/* Is the bundle inside another bundle's PlugIns folder? */
bool kext_bundle_is_plugin(const struct kext_bundle *b);

/* Every diagnostic recorded for the bundle so far (validation, authentication...). */
struct kext_diags *kext_bundle_diags(struct kext_bundle *b);
const struct kext_diags *kext_bundle_diags_const(const struct kext_bundle *b);

/* No validation failure was recorded. */
bool kext_bundle_is_valid(const struct kext_bundle *b);

/*
 * Authentication (§4.8): every file and directory of the bundle (PlugIns
 * excepted) must be owned by uid 0 and gid 0 and be neither group- nor
 * other-writable; symbolic links are warned about, and must resolve inside
 * the bundle. Every bad path is recorded under "Authentication Failures".
 * Returns 0 when authentic, else -1 with err summarising the failures.
 */
int kext_bundle_authenticate(struct kext_bundle *b, kext_error *err);

/*
 * Opens the executable for loading, once: read-only, no link followed, a
 * FIFO never blocking. The open file must be a regular file and, with
 * authenticate, root:wheel and not writable by group or other. Load what
 * is read from *fd (kext_kernel_load_fd), never the path again; *st is its
 * fstat. The caller closes *fd; -1 on failure. When b kept the descriptor
 * its validation opened (kext_bundle_keep_executables), that one is handed
 * over: the file validated is the file loaded, opened once. Later calls
 * open the path.
 */
int kext_bundle_open_executable(struct kext_bundle *b, bool authenticate, int *fd,
    struct stat *st, kext_error *err);

/*
 * Whether bundles opened from now on keep the executable their validation
 * opened (in a plain MacOS folder, without following a link) for
 * kext_bundle_open_executable; returns the previous setting. Off by
 * default: for processes that open bundles and load them soon after
 * (kextload, kextutil), not for ones that hold bundles for long (a daemon
 * would load a file replaced since). Kept descriptors are budgeted (a
 * quarter of RLIMIT_NOFILE's soft limit when this is called, at most 256);
 * kext_bundle_release closes one not taken.
 */
bool kext_bundle_keep_executables(bool keep);

/*
 * Given the pathname of a loaded file (".../Foo.kext/Contents/MacOS/foo.ko"),
 * finds the innermost enclosing bundle whose CFBundleExecutable is that file.
 * *bundle_path is malloc'd.
 */
int kext_bundle_path_for_executable(const char *exe_path, char **bundle_path,
    kext_error *err);
/* The same bundle, opened: one Info.plist read where a path and then an open take two. */
int kext_bundle_open_for_executable(const char *exe_path, struct kext_bundle **out,
    kext_error *err);

/* Info.plist files read (and parsed) by this process so far. */
unsigned long kext_info_plist_reads(void);

/*
 * Bundles opened from now on take a parsed Info.plist kept in dir, when the
 * file is still as it was then, instead of reading and parsing it; and keep
 * what they parse there. NULL (the default, or out of memory) turns it off.
 * Set it before opening bundles.
 */
void kext_bundle_cache_info_plists(const char *dir);
/* Info.plists this process took from that cache. */
unsigned long kext_info_plist_cache_hits(void);

#endif
