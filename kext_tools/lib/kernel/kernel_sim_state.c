/*
 * The sim kernel's state file, DIR/state: a small line-oriented text format,
 * a snapshot of the whole state followed by journal records of the changes
 * made since.
 *
 *   # comment lines and blank lines are ignored
 *   kext-sim-state 2                      first line that is not a comment
 *   osreldate 1500068                     the kernel's __FreeBSD_version
 *   arch amd64                            machine it accepts ("any": all)
 *   next-file-id 4                        ids are never reused, so the
 *   next-module-id 3                        counters survive unloads
 *   next-address 0xffffffff82200000       where the next file is placed
 *   file ID REFS ADDRESS SIZE NAME PATHNAME
 *   version NAME VERSION                  MODULE_VERSION the file provides
 *   module ID NAME                        module the file registered
 *   depend FILEID                         one reference the file holds
 *   userrefs 0                            the kernel loaded the file as a
 *                                           dependency (default: 1, loaded
 *                                           by kldload; the kernel: 0)
 *
 * The header lines come first, each once, in any order. Each "file" line is
 * followed by that file's version/module/depend lines; files appear in
 * ascending id order and file 1 is "kernel". ADDRESS, SIZE and next-address
 * are hexadecimal with "0x", the rest decimal. NAME and PATHNAME are
 * percent-encoded: '%', space, control bytes and DEL are written as %XX.
 * Format 1 (written before journal records existed) is the snapshot alone
 * and still read.
 *
 * A journal record is what one load or unload changed, appended with one
 * write so that a load need not rewrite the whole file:
 *
 *   txn N                                 records are numbered 1, 2, ...
 *   next-file-id, next-module-id, next-address   the counters after it
 *   refs ID REFS                          an older file's new reference count
 *   unload ID                             an older file that went
 *   file ...                              a new file, with its lines as above
 *   end N                                 the record is complete
 *
 * A record without its "end" line at the end of the file was cut short (a
 * crash while appending): it is ignored, as if never written, and the next
 * change rewrites the file as a snapshot. The sim backend (kernel_sim.c)
 * writes a snapshot instead of a record when the records would outgrow the
 * snapshot, and when it closes after appending.
 *
 * Reading checks the whole state (counters ahead of every id, each REFS
 * equal to the "depend" lines naming the file plus its userrefs, plus 1 for
 * the kernel: a dependency the kernel loaded itself counts only the
 * references others hold, as linker_load_module adds no reference of its
 * own; dependencies on loaded files) so a damaged file is reported with its
 * line instead of being used.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kext/sort.h"
#include "kernel_sim.h"

#define MAX_TOKENS 8

static const char *const known_arches[] = {
	"amd64", "i386", "armv7", "aarch64", "riscv64", "powerpc", "powerpc64",
	"powerpc64le", "any",
};

int
sim_arch_valid(const char *arch)
{
	size_t i;

	for (i = 0; i < sizeof(known_arches) / sizeof(known_arches[0]); i++)
		if (strcmp(arch, known_arches[i]) == 0)
			return 1;
	return 0;
}

/* Decimal, M*100000 + m*1000 + n with a major of 1..99 (see spec §6). */
int
sim_parse_osreldate(const char *text, int *osreldate)
{
	char *end;
	long v;

	if (text == NULL || text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < 100000 || v > 9999999)
		return -1;
	*osreldate = (int)v;
	return 0;
}

void
sim_file_free(struct sim_file *f)
{
	size_t i;

	for (i = 0; i < f->num_modules; i++)
		free(f->modules[i].name);
	for (i = 0; i < f->num_versions; i++)
		free(f->versions[i].name);
	free(f->modules);
	free(f->versions);
	free(f->deps);
	free(f->name);
	free(f->pathname);
	memset(f, 0, sizeof(*f));
}

void
sim_state_free(struct sim_state *st)
{
	size_t i;

	for (i = 0; i < st->num_files; i++)
		sim_file_free(&st->files[i]);
	free(st->files);
	free(st->touched);
	sim_index_drop(st);
	memset(st, 0, sizeof(*st));
}

