/*
 * Opening kext bundles: the canonical path, the layout (spec §1.3), a bounded
 * read of Info.plist whose errors name the file and line, then validation
 * (bundle_validate.c). Also the bundle's accessors.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "kext/fs.h"
#include "kext/sort.h"
#include "kext/text.h"

static _Atomic unsigned long plist_reads;

unsigned long
kext_info_plist_reads(void)
{
	return atomic_load(&plist_reads);
}

/* Does the last path component end in ".kext" with a name before it? */
bool
kext_has_kext_extension(const char *path)
{
	size_t len = strlen(path), start;

	while (len > 1 && path[len - 1] == '/')
		len--;
	start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	return len - start > 5 && memcmp(path + len - 5, ".kext", 5) == 0;
}

/* Some component before the last one ends in ".kext": the bundle is a plugin. */
bool
kext_path_is_plugin(const char *path)
{
	const char *p = path, *slash;

	while ((slash = strchr(p, '/')) != NULL) {
		if (slash - p > 5 && memcmp(slash - 5, ".kext", 5) == 0 &&
		    slash[1] != '\0')
			return true;
		p = slash + 1;
	}
	return false;
}

/*
 * CFBundle's rule: a "Contents" entry makes a modern bundle, else
 * "Resources" an old-style one, else "Support Files" an obsolete one, else
 * the bundle is flat; names match case-insensitively.
 */
