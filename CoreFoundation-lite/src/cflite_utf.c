/* UTF-8 validation and UTF-8 <-> UTF-16 conversions for CFString. */
#include "cflite_internal.h"

#include <stdlib.h>

/* Length of the valid sequence at s (1-4), or 0 if invalid. */
static size_t
seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0;	/* UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;	/* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;	/* above U+10FFFF */
		return 4;
	}
	return 0;
}

bool
cflite_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = seq_len(s + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

size_t
cflite_utf8_utf16_len(const unsigned char *s, size_t n)
{
	size_t units = 0;

	for (size_t i = 0; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			units++;
		if (s[i] >= 0xf0)
			units++;	/* needs a surrogate pair */
	}
	return units;
}

bool
cflite_utf8_offset_of_unit(const unsigned char *s, size_t n, size_t unit, size_t *off)
{
	size_t units = 0, i = 0;

	while (i < n && units < unit) {
		units += s[i] >= 0xf0 ? 2 : 1;
		i++;
		while (i < n && (s[i] & 0xc0) == 0x80)
			i++;
	}
	if (units != unit)
		return false;	/* past the end, or inside a surrogate pair */
	*off = i;
	return true;
}

bool
cflite_utf8_put(struct cflite_buf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = (char)cp;
		cflite_buf_add(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		cflite_buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			return false;
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		cflite_buf_add(b, u, 3);
	} else if (cp <= 0x10ffff) {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		cflite_buf_add(b, u, 4);
	} else
		return false;
	return true;
}

void
cflite_u16iter_init(struct cflite_u16iter *it, const char *s, size_t n)
{
	it->p = (const unsigned char *)s;
	it->end = it->p + n;
	it->pending = 0;
}

int
cflite_u16iter_next(struct cflite_u16iter *it)
{
	uint32_t cp;
	unsigned char c;

	if (it->pending != 0) {
		int u = it->pending;

		it->pending = 0;
		return u;
	}
	if (it->p >= it->end)
		return -1;
	c = *it->p++;
	if (c < 0x80)
		return c;
	if (c < 0xe0) {
		cp = (uint32_t)(c & 0x1f) << 6;
		cp |= *it->p++ & 0x3fu;
	} else if (c < 0xf0) {
		cp = (uint32_t)(c & 0x0f) << 12;
		cp |= (uint32_t)(*it->p++ & 0x3f) << 6;
		cp |= *it->p++ & 0x3fu;
	} else {
		cp = (uint32_t)(c & 0x07) << 18;
		cp |= (uint32_t)(*it->p++ & 0x3f) << 12;
		cp |= (uint32_t)(*it->p++ & 0x3f) << 6;
		cp |= *it->p++ & 0x3fu;
		cp -= 0x10000;
		it->pending = (uint16_t)(0xdc00 | (cp & 0x3ff));
		return (int)(0xd800 | (cp >> 10));
	}
	return (int)cp;
}

UniChar *
cflite_utf8_to_utf16(const unsigned char *s, size_t n, size_t *len)
{
	size_t units = cflite_utf8_utf16_len(s, n), i = 0;
	struct cflite_u16iter it;
	UniChar *u;
	int c;

	u = malloc((units != 0 ? units : 1) * sizeof(*u));
	if (u == NULL)
		return NULL;
	cflite_u16iter_init(&it, (const char *)s, n);
	while ((c = cflite_u16iter_next(&it)) >= 0)
		u[i++] = (UniChar)c;
	*len = units;
	return u;
}

bool
cflite_utf16_to_utf8(struct cflite_buf *b, const UniChar *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = u[i];

		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (i + 1 >= n || u[i + 1] < 0xdc00 || u[i + 1] > 0xdfff)
				return false;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (u[i + 1] - 0xdc00u);
			i++;
		} else if (cp >= 0xdc00 && cp <= 0xdfff)
			return false;
		cflite_utf8_put(b, cp);
	}
	return true;
}
