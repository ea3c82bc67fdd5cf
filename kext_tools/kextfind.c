/*
 * kextfind: find kexts by identifier, module name, loaded state,
 * OSBundleRequired, validity... and print them, a report, or JSON.
 * Apple's command line (kextfind(8)):
 *
 *   kextfind [options] [--] [kext_or_directory ...] [query]
 *            [-report [-no-header] column ...]
 *
 * The query language is the engine's (kext/find.h); this file reads the
 * options, gathers the kexts and prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "kext/bundle.h"
#include "kext/cli.h"
#include "kext/find.h"
#include "kext/json.h"
#include "kext/kernel.h"
#include "kext/loaded.h"
#include "kext/repo.h"
#include "kext/strv.h"

static const char usage_text[] =
    "usage: kextfind [options] [--] [kext_or_directory ...] [query]\n"
    "                [-report [-no-header] column ...]\n"
    "options:\n"
    "  -f, -search-item ITEM     a kext or folder of kexts to search (also as operands)\n"
    "  -e, -system-extensions    search " KEXT_SYSTEM_EXTENSIONS " too (the default\n"
    "                            when nothing is named)\n"
    "  -i, -case-insensitive     string predicates ignore case\n"
    "  -s, -substring            string predicates match substrings\n"
    "  -0, -nul                  end printed lines with NUL\n"
    "  -json                     print the matches as JSON\n"
    "  -kernel SPEC              " KEXT_KERNEL_SPEC_HELP
    "  -h, -help                 this text; --version: the release\n"
    "query: predicates (-b ID, -B NAME, -module NAME, -loaded, -v, -nv, -a, -na, -w,\n"
    "  -lib, -x, -nx, -plugin, -has-plugins, -kernel-resource, -C, -L, -N, -R, -S,\n"
    "  -p NAME VALUE, -pe NAME, -m NAME VALUE, -me NAME, -V EXPR, -arch LIST,\n"
    "  -ax LIST, -dsym SYMBOL, -rsym SYMBOL, -d, -nd, -l, -nl,\n"
    "  -compatible-with-version V) joined by -and, -or, -not / !, ( ); commands\n"
    "  -print, -print0, -pid, -px, -pp NAME, -pm NAME, -pa, -print-plugins,\n"
    "  -print-dependencies, -print-dependents, -pdiag, -echo TEXT,\n"
    "  -exec COMMAND ... ; ({} is the kext's path).\n";

struct args {
	const char **items;
	size_t num_items;
	const char *kernel;
	bool system, json;
	struct kext_find_defaults def;
	struct kext_find_query *query;
	struct kext_find_report *report;
};

/* Apple's options this kextfind does not implement. */
static const char *const unsupported_options[] = {"-set-arch", "-no-paths", "-relative-paths"};

/* Leading options; 0 to go on, -1 when done (help), else an exit status. */
static int
parse_options(struct args *a, int argc, char **argv, int *i)
{
	for (; *i < argc; (*i)++) {
		const char *w = argv[*i];

		if (strcmp(w, "-h") == 0 || strcmp(w, "-help") == 0 || strcmp(w, "--help") == 0) {
			fputs(usage_text, stdout);
			return -1;
		} else if (strcmp(w, "-i") == 0 || strcmp(w, "-case-insensitive") == 0) {
			a->def.case_insensitive = true;
		} else if (strcmp(w, "-s") == 0 || strcmp(w, "-substring") == 0) {
			a->def.substring = true;
		} else if (strcmp(w, "-0") == 0 || strcmp(w, "-nul") == 0) {
			a->def.nul = true;
		} else if (strcmp(w, "-e") == 0 || strcmp(w, "-system-extensions") == 0) {
			a->system = true;
		} else if (strcmp(w, "-kernel") == 0 || strcmp(w, "--kernel") == 0 ||
		    strcmp(w, "-f") == 0 || strcmp(w, "-search-item") == 0) {
			if (*i + 1 >= argc) {
				fprintf(stderr, "kextfind: %s needs an argument\n%s", w, usage_text);
				return EX_USAGE;
			}
			if (w[1] == 'f' || w[1] == 's') {
				if (kext_strv_push(&a->items, &a->num_items, argv[++*i]) != 0)
					return EX_OSERR;
			} else {
				a->kernel = argv[++*i];
			}
		} else if (strcmp(w, "--") == 0) {
			(*i)++;
			return 0;
		} else {
			for (size_t u = 0; u < sizeof(unsupported_options) / sizeof(*unsupported_options);
			    u++) {
				if (strcmp(w, unsupported_options[u]) == 0) {
					fprintf(stderr, "kextfind: unsupported option %s: Apple's kextfind "
					    "has it, this one does not implement it\n", w);
					return EX_USAGE;
				}
			}
			return 0;
		}
	}
	return 0;
}

