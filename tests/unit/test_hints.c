/*
 * linker.hints reader: files encoded here in both byte orders, the byte-exact
 * records the spec quotes from FreeBSD 10.1, every kind of damage, the kernel's
 * version lookup rule, and the real 10.1 file when the corpus is present.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kext/hints.h"

/* ---- a small encoder of the §3.2 format ---------------------------------- */

struct enc {
	uint8_t b[4096];
	size_t len, rec;
	bool be;
};

static void
enc_raw32(struct enc *e, size_t at, uint32_t v)
{
	int k;

	for (k = 0; k < 4; k++)
		e->b[at + (size_t)k] = (uint8_t)(v >> (e->be ? 24 - 8 * k : 8 * k));
}

static void
enc_int(struct enc *e, int32_t v)
{
	while (e->len % 4 != 0)
		e->b[e->len++] = 0;
	enc_raw32(e, e->len, (uint32_t)v);
	e->len += 4;
}

static void
enc_str(struct enc *e, const char *s)
{
	size_t n = strlen(s);

	e->b[e->len++] = (uint8_t)n;
	memcpy(e->b + e->len, s, n);
	e->len += n;
}

static void
enc_begin(struct enc *e, int type)
{
	e->rec = e->len;
	e->len += 4;		/* length, patched by enc_end */
	enc_int(e, type);
}

static void
enc_end(struct enc *e)
{
	while (e->len % 4 != 0)
		e->b[e->len++] = 0;
	enc_raw32(e, e->rec, (uint32_t)(e->len - e->rec - 4));
}

static void
enc_start(struct enc *e, bool be)
{
	memset(e, 0, sizeof(*e));
	e->be = be;
	enc_int(e, 1);
}

/* MODULE, VERSION, PNP (2 entries), an unknown type, then a second file. */
static void
enc_sample(struct enc *e, bool be)
{
	enc_start(e, be);
	enc_begin(e, 2);
	enc_str(e, "foo");
	enc_str(e, "foo.ko");
	enc_end(e);
	enc_begin(e, 3);
	enc_str(e, "foo");
	enc_int(e, 7);
	enc_str(e, "foo.ko");
	enc_end(e);
	enc_begin(e, 4);
	enc_str(e, "pci");
	enc_str(e, "I:vendor;J:device;D:#;T:bus=x;Z:id;");
	enc_int(e, 2);
	enc_int(e, 0x8086);
	enc_int(e, -1);
	enc_str(e, "first");
	enc_str(e, "PNP0501");
	enc_int(e, 0x1002);
	enc_int(e, 0x6780);
	enc_str(e, "");
	enc_str(e, "ABC0000");
	enc_end(e);
	enc_begin(e, 9);
	enc_int(e, 1234);
	enc_end(e);
	enc_begin(e, 2);
	enc_str(e, "bar");
	enc_str(e, "bar.ko");
	enc_end(e);
}

static struct hints_file *
parse_ok(const void *buf, size_t len)
{
	struct hints_file *hf = NULL;
	kext_error err;

	if (hints_parse(buf, len, "linker.hints", &hf, &err) != 0)
		fail_msg("unexpected error: %s", err.msg);
	return hf;
}

static void
expect_error(const void *buf, size_t len, const char *frag)
{
	struct hints_file *hf = NULL;
	kext_error err;

	memset(&err, 0, sizeof(err));
	if (hints_parse(buf, len, "linker.hints", &hf, &err) == 0)
		fail_msg("parsed, but expected an error containing \"%s\"", frag);
	assert_null(hf);
	if (strncmp(err.msg, "linker.hints: ", 14) != 0 || strstr(err.msg, frag) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, frag);
}

