/*
 * Provenance of a freebsd-launchd mach.ko release tarball, in the form the
 * project publishes it (pkgdemon/freebsd-launchd-mach: build.sh step 12
 * writes the tarball, .github/workflows/build.yml renames it for the
 * release):
 *
 *   name     mach.ko-FreeBSD-<version>-<arch>.tar.gz             (CI artifact)
 *            mach.ko-FreeBSD-<version>-<arch>-<YYYYMMDD>.tar.gz  (published)
 *   members  boot/kernel/mach.ko, README
 *   README   "Built against: FreeBSD <version> (<arch>)"
 *            "Built on:      <YYYY-MM-DDTHH:MM:SSZ>"
 *
 * A README with a "Built against:" line is a release README; any other is
 * not, and records nothing. What it says is checked against the module (its
 * "kernel" dependency's major.minor, its architecture) and against the
 * tarball's name, so a README or a name from another build cannot pass
 * unnoticed. The release's own version is its date: the published name's,
 * else the README's "Built on" date (see conv_release_version).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert.h"

#define NAME_PREFIX	"mach.ko-FreeBSD-"
#define NAME_SUFFIX	".tar.gz"

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * A README at the top of the tarball or in its one top folder; deeper ones
 * (a package's /usr/local/share/doc/.../README) describe something else.
 */
bool
conv_release_is_readme(const char *member)
{
	const char *slash;

	while (member[0] == '.' && member[1] == '/')
		member += 2;
	slash = strchr(member, '/');
	if (slash != NULL && (slash == member || strchr(slash + 1, '/') != NULL))
		return false;
	return strncasecmp(base_name(member), "README", 6) == 0;
}

/* "M.m": what the project's FREEBSD_VERSION (the CI matrix's '15.0') looks like. */
static bool
is_major_minor(const char *s, size_t len)
{
	size_t i = 0, digits;

	for (digits = 0; i < len && isdigit((unsigned char)s[i]); i++)
		digits++;
	if (digits == 0 || digits > 4 || i == len || s[i++] != '.')
		return false;
	for (digits = 0; i < len && isdigit((unsigned char)s[i]); i++)
		digits++;
	return digits > 0 && digits <= 2 && i == len;
}

