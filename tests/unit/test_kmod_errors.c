/*
 * The ELF reader on byte buffers made here: a small amd64 ET_REL module built
 * in memory (so the tests need no toolchain), decoded correctly, then broken in
 * one place at a time; every break must give an error naming the file and the
 * reason, never a crash. A few ET_DYN breaks patch a built fixture.
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

#include "kext/kmod.h"

/* ---- an ELF64 little-endian builder ------------------------------------ */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

enum {
	S_NULL, S_DATA, S_RODATA, S_SET, S_RELA_DATA, S_RELA_SET, S_SYMTAB,
	S_STRTAB, S_SHSTRTAB, S_MODINFO, S_COUNT
};

/* Symbols: 0 null, 1 section .data, 2 section .rodata, 3 undefined function. */
#define SYM_DATA	1
#define SYM_RODATA	2
#define SYM_UNDEF	3

/* Offsets in .data of what the records point at. */
#define MD(i)		(0x18u * (i))	/* four mod_metadata of 24 bytes */
#define DEPEND_AT	0x60u
#define MODDATA_AT	0x70u
#define VERSION_AT	0x80u
#define PNP_AT		0x88u
#define TABLE_AT	0xb0u
#define DATA_SIZE	0xc0u

/* Strings in .rodata. */
#define STR_KERNEL	0u	/* "kernel" */
#define STR_SYNTH	7u	/* "synth" */
#define STR_PCI		13u	/* "pci" */
#define STR_DESCR	17u	/* the PnP descriptor, then a 1100-byte string */

/* .rela.data entries, in order. */
enum {
	R_MD0_DATA, R_MD0_CVAL, R_MD1_DATA, R_MD1_CVAL, R_MD2_DATA, R_MD2_CVAL,
	R_MD3_DATA, R_MD3_CVAL, R_MODNAME, R_PNP_DESCR, R_PNP_BUS, R_PNP_TABLE,
	R_COUNT
};

struct opts {
	const char *descr;	/* PnP descriptor */
	uint8_t osabi;
	bool modinfo;		/* add a Linux .modinfo section */
};

struct built {
	uint8_t *buf;
	size_t len;
	size_t off[S_COUNT];	/* file offset of each section's bytes */
	size_t shoff;
	size_t long_str;	/* .rodata offset of the 1100-byte string */
};

static size_t
align8(size_t v)
{
	return (v + 7) & ~(size_t)7;
}

static void
rela(uint8_t *p, uint64_t offset, uint32_t sym, uint32_t type, int64_t addend)
{
	put64(p, offset);
	put64(p + 8, (uint64_t)sym << 32 | type);
	put64(p + 16, (uint64_t)addend);
}

