/*
 * What kextfind asks about one kext (see find.h), each read at most once:
 * the Info.plist dictionary, the executable's module metadata, whether the
 * bundle authenticates, whether the kernel has it loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CoreFoundation/CoreFoundation.h>
#include <CoreFoundation/CFLiteExtras.h>

#include "find_internal.h"
#include "kext/kmod_symbols.h"

CFDictionaryRef
find_info(struct kext_find_item *it)
{
	if (!it->info_tried) {
		CFPropertyListRef pl = CFLitePropertyListCreateFromPath(
		    kext_bundle_info_plist_path(it->bundle), 0, NULL, NULL);

		it->info_tried = true;
		if (pl != NULL && CFGetTypeID(pl) == CFDictionaryGetTypeID())
			it->info = (void *)pl;
		else if (pl != NULL)
			CFRelease(pl);
	}
	return it->info;
}

const struct kmod_file *
kext_find_kmod(struct kext_find_item *it)
{
	const char *exe = kext_bundle_executable_path(it->bundle);

	if (!it->kf_tried) {
		it->kf_tried = true;
		if (exe != NULL && kmod_open(exe, &it->kf, NULL) != 0)
			it->kf = NULL;
	}
	return it->kf;
}

const struct kmod_symbols *
find_symbols(struct kext_find_item *it)
{
	const char *exe = kext_bundle_executable_path(it->bundle);

	if (!it->syms_tried) {
		it->syms_tried = true;
		/* An executable that cannot be read defines and references nothing. */
		if (exe != NULL && (it->syms = calloc(1, sizeof(*it->syms))) != NULL &&
		    kmod_symbols_read(exe, it->syms, NULL) != 0) {
			free(it->syms);
			it->syms = NULL;
		}
	}
	return it->syms;
}

bool
kext_find_is_authentic(struct kext_find_item *it)
{
	if (it->authentic < 0)
		it->authentic = kext_bundle_authenticate(it->bundle, NULL) == 0;
	return it->authentic == 1;
}

/* Loaded: a loaded file is this kext at this version (Apple also compares UUIDs). */
bool
kext_find_is_loaded(struct kext_find_item *it)
{
	const char *id = kext_bundle_identifier(it->bundle);
	const char *v = kext_bundle_version_string(it->bundle);

	if (it->loaded == NULL || id == NULL)
		return false;
	for (size_t i = 0; i < it->loaded->n; i++) {
		const struct kext_loaded_entry *l = &it->loaded->items[i];

		if (l->identifier != NULL && strcmp(l->identifier, id) == 0 &&
		    (v == NULL || l->version == NULL || strcmp(l->version, v) == 0))
			return true;
	}
	return false;
}

char *
find_value_text(CFTypeRef v)
{
	char *out = NULL;

	if (v == NULL)
		return NULL;
	if (CFGetTypeID(v) == CFStringGetTypeID())
		return CFLiteCopyCString(v);
	if (CFGetTypeID(v) == CFBooleanGetTypeID())
		return strdup(CFBooleanGetValue(v) ? "true" : "false");
	if (CFGetTypeID(v) == CFNumberGetTypeID()) {
		long long n = 0;

		CFNumberGetValue(v, kCFNumberSInt64Type, &n);
		if (asprintf(&out, "%lld", n) < 0)
			out = NULL;
		return out;
	}
	if (CFGetTypeID(v) == CFDictionaryGetTypeID())
		return strdup("<dict>");
	if (CFGetTypeID(v) == CFArrayGetTypeID())
		return strdup("<array>");
	return strdup("<data>");
}

CFTypeRef
find_dict_value(CFDictionaryRef d, const char *name)
{
	CFStringRef key;
	CFTypeRef v;

	if (d == NULL || (key = CFStringCreateWithCString(NULL, name, kCFStringEncodingUTF8)) ==
	    NULL)
		return NULL;
	v = CFDictionaryGetValue(d, key);
	CFRelease(key);
	return v;
}

char *
kext_find_property_text(struct kext_find_item *it, const char *name)
{
	return find_value_text(find_dict_value(find_info(it), name));
}

void
kext_find_item_clear(struct kext_find_item *it)
{
	if (it->info != NULL)
		CFRelease(it->info);
	if (it->kf != NULL)
		kmod_free(it->kf);
	if (it->syms != NULL)
		kmod_symbols_free(it->syms);
	free(it->syms);
	free(it->diagnostics);
	it->info = NULL;
	it->kf = NULL;
	it->syms = NULL;
	it->diagnostics = NULL;
	it->info_tried = it->kf_tried = it->syms_tried = false;
	it->authentic = it->loadable = -1;
}
