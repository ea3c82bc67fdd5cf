/*
 * Bounded whole-file input (see file_read.h).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/file_read.h"

int
kext_file_open_bounded(const char *path, size_t max, const char *too_big, int *fd,
    size_t *size, kext_error *err)
{
	struct stat st;
	int saved;

	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);	/* a FIFO must not block */
	if (*fd < 0)
		return kext_fail(err, errno, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(*fd, &st) != 0) {
		saved = errno;
		close(*fd);
		return kext_fail(err, saved, "%s: cannot stat: %s", path, strerror(saved));
	}
	if (!S_ISREG(st.st_mode)) {
		close(*fd);
		return kext_fail(err, EINVAL, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		close(*fd);
		return kext_fail(err, EFBIG, "%s: %jd bytes is %s (%zu)", path,
		    (intmax_t)st.st_size, too_big, max);
	}
	*size = (size_t)st.st_size;
	return 0;
}

/*
 * size bytes into buf: with pread(2) from the start of the file (the file
 * offset stays, as under a mapping), else with read(2) from the offset.
 */
static int
fill(int fd, uint8_t *buf, size_t size, bool from_start, const char *path, kext_error *err)
{
	ssize_t n;
	int saved;

	for (size_t got = 0; got < size; got += (size_t)n) {
		n = from_start ? pread(fd, buf + got, size - got, (off_t)got) :
		    read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			saved = n < 0 ? errno : EIO;
			return kext_fail(err, saved, "%s: cannot read: %s", path,
			    n < 0 ? strerror(saved) : "file shrank while reading");
		}
	}
	return 0;
}

int
kext_file_read_exact(int fd, size_t size, const char *path, uint8_t **out, kext_error *err)
{
	uint8_t *buf = malloc(size > 0 ? size : 1);	/* malloc(0) may return NULL */

	if (buf == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", path);
	if (fill(fd, buf, size, false, path, err) != 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

int
kext_file_read_all(const char *path, size_t max, const char *too_big, uint8_t **out,
    size_t *size, kext_error *err)
{
	int fd, rc;

	if (kext_file_open_bounded(path, max, too_big, &fd, size, err) != 0)
		return -1;
	rc = kext_file_read_exact(fd, *size, path, out, err);
	close(fd);
	return rc;
}

/*
 * Up to this size a file is read (pread(2), so the caller's offset stays):
 * one call costs less than mmap, munmap and the page faults between, which
 * matters when kextstat parses every loaded module.
 */
#define VIEW_READ_MAX	((size_t)64 << 10)

int
kext_file_view_fd(int fd, const char *path, size_t max, const char *too_big,
    struct kext_file_view *v, kext_error *err)
{
	struct stat st;

	memset(v, 0, sizeof(*v));
	if (fstat(fd, &st) != 0)
		return kext_fail(err, errno, "%s: cannot stat: %s", path, strerror(errno));
	return kext_file_view_stat(fd, &st, path, max, too_big, v, err);
}

int
kext_file_view_stat(int fd, const struct stat *st, const char *path, size_t max,
    const char *too_big, struct kext_file_view *v, kext_error *err)
{
	uint8_t *buf;
	void *m;

	memset(v, 0, sizeof(*v));
	if (!S_ISREG(st->st_mode))
		return kext_fail(err, EINVAL, "%s: not a regular file", path);
	if ((uint64_t)st->st_size > max)
		return kext_fail(err, EFBIG, "%s: %jd bytes is %s (%zu)", path,
		    (intmax_t)st->st_size, too_big, max);
	v->size = (size_t)st->st_size;
	if (v->size == 0)
		return 0;
	if (v->size <= VIEW_READ_MAX) {
		if ((buf = malloc(v->size)) == NULL)
			return kext_fail(err, ENOMEM, "%s: out of memory", path);
		if (fill(fd, buf, v->size, true, path, err) != 0) {
			free(buf);
			return -1;
		}
		v->data = buf;
		return 0;
	}
	m = mmap(NULL, v->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return kext_fail(err, errno, "%s: cannot map: %s", path, strerror(errno));
	v->data = m;
	v->mapped = true;
	return 0;
}

void
kext_file_view_release(struct kext_file_view *v)
{
	if (v->mapped)
		munmap((void *)v->data, v->size);
	else
		free((void *)v->data);
	memset(v, 0, sizeof(*v));
}

int
kext_file_map(const char *path, size_t max, const char *too_big, const void **map,
    size_t *size, kext_error *err)
{
	void *m;
	int fd, saved;

	*map = NULL;
	if (kext_file_open_bounded(path, max, too_big, &fd, size, err) != 0)
		return -1;
	if (*size == 0) {
		close(fd);
		return 0;
	}
	m = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
	saved = errno;
	close(fd);
	if (m == MAP_FAILED)
		return kext_fail(err, saved, "%s: cannot map: %s", path, strerror(saved));
	*map = m;
	return 0;
}

void
kext_file_unmap(const void *map, size_t size)
{
	if (map != NULL)
		munmap((void *)map, size);
}