static void
build(const struct opts *o, struct built *b)
{
	static const char *const names[S_COUNT] = { "", ".data", ".rodata",
	    "set_modmetadata_set", ".rela.data", ".relaset_modmetadata_set",
	    ".symtab", ".strtab", ".shstrtab", ".modinfo" };
	uint8_t data[DATA_SIZE] = { 0 }, rodata[1280] = { 0 }, set[32] = { 0 };
	uint8_t rdata[R_COUNT * 24], rset[4 * 24], symtab[4 * 24] = { 0 };
	static const char strtab[] = "\0kernel_func";
	static const char modinfo[] = "license=GPL";
	char shstr[256];
	size_t name_off[S_COUNT], shlen = 0, size[S_COUNT], pos, i, nsec;
	const void *content[S_COUNT];
	uint32_t type[S_COUNT] = { 0, 1, 1, 1, 4, 4, 2, 3, 3, 1 };
	uint64_t flags[S_COUNT] = { 0, 3, 2, 2, 0x40, 0x40, 0, 0, 0, 2 };
	size_t dlen = strlen(o->descr);
	uint8_t *p;

	/* .rodata strings */
	memcpy(rodata + STR_KERNEL, "kernel", 7);
	memcpy(rodata + STR_SYNTH, "synth", 6);
	memcpy(rodata + STR_PCI, "pci", 4);
	assert_true(STR_DESCR + dlen + 1 + 1101 <= sizeof(rodata));
	memcpy(rodata + STR_DESCR, o->descr, dlen + 1);
	b->long_str = STR_DESCR + dlen + 1;
	memset(rodata + b->long_str, 'x', 1100);
	/* .data: four records and their payloads */
	for (i = 0; i < 4; i++) {
		put32(data + MD(i), 1);
		put32(data + MD(i) + 4, (uint32_t)i + 1);	/* DEPEND, MODULE, VERSION, PNP */
	}
	put32(data + DEPEND_AT, 1001000);
	put32(data + DEPEND_AT + 4, 1001000);
	put32(data + DEPEND_AT + 8, 1099999);
	put32(data + VERSION_AT, 4);
	put32(data + PNP_AT + 24, 8);		/* entry_len */
	put32(data + PNP_AT + 28, 2);		/* num_entry */
	put16(data + TABLE_AT, 0x8086);
	put16(data + TABLE_AT + 2, 0x1234);
	put32(data + TABLE_AT + 4, 0x0105d041);	/* PNP0501 */
	put16(data + TABLE_AT + 8, 0x1002);
	put16(data + TABLE_AT + 10, 0xffff);
	put32(data + TABLE_AT + 12, 0xab00041b);	/* FXD00ab */
	/* relocations (R_X86_64_64 = 1) */
	{
		static const struct { uint32_t at, sym, add; } r[R_COUNT] = {
			{ MD(0) + 8, SYM_DATA, DEPEND_AT }, { MD(0) + 16, SYM_RODATA, STR_KERNEL },
			{ MD(1) + 8, SYM_DATA, MODDATA_AT }, { MD(1) + 16, SYM_RODATA, STR_SYNTH },
			{ MD(2) + 8, SYM_DATA, VERSION_AT }, { MD(2) + 16, SYM_RODATA, STR_SYNTH },
			{ MD(3) + 8, SYM_DATA, PNP_AT }, { MD(3) + 16, SYM_RODATA, STR_PCI },
			{ MODDATA_AT, SYM_RODATA, STR_SYNTH }, { PNP_AT, SYM_RODATA, STR_DESCR },
			{ PNP_AT + 8, SYM_RODATA, STR_PCI }, { PNP_AT + 16, SYM_DATA, TABLE_AT },
		};
		for (i = 0; i < R_COUNT; i++)
			rela(rdata + i * 24, r[i].at, r[i].sym, 1, r[i].add);
		for (i = 0; i < 4; i++)
			rela(rset + i * 24, i * 8, SYM_DATA, 1, MD(i));
	}
	/* symbols: two section symbols, one undefined global */
	symtab[24 + 4] = 3;			/* STT_SECTION */
	put16(symtab + 24 + 6, S_DATA);
	symtab[48 + 4] = 3;
	put16(symtab + 48 + 6, S_RODATA);
	put32(symtab + 72, 1);			/* "kernel_func" */
	symtab[72 + 4] = 0x12;			/* GLOBAL FUNC, SHN_UNDEF */

	nsec = o->modinfo ? S_COUNT : S_COUNT - 1;
	content[S_NULL] = NULL, size[S_NULL] = 0;
	content[S_DATA] = data, size[S_DATA] = sizeof(data);
	content[S_RODATA] = rodata, size[S_RODATA] = sizeof(rodata);
	content[S_SET] = set, size[S_SET] = sizeof(set);
	content[S_RELA_DATA] = rdata, size[S_RELA_DATA] = sizeof(rdata);
	content[S_RELA_SET] = rset, size[S_RELA_SET] = sizeof(rset);
	content[S_SYMTAB] = symtab, size[S_SYMTAB] = sizeof(symtab);
	content[S_STRTAB] = strtab, size[S_STRTAB] = sizeof(strtab);
	content[S_MODINFO] = modinfo, size[S_MODINFO] = sizeof(modinfo);
	for (i = 0; i < nsec; i++) {
		name_off[i] = shlen;
		memcpy(shstr + shlen, names[i], strlen(names[i]) + 1);
		shlen += strlen(names[i]) + 1;
	}
	content[S_SHSTRTAB] = shstr, size[S_SHSTRTAB] = shlen;

	pos = 64;
	for (i = 1; i < nsec; i++) {
		b->off[i] = pos;
		pos = align8(pos + size[i]);
	}
	b->shoff = pos;
	b->len = pos + nsec * 64;
	b->buf = p = calloc(1, b->len);
	assert_non_null(p);
	memcpy(p, "\177ELF\2\1\1", 7);
	p[7] = o->osabi;
	put16(p + 16, 1);			/* ET_REL */
	put16(p + 18, 62);			/* EM_X86_64 */
	put32(p + 20, 1);
	put64(p + 40, b->shoff);
	put16(p + 52, 64);
	put16(p + 58, 64);
	put16(p + 60, (uint16_t)nsec);
	put16(p + 62, S_SHSTRTAB);
	for (i = 1; i < nsec; i++) {
		uint8_t *sh = p + b->shoff + i * 64;

		memcpy(p + b->off[i], content[i], size[i]);
		put32(sh, (uint32_t)name_off[i]);
		put32(sh + 4, type[i]);
		put64(sh + 8, flags[i]);
		put64(sh + 24, b->off[i]);
		put64(sh + 32, size[i]);
		put64(sh + 48, 8);
		if (i == S_RELA_DATA || i == S_RELA_SET) {
			put32(sh + 40, S_SYMTAB);
			put32(sh + 44, i == S_RELA_DATA ? S_DATA : S_SET);
			put64(sh + 56, 24);
		} else if (i == S_SYMTAB) {
			put32(sh + 40, S_STRTAB);
			put32(sh + 44, 3);
			put64(sh + 56, 24);
		}
	}
}

