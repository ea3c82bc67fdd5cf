/*
 * CFBoolean and CFNumber.  Integers are held as int64 (or uint64 above
 * INT64_MAX, which only the property list readers create); floats as
 * Float32 or Float64.  Conversions report loss like Apple's CFNumberGetValue.
 */
#include "cflite_internal.h"

#include <math.h>
#include <string.h>

/* --- CFBoolean ------------------------------------------------------------------ */
struct __CFBoolean {
	CFRuntimeBase base;
	Boolean value;
};

static const struct __CFBoolean true_object = { CF_STATIC_BASE(CF_TID_BOOLEAN), true };
static const struct __CFBoolean false_object = { CF_STATIC_BASE(CF_TID_BOOLEAN), false };
const CFBooleanRef kCFBooleanTrue = &true_object;
const CFBooleanRef kCFBooleanFalse = &false_object;

CFTypeID
CFBooleanGetTypeID(void)
{
	return CF_TID_BOOLEAN;
}

Boolean
CFBooleanGetValue(CFBooleanRef boolean)
{
	return cflite_is(boolean, CF_TID_BOOLEAN) && boolean->value;
}

static Boolean
boolean_equal(CFTypeRef a, CFTypeRef b)
{
	return ((CFBooleanRef)a)->value == ((CFBooleanRef)b)->value;
}

static CFHashCode
boolean_hash(CFTypeRef cf)
{
	return ((CFBooleanRef)cf)->value ? 1 : 0;
}

static void
boolean_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	(void)indent;
	cflite_buf_adds(out, ((CFBooleanRef)cf)->value ? "true" : "false");
}

const struct cflite_class cflite_boolean_class = {
	.name = "CFBoolean",
	.equal = boolean_equal,
	.hash = boolean_hash,
	.describe = boolean_describe,
};

/* --- CFNumber ------------------------------------------------------------------- */
enum num_kind { NUM_INT, NUM_UBIG, NUM_FLOAT };

struct __CFNumber {
	CFRuntimeBase base;
	enum num_kind kind;
	CFNumberType type;	/* canonical type reported by CFNumberGetType */
	union {
		int64_t i;
		uint64_t u;
		double d;	/* Float32 values are stored widened, exactly */
	} v;
};

static const struct __CFNumber pos_inf = {
	CF_STATIC_BASE(CF_TID_NUMBER), NUM_FLOAT, kCFNumberFloat64Type, { .d = INFINITY } };
static const struct __CFNumber neg_inf = {
	CF_STATIC_BASE(CF_TID_NUMBER), NUM_FLOAT, kCFNumberFloat64Type, { .d = -INFINITY } };
static const struct __CFNumber nan_number = {
	CF_STATIC_BASE(CF_TID_NUMBER), NUM_FLOAT, kCFNumberFloat64Type, { .d = NAN } };
const CFNumberRef kCFNumberPositiveInfinity = &pos_inf;
const CFNumberRef kCFNumberNegativeInfinity = &neg_inf;
const CFNumberRef kCFNumberNaN = &nan_number;

CFTypeID
CFNumberGetTypeID(void)
{
	return CF_TID_NUMBER;
}

/* Byte size of a C type behind a CFNumberType, negative for floats; 0 if unknown. */
static int
type_size(CFNumberType t)
{
	switch (t) {
	case kCFNumberSInt8Type:
	case kCFNumberCharType:
		return 1;
	case kCFNumberSInt16Type:
	case kCFNumberShortType:
		return 2;
	case kCFNumberSInt32Type:
	case kCFNumberIntType:
		return 4;
	case kCFNumberSInt64Type:
	case kCFNumberLongLongType:
		return 8;
	case kCFNumberLongType:
	case kCFNumberCFIndexType:
	case kCFNumberNSIntegerType:
		return (int)sizeof(long);
	case kCFNumberFloat32Type:
	case kCFNumberFloatType:
		return -4;
	case kCFNumberFloat64Type:
	case kCFNumberDoubleType:
	case kCFNumberCGFloatType:
		return -8;
	default:
		return 0;
	}
}

static CFNumberType
canonical(int size)
{
	switch (size) {
	case 1: return kCFNumberSInt8Type;
	case 2: return kCFNumberSInt16Type;
	case 4: return kCFNumberSInt32Type;
	case 8: return kCFNumberSInt64Type;
	case -4: return kCFNumberFloat32Type;
	default: return kCFNumberFloat64Type;
	}
}

