/*
 * The "sim:DIR" kernel backend: a file-backed model of FreeBSD's kernel
 * linker (spec freebsd-kld.md §1.5, §4). Everything lives in DIR:
 *
 *   DIR/state          loaded files, their modules, versions and references
 *                      (format in kernel_sim_state.c); created on first open
 *                      with __FreeBSD_version $KEXT_SIM_OSVERSION (default
 *                      1500068) and machine $KEXT_SIM_ARCH (default amd64;
 *                      "any" accepts every architecture).
 *   DIR/lock           loads, unloads and creation hold flock(LOCK_EX) on
 *                      it for their whole read-modify-write, queries
 *                      LOCK_SH, so concurrent processes serialise like
 *                      kldload(2) calls do. Within one process the parsed
 *                      state is kept between calls and used again while
 *                      DIR/state is still the file it came from: the
 *                      process holds that file open (so its inode cannot be
 *                      reused) and finds its inode, size and times
 *                      unchanged under the lock. Every locked writer either
 *                      appends or renames a new file over it, so a tool
 *                      that loads N files parses the state once, not N
 *                      times. Each load or unload appends one journal
 *                      record (kernel_sim_state.c) rather than rewriting
 *                      the file; a snapshot replaces it when the records
 *                      would outgrow the snapshot, and when a process that
 *                      appended closes the sim, so at rest DIR/state is a
 *                      snapshot. $KEXT_SIM_CRASH_AFTER_RECORDS and
 *                      $KEXT_SIM_CRASH_AFTER_SNAPSHOTS stop the process
 *                      by SIGKILL right after a chosen write, for crash
 *                      tests (kernel_sim_crash.c).
 *   DIR/refuse-unload  optional; one module name per line ('#' comments).
 *                      Unloading a file that registered a listed module fails
 *                      with EBUSY, even when forced, the way a module whose
 *                      MOD_UNLOAD handler vetoes (mach.ko) behaves.
 *   DIR/refuse-quiesce optional; same format. A listed module vetoes
 *                      MOD_QUIESCE with EBUSY: the unload fails unless forced
 *                      (kldunloadf LINKER_UNLOAD_FORCE skips quiesce vetoes;
 *                      spec freebsd-kld.md, kldunloadf step 3).
 *   DIR/refuse-load    optional; same format. Loading a file that registers a
 *                      listed module fails with ENOEXEC, as when a module's
 *                      MOD_LOAD handler fails (a fault no userland check can
 *                      foresee; tests use it for rollback).
 *   DIR/module_path    optional; absolute folders separated by ';' or
 *                      newlines, as kern.module_path. A dependency no loaded
 *                      file provides is loaded from there, as the kernel
 *                      does; without it the caller must load it first.
 *
 * A new kernel provides only VERSION kernel=<osreldate> and registers no
 * modules, unless it is seeded as a copy of a real kernel: $KEXT_SIM_HINTS
 * names that kernel directory's linker.hints ("in kernel" MODULE and VERSION
 * records), $KEXT_SIM_KERNEL_FILE the kernel file (its module metadata),
 * $KEXT_SIM_KLDSTAT a saved `kldstat -v` (the kernel's modules, no versions);
 * they add up, and a seed's VERSION kernel.N is the kernel's version when
 * KEXT_SIM_OSVERSION is unset (kernel_sim_seed.c). Lines such as "version
 * pci 1" under the "file 1" line in DIR/state do the same by hand.
 *
 * Loading follows the kernel's order of checks:
 *   - the argument needs a '/' (the sim has no kern.module_path to search);
 *     a bare module name already provided by a loaded file gives EEXIST,
 *     any other one ENOENT; a missing file ENOENT; more than 1023 chars
 *     ENAMETOOLONG;
 *   - a loaded file with the same basename (or basename + ".ko"): EEXIST;
 *   - not an ELF kernel module, unreadable metadata, or a machine other than
 *     the sim's: ENOEXEC; so is a program or userland library (it cannot
 *     link) and a relocation type the kernel linker of the sim's version
 *     and architecture does not handle (kext/kmod_check.h);
 *   - a MODULE_VERSION name+version some loaded file already provides
 *     ("interface X.N already present"): the kernel's EEXIST reaches
 *     userland as ENOEXEC for ET_REL (amd64) modules, because the ELF-shared
 *     class is tried after the ELF-object class and answers ENOSYS; ET_DYN
 *     modules get EEXIST (§4.1);
 *   - each MODULE_DEPEND except self references must be satisfied by a
 *     loaded file's MODULE_VERSION under rule §1.5 (the kernel file
 *     provides "kernel" = osreldate), or by a file found along
 *     DIR/module_path (linker.hints, then "<name>", "<name>.ko"), which is
 *     loaded first with userrefs 0 and refs 1 (linker_load_module in
 *     sys/kern/kern_linker.c takes no reference of its own); else ENOEXEC;
 *   - a DECLARE_MODULE name already registered: EEXIST.
 * The file's pathname (kldstat's) is the path as given, made absolute, with
 * symlinks not resolved, so a bundle reached through a link keeps its name.
 * On success the kernel takes one reference for the file itself and every
 * satisfied dependency one more (so kernel refs grow by 2 for a typical
 * module, as on a real system), the file gets the next id (ids are never
 * reused; taken before its dependencies load, so one the kernel loads for
 * it comes after it) and a page-aligned address after the previous file.
 *
 * Unloading (kern_kldunload, linker_file_unload in sys/kern/kern_linker.c):
 * unknown id ENOENT; the kernel, or a file the kernel loaded as a dependency
 * (userrefs 0), EBUSY ("attempt to unload file that was loaded by the
 * kernel"); a file other files depend on EBUSY naming them (stricter than
 * the kernel, which would only drop a reference and keep the file); a
 * module listed in refuse-unload EBUSY; otherwise the file goes and each
 * reference it held is released: a file with refs > 1 just drops one, a
 * file whose last reference that was (one the kernel loaded for it) is
 * unloaded the same way, its own dependencies in turn. A module of such a
 * dependency that refuses stays loaded, as the kernel ignores that error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel_backend.h"
#include "kernel_sim.h"
#include "kext/fbsd_version.h"
#include "kext/hints.h"
#include "kext/kmod.h"
#include "kext/kmod_check.h"
#include "kext/sort.h"

#define KLD_MAXPATHLEN 1024	/* kldload(2) copies the path with this limit */
#define PAGE_SIZE_SIM 4096u
#define REFUSE_MAX_BYTES (1u << 20)

struct sim {
	char *dir;
	char *state_path;
	char *lock_path;
	char *refuse_path;
	char *refuse_load_path;
	char *module_path_path;
	char *quiesce_path;
	/* The last state read or written, and the file it stands for, held open at state_fd. */
	bool cached;
	struct sim_state cache;
	int state_fd;
	struct stat state_sb;
	bool appended;		/* records were appended: a snapshot replaces them on close */
	struct sim_crash crash;	/* a test's crash point, kernel_sim_crash.c */
};

