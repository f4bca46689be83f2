/*
 * 8042 keyboard controller (IBM PC/AT technical reference; PS/2 extensions).
 */
#include "board/i8042.h"

#include <errno.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"

/* status register (0x64 read) */
#define STAT_OBF		0x01
#define STAT_IBF		0x02
#define STAT_SYS		0x04
#define STAT_CMD		0x08	/* last write went to 0x64 */
#define STAT_UNLOCKED		0x10	/* keyboard not inhibited by the key lock */
#define STAT_AUX_OBF		0x20
#define STAT_TIMEOUT		0x40
#define STAT_PARITY		0x80

/* command byte (RAM byte 0) */
#define CCB_KBD_INT		0x01
#define CCB_AUX_INT		0x02
#define CCB_SYS			0x04
#define CCB_KBD_DISABLE		0x10
#define CCB_AUX_DISABLE		0x20
#define CCB_XLATE		0x40

/* output port */
#define OUT_RESET		0x01	/* active low: 0 holds the CPU in reset */
#define OUT_A20			0x02
#define OUT_KBD_OBF		0x10
#define OUT_AUX_OBF		0x20
#define OUT_POWER_ON		0xcf	/* as QEMU: reset released, A20 on */

/* controller commands (0x64 write) */
#define CMD_READ_RAM		0x20	/* 0x20-0x3f */
#define CMD_WRITE_RAM		0x60	/* 0x60-0x7f */
#define CMD_PASSWORD_TEST	0xa4
#define CMD_AUX_DISABLE		0xa7
#define CMD_AUX_ENABLE		0xa8
#define CMD_AUX_TEST		0xa9
#define CMD_SELF_TEST		0xaa
#define CMD_KBD_TEST		0xab
#define CMD_KBD_DISABLE		0xad
#define CMD_KBD_ENABLE		0xae
#define CMD_READ_OUTPORT	0xd0
#define CMD_WRITE_OUTPORT	0xd1
#define CMD_WRITE_KBD_OBUF	0xd2
#define CMD_WRITE_AUX_OBUF	0xd3
#define CMD_WRITE_AUX		0xd4
#define CMD_A20_DISABLE		0xdd
#define CMD_A20_ENABLE		0xdf
#define CMD_READ_TEST_INPUTS	0xe0
#define CMD_PULSE_FIRST		0xf0	/* 0xf0-0xff: pulse output bits 0-3 low */

#define SELF_TEST_OK		0x55
#define INTERFACE_OK		0x00
#define NO_PASSWORD		0xf1

/* PS/2 keyboard commands and replies */
#define KBD_CMD_SET_LEDS	0xed
#define KBD_CMD_ECHO		0xee
#define KBD_CMD_SCANCODE	0xf0
#define KBD_CMD_GET_ID		0xf2
#define KBD_CMD_TYPEMATIC	0xf3
#define KBD_CMD_ENABLE		0xf4
#define KBD_CMD_DISABLE		0xf5
#define KBD_CMD_DEFAULTS	0xf6
#define KBD_CMD_RESEND		0xfe
#define KBD_CMD_RESET		0xff
#define KBD_REPLY_ACK		0xfa
#define KBD_REPLY_POR		0xaa
#define KBD_REPLY_RESEND	0xfe
#define KBD_ID1			0xab
#define KBD_ID2			0x83
#define KBD_ID2_XLATED		0x41
#define KBD_SCANCODE_SET	0x02

/* queue entry flags */
#define I8042_Q_AUX		0x100
#define I8042_Q_TIMEOUT		0x200

static void q_push(struct i8042_queue *q, uint16_t v)
{
	if (q->count == I8042_QUEUE) {
		guest_error("i8042: output queue full, byte %#x dropped\n", v & 0xff);
		return;
	}
	q->b[(q->head + q->count) % I8042_QUEUE] = v;
	q->count++;
}

static uint16_t q_pop(struct i8042_queue *q)
{
	uint16_t v = q->b[q->head];

	q->head = (q->head + 1) % I8042_QUEUE;
	q->count--;
	return v;
}

