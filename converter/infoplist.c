/*
 * The Info.plist of one converted module.
 *
 * Apple keys carry what kext tools need (identity, versions, libraries,
 * personalities); FreeBSD* keys keep every module name, version and the exact
 * numeric dependency bounds, so nothing the module declared is lost.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CoreFoundation/CFLiteExtras.h>

#include "convert.h"
#include "kext/fbsd_version.h"

/*
 * Module strings are bytes, not always UTF-8 (a Latin-1 MODULE_DESCRIPTION, a
 * name with a stray byte): those are read as Latin-1, which keeps every byte
 * as one character, instead of becoming a NULL that no plist can hold.
 */
static CFStringRef
module_string(const char *s)
{
	CFStringRef v = CFStringCreateWithCString(NULL, s, kCFStringEncodingUTF8);

	return v != NULL ? v : CFStringCreateWithCString(NULL, s, kCFStringEncodingISOLatin1);
}

void
conv_set_value(CFMutableDictionaryRef d, const char *key, CFTypeRef value)
{
	CFStringRef k = module_string(key);

	CFDictionarySetValue(d, k, value);
	CFRelease(k);
}

/* The bundle identity keys, the same for a module of any OS. */
void
conv_set_identity_keys(CFMutableDictionaryRef info, const struct conv_module *m, const char *name)
{
	conv_set_string(info, "CFBundleIdentifier", m->identifier);
	conv_set_string(info, "CFBundleExecutable", m->file_name);
	conv_set_string(info, "CFBundleName", name);
	conv_set_string(info, "CFBundlePackageType", "KEXT");
	conv_set_string(info, "CFBundleInfoDictionaryVersion", "6.0");
	conv_set_string(info, "CFBundleSignature", "????");
}

/* Consumes libs: kept only when the module needs any library. */
void
conv_set_library_keys(CFMutableDictionaryRef info, CFMutableDictionaryRef libs,
    const struct conv_options *opt)
{
	if (CFDictionaryGetCount(libs) > 0)
		conv_set_value(info, "OSBundleLibraries", libs);
	CFRelease(libs);
	if (opt->required != NULL)
		conv_set_string(info, "OSBundleRequired", opt->required);
}

char *
conv_take_error_text(CFErrorRef e)
{
	CFStringRef d = e != NULL ? CFErrorCopyDescription(e) : NULL;
	char *text = d != NULL ? CFLiteCopyCString(d) : NULL;

	if (d != NULL)
		CFRelease(d);
	if (e != NULL)
		CFRelease(e);
	return text;
}

void
conv_set_string(CFMutableDictionaryRef d, const char *key, const char *value)
{
	CFStringRef v = module_string(value);

	conv_set_value(d, key, v);
	CFRelease(v);
}

void
conv_set_int(CFMutableDictionaryRef d, const char *key, long long value)
{
	CFNumberRef v = CFNumberCreate(NULL, kCFNumberLongLongType, &value);

	conv_set_value(d, key, v);
	CFRelease(v);
}

void
conv_append_string(CFMutableArrayRef a, const char *value)
{
	CFStringRef v = module_string(value);

	CFArrayAppendValue(a, v);
	CFRelease(v);
}

static CFMutableDictionaryRef
new_dict(void)
{
	return CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
	    &kCFTypeDictionaryValueCallBacks);
}

static CFMutableArrayRef
new_array(void)
{
	return CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
}

/*
 * The version that names the bundle: the MODULE_VERSION named like the file,
 * else like its first module, else the first one declared.
 */
static const struct kmod_version *
main_version(const struct conv_module *m, const char *stem)
{
	const struct kmod_module *mod = kmod_first_module(m->kf);
	const struct kmod_version *v = kmod_find_version(m->kf, stem);

	if (v == NULL && mod != NULL)
		v = kmod_find_version(m->kf, mod->name);
	for (size_t i = 0; v == NULL && i < m->kf->num_records; i++)
		if (m->kf->records[i].type == KMOD_VERSION)
			v = &m->kf->records[i].u.version;
	return v;
}

