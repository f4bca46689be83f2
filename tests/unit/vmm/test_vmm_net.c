/*
 * -netdev backends (vmm/net*.c) without a guest: frames built here go in
 * through the device's send() callback, as a vCPU thread would hand them,
 * and what the backend gives the guest is caught by a deliver hook in place
 * of virtio_net_backend_receive(). The main loop (vmm/loop.c) is the real
 * one. vmm/ objects are not in a library the runner links, so the files
 * under test are compiled into this one.
 *
 * user (libslirp): DHCP DISCOVER -> OFFER of 10.0.2.15 with QEMU's gateway
 * and DNS, ARP for the gateway answered (and not for an unused address),
 * net= moves all of it, hostfwd turns a host connect() into a SYN for the
 * guest port, frames wait while the guest has no receive buffer and come on
 * rx_ready. tap: frames both ways through a real tap interface when this
 * process may create one (CAP_NET_ADMIN), else a skip line. Option errors:
 * one exact line each, in process and through the bringup binary.
 */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"
#include "vmm/loop.c"
#include "vmm/net.c"
#include "vmm/net_slirp.c"
#include "vmm/net_tap.c"

#define T_WAIT_MS	5000
#define T_MAX_FRAMES	64
#define T_ETH_IP	0x0800
#define T_ETH_ARP	0x0806
#define T_ETH_TEST	0x88b5		/* IEEE local experimental ethertype */

static const uint8_t t_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t t_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- what the backend hands "the guest" ---- */

struct t_sink {
	struct loop *l;
	bool (*want)(struct t_sink *k, const uint8_t *f, size_t len);
	uint8_t frames[T_MAX_FRAMES][2048];
	size_t len[T_MAX_FRAMES];
	unsigned n;
	int hit;			/* index of the frame want() took, -1 */
	bool refuse;			/* no receive buffer: -EAGAIN */
	unsigned refused;
	uint32_t xid;			/* DHCP transaction */
	uint16_t port;			/* hostfwd guest port */
	bool host_side_seen;		/* tap: the guest's frame reached the host */
	bool want_host_side;
};

static int t_deliver(void *opaque, const void *frame, size_t len)
{
	struct t_sink *k = opaque;

	if (k->refuse) {
		k->refused++;
		return -EAGAIN;
	}
	/* every frame is shown to want(); the first T_MAX_FRAMES are kept */
	if (k->hit < 0 && k->want && k->want(k, frame, len)) {
		k->hit = (int)k->n;
		if (!k->want_host_side || k->host_side_seen)
			loop_quit(k->l, 0);
	}
	if (k->n < T_MAX_FRAMES && len <= sizeof(k->frames[0])) {
		memcpy(k->frames[k->n], frame, len);
		k->len[k->n] = len;
	}
	k->n++;
	return 0;
}

/* the frame want() took, which the test reads */
static const uint8_t *t_hit_frame(struct t_sink *k)
{
	ck_assert_msg(k->hit >= 0 && k->hit < T_MAX_FRAMES, "wanted frame %d of %u not kept",
		      k->hit, k->n);
	return k->frames[k->hit];
}

static void t_timeout(void *opaque, int fd, uint32_t events)
{
	loop_quit(opaque, 2);
}

/* Run the loop until the sink has what it wants (0) or T_WAIT_MS passed (2). */
static int t_run(struct loop *l)
{
	struct itimerspec its = { .it_value = { .tv_sec = T_WAIT_MS / 1000,
						.tv_nsec = T_WAIT_MS % 1000 * 1000000L } };
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC), r;

	ck_assert_int_ge(tfd, 0);
	ck_assert_int_eq(timerfd_settime(tfd, 0, &its, NULL), 0);
	ck_assert_int_eq(loop_add_fd(l, tfd, EPOLLIN, t_timeout, l), 0);
	r = loop_run(l);
	loop_del_fd(l, tfd);
	close(tfd);
	return r;
}

struct t_net {
	struct loop *l;
	struct virtio_net_backend *nb;
	struct t_sink k;
};

static void t_open(struct t_net *t, const char *opts)
{
	char err[256] = "";

	memset(t, 0, sizeof(*t));
	t->k.hit = -1;
	t->l = loop_new();
	ck_assert_ptr_nonnull(t->l);
	t->k.l = t->l;
	t->nb = net_backend_new(opts, err, sizeof(err));
	ck_assert_msg(t->nb != NULL, "%s: %s", opts, err);
	net_backend_set_deliver(t->nb, t_deliver, &t->k);
}

static void t_start(struct t_net *t)
{
	char err[256] = "";

	ck_assert_msg(net_backend_start(t->nb, t->l, err, sizeof(err)) == 0, "%s", err);
}

static void t_close(struct t_net *t)
{
	net_backend_free(t->nb);
	loop_free(t->l);
}

/* ---- frames ---- */

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += get16(p + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t eth_hdr(uint8_t *f, const uint8_t dst[6], uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, t_mac, 6);
	put16(f + 12, type);
	return 14;
}

/* ARP request "who has tpa? tell spa" from the guest's MAC */
static size_t arp_request(uint8_t *f, uint32_t spa, uint32_t tpa)
{
	size_t n = eth_hdr(f, t_bcast, T_ETH_ARP);
	uint8_t *a = f + n;

	memset(a, 0, 28);
	put16(a, 1);			/* Ethernet */
	put16(a + 2, T_ETH_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);		/* request */
	memcpy(a + 8, t_mac, 6);
	put32(a + 14, spa);
	put32(a + 24, tpa);
	return n + 28;
}

