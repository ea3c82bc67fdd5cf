/*
 * The kext tools' command lines, Apple's way: every option has a letter and/or
 * a long name, and a long name is taken after one dash or two
 * (getopt_long_only(3), as Apple's kext_tools parse: kext_tools_util.h,
 * kextload_main.h, kextutil_main.h, kextunload_main.h, kextstat_main.h in
 * apple-open-source/macos). One table lists every option of every tool,
 * Apple's included, so that
 *   - an option of Apple's tool that ours does not implement is refused as
 *     "unsupported", never read as something else;
 *   - an option of another tool (kextload -n, kextstat -r) is refused naming
 *     the tool it belongs to;
 *   - -v takes an optional level 0-6 in the next argument, as Apple's
 *     setLogFilterForOpt() reads it ("-v 6 X.kext", "-verbose=2"; "-v=2" is
 *     a syntax error there too).
 * The library never prints: refusals come back in a kext_error.
 */
#ifndef KEXT_CLI_H
#define KEXT_CLI_H

#include "kext/error.h"

/* The tools, as a bit mask. */
enum {
	KEXT_TOOL_KEXTLOAD = 1 << 0,
	KEXT_TOOL_KEXTUTIL = 1 << 1,
	KEXT_TOOL_KEXTUNLOAD = 1 << 2,
	KEXT_TOOL_KEXTSTAT = 1 << 3,
	KEXT_TOOL_KEXTFIND = 1 << 4,
};

/* The tools' release, printed by --version. */
#define KEXT_TOOLS_VERSION "0.13"

/* What kext_cli_next returns: one key per option meaning. */
enum kext_opt {
	KEXT_OPT_END = -1,
	KEXT_OPT_ERROR = -2,		/* usage error; err says what */
	KEXT_OPT_BUNDLE_ID = 256,	/* -b, -bundle-id ID (kextunload: also -m) */
	KEXT_OPT_DEPENDENCY,		/* -d, -dependency KEXT */
	KEXT_OPT_REPOSITORY,		/* -r, -repository DIR */
	KEXT_OPT_VERBOSE,		/* -v [0-6], -verbose[=N]: arg is the level or NULL */
	KEXT_OPT_QUIET,			/* -q, -quiet */
	KEXT_OPT_HELP,			/* -h, -help */
	KEXT_OPT_VERSION,		/* -version */
	KEXT_OPT_KERNEL,		/* -kernel SPEC (our backend spec) */
	KEXT_OPT_NO_LOAD,		/* kextutil -n, -no-load */
	KEXT_OPT_DIAGNOSTICS,		/* -t, -print-diagnostics */
	KEXT_OPT_NO_SYSTEM,		/* kextutil -e, -no-system-extensions */
	KEXT_OPT_NO_RESOLVE,		/* kextutil -Z, -no-resolve-dependencies */
	KEXT_OPT_NO_AUTH,		/* -z, -no-authentication */
	KEXT_OPT_NO_KERNEL,		/* kextstat -k, -no-kernel */
	KEXT_OPT_LIST_ONLY,		/* kextstat -l, -list-only */
	KEXT_OPT_ARCH_COLUMN,		/* kextstat -a, -arch */
	KEXT_OPT_SORT,			/* kextstat -s, -sort */
	KEXT_OPT_MODULE,		/* kextstat -m NAME (ours, kldstat -m) */
	KEXT_OPT_JSON,			/* -json */
	KEXT_OPT_KERNEL_FILE,		/* kextutil -k, -kernel-file FILE */
	KEXT_OPT_FILES,			/* kextstat -files: kld file and module columns */
	KEXT_OPT_FORCE,			/* kextunload -f, -force */
	KEXT_OPT_WITH_DEPS,		/* kextunload -with-dependencies */
	KEXT_OPT_APPLE_ONLY,		/* never returned: Apple's, not implemented here */
};

struct kext_cli;

/* Prepares parsing for one tool (a KEXT_TOOL_* bit). */
int kext_cli_open(unsigned tool, struct kext_cli **out, kext_error *err);

/*
 * The next option of argv: its key and, in *arg, its argument (NULL when it
 * has none). KEXT_OPT_END after the last one (optind then indexes the first
 * operand, as with getopt); KEXT_OPT_ERROR with err->msg for an unknown,
 * unsupported or foreign option or a missing argument (err->code EINVAL).
 */
int kext_cli_next(struct kext_cli *cli, int argc, char **argv, const char **arg,
    kext_error *err);

/* The level of a KEXT_OPT_VERBOSE argument: 1 for none, else 0-6. */
int kext_cli_verbose_level(const char *arg);

void kext_cli_close(struct kext_cli *cli);

#endif
