/*
 * The reader on our synthetic modules (tests/fixtures, built by build.sh for
 * eight architectures): every arch, as the final module (ET_DYN except amd64)
 * and as the `ld -r` object (ET_REL), and the ET_DYN modules once more with
 * their section headers removed (set found through the dynamic symbols),
 * must decode to the same records, values and PnP tables.
 * Skips, saying why, when $KEXT_FIXTURES has not been built.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kext/kmod.h"

struct arch_fact {
	const char *name;
	int elf_class, big_endian, machine;
};

static const struct arch_fact arches[] = {
	{ "amd64", 64, 0, 62 },     { "i386", 32, 0, 3 },
	{ "armv7", 32, 0, 40 },     { "aarch64", 64, 0, 183 },
	{ "riscv64", 64, 0, 243 },  { "powerpc", 32, 1, 20 },
	{ "powerpc64", 64, 1, 21 }, { "powerpc64le", 64, 0, 21 },
};

/* DEPEND: a = name, x/y/z = min/pref/max; MODULE: a = cval, b = name;
 * VERSION: a = name, x = version; PNP_INFO: a = bus, b = format, x = entries. */
struct exp_rec {
	int type;
	const char *a, *b;
	int x, y, z;
};

#define KERNEL_DEP { KMOD_DEPEND, "kernel", NULL, 1402000, 1402000, 1499999 }

static const struct exp_rec base_recs[] = {
	KERNEL_DEP,
	{ KMOD_MODULE, "fxbase", "fxbase", 0, 0, 0 },
	{ KMOD_VERSION, "fxbase", NULL, 3, 0, 0 },
};

static const struct exp_rec mid_recs[] = {
	KERNEL_DEP,
	{ KMOD_MODULE, "fxmid", "fxmid", 0, 0, 0 },
	{ KMOD_VERSION, "fxmid", NULL, 1, 0, 0 },
	{ KMOD_DEPEND, "fxbase", NULL, 2, 3, 4 },
};

static const char all_format[] = "M:mask;I:vendor;J:device;I:revid;J:class;"
    "G:minver;L:maxver;I:id;J:any;I:subvendor;I:subdevice;D:#;Z:match;"
    "Z:compat;T:fxkey=yes;";

static const struct exp_rec multi_recs[] = {
	KERNEL_DEP,
	{ KMOD_MODULE, "fxmulti", "fxmulti", 0, 0, 0 },
	{ KMOD_VERSION, "fxmulti", NULL, 5, 0, 0 },
	{ KMOD_DEPEND, "fxmid", NULL, 1, 1, 1 },
	{ KMOD_DEPEND, "fxbase", NULL, 1, 3, 9 },
	KERNEL_DEP,
	{ KMOD_MODULE, "fxbus_fxdrv", "fxbus/fxdrv", 0, 0, 0 },
	{ KMOD_VERSION, "fxdrv_if", NULL, 7, 0, 0 },
	{ KMOD_PNP_INFO, "fxpci", all_format, 3, 0, 0 },
	{ KMOD_PNP_INFO, "fxusb", "I:vendor;I:product;D:#;", 2, 0, 0 },
};

/* Expected PnP values: ints, or strings where s is set; T slots are NULL/0. */
struct exp_val {
	int32_t i;
	const char *s;
};

#define I(v) { (v), NULL }
#define S(v) { 0, (v) }
static const struct exp_val all_values[3][15] = {
	{ I(3), I(0x8086), I(0x1234), I(1), I(2), I(0x10), I(0x20), I((int32_t)0xdeadbeef),
	    I(5), I(0x1234), I(0x5678), S("first device"), S("fx,one"), S("PNP0501"), I(0) },
	{ I(0xffff), I(0xffff), I(-1), I(0xff), I(-1), I(0xffff), I(0xffff), I(-1), I(-1),
	    I(0xffff), I(0xffff), S(""), S(""), S("FXD00ab"), I(0) },
	{ I(0), I(1), I(2), I(0x80), I(0x7f), I(0x8000), I(0x7fff), I(INT32_MIN),
	    I(INT32_MAX), I(2), I(1), S("third"), S(""), S("ZZZffff"), I(0) },
};
static const struct exp_val usb_values[2][3] = {
	{ I(0x05ac), I(0x8286), S("fx usb one") },
	{ I(0x1d6b), I(0x0002), S("fx usb two") },
};
#undef I
#undef S

