/*
 * The record of loaded kexts matched to the kernel's files and looked up
 * (kext_load_records_match, kext_load_record_by_fileid/by_identifier), at a
 * size where the lookups are indexed, against a plain scan of the same
 * entries: entries sharing a path (one loaded file), sharing an identifier,
 * stale ids, unloaded paths, files without a pathname, ids never loaded;
 * and kext_load_record_add in a sim kernel: a newer entry for a file id
 * supersedes the older, steps that loaded nothing are not recorded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/kernel.h"
#include "kext/load.h"
#include "kext/load_record.h"
#include "sim_fixture.h"

#define NFILES 3000	/* loaded files, the kernel included */

static char *
dup_printf(const char *fmt, int n)
{
	char buf[128];

	snprintf(buf, sizeof(buf), fmt, n);
	return strdup(buf);
}

/*
 * Files with ids 1, 3, 5, ... (ids need not be dense); every 50th has no
 * pathname and every 97th shares the pathname of the one before it.
 */
static struct kext_kld_file *
make_files(void)
{
	struct kext_kld_file *f = calloc(NFILES, sizeof(*f));

	assert_non_null(f);
	for (int i = 0; i < NFILES; i++) {
		f[i].id = 2 * i + 1;
		f[i].name = dup_printf("f%d.ko", i);
		if (i % 50 != 49)
			f[i].pathname = dup_printf("/k/f%d.ko", i % 97 == 96 ? i - 1 : i);
		assert_non_null(f[i].name);
	}
	return f;
}

static void
push(struct kext_load_records *r, int fileid, const char *identifier, const char *path)
{
	struct kext_load_record *grown = realloc(r->items, (r->n + 1) * sizeof(*grown));
	size_t at = r->n;

	assert_non_null(grown);
	r->items = grown;
	r->items[at] = (struct kext_load_record){.fileid = fileid, .when = (int64_t)at,
	    .identifier = strdup(identifier), .version = strdup("1.0"), .path = strdup(path),
	    .bundle_path = strdup("")};
	r->n = at + 1;
}

/*
 * For each file i: an entry with a stale id; every 7th a second entry for the
 * same path; every 11th an identifier shared with file i - 1; every 13th an
 * entry for a path no longer loaded; every 17th an entry without an id.
 */
static void
make_records(struct kext_load_records *r)
{
	char id[64], path[64];

	*r = (struct kext_load_records){0};
	for (int i = NFILES - 1; i >= 0; i--) {
		snprintf(id, sizeof(id), "org.test.f%d", i % 11 == 10 ? i - 1 : i);
		snprintf(path, sizeof(path), "/k/f%d.ko", i);
		push(r, 100000 + i, id, path);
		if (i % 7 == 0)
			push(r, 7, "org.test.second", path);
		if (i % 13 == 0) {
			snprintf(path, sizeof(path), "/gone/f%d.ko", i);
			push(r, 2 * i + 1, "org.test.gone", path);
		}
		if (i % 17 == 0)
			push(r, i % 2 ? 0 : -1, "org.test.noid", path);
	}
}

/* The first matched entry with the file id or identifier, by a plain scan. */
static const struct kext_load_record *
scan(const struct kext_load_records *r, int fileid, const char *identifier)
{
	for (size_t i = 0; i < r->n; i++)
		if (identifier != NULL ? strcmp(r->items[i].identifier, identifier) == 0 :
		    r->items[i].fileid == fileid)
			return &r->items[i];
	return NULL;
}

/* The id the first file with path has, or 0. */
static int
loaded_id(const struct kext_kld_file *files, const char *path)
{
	for (int i = 0; i < NFILES; i++)
		if (files[i].pathname != NULL && strcmp(files[i].pathname, path) == 0)
			return files[i].id;
	return 0;
}

static void
test_match_keeps_loaded_paths(void **state)
{
	struct kext_kld_file *files = make_files();
	struct kext_load_records r, before;
	kext_error err;
	size_t kept = 0;

	(void)state;
	make_records(&r);
	make_records(&before);
	assert_int_equal(kext_load_records_match(&r, files, NFILES, &err), 0);
	/* the survivors, in the record's order, with the id their path has now */
	for (size_t i = 0; i < before.n; i++) {
		int id = before.items[i].fileid > 0 ? loaded_id(files, before.items[i].path) : 0;

		if (id == 0)
			continue;
		assert_true(kept < r.n);
		assert_string_equal(r.items[kept].path, before.items[i].path);
		assert_string_equal(r.items[kept].identifier, before.items[i].identifier);
		assert_int_equal(r.items[kept].when, before.items[i].when);
		assert_int_equal(r.items[kept].fileid, id);
		kept++;
	}
	assert_int_equal(r.n, kept);
	assert_true(kept > NFILES / 2);
	kext_load_records_free(&r);
	kext_load_records_free(&before);
	kext_kld_files_free(files, NFILES);
}

static void
test_lookups_agree_with_a_scan(void **state)
{
	struct kext_kld_file *files = make_files();
	struct kext_load_records r;
	kext_error err;
	char id[64];
	size_t found = 0;

	(void)state;
	make_records(&r);
	assert_int_equal(kext_load_records_match(&r, files, NFILES, &err), 0);
	for (int fileid = -2; fileid <= 2 * NFILES + 2; fileid++) {
		const struct kext_load_record *want = scan(&r, fileid, NULL);

		assert_ptr_equal(kext_load_record_by_fileid(&r, fileid), want);
		found += want != NULL;
	}
	assert_true(found > NFILES / 2);
	for (int i = -1; i <= NFILES; i++) {
		snprintf(id, sizeof(id), "org.test.f%d", i);
		assert_ptr_equal(kext_load_record_by_identifier(&r, id), scan(&r, 0, id));
	}
	assert_non_null(kext_load_record_by_identifier(&r, "org.test.second"));
	assert_ptr_equal(kext_load_record_by_identifier(&r, "org.test.second"),
	    scan(&r, 0, "org.test.second"));
	assert_null(kext_load_record_by_identifier(&r, "org.test.gone"));
	assert_null(kext_load_record_by_identifier(&r, "org.test.noid"));
	assert_null(kext_load_record_by_identifier(&r, ""));
	kext_load_records_free(&r);
	kext_kld_files_free(files, NFILES);
}

