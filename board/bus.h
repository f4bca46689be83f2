/*
 * Port I/O and MMIO dispatch.
 *
 * Regions are (base, length, ops, opaque). The accelerator hands every exit or
 * access to bus_read()/bus_write(). An access nobody claims reads as all ones,
 * is logged under -d guest_errors, and is otherwise harmless.
 * Callers hold the board lock (board.h) around dispatch; device callbacks run
 * with it held and may (un)register regions, e.g. when a BAR moves.
 */
#ifndef BOARD_BUS_H
#define BOARD_BUS_H

#include <stdint.h>

struct bus_ops {
	/* offset is relative to the region base; size is 1, 2, 4 or 8 */
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
	void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
};

struct bus_region {
	uint64_t base, len;
	const struct bus_ops *ops;
	void *opaque;
	const char *name;
};

struct bus {
	const char *name;		/* "pio" or "mmio", for messages */
	unsigned n, cap;
	struct bus_region *r;		/* sorted by base, never overlapping */
};

void bus_init(struct bus *b, const char *name);
void bus_destroy(struct bus *b);
/* -EEXIST if it overlaps a region (whose name is put in *clash), -EINVAL on len 0/overflow. */
int bus_register(struct bus *b, uint64_t base, uint64_t len, const struct bus_ops *ops,
		 void *opaque, const char *name, const char **clash);
/* Remove the region registered with this opaque at base; -ENOENT if none. */
int bus_unregister(struct bus *b, uint64_t base, void *opaque);
const struct bus_region *bus_find(const struct bus *b, uint64_t addr);

uint64_t bus_read(struct bus *b, uint64_t addr, unsigned size);
void bus_write(struct bus *b, uint64_t addr, uint64_t value, unsigned size);

#endif