struct sim_file *
sim_state_add_file(struct sim_state *st, kext_error *err)
{
	struct sim_file *files = st->files;
	size_t cap = st->cap_files;

	/* Doubling keeps reading a state of N files linear. */
	if (st->num_files == cap) {
		cap = cap != 0 ? cap * 2 : 16;
		if (cap > SIZE_MAX / sizeof(*files) ||
		    (files = realloc(st->files, cap * sizeof(*files))) == NULL) {
			kext_fail(err, ENOMEM, "out of memory");
			return NULL;
		}
		st->files = files;
		st->cap_files = cap;
	}
	memset(&files[st->num_files], 0, sizeof(files[0]));
	return &files[st->num_files++];
}

void
sim_state_remove_file(struct sim_state *st, size_t index)
{
	sim_index_remove_file(st, &st->files[index]);
	sim_file_free(&st->files[index]);
	memmove(&st->files[index], &st->files[index + 1],
	    (st->num_files - index - 1) * sizeof(st->files[0]));
	st->num_files--;
}

struct sim_file *
sim_state_find_file(const struct sim_state *st, int id)
{
	size_t lo = 0, hi = st->num_files;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->files[mid].id == id)
			return &st->files[mid];
		if (st->files[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Kernel placement like amd64 (64-bit) or i386 (32-bit) kernels use. */
static void
kernel_placement(const char *arch, uint64_t *address, uint64_t *size)
{
	int ilp32 = strcmp(arch, "i386") == 0 || strcmp(arch, "armv7") == 0 ||
	    strcmp(arch, "powerpc") == 0;

	*address = ilp32 ? 0xc0400000u : UINT64_C(0xffffffff80200000);
	*size = 0x1f3c6c0;
}

int
sim_state_init(struct sim_state *st, int osreldate, const char *arch, kext_error *err)
{
	struct sim_file *k;

	memset(st, 0, sizeof(*st));
	st->osreldate = osreldate;
	snprintf(st->arch, sizeof(st->arch), "%s", arch);
	if ((k = sim_state_add_file(st, err)) == NULL)
		return -1;
	k->id = SIM_KERNEL_ID;
	k->refs = 1;
	kernel_placement(arch, &k->address, &k->size);
	k->name = strdup("kernel");
	k->pathname = strdup("/boot/kernel/kernel");
	k->versions = calloc(1, sizeof(*k->versions));
	if (k->name == NULL || k->pathname == NULL || k->versions == NULL ||
	    (k->versions[0].name = strdup("kernel")) == NULL) {
		sim_state_free(st);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	k->num_versions = 1;
	k->versions[0].version = osreldate;
	st->next_file_id = SIM_KERNEL_ID + 1;
	st->next_module_id = 1;
	/* Modules go after the kernel, on the next 2 MiB boundary. */
	st->next_address = (k->address + k->size + 0x1fffff) & ~UINT64_C(0x1fffff);
	return 0;
}

/* --- parsing ----------------------------------------------------------- */

struct parser {
	const char *path;
	int line;
	kext_error *err;
	int txn;		/* the journal record open, 0 outside one */
	int last_txn;		/* the last record read whole */
	bool txn_file;		/* the open record added a file: its lines may follow */
};

static int
__attribute__((format(printf, 2, 3)))
parse_fail(struct parser *ps, const char *fmt, ...)
{
	char what[KEXT_ERROR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return kext_fail(ps->err, EINVAL,
	    "%s:%d: corrupt sim kernel state: %s (remove the file to start a new kernel)",
	    ps->path, ps->line, what);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes a percent-encoded token into a new string. */
static int
decode_string(struct parser *ps, const char *what, const char *tok, char **out)
{
	size_t n = strlen(tok), i, o = 0;
	char *s;
	int hi, lo;

	if ((s = malloc(n + 1)) == NULL)
		return kext_fail(ps->err, ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if (tok[i] != '%') {
			s[o++] = tok[i];
			continue;
		}
		hi = hexval(tok[i + 1]);	/* stops at the NUL: no read past it */
		lo = hi >= 0 ? hexval(tok[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(s);
			return parse_fail(ps, "%s '%.80s': expected %%XX escapes with hex digits",
			    what, tok);
		}
		s[o++] = (char)(hi * 16 + lo);
		i += 2;
	}
	s[o] = '\0';
	*out = s;
	return 0;
}

static int
parse_int(struct parser *ps, const char *what, const char *tok, int min, int max, int *out)
{
	const char *digits = tok[0] == '-' ? tok + 1 : tok;
	char *end;
	long v = 0;
	int ok = digits[0] >= '0' && digits[0] <= '9';

	if (ok) {
		errno = 0;
		v = strtol(tok, &end, 10);
		ok = errno == 0 && *end == '\0' && v >= min && v <= max;
	}
	if (!ok)
		return parse_fail(ps, "%s: expected a decimal number from %d to %d, found '%.80s'",
		    what, min, max, tok);
	*out = (int)v;
	return 0;
}

static int
parse_hex64(struct parser *ps, const char *what, const char *tok, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (strncmp(tok, "0x", 2) != 0 || hexval(tok[2]) < 0 ||
	    (v = strtoull(tok + 2, &end, 16), errno != 0) || *end != '\0')
		return parse_fail(ps, "%s: expected a hexadecimal number like 0x1000, found '%.80s'",
		    what, tok);
	*out = (uint64_t)v;
	return 0;
}

/* Splits line (modified in place) at spaces and tabs. */
static size_t
tokenize(char *line, char **tok, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			return n;
		if (n == max)
			return max + 1;
		tok[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
}

static int
grow(struct parser *ps, void **arr, size_t n, size_t size)
{
	void *p;

	if (n >= SIM_MAX_RECORDS)
		return parse_fail(ps, "more than %d records for one file", SIM_MAX_RECORDS);
	if ((p = realloc(*arr, (n + 1) * size)) == NULL)
		return kext_fail(ps->err, ENOMEM, "out of memory");
	*arr = p;
	return 0;
}

enum header_key { H_OSRELDATE, H_ARCH, H_NEXT_FILE, H_NEXT_MODULE, H_NEXT_ADDRESS, H_COUNT };
static const char *const header_keys[H_COUNT] = {
	"osreldate", "arch", "next-file-id", "next-module-id", "next-address",
};

static int
parse_header(struct parser *ps, struct sim_state *st, int *seen, char **tok, size_t ntok)
{
	int k;

	for (k = 0; k < H_COUNT; k++)
		if (strcmp(tok[0], header_keys[k]) == 0)
			break;
	if (k == H_COUNT)
		return parse_fail(ps, "expected a header key (osreldate, arch, next-file-id, "
		    "next-module-id, next-address) or 'file', found '%.80s'", tok[0]);
	if (seen[k])
		return parse_fail(ps, "'%s' given twice", tok[0]);
	if (ntok != 2)
		return parse_fail(ps, "'%s' takes one value, found %zu", tok[0], ntok - 1);
	seen[k] = ps->line;
	switch (k) {
	case H_OSRELDATE:
		if (sim_parse_osreldate(tok[1], &st->osreldate) != 0)
			return parse_fail(ps, "osreldate: expected a __FreeBSD_version such as "
			    "1500068, found '%.80s'", tok[1]);
		return 0;
	case H_ARCH:
		if (!sim_arch_valid(tok[1]) || strlen(tok[1]) >= sizeof(st->arch))
			return parse_fail(ps, "arch: expected amd64, i386, armv7, aarch64, riscv64, "
			    "powerpc, powerpc64, powerpc64le or any, found '%.80s'", tok[1]);
		snprintf(st->arch, sizeof(st->arch), "%s", tok[1]);
		return 0;
	case H_NEXT_FILE:
		return parse_int(ps, tok[0], tok[1], SIM_KERNEL_ID + 1, SIM_MAX_ID,
		    &st->next_file_id);
	case H_NEXT_MODULE:
		return parse_int(ps, tok[0], tok[1], 1, SIM_MAX_ID, &st->next_module_id);
	default:
		return parse_hex64(ps, tok[0], tok[1], &st->next_address);
	}
}

static int
parse_file_line(struct parser *ps, struct sim_state *st, char **tok, size_t ntok)
{
	struct sim_file *f;
	int prev_id;

	if (ntok != 7)
		return parse_fail(ps, "'file' takes ID REFS ADDRESS SIZE NAME PATHNAME, found %zu "
		    "values", ntok - 1);
	/* the id, not a pointer: adding the file may move the array */
	prev_id = st->num_files ? st->files[st->num_files - 1].id : 0;
	if ((f = sim_state_add_file(st, ps->err)) == NULL)
		return -1;
	f->line = ps->line;
	if (parse_int(ps, "file id", tok[1], 1, SIM_MAX_ID, &f->id) != 0 ||
	    parse_int(ps, "file refs", tok[2], 1, SIM_MAX_ID, &f->refs) != 0 ||
	    parse_hex64(ps, "file address", tok[3], &f->address) != 0 ||
	    parse_hex64(ps, "file size", tok[4], &f->size) != 0 ||
	    decode_string(ps, "file name", tok[5], &f->name) != 0 ||
	    decode_string(ps, "file pathname", tok[6], &f->pathname) != 0)
		return -1;
	f->userrefs = prev_id == 0 ? 0 : 1;
	if (prev_id == 0 && (f->id != SIM_KERNEL_ID || strcmp(f->name, "kernel") != 0))
		return parse_fail(ps, "the first file must be 1 'kernel', found %d '%.80s'", f->id,
		    f->name);
	if (prev_id != 0 && f->id <= prev_id)
		return parse_fail(ps, "file ids must ascend: %d follows %d", f->id, prev_id);
	if (f->id >= st->next_file_id)
		return parse_fail(ps, "file id %d is not below next-file-id %d", f->id,
		    st->next_file_id);
	if (f->address + f->size < f->address || f->address + f->size > st->next_address)
		return parse_fail(ps, "file %d ends at 0x%" PRIx64 "+0x%" PRIx64
		    ", beyond next-address 0x%" PRIx64, f->id, f->address, f->size,
		    st->next_address);
	return 0;
}

static int
parse_record(struct parser *ps, struct sim_state *st, char **tok, size_t ntok)
{
	struct sim_file *f;

	if (st->num_files == 0)
		return parse_fail(ps, "'%s' before any 'file' line", tok[0]);
	f = &st->files[st->num_files - 1];
	if (strcmp(tok[0], "version") == 0) {
		if (ntok != 3)
			return parse_fail(ps, "'version' takes NAME VERSION");
		if (grow(ps, (void **)&f->versions, f->num_versions, sizeof(*f->versions)) != 0)
			return -1;
		f->versions[f->num_versions].name = NULL;
		if (decode_string(ps, "version name", tok[1],
		    &f->versions[f->num_versions].name) != 0)
			return -1;
		f->num_versions++;
		return parse_int(ps, "version", tok[2], -2147483647 - 1, 2147483647,
		    &f->versions[f->num_versions - 1].version);
	}
	if (strcmp(tok[0], "module") == 0) {
		struct sim_module *m;

		if (ntok != 3)
			return parse_fail(ps, "'module' takes ID NAME");
		if (grow(ps, (void **)&f->modules, f->num_modules, sizeof(*f->modules)) != 0)
			return -1;
		m = &f->modules[f->num_modules];
		m->name = NULL;
		if (decode_string(ps, "module name", tok[2], &m->name) != 0)
			return -1;
		f->num_modules++;
		if (parse_int(ps, "module id", tok[1], 1, SIM_MAX_ID, &m->id) != 0)
			return -1;
		if (m->id >= st->next_module_id)
			return parse_fail(ps, "module id %d is not below next-module-id %d", m->id,
			    st->next_module_id);
		return 0;
	}
	if (strcmp(tok[0], "depend") == 0) {
		if (ntok != 2)
			return parse_fail(ps, "'depend' takes FILEID");
		if (grow(ps, (void **)&f->deps, f->num_deps, sizeof(*f->deps)) != 0)
			return -1;
		if (parse_int(ps, "depend", tok[1], 1, SIM_MAX_ID, &f->deps[f->num_deps]) != 0)
			return -1;
		if (f->deps[f->num_deps] == f->id)
			return parse_fail(ps, "file %d depends on itself", f->id);
		f->num_deps++;
		return 0;
	}
	if (strcmp(tok[0], "userrefs") == 0) {
		if (ntok != 2)
			return parse_fail(ps, "'userrefs' takes 0 or 1");
		if (f->id == SIM_KERNEL_ID)
			return parse_fail(ps, "the kernel has no userrefs line");
		return parse_int(ps, "userrefs", tok[1], 0, 1, &f->userrefs);
	}
	return parse_fail(ps, "expected 'file', 'version', 'module', 'depend' or 'userrefs', "
	    "found '%.80s'", tok[0]);
}

struct module_ref {
	int id;
	int line;
};

static int
cmp_module_ref(const void *a, const void *b)
{
	const struct module_ref *x = a, *y = b;

	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->line > y->line) - (x->line < y->line);
}

/* How many references each file receives from the others' "depend" lines. */
static int *
references_held(const struct sim_state *st)
{
	int *held = calloc(st->num_files + 1, sizeof(*held));

	for (size_t i = 0; held != NULL && i < st->num_files; i++)
		for (size_t j = 0; j < st->files[i].num_deps; j++) {
			const struct sim_file *d = sim_state_find_file(st, st->files[i].deps[j]);

			if (d != NULL)
				held[d - st->files]++;
		}
	return held;
}

/*
 * Cross-record checks: dependencies exist, refs add up, module ids unique.
 * One pass over the references and a sort, so a big state reads in
 * O(N log N) rather than a scan of every file per file.
 */
static int
check_state(struct parser *ps, const struct sim_state *st)
{
	struct module_ref *ids;
	size_t i, j, k, nmod = 0;
	int *held, want, rc = 0;

	if ((held = references_held(st)) == NULL)
		return kext_fail(ps->err, ENOMEM, "out of memory");
	for (i = 0; rc == 0 && i < st->num_files; i++) {
		const struct sim_file *f = &st->files[i];

		ps->line = f->line;
		for (j = 0; rc == 0 && j < f->num_deps; j++)
			if (sim_state_find_file(st, f->deps[j]) == NULL)
				rc = parse_fail(ps, "file %d depends on file %d, which is not "
				    "loaded", f->id, f->deps[j]);
		want = held[i] + (f->id == SIM_KERNEL_ID ? 1 : f->userrefs);
		/* A dependency whose module vetoed its release stays with refs 1, held by nobody. */
		if (want == 0)
			want = 1;
		if (rc == 0 && f->refs != want)
			rc = parse_fail(ps, "file %d (%.80s) has refs %d but %d references and "
			    "userrefs %d are recorded (expected refs %d)", f->id, f->name, f->refs,
			    held[i], f->userrefs, want);
		nmod += f->num_modules;
	}
	free(held);
	if (rc != 0 || nmod == 0)
		return rc;
	if ((ids = malloc(nmod * sizeof(*ids))) == NULL)
		return kext_fail(ps->err, ENOMEM, "out of memory");
	for (i = 0, k = 0; i < st->num_files; i++)
		for (j = 0; j < st->files[i].num_modules; j++) {
			ids[k].id = st->files[i].modules[j].id;
			ids[k++].line = st->files[i].line;
		}
	kext_sort(ids, nmod, sizeof(*ids), cmp_module_ref);
	for (i = 1; i < nmod; i++)
		if (ids[i].id == ids[i - 1].id) {
			ps->line = ids[i].line;
			rc = parse_fail(ps, "module id %d is used twice", ids[i].id);
			break;
		}
	free(ids);
	return rc;
}

/* --- journal records ---------------------------------------------------- */

/* Whether the line at p (up to eol) reads "end N". */
static bool
is_end_line(const char *p, const char *eol, int n)
{
	char line[64], extra;
	int v;

	if ((size_t)(eol - p) >= sizeof(line))
		return false;
	memcpy(line, p, (size_t)(eol - p));
	line[eol - p] = '\0';
	return sscanf(line, " end %d %c", &v, &extra) == 1 && v == n;
}

/*
 * Whether record n, whose "txn" line starts at off, ends: 1 when its
 * "end n" line (with its newline) follows, 0 when the file ends first (it
 * was cut short), -1 when another record starts first.
 */
static int
record_complete(const char *text, size_t len, size_t off, int n)
{
	const char *p = text + off, *end = text + len, *eol, *w;

	for (p = memchr(p, '\n', (size_t)(end - p)); p != NULL && ++p < end; p = eol) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 0;	/* a last line without its newline: cut short */
		if (is_end_line(p, eol, n))
			return 1;
		for (w = p; w < eol && (*w == ' ' || *w == '\t'); w++)
			;
		if (eol - w > 3 && memcmp(w, "txn", 3) == 0 && (w[3] == ' ' || w[3] == '\t'))
			return -1;
	}
	return 0;
}

/* Whether a last line without its newline is the start of a "txn" line. */
static bool
txn_prefix(const char *line)
{
	size_t n = strlen(line);

	return n > 0 && strncmp(line, "txn", n < 3 ? n : 3) == 0 &&
	    (n <= 3 || line[3] == ' ');
}

/* "txn N" at offset off: opens record N, or sets *cut when it was cut short. */
static int
journal_open(struct parser *ps, const struct sim_state *st, char **tok, size_t ntok,
    const char *text, size_t len, size_t off, bool *cut)
{
	int n, r;

	if (ps->txn != 0)
		return parse_fail(ps, "'txn' inside record %d, before its 'end %d'", ps->txn,
		    ps->txn);
	if (st->num_files == 0)
		return parse_fail(ps, "'txn' before the snapshot's 'file 1 ... kernel' line");
	if (ntok != 2 || parse_int(ps, "txn", tok[1], 1, INT_MAX - 1, &n) != 0)
		return ntok != 2 ? parse_fail(ps, "'txn' takes the record's number") : -1;
	if (n != ps->last_txn + 1)
		return parse_fail(ps, "record %d follows record %d (expected %d)", n,
		    ps->last_txn, ps->last_txn + 1);
	if ((r = record_complete(text, len, off, n)) < 0)
		return parse_fail(ps, "record %d has no 'end %d' line before the next record", n,
		    n);
	*cut = r == 0;
	ps->txn = *cut ? 0 : n;
	ps->txn_file = false;
	return 0;
}

/* A counter in a record: ids are never reused, so none goes back. */
static int
journal_counter(struct parser *ps, struct sim_state *st, char **tok, size_t ntok)
{
	uint64_t address;
	int v, *counter = strcmp(tok[0], "next-file-id") == 0 ? &st->next_file_id :
	    &st->next_module_id;

	if (ntok != 2)
		return parse_fail(ps, "'%s' takes one value, found %zu", tok[0], ntok - 1);
	if (strcmp(tok[0], "next-address") == 0) {
		if (parse_hex64(ps, tok[0], tok[1], &address) != 0)
			return -1;
		if (address < st->next_address)
			return parse_fail(ps, "next-address goes back from 0x%" PRIx64 " to 0x%"
			    PRIx64, st->next_address, address);
		st->next_address = address;
		return 0;
	}
	if (parse_int(ps, tok[0], tok[1], 1, SIM_MAX_ID, &v) != 0)
		return -1;
	if (v < *counter)
		return parse_fail(ps, "%s goes back from %d to %d", tok[0], *counter, v);
	*counter = v;
	return 0;
}

/* "refs ID REFS" or "unload ID": a change to a file older than the record. */
static int
journal_change(struct parser *ps, struct sim_state *st, char **tok, size_t ntok)
{
	bool unload = strcmp(tok[0], "unload") == 0;
	struct sim_file *f;
	int id, refs = 0;

	if (ntok != (unload ? 2u : 3u))
		return parse_fail(ps, unload ? "'unload' takes FILEID" : "'refs' takes FILEID REFS");
	if (parse_int(ps, tok[0], tok[1], 1, SIM_MAX_ID, &id) != 0 ||
	    (!unload && parse_int(ps, "refs", tok[2], 1, SIM_MAX_ID, &refs) != 0))
		return -1;
	if ((f = sim_state_find_file(st, id)) == NULL)
		return parse_fail(ps, "'%s %d': no file %d is loaded", tok[0], id, id);
	if (!unload) {
		f->refs = refs;
		return 0;
	}
	if (id == SIM_KERNEL_ID)
		return parse_fail(ps, "'unload 1': the kernel cannot be unloaded");
	sim_state_remove_file(st, (size_t)(f - st->files));
	ps->txn_file = false;	/* the last file may have been this one */
	return 0;
}

/* A line inside record ps->txn. */
static int
journal_line(struct parser *ps, struct sim_state *st, char **tok, size_t ntok)
{
	int n;

	if (strcmp(tok[0], "end") == 0) {
		if (ntok != 2 || parse_int(ps, "end", tok[1], 1, INT_MAX, &n) != 0 ||
		    n != ps->txn)
			return parse_fail(ps, "expected 'end %d'", ps->txn);
		ps->last_txn = ps->txn;
		ps->txn = 0;
		return 0;
	}
	if (strcmp(tok[0], "next-file-id") == 0 || strcmp(tok[0], "next-module-id") == 0 ||
	    strcmp(tok[0], "next-address") == 0)
		return journal_counter(ps, st, tok, ntok);
	if (strcmp(tok[0], "refs") == 0 || strcmp(tok[0], "unload") == 0)
		return journal_change(ps, st, tok, ntok);
	if (strcmp(tok[0], "file") == 0) {
		ps->txn_file = true;
		return parse_file_line(ps, st, tok, ntok);
	}
	if (!ps->txn_file)
		return parse_fail(ps, "expected 'next-file-id', 'next-module-id', 'next-address', "
		    "'refs', 'unload', 'file' or 'end %d' in record %d, found '%.80s'", ps->txn,
		    ps->txn, tok[0]);
	return parse_record(ps, st, tok, ntok);
}

int
sim_state_parse(const char *text, size_t len, const char *path, struct sim_state *st,
    kext_error *err)
{
	struct parser ps = { path, 0, err, 0, 0, false };
	int seen[H_COUNT] = { 0 }, have_magic = 0, k, fmt = 0;
	char *copy, *line, *next, *tok[MAX_TOKENS];
	size_t ntok, valid_len = len, snapshot_len = len;
	bool cut = false;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (memchr(text, '\0', len) != NULL) {
		ps.line = 1;
		for (const char *p = text; *p != '\0'; p++)
			ps.line += *p == '\n';
		return parse_fail(&ps, "unexpected NUL byte");
	}
	if ((copy = malloc(len + 1)) == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (line = copy; rc == 0 && line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else if (line[0] == '\0')
			break;	/* the end of the last line, not a line of its own */
		ps.line++;
		if (line[0] == '#')
			continue;
		if (next == NULL && fmt >= 2 && st->num_files > 0 && ps.txn == 0 &&
		    txn_prefix(line)) {
			valid_len = (size_t)(line - copy);	/* a "txn" line cut short */
			cut = true;
			break;
		}
		ntok = tokenize(line, tok, MAX_TOKENS);
		if (ntok == 0)
			continue;
		if (ntok > MAX_TOKENS) {
			rc = parse_fail(&ps, "too many values on one line");
		} else if (!have_magic) {
			if (ntok != 2 || strcmp(tok[0], SIM_STATE_MAGIC) != 0)
				rc = parse_fail(&ps, "expected '%s %d', found '%.80s'", SIM_STATE_MAGIC,
				    SIM_STATE_FORMAT, tok[0]);
			else if ((rc = parse_int(&ps, SIM_STATE_MAGIC, tok[1], 1, 1000, &fmt)) == 0 &&
			    (fmt < 1 || fmt > SIM_STATE_FORMAT))
				rc = parse_fail(&ps, "format %d is not supported (expected 1 to %d)",
				    fmt, SIM_STATE_FORMAT);
			have_magic = 1;
		} else if (strcmp(tok[0], "txn") == 0 && fmt >= 2) {
			if (ps.last_txn == 0)
				snapshot_len = (size_t)(line - copy);
			rc = journal_open(&ps, st, tok, ntok, text, len, (size_t)(line - copy), &cut);
			if (rc == 0 && cut) {
				valid_len = (size_t)(line - copy);	/* the rest is not read */
				break;
			}
		} else if (ps.txn != 0) {
			rc = journal_line(&ps, st, tok, ntok);
		} else if (ps.last_txn != 0) {
			rc = parse_fail(&ps, "expected 'txn %d' after record %d, found '%.80s'",
			    ps.last_txn + 1, ps.last_txn, tok[0]);
		} else if (strcmp(tok[0], "file") == 0) {
			for (k = 0; k < H_COUNT && rc == 0; k++)
				if (!seen[k])
					rc = parse_fail(&ps, "'%s' must come before the first 'file'",
					    header_keys[k]);
			if (rc == 0)
				rc = parse_file_line(&ps, st, tok, ntok);
		} else if (st->num_files == 0) {
			rc = parse_header(&ps, st, seen, tok, ntok);
		} else {
			rc = parse_record(&ps, st, tok, ntok);
		}
	}
	free(copy);
	if (ps.line == 0)
		ps.line = 1;
	if (rc == 0 && (!have_magic || st->num_files == 0))
		rc = parse_fail(&ps, "%s", !have_magic ? "empty file" : "no 'file 1 ... kernel' line");
	if (rc == 0 && ps.txn != 0)
		rc = parse_fail(&ps, "record %d has no 'end %d' line", ps.txn, ps.txn);
	if (rc == 0)
		rc = check_state(&ps, st);
	if (rc != 0) {
		sim_state_free(st);
		return rc;
	}
	if (snapshot_len > valid_len)
		snapshot_len = valid_len;
	st->snapshot_len = snapshot_len;
	st->journal_len = valid_len - snapshot_len;
	st->last_txn = ps.last_txn;
	st->torn = cut;
	return 0;
}

