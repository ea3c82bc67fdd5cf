/*
 * The kext tools' options (see cli.h). Apple's option letters and long names
 * come from kext_tools in apple-open-source/macos: kext_tools_util.h (shared:
 * bundle-id b, repository, no-authentication z, help h, quiet q, verbose v),
 * kextload_main.h ("b:cd:Dhqr:tv": dependency d, repository r, no-caches c,
 * no-loaded-check D, print-diagnostics t), kextutil_main.h
 * ("a:Ab:cd:DehiIk:lmnp:qr:s:tvxzZ" and -arch), kextunload_main.h
 * ("b:c:hm:pqr:v": -m is the old letter for -b, class c,
 * personalities-only p) and kextstat_main.h ("b:hkla": no-kernel k,
 * list-only l, arch a, sort s).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/cli.h"

#define L KEXT_TOOL_KEXTLOAD
#define U KEXT_TOOL_KEXTUTIL
#define N KEXT_TOOL_KEXTUNLOAD
#define S KEXT_TOOL_KEXTSTAT
#define F KEXT_TOOL_KEXTFIND
#define ALL (L | U | N | S | F)

struct cli_entry {
	int key;
	char letter;		/* 0: long name only */
	const char *name;	/* NULL: letter only */
	int has_arg;
	unsigned ours;		/* tools of ours that implement it */
	unsigned apple;		/* Apple's tools that have it */
};

static const struct cli_entry table[] = {
	{KEXT_OPT_BUNDLE_ID, 'b', "bundle-id", required_argument, L | U | N | S, L | U | N | S},
	{KEXT_OPT_BUNDLE_ID, 'm', NULL, required_argument, N, N},
	{KEXT_OPT_DEPENDENCY, 'd', "dependency", required_argument, L | U, L | U},
	{KEXT_OPT_REPOSITORY, 'r', "repository", required_argument, L | U | N, L | U | N},
	{KEXT_OPT_VERBOSE, 'v', "verbose", optional_argument, L | U | N, L | U | N},
	{KEXT_OPT_QUIET, 'q', "quiet", no_argument, L | U | N, L | U | N},
	{KEXT_OPT_HELP, 'h', "help", no_argument, ALL, L | U | N | S | F},
	{KEXT_OPT_VERSION, 0, "version", no_argument, ALL, 0},
	{KEXT_OPT_KERNEL, 0, "kernel", required_argument, L | U | N | S | F, 0},
	{KEXT_OPT_NO_LOAD, 'n', "no-load", no_argument, U, U},
	{KEXT_OPT_DIAGNOSTICS, 't', "print-diagnostics", no_argument, L | U, L | U},
	{KEXT_OPT_NO_SYSTEM, 'e', "no-system-extensions", no_argument, U, U},
	{KEXT_OPT_NO_RESOLVE, 'Z', "no-resolve-dependencies", no_argument, U, U},
	{KEXT_OPT_NO_AUTH, 'z', "no-authentication", no_argument, L | U, U},
	{KEXT_OPT_NO_KERNEL, 'k', "no-kernel", no_argument, S, S},
	{KEXT_OPT_LIST_ONLY, 'l', "list-only", no_argument, S, S},
	{KEXT_OPT_ARCH_COLUMN, 'a', "arch", no_argument, S, S},
	{KEXT_OPT_SORT, 's', "sort", no_argument, S, S},
	{KEXT_OPT_MODULE, 'm', "module", required_argument, S, 0},
	{KEXT_OPT_JSON, 0, "json", no_argument, U | S | F, 0},
	/* Apple's -k/-kernel kernel_file; "-kernel" stays our backend spec here. */
	{KEXT_OPT_KERNEL_FILE, 'k', "kernel-file", required_argument, U, U},
	{KEXT_OPT_FILES, 0, "files", no_argument, S, 0},
	{KEXT_OPT_FORCE, 'f', "force", no_argument, N, 0},
	{KEXT_OPT_WITH_DEPS, 0, "with-dependencies", no_argument, N, 0},
	/* Apple's, not implemented here. */
	{KEXT_OPT_APPLE_ONLY, 'c', "no-caches", no_argument, 0, L | U},
	{KEXT_OPT_APPLE_ONLY, 'D', "no-loaded-check", no_argument, 0, L | U},
	{KEXT_OPT_APPLE_ONLY, 'p', "personality", required_argument, 0, U},
	{KEXT_OPT_APPLE_ONLY, 'i', "interactive", no_argument, 0, U},
	{KEXT_OPT_APPLE_ONLY, 'I', "interactive-all", no_argument, 0, U},
	{KEXT_OPT_APPLE_ONLY, 'l', "load-only", no_argument, 0, U},
	{KEXT_OPT_APPLE_ONLY, 'm', "match-only", no_argument, 0, U},
	{KEXT_OPT_APPLE_ONLY, 's', "symbols", required_argument, 0, U},
	{KEXT_OPT_APPLE_ONLY, 'a', "address", required_argument, 0, U},
	{KEXT_OPT_APPLE_ONLY, 'A', "use-load-addresses", no_argument, 0, U},
	{KEXT_OPT_APPLE_ONLY, 'x', "safe-boot", no_argument, 0, U},
	{KEXT_OPT_APPLE_ONLY, 0, "arch", required_argument, 0, U},
	{KEXT_OPT_APPLE_ONLY, 'c', "class", required_argument, 0, N},
	{KEXT_OPT_APPLE_ONLY, 'p', "personalities-only", no_argument, 0, N},
};
#define TABLE_N (sizeof(table) / sizeof(table[0]))
#define LONG_BASE 1000

