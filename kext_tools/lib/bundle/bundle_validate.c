/*
 * Validating an info dictionary like OSKext (spec §2.1-2.4), with the
 * stricter choices of this project: a wrong CFBundlePackageType is a
 * failure, and converter-written FreeBSD personalities (marked by
 * FreeBSDPNPBus) need IOProviderClass and FreeBSDPNPBus instead of IOClass.
 * Every problem is recorded; nothing stops at the first one.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "kext/fs.h"
#include "kext/sort.h"
#include "kext/text.h"

/* Architecture suffix for "<Key>_<arch>" look-ups (generic CPU names, §2); none when unknown. */
#if defined(__x86_64__)
#define KEXT_ARCH_SUFFIX "x86_64"
#elif defined(__i386__)
#define KEXT_ARCH_SUFFIX "i386"
#elif defined(__aarch64__)
#define KEXT_ARCH_SUFFIX "arm64"
#elif defined(__arm__)
#define KEXT_ARCH_SUFFIX "arm"
#elif defined(__powerpc64__)
#define KEXT_ARCH_SUFFIX "ppc64"
#elif defined(__powerpc__)
#define KEXT_ARCH_SUFFIX "ppc"
#elif defined(__riscv) && __riscv_xlen == 64
#define KEXT_ARCH_SUFFIX "riscv64"
#endif

#define QUOTE_MAX	160	/* room for a quoted, cut-down found value */
#define QUOTE_LIMIT	64

#define VERSION_HINT	"a version string like 1.2.3b4 (under 20 characters)"

static const char *const required_values[] = {
	"Root", "Local-Root", "Network-Root", "Console", "Safe Boot",
};

__attribute__((format(printf, 4, 5)))
static void
note(struct kext_bundle *b, enum kext_diag_category cat, const char *message,
    const char *fmt, ...)
{
	va_list ap;
	char *value;

	va_start(ap, fmt);
	value = kext_vstrdupf(fmt, ap);
	va_end(ap);
	if (value == NULL || kext_diags_add(b->diags, cat, message, "%s", value) != 0)
		b->diags_complete = false;
	free(value);
}

#define fail(b, msg, ...)	note(b, KEXT_DIAG_VALIDATION, msg, __VA_ARGS__)
#define warn(b, msg, ...)	note(b, KEXT_DIAG_WARNING, msg, __VA_ARGS__)

/*
 * Look-ups by literal key use CFSTR: an immortal string made at compile
 * time, where creating and releasing one cost an allocation a look-up.
 */
#define dict_get(d, key)	((CFTypeRef)CFDictionaryGetValue((d), CFSTR(key)))

/*
 * OS* and IO* keys may have a "<Key>_<arch>" variant that takes precedence;
 * qualified is it (NULL for other keys or an unknown architecture).
 */
static CFTypeRef
info_get_cf(const struct kext_bundle *b, CFStringRef key, CFStringRef qualified)
{
	CFTypeRef v = qualified != NULL ? CFDictionaryGetValue(b->info, qualified) : NULL;

	return v != NULL ? v : CFDictionaryGetValue(b->info, key);
}

#if defined(KEXT_ARCH_SUFFIX)
#define info_get(b, key)	info_get_cf((b), CFSTR(key), strncmp(key, "OS", 2) == 0 || \
	    strncmp(key, "IO", 2) == 0 ? CFSTR(key "_" KEXT_ARCH_SUFFIX) : NULL)
#else
#define info_get(b, key)	info_get_cf((b), CFSTR(key), NULL)
#endif

static bool
is_type(CFTypeRef v, CFTypeID t)
{
	return v != NULL && CFGetTypeID(v) == t;
}

static bool
is_integer(CFTypeRef v)
{
	return is_type(v, CFNumberGetTypeID()) && !CFNumberIsFloatType(v);
}

