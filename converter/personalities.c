/*
 * MODULE_PNP_INFO tables as IOKitPersonalities, one personality per table.
 *
 * Every table is kept whole under FreeBSD keys (bus, descriptor, the converted
 * format linker.hints uses, and each entry's values in field order), so a
 * matcher can bind drivers the way devmatch(8) does. Beside them go the keys
 * Apple's families match on, for what they can say: PCI tables get
 * IOPCIMatch and its kin (personalities_pci.c), USB tables IOUSBHostDevice or
 * IOUSBHostInterface keys (personalities_usb.c), tables keyed by strings
 * (ACPI _HID, ISA PnP ids, ...) IONameMatch. Where one personality cannot say
 * a whole table, further ones named "<table personality> match N" do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "personalities.h"

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

/* IONameMatch: every string an entry compares, once each, in table order. */
void
pers_names(const struct kmod_pnp *pnp, CFMutableDictionaryRef table)
{
	CFMutableArrayRef names = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);

	for (int e = 0; e < pnp->num_entry; e++) {
		for (size_t f = 0; f < pnp->num_fields; f++) {
			const char *s = pnp->values[(size_t)e * pnp->num_fields + f].s;
			CFStringRef name;

			if (pnp->fields[f].kind != 'Z' || s == NULL || s[0] == '\0' ||
			    !pers_field_compared(pnp, e, f))
				continue;
			name = CFStringCreateWithCString(NULL, s, kCFStringEncodingUTF8);
			if (name == NULL)	/* not UTF-8: no IOKit name can be it */
				continue;
			if (!CFArrayContainsValue(names, CFRangeMake(0, CFArrayGetCount(names)), name))
				CFArrayAppendValue(names, name);
			CFRelease(name);
		}
	}
	if (CFArrayGetCount(names) > 0)
		conv_set_value(table, "IONameMatch", names);
	CFRelease(names);
}

static bool
is_usb(const char *bus)
{
	/* devmatch treats a table for "usb" as one for "uhub" */
	return strcmp(bus, "uhub") == 0 || strcmp(bus, "usb") == 0;
}

/* The table's personality, and any more its Apple keys need; returns how many. */
static int
add_table(CFMutableDictionaryRef all, const char *name, const struct kmod_pnp *pnp,
    const char *identifier, const char *module_name)
{
	bool pci = strcmp(pnp->bus, "pci") == 0;
	CFMutableDictionaryRef d = pers_new(identifier, module_name,
	    pci ? "IOPCIDevice" : "FreeBSDDevice");
	CFArrayRef rows = entries(pnp);
	int n = 1;

	conv_set_string(d, "FreeBSDPNPBus", pnp->bus);
	conv_set_string(d, "FreeBSDPNPDescriptor", pnp->descr);
	conv_set_string(d, "FreeBSDPNPFormat", pnp->format);
	conv_set_value(d, "FreeBSDPNPEntries", rows);
	CFRelease(rows);
	if (pci)
		n += pers_pci(pnp, d, all, name, identifier, module_name);
	else if (is_usb(pnp->bus))
		n += pers_usb(pnp, d, all, name, identifier, module_name);
	else
		pers_names(pnp, d);
	conv_set_value(all, name, d);
	CFRelease(d);
	return n;
}

CFDictionaryRef
conv_personalities(const struct kmod_file *kf, const char *identifier, const char *module_name)
{
	CFMutableDictionaryRef all = NULL;
	int n = 0;

	for (size_t i = 0; i < kf->num_records; i++) {
		const struct kmod_pnp *pnp = &kf->records[i].u.pnp;
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
		add_table(all, name, pnp, identifier, module_name);
	}
	return all;
}
