/*
 * USB tables as Apple's USB matching keys (Apple Technical Q&A QA1076, "Tips
 * on USB driver matching for Mac OS X"; IOUSBHostDevice and
 * IOUSBHostInterface createMatchingDictionary in Apple's IOUSBHost
 * reference): a device personality (IOProviderClass IOUSBHostDevice) matches
 * idVendor, idProduct, bcdDevice, bDeviceClass, bDeviceSubClass,
 * bDeviceProtocol; an interface personality (IOUSBHostInterface) adds
 * bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol.
 *
 * FreeBSD's USB tables (USB_PNP_HOST_INFO in sys/dev/usb/usbdi.h) describe
 * struct usb_device_id as "M16:mask;U16:vendor;U16:product;L16:release;
 * G16:release;U8:devclass;U8:devsubclass;U8:devproto;U8:intclass;
 * U8:intsubclass;U8:intprotocol;" plus "T:mode=host;" or "T:mode=device;",
 * on bus uhub: the mask says which fields an entry compares. One personality
 * an entry (identical ones once). Entries Apple cannot say get none: a
 * bcdDevice range, an entry that compares nothing, and device-mode tables
 * (FreeBSD as the USB device side has no IOUSBHost counterpart).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "personalities.h"

static const struct usb_key {
	const char *freebsd, *apple;
	bool interface;
} usb_keys[] = {
	{ "vendor", "idVendor", false },
	{ "product", "idProduct", false },
	{ "release", "bcdDevice", false },
	{ "devclass", "bDeviceClass", false },
	{ "devsubclass", "bDeviceSubClass", false },
	{ "devproto", "bDeviceProtocol", false },
	{ "intclass", "bInterfaceClass", true },
	{ "intsubclass", "bInterfaceSubClass", true },
	{ "intprotocol", "bInterfaceProtocol", true },
};
#define NKEYS (sizeof(usb_keys) / sizeof(usb_keys[0]))

/* The entry's values; false when Apple's keys cannot say it. */
static bool
entry_keys(const struct kmod_pnp *pnp, int e, bool set[NKEYS], uint32_t val[NKEYS],
    bool *interface)
{
	bool any = false;

	*interface = false;
	for (size_t k = 0; k < NKEYS; k++) {
		enum pers_constraint c = pers_entry_key(pnp, e, usb_keys[k].freebsd, &val[k]);

		if (c == PERS_OTHER)
			return false;
		set[k] = c == PERS_EQUAL;
		any |= set[k];
		*interface |= set[k] && usb_keys[k].interface;
	}
	return any;
}

int
pers_usb(const struct kmod_pnp *pnp, CFMutableDictionaryRef table, CFMutableDictionaryRef all,
    const char *name, const char *identifier, const char *module_name)
{
	CFMutableDictionaryRef *made = calloc((size_t)pnp->num_entry + 1, sizeof(*made));
	char **sigs = calloc((size_t)pnp->num_entry + 1, sizeof(*sigs));
	const char *mode;
	size_t n = 0;
	int added = 0;

	if (made == NULL || sigs == NULL)
		goto out;
	if (pers_table_key(pnp, "mode", &mode) && strcmp(mode, "host") != 0)
		goto out;
	for (int e = 0; e < pnp->num_entry; e++) {
		bool set[NKEYS], interface, dup = false;
		uint32_t val[NKEYS];
		char sig[NKEYS * 12 + 2];
		size_t at = 0;

		if (!entry_keys(pnp, e, set, val, &interface))
			continue;
		for (size_t k = 0; k < NKEYS; k++)
			at += (size_t)snprintf(sig + at, sizeof(sig) - at, set[k] ? "%x," : "-,",
			    val[k]);
		for (size_t i = 0; i < n && !dup; i++)
			dup = strcmp(sigs[i], sig) == 0;
		if (dup || (sigs[n] = strdup(sig)) == NULL)
			continue;
		made[n] = pers_new(identifier, module_name,
		    interface ? "IOUSBHostInterface" : "IOUSBHostDevice");
		for (size_t k = 0; k < NKEYS; k++)
			if (set[k])
				conv_set_int(made[n], usb_keys[k].apple, val[k]);
		n++;
	}
	if (n == 1) {
		CFIndex count = CFDictionaryGetCount(made[0]);
		const void **keys = calloc((size_t)count, sizeof(*keys));
		const void **vals = calloc((size_t)count, sizeof(*vals));

		if (keys != NULL && vals != NULL) {
			CFDictionaryGetKeysAndValues(made[0], keys, vals);
			for (CFIndex i = 0; i < count; i++)
				CFDictionarySetValue(table, keys[i], vals[i]);
		}
		free(keys);
		free(vals);
	} else {
		for (size_t i = 0; i < n; i++) {
			char key[320];

			snprintf(key, sizeof(key), "%s match %zu", name, i + 1);
			conv_set_value(all, key, made[i]);
			added++;
		}
	}
out:
	for (size_t i = 0; made != NULL && i < n; i++) {
		CFRelease(made[i]);
		free(sigs[i]);
	}
	free(made);
	free(sigs);
	return added;
}