static const struct opts default_opts = { "U16:vendor;U16:device;E:id;", 9, false };

/* Bytes of relocation i of .rela.data in the built file. */
static uint8_t *
rela_data(const struct built *b, size_t i)
{
	return b->buf + b->off[S_RELA_DATA] + i * 24;
}

static struct kmod_file *
parse_ok(const struct built *b)
{
	struct kmod_file *kf = NULL;
	kext_error err;

	if (kmod_parse(b->buf, b->len, "synth.ko", &kf, &err) != 0)
		fail_msg("unexpected error: %s", err.msg);
	return kf;
}

/* Parsing must fail with a message holding each of the given fragments. */
static void
expect_error(const struct built *b, size_t len, const char *frag1, const char *frag2)
{
	struct kmod_file *kf = NULL;
	kext_error err;

	memset(&err, 0, sizeof(err));
	if (kmod_parse(b->buf, len, "synth.ko", &kf, &err) == 0)
		fail_msg("parsed, but expected an error containing \"%s\"", frag1);
	assert_null(kf);
	assert_int_not_equal(err.code, 0);
	if (strncmp(err.msg, "synth.ko: ", 10) != 0)
		fail_msg("message does not name the file: %s", err.msg);
	if (strstr(err.msg, frag1) == NULL || (frag2 && strstr(err.msg, frag2) == NULL))
		fail_msg("message \"%s\" lacks \"%s\"%s%s", err.msg, frag1,
		    frag2 ? " or " : "", frag2 ? frag2 : "");
}

/* ---- the well-formed module --------------------------------------------- */

