/*
 * The per-folder identifier index: one text file per repository in the
 * cache directory, named after a hash of the folder path, holding the
 * folder's stamp when it was listed and, for each kext, its identifier,
 * versions, flags, Info.plist path and stamp. Written beside and renamed
 * into place; ignored unless it is a regular file of ours that nobody else
 * can write and that names the same folder.
 *
 *	kextindex 5 <TAB> folder dev ino mtime_ns ctime_ns listed_ns checksum
 *	k|p name id parent bundle plist dev ino size mtime_ns flags version
 *	    version_value compat compat_value plugins_dir error checksum
 *
 * Fields are tab-separated; '%', tab, CR, LF and control bytes are %XX
 * escaped; "-" stands for no value (a real "-" is written %2D). The
 * checksum is the 64-bit FNV-1a of the line before its last tab, in hex: a
 * damaged line is caught (the index is then dropped and rebuilt by one
 * scan) instead of handing out a wrong identifier while the Info.plist's
 * stamp still matches. The lines are sorted by the identifier field as
 * written (bytes, then the folder's scan order), so that repo_lazy.c finds
 * an identifier's lines by bisection without reading the others.
 * repo_scan.c uses an entry only for the bundle at the very path the folder
 * lists.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/cache_dir.h"
#include "kext/file_read.h"
#include "kext/map.h"
#include "kext/sort.h"
#include "kext/text.h"
#include "repo_internal.h"

#define INDEX_MAGIC	"kextindex 5"
#define NFIELDS		17
#define NHEADER		7

enum {
	FLAG_KERNEL = 1,
	FLAG_BAD = 2,
	FLAG_STAMP = 4,
	FLAG_RACY = 8,
};

static char *
index_path(const struct kext_repos *r, const struct repo *rp)
{
	return kext_strdupf("%s/%016llx.kextindex", r->cache_dir,
	    kext_hash64(rp->path));
}

/* A value as the index writes it: "-" for none, a real "-" as %2D, the rest escaped. */
static const char *
whole_value(const char *s)
{
	if (s == NULL)
		return "-";
	return strcmp(s, "-") == 0 ? "%2D" : NULL;
}

/* One byte of any other value, into out (4 bytes); its length. */
static int
escape_byte(unsigned char c, char *out)
{
	if (c < 0x20 || c == 0x7f || c == '%')
		return snprintf(out, 4, "%%%02X", c);
	out[0] = (char)c;
	return 1;
}

static void
put_value(FILE *fp, const char *s)
{
	const char *whole = whole_value(s);
	char buf[4];

	if (whole != NULL) {
		fputs(whole, fp);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		fwrite(buf, 1, (size_t)escape_byte(*p, buf), fp);
}

static void
put_field(FILE *fp, const char *s)
{
	put_value(fp, s);
	fputc('\t', fp);
}

static void
put_number(FILE *fp, long long v)
{
	fprintf(fp, "%lld\t", v);
}

static void
write_header_fields(FILE *fp, const void *arg)
{
	const struct repo *rp = arg;

	fputs(INDEX_MAGIC "\t", fp);
	put_field(fp, rp->path);
	fprintf(fp, "%" PRIu64 "\t%" PRIu64 "\t", rp->listed.dev, rp->listed.ino);
	put_number(fp, rp->listed.mtime_ns);
	put_number(fp, rp->listed.ctime_ns);
	put_number(fp, rp->listed.listed_ns);
}

static void
write_fields(FILE *fp, const void *arg)
{
	const struct repo_entry *e = arg;
	int flags = (e->c.kernel_component ? FLAG_KERNEL : 0) |
	    (e->bad ? FLAG_BAD : 0) | (e->has_stamp ? FLAG_STAMP : 0) |
	    (e->racy ? FLAG_RACY : 0);

	put_field(fp, e->parent != NULL ? "p" : "k");
	put_field(fp, e->name);
	put_field(fp, e->c.identifier);
	put_field(fp, e->parent);
	put_field(fp, e->c.bundle_path);
	put_field(fp, e->c.info_plist_path);
	fprintf(fp, "%" PRIu64 "\t%" PRIu64 "\t", e->stamp.dev, e->stamp.ino);
	put_number(fp, e->stamp.size);
	put_number(fp, e->stamp.mtime_ns);
	put_number(fp, flags);
	put_field(fp, e->c.version_string);
	put_number(fp, e->c.version);
	put_field(fp, e->c.compatible_version_string);
	put_number(fp, e->c.compatible_version);
	put_field(fp, e->plugins_dir);
	put_field(fp, e->error);
}

char *
repo_index_key(const char *identifier)
{
	const char *whole = whole_value(identifier);
	char *key, *k;

	if (whole != NULL)
		return strdup(whole);
	/* a bisection step's key: built in place, no stream (this runs per look) */
	if ((key = k = malloc(3 * strlen(identifier) + 1)) == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)identifier; *p != '\0'; p++)
		k += escape_byte(*p, k);
	*k = '\0';
	return key;
}

