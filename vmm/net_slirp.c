/*
 * -netdev user: user-mode networking through libslirp (see net.h).
 *
 * slirp is a poll()-style library: slirp_pollfds_fill() names the sockets it
 * wants watched, slirp_pollfds_poll() serves the ready ones and runs its TCP
 * timers. On our epoll loop, one "service" pass is fill, poll(2) with a zero
 * timeout, slirp_pollfds_poll(), the expired slirp timers, then a second fill
 * whose set is mirrored into the loop's watches (only the differences are
 * changed) and whose timeout arms a timerfd. Any watched fd that becomes
 * ready schedules a pass as a bottom half. Everything runs on the main loop
 * thread; frames the guest sends reach slirp_input() there (net.c queues them).
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "board/log.h"
#include "vmm/loop.h"
#include "vmm/net.h"

/*
 * libslirp (and the glib it pulls in) is opened with dlopen() when a
 * -netdev user is created, not at start-up: 1.4 MiB of resident memory and
 * most of a millisecond that a VMM without user networking must not pay.
 */
static struct {
	Slirp *(*new_)(const SlirpConfig *cfg, const SlirpCb *callbacks, void *opaque);
	void (*cleanup)(Slirp *slirp);
	void (*input)(Slirp *slirp, const uint8_t *pkt, int pkt_len);
	void (*pollfds_fill)(Slirp *slirp, uint32_t *timeout, SlirpAddPollCb add_poll, void *opaque);
	void (*pollfds_poll)(Slirp *slirp, int select_error, SlirpGetREventsCb get_revents,
			     void *opaque);
	void (*handle_timer)(Slirp *slirp, SlirpTimerId id, void *cb_opaque);
	int (*add_hostfwd)(Slirp *slirp, int is_udp, struct in_addr host_addr, int host_port,
			   struct in_addr guest_addr, int guest_port);
	bool loaded;
} lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_load(void)
{
	void *h = dlopen("libslirp.so.0", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
	*(void **)&lib.new_ = dlsym(h, "slirp_new");
	*(void **)&lib.cleanup = dlsym(h, "slirp_cleanup");
	*(void **)&lib.input = dlsym(h, "slirp_input");
	*(void **)&lib.pollfds_fill = dlsym(h, "slirp_pollfds_fill");
	*(void **)&lib.pollfds_poll = dlsym(h, "slirp_pollfds_poll");
	*(void **)&lib.handle_timer = dlsym(h, "slirp_handle_timer");
	*(void **)&lib.add_hostfwd = dlsym(h, "slirp_add_hostfwd");
	lib.loaded = lib.new_ && lib.cleanup && lib.input && lib.pollfds_fill && lib.pollfds_poll &&
		     lib.handle_timer && lib.add_hostfwd;
}

/* QEMU's user network: 10.0.2.0/24, gateway .2, DNS .3, DHCP leases from .15 */
#define SLIRP_DEFAULT_NET	0x0a000200u
#define SLIRP_DEFAULT_PREFIX	24
#define SLIRP_HOST_OFFSET	2
#define SLIRP_DNS_OFFSET	3
#define SLIRP_DHCP_OFFSET	15
#define SLIRP_IPV6_PREFIX	"fec0::"
#define SLIRP_IPV6_PREFIX_LEN	64
#define SLIRP_IPV6_HOST		"fec0::2"
#define SLIRP_IPV6_DNS		"fec0::3"
#define SLIRP_MAX_HOSTFWD	32
#define SLIRP_TIMEOUT_IDLE_MS	1000u	/* slirp's own cap on a poll sleep */

struct slirp_be_timer {
	SlirpTimerCb cb;		/* timer_new() ones */
	SlirpTimerId tid;		/* timer_new_opaque() ones */
	void *cb_opaque;
	int64_t expire_ms;		/* -1: not armed */
	struct slirp_be_timer *next;
};

struct slirp_be_watch {
	int fd;
	uint32_t events;		/* EPOLL* */
};

struct slirp_be {
	struct net_backend *be;
	Slirp *slirp;
	char *hostname, *domainname;
	struct pollfd *pfd;		/* the current fill */
	unsigned npfd, pfd_cap;
	struct slirp_be_watch *w;	/* mirrored into the loop */
	unsigned nw, w_cap;
	int timerfd;
	bool timer_watched;
	struct loop_bh *service_bh;
	struct slirp_be_timer *timers;
	bool rx_blocked;		/* the guest's receive queue is full: read nothing */
	bool in_service;
};

/* ---- slirp callbacks ---- */

static int64_t slirp_be_clock_ns(void *opaque)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static ssize_t slirp_be_send_packet(const void *buf, size_t len, void *opaque)
{
	struct slirp_be *s = opaque;

	if (!net_to_guest(s->be, buf, len))
		s->rx_blocked = true;
	return (ssize_t)len;
}

static void slirp_be_guest_error(const char *msg, void *opaque)
{
	struct slirp_be *s = opaque;

	guest_error("netdev %s: %s\n", s->be->id, msg);
}

static struct slirp_be_timer *slirp_be_timer_add(struct slirp_be *s)
{
	struct slirp_be_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->expire_ms = -1;
	t->next = s->timers;
	s->timers = t;
	return t;
}

static void *slirp_be_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct slirp_be_timer *t = slirp_be_timer_add(opaque);

	if (t) {
		t->cb = cb;
		t->cb_opaque = cb_opaque;
	}
	return t;
}

