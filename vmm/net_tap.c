/*
 * -netdev tap: a host tap interface (see net.h). /dev/net/tun opened with
 * IFF_TAP | IFF_NO_PI: each read() is one Ethernet frame, each write() one
 * frame, no packet-information header and no virtio-net header (the card
 * offers no offloads). The fd is non-blocking and watched by the main loop;
 * a frame the host cannot take at once is dropped, as on a wire. No ifup
 * scripts are run: configure the interface (address, bridge) beforehand.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/loop.h"
#include "vmm/net.h"

#define TAP_DEV			"/dev/net/tun"
#define TAP_READS_PER_WAKE	64	/* then let the rest of the loop run */
#define TAP_MIN_FRAME		14	/* an Ethernet header */

struct tap_be {
	struct net_backend *be;
	int fd;
	bool watched;
	char ifname[IFNAMSIZ];
	uint8_t buf[NET_TAP_MAX_FRAME];
};

static void tap_be_ready(void *opaque, int fd, uint32_t events);

static void tap_be_watch(struct tap_be *t, bool on)
{
	if (on == t->watched || !t->be->loop)
		return;
	if (on)
		t->watched = loop_add_fd(t->be->loop, t->fd, EPOLLIN, tap_be_ready, t) == 0;
	else
		t->watched = loop_del_fd(t->be->loop, t->fd) < 0;
}

static void tap_be_ready(void *opaque, int fd, uint32_t events)
{
	struct tap_be *t = opaque;

	for (unsigned i = 0; i < TAP_READS_PER_WAKE; i++) {
		ssize_t n = read(t->fd, t->buf, sizeof(t->buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;		/* EAGAIN: drained; EIO/EBADFD: interface gone or down */
		if (n < TAP_MIN_FRAME)
			continue;
		if (!net_to_guest(t->be, t->buf, (size_t)n)) {
			tap_be_watch(t, false);	/* the guest's queue is full: read on rx_space */
			return;
		}
	}
}

static int tap_be_start(struct net_backend *be, char *err, size_t errlen)
{
	struct tap_be *t = be->priv;

	tap_be_watch(t, true);
	if (!t->watched) {
		snprintf(err, errlen, "tap %s: cannot watch its fd", t->ifname);
		return -1;
	}
	return 0;
}

static void tap_be_output(struct net_backend *be, const uint8_t *frame, size_t len)
{
	struct tap_be *t = be->priv;
	ssize_t n;

	do
		n = write(t->fd, frame, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		/* EAGAIN (host queue full), EIO (interface down): the frame is lost */
		pthread_mutex_lock(&be->tx_lock);
		be->st.tx_dropped++;
		pthread_mutex_unlock(&be->tx_lock);
	}
}

static void tap_be_rx_space(struct net_backend *be)
{
	tap_be_watch(be->priv, true);
}

static void tap_be_destroy(struct net_backend *be)
{
	struct tap_be *t = be->priv;

	if (!t)
		return;
	tap_be_watch(t, false);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
	be->priv = NULL;
}

static const struct net_backend_ops tap_be_ops = {
	.start = tap_be_start,
	.output = tap_be_output,
	.rx_space = tap_be_rx_space,
	.destroy = tap_be_destroy,
};

static int tap_open(struct tap_be *t, const char *ifname, char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	int e;

	t->fd = open(TAP_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		e = errno;
		if (e == ENOENT || e == ENODEV || e == ENXIO)
			snprintf(err, errlen, "%s: no such device (is the tun driver loaded?)", TAP_DEV);
		else if (e == EACCES || e == EPERM)
			snprintf(err, errlen, "%s: %s (needs CAP_NET_ADMIN or access to %s)", TAP_DEV,
				 strerror(e), TAP_DEV);
		else
			snprintf(err, errlen, "%s: %s", TAP_DEV, strerror(e));
		return -1;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ifname)
		memcpy(ifr.ifr_name, ifname, strlen(ifname));	/* length checked by the caller */
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		if (e == EPERM || e == EACCES)
			snprintf(err, errlen, "cannot attach tap '%s': %s (needs CAP_NET_ADMIN, or a tap "
				 "made for you beforehand: ip tuntap add NAME mode tap user USER)",
				 ifname ? ifname : "", strerror(e));
		else if (e == EBUSY)
			snprintf(err, errlen, "tap '%s' is already in use", ifname ? ifname : "");
		else if (e == EINVAL)
			snprintf(err, errlen, "cannot attach tap '%s': the name is taken by an "
				 "interface that is not a tap", ifname ? ifname : "");
		else
			snprintf(err, errlen, "cannot attach tap '%s': %s", ifname ? ifname : "",
				 strerror(e));
		return -1;
	}
	memcpy(t->ifname, ifr.ifr_name, IFNAMSIZ);
	t->ifname[IFNAMSIZ - 1] = 0;
	return 0;
}

int net_tap_create(struct net_backend *be, const struct net_opt *opts, unsigned nopts,
		   char *err, size_t errlen)
{
	const char *ifname = NULL;
	struct tap_be *t;

	for (unsigned i = 0; i < nopts; i++) {
		const char *n = opts[i].name, *v = opts[i].value;

		if (!strcmp(n, "ifname")) {
			if (!*v || strlen(v) >= IFNAMSIZ || strchr(v, '/') || strchr(v, ' ')) {
				snprintf(err, errlen, "ifname=%s: not an interface name (1-%d characters, "
					 "no '/' or space)", v, IFNAMSIZ - 1);
				return -1;
			}
			ifname = v;
		} else if (!strcmp(n, "script") || !strcmp(n, "downscript")) {
			if (strcmp(v, "no") && strcmp(v, "")) {
				snprintf(err, errlen, "%s=%s: scripts are not run; configure the interface "
					 "beforehand and give %s=no", n, v, n);
				return -1;
			}
		} else if (!strcmp(n, "vhost")) {
			if (strcmp(v, "off")) {
				snprintf(err, errlen, "vhost=%s: vhost-net is not supported", v);
				return -1;
			}
		} else if (!strcmp(n, "fd") || !strcmp(n, "fds") || !strcmp(n, "helper") ||
			   !strcmp(n, "br") || !strcmp(n, "queues") || !strcmp(n, "vnet_hdr")) {
			snprintf(err, errlen, "option '%s' is not supported", n);
			return -1;
		} else {
			snprintf(err, errlen, "unknown option '%s'", n);
			return -1;
		}
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->be = be;
	if (tap_open(t, ifname, err, errlen) < 0) {
		if (t->fd >= 0)
			close(t->fd);
		free(t);
		return -1;
	}
	be->priv = t;
	be->ops = &tap_be_ops;
	return 0;
}

/* The interface name the kernel gave (ifname= may hold "%d"); tests, logs. */
const char *net_tap_ifname(struct virtio_net_backend *nb)
{
	struct net_backend *be = net_backend_get(nb);

	if (!be || !be->priv || be->ops != &tap_be_ops)
		return NULL;
	return ((struct tap_be *)be->priv)->ifname;
}
