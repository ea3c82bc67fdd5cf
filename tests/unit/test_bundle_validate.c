/*
 * Bundle validation (spec §2.1, §2.4): every validation failure and warning,
 * each naming the key (or file), what was expected and what was found; and
 * the same verdict for a bundle validated from what its writer wrote.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "kext/bundle.h"
#include "kext/diag.h"
#include "test_bundle_fixture.h"

#define PKG	"<key>CFBundlePackageType</key><string>KEXT</string>\n"
#define ID	"<key>CFBundleIdentifier</key><string>org.example.v</string>\n"
#define VER	"<key>CFBundleVersion</key><string>1.0</string>\n"
#define EXE	"<key>CFBundleExecutable</key><string>v.ko</string>\n"
#define LIBS	"<key>OSBundleLibraries</key><dict><key>org.freebsd.kernel</key>" \
		"<string>14.0</string></dict>\n"
#define BASE	PKG ID VER EXE LIBS
#define CODELESS PKG ID VER
#define PERS(p)	"<key>IOKitPersonalities</key><dict><key>P</key>" p "</dict>\n"
#define GOODP	"<key>CFBundleIdentifier</key><string>org.example.v</string>"
#define ID63	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"

#if defined(__x86_64__)
#define ARCH "x86_64"
#elif defined(__aarch64__)
#define ARCH "arm64"
#elif defined(__i386__)
#define ARCH "i386"
#endif

enum exec_file { ELF, NONE, DIRECTORY, TEXT, SHORT };

#define V	KEXT_DIAG_VALIDATION
#define W	KEXT_DIAG_WARNING

struct vcase {
	const char *what;
	const char *body;
	enum exec_file exec;
	int cat;		/* -1: no diagnostic at all */
	const char *message;
	const char *value;	/* substring of the value */
	bool valid;
};

