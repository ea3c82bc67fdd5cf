/*
 * Device matching: which kext drives a device.
 *
 * A device is a bus plus its PnP key/value pairs, as FreeBSD's bus drivers
 * publish them ("vendor=0x8086 device=0x100e ..." on pci) and devmatch(8)
 * reads them; a Linux device also carries its modalias, from which the same
 * pairs are derived for pci and usb. A kext matches a device through any of
 * its IOKitPersonalities:
 *  - FreeBSD keys (FreeBSDPNPBus, FreeBSDPNPFormat, FreeBSDPNPEntries, as
 *    ko2kext writes them), with devmatch's semantics of MODULE_PNP_INFO
 *    tables (sys/sys/module.h): I equal, J equal unless the table says -1,
 *    G at least, L at most, M a mask of which later fields count, Z equal
 *    strings, D ignored, T "key=value" present in the pnpinfo; a table for
 *    bus "usb" is one for "uhub";
 *  - Apple's IOPCIMatch (vendor/device or subsystem register),
 *    IOPCIPrimaryMatch, IOPCISecondaryMatch, IOPCIClassMatch (default mask
 *    0xffffff00), each a list of "0xVALUE[&0xMASK]" words;
 *  - USB keys of IOUSBHostDevice / IOUSBHostInterface personalities
 *    (idVendor, idProduct, bcdDevice, bDeviceClass, ..., bInterfaceProtocol);
 *  - IONameMatch: a name (or list) equal to one of the device's PnP values;
 *  - LinuxModalias: modalias patterns of a Linux module (ko2kext writes them
 *    from its alias= lines), shell globs as fnmatch(3) reads them.
 * Every key a personality has must match. The personality's
 * CFBundleIdentifier names the kext to load (Apple's rule: it may name
 * another bundle than the one holding the personality).
 *
 * Choosing among several kexts (kext_match_device sorts best first): the
 * higher IOProbeScore (0 when absent), then the more specific match (bits of
 * the device's identity compared: 16 for each 16-bit id, a mask's set bits,
 * the literal characters of a glob), then the identifier in byte order, so
 * the choice never depends on folder order. More than one candidate is an
 * overlap the caller reports.
 */
#ifndef KEXT_MATCH_H
#define KEXT_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <CoreFoundation/CoreFoundation.h>

#include "kext/bundle.h"
#include "kext/error.h"

/* Longest listing --devices reads, and most devices one listing may hold. */
#define KEXT_DEVICES_MAX_BYTES	(16u * 1024 * 1024)
#define KEXT_DEVICES_MAX	100000

struct kext_device {
	char *name;	/* "em0", "0000:00:03.0"; "" for an unattached FreeBSD device */
	char *bus;	/* "pci", "uhub", "acpi", ...: the parent without its unit */
	char *parent;	/* "pci0"; "" when unknown */
	char *pnpinfo;	/* key=value pairs separated by spaces */
	char *location;	/* "slot=3 function=0 ..."; "" when unknown */
	char *modalias;	/* Linux only, else NULL */
	char *driver;	/* the driver bound to it, NULL when none */
	bool disabled;	/* devinfo said "(disabled)" */
	int line;	/* where a listing had it (0 for a live scan) */
};

struct kext_devices {
	struct kext_device *items;
	size_t n;
};

/*
 * Parses a saved listing: `devinfo -v` output (FreeBSD; the tree by
 * indentation, "unknown" for a device without a driver) or modalias lines
 * (Linux; "pci:v...", "usb:v...", one a line, '#' comments). `source` names
 * it in errors: a line that is neither gets "source:LINE: ..." and the reason.
 */
int kext_devices_parse(const char *text, size_t len, const char *source,
    struct kext_devices *out, kext_error *err);

/* Linux: every <sysfs>/bus/<bus>/devices/<dev> that has a modalias file. */
int kext_devices_scan_sysfs(const char *sysfs, struct kext_devices *out, kext_error *err);

/*
 * Device arrivals, appended to *out; 1 when the event brought a device, 0
 * when it is another kind of event, -1 when it is malformed (err says why):
 *  - a Linux kernel uevent as the NETLINK_KOBJECT_UEVENT socket delivers it
 *    ("ACTION@DEVPATH" then NUL-separated KEY=VALUE pairs): an "add" that has
 *    a MODALIAS;
 *  - a devd(8) event line: a nomatch event "? at LOCATION PNPINFO on BUS0",
 *    the form devmatch(8) reads (location and pnpinfo run together).
 */
int kext_device_from_uevent(const char *msg, size_t len, struct kext_devices *out,
    kext_error *err);
int kext_device_from_devd(const char *line, size_t len, struct kext_devices *out,
    kext_error *err);

void kext_devices_free(struct kext_devices *d);

/* True when nothing drives the device and it is not disabled. */
bool kext_device_needs_driver(const struct kext_device *d);

/*
 * A PnP value of the device, devmatch's way: the first "key=" at the start of
 * the pnpinfo or after a space; quotes around the value are dropped.
 */
bool kext_device_value(const struct kext_device *d, const char *key, char *buf, size_t len);

struct kext_match {
	char *identifier;	/* the kext to load: the personality's CFBundleIdentifier */
	char *bundle_path;	/* the bundle whose Info.plist holds the personality */
	char *personality;	/* its name in IOKitPersonalities */
	const char *rule;	/* "FreeBSD PnP table", "IOPCIMatch", ... */
	long long probe_score;
	int specificity;
};

struct kext_match_result {
	struct kext_match *m;	/* best first; one per kext identifier */
	size_t n;
	char **notes;		/* personalities that could not be read, and why */
	size_t num_notes;
};

/*
 * Whether one personality matches: 1 yes (*specificity and *rule set), 0 no,
 * -1 when the personality is malformed (err says which key and why).
 */
int kext_match_personality(const struct kext_device *d, CFDictionaryRef personality,
    int *specificity, const char **rule, kext_error *err);

/*
 * Every kext among bundles that matches d, best first. A malformed
 * personality is skipped and noted; errors are only for memory.
 */
int kext_match_device(const struct kext_device *d, struct kext_bundle *const *bundles,
    size_t n, struct kext_match_result *out, kext_error *err);

void kext_match_result_free(struct kext_match_result *r);

#endif
