/*
 * Sizes that used to hit fixed limits or quadratic steps, at 10,000: a
 * 10,000-deep library chain plans (dependencies first, a failure at its end
 * names both ends); a set of 10,000 repositories (more than the 1,024 it
 * used to be capped at) finds, ranks and opens kexts in any of them; the sim kernel holds 10,000 loaded files, lists them,
 * loads and unloads one more, and the loaded-set look-ups find entries among
 * them; a sim kernel kept open sees what another process loaded meanwhile.
 * Tests needing the fixture modules skip, saying so, without them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kext/kernel.h"
#include "kext/loaded.h"
#include "kext/plan.h"
#include "kext/repo.h"
#include "kext_farm.h"
#include "sim_fixture.h"
#include "test_bundle_fixture.h"

#define SCALE 10000

/* --- a 10,000-deep chain ------------------------------------------------ */

static void
test_deep_chain_plans(void **state)
{
	const char *dir = *state;
	char *ext = fx_fmt("%s/Extensions", dir), *cache = fx_fmt("%s/cache", dir);
	char id[32], dep[64], name[64], *tail, *plist;
	struct kext_repos *r;
	struct kext_plan *p;
	kext_error err;

	free(fx_kernel(ext, "Kernel.kext", "org.freebsd.kernel", "14.2", "14.0"));
	/* codeless libraries keep 10,000 bundles cheap to write */
	for (int i = 0; i < SCALE; i++) {
		struct fx_spec spec = { id, "1.0", "1.0", dep, NULL, false, NULL };

		snprintf(id, sizeof(id), "com.chain.%d", i);
		snprintf(name, sizeof(name), "%s.kext", id);
		if (i + 1 < SCALE)
			snprintf(dep, sizeof(dep), "com.chain.%d=1.0", i + 1);
		else
			snprintf(dep, sizeof(dep), "com.tail=1.0");
		free(fx_kext(ext, name, &spec));
	}
	tail = fx_lib(ext, "com.tail.kext", "com.tail", "1.0", "1.0", NULL);
	assert_int_equal(kext_repos_create(&r, &err), 0);
	assert_int_equal(kext_repos_set_cache_dir(r, cache, &err), 0);
	assert_int_equal(kext_repos_add_directory(r, ext, KEXT_REPO_SYSTEM, &err), 0);
	assert_int_equal(kext_plan_create(r, NULL, &p, &err), 0);
	if (kext_plan_add_identifier(p, "com.chain.0", &err) != 0)
		fail_msg("plan: %s", err.msg);
	assert_int_equal(kext_plan_count(p), SCALE + 1);
	assert_string_equal(kext_plan_at(p, 0)->identifier, "com.tail");
	assert_string_equal(kext_plan_at(p, 1)->identifier, "com.chain.9999");
	assert_string_equal(kext_plan_at(p, SCALE)->identifier, "com.chain.0");
	kext_plan_free(p);
	/* without the library at the bottom the whole chain fails, its ends shown */
	plist = fx_fmt("%s/Contents/Info.plist", tail);
	assert_int_equal(unlink(plist), 0);
	kext_repos_free(r);
	assert_int_equal(kext_repos_create(&r, &err), 0);
	assert_int_equal(kext_repos_set_cache_dir(r, cache, &err), 0);
	assert_int_equal(kext_repos_add_directory(r, ext, KEXT_REPO_SYSTEM, &err), 0);
	assert_int_equal(kext_plan_create(r, NULL, &p, &err), 0);
	assert_int_equal(kext_plan_add_identifier(p, "com.chain.0", &err), -1);
	assert_true(strncmp(err.msg, "com.chain.0 -> com.chain.1 -> com.chain.2 -> "
	    "(9993 more) -> com.chain.9996 -> ", 76) == 0);
	assert_non_null(strstr(err.msg, "com.tail"));
	assert_int_equal(kext_plan_count(p), 0);
	kext_plan_free(p);
	kext_repos_free(r);
	free(plist);
	free(tail);
	free(ext);
	free(cache);
}

/* --- 10,000 repositories ---------------------------------------------------- */

