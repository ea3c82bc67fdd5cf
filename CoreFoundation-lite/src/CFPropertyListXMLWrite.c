/*
 * XML property list writer, byte for byte in Apple's layout: fixed prolog
 * and DOCTYPE, one tab per level, keys sorted (CFStringCompare), empty
 * containers as <dict/> and <array/>, data as base64 lines of 76 columns
 * minus 8 per level, indented like the element but never more than 8 tabs;
 * reals as %.17g except nan, +infinity, -infinity, 0.0 and -0.0.
 */
#include "cflite_internal.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char prolog[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
    "<plist version=\"1.0\">\n";

static void
tabs(struct cflite_buf *b, int n)
{
	static const char many[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";

	if (n > 0 && (size_t)n < sizeof(many))
		cflite_buf_add(b, many, (size_t)n);	/* one append for the usual depths */
	else
		cflite_buf_indent(b, n, "\t");
}

/*
 * "<integer>N</integer>\n" for a magnitude and sign, digits written here:
 * a plist has many integers and a formatted print measures, then writes.
 */
static void
integer_element(struct cflite_buf *b, bool negative, uint64_t magnitude)
{
	char text[48], *p = text + sizeof(text);
	static const char tail[] = "</integer>\n";

	p -= sizeof(tail) - 1;
	memcpy(p, tail, sizeof(tail) - 1);
	do {
		*--p = (char)('0' + magnitude % 10);
		magnitude /= 10;
	} while (magnitude != 0);
	if (negative)
		*--p = '-';
	cflite_buf_adds(b, "<integer>");
	cflite_buf_add(b, p, (size_t)(text + sizeof(text) - p));
}

/*
 * Characters XML 1.0 cannot hold at all, even as references: the C0 controls
 * but tab, LF and CR, and U+FFFE, U+FFFF. Apple writes them raw, which makes
 * a file no conforming parser reads back; we refuse instead.
 */
static bool
xml_forbidden(const unsigned char *p, size_t i, size_t n)
{
	if (p[i] < 0x20)
		return p[i] != '\t' && p[i] != '\n' && p[i] != '\r';
	return p[i] == 0xef && i + 2 < n && p[i + 1] == 0xbf && (p[i + 2] & 0xfe) == 0xbe;
}

/*
 * Text with & < > escaped, as Apple does; and CR as a reference, which
 * parsers would otherwise turn into LF. False when the text holds a
 * character XML cannot represent.
 */
static bool
escaped(struct cflite_buf *b, const char *p, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep = p[i] == '&' ? "&amp;" : p[i] == '<' ? "&lt;" :
		    p[i] == '>' ? "&gt;" : p[i] == '\r' ? "&#13;" : NULL;

		if (xml_forbidden((const unsigned char *)p, i, n))
			return false;
		if (rep == NULL)
			continue;
		cflite_buf_add(b, p + start, i - start);
		cflite_buf_adds(b, rep);
		start = i + 1;
	}
	cflite_buf_add(b, p + start, n - start);
	return true;
}

/* Tags are appended, not formatted: most of a plist is keys and strings. */
static bool
text_element(struct cflite_buf *b, int indent, const char *tag, CFStringRef s)
{
	tabs(b, indent);
	cflite_buf_addc(b, '<');
	cflite_buf_adds(b, tag);
	cflite_buf_addc(b, '>');
	if (!escaped(b, cflite_str_bytes(s), cflite_str_nbytes(s)))
		return false;
	cflite_buf_adds(b, "</");
	cflite_buf_adds(b, tag);
	cflite_buf_adds(b, ">\n");
	return true;
}

static void
base64_lines(struct cflite_buf *b, const UInt8 *p, size_t n, int indent)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int level = indent > 8 ? 8 : indent;
	size_t per_line = (size_t)(76 - 8 * level) / 4 * 3;	/* input bytes per line */

	for (size_t line = 0; line < n; line += per_line) {
		size_t end = line + per_line < n ? line + per_line : n;

		tabs(b, level);	/* Apple caps the lines' indentation too, not the tags' */
		for (size_t i = line; i < end; i += 3) {
			uint32_t v = (uint32_t)p[i] << 16;
			char q[4];

			if (i + 1 < end)
				v |= (uint32_t)p[i + 1] << 8;
			if (i + 2 < end)
				v |= p[i + 2];
			q[0] = alphabet[(v >> 18) & 63];
			q[1] = alphabet[(v >> 12) & 63];
			q[2] = i + 1 < end ? alphabet[(v >> 6) & 63] : '=';
			q[3] = i + 2 < end ? alphabet[v & 63] : '=';
			cflite_buf_add(b, q, 4);
		}
		cflite_buf_addc(b, '\n');
	}
}

