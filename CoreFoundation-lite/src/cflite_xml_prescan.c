/*
 * One linear pass over an XML property list before libxml2 builds its tree:
 * libxml2 2.9 checks each new attribute of an element against all earlier
 * ones (quadratic: 100,000 attributes on one element took 39 s), and the
 * tree of a deeply nested file costs memory before our own depth check
 * runs. Both are refused here, in time linear in the size.
 *
 * Only the markup that matters is recognised: comments, CDATA sections,
 * processing instructions and the DOCTYPE are skipped; start tags are
 * counted (depth, attributes), end tags close. Anything malformed is left
 * to libxml2, which reports it. UTF-16 and UTF-32 input is read unit by
 * unit (markup is ASCII; other units count as name characters).
 */
#include "cflite_internal.h"

#include <stdint.h>
#include <string.h>

struct scan {
	const UInt8 *p;
	size_t n, at;		/* in bytes */
	unsigned width;		/* 1, 2 or 4 bytes a unit */
	bool big;
	long line;
};

/* A unit of UTF-16 or UTF-32 input at byte offset at, as peek gives it. */
static int
peek_wide(const struct scan *s, size_t at)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < s->width; i++)
		v |= (uint32_t)s->p[at + i] << (8 * (s->big ? s->width - 1 - i : i));
	return v < 0x80 ? (int)v : 0x80;
}

/* The unit at the cursor: ASCII as itself, anything else as 0x80; -1 at the end. */
static inline int
peek(const struct scan *s, size_t ahead)
{
	size_t at = s->at + ahead * s->width;

	if (at + s->width > s->n || at < s->at)
		return -1;
	if (s->width == 1)	/* UTF-8, nearly every plist: one byte, no assembly */
		return s->p[at] < 0x80 ? s->p[at] : 0x80;
	return peek_wide(s, at);
}

/* UTF-8 text up to the next '<' (or the end) in one step, its lines counted. */
static void
skip_text(struct scan *s)
{
	const UInt8 *from = s->p + s->at, *lt = memchr(from, '<', s->n - s->at);
	size_t len = lt != NULL ? (size_t)(lt - from) : s->n - s->at;

	for (size_t i = 0; i < len; i++)
		s->line += from[i] == '\n';
	s->at += len;
}

static inline int
next(struct scan *s)
{
	int c = peek(s, 0);

	if (c >= 0)
		s->at += s->width;
	if (c == '\n')
		s->line++;
	return c;
}

static bool
looking_at(const struct scan *s, const char *text)
{
	for (size_t i = 0; text[i] != '\0'; i++)
		if (peek(s, i) != (unsigned char)text[i])
			return false;
	return true;
}

/* Skips past the first occurrence of end; false when the input ends first. */
static bool
skip_past(struct scan *s, const char *end)
{
	while (peek(s, 0) >= 0) {
		if (looking_at(s, end)) {
			for (size_t i = 0; end[i] != '\0'; i++)
				next(s);
			return true;
		}
		next(s);
	}
	return false;
}

/* <!DOCTYPE ...>: quoted text and an internal subset [...] may hold '>'. */
static bool
skip_doctype(struct scan *s)
{
	int c, quote = 0, bracket = 0;

	while ((c = next(s)) >= 0) {
		if (quote != 0) {
			if (c == quote)
				quote = 0;
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '[') {
			bracket++;
		} else if (c == ']' && bracket > 0) {
			bracket--;
		} else if (c == '>' && bracket == 0) {
			return true;
		}
	}
	return false;
}

static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * A start tag, the cursor after '<'. Says whether it is <array> or <dict>,
 * or <plist>, and "<x/>"; counts attributes; false when malformed.
 */
