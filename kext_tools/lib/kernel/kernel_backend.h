/*
 * Private to kernel*.c: what a kernel backend provides behind kext/kernel.h.
 * kernel.c selects a backend and forwards every call through these ops.
 */
#ifndef KEXT_KERNEL_BACKEND_H
#define KEXT_KERNEL_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "kext/kernel.h"

struct kext_kernel_ops {
	int (*osreldate)(void *impl, int *osreldate, kext_error *err);
	/* The machine its modules are built for ("amd64"); NULL op: not known. */
	int (*arch)(void *impl, char *buf, size_t len, kext_error *err);
	/* The file the kernel booted from; NULL op: none known. */
	int (*bootfile)(void *impl, char *buf, size_t len, kext_error *err);
	/*
	 * fd >= 0: load the file open at fd, whose name is path (what kldstat
	 * reports); fd < 0: load path as the kernel finds it.
	 */
	int (*load)(void *impl, int fd, const char *path, int *fileid, kext_error *err);
	int (*unload)(void *impl, int fileid, bool force, kext_error *err);
	int (*find_file)(void *impl, const char *name, int *fileid, kext_error *err);
	int (*find_module)(void *impl, const char *modname, int *modid, kext_error *err);
	int (*list)(void *impl, struct kext_kld_file **files, size_t *n, kext_error *err);
	void (*close)(void *impl);
};

/* Each opener fills *ops and *impl; arg is the text after "sim:" (NULL for freebsd). */
int kext_kernel_sim_open(const char *dir, const struct kext_kernel_ops **ops, void **impl,
    kext_error *err);
int kext_kernel_freebsd_open(const struct kext_kernel_ops **ops, void **impl, kext_error *err);
/* kernel_linux.c: the running Linux kernel (finit_module/delete_module, /proc/modules). */
int kext_kernel_linux_open(const struct kext_kernel_ops **ops, void **impl, kext_error *err);

/*
 * Kernel message buffer support (kernel_msgbuf.c). kernel_msgbuf_new_lines
 * is portable: given two snapshots of kern.msgbuf it writes the kernel lines
 * added between them (syslog "<pri>" prefixes removed, non-kernel syslog
 * lines dropped, "; "-joined, the newest kept when out is too small) to out
 * and returns the number of lines.
 */
size_t kernel_msgbuf_new_lines(const char *before, size_t before_len, const char *after,
    size_t after_len, char *out, size_t out_size);

#ifdef __FreeBSD__
/* Reads kern.msgbuf into a malloc'd buffer; NULL (and *len 0) when unreadable. */
char *kernel_msgbuf_read(size_t *len);
#endif

#endif
