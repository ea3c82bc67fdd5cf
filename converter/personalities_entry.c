/*
 * How one table entry constrains a device key, with devmatch(8)'s rules
 * (FreeBSD sbin/devmatch/devmatch.c, search_hints(); descriptor types as
 * documented above MODULE_PNP_INFO in sys/sys/module.h):
 *  - fields are walked in descriptor order; an M16 field sets a mask, and the
 *    field at position k (counted from 0 over the whole descriptor, P fields
 *    excluded) is compared only when bit k-1 of the current mask is set;
 *  - I (U8/U16/U32/W32 halves) compares equal, J (V8/V16/V32) too unless the
 *    table value is -1, G and L bound the device value from below and above;
 *  - a T field "key=value" must appear in the device's pnpinfo as is.
 */
#include <stdlib.h>
#include <string.h>

#include "personalities.h"

bool
pers_field_compared(const struct kmod_pnp *pnp, int e, size_t f)
{
	const struct kmod_pnp_value *v = &pnp->values[(size_t)e * pnp->num_fields];
	uint32_t mask = UINT32_MAX;

	for (size_t k = 0; k < pnp->num_fields; k++) {
		/* devmatch's bit is k - 1: the first field is always compared */
		bool compared = k == 0 || k - 1 >= 32 || (mask & (UINT32_C(1) << (k - 1))) != 0;

		if (k == f)
			return compared;
		if (compared && pnp->fields[k].kind == 'M')
			mask = (uint32_t)v[k].i;
	}
	return false;
}

bool
pers_table_key(const struct kmod_pnp *pnp, const char *key, const char **value)
{
	size_t klen = strlen(key);

	for (size_t f = 0; f < pnp->num_fields; f++) {
		const char *n = pnp->fields[f].name;

		if (pnp->fields[f].kind == 'T' && strncmp(n, key, klen) == 0 && n[klen] == '=') {
			*value = n + klen + 1;
			return true;
		}
	}
	return false;
}

/* A T value as a number; devmatch compares the text, so only plain numbers count. */
static bool
parse_number(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (end == s || *end != '\0' || *s == '-' || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

enum pers_constraint
pers_entry_key(const struct kmod_pnp *pnp, int e, const char *key, uint32_t *value)
{
	const struct kmod_pnp_value *v = &pnp->values[(size_t)e * pnp->num_fields];
	enum pers_constraint c = PERS_ANY;
	const char *fixed;

	if (pers_table_key(pnp, key, &fixed))
		return parse_number(fixed, value) ? PERS_EQUAL : PERS_OTHER;
	for (size_t f = 0; f < pnp->num_fields; f++) {
		char kind = pnp->fields[f].kind;

		if (strcmp(pnp->fields[f].name, key) != 0 || !strchr("IJGL", kind) ||
		    !pers_field_compared(pnp, e, f))
			continue;
		if (kind == 'J' && v[f].i == -1)
			continue;
		if (kind == 'G' || kind == 'L')
			return PERS_OTHER;
		if (c == PERS_EQUAL && *value != (uint32_t)v[f].i)
			return PERS_OTHER;	/* two fields that disagree: nothing matches */
		*value = (uint32_t)v[f].i;
		c = PERS_EQUAL;
	}
	return c;
}

CFMutableDictionaryRef
pers_new(const char *identifier, const char *module_name, const char *provider_class)
{
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	CFStringRef s;

	s = CFStringCreateWithCString(NULL, identifier, kCFStringEncodingUTF8);
	CFDictionarySetValue(d, CFSTR("CFBundleIdentifier"), s);
	CFRelease(s);
	s = CFStringCreateWithCString(NULL, module_name, kCFStringEncodingUTF8);
	CFDictionarySetValue(d, CFSTR("IOClass"), s);
	CFRelease(s);
	s = CFStringCreateWithCString(NULL, provider_class, kCFStringEncodingUTF8);
	CFDictionarySetValue(d, CFSTR("IOProviderClass"), s);
	CFRelease(s);
	return d;
}
