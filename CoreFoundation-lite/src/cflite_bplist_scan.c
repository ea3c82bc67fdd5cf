/*
 * A look at a binary property list's strings before libplist parses it:
 * libplist 2.2 asserts (aborting the process) when a string or key holds a
 * NUL character, which any file can contain. Only what is needed to find
 * such strings is decoded; anything malformed is left to libplist to reject.
 */
#include "cflite_internal.h"

#include <stdint.h>

/* Does the string object at off (ASCII 0x5N or UTF-16 0x6N) hold a NUL? */
static bool
string_has_nul(const UInt8 *p, size_t n, uint64_t off, uint64_t *budget)
{
	unsigned type = p[off] >> 4, w;
	uint64_t count = p[off] & 0xf, at = off + 1, unit = type == 5 ? 1 : 2;

	if (count == 0xf) {	/* the length follows as an integer object */
		if (at >= n || (p[at] >> 4) != 1 || (w = 1u << (p[at] & 0xf)) > 8 ||
		    at + 1 + w > n)
			return false;
		count = cflite_be_uint(p + at + 1, w);
		at += 1 + w;
	}
	if (count > (n - at) / unit)
		return false;
	/* Many table entries may point at one long string: bound the work. */
	if (count * unit > *budget)
		return true;
	*budget -= count * unit;
	for (uint64_t i = 0; i < count; i++)
		if (unit == 1 ? p[at + i] == 0 : p[at + 2 * i] == 0 && p[at + 2 * i + 1] == 0)
			return true;
	return false;
}

bool
cflite_bplist_has_nul_string(const char *bytes, size_t n)
{
	const UInt8 *p = (const UInt8 *)bytes, *t;
	uint64_t nobj, table, budget = 16 * (uint64_t)n;
	unsigned osz;

	if (n < 8 + 32)
		return false;
	t = p + n - 32;	/* the trailer */
	osz = t[6];
	nobj = cflite_be_uint(t + 8, 8);
	table = cflite_be_uint(t + 24, 8);
	if (osz < 1 || osz > 8 || table >= n || nobj > (n - table) / osz)
		return false;
	for (uint64_t i = 0; i < nobj; i++) {
		uint64_t off = cflite_be_uint(p + table + i * osz, osz);

		if (off >= n - 32 || (p[off] >> 4 != 5 && p[off] >> 4 != 6))
			continue;
		if (string_has_nul(p, n, off, &budget))
			return true;
	}
	return false;
}
