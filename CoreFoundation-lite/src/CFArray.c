/* CFArray / CFMutableArray: a vector of values with optional callbacks. */
#include "cflite_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct __CFArray {
	CFRuntimeBase base;
	CFArrayCallBacks cb;	/* all NULL when created without callbacks */
	const void **v;
	size_t n;
	size_t cap;
};

const CFArrayCallBacks kCFTypeArrayCallBacks = {
	0, cflite_type_retain, cflite_type_release, CFCopyDescription, CFEqual,
};

CFTypeID
CFArrayGetTypeID(void)
{
	return CF_TID_ARRAY;
}

static bool
is_array(CFArrayRef a)
{
	return cflite_is(a, CF_TID_ARRAY);
}

static bool
valid_range(CFArrayRef a, CFRange r)
{
	return r.location >= 0 && r.length >= 0 && (size_t)r.location <= a->n &&
	    (size_t)r.length <= a->n - (size_t)r.location;
}

static bool
values_equal(CFArrayRef a, const void *x, const void *y)
{
	return x == y || (a->cb.equal != NULL && a->cb.equal(x, y));
}

static bool
reserve(CFMutableArrayRef a, size_t n)
{
	size_t cap;
	const void **v;

	if (n <= a->cap)
		return true;
	if (n > (size_t)LONG_MAX / sizeof(*v))
		return false;
	cap = a->cap != 0 ? a->cap * 2 : 8;
	while (cap < n)
		cap *= 2;
	v = realloc(a->v, cap * sizeof(*v));
	if (v == NULL)
		return false;
	a->v = v;
	a->cap = cap;
	return true;
}

static struct __CFArray *
create(const CFArrayCallBacks *callBacks, bool is_mutable)
{
	struct __CFArray *a = cflite_object_alloc(CF_TID_ARRAY, sizeof(*a), is_mutable);

	if (a != NULL && callBacks != NULL)
		a->cb = *callBacks;
	return a;
}

/* Appends without the mutability check (used while building any array). */
static bool
append(struct __CFArray *a, const void *value)
{
	if (!reserve(a, a->n + 1))
		return false;
	a->v[a->n++] = a->cb.retain != NULL ? a->cb.retain(NULL, value) : value;
	return true;
}

CFArrayRef
CFArrayCreate(CFAllocatorRef allocator, const void **values, CFIndex numValues,
    const CFArrayCallBacks *callBacks)
{
	struct __CFArray *a;

	(void)allocator;
	if (numValues < 0 || (values == NULL && numValues != 0))
		return NULL;
	a = create(callBacks, false);
	if (a == NULL)
		return NULL;
	for (CFIndex i = 0; i < numValues; i++) {
		if (!append(a, values[i])) {
			CFRelease(a);
			return NULL;
		}
	}
	return a;
}

static struct __CFArray *
copy(CFArrayRef src, bool is_mutable)
{
	struct __CFArray *a;

	if (!is_array(src))
		return NULL;
	a = create(&src->cb, is_mutable);
	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < src->n; i++) {
		if (!append(a, src->v[i])) {
			CFRelease(a);
			return NULL;
		}
	}
	return a;
}

CFArrayRef
CFArrayCreateCopy(CFAllocatorRef allocator, CFArrayRef theArray)
{
	(void)allocator;
	if (is_array(theArray) && !cflite_is_mutable(theArray))
		return CFRetain(theArray);
	return copy(theArray, false);
}

CFMutableArrayRef
CFArrayCreateMutable(CFAllocatorRef allocator, CFIndex capacity,
    const CFArrayCallBacks *callBacks)
{
	(void)allocator;
	(void)capacity;
	return create(callBacks, true);
}

CFMutableArrayRef
CFArrayCreateMutableCopy(CFAllocatorRef allocator, CFIndex capacity, CFArrayRef theArray)
{
	(void)allocator;
	(void)capacity;
	return copy(theArray, true);
}

CFIndex
CFArrayGetCount(CFArrayRef theArray)
{
	return is_array(theArray) ? (CFIndex)theArray->n : 0;
}

