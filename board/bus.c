/*
 * PIO/MMIO dispatch: a sorted array of non-overlapping regions and a binary
 * search. Accesses that straddle a region edge are split into bytes so each
 * device only ever sees offsets inside its own region.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "board/bus.h"
#include "board/log.h"

void bus_init(struct bus *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
}

void bus_destroy(struct bus *b)
{
	free(b->r);
	b->r = NULL;
	b->n = b->cap = 0;
}

/* Index of the first region whose end is above addr (may be b->n). */
static unsigned bus_lower_bound(const struct bus *b, uint64_t addr)
{
	unsigned lo = 0, hi = b->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct bus_region *r = &b->r[mid];

		if (r->base + (r->len - 1) < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct bus_region *bus_find(const struct bus *b, uint64_t addr)
{
	unsigned i = bus_lower_bound(b, addr);

	if (i < b->n && b->r[i].base <= addr)
		return &b->r[i];
	return NULL;
}

int bus_register(struct bus *b, uint64_t base, uint64_t len, const struct bus_ops *ops,
		 void *opaque, const char *name, const char **clash)
{
	uint64_t last;
	unsigned i;

	if (!len || !ops || base + (len - 1) < base)
		return -EINVAL;
	last = base + (len - 1);
	i = bus_lower_bound(b, base);
	/* r[i] is the first region ending at or after base: it overlaps iff it starts <= last */
	if (i < b->n && b->r[i].base <= last) {
		if (clash)
			*clash = b->r[i].name ? b->r[i].name : "?";
		return -EEXIST;
	}
	if (b->n == b->cap) {
		unsigned cap = b->cap ? b->cap * 2 : 16;
		struct bus_region *r = realloc(b->r, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		b->r = r;
		b->cap = cap;
	}
	memmove(&b->r[i + 1], &b->r[i], (b->n - i) * sizeof(*b->r));
	b->r[i] = (struct bus_region){
		.base = base, .len = len, .ops = ops, .opaque = opaque, .name = name,
	};
	b->n++;
	return 0;
}

int bus_unregister(struct bus *b, uint64_t base, void *opaque)
{
	unsigned i = bus_lower_bound(b, base);

	if (i >= b->n || b->r[i].base != base || b->r[i].opaque != opaque)
		return -ENOENT;
	memmove(&b->r[i], &b->r[i + 1], (b->n - i - 1) * sizeof(*b->r));
	b->n--;
	return 0;
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static bool size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* The region wholly containing [addr, addr+size), or NULL. */
static const struct bus_region *bus_find_whole(const struct bus *b, uint64_t addr, unsigned size)
{
	const struct bus_region *r = bus_find(b, addr);

	if (r && r->len >= size && addr - r->base <= r->len - size)
		return r;
	return NULL;
}

uint64_t bus_read(struct bus *b, uint64_t addr, unsigned size)
{
	const struct bus_region *r;
	uint64_t v = 0;
	unsigned i;

	if (!size || size > 8) {
		guest_error("%s: read of bad size %u at 0x%llx", b->name, size,
			    (unsigned long long)addr);
		return ~0ull;
	}
	r = bus_find_whole(b, addr, size);
	if (r && size_ok(size)) {
		const struct bus_ops *ops = r->ops;
		void *opaque = r->opaque;
		uint64_t off = addr - r->base;

		if (!ops->read)
			return size_mask(size);
		return ops->read(opaque, off, size) & size_mask(size);
	}
	if (!r && !bus_find(b, addr) && !bus_find(b, addr + size - 1) &&
	    bus_lower_bound(b, addr) == bus_lower_bound(b, addr + size - 1)) {
		guest_error("%s: unassigned read%u at 0x%llx", b->name, size * 8,
			    (unsigned long long)addr);
		return size_mask(size);
	}
	/* straddles an edge (or odd size): byte by byte, little endian */
	for (i = 0; i < size; i++)
		v |= (bus_read(b, addr + i, 1) & 0xff) << (8 * i);
	return v;
}

void bus_write(struct bus *b, uint64_t addr, uint64_t value, unsigned size)
{
	const struct bus_region *r;
	unsigned i;

	if (!size || size > 8) {
		guest_error("%s: write of bad size %u at 0x%llx", b->name, size,
			    (unsigned long long)addr);
		return;
	}
	value &= size_mask(size);
	r = bus_find_whole(b, addr, size);
	if (r && size_ok(size)) {
		if (r->ops->write)
			r->ops->write(r->opaque, addr - r->base, value, size);
		return;
	}
	if (!r && !bus_find(b, addr) && !bus_find(b, addr + size - 1) &&
	    bus_lower_bound(b, addr) == bus_lower_bound(b, addr + size - 1)) {
		guest_error("%s: unassigned write%u at 0x%llx value 0x%llx", b->name, size * 8,
			    (unsigned long long)addr, (unsigned long long)value);
		return;
	}
	for (i = 0; i < size; i++)
		bus_write(b, addr + i, (value >> (8 * i)) & 0xff, 1);
}
