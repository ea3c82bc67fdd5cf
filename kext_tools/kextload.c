/*
 * kextload: load kexts and their dependencies, dependencies first.
 * Installed also as kextutil, which plans and checks without loading
 * (-n) and prints every diagnostic (-t).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "kext/load.h"
#include "kext/preflight.h"
#include "kext/strv.h"

/*
 * Apple's kextutil(8) exit codes (first failure wins): 1 a kext not found,
 * 4 a kext is bad (validation, authentication or dependencies). kextload:
 * any failure but a privilege one exits EX_OSERR.
 */
enum { EXIT_KEXT_NOT_FOUND = 1, EXIT_KEXT_BAD = 4 };

static const char usage_kextload[] =
    "usage: kextload [-v] [-q] [-z] [-r repository]... [-d dependency.kext]... [-b bundle_id]...\n"
    "                [--kernel SPEC] [bundle.kext]...\n"
    "  -b, --bundle-id ID        load the best kext with this identifier\n"
    "  -d, --dependency KEXT     consider this kext as a dependency\n"
    "  -r, --repository DIR      look for kexts in DIR too\n"
    "  -v, --verbose             also say what was already loaded\n"
    "  -q, --quiet               print nothing\n"
    "  -z, --no-authentication   skip the root:wheel ownership checks (sim kernel only)\n"
    "      --kernel SPEC         " KEXT_KERNEL_SPEC_HELP;

static const char usage_kextutil[] =
    "usage: kextutil [-n] [-t] [-e] [-v] [-q] [-z] [-r repository]... [-d dependency.kext]...\n"
    "                [-b bundle_id]... [-k kernel_file] [--json] [--kernel SPEC]\n"
    "                [bundle.kext]...\n"
    "  -n, --no-load             plan and check only; load nothing\n"
    "  -t, --print-diagnostics   print every diagnostic of every kext involved\n"
    "  -e, --no-system-extensions  do not look in " KEXT_SYSTEM_EXTENSIONS "\n"
    "  -Z, --no-resolve-dependencies  with -n: only validate the named kexts\n"
    "  -z, --no-authentication   skip the ownership checks (with -n, or the sim kernel)\n"
    "      --json                with -n: every kext involved and its diagnostics as JSON\n"
    "  -k, --kernel-file FILE    with -n: check every module's symbols against this kernel\n"
    "                            (default on the freebsd kernel: kern.bootfile)\n"
    "  -b, -d, -r, -v, -q, --kernel as for kextload\n";

enum { OPT_KERNEL = 256, OPT_JSON };

