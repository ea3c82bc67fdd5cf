/*
 * The matching engine: FreeBSD PnP table semantics field type by field type
 * (devmatch's rules), Apple's IOPCIMatch family with masks, USB keys,
 * IONameMatch, Linux modalias globs, malformed personalities, and the order
 * among several kexts (IOProbeScore, specificity, identifier) with overlaps.
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

#include "cf_test_util.h"
#include "kext/bundle.h"
#include "kext/match.h"
#include "test_bundle_fixture.h"

static CFDictionaryRef
plist(const char *body)
{
	char *text = fx_fmt("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">"
	    "<dict>%s</dict></plist>", body);
	CFPropertyListRef p = cf_test_parse(text, strlen(text), 0, NULL);

	free(text);
	assert_non_null(p);
	return p;
}

static struct kext_device
dev(const char *bus, const char *pnpinfo)
{
	return (struct kext_device){ .name = (char *)"", .bus = (char *)bus,
		.pnpinfo = (char *)pnpinfo };
}

/* 1 match, 0 not, -1 malformed; the message lands in msg. */
static int
try_match(const struct kext_device *d, const char *body, int *spec, char *msg)
{
	CFDictionaryRef p = plist(body);
	const char *rule = NULL;
	kext_error err = { 0 };
	int s = 0, rc = kext_match_personality(d, p, &s, &rule, &err);

	CFRelease(p);
	if (spec != NULL)
		*spec = s;
	if (msg != NULL)
		strcpy(msg, err.msg);
	return rc;
}

#define FBSD(bus, fmt, rows) "<key>FreeBSDPNPBus</key><string>" bus "</string>" \
	"<key>FreeBSDPNPFormat</key><string>" fmt "</string>" \
	"<key>FreeBSDPNPEntries</key><array>" rows "</array>"
#define ROW1(a) "<array>" a "</array>"
#define I(n) "<integer>" #n "</integer>"
#define S(s) "<string>" s "</string>"

/* if_iwm: the vendor comes from the T field only. */
static void
test_freebsd_t_key(void **state)
{
	const char *p = FBSD("pci", "I:device;T:vendor=0x8086;", ROW1(I(2227)) ROW1(I(9469)));
	struct kext_device ok = dev("pci", "vendor=0x8086 device=0x24fd subvendor=0x8086 "
	    "subdevice=0x0010 class=0x028000");
	struct kext_device other = dev("pci", "vendor=0x8087 device=0x24fd");
	struct kext_device prefix = dev("pci", "xvendor=0x8086 device=0x24fd");
	struct kext_device usb = dev("uhub", "vendor=0x8086 device=0x24fd");
	int spec;

	(void)state;
	assert_int_equal(try_match(&ok, p, &spec, NULL), 1);
	assert_int_equal(spec, 32);
	assert_int_equal(try_match(&other, p, NULL, NULL), 0);
	assert_int_equal(try_match(&prefix, p, NULL, NULL), 0);
	assert_int_equal(try_match(&usb, p, NULL, NULL), 0);
}

/* ukbd: the M16 mask says only the interface class triple counts. */
static void
test_freebsd_usb_mask(void **state)
{
	const char *p = FBSD("uhub", "M:mask;I:vendor;I:product;L:release;G:release;"
	    "I:devclass;I:devsubclass;I:devproto;I:intclass;I:intsubclass;I:intprotocol;"
	    "T:mode=host;", ROW1(I(896) I(0) I(0) I(0) I(0) I(0) I(0) I(0) I(3) I(1) I(1)));
	struct kext_device kbd = dev("uhub", "vendor=0x046d product=0xc31c devclass=0x00 "
	    "devsubclass=0x00 devproto=0x00 sernum=\"\" release=0x6400 mode=host "
	    "intclass=0x03 intsubclass=0x01 intprotocol=0x01");
	struct kext_device mouse = dev("uhub", "vendor=0x046d product=0xc31c release=0x6400 "
	    "mode=host intclass=0x03 intsubclass=0x01 intprotocol=0x02");
	struct kext_device gadget = dev("uhub", "vendor=0x046d mode=device intclass=0x03 "
	    "intsubclass=0x01 intprotocol=0x01");
	struct kext_device old_name = dev("uhub", "mode=host intclass=0x03 intsubclass=0x01 "
	    "intprotocol=0x01");
	int spec;

	(void)state;
	assert_int_equal(try_match(&kbd, p, &spec, NULL), 1);
	assert_int_equal(spec, 4 * 16);	/* three interface fields and the T key */
	assert_int_equal(try_match(&mouse, p, NULL, NULL), 0);
	assert_int_equal(try_match(&gadget, p, NULL, NULL), 0);
	assert_int_equal(try_match(&old_name, p, NULL, NULL), 1);
	/* a table written for bus "usb" is one for "uhub", as devmatch has it */
	assert_int_equal(try_match(&kbd, FBSD("usb", "I:intclass;", ROW1(I(3))), NULL, NULL), 1);
}

