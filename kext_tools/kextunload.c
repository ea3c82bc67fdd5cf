/*
 * kextunload: unload kexts by bundle path or identifier.
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
#include "kext/loaded.h"
#include "kext/repo.h"
#include "kext/strv.h"
#include "kext/unload.h"

/* Apple's kextunload exit codes. */
enum { EXIT_CANT_OPEN = 1, EXIT_NOT_PRIVILEGED = 2, EXIT_PARTIAL = 3 };

static const char usage_text[] =
    "usage: kextunload [-v] [-q] [-r repository]... [-b bundle_id]... [--kernel SPEC]\n"
    "                  [bundle.kext]...\n"
    "  -b, --bundle-id ID     unload the kext with this identifier (repeatable)\n"
    "  -r, --repository DIR   also look identifiers up in DIR\n"
    "  -v, --verbose          say what was unloaded\n"
    "  -q, --quiet            print nothing\n"
    "      --kernel SPEC      " KEXT_KERNEL_SPEC_HELP;

enum { OPT_KERNEL = 256 };

static const struct option long_options[] = {
	{"bundle-id", required_argument, NULL, 'b'},
	{"repository", required_argument, NULL, 'r'},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct run {
	const char **ids, **repos;
	size_t num_ids, num_repos;
	const char *kernel;
	bool verbose, quiet;
	int status;
	struct kext_kernel *k;
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
	kext_repos_add_directory(repos, KEXT_SYSTEM_EXTENSIONS, KEXT_REPO_SYSTEM, NULL);
	for (size_t i = 0; i < run->num_repos; i++)
		kext_repos_add_directory(repos, run->repos[i], KEXT_REPO_DIRECTORY, NULL);
	if (kext_repos_lookup(repos, id, &c, &n, &err) == 0)
		for (size_t i = 0; i < n && exe == NULL; i++)
			if (kext_repos_open(repos, c[i], &b, NULL) == 0 &&
			    kext_bundle_executable_name(b) != NULL)
				exe = strdup(kext_bundle_executable_name(b));
	free(c);
	kext_repos_free(repos);
	return exe;
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
	else if (run->verbose && !run->quiet)
		printf("%s unloaded.\n", kext_loaded_describe(target, who, sizeof(who)));
	for (size_t i = 0; i < n && i < MAX_DEPARTED && run->verbose && !run->quiet; i++)
		if (gone[i]->fileid != target->fileid)
			printf("%s unloaded with it: the kernel had loaded it as a dependency "
			    "and released it.\n", kext_loaded_describe(gone[i], who, sizeof(who)));
	kext_loaded_free(&after);
}

static void
unload_one(struct run *run, const struct kext_loaded_set *set, const struct kext_loaded_entry *l)
{
	kext_error err;

	if (kext_unload(run->k, set, l, &err) != 0) {
		fail(run, err.code == EPERM ? EXIT_NOT_PRIVILEGED : EXIT_PARTIAL, "%s", err.msg);
		return;
	}
	report_departures(run, set, l);
}

/* executable: the kext's executable file name when known, else NULL. */
static void
unload_identifier(struct run *run, const char *id, const char *executable)
{
	struct kext_loaded_set set;
	const struct kext_loaded_entry *l;
	char *exe = NULL;
	kext_error err;

	if (kext_loaded_read(run->k, &set, &err) != 0) {
		fail(run, EXIT_PARTIAL, "%s", err.msg);
		return;
	}
	if ((l = kext_loaded_by_identifier(&set, id)) != NULL) {
		unload_one(run, &set, l);
	} else {
		if (executable == NULL)
			executable = exe = executable_through_repositories(run, id);
		kext_unload_not_loaded(&set, id, executable, &err);
		fail(run, EXIT_PARTIAL, "%s", err.msg);
	}
	free(exe);
	kext_loaded_free(&set);
}

static void
unload_path(struct run *run, const char *path)
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
		unload_identifier(run, id, exe);
	free(id);
	free(exe);
}

int
main(int argc, char **argv)
{
	struct run run = {0};
	kext_error err;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "b:r:vqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'b': rc = kext_strv_push(&run.ids, &run.num_ids, optarg); break;
		case 'r': rc = kext_strv_push(&run.repos, &run.num_repos, optarg); break;
		case 'v': run.verbose = true; break;
		case 'q': run.quiet = true; break;
		case OPT_KERNEL: run.kernel = optarg; break;
		case 'h': fputs(usage_text, stdout); return EX_OK;
		default: fputs(usage_text, stderr); return EX_USAGE;
		}
		if (rc != 0) {
			fprintf(stderr, "kextunload: out of memory\n");
			return EX_OSERR;
		}
	}
	if (run.num_ids == 0 && optind == argc) {
		fprintf(stderr, "kextunload: no kernel extensions specified\n%s", usage_text);
		free(run.ids);
		free(run.repos);
		return EX_USAGE;
	}
	if (kext_kernel_open(run.kernel, &run.k, &err) != 0) {
		fprintf(stderr, "kextunload: %s\n", err.msg);
		free(run.ids);
		free(run.repos);
		return EX_OSERR;
	}
	/* Identifiers first, then paths, as Apple's kextunload does. */
	for (size_t i = 0; i < run.num_ids && run.status != EXIT_NOT_PRIVILEGED; i++)
		unload_identifier(&run, run.ids[i], NULL);
	for (int i = optind; i < argc && run.status != EXIT_NOT_PRIVILEGED; i++)
		unload_path(&run, argv[i]);
	kext_kernel_close(run.k);
	free(run.ids);
	free(run.repos);
	return run.status;
}
