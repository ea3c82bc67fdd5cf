/* The sim kernel tests' fixture (see sim_fixture.h). */
#include "sim_fixture.h"

#include <stdio.h>
#include <stdlib.h>

#include "kext/kernel.h"
#include "scratch_dir.h"

static void
clear_sim_env(void)
{
	unsetenv("KEXT_SIM_OSVERSION");
	unsetenv("KEXT_SIM_ARCH");
	unsetenv("KEXT_SIM_HINTS");
	unsetenv("KEXT_SIM_CRASH_AFTER_RECORDS");
	unsetenv("KEXT_SIM_CRASH_AFTER_SNAPSHOTS");
}

int
sim_fixture_setup(void **state, const char *prefix, const char *sub)
{
	struct sim_fixture *f = calloc(1, sizeof(*f));
	const char *sep = sub != NULL ? "/" : "", *name = sub != NULL ? sub : "";

	if (f == NULL)
		return -1;
	if (scratch_dir_make(f->dir, sizeof(f->dir), prefix) != 0) {
		free(f);
		return -1;
	}
	snprintf(f->spec, sizeof(f->spec), "sim:%s%s%s", f->dir, sep, name);
	snprintf(f->state, sizeof(f->state), "%s%s%s/state", f->dir, sep, name);
	clear_sim_env();
	*state = f;
	return 0;
}

int
sim_fixture_teardown(void **state)
{
	struct sim_fixture *f = *state;

	kext_kernel_close(f->k);
	clear_sim_env();
	scratch_dir_remove(f->dir);
	free(f);
	return 0;
}