static const struct vcase cases[] = {
	/* CFBundlePackageType */
	{ "package missing", ID VER EXE LIBS, ELF, V, KEXT_DIAG_MISSING_PROPERTY,
	    "CFBundlePackageType - expected a <string>, found nothing", false },
	{ "package type", "<key>CFBundlePackageType</key><integer>1</integer>" ID VER
	    EXE LIBS, ELF, V, KEXT_DIAG_WRONG_TYPE,
	    "CFBundlePackageType - expected <string>, found <integer>", false },
	{ "package value", "<key>CFBundlePackageType</key><string>APPL</string>" ID
	    VER EXE LIBS, ELF, V, KEXT_DIAG_ILLEGAL_VALUE,
	    "CFBundlePackageType - expected \"KEXT\", found \"APPL\"", false },
	/* CFBundleIdentifier */
	{ "id missing", PKG VER EXE LIBS, ELF, V, KEXT_DIAG_MISSING_PROPERTY,
	    "CFBundleIdentifier - expected a <string>, found nothing", false },
	{ "id type", PKG "<key>CFBundleIdentifier</key><array/>" VER EXE LIBS, ELF, V,
	    KEXT_DIAG_WRONG_TYPE, "CFBundleIdentifier - expected <string>, found "
	    "<array>", false },
	{ "id empty", PKG "<key>CFBundleIdentifier</key><string></string>" VER EXE
	    LIBS, ELF, V, KEXT_DIAG_ILLEGAL_VALUE, "CFBundleIdentifier - expected a "
	    "non-empty <string>, found an empty one", false },
	{ "id 64 bytes", PKG "<key>CFBundleIdentifier</key><string>" ID63 "l</string>"
	    VER EXE LIBS, ELF, V, KEXT_DIAG_TOO_LONG, "CFBundleIdentifier - expected "
	    "at most 63 bytes, found 64", false },
	{ "id 63 bytes", PKG "<key>CFBundleIdentifier</key><string>" ID63 "</string>"
	    VER EXE LIBS, ELF, -1, NULL, NULL, true },
	/* CFBundleVersion */
	{ "version missing", PKG ID EXE LIBS, ELF, V, KEXT_DIAG_MISSING_PROPERTY,
	    "CFBundleVersion - expected a <string>, found nothing", false },
	{ "version type", PKG ID "<key>CFBundleVersion</key><real>1.0</real>" EXE LIBS,
	    ELF, V, KEXT_DIAG_WRONG_TYPE, "CFBundleVersion - expected <string>, found "
	    "<real>", false },
	{ "version grammar", PKG ID "<key>CFBundleVersion</key><string>1.2.3.4"
	    "</string>" EXE LIBS, ELF, V, KEXT_DIAG_ILLEGAL_VALUE, "CFBundleVersion - "
	    "expected a version string like 1.2.3b4 (under 20 characters), found "
	    "\"1.2.3.4\"", false },
	{ "version too long", PKG ID "<key>CFBundleVersion</key><string>1.0 " ID63
	    "</string>" EXE LIBS, ELF, V, KEXT_DIAG_TOO_LONG, "CFBundleVersion - "
	    "expected at most 63 characters, found 67", false },
	/* OSBundleCompatibleVersion */
	{ "compat grammar", BASE "<key>OSBundleCompatibleVersion</key><string>1.0x"
	    "</string>", ELF, V, KEXT_DIAG_ILLEGAL_VALUE, "OSBundleCompatibleVersion - "
	    "expected a version string like 1.2.3b4 (under 20 characters), found "
	    "\"1.0x\"", false },
	{ "compat above version", BASE "<key>OSBundleCompatibleVersion</key><string>"
	    "2.0</string>", ELF, V, KEXT_DIAG_COMPAT_TOO_HIGH,
	    "OSBundleCompatibleVersion - expected at most CFBundleVersion 1.0, found "
	    "\"2.0\"", false },
	{ "compat type", BASE "<key>OSBundleCompatibleVersion</key><integer>1"
	    "</integer>", ELF, V, KEXT_DIAG_WRONG_TYPE, "OSBundleCompatibleVersion - "
	    "expected <string>, found <integer>", false },
	{ "compat equal", BASE "<key>OSBundleCompatibleVersion</key><string>1.0"
	    "</string>", ELF, -1, NULL, NULL, true },
	/* typed booleans */
	{ "OSKernelResource type", BASE "<key>OSKernelResource</key><string>true"
	    "</string>", ELF, V, KEXT_DIAG_WRONG_TYPE, "OSKernelResource - expected "
	    "<true/> or <false/>, found <string>", false },
	{ "OSBundleIsInterface type", BASE "<key>OSBundleIsInterface</key><integer>1"
	    "</integer>", ELF, V, KEXT_DIAG_WRONG_TYPE, "OSBundleIsInterface - "
	    "expected <true/> or <false/>, found <integer>", false },
	{ "OSBundleAllowUserLoad type", BASE "<key>OSBundleAllowUserLoad</key>"
	    "<string>yes</string>", ELF, V, KEXT_DIAG_WRONG_TYPE,
	    "OSBundleAllowUserLoad - expected <true/> or <false/>, found <string>",
	    false },
	{ "OSBundleEnableKextLogging type", BASE "<key>OSBundleEnableKextLogging"
	    "</key><dict/>", ELF, V, KEXT_DIAG_WRONG_TYPE, "OSBundleEnableKextLogging"
	    " - expected <true/> or <false/>, found <dict>", false },
	{ "booleans fine", BASE "<key>OSBundleAllowUserLoad</key><true/>"
	    "<key>OSBundleEnableKextLogging</key><false/>", ELF, -1, NULL, NULL, true },
	/* OSBundleRequired */
	{ "required type", BASE "<key>OSBundleRequired</key><true/>", ELF, V,
	    KEXT_DIAG_WRONG_TYPE, "OSBundleRequired - expected <string>, found "
	    "<true/>", false },
	{ "required value", BASE "<key>OSBundleRequired</key><string>Boot</string>",
	    ELF, V, KEXT_DIAG_ILLEGAL_VALUE, "OSBundleRequired - expected \"Root\", "
	    "\"Local-Root\", \"Network-Root\", \"Console\" or \"Safe Boot\", found "
	    "\"Boot\"", false },
	{ "required safe boot", BASE "<key>OSBundleRequired</key><string>Safe Boot"
	    "</string>", ELF, -1, NULL, NULL, true },
	/* CFBundleExecutable */
	{ "exec type", PKG ID VER "<key>CFBundleExecutable</key><integer>3</integer>"
	    LIBS, NONE, V, KEXT_DIAG_WRONG_TYPE, "CFBundleExecutable - expected "
	    "<string>, found <integer>", false },
	{ "exec empty", PKG ID VER "<key>CFBundleExecutable</key><string></string>"
	    LIBS, NONE, V, KEXT_DIAG_ILLEGAL_VALUE, "CFBundleExecutable - expected a "
	    "non-empty <string>", false },
	{ "exec slash", PKG ID VER "<key>CFBundleExecutable</key><string>MacOS/v.ko"
	    "</string>" LIBS, NONE, V, KEXT_DIAG_ILLEGAL_VALUE, "CFBundleExecutable - "
	    "expected a file name without '/' or '..', found \"MacOS/v.ko\"", false },
	{ "exec dotdot", PKG ID VER "<key>CFBundleExecutable</key><string>..</string>"
	    LIBS, NONE, V, KEXT_DIAG_ILLEGAL_VALUE, "found \"..\"", false },
	{ "exec missing", BASE, NONE, V, KEXT_DIAG_EXECUTABLE_MISSING,
	    "/Contents/MacOS/v.ko - expected the file named by CFBundleExecutable, "
	    "found nothing", false },
	{ "exec directory", BASE, DIRECTORY, V, KEXT_DIAG_EXECUTABLE_BAD,
	    "/Contents/MacOS/v.ko - expected a regular file, found a directory", false },
	{ "exec not ELF", BASE, TEXT, V, KEXT_DIAG_EXECUTABLE_BAD,
	    "/Contents/MacOS/v.ko - expected an ELF file (magic 7f 45 4c 46), found "
	    "other bytes", false },
	{ "exec short header", BASE, SHORT, V, KEXT_DIAG_EXECUTABLE_BAD,
	    "/Contents/MacOS/v.ko - expected a 64-byte ELF header, found 16 bytes",
	    false },
	{ "shared executable", BASE "<key>OSBundleSharedExecutableIdentifier</key>"
	    "<string>org.x</string>", ELF, V, KEXT_DIAG_SHARED_EXECUTABLE,
	    "OSBundleSharedExecutableIdentifier - expected nothing when "
	    "CFBundleExecutable is set, found <string>", false },
	/* OSBundleLibraries */
	{ "libraries type", PKG ID VER EXE "<key>OSBundleLibraries</key><array/>", ELF,
	    V, KEXT_DIAG_WRONG_TYPE, "OSBundleLibraries - expected <dict>, found "
	    "<array>", false },
	{ "libraries missing", PKG ID VER EXE, ELF, V, KEXT_DIAG_MISSING_PROPERTY,
	    "OSBundleLibraries - required when CFBundleExecutable is declared, found "
	    "nothing", false },
	{ "libraries empty", PKG ID VER EXE "<key>OSBundleLibraries</key><dict/>", ELF,
	    V, KEXT_DIAG_MISSING_PROPERTY, "OSBundleLibraries - required when "
	    "CFBundleExecutable is declared, found an empty <dict>", false },
	{ "library value type", PKG ID VER EXE "<key>OSBundleLibraries</key><dict>"
	    "<key>org.freebsd.kernel</key><integer>14</integer></dict>", ELF, V,
	    KEXT_DIAG_WRONG_TYPE, "OSBundleLibraries.org.freebsd.kernel - expected "
	    "<string>, found <integer>", false },
	{ "library version", PKG ID VER EXE "<key>OSBundleLibraries</key><dict>"
	    "<key>org.freebsd.kernel</key><string>x</string></dict>", ELF, V,
	    KEXT_DIAG_ILLEGAL_VALUE, "OSBundleLibraries.org.freebsd.kernel - expected "
	    "a version string like 1.2.3b4 (under 20 characters), found \"x\"", false },
	{ "library empty version", PKG ID VER EXE "<key>OSBundleLibraries</key><dict>"
	    "<key>org.freebsd.kernel</key><string></string></dict>", ELF, V,
	    KEXT_DIAG_ILLEGAL_VALUE, "found \"\"", false },
	{ "kernel component with libraries", BASE "<key>OSKernelResource</key><true/>",
	    ELF, V, KEXT_DIAG_KERNEL_COMPONENT_PROPERTY, "OSBundleLibraries - expected "
	    "nothing in a kernel component (OSKernelResource), found <dict>", false },
	{ "kernel component needs no libraries", PKG ID VER EXE
	    "<key>OSKernelResource</key><true/>", ELF, -1, NULL, NULL, true },
	{ "codeless needs no libraries", CODELESS, NONE, -1, NULL, NULL, true },
	{ "codeless library with libraries", CODELESS LIBS
	    "<key>OSBundleCompatibleVersion</key><string>1.0</string>", NONE, -1, NULL,
	    NULL, true },
	/* IOKitPersonalities */
	{ "personalities type", BASE "<key>IOKitPersonalities</key><array/>", ELF, V,
	    KEXT_DIAG_WRONG_TYPE, "IOKitPersonalities - expected <dict>, found <array>",
	    false },
	{ "personalities empty", BASE "<key>IOKitPersonalities</key><dict/>", ELF, -1,
	    NULL, NULL, true },
	{ "personality type", BASE PERS("<string>x</string>"), ELF, V,
	    KEXT_DIAG_WRONG_TYPE, "IOKitPersonalities.P - expected <dict>, found "
	    "<string>", false },
	{ "IOClass missing", BASE PERS("<dict>" GOODP "<key>IOProviderClass</key>"
	    "<string>IOPCIDevice</string></dict>"), ELF, V, KEXT_DIAG_MISSING_PROPERTY,
	    "IOKitPersonalities.P.IOClass - expected a <string>, found nothing", false },
	{ "IOClass empty", BASE PERS("<dict>" GOODP "<key>IOClass</key><string>"
	    "</string><key>IOProviderClass</key><string>IOPCIDevice</string></dict>"),
	    ELF, V, KEXT_DIAG_ILLEGAL_VALUE, "IOKitPersonalities.P.IOClass - expected "
	    "a non-empty <string>", false },
	{ "IOProviderClass missing", BASE PERS("<dict>" GOODP "<key>IOClass</key>"
	    "<string>Drv</string></dict>"), ELF, V, KEXT_DIAG_MISSING_PROPERTY,
	    "IOKitPersonalities.P.IOProviderClass - expected a <string>, found nothing",
	    false },
	{ "IOProviderClass type", BASE PERS("<dict>" GOODP "<key>IOClass</key><string>"
	    "Drv</string><key>IOProviderClass</key><true/></dict>"), ELF, V,
	    KEXT_DIAG_WRONG_TYPE, "IOKitPersonalities.P.IOProviderClass - expected "
	    "<string>, found <true/>", false },
	{ "good personality", BASE PERS("<dict>" GOODP "<key>IOClass</key><string>Drv"
	    "</string><key>IOProviderClass</key><string>IOPCIDevice</string>"
	    "<key>IOProbeScore</key><integer>100</integer><key>IOKitDebug</key>"
	    "<integer>0</integer><key>IOPCIMatch</key><string>0x00261011</string>"
	    "</dict>"), ELF, -1, NULL, NULL, true },
	{ "FreeBSD personality needs no IOClass", BASE PERS("<dict>" GOODP
	    "<key>IOProviderClass</key><string>pci</string><key>FreeBSDPNPBus</key>"
	    "<string>pci</string></dict>"), ELF, -1, NULL, NULL, true },
	{ "FreeBSD personality IOProviderClass", BASE PERS("<dict>" GOODP
	    "<key>FreeBSDPNPBus</key><string>pci</string></dict>"), ELF, V,
	    KEXT_DIAG_MISSING_PROPERTY, "IOKitPersonalities.P.IOProviderClass - "
	    "expected a <string>, found nothing", false },
	{ "FreeBSD personality bus empty", BASE PERS("<dict>" GOODP
	    "<key>IOProviderClass</key><string>pci</string><key>FreeBSDPNPBus</key>"
	    "<string></string></dict>"), ELF, V, KEXT_DIAG_ILLEGAL_VALUE,
	    "IOKitPersonalities.P.FreeBSDPNPBus - expected a non-empty <string>", false },
	{ "FreeBSD personality bus type", BASE PERS("<dict>" GOODP
	    "<key>IOProviderClass</key><string>pci</string><key>FreeBSDPNPBus</key>"
	    "<integer>1</integer></dict>"), ELF, V, KEXT_DIAG_WRONG_TYPE,
	    "IOKitPersonalities.P.FreeBSDPNPBus - expected <string>, found <integer>",
	    false },
	{ "IOKitDebug type", BASE PERS("<dict>" GOODP "<key>IOClass</key><string>Drv"
	    "</string><key>IOProviderClass</key><string>X</string><key>IOKitDebug"
	    "</key><real>1.5</real></dict>"), ELF, V, KEXT_DIAG_WRONG_TYPE,
	    "IOKitPersonalities.P.IOKitDebug - expected <integer>, found <real>", false },
	{ "personality id type", BASE PERS("<dict><key>CFBundleIdentifier</key>"
	    "<integer>1</integer><key>IOClass</key><string>Drv</string>"
	    "<key>IOProviderClass</key><string>X</string></dict>"), ELF, V,
	    KEXT_DIAG_WRONG_TYPE, "IOKitPersonalities.P.CFBundleIdentifier - expected "
	    "<string>, found <integer>", false },
	{ "IOMatchCategory type", BASE PERS("<dict>" GOODP "<key>IOClass</key><string>"
	    "Drv</string><key>IOProviderClass</key><string>IOResources</string>"
	    "<key>IOMatchCategory</key><integer>1</integer></dict>"), ELF, V,
	    KEXT_DIAG_WRONG_TYPE, "IOKitPersonalities.P.IOMatchCategory - expected "
	    "<string>, found <integer>", false },
	/* warnings */
	{ "deprecated debug level", BASE "<key>OSBundleDebugLevel</key><integer>1"
	    "</integer>", ELF, W, KEXT_DIAG_DEPRECATED, "OSBundleDebugLevel", true },
	{ "deprecated shared executable", CODELESS
	    "<key>OSBundleSharedExecutableIdentifier</key><string>org.x</string>", NONE,
	    W, KEXT_DIAG_DEPRECATED, "OSBundleSharedExecutableIdentifier", true },
	{ "codeless non-library with libraries", CODELESS LIBS, NONE, W,
	    KEXT_DIAG_CODELESS_LIBRARIES, "OSBundleLibraries", true },
	{ "kernel and kpi", PKG ID VER EXE "<key>OSBundleLibraries</key><dict>"
	    "<key>com.apple.kernel.bsd</key><string>6.0</string><key>com.apple.kpi.bsd"
	    "</key><string>8.0</string></dict>", ELF, W, KEXT_DIAG_KERNEL_AND_KPI,
	    "OSBundleLibraries", true },
	{ "kernel component not interface", CODELESS "<key>OSKernelResource</key>"
	    "<true/><key>OSBundleIsInterface</key><false/>", NONE, W,
	    KEXT_DIAG_KERNEL_NOT_INTERFACE, "OSBundleIsInterface - expected <true/> for "
	    "a kernel component, found <false/>", true },
	{ "personality without id", BASE PERS("<dict><key>IOClass</key><string>Drv"
	    "</string><key>IOProviderClass</key><string>X</string></dict>"), ELF, W,
	    KEXT_DIAG_PERSONALITY_NO_ID, "IOKitPersonalities.P", true },
	{ "personality other id", BASE PERS("<dict><key>CFBundleIdentifier</key>"
	    "<string>org.other</string><key>IOClass</key><string>Drv</string>"
	    "<key>IOProviderClass</key><string>X</string></dict>"), ELF, W,
	    KEXT_DIAG_PERSONALITY_OTHER_ID, "IOKitPersonalities.P.CFBundleIdentifier - "
	    "expected \"org.example.v\", found \"org.other\"", true },
	{ "probe score type", BASE PERS("<dict>" GOODP "<key>IOClass</key><string>Drv"
	    "</string><key>IOProviderClass</key><string>X</string><key>IOProbeScore"
	    "</key><string>9</string></dict>"), ELF, W, KEXT_DIAG_PERSONALITY_TYPE,
	    "IOKitPersonalities.P.IOProbeScore - expected <integer>, found <string>",
	    true },
	{ "IOResources category", BASE PERS("<dict>" GOODP "<key>IOClass</key><string>"
	    "Drv</string><key>IOProviderClass</key><string>IOResources</string>"
	    "<key>IOMatchCategory</key><string>Other</string></dict>"), ELF, W,
	    KEXT_DIAG_IORESOURCES_CATEGORY, "IOKitPersonalities.P.IOMatchCategory - "
	    "expected \"Drv\", found \"Other\"", true },
	{ "personality name escaped", BASE "<key>IOKitPersonalities</key><dict>"
	    "<key>a\tb</key><string>x</string></dict>", ELF, V, KEXT_DIAG_WRONG_TYPE,
	    "IOKitPersonalities.a\\x09b - expected <dict>", false },
#ifdef ARCH
	/* <Key>_<arch> wins over <Key> for OS* and IO* keys */
	{ "arch-specific key", PKG ID VER EXE "<key>OSBundleLibraries</key><array/>"
	    "<key>OSBundleLibraries_" ARCH "</key><dict><key>k</key><string>1.0"
	    "</string></dict>", ELF, -1, NULL, NULL, true },
#endif
};

