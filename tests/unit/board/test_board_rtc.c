/*
 * MC146818 RTC/CMOS through ports 0x70/0x71 on the fake clock.
 */
#include <check.h>
#include <stdio.h>

#include "board/clock.h"
#include "board/log.h"
#include "board/rtc.h"

#define T_LEAP	1709251198	/* 2024-02-29 23:59:58 UTC, a Thursday */
#define T0	5000000000ull	/* fake clock when the test sets the time */

static struct timer_list timers;
static struct rtc rtc;
static int irq_level, irq_rises;

static void probe(void *opaque, int n, int level)
{
	if (level && !irq_level)
		irq_rises++;
	irq_level = level;
}

static uint8_t cmos_in(uint8_t idx)
{
	rtc_ops.write(&rtc, 0, idx, 1);
	return rtc_ops.read(&rtc, 1, 1);
}

static void cmos_out(uint8_t idx, uint8_t v)
{
	rtc_ops.write(&rtc, 0, idx, 1);
	rtc_ops.write(&rtc, 1, v, 1);
}

static void advance_to(uint64_t t)
{
	uint64_t next;

	while ((next = timer_list_next(&timers)) <= t) {
		clock_fake_set(next);
		timer_list_run(&timers, next);
	}
	clock_fake_set(t);
}

static void setup(void)
{
	clock_fake_enable(true);
	clock_fake_set(1000);
	timer_list_init(&timers);
	rtc_init(&rtc, &timers);
	irq_connect(&rtc.irq, probe, NULL, 8);
	irq_level = irq_rises = 0;
	clock_fake_set(T0);
	rtc_set_time(&rtc, T_LEAP);
	cmos_in(0x0c);			/* flags of the seconds since power-on */
	log_mask = LOG_GUEST_ERRORS;
	log_set_file(fopen("/dev/null", "w"));
}

static void teardown(void)
{
	rtc_destroy(&rtc);
	clock_fake_enable(false);
	log_mask = 0;
}

START_TEST(power_on_registers)
{
	ck_assert_uint_eq(cmos_in(0x0a), 0x26);
	ck_assert_uint_eq(cmos_in(0x0b), 0x02);
	ck_assert_uint_eq(cmos_in(0x0c), 0x00);
	ck_assert_uint_eq(cmos_in(0x0d), 0x80);
	ck_assert_uint_eq(timer_list_next(&timers), TIMER_NEVER);	/* nothing enabled */
}
END_TEST

START_TEST(bcd_time_and_rollover)
{
	ck_assert_uint_eq(cmos_in(0x00), 0x58);
	ck_assert_uint_eq(cmos_in(0x02), 0x59);
	ck_assert_uint_eq(cmos_in(0x04), 0x23);
	ck_assert_uint_eq(cmos_in(0x06), 5);
	ck_assert_uint_eq(cmos_in(0x07), 0x29);
	ck_assert_uint_eq(cmos_in(0x08), 0x02);
	ck_assert_uint_eq(cmos_in(0x09), 0x24);
	ck_assert_uint_eq(cmos_in(0x32), 0x20);
	clock_fake_set(T0 + 2 * NS_PER_SEC - 1);
	ck_assert_uint_eq(cmos_in(0x00), 0x59);
	clock_fake_set(T0 + 2 * NS_PER_SEC);
	ck_assert_uint_eq(cmos_in(0x00), 0x00);
	ck_assert_uint_eq(cmos_in(0x02), 0x00);
	ck_assert_uint_eq(cmos_in(0x04), 0x00);
	ck_assert_uint_eq(cmos_in(0x06), 6);
	ck_assert_uint_eq(cmos_in(0x07), 0x01);
	ck_assert_uint_eq(cmos_in(0x08), 0x03);
}
END_TEST

START_TEST(binary_and_12_hour)
{
	cmos_out(0x0b, 0x06);		/* binary, 24 h */
	ck_assert_uint_eq(cmos_in(0x00), 58);
	ck_assert_uint_eq(cmos_in(0x04), 23);
	ck_assert_uint_eq(cmos_in(0x07), 29);
	ck_assert_uint_eq(cmos_in(0x09), 24);
	ck_assert_uint_eq(cmos_in(0x32), 20);
	cmos_out(0x0b, 0x00);		/* BCD, 12 h: 11 PM */
	ck_assert_uint_eq(cmos_in(0x04), 0x80 | 0x11);
	clock_fake_set(T0 + 2 * NS_PER_SEC);
	ck_assert_uint_eq(cmos_in(0x04), 0x12);	/* 12 AM */
	cmos_out(0x0b, 0x04);		/* binary, 12 h */
	clock_fake_set(T0 + 2 * NS_PER_SEC + 12 * 3600 * NS_PER_SEC);
	ck_assert_uint_eq(cmos_in(0x04), 0x80 | 12);	/* 12 PM */
}
END_TEST