static void
check_sample(const struct hints_file *hf)
{
	const struct hints_record *r = hf->records;

	assert_int_equal(hf->version, 1);
	assert_int_equal(hf->num_records, 5);
	assert_int_equal(r[0].type, HINTS_MODULE);
	assert_int_equal(r[0].offset, 4);
	assert_string_equal(r[0].name, "foo");
	assert_string_equal(r[0].kldfile, "foo.ko");
	assert_int_equal(r[1].type, HINTS_VERSION);
	assert_string_equal(r[1].name, "foo");
	assert_int_equal(r[1].version, 7);
	assert_string_equal(r[1].kldfile, "foo.ko");
	assert_int_equal(r[2].type, HINTS_PNP_INFO);
	assert_string_equal(r[2].name, "pci");
	assert_string_equal(r[2].kldfile, "foo.ko");	/* from the MODULE before it */
	assert_string_equal(r[2].format, "I:vendor;J:device;D:#;T:bus=x;Z:id;");
	assert_int_equal(r[2].num_entry, 2);
	assert_int_equal(r[2].num_fields, 5);
	assert_int_equal(r[2].fields[1].kind, 'J');
	assert_string_equal(r[2].fields[3].name, "bus=x");
	assert_int_equal(r[2].values[0].i, 0x8086);
	assert_int_equal(r[2].values[1].i, -1);
	assert_string_equal(r[2].values[2].s, "first");
	assert_null(r[2].values[3].s);			/* T */
	assert_string_equal(r[2].values[4].s, "PNP0501");
	assert_int_equal(r[2].values[5].i, 0x1002);
	assert_string_equal(r[2].values[7].s, "");
	assert_string_equal(r[2].values[9].s, "ABC0000");
	assert_int_equal(r[3].type, 9);			/* kept, not decoded */
	assert_null(r[3].name);
	assert_string_equal(r[4].name, "bar");
	assert_string_equal(r[4].kldfile, "bar.ko");
}

static void
test_both_byte_orders(void **state)
{
	struct hints_file *hf;
	struct enc e;

	(void)state;
	enc_sample(&e, false);
	hf = parse_ok(e.b, e.len);
	assert_int_equal(hf->big_endian, 0);
	check_sample(hf);
	hints_free(hf);
	enc_sample(&e, true);
	hf = parse_ok(e.b, e.len);
	assert_int_equal(hf->big_endian, 1);
	check_sample(hf);
	hints_free(hf);
}

/* The records spec §8 quotes byte for byte from FreeBSD 10.1's linker.hints. */
static void
test_spec_bytes(void **state)
{
	static const uint8_t file[] = {
		0x01, 0, 0, 0,
		/* MODULE nullfs in nullfs.ko */
		0x18, 0, 0, 0, 0x02, 0, 0, 0, 0x06, 'n', 'u', 'l', 'l', 'f', 's',
		0x09, 'n', 'u', 'l', 'l', 'f', 's', '.', 'k', 'o', 0, 0, 0,
		/* MODULE if_tun in if_tun.ko, VERSION if_tun.1 in if_tun.ko */
		0x18, 0, 0, 0, 0x02, 0, 0, 0, 0x06, 'i', 'f', '_', 't', 'u', 'n',
		0x09, 'i', 'f', '_', 't', 'u', 'n', '.', 'k', 'o', 0, 0, 0,
		0x1c, 0, 0, 0, 0x03, 0, 0, 0, 0x06, 'i', 'f', '_', 't', 'u', 'n',
		0x00, 0x01, 0, 0, 0, 0x09, 'i', 'f', '_', 't', 'u', 'n', '.', 'k', 'o',
		0, 0,
	};
	struct hints_file *hf = parse_ok(file, sizeof(file));

	(void)state;
	assert_int_equal(hf->num_records, 3);
	assert_string_equal(hf->records[0].name, "nullfs");
	assert_string_equal(hf->records[0].kldfile, "nullfs.ko");
	assert_int_equal(hf->records[2].type, HINTS_VERSION);
	assert_int_equal(hf->records[2].offset, 4 + 28 + 28);
	assert_string_equal(hf->records[2].name, "if_tun");
	assert_int_equal(hf->records[2].version, 1);
	assert_string_equal(hf->records[2].kldfile, "if_tun.ko");
	hints_free(hf);
}

