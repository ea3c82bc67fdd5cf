/*
 * CFString: UTF-8 storage, creation, mutation and access.  Indexes and
 * lengths in the API are UTF-16 units; they are mapped to byte offsets here.
 */
#include "cflite_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct __CFString {
	struct __CFConstStr h;	/* first: shared layout with CFSTR constants */
	size_t cap;		/* bytes allocated for a heap buffer */
	bool heap;		/* h._ptr was malloc'd separately (mutable strings) */
};

static struct __CFString *
mstr(CFMutableStringRef s)
{
	return (struct __CFString *)s;
}

static char *
mbytes(CFMutableStringRef s)
{
	return (char *)(uintptr_t)mstr(s)->h._ptr;
}

CFTypeID
CFStringGetTypeID(void)
{
	return CF_TID_STRING;
}

/* --- creation ----------------------------------------------------------------- */

static CFStringRef
create_immutable(const char *bytes, size_t n)
{
	struct __CFString *s;
	char *p;

	if (n > (size_t)LONG_MAX - sizeof(*s) - 1)
		return NULL;
	s = cflite_object_alloc(CF_TID_STRING, sizeof(*s) + n + 1, false);
	if (s == NULL)
		return NULL;
	p = (char *)(s + 1);
	if (n != 0)
		memcpy(p, bytes, n);
	p[n] = '\0';
	s->h._ptr = p;
	s->h._length = (CFIndex)n;
	return s;
}

static CFMutableStringRef
create_mutable(const char *bytes, size_t n)
{
	struct __CFString *s;
	char *p;

	if (n > (size_t)LONG_MAX - 1)
		return NULL;
	s = cflite_object_alloc(CF_TID_STRING, sizeof(*s), true);
	p = malloc(n + 1);
	if (s == NULL || p == NULL) {
		free(s);
		free(p);
		return NULL;
	}
	if (n != 0)
		memcpy(p, bytes, n);
	p[n] = '\0';
	s->h._ptr = p;
	s->h._length = (CFIndex)n;
	s->cap = n + 1;
	s->heap = true;
	return s;
}

CFStringRef
cflite_string_create_utf8(const char *bytes, size_t n, bool is_mutable)
{
	if (n != 0 && (bytes == NULL || !cflite_utf8_valid((const unsigned char *)bytes, n)))
		return NULL;
	return is_mutable ? create_mutable(bytes, n) : create_immutable(bytes, n);
}

CFStringRef
cflite_string_adopt_utf8(char *bytes, size_t n)
{
	CFStringRef s = cflite_string_create_utf8(bytes != NULL ? bytes : "", n, false);

	free(bytes);
	return s;
}

static bool
is_ascii(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 0x80)
			return false;
	return true;
}

/* Appends bytes in a supported single-byte or UTF-8 encoding as UTF-8. */
static bool
decode_into(struct cflite_buf *b, const UInt8 *bytes, size_t n, CFStringEncoding enc)
{
	switch (enc) {
	case kCFStringEncodingUTF8:
		if (!cflite_utf8_valid(bytes, n))
			return false;
		break;
	case kCFStringEncodingISOLatin1:
		for (size_t i = 0; i < n; i++)
			cflite_utf8_put(b, bytes[i]);
		return !b->failed;
	case kCFStringEncodingASCII:
	case kCFStringEncodingMacRoman:		/* their ASCII subset only */
	case kCFStringEncodingWindowsLatin1:
	case kCFStringEncodingNextStepLatin:
	case kCFStringEncodingNonLossyASCII:
		if (!is_ascii(bytes, n))
			return false;
		break;
	default:
		return false;
	}
	cflite_buf_add(b, bytes, n);
	return !b->failed;
}

CFStringRef
CFStringCreateWithBytes(CFAllocatorRef alloc, const UInt8 *bytes, CFIndex numBytes,
    CFStringEncoding encoding, Boolean isExternalRepresentation)
{
	struct cflite_buf b = { 0 };
	CFStringRef s = NULL;
	size_t n = (size_t)numBytes;

	(void)alloc;
	if (numBytes < 0 || (bytes == NULL && numBytes != 0))
		return NULL;
	if (encoding == kCFStringEncodingUTF8) {
		/* fast path: no conversion; an external representation may carry a BOM */
		if (isExternalRepresentation && n >= 3 && memcmp(bytes, "\xef\xbb\xbf", 3) == 0) {
			bytes += 3;
			n -= 3;
		}
		return cflite_string_create_utf8((const char *)bytes, n, false);
	}
	if (decode_into(&b, bytes, n, encoding))
		s = cflite_string_create_utf8(b.p, b.len, false);
	cflite_buf_free(&b);
	return s;
}

