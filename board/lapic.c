/*
 * Local APIC and APIC bus. See lapic.h for the contract.
 */
#include <errno.h>
#include <string.h>

#include "board/lapic.h"
#include "board/log.h"

/* writable bits per LVT (delivery status and remote IRR are read-only) */
static const uint32_t lvt_wmask[LVT_NUM] = {
	[LVT_TIMER]	= 0x700ff,
	[LVT_THERMAL]	= 0x107ff,
	[LVT_PERF]	= 0x107ff,
	[LVT_LINT0]	= 0x1a7ff,
	[LVT_LINT1]	= 0x1a7ff,
	[LVT_ERROR]	= 0x100ff,
};
#define LVT_RO_BITS		((1u << 12) | (1u << 14))
#define X2APIC_ICR_RESERVED	0xfff33000u	/* bits 12, 13, 16, 17, 20-31 */

/* ---- 256-bit registers ---- */

static void vec_set(uint32_t *r, unsigned v) { r[v >> 5] |= 1u << (v & 31); }
static void vec_clear(uint32_t *r, unsigned v) { r[v >> 5] &= ~(1u << (v & 31)); }
static bool vec_test(const uint32_t *r, unsigned v) { return r[v >> 5] & (1u << (v & 31)); }

static int vec_highest(const uint32_t *r)
{
	int i;

	for (i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

static void lapic_kick(struct lapic *l)
{
	if (l->kick)
		l->kick(l->kick_opaque);
}

uint32_t lapic_ppr(const struct lapic *l)
{
	int isrv = vec_highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

static uint32_t lapic_apr(const struct lapic *l)
{
	int isrv = vec_highest(l->isr), irrv = vec_highest(l->irr);
	uint32_t hi = 0;

	if (isrv > 0)
		hi = (uint32_t)isrv & 0xf0;
	if (irrv > 0 && ((uint32_t)irrv & 0xf0) > hi)
		hi = (uint32_t)irrv & 0xf0;
	return (l->tpr & 0xf0) >= hi ? l->tpr & 0xff : hi;
}

static void lapic_error(struct lapic *l, uint32_t bit)
{
	uint32_t lvt = l->lvt[LVT_ERROR];
	unsigned v = lvt & APIC_VECTOR_MASK;

	l->esr_pending |= bit;
	/* an illegal error vector would only report itself again: drop it */
	if (!(lvt & APIC_LVT_MASKED) && v >= 16 && lapic_sw_enabled(l)) {
		vec_set(l->irr, v);
		vec_clear(l->tmr, v);
		lapic_kick(l);
	}
}

/* Put a fixed interrupt into IRR. */
static bool lapic_accept_fixed(struct lapic *l, unsigned vector, bool level)
{
	if (!lapic_sw_enabled(l))
		return false;
	if (vector < 16) {
		lapic_error(l, APIC_ESR_RECV_ILLEGAL);
		return false;
	}
	vec_set(l->irr, vector);
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
	lapic_kick(l);
	return true;
}

static bool lapic_accept(struct lapic *l, const struct apic_msg *m)
{
	if (!lapic_hw_enabled(l))
		return false;
	switch (m->mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		return lapic_accept_fixed(l, m->vector, m->level);
	case APIC_DM_SMI:
		l->events |= LAPIC_EV_SMI;
		break;
	case APIC_DM_NMI:
		l->events |= LAPIC_EV_NMI;
		break;
	case APIC_DM_INIT:
		if (m->level && !m->assert)	/* INIT level de-assert: arbitration IDs only */
			return false;
		l->events |= LAPIC_EV_INIT;
		break;
	case APIC_DM_SIPI:
		l->events |= LAPIC_EV_SIPI;
		l->sipi_vector = m->vector;
		break;
	case APIC_DM_EXTINT:
		l->extint_pending = true;
		break;
	default:
		guest_error("lapic %u: reserved delivery mode %u dropped\n", l->index, m->mode);
		return false;
	}
	lapic_kick(l);
	return true;
}

/* ---- destinations ---- */

static bool lapic_match_physical(const struct lapic *l, const struct apic_msg *m)
{
	if (m->x2apic_dest)
		return m->dest == 0xffffffffu || m->dest == l->id;
	if ((m->dest & 0xff) == 0xff)
		return true;
	return (m->dest & 0xff) == (lapic_x2apic_mode(l) ? l->id : (l->id & 0xff));
}

static bool lapic_match_logical(const struct lapic *l, const struct apic_msg *m)
{
	uint32_t mda, id;

	if (lapic_x2apic_mode(l)) {
		if (m->dest == 0xffffffffu || (!m->x2apic_dest && (m->dest & 0xff) == 0xff))
			return true;
		return (m->dest >> 16) == (l->ldr >> 16) && (m->dest & l->ldr & 0xffff);
	}
	mda = m->dest & 0xff;
	id = l->ldr >> 24;
	if (mda == 0xff)
		return true;
	if ((l->dfr >> 28) == 0xf)		/* flat: one bit per APIC */
		return mda & id;
	/* cluster: 4-bit cluster (0xf = all clusters), 4-bit member mask */
	return ((mda >> 4) == (id >> 4) || (mda >> 4) == 0xf) && (mda & id & 0xf);
}

static bool lapic_match(const struct lapic *l, struct lapic *src, const struct apic_msg *m)
{
	switch (m->shorthand) {
	case APIC_SH_SELF:
		return l == src;
	case APIC_SH_ALL:
		return true;
	case APIC_SH_ALL_BUT_SELF:
		return l != src;
	}
	return m->logical ? lapic_match_logical(l, m) : lapic_match_physical(l, m);
}

int apic_bus_deliver(struct apic_bus *bus, struct lapic *src, const struct apic_msg *m)
{
	struct lapic *best = NULL;
	unsigned i, k, n = bus->ncpus, best_k = 0;
	int count = 0;

	if (m->lowest && n) {
		/* scan from the round-robin cursor so ties rotate */
		for (k = 0; k < n; k++) {
			struct lapic *l = bus->cpu[(bus->lowest_next + k) % n];

			if (!lapic_hw_enabled(l) || !lapic_match(l, src, m))
				continue;
			if (m->mode == APIC_DM_LOWEST || m->mode == APIC_DM_FIXED) {
				if (!lapic_sw_enabled(l))
					continue;
			}
			if (!best || (l->tpr & 0xf0) < (best->tpr & 0xf0)) {
				best = l;
				best_k = k;
			}
		}
		if (!best)
			return 0;
		bus->lowest_next = (bus->lowest_next + best_k + 1) % n;
		return lapic_accept(best, m) ? 1 : 0;
	}
	for (i = 0; i < n; i++) {
		struct lapic *l = bus->cpu[i];

		if (lapic_match(l, src, m) && lapic_accept(l, m))
			count++;
	}
	return count;
}

struct lapic *apic_bus_find(struct apic_bus *bus, uint32_t apic_id)
{
	unsigned i;

	for (i = 0; i < bus->ncpus; i++)
		if (bus->cpu[i]->id == apic_id)
			return bus->cpu[i];
	return NULL;
}

void apic_bus_init(struct apic_bus *bus, struct timer_list *timers)
{
	memset(bus, 0, sizeof(*bus));
	bus->timers = timers;
	bus->tsc_hz = NS_PER_SEC;
	bus->phys_bits = 40;
	bus->x2apic = true;
}

void apic_bus_lint0_handler(void *opaque, int n, int level)
{
	struct apic_bus *bus = opaque;
	unsigned i;

	for (i = 0; i < bus->ncpus; i++)
		lapic_set_lint(bus->cpu[i], 0, level);
}

/* ---- timer ---- */

static unsigned timer_mode(const struct lapic *l)
{
	return (l->lvt[LVT_TIMER] >> APIC_LVT_TIMER_SHIFT) & 3;
}

static uint64_t timer_period(const struct lapic *l)
{
	uint64_t p = (uint64_t)l->timer_icr << l->timer_shift;

	if (timer_mode(l) == APIC_TIMER_PERIODIC && p < LAPIC_MIN_PERIOD_NS)
		p = LAPIC_MIN_PERIOD_NS;
	return p;
}

uint64_t lapic_tsc(const struct lapic *l)
{
	unsigned __int128 t = (unsigned __int128)clock_ns() * l->bus->tsc_hz / NS_PER_SEC;

	return (uint64_t)t + (uint64_t)l->tsc_offset;
}

/* First ns at which lapic_tsc() >= tsc. */
static uint64_t tsc_to_ns(const struct lapic *l, uint64_t tsc)
{
	uint64_t ticks = tsc - (uint64_t)l->tsc_offset;
	unsigned __int128 ns;

	if ((int64_t)ticks < 0)
		return 0;
	ns = ((unsigned __int128)ticks * NS_PER_SEC + l->bus->tsc_hz - 1) / l->bus->tsc_hz;
	return ns > UINT64_MAX - 1 ? UINT64_MAX - 1 : (uint64_t)ns;
}

static void timer_fire(struct lapic *l)
{
	uint32_t lvt = l->lvt[LVT_TIMER];

	l->timer_fired++;
	if (!(lvt & APIC_LVT_MASKED))
		lapic_accept_fixed(l, lvt & APIC_VECTOR_MASK, false);
}

static void timer_stop(struct lapic *l)
{
	timer_del(&l->timer);
	l->timer_running = false;
}

static void timer_cb(void *opaque)
{
	struct lapic *l = opaque;
	uint64_t now = clock_ns(), period;

	if (timer_mode(l) == APIC_TIMER_TSC_DEADLINE) {
		if (!l->tsc_deadline)
			return;
		if (tsc_to_ns(l, l->tsc_deadline) > now) {
			timer_mod(&l->timer, tsc_to_ns(l, l->tsc_deadline));
			return;
		}
		l->tsc_deadline = 0;
		timer_fire(l);
		return;
	}
	if (!l->timer_running)
		return;
	if (now < l->timer_next) {	/* re-armed meanwhile */
		timer_mod(&l->timer, l->timer_next);
		return;
	}
	timer_fire(l);
	if (timer_mode(l) == APIC_TIMER_PERIODIC) {
		/* coalesce missed periods: one interrupt, next boundary after now */
		period = timer_period(l);
		l->timer_next += ((now - l->timer_next) / period + 1) * period;
		timer_mod(&l->timer, l->timer_next);
	} else {
		l->timer_running = false;
	}
}

uint32_t lapic_timer_current(const struct lapic *l)
{
	uint64_t now = clock_ns(), left, period, over;

	if (!l->timer_running || timer_mode(l) == APIC_TIMER_TSC_DEADLINE)
		return 0;
	if (now < l->timer_next) {
		left = (l->timer_next - now + (1ull << l->timer_shift) - 1) >> l->timer_shift;
		return left > l->timer_icr ? l->timer_icr : (uint32_t)left;
	}
	if (timer_mode(l) != APIC_TIMER_PERIODIC)
		return 0;
	/* periodic, callback not run yet: position inside the current period */
	period = timer_period(l);
	over = (now - l->timer_next) % period;
	left = ((period - over) + (1ull << l->timer_shift) - 1) >> l->timer_shift;
	return left > l->timer_icr ? l->timer_icr : (uint32_t)left;
}

static void timer_start(struct lapic *l, uint32_t count)
{
	l->timer_icr = count;
	if (timer_mode(l) == APIC_TIMER_TSC_DEADLINE)
		return;		/* initial count is ignored in TSC-deadline mode */
	if (!count) {
		timer_stop(l);
		return;
	}
	l->timer_next = clock_ns() + timer_period(l);
	l->timer_running = true;
	timer_mod(&l->timer, l->timer_next);
}

static void timer_set_dcr(struct lapic *l, uint32_t val)
{
	uint32_t cc = lapic_timer_current(l);
	unsigned v = (val & 3) | ((val >> 1) & 4);

	l->timer_dcr = val & 0xb;
	l->timer_shift = (v + 1) & 7;
	/* the remaining count goes on at the new rate */
	if (l->timer_running && timer_mode(l) != APIC_TIMER_TSC_DEADLINE) {
		l->timer_next = clock_ns() + ((uint64_t)cc << l->timer_shift);
		timer_mod(&l->timer, l->timer_next);
	}
}

static void tsc_deadline_write(struct lapic *l, uint64_t val)
{
	uint64_t ns;

	if (timer_mode(l) != APIC_TIMER_TSC_DEADLINE)
		return;		/* SDM: ignored outside TSC-deadline mode */
	l->tsc_deadline = val;
	if (!val) {
		timer_del(&l->timer);
		return;
	}
	ns = tsc_to_ns(l, val);
	if (ns <= clock_ns()) {
		timer_del(&l->timer);
		l->tsc_deadline = 0;
		timer_fire(l);
		return;
	}
	timer_mod(&l->timer, ns);
}

/* ---- reset and state ---- */

static void lapic_reset_regs(struct lapic *l)
{
	int i;

	timer_stop(l);
	l->tpr = 0;
	l->ldr = 0;
	l->dfr = APIC_DFR_FLAT;
	l->svr = 0xff;
	l->esr = l->esr_pending = 0;
	l->icr_lo = l->icr_hi = 0;
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	for (i = 0; i < LVT_NUM; i++)
		l->lvt[i] = APIC_LVT_MASKED;
	if (l->bsp)	/* QEMU's reset value: the PIC reaches the BSP at once */
		l->lvt[LVT_LINT0] = APIC_DM_EXTINT << APIC_DM_SHIFT;
	l->timer_icr = 0;
	l->timer_dcr = 0;
	l->timer_shift = 1;
	l->tsc_deadline = 0;
	l->extint_pending = false;
	l->id = l->initial_id;
}

void lapic_reset(struct lapic *l, bool power_on)
{
	if (power_on) {
		l->apicbase = LAPIC_BASE | APICBASE_EN | (l->bsp ? APICBASE_BSP : 0);
		l->events = 0;
		l->tsc_offset = 0;
	}
	lapic_reset_regs(l);
	if (lapic_x2apic_mode(l))
		l->ldr = ((l->id >> 4) << 16) | (1u << (l->id & 0xf));
}

int lapic_init(struct lapic *l, struct apic_bus *bus, uint32_t apic_id, bool bsp)
{
	if (bus->ncpus >= APIC_BUS_MAX_CPUS)
		return -ENOSPC;
	memset(l, 0, sizeof(*l));
	l->bus = bus;
	l->index = bus->ncpus;
	l->initial_id = apic_id;
	l->bsp = bsp;
	timer_init(&l->timer, bus->timers, timer_cb, l);
	bus->cpu[bus->ncpus++] = l;
	lapic_reset(l, true);
	return 0;
}

void lapic_destroy(struct lapic *l)
{
	struct apic_bus *bus = l->bus;
	unsigned i;

	timer_del(&l->timer);
	for (i = 0; bus && i < bus->ncpus; i++) {
		if (bus->cpu[i] == l) {
			memmove(&bus->cpu[i], &bus->cpu[i + 1], (bus->ncpus - i - 1) * sizeof(l));
			bus->ncpus--;
			bus->lowest_next = 0;
			break;
		}
	}
}

void lapic_set_kick(struct lapic *l, void (*kick)(void *), void *opaque)
{
	l->kick = kick;
	l->kick_opaque = opaque;
}

/* ---- CPU side ---- */

static bool lint0_extint(const struct lapic *l)
{
	uint32_t lvt = l->lvt[LVT_LINT0];

	if (!lapic_hw_enabled(l))	/* through mode: LINT0 is INTR */
		return l->lint_level[0];
	return !(lvt & APIC_LVT_MASKED) &&
	       ((lvt & APIC_DM_MASK) >> APIC_DM_SHIFT) == APIC_DM_EXTINT && l->lint_level[0];
}

bool lapic_has_interrupt(struct lapic *l)
{
	int v;

	if (l->extint_pending || lint0_extint(l))
		return true;
	if (!lapic_hw_enabled(l))
		return false;
	v = vec_highest(l->irr);
	return v >= 0 && ((uint32_t)v & 0xf0) > (lapic_ppr(l) & 0xf0);
}

int lapic_get_interrupt(struct lapic *l)
{
	int v;

	if (l->extint_pending || lint0_extint(l)) {
		l->extint_pending = false;
		if (!l->bus->extint_ack)
			return -1;
		return l->bus->extint_ack(l->bus->extint_opaque);
	}
	if (!lapic_hw_enabled(l))
		return -1;
	v = vec_highest(l->irr);
	if (v < 0 || ((uint32_t)v & 0xf0) <= (lapic_ppr(l) & 0xf0))
		return -1;
	vec_clear(l->irr, v);
	vec_set(l->isr, v);
	return v;
}

unsigned lapic_take_event(struct lapic *l, unsigned mask)
{
	unsigned got = l->events & mask;

	l->events &= ~mask;
	return got;
}

static void lapic_lvt_deliver(struct lapic *l, uint32_t lvt)
{
	struct apic_msg m = { 0 };

	m.mode = (lvt & APIC_DM_MASK) >> APIC_DM_SHIFT;
	m.vector = lvt & APIC_VECTOR_MASK;
	m.assert = true;
	if (m.mode == APIC_DM_FIXED)
		lapic_accept_fixed(l, m.vector, false);
	else if (m.mode != APIC_DM_EXTINT)	/* ExtINT is read from the pin at INTA */
		lapic_accept(l, &m);
}

void lapic_set_lint(void *opaque, int n, int level)
{
	struct lapic *l = opaque;
	int old;
	uint32_t lvt;

	if (n < 0 || n > 1)
		return;
	old = l->lint_level[n];
	l->lint_level[n] = !!level;
	if (!lapic_hw_enabled(l)) {
		if (n == 1 && level && !old) {
			l->events |= LAPIC_EV_NMI;
			lapic_kick(l);
		} else if (n == 0 && level) {
			lapic_kick(l);
		}
		return;
	}
	lvt = l->lvt[LVT_LINT0 + n];
	if (lvt & APIC_LVT_MASKED)
		return;
	if (((lvt & APIC_DM_MASK) >> APIC_DM_SHIFT) == APIC_DM_EXTINT) {
		if (level)
			lapic_kick(l);
		return;
	}
	if (level && !old)
		lapic_lvt_deliver(l, lvt);
}

void lapic_raise_lvt(struct lapic *l, enum lapic_lvt lvt)
{
	if ((unsigned)lvt >= LVT_NUM || !lapic_hw_enabled(l))
		return;
	if (!(l->lvt[lvt] & APIC_LVT_MASKED))
		lapic_lvt_deliver(l, l->lvt[lvt]);
}

static void lapic_eoi(struct lapic *l)
{
	int v = vec_highest(l->isr);

	if (v < 0)
		return;
	vec_clear(l->isr, v);
	if (vec_test(l->tmr, v) && l->bus->eoi &&
	    !(l->bus->directed_eoi && (l->svr & APIC_SVR_EOI_SUPPRESS)))
		l->bus->eoi(l->bus->eoi_opaque, v);
	if (lapic_has_interrupt(l))
		lapic_kick(l);
}

static void lapic_send_ipi(struct lapic *l, uint32_t lo, uint32_t dest, bool x2)
{
	struct apic_msg m = { 0 };

	m.vector = lo & APIC_VECTOR_MASK;
	m.mode = (lo & APIC_DM_MASK) >> APIC_DM_SHIFT;
	m.logical = lo & APIC_ICR_LOGICAL;
	m.assert = lo & APIC_ICR_ASSERT;
	m.level = lo & APIC_ICR_LEVEL;
	m.shorthand = (lo >> APIC_ICR_SH_SHIFT) & 3;
	m.dest = dest;
	m.x2apic_dest = x2;
	m.lowest = m.mode == APIC_DM_LOWEST;
	if ((m.mode == APIC_DM_FIXED || m.mode == APIC_DM_LOWEST) && m.vector < 16) {
		lapic_error(l, APIC_ESR_SEND_ILLEGAL);
		return;
	}
	if (m.mode == 3 || m.mode == APIC_DM_EXTINT) {
		guest_error("lapic %u: ICR delivery mode %u is not valid for IPIs\n", l->index, m.mode);
		return;
	}
	if (!m.level)		/* edge IPIs always assert */
		m.assert = true;
	if (log_enabled(LOG_INT))
		board_log(LOG_INT, "lapic %u: IPI mode %u vector 0x%02x dest 0x%x sh %u\n", l->index,
			  m.mode, m.vector, m.dest, m.shorthand);
	apic_bus_deliver(l->bus, l, &m);
}

/* ---- registers (shared by xAPIC and x2APIC) ---- */

enum { REG_OK = 0, REG_INVALID = -1, REG_RO = -2 };

static void lvt_write(struct lapic *l, enum lapic_lvt i, uint32_t val)
{
	unsigned old_mode = timer_mode(l);

	val &= lvt_wmask[i];
	if (!lapic_sw_enabled(l))
		val |= APIC_LVT_MASKED;
	l->lvt[i] = val;
	if (i == LVT_TIMER && old_mode != timer_mode(l) &&
	    (old_mode == APIC_TIMER_TSC_DEADLINE || timer_mode(l) == APIC_TIMER_TSC_DEADLINE)) {
		/* switching to or from TSC-deadline disarms the timer */
		timer_stop(l);
		l->tsc_deadline = 0;
		l->timer_icr = 0;
	}
}

static void svr_write(struct lapic *l, uint32_t val)
{
	uint32_t mask = APIC_SVR_VECTOR | APIC_SVR_ENABLE | APIC_SVR_FOCUS_OFF;
	int i;

	if (l->bus->directed_eoi)
		mask |= APIC_SVR_EOI_SUPPRESS;
	l->svr = val & mask;
	if (!lapic_sw_enabled(l))
		for (i = 0; i < LVT_NUM; i++)
			l->lvt[i] |= APIC_LVT_MASKED;
}

static int lapic_reg_read(struct lapic *l, unsigned reg, uint32_t *val)
{
	bool x2 = lapic_x2apic_mode(l);

	switch (reg) {
	case APIC_ID >> 4:
		*val = x2 ? l->id : l->id << 24;
		return REG_OK;
	case APIC_LVR >> 4:
		*val = APIC_LVR_VALUE | (l->bus->directed_eoi ? APIC_LVR_DIRECTED_EOI : 0);
		return REG_OK;
	case APIC_TPR >> 4:
		*val = l->tpr;
		return REG_OK;
	case APIC_APR >> 4:
		if (x2)
			return REG_INVALID;
		*val = lapic_apr(l);
		return REG_OK;
	case APIC_PPR >> 4:
		*val = lapic_ppr(l);
		return REG_OK;
	case APIC_RRD >> 4:
		if (x2)
			return REG_INVALID;
		*val = 0;
		return REG_OK;
	case APIC_LDR >> 4:
		*val = l->ldr;
		return REG_OK;
	case APIC_DFR >> 4:
		if (x2)
			return REG_INVALID;
		*val = l->dfr;
		return REG_OK;
	case APIC_SVR >> 4:
		*val = l->svr;
		return REG_OK;
	case APIC_ESR >> 4:
		*val = l->esr;
		return REG_OK;
	case APIC_ICR >> 4:
		*val = l->icr_lo;
		return REG_OK;
	case APIC_ICR2 >> 4:
		if (x2)
			return REG_INVALID;
		*val = l->icr_hi;
		return REG_OK;
	case APIC_LVT_TIMER >> 4 ... APIC_LVT_ERROR >> 4:
		*val = l->lvt[reg - (APIC_LVT_TIMER >> 4)];
		return REG_OK;
	case APIC_TMICT >> 4:
		*val = l->timer_icr;
		return REG_OK;
	case APIC_TMCCT >> 4:
		*val = lapic_timer_current(l);
		return REG_OK;
	case APIC_TDCR >> 4:
		*val = l->timer_dcr;
		return REG_OK;
	}
	if (reg >= (APIC_ISR >> 4) && reg < (APIC_ISR >> 4) + 8) {
		*val = l->isr[reg - (APIC_ISR >> 4)];
		return REG_OK;
	}
	if (reg >= (APIC_TMR >> 4) && reg < (APIC_TMR >> 4) + 8) {
		*val = l->tmr[reg - (APIC_TMR >> 4)];
		return REG_OK;
	}
	if (reg >= (APIC_IRR >> 4) && reg < (APIC_IRR >> 4) + 8) {
		*val = l->irr[reg - (APIC_IRR >> 4)];
		return REG_OK;
	}
	/* EOI and self-IPI are write-only; reads of them and of holes are invalid */
	return REG_INVALID;
}

/* 32-bit register writes; ICR in x2APIC mode goes through lapic_msr_write. */
static int lapic_reg_write(struct lapic *l, unsigned reg, uint32_t val)
{
	bool x2 = lapic_x2apic_mode(l);

	switch (reg) {
	case APIC_ID >> 4:
		if (x2)
			return REG_RO;
		l->id = val >> 24;
		return REG_OK;
	case APIC_TPR >> 4:
		l->tpr = val & 0xff;
		if (lapic_has_interrupt(l))
			lapic_kick(l);
		return REG_OK;
	case APIC_EOI >> 4:
		lapic_eoi(l);
		return REG_OK;
	case APIC_LDR >> 4:
		if (x2)
			return REG_RO;
		l->ldr = val & 0xff000000u;
		return REG_OK;
	case APIC_DFR >> 4:
		if (x2)
			return REG_INVALID;
		l->dfr = val | 0x0fffffffu;
		return REG_OK;
	case APIC_SVR >> 4:
		svr_write(l, val);
		return REG_OK;
	case APIC_ESR >> 4:
		/* a write latches the errors seen since the last one */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		return REG_OK;
	case APIC_ICR >> 4:
		l->icr_lo = val & ~APIC_ICR_BUSY;
		lapic_send_ipi(l, l->icr_lo, l->icr_hi >> 24, false);
		return REG_OK;
	case APIC_ICR2 >> 4:
		if (x2)
			return REG_INVALID;
		l->icr_hi = val & 0xff000000u;
		return REG_OK;
	case APIC_LVT_TIMER >> 4 ... APIC_LVT_ERROR >> 4:
		lvt_write(l, reg - (APIC_LVT_TIMER >> 4), val);
		return REG_OK;
	case APIC_TMICT >> 4:
		timer_start(l, val);
		return REG_OK;
	case APIC_TDCR >> 4:
		timer_set_dcr(l, val);
		return REG_OK;
	case APIC_SELF_IPI >> 4:
		if (!x2)
			return REG_INVALID;
		lapic_send_ipi(l, (val & APIC_VECTOR_MASK) | (APIC_SH_SELF << APIC_ICR_SH_SHIFT), 0,
			       true);
		return REG_OK;
	case APIC_LVR >> 4:
	case APIC_PPR >> 4:
	case APIC_TMCCT >> 4:
		return REG_RO;
	case APIC_APR >> 4:
	case APIC_RRD >> 4:
		return x2 ? REG_INVALID : REG_RO;
	}
	if (reg >= (APIC_ISR >> 4) && reg < (APIC_IRR >> 4) + 8)
		return REG_RO;
	return REG_INVALID;
}

/* ---- xAPIC MMIO ---- */

uint64_t lapic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
	struct lapic *l = opaque;
	uint32_t val = 0;

	if (!lapic_hw_enabled(l) || lapic_x2apic_mode(l)) {
		guest_error("lapic %u: MMIO read 0x%llx while xAPIC is off\n", l->index,
			    (unsigned long long)offset);
		return ~0ull;
	}
	if (offset >= 0x400 || lapic_reg_read(l, offset >> 4, &val) != REG_OK) {
		lapic_error(l, APIC_ESR_ILLEGAL_REG);
		return 0;
	}
	/* only the first dword of each 16-byte slot exists */
	if (offset & 0xc)
		return 0;
	val >>= (offset & 3) * 8;
	return size >= 4 ? val : val & ((1u << (8 * size)) - 1);
}

void lapic_mmio_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
	struct lapic *l = opaque;

	if (!lapic_hw_enabled(l) || lapic_x2apic_mode(l)) {
		guest_error("lapic %u: MMIO write 0x%llx while xAPIC is off\n", l->index,
			    (unsigned long long)offset);
		return;
	}
	if (size != 4 || (offset & 0xf)) {
		guest_error("lapic %u: %u-byte write at 0x%llx ignored\n", l->index, size,
			    (unsigned long long)offset);
		return;
	}
	if (offset >= 0x400 || lapic_reg_write(l, offset >> 4, val) == REG_INVALID)
		lapic_error(l, APIC_ESR_ILLEGAL_REG);
}

const struct bus_ops lapic_mmio_ops = { .read = lapic_mmio_read, .write = lapic_mmio_write };

/* ---- MSRs ---- */

static int apicbase_write(struct lapic *l, uint64_t val)
{
	uint64_t reserved = 0xffull | (1ull << 9);
	bool en = val & APICBASE_EN, extd = val & APICBASE_EXTD;
	bool was_en = lapic_hw_enabled(l), was_x2 = lapic_x2apic_mode(l);

	if (l->bus->phys_bits < 64)
		reserved |= ~0ull << l->bus->phys_bits;
	if (val & reserved)
		return -EINVAL;
	if (extd && !l->bus->x2apic)
		return -EINVAL;
	if (extd && !en)			/* invalid state */
		return -EINVAL;
	if (was_x2 && en && !extd)		/* x2APIC -> xAPIC */
		return -EINVAL;
	if (!was_en && en && extd)		/* disabled -> x2APIC */
		return -EINVAL;

	l->apicbase = (val & ~APICBASE_BSP) | (l->apicbase & APICBASE_BSP);
	if (was_en && !en) {
		/* disabling resets the APIC; re-enabling finds power-on state */
		lapic_reset_regs(l);
	} else if (!was_x2 && extd) {
		l->id = l->initial_id;
		l->ldr = ((l->id >> 4) << 16) | (1u << (l->id & 0xf));
	}
	return 0;
}

static int x2apic_write(struct lapic *l, unsigned reg, uint64_t val)
{
	uint32_t v = val, rsvd = 0;

	if (reg == (APIC_ICR >> 4)) {
		if (v & X2APIC_ICR_RESERVED)
			return -EINVAL;
		l->icr_lo = v;
		l->icr_hi = val >> 32;
		lapic_send_ipi(l, v, val >> 32, true);
		return 0;
	}
	if (val >> 32)
		return -EINVAL;
	switch (reg) {
	case APIC_TPR >> 4:
	case APIC_SELF_IPI >> 4:
		rsvd = ~0xffu;
		break;
	case APIC_EOI >> 4:
	case APIC_ESR >> 4:
		rsvd = ~0u;
		break;
	case APIC_SVR >> 4:
		rsvd = ~(APIC_SVR_VECTOR | APIC_SVR_ENABLE | APIC_SVR_FOCUS_OFF |
			 (l->bus->directed_eoi ? APIC_SVR_EOI_SUPPRESS : 0));
		break;
	case APIC_LVT_TIMER >> 4 ... APIC_LVT_ERROR >> 4:
		rsvd = ~(lvt_wmask[reg - (APIC_LVT_TIMER >> 4)] | LVT_RO_BITS);
		break;
	case APIC_TDCR >> 4:
		rsvd = ~0xbu;
		break;
	}
	if (v & rsvd)
		return -EINVAL;
	return lapic_reg_write(l, reg, v) == REG_OK ? 0 : -EINVAL;
}

int lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t *val)
{
	uint32_t v;
	unsigned reg;

	if (msr == MSR_IA32_APICBASE) {
		*val = l->apicbase;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*val = timer_mode(l) == APIC_TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
		return 0;
	}
	if (msr < MSR_X2APIC_BASE || msr > MSR_X2APIC_END)
		return -ENOENT;
	if (!lapic_x2apic_mode(l))
		return -EINVAL;
	reg = msr - MSR_X2APIC_BASE;
	if (reg == (APIC_ICR >> 4)) {
		*val = ((uint64_t)l->icr_hi << 32) | l->icr_lo;
		return 0;
	}
	if (reg >= 0x40 || lapic_reg_read(l, reg, &v) != REG_OK)
		return -EINVAL;
	*val = v;
	return 0;
}

int lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t val)
{
	if (msr == MSR_IA32_APICBASE)
		return apicbase_write(l, val);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (lapic_hw_enabled(l))
			tsc_deadline_write(l, val);
		return 0;
	}
	if (msr < MSR_X2APIC_BASE || msr > MSR_X2APIC_END)
		return -ENOENT;
	if (!lapic_x2apic_mode(l) || msr - MSR_X2APIC_BASE >= 0x40)
		return -EINVAL;
	return x2apic_write(l, msr - MSR_X2APIC_BASE, val);
}
