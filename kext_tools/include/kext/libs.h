/*
 * kextlibs: the libraries a kext needs, from its undefined symbols (Apple's
 * kextlibs(8); spec apple-kext.md §4.7). Each strong undefined symbol of the
 * kext's executable is looked up in the kernel's symbols (the kernel kext
 * stands for them) and in every library kext of the repositories (a kext
 * with an OSBundleCompatibleVersion and an executable; the best version of
 * each identifier), as plain names. Each symbol is found in one library,
 * in several, or in none.
 */
#ifndef KEXT_LIBS_H
#define KEXT_LIBS_H

#include <stdbool.h>
#include <stddef.h>

#include "kext/bundle.h"
#include "kext/error.h"
#include "kext/kmod_symbols.h"
#include "kext/repo.h"

struct kext_libs_library {
	char *identifier;
	char *version;		/* CFBundleVersion, or OSBundleCompatibleVersion when asked */
	size_t symbols;		/* how many of the kext's symbols it defines */
};

struct kext_libs_symbol {
	char *name;
	size_t num_providers;
	char *providers;	/* "id1, id2" ("" when none) */
};

struct kext_libs_result {
	struct kext_libs_library *libs;	/* every library that defines a symbol, by identifier */
	size_t num_libs;
	struct kext_libs_symbol *symbols;	/* the kext's undefined symbols, by name */
	size_t num_symbols;
	size_t undefined, multiply_defined;	/* symbols in no library / in several */
};

/* The kernel as a library: its kext's identifier and version and its symbols. */
struct kext_libs_kernel {
	const char *identifier;		/* "org.freebsd.kernel" */
	const char *version;		/* as printed */
	const char *compatible_version;
	const struct kmod_symbols *symbols;
};

int kext_libs(struct kext_repos *repos, struct kext_bundle *b, const struct kext_libs_kernel *kernel,
    bool compatible_versions, struct kext_libs_result *out, kext_error *err);
void kext_libs_result_free(struct kext_libs_result *r);

#endif