CFStringRef
CFStringCreateWithCString(CFAllocatorRef alloc, const char *cStr, CFStringEncoding encoding)
{
	if (cStr == NULL)
		return NULL;
	return CFStringCreateWithBytes(alloc, (const UInt8 *)cStr, (CFIndex)strlen(cStr),
	    encoding, false);
}

CFStringRef
CFStringCreateWithCharacters(CFAllocatorRef alloc, const UniChar *chars, CFIndex numChars)
{
	struct cflite_buf b = { 0 };
	CFStringRef s = NULL;

	(void)alloc;
	if (numChars < 0 || (chars == NULL && numChars != 0))
		return NULL;
	if (cflite_utf16_to_utf8(&b, chars, (size_t)numChars) && !b.failed)
		s = cflite_string_create_utf8(b.p, b.len, false);
	cflite_buf_free(&b);
	return s;
}

CFStringRef
CFStringCreateCopy(CFAllocatorRef alloc, CFStringRef theString)
{
	(void)alloc;
	if (!cflite_is(theString, CF_TID_STRING))
		return NULL;
	if (!cflite_is_mutable(theString))
		return CFRetain(theString);	/* immutable: sharing is a copy */
	return create_immutable(cflite_str_bytes(theString), cflite_str_nbytes(theString));
}

CFMutableStringRef
CFStringCreateMutable(CFAllocatorRef alloc, CFIndex maxLength)
{
	(void)alloc;
	(void)maxLength;
	return create_mutable("", 0);
}

CFMutableStringRef
CFStringCreateMutableCopy(CFAllocatorRef alloc, CFIndex maxLength, CFStringRef theString)
{
	(void)alloc;
	(void)maxLength;
	if (!cflite_is(theString, CF_TID_STRING))
		return NULL;
	return create_mutable(cflite_str_bytes(theString), cflite_str_nbytes(theString));
}

/* Byte range of a UTF-16 range; false when out of bounds or splitting a pair. */
bool
cflite_string_byte_range(CFStringRef s, CFRange r, size_t *off, size_t *len)
{
	const unsigned char *p = (const unsigned char *)cflite_str_bytes(s);
	size_t n = cflite_str_nbytes(s), end;

	if (r.location < 0 || r.length < 0)
		return false;
	if (!cflite_utf8_offset_of_unit(p, n, (size_t)r.location, off))
		return false;
	if (!cflite_utf8_offset_of_unit(p + *off, n - *off, (size_t)r.length, &end))
		return false;
	*len = end;
	return true;
}

CFStringRef
CFStringCreateWithSubstring(CFAllocatorRef alloc, CFStringRef str, CFRange range)
{
	size_t off, len;

	(void)alloc;
	if (!cflite_is(str, CF_TID_STRING) || !cflite_string_byte_range(str, range, &off, &len))
		return NULL;
	return create_immutable(cflite_str_bytes(str) + off, len);
}

/* First byte offset >= from where needle occurs, or -1. */
static long
find_bytes(const char *hay, size_t hn, const char *needle, size_t nn, size_t from)
{
	if (nn == 0 || nn > hn)
		return -1;
	for (size_t i = from; i + nn <= hn; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, nn) == 0)
			return (long)i;
	return -1;
}

CFArrayRef
CFStringCreateArrayBySeparatingStrings(CFAllocatorRef alloc, CFStringRef theString,
    CFStringRef separatorString)
{
	CFMutableArrayRef a;
	const char *s, *sep;
	size_t n, sn, start = 0;
	long hit;

	if (!cflite_is(theString, CF_TID_STRING) || !cflite_is(separatorString, CF_TID_STRING))
		return NULL;
	a = CFArrayCreateMutable(alloc, 0, &kCFTypeArrayCallBacks);
	if (a == NULL)
		return NULL;
	s = cflite_str_bytes(theString);
	n = cflite_str_nbytes(theString);
	sep = cflite_str_bytes(separatorString);
	sn = cflite_str_nbytes(separatorString);
	for (;;) {
		CFStringRef part;

		hit = find_bytes(s, n, sep, sn, start);
		part = create_immutable(s + start, (hit < 0 ? n : (size_t)hit) - start);
		if (part == NULL) {
			CFRelease(a);
			return NULL;
		}
		CFArrayAppendValue(a, part);
		CFRelease(part);
		if (hit < 0)
			break;
		start = (size_t)hit + sn;
	}
	cflite_make_immutable(a);
	return a;
}