static int
find_layout(struct kext_bundle *b, kext_error *err)
{
	static const struct {
		const char *name;
		enum kext_layout layout;
	} order[] = {
		{ "Contents", KEXT_LAYOUT_MODERN },
		{ "Resources", KEXT_LAYOUT_OLD },
		{ "Support Files", KEXT_LAYOUT_OBSOLETE },
	};
	char found[3][NAME_MAX + 1] = { "", "", "" };
	struct stat st;
	struct dirent *de;
	char *p;
	DIR *dir;
	size_t i;

	/*
	 * The common case without listing the directory: a plain Contents
	 * folder opens without following a link, and what is inside it is
	 * then looked up from it (a short look-up, and the folder looked at).
	 */
	p = kext_strdupf("%s/Contents", b->path);
	if (p == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", b->path);
	if ((b->support_fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		b->layout = KEXT_LAYOUT_MODERN;
		b->support_dir = p;
		b->support_plain = true;
		return 0;
	}
	if (lstat(p, &st) == 0) {
		b->layout = KEXT_LAYOUT_MODERN;
		b->support_dir = p;
		b->support_plain = S_ISDIR(st.st_mode);
		return 0;
	}
	free(p);

	dir = opendir(b->path);
	if (dir == NULL)
		return kext_fail(err, errno, "%s: can't list the bundle: %s",
		    b->path, strerror(errno));
	while ((de = readdir(dir)) != NULL) {
		for (i = 0; i < 3; i++) {
			if (found[i][0] == '\0' &&
			    strcasecmp(de->d_name, order[i].name) == 0)
				strlcpy(found[i], de->d_name, sizeof(found[i]));
		}
	}
	closedir(dir);
	for (i = 0; i < 3; i++) {
		if (found[i][0] != '\0') {
			b->layout = order[i].layout;
			b->support_dir = kext_strdupf("%s/%s", b->path, found[i]);
			break;
		}
	}
	if (i == 3) {
		b->layout = KEXT_LAYOUT_FLAT;
		b->support_dir = strdup(b->path);
	}
	if (b->support_dir == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", b->path);
	return 0;
}

/*
 * Reads the whole (regular, bounded) file, open at fd already when fd >= 0
 * (this closes it); st describes what was read.
 */
static int
read_file(const char *path, int fd, char **out, size_t *outlen, struct stat *stp,
    kext_error *err)
{
	struct stat st;
	size_t cap, len = 0;
	ssize_t n;
	char *buf;

	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);	/* a FIFO must not block */
	if (fd < 0)
		return kext_fail(err, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		kext_fail(err, errno, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return kext_fail(err, EINVAL, "%s: not a regular file", path);
	}
	if (st.st_size > (off_t)KEXT_INFO_PLIST_MAX) {
		close(fd);
		return kext_fail(err, EFBIG, "%s: %lld bytes, more than the %u allowed",
		    path, (long long)st.st_size, KEXT_INFO_PLIST_MAX);
	}
	*stp = st;
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		close(fd);
		return kext_fail(err, ENOMEM, "%s: out of memory", path);
	}
	/*
	 * Read to EOF: the file may have grown since fstat. A short read that
	 * reached the size fstat gave is the end (no second read to learn it).
	 */
	for (;;) {
		if (len == cap) {
			char *nbuf;

			if (cap > KEXT_INFO_PLIST_MAX) {
				free(buf);
				close(fd);
				return kext_fail(err, EFBIG,
				    "%s: more than the %u bytes allowed", path,
				    KEXT_INFO_PLIST_MAX);
			}
			nbuf = realloc(buf, cap * 2);
			if (nbuf == NULL) {
				free(buf);
				close(fd);
				return kext_fail(err, ENOMEM, "%s: out of memory", path);
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kext_fail(err, errno, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len < cap && len >= (size_t)st.st_size)
			break;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
}

/* Parses Info.plist's bytes: XML only (like IOCFUnserialize), a <dict> at the top. */
int
kext_bundle_parse_info(struct kext_bundle *b, const void *buf, size_t len, kext_error *err)
{
	CFPropertyListFormat fmt = 0;
	CFErrorRef cferr = NULL;
	CFPropertyListRef plist;
	CFDataRef data;
	char *why;

	atomic_fetch_add(&plist_reads, 1);
	data = CFDataCreateWithBytesNoCopy(NULL, (const UInt8 *)buf, (CFIndex)len,
	    kCFAllocatorNull);
	if (data == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", b->plist_path);
	plist = CFPropertyListCreateWithData(NULL, data, kCFPropertyListImmutable,
	    &fmt, &cferr);
	CFRelease(data);
	if (plist == NULL) {
		CFStringRef desc = cferr != NULL ? CFErrorCopyDescription(cferr) : NULL;

		why = desc != NULL ? kext_cf_string_copy(desc) : NULL;
		kext_fail(err, EINVAL, "%s: can't parse the property list: %s",
		    b->plist_path, why != NULL ? why : "unknown error");
		free(why);
		if (desc != NULL)
			CFRelease(desc);
		if (cferr != NULL)
			CFRelease(cferr);
		return -1;
	}
	if (fmt != kCFPropertyListXMLFormat_v1_0) {
		CFRelease(plist);
		return kext_fail(err, EINVAL,
		    "%s: not an XML property list (kexts need XML; binary and "
		    "other formats are refused)", b->plist_path);
	}
	if (CFGetTypeID(plist) != CFDictionaryGetTypeID()) {
		kext_fail(err, EINVAL, "%s: the top level is %s, expected <dict>",
		    b->plist_path, kext_cf_type_name(plist));
		CFRelease(plist);
		return -1;
	}
	b->info = plist;
	return 0;
}

/* Reads and parses Info.plist, unless the cache had it (b->info set). */
static int
read_info_plist(struct kext_bundle *b, int fd, kext_error *err)
{
	struct stat st;
	size_t len = 0;
	char *buf = NULL;
	int rc;

	if (b->info != NULL)
		return 0;
	b->read_time_ns = kext_now_ns();
	if (read_file(b->plist_path, fd, &buf, &len, &st, err) != 0)
		return -1;
	kext_file_stamp_from_stat(&b->plist_stamp, &st);
	rc = kext_bundle_parse_info(b, buf, len, err);
	free(buf);
	if (rc == 0)
		bundle_info_cache_put(b->plist_path, &st, b->read_time_ns, b->info);
	return rc;
}

/*
 * The parsed Info.plist kept for the file as it is now, in a plain Contents
 * folder (what is there without following a link is inside); false when none.
 */
static bool
cached_info_plist(struct kext_bundle *b)
{
	struct stat st;

	if (!bundle_info_cache_on() || (b->support_fd >= 0 ?
	    fstatat(b->support_fd, "Info.plist", &st, AT_SYMLINK_NOFOLLOW) :
	    lstat(b->plist_path, &st)) != 0 || !S_ISREG(st.st_mode))
		return false;
	b->read_time_ns = kext_now_ns();
	if ((b->info = bundle_info_cache_get(b->plist_path, &st)) == NULL)
		return false;
	kext_file_stamp_from_stat(&b->plist_stamp, &st);
	return true;
}

/* *fd: Info.plist opened on the way (-1: not opened yet). */
static int
locate_info_plist(struct kext_bundle *b, int *fd, kext_error *err)
{
	struct stat st;
	char *real;

	*fd = -1;

	if (b->layout == KEXT_LAYOUT_FLAT)
		b->plist_path = kext_strdupf("%s/Info.plist", b->path);
	else
		b->plist_path = kext_strdupf("%s/Info.plist", b->support_dir);
	if (b->plist_path == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", b->path);
	/*
	 * In a plain Contents folder, what opens without following a link is
	 * inside: opened here, no resolving (a FIFO must not block).
	 */
	if (b->support_plain && cached_info_plist(b))
		return 0;
	if (b->support_plain && (*fd = b->support_fd >= 0 ?
	    openat(b->support_fd, "Info.plist", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW) :
	    open(b->plist_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)) >= 0)
		return 0;
	if (stat(b->plist_path, &st) != 0)
		return kext_fail(err, errno, "%s: no Info.plist: %s: %s", b->path,
		    b->plist_path, strerror(errno));
	/* A symbolic link (to it or to Contents) must not lead out of the bundle. */
	if (kext_path_inside(b->path, b->plist_path, &real) != 0) {
		kext_fail(err, EXDEV, "%s: Info.plist %s leads to %s, outside the bundle; "
		    "refused", b->path, b->plist_path, real != NULL ? real : strerror(errno));
		free(real);
		return -1;
	}
	free(real);
	return 0;
}

char *
kext_bundle_plugins_dir(const struct kext_bundle *b)
{
	if (b->layout == KEXT_LAYOUT_MODERN || b->layout == KEXT_LAYOUT_OBSOLETE)
		return kext_strdupf("%s/PlugIns", b->support_dir);
	return kext_strdupf("%s/PlugIns", b->path);
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* opendir(3) of name in the folder open at dirfd (a link to a folder followed, as opendir does). */
static DIR *
open_dir_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	DIR *dir;

	if (fd < 0)
		return NULL;
	if ((dir = fdopendir(fd)) == NULL)
		close(fd);
	return dir;
}

/* The *.kext directly in PlugIns (one level; their own plugins are not scanned). */
static int
list_plugins(struct kext_bundle *b, kext_error *err)
{
	struct dirent *de;
	char *dirpath, *p, *real, **np;
	size_t cap = 0;
	DIR *dir;
	int rc = 0;

	dirpath = kext_bundle_plugins_dir(b);
	if (dirpath == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", b->path);
	dir = b->support_fd >= 0 && b->layout == KEXT_LAYOUT_MODERN ?
	    open_dir_at(b->support_fd, "PlugIns") : opendir(dirpath);
	if (dir == NULL) {
		free(dirpath);
		return 0;	/* no PlugIns folder */
	}
	while ((de = readdir(dir)) != NULL) {
		if (!kext_has_kext_extension(de->d_name))
			continue;
		p = kext_strdupf("%s/%s", dirpath, de->d_name);
		real = NULL;
		if (p != NULL && kext_path_inside(b->path, p, &real) != 0 && real != NULL) {
			/* a link leading out of the bundle is not one of its plug-ins */
			kext_diags_add(b->diags, KEXT_DIAG_WARNING, KEXT_DIAG_SYMLINK_OUTSIDE,
			    "%s - leads to %s, outside the bundle; not a plug-in", p, real);
			free(real);
			real = NULL;
		}
		free(p);
		if (real == NULL)
			continue;	/* vanished, dangling or outside: nothing to offer */
		if (b->nplugins == cap) {
			cap = cap != 0 ? cap * 2 : 4;
			np = reallocarray(b->plugins, cap, sizeof(*np));
			if (np == NULL) {
				free(real);
				rc = kext_fail(err, ENOMEM, "%s: out of memory", b->path);
				break;
			}
			b->plugins = np;
		}
		b->plugins[b->nplugins++] = real;
	}
	closedir(dir);
	free(dirpath);
	if (b->nplugins > 1)
		kext_sort(b->plugins, b->nplugins, sizeof(*b->plugins), compare_strings);
	return rc;
}

/* The checks every path gets before it is resolved. */
static int
check_path(const char *path, kext_error *err)
{
	if (path == NULL || *path == '\0')
		return kext_fail(err, EINVAL, "no kext path given");
	if (!kext_has_kext_extension(path))
		return kext_fail(err, EINVAL,
		    "%s: not a kext bundle (the name must end in \".kext\")", path);
	return 0;
}

int
kext_bundle_open(const char *path, struct kext_bundle **out, kext_error *err)
{
	char *real;

	*out = NULL;
	if (check_path(path, err) != 0)
		return -1;
	if ((real = realpath(path, NULL)) == NULL)
		return kext_fail(err, errno, "%s: %s", path, strerror(errno));
	return kext_bundle_open_real(path, real, out, err);
}

/*
 * path made canonical from dir down (realpath's answer, in fewer looks).
 * *folder: the one look taken showed a folder (dir/name, no link).
 */
static char *
canonical(const char *dir, const char *path, bool *folder)
{
	size_t n = strlen(dir);
	struct stat st;
	char *real;

	*folder = false;
	/* A folder's own entry: one lstat says it is a folder and no link. */
	if (n > 1 && strncmp(dir, path, n) == 0 && path[n] == '/' &&
	    strchr(path + n + 1, '/') == NULL && strcmp(path + n + 1, ".") != 0 &&
	    strcmp(path + n + 1, "..") != 0 && path[n + 1] != '\0' &&
	    lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		*folder = true;
		return strdup(path);
	}
	if (kext_path_inside(dir, path, &real) != 0 && real == NULL)
		return NULL;
	return real;	/* inside dir or not, it is where path leads */
}

/* The support folder is open only while the bundle is opened. */
static void
close_support_dir(struct kext_bundle *b)
{
	if (b->support_fd >= 0)
		close(b->support_fd);
	b->support_fd = -1;
}

/* Opens the bundle at real (canonical, taken over); folder: known to be one. */
static int
open_canonical(const char *path, char *real, bool folder, struct kext_bundle **out,
    kext_error *err)
{
	struct kext_bundle *b;
	struct stat st;
	int fd;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		free(real);
		return kext_fail(err, ENOMEM, "%s: out of memory", path);
	}
	b->refs = 1;
	b->exec_fd = b->support_fd = -1;
	b->path = real;
	if (!folder && (stat(b->path, &st) != 0 || !S_ISDIR(st.st_mode))) {
		kext_fail(err, ENOTDIR, "%s: not a directory", path);
		goto fail;
	}
	b->diags = kext_diags_new(b->path);
	if (b->diags == NULL) {
		kext_fail(err, ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	b->plugin = kext_path_is_plugin(b->path);
	if (find_layout(b, err) != 0 || locate_info_plist(b, &fd, err) != 0 ||
	    read_info_plist(b, fd, err) != 0)
		goto fail;
	kext_bundle_validate(b);
	if (list_plugins(b, err) != 0)
		goto fail;
	close_support_dir(b);
	*out = b;
	return 0;
fail:
	kext_bundle_release(b);
	return -1;
}

int
kext_bundle_open_in(const char *dir, const char *path, struct kext_bundle **out,
    kext_error *err)
{
	bool folder;
	char *real;

	*out = NULL;
	if (check_path(path, err) != 0)
		return -1;
	if ((real = canonical(dir, path, &folder)) == NULL)
		return kext_fail(err, errno, "%s: %s", path, strerror(errno));
	return open_canonical(path, real, folder, out, err);
}

int
kext_bundle_open_real(const char *path, char *real, struct kext_bundle **out,
    kext_error *err)
{
	return open_canonical(path, real, false, out, err);
}

struct kext_bundle *
kext_bundle_retain(struct kext_bundle *b)
{
	if (b != NULL)
		b->refs++;
	return b;
}

void
kext_bundle_release(struct kext_bundle *b)
{
	size_t i;

	if (b == NULL || --b->refs > 0)
		return;
	kext_bundle_drop_executable(b);
	close_support_dir(b);
	if (b->info != NULL)
		CFRelease(b->info);
	if (b->cfbundle != NULL)
		CFRelease(b->cfbundle);
	for (i = 0; i < b->nlibraries; i++) {
		free((char *)b->libraries[i].identifier);
		free((char *)b->libraries[i].version_string);
	}
	free(b->libraries);
	for (i = 0; i < b->nplugins; i++)
		free(b->plugins[i]);
	free(b->plugins);
	kext_diags_free(b->diags);
	free(b->identifier);
	free(b->version_string);
	free(b->compat_string);
	free(b->executable_name);
	free(b->executable_path);
	free(b->required);
	free(b->plist_path);
	free(b->support_dir);
	free(b->path);
	free(b);
}

const char *
kext_bundle_path(const struct kext_bundle *b)
{
	return b->path;
}

const struct kext_file_stamp *
kext_bundle_info_plist_stamp(const struct kext_bundle *b)
{
	return &b->plist_stamp;
}

int64_t
kext_bundle_read_time_ns(const struct kext_bundle *b)
{
	return b->read_time_ns;
}

const char *
kext_bundle_info_plist_path(const struct kext_bundle *b)
{
	return b->plist_path;
}

CFDictionaryRef
kext_bundle_info_dictionary(const struct kext_bundle *b)
{
	return b->info;
}

CFBundleRef
kext_bundle_cfbundle(struct kext_bundle *b)
{
	CFURLRef url;

	if (b->cfbundle != NULL)
		return b->cfbundle;
	url = CFURLCreateFromFileSystemRepresentation(NULL, (const UInt8 *)b->path,
	    (CFIndex)strlen(b->path), true);
	if (url == NULL)
		return NULL;
	b->cfbundle = CFBundleCreate(NULL, url);
	CFRelease(url);
	return b->cfbundle;
}

const char *
kext_bundle_identifier(const struct kext_bundle *b)
{
	return b->identifier;
}

const char *
kext_bundle_version_string(const struct kext_bundle *b)
{
	return b->version_string;
}

kext_version
kext_bundle_version(const struct kext_bundle *b)
{
	return b->version;
}

const char *
kext_bundle_compatible_version_string(const struct kext_bundle *b)
{
	return b->compat_string;
}

kext_version
kext_bundle_compatible_version(const struct kext_bundle *b)
{
	return b->compat;
}

bool
kext_bundle_is_library(const struct kext_bundle *b)
{
	return b->compat > 0;
}

bool
kext_bundle_is_kernel_component(const struct kext_bundle *b)
{
	return b->kernel_component;
}

bool
kext_bundle_is_interface(const struct kext_bundle *b)
{
	return b->interface;
}

const char *
kext_bundle_executable_name(const struct kext_bundle *b)
{
	return b->executable_name;
}

const char *
kext_bundle_executable_path(const struct kext_bundle *b)
{
	return b->executable_path;
}

const char *
kext_bundle_required(const struct kext_bundle *b)
{
	return b->required;
}

size_t
kext_bundle_library_count(const struct kext_bundle *b)
{
	return b->nlibraries;
}

const struct kext_library *
kext_bundle_library_at(const struct kext_bundle *b, size_t i)
{
	return i < b->nlibraries ? &b->libraries[i] : NULL;
}

size_t
kext_bundle_plugin_count(const struct kext_bundle *b)
{
	return b->nplugins;
}

const char *
kext_bundle_plugin_at(const struct kext_bundle *b, size_t i)
{
	return i < b->nplugins ? b->plugins[i] : NULL;
}

bool
kext_bundle_is_plugin(const struct kext_bundle *b)
{
	return b->plugin;
}

struct kext_diags *
kext_bundle_diags(struct kext_bundle *b)
{
	return b->diags;
}

const struct kext_diags *
kext_bundle_diags_const(const struct kext_bundle *b)
{
	return b->diags;
}

bool
kext_bundle_is_valid(const struct kext_bundle *b)
{
	return b->diags_complete &&
	    kext_diags_count(b->diags, KEXT_DIAG_MASK(KEXT_DIAG_VALIDATION)) == 0;
}
