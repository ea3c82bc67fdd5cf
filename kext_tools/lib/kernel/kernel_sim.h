/*
 * Private to kernel_sim*.c: the simulated kernel linker's state, as held in
 * memory between reading DIR/state and writing it back (kernel_sim_state.c
 * documents the file format and reads it, kernel_sim_format.c writes it,
 * kernel_sim_file.c does the file system calls).
 */
#ifndef KEXT_KERNEL_SIM_H
#define KEXT_KERNEL_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kext/error.h"

struct stat;

/*
 * Bounds that keep a corrupt or hostile state file from exhausting memory.
 * The byte bound is the only limit on the number of files: a file takes
 * about 200 bytes of state (10,000 files about 2 MiB), so 64 MiB holds
 * hundreds of thousands, more than any kernel loads.
 */
#define SIM_STATE_MAX_BYTES (64u << 20)
#define SIM_MAX_RECORDS 4096	/* modules, versions or dependencies of one file */
#define SIM_MAX_ID 1000000000

#define SIM_DEFAULT_OSRELDATE 1500068
#define SIM_DEFAULT_ARCH "amd64"
#define SIM_KERNEL_ID 1

#define SIM_STATE_MAGIC "kext-sim-state"
#define SIM_STATE_FORMAT 2	/* 1: a snapshot only; 2: journal records may follow it */

struct sim_module {
	int id;
	char *name;
};

struct sim_version {
	char *name;
	int version;
};

struct sim_file {
	int id;
	int refs;
	/*
	 * 1 when kldload(2) loaded it, 0 when the kernel loaded it as another
	 * file's dependency (and for the kernel itself), as lf->userrefs in
	 * sys/kern/kern_linker.c.
	 */
	int userrefs;
	uint64_t address;
	uint64_t size;
	char *name;
	char *pathname;
	size_t num_modules;
	struct sim_module *modules;
	size_t num_versions;
	struct sim_version *versions;
	size_t num_deps;
	int *deps;		/* file ids, one entry per reference this file holds */
	int line;		/* of its "file" line in the state file, for messages */
};

struct sim_index;

struct sim_state {
	int osreldate;
	char arch[32];
	int next_file_id;
	int next_module_id;
	uint64_t next_address;
	size_t num_files, cap_files;
	struct sim_file *files;	/* ascending ids; files[0] is the kernel */

	/* The text it was read from (sim_state_parse): the snapshot, the journal records after it. */
	size_t snapshot_len, journal_len;
	int last_txn;		/* the number of the last record */
	bool torn;		/* a record cut short follows them */

	/*
	 * What the open transaction changed (sim_changes_start): files with ids
	 * from first_new_id on are new; touched lists the ids of older files
	 * whose refs changed or that went; untracked when noting failed.
	 */
	int first_new_id;
	int *touched;
	size_t num_touched, cap_touched;
	bool untracked;

	struct sim_index *index;	/* kernel_sim_index.c; NULL: not built */
};

/* A new kernel: file 1 "kernel" providing VERSION kernel=osreldate. */
int sim_state_init(struct sim_state *st, int osreldate, const char *arch, kext_error *err);

/*
 * Seeds a new kernel (sim_state_init's) with what a real kernel has built in
 * (kernel_sim_seed.c), from the file path names: a linker.hints for
 * KEXT_SIM_HINTS, a kernel file for KEXT_SIM_KERNEL_FILE, a saved
 * `kldstat -v` for KEXT_SIM_KLDSTAT (variable says which, and is named in
 * errors). Its "kernel" version sets the osreldate unless keep_osreldate.
 */
#define SIM_KLDSTAT_MAX_BYTES	((size_t)16 << 20)
int sim_seed(struct sim_state *st, const char *variable, const char *path, bool keep_osreldate,
    kext_error *err);

/* Parses and checks a state file's text; path is used in messages. */
int sim_state_parse(const char *text, size_t len, const char *path, struct sim_state *st,
    kext_error *err);

