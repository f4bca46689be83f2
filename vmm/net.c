/*
 * -netdev (see net.h): option parsing, the kind dispatch, and the two frame
 * queues every backend shares: guest -> host (filled under the board lock on
 * vCPU threads, drained on the main loop) and host -> guest (frames waiting
 * for the guest's receive buffers).
 */
#include "vmm/net.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/loop.h"

#define NET_MAX_OPTS	64

/* ---- queues ---- */

static bool netq_full(const struct net_queue *q)
{
	return q->count == NET_QUEUE_FRAMES;
}

static void netq_push(struct net_queue *q, struct net_frame *f)
{
	q->v[(q->head + q->count) % NET_QUEUE_FRAMES] = f;
	q->count++;
}

static struct net_frame *netq_pop(struct net_queue *q)
{
	struct net_frame *f;

	if (!q->count)
		return NULL;
	f = q->v[q->head];
	q->v[q->head] = NULL;
	q->head = (q->head + 1) % NET_QUEUE_FRAMES;
	q->count--;
	return f;
}

static void netq_clear(struct net_queue *q)
{
	struct net_frame *f;

	while ((f = netq_pop(q)))
		free(f);
}

static struct net_frame *net_frame_new(const void *data, size_t len)
{
	struct net_frame *f = malloc(sizeof(*f) + len);

	if (!f)
		return NULL;
	f->len = len;
	memcpy(f->data, data, len);
	return f;
}

static struct net_backend *to_be(struct virtio_net_backend *nb)
{
	return (struct net_backend *)nb;
}

/* ---- guest -> host ---- */

static void net_kick_tx(struct net_backend *be)
{
	uint64_t one = 1;
	ssize_t r;

	if (be->tx_efd < 0)
		return;		/* not started: net_backend_start() kicks */
	/* EAGAIN only when the counter is already huge: the loop wakes anyway */
	r = write(be->tx_efd, &one, sizeof(one));
	(void)r;
}

/* device callback: board lock held, any thread; copy and return */
static void net_send(struct virtio_net_backend *nb, const void *frame, size_t len)
{
	struct net_backend *be = to_be(nb);
	struct net_frame *f = net_frame_new(frame, len);
	bool kick = false;

	pthread_mutex_lock(&be->tx_lock);
	if (!f || netq_full(&be->txq)) {
		be->st.tx_dropped++;
	} else {
		netq_push(&be->txq, f);
		be->st.tx_frames++;
		kick = be->txq.count == 1;	/* the loop drains the whole queue per wake */
		f = NULL;
	}
	if (kick)
		net_kick_tx(be);
	pthread_mutex_unlock(&be->tx_lock);
	free(f);
}

/* loop thread: hand what the guest sent to the host side */
static void net_tx_notify(void *opaque)
{
	struct net_backend *be = opaque;
	struct net_frame *batch[NET_QUEUE_FRAMES];
	unsigned n = 0;

	pthread_mutex_lock(&be->tx_lock);
	while (n < NET_QUEUE_FRAMES && be->txq.count)
		batch[n++] = netq_pop(&be->txq);
	pthread_mutex_unlock(&be->tx_lock);
	for (unsigned i = 0; i < n; i++) {
		be->ops->output(be, batch[i]->data, batch[i]->len);
		free(batch[i]);
	}
	if (n && be->ops->output_done)
		be->ops->output_done(be);
}

/* ---- host -> guest ---- */

static int net_deliver_device(void *opaque, const void *frame, size_t len)
{
	return virtio_net_backend_receive(opaque, frame, len);
}

bool net_rx_has_room(const struct net_backend *be)
{
	return !netq_full(&be->rxq);
}

bool net_to_guest(struct net_backend *be, const void *frame, size_t len)
{
	struct net_frame *f;

	if (!be->rxq.count) {
		int r = be->deliver(be->deliver_opaque, frame, len);

		if (r == 0) {
			be->st.rx_frames++;
			return true;
		}
		if (r != -EAGAIN) {		/* no device, frame too big for the buffer */
			be->st.rx_dropped++;
			return true;
		}
	}
	if (netq_full(&be->rxq) || !(f = net_frame_new(frame, len))) {
		be->st.rx_dropped++;
		return false;
	}
	netq_push(&be->rxq, f);
	return net_rx_has_room(be);
}

