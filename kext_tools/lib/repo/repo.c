/*
 * Repository sets: adding folders and bundles, identifier look-ups through
 * a per-set identifier map (fed, for a folder whose index is trusted, one
 * identifier at a time: repo_lazy.c), and opening the chosen bundle with a
 * check that the index was right about it.
 */
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kext/cache_dir.h"
#include "kext/sort.h"
#include "kext/text.h"
#include "repo_internal.h"

struct entry_list {
	struct repo_entry **v;
	size_t n, cap;
};

struct repo_entry *
repo_entry_new(void)
{
	return calloc(1, sizeof(struct repo_entry));
}

void
repo_entry_free(struct repo_entry *e)
{
	if (e == NULL)
		return;
	if (!e->borrowed) {
		free((char *)e->c.identifier);
		free((char *)e->c.bundle_path);
		free((char *)e->c.info_plist_path);
		free((char *)e->c.version_string);
		free((char *)e->c.compatible_version_string);
		free(e->name);
		free(e->parent);
		free(e->error);
		free(e->plugins_dir);
	}
	kext_bundle_release(e->bundle);
	free(e);
}

static int
dup_opt(const char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = strdup(src);
	return *dst != NULL ? 0 : -1;
}

int
repo_entry_fill(struct repo_entry *e, const struct kext_bundle *b)
{
	kext_version compat = kext_bundle_compatible_version(b);

	if (dup_opt(&e->c.identifier, kext_bundle_identifier(b)) != 0 ||
	    dup_opt(&e->c.bundle_path, kext_bundle_path(b)) != 0 ||
	    dup_opt(&e->c.info_plist_path, kext_bundle_info_plist_path(b)) != 0 ||
	    dup_opt(&e->c.version_string, kext_bundle_version_string(b)) != 0 ||
	    dup_opt(&e->c.compatible_version_string,
	    kext_bundle_compatible_version_string(b)) != 0)
		return -1;
	e->c.version = kext_bundle_version(b);
	e->c.compatible_version = compat > 0 ? compat : 0;
	e->c.kernel_component = kext_bundle_is_kernel_component(b);
	e->stamp = *kext_bundle_info_plist_stamp(b);
	e->has_stamp = true;
	e->racy = kext_bundle_read_time_ns(b) - e->stamp.mtime_ns < KEXT_RACY_NS;
	e->plugins_dir = kext_bundle_plugins_dir(b);
	return e->plugins_dir != NULL ? 0 : -1;
}

int
repo_retire(struct kext_repos *r, struct repo_entry *e)
{
	struct repo_entry **v;

	v = reallocarray(r->retired, r->nretired + 1, sizeof(*v));
	if (v == NULL)
		return -1;	/* leaks e until exit rather than invalidating it */
	r->retired = v;
	r->retired[r->nretired++] = e;
	return 0;
}

int
kext_repos_create(struct kext_repos **out, kext_error *err)
{
	struct kext_repos *r;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	r->diags = kext_diags_new("kext repositories");
	if (r->diags == NULL) {
		free(r);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	r->cache_dir = kext_cache_dir();
	*out = r;
	return 0;
}

static void
free_list(void *p)
{
	struct entry_list *l = p;

	free(l->v);
	free(l);
}

void
kext_repos_free(struct kext_repos *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrepos; i++) {
		for (j = 0; j < r->repos[i]->nentries; j++)
			repo_entry_free(r->repos[i]->entries[j]);
		repo_lazy_free(r->repos[i]->lazy);
		free(r->repos[i]->entries);
		free(r->repos[i]->path);
		free(r->repos[i]);
	}
	free(r->repos);
	for (i = 0; i < r->nretired; i++)
		repo_entry_free(r->retired[i]);
	free(r->retired);
	for (i = 0; i < r->nindex_texts; i++)
		free(r->index_texts[i]);
	free(r->index_texts);
	if (r->ids != NULL)
		kext_map_free(r->ids, free_list);
	kext_diags_free(r->diags);
	free(r->cache_dir);
	free(r);
}

