/*
 * Writing bundles in two steps, so a reader sees either the old bundle or the
 * complete new one, and a failure leaves nothing half-written:
 *
 *   stage    every bundle of the run goes into one hidden folder in the
 *            output folder (.ko2kext.PID.N), where it is validated;
 *   sync     staged data is made durable: one syncfs(2) for a whole run on
 *            Linux (a fsync per file elsewhere, done while staging);
 *   install  each staged folder is renamed into place; an old bundle is
 *            swapped out in one step where the system can (Linux), else
 *            moved aside just before.
 *
 * Syncing once for the run, not once per file, one staging folder for the
 * run rather than one per bundle, and validating each bundle from what was
 * written rather than reading it back are what keep a bulk conversion close
 * to the speed of a plain copy.
 */
#ifdef __FreeBSD__
#include <sys/param.h>	/* __FreeBSD_version */
#endif
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert.h"
#include "kext/file_read.h"

/* Firmware files copied into a bundle (-f) are read whole, up to this size. */
#define MAX_FIRMWARE_SIZE ((size_t)256 << 20)

#ifdef __linux__
#define SYNC_PER_FILE 0
#else
#define SYNC_PER_FILE 1
#endif

/* base/rel into buf; a path that does not fit is an error, never a truncation. */
static int
sub_path(char *buf, size_t len, const char *base, const char *rel, kext_error *err)
{
	int n = snprintf(buf, len, "%s/%s", base, rel);

	if (n < 0 || (size_t)n >= len)
		return kext_fail(err, ENAMETOOLONG, "%s/%s: path too long", base, rel);
	return 0;
}

/*
 * The new file dir/name under the folder dfd (dir NULL: name in dfd itself),
 * opened for writing; path/name is what messages call it.
 */
static int
create_at(int dfd, const char *dir, const char *name, int flags, kext_error *err)
{
	char rel[4096];

	if (dir == NULL)
		return openat(dfd, name, flags | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (sub_path(rel, sizeof(rel), dir, name, err) != 0)
		return -2;
	return openat(dfd, rel, flags | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
}

/* Writes the new file dir/name in the folder dfd (dir NULL: name); path is for messages. */
static int
write_at(int dfd, const char *dir, const char *name, const char *path, const void *data,
    size_t len, kext_error *err)
{
	const unsigned char *p = data;
	int fd = create_at(dfd, dir, name, O_WRONLY, err);

	if (fd == -2)
		return -1;
	if (fd < 0)
		return kext_fail(err, errno, "%s/%s: %s", path, name, strerror(errno));
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			int e = errno;

			close(fd);
			return kext_fail(err, e, "%s/%s: write failed: %s", path, name, strerror(e));
		}
		p += w;
		len -= (size_t)w;
	}
	if (SYNC_PER_FILE && fsync(fd) != 0) {
		int e = errno;

		close(fd);
		return kext_fail(err, e, "%s/%s: %s", path, name, strerror(e));
	}
	if (close(fd) != 0)
		return kext_fail(err, errno, "%s/%s: %s", path, name, strerror(errno));
	return 0;
}

/*
 * The bytes of the open file in, from where it stands to its end, into out:
 * in the kernel with copy_file_range(2) where there is one (Linux; FreeBSD
 * from 13.0, man.freebsd.org/copy_file_range, the __FreeBSD_version 1300000
 * libc++ checks in llvm/llvm-project#169179), else through a small buffer.
 */
static int
copy_fd(int in, int out, size_t len)
{
	char buf[64 * 1024];

#if defined(__linux__) || (defined(__FreeBSD__) && __FreeBSD_version >= 1300000)
	while (len > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == ENOSYS || errno == EXDEV || errno == EINVAL ||
		    errno == EOPNOTSUPP))
			break;	/* not here: the portable way below */
		if (n <= 0)
			return n == 0 ? (errno = EIO, -1) : -1;
		len -= (size_t)n;
	}
