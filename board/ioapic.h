/*
 * I/O APIC, 82093AA style: version 0x20 (has the EOI register), 24 pins,
 * MMIO window at 0xFEC00000 (IOREGSEL 0x00, IOWIN 0x10, EOI 0x40).
 *
 * Contract
 * - Inputs: ioapic_set_irq(ioapic, pin, level) is an irq_handler_fn. level is
 *   the electrical pin level; a redirection entry with polarity "low active"
 *   sees it inverted. Edge entries deliver on the rising edge of the asserted
 *   state; an edge that arrives while the entry is masked is dropped (82093AA
 *   datasheet: neither delivered nor held). Level entries deliver while the
 *   pin is asserted, unmasked and remote IRR is clear; delivery sets remote
 *   IRR, an EOI for the vector clears it and a pin still asserted fires again.
 * - EOI: ioapic_eoi() from the local APICs' broadcast (apic_bus eoi hook) or a
 *   guest write of the vector to the EOI register. It matches the entry's
 *   current vector and also the vector the pin was last delivered with, so
 *   re-programming an entry's vector inside its own handler cannot leave
 *   remote IRR stuck. Writing an entry never delivers twice: remote IRR is set
 *   before the message goes out, and re-entry from the delivery callback
 *   (entry writes, EOIs) is queued and serviced after it returns.
 * - Switching an entry to edge clears its remote IRR (as QEMU and KVM do;
 *   guests use it to recover a stuck level entry).
 * - Output: each delivery is an MSI-format write (address 0xFEE00000 |
 *   dest << 12 | logical << 2; data vector | mode << 8 | assert << 14 |
 *   level << 15) to the msi_sink given to ioapic_init(): msi_deliver() on our
 *   apic_bus, or KVM_SIGNAL_MSI with kernel-irqchip=split.
 * - Delivery status (bit 12) always reads 0: a message is sent at once.
 * - Callers hold the board lock.
 */
#ifndef BOARD_IOAPIC_H
#define BOARD_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/irq.h"

#define IOAPIC_BASE		0xfec00000ull
#define IOAPIC_MMIO_SIZE	0x1000
#define IOAPIC_NUM_PINS		24
#define IOAPIC_VERSION		0x20

/* MMIO offsets */
#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10
#define IOAPIC_EOI		0x40

/* register indexes */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDTBL	0x10	/* + 2 * pin (low), + 1 (high) */
#define IOAPIC_ID_SHIFT		24
#define IOAPIC_ID_MASK		0x0f	/* 4-bit ID on the 82093AA */

/* redirection entry */
#define IOAPIC_RTE_VECTOR	0xffull
#define IOAPIC_RTE_DELMODE_SHIFT 8
#define IOAPIC_RTE_DELMODE	(7ull << IOAPIC_RTE_DELMODE_SHIFT)
#define IOAPIC_RTE_DESTMODE	(1ull << 11)	/* logical */
#define IOAPIC_RTE_DELIVS	(1ull << 12)
#define IOAPIC_RTE_POLARITY	(1ull << 13)	/* low active */
#define IOAPIC_RTE_REMOTE_IRR	(1ull << 14)
#define IOAPIC_RTE_TRIGGER	(1ull << 15)	/* level */
#define IOAPIC_RTE_MASK		(1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT	56
#define IOAPIC_RTE_WRITABLE	(IOAPIC_RTE_VECTOR | IOAPIC_RTE_DELMODE | IOAPIC_RTE_DESTMODE | \
				 IOAPIC_RTE_POLARITY | IOAPIC_RTE_TRIGGER | IOAPIC_RTE_MASK | \
				 (0xffull << IOAPIC_RTE_DEST_SHIFT))

/* delivery modes (same encoding as the local APIC's and MSI's) */
#define IOAPIC_DM_FIXED		0
#define IOAPIC_DM_LOWEST	1
#define IOAPIC_DM_SMI		2
#define IOAPIC_DM_NMI		4
#define IOAPIC_DM_INIT		5
#define IOAPIC_DM_EXTINT	7

struct ioapic {
	uint8_t id;
	uint8_t ioregsel;
	uint64_t rte[IOAPIC_NUM_PINS];
	uint32_t lines;				/* electrical input levels */
	uint8_t delivered_vector[IOAPIC_NUM_PINS];
	struct msi_sink out;
	unsigned deliveries;			/* messages sent, for tests and tracing */
	bool servicing, rescan;
};

/* id: the APIC ID (0..15); out: where messages go (copied). */
void ioapic_init(struct ioapic *s, uint8_t id, const struct msi_sink *out);
/* Every entry masked, remote IRR clear, IOREGSEL 0; the ID and input levels stay. */
void ioapic_reset(struct ioapic *s);

/* irq_handler_fn: opaque is the struct ioapic, n = pin 0..23. */
void ioapic_set_irq(void *opaque, int pin, int level);
void ioapic_eoi(struct ioapic *s, uint8_t vector);
/* apic_bus EOI hook shape: opaque is the struct ioapic. */
void ioapic_eoi_handler(void *opaque, int vector);

/* Indirect registers (what IOWIN reaches); unknown indexes read 0. */
uint32_t ioapic_reg_read(struct ioapic *s, uint8_t index);
void ioapic_reg_write(struct ioapic *s, uint8_t index, uint32_t val);

uint64_t ioapic_mmio_read(void *opaque, uint64_t offset, unsigned size);
void ioapic_mmio_write(void *opaque, uint64_t offset, uint64_t val, unsigned size);
extern const struct bus_ops ioapic_mmio_ops;	/* IOAPIC_MMIO_SIZE bytes at IOAPIC_BASE */

/*
 * Device type "ioapic" (props base 0xFEC00000, apic-id 0): messages go to the
 * board's msi sink (board->msi, looked up per message). NULL if none.
 */
struct board;
struct ioapic *ioapic_find(struct board *b);

#endif
