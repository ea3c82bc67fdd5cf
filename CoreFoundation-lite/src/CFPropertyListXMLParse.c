/*
 * XML property list reader on libxml2's tree parser (libxml2's SAX2 reader,
 * cflite_plist_sax.c, reads most files first without the tree).
 *
 * Safety: no network (XML_PARSE_NONET), no DTD loading, no entity
 * substitution (XML_PARSE_NOENT is never set).  Any entity declaration in a
 * DOCTYPE stops the parse and is reported, so "billion laughs" and external
 * SYSTEM entities are never expanded or fetched; a leftover entity reference
 * node is refused too.  Predefined entities (&amp; ...) and character
 * references are plain XML and work.  Size and depth are bounded.
 *
 * Errors name the line: "line 12: <integer> value 'abc' is not a number".
 */
#include "cflite_internal.h"
#include "cflite_libxml.h"

#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlversion.h>

#include <stdlib.h>
#include <string.h>

/* <plist version="1.0"> has one; a few more (xmlns:...) are harmless. */
#define XML_MAX_ATTRIBUTES	16

struct xparse {
	const struct cflite_libxml *lx;
	CFOptionFlags opts;
	CFErrorRef err;		/* first error only */
	bool entity_seen;	/* a DOCTYPE declared an entity */
	long entity_line;
	char entity_name[64];
	long xml_line;		/* first libxml2 error, when xml_line != 0 */
	char xml_msg[160];
};

