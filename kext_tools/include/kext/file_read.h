/*
 * Opening and reading a whole input file with bounds, shared by the readers
 * of modules (kmod_file.c), linker.hints (hints.c) and ko2kext's firmware
 * files, so all refuse FIFOs, devices and oversized files alike and say so
 * in the same words.
 */
#ifndef KEXT_FILE_READ_H
#define KEXT_FILE_READ_H

#include <sys/stat.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kext/error.h"

/*
 * Opens path read-only (a FIFO must not block the open) and checks that it
 * is a regular file of at most max bytes. On success *fd is open and *size is
 * the file's size. An oversized file fails with EFBIG and the message
 * "<path>: <N> bytes is <too_big> (<max>)".
 */
int kext_file_open_bounded(const char *path, size_t max, const char *too_big, int *fd,
    size_t *size, kext_error *err);

/*
 * Reads exactly size bytes of fd (opened from path) into a new buffer the
 * caller frees; a file that shrank meanwhile is an error (EIO).
 */
int kext_file_read_exact(int fd, size_t size, const char *path, uint8_t **out,
    kext_error *err);

/*
 * Maps the whole regular file at path read-only, at most max bytes, for a
 * parser that reads it once: *map is NULL for an empty file. Release it with
 * kext_file_unmap.
 */
int kext_file_map(const char *path, size_t max, const char *too_big, const void **map,
    size_t *size, kext_error *err);
void kext_file_unmap(const void *map, size_t size);

/*
 * The whole regular file open at fd (path names it in messages), at most max
 * bytes: read into memory when small, else mapped; data is NULL for an empty
 * file. Release it with kext_file_view_release.
 */
struct kext_file_view {
	const void *data;
	size_t size;
	bool mapped;
};
int kext_file_view_fd(int fd, const char *path, size_t max, const char *too_big,
    struct kext_file_view *v, kext_error *err);
/* The same with fd's fstat taken already (st): no second fstat. */
int kext_file_view_stat(int fd, const struct stat *st, const char *path, size_t max,
    const char *too_big, struct kext_file_view *v, kext_error *err);
void kext_file_view_release(struct kext_file_view *v);

/* Both in one: the whole regular file at path, at most max bytes. */
int kext_file_read_all(const char *path, size_t max, const char *too_big, uint8_t **out,
    size_t *size, kext_error *err);

#endif
