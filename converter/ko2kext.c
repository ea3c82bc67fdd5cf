/*
 * ko2kext: wraps FreeBSD kernel modules into kext bundles whose Info.plist is
 * generated from the metadata the module itself declares.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <CoreFoundation/CFLiteExtras.h>

#include "convert.h"
#include "kext/cli.h"
#include "kext/error.h"
#include "kext/kmod.h"
#include "kext/kmod_check.h"
#include "kext/map.h"
#include "kext/strv.h"

static const char usage_text[] =
    "usage: ko2kext [options] -o OUTDIR INPUT...\n"
    "       ko2kext --print | --json INPUT...\n"
    "INPUT is a .ko file, a directory of them, or an archive (FreeBSD .pkg, tarball).\n"
    "  -o, --output DIR          write Name.kext bundles into DIR\n"
    "  -p, --prefix PREFIX       identifier prefix (default " KO2KEXT_DEFAULT_PREFIX ")\n"
    "  -i, --identifier STEM=ID  identifier for the module file STEM.ko\n"
    "  -n, --name [STEM=]NAME    write STEM.ko as NAME.kext (CFBundleName NAME); a bare\n"
    "                            NAME when converting one module\n"
    "  -r, --repository DIR      find dependencies among the bundles in DIR\n"
    "  -k, --kernel-id ID        the kernel kext's identifier (default " KO2KEXT_DEFAULT_KERNEL_ID ")\n"
    "  -H, --kernel-hints FILE   linker.hints whose \"in kernel\" records are built-in modules\n"
    "  -R, --required VALUE      set OSBundleRequired (Root, Local-Root, Network-Root, Console,\n"
    "                            \"Safe Boot\")\n"
    "  -m, --merge PLIST         merge the keys of this dictionary into every Info.plist\n"
    "  -f, --firmware FILE       copy FILE into Contents/Resources/firmware\n"
    "      --force               replace bundles that already exist\n"
    "      --allow-missing       write bundles even when a dependency has no provider\n"
    "      --print               print each module's metadata (like kldxref -d)\n"
    "      --json                print the metadata as JSON\n"
    "  -q, --quiet               print errors only\n"
    "  -v, --verbose             say what is written\n"
    "  -h, --help                this text\n"
    "      --version             the release of the kext tools\n";

enum { OPT_FORCE = 256, OPT_ALLOW_MISSING, OPT_PRINT, OPT_JSON, OPT_VERSION };

static const struct option long_options[] = {
	{"output", required_argument, NULL, 'o'},
	{"prefix", required_argument, NULL, 'p'},
	{"identifier", required_argument, NULL, 'i'},
	{"name", required_argument, NULL, 'n'},
	{"repository", required_argument, NULL, 'r'},
	{"kernel-id", required_argument, NULL, 'k'},
	{"kernel-hints", required_argument, NULL, 'H'},
	{"required", required_argument, NULL, 'R'},
	{"merge", required_argument, NULL, 'm'},
	{"firmware", required_argument, NULL, 'f'},
	{"force", no_argument, NULL, OPT_FORCE},
	{"allow-missing", no_argument, NULL, OPT_ALLOW_MISSING},
	{"print", no_argument, NULL, OPT_PRINT},
	{"json", no_argument, NULL, OPT_JSON},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

struct run {
	struct conv_options opt;
	const char *outdir;
	const char **repos, **hints;
	size_t num_repos, num_hints;
	bool print, json, quiet, verbose;
	bool sh_mode;		/* run as NextBSD's ko2kext.sh */
	int failures;
};

static void
report(struct run *run, const kext_error *err)
{
	fprintf(stderr, "ko2kext: %s\n", err->msg);
	run->failures++;
}

static bool
valid_required(const char *v)
{
	static const char *const values[] = {"Root", "Local-Root", "Network-Root", "Console",
	    "Safe Boot"};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (strcmp(v, values[i]) == 0)
			return true;
	return false;
}

static int
load_merge_plist(struct run *run, const char *path)
{
	CFErrorRef cferr = NULL;
	CFPropertyListRef pl = CFLitePropertyListCreateFromPath(path, 0, NULL, &cferr);

	if (pl == NULL || CFGetTypeID(pl) != CFDictionaryGetTypeID()) {
		char *msg = conv_take_error_text(cferr);

		fprintf(stderr, "ko2kext: %s\n", msg ? msg : "");
		if (pl != NULL)
			fprintf(stderr, "ko2kext: %s: the top level must be a <dict>\n", path);
		free(msg);
		if (pl)
			CFRelease(pl);
		return -1;
	}
	run->opt.extra = pl;
	return 0;
}

