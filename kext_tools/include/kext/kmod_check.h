/*
 * Is this file a kernel module the target kernel's linker would take?
 * Everything that can be known from the file before any kernel call:
 *
 * - what the file is at all: a program (ET_EXEC, or anything asking for an
 *   interpreter with PT_INTERP), a userland shared library (ET_DYN naming
 *   DT_SONAME or DT_NEEDED, without module metadata), a Linux module or a
 *   FreeBSD kld (which may lack module metadata: a warning, as real 10.1
 *   modules such as scc.ko do);
 * - the ELF type FreeBSD's kmod.mk gives a kld on its architecture (ET_REL
 *   on amd64, ET_DYN elsewhere; spec freebsd-kld.md §2.1);
 * - its OS, ELF class and machine against the kernel's;
 * - every relocation type the kernel linker will process against the types
 *   that version's linker accepts on that architecture (kmod_reloc_accept.c
 *   cites the FreeBSD sources).
 *
 * Problems come in three kinds: REFUSED (the kernel would refuse the load),
 * NOT_KLD (not what a FreeBSD kld is, though a kernel might link it: the
 * tools refuse it), WARNING (loads, but worth saying).
 */
#ifndef KEXT_KMOD_CHECK_H
#define KEXT_KMOD_CHECK_H

#include <sys/stat.h>
#include <stdbool.h>
#include <stddef.h>

#include "kext/error.h"
#include "kext/kmod.h"

/* The kernel a module is checked against. */
struct kmod_target {
	enum kmod_os os;
	const char *arch;	/* "amd64", ...; NULL or "any": not checked */
	int osreldate;		/* __FreeBSD_version; 0: the module's own (its kernel DEPEND) */
	bool own_os;		/* os not checked: the kernel is of the module's own OS */
};

enum kmod_problem_kind {
	KMOD_PROBLEM_REFUSED,
	KMOD_PROBLEM_NOT_KLD,
	KMOD_PROBLEM_WARNING,
};

struct kmod_problem {
	enum kmod_problem_kind kind;
	char *text;		/* says what, where and why; no file name prefix */
};

struct kmod_check {
	char *what;		/* "a FreeBSD kernel module (amd64, ET_REL)", "a dynamically
				   linked program (interpreter /lib64/ld-linux-x86-64.so.2)" */
	bool is_module;		/* a kernel module of some OS */
	size_t n;
	struct kmod_problem *problems;
};

/*
 * Checks the module in buf (name is used in messages). Fails only when out
 * of memory; everything about the file itself is a problem in *out.
 */
int kmod_check_buffer(const void *buf, size_t len, const char *name,
    const struct kmod_target *target, struct kmod_check *out, kext_error *err);

/* Same for the file at path; an unreadable file fails with err. */
int kmod_check_path(const char *path, const struct kmod_target *target,
    struct kmod_check *out, kext_error *err);

/*
 * Reads the module open at fd (fd < 0: the file at path) once, for a caller
 * that needs both the check and the module: *kf is the module, or NULL with
 * *perr saying why the file is not one. st: fd's fstat when the caller has
 * it (NULL: taken here). -1 with err when the file cannot be read or memory
 * runs out (ENOMEM).
 */
int kmod_check_read(int fd, const struct stat *st, const char *path,
    const struct kmod_target *target, struct kmod_check *out, struct kmod_file **kf,
    kext_error *perr, kext_error *err);

/*
 * kmod_check_read for a module already in memory: the file is parsed once for
 * both the check and *kf (NULL with *perr saying why it is not a module).
 */
int kmod_check_parse(const void *buf, size_t len, const char *name,
    const struct kmod_target *target, struct kmod_check *out, struct kmod_file **kf,
    kext_error *perr, kext_error *err);

void kmod_check_free(struct kmod_check *c);

/* Problems of these kinds (a mask of 1u << kind). */
size_t kmod_check_count(const struct kmod_check *c, unsigned mask);
#define KMOD_PROBLEM_MASK(kind)	(1u << (kind))
#define KMOD_PROBLEMS_FATAL	(KMOD_PROBLEM_MASK(KMOD_PROBLEM_REFUSED) | \
				 KMOD_PROBLEM_MASK(KMOD_PROBLEM_NOT_KLD))

/*
 * Relocation types: whether FreeBSD's kernel linker for arch accepts type
 * at osreldate (1 yes, 0 no, -1 when there is no table for arch; an
 * osreldate of 0 is unknown and gets any type some version accepts), and the
 * type's name ("R_X86_64_REX_GOTPCRELX") or NULL.
 */
int kmod_reloc_accepted(const char *arch, unsigned type, int osreldate);
const char *kmod_reloc_name(const char *arch, unsigned type);

/* Whether arch's kernel linker takes RELA entries only (a REL one panics it). */
bool kmod_reloc_rela_only(const char *arch);

#endif
