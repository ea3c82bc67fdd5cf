/* CFData / CFMutableData: a byte buffer. */
#include "cflite_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct __CFData {
	CFRuntimeBase base;
	UInt8 *bytes;
	size_t len;
	size_t cap;
	bool heap;	/* bytes were malloc'd separately (mutable data) */
};

CFTypeID
CFDataGetTypeID(void)
{
	return CF_TID_DATA;
}

CFDataRef
CFDataCreate(CFAllocatorRef allocator, const UInt8 *bytes, CFIndex length)
{
	struct __CFData *d;

	(void)allocator;
	if (length < 0 || (bytes == NULL && length != 0) ||
	    (size_t)length > (size_t)LONG_MAX - sizeof(*d))
		return NULL;
	d = cflite_object_alloc(CF_TID_DATA, sizeof(*d) + (size_t)length, false);
	if (d == NULL)
		return NULL;
	d->bytes = (UInt8 *)(d + 1);
	d->len = d->cap = (size_t)length;
	if (length != 0)
		memcpy(d->bytes, bytes, (size_t)length);
	return d;
}

CFDataRef
CFDataCreateWithBytesNoCopy(CFAllocatorRef allocator, const UInt8 *bytes, CFIndex length,
    CFAllocatorRef bytesDeallocator)
{
	CFDataRef d = CFDataCreate(allocator, bytes, length);

	if (bytesDeallocator != kCFAllocatorNull)
		free((void *)(uintptr_t)bytes);
	return d;
}

CFDataRef
CFDataCreateCopy(CFAllocatorRef allocator, CFDataRef theData)
{
	if (!cflite_is(theData, CF_TID_DATA))
		return NULL;
	if (!cflite_is_mutable(theData))
		return CFRetain(theData);
	return CFDataCreate(allocator, theData->bytes, (CFIndex)theData->len);
}

CFMutableDataRef
CFDataCreateMutable(CFAllocatorRef allocator, CFIndex capacity)
{
	struct __CFData *d;

	(void)allocator;
	(void)capacity;
	d = cflite_object_alloc(CF_TID_DATA, sizeof(*d), true);
	if (d != NULL)
		d->heap = true;
	return d;
}

CFMutableDataRef
CFDataCreateMutableCopy(CFAllocatorRef allocator, CFIndex capacity, CFDataRef theData)
{
	CFMutableDataRef d;

	if (!cflite_is(theData, CF_TID_DATA))
		return NULL;
	d = CFDataCreateMutable(allocator, capacity);
	if (d != NULL)
		CFDataAppendBytes(d, theData->bytes, (CFIndex)theData->len);
	if (d != NULL && d->len != theData->len) {
		CFRelease(d);	/* out of memory */
		return NULL;
	}
	return d;
}

CFIndex
CFDataGetLength(CFDataRef theData)
{
	return cflite_is(theData, CF_TID_DATA) ? (CFIndex)theData->len : 0;
}

const UInt8 *
CFDataGetBytePtr(CFDataRef theData)
{
	return cflite_is(theData, CF_TID_DATA) ? theData->bytes : NULL;
}

UInt8 *
CFDataGetMutableBytePtr(CFMutableDataRef theData)
{
	return cflite_is_mutable_of(theData, CF_TID_DATA) ? theData->bytes : NULL;
}

static bool
valid_range(CFDataRef d, CFRange r)
{
	return r.location >= 0 && r.length >= 0 && (size_t)r.location <= d->len &&
	    (size_t)r.length <= d->len - (size_t)r.location;
}

void
CFDataGetBytes(CFDataRef theData, CFRange range, UInt8 *buffer)
{
	if (cflite_is(theData, CF_TID_DATA) && buffer != NULL && valid_range(theData, range) &&
	    range.length != 0)
		memcpy(buffer, theData->bytes + range.location, (size_t)range.length);
}

/* Makes room for len bytes; false when out of memory. */
static bool
reserve(CFMutableDataRef d, size_t len)
{
	size_t cap;
	UInt8 *p;

	if (len <= d->cap)
		return true;
	if (len > (size_t)LONG_MAX)
		return false;
	cap = d->cap * 2 > len ? d->cap * 2 : len;
	p = realloc(d->bytes, cap);
	if (p == NULL)
		return false;
	d->bytes = p;
	d->cap = cap;
	return true;
}

