/*
 * CFString comparison and searching, in UTF-16 order like Apple's CF.
 * Case-insensitive matching folds ASCII letters only.
 */
#include "cflite_internal.h"

#include <stdlib.h>
#include <string.h>

static int
fold(int c, bool ci)
{
	return ci && c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
peek(const struct cflite_u16iter *it)
{
	struct cflite_u16iter copy = *it;

	return cflite_u16iter_next(&copy);
}

static CFComparisonResult
order(long x, long y)
{
	return x < y ? kCFCompareLessThan : x > y ? kCFCompareGreaterThan : kCFCompareEqualTo;
}

/* Compares two runs of decimal digits by value and moves past them. */
static CFComparisonResult
compare_numbers(struct cflite_u16iter *a, struct cflite_u16iter *b)
{
	struct cflite_u16iter ca, cb;
	long la = 0, lb = 0;

	while (peek(a) == '0')
		cflite_u16iter_next(a);
	while (peek(b) == '0')
		cflite_u16iter_next(b);
	ca = *a;
	cb = *b;
	while (is_digit(cflite_u16iter_next(&ca)))
		la++;
	while (is_digit(cflite_u16iter_next(&cb)))
		lb++;
	if (la != lb) {
		*a = ca;	/* both runs are consumed either way */
		*b = cb;
		return order(la, lb);
	}
	for (; la > 0; la--) {
		int x = cflite_u16iter_next(a), y = cflite_u16iter_next(b);

		if (x != y) {
			for (la--; la > 0; la--) {
				cflite_u16iter_next(a);
				cflite_u16iter_next(b);
			}
			return order(x, y);
		}
	}
	return kCFCompareEqualTo;
}

/*
 * A plain comparison decided by bytes: past the common prefix, two ASCII
 * bytes (never inside a multi-byte sequence) or the end of one string order
 * the strings as their UTF-16 units would. Dictionary keys, sorted on every
 * write, nearly always are. False: decide unit by unit.
 */
static bool
compare_plain_bytes(const char *p1, size_t n1, const char *p2, size_t n2,
    CFComparisonResult *r)
{
	size_t n = n1 < n2 ? n1 : n2, i = 0;

	while (i < n && p1[i] == p2[i])
		i++;
	if (i == n) {
		*r = order((long)(n1 > n2), (long)(n2 > n1));
		return true;
	}
	if ((unsigned char)p1[i] >= 0x80 || (unsigned char)p2[i] >= 0x80)
		return false;
	*r = order((unsigned char)p1[i], (unsigned char)p2[i]);
	return true;
}

static CFComparisonResult
compare_bytes(const char *p1, size_t n1, const char *p2, size_t n2, CFStringCompareFlags opts)
{
	bool ci = (opts & kCFCompareCaseInsensitive) != 0;
	bool num = (opts & kCFCompareNumerically) != 0;
	struct cflite_u16iter a, b;
	CFComparisonResult plain;

	if (!ci && !num && compare_plain_bytes(p1, n1, p2, n2, &plain))
		return plain;

	cflite_u16iter_init(&a, p1, n1);
	cflite_u16iter_init(&b, p2, n2);
	for (;;) {
		int x = peek(&a), y = peek(&b);
		CFComparisonResult r;

		if (x < 0 || y < 0)
			return order(x, y);	/* the shorter string sorts first */
		if (num && is_digit(x) && is_digit(y)) {
			r = compare_numbers(&a, &b);
			if (r != kCFCompareEqualTo)
				return r;
			continue;
		}
		cflite_u16iter_next(&a);
		cflite_u16iter_next(&b);
		x = fold(x, ci);
		y = fold(y, ci);
		if (x != y)
			return order(x, y);
	}
}

CFComparisonResult
CFStringCompareWithOptions(CFStringRef theString1, CFStringRef theString2,
    CFRange rangeToCompare, CFStringCompareFlags compareOptions)
{
	size_t off, len;

	if (!cflite_is(theString1, CF_TID_STRING) || !cflite_is(theString2, CF_TID_STRING))
		return order(cflite_is(theString1, CF_TID_STRING), cflite_is(theString2, CF_TID_STRING));
	if (!cflite_string_byte_range(theString1, rangeToCompare, &off, &len))
		return kCFCompareLessThan;
	return compare_bytes(cflite_str_bytes(theString1) + off, len, cflite_str_bytes(theString2),
	    cflite_str_nbytes(theString2), compareOptions);
}

CFComparisonResult
CFStringCompare(CFStringRef theString1, CFStringRef theString2,
    CFStringCompareFlags compareOptions)
{
	/* the whole strings: no range of UTF-16 units to turn into bytes */
	if (cflite_is(theString1, CF_TID_STRING) && cflite_is(theString2, CF_TID_STRING))
		return compare_bytes(cflite_str_bytes(theString1), cflite_str_nbytes(theString1),
		    cflite_str_bytes(theString2), cflite_str_nbytes(theString2), compareOptions);
	return CFStringCompareWithOptions(theString1, theString2,
	    CFRangeMake(0, CFStringGetLength(theString1)), compareOptions);
}

Boolean
CFStringHasPrefix(CFStringRef theString, CFStringRef prefix)
{
	if (!cflite_is(theString, CF_TID_STRING) || !cflite_is(prefix, CF_TID_STRING))
		return false;
	return cflite_str_nbytes(prefix) <= cflite_str_nbytes(theString) &&
	    memcmp(cflite_str_bytes(theString), cflite_str_bytes(prefix), cflite_str_nbytes(prefix)) == 0;
}

Boolean
CFStringHasSuffix(CFStringRef theString, CFStringRef suffix)
{
	size_t n, sn;

	if (!cflite_is(theString, CF_TID_STRING) || !cflite_is(suffix, CF_TID_STRING))
		return false;
	n = cflite_str_nbytes(theString);
	sn = cflite_str_nbytes(suffix);
	return sn <= n && memcmp(cflite_str_bytes(theString) + n - sn, cflite_str_bytes(suffix), sn) == 0;
}

static bool
match_at(const UniChar *s, const UniChar *f, size_t fn, bool ci)
{
	for (size_t i = 0; i < fn; i++)
		if (fold(s[i], ci) != fold(f[i], ci))
			return false;
	return true;
}

Boolean
CFStringFindWithOptions(CFStringRef theString, CFStringRef stringToFind, CFRange rangeToSearch,
    CFStringCompareFlags searchOptions, CFRange *result)
{
	bool ci = (searchOptions & kCFCompareCaseInsensitive) != 0;
	bool back = (searchOptions & kCFCompareBackwards) != 0;
	bool anchored = (searchOptions & kCFCompareAnchored) != 0;
	UniChar *s = NULL, *f = NULL;
	size_t sn, fn, lo, hi, pos;
	bool found = false;

	if (!cflite_is(theString, CF_TID_STRING) || !cflite_is(stringToFind, CF_TID_STRING))
		return false;
	s = cflite_utf8_to_utf16((const unsigned char *)cflite_str_bytes(theString),
	    cflite_str_nbytes(theString), &sn);
	f = cflite_utf8_to_utf16((const unsigned char *)cflite_str_bytes(stringToFind),
	    cflite_str_nbytes(stringToFind), &fn);
	if (s == NULL || f == NULL || rangeToSearch.location < 0 || rangeToSearch.length < 0 ||
	    (size_t)rangeToSearch.location > sn ||
	    (size_t)rangeToSearch.length > sn - (size_t)rangeToSearch.location ||
	    fn == 0 || fn > (size_t)rangeToSearch.length)
		goto out;
	lo = (size_t)rangeToSearch.location;
	hi = lo + (size_t)rangeToSearch.length - fn;	/* last possible start */
	for (size_t k = 0; k <= hi - lo; k++) {
		pos = back ? hi - k : lo + k;
		if (match_at(s + pos, f, fn, ci)) {
			found = true;
			if (result != NULL)
				*result = CFRangeMake((CFIndex)pos, (CFIndex)fn);
			break;
		}
		if (anchored)
			break;
	}
out:
	free(s);
	free(f);
	return found;
}

CFRange
CFStringFind(CFStringRef theString, CFStringRef stringToFind, CFStringCompareFlags compareOptions)
{
	CFRange r;

	if (CFStringFindWithOptions(theString, stringToFind,
	    CFRangeMake(0, CFStringGetLength(theString)), compareOptions, &r))
		return r;
	return CFRangeMake(kCFNotFound, 0);
}

CFIndex
CFStringFindAndReplace(CFMutableStringRef theString, CFStringRef stringToFind,
    CFStringRef replacementString, CFRange rangeToSearch, CFStringCompareFlags compareOptions)
{
	CFIndex count = 0, end, replen;
	CFRange r, rest = rangeToSearch;

	if (!cflite_is_mutable_of(theString, CF_TID_STRING) ||
	    !cflite_is(replacementString, CF_TID_STRING))
		return 0;
	replen = CFStringGetLength(replacementString);
	end = rangeToSearch.location + rangeToSearch.length;
	compareOptions &= ~(CFStringCompareFlags)kCFCompareBackwards;	/* left to right */
	while (rest.length > 0 &&
	    CFStringFindWithOptions(theString, stringToFind, rest, compareOptions, &r)) {
		CFStringReplace(theString, r, replacementString);
		count++;
		end += replen - r.length;
		rest.location = r.location + replen;
		rest.length = end - rest.location;
		if (compareOptions & kCFCompareAnchored)
			break;
	}
	return count;
}