/* bottom half: the guest posted receive buffers */
static void net_rx_flush(void *opaque)
{
	struct net_backend *be = opaque;
	bool was_full = netq_full(&be->rxq);

	while (be->rxq.count) {
		struct net_frame *f = be->rxq.v[be->rxq.head];
		int r = be->deliver(be->deliver_opaque, f->data, f->len);

		if (r == -EAGAIN)
			break;
		if (r == 0)
			be->st.rx_frames++;
		else
			be->st.rx_dropped++;
		free(netq_pop(&be->rxq));
	}
	if (was_full && net_rx_has_room(be) && be->ops->rx_space)
		be->ops->rx_space(be);
}

/* device callback: board lock held, any thread */
static void net_rx_ready(struct virtio_net_backend *nb)
{
	struct net_backend *be = to_be(nb);

	if (be->rx_bh)
		loop_bh_schedule(be->rx_bh);
}

/* ---- parsing and lifetime ---- */

static const char *const qemu_only_kinds[] = {
	"bridge", "socket", "stream", "dgram", "vde", "l2tpv3", "vhost-user", "vhost-vdpa",
	"hubport", "netmap", "af-xdp", "vmnet-host", "vmnet-shared", "vmnet-bridged",
};

/*
 * Split "kind,a=b,c=d" (buf is a modifiable copy) into kind and options,
 * taking id= out. -1 with err.
 */
static int net_split(char *buf, const char **kind, const char **id, struct net_opt *opts,
		     unsigned *nopts, char *err, size_t errlen)
{
	char *save = NULL, *tok;
	unsigned n = 0;

	*id = NULL;
	*kind = buf;
	tok = strchr(buf, ',');
	if (tok)
		*tok++ = 0;
	if (!**kind) {
		snprintf(err, errlen, "-netdev: missing the type (user, tap or loopback)");
		return -1;
	}
	for (tok = tok ? strtok_r(tok, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq) {
			snprintf(err, errlen, "-netdev %s: option '%s' needs a value (name=value)",
				 *kind, tok);
			return -1;
		}
		*eq = 0;
		if (!strcmp(tok, "id")) {
			if (*id) {
				snprintf(err, errlen, "-netdev %s: id= given twice", *kind);
				return -1;
			}
			*id = eq + 1;
			continue;
		}
		if (n == NET_MAX_OPTS) {
			snprintf(err, errlen, "-netdev %s: more than %d options", *kind, NET_MAX_OPTS);
			return -1;
		}
		opts[n].name = tok;
		opts[n].value = eq + 1;
		n++;
	}
	*nopts = n;
	return 0;
}

static void net_be_release(struct net_backend *be)
{
	netq_clear(&be->txq);
	netq_clear(&be->rxq);
	pthread_mutex_destroy(&be->tx_lock);
	free(be->id);
	free(be);
}

struct virtio_net_backend *net_backend_new(const char *opts, char *err, size_t errlen)
{
	struct net_opt o[NET_MAX_OPTS];
	const char *kind, *id;
	struct net_backend *be = NULL;
	char msg[256];
	unsigned n = 0;
	char *buf = strdup(opts ? opts : "");
	int r;

	if (!buf) {
		snprintf(err, errlen, "-netdev: out of memory");
		return NULL;
	}
	if (net_split(buf, &kind, &id, o, &n, err, errlen) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(qemu_only_kinds) / sizeof(qemu_only_kinds[0]); i++) {
		if (!strcmp(kind, qemu_only_kinds[i])) {
			snprintf(err, errlen, "-netdev %s: not supported (user, tap or loopback)", kind);
			goto fail;
		}
	}
	if (strcmp(kind, "user") && strcmp(kind, "tap") && strcmp(kind, "loopback")) {
		snprintf(err, errlen, "-netdev: unknown type '%s' (user, tap or loopback)", kind);
		goto fail;
	}
	if (!id || !*id) {
		snprintf(err, errlen, "-netdev %s: id= is required", kind);
		goto fail;
	}
	if (virtio_backend_find(VIRTIO_BACKEND_NETDEV, id)) {
		snprintf(err, errlen, "-netdev %s: duplicate id '%s'", kind, id);
		goto fail;
	}
	if (!strcmp(kind, "loopback")) {
		struct virtio_net_backend *lb;

		if (n) {
			snprintf(err, errlen, "-netdev loopback: unknown option '%s'", o[0].name);
			goto fail;
		}
		lb = virtio_net_loopback_new(id);
		if (!lb)
			snprintf(err, errlen, "-netdev loopback: cannot create the backend");
		free(buf);
		return lb;
	}