static void
add_freebsd_keys(CFMutableDictionaryRef info, const struct conv_module *m)
{
	CFMutableArrayRef modules = new_array(), deps = new_array();
	CFMutableDictionaryRef versions = new_dict();

	conv_set_string(info, "FreeBSDKernelModuleFile", m->file_name);
	conv_set_string(info, "FreeBSDArchitecture", m->kf->arch);
	if (m->pkg_origin != NULL)
		conv_set_string(info, "FreeBSDPackageOrigin", m->pkg_origin);
	if (m->pkg_version != NULL)
		conv_set_string(info, "FreeBSDPackageVersion", m->pkg_version);
	conv_release_keys(info, &m->release);
	for (size_t i = 0; i < m->kf->num_records; i++) {
		const struct kmod_record *r = &m->kf->records[i];
		CFMutableDictionaryRef d;

		switch (r->type) {
		case KMOD_MODULE:
			d = new_dict();
			conv_set_string(d, "Name", r->u.module.name);
			conv_set_string(d, "DeclaredAs", r->u.module.cval);
			CFArrayAppendValue(modules, d);
			CFRelease(d);
			break;
		case KMOD_VERSION:
			conv_set_int(versions, r->u.version.name, r->u.version.version);
			break;
		case KMOD_DEPEND:
			d = new_dict();
			conv_set_string(d, "Module", r->u.depend.name);
			conv_set_int(d, "Minimum", r->u.depend.min);
			conv_set_int(d, "Preferred", r->u.depend.pref);
			conv_set_int(d, "Maximum", r->u.depend.max);
			CFArrayAppendValue(deps, d);
			CFRelease(d);
			break;
		case KMOD_PNP_INFO:
			break;
		}
	}
	if (CFArrayGetCount(modules) > 0)
		conv_set_value(info, "FreeBSDModules", modules);
	if (CFDictionaryGetCount(versions) > 0)
		conv_set_value(info, "FreeBSDModuleVersions", versions);
	if (CFArrayGetCount(deps) > 0)
		conv_set_value(info, "FreeBSDModuleDependencies", deps);
	CFRelease(modules);
	CFRelease(versions);
	CFRelease(deps);
}

/*
 * FreeBSD registers a module's version only from MODULE_VERSION (see
 * kext_tools/lib/plan/load_depends.c): a bundle that has the module but no
 * version of it is named, since it cannot meet the dependency.
 */
static void
append_missing(char *missing, size_t len, const struct kmod_depend *d,
    struct conv_providers *pv)
{
	const struct conv_provider *u = conv_providers_find_unversioned(pv, d->name);
	size_t used = strlen(missing);

	snprintf(missing + used, len - used, "%s%s (version %d, accepted %d..%d%s%s%s%s%s)",
	    used ? ", " : "", d->name, d->pref, d->min, d->max,
	    u ? "; " : "", u ? u->identifier : "", u ? " registers module " : "",
	    u ? d->name : "", u ? " without MODULE_VERSION, so it cannot meet it" : "");
}

/* Keeps the highest kernel version any DECLARE_MODULE of the file asks for. */
static void
require_kernel(CFMutableDictionaryRef libs, const char *kernel_id, int pref, int *kernel_pref)
{
	char v[KEXT_FBSD_VERSION_STRMAX];

	if (pref <= *kernel_pref || kext_fbsd_osreldate_string(pref, v, sizeof(v)) != 0)
		return;
	*kernel_pref = pref;
	conv_set_string(libs, kernel_id, v);
}

/*
 * OSBundleLibraries from MODULE_DEPEND: "kernel" is the kernel kext; other
 * names go to the bundle whose module provides that version. The requested
 * version is the provider's version FreeBSD's rule picked, so Apple's rule
 * (compatible <= requested <= current) accepts the same provider.
 */
