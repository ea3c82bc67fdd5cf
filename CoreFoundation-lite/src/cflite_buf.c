/* A growable, NUL-terminated byte buffer; allocation failure is sticky. */
#include "cflite_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
reserve(struct cflite_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return false;
	if (extra > SIZE_MAX / 2 - b->len - 1) {
		b->failed = true;
		return false;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap != 0 ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
cflite_buf_add(struct cflite_buf *b, const void *bytes, size_t n)
{
	if (!reserve(b, n))
		return;
	if (n != 0)
		memcpy(b->p + b->len, bytes, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
cflite_buf_adds(struct cflite_buf *b, const char *s)
{
	cflite_buf_add(b, s, strlen(s));
}

void
cflite_buf_addc(struct cflite_buf *b, char c)
{
	cflite_buf_add(b, &c, 1);
}

void
cflite_buf_vprintf(struct cflite_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
cflite_buf_printf(struct cflite_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cflite_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
cflite_buf_indent(struct cflite_buf *b, int n, const char *unit)
{
	for (int i = 0; i < n; i++)
		cflite_buf_adds(b, unit);
}

void
cflite_buf_free(struct cflite_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

char *
cflite_buf_take(struct cflite_buf *b)
{
	if (b->failed) {
		cflite_buf_free(b);
		return NULL;
	}
	return b->p;
}

CFStringRef
cflite_buf_take_string(struct cflite_buf *b)
{
	if (b->failed) {
		cflite_buf_free(b);
		return NULL;
	}
	return cflite_string_adopt_utf8(b->p, b->len);
}
