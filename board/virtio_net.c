/*
 * virtio-net (virtio 1.x section 5.1): one receive and one transmit queue,
 * MAC and link status in config space, no offloads (no CSUM/GSO, no
 * MRG_RXBUF: each receive buffer takes one whole frame). Every frame carries
 * the 12-byte virtio_net_hdr of VERSION_1. Frames go to and come from a
 * pluggable backend (struct virtio_net_backend, board/virtio_dev.h); a
 * loopback backend is built in. Types: "virtio-net-pci", "virtio-net-device".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"
#include "board/virtio_dev.h"
#include "board/virtio_mmio.h"
#include "board/virtio_pci.h"
#include "board/virtqueue.h"

#define NET_DEFAULT_MAC		"52:54:00:12:34:56"
#define LOOPBACK_PENDING	16

struct virtio_net {
	struct virtio_device vdev;
	char *netdev_id;		/* property "netdev" */
	char *mac_str;			/* property "mac" */
	const char *name;
	struct virtio_net_backend *nb;
	uint8_t config[VIRTIO_NET_CFG_LEN];
	uint8_t frame[VIRTIO_NET_MAX_FRAME];	/* transmit bounce buffer */
};

static void net_transmit(struct virtio_net *n)
{
	struct virtqueue *vq = &n->vdev.vq[VIRTIO_NET_TXQ];
	struct virtq_elem *e;
	bool pushed = false;
	int r;

	do {
		while ((r = virtqueue_pop(vq, &e)) == 1) {
			size_t len;

			if (e->out_len < VIRTIO_NET_HDR_SIZE) {
				virtio_error(&n->vdev, "transmit buffer without a virtio-net header");
				virtqueue_discard(vq, e);
				return;
			}
			len = e->out_len - VIRTIO_NET_HDR_SIZE;
			if (len > sizeof(n->frame)) {
				guest_error("%s: %zu-byte frame dropped (at most %zu)\n", n->name, len,
					    sizeof(n->frame));
			} else {
				virtq_elem_read(e, VIRTIO_NET_HDR_SIZE, n->frame, len);
				if (n->nb && n->nb->send)
					n->nb->send(n->nb, n->frame, len);
			}
			virtqueue_push(vq, e, 0);
			pushed = true;
		}
		if (r < 0)
			return;
	} while (virtqueue_enable_notify(vq));
	if (pushed)
		virtio_notify_queue(&n->vdev, VIRTIO_NET_TXQ);
}

static void net_queue_notify(struct virtio_device *vdev, unsigned q)
{
	struct virtio_net *n = (struct virtio_net *)vdev;

	if (q == VIRTIO_NET_TXQ)
		net_transmit(n);
	else if (n->nb && n->nb->rx_ready)
		n->nb->rx_ready(n->nb);
}

static void net_driver_ok(struct virtio_device *vdev)
{
	struct virtio_net *n = (struct virtio_net *)vdev;

	if (n->nb && n->nb->rx_ready)
		n->nb->rx_ready(n->nb);
}

static const struct virtio_device_ops net_ops = {
	.queue_notify = net_queue_notify,
	.driver_ok = net_driver_ok,
};

/* under the board lock */
static int net_receive_locked(struct virtio_net *n, const void *frame, size_t len)
{
	struct virtqueue *vq = &n->vdev.vq[VIRTIO_NET_RXQ];
	uint8_t hdr[VIRTIO_NET_HDR_SIZE] = { 0 };
	struct virtq_elem *e;
	int r;

	if (!virtqueue_ready(vq))
		return -EAGAIN;
	r = virtqueue_pop(vq, &e);
	if (r <= 0)
		return r < 0 ? -EIO : -EAGAIN;
	if (e->in_len < VIRTIO_NET_HDR_SIZE + len) {
		guest_error("%s: %zu-byte frame does not fit a %" PRIu64 "-byte receive buffer: "
			    "dropped\n", n->name, len, e->in_len);
		virtqueue_unpop(vq, e);
		return -EMSGSIZE;
	}
	hdr[10] = 1;			/* num_buffers, little endian */
	virtq_elem_write(e, 0, hdr, sizeof(hdr));
	virtq_elem_write(e, sizeof(hdr), frame, len);
	virtqueue_push(vq, e, (uint32_t)(sizeof(hdr) + len));
	virtio_notify_queue(&n->vdev, VIRTIO_NET_RXQ);
	return 0;
}

