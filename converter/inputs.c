/*
 * Gathering the modules to convert: a .ko file, a directory of them (such as
 * /boot/kernel, whose linker.hints tells what the kernel itself provides), or
 * an archive libarchive reads (a FreeBSD .pkg, a release tarball).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert.h"
#include "kext/file_read.h"

/* Bounds on what one input may make us hold in memory. */
#define MAX_MODULE_SIZE   (512u << 20)
#define MAX_MANIFEST_SIZE (4u << 20)
#define MAX_README_SIZE   (1u << 20)
/*
 * A run holds every archive member it converts at once (dependencies cross
 * inputs; module files are mapped only while read, not held), so their
 * total is bounded too: ten sparse 500 MiB archive members (a 178 KB
 * .tar.zst) once made ko2kext hold 5 GB. A whole /boot/kernel is far below
 * this (the corpus's FreeBSD 10.1 amd64 one is 63 MB).
 */
#define MAX_TOTAL_SIZE    ((size_t)1 << 30)

static const unsigned char elf_magic[4] = {0x7f, 'E', 'L', 'F'};

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int
push_module(struct conv_set *set, char *origin, const char *file_name, const char *source,
    unsigned char *data, size_t len, const char *pkg_origin, const char *pkg_version)
{
	struct conv_module *m;

	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		struct conv_module *mods = reallocarray(set->mods, cap, sizeof(*mods));

		if (mods == NULL)
			return -1;
		set->mods = mods;
		set->cap = cap;
	}
	m = &set->mods[set->n++];
	memset(m, 0, sizeof(*m));
	m->origin = origin;
	m->file_name = strdup(file_name);
	m->source = source != NULL ? strdup(source) : NULL;
	m->data = data;
	m->len = len;
	m->pkg_origin = pkg_origin ? strdup(pkg_origin) : NULL;
	m->pkg_version = pkg_version ? strdup(pkg_version) : NULL;
	if (m->file_name == NULL || (source && !m->source) || (pkg_origin && !m->pkg_origin) ||
	    (pkg_version && !m->pkg_version)) {
		/* the caller still owns origin and data: give them back */
		free(m->file_name);
		free(m->source);
		free(m->pkg_origin);
		free(m->pkg_version);
		set->n--;
		return -1;
	}
	return 0;
}

/* Counts size bytes against the run's total before they are allocated. */
static int
reserve(struct conv_set *set, uint64_t size, const char *path, kext_error *err)
{
	if (size > MAX_TOTAL_SIZE - set->bytes)
		return kext_fail(err, EFBIG, "%s: %llu more bytes would bring the modules this run "
		    "holds to more than %zu MiB (%zu MiB read already)", path,
		    (unsigned long long)size, MAX_TOTAL_SIZE >> 20, set->bytes >> 20);
	set->bytes += (size_t)size;
	return 0;
}

/*
 * Whether the regular file at path starts like an ELF file, and its size,
 * through the library's bounded open (FIFOs refused, size capped); the rest
 * is read only when needed.
 */
static int
peek_file(const char *path, bool *elf, size_t *len, kext_error *err)
{
	unsigned char magic[sizeof(elf_magic)];
	ssize_t got;
	int fd;

	if (kext_file_open_bounded(path, MAX_MODULE_SIZE, "larger than any kernel module", &fd,
	    len, err) != 0)
		return -1;
	got = pread(fd, magic, sizeof(magic), 0);
	close(fd);
	if (got < 0)
		return kext_fail(err, errno, "%s: read: %s", path, strerror(errno));
	*elf = (size_t)got == sizeof(magic) && memcmp(magic, elf_magic, sizeof(magic)) == 0;
	return 0;
}

