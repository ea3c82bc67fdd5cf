/*
 * A staged bundle is validated by the engine, with the checks kextload runs
 * on the very Info.plist bytes and executable written, before it is
 * installed: a bundle kextload would refuse is never written. The error names each key at fault, what was
 * expected and found, and where the value came from, which says what to
 * change: the module's name with -p or -i, the kernel kext with -k, or the
 * -m plist.
 */
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CoreFoundation/CoreFoundation.h>

#include "convert.h"
#include "kext/bundle.h"
#include "kext/diag.h"

/* At most this many failures are spelled out; the rest are counted. */
#define SHOWN_FAILURES 3

/* The top-level key a diagnostic value starts with ("OSBundleLibraries.x - ..."). */
static void
top_key(const char *value, char *buf, size_t len)
{
	size_t n = strcspn(value, ". ");

	snprintf(buf, len, "%.*s", (int)n, value);
}

/* The library key after "OSBundleLibraries." up to " - ", or "". */
static void
library_key(const char *value, char *buf, size_t len)
{
	const char *p = value + strlen("OSBundleLibraries."), *end = strstr(p, " - ");

	if (strncmp(value, "OSBundleLibraries.", strlen("OSBundleLibraries.")) != 0)
		p = end = value;
	snprintf(buf, len, "%.*s", (int)(end ? end - p : 0), p);
}

/* A key path shows long keys cut to a prefix and "...". */
static bool
same_key(const char *shown, const char *key)
{
	size_t n = strlen(shown);

	if (n > 3 && strcmp(shown + n - 3, "...") == 0)
		return strncmp(shown, key, n - 3) == 0;
	return strcmp(shown, key) == 0;
}

static bool
merged(const struct conv_options *opt, const char *key)
{
	CFStringRef k;
	bool found;

	if (opt->extra == NULL)
		return false;
	k = CFStringCreateWithCString(NULL, key, kCFStringEncodingUTF8);
	found = k != NULL && CFDictionaryContainsKey(opt->extra, k);
	if (k != NULL)
		CFRelease(k);
	return found;
}

/* The stem -i names a module by: its file name less ".ko", a Linux module's own name. */
static void
module_stem(const struct conv_module *m, char *buf, size_t len)
{
	const char *dot = strrchr(m->file_name, '.');

	if (m->kf != NULL && m->kf->os == KMOD_OS_LINUX)
		snprintf(buf, len, "%s", m->kf->lx.name);
	else
		snprintf(buf, len, "%.*s", (int)(dot ? dot - m->file_name :
		    (ptrdiff_t)strlen(m->file_name)), m->file_name);
}

/* -i STEM=ID for this module, or NULL. */
static const char *
override(const struct conv_options *opt, const char *stem)
{
	size_t n = strlen(stem);

	for (size_t i = 0; i < opt->num_id_overrides; i++)
		if (strncmp(opt->id_overrides[i], stem, n) == 0 && opt->id_overrides[i][n] == '=')
			return opt->id_overrides[i];
	return NULL;
}

/* Where the value of the failing key came from, and so what to change. */
static void
fix_for(const struct conv_module *m, const struct conv_options *opt, const char *value,
    char *buf, size_t len)
{
	char key[128], lib[128], stem[256];
	const char *o;

	top_key(value, key, sizeof(key));
	library_key(value, lib, sizeof(lib));
	module_stem(m, stem, sizeof(stem));
	if (merged(opt, key)) {
		snprintf(buf, len, "%s comes from -m %s: correct it there or leave it out", key,
		    opt->extra_path ? opt->extra_path : "PLIST");
	} else if (strcmp(key, "CFBundleIdentifier") == 0 &&
	    (o = override(opt, stem)) != NULL) {
		snprintf(buf, len, "it comes from -i %s: give a valid identifier", o);
	} else if (strcmp(key, "CFBundleIdentifier") == 0) {
		snprintf(buf, len, "it is the -p prefix '%.100s' and the module's name '%.100s': "
		    "choose a shorter prefix with -p, or name this module with -i %.100s=IDENTIFIER",
		    opt->prefix ? opt->prefix : "", stem, stem);
	} else if (strcmp(key, "OSBundleLibraries") == 0 && opt->kernel_id != NULL &&
	    same_key(lib, opt->kernel_id)) {
		snprintf(buf, len, "'%s' is the kernel kext's identifier given with -k: give a "
		    "valid one", lib);
	} else if (strcmp(key, "OSBundleLibraries") == 0) {
		snprintf(buf, len, "it names the bundle that provides one of the module's "
		    "dependencies: give that bundle a valid identifier (-p or -i when converting it)");
	} else {
		snprintf(buf, len, "it was written from %s's own metadata", m->origin);
	}
}

