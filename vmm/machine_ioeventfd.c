/*
 * Virtio notifications without a trip through the VMM's vCPU exit path.
 *
 * Kicks (driver -> device): every virtio device's queues get an eventfd,
 * watched by the main loop, made when the machine is built. The board's
 * notification-area hook (board/virtio.h) says when a queue's kick address
 * becomes valid (queue enabled, DRIVER_OK, BAR4 decoding) and when it stops;
 * we then register or drop an ioeventfd for it with the accelerator. A
 * caught kick wakes the main loop, which takes the board lock and calls
 * virtio_queue_notify(), the exit path's own call. virtio-pci: one 2-byte
 * slot per queue (notify_off_multiplier 4); virtio-mmio: one QueueNotify
 * register for all queues, so each queue matches its index (datamatch).
 *
 * Interrupts (device -> driver), kernel-irqchip=on and split: edge MSIs with
 * a fixed or lowest-priority delivery go to an irqfd on an accelerator MSI
 * route, one per distinct (address, data), the least recently used dropped
 * when the cache is full. kernel-irqchip=on: a virtio-mmio slot's GSI that
 * nobody else drives gets an irqfd with a resample fd, so it behaves as the
 * level it is: raised on the line's rising edge, lowered by KVM at the
 * guest's EOI, raised again then if the line is still high. Everything else
 * (level MSIs, shared GSIs, kernel-irqchip=off, tcg) keeps its path.
 *
 * The price: a kick is served on the main thread, not the vCPU's, so a guest
 * that spins on the used ring waits for a thread hand-off (on this 2-core
 * PVM host about 1.5-2x the exit path per synchronous request); a guest that
 * halts or has other work gets its vCPU back at once. A virtio-*-pci device
 * with ioeventfd=off keeps the exit path.
 *
 * When the accelerator cannot (no op, capability missing, an ioctl fails)
 * we fall back to that path silently and say so once under -d unimp. Kicks
 * are logged under -d mmio and irqfd interrupts under -d int, which is how
 * the tests tell which path was taken.
 */

#include "vmm/machine_int.h"

#include "board/virtio_pci.h"
#include "board/virtqueue.h"

#include <inttypes.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#define NOTIFY_MSI_CACHE	32

struct notify_queue {
	struct machine_notify *mn;
	struct virtio_device *vdev;
	unsigned q;
	int efd;			/* -1 until made; lives as long as the machine */
	bool assigned;
	struct accel_ioeventfd ev;	/* what the accelerator has while assigned */
};

struct msi_irqfd {
	bool used;
	uint64_t address;
	uint32_t data;
	int fd;
	uint64_t stamp;			/* last use */
};

struct gsi_irqfd {
	struct machine_notify *mn;
	bool used;
	unsigned gsi;
	int fd;
	int resample_fd;		/* a loop notifier */
	int level;			/* the line as the GSI router drives it */
};

struct machine_notify {
	struct machine *m;
	struct virtio_notify_hook hook;
	struct virtio_device **vdevs;
	unsigned nvdevs;
	struct notify_queue *queues;
	unsigned nqueues;
	bool ioeventfd_off, msi_off, gsi_off;	/* fell back (said once) */
	bool msi_hooked, gsi_hooked;
	struct msi_sink prev_msi;
	struct msi_irqfd msi[NOTIFY_MSI_CACHE];
	uint64_t stamp;
	struct gsi_router *router;
	struct gsi_sinks prev_sinks;
	struct gsi_irqfd gsi[GSI_NR_IOAPIC_PINS];
	uint64_t kicks, msis, gsi_raises;
};

static void fall_back(bool *off, const char *what, const char *why)
{
	if (*off)
		return;
	*off = true;
	if (log_enabled(LOG_UNIMP))
		board_log(LOG_UNIMP, "%s: %s; using %s instead", what, why,
			  !strcmp(what, "ioeventfd") ? "MMIO/PIO exits" : "the interrupt ioctls");
}

static void efd_signal(int fd)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is saturated, the reader will wake anyway */
	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		guest_error("notify: eventfd write: %s\n", strerror(errno));
}

/* ---- kicks: ioeventfd -------------------------------------------------------------- */

