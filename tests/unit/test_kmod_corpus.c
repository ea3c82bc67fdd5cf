/*
 * Oracle test of the ELF metadata reader on real FreeBSD modules:
 * - every .ko of FreeBSD 10.1 amd64 parses, and its MODULE, VERSION and PNP
 *   records equal, in order, the records FreeBSD's own kldxref wrote for that
 *   file into the folder's linker.hints (10.1's kldxref kept set order);
 * - exactly the expected files have no metadata at all;
 * - the .ko members of the 14.2 virtualbox-ose-kmod package (read with
 *   libarchive) decode to the facts of spec freebsd-kld.md §8.
 * Skips, saying why, when $KEXT_CORPUS is absent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

#include "kext/hints.h"
#include "kext/kmod.h"

#define FREEBSD_10_1	"freebsd-10.1-amd64"
#define VBOX_PKG	"freebsd-14.2-amd64/virtualbox-ose-kmod-6.1.50.pkg"

/* Path of a corpus item, or NULL (after saying why) when it is not there. */
static char *
corpus_path(const char *item)
{
	const char *dir = getenv("KEXT_CORPUS");
	struct stat st;
	char *p;

	if (dir == NULL || *dir == '\0') {
		print_message("SKIP: KEXT_CORPUS is not set (tests/run1.sh sets it to "
		    "../shared/corpus)\n");
		return NULL;
	}
	p = malloc(strlen(dir) + strlen(item) + 2);
	assert_non_null(p);
	sprintf(p, "%s/%s", dir, item);
	if (stat(p, &st) != 0) {
		print_message("SKIP: corpus item %s is absent\n", p);
		free(p);
		return NULL;
	}
	return p;
}

static int
is_ko(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 3 && strcmp(d->d_name + n - 3, ".ko") == 0;
}

/* Compares one module's MODULE/VERSION/PNP records with its hints records. */
static void
compare_with_hints(const struct kmod_file *kf, const char *kld,
    const struct hints_file *hf, size_t *matched)
{
	size_t h = 0, i, v;

	for (i = 0; i < kf->num_records; i++) {
		const struct kmod_record *r = &kf->records[i];
		const struct hints_record *hr = NULL;

		if (r->type == KMOD_DEPEND)
			continue;	/* kldxref does not write these */
		for (; h < hf->num_records; h++)
			if (hf->records[h].kldfile != NULL &&
			    strcmp(hf->records[h].kldfile, kld) == 0)
				break;
		if (h == hf->num_records)
			fail_msg("%s: record %zu (%s) has no counterpart in linker.hints",
			    kld, i, kmod_record_type_name(r->type));
		hr = &hf->records[h++];
		(*matched)++;
		if ((int)r->type != hr->type)
			fail_msg("%s: record %zu is %s, linker.hints has type %d at "
			    "offset %zu", kld, i, kmod_record_type_name(r->type),
			    hr->type, hr->offset);
		switch (r->type) {
		case KMOD_MODULE:
			if (strcmp(r->u.module.cval, hr->name) != 0)
				fail_msg("%s: MODULE %s, hints say %s", kld,
				    r->u.module.cval, hr->name);
			break;
		case KMOD_VERSION:
			if (strcmp(r->u.version.name, hr->name) != 0 ||
			    r->u.version.version != hr->version)
				fail_msg("%s: VERSION %s.%d, hints say %s.%d", kld,
				    r->u.version.name, r->u.version.version, hr->name,
				    hr->version);
			break;
		case KMOD_PNP_INFO:
			assert_string_equal(r->u.pnp.bus, hr->name);
			assert_string_equal(r->u.pnp.format, hr->format);
			assert_int_equal(r->u.pnp.num_entry, hr->num_entry);
			assert_int_equal(r->u.pnp.num_fields, hr->num_fields);
			for (v = 0; v < (size_t)hr->num_entry * hr->num_fields; v++) {
				assert_int_equal(r->u.pnp.values[v].i, hr->values[v].i);
				if (hr->values[v].s != NULL)
					assert_string_equal(r->u.pnp.values[v].s, hr->values[v].s);
			}
			break;
		default:
			break;
		}
	}
	/* nothing left over for this file either */
	for (; h < hf->num_records; h++)
		if (hf->records[h].kldfile != NULL && strcmp(hf->records[h].kldfile, kld) == 0)
			fail_msg("%s: linker.hints has a record at offset %zu (type %d %s) "
			    "the module does not", kld, hf->records[h].offset,
			    hf->records[h].type, hf->records[h].name);
}

