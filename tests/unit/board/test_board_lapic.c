/*
 * Local APIC: TPR/PPR, ISR nesting, EOI broadcast, timer modes on the fake
 * clock, IPIs of every kind between three APICs, x2APIC MSRs and their #GP
 * cases, APIC base transitions and disable, LINT pins, ESR.
 */
#include <check.h>
#include <errno.h>

#include "board/lapic.h"

#define NCPU 3

static struct timer_list tl;
static struct apic_bus bus;
static struct lapic cpu[NCPU];
static int kicks[NCPU];
static int eoi_vectors[16], neoi;
static int extint_acks;

static void kick(void *opaque) { kicks[(struct lapic *)opaque - cpu]++; }
static void eoi_hook(void *opaque, int vector) { if (neoi < 16) eoi_vectors[neoi] = vector; neoi++; }
static int extint_ack(void *opaque) { extint_acks++; return 0x28; }

static uint32_t rd(int c, unsigned off) { return lapic_mmio_read(&cpu[c], off, 4); }
static void wr(int c, unsigned off, uint32_t v) { lapic_mmio_write(&cpu[c], off, v, 4); }
static bool irr(int c, unsigned v) { return cpu[c].irr[v >> 5] & (1u << (v & 31)); }
static bool isr(int c, unsigned v) { return cpu[c].isr[v >> 5] & (1u << (v & 31)); }
static void run_timers(uint64_t now) { clock_fake_set(now); timer_list_run(&tl, now); }

static void setup(void)
{
	int i;

	clock_fake_enable(true);
	clock_fake_set(1000);
	timer_list_init(&tl);
	apic_bus_init(&bus, &tl);
	bus.eoi = eoi_hook;
	bus.extint_ack = extint_ack;
	neoi = extint_acks = 0;
	for (i = 0; i < NCPU; i++) {
		ck_assert_int_eq(lapic_init(&cpu[i], &bus, i, i == 0), 0);
		lapic_set_kick(&cpu[i], kick, &cpu[i]);
		kicks[i] = 0;
		wr(i, APIC_SVR, 0x1ff);
	}
}

static void teardown(void)
{
	clock_fake_enable(false);
}

/* a fixed, edge interrupt into cpu c as the IOAPIC/MSI would send it */
static void send_fixed(int c, unsigned vector, bool level)
{
	struct apic_msg m = { .dest = c, .vector = vector, .mode = APIC_DM_FIXED,
			      .level = level, .assert = true };

	ck_assert_int_eq(apic_bus_deliver(&bus, NULL, &m), 1);
}

static void icr(int c, uint8_t dest, uint32_t lo)
{
	wr(c, APIC_ICR2, (uint32_t)dest << 24);
	wr(c, APIC_ICR, lo);
}

START_TEST(reset_values)
{
	struct lapic l;
	uint64_t v;

	ck_assert_uint_eq(rd(1, APIC_ID), 0x01000000);
	ck_assert_uint_eq(rd(1, APIC_LVR), 0x00050014);
	ck_assert_uint_eq(rd(1, APIC_DFR), 0xffffffff);
	ck_assert_uint_eq(rd(0, APIC_LVT_LINT0), 0x700);	/* BSP: ExtINT */
	ck_assert_uint_eq(rd(1, APIC_LVT_LINT0), 0x10000);
	ck_assert_uint_eq(rd(1, APIC_LVT_TIMER), 0x10000);
	ck_assert_uint_eq(rd(1, APIC_LVT_ERROR), 0x10000);
	ck_assert_uint_eq(rd(1, APIC_TPR), 0);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], MSR_IA32_APICBASE, &v), 0);
	ck_assert_uint_eq(v, 0xfee00900);
	ck_assert_int_eq(lapic_msr_read(&cpu[1], MSR_IA32_APICBASE, &v), 0);
	ck_assert_uint_eq(v, 0xfee00800);
	/* a fresh APIC is software-disabled */
	lapic_init(&l, &bus, 7, false);
	ck_assert_uint_eq(lapic_mmio_read(&l, APIC_SVR, 4), 0xff);
	lapic_destroy(&l);
	ck_assert_uint_eq(bus.ncpus, NCPU);
}
END_TEST

START_TEST(tpr_ppr_masking)
{
	send_fixed(0, 0x45, false);
	ck_assert(irr(0, 0x45));
	ck_assert_int_gt(kicks[0], 0);
	wr(0, APIC_TPR, 0x50);
	ck_assert(!lapic_has_interrupt(&cpu[0]));
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), -1);
	ck_assert_uint_eq(rd(0, APIC_PPR), 0x50);
	wr(0, APIC_TPR, 0x4f);			/* same class: still masked */
	ck_assert(!lapic_has_interrupt(&cpu[0]));
	wr(0, APIC_TPR, 0x3f);
	ck_assert(lapic_has_interrupt(&cpu[0]));
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), 0x45);
	ck_assert(isr(0, 0x45) && !irr(0, 0x45));
	ck_assert_uint_eq(rd(0, APIC_PPR), 0x40);	/* ISR class beats TPR */
	wr(0, APIC_TPR, 0x4a);
	ck_assert_uint_eq(rd(0, APIC_PPR), 0x4a);	/* same class: TPR, low bits too */
	wr(0, APIC_TPR, 0x3f);
	ck_assert_uint_eq(rd(0, APIC_TPR), 0x3f);
	wr(0, APIC_TPR, 0x1ff);			/* only 8 bits */
	ck_assert_uint_eq(rd(0, APIC_TPR), 0xff);
	ck_assert_uint_eq(rd(0, APIC_PPR), 0xff);
	/* APR: max of TPR, ISRV, IRRV classes */
	wr(0, APIC_TPR, 0x10);
	send_fixed(0, 0x92, false);
	ck_assert_uint_eq(rd(0, APIC_APR), 0x90);
}
END_TEST