/* Matching twice (after the kernel's files changed) rebuilds the index. */
static void
test_rematch_and_empty(void **state)
{
	struct kext_kld_file *files = make_files();
	struct kext_load_records r, none = {0};
	kext_error err;

	(void)state;
	assert_null(kext_load_record_by_fileid(&none, 1));
	assert_null(kext_load_record_by_identifier(&none, "org.test.f1"));
	make_records(&r);
	assert_null(kext_load_record_by_fileid(&r, 1));	/* not matched yet */
	assert_int_equal(kext_load_records_match(&r, files, NFILES, &err), 0);
	assert_non_null(kext_load_record_by_fileid(&r, 3));
	assert_int_equal(kext_load_records_match(&r, files, NFILES / 2, &err), 0);
	assert_null(kext_load_record_by_fileid(&r, NFILES + 1));
	assert_non_null(kext_load_record_by_fileid(&r, 3));
	for (size_t i = 0; i < r.n; i++)
		assert_true(r.items[i].fileid < NFILES);
	assert_int_equal(kext_load_records_match(&r, files, 0, &err), 0);
	assert_int_equal(r.n, 0);
	assert_null(kext_load_record_by_fileid(&r, 3));
	assert_null(kext_load_record_by_identifier(&r, "org.test.f1"));
	kext_load_records_free(&r);
	kext_kld_files_free(files, NFILES);
}

/* A step of a kextload result: file id fileid loaded (kind LOAD) as identifier. */
static struct kext_load_step
step(enum kext_step_kind kind, int fileid, const char *identifier)
{
	return (struct kext_load_step){.kind = kind, .fileid = fileid,
	    .identifier = (char *)identifier, .version = (char *)"1.0",
	    .bundle_path = (char *)"/b/Fx.kext"};
}

static int
sim_setup(void **state)
{
	return sim_fixture_setup(state, "kext-record-", NULL);
}

/* fx_base.ko loaded into the fixture's sim kernel as file id 2, or a skip. */
static struct kext_kernel *
sim_with_base(struct sim_fixture *f)
{
	const char *dir = getenv("KEXT_FIXTURES");
	char ko[600];
	kext_error err = {0, ""};
	int fileid = 0;

	snprintf(ko, sizeof(ko), "%s/amd64/fx_base.ko", dir != NULL ? dir : "");
	if (dir == NULL || access(ko, R_OK) != 0) {
		print_message("skipped: fixture %s not found (run make fixtures; KEXT_FIXTURES)\n",
		    ko);
		skip();
	}
	setenv("KEXT_SIM_OSVERSION", "1402000", 1);
	if (kext_kernel_open(f->spec, &f->k, &err) != 0 ||
	    kext_kernel_load(f->k, ko, &fileid, &err) != 0)
		fail_msg("%s: %s", ko, err.msg);
	assert_int_equal(fileid, 2);
	return f->k;
}

static void
test_add_supersedes_by_file_id(void **state)
{
	struct kext_kernel *k = sim_with_base(*state);
	struct kext_load_step first[] = {step(KEXT_STEP_LOAD, 2, "org.test.one")};
	struct kext_load_step again[] = {
		step(KEXT_STEP_LOAD, 2, "org.test.two"),
		step(KEXT_STEP_LOAD, 9, "org.test.notloaded"),
		step(KEXT_STEP_ALREADY, 2, "org.test.already"),
		step(KEXT_STEP_LOAD, 2, "org.test.three"),
	};
	struct kext_load_result r1 = {first, 1}, r2 = {again, 4};
	struct kext_load_records r;
	kext_error err = {0, ""};

	assert_int_equal(kext_load_record_add(k, &r1, &err), 0);
	assert_int_equal(kext_load_record_read(k, &r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(kext_load_record_by_fileid(&r, 2)->identifier, "org.test.one");
	kext_load_records_free(&r);
	/* the last load of file 2 stands; the rest loaded nothing */
	assert_int_equal(kext_load_record_add(k, &r2, &err), 0);
	assert_int_equal(kext_load_record_read(k, &r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.items[0].identifier, "org.test.three");
	assert_int_equal(r.items[0].fileid, 2);
	assert_null(kext_load_record_by_identifier(&r, "org.test.one"));
	assert_null(kext_load_record_by_identifier(&r, "org.test.two"));
	assert_null(kext_load_record_by_fileid(&r, 9));
	kext_load_records_free(&r);
	/* unloaded: the entry goes */
	assert_int_equal(kext_kernel_unload(k, 2, false, &err), 0);
	assert_int_equal(kext_load_record_prune(k, &err), 0);
	assert_int_equal(kext_load_record_read(k, &r, &err), 0);
	assert_int_equal(r.n, 0);
	kext_load_records_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_keeps_loaded_paths),
		cmocka_unit_test(test_lookups_agree_with_a_scan),
		cmocka_unit_test(test_rematch_and_empty),
		cmocka_unit_test_setup_teardown(test_add_supersedes_by_file_id, sim_setup,
		    sim_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
