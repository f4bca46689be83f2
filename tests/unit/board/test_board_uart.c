/*
 * 16550A UART: register semantics step by step through uart_ops.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "board/clock.h"
#include "board/log.h"
#include "board/uart.h"

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

static struct timer_list timers;
static struct uart uart;
static char txbuf[256];
static unsigned ntx;
static int irq_level, irq_rises;

static void tx(void *opaque, uint8_t b)
{
	ck_assert_ptr_eq(opaque, &ntx);
	if (ntx < sizeof(txbuf))
		txbuf[ntx++] = (char)b;
}

static void probe(void *opaque, int n, int level)
{
	if (level && !irq_level)
		irq_rises++;
	irq_level = level;
}

static uint8_t in8(unsigned reg)
{
	return uart_ops.read(&uart, reg, 1);
}

static void out8(unsigned reg, uint8_t v)
{
	uart_ops.write(&uart, reg, v, 1);
}

static void setup(void)
{
	clock_fake_enable(true);
	clock_fake_set(1000);
	timer_list_init(&timers);
	uart_init(&uart, &timers, tx, &ntx);
	irq_connect(&uart.irq, probe, NULL, 4);
	ntx = 0;
	irq_level = irq_rises = 0;
	log_mask = LOG_GUEST_ERRORS;
	log_set_file(fopen("/dev/null", "w"));
}

static void teardown(void)
{
	uart_destroy(&uart);
	clock_fake_enable(false);
	log_mask = 0;
}

START_TEST(reset_values)
{
	ck_assert_uint_eq(in8(IER), 0x00);
	ck_assert_uint_eq(in8(IIR), 0x01);
	ck_assert_uint_eq(in8(LCR), 0x00);
	ck_assert_uint_eq(in8(MCR), 0x00);
	ck_assert_uint_eq(in8(LSR), 0x60);
	ck_assert_uint_eq(in8(MSR), 0xb0);	/* DCD, DSR, CTS: a terminal is there */
	out8(SCR, 0xa5);
	ck_assert_uint_eq(in8(SCR), 0xa5);
}
END_TEST

START_TEST(thre_interrupt_semantics)
{
	out8(MCR, 0x08);			/* OUT2: the PC's IRQ enable */
	ck_assert_int_eq(irq_level, 0);
	/* enabling ETBEI with THR empty: THRE interrupt at once */
	out8(IER, 0x02);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(in8(IIR), 0x02);
	/* the IIR read that reported THRE acknowledged it */
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(in8(IIR), 0x01);
	/* writing THR clears it; the byte leaves and THR empties again */
	irq_rises = 0;
	out8(THR, 'A');
	ck_assert_int_eq(ntx, 1);
	ck_assert_int_eq(txbuf[0], 'A');
	ck_assert_int_eq(irq_rises, 1);
	ck_assert_uint_eq(in8(LSR) & 0x60, 0x60);
	ck_assert_uint_eq(in8(IIR), 0x02);
	/* Linux's THRE test: IER 0, then ETBEI again, must re-raise it */
	out8(IER, 0x00);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(in8(IIR), 0x01);
	out8(IER, 0x02);
	ck_assert_uint_eq(in8(IIR), 0x02);
	/* rewriting IER with ETBEI still set does not re-raise */
	out8(IER, 0x02);
	ck_assert_uint_eq(in8(IIR), 0x01);
	/* an IIR read with another source reported leaves THRE pending */
	out8(IER, 0x00);
	out8(IER, 0x03);
	uart_receive(&uart, (const uint8_t *)"x", 1);
	ck_assert_uint_eq(in8(IIR), 0x04);
	ck_assert_uint_eq(in8(RBR), 'x');
	ck_assert_uint_eq(in8(IIR), 0x02);
	ck_assert_uint_eq(in8(IIR), 0x01);
}
END_TEST

START_TEST(out2_gates_irq)
{
	out8(IER, 0x02);
	ck_assert_uint_eq(in8(IIR), 0x02);
	ck_assert_int_eq(irq_level, 0);		/* pending, but OUT2 is off */
	out8(IER, 0x00);
	out8(IER, 0x02);
	out8(MCR, 0x08);
	ck_assert_int_eq(irq_level, 1);
	out8(MCR, 0x00);
	ck_assert_int_eq(irq_level, 0);
	out8(MCR, 0x08 | 0x10);			/* loopback forces OUT2 inactive */
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(in8(IIR), 0x02);
}
END_TEST

