/*
 * CoreFoundation-lite private runtime: object header, per-type classes,
 * shared helpers.  Not installed; never included by users.
 */
#ifndef CF_INTERNAL_H
#define CF_INTERNAL_H

#include <CoreFoundation/CoreFoundation.h>
#include <CoreFoundation/CFLiteExtras.h>

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct __CFRuntimeBase CFRuntimeBase;
struct cflite_buf;

/* Type ids (CFGetTypeID values). String must match __kCFLiteStringTypeID. */
enum {
	CF_TID_NOTATYPE = 0,
	CF_TID_NULL = 1,
	CF_TID_BOOLEAN = 2,
	CF_TID_NUMBER = 3,
	CF_TID_STRING = __kCFLiteStringTypeID,
	CF_TID_DATA = 5,
	CF_TID_DATE = 6,
	CF_TID_ARRAY = 7,
	CF_TID_DICTIONARY = 8,
	CF_TID_URL = 9,
	CF_TID_ERROR = 10,
	CF_TID_BUNDLE = 11,
	CF_TID_ALLOCATOR = 12,
	CF_TID_COUNT
};

/* What the runtime needs to know about each type. */
struct cflite_class {
	const char *name;				/* "CFString" */
	void (*finalize)(CFTypeRef cf);			/* frees owned memory */
	Boolean (*equal)(CFTypeRef a, CFTypeRef b);	/* same type guaranteed */
	CFHashCode (*hash)(CFTypeRef cf);
	void (*describe)(CFTypeRef cf, struct cflite_buf *out, int indent);
};

extern const struct cflite_class cflite_null_class, cflite_boolean_class, cflite_number_class,
    cflite_string_class, cflite_data_class, cflite_date_class, cflite_array_class,
    cflite_dictionary_class, cflite_url_class, cflite_error_class, cflite_bundle_class,
    cflite_allocator_class;

/* A static, immortal object header for type tid. */
#define CF_STATIC_BASE(tid) { __kCFLiteISA, (uint32_t)(tid) | __kCFLiteInfoImmortal, 0 }

/* Defines `const CFStringRef name` as an immortal constant string. */
#define CF_CONST_STRING(name, literal)					\
	static const struct __CFConstStr name##_obj_ = {		\
		CF_STATIC_BASE(CF_TID_STRING), literal,			\
		(CFIndex)(sizeof(literal) - 1) };			\
	const CFStringRef name = (CFStringRef)(const void *)&name##_obj_

/* Allocates a zeroed object of `size` bytes with retain count 1. */
void *cflite_object_alloc(CFTypeID tid, size_t size, bool is_mutable);

static inline CFTypeID
cflite_type_of(CFTypeRef cf)
{
	const CFRuntimeBase *b = cf;

	if (b == NULL || b->_cfisa != __kCFLiteISA)
		return CF_TID_NOTATYPE;
	return b->_cfinfo & 0xffffu;
}

static inline bool
cflite_is(CFTypeRef cf, CFTypeID tid)
{
	return cflite_type_of(cf) == tid;
}

static inline bool
cflite_is_mutable(CFTypeRef cf)
{
	return (((const CFRuntimeBase *)cf)->_cfinfo & __kCFLiteInfoMutable) != 0;
}

/* Freezes a container built mutably (the property list parsers do this). */
static inline void
cflite_make_immutable(CFTypeRef cf)
{
	((CFRuntimeBase *)(uintptr_t)cf)->_cfinfo &= ~__kCFLiteInfoMutable;
}

/* True when cf is a live object of type tid that may be changed. */
static inline bool
cflite_is_mutable_of(CFTypeRef cf, CFTypeID tid)
{
	return cflite_is(cf, tid) && cflite_is_mutable(cf);
}

/* --- growable byte buffer (descriptions, formats, XML output) -------------- */
struct cflite_buf {
	char *p;	/* always NUL-terminated when not NULL */
	size_t len;
	size_t cap;
	bool failed;	/* an allocation failed; contents are incomplete */
};

