/*
 * The object runtime: retain counting, type dispatch (equal, hash,
 * description), allocators and the null singleton.
 */
#include "cflite_internal.h"

#include <stdio.h>
#include <stdlib.h>

static const struct cflite_class *const classes[CF_TID_COUNT] = {
	[CF_TID_NULL] = &cflite_null_class,
	[CF_TID_BOOLEAN] = &cflite_boolean_class,
	[CF_TID_NUMBER] = &cflite_number_class,
	[CF_TID_STRING] = &cflite_string_class,
	[CF_TID_DATA] = &cflite_data_class,
	[CF_TID_DATE] = &cflite_date_class,
	[CF_TID_ARRAY] = &cflite_array_class,
	[CF_TID_DICTIONARY] = &cflite_dictionary_class,
	[CF_TID_URL] = &cflite_url_class,
	[CF_TID_ERROR] = &cflite_error_class,
	[CF_TID_BUNDLE] = &cflite_bundle_class,
	[CF_TID_ALLOCATOR] = &cflite_allocator_class,
};

static const struct cflite_class *
class_of(CFTypeRef cf)
{
	CFTypeID tid = cflite_type_of(cf);

	return tid > CF_TID_NOTATYPE && tid < CF_TID_COUNT ? classes[tid] : NULL;
}

void *
cflite_object_alloc(CFTypeID tid, size_t size, bool is_mutable)
{
	CFRuntimeBase *b = calloc(1, size);

	if (b == NULL)
		return NULL;
	b->_cfisa = __kCFLiteISA;
	b->_cfinfo = (uint32_t)tid | (is_mutable ? __kCFLiteInfoMutable : 0);
	b->_rc = 1;
	return b;
}

static bool
is_immortal(const CFRuntimeBase *b)
{
	return (b->_cfinfo & __kCFLiteInfoImmortal) != 0;
}

CFTypeRef
CFRetain(CFTypeRef cf)
{
	CFRuntimeBase *b = (CFRuntimeBase *)(uintptr_t)cf;

	if (class_of(cf) != NULL && !is_immortal(b))
		__atomic_add_fetch(&b->_rc, 1, __ATOMIC_RELAXED);
	return cf;
}

