/*
 * Filesystem authentication of a bundle (spec §4.8): every file and folder
 * must be root:wheel and not writable by group or other; the PlugIns folder
 * is checked but not entered (plugins are kexts of their own); symbolic
 * links get a warning and must resolve inside the bundle. Every bad path is
 * listed, the walk does not stop at the first.
 *
 * The folders above the bundle, up to /, are checked too: whoever may
 * rename entries in one of them can swap the bundle for another between
 * this check and the load. The rule is OpenSSH's StrictModes check of the
 * folders above authorized_keys (misc.c safe_path(): every component of the
 * canonical path, walking up to /, owned by root and without group/other
 * write), with one addition: a root-owned sticky folder (/tmp) is allowed,
 * since in it only an entry's owner or root may rename or remove the entry
 * (sticky(7)), and the entry below it must itself be root's.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "kext/text.h"

#define AUTH_MAX_DEPTH		32
#define AUTH_MAX_ENTRIES	100000

/* What a failure is, for the summary: only ownership faults are "wrong owner". */
enum auth_fault { FAULT_OWNER, FAULT_PARENT, FAULT_LINK, FAULT_OTHER, NFAULTS };

struct auth_walk {
	struct kext_bundle *b;
	char *plugins_dir;
	size_t nbad, nentries, nfault[NFAULTS];
	char *first_bad;
};

static enum auth_fault
fault_of(const char *message)
{
	if (strcmp(message, KEXT_DIAG_OWNER_PERMISSIONS) == 0)
		return FAULT_OWNER;
	if (strcmp(message, KEXT_DIAG_PARENT_PERMISSIONS) == 0)
		return FAULT_PARENT;
	if (strcmp(message, KEXT_DIAG_SYMLINK_OUTSIDE) == 0)
		return FAULT_LINK;
	return FAULT_OTHER;
}

static void
bad(struct auth_walk *w, const char *path, const char *message,
    const char *fmt, const char *detail)
{
	w->nbad++;
	w->nfault[fault_of(message)]++;
	if (w->first_bad == NULL)
		w->first_bad = strdup(path);
	if (fmt != NULL)
		kext_diags_add(w->b->diags, KEXT_DIAG_AUTHENTICATION, message, fmt,
		    path, detail);
	else
		kext_diags_add(w->b->diags, KEXT_DIAG_AUTHENTICATION, message, "%s",
		    path);
}

static void
check_owner(struct auth_walk *w, const char *path, const struct stat *st)
{
	char found[96];

	if (st->st_uid == 0 && st->st_gid == 0 &&
	    (st->st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return;
	snprintf(found, sizeof(found), "owner %lu:%lu, mode %04o",
	    (unsigned long)st->st_uid, (unsigned long)st->st_gid,
	    (unsigned)(st->st_mode & 07777));
	bad(w, path, KEXT_DIAG_OWNER_PERMISSIONS,
	    "%s - expected owner 0:0 and no group/other write, found %s", found);
}

static bool
inside_bundle(const char *bundle, const char *target)
{
	size_t n = strlen(bundle);

	return strncmp(bundle, target, n) == 0 &&
	    (target[n] == '/' || target[n] == '\0');
}

static void
check_symlink(struct auth_walk *w, const char *path)
{
	struct stat st;
	char *target;

	kext_diags_add(w->b->diags, KEXT_DIAG_WARNING, KEXT_DIAG_SYMLINK, "%s", path);
	target = realpath(path, NULL);
	if (target == NULL) {
		bad(w, path, KEXT_DIAG_SYMLINK_OUTSIDE, "%s - can't be resolved: %s",
		    strerror(errno));
		return;
	}
	if (!inside_bundle(w->b->path, target)) {
		bad(w, path, KEXT_DIAG_SYMLINK_OUTSIDE, "%s - points to %s, outside "
		    "the bundle", target);
	} else if (stat(target, &st) != 0) {
		bad(w, path, KEXT_DIAG_FILE_NOT_FOUND, "%s - %s", strerror(errno));
	} else {
		check_owner(w, path, &st);
	}
	free(target);
}

/* The folders above the bundle (b->path is canonical), up to /. */
static void
check_parents(struct auth_walk *w)
{
	char *dir = strdup(w->b->path), *slash, found[96];
	struct stat st;

	if (dir == NULL) {
		bad(w, w->b->path, KEXT_DIAG_FILE_UNREADABLE, "%s - %s", "out of memory");
		return;
	}
	while ((slash = strrchr(dir, '/')) != NULL) {
		slash[slash == dir ? 1 : 0] = '\0';
		if (lstat(dir, &st) != 0) {
			bad(w, dir, KEXT_DIAG_FILE_NOT_FOUND, "%s - %s", strerror(errno));
		} else if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
		    ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)) {
			snprintf(found, sizeof(found), "%s, owner %lu:%lu, mode %04o",
			    S_ISDIR(st.st_mode) ? "a folder" : "not a folder",
			    (unsigned long)st.st_uid, (unsigned long)st.st_gid,
			    (unsigned)(st.st_mode & 07777));
			bad(w, dir, KEXT_DIAG_PARENT_PERMISSIONS, "%s - expected a folder owned "
			    "by root and not writable by group or other (or root's and sticky), "
			    "found %s", found);
		}
		if (strcmp(dir, "/") == 0)
			break;
	}
	free(dir);
}

