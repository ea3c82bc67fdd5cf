/*
 * MODULE_PNP_INFO tables as IOKitPersonalities, one personality per table.
 *
 * Every table is kept whole under FreeBSD keys (bus, descriptor, the converted
 * format linker.hints uses, and each entry's values in field order), so a
 * matcher can bind drivers later the way devmatch(8) does. PCI tables also get
 * IOPCIMatch, Apple's "0xDDDDVVVV[&0xMASK]" words, with FreeBSD wildcards
 * (V16/V32 fields of all ones) turned into masks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

static int
field_index(const struct kmod_pnp *pnp, const char *name)
{
	for (size_t i = 0; i < pnp->num_fields; i++)
		if (strcmp(pnp->fields[i].name, name) == 0 && strchr("IJ", pnp->fields[i].kind))
			return (int)i;
	return -1;
}

/* "0xDDDDVVVV" or "0xDDDDVVVV&0xMASK"; empty when both halves are wildcards. */
static void
pci_word(const struct kmod_pnp *pnp, const struct kmod_pnp_value *entry, int vi, int di,
    char *buf, size_t len)
{
	const struct kmod_pnp_field *vf = &pnp->fields[vi], *df = &pnp->fields[di];
	bool vany = vf->kind == 'J' && entry[vi].i == -1;
	bool dany = df->kind == 'J' && entry[di].i == -1;
	unsigned vendor = vany ? 0 : (unsigned)entry[vi].i & 0xffff;
	unsigned device = dany ? 0 : (unsigned)entry[di].i & 0xffff;
	unsigned mask = (vany ? 0 : 0xffffu) | (dany ? 0 : 0xffff0000u);

	buf[0] = '\0';
	if (mask == 0)
		return;
	if (mask == 0xffffffffu)
		snprintf(buf, len, "0x%04x%04x", device, vendor);
	else
		snprintf(buf, len, "0x%04x%04x&0x%08x", device, vendor, mask);
}

static CFStringRef
pci_match(const struct kmod_pnp *pnp)
{
	int vi = field_index(pnp, "vendor"), di = field_index(pnp, "device");
	CFMutableStringRef words;
	char word[32];

	if (vi < 0 || di < 0)
		return NULL;
	words = CFStringCreateMutable(NULL, 0);
	for (int e = 0; e < pnp->num_entry; e++) {
		pci_word(pnp, &pnp->values[(size_t)e * pnp->num_fields], vi, di, word, sizeof(word));
		if (word[0] == '\0')
			continue;
		if (CFStringGetLength(words) > 0)
			CFStringAppendCString(words, " ", kCFStringEncodingUTF8);
		CFStringAppendCString(words, word, kCFStringEncodingUTF8);
	}
	if (CFStringGetLength(words) == 0) {
		CFRelease(words);
		return NULL;
	}
	return words;
}

static CFArrayRef
entries(const struct kmod_pnp *pnp)
{
	CFMutableArrayRef all = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);

	for (int e = 0; e < pnp->num_entry; e++) {
		CFMutableArrayRef row = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
		const struct kmod_pnp_value *v = &pnp->values[(size_t)e * pnp->num_fields];

		for (size_t f = 0; f < pnp->num_fields; f++) {
			CFTypeRef value;
			long long i = v[f].i;

			switch (pnp->fields[f].kind) {
			case 'T':
				continue;	/* table-wide; it is in the format */
			case 'Z':
			case 'D':
				value = CFStringCreateWithCString(NULL, v[f].s ? v[f].s : "",
				    kCFStringEncodingUTF8);
				if (value == NULL)	/* not UTF-8: keep the bytes */
					value = CFDataCreate(NULL, (const UInt8 *)v[f].s, (CFIndex)strlen(v[f].s));
				break;
			default:
				value = CFNumberCreate(NULL, kCFNumberLongLongType, &i);
				break;
			}
			CFArrayAppendValue(row, value);
			CFRelease(value);
		}
		CFArrayAppendValue(all, row);
		CFRelease(row);
	}
	return all;
}

static CFDictionaryRef
personality(const struct kmod_pnp *pnp, const char *identifier, const char *module_name)
{
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	bool pci = strcmp(pnp->bus, "pci") == 0;
	CFStringRef match = pci ? pci_match(pnp) : NULL;
	CFArrayRef rows = entries(pnp);

	conv_set_string(d, "CFBundleIdentifier", identifier);
	conv_set_string(d, "IOClass", module_name);
	conv_set_string(d, "IOProviderClass", pci ? "IOPCIDevice" : "FreeBSDDevice");
	if (match != NULL) {
		conv_set_value(d, "IOPCIMatch", match);
		CFRelease(match);
	}
	conv_set_string(d, "FreeBSDPNPBus", pnp->bus);
	conv_set_string(d, "FreeBSDPNPDescriptor", pnp->descr);
	conv_set_string(d, "FreeBSDPNPFormat", pnp->format);
	conv_set_value(d, "FreeBSDPNPEntries", rows);
	CFRelease(rows);
	return d;
}

CFDictionaryRef
conv_personalities(const struct kmod_file *kf, const char *identifier, const char *module_name)
{
	CFMutableDictionaryRef all = NULL;
	int n = 0;

	for (size_t i = 0; i < kf->num_records; i++) {
		const struct kmod_pnp *pnp = &kf->records[i].u.pnp;
		CFDictionaryRef p;
		char name[300];

		if (kf->records[i].type != KMOD_PNP_INFO)
			continue;
		if (all == NULL)
			all = CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
			    &kCFTypeDictionaryValueCallBacks);
		/* Names must be unique; a second table on the same bus gets a number. */
		if (n++ == 0)
			snprintf(name, sizeof(name), "%s %s", module_name, pnp->bus);
		else
			snprintf(name, sizeof(name), "%s %s %d", module_name, pnp->bus, n);
		p = personality(pnp, identifier, module_name);
		conv_set_value(all, name, p);
		CFRelease(p);
	}
	return all;
}