static void
test_freebsd_10_1_against_linker_hints(void **state)
{
	static const char *const no_metadata[] = { "scc.ko", "scsi_low.ko" };
	char *dir = corpus_path(FREEBSD_10_1), path[4096];
	size_t matched = 0, expected = 0, bare = 0, i;
	struct hints_file *hf = NULL;
	struct dirent **names;
	struct timespec t0, t1;
	double parse_ms = 0;
	kext_error err;
	int n, k;

	(void)state;
	if (dir == NULL) {
		skip();
		return;
	}
	snprintf(path, sizeof(path), "%s/linker.hints", dir);
	if (hints_open(path, &hf, &err) != 0)
		fail_msg("%s", err.msg);
	n = scandir(dir, &names, is_ko, alphasort);
	assert_int_equal(n, 764);
	for (k = 0; k < n; k++) {
		struct kmod_file *kf = NULL;

		snprintf(path, sizeof(path), "%s/%s", dir, names[k]->d_name);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (kmod_open(path, &kf, &err) != 0)
			fail_msg("%s", err.msg);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		parse_ms += (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		assert_string_equal(kf->arch, "amd64");
		assert_int_equal(kf->e_type, 1);
		assert_int_equal(kf->osabi, 9);
		assert_int_equal(kf->num_notes, 0);
		if (!kf->has_metadata) {
			assert_true(bare < sizeof(no_metadata) / sizeof(no_metadata[0]));
			assert_string_equal(names[k]->d_name, no_metadata[bare]);
			assert_int_equal(kf->num_records, 0);
			bare++;
		}
		compare_with_hints(kf, names[k]->d_name, hf, &matched);
		kmod_free(kf);
		free(names[k]);
	}
	free(names);
	assert_int_equal(bare, sizeof(no_metadata) / sizeof(no_metadata[0]));
	/* every hints record not about the kernel belongs to some .ko */
	for (i = 0; i < hf->num_records; i++)
		if (hf->records[i].kldfile != NULL && strcmp(hf->records[i].kldfile, "kernel") != 0)
			expected++;
	assert_int_equal(matched, expected);
	print_message("parsed %d modules in %.1f ms; %zu records match linker.hints\n",
	    n, parse_ms, matched);
	hints_free(hf);
	free(dir);
}

/* Facts the spec lists for 10.1, checked through the reader's own API. */
static void
test_freebsd_10_1_known_modules(void **state)
{
	char *dir = corpus_path(FREEBSD_10_1), path[4096];
	const struct kmod_depend *d;
	struct kmod_file *kf;
	kext_error err;

	(void)state;
	if (dir == NULL) {
		skip();
		return;
	}
	snprintf(path, sizeof(path), "%s/nullfs.ko", dir);
	assert_int_equal(kmod_open(path, &kf, &err), 0);
	assert_int_equal(kf->num_records, 2);
	assert_int_equal(kf->records[0].type, KMOD_DEPEND);
	assert_string_equal(kf->records[0].u.depend.name, "kernel");
	assert_int_equal(kf->records[0].u.depend.min, 1001000);
	assert_int_equal(kf->records[0].u.depend.pref, 1001000);
	assert_int_equal(kf->records[0].u.depend.max, 1099999);
	assert_int_equal(kf->records[1].type, KMOD_MODULE);
	assert_string_equal(kf->records[1].u.module.cval, "nullfs");
	assert_string_equal(kf->records[1].u.module.name, "nullfs");
	assert_null(kmod_find_version(kf, "nullfs"));
	kmod_free(kf);

	snprintf(path, sizeof(path), "%s/linux.ko", dir);
	assert_int_equal(kmod_open(path, &kf, &err), 0);
	assert_string_equal(kmod_first_module(kf)->cval, "linuxelf");
	assert_int_equal(kmod_find_version(kf, "linux")->version, 1);
	d = kmod_find_depend(kf, "kernel");
	assert_int_equal(d->max, 1001000);	/* tied to the exact kernel */
	assert_int_equal(kmod_find_depend(kf, "sysvshm")->pref, 1);
	kmod_free(kf);

	snprintf(path, sizeof(path), "%s/if_bridge.ko", dir);
	assert_int_equal(kmod_open(path, &kf, &err), 0);
	d = kmod_find_depend(kf, "bridgestp");
	assert_non_null(d);
	assert_int_equal(d->min, 1);
	assert_int_equal(d->max, 1);
	kmod_free(kf);
	free(dir);
}

struct expect_dep {
	const char *name;
	int min, pref, max;
};

static void
check_deps(const struct kmod_file *kf, const struct expect_dep *want, size_t n)
{
	size_t i, found = 0;

	for (i = 0; i < kf->num_records; i++)
		if (kf->records[i].type == KMOD_DEPEND)
			found++;
	assert_int_equal(found, n);
	for (i = 0; i < n; i++) {
		const struct kmod_depend *d = kmod_find_depend(kf, want[i].name);
		if (d == NULL)
			fail_msg("%s: no dependency on %s", kf->path, want[i].name);
		assert_int_equal(d->min, want[i].min);
		assert_int_equal(d->pref, want[i].pref);
		assert_int_equal(d->max, want[i].max);
	}
}

static void
check_vbox_module(const struct kmod_file *kf, const char *base)
{
	static const struct expect_dep drv[] = { { "kernel", 1402000, 1402000, 1401999 } };
	static const struct expect_dep flt[] = {
		{ "kernel", 1402000, 1402000, 1499999 }, { "netgraph", 12, 12, 12 },
		{ "vboxdrv", 1, 1, 1 }, { "ng_ether", 1, 1, 1 },
	};
	static const struct expect_dep adp[] = {
		{ "kernel", 1402000, 1402000, 1499999 }, { "vboxdrv", 1, 1, 1 },
		{ "vboxnetflt", 1, 1, 1 },
	};

	assert_string_equal(kf->arch, "amd64");
	assert_int_equal(kf->e_type, 1);
	if (strcmp(base, "vboxdrv.ko") == 0) {
		assert_string_equal(kmod_first_module(kf)->cval, "vboxdrv");
		assert_int_equal(kmod_find_version(kf, "vboxdrv")->version, 1);
		check_deps(kf, drv, 1);
	} else if (strcmp(base, "vboxnetflt.ko") == 0) {
		assert_string_equal(kmod_first_module(kf)->cval, "ng_vboxnetflt");
		assert_string_equal(kmod_first_module(kf)->name, "ng_vboxnetflt");
		assert_int_equal(kmod_find_version(kf, "vboxnetflt")->version, 1);
		assert_null(kmod_find_version(kf, "ng_vboxnetflt"));
		check_deps(kf, flt, 4);
	} else if (strcmp(base, "vboxnetadp.ko") == 0) {
		assert_string_equal(kmod_first_module(kf)->cval, "vboxnetadp");
		assert_int_equal(kmod_find_version(kf, "vboxnetadp")->version, 1);
		check_deps(kf, adp, 3);
	} else {
		fail_msg("unexpected module %s in the package", base);
	}
}

static void
test_freebsd_14_2_vbox_package(void **state)
{
	char *pkg = corpus_path(VBOX_PKG);
	struct archive_entry *ent;
	struct archive *a;
	int seen = 0;

	(void)state;
	if (pkg == NULL) {
		skip();
		return;
	}
	a = archive_read_new();
	assert_non_null(a);
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, pkg, 65536) != ARCHIVE_OK)
		fail_msg("%s: %s", pkg, archive_error_string(a));
	while (archive_read_next_header(a, &ent) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent), *base;
		la_int64_t size = archive_entry_size(ent);
		struct kmod_file *kf;
		kext_error err;
		char *buf;

		if (strlen(name) < 3 || strcmp(name + strlen(name) - 3, ".ko") != 0)
			continue;
		assert_true(size > 0 && size < (16 << 20));
		buf = malloc((size_t)size);
		assert_non_null(buf);
		assert_int_equal(archive_read_data(a, buf, (size_t)size), size);
		base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
		if (kmod_parse(buf, (size_t)size, base, &kf, &err) != 0)
			fail_msg("%s", err.msg);
		check_vbox_module(kf, base);
		kmod_free(kf);
		free(buf);
		seen++;
	}
	archive_read_free(a);
	assert_int_equal(seen, 3);
	free(pkg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_freebsd_10_1_against_linker_hints),
		cmocka_unit_test(test_freebsd_10_1_known_modules),
		cmocka_unit_test(test_freebsd_14_2_vbox_package),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