static void
test_synthetic_module_decodes(void **state)
{
	struct built b;
	struct kmod_file *kf;
	const struct kmod_pnp *pnp;

	(void)state;
	build(&default_opts, &b);
	kf = parse_ok(&b);
	assert_string_equal(kf->arch, "amd64");
	assert_int_equal(kf->num_records, 4);
	assert_int_equal(kf->records[0].type, KMOD_DEPEND);
	assert_string_equal(kf->records[0].u.depend.name, "kernel");
	assert_int_equal(kf->records[0].u.depend.max, 1099999);
	assert_string_equal(kf->records[1].u.module.cval, "synth");
	assert_string_equal(kf->records[1].u.module.name, "synth");
	assert_string_equal(kf->records[2].u.version.name, "synth");
	assert_int_equal(kf->records[2].u.version.version, 4);
	pnp = &kf->records[3].u.pnp;
	assert_string_equal(pnp->bus, "pci");
	assert_string_equal(pnp->format, "I:vendor;I:device;Z:id;");
	assert_int_equal(pnp->num_entry, 2);
	assert_int_equal(pnp->values[0].i, 0x8086);
	assert_int_equal(pnp->values[1].i, 0x1234);
	assert_string_equal(pnp->values[2].s, "PNP0501");
	assert_int_equal(pnp->values[3].i, 0x1002);
	assert_int_equal(pnp->values[4].i, 0xffff);	/* U16, not a wildcard */
	assert_string_equal(pnp->values[5].s, "FXD00ab");
	kmod_free(kf);
	free(b.buf);
}

/* A pointer slot without a relocation is NULL: the module name falls back to cval. */
static void
test_unrelocated_slot_is_null(void **state)
{
	struct built b;
	struct kmod_file *kf;

	(void)state;
	build(&default_opts, &b);
	put64(rela_data(&b, R_MODNAME) + 8, (uint64_t)SYM_RODATA << 32);	/* R_X86_64_NONE */
	put64(b.buf + b.off[S_DATA] + MODDATA_AT, 0x1234);	/* the bytes do not count */
	kf = parse_ok(&b);
	assert_string_equal(kf->records[1].u.module.name, "synth");
	kmod_free(kf);
	/* a NULL md_data of a DEPEND is an error, not a guess */
	put64(rela_data(&b, R_MD0_DATA) + 8, 0);
	expect_error(&b, b.len, "entry 0 (DEPEND)", "md_data is NULL");
	free(b.buf);
}

static void
test_unknown_type_is_skipped_with_note(void **state)
{
	struct built b;
	struct kmod_file *kf;

	(void)state;
	build(&default_opts, &b);
	put32(b.buf + b.off[S_DATA] + MD(2) + 4, 7);
	kf = parse_ok(&b);
	assert_int_equal(kf->num_records, 3);
	assert_int_equal(kf->records[2].type, KMOD_PNP_INFO);
	assert_int_equal(kf->num_notes, 1);
	assert_non_null(strstr(kf->notes[0], "unknown metadata record type 7"));
	kmod_free(kf);
	free(b.buf);
}

static void
test_no_metadata_set_is_not_an_error(void **state)
{
	struct built b;
	struct kmod_file *kf;

	(void)state;
	build(&default_opts, &b);
	/* rename the section: "set_modmetadata_set" -> "set_modmetadata_sex" */
	{
		uint8_t *shstr = b.buf + b.off[S_SHSTRTAB];
		char *name = (char *)shstr + 15;	/* "" ".data" ".rodata" */
		assert_string_equal(name, "set_modmetadata_set");
		name[18] = 'x';
	}
	kf = parse_ok(&b);
	assert_int_equal(kf->has_metadata, 0);
	assert_int_equal(kf->num_records, 0);
	kmod_free(kf);
	free(b.buf);
}

/* ---- header errors ------------------------------------------------------- */

static void
test_not_elf(void **state)
{
	static const char text[] = "#!/bin/sh\necho not a module\n";
	struct built b = { (uint8_t *)text, sizeof(text), { 0 }, 0, 0 };

	(void)state;
	expect_error(&b, b.len, "not an ELF file", NULL);
	expect_error(&b, 0, "not an ELF file", NULL);
	expect_error(&b, 3, "not an ELF file", NULL);
}

static void
test_truncated(void **state)
{
	struct built b;
	size_t cut;

	(void)state;
	build(&default_opts, &b);
	expect_error(&b, 10, "truncated", "identification");
	expect_error(&b, 40, "truncated: ELF header needs 64 bytes", NULL);
	expect_error(&b, b.len - 1, "truncated: section header table ends past end "
	    "of file", NULL);
	/* every length must be handled: no crash, always an error */
	for (cut = 0; cut < b.len; cut++) {
		struct kmod_file *kf;
		kext_error err;
		if (kmod_parse(b.buf, cut, "synth.ko", &kf, &err) == 0)
			fail_msg("a file cut to %zu of %zu bytes parsed", cut, b.len);
	}
	free(b.buf);
}