static void
test_damage(void **state)
{
	struct enc e;
	uint8_t b[64];

	(void)state;
	expect_error(NULL, 0, "truncated: 0 bytes");
	expect_error("\1\0", 2, "truncated: 2 bytes");
	memcpy(b, "\2\0\0\0", 4);
	expect_error(b, 4, "version 2 (little-endian reading; expected 1)");

	enc_sample(&e, false);
	expect_error(e.b, 6, "truncated: record length at offset 4 needs 4 bytes, 2 left");
	enc_raw32(&e, 4, 22);
	expect_error(e.b, e.len, "record at offset 4: length 22 (expected a multiple of 4");
	enc_raw32(&e, 4, 0x10000000);
	expect_error(e.b, e.len, "record at offset 4: length 268435456");
	enc_raw32(&e, 4, 0);
	expect_error(e.b, e.len, "record at offset 4: length 0");

	/* a string longer than its record */
	enc_start(&e, false);
	enc_begin(&e, 2);
	enc_str(&e, "foo");
	e.b[e.len++] = 40;	/* file name claims 40 bytes */
	enc_end(&e);
	expect_error(e.b, e.len, "file name at offset");
	/* an int past the end of its record */
	enc_start(&e, false);
	enc_begin(&e, 3);
	enc_str(&e, "foo");
	enc_end(&e);
	expect_error(e.b, e.len, "version at offset");
	/* a record with a body longer than it needs */
	enc_start(&e, false);
	enc_begin(&e, 2);
	enc_str(&e, "foo");
	enc_str(&e, "foo.ko");
	enc_int(&e, 0);
	enc_int(&e, 0);
	enc_end(&e);
	expect_error(e.b, e.len, "bytes left over after the body");
	/* bad PnP format strings and counts */
	enc_start(&e, false);
	enc_begin(&e, 4);
	enc_str(&e, "pci");
	enc_str(&e, "I:vendor;X:device;");
	enc_int(&e, 0);
	enc_end(&e);
	expect_error(e.b, e.len, "field 2 is not \"K:name;\"");
	enc_start(&e, false);
	enc_begin(&e, 4);
	enc_str(&e, "pci");
	enc_str(&e, "I:vendor");
	enc_int(&e, 0);
	enc_end(&e);
	expect_error(e.b, e.len, "field 1 is not \"K:name;\"");
	enc_start(&e, false);
	enc_begin(&e, 4);
	enc_str(&e, "pci");
	enc_str(&e, "I:vendor;");
	enc_int(&e, -3);
	enc_end(&e);
	expect_error(e.b, e.len, "entry count -3");
	enc_start(&e, false);
	enc_begin(&e, 4);
	enc_str(&e, "pci");
	enc_str(&e, "I:vendor;");
	enc_int(&e, 3);		/* but only one value follows */
	enc_int(&e, 1);
	enc_end(&e);
	expect_error(e.b, e.len, "PnP integer value at offset");
}

/* Every prefix parses (cut at a record boundary) or fails cleanly. */
static void
test_every_truncation(void **state)
{
	struct hints_file *hf;
	size_t cut, boundaries = 0;
	kext_error err;
	struct enc e;

	(void)state;
	enc_sample(&e, true);
	for (cut = 0; cut <= e.len; cut++) {
		bool boundary = cut == 4;
		size_t pos = 4;

		while (pos < cut && pos + 4 <= e.len) {
			pos += 4 + (size_t)(e.b[pos] << 24 | e.b[pos + 1] << 16 |
			    e.b[pos + 2] << 8 | e.b[pos + 3]);
			if (pos == cut)
				boundary = true;
		}
		if (hints_parse(e.b, cut, "linker.hints", &hf, &err) == 0) {
			if (!boundary)
				fail_msg("a file cut to %zu bytes parsed", cut);
			boundaries++;
			hints_free(hf);
		} else if (boundary) {
			fail_msg("a file cut at a record boundary (%zu) failed: %s", cut, err.msg);
		}
	}
	assert_int_equal(boundaries, 6);	/* header + 5 records */
}

