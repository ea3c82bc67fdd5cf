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
 * -ax/-arch-exact LIST, -dsym/-defines-symbol SYM, -rsym/-references-symbol
 * SYM, -d/-dependencies-met, -nd/-dependencies-missing, -l/-loadable,
 * -nl/-nonloadable, and ours: -module NAME (the executable registers that
 * kernel module). Apple's -debug and -integrity are refused, saying why.
 *
 * Commands also: -exec CMD ... ; (true when CMD exits 0), -print-dependencies,
 * -print-dependents, -pm/-print-match-property NAME, -pdiag/-print-diagnostics.
 *
 * The library never prints: evaluation hands each command it reaches to the
 * tool's callback, in order, and the callback says whether it was true.
 */
#ifndef KEXT_FIND_H
#define KEXT_FIND_H

#include <stdbool.h>
#include <stddef.h>

#include "kext/bundle.h"
#include "kext/error.h"
#include "kext/kernel.h"
#include "kext/kmod.h"
#include "kext/kmod_symbols.h"
#include "kext/loaded.h"
#include "kext/repo.h"

enum kext_find_action_kind {
	KEXT_FIND_PRINT,		/* the bundle path */
	KEXT_FIND_PRINT_INFO,		/* the Info.plist path */
	KEXT_FIND_PRINT_EXECUTABLE,	/* the executable path, when there is one */
	KEXT_FIND_PRINT_PROPERTY,	/* "NAME=value", when the property exists */
	KEXT_FIND_PRINT_ARCHES,		/* the executable's architecture */
	KEXT_FIND_PRINT_PLUGINS,	/* one line per plugin */
	KEXT_FIND_ECHO,			/* arg as given */
	KEXT_FIND_EXEC,			/* run argv (kext_find_exec_argv) */
	KEXT_FIND_PRINT_DEPENDENCIES,	/* kext_find_dependencies, one a line */
	KEXT_FIND_PRINT_DEPENDENTS,	/* kext_find_dependents, one a line */
	KEXT_FIND_PRINT_MATCH_PROPERTY,	/* kext_find_match_property_lines */
	KEXT_FIND_PRINT_DIAGNOSTICS,	/* kext_find_diagnostics */
};

struct kext_find_action {
	enum kext_find_action_kind kind;
	const char *arg;	/* property name, echo text */
	bool nul;		/* end with NUL instead of a newline */
	bool no_newline;	/* -echo -n */
	char *const *argv;	/* -exec: the words before ";", with {} not yet replaced */
	size_t argc;
};

/*
 * What dependency questions need, shared by every item of one search: the
 * repositories searched (dependencies resolve among them) and the kernel
 * (what it has loaded resolves too, the kernel kext first of all).
 */
struct kext_find_context;

/* One kext being looked at; what predicates need is read once, when needed. */
struct kext_find_item {
	struct kext_bundle *bundle;		/* borrowed */
	const struct kext_loaded_set *loaded;	/* borrowed; NULL: not asked */
	int authentic;				/* -1 until known */
	struct kmod_file *kf;
	bool kf_tried;
	void *info;				/* the Info.plist dictionary (CF) */
	bool info_tried;
	struct kext_find_context *ctx;		/* borrowed; NULL: not asked */
	struct kmod_symbols *syms;		/* the executable's symbols */
	bool syms_tried;
	int loadable;				/* -1 until known */
	char *diagnostics;			/* kextutil -t text, once checked */
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
/* The first word of the query that needs the kernel ("-loaded", "-d"...), or NULL. */
const char *kext_find_kernel_reason(const struct kext_find_query *q);

/* Runs one command for it; returns whether the command is true. */
typedef bool (*kext_find_act_fn)(void *arg, const struct kext_find_action *a,
    struct kext_find_item *it);

/*
 * *match; each command is handed to act as evaluation reaches it. Fails when
 * a dependency question could not be answered (memory, the kernel).
 */
int kext_find_eval(const struct kext_find_query *q, struct kext_find_item *it,
    kext_find_act_fn act, void *arg, bool *match, kext_error *err);
void kext_find_query_free(struct kext_find_query *q);

/*
 * The context for dependency questions. kernel and loaded may be NULL
 * (nothing is loaded); kernel_file, the kernel's ELF file, adds kextutil's
 * symbol check to -loadable (may be NULL). All are borrowed.
 */
int kext_find_context_create(struct kext_repos *repos, struct kext_kernel *kernel,
    const struct kext_loaded_set *loaded, const char *kernel_file,
    struct kext_find_context **out, kext_error *err);
void kext_find_context_free(struct kext_find_context *c);
/* A dependency question about it that could not be answered since the last call: -1 and err. */
int kext_find_take_error(struct kext_find_item *it, kext_error *err);

/*
 * The kexts it depends on, directly or not, dependencies first: a bundle's
 * path, or the identifier of a loaded kext without one (the running kernel).
 * Empty when they do not all resolve. *out borrows from the context.
 */
int kext_find_dependencies(struct kext_find_item *it, const char *const **out, size_t *n,
    kext_error *err);
/* The searched kexts that depend on it, directly or not (malloc'd array of borrowed paths). */
int kext_find_dependents(struct kext_find_item *it, const char ***out, size_t *n,
    kext_error *err);
/* kextutil -t's diagnostics for it (checked as kextutil -n checks it); borrowed. */
int kext_find_diagnostics(struct kext_find_item *it, const char **out, kext_error *err);

/*
 * -exec's command line for it: "{}" in each word becomes the bundle's path,
 * "{info-dictionary}" its Info.plist's, "{executable}" its executable's
 * (when it has one). NULL-terminated; free with kext_find_exec_argv_free.
 */
int kext_find_exec_argv(const struct kext_find_action *a, struct kext_find_item *it,
    char ***out, kext_error *err);
void kext_find_exec_argv_free(char **argv);

/*
 * -pm NAME: one "personality: NAME = value" line per IOKitPersonalities entry
 * that has the property (malloc'd array of malloc'd strings, no line ends).
 */
int kext_find_match_property_lines(struct kext_find_item *it, const char *name,
    char ***out, size_t *n, kext_error *err);
/* "NAME = value" as Apple's kextfind prints a property (malloc'd), or NULL. */
char *kext_find_property_line(struct kext_find_item *it, const char *name);

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
