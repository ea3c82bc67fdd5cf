/*
 * Parsed Info.plists kept between runs, so that a tool whose kexts have not
 * changed parses no XML (and never loads libxml2 to do it). One file a
 * bundle in the cache directory, named by the hash of the Info.plist's
 * canonical path:
 *
 *	kextinfo 1 dev ino size mtime_ns ctime_ns path_len data_len checksum\n
 *	path, then the dictionary (data_len bytes, bundle_info_codec.c)
 *
 * checksum is entry_checksum of path and data, in hex. An entry stands for the
 * Info.plist only while the file keeps the stamp (device, inode, size,
 * modification and change times) it had when it was parsed; the change time
 * moves on any write, even one that puts the modification time back. Only a
 * file unchanged for KEXT_RACY_NS before its reading is kept: an edit within
 * the file system's clock tick could leave both times as they were. Entries
 * are written beside and renamed; one cut short by a crash fails its
 * checksum and is parsed again. The cache only ever answers with what the
 * XML reader gave for the same file, and is read only if this user owns it
 * and no one else may write it, as the identifier index is.
 */
#include <sys/stat.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "kext/cache_dir.h"
#include "kext/file_read.h"
#include "kext/fs.h"
#include "kext/map.h"
#include "kext/text.h"

#define MAGIC		"kextinfo 1 "
#define HEADER_MAX	256
/* A cache file is at most its header, a path and a bounded Info.plist's dictionary. */
#define ENTRY_MAX	(HEADER_MAX + PATH_MAX + 2 * (size_t)KEXT_INFO_PLIST_MAX)

static _Atomic(char *) cache_dir;
static _Atomic unsigned long hits;

struct stamp {
	uint64_t dev, ino;
	int64_t size, mtime_ns, ctime_ns;
};

static void
stamp_of(struct stamp *s, const struct stat *st)
{
	s->dev = (uint64_t)st->st_dev;
	s->ino = (uint64_t)st->st_ino;
	s->size = (int64_t)st->st_size;
	s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	s->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

void
kext_bundle_cache_info_plists(const char *dir)
{
	free(atomic_exchange(&cache_dir, dir != NULL ? strdup(dir) : NULL));
}

unsigned long
kext_info_plist_cache_hits(void)
{
	return atomic_load(&hits);
}

bool
bundle_info_cache_on(void)
{
	return atomic_load(&cache_dir) != NULL;
}

static char *
entry_path(const char *dir, const char *plist_path)
{
	return kext_strdupf("%s/%016llx.infoplist", dir, kext_hash64(plist_path));
}

/*
 * FNV-1a's step a word at a time, folded: a checksum against a file cut
 * short or left with a hole by a crash (nothing stronger is needed: only
 * this user may write the file). Bytewise FNV-1a was 6% of a warm plan.
 */
static uint64_t
entry_checksum(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, sizeof(w));
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 32;
	}
	for (; n > 0; p++, n--)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h;
}

