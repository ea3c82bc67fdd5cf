/*
 * The Info.plist of one converted Linux module.
 *
 * Identity and versions come from .modinfo:
 *   CFBundleIdentifier  <prefix>.<name=>  (default prefix org.kernel.linux)
 *   CFBundleVersion     version= when it is a valid kext version, else the
 *                       numeric part of the vermagic's kernel release
 *                       ("6.1.0"): in-tree modules are versioned by their
 *                       kernel. OSBundleCompatibleVersion is the same value:
 *                       a Linux module only works with the build it came from.
 *   OSBundleLibraries   org.kernel.linux at the vermagic's release (the
 *                       running kernel stands for that kext; kextload also
 *                       compares the whole release with uname -r), plus each
 *                       depends= module's bundle at its CFBundleVersion.
 * Linux* keys keep what .modinfo said: LinuxModuleName, LinuxModuleFile,
 * LinuxArchitecture, LinuxVermagic, LinuxKernelRelease, LinuxModuleVersion,
 * LinuxSourceVersion, LinuxLicense, LinuxDescription, LinuxDependencies,
 * LinuxAliases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "personalities.h"
#include "kext/loaded.h"
#include "kext/version.h"

int
conv_linux_bundle_version(const struct kmod_file *kf, char *buf, size_t len)
{
	char release[256];
	kext_version v;

	if (kf->lx.version != NULL) {
		v = kext_version_parse(kf->lx.version);
		if (v != KEXT_VERSION_INVALID && v != KEXT_VERSION_MISSING &&
		    (size_t)snprintf(buf, len, "%s", kf->lx.version) < len)
			return 0;
	}
	if (kmod_linux_release(kf, release, sizeof(release)) != 0)
		return -1;
	kext_linux_release_version(release, buf, len);
	v = kext_version_parse(buf);
	return buf[0] != '\0' && v != KEXT_VERSION_INVALID && v != KEXT_VERSION_MISSING ? 0 : -1;
}

static void
set_list(CFMutableDictionaryRef info, const char *key, char *const *v, size_t n)
{
	CFMutableArrayRef a;

	if (n == 0)
		return;
	a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	for (size_t i = 0; i < n; i++)
		conv_append_string(a, v[i]);
	conv_set_value(info, key, a);
	CFRelease(a);
}

static void
set_optional(CFMutableDictionaryRef info, const char *key, const char *value)
{
	if (value != NULL)
		conv_set_string(info, key, value);
}

static void
add_linux_keys(CFMutableDictionaryRef info, const struct conv_module *m)
{
	const struct kmod_linux *lx = &m->kf->lx;
	char release[256];

	conv_set_string(info, "LinuxModuleName", lx->name);
	conv_set_string(info, "LinuxModuleFile", m->file_name);
	conv_set_string(info, "LinuxArchitecture", m->kf->arch);
	set_optional(info, "LinuxVermagic", lx->vermagic);
	if (kmod_linux_release(m->kf, release, sizeof(release)) == 0)
		conv_set_string(info, "LinuxKernelRelease", release);
	set_optional(info, "LinuxModuleVersion", lx->version);
	set_optional(info, "LinuxSourceVersion", lx->srcversion);
	set_optional(info, "LinuxLicense", lx->license);
	set_optional(info, "LinuxDescription", lx->description);
	set_list(info, "LinuxDependencies", lx->depends, lx->num_depends);
	set_list(info, "LinuxAliases", lx->aliases, lx->num_aliases);
}

static void
append_missing(char *missing, size_t len, const char *what)
{
	size_t used = strlen(missing);

	snprintf(missing + used, len - used, "%s%s", used ? ", " : "", what);
}

static CFMutableDictionaryRef
linux_libraries(const struct conv_module *m, struct conv_providers *pv,
    const struct conv_options *opt, char *missing, size_t missing_len)
{
	CFMutableDictionaryRef libs = CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	const struct kmod_linux *lx = &m->kf->lx;
	const char *kernel_id = opt->kernel_id == NULL ||
	    strcmp(opt->kernel_id, KO2KEXT_DEFAULT_KERNEL_ID) == 0 ? KO2KEXT_LINUX_KERNEL_ID :
	    opt->kernel_id;
	char release[256], v[64];

	if (kmod_linux_release(m->kf, release, sizeof(release)) == 0 &&
	    (kext_linux_release_version(release, v, sizeof(v)), v[0] != '\0'))
		conv_set_string(libs, kernel_id, v);
	else
		append_missing(missing, missing_len, "the kernel (no vermagic in .modinfo)");
	for (size_t i = 0; i < lx->num_depends; i++) {
		const struct conv_provider *p = conv_providers_find_linux(pv, lx->depends[i]);
		char what[128];

		if (p == NULL || p->version_string == NULL) {
			snprintf(what, sizeof(what), "Linux module %s", lx->depends[i]);
			append_missing(missing, missing_len, what);
			continue;
		}
		conv_set_string(libs, p->identifier, p->version_string);
	}
	return libs;
}

CFMutableDictionaryRef
conv_info_plist_linux(const struct conv_module *m, struct conv_providers *pv,
    const struct conv_options *opt, char *missing, size_t missing_len)
{
	CFMutableDictionaryRef info = CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks), libs;
	CFDictionaryRef personalities;
	char version[64];

	missing[0] = '\0';
	conv_set_identity_keys(info, m, m->kf->lx.name);
	if (conv_linux_bundle_version(m->kf, version, sizeof(version)) != 0) {
		snprintf(version, sizeof(version), "0");
		append_missing(missing, missing_len, "a version (neither version= nor vermagic)");
	} else {
		conv_set_string(info, "OSBundleCompatibleVersion", version);
	}
	conv_set_string(info, "CFBundleVersion", version);
	libs = linux_libraries(m, pv, opt, missing, missing_len);
	conv_set_library_keys(info, libs, opt);
	add_linux_keys(info, m);
	if ((personalities = conv_personalities_linux(m->kf, m->identifier)) != NULL) {
		conv_set_value(info, "IOKitPersonalities", personalities);
		CFRelease(personalities);
	}
	return info;
}
