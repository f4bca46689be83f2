/*
 * The 8259A pair (master 0x20/0x21, slave 0xa0/0xa1, ELCR 0x4d0/0x4d1).
 */
#include "runtime.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1
#define ELCR1		0x4d0
#define ELCR2		0x4d1

#define ICW1_ICW4	0x01
#define ICW1_INIT	0x10
#define ICW4_8086	0x01
#define ICW4_AEOI	0x02
#define OCW2_EOI	0x20
#define OCW2_SPECIFIC	0x60
#define OCW3_READ_IRR	0x0a
#define OCW3_READ_ISR	0x0b
#define OCW3_POLL	0x0c

void pic_init(uint8_t base_master, uint8_t base_slave, bool auto_eoi)
{
	uint8_t icw4 = ICW4_8086 | (auto_eoi ? ICW4_AEOI : 0);

	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC1_DATA, base_master);
	outb(PIC1_DATA, 1 << 2);	/* slave on IRQ 2 */
	outb(PIC1_DATA, icw4);
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC2_DATA, base_slave);
	outb(PIC2_DATA, 2);		/* cascade identity */
	outb(PIC2_DATA, icw4);
	pic_set_mask(0xffff);
	outb(PIC1_CMD, OCW3_READ_IRR);
	outb(PIC2_CMD, OCW3_READ_IRR);
}

void pic_set_mask(uint16_t mask)
{
	outb(PIC1_DATA, mask & 0xff);
	outb(PIC2_DATA, mask >> 8);
}

uint16_t pic_get_mask(void)
{
	return inb(PIC1_DATA) | inb(PIC2_DATA) << 8;
}

/* Unmasking a slave IRQ also opens the cascade input. */
void pic_unmask(unsigned irq)
{
	uint16_t m = pic_get_mask() & ~(1u << (irq & 15));

	if (irq >= 8)
		m &= ~(1u << 2);
	pic_set_mask(m);
}

void pic_mask(unsigned irq)
{
	pic_set_mask(pic_get_mask() | 1u << (irq & 15));
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

void pic_specific_eoi(unsigned irq)
{
	if (irq >= 8) {
		outb(PIC2_CMD, OCW2_SPECIFIC | (irq & 7));
		outb(PIC1_CMD, OCW2_SPECIFIC | 2);
	} else {
		outb(PIC1_CMD, OCW2_SPECIFIC | irq);
	}
}

static uint16_t pic_read_reg(uint8_t ocw3)
{
	uint16_t v;

	outb(PIC1_CMD, ocw3);
	outb(PIC2_CMD, ocw3);
	v = inb(PIC1_CMD) | inb(PIC2_CMD) << 8;
	outb(PIC1_CMD, OCW3_READ_IRR);
	outb(PIC2_CMD, OCW3_READ_IRR);
	return v;
}

uint16_t pic_read_irr(void)
{
	return pic_read_reg(OCW3_READ_IRR);
}

uint16_t pic_read_isr(void)
{
	return pic_read_reg(OCW3_READ_ISR);
}

void pic_set_elcr(uint16_t elcr)
{
	outb(ELCR1, elcr & 0xff);
	outb(ELCR2, elcr >> 8);
}

uint16_t pic_get_elcr(void)
{
	return inb(ELCR1) | inb(ELCR2) << 8;
}

uint8_t pic_poll(bool slave)
{
	uint16_t cmd = slave ? PIC2_CMD : PIC1_CMD;

	outb(cmd, OCW3_POLL);
	return inb(cmd);
}
