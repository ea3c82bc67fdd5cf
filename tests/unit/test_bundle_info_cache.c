/*
 * Parsed Info.plists kept between runs (bundle_info_cache.c): used only for
 * the file as it was parsed, never for a racy one, a damaged entry or one
 * another user could have written; always equal to what the XML gave.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kext_tools/lib/bundle/bundle_internal.h"
#include "kext/fs.h"
#include "test_bundle_fixture.h"

#define LATER_NS	(INT64_C(10) * 1000000000)

struct fx {
	char *dir, *cache, *kext, *plist;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct fx_spec s = { "org.example.cached", "1.2.3b4", "1.0", "com.a.lib=1.0",
	    "cached.ko", false,
	    "\t<key>When</key><date>2024-02-29T12:00:00Z</date>\n"
	    "\t<key>Blob</key><data>AAEC</data>\n"
	    "\t<key>Mixed</key><array><real>0.5</real><true/><false/><integer>-7</integer>"
	    "<dict/><array/><string>caf\xc3\xa9</string></array>\n" };

	if (f == NULL || (f->dir = scratch_dir_new("infocache")) == NULL)
		return -1;
	f->cache = fx_fmt("%s/cache", f->dir);
	f->kext = fx_kext(f->dir, "Cached.kext", &s);
	f->plist = fx_fmt("%s/Contents/Info.plist", f->kext);
	kext_bundle_cache_info_plists(f->cache);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	kext_bundle_cache_info_plists(NULL);
	scratch_dir_remove(f->dir);
	scratch_dir_free(f->dir);
	free(f->cache);
	free(f->kext);
	free(f->plist);
	free(f);
	return 0;
}

static struct kext_bundle *
open_ok(const char *path)
{
	struct kext_bundle *b;
	kext_error err;

	if (kext_bundle_open(path, &b, &err) != 0)
		fail_msg("%s", err.msg);
	return b;
}

/* Keeps b's dictionary as if its Info.plist had been read long after its last change. */
static void
keep(const struct fx *f, struct kext_bundle *b)
{
	struct stat st;

	assert_int_equal(stat(f->plist, &st), 0);
	bundle_info_cache_put(f->plist, &st, kext_now_ns() + LATER_NS,
	    kext_bundle_info_dictionary(b));
}

/* The one entry in the cache folder (the test keeps one kext). */
static char *
entry_path(const struct fx *f)
{
	DIR *d = opendir(f->cache);
	struct dirent *e;
	char *path = NULL;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			path = fx_fmt("%s/%s", f->cache, e->d_name);
	closedir(d);
	assert_non_null(path);
	return path;
}

/* Opens the kext; asserts whether the cache answered and that the XML's dictionary came back. */
static void
open_expecting(const struct fx *f, bool hit, CFDictionaryRef expected)
{
	unsigned long hits = kext_info_plist_cache_hits(), reads = kext_info_plist_reads();
	struct kext_bundle *b = open_ok(f->kext);

	assert_int_equal(kext_info_plist_cache_hits() - hits, hit ? 1 : 0);
	assert_int_equal(kext_info_plist_reads() - reads, hit ? 0 : 1);
	if (expected != NULL)
		assert_true(CFEqual(kext_bundle_info_dictionary(b), expected));
	assert_true(kext_bundle_is_valid(b));
	kext_bundle_release(b);
}

static void
test_kept_and_taken(void **state)
{
	struct fx *f = *state;
	struct kext_bundle *b = open_ok(f->kext);
	CFDictionaryRef xml = CFRetain(kext_bundle_info_dictionary(b));
	struct stat st;

	/* just written: racy, so nothing was kept (not even the folder made) */
	assert_int_not_equal(stat(f->cache, &st), 0);
	keep(f, b);
	kext_bundle_release(b);
	open_expecting(f, true, xml);
	b = open_ok(f->kext);
	assert_string_equal(kext_bundle_version_string(b), "1.2.3b4");
	assert_int_equal(kext_bundle_library_count(b), 1);
	kext_bundle_release(b);
	CFRelease(xml);
}

static void
test_edit_in_place_is_seen(void **state)
{
	struct fx *f = *state;
	struct kext_bundle *b = open_ok(f->kext);
	struct stat before;
	char *text;
	size_t n;
	FILE *fp;

	keep(f, b);
	kext_bundle_release(b);
	/* the same size, the modification time put back: only the change time moves */
	assert_int_equal(stat(f->plist, &before), 0);
	assert_non_null(fp = fopen(f->plist, "r"));
	text = calloc(1, (size_t)before.st_size + 1);
	n = fread(text, 1, (size_t)before.st_size, fp);
	fclose(fp);
	assert_int_equal(n, (size_t)before.st_size);
	memcpy(strstr(text, "1.2.3b4"), "1.2.3b5", 7);
	usleep(10000);	/* a change time the file system can tell apart */
	fx_write(f->plist, text, n);
	assert_int_equal(fx_restore_times(f->plist, &before), 0);
	free(text);
	open_expecting(f, false, NULL);
	b = open_ok(f->kext);
	assert_string_equal(kext_bundle_version_string(b), "1.2.3b5");
	kext_bundle_release(b);
}

