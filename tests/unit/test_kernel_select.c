/* Kernel backend selection: by spec string, by $KEXT_KERNEL, host default. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kext/kernel.h"

struct fixture {
	char dir[256];
	char spec[300];
};

static void
remove_tree(const char *path)
{
	struct dirent *e;
	struct stat sb;
	char child[1024];
	DIR *d;

	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode) && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
			remove_tree(child);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/kext-select-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->spec, sizeof(f->spec), "sim:%s/k", f->dir);
	unsetenv("KEXT_KERNEL");
	unsetenv("KEXT_SIM_OSVERSION");
	unsetenv("KEXT_SIM_ARCH");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unsetenv("KEXT_KERNEL");
	remove_tree(f->dir);
	free(f);
	return 0;
}

static void
test_sim_by_spec(void **state)
{
	struct fixture *f = *state;
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
	struct fixture *f = *state;
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
	struct fixture *f = *state;
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
