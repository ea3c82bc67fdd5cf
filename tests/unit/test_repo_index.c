/*
 * The identifier index: a cold scan reads every Info.plist and writes the
 * index; a warm one reads none; a changed, new, removed or just-written kext
 * is noticed; a stale entry the stamp cannot reveal is caught when the
 * chosen bundle is re-read (ESTALE); bad or untrusted index files and an
 * unwritable cache are survived.
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

#include "kext/map.h"
#include "kext/repo.h"
#include "test_bundle_fixture.h"

#define NKEXTS	20

struct fixture {
	char *dir, *repo, *cache;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char name[32], id[32], *k;
	int i;

	f->dir = fx_tmpdir();
	f->repo = fx_fmt("%s/Extensions", f->dir);
	f->cache = fx_fmt("%s/cache", f->dir);
	for (i = 0; i < NKEXTS; i++) {
		snprintf(name, sizeof(name), "K%02d.kext", i);
		snprintf(id, sizeof(id), "com.k.%d", i);
		k = fx_lib(f->repo, name, id, "1.0", "1.0", NULL);
		free(k);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	scratch_dir_free(f->dir);
	free(f->repo);
	free(f->cache);
	free(f);
	return 0;
}

static struct kext_repos *
open_repos(struct fixture *f, const char *cache)
{
	struct kext_repos *r;
	kext_error err;

	assert_int_equal(kext_repos_create(&r, &err), 0);
	assert_int_equal(kext_repos_set_cache_dir(r, cache, &err), 0);
	assert_int_equal(kext_repos_add_directory(r, f->repo, KEXT_REPO_SYSTEM, &err), 0);
	return r;
}

/* Info.plist reads made by a fresh set looking id up; *version is what it found. */
static unsigned long
reads_for_lookup(struct fixture *f, const char *cache, const char *id,
    char *version, size_t vlen)
{
	const struct kext_candidate **v;
	struct kext_repos *r = open_repos(f, cache);
	unsigned long before = kext_info_plist_reads();
	kext_error err;
	size_t n;

	assert_int_equal(kext_repos_lookup(r, id, &v, &n, &err), 0);
	if (version != NULL) {
		snprintf(version, vlen, "%s", n > 0 ? v[0]->version_string : "none");
	}
	free(v);
	before = kext_info_plist_reads() - before;
	kext_repos_free(r);
	return before;
}

static char *
index_file(struct fixture *f)
{
	struct dirent *de;
	char *path = NULL;
	DIR *d = opendir(f->cache);

	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len > 10 && strcmp(de->d_name + len - 10, ".kextindex") == 0) {
			assert_null(path);	/* one folder, one index */
			path = fx_fmt("%s/%s", f->cache, de->d_name);
		}
	}
	closedir(d);
	return path;
}

static void
set_version(struct fixture *f, int i, const char *version)
{
	char name[32], id[32], *k;

	snprintf(name, sizeof(name), "K%02d.kext", i);
	snprintf(id, sizeof(id), "com.k.%d", i);
	k = fx_lib(f->repo, name, id, version, "1.0", NULL);
	free(k);
}