static void
make_exec(const char *kext, enum exec_file kind)
{
	char *p = fx_fmt("%s/Contents/MacOS/v.ko", kext);
	unsigned char ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	switch (kind) {
	case ELF: fx_write_elf(p); break;
	case NONE: break;
	case DIRECTORY: fx_mkdirs(p); break;
	case TEXT: fx_write_text(p, "#!/bin/sh\necho not a module\n"); break;
	case SHORT: fx_write(p, ident, sizeof(ident)); break;
	}
	free(p);
}

static void
dump(struct kext_bundle *b)
{
	char *text = kext_diags_format(kext_bundle_diags(b), KEXT_DIAG_ALL, true);

	print_error("%s", text != NULL ? text : "(no memory)\n");
	free(text);
}

static bool
has_diag(struct kext_bundle *b, const struct vcase *c)
{
	const struct kext_diag *d;
	size_t i;

	for (i = 0; (d = kext_diags_at(kext_bundle_diags(b), i)) != NULL; i++) {
		if ((int)d->category == c->cat && strcmp(d->message, c->message) == 0 &&
		    d->value != NULL && strstr(d->value, c->value) != NULL)
			return true;
	}
	return false;
}

/* The whole file at path (malloc'd, *len bytes); aborts when it cannot be read. */
static char *
slurp(const char *path, size_t *len)
{
	char *buf = malloc(1 << 16);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (buf == NULL || fd < 0 || (n = read(fd, buf, 1 << 16)) < 0)
		abort();
	close(fd);
	*len = (size_t)n;
	return buf;
}

