/*
 * The order a set of loaded kexts is unloaded in (see unload.h): dependents
 * before what they link against, and with dependencies, the files they
 * pulled in that nothing else uses, the way modprobe -r removes a module's
 * dependencies once they are unused.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "kext/unload.h"

static bool
links_against(const struct kext_loaded_entry *l, int fileid)
{
	for (size_t j = 0; j < l->num_linked; j++)
		if (l->linked[j] == fileid)
			return true;
	return false;
}

static bool
member(const struct kext_loaded_entry *const *list, size_t n, const struct kext_loaded_entry *l)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == l)
			return true;
	return false;
}

/* Every loaded file that links against d is in the list. */
static bool
only_used_by(const struct kext_loaded_set *set, const struct kext_loaded_entry *d,
    const struct kext_loaded_entry *const *list, size_t n)
{
	for (size_t i = 0; i < set->n; i++)
		if (links_against(&set->items[i], d->fileid) && !member(list, n, &set->items[i]))
			return false;
	return true;
}

/* Adds the unused dependencies of the list's members until none is left. */
static size_t
add_dependencies(const struct kext_loaded_set *set, const struct kext_loaded_entry **list,
    size_t n)
{
	bool grew = true;

	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < list[i]->num_linked; j++) {
				const struct kext_loaded_entry *d =
				    kext_loaded_by_fileid(set, list[i]->linked[j]);

				if (d == NULL || d->fileid == 1 || member(list, n, d) ||
				    !only_used_by(set, d, list, n))
					continue;
				list[n++] = d;
				grew = true;
			}
		}
	}
	return n;
}

int
kext_unload_order(const struct kext_loaded_set *set,
    const struct kext_loaded_entry *const *targets, size_t n, bool with_dependencies,
    const struct kext_loaded_entry ***out, size_t *nout, kext_error *err)
{
	const struct kext_loaded_entry **list, **order;
	size_t count = 0, done = 0;

	*out = NULL;
	*nout = 0;
	list = calloc(set->n + n + 1, sizeof(*list));
	order = calloc(set->n + n + 1, sizeof(*order));
	if (list == NULL || order == NULL) {
		free(list);
		free(order);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		if (!member(list, count, targets[i]))
			list[count++] = targets[i];
	if (with_dependencies)
		count = add_dependencies(set, list, count);
	/* Kahn's order: take, in the given order, one no remaining member links against. */
	while (done < count) {
		size_t pick = count;

		for (size_t i = 0; i < count && pick == count; i++) {
			bool used = false;

			if (list[i] == NULL)
				continue;
			for (size_t j = 0; j < count && !used; j++)
				used = j != i && list[j] != NULL && links_against(list[j], list[i]->fileid);
			if (!used)
				pick = i;
		}
		if (pick == count)	/* a cycle cannot be loaded; take the first left */
			for (pick = 0; list[pick] == NULL; pick++)
				;
		order[done++] = list[pick];
		list[pick] = NULL;
	}
	free(list);
	*out = order;
	*nout = count;
	return 0;
}