static uint8_t ccb(const struct i8042 *k)
{
	return k->ram[0];
}

static void i8042_update_irq(struct i8042 *k)
{
	bool aux = k->obuf_flags & I8042_Q_AUX;

	irq_set(&k->irq_kbd, k->obf && !aux && (ccb(k) & CCB_KBD_INT));
	irq_set(&k->irq_aux, k->obf && aux && (ccb(k) & CCB_AUX_INT));
}

/* Fill an empty output buffer from the queues a disabled port does not block. */
static void i8042_refill(struct i8042 *k)
{
	struct i8042_queue *q = NULL;
	uint16_t v;

	if (!k->obf) {
		if (k->ctrl.count)
			q = &k->ctrl;
		else if (k->kbd.count && !(ccb(k) & CCB_KBD_DISABLE))
			q = &k->kbd;
		else if (k->aux.count && !(ccb(k) & CCB_AUX_DISABLE))
			q = &k->aux;
		if (q) {
			v = q_pop(q);
			k->obuf = v & 0xff;
			k->obuf_flags = v & ~0xff;
			k->obf = true;
		}
	}
	i8042_update_irq(k);
}

static void ctrl_reply(struct i8042 *k, uint16_t v)
{
	q_push(&k->ctrl, v);
}

static void kbd_reply(struct i8042 *k, uint8_t v)
{
	q_push(&k->kbd, v);
}

/* The keyboard: answers commands like a PS/2 keyboard with no key pressed. */
static void kbd_device_write(struct i8042 *k, uint8_t val)
{
	uint8_t param_of = k->kbd_pending;

	k->kbd_pending = 0;
	if (param_of) {
		kbd_reply(k, KBD_REPLY_ACK);
		if (param_of == KBD_CMD_SCANCODE && val == 0)
			kbd_reply(k, KBD_SCANCODE_SET);
		return;
	}
	switch (val) {
	case KBD_CMD_SET_LEDS:
	case KBD_CMD_SCANCODE:
	case KBD_CMD_TYPEMATIC:
		kbd_reply(k, KBD_REPLY_ACK);
		k->kbd_pending = val;
		break;
	case KBD_CMD_ECHO:
		kbd_reply(k, KBD_CMD_ECHO);
		break;
	case KBD_CMD_GET_ID:
		kbd_reply(k, KBD_REPLY_ACK);
		kbd_reply(k, KBD_ID1);
		kbd_reply(k, (ccb(k) & CCB_XLATE) ? KBD_ID2_XLATED : KBD_ID2);
		break;
	case KBD_CMD_ENABLE:
	case KBD_CMD_DISABLE:
	case KBD_CMD_DEFAULTS:
	case KBD_CMD_RESEND:
		kbd_reply(k, KBD_REPLY_ACK);
		break;
	case KBD_CMD_RESET:
		kbd_reply(k, KBD_REPLY_ACK);
		kbd_reply(k, KBD_REPLY_POR);
		break;
	default:
		kbd_reply(k, KBD_REPLY_RESEND);
		break;
	}
}

static void i8042_write_outport(struct i8042 *k, uint8_t val)
{
	uint8_t old = k->outport;

	k->outport = val;
	if (((old ^ val) & OUT_A20) && k->a20)
		k->a20(k->cb_opaque, val & OUT_A20);
	if (!(val & OUT_RESET)) {
		k->outport |= OUT_RESET;	/* the reset is a pulse: the board resets us */
		if (k->reset)
			k->reset(k->cb_opaque);
	}
}