struct sorted {
	char *key;
	size_t i;
};

static int
by_key(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

/* rp's entries in the order the index lists them (by key, then scan order). */
static struct sorted *
sort_entries(const struct repo *rp)
{
	struct sorted *v = calloc(rp->nentries + 1, sizeof(*v));
	size_t i;

	for (i = 0; v != NULL && i < rp->nentries; i++) {
		v[i].i = i;
		if ((v[i].key = repo_index_key(rp->entries[i]->c.identifier)) == NULL) {
			while (i-- > 0)
				free(v[i].key);
			free(v);
			return NULL;
		}
	}
	if (v != NULL)
		kext_sort(v, rp->nentries, sizeof(*v), by_key);
	return v;
}

/* One line: the fields (each followed by a tab), then the checksum of everything before it. */
static int
write_checked(FILE *fp, void (*fields)(FILE *, const void *), const void *arg)
{
	char *line = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&line, &len);

	if (mem == NULL)
		return -1;
	fields(mem, arg);
	if (fclose(mem) != 0 || line == NULL) {
		free(line);
		return -1;
	}
	line[len - 1] = '\0';	/* the tab before the checksum */
	fprintf(fp, "%s\t%016llx\n", line, kext_hash64(line));
	free(line);
	return 0;
}

/* Checks and strips the checksum ending line; -1 when it does not match. */
static int
check_line(char *line)
{
	char *tab = strrchr(line, '\t'), *end;
	unsigned long long sum;

	if (tab == NULL || strlen(tab + 1) != 16)
		return -1;
	errno = 0;
	sum = strtoull(tab + 1, &end, 16);
	if (errno != 0 || *end != '\0')
		return -1;
	*tab = '\0';
	return sum == kext_hash64(line) ? 0 : -1;
}

int
repo_index_save(const struct kext_repos *r, const struct repo *rp)
{
	char *path, *tmp = NULL;
	struct sorted *order;
	FILE *fp = NULL;
	size_t i;
	int fd = -1, rc = -1;
	bool created = false;

	if (r->cache_dir == NULL || kext_cache_dir_make(r->cache_dir) != 0)
		return -1;
	if ((order = sort_entries(rp)) == NULL)
		return -1;
	path = index_path(r, rp);
	if (path == NULL) {
		free(order);
		return -1;
	}
	tmp = kext_strdupf("%s/.kextindex.XXXXXX", r->cache_dir);
	if (tmp == NULL || (fd = mkstemp(tmp)) < 0)
		goto out;
	created = true;
	if (fchmod(fd, 0644) != 0 || (fp = fdopen(fd, "w")) == NULL)
		goto out;
	fd = -1;
	if (write_checked(fp, write_header_fields, rp) != 0)
		goto out;
	for (i = 0; i < rp->nentries; i++)
		if (write_checked(fp, write_fields, rp->entries[order[i].i]) != 0)
			goto out;
	if (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0)
		goto out;
	if (fclose(fp) != 0) {
		fp = NULL;
		goto out;
	}
	fp = NULL;
	if (rename(tmp, path) == 0)
		rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	if (rc != 0 && created)
		unlink(tmp);	/* nothing half-written remains */
	for (i = 0; i < rp->nentries; i++)
		free(order[i].key);
	free(order);
	free(tmp);
	free(path);
	return rc;
}