/*
 * Main loop: the eventfd of one queue is readable. Its counter is the number
 * of guest writes KVM matched since our last read, so kicks coalesce: we
 * publish used entries before we return and re-check the avail ring after
 * (virtqueue_enable_notify), so a guest that polls the used ring can post
 * and kick again, even twice, before the loop reads the eventfd; one pass
 * then serves requests of several kicks, and a later pass may find nothing
 * (and send no interrupt). virtio allows both: a kick only says "look".
 * A pass that is not one kick, one used entry says how many of each, so
 * that every guest write and every request stays accounted for in the log.
 */
static void kick_ready(void *opaque, int fd, uint32_t events)
{
	struct notify_queue *nq = opaque;
	struct machine *m = nq->mn->m;
	struct virtqueue *vq = &nq->vdev->vq[nq->q];
	uint64_t n;
	uint16_t used;

	if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n) || !n)
		return;		/* EAGAIN: nothing came after all */
	board_lock(&m->board);
	nq->mn->kicks += n;
	used = vq->used_idx;
	virtio_queue_notify(nq->vdev, nq->q);
	used = (uint16_t)(vq->used_idx - used);
	if (log_enabled(LOG_MMIO) && n == 1 && used == 1)
		board_log(LOG_MMIO, "mmio: ioeventfd 0x%" PRIx64 ": %s queue %u kicked",
			  nq->ev.addr, nq->vdev->name, nq->q);
	else if (log_enabled(LOG_MMIO))
		board_log(LOG_MMIO, "mmio: ioeventfd 0x%" PRIx64 ": %s queue %u kicked (%" PRIu64
			  " kicks, %u used entries)", nq->ev.addr, nq->vdev->name, nq->q, n, used);
	board_unlock(&m->board);
}

static struct notify_queue *queue_find(struct machine_notify *mn, struct virtio_device *vdev,
				       unsigned q)
{
	for (unsigned i = 0; i < mn->nqueues; i++)
		if (mn->queues[i].vdev == vdev && mn->queues[i].q == q)
			return &mn->queues[i];
	return NULL;
}

static void queue_unassign(struct machine_notify *mn, struct notify_queue *nq)
{
	struct accel *a = &mn->m->accel;

	if (!nq->assigned)
		return;
	nq->assigned = false;
	if (a->ops->del_ioeventfd(a, &nq->ev) < 0)
		guest_error("notify: dropping the ioeventfd at 0x%" PRIx64 " failed\n", nq->ev.addr);
	if (log_enabled(LOG_MMIO))
		board_log(LOG_MMIO, "mmio: ioeventfd 0x%" PRIx64 ": %s queue %u off", nq->ev.addr,
			  nq->vdev->name, nq->q);
	/* a kick caught just before stays in the eventfd and is still served */
}

/* The area comes from guest-programmed state (a BAR): only an MMIO hole or a port. */
static bool area_ok(struct machine *m, struct virtio_device *vdev, unsigned q,
		    const struct virtio_notify_area *a)
{
	uint8_t *host = NULL;
	uint64_t avail = 0;

	if (q >= vdev->nqueues || (a->len != 1 && a->len != 2 && a->len != 4 && a->len != 8))
		return false;
	if (a->datamatch && a->len < 8 && ((uint64_t)a->data >> (8 * a->len)))
		return false;
	if (a->pio)
		return a->addr <= 0x10000u - a->len;
	if (a->addr > UINT64_MAX - a->len)
		return false;
	return board_mem_resolve(&m->board, a->addr, true, &host, &avail) == BOARD_MEM_MMIO &&
	       avail >= a->len;
}

/* Board hook, board lock held: queue q of vdev is kicked at *area (NULL: nowhere). */
static void area_changed(void *opaque, struct virtio_device *vdev, unsigned q,
			 const struct virtio_notify_area *area)
{
	struct machine_notify *mn = opaque;
	struct notify_queue *nq = queue_find(mn, vdev, q);
	struct accel *a = &mn->m->accel;
	char err[256];
	int r;

	if (!nq)
		return;
	queue_unassign(mn, nq);
	if (!area || mn->ioeventfd_off || nq->efd < 0)
		return;
	if (!area_ok(mn->m, vdev, q, area)) {
		guest_error("%s: queue %u notification at 0x%" PRIx64 " is not an MMIO hole: "
			    "kicks stay exits\n", vdev->name, q, area->addr);
		return;
	}
	nq->ev = (struct accel_ioeventfd){
		.addr = area->addr, .len = area->len, .pio = area->pio,
		.datamatch = area->datamatch, .data = area->data, .fd = nq->efd,
	};
	err[0] = 0;
	r = a->ops->add_ioeventfd(a, &nq->ev, err, sizeof(err));
	if (r < 0) {
		fall_back(&mn->ioeventfd_off, "ioeventfd", err[0] ? err : strerror(-r));
		return;
	}
	nq->assigned = true;
	if (log_enabled(LOG_MMIO))
		board_log(LOG_MMIO, "mmio: ioeventfd 0x%" PRIx64 " (%u bytes%s): %s queue %u",
			  area->addr, area->len, area->datamatch ? ", value must match" : "",
			  vdev->name, q);
}

