/*
 * FreeBSD PnP tables as ko2kext keeps them (FreeBSDPNPBus, FreeBSDPNPFormat:
 * "K:name;" a field as linker.hints has it, FreeBSDPNPEntries: one array of
 * values an entry, T fields left out), matched with devmatch(8)'s rules
 * (FreeBSD sbin/devmatch/devmatch.c, search_hints(); the descriptor types
 * are documented above MODULE_PNP_INFO in sys/sys/module.h):
 *   I   the device value equals the table value
 *   J   the same, unless the table value is -1 (V8/V16/V32's wildcard)
 *   G   the device value is at least the table value
 *   L   the device value is at most the table value
 *   M   a mask: field k (from 0, over the whole format) is compared only when
 *       bit k-1 of the last mask is set
 *   Z   the device string equals the table string; D is not compared
 *   T   "key=value" appears in the pnpinfo, at its start or after a space
 * A device value that is absent reads as -1, as devmatch reads it; a table
 * for bus "usb" is one for "uhub". Each compared field counts 16 towards the
 * match's specificity.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

#define FIELD_SPEC	16

struct field {
	char kind;
	char name[64];
};

/* Splits "I:vendor;T:mode=host;" into fields; -1 on a malformed format. */
static int
parse_format(const char *fmt, struct field **out, size_t *n, kext_error *err)
{
	size_t cap = 1;
	struct field *f;

	for (const char *p = fmt; *p != '\0'; p++)
		cap += *p == ';';
	if ((f = calloc(cap, sizeof(*f))) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	*n = 0;
	for (const char *p = fmt; *p != '\0';) {
		const char *end = strchr(p, ';');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len < 2 || p[1] != ':' || !strchr("IJGLMZDT", p[0]) || len - 2 >= sizeof(f->name)) {
			free(f);
			return kext_fail(err, EINVAL, "FreeBSDPNPFormat - field '%.*s' is not "
			    "K:name with K one of I J G L M Z D T", (int)len, p);
		}
		f[*n].kind = p[0];
		memcpy(f[*n].name, p + 2, len - 2);
		f[*n].name[len - 2] = '\0';
		(*n)++;
		p += len + (end != NULL);
	}
	*out = f;
	return 0;
}

static bool
row_int(CFArrayRef row, CFIndex i, long long *v)
{
	CFTypeRef x = CFArrayGetValueAtIndex(row, i);

	return CFGetTypeID(x) == CFNumberGetTypeID() &&
	    CFNumberGetValue(x, kCFNumberLongLongType, v);
}

/* The table string of column i (CFString, or CFData for bytes that are not UTF-8). */
static char *
row_string(CFArrayRef row, CFIndex i)
{
	CFTypeRef x = CFArrayGetValueAtIndex(row, i);
	char *s;

	if (CFGetTypeID(x) == CFDataGetTypeID()) {
		CFIndex n = CFDataGetLength(x);

		if ((s = malloc((size_t)n + 1)) != NULL) {
			memcpy(s, CFDataGetBytePtr(x), (size_t)n);
			s[n] = '\0';
		}
		return s;
	}
	return match_cstring(x);
}

/* T: "key=value" at the start of the pnpinfo or right after a space. */
static bool
has_pair(const struct kext_device *d, const char *pair)
{
	const char *p = d->pnpinfo != NULL ? d->pnpinfo : "";

	for (const char *s = p; (s = strstr(s, pair)) != NULL; s++)
		if (s == p || s[-1] == ' ')
			return true;
	return false;
}

