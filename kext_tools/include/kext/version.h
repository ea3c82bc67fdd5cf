/*
 * Kext versions: Apple's OSKextVersion grammar and its 64-bit encoding
 * (the 10.14+ scheme, 4-digit minor and revision), so that versions compare
 * as plain integers:
 *
 *	major[.minor[.revision]][stage level]
 *	major 1-4 digits, minor/revision 0-4 digits, stage d|a|b|f|fc,
 *	level 1-3 digits (0..255), ended by the end of the string or whitespace.
 *
 *	value = major*10^12 + minor*10^8 + revision*10^4 + stage*10^3 + level
 *	stage: d=1 a=3 b=5 f/fc=7 release=9
 */
#ifndef KEXT_VERSION_H
#define KEXT_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t kext_version;

#define KEXT_VERSION_INVALID	((kext_version)-1)
#define KEXT_VERSION_MISSING	((kext_version)0)

/* User space refuses version strings of this many bytes or more. */
#define KEXT_VERSION_MAX_LENGTH	20

/* Room for any formatted version, "(invalid)" and "(missing)" included. */
#define KEXT_VERSION_FORMAT_MAX	32

/* Parses s; returns KEXT_VERSION_INVALID (-1) when it does not follow the grammar. */
kext_version kext_version_parse(const char *s);

/*
 * Writes the canonical form ("1.0fc2" -> "1.0f2", "1" -> "1.0") into buf;
 * "(invalid)" for values no string parses to, "(missing)" for 0.
 * Returns buf.
 */
char *kext_version_format(kext_version v, char *buf, size_t len);

/* -1, 0 or 1 as a is lower than, equal to or higher than b. */
int kext_version_compare(kext_version a, kext_version b);

/*
 * Apple's user-space library rule: a library with compatible version compat
 * and current version current satisfies a request for version requested when
 * 0 < compat <= requested <= current.
 */
bool kext_version_satisfies(kext_version compat, kext_version current,
    kext_version requested);

#endif
