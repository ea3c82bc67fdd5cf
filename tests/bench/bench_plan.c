/*
 * Load-plan benchmark: 1,000 kexts in one extensions folder (a kernel
 * component plus 10 chains of 100 libraries, each depending on the one
 * below it and on the kernel), then a plan for the top of one chain from a
 * cold cache (every Info.plist read, index written) and a warm one (index
 * trusted, only the chosen bundles read). Prints time and Info.plist reads.
 * The files and the folder are dated an hour back, as installed kexts would
 * be, so the warm plans take the index on trust (kext/repo.h).
 */
#include <stdbool.h>
#include <time.h>

#include "kext/plan.h"
#include "test_bundle_fixture.h"

#define CHAINS		10
#define DEPTH		100
#define TARGET_MS	20.0

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
generate(const char *ext)
{
	char name[64], id[64], libs[160], *k;
	int c, i;

	k = fx_kernel(ext, "Kernel.kext", "org.freebsd.kernel", "14.2", "14.0");
	free(k);
	for (c = 0; c < CHAINS; c++) {
		for (i = 0; i < DEPTH - (c == 0); i++) {	/* 1 + 999 kexts */
			snprintf(name, sizeof(name), "C%02dL%03d.kext", c, i);
			snprintf(id, sizeof(id), "org.bench.c%d.l%d", c, i);
			if (i == 0)
				snprintf(libs, sizeof(libs), "org.freebsd.kernel=14.0");
			else
				snprintf(libs, sizeof(libs), "org.bench.c%d.l%d=1.0,"
				    "org.freebsd.kernel=14.0", c, i - 1);
			k = fx_lib(ext, name, id, "1.0", "1.0", libs);
			free(k);
		}
	}
}

/* One plan with a fresh repository set; returns 0 and fills the figures. */
static int
run(const char *ext, const char *cache, const char *root, double *ms,
    unsigned long *reads, size_t *planned)
{
	struct kext_repos *r;
	struct kext_plan *p;
	unsigned long before = kext_info_plist_reads();
	double start = now_ms();
	kext_error err;

	if (kext_repos_create(&r, &err) != 0 ||
	    kext_repos_set_cache_dir(r, cache, &err) != 0 ||
	    kext_repos_add_directory(r, ext, KEXT_REPO_SYSTEM, &err) != 0) {
		fprintf(stderr, "bench_plan: %s\n", err.msg);
		return -1;
	}
	if (kext_plan_create(r, NULL, &p, &err) != 0 ||
	    kext_plan_add_identifier(p, root, &err) != 0) {
		fprintf(stderr, "bench_plan: %s\n", err.msg);
		kext_repos_free(r);
		return -1;
	}
	*ms = now_ms() - start;
	*reads = kext_info_plist_reads() - before;
	*planned = kext_plan_count(p);
	kext_plan_free(p);
	kext_repos_free(r);
	return 0;
}

int
main(void)
{
	char *dir = fx_tmpdir(), *ext, *cache, root[64];
	double cold_ms, warm_ms, best = 1e9;
	unsigned long cold_reads, warm_reads;
	size_t planned;
	int i, rc = 1;

	ext = fx_fmt("%s/Extensions", dir);
	cache = fx_fmt("%s/cache", dir);
	generate(ext);
	fx_age(ext);
	snprintf(root, sizeof(root), "org.bench.c1.l%d", DEPTH - 1);

	if (run(ext, cache, root, &cold_ms, &cold_reads, &planned) != 0)
		goto out;
	printf("bench_plan: %d kexts, plan of %zu (chain depth %d)\n",
	    CHAINS * DEPTH, planned, DEPTH);
	printf("cold: %.2f ms, %lu Info.plist reads\n", cold_ms, cold_reads);
	for (i = 0; i < 5; i++) {
		if (run(ext, cache, root, &warm_ms, &warm_reads, &planned) != 0)
			goto out;
		if (warm_ms < best)
			best = warm_ms;
	}
	printf("warm: %.2f ms (best of 5), %lu Info.plist reads; target <= %.0f ms: %s\n",
	    best, warm_reads, TARGET_MS, best <= TARGET_MS ? "met" : "MISSED");
	rc = 0;
out:
	scratch_dir_free(dir);
	free(ext);
	free(cache);
	return rc;
}
