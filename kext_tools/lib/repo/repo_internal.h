/* Repository sets (private to libkext): entries, scanning and the index file. */
#ifndef KEXT_REPO_INTERNAL_H
#define KEXT_REPO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "kext/cache_dir.h"
#include "kext/fs.h"
#include "kext/repo.h"
#include "kext/map.h"

/* Index files larger than this are ignored. */
#define KEXT_INDEX_MAX	(64u * 1024 * 1024)

/* One kext known to a repository. The candidate comes first (see entry_of). */
struct repo_entry {
	struct kext_candidate c;
	char *name;		/* directory entry name: "Foo.kext" */
	char *parent;		/* for a plugin, the name of its kext */
	struct kext_file_stamp stamp;	/* of c.info_plist_path when has_stamp */
	bool has_stamp;
	bool racy;		/* modified too close to the read: not trusted */
	bool bad;		/* could not be opened; see error */
	char *error;
	char *plugins_dir;	/* where its plugins would be (top-level kexts) */
	uint64_t rank;		/* higher = added later */
	struct kext_bundle *bundle;	/* full bundle once opened (retained) */
	bool borrowed;		/* its strings lie in an index text the set keeps */
};

/*
 * A folder as it was when listed: an index made from that listing is taken
 * on trust, without looking at the kexts, while the folder still has this
 * stamp and had it since well before the listing (Apple's identifier cache
 * is trusted by the same folder-mtime rule: spec apple-kext.md 4.9).
 */
struct repo_folder_stamp {
	uint64_t dev, ino;
	int64_t mtime_ns, ctime_ns;
	int64_t listed_ns;	/* when the listing began */
};

/* An index read on demand: identifier -> its lines, parsed when asked for. */
struct repo_lazy;

struct repo {
	char *path;		/* canonical folder or bundle path */
	enum kext_repo_kind kind;
	bool is_dir;
	bool scanned;
	bool lazy_tried;	/* the trusted index was tried (lazy set when it was taken) */
	struct repo_lazy *lazy;	/* entries come from the index one identifier at a time */
	uint32_t seq;
	struct repo_entry **entries;
	size_t nentries;
	struct repo_folder_stamp listed;	/* of the last scan (listed_ns 0: none) */
};

struct kext_repos {
	struct repo **repos;
	size_t nrepos, repos_cap;
	char *cache_dir;
	struct kext_diags *diags;
	struct kext_map *ids;		/* identifier -> struct entry_list */
	bool ids_valid;
	struct repo_entry **retired;	/* replaced entries stay valid until free */
	size_t nretired;
	char **index_texts;		/* what borrowed entries point into; freed last */
	size_t nindex_texts;
};

static inline struct repo_entry *
entry_of(const struct kext_candidate *c)
{
	return (struct repo_entry *)(uintptr_t)c;
}

/* Entry lifetime. */
struct repo_entry *repo_entry_new(void);
void repo_entry_free(struct repo_entry *e);
/* Fills e from an opened bundle (e->bundle is not set). */
int repo_entry_fill(struct repo_entry *e, const struct kext_bundle *b);
/* Keeps e alive (pointers handed out stay valid) but out of any repository. */
int repo_retire(struct kext_repos *r, struct repo_entry *e);

/* Is path inside dir (dir itself excluded)? */
bool repo_path_under(const char *dir, const char *path);
/* Are e's Info.plist and PlugIns, where it names them, inside its bundle? */
bool repo_entry_inside(const struct repo_entry *e);

/* Scans a folder repository: reuses index entries whose stamps match. */
int repo_scan_dir(struct kext_repos *r, struct repo *rp, kext_error *err);

/*
 * The index file: load (entries not ranked; *n = 0 when unusable; their
 * strings point into the index text, which r keeps until it is freed; *stamp,
 * when given, is the folder stamp the index was made from) and save (with
 * rp->listed).
 */
int repo_index_load(struct kext_repos *r, const struct repo *rp,
    struct repo_entry ***out, size_t *n, struct repo_folder_stamp *stamp);
int repo_index_save(const struct kext_repos *r, const struct repo *rp);

/*
 * The index file, open (and its size), when it is a regular file of ours
 * nobody else can write and of a sane size; else -1.
 */
int repo_index_open(const struct kext_repos *r, const struct repo *rp, size_t *size);
/* The index's text (NULL when absent or not trusted), its header and its lines. */
char *repo_index_read(const struct kext_repos *r, const struct repo *rp);
/* Checks the header is rp's and gives its stamp; the first line after it, or NULL. */
char *repo_index_body(char *text, const struct repo *rp, struct repo_folder_stamp *stamp);
/* An identifier's field as the index writes it (malloc'd; NULL when out of memory). */
char *repo_index_key(const char *identifier);
/* A line (its newline cut off) as an entry with borrowed strings, or NULL when damaged. */
struct repo_entry *repo_index_parse_line(char *line);
/* The set keeps text (which borrowed entries point into) until it is freed. */
int repo_index_keep(struct kext_repos *r, char *text);

/* Reads rp's folder stamp now; listed_ns is the time of the call. */
int repo_folder_stamp_now(const struct repo *rp, int dfd, struct repo_folder_stamp *out);
/* May an index made from listing a with that stamp stand for the folder b is now? */
bool repo_folder_stamp_trusted(const struct repo_folder_stamp *a,
    const struct repo_folder_stamp *b);

/*
 * The trusted index of rp, when its folder stamp vouches for it (else NULL):
 * no kext is looked at until one is asked for.
 */
struct repo_lazy *repo_lazy_open(const struct kext_repos *r, const struct repo *rp);
void repo_lazy_free(struct repo_lazy *lz);
/*
 * The entries for identifier not asked for before (*n may be 0), ranked,
 * their strings borrowed from copies of their lines the set keeps; -1 when a
 * line is damaged or an entry can't be taken on trust (then the folder must
 * be scanned).
 */
int repo_lazy_find(struct kext_repos *r, const struct repo *rp, struct repo_lazy *lz,
    const char *identifier, struct repo_entry ***out, size_t *n);

#endif