/* Printable form of a dictionary key for a key path. */
static void
key_text(char *buf, size_t len, CFTypeRef key)
{
	char *s = kext_cf_string_copy(key);
	size_t n;

	if (s == NULL) {
		snprintf(buf, len, "(not a string)");
		return;
	}
	kext_quote(buf, len, s, QUOTE_LIMIT);
	free(s);
	/* drop the quotes added by kext_quote; keep the escapes */
	n = strlen(buf);
	if (n >= 2) {
		memmove(buf, buf + 1, n - 2);
		buf[n - 2] = '\0';
	}
}

/* A required non-empty string; returns a copy or NULL. */
static char *
need_string(struct kext_bundle *b, CFTypeRef v, const char *keypath)
{
	char *s;

	if (v == NULL) {
		fail(b, KEXT_DIAG_MISSING_PROPERTY,
		    "%s - expected a <string>, found nothing", keypath);
		return NULL;
	}
	if (!is_type(v, CFStringGetTypeID())) {
		fail(b, KEXT_DIAG_WRONG_TYPE, "%s - expected <string>, found %s",
		    keypath, kext_cf_type_name(v));
		return NULL;
	}
	s = kext_cf_string_copy(v);
	if (s == NULL) {
		b->diags_complete = false;
		return NULL;
	}
	if (*s == '\0') {
		fail(b, KEXT_DIAG_ILLEGAL_VALUE,
		    "%s - expected a non-empty <string>, found an empty one", keypath);
		free(s);
		return NULL;
	}
	return s;
}

static void
check_package_type(struct kext_bundle *b)
{
	char q[QUOTE_MAX], *s;

	s = need_string(b, dict_get(b->info, "CFBundlePackageType"),
	    "CFBundlePackageType");
	if (s != NULL && strcmp(s, "KEXT") != 0) {
		kext_quote(q, sizeof(q), s, QUOTE_LIMIT);
		fail(b, KEXT_DIAG_ILLEGAL_VALUE,
		    "CFBundlePackageType - expected \"KEXT\", found %s", q);
	}
	free(s);
}

/*
 * Offset of the first control character (C0 or DEL) in s, or -1: an
 * identifier is printed one per line by kextstat and kextload, and a
 * newline in it would forge lines of their output.
 */
static long
control_character_at(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return p - s;
	return -1;
}

static void
check_identifier(struct kext_bundle *b)
{
	char q[QUOTE_MAX];
	long at;

	b->identifier = need_string(b, dict_get(b->info, "CFBundleIdentifier"),
	    "CFBundleIdentifier");
	if (b->identifier != NULL && (at = control_character_at(b->identifier)) >= 0) {
		kext_quote(q, sizeof(q), b->identifier, QUOTE_LIMIT);
		fail(b, KEXT_DIAG_ILLEGAL_VALUE, "CFBundleIdentifier - expected printable "
		    "characters, found a control character (0x%02x) at byte %ld: %s",
		    (unsigned)(unsigned char)b->identifier[at], at, q);
		free(b->identifier);	/* never shown as if it were an identifier */
		b->identifier = NULL;
		return;
	}
	if (b->identifier != NULL && strlen(b->identifier) > KEXT_IDENTIFIER_MAX) {
		kext_quote(q, sizeof(q), b->identifier, QUOTE_LIMIT);
		fail(b, KEXT_DIAG_TOO_LONG,
		    "CFBundleIdentifier - expected at most %d bytes, found %zu: %s",
		    KEXT_IDENTIFIER_MAX, strlen(b->identifier), q);
	}
}

