/* kextlibs: the libraries a kext needs (kext/libs.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kext/bundle.h"
#include "kext/error.h"
#include "kext/kmod_symbols.h"
#include "kext/libs.h"
#include "kext/repo.h"
#include "kext/sort.h"
#include "kext/text.h"

struct provider {
	const char *identifier;		/* borrowed from the candidate or the kernel */
	const char *version;
	struct kmod_symbols own;	/* what its executable defines */
	size_t used;
};

void
kext_libs_result_free(struct kext_libs_result *r)
{
	for (size_t i = 0; i < r->num_libs; i++) {
		free(r->libs[i].identifier);
		free(r->libs[i].version);
	}
	for (size_t i = 0; i < r->num_symbols; i++) {
		free(r->symbols[i].name);
		free(r->symbols[i].providers);
	}
	free(r->libs);
	free(r->symbols);
	memset(r, 0, sizeof(*r));
}

static int
cmp_provider(const void *a, const void *b)
{
	return strcmp(((const struct provider *)a)->identifier,
	    ((const struct provider *)b)->identifier);
}

/* The best candidate of each library identifier but self's, with symbols read. */
static int
gather(struct kext_repos *repos, const char *self, bool compat, struct provider **out,
    size_t *n, kext_error *err)
{
	const struct kext_candidate **all;
	size_t count;

	*out = NULL;
	*n = 0;
	if (kext_repos_all(repos, &all, &count, err) != 0)
		return -1;
	if ((*out = calloc(count + 1, sizeof(**out))) == NULL) {
		free(all);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < count; i++) {
		const struct kext_candidate *c = all[i], **best;
		struct kext_bundle *b;
		struct provider *p;
		size_t nbest;
		const char *exe;
		kext_error why;

		if (c->identifier == NULL || c->compatible_version <= 0 || c->kernel_component ||
		    (self != NULL && strcmp(c->identifier, self) == 0))
			continue;
		if (kext_repos_lookup(repos, c->identifier, &best, &nbest, &why) != 0)
			continue;
		if (nbest == 0 || best[0] != c) {	/* only the best of an identifier */
			free(best);
			continue;
		}
		free(best);
		if (kext_repos_open(repos, c, &b, &why) != 0 ||
		    (exe = kext_bundle_executable_path(b)) == NULL)
			continue;
		p = &(*out)[*n];
		if (kmod_symbols_read(exe, &p->own, &why) != 0)
			continue;	/* a library whose symbols cannot be read provides none */
		p->identifier = c->identifier;
		p->version = compat ? c->compatible_version_string : c->version_string;
		(*n)++;
	}
	free(all);
	/* Libraries in identifier order, so symbol lists name them the same way each run. */
	kext_sort(*out, *n, sizeof(**out), cmp_provider);
	return 0;
}

static int
add_symbol(struct kext_libs_result *r, const char *name, struct provider *provs, size_t nprov,
    const struct kext_libs_kernel *kernel, size_t *kernel_used)
{
	struct kext_libs_symbol *s = &r->symbols[r->num_symbols];
	char *list = strdup("");

	if (list == NULL || (s->name = strdup(name)) == NULL) {
		free(list);
		return -1;
	}
	r->num_symbols++;
	if (kernel->symbols != NULL && kmod_symbols_has(&kernel->symbols->defined, name)) {
		free(list);
		if ((list = strdup(kernel->identifier)) == NULL)
			return -1;
		s->num_providers++;
		(*kernel_used)++;
	}
	for (size_t i = 0; i < nprov; i++) {
		char *longer;

		if (!kmod_symbols_has(&provs[i].own.defined, name))
			continue;
		longer = kext_strdupf("%s%s%s", list, list[0] ? ", " : "", provs[i].identifier);
		free(list);
		if ((list = longer) == NULL)
			return -1;
		s->num_providers++;
		provs[i].used++;
	}
	s->providers = list;
	r->undefined += s->num_providers == 0;
	r->multiply_defined += s->num_providers > 1;
	return 0;
}

static int
add_library(struct kext_libs_result *r, const char *identifier, const char *version, size_t used)
{
	struct kext_libs_library *l = &r->libs[r->num_libs];

	if ((l->identifier = strdup(identifier)) == NULL ||
	    (l->version = strdup(version != NULL ? version : "")) == NULL) {
		free(l->identifier);
		return -1;
	}
	l->symbols = used;
	r->num_libs++;
	return 0;
}

static int
cmp_library(const void *a, const void *b)
{
	return strcmp(((const struct kext_libs_library *)a)->identifier,
	    ((const struct kext_libs_library *)b)->identifier);
}

int
kext_libs(struct kext_repos *repos, struct kext_bundle *b, const struct kext_libs_kernel *kernel,
    bool compatible_versions, struct kext_libs_result *out, kext_error *err)
{
	const char *exe = kext_bundle_executable_path(b);
	struct kmod_symbols mine;
	struct provider *provs = NULL;
	size_t nprov = 0, kernel_used = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (exe == NULL)
		return kext_fail(err, ENOEXEC, "%s: has no executable, so it needs no library",
		    kext_bundle_path(b));
	if (kmod_symbols_read(exe, &mine, err) != 0)
		return -1;
	if (gather(repos, kext_bundle_identifier(b), compatible_versions, &provs, &nprov, err) != 0)
		goto out;
	if ((out->symbols = calloc(mine.undefined.n + 1, sizeof(*out->symbols))) == NULL ||
	    (out->libs = calloc(nprov + 2, sizeof(*out->libs))) == NULL)
		goto nomem;
	for (size_t i = 0; i < mine.undefined.n; i++)
		if (add_symbol(out, mine.undefined.names[i], provs, nprov, kernel, &kernel_used) != 0)
			goto nomem;
	if (kernel_used > 0 && add_library(out, kernel->identifier, compatible_versions ?
	    kernel->compatible_version : kernel->version, kernel_used) != 0)
		goto nomem;
	for (size_t i = 0; i < nprov; i++)
		if (provs[i].used > 0 &&
		    add_library(out, provs[i].identifier, provs[i].version, provs[i].used) != 0)
			goto nomem;
	kext_sort(out->libs, out->num_libs, sizeof(out->libs[0]), cmp_library);
	rc = 0;
	goto out;
nomem:
	rc = kext_fail(err, ENOMEM, "out of memory");
out:
	for (size_t i = 0; i < nprov; i++)
		kmod_symbols_free(&provs[i].own);
	free(provs);
	kmod_symbols_free(&mine);
	if (rc != 0)
		kext_libs_result_free(out);
	return rc;
}
