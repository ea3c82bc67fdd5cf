/*
 * The public kmod API: parse a module from memory or from a file (one read
 * for a small one, else one mmap, no copy), free it, and look records up.
 */
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

int
kmod_open(const char *path, struct kmod_file **out, kext_error *err)
{
	size_t size;
	int fd, rc;

	*out = NULL;
	if (kext_file_open_bounded(path, KMOD_MAX_FILE_SIZE, "larger than a module can be",
	    &fd, &size, err) != 0)
		return -1;
	rc = kmod_open_fd(fd, path, out, err);
	close(fd);
	return rc;
}

/* A small module is read (pread: the caller's offset stays), a large one mapped. */
int
kmod_open_fd(int fd, const char *name, struct kmod_file **out, kext_error *err)
{
	struct kext_file_view v;
	int rc;

	*out = NULL;
	if (kext_file_view_fd(fd, name, KMOD_MAX_FILE_SIZE, "larger than a module can be", &v,
	    err) != 0)
		return -1;
	rc = kmod_parse(v.data, v.size, name, out, err);
	kext_file_view_release(&v);
	return rc;
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