static void
check_versions(struct kext_bundle *b)
{
	char q[QUOTE_MAX], cur[KEXT_VERSION_FORMAT_MAX];
	CFTypeRef v;

	b->version_string = need_string(b, dict_get(b->info, "CFBundleVersion"),
	    "CFBundleVersion");
	b->version = KEXT_VERSION_MISSING;
	if (b->version_string != NULL) {
		b->version = kext_version_parse(b->version_string);
		kext_quote(q, sizeof(q), b->version_string, QUOTE_LIMIT);
		if (strlen(b->version_string) > KEXT_IDENTIFIER_MAX)
			fail(b, KEXT_DIAG_TOO_LONG,
			    "CFBundleVersion - expected at most %d characters, found %zu",
			    KEXT_IDENTIFIER_MAX, strlen(b->version_string));
		else if (b->version < 0)
			fail(b, KEXT_DIAG_ILLEGAL_VALUE,
			    "CFBundleVersion - expected " VERSION_HINT ", found %s", q);
	} else if (dict_get(b->info, "CFBundleVersion") != NULL) {
		b->version = KEXT_VERSION_INVALID;
	}

	b->compat = KEXT_VERSION_MISSING;
	v = info_get(b, "OSBundleCompatibleVersion");
	if (v == NULL)
		return;
	if (!is_type(v, CFStringGetTypeID())) {
		fail(b, KEXT_DIAG_WRONG_TYPE,
		    "OSBundleCompatibleVersion - expected <string>, found %s",
		    kext_cf_type_name(v));
		b->compat = KEXT_VERSION_INVALID;
		return;
	}
	b->compat_string = kext_cf_string_copy(v);
	if (b->compat_string == NULL) {
		b->diags_complete = false;
		b->compat = KEXT_VERSION_INVALID;
		return;
	}
	b->compat = kext_version_parse(b->compat_string);
	kext_quote(q, sizeof(q), b->compat_string, QUOTE_LIMIT);
	if (b->compat < 0) {
		fail(b, KEXT_DIAG_ILLEGAL_VALUE,
		    "OSBundleCompatibleVersion - expected " VERSION_HINT ", found %s", q);
	} else if (b->version > 0 && b->compat > b->version) {
		kext_version_format(b->version, cur, sizeof(cur));
		fail(b, KEXT_DIAG_COMPAT_TOO_HIGH,
		    "OSBundleCompatibleVersion - expected at most CFBundleVersion %s, "
		    "found %s", cur, q);
	}
}

/* A typed boolean: true, false, or absent (the default). */
static bool
check_boolean(struct kext_bundle *b, CFTypeRef v, const char *key, bool *present)
{
	*present = false;
	if (v == NULL)
		return false;
	if (!is_type(v, CFBooleanGetTypeID())) {
		fail(b, KEXT_DIAG_WRONG_TYPE,
		    "%s - expected <true/> or <false/>, found %s", key,
		    kext_cf_type_name(v));
		return false;
	}
	*present = true;
	return CFBooleanGetValue(v);
}

static void
check_flags(struct kext_bundle *b)
{
	bool present, interface;

	b->kernel_component = check_boolean(b, info_get(b, "OSKernelResource"), "OSKernelResource", &present);
	interface = check_boolean(b, info_get(b, "OSBundleIsInterface"), "OSBundleIsInterface", &present);
	if (b->kernel_component && present && !interface)
		warn(b, KEXT_DIAG_KERNEL_NOT_INTERFACE,
		    "OSBundleIsInterface - expected <true/> for a kernel component, "
		    "found <false/>");
	b->interface = interface || b->kernel_component;
	(void)check_boolean(b, info_get(b, "OSBundleAllowUserLoad"), "OSBundleAllowUserLoad", &present);
	(void)check_boolean(b, info_get(b, "OSBundleEnableKextLogging"), "OSBundleEnableKextLogging", &present);
}