/* Records may grow the file to twice its snapshot, and to this much whatever its size. */
#define JOURNAL_MIN_BYTES (64u << 10)

/* One locked read-modify-write of DIR/state; st is lent from the cache. */
struct sim_txn {
	int lock_fd;
	int how;		/* LOCK_SH: st is only read */
	struct sim_state st;
};

static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

static int
lock_dir(const struct sim *s, int how, kext_error *err)
{
	int fd, saved;

	fd = open(s->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && how == LOCK_SH && (errno == EACCES || errno == EROFS))
		fd = open(s->lock_path, O_RDONLY | O_CLOEXEC);	/* reading a sim we cannot write */
	if (fd < 0)
		return kext_fail(err, errno, "%s: cannot open the sim kernel lock: %s", s->lock_path,
		    strerror(errno));
	while (flock(fd, how) != 0) {
		if (errno == EINTR)
			continue;
		saved = errno;
		close(fd);
		return kext_fail(err, saved, "%s: cannot lock: %s", s->lock_path, strerror(saved));
	}
	return fd;
}

static void
drop_cache(struct sim *s)
{
	if (s->cached)
		sim_state_free(&s->cache);
	if (s->state_fd >= 0)
		close(s->state_fd);
	s->state_fd = -1;
	s->cached = false;
}

/* Makes the cache stand for DIR/state: read and parsed again only when the file changed. */
static int
read_cached(struct sim *s, kext_error *err)
{
	struct stat sb;
	char *text;
	size_t len;
	int fd;

	if (s->cached && stat(s->state_path, &sb) == 0 && sim_file_unchanged(&sb, &s->state_sb))
		return 0;
	drop_cache(s);
	if (sim_file_read(s->state_path, &fd, &text, &len, &sb, err) != 0)
		return -1;
	if (sim_state_parse(text, len, s->state_path, &s->cache, err) != 0) {
		free(text);
		close(fd);
		return -1;
	}
	free(text);
	s->cached = true;
	s->state_fd = fd;
	s->state_sb = sb;
	return 0;
}

/* Replaces DIR/state with a snapshot of the cache; keeps the new file open. */
static int
write_snapshot(struct sim *s, kext_error *err)
{
	char *text;
	size_t len;
	int fd, rc;

	if (sim_state_format(&s->cache, &text, &len, err) != 0)
		return -1;
	rc = sim_file_replace(s->state_path, text, len, &fd, &s->state_sb, err);
	free(text);
	if (rc != 0)
		return -1;
	if (s->state_fd >= 0)
		close(s->state_fd);
	s->state_fd = fd;
	s->cache.snapshot_len = len;
	s->cache.journal_len = 0;
	s->cache.last_txn = 0;
	s->cache.torn = false;
	if (s->crash.snapshots_left > 0 && --s->crash.snapshots_left == 0)
		sim_crash_now();
	return 0;
}

/*
 * Writes the changes of the transaction: one record appended while the
 * records stay small beside the snapshot (a snapshot after a record cut
 * short, or when the changes could not be noted).
 */
static int
write_changes(struct sim *s, kext_error *err)
{
	struct sim_state *st = &s->cache;
	char *text;
	size_t len;
	int rc;

	if (st->torn || st->untracked || s->state_fd < 0 || st->last_txn == INT_MAX - 1)
		return write_snapshot(s, err);
	if (sim_journal_format(st, st->last_txn + 1, &text, &len, err) != 0)
		return -1;
	if (st->journal_len + len > JOURNAL_MIN_BYTES &&
	    st->journal_len + len > st->snapshot_len) {
		free(text);
		return write_snapshot(s, err);
	}
	rc = sim_file_append(s->state_path, text, len, &s->state_sb, err);
	free(text);
	if (rc != 0)
		return -1;
	st->journal_len += len;
	st->last_txn++;
	s->appended = true;
	if (s->crash.records_left > 0 && --s->crash.records_left == 0)
		sim_crash_now();
	return 0;
}

/* Locks DIR and reads the state (read_cached); on failure nothing stays locked. */
static int
txn_begin(struct sim *s, int how, struct sim_txn *t, kext_error *err)
{
	t->how = how;
	if ((t->lock_fd = lock_dir(s, how, err)) < 0)
		return -1;
	if (read_cached(s, err) != 0) {
		close(t->lock_fd);
		return -1;
	}
	sim_index_build(&s->cache);
	if (how == LOCK_EX)
		sim_changes_start(&s->cache);
	t->st = s->cache;
	return 0;
}

/*
 * Gives the state back to the cache and, when commit is set, writes its
 * changes first; then unlocks (close drops the flock). A failed write
 * leaves the file as it was (or with a record cut short, which readers
 * ignore), and so does a change abandoned without commit, so then the
 * cache is dropped rather than kept ahead of the file.
 */
static int
txn_end(struct sim *s, struct sim_txn *t, int commit, kext_error *err)
{
	int rc = 0;

	s->cache = t->st;
	if (commit) {
		if ((rc = write_changes(s, err)) != 0)
			drop_cache(s);
	} else if (t->how != LOCK_SH) {
		drop_cache(s);
	}
	memset(&t->st, 0, sizeof(t->st));
	close(t->lock_fd);
	return rc;
}

/* --- rule §1.5 -------------------------------------------------------- */

/*
 * The loaded file whose MODULE_VERSION satisfies {min, pref, max} of name:
 * one providing exactly pref wins at once, else the highest version within
 * [min, max]. NULL when none does.
 */
#define SIM_MAX_HITS 64	/* more files of one name than this: scan them all */

