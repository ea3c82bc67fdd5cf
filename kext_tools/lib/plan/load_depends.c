/*
 * Before any kernel call: can every MODULE_DEPEND of a file about to be
 * loaded be met? FreeBSD's kernel linker matches a dependency only against
 * versions registered from MODULE_VERSION (MDT_VERSION records): in
 * kern_linker.c, linker_addmodules() and linker_load_dependencies() add a
 * module to the list dependencies are looked up in (modlist_newmodule) for
 * MDT_VERSION records alone, while kern_module.c's module_register() records
 * a DECLARE_MODULE name with no version at all. A module that is registered
 * but declares no MODULE_VERSION (upstream's mach.ko) can therefore never
 * meet MODULE_DEPEND(x, mach, 1, 1, 1); the kernel would only answer
 * ENOEXEC and "KLD x.ko: depends on mach - not available or version
 * mismatch" in dmesg. Here the refusal names both modules, the version asked
 * for and what the provider has instead.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kext/fbsd_version.h"
#include "kext/loaded.h"
#include "kext/map.h"
#include "plan_internal.h"

/* A version an earlier step of this load provides, on the list of its name. */
struct step_version {
	int version;
	struct step_version *next;
};

void
load_provided_free(void *list)
{
	for (struct step_version *v = list, *next; v != NULL; v = next) {
		next = v->next;
		free(v);
	}
}

/* Only the first record of a name counts, as kmod_find_version finds it. */
int
load_provided_add(struct kext_map *provided, const struct kmod_file *kf)
{
	for (size_t i = 0; i < kf->num_records; i++) {
		const struct kmod_version *v = &kf->records[i].u.version;
		struct step_version *sv;
		void **slot;

		if (kf->records[i].type != KMOD_VERSION || kmod_find_version(kf, v->name) != v)
			continue;
		if ((slot = kext_map_slot(provided, v->name, true)) == NULL ||
		    (sv = malloc(sizeof(*sv))) == NULL)
			return -1;
		sv->version = v->version;
		sv->next = *slot;
		*slot = sv;
	}
	return 0;
}

static bool
step_provides(const struct kext_map *provided, const struct kmod_depend *d)
{
	for (const struct step_version *v = kext_map_get(provided, d->name); v != NULL; v = v->next)
		if (kext_fbsd_version_accepts(d->min, d->pref, d->max, v->version))
			return true;
	return false;
}

static bool
registers(const struct kmod_file *kf, const char *name)
{
	for (size_t i = 0; kf != NULL && i < kf->num_records; i++)
		if (kf->records[i].type == KMOD_MODULE &&
		    strcmp(kf->records[i].u.module.name, name) == 0)
			return true;
	return false;
}

/* A file that has module name, but not at a version the dependency accepts. */
struct near_miss {
	const char *who;	/* its kext's identifier, else its file name */
	const char *path;	/* its module file */
	int fileid;		/* 0: in this load, not loaded yet */
	const struct kmod_version *version;	/* NULL: registers name, declares no version */
};

static bool
near_miss(const struct kmod_file *kf, const char *name, struct near_miss *out)
{
	if (kf == NULL)
		return false;
	out->version = kmod_find_version(kf, name);
	return out->version != NULL || registers(kf, name);
}

static bool
find_near_miss(const struct kext_load_step *steps, struct kmod_file *const *kfs, size_t step,
    const struct kext_loaded_set *set, const char *name, struct near_miss *out)
{
	for (size_t j = 1; j < set->n; j++) {
		const struct kext_loaded_entry *l = &set->items[j];

		if (near_miss(l->kf, name, out)) {
			out->who = l->identifier ? l->identifier : l->file_name;
			out->path = l->pathname ? l->pathname : l->file_name;
			out->fileid = l->fileid;
			return true;
		}
	}
	for (size_t j = 0; j < step; j++) {
		if (near_miss(kfs[j], name, out)) {
			out->who = steps[j].identifier;
			out->path = steps[j].executable;
			out->fileid = 0;
			return true;
		}
	}
	return false;
}

