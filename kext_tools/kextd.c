/*
 * kextd: find the kext for every device that has no driver and load it.
 * Devices come from a saved listing (--devices), else from the running
 * system: FreeBSD's `devinfo -v` (what devmatch(8) reads through
 * libdevinfo), Linux's /sys/bus/<bus>/devices/<dev>/modalias. The matching
 * and the order among candidates are the engine's (kext/match.h); each chosen
 * kext is loaded with its dependencies, transactionally, as kextload does.
 * --daemon then does the same for every device that arrives: devd(8)'s
 * nomatch events on its seqpacket socket (FreeBSD, or --devd-socket), the
 * kernel's uevents on a NETLINK_KOBJECT_UEVENT socket (Linux).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/netlink.h>
#endif

#include "kext/file_read.h"
#include "kext/json.h"
#include "kext/load.h"
#include "kext/load_record.h"
#include "kext/match.h"
#include "kext/strv.h"

#define DEVD_SOCKET	"/var/run/devd.seqpacket.pipe"

static const char usage[] =
    "usage: kextd [-n] [--json] [-v] [-q] [-e] [-z] [-r repository]... [--devices FILE]\n"
    "             [--sysfs DIR] [--kernel SPEC] [--daemon [--devd-socket PATH]]\n"
    "  -n, --no-load             print the decisions only; load nothing\n"
    "      --json                print the decisions as JSON\n"
    "      --devices FILE        devices from FILE: devinfo -v output or modalias lines\n"
    "      --sysfs DIR           Linux: read devices from DIR (default /sys)\n"
    "  -r, --repository DIR      look for kexts in DIR too\n"
    "  -e, --no-system-extensions  do not look in " KEXT_SYSTEM_EXTENSIONS "\n"
    "  -v, --verbose             also list devices no kext matches, and notes\n"
    "  -q, --quiet               print errors only\n"
    "  -z, --no-authentication   skip the ownership checks (with -n, or the sim kernel)\n"
    "      --daemon              then serve every device that arrives, until the event\n"
    "                            source closes (devd's socket; Linux kernel uevents)\n"
    "      --devd-socket PATH    devd(8) events from PATH (default " DEVD_SOCKET ")\n"
    "      --kernel SPEC         " KEXT_KERNEL_SPEC_HELP;

enum { OPT_JSON = 256, OPT_DEVICES, OPT_SYSFS, OPT_KERNEL, OPT_DAEMON, OPT_DEVD };

static const struct option long_options[] = {
	{"no-load", no_argument, NULL, 'n'},
	{"json", no_argument, NULL, OPT_JSON},
	{"devices", required_argument, NULL, OPT_DEVICES},
	{"sysfs", required_argument, NULL, OPT_SYSFS},
	{"repository", required_argument, NULL, 'r'},
	{"no-system-extensions", no_argument, NULL, 'e'},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"no-authentication", no_argument, NULL, 'z'},
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"daemon", no_argument, NULL, OPT_DAEMON},
	{"devd-socket", required_argument, NULL, OPT_DEVD},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct args {
	const char *devices, *sysfs, *kernel, *devd_socket;
	const char **dirs;
	size_t num_dirs;
	bool no_load, json, no_system, verbose, quiet, no_auth, daemon;
};

/* What was decided for one device. */
struct decision {
	struct kext_device *dev;
	struct kext_match_result r;
	const char *action;	/* "none", "would load", "loaded", "failed" */
	char *error;
};

