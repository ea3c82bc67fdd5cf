/*
 * Unloading a loaded kext: refused while other loaded files link against it
 * (naming them), and a module's own refusal (EBUSY from its unload handler,
 * as mach.ko answers) is reported plainly.
 *
 * The kernel may take more with it: linker_file_unload (sys/kern/
 * kern_linker.c) releases each file the target depends on, and a dependency
 * whose last reference that was goes too: one the kernel loaded by itself
 * for the target (kldload(2) of if_bridge.ko pulls in bridgestp.ko with
 * refs 1, userrefs 0). Dependencies loaded on their own (as kextload loads
 * them) keep their own reference and stay. kext_unload_departed tells what
 * actually left. kextunload also unloads them when asked
 * (-with-dependencies: kext_unload_order).
 */
#ifndef KEXT_UNLOAD_H
#define KEXT_UNLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "kext/error.h"
#include "kext/kernel.h"
#include "kext/loaded.h"

/* err->code: EBUSY (dependents, or the module refused), EPERM, ENOENT... */
int kext_unload(struct kext_kernel *k, const struct kext_loaded_set *set,
    const struct kext_loaded_entry *target, kext_error *err);

/*
 * As kext_unload; force is kldunloadf(2)'s LINKER_UNLOAD_FORCE: a module's
 * MOD_QUIESCE veto is overridden (its MOD_UNLOAD veto and loaded dependents
 * still stop the unload).
 */
int kext_unload_forced(struct kext_kernel *k, const struct kext_loaded_set *set,
    const struct kext_loaded_entry *target, bool force, kext_error *err);

/*
 * The order to unload targets (n entries of set) in: each after every member
 * that links against it. With with_dependencies the files they link against,
 * transitively, that nothing outside the list uses join it (never the
 * kernel), as modprobe -r does. *out is a malloc'd array of *nout entries.
 */
int kext_unload_order(const struct kext_loaded_set *set,
    const struct kext_loaded_entry *const *targets, size_t n, bool with_dependencies,
    const struct kext_loaded_entry ***out, size_t *nout, kext_error *err);

/* "org.example.foo (if_foo.ko, id 5)" into buf, for messages. */
const char *kext_loaded_describe(const struct kext_loaded_entry *l, char *buf, size_t len);

/*
 * ENOENT for a kext that is not loaded, naming a file of its executable's
 * name (executable may be NULL) that is loaded from somewhere else.
 */
int kext_unload_not_loaded(const struct kext_loaded_set *set, const char *identifier,
    const char *executable, kext_error *err);

/*
 * The files of before that after no longer has (before's entries, id order);
 * returns how many, filling at most max.
 */
size_t kext_unload_departed(const struct kext_loaded_set *before,
    const struct kext_loaded_set *after, const struct kext_loaded_entry **out, size_t max);

#endif
