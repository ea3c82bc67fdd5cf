/*
 * kextstat: the kernel's loaded files as kexts, in Apple's columns (the
 * format of printKextInfo in Apple's kextstat_main.c), so scripts written for
 * Apple's output parse ours; the kld file and module names each row stands
 * for are added with -files and are always in -json.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kext/bundle.h"
#include "kext/cache_dir.h"
#include "kext/cli.h"
#include "kext/json.h"
#include "kext/kernel.h"
#include "kext/load_record.h"
#include "kext/loaded.h"
#include "kext/strv.h"

static const char usage_text[] =
    "usage: kextstat [-a] [-k] [-l] [-s] [-files] [-b bundle_id]... [-json] [-kernel SPEC]\n"
    "       kextstat -m module [-kernel SPEC]\n"
    "  -a, -arch            add each kext's architecture column\n"
    "  -b, -bundle-id ID    show only this kext (repeatable)\n"
    "  -k, -no-kernel       hide the kernel kext\n"
    "  -l, -list-only       no header line\n"
    "  -s, -sort            sort by load address\n"
    "  -m, -module NAME     exit 0 if the kernel module NAME is present, 1 if not\n"
    "      -files           add the kld file and module names to each row\n"
    "      -json            JSON instead of columns\n"
    "      -kernel SPEC     " KEXT_KERNEL_SPEC_HELP
    "      -version, -help  (long options take one dash or two)\n";

/*
 * FreeBSD modules carry no UUID (no Mach-O LC_UUID, no build-id note in
 * FreeBSD's .ko files); Apple prints the two words "no UUID" there, which
 * shifts every later column for awk, so the column is one "-".
 */
#define NO_UUID "-"

struct options {
	const char **ids;
	size_t num_ids;
	const char *module, *kernel;
	bool no_kernel, list_only, json, arch, sort, files;
};

/*
 * One row: a loaded file and the kext it is. kextload's record names the kext
 * as it was loaded, even when its bundle has since been rewritten, moved or
 * deleted; a file loaded otherwise is named from the bundle around it.
 */
struct row {
	const struct kext_loaded_entry *l;
	const char *identifier, *version;
	const struct kext_load_record *rec;
	bool bundle_missing;	/* named from the record only */
};

static struct row
make_row(const struct kext_loaded_entry *l, const struct kext_load_records *records)
{
	struct row r = {.l = l, .identifier = l->identifier, .version = l->version,
	    .rec = kext_load_record_by_fileid(records, l->fileid)};

	/* What was loaded, not what the bundle on disk says now. */
	if (r.rec != NULL) {
		r.identifier = r.rec->identifier;
		r.version = r.rec->version;
		r.bundle_missing = l->identifier == NULL || l->bundle_gone;
	}
	return r;
}

static bool
wanted(const struct options *o, const struct row *r)
{
	if (o->num_ids == 0)
		return !(o->no_kernel && r->l->fileid == 1);
	for (size_t i = 0; i < o->num_ids; i++)
		if (r->identifier != NULL && strcmp(r->identifier, o->ids[i]) == 0)
			return true;
	return false;
}

/* Apple's %#x prints 0 as "0"; keep that so scripts parse our rows alike. */
static void
print_hex(int width, uint64_t v)
{
	char buf[32];

	if (v == 0)
		snprintf(buf, sizeof(buf), "0");
	else
		snprintf(buf, sizeof(buf), "%#" PRIx64, v);
	printf(" %-*s", width, buf);
}

/*
 * The kernel registers every module compiled into it (135 on a GENERIC
 * 12.1); the row counts them and --json or -m names them, so one row stays
 * one readable line.
 */
static void
print_modules(const struct kext_loaded_entry *l)
{
	if (l->fileid == 1 && strcmp(l->file_name, "kernel") == 0) {
		if (l->num_modules > 0)
			printf(": %zu built-in module%s", l->num_modules,
			    l->num_modules == 1 ? "" : "s");
		return;
	}
	for (size_t m = 0; m < l->num_modules; m++)
		printf(m ? ", %s" : ": %s", l->modules[m]);
}

static const char *
arch_of(const struct kext_loaded_entry *l)
{
	return l->kf != NULL && l->kf->arch != NULL ? l->kf->arch : "?";
}

