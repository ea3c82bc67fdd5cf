/*
 * Building kext bundle trees for the engine's tests, in mkdtemp folders:
 * Info.plist text plus a small fake ELF executable (the ELF ident and a
 * header's worth of zeros). Included by test_bundle*.c, test_repo*.c and
 * test_plan*.c; everything is static so each test links its own copy.
 * Scratch folders come from scratch_dir.h (setup, teardown, removal).
 */
#ifndef TEST_BUNDLE_FIXTURE_H
#define TEST_BUNDLE_FIXTURE_H

#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scratch_dir.h"

#define FX_UNUSED __attribute__((unused))

/* printf into a malloc'd string (aborts the test run when out of memory). */
FX_UNUSED __attribute__((format(printf, 1, 2))) static char *
fx_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		abort();
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

FX_UNUSED static void
fx_mkdirs(const char *dir)
{
	char *p = fx_fmt("%s", dir), *s;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
	free(p);
}

FX_UNUSED static void
fx_write(const char *path, const void *data, size_t len)
{
	char *dir = fx_fmt("%s", path), *slash = strrchr(dir, '/');
	FILE *fp;

	if (slash != NULL) {
		*slash = '\0';
		fx_mkdirs(dir);
	}
	free(dir);
	fp = fopen(path, "wb");
	if (fp == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0)
		abort();
}

FX_UNUSED static void
fx_write_text(const char *path, const char *text)
{
	fx_write(path, text, strlen(text));
}

/* Sets a file's times an hour back: an installed kext, not one just written. */
FX_UNUSED static void
fx_age(const char *path)
{
	struct timespec ts[2];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= 3600;
	ts[1] = ts[0];
	utimensat(AT_FDCWD, path, ts, 0);
}

/*
 * Gives path back the access and modification times it had in *before: a
 * rewrite the (size, mtime) stamp cannot see. 0, or -1 with errno.
 */
FX_UNUSED static int
fx_restore_times(const char *path, const struct stat *before)
{
	struct timespec ts[2] = { before->st_atim, before->st_mtim };

	return utimensat(AT_FDCWD, path, ts, 0);
}

/* A fresh scratch folder (aborts the test run when it cannot be made). */
FX_UNUSED static char *
fx_tmpdir(void)
{
	char *t = scratch_dir_new("kext-engine-test.");

	if (t == NULL)
		abort();
	return t;
}

/* A 64-byte ELF64 little-endian header: enough for the validator. */
FX_UNUSED static void
fx_write_elf(const char *path)
{
	unsigned char h[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 9 };

	h[16] = 1;	/* ET_REL */
	h[18] = 62;	/* EM_X86_64 */
	fx_write(path, h, sizeof(h));
}

FX_UNUSED static void
fx_write_plist(const char *path, const char *dict_body)
{
	char *text = fx_fmt("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
	    "<plist version=\"1.0\">\n<dict>\n%s</dict>\n</plist>\n", dict_body);

	fx_write_text(path, text);
	free(text);
}

/*
 * Writes <dir>/<name>/Contents/Info.plist with dict_body and, when exec is
 * not NULL, Contents/MacOS/<exec> as a fake ELF file. Returns the kext path.
 */
FX_UNUSED static char *
fx_kext_raw(const char *dir, const char *name, const char *dict_body,
    const char *exec)
{
	char *kext = fx_fmt("%s/%s", dir, name), *p;

	p = fx_fmt("%s/Contents/Info.plist", kext);
	fx_write_plist(p, dict_body);
	fx_age(p);
	free(p);
	if (exec != NULL) {
		p = fx_fmt("%s/Contents/MacOS/%s", kext, exec);
		fx_write_elf(p);
		free(p);
	}
	return kext;
}

/* "<key>k</key><string>v</string>" for each non-NULL pair. */
FX_UNUSED static char *
fx_libraries(const char *libs)
{
	char *out = fx_fmt("%s", ""), *copy, *tok, *save = NULL, *eq, *next;

	if (libs == NULL)
		return out;
	copy = fx_fmt("%s", libs);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (eq == NULL)
			abort();
		*eq = '\0';
		next = fx_fmt("%s\t\t<key>%s</key><string>%s</string>\n", out, tok,
		    eq + 1);
		free(out);
		out = next;
	}
	free(copy);
	return out;
}

struct fx_spec {
	const char *id;
	const char *version;
	const char *compat;	/* NULL: not a library */
	const char *libs;	/* "com.a=1.0,com.b=2.0"; NULL: none */
	const char *exec;	/* NULL: codeless */
	bool kernel;		/* OSKernelResource */
	const char *extra;	/* more raw <key>/<value> XML */
};

/* A well-formed kext from a spec; returns its path. */
FX_UNUSED static char *
fx_kext(const char *dir, const char *name, const struct fx_spec *s)
{
	char *libs = fx_libraries(s->libs), *body, *libs_xml, *compat, *exec, *kpath;

	libs_xml = s->libs != NULL ?
	    fx_fmt("\t<key>OSBundleLibraries</key>\n\t<dict>\n%s\t</dict>\n", libs) :
	    fx_fmt("%s", "");
	compat = s->compat != NULL ?
	    fx_fmt("\t<key>OSBundleCompatibleVersion</key><string>%s</string>\n",
	    s->compat) : fx_fmt("%s", "");
	exec = s->exec != NULL ?
	    fx_fmt("\t<key>CFBundleExecutable</key><string>%s</string>\n", s->exec) :
	    fx_fmt("%s", "");
	body = fx_fmt("\t<key>CFBundlePackageType</key><string>KEXT</string>\n"
	    "\t<key>CFBundleIdentifier</key><string>%s</string>\n"
	    "\t<key>CFBundleVersion</key><string>%s</string>\n%s%s%s%s%s",
	    s->id, s->version, compat, exec, libs_xml,
	    s->kernel ? "\t<key>OSKernelResource</key><true/>\n" : "",
	    s->extra != NULL ? s->extra : "");
	kpath = fx_kext_raw(dir, name, body, s->exec);
	free(libs);
	free(libs_xml);
	free(compat);
	free(exec);
	free(body);
	return kpath;
}

/* A library kext: with an executable when it has libraries, else codeless. */
FX_UNUSED static char *
fx_lib(const char *dir, const char *name, const char *id, const char *version,
    const char *compat, const char *libs)
{
	struct fx_spec s = { id, version, compat, libs, libs != NULL ? "exe.ko" : NULL,
	    false, NULL };

	return fx_kext(dir, name, &s);
}

/* A kernel component: codeless, OSKernelResource, a library. */
FX_UNUSED static char *
fx_kernel(const char *dir, const char *name, const char *id, const char *version,
    const char *compat)
{
	struct fx_spec s = { id, version, compat, NULL, NULL, true, NULL };

	return fx_kext(dir, name, &s);
}

#endif
