/*
 * The "linux" kernel backend: the running Linux kernel through
 * finit_module(2) and delete_module(2), listed from /proc/modules.
 *
 * File ids: 1 is the kernel; loaded modules get 2, 3, ... in load order
 * (/proc/modules lists the newest first; we number from the oldest). An id
 * is therefore stable while no older module is unloaded: enough within one
 * tool run (each tool lists, then acts at once), and a load's rollback
 * unloads newest first, which never renumbers the files it still has to
 * unload. Ids are not kept across runs; do not store them.
 *
 * State file ($KEXT_LINUX_STATE, default /run/kext/loaded): what kextload
 * loaded, one "module<TAB>absolute path of the .ko" line each, so a loaded
 * module leads back to its bundle the way a kld's pathname does on FreeBSD.
 * Written beside and renamed into place; entries of modules no longer in
 * /proc/modules are pruned whenever the list is read by a process that may
 * write the file. Modules loaded by other means are listed with no pathname.
 * Each change holds flock(LOCK_EX) on "<state>.lock", so concurrent kextloads
 * keep each other's entries.
 *
 * refs is 1 + the kernel's reference count, as kldstat's refs are 1 + one per
 * dependent file, and unload refuses (EBUSY) while it is above 1, naming the
 * users /proc/modules lists. Failures carry the kernel's own lines, read
 * from /dev/kmsg (records after the call), when that device can be read.
 *
 * For tests, $KEXT_LINUX_PROC_MODULES names another file to list from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_backend.h"

#ifdef __linux__

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <unistd.h>

#include "kext/fs.h"

#define DEFAULT_STATE		"/run/kext/loaded"
#define PROC_MODULES		"/proc/modules"
#define MAX_PROC_BYTES		((size_t)8 << 20)
#define MAX_LOADED		16384		/* modules listed */
#define MAX_STATE_ENTRIES	4096
#define STATE_HEADER		"# kext linux state v1: module<TAB>path\n"

struct state_entry {
	char *name;
	char *path;
};

struct lnx {
	char *state_path;
	const char *proc_path;
	int kmsg;		/* /dev/kmsg positioned before the last call, or -1 */
};

/* --- small helpers --------------------------------------------------------- */