static int
parse_args(struct run *run, int argc, char **argv)
{
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "o:p:i:n:r:k:H:R:m:f:qvh", long_options, NULL)) != -1) {
		switch (c) {
		case 'o': run->outdir = optarg; break;
		case 'p': run->opt.prefix = optarg; break;
		case 'k': run->opt.kernel_id = optarg; break;
		case 'i':
			if (strchr(optarg, '=') == NULL || optarg[0] == '=' ||
			    strchr(optarg, '=')[1] == '\0') {
				fprintf(stderr, "ko2kext: -i wants STEM=IDENTIFIER, not '%s'\n", optarg);
				return EX_USAGE;
			}
			rc = kext_strv_push(&run->opt.id_overrides, &run->opt.num_id_overrides,
			    optarg);
			break;
		case 'n':
			if (optarg[0] == '\0' || optarg[0] == '=' || strchr(optarg, '/') != NULL ||
			    (strchr(optarg, '=') != NULL && (strchr(optarg, '=')[1] == '\0' ||
			    strchr(strchr(optarg, '=') + 1, '/') != NULL))) {
				fprintf(stderr, "ko2kext: -n wants NAME or STEM=NAME (no '/'), not "
				    "'%s'\n", optarg);
				return EX_USAGE;
			}
			rc = kext_strv_push(&run->opt.name_overrides, &run->opt.num_name_overrides,
			    optarg);
			break;
		case 'r': rc = kext_strv_push(&run->repos, &run->num_repos, optarg); break;
		case 'H': rc = kext_strv_push(&run->hints, &run->num_hints, optarg); break;
		case 'f': rc = kext_strv_push(&run->opt.firmware, &run->opt.num_firmware, optarg); break;
		case 'R':
			if (!valid_required(optarg)) {
				fprintf(stderr, "ko2kext: -R: '%s' is not an OSBundleRequired value\n",
				    optarg);
				return EX_USAGE;
			}
			run->opt.required = optarg;
			break;
		case 'm':
			if (run->opt.extra != NULL) {
				fprintf(stderr, "ko2kext: -m %s: only one -m plist may be given\n",
				    optarg);
				return EX_USAGE;
			}
			if (load_merge_plist(run, optarg) != 0)
				return EX_USAGE;
			run->opt.extra_path = optarg;
			break;
		case OPT_FORCE: run->opt.force = true; break;
		case OPT_ALLOW_MISSING: run->opt.allow_missing = true; break;
		case OPT_PRINT: run->print = true; break;
		case OPT_JSON: run->json = true; break;
		case 'q': run->quiet = true; break;
		case 'v': run->verbose = true; break;
		case 'h': fputs(usage_text, stdout); exit(EX_OK);
		case OPT_VERSION:
			printf("ko2kext (kext tools for FreeBSD) %s\n", KEXT_TOOLS_VERSION);
			exit(EX_OK);
		default: fputs(usage_text, stderr); return EX_USAGE;
		}
		if (rc != 0) {
			fputs("ko2kext: out of memory\n", stderr);
			return EX_OSERR;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "ko2kext: no input modules given\n%s", usage_text);
		return EX_USAGE;
	}
	if (!run->print && !run->json && run->outdir == NULL) {
		fprintf(stderr, "ko2kext: say where the bundles go with -o OUTDIR\n%s", usage_text);
		return EX_USAGE;
	}
	return 0;
}

/*
 * Reads the module (m->kf) and, converting, says whether it may become a
 * bundle, from one parse: a program, a userland library or a file that is not
 * ELF is refused, saying what it is. What only the kernel linker would refuse
 * (its relocation types) is a warning. False: reported, not to be converted.
 */
static bool
read_module(struct run *run, struct conv_module *m)
{
	/* the kernel is of the module's own OS: a Linux module is not refused as such */
	const struct kmod_target target = {.own_os = true};
	struct kmod_check c;
	kext_error err, perr;
	bool ok;

	if (run->print || run->json) {
		if (kmod_parse(m->data, m->len, m->origin, &m->kf, &err) == 0)
			return true;
		report(run, &err);
		return false;
	}
	if (kmod_check_parse(m->data, m->len, m->origin, &target, &c, &m->kf, &perr,
	    &err) != 0) {
		report(run, &err);
		return false;
	}
	if (m->kf == NULL) {
		report(run, &perr);
		kmod_check_free(&c);
		return false;
	}
	ok = c.is_module;
	for (size_t i = 0; i < c.n; i++) {
		if (!ok) {
			kext_fail(&err, ENOEXEC, "%s: not converted: it is %s; %s", m->origin,
			    c.what, c.problems[i].text);
			report(run, &err);
		} else if (c.problems[i].kind != KMOD_PROBLEM_WARNING && !run->quiet) {
			fprintf(stderr, "ko2kext: warning: %s: %s\n", m->origin, c.problems[i].text);
		}
	}
	kmod_check_free(&c);
	return ok;
}

