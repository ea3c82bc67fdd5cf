/* Generated kext farms (see kext_farm.h). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext_farm.h"

#define NAME_LEN 8	/* "gen00000": the placeholders' fixed width */

static int
__attribute__((format(printf, 3, 4)))
fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
write_file(const char *path, const void *data, size_t len, char *msg, size_t msglen)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return fail(msg, msglen, "%s: %s", path, strerror(errno));
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n <= 0) {
			close(fd);
			return fail(msg, msglen, "%s: write: %s", path, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd) == 0 ? 0 : fail(msg, msglen, "%s: close: %s", path, strerror(errno));
}

static int
read_template(const char *path, char **data, size_t *len, char *msg, size_t msglen)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return fail(msg, msglen, "%s: %s (build the fixtures first)", path,
		    strerror(errno));
	if (fstat(fd, &sb) != 0 || sb.st_size <= 0 || sb.st_size > (1 << 20) ||
	    (*data = malloc((size_t)sb.st_size)) == NULL) {
		close(fd);
		return fail(msg, msglen, "%s: expected a module of at most 1 MiB", path);
	}
	got = read(fd, *data, (size_t)sb.st_size);
	close(fd);
	if (got != sb.st_size) {
		free(*data);
		return fail(msg, msglen, "%s: short read", path);
	}
	*len = (size_t)got;
	return 0;
}

/* Rewrites every occurrence of the placeholder from in image with to. */
static void
rename_all(char *image, size_t len, const char *from, const char *to)
{
	for (char *p = image; (p = memmem(p, len - (size_t)(p - image), from, NAME_LEN)) != NULL;
	    p += NAME_LEN)
		memcpy(p, to, NAME_LEN);
}

/* Whether kext i depends on kext i-1. */
static bool
linked_down(enum kext_farm_shape shape, size_t i, size_t n)
{
	size_t per = n / 10 != 0 ? n / 10 : 1;

	return i > 0 && (shape == KEXT_FARM_CHAIN || (shape == KEXT_FARM_CHAINS && i % per != 0));
}

static int
make_one(const char *dir, const char *image, size_t len, char *copy, size_t i, size_t n,
    enum kext_farm_shape shape, char *msg, size_t msglen)
{
	bool down = linked_down(shape, i, n);
	char self[16], dep[16], path[4096], plist[1024], libs[256];
	size_t used;

	snprintf(self, sizeof(self), "gen%05u", (unsigned)(i % KEXT_FARM_MAX));
	snprintf(dep, sizeof(dep), "gen%05u",
	    (unsigned)((down ? i - 1 : i) % KEXT_FARM_MAX));
	memcpy(copy, image, len);
	rename_all(copy, len, "gen00000", self);
	rename_all(copy, len, "gnd00000", dep);
	if (shape == KEXT_FARM_MODULES) {
		snprintf(path, sizeof(path), "%s/%s.ko", dir, self);
		return write_file(path, copy, len, msg, msglen);
	}
	snprintf(path, sizeof(path), "%s/Gen%05zu.kext", dir, i);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return fail(msg, msglen, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/Gen%05zu.kext/Contents", dir, i);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return fail(msg, msglen, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/Gen%05zu.kext/Contents/MacOS", dir, i);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return fail(msg, msglen, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/Gen%05zu.kext/Contents/MacOS/%s.ko", dir, i, self);
	if (write_file(path, copy, len, msg, msglen) != 0)
		return -1;
	used = (size_t)snprintf(libs, sizeof(libs),
	    "\t\t<key>org.freebsd.kernel</key><string>14.0</string>\n");
	if (down)
		snprintf(libs + used, sizeof(libs) - used,
		    "\t\t<key>org.farm.%s</key><string>1.0</string>\n", dep);
	snprintf(plist, sizeof(plist),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
	    "<plist version=\"1.0\">\n<dict>\n"
	    "\t<key>CFBundlePackageType</key><string>KEXT</string>\n"
	    "\t<key>CFBundleIdentifier</key><string>org.farm.%s</string>\n"
	    "\t<key>CFBundleVersion</key><string>1.0</string>\n"
	    "\t<key>OSBundleCompatibleVersion</key><string>1.0</string>\n"
	    "\t<key>CFBundleExecutable</key><string>%s.ko</string>\n"
	    "\t<key>OSBundleLibraries</key>\n\t<dict>\n%s\t</dict>\n"
	    "</dict>\n</plist>\n", self, self, libs);
	snprintf(path, sizeof(path), "%s/Gen%05zu.kext/Contents/Info.plist", dir, i);
	return write_file(path, plist, strlen(plist), msg, msglen);
}

int
kext_farm_make(const char *dir, const char *template_ko, size_t n,
    enum kext_farm_shape shape, char *msg, size_t msglen)
{
	char *image = NULL, *copy;
	size_t len = 0;
	int rc = 0;

	if (n > KEXT_FARM_MAX)
		return fail(msg, msglen, "%s: at most %u kexts, asked for %zu", dir,
		    (unsigned)KEXT_FARM_MAX, n);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return fail(msg, msglen, "%s: %s", dir, strerror(errno));
	if (read_template(template_ko, &image, &len, msg, msglen) != 0)
		return -1;
	if (memmem(image, len, "gen00000", NAME_LEN) == NULL ||
	    memmem(image, len, "gnd00000", NAME_LEN) == NULL) {
		free(image);
		return fail(msg, msglen, "%s: not the gen_link template (no placeholder names)",
		    template_ko);
	}
	if ((copy = malloc(len)) == NULL) {
		free(image);
		return fail(msg, msglen, "out of memory");
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = make_one(dir, image, len, copy, i, n, shape, msg, msglen);
	free(copy);
	free(image);
	return rc;
}

int
kext_farm_sim_state(const char *dir, size_t n, const char *state_path, char *msg,
    size_t msglen)
{
	const uint64_t base = UINT64_C(0xffffffff82200000), size = 0x1000;
	char *abs = realpath(dir, NULL);
	FILE *fp;

	if (abs == NULL)
		return fail(msg, msglen, "%s: %s", dir, strerror(errno));
	if ((fp = fopen(state_path, "w")) == NULL) {
		free(abs);
		return fail(msg, msglen, "%s: %s", state_path, strerror(errno));
	}
	fprintf(fp, "kext-sim-state 1\nosreldate 1402000\narch amd64\n"
	    "next-file-id %zu\nnext-module-id %zu\nnext-address 0x%" PRIx64 "\n"
	    "file 1 %zu 0xffffffff80200000 0x1f3c6c0 kernel /boot/kernel/kernel\n"
	    "version kernel 1402000\n", n + 2, n + 1, base + n * size, n + 1);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "file %zu 1 0x%" PRIx64 " 0x%" PRIx64 " gen%05zu.ko "
		    "%s/Gen%05zu.kext/Contents/MacOS/gen%05zu.ko\n"
		    "version gen%05zu 1\nmodule %zu gen%05zu\ndepend 1\n", i + 2,
		    base + i * size, size, i, abs, i, i, i, i + 1, i);
	free(abs);
	if (fclose(fp) != 0)
		return fail(msg, msglen, "%s: %s", state_path, strerror(errno));
	return 0;
}
