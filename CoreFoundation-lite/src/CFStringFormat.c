/*
 * CFStringCreateWithFormat and friends: printf conversions plus %@, which
 * inserts the description of a CF object (a string inserts itself).  Each
 * conversion is handed to vsnprintf on its own, so the argument types follow
 * the C rules.  Positional arguments (%1$d) and %n are not supported: such a
 * conversion is copied to the output as text and consumes no argument.
 */
#include "cflite_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_BIG_L, LEN_Z, LEN_T, LEN_J };

/* One parsed conversion: the spec re-assembled with '*' resolved. */
struct spec {
	char fmt[64];
	size_t n;
	enum length len;
	char conv;
};

static void
spec_add(struct spec *s, const char *p, size_t n)
{
	if (s->n + n < sizeof(s->fmt)) {
		memcpy(s->fmt + s->n, p, n);
		s->n += n;
		s->fmt[s->n] = '\0';
	}
}

static void
spec_add_int(struct spec *s, int v)
{
	char tmp[16];
	int k = snprintf(tmp, sizeof(tmp), "%d", v);

	spec_add(s, tmp, (size_t)k);
}

/* Parses digits; false on overflow. */
static bool
skip_digits(const char **p, const char *end)
{
	int v = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		if (v > 100000)
			return false;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return true;
}

/*
 * Parses the conversion starting after '%' at *pp.  Returns false when it is
 * malformed or unsupported (the caller copies it literally).
 */
static bool
parse_spec(const char **pp, const char *end, struct spec *s, va_list *ap)
{
	const char *p = *pp, *q;

	s->n = 0;
	s->fmt[0] = '\0';
	spec_add(s, "%", 1);
	for (q = p; q < end && strchr("-+ #0'", *q) != NULL && *q != '\0'; q++)
		;
	/* a positional argument looks like digits then '$' */
	{
		const char *d = q;

		skip_digits(&d, end);
		if (d < end && *d == '$' && d != q)
			return false;
	}
	spec_add(s, p, (size_t)(q - p));
	p = q;
	if (p < end && *p == '*') {
		spec_add_int(s, va_arg(*ap, int));
		p++;
	} else {
		q = p;
		if (!skip_digits(&p, end))
			return false;
		spec_add(s, q, (size_t)(p - q));
	}
	if (p < end && *p == '.') {
		spec_add(s, ".", 1);
		p++;
		if (p < end && *p == '*') {
			spec_add_int(s, va_arg(*ap, int));
			p++;
		} else {
			q = p;
			if (!skip_digits(&p, end))
				return false;
			spec_add(s, q, (size_t)(p - q));
		}
	}
	s->len = LEN_NONE;
	if (p + 1 < end && p[0] == 'h' && p[1] == 'h')
		s->len = LEN_HH, p += 2;
	else if (p + 1 < end && p[0] == 'l' && p[1] == 'l')
		s->len = LEN_LL, p += 2;
	else if (p < end && *p == 'h')
		s->len = LEN_H, p++;
	else if (p < end && *p == 'l')
		s->len = LEN_L, p++;
	else if (p < end && *p == 'q')
		s->len = LEN_LL, p++;
	else if (p < end && *p == 'L')
		s->len = LEN_BIG_L, p++;
	else if (p < end && *p == 'z')
		s->len = LEN_Z, p++;
	else if (p < end && *p == 't')
		s->len = LEN_T, p++;
	else if (p < end && *p == 'j')
		s->len = LEN_J, p++;
	if (p >= end || strchr("diouxXeEfFgGaAcsp@CS", *p) == NULL || *p == '\0')
		return false;
	s->conv = *p++;
	*pp = p;
	return true;
}

/* The spec with its length modifier rewritten for a C type we pass. */
static void
set_conv(struct spec *s, const char *lenmod, char conv)
{
	spec_add(s, lenmod, strlen(lenmod));
	spec_add(s, &conv, 1);
}

