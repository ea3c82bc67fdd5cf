/*
 * The SAX reader of XML property lists (cflite_plist_sax.c) against
 * libxml2's tree (CFLitePropertyListCreateWithXMLTree): what it takes reads
 * to an equal value with the same mutability, what it leaves (errors,
 * entities, namespace prefixes, ...) the tree reads or refuses, so every
 * input gives the same value or the same error either way; and thousands of
 * random edits of a kext's Info.plist agree too.
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

#include "../../CoreFoundation-lite/src/cflite_internal.h"
#include "cf_test_util.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" " \
	"\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"

static const char info_plist[] = HEAD "<plist version=\"1.0\">\n<dict>\n"
    "\t<key>CFBundleIdentifier</key>\n\t<string>org.freebsd.kmod.if_em</string>\n"
    "\t<key>CFBundleExecutable</key>\n\t<string>if_em.ko</string>\n"
    "\t<key>OSBundleLibraries</key>\n\t<dict>\n"
    "\t\t<key>org.freebsd.kernel</key>\n\t\t<string>14.0</string>\n\t</dict>\n"
    "\t<key>IOKitPersonalities</key>\n\t<dict>\n\t\t<key>em &amp; igb</key>\n\t\t<dict>\n"
    "\t\t\t<key>IOPCIMatch</key>\n\t\t\t<string>0x100e8086 0x10d38086</string>\n"
    "\t\t\t<key>IOProbeScore</key>\n\t\t\t<integer>-12</integer>\n"
    "\t\t\t<key>FreeBSDPNPFields</key>\n\t\t\t<array>\n\t\t\t\t<string>U16:vendor</string>\n"
    "\t\t\t\t<integer>0xffff</integer>\n\t\t\t\t<true/>\n\t\t\t\t<false/>\n"
    "\t\t\t\t<array/>\n\t\t\t\t<dict/>\n\t\t\t\t<string/>\n\t\t\t</array>\n"
    "\t\t</dict>\n\t</dict>\n"
    "\t<key>Description</key>\n\t<string>Intel\xc3\xa9 &lt;PRO/1000&gt; \"x\" 'y' a>b</string>\n"
    "</dict>\n</plist>\n";

static const CFOptionFlags options[] = {
	kCFPropertyListImmutable, kCFPropertyListMutableContainers,
	kCFPropertyListMutableContainersAndLeaves,
};

static CFDataRef
data_of(const char *bytes, size_t n)
{
	CFDataRef d = CFDataCreate(NULL, (const UInt8 *)bytes, (CFIndex)n);

	assert_non_null(d);
	return d;
}

/* Mutability of a container or string as the tests of the XML reader probe it. */
static bool
is_mutable(CFTypeRef v)
{
	if (CFGetTypeID(v) == CFDictionaryGetTypeID()) {
		CFIndex n = CFDictionaryGetCount(v);
		bool m;

		CFDictionarySetValue((CFMutableDictionaryRef)v, CFSTR("__probe"), kCFBooleanTrue);
		m = CFDictionaryGetCount(v) == n + 1;
		CFDictionaryRemoveValue((CFMutableDictionaryRef)v, CFSTR("__probe"));
		return m;
	}
	if (CFGetTypeID(v) == CFStringGetTypeID()) {
		CFIndex n = CFStringGetLength(v);
		bool m;

		CFStringAppend((CFMutableStringRef)v, CFSTR("!"));
		m = CFStringGetLength(v) == n + 1;
		if (m)
			CFStringDelete((CFMutableStringRef)v, CFRangeMake(n, 1));
		return m;
	}
	return false;
}

/*
 * bytes read through CFPropertyListCreateWithData and through the tree
 * alone: the same value (and mutability) or the same error, with every
 * option. Returns whether it parsed.
 */
static bool
same_either_way(const char *bytes, size_t n)
{
	CFDataRef d = data_of(bytes, n);
	bool parsed = false;

	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		CFErrorRef e1 = NULL, e2 = NULL;
		CFPropertyListRef a = CFPropertyListCreateWithData(NULL, d, options[i], NULL, &e1);
		CFPropertyListRef b = CFLitePropertyListCreateWithXMLTree(d, options[i], &e2);

		if ((a == NULL) != (b == NULL))
			fail_msg("one reader took it, the other not: '%.*s'", (int)n, bytes);
		if (a != NULL) {
			if (!CFEqual(a, b))
				fail_msg("the readers disagree on '%.*s'", (int)n, bytes);
			assert_int_equal(is_mutable(a), is_mutable(b));
			parsed = true;
			CFRelease(a);
			CFRelease(b);
		} else {
			char *t1 = cf_test_error_text(e1), *t2 = cf_test_error_text(e2);

			assert_string_equal(t1, t2);
			free(t1);
			free(t2);
		}
		if (e1 != NULL)
			CFRelease(e1);
		if (e2 != NULL)
			CFRelease(e2);
	}
	CFRelease(d);
	return parsed;
}