/* ---- interrupts: irqfd ------------------------------------------------------------- */

static bool msi_takes(uint64_t address, uint32_t data)
{
	unsigned dm = (data & MSI_DATA_DM_MASK) >> MSI_DATA_DM_SHIFT;

	return (address & MSI_ADDR_BASE_MASK) == MSI_ADDR_BASE &&
	       !(data & MSI_DATA_TRIGGER_LEVEL) && (dm == 0 || dm == 1);
}

static void msi_drop(struct machine_notify *mn, struct msi_irqfd *e)
{
	struct accel *a = &mn->m->accel;
	struct accel_irqfd f = { .fd = e->fd, .msi = true, .address = e->address, .data = e->data,
				 .resample_fd = -1 };

	if (!e->used)
		return;
	a->ops->del_irqfd(a, &f);
	close(e->fd);
	*e = (struct msi_irqfd){ .fd = -1 };
}

static struct msi_irqfd *msi_route(struct machine_notify *mn, uint64_t address, uint32_t data)
{
	struct accel *a = &mn->m->accel;
	struct msi_irqfd *e = NULL;
	struct accel_irqfd f = { .msi = true, .address = address, .data = data, .resample_fd = -1 };
	char err[256] = "";
	int r;

	for (unsigned i = 0; i < NOTIFY_MSI_CACHE; i++) {
		struct msi_irqfd *c = &mn->msi[i];

		if (c->used && c->address == address && c->data == data)
			return c;
		if (!e || !c->used || (e->used && c->stamp < e->stamp))
			e = c;
	}
	msi_drop(mn, e);
	f.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f.fd < 0) {
		fall_back(&mn->msi_off, "irqfd", strerror(errno));
		return NULL;
	}
	r = a->ops->add_irqfd(a, &f, err, sizeof(err));
	if (r < 0) {
		close(f.fd);
		fall_back(&mn->msi_off, "irqfd", err[0] ? err : strerror(-r));
		return NULL;
	}
	*e = (struct msi_irqfd){ .used = true, .address = address, .data = data, .fd = f.fd };
	return e;
}

/* The board's MSI sink while we are hooked (board lock held, any thread). */
static void notify_msi(void *opaque, uint64_t address, uint32_t data)
{
	struct machine_notify *mn = opaque;
	struct msi_irqfd *e = NULL;

	if (!mn->msi_off && msi_takes(address, data))
		e = msi_route(mn, address, data);
	if (!e) {
		msi_send(&mn->prev_msi, address, data);
		return;
	}
	e->stamp = ++mn->stamp;
	mn->msis++;
	if (log_enabled(LOG_INT))
		board_log(LOG_INT, "int: irqfd MSI 0x%" PRIx64 " data 0x%x", address, data);
	efd_signal(e->fd);
}

/* The GSI router's sink while we are hooked (kernel-irqchip=on, board lock held). */
static void notify_gsi(void *opaque, int gsi, int level)
{
	struct machine_notify *mn = opaque;
	struct gsi_irqfd *g = gsi >= 0 && gsi < GSI_NR_IOAPIC_PINS ? &mn->gsi[gsi] : NULL;

	if (!g || !g->used || mn->gsi_off) {
		mn->prev_sinks.gsi(mn->prev_sinks.gsi_opaque, gsi, level);
		return;
	}
	/* a falling edge is KVM's to apply, at the EOI (then resample_ready) */
	if (level && !g->level) {
		mn->gsi_raises++;
		if (log_enabled(LOG_INT))
			board_log(LOG_INT, "int: irqfd GSI %u raised", g->gsi);
		efd_signal(g->fd);
	}
	g->level = level;
}