static void
print_row(const struct options *o, const struct row *r)
{
	const struct kext_loaded_entry *l = r->l;

	printf("%5d %4zu", l->fileid, l->num_dependents);
	print_hex(18, l->address);
	print_hex(10, l->size);
	print_hex(10, l->size);
	if (o->arch)
		printf(" %-18s", l->fileid == 1 && l->kf == NULL ? "-" : arch_of(l));
	if (r->identifier != NULL)
		printf(" %s (%s)", r->identifier, r->version ? r->version : "?");
	else
		printf(" %s (-)", l->file_name);
	printf(" " NO_UUID);
	if (l->num_linked > 0) {
		printf(" <");
		for (size_t i = 0; i < l->num_linked; i++)
			printf(i ? " %d" : "%d", l->linked[i]);
		printf(">");
	}
	if (o->files) {
		printf(" [%s", l->file_name);
		print_modules(l);
		printf("]");
	}
	printf("\n");
}

static void
json_string_or_null(const char *s)
{
	if (s != NULL)
		kext_json_string(stdout, s);
	else
		printf("null");
}

/* Addresses are hex strings: 64-bit kernel addresses lose precision as JSON numbers. */
static void
print_json(const struct row *r, bool first)
{
	const struct kext_loaded_entry *l = r->l;

	printf("%s\n  {\"index\": %d, \"refs\": %zu, \"kld_refs\": %d, \"address\": \"%#" PRIx64
	    "\", \"size\": %" PRIu64 ", \"wired\": %" PRIu64 ", \"identifier\": ", first ? "" : ",",
	    l->fileid, l->num_dependents, l->refs, l->address, l->size, l->size);
	json_string_or_null(r->identifier);
	printf(", \"version\": ");
	json_string_or_null(r->version);
	printf(", \"uuid\": null, \"arch\": ");
	json_string_or_null(l->kf != NULL ? l->kf->arch : NULL);
	printf(", \"file\": ");
	kext_json_string(stdout, l->file_name);
	printf(", \"pathname\": ");
	kext_json_string(stdout, l->pathname);
	printf(", \"bundle\": ");
	json_string_or_null(l->bundle_path);
	printf(", \"loaded_from_bundle\": ");
	json_string_or_null(r->rec != NULL ? r->rec->bundle_path : NULL);
	printf(", \"bundle_missing\": %s, \"loaded_at\": ", r->bundle_missing ? "true" : "false");
	if (r->rec != NULL)
		printf("%lld", (long long)r->rec->when);
	else
		printf("null");
	printf(", \"modules\": [");
	for (size_t m = 0; m < l->num_modules; m++) {
		printf(m ? ", " : "");
		kext_json_string(stdout, l->modules[m]);
	}
	printf("], \"linked_against\": [");
	for (size_t i = 0; i < l->num_linked; i++)
		printf(i ? ", %d" : "%d", l->linked[i]);
	printf("]}");
}

static int
take_option(struct options *o, int key, const char *arg)
{
	switch (key) {
	case KEXT_OPT_BUNDLE_ID: return kext_strv_push(&o->ids, &o->num_ids, arg);
	case KEXT_OPT_NO_KERNEL: o->no_kernel = true; break;
	case KEXT_OPT_LIST_ONLY: o->list_only = true; break;
	case KEXT_OPT_ARCH_COLUMN: o->arch = true; break;
	case KEXT_OPT_SORT: o->sort = true; break;
	case KEXT_OPT_MODULE: o->module = arg; break;
	case KEXT_OPT_JSON: o->json = true; break;
	case KEXT_OPT_FILES: o->files = true; break;
	case KEXT_OPT_KERNEL: o->kernel = arg; break;
	default: break;
	}
	return 0;
}

