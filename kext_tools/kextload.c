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

#include "kext/bundle.h"
#include "kext/cli.h"
#include "kext/diag.h"
#include "kext/kernel.h"
#include "kext/load.h"
#include "kext/load_record.h"
#include "kext/preflight.h"
#include "kext/repo.h"
#include "kext/strv.h"

/*
 * Exit codes. Apple's kextload: EX_NOPERM for a privilege refusal, EX_OSERR for
 * any other failure (exitStatusForOSReturn in kextload_main.c). Apple's
 * kextutil (kextutil_main.h; first failure wins): 1 a kext not found, 4 a
 * kext is bad (validation, authentication or dependencies), 6 loading
 * failed. Both: EX_USAGE for a bad command line, EX_NOINPUT for a kext path
 * that does not exist (checkPath in kext_tools_util.c).
 */
enum { EXIT_KEXT_NOT_FOUND = 1, EXIT_KEXT_BAD = 4, EXIT_UTIL_LOAD_FAILED = 6 };

static const char usage_kextload[] =
    "usage: kextload [-v [0-6]] [-q] [-t] [-z] [-r repository]... [-d dependency.kext]...\n"
    "                [-b bundle_id]... [-kernel SPEC] [--] [bundle.kext]...\n"
    "  -b, -bundle-id ID         load the best kext with this identifier\n"
    "  -d, -dependency KEXT      consider this kext as a dependency\n"
    "  -r, -repository DIR       look for kexts in DIR too\n"
    "  -t, -print-diagnostics    print every diagnostic of the named kexts\n"
    "  -v, -verbose [0-6]        also say what was already loaded (2 and up: every step)\n"
    "  -q, -quiet                print nothing\n"
    "  -z, -no-authentication    skip the root:wheel ownership checks (sim kernel only)\n"
    "      -kernel SPEC          " KEXT_KERNEL_SPEC_HELP
    "      -version, -help       (long options take one dash or two)\n";

static const char usage_kextutil[] =
    "usage: kextutil [-n] [-t] [-e] [-Z] [-v [0-6]] [-q] [-z] [-r repository]...\n"
    "                [-d dependency.kext]... [-b bundle_id]... [-k kernel_file] [-json]\n"
    "                [-kernel SPEC] [--] [bundle.kext]...\n"
    "  -n, -no-load              plan and check only; load nothing (implies -z unless -t)\n"
    "  -t, -print-diagnostics    print every diagnostic of every kext involved\n"
    "  -e, -no-system-extensions do not look in " KEXT_SYSTEM_EXTENSIONS "\n"
    "  -Z, -no-resolve-dependencies  with -n: only validate the named kexts\n"
    "  -z, -no-authentication    skip the ownership checks (with -n, or the sim kernel)\n"
    "      -json                 with -n: every kext involved and its diagnostics as JSON\n"
    "  -k, -kernel-file FILE     with -n: check every module's symbols against this kernel's\n"
    "                            ELF file, or a Linux kernel's System.map or Module.symvers\n"
    "                            (default: kern.bootfile on the freebsd kernel; on the linux\n"
    "                            one /lib/modules/RELEASE/build/Module.symvers when readable)\n"
    "  -b, -d, -r, -v, -q, -kernel, -version, -help as for kextload\n";

struct args {
	const char *prog, *kernel, *kernel_file;
	const char **ids, **dirs, **deps;
	size_t num_ids, num_dirs, num_deps;
	char **paths;
	size_t num_paths;
	int verbose;
	bool util, no_load, diagnostics, no_system, no_resolve, quiet, no_auth, json;
	bool explicit_no_auth;	/* -z given, not implied by kextutil -n */
};