/*
 * The same bundle validated as its writer would (kext_bundle_open_written)
 * from the Info.plist bytes and executable head on disk: the verdict and
 * every diagnostic are those of kext_bundle_open. An executable that is not
 * a regular file is not one a writer describes, so it is looked up on disk.
 */
static bool
same_when_written(const char *kext, enum exec_file exec, struct kext_bundle *opened)
{
	char *plist = fx_fmt("%s/Contents/Info.plist", kext);
	char *exe = fx_fmt("%s/Contents/MacOS/v.ko", kext);
	char *a, *b2, *xml, *head = NULL;
	size_t xml_len, head_len = 0;
	struct kext_bundle *b;
	kext_error err;
	bool same;

	xml = slurp(plist, &xml_len);
	if (exec == ELF || exec == TEXT || exec == SHORT) {
		head = slurp(exe, &head_len);
		head_len = head_len < 64 ? head_len : 64;
	}
	if (kext_bundle_open_written(&(struct kext_bundle_written){ .path = kext,
	    .info_xml = xml, .info_len = xml_len, .executable = head ? "v.ko" : NULL,
	    .head = (unsigned char *)head, .head_len = head_len }, &b, &err) != 0) {
		print_error("%s: open_written failed: %s\n", kext, err.msg);
		same = false;
	} else {
		a = kext_diags_format(kext_bundle_diags(opened), KEXT_DIAG_ALL, true);
		b2 = kext_diags_format(kext_bundle_diags(b), KEXT_DIAG_ALL, true);
		same = a != NULL && b2 != NULL && strcmp(a, b2) == 0 &&
		    kext_bundle_is_valid(b) == kext_bundle_is_valid(opened);
		if (!same)
			print_error("%s: written:\n%s\nopened:\n%s\n", kext, b2, a);
		free(a);
		free(b2);
		kext_bundle_release(b);
	}
	free(plist);
	free(exe);
	free(xml);
	free(head);
	return same;
}

