/*
 * The sim kernel's state file, DIR/state: a small line-oriented text format.
 *
 *   # comment lines and blank lines are ignored
 *   kext-sim-state 1                      first line that is not a comment
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
 *
 * Reading checks the whole state (counters ahead of every id, each REFS
 * equal to the "depend" lines naming the file plus its userrefs, plus 1 for
 * the kernel: a dependency the kernel loaded itself counts only the
 * references others hold, as linker_load_module adds no reference of its
 * own; dependencies on loaded files) so a damaged file is reported with its line instead of being used.
 * Writing goes to DIR/state.tmp, is fsync'd and renamed over DIR/state.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kext/sort.h"
#include "kernel_sim.h"

#define STATE_MAGIC "kext-sim-state"
#define STATE_FORMAT 1
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

/* --- formatting -------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
	int failed;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	char *p;
	size_t cap;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
__attribute__((format(printf, 2, 3)))
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->failed = 1;
		return;
	}
	buf_add(b, tmp, (size_t)n);
}

/* " N": the per-file lines are numbers mostly, cheaper by hand than through printf. */
static void
buf_add_int(struct buf *b, long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	*--p = ' ';
	buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* " 0xN", lower-case hexadecimal as PRIx64 writes it. */
static void
buf_add_hex(struct buf *b, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[24], *p = tmp + sizeof(tmp);

	do
		*--p = hex[v & 15];
	while ((v >>= 4) != 0);
	*--p = 'x';
	*--p = '0';
	*--p = ' ';
	buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static int
needs_escape(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c == '%';
}

/* Runs of plain bytes go in whole: formatting is most of a load's work in a big state. */
static void
buf_add_encoded(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *run;
	char esc[3];

	buf_add(b, " ", 1);
	while (*p != '\0') {
		for (run = p; *p != '\0' && !needs_escape(*p); p++)
			;
		if (p > run)
			buf_add(b, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		esc[0] = '%';
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 15];
		buf_add(b, esc, 3);
		p++;
	}
}

int
sim_state_format(const struct sim_state *st, char **text, size_t *len, kext_error *err)
{
	struct buf b = { 0 };
	const struct sim_file *f;
	size_t i, j;

	buf_printf(&b, "# simulated FreeBSD kernel linker state (kext_tools sim backend)\n");
	buf_printf(&b, "%s %d\n", STATE_MAGIC, STATE_FORMAT);
	buf_printf(&b, "osreldate %d\narch %s\n", st->osreldate, st->arch);
	buf_printf(&b, "next-file-id %d\nnext-module-id %d\nnext-address 0x%" PRIx64 "\n",
	    st->next_file_id, st->next_module_id, st->next_address);
	for (i = 0; i < st->num_files; i++) {
		f = &st->files[i];
		buf_add(&b, "file", 4);
		buf_add_int(&b, f->id);
		buf_add_int(&b, f->refs);
		buf_add_hex(&b, f->address);
		buf_add_hex(&b, f->size);
		buf_add_encoded(&b, f->name);
		buf_add_encoded(&b, f->pathname);
		buf_add(&b, "\n", 1);
		for (j = 0; j < f->num_versions; j++) {
			buf_add(&b, "version", 7);
			buf_add_encoded(&b, f->versions[j].name);
			buf_add_int(&b, f->versions[j].version);
			buf_add(&b, "\n", 1);
		}
		for (j = 0; j < f->num_modules; j++) {
			buf_add(&b, "module", 6);
			buf_add_int(&b, f->modules[j].id);
			buf_add_encoded(&b, f->modules[j].name);
			buf_add(&b, "\n", 1);
		}
		for (j = 0; j < f->num_deps; j++) {
			buf_add(&b, "depend", 6);
			buf_add_int(&b, f->deps[j]);
			buf_add(&b, "\n", 1);
		}
		if (f->id != SIM_KERNEL_ID && f->userrefs != 1)
			buf_printf(&b, "userrefs %d\n", f->userrefs);
	}
	if (b.failed) {
		free(b.p);
		return kext_fail(err, ENOMEM, "out of memory formatting the sim kernel state");
	}
	*text = b.p;
	*len = b.len;
	return 0;
}

/* --- parsing ----------------------------------------------------------- */

struct parser {
	const char *path;
	int line;
	kext_error *err;
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

int
sim_state_parse(const char *text, size_t len, const char *path, struct sim_state *st,
    kext_error *err)
{
	struct parser ps = { path, 0, err };
	int seen[H_COUNT] = { 0 }, have_magic = 0, k, fmt = 0;
	char *copy, *line, *next, *tok[MAX_TOKENS];
	size_t ntok;
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
		ntok = tokenize(line, tok, MAX_TOKENS);
		if (ntok == 0)
			continue;
		if (ntok > MAX_TOKENS) {
			rc = parse_fail(&ps, "too many values on one line");
		} else if (!have_magic) {
			if (ntok != 2 || strcmp(tok[0], STATE_MAGIC) != 0)
				rc = parse_fail(&ps, "expected '%s %d', found '%.80s'", STATE_MAGIC,
				    STATE_FORMAT, tok[0]);
			else if ((rc = parse_int(&ps, STATE_MAGIC, tok[1], 1, 1000, &fmt)) == 0 &&
			    fmt != STATE_FORMAT)
				rc = parse_fail(&ps, "format %d is not supported (expected %d)", fmt,
				    STATE_FORMAT);
			have_magic = 1;
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
	if (rc == 0)
		rc = check_state(&ps, st);
	if (rc != 0)
		sim_state_free(st);
	return rc;
}

/* --- reading and writing ----------------------------------------------- */

int
sim_state_read_text(const char *path, char **out, size_t *outlen, kext_error *err)
{
	struct stat sb;
	char *text;
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return kext_fail(err, errno, "%s: cannot open the sim kernel state: %s", path,
		    strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > SIM_STATE_MAX_BYTES) {
		close(fd);
		return kext_fail(err, EINVAL, "%s: expected a regular file of at most %u bytes",
		    path, SIM_STATE_MAX_BYTES);
	}
	if ((text = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return kext_fail(err, ENOMEM, "%s: out of memory", path);
	}
	/* Read until EOF; the file is replaced by rename, never rewritten in place. */
	while (got <= (size_t)sb.st_size &&
	    (n = read(fd, text + got, (size_t)sb.st_size + 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kext_fail(err, errno, "%s: read: %s", path, strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	if (got > (size_t)sb.st_size) {
		kext_fail(err, EINVAL, "%s: changed size while being read", path);
		goto fail;
	}
	close(fd);
	*out = text;
	*outlen = got;
	return 0;
fail:
	free(text);
	close(fd);
	return -1;
}

int
sim_state_read(const char *path, struct sim_state *st, kext_error *err)
{
	char *text;
	size_t len;
	int rc;

	if (sim_state_read_text(path, &text, &len, err) != 0)
		return -1;
	rc = sim_state_parse(text, len, path, st, err);
	free(text);
	return rc;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Makes the rename durable; not every file system supports fsync on directories. */
static void
sync_parent_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

int
sim_state_write_text(const char *path, const char *text, size_t len, kext_error *err)
{
	char tmp[4096];
	int fd, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return kext_fail(err, ENAMETOOLONG, "%s: path too long", path);
	if (len > SIM_STATE_MAX_BYTES)
		return kext_fail(err, ENOSPC, "%s: the sim kernel state would exceed %u bytes",
		    path, SIM_STATE_MAX_BYTES);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		saved = errno;
		return kext_fail(err, saved, "%s: cannot create: %s", tmp, strerror(saved));
	}
	if (write_all(fd, text, len) != 0 || fsync(fd) != 0) {
		saved = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		return kext_fail(err, saved, "%s: cannot write: %s", tmp, strerror(saved));
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		return kext_fail(err, saved, "%s: cannot replace with %s: %s", path, tmp,
		    strerror(saved));
	}
	sync_parent_dir(path);
	return 0;
}

int
sim_state_write(const char *path, const struct sim_state *st, kext_error *err)
{
	char *text;
	size_t len;
	int rc;

	if (sim_state_format(st, &text, &len, err) != 0)
		return -1;
	rc = sim_state_write_text(path, text, len, err);
	free(text);
	return rc;
}
