/*
 * A kext's executable read once (plan_internal.h): the module and its check
 * against the kernel come from one read of one open file, and a dry run
 * keeps them per executable so that the plans of one run (each root, then
 * all of them) do not open, read and parse it again for every check.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/bundle.h"
#include "kext/kmod.h"
#include "kext/kmod_check.h"
#include "kext/loaded.h"
#include "kext/map.h"
#include "plan_internal.h"

struct plan_exec_cache {
	struct kmod_target target;
	bool authenticate;
	struct kext_map *by_path;	/* executable path -> struct plan_exec */
};

void
plan_exec_target(const struct kext_loaded_set *set, struct kmod_target *t)
{
	*t = (struct kmod_target){.os = set->os,
	    .arch = set->arch[0] != '\0' ? set->arch : NULL,
	    .osreldate = set->os == KMOD_OS_FREEBSD ? set->osreldate : 0};
}

int
plan_exec_read(int fd, const struct stat *st, const char *path, const struct kmod_target *t,
    struct plan_exec *x)
{
	memset(x, 0, sizeof(*x));
	x->read_rc = kmod_check_read(fd, st, path, t, &x->check, &x->kf, &x->parse_err,
	    &x->read_err);
	return x->read_rc != 0 && x->read_err.code == ENOMEM ? -1 : 0;
}

void
plan_exec_fini(struct plan_exec *x)
{
	kmod_free(x->kf);
	kmod_check_free(&x->check);
	memset(x, 0, sizeof(*x));
}

struct plan_exec_cache *
plan_exec_cache_new(const struct kext_loaded_set *set, bool authenticate)
{
	struct plan_exec_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if ((c->by_path = kext_map_new()) == NULL) {
		free(c);
		return NULL;
	}
	plan_exec_target(set, &c->target);
	c->authenticate = authenticate;
	return c;
}

static void
free_exec(void *value)
{
	plan_exec_fini(value);
	free(value);
}

void
plan_exec_cache_free(struct plan_exec_cache *c)
{
	if (c == NULL)
		return;
	kext_map_free(c->by_path, free_exec);
	free(c);
}

bool
plan_exec_cache_authenticates(const struct plan_exec_cache *c)
{
	return c->authenticate;
}

/*
 * The open is the one a load makes (no link followed, authenticated when
 * asked; the bundle's own when it kept it); its file is what is read. When
 * it fails, the file is still read by its path, so its other problems are
 * reported too.
 */
const struct plan_exec *
plan_exec_cache_get(struct plan_exec_cache *c, struct kext_bundle *b)
{
	const char *exe = kext_bundle_executable_path(b);
	struct plan_exec *x;
	kext_error open_err;
	struct stat st;
	void **slot;
	int fd, open_rc, rc;

	if (exe == NULL || (slot = kext_map_slot(c->by_path, exe, true)) == NULL)
		return NULL;
	if (*slot != NULL)
		return *slot;
	if ((x = malloc(sizeof(*x))) == NULL)
		return NULL;
	open_rc = kext_bundle_open_executable(b, c->authenticate, &fd, &st, &open_err);
	rc = plan_exec_read(fd, fd >= 0 ? &st : NULL, exe, &c->target, x);
	if (fd >= 0)
		close(fd);
	if (rc != 0) {
		plan_exec_fini(x);
		free(x);
		return NULL;
	}
	x->open_rc = open_rc;
	if (open_rc != 0)
		x->open_err = open_err;
	*slot = x;
	return x;
}
