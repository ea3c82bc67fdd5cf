/*
 * Device arrivals for kextd's daemon mode:
 *  - Linux: a kernel uevent, as broadcast on the NETLINK_KOBJECT_UEVENT
 *    socket (group 1): a header "ACTION@DEVPATH", then KEY=VALUE strings,
 *    each ended by a NUL; ACTION=add with a MODALIAS is a device that may
 *    want a driver (Linux lib/kobject_uevent.c builds these messages);
 *  - FreeBSD: devd(8)'s events on /var/run/devd.seqpacket.pipe, one line a
 *    message; a line starting with '?' is a nomatch event, "? at LOCATION
 *    PNPINFO on BUS0", which devmatch(8) parses by taking the bus after the
 *    last " on " and everything after " at " as the pnpinfo (FreeBSD
 *    sbin/devmatch/devmatch.c, find_nomatch()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

int
kext_device_from_uevent(const char *msg, size_t len, struct kext_devices *out, kext_error *err)
{
	const char *end = msg + len, *action = NULL, *devpath = NULL, *alias = NULL;
	const char *at = memchr(msg, '\0', len), *name;
	size_t alias_len = 0;
	int rc;

	if (at == NULL || memchr(msg, '@', (size_t)(at - msg)) == NULL)
		return kext_fail(err, EINVAL, "uevent: no \"ACTION@DEVPATH\" header");
	for (const char *p = at + 1; p < end;) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t n = z != NULL ? (size_t)(z - p) : (size_t)(end - p);

		if (n > 7 && memcmp(p, "ACTION=", 7) == 0)
			action = p + 7;
		else if (n > 8 && memcmp(p, "DEVPATH=", 8) == 0)
			devpath = p + 8;
		else if (n > 9 && memcmp(p, "MODALIAS=", 9) == 0)
			alias = p + 9, alias_len = n - 9;
		if (z == NULL && (action == p + 7 || devpath == p + 8 || alias == p + 9))
			return kext_fail(err, EINVAL, "uevent: the last value is not NUL-terminated");
		p += n + 1;
	}
	if (action == NULL || strcmp(action, "add") != 0 || alias == NULL || alias_len == 0)
		return 0;
	name = devpath != NULL && strrchr(devpath, '/') != NULL ? strrchr(devpath, '/') + 1 : "";
	rc = match_add_modalias(out, alias, alias_len, name, NULL, 0, err);
	return rc == 0 ? 1 : -1;
}

int
kext_device_from_devd(const char *line, size_t len, struct kext_devices *out, kext_error *err)
{
	const char *end = line + len, *on = NULL, *pnp;
	struct kext_device *d;

	while (end > line && (end[-1] == '\n' || end[-1] == '\0'))
		end--;
	if (end == line || line[0] != '?')
		return 0;
	if (end - line < 5 || memcmp(line + 1, " at ", 4) != 0)
		return kext_fail(err, EINVAL, "devd: a nomatch event without \" at \": '%.*s'",
		    (int)(end - line > 80 ? 80 : end - line), line);
	pnp = line + 5;
	for (const char *s = end - 4; s >= pnp - 1 && on == NULL; s--)
		if (memcmp(s, " on ", 4) == 0)
			on = s;
	if (on == NULL || on + 4 == end || memchr(on + 4, ' ', (size_t)(end - on - 4)) != NULL)
		return kext_fail(err, EINVAL, "devd: a nomatch event without \" on BUS\": '%.*s'",
		    (int)(end - line > 80 ? 80 : end - line), line);
	if ((d = match_new_device(out, err)) == NULL)
		return -1;
	d->name = strdup("");
	d->parent = match_dup_range(on + 4, (size_t)(end - on - 4));
	d->pnpinfo = on > pnp ? match_dup_range(pnp, (size_t)(on - pnp)) : strdup("");
	d->location = strdup("");
	if (d->name == NULL || d->parent == NULL || d->pnpinfo == NULL || d->location == NULL ||
	    (d->bus = match_bus_of(d->parent)) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	return 1;
}