CFStringRef
CFStringCreateByCombiningStrings(CFAllocatorRef alloc, CFArrayRef theArray,
    CFStringRef separatorString)
{
	struct cflite_buf b = { 0 };
	CFIndex count = CFArrayGetCount(theArray);

	(void)alloc;
	if (!cflite_is(theArray, CF_TID_ARRAY) || !cflite_is(separatorString, CF_TID_STRING))
		return NULL;
	cflite_buf_add(&b, "", 0);
	for (CFIndex i = 0; i < count; i++) {
		CFStringRef part = CFArrayGetValueAtIndex(theArray, i);

		if (!cflite_is(part, CF_TID_STRING)) {
			cflite_buf_free(&b);
			return NULL;
		}
		if (i != 0)
			cflite_buf_add(&b, cflite_str_bytes(separatorString), cflite_str_nbytes(separatorString));
		cflite_buf_add(&b, cflite_str_bytes(part), cflite_str_nbytes(part));
	}
	return cflite_buf_take_string(&b);
}

/* --- mutation ----------------------------------------------------------------- */

/* Replaces del bytes at off with n bytes of ins (ins may alias the string). */
static void
splice(CFMutableStringRef s, size_t off, size_t del, const char *ins, size_t n)
{
	struct __CFString *m = mstr(s);
	size_t len = cflite_str_nbytes(s), newlen;
	char *tmp = NULL, *p = mbytes(s);

	if (off > len || del > len - off || n > (size_t)LONG_MAX - 1 - (len - del))
		return;
	if (n != 0 && (uintptr_t)ins >= (uintptr_t)p && (uintptr_t)ins < (uintptr_t)p + m->cap) {
		tmp = malloc(n);	/* appending a string to itself */
		if (tmp == NULL)
			return;
		memcpy(tmp, ins, n);
		ins = tmp;
	}
	newlen = len - del + n;
	if (newlen + 1 > m->cap) {
		size_t cap = m->cap * 2 > newlen + 1 ? m->cap * 2 : newlen + 1;
		char *np = realloc(p, cap);

		if (np == NULL) {
			free(tmp);
			return;
		}
		p = np;
		m->h._ptr = np;
		m->cap = cap;
	}
	memmove(p + off + n, p + off + del, len - off - del);
	if (n != 0)
		memcpy(p + off, ins, n);
	p[newlen] = '\0';
	m->h._length = (CFIndex)newlen;
	free(tmp);
}

static bool
mutable_string(CFMutableStringRef s)
{
	return cflite_is_mutable_of(s, CF_TID_STRING);
}

void
CFStringAppend(CFMutableStringRef theString, CFStringRef appendedString)
{
	if (!mutable_string(theString) || !cflite_is(appendedString, CF_TID_STRING))
		return;
	splice(theString, cflite_str_nbytes(theString), 0, cflite_str_bytes(appendedString),
	    cflite_str_nbytes(appendedString));
}

void
CFStringAppendCString(CFMutableStringRef theString, const char *cStr, CFStringEncoding encoding)
{
	struct cflite_buf b = { 0 };

	if (!mutable_string(theString) || cStr == NULL)
		return;
	if (decode_into(&b, (const UInt8 *)cStr, strlen(cStr), encoding))
		splice(theString, cflite_str_nbytes(theString), 0, b.p, b.len);
	cflite_buf_free(&b);
}

void
CFStringAppendCharacters(CFMutableStringRef theString, const UniChar *chars, CFIndex numChars)
{
	struct cflite_buf b = { 0 };

	if (!mutable_string(theString) || numChars < 0 || (chars == NULL && numChars != 0))
		return;
	if (cflite_utf16_to_utf8(&b, chars, (size_t)numChars) && !b.failed)
		splice(theString, cflite_str_nbytes(theString), 0, b.p, b.len);
	cflite_buf_free(&b);
}

void
CFStringInsert(CFMutableStringRef str, CFIndex idx, CFStringRef insertedStr)
{
	size_t off, len;

	if (!mutable_string(str) || !cflite_is(insertedStr, CF_TID_STRING) ||
	    !cflite_string_byte_range(str, CFRangeMake(idx, 0), &off, &len))
		return;
	splice(str, off, 0, cflite_str_bytes(insertedStr), cflite_str_nbytes(insertedStr));
}

void
CFStringDelete(CFMutableStringRef theString, CFRange range)
{
	size_t off, len;

	if (mutable_string(theString) && cflite_string_byte_range(theString, range, &off, &len))
		splice(theString, off, len, "", 0);
}