#endif
	while (len > 0) {
		ssize_t r = read(in, buf, len < sizeof(buf) ? len : sizeof(buf)), w;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? (errno = EIO, -1) : -1;
		for (char *p = buf; r > 0; p += w, r -= w, len -= (size_t)w)
			if ((w = write(out, p, (size_t)r)) < 0)
				return -1;
	}
	return 0;
}

/*
 * The module file m->source copied file to file as dir/name in dfd (dir NULL:
 * name); path is for messages. head gets the first bytes of the copy, read
 * back from it.
 */
static int
copy_module_at(int dfd, const char *dir, const char *name, const char *path,
    const struct conv_module *m, struct conv_head *head, kext_error *err)
{
	ssize_t got;
	int in, out, e;

	if ((in = open(m->source, O_RDONLY | O_CLOEXEC)) < 0)
		return kext_fail(err, errno, "%s: %s", m->source, strerror(errno));
	if ((out = create_at(dfd, dir, name, O_RDWR, err)) < 0) {
		e = errno;
		close(in);
		return out == -2 ? -1 : kext_fail(err, e, "%s/%s: %s", path, name, strerror(e));
	}
	if (copy_fd(in, out, m->len) != 0 || (SYNC_PER_FILE && fsync(out) != 0) ||
	    (got = pread(out, head->bytes, sizeof(head->bytes), 0)) < 0) {
		e = errno;
		close(in);
		close(out);
		return kext_fail(err, e, "%s/%s: copying %s failed: %s", path, name, m->source,
		    e == EIO ? "the file changed while being copied" : strerror(e));
	}
	close(in);
	head->len = (size_t)got;
	if (close(out) != 0)
		return kext_fail(err, errno, "%s/%s: %s", path, name, strerror(errno));
	return 0;
}

/*
 * Makes the folder name in dfd and opens it. Modes are exact because ko2kext
 * runs with umask 022 (set in main).
 */
