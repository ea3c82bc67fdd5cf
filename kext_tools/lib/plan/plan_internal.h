/* Load plans (private to libkext). */
#ifndef KEXT_PLAN_INTERNAL_H
#define KEXT_PLAN_INTERNAL_H

#include <stddef.h>

#include "kext/error.h"
#include "kext/kmod.h"
#include "kext/load.h"
#include "kext/loaded.h"
#include "kext/map.h"
#include "kext/plan.h"

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
 * Checks b's executable against the kernel set describes (exec_check.c):
 * every problem becomes a diagnostic of b; -1 with err for the first that
 * stops the load (or when the file cannot be read).
 */
int plan_check_executable(struct kext_bundle *b, const struct kext_loaded_set *set,
    kext_error *err);

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
