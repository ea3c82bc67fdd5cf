/* Small string helpers for building diagnostic and error texts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kext/text.h"

char *
kext_vstrdupf(const char *fmt, va_list ap)
{
	char small[256], *s;
	va_list ap2;
	int n;

	/* Most texts (paths, keys) fit the stack buffer: formatted once, copied. */
	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	if ((size_t)n < sizeof(small))
		memcpy(s, small, (size_t)n + 1);
	else
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *
kext_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = kext_vstrdupf(fmt, ap);
	va_end(ap);
	return s;
}

void
kext_quote(char *buf, size_t len, const char *text, size_t limit)
{
	size_t o = 0, i;
	unsigned char c;

	if (len < 8) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	buf[o++] = '"';
	for (i = 0; text != NULL && text[i] != '\0'; i++) {
		/* keep room for \xNN, "...", the closing quote and NUL */
		if (i == limit || o + 9 > len) {
			o += (size_t)snprintf(buf + o, len - o, "...");
			break;
		}
		c = (unsigned char)text[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
}