static void
test_cases(void **state)
{
	struct kext_bundle *b;
	kext_error err;
	size_t i, bad = 0;
	char name[32], *kext, *dir = realpath(*state, NULL);	/* written bundles' paths are canonical */

	assert_non_null(dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *c = &cases[i];

		snprintf(name, sizeof(name), "K%zu.kext", i);
		kext = fx_kext_raw(dir, name, c->body, NULL);
		make_exec(kext, c->exec);
		if (kext_bundle_open(kext, &b, &err) != 0) {
			print_error("%s: open failed: %s\n", c->what, err.msg);
			bad++;
			free(kext);
			continue;
		}
		if (c->cat < 0 ? kext_diags_count(kext_bundle_diags(b), KEXT_DIAG_ALL) != 0 :
		    !has_diag(b, c)) {
			print_error("%s: expected %s%s%s\n", c->what,
			    c->message ? c->message : "no diagnostics",
			    c->value ? ": " : "", c->value ? c->value : "");
			dump(b);
			bad++;
		} else if (kext_bundle_is_valid(b) != c->valid) {
			print_error("%s: expected the bundle to be %s\n", c->what,
			    c->valid ? "valid" : "invalid");
			dump(b);
			bad++;
		} else if (c->cat >= 0 && strcmp(kext_diags_subject(
		    kext_bundle_diags(b)), kext_bundle_path(b)) != 0) {
			print_error("%s: diagnostics do not name the bundle\n", c->what);
			bad++;
		} else if (!same_when_written(kext, c->exec, b)) {
			print_error("%s: validated from what was written, the verdict differs\n",
			    c->what);
			bad++;
		}
		kext_bundle_release(b);
		free(kext);
	}
	free(dir);
	assert_int_equal(bad, 0);
}

