/*
 * The cache directory: one place for every cache, so that KEXT_CACHE_DIR
 * (or its absence) means the same to every tool and layer.
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kext/cache_dir.h"
#include "kext/text.h"

char *
kext_cache_dir_default(void)
{
#ifdef __FreeBSD__
	return strdup("/var/db/kext");
#else
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return kext_strdupf("%s/kext", xdg);
	if (home != NULL && home[0] == '/')
		return kext_strdupf("%s/.cache/kext", home);
	return NULL;
#endif
}

char *
kext_cache_dir(void)
{
	const char *env = getenv(KEXT_CACHE_DIR_ENV);

	if (env != NULL)
		return env[0] != '\0' ? strdup(env) : NULL;
	return kext_cache_dir_default();
}

int
kext_cache_dir_make(const char *dir)
{
	char *p = strdup(dir), *s;
	int rc = 0;

	if (p == NULL)
		return -1;
	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			rc = -1;
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}