static int
parse_args(struct args *a, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "nr:evqzh", long_options, NULL)) != -1) {
		switch (c) {
		case 'n': a->no_load = true; break;
		case OPT_JSON: a->json = true; break;
		case OPT_DEVICES: a->devices = optarg; break;
		case OPT_SYSFS: a->sysfs = optarg; break;
		case 'r':
			if (kext_strv_push(&a->dirs, &a->num_dirs, optarg) != 0) {
				fputs("kextd: out of memory\n", stderr);
				return EX_OSERR;
			}
			break;
		case 'e': a->no_system = true; break;
		case 'v': a->verbose = true; break;
		case 'q': a->quiet = true; break;
		case 'z': a->no_auth = true; break;
		case OPT_KERNEL: a->kernel = optarg; break;
		case OPT_DAEMON: a->daemon = true; break;
		case OPT_DEVD: a->devd_socket = optarg; break;
		case 'h': fputs(usage, stdout); exit(EX_OK);
		default: fputs(usage, stderr); return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kextd: unexpected argument '%s'\n%s", argv[optind], usage);
		return EX_USAGE;
	}
	if (a->devd_socket != NULL && !a->daemon) {
		fprintf(stderr, "kextd: --devd-socket goes with --daemon\n%s", usage);
		return EX_USAGE;
	}
	if (a->devices != NULL && a->sysfs != NULL) {
		fprintf(stderr, "kextd: --devices and --sysfs are two device sources; give one\n");
		return EX_USAGE;
	}
	return 0;
}

/* Same rule as kextload: -z only where nothing reaches a real kernel. */
static int
check_no_auth(const struct args *a)
{
	const char *spec = a->kernel != NULL ? a->kernel : getenv("KEXT_KERNEL");

	if (a->no_auth && !a->no_load && (spec == NULL || strncmp(spec, "sim:", 4) != 0)) {
		fprintf(stderr, "kextd: -z (--no-authentication) is refused when loading into "
		    "a real kernel (%s); it is allowed with the sim kernel or with -n\n",
		    spec != NULL && spec[0] != '\0' ? spec : "the host's");
		return EX_USAGE;
	}
	return 0;
}

static int
read_devices(const struct args *a, struct kext_devices *d, kext_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if (a->devices != NULL) {
		if (kext_file_read_all(a->devices, KEXT_DEVICES_MAX_BYTES, "a device listing",
		    &buf, &len, err) != 0)
			return -1;
		rc = kext_devices_parse((const char *)buf, len, a->devices, d, err);
		free(buf);
		return rc;
	}
#ifdef __FreeBSD__
	if (a->sysfs == NULL) {
		/* devinfo -v shows every device with its pnpinfo, unattached ones as "unknown" */
		FILE *p = popen("/usr/sbin/devinfo -v", "r");
		char chunk[65536];
		size_t n;

		if (p == NULL)
			return kext_fail(err, errno, "devinfo -v: %s", strerror(errno));
		while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
			uint8_t *grown = realloc(buf, len + n);

			if (grown == NULL || len + n > KEXT_DEVICES_MAX_BYTES) {
				free(grown != NULL ? grown : buf);
				pclose(p);
				return kext_fail(err, ENOMEM, "devinfo -v: output too large");
			}
			buf = grown;
			memcpy(buf + len, chunk, n);
			len += n;
		}
		if (pclose(p) != 0) {
			free(buf);
			return kext_fail(err, EIO, "devinfo -v failed");
		}
		rc = kext_devices_parse(buf != NULL ? (const char *)buf : "", len, "devinfo -v",
		    d, err);
		free(buf);
		return rc;
	}
#endif
	return kext_devices_scan_sysfs(a->sysfs != NULL ? a->sysfs : "/sys", d, err);
}

