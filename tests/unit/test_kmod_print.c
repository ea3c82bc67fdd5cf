/*
 * kmod_print (kldxref -d style lines) and kmod_print_json (valid JSON, every
 * string escaped) on hand-made records with awkward strings, and on the
 * fixture modules of every architecture when they are built.
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

#include "kext/kmod.h"

/* ---- a strict JSON syntax checker (RFC 8259) ----------------------------- */

static bool json_value(const char **p, int depth);

static void
json_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static bool
json_string(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;

	if (*s++ != '"')
		return false;
	while (*s != '"') {
		if (*s < 0x20)
			return false;		/* raw control character or end */
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				for (int k = 1; k <= 4; k++)
					if (strchr("0123456789abcdefABCDEF", s[k]) == NULL || s[k] == 0)
						return false;
				s += 5;
			} else if (*s && strchr("\"\\/bfnrt", *s)) {
				s++;
			} else {
				return false;
			}
		} else if (*s < 0x80) {
			s++;
		} else {		/* UTF-8 sequence: lead byte and continuations */
			int n = (*s & 0xe0) == 0xc0 ? 1 : (*s & 0xf0) == 0xe0 ? 2 :
			    (*s & 0xf8) == 0xf0 ? 3 : -1;
			if (n < 0 || *s == 0xc0 || *s == 0xc1 || *s > 0xf4)
				return false;
			for (s++; n > 0; n--, s++)
				if ((*s & 0xc0) != 0x80)
					return false;
		}
	}
	*p = (const char *)s + 1;
	return true;
}

static bool
json_number(const char **p)
{
	const char *s = *p;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	*p = s;
	return true;
}

static bool
json_list(const char **p, char close, bool object, int depth)
{
	(*p)++;
	json_ws(p);
	if (**p == close) {
		(*p)++;
		return true;
	}
	for (;;) {
		json_ws(p);
		if (object) {
			if (!json_string(p))
				return false;
			json_ws(p);
			if (*(*p)++ != ':')
				return false;
		}
		if (!json_value(p, depth + 1))
			return false;
		json_ws(p);
		if (**p == close) {
			(*p)++;
			return true;
		}
		if (*(*p)++ != ',')
			return false;
	}
}

static bool
json_value(const char **p, int depth)
{
	json_ws(p);
	if (depth > 64)
		return false;
	switch (**p) {
	case '{': return json_list(p, '}', true, depth);
	case '[': return json_list(p, ']', false, depth);
	case '"': return json_string(p);
	case 't': return strncmp(*p, "true", 4) == 0 ? (*p += 4, true) : false;
	case 'f': return strncmp(*p, "false", 5) == 0 ? (*p += 5, true) : false;
	case 'n': return strncmp(*p, "null", 4) == 0 ? (*p += 4, true) : false;
	default: return json_number(p);
	}
}

static void
assert_valid_json(const char *text)
{
	const char *p = text;

	if (!json_value(&p, 0))
		fail_msg("invalid JSON near offset %td: %.40s", p - text, p);
	json_ws(&p);
	if (*p != '\0')
		fail_msg("trailing text after JSON at offset %td", p - text);
}

static void
test_json_checker_rejects(void **state)
{
	static const char *const bad[] = {
		"[", "[1,]", "{\"a\" 1}", "\"\x01\"", "\"\\x\"", "\"\xff\"", "[01]",
		"{\"a\":}", "nul",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *p = bad[i];
		bool ok = json_value(&p, 0);
		json_ws(&p);
		if (ok && *p == '\0')
			fail_msg("the checker accepted %s", bad[i]);
	}
}

/* ---- hand-made module ----------------------------------------------------- */

static char *
capture(bool json, const struct kmod_file *const *files, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	if (json)
		assert_int_equal(kmod_print_json(fp, files, n), 0);
	else
		assert_int_equal(kmod_print(fp, files[0]), 0);
	fclose(fp);
	return text;
}

