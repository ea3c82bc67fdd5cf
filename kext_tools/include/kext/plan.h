/*
 * Dependency resolution and load plans (spec §3.3-3.6).
 *
 * For each root, OSBundleLibraries are resolved depth-first: a library
 * satisfies a request when 0 < OSBundleCompatibleVersion <= requested <=
 * CFBundleVersion; an already-loaded kext with that identifier is used when
 * compatible and is an error when not (no fallback, only one version of an
 * identifier can be loaded); otherwise the best compatible candidate of the
 * repositories (highest version, ties to the most recently added) that is
 * valid (and authentic, when asked) wins. Kernel components end the
 * recursion. Errors name the whole chain:
 *
 *	com.a -> com.b -> com.c: no kext found for library com.d (requested 1.0)
 *
 * and are also recorded as "Dependency Resolution Failures" on the bundle
 * that declares the library.
 *
 * Chains are followed as deep as memory allows (an explicit stack, not
 * recursion), and each step costs constant time besides reading the bundle.
 *
 * The plan lists dependencies before their dependents (post-order,
 * deduplicated by identifier), roots after their dependencies; several roots
 * share what they have in common.
 */
#ifndef KEXT_PLAN_H
#define KEXT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "kext/bundle.h"
#include "kext/error.h"
#include "kext/repo.h"
#include "kext/version.h"

/* A kext the kernel already has. */
struct kext_loaded {
	const char *identifier;
	kext_version version;
	kext_version compatible_version;	/* 0 when it is not a library */
};

struct kext_plan_options {
	const struct kext_loaded *loaded;	/* copied */
	size_t nloaded;
	/* Authenticate every bundle planned; inauthentic candidates are skipped. */
	bool authenticate;
};

struct kext_plan_item {
	const char *identifier;
	const char *version_string;
	kext_version version;
	struct kext_bundle *bundle;	/* NULL for a loaded kext not on disk */
	bool loaded;			/* already in the kernel: nothing to do */
	bool kernel_component;		/* stands for the kernel: never loaded */
	bool root;			/* asked for, not only a dependency */
	const size_t *deps;		/* direct dependencies (earlier indexes) */
	size_t ndeps;
};

struct kext_plan;

/* repos must outlive the plan. opts may be NULL. */
int kext_plan_create(struct kext_repos *repos, const struct kext_plan_options *opts,
    struct kext_plan **out, kext_error *err);
void kext_plan_free(struct kext_plan *p);

/* Adds a root bundle with its dependencies; on failure the plan is unchanged. */
int kext_plan_add(struct kext_plan *p, struct kext_bundle *root, kext_error *err);

/* Adds the best valid kext with this identifier (kextload -b). */
int kext_plan_add_identifier(struct kext_plan *p, const char *identifier,
    kext_error *err);

size_t kext_plan_count(const struct kext_plan *p);
const struct kext_plan_item *kext_plan_at(const struct kext_plan *p, size_t i);

/* Index of the item with this identifier, or -1. */
long kext_plan_find(const struct kext_plan *p, const char *identifier);

#endif
