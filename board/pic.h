/*
 * 8259A programmable interrupt controller pair (master 0x20/0x21, slave
 * 0xA0/0xA1, slave cascaded on master IR2) with the PIIX edge/level control
 * registers (ELCR, 0x4D0/0x4D1).
 *
 * Contract
 * - Inputs: pic_set_irq(pic, n, level) for n = 0..15 is an irq_handler_fn
 *   (opaque = struct pic *). Edge inputs latch IRR on a rising edge and keep
 *   it until the INTA cycle, so a pulse (irq_pulse) is one request, as QEMU
 *   does. Level inputs (ELCR bit, or LTIM in ICW1) follow the line: IRR is
 *   the line level and is not cleared by INTA, so a line still high after
 *   EOI is requested again.
 * - Output: int_out (connect it with irq_connect) is the INT pin: high while
 *   the master has a request that beats its in-service levels. pic_has_interrupt()
 *   says the same without the line.
 * - pic_acknowledge() is the CPU's INTA cycle and returns the vector. A
 *   request that vanished before INTA (a level line lowered, or masked) gives
 *   the spurious IRQ 7 vector of the master (no ISR bit set), or, when the
 *   master's IR2 was taken but the slave has nothing, the slave's IRQ 15
 *   vector with master ISR bit 2 set (the guest EOIs the master only).
 *   INT drops during INTA and is re-evaluated after it, so an edge-sensitive
 *   receiver (IOAPIC ExtINT pin) sees a new edge for the next request.
 * - Registers: pic_port_read/pic_port_write take the absolute port (0x20,
 *   0x21, 0xA0, 0xA1, 0x4D0, 0x4D1); the bus_ops below take an offset in a
 *   2-byte region whose opaque is the struct pic.
 * - Not modeled: 8080/85 mode (ICW4 bit 0 clear is logged as unimplemented
 *   and treated as 8086 mode), buffered mode, more than one slave.
 * - Callers hold the board lock; nothing here sleeps or allocates.
 */
#ifndef BOARD_PIC_H
#define BOARD_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/irq.h"

#define PIC_MASTER_BASE		0x20
#define PIC_SLAVE_BASE		0xa0
#define PIC_ELCR_BASE		0x4d0
#define PIC_CASCADE_IRQ		2
/* PIIX: IRQ 0, 1, 2, 8 and 13 are always edge */
#define PIC_ELCR_MASK_MASTER	0xf8
#define PIC_ELCR_MASK_SLAVE	0xde

/* ICW1 (port A0=0 with bit 4 set) */
#define PIC_ICW1_IC4		0x01	/* ICW4 follows */
#define PIC_ICW1_SNGL		0x02	/* single: no ICW3 */
#define PIC_ICW1_LTIM		0x08	/* level-triggered on every input */
#define PIC_ICW1_INIT		0x10
/* ICW4 */
#define PIC_ICW4_UPM		0x01	/* 8086 mode */
#define PIC_ICW4_AEOI		0x02
#define PIC_ICW4_SFNM		0x10	/* special fully nested */
/* OCW2 (A0=0, bits 4:3 = 00): R SL EOI in bits 7:5, level in 2:0 */
#define PIC_OCW2_EOI		0x20
#define PIC_OCW2_SL		0x40
#define PIC_OCW2_R		0x80
/* OCW3 (A0=0, bits 4:3 = 01) */
#define PIC_OCW3_SEL		0x08
#define PIC_OCW3_RIS		0x01	/* read ISR (else IRR) */
#define PIC_OCW3_RR		0x02	/* the RIS bit is valid */
#define PIC_OCW3_P		0x04	/* poll command */
#define PIC_OCW3_SMM		0x20	/* special mask mode on/off... */
#define PIC_OCW3_ESMM		0x40	/* ...if this is set */

struct pic_chip {
	uint8_t irr;		/* request latch (edge) / line level (level) */
	uint8_t isr;
	uint8_t imr;
	uint8_t lines;		/* current input levels, for edge detection */
	uint8_t elcr;		/* per-input level mode (PIIX ELCR) */
	uint8_t elcr_mask;
	uint8_t priority_add;	/* input with the highest priority */
	uint8_t vector_base;	/* ICW2 & 0xf8 */
	uint8_t icw3;
	uint8_t init_state;	/* 0: ready; 1: expect ICW2; 2: ICW3; 3: ICW4 */
	bool icw4_needed;
	bool single;
	bool ltim;
	bool read_isr;
	bool poll;		/* the next A0=0 read is a poll */
	bool special_mask;
	bool auto_eoi;
	bool rotate_on_aeoi;
	bool sfnm;
	bool is_slave;
};

struct pic {
	struct pic_chip chip[2];	/* 0 master, 1 slave */
	struct irq_line int_out;	/* INT pin to the CPU / LINT0 */
	int int_level;
	unsigned spurious;		/* counter of spurious INTA cycles, for tests/trace */
};

void pic_init(struct pic *p);
/* Power-on state: everything cleared except the input levels; INT re-evaluated. */
void pic_reset(struct pic *p);

/* irq_handler_fn: opaque is the struct pic, n = 0..15. */
void pic_set_irq(void *opaque, int n, int level);

bool pic_has_interrupt(const struct pic *p);
/* INTA: returns the vector (0..255); always succeeds (spurious 7/15 if nothing). */
int pic_acknowledge(struct pic *p);

uint8_t pic_port_read(struct pic *p, uint16_t port);
void pic_port_write(struct pic *p, uint16_t port, uint8_t val);

/* apic_bus extint_ack hook shape (opaque = struct pic). */
int pic_extint_ack(void *opaque);

extern const struct bus_ops pic_master_ops;	/* 2 bytes at 0x20 */
extern const struct bus_ops pic_slave_ops;	/* 2 bytes at 0xA0 */
extern const struct bus_ops pic_elcr_ops;	/* 2 bytes at 0x4D0 */

/*
 * Device type "isa-i8259" (props iobase 0x20, slave-iobase 0xA0,
 * elcr-iobase 0x4D0 or 0 for none). int_out is left for the accelerator
 * to connect (irqchip_wire_ours() or the KVM glue). NULL if the board has none.
 */
struct board;
struct pic *pic_find(struct board *b);

#endif
