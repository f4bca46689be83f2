/*
 * virtio-mmio version 2 slot ("virtio-mmio"), as QEMU's microvm places them.
 * Register rules are in board/virtio_mmio.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"
#include "board/virtio_mmio.h"
#include "board/virtqueue.h"

#define VIRTIO_MMIO_VERSION_2	2

struct virtio_mmio {
	struct device dev;		/* first */
	uint64_t addr;			/* property "addr" */
	struct irq_line irq;
	struct virtio_device *vdev;	/* NULL: empty slot */
	uint32_t dfsel, gfsel, queue_sel;
};

static const struct device_prop virtio_mmio_props[] = {
	{ .name = "addr", .kind = PROP_U64, .offset = offsetof(struct virtio_mmio, addr),
	  .def = 0, .desc = "base of the 512-byte register window" },
	{ 0 }
};

static struct virtqueue *mmio_queue(struct virtio_mmio *m)
{
	return m->queue_sel < m->vdev->nqueues ? &m->vdev->vq[m->queue_sel] : NULL;
}

static void mmio_update_irq(struct virtio_mmio *m)
{
	irq_set(&m->irq, m->vdev && m->vdev->isr);
}

static void mmio_notify(void *opaque, unsigned q)
{
	struct virtio_mmio *m = opaque;

	if (q != VIRTIO_NO_VECTOR)
		m->vdev->isr |= VIRTIO_ISR_QUEUE;
	mmio_update_irq(m);
}

static void mmio_transport_reset(void *opaque)
{
	struct virtio_mmio *m = opaque;

	m->dfsel = m->gfsel = m->queue_sel = 0;
	mmio_update_irq(m);
}

/* Every queue kicks the one QueueNotify register with its index as the value. */
static bool mmio_notify_area(void *opaque, unsigned q, struct virtio_notify_area *area)
{
	struct virtio_mmio *m = opaque;

	if (!m->vdev || q >= m->vdev->nqueues)
		return false;
	area->addr = m->addr + VIRTIO_MMIO_QUEUE_NOTIFY;
	area->len = 4;
	area->datamatch = true;
	area->data = q;
	return true;
}

static const struct virtio_transport_ops mmio_transport_ops = {
	.notify = mmio_notify,
	.reset = mmio_transport_reset,
	.notify_area = mmio_notify_area,
};

static uint32_t mmio_reg_read(struct virtio_mmio *m, uint64_t off)
{
	struct virtio_device *vdev = m->vdev;
	struct virtqueue *vq;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:	return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:	return VIRTIO_MMIO_VERSION_2;
	case VIRTIO_MMIO_DEVICE_ID:	return vdev ? vdev->id : 0;
	case VIRTIO_MMIO_VENDOR_ID:	return VIRTIO_MMIO_VENDOR;
	}
	if (!vdev)
		return 0;
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES:	return virtio_get_host_features(vdev, m->dfsel);
	case VIRTIO_MMIO_INTERRUPT_STATUS:	return vdev->isr;
	case VIRTIO_MMIO_STATUS:		return vdev->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:	return vdev->config_generation;
	case VIRTIO_MMIO_SHM_LEN_LOW: case VIRTIO_MMIO_SHM_LEN_HIGH:
		return 0xffffffff;		/* no shared memory regions */
	}
	vq = mmio_queue(m);
	if (!vq)
		return 0;			/* QueueNumMax 0: no such queue */
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM_MAX:		return vq->num_max;
	case VIRTIO_MMIO_QUEUE_NUM:		return vq->num;
	case VIRTIO_MMIO_QUEUE_READY:		return vq->enabled;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:	return (uint32_t)vq->desc;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:	return (uint32_t)(vq->desc >> 32);
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:	return (uint32_t)vq->avail;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:	return (uint32_t)(vq->avail >> 32);
	case VIRTIO_MMIO_QUEUE_USED_LOW:	return (uint32_t)vq->used;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:	return (uint32_t)(vq->used >> 32);
	}
	return 0;
}

static void set_half(uint64_t *a, bool high, uint32_t v)
{
	if (high)
		*a = (*a & 0xffffffffull) | (uint64_t)v << 32;
	else
		*a = (*a & ~0xffffffffull) | v;
}

static void mmio_queue_write(struct virtio_mmio *m, uint64_t off, uint32_t val)
{
	struct virtio_device *vdev = m->vdev;
	struct virtqueue *vq = mmio_queue(m);

	if (!vq) {
		guest_error("%s: write 0x%" PRIx64 " to queue %u, which does not exist\n",
			    m->dev.name, off, m->queue_sel);
		return;
	}
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		if (val == 1 && !vq->enabled)
			virtqueue_enable(vq);
		else if (!val)
			virtqueue_disable(vq);
		virtio_notify_areas_sync(vdev);
		return;
	}
	if (vq->enabled) {
		guest_error("%s: queue %u register 0x%" PRIx64 " written while ready: ignored\n",
			    vdev->name, vq->index, off);
		return;
	}
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:		vq->num = (uint16_t)val; break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:	set_half(&vq->desc, false, val); break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:	set_half(&vq->desc, true, val); break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:	set_half(&vq->avail, false, val); break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:	set_half(&vq->avail, true, val); break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:	set_half(&vq->used, false, val); break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:	set_half(&vq->used, true, val); break;
	default:
		guest_error("%s: write 0x%x to 0x%" PRIx64 " ignored\n", m->dev.name, val, off);
	}
}

