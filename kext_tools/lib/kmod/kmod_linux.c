/*
 * Linux kernel modules: the .modinfo section, the metadata modpost and
 * MODULE_*() macros leave there as NUL-separated "key=value" strings
 * (name, version, depends, vermagic, alias, srcversion, license, description).
 * The ELF checks are kmod_elf.c's; this file only reads the strings.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kmod_internal.h"

#define SHT_NOBITS		8
#define LINUX_MAX_ALIASES	4096
#define LINUX_MAX_DEPENDS	1024
#define LINUX_MAX_ENTRIES	(1u << 16)	/* key=value strings in one .modinfo */
#define LINUX_MODULE_NAME_LEN	56		/* MODULE_NAME_LEN on 64-bit, with NUL */

struct linux_arch {
	unsigned machine;
	bool is64, be;
	const char *name;
};

/* Linux's names (uname -m style) for the machines it builds modules for. */
static const struct linux_arch linux_arches[] = {
	{62, true, false, "x86_64"},
	{3, false, false, "i386"},
	{183, true, false, "arm64"},
	{40, false, false, "arm"},
	{243, true, false, "riscv64"},
	{21, true, false, "ppc64le"},
	{21, true, true, "ppc64"},
	{20, false, true, "powerpc"},
	{22, true, true, "s390x"},
	{8, false, false, "mips"},
	{8, false, true, "mips"},
	{8, true, false, "mips64"},
	{8, true, true, "mips64"},
	{258, true, false, "loongarch64"},
};

const char *
kmod_linux_arch(unsigned machine, bool is64, bool be)
{
	for (size_t i = 0; i < sizeof(linux_arches) / sizeof(linux_arches[0]); i++)
		if (linux_arches[i].machine == machine && linux_arches[i].is64 == is64 &&
		    linux_arches[i].be == be)
			return linux_arches[i].name;
	return NULL;
}

const char *
kmod_os_name(enum kmod_os os)
{
	return os == KMOD_OS_LINUX ? "Linux" : "FreeBSD";
}

