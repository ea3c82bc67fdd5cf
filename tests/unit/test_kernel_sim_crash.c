/*
 * The sim kernel's crash points (kernel_sim_crash.c): a bad count is refused
 * naming its variable; a child process armed with one dies by SIGKILL right
 * after the chosen journal record or snapshot, and the state it leaves reads
 * with exactly what it had loaded. Needs the fixtures ($KEXT_FIXTURES) and
 * skips, saying so, without them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kext/kernel.h"
#include "sim_fixture.h"

static int
setup(void **state)
{
	return sim_fixture_setup(state, "kext-sim-crash-", "k");
}

/* Path of an amd64 fixture module, or skips when `make fixtures` has not run. */
static const char *
fixture_ko(const char *name, char *out, size_t size, const char *test)
{
	const char *dir = getenv("KEXT_FIXTURES");

	snprintf(out, size, "%s/amd64/%s", dir != NULL ? dir : "", name);
	if (dir == NULL || access(out, R_OK) != 0) {
		print_message("%s: skipped: fixture %s not found (run make fixtures; "
		    "KEXT_FIXTURES)\n", test, out);
		skip();
	}
	return out;
}

static void
test_bad_counts(void **state)
{
	static const char *const bad[] = { "0", "-1", "+1", "1x", "x", " 1", "99999999999" };
	struct sim_fixture *f = *state;
	kext_error err = { 0, "" };
	char want[120];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("KEXT_SIM_CRASH_AFTER_RECORDS", bad[i], 1);
		assert_int_equal(kext_kernel_open(f->spec, &f->k, &err), -1);
		assert_int_equal(err.code, EINVAL);
		snprintf(want, sizeof(want), "KEXT_SIM_CRASH_AFTER_RECORDS='%s': expected a count",
		    bad[i]);
		if (strstr(err.msg, want) == NULL)
			fail_msg("'%s' not in: %s", want, err.msg);
	}
	unsetenv("KEXT_SIM_CRASH_AFTER_RECORDS");
	setenv("KEXT_SIM_CRASH_AFTER_SNAPSHOTS", "0", 1);
	assert_int_equal(kext_kernel_open(f->spec, &f->k, &err), -1);
	if (strstr(err.msg, "KEXT_SIM_CRASH_AFTER_SNAPSHOTS='0'") == NULL)
		fail_msg("the variable is not named: %s", err.msg);
	/* empty is unset */
	setenv("KEXT_SIM_CRASH_AFTER_SNAPSHOTS", "", 1);
	if (kext_kernel_open(f->spec, &f->k, &err) != 0)
		fail_msg("open with an empty count: %s", err.msg);
}

/*
 * Runs loads of paths in a child armed with variable=count, closing the
 * kernel after them; the child must die by SIGKILL, not return.
 */
static void
run_killed(const struct sim_fixture *f, const char *variable, const char *count,
    const char *const *paths, size_t n)
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct kext_kernel *k = NULL;
		kext_error err = { 0, "" };
		int id;

		setenv(variable, count, 1);
		if (kext_kernel_open(f->spec, &k, &err) != 0)
			_exit(2);
		for (size_t i = 0; i < n; i++)
			if (kext_kernel_load(k, paths[i], &id, &err) != 0)
				_exit(3);
		kext_kernel_close(k);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail_msg("%s=%s: the child was not killed (status 0x%x)", variable, count, status);
}

/* The "txn" lines of the state file: journal records left in it. */
static int
records_in(const char *path)
{
	char line[4096];
	int n = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strncmp(line, "txn ", 4) == 0;
	fclose(fp);
	return n;
}

/* The files the sim kernel lists, the kernel included. */
static size_t
files_loaded(struct sim_fixture *f)
{
	struct kext_kld_file *files = NULL;
	kext_error err = { 0, "" };
	size_t n = 0;

	if (kext_kernel_open(f->spec, &f->k, &err) != 0 ||
	    kext_kernel_list(f->k, &files, &n, &err) != 0)
		fail_msg("%s: %s", f->spec, err.msg);
	kext_kld_files_free(files, n);
	kext_kernel_close(f->k);
	f->k = NULL;
	return n;
}

static void
test_crash_after_records(void **state)
{
	struct sim_fixture *f = *state;
	char base[600], mid[600], multi[600];
	const char *paths[] = {
		fixture_ko("fx_base.ko", base, sizeof(base), __func__),
		fixture_ko("fx_mid.ko", mid, sizeof(mid), __func__),
		fixture_ko("fx_multi.ko", multi, sizeof(multi), __func__),
	};

	setenv("KEXT_SIM_OSVERSION", "1402000", 1);
	/* killed after the second record: the third load never happens */
	run_killed(f, "KEXT_SIM_CRASH_AFTER_RECORDS", "2", paths, 3);
	assert_int_equal(records_in(f->state), 2);
	assert_int_equal(files_loaded(f), 3);
}

static void
test_crash_after_snapshot(void **state)
{
	struct sim_fixture *f = *state;
	char base[600];
	const char *paths[] = { fixture_ko("fx_base.ko", base, sizeof(base), __func__) };

	setenv("KEXT_SIM_OSVERSION", "1402000", 1);
	/* the first snapshot is the one closing writes over the load's record */
	run_killed(f, "KEXT_SIM_CRASH_AFTER_SNAPSHOTS", "1", paths, 1);
	assert_int_equal(records_in(f->state), 0);
	assert_int_equal(files_loaded(f), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_counts, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_crash_after_records, setup,
		    sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_crash_after_snapshot, setup,
		    sim_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
