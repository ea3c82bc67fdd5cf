/*
 * libxml2 opened with dlopen the first time an XML property list must
 * really be parsed, instead of being linked: starting libxml2 (on Debian it
 * brings ICU, libstdc++, liblzma and zlib with it) cost every tool about
 * 1.1 ms of CPU at start-up, 60% of `kextutil --help`, even when no XML
 * was read.
 *
 * The file is the soname of the libxml2 the build compiled against
 * (CFLITE_LIBXML2_SONAME, found by the Makefile): the ABI the headers
 * describe. The library must also say it is that major version and no
 * older a release than the headers, since the readers use the parser
 * context's members directly.
 *
 * Test hook: CFLITE_LIBXML2_FILE names another file to open instead (the
 * tests point it at one that does not exist); ignored in set-user-ID and
 * set-group-ID processes.
 */
#include "cflite_internal.h"
#include "cflite_libxml.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef CFLITE_LIBXML2_SONAME
#error "CFLITE_LIBXML2_SONAME (libxml2's file name, e.g. \"libxml2.so.2\") is not defined; the Makefile finds it"
#endif

/* Set once, by whichever thread finishes loading first. */
static _Atomic(const struct cflite_libxml *) loaded;

static const char *
library_file(void)
{
	const char *file = getenv("CFLITE_LIBXML2_FILE");

	if (file == NULL || file[0] == '\0' || getuid() != geteuid() || getgid() != getegid())
		return CFLITE_LIBXML2_SONAME;
	return file;
}

static void
set_error(CFErrorRef *error, const char *file, const char *why)
{
	if (error != NULL)
		*error = cflite_error_create_msg(kCFErrorDomainCocoa, kCFPropertyListReadStreamError,
		    "XML is read with libxml2, which could not be loaded from %s: %s", file, why);
}

/* xmlParserVersion is "20914" for 2.9.14, maybe with a suffix. */
static bool
version_fits(void *lib, const char *file, CFErrorRef *error)
{
	const char *const *version = dlsym(lib, "xmlParserVersion");
	long v;

	if (version == NULL || *version == NULL) {
		set_error(error, file, "it has no xmlParserVersion, so it is not libxml2");
		return false;
	}
	v = strtol(*version, NULL, 10);
	if (v / 10000 != LIBXML_VERSION / 10000 || v / 100 < LIBXML_VERSION / 100) {
		if (error != NULL)
			*error = cflite_error_create_msg(kCFErrorDomainCocoa,
			    kCFPropertyListReadStreamError,
			    "XML is read with libxml2, but %s is libxml2 %ld.%ld.%ld and this "
			    "program was built for %d.%d.%d or a newer %d.x", file, v / 10000,
			    v / 100 % 100, v % 100, LIBXML_VERSION / 10000,
			    LIBXML_VERSION / 100 % 100, LIBXML_VERSION % 100,
			    LIBXML_VERSION / 10000);
		return false;
	}
	return true;
}

static struct cflite_libxml *
load(CFErrorRef *error)
{
	const char *file = library_file(), *why;
	struct cflite_libxml *lx;
	void *lib;

	/* bound lazily, as a linked libxml2 was; its symbols kept to itself */
	if ((lib = dlopen(file, RTLD_LAZY | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		set_error(error, file, why != NULL ? why : "dlopen failed");
		return NULL;
	}
	if (!version_fits(lib, file, error)) {
		dlclose(lib);
		return NULL;
	}
	if ((lx = calloc(1, sizeof(*lx))) == NULL) {
		dlclose(lib);
		set_error(error, file, "out of memory");
		return NULL;
	}
#define CFLITE_LIBXML_RESOLVE(name) \
	if ((lx->name = (__typeof__(lx->name))dlsym(lib, #name)) == NULL) { \
		set_error(error, file, "it has no " #name); \
		free(lx); \
		dlclose(lib); \
		return NULL; \
	}
	CFLITE_LIBXML_FUNCTIONS(CFLITE_LIBXML_RESOLVE)
#undef CFLITE_LIBXML_RESOLVE
	lx->xmlInitParser();
	return lx;
}

const struct cflite_libxml *
cflite_libxml(CFErrorRef *error)
{
	const struct cflite_libxml *lx = atomic_load_explicit(&loaded, memory_order_acquire);
	const struct cflite_libxml *none = NULL;
	struct cflite_libxml *mine;

	if (error != NULL)
		*error = NULL;
	if (lx != NULL)
		return lx;
	if ((mine = load(error)) == NULL)
		return NULL;
	/* Another thread may have won: use its table (the library stays open, counted twice). */
	if (!atomic_compare_exchange_strong_explicit(&loaded, &none, mine, memory_order_acq_rel,
	    memory_order_acquire)) {
		free(mine);
		return none;
	}
	return mine;
}
