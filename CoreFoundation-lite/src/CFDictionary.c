/*
 * CFDictionary / CFMutableDictionary: an insertion-ordered hash table.
 * Entries live in a dense array (iteration order); an open-addressing index
 * of entry numbers (linear probing) finds them.  Removed entries leave
 * holes that are squeezed out when the index is rebuilt.
 */
#include "cflite_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_EMPTY 0u
#define SLOT_DELETED UINT32_MAX

struct entry {
	const void *key;
	const void *value;
	CFHashCode hash;
	bool live;
};

struct __CFDictionary {
	CFRuntimeBase base;
	CFDictionaryKeyCallBacks kcb;
	CFDictionaryValueCallBacks vcb;
	struct entry *e;	/* dense, in insertion order, with dead holes */
	size_t used;		/* entries in e[], live or dead */
	size_t live;
	size_t ecap;
	uint32_t *slot;		/* entry number + 1, SLOT_EMPTY or SLOT_DELETED */
	size_t nslots;		/* power of two, at least 2 * used */
};

static const void *
copy_string_retain(CFAllocatorRef allocator, const void *value)
{
	(void)allocator;
	if (cflite_is(value, CF_TID_STRING))
		return CFStringCreateCopy(NULL, value);
	return CFRetain(value);
}

const CFDictionaryKeyCallBacks kCFTypeDictionaryKeyCallBacks = {
	0, cflite_type_retain, cflite_type_release, CFCopyDescription, CFEqual, CFHash,
};
const CFDictionaryKeyCallBacks kCFCopyStringDictionaryKeyCallBacks = {
	0, copy_string_retain, cflite_type_release, CFCopyDescription, CFEqual, CFHash,
};
const CFDictionaryValueCallBacks kCFTypeDictionaryValueCallBacks = {
	0, cflite_type_retain, cflite_type_release, CFCopyDescription, CFEqual,
};

CFTypeID
CFDictionaryGetTypeID(void)
{
	return CF_TID_DICTIONARY;
}

static bool
is_dict(CFDictionaryRef d)
{
	return cflite_is(d, CF_TID_DICTIONARY);
}

static CFHashCode
hash_key(CFDictionaryRef d, const void *key)
{
	uint64_t h = d->kcb.hash != NULL ? d->kcb.hash(key) : (uint64_t)(uintptr_t)key;

	/* mix, so that pointer and small-integer hashes spread over the slots */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (CFHashCode)h;
}

static bool
keys_equal(CFDictionaryRef d, const void *a, const void *b)
{
	return a == b || (d->kcb.equal != NULL && d->kcb.equal(a, b));
}

static bool
values_equal(CFDictionaryRef d, const void *a, const void *b)
{
	return a == b || (d->vcb.equal != NULL && d->vcb.equal(a, b));
}

/* Slot index holding key, or -1. */
static long
find_slot(CFDictionaryRef d, const void *key, CFHashCode h)
{
	size_t mask, i;

	if (d->nslots == 0)
		return -1;
	mask = d->nslots - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		uint32_t s = d->slot[i];
		const struct entry *en;

		if (s == SLOT_EMPTY)
			return -1;
		if (s == SLOT_DELETED)
			continue;
		en = &d->e[s - 1];
		if (en->hash == h && keys_equal(d, en->key, key))
			return (long)i;
	}
}

/* Rebuilds the index for at least `want` entries, dropping dead entries. */
static bool
rehash(struct __CFDictionary *d, size_t want)
{
	size_t nslots = 16, k = 0;
	uint32_t *slot;

	while (nslots < want * 2)
		nslots *= 2;
	if (nslots > (size_t)UINT32_MAX / 2)
		return false;
	slot = calloc(nslots, sizeof(*slot));
	if (slot == NULL)
		return false;
	for (size_t i = 0; i < d->used; i++)
		if (d->e[i].live)
			d->e[k++] = d->e[i];
	d->used = k;
	for (size_t i = 0; i < k; i++) {
		size_t j = d->e[i].hash & (nslots - 1);

		while (slot[j] != SLOT_EMPTY)
			j = (j + 1) & (nslots - 1);
		slot[j] = (uint32_t)(i + 1);
	}
	free(d->slot);
	d->slot = slot;
	d->nslots = nslots;
	return true;
}