#define BOOTP_LEN	(236 + 312)	/* fixed part + vendor area */

static size_t dhcp_discover(uint8_t *f, uint32_t xid)
{
	size_t n = eth_hdr(f, t_bcast, T_ETH_IP);
	uint8_t *ip = f + n, *udp = ip + 20, *bp = udp + 8, *o = bp + 236;
	size_t ulen = 8 + BOOTP_LEN;

	memset(ip, 0, 20 + ulen);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + ulen));
	ip[8] = 64;
	ip[9] = 17;			/* UDP */
	put32(ip + 12, 0);
	put32(ip + 16, 0xffffffff);
	put16(ip + 10, ip_csum(ip, 20));
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (uint16_t)ulen);	/* checksum 0: none */
	bp[0] = 1;			/* BOOTREQUEST */
	bp[1] = 1;
	bp[2] = 6;
	put32(bp + 4, xid);
	memcpy(bp + 28, t_mac, 6);
	put32(o, 0x63825363);		/* magic cookie */
	o[4] = 53; o[5] = 1; o[6] = 1;	/* DHCPDISCOVER */
	o[7] = 255;
	return n + 20 + ulen;
}

/* the value of DHCP option code in a BOOTP reply's options, NULL if absent */
static const uint8_t *dhcp_opt(const uint8_t *bp, size_t bplen, uint8_t code, uint8_t *olen)
{
	size_t i = 240;

	if (bplen < 240 || get32(bp + 236) != 0x63825363)
		return NULL;
	while (i < bplen && bp[i] != 255) {
		if (bp[i] == 0) {
			i++;
			continue;
		}
		if (i + 2 > bplen || i + 2 + bp[i + 1] > bplen)
			return NULL;
		if (bp[i] == code) {
			*olen = bp[i + 1];
			return bp + i + 2;
		}
		i += 2 + bp[i + 1];
	}
	return NULL;
}

/* an IPv4 UDP frame 67 -> 68 for our MAC carrying a BOOTP reply to xid */
static const uint8_t *dhcp_reply(struct t_sink *k, const uint8_t *f, size_t len, size_t *bplen)
{
	const uint8_t *ip = f + 14;
	size_t ihl;

	if (len < 14 + 20 + 8 + 240 || get16(f + 12) != T_ETH_IP || ip[9] != 17)
		return NULL;
	ihl = (ip[0] & 15) * 4u;
	if (len < 14 + ihl + 8 + 240 || get16(ip + ihl) != 67 || get16(ip + ihl + 2) != 68)
		return NULL;
	if (ip[ihl + 8] != 2 || get32(ip + ihl + 8 + 4) != k->xid)
		return NULL;
	*bplen = len - 14 - ihl - 8;
	return ip + ihl + 8;
}

static bool want_dhcp_reply(struct t_sink *k, const uint8_t *f, size_t len)
{
	size_t bplen;

	return dhcp_reply(k, f, len, &bplen) != NULL;
}

static bool want_arp_reply(struct t_sink *k, const uint8_t *f, size_t len)
{
	return len >= 42 && get16(f + 12) == T_ETH_ARP && get16(f + 20) == 2;
}

/* ---- user: DHCP ---- */

static void check_offer(struct t_net *t, uint32_t yiaddr, uint32_t gw, uint32_t dns, uint32_t mask)
{
	const uint8_t *f, *bp, *o;
	size_t bplen;
	uint8_t ol;

	ck_assert_msg(t->k.hit >= 0, "no DHCP reply among %u frames", t->k.n);
	f = t_hit_frame(&t->k);
	bp = dhcp_reply(&t->k, f, t->k.len[t->k.hit], &bplen);
	ck_assert_ptr_nonnull(bp);
	/* to our card, or broadcast: the client has no address yet */
	ck_assert(!memcmp(f, t_mac, 6) || !memcmp(f, t_bcast, 6));
	ck_assert_uint_eq(get32(bp + 16), yiaddr);	/* yiaddr */
	ck_assert_mem_eq(bp + 28, t_mac, 6);		/* chaddr */
	o = dhcp_opt(bp, bplen, 53, &ol);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(ol, 1);
	ck_assert_uint_eq(o[0], 2);			/* DHCPOFFER */
	o = dhcp_opt(bp, bplen, 54, &ol);		/* server id */
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(get32(o), gw);
	o = dhcp_opt(bp, bplen, 3, &ol);		/* router */
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(get32(o), gw);
	o = dhcp_opt(bp, bplen, 6, &ol);		/* DNS */
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(get32(o), dns);
	o = dhcp_opt(bp, bplen, 1, &ol);		/* netmask */
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(get32(o), mask);
}

START_TEST(test_user_dhcp_offer)
{
	struct t_net t;
	uint8_t f[1024];
	size_t n;

	t_open(&t, "user,id=n0");
	t.k.xid = 0x1badcafe;
	t.k.want = want_dhcp_reply;
	n = dhcp_discover(f, t.k.xid);
	/* sent before the loop exists: queued, then served once started */
	t.nb->send(t.nb, f, n);
	t_start(&t);
	ck_assert_int_eq(t_run(t.l), 0);
	check_offer(&t, 0x0a00020f, 0x0a000202, 0x0a000203, 0xffffff00);
	t_close(&t);
}
END_TEST