START_TEST(isr_nesting_and_eoi_order)
{
	send_fixed(0, 0x45, false);
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), 0x45);
	send_fixed(0, 0x51, false);
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), 0x51);	/* higher class nests */
	send_fixed(0, 0x48, false);
	ck_assert(!lapic_has_interrupt(&cpu[0]));	/* same class as 0x45 in service */
	ck_assert_uint_eq(rd(0, APIC_ISR + 0x20), (1u << 5) | (1u << 17));	/* 0x45, 0x51 */
	wr(0, APIC_EOI, 0);
	ck_assert(!isr(0, 0x51) && isr(0, 0x45));
	ck_assert(!lapic_has_interrupt(&cpu[0]));
	wr(0, APIC_EOI, 0);
	ck_assert(lapic_has_interrupt(&cpu[0]));
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), 0x48);
	wr(0, APIC_EOI, 0);
	wr(0, APIC_EOI, 0);			/* nothing in service: harmless */
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), -1);
	ck_assert_int_eq(neoi, 0);		/* all edge: no broadcast */
}
END_TEST

START_TEST(eoi_broadcast_only_for_level)
{
	uint64_t v;

	send_fixed(0, 0x61, true);
	send_fixed(0, 0x72, false);
	ck_assert(cpu[0].tmr[0x61 >> 5] & (1u << (0x61 & 31)));
	ck_assert_uint_eq(rd(0, APIC_TMR + 0x30), 1u << 1);
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), 0x72);
	wr(0, APIC_EOI, 0);
	ck_assert_int_eq(neoi, 0);
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), 0x61);
	wr(0, APIC_EOI, 0);
	ck_assert_int_eq(neoi, 1);
	ck_assert_int_eq(eoi_vectors[0], 0x61);
	/* SVR bit 12 is not writable unless directed EOI is advertised */
	wr(0, APIC_SVR, 0x11ff);
	ck_assert_uint_eq(rd(0, APIC_SVR), 0x1ff);
	bus.directed_eoi = true;
	ck_assert_uint_eq(rd(0, APIC_LVR), 0x01050014);
	wr(0, APIC_SVR, 0x11ff);
	ck_assert_uint_eq(rd(0, APIC_SVR), 0x11ff);
	send_fixed(0, 0x61, true);
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), 0x61);
	wr(0, APIC_EOI, 0);
	ck_assert_int_eq(neoi, 1);		/* suppressed */
	ck_assert_int_eq(lapic_msr_read(&cpu[0], MSR_IA32_APICBASE, &v), 0);
}
END_TEST

START_TEST(timer_oneshot)
{
	wr(0, APIC_TDCR, 0xb);			/* divide by 1 */
	wr(0, APIC_LVT_TIMER, 0x30);
	wr(0, APIC_TMICT, 1000);
	ck_assert_uint_eq(rd(0, APIC_TMICT), 1000);
	ck_assert_uint_eq(rd(0, APIC_TMCCT), 1000);
	clock_fake_set(1400);
	ck_assert_uint_eq(rd(0, APIC_TMCCT), 600);
	run_timers(1999);
	ck_assert(!irr(0, 0x30));
	run_timers(2000);
	ck_assert(irr(0, 0x30));
	ck_assert_uint_eq(cpu[0].timer_fired, 1);
	ck_assert_uint_eq(rd(0, APIC_TMCCT), 0);
	run_timers(100000);
	ck_assert_uint_eq(cpu[0].timer_fired, 1);	/* fires once */
	ck_assert_uint_eq(timer_list_next(&tl), TIMER_NEVER);
	/* writing 0 stops a running timer */
	wr(0, APIC_TMICT, 500);
	wr(0, APIC_TMICT, 0);
	run_timers(200000);
	ck_assert_uint_eq(cpu[0].timer_fired, 1);
}
END_TEST

