/*
 * GSI router. See gsi.h for the contract.
 *
 * Every change recomputes all outputs from the sources: 24 inputs are
 * cheaper to redo than to track, and routing changes need no special case.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/gsi.h"
#include "board/ioapic.h"
#include "board/lapic.h"
#include "board/log.h"
#include "board/msi.h"
#include "board/pic.h"

/* PIIX: PIRQs cannot be steered to IRQ 0, 1, 2, 8 or 13 */
#define PIRQ_RESERVED_IRQS	((1u << 0) | (1u << 1) | (1u << 2) | (1u << 8) | (1u << 13))

int gsi_router_pirq_route(const struct gsi_router *r, unsigned pirq)
{
	unsigned irq;

	if (pirq >= GSI_NR_PIRQ || (r->pirq[pirq] & PIIX_PIRQ_DISABLE))
		return -1;
	irq = r->pirq[pirq] & PIIX_PIRQ_IRQ_MASK;
	return (PIRQ_RESERVED_IRQS & (1u << irq)) ? -1 : (int)irq;
}

int gsi_router_input_level(const struct gsi_router *r, unsigned input)
{
	unsigned i;

	if (input >= GSI_NR_INPUTS)
		return -1;
	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].input == input && r->src[i].level)
			return 1;
	return 0;
}

static void compute(const struct gsi_router *r, uint8_t *pic, uint8_t *ioapic)
{
	uint8_t in[GSI_NR_INPUTS] = { 0 };
	unsigned i, k;
	int irq;

	for (i = 0; i < r->nsrc; i++)
		in[r->src[i].input] |= r->src[i].level;
	for (i = 0; i < GSI_NR_ISA; i++)
		pic[i] = in[i];
	memset(ioapic, 0, GSI_NR_IOAPIC_PINS);
	for (i = 1; i < GSI_NR_ISA; i++)
		if (i != 2)
			ioapic[i] = in[i];
	ioapic[2] = in[0];
	for (k = 0; k < GSI_NR_PIRQ; k++) {
		ioapic[GSI_PIRQ_BASE + k] = in[GSI_PIRQ_BASE + k];
		irq = gsi_router_pirq_route(r, k);
		if (irq < 0)
			continue;
		pic[irq] |= in[GSI_PIRQ_BASE + k];
		if (r->pirq_to_ioapic_isa)
			ioapic[irq] |= in[GSI_PIRQ_BASE + k];
	}
	for (i = GSI_PIRQ_BASE + GSI_NR_PIRQ; i < GSI_NR_INPUTS; i++)
		ioapic[i] = in[i];
}

static void emit_pic(struct gsi_router *r, unsigned irq, int level)
{
	if (r->sinks.gsi)
		r->sinks.gsi(r->sinks.gsi_opaque, irq, level);
	else if (r->sinks.pic)
		r->sinks.pic(r->sinks.pic_opaque, irq, level);
}

static void emit_ioapic(struct gsi_router *r, unsigned pin, int level)
{
	if (r->sinks.gsi) {
		/* KVM routes GSI n < 16 to both chips itself */
		if (pin >= GSI_NR_ISA)
			r->sinks.gsi(r->sinks.gsi_opaque, pin, level);
	} else if (r->sinks.ioapic) {
		r->sinks.ioapic(r->sinks.ioapic_opaque, pin, level);
	}
}

static void propagate(struct gsi_router *r, bool all)
{
	uint8_t pic[GSI_NR_ISA], ioapic[GSI_NR_IOAPIC_PINS];
	unsigned i;

	compute(r, pic, ioapic);
	for (i = 0; i < GSI_NR_ISA; i++) {
		if (i == 2 || (!all && pic[i] == r->pic_out[i]))
			continue;
		r->pic_out[i] = pic[i];
		emit_pic(r, i, pic[i]);
	}
	for (i = 0; i < GSI_NR_IOAPIC_PINS; i++) {
		if (!all && ioapic[i] == r->ioapic_out[i])
			continue;
		r->ioapic_out[i] = ioapic[i];
		emit_ioapic(r, i, ioapic[i]);
	}
}

void gsi_router_init(struct gsi_router *r, const struct gsi_sinks *sinks)
{
	memset(r, 0, sizeof(*r));
	if (sinks)
		r->sinks = *sinks;
	r->pirq_to_ioapic_isa = true;
	memset(r->pirq, PIIX_PIRQ_DISABLE, sizeof(r->pirq));
}

void gsi_router_destroy(struct gsi_router *r)
{
	free(r->src);
	r->src = NULL;
	r->nsrc = r->src_cap = 0;
}

void gsi_router_reset(struct gsi_router *r)
{
	memset(r->pirq, PIIX_PIRQ_DISABLE, sizeof(r->pirq));
	propagate(r, false);
}

void gsi_router_set_sinks(struct gsi_router *r, const struct gsi_sinks *sinks)
{
	memset(&r->sinks, 0, sizeof(r->sinks));
	if (sinks)
		r->sinks = *sinks;
	propagate(r, true);
}