	be = calloc(1, sizeof(*be));
	if (!be || !(be->id = strdup(id))) {
		free(be);
		snprintf(err, errlen, "-netdev %s: out of memory", kind);
		goto fail;
	}
	pthread_mutex_init(&be->tx_lock, NULL);
	be->tx_efd = -1;
	be->nb.be.id = be->id;
	be->nb.be.kind = VIRTIO_BACKEND_NETDEV;
	be->nb.send = net_send;
	be->nb.rx_ready = net_rx_ready;
	be->deliver = net_deliver_device;
	be->deliver_opaque = &be->nb;
	msg[0] = 0;
	if (!strcmp(kind, "user"))
		r = net_slirp_create(be, o, n, msg, sizeof(msg));
	else
		r = net_tap_create(be, o, n, msg, sizeof(msg));
	if (r < 0) {
		snprintf(err, errlen, "-netdev %s,id=%s: %s", kind, id, msg[0] ? msg : "cannot create");
		net_be_release(be);
		goto fail;
	}
	if (virtio_backend_register(&be->nb.be) < 0) {
		snprintf(err, errlen, "-netdev %s: cannot register '%s'", kind, id);
		be->ops->destroy(be);
		net_be_release(be);
		goto fail;
	}
	free(buf);
	return &be->nb;
fail:
	free(buf);
	return NULL;
}

int net_backend_start(struct virtio_net_backend *nb, struct loop *l, char *err, size_t errlen)
{
	struct net_backend *be = to_be(nb);
	char msg[256] = "";
	int efd;

	if (!nb || nb->send != net_send)
		return 0;		/* loopback: nothing on the loop */
	if (be->loop) {
		snprintf(err, errlen, "-netdev id=%s: started twice", be->id);
		return -1;
	}
	be->rx_bh = loop_bh_new(l, net_rx_flush, be);
	efd = loop_notifier_new(l, net_tx_notify, be);
	if (!be->rx_bh || efd < 0) {
		if (efd >= 0)
			loop_notifier_delete(l, efd);
		if (be->rx_bh)
			loop_bh_delete(be->rx_bh);
		be->rx_bh = NULL;
		snprintf(err, errlen, "-netdev id=%s: cannot attach to the main loop", be->id);
		return -1;
	}
	be->loop = l;
	if (be->ops->start(be, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "-netdev id=%s: %s", be->id, msg);
		loop_notifier_delete(l, efd);
		loop_bh_delete(be->rx_bh);
		be->rx_bh = NULL;
		be->loop = NULL;
		return -1;
	}
	pthread_mutex_lock(&be->tx_lock);
	be->tx_efd = efd;
	if (be->txq.count)		/* sent before the loop existed */
		net_kick_tx(be);
	pthread_mutex_unlock(&be->tx_lock);
	return 0;
}

void net_backend_free(struct virtio_net_backend *nb)
{
	struct net_backend *be = to_be(nb);

	if (!nb)
		return;
	if (nb->send != net_send) {
		virtio_net_backend_free(nb);
		return;
	}
	virtio_backend_unregister(&nb->be);
	be->ops->destroy(be);
	if (be->loop) {
		loop_notifier_delete(be->loop, be->tx_efd);
		loop_bh_delete(be->rx_bh);
	}
	net_be_release(be);
}

struct net_backend *net_backend_get(struct virtio_net_backend *nb)
{
	return nb && nb->send == net_send ? to_be(nb) : NULL;
}

void net_backend_set_deliver(struct virtio_net_backend *nb, net_deliver_fn fn, void *opaque)
{
	struct net_backend *be = to_be(nb);

	if (!nb || nb->send != net_send)
		return;
	be->deliver = fn ? fn : net_deliver_device;
	be->deliver_opaque = fn ? opaque : &be->nb;
}

void net_backend_stats(struct virtio_net_backend *nb, struct net_stats *st)
{
	struct net_backend *be = to_be(nb);

	memset(st, 0, sizeof(*st));
	if (!nb || nb->send != net_send)
		return;
	pthread_mutex_lock(&be->tx_lock);
	*st = be->st;
	pthread_mutex_unlock(&be->tx_lock);
}