CFNumberRef
CFNumberCreate(CFAllocatorRef allocator, CFNumberType theType, const void *valuePtr)
{
	int size = type_size(theType);
	struct __CFNumber *n;

	(void)allocator;
	if (size == 0 || valuePtr == NULL)
		return NULL;
	n = cflite_object_alloc(CF_TID_NUMBER, sizeof(*n), false);
	if (n == NULL)
		return NULL;
	n->type = canonical(size);
	n->kind = size < 0 ? NUM_FLOAT : NUM_INT;
	switch (size) {
	case 1: { int8_t v; memcpy(&v, valuePtr, 1); n->v.i = v; break; }
	case 2: { int16_t v; memcpy(&v, valuePtr, 2); n->v.i = v; break; }
	case 4: { int32_t v; memcpy(&v, valuePtr, 4); n->v.i = v; break; }
	case 8: { int64_t v; memcpy(&v, valuePtr, 8); n->v.i = v; break; }
	case -4: { float v; memcpy(&v, valuePtr, 4); n->v.d = v; break; }
	default: { double v; memcpy(&v, valuePtr, 8); n->v.d = v; break; }
	}
	return n;
}

CFNumberRef
cflite_number_create_u64(uint64_t v)
{
	struct __CFNumber *n;

	if (v <= INT64_MAX) {
		int64_t i = (int64_t)v;

		return CFNumberCreate(NULL, kCFNumberSInt64Type, &i);
	}
	n = cflite_object_alloc(CF_TID_NUMBER, sizeof(*n), false);
	if (n == NULL)
		return NULL;
	n->type = kCFNumberSInt64Type;
	n->kind = NUM_UBIG;
	n->v.u = v;
	return n;
}

int
cflite_number_value(CFNumberRef n, int64_t *i, uint64_t *u, double *d)
{
	switch (n->kind) {
	case NUM_INT:
		*i = n->v.i;
		return 0;
	case NUM_UBIG:
		*u = n->v.u;
		return 1;
	default:
		*d = n->v.d;
		return 2;
	}
}

CFNumberType
CFNumberGetType(CFNumberRef number)
{
	return cflite_is(number, CF_TID_NUMBER) ? number->type : 0;
}

CFIndex
CFNumberGetByteSize(CFNumberRef number)
{
	int size = type_size(CFNumberGetType(number));

	return size < 0 ? -size : size;
}

Boolean
CFNumberIsFloatType(CFNumberRef number)
{
	return cflite_is(number, CF_TID_NUMBER) && number->kind == NUM_FLOAT;
}

/* Stores an integer value into a signed integer of `size` bytes; true if exact. */
static bool
store_int(void *out, int size, int64_t v, bool exact)
{
	switch (size) {
	case 1: { int8_t x = (int8_t)v; memcpy(out, &x, 1); return exact && x == v; }
	case 2: { int16_t x = (int16_t)v; memcpy(out, &x, 2); return exact && x == v; }
	case 4: { int32_t x = (int32_t)v; memcpy(out, &x, 4); return exact && x == v; }
	default: memcpy(out, &v, 8); return exact;
	}
}

static bool
store_float(void *out, int size, double v, bool exact)
{
	if (size == -4) {
		float f = (float)v;

		memcpy(out, &f, 4);
		return exact && ((double)f == v || isnan(v));
	}
	memcpy(out, &v, 8);
	return exact;
}

/* A double truncated toward zero and clamped to int64; exact if nothing was lost. */
static int64_t
double_to_int(double d, bool *exact)
{
	if (isnan(d)) {
		*exact = false;
		return 0;
	}
	if (d >= 9223372036854775808.0) {
		*exact = false;
		return INT64_MAX;
	}
	if (d < -9223372036854775808.0) {
		*exact = false;
		return INT64_MIN;
	}
	*exact = trunc(d) == d;
	return (int64_t)d;
}

