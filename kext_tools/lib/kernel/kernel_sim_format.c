/*
 * Writing the sim kernel's state as text (format in kernel_sim_state.c): a
 * whole snapshot, or one journal record holding what a transaction changed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kext/sort.h"
#include "kernel_sim.h"

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

/* A "file" line and the lines that follow it. */
static void
format_file(struct buf *b, const struct sim_file *f)
{
	size_t j;

	buf_add(b, "file", 4);
	buf_add_int(b, f->id);
	buf_add_int(b, f->refs);
	buf_add_hex(b, f->address);
	buf_add_hex(b, f->size);
	buf_add_encoded(b, f->name);
	buf_add_encoded(b, f->pathname);
	buf_add(b, "\n", 1);
	for (j = 0; j < f->num_versions; j++) {
		buf_add(b, "version", 7);
		buf_add_encoded(b, f->versions[j].name);
		buf_add_int(b, f->versions[j].version);
		buf_add(b, "\n", 1);
	}
	for (j = 0; j < f->num_modules; j++) {
		buf_add(b, "module", 6);
		buf_add_int(b, f->modules[j].id);
		buf_add_encoded(b, f->modules[j].name);
		buf_add(b, "\n", 1);
	}
	for (j = 0; j < f->num_deps; j++) {
		buf_add(b, "depend", 6);
		buf_add_int(b, f->deps[j]);
		buf_add(b, "\n", 1);
	}
	if (f->id != SIM_KERNEL_ID && f->userrefs != 1)
		buf_printf(b, "userrefs %d\n", f->userrefs);
}

static void
format_counters(struct buf *b, const struct sim_state *st)
{
	buf_printf(b, "next-file-id %d\nnext-module-id %d\nnext-address 0x%" PRIx64 "\n",
	    st->next_file_id, st->next_module_id, st->next_address);
}

static int
finish(struct buf *b, char **text, size_t *len, kext_error *err)
{
	if (b->failed) {
		free(b->p);
		return kext_fail(err, ENOMEM, "out of memory formatting the sim kernel state");
	}
	*text = b->p;
	*len = b->len;
	return 0;
}

int
sim_state_format(const struct sim_state *st, char **text, size_t *len, kext_error *err)
{
	struct buf b = { 0 };

	buf_printf(&b, "# simulated FreeBSD kernel linker state (kext_tools sim backend)\n");
	buf_printf(&b, "%s %d\n", SIM_STATE_MAGIC, SIM_STATE_FORMAT);
	buf_printf(&b, "osreldate %d\narch %s\n", st->osreldate, st->arch);
	format_counters(&b, st);
	for (size_t i = 0; i < st->num_files; i++)
		format_file(&b, &st->files[i]);
	return finish(&b, text, len, err);
}

void
sim_changes_start(struct sim_state *st)
{
	st->first_new_id = st->next_file_id;
	st->num_touched = 0;
	st->untracked = false;
}

void
sim_changes_note(struct sim_state *st, int id)
{
	int *p;
	size_t cap;

	if (id >= st->first_new_id || st->untracked)
		return;		/* a new file is written whole */
	if (st->num_touched == st->cap_touched) {
		cap = st->cap_touched ? st->cap_touched * 2 : 16;
		if (cap > SIZE_MAX / sizeof(*p) ||
		    (p = realloc(st->touched, cap * sizeof(*p))) == NULL) {
			st->untracked = true;	/* the commit writes a snapshot instead */
			return;
		}
		st->touched = p;
		st->cap_touched = cap;
	}
	st->touched[st->num_touched++] = id;
}

static int
by_id(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * The record "txn N": the counters, then each older file touched (its new
 * refs, or "unload" when it went), then the new files whole, then "end N".
 * New files have the highest ids, so they are the tail of st->files.
 */
int
sim_journal_format(struct sim_state *st, int txn, char **text, size_t *len, kext_error *err)
{
	struct buf b = { 0 };
	size_t i, first_new = st->num_files;

	if (st->untracked)
		return kext_fail(err, ENOMEM, "out of memory noting the sim kernel's changes");
	kext_sort(st->touched, st->num_touched, sizeof(*st->touched), by_id);
	buf_printf(&b, "txn %d\n", txn);
	format_counters(&b, st);
	for (i = 0; i < st->num_touched; i++) {
		const struct sim_file *f;

		if (i > 0 && st->touched[i] == st->touched[i - 1])
			continue;
		if ((f = sim_state_find_file(st, st->touched[i])) != NULL) {
			buf_add(&b, "refs", 4);
			buf_add_int(&b, f->id);
			buf_add_int(&b, f->refs);
			buf_add(&b, "\n", 1);
		} else {
			buf_add(&b, "unload", 6);
			buf_add_int(&b, st->touched[i]);
			buf_add(&b, "\n", 1);
		}
	}
	while (first_new > 0 && st->files[first_new - 1].id >= st->first_new_id)
		first_new--;
	for (i = first_new; i < st->num_files; i++)
		format_file(&b, &st->files[i]);
	buf_printf(&b, "end %d\n", txn);
	return finish(&b, text, len, err);
}
