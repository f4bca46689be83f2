/*
 * gdb remote stub (see gdbstub.h). The protocol: packets "$data#cs" acked
 * with '+', 0x03 to interrupt; see gdb's "Remote Protocol" appendix.
 */
#include "vmm/gdbstub.h"
#include "vmm/gdbstub_int.h"
#include "vmm/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* ---- packets ------------------------------------------------------------------------ */

static const char hexdig[] = "0123456789abcdef";

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void out_reset(struct gdbstub *g)
{
	g->out_len = 0;
}

static void out_add(struct gdbstub *g, const char *p, size_t n)
{
	if (g->out_len + n + 1 > g->out_cap) {
		size_t cap = g->out_cap ? g->out_cap : 1024;
		char *o;

		while (cap < g->out_len + n + 1)
			cap *= 2;
		o = realloc(g->out, cap);
		if (!o)
			return;		/* the reply is cut; gdb sees a bad packet, not a crash */
		g->out = o;
		g->out_cap = cap;
	}
	memcpy(g->out + g->out_len, p, n);
	g->out_len += n;
	g->out[g->out_len] = 0;
}

static void out_str(struct gdbstub *g, const char *s)
{
	out_add(g, s, strlen(s));
}

static void out_hex(struct gdbstub *g, const void *buf, size_t n)
{
	const uint8_t *b = buf;

	for (size_t i = 0; i < n; i++) {
		char h[2] = { hexdig[b[i] >> 4], hexdig[b[i] & 15] };
		out_add(g, h, 2);
	}
}

