/* Load plans (private to libkext). */
#ifndef KEXT_PLAN_INTERNAL_H
#define KEXT_PLAN_INTERNAL_H

#include <sys/stat.h>
#include <stdbool.h>
#include <stddef.h>

#include "kext/bundle.h"
#include "kext/error.h"
#include "kext/kernel.h"
#include "kext/kmod.h"
#include "kext/kmod_check.h"
#include "kext/load.h"
#include "kext/loaded.h"
#include "kext/map.h"
#include "kext/plan.h"
#include "kext/repo.h"

struct plan_item {
	struct kext_plan_item pub;
	char *identifier;
	char *version_string;
	size_t *deps;
	size_t ndeps, cap;
};

struct loaded_kext {
	char *identifier;
	kext_version version, compat;
};

struct kext_plan {
	struct kext_repos *repos;
	bool authenticate;
	struct loaded_kext *loaded;
	size_t nloaded;
	struct kext_map *loaded_ids;	/* identifier -> loaded_kext */
	struct plan_item **items;
	size_t n, cap;
	struct kext_map *ids;		/* identifier -> item index + 1 */
};

/* Appends an item; returns its index or -1 when out of memory. */
long plan_append(struct kext_plan *p, const char *identifier,
    kext_version version, const char *version_string, struct kext_bundle *b);
int plan_add_dep(struct kext_plan *p, size_t item, size_t dep);
/*
 * Marks an item as already loaded; a loaded kext that the repositories know
 * as a kernel component (same identifier and version) is marked as one.
 */
void plan_mark_loaded(struct kext_plan *p, size_t item);
/* Drops the items from index mark on (a failed root). */
void plan_truncate(struct kext_plan *p, size_t mark);
const struct loaded_kext *plan_loaded(const struct kext_plan *p, const char *id);

/* Resolves root's libraries into p; see kext/plan.h. */
int plan_resolve_root(struct kext_plan *p, struct kext_bundle *root, kext_error *err);

/* The best valid (and authentic, when asked) candidate for a root identifier. */
int plan_choose_root(struct kext_plan *p, const char *identifier,
    struct kext_bundle **out, kext_error *err);

/*
 * load_depends.c: every MODULE_DEPEND of the file of steps[step] met by a
 * loaded file, an earlier step or the kernel; else an error naming both
 * modules and the version (kfs[j] is step j's module, NULL when none).
 */
int load_check_depends(const struct kext_load_step *steps, struct kmod_file *const *kfs,
    size_t step, const struct kext_map *provided, const struct kext_loaded_set *set,
    kext_error *err);

/*
 * provided maps a MODULE_VERSION name to the versions the steps checked so
 * far provide (a list load_provided_free frees), so a dependency on an
 * earlier step is one look-up, not a scan of every step before it.
 */
int load_provided_add(struct kext_map *provided, const struct kmod_file *kf);
void load_provided_free(void *list);

/* The loaded kexts as kext_plan_options wants them (malloc'd; borrows from set). */
struct kext_loaded *plan_loaded_view(const struct kext_loaded_set *set, size_t *n);

/*
 * A kext's executable, read once (exec_read.c): the module (kf, NULL with
 * parse_err when the file is not one) and its check against the kernel,
 * from one read of the file open at fd (fd < 0: the file at path). read_rc
 * and read_err when it could not be read. A cached entry also keeps how the
 * load's own open of the file went (open_rc, open_err).
 */
struct plan_exec {
	int read_rc;
	kext_error read_err;
	struct kmod_file *kf;
	kext_error parse_err;
	struct kmod_check check;
	int open_rc;
	kext_error open_err;
};

/* The kernel set describes, as kmod_check wants it (arch points into set). */
void plan_exec_target(const struct kext_loaded_set *set, struct kmod_target *t);
/* Fills *x (st: fd's fstat, or NULL); -1 only when out of memory (then *x holds nothing). */
int plan_exec_read(int fd, const struct stat *st, const char *path, const struct kmod_target *t,
    struct plan_exec *x);
void plan_exec_fini(struct plan_exec *x);

/*
 * For dry runs: each executable opened (as a load opens it, authenticated
 * when asked) and read once, kept by path for the life of the cache. Nothing
 * cached is ever handed to a kernel.
 */
struct plan_exec_cache;
struct plan_exec_cache *plan_exec_cache_new(const struct kext_loaded_set *set,
    bool authenticate);
void plan_exec_cache_free(struct plan_exec_cache *c);
bool plan_exec_cache_authenticates(const struct plan_exec_cache *c);
/* b's executable; NULL when b is codeless or memory ran out. */
const struct plan_exec *plan_exec_cache_get(struct plan_exec_cache *c,
    struct kext_bundle *b);

/*
 * Records x's problems as diagnostics of b; -1 with err for the first that
 * stops the load (or when the file could not be read).
 */
int plan_check_executable(struct kext_bundle *b, const struct plan_exec *x, kext_error *err);

/*
 * Loading with the loaded set already read (load.c); a dry run may pass a
 * cache (one target, one authentication setting: the set's and the
 * request's).
 */
int plan_load(struct kext_kernel *k, struct kext_repos *repos,
    const struct kext_load_request *req, const struct kext_loaded_set *set,
    struct plan_exec_cache *cache, struct kext_load_result *result, kext_error *err);

/*
 * Symbols (symbol_check.c): item's strong undefined symbols against the
 * kernel's and its direct dependencies' definitions; problems become
 * diagnostics of its bundle; -1 when some symbol is defined nowhere it can
 * link against. The cache keeps each executable's symbols for one run.
 */
struct kmod_symbols;
struct plan_symbol_cache;
struct plan_symbol_cache *plan_symbol_cache_new(void);
void plan_symbol_cache_free(struct plan_symbol_cache *c);
int plan_check_symbols(const struct kext_plan *p, size_t item, const struct kmod_symbols *kernel,
    struct plan_symbol_cache *c);

#endif