static bool
sax_takes(const char *text)
{
	CFPropertyListRef p;
	bool taken = cflite_plist_parse_sax(text, strlen(text), 0, &p);

	if (taken)
		CFRelease(p);
	return taken;
}

static void
test_sax_takes(void **state)
{
	static const char *const taken[] = {
		info_plist,
		"<plist><dict/></plist>",
		"  \n<plist version=\"1.0\"><array><integer> 18446744073709551615 </integer>"
		    "<integer>-9223372036854775808</integer><integer>+0x1F</integer></array></plist>",
		"<?xml version=\"1.0\"?><plist><string>&amp;&lt;&gt;&quot;&apos;</string></plist>",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!DOCTYPE plist PUBLIC "
		    "\"-//Apple Computer//DTD PLIST 1.0//EN\" "
		    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\r\n<plist>\r\n<dict>\r\n"
		    "<key></key><string> a </string><key>k</key><true/><key>k</key><false/>"
		    "</dict>\r\n</plist>\r\n",
		/* what the hand-written reader of the plain subset left to the tree */
		"<plist><string>a<!-- c -->b</string></plist>",
		"<plist><string><![CDATA[<x>]]></string></plist>",
		"<plist><array><![CDATA[ ]]><!-- c --><?pi x?></array></plist>",
		"<plist><string>&#65;&#x42;&#x10000;</string></plist>",
		"<plist><string>a\r\nb\rc</string></plist>",
		"<dict><key>a</key><true/></dict>",
		"<string>top</string>",
		"\xef\xbb\xbf<plist><true/></plist>",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><plist><string>\xe9</string></plist>",
		"<plist version='1.0' xmlns=\"urn:x\"><true></true></plist>",
		"<plist><dict><key/><true/></dict></plist>",
		"<plist><string>a</string ></plist>",
		"<!DOCTYPE plist [<!ELEMENT plist ANY><!ATTLIST plist version CDATA \"1.0\">]>"
		    "<plist><false/></plist>",
		"<plist><dict><key>a</key><integer>1</integer><key>a</key><integer>2</integer>"
		    "</dict></plist>",
		"<plist><array><real> -1.5e3 </real><real>inf</real><data> AA\n== </data>"
		    "<data></data><date>2020-01-01T00:00:00Z</date></array></plist>",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		if (!sax_takes(taken[i]))
			fail_msg("not taken: %s", taken[i]);
		assert_true(same_either_way(taken[i], strlen(taken[i])));
	}
}

/* Left to the tree, which reads them (or says what is wrong) as before. */
static void
test_sax_leaves(void **state)
{
	static const char *const left[] = {
		"<plist><string>a\x01</string></plist>",
		"<plist><string>a]]>b</string></plist>",
		"<plist><string>\xef\xbf\xbe</string></plist>",
		"<plist><string>\xc3\x28</string></plist>",
		"<plist><string>&nbsp;</string></plist>",
		("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"x.dtd\">"
		    "<plist><string>&nbsp;</string></plist>"),
		"<plist><real>1.5x</real></plist>",
		"<plist><real> </real></plist>",
		"<plist><data>AA=A</data></plist>",
		"<plist><data>A</data></plist>",
		"<plist><data>A*</data></plist>",
		"<plist><date>2020-02-30T00:00:00Z</date></plist>",
		"<!DOCTYPE plist [<!ENTITY a \"b\">]><plist><string>&a;</string></plist>",
		"<!DOCTYPE plist [<!ENTITY % p \"b\">]><plist><true/></plist>",
		"<!DOCTYPE plist [<!ENTITY a SYSTEM \"file:///etc/passwd\">]><plist><true/></plist>",
		" <?xml version=\"1.0\"?><plist><true/></plist>",
		"<p:plist xmlns:p=\"urn:x\"><p:true/></p:plist>",
		"<plist><p:true/></plist>",
		"<plist><Dict/></plist>",
		"<plist><true/></plist>x",
		"<plist><true/><false/></plist>",
		"<plist><true>x</true></plist>",
		"<plist></plist>",
		"<plist><plist><true/></plist></plist>",
		"<key>a</key>",
		"<plist><integer>12a</integer></plist>",
		"<plist><integer>18446744073709551616</integer></plist>",
		"<plist><integer></integer></plist>",
		"<plist><string>a<true/></string></plist>",
		"<plist><array>x<true/></array></plist>",
		"<plist><array><![CDATA[x]]></array></plist>",
		"<plist><dict><key>a</key></dict></plist>",
		"<plist><dict><key>a</key><key>b</key></dict></plist>",
		"<plist><dict><string>a</string></dict></plist>",
		"<plist><string>a</strin></plist>",
		"<plist a=\"1\" a=\"2\"><true/></plist>",
		"",
		" \n",
		"plist",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
		if (sax_takes(left[i]))
			fail_msg("taken: %s", left[i]);
		same_either_way(left[i], strlen(left[i]));
	}
}

