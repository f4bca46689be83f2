/*
 * Network backends for virtio-net (-netdev): the frames a guest's card sends
 * go to the host, and the host's come back to the card.
 *
 *   -netdev loopback,id=ID          every frame comes back (board/virtio_net.c)
 *   -netdev user,id=ID[,net=10.0.2.0/24][,host=A][,dns=A][,dhcpstart=A]
 *           [,hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]...
 *           [,restrict=on|off][,ipv6=on|off][,hostname=S][,domainname=S]
 *                                   user-mode NAT through libslirp, QEMU's
 *                                   defaults: gateway .2, DNS .3, DHCP from .15
 *   -netdev tap,id=ID[,ifname=NAME][,script=no][,downscript=no]
 *                                   a host tap interface (/dev/net/tun,
 *                                   IFF_TAP|IFF_NO_PI); scripts are never run
 *
 * Contract
 * - net_backend_new() parses one -netdev argument, takes the host resources
 *   (tap fd, slirp's listening sockets) and registers the backend under its
 *   id, before board_build(), so a device claims it at realize. Every error
 *   is one line naming the option (unknown kind or option, bad address,
 *   busy port, no permission) for the VMM to print before exiting 1.
 * - net_backend_start() attaches it to the main loop (once the loop exists,
 *   before the vCPUs run). Frames the guest sends before that wait in a
 *   bounded queue.
 * - Threads. The device calls send() under the board lock, often on a vCPU
 *   thread: the frame is copied into a bounded queue (a full queue drops, as
 *   a wire would) and the main loop is woken through an eventfd notifier.
 *   slirp and the tap fd are only touched on the main loop thread; slirp is
 *   not thread-safe. Frames for the guest are delivered from the main loop
 *   thread with virtio_net_backend_receive(), which takes the board lock;
 *   the backend never calls it with the board lock held. While the guest has
 *   no receive buffer, frames wait in a bounded queue and the backend stops
 *   reading from the host (slirp's sockets are not polled for input, the tap
 *   fd is not watched) until rx_ready() (board lock, any thread) schedules a
 *   bottom half that delivers them.
 * - net_backend_free() after board_destroy() (no device holds it) and before
 *   the loop is freed. It takes loopback backends too.
 */
#ifndef VMM_NET_H
#define VMM_NET_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/virtio_dev.h"

struct loop;

/* Frames queued in each direction before new ones are dropped. */
#define NET_QUEUE_FRAMES	256
/* Largest frame read from a host tap (no offloads: one Ethernet frame). */
#define NET_TAP_MAX_FRAME	65536

/* "-netdev KIND,..." -> a registered backend; NULL with err (one line). */
struct virtio_net_backend *net_backend_new(const char *opts, char *err, size_t errlen);
/* Attach to the main loop; -1 with err. Loopback backends need none (0). */
int net_backend_start(struct virtio_net_backend *nb, struct loop *l, char *err, size_t errlen);
void net_backend_free(struct virtio_net_backend *nb);

/*
 * Where frames for the guest go: virtio_net_backend_receive() unless set
 * (tests watch a backend without a guest). fn returns as that function does:
 * 0 taken, -EAGAIN keep it for after rx_ready, anything else drops it.
 */
typedef int (*net_deliver_fn)(void *opaque, const void *frame, size_t len);
void net_backend_set_deliver(struct virtio_net_backend *nb, net_deliver_fn fn, void *opaque);

/* Frames dropped so far in each direction (full queues, host write errors). */
struct net_stats {
	uint64_t tx_frames, rx_frames, tx_dropped, rx_dropped;
};
void net_backend_stats(struct virtio_net_backend *nb, struct net_stats *st);
/* tap: the interface's name (the kernel fills "%d" in ifname=); NULL otherwise. */
const char *net_tap_ifname(struct virtio_net_backend *nb);

/* ---- between net.c and the backends (net_slirp.c, net_tap.c) ---- */

struct net_frame {
	size_t len;
	uint8_t data[];
};

struct net_queue {
	struct net_frame *v[NET_QUEUE_FRAMES];
	unsigned head, count;
};

struct net_backend;

struct net_backend_ops {
	/* attached to be->loop: register fds; -1 with err */
	int (*start)(struct net_backend *be, char *err, size_t errlen);
	/* a frame from the guest, on the loop thread */
	void (*output)(struct net_backend *be, const uint8_t *frame, size_t len);
	/* after a batch of output() calls */
	void (*output_done)(struct net_backend *be);
	/* the receive queue has room again (loop thread): read from the host */
	void (*rx_space)(struct net_backend *be);
	/* detach from the loop and free the kind's state (not be itself) */
	void (*destroy)(struct net_backend *be);
};

struct net_backend {
	struct virtio_net_backend nb;	/* first: what devices claim */
	const struct net_backend_ops *ops;
	void *priv;			/* the kind's state */
	char *id;
	struct loop *loop;		/* NULL until net_backend_start() */
	pthread_mutex_t tx_lock;	/* txq: pushed from vCPU threads */
	struct net_queue txq;		/* guest -> host, for the loop thread */
	struct net_queue rxq;		/* host -> guest, waiting for buffers (loop thread) */
	int tx_efd;			/* notifier waking the loop for txq */
	struct loop_bh *rx_bh;		/* rx_ready(): deliver rxq on the loop thread */
	net_deliver_fn deliver;
	void *deliver_opaque;
	struct net_stats st;		/* tx_* under tx_lock, rx_* loop thread */
};

/*
 * A frame for the guest, from the loop thread. Returns false when the
 * receive queue is full after it (the backend should stop reading).
 */
bool net_to_guest(struct net_backend *be, const void *frame, size_t len);
/* Whether the receive queue has room (the backend may read from the host). */
bool net_rx_has_room(const struct net_backend *be);
/* nb as one of ours (user, tap); NULL for loopback and others. */
struct net_backend *net_backend_get(struct virtio_net_backend *nb);

/* Option parsing shared by the kinds: "a=b,c=d" after the kind. */
struct net_opt {
	const char *name;		/* NUL-terminated copy */
	const char *value;
};
/* The kinds' constructors: be->ops/priv set on success, -1 with err. */
int net_slirp_create(struct net_backend *be, const struct net_opt *opts, unsigned nopts,
		     char *err, size_t errlen);
int net_tap_create(struct net_backend *be, const struct net_opt *opts, unsigned nopts,
		   char *err, size_t errlen);

#endif