/* Adds a new entry (key known to be absent); false when out of memory. */
static bool
insert(struct __CFDictionary *d, const void *key, const void *value, CFHashCode h)
{
	size_t j;

	if ((d->used + 1) * 2 > d->nslots && !rehash(d, d->live + 1 > d->live * 2 ?
	    d->live + 1 : d->live * 2))
		return false;
	if (d->used == d->ecap) {
		size_t cap = d->ecap != 0 ? d->ecap * 2 : 8;
		struct entry *e;

		if (cap > (size_t)LONG_MAX / sizeof(*e))
			return false;
		e = realloc(d->e, cap * sizeof(*e));
		if (e == NULL)
			return false;
		d->e = e;
		d->ecap = cap;
	}
	j = h & (d->nslots - 1);
	while (d->slot[j] != SLOT_EMPTY && d->slot[j] != SLOT_DELETED)
		j = (j + 1) & (d->nslots - 1);
	d->e[d->used].key = d->kcb.retain != NULL ? d->kcb.retain(NULL, key) : key;
	d->e[d->used].value = d->vcb.retain != NULL ? d->vcb.retain(NULL, value) : value;
	d->e[d->used].hash = h;
	d->e[d->used].live = true;
	d->slot[j] = (uint32_t)(d->used + 1);
	d->used++;
	d->live++;
	return true;
}

static void
replace_value(struct __CFDictionary *d, struct entry *en, const void *value)
{
	const void *old = en->value;

	en->value = d->vcb.retain != NULL ? d->vcb.retain(NULL, value) : value;
	if (d->vcb.release != NULL)
		d->vcb.release(NULL, old);
}

static struct __CFDictionary *
create(const CFDictionaryKeyCallBacks *kcb, const CFDictionaryValueCallBacks *vcb,
    bool is_mutable)
{
	struct __CFDictionary *d = cflite_object_alloc(CF_TID_DICTIONARY, sizeof(*d), is_mutable);

	if (d == NULL)
		return NULL;
	if (kcb != NULL)
		d->kcb = *kcb;
	if (vcb != NULL)
		d->vcb = *vcb;
	return d;
}

/* Set semantics without the mutability check (used while building). */
static bool
set_value(struct __CFDictionary *d, const void *key, const void *value)
{
	CFHashCode h = hash_key(d, key);
	long s = find_slot(d, key, h);

	if (s >= 0) {
		replace_value(d, &d->e[d->slot[s] - 1], value);
		return true;
	}
	return insert(d, key, value, h);
}

CFDictionaryRef
CFDictionaryCreate(CFAllocatorRef allocator, const void **keys, const void **values,
    CFIndex numValues, const CFDictionaryKeyCallBacks *keyCallBacks,
    const CFDictionaryValueCallBacks *valueCallBacks)
{
	struct __CFDictionary *d;

	(void)allocator;
	if (numValues < 0 || (numValues != 0 && (keys == NULL || values == NULL)))
		return NULL;
	d = create(keyCallBacks, valueCallBacks, false);
	if (d == NULL)
		return NULL;
	for (CFIndex i = 0; i < numValues; i++) {
		if (!set_value(d, keys[i], values[i])) {
			CFRelease(d);
			return NULL;
		}
	}
	return d;
}

static struct __CFDictionary *
copy(CFDictionaryRef src, bool is_mutable)
{
	struct __CFDictionary *d;

	if (!is_dict(src))
		return NULL;
	d = create(&src->kcb, &src->vcb, is_mutable);
	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < src->used; i++) {
		if (src->e[i].live && !insert(d, src->e[i].key, src->e[i].value, src->e[i].hash)) {
			CFRelease(d);
			return NULL;
		}
	}
	return d;
}