void
CFStringReplace(CFMutableStringRef theString, CFRange range, CFStringRef replacement)
{
	size_t off, len;

	if (mutable_string(theString) && cflite_is(replacement, CF_TID_STRING) &&
	    cflite_string_byte_range(theString, range, &off, &len))
		splice(theString, off, len, cflite_str_bytes(replacement), cflite_str_nbytes(replacement));
}

void
CFStringReplaceAll(CFMutableStringRef theString, CFStringRef replacement)
{
	if (mutable_string(theString) && cflite_is(replacement, CF_TID_STRING))
		splice(theString, 0, cflite_str_nbytes(theString), cflite_str_bytes(replacement),
		    cflite_str_nbytes(replacement));
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void
CFStringTrimWhitespace(CFMutableStringRef theString)
{
	const char *p;
	size_t n, head = 0;

	if (!mutable_string(theString))
		return;
	p = cflite_str_bytes(theString);
	n = cflite_str_nbytes(theString);
	while (n > 0 && is_space((unsigned char)p[n - 1]))
		n--;
	while (head < n && is_space((unsigned char)p[head]))
		head++;
	splice(theString, n, cflite_str_nbytes(theString) - n, "", 0);
	splice(theString, 0, head, "", 0);
}

static void
change_case(CFMutableStringRef s, bool upper)
{
	char *p;
	size_t n;

	if (!mutable_string(s))
		return;
	p = mbytes(s);
	n = cflite_str_nbytes(s);
	for (size_t i = 0; i < n; i++) {
		if (upper && p[i] >= 'a' && p[i] <= 'z')
			p[i] = (char)(p[i] - 'a' + 'A');
		else if (!upper && p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] - 'A' + 'a');
	}
}

void
CFStringLowercase(CFMutableStringRef theString, const void *locale)
{
	(void)locale;
	change_case(theString, false);
}

void
CFStringUppercase(CFMutableStringRef theString, const void *locale)
{
	(void)locale;
	change_case(theString, true);
}

/* --- access ------------------------------------------------------------------- */

CFIndex
CFStringGetLength(CFStringRef theString)
{
	if (!cflite_is(theString, CF_TID_STRING))
		return 0;
	return (CFIndex)cflite_utf8_utf16_len((const unsigned char *)cflite_str_bytes(theString),
	    cflite_str_nbytes(theString));
}

void
CFStringGetCharacters(CFStringRef theString, CFRange range, UniChar *buffer)
{
	struct cflite_u16iter it;
	CFIndex i = 0;
	int c;

	if (!cflite_is(theString, CF_TID_STRING) || buffer == NULL || range.location < 0 ||
	    range.length < 0)
		return;
	cflite_u16iter_init(&it, cflite_str_bytes(theString), cflite_str_nbytes(theString));
	while (i < range.location + range.length && (c = cflite_u16iter_next(&it)) >= 0) {
		if (i >= range.location)
			buffer[i - range.location] = (UniChar)c;
		i++;
	}
}

UniChar
CFStringGetCharacterAtIndex(CFStringRef theString, CFIndex idx)
{
	UniChar c = 0;

	CFStringGetCharacters(theString, CFRangeMake(idx, 1), &c);
	return c;
}

Boolean
CFStringGetCString(CFStringRef theString, char *buffer, CFIndex bufferSize,
    CFStringEncoding encoding)
{
	const unsigned char *p;
	size_t n, out = 0;
	struct cflite_u16iter it;
	int c;

	if (!cflite_is(theString, CF_TID_STRING) || buffer == NULL || bufferSize <= 0)
		return false;
	p = (const unsigned char *)cflite_str_bytes(theString);
	n = cflite_str_nbytes(theString);
	switch (encoding) {
	case kCFStringEncodingUTF8:
		break;
	case kCFStringEncodingISOLatin1:
		cflite_u16iter_init(&it, (const char *)p, n);
		while ((c = cflite_u16iter_next(&it)) >= 0) {
			if (c > 0xff || out + 1 >= (size_t)bufferSize)
				return false;
			buffer[out++] = (char)c;
		}
		buffer[out] = '\0';
		return true;
	case kCFStringEncodingASCII:
	case kCFStringEncodingMacRoman:
	case kCFStringEncodingWindowsLatin1:
	case kCFStringEncodingNextStepLatin:
	case kCFStringEncodingNonLossyASCII:
		if (!is_ascii(p, n))
			return false;
		break;
	default:
		return false;
	}
	if (n + 1 > (size_t)bufferSize)
		return false;
	memcpy(buffer, p, n + 1);
	return true;
}

