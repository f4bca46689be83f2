/*
 * 8254 PIT and port 0x61, driven through their bus_ops on the fake clock.
 */
#include <check.h>
#include <stdio.h>

#include "board/clock.h"
#include "board/log.h"
#include "board/pit.h"

static struct timer_list timers;
static struct pit pit;

/* IRQ 0 probe: every level set, and the 0->1 transitions among them */
static int irq_level, irq_rises, irq_sets;
static uint64_t irq_last_rise_ns;

static void probe(void *opaque, int n, int level)
{
	if (level && !irq_level) {
		irq_rises++;
		irq_last_rise_ns = clock_ns();
	}
	irq_level = level;
	irq_sets++;
}

/* first ns at which `ticks` PIT clocks have elapsed */
static uint64_t tns(uint64_t ticks)
{
	return (ticks * NS_PER_SEC + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

static void out8(unsigned port, uint8_t v)
{
	if (port == PIT_PORT61)
		pit_port61_ops.write(&pit, 0, v, 1);
	else
		pit_ops.write(&pit, port - PIT_IOBASE, v, 1);
}

static uint8_t in8(unsigned port)
{
	if (port == PIT_PORT61)
		return pit_port61_ops.read(&pit, 0, 1);
	return pit_ops.read(&pit, port - PIT_IOBASE, 1);
}

/* Move the clock to t, running each timer at its own deadline on the way. */
static void advance_to(uint64_t t)
{
	uint64_t next;

	while ((next = timer_list_next(&timers)) <= t) {
		clock_fake_set(next);
		timer_list_run(&timers, next);
	}
	clock_fake_set(t);
}

static uint16_t latch_read(unsigned ch)
{
	uint8_t lo, hi;

	out8(0x43, ch << 6);		/* counter latch command */
	lo = in8(0x40 + ch);
	hi = in8(0x40 + ch);
	return lo | hi << 8;
}

static void setup(void)
{
	clock_fake_enable(true);
	clock_fake_set(1000);
	timer_list_init(&timers);
	pit_init(&pit, &timers);
	irq_connect(&pit.irq, probe, NULL, 0);
	irq_level = irq_rises = irq_sets = 0;
	irq_last_rise_ns = 0;
	log_mask = LOG_GUEST_ERRORS;
	log_set_file(fopen("/dev/null", "w"));
}

static void teardown(void)
{
	pit_destroy(&pit);
	clock_fake_enable(false);
	log_mask = 0;
}

START_TEST(reset_state_is_mode3_65536)
{
	/* read-back status of channel 0: OUT high, not null, lo/hi, mode 3, binary */
	out8(0x43, 0xe2);
	ck_assert_uint_eq(in8(0x40), 0x80 | 0x30 | 0x06);
	/* channel 0 runs at power-on like QEMU: a timer is armed for its first edge */
	ck_assert_uint_eq(timer_list_next(&timers), 1000 + tns(32768));
}
END_TEST

START_TEST(mode2_irq0_edges_at_period)
{
	const uint64_t t0 = 1000, n = 1193;
	int k;

	out8(0x43, 0x34);		/* ch0, lo/hi, mode 2, binary */
	out8(0x40, n & 0xff);
	out8(0x40, n >> 8);
	ck_assert_int_eq(irq_level, 1);	/* mode 2 idles high */
	ck_assert_uint_eq(timer_list_next(&timers), t0 + tns(n));
	irq_rises = 0;
	for (k = 1; k <= 10; k++) {
		advance_to(t0 + tns(k * n) - 1);
		ck_assert_int_eq(irq_rises, k - 1);
		advance_to(t0 + tns(k * n));
		ck_assert_int_eq(irq_rises, k);
		ck_assert_uint_eq(irq_last_rise_ns, t0 + tns(k * n));
		ck_assert_int_eq(irq_level, 1);
	}
	/* counter: 250 clocks into the 11th period */
	advance_to(t0 + tns(10 * n + 250));
	ck_assert_uint_eq(latch_read(0), n - 250);
}
END_TEST

START_TEST(mode2_late_timer_still_edges_once)
{
	const uint64_t t0 = 1000, n = 1000;

	out8(0x43, 0x34);
	out8(0x40, n & 0xff);
	out8(0x40, n >> 8);
	irq_rises = 0;
	/* the main loop sleeps through five periods, then runs the timer once */
	clock_fake_set(t0 + tns(5 * n + 10));
	ck_assert_int_eq(timer_list_run(&timers, clock_ns()), 1);
	ck_assert_int_eq(irq_rises, 1);
	ck_assert_int_eq(irq_level, 1);
	/* and re-arms for the next period boundary, not a past one */
	ck_assert_uint_eq(timer_list_next(&timers), t0 + tns(6 * n));
}
END_TEST

START_TEST(mode0_one_shot)
{
	const uint64_t t0 = 1000, n = 500;

	out8(0x43, 0x30);		/* ch0, lo/hi, mode 0 */
	ck_assert_int_eq(irq_level, 0);	/* control word: OUT low */
	out8(0x40, n & 0xff);
	ck_assert_int_eq(irq_level, 0);
	out8(0x40, n >> 8);
	ck_assert_uint_eq(timer_list_next(&timers), t0 + tns(n));
	advance_to(t0 + tns(n) - 1);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(latch_read(0), 1);
	advance_to(t0 + tns(n));
	ck_assert_int_eq(irq_level, 1);
	ck_assert_int_eq(irq_rises, 1);
	ck_assert_uint_eq(latch_read(0), 0);
	/* terminal count: no further edges, counter wraps and keeps going */
	ck_assert_uint_eq(timer_list_next(&timers), TIMER_NEVER);
	advance_to(t0 + tns(n + 3));
	ck_assert_uint_eq(latch_read(0), 0xfffd);
	ck_assert_int_eq(irq_level, 1);
}
END_TEST

START_TEST(mode0_first_byte_stops_count)
{
	const uint64_t t0 = 1000;

	out8(0x43, 0x30);
	out8(0x40, 100);
	out8(0x40, 0);
	advance_to(t0 + tns(40));
	ck_assert_uint_eq(latch_read(0), 60);
	out8(0x40, 0x20);		/* first byte of a new count */
	advance_to(t0 + tns(80));
	ck_assert_uint_eq(latch_read(0), 60);	/* held */
	ck_assert_uint_eq(timer_list_next(&timers), TIMER_NEVER);
	out8(0x40, 0x00);		/* count 0x20 starts now */
	ck_assert_uint_eq(timer_list_next(&timers), t0 + tns(80) + tns(0x20));
}
END_TEST

START_TEST(mode3_square_wave)
{
	const uint64_t t0 = 1000, n = 100;
	int i;

	out8(0x43, 0x36);		/* ch0, lo/hi, mode 3 */
	out8(0x40, n);
	out8(0x40, 0);
	ck_assert_int_eq(irq_level, 1);
	/* high for n/2, low for n/2, timers at both edges */
	ck_assert_uint_eq(timer_list_next(&timers), t0 + tns(50));
	advance_to(t0 + tns(10));
	ck_assert_uint_eq(latch_read(0), 80);	/* counts down by two */
	advance_to(t0 + tns(50));
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(timer_list_next(&timers), t0 + tns(100));
	irq_rises = 0;
	for (i = 1; i <= 4; i++) {
		advance_to(t0 + tns(i * n));
		ck_assert_int_eq(irq_level, 1);
		ck_assert_int_eq(irq_rises, i);
		advance_to(t0 + tns(i * n + 50));
		ck_assert_int_eq(irq_level, 0);
	}
}
END_TEST

START_TEST(mode4_strobe_oneshot)
{
	const uint64_t t0 = 1000, n = 300;

	/* what Linux's PIT clockevent does in one-shot mode */
	out8(0x43, 0x38);
	out8(0x40, n & 0xff);
	out8(0x40, n >> 8);
	ck_assert_int_eq(irq_level, 1);
	irq_rises = 0;
	advance_to(t0 + tns(n));
	ck_assert_int_eq(irq_level, 0);		/* one clock low at terminal count */
	advance_to(t0 + tns(n + 1));
	ck_assert_int_eq(irq_level, 1);
	ck_assert_int_eq(irq_rises, 1);
	ck_assert_uint_eq(timer_list_next(&timers), TIMER_NEVER);
	/* a new count re-arms without a control word */
	out8(0x40, 10);
	out8(0x40, 0);
	ck_assert_uint_eq(timer_list_next(&timers), t0 + tns(n + 1) + tns(10));
}
END_TEST

START_TEST(count_zero_is_65536)
{
	const uint64_t t0 = 1000;

	out8(0x43, 0x34);
	out8(0x40, 0);
	out8(0x40, 0);
	ck_assert_uint_eq(latch_read(0), 0);
	advance_to(t0 + tns(1));
	ck_assert_uint_eq(latch_read(0), 0xffff);
	ck_assert_uint_eq(timer_list_next(&timers), t0 + tns(65536));
}
END_TEST

START_TEST(latch_holds_first_value)
{
	const uint64_t t0 = 1000;

	out8(0x43, 0x34);
	out8(0x40, 0x00);
	out8(0x40, 0x10);		/* 4096 */
	advance_to(t0 + tns(96));
	out8(0x43, 0x00);		/* latch: 4000 */
	advance_to(t0 + tns(1096));
	out8(0x43, 0x00);		/* ignored: a latch is pending */
	ck_assert_uint_eq(in8(0x40), 4000 & 0xff);
	advance_to(t0 + tns(2000));
	ck_assert_uint_eq(in8(0x40), 4000 >> 8);
	/* latch consumed: reads are live again, lo then hi */
	ck_assert_uint_eq(in8(0x40), (4096 - 2000) & 0xff);
	ck_assert_uint_eq(in8(0x40), (4096 - 2000) >> 8);
}
END_TEST

START_TEST(readback_status_and_count)
{
	const uint64_t t0 = 1000;

	out8(0x43, 0xb0);		/* ch2, lo/hi, mode 0 */
	out8(0x43, 0xe8);		/* read-back status of ch2 */
	/* OUT low, null count, rw 3, mode 0 */
	ck_assert_uint_eq(in8(0x42), 0x40 | 0x30);
	out8(0x42, 0x34);
	out8(0x42, 0x12);
	out8(PIT_PORT61, 0x01);		/* gate 2 high: counting */
	advance_to(t0 + tns(0x34));
	/* read-back count + status of ch2: status first, then the count */
	out8(0x43, 0xc8);
	ck_assert_uint_eq(in8(0x42), 0x30);
	ck_assert_uint_eq(in8(0x42), 0x00);
	ck_assert_uint_eq(in8(0x42), 0x12);
	/* a read-back naming no counter latches nothing */
	out8(0x43, 0xc0);
	advance_to(t0 + tns(0x35));
	ck_assert_uint_eq(in8(0x42), 0xff);
	ck_assert_uint_eq(in8(0x42), 0x11);
}
END_TEST

START_TEST(lsb_only_and_msb_only)
{
	const uint64_t t0 = 1000;

	out8(0x43, 0x14);		/* ch0, LSB only, mode 2 */
	out8(0x40, 200);
	advance_to(t0 + tns(50));
	ck_assert_uint_eq(in8(0x40), 150);
	ck_assert_uint_eq(in8(0x40), 150);	/* no flip-flop */
	out8(0x43, 0x24);		/* ch0, MSB only, mode 2 */
	out8(0x40, 0x02);		/* 512 */
	advance_to(t0 + tns(50) + tns(12));
	ck_assert_uint_eq(in8(0x40), (512 - 12) >> 8);
	ck_assert_uint_eq(timer_list_next(&timers), t0 + tns(50) + tns(512));
}
END_TEST

START_TEST(bcd_counting)
{
	const uint64_t t0 = 1000;

	out8(0x43, 0x35);		/* ch0, lo/hi, mode 2, BCD */
	out8(0x40, 0x00);
	out8(0x40, 0x01);		/* 100 decimal */
	advance_to(t0 + tns(30));
	ck_assert_uint_eq(latch_read(0), 0x0070);
	ck_assert_uint_eq(timer_list_next(&timers), t0 + tns(100));
	out8(0x43, 0x31);		/* BCD count 0 = 10000 */
	out8(0x40, 0);
	out8(0x40, 0);
	ck_assert_uint_eq(timer_list_next(&timers), t0 + tns(30) + tns(10000));
	advance_to(t0 + tns(30) + tns(1));
	ck_assert_uint_eq(latch_read(0), 0x9999);
}
END_TEST

START_TEST(port61_gate_and_out2)
{
	const uint64_t t0 = 1000;
	uint64_t t1;

	/* Linux's PIT TSC calibration: gate on, speaker off, mode 0 on channel 2 */
	out8(PIT_PORT61, (in8(PIT_PORT61) & ~0x02) | 0x01);
	out8(0x43, 0xb0);
	out8(0x42, 1000 & 0xff);
	out8(0x42, 1000 >> 8);
	ck_assert_uint_eq(in8(PIT_PORT61) & 0x2f, 0x01);	/* OUT2 low */
	advance_to(t0 + tns(999));
	ck_assert_uint_eq(in8(PIT_PORT61) & 0x20, 0);
	advance_to(t0 + tns(1000));
	ck_assert_uint_eq(in8(PIT_PORT61) & 0x20, 0x20);
	/* gate low holds the count in mode 0 */
	t1 = clock_ns();
	out8(0x43, 0xb0);
	out8(0x42, 100);
	out8(0x42, 0);
	advance_to(t1 + tns(10));
	out8(PIT_PORT61, 0x00);
	advance_to(t1 + tns(500));
	ck_assert_uint_eq(latch_read(2), 90);
	ck_assert_uint_eq(in8(PIT_PORT61) & 0x21, 0);
	out8(PIT_PORT61, 0x01);			/* resumes where it stopped */
	advance_to(t1 + tns(500) + tns(40));
	ck_assert_uint_eq(latch_read(2), 50);
	/* stored bits 0-3 read back, bits 6-7 read as 0 */
	out8(PIT_PORT61, 0xff);
	ck_assert_uint_eq(in8(PIT_PORT61) & 0xcf, 0x0f);
}
END_TEST

START_TEST(port61_refresh_toggles)
{
	uint8_t a, b;

	clock_fake_set(15085 * 4);
	a = in8(PIT_PORT61) & 0x10;
	clock_fake_set(15085 * 5);
	b = in8(PIT_PORT61) & 0x10;
	ck_assert_uint_ne(a, b);
	clock_fake_set(15085 * 6);
	ck_assert_uint_eq(in8(PIT_PORT61) & 0x10, a);
}
END_TEST

START_TEST(mode1_gate_trigger)
{
	const uint64_t t0 = 1000;

	out8(0x43, 0xb2);		/* ch2, lo/hi, mode 1 */
	out8(0x42, 50);
	out8(0x42, 0);
	advance_to(t0 + tns(20));
	ck_assert_int_eq(pit_get_out(&pit, 2), 1);	/* waits for a trigger */
	out8(PIT_PORT61, 0x01);		/* rising gate: one-shot starts */
	ck_assert_int_eq(pit_get_out(&pit, 2), 0);
	advance_to(t0 + tns(20) + tns(49));
	ck_assert_int_eq(pit_get_out(&pit, 2), 0);
	ck_assert_uint_eq(latch_read(2), 1);
	advance_to(t0 + tns(20) + tns(50));
	ck_assert_int_eq(pit_get_out(&pit, 2), 1);
}
END_TEST

START_TEST(mode2_gate_low_forces_out_high_and_reloads)
{
	const uint64_t t0 = 1000;

	out8(PIT_PORT61, 0x01);
	out8(0x43, 0xb4);		/* ch2, lo/hi, mode 2 */
	out8(0x42, 100);
	out8(0x42, 0);
	advance_to(t0 + tns(99));
	ck_assert_int_eq(pit_get_out(&pit, 2), 0);	/* the low clock */
	out8(PIT_PORT61, 0x00);
	ck_assert_int_eq(pit_get_out(&pit, 2), 1);
	advance_to(t0 + tns(150));
	out8(PIT_PORT61, 0x01);		/* rising gate reloads */
	ck_assert_uint_eq(latch_read(2), 100);
}
END_TEST

START_TEST(bad_accesses_absorbed)
{
	uint64_t v;

	/* wrong widths split into byte ports; past the region reads all ones */
	out8(0x43, 0x34);
	pit_ops.write(&pit, 0, 0x0201, 2);	/* 0x40 <- 0x01, 0x41 <- 0x02 */
	v = pit_ops.read(&pit, 3, 4);		/* control (0xff) + 3 ports beyond */
	ck_assert_uint_eq(v, 0xffffffffu);
	pit_ops.read(&pit, 0, 8);
	pit_ops.write(&pit, 2, ~0ull, 8);
	pit_ops.write(&pit, 100, 0, 1);
	pit_ops.read(&pit, 100, 1);
	pit_port61_ops.write(&pit, 0, 0x1ff, 2);
	pit_port61_ops.read(&pit, 1, 1);
	/* every control word, including illegal modes and count 1 in mode 2 */
	for (v = 0; v < 256; v++) {
		out8(0x43, v);
		out8(0x40 + (v & 3) % 3, 1);
		out8(0x40 + (v & 3) % 3, 0);
		in8(0x40 + (v & 3) % 3);
	}
	advance_to(clock_ns() + 1000000);
	ck_assert_uint_eq(pit_get_count(&pit, 7), 0);
	ck_assert_int_eq(pit_get_out(&pit, 7), 0);
}
END_TEST

Suite *board_pit_suite(void)
{
	Suite *s = suite_create("board_pit");
	TCase *tc = tcase_create("pit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reset_state_is_mode3_65536);
	tcase_add_test(tc, mode2_irq0_edges_at_period);
	tcase_add_test(tc, mode2_late_timer_still_edges_once);
	tcase_add_test(tc, mode0_one_shot);
	tcase_add_test(tc, mode0_first_byte_stops_count);
	tcase_add_test(tc, mode3_square_wave);
	tcase_add_test(tc, mode4_strobe_oneshot);
	tcase_add_test(tc, count_zero_is_65536);
	tcase_add_test(tc, latch_holds_first_value);
	tcase_add_test(tc, readback_status_and_count);
	tcase_add_test(tc, lsb_only_and_msb_only);
	tcase_add_test(tc, bcd_counting);
	tcase_add_test(tc, port61_gate_and_out2);
	tcase_add_test(tc, port61_refresh_toggles);
	tcase_add_test(tc, mode1_gate_trigger);
	tcase_add_test(tc, mode2_gate_low_forces_out_high_and_reloads);
	tcase_add_test(tc, bad_accesses_absorbed);
	suite_add_tcase(s, tc);
	return s;
}