static void
test_freebsd_wildcards_and_ranges(void **state)
{
	const char *wild = FBSD("pci", "J:vendor;J:device;", ROW1(I(-1) I(4660)));
	const char *range = FBSD("fx", "G:minver;L:maxver;", ROW1(I(16) I(32)));
	const char *u32 = FBSD("pci", "I:vendor;I:device;", ROW1(I(4098) I(-1)));
	struct kext_device a = dev("pci", "vendor=0x1af4 device=0x1234");
	struct kext_device b = dev("pci", "vendor=0x1af4 device=0x1235");
	struct kext_device in = dev("fx", "minver=16 maxver=0x20");
	struct kext_device low = dev("fx", "minver=15 maxver=0x20");
	struct kext_device high = dev("fx", "minver=16 maxver=0x21");
	struct kext_device amd = dev("pci", "vendor=0x1002 device=0x6780");
	int spec;

	(void)state;
	assert_int_equal(try_match(&a, wild, &spec, NULL), 1);
	assert_int_equal(spec, 16);	/* the wildcard is not counted */
	assert_int_equal(try_match(&b, wild, NULL, NULL), 0);
	assert_int_equal(try_match(&in, range, NULL, NULL), 1);
	assert_int_equal(try_match(&low, range, NULL, NULL), 0);
	assert_int_equal(try_match(&high, range, NULL, NULL), 0);
	/* PCI_ANY_ID in a U32 (I) field is compared literally, so never matches */
	assert_int_equal(try_match(&amd, u32, NULL, NULL), 0);
}

static void
test_freebsd_strings(void **state)
{
	const char *acpi = FBSD("acpi", "Z:_HID;D:#;", ROW1(S("PNP0501") S("16550 UART"))
	    ROW1(S("PNP0500") S("8250")));
	struct kext_device uart = dev("acpi", "_HID=PNP0501 _UID=1");
	struct kext_device quoted = dev("acpi", "_HID=\"PNP0500\" _UID=0");
	struct kext_device none = dev("acpi", "_HID=none _UID=0");
	struct kext_device absent = dev("acpi", "_UID=0");

	(void)state;
	assert_int_equal(try_match(&uart, acpi, NULL, NULL), 1);
	assert_int_equal(try_match(&quoted, acpi, NULL, NULL), 1);
	assert_int_equal(try_match(&none, acpi, NULL, NULL), 0);
	assert_int_equal(try_match(&absent, acpi, NULL, NULL), 0);
}

static void
test_freebsd_malformed(void **state)
{
	struct kext_device d = dev("pci", "vendor=0x8086 device=0x1");
	char msg[KEXT_ERROR_MAX];

	(void)state;
	assert_int_equal(try_match(&d, FBSD("pci", "I:vendor;", ROW1(S("x"))), NULL, msg), -1);
	assert_non_null(strstr(msg, "field vendor: expected <integer>"));
	assert_int_equal(try_match(&d, FBSD("pci", "I:vendor;I:device;", ROW1(I(1))), NULL, msg),
	    -1);
	assert_non_null(strstr(msg, "FreeBSDPNPEntries"));
	assert_int_equal(try_match(&d, FBSD("pci", "Q:vendor;", ROW1(I(1))), NULL, msg), -1);
	assert_non_null(strstr(msg, "'Q:vendor'"));
}