/* Records the first error, "line N: <message>". Returns NULL for chaining. */
static void *
fail(struct xparse *xp, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void *
fail(struct xparse *xp, long line, const char *fmt, ...)
{
	struct cflite_buf b = { 0 };
	va_list ap;

	if (xp->err != NULL)
		return NULL;
	cflite_buf_printf(&b, "line %ld: ", line);
	va_start(ap, fmt);
	cflite_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (!b.failed)
		xp->err = cflite_error_create_str(kCFErrorDomainCocoa, kCFPropertyListReadCorruptError,
		    b.p);
	cflite_buf_free(&b);
	return NULL;
}

/* Nodes exist only once parse_tree has loaded libxml2, so the table is there. */
static long
line_of(xmlNodePtr n)
{
	return cflite_libxml(NULL)->xmlGetLineNo(n);
}

/* A short, printable excerpt of untrusted text for messages. */
static void
excerpt(char *out, size_t size, const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 4 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		out[k++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (k + 4 >= size && n > k) {
		/* cut inside a UTF-8 sequence? back off to its start */
		while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && (unsigned char)out[k - 1] >= 0xc0)
			k--;
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
}

/* Only XML white space (space, tab, LF, CR): text between elements that means nothing. */
bool
cflite_xml_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

static bool
named(xmlNodePtr n, const char *name)
{
	return cflite_libxml(NULL)->xmlStrEqual(n->name, (const xmlChar *)name);
}

/* Trims blanks in place; returns the start, sets *n. */
static const char *
trim(const char *s, size_t *n)
{
	size_t len = *n;

	while (len > 0 && cflite_xml_blank(s, 1)) {
		s++;
		len--;
	}
	while (len > 0 && cflite_xml_blank(s + len - 1, 1))
		len--;
	*n = len;
	return s;
}

/*
 * Checks a child that is not an element: blank text, comments and
 * processing instructions are fine; anything else is an error.
 */
static bool
ignorable(struct xparse *xp, xmlNodePtr c, const char *where)
{
	char ex[48];

	switch (c->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE: {
		const char *t = (const char *)c->content;
		size_t n = t != NULL ? strlen(t) : 0;

		size_t lead = 0, len = n, nl_total = 0, nl_lead = 0;
		const char *start;

		if (cflite_xml_blank(t, n))
			return true;
		/* libxml2 numbers a text node by its last line: count back to the text */
		start = trim(t, &len);
		lead = (size_t)(start - t);
		for (size_t i = 0; i < n; i++)
			nl_total += t[i] == '\n';
		for (size_t i = 0; i < lead; i++)
			nl_lead += t[i] == '\n';
		excerpt(ex, sizeof(ex), start, len);
		fail(xp, line_of(c) - (long)nl_total + (long)nl_lead,
		    "unexpected text '%s' in <%s>", ex, where);
		return false;
	}
	case XML_COMMENT_NODE:
	case XML_PI_NODE:
		return true;
	case XML_ENTITY_REF_NODE:
		fail(xp, line_of(c), "entity reference '&%s;' is not allowed", (const char *)c->name);
		return false;
	default:
		fail(xp, line_of(c), "unexpected content in <%s>", where);
		return false;
	}
}

/* The text of a leaf element (text and CDATA only), in a cflite_buf. */
static bool
element_text(struct xparse *xp, xmlNodePtr el, struct cflite_buf *out)
{
	cflite_buf_add(out, "", 0);
	for (xmlNodePtr c = el->children; c != NULL; c = c->next) {
		switch (c->type) {
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (c->content != NULL)
				cflite_buf_adds(out, (const char *)c->content);
			break;
		case XML_COMMENT_NODE:
		case XML_PI_NODE:
			break;
		case XML_ELEMENT_NODE:
			fail(xp, line_of(c), "unexpected element <%s> inside <%s>",
			    (const char *)c->name, (const char *)el->name);
			return false;
		case XML_ENTITY_REF_NODE:
			fail(xp, line_of(c), "entity reference '&%s;' is not allowed",
			    (const char *)c->name);
			return false;
		default:
			fail(xp, line_of(c), "unexpected content inside <%s>", (const char *)el->name);
			return false;
		}
	}
	if (out->failed) {
		fail(xp, line_of(el), "out of memory");
		return false;
	}
	return true;
}

/* --- leaf values -------------------------------------------------------------------- */

static CFTypeRef
parse_string(struct xparse *xp, xmlNodePtr el)
{
	struct cflite_buf b = { 0 };
	CFStringRef s = NULL;

	if (element_text(xp, el, &b)) {
		s = cflite_string_create_utf8(b.p, b.len,
		    (xp->opts & kCFPropertyListMutableContainersAndLeaves) != 0);
		if (s == NULL)
			fail(xp, line_of(el), "<%s> is not valid UTF-8 text", (const char *)el->name);
	}
	cflite_buf_free(&b);
	return s;
}

/*
 * Decimal or 0x-hex, optionally signed, from INT64_MIN to UINT64_MAX, blanks
 * around it ignored; NULL with *why ("is empty", "is not a number", "is out
 * of range"), or with *why NULL when out of memory.
 */
CFNumberRef
cflite_plist_integer(const char *text, size_t len, const char **why)
{
	const char *s;
	size_t n = len, i = 0;
	uint64_t mag = 0;
	unsigned base = 10;
	bool neg = false, digits = false;

	*why = NULL;
	s = trim(text, &n);
	if (n == 0) {
		*why = "is empty";
		return NULL;
	}
	if (s[i] == '-' || s[i] == '+')
		neg = s[i++] == '-';
	if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	for (; i < n && *why == NULL; i++) {
		unsigned d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else {
			*why = "is not a number";
			break;
		}
		if (mag > (UINT64_MAX - d) / base)
			*why = "is out of range";
		mag = mag * base + d;
		digits = true;
	}
	if (*why == NULL && !digits)
		*why = "is not a number";
	if (*why == NULL && neg && mag > (uint64_t)INT64_MAX + 1)
		*why = "is out of range";
	if (*why != NULL)
		return NULL;
	if (neg) {
		int64_t v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;

		return CFNumberCreate(NULL, kCFNumberSInt64Type, &v);
	}
	return cflite_number_create_u64(mag);
}

static CFTypeRef
parse_integer(struct xparse *xp, xmlNodePtr el)
{
	struct cflite_buf b = { 0 };
	CFTypeRef num;
	const char *s, *why;
	size_t n;
	char ex[48];

	if (!element_text(xp, el, &b)) {
		cflite_buf_free(&b);
		return NULL;
	}
	num = cflite_plist_integer(b.p, b.len, &why);
	if (num == NULL) {
		n = b.len;
		s = trim(b.p, &n);
		excerpt(ex, sizeof(ex), s, n);
		if (why == NULL)
			fail(xp, line_of(el), "out of memory");
		else if (n == 0)
			fail(xp, line_of(el), "<integer> is empty");
		else
			fail(xp, line_of(el), "<integer> value '%s' %s", ex, why);
	}
	cflite_buf_free(&b);
	return num;
}

/* The leaves below read their element's text, b, which they may change. */
static CFTypeRef
real_value(struct xparse *xp, long line, struct cflite_buf *b)
{
	CFTypeRef num = NULL;
	const char *s;
	char *end, ex[48];
	size_t n;
	double d;

	n = b->len;
	s = trim(b->p, &n);
	((char *)s)[n] = '\0';	/* s points into our own buffer */
	d = cflite_strtod_c(s, &end);
	excerpt(ex, sizeof(ex), s, n);
	if (n == 0)
		fail(xp, line, "<real> is empty");
	else if (end != s + n)
		fail(xp, line, "<real> value '%s' is not a number", ex);
	else if ((num = CFNumberCreate(NULL, kCFNumberFloat64Type, &d)) == NULL)
		fail(xp, line, "out of memory");
	return num;
}

static int
base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static CFTypeRef
data_value(struct xparse *xp, long line, struct cflite_buf *text)
{
	struct cflite_buf bytes = { 0 };
	CFTypeRef data = NULL;
	uint32_t acc = 0;
	int nbits = 0;
	size_t count = 0;
	bool padded = false, ok = true;

	for (size_t i = 0; i < text->len && ok; i++) {
		char c = text->p[i];
		int v;

		if (cflite_xml_blank(&c, 1))
			continue;
		if (c == '=') {
			padded = true;
			continue;
		}
		v = base64_value(c);
		if (v < 0 || padded) {
			char ex[8];

			excerpt(ex, sizeof(ex), &c, 1);
			fail(xp, line, v < 0 ?
			    "<data> contains '%s', which is not base64" :
			    "<data> has '%s' after the '=' padding", ex);
			ok = false;
			break;
		}
		acc = (acc << 6) | (uint32_t)v;
		nbits += 6;
		count++;
		if (nbits >= 8) {
			nbits -= 8;
			cflite_buf_addc(&bytes, (char)((acc >> nbits) & 0xff));
		}
	}
	if (ok && count % 4 == 1) {
		fail(xp, line, "<data> is truncated (base64 length)");
		ok = false;
	}
	if (ok) {
		bool leaves = (xp->opts & kCFPropertyListMutableContainersAndLeaves) != 0;

		if (leaves) {
			CFMutableDataRef m = CFDataCreateMutable(NULL, 0);

			if (m != NULL)
				CFDataAppendBytes(m, (const UInt8 *)bytes.p, (CFIndex)bytes.len);
			data = m;
		} else
			data = CFDataCreate(NULL, (const UInt8 *)(bytes.p != NULL ? bytes.p : ""),
			    (CFIndex)bytes.len);
		if (data == NULL || bytes.failed)
			fail(xp, line, "out of memory");
	}
	cflite_buf_free(&bytes);
	return data;
}

/* Reads exactly `width` digits. */
static bool
digits(const char *s, int width, int *out)
{
	int v = 0;

	for (int i = 0; i < width; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static CFTypeRef
date_value(struct xparse *xp, long line, struct cflite_buf *b)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct cflite_civil c = { 0 };
	CFTypeRef date = NULL;
	const char *s;
	size_t n;
	int y = 0;
	char ex[48];

	n = b->len;
	s = trim(b->p, &n);
	/* YYYY-MM-DDTHH:MM:SSZ */
	if (n == 20 && digits(s, 4, &y) && s[4] == '-' && digits(s + 5, 2, &c.month) &&
	    s[7] == '-' && digits(s + 8, 2, &c.day) && s[10] == 'T' &&
	    digits(s + 11, 2, &c.hour) && s[13] == ':' && digits(s + 14, 2, &c.minute) &&
	    s[16] == ':' && digits(s + 17, 2, &c.second) && s[19] == 'Z' &&
	    c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= mdays[c.month - 1] &&
	    c.hour <= 23 && c.minute <= 59 && c.second <= 60) {
		c.year = y;
		date = CFDateCreate(NULL, cflite_time_from_civil(&c));
		if (date == NULL)
			fail(xp, line, "out of memory");
	} else {
		excerpt(ex, sizeof(ex), s, n);
		fail(xp, line, "<date> value '%s' is not a date (YYYY-MM-DDTHH:MM:SSZ)", ex);
	}
	return date;
}

/* A leaf element read with one of the *_value functions above. */
static CFTypeRef
parse_text_leaf(struct xparse *xp, xmlNodePtr el,
    CFTypeRef (*value)(struct xparse *, long, struct cflite_buf *))
{
	struct cflite_buf b = { 0 };
	CFTypeRef v = element_text(xp, el, &b) ? value(xp, line_of(el), &b) : NULL;

	cflite_buf_free(&b);
	return v;
}

/* For the SAX reader: NULL when the tree would refuse the text (or out of memory). */
CFTypeRef
cflite_plist_text_leaf(enum cflite_plist_leaf leaf, struct cflite_buf *text, CFOptionFlags opts)
{
	struct xparse xp = { .opts = opts };
	CFTypeRef v;

	cflite_buf_add(text, "", 0);	/* NUL-terminated, p not NULL */
	if (text->failed)
		return NULL;
	v = (leaf == CFLITE_PLIST_REAL ? real_value : leaf == CFLITE_PLIST_DATA ? data_value :
	    date_value)(&xp, 1, text);
	if (xp.err != NULL)
		CFRelease(xp.err);
	return v;
}

static CFTypeRef
parse_bool(struct xparse *xp, xmlNodePtr el, bool value)
{
	struct cflite_buf b = { 0 };
	bool ok = element_text(xp, el, &b);

	if (ok && !cflite_xml_blank(b.p, b.len)) {
		fail(xp, line_of(el), "<%s/> must be empty", value ? "true" : "false");
		ok = false;
	}
	cflite_buf_free(&b);
	return ok ? (value ? kCFBooleanTrue : kCFBooleanFalse) : NULL;
}

/* --- containers ----------------------------------------------------------------------- */

static CFTypeRef parse_value(struct xparse *xp, xmlNodePtr el, int depth);

static CFTypeRef
finish_container(struct xparse *xp, CFTypeRef c)
{
	if ((xp->opts & (kCFPropertyListMutableContainers |
	    kCFPropertyListMutableContainersAndLeaves)) == 0)
		cflite_make_immutable(c);
	return c;
}

static CFTypeRef
parse_array(struct xparse *xp, xmlNodePtr el, int depth)
{
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);

	if (a == NULL)
		return fail(xp, line_of(el), "out of memory");
	for (xmlNodePtr c = el->children; c != NULL; c = c->next) {
		CFTypeRef v;

		if (c->type != XML_ELEMENT_NODE) {
			if (!ignorable(xp, c, "array"))
				goto bad;
			continue;
		}
		v = parse_value(xp, c, depth + 1);
		if (v == NULL)
			goto bad;
		CFArrayAppendValue(a, v);
		CFRelease(v);
	}
	return finish_container(xp, a);
bad:
	CFRelease(a);
	return NULL;
}

static CFTypeRef
parse_dict(struct xparse *xp, xmlNodePtr el, int depth)
{
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	CFStringRef key = NULL;
	long key_line = 0;
	char ex[48];

	if (d == NULL)
		return fail(xp, line_of(el), "out of memory");
	for (xmlNodePtr c = el->children; c != NULL; c = c->next) {
		CFTypeRef v;

		if (c->type != XML_ELEMENT_NODE) {
			if (!ignorable(xp, c, "dict"))
				goto bad;
			continue;
		}
		if (key == NULL) {
			if (!named(c, "key")) {
				fail(xp, line_of(c), "<dict> has <%s> where a <key> was expected",
				    (const char *)c->name);
				goto bad;
			}
			{
				CFOptionFlags saved = xp->opts;

				/* keys are never mutable, whatever the options */
				xp->opts &= ~(CFOptionFlags)kCFPropertyListMutableContainersAndLeaves;
				key = parse_string(xp, c);
				xp->opts = saved;
			}
			if (key == NULL)
				goto bad;
			key_line = line_of(c);
			continue;
		}
		if (named(c, "key")) {
			excerpt(ex, sizeof(ex), cflite_str_bytes(key), cflite_str_nbytes(key));
			fail(xp, key_line, "<dict> key '%s' without a value (another <key> follows)",
			    ex);
			goto bad;
		}
		v = parse_value(xp, c, depth + 1);
		if (v == NULL)
			goto bad;
		CFDictionarySetValue(d, key, v);	/* a repeated key: the last one wins */
		CFRelease(v);
		CFRelease(key);
		key = NULL;
	}
	if (key != NULL) {
		excerpt(ex, sizeof(ex), cflite_str_bytes(key), cflite_str_nbytes(key));
		fail(xp, key_line, "<dict> key '%s' without a value", ex);
		goto bad;
	}
	return finish_container(xp, d);
bad:
	if (key != NULL)
		CFRelease(key);
	CFRelease(d);
	return NULL;
}

static CFTypeRef
parse_value(struct xparse *xp, xmlNodePtr el, int depth)
{
	if (named(el, "dict") || named(el, "array")) {
		if (depth > kCFLitePropertyListMaxDepth)
			return fail(xp, line_of(el), "containers are nested deeper than %d levels",
			    kCFLitePropertyListMaxDepth);
		return named(el, "dict") ? parse_dict(xp, el, depth) : parse_array(xp, el, depth);
	}
	if (named(el, "string"))
		return parse_string(xp, el);
	if (named(el, "integer"))
		return parse_integer(xp, el);
	if (named(el, "real"))
		return parse_text_leaf(xp, el, real_value);
	if (named(el, "true"))
		return parse_bool(xp, el, true);
	if (named(el, "false"))
		return parse_bool(xp, el, false);
	if (named(el, "data"))
		return parse_text_leaf(xp, el, data_value);
	if (named(el, "date"))
		return parse_text_leaf(xp, el, date_value);
	return fail(xp, line_of(el), "unexpected element <%s>", (const char *)el->name);
}

/* <plist> wraps exactly one value; Apple also accepts a bare value as root. */
static CFTypeRef
parse_root(struct xparse *xp, xmlNodePtr root)
{
	xmlNodePtr value = NULL;

	if (!named(root, "plist"))
		return parse_value(xp, root, 1);
	for (xmlNodePtr c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			if (!ignorable(xp, c, "plist"))
				return NULL;
			continue;
		}
		if (value != NULL)
			return fail(xp, line_of(c),
			    "<plist> holds more than one value (<%s> follows <%s>)",
			    (const char *)c->name, (const char *)value->name);
		value = c;
	}
	if (value == NULL)
		return fail(xp, line_of(root), "<plist> is empty");
	return parse_value(xp, value, 1);
}

/* --- libxml2 plumbing --------------------------------------------------------------------- */

/* Keeps the first error (later ones are often consequences); never prints. */
static void
record_error(void *user, xml_error_t *error)
{
	xmlParserCtxtPtr ctxt = user;
	struct xparse *xp = ctxt != NULL ? ctxt->_private : NULL;
	const char *msg;

	if (xp == NULL || error == NULL || error->level < XML_ERR_ERROR || xp->xml_line != 0)
		return;
	msg = error->message != NULL ? error->message : "not well-formed";
	xp->xml_line = error->line > 0 ? error->line : 1;
	excerpt(xp->xml_msg, sizeof(xp->xml_msg), msg, strcspn(msg, "\n"));
}

static void
refuse_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *publicId,
    const xmlChar *systemId, xmlChar *content)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct xparse *xp = ctxt->_private;

	(void)type;
	(void)publicId;
	(void)systemId;
	(void)content;
	if (!xp->entity_seen) {
		xp->entity_seen = true;
		xp->entity_line = xp->lx->xmlSAX2GetLineNumber(ctx);
		excerpt(xp->entity_name, sizeof(xp->entity_name), (const char *)name,
		    strlen((const char *)name));
	}
	xp->lx->xmlStopParser(ctxt);
}

