/*
 * CFBundle: locating Info.plist, the executable and standard directories
 * (apple-kext.md §1.3).  Entries of the bundle directory are matched
 * case-insensitively: "Contents" means the modern layout (checked first, as
 * for every non-framework bundle), then "Resources" (old), "Support Files"
 * (obsolete), else flat.
 */
#include "cflite_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum layout { LAYOUT_OLD = 0, LAYOUT_OBSOLETE = 1, LAYOUT_MODERN = 2, LAYOUT_FLAT = 3 };

struct __CFBundle {
	CFRuntimeBase base;
	CFURLRef url;		/* absolute directory URL */
	char *path;		/* its path */
	enum layout layout;
	char *support;		/* Contents/, Support Files/ or the bundle itself */
	CFURLRef info_url;
	CFDictionaryRef info;
};

CF_CONST_STRING(kCFBundleInfoDictionaryVersionKey, "CFBundleInfoDictionaryVersion");
CF_CONST_STRING(kCFBundleExecutableKey, "CFBundleExecutable");
CF_CONST_STRING(kCFBundleIdentifierKey, "CFBundleIdentifier");
CF_CONST_STRING(kCFBundleVersionKey, "CFBundleVersion");
CF_CONST_STRING(kCFBundleDevelopmentRegionKey, "CFBundleDevelopmentRegion");
CF_CONST_STRING(kCFBundleNameKey, "CFBundleName");
CF_CONST_STRING(kCFBundleLocalizationsKey, "CFBundleLocalizations");

CFTypeID
CFBundleGetTypeID(void)
{
	return CF_TID_BUNDLE;
}

static char *
join(const char *dir, const char *name)
{
	struct cflite_buf b = { 0 };

	cflite_buf_adds(&b, dir);
	if (b.len == 0 || b.p[b.len - 1] != '/')
		cflite_buf_addc(&b, '/');
	cflite_buf_adds(&b, name);
	return cflite_buf_take(&b);
}

/*
 * The entry of dir matching name case-insensitively (an exact match wins),
 * as a malloc'd path; NULL if there is none.
 */
static char *
find_entry(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *found = NULL;

	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (strcasecmp(de->d_name, name) != 0)
			continue;
		free(found);
		found = join(dir, de->d_name);
		if (strcmp(de->d_name, name) == 0)
			break;
	}
	closedir(d);
	return found;
}

static bool
is_kind(const char *path, mode_t kind)
{
	struct stat st;

	return path != NULL && stat(path, &st) == 0 && (st.st_mode & S_IFMT) == kind;
}

static CFURLRef
url_for(const char *path, bool is_dir)
{
	return path != NULL ? cflite_url_create_path(path, strlen(path), is_dir) : NULL;
}

static void
put_error(CFErrorRef *err, CFErrorRef e)
{
	if (err != NULL)
		*err = e;
	else if (e != NULL)
		CFRelease(e);
}

/* Picks the layout and the Info.plist path (malloc'd, NULL if absent). */
static char *
locate_info_plist(struct __CFBundle *b, char **expected)
{
	char *contents = find_entry(b->path, "Contents");
	char *resources = contents == NULL ? find_entry(b->path, "Resources") : NULL;
	char *support = contents == NULL && resources == NULL ?
	    find_entry(b->path, "Support Files") : NULL;
	const char *dir;
	const char *base = strrchr(b->path, '/');

	base = base != NULL ? base + 1 : b->path;
	if (contents != NULL) {
		b->layout = LAYOUT_MODERN;
		b->support = contents;
		dir = contents;
	} else if (resources != NULL) {
		b->layout = LAYOUT_OLD;
		b->support = strdup(b->path);
		dir = resources;
	} else if (support != NULL) {
		b->layout = LAYOUT_OBSOLETE;
		b->support = support;
		dir = support;
	} else {
		b->layout = LAYOUT_FLAT;
		b->support = strdup(b->path);
		dir = b->path;
		/* never form a bundle from another bundle's insides */
		if (strcasecmp(base, "Contents") == 0 || strcasecmp(base, "Resources") == 0 ||
		    strcasecmp(base, "Support Files") == 0) {
			*expected = NULL;
			free(resources);
			return NULL;
		}
	}
	*expected = join(dir, "Info.plist");
	{
		char *plist = find_entry(dir, "Info.plist");

		free(resources);
		if (plist != NULL && !is_kind(plist, S_IFREG)) {
			free(plist);
			plist = NULL;
		}
		return plist;
	}
}

