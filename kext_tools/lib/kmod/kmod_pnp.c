/*
 * MODULE_PNP_INFO: the descriptor grammar, its conversion to the format
 * linker.hints carries, and the decoding of every table entry (spec
 * freebsd-kld.md §1.6). Offsets follow kldxref: each integer is aligned to its
 * own size, D/Z to the pointer size, E to 4; P advances one pointer without
 * aligning; T takes no room. Values are read in the module's byte order.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmod_internal.h"

#define TYPE_MAX	7	/* longest TYPE token */
#define NAME_MAX_LEN	31	/* longest NAME */

enum src {
	SRC_INT,		/* U8, U16, U32, G16, L16, M16 */
	SRC_WILD,		/* V8, V16, V32: all ones becomes -1 */
	SRC_W32,		/* two 16-bit halves */
	SRC_STR,		/* D, Z: pointer to a string */
	SRC_EISA,		/* E: uint32 id shown as text */
	SRC_TABLE,		/* T: no per-entry value */
	SRC_SKIP,		/* P: ignored pointer */
};

static const struct pnp_type {
	const char *token;
	uint8_t src;
	uint8_t size;		/* 0: pointer size */
	char kind;		/* as written to linker.hints */
} pnp_types[] = {
	{ "U8", SRC_INT, 1, 'I' },   { "V8", SRC_WILD, 1, 'J' },
	{ "U16", SRC_INT, 2, 'I' },  { "V16", SRC_WILD, 2, 'J' },
	{ "G16", SRC_INT, 2, 'G' },  { "L16", SRC_INT, 2, 'L' },
	{ "M16", SRC_INT, 2, 'M' },  { "U32", SRC_INT, 4, 'I' },
	{ "V32", SRC_WILD, 4, 'J' }, { "W32", SRC_W32, 4, 'I' },
	{ "D", SRC_STR, 0, 'D' },    { "Z", SRC_STR, 0, 'Z' },
	{ "E", SRC_EISA, 4, 'Z' },   { "T", SRC_TABLE, 0, 'T' },
	{ "P", SRC_SKIP, 0, 0 },
};

/* Where the value of one output field comes from. */
struct column {
	uint8_t src, size, half;
	uint32_t offset;
};

struct layout {
	struct column *cols;	/* one per pnp->fields entry */
	uint32_t needed;	/* bytes of an entry the columns read */
};

static const struct pnp_type *
find_type(const char *tok, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(pnp_types) / sizeof(pnp_types[0]); i++)
		if (strlen(pnp_types[i].token) == len && memcmp(pnp_types[i].token, tok, len) == 0)
			return &pnp_types[i];
	return NULL;
}

static int
add_field(struct kmod_pnp *pnp, struct layout *lay, char kind, const char *name,
    size_t len, struct column col)
{
	char *n = malloc(len + 1);

	if (n == NULL)
		return -1;
	memcpy(n, name, len);
	n[len] = '\0';
	pnp->fields[pnp->num_fields].kind = kind;
	pnp->fields[pnp->num_fields].name = n;
	lay->cols[pnp->num_fields] = col;
	pnp->num_fields++;
	return 0;
}

static int
parse_fail(kext_error *err, const char *file, const char *what, const char *descr,
    size_t field, const char *why)
{
	return kext_fail(err, ENOEXEC, "%s: %s: PnP descriptor \"%s\": field %zu: %s",
	    file, what, descr, field + 1, why);
}

/* Splits descr into fields and columns; the converted format comes later. */
static int
parse_descr(const struct kmod_image *img, const char *what, struct kmod_pnp *pnp,
    struct layout *lay, kext_error *err)
{
	const char *d = pnp->descr, *p = d;
	size_t maxfields = 2, field = 0;
	uint32_t off = 0;

