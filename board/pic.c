/*
 * 8259A pair with PIIX ELCR. See pic.h for the contract.
 *
 * Priorities are numbered 0 (highest) .. 7 relative to priority_add, the
 * input that currently has the highest priority; rotation moves it.
 */
#include <errno.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"
#include "board/pic.h"

#define NO_IRQ	-1

static uint8_t chip_level_bits(const struct pic_chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

/* Priority (0 best, 8 none) of the best input in mask. */
static int chip_priority(const struct pic_chip *c, uint8_t mask)
{
	int p;

	if (!mask)
		return 8;
	for (p = 0; !(mask & (1u << ((p + c->priority_add) & 7))); p++)
		;
	return p;
}

static int prio_to_irq(const struct pic_chip *c, int p)
{
	return (p + c->priority_add) & 7;
}

/* The input this chip would raise INT for, or NO_IRQ. */
static int chip_get_irq(const struct pic_chip *c)
{
	uint8_t req = c->irr & ~c->imr;
	uint8_t in_service = c->isr;
	int p, irq;

	if (c->special_mask) {
		/* every unmasked level not in service may interrupt, even a lower one */
		p = chip_priority(c, req & ~c->isr);
		return p == 8 ? NO_IRQ : prio_to_irq(c, p);
	}
	p = chip_priority(c, req);
	if (p == 8)
		return NO_IRQ;
	irq = prio_to_irq(c, p);
	/* SFNM: a slave already in service may still pass a higher slave request */
	if (!c->is_slave && c->sfnm && irq == PIC_CASCADE_IRQ)
		in_service &= ~(1u << PIC_CASCADE_IRQ);
	return p < chip_priority(c, in_service) ? irq : NO_IRQ;
}

static void chip_set_input(struct pic_chip *c, int n, int level)
{
	uint8_t bit = 1u << n;

	if (chip_level_bits(c) & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
}

static void chip_ack(struct pic_chip *c, int irq)
{
	uint8_t bit = 1u << irq;

	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->priority_add = (irq + 1) & 7;
	} else {
		c->isr |= bit;
	}
	/* a level request stays in IRR while the line is high */
	if (!(chip_level_bits(c) & bit))
		c->irr &= ~bit;
}

static void pic_update(struct pic *p)
{
	int out;

	/* the slave's INT pin is the master's IR2 input */
	chip_set_input(&p->chip[0], PIC_CASCADE_IRQ, chip_get_irq(&p->chip[1]) != NO_IRQ);
	out = chip_get_irq(&p->chip[0]) != NO_IRQ;
	if (out != p->int_level) {
		p->int_level = out;
		irq_set(&p->int_out, out);
	}
}

static void chip_reset(struct pic_chip *c)
{
	uint8_t lines = c->lines, mask = c->elcr_mask;
	bool slave = c->is_slave;

	memset(c, 0, sizeof(*c));
	c->lines = lines;
	c->elcr_mask = mask;
	c->is_slave = slave;
}

void pic_init(struct pic *p)
{
	memset(p, 0, sizeof(*p));
	p->chip[0].elcr_mask = PIC_ELCR_MASK_MASTER;
	p->chip[1].elcr_mask = PIC_ELCR_MASK_SLAVE;
	p->chip[1].is_slave = true;
}

void pic_reset(struct pic *p)
{
	chip_reset(&p->chip[0]);
	chip_reset(&p->chip[1]);
	pic_update(p);
}

void pic_set_irq(void *opaque, int n, int level)
{
	struct pic *p = opaque;

	if (n < 0 || n > 15 || n == PIC_CASCADE_IRQ) {
		guest_error("pic: input %d cannot be driven (cascade or out of range)\n", n);
		return;
	}
	chip_set_input(&p->chip[n >> 3], n & 7, level);
	pic_update(p);
}

bool pic_has_interrupt(const struct pic *p)
{
	return chip_get_irq(&p->chip[0]) != NO_IRQ;
}

static void pic_inta_done(struct pic *p)
{
	/* INT and the slave's INT drop during INTA; a request still there makes a new edge */
	p->chip[0].lines &= ~(1u << PIC_CASCADE_IRQ);
	if (p->int_level) {
		p->int_level = 0;
		irq_set(&p->int_out, 0);
	}
	pic_update(p);
}

int pic_acknowledge(struct pic *p)
{
	struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int irq = chip_get_irq(m), irq2, vector;

	if (irq == NO_IRQ) {
		vector = m->vector_base + 7;
		p->spurious++;
	} else if (irq == PIC_CASCADE_IRQ) {
		chip_ack(m, irq);
		irq2 = chip_get_irq(s);
		if (irq2 == NO_IRQ) {
			vector = s->vector_base + 7;
			p->spurious++;
		} else {
			chip_ack(s, irq2);
			vector = s->vector_base + irq2;
		}
	} else {
		chip_ack(m, irq);
		vector = m->vector_base + irq;
	}
	if (log_enabled(LOG_INT))
		board_log(LOG_INT, "pic: INTA -> vector 0x%02x\n", vector);
	pic_inta_done(p);
	return vector;
}

static uint8_t chip_poll(struct pic *p, struct pic_chip *c)
{
	int irq = chip_get_irq(c);

	if (irq == NO_IRQ)
		return 0;
	chip_ack(c, irq);
	pic_inta_done(p);
	return 0x80 | irq;
}

static void chip_write_icw1(struct pic_chip *c, uint8_t val)
{
	chip_reset(c);
	c->ltim = val & PIC_ICW1_LTIM;
	c->single = val & PIC_ICW1_SNGL;
	c->icw4_needed = val & PIC_ICW1_IC4;
	c->init_state = 1;
	/* edge sense is reset: an edge input needs a new rising edge; level ones stand */
	c->irr = c->lines & chip_level_bits(c);
}

static void chip_write_ocw2(struct pic_chip *c, uint8_t val)
{
	int level = val & 7, p;
	uint8_t mask;

	switch (val >> 5) {
	case 0:		/* clear rotate in AEOI */
		c->rotate_on_aeoi = false;
		break;
	case 4:		/* set rotate in AEOI */
		c->rotate_on_aeoi = true;
		break;
	case 1:		/* non-specific EOI */
	case 5:		/* rotate on non-specific EOI */
		mask = c->isr;
		/* in special mask mode a masked in-service level is not cleared */
		if (c->special_mask)
			mask &= ~c->imr;
		p = chip_priority(c, mask);
		if (p == 8)
			break;
		level = prio_to_irq(c, p);
		c->isr &= ~(1u << level);
		if (val >> 5 == 5)
			c->priority_add = (level + 1) & 7;
		break;
	case 3:		/* specific EOI */
		c->isr &= ~(1u << level);
		break;
	case 7:		/* rotate on specific EOI */
		c->isr &= ~(1u << level);
		c->priority_add = (level + 1) & 7;
		break;
	case 6:		/* set priority: level becomes the lowest */
		c->priority_add = (level + 1) & 7;
		break;
	default:	/* 2: no operation */
		break;
	}
}

static void chip_write_data(struct pic_chip *c, uint8_t val)
{
	switch (c->init_state) {
	case 0:
		c->imr = val;
		break;
	case 1:
		c->vector_base = val & 0xf8;
		if (!c->single)
			c->init_state = 2;
		else
			c->init_state = c->icw4_needed ? 3 : 0;
		break;
	case 2:
		c->icw3 = val;
		c->init_state = c->icw4_needed ? 3 : 0;
		break;
	default:
		if (!(val & PIC_ICW4_UPM) && log_enabled(LOG_UNIMP))
			board_log(LOG_UNIMP, "pic: 8080 mode (ICW4 0x%02x) not modeled\n", val);
		c->auto_eoi = val & PIC_ICW4_AEOI;
		c->sfnm = val & PIC_ICW4_SFNM;
		c->init_state = 0;
		break;
	}
}

static void chip_write(struct pic_chip *c, int a0, uint8_t val)
{
	if (a0) {
		chip_write_data(c, val);
	} else if (val & PIC_ICW1_INIT) {
		chip_write_icw1(c, val);
	} else if (val & PIC_OCW3_SEL) {
		if (val & PIC_OCW3_P)
			c->poll = true;
		if (val & PIC_OCW3_RR)
			c->read_isr = val & PIC_OCW3_RIS;
		if (val & PIC_OCW3_ESMM)
			c->special_mask = val & PIC_OCW3_SMM;
	} else {
		chip_write_ocw2(c, val);
	}
}

static void elcr_write(struct pic_chip *c, uint8_t val)
{
	uint8_t lvl;

	c->elcr = val & c->elcr_mask;
	lvl = chip_level_bits(c);
	/* inputs now level-sensitive show their line */
	c->irr = (c->irr & ~lvl) | (c->lines & lvl);
}

void pic_port_write(struct pic *p, uint16_t port, uint8_t val)
{
	switch (port) {
	case PIC_MASTER_BASE:
	case PIC_MASTER_BASE + 1:
		chip_write(&p->chip[0], port & 1, val);
		break;
	case PIC_SLAVE_BASE:
	case PIC_SLAVE_BASE + 1:
		chip_write(&p->chip[1], port & 1, val);
		break;
	case PIC_ELCR_BASE:
	case PIC_ELCR_BASE + 1:
		elcr_write(&p->chip[port & 1], val);
		break;
	default:
		guest_error("pic: write 0x%02x to unknown port 0x%x\n", val, port);
		return;
	}
	pic_update(p);
}

static uint8_t chip_read(struct pic *p, struct pic_chip *c, int a0)
{
	if (a0)
		return c->imr;
	if (c->poll) {
		c->poll = false;
		return chip_poll(p, c);
	}
	return c->read_isr ? c->isr : c->irr;
}

uint8_t pic_port_read(struct pic *p, uint16_t port)
{
	switch (port) {
	case PIC_MASTER_BASE:
	case PIC_MASTER_BASE + 1:
		return chip_read(p, &p->chip[0], port & 1);
	case PIC_SLAVE_BASE:
	case PIC_SLAVE_BASE + 1:
		return chip_read(p, &p->chip[1], port & 1);
	case PIC_ELCR_BASE:
	case PIC_ELCR_BASE + 1:
		return p->chip[port & 1].elcr;
	default:
		guest_error("pic: read of unknown port 0x%x\n", port);
		return 0xff;
	}
}

/* Wider accesses are split into bytes, each with its own side effects. */
static uint64_t pic_region_read(struct pic *p, uint16_t base, uint64_t off, unsigned size)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < size && i < 8; i++)
		v |= (uint64_t)(off + i < 2 ? pic_port_read(p, base + off + i) : 0xff) << (8 * i);
	return v;
}

