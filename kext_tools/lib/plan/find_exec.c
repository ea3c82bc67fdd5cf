/*
 * -exec's command line (see find.h). As Apple's evalExec in kext_tools'
 * kextfind_query.c: in each word "{info-dictionary}" becomes the Info.plist's
 * path, "{executable}" the executable's when there is one, then "{}" the
 * bundle's path; every occurrence, anywhere in the word. No shell is
 * involved: the tool runs the words as they come out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "find_internal.h"
#include "kext/bundle.h"
#include "kext/error.h"
#include "kext/find.h"

/* word with every from replaced by to (malloc'd), or NULL when out of memory. */
static char *
replace_all(const char *word, const char *from, const char *to)
{
	size_t flen = strlen(from), tlen = strlen(to), count = 0, len;
	const char *s;
	char *out, *o;

	for (s = word; (s = strstr(s, from)) != NULL; s += flen)
		count++;
	len = strlen(word) - count * flen + count * tlen;
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (o = out, s = word;;) {
		const char *hit = strstr(s, from);
		size_t keep = hit != NULL ? (size_t)(hit - s) : strlen(s);

		memcpy(o, s, keep);
		o += keep;
		if (hit == NULL)
			break;
		memcpy(o, to, tlen);
		o += tlen;
		s = hit + flen;
	}
	*o = '\0';
	return out;
}

void
kext_find_exec_argv_free(char **argv)
{
	for (size_t i = 0; argv != NULL && argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

int
kext_find_exec_argv(const struct kext_find_action *a, struct kext_find_item *it,
    char ***out, kext_error *err)
{
	const char *exe = kext_bundle_executable_path(it->bundle);
	const char *const from[] = {"{info-dictionary}", "{executable}", "{}"};
	const char *const to[] = {kext_bundle_info_plist_path(it->bundle), exe,
	    kext_bundle_path(it->bundle)};
	char **argv = calloc(a->argc + 1, sizeof(*argv));

	*out = NULL;
	if (argv == NULL)
		return kext_fail(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < a->argc; i++) {
		char *word = strdup(a->argv[i]);

		for (size_t k = 0; word != NULL && k < sizeof(from) / sizeof(from[0]); k++) {
			char *next;

			if (to[k] == NULL)
				continue;	/* no executable: "{executable}" stays */
			next = replace_all(word, from[k], to[k]);
			free(word);
			word = next;
		}
		if ((argv[i] = word) == NULL) {
			kext_find_exec_argv_free(argv);
			return kext_fail(err, ENOMEM, "out of memory");
		}
	}
	*out = argv;
	return 0;
}
