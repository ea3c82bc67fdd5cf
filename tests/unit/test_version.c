/* Kext version grammar, encoding, formatting and ordering (spec §3.1-3.2). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "kext/version.h"

static void
test_spec_encodings(void **state)
{
	(void)state;
	assert_int_equal(kext_version_parse("1.2.3"), INT64_C(1000200039000));
	assert_int_equal(kext_version_parse("1.0d5"), INT64_C(1000000001005));
	assert_int_equal(kext_version_parse("8.0.0b1"), INT64_C(8000000005001));
	assert_int_equal(kext_version_parse("19.6.0"), INT64_C(19000600009000));
	/* the smallest valid version */
	assert_int_equal(kext_version_parse("0d0"), 1000);
	assert_int_equal(kext_version_parse("0"), 9000);
	assert_int_equal(kext_version_parse("9999.9999.9999fc255"),
	    INT64_C(9999999999997255));
}

static void
test_component_digits(void **state)
{
	(void)state;
	/* 10.14+ widened minor and revision to 4 digits */
	assert_int_equal(kext_version_parse("1.9999.9999"), INT64_C(1999999999000));
	assert_int_equal(kext_version_parse("1234.5"), INT64_C(1234000500009000));
	assert_int_equal(kext_version_parse("12345"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.12345"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.2.12345"), KEXT_VERSION_INVALID);
	/* a 4th numeric part */
	assert_int_equal(kext_version_parse("1.2.3.4"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.2.3."), KEXT_VERSION_INVALID);
	/* ...except a dot after a revision that used all its digits */
	assert_int_equal(kext_version_parse("1.2.3456."),
	    kext_version_parse("1.2.3456"));
	assert_int_equal(kext_version_parse("1.2.3456.b1"),
	    kext_version_parse("1.2.3456b1"));
	assert_int_equal(kext_version_parse("1.2.3456.4"), KEXT_VERSION_INVALID);
	/* empty components are tolerated */
	assert_int_equal(kext_version_parse("1."), kext_version_parse("1.0"));
	assert_int_equal(kext_version_parse("1..2"), kext_version_parse("1.0.2"));
	assert_int_equal(kext_version_parse("1.b1"), kext_version_parse("1.0b1"));
}

static void
test_stages(void **state)
{
	(void)state;
	assert_true(kext_version_parse("1d3") > 0);
	assert_true(kext_version_parse("1.2a1") > 0);
	assert_int_equal(kext_version_parse("1.2.3b255"), INT64_C(1000200035255));
	assert_int_equal(kext_version_parse("1.0b256"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.0b1000"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.0b"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.0fc"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.0c1"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.0b1x"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.0b1.2"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.0B1"), KEXT_VERSION_INVALID);
	/* f0/fc0 are invalid, d0/a0/b0 accepted */
	assert_int_equal(kext_version_parse("1.0f0"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.0fc0"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.0d0"), INT64_C(1000000001000));
	assert_int_equal(kext_version_parse("1.0a0"), INT64_C(1000000003000));
	assert_int_equal(kext_version_parse("1.0b0"), INT64_C(1000000005000));
	/* f and fc are the same stage */
	assert_int_equal(kext_version_parse("1.0fc2"), kext_version_parse("1.0f2"));
	assert_int_equal(kext_version_parse("1.0f007"), kext_version_parse("1.0f7"));
}

static void
test_terminators_and_length(void **state)
{
	(void)state;
	assert_int_equal(kext_version_parse("1.2.3 anything"),
	    INT64_C(1000200039000));
	/* ignored text still counts towards the 20-byte limit */
	assert_int_equal(kext_version_parse("1.2.3 anything at all"),
	    KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.2\tx"), kext_version_parse("1.2"));
	assert_int_equal(kext_version_parse("1.2\r\n"), kext_version_parse("1.2"));
	assert_int_equal(kext_version_parse("1.0b1 (beta)"), kext_version_parse("1.0b1"));
	assert_int_equal(kext_version_parse("1 2"), kext_version_parse("1"));
	assert_int_equal(kext_version_parse(" 1.0"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse(""), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse(NULL), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("v1.0"), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1-0"), KEXT_VERSION_INVALID);
	/* 19 characters fit the 20-byte buffer, 20 do not */
	assert_true(kext_version_parse("1.0                ") > 0);
	assert_int_equal(strlen("1.0                "), 19);
	assert_int_equal(kext_version_parse("1.0                 "), KEXT_VERSION_INVALID);
	assert_int_equal(kext_version_parse("1.0 \xc3\xa9"), KEXT_VERSION_INVALID);
}

static void
check_format(const char *in, const char *want)
{
	char buf[KEXT_VERSION_FORMAT_MAX];

	kext_version_format(kext_version_parse(in), buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void
test_format(void **state)
{
	char buf[KEXT_VERSION_FORMAT_MAX];

	(void)state;
	check_format("1", "1.0");
	check_format("1.2", "1.2");
	check_format("1.2.0", "1.2");
	check_format("1.2.3", "1.2.3");
	check_format("1..2", "1.0.2");
	check_format("1.0fc2", "1.0f2");
	check_format("8.0.0b1", "8.0b1");
	check_format("1.2.3d0", "1.2.3d0");
	check_format("19.6.0", "19.6");
	check_format("0d0", "0.0d0");
	check_format("9999.9999.9999a255", "9999.9999.9999a255");
	check_format("1.2.3.4", "(invalid)");
	assert_string_equal(kext_version_format(0, buf, sizeof(buf)), "(missing)");
	assert_string_equal(kext_version_format(-5, buf, sizeof(buf)), "(invalid)");
	/* values no string encodes to */
	assert_string_equal(kext_version_format(INT64_C(1000000002001), buf,
	    sizeof(buf)), "(invalid)");	/* stage 2 */
	assert_string_equal(kext_version_format(INT64_C(1000000009001), buf,
	    sizeof(buf)), "(invalid)");	/* release with a level */
	assert_string_equal(kext_version_format(INT64_C(1000000007000), buf,
	    sizeof(buf)), "(invalid)");	/* f0 */
	assert_string_equal(kext_version_format(INT64_C(1000000005256), buf,
	    sizeof(buf)), "(invalid)");	/* level 256 */
	assert_string_equal(kext_version_format(INT64_C(10000) * INT64_C(1000000000000),
	    buf, sizeof(buf)), "(invalid)");
	/* a short buffer truncates rather than overflows */
	kext_version_format(kext_version_parse("1234.5678.9012b200"), buf, 6);
	assert_string_equal(buf, "1234.");
}

static void
test_ordering(void **state)
{
	const char *ascending[] = { "0d0", "1.0d1", "1.0a1", "1.0b1", "1.0fc1",
	    "1.0f2", "1.0", "1.0.1", "1.1d1", "1.1", "1.10", "2", "10.0",
	    "9999.9999.9999" };
	size_t i, n = sizeof(ascending) / sizeof(ascending[0]);

	(void)state;
	for (i = 1; i < n; i++) {
		assert_int_equal(kext_version_compare(
		    kext_version_parse(ascending[i - 1]),
		    kext_version_parse(ascending[i])), -1);
		assert_int_equal(kext_version_compare(
		    kext_version_parse(ascending[i]),
		    kext_version_parse(ascending[i - 1])), 1);
	}
	assert_int_equal(kext_version_compare(kext_version_parse("1.0fc3"),
	    kext_version_parse("1.0f3")), 0);
}

static void
test_satisfies(void **state)
{
	kext_version c = kext_version_parse("1.0"), v = kext_version_parse("2.5");

	(void)state;
	assert_true(kext_version_satisfies(c, v, kext_version_parse("1.0")));
	assert_true(kext_version_satisfies(c, v, kext_version_parse("2.5")));
	assert_true(kext_version_satisfies(c, v, kext_version_parse("2.0b3")));
	assert_false(kext_version_satisfies(c, v, kext_version_parse("2.5.1")));
	assert_false(kext_version_satisfies(c, v, kext_version_parse("1.0b1")));
	assert_false(kext_version_satisfies(0, v, kext_version_parse("1.0")));
	assert_false(kext_version_satisfies(c, v, KEXT_VERSION_INVALID));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_encodings),
		cmocka_unit_test(test_component_digits),
		cmocka_unit_test(test_stages),
		cmocka_unit_test(test_terminators_and_length),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_ordering),
		cmocka_unit_test(test_satisfies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