int virtio_net_backend_receive(struct virtio_net_backend *nb, const void *frame, size_t len)
{
	struct virtio_net *n;
	int r;

	if (!nb || !nb->dev)
		return -ENODEV;
	n = nb->dev;
	if (n->vdev.lock)
		pthread_mutex_lock(n->vdev.lock);
	r = net_receive_locked(n, frame, len);
	if (n->vdev.lock)
		pthread_mutex_unlock(n->vdev.lock);
	return r;
}

/* ---- loopback backend ---- */

struct loopback {
	struct virtio_net_backend nb;
	char *id;
	unsigned head, count;
	size_t len[LOOPBACK_PENDING];
	uint8_t *buf[LOOPBACK_PENDING];
};

static void loopback_drain(struct virtio_net_backend *nb)
{
	struct loopback *lb = (struct loopback *)nb;

	while (lb->count) {
		int r = virtio_net_backend_receive(nb, lb->buf[lb->head], lb->len[lb->head]);

		if (r == -EAGAIN || r == -ENODEV || r == -EIO)
			return;
		free(lb->buf[lb->head]);	/* delivered, or too big for the guest's buffer */
		lb->buf[lb->head] = NULL;
		lb->head = (lb->head + 1) % LOOPBACK_PENDING;
		lb->count--;
	}
}

static void loopback_send(struct virtio_net_backend *nb, const void *frame, size_t len)
{
	struct loopback *lb = (struct loopback *)nb;
	unsigned slot;

	if (lb->count == LOOPBACK_PENDING)
		return;		/* a full queue drops, as a real link would */
	slot = (lb->head + lb->count) % LOOPBACK_PENDING;
	lb->buf[slot] = malloc(len ? len : 1);
	if (!lb->buf[slot])
		return;
	memcpy(lb->buf[slot], frame, len);
	lb->len[slot] = len;
	lb->count++;
	loopback_drain(nb);
}

struct virtio_net_backend *virtio_net_loopback_new(const char *id)
{
	struct loopback *lb = calloc(1, sizeof(*lb));

	if (!lb)
		return NULL;
	lb->id = strdup(id ? id : "");
	if (!lb->id) {
		free(lb);
		return NULL;
	}
	lb->nb.be.id = lb->id;
	lb->nb.be.kind = VIRTIO_BACKEND_NETDEV;
	lb->nb.send = loopback_send;
	lb->nb.rx_ready = loopback_drain;
	if (virtio_backend_register(&lb->nb.be) < 0) {
		free(lb->id);
		free(lb);
		return NULL;
	}
	return &lb->nb;
}

void virtio_net_backend_free(struct virtio_net_backend *nb)
{
	struct loopback *lb = (struct loopback *)nb;

	if (!nb)
		return;
	virtio_backend_unregister(&nb->be);
	if (nb->send == loopback_send) {
		for (unsigned i = 0; i < LOOPBACK_PENDING; i++)
			free(lb->buf[i]);
		free(lb->id);
		free(lb);
	}
}

/* ---- setup ---- */

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if (mac[0] & 1)
		return -EINVAL;		/* multicast: not a station address */
	return 0;
}

static int net_init(struct virtio_net *n, struct board *b, struct device *dev,
		    struct board_err *err)
{
	struct virtio_backend *be;
	const char *mac = n->mac_str && *n->mac_str ? n->mac_str : NET_DEFAULT_MAC;
	int r;