static void
test_cold_then_warm(void **state)
{
	struct fixture *f = *state;
	const struct kext_candidate **v;
	struct kext_bundle *b;
	struct kext_repos *r;
	unsigned long before;
	kext_error err;
	char version[32], *idx, head[256];
	FILE *fp;
	size_t n;

	/* cold: every Info.plist once, and an index appears */
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.5", version,
	    sizeof(version)), NKEXTS);
	assert_string_equal(version, "1.0");
	idx = index_file(f);
	assert_non_null(idx);
	fp = fopen(idx, "r");
	assert_non_null(fp);
	assert_non_null(fgets(head, sizeof(head), fp));
	fclose(fp);
	assert_true(strncmp(head, "kextindex 5\t", 12) == 0);
	assert_non_null(strstr(head, f->repo));

	/* warm: no Info.plist read for the look-up ... */
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.5", version,
	    sizeof(version)), 0);
	assert_string_equal(version, "1.0");

	/* ... and exactly one to open the chosen bundle, once per set */
	r = open_repos(f, f->cache);
	before = kext_info_plist_reads();
	assert_int_equal(kext_repos_lookup(r, "com.k.7", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(kext_repos_open(r, v[0], &b, &err), 0);
	assert_string_equal(kext_bundle_identifier(b), "com.k.7");
	assert_int_equal(kext_repos_open(r, v[0], &b, &err), 0);
	assert_int_equal(kext_info_plist_reads() - before, 1);
	free(v);
	kext_repos_free(r);
	free(idx);
}

static void
test_changed_new_removed(void **state)
{
	struct fixture *f = *state;
	char version[32], *k, *gone;

	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), NKEXTS);

	/* a new version of one kext: only that Info.plist is read again */
	set_version(f, 3, "2.0");
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.3", version,
	    sizeof(version)), 1);
	assert_string_equal(version, "2.0");

	/* a new kext */
	k = fx_lib(f->repo, "New.kext", "com.new", "1.0", "1.0", NULL);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.new", version,
	    sizeof(version)), 1);
	assert_string_equal(version, "1.0");
	free(k);

	/* a removed kext */
	gone = fx_fmt("%s/K04.kext", f->repo);
	scratch_dir_free(gone);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.4", version,
	    sizeof(version)), 0);
	assert_string_equal(version, "none");
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.5", NULL, 0), 0);
}

static void
test_recently_written_is_reread(void **state)
{
	struct fixture *f = *state;
	char *plist = fx_fmt("%s/K02.kext/Contents/Info.plist", f->repo);
	struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };

	/* an Info.plist modified just before it was read can't be trusted yet */
	assert_int_equal(utimensat(AT_FDCWD, plist, now, 0), 0);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), NKEXTS);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), 1);
	/* once it is old enough it is trusted */
	fx_age(plist);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), 1);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), 0);
	free(plist);
}

/* Rewrites a plist in place with the same size and mtime: invisible to stat. */
static void
sneaky_rewrite(struct fixture *f, int i, const char *version)
{
	char *plist;
	struct stat st;

	plist = fx_fmt("%s/K%02d.kext/Contents/Info.plist", f->repo, i);
	assert_int_equal(stat(plist, &st), 0);
	set_version(f, i, version);
	assert_int_equal(fx_restore_times(plist, &st), 0);
	free(plist);
}

static void
test_stale_entry_caught_on_open(void **state)
{
	struct fixture *f = *state;
	const struct kext_candidate **v;
	struct kext_bundle *b;
	struct kext_repos *r;
	kext_error err;
	size_t n;

	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), NKEXTS);
	sneaky_rewrite(f, 6, "3.0");

	r = open_repos(f, f->cache);
	assert_int_equal(kext_repos_lookup(r, "com.k.6", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->version_string, "1.0");	/* the index's word */
	assert_int_equal(kext_repos_open(r, v[0], &b, &err), -1);
	assert_int_equal(err.code, ESTALE);
	assert_non_null(strstr(err.msg, "K06.kext"));
	free(v);
	/* looked up again: the truth, and the bundle comes without another read */
	assert_int_equal(kext_repos_lookup(r, "com.k.6", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->version_string, "3.0");
	assert_int_equal(kext_repos_open(r, v[0], &b, &err), 0);
	assert_string_equal(kext_bundle_version_string(b), "3.0");
	free(v);
	kext_repos_free(r);
	/* and the corrected index was written back */
	{
		char version[32];

		assert_int_equal(reads_for_lookup(f, f->cache, "com.k.6", version,
		    sizeof(version)), 0);
		assert_string_equal(version, "3.0");
	}
}

static void
test_bad_and_untrusted_index(void **state)
{
	struct fixture *f = *state;
	char *idx;

	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), NKEXTS);
	idx = index_file(f);
	assert_non_null(idx);

	/* garbage: ignored, rebuilt */
	fx_write_text(idx, "kextindex 3\tnot the folder\nk\tx\n");
	assert_int_equal(chmod(idx, 0644), 0);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), NKEXTS);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), 0);

	/* cut short: ignored */
	assert_int_equal(truncate(idx, 200), 0);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), NKEXTS);

	/* writable by others: not trusted */
	assert_int_equal(chmod(idx, 0666), 0);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), NKEXTS);
	/* (rewritten with safe permissions) */
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), 0);
	free(idx);
}

