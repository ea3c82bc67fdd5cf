/*
 * What a file is and whether the target kernel's linker would take it
 * (kext/kmod_check.h). The ELF header and program headers are read here
 * first, so a program or a userland library is named as such instead of
 * failing somewhere in the module reader; a module is then read with
 * kmod_parse and its relocation sections are walked.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kext/error.h"
#include "kext/file_read.h"
#include "kext/kmod.h"
#include "kext/kmod_check.h"
#include "kext/text.h"
#include "kmod_internal.h"

#define ET_EXEC		2
#define ET_CORE		4
#define PT_INTERP	3
#define SHT_RELA	4
#define SHT_DYNAMIC	6
#define SHT_REL		9
#define SHF_ALLOC	0x2
#define DT_NEEDED	1
#define DT_SONAME	14
#define NAME_MAX_SHOWN	200
#define MAX_BAD_TYPES	16
#define MAX_SEEN_TYPES	32

/* The ELF header fields the classification needs, read without kmod_image_init. */
struct raw_elf {
	struct kmod_image img;	/* only buf, len, is64 and be are set */
	unsigned type, machine;
	char interp[NAME_MAX_SHOWN + 1];
	bool has_interp;
};

static int
add(struct kmod_check *c, enum kmod_problem_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
add(struct kmod_check *c, enum kmod_problem_kind kind, const char *fmt, ...)
{
	struct kmod_problem *p = realloc(c->problems, (c->n + 1) * sizeof(*p));
	va_list ap;

	if (p == NULL)
		return -1;
	c->problems = p;
	va_start(ap, fmt);
	p[c->n].text = kext_vstrdupf(fmt, ap);
	va_end(ap);
	if (p[c->n].text == NULL)
		return -1;
	p[c->n++].kind = kind;
	return 0;
}

static int
set_what(struct kmod_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
set_what(struct kmod_check *c, const char *fmt, ...)
{
	va_list ap;

	free(c->what);
	va_start(ap, fmt);
	c->what = kext_vstrdupf(fmt, ap);
	va_end(ap);
	return c->what != NULL ? 0 : -1;
}

/* Reads the header and looks for PT_INTERP; false when it is not a whole ELF header. */
static bool
read_raw(const uint8_t *p, size_t len, struct raw_elf *r)
{
	uint64_t phoff;
	unsigned phentsize, phnum;

	memset(r, 0, sizeof(*r));
	if (len < 52 || memcmp(p, "\177ELF", 4) != 0 || (p[4] != 1 && p[4] != 2) ||
	    (p[5] != 1 && p[5] != 2) || (p[4] == 2 && len < 64))
		return false;
	r->img.buf = p;
	r->img.len = len;
	r->img.is64 = p[4] == 2;
	r->img.be = p[5] == 2;
	r->type = (unsigned)kmod_get(&r->img, p + 16, 2);
	r->machine = (unsigned)kmod_get(&r->img, p + 18, 2);
	phoff = kmod_get(&r->img, p + (r->img.is64 ? 32 : 28), r->img.is64 ? 8 : 4);
	phentsize = (unsigned)kmod_get(&r->img, p + (r->img.is64 ? 54 : 42), 2);
	phnum = (unsigned)kmod_get(&r->img, p + (r->img.is64 ? 56 : 44), 2);
	if (phentsize != (r->img.is64 ? 56u : 32u) || phoff > len ||
	    (len - phoff) / phentsize < phnum)
		return true;	/* no usable program headers: the module reader decides */
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = p + phoff + (size_t)i * phentsize;
		uint64_t off, size;

		if (kmod_get(&r->img, ph, 4) != PT_INTERP)
			continue;
		off = kmod_get(&r->img, ph + (r->img.is64 ? 8 : 4), r->img.is64 ? 8 : 4);
		size = kmod_get(&r->img, ph + (r->img.is64 ? 32 : 16), r->img.is64 ? 8 : 4);
		r->has_interp = true;
		if (off < len && size <= len - off)
			kext_quote(r->interp, sizeof(r->interp), (const char *)p + off,
			    strnlen((const char *)p + off, (size_t)size));
	}
	return true;
}

/*
 * What a userland library says of itself: its DT_SONAME, else the first
 * DT_NEEDED, written into buf ("DT_SONAME \"libm.so.5\""). False if neither.
 */
static bool
userland_library_name(const struct kmod_image *img, char *buf, size_t len)
{
	char q[NAME_MAX_SHOWN + 8];
	struct kmod_shdr sh, str;

	buf[0] = '\0';
	for (size_t i = 1; i < img->shnum; i++) {
		size_t entsize = img->is64 ? 16 : 8;

		kmod_shdr_read(img, i, &sh);
		if (sh.type != SHT_DYNAMIC || sh.link == 0 || sh.link >= img->shnum)
			continue;
		kmod_shdr_read(img, sh.link, &str);
		for (size_t k = 0; k < sh.size / entsize; k++) {
			const uint8_t *d = img->buf + sh.offset + k * entsize;
			uint64_t tag = kmod_get(img, d, (unsigned)entsize / 2);
			uint64_t val = kmod_get(img, d + entsize / 2, (unsigned)entsize / 2);
			const char *s;

			if (tag != DT_SONAME && (tag != DT_NEEDED || buf[0] != '\0'))
				continue;
			s = kmod_strtab_get(img->buf + str.offset, (size_t)str.size, val);
			kext_quote(q, sizeof(q), s != NULL ? s : "?", NAME_MAX_SHOWN);
			snprintf(buf, len, "%s %s", tag == DT_SONAME ? "DT_SONAME" : "it needs", q);
			if (tag == DT_SONAME)
				return true;
		}
	}
	return buf[0] != '\0';
}

/* Where FreeBSD's kmod.mk puts a kld of this architecture (spec §2.1). */
static unsigned
kld_type_for(const char *arch)
{
	return strcmp(arch, "amd64") == 0 ? KMOD_ET_REL : KMOD_ET_DYN;
}

struct bad_type {
	unsigned type;
	size_t count;
	char section[64];
};

/* Relocation sections the kernel linker applies (to loaded sections). */
static bool
applied_reloc_section(const struct kmod_image *img, const struct kmod_shdr *sh)
{
	struct kmod_shdr target;

	if (sh->type != SHT_REL && sh->type != SHT_RELA)
		return false;
	if (sh->entsize != kmod_rel_size(img, sh->type == SHT_RELA))
		return false;
	if (img->type == KMOD_ET_DYN)
		return (sh->flags & SHF_ALLOC) != 0;
	if (sh->info == 0 || sh->info >= img->shnum)
		return false;
	kmod_shdr_read(img, sh->info, &target);
	return (target.flags & SHF_ALLOC) != 0;
}

static void
tally(struct bad_type *bad, size_t *nbad, unsigned type, const char *section)
{
	for (size_t i = 0; i < *nbad; i++)
		if (bad[i].type == type) {
			bad[i].count++;
			return;
		}
	if (*nbad == MAX_BAD_TYPES)
		return;
	bad[*nbad].type = type;
	bad[*nbad].count = 1;
	kext_quote(bad[*nbad].section, sizeof(bad[*nbad].section), section, 40);
	(*nbad)++;
}

/*
 * The verdicts already looked up in this file: a module has thousands of
 * relocations of a handful of types, and each look-up searches the table.
 */
struct verdicts {
	unsigned type[MAX_SEEN_TYPES];
	int accepted[MAX_SEEN_TYPES];
	size_t n;
};

static int
accepted(struct verdicts *v, const char *arch, unsigned type, int osreldate)
{
	int a;

	for (size_t i = 0; i < v->n; i++)
		if (v->type[i] == type)
			return v->accepted[i];
	a = kmod_reloc_accepted(arch, type, osreldate);
	if (v->n < MAX_SEEN_TYPES) {
		v->type[v->n] = type;
		v->accepted[v->n++] = a;
	}
	return a;
}

static int
check_relocations(const struct kmod_image *img, const char *arch, int osreldate,
    struct kmod_check *c)
{
	struct bad_type bad[MAX_BAD_TYPES];
	struct verdicts seen = {.n = 0};
	size_t nbad = 0, rel_entries = 0;
	char rel_section[64] = "";
	struct kmod_shdr sh;

	if (kmod_reloc_accepted(arch, 0, osreldate) < 0)
		return 0;	/* no verified table for this architecture */
	for (size_t i = 1; i < img->shnum; i++) {
		bool rela;
		size_t entsize;

		kmod_shdr_read(img, i, &sh);
		if (!applied_reloc_section(img, &sh))
			continue;
		rela = sh.type == SHT_RELA;
		entsize = kmod_rel_size(img, rela);
		if (!rela && kmod_reloc_rela_only(arch) && sh.size >= entsize) {
			if (rel_entries == 0)
				kext_quote(rel_section, sizeof(rel_section),
				    kmod_section_name(img, i), 40);
			rel_entries += sh.size / entsize;
		}
		for (size_t k = 0; k < sh.size / entsize; k++) {
			uint32_t type = kmod_rel_type(img, img->buf + sh.offset + k * entsize);

			if (accepted(&seen, arch, type, osreldate) == 0)
				tally(bad, &nbad, type, kmod_section_name(img, i));
		}
	}
	if (rel_entries > 0 && add(c, KMOD_PROBLEM_REFUSED, "REL relocations (%zu, first in "
	    "%s): the FreeBSD %s kernel linker takes RELA only and panics on a REL entry "
	    "(\"PPC only supports RELA relocations\")", rel_entries, rel_section, arch) != 0)
		return -1;
	for (size_t i = 0; i < nbad; i++) {
		const char *name = kmod_reloc_name(arch, bad[i].type);

		if (add(c, KMOD_PROBLEM_REFUSED, "relocation type %u%s%s%s (%zu, first in %s): the "
		    "FreeBSD %s kernel linker%s does not handle it and refuses the file "
		    "(\"kldload: unexpected relocation type %u\")", bad[i].type, name ? " (" : "",
		    name ? name : "", name ? ")" : "", bad[i].count, bad[i].section, arch,
		    osreldate > 0 ? " of this version" : "", bad[i].type) != 0)
			return -1;
	}
	return 0;
}

/* The module's own kernel version: its "kernel" MODULE_DEPEND's preferred one. */
static int
module_osreldate(const struct kmod_file *kf)
{
	const struct kmod_depend *d = kmod_find_depend(kf, "kernel");

	return d != NULL ? d->pref : 0;
}

static int
check_freebsd(const struct kmod_file *kf, const struct kmod_image *img,
    const struct kmod_target *t, struct kmod_check *c)
{
	const char *target_arch = t->arch != NULL && strcmp(t->arch, "any") != 0 ? t->arch : NULL;
	unsigned want = kld_type_for(kf->arch);
	char lib[NAME_MAX_SHOWN + 32];

	if (!kf->has_metadata) {
		if (img->type == KMOD_ET_DYN && userland_library_name(img, lib, sizeof(lib)))
			return set_what(c, "a userland shared library (%s)", lib) != 0 ||
			    add(c, KMOD_PROBLEM_NOT_KLD, "a shared library, not a kernel module: no "
			    "module metadata (no %s section)", KMOD_SET_SECTION) != 0 ? -1 : 0;
		/* Real modules do this: 10.1's scc.ko and scsi_low.ko have no metadata. */
		if (add(c, KMOD_PROBLEM_WARNING, "no module metadata (no %s section): it "
		    "registers no module and depends on no kernel version, so any kernel "
		    "links it", KMOD_SET_SECTION) != 0)
			return -1;
	}
	c->is_module = true;
	if (set_what(c, "a FreeBSD kernel module (%s, %s%s)", kf->arch,
	    img->type == KMOD_ET_REL ? "ET_REL" : "ET_DYN",
	    kf->has_metadata ? "" : ", no metadata") != 0)
		return -1;
	if (img->type != want && add(c, KMOD_PROBLEM_NOT_KLD, "ELF type %s, but FreeBSD builds "
	    "%s modules as %s (kmod.mk)", img->type == KMOD_ET_REL ? "ET_REL" : "ET_DYN",
	    kf->arch, want == KMOD_ET_REL ? "ET_REL" : "ET_DYN") != 0)
		return -1;
	if (t->os != KMOD_OS_FREEBSD)
		return add(c, KMOD_PROBLEM_REFUSED, "a FreeBSD kernel module, but the kernel is %s",
		    kmod_os_name(t->os));
	if (target_arch != NULL && strcmp(kf->arch, target_arch) != 0 &&
	    add(c, KMOD_PROBLEM_REFUSED, "built for %s (ELF%d, machine %d, %s-endian), but the "
	    "kernel is %s: the kernel linker answers \"Unsupported machine\" or \"Unsupported "
	    "file layout\"", kf->arch, kf->elf_class, kf->e_machine,
	    kf->big_endian ? "big" : "little", target_arch) != 0)
		return -1;
	/* Against its own architecture's linker: another one is refused anyway. */
	return check_relocations(img, kf->arch, t->osreldate > 0 ? t->osreldate :
	    module_osreldate(kf), c);
}

/* A message from the module reader without its leading "name: ". */
static const char *
strip_name(const char *msg, const char *name)
{
	size_t n = strlen(name);

	return strncmp(msg, name, n) == 0 && strncmp(msg + n, ": ", 2) == 0 ? msg + n + 2 : msg;
}

static int
check_program(const struct raw_elf *r, struct kmod_check *c)
{
	if (r->has_interp)
		return set_what(c, "a dynamically linked program (it asks for the interpreter "
		    "%s)", r->interp[0] ? r->interp : "?") != 0 ||
		    add(c, KMOD_PROBLEM_NOT_KLD, "a program, not a kernel module: it has a "
		    "PT_INTERP program header") != 0 ? -1 : 0;
	if (r->type == ET_EXEC)
		return set_what(c, "an executable program (ELF type ET_EXEC)") != 0 ||
		    add(c, KMOD_PROBLEM_NOT_KLD, "a program, not a kernel module: ELF type "
		    "ET_EXEC (FreeBSD modules are ET_REL or ET_DYN)") != 0 ? -1 : 0;
	return set_what(c, "a core dump") != 0 || add(c, KMOD_PROBLEM_NOT_KLD,
	    "a core dump (ELF type ET_CORE), not a kernel module") != 0 ? -1 : 0;
}

/*
 * keep (optional) receives the module read on the way, or NULL with *perr
 * saying why it is not one; otherwise it is freed here.
 */
static int
check_module(const void *buf, size_t len, const char *name, const struct kmod_target *t,
    struct kmod_check *c, struct kmod_file **keep, kext_error *perr)
{
	struct kmod_file *kf = NULL;
	struct kmod_target own;
	struct kmod_image img;
	kext_error ignored;
	int rc = 0;

	if (kmod_parse_image(buf, len, name, &kf, &img, perr) != 0) {
		if (perr->code == ENOMEM)
			return -1;
		if (set_what(c, "an ELF file that is not a readable kernel module") != 0 ||
		    add(c, KMOD_PROBLEM_REFUSED, "%s", strip_name(perr->msg, name)) != 0)
			return -1;
		/* Its relocations may still say more (every problem, not the first). */
		if (kmod_image_init(&img, buf, len, name, &ignored) == 0 && !img.is_linux)
			rc = check_relocations(&img, img.arch->name, t->osreldate, c);
		kmod_image_fini(&img);
		return rc;
	}
	own = *t;
	own.os = kf->os;
	if (t->own_os)
		t = &own;	/* the kernel is of the module's OS */
	if (kf->os == KMOD_OS_LINUX) {
		c->is_module = true;
		rc = set_what(c, "a Linux kernel module (%s)", kf->arch);
		if (rc == 0 && t->os != KMOD_OS_LINUX)
			rc = add(c, KMOD_PROBLEM_REFUSED, "a Linux kernel module, but the kernel is %s",
			    kmod_os_name(t->os));
	} else {
		rc = check_freebsd(kf, &img, t, c);	/* the image the module was read from */
	}
	kmod_image_fini(&img);
	if (keep != NULL && rc == 0)
		*keep = kf;
	else
		kmod_free(kf);
	return rc;
}

/* kmod_check_buffer, and (keep not NULL) the module read on the way, as check_module. */
static int
check_buffer(const void *buf, size_t len, const char *name, const struct kmod_target *target,
    struct kmod_check *out, struct kmod_file **keep, kext_error *perr, kext_error *err)
{
	struct raw_elf r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!read_raw(buf, len, &r))
		rc = set_what(out, len >= 4 && memcmp(buf, "\177ELF", 4) == 0 ?
		    "a truncated or malformed ELF file" : "not an ELF file") != 0 ||
		    add(out, KMOD_PROBLEM_NOT_KLD, "not a kernel module: %s", len >= 4 &&
		    memcmp(buf, "\177ELF", 4) == 0 ? "its ELF header is truncated or malformed" :
		    "no ELF magic number") != 0 ? -1 : 0;
	else if (r.has_interp || r.type == ET_EXEC || r.type == ET_CORE)
		rc = check_program(&r, out);
	else
		rc = check_module(buf, len, name, target, out, keep, perr);
	if (rc != 0) {
		kmod_check_free(out);
		return kext_fail(err, ENOMEM, "%s: out of memory", name);
	}
	return 0;
}