static void
test_bad_section_offsets(void **state)
{
	struct built b;

	(void)state;
	build(&default_opts, &b);
	put64(b.buf + 40, b.len - 100);			/* e_shoff */
	expect_error(&b, b.len, "truncated: section header table ends past end of "
	    "file (offset", "size");
	put64(b.buf + 40, UINT64_MAX - 10);
	expect_error(&b, b.len, "truncated: section header table", NULL);
	free(b.buf);

	build(&default_opts, &b);
	put64(b.buf + b.shoff + S_RODATA * 64 + 24, b.len - 16);	/* .rodata offset */
	expect_error(&b, b.len, "section 2 (.rodata) ends past end of file", NULL);
	put64(b.buf + b.shoff + S_RODATA * 64 + 24, 64);
	put64(b.buf + b.shoff + S_RODATA * 64 + 32, UINT64_MAX);	/* size */
	expect_error(&b, b.len, "section 2 (.rodata) ends past end of file", NULL);
	free(b.buf);

	build(&default_opts, &b);
	put16(b.buf + 58, 40);				/* e_shentsize */
	expect_error(&b, b.len, "section header entry size 40 (expected 64)", NULL);
	put16(b.buf + 58, 64);
	put16(b.buf + 62, 200);				/* e_shstrndx */
	expect_error(&b, b.len, "section name table index 200", NULL);
	free(b.buf);
}

static void
test_wrong_class_data_version(void **state)
{
	struct built b;

	(void)state;
	build(&default_opts, &b);
	b.buf[4] = 3;
	expect_error(&b, b.len, "unsupported ELF class 3", NULL);
	b.buf[4] = 1;		/* ELF32 header on an x86_64 machine */
	expect_error(&b, b.len, "machine 62 (amd64) with ELF32", "expected ELF64 little-endian");
	b.buf[4] = 2;
	b.buf[5] = 0;
	expect_error(&b, b.len, "unsupported ELF data encoding 0", NULL);
	b.buf[5] = 1;
	b.buf[6] = 2;
	expect_error(&b, b.len, "unsupported ELF version 2", NULL);
	free(b.buf);
}

static void
test_wrong_machine_and_type(void **state)
{
	struct built b;

	(void)state;
	build(&default_opts, &b);
	put16(b.buf + 18, 8);				/* EM_MIPS */
	expect_error(&b, b.len, "unsupported machine 8", NULL);
	put16(b.buf + 18, 62);
	put16(b.buf + 16, 4);				/* ET_CORE */
	expect_error(&b, b.len, "unsupported ELF type 4", NULL);
	put16(b.buf + 16, 2);				/* ET_EXEC: read like a kernel */
	expect_error(&b, b.len, "ET_EXEC file without program headers", NULL);
	free(b.buf);
}

static void
test_osabi(void **state)
{
	struct opts o = default_opts;
	struct kmod_file *kf;
	struct built b;

	(void)state;
	o.osabi = 0;		/* System V: accepted */
	build(&o, &b);
	kf = parse_ok(&b);
	assert_int_equal(kf->osabi, 0);
	assert_int_equal(kf->num_records, 4);
	kmod_free(kf);
	b.buf[7] = 3;
	expect_error(&b, b.len, "wrong OSABI 3 (GNU/Linux; expected 9, FreeBSD)", NULL);
	b.buf[7] = 2;
	expect_error(&b, b.len, "wrong OSABI 2 (NetBSD", NULL);
	free(b.buf);
}

