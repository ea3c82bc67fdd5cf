/*
 * The "freebsd" kernel backend: the running kernel through the kld system
 * calls (spec freebsd-kld.md §4, §6, §7).
 *
 * Status: written from the man pages (kldload(2), kldunload(2), kldfind(2),
 * kldnext(2), kldstat(2), kldfirstmod(2), modfnext(2), modstat(2),
 * modfind(2), sysctl(3)) and the struct layouts in the spec, and checked
 * against the FreeBSD prototypes of sys/linker.h and sys/module.h by eye.
 * It has NOT yet been compiled or run on FreeBSD: the ci/ VM smoke test is
 * where it gets verified. Only the non-FreeBSD branch at the end is built
 * and tested on Linux.
 *
 * Differences from the bare syscalls, to match the sim backend:
 *   - unload refuses (EBUSY) a file whose refs > 1: kldunload(2) would
 *     return 0 and only drop a reference, leaving the file loaded;
 *   - failures carry the kernel's message lines, diffed from kern.msgbuf.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_backend.h"

#ifdef __FreeBSD__

#include <sys/param.h>
#include <sys/linker.h>
#include <sys/module.h>
#include <sys/stat.h>
#include <sys/sysctl.h>

#define MAX_FILES 65536		/* bounds the kldnext walk */
#define MAX_MODULES 65536	/* bounds each modfnext walk */
#define LIST_RETRIES 4		/* a file unloaded mid-walk restarts the listing */

struct fbsd {
	char *before;		/* kern.msgbuf snapshot taken before a call */
	size_t before_len;
};

static void
snapshot_msgbuf(struct fbsd *f)
{
	free(f->before);
	f->before = kernel_msgbuf_read(&f->before_len);
}

/* Fails with code, appending the kernel's lines added since the snapshot. */
static int
__attribute__((format(printf, 4, 5)))
fail_with_kernel_lines(struct fbsd *f, kext_error *err, int code, const char *fmt, ...)
{
	char what[KEXT_ERROR_MAX], lines[KEXT_ERROR_MAX / 2];
	size_t after_len = 0;
	char *after;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	lines[0] = '\0';
	after = kernel_msgbuf_read(&after_len);
	if (after != NULL)
		kernel_msgbuf_new_lines(f->before, f->before_len, after, after_len, lines,
		    sizeof(lines));
	free(after);
	free(f->before);
	f->before = NULL;
	if (lines[0] != '\0')
		return kext_fail(err, code, "%s; kernel: %s", what, lines);
	return kext_fail(err, code, "%s", what);
}

static int
fbsd_osreldate(void *impl, int *osreldate, kext_error *err)
{
	size_t len = sizeof(*osreldate);

	(void)impl;
	if (sysctlbyname("kern.osreldate", osreldate, &len, NULL, 0) != 0)
		return kext_fail(err, errno, "sysctl kern.osreldate: %s", strerror(errno));
	return 0;
}

/* hw.machine_arch is MACHINE_ARCH: "amd64", "aarch64", "armv7", "powerpc64le"... */
static int
fbsd_arch(void *impl, char *buf, size_t len, kext_error *err)
{
	(void)impl;
	if (sysctlbyname("hw.machine_arch", buf, &len, NULL, 0) != 0)
		return kext_fail(err, errno, "sysctl hw.machine_arch: %s", strerror(errno));
	return 0;
}

static int
fbsd_bootfile(void *impl, char *buf, size_t len, kext_error *err)
{
	(void)impl;
	if (sysctlbyname("kern.bootfile", buf, &len, NULL, 0) != 0)
		return kext_fail(err, errno, "sysctl kern.bootfile: %s", strerror(errno));
	return 0;
}

/*
 * kern_kldload and kern_kldunload (sys/kern/kern_linker.c) both answer EPERM
 * from securelevel_gt(cred, 0) and from priv_check(PRIV_KLD_LOAD/UNLOAD),
 * which fails for non-root users and inside jails.
 */
static const char privilege_explanation[] =
    "not permitted (needs root outside a jail, securelevel <= 0)";

