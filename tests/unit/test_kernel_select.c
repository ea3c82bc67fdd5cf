/* Kernel backend selection: by spec string, by $KEXT_KERNEL, host default. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kext/kernel.h"
#include "sim_fixture.h"

/* The sim fixture, and no $KEXT_KERNEL choosing the backend behind our back. */
static int
setup(void **state)
{
	unsetenv("KEXT_KERNEL");
	return sim_fixture_setup(state, "kext-select-", "k");
}

static int
teardown(void **state)
{
	unsetenv("KEXT_KERNEL");
	return sim_fixture_teardown(state);
}

static void
test_sim_by_spec(void **state)
{
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	struct stat sb;
	char path[400];
	int v = 0;

	assert_int_equal(kext_kernel_open(f->spec, &k, &err), 0);
	assert_non_null(k);
	assert_string_equal(kext_kernel_name(k), f->spec);
	assert_int_equal(kext_kernel_osreldate(k, &v, &err), 0);
	assert_int_equal(v, 1500068);
	snprintf(path, sizeof(path), "%s/k/state", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	kext_kernel_close(k);
}

static void
test_sim_by_environment(void **state)
{
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };

	setenv("KEXT_KERNEL", f->spec, 1);
	assert_int_equal(kext_kernel_open(NULL, &k, &err), 0);
	assert_string_equal(kext_kernel_name(k), f->spec);
	kext_kernel_close(k);
	/* an explicit spec wins over the environment */
	setenv("KEXT_KERNEL", "bogus", 1);
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), 0);
	kext_kernel_close(k);
}

static void
test_unknown_backends(void **state)
{
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };

	(void)state;
	assert_int_equal(kext_kernel_open("linuxish", &k, &err), -1);
	assert_null(k);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "'linuxish'"));
	assert_non_null(strstr(err.msg, "sim:DIR"));

	assert_int_equal(kext_kernel_open("sim:", &k, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "directory"));

	setenv("KEXT_KERNEL", "nope", 1);
	assert_int_equal(kext_kernel_open(NULL, &k, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "KEXT_KERNEL"));
}

static void
test_freebsd_backend_on_this_host(void **state)
{
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };

	(void)state;
#ifdef __FreeBSD__
	int v = 0;

	assert_int_equal(kext_kernel_open("freebsd", &k, &err), 0);
	assert_int_equal(kext_kernel_osreldate(k, &v, &err), 0);
	assert_true(v >= 1000000);
	kext_kernel_close(k);
	assert_int_equal(kext_kernel_open(NULL, &k, &err), 0);
	assert_string_equal(kext_kernel_name(k), "freebsd");
	kext_kernel_close(k);
#else
	assert_int_equal(kext_kernel_open("freebsd", &k, &err), -1);
	assert_null(k);
	assert_int_equal(err.code, EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "only available on FreeBSD"));
	assert_non_null(strstr(err.msg, "KEXT_KERNEL=sim:DIR"));
	/* no default here: the error tells the user what to set */
	assert_int_equal(kext_kernel_open(NULL, &k, &err), -1);
	assert_null(k);
	assert_int_equal(err.code, EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "KEXT_KERNEL=sim:DIR"));
	setenv("KEXT_KERNEL", "", 1);
	assert_int_equal(kext_kernel_open(NULL, &k, &err), -1);
	assert_int_equal(err.code, EOPNOTSUPP);
#endif
}

static void
test_sim_dir_problems(void **state)
{
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	char spec[600], file[400];
	FILE *fp;

	/* the parent must exist: only DIR itself is created */
	snprintf(spec, sizeof(spec), "sim:%s/missing/k", f->dir);
	assert_int_equal(kext_kernel_open(spec, &k, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, "missing/k"));

	snprintf(file, sizeof(file), "%s/plain", f->dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(spec, sizeof(spec), "sim:%s", file);
	assert_int_equal(kext_kernel_open(spec, &k, &err), -1);
	assert_int_equal(err.code, ENOTDIR);
	assert_null(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sim_by_spec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sim_by_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_backends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freebsd_backend_on_this_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sim_dir_problems, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