/* Every valid kext of the repositories, opened. */
static int
open_kexts(const struct args *a, struct kext_repos **repos, struct kext_bundle ***out,
    size_t *n, kext_error *err)
{
	const struct kext_candidate **all;
	size_t count;
	struct stat st;

	*out = NULL;
	*n = 0;
	if (kext_repos_create(repos, err) != 0)
		return -1;
	kext_bundle_cache_info_plists(kext_repos_cache_dir(*repos));
	if (!a->no_system && stat(KEXT_SYSTEM_EXTENSIONS, &st) == 0 &&
	    kext_repos_add_directory(*repos, KEXT_SYSTEM_EXTENSIONS, KEXT_REPO_SYSTEM, err) != 0)
		return -1;
	for (size_t i = 0; i < a->num_dirs; i++)
		if (kext_repos_add_directory(*repos, a->dirs[i], KEXT_REPO_DIRECTORY, err) != 0)
			return -1;
	if (kext_repos_all(*repos, &all, &count, err) != 0)
		return -1;
	if ((*out = calloc(count + 1, sizeof(**out))) == NULL) {
		free(all);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < count; i++) {
		struct kext_bundle *b = NULL;
		kext_error e;
		bool opened = kext_repos_open(*repos, all[i], &b, &e) == 0;

		if (opened && kext_bundle_is_valid(b))
			(*out)[(*n)++] = b;
		else if (a->verbose && !a->quiet && !a->json)
			fprintf(stderr, "kextd: %s: skipped: %s\n", all[i]->bundle_path,
			    opened ? "not a valid kext" : e.msg);
	}
	free(all);
	return 0;
}

static void
describe(const struct kext_device *d, char *buf, size_t len)
{
	if (d->modalias != NULL)
		snprintf(buf, len, "%s%s%s", d->name, d->name[0] ? " " : "", d->modalias);
	else
		snprintf(buf, len, "%s on %s pnpinfo %s", d->name[0] ? d->name : "unknown",
		    d->parent[0] ? d->parent : d->bus, d->pnpinfo);
}

static void
print_text(const struct args *a, const struct decision *dec, size_t n)
{
	for (size_t i = 0; i < n && !a->quiet; i++) {
		const struct kext_match_result *r = &dec[i].r;
		char what[512];

		describe(dec[i].dev, what, sizeof(what));
		if (r->n == 0) {
			if (a->verbose)
				printf("%s: no kext matches\n", what);
			continue;
		}
		printf("%s: %s %s (personality \"%s\", %s, IOProbeScore %lld, specificity %d)\n",
		    what, dec[i].action, r->m[0].identifier, r->m[0].personality, r->m[0].rule,
		    r->m[0].probe_score, r->m[0].specificity);
		for (size_t k = 1; k < r->n; k++)
			printf("  overlap: %s also matches (personality \"%s\", IOProbeScore %lld, "
			    "specificity %d)\n", r->m[k].identifier, r->m[k].personality,
			    r->m[k].probe_score, r->m[k].specificity);
		for (size_t k = 0; a->verbose && k < r->num_notes; k++)
			printf("  note: %s\n", r->notes[k]);
	}
}

static void
print_json(const struct decision *dec, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		const struct kext_device *d = dec[i].dev;
		const struct kext_match_result *r = &dec[i].r;

		printf("%s\n  {\"device\": ", i ? "," : "");
		kext_json_string(stdout, d->name);
		printf(", \"bus\": ");
		kext_json_string(stdout, d->bus);
		printf(", \"pnpinfo\": ");
		kext_json_string(stdout, d->pnpinfo);
		if (d->modalias != NULL) {
			printf(", \"modalias\": ");
			kext_json_string(stdout, d->modalias);
		}
		if (d->line > 0)
			printf(", \"line\": %d", d->line);
		printf(", \"chosen\": ");
		if (r->n > 0)
			kext_json_string(stdout, r->m[0].identifier);
		else
			printf("null");
		printf(", \"overlap\": %s, \"action\": ", r->n > 1 ? "true" : "false");
		kext_json_string(stdout, dec[i].action);
		if (dec[i].error != NULL) {
			printf(", \"error\": ");
			kext_json_string(stdout, dec[i].error);
		}
		printf(",\n   \"candidates\": [");
		for (size_t k = 0; k < r->n; k++) {
			printf("%s{\"identifier\": ", k ? ", " : "");
			kext_json_string(stdout, r->m[k].identifier);
			printf(", \"bundle\": ");
			kext_json_string(stdout, r->m[k].bundle_path);
			printf(", \"personality\": ");
			kext_json_string(stdout, r->m[k].personality);
			printf(", \"rule\": ");
			kext_json_string(stdout, r->m[k].rule);
			printf(", \"probe_score\": %lld, \"specificity\": %d}", r->m[k].probe_score,
			    r->m[k].specificity);
		}
		printf("], \"notes\": [");
		for (size_t k = 0; k < r->num_notes; k++) {
			printf("%s", k ? ", " : "");
			kext_json_string(stdout, r->notes[k]);
		}
		printf("]}");
	}
	printf("\n]\n");
}