static int
by_id_then_idx(const void *a, const void *b)
{
	const struct sim_hit *x = a, *y = b;

	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/*
 * The hits for name, in the order a scan of st->files meets them; false
 * when there is no index or too many to hold, and the caller scans.
 */
static bool
lookup(const struct sim_state *st, enum sim_key key, const char *name,
    struct sim_hit hits[SIM_MAX_HITS], size_t *n)
{
	if (st->index == NULL ||
	    (*n = sim_index_find(st, key, name, hits, SIM_MAX_HITS)) > SIM_MAX_HITS)
		return false;
	kext_sort(hits, *n, sizeof(*hits), by_id_then_idx);
	return true;
}

/*
 * The loaded file whose MODULE_VERSION satisfies {min, pref, max} of name:
 * one providing exactly pref wins at once, else the highest version within
 * [min, max]. NULL when none does.
 */
static const struct sim_file *
find_provider(const struct sim_state *st, const char *name, int min, int pref, int max)
{
	struct sim_hit hits[SIM_MAX_HITS];
	const struct sim_file *best = NULL;
	int best_version = 0, best_id = 0;
	size_t i, j, n;

	if (lookup(st, SIM_KEY_VERSION, name, hits, &n)) {
		for (i = 0; i < n; i++)
			if (kext_fbsd_version_better(min, pref, max, hits[i].value, best_id != 0,
			    best_version)) {
				best_id = hits[i].id;
				best_version = hits[i].value;
			}
		return best_id != 0 ? sim_state_find_file(st, best_id) : NULL;
	}
	for (i = 0; i < st->num_files; i++) {
		const struct sim_file *f = &st->files[i];

		for (j = 0; j < f->num_versions; j++) {
			int v = f->versions[j].version;

			if (strcmp(f->versions[j].name, name) == 0 &&
			    kext_fbsd_version_better(min, pref, max, v, best != NULL, best_version)) {
				best = f;
				best_version = v;
			}
		}
	}
	return best;
}

/* "bridgestp 2 in bridgestp.ko, bridgestp 3 in b3.ko", or that none does. */
static void
describe_providers(const struct sim_state *st, const char *name, char *out, size_t size)
{
	size_t i, j, used = 0;
	int n;

	out[0] = '\0';
	for (i = 0; i < st->num_files; i++)
		for (j = 0; j < st->files[i].num_versions; j++) {
			if (strcmp(st->files[i].versions[j].name, name) != 0 || used >= size)
				continue;
			n = snprintf(out + used, size - used, "%s%s %d in %s", used ? ", " : "",
			    name, st->files[i].versions[j].version, st->files[i].name);
			used += n > 0 ? (size_t)n : 0;
		}
	if (out[0] == '\0')
		snprintf(out, size, "no loaded file provides %s", name);
}

static void
describe_range(const struct kmod_depend *d, char *out, size_t size)
{
	if (d->min == d->pref && d->pref == d->max)
		snprintf(out, size, "version %d", d->pref);
	else
		snprintf(out, size, "version %d..%d (preferred %d)", d->min, d->max, d->pref);
}

/* --- opening ----------------------------------------------------------- */

static int
env_settings(int *osreldate, const char **arch, kext_error *err)
{
	const char *v = getenv("KEXT_SIM_OSVERSION");
	const char *a = getenv("KEXT_SIM_ARCH");

	*osreldate = SIM_DEFAULT_OSRELDATE;
	*arch = SIM_DEFAULT_ARCH;
	if (v != NULL && v[0] != '\0' && sim_parse_osreldate(v, osreldate) != 0)
		return kext_fail(err, EINVAL,
		    "KEXT_SIM_OSVERSION='%.40s': expected a __FreeBSD_version (7 digits, "
		    "e.g. 1402000 for 14.2, 1001000 for 10.1)", v);
	if (a != NULL && a[0] != '\0') {
		if (!sim_arch_valid(a))
			return kext_fail(err, EINVAL,
			    "KEXT_SIM_ARCH='%.40s': expected amd64, i386, armv7, aarch64, riscv64, "
			    "powerpc, powerpc64, powerpc64le or any", a);
		*arch = a;
	}
	return 0;
}

/* Whether variable is set to a non-empty value. */
static int
env_given(const char *variable)
{
	const char *v = getenv(variable);

	return v != NULL && v[0] != '\0';
}

/* Creates DIR/state for a new kernel, or checks the existing one. */
static int
sim_prepare(struct sim *s, kext_error *err)
{
	struct sim_state st;
	const char *arch;
	int fd, osreldate, rc;

	if (env_settings(&osreldate, &arch, err) != 0)
		return -1;
	if ((fd = lock_dir(s, LOCK_EX, err)) < 0)
		return -1;
	if (access(s->state_path, F_OK) != 0 && errno == ENOENT) {
		if ((rc = sim_state_init(&st, osreldate, arch, err)) == 0) {
			static const char *const seeds[] = {"KEXT_SIM_HINTS", "KEXT_SIM_KERNEL_FILE",
			    "KEXT_SIM_KLDSTAT"};

			for (size_t i = 0; rc == 0 && i < sizeof(seeds) / sizeof(seeds[0]); i++)
				if (env_given(seeds[i]))
					rc = sim_seed(&st, seeds[i], getenv(seeds[i]),
					    env_given("KEXT_SIM_OSVERSION"), err);
			if (rc == 0)
				rc = sim_state_write(s->state_path, &st, err);
			sim_state_free(&st);
		}
	} else if ((rc = read_cached(s, err)) == 0) {
		/* read into the cache: the tool's first query will not parse it again */
		const struct sim_state *have = &s->cache;

		if (env_given("KEXT_SIM_OSVERSION") && have->osreldate != osreldate)
			rc = kext_fail(err, EINVAL,
			    "%s: this sim kernel was created with __FreeBSD_version %d but "
			    "KEXT_SIM_OSVERSION=%d; remove the directory (or unset the variable)",
			    s->state_path, have->osreldate, osreldate);
		else if (env_given("KEXT_SIM_ARCH") && strcmp(have->arch, arch) != 0)
			rc = kext_fail(err, EINVAL,
			    "%s: this sim kernel was created for %s but KEXT_SIM_ARCH=%s; remove "
			    "the directory (or unset the variable)", s->state_path, have->arch, arch);
	}
	close(fd);
	return rc;
}


static int
make_dir(const char *dir, kext_error *err)
{
	struct stat sb;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return kext_fail(err, errno, "sim:%s: cannot create the sim kernel directory: %s",
		    dir, strerror(errno));
	if (stat(dir, &sb) != 0)
		return kext_fail(err, errno, "sim:%s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return kext_fail(err, ENOTDIR, "sim:%s: expected a directory for the sim kernel",
		    dir);
	return 0;
}

/* --- loading ----------------------------------------------------------- */

static const struct sim_file *
find_by_basename(const struct sim_state *st, const char *base)
{
	struct sim_hit hits[SIM_MAX_HITS];
	size_t i, j, n = strlen(base), nhits;
	char with_ko[KLD_MAXPATHLEN + 4];
	int id = 0;

	/* kldfind/linker_find_file_by_name: "X" matches X and X.ko */
	if (n + 4 <= sizeof(with_ko)) {
		snprintf(with_ko, sizeof(with_ko), "%s.ko", base);
		for (j = 0; j < 2 && id >= 0; j++) {
			if (!lookup(st, SIM_KEY_NAME, j ? with_ko : base, hits, &nhits))
				id = -1;	/* no index: scan */
			else if (nhits > 0 && (id == 0 || hits[0].id < id))
				id = hits[0].id;
		}
		if (id >= 0)
			return id != 0 ? sim_state_find_file(st, id) : NULL;
	}
	for (i = 0; i < st->num_files; i++) {
		const char *name = st->files[i].name;

		if (strcmp(name, base) == 0 ||
		    (strncmp(name, base, n) == 0 && strcmp(name + n, ".ko") == 0))
			return &st->files[i];
	}
	return NULL;
}

static const struct sim_file *
find_module_owner(const struct sim_state *st, const char *name)
{
	struct sim_hit hits[SIM_MAX_HITS];
	size_t i, j, n;

	if (lookup(st, SIM_KEY_MODULE, name, hits, &n))
		return n > 0 ? sim_state_find_file(st, hits[0].id) : NULL;
	for (i = 0; i < st->num_files; i++)
		for (j = 0; j < st->files[i].num_modules; j++)
			if (strcmp(st->files[i].modules[j].name, name) == 0)
				return &st->files[i];
	return NULL;
}

static int
self_reference(const struct kmod_file *kf, const char *name)
{
	return kmod_find_version(kf, name) != NULL;
}

/* Names the records must have: the state file cannot hold empty strings. */
static int
check_names(const struct kmod_file *kf, const char *path, kext_error *err)
{
	size_t i;

	for (i = 0; i < kf->num_records; i++) {
		const struct kmod_record *r = &kf->records[i];
		const char *name = r->type == KMOD_MODULE ? r->u.module.name :
		    r->type == KMOD_VERSION ? r->u.version.name :
		    r->type == KMOD_DEPEND ? r->u.depend.name : "-";

		if (name == NULL || name[0] == '\0')
			return kext_fail(err, ENOEXEC, "kldload %s: %s record %zu has an empty name",
			    path, kmod_record_type_name(r->type), i + 1);
	}
	return 0;
}

/* The ELF checks the kernel does before linking: machine and metadata. */
static int
check_module(const struct sim_state *st, const struct kmod_file *kf, const char *path,
    kext_error *err)
{
	const char *arch = kf->arch != NULL ? kf->arch : "unknown";

	struct kmod_target target = {.os = KMOD_OS_FREEBSD, .arch = st->arch,
	    .osreldate = st->osreldate};
	struct kmod_check c;
	int rc = 0;

	if (strcmp(st->arch, "any") != 0 && strcmp(arch, st->arch) != 0)
		return kext_fail(err, ENOEXEC,
		    "kldload %s: kldload: %s: Unsupported machine (the module is for %s, the sim "
		    "kernel is %s)", path, base_name(path), arch, st->arch);
	/* Programs and userland libraries never link; nor do relocations it lacks. */
	if (kmod_check_path(path, &target, &c, err) != 0)
		return kext_fail_prefix(err, "kldload %s: ", path);
	if (!c.is_module)
		rc = kext_fail(err, ENOEXEC, "kldload %s: linker_load_file: %s - unsupported file "
		    "type (it is %s)", path, path, c.what);
	for (size_t i = 0; rc == 0 && i < c.n; i++)
		if (c.problems[i].kind == KMOD_PROBLEM_REFUSED)
			rc = kext_fail(err, ENOEXEC, "kldload %s: %s", path, c.problems[i].text);
	kmod_check_free(&c);
	return rc != 0 ? rc : check_names(kf, path, err);
}

static int
interface_present(const struct sim_file *owner, const struct kmod_file *kf, const char *path,
    const struct kmod_version *v, kext_error *err)
{
	return kext_fail(err, kf->e_type == 1 ? ENOEXEC : EEXIST, "kldload %s: interface %s.%d "
	    "already present in the KLD '%s'!", path, v->name, v->version, owner->name);
}

/* "interface X.N already present": a MODULE_VERSION another file provides. */
static int
check_interfaces(const struct sim_state *st, const struct kmod_file *kf, const char *path,
    kext_error *err)
{
	struct sim_hit hits[SIM_MAX_HITS];
	size_t i, f, j, h, n;

	for (i = 0; i < kf->num_records; i++) {
		const struct kmod_version *v = &kf->records[i].u.version;

		if (kf->records[i].type != KMOD_VERSION)
			continue;
		if (lookup(st, SIM_KEY_VERSION, v->name, hits, &n)) {
			for (h = 0; h < n; h++)
				if (hits[h].value == v->version)
					return interface_present(sim_state_find_file(st, hits[h].id), kf,
					    path, v, err);
			continue;
		}
		for (f = 0; f < st->num_files; f++)
			for (j = 0; j < st->files[f].num_versions; j++)
				if (strcmp(st->files[f].versions[j].name, v->name) == 0 &&
				    st->files[f].versions[j].version == v->version)
					return interface_present(&st->files[f], kf, path, v, err);
	}
	return 0;
}

static int load_file(const struct sim *s, struct sim_state *st, int fd, const char *path,
    int userrefs, int depth, int *fileid, kext_error *err);

/*
 * The file along DIR/module_path that holds module name at a version
 * {min, pref, max} accepts: each folder's linker.hints first (MDT_VERSION
 * records, rule §1.5), then the files "<name>" and "<name>.ko", as the
 * kernel's linker_hints_lookup does. NULL when none does (or no path).
 */
static char *
search_module_path(const struct sim *s, const struct kmod_depend *d)
{
	char line[4096], *result = NULL;
	FILE *fp = fopen(s->module_path_path, "re");

	if (fp == NULL)
		return NULL;
	while (result == NULL && fgets(line, sizeof(line), fp) != NULL) {
		for (char *dir = strtok(line, ";\n"); dir != NULL && result == NULL;
		    dir = strtok(NULL, ";\n")) {
			char path[PATH_MAX];
			struct hints_file *h;
			int best = 0;
			bool found = false;
			struct stat sb;

			if (dir[0] != '/')
				continue;
			snprintf(path, sizeof(path), "%s/linker.hints", dir);
			if (hints_open(path, &h, NULL) == 0) {
				for (size_t i = 0; i < h->num_records; i++) {
					const struct hints_record *r = &h->records[i];

					if (r->type != HINTS_VERSION || strcmp(r->name, d->name) != 0 ||
					    !kext_fbsd_version_better(d->min, d->pref, d->max, r->version,
					    found, best))
						continue;
					snprintf(path, sizeof(path), "%s/%s", dir, r->kldfile);
					free(result);
					result = strdup(path);
					best = r->version;
					found = true;
				}
				hints_free(h);
			}
			for (int ko = 0; result == NULL && ko < 2; ko++) {
				snprintf(path, sizeof(path), "%s/%s%s", dir, d->name, ko ? ".ko" : "");
				if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
					result = strdup(path);
			}
		}
	}
	fclose(fp);
	return result;
}

#define SIM_MAX_DEPTH 16	/* dependency chains the kernel loads by itself */

/*
 * A dependency no loaded file provides is loaded from the module path, as
 * linker_load_dependencies does through linker_load_module: the new file
 * gets userrefs 0 and no reference of its own beyond the one its dependent
 * holds (refs 1), so it goes when that dependent goes.
 */
static const struct sim_file *
autoload(const struct sim *s, struct sim_state *st, const struct kmod_depend *d,
    const char *path, int depth, kext_error *err)
{
	char *file = search_module_path(s, d);
	struct sim_file *f;
	int id;

	if (file == NULL)
		return NULL;
	if (depth >= SIM_MAX_DEPTH) {
		kext_fail(err, ENOEXEC, "kldload %s: dependencies nest deeper than %d files",
		    path, SIM_MAX_DEPTH);
		free(file);
		return NULL;
	}
	if (load_file(s, st, -1, file, 0, depth + 1, &id, err) != 0) {
		free(file);
		return NULL;
	}
	free(file);
	if (find_provider(st, d->name, d->min, d->pref, d->max) == NULL) {
		kext_fail(err, ENOENT, "kldload %s: the file found for %s does not provide it at "
		    "an accepted version", path, d->name);
		return NULL;
	}
	f = sim_state_find_file(st, id);
	f->refs--;	/* the dependent's reference, taken in add_file, is its only one */
	return f;
}

/* Appends the provider of every dependency to deps (the kernel first). */
static int
resolve_depends(const struct sim *s, struct sim_state *st, const struct kmod_file *kf,
    const char *path, int depth, int *deps, size_t *ndeps, kext_error *err)
{
	char have[512], want[96];
	size_t i;

	*ndeps = 0;
	deps[(*ndeps)++] = SIM_KERNEL_ID;	/* linker_load_dependencies' own reference */
	for (i = 0; i < kf->num_records; i++) {
		const struct kmod_depend *d = &kf->records[i].u.depend;
		const struct sim_file *p;
		kext_error aerr = { 0, "" };

		if (kf->records[i].type != KMOD_DEPEND || self_reference(kf, d->name))
			continue;
		p = find_provider(st, d->name, d->min, d->pref, d->max);
		if (p == NULL && strcmp(d->name, "kernel") != 0)
			p = autoload(s, st, d, path, depth, &aerr);
		if (p != NULL) {
			deps[(*ndeps)++] = p->id;
			continue;
		}
		describe_range(d, want, sizeof(want));
		if (strcmp(d->name, "kernel") == 0)
			snprintf(have, sizeof(have), "the sim kernel is __FreeBSD_version %d",
			    st->osreldate);
		else
			describe_providers(st, d->name, have, sizeof(have));
		return kext_fail(err, ENOEXEC,
		    "kldload %s: KLD %s: depends on %s - not available or version mismatch "
		    "(needs %s %s; %s%s%s)", path, base_name(path), d->name, d->name, want, have,
		    strcmp(d->name, "kernel") == 0 ? "" : aerr.msg[0] != '\0' ? "; " :
		    "; nothing along the sim's module_path has it: load the file providing it first",
		    aerr.msg);
	}
	return 0;
}

/* module_register: a DECLARE_MODULE name may be registered only once. */
static int
check_modules(const struct sim_state *st, const struct kmod_file *kf, const char *path,
    kext_error *err)
{
	const struct sim_file *owner;
	size_t i, j;

	for (i = 0; i < kf->num_records; i++) {
		const char *name = kf->records[i].u.module.name;

		if (kf->records[i].type != KMOD_MODULE)
			continue;
		owner = find_module_owner(st, name);
		for (j = 0; j < i && owner == NULL; j++)
			if (kf->records[j].type == KMOD_MODULE &&
			    strcmp(kf->records[j].u.module.name, name) == 0)
				return kext_fail(err, EEXIST, "kldload %s: module_register: module %s "
				    "already exists! (declared twice in this file)", path, name);
		if (owner != NULL)
			return kext_fail(err, EEXIST, "kldload %s: module_register: module %s "
			    "already exists! (registered by %s, id %d)", path, name, owner->name,
			    owner->id);
	}
	return 0;
}

static size_t
count_records(const struct kmod_file *kf, enum kmod_record_type type)
{
	size_t i, n = 0;

	for (i = 0; i < kf->num_records; i++)
		n += kf->records[i].type == type;
	return n;
}

/* A file's id and place, taken before its dependencies load. */
struct placement {
	int id;
	uint64_t address, size;
};

/*
 * The kernel gives a file its id and memory when it starts linking it
 * (linker_make_file, then the class's allocation), before
 * linker_load_dependencies loads what it needs: a dependency it loads by
 * itself comes after it (if_bridge.ko id 5, bridgestp.ko id 6).
 */
static int
reserve(struct sim_state *st, uint64_t file_size, const char *path, struct placement *pl,
    kext_error *err)
{
	uint64_t limit = strcmp(st->arch, "i386") == 0 || strcmp(st->arch, "armv7") == 0 ||
	    strcmp(st->arch, "powerpc") == 0 ? UINT64_C(0xffffffff) : UINT64_MAX;

	pl->size = (file_size + PAGE_SIZE_SIM - 1) / PAGE_SIZE_SIM * PAGE_SIZE_SIM;
	if (pl->size == 0)
		pl->size = PAGE_SIZE_SIM;
	if (st->next_file_id >= SIM_MAX_ID || st->next_address > limit - pl->size)
		return kext_fail(err, ENOMEM, "kldload %s: the sim kernel ran out of ids or "
		    "address space", path);
	pl->id = st->next_file_id++;
	pl->address = st->next_address;
	st->next_address += pl->size;
	return 0;
}

/*
 * Moves the file just appended to its place by id: its dependencies, loaded
 * meanwhile with higher ids, were appended before it.
 */
static void
place_by_id(struct sim_state *st)
{
	size_t last = st->num_files - 1, lo = 0, hi = last;
	struct sim_file moving;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->files[mid].id < st->files[last].id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == last)
		return;
	moving = st->files[last];
	memmove(&st->files[lo + 1], &st->files[lo], (last - lo) * sizeof(st->files[0]));
	st->files[lo] = moving;
}

