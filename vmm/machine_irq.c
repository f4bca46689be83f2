#include "vmm/machine_int.h"

/*
 * Who implements the controllers is chosen once (-machine kernel-irqchip=):
 *   on     KVM's PIC/IOAPIC/LAPIC: the GSI router's outputs become
 *          KVM_IRQ_LINE levels, MSIs KVM_SIGNAL_MSI.
 *   split  KVM's LAPIC, our PIC and IOAPIC: IOAPIC messages and MSIs go in
 *          with KVM_SIGNAL_MSI, the PIC's INTR with KVM_INTERRUPT on vCPU 0
 *          (host->irq_pending/irq_ack), KVM_EXIT_IOAPIC_EOI to our IOAPIC.
 *   off    (and TCG) ours throughout: board_apic_setup(), the accelerator
 *          reaches each vCPU's LAPIC with board_lapic().
 * Every path here runs under the board lock.
 */

static void gsi_to_accel(void *opaque, int n, int level)
{
	struct machine *m = opaque;

	m->accel.ops->set_irq(&m->accel, (unsigned)n, level);
}

static void msi_to_accel(void *opaque, uint64_t address, uint32_t data)
{
	struct machine *m = opaque;

	m->accel.ops->send_msi(&m->accel, address, data);
}

/* Wake vCPU i: out of KVM_RUN, or out of its halt. Never blocks for long. */
static void kick_vcpu(struct machine *m, unsigned i)
{
	if (m->cpus_ready && i < m->cpus.n)
		cpus_kick(&m->cpus, &m->cpus.v[i]);
}

static void lapic_kick_hook(void *opaque)
{
	struct vcpu *v = opaque;
	struct machine *m = v->accel->cfg.host->opaque;

	kick_vcpu(m, v->index);
}

/* split: the PIC's INT pin; the BSP takes ExtINT, as on QEMU */
static void split_pic_int(void *opaque, int n, int level)
{
	if (level)
		kick_vcpu(opaque, 0);
}

static bool split_irq_pending(void *opaque, struct vcpu *v)
{
	struct machine *m = opaque;
	struct pic *pic = pic_find(&m->board);
	bool pending;

	if (v->index != 0 || !pic)
		return false;
	board_lock(&m->board);
	pending = pic_has_interrupt(pic);
	board_unlock(&m->board);
	return pending;
}

static int split_irq_ack(void *opaque, struct vcpu *v)
{
	struct machine *m = opaque;
	struct pic *pic = pic_find(&m->board);
	int vec;

	if (v->index != 0 || !pic)
		return -1;
	board_lock(&m->board);
	vec = pic_acknowledge(pic);
	board_unlock(&m->board);
	return vec;
}

static void split_ioapic_eoi(void *opaque, unsigned vector)
{
	struct machine *m = opaque;
	struct ioapic *io = ioapic_find(&m->board);

	if (!io || vector > 0xff)
		return;
	board_lock(&m->board);
	if (log_enabled(LOG_INT))
		board_log(LOG_INT, "kvm: IOAPIC EOI exit, vector 0x%02x", vector);
	ioapic_eoi(io, (uint8_t)vector);	/* a line still asserted fires again */
	split_sync_routes(m);
	board_unlock(&m->board);
}

/*
 * split: KVM reports an EOI (KVM_EXIT_IOAPIC_EOI) only for vectors that an
 * IOAPIC route declares level-triggered, so the routes mirror our IOAPIC:
 * GSI n is pin n's message while the entry is unmasked and level, plus the
 * vector it was last delivered with while remote IRR waits for that EOI (a
 * handler that re-programs its own entry). Resynced after every guest write
 * to the IOAPIC window, every EOI and every level message, before the
 * message goes in; KVM_SET_GSI_ROUTING runs only when the table changed.
 */
static uint32_t rte_msi_data(uint64_t rte, uint8_t vector)
{
	return vector | (uint32_t)(rte & IOAPIC_RTE_DELMODE) | MSI_DATA_TRIGGER_LEVEL |
	       MSI_DATA_ASSERT;
}

void split_sync_routes(struct machine *m)
{
	struct ioapic *io = ioapic_find(&m->board);
	struct accel_eoi_route r[ACCEL_EOI_ROUTES] = { 0 };

	if (!io)
		return;
	for (unsigned pin = 0; pin < IOAPIC_NUM_PINS && pin < ACCEL_EOI_ROUTES; pin++) {
		uint64_t rte = io->rte[pin];
		uint64_t addr = MSI_ADDR_BASE | ((rte >> IOAPIC_RTE_DEST_SHIFT) << MSI_ADDR_DEST_SHIFT) |
				((rte & IOAPIC_RTE_DESTMODE) ? MSI_ADDR_DEST_LOGICAL : 0);

		if (!(rte & IOAPIC_RTE_TRIGGER))
			continue;
		if (!(rte & IOAPIC_RTE_MASK))
			r[pin] = (struct accel_eoi_route){
				.valid = true, .gsi = pin, .address = addr,
				.data = rte_msi_data(rte, rte & IOAPIC_RTE_VECTOR) };
		if ((rte & IOAPIC_RTE_REMOTE_IRR) &&
		    io->delivered_vector[pin] != (rte & IOAPIC_RTE_VECTOR)) {
			/* the in-service vector keeps a route (same GSI) until its EOI */
			r[pin].valid = true;
			r[pin].gsi = pin;
			r[pin].address = addr;
			r[pin].data2 = rte_msi_data(rte, io->delivered_vector[pin]);
			r[pin].has_data2 = true;
			if (rte & IOAPIC_RTE_MASK)
				r[pin].data = r[pin].data2;
		}
	}
	if (!memcmp(r, m->split_routes, sizeof(r)))
		return;
	memcpy(m->split_routes, r, sizeof(r));
	if (log_enabled(LOG_INT))
		for (unsigned pin = 0; pin < ACCEL_EOI_ROUTES; pin++)
			if (r[pin].valid)
				board_log(LOG_INT, "kvm: level route GSI %u: 0x%llx 0x%x%s", pin,
					  (unsigned long long)r[pin].address, r[pin].data,
					  r[pin].has_data2 ? " (+ in-service vector)" : "");
	if (m->accel.ops->set_eoi_routes(&m->accel, r, ACCEL_EOI_ROUTES) < 0)
		guest_error("kvm: level-triggered IOAPIC routes: %s\n", strerror(errno));
}