/* fields (up to an optional newline) with their checksum, as repo_index.c writes them. */
static char *
with_checksum(const char *fields)
{
	size_t n = strcspn(fields, "\n");
	char *body = fx_fmt("%.*s", (int)n, fields), *line;

	line = fx_fmt("%s\t%016llx%s", body, kext_hash64(body), fields[n] == '\n' ? "\n" : "");
	free(body);
	return line;
}

static char *
read_text(const char *path)
{
	char *text = calloc(1, 1 << 20);
	FILE *fp = fopen(path, "r");

	assert_non_null(text);
	assert_non_null(fp);
	assert_true(fread(text, 1, (1 << 20) - 1, fp) > 0);
	fclose(fp);
	return text;
}

/* The index line (checksum stripped) whose second field is name. */
static char *
index_line(const char *text, const char *name)
{
	char *key = fx_fmt("\nk\t%s\t", name), *line;
	const char *at = strstr(text, key);

	assert_non_null(at);
	at++;
	line = fx_fmt("%.*s", (int)(strchr(at, '\n') - at), at);
	*strrchr(line, '\t') = '\0';
	free(key);
	return line;
}

/*
 * Issue 16: one damaged field whose line still parses (here an identifier)
 * used to be trusted while the Info.plist's stamp matched, losing the kext
 * for good. The checksum catches it: one scan, and the index is whole again.
 */
static void
test_damaged_line_costs_one_scan(void **state)
{
	struct fixture *f = *state;
	char *idx, *text, *at, version[32];

	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.3", NULL, 0), NKEXTS);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.3", NULL, 0), 0);
	idx = index_file(f);
	text = read_text(idx);
	at = strstr(text, "\tcom.k.3\t");
	assert_non_null(at);
	at[7] = '9';		/* com.k.3 -> com.k.9 */
	fx_write_text(idx, text);
	assert_int_equal(chmod(idx, 0644), 0);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.3", version, sizeof(version)),
	    NKEXTS);
	assert_string_equal(version, "1.0");
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.3", version, sizeof(version)), 0);
	assert_string_equal(version, "1.0");
	free(text);
	free(idx);
}

/*
 * Issue 16: an entry (checksum and stamp right) for a listed name whose
 * bundle is outside the folder is ignored: the index never widens the
 * search, and the listed kext is read instead.
 */
