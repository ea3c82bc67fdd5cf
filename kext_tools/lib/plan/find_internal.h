/* kextfind's query internals (private to libkext): predicates and facts. */
#ifndef KEXT_FIND_INTERNAL_H
#define KEXT_FIND_INTERNAL_H

#include <CoreFoundation/CoreFoundation.h>

#include "kext/find.h"

enum find_pred {
	P_BUNDLE_ID, P_BUNDLE_NAME, P_PROPERTY, P_PROPERTY_EXISTS, P_MATCH_PROPERTY,
	P_MATCH_PROPERTY_EXISTS, P_AUTHENTIC, P_INAUTHENTIC, P_VALID, P_INVALID, P_WARNINGS,
	P_LOADED, P_EXECUTABLE, P_NO_EXECUTABLE, P_LIBRARY, P_KERNEL_RESOURCE, P_PLUGIN,
	P_HAS_PLUGINS, P_CONSOLE, P_LOCAL_ROOT, P_NETWORK_ROOT, P_ROOT, P_SAFE_BOOT, P_VERSION,
	P_COMPATIBLE, P_ARCH, P_MODULE, P_PRINT_PATH, P_ARCH_EXACT, P_DEFINES_SYMBOL,
	P_REFERENCES_SYMBOL, P_DEPENDENCIES_MET, P_DEPENDENCIES_MISSING, P_LOADABLE,
	P_NONLOADABLE,
	P_UNSUPPORTED
};

/* One predicate: Apple's short and long spellings, its arguments. */
struct find_pred_info {
	const char *name, *alias;
	enum find_pred pred;
	int nargs;
	bool string_match;	/* takes -i / -s after it */
	bool kernel;		/* asks the kernel (what is loaded, what resolves) */
	const char *why;	/* P_UNSUPPORTED: why it has no meaning here */
};

/* The predicate spelled word, or NULL. */
const struct find_pred_info *find_pred_lookup(const char *word);

struct find_pred_args {
	const char *arg[2];
	bool icase, substring;
};

/* Evaluates one predicate for it. */
bool find_pred_eval(enum find_pred pred, const struct find_pred_args *a,
    struct kext_find_item *it);

/* Dependency questions (find_deps.c); false when they cannot be answered. */
bool find_dependencies_met(struct kext_find_item *it);
bool find_loadable(struct kext_find_item *it);
/* The executable's symbols (find_item.c), or NULL. */
const struct kmod_symbols *find_symbols(struct kext_find_item *it);

/* The context's first failure since the last call (0 when none); see kext_find_eval. */
int find_context_take_error(struct kext_find_context *c, kext_error *err);

/* "NAME = value" with Apple's layout for each type (malloc'd). */
char *find_property_line(const char *name, CFTypeRef v);

CFDictionaryRef find_info(struct kext_find_item *it);
CFTypeRef find_dict_value(CFDictionaryRef d, const char *name);
char *find_value_text(CFTypeRef v);

#endif
