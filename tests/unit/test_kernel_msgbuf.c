/* The kernel lines added to kern.msgbuf between two snapshots (spec §7). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../kext_tools/lib/kernel/kernel_backend.h"

static size_t
diff(const char *before, const char *after, char *out, size_t size)
{
	return kernel_msgbuf_new_lines(before, before ? strlen(before) : 0, after,
	    after ? strlen(after) : 0, out, size);
}

static void
test_appended_lines(void **state)
{
	const char *before = "boot line 1\nboot line 2\n";
	const char *after = "boot line 1\nboot line 2\n"
	    "KLD mach.ko: depends on kernel - not available or version mismatch\n"
	    "linker_load_file: /boot/modules/mach.ko - unsupported file type\n";
	char out[512];

	(void)state;
	assert_int_equal(diff(before, after, out, sizeof(out)), 2);
	assert_string_equal(out,
	    "KLD mach.ko: depends on kernel - not available or version mismatch; "
	    "linker_load_file: /boot/modules/mach.ko - unsupported file type");
}

static void
test_nothing_new(void **state)
{
	char out[64] = "junk";

	(void)state;
	assert_int_equal(diff("a\nb\n", "a\nb\n", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(diff("", "", out, sizeof(out)), 0);
	assert_int_equal(diff(NULL, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void
test_ring_wrapped(void **state)
{
	/* the start of the first snapshot is gone from the second one */
	const char *before = "old 1\nold 2\nold 3\n";
	const char *after = "d 2\nold 3\nmodule_register: module mach already exists!\n";
	char out[256];

	(void)state;
	assert_int_equal(diff(before, after, out, sizeof(out)), 1);
	assert_string_equal(out, "module_register: module mach already exists!");
}

static void
test_anchor_lost_keeps_newest(void **state)
{
	/* nothing of the first snapshot survived: everything counts, newest kept */
	const char *before = "xxxxxxxxxxxxxxxxx\n";
	const char *after = "line one\nline two\nline three\n";
	char out[32];

	(void)state;
	assert_int_equal(diff(before, after, out, 20), 1);
	assert_string_equal(out, "line three");
	assert_int_equal(diff(before, after, out, 22), 2);
	assert_string_equal(out, "line two; line three");
}

static void
test_priorities_and_padding(void **state)
{
	const char before[] = "<6>boot\n";
	/* NUL padding at the end, a user-facility syslog line (<13>) to drop */
	const char after[] = "<6>boot\n<4>kldunload: attempt to unload file that was loaded "
	    "by the kernel\n<13>user: hello\n\n<3>x\n\0\0\0";
	char out[256];

	(void)state;
	assert_int_equal(kernel_msgbuf_new_lines(before, sizeof(before) - 1, after,
	    sizeof(after) - 1, out, sizeof(out)), 2);
	assert_string_equal(out, "kldunload: attempt to unload file that was loaded by the "
	    "kernel; x");
}

static void
test_tiny_output(void **state)
{
	char out[5];

	(void)state;
	assert_int_equal(diff("a\n", "a\nlong new line\n", out, sizeof(out)), 1);
	assert_string_equal(out, "long");
	assert_int_equal(diff("a\n", "a\nb\n", out, 1), 1);
	assert_string_equal(out, "");
	assert_int_equal(diff("a\n", "a\nb\n", out, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appended_lines),
		cmocka_unit_test(test_nothing_new),
		cmocka_unit_test(test_ring_wrapped),
		cmocka_unit_test(test_anchor_lost_keeps_newest),
		cmocka_unit_test(test_priorities_and_padding),
		cmocka_unit_test(test_tiny_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
