/*
 * isa-debugcon (QEMU hw/char/debugcon.c behaviour).
 */
#include "board/debugcon.h"

#include <errno.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"

static uint64_t debugcon_read(void *opaque, uint64_t offset, unsigned size)
{
	struct debugcon *d = opaque;

	/* bytes above the one-port region are unclaimed: all ones */
	uint64_t v = (~0ull << 8) | (d->readback & 0xff);

	return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static void debugcon_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct debugcon *d = opaque;

	if (size != 1)
		guest_error("debugcon: %u-byte write %#llx: only the low byte is sent\n", size,
			    (unsigned long long)value);
	if (d->out)
		d->out(d->opaque, (uint8_t)value);
}

const struct bus_ops debugcon_ops = {
	.read = debugcon_read,
	.write = debugcon_write,
};

/* ---- device type "isa-debugcon" ---- */

struct debugcon_dev {
	struct device dev;
	struct debugcon con;
};

static const struct device_prop debugcon_props[] = {
	DEVICE_PROP_U32("iobase", struct debugcon_dev, con.iobase, DEBUGCON_IOBASE),
	DEVICE_PROP_U32("readback", struct debugcon_dev, con.readback, DEBUGCON_READBACK),
	{ 0 }
};

static int debugcon_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct debugcon_dev *d = (struct debugcon_dev *)dev;

	if (d->con.iobase > 0xffff)
		return board_err(err, -EINVAL, "%s: property 'iobase': 0x%x is not an I/O port",
				 dev->name, d->con.iobase);
	if (d->con.readback > 0xff)
		return board_err(err, -EINVAL, "%s: property 'readback': 0x%x is not a byte",
				 dev->name, d->con.readback);
	return device_pio_register(dev, d->con.iobase, 1, &debugcon_ops, &d->con, err);
}

static struct device_type debugcon_type = {
	.name = "isa-debugcon",
	.desc = "debug console port: bytes written go to the VMM's sink",
	.instance_size = sizeof(struct debugcon_dev),
	.props = debugcon_props,
	.realize = debugcon_realize,
};
DEVICE_TYPE(debugcon_type);

struct debugcon *board_debugcon(struct board *b, unsigned index)
{
	struct device *dev;

	for (dev = b->devices; dev; dev = dev->next)
		if (dev->type == &debugcon_type && !index--)
			return &((struct debugcon_dev *)dev)->con;
	return NULL;
}