static void
test_linux_module(void **state)
{
	struct opts o = default_opts;
	struct built b;

	struct kmod_file *kf;

	(void)state;
	o.osabi = 0;
	o.modinfo = true;
	build(&o, &b);
	/* Linux modules are read now: their .modinfo, not FreeBSD records */
	kf = parse_ok(&b);
	assert_int_equal(kf->os, KMOD_OS_LINUX);
	assert_string_equal(kf->arch, "x86_64");
	assert_int_equal(kf->num_records, 0);
	assert_string_equal(kf->lx.license, "GPL");
	assert_string_equal(kf->lx.name, "synth");	/* no name=: from the file name */
	assert_null(kf->lx.vermagic);
	assert_int_equal(kf->num_notes, 2);		/* no name=, no vermagic= */
	kmod_free(kf);
	b.buf[7] = 2;		/* a Linux module with NetBSD's OSABI */
	expect_error(&b, b.len, "a Linux kernel module", "OSABI 2 (NetBSD");
	free(b.buf);
}

/* ---- relocation and pointer errors ---------------------------------------- */

static void
test_relocation_errors(void **state)
{
	struct built b;

	(void)state;
	build(&default_opts, &b);
	put64(rela_data(&b, R_MD1_CVAL), DATA_SIZE - 4);	/* r_offset */
	expect_error(&b, b.len, "relocation 3 of section 4 (.rela.data): offset 0xbc "
	    "is outside section 1 (.data", NULL);
	free(b.buf);

	build(&default_opts, &b);
	put64(rela_data(&b, R_MD1_CVAL) + 8, (uint64_t)99 << 32 | 1);
	expect_error(&b, b.len, "symbol index 99 is out of range", NULL);
	free(b.buf);

	build(&default_opts, &b);
	put64(rela_data(&b, R_MD1_CVAL) + 8, (uint64_t)SYM_UNDEF << 32 | 1);
	expect_error(&b, b.len, "entry 1 (MODULE)", "refers to symbol 'kernel_func'");
	free(b.buf);

	build(&default_opts, &b);
	put64(rela_data(&b, R_MD1_CVAL) + 8, (uint64_t)SYM_RODATA << 32 | 2);	/* PC32 */
	expect_error(&b, b.len, "relocation type 2, which is not a pointer relocation", NULL);
	free(b.buf);

	build(&default_opts, &b);
	put32(b.buf + b.shoff + S_RELA_DATA * 64 + 40, S_DATA);	/* sh_link */
	expect_error(&b, b.len, "links to section 1 of type 1, expected a symbol table", NULL);
	free(b.buf);
}

static void
test_pointer_outside_module(void **state)
{
	struct built b;

	(void)state;
	build(&default_opts, &b);
	put64(rela_data(&b, R_MD1_CVAL) + 16, 0x100000);	/* addend */
	expect_error(&b, b.len, "entry 1 (MODULE)", "metadata pointer 0x");
	expect_error(&b, b.len, "points outside the module", NULL);
	free(b.buf);

	build(&default_opts, &b);
	put64(rela_data(&b, R_PNP_TABLE) + 16, DATA_SIZE - 8);	/* 2nd entry past .data */
	expect_error(&b, b.len, "entry 3 (PNP_INFO): metadata pointer", "16 bytes from "
	    "there run past the end of the section");
	free(b.buf);

	build(&default_opts, &b);
	put64(rela_data(&b, R_MD0_DATA) + 16, -0x2000);
	expect_error(&b, b.len, "points outside the module", NULL);
	free(b.buf);
}

static void
test_record_errors(void **state)
{
	struct built b;

	(void)state;
	build(&default_opts, &b);
	put32(b.buf + b.off[S_DATA] + MD(1), 2);		/* md_version */
	expect_error(&b, b.len, "entry 1: md_version 2 (expected 1)", NULL);
	free(b.buf);

	build(&default_opts, &b);
	put64(b.buf + b.off[S_RELA_SET] + 8, 0);		/* slot 0 unrelocated */
	expect_error(&b, b.len, "entry 0: the mod_metadata pointer is NULL", NULL);
	free(b.buf);

	build(&default_opts, &b);
	put64(b.buf + b.shoff + S_SET * 64 + 32, 36);		/* set size */
	expect_error(&b, b.len, "not a multiple of the 8-byte pointer size", NULL);
	free(b.buf);

	build(&default_opts, &b);
	put64(rela_data(&b, R_MD1_CVAL) + 16, (int64_t)b.long_str);
	expect_error(&b, b.len, "string at 0x", "is longer than 1023 bytes");
	free(b.buf);

	build(&default_opts, &b);	/* a string that runs into the end of .rodata */
	memset(b.buf + b.off[S_RODATA] + b.long_str, 'y', 1280 - b.long_str);
	put64(rela_data(&b, R_MD1_CVAL) + 16, 1280 - 10);
	expect_error(&b, b.len, "runs past the end of the section", NULL);
	free(b.buf);
}

