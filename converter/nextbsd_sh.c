/*
 * ko2kext run as "ko2kext.sh": the command line of NextBSD's ko2kext.sh, so
 * CI lines written for it run unchanged:
 *
 *   ko2kext.sh [-o outdir] [-v version] [-l dep-bundle-id]... [-f firmware]...
 *              [-p personalities] <input.ko> <Name> <bundle-id>
 *
 * As that script does: Name.kext in outdir (default "."), replaced when it
 * exists; CFBundleIdentifier bundle-id, CFBundleName Name; CFBundleVersion,
 * CFBundleShortVersionString and OSBundleCompatibleVersion all version
 * (default 1.0); each -l an OSBundleLibraries entry at 1.0; -f a file, or a
 * folder whose contents, copied into Contents/Resources/firmware; -p a file
 * holding a "<key>IOKitPersonalities</key><dict>...</dict>" block put in the
 * Info.plist; OSBundleRequired Root; exit 1 on any error. (The script is
 * nextbsd-redux's ko2kext.sh; its usage text and defaults are followed here.)
 * Unlike the script, the module's own MODULE_DEPENDs also become libraries
 * (a missing provider is a warning), the module keeps its file name in
 * Contents/MacOS so kldfind(2) knows it, and -v, Name and the -p block are
 * checked before anything is written.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <CoreFoundation/CoreFoundation.h>

#include "convert.h"
#include "kext/file_read.h"
#include "kext/strv.h"
#include "kext/version.h"

/* A personalities block larger than this is refused. */
#define MAX_PERSONALITIES_SIZE ((size_t)16 << 20)

static const char sh_usage[] =
    "usage: ko2kext.sh [-o outdir] [-v version] [-l dep-bundle-id]... [-f firmware]... "
    "[-p personalities] <input.ko> <Name> <bundle-id>\n"
    "\n"
    "  -o outdir        where to write <Name>.kext       (default: .)\n"
    "  -v version       CFBundleVersion                   (default: 1.0)\n"
    "  -l dep-bundle-id add an OSBundleLibraries dependency (repeatable)\n"
    "  -f firmware      bundle firmware into Contents/Resources/firmware (repeatable);\n"
    "                   a folder has its contents copied in\n"
    "  -p personalities file holding a <key>IOKitPersonalities</key><dict>...</dict> block\n";

static int sh_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Says why on stderr; 1, the script's exit status for every error. */
static int
sh_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("ko2kext: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* The -p block, wrapped into a plist dictionary, gives IOKitPersonalities. */
static int
read_personalities(const char *path, CFMutableDictionaryRef extra)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<plist version=\"1.0\">\n<dict>\n";
	static const char tail[] = "\n</dict>\n</plist>\n";
	CFMutableDataRef xml;
	CFPropertyListRef pl;
	CFErrorRef cferr = NULL;
	CFTypeRef pers = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	kext_error err;
	int rc = 0;

	if (kext_file_read_all(path, MAX_PERSONALITIES_SIZE, "larger than any personalities "
	    "block", &data, &len, &err) != 0)
		return sh_fail("personalities file: %s", err.msg);
	if ((xml = CFDataCreateMutable(NULL, 0)) == NULL) {
		free(data);
		return sh_fail("%s: out of memory", path);
	}
	CFDataAppendBytes(xml, (const UInt8 *)head, (CFIndex)strlen(head));
	CFDataAppendBytes(xml, data, (CFIndex)len);
	CFDataAppendBytes(xml, (const UInt8 *)tail, (CFIndex)strlen(tail));
	free(data);
	pl = CFPropertyListCreateWithData(NULL, xml, 0, NULL, &cferr);
	CFRelease(xml);
	if (pl != NULL && CFGetTypeID(pl) == CFDictionaryGetTypeID())
		pers = CFDictionaryGetValue(pl, CFSTR("IOKitPersonalities"));
	if (pers == NULL || CFGetTypeID(pers) != CFDictionaryGetTypeID()) {
		char *msg = conv_take_error_text(cferr);

		cferr = NULL;
		rc = sh_fail("%s: not a <key>IOKitPersonalities</key><dict>...</dict> block%s%s",
		    path, msg != NULL ? ": " : "", msg != NULL ? msg : "");
		free(msg);
	} else {
		CFDictionarySetValue(extra, CFSTR("IOKitPersonalities"), pers);
	}
	if (cferr != NULL)
		CFRelease(cferr);
	if (pl != NULL)
		CFRelease(pl);
	return rc;
}