static void mmio_reg_write(struct virtio_mmio *m, uint64_t off, uint32_t val)
{
	struct virtio_device *vdev = m->vdev;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		m->dfsel = val;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		m->gfsel = val;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		virtio_set_guest_features(vdev, m->gfsel, val);
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		m->queue_sel = val;
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (val >= vdev->nqueues) {
			guest_error("%s: notify for queue %u, which does not exist\n",
				    m->dev.name, val);
			return;
		}
		virtio_queue_notify(vdev, val);
		return;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		vdev->isr &= ~val;
		mmio_update_irq(m);
		return;
	case VIRTIO_MMIO_STATUS:
		virtio_set_status(vdev, (uint8_t)val);
		return;
	case VIRTIO_MMIO_SHM_SEL:
		return;
	}
	mmio_queue_write(m, off, val);
}

static uint64_t virtio_mmio_read(void *opaque, uint64_t off, unsigned size)
{
	struct virtio_mmio *m = opaque;

	if (off >= VIRTIO_MMIO_CONFIG) {
		if (!m->vdev)
			return 0;
		return virtio_config_read(m->vdev, (unsigned)(off - VIRTIO_MMIO_CONFIG), size);
	}
	if (size != 4 || (off & 3)) {
		guest_error("%s: %u-byte register read at 0x%" PRIx64 " (32-bit only)\n",
			    m->dev.name, size, off);
		return 0;
	}
	return mmio_reg_read(m, off);
}

static void virtio_mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct virtio_mmio *m = opaque;

	if (!m->vdev) {
		guest_error("%s: write to an empty virtio-mmio slot at 0x%" PRIx64 "\n",
			    m->dev.name, off);
		return;
	}
	if (off >= VIRTIO_MMIO_CONFIG) {
		virtio_config_write(m->vdev, (unsigned)(off - VIRTIO_MMIO_CONFIG), val, size);
		return;
	}
	if (size != 4 || (off & 3)) {
		guest_error("%s: %u-byte register write at 0x%" PRIx64 " (32-bit only)\n",
			    m->dev.name, size, off);
		return;
	}
	mmio_reg_write(m, off, (uint32_t)val);
}

static const struct bus_ops virtio_mmio_ops = {
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
};

/* ---- slots and plugging ---- */

static bool is_slot(const struct device *dev);

int virtio_mmio_plug(struct device *backend, struct virtio_device *vdev, struct board_err *err)
{
	struct device *d = NULL;

	while ((d = device_find_type(backend->board, "virtio-mmio", d))) {
		struct virtio_mmio *m = (struct virtio_mmio *)d;

		if (m->vdev || !d->realized)
			continue;
		if (virtio_attach(vdev, &mmio_transport_ops, m) < 0)
			return board_err(err, -EBUSY, "%s: already has a transport", backend->name);
		m->vdev = vdev;
		m->dfsel = m->gfsel = m->queue_sel = 0;
		return 0;
	}
	return board_err(err, -ENODEV, "%s: no free virtio-mmio slot on this board "
			 "(on a PCI board use the virtio-*-pci type)", backend->name);
}

struct virtio_device *virtio_mmio_vdev(struct device *dev)
{
	return dev && is_slot(dev) && dev->realized ? ((struct virtio_mmio *)dev)->vdev : NULL;
}

void virtio_mmio_unplug(struct virtio_device *vdev)
{
	struct virtio_mmio *m = vdev->transport == &mmio_transport_ops ?
				vdev->transport_opaque : NULL;

	if (!m)
		return;
	/* no irq_set here: at teardown the GSI router may be gone already */
	virtio_detach(vdev);
	m->vdev = NULL;
}

int virtio_mmio_cmdline(struct device *dev, char *buf, size_t len)
{
	struct virtio_mmio *m = (struct virtio_mmio *)dev;
	int n;

	if (!dev || !is_slot(dev))
		return -EINVAL;
	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	if (!m->vdev)
		return 0;
	n = snprintf(buf, len, "virtio_mmio.device=%u@0x%" PRIx64 ":%u", VIRTIO_MMIO_SIZE,
		     m->addr, dev->nirq ? dev->irq[0] : 0);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

static void virtio_mmio_reset(struct device *dev)
{
	struct virtio_mmio *m = (struct virtio_mmio *)dev;

	if (m->vdev)
		virtio_reset(m->vdev);
	irq_set(&m->irq, 0);
}

static int virtio_mmio_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct virtio_mmio *m = (struct virtio_mmio *)dev;
	int r;

	if (!m->addr || (m->addr & 3))
		return board_err(err, -EINVAL, "%s: property 'addr': 0x%" PRIx64
				 " is not a register window base", dev->name, m->addr);
	r = device_connect_irq(dev, 0, &m->irq, err);
	if (r < 0)
		return r;
	return device_mmio_register(dev, m->addr, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, m, err);
}

static void virtio_mmio_unrealize(struct device *dev)
{
	struct virtio_mmio *m = (struct virtio_mmio *)dev;

	/* the backend may outlive us in the teardown order: leave it no dangling pointer */
	if (m->vdev)
		virtio_mmio_unplug(m->vdev);
}

static struct device_type virtio_mmio_type = {
	.name = "virtio-mmio",
	.desc = "virtio-mmio version 2 slot (512 bytes at addr, one interrupt)",
	.instance_size = sizeof(struct virtio_mmio),
	.props = virtio_mmio_props,
	.realize = virtio_mmio_realize,
	.reset = virtio_mmio_reset,
	.unrealize = virtio_mmio_unrealize,
};
DEVICE_TYPE(virtio_mmio_type);

static bool is_slot(const struct device *dev)
{
	return dev->type == &virtio_mmio_type;
}