static void i8042_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ_RAM ... CMD_READ_RAM + I8042_RAM - 1:
		ctrl_reply(k, k->ram[cmd - CMD_READ_RAM]);
		break;
	case CMD_WRITE_RAM ... CMD_WRITE_RAM + I8042_RAM - 1:
	case CMD_WRITE_OUTPORT:
	case CMD_WRITE_KBD_OBUF:
	case CMD_WRITE_AUX_OBUF:
	case CMD_WRITE_AUX:
		k->pending_cmd = cmd;
		break;
	case CMD_PASSWORD_TEST:
		ctrl_reply(k, NO_PASSWORD);
		break;
	case CMD_AUX_DISABLE:
		k->ram[0] |= CCB_AUX_DISABLE;
		break;
	case CMD_AUX_ENABLE:
		k->ram[0] &= ~CCB_AUX_DISABLE;
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		ctrl_reply(k, INTERFACE_OK);
		break;
	case CMD_SELF_TEST:
		k->sys = true;
		ctrl_reply(k, SELF_TEST_OK);
		break;
	case CMD_KBD_DISABLE:
		k->ram[0] |= CCB_KBD_DISABLE;
		break;
	case CMD_KBD_ENABLE:
		k->ram[0] &= ~CCB_KBD_DISABLE;
		break;
	case CMD_READ_OUTPORT:
		ctrl_reply(k, (k->outport & ~(OUT_KBD_OBF | OUT_AUX_OBF)) |
			      (k->obf ? ((k->obuf_flags & I8042_Q_AUX) ? OUT_AUX_OBF : OUT_KBD_OBF) : 0));
		break;
	case CMD_A20_DISABLE:
		i8042_write_outport(k, k->outport & ~OUT_A20);
		break;
	case CMD_A20_ENABLE:
		i8042_write_outport(k, k->outport | OUT_A20);
		break;
	case CMD_READ_TEST_INPUTS:
		ctrl_reply(k, 0x00);
		break;
	case CMD_PULSE_FIRST ... 0xff:
		/* bit 0 clear pulses the reset line (0xfe is the usual one) */
		if (!(cmd & OUT_RESET) && k->reset)
			k->reset(k->cb_opaque);
		break;
	default:
		guest_error("i8042: unknown controller command %#x\n", cmd);
		break;
	}
}

static void i8042_write_data(struct i8042 *k, uint8_t val)
{
	uint8_t cmd = k->pending_cmd;

	k->pending_cmd = 0;
	switch (cmd) {
	case 0:
		/* to the keyboard; sending to it re-enables its interface (as QEMU) */
		k->ram[0] &= ~CCB_KBD_DISABLE;
		kbd_device_write(k, val);
		break;
	case CMD_WRITE_RAM ... CMD_WRITE_RAM + I8042_RAM - 1:
		k->ram[cmd - CMD_WRITE_RAM] = val;
		if (cmd == CMD_WRITE_RAM)
			k->sys = val & CCB_SYS;
		break;
	case CMD_WRITE_OUTPORT:
		i8042_write_outport(k, val);
		break;
	case CMD_WRITE_KBD_OBUF:
		ctrl_reply(k, val);
		break;
	case CMD_WRITE_AUX_OBUF:
		ctrl_reply(k, val | I8042_Q_AUX);
		break;
	case CMD_WRITE_AUX:
		/* no mouse: the transmission times out */
		q_push(&k->aux, KBD_REPLY_RESEND | I8042_Q_AUX | I8042_Q_TIMEOUT);
		break;
	}
}

static uint8_t i8042_status(const struct i8042 *k)
{
	uint8_t s = STAT_UNLOCKED;

	if (k->obf) {
		s |= STAT_OBF;
		if (k->obuf_flags & I8042_Q_AUX)
			s |= STAT_AUX_OBF;
		if (k->obuf_flags & I8042_Q_TIMEOUT)
			s |= STAT_TIMEOUT;
	}
	if (k->sys)
		s |= STAT_SYS;
	if (k->last_was_cmd)
		s |= STAT_CMD;
	return s;
}

static void check_size(const char *what, unsigned size)
{
	if (size != 1)
		guest_error("i8042: %u-byte access to the %s port\n", size, what);
}

static uint64_t wide(uint8_t v, unsigned size)
{
	return size >= 8 ? (~0ull << 8) | v : ((~0ull << 8) | v) & ((1ull << (8 * size)) - 1);
}