START_TEST(test_user_net_option)
{
	struct t_net t;
	uint8_t f[1024];
	size_t n;

	t_open(&t, "user,id=n1,net=192.168.76.0/24,dhcpstart=192.168.76.100,dns=192.168.76.53");
	t_start(&t);
	t.k.xid = 0x00c0ffee;
	t.k.want = want_dhcp_reply;
	n = dhcp_discover(f, t.k.xid);
	t.nb->send(t.nb, f, n);
	ck_assert_int_eq(t_run(t.l), 0);
	check_offer(&t, 0xc0a84c64, 0xc0a84c02, 0xc0a84c35, 0xffffff00);
	t_close(&t);
}
END_TEST

/* ---- user: ARP ---- */

START_TEST(test_user_arp)
{
	struct t_net t;
	const uint8_t *f, *a;
	uint8_t req[64];
	size_t n;

	t_open(&t, "user,id=n0,ipv6=off");
	t_start(&t);
	t.k.want = want_arp_reply;
	/* nobody has .77: no answer; then the gateway's, in order */
	n = arp_request(req, 0x0a00020f, 0x0a00024d);
	t.nb->send(t.nb, req, n);
	n = arp_request(req, 0x0a00020f, 0x0a000202);
	t.nb->send(t.nb, req, n);
	ck_assert_int_eq(t_run(t.l), 0);
	ck_assert_int_eq(t.k.hit, 0);			/* the first frame back */
	f = t.k.frames[0];
	a = f + 14;
	ck_assert_mem_eq(f, t_mac, 6);
	ck_assert_uint_eq(get16(a + 6), 2);		/* reply */
	ck_assert_uint_eq(get32(a + 14), 0x0a000202);	/* sender: the gateway */
	ck_assert_mem_eq(a + 18, t_mac, 6);
	ck_assert_uint_eq(get32(a + 24), 0x0a00020f);
	/* QEMU's gateway MAC: 52:55 then its IPv4 address */
	ck_assert_mem_eq(a + 8, ((uint8_t[]){ 0x52, 0x55, 10, 0, 2, 2 }), 6);
	ck_assert_mem_eq(f + 6, a + 8, 6);
	t_close(&t);
}
END_TEST

/* no receive buffer: the reply waits, then comes on rx_ready */
static void t_post_buffers(void *opaque, int fd, uint32_t events)
{
	struct t_net *t = opaque;
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	t->k.refuse = false;
	t->nb->rx_ready(t->nb);		/* as the device does, on a vCPU thread */
}

START_TEST(test_user_rx_waits_for_buffers)
{
	struct itimerspec its = { .it_value = { .tv_nsec = 100 * 1000000L } };
	struct t_net t;
	struct net_stats st;
	uint8_t req[64];
	size_t n;
	int tfd;

	t_open(&t, "user,id=n0,ipv6=off");
	t_start(&t);
	t.k.want = want_arp_reply;
	t.k.refuse = true;
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ck_assert_int_ge(tfd, 0);
	ck_assert_int_eq(timerfd_settime(tfd, 0, &its, NULL), 0);
	ck_assert_int_eq(loop_add_fd(t.l, tfd, EPOLLIN, t_post_buffers, &t), 0);
	n = arp_request(req, 0x0a00020f, 0x0a000203);	/* the DNS address answers too */
	t.nb->send(t.nb, req, n);
	ck_assert_int_eq(t_run(t.l), 0);
	ck_assert_uint_eq(t.k.refused, 1);		/* tried once, then waited */
	ck_assert_int_eq(t.k.hit, 0);
	ck_assert_uint_eq(get32(t.k.frames[0] + 14 + 14), 0x0a000203);
	net_backend_stats(t.nb, &st);
	ck_assert_uint_eq(st.tx_frames, 1);
	ck_assert_uint_eq(st.rx_frames, 1);
	ck_assert_uint_eq(st.rx_dropped, 0);
	loop_del_fd(t.l, tfd);
	close(tfd);
	t_close(&t);
}
END_TEST

/* ---- user: hostfwd ---- */

static int t_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static bool want_syn(struct t_sink *k, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14, *tcp;

	if (len < 14 + 20 + 20 || get16(f + 12) != T_ETH_IP || ip[9] != 6)
		return false;
	tcp = ip + (ip[0] & 15) * 4;
	if ((size_t)(tcp - f) + 20 > len)
		return false;
	return get16(tcp + 2) == k->port && (tcp[13] & 0x12) == 0x02;	/* SYN, no ACK */
}

START_TEST(test_user_hostfwd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct t_net t;
	const uint8_t *f, *ip;
	char opts[128];
	uint8_t req[64];
	size_t n;
	int port = t_free_port(), fd;

	snprintf(opts, sizeof(opts), "user,id=n0,ipv6=off,hostfwd=tcp:127.0.0.1:%d-:2222", port);
	t_open(&t, opts);
	t_start(&t);
	t.k.port = 2222;
	t.k.want = want_syn;
	/* the guest speaks first, so slirp knows its MAC */
	n = arp_request(req, 0x0a00020f, 0x0a000202);
	t.nb->send(t.nb, req, n);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(fd, 0);
	a.sin_port = htons((uint16_t)port);
	ck_assert(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 || errno == EINPROGRESS);
	ck_assert_int_eq(t_run(t.l), 0);
	f = t_hit_frame(&t.k);
	ip = f + 14;
	ck_assert_mem_eq(f, t_mac, 6);
	ck_assert_uint_eq(get32(ip + 16), 0x0a00020f);	/* to the guest's address */
	ck_assert_uint_eq(get32(ip + 12), 0x0a000202);	/* from the gateway */
	close(fd);
	t_close(&t);
}
END_TEST

