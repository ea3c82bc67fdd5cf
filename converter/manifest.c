/*
 * A package's +MANIFEST is UCL/JSON; ko2kext needs two top-level strings
 * only ("origin", "version"), so a small scan for "key":"value" is enough
 * and pulls in no UCL parser. Escapes are not decoded: a value ends at the
 * next '"'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

char *
conv_manifest_string(const char *manifest, const char *key)
{
	char pattern[64];
	const char *p, *end;
	char *value;
	int n = snprintf(pattern, sizeof(pattern), "\"%s\"", key);

	if (n < 0 || (size_t)n >= sizeof(pattern) || (p = strstr(manifest, pattern)) == NULL)
		return NULL;
	p += n;
	while (*p == ' ' || *p == '\t' || *p == ':')
		p++;
	if (*p++ != '"' || (end = strchr(p, '"')) == NULL)
		return NULL;
	if ((value = malloc((size_t)(end - p) + 1)) == NULL)
		return NULL;
	memcpy(value, p, (size_t)(end - p));
	value[end - p] = '\0';
	return value;
}
