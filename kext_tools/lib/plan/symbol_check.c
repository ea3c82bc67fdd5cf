/*
 * Symbols, checked the way FreeBSD's kernel linker resolves them: each
 * strong undefined symbol of a module must be defined by the kernel or by a
 * file the module depends on. Those are the module's MODULE_DEPEND providers
 * only, one level deep: kern_linker.c's linker_file_lookup_symbol_internal()
 * searches the file, then each of file->deps[] (filled by
 * linker_load_dependencies() from the file's own MODULE_DEPENDs, the kernel
 * first) recursing with deps = 0. ko2kext wrote those providers as the
 * kext's OSBundleLibraries, so a symbol that only a kext
 * further down the chain defines is a warning, not a pass. A symbol that
 * only a static (local) kernel definition satisfies links only while the
 * kernel's debug.link_elf_leak_locals is 1 (15.0's default): a warning too.
 *
 * Linux links differently: resolve_symbol() in kernel/module/main.c looks a
 * name up in vmlinux's exports and in those of every module loaded, not
 * only the modules .modinfo's depends= names. So a Linux module's symbol
 * passes when the kernel or any kext of the plan (its dependencies, loaded
 * first) exports it; there is no indirect case and no local one. kmod's
 * depmod (depmod_add_fake_syms()) also counts __this_module (each module
 * defines its own) and _GLOBAL_OFFSET_TABLE_ (which the loader ignores on
 * x86: ignore_undef_symbol()) as the kernel's; so do we, to agree with it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kext/bundle.h"
#include "kext/diag.h"
#include "kext/kmod.h"
#include "kext/kmod_symbols.h"
#include "kext/map.h"
#include "kext/plan.h"
#include "plan_internal.h"

/* Names listed in one diagnostic before "and N more". */
#define SHOWN_SYMBOLS	24

struct plan_symbol_cache {
	struct kext_map *by_path;	/* executable path -> struct kmod_symbols */
};

struct plan_symbol_cache *
plan_symbol_cache_new(void)
{
	struct plan_symbol_cache *c = calloc(1, sizeof(*c));

	if (c != NULL && (c->by_path = kext_map_new()) == NULL) {
		free(c);
		c = NULL;
	}
	return c;
}

static void
free_symbols(void *value)
{
	kmod_symbols_free(value);
	free(value);
}

void
plan_symbol_cache_free(struct plan_symbol_cache *c)
{
	if (c == NULL)
		return;
	kext_map_free(c->by_path, free_symbols);
	free(c);
}

/* The symbols of a bundle's executable; NULL when codeless or unreadable. */
static const struct kmod_symbols *
symbols_of(struct plan_symbol_cache *c, struct kext_bundle *b)
{
	const char *exe = b != NULL ? kext_bundle_executable_path(b) : NULL;
	struct kmod_symbols *s;
	kext_error err;
	void **slot;

	if (exe == NULL || (slot = kext_map_slot(c->by_path, exe, true)) == NULL)
		return NULL;
	if (*slot != NULL)
		return *slot;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (kmod_symbols_read(exe, s, &err) != 0) {
		free(s);
		return NULL;
	}
	*slot = s;
	return s;
}

/* Text of a list of names: "a, b, c and 3 more". */
struct names {
	char text[2048];
	size_t n;
};

static void
names_add(struct names *l, const char *name, const char *detail)
{
	size_t used = strlen(l->text);

	if (l->n++ < SHOWN_SYMBOLS && used + 1 < sizeof(l->text))
		snprintf(l->text + used, sizeof(l->text) - used, "%s%s%s%s", used ? ", " : "",
		    name, detail ? " " : "", detail ? detail : "");
}

static const char *
names_more(const struct names *l, char *buf, size_t len)
{
	if (l->n > SHOWN_SYMBOLS)
		snprintf(buf, len, " and %zu more", l->n - SHOWN_SYMBOLS);
	else
		buf[0] = '\0';
	return buf;
}

/* The identifier of a plan item other than self that defines (exports) name, or NULL. */
static const char *
indirect_provider(const struct kext_plan *p, size_t self, struct plan_symbol_cache *c,
    const char *name)
{
	for (size_t i = 0; i < kext_plan_count(p); i++) {
		const struct kext_plan_item *it = kext_plan_at(p, i);
		const struct kmod_symbols *s;

		if (i != self && (s = symbols_of(c, it->bundle)) != NULL &&
		    kmod_symbols_has(&s->defined, name))
			return it->identifier;
	}
	return NULL;
}

