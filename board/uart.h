/*
 * National Semiconductor 16550A UART (COM1: 0x3F8, IRQ 4).
 *
 * Contract:
 * - uart_ops serves the 8 registers (register the region with length 8);
 *   wider accesses are split into bytes and logged, reserved bits absorbed.
 * - Transmission is instantaneous: a byte written to THR goes to the tx
 *   callback (or, in loopback, to the receiver) and THR is empty again at
 *   once, so THRE/TEMT read set and a THRE interrupt follows every write.
 * - THRE interrupt: pending when THR empties, or when IER.ETBEI goes 0->1
 *   while THR is empty; cleared by an IIR read that reports it, or by a THR
 *   write. IIR priorities: line status > received data / char timeout >
 *   THRE > modem status; bits 7-6 are 11 with the FIFOs on.
 * - `irq` is the INTR output as the PC wires it: gated by MCR.OUT2 and off in
 *   loopback (the OUT2 pin is forced inactive there).
 * - Input: the main loop asks uart_can_receive() and calls uart_receive();
 *   bytes beyond the free space are not taken (the caller keeps them).
 *   The character timeout (4 character times at the programmed rate) uses a
 *   board timer.
 */
#ifndef BOARD_UART_H
#define BOARD_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/clock.h"
#include "board/irq.h"

#define UART_COM1_IOBASE	0x3f8
#define UART_COM1_IRQ		4
#define UART_IOSIZE		8
#define UART_FIFO_SIZE		16
#define UART_CLOCK_HZ		1843200	/* baud = UART_CLOCK_HZ / 16 / divisor */

typedef void (*uart_tx_fn)(void *opaque, uint8_t byte);

struct uart {
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
	uint16_t divisor;
	uint8_t rbr;			/* last byte read, returned again when empty */
	uint8_t rx[UART_FIFO_SIZE];
	unsigned rx_head, rx_count;
	bool thr_ipending;
	bool timeout_ipending;
	uint8_t ext_msr;		/* modem inputs when not in loopback */
	struct irq_line irq;
	struct board_timer timer;	/* character timeout */
	bool has_timer;
	uart_tx_fn tx;
	void *tx_opaque;
};

extern const struct bus_ops uart_ops;

/* tx may be NULL (output dropped); timers may be NULL (no char timeout). */
void uart_init(struct uart *u, struct timer_list *timers, uart_tx_fn tx, void *tx_opaque);
void uart_reset(struct uart *u);
void uart_destroy(struct uart *u);

/* Free receive space (0 in loopback: the serial input is disconnected). */
size_t uart_can_receive(const struct uart *u);
/* Queue up to len bytes from the host; returns how many were taken. */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len);

struct board;
/* COM(index + 1): the index-th "isa-serial" device in document order, or NULL. */
struct uart *board_uart(struct board *b, unsigned index);

#endif