/*
 * Parses every module and names its bundle; a bad file is reported and
 * skipped, and so is a second module with a bundle name already taken
 * (hashed, so 20,000 inputs cost 20,000 look-ups, not 200 million compares).
 */
static int
parse_modules(struct run *run, struct conv_set *set)
{
	struct kext_map *taken = kext_map_new();
	kext_error err;

	if (taken == NULL)
		return -1;
	for (size_t i = 0; i < set->n; i++) {
		struct conv_module *m = &set->mods[i];
		void **slot;

		/* one input mapped at a time: memory stays flat however many there are */
		if (conv_module_map(m, &err) != 0) {
			m->failed = true;
			report(run, &err);
			continue;
		}
		if (!read_module(run, m)) {
			conv_module_unmap(m);
			m->failed = true;
			continue;
		}
		conv_module_unmap(m);
		if (conv_name_module(m, &run->opt) != 0 ||
		    (slot = kext_map_slot(taken, m->bundle_name, true)) == NULL) {
			m->failed = true;
			report(run, &(kext_error){ENOMEM, "out of memory"});
			continue;
		}
		if (*slot != NULL) {
			const struct conv_module *first = *slot;

			m->failed = true;
			kext_fail(&err, EEXIST, "%s: would be written as %s, which %s "
			    "already is; convert them in separate runs", m->origin,
			    m->bundle_name, first->origin);
			report(run, &err);
			continue;
		}
		*slot = m;
	}
	kext_map_free(taken, NULL);
	return 0;
}

/* A bare -n NAME names the one module of the run; with more it would name them all alike. */
static int
check_bare_name(struct run *run, const struct conv_set *set)
{
	kext_error err;

	for (size_t i = 0; i < run->opt.num_name_overrides; i++) {
		if (strchr(run->opt.name_overrides[i], '=') == NULL && set->n > 1) {
			kext_fail(&err, EINVAL, "-n %s without STEM= names one module, but %zu "
			    "modules are converted", run->opt.name_overrides[i], set->n);
			report(run, &err);
			return -1;
		}
	}
	return 0;
}

/* An -i or -n for a module no input has is a mistake (a typo), never ignored. */
static int
check_overrides(struct run *run, const struct conv_set *set)
{
	const char *o = conv_unmatched_override(&run->opt, set);
	kext_error err;

	if (run->failures > 0 || o == NULL)
		return 0;	/* an input that could not be read may be the one named */
	kext_fail(&err, ENOENT, "%s names the module %.*s, which no input has", o,
	    (int)(strchr(o, '=') - o), o);
	report(run, &err);
	return -1;
}

static int
gather_providers(struct run *run, struct conv_set *set, struct conv_providers *pv)
{
	kext_error err;

	for (size_t i = 0; i < set->n; i++) {
		const struct conv_module *m = &set->mods[i];

		char version[64];

		if (!m->failed && m->kf->os == KMOD_OS_LINUX &&
		    conv_linux_bundle_version(m->kf, version, sizeof(version)) == 0 &&
		    conv_providers_add_linux(pv, m->kf->lx.name, m->identifier, version,
		    CONV_FROM_INPUT) != 0)
			return -1;
		if (!m->failed)
			conv_bundle_version(m, version, sizeof(version));
		for (size_t r = 0; !m->failed && r < m->kf->num_records; r++) {
			const struct kmod_record *rec = &m->kf->records[r];

			if (rec->type != KMOD_VERSION)
				continue;
			if (conv_providers_add(pv, rec->u.version.name, rec->u.version.version,
			    m->identifier, CONV_FROM_INPUT) != 0 ||
			    (pv->p[pv->n - 1].version_string = strdup(version)) == NULL)
				return -1;
		}
	}
	for (size_t i = 0; i < run->num_repos; i++)
		if (conv_providers_add_repository(pv, run->repos[i], &err) != 0)
			report(run, &err);
	for (size_t i = 0; i < set->num_hints + run->num_hints; i++) {
		const char *h = i < set->num_hints ? set->hints_files[i] :
		    run->hints[i - set->num_hints];

		if (conv_providers_add_hints(pv, h, run->opt.kernel_id, &err) != 0)
			report(run, &err);
	}
	return 0;
}

