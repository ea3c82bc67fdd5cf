/*
 * Apple's PCI register matching ("Matching Supported by IOPCIDevice", Apple's
 * IOPCIDevice reference): each key holds words "0xVALUE" or
 * "0xVALUE&0xMASK" separated by blanks, and matches when one word equals the
 * register under its mask:
 *   IOPCIMatch           the vendor/device register (0x00) or the subsystem one (0x2c)
 *   IOPCIPrimaryMatch    0x00: device << 16 | vendor
 *   IOPCISecondaryMatch  0x2c: subdevice << 16 | subvendor
 *   IOPCIClassMatch      0x08: class code << 8 | revision, default mask 0xffffff00
 * The registers come from the device's pnpinfo (vendor, device, subvendor,
 * subdevice, class as FreeBSD's pci bus names them); the revision is not
 * there, so a class word whose mask looks at it cannot match. The
 * specificity is the number of mask bits of the words that matched.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

static bool
parse_hex(const char **p, uint32_t *v)
{
	char *end;
	unsigned long x;

	if ((*p)[0] != '0' || ((*p)[1] != 'x' && (*p)[1] != 'X'))
		return false;
	x = strtoul(*p + 2, &end, 16);
	if (end == *p + 2 || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	*p = end;
	return true;
}

static int
popcount(uint32_t m)
{
	int n = 0;

	for (; m != 0; m &= m - 1)
		n++;
	return n;
}

/*
 * Whether one of key's words matches reg (or reg2, when have2); 2 when the
 * key is absent, -1 when a word is malformed.
 */
static int
match_words(CFDictionaryRef p, const char *key, uint32_t reg, bool have2, uint32_t reg2,
    uint32_t default_mask, int *spec, kext_error *err)
{
	CFStringRef k = CFStringCreateWithCString(NULL, key, kCFStringEncodingUTF8);
	CFTypeRef v = CFDictionaryGetValue(p, k);
	char *words;
	const char *s;
	int best = -1;

	CFRelease(k);
	if (v == NULL)
		return 2;
	if ((words = match_cstring(v)) == NULL)
		return kext_fail(err, EINVAL, "%s - expected a <string> of 0xVALUE[&0xMASK] "
		    "words", key);
	for (s = words; *s != '\0';) {
		uint32_t val, mask = default_mask;
		const char *w = s;

		if (*s == ' ' || *s == '\t' || *s == '\n') {
			s++;
			continue;
		}
		if (!parse_hex(&s, &val) || (*s == '&' && (s++, !parse_hex(&s, &mask))) ||
		    (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n')) {
			size_t n = strcspn(w, " \t\n");

			kext_fail(err, EINVAL, "%s - '%.*s' is not 0xVALUE or 0xVALUE&0xMASK",
			    key, (int)(n > 40 ? 40 : n), w);
			free(words);
			return -1;
		}
		if (((reg & mask) == (val & mask) || (have2 && (reg2 & mask) == (val & mask))) &&
		    popcount(mask) > best)
			best = popcount(mask);
	}
	free(words);
	if (best < 0)
		return 0;
	*spec += best;
	return 1;
}

int
match_pci(const struct kext_device *d, CFDictionaryRef p, int *spec, kext_error *err)
{
	long vendor = match_device_int(d, "vendor"), device = match_device_int(d, "device");
	long subvendor = match_device_int(d, "subvendor");
	long subdevice = match_device_int(d, "subdevice");
	long cls = match_device_int(d, "class");
	uint32_t primary = (uint32_t)(device & 0xffff) << 16 | (uint32_t)(vendor & 0xffff);
	uint32_t secondary = (uint32_t)(subdevice & 0xffff) << 16 | (uint32_t)(subvendor & 0xffff);
	bool have_sub = subvendor >= 0 && subdevice >= 0;
	int r[4], s = 0, rc = 1;
	bool any = false;

	r[0] = match_words(p, "IOPCIMatch", primary, have_sub, secondary, UINT32_MAX, &s, err);
	r[1] = match_words(p, "IOPCIPrimaryMatch", primary, false, 0, UINT32_MAX, &s, err);
	r[2] = match_words(p, "IOPCISecondaryMatch", secondary, false, 0, UINT32_MAX, &s, err);
	r[3] = match_words(p, "IOPCIClassMatch", (uint32_t)(cls & 0xffffff) << 8, false, 0,
	    0xffffff00u, &s, err);
	for (size_t i = 0; i < 4; i++) {
		if (r[i] < 0)
			return -1;
		any |= r[i] != 2;
		if (r[i] == 0)
			rc = 0;
	}
	if (!any)
		return 2;
	/* a device that is not on pci, or lacks the registers a key reads */
	if (d->bus == NULL || strcmp(d->bus, "pci") != 0 || vendor < 0 || device < 0 ||
	    (r[2] != 2 && !have_sub) || (r[3] != 2 && cls < 0))
		return 0;
	if (rc == 1)
		*spec += s;
	return rc;
}
