/*
 * Where devices come from:
 *  - `devinfo -v` output (FreeBSD usr.sbin/devinfo/devinfo.c, print_dev):
 *    two spaces of indentation a level of the device tree, then the name or
 *    "unknown" when no driver attached, " pnpinfo KEY=VALUE...",
 *    " at KEY=VALUE..." and " (disabled)" or " (suspended)"; the bus of a
 *    device is its parent's name without the unit number, as devmatch(8)
 *    takes it;
 *  - modalias lines, one a line, as Linux's /sys/bus/<bus>/devices/<dev>/modalias;
 *  - a Linux sysfs tree, each device with a modalias and, when bound, a
 *    "driver" link.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "match_internal.h"

struct kext_device *
match_new_device(struct kext_devices *out, kext_error *err)
{
	struct kext_device *items;

	if (out->n >= KEXT_DEVICES_MAX) {
		kext_fail(err, E2BIG, "more than %u devices", KEXT_DEVICES_MAX);
		return NULL;
	}
	items = realloc(out->items, (out->n + 1) * sizeof(*items));
	if (items == NULL) {
		kext_fail(err, ENOMEM, "out of memory");
		return NULL;
	}
	out->items = items;
	memset(&items[out->n], 0, sizeof(items[0]));
	return &items[out->n++];
}

char *
match_dup_range(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* "pci:v0000...": a bus tag, a colon, no blanks. */
static bool
is_modalias(const char *line, size_t n)
{
	size_t i = 0;

	while (i < n && (islower((unsigned char)line[i]) || isdigit((unsigned char)line[i]) ||
	    line[i] == '_'))
		i++;
	if (i == 0 || i >= n || line[i] != ':')
		return false;
	for (; i < n; i++)
		if (isspace((unsigned char)line[i]))
			return false;
	return true;
}