/*
 * A written bundle is validated from what its writer holds: neither its
 * Info.plist nor its executable is read back (here neither is on disk), and
 * what the writer wrote is what is judged.
 */
static void
test_written_not_read_back(void **state)
{
	static const char xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<plist version=\"1.0\">\n<dict>\n" BASE "</dict>\n</plist>\n";
	unsigned char head[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 9 };
	char *dir = realpath(*state, NULL), *kext;
	struct kext_bundle_written w = { .info_xml = xml, .info_len = sizeof(xml) - 1,
	    .executable = "v.ko", .head = head, .head_len = sizeof(head) };
	struct kext_bundle *b;
	kext_error err;

	assert_non_null(dir);
	kext = fx_fmt("%s/W.kext", dir);
	w.path = kext;
	assert_int_equal(kext_bundle_open_written(&w, &b, &err), 0);
	assert_true(kext_bundle_is_valid(b));
	assert_string_equal(kext_bundle_identifier(b), "org.example.v");
	assert_string_equal(kext_bundle_path(b), kext);
	kext_bundle_release(b);

	head[0] = 0;	/* what was written is judged */
	assert_int_equal(kext_bundle_open_written(&w, &b, &err), 0);
	assert_false(kext_bundle_is_valid(b));
	assert_true(kext_diags_contains(kext_bundle_diags(b), KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_EXECUTABLE_BAD, NULL));
	kext_bundle_release(b);

	w.info_len = 20;	/* a cut Info.plist is refused, naming it */
	assert_int_equal(kext_bundle_open_written(&w, &b, &err), -1);
	assert_null(b);
	assert_non_null(strstr(err.msg, "/W.kext/Contents/Info.plist: can't parse"));
	free(kext);
	free(dir);
}

