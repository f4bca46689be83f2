/*
 * Local APIC (xAPIC MMIO at 0xFEE00000 and x2APIC MSRs 0x800-0x8FF) and the
 * APIC bus that joins the local APICs of one machine.
 *
 * Contract
 * - One struct lapic per vCPU, all on one struct apic_bus. Callers hold the
 *   board lock for every call here (vCPU threads too); the timer callback
 *   runs from the bus's timer_list under the same lock.
 * - CPU side: lapic_has_interrupt() says a maskable interrupt is ready
 *   (EFLAGS.IF and interrupt shadows are the CPU's business);
 *   lapic_get_interrupt() is INTA: the ExtINT path first (PIC INTA through
 *   the bus's extint_ack hook), else the highest IRR vector whose class beats
 *   PPR moves to ISR; -1 if nothing. NMI/SMI/INIT/SIPI arrive as pending
 *   flags the CPU takes with lapic_take_event(). A SIPI is recorded whatever
 *   the CPU state: ignoring it outside wait-for-SIPI is the CPU's job. After
 *   an INIT the CPU calls lapic_reset(l, false).
 * - Whenever something becomes pending the kick hook runs (wake the vCPU
 *   from hlt, or exit KVM_RUN). It must not block and must not call back.
 * - Timer: the APIC timer counts at 1 GHz (1 ns per bus tick, like QEMU and
 *   KVM) divided by the DCR; current count is computed from clock_ns(), so a
 *   fake clock drives it in tests. Periodic periods are at least
 *   LAPIC_MIN_PERIOD_NS (no host melt-down from a guest writing count 1).
 *   TSC-deadline uses the bus's TSC (lapic_tsc(): clock_ns() scaled to
 *   tsc_hz plus the vCPU's tsc_offset); the CPU model must use the same for
 *   RDTSC. A deadline already passed fires at once.
 * - EOI of a level-triggered vector (TMR set) is broadcast through the bus's
 *   eoi hook to the IOAPIC(s), unless the bus advertises directed EOI
 *   (version bit 24) and the guest set SVR bit 12.
 * - Lowest priority (ICR mode 1, IOAPIC mode 1, MSI redirection hint):
 *   among the matched, enabled targets, the one with the lowest TPR class;
 *   ties go round-robin from the one after the previous winner. No focus
 *   processor checks.
 * - Software-disabled APIC (SVR bit 8 clear): fixed/lowest interrupts are
 *   dropped (as KVM does), NMI/SMI/INIT/SIPI are accepted, LVT writes keep
 *   the mask bit set. Hardware-disabled (APIC base bit 11 clear): nothing is
 *   accepted, MMIO reads all ones, the x2APIC MSRs #GP, LINT0 is the CPU's
 *   INTR (ExtINT) and LINT1 its NMI; clearing bit 11 resets the registers.
 * - At power-on the BSP's LVT LINT0 is ExtINT, unmasked (as QEMU), so the
 *   PIC reaches the BSP before any guest programs the APIC. LINT polarity and
 *   level-triggered fixed LINT delivery are not modeled (edge semantics).
 * - MSR access returns 0, -EINVAL when the CPU must raise #GP(0) (the x2APIC
 *   rules of SDM 10.12: MSRs outside x2APIC mode, read-only or write-only
 *   registers, nonzero EOI/ESR writes, reserved bits, illegal APIC base
 *   transitions), or -ENOENT for an MSR that is not the APIC's.
 */
#ifndef BOARD_LAPIC_H
#define BOARD_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/clock.h"
#include "board/irq.h"

#define LAPIC_BASE		0xfee00000ull
#define LAPIC_MMIO_SIZE		0x1000
#define APIC_BUS_MAX_CPUS	256

/* xAPIC register offsets; the x2APIC MSR is 0x800 + (offset >> 4) */
#define APIC_ID			0x020
#define APIC_LVR		0x030
#define APIC_TPR		0x080
#define APIC_APR		0x090
#define APIC_PPR		0x0a0
#define APIC_EOI		0x0b0
#define APIC_RRD		0x0c0
#define APIC_LDR		0x0d0
#define APIC_DFR		0x0e0
#define APIC_SVR		0x0f0
#define APIC_ISR		0x100	/* 8 registers, 0x10 apart */
#define APIC_TMR		0x180
#define APIC_IRR		0x200
#define APIC_ESR		0x280
#define APIC_ICR		0x300
#define APIC_ICR2		0x310
#define APIC_LVT_TIMER		0x320
#define APIC_LVT_THERMAL	0x330
#define APIC_LVT_PERF		0x340
#define APIC_LVT_LINT0		0x350
#define APIC_LVT_LINT1		0x360
#define APIC_LVT_ERROR		0x370
#define APIC_TMICT		0x380
#define APIC_TMCCT		0x390
#define APIC_TDCR		0x3e0
#define APIC_SELF_IPI		0x3f0	/* x2APIC only */