static void
test_10000_repositories(void **state)
{
	const char *dir = *state;
	const struct kext_candidate **c;
	struct fx_spec spec = { NULL, "1.0", "1.0", NULL, NULL, false, NULL };
	char id[32], searched[256], *folder;
	struct kext_bundle *b;
	struct kext_repos *r;
	kext_error err;
	size_t n;

	assert_int_equal(kext_repos_create(&r, &err), 0);
	/* no cache: 10,000 index files would only measure the disk */
	assert_int_equal(kext_repos_set_cache_dir(r, NULL, &err), 0);
	/* empty folders keep 10,000 cheap to write; kexts in the first and the last two */
	for (int i = 0; i <= SCALE; i++) {
		folder = fx_fmt("%s/r%05d", dir, i);
		if (i == 0 || i >= SCALE - 1) {
			/* folder SCALE, added last, holds a second com.repo.0 */
			snprintf(id, sizeof(id), "com.repo.%d", i < SCALE ? i : 0);
			spec.id = id;
			free(fx_kext(folder, "Lib.kext", &spec));
		} else if (mkdir(folder, 0755) != 0) {
			fail_msg("%s: %s", folder, strerror(errno));
		}
		if (kext_repos_add_directory(r, folder, KEXT_REPO_DIRECTORY, &err) != 0)
			fail_msg("repository %d: %s", i, err.msg);
		free(folder);
	}
	/* every kext, in the order the folders were added */
	assert_int_equal(kext_repos_all(r, &c, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(c[1]->identifier, "com.repo.9999");
	assert_non_null(strstr(c[1]->repository, "/r09999"));
	free(c);
	/* one in the last folder but one, opened */
	assert_int_equal(kext_repos_lookup(r, "com.repo.9999", &c, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(kext_repos_open(r, c[0], &b, &err), 0);
	assert_string_equal(kext_bundle_identifier(b), "com.repo.9999");
	free(c);
	/* equal versions: the folder added last wins */
	assert_int_equal(kext_repos_lookup(r, "com.repo.0", &c, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_non_null(strstr(c[0]->repository, "/r10000"));
	assert_non_null(strstr(c[1]->repository, "/r00000"));
	free(c);
	/* "searched ..." stays within its buffer, the first folder first */
	kext_repos_searched(r, searched, sizeof(searched));
	assert_true(strlen(searched) < sizeof(searched));
	assert_non_null(strstr(searched, "/r00000/"));
	kext_repos_free(r);
}

/* --- a sim kernel with 10,000 files ----------------------------------------- */

static int
sim_setup(void **state)
{
	return sim_fixture_setup(state, "kext-scale-", "k");
}

/* The fixture template, or skips when `make fixtures` has not run. */
static const char *
template_ko(const char *test)
{
	static char path[600];
	const char *dir = getenv("KEXT_FIXTURES");

	snprintf(path, sizeof(path), "%s/templates/amd64/gen_link.ko", dir ? dir : "");
	if (dir == NULL || access(path, R_OK) != 0) {
		print_message("%s: skipped: fixture %s not found (run make fixtures; "
		    "KEXT_FIXTURES)\n", test, path);
		skip();
	}
	return path;
}

/* A farm of n kexts in <fixture>/farm; returns the module path of kext i. */
static char *
farm(struct sim_fixture *f, size_t n, size_t i, const char *test)
{
	char msg[512], *dir = fx_fmt("%s/farm", f->dir), *ko;

	if (kext_farm_make(dir, template_ko(test), n, KEXT_FARM_FLAT, msg, sizeof(msg)) != 0)
		fail_msg("%s", msg);
	ko = fx_fmt("%s/Gen%05zu.kext/Contents/MacOS/gen%05zu.ko", dir, i, i);
	free(dir);
	return ko;
}

/* A state file of 10,000 loaded files besides the kernel, written in one go. */
static void
write_big_state(const char *path)
{
	FILE *fp = fopen(path, "w");
	uint64_t address = UINT64_C(0xffffffff82200000);

	assert_non_null(fp);
	fprintf(fp, "kext-sim-state 1\nosreldate 1402000\narch amd64\n"
	    "next-file-id %d\nnext-module-id %d\nnext-address 0x%" PRIx64 "\n",
	    SCALE + 2, SCALE + 1, address + (uint64_t)SCALE * 0x1000);
	fprintf(fp, "file 1 %d 0xffffffff80200000 0x1f3c6c0 kernel /boot/kernel/kernel\n"
	    "version kernel 1402000\n", 1 + SCALE);
	for (int i = 0; i < SCALE; i++)
		fprintf(fp, "file %d 1 0x%" PRIx64 " 0x1000 fake%05d.ko /nowhere/fake%05d.ko\n"
		    "version fake%05d 1\nmodule %d fake%05d\ndepend 1\n", i + 2,
		    address + (uint64_t)i * 0x1000, i, i, i, i + 1, i);
	assert_int_equal(fclose(fp), 0);
}

static void
test_sim_holds_10000_files(void **state)
{
	struct sim_fixture *f = *state;
	char *ko = farm(f, 1, 0, __func__);
	struct kext_loaded_set set;
	struct kext_kld_file *files;
	const struct kext_loaded_entry *e;
	kext_error err;
	size_t n;
	int id, modid;

	setenv("KEXT_SIM_OSVERSION", "1402000", 1);
	if (kext_kernel_open(f->spec, &f->k, &err) != 0)	/* creates the directory */
		fail_msg("%s", err.msg);
	write_big_state(f->state);
	assert_int_equal(kext_kernel_list(f->k, &files, &n, &err), 0);
	assert_int_equal(n, SCALE + 1);
	assert_string_equal(files[SCALE].name, "fake09999.ko");
	kext_kld_files_free(files, n);
	/* one more on top of 10,000 */
	if (kext_kernel_load(f->k, ko, &id, &err) != 0)
		fail_msg("load %s: %s", ko, err.msg);
	assert_int_equal(id, SCALE + 2);
	assert_int_equal(kext_kernel_find_module(f->k, "gen00000", &modid, &err), 0);
	assert_int_equal(modid, SCALE + 1);
	/* the loaded set indexes them all */
	assert_int_equal(kext_loaded_read(f->k, &set, &err), 0);
	assert_int_equal(set.n, SCALE + 2);
	e = kext_loaded_by_fileid(&set, 5002);
	assert_non_null(e);
	assert_string_equal(e->file_name, "fake05000.ko");
	assert_ptr_equal(kext_loaded_file_named(&set, "/elsewhere/fake05000"), e);
	assert_ptr_equal(kext_loaded_providing(&set, "fake05000"), e);
	e = kext_loaded_by_identifier(&set, "org.farm.gen00000");
	assert_non_null(e);
	assert_int_equal(e->fileid, id);
	assert_int_equal(e->num_linked, 1);	/* the kernel */
	kext_loaded_free(&set);
	assert_int_equal(kext_kernel_unload(f->k, id, false, &err), 0);
	/* an id in the middle: the kernel's references drop with it */
	assert_int_equal(kext_kernel_unload(f->k, 5002, false, &err), 0);
	assert_int_equal(kext_kernel_list(f->k, &files, &n, &err), 0);
	assert_int_equal(n, SCALE);
	assert_int_equal(files[0].refs, SCALE);
	kext_kld_files_free(files, n);
	free(ko);
}

/* What one open kernel keeps between calls follows what others write. */
static void
test_sim_sees_other_writers(void **state)
{
	struct sim_fixture *f = *state;
	char *ko = farm(f, 2, 0, __func__), *ko1 = fx_fmt("%s", ko);
	struct kext_kernel *other = NULL;
	struct kext_kld_file *files;
	kext_error err;
	size_t n;
	int id, id1;

	memcpy(strstr(ko1, "Gen00000"), "Gen00001", 8);
	memcpy(strstr(ko1, "gen00000"), "gen00001", 8);
	setenv("KEXT_SIM_OSVERSION", "1402000", 1);
	if (kext_kernel_open(f->spec, &f->k, &err) != 0 ||
	    kext_kernel_open(f->spec, &other, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(kext_kernel_list(f->k, &files, &n, &err), 0);
	kext_kld_files_free(files, n);
	assert_int_equal(n, 1);
	assert_int_equal(kext_kernel_load(other, ko, &id, &err), 0);
	assert_int_equal(kext_kernel_list(f->k, &files, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(files[1].name, "gen00000.ko");
	kext_kld_files_free(files, n);
	/* this one loads next: its id follows the other's, nothing is lost */
	assert_int_equal(kext_kernel_load(f->k, ko1, &id1, &err), 0);
	assert_int_equal(id1, id + 1);
	assert_int_equal(kext_kernel_unload(other, id1, false, &err), 0);
	assert_int_equal(kext_kernel_unload(f->k, id1, false, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(kext_kernel_list(other, &files, &n, &err), 0);
	assert_int_equal(n, 2);
	kext_kld_files_free(files, n);
	kext_kernel_close(other);
	free(ko);
	free(ko1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deep_chain_plans, scratch_dir_setup,
		    scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_10000_repositories, scratch_dir_setup,
		    scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_sim_holds_10000_files, sim_setup,
		    sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_sim_sees_other_writers, sim_setup,
		    sim_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
