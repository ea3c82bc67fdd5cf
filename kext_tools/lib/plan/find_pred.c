/*
 * kextfind's predicates (see find.h), with the spellings of Apple's
 * kextfind(8): a short and a long name each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "find_internal.h"
#include "kext/diag.h"
#include "kext/kmod_symbols.h"
#include "kext/version.h"

/*
 * Apple's semantics, from kext_tools' kextfind_query.c (evalFlag,
 * evalArchExact, evalDefinesOrReferencesSymbol): -d is OSKextResolveDependencies,
 * -l OSKextIsLoadable (valid, authentic, dependencies resolved: OSKext.h),
 * -ax every architecture asked for is in the executable and every one in the
 * executable was asked for.
 */
static const struct find_pred_info preds[] = {
	{"-b", "-bundle-id", P_BUNDLE_ID, 1, true, false, NULL},
	{"-B", "-bundle-name", P_BUNDLE_NAME, 1, true, false, NULL},
	{"-p", "-property", P_PROPERTY, 2, true, false, NULL},
	{"-pe", "-property-exists", P_PROPERTY_EXISTS, 1, false, false, NULL},
	{"-m", "-match-property", P_MATCH_PROPERTY, 2, true, false, NULL},
	{"-me", "-match-property-exists", P_MATCH_PROPERTY_EXISTS, 1, false, false, NULL},
	{"-a", "-authentic", P_AUTHENTIC, 0, false, false, NULL},
	{"-na", "-inauthentic", P_INAUTHENTIC, 0, false, false, NULL},
	{"-v", "-valid", P_VALID, 0, false, false, NULL},
	{"-nv", "-invalid", P_INVALID, 0, false, false, NULL},
	{"-w", "-warnings", P_WARNINGS, 0, false, false, NULL},
	{"-loaded", NULL, P_LOADED, 0, false, true, NULL},
	{"-x", "-executable", P_EXECUTABLE, 0, false, false, NULL},
	{"-nx", "-no-executable", P_NO_EXECUTABLE, 0, false, false, NULL},
	{"-lib", "-library", P_LIBRARY, 0, false, false, NULL},
	{"-kernel-resource", NULL, P_KERNEL_RESOURCE, 0, false, false, NULL},
	{"-plugin", NULL, P_PLUGIN, 0, false, false, NULL},
	{"-has-plugins", NULL, P_HAS_PLUGINS, 0, false, false, NULL},
	{"-C", "-console", P_CONSOLE, 0, false, false, NULL},
	{"-L", "-local-root", P_LOCAL_ROOT, 0, false, false, NULL},
	{"-N", "-network-root", P_NETWORK_ROOT, 0, false, false, NULL},
	{"-R", "-root", P_ROOT, 0, false, false, NULL},
	{"-S", "-safe-boot", P_SAFE_BOOT, 0, false, false, NULL},
	{"-V", "-version", P_VERSION, 1, false, false, NULL},
	{"-compatible-with-version", NULL, P_COMPATIBLE, 1, false, false, NULL},
	{"-arch", NULL, P_ARCH, 1, false, false, NULL},
	{"-ax", "-arch-exact", P_ARCH_EXACT, 1, false, false, NULL},
	{"-dsym", "-defines-symbol", P_DEFINES_SYMBOL, 1, false, false, NULL},
	{"-rsym", "-references-symbol", P_REFERENCES_SYMBOL, 1, false, false, NULL},
	{"-d", "-dependencies-met", P_DEPENDENCIES_MET, 0, false, true, NULL},
	{"-nd", "-dependencies-missing", P_DEPENDENCIES_MISSING, 0, false, true, NULL},
	{"-l", "-loadable", P_LOADABLE, 0, false, true, NULL},
	{"-nl", "-nonloadable", P_NONLOADABLE, 0, false, true, NULL},
	{"-module", NULL, P_MODULE, 1, true, false, NULL},
	/*
	 * Apple's, meaningless here: -debug is OSKextHasLogOrDebugFlags (a true
	 * OSBundleEnableKextLogging or a nonzero IOKitDebug in a personality:
	 * OSKext.h), -integrity the BOM receipt check kextfind_query.h says no
	 * kext matches since Snow Leopard.
	 */
	{"-debug", NULL, P_UNSUPPORTED, 0, false, false,
	    "it asks for OSBundleEnableKextLogging and IOKitDebug, logging flags only "
	    "Apple's kernel reads; FreeBSD's kernel linker has none"},
	{"-integrity", NULL, P_UNSUPPORTED, 0, false, false,
	    "it asks for Apple's installer-receipt integrity state, which FreeBSD "
	    "kexts do not have (Apple's kextfind matches nothing since Mac OS X 10.6)"},
};