START_TEST(test_user_hostfwd_port_busy)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char opts[128], err[256] = "", expect[256];
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;
	socklen_t len = sizeof(a);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	snprintf(opts, sizeof(opts), "user,id=nb,hostfwd=tcp:127.0.0.1:%d-:22", port);
	ck_assert_ptr_null(net_backend_new(opts, err, sizeof(err)));
	snprintf(expect, sizeof(expect), "-netdev user,id=nb: hostfwd=tcp:127.0.0.1:%d-:22: cannot "
		 "listen on host port %d: Address already in use", port, port);
	ck_assert_str_eq(err, expect);
	/* the failed one left nothing registered: the id is free again */
	ck_assert_ptr_null(virtio_backend_find(VIRTIO_BACKEND_NETDEV, "nb"));
	close(fd);
}
END_TEST

/*
 * Flow control: while the guest has no receive buffer, frames wait (up to
 * NET_QUEUE_FRAMES) and slirp stops reading host sockets, so nothing is
 * dropped: 250 ARP replies fill the queue but 6 frames, 20 datagrams come to
 * a UDP hostfwd port, buffers come later, and all 270 arrive, in order.
 */
#define FC_ARPS		250
#define FC_DGRAMS	20
#define FC_GUEST_PORT	5555

struct t_fc {
	struct t_net *t;
	int udp, host_port, step;
	unsigned arps, dgrams;
	bool in_order;
	struct net_stats blocked;	/* stats just before the buffers come */
};

static struct t_fc *fc_now;

static bool want_fc(struct t_sink *k, const uint8_t *f, size_t len)
{
	struct t_fc *fc = fc_now;
	const uint8_t *ip = f + 14, *udp;

	if (len >= 42 && get16(f + 12) == T_ETH_ARP && get16(f + 20) == 2) {
		fc->arps++;
		return false;
	}
	if (len < 14 + 20 + 8 + 4 || get16(f + 12) != T_ETH_IP || ip[9] != 17)
		return false;
	udp = ip + (ip[0] & 15) * 4;
	if ((size_t)(udp - f) + 8 + 4 > len || get16(udp + 2) != FC_GUEST_PORT)
		return false;
	if (udp[8] != 'd' || udp[9] != 'g' || (udp[10] - '0') * 10 + (udp[11] - '0') != (int)fc->dgrams)
		fc->in_order = false;
	return ++fc->dgrams == FC_DGRAMS;
}

static void fc_step(void *opaque, int fd, uint32_t events)
{
	struct t_fc *fc = opaque;
	struct itimerspec its = { .it_value = { .tv_nsec = 300 * 1000000L } };
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	if (fc->step++ == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
					 .sin_port = htons((uint16_t)fc->host_port) };

		for (int i = 0; i < FC_DGRAMS; i++) {
			char d[5];

			snprintf(d, sizeof(d), "dg%02d", i);
			ck_assert_int_eq(sendto(fc->udp, d, 4, 0, (struct sockaddr *)&a, sizeof(a)), 4);
		}
		timerfd_settime(fd, 0, &its, NULL);	/* give slirp time to (not) read them */
		return;
	}
	net_backend_stats(fc->t->nb, &fc->blocked);
	fc->t->k.refuse = false;
	fc->t->nb->rx_ready(fc->t->nb);
}

START_TEST(test_user_flow_control)
{
	struct itimerspec its = { .it_value = { .tv_nsec = 200 * 1000000L } };
	struct t_fc fc = { .in_order = true };
	struct net_stats st;
	struct t_net t;
	char opts[128];
	uint8_t req[64];
	size_t n;
	int tfd;

	fc.host_port = t_free_port();
	snprintf(opts, sizeof(opts), "user,id=n0,ipv6=off,hostfwd=udp:127.0.0.1:%d-:%d",
		 fc.host_port, FC_GUEST_PORT);
	t_open(&t, opts);
	t_start(&t);
	fc.t = &t;
	fc_now = &fc;
	fc.udp = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fc.udp, 0);
	t.k.want = want_fc;
	t.k.refuse = true;
	n = arp_request(req, 0x0a00020f, 0x0a000202);
	for (int i = 0; i < FC_ARPS; i++)
		t.nb->send(t.nb, req, n);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ck_assert_int_ge(tfd, 0);
	ck_assert_int_eq(timerfd_settime(tfd, 0, &its, NULL), 0);
	ck_assert_int_eq(loop_add_fd(t.l, tfd, EPOLLIN, fc_step, &fc), 0);
	ck_assert_int_eq(t_run(t.l), 0);
	/* while blocked: a full queue and nothing dropped */
	ck_assert_uint_eq(fc.blocked.rx_frames, 0);
	ck_assert_uint_eq(fc.blocked.rx_dropped, 0);
	ck_assert_uint_eq(fc.arps, FC_ARPS);
	ck_assert_uint_eq(fc.dgrams, FC_DGRAMS);
	ck_assert(fc.in_order);
	net_backend_stats(t.nb, &st);
	ck_assert_uint_eq(st.rx_frames, FC_ARPS + FC_DGRAMS);
	ck_assert_uint_eq(st.rx_dropped, 0);
	loop_del_fd(t.l, tfd);
	close(tfd);
	close(fc.udp);
	t_close(&t);
}
END_TEST

