/*
 * Test devices (isa-debug-exit, isa-debugcon, port 0x80, pc-testdev) and the
 * legacy devices as the built "pc" board wires them: ports, GSIs, reset and
 * exit requests, CMOS surviving a reset.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/clock.h"
#include "board/debug_exit.h"
#include "board/debugcon.h"
#include "board/device.h"
#include "board/log.h"
#include "board/pc_testdev.h"
#include "board/pit.h"
#include "board/postcode.h"
#include "board/rtc.h"
#include "board/uart.h"

static int last_status, nexits;
static uint8_t sink[64];
static unsigned nsink;
static uint64_t flushed_page;
static int gsi_level[BOARD_NR_GSI], gsi_rises[BOARD_NR_GSI];

static void on_exit_cb(void *opaque, int status)
{
	last_status = status;
	nexits++;
}

static void on_byte(void *opaque, uint8_t b)
{
	if (nsink < sizeof(sink))
		sink[nsink++] = b;
}

static void on_flush(void *opaque, uint64_t page)
{
	flushed_page = page;
}

static void gsi_probe(void *opaque, int n, int level)
{
	if (n < 0 || n >= BOARD_NR_GSI)
		return;
	if (level && !gsi_level[n])
		gsi_rises[n]++;
	gsi_level[n] = level;
}

static void setup(void)
{
	last_status = nexits = 0;
	nsink = 0;
	flushed_page = 0;
	memset(gsi_level, 0, sizeof(gsi_level));
	memset(gsi_rises, 0, sizeof(gsi_rises));
	log_mask = LOG_GUEST_ERRORS;
	log_set_file(fopen("/dev/null", "w"));
}

static void teardown(void)
{
	log_mask = 0;
	clock_fake_enable(false);
}

START_TEST(debug_exit_writes)
{
	struct debug_exit d = { .iobase = 0xf4, .iosize = 4, .exit = on_exit_cb };

	debug_exit_ops.write(&d, 0, 0x00, 1);
	ck_assert_int_eq(last_status, 1);
	debug_exit_ops.write(&d, 0, 0x10, 1);
	ck_assert_int_eq(last_status, 0x21);
	debug_exit_ops.write(&d, 2, 0x1234, 2);	/* any offset, the width's value */
	ck_assert_int_eq(last_status, 0x2469);
	debug_exit_ops.write(&d, 0, 0x7fffffff, 4);
	ck_assert_int_eq(last_status, -1);	/* 0xffffffff: exit(2) keeps 0xff */
	ck_assert_int_eq(nexits, 4);
	debug_exit_ops.write(&d, 0, 1, 8);	/* invalid width: ignored */
	ck_assert_int_eq(nexits, 4);
	ck_assert_uint_eq(debug_exit_ops.read(&d, 0, 4), 0);
	d.exit = NULL;
	debug_exit_ops.write(&d, 0, 1, 1);
	ck_assert_int_eq(debug_exit_status(0x5a) & 0xff, 0xb5);
}
END_TEST

START_TEST(debugcon_bytes_and_readback)
{
	struct debugcon c = { .iobase = 0x402, .readback = 0xe9, .out = on_byte };

	debugcon_ops.write(&c, 0, 'o', 1);
	debugcon_ops.write(&c, 0, 'k', 1);
	debugcon_ops.write(&c, 0, 0x0a0d, 2);	/* only the low byte reaches the port */
	ck_assert_uint_eq(nsink, 3);
	ck_assert_int_eq(memcmp(sink, "ok\r", 3), 0);
	ck_assert_uint_eq(debugcon_ops.read(&c, 0, 1), 0xe9);
	ck_assert_uint_eq(debugcon_ops.read(&c, 0, 2), 0xffe9);
	c.out = NULL;
	debugcon_ops.write(&c, 0, 'x', 1);
	ck_assert_uint_eq(nsink, 3);
}
END_TEST

