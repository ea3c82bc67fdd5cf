/*
 * ko2kext private: how one MODULE_PNP_INFO table entry constrains a device
 * key, read the way devmatch(8) reads linker.hints (FreeBSD
 * sbin/devmatch/devmatch.c, search_hints()), so the Apple keys written for a
 * table agree with the FreeBSD keys kept beside them.
 *
 *   personalities.c        one personality per table, FreeBSD keys, names
 *   personalities_entry.c  the per-entry constraint of a key (T, masks, wildcards)
 *   personalities_pci.c    IOPCIMatch / IOPCIPrimaryMatch / IOPCISecondaryMatch /
 *                          IOPCIClassMatch
 *   personalities_usb.c    IOUSBHostDevice / IOUSBHostInterface keys
 *   personalities_linux.c  Linux modules: alias= lines as LinuxModalias
 */
#ifndef KO2KEXT_PERSONALITIES_H
#define KO2KEXT_PERSONALITIES_H

#include <stdbool.h>
#include <stdint.h>

#include <CoreFoundation/CoreFoundation.h>

#include "kext/kmod.h"

enum pers_constraint {
	PERS_ANY,	/* the entry does not look at the key */
	PERS_EQUAL,	/* the key must equal value */
	PERS_OTHER,	/* a range (G16/L16), or a value no device key can have */
};

/*
 * What entry e of pnp asks of pnpinfo key `key`: a T field "key=value"
 * fixes it for the whole table; fields named key of kind I or J compare it
 * (J's -1 is a wildcard), G and L bound it; a field that the entry's M16
 * mask leaves out is not compared.
 */
enum pers_constraint pers_entry_key(const struct kmod_pnp *pnp, int e, const char *key,
    uint32_t *value);

/* True when field f of entry e is compared (devmatch's M16 mask rule). */
bool pers_field_compared(const struct kmod_pnp *pnp, int e, size_t f);

/* The value of a T field "key=value" of the table, when there is one. */
bool pers_table_key(const struct kmod_pnp *pnp, const char *key, const char **value);

/*
 * Personalities beyond the table's own for the Apple keys, added to `all`
 * under "<name> <n>"; `table` (the table's personality) gets the keys itself
 * when one personality says everything. Both return how many were added.
 */
int pers_pci(const struct kmod_pnp *pnp, CFMutableDictionaryRef table, CFMutableDictionaryRef all,
    const char *name, const char *identifier, const char *module_name);
int pers_usb(const struct kmod_pnp *pnp, CFMutableDictionaryRef table, CFMutableDictionaryRef all,
    const char *name, const char *identifier, const char *module_name);

/* IONameMatch for string-keyed tables (ACPI _HID, ISA PnP ids, ...). */
void pers_names(const struct kmod_pnp *pnp, CFMutableDictionaryRef table);

/* A Linux module's personalities from its alias= lines, or NULL when it has none. */
CFDictionaryRef conv_personalities_linux(const struct kmod_file *kf, const char *identifier);

/* A new personality dictionary with the three keys every one has. */
CFMutableDictionaryRef pers_new(const char *identifier, const char *module_name,
    const char *provider_class);

#endif