static bool
stamp_equal(const struct stamp *a, const struct stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* The header's numbers and its length; -1 when it is not one this version wrote. */
static int
parse_header(const uint8_t *buf, size_t size, struct stamp *s, size_t *path_len,
    size_t *data_len, unsigned long long *sum)
{
	unsigned long long dev, ino, plen, dlen;
	long long sz, mtime, ctime;
	char header[HEADER_MAX];
	const uint8_t *nl = memchr(buf, '\n', size < HEADER_MAX ? size : HEADER_MAX);
	int end = 0;

	if (nl == NULL)
		return -1;
	memcpy(header, buf, (size_t)(nl - buf));
	header[nl - buf] = '\0';
	if (sscanf(header, MAGIC "%llu %llu %lld %lld %lld %llu %llu %llx%n",
	    &dev, &ino, &sz, &mtime, &ctime, &plen, &dlen, sum, &end) != 8 ||
	    header[end] != '\0' || plen > size || dlen > size)
		return -1;
	*s = (struct stamp){dev, ino, sz, mtime, ctime};
	*path_len = (size_t)plen;
	*data_len = (size_t)dlen;
	return end + 1;
}

/* The dictionary bytes encode (bundle_info_codec.c); NULL when they encode anything else. */
static CFDictionaryRef
dictionary_of(const uint8_t *bytes, size_t n)
{
	CFPropertyListRef plist = bundle_info_decode(bytes, n);

	if (plist != NULL && CFGetTypeID(plist) != CFDictionaryGetTypeID()) {
		CFRelease(plist);
		plist = NULL;
	}
	return plist;
}

/* The dictionary the entry holds for plist_path with the stamp now; NULL when none. */
static CFDictionaryRef
entry_decode(const uint8_t *buf, size_t size, const char *plist_path, const struct stamp *now)
{
	size_t path_len, data_len;
	unsigned long long sum;
	struct stamp was;
	const uint8_t *body;
	int off;

	if ((off = parse_header(buf, size, &was, &path_len, &data_len, &sum)) < 0 ||
	    !stamp_equal(&was, now) || path_len != strlen(plist_path) ||
	    (size_t)off + path_len + data_len != size)
		return NULL;
	body = buf + off;
	if (memcmp(body, plist_path, path_len) != 0 ||
	    entry_checksum(body, path_len + data_len) != sum)
		return NULL;
	return dictionary_of(body + path_len, data_len);
}

CFDictionaryRef
bundle_info_cache_get(const char *plist_path, const struct stat *st)
{
	const char *dir = atomic_load(&cache_dir);
	struct stamp now;
	struct stat cst;
	CFDictionaryRef info = NULL;
	uint8_t *buf = NULL;
	char *path;
	int fd;

	if (dir == NULL || (path = entry_path(dir, plist_path)) == NULL)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &cst) == 0 && S_ISREG(cst.st_mode) && cst.st_uid == geteuid() &&
	    (cst.st_mode & (S_IWGRP | S_IWOTH)) == 0 && (size_t)cst.st_size <= ENTRY_MAX &&
	    kext_file_read_exact(fd, (size_t)cst.st_size, "cache", &buf, NULL) == 0) {
		stamp_of(&now, st);
		info = entry_decode(buf, (size_t)cst.st_size, plist_path, &now);
	}
	free(buf);
	close(fd);
	if (info != NULL)
		atomic_fetch_add(&hits, 1);
	return info;
}

/* Writes the entry beside and renames it into place; tmp is removed on failure. */
static int
entry_write(const char *dir, const char *plist_path, const struct stamp *s, CFDataRef data)
{
	size_t plen = strlen(plist_path), dlen = (size_t)CFDataGetLength(data);
	char header[HEADER_MAX], *tmp, *path = NULL, *body;
	int fd, hlen, rc = -1;
	bool written;

	if ((body = malloc(plen + dlen + 1)) == NULL)
		return -1;
	memcpy(body, plist_path, plen);
	memcpy(body + plen, CFDataGetBytePtr(data), dlen);
	hlen = snprintf(header, sizeof(header),
	    MAGIC "%" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %" PRId64 " %zu %zu %016llx\n",
	    s->dev, s->ino, s->size, s->mtime_ns, s->ctime_ns, plen, dlen,
	    (unsigned long long)entry_checksum((const uint8_t *)body, plen + dlen));
	tmp = kext_strdupf("%s/.infoplist.XXXXXX", dir);
	if (hlen <= 0 || (size_t)hlen >= sizeof(header) || tmp == NULL ||
	    (path = entry_path(dir, plist_path)) == NULL || (fd = mkstemp(tmp)) < 0) {
		free(body);
		free(tmp);
		free(path);
		return -1;
	}
	/*
	 * No fsync: after a crash an entry is whole or fails its checksum, and
	 * parsing the Info.plist again is all it costs.
	 */
	written = fchmod(fd, 0644) == 0 && kext_write_all(fd, header, (size_t)hlen) == 0 &&
	    kext_write_all(fd, body, plen + dlen) == 0;
	if (close(fd) == 0 && written)	/* closed once, whatever close says */
		rc = rename(tmp, path);
	if (rc != 0)
		unlink(tmp);
	free(body);
	free(tmp);
	free(path);
	return rc;
}

void
bundle_info_cache_put(const char *plist_path, const struct stat *st, int64_t read_ns,
    CFDictionaryRef info)
{
	const char *dir = atomic_load(&cache_dir);
	CFDictionaryRef back;
	struct stamp s;
	CFDataRef data;

	if (dir == NULL)
		return;
	stamp_of(&s, st);
	if (read_ns - s.mtime_ns < KEXT_RACY_NS || read_ns - s.ctime_ns < KEXT_RACY_NS)
		return;		/* it may change again within its clock tick */
	if ((data = bundle_info_encode(info)) == NULL)
		return;
	/* kept only if it reads back as what the XML gave (an integer above INT64_MAX does not) */
	back = dictionary_of(CFDataGetBytePtr(data), (size_t)CFDataGetLength(data));
	if (back != NULL && CFEqual(back, info) && kext_cache_dir_make(dir) == 0)
		(void)entry_write(dir, plist_path, &s, data);	/* best effort */
	if (back != NULL)
		CFRelease(back);
	CFRelease(data);
}