/* Main loop: the guest EOI'd the GSI and KVM lowered it; still high here? */
static void resample_ready(void *opaque)
{
	struct gsi_irqfd *g = opaque;
	struct machine *m = g->mn->m;

	board_lock(&m->board);
	if (g->used && g->level) {
		g->mn->gsi_raises++;
		if (log_enabled(LOG_INT))
			board_log(LOG_INT, "int: irqfd GSI %u raised again after its EOI", g->gsi);
		efd_signal(g->fd);
	}
	board_unlock(&m->board);
}

static unsigned router_sources(const struct gsi_router *r, unsigned input)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->nsrc; i++)
		n += r->src[i].input == input;
	return n;
}

/* kernel-irqchip=on: virtio-mmio slots whose GSI is theirs alone (main thread). */
static int gsi_setup(struct machine_notify *mn, char *err, size_t errlen)
{
	struct machine *m = mn->m;
	struct accel *a = &m->accel;
	struct gsi_router *r = gsi_router_find(&m->board);

	if (a->irqchip != IRQCHIP_ON || !r || !r->sinks.gsi)
		return 0;
	for (struct device *d = m->board.devices; d; d = d->next) {
		struct gsi_irqfd *g;
		unsigned gsi;
		char why[256] = "";
		int ret;

		if (!virtio_mmio_vdev(d) || d->nirq < 1)
			continue;
		gsi = d->irq[0];
		if (gsi < GSI_NR_ISA || gsi >= GSI_NR_IOAPIC_PINS || router_sources(r, gsi) != 1 ||
		    mn->gsi[gsi].used)
			continue;
		g = &mn->gsi[gsi];
		*g = (struct gsi_irqfd){ .mn = mn, .gsi = gsi, .fd = -1, .resample_fd = -1 };
		g->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (g->fd < 0)
			return machine_fail(err, errlen, "irqfd: eventfd: %s", strerror(errno));
		g->resample_fd = loop_notifier_new(m->loop, resample_ready, g);
		if (g->resample_fd < 0) {
			close(g->fd);
			g->fd = -1;
			return machine_fail(err, errlen, "irqfd: resample notifier: %s",
					    strerror(-g->resample_fd));
		}
		ret = a->ops->add_irqfd(a, &(struct accel_irqfd){ .fd = g->fd, .gsi = gsi,
				       .resample_fd = g->resample_fd }, why, sizeof(why));
		if (ret < 0) {
			loop_notifier_delete(m->loop, g->resample_fd);
			close(g->fd);
			*g = (struct gsi_irqfd){ .fd = -1, .resample_fd = -1 };
			fall_back(&mn->gsi_off, "irqfd", why[0] ? why : strerror(-ret));
			return 0;
		}
		g->used = true;
		if (log_enabled(LOG_INT))
			board_log(LOG_INT, "int: irqfd on GSI %u (%s), resampled at EOI", gsi, d->name);
	}
	return 0;
}

/* ---- setup and teardown -------------------------------------------------------------- */

static int vdevs_find(struct machine_notify *mn)
{
	unsigned n = 0, nq = 0;

	for (struct device *d = mn->m->board.devices; d; d = d->next) {
		struct virtio_device *v = virtio_pci_vdev(d);

		if (!v)
			v = virtio_mmio_vdev(d);
		if (!v)
			continue;
		n++;
		nq += v->nqueues;
	}
	mn->vdevs = calloc(n ? n : 1, sizeof(*mn->vdevs));
	mn->queues = calloc(nq ? nq : 1, sizeof(*mn->queues));
	if (!mn->vdevs || !mn->queues)
		return -ENOMEM;
	for (struct device *d = mn->m->board.devices; d; d = d->next) {
		struct virtio_device *v = virtio_pci_vdev(d);

		if (!v)
			v = virtio_mmio_vdev(d);
		if (!v)
			continue;
		mn->vdevs[mn->nvdevs++] = v;
		for (unsigned q = 0; q < v->nqueues; q++)
			mn->queues[mn->nqueues++] = (struct notify_queue){
				.mn = mn, .vdev = v, .q = q, .efd = -1 };
	}
	return 0;
}

