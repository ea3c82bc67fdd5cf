/*
 * The simpler matching languages:
 *  - USB: Apple's device and interface keys (Technical Q&A QA1076; Apple's
 *    IOUSBHost reference, IOUSBHostDevice/IOUSBHostInterface
 *    createMatchingDictionary), each an <integer> the device's value must
 *    equal; the device must be on FreeBSD's USB bus (uhub), whose pnpinfo
 *    names the values as FreeBSD's USB tables do (sys/dev/usb/usbdi.h);
 *  - IONameMatch: a <string> or an <array> of them; matches when one equals a
 *    value of the device's pnpinfo (an ACPI _HID or _CID, an ISA PnP id, ...);
 *  - LinuxModalias: an <array> of patterns (a Linux module's alias= lines),
 *    each a shell glob matched against the device's modalias with fnmatch(3),
 *    as modprobe matches modules.alias (module-init-tools' modprobe.c).
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

static const struct usb_key {
	const char *apple, *freebsd;
	int bits;
} usb_keys[] = {
	{ "idVendor", "vendor", 16 },
	{ "idProduct", "product", 16 },
	{ "bcdDevice", "release", 16 },
	{ "bDeviceClass", "devclass", 8 },
	{ "bDeviceSubClass", "devsubclass", 8 },
	{ "bDeviceProtocol", "devproto", 8 },
	{ "bInterfaceClass", "intclass", 8 },
	{ "bInterfaceSubClass", "intsubclass", 8 },
	{ "bInterfaceProtocol", "intprotocol", 8 },
};

static CFTypeRef
get(CFDictionaryRef p, const char *key)
{
	CFStringRef k = CFStringCreateWithCString(NULL, key, kCFStringEncodingUTF8);
	CFTypeRef v = CFDictionaryGetValue(p, k);

	CFRelease(k);
	return v;
}

int
match_usb(const struct kext_device *d, CFDictionaryRef p, int *spec, kext_error *err)
{
	bool any = false, ok = true;
	int s = 0;

	for (size_t i = 0; i < sizeof(usb_keys) / sizeof(usb_keys[0]); i++) {
		CFTypeRef v = get(p, usb_keys[i].apple);
		long long want;

		if (v == NULL)
			continue;
		if (CFGetTypeID(v) != CFNumberGetTypeID() ||
		    !CFNumberGetValue(v, kCFNumberLongLongType, &want))
			return kext_fail(err, EINVAL, "%s - expected an <integer>",
			    usb_keys[i].apple);
		any = true;
		if (match_device_int(d, usb_keys[i].freebsd) != want)
			ok = false;
		s += usb_keys[i].bits;
	}
	if (!any)
		return 2;
	if (!ok || d->bus == NULL || strcmp(d->bus, "uhub") != 0)
		return 0;
	*spec += s;
	return 1;
}

/* Whether name equals the value of one of the device's key=value pairs. */
static bool
device_has_value(const struct kext_device *d, const char *name)
{
	size_t n = strlen(name);

	for (const char *s = d->pnpinfo != NULL ? d->pnpinfo : ""; *s != '\0';) {
		const char *eq = strchr(s, '='), *v, *end;

		if (eq == NULL)
			break;
		v = eq + 1;
		if (*v == '"' || *v == '\'') {
			end = strchr(v + 1, *v);
			v++;
		} else {
			end = strchr(v, ' ');
		}
		if (end == NULL)
			end = v + strlen(v);
		if ((size_t)(end - v) == n && memcmp(v, name, n) == 0)
			return true;
		s = *end != '\0' ? end + 1 : end;
	}
	return false;
}

int
match_names(const struct kext_device *d, CFDictionaryRef p, int *spec, kext_error *err)
{
	CFTypeRef v = get(p, "IONameMatch");
	CFIndex n;

	if (v == NULL)
		return 2;
	if (CFGetTypeID(v) == CFStringGetTypeID()) {
		v = CFArrayCreate(NULL, &v, 1, &kCFTypeArrayCallBacks);
	} else if (CFGetTypeID(v) == CFArrayGetTypeID()) {
		CFRetain(v);
	} else {
		return kext_fail(err, EINVAL, "IONameMatch - expected a <string> or an <array>");
	}
	n = CFArrayGetCount(v);
	for (CFIndex i = 0; i < n; i++) {
		char *name = match_cstring(CFArrayGetValueAtIndex(v, i));
		bool hit;

		if (name == NULL) {
			CFRelease(v);
			return kext_fail(err, EINVAL, "IONameMatch - item %ld: expected a <string>",
			    (long)i);
		}
		hit = name[0] != '\0' && device_has_value(d, name);
		free(name);
		if (hit) {
			CFRelease(v);
			*spec += 32;
			return 1;
		}
	}
	CFRelease(v);
	return 0;
}

/* Literal characters of a glob: how much of the modalias it pins down. */
static int
literal_chars(const char *pattern)
{
	int n = 0;

	for (const char *c = pattern; *c != '\0'; c++) {
		if (*c == '[') {
			const char *close = strchr(c, ']');

			c = close != NULL ? close : c;
			continue;
		}
		n += *c != '*' && *c != '?';
	}
	return n;
}

int
match_modalias(const struct kext_device *d, CFDictionaryRef p, int *spec, kext_error *err)
{
	CFTypeRef v = get(p, "LinuxModalias");
	int best = -1;

	if (v == NULL)
		return 2;
	if (CFGetTypeID(v) != CFArrayGetTypeID())
		return kext_fail(err, EINVAL, "LinuxModalias - expected an <array> of <string>s");
	for (CFIndex i = 0; i < CFArrayGetCount(v); i++) {
		char *pattern = match_cstring(CFArrayGetValueAtIndex(v, i));

		if (pattern == NULL)
			return kext_fail(err, EINVAL, "LinuxModalias - item %ld: expected a "
			    "<string>", (long)i);
		if (d->modalias != NULL && fnmatch(pattern, d->modalias, 0) == 0 &&
		    literal_chars(pattern) > best)
			best = literal_chars(pattern);
		free(pattern);
	}
	if (best < 0)
		return 0;
	*spec += best;
	return 1;
}