/* One option into *a; -1 when memory runs out. */
static int
take_option(struct args *a, int key, const char *arg)
{
	switch (key) {
	case KEXT_OPT_BUNDLE_ID: return kext_strv_push(&a->ids, &a->num_ids, arg);
	case KEXT_OPT_DEPENDENCY: return kext_strv_push(&a->deps, &a->num_deps, arg);
	case KEXT_OPT_REPOSITORY: return kext_strv_push(&a->dirs, &a->num_dirs, arg);
	case KEXT_OPT_NO_LOAD: a->no_load = true; break;
	case KEXT_OPT_DIAGNOSTICS: a->diagnostics = true; break;
	case KEXT_OPT_NO_SYSTEM: a->no_system = true; break;
	case KEXT_OPT_NO_RESOLVE: a->no_resolve = true; break;
	case KEXT_OPT_VERBOSE: a->verbose = kext_cli_verbose_level(arg); break;
	case KEXT_OPT_QUIET: a->quiet = true; break;
	case KEXT_OPT_NO_AUTH: a->no_auth = a->explicit_no_auth = true; break;
	case KEXT_OPT_KERNEL: a->kernel = arg; break;
	case KEXT_OPT_KERNEL_FILE: a->kernel_file = arg; break;
	case KEXT_OPT_JSON: a->json = true; break;
	default: break;
	}
	return 0;
}

static int
parse_args(struct args *a, int argc, char **argv)
{
	const char *usage = a->util ? usage_kextutil : usage_kextload;
	struct kext_cli *cli;
	const char *arg;
	kext_error err;
	int key, rc = 0;

	if (kext_cli_open(a->util ? KEXT_TOOL_KEXTUTIL : KEXT_TOOL_KEXTLOAD, &cli, &err) != 0) {
		fprintf(stderr, "%s: %s\n", a->prog, err.msg);
		return EX_OSERR;
	}
	while (rc == 0 && (key = kext_cli_next(cli, argc, argv, &arg, &err)) != KEXT_OPT_END) {
		if (key == KEXT_OPT_ERROR) {
			fprintf(stderr, "%s: %s\n%s", a->prog, err.msg, usage);
			rc = EX_USAGE;
		} else if (key == KEXT_OPT_HELP) {
			fputs(usage, stdout);
			rc = -1;
		} else if (key == KEXT_OPT_VERSION) {
			printf("%s (kext tools for FreeBSD) %s\n", a->prog, KEXT_TOOLS_VERSION);
			rc = -1;
		} else if (take_option(a, key, arg) != 0) {
			fprintf(stderr, "%s: out of memory\n", a->prog);
			rc = EX_OSERR;
		}
	}
	kext_cli_close(cli);
	if (rc != 0)
		return rc;
	a->paths = argv + optind;
	a->num_paths = (size_t)(argc - optind);
	if (a->no_resolve && (!a->no_load || a->num_ids > 0)) {
		fprintf(stderr, "%s: -Z goes with -n and bundle paths\n%s", a->prog, usage);
		return EX_USAGE;
	}
	if ((a->json || a->kernel_file != NULL) && (!a->no_load || a->no_resolve)) {
		fprintf(stderr, "%s: -json and -k go with -n (and dependencies resolved)\n%s",
		    a->prog, usage);
		return EX_USAGE;
	}
	if (a->num_paths == 0 && a->num_ids == 0) {
		fprintf(stderr, "%s: no kernel extensions specified; name kext bundles or use "
		    "-b bundle_id\n%s", a->prog, usage);
		return EX_USAGE;
	}
	/*
	 * Apple's kextutil skips authentication when it neither loads nor runs
	 * the full tests (-t): "allows basic checks with -n alone" (checkArgs in
	 * kextutil_main.c).
	 */
	if (a->util && a->no_load && !a->diagnostics)
		a->no_auth = true;
	return 0;
}

/*
 * A named kext path that does not exist is EX_NOINPUT, as in Apple's
 * checkPath(); other problems with it are the engine's to explain.
 */
