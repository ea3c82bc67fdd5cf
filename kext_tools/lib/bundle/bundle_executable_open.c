/*
 * Opening a bundle's executable for loading: once, and the open file is
 * what gets checked and then loaded (kext_kernel_load_fd), so a file
 * renamed into place after the check is never what the kernel reads. The
 * descriptor validation opened is taken when the bundle kept it
 * (bundle_executable_keep.c): the same kind of open, made earlier.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bundle_internal.h"

int
kext_bundle_open_executable(struct kext_bundle *b, bool authenticate, int *fd,
    struct stat *st, kext_error *err)
{
	const char *exe = b->executable_path;
	int saved;

	*fd = -1;
	if (exe == NULL)
		return kext_fail(err, ENOENT, "%s: has no executable file", b->path);
	/* No link is followed and a FIFO does not block the open. */
	if ((*fd = kext_bundle_take_executable(b)) < 0)
		*fd = open(exe, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (*fd < 0)
		return kext_fail(err, errno, "%s: cannot open: %s", exe, strerror(errno));
	/* now, not when validation opened it: the file's mode and size as read */
	if (fstat(*fd, st) != 0) {
		saved = errno;
		kext_fail(err, saved, "%s: cannot stat: %s", exe, strerror(saved));
	} else if (!S_ISREG(st->st_mode)) {
		kext_fail(err, EINVAL, "%s: not a regular file", exe);
	} else if (authenticate && (st->st_uid != 0 || st->st_gid != 0 ||
	    (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)) {
		kext_fail(err, EPERM, "%s: authentication failure: the file opened for loading, "
		    "%s, is owned by %lu:%lu with mode %04o (must be root:wheel, not writable by "
		    "group or other)", b->path, exe, (unsigned long)st->st_uid,
		    (unsigned long)st->st_gid, (unsigned)(st->st_mode & 07777));
	} else {
		return 0;
	}
	close(*fd);
	*fd = -1;
	return -1;
}