static int
hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Unescapes a field in place and points *out at it (the text is kept); "-"
 * gives NULL. Returns -1 on a bad escape.
 */
static int
get_field(char *f, char **out)
{
	char *r = f, *w = f;
	int hi, lo;

	*out = NULL;
	if (strcmp(f, "-") == 0)
		return 0;
	while (*r != '\0') {
		if (*r != '%') {
			*w++ = *r++;
			continue;
		}
		hi = hex((unsigned char)r[1]);
		lo = hi >= 0 ? hex((unsigned char)r[2]) : -1;
		if (lo < 0 || (hi == 0 && lo == 0))
			return -1;
		*w++ = (char)(hi * 16 + lo);
		r += 3;
	}
	*w = '\0';
	*out = f;
	return 0;
}

static int
get_number(const char *f, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(f, &end, 10);
	return errno == 0 && end != f && *end == '\0' ? 0 : -1;
}

static int
get_unsigned(const char *f, uint64_t *out)
{
	char *end;

	if (*f == '-')
		return -1;
	errno = 0;
	*out = strtoull(f, &end, 10);
	return errno == 0 && end != f && *end == '\0' ? 0 : -1;
}

/* Splits line at its tabs into exactly n fields; -1 when it has another number. */
static int
split_fields(char *line, char **f, size_t n)
{
	size_t i = 0;

	f[i++] = line;
	for (char *p = line; *p != '\0'; p++) {
		if (*p != '\t')
			continue;
		if (i == n)
			return -1;
		*p = '\0';
		f[i++] = p + 1;
	}
	return i == n ? 0 : -1;
}

static struct repo_entry *
parse_entry(char *line)
{
	char *f[NFIELDS], *type = NULL;
	long long size, mtime, flags, version, compat;
	struct repo_entry *e;

	if (split_fields(line, f, NFIELDS) != 0 || (e = repo_entry_new()) == NULL)
		return NULL;
	e->borrowed = true;
	if (get_field(f[0], &type) != 0 || type == NULL ||
	    (strcmp(type, "k") != 0 && strcmp(type, "p") != 0) ||
	    get_field(f[1], &e->name) != 0 || e->name == NULL ||
	    get_field(f[2], (char **)&e->c.identifier) != 0 ||
	    get_field(f[3], &e->parent) != 0 ||
	    (strcmp(type, "p") == 0) != (e->parent != NULL) ||
	    get_field(f[4], (char **)&e->c.bundle_path) != 0 || e->c.bundle_path == NULL ||
	    get_field(f[5], (char **)&e->c.info_plist_path) != 0 ||
	    get_unsigned(f[6], &e->stamp.dev) != 0 ||
	    get_unsigned(f[7], &e->stamp.ino) != 0 ||
	    get_number(f[8], &size) != 0 || get_number(f[9], &mtime) != 0 ||
	    get_number(f[10], &flags) != 0 ||
	    get_field(f[11], (char **)&e->c.version_string) != 0 ||
	    get_number(f[12], &version) != 0 ||
	    get_field(f[13], (char **)&e->c.compatible_version_string) != 0 ||
	    get_number(f[14], &compat) != 0 ||
	    get_field(f[15], &e->plugins_dir) != 0 ||
	    get_field(f[16], &e->error) != 0) {
		repo_entry_free(e);
		return NULL;
	}
	e->stamp.size = size;
	e->stamp.mtime_ns = mtime;
	e->c.kernel_component = (flags & FLAG_KERNEL) != 0;
	e->bad = (flags & FLAG_BAD) != 0;
	e->has_stamp = (flags & FLAG_STAMP) != 0;
	e->racy = (flags & FLAG_RACY) != 0;
	e->c.version = version;
	e->c.compatible_version = compat > 0 ? compat : 0;
	e->c.plugin = e->parent != NULL;
	if (e->bad && e->error == NULL) {
		repo_entry_free(e);
		return NULL;
	}
	return e;
}

