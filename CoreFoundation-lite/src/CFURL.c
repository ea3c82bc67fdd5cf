/*
 * CFURL for file-system paths.  A URL holds a normalized POSIX path (no
 * repeated or trailing slashes, except the root "/"), a directory flag and,
 * for a relative path, a base URL: the current directory at creation.
 */
#include "cflite_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct __CFURL {
	CFRuntimeBase base;
	char *path;		/* normalized, NUL-terminated */
	size_t len;
	bool is_dir;
	CFURLRef base_url;	/* absolute directory URL, for relative paths */
	CFStringRef string;	/* CFURLGetString result */
};

CFTypeID
CFURLGetTypeID(void)
{
	return CF_TID_URL;
}

static bool
is_url(CFURLRef u)
{
	return cflite_is(u, CF_TID_URL);
}

/* Collapses "//" and drops a trailing "/" (keeping "/"); malloc'd. */
static char *
normalize(const char *p, size_t n, size_t *outlen)
{
	char *out = malloc(n + 1);
	size_t k = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '/' && k > 0 && out[k - 1] == '/')
			continue;
		out[k++] = p[i];
	}
	if (k > 1 && out[k - 1] == '/')
		k--;
	out[k] = '\0';
	*outlen = k;
	return out;
}

/* Unreserved and sub-delimiter characters stay; everything else is %XX. */
static void
escape_path(struct cflite_buf *b, const char *p, size_t n)
{
	static const char keep[] = "-._~!$&'()*+,;=:@/";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c != '\0' && strchr(keep, c) != NULL))
			cflite_buf_addc(b, (char)c);
		else
			cflite_buf_printf(b, "%%%02X", c);
	}
}

static CFStringRef
make_string(const struct __CFURL *u)
{
	struct cflite_buf b = { 0 };

	if (u->path[0] == '/')
		cflite_buf_adds(&b, "file://");
	escape_path(&b, u->path, u->len);
	if (u->is_dir && strcmp(u->path, "/") != 0)
		cflite_buf_addc(&b, '/');
	return cflite_buf_take_string(&b);
}

/* The current directory as a URL, or NULL if it cannot be determined. */
static CFURLRef create_cwd_url(void);

/* Creates a URL; a relative path gets base (retained) or the current directory. */
static CFURLRef
create(const char *p, size_t n, bool is_dir, CFURLRef base)
{
	struct __CFURL *u;

	if (n == 0 || memchr(p, '\0', n) != NULL)
		return NULL;
	if (p[n - 1] == '/')
		is_dir = true;
	u = cflite_object_alloc(CF_TID_URL, sizeof(*u), false);
	if (u == NULL)
		return NULL;
	u->path = normalize(p, n, &u->len);
	u->is_dir = is_dir || strcmp(u->path != NULL ? u->path : "", "/") == 0;
	if (u->path != NULL && u->path[0] != '/')
		u->base_url = base != NULL ? CFRetain(base) : create_cwd_url();
	u->string = u->path != NULL ? make_string(u) : NULL;
	if (u->string == NULL) {
		CFRelease(u);
		return NULL;
	}
	return u;
}

static CFURLRef
create_cwd_url(void)
{
	char *cwd = getcwd(NULL, 0);	/* malloc'd on glibc and FreeBSD */
	CFURLRef u = NULL;

	if (cwd != NULL && cwd[0] == '/')
		u = create(cwd, strlen(cwd), true, NULL);
	free(cwd);
	return u;
}

CFURLRef
cflite_url_create_path(const char *path, size_t n, bool is_dir)
{
	return create(path, n, is_dir, NULL);
}

CFURLRef
CFURLCreateWithFileSystemPathRelativeToBase(CFAllocatorRef allocator, CFStringRef filePath,
    CFURLPathStyle pathStyle, Boolean isDirectory, CFURLRef baseURL)
{
	(void)allocator;
	if (!cflite_is(filePath, CF_TID_STRING) || pathStyle != kCFURLPOSIXPathStyle ||
	    (baseURL != NULL && !is_url(baseURL)))
		return NULL;
	if (baseURL != NULL && baseURL->base_url != NULL) {
		/* resolve a relative base first, so every base is absolute */
		CFURLRef abs = CFURLCopyAbsoluteURL(baseURL), u;

		u = abs != NULL ? create(cflite_str_bytes(filePath), cflite_str_nbytes(filePath),
		    isDirectory, abs) : NULL;
		if (abs != NULL)
			CFRelease(abs);
		return u;
	}
	return create(cflite_str_bytes(filePath), cflite_str_nbytes(filePath), isDirectory, baseURL);
}

