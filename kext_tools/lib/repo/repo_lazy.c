/*
 * The trusted index: while a folder keeps the stamp it had when it was
 * listed, and had it for a while before (a change within the same clock
 * tick could leave the stamp as it was), its index is taken on trust. Then
 * nothing is listed or looked at: an identifier's lines are found through a
 * table built in one pass over the mapped text, and only those lines are
 * parsed.
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

struct lazy_slot {
	unsigned long long hash;	/* of the identifier field as written */
	const char *line;		/* NULL: empty slot */
	uint32_t position;		/* the line's place in the folder's scan order */
};

struct repo_lazy {
	char *map;			/* the index file, mapped copy-on-write */
	size_t size;
	struct lazy_slot *slots;
	size_t mask;
	struct kext_map *taken;		/* "name" or "kext/plugin" of the entries handed out */
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

static unsigned long long
hash_bytes(const char *p, size_t n)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	while (n-- > 0) {
		h ^= (unsigned char)*p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Writes identifier escaped as repo_index.c writes a field; -1 when it does not fit. */
static int
escape(const char *id, char *buf, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t n = 0;

	if (strcmp(id, "-") == 0) {	/* "-" alone means none: a real one is %2D */
		snprintf(buf, len, "%%2D");
		return 0;
	}
	for (const unsigned char *p = (const unsigned char *)id; *p != '\0'; p++) {
		if (n + 4 > len)
			return -1;
		if (*p >= 0x20 && *p != 0x7f && *p != '%') {
			buf[n++] = (char)*p;
		} else {
			buf[n++] = '%';
			buf[n++] = digits[*p >> 4];
			buf[n++] = digits[*p & 15];
		}
	}
	buf[n] = '\0';
	return 0;
}

/* Every line of body (up to end) in the table; -1 when one is cut short. */
static int
build_table(struct repo_lazy *lz, char *body, const char *end)
{
	size_t count = 0, size = 16;
	char *line, *next;
	uint32_t pos = 0;

	for (line = body; line < end; line = next + 1, count++)
		if ((next = memchr(line, '\n', (size_t)(end - line))) == NULL ||
		    count == KEXT_REPO_MAX_KEXTS)
			return -1;	/* cut short, or more kexts than a folder holds */
	while (size < 2 * count)
		size *= 2;
	if ((lz->slots = calloc(size, sizeof(*lz->slots))) == NULL)
		return -1;
	lz->mask = size - 1;
	for (line = body; line < end; line = next + 1, pos++) {
		unsigned long long h;
		const char *id;
		size_t len, i;

		next = memchr(line, '\n', (size_t)(end - line));
		id = field_at(line, next, 2, &len);
		if (id == NULL || (len == 1 && id[0] == '-'))
			continue;	/* damaged (found when parsed) or no identifier */
		h = hash_bytes(id, len);
		for (i = h & lz->mask; lz->slots[i].line != NULL; i = (i + 1) & lz->mask)
			;
		lz->slots[i] = (struct lazy_slot){h, line, pos};
	}
	return 0;
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
 * Mapped, not read: a lookup touches the pages of the lines it parses, and
 * the table's pass reads the rest once, without a copy. The file is ours
 * and replaced only by rename (repo_index_save), never cut in place.
 */
struct repo_lazy *
repo_lazy_open(struct kext_repos *r, const struct repo *rp)
{
	struct repo_lazy *lz, **all;
	size_t size;
	char *map, *body;
	int fd;

	if ((fd = repo_index_open(r, rp, &size)) < 0)
		return NULL;
	map = size > 0 ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) :
	    MAP_FAILED;
	close(fd);
	if (map == MAP_FAILED)
		return NULL;
	if (!header_trusted(map, size, rp, &body) || (lz = calloc(1, sizeof(*lz))) == NULL) {
		munmap(map, size);
		return NULL;
	}
	lz->map = map;
	lz->size = size;
	if ((lz->taken = kext_map_new()) == NULL || build_table(lz, body, map + size) != 0 ||
	    (all = reallocarray(r->lazies, r->nlazies + 1, sizeof(*all))) == NULL) {
		kext_map_free(lz->taken, NULL);
		free(lz->slots);
		munmap(map, size);
		free(lz);
		return NULL;
	}
	r->lazies = all;
	r->lazies[r->nlazies++] = lz;
	return lz;
}

void
repo_lazy_free_all(struct kext_repos *r)
{
	for (size_t i = 0; i < r->nlazies; i++) {
		munmap(r->lazies[i]->map, r->lazies[i]->size);
		kext_map_free(r->lazies[i]->taken, NULL);
		free(r->lazies[i]->slots);
		free(r->lazies[i]);
	}
	free(r->lazies);
	r->lazies = NULL;
	r->nlazies = 0;
}

static bool
under(const char *dir, size_t n, const char *path)
{
	return path != NULL && strncmp(dir, path, n) == 0 && path[n] == '/';
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
	size_t n = strlen(rp->path), b;
	const char *slash;

	if (e->bad || e->racy || !e->has_stamp || !under(rp->path, n, bundle))
		return false;
	b = strlen(bundle);
	if (!under(bundle, b, e->c.info_plist_path) ||
	    (e->plugins_dir != NULL && !under(bundle, b, e->plugins_dir)))
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

int
repo_lazy_find(const struct repo *rp, struct repo_lazy *lz, const char *identifier,
    struct repo_entry ***out, size_t *count)
{
	struct repo_entry **v = NULL, **nv, *e;
	char want[1024];
	size_t n = 0, len = 0, i;
	unsigned long long h;

	*out = NULL;
	*count = 0;
	if (escape(identifier, want, sizeof(want)) != 0)
		return 0;	/* longer than any identifier the index can hold whole */
	len = strlen(want);
	h = hash_bytes(want, len);
	for (i = h & lz->mask; lz->slots[i].line != NULL; i = (i + 1) & lz->mask) {
		struct lazy_slot *s = &lz->slots[i];
		const char *id;
		size_t idlen;
		char *line = (char *)(uintptr_t)s->line;

		if (s->hash != h ||
		    (id = field_at(line, line + strcspn(line, "\n"), 2, &idlen)) == NULL ||
		    idlen != len || memcmp(id, want, len) != 0)
			continue;
		/* parsed at most once: a line holds one identifier, asked for once */
		line[strcspn(line, "\n")] = '\0';
		s->line = "";	/* (keeps the probe chain; never matches again) */
		s->hash = 0;
		if ((e = repo_index_parse_line(line)) == NULL || !as_listed(rp, e) ||
		    e->c.identifier == NULL || strcmp(e->c.identifier, identifier) != 0 ||
		    !first_of_its_name(lz, e) || (nv = reallocarray(v, n + 1, sizeof(*v))) == NULL) {
			repo_entry_free(e);
			goto bad;
		}
		v = nv;
		e->rank = ((uint64_t)rp->seq << 32) | s->position;
		e->c.kind = rp->kind;
		e->c.repository = rp->path;
		v[n++] = e;
	}
	*out = v;
	*count = n;
	return 0;
bad:
	for (i = 0; i < n; i++)
		repo_entry_free(v[i]);
	free(v);
	return -1;
}