static void
write_number(struct cflite_buf *b, CFNumberRef n, int indent)
{
	int64_t i = 0;
	uint64_t u = 0;
	double d = 0;

	tabs(b, indent);
	switch (cflite_number_value(n, &i, &u, &d)) {
	case 0:
		integer_element(b, i < 0, i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i);
		break;
	case 1:
		integer_element(b, false, u);
		break;
	default:
		cflite_buf_adds(b, "<real>");
		if (isnan(d))
			cflite_buf_adds(b, "nan");
		else if (isinf(d))
			cflite_buf_adds(b, d > 0 ? "+infinity" : "-infinity");
		else if (d == 0.0)
			cflite_buf_adds(b, signbit(d) ? "-0.0" : "0.0");
		else
			cflite_buf_add_double(b, "%.17g", d);
		cflite_buf_adds(b, "</real>\n");
		break;
	}
}

static bool write_value(struct cflite_buf *b, CFTypeRef v, int indent);

static bool
write_dict(struct cflite_buf *b, CFDictionaryRef d, int indent)
{
	CFIndex n;
	const void **keys;
	bool ok = true;

	tabs(b, indent);
	if (CFDictionaryGetCount(d) == 0) {
		cflite_buf_adds(b, "<dict/>\n");
		return true;
	}
	keys = cflite_plist_sorted_keys(d, &n);
	if (keys == NULL)
		return false;
	cflite_buf_adds(b, "<dict>\n");
	for (CFIndex i = 0; i < n && ok; i++)
		ok = text_element(b, indent + 1, "key", keys[i]) &&
		    write_value(b, CFDictionaryGetValue(d, keys[i]), indent + 1);
	free(keys);
	tabs(b, indent);
	cflite_buf_adds(b, "</dict>\n");
	return ok;
}

static bool
write_value(struct cflite_buf *b, CFTypeRef v, int indent)
{
	struct cflite_civil c;

	switch (cflite_type_of(v)) {
	case CF_TID_STRING:
		return text_element(b, indent, "string", v);
	case CF_TID_NUMBER:
		write_number(b, v, indent);
		return true;
	case CF_TID_BOOLEAN:
		tabs(b, indent);
		cflite_buf_adds(b, CFBooleanGetValue(v) ? "<true/>\n" : "<false/>\n");
		return true;
	case CF_TID_DATE:
		if (!cflite_civil_from_time(CFDateGetAbsoluteTime(v), &c) || c.year < 0 || c.year > 9999)
			return false;
		tabs(b, indent);
		cflite_buf_printf(b, "<date>%04d-%02d-%02dT%02d:%02d:%02dZ</date>\n", (int)c.year,
		    c.month, c.day, c.hour, c.minute, c.second);
		return true;
	case CF_TID_DATA:
		tabs(b, indent);
		cflite_buf_adds(b, "<data>\n");
		base64_lines(b, CFDataGetBytePtr(v), (size_t)CFDataGetLength(v), indent);
		tabs(b, indent);
		cflite_buf_adds(b, "</data>\n");
		return true;
	case CF_TID_ARRAY:
		tabs(b, indent);
		if (CFArrayGetCount(v) == 0) {
			cflite_buf_adds(b, "<array/>\n");
			return true;
		}
		cflite_buf_adds(b, "<array>\n");
		for (CFIndex i = 0, n = CFArrayGetCount(v); i < n; i++)
			if (!write_value(b, CFArrayGetValueAtIndex(v, i), indent + 1))
				return false;
		tabs(b, indent);
		cflite_buf_adds(b, "</array>\n");
		return true;
	case CF_TID_DICTIONARY:
		return write_dict(b, v, indent);
	default:
		return false;	/* cflite_plist_invalid_type ran first */
	}
}

CFDataRef
cflite_plist_write_xml(CFPropertyListRef plist, CFErrorRef *error)
{
	struct cflite_buf b = { 0 };
	CFDataRef data = NULL;

	cflite_buf_adds(&b, prolog);
	if (!write_value(&b, plist, 0)) {
		*error = cflite_error_create_msg(kCFErrorDomainCocoa, kCFPropertyListWriteStreamError,
		    "Property list cannot be written as XML: expected strings of characters XML "
		    "can hold and dates in years 0-9999, found a control character (not tab, LF "
		    "or CR), U+FFFE/U+FFFF or another date (or out of memory)");
		cflite_buf_free(&b);
		return NULL;
	}
	cflite_buf_adds(&b, "</plist>\n");
	if (!b.failed)
		data = CFDataCreate(NULL, (const UInt8 *)b.p, (CFIndex)b.len);
	if (data == NULL)
		*error = cflite_error_create_msg(kCFErrorDomainCocoa, kCFPropertyListWriteStreamError,
		    "out of memory writing a property list");
	cflite_buf_free(&b);
	return data;
}