static void *slirp_be_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct slirp_be_timer *t = slirp_be_timer_add(opaque);

	if (t) {
		t->tid = id;
		t->cb_opaque = cb_opaque;
	}
	return t;
}

static void slirp_be_timer_free(void *timer, void *opaque)
{
	struct slirp_be *s = opaque;

	for (struct slirp_be_timer **pp = &s->timers; *pp; pp = &(*pp)->next) {
		if (*pp == timer) {
			*pp = ((struct slirp_be_timer *)timer)->next;
			free(timer);
			return;
		}
	}
}

static void slirp_be_arm(struct slirp_be *s, uint32_t timeout_ms);

static void slirp_be_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct slirp_be *s = opaque;

	((struct slirp_be_timer *)timer)->expire_ms = expire_ms < 0 ? 0 : expire_ms;
	/* a pass re-arms on its way out; outside one, arm now */
	if (!s->in_service && s->be->loop)
		slirp_be_arm(s, SLIRP_TIMEOUT_IDLE_MS);
}

static void slirp_be_register_fd(int fd, void *opaque)
{
	/* the next fill names it */
}

static void slirp_be_unwatch_at(struct slirp_be *s, unsigned i)
{
	if (s->be->loop)
		loop_del_fd(s->be->loop, s->w[i].fd);
	s->w[i] = s->w[--s->nw];
}

static void slirp_be_unregister_fd(int fd, void *opaque)
{
	struct slirp_be *s = opaque;

	/* before slirp closes it: a reused fd number must not find a stale watch */
	for (unsigned i = 0; i < s->nw; i++) {
		if (s->w[i].fd == fd) {
			slirp_be_unwatch_at(s, i);
			return;
		}
	}
}

static void slirp_be_notify(void *opaque)
{
	struct slirp_be *s = opaque;

	if (s->service_bh)
		loop_bh_schedule(s->service_bh);
}

static const SlirpCb slirp_be_cb = {
	.send_packet = slirp_be_send_packet,
	.guest_error = slirp_be_guest_error,
	.clock_get_ns = slirp_be_clock_ns,
	.timer_new = slirp_be_timer_new,
	.timer_free = slirp_be_timer_free,
	.timer_mod = slirp_be_timer_mod,
	.register_poll_fd = slirp_be_register_fd,
	.unregister_poll_fd = slirp_be_unregister_fd,
	.notify = slirp_be_notify,
	.timer_new_opaque = slirp_be_timer_new_opaque,
};

/* ---- poll sets ---- */

