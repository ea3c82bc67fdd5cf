/*
 * One run at a time in an output folder, and nothing left by a run that
 * was killed. Runs writing into one folder take an exclusive flock(2) on
 * the folder itself (no lock file appears in it) for their whole run, from
 * reading -r repositories to the last rename, so the bundles of one run
 * never mix with another's. While the lock is held no other run is
 * staging there, so the hidden folders bundle_write.c stages in
 * (".ko2kext.PID.N", and ".Name.kext.old.PID" when swapping on systems
 * without renameat2) can only be leftovers of a killed run: they are
 * removed, and so are the ".Name.kext.PID.N" folders that earlier versions
 * staged each bundle in.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "convert.h"

int
conv_outdir_lock(const char *outdir, int *fd, kext_error *err)
{
	*fd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return kext_fail(err, errno, "%s: %s", outdir, strerror(errno));
	while (flock(*fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		kext_fail(err, errno, "%s: cannot lock the output folder: %s", outdir,
		    strerror(errno));
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

/* s is "." digits... followed by end, or by ".": returns past the digits, or NULL. */
static const char *
dot_number(const char *s)
{
	if (s[0] != '.' || !isdigit((unsigned char)s[1]))
		return NULL;
	for (s++; isdigit((unsigned char)*s); s++)
		;
	return s;
}

/*
 * ".ko2kext.PID.N" or ".Name.kext.old.PID", as conv_stage_open and
 * conv_install_bundle name them, or an earlier version's ".Name.kext.PID.N".
 */
static bool
is_staging_name(const char *name)
{
	const char *kext, *p;

	if (name[0] != '.')
		return false;
	if (strncmp(name, ".ko2kext", 8) == 0 && (p = dot_number(name + 8)) != NULL &&
	    (p = dot_number(p)) != NULL && *p == '\0')
		return true;
	for (kext = strstr(name + 1, ".kext."); kext != NULL; kext = strstr(kext + 1, ".kext.")) {
		p = kext + 5;
		if (strncmp(p, ".old", 4) == 0 && (p = dot_number(p + 4)) != NULL && *p == '\0')
			return kext > name + 1;
		if ((p = dot_number(kext + 5)) != NULL && (p = dot_number(p)) != NULL &&
		    *p == '\0')
			return kext > name + 1;
	}
	return false;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
conv_outdir_clean(const char *outdir, size_t *removed, kext_error *err)
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	*removed = 0;
	if ((d = opendir(outdir)) == NULL)
		return kext_fail(err, errno, "%s: %s", outdir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		int n;

		if (!is_staging_name(de->d_name))
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", outdir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path) || lstat(path, &st) != 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
			rc = kext_fail(err, errno, "%s: cannot remove what an interrupted run left: "
			    "%s", path, strerror(errno));
			break;
		}
		++*removed;
	}
	closedir(d);
	return rc;
}
