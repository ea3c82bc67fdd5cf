/*
 * The trusted index: while a folder keeps the stamp it had when it was
 * listed, and had it for a while before (a change within the same clock
 * tick could leave the stamp as it was), its index is taken on trust. Then
 * nothing is listed or looked at: the index is mapped, an identifier's lines
 * are found by bisection (the index is sorted by identifier), and only those
 * lines are read.
 *
 * This is Apple's rule for its identifier caches (spec apple-kext.md 4.9:
 * valid while the folder's mtime is unchanged; installers touch the folder).
 * Adding, removing or renaming a kext changes the folder; an Info.plist
 * edited in place does not, which is why the set still re-reads every chosen
 * bundle (ESTALE when the index was wrong) and scans the folder whenever the
 * index does not know an identifier.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/fs.h"
#include "kext/map.h"
#include "kext/text.h"
#include "repo_internal.h"

struct repo_lazy {
	char *map;			/* the index file, mapped read-only */
	size_t size;
	const char *body;		/* its first line after the header */
	struct kext_map *taken;		/* "name" or "kext/plugin" of the entries handed out */
	struct kext_map *asked;		/* the identifiers looked up */
};

int
repo_folder_stamp_now(const struct repo *rp, int dfd, struct repo_folder_stamp *out)
{
	struct stat st;
	int64_t now = kext_now_ns();

	if ((dfd >= 0 ? fstat(dfd, &st) : stat(rp->path, &st)) != 0)
		return -1;
	out->dev = (uint64_t)st.st_dev;
	out->ino = (uint64_t)st.st_ino;
	out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	out->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
	out->listed_ns = now;
	return 0;
}

bool
repo_folder_stamp_trusted(const struct repo_folder_stamp *a, const struct repo_folder_stamp *b)
{
	return a->listed_ns != 0 && a->dev == b->dev && a->ino == b->ino &&
	    a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns &&
	    a->listed_ns - a->mtime_ns >= KEXT_RACY_NS;
}

/* The start of field n (0-based) of line, and its length; NULL when the line is shorter. */
static const char *
field_at(const char *line, const char *end, int n, size_t *len)
{
	const char *p = line, *tab;

	for (; n > 0; n--) {
		if ((tab = memchr(p, '\t', (size_t)(end - p))) == NULL)
			return NULL;
		p = tab + 1;
	}
	tab = memchr(p, '\t', (size_t)(end - p));
	*len = (size_t)((tab != NULL ? tab : end) - p);
	return p;
}

/* The end of the line at p (its newline), or end when it has none. */
static const char *
eol(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl : end;
}

/* The start of the line after the one at p, or end. */
static const char *
next_line(const char *p, const char *end)
{
	const char *e = eol(p, end);

	return e < end ? e + 1 : end;
}

/* The start of the first line at or after p (the index body begins one), or end. */
static const char *
line_at_or_after(const struct repo_lazy *lz, const char *p, const char *end)
{
	return p == lz->body ? p : next_line(p - 1, end);
}

/* The line's identifier field against the wanted one, as bytes, a prefix first. */
static int
compare_key(const char *line, const char *end, const char *want, size_t len)
{
	size_t n;
	const char *id = field_at(line, eol(line, end), 2, &n);
	int c;

	if (id == NULL)
		return -1;	/* damaged: its place is unknown; it is found by the scan */
	c = memcmp(id, want, n < len ? n : len);
	return c != 0 ? c : (n > len) - (n < len);
}

/* The first line whose identifier field is not below want (end when none). */
static const char *
bisect(const struct repo_lazy *lz, const char *want, size_t len)
{
	const char *end = lz->map + lz->size, *lo = lz->body, *hi = end;

	/* lines before lo are below want; lines from hi on are not */
	while (lo < hi) {
		const char *line = line_at_or_after(lz, lo + (hi - lo) / 2, end);

		if (line >= hi)
			line = lo;	/* no line starts in the upper half: take lo's */
		if (compare_key(line, end, want, len) < 0)
			lo = next_line(line, end);
		else
			hi = line;
	}
	return lo;
}

/* Is the header at the start of map rp's, with a stamp that vouches for the folder now? */
static bool
header_trusted(const char *map, size_t size, const struct repo *rp, char **body)
{
	struct repo_folder_stamp listed = {0}, now = {0};
	const char *nl = memchr(map, '\n', size);
	char *head;
	bool ok;

	/* parsed from a copy, which ends where the map might not: at a NUL */
	if (nl == NULL || (head = strndup(map, (size_t)(nl - map) + 1)) == NULL)
		return false;
	ok = repo_index_body(head, rp, &listed) != NULL;
	free(head);
	*body = (char *)(uintptr_t)(nl + 1);
	return ok && repo_folder_stamp_now(rp, -1, &now) == 0 &&
	    repo_folder_stamp_trusted(&listed, &now);
}