int gsi_router_connect(struct gsi_router *r, struct irq_line *line, unsigned input)
{
	struct gsi_source *s;

	if (input >= GSI_NR_INPUTS || input == 2 || !line)
		return -EINVAL;
	if (r->nsrc == r->src_cap) {
		unsigned cap = r->src_cap ? r->src_cap * 2 : 32;

		s = realloc(r->src, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		r->src = s;
		r->src_cap = cap;
	}
	r->src[r->nsrc].input = input;
	r->src[r->nsrc].level = 0;
	irq_connect(line, gsi_router_source_set, r, r->nsrc);
	r->nsrc++;
	return 0;
}

void gsi_router_source_set(void *opaque, int n, int level)
{
	struct gsi_router *r = opaque;

	if (n < 0 || (unsigned)n >= r->nsrc)
		return;
	level = !!level;
	if (r->src[n].level == level)
		return;
	r->src[n].level = level;
	propagate(r, false);
}

uint8_t gsi_router_pirq_read(const struct gsi_router *r, unsigned pirq)
{
	return pirq < GSI_NR_PIRQ ? r->pirq[pirq] : 0xff;
}

void gsi_router_pirq_write(struct gsi_router *r, unsigned pirq, uint8_t val)
{
	if (pirq >= GSI_NR_PIRQ)
		return;
	/* bits 6:4 are reserved */
	r->pirq[pirq] = val & (PIIX_PIRQ_DISABLE | PIIX_PIRQ_IRQ_MASK);
	if (gsi_router_pirq_route(r, pirq) < 0 && !(val & PIIX_PIRQ_DISABLE))
		guest_error("gsi: PIRQ%c routed to reserved IRQ %u: not connected\n", 'A' + pirq,
			    val & PIIX_PIRQ_IRQ_MASK);
	propagate(r, false);
}

/* ---- device type "gsi-router" ---- */

struct gsi_router_dev {
	struct device dev;
	bool pirq_isa;
	struct gsi_router r;
};

static const struct device_prop gsi_router_props[] = {
	DEVICE_PROP_BOOL("pirq-to-ioapic-isa", struct gsi_router_dev, pirq_isa, 1),
	{ 0 }
};

static void gsi_pic_sink(void *opaque, int irq, int level)
{
	pic_set_irq(opaque, irq, level);
}

static int gsi_router_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct gsi_router_dev *d = (struct gsi_router_dev *)dev;
	struct gsi_sinks sinks = { 0 };
	struct pic *pic = pic_find(b);
	struct ioapic *io = ioapic_find(b);
	unsigned n;
	int r;

	if (pic) {
		sinks.pic = gsi_pic_sink;
		sinks.pic_opaque = pic;
	}
	if (io) {
		sinks.ioapic = ioapic_set_irq;
		sinks.ioapic_opaque = io;
	}
	gsi_router_init(&d->r, &sinks);
	d->r.pirq_to_ioapic_isa = d->pirq_isa;
	/* the board's shared GSI lines, one source each; devices that want
	 * OR-ing of a shared line connect their own line with gsi_router_connect() */
	for (n = 0; n < BOARD_NR_GSI && n < GSI_NR_INPUTS; n++) {
		if (n == 2)
			continue;
		r = gsi_router_connect(&d->r, board_gsi_line(b, n), n);
		if (r < 0) {
			gsi_router_destroy(&d->r);
			return board_err(err, r, "%s: cannot connect GSI %u", dev->name, n);
		}
	}
	return 0;
}

static void gsi_router_dev_reset(struct device *dev)
{
	gsi_router_reset(&((struct gsi_router_dev *)dev)->r);
}

static void gsi_router_unrealize(struct device *dev)
{
	gsi_router_destroy(&((struct gsi_router_dev *)dev)->r);
}

static struct device_type gsi_router_type = {
	.name = "gsi-router",
	.desc = "GSI router: ISA IRQs and PIIX PIRQs to the 8259 and the IOAPIC",
	.instance_size = sizeof(struct gsi_router_dev),
	.props = gsi_router_props,
	.realize = gsi_router_realize,
	.reset = gsi_router_dev_reset,
	.unrealize = gsi_router_unrealize,
};
DEVICE_TYPE(gsi_router_type);

struct gsi_router *gsi_router_find(struct board *b)
{
	struct device *dev = device_find_type(b, "gsi-router", NULL);

	return dev ? &((struct gsi_router_dev *)dev)->r : NULL;
}

void gsi_wire_apic_bus(struct board *b, struct apic_bus *bus)
{
	struct pic *pic = pic_find(b);
	struct ioapic *io = ioapic_find(b);

	apic_bus_init(bus, &b->timers);
	if (pic) {
		bus->extint_ack = pic_extint_ack;
		bus->extint_opaque = pic;
		irq_connect(&pic->int_out, apic_bus_lint0_handler, bus, 0);
	}
	if (io) {
		bus->eoi = ioapic_eoi_handler;
		bus->eoi_opaque = io;
	}
	b->msi.send = msi_bus_send;
	b->msi.opaque = bus;
}