static int slirp_be_add_poll(int fd, int events, void *opaque)
{
	struct slirp_be *s = opaque;
	short pev = 0;

	if (s->rx_blocked) {
		/* reading would make frames the guest has no room for */
		events &= ~(SLIRP_POLL_IN | SLIRP_POLL_PRI | SLIRP_POLL_HUP);
		if (!(events & SLIRP_POLL_OUT))
			return -1;
	}
	if (s->npfd == s->pfd_cap) {
		unsigned cap = s->pfd_cap ? s->pfd_cap * 2 : 16;
		struct pollfd *p = realloc(s->pfd, cap * sizeof(*p));

		if (!p)
			return -1;	/* not watched this pass; the next retries */
		s->pfd = p;
		s->pfd_cap = cap;
	}
	if (events & SLIRP_POLL_IN)
		pev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		pev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		pev |= POLLPRI;
	s->pfd[s->npfd] = (struct pollfd){ .fd = fd, .events = pev };
	return (int)s->npfd++;
}

static int slirp_be_get_revents(int idx, void *opaque)
{
	struct slirp_be *s = opaque;
	short rev;
	int r = 0;

	if (idx < 0 || (unsigned)idx >= s->npfd)
		return 0;
	rev = s->pfd[idx].revents;
	if (rev & POLLIN)
		r |= SLIRP_POLL_IN;
	if (rev & POLLOUT)
		r |= SLIRP_POLL_OUT;
	if (rev & POLLPRI)
		r |= SLIRP_POLL_PRI;
	if (rev & (POLLERR | POLLNVAL))
		r |= SLIRP_POLL_ERR;
	if (rev & POLLHUP)
		r |= SLIRP_POLL_HUP;
	return r;
}

static uint32_t slirp_be_epoll_events(short pev)
{
	uint32_t ev = 0;

	if (pev & POLLIN)
		ev |= EPOLLIN;
	if (pev & POLLOUT)
		ev |= EPOLLOUT;
	if (pev & POLLPRI)
		ev |= EPOLLPRI;
	return ev;
}

static void slirp_be_fd_ready(void *opaque, int fd, uint32_t events)
{
	struct slirp_be *s = opaque;

	loop_bh_schedule(s->service_bh);
}

static int slirp_be_watch_add(struct slirp_be *s, int fd, uint32_t ev)
{
	if (s->nw == s->w_cap) {
		unsigned cap = s->w_cap ? s->w_cap * 2 : 16;
		struct slirp_be_watch *w = realloc(s->w, cap * sizeof(*w));

		if (!w)
			return -ENOMEM;
		s->w = w;
		s->w_cap = cap;
	}
	if (loop_add_fd(s->be->loop, fd, ev, slirp_be_fd_ready, s) < 0)
		return -EIO;
	s->w[s->nw++] = (struct slirp_be_watch){ .fd = fd, .events = ev };
	return 0;
}

/* Make the loop's watches what the current fill asks for. */
static void slirp_be_sync_watches(struct slirp_be *s)
{
	for (unsigned i = 0; i < s->npfd; i++) {
		/* one socket, one entry; merge defensively if slirp names an fd twice */
		for (unsigned j = i + 1; j < s->npfd; j++) {
			if (s->pfd[j].fd == s->pfd[i].fd) {
				s->pfd[i].events |= s->pfd[j].events;
				s->pfd[j].fd = -1;
			}
		}
	}
	for (unsigned i = 0; i < s->nw;) {
		uint32_t want = 0;
		bool found = false;

		for (unsigned j = 0; j < s->npfd; j++) {
			if (s->pfd[j].fd == s->w[i].fd) {
				want = slirp_be_epoll_events(s->pfd[j].events);
				found = true;
				break;
			}
		}
		if (found && want == s->w[i].events) {
			i++;
			continue;
		}
		slirp_be_unwatch_at(s, i);	/* re-added below with the new events */
	}
	for (unsigned j = 0; j < s->npfd; j++) {
		bool have = false;

		if (s->pfd[j].fd < 0)
			continue;
		for (unsigned i = 0; i < s->nw && !have; i++)
			have = s->w[i].fd == s->pfd[j].fd;
		if (!have)
			slirp_be_watch_add(s, s->pfd[j].fd, slirp_be_epoll_events(s->pfd[j].events));
	}
}