CFDictionaryRef
CFDictionaryCreateCopy(CFAllocatorRef allocator, CFDictionaryRef theDict)
{
	(void)allocator;
	if (is_dict(theDict) && !cflite_is_mutable(theDict))
		return CFRetain(theDict);
	return copy(theDict, false);
}

CFMutableDictionaryRef
CFDictionaryCreateMutable(CFAllocatorRef allocator, CFIndex capacity,
    const CFDictionaryKeyCallBacks *keyCallBacks,
    const CFDictionaryValueCallBacks *valueCallBacks)
{
	(void)allocator;
	(void)capacity;
	return create(keyCallBacks, valueCallBacks, true);
}

CFMutableDictionaryRef
CFDictionaryCreateMutableCopy(CFAllocatorRef allocator, CFIndex capacity,
    CFDictionaryRef theDict)
{
	(void)allocator;
	(void)capacity;
	return copy(theDict, true);
}

CFIndex
CFDictionaryGetCount(CFDictionaryRef theDict)
{
	return is_dict(theDict) ? (CFIndex)theDict->live : 0;
}

Boolean
CFDictionaryGetValueIfPresent(CFDictionaryRef theDict, const void *key, const void **value)
{
	long s;

	if (!is_dict(theDict))
		return false;
	s = find_slot(theDict, key, hash_key(theDict, key));
	if (s < 0)
		return false;
	if (value != NULL)
		*value = theDict->e[theDict->slot[s] - 1].value;
	return true;
}

const void *
CFDictionaryGetValue(CFDictionaryRef theDict, const void *key)
{
	const void *v = NULL;

	CFDictionaryGetValueIfPresent(theDict, key, &v);
	return v;
}

Boolean
CFDictionaryContainsKey(CFDictionaryRef theDict, const void *key)
{
	return CFDictionaryGetValueIfPresent(theDict, key, NULL);
}

CFIndex
CFDictionaryGetCountOfKey(CFDictionaryRef theDict, const void *key)
{
	return CFDictionaryContainsKey(theDict, key) ? 1 : 0;
}

CFIndex
CFDictionaryGetCountOfValue(CFDictionaryRef theDict, const void *value)
{
	CFIndex count = 0;

	if (!is_dict(theDict))
		return 0;
	for (size_t i = 0; i < theDict->used; i++)
		count += theDict->e[i].live && values_equal(theDict, theDict->e[i].value, value);
	return count;
}

Boolean
CFDictionaryContainsValue(CFDictionaryRef theDict, const void *value)
{
	return CFDictionaryGetCountOfValue(theDict, value) != 0;
}

void
CFDictionaryGetKeysAndValues(CFDictionaryRef theDict, const void **keys, const void **values)
{
	size_t k = 0;

	if (!is_dict(theDict))
		return;
	for (size_t i = 0; i < theDict->used; i++) {
		if (!theDict->e[i].live)
			continue;
		if (keys != NULL)
			keys[k] = theDict->e[i].key;
		if (values != NULL)
			values[k] = theDict->e[i].value;
		k++;
	}
}

void
CFDictionaryApplyFunction(CFDictionaryRef theDict, CFDictionaryApplierFunction applier,
    void *context)
{
	if (!is_dict(theDict) || applier == NULL)
		return;
	for (size_t i = 0; i < theDict->used; i++)
		if (theDict->e[i].live)
			applier(theDict->e[i].key, theDict->e[i].value, context);
}

static bool
is_mutable_dict(CFDictionaryRef d)
{
	return cflite_is_mutable_of(d, CF_TID_DICTIONARY);
}

void
CFDictionaryAddValue(CFMutableDictionaryRef theDict, const void *key, const void *value)
{
	CFHashCode h;

	if (!is_mutable_dict(theDict))
		return;
	h = hash_key(theDict, key);
	if (find_slot(theDict, key, h) < 0)
		insert(theDict, key, value, h);
}