static void
test_hand_made(void **state)
{
	struct kmod_pnp_field fields[3] = { { 'I', (char *)"vendor" },
	    { 'D', (char *)"#" }, { 'T', (char *)"bus=\"x\"" } };
	struct kmod_pnp_value values[6] = { { 0x8086, NULL }, { 0, (char *)"tab\there" },
	    { 0, NULL }, { -1, NULL }, { 0, (char *)"caf\xc3\xa9 \xff\x01 \\ \"q\"" },
	    { 0, NULL } };
	struct kmod_record recs[4];
	char *notes[1] = { (char *)"record 4: unknown metadata record type 9, skipped" };
	struct kmod_file kf;
	const struct kmod_file *files[1] = { &kf };
	char *text;

	(void)state;
	memset(recs, 0, sizeof(recs));
	recs[0].type = KMOD_DEPEND;
	recs[0].u.depend = (struct kmod_depend){ (char *)"kernel", 1400097, 1400097, 1499999 };
	recs[1].type = KMOD_MODULE;
	recs[1].u.module = (struct kmod_module){ (char *)"iicbus_drmn", (char *)"drmn/iicbus" };
	recs[2].type = KMOD_VERSION;
	recs[2].u.version = (struct kmod_version){ (char *)"drmn", 2 };
	recs[3].type = KMOD_PNP_INFO;
	recs[3].u.pnp = (struct kmod_pnp){ (char *)"pci", (char *)"U16:vendor;D:#;T:bus=\"x\"",
	    (char *)"I:vendor;D:#;T:bus=\"x\";", 16, 2, 3, fields, values };
	memset(&kf, 0, sizeof(kf));
	kf.path = (char *)"dir/drm.ko";
	kf.arch = "amd64";
	kf.elf_class = 64;
	kf.e_machine = 62;
	kf.e_type = 1;
	kf.osabi = 9;
	kf.num_records = 4;
	kf.records = recs;
	kf.has_metadata = 1;
	kf.num_notes = 1;
	kf.notes = notes;

	text = capture(false, files, 1);
	assert_string_equal(text,
	    "dir/drm.ko:\n"
	    "  depends on kernel 1400097 1400097 1499999\n"
	    "  module iicbus_drmn (registered as drmn/iicbus)\n"
	    "  interface drmn.2\n"
	    "  pnp pci U16:vendor;D:#;T:bus=\"x\" 2 entries\n"
	    "  note: record 4: unknown metadata record type 9, skipped\n");
	free(text);

	text = capture(true, files, 1);
	assert_valid_json(text);
	assert_non_null(strstr(text, "\"name\": \"drmn/iicbus\""));
	assert_non_null(strstr(text, "\"min\": 1400097, \"pref\": 1400097, \"max\": 1499999"));
	assert_non_null(strstr(text, "\"tab\\there\""));
	/* valid UTF-8 kept, a stray byte and a control byte escaped */
	assert_non_null(strstr(text, "\"caf\xc3\xa9 \\u00ff\\u0001 \\\\ \\\"q\\\"\""));
	assert_non_null(strstr(text, "[32902, \"tab\\there\", null]"));
	assert_non_null(strstr(text, "\"bus=\\\"x\\\"\""));
	assert_non_null(strstr(text, "\"notes\": [\"record 4: unknown"));
	free(text);

	/* two files, and none */
	{
		const struct kmod_file *two[2] = { &kf, &kf };
		text = capture(true, two, 2);
		assert_valid_json(text);
		free(text);
		text = capture(true, two, 0);
		assert_string_equal(text, "[]\n");
		free(text);
	}
	kf.has_metadata = 0;
	kf.num_records = 0;
	kf.num_notes = 0;
	text = capture(false, files, 1);
	assert_string_equal(text, "dir/drm.ko:\n  no module metadata (no set_modmetadata_set)\n");
	free(text);
	text = capture(true, files, 1);
	assert_valid_json(text);
	assert_non_null(strstr(text, "\"has_metadata\": false"));
	free(text);
}

/* ---- fixtures --------------------------------------------------------------- */

static void
test_fixtures(void **state)
{
	static const char *const arches[] = { "amd64", "i386", "armv7", "aarch64",
	    "riscv64", "powerpc", "powerpc64", "powerpc64le" };
	const char *dir = getenv("KEXT_FIXTURES");
	struct kmod_file *kf[8];
	char path[4096], *text;
	kext_error err;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/amd64/fx_multi.ko", dir ? dir : "");
	if (dir == NULL || *dir == '\0' || kmod_open(path, &kf[0], &err) != 0) {
		print_message("SKIP: fixtures not built (KEXT_FIXTURES=%s; run `make "
		    "fixtures`)\n", dir ? dir : "(unset)");
		skip();
		return;
	}
	kmod_free(kf[0]);
	for (i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "%s/%s/fx_multi.ko", dir, arches[i]);
		if (kmod_open(path, &kf[i], &err) != 0)
			fail_msg("%s", err.msg);
	}
	text = capture(false, (const struct kmod_file *const *)kf, 1);
	assert_non_null(strstr(text, ":\n  depends on kernel 1402000 1402000 1499999\n"
	    "  module fxmulti\n  interface fxmulti.5\n  depends on fxmid 1 1 1\n"
	    "  depends on fxbase 1 3 9\n"));
	assert_non_null(strstr(text, "  module fxbus_fxdrv (registered as fxbus/fxdrv)\n"));
	assert_non_null(strstr(text, "  pnp fxusb U16:vendor; U16:product;D:#; 2 entries\n"));
	free(text);
	text = capture(true, (const struct kmod_file *const *)kf, 8);
	assert_valid_json(text);
	assert_non_null(strstr(text, "\"arch\": \"powerpc64le\""));
	assert_non_null(strstr(text, "\"FXD00ab\", null]"));
	free(text);
	for (i = 0; i < 8; i++)
		kmod_free(kf[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_checker_rejects),
		cmocka_unit_test(test_hand_made),
		cmocka_unit_test(test_fixtures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
