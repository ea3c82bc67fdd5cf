/*
 * Linux modules: their .modinfo alias= lines are modalias patterns (shell
 * globs over "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", "usb:v...p...",
 * "acpi*:PNP0501:*", ...), as modprobe matches them against a device's
 * modalias with fnmatch(3) (module-init-tools' modprobe.c). One personality
 * a bus, named "<module> <bus>", holds that bus's patterns under
 * LinuxModalias; aliases that are not device patterns ("fs-ext4",
 * "char-major-10-229", no bus before a colon) get none.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "personalities.h"

/* The bus of a device alias ("pci" for "pci:v..."), or 0 when it is not one. */
static size_t
bus_length(const char *alias)
{
	size_t n = 0;

	while (islower((unsigned char)alias[n]) || isdigit((unsigned char)alias[n]) ||
	    alias[n] == '_')
		n++;
	/* "acpi*:PNP0A03:*": the star stands for acpi's own prefix letters */
	if (alias[n] == '*' && alias[n + 1] == ':')
		n++;
	return n > 0 && alias[n] == ':' ? n : 0;
}

static const char *
provider_class(const char *bus, size_t n)
{
	if (n == 3 && strncmp(bus, "pci", 3) == 0)
		return "IOPCIDevice";
	if (n == 3 && strncmp(bus, "usb", 3) == 0)
		return "IOUSBHostInterface";
	return "LinuxDevice";
}

CFDictionaryRef
conv_personalities_linux(const struct kmod_file *kf, const char *identifier)
{
	const struct kmod_linux *lx = &kf->lx;
	CFMutableDictionaryRef all = NULL;

	for (size_t i = 0; i < lx->num_aliases; i++) {
		size_t n = bus_length(lx->aliases[i]);
		CFMutableDictionaryRef p;
		CFMutableArrayRef patterns;
		char name[300], bus[64];
		bool seen = false;

		if (n == 0 || n >= sizeof(bus))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = bus_length(lx->aliases[j]) == n &&
			    strncmp(lx->aliases[j], lx->aliases[i], n) == 0;
		if (seen)
			continue;	/* this bus has its personality already */
		memcpy(bus, lx->aliases[i], n);
		bus[n] = '\0';
		if (bus[n - 1] == '*')
			bus[n - 1] = '\0';
		patterns = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
		for (size_t j = i; j < lx->num_aliases; j++) {
			CFStringRef s;

			if (bus_length(lx->aliases[j]) != n ||
			    strncmp(lx->aliases[j], lx->aliases[i], n) != 0)
				continue;
			s = CFStringCreateWithCString(NULL, lx->aliases[j], kCFStringEncodingUTF8);
			if (s == NULL)
				continue;
			CFArrayAppendValue(patterns, s);
			CFRelease(s);
		}
		p = pers_new(identifier, lx->name, provider_class(lx->aliases[i], n));
		conv_set_value(p, "LinuxModalias", patterns);
		CFRelease(patterns);
		if (all == NULL)
			all = CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
			    &kCFTypeDictionaryValueCallBacks);
		snprintf(name, sizeof(name), "%s %s", lx->name, bus);
		conv_set_value(all, name, p);
		CFRelease(p);
	}
	return all;
}