static uint64_t data_read(void *opaque, uint64_t offset, unsigned size)
{
	struct i8042 *k = opaque;
	uint8_t v = k->obuf;		/* an empty buffer reads its last byte again */

	check_size("data", size);
	if (k->obf) {
		k->obf = false;
		k->obuf_flags &= ~I8042_Q_TIMEOUT;
		i8042_update_irq(k);	/* the line drops before the next byte loads */
	}
	i8042_refill(k);
	return wide(v, size);
}

static void data_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct i8042 *k = opaque;

	check_size("data", size);
	k->last_was_cmd = false;
	i8042_write_data(k, value);
	i8042_refill(k);
}

static uint64_t cmd_read(void *opaque, uint64_t offset, unsigned size)
{
	check_size("status", size);
	return wide(i8042_status(opaque), size);
}

static void cmd_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct i8042 *k = opaque;

	check_size("command", size);
	k->last_was_cmd = true;
	k->pending_cmd = 0;		/* a new command abandons a pending one */
	i8042_command(k, value);
	i8042_refill(k);
}

const struct bus_ops i8042_data_ops = {
	.read = data_read,
	.write = data_write,
};

const struct bus_ops i8042_cmd_ops = {
	.read = cmd_read,
	.write = cmd_write,
};

void i8042_reset(struct i8042 *k)
{
	memset(k->ram, 0, sizeof(k->ram));
	k->ram[0] = CCB_KBD_INT | CCB_AUX_INT;	/* as QEMU */
	k->outport = OUT_POWER_ON;
	k->sys = false;
	k->last_was_cmd = true;
	k->pending_cmd = 0;
	k->kbd_pending = 0;
	k->obf = false;
	k->obuf = 0;
	k->obuf_flags = 0;
	memset(&k->ctrl, 0, sizeof(k->ctrl));
	memset(&k->kbd, 0, sizeof(k->kbd));
	memset(&k->aux, 0, sizeof(k->aux));
	i8042_update_irq(k);
}

void i8042_init(struct i8042 *k, void (*reset)(void *opaque),
		void (*a20)(void *opaque, bool enabled), void *cb_opaque)
{
	memset(k, 0, sizeof(*k));
	k->reset = reset;
	k->a20 = a20;
	k->cb_opaque = cb_opaque;
	i8042_reset(k);
}

/* ---- device type "i8042": data at iobase, command/status at iobase + 4 ---- */

struct i8042_dev {
	struct device dev;
	uint32_t iobase;
	struct i8042 kbc;
};

static const struct device_prop i8042_props[] = {
	DEVICE_PROP_U32("iobase", struct i8042_dev, iobase, I8042_DATA_PORT),
	{ 0 }
};

static void i8042_board_reset(void *opaque)
{
	board_request_reset(opaque, RESET_KBD);
}

static int i8042_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct i8042_dev *d = (struct i8042_dev *)dev;
	int r;

	if (d->iobase > 0x10000 - 5)
		return board_err(err, -EINVAL, "%s: property 'iobase': 0x%x is not an I/O port range",
				 dev->name, d->iobase);
	i8042_init(&d->kbc, i8042_board_reset, NULL, b);
	r = device_connect_irq(dev, 0, &d->kbc.irq_kbd, err);
	if (!r && dev->nirq > 1)
		r = device_connect_irq(dev, 1, &d->kbc.irq_aux, err);
	if (!r)
		r = device_pio_register(dev, d->iobase, 1, &i8042_data_ops, &d->kbc, err);
	if (!r)
		r = device_pio_register(dev, d->iobase + 4, 1, &i8042_cmd_ops, &d->kbc, err);
	return r;
}

static void i8042_dev_reset(struct device *dev)
{
	i8042_reset(&((struct i8042_dev *)dev)->kbc);
}

static struct device_type i8042_type = {
	.name = "i8042",
	.desc = "8042 keyboard controller (reset pulse, keyboard without keys, no mouse)",
	.instance_size = sizeof(struct i8042_dev),
	.props = i8042_props,
	.realize = i8042_realize,
	.reset = i8042_dev_reset,
};
DEVICE_TYPE(i8042_type);
