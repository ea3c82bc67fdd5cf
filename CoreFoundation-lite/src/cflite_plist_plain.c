/*
 * The plain subset of XML property lists, read in one pass without libxml2:
 * what CFPropertyListCreateData writes and what kext Info.plist files hold
 * (the standard declaration and DOCTYPE, <plist version="1.0">, dict, key,
 * array, string, integer, true and false, the five predefined entities).
 * libxml2's tree of such a file costs several times the bytes' own reading,
 * and a kext load reads one Info.plist a kext.
 *
 * It only ever succeeds: anything else (comments, CDATA, character
 * references, other declarations, a carriage return or a control character
 * in text, "]]>", U+FFFE or U+FFFF, a bad number, nesting past the limit,
 * invalid UTF-8) makes it give up, and the full reader
 * (CFPropertyListXMLParse.c) reads the file or says what is wrong with it.
 * What it accepts, the full reader reads to an equal value (tests compare
 * the two, CFLitePropertyListCreateWithXMLTree).
 */
#include "cflite_internal.h"

#include <stdbool.h>
#include <string.h>

struct plain {
	const char *p, *end;
	CFOptionFlags opts;
	struct cflite_buf text;	/* a text with entities, decoded */
};

static bool
take(struct plain *s, const char *lit, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return false;
	s->p += n;
	return true;
}

#define TAKE(s, lit)	take((s), (lit), sizeof(lit) - 1)

static void
skip_blanks(struct plain *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' ||
	    *s->p == '\r'))
		s->p++;
}

/* One of the five predefined entities at s->p ('&'), appended decoded. */
static bool
entity(struct plain *s)
{
	static const struct {
		const char *name;
		char c;
	} known[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' },
		{ "&apos;", '\'' },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (take(s, known[i].name, strlen(known[i].name))) {
			cflite_buf_addc(&s->text, known[i].c);
			return true;
		}
	}
	return false;
}

/*
 * The text up to the next '<': *t and *n point into the input, or into
 * s->text when an entity was decoded. false for what the full reader must
 * judge.
 */
static bool
text(struct plain *s, const char **t, size_t *n)
{
	const char *start = s->p, *run = s->p;
	bool decoded = false;

	while (s->p < s->end && *s->p != '<') {
		unsigned char c = (unsigned char)*s->p;

		if (c < 0x20 && c != '\t' && c != '\n')
			return false;	/* CR is normalised by XML; controls are not XML */
		if (c == ']' && s->end - s->p >= 3 && memcmp(s->p, "]]>", 3) == 0)
			return false;
		if (c == 0xef && s->end - s->p >= 3 && (unsigned char)s->p[1] == 0xbf &&
		    ((unsigned char)s->p[2] == 0xbe || (unsigned char)s->p[2] == 0xbf))
			return false;	/* U+FFFE, U+FFFF: not XML characters */
		if (c != '&') {
			s->p++;
			continue;
		}
		if (!decoded) {
			s->text.len = 0;
			decoded = true;
		}
		cflite_buf_add(&s->text, run, (size_t)(s->p - run));
		if (!entity(s))
			return false;
		run = s->p;
	}
	if (!decoded) {
		*t = start;
		*n = (size_t)(s->p - start);
		return true;
	}
	cflite_buf_add(&s->text, run, (size_t)(s->p - run));
	if (s->text.failed)
		return false;
	*t = s->text.p;
	*n = s->text.len;
	return true;
}

/* <tag>text</tag> after "<tag>": the string (NULL to give up). */
static CFStringRef
string_until(struct plain *s, const char *close, size_t close_len, bool is_mutable)
{
	const char *t;
	size_t n;

	if (!text(s, &t, &n) || !take(s, close, close_len))
		return NULL;
	return cflite_string_create_utf8(t, n, is_mutable);
}

static CFTypeRef value(struct plain *s, int depth);

static CFTypeRef
finish(struct plain *s, CFTypeRef c)
{
	if ((s->opts & (kCFPropertyListMutableContainers |
	    kCFPropertyListMutableContainersAndLeaves)) == 0)
		cflite_make_immutable(c);
	return c;
}

