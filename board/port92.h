/*
 * System control port A (0x92, "fast A20 and reset").
 *
 * Contract: port92_ops serves the one port (length 1). Bit 0 written 0->1
 * calls `reset` (fast reset); bit 1 is the A20 gate, passed to `a20` on a
 * change and read back. Other bits are stored and read back, as QEMU does.
 * Reset clears the port (A20 via this port off). Callbacks may be NULL.
 */
#ifndef BOARD_PORT92_H
#define BOARD_PORT92_H

#include <stdbool.h>
#include <stdint.h>

#include "board/bus.h"

#define PORT92_IOBASE		0x92
#define PORT92_RESET		0x01
#define PORT92_A20		0x02

struct port92 {
	uint8_t val;
	void (*reset)(void *opaque);
	void (*a20)(void *opaque, bool enabled);
	void *cb_opaque;
};

extern const struct bus_ops port92_ops;

void port92_init(struct port92 *p, void (*reset)(void *opaque),
		 void (*a20)(void *opaque, bool enabled), void *cb_opaque);
void port92_reset(struct port92 *p);

#endif
