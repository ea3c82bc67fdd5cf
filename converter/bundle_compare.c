/*
 * Whether a bundle on disk already is what a conversion would write, so an
 * identical rerun leaves it alone instead of asking for --force.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "kext/file_read.h"

/* Files larger than this are never taken as equal (bundles hold modules and firmware). */
#define MAX_COMPARED ((size_t)512 << 20)

static bool
same_file(const char *a, const char *b, off_t size)
{
	uint8_t *x = NULL, *y = NULL;
	size_t nx = 0, ny = 0;
	bool same;

	if ((size_t)size > MAX_COMPARED)
		return false;
	same = kext_file_read_all(a, MAX_COMPARED, "too large to compare", &x, &nx, NULL) == 0 &&
	    kext_file_read_all(b, MAX_COMPARED, "too large to compare", &y, &ny, NULL) == 0 &&
	    nx == ny && memcmp(x, y, nx) == 0;
	free(x);
	free(y);
	return same;
}

static size_t
count_entries(DIR *d)
{
	struct dirent *e;
	size_t n = 0;

	rewinddir(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	return n;
}

static bool
same_tree(const char *a, const char *b, int depth)
{
	struct stat sa, sb;
	struct dirent *e;
	DIR *da, *db;
	bool same = true;

	if (depth > 32 || lstat(a, &sa) != 0 || lstat(b, &sb) != 0 ||
	    (sa.st_mode & (S_IFMT | 07777)) != (sb.st_mode & (S_IFMT | 07777)))
		return false;
	if (S_ISREG(sa.st_mode))
		return sa.st_size == sb.st_size && same_file(a, b, sa.st_size);
	if (!S_ISDIR(sa.st_mode))
		return false;
	if ((da = opendir(a)) == NULL)
		return false;
	if ((db = opendir(b)) == NULL) {
		closedir(da);
		return false;
	}
	same = count_entries(da) == count_entries(db);
	rewinddir(da);
	while (same && (e = readdir(da)) != NULL) {
		char pa[4096], pb[4096];
		int na, nb;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		na = snprintf(pa, sizeof(pa), "%s/%s", a, e->d_name);
		nb = snprintf(pb, sizeof(pb), "%s/%s", b, e->d_name);
		same = na > 0 && (size_t)na < sizeof(pa) && nb > 0 && (size_t)nb < sizeof(pb) &&
		    same_tree(pa, pb, depth + 1);
	}
	closedir(da);
	closedir(db);
	return same;
}

bool
conv_same_tree(const char *a, const char *b)
{
	return same_tree(a, b, 0);
}
