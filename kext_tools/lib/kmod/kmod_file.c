/*
 * The public kmod API: parse a module from memory or from a file (one read
 * for a small one, else one mmap, no copy), free it, and look records up.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/file_read.h"
#include "kmod_internal.h"

int
kmod_parse(const void *buf, size_t len, const char *name, struct kmod_file **out,
    kext_error *err)
{
	struct kmod_image img;

	if (kmod_parse_image(buf, len, name, out, &img, err) != 0)
		return -1;
	kmod_image_fini(&img);
	return 0;
}

int
kmod_parse_image(const void *buf, size_t len, const char *name, struct kmod_file **out,
    struct kmod_image *img_out, kext_error *err)
{
	static const uint8_t empty[1];
	struct kmod_image img;
	struct kmod_file *kf;

	*out = NULL;
	memset(img_out, 0, sizeof(*img_out));
	if (name == NULL)
		name = "(module)";
	if (buf == NULL && len > 0)
		return kext_fail(err, EINVAL, "%s: no buffer", name);
	if (buf == NULL)
		buf = empty;
	kf = calloc(1, sizeof(*kf));
	if (kf == NULL || (kf->path = strdup(name)) == NULL) {
		free(kf);
		return kext_fail(err, ENOMEM, "%s: out of memory", name);
	}
	if (kmod_image_init(&img, buf, len, name, err) != 0)
		goto fail;
	kf->arch = img.is_linux ? img.linux_arch : img.arch->name;
	kf->elf_class = img.is64 ? 64 : 32;
	kf->big_endian = img.be;
	kf->e_machine = img.machine;
	kf->e_type = img.type;
	kf->osabi = img.osabi;
	kf->os = img.is_linux ? KMOD_OS_LINUX : KMOD_OS_FREEBSD;
	if (img.is_linux ? kmod_linux_decode(&img, kf, err) != 0 :
	    kmod_records_decode(&img, kf, err) != 0)
		goto fail;
	*img_out = img;		/* the decoders only read it */
	*out = kf;
	return 0;
fail:
	kmod_image_fini(&img);
	kmod_free(kf);
	return -1;
}

/*
 * Up to this size a module is read (pread(2), so the caller's offset stays):
 * one call costs less than mmap, munmap and the page faults between, which
 * matters when kextstat parses every loaded file.
 */
#define KMOD_READ_MAX ((size_t)64 << 10)

static int
parse_read(int fd, size_t size, const char *name, struct kmod_file **out, kext_error *err)
{
	uint8_t *buf = malloc(size);
	size_t got = 0;
	ssize_t n;
	int rc, e;

	if (buf == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", name);
	while (got < size) {
		n = pread(fd, buf + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			free(buf);
			return kext_fail(err, e, "%s: cannot read: %s", name,
			    n < 0 ? strerror(e) : "file shrank while reading");
		}
		got += (size_t)n;
	}
	rc = kmod_parse(buf, size, name, out, err);
	free(buf);
	return rc;
}

/* Reads or maps size bytes of fd and parses them. */
static int
parse_mapped(int fd, size_t size, const char *name, struct kmod_file **out, kext_error *err)
{
	void *map;
	int rc;

	if (size == 0)
		return kmod_parse(NULL, 0, name, out, err);
	if (size <= KMOD_READ_MAX)
		return parse_read(fd, size, name, out, err);
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return kext_fail(err, errno, "%s: cannot map: %s", name, strerror(errno));
	rc = kmod_parse(map, size, name, out, err);
	munmap(map, size);
	return rc;
}

int
kmod_open(const char *path, struct kmod_file **out, kext_error *err)
{
	size_t size;
	int fd, rc;

	*out = NULL;
	if (kext_file_open_bounded(path, KMOD_MAX_FILE_SIZE, "larger than a module can be",
	    &fd, &size, err) != 0)
		return -1;
	rc = parse_mapped(fd, size, path, out, err);
	close(fd);
	return rc;
}

int
kmod_open_fd(int fd, const char *name, struct kmod_file **out, kext_error *err)
{
	struct stat st;

	*out = NULL;
	if (fstat(fd, &st) != 0)
		return kext_fail(err, errno, "%s: cannot stat: %s", name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return kext_fail(err, EINVAL, "%s: not a regular file", name);
	if ((uint64_t)st.st_size > KMOD_MAX_FILE_SIZE)
		return kext_fail(err, EFBIG, "%s: %jd bytes is larger than a module can be (%zu)",
		    name, (intmax_t)st.st_size, KMOD_MAX_FILE_SIZE);
	return parse_mapped(fd, (size_t)st.st_size, name, out, err);
}

static void
free_record(struct kmod_record *r)
{
	switch (r->type) {
	case KMOD_DEPEND:
		free(r->u.depend.name);
		break;
	case KMOD_MODULE:
		free(r->u.module.cval);
		free(r->u.module.name);
		break;
	case KMOD_VERSION:
		free(r->u.version.name);
		break;
	case KMOD_PNP_INFO:
		kmod_pnp_release(&r->u.pnp);
		break;
	}
}

void
kmod_free(struct kmod_file *kf)
{
	size_t i;

	if (kf == NULL)
		return;
	for (i = 0; i < kf->num_records; i++)
		free_record(&kf->records[i]);
	for (i = 0; i < kf->num_notes; i++)
		free(kf->notes[i]);
	free(kf->notes);
	kmod_linux_release_info(&kf->lx);
	free(kf->records);
	free(kf->path);
	free(kf);
}

const struct kmod_module *
kmod_first_module(const struct kmod_file *kf)
{
	size_t i;

	for (i = 0; kf != NULL && i < kf->num_records; i++)
		if (kf->records[i].type == KMOD_MODULE)
			return &kf->records[i].u.module;
	return NULL;
}

const struct kmod_version *
kmod_find_version(const struct kmod_file *kf, const char *name)
{
	size_t i;

	for (i = 0; kf != NULL && name != NULL && i < kf->num_records; i++)
		if (kf->records[i].type == KMOD_VERSION &&
		    strcmp(kf->records[i].u.version.name, name) == 0)
			return &kf->records[i].u.version;
	return NULL;
}

const struct kmod_depend *
kmod_find_depend(const struct kmod_file *kf, const char *name)
{
	size_t i;

	for (i = 0; kf != NULL && name != NULL && i < kf->num_records; i++)
		if (kf->records[i].type == KMOD_DEPEND &&
		    strcmp(kf->records[i].u.depend.name, name) == 0)
			return &kf->records[i].u.depend;
	return NULL;
}

const char *
kmod_record_type_name(enum kmod_record_type type)
{
	switch (type) {
	case KMOD_DEPEND: return "DEPEND";
	case KMOD_MODULE: return "MODULE";
	case KMOD_VERSION: return "VERSION";
	case KMOD_PNP_INFO: return "PNP_INFO";
	}
	return "UNKNOWN";
}