CFURLRef
CFURLCreateWithFileSystemPath(CFAllocatorRef allocator, CFStringRef filePath,
    CFURLPathStyle pathStyle, Boolean isDirectory)
{
	return CFURLCreateWithFileSystemPathRelativeToBase(allocator, filePath, pathStyle,
	    isDirectory, NULL);
}

CFURLRef
CFURLCreateFromFileSystemRepresentation(CFAllocatorRef allocator, const UInt8 *buffer,
    CFIndex bufLen, Boolean isDirectory)
{
	(void)allocator;
	if (buffer == NULL || bufLen <= 0)
		return NULL;
	return create((const char *)buffer, (size_t)bufLen, isDirectory, NULL);
}

/* Start of the last component of a normalized path. */
static size_t
last_component(const struct __CFURL *u)
{
	const char *slash;

	if (strcmp(u->path, "/") == 0)
		return 0;
	slash = strrchr(u->path, '/');
	return slash != NULL ? (size_t)(slash - u->path) + 1 : 0;
}

/* A sibling URL with a new path (same base). */
static CFURLRef
derive(CFURLRef url, const char *p, size_t n, bool is_dir)
{
	return create(p, n, is_dir, url->base_url);
}

CFURLRef
CFURLCreateCopyAppendingPathComponent(CFAllocatorRef allocator, CFURLRef url,
    CFStringRef pathComponent, Boolean isDirectory)
{
	struct cflite_buf b = { 0 };
	CFURLRef u = NULL;

	(void)allocator;
	if (!is_url(url) || !cflite_is(pathComponent, CF_TID_STRING))
		return NULL;
	cflite_buf_add(&b, url->path, url->len);
	cflite_buf_addc(&b, '/');
	cflite_buf_add(&b, cflite_str_bytes(pathComponent), cflite_str_nbytes(pathComponent));
	if (!b.failed)
		u = derive(url, b.p, b.len, isDirectory);
	cflite_buf_free(&b);
	return u;
}

CFURLRef
CFURLCreateCopyDeletingLastPathComponent(CFAllocatorRef allocator, CFURLRef url)
{
	struct cflite_buf b = { 0 };
	CFURLRef u = NULL;
	size_t last;

	(void)allocator;
	if (!is_url(url))
		return NULL;
	last = last_component(url);
	if (strcmp(url->path, "/") == 0)
		cflite_buf_addc(&b, '/');
	else if (strcmp(url->path + last, "..") == 0 || strcmp(url->path + last, ".") == 0) {
		/* "a/.." -> "a/../..": going up means adding, not removing */
		cflite_buf_add(&b, url->path, last);
		cflite_buf_adds(&b, strcmp(url->path + last, "..") == 0 ? "../.." : "..");
	} else if (last == 0)
		cflite_buf_addc(&b, '.');		/* "foo" -> "." */
	else if (last == 1)
		cflite_buf_addc(&b, '/');		/* "/foo" -> "/" */
	else
		cflite_buf_add(&b, url->path, last - 1);
	if (!b.failed)
		u = derive(url, b.p, b.len, true);
	cflite_buf_free(&b);
	return u;
}

/* Offset of the '.' starting the extension of the last component, or 0. */
static size_t
extension_dot(const struct __CFURL *u)
{
	size_t last = last_component(u);
	const char *dot = strrchr(u->path + last, '.');

	/* ".profile" has no extension; "foo." neither */
	if (dot == NULL || dot == u->path + last || dot[1] == '\0')
		return 0;
	return (size_t)(dot - u->path);
}

CFURLRef
CFURLCreateCopyAppendingPathExtension(CFAllocatorRef allocator, CFURLRef url,
    CFStringRef extension)
{
	struct cflite_buf b = { 0 };
	CFURLRef u = NULL;

	(void)allocator;
	if (!is_url(url) || !cflite_is(extension, CF_TID_STRING) || strcmp(url->path, "/") == 0)
		return NULL;
	cflite_buf_add(&b, url->path, url->len);
	cflite_buf_addc(&b, '.');
	cflite_buf_add(&b, cflite_str_bytes(extension), cflite_str_nbytes(extension));
	if (!b.failed)
		u = derive(url, b.p, b.len, url->is_dir);
	cflite_buf_free(&b);
	return u;
}