int
kmod_linux_name_equal(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char ca = *a == '-' ? '_' : *a, cb = *b == '-' ? '_' : *b;

		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

int
kmod_linux_release(const struct kmod_file *kf, char *buf, size_t len)
{
	size_t n;

	if (len > 0)
		buf[0] = '\0';
	if (kf == NULL || kf->os != KMOD_OS_LINUX || kf->lx.vermagic == NULL || len == 0)
		return -1;
	n = strcspn(kf->lx.vermagic, " ");
	if (n == 0 || n >= len)
		return -1;
	memcpy(buf, kf->lx.vermagic, n);
	buf[n] = '\0';
	return 0;
}

static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
kmod_linux_release_info(struct kmod_linux *lx)
{
	free(lx->name);
	free(lx->version);
	free(lx->vermagic);
	free(lx->srcversion);
	free(lx->license);
	free(lx->description);
	free_list(lx->depends, lx->num_depends);
	free_list(lx->aliases, lx->num_aliases);
	memset(lx, 0, sizeof(*lx));
}

static int
push(char ***v, size_t *n, size_t max, const char *s, size_t len, const char *what,
    const char *file, kext_error *err)
{
	char **grown;

	if (*n >= max)
		return kext_fail(err, E2BIG, "%s: .modinfo: more than %zu %s entries", file, max,
		    what);
	if ((grown = realloc(*v, (*n + 1) * sizeof(**v))) == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", file);
	*v = grown;
	if ((grown[*n] = strndup(s, len)) == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", file);
	(*n)++;
	return 0;
}

static int
add_note(struct kmod_file *kf, const char *text)
{
	char **grown = realloc(kf->notes, (kf->num_notes + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	kf->notes = grown;
	if ((grown[kf->num_notes] = strdup(text)) == NULL)
		return -1;
	kf->num_notes++;
	return 0;
}

/* A single-valued key: the first one counts; a second is noted, as modinfo shows both. */
static int
set_once(char **slot, const char *key, const char *value, struct kmod_file *kf,
    kext_error *err)
{
	char note[160];

	if (*slot != NULL) {
		snprintf(note, sizeof(note), ".modinfo: a second %s= entry ignored", key);
		return add_note(kf, note) == 0 ? 0 :
		    kext_fail(err, ENOMEM, "%s: out of memory", kf->path);
	}
	if ((*slot = strdup(value)) == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", kf->path);
	return 0;
}

static int
split_depends(struct kmod_linux *lx, const char *value, const char *file, kext_error *err)
{
	const char *p = value;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (n > 0 && push(&lx->depends, &lx->num_depends, LINUX_MAX_DEPENDS, p, n,
		    "depends", file, err) != 0)
			return -1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int
take_entry(struct kmod_file *kf, const char *entry, kext_error *err)
{
	struct kmod_linux *lx = &kf->lx;
	const char *eq = strchr(entry, '=');
	const char *value;
	size_t klen;

	if (eq == NULL)
		return 0;	/* not key=value: nothing the kernel reads either */
	klen = (size_t)(eq - entry);
	value = eq + 1;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(entry, k, klen) == 0)
	if (KEY("name"))
		return set_once(&lx->name, "name", value, kf, err);
	if (KEY("version"))
		return set_once(&lx->version, "version", value, kf, err);
	if (KEY("vermagic"))
		return set_once(&lx->vermagic, "vermagic", value, kf, err);
	if (KEY("srcversion"))
		return set_once(&lx->srcversion, "srcversion", value, kf, err);
	if (KEY("license"))
		return set_once(&lx->license, "license", value, kf, err);
	if (KEY("description"))
		return set_once(&lx->description, "description", value, kf, err);
	if (KEY("alias"))
		return push(&lx->aliases, &lx->num_aliases, LINUX_MAX_ALIASES, value,
		    strlen(value), "alias", kf->path, err);
	if (KEY("depends")) {
		if (lx->num_depends > 0)
			return add_note(kf, ".modinfo: a second depends= entry ignored") == 0 ?
			    0 : kext_fail(err, ENOMEM, "%s: out of memory", kf->path);
		return split_depends(lx, value, kf->path, err);
	}
#undef KEY
	return 0;
}

/* Is the entry at p (len bytes) one of the keys take_entry keeps? */
static bool
kept_key(const char *p, size_t len)
{
	static const char *const keys[] = {"name=", "version=", "vermagic=", "srcversion=",
	    "license=", "description=", "alias=", "depends="};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (len >= strlen(keys[i]) && memcmp(p, keys[i], strlen(keys[i])) == 0)
			return true;
	return false;
}

/* The name the kernel would register when .modinfo has no name=: the file's stem. */
static int
name_from_path(struct kmod_file *kf, kext_error *err)
{
	const char *base = strrchr(kf->path, '/');
	size_t n;

	base = base != NULL ? base + 1 : kf->path;
	n = strlen(base);
	if (n > 3 && strcmp(base + n - 3, ".ko") == 0)
		n -= 3;
	if ((kf->lx.name = strndup(base, n)) == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", kf->path);
	for (char *c = kf->lx.name; *c != '\0'; c++)
		if (*c == '-')
			*c = '_';
	kf->lx.name_from_file = 1;
	return add_note(kf, ".modinfo: no name= entry; the name comes from the file name") == 0 ?
	    0 : kext_fail(err, ENOMEM, "%s: out of memory", kf->path);
}

static int
check_name(const struct kmod_file *kf, kext_error *err)
{
	const char *n = kf->lx.name;
	size_t len = strlen(n);

	if (len == 0 || len >= LINUX_MODULE_NAME_LEN)
		return kext_fail(err, ENOEXEC, "%s: .modinfo name '%s': expected 1 to %d "
		    "characters, found %zu", kf->path, n, LINUX_MODULE_NAME_LEN - 1, len);
	for (const char *c = n; *c != '\0'; c++)
		if (*c == '/' || *c <= ' ' || *c > '~')
			return kext_fail(err, ENOEXEC, "%s: .modinfo name '%s': expected "
			    "printable characters without '/' or spaces", kf->path, n);
	return 0;
}

int
kmod_linux_decode(const struct kmod_image *img, struct kmod_file *kf, kext_error *err)
{
	struct kmod_shdr sh;
	const char *p, *end;
	size_t i, entries = 0;

	for (i = 1; i < img->shnum; i++)
		if (strcmp(kmod_section_name(img, i), ".modinfo") == 0)
			break;
	if (i >= img->shnum)
		return kext_fail(err, ENOEXEC, "%s: a Linux kernel module without a .modinfo "
		    "section (expected name=, vermagic=...)", kf->path);
	kmod_shdr_read(img, i, &sh);
	if (sh.type == SHT_NOBITS)
		return kext_fail(err, ENOEXEC, "%s: .modinfo has no bytes in the file", kf->path);
	/* check_sections() proved [offset, offset + size) lies in the file */
	p = (const char *)img->buf + sh.offset;
	end = p + sh.size;
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul != NULL ? (size_t)(nul - p) : (size_t)(end - p);
		char *entry;

		if (nul == NULL)
			return kext_fail(err, ENOEXEC, "%s: .modinfo: the last entry is not "
			    "NUL-terminated (truncated section?)", kf->path);
		if (len >= KMOD_MAX_STRING && kept_key(p, len))
			return kext_fail(err, ENOEXEC, "%s: .modinfo entry of %zu bytes at offset "
			    "%zu: expected at most %d", kf->path, len,
			    (size_t)(p - (const char *)img->buf - sh.offset), KMOD_MAX_STRING - 1);
		/* Others (a long parm= text: Debian 6.1's ubi.ko has one of 1798 bytes) are skipped. */
		if (len > 0 && len < KMOD_MAX_STRING) {
			if (++entries > LINUX_MAX_ENTRIES)
				return kext_fail(err, E2BIG, "%s: .modinfo: more than %u entries",
				    kf->path, LINUX_MAX_ENTRIES);
			if ((entry = strndup(p, len)) == NULL)
				return kext_fail(err, ENOMEM, "%s: out of memory", kf->path);
			if (take_entry(kf, entry, err) != 0) {
				free(entry);
				return -1;
			}
			free(entry);
		}
		p += len + 1;
	}
	kf->has_metadata = 1;	/* .modinfo is the module metadata */
	if (kf->lx.name == NULL && name_from_path(kf, err) != 0)
		return -1;
	if (kf->lx.vermagic == NULL &&
	    add_note(kf, ".modinfo: no vermagic= entry; Linux loads it only when forced") != 0)
		return kext_fail(err, ENOMEM, "%s: out of memory", kf->path);
	return check_name(kf, err);
}