START_TEST(postcode_keeps_history)
{
	struct postcode p;
	uint8_t out[POSTCODE_HISTORY * 2];
	unsigned i;

	postcode_init(&p);
	ck_assert(!p.written);
	ck_assert_uint_eq(postcode_history(&p, out, sizeof(out)), 0);
	postcode_ops.write(&p, 0, 0x01, 1);
	postcode_ops.write(&p, 0, 0x02, 1);
	postcode_ops.write(&p, 0, 0x02, 1);	/* a repeat is counted, not stored */
	postcode_ops.write(&p, 0, 0x03, 1);
	ck_assert_uint_eq(p.last, 0x03);
	ck_assert_uint_eq(p.writes, 4);
	ck_assert_uint_eq(postcode_history(&p, out, sizeof(out)), 3);
	ck_assert_int_eq(memcmp(out, "\x01\x02\x03", 3), 0);
	/* a short buffer gets the newest codes */
	ck_assert_uint_eq(postcode_history(&p, out, 2), 2);
	ck_assert_int_eq(memcmp(out, "\x02\x03", 2), 0);
	/* the ring keeps the newest POSTCODE_HISTORY */
	for (i = 0; i < 100; i++)
		postcode_ops.write(&p, 0, i, 1);
	ck_assert_uint_eq(postcode_history(&p, out, sizeof(out)), POSTCODE_HISTORY);
	ck_assert_uint_eq(out[0], 100 - POSTCODE_HISTORY);
	ck_assert_uint_eq(out[POSTCODE_HISTORY - 1], 99);
	ck_assert_uint_eq(postcode_ops.read(&p, 0, 1), 0xff);
	ck_assert_uint_eq(postcode_ops.read(&p, 0, 2), 0xffff);
	postcode_ops.write(&p, 0, 0x1234, 2);
	ck_assert_uint_eq(p.last, 0x34);
}
END_TEST

START_TEST(pc_testdev_latch)
{
	static struct pc_testdev t;

	memset(&t, 0, sizeof(t));
	/* 0xe0: 32-bit latch, byte lanes by offset */
	pc_testdev_latch_ops.write(&t, 0, 0x12345678, 4);
	ck_assert_uint_eq(pc_testdev_latch_ops.read(&t, 0, 4), 0x12345678);
	ck_assert_uint_eq(pc_testdev_latch_ops.read(&t, 1, 1), 0x56);
	ck_assert_uint_eq(pc_testdev_latch_ops.read(&t, 2, 2), 0x1234);
	pc_testdev_latch_ops.write(&t, 3, 0xab, 1);
	ck_assert_uint_eq(t.latch, 0xab345678);
	pc_testdev_latch_ops.write(&t, 0, 0xffffcdef, 2);	/* only 16 bits land */
	ck_assert_uint_eq(t.latch, 0xab34cdef);
	/* unaligned or oversized: invalid, as QEMU */
	pc_testdev_latch_ops.write(&t, 1, 0, 2);
	pc_testdev_latch_ops.write(&t, 0, 0, 8);
	pc_testdev_latch_ops.write(&t, 4, 0, 1);
	ck_assert_uint_eq(t.latch, 0xab34cdef);
	ck_assert_uint_eq(pc_testdev_latch_ops.read(&t, 1, 2), 0xffff);
	ck_assert_uint_eq(pc_testdev_latch_ops.read(&t, 3, 4), 0xffffffff);
	/* flush: 4-byte writes only, page address to the callback */
	t.flush = on_flush;
	pc_testdev_flush_ops.write(&t, 0, 0x12345, 4);
	ck_assert_uint_eq(flushed_page, 0x12000);
	pc_testdev_flush_ops.write(&t, 0, 0x99999, 2);
	ck_assert_uint_eq(flushed_page, 0x12000);
	pc_testdev_flush_ops.read(&t, 0, 4);
}
END_TEST

