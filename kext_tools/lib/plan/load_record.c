/*
 * The record of what kextload loaded (see load_record.h). File format, one
 * entry a line after a header, fields separated by tabs, with '\\', tab and
 * newline escaped as \\\\, \\t and \\n:
 *
 *   fileid  when  identifier  version  path  bundle_path  compatible_version
 *
 * A v1 record has no compatible_version field; its entries are read with
 * compat_version NULL.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kext/bundle.h"
#include "kext/file_read.h"
#include "kext/fs.h"
#include "kext/load_record.h"
#include "kext/map.h"
#include "load_record_internal.h"

#define RECORD_HEADER	"# kextload records v2: fileid when identifier version path bundle compat\n"
#define RECORD_NAME	"loaded-kexts"
/* Where the linux backend keeps its own state too; /var/run elsewhere (hier(7)). */
#ifdef __linux__
#define DEFAULT_DIR	"/run/kext"
#else
#define DEFAULT_DIR	"/var/run/kext"
#endif
#define MAX_RECORD_SIZE	((size_t)16 << 20)
#define NFIELDS		7	/* 6 in a v1 record */

char *
kext_load_record_path(const struct kext_kernel *k)
{
	const char *name = kext_kernel_name(k), *dir = getenv("KEXT_STATE_DIR");
	char *path;

	if (strncmp(name, "sim:", 4) == 0)
		dir = name + 4;
	else if (dir == NULL || dir[0] == '\0')
		dir = DEFAULT_DIR;
	if (asprintf(&path, "%s/%s", dir, RECORD_NAME) < 0)
		return NULL;
	return path;
}

/* Undoes the escapes of one field in place. */
static char *
unescape(char *s)
{
	char *w = s;

	for (char *p = s; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			*w++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return s;
}

static void
put_escaped(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '\t' || *s == '\n')
			fprintf(fp, "\\%c", *s == '\t' ? 't' : *s == '\n' ? 'n' : '\\');
		else
			fputc(*s, fp);
	}
}

/* One line into rec; false for a malformed line (skipped, as a torn write would be). */
static bool
parse_line(char *line, struct kext_load_record *rec)
{
	char *field[NFIELDS], *end;
	size_t n = 0;

	for (char *p = line; n < NFIELDS; n++) {
		field[n] = p;
		if ((p = strchr(p, '\t')) == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (n != NFIELDS && n != NFIELDS - 1)
		return false;
	*rec = (struct kext_load_record){0};
	rec->fileid = (int)strtol(field[0], &end, 10);
	if (*end != '\0' || rec->fileid <= 0)
		return false;
	rec->when = strtoll(field[1], &end, 10);
	if (*end != '\0')
		return false;
	rec->identifier = strdup(unescape(field[2]));
	rec->version = strdup(unescape(field[3]));
	rec->path = strdup(unescape(field[4]));
	rec->bundle_path = strdup(unescape(field[5]));
	if (n == NFIELDS && (rec->compat_version = strdup(unescape(field[6]))) == NULL)
		rec->identifier = (free(rec->identifier), NULL);
	if (rec->identifier == NULL || rec->version == NULL || rec->path == NULL ||
	    rec->bundle_path == NULL) {
		load_record_clear(rec);
		return false;
	}
	return true;
}

static int
read_records(const char *path, struct kext_load_records *out, kext_error *err)
{
	uint8_t *data = NULL;
	size_t len = 0;
	kext_error why;
	char *text, *line, *next;

	*out = (struct kext_load_records){0};
	if (kext_file_read_all(path, MAX_RECORD_SIZE, "larger than any record of loaded kexts",
	    &data, &len, &why) != 0) {
		if (why.code == ENOENT)
			return 0;
		return kext_fail(err, why.code, "cannot read the record of loaded kexts: %s",
		    why.msg);
	}
	if ((text = malloc(len + 1)) == NULL) {
		free(data);
		return kext_fail(err, ENOMEM, "%s: out of memory", path);
	}
	memcpy(text, data, len);
	text[len] = '\0';
	free(data);
	for (line = text; line != NULL && *line != '\0'; line = next) {
		struct kext_load_record rec;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '#' || !parse_line(line, &rec))
			continue;
		if (load_record_push(out, &rec) != 0) {
			load_record_clear(&rec);
			free(text);
			kext_load_records_free(out);
			return kext_fail(err, ENOMEM, "%s: out of memory", path);
		}
	}
	free(text);
	return 0;
}

static int
write_records(const char *path, const struct kext_load_records *r, kext_error *err)
{
	char tmp[4096];
	FILE *fp;
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return kext_fail(err, ENAMETOOLONG, "%s: path too long", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
	    (fp = fdopen(fd, "w")) == NULL) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return kext_fail(err, e, "%s: cannot write the record of loaded kexts: %s", tmp,
		    strerror(e));
	}
	fputs(RECORD_HEADER, fp);
	for (size_t i = 0; i < r->n; i++) {
		const struct kext_load_record *x = &r->items[i];

		fprintf(fp, "%d\t%lld\t", x->fileid, (long long)x->when);
		put_escaped(fp, x->identifier);
		fputc('\t', fp);
		put_escaped(fp, x->version);
		fputc('\t', fp);
		put_escaped(fp, x->path);
		fputc('\t', fp);
		put_escaped(fp, x->bundle_path);
		fputc('\t', fp);
		put_escaped(fp, x->compat_version != NULL ? x->compat_version : "");
		fputc('\n', fp);
	}
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0 || ferror(fp)) {
		e = errno;
		fclose(fp);
		unlink(tmp);
		return kext_fail(err, e, "%s: cannot write the record of loaded kexts: %s", tmp,
		    strerror(e));
	}
	fclose(fp);
	if (rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		return kext_fail(err, e, "%s: cannot replace the record of loaded kexts: %s", path,
		    strerror(e));
	}
	return 0;
}