int
conv_module_map(struct conv_module *m, kext_error *err)
{
	size_t len;
	void *map;
	int fd, saved;

	if (m->source == NULL || m->data != NULL)
		return 0;
	if (kext_file_open_bounded(m->source, MAX_MODULE_SIZE, "larger than any kernel module",
	    &fd, &len, err) != 0)
		return -1;
	if (len != m->len) {
		close(fd);
		return kext_fail(err, EIO, "%s: changed size while being converted (%zu bytes, "
		    "then %zu)", m->source, m->len, len);
	}
	if (len == 0) {
		close(fd);
		return kext_fail(err, EINVAL, "%s: not a kernel module: the file is empty",
		    m->source);
	}
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	saved = errno;
	close(fd);
	if (map == MAP_FAILED)
		return kext_fail(err, saved, "%s: cannot map: %s", m->source, strerror(saved));
	m->data = map;
	m->mapped = true;
	return 0;
}

void
conv_module_unmap(struct conv_module *m)
{
	if (!m->mapped)
		return;
	munmap(m->data, m->len);
	m->data = NULL;
	m->mapped = false;
}

static int
read_entry(struct archive *a, const char *path, const char *member, int64_t size, size_t limit,
    unsigned char **data, size_t *len, kext_error *err)
{
	unsigned char *buf;
	la_ssize_t r;

	if (size < 0 || (uint64_t)size > limit)
		return kext_fail(err, EFBIG, "%s: member %s: size %lld is out of bounds (limit %zu MiB)",
		    path, member, (long long)size, limit >> 20);
	if ((buf = malloc((size_t)size + 1)) == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", path);
	r = archive_read_data(a, buf, (size_t)size);
	if (r != size) {
		free(buf);
		return kext_fail(err, EIO, "%s: member %s: %s", path, member,
		    r < 0 ? archive_error_string(a) : "shorter than its header says");
	}
	buf[size] = '\0';
	*data = buf;
	*len = (size_t)size;
	return 0;
}

static void
free_module(struct conv_module *m)
{
	conv_module_unmap(m);
	free(m->origin);
	free(m->file_name);
	free(m->source);
	free(m->data);
	free(m->pkg_origin);
	free(m->pkg_version);
	free(m->bundle_name);
	free(m->identifier);
	conv_release_clear(&m->release);
	if (m->kf != NULL)
		kmod_free(m->kf);
}

/*
 * A release tarball's README (release.c) must agree with every module of the
 * archive; when it does not, none of them is converted.
 */
static int
apply_readme(struct conv_set *set, size_t first, const char *path, const char *member,
    const char *readme, kext_error *err)
{
	struct conv_release rel;
	int rc = 0;

	if (conv_release_parse(path, member, readme, &rel, err) != 0)
		rc = -1;
	for (size_t i = first; rc == 0 && i < set->n; i++)
		rc = conv_release_check(&rel, set->mods[i].origin, set->mods[i].data,
		    set->mods[i].len, err);
	for (size_t i = first; rc == 0 && i < set->n; i++)
		if (conv_release_copy(&set->mods[i].release, &rel) != 0)
			rc = kext_fail(err, ENOMEM, "%s: out of memory", path);
	conv_release_clear(&rel);
	if (rc != 0) {
		for (size_t i = first; i < set->n; i++)
			free_module(&set->mods[i]);
		set->n = first;
	}
	return rc;
}

static struct archive *
open_archive(const char *path, kext_error *err)
{
	struct archive *a = archive_read_new();

	if (a == NULL) {
		kext_fail(err, ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
		kext_fail(err, EINVAL, "%s: neither a kernel module (no ELF header) nor an "
		    "archive ko2kext reads (a FreeBSD .pkg or a tarball): %s", path,
		    archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/*
 * A first pass over the headers only (libarchive skips the data): the .ko
 * members' sizes must fit what the run may still hold, so a hostile
 * archive is refused before anything of it is allocated.
 */
static int
check_archive_sizes(struct conv_set *set, const char *path, kext_error *err)
{
	struct archive *a = open_archive(path, err);
	struct archive_entry *e;
	uint64_t total = 0;
	size_t headers = 0;
	int r, rc = 0;

	if (a == NULL)
		return -1;
	while (rc == 0 && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *member = archive_entry_pathname(e);
		int64_t size = archive_entry_size(e);

		/* mtree "archives" are text listings without file data: any text file parses as one. */
		if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_MTREE) {
			r = ARCHIVE_FATAL;
			break;
		}
		headers++;
		if (member == NULL || archive_entry_filetype(e) != AE_IFREG ||
		    !has_suffix(member, ".ko"))
			continue;
		if (size < 0 || (uint64_t)size > MAX_MODULE_SIZE)
			rc = kext_fail(err, EFBIG, "%s: member %s: size %lld is out of bounds "
			    "(limit %u MiB)", path, member, (long long)size, MAX_MODULE_SIZE >> 20);
		else if ((total += (uint64_t)size) > MAX_TOTAL_SIZE - set->bytes)
			rc = kext_fail(err, EFBIG, "%s: its .ko members hold %llu bytes or more, "
			    "more than the %zu MiB a run may hold (%zu MiB read already); nothing "
			    "of it was read", path, (unsigned long long)total, MAX_TOTAL_SIZE >> 20,
			    set->bytes >> 20);
	}
	/* Not even one member: this is no archive at all (e.g. a text file). */
	if (rc == 0 && r != ARCHIVE_EOF && headers == 0)
		rc = kext_fail(err, EINVAL, "%s: neither a kernel module (no ELF header) nor an "
		    "archive ko2kext reads (a FreeBSD .pkg or a tarball)", path);
	else if (rc == 0 && r != ARCHIVE_EOF)
		rc = kext_fail(err, EIO, "%s: %s", path, archive_error_string(a));
	archive_read_free(a);
	return rc;
}

/* Modules are read first and the manifest may come anywhere; label them at the end. */
static int
add_archive(struct conv_set *set, const char *path, kext_error *err)
{
	struct archive *a;
	struct archive_entry *e;
	char *manifest = NULL, *origin, *pkg_origin = NULL, *pkg_version = NULL;
	char *readme = NULL, *readme_member = NULL;
	size_t first = set->n, found = 0, headers = 0;
	int r, rc = 0;

	if (check_archive_sizes(set, path, err) != 0 || (a = open_archive(path, err)) == NULL)
		return -1;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *member = archive_entry_pathname(e);
		unsigned char *data = NULL;
		size_t len = 0;

		/* mtree "archives" are text listings without file data: any text file parses as one. */
		if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_MTREE) {
			r = ARCHIVE_FATAL;
			break;
		}
		headers++;

		if (member == NULL || archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (strcmp(member, "+MANIFEST") == 0 && manifest == NULL) {
			if (read_entry(a, path, member, archive_entry_size(e), MAX_MANIFEST_SIZE,
			    &data, &len, err) != 0)
				goto fail;
			manifest = (char *)data;
			continue;
		}
		if (conv_release_is_readme(member) && readme == NULL) {
			if (read_entry(a, path, member, archive_entry_size(e), MAX_README_SIZE,
			    &data, &len, err) != 0)
				goto fail;
			readme = (char *)data;
			if ((readme_member = strdup(member)) == NULL) {
				rc = kext_fail(err, ENOMEM, "%s: out of memory", path);
				goto fail;
			}
			continue;
		}
		if (!has_suffix(member, ".ko"))
			continue;
		if (archive_entry_size(e) >= 0 && reserve(set, (uint64_t)archive_entry_size(e),
		    path, err) != 0)
			goto fail;
		if (read_entry(a, path, member, archive_entry_size(e), MAX_MODULE_SIZE, &data, &len,
		    err) != 0)
			goto fail;
		if (asprintf(&origin, "%s:%s", path, member) < 0)
			origin = NULL;
		if (origin == NULL ||
		    push_module(set, origin, base_name(member), NULL, data, len, NULL, NULL) != 0) {
			free(origin);
			free(data);
			rc = kext_fail(err, ENOMEM, "%s: out of memory", path);
			goto fail;
		}
		found++;
	}
	if (r != ARCHIVE_EOF && headers == 0) {
		/* Not even one member: this is no archive at all (e.g. a text file). */
		rc = kext_fail(err, EINVAL, "%s: neither a kernel module (no ELF header) nor an "
		    "archive ko2kext reads (a FreeBSD .pkg or a tarball)", path);
		goto fail;
	}
	if (r != ARCHIVE_EOF) {
		rc = kext_fail(err, EIO, "%s: %s", path, archive_error_string(a));
		goto fail;
	}
	if (found == 0) {
		rc = kext_fail(err, ENOENT, "%s: the archive holds no .ko file", path);
		goto fail;
	}
	if (readme != NULL && apply_readme(set, first, path, readme_member, readme, err) != 0)
		goto fail;
	if (manifest != NULL) {
		pkg_origin = conv_manifest_string(manifest, "origin");
		pkg_version = conv_manifest_string(manifest, "version");
		for (size_t i = first; i < set->n; i++) {
			set->mods[i].pkg_origin = pkg_origin ? strdup(pkg_origin) : NULL;
			set->mods[i].pkg_version = pkg_version ? strdup(pkg_version) : NULL;
			if ((pkg_origin && !set->mods[i].pkg_origin) ||
			    (pkg_version && !set->mods[i].pkg_version)) {
				rc = kext_fail(err, ENOMEM, "%s: out of memory", path);
				goto fail;
			}
		}
	}
	goto out;
fail:
	rc = -1;
out:
	free(manifest);
	free(readme);
	free(readme_member);
	free(pkg_origin);
	free(pkg_version);
	archive_read_free(a);
	return rc;
}

/* A module file is only looked at here; conv_module_map reads it when needed. */
static int
add_module_file(struct conv_set *set, const char *path, kext_error *err)
{
	size_t len = 0;
	bool elf = false;
	char *origin;

	if (peek_file(path, &elf, &len, err) != 0)
		return -1;
	if (!elf) {
		/* A .ko is a module or nothing; other names may be archives. */
		if (has_suffix(path, ".ko"))
			return kext_fail(err, EINVAL, "%s: not a kernel module: %s", path,
			    len == 0 ? "the file is empty" : "no ELF header");
		return add_archive(set, path, err);
	}
	if ((origin = strdup(path)) == NULL || push_module(set, origin, base_name(path), path,
	    NULL, len, NULL, NULL) != 0) {
		free(origin);
		return kext_fail(err, ENOMEM, "%s: out of memory", path);
	}
	return 0;
}

static int
name_order(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
is_module_name(const struct dirent *d)
{
	return has_suffix(d->d_name, ".ko");
}

/* Every *.ko in the directory (not recursive), in name order for stable output. */
static int
add_directory(struct conv_set *set, const char *dir, kext_error *err)
{
	struct dirent **names;
	char path[4096], **hints;
	int n, rc = 0, failures = 0;
	kext_error one;

	if ((n = scandir(dir, &names, is_module_name, name_order)) < 0)
		return kext_fail(err, errno, "%s: %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (add_module_file(set, path, &one) != 0 && failures++ == 0)
			*err = one;
		free(names[i]);
	}
	free(names);
	if (failures > 1)
		kext_fail_prefix(err, "%d files in %s could not be read; first: ", failures, dir);
	if (failures)
		rc = -1;
	snprintf(path, sizeof(path), "%s/linker.hints", dir);
	if (access(path, R_OK) == 0) {
		char *copy = strdup(path);

		if (copy == NULL || (hints = reallocarray(set->hints_files, set->num_hints + 1,
		    sizeof(*hints))) == NULL) {
			free(copy);
			return kext_fail(err, ENOMEM, "%s: out of memory", path);
		}
		set->hints_files = hints;
		hints[set->num_hints++] = copy;
	}
	if (n == 0 && rc == 0)
		rc = kext_fail(err, ENOENT, "%s: no .ko files in this directory", dir);
	return rc;
}

int
conv_add_input(struct conv_set *set, const char *path, kext_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return kext_fail(err, errno, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return add_directory(set, path, err);
	return add_module_file(set, path, err);
}

void
conv_set_free(struct conv_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free_module(&set->mods[i]);
	free(set->mods);
	for (size_t i = 0; i < set->num_hints; i++)
		free(set->hints_files[i]);
	free(set->hints_files);
	memset(set, 0, sizeof(*set));
}