struct repo_entry *
repo_index_parse_line(char *line)
{
	return check_line(line) == 0 ? parse_entry(line) : NULL;
}

int
repo_index_open(const struct kext_repos *r, const struct repo *rp, size_t *size)
{
	struct stat st;
	char *path;
	int fd;

	if (r->cache_dir == NULL || (path = index_path(r, rp)) == NULL)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    st.st_size > (off_t)KEXT_INDEX_MAX) {
		close(fd);
		return -1;
	}
	*size = (size_t)st.st_size;
	return fd;
}

char *
repo_index_read(const struct kext_repos *r, const struct repo *rp)
{
	uint8_t *buf = NULL, *text;
	kext_error err;
	size_t size;
	int fd;

	if ((fd = repo_index_open(r, rp, &size)) < 0)
		return NULL;
	if (kext_file_read_exact(fd, size, "index", &buf, &err) != 0 ||
	    memchr(buf, '\0', size) != NULL || (text = realloc(buf, size + 1)) == NULL) {
		close(fd);
		free(buf);
		return NULL;
	}
	close(fd);
	text[size] = '\0';
	return (char *)text;
}

char *
repo_index_body(char *text, const struct repo *rp, struct repo_folder_stamp *stamp)
{
	char *next = strchr(text, '\n'), *f[NHEADER], *repo = NULL;
	long long mtime, ctime, listed;

	if (next == NULL)
		return NULL;
	*next = '\0';
	if (check_line(text) != 0 || split_fields(text, f, NHEADER) != 0 ||
	    strcmp(f[0], INDEX_MAGIC) != 0 || get_field(f[1], &repo) != 0 || repo == NULL ||
	    strcmp(repo, rp->path) != 0 || get_unsigned(f[2], &stamp->dev) != 0 ||
	    get_unsigned(f[3], &stamp->ino) != 0 || get_number(f[4], &mtime) != 0 ||
	    get_number(f[5], &ctime) != 0 || get_number(f[6], &listed) != 0)
		return NULL;
	stamp->mtime_ns = mtime;
	stamp->ctime_ns = ctime;
	stamp->listed_ns = listed;
	return next + 1;
}

int
repo_index_keep(struct kext_repos *r, char *text)
{
	char **texts = reallocarray(r->index_texts, r->nindex_texts + 1, sizeof(*texts));

	if (texts == NULL)
		return -1;
	r->index_texts = texts;
	r->index_texts[r->nindex_texts++] = text;
	return 0;
}

static void
free_entries(struct repo_entry **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		repo_entry_free(v[i]);
	free(v);
}

int
repo_index_load(struct kext_repos *r, const struct repo *rp,
    struct repo_entry ***out, size_t *count, struct repo_folder_stamp *stamp)
{
	struct repo_entry **v = NULL, **nv, *e;
	struct repo_folder_stamp listed;
	char *text, *line, *next;
	size_t n = 0, cap = 0;

	*out = NULL;
	*count = 0;
	if ((text = repo_index_read(r, rp)) == NULL)
		return -1;
	if ((line = repo_index_body(text, rp, &listed)) == NULL)
		goto bad;
	for (; *line != '\0'; line = next + 1) {
		next = strchr(line, '\n');
		if (next == NULL)
			goto bad;	/* cut short */
		*next = '\0';
		if (n == KEXT_REPO_MAX_KEXTS || (e = repo_index_parse_line(line)) == NULL)
			goto bad;
		if (n == cap) {
			cap = cap != 0 ? cap * 2 : 64;
			nv = reallocarray(v, cap, sizeof(*v));
			if (nv == NULL) {
				repo_entry_free(e);
				goto bad;
			}
			v = nv;
		}
		v[n++] = e;
	}
	/* the entries point into the text: the set keeps it */
	if (repo_index_keep(r, text) != 0)
		goto bad;
	if (stamp != NULL)
		*stamp = listed;
	*out = v;
	*count = n;
	return 0;
bad:
	free_entries(v, n);
	free(text);
	return -1;
}
