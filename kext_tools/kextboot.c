/*
 * kextboot: loads the kexts marked for early boot (OSBundleRequired), in
 * dependency order, each transactionally; or prints the loader.conf(5)
 * fragment that preloads the Root ones from their bundles.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "kext/boot.h"
#include "kext/cli.h"
#include "kext/load_record.h"
#include "kext/strv.h"

static const char usage_text[] =
    "usage: kextboot [-n] [-v] [-q] [--root DIR] [-r repository]... [-R required]...\n"
    "                [--kernel SPEC]\n"
    "       kextboot --loader-conf [--root DIR] [-r repository]... [-R required]...\n"
    "                [--osversion N | --kernel SPEC]\n"
    "  -R, --required VALUE   only kexts with this OSBundleRequired (Root, Local-Root,\n"
    "                         Network-Root, Console, \"Safe Boot\"); default: any value,\n"
    "                         and Root for --loader-conf\n"
    "  -r, --repository DIR   kexts in DIR are candidates too\n"
    "      --root DIR         the system folder is DIR" KEXT_SYSTEM_EXTENSIONS "\n"
    "  -n, --dry-run          plan and check each kext; load nothing\n"
    "  -v, --verbose          also say what was already loaded; with -n, also the\n"
    "                         libraries each kext would load\n"
    "  -q, --quiet            print errors only\n"
    "      --loader-conf      print the loader.conf(5) fragment instead of loading\n"
    "      --osversion N      resolve libraries for __FreeBSD_version N (--loader-conf)\n"
    "      --kernel SPEC      " KEXT_KERNEL_SPEC_HELP;

enum { OPT_KERNEL = 256, OPT_ROOT, OPT_LOADER_CONF, OPT_OSVERSION, OPT_VERSION };

static const struct option long_options[] = {
	{"required", required_argument, NULL, 'R'},
	{"repository", required_argument, NULL, 'r'},
	{"root", required_argument, NULL, OPT_ROOT},
	{"dry-run", no_argument, NULL, 'n'},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"loader-conf", no_argument, NULL, OPT_LOADER_CONF},
	{"osversion", required_argument, NULL, OPT_OSVERSION},
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

struct args {
	const char *kernel, *root;
	const char **dirs;
	size_t num_dirs;
	unsigned required;
	int osversion;
	bool dry_run, verbose, quiet, loader_conf;
};

static int
parse_args(struct args *a, int argc, char **argv)
{
	unsigned bit;
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "R:r:nvqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'R':
			if ((bit = kext_boot_required_bit(optarg)) == 0) {
				fprintf(stderr, "kextboot: -R: '%s' is not an OSBundleRequired value\n",
				    optarg);
				return EX_USAGE;
			}
			a->required |= bit;
			break;
		case 'r':
			if (kext_strv_push(&a->dirs, &a->num_dirs, optarg) != 0)
				return EX_OSERR;
			break;
		case OPT_ROOT: a->root = optarg; break;
		case 'n': a->dry_run = true; break;
		case 'v': a->verbose = true; break;
		case 'q': a->quiet = true; break;
		case OPT_LOADER_CONF: a->loader_conf = true; break;
		case OPT_OSVERSION:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 100000 || v > INT_MAX) {
				fprintf(stderr, "kextboot: --osversion: '%s' is not a "
				    "__FreeBSD_version such as 1500068\n", optarg);
				return EX_USAGE;
			}
			a->osversion = (int)v;
			break;
		case OPT_KERNEL: a->kernel = optarg; break;
		case 'h': fputs(usage_text, stdout); exit(EX_OK);
		case OPT_VERSION:
			printf("kextboot (kext tools for FreeBSD) %s\n", KEXT_TOOLS_VERSION);
			exit(EX_OK);
		default: fputs(usage_text, stderr); return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kextboot: unexpected argument '%s'\n%s", argv[optind], usage_text);
		return EX_USAGE;
	}
	return 0;
}

/* The system folder (under --root), then -r folders. */
static int
open_repositories(const struct args *a, struct kext_repos **repos, kext_error *err)
{
	char *system = kext_boot_system_folder(a->root);
	struct stat st;
	int rc = 0;

	if (system == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	if (kext_repos_create(repos, err) != 0) {
		free(system);
		return -1;
	}
	kext_bundle_cache_info_plists(kext_repos_cache_dir(*repos));
	if (stat(system, &st) == 0)
		rc = kext_repos_add_directory(*repos, system, KEXT_REPO_SYSTEM, err);
	else if (a->root != NULL || a->num_dirs == 0)
		rc = kext_fail(err, errno, "%s: %s", system, strerror(errno));
	for (size_t i = 0; rc == 0 && i < a->num_dirs; i++)
		rc = kext_repos_add_directory(*repos, a->dirs[i], KEXT_REPO_DIRECTORY, err);
	free(system);
	return rc;
}

/* Whether a dry run has already said it would load identifier (libraries recur). */
static bool
said_before(const char ***said, size_t *n, const char *identifier)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*said)[i], identifier) == 0)
			return true;
	(void)kext_strv_push(said, n, identifier);	/* on ENOMEM it is said twice */
	return false;
}

