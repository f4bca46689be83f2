/*
 * virtio-console (virtio 1.x section 5.3) with one port and no MULTIPORT:
 * queue 0 carries input to the guest, queue 1 the guest's output. Linux
 * makes it hvc0. Output goes to the chardev's write(); input comes from
 * virtio_chardev_input() and waits in a small buffer until the guest posts
 * receive buffers. Types: "virtio-serial-pci" and "virtio-serial-device".
 */
#include <errno.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"
#include "board/virtio_dev.h"
#include "board/virtio_mmio.h"
#include "board/virtio_pci.h"
#include "board/virtqueue.h"

struct virtio_console {
	struct virtio_device vdev;
	char *chardev_id;		/* property "chardev" */
	struct virtio_chardev *chr;
	uint8_t config[VIRTIO_CONSOLE_CFG_LEN];
	uint8_t in[VIRTIO_CONSOLE_INPUT_BUF];	/* ring of pending input */
	size_t in_head, in_len;
};

/* pending input into posted receive buffers; under the board lock */
static void console_flush_input(struct virtio_console *con)
{
	struct virtqueue *vq = &con->vdev.vq[VIRTIO_CONSOLE_RXQ];
	struct virtq_elem *e;
	bool pushed = false;

	while (con->in_len && virtqueue_pop(vq, &e) == 1) {
		size_t room = e->in_len, done = 0;

		while (done < room && con->in_len) {
			size_t chunk = sizeof(con->in) - con->in_head;

			if (chunk > con->in_len)
				chunk = con->in_len;
			if (chunk > room - done)
				chunk = room - done;
			virtq_elem_write(e, done, con->in + con->in_head, chunk);
			con->in_head = (con->in_head + chunk) % sizeof(con->in);
			con->in_len -= chunk;
			done += chunk;
		}
		virtqueue_push(vq, e, (uint32_t)done);
		pushed = true;
	}
	if (pushed)
		virtio_notify_queue(&con->vdev, VIRTIO_CONSOLE_RXQ);
}

static void console_output(struct virtio_console *con)
{
	struct virtqueue *vq = &con->vdev.vq[VIRTIO_CONSOLE_TXQ];
	struct virtq_elem *e;
	bool pushed = false;

	do {
		while (virtqueue_pop(vq, &e) == 1) {
			for (unsigned i = 0; i < e->out_num && con->chr && con->chr->write; i++)
				con->chr->write(con->chr, e->iov[i].iov_base, e->iov[i].iov_len);
			virtqueue_push(vq, e, 0);
			pushed = true;
		}
	} while (virtqueue_enable_notify(vq));
	if (pushed)
		virtio_notify_queue(&con->vdev, VIRTIO_CONSOLE_TXQ);
}

static void console_queue_notify(struct virtio_device *vdev, unsigned q)
{
	struct virtio_console *con = (struct virtio_console *)vdev;

	if (q == VIRTIO_CONSOLE_TXQ)
		console_output(con);
	else
		console_flush_input(con);
}

static void console_driver_ok(struct virtio_device *vdev)
{
	console_flush_input((struct virtio_console *)vdev);
}

static const struct virtio_device_ops console_ops = {
	.queue_notify = console_queue_notify,
	.driver_ok = console_driver_ok,
};

ssize_t virtio_chardev_input(struct virtio_chardev *c, const void *buf, size_t len)
{
	struct virtio_console *con;
	pthread_mutex_t *lock;
	size_t n = 0;

	if (!c || !c->dev)
		return -ENODEV;
	con = c->dev;
	lock = con->vdev.lock;
	if (lock)
		pthread_mutex_lock(lock);
	while (n < len && con->in_len < sizeof(con->in)) {
		con->in[(con->in_head + con->in_len) % sizeof(con->in)] = ((const uint8_t *)buf)[n++];
		con->in_len++;
	}
	console_flush_input(con);
	if (lock)
		pthread_mutex_unlock(lock);
	return (ssize_t)n;
}

static int console_init(struct virtio_console *con, struct board *b, struct device *dev,
			struct board_err *err)
{
	struct virtio_backend *be;
	int r;