CFURLRef
CFURLCreateCopyDeletingPathExtension(CFAllocatorRef allocator, CFURLRef url)
{
	size_t dot;

	(void)allocator;
	if (!is_url(url))
		return NULL;
	dot = extension_dot(url);
	if (dot == 0)
		return CFRetain(url);
	return derive(url, url->path, dot, url->is_dir);
}

char *
cflite_url_copy_abs_path(CFURLRef url)
{
	struct cflite_buf b = { 0 };

	if (url->base_url != NULL && url->path[0] != '/') {
		cflite_buf_add(&b, url->base_url->path, url->base_url->len);
		if (strcmp(url->base_url->path, "/") != 0)
			cflite_buf_addc(&b, '/');
	}
	cflite_buf_add(&b, url->path, url->len);
	return cflite_buf_take(&b);
}

CFURLRef
CFURLCopyAbsoluteURL(CFURLRef relativeURL)
{
	char *abs;
	CFURLRef u;

	if (!is_url(relativeURL))
		return NULL;
	if (relativeURL->base_url == NULL)
		return CFRetain(relativeURL);
	abs = cflite_url_copy_abs_path(relativeURL);
	u = abs != NULL ? create(abs, strlen(abs), relativeURL->is_dir, NULL) : NULL;
	free(abs);
	return u;
}

Boolean
CFURLGetFileSystemRepresentation(CFURLRef url, Boolean resolveAgainstBase, UInt8 *buffer,
    CFIndex maxBufLen)
{
	char *abs;
	size_t n;
	bool ok = false;

	if (!is_url(url) || buffer == NULL || maxBufLen <= 0)
		return false;
	abs = resolveAgainstBase ? cflite_url_copy_abs_path(url) : strdup(url->path);
	if (abs == NULL)
		return false;
	n = strlen(abs);
	if (n < (size_t)maxBufLen) {
		memcpy(buffer, abs, n + 1);
		ok = true;
	}
	free(abs);
	return ok;
}

CFStringRef
CFURLCopyFileSystemPath(CFURLRef anURL, CFURLPathStyle pathStyle)
{
	if (!is_url(anURL) || pathStyle != kCFURLPOSIXPathStyle)
		return NULL;
	return cflite_string_create_utf8(anURL->path, anURL->len, false);
}

CFStringRef
CFURLGetString(CFURLRef anURL)
{
	return is_url(anURL) ? anURL->string : NULL;
}

CFURLRef
CFURLGetBaseURL(CFURLRef anURL)
{
	return is_url(anURL) ? anURL->base_url : NULL;
}

CFStringRef
CFURLCopyPathExtension(CFURLRef url)
{
	size_t dot;

	if (!is_url(url))
		return NULL;
	dot = extension_dot(url);
	if (dot == 0)
		return NULL;
	return cflite_string_create_utf8(url->path + dot + 1, url->len - dot - 1, false);
}

CFStringRef
CFURLCopyLastPathComponent(CFURLRef url)
{
	size_t last;

	if (!is_url(url))
		return NULL;
	last = last_component(url);
	return cflite_string_create_utf8(url->path + last, url->len - last, false);
}

Boolean
CFURLHasDirectoryPath(CFURLRef anURL)
{
	return is_url(anURL) && anURL->is_dir;
}

static void
url_finalize(CFTypeRef cf)
{
	struct __CFURL *u = (struct __CFURL *)(uintptr_t)cf;

	free(u->path);
	if (u->base_url != NULL)
		CFRelease(u->base_url);
	if (u->string != NULL)
		CFRelease(u->string);
}

static Boolean
url_equal(CFTypeRef x, CFTypeRef y)
{
	CFURLRef a = x, b = y;

	if (a->is_dir != b->is_dir || strcmp(a->path, b->path) != 0)
		return false;
	return a->base_url == b->base_url ||
	    (a->base_url != NULL && b->base_url != NULL && CFEqual(a->base_url, b->base_url));
}

static CFHashCode
url_hash(CFTypeRef cf)
{
	return CFHash(((CFURLRef)cf)->string);
}

static void
url_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	CFURLRef u = cf;

	(void)indent;
	cflite_buf_add(out, cflite_str_bytes(u->string), cflite_str_nbytes(u->string));
	if (u->base_url != NULL) {
		cflite_buf_adds(out, " -- ");
		cflite_buf_add(out, cflite_str_bytes(u->base_url->string),
		    cflite_str_nbytes(u->base_url->string));
	}
}

const struct cflite_class cflite_url_class = {
	.name = "CFURL",
	.finalize = url_finalize,
	.equal = url_equal,
	.hash = url_hash,
	.describe = url_describe,
};