CFIndex
CFArrayGetCountOfValue(CFArrayRef theArray, CFRange range, const void *value)
{
	CFIndex count = 0;

	if (!is_array(theArray) || !valid_range(theArray, range))
		return 0;
	for (CFIndex i = range.location; i < range.location + range.length; i++)
		count += values_equal(theArray, theArray->v[i], value);
	return count;
}

CFIndex
CFArrayGetFirstIndexOfValue(CFArrayRef theArray, CFRange range, const void *value)
{
	if (!is_array(theArray) || !valid_range(theArray, range))
		return kCFNotFound;
	for (CFIndex i = range.location; i < range.location + range.length; i++)
		if (values_equal(theArray, theArray->v[i], value))
			return i;
	return kCFNotFound;
}

CFIndex
CFArrayGetLastIndexOfValue(CFArrayRef theArray, CFRange range, const void *value)
{
	if (!is_array(theArray) || !valid_range(theArray, range))
		return kCFNotFound;
	for (CFIndex i = range.location + range.length - 1; i >= range.location; i--)
		if (values_equal(theArray, theArray->v[i], value))
			return i;
	return kCFNotFound;
}

Boolean
CFArrayContainsValue(CFArrayRef theArray, CFRange range, const void *value)
{
	return CFArrayGetFirstIndexOfValue(theArray, range, value) != kCFNotFound;
}

const void *
CFArrayGetValueAtIndex(CFArrayRef theArray, CFIndex idx)
{
	if (!is_array(theArray) || idx < 0 || (size_t)idx >= theArray->n)
		return NULL;
	return theArray->v[idx];
}

void
CFArrayGetValues(CFArrayRef theArray, CFRange range, const void **values)
{
	if (is_array(theArray) && values != NULL && valid_range(theArray, range) &&
	    range.length != 0)
		memcpy(values, theArray->v + range.location, (size_t)range.length * sizeof(*values));
}

void
CFArrayApplyFunction(CFArrayRef theArray, CFRange range, CFArrayApplierFunction applier,
    void *context)
{
	if (!is_array(theArray) || applier == NULL || !valid_range(theArray, range))
		return;
	for (CFIndex i = range.location; i < range.location + range.length; i++)
		applier(theArray->v[i], context);
}

static bool
is_mutable_array(CFArrayRef a)
{
	return cflite_is_mutable_of(a, CF_TID_ARRAY);
}

void
CFArrayAppendValue(CFMutableArrayRef theArray, const void *value)
{
	if (is_mutable_array(theArray))
		append(theArray, value);
}

void
CFArrayInsertValueAtIndex(CFMutableArrayRef theArray, CFIndex idx, const void *value)
{
	if (!is_mutable_array(theArray) || idx < 0 || (size_t)idx > theArray->n ||
	    !reserve(theArray, theArray->n + 1))
		return;
	memmove(theArray->v + idx + 1, theArray->v + idx,
	    (theArray->n - (size_t)idx) * sizeof(*theArray->v));
	theArray->v[idx] = theArray->cb.retain != NULL ? theArray->cb.retain(NULL, value) : value;
	theArray->n++;
}

void
CFArraySetValueAtIndex(CFMutableArrayRef theArray, CFIndex idx, const void *value)
{
	const void *old;

	if (!is_mutable_array(theArray) || idx < 0 || (size_t)idx > theArray->n)
		return;
	if ((size_t)idx == theArray->n) {
		append(theArray, value);	/* Apple allows idx == count */
		return;
	}
	old = theArray->v[idx];
	theArray->v[idx] = theArray->cb.retain != NULL ? theArray->cb.retain(NULL, value) : value;
	if (theArray->cb.release != NULL)
		theArray->cb.release(NULL, old);
}

void
CFArrayRemoveValueAtIndex(CFMutableArrayRef theArray, CFIndex idx)
{
	const void *old;

	if (!is_mutable_array(theArray) || idx < 0 || (size_t)idx >= theArray->n)
		return;
	old = theArray->v[idx];
	memmove(theArray->v + idx, theArray->v + idx + 1,
	    (theArray->n - (size_t)idx - 1) * sizeof(*theArray->v));
	theArray->n--;
	if (theArray->cb.release != NULL)
		theArray->cb.release(NULL, old);
}