/* ---- queues ---- */

START_TEST(test_tx_queue_bounded)
{
	struct t_net t;
	struct net_stats st;
	uint8_t req[64];
	size_t n = arp_request(req, 0x0a00020f, 0x0a000202);

	t_open(&t, "user,id=n0,ipv6=off");
	for (unsigned i = 0; i < NET_QUEUE_FRAMES + 44; i++)
		t.nb->send(t.nb, req, n);
	net_backend_stats(t.nb, &st);
	ck_assert_uint_eq(st.tx_frames, NET_QUEUE_FRAMES);
	ck_assert_uint_eq(st.tx_dropped, 44);
	t_close(&t);		/* never started: the queued frames are freed */
}
END_TEST

/* ---- option errors ---- */

struct t_bad {
	const char *opts, *err;
};

static const struct t_bad t_bad_cases[] = {
	{ "", "-netdev: missing the type (user, tap or loopback)" },
	{ "frob,id=x", "-netdev: unknown type 'frob' (user, tap or loopback)" },
	{ "socket,id=x,listen=:1234", "-netdev socket: not supported (user, tap or loopback)" },
	{ "user", "-netdev user: id= is required" },
	{ "user,id=", "-netdev user: id= is required" },
	{ "user,id=a,id=b", "-netdev user: id= given twice" },
	{ "user,id=u,restrict", "-netdev user: option 'restrict' needs a value (name=value)" },
	{ "user,id=u,bogus=1", "-netdev user,id=u: unknown option 'bogus'" },
	{ "user,id=u,tftp=/srv", "-netdev user,id=u: option 'tftp' is not supported" },
	{ "user,id=u,net=10.0.2.0/33",
	  "-netdev user,id=u: net=10.0.2.0/33: not ADDRESS/PREFIX (e.g. 10.0.2.0/24)" },
	{ "user,id=u,net=10.0.2.0/255.0.255.0",
	  "-netdev user,id=u: net=10.0.2.0/255.0.255.0: not ADDRESS/PREFIX (e.g. 10.0.2.0/24)" },
	{ "user,id=u,net=10.0.2.1/24",
	  "-netdev user,id=u: net=10.0.2.1/24: host bits set beyond the netmask" },
	{ "user,id=u,net=10.0.2.0/29",
	  "-netdev user,id=u: net=10.0.2.0/29: the network is too small (at most /28)" },
	{ "user,id=u,host=10.0.3.2",
	  "-netdev user,id=u: host: the address is not a host of the network 10.0.2.0/255.255.255.0" },
	{ "user,id=u,dns=10.0.2.255",
	  "-netdev user,id=u: dns: the address is not a host of the network 10.0.2.0/255.255.255.0" },
	{ "user,id=u,dhcpstart=10.0.2.2",
	  "-netdev user,id=u: dhcpstart: the first lease would be the host's address" },
	{ "user,id=u,host=10.0.2.300", "-netdev user,id=u: host=10.0.2.300: not an IPv4 address" },
	{ "user,id=u,ipv6=maybe", "-netdev user,id=u: ipv6=maybe: expected on or off" },
	{ "user,id=u,hostfwd=tcp::0-:22", "-netdev user,id=u: hostfwd=tcp::0-:22: not "
	  "[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (ports 1-65535)" },
	{ "user,id=u,hostfwd=sctp::22-:22", "-netdev user,id=u: hostfwd=sctp::22-:22: not "
	  "[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (ports 1-65535)" },
	{ "user,id=u,hostfwd=tcp::2222:22", "-netdev user,id=u: hostfwd=tcp::2222:22: not "
	  "[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (ports 1-65535)" },
	{ "user,id=u,hostfwd=tcp::2222-10.0.3.15:22",
	  "-netdev user,id=u: hostfwd=tcp::2222-10.0.3.15:22: the guest address is not in the network" },
	{ "tap,id=t,ifname=abcdefghijklmnop", "-netdev tap,id=t: ifname=abcdefghijklmnop: not an "
	  "interface name (1-15 characters, no '/' or space)" },
	{ "tap,id=t,script=/etc/qemu-ifup", "-netdev tap,id=t: script=/etc/qemu-ifup: scripts are "
	  "not run; configure the interface beforehand and give script=no" },
	{ "tap,id=t,vhost=on", "-netdev tap,id=t: vhost=on: vhost-net is not supported" },
	{ "tap,id=t,bogus=1", "-netdev tap,id=t: unknown option 'bogus'" },
	{ "loopback,id=l,x=1", "-netdev loopback: unknown option 'x'" },
};

START_TEST(test_bad_options)
{
	const struct t_bad *c = &t_bad_cases[_i];
	char err[512] = "";

	ck_assert_ptr_null(net_backend_new(c->opts, err, sizeof(err)));
	ck_assert_str_eq(err, c->err);
}
END_TEST