static void
test_lookup_rule(void **state)
{
	static const struct {
		const char *name, *file;
		int version;
	} v[] = { { "foo", "a.ko", 1 }, { "foo", "b.ko", 3 }, { "foo", "c.ko", 5 },
		  { "bar", "d.ko", 4 } };
	struct hints_file *hf;
	struct enc e;
	size_t i;

	(void)state;
	enc_start(&e, false);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enc_begin(&e, 3);
		enc_str(&e, v[i].name);
		enc_int(&e, v[i].version);
		enc_str(&e, v[i].file);
		enc_end(&e);
	}
	hf = parse_ok(e.b, e.len);
	assert_string_equal(hints_lookup(hf, "foo", 1, 3, 9)->kldfile, "b.ko");
	assert_string_equal(hints_lookup(hf, "foo", 1, 4, 9)->kldfile, "c.ko");
	assert_string_equal(hints_lookup(hf, "foo", 1, 4, 4)->kldfile, "b.ko");
	assert_string_equal(hints_lookup(hf, "foo", 10, 3, 12)->kldfile, "b.ko");
	assert_null(hints_lookup(hf, "foo", 6, 7, 9));
	assert_null(hints_lookup(hf, "baz", 1, 1, 1));
	assert_string_equal(hints_lookup(hf, "bar", 1, 1, 9)->kldfile, "d.ko");
	hints_free(hf);
}

static void
test_open_errors(void **state)
{
	struct hints_file *hf;
	kext_error err;

	(void)state;
	assert_int_equal(hints_open("/nonexistent/linker.hints", &hf, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/linker.hints: cannot open"));
	assert_int_equal(hints_open("/", &hf, &err), -1);
	assert_non_null(strstr(err.msg, "/: not a regular file"));
}

static void
test_freebsd_10_1_file(void **state)
{
	const char *dir = getenv("KEXT_CORPUS");
	const struct hints_record *r;
	size_t count[5] = { 0 }, i;
	struct hints_file *hf;
	char path[4096];
	struct stat st;
	kext_error err;

	(void)state;
	snprintf(path, sizeof(path), "%s/freebsd-10.1-amd64/linker.hints", dir ? dir : "");
	if (dir == NULL || *dir == '\0' || stat(path, &st) != 0) {
		print_message("SKIP: no corpus linker.hints (KEXT_CORPUS=%s)\n",
		    dir ? dir : "(unset)");
		skip();
		return;
	}
	if (hints_open(path, &hf, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(st.st_size, 69632);
	assert_int_equal(hf->big_endian, 0);
	assert_int_equal(hf->num_records, 2113);
	for (i = 0; i < hf->num_records; i++)
		if (hf->records[i].type >= 2 && hf->records[i].type <= 4)
			count[hf->records[i].type]++;
	assert_int_equal(count[HINTS_MODULE], 1502);
	assert_int_equal(count[HINTS_VERSION], 611);
	assert_int_equal(count[HINTS_PNP_INFO], 0);
	for (i = 0; i < hf->num_records && hf->records[i].offset != 46512; i++)
		;
	assert_true(i < hf->num_records);
	assert_string_equal(hf->records[i].name, "nullfs");
	assert_string_equal(hf->records[i].kldfile, "nullfs.ko");
	r = hints_lookup(hf, "kernel", 1001000, 1001000, 1099999);
	assert_non_null(r);
	assert_string_equal(r->kldfile, "kernel");
	assert_int_equal(r->version, 1001000);
	r = hints_lookup(hf, "bridgestp", 1, 1, 1);
	assert_int_equal(r->offset, 5256);
	assert_string_equal(r->kldfile, "bridgestp.ko");
	hints_free(hf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_byte_orders),
		cmocka_unit_test(test_spec_bytes),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_lookup_rule),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_freebsd_10_1_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