static void
check_required(struct kext_bundle *b)
{
	char q[QUOTE_MAX], *s;
	CFTypeRef v = info_get(b, "OSBundleRequired");
	size_t i;

	if (v == NULL)
		return;
	if (!is_type(v, CFStringGetTypeID())) {
		fail(b, KEXT_DIAG_WRONG_TYPE, "OSBundleRequired - expected <string>, "
		    "found %s", kext_cf_type_name(v));
		return;
	}
	s = kext_cf_string_copy(v);
	if (s == NULL) {
		b->diags_complete = false;
		return;
	}
	for (i = 0; i < sizeof(required_values) / sizeof(required_values[0]); i++) {
		if (strcmp(s, required_values[i]) == 0) {
			b->required = s;
			return;
		}
	}
	kext_quote(q, sizeof(q), s, QUOTE_LIMIT);
	fail(b, KEXT_DIAG_ILLEGAL_VALUE, "OSBundleRequired - expected \"Root\", "
	    "\"Local-Root\", \"Network-Root\", \"Console\" or \"Safe Boot\", found %s", q);
	free(s);
}

/*
 * In a plain Contents folder, MacOS/<name> that opens without following a
 * link (in a MacOS that is no link) is both found and inside the bundle:
 * returns it open (a FIFO must not block), else -1. Looked up from the
 * open Contents folder when there is one.
 */