START_TEST(test_good_options)
{
	static const char *const good[] = {
		"user,id=g0",
		"user,id=g1,net=10.9.0.0/16,host=10.9.0.1,dns=10.9.8.8,dhcpstart=10.9.1.1,restrict=on",
		"user,id=g2,net=172.16.0.0/255.255.255.224,ipv6=off,hostname=vm,domainname=example",
		"loopback,id=g3",
	};
	struct virtio_net_backend *nb[4];
	char err[256];

	for (unsigned i = 0; i < 4; i++) {
		err[0] = 0;
		nb[i] = net_backend_new(good[i], err, sizeof(err));
		ck_assert_msg(nb[i] != NULL, "%s: %s", good[i], err);
	}
	/* a second backend with a taken id */
	ck_assert_ptr_null(net_backend_new("user,id=g3", err, sizeof(err)));
	ck_assert_str_eq(err, "-netdev user: duplicate id 'g3'");
	for (unsigned i = 0; i < 4; i++)
		net_backend_free(nb[i]);
	ck_assert_ptr_null(virtio_backend_find(VIRTIO_BACKEND_NETDEV, "g0"));
}
END_TEST

/* the same errors through the program: one line, status 1 */
START_TEST(test_binary_errors)
{
	static const char *const args[][2] = {
		{ "frob,id=x", "bringup: -netdev: unknown type 'frob' (user, tap or loopback)\n" },
		{ "user,id=u,bogus=1", "bringup: -netdev user,id=u: unknown option 'bogus'\n" },
	};
	const char *bin = harness_build_path("bringup");
	struct run_result r;

	if (access(bin, X_OK)) {
		harness_skip("vmm_net binary", "build/bringup is not built");
		return;
	}
	for (unsigned i = 0; i < 2; i++) {
		char *argv[] = { (char *)bin, "-netdev", (char *)args[i][0], "-M",
				 "dumpdtb=/dev/null", NULL };

		ck_assert_int_eq(harness_run(argv, 20, &r), 0);
		ck_assert_int_eq(r.status, 1);
		ck_assert_str_eq(r.err, args[i][1]);
		harness_free(&r);
	}
	{
		char *argv[] = { (char *)bin, "-netdev", "user,id=n0", "-device",
				 "virtio-net-pci,netdev=n0", "-M", "dumpdtb=/dev/null", NULL };

		ck_assert_int_eq(harness_run(argv, 20, &r), 0);
		ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
		harness_free(&r);
	}
}
END_TEST

/* ---- tap ---- */

static bool want_test_frame(struct t_sink *k, const uint8_t *f, size_t len)
{
	return len >= 20 && get16(f + 12) == T_ETH_TEST && !memcmp(f + 14, "host->guest", 11);
}

struct t_tap_host {
	struct t_sink *k;
	int fd;
};

static void t_host_rx(void *opaque, int fd, uint32_t events)
{
	struct t_tap_host *h = opaque;
	uint8_t buf[2048];
	struct sockaddr_ll from;
	socklen_t flen = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen)) > 0) {
		if (from.sll_pkttype != PACKET_OUTGOING && n >= 25 && get16(buf + 12) == T_ETH_TEST &&
		    !memcmp(buf + 14, "guest->host", 11) && !memcmp(buf + 6, t_mac, 6)) {
			h->k->host_side_seen = true;
			if (h->k->hit >= 0)
				loop_quit(h->k->l, 0);
		}
		flen = sizeof(from);
	}
}