/* Fills the new file's records at its placement; takes ownership of deps. */
static int
add_file(struct sim_state *st, const struct kmod_file *kf, const char *base,
    const char *pathname, const struct placement *pl, int *deps, size_t ndeps, int userrefs,
    int *fileid, kext_error *err)
{
	size_t nmod = count_records(kf, KMOD_MODULE), nver = count_records(kf, KMOD_VERSION);
	struct sim_file *f;
	size_t i, j;

	if (nmod > SIM_MAX_RECORDS || nver > SIM_MAX_RECORDS || ndeps > SIM_MAX_RECORDS) {
		free(deps);
		return kext_fail(err, ENOEXEC, "kldload %s: more than %d MODULE, VERSION or "
		    "DEPEND records: beyond what the sim kernel models", pathname, SIM_MAX_RECORDS);
	}
	if (st->next_module_id > SIM_MAX_ID - (int)nmod) {
		free(deps);
		return kext_fail(err, ENOMEM, "kldload %s: the sim kernel ran out of module ids",
		    pathname);
	}
	if ((f = sim_state_add_file(st, err)) == NULL) {
		free(deps);
		return -1;
	}
	f->deps = deps;
	f->num_deps = ndeps;
	f->id = pl->id;
	f->refs = 1;
	f->userrefs = userrefs;
	f->address = pl->address;
	f->size = pl->size;
	f->name = strdup(base);
	f->pathname = strdup(pathname);
	f->modules = nmod ? calloc(nmod, sizeof(*f->modules)) : NULL;
	f->versions = nver ? calloc(nver, sizeof(*f->versions)) : NULL;
	if (f->name == NULL || f->pathname == NULL || (nmod && f->modules == NULL) ||
	    (nver && f->versions == NULL))
		goto nomem;
	for (i = 0; i < kf->num_records; i++) {
		const struct kmod_record *r = &kf->records[i];

		if (r->type == KMOD_MODULE) {
			j = f->num_modules++;
			f->modules[j].id = st->next_module_id + (int)j;
			if ((f->modules[j].name = strdup(r->u.module.name)) == NULL)
				goto nomem;
		} else if (r->type == KMOD_VERSION) {
			j = f->num_versions++;
			f->versions[j].version = r->u.version.version;
			if ((f->versions[j].name = strdup(r->u.version.name)) == NULL)
				goto nomem;
		}
	}
	for (i = 0; i < ndeps; i++) {
		sim_changes_note(st, deps[i]);
		sim_state_find_file(st, deps[i])->refs++;
	}
	st->next_module_id += (int)nmod;
	*fileid = f->id;
	sim_index_add_file(st, f);
	place_by_id(st);
	return 0;
nomem:
	sim_state_remove_file(st, st->num_files - 1);
	return kext_fail(err, ENOMEM, "kldload %s: out of memory", pathname);
}