START_TEST(periodic_rate_from_register_a)
{
	static const struct { uint8_t rs; unsigned hz; } rates[] = {
		{ 0x06, 1024 }, { 0x0f, 2 }, { 0x03, 8192 }, { 0x01, 256 }, { 0x02, 128 },
	};
	unsigned i, n;
	uint64_t start;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		start = clock_ns();
		cmos_out(0x0a, 0x20 | rates[i].rs);
		cmos_out(0x0b, 0x42);	/* PIE */
		cmos_in(0x0c);
		n = 0;
		irq_rises = 0;
		/* an interrupt handler: every IRQ 8 edge is acknowledged through C */
		while (timer_list_next(&timers) <= start + NS_PER_SEC) {
			advance_to(timer_list_next(&timers));
			ck_assert_int_eq(irq_level, 1);
			/* UF (and AF: the alarm bytes say midnight) may be set too */
			ck_assert_uint_eq(cmos_in(0x0c) & 0xc0, 0xc0);
			ck_assert_int_eq(irq_level, 0);
			n++;
		}
		ck_assert_uint_eq(n, rates[i].hz);
		ck_assert_int_eq(irq_rises, rates[i].hz);
		advance_to(start + NS_PER_SEC);
		cmos_out(0x0b, 0x02);
	}
}
END_TEST

START_TEST(periodic_tick_times)
{
	cmos_out(0x0b, 0x42);		/* 1024 Hz from power-on register A */
	/* ticks on the 32.768 kHz chain: 32 cycles = 976562.5 ns after the second */
	ck_assert_uint_eq(timer_list_next(&timers), T0 + 976563);
	advance_to(T0 + 976563);
	ck_assert_int_eq(irq_level, 1);
	/* IRQF set: the next tick cannot reach the line until C is read */
	ck_assert_uint_eq(timer_list_next(&timers), TIMER_NEVER);
	ck_assert_uint_eq(cmos_in(0x0c), 0xc0);
	ck_assert_uint_eq(timer_list_next(&timers), T0 + 1953125);
}
END_TEST

START_TEST(flags_without_interrupts)
{
	clock_fake_set(T0 + 1500000);
	/* PF set (1024 Hz ticks pass) though PIE is off: no IRQF, line low */
	ck_assert_uint_eq(cmos_in(0x0c), 0x40);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(cmos_in(0x0c), 0x00);
	clock_fake_set(T0 + NS_PER_SEC);
	ck_assert_uint_eq(cmos_in(0x0c), 0x50);	/* PF and UF */
	/* enabling PIE with PF pending raises IRQF at once */
	clock_fake_set(T0 + NS_PER_SEC + 1000000);
	cmos_out(0x0b, 0x42);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(cmos_in(0x0c), 0xc0);
	ck_assert_int_eq(irq_level, 0);
	cmos_out(0x0a, 0x20);		/* RS = 0: no periodic flag */
	clock_fake_set(T0 + NS_PER_SEC + 100000000);
	ck_assert_uint_eq(cmos_in(0x0c), 0x00);
}
END_TEST

START_TEST(update_ended_interrupt)
{
	cmos_out(0x0b, 0x12);		/* UIE */
	ck_assert_uint_eq(timer_list_next(&timers), T0 + NS_PER_SEC);
	advance_to(T0 + NS_PER_SEC - 1);
	ck_assert_int_eq(irq_level, 0);
	advance_to(T0 + NS_PER_SEC);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(cmos_in(0x0c), 0x80 | 0x10 | 0x40);	/* PF is set too, not enabled */
	ck_assert_uint_eq(cmos_in(0x00), 0x59);
	ck_assert_uint_eq(timer_list_next(&timers), T0 + 2 * NS_PER_SEC);
}
END_TEST

