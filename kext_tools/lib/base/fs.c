/*
 * File stamps, containment and the clock. Containment matters because a
 * symbolic link (a file of a bundle, or a folder on its way such as Contents)
 * may lead anywhere; the kernel must never be handed a file from outside the
 * bundle that was validated and authenticated.
 */
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kext/fs.h"

/*
 * path is dir/NAME/NAME... (dir canonical) and no NAME is ".", ".." or a
 * symbolic link: then path is its own real path. One lstat(2) a NAME below
 * dir instead of realpath(3)'s readlink(2) for every component from /; false
 * sends the caller to realpath(3), which also gives the error.
 */
static bool
plain_below(const char *dir, size_t n, const char *path)
{
	char buf[PATH_MAX];
	const char *name, *end;
	struct stat st;
	size_t len = strlen(path);

	if (n <= 1 || strncmp(dir, path, n) != 0 || path[n] != '/' || len >= sizeof(buf))
		return false;
	memcpy(buf, path, len + 1);
	for (name = path + n + 1; ; name = end + 1) {
		if ((end = strchr(name, '/')) == NULL)
			end = name + strlen(name);
		if (end == name || (end - name == 1 && name[0] == '.') ||
		    (end - name == 2 && name[0] == '.' && name[1] == '.'))
			return false;
		buf[end - path] = '\0';
		if (lstat(buf, &st) != 0 || S_ISLNK(st.st_mode))
			return false;
		if (*end == '\0')
			return true;
		buf[end - path] = '/';
	}
}

int
kext_path_inside(const char *dir, const char *path, char **real)
{
	size_t n = strlen(dir);

	if (plain_below(dir, n, path))
		return (*real = strdup(path)) != NULL ? 0 : -1;
	*real = realpath(path, NULL);
	if (*real == NULL)
		return -1;
	/* "/" holds everything; otherwise dir itself or dir followed by '/'. */
	if (strcmp(dir, "/") == 0 ||
	    (strncmp(dir, *real, n) == 0 && ((*real)[n] == '/' || (*real)[n] == '\0')))
		return 0;
	errno = EXDEV;
	return -1;
}

void
kext_file_stamp_from_stat(struct kext_file_stamp *s, const struct stat *st)
{
	s->dev = (uint64_t)st->st_dev;
	s->ino = (uint64_t)st->st_ino;
	s->size = (int64_t)st->st_size;
	s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

bool
kext_file_stamp_equal(const struct kext_file_stamp *a, const struct kext_file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime_ns == b->mtime_ns;
}

int
kext_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int64_t
kext_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
kext_mkdir_parent(const char *path, const char *what, kext_error *err)
{
	char dir[PATH_MAX], *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return kext_fail(err, ENAMETOOLONG, "%s: path too long", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return kext_fail(err, errno, "%s: cannot create %s: %s", dir, what, strerror(errno));
	return 0;
}