/*
 * The pathname kldstat reports: the path as given (symlinks are not
 * resolved, so a bundle reached through a link keeps its name), made
 * absolute so it means the same to every process.
 */
static char *
absolute_path(const char *path)
{
	char cwd[PATH_MAX], *out;
	size_t n;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	while (path[0] == '.' && path[1] == '/') {
		path += 2;
		while (path[0] == '/')
			path++;
	}
	n = strlen(cwd) + strlen(path) + 2;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", path);
	return out;
}

/* Whether the list at path (refuse-unload, refuse-load) has name; -1 if unreadable. */
static int
listed_in(const char *path, const char *name, kext_error *err)
{
	char line[1024];
	size_t total = 0, len;
	FILE *fp;
	int found = 0;

	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;
		return kext_fail(err, errno, "%s: %s", path, strerror(errno));
	}
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		char *p = line, *end;

		if ((total += strlen(line)) > REFUSE_MAX_BYTES)
			break;
		while (*p == ' ' || *p == '\t')
			p++;
		len = strlen(p);
		end = p + len;
		while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' ||
		    end[-1] == '\t'))
			*--end = '\0';
		if (p[0] != '#' && p[0] != '\0' && strcmp(p, name) == 0)
			found = 1;
	}
	fclose(fp);
	return found;
}

