/*
 * The machine's backends (vmm/machine_int.h): the serial ports with stdin
 * and their output files, the debug console, and the virtio drives,
 * network backends and console, set up before the board is built.
 */
#include "vmm/machine_int.h"
#include "vmm/net.h"

/* ---- serial backends ---------------------------------------------------------------- */

static void serial_flush_locked(struct serial_port *p)
{
	size_t off = 0;

	while (off < p->len) {
		ssize_t n = write(p->out_fd, p->buf + off, p->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* a closed stdout drops output, it never stops the guest */
		off += (size_t)n;
	}
	p->len = 0;
}

static void serial_flush_bh(void *opaque)
{
	struct serial_port *p = opaque;

	board_lock(&p->m->board);
	serial_flush_locked(p);
	board_unlock(&p->m->board);
}

/* vCPU thread, board lock held */
static void serial_tx(void *opaque, uint8_t byte)
{
	struct serial_port *p = opaque;

	if (p == &p->m->serial[0])
		bootrep_serial(p->m->bootrep, byte);
	if (p->out_fd < 0)
		return;
	p->buf[p->len++] = (char)byte;
	if (p->len == sizeof(p->buf))
		serial_flush_locked(p);
	else
		loop_bh_schedule(p->flush_bh);
}

static void stdin_ready(void *opaque, int fd, uint32_t events);

/*
 * Hand buffered input to COM1. What does not fit waits for a retry 1 ms later,
 * with stdin unwatched meanwhile (epoll is level-triggered).
 */
static void stdin_feed(struct machine *m)
{
	struct uart *u = m->serial[0].uart;
	bool pending;

	/* a guest with a virtio console (hvc0) reads its input there */
	if (m->hvc.dev && m->stdin_off < m->stdin_len) {
		ssize_t n = virtio_chardev_input(&m->hvc, m->stdin_buf + m->stdin_off,
						 m->stdin_len - m->stdin_off);
		if (n > 0)
			m->stdin_off += (size_t)n;
	}
	board_lock(&m->board);
	while (!m->hvc.dev && m->stdin_off < m->stdin_len && uart_can_receive(u)) {
		size_t n = uart_receive(u, m->stdin_buf + m->stdin_off, m->stdin_len - m->stdin_off);
		if (!n)
			break;
		m->stdin_off += n;
	}
	pending = m->stdin_off < m->stdin_len;
	if (pending)
		timer_mod(&m->stdin_retry, clock_ns() + 1000000);
	board_unlock(&m->board);
	if (pending && m->stdin_watched) {
		loop_del_fd(m->loop, 0);
		m->stdin_watched = false;
	} else if (!pending && !m->stdin_watched && !m->stdin_eof) {
		m->stdin_off = m->stdin_len = 0;
		m->stdin_watched = loop_add_fd(m->loop, 0, EPOLLIN, stdin_ready, m) == 0;
	}
}

static void stdin_retry_cb(void *opaque)
{
	stdin_feed(opaque);
}

static void stdin_ready(void *opaque, int fd, uint32_t events)
{
	struct machine *m = opaque;
	uint8_t tmp[sizeof(m->stdin_buf) / 2];	/* room for an escape byte per input byte */
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0) {
		/* EOF or error: stop watching; the guest just gets no more input */
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			loop_del_fd(m->loop, fd);
			m->stdin_watched = false;
			m->stdin_eof = true;
		}
		return;
	}
	m->stdin_len = m->stdin_off = 0;
	for (ssize_t i = 0; i < n; i++) {
		uint8_t c = tmp[i];

		if (m->stdin_escape) {
			m->stdin_escape = false;
			if (c == 'x' || c == 'X') {
				fprintf(stderr, "bringup: terminated by Ctrl-A x\r\n");
				loop_quit(m->loop, 0);
				return;
			}
			if (c != STDIN_ESCAPE)
				m->stdin_buf[m->stdin_len++] = STDIN_ESCAPE;
		} else if (c == STDIN_ESCAPE && isatty(fd)) {
			m->stdin_escape = true;
			continue;
		}
		m->stdin_buf[m->stdin_len++] = c;
	}
	stdin_feed(m);
}