START_TEST(alarm_interrupt)
{
	cmos_out(0x01, 0x05);		/* 00:00:05 */
	cmos_out(0x03, 0x00);
	cmos_out(0x05, 0x00);
	cmos_out(0x0b, 0x22);		/* AIE */
	advance_to(T0 + 6 * NS_PER_SEC);
	ck_assert_int_eq(irq_level, 0);
	advance_to(T0 + 7 * NS_PER_SEC);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(cmos_in(0x0c) & 0xa0, 0xa0);
	/* don't-care seconds: every second matches */
	cmos_out(0x01, 0xc0);
	advance_to(T0 + 8 * NS_PER_SEC);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(cmos_in(0x0c) & 0xa0, 0xa0);
	/* polled alarm: AIE off, the flag is found when C is read */
	cmos_out(0x0b, 0x02);
	cmos_out(0x01, 0x30);
	clock_fake_set(T0 + 40 * NS_PER_SEC);
	ck_assert_uint_eq(cmos_in(0x0c) & 0xa0, 0x20);
	ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(uip_before_update)
{
	ck_assert_uint_eq(cmos_in(0x0a), 0x26);
	clock_fake_set(T0 + NS_PER_SEC - 244141);
	ck_assert_uint_eq(cmos_in(0x0a), 0x26);
	clock_fake_set(T0 + NS_PER_SEC - 244140);
	ck_assert_uint_eq(cmos_in(0x0a), 0xa6);
	clock_fake_set(T0 + NS_PER_SEC - 1);
	ck_assert_uint_eq(cmos_in(0x0a), 0xa6);
	clock_fake_set(T0 + NS_PER_SEC);
	ck_assert_uint_eq(cmos_in(0x0a), 0x26);
	/* SET halts updates: no UIP */
	cmos_out(0x0b, 0x82);
	clock_fake_set(T0 + 2 * NS_PER_SEC - 1000);
	ck_assert_uint_eq(cmos_in(0x0a), 0x26);
}
END_TEST

START_TEST(set_bit_and_time_write)
{
	cmos_out(0x0b, 0x82 | 0x10);	/* SET (and UIE, which SET clears) */
	ck_assert_uint_eq(cmos_in(0x0b), 0x82);
	cmos_out(0x09, 0x99);		/* 1999-12-31 23:59:59 */
	cmos_out(0x32, 0x19);
	cmos_out(0x08, 0x12);
	cmos_out(0x07, 0x31);
	cmos_out(0x04, 0x23);
	cmos_out(0x02, 0x59);
	cmos_out(0x00, 0x59);
	clock_fake_set(T0 + 10 * NS_PER_SEC);
	ck_assert_uint_eq(cmos_in(0x00), 0x59);	/* frozen */
	cmos_out(0x0b, 0x02);
	ck_assert_int_eq(rtc_get_time(&rtc), 946684799);
	clock_fake_set(T0 + 11 * NS_PER_SEC);	/* the chain's phase is kept */
	ck_assert_uint_eq(cmos_in(0x09), 0x00);
	ck_assert_uint_eq(cmos_in(0x32), 0x20);
	ck_assert_uint_eq(cmos_in(0x08), 0x01);
	/* a write while running takes effect at once */
	cmos_out(0x04, 0x10);
	ck_assert_uint_eq(cmos_in(0x04), 0x10);
	ck_assert_int_eq(rtc_get_time(&rtc), 946684800 + 10 * 3600);
}
END_TEST

START_TEST(divider_reset_holds_time)
{
	cmos_out(0x0b, 0x42);
	cmos_out(0x0a, 0x70 | 0x06);	/* divider in reset */
	clock_fake_set(T0 + 5 * NS_PER_SEC);
	ck_assert_uint_eq(cmos_in(0x00), 0x58);
	ck_assert_uint_eq(cmos_in(0x0c), 0x00);	/* no periodic flag either */
	ck_assert_uint_eq(timer_list_next(&timers), TIMER_NEVER);
	cmos_out(0x0a, 0x26);		/* first update half a second later */
	clock_fake_set(T0 + 5 * NS_PER_SEC + NS_PER_SEC / 2 - 1);
	ck_assert_uint_eq(cmos_in(0x00), 0x58);
	clock_fake_set(T0 + 5 * NS_PER_SEC + NS_PER_SEC / 2);
	ck_assert_uint_eq(cmos_in(0x00), 0x59);
}
END_TEST

START_TEST(memory_size_bytes)
{
	rtc_set_memory_size(&rtc, 128ull << 20, 0, 1);
	ck_assert_uint_eq(cmos_in(0x15) | cmos_in(0x16) << 8, 640);
	ck_assert_uint_eq(cmos_in(0x17) | cmos_in(0x18) << 8, 65535);
	ck_assert_uint_eq(cmos_in(0x30) | cmos_in(0x31) << 8, 65535);
	ck_assert_uint_eq(cmos_in(0x34) | cmos_in(0x35) << 8, 0x0700);
	ck_assert_uint_eq(cmos_in(0x5b) | cmos_in(0x5c) << 8 | cmos_in(0x5d) << 16, 0);
	ck_assert_uint_eq(cmos_in(0x5f), 0);

	rtc_set_memory_size(&rtc, 0xe0000000ull, 0x120000000ull, 8);
	ck_assert_uint_eq(cmos_in(0x34) | cmos_in(0x35) << 8, (0xe0000000 - (16 << 20)) >> 16);
	ck_assert_uint_eq(cmos_in(0x5b), 0x00);
	ck_assert_uint_eq(cmos_in(0x5c), 0x20);
	ck_assert_uint_eq(cmos_in(0x5d), 0x01);
	ck_assert_uint_eq(cmos_in(0x5f), 7);

	rtc_set_memory_size(&rtc, 15ull << 20, 0, 2);
	ck_assert_uint_eq(cmos_in(0x17) | cmos_in(0x18) << 8, 14 * 1024);
	ck_assert_uint_eq(cmos_in(0x34) | cmos_in(0x35) << 8, 0);
}
END_TEST

START_TEST(cmos_survives_reset)
{
	unsigned i;

	for (i = 0x0e; i < 128; i++)
		if (i != 0x32)
			cmos_out(i, i ^ 0x5a);
	cmos_out(0x0b, 0x02 | 0x04 | 0x40 | 0x20 | 0x10 | 0x08);
	clock_fake_set(T0 + 2000000);
	cmos_in(0x0a);
	advance_to(T0 + 3000000);
	ck_assert_int_eq(irq_level, 1);
	rtc_reset(&rtc);
	ck_assert_int_eq(irq_level, 0);
	for (i = 0x0e; i < 128; i++)
		if (i != 0x32)
			ck_assert_uint_eq(cmos_in(i), i ^ 0x5a);
	/* RESET clears the interrupt enables and SQWE, keeps the data mode */
	ck_assert_uint_eq(cmos_in(0x0b), 0x06);
	ck_assert_uint_eq(cmos_in(0x0c), 0x00);
	ck_assert_uint_eq(timer_list_next(&timers), TIMER_NEVER);
	/* the time kept running */
	ck_assert_uint_eq(cmos_in(0x00), 58);
}
END_TEST

START_TEST(ports_and_bad_accesses)
{
	ck_assert_uint_eq(rtc_ops.read(&rtc, 0, 1), 0xff);
	/* outw 0x70: index in the low byte, data in the high byte */
	rtc_ops.write(&rtc, 0, 0xa540, 2);
	ck_assert_uint_eq(cmos_in(0x40), 0xa5);
	/* bit 7 of the index is the NMI mask, not part of the index */
	rtc_ops.write(&rtc, 0, 0x80 | 0x40, 1);
	ck_assert(rtc_nmi_masked(&rtc));
	ck_assert_uint_eq(rtc_ops.read(&rtc, 1, 1), 0xa5);
	rtc_ops.write(&rtc, 0, 0x40, 1);
	ck_assert(!rtc_nmi_masked(&rtc));
	/* read-only registers ignore writes */
	cmos_out(0x0c, 0xff);
	cmos_out(0x0d, 0x00);
	ck_assert_uint_eq(cmos_in(0x0c), 0x00);
	ck_assert_uint_eq(cmos_in(0x0d), 0x80);
	/* wide and out-of-range accesses */
	ck_assert_uint_eq(rtc_ops.read(&rtc, 1, 4) >> 8, 0xffffff);
	rtc_ops.write(&rtc, 5, 0, 1);
	rtc_ops.read(&rtc, 7, 8);
	ck_assert_uint_eq(rtc_cmos_read(&rtc, 200), 0xff);
	rtc_cmos_write(&rtc, 200, 1);
	/* garbage date while SET, then SET cleared: clamped, no crash */
	cmos_out(0x0b, 0x82);
	cmos_out(0x08, 0xff);
	cmos_out(0x07, 0x00);
	cmos_out(0x04, 0xff);
	cmos_out(0x32, 0xff);
	cmos_out(0x0b, 0x02);
	cmos_in(0x00);
	cmos_out(0x0b, 0x00);		/* 12 h with garbage hours */
	cmos_in(0x04);
	rtc_set_time(&rtc, -1000000000000ll);
	cmos_in(0x09);
	rtc_set_time(&rtc, 4102444800ll);	/* 2100-01-01 */
	ck_assert_uint_eq(cmos_in(0x32), 0x21);
	ck_assert_uint_eq(cmos_in(0x09), 0x00);
}
END_TEST

Suite *board_rtc_suite(void)
{
	Suite *s = suite_create("board_rtc");
	TCase *tc = tcase_create("rtc");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, power_on_registers);
	tcase_add_test(tc, bcd_time_and_rollover);
	tcase_add_test(tc, binary_and_12_hour);
	tcase_add_test(tc, periodic_rate_from_register_a);
	tcase_add_test(tc, periodic_tick_times);
	tcase_add_test(tc, flags_without_interrupts);
	tcase_add_test(tc, update_ended_interrupt);
	tcase_add_test(tc, alarm_interrupt);
	tcase_add_test(tc, uip_before_update);
	tcase_add_test(tc, set_bit_and_time_write);
	tcase_add_test(tc, divider_reset_holds_time);
	tcase_add_test(tc, memory_size_bytes);
	tcase_add_test(tc, cmos_survives_reset);
	tcase_add_test(tc, ports_and_bad_accesses);
	suite_add_tcase(s, tc);
	return s;
}