/* Renders the state as text (malloc'd, NUL-terminated). */
int sim_state_format(const struct sim_state *st, char **text, size_t *len, kext_error *err);

/* Starts noting changes; sim_changes_note(id) before changing or removing older file id. */
void sim_changes_start(struct sim_state *st);
void sim_changes_note(struct sim_state *st, int id);

/* Renders the changes noted since sim_changes_start as journal record txn (malloc'd). */
int sim_journal_format(struct sim_state *st, int txn, char **text, size_t *len, kext_error *err);

/*
 * Reads path's text fully (malloc'd) and leaves it open at *fd, its fstat in
 * *sb; ENOENT in err->code when it does not exist.
 */
int sim_file_read(const char *path, int *fd, char **text, size_t *len, struct stat *sb,
    kext_error *err);

/* Whether two stats of the state file show the same file, unchanged. */
bool sim_file_unchanged(const struct stat *a, const struct stat *b);

/*
 * Writes text to path atomically: path.tmp, fsync, rename, fsync of the
 * directory. With keep_fd, the new file stays open there (-1 if fstat
 * failed) and its fstat is in *sb.
 */
int sim_file_replace(const char *path, const char *text, size_t len, int *keep_fd,
    struct stat *sb, kext_error *err);

/* Appends text with one write to path, which must still be the file *sb describes; updates *sb. */
int sim_file_append(const char *path, const char *text, size_t len, struct stat *sb,
    kext_error *err);

/* Formats the state as a snapshot and writes it with sim_file_replace. */
int sim_state_write(const char *path, const struct sim_state *st, kext_error *err);

void sim_state_free(struct sim_state *st);

/* Appends a zeroed file (ENOMEM/ENOSPC on failure) and returns it. */
struct sim_file *sim_state_add_file(struct sim_state *st, kext_error *err);

/* Removes files[index], freeing its contents. */
void sim_state_remove_file(struct sim_state *st, size_t index);

void sim_file_free(struct sim_file *f);

/* The file with this id (ids ascend, so a binary search), or NULL. */
struct sim_file *sim_state_find_file(const struct sim_state *st, int id);

/*
 * The index of loaded files by name (kernel_sim_index.c). sim_index_build
 * leaves st->index NULL without memory, and adding a file drops it then:
 * callers scan st->files when it is NULL. sim_state_remove_file keeps it.
 */
enum sim_key { SIM_KEY_NAME, SIM_KEY_VERSION, SIM_KEY_MODULE, SIM_KEY_COUNT };
struct sim_hit {
	int id;			/* the file's */
	int value;		/* the version (SIM_KEY_VERSION) or module id (SIM_KEY_MODULE) */
	int idx;		/* which of the file's versions or modules */
};
void sim_index_build(struct sim_state *st);
void sim_index_add_file(struct sim_state *st, const struct sim_file *f);
void sim_index_remove_file(struct sim_state *st, const struct sim_file *f);
void sim_index_drop(struct sim_state *st);
/* Fills up to max hits for name, in no order; returns how many there are. */
size_t sim_index_find(const struct sim_state *st, enum sim_key key, const char *name,
    struct sim_hit *hits, size_t max);

/*
 * The crash points of kernel_sim_crash.c: how many more journal records and
 * snapshots this process writes before it kills itself; 0 is never. The
 * writer counts down inline, so an unarmed sim pays one comparison a write.
 */
struct sim_crash {
	int records_left;
	int snapshots_left;
};
/* Reads KEXT_SIM_CRASH_AFTER_RECORDS and KEXT_SIM_CRASH_AFTER_SNAPSHOTS. */
int sim_crash_init(struct sim_crash *c, kext_error *err);
/* Ends the process by SIGKILL. */
void sim_crash_now(void);

/* Whether arch is one the module reader reports, or "any". */
int sim_arch_valid(const char *arch);

/* Parses a __FreeBSD_version given as text; 0 when valid. */
int sim_parse_osreldate(const char *text, int *osreldate);

#endif
