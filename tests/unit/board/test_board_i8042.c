/*
 * i8042 keyboard controller (Linux's probe, reset pulse) and port 0x92.
 */
#include <check.h>
#include <stdio.h>

#include "board/i8042.h"
#include "board/log.h"
#include "board/port92.h"

static struct i8042 kbc;
static struct port92 p92;
static int resets, a20_calls, a20_state;
static int irq1, irq12, irq1_rises;

static void on_reset(void *opaque)
{
	ck_assert_ptr_eq(opaque, &resets);
	resets++;
}

static void on_a20(void *opaque, bool on)
{
	a20_calls++;
	a20_state = on;
}

static void probe(void *opaque, int n, int level)
{
	if (n == 1) {
		if (level && !irq1)
			irq1_rises++;
		irq1 = level;
	} else {
		irq12 = level;
	}
}

static uint8_t status(void)
{
	return i8042_cmd_ops.read(&kbc, 0, 1);
}

static void cmd(uint8_t c)
{
	i8042_cmd_ops.write(&kbc, 0, c, 1);
}

static void data_out(uint8_t v)
{
	i8042_data_ops.write(&kbc, 0, v, 1);
}

static uint8_t data_in(void)
{
	return i8042_data_ops.read(&kbc, 0, 1);
}

/* Linux's i8042_command(): wait for OBF, read the byte; -1 if none came. */
static int read_reply(void)
{
	if (!(status() & 0x01))
		return -1;
	return data_in();
}

static void setup(void)
{
	i8042_init(&kbc, on_reset, on_a20, &resets);
	irq_connect(&kbc.irq_kbd, probe, NULL, 1);
	irq_connect(&kbc.irq_aux, probe, NULL, 12);
	port92_init(&p92, on_reset, on_a20, &resets);
	resets = a20_calls = a20_state = 0;
	irq1 = irq12 = irq1_rises = 0;
	log_mask = LOG_GUEST_ERRORS;
	log_set_file(fopen("/dev/null", "w"));
}

static void teardown(void)
{
	log_mask = 0;
}

START_TEST(linux_probe_sequence)
{
	int ctr;

	/* i8042_flush: nothing buffered at power-on */
	ck_assert_uint_eq(status() & 0x01, 0);
	/* i8042_controller_selftest */
	cmd(0xaa);
	ck_assert_uint_eq(status() & 0x0d, 0x0d);	/* OBF, SYS, last write was a command */
	ck_assert_int_eq(read_reply(), 0x55);
	ck_assert_int_eq(read_reply(), -1);
	/* i8042_controller_init: read the CTR, write it back with interrupts off */
	cmd(0x20);
	ctr = read_reply();
	ck_assert_int_eq(ctr, 0x03);
	cmd(0x60);
	data_out(ctr & ~0x03);
	ck_assert_uint_eq(status() & 0x08, 0);		/* last write was data */
	cmd(0x20);
	ck_assert_int_eq(read_reply(), ctr & ~0x03);
	/* i8042_check_aux: bit assignment test */
	cmd(0xa7);
	cmd(0x20);
	ck_assert_int_eq(read_reply() & 0x20, 0x20);
	cmd(0xa8);
	cmd(0x20);
	ck_assert_int_eq(read_reply() & 0x20, 0x00);
	/* AUX loopback: the byte comes back marked as AUX data */
	cmd(0xd3);
	data_out(0x5a);
	ck_assert_uint_eq(status() & 0x21, 0x21);
	ck_assert_int_eq(read_reply(), 0x5a);
	cmd(0xa9);
	ck_assert_int_eq(read_reply(), 0x00);
	/* keyboard port test, then atkbd's GETID (no translation) */
	cmd(0xab);
	ck_assert_int_eq(read_reply(), 0x00);
	data_out(0xf2);
	ck_assert_uint_eq(status() & 0x21, 0x01);
	ck_assert_int_eq(read_reply(), 0xfa);
	ck_assert_int_eq(read_reply(), 0xab);
	ck_assert_int_eq(read_reply(), 0x83);
	ck_assert_int_eq(read_reply(), -1);
	/* with translation on the second ID byte is translated */
	cmd(0x60);
	data_out(0x40);
	data_out(0xf2);
	read_reply();
	read_reply();
	ck_assert_int_eq(read_reply(), 0x41);
	/* keyboard reset: ACK then self-test passed */
	data_out(0xff);
	ck_assert_int_eq(read_reply(), 0xfa);
	ck_assert_int_eq(read_reply(), 0xaa);
	/* set LEDs takes a parameter, both ACKed */
	data_out(0xed);
	data_out(0x07);
	ck_assert_int_eq(read_reply(), 0xfa);
	ck_assert_int_eq(read_reply(), 0xfa);
	/* scancode set query */
	data_out(0xf0);
	data_out(0x00);
	ck_assert_int_eq(read_reply(), 0xfa);
	ck_assert_int_eq(read_reply(), 0xfa);
	ck_assert_int_eq(read_reply(), 0x02);
	/* no mouse: a byte sent to AUX times out */
	cmd(0xd4);
	data_out(0xf2);
	ck_assert_uint_eq(status() & 0x61, 0x61);
	ck_assert_int_eq(read_reply(), 0xfe);
	ck_assert_uint_eq(status() & 0x61, 0x00);
	ck_assert_int_eq(resets, 0);
}
END_TEST