/*
 * Whether the module names itself nowhere, so its bundle is named after the
 * file: a FreeBSD module without records (no DECLARE_MODULE, MODULE_VERSION
 * ...), a Linux module whose .modinfo has no name= entry. A Linux module has
 * no FreeBSD records at all: its metadata is .modinfo.
 */
static bool
declares_no_metadata(const struct kmod_file *kf)
{
	if (kf->os == KMOD_OS_LINUX)
		return kf->lx.name_from_file != 0;
	return kf->num_records == 0;
}

/* Builds the Info.plist and stages the bundle; *staged is NULL when it failed. */
static void
stage_one(struct run *run, const struct conv_stage *st, struct conv_module *m,
    struct conv_providers *pv, char **staged)
{
	char missing[2048];
	CFMutableDictionaryRef info;
	kext_error err;

	*staged = NULL;
	info = conv_info_plist(m, pv, &run->opt, missing, sizeof(missing));
	if (declares_no_metadata(m->kf) && !run->quiet)
		fprintf(stderr, "ko2kext: warning: %s declares no module metadata; converting it "
		    "as %s, named after the file\n", m->origin, m->bundle_name);
	if (missing[0] != '\0' && !run->opt.allow_missing) {
		kext_fail(&err, ENOENT, "%s: no input, repository or kernel provides %s; add the "
		    "module that does, name its repository with -r, or pass --allow-missing",
		    m->origin, missing);
		report(run, &err);
	} else {
		if (missing[0] != '\0' && !run->quiet)
			fprintf(stderr, "ko2kext: warning: %s: nothing provides %s; left out of "
			    "OSBundleLibraries\n", m->origin, missing);
		if (conv_stage_bundle(st, run->outdir, m, info, &run->opt, staged, &err) != 0)
			report(run, &err);
	}
	CFRelease(info);
}

/* After errors: exactly which bundles this run did write (each is whole, old or new). */
static void
say_what_was_written(const struct run *run, const struct conv_set *set, const bool *written)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++)
		n += written[i];
	if (n == 0) {
		fprintf(stderr, "ko2kext: %s: nothing was written\n", run->outdir);
		return;
	}
	fprintf(stderr, "ko2kext: %s: written all the same (%zu):", run->outdir, n);
	for (size_t i = 0; i < set->n; i++)
		if (written[i])
			fprintf(stderr, " %s", set->mods[i].bundle_name);
	fputc('\n', stderr);
}

static void
convert_all(struct run *run, struct conv_set *set, struct conv_providers *pv)
{
	char **staged = calloc(set->n + 1, sizeof(*staged));
	bool *written = calloc(set->n + 1, sizeof(*written));
	struct conv_stage st;
	kext_error err;
	bool synced;

	if (staged == NULL || written == NULL) {
		free(staged);
		free(written);
		report(run, &(kext_error){ENOMEM, "out of memory"});
		return;
	}
	if (conv_stage_open(run->outdir, &st, &err) != 0) {
		report(run, &err);
		free(staged);
		free(written);
		return;
	}
	for (size_t i = 0; i < set->n; i++)
		if (!set->mods[i].failed)
			stage_one(run, &st, &set->mods[i], pv, &staged[i]);
	synced = conv_sync_staged(run->outdir, &err) == 0;
	if (!synced)
		report(run, &err);
	for (size_t i = 0; i < set->n; i++) {
		const struct conv_module *m = &set->mods[i];
		int r = -1;

		if (staged[i] == NULL)
			continue;
		if (!synced || (r = conv_install_bundle(run->outdir, m, staged[i], run->opt.force,
		    &err)) < 0) {
			if (synced)
				report(run, &err);
			conv_discard_staged(staged[i]);
		} else {
			written[i] = true;
			if (run->sh_mode)
				printf("ko2kext: wrote %s/%s%s\n", run->outdir, m->bundle_name,
				    r == 1 ? " (unchanged)" : "");
			else if (run->verbose)
				printf("%s -> %s/%s (%s)%s\n", m->origin, run->outdir, m->bundle_name,
				    m->identifier, r == 1 ? ": unchanged" : "");
		}
		free(staged[i]);
	}
	conv_stage_close(&st);
	if (run->failures > 0)
		say_what_was_written(run, set, written);
	free(staged);
	free(written);
}