/* ---- virtio backends ---------------------------------------------------------------- */

/* The virtio console's output joins COM1's; vCPU thread, board lock held. */
static void hvc_write(struct virtio_chardev *c, const void *buf, size_t len)
{
	struct machine *m = c->opaque;
	const uint8_t *p = buf;

	if (!m->nserial || !m->serial[0].flush_bh)
		return;
	for (size_t i = 0; i < len; i++)
		serial_tx(&m->serial[0], p[i]);
}

/* -drive, -netdev and the console chardev, registered before the board is built. */
int virtio_backends_setup(struct machine *m, char *err, size_t errlen)
{
	const struct vm_config *cfg = m->cfg;

	m->drives = calloc(cfg->drives.n + 1, sizeof(*m->drives));
	m->drive_auto = calloc(cfg->drives.n + 1, sizeof(*m->drive_auto));
	m->netdevs = calloc(cfg->netdevs.n + 1, sizeof(*m->netdevs));
	if (!m->drives || !m->drive_auto || !m->netdevs)
		return machine_fail(err, errlen, "out of memory");
	for (unsigned i = 0; i < cfg->drives.n; i++) {
		struct board_err berr = { 0 };

		if (virtio_drive_add(cfg->drives.v[i], &m->drives[i], &m->drive_auto[i], &berr) < 0)
			return machine_fail(err, errlen, "%s%s", berr.msg[0] == '-' ? "" : "-drive: ", berr.msg);
		m->ndrives = i + 1;
	}
	for (unsigned i = 0; i < cfg->netdevs.n; i++) {
		/* loopback, user (slirp), tap: vmm/net.h; started once the loop exists */
		m->netdevs[i] = net_backend_new(cfg->netdevs.v[i], err, errlen);
		if (!m->netdevs[i])
			return -1;
		m->nnetdevs = i + 1;
	}
	m->hvc = (struct virtio_chardev){
		.be = { .id = "stdio", .kind = VIRTIO_BACKEND_CHARDEV },
		.write = hvc_write,
		.opaque = m,
	};
	if (virtio_backend_register(&m->hvc.be) < 0)
		return machine_fail(err, errlen, "virtio console: cannot register chardev 'stdio'");
	m->hvc_registered = true;
	return 0;
}

/* microvm: the kernel finds the virtio-mmio slots in use on its command line. */
int virtio_mmio_append(struct machine *m, char *err, size_t errlen)
{
	const char *append = m->cfg->append ? m->cfg->append : "";
	size_t len = strlen(append), cap = len + 1;

	for (struct device *d = m->board.devices; d; d = d->next) {
		char slot[128];

		if (!d->type || strcmp(d->type->name, "virtio-mmio"))
			continue;
		if (virtio_mmio_cmdline(d, slot, sizeof(slot)) < 0 || !slot[0])
			continue;
		if (!m->cmdline) {
			m->cmdline = malloc(cap);
			if (!m->cmdline)
				return machine_fail(err, errlen, "out of memory");
			memcpy(m->cmdline, append, cap);
		}
		cap += strlen(slot) + 1;
		char *n = realloc(m->cmdline, cap);
		if (!n)
			return machine_fail(err, errlen, "out of memory");
		m->cmdline = n;
		if (len)
			m->cmdline[len++] = ' ';
		strcpy(m->cmdline + len, slot);
		len += strlen(slot);
	}
	return 0;
}

