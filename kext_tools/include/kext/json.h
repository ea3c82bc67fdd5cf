/* JSON output shared by the engine and the tools. */
#ifndef KEXT_JSON_H
#define KEXT_JSON_H

#include <stdio.h>

/*
 * Writes str (NULL as "") as a JSON string literal: valid UTF-8 as it is,
 * quotes, backslashes and control characters escaped, any other byte as
 * \u00XX, so the output is valid JSON whatever the input holds.
 */
void kext_json_string(FILE *fp, const char *str);

#endif