/* "1 file with the wrong owner or permissions (...)", "2 bad links", ... */
static void
describe_faults(const struct auth_walk *w, char *out, size_t size)
{
	static const char *const what[NFAULTS][2] = {
		{ "file with the wrong owner or permissions (must be root:wheel, not writable "
		    "by group or other)", "files with the wrong owner or permissions (must be "
		    "root:wheel, not writable by group or other)" },
		{ "folder above the bundle that others can write to (must be root's, not "
		    "writable by group or other, or root's and sticky)", "folders above the "
		    "bundle that others can write to (must be root's, not writable by group "
		    "or other, or root's and sticky)" },
		{ "bad link", "bad links" },
		{ "file that can't be checked", "files that can't be checked" },
	};
	size_t used = 0;

	out[0] = '\0';
	for (int f = 0; f < NFAULTS && used < size; f++) {
		if (w->nfault[f] == 0)
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%zu %s",
		    used > 0 ? ", " : "", w->nfault[f], what[f][w->nfault[f] != 1]);
	}
}

/* Walks the directory open at fd (consumed) whose path is path. */
static void
walk(struct auth_walk *w, int fd, const char *path, int depth)
{
	struct dirent *de;
	struct stat st;
	char *child;
	DIR *dir;
	int cfd;

	dir = fdopendir(fd);
	if (dir == NULL) {
		bad(w, path, KEXT_DIAG_FILE_UNREADABLE, "%s - %s", strerror(errno));
		close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".DS_Store") == 0)
			continue;
		if (++w->nentries > AUTH_MAX_ENTRIES) {
			bad(w, path, KEXT_DIAG_FILE_UNREADABLE, "%s - %s",
			    "more files than the authentication walk allows");
			break;
		}
		child = kext_strdupf("%s/%s", path, de->d_name);
		if (child == NULL) {
			bad(w, path, KEXT_DIAG_FILE_UNREADABLE, "%s - %s",
			    "out of memory");
			break;
		}
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			bad(w, child, KEXT_DIAG_FILE_NOT_FOUND, "%s - %s",
			    strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			check_symlink(w, child);	/* checked, never entered */
		} else {
			check_owner(w, child, &st);
			if (S_ISDIR(st.st_mode) && strcmp(child, w->plugins_dir) != 0) {
				if (depth >= AUTH_MAX_DEPTH) {
					bad(w, child, KEXT_DIAG_FILE_UNREADABLE,
					    "%s - %s", "folders nested too deeply");
				} else if ((cfd = openat(dirfd(dir), de->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
					bad(w, child, KEXT_DIAG_FILE_UNREADABLE,
					    "%s - %s", strerror(errno));
				} else {
					walk(w, cfd, child, depth + 1);
				}
			}
		}
		free(child);
	}
	closedir(dir);
}

int
kext_bundle_authenticate(struct kext_bundle *b, kext_error *err)
{
	struct auth_walk w = { .b = b };
	char faults[512];
	struct stat st;
	int fd;

	kext_diags_clear(b->diags, KEXT_DIAG_MASK(KEXT_DIAG_AUTHENTICATION));
	w.plugins_dir = kext_bundle_plugins_dir(b);
	if (w.plugins_dir == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", b->path);
	fd = open(b->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		bad(&w, b->path, KEXT_DIAG_FILE_NOT_FOUND, "%s - %s", strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		check_parents(&w);
		check_owner(&w, b->path, &st);
		walk(&w, fd, b->path, 0);
	}
	free(w.plugins_dir);
	if (w.nbad == 0)
		return 0;
	describe_faults(&w, faults, sizeof(faults));
	kext_fail(err, EPERM, "%s: authentication failure: %s; first %s", b->path, faults,
	    w.first_bad != NULL ? w.first_bad : b->path);
	free(w.first_bad);
	return -1;
}