const struct find_pred_info *
find_pred_lookup(const char *word)
{
	for (size_t i = 0; i < sizeof(preds) / sizeof(preds[0]); i++)
		if (strcmp(word, preds[i].name) == 0 ||
		    (preds[i].alias != NULL && strcmp(word, preds[i].alias) == 0))
			return &preds[i];
	return NULL;
}

static bool
str_match(const char *value, const struct find_pred_args *a)
{
	const char *want = a->arg[a->arg[1] != NULL ? 1 : 0];

	if (value == NULL)
		return false;
	if (a->substring)
		return a->icase ? strcasestr(value, want) != NULL : strstr(value, want) != NULL;
	return a->icase ? strcasecmp(value, want) == 0 : strcmp(value, want) == 0;
}

/* A property value against the wanted text: strings, numbers, booleans (true/yes/1). */
static bool
value_match(CFTypeRef v, const struct find_pred_args *a)
{
	const char *want = a->arg[1];
	char *text;
	bool m;

	if (v == NULL)
		return false;
	if (CFGetTypeID(v) == CFBooleanGetTypeID()) {
		bool t = strcasecmp(want, "true") == 0 || strcasecmp(want, "yes") == 0 ||
		    strcmp(want, "1") == 0;
		bool f = strcasecmp(want, "false") == 0 || strcasecmp(want, "no") == 0 ||
		    strcmp(want, "0") == 0;

		return CFBooleanGetValue(v) ? t : f;
	}
	if (CFGetTypeID(v) != CFStringGetTypeID() && CFGetTypeID(v) != CFNumberGetTypeID())
		return false;
	text = find_value_text(v);
	m = str_match(text, a);
	free(text);
	return m;
}

/* Some IOKitPersonalities entry has the property (and, with a value, matches it). */
static bool
match_property(struct kext_find_item *it, const struct find_pred_args *a, bool exists)
{
	CFTypeRef pers = find_dict_value(find_info(it), "IOKitPersonalities");
	const void **values;
	CFIndex n;
	bool m = false;

	if (pers == NULL || CFGetTypeID(pers) != CFDictionaryGetTypeID())
		return false;
	n = CFDictionaryGetCount(pers);
	if ((values = calloc((size_t)n + 1, sizeof(*values))) == NULL)
		return false;
	CFDictionaryGetKeysAndValues(pers, NULL, values);
	for (CFIndex i = 0; i < n && !m; i++) {
		CFTypeRef v;

		if (CFGetTypeID(values[i]) != CFDictionaryGetTypeID())
			continue;
		v = find_dict_value(values[i], a->arg[0]);
		m = exists ? v != NULL : value_match(v, a);
	}
	free(values);
	return m;
}

/* "[ne|gt|ge|lt|le]V" or "V1-V2" against the bundle's version. */
static bool
version_match(const char *expr, kext_version have)
{
	static const char *const ops[] = {"ne", "gt", "ge", "lt", "le"};
	const char *dash = strchr(expr, '-');
	kext_version want;
	int c;

	if (have <= 0)
		return false;
	if (dash != NULL) {
		char low[64];
		kext_version lo, hi;

		snprintf(low, sizeof(low), "%.*s", (int)(dash - expr), expr);
		lo = kext_version_parse(low);
		hi = kext_version_parse(dash + 1);
		return lo != KEXT_VERSION_INVALID && hi != KEXT_VERSION_INVALID &&
		    kext_version_compare(have, lo) >= 0 && kext_version_compare(have, hi) <= 0;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strncmp(expr, ops[i], 2) != 0)
			continue;
		if ((want = kext_version_parse(expr + 2)) == KEXT_VERSION_INVALID)
			return false;
		c = kext_version_compare(have, want);
		return i == 0 ? c != 0 : i == 1 ? c > 0 : i == 2 ? c >= 0 : i == 3 ? c < 0 : c <= 0;
	}
	want = kext_version_parse(expr);
	return want != KEXT_VERSION_INVALID && kext_version_compare(have, want) == 0;
}

/* Every architecture of the comma list is the executable's (an ELF file has one). */
static bool
arch_match(struct kext_find_item *it, const char *list)
{
	const struct kmod_file *kf = kext_find_kmod(it);
	char *copy, *save = NULL;
	bool m = kf != NULL && kf->arch != NULL;

	if (!m || (copy = strdup(list)) == NULL)
		return false;
	for (char *a = strtok_r(copy, ",", &save); a != NULL && m; a = strtok_r(NULL, ",", &save))
		m = strcmp(a, kf->arch) == 0;
	free(copy);
	return m;
}

/*
 * The executable's architectures are exactly the list: each one asked for is
 * there and each one there was asked for (an ELF file has one architecture,
 * so every word must name it).
 */