static int
set_version(CFMutableDictionaryRef extra, const char *version)
{
	static const char *const keys[] = {"CFBundleVersion", "CFBundleShortVersionString",
	    "OSBundleCompatibleVersion"};

	if (kext_version_parse(version) == KEXT_VERSION_INVALID)
		return sh_fail("-v %s: not a kext version (such as 1.0 or 2.1.3)", version);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		conv_set_string(extra, keys[i], version);
	return 0;
}

/* "stem=value" for the module file at input ("dir/if_iwlwifi.ko" -> "if_iwlwifi=..."). */
static char *
stem_option(const char *input, const char *value)
{
	const char *base = strrchr(input, '/');
	size_t len;
	char *out;

	base = base != NULL ? base + 1 : input;
	len = strlen(base);
	if (len > 3 && strcmp(base + len - 3, ".ko") == 0)
		len -= 3;
	if (asprintf(&out, "%.*s=%s", (int)len, base, value) < 0)
		return NULL;
	return out;
}

int
conv_sh_parse(int argc, char **argv, struct conv_sh *sh, struct conv_options *opt)
{
	const char *version = "1.0", *pers = NULL, *name;
	struct stat st;
	int c, rc = 0;

	sh->outdir = ".";
	if ((sh->extra = CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
	    &kCFTypeDictionaryValueCallBacks)) == NULL)
		return sh_fail("out of memory");
	opt->extra = sh->extra;	/* released with the options */
	/* '+': options stop at the first operand, as sh's getopts does. */
	while (rc == 0 && (c = getopt(argc, argv, "+o:v:l:f:p:h")) != -1) {
		switch (c) {
		case 'o': sh->outdir = optarg; break;
		case 'v': version = optarg; break;
		case 'l':
			rc = kext_strv_push(&opt->extra_libraries, &opt->num_extra_libraries, optarg);
			break;
		case 'f': rc = kext_strv_push(&opt->firmware, &opt->num_firmware, optarg); break;
		case 'p': pers = optarg; break;
		default: fputs(sh_usage, stderr); return 1;
		}
		if (rc != 0)
			return sh_fail("out of memory");
	}
	if (argc - optind != 3) {
		fputs(sh_usage, stderr);
		return 1;
	}
	sh->input = argv[optind];
	name = argv[optind + 1];
	if (stat(sh->input, &st) != 0 || !S_ISREG(st.st_mode))
		return sh_fail("no such file: %s", sh->input);
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
		return sh_fail("'%s': a bundle Name has no '/' and does not start with '.'", name);
	if (set_version(sh->extra, version) != 0 ||
	    (pers != NULL && read_personalities(pers, sh->extra) != 0))
		return 1;
	if ((sh->name_override = stem_option(sh->input, name)) == NULL ||
	    (sh->id_override = stem_option(sh->input, argv[optind + 2])) == NULL ||
	    kext_strv_push(&opt->name_overrides, &opt->num_name_overrides,
	    sh->name_override) != 0 ||
	    kext_strv_push(&opt->id_overrides, &opt->num_id_overrides, sh->id_override) != 0)
		return sh_fail("out of memory");
	opt->required = "Root";
	opt->force = true;		/* the script replaces Name.kext (rm -rf) */
	opt->allow_missing = true;	/* dependencies are the -l ones */
	return 0;
}

void
conv_sh_free(struct conv_sh *sh)
{
	free(sh->name_override);
	free(sh->id_override);
}