static int
print_metadata(struct run *run, struct conv_set *set)
{
	const struct kmod_file **files = calloc(set->n + 1, sizeof(*files));
	size_t n = 0;

	if (files == NULL)
		return -1;
	for (size_t i = 0; i < set->n; i++)
		if (!set->mods[i].failed)
			files[n++] = set->mods[i].kf;
	if (run->json)
		kmod_print_json(stdout, files, n);
	else
		for (size_t i = 0; i < n; i++)
			kmod_print(stdout, files[i]);
	free(files);
	return 0;
}

/* The output folder and, like mkdir -p, any missing parents. */
static int
ensure_outdir(const char *dir)
{
	char path[4096];
	struct stat st;
	size_t len = strlen(dir);

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (len >= sizeof(path)) {
		fprintf(stderr, "ko2kext: %s: %s\n", dir, strerror(ENAMETOOLONG));
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "ko2kext: %s: %s\n", path, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(dir, 0755) == 0 || (errno == EEXIST && stat(dir, &st) == 0 &&
	    S_ISDIR(st.st_mode)))
		return 0;
	fprintf(stderr, "ko2kext: %s: %s\n", dir, errno == EEXIST ? "not a directory" :
	    strerror(errno));
	return -1;
}

/* The output folder, locked for this run; what killed runs left there is removed. */
static int
take_outdir(struct run *run, int *lock)
{
	kext_error err;
	size_t removed;

	if (conv_outdir_lock(run->outdir, lock, &err) != 0 ||
	    conv_outdir_clean(run->outdir, &removed, &err) != 0) {
		fprintf(stderr, "ko2kext: %s\n", err.msg);
		return -1;
	}
	if (removed > 0 && !run->quiet)
		fprintf(stderr, "ko2kext: %s: removed %zu staging folder%s an interrupted run "
		    "left\n", run->outdir, removed, removed == 1 ? "" : "s");
	return 0;
}

int
main(int argc, char **argv)
{
	struct run run = {.opt = {.prefix = KO2KEXT_DEFAULT_PREFIX,
	    .kernel_id = KO2KEXT_DEFAULT_KERNEL_ID}};
	struct conv_set set = {0};
	struct conv_providers pv = {0};
	struct conv_sh sh = {0};
	const char *slash = strrchr(argv[0], '/');
	bool stop;
	kext_error err;
	int rc, lock = -1;

	/* Installed also as ko2kext.sh, NextBSD's converter's name and command line. */
	run.sh_mode = strcmp(slash != NULL ? slash + 1 : argv[0], "ko2kext.sh") == 0;
	if (run.sh_mode) {
		if ((rc = conv_sh_parse(argc, argv, &sh, &run.opt)) != 0)
			goto out;
		run.outdir = sh.outdir;
	} else if ((rc = parse_args(&run, argc, argv)) != 0) {
		goto out;
	}
	umask(022);	/* bundles get 0755 folders and 0644 files, like an installed kext */
	if (run.sh_mode && conv_add_input(&set, sh.input, &err) != 0)
		report(&run, &err);
	for (int i = optind; !run.sh_mode && i < argc; i++)
		if (conv_add_input(&set, argv[i], &err) != 0)
			report(&run, &err);
	/* Option mistakes stop the run before anything is written. */
	stop = check_bare_name(&run, &set) != 0;
	if (!stop && parse_modules(&run, &set) != 0) {
		report(&run, &(kext_error){ENOMEM, "out of memory"});
		stop = true;
	} else if (!stop) {
		stop = check_overrides(&run, &set) != 0;
	}
	if (stop) {
		/* reported */
	} else if (run.print || run.json) {
		print_metadata(&run, &set);
	} else if (ensure_outdir(run.outdir) != 0 || take_outdir(&run, &lock) != 0 ||
	    gather_providers(&run, &set, &pv) != 0) {
		run.failures++;
	} else {
		convert_all(&run, &set, &pv);
	}
	if (lock >= 0)
		close(lock);	/* releases the folder to the next run */
	if (run.failures && !run.quiet)
		fprintf(stderr, "ko2kext: %d error%s\n", run.failures, run.failures == 1 ? "" : "s");
	rc = run.failures ? 1 : 0;
out:
	conv_providers_free(&pv);
	conv_set_free(&set);
	conv_sh_free(&sh);
	free(run.opt.id_overrides);
	free(run.opt.name_overrides);
	free(run.opt.extra_libraries);
	free(run.opt.firmware);
	free(run.repos);
	free(run.hints);
	if (run.opt.extra)
		CFRelease(run.opt.extra);
	return rc;
}