static void
test_forged_entry_outside_ignored(void **state)
{
	struct fixture *f = *state;
	char *outside = fx_fmt("%s/outside", f->dir), *cache2 = fx_fmt("%s/cache2", f->dir);
	char *evil, *idx, *text, *forged, *line, *mine, *out, *at;
	const struct kext_candidate **v;
	struct kext_repos *r;
	kext_error err;
	size_t n;

	free(fx_lib(outside, "Evil.kext", "com.evil", "9.0", "1.0", NULL));
	/* an honest index of the outside folder gives a line with a matching stamp */
	assert_int_equal(kext_repos_create(&r, &err), 0);
	assert_int_equal(kext_repos_set_cache_dir(r, cache2, &err), 0);
	assert_int_equal(kext_repos_add_directory(r, outside, KEXT_REPO_SYSTEM, &err), 0);
	assert_int_equal(kext_repos_lookup(r, "com.evil", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	free(v);
	kext_repos_free(r);
	evil = NULL;
	{
		DIR *d = opendir(cache2);
		struct dirent *de;

		assert_non_null(d);
		while ((de = readdir(d)) != NULL)
			if (strstr(de->d_name, ".kextindex") != NULL && de->d_name[0] != '.')
				evil = fx_fmt("%s/%s", cache2, de->d_name);
		closedir(d);
	}
	assert_non_null(evil);
	text = read_text(evil);
	line = index_line(text, "Evil.kext");
	free(text);
	/* ... renamed to stand for K01.kext in the repository's index */
	forged = fx_fmt("k\tK01.kext%s", strchr(strchr(line, '\t') + 1, '\t'));
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), NKEXTS);
	idx = index_file(f);
	text = read_text(idx);
	mine = index_line(text, "K01.kext");
	at = strstr(text, mine);
	assert_non_null(at);
	{
		char *sum = with_checksum(forged), *end = strchr(at, '\n');

		out = fx_fmt("%.*s%s\n%s", (int)(at - text), text, sum, end + 1);
		free(sum);
	}
	fx_write_text(idx, out);
	assert_int_equal(chmod(idx, 0644), 0);

	r = open_repos(f, f->cache);
	assert_int_equal(kext_repos_lookup(r, "com.evil", &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(kext_repos_lookup(r, "com.k.1", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(v[0]->bundle_path, "/Extensions/K01.kext"));
	free(v);
	kext_repos_free(r);
	free(out);
	free(mine);
	free(text);
	free(idx);
	free(forged);
	free(line);
	free(evil);
	free(cache2);
	free(outside);
}

/* Malformed entries under a good header: the whole index is ignored, never trusted. */
static void
test_malformed_entries(void **state)
{
	static const char *const lines[] = {
		"k\tK00.kext\n",					/* too few fields */
		"x\tK00.kext\tid\t-\t/b\t/p\t1\t2\t3\t4\t4\t1.0\t1\t-\t0\t-\t-\n",
		"k\tK00.kext\tid\t-\t/b\t/p\t-1\t2\t3\t4\t4\t1.0\t1\t-\t0\t-\t-\n",
		("k\tK00.kext\tid\t-\t/b\t/p\t1\t2\t3\t99999999999999999999\t4"
		    "\t1.0\t1\t-\t0\t-\t-\n"),
		"k\tK%00.kext\tid\t-\t/b\t/p\t1\t2\t3\t4\t4\t1.0\t1\t-\t0\t-\t-\n",
		"k\tK%zz.kext\tid\t-\t/b\t/p\t1\t2\t3\t4\t4\t1.0\t1\t-\t0\t-\t-\n",
		"p\tK00.kext\tid\t-\t/b\t/p\t1\t2\t3\t4\t4\t1.0\t1\t-\t0\t-\t-\n",
		"k\tK00.kext\tid\t-\t/b\t/p\t1\t2\t3\t4\t6\t1.0\t1\t-\t0\t-\t-\n",
		"k\tK00.kext\tid\t-\t/b\t/p\t1\t2\t3\t4\t4\t1.0\t1\t-\t0\t-\t-",
	};
	struct fixture *f = *state;
	char *idx, *text, *head;
	size_t i;

	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), NKEXTS);
	idx = index_file(f);
	assert_non_null(idx);
	text = read_text(idx);
	head = fx_fmt("%.*s", (int)strcspn(text, "\n"), text);	/* a good header */
	free(text);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char *line = with_checksum(lines[i]);

		text = fx_fmt("%s\n%s", head, line);
		free(line);
		fx_write_text(idx, text);
		assert_int_equal(chmod(idx, 0644), 0);
		free(text);
		assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0),
		    NKEXTS);
	}
	free(head);
	free(idx);
}

static void
test_without_cache(void **state)
{
	struct fixture *f = *state;
	char *file = fx_fmt("%s/not-a-dir", f->dir), *under;
	char version[32];

	/* a cache that can't be written: everything still works, just slower */
	fx_write_text(file, "");
	under = fx_fmt("%s/cache", file);
	assert_int_equal(reads_for_lookup(f, under, "com.k.9", version,
	    sizeof(version)), NKEXTS);
	assert_string_equal(version, "1.0");
	assert_int_equal(reads_for_lookup(f, under, "com.k.9", NULL, 0), NKEXTS);
	/* caching off */
	assert_int_equal(reads_for_lookup(f, NULL, "com.k.9", NULL, 0), NKEXTS);
	assert_int_equal(reads_for_lookup(f, NULL, "com.k.9", NULL, 0), NKEXTS);
	free(file);
	free(under);
}

