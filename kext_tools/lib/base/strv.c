/*
 * Growing arrays of borrowed strings (see kext/strv.h).
 */
#include <stdlib.h>

#include "kext/strv.h"

int
kext_strv_push(const char ***list, size_t *n, const char *s)
{
	/* reallocarray: the product n * size is checked for overflow. */
	const char **l = reallocarray(*list, *n + 1, sizeof(*l));

	if (l == NULL)
		return -1;
	l[(*n)++] = s;
	*list = l;
	return 0;
}