static void slirp_be_arm(struct slirp_be *s, uint32_t timeout_ms)
{
	int64_t now = slirp_be_clock_ns(NULL) / 1000000;
	int64_t deadline = now + (timeout_ms < SLIRP_TIMEOUT_IDLE_MS ? timeout_ms
							    : SLIRP_TIMEOUT_IDLE_MS);
	struct itimerspec its = { 0 };
	int64_t delta;

	for (struct slirp_be_timer *t = s->timers; t; t = t->next)
		if (t->expire_ms >= 0 && t->expire_ms < deadline)
			deadline = t->expire_ms;
	delta = deadline > now ? deadline - now : 0;
	/* 0 would disarm: fire at once instead */
	its.it_value.tv_sec = delta / 1000;
	its.it_value.tv_nsec = delta % 1000 * 1000000 + (delta ? 0 : 1);
	timerfd_settime(s->timerfd, 0, &its, NULL);
}

static void slirp_be_run_timers(struct slirp_be *s)
{
	int64_t now = slirp_be_clock_ns(NULL) / 1000000;
	struct slirp_be_timer *t;

	/* a callback may add, change or free timers: restart after each */
	do {
		for (t = s->timers; t; t = t->next)
			if (t->expire_ms >= 0 && t->expire_ms <= now)
				break;
		if (t) {
			t->expire_ms = -1;
			if (t->cb)
				t->cb(t->cb_opaque);
			else
				lib.handle_timer(s->slirp, t->tid, t->cb_opaque);
		}
	} while (t);
}

/* One pass: serve ready sockets and timers, then re-mirror the poll set. */
static void slirp_be_service(struct slirp_be *s)
{
	uint32_t timeout = UINT32_MAX;
	int r = 0;

	s->in_service = true;
	s->npfd = 0;
	lib.pollfds_fill(s->slirp, &timeout, slirp_be_add_poll, s);
	if (s->npfd)
		r = poll(s->pfd, s->npfd, 0);
	lib.pollfds_poll(s->slirp, r < 0, slirp_be_get_revents, s);
	slirp_be_run_timers(s);

	timeout = UINT32_MAX;
	s->npfd = 0;
	lib.pollfds_fill(s->slirp, &timeout, slirp_be_add_poll, s);
	slirp_be_sync_watches(s);
	slirp_be_arm(s, timeout);
	s->in_service = false;
}

static void slirp_be_service_bh(void *opaque)
{
	slirp_be_service(opaque);
}

static void slirp_be_timer_ready(void *opaque, int fd, uint32_t events)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	slirp_be_service(opaque);
}

/* ---- net_backend_ops ---- */

static int slirp_be_start(struct net_backend *be, char *err, size_t errlen)
{
	struct slirp_be *s = be->priv;

	s->service_bh = loop_bh_new(be->loop, slirp_be_service_bh, s);
	if (!s->service_bh || loop_add_fd(be->loop, s->timerfd, EPOLLIN, slirp_be_timer_ready, s) < 0) {
		if (s->service_bh)
			loop_bh_delete(s->service_bh);
		s->service_bh = NULL;
		snprintf(err, errlen, "cannot attach slirp to the main loop");
		return -1;
	}
	s->timer_watched = true;
	slirp_be_service(s);		/* watch the hostfwd listeners */
	return 0;
}

static void slirp_be_output(struct net_backend *be, const uint8_t *frame, size_t len)
{
	struct slirp_be *s = be->priv;

	if (len > INT32_MAX)
		return;
	lib.input(s->slirp, frame, (int)len);
}

static void slirp_be_output_done(struct net_backend *be)
{
	/* new connections need their sockets watched */
	slirp_be_service(be->priv);
}

static void slirp_be_rx_space(struct net_backend *be)
{
	struct slirp_be *s = be->priv;

	s->rx_blocked = false;
	slirp_be_service(s);
}

static void slirp_be_destroy(struct net_backend *be)
{
	struct slirp_be *s = be->priv;

	if (!s)
		return;
	while (s->nw)
		slirp_be_unwatch_at(s, s->nw - 1);
	if (s->timer_watched)
		loop_del_fd(be->loop, s->timerfd);
	if (s->service_bh)
		loop_bh_delete(s->service_bh);
	s->service_bh = NULL;
	if (s->slirp)
		lib.cleanup(s->slirp);	/* frees its timers through timer_free */
	while (s->timers)
		slirp_be_timer_free(s->timers, s);
	if (s->timerfd >= 0)
		close(s->timerfd);
	free(s->pfd);
	free(s->w);
	free(s->hostname);
	free(s->domainname);
	free(s);
	be->priv = NULL;
}