static int
check_paths(const struct args *a)
{
	struct stat st;

	for (size_t i = 0; i < a->num_paths; i++) {
		if (stat(a->paths[i], &st) != 0 && errno == ENOENT) {
			fprintf(stderr, "%s: %s: no such file or directory\n", a->prog, a->paths[i]);
			return EX_NOINPUT;
		}
	}
	for (size_t i = 0; i < a->num_deps; i++) {
		if (stat(a->deps[i], &st) != 0 && errno == ENOENT) {
			fprintf(stderr, "%s: -d %s: no such file or directory\n", a->prog,
			    a->deps[i]);
			return EX_NOINPUT;
		}
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
	kext_bundle_cache_info_plists(kext_repos_cache_dir(*repos));
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
		} else if (a->verbose >= 2 || (a->verbose >= 1 && s->kind == KEXT_STEP_ALREADY)) {
			printf(s->kind == KEXT_STEP_KERNEL ? "%s (%s) is the running kernel.\n" :
			    "%s (%s) was already loaded.\n", s->identifier,
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
		return err.code == ENOENT || err.code == EACCES || err.code == ENOEXEC ? EX_OSFILE :
		    EX_OSERR;
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
	/* All of them planned together, as one load would (the pre-flight's last step). */
	if (rc == EX_OK && pr.load_error != NULL) {
		if (!a->quiet)
			fprintf(stderr, "%s: %s\n", a->prog, pr.load_error);
		rc = EXIT_KEXT_BAD;
	}
	if (a->json)
		kext_preflight_write_json(stdout, &pr);
	else if (a->diagnostics && !a->quiet)
		print_preflight_diagnostics(&pr);
	if (rc == EX_OK && !a->json) {
		print_steps(a, &pr.load);
		if (!a->quiet)
			printf("%s appears to be loadable.\n", a->num_paths == 1 && a->num_ids == 0 ?
			    a->paths[0] : "Everything named");
	}
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
		printf("%s: authentication skipped (%s)\n", a->prog, a->explicit_no_auth ? "-z" :
		    "-n without -t, as Apple's kextutil");
	return 0;
}

/*
 * kextload: EX_NOPERM or EX_OSERR, as Apple's. kextutil: 6 when loading
 * failed, 4 for a problem with the kexts found by a dry run (Apple's
 * kKextutilExitLoadFailed and kKextutilExitKextBad).
 */
static int
exit_status(const struct args *a, const kext_error *err)
{
	if (err->code == EPERM)
		return EX_NOPERM;
	if (!a->util)
		return EX_OSERR;
	return a->no_load ? EXIT_KEXT_BAD : EXIT_UTIL_LOAD_FAILED;
}

/*
 * A -b identifier no repository has: Apple's kextutil exits 1
 * (kKextutilExitNotFound), kextload EX_OSERR. The message says where it looked.
 */
static int
check_identifiers(const struct args *a, struct kext_repos *repos)
{
	const struct kext_candidate **c;
	char where[KEXT_ERROR_MAX];
	kext_error err;
	size_t n;

	for (size_t i = 0; i < a->num_ids; i++) {
		if (kext_repos_lookup(repos, a->ids[i], &c, &n, &err) != 0) {
			fprintf(stderr, "%s: %s\n", a->prog, err.msg);
			return EX_OSERR;
		}
		free(c);
		if (n > 0)
			continue;
		if (!a->quiet)
			fprintf(stderr, "%s: %s: no kext found with this identifier; searched %s; "
			    "name its folder with -r DIR or the kext with -d KEXT\n", a->prog,
			    a->ids[i], kext_repos_searched(repos, where, sizeof(where)));
		return a->util ? EXIT_KEXT_NOT_FOUND : EX_OSERR;
	}
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
	/* kextutil -n's pre-flight reports every problem itself, first failure winning. */
	if (!(a->util && a->no_load) && (rc = check_identifiers(a, repos)) != 0)
		goto out;
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
		rc = exit_status(a, &err);
	}
	/* What was loaded is recorded, so it keeps its identity if its bundle moves. */
	if (rc == EX_OK && !a->no_load && kext_load_record_add(k, &result, &err) != 0 &&
	    !a->quiet)
		fprintf(stderr, "%s: warning: %s\n", a->prog, err.msg);
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
	if ((rc = parse_args(&a, argc, argv)) != 0 || (rc = check_no_auth(&a)) != 0 ||
	    (rc = check_paths(&a)) != 0)
		goto out;
	if (kext_kernel_spec_check(a.kernel, &err) != 0) {
		fprintf(stderr, "%s: %s\n", a.prog, err.msg);
		rc = EX_USAGE;
		goto out;
	}
	/* The bundles it opens are loaded (or planned) soon after: each executable opened once. */
	kext_bundle_keep_executables(true);
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
	return rc < 0 ? EX_OK : rc;
}
