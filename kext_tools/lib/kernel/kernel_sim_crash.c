/*
 * The sim kernel's crash points, a test hook: a process given
 * KEXT_SIM_CRASH_AFTER_RECORDS=N dies by SIGKILL right after it has
 * appended its Nth journal record to DIR/state, one given
 * KEXT_SIM_CRASH_AFTER_SNAPSHOTS=N right after the Nth snapshot it wrote
 * over its records or in their place. A test that kills a tool from outside
 * races the writes; these stop it at a chosen write, every time.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "kernel_sim.h"
#include "kext/error.h"

/* One variable: 0 when unset or empty, else a count from 1. */
static int
crash_count(const char *variable, const char *what, int *count, kext_error *err)
{
	const char *v = getenv(variable);
	char *end;
	long n = 0;
	bool ok;

	*count = 0;
	if (v == NULL || v[0] == '\0')
		return 0;
	if ((ok = v[0] >= '0' && v[0] <= '9')) {
		errno = 0;
		n = strtol(v, &end, 10);
		ok = errno == 0 && *end == '\0' && n >= 1 && n <= SIM_MAX_ID;
	}
	if (!ok)
		return kext_fail(err, EINVAL,
		    "%s='%.40s': expected a count from 1 to %d: the process kills itself after "
		    "%s (a test hook; unset it to run normally)", variable, v, SIM_MAX_ID, what);
	*count = (int)n;
	return 0;
}

int
sim_crash_init(struct sim_crash *c, kext_error *err)
{
	if (crash_count("KEXT_SIM_CRASH_AFTER_RECORDS", "appending that many journal records",
	    &c->records_left, err) != 0)
		return -1;
	return crash_count("KEXT_SIM_CRASH_AFTER_SNAPSHOTS", "writing that many snapshots",
	    &c->snapshots_left, err);
}

/*
 * SIGKILL, as `kill -9` from outside would: no handler, atexit function or
 * close of the sim runs, so the file is left exactly as the write left it.
 * The library otherwise never ends its process; this is the hook's one job,
 * and only the environment above arms it.
 */
void
sim_crash_now(void)
{
	raise(SIGKILL);
}