static const struct net_backend_ops slirp_be_ops = {
	.start = slirp_be_start,
	.output = slirp_be_output,
	.output_done = slirp_be_output_done,
	.rx_space = slirp_be_rx_space,
	.destroy = slirp_be_destroy,
};

/* ---- options ---- */

static int slirp_parse_addr(const char *v, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

/* "A.B.C.D/N" or "A.B.C.D/M.M.M.M" (or no mask: /24) */
static int slirp_parse_net(const char *v, uint32_t *net, uint32_t *mask, char *err, size_t errlen)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(v, '/');
	size_t alen = slash ? (size_t)(slash - v) : strlen(v);
	unsigned prefix = SLIRP_DEFAULT_PREFIX;

	if (alen >= sizeof(addr))
		goto bad;
	memcpy(addr, v, alen);
	addr[alen] = 0;
	if (slirp_parse_addr(addr, net) < 0)
		goto bad;
	if (slash && strchr(slash + 1, '.')) {
		if (slirp_parse_addr(slash + 1, mask) < 0 || (~*mask & (~*mask + 1)) != 0)
			goto bad;
	} else if (slash) {
		char *end;
		unsigned long p = strtoul(slash + 1, &end, 10);

		if (!slash[1] || *end || p > 32)
			goto bad;
		prefix = (unsigned)p;
	}
	if (!slash || !strchr(slash + 1, '.'))
		*mask = prefix ? ~0u << (32 - prefix) : 0;
	/* room for the gateway, DNS and DHCP range: at least 16 host addresses */
	if (~*mask < SLIRP_DHCP_OFFSET) {
		snprintf(err, errlen, "net=%s: the network is too small (at most /28)", v);
		return -1;
	}
	if (*net & ~*mask) {
		snprintf(err, errlen, "net=%s: host bits set beyond the netmask", v);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "net=%s: not ADDRESS/PREFIX (e.g. 10.0.2.0/24)", v);
	return -1;
}

static bool slirp_in_net(uint32_t a, uint32_t net, uint32_t mask)
{
	/* inside, and neither the network nor the broadcast address */
	return (a & mask) == net && (a & ~mask) != 0 && (a & ~mask) != ~mask;
}

static int slirp_parse_bool(const char *name, const char *v, bool *out, char *err, size_t errlen)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
		*out = true;
	} else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
		*out = false;
	} else {
		snprintf(err, errlen, "%s=%s: expected on or off", name, v);
		return -1;
	}
	return 0;
}