static char *
read_bounded(const char *path, size_t max, size_t *len, int *code)
{
	char *buf = NULL, *grown;
	size_t used = 0, cap = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*len = 0;
	if (fd < 0) {
		*code = errno;
		return NULL;
	}
	for (;;) {
		if (cap - used < 4096) {
			if (cap >= max) {
				free(buf);
				close(fd);
				*code = EFBIG;
				return NULL;
			}
			cap = cap ? cap * 2 : 16384;
			if ((grown = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				close(fd);
				*code = ENOMEM;
				return NULL;
			}
			buf = grown;
		}
		r = read(fd, buf + used, cap - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*code = errno;
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		used += (size_t)r;
	}
	close(fd);
	buf[used] = '\0';
	*len = used;
	return buf;
}

/*
 * An array of *cap elements of size bytes, doubled (from 16) so that reading
 * n lines costs O(log n) reallocations, not n. NULL (array untouched) when
 * out of memory; both callers bound the count far below overflow.
 */
static void *
grow(void *array, size_t *cap, size_t size)
{
	size_t want = *cap != 0 ? *cap * 2 : 16;
	void *grown = realloc(array, want * size);

	if (grown != NULL)
		*cap = want;
	return grown;
}

/* --- /dev/kmsg: the kernel's lines about a failed call ------------------------ */

static void
kmsg_mark(struct lnx *l)
{
	if (l->kmsg < 0)
		l->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (l->kmsg >= 0 && lseek(l->kmsg, 0, SEEK_END) < 0) {
		close(l->kmsg);
		l->kmsg = -1;
	}
}

/* Records after the mark, "; "-joined into out (the newest kept when it is small). */
static void
kmsg_collect(struct lnx *l, char *out, size_t len)
{
	char rec[2048];
	ssize_t r;
	int rounds = 0;

	out[0] = '\0';
	while (l->kmsg >= 0 && rounds++ < 256) {
		r = read(l->kmsg, rec, sizeof(rec) - 1);
		if (r < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on with the next */
		if (r <= 0)
			break;
		rec[r] = '\0';
		char *msg = strchr(rec, ';');
		if (msg == NULL)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		if (strlen(out) + strlen(msg) + 3 >= len)
			out[0] = '\0';	/* keep the newest */
		if (out[0] != '\0')
			strlcat(out, "; ", len);
		strlcat(out, msg, len);
	}
}

static int
__attribute__((format(printf, 4, 5)))
fail_kernel(struct lnx *l, kext_error *err, int code, const char *fmt, ...)
{
	char what[KEXT_ERROR_MAX], lines[KEXT_ERROR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	kmsg_collect(l, lines, sizeof(lines));
	if (lines[0] != '\0')
		return kext_fail(err, code, "%s; kernel: %s", what, lines);
	return kext_fail(err, code, "%s", what);
}

/* --- the state file ------------------------------------------------------------ */

static void
state_free(struct state_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].name);
		free(e[i].path);
	}
	free(e);
}

/* A missing file is an empty state; malformed lines are skipped. */
static int
state_read(const struct lnx *l, struct state_entry **out, size_t *n, kext_error *err)
{
	size_t len;
	int code = 0;
	char *buf = read_bounded(l->state_path, (size_t)MAX_STATE_ENTRIES * (PATH_MAX + 64),
	    &len, &code), *line, *save = NULL;
	struct state_entry *e = NULL, *grown;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (buf == NULL)
		return code == ENOENT ? 0 : kext_fail(err, code, "%s: cannot read the kext state "
		    "file: %s", l->state_path, strerror(code));
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');

		if (line[0] == '#' || tab == NULL || tab == line || tab[1] != '/' ||
		    *n >= MAX_STATE_ENTRIES)
			continue;
		*tab = '\0';
		if (*n == cap) {
			if ((grown = grow(e, &cap, sizeof(*e))) == NULL)
				goto nomem;
			e = grown;
		}
		e[*n].name = strdup(line);
		e[*n].path = strdup(tab + 1);
		(*n)++;
		if (e[*n - 1].name == NULL || e[*n - 1].path == NULL)
			goto nomem;
	}
	free(buf);
	*out = e;
	return 0;
nomem:
	free(buf);
	state_free(e, *n);
	*n = 0;
	return kext_fail(err, ENOMEM, "%s: out of memory", l->state_path);
}

static int
state_write(const struct lnx *l, const struct state_entry *e, size_t n, kext_error *err)
{
	char tmp[PATH_MAX];
	FILE *fp;
	int fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", l->state_path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return kext_fail(err, ENAMETOOLONG, "%s: state file path too long", l->state_path);
	if (kext_mkdir_parent(l->state_path, "the kext state directory", err) != 0)
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
	    (fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		return kext_fail(err, saved, "%s: cannot write the kext state file: %s", tmp,
		    strerror(saved));
	}
	fputs(STATE_HEADER, fp);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s\t%s\n", e[i].name, e[i].path);
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0 || ferror(fp)) {
		saved = errno ? errno : EIO;
		fclose(fp);
		unlink(tmp);
		return kext_fail(err, saved, "%s: cannot write the kext state file: %s", tmp,
		    strerror(saved));
	}
	fclose(fp);
	if (rename(tmp, l->state_path) != 0) {
		saved = errno;
		unlink(tmp);
		return kext_fail(err, saved, "%s: cannot replace the kext state file: %s",
		    l->state_path, strerror(saved));
	}
	return 0;
}

