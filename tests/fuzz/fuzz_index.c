/*
 * libFuzzer harness: the identifier index. The bytes are the entry lines of
 * the index of a fixed repository folder (the harness writes the header,
 * with the folder's real stamp, so the index is taken on trust), which holds
 * one kext, A.kext; a look-up then reads the lines it needs, checks their
 * checksums and fields, and falls back to a scan when they fail.
 * The folder is fixed (/dev/shm/kext-fuzz-index/R, or under /tmp without
 * /dev/shm) so seeds can hold lines with right checksums and paths
 * (seeds.sh); memory-backed, because the index is rewritten (and synced)
 * for nearly every input, which on a disk held the rate to 60 inputs/s.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kext/map.h"
#include "kext/repo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char top[64], repo[80], cache[80], index_path[128];

static void
write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0)
		abort();
}

static void
prepare(void)
{
	struct stat st;
	char path[160];

	if (index_path[0] != '\0')
		return;
	snprintf(top, sizeof(top), "%s/kext-fuzz-index",
	    stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp");
	snprintf(repo, sizeof(repo), "%s/R", top);
	snprintf(cache, sizeof(cache), "%s/cache", top);
	(void)mkdir(top, 0755);
	(void)mkdir(repo, 0755);
	snprintf(path, sizeof(path), "%s/A.kext", repo);
	(void)mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/A.kext/Contents", repo);
	(void)mkdir(path, 0755);
	(void)mkdir(cache, 0755);
	snprintf(path, sizeof(path), "%s/A.kext/Contents/Info.plist", repo);
	write_text(path, "<plist version=\"1.0\"><dict>"
	    "<key>CFBundleIdentifier</key><string>org.fuzz.a</string>"
	    "<key>CFBundlePackageType</key><string>KEXT</string>"
	    "<key>CFBundleVersion</key><string>1.0</string>"
	    "<key>OSBundleCompatibleVersion</key><string>1.0</string></dict></plist>");
	snprintf(index_path, sizeof(index_path), "%s/%016llx.kextindex", cache,
	    kext_hash64(repo));
}

/* The header repo_index.c writes for the folder as it is now, old enough to be trusted. */
static void
write_header(FILE *fp)
{
	struct timespec now, back[2];
	struct stat st;
	char line[256];

	clock_gettime(CLOCK_REALTIME, &now);
	back[0] = back[1] = (struct timespec){now.tv_sec - 3600, 0};
	if (utimensat(AT_FDCWD, repo, back, 0) != 0 || stat(repo, &st) != 0)
		abort();
	snprintf(line, sizeof(line), "kextindex 5\t%s\t%llu\t%llu\t%lld\t%lld\t%lld", repo,
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	    (long long)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
	    (long long)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec,
	    (long long)now.tv_sec * 1000000000 + now.tv_nsec);
	if (fprintf(fp, "%s\t%016llx\n", line, kext_hash64(line)) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct kext_candidate **v;
	struct kext_repos *r;
	kext_error err;
	size_t n;
	FILE *fp;

	prepare();
	if ((fp = fopen(index_path, "w")) == NULL)
		abort();
	write_header(fp);
	if (fwrite(data, 1, size, fp) != size ||
	    fclose(fp) != 0 || chmod(index_path, 0644) != 0)
		abort();
	if (kext_repos_create(&r, &err) != 0)
		abort();
	if (kext_repos_set_cache_dir(r, cache, &err) == 0 &&
	    kext_repos_add_directory(r, repo, KEXT_REPO_SYSTEM, &err) == 0 &&
	    kext_repos_lookup(r, "org.fuzz.a", &v, &n, &err) == 0) {
		/* the index may never make the kext vanish or point elsewhere */
		if (n != 1 || strncmp(v[0]->bundle_path, repo, strlen(repo)) != 0 ||
		    strcmp(v[0]->bundle_path + strlen(repo), "/A.kext") != 0)
			abort();
		free(v);
	}
	kext_repos_free(r);
	return 0;
}