int serial_setup(struct machine *m, char *err, size_t errlen)
{
	const struct vm_config *cfg = m->cfg;

	for (unsigned i = 0; i < cfg->nserials; i++) {
		const struct serial_cfg *sc = &cfg->serial[i];
		struct serial_port *p = &m->serial[i];

		p->m = m;
		p->out_fd = -1;
		m->nserial = i + 1;
		if (sc->kind == SERIAL_NONE)
			continue;
		p->uart = board_uart(&m->board, i);
		if (!p->uart) {
			if (cfg->serial_given)
				return machine_fail(err, errlen, "-serial: the %s board has no serial port %u",
					    cfg->machine_name, i + 1);
			continue;	/* the default backend on a board without COM1 */
		}
		p->flush_bh = loop_bh_new(m->loop, serial_flush_bh, p);
		if (!p->flush_bh)
			return machine_fail(err, errlen, "out of memory");
		if (sc->kind == SERIAL_STDIO) {
			p->out_fd = 1;
		} else if (sc->kind == SERIAL_FILE) {
			p->out_fd = open(sc->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (p->out_fd < 0)
				return machine_fail(err, errlen, "-serial: %s: %s", sc->path, strerror(errno));
			p->close_fd = true;
		}
		board_lock(&m->board);
		p->uart->tx = serial_tx;
		p->uart->tx_opaque = p;
		board_unlock(&m->board);
		if (i == 0 && sc->kind == SERIAL_STDIO) {
			timer_init(&m->stdin_retry, &m->board.timers, stdin_retry_cb, m);
			m->stdin_retry_ready = true;
			fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
			m->stdin_watched = loop_add_fd(m->loop, 0, EPOLLIN, stdin_ready, m) == 0;
			term_raw_enter(0);
		}
	}
	return 0;
}

/* -debugcon: every isa-debugcon of the board writes to the backend. */
static void debugcon_out(void *opaque, uint8_t byte)
{
	struct machine *m = opaque;

	bootrep_debugcon(m->bootrep, byte);
	chardev_out_put(&m->debugcon, byte);
}

int debugcon_setup(struct machine *m, char *err, size_t errlen)
{
	const struct vm_config *cfg = m->cfg;
	struct debugcon *dc;

	if (!cfg->debugcon_given && !m->bootrep)
		return 0;
	if (cfg->debugcon_given && cfg->debugcon.kind != SERIAL_NONE && !board_debugcon(&m->board, 0))
		return machine_fail(err, errlen, "-debugcon: the %s board has no isa-debugcon device "
			    "(add -device isa-debugcon)", cfg->machine_name);
	if (chardev_out_open(&m->debugcon, m->loop, &cfg->debugcon, "-debugcon", err, errlen))
		return -1;
	board_lock(&m->board);
	for (unsigned i = 0; (dc = board_debugcon(&m->board, i)); i++) {
		dc->out = debugcon_out;
		dc->opaque = m;
	}
	board_unlock(&m->board);
	return 0;
}

void debugcon_teardown(struct machine *m)
{
	struct debugcon *dc;

	if (!m->debugcon.ready)
		return;
	board_lock(&m->board);
	for (unsigned i = 0; (dc = board_debugcon(&m->board, i)); i++)
		if (dc->out == debugcon_out)
			dc->out = NULL;
	board_unlock(&m->board);
	chardev_out_close(&m->debugcon);
}

void serial_teardown(struct machine *m)
{
	for (unsigned i = 0; i < m->nserial; i++) {
		struct serial_port *p = &m->serial[i];

		if (p->uart) {
			board_lock(&m->board);
			serial_flush_locked(p);
			p->uart->tx = NULL;
			board_unlock(&m->board);
			p->uart = NULL;
		}
		if (p->close_fd)
			close(p->out_fd);
		p->close_fd = false;
		p->out_fd = -1;
	}
	m->nserial = 0;
	if (m->stdin_retry_ready) {
		board_lock(&m->board);
		timer_del(&m->stdin_retry);
		board_unlock(&m->board);
		m->stdin_retry_ready = false;
	}
}