static int slirp_parse_port(const char *s, size_t len, int *port)
{
	unsigned long p = 0;

	if (!len || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		p = p * 10 + (unsigned long)(s[i] - '0');
	}
	if (p < 1 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

struct slirp_fwd {
	const char *spec;
	bool udp;
	struct in_addr haddr, gaddr;
	int hport, gport;
};

/* "[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT" */
static int slirp_parse_hostfwd(const char *v, struct slirp_fwd *f, char *err, size_t errlen)
{
	char buf[128], *p, *c, *dash, *gc;
	uint32_t a;

	memset(f, 0, sizeof(*f));
	f->spec = v;
	if (strlen(v) >= sizeof(buf))
		goto bad;
	strcpy(buf, v);
	c = strchr(buf, ':');
	if (!c)
		goto bad;
	*c = 0;
	if (!strcmp(buf, "udp"))
		f->udp = true;
	else if (buf[0] && strcmp(buf, "tcp"))
		goto bad;
	p = c + 1;			/* HOSTADDR:HOSTPORT-GUESTADDR:GUESTPORT */
	dash = strchr(p, '-');
	if (!dash)
		goto bad;
	*dash = 0;
	c = strrchr(p, ':');
	if (!c || slirp_parse_port(c + 1, strlen(c + 1), &f->hport) < 0)
		goto bad;
	*c = 0;
	if (*p) {
		if (slirp_parse_addr(p, &a) < 0)
			goto bad;
		f->haddr.s_addr = htonl(a);
	}
	p = dash + 1;
	gc = strrchr(p, ':');
	if (!gc || slirp_parse_port(gc + 1, strlen(gc + 1), &f->gport) < 0)
		goto bad;
	*gc = 0;
	if (*p) {
		if (slirp_parse_addr(p, &a) < 0)
			goto bad;
		f->gaddr.s_addr = htonl(a);
	}
	return 0;
bad:
	snprintf(err, errlen, "hostfwd=%s: not [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT "
		 "(ports 1-65535)", v);
	return -1;
}

static const char *const slirp_unsupported[] = {
	"tftp", "bootfile", "smb", "smbserver", "guestfwd", "ipv4", "ipv6-net", "ipv6-host",
	"ipv6-dns", "ipv6-prefix", "ipv6-prefixlen", "dnssearch", "tftp-server-name",
};

/* what -netdev user asked for, host byte order */
struct slirp_opts {
	uint32_t net, mask, host, dns, dhcp;
	bool have_host, have_dns, have_dhcp;
	bool restricted, ipv6;
	struct slirp_fwd fwd[SLIRP_MAX_HOSTFWD];
	unsigned nfwd;
	const char *hostname, *domainname;
};

static int slirp_parse_opt(struct slirp_opts *o, const char *n, const char *v, char *err,
			   size_t errlen)
{
	uint32_t a;

	for (size_t k = 0; k < sizeof(slirp_unsupported) / sizeof(slirp_unsupported[0]); k++) {
		if (!strcmp(n, slirp_unsupported[k])) {
			snprintf(err, errlen, "option '%s' is not supported", n);
			return -1;
		}
	}
	if (!strcmp(n, "net"))
		return slirp_parse_net(v, &o->net, &o->mask, err, errlen);
	if (!strcmp(n, "host") || !strcmp(n, "dns") || !strcmp(n, "dhcpstart")) {
		if (slirp_parse_addr(v, &a) < 0) {
			snprintf(err, errlen, "%s=%s: not an IPv4 address", n, v);
			return -1;
		}
		if (!strcmp(n, "host")) {
			o->host = a;
			o->have_host = true;
		} else if (!strcmp(n, "dns")) {
			o->dns = a;
			o->have_dns = true;
		} else {
			o->dhcp = a;
			o->have_dhcp = true;
		}
		return 0;
	}
	if (!strcmp(n, "hostfwd")) {
		if (o->nfwd == SLIRP_MAX_HOSTFWD) {
			snprintf(err, errlen, "hostfwd: more than %d", SLIRP_MAX_HOSTFWD);
			return -1;
		}
		if (slirp_parse_hostfwd(v, &o->fwd[o->nfwd], err, errlen) < 0)
			return -1;
		o->nfwd++;
		return 0;
	}
	if (!strcmp(n, "restrict"))
		return slirp_parse_bool(n, v, &o->restricted, err, errlen);
	if (!strcmp(n, "ipv6"))
		return slirp_parse_bool(n, v, &o->ipv6, err, errlen);
	if (!strcmp(n, "hostname")) {
		o->hostname = v;
		return 0;
	}
	if (!strcmp(n, "domainname")) {
		o->domainname = v;
		return 0;
	}
	snprintf(err, errlen, "unknown option '%s'", n);
	return -1;
}

/* QEMU's defaults inside the network, then every address checked against it */
static int slirp_check_opts(struct slirp_opts *o, char *err, size_t errlen)
{
	const char *bad = NULL;

	if (!o->have_host)
		o->host = o->net | SLIRP_HOST_OFFSET;
	if (!o->have_dns)
		o->dns = o->net | SLIRP_DNS_OFFSET;
	if (!o->have_dhcp)
		o->dhcp = o->net | SLIRP_DHCP_OFFSET;
	if (!slirp_in_net(o->host, o->net, o->mask))
		bad = "host";
	else if (!slirp_in_net(o->dns, o->net, o->mask))
		bad = "dns";
	else if (!slirp_in_net(o->dhcp, o->net, o->mask))
		bad = "dhcpstart";
	if (bad) {
		snprintf(err, errlen, "%s: the address is not a host of the network "
			 "%u.%u.%u.%u/%u.%u.%u.%u", bad, o->net >> 24, o->net >> 16 & 255,
			 o->net >> 8 & 255, o->net & 255, o->mask >> 24, o->mask >> 16 & 255,
			 o->mask >> 8 & 255, o->mask & 255);
		return -1;
	}
	if (o->host == o->dhcp || o->dns == o->dhcp) {
		snprintf(err, errlen, "dhcpstart: the first lease would be the %s's address",
			 o->host == o->dhcp ? "host" : "dns");
		return -1;
	}
	for (unsigned i = 0; i < o->nfwd; i++) {
		uint32_t g = ntohl(o->fwd[i].gaddr.s_addr);

		if (g && !slirp_in_net(g, o->net, o->mask)) {
			snprintf(err, errlen, "hostfwd=%s: the guest address is not in the network",
				 o->fwd[i].spec);
			return -1;
		}
	}
	return 0;
}

static void slirp_fill_config(SlirpConfig *cfg, const struct slirp_opts *o, struct slirp_be *s)
{
	*cfg = (SlirpConfig){ .version = 4 };
	cfg->restricted = o->restricted;
	cfg->in_enabled = true;
	cfg->vnetwork.s_addr = htonl(o->net);
	cfg->vnetmask.s_addr = htonl(o->mask);
	cfg->vhost.s_addr = htonl(o->host);
	cfg->vdhcp_start.s_addr = htonl(o->dhcp);
	cfg->vnameserver.s_addr = htonl(o->dns);
	cfg->in6_enabled = o->ipv6;
	if (o->ipv6) {
		inet_pton(AF_INET6, SLIRP_IPV6_PREFIX, &cfg->vprefix_addr6);
		cfg->vprefix_len = SLIRP_IPV6_PREFIX_LEN;
		inet_pton(AF_INET6, SLIRP_IPV6_HOST, &cfg->vhost6);
		inet_pton(AF_INET6, SLIRP_IPV6_DNS, &cfg->vnameserver6);
	}
	cfg->vhostname = s->hostname;
	cfg->vdomainname = s->domainname;
}

int net_slirp_create(struct net_backend *be, const struct net_opt *opts, unsigned nopts,
		     char *err, size_t errlen)
{
	struct slirp_opts o = {
		.net = SLIRP_DEFAULT_NET,
		.mask = ~0u << (32 - SLIRP_DEFAULT_PREFIX),
		.ipv6 = true,			/* as QEMU: fec0::/64 */
	};
	SlirpConfig cfg;
	struct slirp_be *s;

	for (unsigned i = 0; i < nopts; i++)
		if (slirp_parse_opt(&o, opts[i].name, opts[i].value, err, errlen) < 0)
			return -1;
	if (slirp_check_opts(&o, err, errlen) < 0)
		return -1;
	pthread_once(&lib_once, lib_load);
	if (!lib.loaded) {
		snprintf(err, errlen, "cannot load libslirp.so.0 (apt-get install libslirp0)");
		return -1;
	}

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->be = be;
	s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	s->hostname = o.hostname ? strdup(o.hostname) : NULL;
	s->domainname = o.domainname ? strdup(o.domainname) : NULL;
	be->priv = s;
	be->ops = &slirp_be_ops;
	if (s->timerfd < 0 || (o.hostname && !s->hostname) || (o.domainname && !s->domainname)) {
		snprintf(err, errlen, "%s", s->timerfd < 0 ? strerror(errno) : "out of memory");
		goto fail;
	}
	slirp_fill_config(&cfg, &o, s);
	s->slirp = lib.new_(&cfg, &slirp_be_cb, s);
	if (!s->slirp) {
		snprintf(err, errlen, "libslirp refused the configuration");
		goto fail;
	}
	for (unsigned i = 0; i < o.nfwd; i++) {
		const struct slirp_fwd *f = &o.fwd[i];

		errno = 0;
		if (lib.add_hostfwd(s->slirp, f->udp, f->haddr, f->hport, f->gaddr, f->gport) < 0) {
			snprintf(err, errlen, "hostfwd=%s: cannot listen on host port %d%s%s", f->spec,
				 f->hport, errno ? ": " : "", errno ? strerror(errno) : "");
			goto fail;
		}
	}
	return 0;
fail:
	slirp_be_destroy(be);
	be->ops = NULL;
	return -1;
}