#define MSR_IA32_APICBASE	0x1b
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_BASE		0x800
#define MSR_X2APIC_END		0x8ff
#define APIC_MSR(off)		(MSR_X2APIC_BASE + ((off) >> 4))

/* APIC base MSR */
#define APICBASE_BSP		(1ull << 8)
#define APICBASE_EXTD		(1ull << 10)	/* x2APIC mode */
#define APICBASE_EN		(1ull << 11)
#define APICBASE_ADDR_MASK	(~0xfffull)

#define APIC_VERSION		0x14
#define APIC_MAX_LVT		5		/* timer, thermal, perf, LINT0, LINT1, error */
#define APIC_LVR_VALUE		((APIC_MAX_LVT << 16) | APIC_VERSION)
#define APIC_LVR_DIRECTED_EOI	(1u << 24)

#define APIC_SVR_VECTOR		0xff
#define APIC_SVR_ENABLE		(1u << 8)
#define APIC_SVR_FOCUS_OFF	(1u << 9)
#define APIC_SVR_EOI_SUPPRESS	(1u << 12)

#define APIC_DFR_FLAT		0xffffffffu
#define APIC_DFR_CLUSTER	0x0fffffffu

/* ESR bits */
#define APIC_ESR_SEND_ILLEGAL	(1u << 5)
#define APIC_ESR_RECV_ILLEGAL	(1u << 6)
#define APIC_ESR_ILLEGAL_REG	(1u << 7)

/* ICR / LVT fields */
#define APIC_VECTOR_MASK	0xffu
#define APIC_DM_SHIFT		8
#define APIC_DM_MASK		(7u << APIC_DM_SHIFT)
#define APIC_DM_FIXED		0
#define APIC_DM_LOWEST		1
#define APIC_DM_SMI		2
#define APIC_DM_NMI		4
#define APIC_DM_INIT		5
#define APIC_DM_SIPI		6
#define APIC_DM_EXTINT		7
#define APIC_ICR_LOGICAL	(1u << 11)
#define APIC_ICR_BUSY		(1u << 12)
#define APIC_ICR_ASSERT		(1u << 14)
#define APIC_ICR_LEVEL		(1u << 15)
#define APIC_ICR_SH_SHIFT	18
#define APIC_SH_NONE		0
#define APIC_SH_SELF		1
#define APIC_SH_ALL		2
#define APIC_SH_ALL_BUT_SELF	3
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVT_LEVEL		(1u << 15)
#define APIC_LVT_TIMER_SHIFT	17
#define APIC_TIMER_ONESHOT	0
#define APIC_TIMER_PERIODIC	1
#define APIC_TIMER_TSC_DEADLINE	2

enum lapic_lvt {
	LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_NUM
};

/* pending events for the CPU (lapic_take_event) */
#define LAPIC_EV_NMI		(1u << 0)
#define LAPIC_EV_SMI		(1u << 1)
#define LAPIC_EV_INIT		(1u << 2)
#define LAPIC_EV_SIPI		(1u << 3)

#define LAPIC_MIN_PERIOD_NS	100000ull	/* periodic timer floor: 10 kHz */

/* One interrupt message on the APIC bus (IPI, IOAPIC message, MSI). */
struct apic_msg {
	uint32_t dest;		/* 8-bit xAPIC destination, or 32-bit if x2apic_dest */
	uint8_t vector;
	uint8_t mode;		/* APIC_DM_* */
	uint8_t shorthand;	/* APIC_SH_* (IPIs only) */
	bool logical;
	bool level;		/* trigger mode: level (sets TMR) */
	bool assert;		/* level bit; INIT with level && !assert is a de-assert */
	bool lowest;		/* deliver to one target: lowest priority */
	bool x2apic_dest;
};

struct lapic;