static int
parse_args(struct args *a, int argc, char **argv)
{
	kext_error err;
	int i = 1, rc;

	/* "-version" is a query predicate; the release is asked for alone. */
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("kextfind (kext tools for FreeBSD) %s\n", KEXT_TOOLS_VERSION);
		return -1;
	}
	if ((rc = parse_options(a, argc, argv, &i)) != 0)
		return rc;
	for (; i < argc && argv[i][0] != '-' && strcmp(argv[i], "(") != 0 &&
	    strcmp(argv[i], "!") != 0; i++)
		if (kext_strv_push(&a->items, &a->num_items, argv[i]) != 0)
			return EX_OSERR;
	if (kext_find_parse(argc, argv, &i, &a->def, &a->query, &err) != 0) {
		fprintf(stderr, "kextfind: %s\n", err.msg);
		return EX_USAGE;
	}
	if (i < argc && kext_find_parse_report(argc, argv, &i, &a->report, &err) != 0) {
		fprintf(stderr, "kextfind: %s\n", err.msg);
		return EX_USAGE;
	}
	if ((a->report != NULL || a->json) && kext_find_has_commands(a->query)) {
		fprintf(stderr, "kextfind: commands such as -print go without -report and -json\n");
		return EX_USAGE;
	}
	if (a->report != NULL && a->json) {
		fprintf(stderr, "kextfind: -report and -json do not go together\n");
		return EX_USAGE;
	}
	if (kext_kernel_spec_check(a->kernel, &err) != 0) {
		fprintf(stderr, "kextfind: %s\n", err.msg);
		return EX_USAGE;
	}
	return 0;
}

/* "x/Foo.kext" or "x/Foo.kext/". */
static bool
is_kext_path(const char *p)
{
	size_t len = strlen(p);

	while (len > 1 && p[len - 1] == '/')
		len--;
	return len >= 5 && strncmp(p + len - 5, ".kext", 5) == 0;
}

static int
open_repositories(const struct args *a, struct kext_repos **repos)
{
	struct stat st;
	kext_error err;

	if (kext_repos_create(repos, &err) != 0) {
		fprintf(stderr, "kextfind: %s\n", err.msg);
		return EX_OSERR;
	}
	kext_bundle_cache_info_plists(kext_repos_cache_dir(*repos));
	if (a->system || a->num_items == 0) {
		if (stat(KEXT_SYSTEM_EXTENSIONS, &st) == 0) {
			if (kext_repos_add_directory(*repos, KEXT_SYSTEM_EXTENSIONS, KEXT_REPO_SYSTEM,
			    &err) != 0) {
				fprintf(stderr, "kextfind: %s\n", err.msg);
				return EX_OSERR;
			}
		} else if (a->num_items == 0) {
			fprintf(stderr, "kextfind: %s does not exist; name the kexts or folders to "
			    "search\n", KEXT_SYSTEM_EXTENSIONS);
			return EX_NOINPUT;
		}
	}
	for (size_t i = 0; i < a->num_items; i++) {
		int r;

		if (stat(a->items[i], &st) != 0) {
			fprintf(stderr, "kextfind: %s: %s\n", a->items[i], strerror(errno));
			return EX_NOINPUT;
		}
		/* A folder that is a kext is searched as one; other folders hold kexts. */
		if (S_ISDIR(st.st_mode) && !is_kext_path(a->items[i]))
			r = kext_repos_add_directory(*repos, a->items[i], KEXT_REPO_DIRECTORY, &err);
		else
			r = kext_repos_add_bundle(*repos, a->items[i], KEXT_REPO_ARGUMENT, NULL, &err);
		if (r != 0) {
			fprintf(stderr, "kextfind: %s\n", err.msg);
			return EX_DATAERR;
		}
	}
	return 0;
}

