/*
 * isa-debug-exit (QEMU hw/misc/debugexit.c behaviour).
 */
#include "board/debug_exit.h"

#include <errno.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"

static uint64_t debug_exit_read(void *opaque, uint64_t offset, unsigned size)
{
	return 0;
}

static void debug_exit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct debug_exit *d = opaque;

	if (size > 4) {
		guest_error("isa-debug-exit: %u-byte write ignored\n", size);
		return;
	}
	if (d->exit)
		d->exit(d->opaque, debug_exit_status(value));
}

const struct bus_ops debug_exit_ops = {
	.read = debug_exit_read,
	.write = debug_exit_write,
};

/* ---- device type "isa-debug-exit" ---- */

struct debug_exit_dev {
	struct device dev;
	struct debug_exit de;
};

static const struct device_prop debug_exit_props[] = {
	DEVICE_PROP_U32("iobase", struct debug_exit_dev, de.iobase, DEBUG_EXIT_IOBASE),
	DEVICE_PROP_U32("iosize", struct debug_exit_dev, de.iosize, DEBUG_EXIT_IOSIZE),
	{ 0 }
};

static void debug_exit_board_exit(void *opaque, int status)
{
	board_request_exit(opaque, status);
}

static int debug_exit_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct debug_exit_dev *d = (struct debug_exit_dev *)dev;

	if (!d->de.iosize || d->de.iosize > 0x10000)
		return board_err(err, -EINVAL, "%s: property 'iosize': 0x%x must be 1..0x10000",
				 dev->name, d->de.iosize);
	if (d->de.iobase > 0x10000 - d->de.iosize)
		return board_err(err, -EINVAL, "%s: property 'iobase': 0x%x + iosize 0x%x passes 0xffff",
				 dev->name, d->de.iobase, d->de.iosize);
	d->de.exit = debug_exit_board_exit;
	d->de.opaque = b;
	return device_pio_register(dev, d->de.iobase, d->de.iosize, &debug_exit_ops, &d->de, err);
}

static struct device_type debug_exit_type = {
	.name = "isa-debug-exit",
	.desc = "a write of v exits the VMM with status (v << 1) | 1",
	.instance_size = sizeof(struct debug_exit_dev),
	.props = debug_exit_props,
	.realize = debug_exit_realize,
};
DEVICE_TYPE(debug_exit_type);
