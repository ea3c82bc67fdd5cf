/* Kernel backend selection and the calls every backend answers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_backend.h"

#define SIM_PREFIX "sim:"

struct kext_kernel {
	const struct kext_kernel_ops *ops;
	void *impl;
	char *name;
};

/* Which text selected the backend, for error messages. */
static const char *
spec_origin(const char *given)
{
	return given != NULL ? "kernel backend" : "KEXT_KERNEL";
}

static int
host_default_spec(const char **spec, kext_error *err)
{
#ifdef __FreeBSD__
	(void)err;
	*spec = "freebsd";
	return 0;
#else
	*spec = NULL;
	return kext_fail(err, EOPNOTSUPP,
	    "no kernel backend for this host: FreeBSD modules can only be loaded on FreeBSD; "
	    "set KEXT_KERNEL=sim:DIR to use the simulated FreeBSD kernel kept in DIR, or "
	    "KEXT_KERNEL=linux to load Linux modules into the running Linux kernel");
#endif
}

int
kext_kernel_open(const char *spec, struct kext_kernel **out, kext_error *err)
{
	const char *given = spec;
	struct kext_kernel *k;
	int rc;

	*out = NULL;
	if (spec == NULL) {
		spec = getenv("KEXT_KERNEL");
		if (spec == NULL || spec[0] == '\0') {
			if (host_default_spec(&spec, err) != 0)
				return -1;
		}
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL || (k->name = strdup(spec)) == NULL) {
		free(k);
		return kext_fail(err, ENOMEM, "%s: out of memory", spec);
	}
	if (strcmp(spec, "freebsd") == 0) {
		rc = kext_kernel_freebsd_open(&k->ops, &k->impl, err);
	} else if (strcmp(spec, "linux") == 0) {
		rc = kext_kernel_linux_open(&k->ops, &k->impl, err);
	} else if (strncmp(spec, SIM_PREFIX, strlen(SIM_PREFIX)) == 0) {
		const char *dir = spec + strlen(SIM_PREFIX);

		if (dir[0] == '\0')
			rc = kext_fail(err, EINVAL,
			    "%s '%s': expected a directory after 'sim:' (sim:DIR)",
			    spec_origin(given), spec);
		else
			rc = kext_kernel_sim_open(dir, &k->ops, &k->impl, err);
	} else {
		rc = kext_fail(err, EINVAL,
		    "%s '%s': unknown kernel backend: expected 'freebsd', 'linux' or 'sim:DIR'",
		    spec_origin(given), spec);
	}
	if (rc != 0) {
		free(k->name);
		free(k);
		return -1;
	}
	*out = k;
	return 0;
}

int
kext_kernel_spec_check(const char *spec, kext_error *err)
{
	const char *given = spec;

	if (spec == NULL && ((spec = getenv("KEXT_KERNEL")) == NULL || spec[0] == '\0'))
		return 0;
	if (strcmp(spec, "freebsd") == 0 || strcmp(spec, "linux") == 0 ||
	    (strncmp(spec, SIM_PREFIX, strlen(SIM_PREFIX)) == 0 &&
	    spec[strlen(SIM_PREFIX)] != '\0'))
		return 0;
	return kext_fail(err, EINVAL, "%s '%s': unknown kernel backend: expected 'freebsd', "
	    "'linux' or 'sim:DIR' (a kernel file for kextutil goes with -k FILE)",
	    spec_origin(given), spec);
}

const char *
kext_kernel_name(const struct kext_kernel *k)
{
	return k->name;
}

bool
kext_kernel_is_simulated(const struct kext_kernel *k)
{
	return strncmp(k->name, SIM_PREFIX, strlen(SIM_PREFIX)) == 0;
}

enum kmod_os
kext_kernel_os(const struct kext_kernel *k)
{
	return strcmp(k->name, "linux") == 0 ? KMOD_OS_LINUX : KMOD_OS_FREEBSD;
}

int
kext_kernel_osreldate(struct kext_kernel *k, int *osreldate, kext_error *err)
{
	return k->ops->osreldate(k->impl, osreldate, err);
}

int
kext_kernel_arch(struct kext_kernel *k, char *buf, size_t len, kext_error *err)
{
	if (len > 0)
		buf[0] = '\0';
	return k->ops->arch != NULL ? k->ops->arch(k->impl, buf, len, err) : 0;
}

int
kext_kernel_bootfile(struct kext_kernel *k, char *buf, size_t len, kext_error *err)
{
	if (len > 0)
		buf[0] = '\0';
	return k->ops->bootfile != NULL ? k->ops->bootfile(k->impl, buf, len, err) : 0;
}

int
kext_kernel_load(struct kext_kernel *k, const char *path, int *fileid, kext_error *err)
{
	*fileid = 0;
	if (path == NULL || path[0] == '\0')
		return kext_fail(err, ENOENT, "%s: kldload: empty file name", k->name);
	return k->ops->load(k->impl, -1, path, fileid, err);
}

int
kext_kernel_load_fd(struct kext_kernel *k, int fd, const char *path, int *fileid,
    kext_error *err)
{
	*fileid = 0;
	if (fd < 0 || path == NULL || path[0] == '\0')
		return kext_fail(err, EBADF, "%s: kldload: no open file", k->name);
	return k->ops->load(k->impl, fd, path, fileid, err);
}

int
kext_kernel_unload(struct kext_kernel *k, int fileid, bool force, kext_error *err)
{
	return k->ops->unload(k->impl, fileid, force, err);
}

int
kext_kernel_find_file(struct kext_kernel *k, const char *name_or_path, int *fileid,
    kext_error *err)
{
	*fileid = 0;
	if (name_or_path == NULL || name_or_path[0] == '\0')
		return kext_fail(err, ENOENT, "%s: kldfind: empty file name", k->name);
	return k->ops->find_file(k->impl, name_or_path, fileid, err);
}

int
kext_kernel_find_module(struct kext_kernel *k, const char *modname, int *modid,
    kext_error *err)
{
	*modid = 0;
	if (modname == NULL || modname[0] == '\0')
		return kext_fail(err, ENOENT, "%s: modfind: empty module name", k->name);
	return k->ops->find_module(k->impl, modname, modid, err);
}

int
kext_kernel_list(struct kext_kernel *k, struct kext_kld_file **files, size_t *n,
    kext_error *err)
{
	*files = NULL;
	*n = 0;
	return k->ops->list(k->impl, files, n, err);
}

void
kext_kld_files_free(struct kext_kld_file *files, size_t n)
{
	size_t i, j;

	if (files == NULL)
		return;
	for (i = 0; i < n; i++) {
		for (j = 0; j < files[i].num_modules; j++)
			free(files[i].modules[j].name);
		free(files[i].modules);
		for (j = 0; j < files[i].num_versions; j++)
			free(files[i].versions[j].name);
		free(files[i].versions);
		free(files[i].name);
		free(files[i].pathname);
	}
	free(files);
}

void
kext_kernel_close(struct kext_kernel *k)
{
	if (k == NULL)
		return;
	k->ops->close(k->impl);
	free(k->name);
	free(k);
}
