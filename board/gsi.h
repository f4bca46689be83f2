/*
 * GSI router: between the devices' interrupt lines and the PIC/IOAPIC.
 *
 * Contract
 * - Inputs, numbered as the board description's "interrupts" cells:
 *   0-15 ISA IRQs, 16-19 PCI INTx PIRQA-D, 20-23 plain IOAPIC pins.
 *   gsi_router_connect() gives an irq_line its own source on an input; an
 *   input's level is the OR of its sources, so shared lines work. Input 2
 *   (the 8259 cascade) cannot be connected.
 * - Outputs:
 *   ISA IRQ 0      -> PIC input 0 and IOAPIC pin 2
 *   ISA IRQ n      -> PIC input n and IOAPIC pin n (n = 1, 3..15)
 *   PIRQ k         -> IOAPIC pin 16 + k, and, routed by the PIIX PIRQ
 *                     register 0x60 + k (bit 7 set: disabled; low 4 bits:
 *                     the ISA IRQ; 0-2, 8, 13 are reserved: not routed), to
 *                     that PIC input; the PIC input is the OR of its ISA
 *                     sources and of the PIRQs routed to it.
 *   pirq_to_ioapic_isa (default true, QEMU's pc): a routed PIRQ also drives
 *   the IOAPIC pin of its ISA IRQ, so ACPI tables that route PCI through
 *   link devices to ISA IRQs (as QEMU's do) work in APIC mode.
 *   Input 20-23    -> IOAPIC pin 20-23.
 * - Sinks are a callback table, called only when an output changes: our
 *   pic_set_irq/ioapic_set_irq, or, for KVM's in-kernel irqchip, one gsi
 *   callback (KVM_IRQ_LINE) that replaces both: it gets GSI n < 16 for ISA
 *   IRQ n (KVM's default routing sends GSI 0 to IOAPIC pin 2 itself) and
 *   GSI 16-23 for IOAPIC pins 16-23. gsi_router_set_sinks() switches and
 *   pushes every current level to the new sinks.
 * - Callers hold the board lock.
 */
#ifndef BOARD_GSI_H
#define BOARD_GSI_H

#include <stdbool.h>
#include <stdint.h>

#include "board/irq.h"

#define GSI_NR_INPUTS		24
#define GSI_NR_ISA		16
#define GSI_PIRQ_BASE		16
#define GSI_NR_PIRQ		4
#define GSI_NR_IOAPIC_PINS	24

#define PIIX_PIRQ_REG		0x60	/* PIRQRCA..PIRQRCD in PIIX function 0 config space */
#define PIIX_PIRQ_DISABLE	0x80
#define PIIX_PIRQ_IRQ_MASK	0x0f

struct gsi_sinks {
	void (*pic)(void *opaque, int irq, int level);		/* 8259 input 0..15 */
	void *pic_opaque;
	void (*ioapic)(void *opaque, int pin, int level);	/* IOAPIC pin 0..23 */
	void *ioapic_opaque;
	void (*gsi)(void *opaque, int gsi, int level);		/* if set: KVM mode, replaces both */
	void *gsi_opaque;
};

struct gsi_source {
	uint8_t input;
	uint8_t level;
};

struct gsi_router {
	struct gsi_sinks sinks;
	uint8_t pirq[GSI_NR_PIRQ];
	bool pirq_to_ioapic_isa;
	struct gsi_source *src;
	unsigned nsrc, src_cap;
	uint8_t pic_out[GSI_NR_ISA];
	uint8_t ioapic_out[GSI_NR_IOAPIC_PINS];
};

void gsi_router_init(struct gsi_router *r, const struct gsi_sinks *sinks);
void gsi_router_destroy(struct gsi_router *r);
/* PIRQ registers back to 0x80 (disabled); outputs recomputed. Sources keep their levels. */
void gsi_router_reset(struct gsi_router *r);
void gsi_router_set_sinks(struct gsi_router *r, const struct gsi_sinks *sinks);

/* New source on input for line (irq_connect is done here). -EINVAL, -ENOMEM. */
int gsi_router_connect(struct gsi_router *r, struct irq_line *line, unsigned input);
/* irq_handler_fn of every source: opaque = router, n = source index. */
void gsi_router_source_set(void *opaque, int n, int level);

uint8_t gsi_router_pirq_read(const struct gsi_router *r, unsigned pirq);
void gsi_router_pirq_write(struct gsi_router *r, unsigned pirq, uint8_t val);
/* The ISA IRQ PIRQ k reaches, or -1 (disabled or reserved). */
int gsi_router_pirq_route(const struct gsi_router *r, unsigned pirq);

/* OR of the sources of an input (0/1), -1 if out of range. */
int gsi_router_input_level(const struct gsi_router *r, unsigned input);

/*
 * Device type "gsi-router" (prop pirq-to-ioapic-isa, default true): feeds
 * the board's "isa-i8259" and "ioapic" (found by type at realize, so they
 * come first in the description) from board->gsi[0..23]. The chipset's
 * PIIX function forwards config writes of 0x60-0x63 to
 * gsi_router_pirq_write(gsi_router_find(b), reg - 0x60, val). The KVM
 * in-kernel glue calls gsi_router_set_sinks() with its gsi callback.
 */
struct board;
struct apic_bus;
struct gsi_router *gsi_router_find(struct board *b);

/*
 * kernel-irqchip=off and TCG: make bus the machine's APIC bus (apic_bus_init
 * on the board's timers) and wire our chips to it: PIC INT to every LINT0,
 * ExtINT INTA to the PIC, EOI broadcast to the IOAPIC, board->msi to
 * msi_bus_send. The caller then lapic_init()s one local APIC per vCPU.
 */
void gsi_wire_apic_bus(struct board *b, struct apic_bus *bus);

#endif