/* What depmod counts as defined whatever the kernel's symbols say. */
static bool
linux_implicit(const char *name)
{
	return strcmp(name, "__this_module") == 0 || strcmp(name, "_GLOBAL_OFFSET_TABLE_") == 0;
}

/* A Linux module's symbols: any kext of the plan may provide them. */
static int
check_linux(const struct kext_plan *p, size_t item, const struct kmod_symbols *kernel,
    struct plan_symbol_cache *c, const struct kmod_symbols *mine)
{
	const struct kext_plan_item *it = kext_plan_at(p, item);
	struct names missing = {"", 0};
	char more[64];

	for (size_t u = 0; u < mine->undefined.n; u++) {
		const char *name = mine->undefined.names[u];

		if (!linux_implicit(name) && !kmod_symbols_has(&kernel->defined, name) &&
		    indirect_provider(p, item, c, name) == NULL)
			names_add(&missing, name, NULL);
	}
	if (missing.n > 0)
		kext_diags_add(kext_bundle_diags(it->bundle), KEXT_DIAG_DEPENDENCY,
		    KEXT_DIAG_SYMBOLS_UNDEFINED, "%s - %s%s", kext_bundle_executable_path(it->bundle),
		    missing.text, names_more(&missing, more, sizeof(more)));
	return missing.n > 0 ? -1 : 0;
}

int
plan_check_symbols(const struct kext_plan *p, size_t item, const struct kmod_symbols *kernel,
    struct plan_symbol_cache *c)
{
	const struct kext_plan_item *it = kext_plan_at(p, item);
	const struct kmod_symbols *mine = symbols_of(c, it->bundle);
	struct names missing = {"", 0}, indirect = {"", 0}, local = {"", 0};
	struct kext_diags *d;
	char more[64], via[128];

	if (mine == NULL)
		return 0;	/* codeless, or the executable checks report it */
	d = kext_bundle_diags(it->bundle);
	if (mine->os != kernel->os) {
		kext_diags_add(d, KEXT_DIAG_WARNING, KEXT_DIAG_SYMBOLS_OTHER_OS, "%s - a %s module, "
		    "%s kernel symbols", kext_bundle_executable_path(it->bundle),
		    kmod_os_name(mine->os), kmod_os_name(kernel->os));
		return 0;
	}
	if (mine->os == KMOD_OS_LINUX)
		return check_linux(p, item, kernel, c, mine);
	for (size_t u = 0; u < mine->undefined.n; u++) {
		const char *name = mine->undefined.names[u], *who;
		bool found = kmod_symbols_has(&kernel->defined, name);

		for (size_t j = 0; !found && j < it->ndeps; j++) {
			const struct kmod_symbols *s =
			    symbols_of(c, kext_plan_at(p, it->deps[j])->bundle);

			found = s != NULL && kmod_symbols_has(&s->defined, name);
		}
		if (found)
			continue;
		if ((who = indirect_provider(p, item, c, name)) != NULL) {
			snprintf(via, sizeof(via), "(in %s)", who);
			names_add(&indirect, name, via);
		} else if (kmod_symbols_has(&kernel->locals, name)) {
			names_add(&local, name, NULL);
		} else {
			names_add(&missing, name, NULL);
		}
	}
	if (missing.n > 0)
		kext_diags_add(d, KEXT_DIAG_DEPENDENCY, KEXT_DIAG_SYMBOLS_UNDEFINED, "%s - %s%s",
		    kext_bundle_executable_path(it->bundle), missing.text,
		    names_more(&missing, more, sizeof(more)));
	if (indirect.n > 0)
		kext_diags_add(d, KEXT_DIAG_WARNING, KEXT_DIAG_SYMBOLS_INDIRECT, "%s - %s%s",
		    kext_bundle_executable_path(it->bundle), indirect.text,
		    names_more(&indirect, more, sizeof(more)));
	if (local.n > 0)
		kext_diags_add(d, KEXT_DIAG_WARNING, KEXT_DIAG_SYMBOLS_KERNEL_LOCAL, "%s - %s%s",
		    kext_bundle_executable_path(it->bundle), local.text,
		    names_more(&local, more, sizeof(more)));
	return missing.n > 0 ? -1 : 0;
}