int machine_notify_setup(struct machine *m, char *err, size_t errlen)
{
	const struct accel_ops *ops = m->accel.ops;
	struct machine_notify *mn;
	bool kicks = ops->add_ioeventfd && ops->del_ioeventfd;
	bool irqfd = ops->add_irqfd && ops->del_irqfd;

	/* tcg: every access is the accelerator's own; nothing to catch */
	if (!kicks && !irqfd)
		return 0;
	mn = calloc(1, sizeof(*mn));
	if (!mn)
		return machine_fail(err, errlen, "out of memory");
	m->notify = mn;
	mn->m = m;
	mn->hook = (struct virtio_notify_hook){ .changed = area_changed, .opaque = mn };
	for (unsigned i = 0; i < NOTIFY_MSI_CACHE; i++)
		mn->msi[i].fd = -1;
	for (unsigned i = 0; i < GSI_NR_IOAPIC_PINS; i++)
		mn->gsi[i] = (struct gsi_irqfd){ .fd = -1, .resample_fd = -1 };
	if (vdevs_find(mn) < 0)
		return machine_fail(err, errlen, "out of memory");
	if (!kicks)
		mn->ioeventfd_off = true;
	for (unsigned i = 0; kicks && i < mn->nqueues; i++) {
		int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), r;

		if (efd < 0)
			return machine_fail(err, errlen, "ioeventfd: eventfd: %s", strerror(errno));
		r = loop_add_fd(m->loop, efd, EPOLLIN, kick_ready, &mn->queues[i]);
		if (r < 0) {
			close(efd);
			return machine_fail(err, errlen, "ioeventfd: watching the eventfd: %s",
					    strerror(-r));
		}
		mn->queues[i].efd = efd;
	}

	if (irqfd && gsi_setup(mn, err, errlen) < 0)
		return -1;
	board_lock(&m->board);
	if (irqfd && (m->accel.irqchip == IRQCHIP_ON || m->accel.irqchip == IRQCHIP_SPLIT) &&
	    m->board.msi.send) {
		mn->prev_msi = m->board.msi;
		m->board.msi = (struct msi_sink){ .send = notify_msi, .opaque = mn };
		mn->msi_hooked = true;
	}
	for (unsigned i = 0; i < GSI_NR_IOAPIC_PINS && !mn->gsi_hooked; i++) {
		if (!mn->gsi[i].used)
			continue;
		mn->router = gsi_router_find(&m->board);
		mn->prev_sinks = mn->router->sinks;
		gsi_router_set_sinks(mn->router, &(struct gsi_sinks){
			.gsi = notify_gsi, .gsi_opaque = mn });
		mn->gsi_hooked = true;
	}
	for (unsigned i = 0; kicks && i < mn->nvdevs; i++)
		virtio_set_notify_hook(mn->vdevs[i], &mn->hook);
	board_unlock(&m->board);
	return 0;
}

void machine_notify_teardown(struct machine *m)
{
	struct machine_notify *mn = m->notify;
	struct accel *a = &m->accel;

	if (!mn)
		return;
	board_lock(&m->board);
	for (unsigned i = 0; i < mn->nvdevs; i++)
		if (mn->vdevs[i]->notify_hook == &mn->hook)
			virtio_set_notify_hook(mn->vdevs[i], NULL);
	if (mn->msi_hooked)
		m->board.msi = mn->prev_msi;
	if (mn->gsi_hooked)
		gsi_router_set_sinks(mn->router, &mn->prev_sinks);
	for (unsigned i = 0; i < NOTIFY_MSI_CACHE; i++)
		msi_drop(mn, &mn->msi[i]);
	for (unsigned i = 0; i < GSI_NR_IOAPIC_PINS; i++) {
		struct gsi_irqfd *g = &mn->gsi[i];

		if (!g->used)
			continue;
		a->ops->del_irqfd(a, &(struct accel_irqfd){ .fd = g->fd, .gsi = g->gsi,
							     .resample_fd = g->resample_fd });
		close(g->fd);
		loop_notifier_delete(m->loop, g->resample_fd);
		g->used = false;
	}
	if ((log_enabled(LOG_MMIO) || log_enabled(LOG_INT)) && (mn->kicks || mn->msis || mn->gsi_raises))
		board_log(log_enabled(LOG_MMIO) ? LOG_MMIO : LOG_INT,
			  "notify: %" PRIu64 " kicks through ioeventfd, %" PRIu64 " MSIs and %" PRIu64
			  " GSI raises through irqfd", mn->kicks, mn->msis, mn->gsi_raises);
	board_unlock(&m->board);
	for (unsigned i = 0; i < mn->nqueues; i++) {
		if (mn->queues[i].efd < 0)
			continue;
		loop_del_fd(m->loop, mn->queues[i].efd);
		close(mn->queues[i].efd);
	}
	free(mn->queues);
	free(mn->vdevs);
	free(mn);
	m->notify = NULL;
}
