/*
 * Which bundle provides a module name that a MODULE_DEPEND asks for.
 *
 * FreeBSD resolves dependencies by MDT_VERSION names (not file or DECLARE_MODULE
 * names), so providers are (name, version) pairs from three places: the modules
 * converted in this run, existing bundles in repositories (their
 * FreeBSDModuleVersions key), and the kernel itself (linker.hints records "in
 * kernel", which stand for the kernel kext).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CoreFoundation/CFLiteExtras.h>

#include "convert.h"
#include "kext/fbsd_version.h"
#include "kext/hints.h"
#include "kext/sort.h"

int
conv_providers_add(struct conv_providers *pv, const char *module, int version,
    const char *identifier, int source)
{
	struct conv_provider *p;

	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 64;

		if ((p = reallocarray(pv->p, cap, sizeof(*p))) == NULL)
			return -1;
		pv->p = p;
		pv->cap = cap;
	}
	p = &pv->p[pv->n];
	p->module = strdup(module);
	p->identifier = strdup(identifier);
	p->version = version;
	p->source = source;
	p->version_string = NULL;
	if (p->module == NULL || p->identifier == NULL) {
		free(p->module);
		free(p->identifier);
		return -1;
	}
	pv->n++;
	pv->sorted = false;
	return 0;
}

struct repo_scan {
	struct conv_providers *pv;
	const char *identifier;
	const char *bundle_version;	/* CFBundleVersion, requested by dependents */
	int failed;
};

static void
add_repo_version(const void *key, const void *value, void *context)
{
	struct repo_scan *scan = context;
	char *name;
	int version;

	if (CFGetTypeID(key) != CFStringGetTypeID() || CFGetTypeID(value) != CFNumberGetTypeID() ||
	    !CFNumberGetValue(value, kCFNumberIntType, &version))
		return;
	if ((name = CFLiteCopyCString(key)) == NULL ||
	    conv_providers_add(scan->pv, name, version, scan->identifier, CONV_FROM_REPOSITORY) != 0 ||
	    (scan->bundle_version != NULL &&
	    (scan->pv->p[scan->pv->n - 1].version_string = strdup(scan->bundle_version)) == NULL))
		scan->failed = 1;
	free(name);
}

/* A converted Linux module's bundle provides its LinuxModuleName at its CFBundleVersion. */
static int
add_repo_linux(struct conv_providers *pv, CFPropertyListRef info)
{
	CFTypeRef id, name, version;
	char *i, *n, *v;
	int rc = 0;

	if (CFGetTypeID(info) != CFDictionaryGetTypeID() ||
	    (id = CFDictionaryGetValue(info, CFSTR("CFBundleIdentifier"))) == NULL ||
	    (name = CFDictionaryGetValue(info, CFSTR("LinuxModuleName"))) == NULL ||
	    (version = CFDictionaryGetValue(info, CFSTR("CFBundleVersion"))) == NULL ||
	    CFGetTypeID(id) != CFStringGetTypeID() || CFGetTypeID(name) != CFStringGetTypeID() ||
	    CFGetTypeID(version) != CFStringGetTypeID())
		return 0;
	i = CFLiteCopyCString(id);
	n = CFLiteCopyCString(name);
	v = CFLiteCopyCString(version);
	if (i == NULL || n == NULL || v == NULL ||
	    conv_providers_add_linux(pv, n, i, v, CONV_FROM_REPOSITORY) != 0)
		rc = -1;
	free(i);
	free(n);
	free(v);
	return rc;
}

/* Names of modules registered without a version live under "unversioned:". */
static int
unversioned_key(const char *module, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "unversioned:%s", module) < len ? 0 : -1;
}

/*
 * A converted module registered (FreeBSDModules) under a name it declares no
 * MODULE_VERSION for provides nothing a MODULE_DEPEND can use; it is kept
 * apart only so that a missing dependency can say why it is missing.
 */
