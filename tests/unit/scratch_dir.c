/* Scratch directories for the unit tests (see scratch_dir.h). */
#include "scratch_dir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *
tmp_root(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp != NULL && *tmp != '\0' ? tmp : "/tmp";
}

int
scratch_dir_make(char *buf, size_t size, const char *prefix)
{
	int n = snprintf(buf, size, "%s/%sXXXXXX", tmp_root(), prefix);

	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkdtemp(buf) != NULL ? 0 : -1;
}

char *
scratch_dir_new(const char *prefix)
{
	size_t size = strlen(tmp_root()) + strlen(prefix) + sizeof("/XXXXXX");
	char *p = malloc(size);

	if (p != NULL && scratch_dir_make(p, size, prefix) != 0) {
		free(p);
		p = NULL;
	}
	return p;
}

void
scratch_dir_remove(const char *path)
{
	struct dirent *de;
	struct stat st;
	char *child;
	DIR *d;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			child = malloc(strlen(path) + strlen(de->d_name) + 2);
			if (child == NULL)
				continue;
			sprintf(child, "%s/%s", path, de->d_name);
			scratch_dir_remove(child);
			free(child);
		}
		closedir(d);
	}
	rmdir(path);
}

void
scratch_dir_free(char *path)
{
	if (path == NULL)
		return;
	scratch_dir_remove(path);
	free(path);
}

int
scratch_dir_setup(void **state)
{
	*state = scratch_dir_new("kext-test-");
	return *state != NULL ? 0 : -1;
}

int
scratch_dir_teardown(void **state)
{
	scratch_dir_free(*state);
	return 0;
}
