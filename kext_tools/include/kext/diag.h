/*
 * Kext diagnostics, collected rather than fail-fast, in OSKext's categories.
 * A diagnostic is a fixed message (the KEXT_DIAG_* texts below) plus, for a
 * list-style diagnostic, one value naming the key path or file at fault with
 * what was expected and what was found:
 *
 *	Info dictionary property value is illegal:
 *	    CFBundleVersion - expected a version string like 1.2.3b4, found "1.2.3.4"
 *
 * kext_diags_format() lays them out like `kextutil -t`.
 */
#ifndef KEXT_DIAG_H
#define KEXT_DIAG_H

#include <stdbool.h>
#include <stddef.h>

enum kext_diag_category {
	KEXT_DIAG_VALIDATION,		/* "Validation Failures": cannot load */
	KEXT_DIAG_AUTHENTICATION,	/* "Authentication Failures" */
	KEXT_DIAG_DEPENDENCY,		/* "Dependency Resolution Failures" */
	KEXT_DIAG_WARNING,		/* "Warnings": still loads */
};
#define KEXT_DIAG_NCATEGORIES	4

/* Category masks for counting and formatting. */
#define KEXT_DIAG_MASK(cat)	(1u << (cat))
#define KEXT_DIAG_FAILURES	(KEXT_DIAG_MASK(KEXT_DIAG_VALIDATION) | \
				 KEXT_DIAG_MASK(KEXT_DIAG_AUTHENTICATION) | \
				 KEXT_DIAG_MASK(KEXT_DIAG_DEPENDENCY))
#define KEXT_DIAG_ALL		(KEXT_DIAG_FAILURES | KEXT_DIAG_MASK(KEXT_DIAG_WARNING))

/* At most this many diagnostics are kept per set; the rest are counted. */
#define KEXT_DIAG_MAX		4096

/* Validation failures. */
#define KEXT_DIAG_MISSING_PROPERTY	"Info dictionary missing required property/value"
#define KEXT_DIAG_WRONG_TYPE		"Info dictionary property value is of incorrect type"
#define KEXT_DIAG_ILLEGAL_VALUE		"Info dictionary property value is illegal"
#define KEXT_DIAG_TOO_LONG		"Identifier or version too long"
#define KEXT_DIAG_COMPAT_TOO_HIGH	"Compatible version must be lower than current version"
#define KEXT_DIAG_KERNEL_COMPONENT_PROPERTY "A system kext has a property set that it shouldn't"
#define KEXT_DIAG_SHARED_EXECUTABLE	"Kext declares both CFBundleExecutable and OSBundleSharedExecutableIdentifier"
#define KEXT_DIAG_EXECUTABLE_MISSING	"Kext claims an executable file but it doesn't exist"
#define KEXT_DIAG_EXECUTABLE_BAD	"Executable is not a readable ELF file"
#define KEXT_DIAG_EXECUTABLE_NOT_LOADABLE "Executable is not a kernel module this kernel can load"

/* Authentication failures. */
#define KEXT_DIAG_OWNER_PERMISSIONS	"File owner/permissions are incorrect (must be root:wheel, nonwritable by group/other)"
#define KEXT_DIAG_PARENT_PERMISSIONS	"Folder above the bundle is not root's or is writable by group/other (a root-owned sticky folder is allowed)"
#define KEXT_DIAG_FILE_NOT_FOUND	"File not found"
#define KEXT_DIAG_FILE_UNREADABLE	"File can't be read"
#define KEXT_DIAG_SYMLINK_OUTSIDE	"Symbolic link can't be resolved or points outside the bundle"

/* Dependency resolution failures. */
#define KEXT_DIAG_DEP_NOT_FOUND		"No kexts found for these libraries"
#define KEXT_DIAG_DEP_INCOMPATIBLE	"Only incompatible kexts found for these libraries"
#define KEXT_DIAG_DEP_NOT_LIBRARY	"Kexts found for these libraries lack valid OSBundleCompatibleVersion"
#define KEXT_DIAG_DEP_LOADED_INCOMPATIBLE "Kexts already loaded for these libraries are not compatible with the requested version"
#define KEXT_DIAG_DEP_LOADED_NOT_LIBRARY "Kexts already loaded for these libraries have no OSBundleCompatibleVersion"
#define KEXT_DIAG_DEP_CYCLE		"Some dependencies are causing circular references"
#define KEXT_DIAG_DEP_INDIRECT		"Indirect dependencies can't be resolved"
#define KEXT_DIAG_DEP_MULTIPLE		"Multiple kexts for these libraries occur in the dependency graph"
#define KEXT_DIAG_DEP_REJECTED		"Invalid or inauthentic kexts were rejected for these libraries"
#define KEXT_DIAG_NOT_FOUND		"No kext with this identifier was found"
#define KEXT_DIAG_SYMBOLS_UNDEFINED	"Symbols defined neither by the kernel nor by the kext's libraries"
#define KEXT_DIAG_DEP_KERNEL_VERSION	"Kext is built for another kernel version"
#define KEXT_DIAG_DEP_KERNEL_REFUSES	"The kernel linker would refuse this load"