static const struct option long_options[] = {
	{"bundle-id", required_argument, NULL, 'b'},
	{"dependency", required_argument, NULL, 'd'},
	{"repository", required_argument, NULL, 'r'},
	{"no-load", no_argument, NULL, 'n'},
	{"print-diagnostics", no_argument, NULL, 't'},
	{"no-system-extensions", no_argument, NULL, 'e'},
	{"no-resolve-dependencies", no_argument, NULL, 'Z'},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"no-authentication", no_argument, NULL, 'z'},
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"json", no_argument, NULL, OPT_JSON},
	{"kernel-file", required_argument, NULL, 'k'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct args {
	const char *prog, *kernel, *kernel_file;
	const char **ids, **dirs, **deps;
	size_t num_ids, num_dirs, num_deps;
	char **paths;
	size_t num_paths;
	bool util, no_load, diagnostics, no_system, no_resolve, verbose, quiet, no_auth, json;
};

static int
parse_args(struct args *a, int argc, char **argv)
{
	const char *usage = a->util ? usage_kextutil : usage_kextload;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, a->util ? "b:d:r:k:ntZevqzh" : "b:d:r:vqzh", long_options,
	    NULL)) != -1) {
		switch (c) {
		case 'b': rc = kext_strv_push(&a->ids, &a->num_ids, optarg); break;
		case 'd': rc = kext_strv_push(&a->deps, &a->num_deps, optarg); break;
		case 'r': rc = kext_strv_push(&a->dirs, &a->num_dirs, optarg); break;
		case 'n': a->no_load = true; break;
		case 't': a->diagnostics = true; break;
		case 'e': a->no_system = true; break;
		case 'Z': a->no_resolve = true; break;
		case 'v': a->verbose = true; break;
		case 'q': a->quiet = true; break;
		case 'z': a->no_auth = true; break;
		case OPT_KERNEL: a->kernel = optarg; break;
		case OPT_JSON: a->json = true; break;
		case 'k': a->kernel_file = optarg; break;
		case 'h': fputs(usage, stdout); exit(EX_OK);
		default: fputs(usage, stderr); return EX_USAGE;
		}
		if (rc != 0) {
			fprintf(stderr, "%s: out of memory\n", a->prog);
			return EX_OSERR;
		}
	}
	a->paths = argv + optind;
	a->num_paths = (size_t)(argc - optind);
	if (a->no_resolve && (!a->no_load || a->num_ids > 0)) {
		fprintf(stderr, "%s: -Z goes with -n and bundle paths\n%s", a->prog, usage);
		return EX_USAGE;
	}
	if ((a->json || a->kernel_file != NULL) && (!a->no_load || a->no_resolve)) {
		fprintf(stderr, "%s: --json and -k go with -n (and dependencies resolved)\n%s",
		    a->prog, usage);
		return EX_USAGE;
	}
	if (a->num_paths == 0 && a->num_ids == 0) {
		fprintf(stderr, "%s: no kernel extensions specified; name kext bundles or use "
		    "-b bundle_id\n%s", a->prog, usage);
		return EX_USAGE;
	}
	return 0;
}

/*
 * Apple's order: system folders, then the kexts named as arguments, then -r
 * folders, then -d kexts; among equal versions the later wins.
 */