/* kldload(8)'s wording for the common failures. */
static const char *
load_explanation(int code)
{
	switch (code) {
	case EEXIST:
		return "module already loaded or in kernel";
	case ENOEXEC:
		return "the kernel could not link the module (see the kernel lines)";
	case EPERM:
		return privilege_explanation;
	default:
		return strerror(code);
	}
}

/*
 * kldload(2) takes a file name, not a descriptor: the name must still lead
 * to the file the caller opened and checked. Checked as late as possible;
 * what remains between this and the kernel's own open is a rename inside
 * folders that authentication requires to be root's (kextload(8), SECURITY).
 */
static int
same_file(int fd, const char *path, kext_error *err)
{
	struct stat opened, named;

	if (fstat(fd, &opened) != 0)
		return kext_fail(err, errno, "kldload %s: %s", path, strerror(errno));
	if (lstat(path, &named) != 0)
		return kext_fail(err, errno, "kldload %s: %s", path, strerror(errno));
	if (opened.st_dev != named.st_dev || opened.st_ino != named.st_ino)
		return kext_fail(err, ESTALE, "kldload %s: the file was replaced after it was "
		    "checked; not loading it", path);
	return 0;
}

static int
fbsd_load(void *impl, int fd, const char *path, int *fileid, kext_error *err)
{
	struct fbsd *f = impl;
	int id, saved;

	if (fd >= 0 && same_file(fd, path, err) != 0)
		return -1;
	snapshot_msgbuf(f);
	if ((id = kldload(path)) < 0) {
		saved = errno;
		return fail_with_kernel_lines(f, err, saved, "kldload %s: %s (%s)", path,
		    load_explanation(saved), strerror(saved));
	}
	free(f->before);
	f->before = NULL;
	*fileid = id;
	return 0;
}

static int
stat_file(int fileid, struct kld_file_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->version = sizeof(*st);	/* v2: with pathname */
	return kldstat(fileid, st);
}

static int
fbsd_unload(void *impl, int fileid, bool force, kext_error *err)
{
	struct fbsd *f = impl;
	struct kld_file_stat st;
	int saved;

	if (stat_file(fileid, &st) != 0)
		return kext_fail(err, errno, "kldunload: file id %d: %s", fileid, strerror(errno));
	if (fileid != 1 && st.refs > 1)
		return kext_fail(err, EBUSY, "kldunload %s (id %d): in use by other loaded files "
		    "(refs %d); unload the files that depend on it first", st.name, fileid, st.refs);
	snapshot_msgbuf(f);
	if (kldunloadf(fileid, force ? LINKER_UNLOAD_FORCE : LINKER_UNLOAD_NORMAL) != 0) {
		saved = errno;
		if (saved == EPERM)
			return fail_with_kernel_lines(f, err, saved, "kldunload %s (id %d): %s (%s)",
			    st.name, fileid, privilege_explanation, strerror(saved));
		return fail_with_kernel_lines(f, err, saved, "kldunload %s (id %d): %s", st.name,
		    fileid, strerror(saved));
	}
	free(f->before);
	f->before = NULL;
	return 0;
}

static int
fbsd_find_file(void *impl, const char *name, int *fileid, kext_error *err)
{
	int id = kldfind(name);

	(void)impl;
	if (id < 0)
		return kext_fail(err, errno, "kldfind %s: %s", name,
		    errno == ENOENT ? "no such file is loaded" : strerror(errno));
	*fileid = id;
	return 0;
}

static int
fbsd_find_module(void *impl, const char *modname, int *modid, kext_error *err)
{
	int id = modfind(modname);

	(void)impl;
	if (id < 0)
		return kext_fail(err, errno, "modfind %s: %s", modname,
		    errno == ENOENT ? "no such module is registered" : strerror(errno));
	*modid = id;
	return 0;
}