const char *
CFStringGetCStringPtr(CFStringRef theString, CFStringEncoding encoding)
{
	if (!cflite_is(theString, CF_TID_STRING))
		return NULL;
	if (encoding == kCFStringEncodingUTF8)
		return cflite_str_bytes(theString);
	if ((encoding == kCFStringEncodingASCII || encoding == kCFStringEncodingMacRoman ||
	    encoding == kCFStringEncodingISOLatin1) &&
	    is_ascii((const unsigned char *)cflite_str_bytes(theString), cflite_str_nbytes(theString)))
		return cflite_str_bytes(theString);
	return NULL;
}

CFIndex
CFStringGetMaximumSizeForEncoding(CFIndex length, CFStringEncoding encoding)
{
	CFIndex per;

	switch (encoding) {
	case kCFStringEncodingUTF8:
		per = 3;	/* a UTF-16 unit needs at most 3 bytes; a pair 4 */
		break;
	case kCFStringEncodingUTF16:
	case kCFStringEncodingUTF16BE:
	case kCFStringEncodingUTF16LE:
		per = 2;
		break;
	case kCFStringEncodingUTF32:
	case kCFStringEncodingUTF32BE:
	case kCFStringEncodingUTF32LE:
		per = 4;
		break;
	default:
		per = 1;
		break;
	}
	if (length < 0 || length > LONG_MAX / per)
		return kCFNotFound;
	return length * per;
}

CFStringEncoding
CFStringGetSystemEncoding(void)
{
	return kCFStringEncodingUTF8;
}

SInt32
CFStringGetIntValue(CFStringRef str)
{
	const char *p;
	size_t n, i = 0;
	bool neg = false;
	int64_t v = 0;

	if (!cflite_is(str, CF_TID_STRING))
		return 0;
	p = cflite_str_bytes(str);
	n = cflite_str_nbytes(str);
	while (i < n && is_space((unsigned char)p[i]))
		i++;
	if (i < n && (p[i] == '-' || p[i] == '+'))
		neg = p[i++] == '-';
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		v = v * 10 + (p[i] - '0');
		if (v > (int64_t)INT32_MAX + 1)
			v = (int64_t)INT32_MAX + 1;	/* saturate */
	}
	if (neg)
		return (SInt32)-v;
	return v > INT32_MAX ? INT32_MAX : (SInt32)v;
}

double
CFStringGetDoubleValue(CFStringRef str)
{
	char *end;
	double d;

	if (!cflite_is(str, CF_TID_STRING))
		return 0.0;
	d = cflite_strtod_c(cflite_str_bytes(str), &end);
	return end == cflite_str_bytes(str) ? 0.0 : d;
}

/* --- runtime class -------------------------------------------------------------- */

static void
string_finalize(CFTypeRef cf)
{
	struct __CFString *s = (struct __CFString *)(uintptr_t)cf;

	if (s->heap)
		free((char *)(uintptr_t)s->h._ptr);
}

static Boolean
string_equal(CFTypeRef a, CFTypeRef b)
{
	return cflite_str_nbytes(a) == cflite_str_nbytes(b) &&
	    memcmp(cflite_str_bytes(a), cflite_str_bytes(b), cflite_str_nbytes(a)) == 0;
}

static CFHashCode
string_hash(CFTypeRef cf)
{
	const unsigned char *p = (const unsigned char *)cflite_str_bytes(cf);
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (size_t i = 0, n = cflite_str_nbytes(cf); i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (CFHashCode)h;
}

/* Inside a container: bare when it is a simple word, else quoted and escaped. */
static void
string_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	const char *p = cflite_str_bytes(cf);
	size_t n = cflite_str_nbytes(cf);
	bool bare = n != 0;

	(void)indent;
	for (size_t i = 0; i < n && bare; i++)
		bare = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || strchr("_.$/:-", p[i]) != NULL;
	if (bare) {
		cflite_buf_add(out, p, n);
		return;
	}
	cflite_buf_addc(out, '"');
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			cflite_buf_addc(out, '\\');
		if (p[i] == '\n')
			cflite_buf_adds(out, "\\n");
		else
			cflite_buf_addc(out, p[i]);
	}
	cflite_buf_addc(out, '"');
}

const struct cflite_class cflite_string_class = {
	.name = "CFString",
	.finalize = string_finalize,
	.equal = string_equal,
	.hash = string_hash,
	.describe = string_describe,
};