static void
append(char *buf, size_t len, const char *text)
{
	size_t used = strlen(buf);

	if (used + 1 < len)
		snprintf(buf + used, len - used, "%s", text);
}

/*
 * Messages name the bundle being written (outdir/Foo.kext), never the hidden
 * staging folder it sits in until it is renamed into place.
 */
static void
unstage_paths(kext_error *err, const char *staged, const char *outdir, const char *name)
{
	char out[KEXT_ERROR_MAX], *at, *from = err->msg;
	size_t used = 0, n = strlen(staged);
	int w;

	out[0] = '\0';
	while ((at = strstr(from, staged)) != NULL && used < sizeof(out)) {
		w = snprintf(out + used, sizeof(out) - used, "%.*s%s/%s", (int)(at - from), from,
		    outdir, name);
		used += w > 0 ? (size_t)w : 0;
		from = at + n;
	}
	if (used < sizeof(out))
		snprintf(out + used, sizeof(out) - used, "%s", from);
	snprintf(err->msg, sizeof(err->msg), "%s", out);
}

int
conv_check_bundle(const char *outdir, const struct kext_bundle_written *w,
    const struct conv_module *m, const struct conv_options *opt, kext_error *err)
{
	struct kext_bundle *b;
	const struct kext_diags *d;
	char msg[KEXT_ERROR_MAX] = "", fix[512], line[768];
	size_t shown = 0, failures;

	if (kext_bundle_open_written(w, &b, err) != 0) {
		unstage_paths(err, w->path, outdir, m->bundle_name);
		return kext_fail_prefix(err, "%s: the bundle written for %s cannot be opened: ",
		    m->bundle_name, m->origin);
	}
	if (kext_bundle_is_valid(b)) {
		kext_bundle_release(b);
		return 0;
	}
	d = kext_bundle_diags_const(b);
	failures = kext_diags_count(d, KEXT_DIAG_MASK(KEXT_DIAG_VALIDATION));
	for (size_t i = 0; i < kext_diags_count(d, KEXT_DIAG_ALL) && shown < SHOWN_FAILURES;
	    i++) {
		const struct kext_diag *g = kext_diags_at(d, i);

		if (g->category != KEXT_DIAG_VALIDATION)
			continue;
		fix[0] = '\0';
		if (g->value != NULL)
			fix_for(m, opt, g->value, fix, sizeof(fix));
		snprintf(line, sizeof(line), "%s%s: %s%s%s", shown ? "; " : "", g->message,
		    g->value ? g->value : "", fix[0] ? "; " : "", fix);
		append(msg, sizeof(msg), line);
		shown++;
	}
	if (failures > shown) {
		snprintf(line, sizeof(line), "; and %zu more (kextutil -t lists them)",
		    failures - shown);
		append(msg, sizeof(msg), line);
	}
	kext_bundle_release(b);
	kext_fail(err, EINVAL, "%s/%s (from %s): not written, kextload would refuse it: %s",
	    outdir, m->bundle_name, m->origin, msg);
	unstage_paths(err, w->path, outdir, m->bundle_name);	/* paths in the diagnostics */
	return -1;
}