	for (; *p != '\0'; p++)
		maxfields += *p == ';' ? 2 : 0;	/* W32 makes two */
	pnp->fields = calloc(maxfields, sizeof(pnp->fields[0]));
	lay->cols = calloc(maxfields, sizeof(lay->cols[0]));
	if (pnp->fields == NULL || lay->cols == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
	for (p = d; *p != '\0'; field++) {
		const char *end = strchr(p, ';'), *colon, *name, *slash;
		const struct pnp_type *t;
		size_t tlen, nlen, align;
		struct column col;

		if (end == NULL)
			end = p + strlen(p);
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon == NULL)
			return parse_fail(err, img->name, what, d, field, "no ':' between type and name");
		tlen = (size_t)(colon - p);
		name = colon + 1;
		nlen = (size_t)(end - name);
		if (tlen == 0 || tlen > TYPE_MAX)
			return parse_fail(err, img->name, what, d, field,
			    "the type must be 1 to 7 characters");
		if (nlen > NAME_MAX_LEN)
			return parse_fail(err, img->name, what, d, field,
			    "the name is longer than 31 characters");
		t = find_type(p, tlen);
		if (t == NULL)
			return parse_fail(err, img->name, what, d, field,
			    "unknown type (expected U8 V8 U16 V16 G16 L16 M16 U32 V32 "
			    "W32 D Z E P T)");
		col = (struct column){ t->src, t->size ? t->size : (uint8_t)img->ptrsize, 0, off };
		align = t->src == SRC_STR ? img->ptrsize : col.size;
		if (t->src == SRC_SKIP) {
			off += img->ptrsize;
		} else if (t->src == SRC_TABLE) {
			col.size = 0;
			if (add_field(pnp, lay, t->kind, name, nlen, col) != 0)
				goto nomem;
		} else {
			off = (uint32_t)((off + align - 1) / align * align);
			col.offset = off;
			off += col.size;
			if (t->src != SRC_W32) {
				if (add_field(pnp, lay, t->kind, name, nlen, col) != 0)
					goto nomem;
			} else {
				slash = memchr(name, '/', nlen);
				if (slash == NULL || slash == name || slash == end - 1 ||
				    memchr(slash + 1, '/', (size_t)(end - slash - 1)) != NULL)
					return parse_fail(err, img->name, what, d, field,
					    "W32 needs two names, \"low/high\"");
				if (add_field(pnp, lay, 'I', name, (size_t)(slash - name), col) != 0)
					goto nomem;
				col.half = 1;
				if (add_field(pnp, lay, 'I', slash + 1, (size_t)(end - slash - 1), col) != 0)
					goto nomem;
			}
			if (col.offset + col.size > lay->needed)
				lay->needed = col.offset + col.size;
		}
		p = end;
		if (*p == ';') {
			p++;
			while (*p != '\0' && isspace((unsigned char)*p))
				p++;
		}
	}
	return 0;
nomem:
	return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
}

/* "K:name;" for every field: what kldxref writes as the hints format. */
static int
build_format(const struct kmod_image *img, struct kmod_pnp *pnp, kext_error *err)
{
	size_t len = 1, i, at = 0;

	for (i = 0; i < pnp->num_fields; i++)
		len += strlen(pnp->fields[i].name) + 3;
	pnp->format = malloc(len);
	if (pnp->format == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
	pnp->format[0] = '\0';
	for (i = 0; i < pnp->num_fields; i++)
		at += (size_t)snprintf(pnp->format + at, len - at, "%c:%s;",
		    pnp->fields[i].kind, pnp->fields[i].name);
	return 0;
}

/* Three letters and four lower-case hex digits, from the id's bytes in LE order. */
static void
eisa_text(uint32_t id, char out[8])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b0 = (uint8_t)id, b1 = (uint8_t)(id >> 8);
	uint8_t b2 = (uint8_t)(id >> 16), b3 = (uint8_t)(id >> 24);

	out[0] = (char)('@' + ((b0 >> 2) & 0x1f));
	out[1] = (char)('@' + (((b0 & 0x3) << 3) | (b1 >> 5)));
	out[2] = (char)('@' + (b1 & 0x1f));
	out[3] = hex[b2 >> 4];
	out[4] = hex[b2 & 0xf];
	out[5] = hex[b3 >> 4];
	out[6] = hex[b3 & 0xf];
	out[7] = '\0';
}

static int
decode_value(const struct kmod_image *img, const struct column *col, uint64_t at,
    const char *what, struct kmod_pnp_value *v, kext_error *err)
{
	uint64_t raw, ptr;
	char id[8];

	switch (col->src) {
	case SRC_TABLE:
		return 0;
	case SRC_STR:
		if (kmod_read_ptr(img, at, what, &ptr, err) != 0)
			return -1;
		if (ptr == 0) {
			v->s = strdup("");
			return v->s ? 0 : kext_fail(err, ENOMEM, "%s: out of memory", img->name);
		}
		return kmod_read_string(img, ptr, KMOD_MAX_STRING, what, &v->s, err);
	default:
		break;
	}
	if (kmod_read_int(img, at, col->size, what, &raw, err) != 0)
		return -1;
	switch (col->src) {
	case SRC_WILD:
		v->i = raw == (UINT64_MAX >> (64 - 8 * col->size)) ? -1 : (int32_t)(uint32_t)raw;
		break;
	case SRC_W32:
		v->i = (int32_t)(col->half ? (raw >> 16) & 0xffff : raw & 0xffff);
		break;
	case SRC_EISA:
		eisa_text((uint32_t)raw, id);
		v->s = strdup(id);
		if (v->s == NULL)
			return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
		break;
	default:
		v->i = (int32_t)(uint32_t)raw;
		break;
	}
	return 0;
}