struct apic_bus {
	struct lapic *cpu[APIC_BUS_MAX_CPUS];
	unsigned ncpus;
	unsigned lowest_next;		/* round-robin cursor for lowest-priority ties */
	struct timer_list *timers;
	uint64_t tsc_hz;		/* TSC rate for TSC-deadline (default 1 GHz) */
	unsigned phys_bits;		/* APIC base MSR reserved-bit check (default 40) */
	bool x2apic;			/* x2APIC mode may be enabled (default true) */
	bool directed_eoi;		/* advertise/honor EOI-broadcast suppression (default false, as QEMU) */
	/* EOI broadcast for level vectors (ioapic_eoi_handler) */
	void (*eoi)(void *opaque, int vector);
	void *eoi_opaque;
	/* INTA on the PIC for ExtINT: returns the vector (pic_acknowledge) */
	int (*extint_ack)(void *opaque);
	void *extint_opaque;
};

struct lapic {
	struct apic_bus *bus;
	unsigned index;			/* position on the bus (vCPU index) */
	uint32_t initial_id;
	bool bsp;

	uint64_t apicbase;
	uint32_t id;			/* xAPIC: 8-bit ID; x2APIC: 32-bit */
	uint32_t tpr, ldr, dfr, svr;
	uint32_t esr, esr_pending;
	uint32_t icr_lo, icr_hi;
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t lvt[LVT_NUM];

	uint32_t timer_icr, timer_dcr;
	unsigned timer_shift;		/* log2 of the divisor */
	uint64_t timer_next;		/* ns when the count reaches 0 (one-shot) / next reload */
	bool timer_running;
	uint64_t tsc_deadline;
	int64_t tsc_offset;
	struct board_timer timer;
	unsigned timer_fired;		/* expiries seen, for tests and tracing */

	int lint_level[2];
	unsigned events;		/* LAPIC_EV_* */
	uint8_t sipi_vector;
	bool extint_pending;		/* an ExtINT message (IOAPIC/MSI) awaits INTA */

	void (*kick)(void *opaque);
	void *kick_opaque;
};

/* ---- the bus ---- */
void apic_bus_init(struct apic_bus *bus, struct timer_list *timers);
/* Deliver a message from src (NULL for IOAPIC/MSI); returns how many APICs took it. */
int apic_bus_deliver(struct apic_bus *bus, struct lapic *src, const struct apic_msg *m);
struct lapic *apic_bus_find(struct apic_bus *bus, uint32_t apic_id);
/* irq_handler_fn for the PIC's INT pin: LINT0 of every APIC (opaque = bus). */
void apic_bus_lint0_handler(void *opaque, int n, int level);

/* ---- one local APIC ---- */
/* Joins the bus and resets to the power-on state; -ENOSPC if the bus is full. */
int lapic_init(struct lapic *l, struct apic_bus *bus, uint32_t apic_id, bool bsp);
void lapic_destroy(struct lapic *l);
/* power_on: also the APIC base MSR (xAPIC enabled at 0xFEE00000). Else INIT. */
void lapic_reset(struct lapic *l, bool power_on);
void lapic_set_kick(struct lapic *l, void (*kick)(void *), void *opaque);

bool lapic_has_interrupt(struct lapic *l);
int lapic_get_interrupt(struct lapic *l);
/* Take and clear the pending events in mask; returns the ones that were set. */
unsigned lapic_take_event(struct lapic *l, unsigned mask);

/* LINT0/LINT1 pins: irq_handler_fn, opaque = lapic, n = 0 or 1. */
void lapic_set_lint(void *opaque, int n, int level);
/* An LVT source fired (thermal, perf counter overflow...): deliver per the LVT. */
void lapic_raise_lvt(struct lapic *l, enum lapic_lvt lvt);

/* Register access as the xAPIC MMIO page sees it (offset within the page). */
uint64_t lapic_mmio_read(void *opaque, uint64_t offset, unsigned size);
void lapic_mmio_write(void *opaque, uint64_t offset, uint64_t val, unsigned size);
extern const struct bus_ops lapic_mmio_ops;	/* opaque: the lapic of the accessing vCPU */
int lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t *val);
int lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t val);

static inline bool lapic_hw_enabled(const struct lapic *l) { return l->apicbase & APICBASE_EN; }
static inline bool lapic_x2apic_mode(const struct lapic *l) { return l->apicbase & APICBASE_EXTD; }
static inline bool lapic_sw_enabled(const struct lapic *l) { return l->svr & APIC_SVR_ENABLE; }
uint32_t lapic_ppr(const struct lapic *l);
uint64_t lapic_tsc(const struct lapic *l);
uint32_t lapic_timer_current(const struct lapic *l);

#endif
