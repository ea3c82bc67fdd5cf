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
	P_COMPATIBLE, P_ARCH, P_MODULE, P_PRINT_PATH,
	P_UNSUPPORTED
};

/* One predicate: Apple's short and long spellings, its arguments. */
struct find_pred_info {
	const char *name, *alias;
	enum find_pred pred;
	int nargs;
	bool string_match;	/* takes -i / -s after it */
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

CFDictionaryRef find_info(struct kext_find_item *it);
CFTypeRef find_dict_value(CFDictionaryRef d, const char *name);
char *find_value_text(CFTypeRef v);

#endif