void
CFRelease(CFTypeRef cf)
{
	CFRuntimeBase *b = (CFRuntimeBase *)(uintptr_t)cf;
	const struct cflite_class *cls = class_of(cf);

	if (cls == NULL || is_immortal(b))
		return;
	if (__atomic_sub_fetch(&b->_rc, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (cls->finalize != NULL)
		cls->finalize(cf);
	b->_cfisa = 0;	/* a stale pointer is no longer taken for an object */
	free(b);
}

CFIndex
CFGetRetainCount(CFTypeRef cf)
{
	const CFRuntimeBase *b = cf;

	if (class_of(cf) == NULL)
		return 0;
	if (is_immortal(b))
		return (CFIndex)INT32_MAX;	/* like Apple's constants: "very large" */
	return (CFIndex)__atomic_load_n(&b->_rc, __ATOMIC_RELAXED);
}

CFTypeID
CFGetTypeID(CFTypeRef cf)
{
	return cflite_type_of(cf);
}

CFStringRef
CFCopyTypeIDDescription(CFTypeID type_id)
{
	if (type_id == CF_TID_NOTATYPE || type_id >= CF_TID_COUNT)
		return NULL;
	return CFStringCreateWithCString(NULL, classes[type_id]->name, kCFStringEncodingUTF8);
}

/*
 * Containers compare their values with CFEqual: a mutable array holding
 * itself, or a value nested deeper than any parser makes, would recurse
 * without end. Past this depth values are unequal.
 */
#define EQUAL_MAX_DEPTH	(4 * kCFLitePropertyListMaxDepth)
static _Thread_local int equal_depth;

Boolean
CFEqual(CFTypeRef cf1, CFTypeRef cf2)
{
	const struct cflite_class *cls;
	Boolean same;

	if (cf1 == cf2)
		return true;
	cls = class_of(cf1);
	if (cls == NULL || cflite_type_of(cf1) != cflite_type_of(cf2) || cls->equal == NULL ||
	    equal_depth >= EQUAL_MAX_DEPTH)
		return false;
	equal_depth++;
	same = cls->equal(cf1, cf2);
	equal_depth--;
	return same;
}

CFHashCode
CFHash(CFTypeRef cf)
{
	const struct cflite_class *cls = class_of(cf);

	if (cls == NULL || cls->hash == NULL)
		return (CFHashCode)(uintptr_t)cf;
	return cls->hash(cf);
}

void
cflite_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	const struct cflite_class *cls = class_of(cf);

	if (cf == NULL)
		cflite_buf_adds(out, "(null)");
	else if (cls == NULL)
		cflite_buf_printf(out, "<not a CF object %p>", cf);
	else if (indent > kCFLitePropertyListMaxDepth)
		cflite_buf_adds(out, "...");	/* bounds output for cycles */
	else if (cls->describe != NULL)
		cls->describe(cf, out, indent);
	else
		cflite_buf_printf(out, "<%s %p>", cls->name, cf);
}

void
cflite_describe_element(const void *v, bool is_cf, struct cflite_buf *out, int indent)
{
	if (is_cf)
		cflite_describe(v, out, indent);
	else
		cflite_buf_printf(out, "%p", v);
}

const void *
cflite_type_retain(CFAllocatorRef allocator, const void *value)
{
	(void)allocator;
	return CFRetain(value);
}

void
cflite_type_release(CFAllocatorRef allocator, const void *value)
{
	(void)allocator;
	CFRelease(value);
}

CFStringRef
CFCopyDescription(CFTypeRef cf)
{
	struct cflite_buf b = { 0 };

	if (cf == NULL)
		return NULL;
	if (cflite_is(cf, CF_TID_STRING))
		return CFStringCreateCopy(NULL, cf);
	cflite_describe(cf, &b, 0);
	return cflite_buf_take_string(&b);
}

void
CFShow(CFTypeRef obj)
{
	CFStringRef d = obj != NULL ? CFCopyDescription(obj) : NULL;

	if (d == NULL)
		fputs(obj == NULL ? "(null)\n" : "<no description>\n", stderr);
	else {
		fwrite(cflite_str_bytes(d), 1, cflite_str_nbytes(d), stderr);
		fputc('\n', stderr);
		CFRelease(d);
	}
}

/* --- allocators: all of them are malloc ------------------------------------- */
struct __CFAllocator {
	CFRuntimeBase base;
	const char *name;
};

static const struct __CFAllocator system_allocator = {
	CF_STATIC_BASE(CF_TID_ALLOCATOR), "kCFAllocatorSystemDefault" };
static const struct __CFAllocator malloc_allocator = {
	CF_STATIC_BASE(CF_TID_ALLOCATOR), "kCFAllocatorMalloc" };
static const struct __CFAllocator null_allocator = {
	CF_STATIC_BASE(CF_TID_ALLOCATOR), "kCFAllocatorNull" };

const CFAllocatorRef kCFAllocatorDefault = NULL;
const CFAllocatorRef kCFAllocatorSystemDefault = &system_allocator;
const CFAllocatorRef kCFAllocatorMalloc = &malloc_allocator;
const CFAllocatorRef kCFAllocatorNull = &null_allocator;

CFTypeID
CFAllocatorGetTypeID(void)
{
	return CF_TID_ALLOCATOR;
}

CFAllocatorRef
CFAllocatorGetDefault(void)
{
	return kCFAllocatorSystemDefault;
}

CFAllocatorRef
CFGetAllocator(CFTypeRef cf)
{
	(void)cf;
	return kCFAllocatorSystemDefault;
}

static void
allocator_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	(void)indent;
	cflite_buf_printf(out, "<CFAllocator %s>", ((const struct __CFAllocator *)cf)->name);
}

const struct cflite_class cflite_allocator_class = {
	.name = "CFAllocator", .describe = allocator_describe,
};

/* --- kCFNull ----------------------------------------------------------------- */
struct __CFNull {
	CFRuntimeBase base;
};

static const struct __CFNull null_object = { CF_STATIC_BASE(CF_TID_NULL) };
const CFNullRef kCFNull = &null_object;

CFTypeID
CFNullGetTypeID(void)
{
	return CF_TID_NULL;
}

static void
null_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	(void)cf;
	(void)indent;
	cflite_buf_adds(out, "<null>");
}

const struct cflite_class cflite_null_class = { .name = "CFNull", .describe = null_describe };
