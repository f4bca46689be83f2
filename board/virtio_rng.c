/*
 * virtio-rng (virtio 1.x section 5.4): one request queue; every
 * device-writable buffer is filled from the host's getrandom() (at most
 * VIRTIO_RNG_MAX_CHUNK bytes per request, as a driver asks again).
 * Types: "virtio-rng-pci" and "virtio-rng-device" (virtio-mmio).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"
#include "board/virtio_mmio.h"
#include "board/virtio_pci.h"
#include "board/virtqueue.h"

#define VIRTIO_RNG_QUEUE_SIZE	64
#define VIRTIO_RNG_MAX_CHUNK	65536

struct virtio_rng {
	struct virtio_device vdev;
};

static size_t rng_fill(struct virtq_elem *e)
{
	uint8_t buf[4096];
	size_t want = e->in_len < VIRTIO_RNG_MAX_CHUNK ? e->in_len : VIRTIO_RNG_MAX_CHUNK;
	size_t done = 0;

	while (done < want) {
		size_t n = want - done < sizeof(buf) ? want - done : sizeof(buf);
		ssize_t got = getrandom(buf, n, GRND_NONBLOCK);

		if (got <= 0)
			break;	/* entropy not ready (early host boot): give what we have */
		virtq_elem_write(e, done, buf, (size_t)got);
		done += (size_t)got;
	}
	return done;
}

static void rng_queue_notify(struct virtio_device *vdev, unsigned q)
{
	struct virtqueue *vq = &vdev->vq[0];
	struct virtq_elem *e;
	bool pushed = false;

	do {
		while (virtqueue_pop(vq, &e) == 1) {
			virtqueue_push(vq, e, (uint32_t)rng_fill(e));
			pushed = true;
		}
	} while (virtqueue_enable_notify(vq));
	if (pushed)
		virtio_notify_queue(vdev, 0);
}

static const struct virtio_device_ops rng_ops = {
	.queue_notify = rng_queue_notify,
};

static int rng_init(struct virtio_rng *rng, struct board *b, const char *name)
{
	return virtio_init(&rng->vdev, name, VIRTIO_ID_RNG, &rng_ops, &b->mem, &b->lock, 0,
			   NULL, 0, 1, VIRTIO_RNG_QUEUE_SIZE);
}

/* ---- virtio-rng-pci ---- */

struct virtio_rng_pci {
	struct virtio_pci vp;		/* first */
	struct virtio_rng rng;
};

static const struct device_prop rng_pci_props[] = {
	VIRTIO_PCI_PROPS(struct virtio_rng_pci, vp),
	{ 0 }
};

static int rng_pci_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct virtio_rng_pci *p = (struct virtio_rng_pci *)dev;
	int r = rng_init(&p->rng, b, dev->name);

	if (r < 0)
		return board_err(err, r, "%s: cannot set up the device", dev->name);
	r = virtio_pci_realize(&p->vp, b, &p->rng.vdev, VIRTIO_PCI_CLASS_RNG, err);
	if (r < 0)
		virtio_cleanup(&p->rng.vdev);
	return r;
}

static void rng_pci_reset(struct device *dev)
{
	virtio_pci_reset(&((struct virtio_rng_pci *)dev)->vp);
}

static void rng_pci_unrealize(struct device *dev)
{
	struct virtio_rng_pci *p = (struct virtio_rng_pci *)dev;

	virtio_pci_unrealize(&p->vp);
	virtio_cleanup(&p->rng.vdev);
}

static struct device_type rng_pci_type = {
	.name = "virtio-rng-pci",
	.desc = "virtio entropy source (getrandom) on PCI",
	.instance_size = sizeof(struct virtio_rng_pci),
	.props = rng_pci_props,
	.realize = rng_pci_realize,
	.reset = rng_pci_reset,
	.unrealize = rng_pci_unrealize,
};
DEVICE_TYPE(rng_pci_type);

/* ---- virtio-rng-device (virtio-mmio) ---- */

struct virtio_rng_mmio {
	struct device dev;		/* first */
	struct virtio_rng rng;
};

static int rng_mmio_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct virtio_rng_mmio *m = (struct virtio_rng_mmio *)dev;
	int r = rng_init(&m->rng, b, dev->name);

	if (r < 0)
		return board_err(err, r, "%s: cannot set up the device", dev->name);
	r = virtio_mmio_plug(dev, &m->rng.vdev, err);
	if (r < 0)
		virtio_cleanup(&m->rng.vdev);
	return r;
}

static void rng_mmio_unrealize(struct device *dev)
{
	struct virtio_rng_mmio *m = (struct virtio_rng_mmio *)dev;

	virtio_mmio_unplug(&m->rng.vdev);
	virtio_cleanup(&m->rng.vdev);
}

static struct device_type rng_mmio_type = {
	.name = "virtio-rng-device",
	.desc = "virtio entropy source (getrandom) in a virtio-mmio slot",
	.instance_size = sizeof(struct virtio_rng_mmio),
	.realize = rng_mmio_realize,
	.unrealize = rng_mmio_unrealize,
};
DEVICE_TYPE(rng_mmio_type);
