/*
 * A new sim kernel as a copy of a real one: the modules and interfaces the
 * real kernel has built in, from the linker.hints kldxref(8) wrote beside it.
 * Its records whose file is "kernel" (spec freebsd-kld.md §3.2: "MODULE
 * if_tun in kernel", "VERSION kernel.1001000 in kernel") become the sim
 * kernel's registered modules and provided versions; VERSION kernel.N gives
 * its __FreeBSD_version unless the caller chose one.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_sim.h"
#include "kext/hints.h"

static bool
has_module(const struct sim_file *k, const char *name)
{
	for (size_t i = 0; i < k->num_modules; i++)
		if (strcmp(k->modules[i].name, name) == 0)
			return true;
	return false;
}

static bool
has_version(const struct sim_file *k, const char *name, int version)
{
	for (size_t i = 0; i < k->num_versions; i++)
		if (strcmp(k->versions[i].name, name) == 0 && k->versions[i].version == version)
			return true;
	return false;
}

static int
add_module(struct sim_state *st, struct sim_file *k, const char *name, kext_error *err)
{
	struct sim_module *m;

	if (has_module(k, name))
		return 0;
	if (k->num_modules >= SIM_MAX_RECORDS || st->next_module_id >= SIM_MAX_ID)
		return kext_fail(err, ENOSPC, "more than %d built-in modules", SIM_MAX_RECORDS);
	if ((m = realloc(k->modules, (k->num_modules + 1) * sizeof(*m))) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	k->modules = m;
	if ((m[k->num_modules].name = strdup(name)) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	m[k->num_modules++].id = st->next_module_id++;
	return 0;
}

static int
add_version(struct sim_file *k, const char *name, int version, kext_error *err)
{
	struct sim_version *v;

	if (has_version(k, name, version))
		return 0;
	if (k->num_versions >= SIM_MAX_RECORDS)
		return kext_fail(err, ENOSPC, "more than %d built-in versions", SIM_MAX_RECORDS);
	if ((v = realloc(k->versions, (k->num_versions + 1) * sizeof(*v))) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	k->versions = v;
	if ((v[k->num_versions].name = strdup(name)) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	v[k->num_versions++].version = version;
	return 0;
}

int
sim_seed_hints(struct sim_state *st, const char *path, bool keep_osreldate, kext_error *err)
{
	struct sim_file *k = sim_state_find_file(st, SIM_KERNEL_ID);
	struct hints_file *hf;
	int rc = 0, osreldate = 0;

	if (hints_open(path, &hf, err) != 0)
		return kext_fail_prefix(err, "KEXT_SIM_HINTS: ");
	for (size_t i = 0; rc == 0 && i < hf->num_records; i++) {
		const struct hints_record *r = &hf->records[i];

		if (r->kldfile == NULL || strcmp(r->kldfile, "kernel") != 0)
			continue;
		if (r->type == HINTS_MODULE)
			rc = add_module(st, k, r->name, err);
		else if (r->type == HINTS_VERSION && strcmp(r->name, "kernel") == 0)
			osreldate = r->version;
		else if (r->type == HINTS_VERSION)
			rc = add_version(k, r->name, r->version, err);
	}
	hints_free(hf);
	if (rc != 0)
		return kext_fail_prefix(err, "KEXT_SIM_HINTS=%s: ", path);
	if (osreldate == 0 && k->num_modules + k->num_versions == 1)
		return kext_fail(err, EINVAL, "KEXT_SIM_HINTS=%s: no record names the file "
		    "\"kernel\": not the linker.hints of a kernel directory (/boot/kernel)", path);
	if (osreldate != 0 && !keep_osreldate) {
		st->osreldate = osreldate;
		k->versions[0].version = osreldate;	/* sim_state_init's "kernel" */
	}
	return 0;
}