START_TEST(receive_without_fifo)
{
	const uint8_t in[] = "hi";

	out8(MCR, 0x08);
	out8(IER, 0x01);
	ck_assert_uint_eq(uart_can_receive(&uart), 1);
	ck_assert_uint_eq(uart_receive(&uart, in, 2), 1);	/* one holding register */
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(in8(LSR) & 0x01, 0x01);
	ck_assert_uint_eq(in8(IIR), 0x04);
	ck_assert_uint_eq(in8(RBR), 'h');
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(in8(IIR), 0x01);
	ck_assert_uint_eq(in8(LSR) & 0x01, 0x00);
	ck_assert_uint_eq(uart_receive(&uart, in + 1, 1), 1);
	ck_assert_uint_eq(in8(RBR), 'i');
	/* an empty RBR reads the last byte again */
	ck_assert_uint_eq(in8(RBR), 'i');
	ck_assert_uint_eq(in8(LSR) & 0x01, 0x00);
}
END_TEST

START_TEST(fifo_trigger_levels)
{
	static const struct { uint8_t fcr; unsigned level; } trig[] = {
		{ 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xc1, 14 },
	};
	uint8_t buf[UART_FIFO_SIZE];
	unsigned i, n;

	memset(buf, 'z', sizeof(buf));
	out8(IER, 0x01);
	for (i = 0; i < 4; i++) {
		out8(FCR, trig[i].fcr | 0x02);
		ck_assert_uint_eq(in8(IIR), 0xc1);	/* FIFO bits, nothing pending */
		for (n = 1; n <= UART_FIFO_SIZE; n++) {
			ck_assert_uint_eq(uart_receive(&uart, buf, 1), 1);
			ck_assert_uint_eq(in8(IIR), n >= trig[i].level ? 0xc4 : 0xc1);
		}
		ck_assert_uint_eq(uart_can_receive(&uart), 0);
		ck_assert_uint_eq(uart_receive(&uart, buf, 1), 0);
		ck_assert_uint_eq(in8(LSR) & 0x03, 0x01);	/* full, not overrun */
		/* reading below the trigger drops the interrupt */
		for (n = UART_FIFO_SIZE; n >= trig[i].level; n--)
			in8(RBR);
		ck_assert_uint_eq(in8(IIR), 0xc1);
	}
	/* FCR with bit 0 clear turns the FIFOs off and empties them */
	out8(FCR, 0x00);
	ck_assert_uint_eq(in8(IIR), 0x01);
	ck_assert_uint_eq(in8(LSR) & 0x01, 0);
}
END_TEST

START_TEST(char_timeout)
{
	uint8_t buf[3] = { 1, 2, 3 };
	uint64_t t;

	out8(LCR, 0x80);
	out8(DLL, 1);				/* 115200 baud */
	out8(DLM, 0);
	out8(LCR, 0x03);			/* 8N1: 10 bits a character */
	out8(FCR, 0xc1);
	out8(IER, 0x01);
	out8(MCR, 0x08);
	uart_receive(&uart, buf, 3);
	ck_assert_uint_eq(in8(IIR), 0xc1);	/* below the trigger */
	/* 4 characters x 10 bits at 115200 baud = 347222 ns */
	t = timer_list_next(&timers);
	ck_assert_uint_eq(t, 1000 + 347222);
	clock_fake_set(t);
	timer_list_run(&timers, t);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(in8(IIR), 0xcc);
	/* reading a byte clears the timeout and restarts it */
	ck_assert_uint_eq(in8(RBR), 1);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(in8(IIR), 0xc1);
	ck_assert_uint_eq(timer_list_next(&timers), t + 347222);
	in8(RBR);
	in8(RBR);
	ck_assert_uint_eq(timer_list_next(&timers), TIMER_NEVER);
	/* 9600 baud (divisor 12), 7E2: 1+7+1+2 = 11 bits */
	out8(LCR, 0x80);
	out8(DLL, 12);
	out8(LCR, 0x02 | 0x04 | 0x08 | 0x10);
	uart_receive(&uart, buf, 1);
	ck_assert_uint_eq(timer_list_next(&timers), t + 4ull * 11 * 16 * 12 * NS_PER_SEC / 1843200);
}
END_TEST