/* The module that asks: its first DECLARE_MODULE, else its file. */
static const char *
asker(const struct kmod_file *kf)
{
	const struct kmod_module *m = kmod_first_module(kf);
	const char *slash = strrchr(kf->path, '/');

	return m != NULL ? m->name : slash ? slash + 1 : kf->path;
}

static int
refuse(const struct kext_load_step *s, const struct kmod_file *kf, const struct kmod_depend *d,
    const struct near_miss *m, kext_error *err)
{
	char where[64] = "in this load";

	if (m->fileid != 0)
		snprintf(where, sizeof(where), "loaded, id %d", m->fileid);
	if (m->version == NULL)
		return kext_fail(err, ENOEXEC, "%s (%s): module %s depends on %s version %d "
		    "(MODULE_DEPEND accepts %d..%d), but %s (%s, %s) declares module %s without "
		    "MODULE_VERSION; FreeBSD registers a module's version only from MODULE_VERSION, "
		    "so the kernel would refuse this load; it needs a %s built with "
		    "MODULE_VERSION(%s, %d)", s->identifier, s->bundle_path, asker(kf), d->name,
		    d->pref, d->min, d->max, m->who, m->path, where, d->name, d->name, d->name,
		    d->pref);
	return kext_fail(err, ENOEXEC, "%s (%s): module %s depends on %s version %d "
	    "(MODULE_DEPEND accepts %d..%d), but %s (%s, %s) provides %s version %d; the kernel "
	    "would refuse this load", s->identifier, s->bundle_path, asker(kf), d->name, d->pref,
	    d->min, d->max, m->who, m->path, where, d->name, m->version->version);
}

/*
 * Each MODULE_DEPEND must be met by a loaded file, a file loaded earlier in
 * this plan (provided), or the kernel's built-in modules.
 */
int
load_check_depends(const struct kext_load_step *steps, struct kmod_file *const *kfs,
    size_t step, const struct kext_map *provided, const struct kext_loaded_set *set,
    kext_error *err)
{
	const struct kext_load_step *s = &steps[step];
	const struct kmod_file *kf = kfs[step];

	for (size_t i = 0; i < kf->num_records; i++) {
		const struct kmod_depend *d = &kf->records[i].u.depend;
		struct near_miss miss;
		bool in_kernel;

		if (kf->records[i].type != KMOD_DEPEND || strcmp(d->name, "kernel") == 0 ||
		    kmod_find_version(kf, d->name) != NULL)
			continue;
		/* hashed look-ups: a load of N kexts stays linear */
		if (kext_loaded_provider(set, d) != NULL || step_provides(provided, d))
			continue;
		if (find_near_miss(steps, kfs, step, set, d->name, &miss))
			return refuse(s, kf, d, &miss, err);
		/* Built into the kernel; when that cannot be known, the kernel decides. */
		if (kext_loaded_kernel_provides(set, d, &in_kernel) != 0)
			continue;
		if (in_kernel)
			return kext_fail(err, ENOEXEC, "%s (%s): module %s needs %s version %d "
			    "(accepts %d..%d); the kernel has module %s built in without "
			    "MODULE_VERSION, and FreeBSD matches MODULE_DEPEND only against "
			    "MODULE_VERSION, so the kernel would refuse this load",
			    s->identifier, s->bundle_path, asker(kf), d->name, d->pref, d->min,
			    d->max, d->name);
		return kext_fail(err, ENOEXEC, "%s (%s): module %s needs %s version %d "
		    "(accepts %d..%d), which no loaded file and no kext in this load provides; "
		    "add the kext that has it to OSBundleLibraries or load it first",
		    s->identifier, s->bundle_path, asker(kf), d->name, d->pref, d->min, d->max);
	}
	return 0;
}