static void send_raw(struct gdbstub *g, const char *p, size_t n)
{
	while (n && g->fd >= 0) {
		ssize_t w = send(g->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;		/* a dead client is found by the next read */
		p += w;
		n -= (size_t)w;
	}
}

/* Send "$<data>#cs", escaping the protocol's special characters. */
static void send_packet(struct gdbstub *g, const char *data, size_t n)
{
	char *pkt = malloc(n * 2 + 4);
	size_t len = 0;
	uint8_t sum = 0;

	if (!pkt)
		return;
	pkt[len++] = '$';
	for (size_t i = 0; i < n; i++) {
		char c = data[i];

		if (c == '$' || c == '#' || c == '}' || c == '*') {
			pkt[len++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		pkt[len++] = c;
		sum += (uint8_t)c;
	}
	pkt[len++] = '#';
	pkt[len++] = hexdig[sum >> 4];
	pkt[len++] = hexdig[sum & 15];
	send_raw(g, pkt, len);
	free(pkt);
}

void gdb_reply(struct gdbstub *g, const char *s)
{
	send_packet(g, s, strlen(s));
}

static void reply_out(struct gdbstub *g)
{
	send_packet(g, g->out ? g->out : "", g->out_len);
}

/* ---- the guest ------------------------------------------------------------------- */

void gdb_hold(struct gdbstub *g)
{
	if (!g->holding) {
		g->t.stop(g->t.opaque);
		g->holding = true;
		/* every vCPU is parked: a debug stop they reported is this stop */
		atomic_store(&g->debug_cpu, -1);
	}
}

void gdb_release(struct gdbstub *g)
{
	if (g->holding) {
		g->holding = false;
		g->start_hold = false;
		g->t.resume(g->t.opaque);
	}
}

static void stop_reply(struct gdbstub *g, int sig)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "T%02xthread:%x;", sig, g->cpu_g + 1);
	gdb_reply(g, buf);
}

/* Parse a hex number ending at one of the stop characters (or the end). */
bool gdb_parse_hex(const char **p, uint64_t *v, const char *stops)
{
	const char *s = *p;
	uint64_t x = 0;
	int d, n = 0;

	while ((d = hexval(*s)) >= 0) {
		if (n++ == 16)
			return false;
		x = x << 4 | (uint64_t)d;
		s++;
	}
	if (!n || (*s && !strchr(stops, *s)))
		return false;
	*v = x;
	*p = s;
	return true;
}

/* gdb thread ids: -1 all, 0 any, else vCPU index + 1. */
bool gdb_parse_thread(struct gdbstub *g, const char *p, unsigned *cpu)
{
	uint64_t id;

	if (!strcmp(p, "-1") || !strcmp(p, "0")) {
		*cpu = 0;
		return true;
	}
	if (!gdb_parse_hex(&p, &id, "") || id == 0 || id > g->t.ncpus)
		return false;
	*cpu = (unsigned)id - 1;
	return true;
}

int gdb_get_state(struct gdbstub *g, struct cpu_state *s)
{
	return g->t.get_state(g->t.opaque, g->cpu_g, s);
}

static void cmd_read_regs(struct gdbstub *g)
{
	struct cpu_state s;

	if (gdb_get_state(g, &s)) {
		gdb_reply(g, "E14");
		return;
	}
	out_reset(g);
	for (unsigned i = 0; i < gdb_nregs; i++) {
		uint64_t v;

		if (gdb_reg_get(&s, i, &v)) {
			out_hex(g, &v, gdb_regs[i].bits / 8);
		} else {
			for (unsigned b = 0; b < gdb_regs[i].bits / 8; b++)
				out_str(g, "xx");
		}
	}
	reply_out(g);
}

/* Hex of n bytes (little-endian) into v; 'x' bytes leave the register alone. */
static int parse_reg_value(const char *p, unsigned nbytes, uint64_t *v, bool *skip)
{
	uint64_t x = 0;

	*skip = p[0] == 'x';
	for (unsigned b = 0; b < nbytes; b++) {
		int hi = hexval(p[2 * b]), lo = hexval(p[2 * b + 1]);

		if (*skip) {
			if (p[2 * b] != 'x' || p[2 * b + 1] != 'x')
				return -1;
			continue;
		}
		if (hi < 0 || lo < 0)
			return -1;
		if (b < 8)
			x |= (uint64_t)(hi << 4 | lo) << (8 * b);
	}
	*v = x;
	return 0;
}

static void cmd_write_regs(struct gdbstub *g, const char *p)
{
	struct cpu_state s;
	size_t need = 0;

	for (unsigned i = 0; i < gdb_nregs; i++)
		need += gdb_regs[i].bits / 4;
	if (strlen(p) != need) {
		gdb_reply(g, "E22");
		return;
	}
	if (gdb_get_state(g, &s)) {
		gdb_reply(g, "E14");
		return;
	}
	for (unsigned i = 0; i < gdb_nregs; i++) {
		uint64_t v;
		bool skip;

		if (parse_reg_value(p, gdb_regs[i].bits / 8, &v, &skip)) {
			gdb_reply(g, "E22");
			return;
		}
		if (!skip)
			gdb_reg_set(&s, i, v);
		p += gdb_regs[i].bits / 4;
	}
	gdb_reply(g, g->t.set_state(g->t.opaque, g->cpu_g, &s) ? "E14" : "OK");
}

static void cmd_read_reg(struct gdbstub *g, const char *p)
{
	struct cpu_state s;
	uint64_t n, v;

	if (!gdb_parse_hex(&p, &n, "") || n >= gdb_nregs) {
		gdb_reply(g, "E22");
		return;
	}
	if (gdb_get_state(g, &s)) {
		gdb_reply(g, "E14");
		return;
	}
	out_reset(g);
	if (gdb_reg_get(&s, (unsigned)n, &v)) {
		out_hex(g, &v, gdb_regs[n].bits / 8);
	} else {
		for (unsigned b = 0; b < gdb_regs[n].bits / 8; b++)
			out_str(g, "xx");
	}
	reply_out(g);
}

static void cmd_write_reg(struct gdbstub *g, const char *p)
{
	struct cpu_state s;
	uint64_t n, v;
	bool skip;

	if (!gdb_parse_hex(&p, &n, "=") || *p != '=' || n >= gdb_nregs ||
	    strlen(p + 1) != gdb_regs[n].bits / 4 || parse_reg_value(p + 1, gdb_regs[n].bits / 8, &v, &skip)) {
		gdb_reply(g, "E22");
		return;
	}
	if (gdb_get_state(g, &s)) {
		gdb_reply(g, "E14");
		return;
	}
	if (!skip)
		gdb_reg_set(&s, (unsigned)n, v);
	gdb_reply(g, g->t.set_state(g->t.opaque, g->cpu_g, &s) ? "E14" : "OK");
}

/*
 * Memory at linear address la, page by page. Reads return what could be
 * read (gdb accepts a short reply); 0 bytes is an error.
 */
static size_t mem_access(struct gdbstub *g, uint64_t la, uint8_t *buf, size_t len, bool write)
{
	struct cpu_state s;
	size_t done = 0;

	if (gdb_get_state(g, &s))
		return 0;
	while (done < len) {
		uint64_t pa, left;
		size_t n;
		int r;

		if (gdb_linear_to_phys(&g->t, &s, la + done, &pa, &left))
			break;
		n = len - done < left ? len - done : (size_t)left;
		r = write ? g->t.write_phys(g->t.opaque, pa, buf + done, n) :
			    g->t.read_phys(g->t.opaque, pa, buf + done, n);
		if (r)
			break;
		done += n;
	}
	return done;
}

static void cmd_read_mem(struct gdbstub *g, const char *p)
{
	uint64_t addr, len;
	uint8_t buf[GDB_MEM_MAX];
	size_t got;

	if (!gdb_parse_hex(&p, &addr, ",") || *p++ != ',' || !gdb_parse_hex(&p, &len, "") ) {
		gdb_reply(g, "E22");
		return;
	}
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (!len) {
		gdb_reply(g, "");
		return;
	}
	got = mem_access(g, addr, buf, (size_t)len, false);
	if (!got) {
		gdb_reply(g, "E14");
		return;
	}
	out_reset(g);
	out_hex(g, buf, got);
	reply_out(g);
}

static void cmd_write_mem(struct gdbstub *g, const char *p)
{
	uint64_t addr, len;
	uint8_t buf[GDB_PACKET_MAX];

	if (!gdb_parse_hex(&p, &addr, ",") || *p++ != ',' || !gdb_parse_hex(&p, &len, ":") || *p++ != ':' ||
	    len > sizeof(buf) || strlen(p) != len * 2) {
		gdb_reply(g, "E22");
		return;
	}
	for (uint64_t i = 0; i < len; i++) {
		int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			gdb_reply(g, "E22");
			return;
		}
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	if (len && mem_access(g, addr, buf, (size_t)len, true) != len) {
		gdb_reply(g, "E14");
		return;
	}
	gdb_reply(g, "OK");
}

static bool gdb_has_feature(const char *p, const char *f)
{
	size_t n = strlen(f);

	for (p = strchr(p, ':'); p; p = strchr(p, ';')) {
		p++;
		if (!strncmp(p, f, n) && (p[n] == ';' || !p[n]))
			return true;
	}
	return false;
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static void cmd_xfer_features(struct gdbstub *g, const char *p)
{
	const char *xml = gdb_target_xml();
	uint64_t off, len;
	size_t total;

	if (strncmp(p, "target.xml:", 11)) {
		gdb_reply(g, "E00");
		return;
	}
	p += 11;
	if (!xml || !gdb_parse_hex(&p, &off, ",") || *p++ != ',' || !gdb_parse_hex(&p, &len, "")) {
		gdb_reply(g, "E00");
		return;
	}
	total = strlen(xml);
	if (off >= total) {
		gdb_reply(g, "l");
		return;
	}
	if (len > GDB_PACKET_MAX - 8)
		len = GDB_PACKET_MAX - 8;
	out_reset(g);
	out_str(g, off + len >= total ? "l" : "m");
	out_add(g, xml + off, off + len >= total ? total - off : (size_t)len);
	reply_out(g);
}

static void client_close(struct gdbstub *g);

static void cmd_query(struct gdbstub *g, const char *p)
{
	char buf[96];

	if (!strncmp(p, "qSupported", 10)) {
		g->swbreak = gdb_has_feature(p, "swbreak+");
		g->hwbreak = gdb_has_feature(p, "hwbreak+");
		snprintf(buf, sizeof(buf), "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+",
			 GDB_PACKET_MAX);
		gdb_reply(g, buf);
	} else if (!strncmp(p, "qXfer:features:read:", 20)) {
		cmd_xfer_features(g, p + 20);
	} else if (!strcmp(p, "qAttached")) {
		gdb_reply(g, "1");
	} else if (!strcmp(p, "qC")) {
		snprintf(buf, sizeof(buf), "QC%x", g->cpu_g + 1);
		gdb_reply(g, buf);
	} else if (!strcmp(p, "qfThreadInfo")) {
		out_reset(g);
		out_str(g, "m");
		for (unsigned i = 0; i < g->t.ncpus; i++) {
			snprintf(buf, sizeof(buf), "%s%x", i ? "," : "", i + 1);
			out_str(g, buf);
		}
		reply_out(g);
	} else if (!strcmp(p, "qsThreadInfo")) {
		gdb_reply(g, "l");
	} else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
		unsigned cpu;

		if (!gdb_parse_thread(g, p + 17, &cpu)) {
			gdb_reply(g, "E22");
			return;
		}
		snprintf(buf, sizeof(buf), "vCPU %u", cpu);
		out_reset(g);
		out_hex(g, buf, strlen(buf));
		reply_out(g);
	} else if (!strncmp(p, "qSymbol", 7)) {
		gdb_reply(g, "OK");
	} else {
		gdb_reply(g, "");		/* qOffsets, qTStatus, ...: not supported */
	}
}

/* One packet's payload (NUL-terminated, unescaped). */
static void handle_packet(struct gdbstub *g, const char *p)
{
	unsigned cpu;

	switch (p[0]) {
	case '?':
		gdb_hold(g);
		stop_reply(g, GDB_SIGTRAP);
		return;
	case 'g':
		cmd_read_regs(g);
		return;
	case 'G':
		cmd_write_regs(g, p + 1);
		return;
	case 'p':
		cmd_read_reg(g, p + 1);
		return;
	case 'P':
		cmd_write_reg(g, p + 1);
		return;
	case 'm':
		cmd_read_mem(g, p + 1);
		return;
	case 'M':
		cmd_write_mem(g, p + 1);
		return;
	case 'H':
		if ((p[1] != 'g' && p[1] != 'c') || !gdb_parse_thread(g, p + 2, &cpu)) {
			gdb_reply(g, "E22");
			return;
		}
		if (p[1] == 'g')
			g->cpu_g = cpu;
		else
			g->cpu_c = !strcmp(p + 2, "-1") || !strcmp(p + 2, "0") ? -1 : (int)cpu;
		gdb_reply(g, "OK");
		return;
	case 'T':
		gdb_reply(g, gdb_parse_thread(g, p + 1, &cpu) ? "OK" : "E22");
		return;
	case 'c':
	case 's':
		gdb_hold(g);
		if (!gdb_resume_at(g, p + 1)) {
			gdb_reply(g, "E22");
			return;
		}
		/* the stop reply comes with the next stop */
		gdb_resume(g, p[0] == 'c' ? GDB_NO_STEP : g->cpu_c >= 0 ? g->cpu_c : (int)g->cpu_g);
		return;
	case 'Z':
	case 'z':
		gdb_cmd_breakpoint(g, p);
		return;
	case 'k':
		g->t.kill(g->t.opaque);
		client_close(g);
		return;
	case 'D':
		gdb_reply(g, "OK");
		g->start_hold = false;		/* detach: the guest runs */
		client_close(g);
		return;
	case 'q':
		cmd_query(g, p);
		return;
	case 'v':
		if (!strncmp(p, "vKill", 5)) {
			gdb_reply(g, "OK");
			g->t.kill(g->t.opaque);
			client_close(g);
			return;
		}
		if (!strncmp(p, "vCont", 5)) {
			gdb_cmd_vcont(g, p + 5);
			return;
		}
		gdb_reply(g, "");		/* vMustReplyEmpty, vFile, ...: not supported */
		return;
	default:
		gdb_reply(g, "");
		return;
	}
}

/*
 * Packets and interrupts in the receive buffer. A packet that arrives while
 * the guest runs (gdb does not send one in all-stop mode) is served with the
 * vCPUs stopped for that packet only.
 */
static void process_rx(struct gdbstub *g)
{
	size_t i = 0;

	while (i < g->rx_len && g->fd >= 0) {
		char c = g->rx[i];

		if (c == 0x03) {
			i++;
			if (!g->holding) {
				gdb_hold(g);
				stop_reply(g, GDB_SIGINT);
			}
			continue;
		}
		if (c != '$') {
			i++;		/* acks and noise */
			continue;
		}
		char *hash = memchr(g->rx + i, '#', g->rx_len - i);
		if (!hash || (size_t)(hash - g->rx) + 3 > g->rx_len)
			break;		/* incomplete */
		size_t start = i + 1, end = (size_t)(hash - g->rx);
		int hi = hexval(hash[1]), lo = hexval(hash[2]);
		uint8_t sum = 0;
		char pkt[GDB_RX_MAX];
		size_t n = 0;

		for (size_t k = start; k < end; k++)
			sum += (uint8_t)g->rx[k];
		i = end + 3;
		if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != sum) {
			send_raw(g, "-", 1);
			continue;
		}
		send_raw(g, "+", 1);
		for (size_t k = start; k < end; k++) {
			char ch = g->rx[k];

			if (ch == '}' && k + 1 < end)
				ch = g->rx[++k] ^ 0x20;
			pkt[n++] = ch;
		}
		pkt[n] = 0;
		if (g->holding || pkt[0] == 'c' || pkt[0] == 's' || pkt[0] == '?' || pkt[0] == 'k' ||
		    pkt[0] == 'D' || !strncmp(pkt, "vKill", 5) || !strncmp(pkt, "vCont", 5)) {
			handle_packet(g, pkt);
		} else {
			g->t.stop(g->t.opaque);
			handle_packet(g, pkt);
			g->t.resume(g->t.opaque);
		}
	}
	if (g->fd < 0) {
		g->rx_len = 0;
		return;
	}
	memmove(g->rx, g->rx + i, g->rx_len - i);
	g->rx_len -= i;
	if (g->rx_len == sizeof(g->rx))
		g->rx_len = 0;		/* a packet larger than we take: drop it */
}