static void
test_pnp_errors(void **state)
{
	static const struct {
		const char *descr, *frag;
	} bad[] = {
		{ "U16:vendor;X16:device;", "field 2: unknown type" },
		{ "U16 vendor;", "field 1: no ':'" },
		{ "U16:vendor;;", "field 2: no ':'" },
		{ "UNSIGNED16:vendor;", "the type must be 1 to 7 characters" },
		{ ":vendor;", "the type must be 1 to 7 characters" },
		{ "U16:a_name_that_is_far_too_long_for_kldxref;", "longer than 31" },
		{ "W32:vendor;", "W32 needs two names" },
		{ "W32:a/b/c;", "W32 needs two names" },
		{ "U32:a;U32:b;U32:c;", "needs 12 bytes per entry but entry_len is 8" },
	};
	struct opts o = default_opts;
	struct built b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.descr = bad[i].descr;
		build(&o, &b);
		expect_error(&b, b.len, "entry 3 (PNP_INFO)", bad[i].frag);
		free(b.buf);
	}
	build(&default_opts, &b);
	put32(b.buf + b.off[S_DATA] + PNP_AT + 28, (uint32_t)-5);	/* num_entry */
	expect_error(&b, b.len, "num_entry -5 must not be negative", NULL);
	put32(b.buf + b.off[S_DATA] + PNP_AT + 28, 0x7fffffff);
	expect_error(&b, b.len, "more than the 1048576 values", NULL);
	put32(b.buf + b.off[S_DATA] + PNP_AT + 28, 2);
	put64(rela_data(&b, R_PNP_DESCR) + 8, 0);			/* descr NULL */
	expect_error(&b, b.len, "descriptor pointer is NULL", NULL);
	free(b.buf);
}

/* Wildcards, W32 halves, T fields and P skipping, on the built module. */
static void
test_pnp_field_kinds(void **state)
{
	struct opts o = default_opts;
	struct kmod_file *kf;
	struct built b;
	const struct kmod_pnp *p;

	(void)state;
	o.descr = "V16:vendor; V16:device;W32:lo/hi;T:bus=pci";
	build(&o, &b);
	kf = parse_ok(&b);
	p = &kf->records[3].u.pnp;
	assert_string_equal(p->format, "J:vendor;J:device;I:lo;I:hi;T:bus=pci;");
	assert_int_equal(p->num_fields, 5);
	assert_int_equal(p->values[0].i, 0x8086);
	assert_int_equal(p->values[2].i, 0xd041);	/* low half of 0x0105d041 */
	assert_int_equal(p->values[3].i, 0x0105);
	assert_null(p->values[4].s);			/* T holds nothing */
	assert_int_equal(p->values[5 + 1].i, -1);	/* 0xffff wildcard */
	kmod_free(kf);
	free(b.buf);

	o.descr = "P:#;U16:vendor";	/* P is 8 bytes here: vendor lands at 8 > entry_len */
	build(&o, &b);
	expect_error(&b, b.len, "needs 10 bytes per entry but entry_len is 8", NULL);
	free(b.buf);
	o.descr = "U8:a;U8:b;U8:c;U8:d;U8:e";
	build(&o, &b);
	kf = parse_ok(&b);
	p = &kf->records[3].u.pnp;
	assert_int_equal(p->values[0].i, 0x86);		/* little-endian bytes of 0x8086 */
	assert_int_equal(p->values[1].i, 0x80);
	assert_int_equal(p->values[4].i, 0x41);
	kmod_free(kf);
	free(b.buf);
}

