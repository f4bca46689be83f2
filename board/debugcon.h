/*
 * QEMU's isa-debugcon: a byte written to the port goes to a sink (the VMM
 * connects a file, stdout or nothing); reading returns the "readback" value
 * (0xe9 by default, so firmware can detect the port as with Bochs' 0xe9 hack).
 *
 * Contract: debugcon_ops serves one port. A write sends its low byte only
 * (a wider write is logged: on QEMU the bytes above fall off the one-port
 * region). A read returns readback in the low byte, all ones above.
 */
#ifndef BOARD_DEBUGCON_H
#define BOARD_DEBUGCON_H

#include <stdint.h>

#include "board/bus.h"

#define DEBUGCON_IOBASE		0xe9	/* QEMU's default; the pc board puts it at 0x402 */
#define DEBUGCON_READBACK	0xe9

struct board;

struct debugcon {
	uint32_t iobase, readback;
	void (*out)(void *opaque, uint8_t byte);	/* NULL: output dropped */
	void *opaque;
};

extern const struct bus_ops debugcon_ops;

/* The index-th debug console of a built board (document order), or NULL. */
struct debugcon *board_debugcon(struct board *b, unsigned index);

#endif
