/*
 * Intel 8042 keyboard controller (PS/2), enough for firmware and Linux's
 * i8042 probe, with a minimal keyboard behind it (it answers commands; it
 * has no keys) and no mouse (AUX device bytes time out, as an empty socket).
 *
 * Contract:
 * - Two one-port regions (0x61 in between is port B, see pit.h):
 *   i8042_data_ops at 0x60 (data) and i8042_cmd_ops at 0x64 (status read,
 *   command write). Byte registers: a wider access is logged; a write uses
 *   its low byte, a read returns the register with all ones above it.
 * - Controller commands: 0x20-0x3f read RAM (0x20 = command byte), 0x60-0x7f
 *   write RAM, 0xa7/0xa8 AUX disable/enable, 0xa9 AUX test, 0xaa self-test
 *   (-> 0x55), 0xab keyboard test, 0xad/0xae keyboard disable/enable, 0xd0/0xd1
 *   read/write the output port, 0xd2/0xd3 write the keyboard/AUX output
 *   buffer, 0xd4 write to the AUX device, 0xdd/0xdf A20 off/on, 0xe0 test
 *   inputs, 0xf0-0xff pulse the output port (bit 0 low = reset: 0xfe).
 * - A reset pulse (0xfe, or output-port bit 0 written low) calls `reset`;
 *   output-port bit 1 calls `a20`. Both callbacks may be NULL.
 * - irq_kbd (IRQ 1) and irq_aux (IRQ 12) follow "output buffer full" with
 *   keyboard or AUX data and the command byte's interrupt enables.
 */
#ifndef BOARD_I8042_H
#define BOARD_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/irq.h"

#define I8042_DATA_PORT		0x60
#define I8042_CMD_PORT		0x64
#define I8042_KBD_IRQ		1
#define I8042_AUX_IRQ		12
#define I8042_QUEUE		16
#define I8042_RAM		32

struct i8042_queue {
	uint16_t b[I8042_QUEUE];	/* byte | I8042_Q_* flags */
	unsigned head, count;
};

struct i8042 {
	uint8_t ram[I8042_RAM];		/* ram[0] is the command byte */
	uint8_t outport;
	bool sys;			/* status bit 2 */
	bool last_was_cmd;		/* status bit 3 */
	uint8_t pending_cmd;		/* command waiting for its data byte, 0 none */
	uint8_t kbd_pending;		/* keyboard command waiting for a parameter */
	uint8_t obuf;
	uint16_t obuf_flags;		/* I8042_Q_* of the byte in obuf */
	bool obf;
	/* controller replies first, then keyboard, then AUX device bytes */
	struct i8042_queue ctrl, kbd, aux;
	struct irq_line irq_kbd, irq_aux;
	void (*reset)(void *opaque);
	void (*a20)(void *opaque, bool enabled);
	void *cb_opaque;
};

extern const struct bus_ops i8042_data_ops;	/* 0x60 alone */
extern const struct bus_ops i8042_cmd_ops;	/* 0x64 alone */

void i8042_init(struct i8042 *k, void (*reset)(void *opaque),
		void (*a20)(void *opaque, bool enabled), void *cb_opaque);
void i8042_reset(struct i8042 *k);

#endif