START_TEST(timer_divide_config)
{
	static const struct { uint32_t dcr; unsigned div; } t[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	unsigned i;
	uint64_t start;

	wr(0, APIC_LVT_TIMER, 0x30);
	for (i = 0; i < 8; i++) {
		start = clock_ns();
		wr(0, APIC_TDCR, t[i].dcr);
		ck_assert_uint_eq(rd(0, APIC_TDCR), t[i].dcr);
		wr(0, APIC_TMICT, 100);
		clock_fake_set(start + 10 * t[i].div);
		ck_assert_uint_eq(rd(0, APIC_TMCCT), 90);
		run_timers(start + 100 * t[i].div - 1);
		ck_assert_uint_eq(cpu[0].timer_fired, i);
		run_timers(start + 100 * t[i].div);
		ck_assert_uint_eq(cpu[0].timer_fired, i + 1);
	}
	/* reserved DCR bits are dropped */
	wr(0, APIC_TDCR, 0xfffffff4);
	ck_assert_uint_eq(rd(0, APIC_TDCR), 0x0);
	/* changing the divider mid-count keeps the remaining count */
	start = clock_ns();
	wr(0, APIC_TDCR, 0xb);
	wr(0, APIC_TMICT, 1000);
	clock_fake_set(start + 400);
	wr(0, APIC_TDCR, 0x0);			/* now by 2 */
	ck_assert_uint_eq(rd(0, APIC_TMCCT), 600);
	run_timers(start + 400 + 1199);
	ck_assert_uint_eq(cpu[0].timer_fired, 8);
	run_timers(start + 400 + 1200);
	ck_assert_uint_eq(cpu[0].timer_fired, 9);
}
END_TEST

START_TEST(timer_periodic)
{
	wr(0, APIC_TDCR, 0xb);
	wr(0, APIC_LVT_TIMER, (APIC_TIMER_PERIODIC << 17) | 0x31);
	wr(0, APIC_TMICT, 200000);
	run_timers(1000 + 199999);
	ck_assert_uint_eq(cpu[0].timer_fired, 0);
	run_timers(1000 + 200000);
	ck_assert_uint_eq(cpu[0].timer_fired, 1);
	ck_assert(irr(0, 0x31));
	clock_fake_set(1000 + 250000);
	ck_assert_uint_eq(rd(0, APIC_TMCCT), 150000);	/* reloaded */
	run_timers(1000 + 400000);
	ck_assert_uint_eq(cpu[0].timer_fired, 2);
	/* a late run coalesces the missed periods and stays on the grid */
	run_timers(1000 + 1050000);
	ck_assert_uint_eq(cpu[0].timer_fired, 3);
	ck_assert_uint_eq(timer_list_next(&tl), 1000 + 1200000);
	/* count read before the late callback ran: position in the period */
	clock_fake_set(1000 + 1250000);
	ck_assert_uint_eq(rd(0, APIC_TMCCT), 150000);
	/* tiny periods are floored */
	clock_fake_set(2000000);
	wr(0, APIC_TMICT, 10);
	ck_assert_uint_eq(timer_list_next(&tl), 2000000 + LAPIC_MIN_PERIOD_NS);
	ck_assert_uint_le(rd(0, APIC_TMCCT), 10);
	/* switching to one-shot: the next expiry is the last */
	wr(0, APIC_LVT_TIMER, 0x31);
	run_timers(2000000 + LAPIC_MIN_PERIOD_NS);
	ck_assert_uint_eq(cpu[0].timer_fired, 4);
	run_timers(3000000);
	ck_assert_uint_eq(cpu[0].timer_fired, 4);
}
END_TEST

START_TEST(timer_masked_counts_silently)
{
	wr(0, APIC_TDCR, 0xb);
	wr(0, APIC_LVT_TIMER, APIC_LVT_MASKED | 0x32);
	wr(0, APIC_TMICT, 100);
	run_timers(1100);
	ck_assert_uint_eq(cpu[0].timer_fired, 1);
	ck_assert(!irr(0, 0x32));
	ck_assert_uint_eq(rd(0, APIC_TMCCT), 0);
}
END_TEST

START_TEST(timer_tsc_deadline)
{
	uint64_t v;

	/* outside TSC-deadline mode the MSR is ignored */
	ck_assert_int_eq(lapic_msr_write(&cpu[0], MSR_IA32_TSC_DEADLINE, 5000), 0);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 0);
	wr(0, APIC_LVT_TIMER, (APIC_TIMER_TSC_DEADLINE << 17) | 0x33);
	ck_assert_uint_eq(lapic_tsc(&cpu[0]), 1000);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], MSR_IA32_TSC_DEADLINE, 6000), 0);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 6000);
	/* initial count is ignored in this mode */
	wr(0, APIC_TMICT, 10);
	ck_assert_uint_eq(rd(0, APIC_TMCCT), 0);
	run_timers(5999);
	ck_assert(!irr(0, 0x33));
	run_timers(6000);
	ck_assert(irr(0, 0x33));
	ck_assert_uint_eq(cpu[0].timer_fired, 1);
	lapic_msr_read(&cpu[0], MSR_IA32_TSC_DEADLINE, &v);
	ck_assert_uint_eq(v, 0);		/* cleared when it fires */
	/* a deadline in the past fires at once */
	lapic_get_interrupt(&cpu[0]);
	wr(0, APIC_EOI, 0);
	lapic_msr_write(&cpu[0], MSR_IA32_TSC_DEADLINE, 10);
	ck_assert(irr(0, 0x33));
	ck_assert_uint_eq(cpu[0].timer_fired, 2);
	/* writing 0 disarms */
	lapic_msr_write(&cpu[0], MSR_IA32_TSC_DEADLINE, 9000);
	lapic_msr_write(&cpu[0], MSR_IA32_TSC_DEADLINE, 0);
	run_timers(10000);
	ck_assert_uint_eq(cpu[0].timer_fired, 2);
	/* leaving the mode disarms too */
	lapic_msr_write(&cpu[0], MSR_IA32_TSC_DEADLINE, 20000);
	wr(0, APIC_LVT_TIMER, 0x33);
	run_timers(30000);
	ck_assert_uint_eq(cpu[0].timer_fired, 2);
	/* a 2 GHz TSC with an offset */
	bus.tsc_hz = 2000000000ull;
	cpu[0].tsc_offset = 100;
	wr(0, APIC_LVT_TIMER, (APIC_TIMER_TSC_DEADLINE << 17) | 0x33);
	ck_assert_uint_eq(lapic_tsc(&cpu[0]), 60100);
	lapic_msr_write(&cpu[0], MSR_IA32_TSC_DEADLINE, 60100 + 10000);	/* 5 us */
	run_timers(34999);
	ck_assert_uint_eq(cpu[0].timer_fired, 2);
	run_timers(35000);
	ck_assert_uint_eq(cpu[0].timer_fired, 3);
}
END_TEST

