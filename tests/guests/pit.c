/*
 * PIT (8254) channel 0 on IRQ 0: its rate measured against the TSC, through
 * the 8259 and through IOAPIC pin 2 (ISA IRQ 0's pin on a PC), plus the
 * one-shot mode and the counter latch.
 */
#include "runtime.h"

#define PIT_CH0		0x40
#define PIT_CMD		0x43
#define PIT_HZ		1193182u
#define PIT_CMD_CH0_LOHI(mode)	(0x30 | ((mode) << 1))
#define PIT_CMD_LATCH0	0x00
#define VEC_PIC_IRQ0	(PIC_BASE_MASTER + 0)
#define VEC_IOAPIC	0x40
#define MEASURE_US	200000

static void pic_irq0(struct irq_frame *f)
{
	pic_eoi(0);
}

static void ioapic_irq0(struct irq_frame *f)
{
	lapic_eoi();
}

static void pit_program(unsigned mode, uint16_t count)
{
	outb(PIT_CMD, PIT_CMD_CH0_LOHI(mode));
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);
}

static void pit_stop(void)
{
	/* mode 0 with a long count: one late edge at most, then silence */
	pit_program(0, 0xffff);
}

/* Interrupts on vector over MEASURE_US, scaled to Hz. */
static unsigned measure_hz(unsigned vector)
{
	uint32_t c0;
	uint64_t t0, t1;

	irq_wait(vector, irq_count[vector] + 1, 100000);	/* align to a tick */
	c0 = irq_count[vector];
	t0 = rdtsc();
	irq_window(MEASURE_US);
	t1 = rdtsc();
	return (unsigned)((uint64_t)(irq_count[vector] - c0) * tsc_khz * 1000 / (t1 - t0));
}

#define ATTEMPTS	3

/*
 * Within 15 %. A busy host can hold a TCG vCPU (or QEMU's timer thread) off
 * past a tick: ticks are coalesced, or fired in a burst to catch up; so a
 * figure out of range is measured again, up to ATTEMPTS times, and one in
 * range passes.
 */
static void test_rate(const char *name, unsigned mode, unsigned hz, unsigned vector)
{
	/*
	 * 1 kHz leaves a loaded host no slack (QEMU TCG coalesces the ticks its
	 * held-off vCPU missed): there "fast" is strict and slow passes down to a
	 * quarter; the 100 Hz case holds both sides to 15 %.
	 */
	unsigned got = 0, i, slow = hz >= 500 ? 75 : 15;

	for (i = 0; i < ATTEMPTS; i++) {
		pit_program(mode, (uint16_t)(PIT_HZ / hz));
		got = measure_hz(vector);
		pit_stop();
		if (got * 100 <= hz * 115 && got * 100 >= hz * (100 - slow))
			break;
		printf("# pit: %s: %u Hz; measuring again\n", name, got);
	}
	check(got * 100 >= hz * (100 - slow) && got * 100 <= hz * 115, name,
	      "%u Hz measured, %u Hz programmed", got, hz);
}

static uint16_t pit_read_latched(void)
{
	uint16_t v;

	outb(PIT_CMD, PIT_CMD_LATCH0);
	v = inb(PIT_CH0);
	return v | inb(PIT_CH0) << 8;
}

static void test_latch(void)
{
	uint16_t a, b;

	pit_program(2, 0xffff);
	a = pit_read_latched();
	udelay(5000);		/* ~5966 PIT ticks */
	b = pit_read_latched();
	pit_stop();
	/*
	 * 5 ms is well under one 55 ms period: b below a, by about 5966. A busy
	 * host can hold a TCG vCPU off for longer, so only "counted down, by at
	 * least half" is asserted; the rate itself is measured by test_rate().
	 */
	check(a > b && a - b > 3000, "pit_latch_counts_down",
	      "latched %u then %u 5 ms later", a, b);
}

static void test_oneshot(void)
{
	uint32_t c0 = irq_count[VEC_PIC_IRQ0];

	pit_program(0, (uint16_t)(PIT_HZ / 1000));	/* terminal count after 1 ms */
	irq_window(30000);
	check(irq_count[VEC_PIC_IRQ0] - c0 == 1, "pit_mode0_oneshot",
	      "%u interrupts in 30 ms after a 1 ms one-shot, want 1",
	      irq_count[VEC_PIC_IRQ0] - c0);
}

void test_main(void)
{
	irq_set_handler(VEC_PIC_IRQ0, pic_irq0);
	irq_set_handler(VEC_IOAPIC, ioapic_irq0);

	test_latch();

	pic_unmask(0);
	test_rate("pit_rate_1000hz_pic", 2, 1000, VEC_PIC_IRQ0);
	test_rate("pit_rate_100hz_mode3_pic", 3, 100, VEC_PIC_IRQ0);
	irq_window(20000);
	test_oneshot();
	pic_mask(0);
	irq_window(1000);

	/* APIC mode: ISA IRQ 0 arrives on IOAPIC pin 2 (the MADT override) */
	ioapic_set(2, VEC_IOAPIC | (uint64_t)lapic_id() << 56);
	test_rate("pit_rate_1000hz_ioapic_pin2", 2, 1000, VEC_IOAPIC);
	ioapic_set(2, IOAPIC_RTE_MASKED);
	irq_window(5000);
	check(irq_unexpected == 0, "pit_no_stray_vectors", "%u unexpected, last vector %#x",
	      irq_unexpected, irq_last_unexpected);
}
