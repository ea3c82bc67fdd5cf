/*
 * linker.hints reader (spec freebsd-kld.md §3.2). Every length is checked
 * against the record and the file before use; a bad file gives an error that
 * names the offset and what was expected there.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/fbsd_version.h"
#include "kext/file_read.h"
#include "kext/hints.h"
#include "kext/sort.h"

/* A cursor over one record's body. */
struct cursor {
	const uint8_t *buf;	/* whole file: alignment is relative to its start */
	size_t pos, end;	/* end of the record */
	bool be;
	const char *name;	/* file, for messages */
	size_t rec;		/* record offset, for messages */
};

static uint32_t
get32(const uint8_t *p, bool be)
{
	if (be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int
short_record(const struct cursor *c, const char *what, kext_error *err)
{
	return kext_fail(err, ENOEXEC, "%s: record at offset %zu: %s at offset %zu "
	    "runs past the end of the record (offset %zu)", c->name, c->rec, what,
	    c->pos, c->end);
}

static int
read_int(struct cursor *c, const char *what, int32_t *out, kext_error *err)
{
	size_t pad = (4 - c->pos % 4) % 4;

	if (c->end - c->pos < pad || c->end - c->pos - pad < 4)
		return short_record(c, what, err);
	c->pos += pad;
	*out = (int32_t)get32(c->buf + c->pos, c->be);
	c->pos += 4;
	return 0;
}

static int
read_string(struct cursor *c, const char *what, char **out, kext_error *err)
{
	size_t n;

	if (c->pos >= c->end)
		return short_record(c, what, err);
	n = c->buf[c->pos];
	if (c->end - c->pos - 1 < n) {
		c->pos++;
		return short_record(c, what, err);
	}
	*out = malloc(n + 1);
	if (*out == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", c->name);
	memcpy(*out, c->buf + c->pos + 1, n);
	(*out)[n] = '\0';
	c->pos += 1 + n;
	return 0;
}

/* Splits "K:name;K:name;..." into fields. */
static int
parse_format(struct cursor *c, struct hints_record *r, kext_error *err)
{
	const char *p = r->format, *end;
	size_t max = 1;

	for (end = p; *end != '\0'; end++)
		max += *end == ';';
	r->fields = calloc(max, sizeof(r->fields[0]));
	if (r->fields == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", c->name);
	while (*p != '\0') {
		struct hints_pnp_field *f = &r->fields[r->num_fields];
		size_t n;

		end = strchr(p, ';');
		if (end == NULL || end - p < 2 || p[1] != ':' || strchr("IJGLMDZT", p[0]) == NULL)
			return kext_fail(err, ENOEXEC, "%s: record at offset %zu: PnP format "
			    "\"%s\": field %zu is not \"K:name;\" with K one of I J G L M D "
			    "Z T", c->name, c->rec, r->format, r->num_fields + 1);
		n = (size_t)(end - p - 2);
		f->kind = p[0];
		f->name = malloc(n + 1);
		if (f->name == NULL)
			return kext_fail(err, ENOMEM, "%s: out of memory", c->name);
		memcpy(f->name, p + 2, n);
		f->name[n] = '\0';
		r->num_fields++;
		p = end + 1;
	}
	return 0;
}

static int
parse_pnp(struct cursor *c, struct hints_record *r, kext_error *err)
{
	size_t e, f, nf;

	if (read_string(c, "bus name", &r->name, err) != 0 ||
	    read_string(c, "PnP format", &r->format, err) != 0 ||
	    parse_format(c, r, err) != 0 ||
	    read_int(c, "entry count", &r->num_entry, err) != 0)
		return -1;
	nf = r->num_fields;
	if (r->num_entry < 0 || (nf > 0 && (size_t)r->num_entry > HINTS_MAX_PNP_VALUES / nf))
		return kext_fail(err, ENOEXEC, "%s: record at offset %zu: entry count %d "
		    "(expected 0 to %zu for %zu fields)", c->name, c->rec, r->num_entry,
		    nf ? (size_t)HINTS_MAX_PNP_VALUES / nf : 0, nf);
	if (nf == 0 || r->num_entry == 0)
		return 0;
	r->values = calloc((size_t)r->num_entry * nf, sizeof(r->values[0]));
	if (r->values == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", c->name);
	for (e = 0; e < (size_t)r->num_entry; e++) {
		for (f = 0; f < nf; f++) {
			struct hints_pnp_value *v = &r->values[e * nf + f];
			char k = r->fields[f].kind;

			if (k == 'T')
				continue;
			if ((k == 'D' || k == 'Z') ? read_string(c, "PnP string value", &v->s, err) :
			    read_int(c, "PnP integer value", &v->i, err))
				return -1;
		}
	}
	return 0;
}

static int
parse_record(struct cursor *c, struct hints_record *r, const char *last_kld,
    kext_error *err)
{
	int32_t type;

	if (read_int(c, "record type", &type, err) != 0)
		return -1;
	r->type = type;
	switch (type) {
	case HINTS_MODULE:
		if (read_string(c, "module name", &r->name, err) != 0 ||
		    read_string(c, "file name", &r->kldfile, err) != 0)
			return -1;
		break;
	case HINTS_VERSION:
		if (read_string(c, "module name", &r->name, err) != 0 ||
		    read_int(c, "version", &r->version, err) != 0 ||
		    read_string(c, "file name", &r->kldfile, err) != 0)
			return -1;
		break;
	case HINTS_PNP_INFO:
		if (parse_pnp(c, r, err) != 0)
			return -1;
		if (last_kld != NULL && (r->kldfile = strdup(last_kld)) == NULL)
			return kext_fail(err, ENOMEM, "%s: out of memory", c->name);
		break;
	default:
		return 0;		/* kept, body not decoded (the kernel skips it too) */
	}
	if (c->end - c->pos >= 4)
		return kext_fail(err, ENOEXEC, "%s: record at offset %zu (type %d): %zu "
		    "bytes left over after the body (at most 3 bytes of padding "
		    "expected)", c->name, c->rec, type, c->end - c->pos);
	return 0;
}

static void
free_record(struct hints_record *r)
{
	size_t i;

	if (r->values != NULL)
		for (i = 0; i < (size_t)r->num_entry * r->num_fields; i++)
			free(r->values[i].s);
	for (i = 0; r->fields != NULL && i < r->num_fields; i++)
		free(r->fields[i].name);
	free(r->values);
	free(r->fields);
	free(r->name);
	free(r->kldfile);
	free(r->format);
}

void
hints_free(struct hints_file *hf)
{
	size_t i;

	if (hf == NULL)
		return;
	for (i = 0; i < hf->num_records; i++)
		free_record(&hf->records[i]);
	free(hf->records);
	free(hf->versions);
	free(hf->path);
	free(hf);
}

static int
by_name_then_place(const void *a, const void *b)
{
	const struct hints_record *x = *(const struct hints_record *const *)a;
	const struct hints_record *y = *(const struct hints_record *const *)b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : x < y ? -1 : x > y;
}

/*
 * Look-ups by name use a sorted index, so looking up every record (as
 * ko2kext and the fuzzer do) is not quadratic: a 70 KB linker.hints holds
 * thousands of records.
 */
static int
index_versions(struct hints_file *hf)
{
	size_t n = 0;

	for (size_t i = 0; i < hf->num_records; i++)
		n += hf->records[i].type == HINTS_VERSION && hf->records[i].name != NULL;
	if ((hf->versions = calloc(n + 1, sizeof(*hf->versions))) == NULL)
		return -1;
	for (size_t i = 0; i < hf->num_records; i++)
		if (hf->records[i].type == HINTS_VERSION && hf->records[i].name != NULL)
			hf->versions[hf->num_versions++] = &hf->records[i];
	kext_sort(hf->versions, hf->num_versions, sizeof(*hf->versions), by_name_then_place);
	return 0;
}

static int
parse_records(const uint8_t *b, size_t len, struct hints_file *hf, const char *name,
    kext_error *err)
{
	const char *last_kld = NULL;
	size_t pos = 4, cap = 0;

	while (pos < len) {
		struct cursor c = { b, 0, 0, hf->big_endian, name, pos };
		struct hints_record *r;
		uint32_t rlen;

		if (len - pos < 4)
			return kext_fail(err, ENOEXEC, "%s: truncated: record length at "
			    "offset %zu needs 4 bytes, %zu left", name, pos, len - pos);
		rlen = get32(b + pos, hf->big_endian);
		if (rlen < 4 || rlen % 4 != 0 || rlen > len - pos - 4)
			return kext_fail(err, ENOEXEC, "%s: record at offset %zu: length "
			    "%u (expected a multiple of 4, at least 4, at most the %zu "
			    "bytes left)", name, pos, rlen, len - pos - 4);
		if (hf->num_records == cap) {
			cap = cap ? cap * 2 : 64;
			r = realloc(hf->records, cap * sizeof(*r));
			if (r == NULL)
				return kext_fail(err, ENOMEM, "%s: out of memory", name);
			hf->records = r;
		}
		r = &hf->records[hf->num_records++];
		memset(r, 0, sizeof(*r));
		r->offset = pos;
		c.pos = pos + 4;
		c.end = pos + 4 + rlen;
		if (parse_record(&c, r, last_kld, err) != 0)
			return -1;
		if (r->type == HINTS_MODULE)
			last_kld = r->kldfile;
		pos = c.end;
	}
	return 0;
}

int
hints_parse(const void *buf, size_t len, const char *name, struct hints_file **out,
    kext_error *err)
{
	const uint8_t *b = buf;
	struct hints_file *hf;

	*out = NULL;
	if (name == NULL)
		name = "(linker.hints)";
	if (buf == NULL || len < 4)
		return kext_fail(err, ENOEXEC, "%s: truncated: %zu bytes, a hints file "
		    "starts with a 4-byte version", name, buf == NULL ? 0 : len);
	hf = calloc(1, sizeof(*hf));
	if (hf == NULL || (hf->path = strdup(name)) == NULL) {
		free(hf);
		return kext_fail(err, ENOMEM, "%s: out of memory", name);
	}
	if (get32(b, false) == HINTS_FILE_VERSION) {
		hf->big_endian = 0;
	} else if (get32(b, true) == HINTS_FILE_VERSION) {
		hf->big_endian = 1;
	} else {
		kext_fail(err, ENOEXEC, "%s: not a linker.hints file: version %u "
		    "(little-endian reading; expected %d)", name, get32(b, false),
		    HINTS_FILE_VERSION);
		hints_free(hf);
		return -1;
	}
	hf->version = HINTS_FILE_VERSION;
	if (parse_records(b, len, hf, name, err) != 0) {
		hints_free(hf);
		return -1;
	}
	if (index_versions(hf) != 0) {
		hints_free(hf);
		return kext_fail(err, ENOMEM, "%s: out of memory", name);
	}
	*out = hf;
	return 0;
}

int
hints_open(const char *path, struct hints_file **out, kext_error *err)
{
	uint8_t *buf;
	size_t size;
	int fd, rc;

	*out = NULL;
	if (kext_file_open_bounded(path, HINTS_MAX_FILE_SIZE, "more than a hints file may hold",
	    &fd, &size, err) != 0)
		return -1;
	rc = kext_file_read_exact(fd, size, path, &buf, err);
	close(fd);
	if (rc != 0)
		return -1;
	rc = hints_parse(buf, size, path, out, err);
	free(buf);
	return rc;
}

const struct hints_record *
hints_lookup(const struct hints_file *hf, const char *name, int min, int pref, int max)
{
	const struct hints_record *best = NULL;
	size_t lo = 0, hi;

	if (hf == NULL || name == NULL)
		return NULL;
	/* the first record of that name, then each of them in file order */
	for (hi = hf->num_versions; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(hf->versions[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < hf->num_versions && strcmp(hf->versions[lo]->name, name) == 0; lo++) {
		const struct hints_record *r = hf->versions[lo];

		if (kext_fbsd_version_better(min, pref, max, r->version, best != NULL,
		    best != NULL ? best->version : 0))
			best = r;
	}
	return best;
}
