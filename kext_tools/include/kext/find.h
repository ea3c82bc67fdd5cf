/*
 * kextfind's query language, after Apple's kextfind(8) (kext_tools'
 * kextfind.8 in apple-open-source/macos): predicates combined with -and,
 * -or, -not / !, ( ), evaluated over the kexts of some repositories, and
 * commands (-print, -print0, -pid, -px, -pp NAME, -pa, -print-plugins,
 * -echo) that say what to print for each match; then an optional
 * "-report [-no-header] column..." of tab-separated values.
 *
 * Predicates: -b/-bundle-id ID, -B/-bundle-name NAME (each with -i/-s after
 * it for case-insensitive or substring matching), -p/-property NAME VALUE,
 * -pe/-property-exists NAME, -m/-match-property NAME VALUE,
 * -me/-match-property-exists NAME, -a/-authentic, -na/-inauthentic,
 * -v/-valid, -nv/-invalid, -w/-warnings, -loaded, -x/-executable,
 * -nx/-no-executable, -lib/-library, -kernel-resource, -plugin,
 * -has-plugins, -C/-console, -L/-local-root, -N/-network-root, -R/-root,
 * -S/-safe-boot, -V/-version EXPR, -compatible-with-version V, -arch LIST,
 * and ours: -module NAME (the executable registers that kernel module).
 * Apple's predicates not implemented here are refused as unsupported.
 *
 * The library never prints: matches come back as actions for the tool.
 */
#ifndef KEXT_FIND_H
#define KEXT_FIND_H

#include <stdbool.h>
#include <stddef.h>

#include "kext/bundle.h"
#include "kext/error.h"
#include "kext/kmod.h"
#include "kext/loaded.h"

enum kext_find_action_kind {
	KEXT_FIND_PRINT,		/* the bundle path */
	KEXT_FIND_PRINT_INFO,		/* the Info.plist path */
	KEXT_FIND_PRINT_EXECUTABLE,	/* the executable path, when there is one */
	KEXT_FIND_PRINT_PROPERTY,	/* "NAME=value", when the property exists */
	KEXT_FIND_PRINT_ARCHES,		/* the executable's architecture */
	KEXT_FIND_PRINT_PLUGINS,	/* one line per plugin */
	KEXT_FIND_ECHO,			/* arg as given */
};

struct kext_find_action {
	enum kext_find_action_kind kind;
	const char *arg;	/* property name, echo text */
	bool nul;		/* end with NUL instead of a newline */
	bool no_newline;	/* -echo -n */
};

/* One kext being looked at; what predicates need is read once, when needed. */
struct kext_find_item {
	struct kext_bundle *bundle;		/* borrowed */
	const struct kext_loaded_set *loaded;	/* borrowed; NULL: not asked */
	int authentic;				/* -1 until known */
	struct kmod_file *kf;
	bool kf_tried;
	void *info;				/* the Info.plist dictionary (CF) */
	bool info_tried;
};

struct kext_find_query;

/* Global defaults given before the query (-i, -s, -0). */
struct kext_find_defaults {
	bool case_insensitive, substring, nul;
};

/*
 * Parses argv[*i...] up to the end or "-report"; *i is left there. An empty
 * query matches every kext.
 */
int kext_find_parse(int argc, char **argv, int *i, const struct kext_find_defaults *def,
    struct kext_find_query **out, kext_error *err);
bool kext_find_has_commands(const struct kext_find_query *q);
bool kext_find_needs_kernel(const struct kext_find_query *q);

/* *match, and the actions met on the way (malloc'd; free the array only). */
int kext_find_eval(const struct kext_find_query *q, struct kext_find_item *it, bool *match,
    struct kext_find_action **actions, size_t *nactions, kext_error *err);
void kext_find_query_free(struct kext_find_query *q);

/* Report columns: "-report [-no-header] column...", from argv[*i] (at "-report"). */
struct kext_find_report;
int kext_find_parse_report(int argc, char **argv, int *i, struct kext_find_report **out,
    kext_error *err);
bool kext_find_report_header(const struct kext_find_report *r);
size_t kext_find_report_columns(const struct kext_find_report *r);
const char *kext_find_report_title(const struct kext_find_report *r, size_t col);
bool kext_find_report_needs_kernel(const struct kext_find_report *r);
/* The text of one cell (malloc'd). */
char *kext_find_report_value(const struct kext_find_report *r, size_t col,
    struct kext_find_item *it);
void kext_find_report_free(struct kext_find_report *r);

/* What the tool prints about a match. */
bool kext_find_is_loaded(struct kext_find_item *it);
bool kext_find_is_authentic(struct kext_find_item *it);
const struct kmod_file *kext_find_kmod(struct kext_find_item *it);
/* "value" of a top-level Info.plist property as text (malloc'd), or NULL. */
char *kext_find_property_text(struct kext_find_item *it, const char *name);
void kext_find_item_clear(struct kext_find_item *it);

#endif
