/*
 * DIR/state on disk: read whole, replaced whole (a snapshot: DIR/state.tmp,
 * fsync, rename, fsync of the directory) or extended by one journal record
 * appended at its end. The descriptor of the file read or written last is
 * kept open by the caller: while it is, that inode cannot be reused, so an
 * unchanged device, inode, size and times say the file is the one it read.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel_sim.h"
#include "kext/fs.h"

bool
sim_file_unchanged(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int
sim_file_read(const char *path, int *fdp, char **out, size_t *outlen, struct stat *sb,
    kext_error *err)
{
	char *text;
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return kext_fail(err, errno, "%s: cannot open the sim kernel state: %s", path,
		    strerror(errno));
	if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode) || sb->st_size > SIM_STATE_MAX_BYTES) {
		close(fd);
		return kext_fail(err, EINVAL, "%s: expected a regular file of at most %u bytes",
		    path, SIM_STATE_MAX_BYTES);
	}
	if ((text = malloc((size_t)sb->st_size + 1)) == NULL) {
		close(fd);
		return kext_fail(err, ENOMEM, "%s: out of memory", path);
	}
	/* Read until EOF: one byte more than fstat said shows a change meanwhile. */
	while (got <= (size_t)sb->st_size &&
	    (n = read(fd, text + got, (size_t)sb->st_size + 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kext_fail(err, errno, "%s: read: %s", path, strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	if (got != (size_t)sb->st_size) {
		kext_fail(err, EINVAL, "%s: changed size while being read", path);
		goto fail;
	}
	*fdp = fd;
	*out = text;
	*outlen = got;
	return 0;
fail:
	free(text);
	close(fd);
	return -1;
}

/* Makes the rename durable; not every file system supports fsync on directories. */
static void
sync_parent_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

int
sim_file_replace(const char *path, const char *text, size_t len, int *keep_fd,
    struct stat *sb, kext_error *err)
{
	char tmp[4096];
	int fd, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return kext_fail(err, ENAMETOOLONG, "%s: path too long", path);
	if (len > SIM_STATE_MAX_BYTES)
		return kext_fail(err, ENOSPC, "%s: the sim kernel state would exceed %u bytes",
		    path, SIM_STATE_MAX_BYTES);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		saved = errno;
		return kext_fail(err, saved, "%s: cannot create: %s", tmp, strerror(saved));
	}
	if (kext_write_all(fd, text, len) != 0 || fsync(fd) != 0) {
		saved = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		return kext_fail(err, saved, "%s: cannot write: %s", tmp, strerror(saved));
	}
	if (rename(tmp, path) != 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		return kext_fail(err, saved, "%s: cannot replace with %s: %s", path, tmp,
		    strerror(saved));
	}
	sync_parent_dir(path);
	/* after the rename, which changes the inode's ctime */
	if (keep_fd != NULL && fstat(fd, sb) == 0) {
		*keep_fd = fd;
		return 0;
	}
	if (keep_fd != NULL)
		*keep_fd = -1;
	close(fd);
	return 0;
}

/*
 * One write at the end of the file read as *sb. No fsync: a kill -9 cannot
 * undo a write that returned, and a record a crash cuts short lacks its
 * "end" line, so readers ignore it; the next snapshot is synced.
 */
int
sim_file_append(const char *path, const char *text, size_t len, struct stat *sb,
    kext_error *err)
{
	struct stat now;
	int fd, saved;

	if (sb->st_size < 0 || len > SIM_STATE_MAX_BYTES - (size_t)sb->st_size)
		return kext_fail(err, ENOSPC, "%s: the sim kernel state would exceed %u bytes",
		    path, SIM_STATE_MAX_BYTES);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0) {
		saved = errno;
		return kext_fail(err, saved, "%s: cannot open to append: %s", path,
		    strerror(saved));
	}
	if (fstat(fd, &now) != 0 || !sim_file_unchanged(&now, sb)) {
		close(fd);
		return kext_fail(err, EAGAIN, "%s: changed meanwhile by a writer that ignores "
		    "the sim kernel's lock", path);
	}
	if (kext_write_all(fd, text, len) != 0 || fstat(fd, sb) != 0) {
		saved = errno ? errno : EIO;
		close(fd);
		return kext_fail(err, saved, "%s: cannot append: %s", path, strerror(saved));
	}
	close(fd);
	return 0;
}

int
sim_state_write(const char *path, const struct sim_state *st, kext_error *err)
{
	char *text;
	size_t len;
	int rc;

	if (sim_state_format(st, &text, &len, err) != 0)
		return -1;
	rc = sim_file_replace(path, text, len, NULL, NULL, err);
	free(text);
	return rc;
}
