/*
 * Does a file of a bundle really live inside it? A symbolic link (the file
 * itself, or a folder on its way such as Contents) may lead anywhere; the
 * kernel must never be handed a file from outside the bundle that was
 * validated and authenticated.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_internal.h"

int
kext_path_inside(const char *dir, const char *path, char **real)
{
	size_t n = strlen(dir);

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