static void
test_plugins_and_bad_kexts_indexed(void **state)
{
	struct fixture *f = *state;
	struct fx_spec outer = { "com.outer", "1.0", NULL, NULL, NULL, false, NULL };
	char *k = fx_kext(f->repo, "Outer.kext", &outer), *pdir, *p, *bad;
	char version[32];

	pdir = fx_fmt("%s/Contents/PlugIns", k);
	p = fx_lib(pdir, "In.kext", "com.inner", "4.0", "1.0", NULL);
	bad = fx_fmt("%s/Bad.kext/Contents/Info.plist", f->repo);
	fx_write_text(bad, "<plist><dict><key>x</key></dict></plist>");
	fx_age(bad);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.inner", version,
	    sizeof(version)), NKEXTS + 3);
	assert_string_equal(version, "4.0");
	/* the broken kext is remembered too: not re-read while unchanged */
	assert_int_equal(reads_for_lookup(f, f->cache, "com.inner", version,
	    sizeof(version)), 0);
	assert_string_equal(version, "4.0");
	/* a plugin added later is seen */
	free(p);
	p = fx_lib(pdir, "In2.kext", "com.inner2", "1.0", "1.0", NULL);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.inner2", version,
	    sizeof(version)), 1);
	assert_string_equal(version, "1.0");
	free(k), free(pdir), free(p), free(bad);
}