int
match_add_modalias(struct kext_devices *out, const char *alias, size_t n, const char *name,
    const char *driver, int lineno, kext_error *err)
{
	struct kext_device *d = match_new_device(out, err);
	const char *bus = NULL;

	if (d == NULL)
		return -1;
	d->line = lineno;
	d->modalias = match_dup_range(alias, n);
	d->name = strdup(name);
	d->parent = strdup("");
	d->location = strdup("");
	d->driver = driver != NULL ? strdup(driver) : NULL;
	if (d->modalias == NULL || d->name == NULL || d->parent == NULL || d->location == NULL ||
	    (driver != NULL && d->driver == NULL))
		return kext_fail(err, ENOMEM, "out of memory");
	d->pnpinfo = match_pnpinfo_from_modalias(d->modalias, &bus);
	if (d->pnpinfo == NULL) {
		const char *colon = strchr(d->modalias, ':');

		d->pnpinfo = strdup("");
		d->bus = match_dup_range(d->modalias, (size_t)(colon - d->modalias));
	} else {
		d->bus = strdup(bus);
	}
	if (d->pnpinfo == NULL || d->bus == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	return 0;
}

/* The bus devmatch sees: the parent's name without trailing digits. */
char *
match_bus_of(const char *parent)
{
	size_t n = strlen(parent);

	while (n > 0 && isdigit((unsigned char)parent[n - 1]))
		n--;
	return match_dup_range(parent, n);
}

struct level {
	size_t indent;
	char *name;
};

/* One devinfo -v line: "  name [pnpinfo ...] [at ...] [(disabled)]". */
static int
add_devinfo(struct kext_devices *out, const char *line, size_t n, struct level *stack,
    size_t *depth, const char *source, int lineno, kext_error *err)
{
	size_t indent = 0, nlen;
	const char *name, *rest, *end = line + n, *pnp = NULL, *at = NULL;
	struct kext_device *d;
	bool disabled = false;

	while (indent < n && line[indent] == ' ')
		indent++;
	name = line + indent;
	for (nlen = 0; name + nlen < end && !isspace((unsigned char)name[nlen]); nlen++)
		if (!isalnum((unsigned char)name[nlen]) && !strchr("_.-", name[nlen]))
			return kext_fail(err, EINVAL, "%s:%d: neither a devinfo -v line nor a "
			    "modalias: '%.*s'", source, lineno, (int)(n > 80 ? 80 : n), line);
	rest = name + nlen;
	if (end - rest >= 11 && memcmp(end - 11, " (disabled)", 11) == 0)
		end -= 11, disabled = true;
	else if (end - rest >= 12 && memcmp(end - 12, " (suspended)", 12) == 0)
		end -= 12;
	if (end - rest >= 9 && memcmp(rest, " pnpinfo ", 9) == 0)
		pnp = rest + 9;
	/* the location starts at the first " at " followed by a key=value */
	for (const char *s = pnp != NULL ? pnp : rest; s + 4 <= end; s++) {
		if ((s == rest || s[0] == ' ') && memcmp(s, " at ", 4) == 0) {
			const char *tok = s + 4, *sp = memchr(tok, ' ', (size_t)(end - tok));

			if (memchr(tok, '=', (size_t)((sp != NULL ? sp : end) - tok)) != NULL) {
				at = tok;
				break;
			}
		}
	}
	if (pnp == NULL && at == NULL && rest != end)
		return kext_fail(err, EINVAL, "%s:%d: after the device name, expected "
		    "\" pnpinfo\", \" at\" or \"(disabled)\": '%.*s'", source, lineno,
		    (int)(n > 80 ? 80 : n), line);
	while (*depth > 0 && stack[*depth - 1].indent >= indent)
		(*depth)--;
	if ((d = match_new_device(out, err)) == NULL)
		return -1;
	d->line = lineno;
	d->disabled = disabled;
	d->name = nlen == 7 && memcmp(name, "unknown", 7) == 0 ? strdup("") :
	    match_dup_range(name, nlen);
	d->parent = strdup(*depth > 0 ? stack[*depth - 1].name : "");
	d->pnpinfo = pnp != NULL ? match_dup_range(pnp, (size_t)((at != NULL ? at - 4 : end) - pnp)) :
	    strdup("");
	d->location = at != NULL ? match_dup_range(at, (size_t)(end - at)) : strdup("");
	if (d->name == NULL || d->parent == NULL || d->pnpinfo == NULL || d->location == NULL ||
	    (d->bus = match_bus_of(d->parent)) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	if (d->name[0] != '\0' && (d->driver = match_bus_of(d->name)) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	if (*depth < 64) {
		stack[*depth].indent = indent;
		stack[*depth].name = d->name;	/* its own allocation: stable */
		(*depth)++;
	}
	return 0;
}

int
kext_devices_parse(const char *text, size_t len, const char *source, struct kext_devices *out,
    kext_error *err)
{
	struct level stack[64];
	size_t depth = 0, at = 0;
	int lineno = 0;

	*out = (struct kext_devices){ 0 };
	if (len == 0)
		return 0;
	if (len > KEXT_DEVICES_MAX_BYTES)
		return kext_fail(err, EFBIG, "%s: more than %u bytes", source,
		    KEXT_DEVICES_MAX_BYTES);
	if (memchr(text, '\0', len) != NULL)
		return kext_fail(err, EINVAL, "%s: a NUL byte: not a text listing", source);
	while (at < len) {
		const char *line = text + at, *nl = memchr(line, '\n', len - at);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - at, b = 0;
		int rc;

		at += n + (nl != NULL);
		lineno++;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		while (b < n && isspace((unsigned char)line[b]))
			b++;
		if (b == n || line[b] == '#')
			continue;
		if (is_modalias(line + b, n - b))
			rc = match_add_modalias(out, line + b, n - b, "", NULL, lineno, err);
		else
			rc = add_devinfo(out, line, n, stack, &depth, source, lineno, err);
		if (rc != 0) {
			kext_devices_free(out);
			return -1;
		}
	}
	return 0;
}

/*
 * Reads a small sysfs attribute, NULL when it cannot. sysfs reports 4096
 * bytes for every attribute whatever it holds, so read until the end rather
 * than trusting the size.
 */
static char *
read_attr(const char *path)
{
	char buf[4096];
	size_t size = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return NULL;
	while (size < sizeof(buf) && (n = read(fd, buf + size, sizeof(buf) - size)) > 0)
		size += (size_t)n;
	close(fd);
	while (size > 0 && (buf[size - 1] == '\n' || buf[size - 1] == '\0'))
		size--;
	return memchr(buf, '\0', size) == NULL ? match_dup_range(buf, size) : NULL;
}

int
kext_devices_scan_sysfs(const char *sysfs, struct kext_devices *out, kext_error *err)
{
	char path[PATH_MAX];
	DIR *buses;
	struct dirent *b;

	*out = (struct kext_devices){ 0 };
	snprintf(path, sizeof(path), "%s/bus", sysfs);
	if ((buses = opendir(path)) == NULL)
		return kext_fail(err, errno, "%s: %s", path, strerror(errno));
	while ((b = readdir(buses)) != NULL) {
		DIR *devs;
		struct dirent *e;

		if (b->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/bus/%s/devices", sysfs, b->d_name);
		if ((devs = opendir(path)) == NULL)
			continue;
		while ((e = readdir(devs)) != NULL) {
			char link[PATH_MAX], *alias;
			const char *driver = NULL;
			ssize_t ln;
			int rc;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/bus/%s/devices/%s/modalias", sysfs,
			    b->d_name, e->d_name);
			if ((alias = read_attr(path)) == NULL || alias[0] == '\0') {
				free(alias);
				continue;
			}
			snprintf(path, sizeof(path), "%s/bus/%s/devices/%s/driver", sysfs,
			    b->d_name, e->d_name);
			ln = readlink(path, link, sizeof(link) - 1);
			if (ln > 0) {
				link[ln] = '\0';
				driver = strrchr(link, '/') != NULL ? strrchr(link, '/') + 1 : link;
			}
			rc = match_add_modalias(out, alias, strlen(alias), e->d_name, driver, 0, err);
			free(alias);
			if (rc != 0) {
				closedir(devs);
				closedir(buses);
				kext_devices_free(out);
				return -1;
			}
		}
		closedir(devs);
	}
	closedir(buses);
	return 0;
}