START_TEST(loopback)
{
	out8(MCR, 0x10);
	ck_assert_uint_eq(in8(MSR), 0x0b);	/* CTS, DSR, DCD fell: deltas */
	ck_assert_uint_eq(in8(MSR), 0x00);
	out8(MCR, 0x10 | 0x0f);			/* DTR RTS OUT1 OUT2 -> DSR CTS RI DCD */
	ck_assert_uint_eq(in8(MSR), 0xf0 | 0x0b);
	out8(MCR, 0x10 | 0x0b);			/* RI falls: trailing-edge delta */
	ck_assert_uint_eq(in8(MSR), 0xb0 | 0x04);
	/* transmitted bytes come back to the receiver, not the output */
	out8(THR, 0x42);
	ck_assert_int_eq(ntx, 0);
	ck_assert_uint_eq(in8(LSR), 0x61);
	ck_assert_uint_eq(in8(RBR), 0x42);
	/* the serial input is disconnected */
	ck_assert_uint_eq(uart_can_receive(&uart), 0);
	ck_assert_uint_eq(uart_receive(&uart, (const uint8_t *)"q", 1), 0);
	/* without FIFO a second byte overruns */
	out8(THR, 1);
	out8(THR, 2);
	ck_assert_uint_eq(in8(LSR), 0x63);
	ck_assert_uint_eq(in8(LSR), 0x61);	/* OE cleared by the read */
	ck_assert_uint_eq(in8(RBR), 1);
	out8(MCR, 0x00);
	out8(THR, 'o');
	ck_assert_int_eq(ntx, 1);
	ck_assert_uint_eq(in8(MSR), 0xb0);	/* loop DSR/CTS/DCD = terminal's */
}
END_TEST

START_TEST(iir_priorities)
{
	out8(MCR, 0x10 | 0x08);
	out8(IER, 0x0f);
	in8(MSR);
	out8(THR, 1);
	out8(THR, 2);				/* overrun */
	out8(MCR, 0x10 | 0x09);			/* DSR change: modem status */
	/* all four sources pending: line status first */
	ck_assert_uint_eq(in8(IIR), 0x06);
	in8(LSR);
	ck_assert_uint_eq(in8(IIR), 0x04);
	in8(RBR);
	ck_assert_uint_eq(in8(IIR), 0x02);
	ck_assert_uint_eq(in8(IIR), 0x00);
	in8(MSR);
	ck_assert_uint_eq(in8(IIR), 0x01);
}
END_TEST

START_TEST(divisor_latch)
{
	out8(IER, 0x05);
	out8(LCR, 0x83);
	out8(DLL, 0x01);
	out8(DLM, 0x02);
	ck_assert_uint_eq(in8(DLL), 0x01);
	ck_assert_uint_eq(in8(DLM), 0x02);
	ck_assert_int_eq(ntx, 0);		/* DLL write did not transmit */
	ck_assert_uint_eq(uart.divisor, 0x0201);
	out8(LCR, 0x03);
	ck_assert_uint_eq(in8(IER), 0x05);	/* IER untouched by the DLM write */
	out8(THR, 'k');
	ck_assert_int_eq(ntx, 1);
	ck_assert_uint_eq(in8(LCR), 0x03);
}
END_TEST

START_TEST(reserved_and_wide_accesses)
{
	out8(IER, 0xff);
	ck_assert_uint_eq(in8(IER), 0x0f);
	out8(MCR, 0xff);
	ck_assert_uint_eq(in8(MCR), 0x1f);
	out8(LSR, 0x00);
	ck_assert_uint_eq(in8(LSR) & 0x60, 0x60);
	out8(MSR, 0xff);
	out8(FCR, 0x31);
	ck_assert_uint_eq(in8(IIR) & 0xc0, 0xc0);
	/* a word write to THR/IER is two byte writes */
	out8(MCR, 0);
	out8(IER, 0);
	uart_ops.write(&uart, THR, 0x0241, 2);
	ck_assert_int_eq(ntx, 1);
	ck_assert_uint_eq(in8(IER), 0x02);
	ck_assert_uint_eq(uart_ops.read(&uart, 7, 4) >> 8, 0xffffff);
	uart_ops.write(&uart, 9, 0xff, 1);
	uart_ops.read(&uart, 100, 8);
	uart_ops.write(&uart, 0, ~0ull, 8);
	uart_receive(&uart, NULL, 0);
}
END_TEST

Suite *board_uart_suite(void)
{
	Suite *s = suite_create("board_uart");
	TCase *tc = tcase_create("uart");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reset_values);
	tcase_add_test(tc, thre_interrupt_semantics);
	tcase_add_test(tc, out2_gates_irq);
	tcase_add_test(tc, receive_without_fifo);
	tcase_add_test(tc, fifo_trigger_levels);
	tcase_add_test(tc, char_timeout);
	tcase_add_test(tc, loopback);
	tcase_add_test(tc, iir_priorities);
	tcase_add_test(tc, divisor_latch);
	tcase_add_test(tc, reserved_and_wide_accesses);
	suite_add_tcase(s, tc);
	return s;
}
