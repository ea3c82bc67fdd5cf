/*
 * kextunload: unload kexts by bundle path or identifier. The named kexts
 * are unloaded as one set, dependents first, so "kextunload Dep.kext
 * Top.kext" unloads Top then Dep; -with-dependencies also unloads what they
 * link against that nothing else uses (modprobe -r).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kext/bundle.h"
#include "kext/cli.h"
#include "kext/kernel.h"
#include "kext/load_record.h"
#include "kext/loaded.h"
#include "kext/repo.h"
#include "kext/strv.h"
#include "kext/unload.h"

/* Apple's kextunload exit codes (kextunload_main.h: NotFound 1, NotPrivileged 2, PartialFailure 3). */
enum { EXIT_CANT_OPEN = 1, EXIT_NOT_PRIVILEGED = 2, EXIT_PARTIAL = 3 };

static const char usage_text[] =
    "usage: kextunload [-v [0-6]] [-q] [-f] [-with-dependencies] [-r repository]...\n"
    "                  [-b bundle_id]... [-kernel SPEC] [--] [bundle.kext]...\n"
    "  -b, -m, -bundle-id ID  unload the kext with this identifier (repeatable)\n"
    "  -r, -repository DIR    also look identifiers up in DIR\n"
    "  -f, -force             kldunloadf(2) LINKER_UNLOAD_FORCE: override a module's\n"
    "                         MOD_QUIESCE veto\n"
    "      -with-dependencies also unload what they link against that nothing else uses\n"
    "  -v, -verbose [0-6]     say what was unloaded\n"
    "  -q, -quiet             print nothing\n"
    "      -kernel SPEC       " KEXT_KERNEL_SPEC_HELP
    "      -version, -help    (long options take one dash or two)\n";

struct run {
	const char **ids, **repos;
	size_t num_ids, num_repos;
	const char *kernel;
	int verbose;
	bool quiet, force, with_deps;
	int status;
	struct kext_kernel *k;
	int *fileids;		/* the named kexts, resolved */
	size_t num_fileids;
	struct kext_load_records records;	/* what kextload recorded */
};