Boolean
CFNumberGetValue(CFNumberRef number, CFNumberType theType, void *valuePtr)
{
	int size = type_size(theType);
	bool exact = true;

	if (!cflite_is(number, CF_TID_NUMBER) || size == 0 || valuePtr == NULL)
		return false;
	switch (number->kind) {
	case NUM_INT:
		if (size > 0)
			return store_int(valuePtr, size, number->v.i, true);
		{
			double d = (double)number->v.i;

			exact = d < 9223372036854775808.0 && (int64_t)d == number->v.i;
			return store_float(valuePtr, size, d, exact);
		}
	case NUM_UBIG:
		if (size > 0)	/* keeps the low bits, like a C cast */
			return store_int(valuePtr, size, (int64_t)number->v.u, false);
		{
			double d = (double)number->v.u;

			exact = d < 18446744073709551616.0 && (uint64_t)d == number->v.u;
			return store_float(valuePtr, size, d, exact);
		}
	default:
		if (size < 0)
			return store_float(valuePtr, size, number->v.d, true);
		{
			int64_t i = double_to_int(number->v.d, &exact);

			return store_int(valuePtr, size, i, exact);
		}
	}
}

/* Total order: NaN first, then by value; ints compared exactly. */
CFComparisonResult
CFNumberCompare(CFNumberRef number, CFNumberRef otherNumber, void *context)
{
	long double a, b;

	(void)context;
	if (!cflite_is(number, CF_TID_NUMBER) || !cflite_is(otherNumber, CF_TID_NUMBER))
		return kCFCompareEqualTo;
	if (number->kind == NUM_INT && otherNumber->kind == NUM_INT)
		return number->v.i < otherNumber->v.i ? kCFCompareLessThan :
		    number->v.i > otherNumber->v.i ? kCFCompareGreaterThan : kCFCompareEqualTo;
	if (number->kind == NUM_UBIG && otherNumber->kind == NUM_UBIG)
		return number->v.u < otherNumber->v.u ? kCFCompareLessThan :
		    number->v.u > otherNumber->v.u ? kCFCompareGreaterThan : kCFCompareEqualTo;
	a = number->kind == NUM_INT ? (long double)number->v.i :
	    number->kind == NUM_UBIG ? (long double)number->v.u : (long double)number->v.d;
	b = otherNumber->kind == NUM_INT ? (long double)otherNumber->v.i :
	    otherNumber->kind == NUM_UBIG ? (long double)otherNumber->v.u :
	    (long double)otherNumber->v.d;
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b) ? kCFCompareEqualTo :
		    isnan(a) ? kCFCompareLessThan : kCFCompareGreaterThan;
	return a < b ? kCFCompareLessThan : a > b ? kCFCompareGreaterThan : kCFCompareEqualTo;
}

static Boolean
number_equal(CFTypeRef a, CFTypeRef b)
{
	return CFNumberCompare(a, b, NULL) == kCFCompareEqualTo;
}

/* Equal numbers hash equally: integral floats hash like the integer. */
static CFHashCode
number_hash(CFTypeRef cf)
{
	CFNumberRef n = cf;
	bool exact;
	int64_t i;

	if (n->kind == NUM_INT)
		return (CFHashCode)n->v.i;
	if (n->kind == NUM_UBIG)
		return (CFHashCode)n->v.u;
	i = double_to_int(n->v.d, &exact);
	if (exact)
		return (CFHashCode)i;
	if (isnan(n->v.d))
		return 0x7ff8;
	{
		uint64_t bits;

		memcpy(&bits, &n->v.d, sizeof(bits));
		return (CFHashCode)(bits ^ (bits >> 29));
	}
}

static void
number_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	CFNumberRef n = cf;
	size_t mark = out->len;

	(void)indent;
	if (n->kind == NUM_INT)
		cflite_buf_printf(out, "%lld", (long long)n->v.i);
	else if (n->kind == NUM_UBIG)
		cflite_buf_printf(out, "%llu", (unsigned long long)n->v.u);
	else {
		/* shortest of %.15g / %.17g that reads back the same value */
		cflite_buf_add_double(out, "%.15g", n->v.d);
		if (!out->failed && !isnan(n->v.d) && cflite_strtod_c(out->p + mark, NULL) != n->v.d) {
			out->len = mark;
			cflite_buf_add_double(out, "%.17g", n->v.d);
		}
	}
}

const struct cflite_class cflite_number_class = {
	.name = "CFNumber",
	.equal = number_equal,
	.hash = number_hash,
	.describe = number_describe,
};