/* One entry: 1 match, 0 not, -1 malformed. */
static int
match_entry(const struct kext_device *d, const struct field *f, size_t nf, CFArrayRef row,
    int *spec, kext_error *err)
{
	unsigned long long mask = ~0ULL;
	CFIndex col = 0, want = 0;
	int compared = 0;

	for (size_t k = 0; k < nf; k++)
		want += f[k].kind != 'T';
	if (want != CFArrayGetCount(row))
		return kext_fail(err, EINVAL, "FreeBSDPNPEntries - an entry has %ld values, "
		    "the format %ld fields", (long)CFArrayGetCount(row), (long)want);
	for (size_t k = 0; k < nf; k++) {
		/* devmatch's bit is k - 1: fields before the first bit always count */
		bool on = k == 0 || k - 1 >= 64 || (mask >> (k - 1) & 1) != 0;
		long long t;
		long v;
		char buf[256], *s;
		bool same;

		if (f[k].kind == 'T') {
			if (!has_pair(d, f[k].name))
				return 0;
			compared++;
			continue;
		}
		if (strchr("IJGLM", f[k].kind)) {
			if (!row_int(row, col++, &t))
				return kext_fail(err, EINVAL, "FreeBSDPNPEntries - field %s: "
				    "expected <integer>", f[k].name);
			if (!on)
				continue;
			if (f[k].kind == 'M') {
				mask = (unsigned long long)(unsigned int)(int)t;
				continue;
			}
			if (f[k].kind == 'J' && (int)t == -1)
				continue;
			v = match_device_int(d, f[k].name);
			if ((f[k].kind == 'I' || f[k].kind == 'J') && v != (long)(int)t)
				return 0;
			if ((f[k].kind == 'G' && v < (long)(int)t) || (f[k].kind == 'L' && v > (long)(int)t))
				return 0;
			compared++;
			continue;
		}
		col++;		/* D or Z */
		if (f[k].kind == 'D' || !on)
			continue;
		if ((s = row_string(row, col - 1)) == NULL)
			return kext_fail(err, EINVAL, "FreeBSDPNPEntries - field %s: expected "
			    "<string>", f[k].name);
		same = kext_device_value(d, f[k].name, buf, sizeof(buf)) && strcmp(buf, s) == 0;
		free(s);
		if (!same)
			return 0;
		compared++;
	}
	*spec = compared * FIELD_SPEC;
	return 1;
}

int
match_freebsd(const struct kext_device *d, CFDictionaryRef p, int *spec, kext_error *err)
{
	CFTypeRef bus = CFDictionaryGetValue(p, CFSTR("FreeBSDPNPBus"));
	CFTypeRef fmt = CFDictionaryGetValue(p, CFSTR("FreeBSDPNPFormat"));
	CFTypeRef rows = CFDictionaryGetValue(p, CFSTR("FreeBSDPNPEntries"));
	char *bs = NULL, *fs = NULL;
	struct field *f = NULL;
	size_t nf = 0;
	int rc = 0, best = -1;

	if (bus == NULL)
		return 2;
	if ((bs = match_cstring(bus)) == NULL || (fs = match_cstring(fmt)) == NULL ||
	    rows == NULL || CFGetTypeID(rows) != CFArrayGetTypeID()) {
		rc = kext_fail(err, EINVAL, "FreeBSDPNPBus, FreeBSDPNPFormat - expected "
		    "<string>s, and FreeBSDPNPEntries an <array>");
		goto out;
	}
	if (strcmp(bs, "usb") == 0)
		strcpy(bs, "uhub");
	if (d->bus == NULL || strcmp(bs, d->bus) != 0)
		goto out;
	if (parse_format(fs, &f, &nf, err) != 0) {
		rc = -1;
		goto out;
	}
	for (CFIndex e = 0; e < CFArrayGetCount(rows); e++) {
		CFTypeRef row = CFArrayGetValueAtIndex(rows, e);
		int s = 0, m;

		if (CFGetTypeID(row) != CFArrayGetTypeID()) {
			rc = kext_fail(err, EINVAL, "FreeBSDPNPEntries - entry %ld is not an "
			    "<array>", (long)e);
			goto out;
		}
		if ((m = match_entry(d, f, nf, row, &s, err)) < 0) {
			rc = -1;
			goto out;
		}
		if (m == 1 && s > best)
			best = s;
	}
	if (best >= 0) {
		*spec += best;
		rc = 1;
	}
out:
	free(f);
	free(bs);
	free(fs);
	return rc;
}