static void
end_line(bool nul, bool no_newline)
{
	if (nul)
		putchar('\0');
	else if (!no_newline)
		putchar('\n');
}

static void
act(const struct kext_find_action *x, struct kext_find_item *it)
{
	const char *s;
	char *v;

	switch (x->kind) {
	case KEXT_FIND_PRINT:
		fputs(kext_bundle_path(it->bundle), stdout);
		break;
	case KEXT_FIND_PRINT_INFO:
		fputs(kext_bundle_info_plist_path(it->bundle), stdout);
		break;
	case KEXT_FIND_PRINT_EXECUTABLE:
		if ((s = kext_bundle_executable_path(it->bundle)) == NULL)
			return;
		fputs(s, stdout);
		break;
	case KEXT_FIND_PRINT_PROPERTY:
		if ((v = kext_find_property_line(it, x->arg)) == NULL)
			return;
		fputs(v, stdout);
		free(v);
		break;
	case KEXT_FIND_PRINT_ARCHES: {
		const struct kmod_file *kf = kext_find_kmod(it);

		if (kf == NULL || kf->arch == NULL)
			return;
		fputs(kf->arch, stdout);
		break;
	}
	case KEXT_FIND_PRINT_PLUGINS:
		for (size_t i = 0; i < kext_bundle_plugin_count(it->bundle); i++) {
			fputs(kext_bundle_plugin_at(it->bundle, i), stdout);
			end_line(x->nul, false);
		}
		return;
	case KEXT_FIND_ECHO:
		fputs(x->arg, stdout);
		break;
	default:	/* print_command's */
		return;
	}
	end_line(x->nul, x->no_newline);
}

/* What the commands of one search share. */
struct run_state {
	int rc;		/* an exit status once a command failed */
};

static void
command_failed(struct run_state *st, const char *msg)
{
	fprintf(stderr, "kextfind: %s\n", msg);
	st->rc = EX_OSERR;
}

/*
 * -exec: the command, without a shell; true when it exits 0 (Apple's
 * evalExec). A command that cannot be run is false, as find(1)'s.
 */
static bool
run_exec(struct run_state *st, const struct kext_find_action *x, struct kext_find_item *it)
{
	char **argv;
	kext_error err;
	pid_t pid;
	int status;

	if (kext_find_exec_argv(x, it, &argv, &err) != 0) {
		command_failed(st, err.msg);
		return false;
	}
	fflush(stdout);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "kextfind: -exec %s: fork: %s\n", argv[0], strerror(errno));
		st->rc = EX_OSERR;
		kext_find_exec_argv_free(argv);
		return false;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "kextfind: -exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	kext_find_exec_argv_free(argv);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "kextfind: -exec: waitpid: %s\n", strerror(errno));
			st->rc = EX_OSERR;
			return false;
		}
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void
print_lines(const char *const *lines, size_t n, bool nul)
{
	for (size_t i = 0; i < n; i++) {
		fputs(lines[i], stdout);
		end_line(nul, false);
	}
}

/* The commands other than -exec, which print and are true. */
static void
print_command(struct run_state *st, const struct kext_find_action *x, struct kext_find_item *it)
{
	const char *const *deps;
	const char **paths;
	const char *s;
	char **lines;
	kext_error err;
	size_t n;

	switch (x->kind) {
	case KEXT_FIND_PRINT_DEPENDENCIES:
		if (kext_find_dependencies(it, &deps, &n, &err) != 0)
			command_failed(st, err.msg);
		else
			print_lines(deps, n, x->nul);
		return;
	case KEXT_FIND_PRINT_DEPENDENTS:
		if (kext_find_dependents(it, &paths, &n, &err) != 0)
			command_failed(st, err.msg);
		else
			print_lines(paths, n, x->nul);
		free(paths);
		return;
	case KEXT_FIND_PRINT_MATCH_PROPERTY:
		if (kext_find_match_property_lines(it, x->arg, &lines, &n, &err) != 0) {
			command_failed(st, err.msg);
			return;
		}
		print_lines((const char *const *)lines, n, x->nul);
		for (size_t i = 0; i < n; i++)
			free(lines[i]);
		free(lines);
		return;
	case KEXT_FIND_PRINT_DIAGNOSTICS:
		/* As kextutil -t: the diagnostics, or a line saying there are none. */
		if (kext_find_diagnostics(it, &s, &err) != 0)
			command_failed(st, err.msg);
		else if (s[0] != '\0')
			fputs(s, stdout);
		else
			printf("%s: no diagnostics.\n", kext_bundle_path(it->bundle));
		return;
	default:
		act(x, it);
		return;
	}
}