static void
test_apple_pci(void **state)
{
	struct kext_device e1000 = dev("pci", "vendor=0x8086 device=0x100e subvendor=0x1af4 "
	    "subdevice=0x1100 class=0x020000");
	struct kext_device adaptec = dev("pci", "vendor=0x9004 device=0x5578 subvendor=0 "
	    "subdevice=0 class=0x010000");
	struct kext_device usb = dev("uhub", "vendor=0x8086 device=0x100e");
	char msg[KEXT_ERROR_MAX];
	int spec;

	(void)state;
	assert_int_equal(try_match(&e1000, "<key>IOPCIMatch</key><string>0x10d38086 "
	    "0x100e8086</string>", &spec, NULL), 1);
	assert_int_equal(spec, 32);
	/* IOPCIMatch also looks at the subsystem register */
	assert_int_equal(try_match(&e1000, "<key>IOPCIMatch</key><string>0x11001af4</string>",
	    NULL, NULL), 1);
	assert_int_equal(try_match(&e1000, "<key>IOPCIPrimaryMatch</key><string>0x11001af4"
	    "</string>", NULL, NULL), 0);
	assert_int_equal(try_match(&e1000, "<key>IOPCISecondaryMatch</key><string>0x11001af4"
	    "</string>", NULL, NULL), 1);
	/* Apple's own example: vendor 0x9004, device 0xzz78 */
	assert_int_equal(try_match(&adaptec, "<key>IOPCIMatch</key><string>0x00789004&amp;"
	    "0x00ffffff</string>", &spec, NULL), 1);
	assert_int_equal(spec, 24);
	/* class 0x0200zz: ethernet; the default class mask ignores the revision */
	assert_int_equal(try_match(&e1000, "<key>IOPCIClassMatch</key><string>0x02000000&amp;"
	    "0xffff0000</string>", NULL, NULL), 1);
	assert_int_equal(try_match(&e1000, "<key>IOPCIClassMatch</key><string>0x02000000"
	    "</string>", NULL, NULL), 1);
	assert_int_equal(try_match(&adaptec, "<key>IOPCIClassMatch</key><string>0x02000000&amp;"
	    "0xffff0000</string>", NULL, NULL), 0);
	/* every key must match */
	assert_int_equal(try_match(&e1000, "<key>IOPCIPrimaryMatch</key><string>0x100e8086"
	    "</string><key>IOPCIClassMatch</key><string>0x01000000</string>", NULL, NULL), 0);
	assert_int_equal(try_match(&usb, "<key>IOPCIMatch</key><string>0x100e8086</string>",
	    NULL, NULL), 0);
	assert_int_equal(try_match(&e1000, "<key>IOPCIMatch</key><string>0x100e8086 banana"
	    "</string>", NULL, msg), -1);
	assert_non_null(strstr(msg, "IOPCIMatch - 'banana' is not 0xVALUE"));
}

static void
test_usb_names_modalias(void **state)
{
	struct kext_device kbd = dev("uhub", "vendor=0x046d product=0xc31c release=0x6400 "
	    "mode=host intclass=0x03 intsubclass=0x01 intprotocol=0x01");
	struct kext_device uart = dev("acpi", "_HID=PNP0501 _UID=1");
	struct kext_device lx = dev("pci", "vendor=0x8086 device=0x100e");
	char msg[KEXT_ERROR_MAX];
	int spec;

	(void)state;
	assert_int_equal(try_match(&kbd, "<key>IOProviderClass</key><string>IOUSBHostInterface"
	    "</string><key>bInterfaceClass</key><integer>3</integer><key>bInterfaceSubClass"
	    "</key><integer>1</integer><key>bInterfaceProtocol</key><integer>1</integer>",
	    &spec, NULL), 1);
	assert_int_equal(spec, 24);
	assert_int_equal(try_match(&kbd, "<key>idVendor</key><integer>1133</integer>"
	    "<key>idProduct</key><integer>1</integer>", NULL, NULL), 0);
	assert_int_equal(try_match(&kbd, "<key>idVendor</key><string>1133</string>", NULL, msg),
	    -1);
	assert_non_null(strstr(msg, "idVendor - expected an <integer>"));
	assert_int_equal(try_match(&uart, "<key>IONameMatch</key><array><string>PNP0500"
	    "</string><string>PNP0501</string></array>", NULL, NULL), 1);
	assert_int_equal(try_match(&uart, "<key>IONameMatch</key><string>PNP0400</string>",
	    NULL, NULL), 0);
	lx.modalias = (char *)"pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00";
	assert_int_equal(try_match(&lx, "<key>LinuxModalias</key><array><string>"
	    "pci:v00008086d0000100Esv*sd*bc*sc*i*</string></array>", &spec, NULL), 1);
	assert_int_equal(spec, 31);	/* the literal characters */
	assert_int_equal(try_match(&lx, "<key>LinuxModalias</key><array><string>"
	    "pci:v00008086d0000100Fsv*sd*bc*sc*i*</string></array>", NULL, NULL), 0);
	/* no matching key at all: nothing matches (IOResources-style personalities) */
	assert_int_equal(try_match(&lx, "<key>IOProviderClass</key><string>IOResources</string>",
	    NULL, NULL), 0);
}