static void
refuse_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *publicId,
    const xmlChar *systemId, const xmlChar *notationName)
{
	(void)notationName;
	refuse_entity_decl(ctx, name, XML_EXTERNAL_GENERAL_UNPARSED_ENTITY, publicId, systemId,
	    NULL);
}

static xmlParserInputPtr
refuse_resolve_entity(void *ctx, const xmlChar *publicId, const xmlChar *systemId)
{
	(void)ctx;
	(void)publicId;
	(void)systemId;
	return NULL;	/* nothing external is ever loaded */
}

static void
ignore_external_subset(void *ctx, const xmlChar *name, const xmlChar *ExternalID,
    const xmlChar *SystemID)
{
	(void)ctx;
	(void)name;
	(void)ExternalID;
	(void)SystemID;
}

/* Refuses text that cannot be XML (the OpenStep format is not supported). */
static bool
looks_like_xml(const char *bytes, size_t n)
{
	size_t i = 0;

	if (n >= 3 && memcmp(bytes, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	else if (n > 0 && (bytes[0] == '\0' || (unsigned char)bytes[0] >= 0xfe))
		return true;	/* UTF-16/32 with or without BOM: let libxml2 decide */
	while (i < n && cflite_xml_blank(bytes + i, 1))
		i++;
	return i < n && bytes[i] == '<';
}

/*
 * What the tree reader refuses before libxml2 sees the bytes: empty or
 * blank input, what cannot be XML, nesting past the limit and elements with
 * too many attributes (cflite_xml_prescan). false with xp->err set.
 */
static bool
precheck(struct xparse *xp, const char *bytes, size_t n)
{
	size_t nattr = 0;
	long line = 1;

	if (n == 0 || cflite_xml_blank(bytes, n)) {
		fail(xp, 1, "property list is empty");
		return false;
	}
	if (!looks_like_xml(bytes, n)) {
		fail(xp, 1, "not an XML or binary property list");
		return false;
	}
	switch (cflite_xml_prescan(bytes, n, kCFLitePropertyListMaxDepth, XML_MAX_ATTRIBUTES,
	    &line, &nattr)) {
	case CFLITE_XML_TOO_DEEP:
		fail(xp, line, "containers are nested deeper than %d levels",
		    kCFLitePropertyListMaxDepth);
		return false;
	case CFLITE_XML_TOO_MANY_ATTRIBUTES:
		fail(xp, line, "an element has %zu attributes; a property list uses at most %d",
		    nattr, XML_MAX_ATTRIBUTES);
		return false;
	case CFLITE_XML_PRESCAN_OK:
		break;
	}
	return true;
}

static CFPropertyListRef parse_tree(const char *bytes, size_t n, CFOptionFlags opts,
    CFErrorRef *error);

/*
 * At most max '=' in the bytes, so no element can have more attributes than
 * that (UTF-16 and UTF-32 '=' hold a 0x3d byte too; other bytes may, which
 * only overcounts).
 */
static bool
few_equal_signs(const char *bytes, size_t n, size_t max)
{
	const char *p = bytes, *end = bytes + n;
	size_t count = 0;

	while ((p = memchr(p, '=', (size_t)(end - p))) != NULL) {
		if (++count > max)
			return false;
		p++;
	}
	return true;
}

/*
 * libxml2's SAX2 interface without a tree (cflite_plist_sax.c); anything it
 * leaves, and every error, goes to the tree so values and messages are the
 * tree's. The SAX reader bounds nesting itself and keeps no more than a
 * frame a level, so of cflite_xml_prescan's checks it needs only the bound
 * on attributes (libxml2 2.9 checks them for duplicates in quadratic time):
 * a file with few '=' cannot break it, and the tree reader prescans the rest.
 */
CFPropertyListRef
cflite_plist_parse_xml(const char *bytes, size_t n, CFOptionFlags opts, CFErrorRef *error)
{
	CFPropertyListRef plist;

	*error = NULL;
	if (n > 0 && !cflite_xml_blank(bytes, n) && looks_like_xml(bytes, n) &&
	    few_equal_signs(bytes, n, XML_MAX_ATTRIBUTES) &&
	    cflite_plist_parse_sax(bytes, n, opts, &plist))
		return plist;
	return cflite_plist_parse_xml_tree(bytes, n, opts, error);
}

CFPropertyListRef
cflite_plist_parse_xml_tree(const char *bytes, size_t n, CFOptionFlags opts, CFErrorRef *error)
{
	struct xparse xp = { .opts = opts };

	*error = NULL;
	if (!precheck(&xp, bytes, n)) {
		*error = xp.err;
		return NULL;
	}
	return parse_tree(bytes, n, opts, error);
}

/* The tree reader once precheck has passed. */
static CFPropertyListRef
parse_tree(const char *bytes, size_t n, CFOptionFlags opts, CFErrorRef *error)
{
	struct xparse xp = { .opts = opts };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	CFTypeRef result = NULL;

	*error = NULL;
	if ((xp.lx = cflite_libxml(error)) == NULL)
		return NULL;
	ctxt = xp.lx->xmlCreateMemoryParserCtxt(bytes, (int)n);
	if (ctxt == NULL) {
		*error = cflite_error_create_msg(kCFErrorDomainCocoa, kCFPropertyListReadCorruptError,
		    "out of memory parsing a property list");
		return NULL;
	}
	/*
	 * Options are set through the API only (libxml2's NEWS: v2.14.0 and
	 * v2.15.0 deprecate access to the context's struct members): none of XML_PARSE_DTDVALID,
	 * XML_PARSE_DTDLOAD or XML_PARSE_NOENT, so no validation, no external
	 * subset and no entity substitution.
	 */
	xp.lx->xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
	ctxt->_private = &xp;
	ctxt->sax->serror = record_error;
	ctxt->sax->entityDecl = refuse_entity_decl;
	ctxt->sax->unparsedEntityDecl = refuse_unparsed_entity_decl;
	ctxt->sax->resolveEntity = refuse_resolve_entity;
	ctxt->sax->externalSubset = ignore_external_subset;

	xp.lx->xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;

	if (xp.entity_seen)
		fail(&xp, xp.entity_line,
		    "the DOCTYPE declares entity '%s'; entity declarations are not allowed",
		    xp.entity_name);
	else if (!ctxt->wellFormed || doc == NULL)
		fail(&xp, xp.xml_line != 0 ? xp.xml_line : 1, "malformed XML: %s",
		    xp.xml_line != 0 ? xp.xml_msg : "not well-formed");
	else if (xp.lx->xmlDocGetRootElement(doc) == NULL)
		fail(&xp, 1, "no root element");
	else
		result = parse_root(&xp, xp.lx->xmlDocGetRootElement(doc));

	if (doc != NULL)
		xp.lx->xmlFreeDoc(doc);
	xp.lx->xmlFreeParserCtxt(ctxt);
	if (result == NULL && xp.err == NULL)
		fail(&xp, 1, "property list could not be read");
	*error = xp.err;
	return result;
}
