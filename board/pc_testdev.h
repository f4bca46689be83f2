/*
 * QEMU's pc-testdev (hw/misc/pc-testdev.c), the test device kvm-unit-tests
 * and our guest tests drive. Same ports, same semantics:
 *
 *   0xe0-0xe3  32-bit latch: an access of 1, 2 or 4 bytes at offset o reads or
 *              writes bits [8o, 8o + 8 * size) of it. Unaligned accesses are
 *              invalid (logged; reads all ones, writes dropped), as on QEMU.
 *   0xe4-0xe7  "flush page": a 4-byte write of a guest address asks the host to
 *              drop its mapping of that page (KVM tests use it to force
 *              faults); here the `flush` callback gets the page address.
 *              Other widths are invalid.
 *   0xe8-0xeb  the same latch again, byte-wise implemented (identical results).
 *   0x2000-0x2017  24 irq lines: a 1-byte write of v sets GSI n to !!v.
 *              Wider accesses are invalid; reads return 0.
 *   0xff000000 64 KiB of scratch memory as MMIO: little-endian, any width.
 *
 * Nothing is reset by a system reset (QEMU's device has no reset).
 */
#ifndef BOARD_PC_TESTDEV_H
#define BOARD_PC_TESTDEV_H

#include <stdint.h>

#include "board/bus.h"
#include "board/irq.h"

#define PC_TESTDEV_LATCH_BASE	0xe0
#define PC_TESTDEV_FLUSH_BASE	0xe4
#define PC_TESTDEV_LATCH2_BASE	0xe8
#define PC_TESTDEV_PORT_LEN	4
#define PC_TESTDEV_IRQ_BASE	0x2000
#define PC_TESTDEV_NR_IRQ	24
#define PC_TESTDEV_IOMEM_BASE	0xff000000ull
#define PC_TESTDEV_IOMEM_SIZE	0x10000

struct pc_testdev {
	uint32_t latch;
	uint8_t iomem[PC_TESTDEV_IOMEM_SIZE];
	struct irq_line irq[PC_TESTDEV_NR_IRQ];	/* line n drives GSI n */
	void (*flush)(void *opaque, uint64_t page);	/* may be NULL */
	void *flush_opaque;
};

extern const struct bus_ops pc_testdev_latch_ops;	/* 0xe0 and 0xe8, length 4 each */
extern const struct bus_ops pc_testdev_flush_ops;	/* 0xe4, length 4 */
extern const struct bus_ops pc_testdev_irq_ops;		/* 0x2000, length 24 */
extern const struct bus_ops pc_testdev_iomem_ops;	/* MMIO 0xff000000, length 64 KiB */

#endif
