/*
 * Number <-> text in the "C" locale whatever setlocale() the program did:
 * property lists and CF formats always use '.' as the decimal point.
 */
#include "cflite_internal.h"

#include <stdlib.h>
#if defined(__FreeBSD__) || defined(__APPLE__)
#include <xlocale.h>
#endif

void
cflite_c_locale_push(struct cflite_c_locale *l)
{
	l->c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	l->old = l->c != (locale_t)0 ? uselocale(l->c) : (locale_t)0;
}

void
cflite_c_locale_pop(struct cflite_c_locale *l)
{
	if (l->c == (locale_t)0)
		return;
	uselocale(l->old);
	freelocale(l->c);
}

double
cflite_strtod_c(const char *s, char **end)
{
	struct cflite_c_locale l;
	double d;

	cflite_c_locale_push(&l);
	d = strtod(s, end);
	cflite_c_locale_pop(&l);
	return d;
}

void
cflite_buf_add_double(struct cflite_buf *b, const char *fmt, double v)
{
	struct cflite_c_locale l;

	cflite_c_locale_push(&l);
	cflite_buf_printf(b, fmt, v);
	cflite_c_locale_pop(&l);
}