CFBundleRef
CFLiteBundleCreate(CFURLRef bundleURL, CFErrorRef *err)
{
	struct __CFBundle *b;
	char *plist = NULL, *expected = NULL;
	CFPropertyListRef info;
	CFErrorRef perr = NULL;
	struct stat st;
	int e;

	if (err != NULL)
		*err = NULL;
	if (!cflite_is(bundleURL, CF_TID_URL)) {
		put_error(err, cflite_error_create_msg(kCFErrorDomainPOSIX, EINVAL,
		    "(bundle URL missing)"));
		return NULL;
	}
	b = cflite_object_alloc(CF_TID_BUNDLE, sizeof(*b), false);
	if (b == NULL || (b->path = cflite_url_copy_abs_path(bundleURL)) == NULL) {
		if (b != NULL)
			CFRelease(b);
		put_error(err, cflite_error_create_msg(kCFErrorDomainPOSIX, ENOMEM, "out of memory"));
		return NULL;
	}
	e = stat(b->path, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (e != 0) {
		put_error(err, cflite_error_create_msg(kCFErrorDomainPOSIX, e, "%s: %s", b->path,
		    strerror(e)));
		CFRelease(b);
		return NULL;
	}
	plist = locate_info_plist(b, &expected);
	if (plist == NULL) {
		if (expected != NULL)
			put_error(err, cflite_error_create_msg(kCFErrorDomainPOSIX, ENOENT,
			    "%s: no Info.plist (looked for %s)", b->path, expected));
		else
			put_error(err, cflite_error_create_msg(kCFErrorDomainPOSIX, ENOENT,
			    "%s: no Info.plist (a flat bundle cannot be named Contents, "
			    "Resources or Support Files)", b->path));
		free(expected);
		CFRelease(b);
		return NULL;
	}
	free(expected);
	info = CFLitePropertyListCreateFromPath(plist, kCFPropertyListImmutable, NULL, &perr);
	if (info != NULL && !cflite_is(info, CF_TID_DICTIONARY)) {
		CFStringRef kind = CFCopyTypeIDDescription(CFGetTypeID(info));

		perr = cflite_error_create_msg(kCFErrorDomainCocoa, kCFPropertyListReadCorruptError,
		    "%s: the top level is a %s, expected a dictionary", plist,
		    kind != NULL ? cflite_str_bytes(kind) : "value");
		if (kind != NULL)
			CFRelease(kind);
		CFRelease(info);
		info = NULL;
	}
	if (info == NULL) {
		put_error(err, perr);
		free(plist);
		CFRelease(b);
		return NULL;
	}
	b->info = info;
	b->info_url = url_for(plist, false);
	b->url = url_for(b->path, true);
	free(plist);
	if (b->info_url == NULL || b->url == NULL || b->support == NULL) {
		put_error(err, cflite_error_create_msg(kCFErrorDomainPOSIX, ENOMEM, "out of memory"));
		CFRelease(b);
		return NULL;
	}
	return b;
}

CFBundleRef
CFBundleCreate(CFAllocatorRef allocator, CFURLRef bundleURL)
{
	(void)allocator;
	return CFLiteBundleCreate(bundleURL, NULL);
}

static bool
is_bundle(CFBundleRef b)
{
	return cflite_is(b, CF_TID_BUNDLE);
}

CFURLRef
CFLiteBundleCopyInfoPlistURL(CFBundleRef bundle)
{
	return is_bundle(bundle) ? CFRetain(bundle->info_url) : NULL;
}

CFURLRef
CFBundleCopyBundleURL(CFBundleRef bundle)
{
	return is_bundle(bundle) ? CFRetain(bundle->url) : NULL;
}

CFDictionaryRef
CFBundleGetInfoDictionary(CFBundleRef bundle)
{
	return is_bundle(bundle) ? bundle->info : NULL;
}

CFTypeRef
CFBundleGetValueForInfoDictionaryKey(CFBundleRef bundle, CFStringRef key)
{
	return is_bundle(bundle) ? CFDictionaryGetValue(bundle->info, key) : NULL;
}

CFStringRef
CFBundleGetIdentifier(CFBundleRef bundle)
{
	CFTypeRef id = CFBundleGetValueForInfoDictionaryKey(bundle, kCFBundleIdentifierKey);

	return cflite_is(id, CF_TID_STRING) ? id : NULL;
}

/* "MM.m.b" then an optional stage letter and release number; 0 if malformed. */
static UInt32
parse_vers(const char *s)
{
	unsigned major = 0, minor = 0, bug = 0, stage = 0x80, rev = 0;
	int nd = 0;

	for (; *s >= '0' && *s <= '9'; s++, nd++)
		major = major * 10 + (unsigned)(*s - '0');
	if (nd == 0 || nd > 2)
		return 0;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9' || (s[2] >= '0' && s[2] <= '9'))
			return 0;
		minor = (unsigned)(s[1] - '0');
		s += 2;
		if (*s == '.') {
			if (s[1] < '0' || s[1] > '9' || (s[2] >= '0' && s[2] <= '9'))
				return 0;
			bug = (unsigned)(s[1] - '0');
			s += 2;
		}
	}
	if (*s != '\0') {
		switch (*s++) {
		case 'd': stage = 0x20; break;
		case 'a': stage = 0x40; break;
		case 'b': stage = 0x60; break;
		case 'f': stage = 0x80; break;
		default: return 0;
		}
		for (nd = 0; *s >= '0' && *s <= '9'; s++, nd++)
			rev = rev * 10 + (unsigned)(*s - '0');
		if (nd == 0 || nd > 3 || rev > 255 || *s != '\0')
			return 0;
	}
	return (UInt32)((major / 10) << 28 | (major % 10) << 24 | minor << 20 | bug << 16 |
	    stage << 8 | rev);
}

