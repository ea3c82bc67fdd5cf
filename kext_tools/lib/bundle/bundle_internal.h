/* The kext bundle object, shared by the bundle layer's sources (private). */
#ifndef KEXT_BUNDLE_INTERNAL_H
#define KEXT_BUNDLE_INTERNAL_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kext/bundle.h"
#include "kext/fs.h"

/* Bundle layouts as CFBundle names them (spec §1.3). */
enum kext_layout {
	KEXT_LAYOUT_OLD = 0,		/* Resources/ */
	KEXT_LAYOUT_OBSOLETE = 1,	/* Support Files/ */
	KEXT_LAYOUT_MODERN = 2,		/* Contents/ */
	KEXT_LAYOUT_FLAT = 3,
};

struct kext_bundle {
	unsigned refs;
	char *path;			/* canonical */
	enum kext_layout layout;
	char *support_dir;		/* "<path>/Contents" etc.; path itself when flat */
	bool support_plain;		/* support_dir is a folder, not a link: canonical */
	int support_fd;			/* that folder, open while the bundle is opened, or -1 */
	char *plist_path;
	struct kext_file_stamp plist_stamp;	/* taken before the read */
	int64_t read_time_ns;		/* wall clock when the plist was read */
	CFDictionaryRef info;
	CFBundleRef cfbundle;		/* made on demand */

	char *identifier;
	char *version_string;
	kext_version version;
	char *compat_string;
	kext_version compat;
	char *executable_name;
	char *executable_path;		/* NULL when codeless or not found */
	char *required;
	/*
	 * The executable as validation opened it (no link followed, in a plain
	 * MacOS folder), kept for the load when the process asked
	 * (kext_bundle_keep_executables): -1 when not kept or taken already.
	 */
	int exec_fd;
	bool kernel_component, interface, plugin;
	bool diags_complete;		/* validation did not run out of memory */

	struct kext_library *libraries;
	size_t nlibraries;
	char **plugins;
	size_t nplugins;
	struct kext_diags *diags;
	/* While a written bundle is validated (bundle_written.c): what its writer made. */
	const struct kext_bundle_written *written;
};

/*
 * kext_bundle_open of a bundle whose canonical path (realpath(3) of path) the
 * caller has already: real is taken (freed on failure too).
 */
int kext_bundle_open_real(const char *path, char *real, struct kext_bundle **out,
    kext_error *err);

/* Does the last path component end in ".kext" with a name before it? */
bool kext_has_kext_extension(const char *path);
/* Some component before the last one ends in ".kext": the bundle is a plugin. */
bool kext_path_is_plugin(const char *path);
/*
 * Parsed Info.plists kept between runs (bundle_info_cache.c): on when the
 * process named a cache directory; the dictionary kept for the Info.plist at
 * plist_path while it has the stamp st (NULL when none); keeping what was
 * parsed from the file described by st, read at read_ns.
 */
bool bundle_info_cache_on(void);
CFDictionaryRef bundle_info_cache_get(const char *plist_path, const struct stat *st);
void bundle_info_cache_put(const char *plist_path, const struct stat *st, int64_t read_ns,
    CFDictionaryRef info);
/*
 * A property list in the cache's own form (bundle_info_codec.c), and back:
 * NULL when it holds a value that form lacks, or bytes are not that form.
 */
CFDataRef bundle_info_encode(CFPropertyListRef plist);
CFPropertyListRef bundle_info_decode(const uint8_t *bytes, size_t n);
/* Info.plist's bytes parsed into b->info (XML only, a <dict> at the top). */
int kext_bundle_parse_info(struct kext_bundle *b, const void *buf, size_t len, kext_error *err);

/*
 * Keeping validation's open executable (bundle_executable_keep.c): may fd,
 * open without following a link, be kept (within the process's budget)?
 * Then b owns it. kext_bundle_drop_executable closes a kept one.
 */
bool kext_bundle_keep_executable(struct kext_bundle *b, int fd);
/* The kept descriptor, handed over (-1 when none). */
int kext_bundle_take_executable(struct kext_bundle *b);
void kext_bundle_drop_executable(struct kext_bundle *b);

/* Fills the fields above from b->info and records validation diagnostics. */
void kext_bundle_validate(struct kext_bundle *b);

/* UTF-8 text of a CFString (malloc'd), or NULL when not a string / no memory. */
char *kext_cf_string_copy(CFTypeRef s);

/* "<string>", "<integer>", "<dict>"...: how a value appears in a plist. */
const char *kext_cf_type_name(CFTypeRef v);

#endif
