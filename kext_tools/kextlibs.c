/*
 * kextlibs: which library kexts a kext needs, from its undefined symbols
 * (Apple's kextlibs(8): its options, its "    id = version" lines and its
 * -xml OSBundleLibraries fragment; spec apple-kext.md §4.7).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "kext/bundle.h"
#include "kext/cli.h"
#include "kext/error.h"
#include "kext/fbsd_version.h"
#include "kext/kernel.h"
#include "kext/kmod.h"
#include "kext/kmod_symbols.h"
#include "kext/libs.h"
#include "kext/loaded.h"
#include "kext/repo.h"
#include "kext/strv.h"

/* Apple's exit codes: 1 some symbol undefined, 2 some symbol in several libraries. */
enum { EXIT_UNDEFINED = 1, EXIT_MULTIPLY_DEFINED = 2 };

static const char usage_text[] =
    "usage: kextlibs [-xml] [-c] [-undef-symbols] [-onedef-symbols] [-multdef-symbols]\n"
    "                [-all-symbols] [-e] [-r repository]... [-k kernel_file] [-kernel SPEC]\n"
    "                kext ...\n"
    "  -xml                     print an OSBundleLibraries fragment (symbol lists go to stderr)\n"
    "  -c, -compatible-versions print OSBundleCompatibleVersion instead of CFBundleVersion\n"
    "  -undef-symbols           list the symbols no library defines\n"
    "  -onedef-symbols          list the symbols exactly one library defines\n"
    "  -multdef-symbols         list the symbols several libraries define\n"
    "  -all-symbols             all three lists\n"
    "  -r, -repository DIR      look for libraries in DIR (then not in " KEXT_SYSTEM_EXTENSIONS
    "\n                           unless -e)\n"
    "  -e, -system-extensions   look in " KEXT_SYSTEM_EXTENSIONS " too\n"
    "  -k, -kernel-file FILE    the kernel's symbols, which the kernel kext stands for: its ELF\n"
    "                           file, or for Linux kexts its System.map or Module.symvers\n"
    "                           (default: kern.bootfile on the freebsd kernel, the release's\n"
    "                           build/Module.symvers on the linux one)\n"
    "  -kernel SPEC             " KEXT_KERNEL_SPEC_HELP
    "  -version                 the release of the kext tools\n";

enum { OPT_XML = 256, OPT_UNDEF, OPT_ONEDEF, OPT_MULTDEF, OPT_ALL, OPT_KERNEL, OPT_VERSION };