static int
open_plainly_in_macos(const struct kext_bundle *b, const char *path)
{
	const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW;
	struct stat st;
	char *macos, *inside;
	int fd = -1;

	if (!b->support_plain || b->layout != KEXT_LAYOUT_MODERN)
		return -1;
	if (b->support_fd >= 0) {
		if ((inside = kext_strdupf("MacOS/%s", b->executable_name)) == NULL)
			return -1;
		if (fstatat(b->support_fd, "MacOS", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			fd = openat(b->support_fd, inside, flags);
		free(inside);
		return fd;
	}
	if ((macos = kext_strdupf("%s/MacOS", b->support_dir)) == NULL)
		return -1;
	if (lstat(macos, &st) == 0 && S_ISDIR(st.st_mode))
		fd = open(path, flags);
	free(macos);
	return fd;
}

/* The executable a writer described (bundle_written.c) is the file named name. */
static bool
is_written_executable(const struct kext_bundle *b, const char *name)
{
	return b->written != NULL && b->written->executable != NULL &&
	    b->layout == KEXT_LAYOUT_MODERN && strcmp(b->written->executable, name) == 0;
}

/*
 * Where CFBundle looks for the executable in each layout (§1.3); *fd: the
 * one found, open, when that showed it inside the bundle (else -1); *written:
 * it is the file a writer described, known without looking.
 */
static char *
find_executable(struct kext_bundle *b, char **primary, int *fd, bool *written)
{
	const char *name = b->executable_name;
	char *tries[3] = { NULL, NULL, NULL }, *found = NULL;
	struct stat st;
	size_t i;

	switch (b->layout) {
	case KEXT_LAYOUT_MODERN:
		tries[0] = kext_strdupf("%s/MacOS/%s", b->support_dir, name);
		tries[1] = kext_strdupf("%s/%s", b->support_dir, name);
		break;
	case KEXT_LAYOUT_OBSOLETE:
		tries[0] = kext_strdupf("%s/Executables/MacOS/%s", b->support_dir, name);
		tries[1] = kext_strdupf("%s/Executables/%s", b->support_dir, name);
		break;
	case KEXT_LAYOUT_FLAT:
		tries[0] = kext_strdupf("%s/MacOS/%s", b->path, name);
		break;
	case KEXT_LAYOUT_OLD:
		break;
	}
	tries[2] = kext_strdupf("%s/%s", b->path, name);
	*written = tries[0] != NULL && is_written_executable(b, name);
	*fd = tries[0] != NULL && !*written ? open_plainly_in_macos(b, tries[0]) : -1;
	if (*fd >= 0 || *written) {
		found = tries[0];
		tries[0] = NULL;
	}
	for (i = 0; i < 3 && found == NULL; i++) {
		if (tries[i] != NULL && stat(tries[i], &st) == 0) {
			found = tries[i];
			tries[i] = NULL;
		}
	}
	*primary = NULL;
	for (i = 0; i < 3; i++) {
		if (*primary == NULL && tries[i] != NULL)
			*primary = tries[i];
		else
			free(tries[i]);
	}
	return found;
}

/* The bytes a written bundle's executable starts with, as pread() would give them. */
static ssize_t
written_head(const struct kext_bundle *b, unsigned char *h, size_t len)
{
	size_t n = b->written->head_len < len ? b->written->head_len : len;

	memcpy(h, b->written->head, n);
	return (ssize_t)n;
}

/* Does the executable's head (n bytes of it) start with an ELF header? */
static bool
check_elf_header(struct kext_bundle *b, const char *path, const unsigned char *h, ssize_t n)
{
	size_t need;

	if (n < 16 || memcmp(h, "\177ELF", 4) != 0) {
		fail(b, KEXT_DIAG_EXECUTABLE_BAD,
		    "%s - expected an ELF file (magic 7f 45 4c 46), found %s", path,
		    n < 4 ? "a file too short for it" : "other bytes");
		return false;
	}
	if ((h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2)) {
		fail(b, KEXT_DIAG_EXECUTABLE_BAD,
		    "%s - expected ELF class 1 or 2 and data encoding 1 or 2, "
		    "found %u and %u", path, h[4], h[5]);
		return false;
	}
	need = h[4] == 2 ? 64 : 52;
	if ((size_t)n < need) {
		fail(b, KEXT_DIAG_EXECUTABLE_BAD,
		    "%s - expected a %zu-byte ELF header, found %zd bytes", path,
		    need, n);
		return false;
	}
	return true;
}

/*
 * The executable must be a regular file that starts with an ELF header; fd
 * is it open already, as a load opens it (closed here unless the bundle
 * keeps it for the load), or -1; written: it is the regular file a writer
 * described, whose head it gave.
 */
static void
check_elf(struct kext_bundle *b, const char *path, int fd, bool written)
{
	bool as_loaded = fd >= 0;
	unsigned char h[64];
	struct stat st = {0};
	ssize_t n;

	if (written) {
		n = written_head(b, h, sizeof(h));
		check_elf_header(b, path, h, n);
		return;
	}
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		fail(b, KEXT_DIAG_EXECUTABLE_BAD, "%s - can't be opened: %s", path,
		    strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fail(b, KEXT_DIAG_EXECUTABLE_BAD,
		    "%s - expected a regular file, found %s", path,
		    S_ISDIR(st.st_mode) ? "a directory" : "another kind of file");
		close(fd);
		return;
	}
	do
		n = pread(fd, h, sizeof(h), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		fail(b, KEXT_DIAG_EXECUTABLE_BAD, "%s - can't be read: %s", path,
		    strerror(errno));
		close(fd);
		return;
	}
	if (!check_elf_header(b, path, h, n) || !as_loaded ||
	    !kext_bundle_keep_executable(b, fd))
		close(fd);
}

/*
 * Is path inside the bundle? A plain Contents folder is canonical itself,
 * so a file inside it is found without looking at the bundle's own path.
 */
static bool
inside_bundle(const struct kext_bundle *b, const char *path, char **real)
{
	if (b->support_plain && kext_path_inside(b->support_dir, path, real) == 0)
		return true;
	free(*real);
	return kext_path_inside(b->path, path, real) == 0;
}

/* Returns whether an executable is declared (even badly). */
static bool
check_executable(struct kext_bundle *b)
{
	CFTypeRef v = dict_get(b->info, "CFBundleExecutable");
	CFTypeRef shared = info_get(b, "OSBundleSharedExecutableIdentifier");
	char q[QUOTE_MAX], *name, *primary, *real = NULL;
	bool written;
	int fd;

	if (shared != NULL && v != NULL)
		fail(b, KEXT_DIAG_SHARED_EXECUTABLE, "OSBundleSharedExecutableIdentifier"
		    " - expected nothing when CFBundleExecutable is set, found %s",
		    kext_cf_type_name(shared));
	else if (shared != NULL)
		warn(b, KEXT_DIAG_DEPRECATED, "OSBundleSharedExecutableIdentifier");
	if (v == NULL)
		return false;
	name = need_string(b, v, "CFBundleExecutable");
	if (name == NULL)
		return true;
	if (strchr(name, '/') != NULL || strstr(name, "..") != NULL ||
	    strcmp(name, ".") == 0) {
		kext_quote(q, sizeof(q), name, QUOTE_LIMIT);
		fail(b, KEXT_DIAG_ILLEGAL_VALUE, "CFBundleExecutable - expected a "
		    "file name without '/' or '..', found %s", q);
		free(name);
		return true;
	}
	b->executable_name = name;
	b->executable_path = find_executable(b, &primary, &fd, &written);
	if (b->executable_path == NULL)
		fail(b, KEXT_DIAG_EXECUTABLE_MISSING, "%s - expected the file "
		    "named by CFBundleExecutable, found nothing",
		    primary != NULL ? primary : name);
	else if (written)
		check_elf(b, b->executable_path, -1, true);	/* made by the writer: no link */
	else if (fd < 0 && !inside_bundle(b, b->executable_path, &real))
		fail(b, KEXT_DIAG_SYMLINK_OUTSIDE, "%s - expected a file inside the "
		    "bundle, found a link to %s", b->executable_path,
		    real != NULL ? real : strerror(errno));
	else
		check_elf(b, b->executable_path, fd, false);
	free(real);
	free(primary);
	return true;
}

static int
compare_libraries(const void *a, const void *b)
{
	const struct kext_library *x = a, *y = b;

	return strcmp(x->identifier, y->identifier);
}

struct libs_walk {
	struct kext_bundle *b;
	size_t n;
	bool kernel_style, kpi_style;
};

static void
check_library(const void *key, const void *value, void *context)
{
	struct libs_walk *w = context;
	struct kext_bundle *b = w->b;
	struct kext_library *lib = &b->libraries[w->n];
	char k[QUOTE_MAX], q[QUOTE_MAX];

	key_text(k, sizeof(k), key);
	lib->identifier = kext_cf_string_copy(key);
	if (lib->identifier == NULL) {
		b->diags_complete = false;
		return;
	}
	lib->version = KEXT_VERSION_INVALID;
	w->n++;
	if (*lib->identifier == '\0')
		fail(b, KEXT_DIAG_ILLEGAL_VALUE, "OSBundleLibraries - expected "
		    "library identifiers as keys, found an empty key");
	else if (strlen(lib->identifier) > KEXT_IDENTIFIER_MAX)
		fail(b, KEXT_DIAG_TOO_LONG, "OSBundleLibraries.%s - expected an "
		    "identifier of at most %d bytes", k, KEXT_IDENTIFIER_MAX);
	else if (control_character_at(lib->identifier) >= 0)
		fail(b, KEXT_DIAG_ILLEGAL_VALUE, "OSBundleLibraries.%s - expected an "
		    "identifier of printable characters, found a control character", k);
	if (strncmp(lib->identifier, "com.apple.kernel", 16) == 0)
		w->kernel_style = true;
	if (strncmp(lib->identifier, "com.apple.kpi.", 14) == 0)
		w->kpi_style = true;
	if (!is_type(value, CFStringGetTypeID())) {
		fail(b, KEXT_DIAG_WRONG_TYPE, "OSBundleLibraries.%s - expected "
		    "<string>, found %s", k, kext_cf_type_name(value));
		return;
	}
	lib->version_string = kext_cf_string_copy(value);
	if (lib->version_string == NULL) {
		b->diags_complete = false;
		return;
	}
	lib->version = kext_version_parse(lib->version_string);
	if (lib->version < 0) {
		kext_quote(q, sizeof(q), lib->version_string, QUOTE_LIMIT);
		fail(b, KEXT_DIAG_ILLEGAL_VALUE, "OSBundleLibraries.%s - expected "
		    VERSION_HINT ", found %s", k, q);
	}
}

/*
 * A converted FreeBSD module (FreeBSDKernelModuleFile) whose module declares
 * no MODULE_DEPEND at all, not even on the kernel.
 */
static bool
declares_no_freebsd_dependency(struct kext_bundle *b)
{
	CFTypeRef file = info_get(b, "FreeBSDKernelModuleFile");
	CFTypeRef deps = info_get(b, "FreeBSDModuleDependencies");

	return file != NULL && is_type(file, CFStringGetTypeID()) &&
	    (deps == NULL || (is_type(deps, CFArrayGetTypeID()) && CFArrayGetCount(deps) == 0));
}

static void
check_libraries(struct kext_bundle *b, bool has_executable)
{
	CFTypeRef v = info_get(b, "OSBundleLibraries");
	struct libs_walk w = { b, 0, false, false };
	CFIndex count = 0;

	if (v != NULL && !is_type(v, CFDictionaryGetTypeID())) {
		fail(b, KEXT_DIAG_WRONG_TYPE, "OSBundleLibraries - expected <dict>, "
		    "found %s", kext_cf_type_name(v));
		v = NULL;
		has_executable = false;		/* said once is enough */
	} else if (v != NULL) {
		count = CFDictionaryGetCount(v);
	}
	if (b->kernel_component) {
		if (info_get(b, "OSBundleLibraries") != NULL)
			fail(b, KEXT_DIAG_KERNEL_COMPONENT_PROPERTY,
			    "OSBundleLibraries - expected nothing in a kernel "
			    "component (OSKernelResource), found %s",
			    kext_cf_type_name(info_get(b, "OSBundleLibraries")));
	} else if (has_executable && count == 0 && declares_no_freebsd_dependency(b)) {
		/* FreeBSD loads such a module on any kernel: there is nothing to declare. */
		warn(b, KEXT_DIAG_FREEBSD_NO_DEPENDENCIES, "OSBundleLibraries");
	} else if (has_executable && count == 0) {
		fail(b, KEXT_DIAG_MISSING_PROPERTY, "OSBundleLibraries - required "
		    "when CFBundleExecutable is declared, found %s",
		    v == NULL ? "nothing" : "an empty <dict>");
	} else if (!has_executable && b->compat == KEXT_VERSION_MISSING && count > 0) {
		warn(b, KEXT_DIAG_CODELESS_LIBRARIES, "OSBundleLibraries");
	}
	if (count == 0)
		return;
	b->libraries = calloc((size_t)count, sizeof(*b->libraries));
	if (b->libraries == NULL) {
		b->diags_complete = false;
		return;
	}
	CFDictionaryApplyFunction(v, check_library, &w);
	b->nlibraries = w.n;
	kext_sort(b->libraries, b->nlibraries, sizeof(*b->libraries), compare_libraries);
	if (w.kernel_style && w.kpi_style)
		warn(b, KEXT_DIAG_KERNEL_AND_KPI, "OSBundleLibraries");
}

#define personality_get(p, key)	dict_get(p, key)

static char *
personality_value_string(struct kext_bundle *b, CFTypeRef v, const char *path,
    const char *key)
{
	char keypath[QUOTE_MAX * 2];

	snprintf(keypath, sizeof(keypath), "%s.%s", path, key);
	return need_string(b, v, keypath);
}

/* key: a literal */
#define personality_string(b, p, path, key) \
	personality_value_string((b), personality_get((p), key), (path), (key))

static void
check_personality(const void *key, const void *value, void *context)
{
	struct kext_bundle *b = context;
	char name[QUOTE_MAX], path[QUOTE_MAX + 32], q[QUOTE_MAX], q2[QUOTE_MAX];
	char *provider, *class = NULL, *bus, *id;
	CFTypeRef v;
	bool freebsd;

	key_text(name, sizeof(name), key);
	snprintf(path, sizeof(path), "IOKitPersonalities.%s", name);
	if (!is_type(value, CFDictionaryGetTypeID())) {
		fail(b, KEXT_DIAG_WRONG_TYPE, "%s - expected <dict>, found %s", path,
		    kext_cf_type_name(value));
		return;
	}
	freebsd = personality_get(value, KEXT_FREEBSD_PNP_BUS_KEY) != NULL;
	provider = personality_string(b, value, path, "IOProviderClass");
	if (freebsd) {
		bus = personality_string(b, value, path, KEXT_FREEBSD_PNP_BUS_KEY);
		free(bus);
	} else {
		class = personality_string(b, value, path, "IOClass");
	}

	v = personality_get(value, "CFBundleIdentifier");
	if (v == NULL) {
		warn(b, KEXT_DIAG_PERSONALITY_NO_ID, "%s", path);
	} else {
		char idpath[QUOTE_MAX + 64];

		snprintf(idpath, sizeof(idpath), "%s.CFBundleIdentifier", path);
		id = need_string(b, v, idpath);
		if (id != NULL && b->identifier != NULL &&
		    strcmp(id, b->identifier) != 0) {
			kext_quote(q, sizeof(q), b->identifier, QUOTE_LIMIT);
			kext_quote(q2, sizeof(q2), id, QUOTE_LIMIT);
			warn(b, KEXT_DIAG_PERSONALITY_OTHER_ID,
			    "%s - expected %s, found %s", idpath, q, q2);
		}
		free(id);
	}

	v = personality_get(value, "IOKitDebug");
	if (v != NULL && !is_integer(v))
		fail(b, KEXT_DIAG_WRONG_TYPE, "%s.IOKitDebug - expected <integer>, "
		    "found %s", path, kext_cf_type_name(v));
	v = personality_get(value, "IOProbeScore");
	if (v != NULL && !is_integer(v))
		warn(b, KEXT_DIAG_PERSONALITY_TYPE, "%s.IOProbeScore - expected "
		    "<integer>, found %s", path, kext_cf_type_name(v));

	/* On IOResources a driver needs its own match category (§2.3). */
	v = personality_get(value, "IOMatchCategory");
	if (!freebsd && provider != NULL && strcmp(provider, "IOResources") == 0 &&
	    v != NULL) {
		if (!is_type(v, CFStringGetTypeID())) {
			fail(b, KEXT_DIAG_WRONG_TYPE, "%s.IOMatchCategory - expected "
			    "<string>, found %s", path, kext_cf_type_name(v));
		} else if (class != NULL) {
			char *cat = kext_cf_string_copy(v);

			if (cat != NULL && strcmp(cat, class) != 0) {
				kext_quote(q, sizeof(q), class, QUOTE_LIMIT);
				kext_quote(q2, sizeof(q2), cat, QUOTE_LIMIT);
				warn(b, KEXT_DIAG_IORESOURCES_CATEGORY,
				    "%s.IOMatchCategory - expected %s, found %s",
				    path, q, q2);
			}
			free(cat);
		}
	}
	free(provider);
	free(class);
}

static void
check_personalities(struct kext_bundle *b)
{
	CFTypeRef v = info_get(b, "IOKitPersonalities");

	if (v == NULL)
		return;
	if (!is_type(v, CFDictionaryGetTypeID())) {
		fail(b, KEXT_DIAG_WRONG_TYPE, "IOKitPersonalities - expected <dict>, "
		    "found %s", kext_cf_type_name(v));
		return;
	}
	CFDictionaryApplyFunction(v, check_personality, b);
}

void
kext_bundle_validate(struct kext_bundle *b)
{
	bool has_executable;

	b->diags_complete = true;
	check_package_type(b);
	check_identifier(b);
	check_versions(b);
	check_flags(b);
	check_required(b);
	has_executable = check_executable(b);
	check_libraries(b, has_executable);
	check_personalities(b);
	if (info_get(b, "OSBundleDebugLevel") != NULL)
		warn(b, KEXT_DIAG_DEPRECATED, "OSBundleDebugLevel");
}