void
CFDataReplaceBytes(CFMutableDataRef theData, CFRange range, const UInt8 *newBytes,
    CFIndex newLength)
{
	size_t tail, newlen;
	UInt8 *copy = NULL;

	if (!cflite_is_mutable_of(theData, CF_TID_DATA) || !valid_range(theData, range) ||
	    newLength < 0 || (newBytes == NULL && newLength != 0) ||
	    (size_t)newLength > (size_t)LONG_MAX - theData->len)
		return;
	if (newLength != 0 && (uintptr_t)newBytes >= (uintptr_t)theData->bytes &&
	    (uintptr_t)newBytes < (uintptr_t)theData->bytes + theData->cap) {
		copy = malloc((size_t)newLength);	/* source inside our own buffer */
		if (copy == NULL)
			return;
		memcpy(copy, newBytes, (size_t)newLength);
		newBytes = copy;
	}
	newlen = theData->len - (size_t)range.length + (size_t)newLength;
	if (!reserve(theData, newlen)) {
		free(copy);
		return;
	}
	tail = theData->len - (size_t)range.location - (size_t)range.length;
	if (tail != 0)
		memmove(theData->bytes + range.location + newLength,
		    theData->bytes + range.location + range.length, tail);
	if (newLength != 0)
		memcpy(theData->bytes + range.location, newBytes, (size_t)newLength);
	theData->len = newlen;
	free(copy);
}

void
CFDataAppendBytes(CFMutableDataRef theData, const UInt8 *bytes, CFIndex length)
{
	if (cflite_is(theData, CF_TID_DATA))
		CFDataReplaceBytes(theData, CFRangeMake((CFIndex)theData->len, 0), bytes, length);
}

void
CFDataDeleteBytes(CFMutableDataRef theData, CFRange range)
{
	CFDataReplaceBytes(theData, range, NULL, 0);
}

void
CFDataSetLength(CFMutableDataRef theData, CFIndex length)
{
	if (!cflite_is_mutable_of(theData, CF_TID_DATA) || length < 0)
		return;
	if ((size_t)length > theData->len) {
		if (!reserve(theData, (size_t)length))
			return;
		memset(theData->bytes + theData->len, 0, (size_t)length - theData->len);
	}
	theData->len = (size_t)length;
}

void
CFDataIncreaseLength(CFMutableDataRef theData, CFIndex extraLength)
{
	if (cflite_is(theData, CF_TID_DATA) && extraLength >= 0 &&
	    (size_t)extraLength <= (size_t)LONG_MAX - theData->len)
		CFDataSetLength(theData, (CFIndex)theData->len + extraLength);
}

static void
data_finalize(CFTypeRef cf)
{
	struct __CFData *d = (struct __CFData *)(uintptr_t)cf;

	if (d->heap)
		free(d->bytes);
}

static Boolean
data_equal(CFTypeRef a, CFTypeRef b)
{
	CFDataRef x = a, y = b;

	return x->len == y->len && (x->len == 0 || memcmp(x->bytes, y->bytes, x->len) == 0);
}

static CFHashCode
data_hash(CFTypeRef cf)
{
	CFDataRef d = cf;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t n = d->len < 80 ? d->len : 80;	/* like Apple: a prefix is enough */

	for (size_t i = 0; i < n; i++)
		h = (h ^ d->bytes[i]) * 0x100000001b3ULL;
	return (CFHashCode)(h ^ d->len);
}

/* "<00010203 04050607>", eliding after 256 bytes. */
static void
data_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	CFDataRef d = cf;
	size_t n = d->len < 256 ? d->len : 256;

	(void)indent;
	cflite_buf_addc(out, '<');
	for (size_t i = 0; i < n; i++) {
		if (i != 0 && i % 4 == 0)
			cflite_buf_addc(out, ' ');
		cflite_buf_printf(out, "%02x", d->bytes[i]);
	}
	if (n < d->len)
		cflite_buf_printf(out, " ... (%zu bytes)", d->len);
	cflite_buf_addc(out, '>');
}

const struct cflite_class cflite_data_class = {
	.name = "CFData",
	.finalize = data_finalize,
	.equal = data_equal,
	.hash = data_hash,
	.describe = data_describe,
};
