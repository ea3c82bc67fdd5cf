/*
 * The shape of a binary property list, checked before libplist parses it:
 * libplist 2.2 parses containers recursively, so ~100,000 nested arrays
 * (under 1 MB) overflow the stack before any depth check of ours could run.
 * This walk is iterative, visits each object once (a shared object is not
 * walked again), and stops as soon as the nesting passes max_depth.
 *
 * Layout used (the trailer's last 32 bytes: offset size at byte 6, object
 * reference size at 7, object count at 8, top object at 16, offset table at
 * 24, big-endian): the format as libplist's bplist.c reads it. Markers:
 * 0xA array, 0xC set, 0xD dictionary (keys then values); a low nibble of 0xF
 * means the count follows as an integer object (0x1N, 2^N bytes).
 */
#include "cflite_internal.h"

#include <stdint.h>
#include <stdlib.h>

struct bpl {
	const UInt8 *p;
	size_t n;
	unsigned osz, rsz;
	uint64_t nobj, table;
};

struct frame {
	uint64_t obj, refs, nrefs, next;
	unsigned height;	/* tallest child seen so far */
};

/* Offset of object i, or 0 when it is not inside the object area. */
static uint64_t
object_offset(const struct bpl *b, uint64_t i)
{
	uint64_t off = cflite_be_uint(b->p + b->table + i * b->osz, b->osz);

	return off >= 8 && off < b->table ? off : 0;
}

/*
 * For a container at off: where its references start and how many there
 * are. 0 for anything else, 1 for a container, -1 when its count claims more
 * references than the file holds.
 */
static int
container_refs(const struct bpl *b, uint64_t off, uint64_t *refs, uint64_t *nrefs)
{
	unsigned type = b->p[off] >> 4, w;
	uint64_t count = b->p[off] & 0xf, at = off + 1;

	if (type != 0xa && type != 0xc && type != 0xd)
		return 0;
	if (count == 0xf) {
		if (at >= b->table || (b->p[at] >> 4) != 1 || (w = 1u << (b->p[at] & 0xf)) > 8 ||
		    at + 1 + w > b->table)
			return -1;
		count = cflite_be_uint(b->p + at + 1, w);
		at += 1 + w;
	}
	if (count > (b->table - at) / b->rsz / (type == 0xd ? 2 : 1))
		return -1;
	*refs = at;
	*nrefs = type == 0xd ? 2 * count : count;
	return 1;
}

enum { NEW, OPEN, DONE };

/*
 * 0 when the file may go to libplist; -1 when it must not, with *why set
 * (or left NULL when the nesting passes max_depth: the caller words that).
 */

int
cflite_bplist_check_shape(const char *bytes, size_t n, unsigned max_depth, const char **why)
{
	struct bpl b = { .p = (const UInt8 *)bytes, .n = n };
	struct frame *stack;
	UInt8 *state, *height;
	uint64_t top;
	size_t sp = 0;
	int rc = 0;

	*why = NULL;
	if (n < 8 + 32)
		return 0;	/* libplist rejects it */
	b.osz = b.p[n - 32 + 6];
	b.rsz = b.p[n - 32 + 7];
	b.nobj = cflite_be_uint(b.p + n - 32 + 8, 8);
	top = cflite_be_uint(b.p + n - 32 + 16, 8);
	b.table = cflite_be_uint(b.p + n - 32 + 24, 8);
	if (b.osz < 1 || b.osz > 8 || b.rsz < 1 || b.rsz > 8 || b.table < 8 ||
	    b.table >= n - 32 || b.nobj > (n - 32 - b.table) / b.osz || top >= b.nobj ||
	    max_depth == 0 || max_depth > 255)
		return 0;	/* malformed: libplist rejects it without recursing */
	state = calloc(b.nobj, 2);
	stack = calloc(max_depth + 1, sizeof(*stack));
	if (state == NULL || stack == NULL) {
		free(state);
		free(stack);
		*why = "out of memory";
		return -1;
	}
	height = state + b.nobj;
	stack[sp++] = (struct frame){ .obj = top };
	state[top] = OPEN;
	if (object_offset(&b, top) == 0)
		sp = 0;		/* libplist rejects it */
	else if (container_refs(&b, object_offset(&b, top), &stack[0].refs, &stack[0].nrefs) < 0)
		rc = -1;
	while (rc == 0 && sp > 0) {
		struct frame *f = &stack[sp - 1];
		uint64_t child, off;

		if (f->next == f->nrefs) {	/* every child seen: f is done */
			state[f->obj] = DONE;
			height[f->obj] = (UInt8)(f->height + 1);
			if (--sp > 0 && stack[sp - 1].height < height[f->obj])
				stack[sp - 1].height = height[f->obj];
			continue;
		}
		child = cflite_be_uint(b.p + f->refs + f->next++ * b.rsz, b.rsz);
		if (child >= b.nobj || (off = object_offset(&b, child)) == 0)
			continue;	/* libplist rejects the reference */
		if (state[child] == DONE) {
			if (f->height < height[child])
				f->height = height[child];
			continue;
		}
		if (state[child] == OPEN) {
			*why = "an array or dictionary contains itself";
			rc = -1;
			break;
		}
		if (sp == max_depth) {	/* child would be at depth max_depth + 1 */
			rc = -1;
			break;
		}
		stack[sp] = (struct frame){ .obj = child };
		switch (container_refs(&b, off, &stack[sp].refs, &stack[sp].nrefs)) {
		case -1:
			*why = "an array or dictionary claims more elements than the file holds";
			rc = -1;
			break;
		case 0:		/* a leaf: height 1 */
			state[child] = DONE;
			height[child] = 1;
			if (f->height < 1)
				f->height = 1;
			break;
		default:
			state[child] = OPEN;
			sp++;
		}
	}
	if (rc != 0 && *why == NULL && sp < max_depth)
		*why = "an array or dictionary claims more elements than the file holds";
	free(state);
	free(stack);
	return rc;
}
