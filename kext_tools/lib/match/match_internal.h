/*
 * match layer private: one file a matching language.
 *   match_device.c    device values, modalias -> pnpinfo
 *   match_listing.c   devinfo -v and modalias listings, the sysfs scan
 *   match_events.c    device arrivals: Linux uevents, devd(8) nomatch events
 *   match_freebsd.c   FreeBSD PnP tables (devmatch's semantics)
 *   match_pci.c       IOPCIMatch and its kin
 *   match_keys.c      USB keys, IONameMatch, LinuxModalias
 *   match_select.c    one personality, every kext, the order
 */
#ifndef KEXT_MATCH_INTERNAL_H
#define KEXT_MATCH_INTERNAL_H

#include "kext/match.h"

/* Each returns 1 match, 0 no match, -1 malformed (err set); absent keys match. */
int match_freebsd(const struct kext_device *d, CFDictionaryRef p, int *spec, kext_error *err);
int match_pci(const struct kext_device *d, CFDictionaryRef p, int *spec, kext_error *err);
int match_usb(const struct kext_device *d, CFDictionaryRef p, int *spec, kext_error *err);
int match_names(const struct kext_device *d, CFDictionaryRef p, int *spec, kext_error *err);
int match_modalias(const struct kext_device *d, CFDictionaryRef p, int *spec, kext_error *err);

/* A device value as devmatch reads numbers: strtol base 0, -1 when absent. */
long match_device_int(const struct kext_device *d, const char *key);

/* Builds the pnpinfo FreeBSD would show for a Linux pci or usb modalias; NULL otherwise. */
char *match_pnpinfo_from_modalias(const char *modalias, const char **bus);

/* Listings (match_listing.c), shared with the event parsers (match_events.c). */
struct kext_device *match_new_device(struct kext_devices *out, kext_error *err);
char *match_dup_range(const char *s, size_t n);
/* The bus devmatch sees: a parent's name without its unit number. */
char *match_bus_of(const char *parent);
int match_add_modalias(struct kext_devices *out, const char *alias, size_t n, const char *name,
    const char *driver, int lineno, kext_error *err);

/* A CFString as a malloc'd UTF-8 C string, or NULL. */
char *match_cstring(CFTypeRef s);

#endif