static int
add_repo_unversioned(struct conv_providers *pv, CFPropertyListRef info)
{
	CFTypeRef id, modules, versions;
	char *ident, key[256];
	int rc = 0;

	if (CFGetTypeID(info) != CFDictionaryGetTypeID() ||
	    (id = CFDictionaryGetValue(info, CFSTR("CFBundleIdentifier"))) == NULL ||
	    CFGetTypeID(id) != CFStringGetTypeID() ||
	    (modules = CFDictionaryGetValue(info, CFSTR("FreeBSDModules"))) == NULL ||
	    CFGetTypeID(modules) != CFArrayGetTypeID())
		return 0;
	versions = CFDictionaryGetValue(info, CFSTR("FreeBSDModuleVersions"));
	if (versions != NULL && CFGetTypeID(versions) != CFDictionaryGetTypeID())
		versions = NULL;
	if ((ident = CFLiteCopyCString(id)) == NULL)
		return -1;
	for (CFIndex i = 0; rc == 0 && i < CFArrayGetCount(modules); i++) {
		CFTypeRef m = CFArrayGetValueAtIndex(modules, i), name;
		char *n;

		if (CFGetTypeID(m) != CFDictionaryGetTypeID() ||
		    (name = CFDictionaryGetValue(m, CFSTR("Name"))) == NULL ||
		    CFGetTypeID(name) != CFStringGetTypeID() ||
		    (versions != NULL && CFDictionaryContainsKey(versions, name)))
			continue;
		if ((n = CFLiteCopyCString(name)) == NULL)
			rc = -1;
		else if (unversioned_key(n, key, sizeof(key)) == 0)
			rc = conv_providers_add(pv, key, 0, ident, CONV_FROM_REPOSITORY);
		free(n);
	}
	free(ident);
	return rc;
}

const struct conv_provider *
conv_providers_find_unversioned(struct conv_providers *pv, const char *module)
{
	char key[256];

	if (unversioned_key(module, key, sizeof(key)) != 0)
		return NULL;
	return conv_providers_find(pv, key, 0, 0, 0);
}

