/*
 * Kext repositories: where kexts are looked up by CFBundleIdentifier.
 *
 * A set holds, in the order they were added, extension folders (scanned
 * non-recursively for *.kext plus the *.kext in each kext's PlugIns) and explicitly
 * named bundles (with their plugins). Tools add them in the order system
 * folders, arguments, -r folders, -d bundles, so that among equal versions
 * the most recently added wins (spec §3.4: -d > -r > arguments > system).
 *
 * Each folder has an identifier index in a cache directory, so a lookup does
 * not read every Info.plist. While the folder keeps the stamp it had when the
 * index was made (and had it two seconds before), the index is taken on
 * trust, as Apple's identifier caches are: nothing in the folder is looked at
 * but the kexts asked for, and an identifier the index does not know makes
 * the folder be scanned. Otherwise the folder is listed, and an entry is
 * trusted only while its Info.plist still has the same (dev, ino, size,
 * mtime) and was not modified within two seconds of being read. Either way
 * the index is only a hint: kext_repos_open() re-reads the chosen bundle and
 * reports ESTALE when the index was wrong (the caller looks up again, and
 * the folder is scanned). An Info.plist edited in place, which leaves its
 * folder's stamp alone, is seen once its folder is touched (as on macOS:
 * touch the extensions folder) or when a lookup or open runs into it. When
 * the cache cannot be read or written the set works without it.
 */
#ifndef KEXT_REPO_H
#define KEXT_REPO_H

#include <stdbool.h>
#include <stddef.h>

#include "kext/bundle.h"
#include "kext/cache_dir.h"
#include "kext/diag.h"
#include "kext/error.h"
#include "kext/version.h"

#define KEXT_SYSTEM_EXTENSIONS	"/System/Library/Extensions"

/* Kexts per folder (plugins included); a set takes any number of folders. */
#define KEXT_REPO_MAX_KEXTS	100000

enum kext_repo_kind {
	KEXT_REPO_SYSTEM,	/* a system extensions folder */
	KEXT_REPO_ARGUMENT,	/* a kext named on the command line */
	KEXT_REPO_DIRECTORY,	/* a folder given with -r */
	KEXT_REPO_DEPENDENCY,	/* a kext given with -d */
};

/* What the index knows about one kext; stable for the life of the set. */
struct kext_candidate {
	const char *identifier;		/* NULL when the kext has none */
	const char *bundle_path;	/* canonical */
	const char *info_plist_path;
	const char *version_string;
	kext_version version;		/* -1 invalid, 0 missing */
	const char *compatible_version_string;
	kext_version compatible_version;	/* 0 when not a library */
	bool kernel_component;
	bool plugin;
	enum kext_repo_kind kind;
	const char *repository;		/* the folder, or the named bundle */
};

struct kext_repos;

/* The cache directory is kext_cache_dir()'s (kext/cache_dir.h). */
int kext_repos_create(struct kext_repos **out, kext_error *err);
void kext_repos_free(struct kext_repos *r);

/* Where the identifier indexes live; NULL turns caching off. */
int kext_repos_set_cache_dir(struct kext_repos *r, const char *dir, kext_error *err);
const char *kext_repos_cache_dir(const struct kext_repos *r);

/* Adds a folder (scanned on first use). */
int kext_repos_add_directory(struct kext_repos *r, const char *dir,
    enum kext_repo_kind kind, kext_error *err);

/*
 * Adds one named bundle and its plugins, opening them now; *out (optional)
 * is the bundle, owned by the set.
 */
int kext_repos_add_bundle(struct kext_repos *r, const char *path,
    enum kext_repo_kind kind, struct kext_bundle **out, kext_error *err);

/* Scans (or re-scans) every folder now; lookups do it on first use. */
int kext_repos_refresh(struct kext_repos *r, kext_error *err);

/*
 * All candidates for identifier, best first: descending CFBundleVersion,
 * ties to the most recently added. *out is a malloc'd array (free() it) of
 * pointers owned by the set; *count may be 0.
 */
int kext_repos_lookup(struct kext_repos *r, const char *identifier,
    const struct kext_candidate ***out, size_t *count, kext_error *err);

/*
 * The same, but where a folder's index is taken on trust its word is final:
 * an identifier it does not know is not worth a scan of the folder (for
 * questions whose answer may well be none, such as a loaded kext's bundle).
 */
int kext_repos_lookup_known(struct kext_repos *r, const char *identifier,
    const struct kext_candidate ***out, size_t *count, kext_error *err);

/* Every kext known to the set, in scan order (malloc'd array). */
int kext_repos_all(struct kext_repos *r, const struct kext_candidate ***out,
    size_t *count, kext_error *err);

/*
 * The full bundle for a candidate (owned by the set; read once per set).
 * When the bundle on disk no longer matches the candidate (identifier,
 * versions, kernel flag), the index is corrected and -1 returned with
 * err->code ESTALE: look the identifier up again.
 */
int kext_repos_open(struct kext_repos *r, const struct kext_candidate *c,
    struct kext_bundle **out, kext_error *err);

/*
 * "/System/Library/Extensions/, /tmp/ext/, /tmp/Foo.kext": the folders
 * (with a trailing '/') and named kexts of the set, for "not found" messages.
 */
const char *kext_repos_searched(const struct kext_repos *r, char *buf, size_t len);

/* Warnings about the folders: duplicate identifiers, unreadable kexts. */
const struct kext_diags *kext_repos_diags(const struct kext_repos *r);

#endif