/* Rewrites byte at of the entry (from its end when negative) or cuts it there. */
static void
damage(const struct fx *f, long at, bool cut)
{
	char *path = entry_path(f);
	struct stat st;
	int fd = open(path, O_RDWR);
	char c;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	if (at < 0)
		at += st.st_size;
	if (cut) {
		assert_int_equal(ftruncate(fd, at), 0);
	} else {
		assert_int_equal(pread(fd, &c, 1, at), 1);
		c ^= 0x20;
		assert_int_equal(pwrite(fd, &c, 1, at), 1);
	}
	close(fd);
	free(path);
}

static void
test_damaged_entries_are_parsed_again(void **state)
{
	struct fx *f = *state;
	struct kext_bundle *b = open_ok(f->kext);
	CFDictionaryRef xml = CFRetain(kext_bundle_info_dictionary(b));
	const long spots[] = { 0, 12, -1, -40 };

	for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
		keep(f, b);
		open_expecting(f, true, xml);
		damage(f, spots[i], false);
		open_expecting(f, false, xml);
		keep(f, b);
		damage(f, spots[i] < 0 ? spots[i] : 30, true);
		open_expecting(f, false, xml);
	}
	kext_bundle_release(b);
	CFRelease(xml);
}

static void
test_entry_others_may_write_is_ignored(void **state)
{
	struct fx *f = *state;
	struct kext_bundle *b = open_ok(f->kext);
	char *path;

	keep(f, b);
	kext_bundle_release(b);
	path = entry_path(f);
	assert_int_equal(chmod(path, 0666), 0);
	open_expecting(f, false, NULL);
	assert_int_equal(chmod(path, 0644), 0);
	open_expecting(f, true, NULL);
	free(path);
}

static void
test_another_files_entry_is_ignored(void **state)
{
	struct fx *f = *state;
	struct fx_spec s = { "org.example.other", "2.0", NULL, NULL, NULL, false, NULL };
	char *other = fx_kext(f->dir, "Other.kext", &s), *own, *theirs;
	struct kext_bundle *b = open_ok(f->kext);
	struct stat st;

	keep(f, b);
	kext_bundle_release(b);
	own = entry_path(f);
	assert_int_equal(unlink(own), 0);
	/* the other kext's entry, with this Info.plist's stamp, under this one's name */
	b = open_ok(other);
	assert_int_equal(stat(f->plist, &st), 0);
	bundle_info_cache_put(kext_bundle_info_plist_path(b), &st, kext_now_ns() + LATER_NS,
	    kext_bundle_info_dictionary(b));
	kext_bundle_release(b);
	theirs = entry_path(f);
	assert_int_equal(rename(theirs, own), 0);
	open_expecting(f, false, NULL);
	free(own);
	free(theirs);
	free(other);
}

/* A value the binary form cannot give back as the XML gave it is not kept. */
static void
test_unfaithful_values_are_not_kept(void **state)
{
	struct fx *f = *state;
	struct fx_spec s = { "org.example.big", "1.0", NULL, NULL, NULL, false,
	    "\t<key>Big</key><integer>18446744073709551615</integer>\n" };
	char *big = fx_kext(f->dir, "Big.kext", &s), *plist = fx_fmt("%s/Contents/Info.plist", big);
	struct kext_bundle *b = open_ok(big);
	unsigned long hits;
	struct stat st;

	assert_int_equal(stat(plist, &st), 0);
	bundle_info_cache_put(plist, &st, kext_now_ns() + LATER_NS, kext_bundle_info_dictionary(b));
	hits = kext_info_plist_cache_hits();
	kext_bundle_release(b);
	b = open_ok(big);
	assert_int_equal(kext_info_plist_cache_hits(), hits);
	kext_bundle_release(b);
	free(plist);
	free(big);
}

static void
test_off_means_off(void **state)
{
	struct fx *f = *state;
	struct kext_bundle *b = open_ok(f->kext);

	keep(f, b);
	kext_bundle_release(b);
	kext_bundle_cache_info_plists(NULL);
	open_expecting(f, false, NULL);
	kext_bundle_cache_info_plists(f->cache);
	open_expecting(f, true, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kept_and_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_in_place_is_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_entries_are_parsed_again, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_entry_others_may_write_is_ignored, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_another_files_entry_is_ignored, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unfaithful_values_are_not_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_off_means_off, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
