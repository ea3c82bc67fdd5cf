/*
 * Hash indexes over the sim kernel's loaded files (by file name, by
 * MODULE_VERSION name, by module name), so a load looks its names up
 * instead of scanning every loaded file: loading N files stays linear.
 * Built when a transaction starts, kept up to date as files come and go;
 * without memory for it the index is dropped and callers scan.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_sim.h"

struct sim_index_entry {
	const char *key;	/* the file's own string: removed before the file is freed */
	uint32_t hash;
	int id, value, idx;
	int next;		/* in the bucket, or the free list; -1 ends */
};

struct sim_index_map {
	int *heads;
	size_t nbuckets, live, cap, used;
	struct sim_index_entry *e;
	int free_head;
};

struct sim_index {
	struct sim_index_map map[SIM_KEY_COUNT];
};

static uint32_t
hash_of(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static bool
rehash(struct sim_index_map *m, size_t nbuckets)
{
	int *heads = malloc(nbuckets * sizeof(*heads));

	if (heads == NULL)
		return false;
	for (size_t b = 0; b < nbuckets; b++)
		heads[b] = -1;
	for (size_t b = 0; b < m->nbuckets; b++)
		for (int i = m->heads[b], next; i >= 0; i = next) {
			size_t nb = m->e[i].hash & (nbuckets - 1);

			next = m->e[i].next;
			m->e[i].next = heads[nb];
			heads[nb] = i;
		}
	free(m->heads);
	m->heads = heads;
	m->nbuckets = nbuckets;
	return true;
}

static bool
map_add(struct sim_index_map *m, const char *key, int id, int value, int idx)
{
	struct sim_index_entry *e;
	size_t b;
	int i;

	if (m->live + 1 > m->nbuckets && !rehash(m, m->nbuckets ? m->nbuckets * 2 : 64))
		return false;
	if (m->free_head >= 0) {
		i = m->free_head;
		m->free_head = m->e[i].next;
	} else {
		if (m->used == m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 64;

			if (cap > INT32_MAX || (e = realloc(m->e, cap * sizeof(*e))) == NULL)
				return false;
			m->e = e;
			m->cap = cap;
		}
		i = (int)m->used++;
	}
	e = &m->e[i];
	e->key = key;
	e->hash = hash_of(key);
	e->id = id;
	e->value = value;
	e->idx = idx;
	b = e->hash & (m->nbuckets - 1);
	e->next = m->heads[b];
	m->heads[b] = i;
	m->live++;
	return true;
}

/* Removes the entry of file id under key (the file's own string). */
static void
map_remove(struct sim_index_map *m, const char *key, int id)
{
	uint32_t h;
	int *link;

	if (key == NULL || m->nbuckets == 0)
		return;
	h = hash_of(key);
	for (link = &m->heads[h & (m->nbuckets - 1)]; *link >= 0; link = &m->e[*link].next) {
		struct sim_index_entry *e = &m->e[*link];

		if (e->id == id && e->key == key) {
			int i = *link;

			*link = e->next;
			e->next = m->free_head;
			m->free_head = i;
			m->live--;
			return;
		}
	}
}

static void
index_free(struct sim_index *ix)
{
	if (ix == NULL)
		return;
	for (int k = 0; k < SIM_KEY_COUNT; k++) {
		free(ix->map[k].heads);
		free(ix->map[k].e);
	}
	free(ix);
}

void
sim_index_drop(struct sim_state *st)
{
	index_free(st->index);
	st->index = NULL;
}

static bool
index_file(struct sim_index *ix, const struct sim_file *f)
{
	size_t j;

	if (f->name == NULL || !map_add(&ix->map[SIM_KEY_NAME], f->name, f->id, 0, 0))
		return false;
	for (j = 0; j < f->num_versions; j++)
		if (!map_add(&ix->map[SIM_KEY_VERSION], f->versions[j].name, f->id,
		    f->versions[j].version, (int)j))
			return false;
	for (j = 0; j < f->num_modules; j++)
		if (!map_add(&ix->map[SIM_KEY_MODULE], f->modules[j].name, f->id,
		    f->modules[j].id, (int)j))
			return false;
	return true;
}

void
sim_index_build(struct sim_state *st)
{
	struct sim_index *ix;

	if (st->index != NULL)
		return;
	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		return;
	for (int k = 0; k < SIM_KEY_COUNT; k++)
		ix->map[k].free_head = -1;
	for (size_t i = 0; i < st->num_files; i++)
		if (!index_file(ix, &st->files[i])) {
			index_free(ix);
			return;
		}
	st->index = ix;
}

void
sim_index_add_file(struct sim_state *st, const struct sim_file *f)
{
	if (st->index != NULL && !index_file(st->index, f))
		sim_index_drop(st);	/* partly added: callers scan until it is built again */
}

void
sim_index_remove_file(struct sim_state *st, const struct sim_file *f)
{
	struct sim_index *ix = st->index;
	size_t j;

	if (ix == NULL)
		return;
	map_remove(&ix->map[SIM_KEY_NAME], f->name, f->id);
	for (j = 0; j < f->num_versions; j++)
		map_remove(&ix->map[SIM_KEY_VERSION], f->versions[j].name, f->id);
	for (j = 0; j < f->num_modules; j++)
		map_remove(&ix->map[SIM_KEY_MODULE], f->modules[j].name, f->id);
}

size_t
sim_index_find(const struct sim_state *st, enum sim_key key, const char *name,
    struct sim_hit *hits, size_t max)
{
	const struct sim_index_map *m = &st->index->map[key];
	uint32_t h = hash_of(name);
	size_t n = 0;

	if (m->nbuckets == 0)
		return 0;
	for (int i = m->heads[h & (m->nbuckets - 1)]; i >= 0; i = m->e[i].next) {
		const struct sim_index_entry *e = &m->e[i];

		if (e->hash != h || strcmp(e->key, name) != 0)
			continue;
		if (n < max) {
			hits[n].id = e->id;
			hits[n].value = e->value;
			hits[n].idx = e->idx;
		}
		n++;
	}
	return n;
}