static int
decode_entries(const struct kmod_image *img, const char *what, uint64_t table,
    struct kmod_pnp *pnp, const struct layout *lay, kext_error *err)
{
	size_t nf = pnp->num_fields, e, f;
	char where[KEXT_ERROR_MAX / 2];

	if (pnp->num_entry == 0 || nf == 0)
		return 0;
	if (table == 0)
		return kext_fail(err, ENOEXEC, "%s: %s: table pointer is NULL but "
		    "num_entry is %d", img->name, what, pnp->num_entry);
	if (lay->needed > (uint32_t)pnp->entry_len)
		return kext_fail(err, ENOEXEC, "%s: %s: PnP descriptor \"%s\" needs %"
		    PRIu32 " bytes per entry but entry_len is %d", img->name, what,
		    pnp->descr, lay->needed, pnp->entry_len);
	if ((size_t)pnp->num_entry > KMOD_MAX_PNP_VALUES / nf)
		return kext_fail(err, ENOEXEC, "%s: %s: %d entries of %zu fields is more "
		    "than the %u values a table may hold", img->name, what,
		    pnp->num_entry, nf, KMOD_MAX_PNP_VALUES);
	/* the whole table must lie in one section (both counts are below 2^31) */
	if (kmod_check_range(img, table, (uint64_t)pnp->num_entry * (uint64_t)pnp->entry_len,
	    what, err) != 0)
		return -1;
	pnp->values = calloc((size_t)pnp->num_entry * nf, sizeof(pnp->values[0]));
	if (pnp->values == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", img->name);
	for (e = 0; e < (size_t)pnp->num_entry; e++) {
		/* fits: num_entry and entry_len are below 2^31 */
		uint64_t base = table + (uint64_t)e * (uint64_t)pnp->entry_len;

		for (f = 0; f < nf; f++) {
			snprintf(where, sizeof(where), "%s entry %zu field %s", what, e,
			    pnp->fields[f].name);
			if (decode_value(img, &lay->cols[f], base + lay->cols[f].offset,
			    where, &pnp->values[e * nf + f], err) != 0)
				return -1;
		}
	}
	return 0;
}

int
kmod_pnp_decode(const struct kmod_image *img, uint64_t addr, const char *what,
    struct kmod_pnp *pnp, kext_error *err)
{
	unsigned ps = img->ptrsize;
	uint64_t descr, table, v;
	struct layout lay = { NULL, 0 };
	int rc = -1;

	/* struct mod_pnp_match_info: descr, bus, table, entry_len, num_entry */
	if (kmod_read_ptr(img, addr, what, &descr, err) != 0 ||
	    kmod_read_ptr(img, addr + 2 * ps, what, &table, err) != 0)
		return -1;
	if (kmod_read_int(img, addr + 3 * ps, 4, what, &v, err) != 0)
		return -1;
	pnp->entry_len = (int32_t)(uint32_t)v;
	if (kmod_read_int(img, addr + 3 * ps + 4, 4, what, &v, err) != 0)
		return -1;
	pnp->num_entry = (int32_t)(uint32_t)v;
	if (pnp->entry_len < 0 || pnp->num_entry < 0)
		return kext_fail(err, ENOEXEC, "%s: %s: entry_len %d and num_entry %d "
		    "must not be negative", img->name, what, pnp->entry_len,
		    pnp->num_entry);
	if (descr == 0)
		return kext_fail(err, ENOEXEC, "%s: %s: descriptor pointer is NULL",
		    img->name, what);
	if (kmod_read_string(img, descr, KMOD_MAX_STRING, what, &pnp->descr, err) != 0)
		return -1;
	if (parse_descr(img, what, pnp, &lay, err) == 0 &&
	    build_format(img, pnp, err) == 0 &&
	    decode_entries(img, what, table, pnp, &lay, err) == 0)
		rc = 0;
	free(lay.cols);
	return rc;
}

void
kmod_pnp_release(struct kmod_pnp *pnp)
{
	size_t i, nv;

	if (pnp->values != NULL) {
		nv = (size_t)pnp->num_entry * pnp->num_fields;
		for (i = 0; i < nv; i++)
			free(pnp->values[i].s);
	}
	for (i = 0; pnp->fields != NULL && i < pnp->num_fields; i++)
		free(pnp->fields[i].name);
	free(pnp->values);
	free(pnp->fields);
	free(pnp->format);
	free(pnp->descr);
	free(pnp->bus);
	memset(pnp, 0, sizeof(*pnp));
}
