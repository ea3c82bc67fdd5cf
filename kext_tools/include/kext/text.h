/* Text helpers for messages: formatted copies and quoting of untrusted text. */
#ifndef KEXT_TEXT_H
#define KEXT_TEXT_H

#include <stdarg.h>
#include <stddef.h>

/* printf into a new malloc'd string; NULL when out of memory. */
char *kext_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *kext_vstrdupf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * Quotes untrusted text for a message: "text" with control and non-ASCII
 * bytes as \xNN, cut at limit bytes of input with "..." appended.
 */
void kext_quote(char *buf, size_t len, const char *text, size_t limit);

#endif
