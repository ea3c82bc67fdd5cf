/*
 * The kernel's own lines about a failed kld call (spec freebsd-kld.md §7):
 * snapshot kern.msgbuf before the call, read it again after, and keep what
 * was added. The ring buffer may have wrapped in between, so the new text is
 * found by locating the tail of the first snapshot in the second one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef __FreeBSD__
#include <sys/types.h>
#include <sys/sysctl.h>
#endif

#include "kernel_backend.h"

#define ANCHOR_MAX 256
#define SYSLOG_FACILITY_KERN_MAX 7	/* <pri> 0..7 is facility kern (LOG_KERN = 0) */

/* Length without the NUL padding the buffer may carry at its end. */
static size_t
text_length(const char *p, size_t len)
{
	while (len > 0 && p[len - 1] == '\0')
		len--;
	return len;
}

/* Offset of the last occurrence of needle in hay, or (size_t)-1. */
static size_t
last_occurrence(const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
	size_t i;

	if (needle_len == 0 || needle_len > hay_len)
		return (size_t)-1;
	for (i = hay_len - needle_len + 1; i-- > 0;)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, needle_len) == 0)
			return i;
	return (size_t)-1;
}

/* Where the text added since before starts in after. */
static size_t
new_text_start(const char *before, size_t blen, const char *after, size_t alen)
{
	size_t anchor = blen < ANCHOR_MAX ? blen : ANCHOR_MAX, pos, k;

	if (anchor == 0)
		return 0;
	pos = last_occurrence(after, alen, before + blen - anchor, anchor);
	if (pos != (size_t)-1)
		return pos + anchor;
	/* The ring wrapped: after may still begin with a short tail of before. */
	for (k = anchor - 1 < alen ? anchor - 1 : alen; k > 0; k--)
		if (memcmp(after, before + blen - k, k) == 0)
			return k;
	return 0;	/* everything we saw is gone: all of after is new */
}

struct line {
	const char *p;
	size_t len;
};

/* Strips a "<pri>" prefix; returns 0 for lines of a non-kernel syslog facility. */
static int
kernel_line(struct line *l)
{
	size_t i = 1;
	long pri = 0;

	if (l->len < 3 || l->p[0] != '<')
		return 1;
	while (i < l->len && i < 8 && l->p[i] >= '0' && l->p[i] <= '9')
		pri = pri * 10 + (l->p[i++] - '0');
	if (i == 1 || i >= l->len || l->p[i] != '>')
		return 1;
	l->p += i + 1;
	l->len -= i + 1;
	return pri <= SYSLOG_FACILITY_KERN_MAX;
}

/* Calls fn for every non-empty kernel line of text, oldest first. */
static size_t
each_line(const char *text, size_t len, void (*fn)(const struct line *, void *), void *arg)
{
	size_t i = 0, start, n = 0;
	struct line l;

	while (i < len) {
		start = i;
		while (i < len && text[i] != '\n' && text[i] != '\0')
			i++;
		l.p = text + start;
		l.len = i - start;
		i++;
		while (l.len > 0 && (l.p[l.len - 1] == '\r' || l.p[l.len - 1] == ' '))
			l.len--;
		if (!kernel_line(&l) || l.len == 0)
			continue;
		n++;
		if (fn != NULL)
			fn(&l, arg);
	}
	return n;
}

struct collector {
	struct line *lines;
	size_t n;
};

static void
collect(const struct line *l, void *arg)
{
	struct collector *c = arg;

	c->lines[c->n++] = *l;
}

size_t
kernel_msgbuf_new_lines(const char *before, size_t before_len, const char *after,
    size_t after_len, char *out, size_t out_size)
{
	struct collector c = { NULL, 0 };
	size_t start, nlines, first, total, used = 0, i, n;

	if (out_size == 0)
		return 0;
	out[0] = '\0';
	if (after == NULL)
		return 0;
	before_len = before != NULL ? text_length(before, before_len) : 0;
	after_len = text_length(after, after_len);
	start = new_text_start(before, before_len, after, after_len);
	after += start;
	after_len -= start;
	if ((nlines = each_line(after, after_len, NULL, NULL)) == 0)
		return 0;
	if ((c.lines = malloc(nlines * sizeof(*c.lines))) == NULL)
		return 0;
	each_line(after, after_len, collect, &c);
	/* Keep the newest lines that fit, "; "-joined; the newest alone is cut to fit. */
	first = nlines - 1;
	total = c.lines[first].len;
	while (first > 0 && total + 2 + c.lines[first - 1].len < out_size)
		total += 2 + c.lines[--first].len;
	for (i = first; i < nlines; i++) {
		if (i > first) {
			memcpy(out + used, "; ", 2);
			used += 2;
		}
		n = c.lines[i].len < out_size - 1 - used ? c.lines[i].len : out_size - 1 - used;
		memcpy(out + used, c.lines[i].p, n);
		used += n;
	}
	out[used] = '\0';
	free(c.lines);
	return nlines - first;
}

#ifdef __FreeBSD__
/* Written from sysctl(3) and dmesg(8)'s documented use of kern.msgbuf; not run here. */
char *
kernel_msgbuf_read(size_t *len)
{
	size_t size = 0, slack = 4096;
	char *buf;
	int tries;

	*len = 0;
	for (tries = 0; tries < 4; tries++, slack *= 4) {
		if (sysctlbyname("kern.msgbuf", NULL, &size, NULL, 0) != 0)
			return NULL;
		size += slack;	/* the buffer can grow between the two calls */
		if (size > (64u << 20) || (buf = malloc(size)) == NULL)
			return NULL;
		if (sysctlbyname("kern.msgbuf", buf, &size, NULL, 0) == 0) {
			*len = size;
			return buf;
		}
		free(buf);
		if (errno != ENOMEM)
			return NULL;
	}
	return NULL;
}
#endif