struct kext_cli {
	unsigned tool;
	char optstring[2 + 3 * TABLE_N];
	struct option longopts[TABLE_N + 1];
	const struct cli_entry *by_long[TABLE_N];	/* longopts[i] -> its entry */
	const struct cli_entry *by_letter[128];
};

static const char *
tool_name(unsigned bit)
{
	switch (bit) {
	case L: return "kextload";
	case U: return "kextutil";
	case N: return "kextunload";
	case S: return "kextstat";
	case F: return "kextfind";
	default: return "another tool";
	}
}

/* kextload and kextutil are one program under two names. */
static unsigned
sibling(unsigned tool)
{
	return tool == L ? U : tool == U ? L : 0;
}

static unsigned
lowest_bit(unsigned mask)
{
	return mask & -mask;
}

static bool
name_taken(const struct kext_cli *cli, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(cli->longopts[i].name, name) == 0)
			return true;
	return false;
}

/* Adds e's letter and name where this tool has not used them already. */
static void
add_entry(struct kext_cli *cli, size_t *nlong, const struct cli_entry *e)
{
	if (e->letter != 0 && cli->by_letter[(unsigned char)e->letter] == NULL) {
		size_t len = strlen(cli->optstring);

		cli->by_letter[(unsigned char)e->letter] = e;
		cli->optstring[len++] = e->letter;
		/* -v's level is read by hand from the next argument, as Apple does. */
		if (e->has_arg == required_argument)
			cli->optstring[len++] = ':';
		cli->optstring[len] = '\0';
	}
	if (e->name != NULL && !name_taken(cli, *nlong, e->name)) {
		cli->longopts[*nlong] = (struct option){e->name, e->has_arg, NULL,
		    LONG_BASE + (int)*nlong};
		cli->by_long[*nlong] = e;
		(*nlong)++;
	}
}

