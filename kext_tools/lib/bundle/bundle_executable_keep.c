/*
 * One open of each executable per process: validation opens the executable
 * to check its ELF header, and when the process asked for it
 * (kext_bundle_keep_executables) that descriptor is kept for the load, which
 * then checks and reads the very file validation looked at instead of opening
 * the path again. Kept descriptors are budgeted (a quarter of RLIMIT_NOFILE's
 * soft limit, at most KEEP_MAX) so that a process holding many bundles does
 * not run out of them; past the budget the load opens the path, as it does
 * when nothing is kept.
 */
#include <sys/resource.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "bundle_internal.h"

#define KEEP_MAX	256

static _Atomic bool keeping;
static _Atomic long keep_cap;
static _Atomic long kept;

bool
kext_bundle_keep_executables(bool keep)
{
	struct rlimit rl;
	long cap = KEEP_MAX;

	if (keep && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < (rlim_t)cap)
		cap = (long)(rl.rlim_cur / 4);
	atomic_store(&keep_cap, cap);
	return atomic_exchange(&keeping, keep);
}

bool
kext_bundle_keep_executable(struct kext_bundle *b, int fd)
{
	if (!atomic_load(&keeping) || b->exec_fd >= 0)
		return false;
	if (atomic_fetch_add(&kept, 1) >= atomic_load(&keep_cap)) {
		atomic_fetch_sub(&kept, 1);
		return false;
	}
	b->exec_fd = fd;
	return true;
}

/* Hands the kept descriptor over (-1 when there is none): the caller owns it. */
int
kext_bundle_take_executable(struct kext_bundle *b)
{
	int fd = b->exec_fd;

	if (fd < 0)
		return -1;
	b->exec_fd = -1;
	atomic_fetch_sub(&kept, 1);
	return fd;
}

void
kext_bundle_drop_executable(struct kext_bundle *b)
{
	int fd = kext_bundle_take_executable(b);

	if (fd >= 0)
		close(fd);
}