static bool
run_command(void *arg, const struct kext_find_action *x, struct kext_find_item *it)
{
	struct run_state *st = arg;

	if (x->kind == KEXT_FIND_EXEC)
		return run_exec(st, x, it);
	print_command(st, x, it);
	return true;
}

static void
json_item(struct kext_find_item *it, bool first, bool kernel)
{
	const struct kext_bundle *b = it->bundle;
	const struct kmod_file *kf = kext_find_kmod(it);
	const char *s;

	printf("%s\n  {\"path\": ", first ? "" : ",");
	kext_json_string(stdout, kext_bundle_path(b));
	printf(", \"identifier\": ");
	if ((s = kext_bundle_identifier(b)) != NULL)
		kext_json_string(stdout, s);
	else
		printf("null");
	printf(", \"version\": ");
	if ((s = kext_bundle_version_string(b)) != NULL)
		kext_json_string(stdout, s);
	else
		printf("null");
	printf(", \"valid\": %s, \"authentic\": %s, \"loaded\": %s, \"library\": %s",
	    kext_bundle_is_valid(b) ? "true" : "false",
	    kext_find_is_authentic(it) ? "true" : "false",
	    !kernel ? "null" : kext_find_is_loaded(it) ? "true" : "false",
	    kext_bundle_is_library(b) ? "true" : "false");
	printf(", \"required\": ");
	if ((s = kext_bundle_required(b)) != NULL)
		kext_json_string(stdout, s);
	else
		printf("null");
	printf(", \"executable\": ");
	if ((s = kext_bundle_executable_path(b)) != NULL)
		kext_json_string(stdout, s);
	else
		printf("null");
	printf(", \"arch\": ");
	if (kf != NULL && kf->arch != NULL)
		kext_json_string(stdout, kf->arch);
	else
		printf("null");
	printf(", \"modules\": [");
	for (size_t i = 0, n = 0; kf != NULL && i < kf->num_records; i++) {
		if (kf->records[i].type != KMOD_MODULE)
			continue;
		printf(n++ ? ", " : "");
		kext_json_string(stdout, kf->records[i].u.module.name);
	}
	if (kf != NULL && kf->os == KMOD_OS_LINUX)
		kext_json_string(stdout, kf->lx.name);
	printf("]}");
}

static void
report_row(const struct kext_find_report *r, struct kext_find_item *it)
{
	for (size_t c = 0; c < kext_find_report_columns(r); c++) {
		char *v = kext_find_report_value(r, c, it);

		printf("%s%s", c ? "\t" : "", v != NULL ? v : "");
		free(v);
	}
	putchar('\n');
}

/*
 * The kernel, and its loaded set, when something asks (-json shows the loaded
 * state when it can); kernel_rc gets an exit status when an asker cannot have
 * it. *k stays open for the dependency questions.
 */
static bool
read_loaded(const struct args *a, struct kext_kernel **k, struct kext_loaded_set *set,
    int *kernel_rc)
{
	const char *why = kext_find_kernel_reason(a->query);
	kext_error err;

	if (why == NULL && a->report != NULL && kext_find_report_needs_kernel(a->report))
		why = "-report";
	*kernel_rc = 0;
	*k = NULL;
	if (why == NULL && !a->json)
		return false;
	if (kext_kernel_open(a->kernel, k, &err) != 0 || kext_loaded_read(*k, set, &err) != 0) {
		if (*k != NULL)
			kext_kernel_close(*k);
		*k = NULL;
		if (why != NULL) {
			fprintf(stderr, "kextfind: %s needs the kernel: %s\n", why, err.msg);
			*kernel_rc = EX_OSERR;
		}
		return false;
	}
	return true;
}

