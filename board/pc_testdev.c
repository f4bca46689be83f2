/*
 * pc-testdev: QEMU's x86 ISA test device (behaviour of hw/misc/pc-testdev.c).
 */
#include "board/pc_testdev.h"

#include <errno.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"

#define PAGE_MASK_4K	(~0xfffull)

static uint64_t ones(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* QEMU's ops for these ports accept 1-4 bytes, naturally aligned. */
static int latch_access_ok(uint64_t offset, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && offset % size == 0 &&
	       offset + size <= PC_TESTDEV_PORT_LEN;
}

static uint64_t latch_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pc_testdev *t = opaque;

	if (!latch_access_ok(offset, size)) {
		guest_error("pc-testdev: invalid %u-byte latch read at +%llu\n", size,
			    (unsigned long long)offset);
		return ones(size);
	}
	return (t->latch >> (8 * offset)) & ones(size);
}

static void latch_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct pc_testdev *t = opaque;
	uint32_t mask;

	if (!latch_access_ok(offset, size)) {
		guest_error("pc-testdev: invalid %u-byte latch write at +%llu\n", size,
			    (unsigned long long)offset);
		return;
	}
	mask = (uint32_t)ones(size) << (8 * offset);
	t->latch = (t->latch & ~mask) | ((uint32_t)(value << (8 * offset)) & mask);
}

const struct bus_ops pc_testdev_latch_ops = {
	.read = latch_read,
	.write = latch_write,
};

static uint64_t flush_read(void *opaque, uint64_t offset, unsigned size)
{
	guest_error("pc-testdev: read of the flush port\n");
	return size == 4 && offset == 0 ? 0 : ones(size);
}

static void flush_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct pc_testdev *t = opaque;

	if (size != 4 || offset) {
		guest_error("pc-testdev: invalid %u-byte flush write at +%llu\n", size,
			    (unsigned long long)offset);
		return;
	}
	if (t->flush)
		t->flush(t->flush_opaque, value & 0xffffffffu & PAGE_MASK_4K);
}

const struct bus_ops pc_testdev_flush_ops = {
	.read = flush_read,
	.write = flush_write,
};

static uint64_t irq_read(void *opaque, uint64_t offset, unsigned size)
{
	guest_error("pc-testdev: read of irq line port +%llu\n", (unsigned long long)offset);
	return 0;
}

static void irq_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct pc_testdev *t = opaque;

	if (size != 1 || offset >= PC_TESTDEV_NR_IRQ) {
		guest_error("pc-testdev: invalid %u-byte irq write at +%llu\n", size,
			    (unsigned long long)offset);
		return;
	}
	irq_set(&t->irq[offset], (value & 0xff) != 0);
}

const struct bus_ops pc_testdev_irq_ops = {
	.read = irq_read,
	.write = irq_write,
};

static uint64_t iomem_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pc_testdev *t = opaque;
	uint64_t v = 0;
	unsigned i;

	if (size > 8 || offset >= PC_TESTDEV_IOMEM_SIZE || size > PC_TESTDEV_IOMEM_SIZE - offset) {
		guest_error("pc-testdev: %u-byte iomem read at +%#llx out of range\n", size,
			    (unsigned long long)offset);
		return ones(size > 8 ? 8 : size);
	}
	for (i = 0; i < size; i++)
		v |= (uint64_t)t->iomem[offset + i] << (8 * i);
	return v;
}

static void iomem_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct pc_testdev *t = opaque;
	unsigned i;

	if (size > 8 || offset >= PC_TESTDEV_IOMEM_SIZE || size > PC_TESTDEV_IOMEM_SIZE - offset) {
		guest_error("pc-testdev: %u-byte iomem write at +%#llx out of range\n", size,
			    (unsigned long long)offset);
		return;
	}
	for (i = 0; i < size; i++)
		t->iomem[offset + i] = value >> (8 * i);
}

const struct bus_ops pc_testdev_iomem_ops = {
	.read = iomem_read,
	.write = iomem_write,
};

/* ---- device type "pc-testdev" (no properties, like QEMU's) ---- */

struct pc_testdev_dev {
	struct device dev;
	struct pc_testdev t;
};

static void gsi_forward(void *opaque, int n, int level)
{
	irq_set(opaque, level);
}

static int pc_testdev_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct pc_testdev *t = &((struct pc_testdev_dev *)dev)->t;
	unsigned i;
	int r;

	for (i = 0; i < PC_TESTDEV_NR_IRQ; i++)
		irq_connect(&t->irq[i], gsi_forward, board_gsi_line(b, i), (int)i);
	r = device_pio_register(dev, PC_TESTDEV_LATCH_BASE, PC_TESTDEV_PORT_LEN,
				&pc_testdev_latch_ops, t, err);
	if (!r)
		r = device_pio_register(dev, PC_TESTDEV_FLUSH_BASE, PC_TESTDEV_PORT_LEN,
					&pc_testdev_flush_ops, t, err);
	if (!r)
		r = device_pio_register(dev, PC_TESTDEV_LATCH2_BASE, PC_TESTDEV_PORT_LEN,
					&pc_testdev_latch_ops, t, err);
	if (!r)
		r = device_pio_register(dev, PC_TESTDEV_IRQ_BASE, PC_TESTDEV_NR_IRQ,
					&pc_testdev_irq_ops, t, err);
	if (!r)
		r = device_mmio_register(dev, PC_TESTDEV_IOMEM_BASE, PC_TESTDEV_IOMEM_SIZE,
					 &pc_testdev_iomem_ops, t, err);
	return r;
}

static struct device_type pc_testdev_type = {
	.name = "pc-testdev",
	.desc = "QEMU's test device: latch 0xe0/0xe8, irq lines 0x2000, scratch MMIO 0xff000000",
	.instance_size = sizeof(struct pc_testdev_dev),
	.realize = pc_testdev_realize,
};
DEVICE_TYPE(pc_testdev_type);
