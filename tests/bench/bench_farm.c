/*
 * Writes a kext farm for the benchmarks (tests/unit/kext_farm.h):
 *   bench_farm DIR N flat|chain|chains|modules TEMPLATE.ko [SIM_STATE [SIM_SPEC]]
 * chains: ten chains of N/10; modules: only the N module files, DIR/genNNNNN.ko
 * (ko2kext's inputs). With SIM_STATE (flat farms), also a sim kernel state
 * with all N loaded; with SIM_SPEC (sim:D, D the folder of SIM_STATE), also
 * kextload's record of them in that kernel, as after N kextloads.
 * The Info.plists and the folder are dated an hour back, as installed kexts
 * (and bench_plan's) are: the identifier index does not trust a file or a
 * folder modified within two seconds of its read, so a farm written just now
 * would be read whole by every plan made in those two seconds.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kext_farm.h"
#include "kext_farm_record.h"

/* Dates the Info.plist of each of the n kexts (kext_farm.h's names), then dir, an hour back. */
static int
age(const char *dir, unsigned long n)
{
	struct timespec ts[2];
	char path[4096];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= 3600;
	ts[1] = ts[0];
	for (unsigned long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/Gen%05lu.kext/Contents/Info.plist", dir, i);
		if (utimensat(AT_FDCWD, path, ts, 0) != 0) {
			fprintf(stderr, "bench_farm: %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	if (utimensat(AT_FDCWD, dir, ts, 0) != 0) {
		fprintf(stderr, "bench_farm: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char msg[512];
	char *end;
	unsigned long n;

	if (argc < 5 || argc > 7 ||
	    (strcmp(argv[3], "flat") != 0 && strcmp(argv[3], "chain") != 0 &&
	    strcmp(argv[3], "chains") != 0 && strcmp(argv[3], "modules") != 0) ||
	    (argc >= 6 && strcmp(argv[3], "flat") != 0)) {
		fprintf(stderr, "usage: bench_farm DIR N flat|chain|chains|modules TEMPLATE.ko "
		    "[SIM_STATE [SIM_SPEC]]\n  (SIM_STATE with flat farms only)\n");
		return 2;
	}
	n = strtoul(argv[2], &end, 10);
	if (*end != '\0' || argv[2][0] == '\0') {
		fprintf(stderr, "bench_farm: N '%s': expected a number\n", argv[2]);
		return 2;
	}
	if (kext_farm_make(argv[1], argv[4], n,
	    strcmp(argv[3], "chain") == 0 ? KEXT_FARM_CHAIN :
	    strcmp(argv[3], "chains") == 0 ? KEXT_FARM_CHAINS :
	    strcmp(argv[3], "modules") == 0 ? KEXT_FARM_MODULES : KEXT_FARM_FLAT,
	    msg, sizeof(msg)) != 0) {
		fprintf(stderr, "bench_farm: %s\n", msg);
		return 1;
	}
	if (strcmp(argv[3], "modules") != 0 && age(argv[1], n) != 0)	/* no bundles to date */
		return 1;
	if (argc >= 6 && kext_farm_sim_state(argv[1], n, argv[5], msg, sizeof(msg)) != 0) {
		fprintf(stderr, "bench_farm: %s\n", msg);
		return 1;
	}
	if (argc == 7 && kext_farm_load_record(argv[1], n, argv[6], msg, sizeof(msg)) != 0) {
		fprintf(stderr, "bench_farm: %s\n", msg);
		return 1;
	}
	return 0;
}