static int
open_repositories(const struct args *a, struct kext_repos **repos, struct kext_bundle ***bundles,
    kext_error *err)
{
	struct stat st;

	if (kext_repos_create(repos, err) != 0)
		return -1;
	if ((*bundles = calloc(a->num_paths + 1, sizeof(**bundles))) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	if (!a->no_system && stat(KEXT_SYSTEM_EXTENSIONS, &st) == 0 &&
	    kext_repos_add_directory(*repos, KEXT_SYSTEM_EXTENSIONS, KEXT_REPO_SYSTEM, err) != 0)
		return -1;
	for (size_t i = 0; i < a->num_paths; i++)
		if (kext_repos_add_bundle(*repos, a->paths[i], KEXT_REPO_ARGUMENT, &(*bundles)[i],
		    err) != 0)
			return -1;
	for (size_t i = 0; i < a->num_dirs; i++)
		if (kext_repos_add_directory(*repos, a->dirs[i], KEXT_REPO_DIRECTORY, err) != 0)
			return -1;
	for (size_t i = 0; i < a->num_deps; i++)
		if (kext_repos_add_bundle(*repos, a->deps[i], KEXT_REPO_DEPENDENCY, NULL, err) != 0)
			return -1;
	return 0;
}

static void
print_steps(const struct args *a, const struct kext_load_result *r)
{
	for (size_t i = 0; i < r->n && !a->quiet; i++) {
		const struct kext_load_step *s = &r->steps[i];

		if (a->util) {
			printf("%2zu. %-9s %s (%s) %s\n", i + 1, s->kind == KEXT_STEP_KERNEL ? "kernel" :
			    s->kind == KEXT_STEP_ALREADY ? "loaded" : "load", s->identifier,
			    s->version ? s->version : "?", s->bundle_path ? s->bundle_path : "");
		} else if (s->kind == KEXT_STEP_LOAD) {
			printf("Loaded %s (%s) from %s, id %d.\n", s->identifier,
			    s->version ? s->version : "?", s->bundle_path, s->fileid);
		} else if (s->kind == KEXT_STEP_MEANWHILE) {
			printf("%s (%s) was loaded meanwhile by another run from the same file, "
			    "id %d.\n", s->identifier, s->version ? s->version : "?", s->fileid);
		} else if (a->verbose && s->kind == KEXT_STEP_ALREADY) {
			printf("%s (%s) was already loaded.\n", s->identifier,
			    s->version ? s->version : "?");
		}
	}
}

static void
print_diagnostics(const struct args *a, struct kext_bundle **bundles)
{
	for (size_t i = 0; i < a->num_paths; i++) {
		char *text = kext_diags_format(kext_bundle_diags(bundles[i]), KEXT_DIAG_ALL, true);

		if (text != NULL && text[0] != '\0')
			fputs(text, stdout);
		else if (text != NULL)
			printf("%s: no diagnostics.\n", kext_bundle_path(bundles[i]));
		free(text);
	}
}

/* kextutil -n -Z: each named kext on its own, dependencies not resolved. */
static int
validate_only(const struct args *a, struct kext_bundle **bundles)
{
	int rc = EX_OK;

	for (size_t i = 0; i < a->num_paths; i++) {
		const char *path = kext_bundle_path(bundles[i]);

		if (kext_bundle_is_valid(bundles[i])) {
			if (!a->quiet)
				printf("%s appears to be valid (dependencies not resolved).\n", path);
			continue;
		}
		rc = EXIT_KEXT_BAD;
		if (!a->quiet && !a->diagnostics) {
			char *text = kext_diags_format(kext_bundle_diags(bundles[i]),
			    KEXT_DIAG_FAILURES, true);

			fprintf(stderr, "%s", text ? text : path);
			free(text);
		}
	}
	return rc;
}

static void
print_preflight_diagnostics(const struct kext_preflight_result *pr)
{
	for (size_t i = 0; i < pr->n; i++) {
		const struct kext_preflight_kext *x = &pr->kexts[i];
		char *text = kext_diags_format(kext_preflight_diags(x), KEXT_DIAG_ALL, true);

		if (text != NULL && text[0] != '\0')
			fputs(text, stdout);
		else if (text != NULL)
			printf("%s: no diagnostics.\n", x->bundle != NULL ?
			    kext_bundle_path(x->bundle) : x->identifier);
		free(text);
	}
}

/*
 * kextutil -n: each root checked on its own (every problem of every kext
 * involved), then all of them planned together as one load would be.
 */
static int
check_without_loading(const struct args *a, struct kext_kernel *k, struct kext_repos *repos,
    const struct kext_load_request *req)
{
	struct kext_preflight_result pr;
	struct kext_load_result result = {0};
	kext_error err;
	int rc = EX_OK;

	char bootfile[1024] = "";
	const char *kernel_file = a->kernel_file;

	/* The running kernel's file, where the backend knows it and it can be read. */
	if (kernel_file == NULL && kext_kernel_bootfile(k, bootfile, sizeof(bootfile), &err) == 0 &&
	    bootfile[0] != '\0' && access(bootfile, R_OK) == 0)
		kernel_file = bootfile;
	if (kext_preflight(k, repos, req, kernel_file, &pr, &err) != 0) {
		fprintf(stderr, "%s: %s\n", a->prog, err.msg);
		return err.code == ENOENT || err.code == EACCES ? EX_OSFILE : EX_OSERR;
	}
	for (size_t i = 0; i < pr.n; i++) {
		const struct kext_preflight_kext *x = &pr.kexts[i];

		if (!x->failed)
			continue;
		if (rc == EX_OK)
			rc = x->bundle == NULL ? EXIT_KEXT_NOT_FOUND : EXIT_KEXT_BAD;
		if (!a->quiet && !a->json)
			fprintf(stderr, "%s: %s\n", a->prog, x->error);
	}
	if (rc == EX_OK && kext_load(k, repos, req, &result, &err) != 0) {
		if (!a->quiet)
			fprintf(stderr, "%s: %s\n", a->prog, err.msg);
		rc = EXIT_KEXT_BAD;
	}
	if (a->json)
		kext_preflight_write_json(stdout, &pr);
	else if (a->diagnostics && !a->quiet)
		print_preflight_diagnostics(&pr);
	if (rc == EX_OK && !a->json) {
		print_steps(a, &result);
		if (!a->quiet)
			printf("%s appears to be loadable.\n", a->num_paths == 1 && a->num_ids == 0 ?
			    a->paths[0] : "Everything named");
	}
	kext_load_result_free(&result);
	kext_preflight_result_free(&pr);
	return rc;
}

/*
 * Every load authenticates (root:wheel, no group/other write). -z relaxes
 * that only where nothing reaches a real kernel: the simulator, or a dry run
 * (Apple's tools refuse -z when loading too). Never silently. Decided from
 * the kernel spec before the kernel is opened, so the answer is the same on
 * every host.
 */
static int
check_no_auth(const struct args *a)
{
	const char *spec = a->kernel != NULL ? a->kernel : getenv("KEXT_KERNEL");

	if (!a->no_auth)
		return 0;
	if (!a->no_load && (spec == NULL || strncmp(spec, "sim:", 4) != 0)) {
		fprintf(stderr, "%s: -z (--no-authentication) is refused when loading into "
		    "a real kernel (%s); it is allowed with the sim kernel or with kextutil -n\n",
		    a->prog, spec != NULL && spec[0] != '\0' ? spec : "the host's");
		return EX_USAGE;
	}
	if (a->verbose && !a->quiet)
		printf("%s: authentication skipped (-z)\n", a->prog);
	return 0;
}

static int
run(struct args *a, struct kext_kernel *k)
{
	struct kext_repos *repos = NULL;
	struct kext_bundle **bundles = NULL;
	struct kext_load_result result = {0};
	struct kext_load_request req = {0};
	kext_error err;
	int rc = EX_OK;

	if (open_repositories(a, &repos, &bundles, &err) != 0) {
		fprintf(stderr, "%s: %s\n", a->prog, err.msg);
		rc = a->util ? EXIT_KEXT_BAD : EX_OSERR;
		goto out;
	}
	if (a->diagnostics && (a->no_resolve || !a->no_load))
		print_diagnostics(a, bundles);
	if (a->no_resolve) {
		rc = validate_only(a, bundles);
		goto out;
	}
	req.bundles = bundles;
	req.num_bundles = a->num_paths;
	req.identifiers = a->ids;
	req.num_identifiers = a->num_ids;
	req.dry_run = a->no_load;
	req.authenticate = !a->no_auth;
	if (a->util && a->no_load) {
		rc = check_without_loading(a, k, repos, &req);
		goto out;
	}
	if (kext_load(k, repos, &req, &result, &err) != 0) {
		if (!a->quiet)
			fprintf(stderr, "%s: %s\n", a->prog, err.msg);
		rc = err.code == EPERM ? EX_NOPERM : a->no_load ? EXIT_KEXT_BAD : EX_OSERR;
	}
	if (rc == EX_OK || a->util)
		print_steps(a, &result);
	if (rc == EX_OK && a->util && a->no_load && !a->quiet)
		printf("%s appears to be loadable.\n", a->num_paths == 1 ? a->paths[0] :
		    "Everything named");
out:
	kext_load_result_free(&result);
	free(bundles);
	if (repos != NULL)
		kext_repos_free(repos);
	return rc;
}

int
main(int argc, char **argv)
{
	struct args a = {0};
	struct kext_kernel *k;
	kext_error err;
	const char *slash = strrchr(argv[0], '/');
	int rc;

	a.prog = slash ? slash + 1 : argv[0];
	a.util = strcmp(a.prog, "kextutil") == 0;
	if ((rc = parse_args(&a, argc, argv)) != 0 || (rc = check_no_auth(&a)) != 0)
		goto out;
	/* Validating alone (-Z) needs no kernel. */
	if (a.no_resolve) {
		rc = run(&a, NULL);
		goto out;
	}
	if (kext_kernel_open(a.kernel, &k, &err) != 0) {
		fprintf(stderr, "%s: %s\n", a.prog, err.msg);
		rc = EX_OSERR;
		goto out;
	}
	rc = run(&a, k);
	kext_kernel_close(k);
out:
	free(a.ids);
	free(a.dirs);
	free(a.deps);
	return rc;
}
