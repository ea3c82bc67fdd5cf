/* Load plan objects: items, their dependencies, roots, and rollback. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"

int
kext_plan_create(struct kext_repos *repos, const struct kext_plan_options *opts,
    struct kext_plan **out, kext_error *err)
{
	struct kext_plan *p;
	size_t i;
	void **slot;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	p->repos = repos;
	p->ids = kext_map_new();
	p->loaded_ids = kext_map_new();
	if (p->ids == NULL || p->loaded_ids == NULL)
		goto nomem;
	if (opts != NULL) {
		p->authenticate = opts->authenticate;
		if (opts->nloaded != 0) {
			p->loaded = calloc(opts->nloaded, sizeof(*p->loaded));
			if (p->loaded == NULL)
				goto nomem;
		}
		for (i = 0; i < opts->nloaded; i++) {
			const struct kext_loaded *l = &opts->loaded[i];

			if (l->identifier == NULL)
				continue;
			p->loaded[p->nloaded].identifier = strdup(l->identifier);
			if (p->loaded[p->nloaded].identifier == NULL)
				goto nomem;
			p->loaded[p->nloaded].version = l->version;
			p->loaded[p->nloaded].compat = l->compatible_version;
			p->nloaded++;
		}
		/* after the array is complete: the map points into it */
		for (i = 0; i < p->nloaded; i++) {
			slot = kext_map_slot(p->loaded_ids, p->loaded[i].identifier, true);
			if (slot == NULL)
				goto nomem;
			*slot = &p->loaded[i];
		}
	}
	*out = p;
	return 0;
nomem:
	kext_plan_free(p);
	return kext_fail(err, ENOMEM, "out of memory");
}

static void
item_free(struct plan_item *it)
{
	if (it == NULL)
		return;
	kext_bundle_release(it->pub.bundle);
	free(it->identifier);
	free(it->version_string);
	free(it->deps);
	free(it);
}

void
kext_plan_free(struct kext_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		item_free(p->items[i]);
	free(p->items);
	for (i = 0; i < p->nloaded; i++)
		free(p->loaded[i].identifier);
	free(p->loaded);
	kext_map_free(p->ids, NULL);
	kext_map_free(p->loaded_ids, NULL);
	free(p);
}

const struct loaded_kext *
plan_loaded(const struct kext_plan *p, const char *id)
{
	return kext_map_get(p->loaded_ids, id);
}

long
plan_append(struct kext_plan *p, const char *identifier, kext_version version,
    const char *version_string, struct kext_bundle *b)
{
	struct plan_item *it, **v;
	char buf[KEXT_VERSION_FORMAT_MAX];
	void **slot;

	if (p->n == p->cap) {
		size_t cap = p->cap != 0 ? p->cap * 2 : 16;

		v = reallocarray(p->items, cap, sizeof(*v));
		if (v == NULL)
			return -1;
		p->items = v;
		p->cap = cap;
	}
	it = calloc(1, sizeof(*it));
	if (it == NULL)
		return -1;
	if (version_string == NULL)
		version_string = kext_version_format(version, buf, sizeof(buf));
	it->identifier = strdup(identifier);
	it->version_string = strdup(version_string);
	slot = kext_map_slot(p->ids, identifier, true);
	if (it->identifier == NULL || it->version_string == NULL || slot == NULL) {
		item_free(it);
		return -1;
	}
	it->pub.identifier = it->identifier;
	it->pub.version_string = it->version_string;
	it->pub.version = version;
	it->pub.bundle = kext_bundle_retain(b);
	it->pub.kernel_component = b != NULL && kext_bundle_is_kernel_component(b);
	*slot = (void *)(uintptr_t)(p->n + 1);
	p->items[p->n] = it;
	return (long)p->n++;
}

int
plan_add_dep(struct kext_plan *p, size_t item, size_t dep)
{
	struct plan_item *it = p->items[item];
	size_t i, *v;

	for (i = 0; i < it->ndeps; i++) {
		if (it->deps[i] == dep)
			return 0;
	}
	if (it->ndeps == it->cap) {
		size_t cap = it->cap != 0 ? it->cap * 2 : 4;

		v = reallocarray(it->deps, cap, sizeof(*v));
		if (v == NULL)
			return -1;
		it->deps = v;
		it->cap = cap;
	}
	it->deps[it->ndeps++] = dep;
	it->pub.deps = it->deps;
	it->pub.ndeps = it->ndeps;
	return 0;
}

void
plan_mark_loaded(struct kext_plan *p, size_t item)
{
	struct kext_plan_item *it = &p->items[item]->pub;
	const struct kext_candidate **v;
	size_t i, n;

	it->loaded = true;
	if (it->bundle != NULL || kext_repos_lookup_known(p->repos, it->identifier, &v, &n,
	    NULL) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (v[i]->version == it->version && v[i]->kernel_component)
			it->kernel_component = true;
	}
	free(v);
}

void
plan_truncate(struct kext_plan *p, size_t mark)
{
	void **slot;

	while (p->n > mark) {
		struct plan_item *it = p->items[--p->n];

		slot = kext_map_slot(p->ids, it->identifier, false);
		if (slot != NULL)
			*slot = NULL;
		item_free(it);
	}
}

long
kext_plan_find(const struct kext_plan *p, const char *identifier)
{
	uintptr_t v = (uintptr_t)kext_map_get(p->ids, identifier);

	return v != 0 ? (long)v - 1 : -1;
}

size_t
kext_plan_count(const struct kext_plan *p)
{
	return p->n;
}

const struct kext_plan_item *
kext_plan_at(const struct kext_plan *p, size_t i)
{
	return i < p->n ? &p->items[i]->pub : NULL;
}

int
kext_plan_add(struct kext_plan *p, struct kext_bundle *root, kext_error *err)
{
	size_t mark = p->n;

	if (plan_resolve_root(p, root, err) != 0) {
		plan_truncate(p, mark);
		return -1;
	}
	return 0;
}

int
kext_plan_add_identifier(struct kext_plan *p, const char *identifier,
    kext_error *err)
{
	const struct loaded_kext *l;
	struct kext_bundle *b;
	long i;

	if (identifier == NULL || *identifier == '\0')
		return kext_fail(err, EINVAL, "no bundle identifier given");
	i = kext_plan_find(p, identifier);
	if (i >= 0) {
		p->items[i]->pub.root = true;
		return 0;
	}
	/* Loaded already: nothing to resolve (kextload says "or already loaded"). */
	l = plan_loaded(p, identifier);
	if (l != NULL) {
		i = plan_append(p, identifier, l->version, NULL, NULL);
		if (i < 0)
			return kext_fail(err, ENOMEM, "out of memory");
		plan_mark_loaded(p, (size_t)i);
		p->items[i]->pub.root = true;
		return 0;
	}
	if (plan_choose_root(p, identifier, &b, err) != 0)
		return -1;
	return kext_plan_add(p, b, err);
}