/* Validation collects everything; it does not stop at the first problem. */
static void
test_not_fail_fast(void **state)
{
	char *kext = fx_kext_raw(*state, "Many.kext",
	    "<key>CFBundlePackageType</key><string>APPL</string>"
	    "<key>CFBundleVersion</key><string>v1</string>" EXE
	    PERS("<dict><key>IOProviderClass</key><string>X</string></dict>"), NULL);
	struct kext_bundle *b;
	struct kext_diags *d;
	kext_error err;

	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	d = kext_bundle_diags(b);
	assert_false(kext_bundle_is_valid(b));
	assert_true(kext_diags_contains(d, KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_ILLEGAL_VALUE, "CFBundlePackageType - expected \"KEXT\", found "
	    "\"APPL\""));
	assert_true(kext_diags_contains(d, KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_MISSING_PROPERTY, "CFBundleIdentifier - expected a <string>, "
	    "found nothing"));
	assert_true(kext_diags_contains(d, KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_ILLEGAL_VALUE, "CFBundleVersion - expected a version string like "
	    "1.2.3b4 (under 20 characters), found \"v1\""));
	assert_true(kext_diags_contains(d, KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_MISSING_PROPERTY, "OSBundleLibraries - required when "
	    "CFBundleExecutable is declared, found nothing"));
	assert_true(kext_diags_contains(d, KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_MISSING_PROPERTY, "IOKitPersonalities.P.IOClass - expected a "
	    "<string>, found nothing"));
	assert_true(kext_diags_contains(d, KEXT_DIAG_WARNING,
	    KEXT_DIAG_PERSONALITY_NO_ID, "IOKitPersonalities.P"));
	assert_int_equal(kext_diags_count(d, KEXT_DIAG_MASK(KEXT_DIAG_VALIDATION)), 6);
	assert_null(kext_bundle_identifier(b));
	assert_int_equal(kext_bundle_version(b), KEXT_VERSION_INVALID);
	kext_bundle_release(b);
	free(kext);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cases, scratch_dir_setup,
		    scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_not_fail_fast,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_written_not_read_back,
		    scratch_dir_setup, scratch_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