static void
format_signed(struct cflite_buf *b, struct spec *s, va_list *ap)
{
	switch (s->len) {
	case LEN_L:
		set_conv(s, "l", s->conv);
		cflite_buf_printf(b, s->fmt, va_arg(*ap, long));
		break;
	case LEN_LL:
	case LEN_BIG_L:
		set_conv(s, "ll", s->conv);
		cflite_buf_printf(b, s->fmt, va_arg(*ap, long long));
		break;
	case LEN_Z:
		set_conv(s, "j", s->conv);
		cflite_buf_printf(b, s->fmt, (intmax_t)va_arg(*ap, ssize_t));
		break;
	case LEN_T:
		set_conv(s, "j", s->conv);
		cflite_buf_printf(b, s->fmt, (intmax_t)va_arg(*ap, ptrdiff_t));
		break;
	case LEN_J:
		set_conv(s, "j", s->conv);
		cflite_buf_printf(b, s->fmt, va_arg(*ap, intmax_t));
		break;
	case LEN_HH:
		set_conv(s, "", s->conv);
		cflite_buf_printf(b, s->fmt, (int)(signed char)va_arg(*ap, int));
		break;
	case LEN_H:
		set_conv(s, "", s->conv);
		cflite_buf_printf(b, s->fmt, (int)(short)va_arg(*ap, int));
		break;
	default:
		set_conv(s, "", s->conv);
		cflite_buf_printf(b, s->fmt, va_arg(*ap, int));
		break;
	}
}

static void
format_unsigned(struct cflite_buf *b, struct spec *s, va_list *ap)
{
	switch (s->len) {
	case LEN_L:
		set_conv(s, "l", s->conv);
		cflite_buf_printf(b, s->fmt, va_arg(*ap, unsigned long));
		break;
	case LEN_LL:
	case LEN_BIG_L:
		set_conv(s, "ll", s->conv);
		cflite_buf_printf(b, s->fmt, va_arg(*ap, unsigned long long));
		break;
	case LEN_Z:
		set_conv(s, "j", s->conv);
		cflite_buf_printf(b, s->fmt, (uintmax_t)va_arg(*ap, size_t));
		break;
	case LEN_T:
		set_conv(s, "j", s->conv);
		cflite_buf_printf(b, s->fmt, (uintmax_t)va_arg(*ap, ptrdiff_t));
		break;
	case LEN_J:
		set_conv(s, "j", s->conv);
		cflite_buf_printf(b, s->fmt, va_arg(*ap, uintmax_t));
		break;
	case LEN_HH:
		set_conv(s, "", s->conv);
		cflite_buf_printf(b, s->fmt, (unsigned)(unsigned char)va_arg(*ap, unsigned));
		break;
	case LEN_H:
		set_conv(s, "", s->conv);
		cflite_buf_printf(b, s->fmt, (unsigned)(unsigned short)va_arg(*ap, unsigned));
		break;
	default:
		set_conv(s, "", s->conv);
		cflite_buf_printf(b, s->fmt, va_arg(*ap, unsigned));
		break;
	}
}

/* %@, %s, %S, %C: UTF-8 text through "%s" so width and precision apply. */
static void
format_text(struct cflite_buf *b, struct spec *s, const char *text)
{
	set_conv(s, "", 's');
	cflite_buf_printf(b, s->fmt, text);
}

static void
format_one(struct cflite_buf *b, struct spec *s, va_list *ap)
{
	struct cflite_buf tmp = { 0 };

	switch (s->conv) {
	case 'd':
	case 'i':
		format_signed(b, s, ap);
		return;
	case 'o':
	case 'u':
	case 'x':
	case 'X':
		format_unsigned(b, s, ap);
		return;
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
		if (s->len == LEN_BIG_L) {
			set_conv(s, "L", s->conv);
			cflite_buf_printf(b, s->fmt, va_arg(*ap, long double));
		} else {
			set_conv(s, "", s->conv);
			cflite_buf_printf(b, s->fmt, va_arg(*ap, double));
		}
		return;
	case 'c':
		set_conv(s, "", 'c');
		cflite_buf_printf(b, s->fmt, va_arg(*ap, int));
		return;
	case 'p':
		set_conv(s, "", 'p');
		cflite_buf_printf(b, s->fmt, va_arg(*ap, void *));
		return;
	case 's': {
		const char *str = va_arg(*ap, const char *);

		format_text(b, s, str != NULL ? str : "(null)");
		return;
	}
	case 'C': {
		UniChar u = (UniChar)va_arg(*ap, int);

		cflite_utf16_to_utf8(&tmp, &u, 1);
		break;
	}
	case 'S': {
		const UniChar *u = va_arg(*ap, const UniChar *);
		size_t n = 0;

		if (u == NULL)
			cflite_buf_adds(&tmp, "(null)");
		else {
			while (u[n] != 0)
				n++;
			cflite_utf16_to_utf8(&tmp, u, n);
		}
		break;
	}
	case '@': {
		CFTypeRef obj = va_arg(*ap, CFTypeRef);

		if (cflite_is(obj, CF_TID_STRING))
			cflite_buf_add(&tmp, cflite_str_bytes(obj), cflite_str_nbytes(obj));
		else
			cflite_describe(obj, &tmp, 0);
		break;
	}
	}
	cflite_buf_add(&tmp, "", 0);
	if (!tmp.failed)
		format_text(b, s, tmp.p);
	cflite_buf_free(&tmp);
}

