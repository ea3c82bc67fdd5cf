/*
 * The form a kept Info.plist takes on disk (bundle_info_cache.c): a
 * property list flattened depth first, each value a tag byte and then
 *
 *	d dictionary: count, then count pairs of a string key and a value
 *	a array: count, then the values	s string: length, UTF-8 bytes
 *	b data: length, bytes			i integer: 8 bytes, signed
 *	r real, D date: 8 bytes, IEEE 754	t true, f false
 *
 * counts and lengths 4 bytes, every number little-endian. It is ours and
 * is never exchanged: made to be read back fast. A binary property list
 * read through libplist costs about 120,000 instructions an Info.plist
 * (callgrind, 12 Debian modules' Info.plists), most of a warm plan; this
 * reads one in a fifth of that. What the form cannot hold (an integer above
 * INT64_MAX) the cache finds when the value does not read back equal.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_internal.h"

/* Deeper than any Info.plist; bounds the decoder's recursion. */
#define DEPTH_MAX	64

struct out {
	uint8_t *p;
	size_t n, cap;
	bool failed;
};

static void
put(struct out *o, const void *bytes, size_t n)
{
	if (o->failed)
		return;
	if (o->cap - o->n < n) {
		size_t cap = o->cap != 0 ? o->cap : 1024;
		uint8_t *p;

		while (cap - o->n < n)
			cap *= 2;
		if ((p = realloc(o->p, cap)) == NULL) {
			o->failed = true;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->n, bytes, n);
	o->n += n;
}

static void
put_le(struct out *o, uint64_t v, size_t width)
{
	uint8_t b[8];

	for (size_t i = 0; i < width; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(o, b, width);
}

static void
put_tag(struct out *o, char tag)
{
	put(o, &tag, 1);
}

static void
put_double(struct out *o, char tag, double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	put_tag(o, tag);
	put_le(o, bits, 8);
}

static void
put_bytes(struct out *o, char tag, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		o->failed = true;
		return;
	}
	put_tag(o, tag);
	put_le(o, n, 4);
	put(o, p, n);
}

static void
put_string(struct out *o, CFStringRef s)
{
	const char *utf8 = CFStringGetCStringPtr(s, kCFStringEncodingUTF8);

	if (utf8 == NULL)
		o->failed = true;
	else
		put_bytes(o, 's', utf8, strlen(utf8));
}

static void encode(struct out *o, CFTypeRef v);

static void
put_dictionary(struct out *o, CFDictionaryRef d)
{
	CFIndex n = CFDictionaryGetCount(d);
	const void **kv = calloc((size_t)n * 2 + 1, sizeof(*kv));

	if (kv == NULL) {
		o->failed = true;
		return;
	}
	CFDictionaryGetKeysAndValues(d, kv, kv + n);
	put_tag(o, 'd');
	put_le(o, (uint64_t)n, 4);
	for (CFIndex i = 0; i < n && !o->failed; i++) {
		if (CFGetTypeID(kv[i]) != CFStringGetTypeID())
			o->failed = true;
		else
			put_string(o, kv[i]);
		encode(o, kv[n + i]);
	}
	free(kv);
}

static void
encode(struct out *o, CFTypeRef v)
{
	CFTypeID t = CFGetTypeID(v);

	if (t == CFDictionaryGetTypeID()) {
		put_dictionary(o, v);
	} else if (t == CFArrayGetTypeID()) {
		CFIndex n = CFArrayGetCount(v);

		put_tag(o, 'a');
		put_le(o, (uint64_t)n, 4);
		for (CFIndex i = 0; i < n && !o->failed; i++)
			encode(o, CFArrayGetValueAtIndex(v, i));
	} else if (t == CFStringGetTypeID()) {
		put_string(o, v);
	} else if (t == CFBooleanGetTypeID()) {
		put_tag(o, CFBooleanGetValue(v) ? 't' : 'f');
	} else if (t == CFDataGetTypeID()) {
		put_bytes(o, 'b', CFDataGetBytePtr(v), (size_t)CFDataGetLength(v));
	} else if (t == CFDateGetTypeID()) {
		put_double(o, 'D', CFDateGetAbsoluteTime(v));
	} else if (t == CFNumberGetTypeID() && CFNumberIsFloatType(v)) {
		double d = 0;

		CFNumberGetValue(v, kCFNumberFloat64Type, &d);
		put_double(o, 'r', d);
	} else if (t == CFNumberGetTypeID()) {
		int64_t i = 0;

		CFNumberGetValue(v, kCFNumberSInt64Type, &i);
		put_tag(o, 'i');
		put_le(o, (uint64_t)i, 8);
	} else {
		o->failed = true;
	}
}

CFDataRef
bundle_info_encode(CFPropertyListRef plist)
{
	struct out o = {0};
	CFDataRef data = NULL;

	encode(&o, plist);
	if (!o.failed)
		data = CFDataCreate(NULL, o.p, (CFIndex)o.n);
	free(o.p);
	return data;
}

struct in {
	const uint8_t *p, *end;
};

static bool
take(struct in *in, size_t n, const uint8_t **at)
{
	if ((size_t)(in->end - in->p) < n)
		return false;
	*at = in->p;
	in->p += n;
	return true;
}

static bool
take_le(struct in *in, size_t width, uint64_t *v)
{
	const uint8_t *b;

	if (!take(in, width, &b))
		return false;
	*v = 0;
	for (size_t i = 0; i < width; i++)
		*v |= (uint64_t)b[i] << (8 * i);
	return true;
}

static CFTypeRef decode(struct in *in, int depth);

/* count values (pairs: keys first, then values), each at least one byte. */
static CFTypeRef
decode_container(struct in *in, int depth, bool pairs)
{
	uint64_t n;
	const void **v;
	CFTypeRef c = NULL;
	size_t i, total;

	if (!take_le(in, 4, &n) || n > (size_t)(in->end - in->p))
		return NULL;
	total = pairs ? 2 * (size_t)n : (size_t)n;
	if ((v = calloc(total + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < total; i++) {
		size_t at = pairs ? (i % 2 == 0 ? i / 2 : (size_t)n + i / 2) : i;

		if ((v[at] = decode(in, depth + 1)) == NULL ||
		    (pairs && i % 2 == 0 && CFGetTypeID(v[at]) != CFStringGetTypeID()))
			break;
	}
	if (i == total)
		c = pairs ? (CFTypeRef)CFDictionaryCreate(NULL, v, v + n, (CFIndex)n,
		    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks) :
		    (CFTypeRef)CFArrayCreate(NULL, v, (CFIndex)n, &kCFTypeArrayCallBacks);
	for (size_t k = 0; k < total; k++)
		if (v[k] != NULL)
			CFRelease(v[k]);
	free(v);
	return c;
}

static CFTypeRef
decode(struct in *in, int depth)
{
	const uint8_t *tag, *b;
	uint64_t u;
	double d;

	if (depth > DEPTH_MAX || !take(in, 1, &tag))
		return NULL;
	switch (*tag) {
	case 'd':
	case 'a':
		return decode_container(in, depth, *tag == 'd');
	case 's':
	case 'b':
		if (!take_le(in, 4, &u) || !take(in, (size_t)u, &b) ||
		    (*tag == 's' && memchr(b, '\0', (size_t)u) != NULL))	/* never written */
			return NULL;
		return *tag == 's' ?
		    (CFTypeRef)CFStringCreateWithBytes(NULL, b, (CFIndex)u, kCFStringEncodingUTF8,
		    false) : (CFTypeRef)CFDataCreate(NULL, b, (CFIndex)u);
	case 'i': {
		int64_t i;

		if (!take_le(in, 8, &u))
			return NULL;
		memcpy(&i, &u, sizeof(i));
		return CFNumberCreate(NULL, kCFNumberSInt64Type, &i);
	}
	case 'r':
	case 'D':
		if (!take_le(in, 8, &u))
			return NULL;
		memcpy(&d, &u, sizeof(d));
		return *tag == 'r' ? (CFTypeRef)CFNumberCreate(NULL, kCFNumberFloat64Type, &d) :
		    (CFTypeRef)CFDateCreate(NULL, d);
	case 't':
		return CFRetain(kCFBooleanTrue);
	case 'f':
		return CFRetain(kCFBooleanFalse);
	default:
		return NULL;
	}
}

CFPropertyListRef
bundle_info_decode(const uint8_t *bytes, size_t n)
{
	struct in in = { bytes, bytes + n };
	CFTypeRef v = decode(&in, 0);

	if (v != NULL && in.p != in.end) {	/* all of it, or it is not ours */
		CFRelease(v);
		v = NULL;
	}
	return v;
}
