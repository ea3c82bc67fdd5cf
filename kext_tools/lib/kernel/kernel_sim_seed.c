/*
 * A new sim kernel as a copy of a real one: the modules and interfaces the
 * real kernel has built in, from one of
 *
 * - the linker.hints kldxref(8) wrote beside it: its records whose file is
 *   "kernel" (spec freebsd-kld.md §3.2: "MODULE if_tun in kernel", "VERSION
 *   kernel.1001000 in kernel") become registered modules and provided
 *   versions;
 * - the kernel file itself: the MODULE and VERSION records of its module
 *   metadata, the same that kldxref reads to write those hints records;
 * - a saved `kldstat -v` listing: the modules file 1 (the kernel) "Contains"
 *   (spec §5.2; both the 10.1 and the current layout). kldstat shows no
 *   MODULE_VERSIONs, so this gives registered modules only.
 *
 * VERSION kernel.N gives the kernel's __FreeBSD_version unless the caller
 * chose one.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_sim.h"
#include "kext/error.h"
#include "kext/file_read.h"
#include "kext/hints.h"
#include "kext/kmod.h"

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

/* The version a seed says the kernel is; 0 when it does not say. */
static void
set_osreldate(struct sim_state *st, struct sim_file *k, int osreldate, bool keep)
{
	if (osreldate == 0 || keep)
		return;
	st->osreldate = osreldate;
	for (size_t i = 0; i < k->num_versions; i++)
		if (strcmp(k->versions[i].name, "kernel") == 0)
			k->versions[i].version = osreldate;	/* sim_state_init's */
}

static int
seed_hints(struct sim_state *st, struct sim_file *k, const char *path, bool keep,
    kext_error *err)
{
	struct hints_file *hf;
	int rc = 0, osreldate = 0;
	size_t kernel_records = 0;

	if (hints_open(path, &hf, err) != 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < hf->num_records; i++) {
		const struct hints_record *r = &hf->records[i];

		if (r->kldfile == NULL || strcmp(r->kldfile, "kernel") != 0)
			continue;
		kernel_records++;
		if (r->type == HINTS_MODULE)
			rc = add_module(st, k, r->name, err);
		else if (r->type == HINTS_VERSION && strcmp(r->name, "kernel") == 0)
			osreldate = r->version;
		else if (r->type == HINTS_VERSION)
			rc = add_version(k, r->name, r->version, err);
	}
	hints_free(hf);
	if (rc != 0)
		return -1;
	if (kernel_records == 0)
		return kext_fail(err, EINVAL, "no record names the file \"kernel\": not the "
		    "linker.hints of a kernel directory (/boot/kernel)");
	set_osreldate(st, k, osreldate, keep);
	return 0;
}

static int
seed_kernel_file(struct sim_state *st, struct sim_file *k, const char *path, bool keep,
    kext_error *err)
{
	struct kmod_file *kf;
	int rc = 0, osreldate = 0;

	if (kmod_open(path, &kf, err) != 0)
		return -1;
	if (kf->e_type != 2 || kf->os != KMOD_OS_FREEBSD || !kf->has_metadata) {
		kmod_free(kf);
		return kext_fail(err, EINVAL, "not a FreeBSD kernel file (an ET_EXEC with module "
		    "metadata)");
	}
	for (size_t i = 0; rc == 0 && i < kf->num_records; i++) {
		const struct kmod_record *r = &kf->records[i];

		if (r->type == KMOD_MODULE)
			rc = add_module(st, k, r->u.module.name, err);
		else if (r->type == KMOD_VERSION && strcmp(r->u.version.name, "kernel") == 0)
			osreldate = r->u.version.version;
		else if (r->type == KMOD_VERSION)
			rc = add_version(k, r->u.version.name, r->u.version.version, err);
	}
	kmod_free(kf);
	if (rc != 0)
		return -1;
	set_osreldate(st, k, osreldate, keep);
	return 0;
}

/*
 * kldstat -v: a file row starts with its id (" 1   35 0xffffffff80200000 ..."),
 * its modules follow as "<TAB><TAB><id> <name>" after "<TAB>Contains modules:"
 * and "<TAB><TAB>[ ]Id Name". Only file 1's modules are the kernel's.
 */
static int
seed_kldstat(struct sim_state *st, struct sim_file *k, const char *text, size_t len,
    kext_error *err)
{
	bool in_kernel = false, seen_kernel = false;
	size_t modules = 0;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		char line[1100], name[1025];
		int id;

		if (n >= sizeof(line))
			return kext_fail(err, EINVAL, "a line longer than %zu bytes", sizeof(line) - 1);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL);
		if (line[0] != '\t' && sscanf(line, "%d", &id) == 1) {
			in_kernel = id == SIM_KERNEL_ID;	/* a file row */
			seen_kernel |= in_kernel;
		} else if (in_kernel && line[0] == '\t' && line[1] == '\t' &&
		    sscanf(line, " %d %1024s", &id, name) == 2) {
			if (add_module(st, k, name, err) != 0)
				return -1;
			modules++;
		}
	}
	if (!seen_kernel || modules == 0)
		return kext_fail(err, EINVAL, "no modules listed under file 1 (the kernel): not "
		    "the output of kldstat -v");
	return 0;
}

int
sim_seed(struct sim_state *st, const char *variable, const char *path, bool keep_osreldate,
    kext_error *err)
{
	struct sim_file *k = sim_state_find_file(st, SIM_KERNEL_ID);
	uint8_t *buf;
	size_t len;
	int rc;

	if (strcmp(variable, "KEXT_SIM_KLDSTAT") == 0) {
		if (kext_file_read_all(path, SIM_KLDSTAT_MAX_BYTES, "larger than a kldstat listing "
		    "can be", &buf, &len, err) != 0)
			return kext_fail_prefix(err, "%s: ", variable);
		rc = seed_kldstat(st, k, (const char *)buf, len, err);
		free(buf);
	} else if (strcmp(variable, "KEXT_SIM_KERNEL_FILE") == 0) {
		rc = seed_kernel_file(st, k, path, keep_osreldate, err);
	} else {
		rc = seed_hints(st, k, path, keep_osreldate, err);
	}
	if (rc != 0 && strncmp(err->msg, path, strlen(path)) != 0)
		kext_fail_prefix(err, "%s: ", path);
	return rc != 0 ? kext_fail_prefix(err, "%s: ", variable) : 0;
}
