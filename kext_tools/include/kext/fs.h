/* File identity, containment and time: small helpers for every layer above base. */
#ifndef KEXT_FS_H
#define KEXT_FS_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdint.h>

#include "kext/error.h"

/* What identifies one version of a file: if any of it changed, re-read it. */
struct kext_file_stamp {
	uint64_t dev, ino;
	int64_t size, mtime_ns;
};

void kext_file_stamp_from_stat(struct kext_file_stamp *s, const struct stat *st);
bool kext_file_stamp_equal(const struct kext_file_stamp *a,
    const struct kext_file_stamp *b);

/*
 * Resolves path (every symbolic link on the way) into *real (malloc'd).
 * 0 when it lies inside dir (a canonical path); -1 with errno EXDEV and *real
 * set when it leads outside, or with *real NULL when it can't be resolved.
 */
int kext_path_inside(const char *dir, const char *path, char **real);

/*
 * Creates the folder path lies in (one level, mode 0755) unless it is there;
 * a failure reads "DIR: cannot create WHAT: reason".
 */
int kext_mkdir_parent(const char *path, const char *what, kext_error *err);

/* Writes all n bytes (going on after EINTR and short writes); -1 with errno. */
int kext_write_all(int fd, const void *p, size_t n);

/* CLOCK_REALTIME in nanoseconds. */
int64_t kext_now_ns(void);

#endif
