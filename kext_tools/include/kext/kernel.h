/*
 * The kernel the kext engine loads into, behind one small interface.
 *
 * Backends:
 *   "freebsd"  the running FreeBSD kernel through kldload(2), kldunloadf(2),
 *              kldstat(2), modstat(2)... (FreeBSD hosts only).
 *   "sim:DIR"  a file-backed model of FreeBSD's kernel linker kept in DIR:
 *              file ids, registered module names, provided versions,
 *              dependencies, reference counts and the errors the kernel
 *              gives. Any host; used by tests and to check that a set of
 *              kexts would load. See kernel_sim.c for its exact rules.
 *   "linux"    the running Linux kernel through finit_module(2),
 *              delete_module(2) and /proc/modules, for Linux modules
 *              converted by ko2kext (kernel_linux.c describes its file ids
 *              and the state file that maps modules to bundles).
 *
 * Errors carry the errno FreeBSD would give in err->code (ENOENT, EEXIST,
 * ENOEXEC, EBUSY, EPERM, EINVAL, ENAMETOOLONG...) and a plain explanation in
 * err->msg that includes the kernel's own message lines for the failure.
 *
 * The engine's load plan loads dependencies first, so no backend needs to
 * load one by itself; the real kernel would from its module path, and the
 * sim does when DIR/module_path is given (a plain kldload, kernel_sim.c).
 * Every backend refuses (EBUSY) to unload a file that other loaded files
 * depend on, while an unload may take along dependencies the kernel loaded
 * by itself (see unload.h).
 */
#ifndef KEXT_KERNEL_H
#define KEXT_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kext/error.h"
#include "kext/kmod.h"

struct kext_kernel;		/* opaque */

/* A module registered in the kernel (DECLARE_MODULE name, e.g. "drmn/iicbus"). */
struct kext_kld_module {
	int id;
	char *name;
};

/* A MODULE_VERSION a loaded file provides (the kernel's built-in interfaces). */
struct kext_kld_version {
	char *name;
	int version;
};

/* One loaded file, as kldstat(2) describes it, with its modules. */
struct kext_kld_file {
	int id;
	int refs;		/* 1 + one per dependency record of other files on it */
	uint64_t address;
	uint64_t size;
	char *name;		/* "if_bridge.ko", "kernel" */
	char *pathname;		/* "/boot/kernel/if_bridge.ko" */
	size_t num_modules;
	struct kext_kld_module *modules;
	/*
	 * The versions the file provides, where the backend knows them (the sim
	 * does; kld has no call for it, so the freebsd backend leaves them unset).
	 */
	bool versions_known;
	size_t num_versions;
	struct kext_kld_version *versions;
};

/*
 * Opens a kernel backend. spec is "freebsd", "sim:DIR", or NULL for the
 * value of $KEXT_KERNEL, else the host default (FreeBSD: "freebsd"; other
 * hosts have none and get an error telling the user to set KEXT_KERNEL).
 * sim:DIR creates DIR (not its parents) and a new kernel in it when needed;
 * the new kernel's __FreeBSD_version is $KEXT_SIM_OSVERSION (default
 * 1500068) and its architecture $KEXT_SIM_ARCH (default amd64, or "any").
 */
int kext_kernel_open(const char *spec, struct kext_kernel **out, kext_error *err);
/* How every tool's --help describes the spec kext_kernel_open takes. */
#define KEXT_KERNEL_SPEC_HELP \
	"freebsd, linux or sim:DIR (default: $KEXT_KERNEL, else the host's)\n"

/*
 * Checks only the form of spec (NULL: $KEXT_KERNEL, when set): -1 with
 * EINVAL for anything but "freebsd", "linux" or "sim:DIR", so tools can tell
 * a usage error from a kernel that cannot be opened.
 */
int kext_kernel_spec_check(const char *spec, kext_error *err);

/* "freebsd", "linux" or "sim:DIR". */
const char *kext_kernel_name(const struct kext_kernel *k);

/*
 * True for the "sim:DIR" model only: nothing it loads reaches a real kernel,
 * so it alone may skip authentication. Every other backend is a real kernel.
 */
bool kext_kernel_is_simulated(const struct kext_kernel *k);

/* The OS whose modules the kernel loads: Linux for "linux", else FreeBSD. */
enum kmod_os kext_kernel_os(const struct kext_kernel *k);

/* The running kernel's __FreeBSD_version (kern.osreldate); on linux its
 * LINUX_VERSION_CODE (major << 16 | minor << 8 | patch, patch at most 255). */
int kext_kernel_osreldate(struct kext_kernel *k, int *osreldate, kext_error *err);

/*
 * The architecture whose modules the kernel loads, in the module reader's
 * names ("amd64", "aarch64", ...; "any" for a sim created so), or "" when
 * the backend cannot say (linux).
 */
int kext_kernel_arch(struct kext_kernel *k, char *buf, size_t len, kext_error *err);

/*
 * The file of the kernel's symbols: its ELF file, kern.bootfile, on the
 * freebsd backend (/boot/kernel/kernel normally); the running release's
 * /lib/modules/RELEASE/build/Module.symvers on the linux one (which may not
 * exist: callers check); "" when the backend has none.
 */
int kext_kernel_bootfile(struct kext_kernel *k, char *buf, size_t len, kext_error *err);

/* Loads the .ko file at path (give a path containing '/'); *fileid gets its id. */
int kext_kernel_load(struct kext_kernel *k, const char *path, int *fileid, kext_error *err);
/*
 * Loads the module file open at fd (named path), so the file the caller
 * checked is the file loaded: Linux loads the descriptor itself
 * (finit_module(2)); FreeBSD's kldload(2) takes a path, so the path is
 * checked to still name the open file just before the call (the remaining
 * window is closed by the folders above being root's: kextload(8)); the sim
 * reads the descriptor.
 */
int kext_kernel_load_fd(struct kext_kernel *k, int fd, const char *path, int *fileid,
    kext_error *err);

/* Unloads a file by id; force is kldunloadf's LINKER_UNLOAD_FORCE. */
int kext_kernel_unload(struct kext_kernel *k, int fileid, bool force, kext_error *err);

/* kldfind(2): the id of the loaded file "foo.ko", "foo" or ".../foo.ko". */
int kext_kernel_find_file(struct kext_kernel *k, const char *name_or_path, int *fileid,
    kext_error *err);

/* modfind(2): the id of the registered module modname. */
int kext_kernel_find_module(struct kext_kernel *k, const char *modname, int *modid,
    kext_error *err);

/* All loaded files in id order (the kernel first); free with kext_kld_files_free. */
int kext_kernel_list(struct kext_kernel *k, struct kext_kld_file **files, size_t *n,
    kext_error *err);

void kext_kld_files_free(struct kext_kld_file *files, size_t n);

void kext_kernel_close(struct kext_kernel *k);

#endif