static bool
is_arch(const char *s, size_t len)
{
	if (len == 0 || len > 16)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* YYYYMMDD (8 digits) as a plausible calendar date. */
static bool
is_date8(const char *s)
{
	int y, m, d;

	for (int i = 0; i < 8; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	if (sscanf(s, "%4d%2d%2d", &y, &m, &d) != 3)
		return false;
	return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* The value after "Key:" on a line of its own, spaces trimmed; NULL if absent. */
static char *
field(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = text; *line != '\0';) {
		const char *end = strchr(line, '\n');

		end = end ? end : line + strlen(line);
		if ((size_t)(end - line) > klen && strncmp(line, key, klen) == 0 &&
		    line[klen] == ':') {
			const char *v = line + klen + 1;
			const char *e = end;

			while (v < e && isspace((unsigned char)*v))
				v++;
			while (e > v && isspace((unsigned char)e[-1]))
				e--;
			return strndup(v, (size_t)(e - v));
		}
		line = *end ? end + 1 : end;
	}
	return NULL;
}

/* "FreeBSD 15.0 (amd64)" into version and arch. */
static int
parse_built_against(const char *readme, const char *value, struct conv_release *out,
    kext_error *err)
{
	const char *v = value, *open, *close;

	if (strncmp(v, "FreeBSD ", 8) != 0)
		goto bad;
	v += 8;
	open = strstr(v, " (");
	close = open ? strchr(open, ')') : NULL;
	if (open == NULL || close == NULL || close[1] != '\0' ||
	    !is_major_minor(v, (size_t)(open - v)) ||
	    !is_arch(open + 2, (size_t)(close - open - 2)))
		goto bad;
	out->freebsd = strndup(v, (size_t)(open - v));
	out->arch = strndup(open + 2, (size_t)(close - open - 2));
	if (out->freebsd == NULL || out->arch == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", readme);
	return 0;
bad:
	return kext_fail(err, EINVAL, "%s: Built against - expected \"FreeBSD <version> "
	    "(<arch>)\" such as \"FreeBSD 15.0 (amd64)\", found \"%.80s\"", readme, value);
}

/* "2026-01-15T12:34:56Z" (date -u +%Y-%m-%dT%H:%M:%SZ); its date as YYYYMMDD. */
static int
parse_built_on(const char *readme, const char *value, struct conv_release *out,
    kext_error *err)
{
	char date[9];
	int hh, mm, ss;
	char z;

	if (strlen(value) != 20 || value[4] != '-' || value[7] != '-' || value[10] != 'T' ||
	    !isdigit((unsigned char)value[11]) || !isdigit((unsigned char)value[14]) ||
	    !isdigit((unsigned char)value[17]) ||
	    sscanf(value + 11, "%2d:%2d:%2d%c", &hh, &mm, &ss, &z) != 4 || z != 'Z' ||
	    hh > 23 || mm > 59 || ss > 60)
		goto bad;
	snprintf(date, sizeof(date), "%.4s%.2s%.2s", value, value + 5, value + 8);
	if (!is_date8(date))
		goto bad;
	if ((out->built_on = strdup(value)) == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", readme);
	memcpy(out->built_on_date, date, sizeof(date));
	return 0;
bad:
	return kext_fail(err, EINVAL, "%s: Built on - expected a UTC time such as "
	    "2026-01-15T12:34:56Z, found \"%.80s\"", readme, value);
}

/*
 * The published name's parts; a tarball named otherwise (renamed by its
 * user) states nothing by its name.
 */
static void
parse_name(const char *archive, struct conv_release *out)
{
	const char *name = base_name(archive), *p, *end, *dash, *last;
	size_t len = strlen(name);

	if (strncmp(name, NAME_PREFIX, strlen(NAME_PREFIX)) != 0 || len < strlen(NAME_SUFFIX) ||
	    strcmp(name + len - strlen(NAME_SUFFIX), NAME_SUFFIX) != 0)
		return;
	p = name + strlen(NAME_PREFIX);
	end = name + len - strlen(NAME_SUFFIX);
	dash = memchr(p, '-', (size_t)(end - p));
	if (dash == NULL || !is_major_minor(p, (size_t)(dash - p)))
		return;
	last = dash + 1;
	if (end - last > 9 && end[-9] == '-' && is_date8(end - 8)) {
		memcpy(out->name_date, end - 8, 8);
		out->name_date[8] = '\0';
		end -= 9;
	}
	if (!is_arch(last, (size_t)(end - last)))
		return;
	out->name_freebsd = strndup(p, (size_t)(dash - p));
	out->name_arch = strndup(last, (size_t)(end - last));
}

int
conv_release_parse(const char *archive, const char *member, const char *text,
    struct conv_release *out, kext_error *err)
{
	char readme[4096];
	char *against, *on;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if ((against = field(text, "Built against")) == NULL)
		return 0;	/* some other README: no provenance to record */
	snprintf(readme, sizeof(readme), "%s:%s", archive, member);
	on = field(text, "Built on");
	rc = parse_built_against(readme, against, out, err);
	if (rc == 0 && on != NULL)
		rc = parse_built_on(readme, on, out, err);
	free(against);
	free(on);
	if (rc == 0) {
		parse_name(archive, out);
		if ((out->archive = strdup(base_name(archive))) == NULL ||
		    (out->readme = strdup(readme)) == NULL)
			rc = kext_fail(err, ENOMEM, "%s: out of memory", archive);
	}
	if (rc == 0 && out->name_freebsd != NULL &&
	    (strcmp(out->name_freebsd, out->freebsd) != 0 || strcmp(out->name_arch, out->arch) != 0))
		rc = kext_fail(err, EINVAL, "%s: the name says FreeBSD %s (%s), but %s says it was "
		    "built against FreeBSD %s (%s); the README belongs to another build", archive,
		    out->name_freebsd, out->name_arch, readme, out->freebsd, out->arch);
	if (rc != 0)
		conv_release_clear(out);
	else
		out->present = true;
	return rc;
}

/* FreeBSD's MACHINE "arm64" is MACHINE_ARCH "aarch64", the name modules report. */
static bool
same_arch(const char *release, const char *module)
{
	return strcmp(release, module) == 0 ||
	    (strcmp(release, "arm64") == 0 && strcmp(module, "aarch64") == 0);
}

/* The README must describe the build the module itself comes from. */
int
conv_release_check(const struct conv_release *rel, const char *origin,
    const unsigned char *data, size_t len, kext_error *err)
{
	const struct kmod_depend *d;
	struct kmod_file *kf;
	char built[32];
	int rc = 0;

	if (!rel->present || kmod_parse(data, len, origin, &kf, NULL) != 0)
		return 0;	/* no release README; a bad module is reported when parsed */
	if ((d = kmod_find_depend(kf, "kernel")) == NULL) {
		rc = kext_fail(err, EINVAL, "%s says the module was built against FreeBSD %s, but "
		    "%s declares no kernel dependency to check it against", rel->readme,
		    rel->freebsd, origin);
	} else {
		snprintf(built, sizeof(built), "%d.%d", d->pref / 100000, d->pref / 1000 % 100);
		if (strcmp(built, rel->freebsd) != 0)
			rc = kext_fail(err, EINVAL, "%s says the module was built against FreeBSD "
			    "%s, but %s depends on kernel %d (FreeBSD %s, accepts %d..%d); the "
			    "README belongs to another build", rel->readme, rel->freebsd, origin,
			    d->pref, built, d->min, d->max);
	}
	if (rc == 0 && !same_arch(rel->arch, kf->arch))
		rc = kext_fail(err, EINVAL, "%s says the module was built for %s, but %s is built "
		    "for %s; the README belongs to another build", rel->readme, rel->arch, origin,
		    kf->arch);
	kmod_free(kf);
	return rc;
}

/* "YYYYMMDD" as the kext version "YYYY.M.D": later releases compare higher. */
static int
date_version(const char *date, char *buf, size_t len)
{
	int y, m, d;

	if (sscanf(date, "%4d%2d%2d", &y, &m, &d) != 3)
		return -1;
	snprintf(buf, len, "%d.%d.%d", y, m, d);
	return 0;
}

int
conv_release_version(const struct conv_release *rel, char *buf, size_t len)
{
	if (!rel->present)
		return -1;
	if (rel->name_date[0] != '\0')
		return date_version(rel->name_date, buf, len);
	if (rel->built_on_date[0] != '\0')
		return date_version(rel->built_on_date, buf, len);
	return -1;
}

static int
dup_field(char **dst, const char *src)
{
	return src == NULL || (*dst = strdup(src)) != NULL ? 0 : -1;
}

int
conv_release_copy(struct conv_release *dst, const struct conv_release *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!src->present)
		return 0;
	memcpy(dst->built_on_date, src->built_on_date, sizeof(dst->built_on_date));
	memcpy(dst->name_date, src->name_date, sizeof(dst->name_date));
	if (dup_field(&dst->archive, src->archive) != 0 ||
	    dup_field(&dst->readme, src->readme) != 0 ||
	    dup_field(&dst->freebsd, src->freebsd) != 0 ||
	    dup_field(&dst->arch, src->arch) != 0 ||
	    dup_field(&dst->built_on, src->built_on) != 0 ||
	    dup_field(&dst->name_freebsd, src->name_freebsd) != 0 ||
	    dup_field(&dst->name_arch, src->name_arch) != 0) {
		conv_release_clear(dst);
		return -1;
	}
	dst->present = true;
	return 0;
}

void
conv_release_clear(struct conv_release *rel)
{
	free(rel->archive);
	free(rel->readme);
	free(rel->freebsd);
	free(rel->arch);
	free(rel->built_on);
	free(rel->name_freebsd);
	free(rel->name_arch);
	memset(rel, 0, sizeof(*rel));
}

void
conv_release_keys(CFMutableDictionaryRef info, const struct conv_release *rel)
{
	if (!rel->present)
		return;
	conv_set_string(info, "FreeBSDReleaseArchive", rel->archive);
	conv_set_string(info, "FreeBSDReleaseBuiltAgainst", rel->freebsd);
	conv_set_string(info, "FreeBSDReleaseArchitecture", rel->arch);
	if (rel->built_on != NULL)
		conv_set_string(info, "FreeBSDReleaseBuiltOn", rel->built_on);
	if (rel->name_date[0] != '\0')
		conv_set_string(info, "FreeBSDReleaseDate", rel->name_date);
}