static bool
start_tag(struct scan *s, bool *name_is_container, bool *name_is_plist, bool *empty,
    size_t *nattr)
{
	char name[8];
	size_t len = 0;
	int c;

	while ((c = peek(s, 0)) >= 0 && !is_space(c) && c != '>' && c != '/') {
		if (len < sizeof(name) - 1)
			name[len] = (char)c;
		len++;
		next(s);
	}
	name[len < sizeof(name) ? len : sizeof(name) - 1] = '\0';
	*name_is_container = strcmp(name, "array") == 0 || strcmp(name, "dict") == 0;
	*name_is_plist = strcmp(name, "plist") == 0;
	*nattr = 0;
	for (;;) {
		while (is_space(peek(s, 0)))
			next(s);
		c = next(s);
		if (c == '>' || (c == '/' && next(s) == '>')) {
			*empty = c == '/';
			return true;
		}
		if (c < 0 || c == '/' || c == '<')
			return false;
		while ((c = peek(s, 0)) >= 0 && c != '=' && c != '>' && c != '<')
			next(s);	/* the attribute's name */
		if (next(s) != '=')
			return false;
		while (is_space(peek(s, 0)))
			next(s);
		if ((c = next(s)) != '"' && c != '\'')
			return false;
		while (peek(s, 0) >= 0 && peek(s, 0) != c)
			next(s);
		if (next(s) != c)
			return false;
		++*nattr;
	}
}

static void
detect_encoding(struct scan *s)
{
	const UInt8 *p = s->p;
	size_t n = s->n;

	s->width = 1;
	if (n >= 4 && memcmp(p, "\x00\x00\xfe\xff", 4) == 0)
		s->width = 4, s->big = true, s->at = 4;
	else if (n >= 4 && memcmp(p, "\xff\xfe\x00\x00", 4) == 0)
		s->width = 4, s->at = 4;
	else if (n >= 2 && p[0] == 0xfe && p[1] == 0xff)
		s->width = 2, s->big = true, s->at = 2;
	else if (n >= 2 && p[0] == 0xff && p[1] == 0xfe)
		s->width = 2, s->at = 2;
	else if (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0)
		s->width = 4, s->big = true;
	else if (n >= 4 && p[1] == 0 && p[2] == 0 && p[3] == 0)
		s->width = 4;
	else if (n >= 2 && p[0] == 0)
		s->width = 2, s->big = true;
	else if (n >= 2 && p[1] == 0)
		s->width = 2;
}

enum cflite_xml_prescan
cflite_xml_prescan(const char *bytes, size_t n, int max_depth, size_t max_attributes,
    long *line, size_t *attributes)
{
	struct scan s = { .p = (const UInt8 *)bytes, .n = n, .line = 1 };
	int depth = 0, wrapper = 0;

	detect_encoding(&s);
	while (peek(&s, 0) >= 0) {
		bool container, empty, name_is_plist;
		size_t nattr;
		long start;

		if (s.width == 1)
			skip_text(&s);
		if (next(&s) != '<')
			continue;
		start = s.line;
		if (looking_at(&s, "!--")) {
			if (!skip_past(&s, "-->"))
				break;
		} else if (looking_at(&s, "![CDATA[")) {
			if (!skip_past(&s, "]]>"))
				break;
		} else if (looking_at(&s, "?")) {
			if (!skip_past(&s, "?>"))
				break;
		} else if (looking_at(&s, "!")) {
			if (!skip_doctype(&s))
				break;
		} else if (looking_at(&s, "/")) {
			depth--;
			if (!skip_past(&s, ">"))
				break;
		} else {
			if (!start_tag(&s, &container, &name_is_plist, &empty, &nattr))
				break;	/* libxml2 says what is wrong */
			*line = start;
			if (nattr > max_attributes) {
				*attributes = nattr;
				return CFLITE_XML_TOO_MANY_ATTRIBUTES;
			}
					/*
			 * A root <plist> wraps the value (the parser also takes a bare
			 * value); under the last container only a leaf may follow.
			 */
			if (depth == 0)
				wrapper = !container && name_is_plist;
			if (depth + 1 > max_depth + wrapper + 1 ||
			    (container && depth + 1 > max_depth + wrapper))
				return CFLITE_XML_TOO_DEEP;
			if (!empty)
				depth++;
		}
	}
	return CFLITE_XML_PRESCAN_OK;
}