START_TEST(reset_pulse)
{
	cmd(0xff);			/* pulse nothing */
	ck_assert_int_eq(resets, 0);
	cmd(0xfe);
	ck_assert_int_eq(resets, 1);
	cmd(0xf0);			/* any pulse with bit 0 low resets */
	ck_assert_int_eq(resets, 2);
	cmd(0xf1);
	ck_assert_int_eq(resets, 2);
	/* output port bit 0 written low: reset; A20 bit changes are reported */
	cmd(0xd0);
	ck_assert_int_eq(read_reply() & 0x03, 0x03);
	cmd(0xd1);
	data_out(0xcd);			/* A20 off, reset released */
	ck_assert_int_eq(resets, 2);
	ck_assert_int_eq(a20_calls, 1);
	ck_assert_int_eq(a20_state, 0);
	cmd(0xd0);
	ck_assert_int_eq(read_reply(), 0xcd);
	cmd(0xdf);
	ck_assert_int_eq(a20_state, 1);
	cmd(0xd1);
	data_out(0xce);
	ck_assert_int_eq(resets, 3);
}
END_TEST

START_TEST(irq1_follows_obf)
{
	cmd(0xaa);			/* KBD_INT on at power-on */
	ck_assert_int_eq(irq1, 1);
	ck_assert_int_eq(irq12, 0);
	data_in();
	ck_assert_int_eq(irq1, 0);
	/* a multi-byte reply: one edge per byte as each is read */
	data_out(0xf2);
	ck_assert_int_eq(irq1_rises, 2);
	data_in();
	data_in();
	data_in();
	ck_assert_int_eq(irq1_rises, 4);
	ck_assert_int_eq(irq1, 0);
	/* AUX data goes to IRQ 12 */
	cmd(0xd3);
	data_out(0x11);
	ck_assert_int_eq(irq12, 1);
	ck_assert_int_eq(irq1, 0);
	data_in();
	ck_assert_int_eq(irq12, 0);
	/* interrupts off in the command byte */
	cmd(0x60);
	data_out(0x00);
	cmd(0xaa);
	ck_assert_int_eq(irq1, 0);
	ck_assert_uint_eq(status() & 0x01, 0x01);
}
END_TEST

