/*
 * The boot set: which kexts are marked for early boot, and in which order
 * they load (see boot.h). Shared by boot.c and boot_loader_conf.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_internal.h"
#include "kext/fbsd_version.h"
#include "kext/loaded.h"
#include "kext/sort.h"

static const struct {
	const char *name;
	unsigned bit;
} required_values[] = {
	{"Root", KEXT_BOOT_ROOT},
	{"Local-Root", KEXT_BOOT_LOCAL_ROOT},
	{"Network-Root", KEXT_BOOT_NETWORK_ROOT},
	{"Console", KEXT_BOOT_CONSOLE},
	{"Safe Boot", KEXT_BOOT_SAFE_BOOT},
};

unsigned
kext_boot_required_bit(const char *value)
{
	for (size_t i = 0; value != NULL && i < sizeof(required_values) /
	    sizeof(required_values[0]); i++)
		if (strcmp(value, required_values[i].name) == 0)
			return required_values[i].bit;
	return 0;
}

char *
kext_boot_system_folder(const char *root)
{
	size_t len = root != NULL ? strlen(root) : 0;
	char *s;

	while (len > 0 && root[len - 1] == '/')
		len--;
	if (asprintf(&s, "%.*s%s", (int)len, len ? root : "", KEXT_SYSTEM_EXTENSIONS) < 0)
		return NULL;
	return s;
}

void
boot_set_free(struct boot_set *s)
{
	free(s->items);
	memset(s, 0, sizeof(*s));
}

static bool
listed(const struct boot_set *s, const char *identifier)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->items[i].identifier, identifier) == 0)
			return true;
	return false;
}

/* The bundle kextload -b would pick: the best version that opens. */
static struct kext_bundle *
best_bundle(struct kext_repos *repos, const char *identifier)
{
	const struct kext_candidate **cands;
	struct kext_bundle *b = NULL;
	size_t n;

	for (int attempt = 0; b == NULL && attempt < 2; attempt++) {
		bool stale = false;
		kext_error why;

		if (kext_repos_lookup(repos, identifier, &cands, &n, NULL) != 0)
			return NULL;
		for (size_t i = 0; b == NULL && !stale && i < n; i++)
			if (kext_repos_open(repos, cands[i], &b, &why) != 0) {
				b = NULL;
				stale = why.code == ESTALE;
			}
		free(cands);
		if (!stale)
			break;
	}
	return b;
}

static int
by_identifier(const void *a, const void *b)
{
	return strcmp(((const struct boot_item *)a)->identifier,
	    ((const struct boot_item *)b)->identifier);
}

static int
by_rank(const void *a, const void *b)
{
	const struct boot_item *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->identifier, y->identifier);
}

int
boot_set_make(struct kext_repos *repos, unsigned required, struct boot_set *s, kext_error *err)
{
	const struct kext_candidate **all;
	size_t count;

	memset(s, 0, sizeof(*s));
	if (kext_repos_all(repos, &all, &count, err) != 0)
		return -1;
	if ((s->items = calloc(count + 1, sizeof(*s->items))) == NULL) {
		free(all);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < count; i++) {
		const struct kext_candidate *c = all[i];
		struct kext_bundle *b;

		/* The kernel kext stands for the running kernel: there is nothing to load. */
		if (c->identifier == NULL || c->kernel_component || listed(s, c->identifier) ||
		    (b = best_bundle(repos, c->identifier)) == NULL ||
		    kext_bundle_is_kernel_component(b) ||
		    (kext_boot_required_bit(kext_bundle_required(b)) & required) == 0)
			continue;
		s->items[s->n].identifier = kext_bundle_identifier(b);
		s->items[s->n].required = kext_bundle_required(b);
		s->items[s->n].bundle = b;
		s->n++;
	}
	free(all);
	kext_sort(s->items, s->n, sizeof(*s->items), by_identifier);
	return 0;
}

int
boot_kernel_view(int osreldate, struct kext_loaded *kernel, kext_error *err)
{
	char v[KEXT_FBSD_VERSION_STRMAX], c[KEXT_FBSD_VERSION_STRMAX];

	if (kext_fbsd_osreldate_string(osreldate, v, sizeof(v)) != 0 ||
	    kext_fbsd_osreldate_compat_string(osreldate, c, sizeof(c)) != 0)
		return kext_fail(err, EINVAL, "%d is not a __FreeBSD_version (such as 1500068)",
		    osreldate);
	kernel->identifier = KEXT_KERNEL_BUNDLE_ID;
	kernel->version = kext_version_parse(v);
	kernel->compatible_version = kext_version_parse(c);
	return 0;
}

int
boot_plan(struct kext_repos *repos, struct boot_set *s, int osreldate, bool strict,
    struct kext_plan **out, kext_error *err)
{
	struct kext_plan_options opts = {.nloaded = 1};
	struct kext_loaded kernel;
	struct kext_plan *plan;

	if (boot_kernel_view(osreldate, &kernel, err) != 0)
		return -1;
	opts.loaded = &kernel;
	if (kext_plan_create(repos, &opts, &plan, err) != 0)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		kext_error why;

		if (kext_plan_add(plan, s->items[i].bundle, &why) != 0 && strict) {
			kext_plan_free(plan);
			*err = why;
			return -1;
		}
	}
	/* Planned kexts in plan order; a kext that could not be planned goes last. */
	for (size_t i = 0; i < s->n; i++) {
		long at = kext_plan_find(plan, s->items[i].identifier);

		s->items[i].rank = at < 0 ? (size_t)-1 : (size_t)at;
	}
	kext_sort(s->items, s->n, sizeof(*s->items), by_rank);
	*out = plan;
	return 0;
}