/* ---- sockets ------------------------------------------------------------------------ */

static void client_close(struct gdbstub *g)
{
	if (g->fd < 0)
		return;
	loop_del_fd(g->loop, g->fd);
	close(g->fd);
	g->fd = -1;
	g->rx_len = 0;
	/* nothing stays armed for a debugger that is gone */
	g->bp.nhw = g->bp.nsw = 0;
	if (g->armed) {
		g->t.stop(g->t.opaque);
		gdb_debug_apply(g, GDB_NO_STEP);
		g->t.resume(g->t.opaque);
	}
	/* a guest nobody debugs runs again, unless -S still waits for a first c */
	if (!g->start_hold)
		gdb_release(g);
}

static void client_ready(void *opaque, int fd, uint32_t events)
{
	struct gdbstub *g = opaque;
	ssize_t n = read(fd, g->rx + g->rx_len, sizeof(g->rx) - g->rx_len);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		client_close(g);
		return;
	}
	g->rx_len += (size_t)n;
	process_rx(g);
}

static void listen_ready(void *opaque, int fd, uint32_t events)
{
	struct gdbstub *g = opaque;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int one = 1;
	struct timeval tv = { .tv_sec = 2 };

	if (c < 0)
		return;
	if (g->fd >= 0) {
		close(c);		/* one debugger at a time */
		return;
	}
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* replies are small; a client that stops reading must not hang the loop */
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (loop_add_fd(g->loop, c, EPOLLIN, client_ready, g)) {
		close(c);
		return;
	}
	g->fd = c;
	g->cpu_g = 0;
	g->cpu_c = -1;
	g->swbreak = g->hwbreak = false;
	g->debug_warned = false;
	gdb_hold(g);		/* as QEMU: an attaching debugger stops the guest */
}

