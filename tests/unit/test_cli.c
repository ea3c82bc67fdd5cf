/* The kext tools' option table: Apple's spellings, -v levels, refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <getopt.h>

#include "kext/cli.h"

/* The keys (and verbose levels) argv yields for tool, "|"-separated; "E:" + message on error. */
static void
parse(unsigned tool, int argc, char **argv, char *out, size_t len)
{
	struct kext_cli *cli;
	const char *arg;
	kext_error err;
	char one[64];
	int key;

	out[0] = '\0';
	assert_int_equal(kext_cli_open(tool, &cli, &err), 0);
	while ((key = kext_cli_next(cli, argc, argv, &arg, &err)) != KEXT_OPT_END) {
		if (key == KEXT_OPT_ERROR) {
			snprintf(out, len, "E:%s", err.msg);
			break;
		}
		snprintf(one, sizeof(one), "%d%s%s|", key - KEXT_OPT_BUNDLE_ID, arg ? "=" : "",
		    arg ? arg : "");
		strncat(out, one, len - strlen(out) - 1);
	}
	kext_cli_close(cli);
}

#define ARGV(...) (char *[]){"tool", __VA_ARGS__, NULL}
#define ARGC(...) ((int)(sizeof((char *[]){"tool", __VA_ARGS__}) / sizeof(char *)))
#define K(opt) ((opt) - KEXT_OPT_BUNDLE_ID)

static void
test_spellings(void **state)
{
	char out[KEXT_ERROR_MAX + 8], want[128];

	(void)state;
	/* -b, -bundle-id and --bundle-id are one option. */
	parse(KEXT_TOOL_KEXTLOAD, ARGC("-b", "x", "-bundle-id", "y", "--bundle-id=z"),
	    ARGV("-b", "x", "-bundle-id", "y", "--bundle-id=z"), out, sizeof(out));
	assert_string_equal(out, "0=x|0=y|0=z|");
	/* kextunload's old -m letter is -b. */
	parse(KEXT_TOOL_KEXTUNLOAD, ARGC("-m", "x"), ARGV("-m", "x"), out, sizeof(out));
	assert_string_equal(out, "0=x|");
	/* kextstat: -kl is a cluster of letters; -list-only a long name. */
	parse(KEXT_TOOL_KEXTSTAT, ARGC("-kl", "-list-only"), ARGV("-kl", "-list-only"), out,
	    sizeof(out));
	snprintf(want, sizeof(want), "%d|%d|%d|", K(KEXT_OPT_NO_KERNEL), K(KEXT_OPT_LIST_ONLY),
	    K(KEXT_OPT_LIST_ONLY));
	assert_string_equal(out, want);
}

static void
test_verbose(void **state)
{
	char **argv = ARGV("-v", "6", "A.kext", "-v", "B.kext", "-verbose=2", "-v");
	char out[KEXT_ERROR_MAX + 8], want[128];
	struct kext_cli *cli;
	const char *arg;
	kext_error err;
	int levels[3], n = 0, key;

	(void)state;
	assert_int_equal(kext_cli_open(KEXT_TOOL_KEXTLOAD, &cli, &err), 0);
	while ((key = kext_cli_next(cli, 8, argv, &arg, &err)) != KEXT_OPT_END) {
		assert_int_equal(key, KEXT_OPT_VERBOSE);
		if (n < 3)
			levels[n] = kext_cli_verbose_level(arg);
		n++;
	}
	kext_cli_close(cli);
	assert_int_equal(n, 4);
	assert_int_equal(levels[0], 6);	/* "6" was a level, not a kext */
	assert_int_equal(levels[1], 1);	/* a kext follows: no level */
	assert_int_equal(levels[2], 2);
	/* Both kexts are left as operands, in order (GNU getopt permutes them last). */
	assert_string_equal(argv[optind], "A.kext");
	assert_string_equal(argv[optind + 1], "B.kext");

	parse(KEXT_TOOL_KEXTUTIL, ARGC("-verbose=7"), ARGV("-verbose=7"), out, sizeof(out));
	assert_string_equal(out, "E:-verbose=7: the level is 0 to 6");
	parse(KEXT_TOOL_KEXTUTIL, ARGC("-v", "0x3ff"), ARGV("-v", "0x3ff"), out, sizeof(out));
	assert_non_null(strstr(out, "E:unsupported -v 0x3ff"));
	snprintf(want, sizeof(want), "%d=0|", K(KEXT_OPT_VERBOSE));
	parse(KEXT_TOOL_KEXTUNLOAD, ARGC("-v", "0"), ARGV("-v", "0"), out, sizeof(out));
	assert_string_equal(out, want);
}

static void
test_refusals(void **state)
{
	char out[KEXT_ERROR_MAX + 8];

	(void)state;
	parse(KEXT_TOOL_KEXTLOAD, ARGC("-c"), ARGV("-c"), out, sizeof(out));
	assert_string_equal(out, "E:unsupported option -c (-no-caches): Apple's kextload has "
	    "it, this one does not implement it");
	parse(KEXT_TOOL_KEXTLOAD, ARGC("-no-load"), ARGV("-no-load"), out, sizeof(out));
	assert_string_equal(out, "E:-n (-no-load) is an option of kextutil, not of kextload");
	parse(KEXT_TOOL_KEXTSTAT, ARGC("-class", "X"), ARGV("-class", "X"), out, sizeof(out));
	assert_string_equal(out, "E:-c (-class) is an option of Apple's kextunload, not of "
	    "kextstat");
	parse(KEXT_TOOL_KEXTSTAT, ARGC("-nosuch"), ARGV("-nosuch"), out, sizeof(out));
	assert_string_equal(out, "E:unknown option -nosuch");
	parse(KEXT_TOOL_KEXTSTAT, ARGC("-b"), ARGV("-b"), out, sizeof(out));
	assert_string_equal(out, "E:option -b needs an argument");
	parse(KEXT_TOOL_KEXTSTAT, ARGC("--bundle-id"), ARGV("--bundle-id"), out, sizeof(out));
	assert_string_equal(out, "E:option --bundle-id needs an argument");
	/* kextutil's -k is Apple's kernel file; kextload has none. */
	parse(KEXT_TOOL_KEXTLOAD, ARGC("-k", "/boot/kernel/kernel"), ARGV("-k",
	    "/boot/kernel/kernel"), out, sizeof(out));
	assert_string_equal(out, "E:-k (-kernel-file) is an option of kextutil, not of kextload");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spellings),
		cmocka_unit_test(test_verbose),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