/*
 * split: this host's KVM (PVM, which emulates the guest) raises the EOI exit
 * of an in-kernel LAPIC EOI only at its next exit to us, and a guest that
 * EOIs and halts never makes one: its IOAPIC entry would wait forever. While
 * some level entry waits for its EOI, kick the vCPUs now and then (200 us,
 * doubling up to 50 ms) so the pending exit comes out. On a KVM that exits
 * at once the EOI arrives before the first poll and the poll stops.
 */
#define EOI_POLL_FIRST_NS	200000ull
#define EOI_POLL_MAX_NS		50000000ull

static bool split_eoi_waiting(struct machine *m)
{
	struct ioapic *io = ioapic_find(&m->board);

	for (unsigned pin = 0; io && pin < IOAPIC_NUM_PINS; pin++)
		if (io->rte[pin] & IOAPIC_RTE_REMOTE_IRR)
			return true;
	return false;
}

static void split_eoi_poll(void *opaque)
{
	struct machine *m = opaque;

	if (!split_eoi_waiting(m)) {
		m->eoi_poll_ns = 0;
		return;
	}
	if (log_enabled(LOG_INT))
		board_log(LOG_INT, "kvm: IOAPIC EOI poll: kicking the vCPUs");
	for (unsigned i = 0; i < m->cpus.n; i++) {
		m->accel.ops->vcpu_unhalt(&m->cpus.v[i]);
		kick_vcpu(m, i);
	}
	m->eoi_poll_ns = m->eoi_poll_ns * 2 < EOI_POLL_MAX_NS ? m->eoi_poll_ns * 2 : EOI_POLL_MAX_NS;
	timer_mod(&m->eoi_poll, clock_ns() + m->eoi_poll_ns);
}

static void split_msi(void *opaque, uint64_t address, uint32_t data)
{
	struct machine *m = opaque;

	if (data & MSI_DATA_TRIGGER_LEVEL) {
		split_sync_routes(m);
		m->eoi_poll_ns = EOI_POLL_FIRST_NS;
		timer_mod(&m->eoi_poll, clock_ns() + m->eoi_poll_ns);
	}
	m->accel.ops->send_msi(&m->accel, address, data);
}

/* After the vCPUs exist (KVM's irqchip is created with the first one). */
int wire_interrupts(struct machine *m, char *err, size_t errlen)
{
	struct board *b = &m->board;
	struct gsi_router *router = gsi_router_find(b);
	struct board_err berr = { 0 };

	switch (m->accel.irqchip) {
	case IRQCHIP_ON:
		board_lock(b);
		if (router) {
			/* the router still ORs shared lines; KVM's chips take its outputs */
			gsi_router_set_sinks(router, &(struct gsi_sinks){
				.gsi = gsi_to_accel, .gsi_opaque = m });
		} else {
			for (unsigned n = 0; n < BOARD_NR_GSI; n++) {
				struct irq_line *l = board_gsi_line(b, n);
				if (l)
					irq_connect(l, gsi_to_accel, m, (int)n);
			}
		}
		b->msi.send = msi_to_accel;
		b->msi.opaque = m;
		board_unlock(b);
		return 0;
	case IRQCHIP_SPLIT: {
		struct pic *pic = pic_find(b);

		if (!m->accel.ops->set_eoi_routes || !m->accel.ops->vcpu_unhalt)
			return machine_fail(err, errlen, "-machine: kernel-irqchip=split needs -accel kvm");
		board_lock(b);
		if (pic)
			irq_connect(&pic->int_out, split_pic_int, m, 0);
		b->msi.send = split_msi;
		b->msi.opaque = m;
		timer_init(&m->eoi_poll, &b->timers, split_eoi_poll, m);
		m->eoi_poll_ready = true;
		m->host.irq_pending = split_irq_pending;
		m->host.irq_ack = split_irq_ack;
		m->host.ioapic_eoi = split_ioapic_eoi;
		board_unlock(b);
		return 0;
	}
	default:
		if (board_apic_setup(b, &berr) < 0)
			return machine_fail(err, errlen, "%s", berr.msg);
		board_lock(b);
		for (unsigned i = 0; i < m->cpus.n; i++) {
			struct lapic *l = board_lapic(b, i);
			if (l)
				lapic_set_kick(l, lapic_kick_hook, &m->cpus.v[i]);
		}
		board_unlock(b);
		return 0;
	}
}