/* 0 to go on, -1 when done (help, version), else an exit status. */
static int
parse_args(struct options *o, int argc, char **argv)
{
	struct kext_cli *cli;
	const char *arg;
	kext_error err;
	int key, rc = 0;

	if (kext_cli_open(KEXT_TOOL_KEXTSTAT, &cli, &err) != 0) {
		fprintf(stderr, "kextstat: %s\n", err.msg);
		return EX_OSERR;
	}
	while (rc == 0 && (key = kext_cli_next(cli, argc, argv, &arg, &err)) != KEXT_OPT_END) {
		if (key == KEXT_OPT_ERROR) {
			fprintf(stderr, "kextstat: %s\n%s", err.msg, usage_text);
			rc = EX_USAGE;
		} else if (key == KEXT_OPT_HELP) {
			fputs(usage_text, stdout);
			rc = -1;
		} else if (key == KEXT_OPT_VERSION) {
			printf("kextstat (kext tools for FreeBSD) %s\n", KEXT_TOOLS_VERSION);
			rc = -1;
		} else if (take_option(o, key, arg) != 0) {
			fprintf(stderr, "kextstat: out of memory\n");
			rc = EX_OSERR;
		}
	}
	kext_cli_close(cli);
	if (rc == 0 && optind < argc) {
		fprintf(stderr, "kextstat: extra arguments starting at %s\n%s", argv[optind],
		    usage_text);
		rc = EX_USAGE;
	}
	if (rc == 0 && kext_kernel_spec_check(o->kernel, &err) != 0) {
		fprintf(stderr, "kextstat: %s\n", err.msg);
		rc = EX_USAGE;
	}
	return rc;
}

static int
by_address(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->l->address < y->l->address ? -1 : x->l->address > y->l->address ? 1 :
	    x->l->fileid - y->l->fileid;
}

/* Said on stderr, so the columns stay what Apple's scripts parse. */
static void
note_missing(const struct row *r)
{
	fprintf(stderr, "kextstat: %s (id %d) was loaded from %s, which is no longer there "
	    "(moved or deleted); named from kextload's record\n", r->identifier, r->l->fileid,
	    r->rec->bundle_path[0] != '\0' ? r->rec->bundle_path : r->rec->path);
}

static int
list(const struct options *o, struct kext_kernel *k)
{
	struct kext_loaded_set set;
	struct kext_load_records records = {0};
	struct row *rows;
	kext_error err;
	size_t n = 0;

	if (kext_loaded_read(k, &set, &err) != 0) {
		fprintf(stderr, "kextstat: couldn't get the list of loaded kexts from the kernel: %s\n",
		    err.msg);
		return EX_OSERR;
	}
	if (kext_load_record_read(k, &records, &err) != 0)
		fprintf(stderr, "kextstat: warning: %s\n", err.msg);
	if ((rows = calloc(set.n + 1, sizeof(*rows))) == NULL) {
		kext_loaded_free(&set);
		kext_load_records_free(&records);
		fprintf(stderr, "kextstat: out of memory\n");
		return EX_OSERR;
	}
	for (size_t i = 0; i < set.n; i++) {
		rows[n] = make_row(&set.items[i], &records);
		if (wanted(o, &rows[n]))
			n++;
	}
	if (o->sort)
		qsort(rows, n, sizeof(*rows), by_address);
	if (o->json)
		printf("[");
	else if (!o->list_only)
		printf("Index Refs Address            Size       Wired      %sName (Version) UUID "
		    "<Linked Against>%s\n", o->arch ? "Architecture       " : "",
		    o->files ? " [File: Modules]" : "");
	for (size_t i = 0; i < n; i++) {
		if (o->json)
			print_json(&rows[i], i == 0);
		else
			print_row(o, &rows[i]);
		if (rows[i].bundle_missing)
			note_missing(&rows[i]);
	}
	if (o->json)
		printf("\n]\n");
	free(rows);
	kext_load_records_free(&records);
	kext_loaded_free(&set);
	return EX_OK;
}

int
main(int argc, char **argv)
{
	struct options o = {0};
	struct kext_kernel *k;
	kext_error err;
	char *cache_dir;
	int rc, modid;

	if ((rc = parse_args(&o, argc, argv)) != 0)
		goto out;
	/* bundles named by loaded files: their Info.plists as parsed before */
	cache_dir = kext_cache_dir();
	kext_bundle_cache_info_plists(cache_dir);
	free(cache_dir);
	if (kext_kernel_open(o.kernel, &k, &err) != 0) {
		fprintf(stderr, "kextstat: %s\n", err.msg);
		rc = EX_OSERR;
		goto out;
	}
	if (o.module != NULL) {
		rc = kext_kernel_find_module(k, o.module, &modid, &err) == 0 ? EX_OK : 1;
		if (rc != EX_OK && err.code != ENOENT) {
			fprintf(stderr, "kextstat: %s\n", err.msg);
			rc = EX_OSERR;
		}
	} else
		rc = list(&o, k);
	kext_kernel_close(k);
out:
	free(o.ids);
	return rc < 0 ? EX_OK : rc;
}