START_TEST(pc_testdev_irq_and_iomem)
{
	static struct pc_testdev t;
	unsigned i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < PC_TESTDEV_NR_IRQ; i++)
		irq_connect(&t.irq[i], gsi_probe, NULL, (int)i);
	pc_testdev_irq_ops.write(&t, 10, 1, 1);
	ck_assert_int_eq(gsi_level[10], 1);
	pc_testdev_irq_ops.write(&t, 10, 0x80, 1);	/* !!v */
	ck_assert_int_eq(gsi_level[10], 1);
	ck_assert_int_eq(gsi_rises[10], 1);
	pc_testdev_irq_ops.write(&t, 10, 0, 1);
	ck_assert_int_eq(gsi_level[10], 0);
	pc_testdev_irq_ops.write(&t, 23, 1, 1);
	ck_assert_int_eq(gsi_level[23], 1);
	pc_testdev_irq_ops.write(&t, 5, 1, 2);		/* wider: invalid */
	pc_testdev_irq_ops.write(&t, 24, 1, 1);
	ck_assert_int_eq(gsi_level[5], 0);
	ck_assert_uint_eq(pc_testdev_irq_ops.read(&t, 0, 1), 0);
	/* iomem: little-endian scratch of any width */
	pc_testdev_iomem_ops.write(&t, 0x100, 0x1122334455667788ull, 8);
	ck_assert_uint_eq(pc_testdev_iomem_ops.read(&t, 0x100, 8), 0x1122334455667788ull);
	ck_assert_uint_eq(pc_testdev_iomem_ops.read(&t, 0x101, 2), 0x6677);
	ck_assert_uint_eq(t.iomem[0x107], 0x11);
	pc_testdev_iomem_ops.write(&t, 0xffff, 0xaa, 1);
	ck_assert_uint_eq(pc_testdev_iomem_ops.read(&t, 0xffff, 1), 0xaa);
	/* past the end: dropped / all ones, never out of the buffer */
	pc_testdev_iomem_ops.write(&t, 0xfffe, 0xbbbbbbbb, 4);
	ck_assert_uint_eq(pc_testdev_iomem_ops.read(&t, 0xfffe, 4), 0xffffffff);
	ck_assert_uint_eq(t.iomem[0xfffe], 0);
	pc_testdev_iomem_ops.read(&t, ~0ull, 8);
	pc_testdev_iomem_ops.write(&t, ~0ull - 2, 1, 4);
}
END_TEST

/* ---- the devices on the built "pc" board ---- */

static const char *const skip_types[] = {
	"isa-i8259", "ioapic", "gsi-router", "i440fx-pcihost", "i440fx", "piix3", "piix4-pm",
	"fw_cfg_io", NULL
};

static void build_pc(struct board *b)
{
	struct board_err err = { 0 };
	unsigned i;

	clock_fake_enable(true);
	clock_fake_set(1000);
	ck_assert_int_eq(board_init(b), 0);
	b->skip_unregistered = skip_types;
	ck_assert_msg(board_build(b, board_dtb("pc", NULL), &err) == 0, "%s", err.msg);
	ck_assert_msg(device_create_from_opts(b, "pc-testdev", NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(device_create_from_opts(b, "isa-debug-exit", NULL, &err) == 0, "%s", err.msg);
	board_reset(b, RESET_POWER_ON);
	for (i = 0; i < BOARD_NR_GSI; i++)
		irq_connect(&b->gsi[i], gsi_probe, NULL, (int)i);
}

static uint8_t cmos(struct board *b, uint8_t idx)
{
	board_pio_write(b, 0x70, idx, 1);
	return board_pio_read(b, 0x71, 1);
}

START_TEST(pc_board_requests)
{
	struct board b;
	int value = -1;

	build_pc(&b);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_NONE);
	board_pio_write(&b, 0x64, 0xfe, 1);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_RESET);
	ck_assert_int_eq(value, RESET_KBD);
	board_pio_write(&b, 0x92, 0x01, 1);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_RESET);
	ck_assert_int_eq(value, RESET_PORT92);
	board_reset(&b, RESET_PORT92);		/* port 0x92 reads 0 again */
	ck_assert_uint_eq(board_pio_read(&b, 0x92, 1), 0x00);
	board_pio_write(&b, 0xf4, 0x10, 1);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_EXIT);
	ck_assert_int_eq(value, 0x21);
	board_pio_write(&b, 0xf7, 0x00, 1);	/* the 4th port of iosize 4 */
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_EXIT);
	ck_assert_int_eq(value, 1);
	board_destroy(&b);
}
END_TEST