START_TEST(ipi_fixed_physical_and_logical)
{
	icr(0, 2, 0x40);			/* fixed, physical, edge */
	ck_assert(irr(2, 0x40) && !irr(1, 0x40) && !irr(0, 0x40));
	ck_assert_int_gt(kicks[2], 0);
	ck_assert_uint_eq(rd(0, APIC_ICR), 0x40);
	ck_assert_uint_eq(rd(0, APIC_ICR2), 0x02000000);
	/* logical flat */
	wr(0, APIC_LDR, 0x01000000);
	wr(1, APIC_LDR, 0x02ffffff);
	ck_assert_uint_eq(rd(1, APIC_LDR), 0x02000000);
	wr(2, APIC_LDR, 0x04000000);
	icr(0, 0x06, APIC_ICR_LOGICAL | 0x41);
	ck_assert(irr(1, 0x41) && irr(2, 0x41) && !irr(0, 0x41));
	/* logical cluster: cluster 1 member 1, cluster 1 member 2, cluster 2 member 1 */
	wr(0, APIC_DFR, 0x0fffffff);
	wr(1, APIC_DFR, 0x00000000);
	wr(2, APIC_DFR, 0x0);
	ck_assert_uint_eq(rd(1, APIC_DFR), 0x0fffffff);
	wr(0, APIC_LDR, 0x11000000);
	wr(1, APIC_LDR, 0x12000000);
	wr(2, APIC_LDR, 0x21000000);
	icr(0, 0x13, APIC_ICR_LOGICAL | 0x42);
	ck_assert(irr(0, 0x42) && irr(1, 0x42) && !irr(2, 0x42));
	icr(0, 0xf1, APIC_ICR_LOGICAL | 0x43);		/* all clusters, member 1 */
	ck_assert(irr(0, 0x43) && !irr(1, 0x43) && irr(2, 0x43));
	/* physical broadcast */
	icr(1, 0xff, 0x44);
	ck_assert(irr(0, 0x44) && irr(1, 0x44) && irr(2, 0x44));
	/* nobody at ID 9 */
	icr(1, 9, 0x45);
	ck_assert(!irr(0, 0x45) && !irr(1, 0x45) && !irr(2, 0x45));
}
END_TEST

START_TEST(ipi_shorthands)
{
	icr(1, 0, (APIC_SH_SELF << 18) | 0x50);
	ck_assert(irr(1, 0x50) && !irr(0, 0x50) && !irr(2, 0x50));
	icr(1, 0, (APIC_SH_ALL << 18) | 0x51);
	ck_assert(irr(0, 0x51) && irr(1, 0x51) && irr(2, 0x51));
	icr(1, 0, (APIC_SH_ALL_BUT_SELF << 18) | 0x52);
	ck_assert(irr(0, 0x52) && !irr(1, 0x52) && irr(2, 0x52));
	/* destination field is ignored with a shorthand */
	icr(1, 1, (APIC_SH_ALL_BUT_SELF << 18) | 0x53);
	ck_assert(!irr(1, 0x53));
}
END_TEST

START_TEST(ipi_nmi_smi_init_sipi)
{
	icr(0, 1, (APIC_DM_NMI << 8));
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), LAPIC_EV_NMI);
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), 0);
	icr(0, 1, (APIC_DM_SMI << 8));
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), LAPIC_EV_SMI);
	/* INIT assert to all but self, then the level de-assert does nothing */
	icr(0, 0, (APIC_SH_ALL_BUT_SELF << 18) | APIC_ICR_LEVEL | APIC_ICR_ASSERT | (APIC_DM_INIT << 8));
	ck_assert_uint_eq(lapic_take_event(&cpu[1], LAPIC_EV_INIT), LAPIC_EV_INIT);
	ck_assert_uint_eq(lapic_take_event(&cpu[2], LAPIC_EV_INIT), LAPIC_EV_INIT);
	ck_assert_uint_eq(lapic_take_event(&cpu[0], ~0u), 0);
	icr(0, 0, (APIC_SH_ALL_BUT_SELF << 18) | APIC_ICR_LEVEL | (APIC_DM_INIT << 8));
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), 0);
	ck_assert_uint_eq(lapic_take_event(&cpu[2], ~0u), 0);
	/* SIPI carries the start page */
	icr(0, 2, (APIC_DM_SIPI << 8) | 0x9a);
	ck_assert_uint_eq(lapic_take_event(&cpu[2], ~0u), LAPIC_EV_SIPI);
	ck_assert_uint_eq(cpu[2].sipi_vector, 0x9a);
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), 0);
	/* INIT resets the registers but not the ID or APIC base */
	wr(2, APIC_TPR, 0x30);
	lapic_reset(&cpu[2], false);
	ck_assert_uint_eq(rd(2, APIC_TPR), 0);
	ck_assert_uint_eq(rd(2, APIC_ID), 0x02000000);
	ck_assert_uint_eq(rd(2, APIC_SVR), 0xff);
}
END_TEST