/* Adds (replacing any entry of the same module) or, with path NULL, removes name. */
static int
state_change(const struct lnx *l, const char *name, const char *path, kext_error *err)
{
	struct state_entry *e, *grown;
	size_t n, w = 0;
	int rc;

	if (state_read(l, &e, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (kmod_linux_name_equal(e[i].name, name)) {
			free(e[i].name);
			free(e[i].path);
			continue;
		}
		e[w++] = e[i];
	}
	n = w;
	if (path != NULL) {
		if (n >= MAX_STATE_ENTRIES || (grown = realloc(e, (n + 1) * sizeof(*e))) == NULL) {
			state_free(e, n);
			return kext_fail(err, ENOMEM, "%s: too many entries or out of memory",
			    l->state_path);
		}
		e = grown;
		e[n].name = strdup(name);
		e[n].path = strdup(path);
		n++;
		if (e[n - 1].name == NULL || e[n - 1].path == NULL) {
			state_free(e, n);
			return kext_fail(err, ENOMEM, "%s: out of memory", l->state_path);
		}
	}
	rc = state_write(l, e, n, err);
	state_free(e, n);
	return rc;
}

/*
 * One read-modify-write under flock(LOCK_EX) of "<state>.lock", so two
 * kextloads at once never lose each other's entry.
 */
static int
state_update(const struct lnx *l, const char *name, const char *path, kext_error *err)
{
	char lock[PATH_MAX];
	int fd, rc;

	if (snprintf(lock, sizeof(lock), "%s.lock", l->state_path) >= (int)sizeof(lock))
		return kext_fail(err, ENAMETOOLONG, "%s: state file path too long", l->state_path);
	if (kext_mkdir_parent(l->state_path, "the kext state directory", err) != 0)
		return -1;
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return kext_fail(err, errno, "%s: %s", lock, strerror(errno));
	while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (rc != 0)
		rc = kext_fail(err, errno, "%s: cannot lock: %s", lock, strerror(errno));
	else
		rc = state_change(l, name, path, err);
	close(fd);
	return rc;
}

/* --- /proc/modules ------------------------------------------------------------- */

struct proc_module {
	char *name;
	char *users;		/* "a,b" or "" */
	uint64_t size, address;
	long refcnt;		/* -1 when the kernel prints "-" (cannot be unloaded) */
};

static void
proc_free(struct proc_module *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].users);
	}
	free(m);
}

/* "name size refcnt users state address [taints]"; newest first as the kernel lists them. */
static int
proc_read(const struct lnx *l, struct proc_module **out, size_t *n, kext_error *err)
{
	size_t len;
	int code = 0;
	char *buf = read_bounded(l->proc_path, MAX_PROC_BYTES, &len, &code), *line, *save = NULL;
	struct proc_module *m = NULL, *grown;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (buf == NULL)
		return kext_fail(err, code, "%s: cannot read the list of loaded modules: %s",
		    l->proc_path, strerror(code));
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char name[64], refs[32], users[4096], state[32], addr[32];
		unsigned long long size;
		struct proc_module *e;

		if (sscanf(line, "%63s %llu %31s %4095s %31s %31s", name, &size, refs, users,
		    state, addr) < 4)
			continue;
		if (*n >= MAX_LOADED) {
			proc_free(m, *n);
			free(buf);
			return kext_fail(err, E2BIG, "%s: more than %d modules", l->proc_path,
			    MAX_LOADED);
		}
		if (*n == cap) {
			if ((grown = grow(m, &cap, sizeof(*m))) == NULL)
				goto nomem;
			m = grown;
		}
		e = &m[(*n)++];
		memset(e, 0, sizeof(*e));
		e->size = size;
		e->refcnt = strcmp(refs, "-") == 0 ? -1 : strtol(refs, NULL, 10);
		e->address = strtoull(addr, NULL, 16);
		if (strcmp(users, "-") == 0)
			users[0] = '\0';
		len = strlen(users);
		if (len > 0 && users[len - 1] == ',')
			users[len - 1] = '\0';
		e->name = strdup(name);
		e->users = strdup(users);
		if (e->name == NULL || e->users == NULL)
			goto nomem;
	}
	free(buf);
	*out = m;
	return 0;
nomem:
	proc_free(m, *n);
	*n = 0;
	free(buf);
	return kext_fail(err, ENOMEM, "%s: out of memory", l->proc_path);
}

/* The file id of /proc/modules entry i (newest first, n entries). */
static int
id_of(size_t i, size_t n)
{
	return (int)(n - i) + 1;
}

static const char *
state_path_of(const struct state_entry *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (kmod_linux_name_equal(e[i].name, name))
			return e[i].path;
	return NULL;
}

/* Drops state entries of modules that are gone; only a writer rewrites the file. */
static void
state_prune(const struct lnx *l, const struct state_entry *e, size_t n,
    const struct proc_module *m, size_t nm)
{
	struct state_entry *keep = calloc(n + 1, sizeof(*keep));
	size_t w = 0;

	if (keep == NULL || access(l->state_path, W_OK) != 0) {
		free(keep);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		bool live = false;

		for (size_t j = 0; !live && j < nm; j++)
			live = kmod_linux_name_equal(e[i].name, m[j].name);
		if (live)
			keep[w++] = e[i];
	}
	if (w != n)
		(void)state_write(l, keep, w, NULL);	/* a cache: failing to prune is harmless */
	free(keep);
}