void cflite_buf_add(struct cflite_buf *b, const void *bytes, size_t n);
void cflite_buf_adds(struct cflite_buf *b, const char *s);
void cflite_buf_addc(struct cflite_buf *b, char c);
void cflite_buf_printf(struct cflite_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cflite_buf_vprintf(struct cflite_buf *b, const char *fmt, va_list ap);
void cflite_buf_indent(struct cflite_buf *b, int n, const char *unit);
void cflite_buf_free(struct cflite_buf *b);
/*
 * Hands the finished contents over to the caller: the C string (the caller
 * frees it), or NULL after freeing them when an allocation failed on the way.
 */
char *cflite_buf_take(struct cflite_buf *b);
/* The same, made into a CFString; NULL on failure or invalid UTF-8. */
CFStringRef cflite_buf_take_string(struct cflite_buf *b);

/* --- strings ---------------------------------------------------------------- */
static inline const char *
cflite_str_bytes(CFStringRef s)
{
	return ((const struct __CFConstStr *)(const void *)s)->_ptr;
}

static inline size_t
cflite_str_nbytes(CFStringRef s)
{
	return (size_t)((const struct __CFConstStr *)(const void *)s)->_length;
}

/* A string from UTF-8 bytes (validated); NULL if invalid or out of memory. */
CFStringRef cflite_string_create_utf8(const char *bytes, size_t n, bool is_mutable);
/* Same, taking ownership of a malloc'd buffer (freed on failure). */
CFStringRef cflite_string_adopt_utf8(char *bytes, size_t n);
/* Byte offset and length of a UTF-16 range of s; false if invalid. */
bool cflite_string_byte_range(CFStringRef s, CFRange r, size_t *off, size_t *len);
/* The description of cf as a new string (formatting %@ and CFCopyDescription). */
void cflite_describe(CFTypeRef cf, struct cflite_buf *out, int indent);
/*
 * A container element: described when the container retains its elements as
 * CF objects (is_cf), else only its pointer, which may not be a CF object.
 */
void cflite_describe_element(const void *v, bool is_cf, struct cflite_buf *out, int indent);

/*
 * The retain/release callbacks of kCFType{Array,Dictionary*}CallBacks, one
 * pair for all containers: their identity tells a container that its
 * elements are CF objects.
 */
const void *cflite_type_retain(CFAllocatorRef allocator, const void *value);
void cflite_type_release(CFAllocatorRef allocator, const void *value);

/* --- UTF-8 / UTF-16 helpers (cflite_utf.c) ------------------------------------- */
bool cflite_utf8_valid(const unsigned char *s, size_t n);
/* Number of UTF-16 units in valid UTF-8. */
size_t cflite_utf8_utf16_len(const unsigned char *s, size_t n);
/* Byte offset of UTF-16 unit `unit`; false if out of range or splitting a pair. */
bool cflite_utf8_offset_of_unit(const unsigned char *s, size_t n, size_t unit, size_t *off);
/* Appends code point cp as UTF-8; false for surrogates / out of range. */
bool cflite_utf8_put(struct cflite_buf *b, uint32_t cp);
/* Malloc'd UTF-16 copy of valid UTF-8 (length in *len); NULL on OOM. */
UniChar *cflite_utf8_to_utf16(const unsigned char *s, size_t n, size_t *len);
/* Appends UTF-16 as UTF-8; false on unpaired surrogates. */
bool cflite_utf16_to_utf8(struct cflite_buf *b, const UniChar *u, size_t n);

/* Iterates the UTF-16 units of valid UTF-8 without allocating. */
struct cflite_u16iter {
	const unsigned char *p, *end;
	uint16_t pending;	/* low surrogate still to return, or 0 */
};
void cflite_u16iter_init(struct cflite_u16iter *it, const char *s, size_t n);
int cflite_u16iter_next(struct cflite_u16iter *it);	/* -1 at the end */

/* --- numbers, dates, errors used across files ------------------------------- */
/* An integer number holding an unsigned value above INT64_MAX. */
CFNumberRef cflite_number_create_u64(uint64_t v);
/* 0: signed int64 in *i; 1: unsigned above INT64_MAX in *u; 2: float in *d. */
int cflite_number_value(CFNumberRef n, int64_t *i, uint64_t *u, double *d);

/* Locale-independent (always '.') strtod and %g formatting. */
double cflite_strtod_c(const char *s, char **end);
void cflite_buf_add_double(struct cflite_buf *b, const char *fmt, double v);
/* Switches this thread to the "C" locale until cflite_c_locale_pop. */
struct cflite_c_locale {
	locale_t c, old;
};
void cflite_c_locale_push(struct cflite_c_locale *l);
void cflite_c_locale_pop(struct cflite_c_locale *l);

/* Gregorian calendar in UTC for absolute times. */
struct cflite_civil {
	int64_t year;
	int month, day, hour, minute, second;
};
bool cflite_civil_from_time(CFAbsoluteTime t, struct cflite_civil *c);
CFAbsoluteTime cflite_time_from_civil(const struct cflite_civil *c);

/* A CFError in domain with a kCFErrorLocalizedDescriptionKey message. */
CFErrorRef cflite_error_create_msg(CFErrorDomain domain, CFIndex code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, message already formatted. */
CFErrorRef cflite_error_create_str(CFErrorDomain domain, CFIndex code, const char *msg);

/* --- URLs and files ----------------------------------------------------------- */
/* Malloc'd absolute path of url (resolved against its base); NULL on OOM. */
char *cflite_url_copy_abs_path(CFURLRef url);
/* An absolute URL for a POSIX path (bytes, not NUL-terminated). */
CFURLRef cflite_url_create_path(const char *path, size_t n, bool is_dir);

/*
 * Reads a regular file of at most max bytes into a malloc'd buffer.
 * Returns 0 or an errno value (EFBIG when larger than max, EISDIR/EINVAL
 * when not a regular file).
 */
int cflite_read_file(const char *path, size_t max, char **bytes, size_t *len);

/* --- property lists ------------------------------------------------------------ */
CFPropertyListRef cflite_plist_parse_xml(const char *bytes, size_t n, CFOptionFlags opts,
    CFErrorRef *error);
/* Only XML white space in the n bytes at s (text between elements that means nothing). */
bool cflite_xml_blank(const char *s, size_t n);
/* The same with libxml2's tree only (what the SAX reader is compared with). */
CFPropertyListRef cflite_plist_parse_xml_tree(const char *bytes, size_t n, CFOptionFlags opts,
    CFErrorRef *error);
/*
 * An XML property list read through libxml2's SAX2 interface, without a tree
 * (cflite_plist_sax.c): true with *out, or false with nothing made, for the
 * tree reader to read or report. The caller bounds the attributes an
 * element can have (see cflite_plist_parse_xml).
 */
bool cflite_plist_parse_sax(const char *bytes, size_t n, CFOptionFlags opts,
    CFPropertyListRef *out);
/*
 * An <integer>'s text: decimal or 0x-hex, signed, INT64_MIN..UINT64_MAX,
 * blanks around it ignored; NULL with *why ("is empty", "is not a number",
 * "is out of range"), or with *why NULL when out of memory.
 */
CFNumberRef cflite_plist_integer(const char *text, size_t len, const char **why);
/*
 * A <real>, <data> or <date> from its text as the tree reader reads it
 * (text may be changed); NULL where the tree refuses it, or out of memory.
 */
enum cflite_plist_leaf { CFLITE_PLIST_REAL, CFLITE_PLIST_DATA, CFLITE_PLIST_DATE };
CFTypeRef cflite_plist_text_leaf(enum cflite_plist_leaf leaf, struct cflite_buf *text,
    CFOptionFlags opts);
CFPropertyListRef cflite_plist_parse_binary(const char *bytes, size_t n, CFOptionFlags opts,
    CFErrorRef *error);
CFDataRef cflite_plist_write_xml(CFPropertyListRef plist, CFErrorRef *error);
CFDataRef cflite_plist_write_binary(CFPropertyListRef plist, CFErrorRef *error);
/* NULL if plist may be written in format, else the name of the offending type. */
const char *cflite_plist_invalid_type(CFPropertyListRef plist, CFPropertyListFormat format);
/* Sorted copy of the keys of a dictionary with string keys (malloc'd). */
const void **cflite_plist_sorted_keys(CFDictionaryRef dict, CFIndex *count);

/* Big-endian unsigned integer of w (1..8) bytes, as binary plists store them. */
static inline uint64_t
cflite_be_uint(const UInt8 *p, unsigned w)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < w; i++)
		v = v << 8 | p[i];
	return v;
}

/* A binary plist string or key holds NUL (libplist 2.2 would abort on it). */
bool cflite_bplist_has_nul_string(const char *bytes, size_t n);
/*
 * Nesting and counts of a binary plist, checked without recursion before
 * libplist (which recurses) sees it; see cflite_bplist_depth.c.
 */
/*
 * A linear look at an XML plist's markup before libxml2 parses it
 * (cflite_xml_prescan.c): nesting past max_depth containers, or an element
 * with more than max_attributes attributes, with the line of its start tag.
 */
enum cflite_xml_prescan {
	CFLITE_XML_PRESCAN_OK,
	CFLITE_XML_TOO_DEEP,
	CFLITE_XML_TOO_MANY_ATTRIBUTES,
};
enum cflite_xml_prescan cflite_xml_prescan(const char *bytes, size_t n, int max_depth,
    size_t max_attributes, long *line, size_t *attributes);
int cflite_bplist_check_shape(const char *bytes, size_t n, unsigned max_depth,
    const char **why);

#endif /* CF_INTERNAL_H */