START_TEST(ipi_lowest_priority)
{
	wr(0, APIC_TPR, 0x20);
	wr(1, APIC_TPR, 0x10);
	wr(2, APIC_TPR, 0x30);
	icr(0, 0xff, (APIC_DM_LOWEST << 8) | APIC_ICR_LOGICAL | 0x60);
	ck_assert(!irr(0, 0x60) && irr(1, 0x60) && !irr(2, 0x60));
	/* ties rotate */
	wr(0, APIC_TPR, 0);
	wr(1, APIC_TPR, 0);
	wr(2, APIC_TPR, 0);
	icr(0, 0xff, (APIC_DM_LOWEST << 8) | APIC_ICR_LOGICAL | 0x61);
	icr(0, 0xff, (APIC_DM_LOWEST << 8) | APIC_ICR_LOGICAL | 0x62);
	icr(0, 0xff, (APIC_DM_LOWEST << 8) | APIC_ICR_LOGICAL | 0x63);
	ck_assert_int_eq(irr(0, 0x61) + irr(1, 0x61) + irr(2, 0x61), 1);
	ck_assert_int_eq(irr(0, 0x61) + irr(0, 0x62) + irr(0, 0x63), 1);
	ck_assert_int_eq(irr(1, 0x61) + irr(1, 0x62) + irr(1, 0x63), 1);
	ck_assert_int_eq(irr(2, 0x61) + irr(2, 0x62) + irr(2, 0x63), 1);
	/* a software-disabled APIC is never picked */
	wr(1, APIC_TPR, 0xf0);
	wr(2, APIC_TPR, 0xf0);
	wr(0, APIC_SVR, 0xff);
	icr(1, 0xff, (APIC_DM_LOWEST << 8) | APIC_ICR_LOGICAL | 0x64);
	ck_assert(!irr(0, 0x64));
	ck_assert_int_eq(irr(1, 0x64) + irr(2, 0x64), 1);
}
END_TEST

START_TEST(illegal_vectors_and_esr)
{
	icr(0, 1, 0x0f);			/* send illegal vector */
	ck_assert(!irr(1, 0x0f));
	ck_assert_uint_eq(rd(0, APIC_ESR), 0);	/* not latched until a write */
	wr(0, APIC_ESR, 0);
	ck_assert_uint_eq(rd(0, APIC_ESR), APIC_ESR_SEND_ILLEGAL);
	wr(0, APIC_ESR, 0);
	ck_assert_uint_eq(rd(0, APIC_ESR), 0);
	/* received illegal vector, reported through LVT error */
	wr(1, APIC_LVT_ERROR, 0xee);
	{
		struct apic_msg m = { .dest = 1, .vector = 3, .mode = APIC_DM_FIXED };

		ck_assert_int_eq(apic_bus_deliver(&bus, NULL, &m), 0);
	}
	ck_assert(!irr(1, 3));
	ck_assert(irr(1, 0xee));
	wr(1, APIC_ESR, 0);
	ck_assert_uint_eq(rd(1, APIC_ESR), APIC_ESR_RECV_ILLEGAL);
	/* illegal register address */
	ck_assert_uint_eq(rd(2, 0x2f0), 0);	/* no CMCI with max LVT 5 */
	ck_assert_uint_eq(rd(2, 0x400), 0);
	wr(2, APIC_SELF_IPI, 0x40);		/* x2APIC only */
	ck_assert(!irr(2, 0x40));
	wr(2, APIC_ESR, 0);
	ck_assert_uint_eq(rd(2, APIC_ESR), APIC_ESR_ILLEGAL_REG);
	/* read-only registers ignore xAPIC writes */
	wr(2, APIC_LVR, 0);
	wr(2, APIC_PPR, 0x55);
	wr(2, APIC_ISR, 0xffffffff);
	ck_assert_uint_eq(rd(2, APIC_LVR), 0x00050014);
	ck_assert_uint_eq(rd(2, APIC_ISR), 0);
	/* odd sizes and offsets */
	ck_assert_uint_eq(lapic_mmio_read(&cpu[2], APIC_LVR + 2, 2), 0x0005);
	ck_assert_uint_eq(lapic_mmio_read(&cpu[2], APIC_LVR + 4, 4), 0);
	lapic_mmio_write(&cpu[2], APIC_TPR, 0x20, 2);
	lapic_mmio_write(&cpu[2], APIC_TPR + 4, 0x20, 4);
	ck_assert_uint_eq(rd(2, APIC_TPR), 0);
}
END_TEST