/*
 * Loads the chosen kext of every decision, each with its dependencies and
 * transactionally; a kext chosen for several devices is loaded once.
 */
static int
load_all(const struct args *a, struct kext_kernel *k, struct kext_repos *repos,
    struct decision *dec, size_t n)
{
	int rc = EX_OK;

	for (size_t i = 0; i < n; i++) {
		struct kext_load_result result = { 0 };
		struct kext_load_request req = { 0 };
		const char *id;
		kext_error err;
		bool again = false;

		if (dec[i].r.n == 0)
			continue;
		id = dec[i].r.m[0].identifier;
		for (size_t j = 0; j < i && !again; j++)
			if (dec[j].r.n > 0 && strcmp(dec[j].r.m[0].identifier, id) == 0) {
				dec[i].action = dec[j].action;
				again = true;
			}
		if (again)
			continue;
		req.identifiers = &id;
		req.num_identifiers = 1;
		req.authenticate = !a->no_auth;
		if (kext_load(k, repos, &req, &result, &err) != 0) {
			dec[i].action = "failed";
			dec[i].error = strdup(err.msg);
			fprintf(stderr, "kextd: %s: %s\n", id, err.msg);
			rc = EX_OSERR;
		} else {
			dec[i].action = "loaded";
			/* As kextload does: the kext keeps its identity if its bundle moves. */
			if (kext_load_record_add(k, &result, &err) != 0)
				fprintf(stderr, "kextd: warning: %s\n", err.msg);
		}
		kext_load_result_free(&result);
	}
	return rc;
}

/* What every pass shares: the options, the kexts and the kernel. */
struct ctx {
	const struct args *a;
	struct kext_repos *repos;
	struct kext_bundle **kexts;
	size_t nk;
	struct kext_kernel *k;	/* NULL with -n */
};

/* Decides for every device of devs that needs a driver, loads, prints. */
static int
serve(const struct ctx *c, struct kext_devices *devs)
{
	struct decision *dec = calloc(devs->n + 1, sizeof(*dec));
	size_t nd = 0;
	kext_error err;
	int rc = EX_OK;

	if (dec == NULL) {
		fputs("kextd: out of memory\n", stderr);
		return EX_OSERR;
	}
	for (size_t i = 0; i < devs->n; i++) {
		if (!kext_device_needs_driver(&devs->items[i]))
			continue;
		dec[nd].dev = &devs->items[i];
		if (kext_match_device(&devs->items[i], c->kexts, c->nk, &dec[nd].r, &err) != 0) {
			fprintf(stderr, "kextd: %s\n", err.msg);
			rc = EX_OSERR;
			goto out;
		}
		dec[nd].action = dec[nd].r.n == 0 ? "none" : "would load";
		nd++;
	}
	if (c->k != NULL)
		rc = load_all(c->a, c->k, c->repos, dec, nd);
	if (c->a->json)
		print_json(dec, nd);
	else
		print_text(c->a, dec, nd);
	fflush(stdout);
out:
	for (size_t i = 0; i < nd; i++) {
		kext_match_result_free(&dec[i].r);
		free(dec[i].error);
	}
	free(dec);
	return rc;
}

