/* CFDate and absolute time, plus the UTC calendar arithmetic plists need. */
#include "cflite_internal.h"

#include <math.h>
#include <time.h>

struct __CFDate {
	CFRuntimeBase base;
	CFAbsoluteTime t;
};

const CFTimeInterval kCFAbsoluteTimeIntervalSince1970 = 978307200.0;
const CFTimeInterval kCFAbsoluteTimeIntervalSince1904 = 3061152000.0;

CFAbsoluteTime
CFAbsoluteTimeGetCurrent(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0.0;
	return (double)ts.tv_sec - kCFAbsoluteTimeIntervalSince1970 + (double)ts.tv_nsec / 1e9;
}

CFTypeID
CFDateGetTypeID(void)
{
	return CF_TID_DATE;
}

CFDateRef
CFDateCreate(CFAllocatorRef allocator, CFAbsoluteTime at)
{
	struct __CFDate *d;

	(void)allocator;
	d = cflite_object_alloc(CF_TID_DATE, sizeof(*d), false);
	if (d != NULL)
		d->t = at;
	return d;
}

CFAbsoluteTime
CFDateGetAbsoluteTime(CFDateRef theDate)
{
	return cflite_is(theDate, CF_TID_DATE) ? theDate->t : 0.0;
}

CFTimeInterval
CFDateGetTimeIntervalSinceDate(CFDateRef theDate, CFDateRef otherDate)
{
	return CFDateGetAbsoluteTime(theDate) - CFDateGetAbsoluteTime(otherDate);
}

CFComparisonResult
CFDateCompare(CFDateRef theDate, CFDateRef otherDate, void *context)
{
	CFAbsoluteTime a = CFDateGetAbsoluteTime(theDate), b = CFDateGetAbsoluteTime(otherDate);

	(void)context;
	return a < b ? kCFCompareLessThan : a > b ? kCFCompareGreaterThan : kCFCompareEqualTo;
}

/*
 * Days since 1970-01-01 for a proleptic Gregorian date, and back
 * (era-based algorithm: 400-year cycles of 146097 days).
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, struct cflite_civil *c)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = yoe + era * 400 + (c->month <= 2);
}

CFAbsoluteTime
cflite_time_from_civil(const struct cflite_civil *c)
{
	int64_t days = days_from_civil(c->year, c->month, c->day);

	return (double)(days * 86400 + c->hour * 3600 + c->minute * 60 + c->second) -
	    kCFAbsoluteTimeIntervalSince1970;
}

bool
cflite_civil_from_time(CFAbsoluteTime t, struct cflite_civil *c)
{
	double s = floor(t) + kCFAbsoluteTimeIntervalSince1970;
	int64_t secs, days, rem;

	if (!isfinite(s) || fabs(s) > 1e15)	/* ~31 million years: plenty */
		return false;
	secs = (int64_t)s;
	days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	rem = secs - days * 86400;
	civil_from_days(days, c);
	c->hour = (int)(rem / 3600);
	c->minute = (int)(rem / 60 % 60);
	c->second = (int)(rem % 60);
	return true;
}

static Boolean
date_equal(CFTypeRef a, CFTypeRef b)
{
	return ((CFDateRef)a)->t == ((CFDateRef)b)->t;
}

static CFHashCode
date_hash(CFTypeRef cf)
{
	double t = ((CFDateRef)cf)->t;

	return isfinite(t) && fabs(t) < 9e18 ? (CFHashCode)(int64_t)t : 0;
}

static void
date_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	struct cflite_civil c;

	(void)indent;
	if (!cflite_civil_from_time(((CFDateRef)cf)->t, &c)) {
		cflite_buf_adds(out, "<invalid date>");
		return;
	}
	cflite_buf_printf(out, "%04lld-%02d-%02d %02d:%02d:%02d +0000", (long long)c.year, c.month,
	    c.day, c.hour, c.minute, c.second);
}

const struct cflite_class cflite_date_class = {
	.name = "CFDate",
	.equal = date_equal,
	.hash = date_hash,
	.describe = date_describe,
};