/* MOD_LOAD handlers: a module listed in DIR/refuse-load fails, and with it the load. */
static int
run_mod_load(const struct sim *s, const struct kmod_file *kf, const char *path, kext_error *err)
{
	for (size_t i = 0; i < kf->num_records; i++) {
		const char *name = kf->records[i].u.module.name;
		int r;

		if (kf->records[i].type != KMOD_MODULE)
			continue;
		if ((r = listed_in(s->refuse_load_path, name, err)) < 0)
			return -1;
		if (r)
			return kext_fail(err, ENOEXEC, "kldload %s: module_register_init: MOD_LOAD "
			    "(%s) error 6 (it is listed in %s)", path, name, s->refuse_load_path);
	}
	return 0;
}

/* For a file that is no module at all, what it is (a program...) says more. */
static void
say_what_it_is(const char *path, kext_error *why)
{
	struct kmod_target any = {.os = KMOD_OS_FREEBSD};
	struct kmod_check c;
	kext_error ignored;

	if (kmod_check_path(path, &any, &c, &ignored) != 0)
		return;
	if (!c.is_module)
		kext_fail(why, ENOEXEC, "it is %s", c.what);
	kmod_check_free(&c);
}

/* A bare module name ("nullfs"): only "already provided" can be answered. */
static int
load_by_module_name(struct sim *s, const char *name, kext_error *err)
{
	struct sim_txn t;
	const struct sim_file *p;
	char found[128] = "";

	if (txn_begin(s, LOCK_SH, &t, err) != 0)
		return -1;
	p = find_provider(&t.st, name, INT_MIN, INT_MIN, INT_MAX);
	if (p != NULL)
		snprintf(found, sizeof(found), "%s", p->name);
	txn_end(s, &t, 0, NULL);
	if (found[0] != '\0')
		return kext_fail(err, EEXIST, "kldload %s: module %s is already provided by %s",
		    name, name, found);
	return kext_fail(err, ENOENT, "kldload %s: the sim kernel has no module path to search; "
	    "give the path of the .ko file (e.g. ./%s.ko)", name, name);
}

/*
 * One file into the locked state: the kernel's order of checks (see the top
 * of this file). Dependencies it loads itself are added to st too; on
 * failure the caller discards st, so nothing half-loaded remains. With fd
 * (>= 0), the module is read from the descriptor the caller checked (as the
 * linux backend loads it); path only names it.
 */