/* The event source: devd's seqpacket socket, else (Linux) the kernel's uevents. */
static int
open_events(const struct args *a, bool *devd, kext_error *err)
{
	const char *path = a->devd_socket;
	int fd;

#ifdef __linux__
	if (path == NULL) {
		struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_groups = 1 };

		*devd = false;
		fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
		if (fd < 0 || bind(fd, (struct sockaddr *)&nl, sizeof(nl)) != 0) {
			kext_fail(err, errno, "kernel uevents (netlink): %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		return fd;
	}
#endif
	if (path == NULL)
		path = DEVD_SOCKET;
	*devd = true;
	{
		struct sockaddr_un un = { .sun_family = AF_UNIX };

		if (strlen(path) >= sizeof(un.sun_path))
			return kext_fail(err, ENAMETOOLONG, "%s: path too long for a socket", path);
		strcpy(un.sun_path, path);
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&un, sizeof(un)) != 0) {
			kext_fail(err, errno, "%s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
	}
	return fd;
}

/* Serves every device that arrives, until the source closes. */
static int
daemon_loop(const struct ctx *c)
{
	static char buf[16384];
	kext_error err;
	bool devd;
	int fd = open_events(c->a, &devd, &err), rc = EX_OK;

	if (fd < 0) {
		fprintf(stderr, "kextd: %s\n", err.msg);
		return EX_UNAVAILABLE;
	}
	if (c->a->verbose && !c->a->quiet)
		fprintf(stderr, "kextd: waiting for devices (%s)\n", devd ?
		    (c->a->devd_socket != NULL ? c->a->devd_socket : DEVD_SOCKET) : "kernel uevents");
	for (;;) {
		struct kext_devices devs = { 0 };
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "kextd: reading events: %s\n", strerror(errno));
			rc = EX_IOERR;
			break;
		}
		if (n == 0) {
			if (c->a->verbose && !c->a->quiet)
				fprintf(stderr, "kextd: the event source closed; exiting\n");
			break;
		}
		if (devd) {
			/* one message may hold several lines */
			for (const char *p = buf, *end = buf + n; p < end;) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

				if (kext_device_from_devd(p, len, &devs, &err) < 0)
					fprintf(stderr, "kextd: %s\n", err.msg);
				p += len + 1;
			}
		} else if (kext_device_from_uevent(buf, (size_t)n, &devs, &err) < 0) {
			fprintf(stderr, "kextd: %s\n", err.msg);
		}
		if (devs.n > 0 && serve(c, &devs) != EX_OK)
			rc = EX_OSERR;	/* reported; the daemon goes on */
		kext_devices_free(&devs);
	}
	close(fd);
	return rc;
}

static int
run(const struct args *a)
{
	struct ctx c = { .a = a };
	struct kext_devices devs = { 0 };
	kext_error err;
	int rc;

	if (read_devices(a, &devs, &err) != 0) {
		fprintf(stderr, "kextd: %s\n", err.msg);
		return EX_DATAERR;
	}
	if (open_kexts(a, &c.repos, &c.kexts, &c.nk, &err) != 0) {
		fprintf(stderr, "kextd: %s\n", err.msg);
		rc = EX_OSERR;
		goto out;
	}
	if (!a->no_load && kext_kernel_open(a->kernel, &c.k, &err) != 0) {
		fprintf(stderr, "kextd: %s\n", err.msg);
		rc = EX_OSERR;
		goto out;
	}
	rc = serve(&c, &devs);
	if (a->daemon) {
		int drc = daemon_loop(&c);

		rc = rc != EX_OK ? rc : drc;
	}
out:
	free(c.kexts);
	if (c.k != NULL)
		kext_kernel_close(c.k);
	if (c.repos != NULL)
		kext_repos_free(c.repos);
	kext_devices_free(&devs);
	return rc;
}

int
main(int argc, char **argv)
{
	struct args a = { 0 };
	int rc;

	if ((rc = parse_args(&a, argc, argv)) == 0 && (rc = check_no_auth(&a)) == 0)
		rc = run(&a);
	free(a.dirs);
	return rc;
}