static int
make_dir_at(int dfd, const char *name, const char *path, kext_error *err)
{
	int fd;

	if (mkdirat(dfd, name, 0755) != 0 ||
	    (fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return kext_fail(err, errno, "%s/%s: %s", path, name, strerror(errno));
	return fd;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}


/* The Info.plist's XML (*xml, the caller releases it), as it goes on disk and is validated. */
static int
info_plist_xml(const struct conv_module *m, CFDictionaryRef info, CFDataRef *xml,
    kext_error *err)
{
	CFErrorRef cferr = NULL;

	*xml = CFPropertyListCreateData(NULL, info, kCFPropertyListXMLFormat_v1_0, 0, &cferr);
	if (*xml == NULL) {
		char *msg = conv_take_error_text(cferr);

		kext_fail(err, EINVAL, "%s: cannot write Info.plist: %s", m->origin,
		    msg ? msg : "unknown error");
		free(msg);
		return -1;
	}
	return 0;
}

static int copy_firmware(int dfd, const char *src, const char *name, const char *path,
    int depth, kext_error *err);

/*
 * A firmware folder's files go in under their own names, subfolders kept and
 * links followed, as NextBSD's ko2kext.sh copies one (cp -RL dir/.), so
 * firmware(9) finds them by the names a driver asks for.
 */
static int
copy_firmware_dir(int dfd, const char *src, const char *path, int depth, kext_error *err)
{
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (depth > 16)
		return kext_fail(err, ELOOP, "%s: firmware folders nested too deep", src);
	if ((d = opendir(src)) == NULL)
		return kext_fail(err, errno, "%s: %s", src, strerror(errno));
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char child[4096];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((rc = sub_path(child, sizeof(child), src, e->d_name, err)) == 0)
			rc = copy_firmware(dfd, child, e->d_name, path, depth + 1, err);
	}
	closedir(d);
	return rc;
}

/* src (a file, or a folder copied whole) into dfd as name. */
static int
copy_firmware(int dfd, const char *src, const char *name, const char *path, int depth,
    kext_error *err)
{
	uint8_t *data = NULL;
	size_t len = 0;
	struct stat st;
	int rc, sub;

	if (stat(src, &st) != 0)
		return kext_fail(err, errno, "firmware %s: %s", src, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		char where[4096];

		if ((sub = make_dir_at(dfd, name, path, err)) < 0)
			return -1;
		if (sub_path(where, sizeof(where), path, name, err) != 0)
			rc = -1;
		else
			rc = copy_firmware_dir(sub, src, where, depth, err);
		close(sub);
		return rc;
	}
	rc = kext_file_read_all(src, MAX_FIRMWARE_SIZE, "larger than any firmware ko2kext copies",
	    &data, &len, err);
	if (rc == 0)
		rc = write_at(dfd, NULL, name, path, data, len, err);
	free(data);
	return rc;
}

static int
write_firmware(int contents, const char *path, const struct conv_options *opt, kext_error *err)
{
	char where[4096];
	struct stat st;
	int res, fw, rc = 0;

	if ((res = make_dir_at(contents, "Resources", path, err)) < 0)
		return -1;
	fw = make_dir_at(res, "firmware", path, err);
	close(res);
	if (fw < 0)
		return -1;
	if (sub_path(where, sizeof(where), path, "Contents/Resources/firmware", err) != 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < opt->num_firmware; i++) {
		const char *base = strrchr(opt->firmware[i], '/');

		base = base ? base + 1 : opt->firmware[i];
		if (stat(opt->firmware[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc = copy_firmware_dir(fw, opt->firmware[i], where, 0, err);
		else
			rc = copy_firmware(fw, opt->firmware[i], base, where, 0, err);
	}
	close(fw);
	return rc;
}

/* The executable's first bytes of a module held in memory: what was written. */
static void
head_of(const struct conv_module *m, struct conv_head *head)
{
	head->len = m->len < sizeof(head->bytes) ? m->len : sizeof(head->bytes);
	memcpy(head->bytes, m->data, head->len);
}

/*
 * The bundle's folders and files are made by their paths under the staging
 * folder (stage, a descriptor), one call each, rather than by opening every
 * folder on the way: a conversion writes thousands of them. The folder
 * descriptor is taken only for firmware, which is copied folder by folder.
 * shown is where messages say the bundle is (OUTDIR/Foo.kext).
 */
static int
fill_bundle(int stage, const char *shown, const struct conv_module *m, CFDataRef xml,
    const struct conv_options *opt, struct conv_head *head, kext_error *err)
{
	char contents[4096], macos[4096], shown_contents[4096], shown_macos[4096];
	int fd, rc;

	if (sub_path(contents, sizeof(contents), m->bundle_name, "Contents", err) != 0 ||
	    sub_path(macos, sizeof(macos), contents, "MacOS", err) != 0 ||
	    sub_path(shown_contents, sizeof(shown_contents), shown, "Contents", err) != 0 ||
	    sub_path(shown_macos, sizeof(shown_macos), shown_contents, "MacOS", err) != 0)
		return -1;
	if (mkdirat(stage, contents, 0755) != 0)
		return kext_fail(err, errno, "%s: %s", shown_contents, strerror(errno));
	if (mkdirat(stage, macos, 0755) != 0)
		return kext_fail(err, errno, "%s: %s", shown_macos, strerror(errno));
	if (m->source != NULL) {
		rc = copy_module_at(stage, macos, m->file_name, shown_macos, m, head, err);
	} else {
		rc = write_at(stage, macos, m->file_name, shown_macos, m->data, m->len, err);
		head_of(m, head);
	}
	if (rc == 0)
		rc = write_at(stage, contents, "Info.plist", shown_contents, CFDataGetBytePtr(xml),
		    (size_t)CFDataGetLength(xml), err);
	if (rc == 0 && opt->num_firmware > 0) {
		if ((fd = openat(stage, contents, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			return kext_fail(err, errno, "%s: %s", shown_contents, strerror(errno));
		rc = write_firmware(fd, shown, opt, err);
		close(fd);
	}
	return rc;
}

/*
 * The run's staging folder, OUTDIR/.ko2kext.PID.N, made under the canonical
 * OUTDIR so the staged bundles' paths are canonical (kext/bundle.h's written
 * bundles). Only this run writes in it, and its bundle names are distinct,
 * so each bundle is staged under its own name.
 */
int
conv_stage_open(const char *outdir, struct conv_stage *st, kext_error *err)
{
	char *real = realpath(outdir, NULL), path[4096], hidden[64];

	st->path = NULL;
	st->fd = -1;
	if (real == NULL)
		return kext_fail(err, errno, "%s: %s", outdir, strerror(errno));
	for (unsigned n = 0;; n++) {
		snprintf(hidden, sizeof(hidden), ".ko2kext.%ld.%u", (long)getpid(), n);
		if (sub_path(path, sizeof(path), real, hidden, err) != 0) {
			free(real);
			return -1;
		}
		if (mkdir(path, 0755) == 0)
			break;
		if (errno != EEXIST || n == 1000) {
			kext_fail(err, errno, "%s: cannot create a folder in it: %s", outdir,
			    strerror(errno));
			free(real);
			return -1;
		}
	}
	free(real);
	if ((st->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (st->path = strdup(path)) == NULL) {
		int e = st->fd < 0 ? errno : ENOMEM;

		conv_stage_close(st);
		rmdir(path);
		return kext_fail(err, e, "%s: %s", outdir, strerror(e));
	}
	return 0;
}

/* The staging folder goes, with anything a failure left in it. */
void
conv_stage_close(struct conv_stage *st)
{
	if (st->path != NULL && rmdir(st->path) != 0)
		remove_tree(st->path);
	if (st->fd >= 0)
		close(st->fd);
	free(st->path);
	st->path = NULL;
	st->fd = -1;
}

/*
 * The bundle is written under its own name in the run's staging folder
 * (OUTDIR/.ko2kext.PID.N/Foo.kext), then validated from what was written
 * before it is renamed into place.
 */
int
conv_stage_bundle(const struct conv_stage *st, const char *outdir, const struct conv_module *m,
    CFDictionaryRef info, const struct conv_options *opt, char **staged, kext_error *err)
{
	char tmp[4096], shown[4096];
	struct conv_head head = {.len = 0};
	CFDataRef xml = NULL;
	int rc;

	*staged = NULL;
	/* Messages name the bundle being written, never the staging folder. */
	if (sub_path(shown, sizeof(shown), outdir, m->bundle_name, err) != 0 ||
	    sub_path(tmp, sizeof(tmp), st->path, m->bundle_name, err) != 0)
		return -1;
	if (strchr(m->bundle_name, '/') != NULL || strchr(m->file_name, '/') != NULL ||
	    m->bundle_name[0] == '.')
		return kext_fail(err, EINVAL, "%s: unsafe bundle name '%s'", m->origin,
		    m->bundle_name);
	if (info_plist_xml(m, info, &xml, err) != 0)
		return -1;
	if (mkdirat(st->fd, m->bundle_name, 0755) != 0) {
		CFRelease(xml);
		return kext_fail(err, errno, "%s: %s", shown, strerror(errno));
	}
	rc = fill_bundle(st->fd, shown, m, xml, opt, &head, err);
	if (rc == 0)
		rc = conv_check_bundle(outdir, &(struct kext_bundle_written){
		    .path = tmp, .info_xml = CFDataGetBytePtr(xml),
		    .info_len = (size_t)CFDataGetLength(xml), .executable = m->file_name,
		    .head = head.bytes, .head_len = head.len}, m, opt, err);
	CFRelease(xml);
	if (rc == 0 && (*staged = strdup(tmp)) == NULL)
		rc = kext_fail(err, ENOMEM, "out of memory");
	if (rc != 0)
		remove_tree(tmp);
	return rc;
}

int
conv_sync_staged(const char *outdir, kext_error *err)
{
#ifdef __linux__
	int fd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || syncfs(fd) != 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return kext_fail(err, e, "%s: cannot sync the new bundles: %s", outdir, strerror(e));
	}
	close(fd);
#endif
	(void)outdir;
	(void)err;
	return 0;
}

void
conv_discard_staged(const char *staged)
{
	remove_tree(staged);
}

/*
 * Linux swaps two names in one step (renameat2 RENAME_EXCHANGE), so the old
 * bundle is never missing, and renames without replacing (RENAME_NOREPLACE),
 * so a bundle that appeared since the check is not lost. 1: not supported here
 * (another OS, an old kernel, a file system without it); use plain rename.
 */
static int
rename_flags(const char *from, const char *to, bool exchange)
{
#if defined(__linux__) && defined(RENAME_EXCHANGE) && defined(RENAME_NOREPLACE)
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to,
	    exchange ? RENAME_EXCHANGE : RENAME_NOREPLACE) == 0)
		return 0;
	return errno == EINVAL || errno == ENOSYS || errno == ENOTSUP ? 1 : -1;
#else
	(void)from;
	(void)to;
	(void)exchange;
	return 1;
#endif
}

/*
 * Swaps the finished bundle in; the old one is moved aside first and dropped
 * last. On success nothing is left at staged; on failure the caller discards it.
 */
int
conv_install_bundle(const char *outdir, const struct conv_module *m, const char *staged,
    bool force, kext_error *err)
{
	char final[4096], old[4096], hidden[300];
	struct stat st;
	int r;

	if (sub_path(final, sizeof(final), outdir, m->bundle_name, err) != 0)
		return -1;
	/* The common case, a new bundle, in one call where renaming can refuse to replace. */
	if ((r = rename_flags(staged, final, false)) == 0)
		return 0;
	if (r < 0 && errno != EEXIST)
		return kext_fail(err, errno, "%s: %s", final, strerror(errno));
	if (lstat(final, &st) != 0) {
		if (r < 0 || rename(staged, final) != 0)
			return kext_fail(err, errno, "%s: %s", final, r < 0 ?
			    "changed while converting; not replacing it" : strerror(errno));
		return 0;
	}
	if (!force && conv_same_tree(staged, final)) {
		remove_tree(staged);
		return 1;	/* already what this run would write */
	}
	if (!force)
		return kext_fail(err, EEXIST, "%s: already exists and differs from what this "
		    "conversion writes; use --force to replace it", final);
	if (!S_ISDIR(st.st_mode))
		return kext_fail(err, EEXIST, "%s: exists and is not a bundle directory; "
		    "not replacing it", final);
	/* after the swap the old bundle is under the staged name */
	if ((r = rename_flags(staged, final, true)) == 0) {
		remove_tree(staged);
		return 0;
	}
	if (r < 0)
		return kext_fail(err, errno, "%s: cannot swap the new bundle in: %s", final,
		    strerror(errno));
	snprintf(hidden, sizeof(hidden), ".%.200s.old.%ld", m->bundle_name, (long)getpid());
	if (sub_path(old, sizeof(old), outdir, hidden, err) != 0)
		return -1;
	remove_tree(old);
	if (rename(final, old) != 0)
		return kext_fail(err, errno, "%s: cannot move the old bundle aside: %s", final,
		    strerror(errno));
	if (rename(staged, final) != 0) {
		int e = errno;

		if (rename(old, final) != 0)
			return kext_fail(err, e, "%s: %s; the old bundle is left as %s", final,
			    strerror(e), old);
		return kext_fail(err, e, "%s: %s", final, strerror(e));
	}
	remove_tree(old);
	return 0;
}