static struct kext_bundle *
kext(const char *dir, const char *name, const char *id, const char *personalities)
{
	char *body = fx_fmt("<key>CFBundleIdentifier</key><string>%s</string>"
	    "<key>CFBundleVersion</key><string>1.0</string>"
	    "<key>CFBundleExecutable</key><string>x.ko</string>"
	    "<key>CFBundlePackageType</key><string>KEXT</string>"
	    "<key>IOKitPersonalities</key><dict>%s</dict>", id, personalities);
	char *path = fx_kext_raw(dir, name, body, "x.ko");
	struct kext_bundle *b;
	kext_error err;

	assert_int_equal(kext_bundle_open(path, &b, &err), 0);
	free(body);
	free(path);
	return b;
}

#define PERS(name, body) "<key>" name "</key><dict><key>IOClass</key><string>C</string>" \
	"<key>IOProviderClass</key><string>IOPCIDevice</string>" body "</dict>"

static void
test_order_and_overlap(void **state)
{
	const char *dir = *state;
	struct kext_bundle *b[5];
	struct kext_device d = dev("pci", "vendor=0x1002 device=0x6780 subvendor=0x1002 "
	    "subdevice=0x0b0e class=0x030000");
	struct kext_match_result r;
	kext_error err;

	b[0] = kext(dir, "Wild.kext", "org.example.wild",
	    PERS("p", "<key>IOPCIMatch</key><string>0x00001002&amp;0x0000ffff</string>"));
	b[1] = kext(dir, "Zexact.kext", "org.example.zexact",
	    PERS("p", "<key>IOPCIMatch</key><string>0x67801002</string>"));
	b[2] = kext(dir, "Aexact.kext", "org.example.aexact",
	    PERS("p", "<key>IOPCIMatch</key><string>0x67801002</string>"));
	b[3] = kext(dir, "Scored.kext", "org.example.scored",
	    PERS("p", "<key>IOProbeScore</key><integer>1000</integer>"
	    "<key>IOPCIClassMatch</key><string>0x03000000</string>")
	    /* a second personality that names another kext (Apple's codeless kext rule) */
	    PERS("q", "<key>CFBundleIdentifier</key><string>org.example.driver</string>"
	    "<key>IOPCIMatch</key><string>0x67801002</string>"));
	b[4] = kext(dir, "Broken.kext", "org.example.broken",
	    PERS("bad", "<key>IOPCIMatch</key><string>0x6780x1002</string>")
	    PERS("none", "<key>IOPCIMatch</key><string>0x12341234</string>"));
	assert_int_equal(kext_match_device(&d, b, 5, &r, &err), 0);
	assert_int_equal(r.n, 5);
	assert_string_equal(r.m[0].identifier, "org.example.scored");	/* IOProbeScore first */
	assert_int_equal(r.m[0].probe_score, 1000);
	assert_string_equal(r.m[1].identifier, "org.example.aexact");	/* 32 bits, then by name */
	assert_string_equal(r.m[2].identifier, "org.example.driver");
	assert_string_equal(r.m[2].personality, "q");
	assert_non_null(strstr(r.m[2].bundle_path, "Scored.kext"));
	assert_string_equal(r.m[3].identifier, "org.example.zexact");
	assert_string_equal(r.m[4].identifier, "org.example.wild");	/* 16 bits */
	assert_string_equal(r.m[4].rule, "IOPCIMatch");
	assert_int_equal(r.num_notes, 1);
	assert_non_null(strstr(r.notes[0], "Broken.kext: IOKitPersonalities.bad.IOPCIMatch - "
	    "'0x6780x1002' is not"));
	kext_match_result_free(&r);
	for (size_t i = 0; i < 5; i++)
		kext_bundle_release(b[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_freebsd_t_key),
		cmocka_unit_test(test_freebsd_usb_mask),
		cmocka_unit_test(test_freebsd_wildcards_and_ranges),
		cmocka_unit_test(test_freebsd_strings),
		cmocka_unit_test(test_freebsd_malformed),
		cmocka_unit_test(test_apple_pci),
		cmocka_unit_test(test_usb_names_modalias),
		cmocka_unit_test_setup_teardown(test_order_and_overlap, scratch_dir_setup,
		    scratch_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