static void pic_region_write(struct pic *p, uint16_t base, uint64_t off, uint64_t val,
			     unsigned size)
{
	unsigned i;

	for (i = 0; i < size && i < 8; i++)
		if (off + i < 2)
			pic_port_write(p, base + off + i, val >> (8 * i));
}

static uint64_t master_read(void *o, uint64_t off, unsigned size)
{
	return pic_region_read(o, PIC_MASTER_BASE, off, size);
}

static void master_write(void *o, uint64_t off, uint64_t val, unsigned size)
{
	pic_region_write(o, PIC_MASTER_BASE, off, val, size);
}

static uint64_t slave_read(void *o, uint64_t off, unsigned size)
{
	return pic_region_read(o, PIC_SLAVE_BASE, off, size);
}

static void slave_write(void *o, uint64_t off, uint64_t val, unsigned size)
{
	pic_region_write(o, PIC_SLAVE_BASE, off, val, size);
}

static uint64_t elcr_read_op(void *o, uint64_t off, unsigned size)
{
	return pic_region_read(o, PIC_ELCR_BASE, off, size);
}

static void elcr_write_op(void *o, uint64_t off, uint64_t val, unsigned size)
{
	pic_region_write(o, PIC_ELCR_BASE, off, val, size);
}

const struct bus_ops pic_master_ops = { .read = master_read, .write = master_write };
const struct bus_ops pic_slave_ops = { .read = slave_read, .write = slave_write };
const struct bus_ops pic_elcr_ops = { .read = elcr_read_op, .write = elcr_write_op };