UInt32
CFBundleGetVersionNumber(CFBundleRef bundle)
{
	CFTypeRef v = CFBundleGetValueForInfoDictionaryKey(bundle, kCFBundleVersionKey);
	SInt32 n = 0;

	if (cflite_is(v, CF_TID_NUMBER)) {
		CFNumberGetValue(v, kCFNumberSInt32Type, &n);
		return (UInt32)n;
	}
	return cflite_is(v, CF_TID_STRING) ? parse_vers(cflite_str_bytes(v)) : 0;
}

static UInt32
four_cc(CFTypeRef v)
{
	const unsigned char *p;

	if (!cflite_is(v, CF_TID_STRING) || cflite_str_nbytes(v) != 4)
		return 0x3f3f3f3f;	/* '????' */
	p = (const unsigned char *)cflite_str_bytes(v);
	return (UInt32)p[0] << 24 | (UInt32)p[1] << 16 | (UInt32)p[2] << 8 | p[3];
}

void
CFBundleGetPackageInfo(CFBundleRef bundle, UInt32 *packageType, UInt32 *packageCreator)
{
	if (packageType != NULL)
		*packageType = four_cc(CFBundleGetValueForInfoDictionaryKey(bundle,
		    CFSTR("CFBundlePackageType")));
	if (packageCreator != NULL)
		*packageCreator = four_cc(CFBundleGetValueForInfoDictionaryKey(bundle,
		    CFSTR("CFBundleSignature")));
}

/* The first existing regular file among dir/sub/name (sub may be NULL). */
static char *
try_executable(const char *dir, const char *sub, const char *name)
{
	char *d = sub != NULL ? join(dir, sub) : strdup(dir);
	char *p = d != NULL ? join(d, name) : NULL;

	free(d);
	if (p != NULL && is_kind(p, S_IFREG))
		return p;
	free(p);
	return NULL;
}

