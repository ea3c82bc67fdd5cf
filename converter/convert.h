/*
 * ko2kext internals: FreeBSD kernel modules in, kext bundles out.
 *
 *   inputs.c        .ko files, directories of them, archives (libarchive)
 *   providers.c     which bundle provides a module name a dependency asks for
 *   infoplist.c     the Info.plist dictionary for one module
 *   personalities.c MODULE_PNP_INFO tables as IOKitPersonalities
 *   bundle_write.c  the bundle on disk, written beside and renamed into place
 *   bundle_check.c  the written bundle validated as kextload validates it
 *   release.c       provenance from a release tarball's README
 */
#ifndef KO2KEXT_CONVERT_H
#define KO2KEXT_CONVERT_H

#include <stdbool.h>
#include <stddef.h>

#include <CoreFoundation/CoreFoundation.h>

#include "kext/bundle.h"
#include "kext/error.h"
#include "kext/kmod.h"

#define KO2KEXT_DEFAULT_PREFIX	  "org.freebsd.kmod"
#define KO2KEXT_DEFAULT_KERNEL_ID "org.freebsd.kernel"
#define KO2KEXT_LINUX_PREFIX	  "org.kernel.linux"	/* + ".<module name>" */
#define KO2KEXT_LINUX_KERNEL_ID	  "org.kernel.linux"	/* the running Linux kernel */

/* What a freebsd-launchd mach.ko release says about its build (release.c). */
struct conv_release {
	bool present;		/* a release README was read */
	char *freebsd;		/* "15.0": README "Built against: FreeBSD 15.0 (amd64)" */
	char *arch;		/* "amd64" */
	char *built_on;		/* README "Built on:" time, or NULL */
	char built_on_date[9];	/* its date as YYYYMMDD, or "" */
	char *name_freebsd;	/* from the tarball's name when it has the published form */
	char *name_arch;
	char name_date[9];	/* YYYYMMDD of a published (dated) name, or "" */
	char *archive;		/* the tarball's base name */
	char *readme;		/* "tarball:member", for messages */
};

/*
 * One module file to convert. A file on disk (source) is not held in memory:
 * it is mapped while it is parsed (conv_module_map) and its bytes are
 * copied file to file into the bundle, so memory does not grow with the
 * number of inputs. An archive member has no source and is held in data.
 */
struct conv_module {
	char *origin;		/* for messages: "dir/foo.ko" or "pkg.pkg:/boot/modules/foo.ko" */
	char *file_name;	/* "foo.ko" */
	char *source;		/* the module file, or NULL for an archive member */
	unsigned char *data;	/* NULL for a source not mapped now */
	size_t len;
	bool mapped;		/* data is source's mapping */
	char *pkg_origin;	/* from a package's +MANIFEST, or NULL */
	char *pkg_version;
	struct kmod_file *kf;	/* NULL until parsed, or when parsing failed */
	char *bundle_name;	/* "Foo.kext" */
	char *identifier;	/* CFBundleIdentifier */
	struct conv_release release;	/* zero unless read from a release tarball */
	bool failed;
};

/* Everything one run converts, plus what the kernel itself provides. */
struct conv_set {
	struct conv_module *mods;
	size_t n, cap;
	size_t bytes;		/* archive member bytes read so far: bounded (inputs.c) */
	char **hints_files;	/* linker.hints found beside directory inputs */
	size_t num_hints;
};

/* Where a dependency's module name was found. */
struct conv_provider {
	char *module;		/* MDT_VERSION name */
	int version;
	char *identifier;	/* bundle identifier */
	int source;		/* CONV_FROM_* */
	char *version_string;	/* Linux providers: the bundle's CFBundleVersion; else NULL */
};

enum { CONV_FROM_INPUT, CONV_FROM_REPOSITORY, CONV_FROM_KERNEL };

struct conv_providers {
	struct conv_provider *p;
	size_t n, cap;
	bool sorted;
};