static int
fill_file(struct kext_kld_file *f, int id, const struct proc_module *pm, const char *path)
{
	const char *base;

	f->id = id;
	f->refs = pm->refcnt < 0 ? 1 : (int)(pm->refcnt > INT_MAX - 1 ? INT_MAX : pm->refcnt + 1);
	f->address = pm->address;
	f->size = pm->size;
	if (path != NULL) {
		base = strrchr(path, '/');
		f->name = strdup(base != NULL ? base + 1 : path);
		f->pathname = strdup(path);
		if (f->pathname == NULL)
			return -1;
	} else if (asprintf(&f->name, "%s.ko", pm->name) < 0) {
		f->name = NULL;
	}
	if (f->name == NULL || (f->modules = calloc(1, sizeof(*f->modules))) == NULL)
		return -1;
	f->num_modules = 1;
	f->modules[0].id = id;
	return (f->modules[0].name = strdup(pm->name)) != NULL ? 0 : -1;
}

static int
lnx_list(void *impl, struct kext_kld_file **files, size_t *n, kext_error *err)
{
	struct lnx *l = impl;
	struct proc_module *m;
	struct state_entry *st;
	struct kext_kld_file *out;
	size_t nm, ns;

	if (proc_read(l, &m, &nm, err) != 0)
		return -1;
	if (state_read(l, &st, &ns, err) != 0) {
		proc_free(m, nm);
		return -1;
	}
	state_prune(l, st, ns, m, nm);
	if ((out = calloc(nm + 1, sizeof(*out))) == NULL)
		goto nomem;
	out[0].id = 1;
	out[0].refs = 1;
	if ((out[0].name = strdup("kernel")) == NULL)
		goto nomem_out;
	/* oldest first, so the list is in id order like kldstat's */
	for (size_t k = 0; k < nm; k++) {
		size_t i = nm - 1 - k;

		if (fill_file(&out[k + 1], id_of(i, nm), &m[i], state_path_of(st, ns, m[i].name)) != 0)
			goto nomem_out;
	}
	*files = out;
	*n = nm + 1;
	proc_free(m, nm);
	state_free(st, ns);
	return 0;
nomem_out:
	kext_kld_files_free(out, nm + 1);
nomem:
	proc_free(m, nm);
	state_free(st, ns);
	return kext_fail(err, ENOMEM, "%s: out of memory", l->proc_path);
}

static int
lnx_osreldate(void *impl, int *osreldate, kext_error *err)
{
	struct utsname u;
	unsigned a = 0, b = 0, c = 0;

	(void)impl;
	if (uname(&u) != 0)
		return kext_fail(err, errno, "uname: %s", strerror(errno));
	if (sscanf(u.release, "%u.%u.%u", &a, &b, &c) < 2)
		return kext_fail(err, EINVAL, "uname: kernel release '%s': expected "
		    "MAJOR.MINOR[.PATCH]...", u.release);
	*osreldate = (int)((a & 0x7fff) << 16 | (b & 0xff) << 8 | (c > 255 ? 255 : c));
	return 0;
}

/*
 * The kernel's symbols, for kextutil -n and kextlibs: the Module.symvers that
 * Debian's linux-headers-RELEASE package installs under
 * /usr/src/linux-headers-RELEASE, which /lib/modules/RELEASE/build points
 * to. Not /proc/kallsyms: it lists what vmlinux exports only with
 * CONFIG_KALLSYMS_ALL, and mixes in the loaded modules' symbols.
 */
static int
lnx_bootfile(void *impl, char *buf, size_t len, kext_error *err)
{
	struct utsname u;

	(void)impl;
	if (uname(&u) != 0)
		return kext_fail(err, errno, "uname: %s", strerror(errno));
	if ((size_t)snprintf(buf, len, "/lib/modules/%s/build/Module.symvers", u.release) >= len)
		return kext_fail(err, ENAMETOOLONG, "kernel release '%s': too long", u.release);
	return 0;
}

