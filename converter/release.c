/*
 * Provenance of a release tarball (mach.ko-FreeBSD-15.0-amd64.tar.gz): its
 * README states the exact __FreeBSD_version the module was built against and
 * the SHA256 of the kernel it was built with. Both are recorded in the
 * Info.plist, and the version is checked against the module's own "kernel"
 * dependency so a README from another build cannot pass unnoticed.
 *
 * Accepted README form (line based, anywhere in the text):
 *	... __FreeBSD_version ... 1500068 ...    the first integer after the word
 *	... kernel ... <64 hex digits> ...        a line naming the kernel and a SHA256
 * A README that never mentions __FreeBSD_version is not a release README.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert.h"

#define SHA256_HEX 64

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

/* The first run of exactly 64 hex digits in [p, end), or NULL. */
static const char *
find_sha256(const char *p, const char *end)
{
	while (p < end) {
		const char *q = p;

		while (q < end && isxdigit((unsigned char)*q))
			q++;
		if (q - p == SHA256_HEX)
			return p;
		p = q == p ? p + 1 : q;
	}
	return NULL;
}

static bool
line_mentions(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	for (; p + n <= end; p++)
		if (strncasecmp(p, word, n) == 0)
			return true;
	return false;
}

static int
parse_version(const char *readme, const char *text, int *out, kext_error *err)
{
	const char *p = strstr(text, "__FreeBSD_version") + strlen("__FreeBSD_version");
	long v;
	char *end;

	while (*p != '\0' && *p != '\n' && !isdigit((unsigned char)*p))
		p++;
	errno = 0;
	v = strtol(p, &end, 10);
	if (!isdigit((unsigned char)*p) || errno != 0 || v < 100000 || v > 99999999 ||
	    isalnum((unsigned char)*end))
		return kext_fail(err, EINVAL, "%s: __FreeBSD_version - expected a version number "
		    "such as 1500068 on the same line, found none", readme);
	*out = (int)v;
	return 0;
}

int
conv_release_parse(const char *archive, const char *member, const char *text,
    struct conv_release *out, kext_error *err)
{
	char readme[4096];

	memset(out, 0, sizeof(*out));
	if (strstr(text, "__FreeBSD_version") == NULL)
		return 0;	/* some other README: no provenance to record */
	snprintf(readme, sizeof(readme), "%s:%s", archive, member);
	if (parse_version(readme, text, &out->osversion, err) != 0)
		return -1;
	for (const char *line = text; *line != '\0';) {
		const char *end = strchr(line, '\n'), *sha;

		end = end ? end : line + strlen(line);
		if (line_mentions(line, end, "kernel") &&
		    (sha = find_sha256(line, end)) != NULL) {
			if ((out->kernel_sha256 = strndup(sha, SHA256_HEX)) == NULL)
				goto nomem;
			for (char *c = out->kernel_sha256; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			break;
		}
		line = *end ? end + 1 : end;
	}
	if ((out->archive = strdup(base_name(archive))) == NULL ||
	    (out->readme = strdup(readme)) == NULL)
		goto nomem;
	return 0;
nomem:
	conv_release_clear(out);
	return kext_fail(err, ENOMEM, "%s: out of memory", archive);
}

/* The README's version must be the one the module's DECLARE_MODULE was built for. */
int
conv_release_check(const struct conv_release *rel, const char *origin,
    const unsigned char *data, size_t len, kext_error *err)
{
	const struct kmod_depend *d;
	struct kmod_file *kf;
	int rc = 0;

	if (rel->osversion == 0 || kmod_parse(data, len, origin, &kf, NULL) != 0)
		return 0;	/* no release README; a bad module is reported when parsed */
	if ((d = kmod_find_depend(kf, "kernel")) == NULL)
		rc = kext_fail(err, EINVAL, "%s says the module was built against "
		    "__FreeBSD_version %d, but %s declares no kernel dependency to check it "
		    "against", rel->readme, rel->osversion, origin);
	else if (d->pref != rel->osversion)
		rc = kext_fail(err, EINVAL, "%s says the module was built against "
		    "__FreeBSD_version %d, but %s depends on kernel %d (accepts %d..%d); the "
		    "README belongs to another build", rel->readme, rel->osversion, origin,
		    d->pref, d->min, d->max);
	kmod_free(kf);
	return rc;
}

int
conv_release_copy(struct conv_release *dst, const struct conv_release *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->osversion == 0)
		return 0;
	dst->osversion = src->osversion;
	dst->archive = strdup(src->archive);
	dst->readme = strdup(src->readme);
	dst->kernel_sha256 = src->kernel_sha256 ? strdup(src->kernel_sha256) : NULL;
	if (dst->archive == NULL || dst->readme == NULL ||
	    (src->kernel_sha256 != NULL && dst->kernel_sha256 == NULL)) {
		conv_release_clear(dst);
		return -1;
	}
	return 0;
}

void
conv_release_clear(struct conv_release *rel)
{
	free(rel->archive);
	free(rel->readme);
	free(rel->kernel_sha256);
	memset(rel, 0, sizeof(*rel));
}

void
conv_release_keys(CFMutableDictionaryRef info, const struct conv_release *rel)
{
	if (rel->osversion == 0)
		return;
	conv_set_string(info, "FreeBSDReleaseArchive", rel->archive);
	conv_set_int(info, "FreeBSDReleaseOSVersion", rel->osversion);
	if (rel->kernel_sha256 != NULL)
		conv_set_string(info, "FreeBSDReleaseKernelSHA256", rel->kernel_sha256);
}
