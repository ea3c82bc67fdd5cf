/*
 * CoreFoundation-lite XML property lists under attack: entity expansion,
 * external entities and DTDs, XInclude, nesting depth and size bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cf_test_util.h"

#define SECRET "TOP-SECRET-7f3a9c"

struct files {
	char *dir, *secret, *dtd, *secret_url, *dtd_url;
};

static int
setup(void **state)
{
	struct files *f = calloc(1, sizeof(*f));
	const char dtd[] = "<!ENTITY leak \"" SECRET "\">\n<!ENTITY % inner \"<!ENTITY x '"
	    SECRET "'>\">\n%inner;\n";

	if (f == NULL || (f->dir = scratch_dir_new("cf-test-")) == NULL)
		return -1;
	f->secret = cf_test_path(f->dir, "secret.txt", 0);
	f->dtd = cf_test_path(f->dir, "evil.dtd", 0);
	f->secret_url = malloc(strlen(f->secret) + 8);
	f->dtd_url = malloc(strlen(f->dtd) + 8);
	sprintf(f->secret_url, "file://%s", f->secret);
	sprintf(f->dtd_url, "file://%s", f->dtd);
	if (cf_test_write_file(f->secret, SECRET, strlen(SECRET)) != 0 ||
	    cf_test_write_file(f->dtd, dtd, strlen(dtd)) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct files *f = *state;

	scratch_dir_free(f->dir);
	free(f->secret);
	free(f->dtd);
	free(f->secret_url);
	free(f->dtd_url);
	free(f);
	return 0;
}

/* Parsing must fail; returns the error text (malloc'd) for further checks. */
static char *
must_fail(const char *xml)
{
	CFErrorRef err = NULL;
	CFPropertyListRef p = cf_test_parse(xml, strlen(xml), 0, &err);
	char *text;

	if (p != NULL) {
		CFStringRef d = CFCopyDescription(p);
		char *c = cf_test_cstr(d);

		fail_msg("accepted, parsed as: %s", c);
	}
	assert_non_null(err);
	text = cf_test_error_text(err);
	assert_null(strstr(text, SECRET));
	CFRelease(err);
	return text;
}

static void
expect(const char *xml, const char *message)
{
	char *text = must_fail(xml);

	if (strcmp(text, message) != 0)
		fail_msg("got \"%s\", expected \"%s\"", text, message);
	free(text);
}

static void
test_billion_laughs(void **state)
{
	static const char xml[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE plist [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	    "]>\n"
	    "<plist><string>&lol9;</string></plist>\n";
	clock_t start = clock();

	(void)state;
	expect(xml, "line 3: the DOCTYPE declares entity 'lol'; entity declarations are not "
	    "allowed");
	assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 5.0);
}

static void
test_quadratic_blowup(void **state)
{
	size_t n = 20000, big = 50000;
	char *xml = malloc(big + n * 4 + 200), *p = xml;

	(void)state;
	p += sprintf(p, "<!DOCTYPE plist [<!ENTITY a \"");
	memset(p, 'a', big);
	p += big;
	p += sprintf(p, "\">]><string>");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "&a;");
	sprintf(p, "</string>");
	expect(xml, "line 1: the DOCTYPE declares entity 'a'; entity declarations are not allowed");
	free(xml);
}

static void
test_external_system_entity(void **state)
{
	struct files *f = *state;
	char xml[1024], *text;

	snprintf(xml, sizeof(xml), "<?xml version=\"1.0\"?>\n<!DOCTYPE plist [\n"
	    "<!ENTITY xxe SYSTEM \"%s\">\n]>\n<plist><string>&xxe;</string></plist>\n",
	    f->secret_url);
	text = must_fail(xml);
	assert_string_equal(text, "line 3: the DOCTYPE declares entity 'xxe'; entity "
	    "declarations are not allowed");
	free(text);
	/* an unused declaration is refused as well: nothing is ever resolved */
	snprintf(xml, sizeof(xml), "<!DOCTYPE plist [<!ENTITY xxe SYSTEM \"%s\">]>"
	    "<plist><string>ok</string></plist>", f->secret_url);
	free(must_fail(xml));
	/* a parameter entity pulling in an external DTD */
	snprintf(xml, sizeof(xml), "<!DOCTYPE plist [\n<!ENTITY %% ext SYSTEM \"%s\">\n%%ext;\n]>\n"
	    "<plist><string>&leak;</string></plist>", f->dtd_url);
	text = must_fail(xml);
	assert_string_equal(text, "line 2: the DOCTYPE declares entity 'ext'; entity "
	    "declarations are not allowed");
	free(text);
	/* unparsed (NDATA) entities too */
	snprintf(xml, sizeof(xml), "<!DOCTYPE plist [<!NOTATION n SYSTEM \"x\">\n"
	    "<!ENTITY pic SYSTEM \"%s\" NDATA n>]><plist><true/></plist>", f->secret_url);
	text = must_fail(xml);
	assert_string_equal(text, "line 2: the DOCTYPE declares entity 'pic'; entity "
	    "declarations are not allowed");
	free(text);
}

