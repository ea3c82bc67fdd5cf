/* Where the tools keep what they may rebuild at any time (indexes, parsed Info.plists). */
#ifndef KEXT_CACHE_DIR_H
#define KEXT_CACHE_DIR_H

#include <stdint.h>

/* Environment variable naming the cache directory; empty turns caching off. */
#define KEXT_CACHE_DIR_ENV	"KEXT_CACHE_DIR"

/* A file changed less than this before it was read may change again unseen. */
#define KEXT_RACY_NS	(INT64_C(2) * 1000000000)

/* /var/db/kext on FreeBSD, else $XDG_CACHE_HOME/kext or ~/.cache/kext (malloc'd; NULL if none). */
char *kext_cache_dir_default(void);
/* KEXT_CACHE_DIR, else the default (malloc'd); NULL: caching is off (or out of memory). */
char *kext_cache_dir(void);
/* Creates dir and the folders above it (mode 0755); 0 when it is there. */
int kext_cache_dir_make(const char *dir);

#endif