/* Options that shape the Info.plist. */
struct conv_options {
	const char *prefix;
	const char *kernel_id;
	const char *required;		/* OSBundleRequired for every bundle, or NULL */
	const char **id_overrides;		/* "module=identifier" */
	size_t num_id_overrides;
	const char **name_overrides;		/* "module=Name" (Name.kext), or "Name" for the only one */
	size_t num_name_overrides;
	const char **extra_libraries;		/* OSBundleLibraries added at version 1.0 */
	size_t num_extra_libraries;
	const char **firmware;		/* files, or folders whose files, for Contents/Resources/firmware */
	size_t num_firmware;
	CFDictionaryRef extra;		/* keys merged into every Info.plist */
	const char *extra_path;		/* the -m file they came from */
	bool force, allow_missing;
};

/* inputs.c */
int conv_add_input(struct conv_set *set, const char *path, kext_error *err);
void conv_set_free(struct conv_set *set);
/* Makes m->data hold the module: its source mapped (read-only), else as it is. */
int conv_module_map(struct conv_module *m, kext_error *err);
/* Lets a mapped source go; a member read from an archive stays. */
void conv_module_unmap(struct conv_module *m);

/* providers.c */
int conv_providers_add(struct conv_providers *pv, const char *module, int version,
    const char *identifier, int source);
int conv_providers_add_repository(struct conv_providers *pv, const char *dir, kext_error *err);
int conv_providers_add_hints(struct conv_providers *pv, const char *hints_path,
    const char *kernel_id, kext_error *err);
/* A Linux module name (kept apart from FreeBSD names) and its bundle's version. */
int conv_providers_add_linux(struct conv_providers *pv, const char *module,
    const char *identifier, const char *version_string, int source);
const struct conv_provider *conv_providers_find_linux(struct conv_providers *pv,
    const char *module);
const struct conv_provider *conv_providers_find(struct conv_providers *pv, const char *module,
    int min, int pref, int max);
/* A repository bundle that registers module but declares no MODULE_VERSION for it. */
const struct conv_provider *conv_providers_find_unversioned(struct conv_providers *pv,
    const char *module);
void conv_providers_free(struct conv_providers *pv);

/* The -n name given for module stem, or NULL. */
const char *conv_name_override(const struct conv_options *opt, const char *stem);
/* The first -i or -n option whose stem no module in set has (NULL when all match). */
const char *conv_unmatched_override(const struct conv_options *opt, const struct conv_set *set);
/* infoplist.c: names (identifier, bundle name), then the Info.plist for m; missing dependencies are listed in *missing. */
int conv_name_module(struct conv_module *m, const struct conv_options *opt);
/* CFBundleVersion of a FreeBSD module's bundle: MODULE_VERSION, else the release's, else "0". */
void conv_bundle_version(const struct conv_module *m, char *buf, size_t len);
CFMutableDictionaryRef conv_info_plist(const struct conv_module *m, struct conv_providers *pv,
    const struct conv_options *opt, char *missing, size_t missing_len);
/* Keys both module kinds share: CFBundleIdentifier, CFBundleName and the other fixed ones. */
void conv_set_identity_keys(CFMutableDictionaryRef info, const struct conv_module *m,
    const char *name);
/* OSBundleLibraries when libs is not empty (libs is released), OSBundleRequired if asked. */
void conv_set_library_keys(CFMutableDictionaryRef info, CFMutableDictionaryRef libs,
    const struct conv_options *opt);

/* release.c */
bool conv_release_is_readme(const char *member);
int conv_release_parse(const char *archive, const char *member, const char *text,
    struct conv_release *out, kext_error *err);
int conv_release_check(const struct conv_release *rel, const char *origin,
    const unsigned char *data, size_t len, kext_error *err);
int conv_release_copy(struct conv_release *dst, const struct conv_release *src);
void conv_release_clear(struct conv_release *rel);
void conv_release_keys(CFMutableDictionaryRef info, const struct conv_release *rel);
/* The release's own version, "YYYY.M.D" from its date; -1 when it states none. */
int conv_release_version(const struct conv_release *rel, char *buf, size_t len);