/* flock(how) on path's ".lock" companion, creating its folder; the fd, or -1. */
static int
lock_records(const char *path, int how, kext_error *err)
{
	char lock[4096];
	int fd;

	if (snprintf(lock, sizeof(lock), "%s.lock", path) >= (int)sizeof(lock))
		return kext_fail(err, ENAMETOOLONG, "%s: path too long", path);
	if (kext_mkdir_parent(path, "the folder of the record of loaded kexts", err) != 0)
		return -1;
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return kext_fail(err, errno, "%s: %s", lock, strerror(errno));
	while (flock(fd, how) != 0) {
		if (errno != EINTR) {
			int e = errno;

			close(fd);
			return kext_fail(err, e, "%s: cannot lock: %s", lock, strerror(e));
		}
	}
	return fd;
}

/* One entry a file result loaded, superseding the older entries of its file id. */
static int
add_loaded(struct kext_load_records *r, const struct kext_load_result *add,
    const struct kext_kld_file *files, size_t nfiles)
{
	size_t first_new = r->n;

	for (size_t i = 0; i < add->n; i++) {
		const struct kext_load_step *s = &add->steps[i];
		struct kext_load_record rec = {.fileid = s->fileid, .when = (int64_t)time(NULL)};
		const char *kpath, *compat;

		if (s->kind != KEXT_STEP_LOAD || s->fileid <= 0 ||
		    (kpath = load_record_loaded_path(files, nfiles, s->fileid)) == NULL)
			continue;
		rec.identifier = strdup(s->identifier);
		rec.version = strdup(s->version != NULL ? s->version : "");
		rec.path = strdup(kpath);
		rec.bundle_path = strdup(s->bundle_path != NULL ? s->bundle_path : "");
		compat = s->bundle != NULL ? kext_bundle_compatible_version_string(s->bundle) : NULL;
		rec.compat_version = strdup(compat != NULL ? compat : "");
		if (rec.identifier == NULL || rec.version == NULL || rec.path == NULL ||
		    rec.bundle_path == NULL || rec.compat_version == NULL ||
		    load_record_push(r, &rec) != 0) {
			load_record_clear(&rec);
			return -1;
		}
	}
	return load_record_supersede(r, first_new);
}

/* Locked read, drop what is no longer loaded, change (add may be NULL), write. */
static int
update(struct kext_kernel *k, const struct kext_load_result *add, kext_error *err)
{
	struct kext_load_records r = {0};
	struct kext_kld_file *files = NULL;
	struct kext_map *paths = NULL;
	size_t nfiles = 0;
	char *path = kext_load_record_path(k);
	int fd = -1, rc = -1;

	if (path == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	if ((fd = lock_records(path, LOCK_EX, err)) < 0 || read_records(path, &r, err) != 0 ||
	    kext_kernel_list(k, &files, &nfiles, err) != 0)
		goto out;
	if ((paths = load_record_paths(files, nfiles)) == NULL)
		goto nomem;
	load_record_keep_loaded(&r, paths);
	if (add != NULL && add_loaded(&r, add, files, nfiles) != 0)
		goto nomem;
	load_record_keep_loaded(&r, paths);
	rc = write_records(path, &r, err);
	goto out;
nomem:
	kext_fail(err, ENOMEM, "%s: out of memory", path);
out:
	kext_map_free(paths, NULL);
	kext_load_records_free(&r);
	kext_kld_files_free(files, nfiles);
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

int
kext_load_record_add(struct kext_kernel *k, const struct kext_load_result *result,
    kext_error *err)
{
	return update(k, result, err);
}

int
kext_load_record_prune(struct kext_kernel *k, kext_error *err)
{
	return update(k, NULL, err);
}

int
kext_load_record_read_as_written(struct kext_kernel *k, struct kext_load_records *out,
    kext_error *err)
{
	char *path = kext_load_record_path(k);
	struct stat st;
	int fd = -1, rc = -1;

	*out = (struct kext_load_records){0};
	if (path == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	/* Nothing recorded yet: no lock file is made just to read. */
	if (stat(path, &st) != 0 && errno == ENOENT) {
		free(path);
		return 0;
	}
	if ((fd = lock_records(path, LOCK_SH, err)) >= 0)
		rc = read_records(path, out, err);
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

int
kext_load_record_read(struct kext_kernel *k, struct kext_load_records *out, kext_error *err)
{
	struct kext_kld_file *files = NULL;
	size_t nfiles = 0;
	int rc = -1;

	if (kext_load_record_read_as_written(k, out, err) == 0 &&
	    kext_kernel_list(k, &files, &nfiles, err) == 0)
		rc = kext_load_records_match(out, files, nfiles, err);
	if (rc != 0)
		kext_load_records_free(out);
	kext_kld_files_free(files, nfiles);
	return rc;
}
