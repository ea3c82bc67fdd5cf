/* Unloading one loaded kext (see unload.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kext/loaded.h"
#include "kext/unload.h"

#define MAX_NAMED_DEPENDENTS 16

const char *
kext_loaded_describe(const struct kext_loaded_entry *l, char *buf, size_t len)
{
	if (l->identifier != NULL)
		snprintf(buf, len, "%s (%s, id %d)", l->identifier, l->file_name, l->fileid);
	else
		snprintf(buf, len, "%s (id %d)", l->file_name, l->fileid);
	return buf;
}

int
kext_unload(struct kext_kernel *k, const struct kext_loaded_set *set,
    const struct kext_loaded_entry *target, kext_error *err)
{
	return kext_unload_forced(k, set, target, false, err);
}

int
kext_unload_forced(struct kext_kernel *k, const struct kext_loaded_set *set,
    const struct kext_loaded_entry *target, bool force, kext_error *err)
{
	const struct kext_loaded_entry *deps[MAX_NAMED_DEPENDENTS];
	char who[512], names[KEXT_ERROR_MAX / 2] = "", one[512];
	size_t n;
	kext_error kerr;

	kext_loaded_describe(target, who, sizeof(who));
	if (target->fileid == 1)
		return kext_fail(err, EBUSY, "%s is the running kernel; it cannot be unloaded", who);
	n = kext_loaded_dependents(set, target->fileid, deps, MAX_NAMED_DEPENDENTS);
	if (n > 0) {
		for (size_t i = 0; i < n && i < MAX_NAMED_DEPENDENTS; i++) {
			if (i > 0)
				strlcat(names, ", ", sizeof(names));
			strlcat(names, kext_loaded_describe(deps[i], one, sizeof(one)),
			    sizeof(names));
		}
		return kext_fail(err, EBUSY, "cannot unload %s: %zu loaded kext%s depend%s on it: "
		    "%s%s; unload %s first", who, n, n == 1 ? "" : "s", n == 1 ? "s" : "", names,
		    n > MAX_NAMED_DEPENDENTS ? ", ..." : "", n == 1 ? "it" : "them");
	}
	if (kext_kernel_unload(k, target->fileid, force, &kerr) == 0)
		return 0;
	if (kerr.code == EBUSY)
		return kext_fail(err, EBUSY, "%s refused to unload: its module answered EBUSY "
		    "(Device busy) and stays loaded; %s", who, kerr.msg);
	return kext_fail(err, kerr.code, "cannot unload %s: %s", who, kerr.msg);
}

/*
 * Nothing loaded is the kext's, by the one identity rule (loaded.h). A file
 * of its executable's name may still be loaded from elsewhere; say so, since
 * that is what kldunload(8) would unload and what blocks kextload.
 */
int
kext_unload_not_loaded(const struct kext_loaded_set *set, const char *identifier,
    const char *executable, kext_error *err)
{
	const struct kext_loaded_entry *other =
	    executable != NULL ? kext_loaded_file_named(set, executable) : NULL;
	char who[512];

	if (other == NULL)
		return kext_fail(err, ENOENT, "%s is not loaded", identifier);
	return kext_fail(err, ENOENT, "%s is not loaded; %s is loaded from %s, which is not "
	    "this kext's executable, so it is left alone (kldunload(8) unloads it)", identifier,
	    kext_loaded_describe(other, who, sizeof(who)),
	    other->pathname != NULL ? other->pathname : "an unknown path");
}

size_t
kext_unload_departed(const struct kext_loaded_set *before, const struct kext_loaded_set *after,
    const struct kext_loaded_entry **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < before->n; i++) {
		if (kext_loaded_by_fileid(after, before->items[i].fileid) != NULL)
			continue;
		if (n < max)
			out[n] = &before->items[i];
		n++;
	}
	return n;
}