int pic_extint_ack(void *opaque)
{
	return pic_acknowledge(opaque);
}

/* ---- device type "isa-i8259": the pair plus ELCR ---- */

struct pic_dev {
	struct device dev;
	uint32_t iobase, slave_iobase, elcr_iobase;
	struct pic pic;
};

static const struct device_prop pic_props[] = {
	DEVICE_PROP_U32("iobase", struct pic_dev, iobase, PIC_MASTER_BASE),
	DEVICE_PROP_U32("slave-iobase", struct pic_dev, slave_iobase, PIC_SLAVE_BASE),
	DEVICE_PROP_U32("elcr-iobase", struct pic_dev, elcr_iobase, PIC_ELCR_BASE),	/* 0: none */
	{ 0 }
};

static int pic_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct pic_dev *d = (struct pic_dev *)dev;
	int r;

	if (d->iobase > 0xfffe || d->slave_iobase > 0xfffe || d->elcr_iobase > 0xfffe)
		return board_err(err, -EINVAL, "%s: property 'iobase': not an I/O port range",
				 dev->name);
	pic_init(&d->pic);
	r = device_pio_register(dev, d->iobase, 2, &pic_master_ops, &d->pic, err);
	if (!r)
		r = device_pio_register(dev, d->slave_iobase, 2, &pic_slave_ops, &d->pic, err);
	if (!r && d->elcr_iobase)
		r = device_pio_register(dev, d->elcr_iobase, 2, &pic_elcr_ops, &d->pic, err);
	return r;
}

static void pic_dev_reset(struct device *dev)
{
	pic_reset(&((struct pic_dev *)dev)->pic);
}

static struct device_type pic_type = {
	.name = "isa-i8259",
	.desc = "8259A master/slave pair with the PIIX ELCR",
	.instance_size = sizeof(struct pic_dev),
	.props = pic_props,
	.realize = pic_realize,
	.reset = pic_dev_reset,
};
DEVICE_TYPE(pic_type);

struct pic *pic_find(struct board *b)
{
	struct device *dev = device_find_type(b, "isa-i8259", NULL);

	return dev ? &((struct pic_dev *)dev)->pic : NULL;
}
