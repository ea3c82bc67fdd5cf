/* FreeBSD version integers as Apple kext version strings (see fbsd_version.h). */
#include <stdio.h>

#include "kext/fbsd_version.h"

int
kext_fbsd_module_version_string(int version, char *buf, size_t len)
{
	if (version < 0)
		return -1;
	if (version <= 9999)
		snprintf(buf, len, "%d", version);
	else
		snprintf(buf, len, "%d.%d.%d", version / 100000000,
		    version / 10000 % 10000, version % 10000);
	return 0;
}

static int
format_release(int osreldate, int with_patch, char *buf, size_t len)
{
	int major = osreldate / 100000, minor = osreldate / 1000 % 100;
	int patch = osreldate % 1000;

	if (osreldate < 100000)
		return -1;
	if (!with_patch)
		snprintf(buf, len, "%d.0", major);
	else if (patch == 0)
		snprintf(buf, len, "%d.%d", major, minor);
	else
		snprintf(buf, len, "%d.%d.%d", major, minor, patch);
	return 0;
}

int
kext_fbsd_osreldate_string(int osreldate, char *buf, size_t len)
{
	return format_release(osreldate, 1, buf, len);
}

bool
kext_fbsd_version_accepts(int min, int pref, int max, int v)
{
	return v == pref || (v >= min && v <= max);
}

bool
kext_fbsd_version_better(int min, int pref, int max, int v, bool have_best, int best)
{
	if (!kext_fbsd_version_accepts(min, pref, max, v))
		return false;
	if (!have_best)
		return true;
	return best != pref && (v == pref || v > best);
}

int
kext_fbsd_osreldate_compat_string(int osreldate, char *buf, size_t len)
{
	return format_release(osreldate, 0, buf, len);
}