/* infoplist_linux.c: the same for a Linux module (kf->os == KMOD_OS_LINUX). */
int conv_linux_bundle_version(const struct kmod_file *kf, char *buf, size_t len);
CFMutableDictionaryRef conv_info_plist_linux(const struct conv_module *m,
    struct conv_providers *pv, const struct conv_options *opt, char *missing,
    size_t missing_len);

/* personalities.c */
CFDictionaryRef conv_personalities(const struct kmod_file *kf, const char *identifier,
    const char *module_name);

/*
 * manifest.c: the string value of a top-level "key": "value" of a package's
 * +MANIFEST (NUL-terminated text), malloc'd; NULL when absent or malformed.
 */
char *conv_manifest_string(const char *manifest, const char *key);

/*
 * bundle_check.c: a staged bundle, described by what was written, validated
 * as kextload validates it; one it would refuse is an error naming the keys
 * at fault and what to change.
 */
int conv_check_bundle(const char *outdir, const struct kext_bundle_written *w,
    const struct conv_module *m, const struct conv_options *opt, kext_error *err);

/*
 * bundle_write.c: stage every bundle (validated) in the run's staging folder,
 * sync once, then install each. *staged is the bundle in the staging folder.
 */
struct conv_stage {
	char *path;		/* canonical OUTDIR/.ko2kext.PID.N */
	int fd;
};
/* The first bytes of a staged executable, as validation reads them. */
struct conv_head {
	unsigned char bytes[64];
	size_t len;
};
int conv_stage_open(const char *outdir, struct conv_stage *st, kext_error *err);
void conv_stage_close(struct conv_stage *st);
int conv_stage_bundle(const struct conv_stage *st, const char *outdir,
    const struct conv_module *m, CFDictionaryRef info, const struct conv_options *opt,
    char **staged, kext_error *err);
int conv_sync_staged(const char *outdir, kext_error *err);
/* 0 installed; 1 the bundle there already was identical (staged is gone); -1 error. */
int conv_install_bundle(const char *outdir, const struct conv_module *m, const char *staged,
    bool force, kext_error *err);
void conv_discard_staged(const char *staged);

/*
 * outdir.c: a run holds an exclusive lock on its output folder (*fd, kept
 * open until the run ends), then removes the staging folders killed runs
 * left there (*removed of them).
 */
int conv_outdir_lock(const char *outdir, int *fd, kext_error *err);
int conv_outdir_clean(const char *outdir, size_t *removed, kext_error *err);

/* bundle_compare.c: two bundle folders hold the same names, kinds, permissions and bytes. */
bool conv_same_tree(const char *a, const char *b);

/*
 * nextbsd_sh.c: NextBSD's ko2kext.sh command line, "[-o dir] [-v ver]
 * [-l dep-id]... [-f fw]... [-p pers] in.ko Name bundle-id", as options for
 * one conversion. 0, or an exit status after saying why on stderr.
 */
struct conv_sh {
	const char *outdir, *input;
	char *name_override, *id_override;	/* "stem=Name", "stem=bundle-id" */
	CFMutableDictionaryRef extra;		/* versions, IOKitPersonalities from -p */
};
int conv_sh_parse(int argc, char **argv, struct conv_sh *sh, struct conv_options *opt);
void conv_sh_free(struct conv_sh *sh);

/* Small CF helpers shared by the files above. */
void conv_set_string(CFMutableDictionaryRef d, const char *key, const char *value);
void conv_set_int(CFMutableDictionaryRef d, const char *key, long long value);
void conv_set_value(CFMutableDictionaryRef d, const char *key, CFTypeRef value);
void conv_append_string(CFMutableArrayRef a, const char *value);
/* e's description as a C string the caller frees (NULL if e is NULL); releases e. */
char *conv_take_error_text(CFErrorRef e);

#endif
