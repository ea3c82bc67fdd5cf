/*
 * Which kernels are real: only sim:DIR may skip authentication. kextboot
 * once authenticated for "freebsd" alone, so boot kexts went unauthenticated
 * into the real Linux kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "kext/kernel.h"
#include "sim_fixture.h"

static int
setup(void **state)
{
	unsetenv("KEXT_KERNEL");
	return sim_fixture_setup(state, "kext-kind-", "k");
}

static int
teardown(void **state)
{
	return sim_fixture_teardown(state);
}

static void
test_sim_is_simulated(void **state)
{
	struct sim_fixture *f = *state;
	kext_error err = { 0, "" };

	assert_int_equal(kext_kernel_open(f->spec, &f->k, &err), 0);
	assert_true(kext_kernel_is_simulated(f->k));
}

/* Opening the linux backend touches nothing until it is asked something. */
static void
test_linux_is_real(void **state)
{
	struct sim_fixture *f = *state;
	kext_error err = { 0, "" };

#ifdef __linux__
	setenv("KEXT_LINUX_STATE", f->state, 1);
	assert_int_equal(kext_kernel_open("linux", &f->k, &err), 0);
	unsetenv("KEXT_LINUX_STATE");
	assert_false(kext_kernel_is_simulated(f->k));
	assert_int_equal(kext_kernel_os(f->k), KMOD_OS_LINUX);
#else
	(void)f;
	(void)err;
	print_message("skipped: the linux backend exists only on Linux hosts\n");
	skip();
#endif
}

static void
test_freebsd_is_real(void **state)
{
	struct sim_fixture *f = *state;
	kext_error err = { 0, "" };

#ifdef __FreeBSD__
	assert_int_equal(kext_kernel_open("freebsd", &f->k, &err), 0);
	assert_false(kext_kernel_is_simulated(f->k));
#else
	(void)f;
	(void)err;
	print_message("skipped: the freebsd backend exists only on FreeBSD hosts\n");
	skip();
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sim_is_simulated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_is_real, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freebsd_is_real, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
