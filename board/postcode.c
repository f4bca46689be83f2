/*
 * Port 0x80 POST codes.
 */
#include "board/postcode.h"

#include <errno.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"

static uint64_t postcode_read(void *opaque, uint64_t offset, unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static void postcode_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct postcode *p = opaque;
	uint8_t code = value;

	if (size != 1)
		guest_error("port80: %u-byte write %#llx\n", size, (unsigned long long)value);
	p->writes++;
	if (p->written && code == p->last)
		return;
	p->last = code;
	p->written = true;
	p->hist[(p->head + p->count) % POSTCODE_HISTORY] = code;
	if (p->count < POSTCODE_HISTORY)
		p->count++;
	else
		p->head = (p->head + 1) % POSTCODE_HISTORY;
}

const struct bus_ops postcode_ops = {
	.read = postcode_read,
	.write = postcode_write,
};

void postcode_init(struct postcode *p)
{
	memset(p, 0, sizeof(*p));
}

size_t postcode_history(const struct postcode *p, uint8_t *out, size_t max)
{
	size_t i, n = p->count < max ? p->count : max;
	size_t skip = p->count - n;	/* keep the newest when out is short */

	for (i = 0; i < n; i++)
		out[i] = p->hist[(p->head + skip + i) % POSTCODE_HISTORY];
	return n;
}

/* ---- device type "port80" (no reset: the history outlives a reboot) ---- */

struct postcode_dev {
	struct device dev;
	uint32_t iobase;
	struct postcode pc;
};

static const struct device_prop postcode_props[] = {
	DEVICE_PROP_U32("iobase", struct postcode_dev, iobase, POSTCODE_IOBASE),
	{ 0 }
};

static int postcode_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct postcode_dev *d = (struct postcode_dev *)dev;

	if (d->iobase > 0x10000 - 1)
		return board_err(err, -EINVAL, "%s: property 'iobase': 0x%x is not an I/O port range",
				 dev->name, d->iobase);
	postcode_init(&d->pc);
	return device_pio_register(dev, d->iobase, 1, &postcode_ops, &d->pc, err);
}

static struct device_type postcode_type = {
	.name = "port80",
	.desc = "POST code port, kept for the boot report",
	.instance_size = sizeof(struct postcode_dev),
	.props = postcode_props,
	.realize = postcode_realize,
};
DEVICE_TYPE(postcode_type);

struct postcode *board_postcode(struct board *b)
{
	struct device *dev;

	for (dev = b->devices; dev; dev = dev->next)
		if (dev->type == &postcode_type)
			return &((struct postcode_dev *)dev)->pc;
	return NULL;
}