int
kext_cli_open(unsigned tool, struct kext_cli **out, kext_error *err)
{
	struct kext_cli *cli;
	size_t nlong = 0;

	if ((cli = calloc(1, sizeof(*cli))) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	cli->tool = tool;
	/* ':' first: a missing argument is told apart from an unknown option. */
	strcpy(cli->optstring, ":");
	/* This tool's options (ours and Apple's) first, then the others' where free. */
	for (size_t i = 0; i < TABLE_N; i++)
		if ((table[i].ours | table[i].apple) & tool)
			add_entry(cli, &nlong, &table[i]);
	/* A letter two other tools use is named after the sibling (kextload, kextutil). */
	for (size_t i = 0; i < TABLE_N; i++)
		if (!((table[i].ours | table[i].apple) & tool) &&
		    ((table[i].ours | table[i].apple) & sibling(tool)))
			add_entry(cli, &nlong, &table[i]);
	for (size_t i = 0; i < TABLE_N; i++)
		if (!((table[i].ours | table[i].apple) & (tool | sibling(tool))))
			add_entry(cli, &nlong, &table[i]);
	cli->longopts[nlong] = (struct option){NULL, 0, NULL, 0};
	/* A fresh scan of a new argv (glibc resets fully with 0; BSD has optreset). */
#ifdef __GLIBC__
	optind = 0;
#else
	optreset = 1;
	optind = 1;
#endif
	opterr = 0;
	*out = cli;
	return 0;
}

/* "-b (-bundle-id)" for messages. */
static void
spell(const struct cli_entry *e, char *buf, size_t len)
{
	if (e->letter != 0 && e->name != NULL)
		snprintf(buf, len, "-%c (-%s)", e->letter, e->name);
	else if (e->letter != 0)
		snprintf(buf, len, "-%c", e->letter);
	else
		snprintf(buf, len, "-%s", e->name);
}

static int
refuse(const struct kext_cli *cli, const struct cli_entry *e, kext_error *err)
{
	char opt[96];

	spell(e, opt, sizeof(opt));
	if (e->apple & cli->tool)
		return kext_fail(err, EINVAL, "unsupported option %s: Apple's %s has it, this one "
		    "does not implement it", opt, tool_name(cli->tool));
	if (e->ours != 0)
		return kext_fail(err, EINVAL, "%s is an option of %s, not of %s", opt,
		    tool_name(lowest_bit(e->ours)), tool_name(cli->tool));
	return kext_fail(err, EINVAL, "%s is an option of Apple's %s, not of %s", opt,
	    tool_name(lowest_bit(e->apple)), tool_name(cli->tool));
}

/*
 * getopt_long_only reads "-nosuch", which is no long option, as the letters
 * -n -o -s...; when the first letter is refused, the word is what to name.
 */
static const char *
long_word(int argc, char **argv, int c)
{
	for (int i = optind; i >= optind - 1 && i >= 1; i--)
		if (i < argc && argv[i][0] == '-' && argv[i][1] == c && argv[i][2] != '\0')
			return argv[i];
	return NULL;
}

/* Apple's -v reads a level 0-6 from the next argument when it is one. */
static int
verbose_arg(int argc, char **argv, const char **arg, kext_error *err)
{
	const char *next;

	if (*arg != NULL) {
		if ((*arg)[0] < '0' || (*arg)[0] > '6' || (*arg)[1] != '\0')
			return kext_fail(err, EINVAL, "-verbose=%s: the level is 0 to 6", *arg);
		return 0;
	}
	if (optind >= argc)
		return 0;
	next = argv[optind];
	if (next[0] >= '0' && next[0] <= '6' && next[1] == '\0') {
		*arg = next;
		optind++;
	} else if (next[0] == '0' && next[1] == 'x') {
		return kext_fail(err, EINVAL, "unsupported -v %s: Apple's OSKext log flag masks "
		    "are not implemented; give a level 0 to 6", next);
	}
	return 0;
}

int
kext_cli_next(struct kext_cli *cli, int argc, char **argv, const char **arg, kext_error *err)
{
	const struct cli_entry *e;
	int c;

	*arg = NULL;
	c = getopt_long_only(argc, argv, cli->optstring, cli->longopts, NULL);
	if (c == -1)
		return KEXT_OPT_END;
	if (c == ':' || c == '?') {
		const char *what = optopt > 0 && optopt < 128 ? NULL : optind > 0 && optind <= argc ?
		    argv[optind - 1] : "?";

		if (c == ':' && what == NULL)
			kext_fail(err, EINVAL, "option -%c needs an argument", optopt);
		else if (c == ':')
			kext_fail(err, EINVAL, "option %s needs an argument", what);
		else if (what == NULL)
			kext_fail(err, EINVAL, "unknown option -%c", optopt);
		else
			kext_fail(err, EINVAL, "unknown or ambiguous option %s", what);
		return KEXT_OPT_ERROR;
	}
	if (c >= LONG_BASE)
		e = cli->by_long[c - LONG_BASE];
	else if (c > 0 && c < 128 && cli->by_letter[c] != NULL)
		e = cli->by_letter[c];
	else {
		kext_fail(err, EINVAL, "unknown option -%c", c);
		return KEXT_OPT_ERROR;
	}
	if (!(e->ours & cli->tool)) {
		const char *word = long_word(argc, argv, c);

		if (word != NULL)
			kext_fail(err, EINVAL, "unknown option %s", word);
		else
			refuse(cli, e, err);
		return KEXT_OPT_ERROR;
	}
	*arg = optarg;
	if (e->key == KEXT_OPT_VERBOSE && verbose_arg(argc, argv, arg, err) != 0)
		return KEXT_OPT_ERROR;
	return e->key;
}

int
kext_cli_verbose_level(const char *arg)
{
	return arg != NULL ? arg[0] - '0' : 1;
}

void
kext_cli_close(struct kext_cli *cli)
{
	free(cli);
}