struct gdbstub *gdbstub_new(struct loop *l, const char *host, unsigned port,
			    const struct gdb_target *t, bool stopped, char *err, size_t errlen)
{
	struct gdbstub *g = calloc(1, sizeof(*g));
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	char portstr[16];
	int r, one = 1, last_errno = 0;

	if (!g) {
		snprintf(err, errlen, "-gdb: out of memory");
		return NULL;
	}
	g->loop = l;
	g->t = *t;
	g->fd = g->listen_fd = -1;
	g->step_cpu = GDB_NO_STEP;
	g->cpu_c = -1;
	atomic_init(&g->debug_cpu, -1);
	g->debug_bh = loop_bh_new(l, gdb_debug_stop_bh, g);
	if (!g->debug_bh) {
		snprintf(err, errlen, "-gdb: out of memory");
		free(g);
		return NULL;
	}
	g->holding = g->start_hold = stopped;
	snprintf(portstr, sizeof(portstr), "%u", port);
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r) {
		snprintf(err, errlen, "-gdb: %s: %s", host ? host : "*", gai_strerror(r));
		loop_bh_delete(g->debug_bh);
		free(g);
		return NULL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
				ai->ai_protocol);

		if (fd < 0) {
			last_errno = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
			g->listen_fd = fd;
			break;
		}
		last_errno = errno;
		close(fd);
	}
	freeaddrinfo(res);
	if (g->listen_fd < 0) {
		snprintf(err, errlen, "-gdb: cannot listen on %s:%u: %s", host ? host : "",
			 port, strerror(last_errno ? last_errno : EADDRNOTAVAIL));
		loop_bh_delete(g->debug_bh);
		free(g);
		return NULL;
	}
	if (loop_add_fd(l, g->listen_fd, EPOLLIN, listen_ready, g)) {
		snprintf(err, errlen, "-gdb: cannot watch the socket");
		close(g->listen_fd);
		loop_bh_delete(g->debug_bh);
		free(g);
		return NULL;
	}
	return g;
}

void gdbstub_exited(struct gdbstub *g, int status)
{
	char buf[8];

	if (!g || g->fd < 0)
		return;
	snprintf(buf, sizeof(buf), "W%02x", status & 0xff);
	gdb_reply(g, buf);
}

void gdbstub_free(struct gdbstub *g)
{
	if (!g)
		return;
	g->start_hold = false;
	client_close(g);
	if (g->listen_fd >= 0) {
		loop_del_fd(g->loop, g->listen_fd);
		close(g->listen_fd);
	}
	gdb_release(g);
	loop_bh_delete(g->debug_bh);
	free(g->out);
	free(g);
}