static CFTypeRef
dict(struct plain *s, int depth)
{
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	CFStringRef key;
	CFTypeRef v;

	if (d == NULL)
		return NULL;
	for (;;) {
		skip_blanks(s);
		if (TAKE(s, "</dict>"))
			return finish(s, d);
		/* keys are never mutable, whatever the options */
		if (!TAKE(s, "<key>") || (key = string_until(s, "</key>", 6, false)) == NULL)
			break;
		skip_blanks(s);
		v = value(s, depth + 1);
		if (v != NULL)
			CFDictionarySetValue(d, key, v);	/* a repeated key: the last one wins */
		CFRelease(key);
		if (v == NULL)
			break;
		CFRelease(v);
	}
	CFRelease(d);
	return NULL;
}

static CFTypeRef
array(struct plain *s, int depth)
{
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	CFTypeRef v;

	if (a == NULL)
		return NULL;
	for (;;) {
		skip_blanks(s);
		if (TAKE(s, "</array>"))
			return finish(s, a);
		if ((v = value(s, depth + 1)) == NULL)
			break;
		CFArrayAppendValue(a, v);
		CFRelease(v);
	}
	CFRelease(a);
	return NULL;
}

static CFTypeRef
integer(struct plain *s)
{
	const char *t, *why;
	size_t n;

	if (!text(s, &t, &n) || !TAKE(s, "</integer>"))
		return NULL;
	return cflite_plist_integer(t, n, &why);
}

static CFTypeRef
empty_container(struct plain *s, bool is_dict)
{
	CFTypeRef c = is_dict ? (CFTypeRef)CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks) :
	    (CFTypeRef)CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);

	return c != NULL ? finish(s, c) : NULL;
}

/* A value at s->p; depth as the full reader counts it (the top value is 1). */
static CFTypeRef
value(struct plain *s, int depth)
{
	bool leaves = (s->opts & kCFPropertyListMutableContainersAndLeaves) != 0;

	if (TAKE(s, "<string>"))
		return string_until(s, "</string>", 9, leaves);
	if (TAKE(s, "<string/>"))
		return cflite_string_create_utf8("", 0, leaves);
	if (TAKE(s, "<integer>"))
		return integer(s);
	if (TAKE(s, "<true/>"))
		return kCFBooleanTrue;
	if (TAKE(s, "<false/>"))
		return kCFBooleanFalse;
	if (depth > kCFLitePropertyListMaxDepth)
		return NULL;	/* the full reader says how deep */
	if (TAKE(s, "<dict>"))
		return dict(s, depth);
	if (TAKE(s, "<array>"))
		return array(s, depth);
	if (TAKE(s, "<dict/>"))
		return empty_container(s, true);
	if (TAKE(s, "<array/>"))
		return empty_container(s, false);
	return NULL;
}

bool
cflite_plist_parse_plain(const char *bytes, size_t n, CFOptionFlags opts,
    CFPropertyListRef *out)
{
	struct plain s = { .p = bytes, .end = bytes + n, .opts = opts };
	CFTypeRef v = NULL;

	*out = NULL;
	/* the declaration only at the very start; no other processing instruction */
	if (!TAKE(&s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>") &&
	    !TAKE(&s, "<?xml version=\"1.0\"?>")) {
		skip_blanks(&s);
		if (s.end - s.p >= 2 && memcmp(s.p, "<?", 2) == 0)
			return false;
	}
	skip_blanks(&s);
	if (TAKE(&s, "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">") ||
	    TAKE(&s, "<!DOCTYPE plist PUBLIC \"-//Apple Computer//DTD PLIST 1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">"))
		skip_blanks(&s);
	if (!TAKE(&s, "<plist version=\"1.0\">") && !TAKE(&s, "<plist>"))
		return false;
	skip_blanks(&s);
	if ((v = value(&s, 1)) != NULL) {
		skip_blanks(&s);
		if (TAKE(&s, "</plist>")) {
			skip_blanks(&s);
			if (s.p == s.end)
				*out = v;
		}
	}
	cflite_buf_free(&s.text);
	if (*out == NULL && v != NULL)
		CFRelease(v);
	return *out != NULL;
}
