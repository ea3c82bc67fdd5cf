/*
 * One personality against a device, then every kext against it, best first
 * (the order is documented in kext/match.h: IOProbeScore, specificity,
 * identifier). Personalities are visited in name order so notes and ties
 * come out the same on every run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kext/sort.h"
#include "match_internal.h"

static const struct language {
	const char *rule;
	int (*match)(const struct kext_device *, CFDictionaryRef, int *, kext_error *);
} languages[] = {
	{ "FreeBSD PnP table", match_freebsd },
	{ "IOPCIMatch", match_pci },
	{ "USB keys", match_usb },
	{ "IONameMatch", match_names },
	{ "LinuxModalias", match_modalias },
};

int
kext_match_personality(const struct kext_device *d, CFDictionaryRef personality,
    int *specificity, const char **rule, kext_error *err)
{
	const char *first = NULL;
	int spec = 0, rc = 1;

	if (personality == NULL || CFGetTypeID(personality) != CFDictionaryGetTypeID())
		return kext_fail(err, EINVAL, "expected a <dict>");
	for (size_t i = 0; i < sizeof(languages) / sizeof(languages[0]); i++) {
		int s = 0, r = languages[i].match(d, personality, &s, err);

		if (r < 0)
			return -1;
		if (r == 2)
			continue;
		if (first == NULL)
			first = languages[i].rule;
		if (r == 0)
			rc = 0;
		/* languages of one personality describe the same device: the most telling counts */
		if (s > spec)
			spec = s;
	}
	/* a personality with no matching keys at all (IOResources, ...) matches no device */
	if (first == NULL || rc == 0)
		return 0;
	*specificity = spec;
	*rule = first;
	return 1;
}

static int
compare_keys(const void *a, const void *b)
{
	char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

static int
compare_matches(const void *a, const void *b)
{
	const struct kext_match *x = a, *y = b;

	if (x->probe_score != y->probe_score)
		return x->probe_score > y->probe_score ? -1 : 1;
	if (x->specificity != y->specificity)
		return x->specificity > y->specificity ? -1 : 1;
	return strcmp(x->identifier, y->identifier);
}

static int
note(struct kext_match_result *out, const char *fmt, const char *a, const char *b,
    const char *c)
{
	char *s = NULL;
	char **notes;

	if (asprintf(&s, fmt, a, b, c) < 0)
		return -1;
	notes = realloc(out->notes, (out->num_notes + 1) * sizeof(*notes));
	if (notes == NULL) {
		free(s);
		return -1;
	}
	out->notes = notes;
	out->notes[out->num_notes++] = s;
	return 0;
}

/* Keeps the better of this match and the kext's earlier one. */
static int
record(struct kext_match_result *out, struct kext_match *m)
{
	struct kext_match *grown;

	for (size_t i = 0; i < out->n; i++) {
		if (strcmp(out->m[i].identifier, m->identifier) != 0)
			continue;
		if (compare_matches(m, &out->m[i]) < 0) {
			free(out->m[i].identifier);
			free(out->m[i].bundle_path);
			free(out->m[i].personality);
			out->m[i] = *m;
		} else {
			free(m->identifier);
			free(m->bundle_path);
			free(m->personality);
		}
		return 0;
	}
	if ((grown = realloc(out->m, (out->n + 1) * sizeof(*grown))) == NULL)
		return -1;
	out->m = grown;
	out->m[out->n++] = *m;
	return 0;
}

static int
match_bundle(const struct kext_device *d, struct kext_bundle *b, struct kext_match_result *out)
{
	CFDictionaryRef info = kext_bundle_info_dictionary(b);
	CFTypeRef all = info != NULL ? CFDictionaryGetValue(info, CFSTR("IOKitPersonalities")) : NULL;
	CFIndex n;
	const void **keys = NULL, **vals = NULL;
	char **names = NULL;
	int rc = -1;

	if (all == NULL || CFGetTypeID(all) != CFDictionaryGetTypeID())
		return 0;
	n = CFDictionaryGetCount(all);
	keys = calloc((size_t)n + 1, sizeof(*keys));
	vals = calloc((size_t)n + 1, sizeof(*vals));
	names = calloc((size_t)n + 1, sizeof(*names));
	if (keys == NULL || vals == NULL || names == NULL)
		goto out;
	CFDictionaryGetKeysAndValues(all, keys, vals);
	for (CFIndex i = 0; i < n; i++)
		names[i] = match_cstring(keys[i]);
	for (CFIndex i = 0; i < n; i++)
		if (names[i] == NULL)
			goto out;
	kext_sort(names, (size_t)n, sizeof(*names), compare_keys);
	for (CFIndex i = 0; i < n; i++) {
		CFStringRef key = CFStringCreateWithCString(NULL, names[i], kCFStringEncodingUTF8);
		CFTypeRef p = CFDictionaryGetValue(all, key);
		struct kext_match m = { 0 };
		kext_error err;
		const char *rule = NULL;
		int spec = 0, r;
		CFTypeRef id, score;

		CFRelease(key);
		r = kext_match_personality(d, p, &spec, &rule, &err);
		if (r < 0) {
			if (note(out, "%s: IOKitPersonalities.%s.%s", kext_bundle_path(b), names[i],
			    err.msg) != 0)
				goto out;
			continue;
		}
		if (r == 0)
			continue;
		id = CFDictionaryGetValue(p, CFSTR("CFBundleIdentifier"));
		m.identifier = id != NULL ? match_cstring(id) : NULL;
		if (m.identifier == NULL && kext_bundle_identifier(b) != NULL)
			m.identifier = strdup(kext_bundle_identifier(b));
		score = CFDictionaryGetValue(p, CFSTR("IOProbeScore"));
		if (score != NULL && CFGetTypeID(score) == CFNumberGetTypeID())
			CFNumberGetValue(score, kCFNumberLongLongType, &m.probe_score);
		m.bundle_path = strdup(kext_bundle_path(b));
		m.personality = strdup(names[i]);
		m.rule = rule;
		m.specificity = spec;
		if (m.identifier == NULL || m.bundle_path == NULL || m.personality == NULL ||
		    record(out, &m) != 0) {
			free(m.identifier);
			free(m.bundle_path);
			free(m.personality);
			goto out;
		}
	}
	rc = 0;
out:
	for (CFIndex i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
	free(keys);
	free(vals);
	return rc;
}

int
kext_match_device(const struct kext_device *d, struct kext_bundle *const *bundles, size_t n,
    struct kext_match_result *out, kext_error *err)
{
	*out = (struct kext_match_result){ 0 };
	for (size_t i = 0; i < n; i++) {
		if (match_bundle(d, bundles[i], out) != 0) {
			kext_match_result_free(out);
			return kext_fail(err, ENOMEM, "out of memory");
		}
	}
	kext_sort(out->m, out->n, sizeof(out->m[0]), compare_matches);
	return 0;
}

void
kext_match_result_free(struct kext_match_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->m[i].identifier);
		free(r->m[i].bundle_path);
		free(r->m[i].personality);
	}
	for (size_t i = 0; i < r->num_notes; i++)
		free(r->notes[i]);
	free(r->m);
	free(r->notes);
	*r = (struct kext_match_result){ 0 };
}