static void t_if_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(s, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ck_assert_int_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

/*
 * A started tap backend "brntN", up, and a packet socket on it for the host
 * side; false (after a skip line) where this process may not create taps.
 */
static bool t_tap_open(struct t_net *t, const char *test, char ifname[IFNAMSIZ],
		       struct sockaddr_ll *ll, int *ps)
{
	char err[256] = "";
	const char *name;

	memset(t, 0, sizeof(*t));
	t->k.hit = -1;
	t->l = loop_new();
	ck_assert_ptr_nonnull(t->l);
	t->k.l = t->l;
	t->nb = net_backend_new("tap,id=t0,ifname=brnt%d,script=no,downscript=no", err, sizeof(err));
	if (!t->nb) {
		/* unprivileged, or no tun driver: say why and stop */
		ck_assert_msg(strstr(err, "CAP_NET_ADMIN") || strstr(err, "no such device"), "%s", err);
		harness_skip(test, err);
		loop_free(t->l);
		return false;
	}
	net_backend_set_deliver(t->nb, t_deliver, &t->k);
	name = net_tap_ifname(t->nb);
	ck_assert_ptr_nonnull(name);
	snprintf(ifname, IFNAMSIZ, "%s", name ? name : "");
	ck_assert_msg(!strncmp(ifname, "brnt", 4) && ifname[4] >= '0' && ifname[4] <= '9', "%s", ifname);
	t_if_up(ifname);
	t_start(t);

	*ll = (struct sockaddr_ll){ .sll_family = AF_PACKET, .sll_protocol = htons(T_ETH_TEST) };
	*ps = socket(AF_PACKET, SOCK_RAW, htons(T_ETH_TEST));
	ck_assert_int_ge(*ps, 0);
	ll->sll_ifindex = (int)if_nametoindex(ifname);
	ck_assert_int_gt(ll->sll_ifindex, 0);
	ck_assert_int_eq(bind(*ps, (struct sockaddr *)ll, sizeof(*ll)), 0);
	return true;
}

/* a test frame from the host side: "host->guest" and an index */
static void t_host_frame(uint8_t f[60], unsigned idx)
{
	memset(f, 0, 60);
	memcpy(f, t_mac, 6);
	memcpy(f + 6, ((uint8_t[]){ 0x02, 0, 0, 0, 0, 1 }), 6);
	put16(f + 12, T_ETH_TEST);
	memcpy(f + 14, "host->guest", 11);
	put16(f + 25, (uint16_t)idx);
}

START_TEST(test_tap_frames)
{
	struct sockaddr_ll ll;
	struct t_tap_host h;
	struct t_net t;
	char ifname[IFNAMSIZ];
	uint8_t f[64];
	int ps;

	if (!t_tap_open(&t, "vmm_net tap", ifname, &ll, &ps))
		return;
	h.k = &t.k;
	h.fd = ps;
	ck_assert_int_eq(loop_add_fd(t.l, ps, EPOLLIN, t_host_rx, &h), 0);

	/* host -> guest: a frame sent on the interface comes out of the backend */
	t_host_frame(f, 0);
	ck_assert_int_eq(sendto(ps, f, 60, 0, (struct sockaddr *)&ll, sizeof(ll)), 60);
	/* guest -> host: a frame the card sends appears on the interface */
	eth_hdr(f, t_bcast, T_ETH_TEST);
	memcpy(f + 14, "guest->host", 11);
	t.k.want = want_test_frame;
	t.k.want_host_side = true;
	t.nb->send(t.nb, f, 60);

	ck_assert_int_eq(t_run(t.l), 0);
	ck_assert(t.k.host_side_seen);
	ck_assert_int_ge(t.k.hit, 0);
	t_hit_frame(&t.k);
	ck_assert_uint_eq(t.k.len[t.k.hit], 60);
	loop_del_fd(t.l, ps);
	close(ps);
	t_close(&t);
	/* the tap was not persistent: closing it removed the interface */
	ck_assert_uint_eq(if_nametoindex(ifname), 0);
}
END_TEST

/* tap flow control: frames wait in the tap while the guest has no buffers */
#define TAP_FC_FRAMES	300	/* more than NET_QUEUE_FRAMES, fewer than the tap's queue */

struct t_tap_fc {
	struct t_net *t;
	unsigned got;
	bool in_order;
	struct net_stats blocked;
};

static struct t_tap_fc *tap_fc_now;

static bool want_tap_fc(struct t_sink *k, const uint8_t *f, size_t len)
{
	struct t_tap_fc *fc = tap_fc_now;

	if (!want_test_frame(k, f, len))
		return false;
	if (get16(f + 25) != fc->got)
		fc->in_order = false;
	return ++fc->got == TAP_FC_FRAMES;
}

static void tap_fc_buffers(void *opaque, int fd, uint32_t events)
{
	struct t_tap_fc *fc = opaque;
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	net_backend_stats(fc->t->nb, &fc->blocked);
	fc->t->k.refuse = false;
	fc->t->nb->rx_ready(fc->t->nb);
}

START_TEST(test_tap_flow_control)
{
	struct itimerspec its = { .it_value = { .tv_nsec = 300 * 1000000L } };
	struct t_tap_fc fc = { .in_order = true };
	struct sockaddr_ll ll;
	struct net_stats st;
	struct t_net t;
	char ifname[IFNAMSIZ];
	uint8_t f[64];
	int ps, tfd;

	if (!t_tap_open(&t, "vmm_net tap flow control", ifname, &ll, &ps))
		return;
	fc.t = &t;
	tap_fc_now = &fc;
	t.k.want = want_tap_fc;
	t.k.refuse = true;
	for (unsigned i = 0; i < TAP_FC_FRAMES; i++) {
		t_host_frame(f, i);
		ck_assert_int_eq(sendto(ps, f, 60, 0, (struct sockaddr *)&ll, sizeof(ll)), 60);
	}
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ck_assert_int_ge(tfd, 0);
	ck_assert_int_eq(timerfd_settime(tfd, 0, &its, NULL), 0);
	ck_assert_int_eq(loop_add_fd(t.l, tfd, EPOLLIN, tap_fc_buffers, &fc), 0);
	ck_assert_int_eq(t_run(t.l), 0);
	/* blocked: the queue held what it could, the rest stayed in the tap */
	ck_assert_uint_eq(fc.blocked.rx_frames, 0);
	ck_assert_uint_eq(fc.blocked.rx_dropped, 0);
	ck_assert_uint_eq(fc.got, TAP_FC_FRAMES);
	ck_assert(fc.in_order);
	net_backend_stats(t.nb, &st);
	ck_assert_uint_eq(st.rx_dropped, 0);
	loop_del_fd(t.l, tfd);
	close(tfd);
	close(ps);
	t_close(&t);
}
END_TEST

START_TEST(test_tap_not_a_tap)
{
	char err[256] = "";

	/* "lo" exists and is no tap: refused, whoever we are */
	ck_assert_ptr_null(net_backend_new("tap,id=t1,ifname=lo", err, sizeof(err)));
	ck_assert_msg(!strncmp(err, "-netdev tap,id=t1: ", 19), "%s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* ---- a Linux guest: bringup.test=net of the test initramfs ---- */

#define GUEST_WAIT_S	300	/* a TCG boot; far longer under ASan */
#define GUEST_FWD_PORT	7777

/* one line from a connected socket, at most wait_ms; "" if none came */
static void t_read_line(int fd, char *buf, size_t len, int wait_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;

	buf[0] = 0;
	while (n + 1 < len && poll(&p, 1, wait_ms) == 1) {
		ssize_t r = read(fd, buf + n, len - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = 0;
		if (strchr(buf, '\n'))
			break;
	}
}

START_TEST(test_guest_dhcp_nat_hostfwd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	const char *vmm = harness_build_path("bringup");
	char kernel[4096], initrd[4096], append[256], netdev[128];
	char hello[128] = "", fwd[128] = "";
	char *outpath, *errpath, *out = NULL;
	socklen_t alen = sizeof(a);
	int ls, port, fwd_port, pid, status;
	struct timespec t0, now;
	size_t outlen;
	bool skip = false;

	snprintf(kernel, sizeof(kernel), "%s", harness_asset_path("vmlinuz"));
	snprintf(initrd, sizeof(initrd), "%s", harness_asset_path("initramfs.cpio.gz"));
	if (access(vmm, X_OK) || access(kernel, R_OK) || access(initrd, R_OK)) {
		harness_skip("vmm_net guest", "needs build/bringup and the assets (make assets)");
		return;
	}
	/* the host end of the guest's outgoing connection to 10.0.2.2:port */
	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(ls, 0);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(ls, 1), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
	port = ntohs(a.sin_port);
	fwd_port = t_free_port();
	snprintf(append, sizeof(append), "console=ttyS0 bringup.test=net bringup.net.port=%d "
		 "bringup.net.fwd=%d", port, GUEST_FWD_PORT);
	snprintf(netdev, sizeof(netdev), "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:%d", fwd_port,
		 GUEST_FWD_PORT);
	outpath = harness_write_temp("", 0, ".out");
	errpath = harness_write_temp("", 0, ".err");
	{
		char *argv[] = { (char *)vmm, "-M", "pc", "-accel", "tcg", "-m", "256",
				 "-kernel", kernel, "-initrd", initrd, "-append", append,
				 "-netdev", netdev, "-device", "virtio-net-pci,netdev=n0",
				 "-nographic", "-no-reboot", NULL };

		pid = harness_spawn(argv, outpath, errpath);
	}
	ck_assert_int_gt(pid, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int c;

		free(out);
		out = harness_read_file(outpath, &outlen);
		if (out && strstr(out, "(no /tests/net.sh)")) {
			skip = true;
			break;
		}
		if (!hello[0] && (c = accept(ls, NULL, NULL)) >= 0) {
			t_read_line(c, hello, sizeof(hello), 5000);
			close(c);
		}
		if (!fwd[0] && out && strstr(out, "net: serving a line on port")) {
			struct sockaddr_in f = a;
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			ck_assert_int_ge(fd, 0);
			f.sin_port = htons((uint16_t)fwd_port);
			if (connect(fd, (struct sockaddr *)&f, sizeof(f)) == 0)
				t_read_line(fd, fwd, sizeof(fwd), 5000);
			close(fd);
		}
		if (out && (strstr(out, "BRINGUP-INIT-DONE") || strstr(out, "Kernel panic")))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > GUEST_WAIT_S)
			break;
		usleep(200 * 1000);
	}
	status = harness_wait(pid, 30);
	free(out);
	out = harness_read_file(outpath, &outlen);
	unlink(outpath);
	unlink(errpath);
	free(outpath);
	free(errpath);
	close(ls);
	if (skip) {
		harness_skip("vmm_net guest", "the initramfs has no /tests/net.sh (rebuild: make assets)");
		free(out);
		return;
	}
	if (!out || !strstr(out, "BRINGUP-TEST: net PASS")) {
		const char *t = out ? strstr(out, "BRINGUP-INIT-START") : NULL;

		fprintf(stderr, "vmm_net guest console (from init):\n%s\n", t ? t : out ? out : "");
		ck_abort_msg("no 'BRINGUP-TEST: net PASS' (status %d, %s; console on stderr)", status,
			     t ? "init ran" : "the guest never reached /init");
	}
	/* the guest's connection to 10.0.2.2 reached the host's loopback */
	ck_assert_str_eq(hello, "BRINGUP-NET-HELLO from 10.0.2.15\n");
	/* and hostfwd brought the host to the guest's port */
	ck_assert_str_eq(fwd, "BRINGUP-NET-FWD from 10.0.2.15\n");
	ck_assert_int_eq(status, 0);
	free(out);
}
END_TEST

Suite *vmm_net_suite(void)
{
	Suite *s = suite_create("vmm_net");
	TCase *tc = tcase_create("net");
	TCase *guest = tcase_create("guest");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_user_dhcp_offer);
	tcase_add_test(tc, test_user_net_option);
	tcase_add_test(tc, test_user_arp);
	tcase_add_test(tc, test_user_rx_waits_for_buffers);
	tcase_add_test(tc, test_user_hostfwd);
	tcase_add_test(tc, test_user_hostfwd_port_busy);
	tcase_add_test(tc, test_user_flow_control);
	tcase_add_test(tc, test_tx_queue_bounded);
	tcase_add_loop_test(tc, test_bad_options, 0, (int)(sizeof(t_bad_cases) / sizeof(t_bad_cases[0])));
	tcase_add_test(tc, test_good_options);
	tcase_add_test(tc, test_binary_errors);
	tcase_add_test(tc, test_tap_frames);
	tcase_add_test(tc, test_tap_flow_control);
	tcase_add_test(tc, test_tap_not_a_tap);
	suite_add_tcase(s, tc);
	tcase_set_timeout(guest, GUEST_WAIT_S + 60);
	tcase_add_test(guest, test_guest_dhcp_nat_hostfwd);
	suite_add_tcase(s, guest);
	return s;
}
