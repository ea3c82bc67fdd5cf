/* Small CoreFoundation helpers and file stamps used across the engine. */
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle_internal.h"

char *
kext_cf_string_copy(CFTypeRef v)
{
	CFStringRef s = v;
	const char *p;
	CFIndex max;
	char *buf;

	if (v == NULL || CFGetTypeID(v) != CFStringGetTypeID())
		return NULL;
	p = CFStringGetCStringPtr(s, kCFStringEncodingUTF8);
	if (p != NULL)
		return strdup(p);
	max = CFStringGetMaximumSizeForEncoding(CFStringGetLength(s),
	    kCFStringEncodingUTF8);
	if (max < 0 || max > 64 * 1024 * 1024)
		return NULL;
	buf = malloc((size_t)max + 1);
	if (buf == NULL)
		return NULL;
	if (!CFStringGetCString(s, buf, max + 1, kCFStringEncodingUTF8)) {
		free(buf);
		return NULL;
	}
	return buf;
}

const char *
kext_cf_type_name(CFTypeRef v)
{
	CFTypeID t;

	if (v == NULL)
		return "nothing";
	t = CFGetTypeID(v);
	if (t == CFStringGetTypeID())
		return "<string>";
	if (t == CFBooleanGetTypeID())
		return CFBooleanGetValue(v) ? "<true/>" : "<false/>";
	if (t == CFNumberGetTypeID())
		return CFNumberIsFloatType(v) ? "<real>" : "<integer>";
	if (t == CFDictionaryGetTypeID())
		return "<dict>";
	if (t == CFArrayGetTypeID())
		return "<array>";
	if (t == CFDataGetTypeID())
		return "<data>";
	if (t == CFDateGetTypeID())
		return "<date>";
	return "an unknown type";
}

void
kext_file_stamp_from_stat(struct kext_file_stamp *s, const struct stat *st)
{
	s->dev = (uint64_t)st->st_dev;
	s->ino = (uint64_t)st->st_ino;
	s->size = (int64_t)st->st_size;
	s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

bool
kext_file_stamp_equal(const struct kext_file_stamp *a, const struct kext_file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime_ns == b->mtime_ns;
}

int64_t
kext_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
