/* A string-keyed hash map: identifier -> value. */
#ifndef KEXT_MAP_H
#define KEXT_MAP_H

#include <stdbool.h>
#include <stddef.h>

struct kext_map;

struct kext_map *kext_map_new(void);
/* Frees the map; free_value (optional) is called on every non-NULL value. */
void kext_map_free(struct kext_map *m, void (*free_value)(void *));

/*
 * The value slot for key (copied when created), or NULL when the key is
 * absent and create is false, or when out of memory. A new slot holds NULL.
 */
void **kext_map_slot(struct kext_map *m, const char *key, bool create);

/* Looks a key up without creating it. */
void *kext_map_get(const struct kext_map *m, const char *key);

/* Visits every (key, value) pair in no particular order. */
void kext_map_each(struct kext_map *m, void (*fn)(const char *key, void **value,
    void *ctx), void *ctx);

/* FNV-1a, 64 bits. */
unsigned long long kext_hash64(const char *s);

#endif