/* Replaces bytes that are not valid UTF-8 (from %s, %c) with U+FFFD. */
static void
repair_utf8(struct cflite_buf *b)
{
	struct cflite_buf out = { 0 };
	const unsigned char *p = (const unsigned char *)b->p;
	size_t i = 0;

	if (b->p == NULL || cflite_utf8_valid(p, b->len))
		return;
	while (i < b->len) {
		size_t k = 1;

		while (k <= 4 && i + k <= b->len && !cflite_utf8_valid(p + i, k))
			k++;
		if (k <= 4 && i + k <= b->len) {
			cflite_buf_add(&out, p + i, k);
			i += k;
		} else {
			cflite_buf_adds(&out, "\xef\xbf\xbd");
			i++;
		}
	}
	cflite_buf_free(b);
	*b = out;
}

/* Formats into b; false if the format is not a string or memory ran out. */
static bool
format_into(struct cflite_buf *b, CFStringRef format, va_list arguments)
{
	struct cflite_c_locale loc;
	const char *p, *end;
	va_list ap;

	if (!cflite_is(format, CF_TID_STRING))
		return false;
	p = cflite_str_bytes(format);
	end = p + cflite_str_nbytes(format);
	va_copy(ap, arguments);
	cflite_c_locale_push(&loc);
	cflite_buf_add(b, "", 0);
	while (p < end) {
		const char *pct = memchr(p, '%', (size_t)(end - p)), *start;
		struct spec s;

		if (pct == NULL) {
			cflite_buf_add(b, p, (size_t)(end - p));
			break;
		}
		cflite_buf_add(b, p, (size_t)(pct - p));
		start = pct++;
		if (pct < end && *pct == '%') {
			cflite_buf_addc(b, '%');
			p = pct + 1;
			continue;
		}
		if (parse_spec(&pct, end, &s, &ap))
			format_one(b, &s, &ap);
		else
			cflite_buf_add(b, start, (size_t)(pct - start));
		p = pct;
	}
	cflite_c_locale_pop(&loc);
	va_end(ap);
	repair_utf8(b);
	return !b->failed;
}

CFStringRef
CFStringCreateWithFormatAndArguments(CFAllocatorRef alloc, CFDictionaryRef formatOptions,
    CFStringRef format, va_list arguments)
{
	struct cflite_buf b = { 0 };

	(void)alloc;
	(void)formatOptions;
	if (!format_into(&b, format, arguments)) {
		cflite_buf_free(&b);
		return NULL;
	}
	return cflite_string_adopt_utf8(b.p, b.len);
}

CFStringRef
CFStringCreateWithFormat(CFAllocatorRef alloc, CFDictionaryRef formatOptions,
    CFStringRef format, ...)
{
	CFStringRef s;
	va_list ap;

	va_start(ap, format);
	s = CFStringCreateWithFormatAndArguments(alloc, formatOptions, format, ap);
	va_end(ap);
	return s;
}

void
CFStringAppendFormatAndArguments(CFMutableStringRef theString, CFDictionaryRef formatOptions,
    CFStringRef format, va_list arguments)
{
	CFStringRef s = CFStringCreateWithFormatAndArguments(NULL, formatOptions, format,
	    arguments);

	if (s != NULL) {
		CFStringAppend(theString, s);
		CFRelease(s);
	}
}

void
CFStringAppendFormat(CFMutableStringRef theString, CFDictionaryRef formatOptions,
    CFStringRef format, ...)
{
	va_list ap;

	va_start(ap, format);
	CFStringAppendFormatAndArguments(theString, formatOptions, format, ap);
	va_end(ap);
}