START_TEST(software_disable)
{
	uint64_t v;

	wr(1, APIC_LVT_LINT1, APIC_DM_NMI << 8);
	wr(1, APIC_SVR, 0xff);			/* software-disable */
	ck_assert_uint_eq(rd(1, APIC_LVT_LINT1), 0x10400);	/* masked */
	wr(1, APIC_LVT_TIMER, 0x30);
	ck_assert_uint_eq(rd(1, APIC_LVT_TIMER), 0x10030);	/* mask stays */
	icr(0, 1, 0x40);
	ck_assert(!irr(1, 0x40));		/* fixed dropped */
	icr(0, 1, APIC_DM_NMI << 8);
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), LAPIC_EV_NMI);
	ck_assert_int_eq(lapic_msr_read(&cpu[1], MSR_IA32_APICBASE, &v), 0);
	ck_assert_uint_eq(v, 0xfee00800);
}
END_TEST

START_TEST(apic_base_disable_resets)
{
	uint64_t v;

	send_fixed(1, 0x70, false);
	wr(1, APIC_TPR, 0x20);
	wr(1, APIC_LVT_LINT1, APIC_DM_NMI << 8);
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00000), 0);
	ck_assert(!lapic_hw_enabled(&cpu[1]));
	ck_assert_uint_eq(lapic_mmio_read(&cpu[1], APIC_ID, 4), ~0ull);
	ck_assert(!irr(1, 0x70));
	/* nothing is accepted */
	icr(0, 1, 0x71);
	ck_assert(!irr(1, 0x71));
	icr(0, 1, APIC_DM_NMI << 8);
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), 0);
	/* LINT1 is the NMI pin and LINT0 the INTR pin */
	lapic_set_lint(&cpu[1], 1, 1);
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), LAPIC_EV_NMI);
	lapic_set_lint(&cpu[1], 0, 1);
	ck_assert(lapic_has_interrupt(&cpu[1]));
	ck_assert_int_eq(lapic_get_interrupt(&cpu[1]), 0x28);
	ck_assert_int_eq(extint_acks, 1);
	lapic_set_lint(&cpu[1], 0, 0);
	ck_assert(!lapic_has_interrupt(&cpu[1]));
	/* the x2APIC MSRs #GP while disabled */
	ck_assert_int_eq(lapic_msr_read(&cpu[1], APIC_MSR(APIC_ID), &v), -EINVAL);
	/* re-enable: power-on register state */
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00800), 0);
	ck_assert_uint_eq(rd(1, APIC_TPR), 0);
	ck_assert_uint_eq(rd(1, APIC_SVR), 0xff);
	ck_assert_uint_eq(rd(1, APIC_LVT_LINT1), 0x10000);
	ck_assert_uint_eq(rd(1, APIC_ID), 0x01000000);
	/* the BSP bit is read-only */
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00900), 0);
	lapic_msr_read(&cpu[1], MSR_IA32_APICBASE, &v);
	ck_assert_uint_eq(v, 0xfee00800);
}
END_TEST

START_TEST(apic_base_transitions_gp)
{
	uint64_t v;

	/* reserved bits 0-7, 9 and above phys_bits */
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00801), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00a00), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, (1ull << 40) | 0xfee00800),
			 -EINVAL);
	/* EXTD without EN */
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00400), -EINVAL);
	/* xAPIC -> x2APIC is fine, x2APIC -> xAPIC is not */
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00c00), 0);
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00800), -EINVAL);
	lapic_msr_read(&cpu[1], MSR_IA32_APICBASE, &v);
	ck_assert_uint_eq(v, 0xfee00c00);
	/* x2APIC -> disabled -> x2APIC directly is not allowed */
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00000), 0);
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00c00), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00800), 0);
	/* a bus without x2APIC */
	bus.x2apic = false;
	ck_assert_int_eq(lapic_msr_write(&cpu[2], MSR_IA32_APICBASE, 0xfee00c00), -EINVAL);
	ck_assert(!lapic_x2apic_mode(&cpu[2]));
	/* not an APIC MSR */
	ck_assert_int_eq(lapic_msr_read(&cpu[2], 0x10, &v), -ENOENT);
	ck_assert_int_eq(lapic_msr_write(&cpu[2], 0x900, 0), -ENOENT);
}
END_TEST

static void go_x2apic(int c)
{
	ck_assert_int_eq(lapic_msr_write(&cpu[c], MSR_IA32_APICBASE, 0xfee00c00), 0);
}