	if (con->chardev_id && *con->chardev_id) {
		r = virtio_backend_claim(VIRTIO_BACKEND_CHARDEV, con->chardev_id, con, &be);
		if (r < 0)
			return board_err(err, r, "%s: chardev '%s' %s", dev->name, con->chardev_id,
					 r == -EBUSY ? "is already used by another device" :
					 "does not exist");
		con->chr = (struct virtio_chardev *)be;
	}
	/* cols, rows 0 (unknown), one port */
	con->config[4] = 1;
	r = virtio_init(&con->vdev, dev->name, VIRTIO_ID_CONSOLE, &console_ops, &b->mem, &b->lock,
			0, con->config, VIRTIO_CONSOLE_CFG_LEN, 2, VIRTIO_CONSOLE_QUEUE_SIZE);
	if (r < 0) {
		if (con->chr)
			virtio_backend_release(&con->chr->be, con);
		con->chr = NULL;
		return board_err(err, r, "%s: cannot set up the device", dev->name);
	}
	if (con->chr)
		con->chr->dev = con;
	return 0;
}

static void console_exit(struct virtio_console *con)
{
	if (con->chr) {
		con->chr->dev = NULL;
		virtio_backend_release(&con->chr->be, con);
		con->chr = NULL;
	}
	virtio_cleanup(&con->vdev);
}

/* ---- device types ---- */

struct virtio_console_pci {
	struct virtio_pci vp;		/* first */
	struct virtio_console con;
};

struct virtio_console_mmio {
	struct device dev;		/* first */
	struct virtio_console con;
};

static const struct device_prop console_pci_props[] = {
	VIRTIO_PCI_PROPS(struct virtio_console_pci, vp),
	{ .name = "chardev", .kind = PROP_STRING,
	  .offset = offsetof(struct virtio_console_pci, con.chardev_id),
	  .desc = "character device for the console port (none: output dropped)" },
	{ 0 }
};

static const struct device_prop console_mmio_props[] = {
	{ .name = "chardev", .kind = PROP_STRING,
	  .offset = offsetof(struct virtio_console_mmio, con.chardev_id),
	  .desc = "character device for the console port (none: output dropped)" },
	{ 0 }
};

static int console_pci_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct virtio_console_pci *p = (struct virtio_console_pci *)dev;
	int r = console_init(&p->con, b, dev, err);

	if (r < 0)
		return r;
	r = virtio_pci_realize(&p->vp, b, &p->con.vdev, VIRTIO_PCI_CLASS_CONSOLE, err);
	if (r < 0)
		console_exit(&p->con);
	return r;
}

static void console_pci_reset(struct device *dev)
{
	virtio_pci_reset(&((struct virtio_console_pci *)dev)->vp);
}

static void console_pci_unrealize(struct device *dev)
{
	struct virtio_console_pci *p = (struct virtio_console_pci *)dev;

	virtio_pci_unrealize(&p->vp);
	console_exit(&p->con);
}

static struct device_type console_pci_type = {
	.name = "virtio-serial-pci",
	.desc = "virtio console (one port, hvc0) on PCI, chardev=ID",
	.instance_size = sizeof(struct virtio_console_pci),
	.props = console_pci_props,
	.realize = console_pci_realize,
	.reset = console_pci_reset,
	.unrealize = console_pci_unrealize,
};
DEVICE_TYPE(console_pci_type);

static int console_mmio_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct virtio_console_mmio *m = (struct virtio_console_mmio *)dev;
	int r = console_init(&m->con, b, dev, err);

	if (r < 0)
		return r;
	r = virtio_mmio_plug(dev, &m->con.vdev, err);
	if (r < 0)
		console_exit(&m->con);
	return r;
}

static void console_mmio_unrealize(struct device *dev)
{
	struct virtio_console_mmio *m = (struct virtio_console_mmio *)dev;

	virtio_mmio_unplug(&m->con.vdev);
	console_exit(&m->con);
}

static struct device_type console_mmio_type = {
	.name = "virtio-serial-device",
	.desc = "virtio console (one port, hvc0) in a virtio-mmio slot, chardev=ID",
	.instance_size = sizeof(struct virtio_console_mmio),
	.props = console_mmio_props,
	.realize = console_mmio_realize,
	.unrealize = console_mmio_unrealize,
};
DEVICE_TYPE(console_mmio_type);