static void fail(struct run *run, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct run *run, int status, const char *fmt, ...)
{
	va_list ap;

	if (!run->quiet) {
		fputs("kextunload: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	/* A refusal for lack of privilege is fatal; otherwise the first failure wins. */
	if (status == EXIT_NOT_PRIVILEGED || run->status == 0)
		run->status = status;
}

static void
add_directories(struct run *run, struct kext_repos *repos)
{
	kext_repos_add_directory(repos, KEXT_SYSTEM_EXTENSIONS, KEXT_REPO_SYSTEM, NULL);
	for (size_t i = 0; i < run->num_repos; i++)
		kext_repos_add_directory(repos, run->repos[i], KEXT_REPO_DIRECTORY, NULL);
}

/*
 * The executable name of the kext with this identifier, from the
 * repositories, to name a same-named file loaded from elsewhere; NULL when
 * no repository has it.
 */
static char *
executable_through_repositories(struct run *run, const char *id)
{
	struct kext_repos *repos = NULL;
	const struct kext_candidate **c = NULL;
	struct kext_bundle *b;
	char *exe = NULL;
	size_t n = 0;
	kext_error err;

	if (kext_repos_create(&repos, &err) != 0)
		return NULL;
	kext_bundle_cache_info_plists(kext_repos_cache_dir(repos));
	add_directories(run, repos);
	if (kext_repos_lookup(repos, id, &c, &n, &err) == 0)
		for (size_t i = 0; i < n && exe == NULL; i++)
			if (kext_repos_open(repos, c[i], &b, NULL) == 0 &&
			    kext_bundle_executable_name(b) != NULL)
				exe = strdup(kext_bundle_executable_name(b));
	free(c);
	kext_repos_free(repos);
	return exe;
}

/* "/System/Library/Extensions, /tmp/ext": where -b looked for moved bundles. */
static void
searched(const struct run *run, char *buf, size_t len)
{
	snprintf(buf, len, "%s", KEXT_SYSTEM_EXTENSIONS);
	for (size_t i = 0; i < run->num_repos; i++) {
		strlcat(buf, ", ", len);
		strlcat(buf, run->repos[i], len);
	}
}

static void
name_fileid(struct run *run, int fileid)
{
	for (size_t i = 0; i < run->num_fileids; i++)
		if (run->fileids[i] == fileid)
			return;
	run->fileids[run->num_fileids++] = fileid;
}

/* executable: the kext's executable file name when known, else NULL. */
static void
resolve_identifier(struct run *run, const struct kext_loaded_set *set, const char *id,
    const char *executable)
{
	const struct kext_loaded_entry *l;
	const struct kext_load_record *rec = NULL;
	char dirs[1024], *exe = NULL;
	kext_error err;

	/* Named from the record, or not named at all: the bundle is gone. */
	if ((l = kext_loaded_by_identifier(set, id)) != NULL && l->bundle_gone)
		rec = kext_load_record_by_fileid(&run->records, l->fileid);
	else if (l == NULL && (rec = kext_load_record_by_identifier(&run->records, id)) != NULL)
		l = kext_loaded_by_fileid(set, rec->fileid);
	if (l != NULL && rec != NULL && !run->quiet)
		fprintf(stderr, "kextunload: %s was loaded from %s, which is no longer there "
		    "(moved or deleted); unloading the file kextload recorded for it, %s (id %d)\n",
		    id, rec->bundle_path[0] != '\0' ? rec->bundle_path : rec->path, rec->path,
		    rec->fileid);
	if (l != NULL) {
		name_fileid(run, l->fileid);
		return;
	}
	if (executable == NULL)
		executable = exe = executable_through_repositories(run, id);
	kext_unload_not_loaded(set, id, executable, &err);
	searched(run, dirs, sizeof(dirs));
	fail(run, EXIT_PARTIAL, "%s (kextload's record has no file for it; its bundle was "
	    "looked for in %s: name another folder with -r)", err.msg, dirs);
	free(exe);
}

static void
resolve_path(struct run *run, const struct kext_loaded_set *set, const char *path)
{
	struct kext_bundle *b;
	char *id, *exe;
	kext_error err;

	if (kext_bundle_open(path, &b, &err) != 0) {
		fail(run, EXIT_CANT_OPEN, "%s", err.msg);
		return;
	}
	id = kext_bundle_identifier(b) ? strdup(kext_bundle_identifier(b)) : NULL;
	exe = kext_bundle_executable_name(b) ? strdup(kext_bundle_executable_name(b)) : NULL;
	kext_bundle_release(b);
	if (id == NULL)
		fail(run, EXIT_CANT_OPEN, "%s: Info.plist has no CFBundleIdentifier", path);
	else
		resolve_identifier(run, set, id, exe);
	free(id);
	free(exe);
}

#define MAX_DEPARTED 64

/*
 * Says what left the kernel: the target, and any dependency the kernel had
 * loaded by itself and released with it; or that the target stayed.
 */
static void
report_departures(struct run *run, const struct kext_loaded_set *before,
    const struct kext_loaded_entry *target)
{
	const struct kext_loaded_entry *gone[MAX_DEPARTED];
	struct kext_loaded_set after;
	char who[512];
	bool target_gone = false;
	size_t n;
	kext_error err;

	if (kext_loaded_read(run->k, &after, &err) != 0) {
		fail(run, EXIT_PARTIAL, "unloaded %s, but cannot list what is loaded now: %s",
		    kext_loaded_describe(target, who, sizeof(who)), err.msg);
		return;
	}
	n = kext_unload_departed(before, &after, gone, MAX_DEPARTED);
	for (size_t i = 0; i < n && i < MAX_DEPARTED; i++)
		target_gone |= gone[i]->fileid == target->fileid;
	if (!target_gone)
		fail(run, EXIT_PARTIAL, "%s is still loaded: the kernel accepted the unload but "
		    "only dropped a reference", kext_loaded_describe(target, who, sizeof(who)));
	else if (run->verbose >= 1 && !run->quiet)
		printf("%s unloaded.\n", kext_loaded_describe(target, who, sizeof(who)));
	for (size_t i = 0; i < n && i < MAX_DEPARTED && run->verbose >= 1 && !run->quiet; i++)
		if (gone[i]->fileid != target->fileid)
			printf("%s unloaded with it: the kernel had loaded it as a dependency "
			    "and released it.\n", kext_loaded_describe(gone[i], who, sizeof(who)));
	kext_loaded_free(&after);
}

/* Unloads one file of the ordered set, reading the kernel's set again first. */
static void
unload_fileid(struct run *run, int fileid)
{
	struct kext_loaded_set set;
	const struct kext_loaded_entry *l;
		kext_error err;

	if (kext_loaded_read(run->k, &set, &err) != 0) {
		fail(run, EXIT_PARTIAL, "%s", err.msg);
		return;
	}
	if ((l = kext_loaded_by_fileid(&set, fileid)) == NULL) {
		/* the kernel released it with a file unloaded before (reported then) */
		if (run->verbose >= 1 && !run->quiet)
			printf("file id %d is no longer loaded.\n", fileid);
	} else if (kext_unload_forced(run->k, &set, l, run->force, &err) != 0) {
		fail(run, err.code == EPERM ? EXIT_NOT_PRIVILEGED : EXIT_PARTIAL, "%s", err.msg);
	} else {
		report_departures(run, &set, l);
	}
	kext_loaded_free(&set);
}

static void
unload_all(struct run *run, int argc, char **argv, int first)
{
	struct kext_loaded_set set;
	const struct kext_loaded_entry **targets, **order = NULL;
	size_t n = 0, norder = 0;
	kext_error err;

	if (kext_loaded_read(run->k, &set, &err) != 0) {
		fail(run, EXIT_PARTIAL, "%s", err.msg);
		return;
	}
	if (kext_load_record_read(run->k, &run->records, &err) != 0 && !run->quiet)
		fprintf(stderr, "kextunload: warning: %s\n", err.msg);
	run->fileids = calloc(run->num_ids + (size_t)(argc - first) + 1, sizeof(int));
	targets = calloc(run->num_ids + (size_t)(argc - first) + 1, sizeof(*targets));
	if (run->fileids == NULL || targets == NULL) {
		fail(run, EXIT_PARTIAL, "out of memory");
		goto out;
	}
	/* Identifiers first, then paths, as Apple's kextunload does. */
	for (size_t i = 0; i < run->num_ids; i++)
		resolve_identifier(run, &set, run->ids[i], NULL);
	for (int i = first; i < argc; i++)
		resolve_path(run, &set, argv[i]);
	for (size_t i = 0; i < run->num_fileids; i++)
		targets[n++] = kext_loaded_by_fileid(&set, run->fileids[i]);
	if (kext_unload_order(&set, targets, n, run->with_deps, &order, &norder, &err) != 0) {
		fail(run, EXIT_PARTIAL, "%s", err.msg);
		goto out;
	}
	/* -with-dependencies may have added files: the ids to unload, in order. */
	free(run->fileids);
	if ((run->fileids = calloc(norder + 1, sizeof(int))) == NULL) {
		fail(run, EXIT_PARTIAL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < norder; i++)
		run->fileids[i] = order[i]->fileid;
	kext_loaded_free(&set);
	set.n = 0;
	for (size_t i = 0; i < norder && run->status != EXIT_NOT_PRIVILEGED; i++)
		unload_fileid(run, run->fileids[i]);
	/* The record forgets what is gone; it is kextload's, so only when there is one. */
	if (norder > 0 && run->records.n > 0 && kext_load_record_prune(run->k, &err) != 0 &&
	    !run->quiet)
		fprintf(stderr, "kextunload: warning: %s\n", err.msg);
out:
	kext_load_records_free(&run->records);
	free(order);
	free(targets);
	free(run->fileids);
	if (set.n > 0)
		kext_loaded_free(&set);
}

static int
take_option(struct run *run, int key, const char *arg)
{
	switch (key) {
	case KEXT_OPT_BUNDLE_ID: return kext_strv_push(&run->ids, &run->num_ids, arg);
	case KEXT_OPT_REPOSITORY: return kext_strv_push(&run->repos, &run->num_repos, arg);
	case KEXT_OPT_VERBOSE: run->verbose = kext_cli_verbose_level(arg); break;
	case KEXT_OPT_QUIET: run->quiet = true; break;
	case KEXT_OPT_FORCE: run->force = true; break;
	case KEXT_OPT_WITH_DEPS: run->with_deps = true; break;
	case KEXT_OPT_KERNEL: run->kernel = arg; break;
	default: break;
	}
	return 0;
}

/* 0 to go on, -1 when done (help, version), else an exit status. */
static int
parse_args(struct run *run, int argc, char **argv)
{
	struct kext_cli *cli;
	const char *arg;
	kext_error err;
	int key, rc = 0;

	if (kext_cli_open(KEXT_TOOL_KEXTUNLOAD, &cli, &err) != 0) {
		fprintf(stderr, "kextunload: %s\n", err.msg);
		return EX_OSERR;
	}
	while (rc == 0 && (key = kext_cli_next(cli, argc, argv, &arg, &err)) != KEXT_OPT_END) {
		if (key == KEXT_OPT_ERROR) {
			fprintf(stderr, "kextunload: %s\n%s", err.msg, usage_text);
			rc = EX_USAGE;
		} else if (key == KEXT_OPT_HELP) {
			fputs(usage_text, stdout);
			rc = -1;
		} else if (key == KEXT_OPT_VERSION) {
			printf("kextunload (kext tools for FreeBSD) %s\n", KEXT_TOOLS_VERSION);
			rc = -1;
		} else if (take_option(run, key, arg) != 0) {
			fprintf(stderr, "kextunload: out of memory\n");
			rc = EX_OSERR;
		}
	}
	kext_cli_close(cli);
	if (rc == 0 && run->num_ids == 0 && optind == argc) {
		fprintf(stderr, "kextunload: no kernel extensions specified\n%s", usage_text);
		rc = EX_USAGE;
	}
	if (rc == 0 && kext_kernel_spec_check(run->kernel, &err) != 0) {
		fprintf(stderr, "kextunload: %s\n", err.msg);
		rc = EX_USAGE;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct run run = {0};
	kext_error err;
	int rc;

	if ((rc = parse_args(&run, argc, argv)) != 0)
		goto out;
	if (kext_kernel_open(run.kernel, &run.k, &err) != 0) {
		fprintf(stderr, "kextunload: %s\n", err.msg);
		rc = EX_OSERR;
		goto out;
	}
	unload_all(&run, argc, argv, optind);
	kext_kernel_close(run.k);
	rc = run.status;
out:
	free(run.ids);
	free(run.repos);
	return rc < 0 ? EX_OK : rc;
}
