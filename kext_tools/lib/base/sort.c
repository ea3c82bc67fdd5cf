/* qsort for possibly empty arrays (see sort.h). */
#include <stdlib.h>

#include "kext/sort.h"

void
kext_sort(void *base, size_t n, size_t size, int (*compare)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, compare);
}
