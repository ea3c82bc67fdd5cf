/*
 * libFuzzer harness: ko2kext's input reader on an arbitrary file: an ELF
 * module, or else an archive libarchive reads (the headers' size check, then
 * each .ko member, a package's +MANIFEST, a release tarball's README and its
 * check against the modules). Seeds are small uncompressed tars
 * (seeds.sh), so mutations reach the members.
 */
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[64];

/* A scratch folder, memory-backed where there is /dev/shm: files are rewritten per input. */
static int
make_scratch(char *out, size_t len, const char *name)
{
	struct stat st;

	snprintf(out, len, "%s/%s.XXXXXX", stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ?
	    "/dev/shm" : "/tmp", name);
	return mkdtemp(out) != NULL ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conv_set set = { 0 };
	kext_error err;
	FILE *fp;

	if (path[0] == '\0') {
		if (make_scratch(dir, sizeof(dir), "fuzz_archive") != 0)
			abort();
		snprintf(path, sizeof(path), "%s/input.tar", dir);
	}
	if ((fp = fopen(path, "w")) == NULL || fwrite(data, 1, size, fp) != size ||
	    fclose(fp) != 0)
		abort();
	(void)conv_add_input(&set, path, &err);
	conv_set_free(&set);
	return 0;
}
