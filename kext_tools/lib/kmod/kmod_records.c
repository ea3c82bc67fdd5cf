/*
 * Decoding the records of modmetadata_set, in set order (spec freebsd-kld.md
 * §1.2-1.3, §2.4): each set slot points to a struct mod_metadata
 * {md_version, md_type, md_data, md_cval}; md_data's layout depends on md_type.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmod_internal.h"

#define MD_STRUCT_VERSION 1

static int
nomem(const struct kmod_image *img, kext_error *err)
{
	return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
}

static int
add_note(const struct kmod_image *img, struct kmod_file *kf, const char *text,
    kext_error *err)
{
	char **n = realloc(kf->notes, (kf->num_notes + 1) * sizeof(*n));

	if (n == NULL)
		return nomem(img, err);
	kf->notes = n;
	if ((n[kf->num_notes] = strdup(text)) == NULL)
		return nomem(img, err);
	kf->num_notes++;
	return 0;
}

/* A pointer that must not be NULL, for the record named by what. */
static int
need(const struct kmod_image *img, uint64_t ptr, const char *field, const char *what,
    kext_error *err)
{
	if (ptr != 0)
		return 0;
	return kext_fail(err, ENOEXEC, "%s: %s: %s is NULL", img->name, what, field);
}

static int
decode_depend(const struct kmod_image *img, uint64_t data, const char *what,
    struct kmod_depend *d, kext_error *err)
{
	uint64_t v[3];
	int i;

	if (need(img, data, "md_data", what, err) != 0)
		return -1;
	for (i = 0; i < 3; i++)		/* md_ver_minimum, _preferred, _maximum */
		if (kmod_read_int(img, data + 4 * (unsigned)i, 4, what, &v[i], err) != 0)
			return -1;
	d->min = (int32_t)(uint32_t)v[0];
	d->pref = (int32_t)(uint32_t)v[1];
	d->max = (int32_t)(uint32_t)v[2];
	return 0;
}

static int
decode_module(const struct kmod_image *img, uint64_t data, const char *what,
    struct kmod_module *m, kext_error *err)
{
	uint64_t name = 0;

	/* moduledata_t: the registered name is its first member */
	if (data != 0 && kmod_read_ptr(img, data, what, &name, err) != 0)
		return -1;
	if (name != 0)
		return kmod_read_string(img, name, KMOD_MAX_STRING, what, &m->name, err);
	m->name = strdup(m->cval);
	return m->name != NULL ? 0 : nomem(img, err);
}

static int
decode_record(const struct kmod_image *img, struct kmod_file *kf, size_t index,
    kext_error *err)
{
	unsigned ps = img->ptrsize;
	uint64_t slot = img->set_addr + (uint64_t)index * ps, md, version, type;
	uint64_t data, cval_ptr, v;
	struct kmod_record *rec = &kf->records[kf->num_records];
	char what[96], note[160];
	char *cval = NULL;

	snprintf(what, sizeof(what), "set_modmetadata_set entry %zu", index);
	if (kmod_read_ptr(img, slot, what, &md, err) != 0 ||
	    need(img, md, "the mod_metadata pointer", what, err) != 0 ||
	    kmod_read_int(img, md, 4, what, &version, err) != 0 ||
	    kmod_read_int(img, md + 4, 4, what, &type, err) != 0)
		return -1;
	if (version != MD_STRUCT_VERSION)
		return kext_fail(err, ENOEXEC, "%s: %s: md_version %" PRIu64 " (expected "
		    "%d)", img->name, what, version, MD_STRUCT_VERSION);
	if (type < KMOD_DEPEND || type > KMOD_PNP_INFO) {
		snprintf(note, sizeof(note), "%s: unknown metadata record type %" PRIu64
		    ", skipped", what, type);
		return add_note(img, kf, note, err);
	}
	snprintf(what, sizeof(what), "set_modmetadata_set entry %zu (%s)", index,
	    kmod_record_type_name((enum kmod_record_type)type));
	if (kmod_read_ptr(img, md + 8, what, &data, err) != 0 ||
	    kmod_read_ptr(img, md + 8 + ps, what, &cval_ptr, err) != 0 ||
	    need(img, cval_ptr, "md_cval", what, err) != 0 ||
	    kmod_read_string(img, cval_ptr, KMOD_MAX_STRING, what, &cval, err) != 0)
		return -1;
	/* from here on the record owns cval: count it so kmod_free releases it */
	memset(rec, 0, sizeof(*rec));
	rec->type = (enum kmod_record_type)type;
	kf->num_records++;
	switch (rec->type) {
	case KMOD_DEPEND:
		rec->u.depend.name = cval;
		return decode_depend(img, data, what, &rec->u.depend, err);
	case KMOD_MODULE:
		rec->u.module.cval = cval;
		return decode_module(img, data, what, &rec->u.module, err);
	case KMOD_VERSION:
		rec->u.version.name = cval;
		if (need(img, data, "md_data", what, err) != 0 ||
		    kmod_read_int(img, data, 4, what, &v, err) != 0)
			return -1;
		rec->u.version.version = (int32_t)(uint32_t)v;
		return 0;
	case KMOD_PNP_INFO:
		rec->u.pnp.bus = cval;
		if (need(img, data, "md_data", what, err) != 0)
			return -1;
		return kmod_pnp_decode(img, data, what, &rec->u.pnp, err);
	}
	return 0;
}

int
kmod_records_decode(const struct kmod_image *img, struct kmod_file *kf,
    kext_error *err)
{
	size_t count, cap = 0, i;

	if (!img->has_set)
		return 0;
	kf->has_metadata = 1;
	if (img->set_size % img->ptrsize != 0)
		return kext_fail(err, ENOEXEC, "%s: set_modmetadata_set is %" PRIu64
		    " bytes, not a multiple of the %u-byte pointer size", img->name,
		    img->set_size, img->ptrsize);
	/* the slots must be there before we size anything by their count */
	if (img->set_size > 0 && kmod_file_span(img, img->set_addr, img->set_size) == NULL) {
		uint8_t probe[8];
		if (kmod_read(img, img->set_addr + img->set_size - img->ptrsize, probe,
		    img->ptrsize, "set_modmetadata_set", err) != 0)
			return -1;
	}
	count = (size_t)(img->set_size / img->ptrsize);
	for (i = 0; i < count; i++) {
		if (kf->num_records == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct kmod_record *r;
			if (ncap > count)
				ncap = count;
			r = realloc(kf->records, ncap * sizeof(*r));
			if (r == NULL)
				return nomem(img, err);
			kf->records = r;
			cap = ncap;
		}
		if (decode_record(img, kf, i, err) != 0)
			return -1;
	}
	return 0;
}