/* What finit_module's errors mean for a module file (finit_module(2), init_module(2)). */
static const char *
load_explanation(int code)
{
	switch (code) {
	case EEXIST:
		return "a module of that name is already loaded";
	case ENOEXEC:
		return "the kernel refused the module format (wrong vermagic, version CRCs, "
		    "architecture or a damaged file; see the kernel lines)";
	case ENOENT:
		return "unknown symbols: a module it needs is not loaded";
	case EPERM:
		return "not permitted (needs CAP_SYS_MODULE; module loading may be disabled)";
	case EKEYREJECTED:
		return "its signature was rejected";
	case EBUSY:
		return "the kernel is busy loading a module of that name";
	default:
		return strerror(code);
	}
}

static int
find_by_name(struct lnx *l, const char *name, int *fileid, kext_error *err)
{
	struct kext_kld_file *files;
	size_t n;

	if (lnx_list(l, &files, &n, err) != 0)
		return -1;
	*fileid = 0;
	for (size_t i = 1; i < n && *fileid == 0; i++)
		if (kmod_linux_name_equal(files[i].modules[0].name, name))
			*fileid = files[i].id;
	kext_kld_files_free(files, n);
	return 0;
}

/*
 * finit_module(2) loads from a descriptor: with fd given, the file the
 * caller opened and checked is the one the kernel reads. path only names it
 * (in the state file, for kextstat).
 */
static int
lnx_load(void *impl, int given_fd, const char *path, int *fileid, kext_error *err)
{
	struct lnx *l = impl;
	struct kmod_file *kf;
	char real[PATH_MAX], name[64];
	kext_error serr;
	int fd, saved;

	if (realpath(path, real) == NULL)
		return kext_fail(err, errno, "finit_module %s: %s", path, strerror(errno));
	if (strchr(real, '\t') != NULL || strchr(real, '\n') != NULL)
		return kext_fail(err, EINVAL, "finit_module %s: a path with a tab or newline "
		    "cannot be recorded in %s", real, l->state_path);
	if (given_fd >= 0)
		fd = given_fd;
	else if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return kext_fail(err, errno, "finit_module %s: cannot open: %s", real,
		    strerror(errno));
	if (kmod_open_fd(fd, real, &kf, err) != 0)
		goto fail;
	if (kf->os != KMOD_OS_LINUX) {
		kext_fail(err, ENOEXEC, "finit_module %s: a %s module, not a Linux one", real,
		    kmod_os_name(kf->os));
		kmod_free(kf);
		goto fail;
	}
	snprintf(name, sizeof(name), "%s", kf->lx.name);
	kmod_free(kf);
	kmsg_mark(l);
	if (syscall(SYS_finit_module, fd, "", 0) != 0) {
		saved = errno;
		if (fd != given_fd)
			close(fd);
		return fail_kernel(l, err, saved, "finit_module %s (module %s): %s (%s)", real,
		    name, load_explanation(saved), strerror(saved));
	}
	if (fd != given_fd)
		close(fd);
	if (state_update(l, name, real, &serr) != 0) {
		/* a module we cannot map back to its bundle is not left behind */
		if (syscall(SYS_delete_module, name, O_NONBLOCK) != 0)
			return kext_fail(err, serr.code, "loaded %s but %s; unloading it failed too "
			    "(%s)", name, serr.msg, strerror(errno));
		return kext_fail(err, serr.code, "loaded %s but %s; unloaded it again", name,
		    serr.msg);
	}
	if (find_by_name(l, name, fileid, err) != 0)
		return -1;
	if (*fileid == 0)
		return kext_fail(err, ENOENT, "finit_module %s: loaded, but module %s is not in "
		    "%s", real, name, l->proc_path);
	return 0;
fail:
	if (fd != given_fd)
		close(fd);
	return -1;
}

static int
lnx_unload(void *impl, int fileid, bool force, kext_error *err)
{
	struct lnx *l = impl;
	struct proc_module *m;
	char name[64];
	size_t nm;
	int saved;

	if (fileid == 1)
		return kext_fail(err, EBUSY, "delete_module: file id 1 is the running kernel");
	if (proc_read(l, &m, &nm, err) != 0)
		return -1;
	for (size_t i = 0; i < nm; i++) {
		if (id_of(i, nm) != fileid)
			continue;
		snprintf(name, sizeof(name), "%s", m[i].name);
		if (m[i].refcnt > 0 && !force) {
			kext_fail(err, EBUSY, "delete_module %s (id %d): in use (refs %ld%s%s); "
			    "unload the modules that use it first", name, fileid, m[i].refcnt,
			    m[i].users[0] ? ", used by " : "", m[i].users);
			proc_free(m, nm);
			return -1;
		}
		proc_free(m, nm);
		kmsg_mark(l);
		if (syscall(SYS_delete_module, name, O_NONBLOCK | (force ? O_TRUNC : 0)) != 0) {
			saved = errno;
			return fail_kernel(l, err, saved == EWOULDBLOCK ? EBUSY : saved,
			    "delete_module %s (id %d): %s", name, fileid,
			    saved == EWOULDBLOCK ? "in use" : saved == EPERM ?
			    "not permitted (needs CAP_SYS_MODULE; module unloading may be disabled)" :
			    strerror(saved));
		}
		/* the kernel has unloaded it: a stale entry is pruned by the next list */
		(void)state_update(l, name, NULL, NULL);
		return 0;
	}
	proc_free(m, nm);
	return kext_fail(err, ENOENT, "delete_module: no loaded module has file id %d", fileid);
}

