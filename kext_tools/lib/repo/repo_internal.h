/* Repository sets (private to libkext): entries, scanning and the index file. */
#ifndef KEXT_REPO_INTERNAL_H
#define KEXT_REPO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "kext/fs.h"
#include "kext/repo.h"
#include "kext/map.h"

/* An Info.plist modified this close to its read is re-read next time. */
#define KEXT_RACY_NS	(INT64_C(2) * 1000000000)

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

struct repo {
	char *path;		/* canonical folder or bundle path */
	enum kext_repo_kind kind;
	bool is_dir;
	bool scanned;
	uint32_t seq;
	struct repo_entry **entries;
	size_t nentries;
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

/* Scans a folder repository: reuses index entries whose stamps match. */
int repo_scan_dir(struct kext_repos *r, struct repo *rp, kext_error *err);

/*
 * The index file: load (entries not ranked; *n = 0 when unusable; their
 * strings point into the index text, which r keeps until it is freed) and save.
 */
int repo_index_load(struct kext_repos *r, const struct repo *rp,
    struct repo_entry ***out, size_t *n);
int repo_index_save(const struct kext_repos *r, const struct repo *rp);

#endif