int
kext_repos_set_cache_dir(struct kext_repos *r, const char *dir, kext_error *err)
{
	char *copy = NULL;

	if (dir != NULL && (copy = strdup(dir)) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	free(r->cache_dir);
	r->cache_dir = copy;
	return 0;
}

const char *
kext_repos_cache_dir(const struct kext_repos *r)
{
	return r->cache_dir;
}

const struct kext_diags *
kext_repos_diags(const struct kext_repos *r)
{
	return r->diags;
}

static struct repo *
add_repo(struct kext_repos *r, char *canonical, enum kext_repo_kind kind,
    bool is_dir, kext_error *err)
{
	struct repo **v, *rp;

	/* No fixed number of repositories: the array doubles as it fills. */
	if (r->nrepos == r->repos_cap) {
		size_t cap = r->repos_cap != 0 ? r->repos_cap * 2 : 8;

		if (cap > UINT32_MAX ||
		    (v = reallocarray(r->repos, cap, sizeof(*v))) == NULL) {
			free(canonical);
			kext_fail(err, ENOMEM, "out of memory");
			return NULL;
		}
		r->repos = v;
		r->repos_cap = cap;
	}
	if ((rp = calloc(1, sizeof(*rp))) == NULL) {
		free(canonical);
		kext_fail(err, ENOMEM, "out of memory");
		return NULL;
	}
	rp->path = canonical;
	rp->kind = kind;
	rp->is_dir = is_dir;
	rp->seq = (uint32_t)r->nrepos;
	r->repos[r->nrepos++] = rp;
	r->ids_valid = false;
	return rp;
}

int
kext_repos_add_directory(struct kext_repos *r, const char *dir,
    enum kext_repo_kind kind, kext_error *err)
{
	struct stat st;
	char *canonical;

	canonical = realpath(dir, NULL);
	if (canonical == NULL)
		return kext_fail(err, errno, "%s: %s", dir, strerror(errno));
	if (stat(canonical, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(canonical);
		return kext_fail(err, ENOTDIR, "%s: not a directory", dir);
	}
	return add_repo(r, canonical, kind, true, err) != NULL ? 0 : -1;
}

static int
append_entry(struct repo *rp, struct repo_entry *e)
{
	struct repo_entry **v;

	v = reallocarray(rp->entries, rp->nentries + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	rp->entries = v;
	e->rank = ((uint64_t)rp->seq << 32) | rp->nentries;
	e->c.kind = rp->kind;
	e->c.repository = rp->path;
	rp->entries[rp->nentries++] = e;
	return 0;
}

/* An entry that owns its (already open) bundle. */
static int
add_open_bundle(struct repo *rp, struct kext_bundle *b, bool plugin)
{
	struct repo_entry *e = repo_entry_new();

	if (e == NULL || repo_entry_fill(e, b) != 0 || append_entry(rp, e) != 0) {
		repo_entry_free(e);
		return -1;
	}
	e->c.plugin = plugin;
	e->bundle = kext_bundle_retain(b);
	return 0;
}

int
kext_repos_add_bundle(struct kext_repos *r, const char *path,
    enum kext_repo_kind kind, struct kext_bundle **out, kext_error *err)
{
	struct kext_bundle *b, *p;
	struct repo *rp;
	kext_error perr;
	char *canonical;
	size_t i;

	if (out != NULL)
		*out = NULL;
	if (kext_bundle_open(path, &b, err) != 0)
		return -1;
	canonical = strdup(kext_bundle_path(b));
	if (canonical == NULL) {
		kext_bundle_release(b);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	rp = add_repo(r, canonical, kind, false, err);
	if (rp == NULL) {
		kext_bundle_release(b);
		return -1;
	}
	rp->scanned = true;
	if (add_open_bundle(rp, b, false) != 0) {
		kext_bundle_release(b);
		return kext_fail(err, ENOMEM, "%s: out of memory", path);
	}
	/* Naming a kext makes its plugins known too. */
	for (i = 0; i < kext_bundle_plugin_count(b); i++) {
		if (kext_bundle_open(kext_bundle_plugin_at(b, i), &p, &perr) != 0) {
			kext_diags_add(r->diags, KEXT_DIAG_WARNING,
			    KEXT_DIAG_UNREADABLE_KEXT, "%s", perr.msg);
			continue;
		}
		if (add_open_bundle(rp, p, true) != 0)
			kext_diags_add(r->diags, KEXT_DIAG_WARNING,
			    KEXT_DIAG_UNREADABLE_KEXT, "%s - out of memory",
			    kext_bundle_path(p));
		kext_bundle_release(p);
	}
	if (out != NULL)
		*out = b;
	kext_bundle_release(b);		/* the entry holds it */
	return 0;
}

/*
 * A folder taken from its trusted index is scanned after all: the entries
 * handed out so far stay valid (retired), and the scan checks every kext.
 */
static int
scan_lazy(struct kext_repos *r, struct repo *rp, kext_error *err)
{
	for (size_t j = 0; j < rp->nentries; j++)
		(void)repo_retire(r, rp->entries[j]);	/* on failure: leaked, never freed early */
	free(rp->entries);
	rp->entries = NULL;
	rp->nentries = 0;
	repo_lazy_free(rp->lazy);	/* (no entry points into it: they hold copies) */
	rp->lazy = NULL;
	r->ids_valid = false;
	return repo_scan_dir(r, rp, err);
}

/*
 * Makes the folders ready for look-ups: each is taken from its trusted
 * index, or else scanned. With full set every folder is scanned (again):
 * listing every kext needs the folder itself.
 */
static int
scan_all(struct kext_repos *r, bool full, kext_error *err)
{
	for (size_t i = 0; i < r->nrepos; i++) {
		struct repo *rp = r->repos[i];

		if (!rp->is_dir)
			continue;
		if (rp->lazy != NULL) {
			if (full && scan_lazy(r, rp, err) != 0)
				return -1;
			continue;
		}
		if (!full && !rp->scanned && !rp->lazy_tried) {
			rp->lazy_tried = true;
			if ((rp->lazy = repo_lazy_open(r, rp)) != NULL)
				continue;
		}
		if ((full || !rp->scanned) && repo_scan_dir(r, rp, err) != 0)
			return -1;
	}
	return 0;
}

/* Every folder listed (scanned unless it already was): for the callers that want all kexts. */
static int
list_all(struct kext_repos *r, kext_error *err)
{
	for (size_t i = 0; i < r->nrepos; i++) {
		struct repo *rp = r->repos[i];

		if (rp->is_dir && (rp->lazy != NULL ? scan_lazy(r, rp, err) :
		    !rp->scanned ? repo_scan_dir(r, rp, err) : 0) != 0)
			return -1;
	}
	return 0;
}

int
kext_repos_refresh(struct kext_repos *r, kext_error *err)
{
	return scan_all(r, true, err);
}

/* Best first: higher version, then the most recently added. */
static int
compare_candidates(const void *a, const void *b)
{
	const struct repo_entry *x = *(struct repo_entry *const *)a;
	const struct repo_entry *y = *(struct repo_entry *const *)b;

	if (x->c.version != y->c.version)
		return x->c.version > y->c.version ? -1 : 1;
	return x->rank > y->rank ? -1 : x->rank < y->rank;
}

static void
sort_list(const char *key, void **value, void *ctx)
{
	struct entry_list *l = *value;

	(void)key;
	(void)ctx;
	kext_sort(l->v, l->n, sizeof(*l->v), compare_candidates);
}

/* Adds e to the candidates for its identifier (*list, when given, is that list). */
static int
ids_add(struct kext_repos *r, struct repo_entry *e, struct entry_list **list)
{
	struct entry_list *l, **slot;
	struct repo_entry **v;

	if (e->bad || e->c.identifier == NULL)
		return 0;
	slot = (struct entry_list **)kext_map_slot(r->ids, e->c.identifier, true);
	if (slot == NULL || (*slot == NULL && (*slot = calloc(1, sizeof(**slot))) == NULL))
		return -1;
	l = *slot;
	if (l->n == l->cap) {
		v = reallocarray(l->v, l->cap ? l->cap * 2 : 2, sizeof(*v));
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = l->cap ? l->cap * 2 : 2;
	}
	l->v[l->n++] = e;
	if (list != NULL)
		*list = l;
	return 0;
}

static int
build_ids(struct kext_repos *r, kext_error *err)
{
	size_t i, j;

	if (r->ids_valid)
		return 0;
	if (r->ids != NULL)
		kext_map_free(r->ids, free_list);
	r->ids = kext_map_new();
	if (r->ids == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	for (i = 0; i < r->nrepos; i++)
		for (j = 0; j < r->repos[i]->nentries; j++)
			if (ids_add(r, r->repos[i]->entries[j], NULL) != 0)
				return kext_fail(err, ENOMEM, "out of memory");
	kext_map_each(r->ids, sort_list, NULL);
	r->ids_valid = true;
	return 0;
}

static int
take_entries(struct kext_repos *r, struct repo *rp, struct repo_entry **v, size_t n)
{
	struct repo_entry **all;
	struct entry_list *l = NULL;
	size_t i;

	if (n == 0)
		return 0;
	all = reallocarray(rp->entries, rp->nentries + n, sizeof(*all));
	if (all == NULL)
		return -1;
	rp->entries = all;
	for (i = 0; i < n; i++) {
		rp->entries[rp->nentries++] = v[i];
		v[i] = NULL;
		if (ids_add(r, rp->entries[rp->nentries - 1], &l) != 0)
			return -1;
	}
	if (l != NULL)
		sort_list(NULL, (void **)&l, NULL);
	return 0;
}

/*
 * The candidates for identifier from the folders taken on trust, read from
 * their indexes now; a folder whose index fails (a damaged line, an entry
 * not as listed) is scanned instead. *trusting: some folder still is.
 */
static int
fetch(struct kext_repos *r, const char *identifier, bool *trusting, kext_error *err)
{
	struct repo_entry **v;
	size_t n;

	*trusting = false;
	for (size_t i = 0; i < r->nrepos; i++) {
		struct repo *rp = r->repos[i];

		if (rp->lazy == NULL)
			continue;
		if (repo_lazy_find(r, rp, rp->lazy, identifier, &v, &n) != 0) {
			if (scan_lazy(r, rp, err) != 0)
				return -1;
			continue;
		}
		*trusting = true;
		if (take_entries(r, rp, v, n) != 0) {
			for (size_t j = 0; j < n; j++)
				repo_entry_free(v[j]);
			free(v);
			return kext_fail(err, ENOMEM, "out of memory");
		}
		free(v);
	}
	return build_ids(r, err);	/* when a folder had to be scanned */
}

static int
lookup(struct kext_repos *r, const char *identifier, bool final,
    const struct kext_candidate ***out, size_t *count, kext_error *err)
{
	const struct kext_candidate **v;
	struct entry_list *l;
	bool trusting;
	size_t i;

	*out = NULL;
	*count = 0;
	if (identifier == NULL)
		return kext_fail(err, EINVAL, "no identifier to look up");
	if (scan_all(r, false, err) != 0 || build_ids(r, err) != 0 ||
	    fetch(r, identifier, &trusting, err) != 0)
		return -1;
	l = kext_map_get(r->ids, identifier);
	if ((l == NULL || l->n == 0) && trusting && !final) {
		/* unknown to a trusted index: maybe an Info.plist edited in place */
		if (list_all(r, err) != 0 || build_ids(r, err) != 0)
			return -1;
		l = kext_map_get(r->ids, identifier);
	}
	if (l == NULL || l->n == 0)
		return 0;
	v = calloc(l->n, sizeof(*v));
	if (v == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	for (i = 0; i < l->n; i++)
		v[i] = &l->v[i]->c;
	*out = v;
	*count = l->n;
	return 0;
}

int
kext_repos_lookup(struct kext_repos *r, const char *identifier,
    const struct kext_candidate ***out, size_t *count, kext_error *err)
{
	return lookup(r, identifier, false, out, count, err);
}

int
kext_repos_lookup_known(struct kext_repos *r, const char *identifier,
    const struct kext_candidate ***out, size_t *count, kext_error *err)
{
	return lookup(r, identifier, true, out, count, err);
}

int
kext_repos_all(struct kext_repos *r, const struct kext_candidate ***out,
    size_t *count, kext_error *err)
{
	const struct kext_candidate **v;
	size_t i, j, n = 0;

	*out = NULL;
	*count = 0;
	if (list_all(r, err) != 0)
		return -1;
	for (i = 0; i < r->nrepos; i++)
		n += r->repos[i]->nentries;
	v = calloc(n != 0 ? n : 1, sizeof(*v));
	if (v == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	n = 0;
	for (i = 0; i < r->nrepos; i++) {
		for (j = 0; j < r->repos[i]->nentries; j++) {
			if (!r->repos[i]->entries[j]->bad)
				v[n++] = &r->repos[i]->entries[j]->c;
		}
	}
	*out = v;
	*count = n;
	return 0;
}

static bool
same_text(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* Does what the index said still describe the bundle? */
static bool
entry_matches(const struct repo_entry *e, const struct kext_bundle *b)
{
	kext_version compat = kext_bundle_compatible_version(b);

	return same_text(e->c.identifier, kext_bundle_identifier(b)) &&
	    e->c.version == kext_bundle_version(b) &&
	    e->c.compatible_version == (compat > 0 ? compat : 0) &&
	    e->c.kernel_component == kext_bundle_is_kernel_component(b);
}

static struct repo *
repo_holding(struct kext_repos *r, const struct repo_entry *e, size_t *index)
{
	size_t i, j;

	for (i = 0; i < r->nrepos; i++) {
		for (j = 0; j < r->repos[i]->nentries; j++) {
			if (r->repos[i]->entries[j] == e) {
				*index = j;
				return r->repos[i];
			}
		}
	}
	return NULL;
}

/* Puts a fresh entry for b where the stale e was, and rewrites the index. */
static int
replace_stale(struct kext_repos *r, struct repo_entry *e, struct kext_bundle *b)
{
	struct repo_entry *ne;
	struct repo *rp;
	size_t idx;

	rp = repo_holding(r, e, &idx);
	if (rp == NULL)
		return 0;	/* already replaced by a rescan */
	if (rp->lazy != NULL) {
		kext_error err;

		/* the trusted index was wrong about this kext: trust it no more */
		return scan_lazy(r, rp, &err) == 0 || err.code != ENOMEM ? 0 : -1;
	}
	ne = repo_entry_new();
	if (ne == NULL || repo_entry_fill(ne, b) != 0 ||
	    (ne->name = strdup(e->name != NULL ? e->name : "")) == NULL ||
	    (e->parent != NULL && (ne->parent = strdup(e->parent)) == NULL) ||
	    repo_retire(r, e) != 0) {
		repo_entry_free(ne);
		return -1;
	}
	ne->c.plugin = e->c.plugin;
	ne->c.kind = e->c.kind;
	ne->c.repository = e->c.repository;
	ne->rank = e->rank;
	ne->bundle = kext_bundle_retain(b);
	rp->entries[idx] = ne;
	r->ids_valid = false;
	if (rp->is_dir)
		(void)repo_index_save(r, rp);	/* best effort */
	return 0;
}

int
kext_repos_open(struct kext_repos *r, const struct kext_candidate *c,
    struct kext_bundle **out, kext_error *err)
{
	struct repo_entry *e = entry_of(c);
	struct kext_bundle *b;

	*out = NULL;
	if (e->bundle != NULL) {
		*out = e->bundle;
		return 0;
	}
	/* The folder is canonical: only the names below it are resolved. */
	if (kext_bundle_open_in(c->repository, c->bundle_path, &b, err) != 0)
		return -1;
	if (!entry_matches(e, b)) {
		if (replace_stale(r, e, b) != 0) {
			kext_bundle_release(b);
			return kext_fail(err, ENOMEM, "%s: out of memory", c->bundle_path);
		}
		kext_bundle_release(b);
		return kext_fail(err, ESTALE, "%s: changed since it was indexed; "
		    "look it up again", c->bundle_path);
	}
	e->bundle = b;
	*out = b;
	return 0;
}
