/*
 * QEMU's isa-debug-exit: a guest write of v ends the VM with exit status
 * (v << 1) | 1, so a test guest can report success/failure through the
 * exit code (status 1 is "wrote 0"; a clean VMM exit is 0).
 *
 * Contract: debug_exit_ops serves [iobase, iobase + iosize) (defaults 0xf4
 * and 4, the properties "iobase" and "iosize" of the device type). Any
 * access of 1, 2 or 4 bytes at any offset exits with the value written (as
 * QEMU: the width's value, whatever the offset); 8-byte accesses are
 * logged and ignored. Reads return 0.
 */
#ifndef BOARD_DEBUG_EXIT_H
#define BOARD_DEBUG_EXIT_H

#include <stdint.h>

#include "board/bus.h"

#define DEBUG_EXIT_IOBASE	0xf4
#define DEBUG_EXIT_IOSIZE	4

struct debug_exit {
	uint32_t iobase, iosize;
	void (*exit)(void *opaque, int status);
	void *opaque;
};

extern const struct bus_ops debug_exit_ops;

/* The exit status for a written value, as QEMU computes it. */
static inline int debug_exit_status(uint64_t value)
{
	return (int)(uint32_t)((value << 1) | 1);
}

#endif