START_TEST(disabled_keyboard_holds_its_bytes)
{
	data_out(0xf2);			/* FA in the buffer, AB 83 queued */
	cmd(0xad);
	ck_assert_int_eq(read_reply(), 0xfa);
	ck_assert_int_eq(read_reply(), -1);	/* held while the port is disabled */
	cmd(0x20);			/* controller replies still flow */
	ck_assert_int_eq(read_reply() & 0x10, 0x10);
	cmd(0xd2);
	data_out(0x33);
	ck_assert_int_eq(read_reply(), 0x33);
	cmd(0xa4);
	ck_assert_int_eq(read_reply(), 0xf1);
	cmd(0xae);
	ck_assert_int_eq(read_reply(), 0xab);
	ck_assert_int_eq(read_reply(), 0x83);
	/* writing to the keyboard re-enables its interface */
	cmd(0xad);
	data_out(0xee);
	ck_assert_int_eq(read_reply(), 0xee);
	cmd(0x20);
	ck_assert_int_eq(read_reply() & 0x10, 0x00);
	/* reset empties everything */
	data_out(0xf2);
	i8042_reset(&kbc);
	ck_assert_int_eq(read_reply(), -1);
}
END_TEST

START_TEST(bad_input_absorbed)
{
	unsigned c;

	/* every command and a data byte after each: no crash, no reset unless pulsed */
	for (c = 0; c < 0xf0; c++) {
		if (c == 0xd1)
			continue;
		cmd(c);
		data_out(0xff);
		while (status() & 0x01)
			data_in();
	}
	ck_assert_int_eq(resets, 0);
	/* overflow the queue: extra bytes are dropped */
	for (c = 0; c < 40; c++)
		data_out(0xf2);
	for (c = 0; c < 40 && (status() & 0x01); c++)
		data_in();
	ck_assert_uint_lt(c, 40);
	/* wide accesses */
	ck_assert_uint_eq(i8042_cmd_ops.read(&kbc, 0, 2) >> 8, 0xff);
	i8042_data_ops.read(&kbc, 0, 8);
	i8042_data_ops.write(&kbc, 0, 0xffffffffffffffeeull, 8);
	ck_assert_uint_eq(i8042_data_ops.read(&kbc, 0, 4), 0xffffffee);
}
END_TEST

START_TEST(port92_fast_reset_and_a20)
{
	ck_assert_uint_eq(port92_ops.read(&p92, 0, 1), 0x00);
	port92_ops.write(&p92, 0, 0x02, 1);
	ck_assert_int_eq(a20_state, 1);
	ck_assert_int_eq(a20_calls, 1);
	ck_assert_uint_eq(port92_ops.read(&p92, 0, 1), 0x02);
	ck_assert_int_eq(resets, 0);
	port92_ops.write(&p92, 0, 0x03, 1);
	ck_assert_int_eq(resets, 1);
	port92_ops.write(&p92, 0, 0x03, 1);	/* no edge: no second reset */
	ck_assert_int_eq(resets, 1);
	ck_assert_int_eq(a20_calls, 1);
	port92_ops.write(&p92, 0, 0x02, 1);
	port92_ops.write(&p92, 0, 0x03, 1);
	ck_assert_int_eq(resets, 2);
	port92_reset(&p92);
	ck_assert_uint_eq(port92_ops.read(&p92, 0, 1), 0x00);
	/* bad widths and offsets */
	port92_ops.write(&p92, 1, 0x01, 1);
	ck_assert_int_eq(resets, 2);
	ck_assert_uint_eq(port92_ops.read(&p92, 1, 1) & 0xff, 0xff);
	port92_ops.write(&p92, 0, 0x0102, 2);
	ck_assert_uint_eq(port92_ops.read(&p92, 0, 2), 0xff02);
	port92_ops.read(&p92, 0, 8);
}
END_TEST

Suite *board_i8042_suite(void)
{
	Suite *s = suite_create("board_i8042");
	TCase *tc = tcase_create("i8042");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, linux_probe_sequence);
	tcase_add_test(tc, reset_pulse);
	tcase_add_test(tc, irq1_follows_obf);
	tcase_add_test(tc, disabled_keyboard_holds_its_bytes);
	tcase_add_test(tc, bad_input_absorbed);
	tcase_add_test(tc, port92_fast_reset_and_a20);
	suite_add_tcase(s, tc);
	return s;
}