static CFMutableDictionaryRef
libraries(const struct conv_module *m, struct conv_providers *pv, const struct conv_options *opt,
    char *missing, size_t missing_len)
{
	CFMutableDictionaryRef libs = new_dict();
	int kernel_pref = 0;

	for (size_t i = 0; i < m->kf->num_records; i++) {
		const struct kmod_record *r = &m->kf->records[i];
		const struct kmod_depend *d = &r->u.depend;
		const struct conv_provider *p;
		char v[KEXT_FBSD_VERSION_STRMAX];

		if (r->type != KMOD_DEPEND)
			continue;
		if (strcmp(d->name, "kernel") == 0) {
			require_kernel(libs, opt->kernel_id, d->pref, &kernel_pref);
			continue;
		}
		if (kmod_find_version(m->kf, d->name) != NULL)
			continue;	/* a self reference; the kernel ignores it too */
		if ((p = conv_providers_find(pv, d->name, d->min, d->pref, d->max)) == NULL) {
			append_missing(missing, missing_len, d, pv);
			continue;
		}
		if (p->source == CONV_FROM_KERNEL)
			continue;	/* built into the kernel: the kernel kext covers it */
		/*
		 * The providing bundle's own version: one bundle may provide several
		 * interfaces (sound.ko: sound 5 and midi 1), but it has one version.
		 */
		if (p->version_string == NULL)
			kext_fbsd_module_version_string(p->version, v, sizeof(v));
		conv_set_string(libs, p->identifier, p->version_string ? p->version_string : v);
	}
	return libs;
}

/*
 * Libraries named by the user (ko2kext.sh -l) join those the module's
 * MODULE_DEPENDs give, at version 1.0 as NextBSD's ko2kext.sh writes them.
 */
static void
add_extra_libraries(CFMutableDictionaryRef libs, const struct conv_options *opt)
{
	for (size_t i = 0; i < opt->num_extra_libraries; i++) {
		CFStringRef id = CFStringCreateWithCString(NULL, opt->extra_libraries[i],
		    kCFStringEncodingUTF8);

		if (id != NULL && !CFDictionaryContainsKey(libs, id))
			conv_set_string(libs, opt->extra_libraries[i], "1.0");
		if (id != NULL)
			CFRelease(id);
	}
}

static void
merge_extra(CFMutableDictionaryRef info, CFDictionaryRef extra)
{
	CFIndex n = CFDictionaryGetCount(extra);
	const void **keys = calloc((size_t)n + 1, sizeof(*keys));
	const void **values = calloc((size_t)n + 1, sizeof(*values));

	if (keys != NULL && values != NULL) {
		CFDictionaryGetKeysAndValues(extra, keys, values);
		for (CFIndex i = 0; i < n; i++)
			CFDictionarySetValue(info, keys[i], values[i]);
	}
	free(keys);
	free(values);
}

static const char *
override_for(const struct conv_options *opt, const char *stem)
{
	size_t len = strlen(stem);

	for (size_t i = 0; i < opt->num_id_overrides; i++) {
		const char *o = opt->id_overrides[i];

		if (strncmp(o, stem, len) == 0 && o[len] == '=')
			return o + len + 1;
	}
	return NULL;
}

const char *
conv_name_override(const struct conv_options *opt, const char *stem)
{
	size_t len = strlen(stem);

	for (size_t i = 0; i < opt->num_name_overrides; i++) {
		const char *o = opt->name_overrides[i];

		if (strchr(o, '=') == NULL)
			return o;	/* a bare name: the run converts one module */
		if (strncmp(o, stem, len) == 0 && o[len] == '=')
			return o + len + 1;
	}
	return NULL;
}

/* Whether some module of set has the stem the "stem=value" option o names. */
static bool
stem_matches(const struct conv_set *set, const char *o)
{
	const char *eq = strchr(o, '=');

	if (eq == NULL)
		return true;
	for (size_t i = 0; i < set->n; i++) {
		const struct conv_module *m = &set->mods[i];
		size_t len = strlen(m->file_name), stem = len > 3 ? len - 3 : len;
		bool lx = m->kf != NULL && m->kf->os == KMOD_OS_LINUX;

		if (lx && strlen(m->kf->lx.name) == (size_t)(eq - o) &&
		    strncmp(m->kf->lx.name, o, (size_t)(eq - o)) == 0)
			return true;
		if (!lx && stem == (size_t)(eq - o) && strncmp(m->file_name, o, stem) == 0)
			return true;
	}
	return false;
}

const char *
conv_unmatched_override(const struct conv_options *opt, const struct conv_set *set)
{
	for (size_t i = 0; i < opt->num_id_overrides; i++)
		if (!stem_matches(set, opt->id_overrides[i]))
			return opt->id_overrides[i];
	for (size_t i = 0; i < opt->num_name_overrides; i++)
		if (!stem_matches(set, opt->name_overrides[i]))
			return opt->name_overrides[i];
	return NULL;
}