static bool
arch_exact_match(struct kext_find_item *it, const char *list)
{
	const struct kmod_file *kf = kext_find_kmod(it);
	char *copy, *save = NULL;
	bool asked = false, all = true;

	if (kf == NULL || kf->arch == NULL || (copy = strdup(list)) == NULL)
		return false;
	for (char *a = strtok_r(copy, ",", &save); a != NULL; a = strtok_r(NULL, ",", &save)) {
		if (strcmp(a, kf->arch) == 0)
			asked = true;
		else
			all = false;
	}
	free(copy);
	return asked && all;
}

static bool
symbol_match(struct kext_find_item *it, const char *name, bool defines)
{
	const struct kmod_symbols *s = find_symbols(it);

	if (s == NULL)
		return false;
	return kmod_symbols_has(defines ? &s->defined : &s->undefined, name);
}

static bool
module_match(struct kext_find_item *it, const struct find_pred_args *a)
{
	const struct kmod_file *kf = kext_find_kmod(it);

	if (kf == NULL)
		return false;
	if (kf->os == KMOD_OS_LINUX)
		return str_match(kf->lx.name, a);
	for (size_t i = 0; i < kf->num_records; i++)
		if (kf->records[i].type == KMOD_MODULE && str_match(kf->records[i].u.module.name, a))
			return true;
	return false;
}

static bool
required_is(struct kext_find_item *it, const char *value)
{
	const char *r = kext_bundle_required(it->bundle);

	return r != NULL && strcmp(r, value) == 0;
}

static const char *
bundle_name(const struct kext_bundle *b)
{
	const char *p = kext_bundle_path(b), *slash = strrchr(p, '/');

	return slash != NULL ? slash + 1 : p;
}

bool
find_pred_eval(enum find_pred pred, const struct find_pred_args *a, struct kext_find_item *it)
{
	struct kext_bundle *b = it->bundle;

	switch (pred) {
	case P_BUNDLE_ID: return str_match(kext_bundle_identifier(b), a);
	case P_BUNDLE_NAME: return str_match(bundle_name(b), a);
	case P_PROPERTY: return value_match(find_dict_value(find_info(it), a->arg[0]), a);
	case P_PROPERTY_EXISTS: return find_dict_value(find_info(it), a->arg[0]) != NULL;
	case P_MATCH_PROPERTY: return match_property(it, a, false);
	case P_MATCH_PROPERTY_EXISTS: return match_property(it, a, true);
	case P_AUTHENTIC: return kext_find_is_authentic(it);
	case P_INAUTHENTIC: return !kext_find_is_authentic(it);
	case P_VALID: return kext_bundle_is_valid(b);
	case P_INVALID: return !kext_bundle_is_valid(b);
	case P_WARNINGS:
		return kext_diags_count(kext_bundle_diags_const(b),
		    KEXT_DIAG_MASK(KEXT_DIAG_WARNING)) > 0;
	case P_LOADED: return kext_find_is_loaded(it);
	case P_EXECUTABLE: return kext_bundle_executable_name(b) != NULL;
	case P_NO_EXECUTABLE: return kext_bundle_executable_name(b) == NULL;
	case P_LIBRARY: return kext_bundle_is_library(b);
	case P_KERNEL_RESOURCE: return kext_bundle_is_kernel_component(b);
	case P_PLUGIN: return kext_bundle_is_plugin(b);
	case P_HAS_PLUGINS: return kext_bundle_plugin_count(b) > 0;
	case P_CONSOLE: return required_is(it, "Console");
	case P_LOCAL_ROOT: return required_is(it, "Local-Root");
	case P_NETWORK_ROOT: return required_is(it, "Network-Root");
	case P_ROOT: return required_is(it, "Root");
	case P_SAFE_BOOT: return required_is(it, "Safe Boot");
	case P_VERSION: return version_match(a->arg[0], kext_bundle_version(b));
	case P_COMPATIBLE:
		return kext_bundle_is_library(b) && kext_version_satisfies(
		    kext_bundle_compatible_version(b), kext_bundle_version(b),
		    kext_version_parse(a->arg[0]));
	case P_ARCH: return arch_match(it, a->arg[0]);
	case P_MODULE: return module_match(it, a);
	case P_ARCH_EXACT: return arch_exact_match(it, a->arg[0]);
	case P_DEFINES_SYMBOL: return symbol_match(it, a->arg[0], true);
	case P_REFERENCES_SYMBOL: return symbol_match(it, a->arg[0], false);
	case P_DEPENDENCIES_MET: return find_dependencies_met(it);
	case P_DEPENDENCIES_MISSING: return !find_dependencies_met(it);
	case P_LOADABLE: return find_loadable(it);
	case P_NONLOADABLE: return !find_loadable(it);
	case P_PRINT_PATH:
	case P_UNSUPPORTED:
		break;
	}
	return false;
}