/* Warnings. */
#define KEXT_DIAG_DEPRECATED		"Deprecated property (ignored)"
#define KEXT_DIAG_SYMLINK		"Symbolic links found in bundle (the booter does not recognize symbolic links)"
#define KEXT_DIAG_CODELESS_LIBRARIES	"Kext has no executable and is not a library; its OSBundleLibraries are not used"
#define KEXT_DIAG_KERNEL_NOT_INTERFACE	"Kernel component with OSBundleIsInterface false is treated as an interface"
#define KEXT_DIAG_KERNEL_AND_KPI	"Kext declares both com.apple.kernel* and com.apple.kpi.* libraries"
#define KEXT_DIAG_PERSONALITY_NO_ID	"Personality has no CFBundleIdentifier; the kext's identifier is used"
#define KEXT_DIAG_PERSONALITY_OTHER_ID	"Personality CFBundleIdentifier differs from the kext's (not necessarily a mistake)"
#define KEXT_DIAG_PERSONALITY_TYPE	"Personality property value is of incorrect type (ignored)"
#define KEXT_DIAG_IORESOURCES_CATEGORY	"Personality matches on IOResources but IOMatchCategory is missing or not equal to its IOClass"
#define KEXT_DIAG_DEP_REQUIRED		"Dependency lacks appropriate value for OSBundleRequired and may not be available during early boot"
#define KEXT_DIAG_DUPLICATE_ID		"Several kexts in one repository have the same identifier"
#define KEXT_DIAG_UNREADABLE_KEXT	"Kexts that can't be read were skipped"
#define KEXT_DIAG_EXECUTABLE_WARNING	"Executable has something the kernel linker may not expect"
#define KEXT_DIAG_SYMBOLS_INDIRECT	"Symbols defined only by a kext that is not one of its libraries (FreeBSD links a module only against its own MODULE_DEPEND providers)"
#define KEXT_DIAG_SYMBOLS_KERNEL_LOCAL	"Symbols only a static kernel function or object defines: they link only while debug.link_elf_leak_locals=1"
#define KEXT_DIAG_SYMBOLS_OTHER_OS	"Symbols not checked: the kernel symbols given are another system's"
#define KEXT_DIAG_FREEBSD_NO_DEPENDENCIES "FreeBSD module declares no dependencies, so the kext has no OSBundleLibraries; it loads on any kernel"

struct kext_diag {
	enum kext_diag_category category;
	const char *message;	/* one of the KEXT_DIAG_* texts */
	const char *value;	/* key path or file, expected and found; NULL for a plain message */
};

/* The diagnostics of one bundle (or repository), in the order they were added. */
struct kext_diags;

/* NULL when out of memory. subject is the bundle (or repository) path. */
struct kext_diags *kext_diags_new(const char *subject);
void kext_diags_free(struct kext_diags *d);

const char *kext_diags_subject(const struct kext_diags *d);

/*
 * Adds a diagnostic; value_fmt NULL makes a plain message. An identical
 * diagnostic already present is not added twice. Returns 0, or -1 when out
 * of memory or past KEXT_DIAG_MAX (the diagnostic is then only counted).
 */
int kext_diags_add(struct kext_diags *d, enum kext_diag_category cat,
    const char *message, const char *value_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Removes the diagnostics in the categories of mask (before re-checking them). */
void kext_diags_clear(struct kext_diags *d, unsigned mask);

/* Diagnostics in the categories of mask (dropped ones not included). */
size_t kext_diags_count(const struct kext_diags *d, unsigned mask);
/* Diagnostics that could not be kept (memory, KEXT_DIAG_MAX). */
size_t kext_diags_dropped(const struct kext_diags *d);
bool kext_diags_has_failures(const struct kext_diags *d);

/* All kept diagnostics, 0 <= i < kext_diags_count(d, KEXT_DIAG_ALL). */
const struct kext_diag *kext_diags_at(const struct kext_diags *d, size_t i);

/* Does d hold a diagnostic with this message (and value, unless NULL)? */
bool kext_diags_contains(const struct kext_diags *d, enum kext_diag_category cat,
    const char *message, const char *value);

/* "Validation Failures", "Authentication Failures", ... */
const char *kext_diag_category_name(enum kext_diag_category cat);

/*
 * The kextutil -t layout of the categories in mask, with the line
 * "Diagnostics for <subject>:" first when header is set. Returns a malloc'd
 * string ("" when nothing matches) or NULL when out of memory.
 */
char *kext_diags_format(const struct kext_diags *d, unsigned mask, bool header);

/* One diagnostic on one line: "<subject>: <category>: <message>[: <value>]" (malloc'd). */
char *kext_diag_format_line(const struct kext_diags *d, const struct kext_diag *diag);

#endif