/* The kernel's ELF file for kextutil's symbol check, where it can be read (as kextutil -n). */
static const char *
kernel_file(struct kext_kernel *k, char *buf, size_t len)
{
	kext_error ignored;

	if (k == NULL || kext_kernel_bootfile(k, buf, len, &ignored) != 0 || buf[0] == '\0' ||
	    access(buf, R_OK) != 0)
		return NULL;
	return buf;
}

static void
header(const struct kext_find_report *r)
{
	for (size_t c = 0; c < kext_find_report_columns(r); c++)
		printf("%s%s", c ? "\t" : "", kext_find_report_title(r, c));
	putchar('\n');
}

static int
run(struct args *a)
{
	struct kext_repos *repos = NULL;
	const struct kext_candidate **cands = NULL;
	struct kext_loaded_set set = {0};
	struct kext_kernel *k = NULL;
	struct kext_find_context *ctx = NULL;
	struct run_state st = {0};
	char bootfile[1024];
	kext_error err;
	size_t n = 0, matches = 0;
	bool have_loaded = false;
	int rc;

	if ((rc = open_repositories(a, &repos)) != 0)
		goto out;
	have_loaded = read_loaded(a, &k, &set, &rc);
	if (rc != 0)
		goto out;
	if (kext_repos_all(repos, &cands, &n, &err) != 0 ||
	    kext_find_context_create(repos, k, have_loaded ? &set : NULL,
	    kernel_file(k, bootfile, sizeof(bootfile)), &ctx, &err) != 0) {
		fprintf(stderr, "kextfind: %s\n", err.msg);
		rc = EX_OSERR;
		goto out;
	}
	if (a->report != NULL && kext_find_report_header(a->report))
		header(a->report);
	if (a->json)
		printf("[");
	for (size_t i = 0; i < n; i++) {
		struct kext_find_item it = {.loaded = have_loaded ? &set : NULL, .ctx = ctx,
		    .authentic = -1, .loadable = -1};
		bool match;

		if (kext_repos_open(repos, cands[i], &it.bundle, &err) != 0) {
			fprintf(stderr, "kextfind: warning: %s\n", err.msg);
			continue;
		}
		if (kext_find_eval(a->query, &it, run_command, &st, &match, &err) != 0) {
			fprintf(stderr, "kextfind: %s\n", err.msg);
			rc = EX_OSERR;
		} else if (match && a->json) {
			json_item(&it, matches++ == 0, have_loaded);
		} else if (match && a->report != NULL) {
			report_row(a->report, &it);
			if (kext_find_take_error(&it, &err) != 0) {
				fprintf(stderr, "kextfind: %s\n", err.msg);
				rc = EX_OSERR;
			}
		} else if (match && !kext_find_has_commands(a->query)) {
			act(&(struct kext_find_action){.kind = KEXT_FIND_PRINT, .nul = a->def.nul}, &it);
		}
		kext_find_item_clear(&it);
	}
	if (a->json)
		printf("%s]\n", matches > 0 ? "\n" : "");
	if (rc == 0)
		rc = st.rc;
out:
	free(cands);
	kext_find_context_free(ctx);
	if (have_loaded)
		kext_loaded_free(&set);
	if (k != NULL)
		kext_kernel_close(k);
	if (repos != NULL)
		kext_repos_free(repos);
	return rc;
}

int
main(int argc, char **argv)
{
	struct args a = {0};
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	int n = 0, rc;

	if (args == NULL) {
		fprintf(stderr, "kextfind: out of memory\n");
		return EX_OSERR;
	}
	/* -json, ours, is taken wherever it stands; the rest keeps Apple's order. */
	for (int i = 0; i < argc; i++) {
		if (i > 0 && (strcmp(argv[i], "-json") == 0 || strcmp(argv[i], "--json") == 0))
			a.json = true;
		else
			args[n++] = argv[i];
	}
	if ((rc = parse_args(&a, n, args)) == 0)
		rc = run(&a);
	free(args);
	kext_find_query_free(a.query);
	kext_find_report_free(a.report);
	free(a.items);
	return rc < 0 ? EX_OK : rc;
}