static void
test_refresh_keeps_candidates_valid(void **state)
{
	struct fixture *f = *state;
	const struct kext_candidate **v, **w;
	struct kext_repos *r = open_repos(f, f->cache);
	kext_error err;
	size_t n;

	assert_int_equal(kext_repos_lookup(r, "com.k.8", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	set_version(f, 8, "5.0");
	assert_int_equal(kext_repos_refresh(r, &err), 0);
	assert_int_equal(kext_repos_lookup(r, "com.k.8", &w, &n, &err), 0);
	assert_string_equal(w[0]->version_string, "5.0");
	/* what was handed out before the rescan is still readable */
	assert_string_equal(v[0]->version_string, "1.0");
	assert_string_equal(v[0]->identifier, "com.k.8");
	free(v);
	free(w);
	kext_repos_free(r);
}

/*
 * After a scan of a folder that has not changed for a while, its index is
 * trusted: a lookup opens the index alone. Made so by one cold scan, then
 * the folder aged and scanned once more (its stamp written to the index).
 */
static void
make_trusted(struct fixture *f)
{
	assert_true(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0) >= NKEXTS);
	fx_age(f->repo);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.1", NULL, 0), 0);
}

/*
 * Apple's rule for its identifier caches: an Info.plist edited in place is
 * not seen by a lookup until its folder is touched; the chosen bundle is
 * re-read all the same, so the edit is caught on open (ESTALE, then the
 * folder is scanned and the lookup gives the truth).
 */
static void
test_trusted_index_until_touched(void **state)
{
	struct fixture *f = *state;
	const struct kext_candidate **v;
	struct kext_bundle *b;
	struct kext_repos *r;
	char version[32];
	kext_error err;
	size_t n;

	make_trusted(f);
	set_version(f, 3, "2.0");
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.3", version, sizeof(version)), 0);
	assert_string_equal(version, "1.0");	/* the trusted index's word */

	r = open_repos(f, f->cache);
	assert_int_equal(kext_repos_lookup(r, "com.k.3", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(kext_repos_open(r, v[0], &b, &err), -1);
	assert_int_equal(err.code, ESTALE);
	free(v);
	assert_int_equal(kext_repos_lookup(r, "com.k.3", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->version_string, "2.0");
	free(v);
	kext_repos_free(r);

	/* touching the folder, as on macOS, has the next lookup scan it */
	set_version(f, 4, "3.0");
	fx_age(f->repo);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.4", version, sizeof(version)), 1);
	assert_string_equal(version, "3.0");
}

/* A kext added to a trusted folder changes the folder: it is scanned, and the kext found. */
static void
test_trusted_index_sees_new_kexts(void **state)
{
	struct fixture *f = *state;
	char version[32], *k;

	make_trusted(f);
	k = fx_lib(f->repo, "New.kext", "com.new", "5.0", "1.0", NULL);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.new", version, sizeof(version)), 1);
	assert_string_equal(version, "5.0");
	free(k);
}

/*
 * An identifier the trusted index does not know has the folder scanned
 * (here a kext whose Info.plist was edited in place to a new identifier),
 * except for a question whose answer may well be none (lookup_known).
 */
static void
test_trusted_index_unknown_identifier(void **state)
{
	struct fixture *f = *state;
	const struct kext_candidate **v;
	struct kext_repos *r;
	kext_error err;
	size_t n;
	char *k;

	make_trusted(f);
	k = fx_lib(f->repo, "K05.kext", "com.renamed", "1.0", "1.0", NULL);
	free(k);
	r = open_repos(f, f->cache);
	assert_int_equal(kext_repos_lookup_known(r, "com.renamed", &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(kext_repos_lookup(r, "com.renamed", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(v[0]->bundle_path, "/K05.kext"));
	free(v);
	assert_int_equal(kext_repos_lookup(r, "com.k.5", &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	kext_repos_free(r);
}

/* A damaged line met in a trusted index costs a scan, never a wrong answer. */
static void
test_trusted_index_damaged_line(void **state)
{
	struct fixture *f = *state;
	char *idx, *text, *at, version[32];

	make_trusted(f);
	idx = index_file(f);
	text = read_text(idx);
	at = strstr(text, "\tcom.k.3\t");
	assert_non_null(at);
	at = strchr(at + 1, '\t');
	at[3] = at[3] == '9' ? '8' : '9';	/* a digit of its device number */
	fx_write_text(idx, text);
	assert_int_equal(chmod(idx, 0644), 0);
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.3", version, sizeof(version)),
	    NKEXTS);
	assert_string_equal(version, "1.0");
	assert_int_equal(reads_for_lookup(f, f->cache, "com.k.3", version, sizeof(version)), 0);
	assert_string_equal(version, "1.0");
	free(text);
	free(idx);
}

/* Two lines for one kext in a trusted index: a scan, which gives the kext once. */
static void
test_trusted_index_repeated_line(void **state)
{
	struct fixture *f = *state;
	const struct kext_candidate **v;
	struct kext_repos *r;
	char *idx, *text, *at, *end, *twice;
	kext_error err;
	size_t n;

	make_trusted(f);
	idx = index_file(f);
	text = read_text(idx);
	at = strstr(text, "\nk\tK03.kext\t");
	assert_non_null(at);
	end = strchr(at + 1, '\n');
	twice = fx_fmt("%.*s%s", (int)(end - text), text, at);	/* K03's line, then again */
	fx_write_text(idx, twice);
	assert_int_equal(chmod(idx, 0644), 0);
	r = open_repos(f, f->cache);
	assert_int_equal(kext_repos_lookup(r, "com.k.3", &v, &n, &err), 0);
	assert_int_equal(n, 1);
	free(v);
	kext_repos_free(r);
	free(twice);
	free(text);
	free(idx);
}

/* Bisection in a trusted index finds every identifier, with all its kexts, best first. */
static void
test_trusted_index_finds_every_kext(void **state)
{
	struct fixture *f = *state;
	const struct kext_candidate **v;
	struct kext_repos *r;
	char id[32], *k;
	kext_error err;
	size_t n;

	k = fx_lib(f->repo, "Dup.kext", "com.k.7", "2.0", "1.0", NULL);
	free(k);
	make_trusted(f);
	r = open_repos(f, f->cache);
	for (int i = NKEXTS - 1; i >= 0; i--) {
		snprintf(id, sizeof(id), "com.k.%d", i);
		assert_int_equal(kext_repos_lookup(r, id, &v, &n, &err), 0);
		assert_int_equal(n, i == 7 ? 2 : 1);
		assert_string_equal(v[0]->identifier, id);
		if (i == 7)
			assert_string_equal(v[0]->version_string, "2.0");
		free(v);
	}
	/* a prefix, and one past the last, are no identifier of the index */
	assert_int_equal(kext_repos_lookup_known(r, "com.k", &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(kext_repos_lookup_known(r, "com.k.99", &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	kext_repos_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cold_then_warm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_new_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recently_written_is_reread, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_entry_caught_on_open, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_and_untrusted_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_line_costs_one_scan, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forged_entry_outside_ignored, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_without_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plugins_and_bad_kexts_indexed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refresh_keeps_candidates_valid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trusted_index_until_touched, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trusted_index_sees_new_kexts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trusted_index_unknown_identifier, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trusted_index_damaged_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trusted_index_repeated_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trusted_index_finds_every_kext, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