void
CFDictionarySetValue(CFMutableDictionaryRef theDict, const void *key, const void *value)
{
	if (is_mutable_dict(theDict))
		set_value(theDict, key, value);
}

void
CFDictionaryReplaceValue(CFMutableDictionaryRef theDict, const void *key, const void *value)
{
	long s;

	if (!is_mutable_dict(theDict))
		return;
	s = find_slot(theDict, key, hash_key(theDict, key));
	if (s >= 0)
		replace_value(theDict, &theDict->e[theDict->slot[s] - 1], value);
}

void
CFDictionaryRemoveValue(CFMutableDictionaryRef theDict, const void *key)
{
	struct entry *en;
	long s;

	if (!is_mutable_dict(theDict))
		return;
	s = find_slot(theDict, key, hash_key(theDict, key));
	if (s < 0)
		return;
	en = &theDict->e[theDict->slot[s] - 1];
	theDict->slot[s] = SLOT_DELETED;
	en->live = false;
	theDict->live--;
	if (theDict->kcb.release != NULL)
		theDict->kcb.release(NULL, en->key);
	if (theDict->vcb.release != NULL)
		theDict->vcb.release(NULL, en->value);
}

static void
release_all(struct __CFDictionary *d)
{
	for (size_t i = 0; i < d->used; i++) {
		if (!d->e[i].live)
			continue;
		d->e[i].live = false;
		if (d->kcb.release != NULL)
			d->kcb.release(NULL, d->e[i].key);
		if (d->vcb.release != NULL)
			d->vcb.release(NULL, d->e[i].value);
	}
	d->used = d->live = 0;
	if (d->slot != NULL)
		memset(d->slot, 0, d->nslots * sizeof(*d->slot));
}

void
CFDictionaryRemoveAllValues(CFMutableDictionaryRef theDict)
{
	if (is_mutable_dict(theDict))
		release_all(theDict);
}

static void
dict_finalize(CFTypeRef cf)
{
	struct __CFDictionary *d = (struct __CFDictionary *)(uintptr_t)cf;

	release_all(d);
	free(d->e);
	free(d->slot);
}

static Boolean
dict_equal(CFTypeRef x, CFTypeRef y)
{
	CFDictionaryRef a = x, b = y;

	if (a->live != b->live)
		return false;
	for (size_t i = 0; i < a->used; i++) {
		const void *v;

		if (!a->e[i].live)
			continue;
		if (!CFDictionaryGetValueIfPresent(b, a->e[i].key, &v) ||
		    !values_equal(a, a->e[i].value, v))
			return false;
	}
	return true;
}

static CFHashCode
dict_hash(CFTypeRef cf)
{
	return (CFHashCode)((CFDictionaryRef)cf)->live;
}

/* "{\n    key = value;\n}" with four spaces per level, like Foundation. */
static void
dict_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	CFDictionaryRef d = cf;

	cflite_buf_adds(out, "{\n");
	for (size_t i = 0; i < d->used; i++) {
		if (!d->e[i].live)
			continue;
		cflite_buf_indent(out, indent + 1, "    ");
		cflite_describe_element(d->e[i].key, d->kcb.retain == cflite_type_retain ||
		    d->kcb.retain == copy_string_retain, out, indent + 1);
		cflite_buf_adds(out, " = ");
		cflite_describe_element(d->e[i].value, d->vcb.retain == cflite_type_retain, out,
		    indent + 1);
		cflite_buf_adds(out, ";\n");
	}
	cflite_buf_indent(out, indent, "    ");
	cflite_buf_addc(out, '}');
}

const struct cflite_class cflite_dictionary_class = {
	.name = "CFDictionary",
	.finalize = dict_finalize,
	.equal = dict_equal,
	.hash = dict_hash,
	.describe = dict_describe,
};