START_TEST(pc_board_cmos_survives_reset)
{
	struct board b;
	unsigned boots;

	build_pc(&b);
	/* QEMU's memory bytes for 128 MiB and 1 CPU */
	ck_assert_uint_eq(cmos(&b, 0x34) | cmos(&b, 0x35) << 8, 0x0700);
	ck_assert_uint_eq(cmos(&b, 0x5f), 0);
	/* a guest counting its boots in CMOS */
	for (boots = 1; boots <= 3; boots++) {
		board_pio_write(&b, 0x70, 0x40, 1);
		board_pio_write(&b, 0x71, cmos(&b, 0x40) + 1, 1);
		board_reset(&b, RESET_KBD);
	}
	ck_assert_uint_eq(cmos(&b, 0x40), 3);
	ck_assert_ptr_nonnull(board_rtc(&b));
	board_destroy(&b);
}
END_TEST

START_TEST(pc_board_lines_and_ports)
{
	struct board b;
	struct uart *u;
	struct postcode *pc;
	struct debugcon *dc;
	uint64_t t, end;

	build_pc(&b);
	/* PIT channel 0 -> GSI 0: the power-on square wave edges via board timers */
	end = 1000 + (2 * 65536 * NS_PER_SEC + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
	while ((t = timer_list_next(&b.timers)) <= end) {
		clock_fake_set(t);
		timer_list_run(&b.timers, t);
	}
	ck_assert_int_eq(gsi_rises[0], 2);	/* two periods of 65536 clocks */
	/* UART: COM1 found for the VMM, tx and IRQ 4 with OUT2 */
	u = board_uart(&b, 0);
	ck_assert_ptr_nonnull(u);
	ck_assert_ptr_null(board_uart(&b, 1));
	u->tx = on_byte;
	board_pio_write(&b, 0x3fc, 0x08, 1);
	board_pio_write(&b, 0x3f9, 0x02, 1);
	ck_assert_int_eq(gsi_level[4], 1);
	board_pio_write(&b, 0x3f8, 'Z', 1);
	ck_assert_uint_eq(nsink, 1);
	ck_assert_uint_eq(sink[0], 'Z');
	/* i8042 IRQ 1 */
	board_pio_write(&b, 0x64, 0xaa, 1);
	ck_assert_int_eq(gsi_level[1], 1);
	ck_assert_uint_eq(board_pio_read(&b, 0x60, 1), 0x55);
	ck_assert_int_eq(gsi_level[1], 0);
	/* RTC IRQ 8 */
	board_pio_write(&b, 0x70, 0x0b, 1);
	board_pio_write(&b, 0x71, 0x42, 1);
	t = timer_list_next(&b.timers);
	while (!gsi_level[8] && t != TIMER_NEVER) {
		clock_fake_set(t);
		timer_list_run(&b.timers, t);
		t = timer_list_next(&b.timers);
	}
	ck_assert_int_eq(gsi_level[8], 1);
	ck_assert_uint_eq(cmos(&b, 0x0c) & 0xc0, 0xc0);
	ck_assert_int_eq(gsi_level[8], 0);
	/* pc-testdev: irq lines, latch, MMIO */
	board_pio_write(&b, 0x2005, 1, 1);
	ck_assert_int_eq(gsi_level[5], 1);
	board_pio_write(&b, 0x2005, 0, 1);
	ck_assert_int_eq(gsi_level[5], 0);
	board_pio_write(&b, 0xe0, 0xdeadbeef, 4);
	ck_assert_uint_eq(board_pio_read(&b, 0xe8, 4), 0xdeadbeef);
	ck_assert_uint_eq(board_pio_read(&b, 0xea, 2), 0xdead);
	board_mmio_write(&b, 0xff000010, 0xcafe, 2);
	ck_assert_uint_eq(board_mmio_read(&b, 0xff000010, 4), 0xcafe);
	/* POST codes and the debug console */
	board_pio_write(&b, 0x80, 0x42, 1);
	pc = board_postcode(&b);
	ck_assert_ptr_nonnull(pc);
	ck_assert_uint_eq(pc->last, 0x42);
	dc = board_debugcon(&b, 0);
	ck_assert_ptr_nonnull(dc);
	ck_assert_uint_eq(dc->iobase, 0x402);
	ck_assert_uint_eq(board_pio_read(&b, 0x402, 1), 0xe9);
	/* port 0x61 sits between the i8042's ports */
	ck_assert_uint_eq(board_pio_read(&b, 0x61, 1) & 0x0f, 0x00);
	board_destroy(&b);
}
END_TEST

START_TEST(pc_board_bad_properties)
{
	struct board b;
	struct board_err err = { 0 };

	build_pc(&b);
	ck_assert_int_lt(device_create_from_opts(&b, "isa-debug-exit,iobase=0x501,iosize=0", NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "iosize"));
	board_err_clear(&err);
	ck_assert_int_lt(device_create_from_opts(&b, "isa-debug-exit,iobase=0xfffe,iosize=4", NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "iobase"));
	board_err_clear(&err);
	/* overlaps the RTC */
	ck_assert_int_lt(device_create_from_opts(&b, "isa-debug-exit,iobase=0x70,iosize=1", NULL, &err), 0);
	board_err_clear(&err);
	ck_assert_int_lt(device_create_from_opts(&b, "isa-serial,iobase=0x10000", NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "iobase"));
	board_err_clear(&err);
	ck_assert_int_lt(device_create_from_opts(&b, "isa-debugcon,iobase=0x403,readback=0x100", NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "readback"));
	board_err_clear(&err);
	/* a second pc-testdev collides with the first */
	ck_assert_int_lt(device_create_from_opts(&b, "pc-testdev", NULL, &err), 0);
	board_err_clear(&err);
	ck_assert_int_eq(device_create_from_opts(&b, "isa-debug-exit,iobase=0x501,iosize=2", NULL, &err), 0);
	board_destroy(&b);
}
END_TEST

START_TEST(pc_board_extra_devices)
{
	struct board b;
	struct board_err err = { 0 };

	build_pc(&b);
	/* COM2 by -device: found as the second UART, drives GSI 3 */
	ck_assert_int_lt(device_create_from_opts(&b, "isa-serial,iobase=0x2f8", NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "interrupts"));
	board_err_clear(&err);
	ck_assert_msg(device_create_from_opts(&b, "isa-serial,iobase=0x2f8,irq=3", NULL, &err) == 0,
		      "%s", err.msg);
	ck_assert_ptr_nonnull(board_uart(&b, 1));
	ck_assert_ptr_ne(board_uart(&b, 1), board_uart(&b, 0));
	board_pio_write(&b, 0x2fc, 0x08, 1);
	board_pio_write(&b, 0x2f9, 0x02, 1);
	ck_assert_int_eq(gsi_level[3], 1);
	ck_assert_int_eq(gsi_level[4], 0);
	/* an RTC with a fixed power-on time: 2000-01-01 00:00:00 */
	ck_assert_msg(device_create_from_opts(&b, "mc146818rtc,iobase=0x170,irq=9,base-time=946684800",
					      NULL, &err) == 0, "%s", err.msg);
	board_pio_write(&b, 0x170, 0x09, 1);
	ck_assert_uint_eq(board_pio_read(&b, 0x171, 1), 0x00);
	board_pio_write(&b, 0x170, 0x32, 1);
	ck_assert_uint_eq(board_pio_read(&b, 0x171, 1), 0x20);
	board_pio_write(&b, 0x170, 0x08, 1);
	ck_assert_uint_eq(board_pio_read(&b, 0x171, 1), 0x01);
	board_destroy(&b);
}
END_TEST

Suite *board_testdevs_suite(void)
{
	Suite *s = suite_create("board_testdevs");
	TCase *tc = tcase_create("testdevs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, debug_exit_writes);
	tcase_add_test(tc, debugcon_bytes_and_readback);
	tcase_add_test(tc, postcode_keeps_history);
	tcase_add_test(tc, pc_testdev_latch);
	tcase_add_test(tc, pc_testdev_irq_and_iomem);
	tcase_add_test(tc, pc_board_requests);
	tcase_add_test(tc, pc_board_cmos_survives_reset);
	tcase_add_test(tc, pc_board_lines_and_ports);
	tcase_add_test(tc, pc_board_bad_properties);
	tcase_add_test(tc, pc_board_extra_devices);
	suite_add_tcase(s, tc);
	return s;
}
