/*
 * Unloading a loaded kext: refused while other loaded files link against it
 * (naming them), and a module's own refusal (EBUSY from its unload handler,
 * as mach.ko answers) is reported plainly. Dependencies are never unloaded
 * along with it.
 */
#ifndef KEXT_UNLOAD_H
#define KEXT_UNLOAD_H

#include "kext/error.h"
#include "kext/kernel.h"
#include "kext/loaded.h"

/* err->code: EBUSY (dependents, or the module refused), EPERM, ENOENT... */
int kext_unload(struct kext_kernel *k, const struct kext_loaded_set *set,
    const struct kext_loaded_entry *target, kext_error *err);

/* "org.example.foo (if_foo.ko, id 5)" into buf, for messages. */
const char *kext_loaded_describe(const struct kext_loaded_entry *l, char *buf, size_t len);

#endif