/* The modules of one file; a module that vanished mid-walk is skipped. */
static int
list_modules(int fileid, struct kext_kld_file *out)
{
	struct module_stat ms;
	struct kext_kld_module *mods;
	int modid, n;

	for (modid = kldfirstmod(fileid), n = 0; modid > 0 && n < MAX_MODULES;
	    modid = modfnext(modid), n++) {
		memset(&ms, 0, sizeof(ms));
		ms.version = sizeof(ms);
		if (modstat(modid, &ms) != 0)
			continue;
		mods = realloc(out->modules, (out->num_modules + 1) * sizeof(*mods));
		if (mods == NULL)
			return -1;
		out->modules = mods;
		ms.name[sizeof(ms.name) - 1] = '\0';
		mods[out->num_modules].id = ms.id;
		if ((mods[out->num_modules].name = strdup(ms.name)) == NULL)
			return -1;
		out->num_modules++;
	}
	return 0;
}

/* One pass of kldnext; 1 when a file vanished under it (retry), -1 on error. */
static int
list_once(struct kext_kld_file **files, size_t *n, kext_error *err)
{
	struct kext_kld_file *out = NULL, *grown, *e;
	struct kld_file_stat st;
	size_t count = 0;
	int id;

	for (id = kldnext(0); id > 0 && count < MAX_FILES; id = kldnext(id)) {
		if (stat_file(id, &st) != 0)
			continue;	/* unloaded between kldnext and kldstat */
		if ((grown = realloc(out, (count + 1) * sizeof(*out))) == NULL)
			goto nomem;
		out = grown;
		e = &out[count++];
		memset(e, 0, sizeof(*e));
		st.name[sizeof(st.name) - 1] = '\0';
		st.pathname[sizeof(st.pathname) - 1] = '\0';
		e->id = st.id;
		e->refs = st.refs;
		e->address = (uint64_t)(uintptr_t)st.address;
		e->size = (uint64_t)st.size;
		e->name = strdup(st.name);
		e->pathname = strdup(st.pathname);
		if (e->name == NULL || e->pathname == NULL || list_modules(id, e) != 0)
			goto nomem;
	}
	if (id < 0) {
		kext_kld_files_free(out, count);
		if (errno == ENOENT)
			return 1;
		return kext_fail(err, errno, "kldnext: %s", strerror(errno));
	}
	*files = out;
	*n = count;
	return 0;
nomem:
	kext_kld_files_free(out, count);
	return kext_fail(err, ENOMEM, "kldstat: out of memory");
}

static int
fbsd_list(void *impl, struct kext_kld_file **files, size_t *n, kext_error *err)
{
	int tries, rc = 1;

	(void)impl;
	for (tries = 0; tries < LIST_RETRIES && rc == 1; tries++)
		rc = list_once(files, n, err);
	if (rc == 1)
		return kext_fail(err, EAGAIN, "kldnext: files kept changing while being listed");
	return rc;
}

static void
fbsd_close(void *impl)
{
	struct fbsd *f = impl;

	if (f == NULL)
		return;
	free(f->before);
	free(f);
}

static const struct kext_kernel_ops fbsd_ops = {
	.osreldate = fbsd_osreldate,
	.arch = fbsd_arch,
	.bootfile = fbsd_bootfile,
	.load = fbsd_load,
	.unload = fbsd_unload,
	.find_file = fbsd_find_file,
	.find_module = fbsd_find_module,
	.list = fbsd_list,
	.close = fbsd_close,
};

int
kext_kernel_freebsd_open(const struct kext_kernel_ops **ops, void **impl, kext_error *err)
{
	struct fbsd *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return kext_fail(err, ENOMEM, "freebsd kernel backend: out of memory");
	*ops = &fbsd_ops;
	*impl = f;
	return 0;
}

#else /* !__FreeBSD__ */

int
kext_kernel_freebsd_open(const struct kext_kernel_ops **ops, void **impl, kext_error *err)
{
	*ops = NULL;
	*impl = NULL;
	return kext_fail(err, EOPNOTSUPP,
	    "the freebsd kernel backend is only available on FreeBSD; use KEXT_KERNEL=sim:DIR");
}

#endif
