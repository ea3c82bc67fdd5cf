/*
 * PCI tables as Apple's IOPCIDevice matching keys. Apple's IOPCIDevice
 * reference ("Matching Supported by IOPCIDevice", Mac OS X developer
 * documentation): each key holds words "0xVALUE" or "0xVALUE&0xMASK",
 * separated by spaces, any of which may match;
 *   IOPCIMatch          the vendor/device register (0x00) or the subsystem register (0x2c)
 *   IOPCIPrimaryMatch   the vendor/device register only: device << 16 | vendor
 *   IOPCISecondaryMatch the subsystem register: subdevice << 16 | subvendor
 *   IOPCIClassMatch     the class code register (0x08), default mask 0xffffff00
 * FreeBSD's pci bus names the keys vendor, device, subvendor, subdevice and
 * class (0xBBSSPP) in its pnpinfo (sys/dev/pci/pci.c,
 * pci_child_pnpinfo_str_method). A key fixed by a T field ("T:vendor=0x8086"
 * in if_iwm) is part of every word. Entries that constrain subsystem or class
 * are grouped by those, one personality a group, since within one
 * personality the keys are all required. An entry Apple's words cannot say
 * (G16/L16 ranges, a U32 value wider than a PCI id such as LinuxKPI's
 * PCI_ANY_ID 0xffffffff in a U32 field, which devmatch compares literally and
 * so never matches) gets no word; the FreeBSD keys still hold it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "personalities.h"

struct pci_group {
	char secondary[32], cls[32];	/* "" when not constrained */
	CFMutableStringRef primary;	/* words */
	bool primary_any;		/* an entry of the group takes any vendor/device */
};

/* One 16-bit half: false when the entry cannot be written as a mask. */
static bool
half(const struct kmod_pnp *pnp, int e, const char *key, uint32_t *v, uint32_t *m)
{
	switch (pers_entry_key(pnp, e, key, v)) {
	case PERS_ANY:
		*v = 0, *m = 0;
		return true;
	case PERS_EQUAL:
		*m = 0xffff;
		return *v <= 0xffff;
	default:
		return false;
	}
}

static void
word(char *buf, size_t len, uint32_t v, uint32_t m)
{
	if (m == UINT32_MAX)
		snprintf(buf, len, "0x%08x", v);
	else
		snprintf(buf, len, "0x%08x&0x%08x", v & m, m);
}

/* The three words of entry e; false when it cannot be said in Apple's terms. */
static bool
entry_words(const struct kmod_pnp *pnp, int e, char primary[32], char secondary[32],
    char cls[32])
{
	uint32_t vv, vm, dv, dm, sv, sm, sdv, sdm, c;

	if (!half(pnp, e, "vendor", &vv, &vm) || !half(pnp, e, "device", &dv, &dm) ||
	    !half(pnp, e, "subvendor", &sv, &sm) || !half(pnp, e, "subdevice", &sdv, &sdm))
		return false;
	word(primary, 32, dv << 16 | vv, dm << 16 | vm);
	secondary[0] = '\0';
	if ((sm | sdm) != 0)
		word(secondary, 32, sdv << 16 | sv, sdm << 16 | sm);
	cls[0] = '\0';
	switch (pers_entry_key(pnp, e, "class", &c)) {
	case PERS_ANY:
		break;
	case PERS_EQUAL:
		if (c > 0xffffff)
			return false;
		word(cls, 32, c << 8, 0xffffff00u);
		break;
	default:
		return false;
	}
	return true;
}

static void
set_cstring(CFMutableDictionaryRef d, const char *key, const char *value)
{
	if (value[0] != '\0')
		conv_set_string(d, key, value);
}

static void
write_group(CFMutableDictionaryRef d, const struct pci_group *g)
{
	if (g->secondary[0] == '\0' && g->cls[0] == '\0') {
		conv_set_value(d, "IOPCIMatch", g->primary);
		return;
	}
	if (!g->primary_any)
		conv_set_value(d, "IOPCIPrimaryMatch", g->primary);
	set_cstring(d, "IOPCISecondaryMatch", g->secondary);
	set_cstring(d, "IOPCIClassMatch", g->cls);
}

int
pers_pci(const struct kmod_pnp *pnp, CFMutableDictionaryRef table, CFMutableDictionaryRef all,
    const char *name, const char *identifier, const char *module_name)
{
	struct pci_group *groups = calloc((size_t)pnp->num_entry + 1, sizeof(*groups));
	size_t ng = 0;
	int added = 0;

	if (groups == NULL)
		return 0;
	for (int e = 0; e < pnp->num_entry; e++) {
		char primary[32], secondary[32], cls[32];
		size_t g;

		if (!entry_words(pnp, e, primary, secondary, cls))
			continue;
		for (g = 0; g < ng; g++)
			if (strcmp(groups[g].secondary, secondary) == 0 && strcmp(groups[g].cls, cls) == 0)
				break;
		if (g == ng) {
			memcpy(groups[g].secondary, secondary, sizeof(secondary));
			memcpy(groups[g].cls, cls, sizeof(cls));
			groups[g].primary = CFStringCreateMutable(NULL, 0);
			ng++;
		}
		if (strcmp(primary, "0x00000000&0x00000000") == 0)
			groups[g].primary_any = true;
		if (CFStringGetLength(groups[g].primary) > 0)
			CFStringAppendCString(groups[g].primary, " ", kCFStringEncodingUTF8);
		CFStringAppendCString(groups[g].primary, primary, kCFStringEncodingUTF8);
	}
	if (ng == 1) {
		write_group(table, &groups[0]);
	} else {
		for (size_t g = 0; g < ng; g++) {
			CFMutableDictionaryRef d = pers_new(identifier, module_name, "IOPCIDevice");
			char key[320];

			write_group(d, &groups[g]);
			snprintf(key, sizeof(key), "%s match %zu", name, g + 1);
			conv_set_value(all, key, d);
			CFRelease(d);
			added++;
		}
	}
	for (size_t g = 0; g < ng; g++)
		CFRelease(groups[g].primary);
	free(groups);
	return added;
}