CFURLRef
CFBundleCopyExecutableURL(CFBundleRef bundle)
{
	CFTypeRef v = CFBundleGetValueForInfoDictionaryKey(bundle, kCFBundleExecutableKey);
	const char *name;
	char *p = NULL, *ex = NULL;
	CFURLRef u;

	if (!cflite_is(v, CF_TID_STRING) || cflite_str_nbytes(v) == 0)
		return NULL;
	name = cflite_str_bytes(v);
	if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return NULL;	/* a name, not a path out of the bundle */
	switch (bundle->layout) {
	case LAYOUT_MODERN:
		p = try_executable(bundle->support, "MacOS", name);
		if (p == NULL)
			p = try_executable(bundle->support, NULL, name);
		break;
	case LAYOUT_OBSOLETE:
		ex = join(bundle->support, "Executables");
		if (ex != NULL) {
			p = try_executable(ex, "MacOS", name);
			if (p == NULL)
				p = try_executable(ex, NULL, name);
		}
		free(ex);
		break;
	case LAYOUT_FLAT:
		p = try_executable(bundle->path, "MacOS", name);
		break;
	case LAYOUT_OLD:
		break;
	}
	if (p == NULL)
		p = try_executable(bundle->path, NULL, name);	/* last resort, every layout */
	u = url_for(p, false);
	free(p);
	return u;
}

static CFURLRef
copy_dir_url(const char *dir, const char *name)
{
	char *found = find_entry(dir, name), *p;
	CFURLRef u;

	p = found != NULL ? found : join(dir, name);
	u = url_for(p, true);
	free(p);
	return u;
}

CFURLRef
CFBundleCopySupportFilesDirectoryURL(CFBundleRef bundle)
{
	return is_bundle(bundle) ? url_for(bundle->support, true) : NULL;
}

CFURLRef
CFBundleCopyResourcesDirectoryURL(CFBundleRef bundle)
{
	if (!is_bundle(bundle))
		return NULL;
	if (bundle->layout == LAYOUT_FLAT)
		return CFRetain(bundle->url);	/* a flat bundle's resources are at the top */
	return copy_dir_url(bundle->support, "Resources");
}

CFURLRef
CFBundleCopyBuiltInPlugInsURL(CFBundleRef bundle)
{
	char *alt;
	CFURLRef u;

	if (!is_bundle(bundle))
		return NULL;
	alt = join(bundle->support, "PlugIns");
	if (alt != NULL && !is_kind(alt, S_IFDIR)) {
		/* CFBundle also honors "Plug-ins" when "PlugIns" does not exist */
		char *old = join(bundle->support, "Plug-ins");

		if (old != NULL && is_kind(old, S_IFDIR)) {
			u = url_for(old, true);
			free(old);
			free(alt);
			return u;
		}
		free(old);
	}
	u = url_for(alt, true);
	free(alt);
	return u;
}

CFDictionaryRef
CFBundleCopyInfoDictionaryInDirectory(CFURLRef bundleURL)
{
	CFBundleRef b = CFLiteBundleCreate(bundleURL, NULL);
	CFDictionaryRef info;

	if (b == NULL)
		return NULL;
	info = CFRetain(b->info);
	CFRelease(b);
	return info;
}

static void
bundle_finalize(CFTypeRef cf)
{
	struct __CFBundle *b = (struct __CFBundle *)(uintptr_t)cf;

	if (b->url != NULL)
		CFRelease(b->url);
	if (b->info_url != NULL)
		CFRelease(b->info_url);
	if (b->info != NULL)
		CFRelease(b->info);
	free(b->path);
	free(b->support);
}

static Boolean
bundle_equal(CFTypeRef x, CFTypeRef y)
{
	return strcmp(((CFBundleRef)(uintptr_t)x)->path, ((CFBundleRef)(uintptr_t)y)->path) == 0;
}

static CFHashCode
bundle_hash(CFTypeRef cf)
{
	return CFHash(((CFBundleRef)(uintptr_t)cf)->url);
}

static void
bundle_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	(void)indent;
	cflite_buf_printf(out, "CFBundle <%s> (not loaded)", ((CFBundleRef)(uintptr_t)cf)->path);
}

const struct cflite_class cflite_bundle_class = {
	.name = "CFBundle",
	.finalize = bundle_finalize,
	.equal = bundle_equal,
	.hash = bundle_hash,
	.describe = bundle_describe,
};
