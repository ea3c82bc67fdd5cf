/*
 * A device's PnP values, read the way devmatch(8) reads a pnpinfo string
 * (FreeBSD sbin/devmatch/devmatch.c: pnpval_as_int, pnpval_as_str), and the
 * pnpinfo FreeBSD's buses would publish for a Linux modalias, so one set of
 * tables serves both systems:
 *   pci: "vendor=0x%04x device=0x%04x subvendor=0x%04x subdevice=0x%04x
 *        class=0x%02x%02x%02x" (FreeBSD sys/dev/pci/pci.c,
 *        pci_child_pnpinfo_str_method), from Linux's
 *        "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X";
 *   usb: the keys of FreeBSD's USB tables (sys/dev/usb/usbdi.h,
 *        USB_STD_PNP_INFO) and mode=host, from Linux's
 *        "usb:v%04Xp%04Xd%04Xdc%02Xdsc%02Xdp%02Xic%02Xisc%02Xip%02Xin%02X".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

bool
kext_device_value(const struct kext_device *d, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key), n = 0;
	const char *p = d->pnpinfo, *v = NULL;
	char quote = ' ';

	if (p == NULL || len == 0)
		return false;
	for (const char *s = p; (s = strstr(s, key)) != NULL; s++) {
		if ((s == p || s[-1] == ' ') && s[klen] == '=') {
			v = s + klen + 1;
			break;
		}
	}
	if (v == NULL)
		return false;
	if (*v == '"' || *v == '\'')
		quote = *v++;
	while (v[n] != '\0' && v[n] != quote && n + 1 < len) {
		buf[n] = v[n];
		n++;
	}
	buf[n] = '\0';
	return true;
}

long
match_device_int(const struct kext_device *d, const char *key)
{
	char buf[64];

	if (!kext_device_value(d, key, buf, sizeof(buf)))
		return -1;
	/* devmatch keeps strtol's result in an int */
	return (long)(int)strtol(buf, NULL, 0);
}

bool
kext_device_needs_driver(const struct kext_device *d)
{
	return d->driver == NULL && !d->disabled;
}

/* Reads `width` hex digits after `tag` at *p; false when they are not there. */
static bool
hex_field(const char **p, const char *tag, int width, unsigned long *out)
{
	size_t tl = strlen(tag);
	char digits[16];
	char *end;

	if (strncmp(*p, tag, tl) != 0)
		return false;
	/* each digit is checked before the next is read: the string may end early */
	for (int i = 0; i < width; i++)
		if (!isxdigit((unsigned char)(*p)[tl + (size_t)i]))
			return false;
	memcpy(digits, *p + tl, (size_t)width);
	digits[width] = '\0';
	*out = strtoul(digits, &end, 16);
	if (end != digits + width)
		return false;
	*p += tl + (size_t)width;
	return true;
}

char *
match_pnpinfo_from_modalias(const char *modalias, const char **bus)
{
	unsigned long v[10];
	const char *p;
	char *out = NULL;

	if (strncmp(modalias, "pci:", 4) == 0) {
		p = modalias + 4;
		if (!hex_field(&p, "v", 8, &v[0]) || !hex_field(&p, "d", 8, &v[1]) ||
		    !hex_field(&p, "sv", 8, &v[2]) || !hex_field(&p, "sd", 8, &v[3]) ||
		    !hex_field(&p, "bc", 2, &v[4]) || !hex_field(&p, "sc", 2, &v[5]) ||
		    !hex_field(&p, "i", 2, &v[6]))
			return NULL;
		*bus = "pci";
		if (asprintf(&out, "vendor=0x%04lx device=0x%04lx subvendor=0x%04lx "
		    "subdevice=0x%04lx class=0x%02lx%02lx%02lx", v[0], v[1], v[2], v[3], v[4],
		    v[5], v[6]) < 0)
			return NULL;
		return out;
	}
	if (strncmp(modalias, "usb:", 4) == 0) {
		p = modalias + 4;
		if (!hex_field(&p, "v", 4, &v[0]) || !hex_field(&p, "p", 4, &v[1]) ||
		    !hex_field(&p, "d", 4, &v[2]) || !hex_field(&p, "dc", 2, &v[3]) ||
		    !hex_field(&p, "dsc", 2, &v[4]) || !hex_field(&p, "dp", 2, &v[5]) ||
		    !hex_field(&p, "ic", 2, &v[6]) || !hex_field(&p, "isc", 2, &v[7]) ||
		    !hex_field(&p, "ip", 2, &v[8]))
			return NULL;
		*bus = "uhub";
		if (asprintf(&out, "vendor=0x%04lx product=0x%04lx devclass=0x%02lx "
		    "devsubclass=0x%02lx devproto=0x%02lx release=0x%04lx mode=host "
		    "intclass=0x%02lx intsubclass=0x%02lx intprotocol=0x%02lx", v[0], v[1], v[3],
		    v[4], v[5], v[2], v[6], v[7], v[8]) < 0)
			return NULL;
		return out;
	}
	return NULL;
}

char *
match_cstring(CFTypeRef s)
{
	CFIndex len;
	char *buf;

	if (s == NULL || CFGetTypeID(s) != CFStringGetTypeID())
		return NULL;
	len = CFStringGetMaximumSizeForEncoding(CFStringGetLength(s), kCFStringEncodingUTF8) + 1;
	buf = malloc((size_t)len);
	if (buf != NULL && !CFStringGetCString(s, buf, len, kCFStringEncodingUTF8)) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

void
kext_devices_free(struct kext_devices *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct kext_device *x = &d->items[i];

		free(x->name);
		free(x->bus);
		free(x->parent);
		free(x->pnpinfo);
		free(x->location);
		free(x->modalias);
		free(x->driver);
	}
	free(d->items);
	d->items = NULL;
	d->n = 0;
}
