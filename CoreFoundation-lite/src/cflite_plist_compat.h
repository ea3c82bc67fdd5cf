/*
 * libplist's API across the versions we build with, 2.2 through 2.7.
 *
 * libplist's headers carry no version macro: the Makefile passes the version
 * pkg-config reports for libplist-2.0 as KEXT_LIBPLIST_VERSION (2.7.0 is 20700).
 *  - 2.3.0 added plist_mem_free() for the buffers plist_to_bin()/plist_to_xml()
 *    return (libplist NEWS, 2.3.0); 2.7.0's plist.h no longer declares
 *    plist_to_bin_free() or plist_to_xml_free().
 *  - 2.7.0 deprecated plist_new_date()/plist_get_date_val() (seconds and
 *    microseconds since 2001) for plist_new_unix_date()/plist_get_unix_date_val(),
 *    whole seconds since 1970 (libplist NEWS, 2.7.0). Built with 2.7, a date
 *    therefore keeps whole seconds only (the fraction is dropped, rounding down).
 */
#ifndef CFLITE_PLIST_COMPAT_H
#define CFLITE_PLIST_COMPAT_H

#include <plist/plist.h>

#include <math.h>
#include <stdint.h>

#if !defined(KEXT_LIBPLIST_VERSION) || KEXT_LIBPLIST_VERSION < 20200
#error "KEXT_LIBPLIST_VERSION must be libplist's version (2.7.0 is 20700; 2.2 or newer): the Makefile sets it from pkg-config --modversion libplist-2.0"
#endif

/* Seconds from 1970-01-01 (UNIX time) to 2001-01-01 (CFAbsoluteTime's epoch). */
#define CFLITE_UNIX_TIME_OF_2001 978307200.0

/* Frees a buffer plist_to_bin() returned. */
static inline void
cflite_plist_bin_free(char *bin)
{
#if KEXT_LIBPLIST_VERSION >= 20300
	plist_mem_free(bin);
#else
	plist_to_bin_free(bin);
#endif
}

/* Frees a buffer plist_to_xml() returned. */
static inline void
cflite_plist_xml_free(char *xml)
{
#if KEXT_LIBPLIST_VERSION >= 20300
	plist_mem_free(xml);
#else
	plist_to_xml_free(xml);
#endif
}

/* A PLIST_DATE node for CFAbsoluteTime t; NULL when this libplist cannot hold it. */
static inline plist_t
cflite_plist_new_date(double t)
{
	double sec = floor(t);

#if KEXT_LIBPLIST_VERSION >= 20700
	sec += CFLITE_UNIX_TIME_OF_2001;
	if (!(sec >= -9007199254740992.0 && sec <= 9007199254740992.0))	/* 2^53 */
		return NULL;
	return plist_new_unix_date((int64_t)sec);
#else
	if (!(sec >= INT32_MIN && sec <= INT32_MAX))
		return NULL;
	return plist_new_date((int32_t)sec, (int32_t)lround((t - sec) * 1e6));
#endif
}

/* The CFAbsoluteTime of a PLIST_DATE node. */
static inline double
cflite_plist_date_value(plist_t node)
{
#if KEXT_LIBPLIST_VERSION >= 20700
	int64_t sec = 0;

	plist_get_unix_date_val(node, &sec);
	return (double)sec - CFLITE_UNIX_TIME_OF_2001;
#else
	int32_t sec = 0, usec = 0;

	plist_get_date_val(node, &sec, &usec);
	return (double)sec + (double)usec / 1e6;
#endif
}

#endif