/* Bundles in dir (not recursive) that tell which FreeBSD module versions they provide. */
int
conv_providers_add_repository(struct conv_providers *pv, const char *dir, kext_error *err)
{
	DIR *d;
	struct dirent *e;
	char path[4096];
	int rc = 0;

	if ((d = opendir(dir)) == NULL)
		return kext_fail(err, errno, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL && rc == 0) {
		size_t len = strlen(e->d_name);
		CFPropertyListRef info;
		CFTypeRef id, versions;
		struct repo_scan scan = {pv, NULL, NULL, 0};

		if (len <= 5 || strcmp(e->d_name + len - 5, ".kext") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/Contents/Info.plist", dir, e->d_name);
		/* An unreadable bundle provides nothing; kextutil is where it gets diagnosed. */
		if ((info = CFLitePropertyListCreateFromPath(path, 0, NULL, NULL)) == NULL)
			continue;
		if (CFGetTypeID(info) == CFDictionaryGetTypeID() &&
		    (id = CFDictionaryGetValue(info, CFSTR("CFBundleIdentifier"))) != NULL &&
		    CFGetTypeID(id) == CFStringGetTypeID() &&
		    (versions = CFDictionaryGetValue(info, CFSTR("FreeBSDModuleVersions"))) != NULL &&
		    CFGetTypeID(versions) == CFDictionaryGetTypeID()) {
			char *ident = CFLiteCopyCString(id);
			char *bundle_version = CFLiteCopyCString(
			    CFDictionaryGetValue(info, CFSTR("CFBundleVersion")));

			scan.identifier = ident;
			scan.bundle_version = bundle_version;
			if (ident != NULL)
				CFDictionaryApplyFunction(versions, add_repo_version, &scan);
			if (ident == NULL || scan.failed)
				rc = kext_fail(err, ENOMEM, "%s: out of memory", path);
			free(ident);
			free(bundle_version);
		}
		if (rc == 0 && (add_repo_linux(pv, info) != 0 || add_repo_unversioned(pv, info) != 0))
			rc = kext_fail(err, ENOMEM, "%s: out of memory", path);
		CFRelease(info);
	}
	closedir(d);
	return rc;
}

/* The VERSION records linker.hints lists for the file "kernel": built-in modules. */
int
conv_providers_add_hints(struct conv_providers *pv, const char *hints_path,
    const char *kernel_id, kext_error *err)
{
	struct hints_file *h;
	int rc = 0;

	if (hints_open(hints_path, &h, err) != 0)
		return -1;
	for (size_t i = 0; i < h->num_records && rc == 0; i++) {
		const struct hints_record *r = &h->records[i];

		if (r->type == HINTS_VERSION && r->kldfile != NULL && strcmp(r->kldfile, "kernel") == 0 &&
		    conv_providers_add(pv, r->name, r->version, kernel_id, CONV_FROM_KERNEL) != 0)
			rc = kext_fail(err, ENOMEM, "%s: out of memory", hints_path);
	}
	hints_free(h);
	return rc;
}

static int
by_module(const void *a, const void *b)
{
	const struct conv_provider *pa = a, *pb = b;
	int c = strcmp(pa->module, pb->module);

	/*
	 * Same name: this run's modules first, then repositories, then the kernel;
	 * then by identifier, so the output never depends on qsort's order.
	 */
	if (c != 0 || pa->source != pb->source)
		return c != 0 ? c : pa->source - pb->source;
	if (pa->version != pb->version)
		return pa->version < pb->version ? -1 : 1;
	return strcmp(pa->identifier, pb->identifier);
}

/* FreeBSD's rule (kext_fbsd_version_better), with built-in names as the last resort. */
const struct conv_provider *
conv_providers_find(struct conv_providers *pv, const char *module, int min, int pref, int max)
{
	const struct conv_provider *best = NULL, *kernel = NULL;
	size_t lo = 0, hi = pv->n;

	if (!pv->sorted) {
		kext_sort(pv->p, pv->n, sizeof(*pv->p), by_module);
		pv->sorted = true;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(pv->p[mid].module, module) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < pv->n && strcmp(pv->p[i].module, module) == 0; i++) {
		const struct conv_provider *p = &pv->p[i];

		if (kext_fbsd_version_better(min, pref, max, p->version, best != NULL,
		    best != NULL ? best->version : 0))
			best = p;
		/*
		 * kldxref reads versions out of the static kernel file unreliably (10.1's
		 * hints say g_part 852157148 "in kernel" where modules ask for 0), and the
		 * kernel linker uses its own metadata instead: a built-in name is enough.
		 */
		if (p->source == CONV_FROM_KERNEL && kernel == NULL)
			kernel = p;
	}
	return best != NULL ? best : kernel;
}

/* Linux names live under "linux:", with '-' read as '_' as the kernel does. */
static int
linux_key(const char *module, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "linux:%s", module) >= len)
		return -1;
	for (char *c = buf; *c != '\0'; c++)
		if (*c == '-')
			*c = '_';
	return 0;
}

int
conv_providers_add_linux(struct conv_providers *pv, const char *module,
    const char *identifier, const char *version_string, int source)
{
	char key[256];

	if (linux_key(module, key, sizeof(key)) != 0)
		return 0;	/* longer than any Linux module name: provides nothing */
	if (conv_providers_add(pv, key, 0, identifier, source) != 0)
		return -1;
	if ((pv->p[pv->n - 1].version_string = strdup(version_string)) == NULL)
		return -1;
	return 0;
}

const struct conv_provider *
conv_providers_find_linux(struct conv_providers *pv, const char *module)
{
	char key[256];

	if (linux_key(module, key, sizeof(key)) != 0)
		return NULL;
	/* Linux depends= has no versions: this run's module first, then repositories */
	return conv_providers_find(pv, key, 0, 0, 0);
}

void
conv_providers_free(struct conv_providers *pv)
{
	for (size_t i = 0; i < pv->n; i++) {
		free(pv->p[i].module);
		free(pv->p[i].identifier);
		free(pv->p[i].version_string);
	}
	free(pv->p);
	memset(pv, 0, sizeof(*pv));
}