static const struct option long_options[] = {
	{"xml", no_argument, NULL, OPT_XML},
	{"compatible-versions", no_argument, NULL, 'c'},
	{"undef-symbols", no_argument, NULL, OPT_UNDEF},
	{"onedef-symbols", no_argument, NULL, OPT_ONEDEF},
	{"multdef-symbols", no_argument, NULL, OPT_MULTDEF},
	{"all-symbols", no_argument, NULL, OPT_ALL},
	{"repository", required_argument, NULL, 'r'},
	{"system-extensions", no_argument, NULL, 'e'},
	{"kernel-file", required_argument, NULL, 'k'},
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

struct args {
	bool xml, compat, undef, onedef, multdef, system;
	const char **dirs;
	size_t num_dirs;
	const char *kernel_file, *kernel;
	char **kexts;
	size_t num_kexts;
};

static int
parse_args(struct args *a, int argc, char **argv)
{
	int c;

	/* Apple's tools take long options after a single dash. */
	while ((c = getopt_long_only(argc, argv, "cr:ek:h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_XML: a->xml = true; break;
		case 'c': a->compat = true; break;
		case OPT_UNDEF: a->undef = true; break;
		case OPT_ONEDEF: a->onedef = true; break;
		case OPT_MULTDEF: a->multdef = true; break;
		case OPT_ALL: a->undef = a->onedef = a->multdef = true; break;
		case 'r':
			if (kext_strv_push(&a->dirs, &a->num_dirs, optarg) != 0) {
				fputs("kextlibs: out of memory\n", stderr);
				return EX_OSERR;
			}
			break;
		case 'e': a->system = true; break;
		case 'k': a->kernel_file = optarg; break;
		case OPT_KERNEL: a->kernel = optarg; break;
		case 'h': fputs(usage_text, stdout); exit(EX_OK);
		case OPT_VERSION:
			printf("kextlibs (kext tools for FreeBSD) %s\n", KEXT_TOOLS_VERSION);
			exit(EX_OK);
		default: fputs(usage_text, stderr); return EX_USAGE;
		}
	}
	a->kexts = argv + optind;
	a->num_kexts = (size_t)(argc - optind);
	if (a->num_kexts == 0) {
		fprintf(stderr, "kextlibs: no kext named\n%s", usage_text);
		return EX_USAGE;
	}
	return 0;
}

/*
 * The kernel as a library: the kernel kext of the repositories, else the
 * running kernel's version; its symbols from the kernel file. Linux kernel
 * symbols (a System.map or Module.symvers) stand for org.kernel.linux, at the
 * release of each kext's own module when no kernel kext says (linux_version).
 */
struct kernel_lib {
	char file[1024], version[32], compat[32];
	struct kmod_symbols symbols;
	struct kext_libs_kernel lib;
	bool release_from_kext;		/* Linux, and no kernel kext in the repositories */
};

/* A Linux kext's kernel version: that of the release its module was built for. */
static int
linux_version(struct kext_bundle *b, struct kernel_lib *kl, kext_error *err)
{
	const char *exe = kext_bundle_executable_path(b);
	char release[256];
	struct kmod_file *kf;
	int rc = 0;

	if (exe == NULL)
		return kext_fail(err, ENOEXEC, "%s: no executable", kext_bundle_path(b));
	if (kmod_open(exe, &kf, err) != 0)
		return -1;
	if (kf->os != KMOD_OS_LINUX || kmod_linux_release(kf, release, sizeof(release)) != 0)
		rc = kext_fail(err, ENOEXEC, "%s: not a Linux module with a vermagic= release, "
		    "while the kernel symbols (%s) are Linux's", exe, kl->file);
	else
		kext_linux_release_version(release, kl->version, sizeof(kl->version));
	kmod_free(kf);
	if (rc == 0 && kl->version[0] == '\0')
		rc = kext_fail(err, ENOEXEC, "%s: kernel release %s has no version", exe, release);
	snprintf(kl->compat, sizeof(kl->compat), "%s", kl->version);
	return rc;
}

static int
kernel_version(struct kext_repos *repos, struct kext_kernel *k, struct kernel_lib *kl,
    kext_error *err)
{
	const char *id = kl->symbols.os == KMOD_OS_LINUX ? KEXT_LINUX_KERNEL_BUNDLE_ID :
	    KEXT_KERNEL_BUNDLE_ID;
	const struct kext_candidate **c;
	size_t n;
	int osreldate;

	if (kext_repos_lookup(repos, id, &c, &n, err) != 0)
		return -1;
	if (n > 0) {
		snprintf(kl->version, sizeof(kl->version), "%s", c[0]->version_string);
		snprintf(kl->compat, sizeof(kl->compat), "%s", c[0]->compatible_version_string ?
		    c[0]->compatible_version_string : c[0]->version_string);
		free(c);
		return 0;
	}
	free(c);
	if (kl->symbols.os == KMOD_OS_LINUX) {
		kl->release_from_kext = true;
		return 0;
	}
	if (k == NULL)
		return kext_fail(err, ENOENT, "no %s kext among the repositories and no kernel to "
		    "ask its version: add Kernel.kext with -r or set KEXT_KERNEL",
		    KEXT_KERNEL_BUNDLE_ID);
	if (kext_kernel_osreldate(k, &osreldate, err) != 0 ||
	    kext_fbsd_osreldate_string(osreldate, kl->version, sizeof(kl->version)) != 0 ||
	    kext_fbsd_osreldate_compat_string(osreldate, kl->compat, sizeof(kl->compat)) != 0)
		return kext_fail(err, EINVAL, "the kernel's version cannot be read");
	return 0;
}

static int
open_kernel(const struct args *a, struct kext_repos *repos, struct kernel_lib *kl)
{
	struct kext_kernel *k = NULL;
	kext_error err;
	int rc = 0;

	/* A kernel backend is optional: it only supplies defaults. */
	if (kext_kernel_open(a->kernel, &k, &err) != 0)
		k = NULL;
	if (a->kernel_file != NULL)
		snprintf(kl->file, sizeof(kl->file), "%s", a->kernel_file);
	else if (k != NULL && kext_kernel_bootfile(k, kl->file, sizeof(kl->file), &err) != 0)
		kl->file[0] = '\0';
	if (kl->file[0] == '\0') {
		fprintf(stderr, "kextlibs: no kernel file: give the kernel's ELF file with -k "
		    "(on FreeBSD, /boot/kernel/kernel; for Linux kexts, the kernel's System.map "
		    "or Module.symvers)\n");
		rc = EX_USAGE;
	} else if (kmod_kernel_symbols_read(kl->file, &kl->symbols, &err) != 0) {
		fprintf(stderr, "kextlibs: %s\n", err.msg);
		rc = EX_OSFILE;
	} else if (kernel_version(repos, k, kl, &err) != 0) {
		fprintf(stderr, "kextlibs: %s\n", err.msg);
		rc = EX_OSERR;
	}
	kext_kernel_close(k);
	kl->lib = (struct kext_libs_kernel){kl->symbols.os == KMOD_OS_LINUX ?
	    KEXT_LINUX_KERNEL_BUNDLE_ID : KEXT_KERNEL_BUNDLE_ID, kl->version, kl->compat,
	    &kl->symbols};
	return rc;
}

static void
print_symbols(FILE *fp, const struct kext_libs_result *r, const struct args *a)
{
	struct { bool on; const char *title; int kind; } lists[] = {
		{a->undef, "Symbols not found in any library kext", 0},
		{a->onedef, "Symbols found in one library kext", 1},
		{a->multdef, "Symbols found in more than one library kext", 2},
	};

	for (size_t l = 0; l < 3; l++) {
		if (!lists[l].on)
			continue;
		fprintf(fp, "%s:\n", lists[l].title);
		for (size_t i = 0; i < r->num_symbols; i++) {
			const struct kext_libs_symbol *s = &r->symbols[i];
			int kind = s->num_providers > 1 ? 2 : (int)s->num_providers;

			if (kind != lists[l].kind)
				continue;
			if (kind == 0)
				fprintf(fp, "    %s\n", s->name);
			else
				fprintf(fp, "    %s (%s)\n", s->name, s->providers);
		}
	}
}

/* Text as XML character data. */
static void
put_xml(const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", stdout); break;
		case '<': fputs("&lt;", stdout); break;
		case '>': fputs("&gt;", stdout); break;
		default: putchar(*s); break;
		}
	}
}

