/*
 * Where a look-up searched, for "not found" messages: the folders and the
 * named bundles of a repository set, in the order they were added.
 */
#include <stdio.h>
#include <string.h>

#include "repo_internal.h"

const char *
kext_repos_searched(const struct kext_repos *r, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < r->nrepos && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s%s", used > 0 ? ", " : "",
		    r->repos[i]->path, r->repos[i]->is_dir ? "/" : "");

		used += n > 0 ? (size_t)n : 0;
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "no folder or kext");
	return buf;
}