static void
test_external_dtd_is_never_loaded(void **state)
{
	struct files *f = *state;
	char xml[1024], *text;
	CFPropertyListRef p;

	/* the DTD would define &leak; if it were loaded: the reference stays unresolved */
	snprintf(xml, sizeof(xml), "<?xml version=\"1.0\"?>\n<!DOCTYPE plist SYSTEM \"%s\">\n"
	    "<plist>\n<string>&leak;</string>\n</plist>\n", f->dtd_url);
	text = must_fail(xml);
	assert_string_equal(text, "line 4: entity reference '&leak;' is not allowed");
	free(text);
	snprintf(xml, sizeof(xml), "<!DOCTYPE plist PUBLIC \"-//x//EN\" \"%s\">\n"
	    "<dict><key>k</key><string>&x;</string></dict>", f->dtd_url);
	free(must_fail(xml));
	/* the same DOCTYPE without references parses: the DTD is simply ignored */
	snprintf(xml, sizeof(xml), "<!DOCTYPE plist SYSTEM \"%s\"><string>fine</string>",
	    f->dtd_url);
	p = cf_test_parse(xml, strlen(xml), 0, NULL);
	assert_non_null(p);
	assert_true(CFEqual(p, CFSTR("fine")));
	CFRelease(p);
	/* an internal subset without entities (element declarations) is harmless */
	p = cf_test_parse("<!DOCTYPE plist [<!ELEMENT plist ANY>]><plist><true/></plist>", 61, 0,
	    NULL);
	assert_ptr_equal(p, kCFBooleanTrue);
}

/*
 * Proof that nothing is opened: the DTD and entity point at a FIFO with no
 * writer, so any attempt to read it would block until the alarm kills the test.
 */
static void
test_nothing_external_is_opened(void **state)
{
	struct files *f = *state;
	char *fifo = cf_test_path(f->dir, "never-read.fifo", 0), xml[1024];
	CFPropertyListRef p;

	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(30);
	snprintf(xml, sizeof(xml), "<!DOCTYPE plist SYSTEM \"file://%s\">"
	    "<plist><string>x</string></plist>", fifo);
	p = cf_test_parse(xml, strlen(xml), 0, NULL);
	assert_true(CFEqual(p, CFSTR("x")));
	CFRelease(p);
	snprintf(xml, sizeof(xml), "<!DOCTYPE plist [<!ENTITY e SYSTEM \"%s\">]>"
	    "<plist><string>&e;</string></plist>", fifo);
	free(must_fail(xml));
	snprintf(xml, sizeof(xml), "<!DOCTYPE plist [<!ENTITY %% e SYSTEM \"%s\"> %%e;]>"
	    "<plist><string>y</string></plist>", fifo);
	free(must_fail(xml));
	alarm(0);
	free(fifo);
}

static void
test_xinclude_is_not_processed(void **state)
{
	struct files *f = *state;
	char xml[1024];

	snprintf(xml, sizeof(xml), "<plist><array xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
	    "<xi:include href=\"%s\" parse=\"text\"/></array></plist>", f->secret_url);
	expect(xml, "line 1: unexpected element <include>");
}

static char *
nested(const char *open, const char *close, int depth, const char *leaf)
{
	size_t n = (strlen(open) + strlen(close)) * (size_t)depth + strlen(leaf) + 1;
	char *s = malloc(n), *p = s;

	for (int i = 0; i < depth; i++)
		p += sprintf(p, "%s", open);
	p += sprintf(p, "%s", leaf);
	for (int i = 0; i < depth; i++)
		p += sprintf(p, "%s", close);
	return s;
}

static void
test_depth_bound(void **state)
{
	char *ok = nested("<array>", "</array>", 128, "<true/>");
	char *deep = nested("<array>", "</array>", 129, "<true/>");
	char *dicts = nested("<dict><key>k</key>", "</dict>", 129, "<true/>");
	char *huge = nested("<array>", "</array>", 100000, "");
	CFPropertyListRef p;

	(void)state;
	p = cf_test_parse(ok, strlen(ok), 0, NULL);
	assert_non_null(p);
	CFRelease(p);
	expect(deep, "line 1: containers are nested deeper than 128 levels");
	expect(dicts, "line 1: containers are nested deeper than 128 levels");
	/* refused by the pre-scan, before libxml2 builds a tree */
	expect(huge, "line 1: containers are nested deeper than 128 levels");
	free(ok);
	free(deep);
	free(dicts);
	free(huge);
}

static void
test_size_bound(void **state)
{
	size_t n = kCFLitePropertyListMaxSize + 1;
	char *xml = malloc(n);
	CFErrorRef err = NULL;
	char *text;

	(void)state;
	memset(xml, ' ', n);
	memcpy(xml, "<string>", 8);
	memcpy(xml + n - 9, "</string>", 9);
	assert_null(cf_test_parse(xml, n, 0, &err));
	text = cf_test_error_text(err);
	assert_string_equal(text, "property list is too large (16777217 bytes, limit 16777216)");
	free(text);
	CFRelease(err);
	free(xml);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_quadratic_blowup),
		cmocka_unit_test(test_external_system_entity),
		cmocka_unit_test(test_external_dtd_is_never_loaded),
		cmocka_unit_test(test_nothing_external_is_opened),
		cmocka_unit_test(test_xinclude_is_not_processed),
		cmocka_unit_test(test_depth_bound),
		cmocka_unit_test(test_size_bound),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
