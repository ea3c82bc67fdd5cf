/*
 * kextstat: the kernel's loaded files as kexts, in Apple's columns, plus the
 * kld file and module names each row stands for.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kext/loaded.h"
#include "kext/strv.h"

static const char usage_text[] =
    "usage: kextstat [-l] [-k] [-b bundle_id]... [--json] [--kernel SPEC]\n"
    "       kextstat -m module [--kernel SPEC]\n"
    "  -b, --bundle-id ID   show only this kext (repeatable)\n"
    "  -k, --no-kernel      hide the kernel kext\n"
    "  -l, --list-only      no header line\n"
    "  -m, --module NAME    exit 0 if the kernel module NAME is present, 1 if not\n"
    "      --json           JSON instead of columns\n"
    "      --kernel SPEC    " KEXT_KERNEL_SPEC_HELP;

enum { OPT_JSON = 256, OPT_KERNEL };

static const struct option long_options[] = {
	{"bundle-id", required_argument, NULL, 'b'},
	{"no-kernel", no_argument, NULL, 'k'},
	{"list-only", no_argument, NULL, 'l'},
	{"module", required_argument, NULL, 'm'},
	{"json", no_argument, NULL, OPT_JSON},
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct options {
	const char **ids;
	size_t num_ids;
	const char *module, *kernel;
	bool no_kernel, list_only, json;
};

static bool
wanted(const struct options *o, const struct kext_loaded_entry *l)
{
	if (o->num_ids == 0)
		return !(o->no_kernel && l->fileid == 1);
	for (size_t i = 0; i < o->num_ids; i++)
		if (l->identifier != NULL && strcmp(l->identifier, o->ids[i]) == 0)
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

static void
print_row(const struct kext_loaded_entry *l)
{
	printf("%5d %4zu", l->fileid, l->num_dependents);
	print_hex(18, l->address);
	print_hex(10, l->size);
	print_hex(10, l->size);
	if (l->identifier != NULL)
		printf(" %s (%s)", l->identifier, l->version ? l->version : "?");
	else
		printf(" %s (-)", l->file_name);
	printf(" no UUID");
	if (l->num_linked > 0) {
		printf(" <");
		for (size_t i = 0; i < l->num_linked; i++)
			printf(i ? " %d" : "%d", l->linked[i]);
		printf(">");
	}
	printf(" [%s", l->file_name);
	print_modules(l);
	printf("]\n");
}

static void
json_string(const char *s)
{
	putchar('"');
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
json_string_or_null(const char *s)
{
	if (s != NULL)
		json_string(s);
	else
		printf("null");
}

static void
print_json(const struct kext_loaded_entry *l, bool first)
{
	printf("%s\n  {\"index\": %d, \"refs\": %zu, \"kld_refs\": %d, \"address\": %" PRIu64
	    ", \"size\": %" PRIu64 ", \"wired\": %" PRIu64 ", \"identifier\": ", first ? "" : ",",
	    l->fileid, l->num_dependents, l->refs, l->address, l->size, l->size);
	json_string_or_null(l->identifier);
	printf(", \"version\": ");
	json_string_or_null(l->version);
	printf(", \"file\": ");
	json_string(l->file_name);
	printf(", \"pathname\": ");
	json_string(l->pathname);
	printf(", \"bundle\": ");
	json_string_or_null(l->bundle_path);
	printf(", \"modules\": [");
	for (size_t m = 0; m < l->num_modules; m++) {
		printf(m ? ", " : "");
		json_string(l->modules[m]);
	}
	printf("], \"linked_against\": [");
	for (size_t i = 0; i < l->num_linked; i++)
		printf(i ? ", %d" : "%d", l->linked[i]);
	printf("]}");
}

static int
parse_args(struct options *o, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "b:klm:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (kext_strv_push(&o->ids, &o->num_ids, optarg) != 0)
				return EX_OSERR;
			break;
		case 'k': o->no_kernel = true; break;
		case 'l': o->list_only = true; break;
		case 'm': o->module = optarg; break;
		case OPT_JSON: o->json = true; break;
		case OPT_KERNEL: o->kernel = optarg; break;
		case 'h': fputs(usage_text, stdout); exit(EX_OK);
		default: fputs(usage_text, stderr); return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kextstat: extra arguments starting at %s\n%s", argv[optind],
		    usage_text);
		return EX_USAGE;
	}
	return 0;
}

static int
list(const struct options *o, struct kext_kernel *k)
{
	struct kext_loaded_set set;
	kext_error err;
	bool first = true;

	if (kext_loaded_read(k, &set, &err) != 0) {
		fprintf(stderr, "kextstat: couldn't get the list of loaded kexts from the kernel: %s\n",
		    err.msg);
		return EX_OSERR;
	}
	if (o->json)
		printf("[");
	else if (!o->list_only)
		printf("Index Refs Address            Size       Wired      "
		    "Name (Version) UUID <Linked Against> [File: Modules]\n");
	for (size_t i = 0; i < set.n; i++) {
		if (!wanted(o, &set.items[i]))
			continue;
		if (o->json)
			print_json(&set.items[i], first);
		else
			print_row(&set.items[i]);
		first = false;
	}
	if (o->json)
		printf("\n]\n");
	kext_loaded_free(&set);
	return EX_OK;
}

int
main(int argc, char **argv)
{
	struct options o = {0};
	struct kext_kernel *k;
	kext_error err;
	int rc, modid;

	if ((rc = parse_args(&o, argc, argv)) != 0)
		goto out;
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
	return rc;
}
