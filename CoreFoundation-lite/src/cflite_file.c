/* Bounded reading of a whole regular file. */
#include "cflite_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

int
cflite_read_file(const char *path, size_t max, char **bytes, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t cap, n = 0;
	int fd, err = 0;

	*bytes = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);	/* a FIFO must not block */
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0)
		err = errno;
	else if (S_ISDIR(st.st_mode))
		err = EISDIR;
	else if (!S_ISREG(st.st_mode))
		err = EINVAL;	/* no FIFOs or devices: they could block or never end */
	else if ((uintmax_t)st.st_size > max)
		err = EFBIG;
	if (err != 0)
		goto out;
	/* the file may change while we read: never trust st_size beyond max */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		err = ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap > max) {
				err = EFBIG;
				goto out;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				err = ENOMEM;
				goto out;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		err = EFBIG;
		goto out;
	}
	*bytes = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}
