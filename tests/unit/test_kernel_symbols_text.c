/*
 * A Linux kernel's symbols from its System.map or Module.symvers
 * (kmod_kernel_symbols_read): what counts as exported, and the files refused.
 * The Module.symvers rows and the placeholder System.map line are copied from
 * Debian's 6.1.0-57-amd64 packages (linux-headers-6.1.0-57-amd64,
 * linux-image-6.1.0-57-amd64); the other System.map lines have nm's layout
 * with addresses of our own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kext/error.h"
#include "kext/kmod.h"
#include "kext/kmod_symbols.h"
#include "scratch_dir.h"

/* Writes text to dir/name; the path in a static buffer. */
static const char *
put(const char *dir, const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static void
test_symvers(void **state)
{
	const char *path = put(*state, "Module.symvers",
	    "0x4c9d28b0\tphys_base\tvmlinux\tEXPORT_SYMBOL\t\n"
	    "0x84b45156\tinsert_resource_expand_to_fit\tvmlinux\tEXPORT_SYMBOL_GPL\tCXL\n"
	    "0x08b86460\tllc_sap_open\tnet/llc/llc\tEXPORT_SYMBOL\t\n");
	struct kmod_symbols s;
	kext_error err;

	if (kmod_kernel_symbols_read(path, &s, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(s.os, KMOD_OS_LINUX);
	assert_int_equal(s.defined.n, 2);
	assert_true(kmod_symbols_has(&s.defined, "phys_base"));
	assert_true(kmod_symbols_has(&s.defined, "insert_resource_expand_to_fit"));
	/* a module's export is that module's to give */
	assert_false(kmod_symbols_has(&s.defined, "llc_sap_open"));
	kmod_symbols_free(&s);
}

static void
test_system_map(void **state)
{
	const char *path = put(*state, "System.map",
	    "ffffffff81000000 T _text\n"
	    "ffffffff810a1b20 T printk\n"
	    "ffffffff82360f48 r __ksymtab_printk\n"
	    "ffffffff82361000 r __ksymtab_kfree_skb_reason\n");
	struct kmod_symbols s;
	kext_error err;

	if (kmod_kernel_symbols_read(path, &s, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(s.os, KMOD_OS_LINUX);
	assert_int_equal(s.defined.n, 2);
	assert_true(kmod_symbols_has(&s.defined, "printk"));
	assert_true(kmod_symbols_has(&s.defined, "kfree_skb_reason"));
	assert_false(kmod_symbols_has(&s.defined, "_text"));	/* not exported */
	kmod_symbols_free(&s);
}

static void
expect_refused(const char *dir, const char *text, const char *frag)
{
	const char *path = put(dir, "bad", text);
	struct kmod_symbols s;
	kext_error err;

	memset(&err, 0, sizeof(err));
	if (kmod_kernel_symbols_read(path, &s, &err) == 0)
		fail_msg("accepted: %s", text);
	if (strstr(err.msg, frag) == NULL || strstr(err.msg, path) == NULL)
		fail_msg("got \"%s\", expected \"%s\" and the path", err.msg, frag);
}

static void
test_refused(void **state)
{
	expect_refused(*state, "ffffffffffffffff B The real System.map is in the "
	    "linux-image-<version>-dbg package\n", "line 1: Debian's placeholder System.map");
	expect_refused(*state, "ffffffff81000000 T _text\n", "no __ksymtab_ symbol");
	expect_refused(*state, "0x4c9d28b0\tphys_base\tdrivers/x\tEXPORT_SYMBOL\t\n",
	    "no row of module vmlinux");
	expect_refused(*state, "0x4c9d28b0\tphys_base\tvmlinux\tEXPORT_SYMBOL\t\nbad\tline\n",
	    "line 2: expected a Module.symvers line");
	expect_refused(*state, "ffffffff81000000 T _text\nzz T x\n",
	    "line 2: expected a System.map line");
	expect_refused(*state, "", "empty");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_symvers, scratch_dir_setup,
		    scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_system_map, scratch_dir_setup,
		    scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_refused, scratch_dir_setup,
		    scratch_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