static void
check_values(const struct kmod_pnp *p, const struct exp_val *want, const char *what)
{
	size_t v, n = (size_t)p->num_entry * p->num_fields;

	for (v = 0; v < n; v++) {
		if (want[v].s != NULL) {
			if (p->values[v].s == NULL || strcmp(p->values[v].s, want[v].s) != 0)
				fail_msg("%s: value %zu is \"%s\", expected \"%s\"", what, v,
				    p->values[v].s ? p->values[v].s : "(null)", want[v].s);
		} else if (p->values[v].i != want[v].i || p->values[v].s != NULL) {
			fail_msg("%s: value %zu is %d, expected %d", what, v,
			    p->values[v].i, want[v].i);
		}
	}
}

static void
check_records(const struct kmod_file *kf, const struct exp_rec *want, size_t n)
{
	size_t i;

	if (kf->num_records != n)
		fail_msg("%s: %zu records, expected %zu", kf->path, kf->num_records, n);
	for (i = 0; i < n; i++) {
		const struct kmod_record *r = &kf->records[i];

		if ((int)r->type != want[i].type)
			fail_msg("%s: record %zu is %s, expected type %d", kf->path, i,
			    kmod_record_type_name(r->type), want[i].type);
		switch (r->type) {
		case KMOD_DEPEND:
			assert_string_equal(r->u.depend.name, want[i].a);
			assert_int_equal(r->u.depend.min, want[i].x);
			assert_int_equal(r->u.depend.pref, want[i].y);
			assert_int_equal(r->u.depend.max, want[i].z);
			break;
		case KMOD_MODULE:
			assert_string_equal(r->u.module.cval, want[i].a);
			assert_string_equal(r->u.module.name, want[i].b);
			break;
		case KMOD_VERSION:
			assert_string_equal(r->u.version.name, want[i].a);
			assert_int_equal(r->u.version.version, want[i].x);
			break;
		case KMOD_PNP_INFO:
			assert_string_equal(r->u.pnp.bus, want[i].a);
			assert_string_equal(r->u.pnp.format, want[i].b);
			assert_int_equal(r->u.pnp.num_entry, want[i].x);
			break;
		}
	}
}

/* fx_multi's two tables, whose entry sizes depend on the pointer size. */
static void
check_multi_pnp(const struct kmod_file *kf)
{
	const struct kmod_pnp *all = &kf->records[8].u.pnp, *usb = &kf->records[9].u.pnp;
	bool lp64 = kf->elf_class == 64;

	assert_string_equal(all->descr, "M16:mask;U16:vendor;V16:device;U8:revid;"
	    "V8:class;G16:minver;L16:maxver;U32:id;V32:any;W32:subvendor/subdevice;"
	    "D:#;P:#;Z:match;E:compat;T:fxkey=yes");
	assert_int_equal(all->entry_len, lp64 ? 56 : 44);
	assert_int_equal(all->num_fields, 15);
	assert_int_equal(all->fields[14].kind, 'T');
	assert_string_equal(all->fields[14].name, "fxkey=yes");
	check_values(all, &all_values[0][0], kf->path);
	assert_string_equal(usb->descr, "U16:vendor; U16:product;D:#;");
	assert_int_equal(usb->entry_len, lp64 ? 16 : 8);
	check_values(usb, &usb_values[0][0], kf->path);
}

