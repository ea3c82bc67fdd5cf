/*
 * The loader.conf(5) fragment for the boot set (see boot.h). loader(8)
 * loads "<key>_load" modules from "<key>_name" when that is set, and the key
 * is arbitrary (stand/defaults/loader.conf: 'The "mdroot" prefix is
 * arbitrary'), so each module is preloaded straight from inside its bundle
 * under a "kext_" key no default names; no "<key>_type" is written, as a kld
 * module is loader.conf's default type.
 *
 * Order cannot be relied on: the Lua loader (FreeBSD 12 on) keeps the
 * modules in a table and walks it with pairs() (loadModule in
 * stand/lua/config.lua), which has no defined order; the Forth loader went
 * by first appearance, where /boot/defaults/loader.conf's own "*_load" lines
 * come first. What makes dependencies hold is that loader(8) loads a
 * module's missing MODULE_DEPEND itself, by "<name>.ko" along module_path
 * (file_load_dependencies and mod_searchmodule in stand/common/module.c),
 * and skips a file already loaded from the same path (mod_loadkld). So the
 * fragment appends each bundle's MacOS folder to module_path
 * ("${module_path}" expands when the Lua loader reads the line, processEnvVar
 * in config.lua; defaults set it to "/boot/modules;/boot/dtb;
 * /boot/dtb/overlays"), and a Mach-using kext preloaded first pulls in
 * Mach.kext's mach.ko from that very path.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_internal.h"

#define MAX_ENTRIES 4096

/* loader.conf variable names: letters, digits, '_' and '-'. */
static bool
valid_name(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* The executable's path once root is "/", or NULL when it lies outside root. */
static const char *
inside_root(const char *path, const char *root)
{
	size_t len = strlen(root);

	if (len == 0)
		return path;
	if (strncmp(path, root, len) != 0 || path[len] != '/')
		return NULL;
	return path + len;
}

/* Writes the entry to fp and ";<its folder>" to dirs. */
static int
write_entry(FILE *fp, FILE *dirs, const struct kext_plan_item *it, const char *root,
    char **names, size_t *num_names, kext_error *err)
{
	const char *exe = kext_bundle_executable_path(it->bundle);
	const char *path = inside_root(exe, root), *base = strrchr(exe, '/');
	const char *required = kext_bundle_required(it->bundle);
	size_t len;

	base = base ? base + 1 : exe;
	len = strlen(base);
	if (len > 3 && strcmp(base + len - 3, ".ko") == 0)
		len -= 3;
	if (path == NULL)
		return kext_fail(err, EINVAL, "%s (%s): its executable %s is outside the root %s; "
		    "loader(8) could not find it there", it->identifier, kext_bundle_path(it->bundle),
		    exe, root);
	/* ';' separates module_path entries and '$' would be expanded by the loader. */
	if (!valid_name(base, len) || strpbrk(path, "\"\\\n;$") != NULL)
		return kext_fail(err, EINVAL, "%s (%s): executable %s - expected a file name of "
		    "letters, digits, '_' or '-' and a path without quotes, ';' or '$', usable in "
		    "loader.conf", it->identifier, kext_bundle_path(it->bundle), exe);
	for (size_t i = 0; i < *num_names; i++)
		if (strncmp(names[i], base, len) == 0 && names[i][len] == '\0')
			return kext_fail(err, EEXIST, "%s (%s): another kext of the boot set also has "
			    "an executable named %.*s.ko; loader.conf can preload only one",
			    it->identifier, kext_bundle_path(it->bundle), (int)len, base);
	if (*num_names == MAX_ENTRIES || (names[*num_names] = strndup(base, len)) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	(*num_names)++;
	fprintf(fp, "# %s %s (%s)\n", it->identifier, it->version_string ? it->version_string :
	    "?", it->root && required ? required : "library");
	fprintf(fp, "kext_%.*s_load=\"YES\"\n", (int)len, base);
	fprintf(fp, "kext_%.*s_name=\"%s\"\n", (int)len, base, path);
	fprintf(dirs, ";%.*s", (int)(strrchr(path, '/') - path), path);
	return 0;
}

static int
write_fragment(FILE *fp, struct kext_plan *plan, const char *root, kext_error *err)
{
	char **names = calloc(MAX_ENTRIES, sizeof(*names));
	char *entries = NULL, *dirs = NULL;
	size_t num_names = 0, entries_len = 0, dirs_len = 0;
	FILE *efp = open_memstream(&entries, &entries_len);
	FILE *dfp = open_memstream(&dirs, &dirs_len);
	int rc = 0;

	if (names == NULL || efp == NULL || dfp == NULL)
		rc = kext_fail(err, ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < kext_plan_count(plan); i++) {
		const struct kext_plan_item *it = kext_plan_at(plan, i);

		if (it->bundle == NULL || it->kernel_component || it->loaded ||
		    kext_bundle_executable_path(it->bundle) == NULL)
			continue;	/* the kernel, or codeless: nothing to preload */
		rc = write_entry(efp, dfp, it, root, names, &num_names, err);
	}
	if ((efp != NULL && fclose(efp) != 0) || (dfp != NULL && fclose(dfp) != 0))
		rc = rc != 0 ? rc : kext_fail(err, ENOMEM, "out of memory");
	if (rc == 0) {
		fputs("# Kexts loader(8) preloads from their bundles, dependencies first.\n"
		    "# Generated by kextboot --loader-conf; regenerate it rather than edit it.\n", fp);
		if (num_names > 0)
			fprintf(fp, "# loader(8) takes *_load lines in no fixed order and loads a "
			    "module's\n# libraries itself from module_path, where their bundles "
			    "are added:\nmodule_path=\"${module_path}%s\"\n", dirs);
		fputs(entries, fp);
	}
	for (size_t i = 0; i < num_names; i++)
		free(names[i]);
	free(names);
	free(entries);
	free(dirs);
	return rc;
}

int
kext_boot_loader_conf(struct kext_repos *repos, unsigned required, int osreldate,
    const char *root, char **text, kext_error *err)
{
	char real_root[PATH_MAX] = "";
	struct boot_set set;
	struct kext_plan *plan = NULL;
	size_t size = 0;
	FILE *fp = NULL;
	int rc = -1;

	*text = NULL;
	if (root != NULL && root[0] != '\0' && realpath(root, real_root) == NULL)
		return kext_fail(err, errno, "%s: %s", root, strerror(errno));
	if (strcmp(real_root, "/") == 0)
		real_root[0] = '\0';
	if (boot_set_make(repos, required ? required : KEXT_BOOT_ROOT, &set, err) != 0)
		return -1;
	if (boot_plan(repos, &set, osreldate, true, &plan, err) != 0)
		goto out;
	if ((fp = open_memstream(text, &size)) == NULL) {
		kext_fail(err, ENOMEM, "out of memory");
		goto out;
	}
	rc = write_fragment(fp, plan, real_root, err);
	if (fclose(fp) != 0 && rc == 0)
		rc = kext_fail(err, ENOMEM, "out of memory");
	if (rc != 0) {
		free(*text);
		*text = NULL;
	}
out:
	if (plan != NULL)
		kext_plan_free(plan);
	boot_set_free(&set);
	return rc;
}