/* Fills m->identifier and m->bundle_name from the file name and the options. */
int
conv_name_module(struct conv_module *m, const struct conv_options *opt)
{
	size_t len = strlen(m->file_name);
	bool lx = m->kf != NULL && m->kf->os == KMOD_OS_LINUX;
	/* a Linux module is named by its .modinfo name, as the kernel registers it */
	char *stem = lx ? strdup(m->kf->lx.name) : strndup(m->file_name, len > 3 ? len - 3 : len);
	const char *id, *name, *prefix = opt->prefix;

	if (stem == NULL)
		return -1;
	if (lx && (prefix == NULL || strcmp(prefix, KO2KEXT_DEFAULT_PREFIX) == 0))
		prefix = KO2KEXT_LINUX_PREFIX;
	id = override_for(opt, stem);
	if (id != NULL)
		m->identifier = strdup(id);
	else if (asprintf(&m->identifier, "%s.%s", prefix, stem) < 0)
		m->identifier = NULL;
	name = conv_name_override(opt, stem);
	stem[0] = (char)(stem[0] >= 'a' && stem[0] <= 'z' ? stem[0] - 'a' + 'A' : stem[0]);
	if (asprintf(&m->bundle_name, "%s.kext", name != NULL ? name : stem) < 0)
		m->bundle_name = NULL;
	free(stem);
	return m->identifier != NULL && m->bundle_name != NULL ? 0 : -1;
}

/*
 * The version policy (ko2kext(8), VERSIONS): CFBundleVersion is the module's
 * MODULE_VERSION; a module that declares none gets the release's own version
 * when it comes from a release tarball that states one, else "0".
 * OSBundleCompatibleVersion is written only beside a MODULE_VERSION, equal to
 * it, so it is never above CFBundleVersion.
 */
static bool
module_version_string(const struct conv_module *m, char *buf, size_t len)
{
	size_t n = strlen(m->file_name);
	char stem[256];
	const struct kmod_version *v;

	snprintf(stem, sizeof(stem), "%.*s", (int)(n > 3 ? n - 3 : n), m->file_name);
	return (v = main_version(m, stem)) != NULL &&
	    kext_fbsd_module_version_string(v->version, buf, len) == 0;
}

void
conv_bundle_version(const struct conv_module *m, char *buf, size_t len)
{
	if (!module_version_string(m, buf, len) &&
	    conv_release_version(&m->release, buf, len) != 0)
		snprintf(buf, len, "0");
}

CFMutableDictionaryRef
conv_info_plist(const struct conv_module *m, struct conv_providers *pv,
    const struct conv_options *opt, char *missing, size_t missing_len)
{
	CFMutableDictionaryRef info = new_dict(), libs;
	CFDictionaryRef personalities;
	const struct kmod_module *mod = kmod_first_module(m->kf);
	size_t len = strlen(m->file_name);
	char stem[256], version[KEXT_FBSD_VERSION_STRMAX];

	if (m->kf->os == KMOD_OS_LINUX) {
		CFRelease(info);
		info = conv_info_plist_linux(m, pv, opt, missing, missing_len);
		if (opt->extra != NULL)
			merge_extra(info, opt->extra);
		return info;
	}
	snprintf(stem, sizeof(stem), "%.*s", (int)(len > 3 ? len - 3 : len), m->file_name);
	missing[0] = '\0';
	conv_set_identity_keys(info, m, conv_name_override(opt, stem) != NULL ?
	    conv_name_override(opt, stem) : mod != NULL ? mod->name : stem);
	if (module_version_string(m, version, sizeof(version)))
		conv_set_string(info, "OSBundleCompatibleVersion", version);
	conv_bundle_version(m, version, sizeof(version));
	conv_set_string(info, "CFBundleVersion", version);
	libs = libraries(m, pv, opt, missing, missing_len);
	add_extra_libraries(libs, opt);
	conv_set_library_keys(info, libs, opt);
	personalities = conv_personalities(m->kf, m->identifier, mod != NULL ? mod->name : stem);
	if (personalities != NULL) {
		conv_set_value(info, "IOKitPersonalities", personalities);
		CFRelease(personalities);
	}
	add_freebsd_keys(info, m);
	if (opt->extra != NULL)
		merge_extra(info, opt->extra);
	return info;
}