static char *
fixture_dir(void)
{
	const char *dir = getenv("KEXT_FIXTURES");
	char probe[4096];
	struct stat st;

	if (dir == NULL || *dir == '\0') {
		print_message("SKIP: KEXT_FIXTURES is not set (run `make fixtures`; "
		    "tests/run1.sh points it at $(BUILD)/fixtures)\n");
		return NULL;
	}
	snprintf(probe, sizeof(probe), "%s/amd64/fx_multi.ko", dir);
	if (stat(probe, &st) != 0) {
		print_message("SKIP: %s is missing: build the fixtures with `make "
		    "fixtures` (needs clang and ld.lld)\n", probe);
		return NULL;
	}
	return strdup(dir);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (fp == NULL)
		fail_msg("%s: cannot open", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* A copy of an ELF file with e_shoff, e_shnum and e_shstrndx cleared. */
static void
strip_section_headers(uint8_t *b, const struct kmod_file *kf)
{
	size_t shoff = kf->elf_class == 64 ? 40 : 32, shnum = kf->elf_class == 64 ? 60 : 48;

	memset(b + shoff, 0, kf->elf_class == 64 ? 8 : 4);
	memset(b + shnum, 0, 4);	/* e_shnum and e_shstrndx */
}

static void
check_one(const char *path, const struct arch_fact *af, int e_type,
    const struct exp_rec *want, size_t n, bool is_multi, bool has_meta)
{
	struct kmod_file *kf, *stripped;
	kext_error err;
	uint8_t *buf;
	size_t len;

	if (kmod_open(path, &kf, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(kf->arch, af->name);
	assert_int_equal(kf->elf_class, af->elf_class);
	assert_int_equal(kf->big_endian, af->big_endian);
	assert_int_equal(kf->e_machine, af->machine);
	assert_int_equal(kf->e_type, e_type);
	assert_int_equal(kf->osabi, 9);
	assert_int_equal(kf->has_metadata, has_meta);
	assert_int_equal(kf->num_notes, 0);
	check_records(kf, want, n);
	if (is_multi)
		check_multi_pnp(kf);
	if (e_type == 3) {
		buf = slurp(path, &len);
		strip_section_headers(buf, kf);
		if (kmod_parse(buf, len, path, &stripped, &err) != 0)
			fail_msg("without section headers: %s", err.msg);
		assert_int_equal(stripped->has_metadata, has_meta);
		check_records(stripped, want, n);
		if (is_multi)
			check_multi_pnp(stripped);
		kmod_free(stripped);
		free(buf);
	}
	kmod_free(kf);
}

static void
check_arch(const char *dir, const struct arch_fact *af, bool object)
{
	static const struct {
		const char *name;
		const struct exp_rec *recs;
		size_t n;
	} files[] = {
		{ "fx_base", base_recs, sizeof(base_recs) / sizeof(base_recs[0]) },
		{ "fx_mid", mid_recs, sizeof(mid_recs) / sizeof(mid_recs[0]) },
		{ "fx_multi", multi_recs, sizeof(multi_recs) / sizeof(multi_recs[0]) },
		{ "fx_nometa", NULL, 0 },
	};
	char path[4096];
	size_t i;
	int e_type = object || strcmp(af->name, "amd64") == 0 ? 1 : 3;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (object)
			snprintf(path, sizeof(path), "%s/%s/obj/%s.kld", dir, af->name, files[i].name);
		else
			snprintf(path, sizeof(path), "%s/%s/%s.ko", dir, af->name, files[i].name);
		check_one(path, af, e_type, files[i].recs, files[i].n, i == 2, files[i].recs != NULL);
	}
}

static void
test_modules_every_arch(void **state)
{
	char *dir = fixture_dir();
	size_t a;

	(void)state;
	if (dir == NULL) {
		skip();
		return;
	}
	for (a = 0; a < sizeof(arches) / sizeof(arches[0]); a++)
		check_arch(dir, &arches[a], false);
	free(dir);
}

static void
test_relocatable_objects_every_arch(void **state)
{
	char *dir = fixture_dir();
	size_t a;

	(void)state;
	if (dir == NULL) {
		skip();
		return;
	}
	for (a = 0; a < sizeof(arches) / sizeof(arches[0]); a++)
		check_arch(dir, &arches[a], true);
	free(dir);
}

/* The same module read from memory and from its file gives the same answer. */
static void
test_parse_equals_open(void **state)
{
	char *dir = fixture_dir(), path[4096];
	struct kmod_file *a, *b;
	kext_error err;
	uint8_t *buf;
	size_t len;

	(void)state;
	if (dir == NULL) {
		skip();
		return;
	}
	snprintf(path, sizeof(path), "%s/powerpc/fx_multi.ko", dir);
	buf = slurp(path, &len);
	assert_int_equal(kmod_parse(buf, len, "fx_multi.ko", &a, &err), 0);
	assert_int_equal(kmod_open(path, &b, &err), 0);
	assert_string_equal(a->path, "fx_multi.ko");
	assert_string_equal(b->path, path);
	check_records(a, multi_recs, sizeof(multi_recs) / sizeof(multi_recs[0]));
	assert_int_equal(a->num_records, b->num_records);
	kmod_free(a);
	kmod_free(b);
	free(buf);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_every_arch),
		cmocka_unit_test(test_relocatable_objects_every_arch),
		cmocka_unit_test(test_parse_equals_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