static void
print_result(const struct kext_libs_result *r, const struct args *a)
{
	if (a->xml) {
		fputs("\t<key>OSBundleLibraries</key>\n\t<dict>\n", stdout);
		for (size_t i = 0; i < r->num_libs; i++) {
			fputs("\t\t<key>", stdout);
			put_xml(r->libs[i].identifier);
			fputs("</key>\n\t\t<string>", stdout);
			put_xml(r->libs[i].version);
			fputs("</string>\n", stdout);
		}
		fputs("\t</dict>\n", stdout);
	} else {
		for (size_t i = 0; i < r->num_libs; i++)
			printf("    %s = %s\n", r->libs[i].identifier, r->libs[i].version);
	}
	if (r->undefined > 0 || r->multiply_defined > 0)
		fputs("For all architectures:\n", stderr);
	if (r->undefined > 0)
		fprintf(stderr, "    %zu symbol%s not found in any library kext.\n", r->undefined,
		    r->undefined == 1 ? "" : "s");
	if (r->multiply_defined > 0)
		fprintf(stderr, "    %zu symbol%s found in more than one library kext.\n",
		    r->multiply_defined, r->multiply_defined == 1 ? "" : "s");
	print_symbols(a->xml ? stderr : stdout, r, a);
}

static int
open_repos(const struct args *a, struct kext_repos **repos, kext_error *err)
{
	struct stat st;

	if (kext_repos_create(repos, err) != 0)
		return -1;
	kext_bundle_cache_info_plists(kext_repos_cache_dir(*repos));
	/* Apple: once -r is given the system folders are no longer implied. */
	if ((a->num_dirs == 0 || a->system) && stat(KEXT_SYSTEM_EXTENSIONS, &st) == 0 &&
	    kext_repos_add_directory(*repos, KEXT_SYSTEM_EXTENSIONS, KEXT_REPO_SYSTEM, err) != 0)
		return -1;
	for (size_t i = 0; i < a->num_dirs; i++)
		if (kext_repos_add_directory(*repos, a->dirs[i], KEXT_REPO_DIRECTORY, err) != 0)
			return -1;
	return 0;
}

static int
run(const struct args *a)
{
	struct kext_repos *repos = NULL;
	struct kernel_lib kl;
	kext_error err;
	int rc = EX_OK, worst = EX_OK;

	memset(&kl, 0, sizeof(kl));
	if (open_repos(a, &repos, &err) != 0) {
		fprintf(stderr, "kextlibs: %s\n", err.msg);
		rc = EX_OSERR;
	} else {
		rc = open_kernel(a, repos, &kl);
	}
	for (size_t i = 0; rc == EX_OK && i < a->num_kexts; i++) {
		struct kext_libs_result r;
		struct kext_bundle *b;

		if (kext_repos_add_bundle(repos, a->kexts[i], KEXT_REPO_ARGUMENT, &b, &err) != 0 ||
		    (kl.release_from_kext && linux_version(b, &kl, &err) != 0) ||
		    kext_libs(repos, b, &kl.lib, a->compat, &r, &err) != 0) {
			fprintf(stderr, "kextlibs: %s\n", err.msg);
			rc = EX_OSERR;
			break;
		}
		if (a->num_kexts > 1)
			printf("%s:\n", a->kexts[i]);
		print_result(&r, a);
		if (r.undefined > 0)
			worst = EXIT_UNDEFINED;
		else if (r.multiply_defined > 0 && worst == EX_OK)
			worst = EXIT_MULTIPLY_DEFINED;
		kext_libs_result_free(&r);
	}
	kmod_symbols_free(&kl.symbols);
	if (repos != NULL)
		kext_repos_free(repos);
	return rc != EX_OK ? rc : worst;
}

int
main(int argc, char **argv)
{
	struct args a;
	int rc;

	memset(&a, 0, sizeof(a));
	if ((rc = parse_args(&a, argc, argv)) == 0)
		rc = run(&a);
	free(a.dirs);
	return rc;
}