/* ---- ET_DYN breaks, on a fixture ------------------------------------------ */

static uint8_t *
fixture(const char *rel, size_t *len)
{
	const char *dir = getenv("KEXT_FIXTURES");
	char path[4096];
	struct stat st;
	uint8_t *buf;
	FILE *fp;

	if (dir == NULL || *dir == '\0')
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (stat(path, &st) != 0 || (fp = fopen(path, "rb")) == NULL)
		return NULL;
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, fp), (size_t)st.st_size);
	fclose(fp);
	*len = (size_t)st.st_size;
	return buf;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	int k;

	for (k = 7; k >= 0; k--)
		v = v << 8 | p[k];
	return v;
}

/* The section header of set_modmetadata_set in an ELF64 LE file. */
static uint8_t *
set_section_header(uint8_t *f)
{
	uint64_t shoff = get64(f + 40);
	unsigned shnum = f[60] | f[61] << 8, strndx = f[62] | f[63] << 8, i;
	const char *names = (const char *)f + get64(f + shoff + strndx * 64 + 24);

	for (i = 1; i < shnum; i++) {
		uint8_t *sh = f + shoff + i * 64;
		uint32_t name = sh[0] | sh[1] << 8 | (uint32_t)sh[2] << 16;
		if (strcmp(names + name, "set_modmetadata_set") == 0)
			return sh;
	}
	fail_msg("no set_modmetadata_set section in the fixture");
	return NULL;
}

static void
test_dyn_errors(void **state)
{
	struct built b;
	uint64_t phoff;
	size_t len;
	uint8_t *f = fixture("aarch64/fx_multi.ko", &len);

	(void)state;
	if (f == NULL) {
		print_message("SKIP: $KEXT_FIXTURES/aarch64/fx_multi.ko is missing (run "
		    "`make fixtures`)\n");
		skip();
		return;
	}
	b.buf = malloc(len);
	assert_non_null(b.buf);
	phoff = get64(f + 32);

	memcpy(b.buf, f, len);
	put64(b.buf + 32, len - 20);				/* e_phoff */
	expect_error(&b, len, "truncated: program header table ends past end of file", NULL);

	memcpy(b.buf, f, len);
	put16(b.buf + 54, 32);					/* e_phentsize */
	expect_error(&b, len, "program header entry size 32 (expected 56)", NULL);

	memcpy(b.buf, f, len);	/* first PT_LOAD: file size far past the end */
	put64(b.buf + phoff + 56 * 1 + 32, len * 4);
	put64(b.buf + phoff + 56 * 1 + 40, len * 4);
	expect_error(&b, len, "truncated: segment 1 ends past end of file", NULL);

	memcpy(b.buf, f, len);	/* file size larger than memory size */
	put64(b.buf + phoff + 56 * 1 + 32, 16);
	put64(b.buf + phoff + 56 * 1 + 40, 8);
	expect_error(&b, len, "segment 1: file size 0x10 and memory size 0x8", NULL);

	memcpy(b.buf, f, len);	/* the set moved past every segment */
	put64(set_section_header(b.buf) + 16, 0x7000000);	/* sh_addr */
	expect_error(&b, len, "set_modmetadata_set", "points outside the module");
	free(b.buf);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic_module_decodes),
		cmocka_unit_test(test_unrelocated_slot_is_null),
		cmocka_unit_test(test_unknown_type_is_skipped_with_note),
		cmocka_unit_test(test_no_metadata_set_is_not_an_error),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_section_offsets),
		cmocka_unit_test(test_wrong_class_data_version),
		cmocka_unit_test(test_wrong_machine_and_type),
		cmocka_unit_test(test_osabi),
		cmocka_unit_test(test_linux_module),
		cmocka_unit_test(test_relocation_errors),
		cmocka_unit_test(test_pointer_outside_module),
		cmocka_unit_test(test_record_errors),
		cmocka_unit_test(test_pnp_errors),
		cmocka_unit_test(test_pnp_field_kinds),
		cmocka_unit_test(test_dyn_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