static int
load_file(const struct sim *s, struct sim_state *st, int fd, const char *path, int userrefs,
    int depth, int *fileid, kext_error *err)
{
	struct kmod_file *kf = NULL;
	kext_error kerr = { 0, "" };
	const struct sim_file *same;
	struct placement pl = { 0, 0, 0 };
	char *abs_path;
	struct stat sb;
	int *deps = NULL, rc = -1;
	size_t ndeps = 0;

	if ((fd >= 0 ? fstat(fd, &sb) : stat(path, &sb)) != 0)
		return kext_fail(err, errno, "kldload %s: %s", path, strerror(errno));
	if ((abs_path = absolute_path(path)) == NULL)
		return kext_fail(err, errno, "kldload %s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		kext_fail(&kerr, ENOEXEC, "not a regular file");
	else if ((fd >= 0 ? kmod_open_fd(fd, path, &kf, &kerr) : kmod_open(path, &kf, &kerr)) != 0)
		say_what_it_is(path, &kerr);
	if ((same = find_by_basename(st, base_name(path))) != NULL) {
		rc = kext_fail(err, EEXIST, "kldload %s: a file named %s is already loaded (id %d, "
		    "%s)", path, same->name, same->id, same->pathname);
	} else if (kf == NULL) {
		rc = kext_fail(err, ENOEXEC, "kldload %s: linker_load_file: %s - unsupported file "
		    "type (%s)", path, abs_path, kerr.msg);
	} else if ((deps = malloc((count_records(kf, KMOD_DEPEND) + 1) * sizeof(*deps))) ==
	    NULL) {
		rc = kext_fail(err, ENOMEM, "kldload %s: out of memory", path);
	} else if (check_module(st, kf, path, err) == 0 &&
	    reserve(st, (uint64_t)sb.st_size, path, &pl, err) == 0 &&
	    check_interfaces(st, kf, path, err) == 0 &&
	    resolve_depends(s, st, kf, path, depth, deps, &ndeps, err) == 0 &&
	    check_modules(st, kf, path, err) == 0 && run_mod_load(s, kf, path, err) == 0) {
		rc = add_file(st, kf, base_name(path), abs_path, &pl, deps, ndeps, userrefs,
		    fileid, err);
		deps = NULL;
	}
	free(deps);
	kmod_free(kf);
	free(abs_path);
	return rc;
}

static int
sim_load(void *impl, int fd, const char *path, int *fileid, kext_error *err)
{
	struct sim *s = impl;
	struct sim_txn t;
	int rc;

	if (strlen(path) >= KLD_MAXPATHLEN)
		return kext_fail(err, ENAMETOOLONG, "kldload %.64s...: path longer than %d bytes",
		    path, KLD_MAXPATHLEN - 1);
	if (strchr(path, '/') == NULL && strchr(path, '.') == NULL)
		return load_by_module_name(s, path, err);
	if (strchr(path, '/') == NULL)
		return kext_fail(err, ENOENT, "kldload %s: not found: the sim kernel searches no "
		    "module path for file names; give a path with a '/' (e.g. ./%s)", path, path);
	if (txn_begin(s, LOCK_EX, &t, err) != 0)
		return -1;
	rc = load_file(s, &t.st, fd, path, 1, 0, fileid, err);
	if (txn_end(s, &t, rc == 0, err) != 0)
		rc = -1;
	if (rc != 0)
		*fileid = 0;
	return rc;
}

/* --- unloading --------------------------------------------------------- */

static void
describe_dependents(const struct sim_state *st, int id, char *out, size_t size)
{
	size_t i, j, used = 0;
	int n;

	out[0] = '\0';
	for (i = 0; i < st->num_files; i++)
		for (j = 0; j < st->files[i].num_deps; j++) {
			if (st->files[i].deps[j] != id)
				continue;
			if (used < size) {
				n = snprintf(out + used, size - used, "%s%s (id %d)", used ? ", " : "",
				    st->files[i].name, st->files[i].id);
				used += n > 0 ? (size_t)n : 0;
			}
			break;	/* name each dependent once */
		}
}

static int
unload_checks(const struct sim *s, const struct sim_state *st, const struct sim_file *f,
    bool force, kext_error *err)
{
	char users[512];
	size_t i;
	int r;

	if (f->id == SIM_KERNEL_ID)
		return kext_fail(err, EBUSY, "kldunload kernel: attempt to unload file that was "
		    "loaded by the kernel (file 1 is the kernel itself)");
	if (f->userrefs == 0) {
		describe_dependents(st, f->id, users, sizeof(users));
		return kext_fail(err, EBUSY, "kldunload %s (id %d): attempt to unload file that was "
		    "loaded by the kernel (as a dependency of %s; it goes with them)", f->name,
		    f->id, users[0] != '\0' ? users : "a file since unloaded");
	}
	if (f->refs > 1) {
		describe_dependents(st, f->id, users, sizeof(users));
		return kext_fail(err, EBUSY, "kldunload %s (id %d): in use by %s; unload %s first",
		    f->name, f->id, users, strchr(users, ',') ? "them" : "it");
	}
	for (i = 0; i < f->num_modules && !force; i++) {
		if ((r = listed_in(s->quiesce_path, f->modules[i].name, err)) < 0)
			return -1;
		if (r)
			return kext_fail(err, EBUSY, "kldunload %s (id %d): module %s vetoed "
			    "MOD_QUIESCE with EBUSY (it is listed in %s); a forced unload skips "
			    "that veto", f->name, f->id, f->modules[i].name, s->quiesce_path);
	}
	for (i = 0; i < f->num_modules; i++) {
		if ((r = listed_in(s->refuse_path, f->modules[i].name, err)) < 0)
			return -1;
		if (r)
			return kext_fail(err, EBUSY, "kldunload %s (id %d): module %s refused "
			    "MOD_UNLOAD with EBUSY (it is listed in %s)", f->name, f->id,
			    f->modules[i].name, s->refuse_path);
	}
	return 0;
}

/* Whether a file's modules let it go (refuse-unload); -1 when the list is unreadable. */
static int
modules_refuse(const struct sim *s, const struct sim_file *f, kext_error *err)
{
	for (size_t i = 0; i < f->num_modules; i++) {
		int r = listed_in(s->refuse_path, f->modules[i].name, err);

		if (r != 0)
			return r;
	}
	return 0;
}

/*
 * Removes file id and releases the references it held, the way
 * linker_file_unload ends: each dependency with refs > 1 drops one; one
 * whose last reference this was is unloaded too, unless its module refuses.
 */
static int
remove_and_release(const struct sim *s, struct sim_state *st, int id, int depth,
    kext_error *err)
{
	struct sim_file *f = sim_state_find_file(st, id);
	int *deps = f->deps;
	size_t ndeps = f->num_deps;
	int rc = 0;

	f->deps = NULL;
	f->num_deps = 0;
	sim_changes_note(st, id);
	sim_state_remove_file(st, (size_t)(f - st->files));
	for (size_t i = 0; rc == 0 && i < ndeps; i++) {
		struct sim_file *d = sim_state_find_file(st, deps[i]);
		int r;

		if (d->refs > 1 || d->id == SIM_KERNEL_ID || depth >= SIM_MAX_DEPTH) {
			sim_changes_note(st, d->id);
			d->refs--;
			continue;
		}
		if ((r = modules_refuse(s, d, err)) < 0)
			rc = -1;
		else if (r == 0)
			rc = remove_and_release(s, st, d->id, depth + 1, err);
	}
	free(deps);
	return rc;
}

static int
sim_unload(void *impl, int fileid, bool force, kext_error *err)
{
	struct sim *s = impl;
	struct sim_txn t;
	struct sim_file *f;
	int rc = 0;

	if (txn_begin(s, LOCK_EX, &t, err) != 0)
		return -1;
	if ((f = sim_state_find_file(&t.st, fileid)) == NULL)
		rc = kext_fail(err, ENOENT, "kldunload: no loaded file has id %d", fileid);
	else
		rc = unload_checks(s, &t.st, f, force, err);
	if (rc == 0)
		rc = remove_and_release(s, &t.st, fileid, 0, err);
	if (txn_end(s, &t, rc == 0, err) != 0)
		rc = -1;
	return rc;
}

/* --- queries ----------------------------------------------------------- */

static int
sim_osreldate(void *impl, int *osreldate, kext_error *err)
{
	struct sim_txn t;

	if (txn_begin(impl, LOCK_SH, &t, err) != 0)
		return -1;
	*osreldate = t.st.osreldate;
	return txn_end(impl, &t, 0, err);
}

static int
sim_arch(void *impl, char *buf, size_t len, kext_error *err)
{
	struct sim_txn t;

	if (txn_begin(impl, LOCK_SH, &t, err) != 0)
		return -1;
	snprintf(buf, len, "%s", t.st.arch);
	return txn_end(impl, &t, 0, err);
}

static int
sim_find_file(void *impl, const char *name, int *fileid, kext_error *err)
{
	const struct sim_file *f;
	struct sim_txn t;

	if (txn_begin(impl, LOCK_SH, &t, err) != 0)
		return -1;
	f = find_by_basename(&t.st, base_name(name));
	*fileid = f != NULL ? f->id : 0;
	txn_end(impl, &t, 0, NULL);
	if (*fileid == 0)
		return kext_fail(err, ENOENT, "kldfind %s: no such file is loaded", name);
	return 0;
}

static int
sim_find_module(void *impl, const char *modname, int *modid, kext_error *err)
{
	struct sim_txn t;
	size_t i, j;

	if (txn_begin(impl, LOCK_SH, &t, err) != 0)
		return -1;
	*modid = 0;
	for (i = 0; i < t.st.num_files && *modid == 0; i++)
		for (j = 0; j < t.st.files[i].num_modules; j++)
			if (strcmp(t.st.files[i].modules[j].name, modname) == 0)
				*modid = t.st.files[i].modules[j].id;
	txn_end(impl, &t, 0, NULL);
	if (*modid == 0)
		return kext_fail(err, ENOENT, "modfind %s: no such module is registered", modname);
	return 0;
}

static int
copy_file(const struct sim_file *src, struct kext_kld_file *dst)
{
	size_t i;

	dst->id = src->id;
	dst->refs = src->refs;
	dst->address = src->address;
	dst->size = src->size;
	dst->name = strdup(src->name);
	dst->pathname = strdup(src->pathname);
	if (dst->name == NULL || dst->pathname == NULL)
		return -1;
	dst->versions_known = true;
	if (src->num_versions > 0 &&
	    (dst->versions = calloc(src->num_versions, sizeof(*dst->versions))) == NULL)
		return -1;
	for (i = 0; i < src->num_versions; i++) {
		dst->versions[i].version = src->versions[i].version;
		if ((dst->versions[i].name = strdup(src->versions[i].name)) == NULL)
			return -1;
		dst->num_versions++;
	}
	if (src->num_modules == 0)
		return 0;
	if ((dst->modules = calloc(src->num_modules, sizeof(*dst->modules))) == NULL)
		return -1;
	for (i = 0; i < src->num_modules; i++) {
		dst->modules[i].id = src->modules[i].id;
		if ((dst->modules[i].name = strdup(src->modules[i].name)) == NULL)
			return -1;
		dst->num_modules++;
	}
	return 0;
}

static int
sim_list(void *impl, struct kext_kld_file **files, size_t *n, kext_error *err)
{
	struct kext_kld_file *out;
	struct sim_txn t;
	size_t i;
	int rc = 0;

	if (txn_begin(impl, LOCK_SH, &t, err) != 0)
		return -1;
	if ((out = calloc(t.st.num_files, sizeof(*out))) == NULL)
		rc = kext_fail(err, ENOMEM, "kldstat: out of memory");
	for (i = 0; rc == 0 && i < t.st.num_files; i++)
		if (copy_file(&t.st.files[i], &out[i]) != 0) {
			kext_kld_files_free(out, i + 1);
			out = NULL;
			rc = kext_fail(err, ENOMEM, "kldstat: out of memory");
		}
	if (rc == 0) {
		*files = out;
		*n = t.st.num_files;
	}
	txn_end(impl, &t, 0, NULL);
	return rc;
}

/*
 * After appending, leave DIR/state a snapshot again. Best effort: should it
 * fail, the records stay and are read as they are.
 */
static void
compact(struct sim *s)
{
	kext_error ignored;
	int fd;

	if ((fd = lock_dir(s, LOCK_EX, &ignored)) < 0)
		return;
	if (read_cached(s, &ignored) == 0 && (s->cache.journal_len > 0 || s->cache.torn) &&
	    write_snapshot(s, &ignored) != 0)
		drop_cache(s);
	close(fd);
}

static void
sim_close(void *impl)
{
	struct sim *s = impl;

	if (s == NULL)
		return;
	if (s->appended)
		compact(s);
	free(s->dir);
	free(s->state_path);
	free(s->lock_path);
	free(s->refuse_path);
	free(s->refuse_load_path);
	free(s->module_path_path);
	drop_cache(s);
	free(s->quiesce_path);
	free(s);
}

static const struct kext_kernel_ops sim_ops = {
	.osreldate = sim_osreldate,
	.arch = sim_arch,
	.load = sim_load,
	.unload = sim_unload,
	.find_file = sim_find_file,
	.find_module = sim_find_module,
	.list = sim_list,
	.close = sim_close,
};

int
kext_kernel_sim_open(const char *dir, const struct kext_kernel_ops **ops, void **impl,
    kext_error *err)
{
	struct sim *s;

	if (make_dir(dir, err) != 0)
		return -1;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return kext_fail(err, ENOMEM, "sim:%s: out of memory", dir);
	s->state_fd = -1;
	s->dir = strdup(dir);
	s->state_path = join(dir, "state");
	s->lock_path = join(dir, "lock");
	s->refuse_path = join(dir, "refuse-unload");
	s->refuse_load_path = join(dir, "refuse-load");
	s->module_path_path = join(dir, "module_path");
	s->quiesce_path = join(dir, "refuse-quiesce");
	if (s->dir == NULL || s->state_path == NULL || s->lock_path == NULL ||
	    s->refuse_path == NULL || s->refuse_load_path == NULL || s->module_path_path == NULL ||
	    s->quiesce_path == NULL) {
		sim_close(s);
		return kext_fail(err, ENOMEM, "sim:%s: out of memory", dir);
	}
	if (sim_crash_init(&s->crash, err) != 0 || sim_prepare(s, err) != 0) {
		sim_close(s);
		return -1;
	}
	*ops = &sim_ops;
	*impl = s;
	return 0;
}
