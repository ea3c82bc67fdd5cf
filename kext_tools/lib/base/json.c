/*
 * JSON string literals that are valid whatever bytes a string holds: valid
 * UTF-8 passes through, other bytes and control characters become \u00XX.
 */
#include <stdint.h>
#include <stdio.h>

#include "kext/json.h"

/* Length of the valid UTF-8 sequence at s (0 if invalid). */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void
kext_json_string(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n;

	fputc('"', fp);
	while (*s != '\0') {
		switch (*s) {
		case '"': fputs("\\\"", fp); s++; continue;
		case '\\': fputs("\\\\", fp); s++; continue;
		case '\n': fputs("\\n", fp); s++; continue;
		case '\t': fputs("\\t", fp); s++; continue;
		case '\r': fputs("\\r", fp); s++; continue;
		default: break;
		}
		n = *s < 0x20 || *s == 0x7f ? 0 : utf8_len(s);
		if (n == 0) {
			fprintf(fp, "\\u%04x", *s);
			s++;
		} else {
			fwrite(s, 1, n, fp);
			s += n;
		}
	}
	fputc('"', fp);
}