/*
 * A dry run loads nothing, so each kext's plan repeats the libraries of the
 * ones before it; each is said once, where the real run would load it.
 */
static void
print_outcome(const struct args *a, const struct kext_boot_outcome *o, const char ***said,
    size_t *nsaid)
{
	if (o->rc != 0) {
		fprintf(stderr, "kextboot: %s\n", o->err.msg);
		return;
	}
	for (size_t i = 0; i < o->result.n && !a->quiet; i++) {
		const struct kext_load_step *s = &o->result.steps[i];

		if (s->kind == KEXT_STEP_LOAD && a->dry_run && (s->root || a->verbose) &&
		    !said_before(said, nsaid, s->identifier))
			printf("Would load %s (%s) from %s.\n", s->identifier,
			    s->version ? s->version : "?", s->bundle_path);
		else if (s->kind == KEXT_STEP_LOAD && !a->dry_run)
			printf("Loaded %s (%s) from %s, id %d.\n", s->identifier,
			    s->version ? s->version : "?", s->bundle_path, s->fileid);
		else if (s->kind == KEXT_STEP_MEANWHILE)
			printf("%s (%s) was loaded meanwhile by another run from the same file, "
			    "id %d.\n", s->identifier, s->version ? s->version : "?", s->fileid);
		else if (a->verbose && s->kind == KEXT_STEP_ALREADY && s->root)
			printf("%s (%s) was already loaded.\n", s->identifier,
			    s->version ? s->version : "?");
	}
}

static int
boot(const struct args *a, struct kext_kernel *k, struct kext_repos *repos)
{
	struct kext_boot_request req = {.required = a->required, .dry_run = a->dry_run,
	    /* A real kernel (freebsd or linux) demands root-owned bundles; the simulator does not. */
	    .authenticate = !kext_kernel_is_simulated(k)};
	struct kext_boot_report report;
	const char **said = NULL;
	size_t nsaid = 0;
	kext_error err;
	int rc = EX_OK;

	if (kext_boot_load(k, repos, &req, &report, &err) != 0) {
		fprintf(stderr, "kextboot: %s\n", err.msg);
		rc = EX_OSERR;
	}
	for (size_t i = 0; i < report.n; i++) {
		print_outcome(a, &report.items[i], &said, &nsaid);
		/* Recorded like kextload's loads, so the kexts keep their identity. */
		if (!a->dry_run && report.items[i].rc == 0 &&
		    kext_load_record_add(k, &report.items[i].result, &err) != 0)
			fprintf(stderr, "kextboot: warning: %s\n", err.msg);
	}
	if (rc == EX_OK && report.failures > 0) {
		fprintf(stderr, "kextboot: %zu of %zu kexts marked for boot %s\n",
		    report.failures, report.n, a->dry_run ? "would not load" : "did not load");
		rc = EX_OSERR;
	}
	free(said);
	kext_boot_report_free(&report);
	return rc;
}

static int
loader_conf(const struct args *a, struct kext_repos *repos)
{
	struct kext_kernel *k = NULL;
	int osreldate = a->osversion;
	char *text = NULL;
	kext_error err;
	int rc = EX_OK;

	if (osreldate == 0 && (kext_kernel_open(a->kernel, &k, &err) != 0 ||
	    kext_kernel_osreldate(k, &osreldate, &err) != 0))
		rc = EX_OSERR;
	else if (kext_boot_loader_conf(repos, a->required, osreldate, a->root, &text, &err) != 0)
		rc = EX_DATAERR;
	if (rc != EX_OK)
		fprintf(stderr, "kextboot: %s\n", err.msg);
	else
		fputs(text, stdout);
	free(text);
	if (k != NULL)
		kext_kernel_close(k);
	return rc;
}

int
main(int argc, char **argv)
{
	struct args a = {0};
	struct kext_repos *repos = NULL;
	struct kext_kernel *k;
	kext_error err;
	int rc;

	if ((rc = parse_args(&a, argc, argv)) != 0)
		goto out;
	if (open_repositories(&a, &repos, &err) != 0) {
		fprintf(stderr, "kextboot: %s\n", err.msg);
		rc = EX_OSERR;
	} else if (a.loader_conf) {
		rc = loader_conf(&a, repos);
	} else if (kext_kernel_open(a.kernel, &k, &err) != 0) {
		fprintf(stderr, "kextboot: %s\n", err.msg);
		rc = EX_OSERR;
	} else {
		rc = boot(&a, k, repos);
		kext_kernel_close(k);
	}
out:
	if (repos != NULL)
		kext_repos_free(repos);
	free(a.dirs);
	return rc;
}
