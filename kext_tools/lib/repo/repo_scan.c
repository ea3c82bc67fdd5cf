/*
 * Scanning an extensions folder: its *.kext plus the *.kext in each one's PlugIns
 * (one level). Entries from the index (or from an earlier scan) are reused
 * while their Info.plist stamp matches; anything else is read again. The
 * index is rewritten when the scan found something different.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/sort.h"
#include "kext/text.h"
#include "repo_internal.h"

struct name_list {
	char **v;
	size_t n;
	bool truncated;
};

struct scan {
	struct kext_repos *r;
	struct repo *rp;
	int dfd;			/* the folder, for paths relative to it; -1: none */
	struct kext_map *old;		/* "name" or "kext/plugin" -> entry */
	struct repo_folder_stamp indexed;	/* what the old entries were listed from */
	bool old_in_memory;		/* old entries were handed out: retire them */
	bool dirty;
	struct repo_entry **v;
	size_t n, cap;
};

static bool
kext_name(const char *name)
{
	size_t len = strlen(name);

	return len > 5 && strcmp(name + len - 5, ".kext") == 0;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
free_names(struct name_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/*
 * A path inside the folder, relative to s->dfd (*at), so the kernel walks
 * two or three names per look instead of the folder's whole path; else the
 * path itself (AT_FDCWD).
 */
static const char *
in_folder(const struct scan *s, const char *path, int *at)
{
	size_t n = strlen(s->rp->path);

	if (s->dfd >= 0 && strncmp(path, s->rp->path, n) == 0 && path[n] == '/' &&
	    path[n + 1] != '\0') {
		*at = s->dfd;
		return path + n + 1;
	}
	*at = AT_FDCWD;
	return path;
}

/* The *.kext names in dir (relative to at), sorted; ENOENT gives an empty list. */
static int
list_kexts(int at, const char *dir, size_t max, struct name_list *out)
{
	struct dirent *de;
	size_t cap = 0;
	char **v;
	DIR *d;
	int fd, saved;

	memset(out, 0, sizeof(*out));
	fd = openat(at, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	if ((d = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!kext_name(de->d_name))
			continue;
		if (out->n == max) {
			out->truncated = true;
			break;
		}
		if (out->n == cap) {
			cap = cap != 0 ? cap * 2 : 64;
			v = reallocarray(out->v, cap, sizeof(*v));
			if (v == NULL)
				goto nomem;
			out->v = v;
		}
		if ((out->v[out->n] = strdup(de->d_name)) == NULL)
			goto nomem;
		out->n++;
	}
	closedir(d);
	kext_sort(out->v, out->n, sizeof(*out->v), compare_names);
	return 0;
nomem:
	closedir(d);
	free_names(out);
	memset(out, 0, sizeof(*out));
	errno = ENOMEM;
	return -1;
}

static void
drop_old(struct scan *s, struct repo_entry *e)
{
	if (s->old_in_memory)
		repo_retire(s->r, e);
	else
		repo_entry_free(e);
}

/* Takes the old entry for key out of the map (NULL when none). */
static struct repo_entry *
take_old(struct scan *s, const char *key)
{
	void **slot = kext_map_slot(s->old, key, false);
	struct repo_entry *e;

	if (slot == NULL)
		return NULL;
	e = *slot;
	*slot = NULL;
	return e;
}

static bool
still_fresh(const struct scan *s, const struct repo_entry *e)
{
	struct kext_file_stamp now;
	struct stat st;
	const char *path;
	int at;

	if (!e->has_stamp || e->racy || e->c.info_plist_path == NULL)
		return false;
	path = in_folder(s, e->c.info_plist_path, &at);
	if (fstatat(at, path, &st, 0) != 0)
		return false;
	kext_file_stamp_from_stat(&now, &st);
	return kext_file_stamp_equal(&now, &e->stamp);
}

bool
repo_path_under(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return path != NULL && strncmp(dir, path, n) == 0 && path[n] == '/';
}

bool
repo_entry_inside(const struct repo_entry *e)
{
	const char *bundle = e->c.bundle_path;

	return bundle != NULL &&
	    (e->c.info_plist_path == NULL || repo_path_under(bundle, e->c.info_plist_path)) &&
	    (e->plugins_dir == NULL || repo_path_under(bundle, e->plugins_dir));
}

/* A kext that could not be opened: remembered so it is not re-read while unchanged. */
static struct repo_entry *
bad_entry(const char *path, const char *why)
{
	static const char *const plists[] = { "Contents/Info.plist", "Info.plist" };
	struct repo_entry *e = repo_entry_new();
	struct stat st;
	char *p;
	size_t i;

	if (e == NULL)
		return NULL;
	e->bad = true;
	e->error = strdup(why);
	e->c.bundle_path = strdup(path);
	if (e->error == NULL || e->c.bundle_path == NULL) {
		repo_entry_free(e);
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		p = kext_strdupf("%s/%s", path, plists[i]);
		if (p != NULL && stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			e->c.info_plist_path = p;
			kext_file_stamp_from_stat(&e->stamp, &st);
			e->has_stamp = true;
			e->racy = kext_now_ns() - e->stamp.mtime_ns < KEXT_RACY_NS;
			break;
		}
		free(p);
	}
	return e;
}

/* within: for a plug-in, its bundle must be inside that one (a link may lead out). */
static struct repo_entry *
read_entry(const char *path, const char *within)
{
	struct kext_bundle *b;
	struct repo_entry *e;
	kext_error err;

	if (kext_bundle_open(path, &b, &err) != 0)
		return bad_entry(path, err.msg);
	if (within != NULL && !repo_path_under(within, kext_bundle_path(b))) {
		kext_fail(&err, EPERM, "%s: a plug-in that leads to %s, outside %s; refused", path,
		    kext_bundle_path(b), within);
		kext_bundle_release(b);
		return bad_entry(path, err.msg);
	}
	e = repo_entry_new();
	if (e != NULL && repo_entry_fill(e, b) != 0) {
		repo_entry_free(e);
		e = NULL;
	}
	/* Not kept: a scan must not hold every info dictionary in memory. */
	kext_bundle_release(b);
	return e;
}

static int
push(struct scan *s, struct repo_entry *e)
{
	struct repo_entry **v;

	if (s->n == s->cap) {
		size_t cap = s->cap != 0 ? s->cap * 2 : 64;

		v = reallocarray(s->v, cap, sizeof(*v));
		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	e->rank = ((uint64_t)s->rp->seq << 32) | s->n;
	e->c.kind = s->rp->kind;
	e->c.repository = s->rp->path;
	s->v[s->n++] = e;
	return 0;
}

/*
 * An index entry describes the kext the folder lists at path only when its
 * bundle is that very bundle (path, or where a link at path leads) and its
 * Info.plist and PlugIns are inside it: a forged or stale entry naming a
 * bundle elsewhere is dropped, so the index never widens the search.
 */
static bool
describes(const struct repo_entry *e, const char *path, const char *within)
{
	const char *bundle = e->c.bundle_path;
	char *real;
	bool same;

	if (!e->bad && within != NULL && !repo_path_under(within, bundle))
		return false;	/* a plug-in's bundle outside its parent */
	if (!repo_entry_inside(e))
		return false;
	if (strcmp(bundle, path) == 0)
		return true;
	if ((real = realpath(path, NULL)) == NULL)
		return false;
	same = strcmp(real, bundle) == 0;
	free(real);
	return same;
}

/* Reuses or reads the kext at path; parent (and within, its bundle) set for plugins. */
static struct repo_entry *
visit(struct scan *s, const char *name, const char *parent, const char *path,
    const char *within)
{
	struct repo_entry *old, *e;
	char *key;

	key = parent != NULL ? kext_strdupf("%s/%s", parent, name) : strdup(name);
	if (key == NULL)
		return NULL;
	old = take_old(s, key);
	free(key);
	if (old != NULL && describes(old, path, within) && still_fresh(s, old)) {
		e = old;
	} else {
		if (old != NULL)
			drop_old(s, old);
		s->dirty = true;
		e = read_entry(path, within);
		if (e == NULL)
			return NULL;
		if ((e->name = strdup(name)) == NULL ||
		    (parent != NULL && (e->parent = strdup(parent)) == NULL)) {
			repo_entry_free(e);
			return NULL;
		}
	}
	e->c.plugin = parent != NULL;
	if (push(s, e) != 0) {
		drop_old(s, e);
		return NULL;
	}
	return e;
}

static int
scan_plugins(struct scan *s, struct repo_entry *top)
{
	struct name_list names;
	const char *dir;
	char *path;
	size_t i;
	int at;

	if (top->bad || top->plugins_dir == NULL)
		return 0;
	dir = in_folder(s, top->plugins_dir, &at);
	if (list_kexts(at, dir, KEXT_REPO_MAX_KEXTS, &names) != 0)
		return errno == ENOMEM ? -1 : 0;	/* unreadable PlugIns: none */
	for (i = 0; i < names.n && s->n < KEXT_REPO_MAX_KEXTS; i++) {
		path = kext_strdupf("%s/%s", top->plugins_dir, names.v[i]);
		if (path == NULL ||
		    visit(s, names.v[i], top->name, path, top->c.bundle_path) == NULL) {
			free(path);
			free_names(&names);
			return -1;
		}
		free(path);
	}
	free_names(&names);
	return 0;
}

static void
leftover(const char *key, void **value, void *ctx)
{
	struct scan *s = ctx;

	(void)key;
	if (*value == NULL)
		return;
	s->dirty = true;	/* a kext went away */
	drop_old(s, *value);
	*value = NULL;
}

static int
compare_by_id(const void *a, const void *b)
{
	const struct repo_entry *x = *(struct repo_entry *const *)a;
	const struct repo_entry *y = *(struct repo_entry *const *)b;
	int c = strcmp(x->c.identifier, y->c.identifier);

	if (c != 0)
		return c;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Duplicate identifiers in one folder are kept, and reported. */
static void
report(struct kext_repos *r, struct repo *rp)
{
	struct repo_entry **v;
	size_t i, j, n = 0;
	char *paths, *more;

	v = calloc(rp->nentries != 0 ? rp->nentries : 1, sizeof(*v));
	if (v == NULL)
		return;
	for (i = 0; i < rp->nentries; i++) {
		if (rp->entries[i]->bad)
			kext_diags_add(r->diags, KEXT_DIAG_WARNING,
			    KEXT_DIAG_UNREADABLE_KEXT, "%s", rp->entries[i]->error);
		else if (rp->entries[i]->c.identifier != NULL)
			v[n++] = rp->entries[i];
	}
	kext_sort(v, n, sizeof(*v), compare_by_id);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(v[i]->c.identifier,
		    v[j]->c.identifier) == 0; j++)
			;
		if (j - i < 2)
			continue;
		paths = strdup(v[i]->c.bundle_path);
		for (size_t k = i + 1; k < j && paths != NULL; k++) {
			more = kext_strdupf("%s, %s", paths, v[k]->c.bundle_path);
			free(paths);
			paths = more;
		}
		if (paths != NULL)
			kext_diags_add(r->diags, KEXT_DIAG_WARNING, KEXT_DIAG_DUPLICATE_ID,
			    "%s - in %s: %s", v[i]->c.identifier, rp->path, paths);
		free(paths);
	}
	free(v);
}

static int
load_old(struct scan *s)
{
	struct repo_entry **loaded = NULL;
	size_t i, n = 0;
	void **slot;
	char *key;

	if (s->rp->scanned) {
		/* a rescan: the entries handed out so far are the reference */
		s->old_in_memory = true;
		loaded = s->rp->entries;
		n = s->rp->nentries;
		s->indexed = s->rp->listed;
		s->rp->entries = NULL;
		s->rp->nentries = 0;
	} else if (repo_index_load(s->r, s->rp, &loaded, &n, &s->indexed) != 0 || n == 0) {
		s->dirty = true;
	}
	for (i = 0; i < n; i++) {
		struct repo_entry *e = loaded[i];

		key = e->parent != NULL ? kext_strdupf("%s/%s", e->parent, e->name) :
		    strdup(e->name != NULL ? e->name : "");
		slot = key != NULL ? kext_map_slot(s->old, key, true) : NULL;
		free(key);
		if (slot == NULL || *slot != NULL) {
			drop_old(s, e);		/* no memory, or a duplicate line */
			s->dirty = true;
			continue;
		}
		*slot = e;
	}
	free(loaded);
	return 0;
}

int
repo_scan_dir(struct kext_repos *r, struct repo *rp, kext_error *err)
{
	struct scan s = { .r = r, .rp = rp, .dfd = -1 };
	struct repo_folder_stamp now = {0};
	struct name_list names;
	struct repo_entry *e;
	char *path;
	size_t i;
	int rc = -1;

	s.old = kext_map_new();
	if (s.old == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", rp->path);
	load_old(&s);
	s.dfd = open(rp->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	/* the stamp before the listing: a change during it makes the next run scan */
	if (s.dfd < 0 || repo_folder_stamp_now(rp, s.dfd, &now) != 0)
		memset(&now, 0, sizeof(now));
	if (list_kexts(s.dfd >= 0 ? s.dfd : AT_FDCWD, s.dfd >= 0 ? "." : rp->path,
	    KEXT_REPO_MAX_KEXTS, &names) != 0) {
		if (errno == ENOMEM) {
			kext_fail(err, ENOMEM, "%s: out of memory", rp->path);
			goto fail;
		}
		/* an unreadable folder offers no kexts; say so and go on */
		kext_diags_add(r->diags, KEXT_DIAG_WARNING, KEXT_DIAG_UNREADABLE_KEXT,
		    "%s - can't list the folder: %s", rp->path, strerror(errno));
	}
	if (names.truncated)
		kext_diags_add(r->diags, KEXT_DIAG_WARNING, KEXT_DIAG_UNREADABLE_KEXT,
		    "%s - more than %d kexts; the rest were skipped", rp->path,
		    KEXT_REPO_MAX_KEXTS);
	for (i = 0; i < names.n && s.n < KEXT_REPO_MAX_KEXTS; i++) {
		path = kext_strdupf("%s/%s", rp->path, names.v[i]);
		e = path != NULL ? visit(&s, names.v[i], NULL, path, NULL) : NULL;
		free(path);
		if (e == NULL || scan_plugins(&s, e) != 0) {
			free_names(&names);
			kext_fail(err, ENOMEM, "%s: out of memory", rp->path);
			goto fail;
		}
	}
	free_names(&names);
	kext_map_each(s.old, leftover, &s);
	kext_map_free(s.old, NULL);
	rp->entries = s.v;
	rp->nentries = s.n;
	rp->scanned = true;
	rp->listed = now;
	r->ids_valid = false;
	report(r, rp);
	/* also when only the folder's stamp is new, so the next run can trust it */
	if (s.dirty || (!repo_folder_stamp_trusted(&s.indexed, &now) && now.listed_ns != 0 &&
	    now.listed_ns - now.mtime_ns >= KEXT_RACY_NS))
		(void)repo_index_save(r, rp);	/* best effort: works without it */
	rc = 0;
	goto out;
fail:
	for (i = 0; i < s.n; i++)
		drop_old(&s, s.v[i]);
	free(s.v);
	kext_map_each(s.old, leftover, &s);
	kext_map_free(s.old, NULL);
out:
	if (s.dfd >= 0)
		close(s.dfd);
	return rc;
}
