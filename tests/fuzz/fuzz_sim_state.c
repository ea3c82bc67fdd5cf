/*
 * libFuzzer harness: the sim kernel's state file. The bytes become
 * DIR/state; the kernel is opened and listed (which parses it), then a
 * module lookup and an unload of file 2 run on whatever parsed, so the
 * parser and the state it builds are both exercised.
 */
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char spec[64], state[64];

/* A scratch folder, memory-backed where there is /dev/shm: files are rewritten per input. */
static int
make_scratch(char *out, size_t len, const char *name)
{
	struct stat st;

	snprintf(out, len, "%s/%s.XXXXXX", stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ?
	    "/dev/shm" : "/tmp", name);
	return mkdtemp(out) != NULL ? 0 : -1;
}

static int
prepare(void)
{
	if (spec[0] != '\0')
		return 0;
	if (make_scratch(dir, sizeof(dir), "fuzz_sim_state") != 0)
		return -1;
	snprintf(spec, sizeof(spec), "sim:%s", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kext_kld_file *files;
	struct kext_kernel *k;
	kext_error err;
	size_t n;
	FILE *fp;
	int id;

	if (prepare() != 0 || (fp = fopen(state, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	if (kext_kernel_open(spec, &k, &err) != 0)
		return 0;
	if (kext_kernel_list(k, &files, &n, &err) == 0) {
		kext_kld_files_free(files, n);
		(void)kext_kernel_find_module(k, "kernel", &id, &err);
		(void)kext_kernel_unload(k, 2, false, &err);
	}
	kext_kernel_close(k);
	return 0;
}