static void
release_all(struct __CFArray *a)
{
	size_t n = a->n;

	a->n = 0;
	if (a->cb.release != NULL)
		for (size_t i = 0; i < n; i++)
			a->cb.release(NULL, a->v[i]);
}

void
CFArrayRemoveAllValues(CFMutableArrayRef theArray)
{
	if (is_mutable_array(theArray))
		release_all(theArray);
}

void
CFArrayExchangeValuesAtIndices(CFMutableArrayRef theArray, CFIndex idx1, CFIndex idx2)
{
	const void *t;

	if (!is_mutable_array(theArray) || idx1 < 0 || idx2 < 0 ||
	    (size_t)idx1 >= theArray->n || (size_t)idx2 >= theArray->n)
		return;
	t = theArray->v[idx1];
	theArray->v[idx1] = theArray->v[idx2];
	theArray->v[idx2] = t;
}

/* Stable merge sort of v[0..n) using tmp[0..n) as scratch. */
static void
merge_sort(const void **v, const void **tmp, size_t n, CFComparatorFunction cmp, void *ctx)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(v, tmp, mid, cmp, ctx);
	merge_sort(v + mid, tmp, n - mid, cmp, ctx);
	while (i < mid && j < n)
		tmp[k++] = cmp(v[j], v[i], ctx) == kCFCompareLessThan ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

void
CFArraySortValues(CFMutableArrayRef theArray, CFRange range, CFComparatorFunction comparator,
    void *context)
{
	const void **tmp;

	if (!is_mutable_array(theArray) || comparator == NULL || !valid_range(theArray, range) ||
	    range.length < 2)
		return;
	tmp = malloc((size_t)range.length * sizeof(*tmp));
	if (tmp == NULL)
		return;
	merge_sort(theArray->v + range.location, tmp, (size_t)range.length, comparator, context);
	free(tmp);
}

void
CFArrayAppendArray(CFMutableArrayRef theArray, CFArrayRef otherArray, CFRange otherRange)
{
	if (!is_mutable_array(theArray) || !is_array(otherArray) ||
	    !valid_range(otherArray, otherRange))
		return;
	for (CFIndex i = otherRange.location; i < otherRange.location + otherRange.length; i++)
		append(theArray, otherArray->v[i]);
}

static void
array_finalize(CFTypeRef cf)
{
	struct __CFArray *a = (struct __CFArray *)(uintptr_t)cf;

	release_all(a);
	free(a->v);
}

static Boolean
array_equal(CFTypeRef x, CFTypeRef y)
{
	CFArrayRef a = x, b = y;

	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!values_equal(a, a->v[i], b->v[i]))
			return false;
	return true;
}

static CFHashCode
array_hash(CFTypeRef cf)
{
	return (CFHashCode)((CFArrayRef)cf)->n;
}

/* "(\n    a,\n    b\n)" with four spaces per level, like Foundation. */
static void
array_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	CFArrayRef a = cf;

	if (a->n == 0) {
		cflite_buf_adds(out, "(\n");
		cflite_buf_indent(out, indent, "    ");
		cflite_buf_addc(out, ')');
		return;
	}
	cflite_buf_adds(out, "(\n");
	for (size_t i = 0; i < a->n; i++) {
		cflite_buf_indent(out, indent + 1, "    ");
		cflite_describe_element(a->v[i], a->cb.retain == cflite_type_retain, out,
		    indent + 1);
		cflite_buf_adds(out, i + 1 < a->n ? ",\n" : "\n");
	}
	cflite_buf_indent(out, indent, "    ");
	cflite_buf_addc(out, ')');
}

const struct cflite_class cflite_array_class = {
	.name = "CFArray",
	.finalize = array_finalize,
	.equal = array_equal,
	.hash = array_hash,
	.describe = array_describe,
};