	n->name = dev->name;
	if (parse_mac(mac, n->config + VIRTIO_NET_CFG_MAC) < 0)
		return board_err(err, -EINVAL, "%s: property 'mac': '%s' is not a unicast "
				 "aa:bb:cc:dd:ee:ff address", dev->name, mac);
	if (n->netdev_id && *n->netdev_id) {
		r = virtio_backend_claim(VIRTIO_BACKEND_NETDEV, n->netdev_id, n, &be);
		if (r < 0)
			return board_err(err, r, "%s: netdev '%s' %s", dev->name, n->netdev_id,
					 r == -EBUSY ? "is already used by another device" :
					 "does not exist (no -netdev with that id)");
		n->nb = (struct virtio_net_backend *)be;
	}
	/* link up only with a backend behind it */
	n->config[VIRTIO_NET_CFG_STATUS] = n->nb ? VIRTIO_NET_S_LINK_UP : 0;
	n->config[VIRTIO_NET_CFG_MTU] = 1500 & 0xff;
	n->config[VIRTIO_NET_CFG_MTU + 1] = 1500 >> 8;
	r = virtio_init(&n->vdev, dev->name, VIRTIO_ID_NET, &net_ops, &b->mem, &b->lock,
			VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS),
			n->config, VIRTIO_NET_CFG_LEN, 2, VIRTIO_NET_QUEUE_SIZE);
	if (r < 0) {
		if (n->nb)
			virtio_backend_release(&n->nb->be, n);
		n->nb = NULL;
		return board_err(err, r, "%s: cannot set up the device", dev->name);
	}
	if (n->nb)
		n->nb->dev = n;
	return 0;
}

static void net_exit(struct virtio_net *n)
{
	if (n->nb) {
		n->nb->dev = NULL;
		virtio_backend_release(&n->nb->be, n);
		n->nb = NULL;
	}
	virtio_cleanup(&n->vdev);
}

/* ---- device types ---- */

struct virtio_net_pci {
	struct virtio_pci vp;		/* first */
	struct virtio_net net;
};

struct virtio_net_mmio {
	struct device dev;		/* first */
	struct virtio_net net;
};

#define NET_PROPS(type) \
	{ .name = "netdev", .kind = PROP_STRING, .offset = offsetof(type, net.netdev_id), \
	  .desc = "id of the -netdev (none: link down)" }, \
	{ .name = "mac", .kind = PROP_STRING, .offset = offsetof(type, net.mac_str), \
	  .def_str = NET_DEFAULT_MAC, .desc = "station address" }

static const struct device_prop net_pci_props[] = {
	VIRTIO_PCI_PROPS(struct virtio_net_pci, vp),
	NET_PROPS(struct virtio_net_pci),
	{ 0 }
};

static const struct device_prop net_mmio_props[] = {
	NET_PROPS(struct virtio_net_mmio),
	{ 0 }
};

static int net_pci_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct virtio_net_pci *p = (struct virtio_net_pci *)dev;
	int r = net_init(&p->net, b, dev, err);

	if (r < 0)
		return r;
	r = virtio_pci_realize(&p->vp, b, &p->net.vdev, VIRTIO_PCI_CLASS_NET, err);
	if (r < 0)
		net_exit(&p->net);
	return r;
}

static void net_pci_reset(struct device *dev)
{
	virtio_pci_reset(&((struct virtio_net_pci *)dev)->vp);
}

static void net_pci_unrealize(struct device *dev)
{
	struct virtio_net_pci *p = (struct virtio_net_pci *)dev;

	virtio_pci_unrealize(&p->vp);
	net_exit(&p->net);
}

static struct device_type net_pci_type = {
	.name = "virtio-net-pci",
	.desc = "virtio network card on PCI (netdev=ID, mac=...)",
	.instance_size = sizeof(struct virtio_net_pci),
	.props = net_pci_props,
	.realize = net_pci_realize,
	.reset = net_pci_reset,
	.unrealize = net_pci_unrealize,
};
DEVICE_TYPE(net_pci_type);

static int net_mmio_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct virtio_net_mmio *m = (struct virtio_net_mmio *)dev;
	int r = net_init(&m->net, b, dev, err);

	if (r < 0)
		return r;
	r = virtio_mmio_plug(dev, &m->net.vdev, err);
	if (r < 0)
		net_exit(&m->net);
	return r;
}

static void net_mmio_unrealize(struct device *dev)
{
	struct virtio_net_mmio *m = (struct virtio_net_mmio *)dev;

	virtio_mmio_unplug(&m->net.vdev);
	net_exit(&m->net);
}

static struct device_type net_mmio_type = {
	.name = "virtio-net-device",
	.desc = "virtio network card in a virtio-mmio slot (netdev=ID, mac=...)",
	.instance_size = sizeof(struct virtio_net_mmio),
	.props = net_mmio_props,
	.realize = net_mmio_realize,
	.unrealize = net_mmio_unrealize,
};
DEVICE_TYPE(net_mmio_type);