/*
 * The SAX path bounds attributes by counting '=' (cflite_plist_parse_xml):
 * past the bound the tree's prescan refuses an element with too many, and
 * '=' in text alone only sends a file the long way.
 */
static void
test_sax_attributes(void **state)
{
	static const char many[] = "<plist a=\"1\" b=\"2\" c=\"3\" d=\"4\" e=\"5\" f=\"6\" "
	    "g=\"7\" h=\"8\" i=\"9\" j=\"10\" k=\"11\" l=\"12\" m=\"13\" n=\"14\" o=\"15\" "
	    "p=\"16\" q=\"17\"><true/></plist>";
	static const char text[] = "<plist><string>================= a=b</string></plist>";
	CFDataRef d = data_of(many, sizeof(many) - 1);
	CFErrorRef e = NULL;
	char *msg;

	(void)state;
	assert_null(CFPropertyListCreateWithData(NULL, d, 0, NULL, &e));
	msg = cf_test_error_text(e);
	assert_non_null(strstr(msg, "17 attributes"));
	free(msg);
	CFRelease(e);
	CFRelease(d);
	assert_false(same_either_way(many, sizeof(many) - 1));
	assert_true(same_either_way(text, sizeof(text) - 1));
}

/* Past the depth limit the tree says how deep; at it, both read it. */
static void
test_sax_depth(void **state)
{
	size_t cap = 64 + 20 * (kCFLitePropertyListMaxDepth + 2);
	char *doc = malloc(cap);

	(void)state;
	assert_non_null(doc);
	for (int depth = kCFLitePropertyListMaxDepth; depth <= kCFLitePropertyListMaxDepth + 1;
	    depth++) {
		size_t n = (size_t)snprintf(doc, cap, "<plist>");

		for (int i = 0; i < depth; i++)
			n += (size_t)snprintf(doc + n, cap - n, "<array>");
		for (int i = 0; i < depth; i++)
			n += (size_t)snprintf(doc + n, cap - n, "</array>");
		n += (size_t)snprintf(doc + n, cap - n, "</plist>");
		assert_int_equal(sax_takes(doc), depth <= kCFLitePropertyListMaxDepth);
		assert_int_equal(same_either_way(doc, n), depth <= kCFLitePropertyListMaxDepth);
	}
	free(doc);
}

/* Random edits of info_plist: whatever comes out, both readers agree. */
static void
test_sax_random_edits(void **state)
{
	static const char *const pieces[] = {
		"<", ">", "&", "&amp;", "&#38;", "]]>", "\r", "\x01", "\xef\xbf\xbe", "\xc3",
		"<!--x-->", "<dict>", "</dict>", "<key>", "</key>", "<string>", "</string>",
		"<integer>", "</integer>", "<true/>", "<array/>", "0x", "-", " ", "\n", "/",
		"<real>1</real>", "<![CDATA[y]]>", "<?pi?>", "\"", "'", "</plist>", "9",
		"<data>AA==</data>", "<date>2020-01-01T00:00:00Z</date>", "&#x41;", "<p:a/>",
	};
	size_t base = sizeof(info_plist) - 1, cap = base + 64;
	char *doc = malloc(cap);
	uint32_t seed = 12345;
	int parsed = 0;

	(void)state;
	assert_non_null(doc);
	for (int round = 0; round < 4000; round++) {
		size_t n = base;

		memcpy(doc, info_plist, base);
		for (int edit = 0; edit < 1 + round % 3; edit++) {
			const char *piece;
			size_t at, len, cut;

			seed = seed * 1103515245u + 12345u;
			piece = pieces[(seed >> 8) % (sizeof(pieces) / sizeof(pieces[0]))];
			len = strlen(piece);
			at = (seed >> 16) % (n + 1);
			cut = (seed & 1) != 0 && at + len <= n ? len : 0;	/* replace or insert */
			if (n - cut + len > cap)
				continue;
			memmove(doc + at + len, doc + at + cut, n - at - cut);
			memcpy(doc + at, piece, len);
			n = n - cut + len;
		}
		parsed += same_either_way(doc, n);
	}
	/* the edits leave many documents readable, so values were compared too */
	assert_true(parsed > 100);
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sax_takes),
		cmocka_unit_test(test_sax_leaves),
		cmocka_unit_test(test_sax_attributes),
		cmocka_unit_test(test_sax_depth),
		cmocka_unit_test(test_sax_random_edits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