int
kmod_check_buffer(const void *buf, size_t len, const char *name,
    const struct kmod_target *target, struct kmod_check *out, kext_error *err)
{
	kext_error perr;

	return check_buffer(buf, len, name, target, out, NULL, &perr, err);
}

/* A program or a file without an ELF header is not parsed by check_buffer: *perr says why. */
static int
parse_left_over(const void *buf, size_t len, const char *name, struct kmod_check *out,
    struct kmod_file **kf, kext_error *perr, kext_error *err)
{
	if (*kf == NULL && perr->msg[0] == '\0' && kmod_parse(buf, len, name, kf, perr) != 0 &&
	    perr->code == ENOMEM) {
		kmod_check_free(out);
		return kext_fail(err, ENOMEM, "%s: out of memory", name);
	}
	return 0;
}

int
kmod_check_parse(const void *buf, size_t len, const char *name,
    const struct kmod_target *target, struct kmod_check *out, struct kmod_file **kf,
    kext_error *perr, kext_error *err)
{
	*kf = NULL;
	memset(perr, 0, sizeof(*perr));
	if (check_buffer(buf, len, name, target, out, kf, perr, err) != 0)
		return -1;
	return parse_left_over(buf, len, name, out, kf, perr, err);
}

int
kmod_check_read(int fd, const struct stat *st, const char *path,
    const struct kmod_target *target, struct kmod_check *out, struct kmod_file **kf,
    kext_error *perr, kext_error *err)
{
	struct kext_file_view v = {NULL, 0, false};
	const void *map = NULL;
	size_t size;
	int rc;

	memset(out, 0, sizeof(*out));
	*kf = NULL;
	memset(perr, 0, sizeof(*perr));
	if (fd >= 0 && st != NULL ? kext_file_view_stat(fd, st, path, KMOD_MAX_FILE_SIZE,
	    "larger than a module can be", &v, err) : fd >= 0 ? kext_file_view_fd(fd, path,
	    KMOD_MAX_FILE_SIZE, "larger than a module can be", &v, err) :
	    kext_file_map(path, KMOD_MAX_FILE_SIZE, "larger than a module can be", &map, &size,
	    err))
		return -1;
	if (fd >= 0) {
		map = v.data;
		size = v.size;
	}
	rc = check_buffer(map != NULL ? map : "", size, path, target, out, kf, perr, err);
	if (rc == 0)
		rc = parse_left_over(map, size, path, out, kf, perr, err);
	if (fd >= 0)
		kext_file_view_release(&v);
	else
		kext_file_unmap(map, size);
	return rc;
}

int
kmod_check_path(const char *path, const struct kmod_target *target, struct kmod_check *out,
    kext_error *err)
{
	const void *map;
	size_t size;
	int rc;

	memset(out, 0, sizeof(*out));
	if (kext_file_map(path, KMOD_MAX_FILE_SIZE, "larger than a module can be", &map, &size,
	    err) != 0)
		return -1;
	rc = kmod_check_buffer(map != NULL ? map : "", size, path, target, out, err);
	kext_file_unmap(map, size);
	return rc;
}

void
kmod_check_free(struct kmod_check *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->problems[i].text);
	free(c->problems);
	free(c->what);
	memset(c, 0, sizeof(*c));
}

size_t
kmod_check_count(const struct kmod_check *c, unsigned mask)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += (mask & KMOD_PROBLEM_MASK(c->problems[i].kind)) != 0;
	return n;
}