/*
 * Mapped, not read: a lookup touches only the pages its bisection and its
 * lines lie in. The file is ours and replaced only by rename
 * (repo_index_save), never cut in place.
 */
struct repo_lazy *
repo_lazy_open(const struct kext_repos *r, const struct repo *rp)
{
	struct repo_lazy *lz;
	size_t size;
	char *map, *body;
	int fd;

	if ((fd = repo_index_open(r, rp, &size)) < 0)
		return NULL;
	map = size > 0 ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	close(fd);
	if (map == MAP_FAILED)
		return NULL;
	if (!header_trusted(map, size, rp, &body) || (lz = calloc(1, sizeof(*lz))) == NULL) {
		munmap(map, size);
		return NULL;
	}
	lz->map = map;
	lz->size = size;
	lz->body = body;
	if ((lz->taken = kext_map_new()) == NULL || (lz->asked = kext_map_new()) == NULL) {
		repo_lazy_free(lz);
		return NULL;
	}
	return lz;
}

void
repo_lazy_free(struct repo_lazy *lz)
{
	if (lz == NULL)
		return;
	munmap(lz->map, lz->size);
	kext_map_free(lz->taken, NULL);
	kext_map_free(lz->asked, NULL);
	free(lz);
}

/*
 * Taken on trust only as the scan would have listed it: the bundle at
 * folder/name (a plug-in inside folder/parent), its Info.plist and PlugIns
 * inside it, stamped and not read too close to a change. Anything else
 * (a link, a bad or racy kext) is left to a scan.
 */
static bool
as_listed(const struct repo *rp, const struct repo_entry *e)
{
	const char *bundle = e->c.bundle_path;
	size_t n = strlen(rp->path);
	const char *slash;

	if (e->bad || e->racy || !e->has_stamp || e->c.info_plist_path == NULL ||
	    !repo_path_under(rp->path, bundle) || !repo_entry_inside(e))
		return false;
	if (e->parent == NULL)
		return strcmp(bundle + n + 1, e->name) == 0;
	slash = strrchr(bundle, '/');
	return strncmp(bundle + n + 1, e->parent, strlen(e->parent)) == 0 &&
	    bundle[n + 1 + strlen(e->parent)] == '/' && strcmp(slash + 1, e->name) == 0;
}

/* A second line for one listed name (the scan refuses such an index too) is damage. */
static bool
first_of_its_name(struct repo_lazy *lz, const struct repo_entry *e)
{
	char *key = e->parent != NULL ? kext_strdupf("%s/%s", e->parent, e->name) :
	    strdup(e->name);
	void **slot = key != NULL ? kext_map_slot(lz->taken, key, true) : NULL;
	bool first = slot != NULL && *slot == NULL;

	if (first)
		*slot = (void *)(uintptr_t)e;
	free(key);
	return first;
}

/* The line as an entry, its strings in a copy the set keeps; NULL when damaged. */
static struct repo_entry *
read_line(struct kext_repos *r, const char *line, const char *end)
{
	char *copy = strndup(line, (size_t)(eol(line, end) - line));
	struct repo_entry *e;

	if (copy == NULL)
		return NULL;
	if ((e = repo_index_parse_line(copy)) == NULL || repo_index_keep(r, copy) != 0) {
		repo_entry_free(e);
		free(copy);
		return NULL;
	}
	return e;
}

int
repo_lazy_find(struct kext_repos *r, const struct repo *rp, struct repo_lazy *lz,
    const char *identifier, struct repo_entry ***out, size_t *count)
{
	const char *end = lz->map + lz->size, *line;
	struct repo_entry **v = NULL, **nv, *e;
	void **asked = kext_map_slot(lz->asked, identifier, true);
	char *want = repo_index_key(identifier);
	size_t n = 0, len, i;

	*out = NULL;
	*count = 0;
	if (asked == NULL || want == NULL)
		goto bad;
	if (*asked != NULL) {
		free(want);
		return 0;	/* handed out already */
	}
	*asked = lz;
	len = strlen(want);
	for (line = bisect(lz, want, len); line < end && compare_key(line, end, want, len) == 0;
	    line = next_line(line, end)) {
		if ((e = read_line(r, line, end)) == NULL || !as_listed(rp, e) ||
		    e->c.identifier == NULL || strcmp(e->c.identifier, identifier) != 0 ||
		    !first_of_its_name(lz, e) || (nv = reallocarray(v, n + 1, sizeof(*v))) == NULL) {
			repo_entry_free(e);
			goto bad;
		}
		v = nv;
		/* within one identifier the lines keep the scan's order */
		e->rank = ((uint64_t)rp->seq << 32) | (uint64_t)(line - lz->body);
		e->c.kind = rp->kind;
		e->c.repository = rp->path;
		v[n++] = e;
	}
	free(want);
	*out = v;
	*count = n;
	return 0;
bad:
	for (i = 0; i < n; i++)
		repo_entry_free(v[i]);
	free(v);
	free(want);
	return -1;
}