START_TEST(x2apic_registers)
{
	struct lapic l;
	uint64_t v;

	lapic_init(&l, &bus, 0x23, false);
	lapic_msr_write(&l, MSR_IA32_APICBASE, 0xfee00c00);
	ck_assert_int_eq(lapic_msr_read(&l, APIC_MSR(APIC_ID), &v), 0);
	ck_assert_uint_eq(v, 0x23);		/* the full 32-bit ID, not shifted */
	ck_assert_int_eq(lapic_msr_read(&l, APIC_MSR(APIC_LDR), &v), 0);
	ck_assert_uint_eq(v, 0x00020008);	/* cluster 2, bit 3 */
	ck_assert_uint_eq(lapic_mmio_read(&l, APIC_ID, 4), ~0ull);	/* MMIO is off */
	lapic_destroy(&l);

	go_x2apic(0);
	go_x2apic(1);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_LVR), &v), 0);
	ck_assert_uint_eq(v, 0x00050014);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_TPR), 0x20), 0);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_TPR), &v), 0);
	ck_assert_uint_eq(v, 0x20);
	/* ICR is one 64-bit MSR with the destination in 63:32 */
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_ICR), (1ull << 32) | 0x77), 0);
	ck_assert(irr(1, 0x77) && !irr(0, 0x77));
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_ICR), &v), 0);
	ck_assert_uint_eq(v, (1ull << 32) | 0x77);
	/* x2APIC broadcast 0xffffffff reaches the xAPIC CPU 2 too */
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_ICR), (0xffffffffull << 32) | 0x78), 0);
	ck_assert(irr(0, 0x78) && irr(1, 0x78) && irr(2, 0x78));
	/* logical x2APIC: cluster 0, bits for IDs 0 and 1 */
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_ICR),
					 (0x3ull << 32) | APIC_ICR_LOGICAL | 0x79), 0);
	ck_assert(irr(0, 0x79) && irr(1, 0x79));
	/* self IPI */
	ck_assert_int_eq(lapic_msr_write(&cpu[1], APIC_MSR(APIC_SELF_IPI), 0x7a), 0);
	ck_assert(irr(1, 0x7a) && !irr(0, 0x7a));
	/* EOI with 0 works */
	ck_assert_int_eq(lapic_get_interrupt(&cpu[1]), 0x7a);
	ck_assert_int_eq(lapic_msr_write(&cpu[1], APIC_MSR(APIC_EOI), 0), 0);
	ck_assert(!isr(1, 0x7a));
	/* timer through MSRs */
	ck_assert_int_eq(lapic_msr_write(&cpu[1], APIC_MSR(APIC_TDCR), 0xb), 0);
	ck_assert_int_eq(lapic_msr_write(&cpu[1], APIC_MSR(APIC_LVT_TIMER), 0x35), 0);
	ck_assert_int_eq(lapic_msr_write(&cpu[1], APIC_MSR(APIC_TMICT), 500), 0);
	clock_fake_set(1100);
	ck_assert_int_eq(lapic_msr_read(&cpu[1], APIC_MSR(APIC_TMCCT), &v), 0);
	ck_assert_uint_eq(v, 400);
	/* x2APIC -> disabled resets to xAPIC-off; then xAPIC again */
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00000), 0);
	ck_assert_int_eq(lapic_msr_write(&cpu[1], MSR_IA32_APICBASE, 0xfee00800), 0);
	ck_assert_uint_eq(rd(1, APIC_ID), 0x01000000);
	ck_assert_uint_eq(rd(1, APIC_LDR), 0);
}
END_TEST

START_TEST(x2apic_gp_cases)
{
	uint64_t v;

	/* x2APIC MSRs in xAPIC mode */
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_ID), &v), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_TPR), 0), -EINVAL);
	go_x2apic(0);
	/* read-only registers */
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_ID), 5), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_LVR), 0), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_PPR), 0), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_LDR), 0), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_ISR), 0), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_IRR + 0x70), 0), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_TMCCT), 0), -EINVAL);
	/* write-only registers */
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_EOI), &v), -EINVAL);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_SELF_IPI), &v), -EINVAL);
	/* registers that do not exist in x2APIC mode */
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_APR), &v), -EINVAL);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_RRD), &v), -EINVAL);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_DFR), &v), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_DFR), 0), -EINVAL);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_ICR2), &v), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_ICR2), 0), -EINVAL);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], 0x801, &v), -EINVAL);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], 0x82f, &v), -EINVAL);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], 0x8ff, &v), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], 0x850, 0), -EINVAL);
	/* non-zero EOI and ESR writes */
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_EOI), 1), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_ESR), 1), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_ESR), 0), 0);
	/* reserved bits */
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_TPR), 0x100), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_TPR), 1ull << 32), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_SELF_IPI), 0x140), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_SVR), 0x4ff), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_SVR), 0x11ff), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_LVT_TIMER), 0x80030), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_LVT_ERROR), 0x400), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_TDCR), 0x4), -EINVAL);
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_ICR), (1ull << 32) | 0x2040), -EINVAL);
	ck_assert(!irr(1, 0x40));
	/* nothing changed by the refused writes */
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_TPR), &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(lapic_msr_read(&cpu[0], APIC_MSR(APIC_SVR), &v), 0);
	ck_assert_uint_eq(v, 0x1ff);
	/* status bits read back from an LVT may be written back */
	ck_assert_int_eq(lapic_msr_write(&cpu[0], APIC_MSR(APIC_LVT_LINT0), 0x5700), 0);
}
END_TEST

