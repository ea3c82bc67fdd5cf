/*
 * kld: a plain kldload(8)/kldunload(8)/kldstat(8) over the engine's kernel
 * backends, so tests can do on the sim kernel what a user does with FreeBSD's
 * own tools: load a .ko that is no kext's, unload by id, see the raw counts.
 *
 *   kld load PATH      prints the new file id
 *   kld unload ID
 *   kld stat           one line a file: ID REFS NAME PATHNAME
 *
 * The kernel is $KEXT_KERNEL. A test helper; never installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kext/kernel.h"

static int
usage(void)
{
	fputs("usage: kld load PATH | kld unload ID | kld stat\n", stderr);
	return EX_USAGE;
}

static int
stat_all(struct kext_kernel *k, kext_error *err)
{
	struct kext_kld_file *files;
	size_t n;

	if (kext_kernel_list(k, &files, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		printf("%d %d %s %s\n", files[i].id, files[i].refs, files[i].name,
		    files[i].pathname ? files[i].pathname : "-");
	kext_kld_files_free(files, n);
	return 0;
}

int
main(int argc, char **argv)
{
	struct kext_kernel *k;
	kext_error err;
	char *end;
	long id = 0;
	int fileid, rc;

	if (argc < 2 || (strcmp(argv[1], "stat") == 0 && argc != 2) ||
	    (strcmp(argv[1], "stat") != 0 && argc != 3))
		return usage();
	if (strcmp(argv[1], "unload") == 0) {
		id = strtol(argv[2], &end, 10);
		if (*end != '\0' || id <= 0 || id > 1000000000)
			return usage();
	} else if (strcmp(argv[1], "load") != 0 && strcmp(argv[1], "stat") != 0) {
		return usage();
	}
	if (kext_kernel_open(NULL, &k, &err) != 0) {
		fprintf(stderr, "kld: %s\n", err.msg);
		return EX_OSERR;
	}
	if (strcmp(argv[1], "load") == 0) {
		rc = kext_kernel_load(k, argv[2], &fileid, &err);
		if (rc == 0)
			printf("%d\n", fileid);
	} else if (strcmp(argv[1], "unload") == 0) {
		rc = kext_kernel_unload(k, (int)id, false, &err);
	} else {
		rc = stat_all(k, &err);
	}
	if (rc != 0)
		fprintf(stderr, "kld: %s\n", err.msg);
	kext_kernel_close(k);
	return rc == 0 ? EX_OK : 1;
}