static int
lnx_find_file(void *impl, const char *name, int *fileid, kext_error *err)
{
	struct kext_kld_file *files;
	size_t n, len = strlen(name);
	const char *base = strrchr(name, '/');
	char stem[PATH_MAX];

	snprintf(stem, sizeof(stem), "%s", base != NULL ? base + 1 : name);
	if ((len = strlen(stem)) > 3 && strcmp(stem + len - 3, ".ko") == 0)
		stem[len - 3] = '\0';
	if (lnx_list(impl, &files, &n, err) != 0)
		return -1;
	*fileid = 0;
	for (size_t i = 0; i < n && *fileid == 0; i++) {
		const struct kext_kld_file *f = &files[i];

		if ((base != NULL && f->pathname != NULL && strcmp(f->pathname, name) == 0) ||
		    (base == NULL && (strcmp(f->name, name) == 0 ||
		    (f->num_modules > 0 && kmod_linux_name_equal(f->modules[0].name, stem)))))
			*fileid = f->id;
	}
	kext_kld_files_free(files, n);
	if (*fileid == 0)
		return kext_fail(err, ENOENT, "find %s: no such module is loaded", name);
	return 0;
}

static int
lnx_find_module(void *impl, const char *modname, int *modid, kext_error *err)
{
	struct lnx *l = impl;

	if (find_by_name(l, modname, modid, err) != 0)
		return -1;
	if (*modid == 0)
		return kext_fail(err, ENOENT, "find module %s: no such module is loaded", modname);
	return 0;
}

static void
lnx_close(void *impl)
{
	struct lnx *l = impl;

	if (l == NULL)
		return;
	if (l->kmsg >= 0)
		close(l->kmsg);
	free(l->state_path);
	free(l);
}

static const struct kext_kernel_ops lnx_ops = {
	.osreldate = lnx_osreldate,
	.bootfile = lnx_bootfile,
	.load = lnx_load,
	.unload = lnx_unload,
	.find_file = lnx_find_file,
	.find_module = lnx_find_module,
	.list = lnx_list,
	.close = lnx_close,
};

int
kext_kernel_linux_open(const struct kext_kernel_ops **ops, void **impl, kext_error *err)
{
	const char *state = getenv("KEXT_LINUX_STATE"), *proc = getenv("KEXT_LINUX_PROC_MODULES");
	struct lnx *l = calloc(1, sizeof(*l));

	if (state == NULL || state[0] == '\0')
		state = DEFAULT_STATE;
	if (state[0] != '/' || strlen(state) >= PATH_MAX - 32) {
		free(l);
		return kext_fail(err, EINVAL, "KEXT_LINUX_STATE '%s': expected an absolute path "
		    "shorter than %d bytes", state, PATH_MAX - 32);
	}
	if (l == NULL || (l->state_path = strdup(state)) == NULL) {
		free(l);
		return kext_fail(err, ENOMEM, "linux kernel backend: out of memory");
	}
	l->proc_path = proc != NULL && proc[0] != '\0' ? proc : PROC_MODULES;
	l->kmsg = -1;
	*ops = &lnx_ops;
	*impl = l;
	return 0;
}

#else /* !__linux__ */

int
kext_kernel_linux_open(const struct kext_kernel_ops **ops, void **impl, kext_error *err)
{
	*ops = NULL;
	*impl = NULL;
	return kext_fail(err, EOPNOTSUPP,
	    "the linux kernel backend is only available on Linux; use KEXT_KERNEL=sim:DIR");
}

#endif
