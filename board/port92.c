/*
 * Port 0x92: system control port A (PS/2; the PIIX/ICH "fast A20" port).
 */
#include "board/port92.h"

#include <errno.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"

static uint64_t port92_read(void *opaque, uint64_t offset, unsigned size)
{
	struct port92 *p = opaque;

	if (size != 1 || offset) {
		guest_error("port92: %u-byte read at offset %llu\n", size, (unsigned long long)offset);
		if (offset)
			return ~0ull;
	}
	return size >= 8 ? (~0ull << 8) | p->val : (((~0ull << 8) | p->val) & ((1ull << (8 * size)) - 1));
}

static void port92_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct port92 *p = opaque;
	uint8_t old = p->val, val = value;

	if (size != 1 || offset) {
		guest_error("port92: %u-byte write at offset %llu\n", size, (unsigned long long)offset);
		if (offset)
			return;
	}
	p->val = val;
	if (((old ^ val) & PORT92_A20) && p->a20)
		p->a20(p->cb_opaque, val & PORT92_A20);
	/* fast reset on the rising edge of bit 0 only */
	if ((val & PORT92_RESET) && !(old & PORT92_RESET) && p->reset)
		p->reset(p->cb_opaque);
}

const struct bus_ops port92_ops = {
	.read = port92_read,
	.write = port92_write,
};

void port92_reset(struct port92 *p)
{
	p->val = 0;
}

void port92_init(struct port92 *p, void (*reset)(void *opaque),
		 void (*a20)(void *opaque, bool enabled), void *cb_opaque)
{
	p->reset = reset;
	p->a20 = a20;
	p->cb_opaque = cb_opaque;
	port92_reset(p);
}

/* ---- device type "port92" ---- */

struct port92_dev {
	struct device dev;
	uint32_t iobase;
	struct port92 p;
};

static const struct device_prop port92_props[] = {
	DEVICE_PROP_U32("iobase", struct port92_dev, iobase, PORT92_IOBASE),
	{ 0 }
};

static void port92_board_reset(void *opaque)
{
	board_request_reset(opaque, RESET_PORT92);
}

static int port92_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct port92_dev *d = (struct port92_dev *)dev;

	if (d->iobase > 0x10000 - 1)
		return board_err(err, -EINVAL, "%s: property 'iobase': 0x%x is not an I/O port range",
				 dev->name, d->iobase);
	port92_init(&d->p, port92_board_reset, NULL, b);
	return device_pio_register(dev, d->iobase, 1, &port92_ops, &d->p, err);
}

static void port92_dev_reset(struct device *dev)
{
	port92_reset(&((struct port92_dev *)dev)->p);
}

static struct device_type port92_type = {
	.name = "port92",
	.desc = "system control port A: fast reset, A20",
	.instance_size = sizeof(struct port92_dev),
	.props = port92_props,
	.realize = port92_realize,
	.reset = port92_dev_reset,
};
DEVICE_TYPE(port92_type);
