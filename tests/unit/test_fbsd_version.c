/* FreeBSD version numbers as kext versions, and the MODULE_DEPEND rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kext/fbsd_version.h"

/* The first candidate the rule keeps when scanning versions in order. */
static int
pick(int min, int pref, int max, const int *v, size_t n)
{
	int best = 0;
	bool have = false;

	for (size_t i = 0; i < n; i++)
		if (kext_fbsd_version_better(min, pref, max, v[i], have, best)) {
			best = v[i];
			have = true;
		}
	return have ? best : -1;
}

static void
test_rule(void **state)
{
	const int some[] = {1, 5, 3, 4, 2};
	const int none[] = {7, 8};

	(void)state;
	assert_int_equal(pick(1, 3, 5, some, 5), 3);	/* preferred wins over higher */
	assert_int_equal(pick(1, 9, 4, some, 5), 4);	/* else the highest in range */
	assert_int_equal(pick(1, 1, 6, none, 2), -1);
	/* vboxdrv: max below min, so only the preferred version is accepted */
	assert_true(kext_fbsd_version_accepts(1402000, 1402000, 1401999, 1402000));
	assert_false(kext_fbsd_version_accepts(1402000, 1402000, 1401999, 1401500));
	assert_false(kext_fbsd_version_better(1, 3, 5, 5, true, 3));	/* pref is final */
	assert_false(kext_fbsd_version_better(1, 9, 5, 4, true, 4));	/* ties keep the first */
}

static void
test_strings(void **state)
{
	char b[KEXT_FBSD_VERSION_STRMAX];

	(void)state;
	assert_int_equal(kext_fbsd_module_version_string(2, b, sizeof(b)), 0);
	assert_string_equal(b, "2");
	assert_int_equal(kext_fbsd_module_version_string(1989474840, b, sizeof(b)), 0);
	assert_string_equal(b, "19.8947.4840");
	assert_int_equal(kext_fbsd_module_version_string(-1, b, sizeof(b)), -1);
	assert_int_equal(kext_fbsd_osreldate_string(1402000, b, sizeof(b)), 0);
	assert_string_equal(b, "14.2");
	assert_int_equal(kext_fbsd_osreldate_string(1500068, b, sizeof(b)), 0);
	assert_string_equal(b, "15.0.68");
	assert_int_equal(kext_fbsd_osreldate_compat_string(1500068, b, sizeof(b)), 0);
	assert_string_equal(b, "15.0");
	assert_int_equal(kext_fbsd_osreldate_string(99999, b, sizeof(b)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
