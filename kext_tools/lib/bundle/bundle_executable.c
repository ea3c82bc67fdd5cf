/*
 * From a loaded file's pathname back to its bundle: the innermost enclosing
 * ".kext" whose CFBundleExecutable is that very file (kextstat uses this to
 * name loaded kexts without a side registry).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_internal.h"

/*
 * The bundle at bundle_path (canonical: an ancestor of real; taken) when its
 * executable is the file at real (a canonical path). An executable path that
 * is real itself needs no realpath(3): one readlink(2) a component saved.
 */
static struct kext_bundle *
bundle_running(char *bundle_path, const char *real, kext_error *why)
{
	struct kext_bundle *b;
	const char *exe;
	char *exe_real;
	bool same = false;

	if (kext_bundle_open_real(bundle_path, bundle_path, &b, why) != 0)
		return NULL;
	exe = kext_bundle_executable_path(b);
	if (exe == NULL) {
		kext_fail(why, ENOENT, "%s: has no executable file", kext_bundle_path(b));
	} else if (strcmp(exe, real) == 0) {
		same = true;
	} else if ((exe_real = realpath(exe, NULL)) != NULL) {
		same = strcmp(exe_real, real) == 0;
		if (!same)
			kext_fail(why, ENOENT, "%s: its executable is %s", kext_bundle_path(b),
			    exe_real);
		free(exe_real);
	}
	if (same)
		return b;
	kext_bundle_release(b);
	return NULL;
}

int
kext_bundle_open_for_executable(const char *exe_path, struct kext_bundle **out,
    kext_error *err)
{
	kext_error why = { ENOENT, "no enclosing .kext directory" };
	char *real, *prefix;
	size_t end;

	*out = NULL;
	if (exe_path == NULL || *exe_path == '\0')
		return kext_fail(err, EINVAL, "no executable path given");
	real = realpath(exe_path, NULL);
	if (real == NULL)
		return kext_fail(err, errno, "%s: %s", exe_path, strerror(errno));
	/* Try each ancestor ending in ".kext", innermost first. */
	for (end = strlen(real); end > 0; end--) {
		if (real[end] != '/' || end < 6 || memcmp(real + end - 5, ".kext", 5) != 0 ||
		    real[end - 6] == '/')
			continue;
		prefix = strndup(real, end);
		if (prefix == NULL) {
			free(real);
			return kext_fail(err, ENOMEM, "%s: out of memory", exe_path);
		}
		/* a prefix of a canonical path is canonical: the bundle's realpath(3) is known */
		*out = bundle_running(prefix, real, &why);
		if (*out != NULL) {
			free(real);
			return 0;
		}
	}
	free(real);
	return kext_fail(err, ENOENT, "%s: not the CFBundleExecutable of an "
	    "enclosing kext bundle (%s)", exe_path, why.msg);
}

/* The bundle's path is canonical already (kext_bundle_open resolves it). */
int
kext_bundle_path_for_executable(const char *exe_path, char **bundle_path,
    kext_error *err)
{
	struct kext_bundle *b;

	*bundle_path = NULL;
	if (kext_bundle_open_for_executable(exe_path, &b, err) != 0)
		return -1;
	*bundle_path = strdup(kext_bundle_path(b));
	kext_bundle_release(b);
	if (*bundle_path == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", exe_path);
	return 0;
}