START_TEST(lint_pins)
{
	/* BSP LINT0 is ExtINT at reset: PIC INT is an interrupt with an INTA */
	lapic_set_lint(&cpu[0], 0, 1);
	ck_assert_int_gt(kicks[0], 0);
	ck_assert(lapic_has_interrupt(&cpu[0]));
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), 0x28);
	ck_assert_int_eq(extint_acks, 1);
	/* ExtINT bypasses TPR */
	wr(0, APIC_TPR, 0xff);
	ck_assert(lapic_has_interrupt(&cpu[0]));
	lapic_set_lint(&cpu[0], 0, 0);
	ck_assert(!lapic_has_interrupt(&cpu[0]));
	/* masked LINT0 */
	wr(0, APIC_LVT_LINT0, APIC_LVT_MASKED | (APIC_DM_EXTINT << 8));
	lapic_set_lint(&cpu[0], 0, 1);
	ck_assert(!lapic_has_interrupt(&cpu[0]));
	lapic_set_lint(&cpu[0], 0, 0);
	/* LINT1 as NMI: on the rising edge */
	wr(1, APIC_LVT_LINT1, APIC_DM_NMI << 8);
	lapic_set_lint(&cpu[1], 1, 1);
	lapic_set_lint(&cpu[1], 1, 1);
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), LAPIC_EV_NMI);
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), 0);
	/* LINT0 fixed */
	wr(2, APIC_LVT_LINT0, 0x66);
	lapic_set_lint(&cpu[2], 0, 1);
	ck_assert(irr(2, 0x66));
	/* the bus handler drives every LINT0 */
	apic_bus_lint0_handler(&bus, 0, 1);
	ck_assert(lapic_has_interrupt(&cpu[0]) == false);	/* cpu 0 masked now */
	wr(0, APIC_LVT_LINT0, APIC_DM_EXTINT << 8);
	ck_assert(lapic_has_interrupt(&cpu[0]));
	lapic_set_lint(&cpu[0], 5, 1);		/* no such pin: ignored */
	/* perf counter overflow through its LVT */
	wr(1, APIC_LVT_PERF, APIC_DM_NMI << 8);
	lapic_raise_lvt(&cpu[1], LVT_PERF);
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), LAPIC_EV_NMI);
	wr(1, APIC_LVT_THERMAL, 0x67);
	lapic_raise_lvt(&cpu[1], LVT_THERMAL);
	ck_assert(irr(1, 0x67));
	lapic_raise_lvt(&cpu[1], (enum lapic_lvt)42);
}
END_TEST

START_TEST(extint_message_and_no_pic)
{
	struct apic_msg m = { .dest = 2, .mode = APIC_DM_EXTINT, .assert = true };

	ck_assert_int_eq(apic_bus_deliver(&bus, NULL, &m), 1);
	ck_assert(lapic_has_interrupt(&cpu[2]));
	ck_assert_int_eq(lapic_get_interrupt(&cpu[2]), 0x28);
	ck_assert(!lapic_has_interrupt(&cpu[2]));
	/* no PIC on the bus: nothing to acknowledge */
	bus.extint_ack = NULL;
	apic_bus_deliver(&bus, NULL, &m);
	ck_assert_int_eq(lapic_get_interrupt(&cpu[2]), -1);
	/* reserved mode 3 is dropped */
	m.mode = 3;
	ck_assert_int_eq(apic_bus_deliver(&bus, NULL, &m), 0);
	ck_assert_ptr_eq(apic_bus_find(&bus, 2), &cpu[2]);
	ck_assert_ptr_null(apic_bus_find(&bus, 9));
}
END_TEST

START_TEST(bus_full)
{
	static struct lapic many[APIC_BUS_MAX_CPUS];
	struct apic_bus b;
	unsigned i;

	apic_bus_init(&b, &tl);
	for (i = 0; i < APIC_BUS_MAX_CPUS; i++)
		ck_assert_int_eq(lapic_init(&many[i], &b, i, i == 0), 0);
	ck_assert_int_eq(lapic_init(&many[0], &b, 999, false), -ENOSPC);
	for (i = 0; i < APIC_BUS_MAX_CPUS; i++)
		lapic_destroy(&many[i]);
	ck_assert_uint_eq(b.ncpus, 0);
}
END_TEST

Suite *board_lapic_suite(void)
{
	Suite *s = suite_create("board_lapic");
	TCase *tc = tcase_create("lapic");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reset_values);
	tcase_add_test(tc, tpr_ppr_masking);
	tcase_add_test(tc, isr_nesting_and_eoi_order);
	tcase_add_test(tc, eoi_broadcast_only_for_level);
	tcase_add_test(tc, timer_oneshot);
	tcase_add_test(tc, timer_divide_config);
	tcase_add_test(tc, timer_periodic);
	tcase_add_test(tc, timer_masked_counts_silently);
	tcase_add_test(tc, timer_tsc_deadline);
	tcase_add_test(tc, ipi_fixed_physical_and_logical);
	tcase_add_test(tc, ipi_shorthands);
	tcase_add_test(tc, ipi_nmi_smi_init_sipi);
	tcase_add_test(tc, ipi_lowest_priority);
	tcase_add_test(tc, illegal_vectors_and_esr);
	tcase_add_test(tc, software_disable);
	tcase_add_test(tc, apic_base_disable_resets);
	tcase_add_test(tc, apic_base_transitions_gp);
	tcase_add_test(tc, x2apic_registers);
	tcase_add_test(tc, x2apic_gp_cases);
	tcase_add_test(tc, lint_pins);
	tcase_add_test(tc, extint_message_and_no_pic);
	tcase_add_test(tc, bus_full);
	suite_add_tcase(s, tc);
	return s;
}
