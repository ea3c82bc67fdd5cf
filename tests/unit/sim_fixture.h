/*
 * The fixture of the sim kernel tests: a scratch folder, the spec of a sim
 * kernel inside it, and a clean environment (no $KEXT_SIM_OSVERSION,
 * $KEXT_SIM_ARCH, $KEXT_SIM_HINTS or crash point left over from an earlier
 * test).
 */
#ifndef SIM_FIXTURE_H
#define SIM_FIXTURE_H

struct kext_kernel;

struct sim_fixture {
	char dir[256];		/* scratch folder, removed afterwards */
	char spec[300];		/* sim:<dir>, or sim:<dir>/<sub> */
	char state[300];	/* that sim kernel's state file */
	struct kext_kernel *k;	/* closed by the teardown when a test set it */
};

/*
 * cmocka setup: a fresh fixture as *state, its folder named <prefix>XXXXXX
 * and its sim kernel in <dir>/<sub> (in <dir> itself when sub is NULL).
 */
int sim_fixture_setup(void **state, const char *prefix, const char *sub);
/* cmocka teardown: closes f->k, clears the sim variables, removes the folder. */
int sim_fixture_teardown(void **state);

#endif
