/* Open-addressing hash map from strings to pointers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kext/map.h"

struct slot {
	char *key;
	void *value;
	unsigned long long hash;
};

struct kext_map {
	struct slot *slots;
	size_t cap, count;	/* cap is a power of two */
};

unsigned long long
kext_hash64(const char *s)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct kext_map *
kext_map_new(void)
{
	struct kext_map *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->cap = 64;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (m->slots == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
kext_map_free(struct kext_map *m, void (*free_value)(void *))
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		if (free_value != NULL && m->slots[i].value != NULL)
			free_value(m->slots[i].value);
		free(m->slots[i].key);
	}
	free(m->slots);
	free(m);
}

static struct slot *
find(const struct kext_map *m, const char *key, unsigned long long h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->slots[i].key != NULL) {
		if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0)
			return &m->slots[i];
		i = (i + 1) & (m->cap - 1);
	}
	return &m->slots[i];	/* the empty slot where key would go */
}

static int
grow(struct kext_map *m)
{
	struct slot *old = m->slots, *s;
	size_t i, oldcap = m->cap;

	if (m->cap > SIZE_MAX / 2 / sizeof(*m->slots))
		return -1;
	m->slots = calloc(m->cap * 2, sizeof(*m->slots));
	if (m->slots == NULL) {
		m->slots = old;
		return -1;
	}
	m->cap *= 2;
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		s = find(m, old[i].key, old[i].hash);
		*s = old[i];
	}
	free(old);
	return 0;
}

void **
kext_map_slot(struct kext_map *m, const char *key, bool create)
{
	unsigned long long h = kext_hash64(key);
	struct slot *s = find(m, key, h);

	if (s->key != NULL)
		return &s->value;
	if (!create)
		return NULL;
	/* keep the load under 1/2 so probes stay short */
	if ((m->count + 1) * 2 > m->cap) {
		if (grow(m) != 0)
			return NULL;
		s = find(m, key, h);
	}
	s->key = strdup(key);
	if (s->key == NULL)
		return NULL;
	s->hash = h;
	s->value = NULL;
	m->count++;
	return &s->value;
}

void *
kext_map_get(const struct kext_map *m, const char *key)
{
	struct slot *s = find(m, key, kext_hash64(key));

	return s->key != NULL ? s->value : NULL;
}

void
kext_map_each(struct kext_map *m, void (*fn)(const char *key, void **value,
    void *ctx), void *ctx)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key != NULL)
			fn(m->slots[i].key, &m->slots[i].value, ctx);
	}
}
