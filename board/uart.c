/*
 * 16550A UART (National Semiconductor PC16550D datasheet).
 */
#include "board/uart.h"

#include <errno.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"

/* register offsets */
#define UART_RBR		0	/* read, DLAB = 0 */
#define UART_THR		0	/* write, DLAB = 0 */
#define UART_DLL		0	/* DLAB = 1 */
#define UART_IER		1	/* DLAB = 0 */
#define UART_DLM		1	/* DLAB = 1 */
#define UART_IIR		2	/* read */
#define UART_FCR		2	/* write */
#define UART_LCR		3
#define UART_MCR		4
#define UART_LSR		5
#define UART_MSR		6
#define UART_SCR		7

#define IER_ERBFI		0x01	/* received data available */
#define IER_ETBEI		0x02	/* THR empty */
#define IER_ELSI		0x04	/* receiver line status */
#define IER_EDSSI		0x08	/* modem status */
#define IER_MASK		0x0f

#define IIR_NO_INT		0x01
#define IIR_MSI			0x00
#define IIR_THRI		0x02
#define IIR_RDI			0x04
#define IIR_RLSI		0x06
#define IIR_CTI			0x0c	/* character timeout */
#define IIR_ID_MASK		0x0f
#define IIR_FIFO_ON		0xc0

#define FCR_ENABLE		0x01
#define FCR_CLEAR_RX		0x02
#define FCR_CLEAR_TX		0x04
#define FCR_DMA			0x08
#define FCR_TRIGGER_SHIFT	6

#define LCR_WLEN_MASK		0x03
#define LCR_STOP		0x04
#define LCR_PARITY		0x08
#define LCR_DLAB		0x80

#define MCR_DTR			0x01
#define MCR_RTS			0x02
#define MCR_OUT1		0x04
#define MCR_OUT2		0x08
#define MCR_LOOP		0x10
#define MCR_MASK		0x1f

#define LSR_DR			0x01
#define LSR_OE			0x02
#define LSR_PE			0x04
#define LSR_FE			0x08
#define LSR_BI			0x10
#define LSR_THRE		0x20
#define LSR_TEMT		0x40
#define LSR_FIFO_ERR		0x80
#define LSR_ERRORS		(LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS		0x01
#define MSR_DDSR		0x02
#define MSR_TERI		0x04
#define MSR_DDCD		0x08
#define MSR_DELTAS		0x0f
#define MSR_CTS			0x10
#define MSR_DSR			0x20
#define MSR_RI			0x40
#define MSR_DCD			0x80

static const uint8_t rx_trigger[4] = { 1, 4, 8, 14 };

static bool uart_fifo_on(const struct uart *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned uart_rx_capacity(const struct uart *u)
{
	return uart_fifo_on(u) ? UART_FIFO_SIZE : 1;
}

static uint8_t uart_iir(const struct uart *u)
{
	uint8_t id = IIR_NO_INT;
	bool rda = uart_fifo_on(u) ? u->rx_count >= rx_trigger[u->fcr >> FCR_TRIGGER_SHIFT]
				   : u->rx_count > 0;

	if ((u->ier & IER_ELSI) && (u->lsr & LSR_ERRORS))
		id = IIR_RLSI;
	else if ((u->ier & IER_ERBFI) && rda)
		id = IIR_RDI;
	else if ((u->ier & IER_ERBFI) && u->timeout_ipending)
		id = IIR_CTI;
	else if ((u->ier & IER_ETBEI) && u->thr_ipending)
		id = IIR_THRI;
	else if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS))
		id = IIR_MSI;
	return id | (uart_fifo_on(u) ? IIR_FIFO_ON : 0);
}

static void uart_update_irq(struct uart *u)
{
	bool pending = !(uart_iir(u) & IIR_NO_INT);

	irq_set(&u->irq, pending && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP));
}

/* Four character times at the programmed rate and frame. */
static uint64_t uart_timeout_ns(const struct uart *u)
{
	unsigned bits = 1 + 5 + (u->lcr & LCR_WLEN_MASK) + !!(u->lcr & LCR_PARITY) +
			((u->lcr & LCR_STOP) ? 2 : 1);
	uint64_t div = u->divisor ? u->divisor : 1;

	return 4 * bits * NS_PER_SEC * 16 * div / UART_CLOCK_HZ;
}

static void uart_kick_timeout(struct uart *u)
{
	u->timeout_ipending = false;
	if (!u->has_timer)
		return;
	if (uart_fifo_on(u) && u->rx_count)
		timer_mod(&u->timer, clock_ns() + uart_timeout_ns(u));
	else
		timer_del(&u->timer);
}

static void uart_timeout_cb(void *opaque)
{
	struct uart *u = opaque;

	if (uart_fifo_on(u) && u->rx_count) {
		u->timeout_ipending = true;
		uart_update_irq(u);
	}
}

static void uart_rx_clear(struct uart *u)
{
	u->rx_head = u->rx_count = 0;
	u->lsr &= ~LSR_DR;
	uart_kick_timeout(u);
}

/* A character arrives at the receiver; false if it overran. */
static bool uart_rx_push(struct uart *u, uint8_t byte)
{
	if (u->rx_count >= uart_rx_capacity(u)) {
		u->lsr |= LSR_OE;	/* the shift register's byte is lost */
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
	u->lsr |= LSR_DR;
	uart_kick_timeout(u);
	return true;
}

static uint8_t uart_rx_pop(struct uart *u)
{
	if (u->rx_count) {
		u->rbr = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
		u->rx_count--;
	}
	if (!u->rx_count)
		u->lsr &= ~LSR_DR;
	uart_kick_timeout(u);
	return u->rbr;
}

/* Recompute MSR inputs (and their deltas) after MCR or loopback changes. */
static void uart_set_msr_inputs(struct uart *u)
{
	uint8_t in, old = u->msr, changed;

	if (u->mcr & MCR_LOOP)
		in = ((u->mcr & MCR_DTR) ? MSR_DSR : 0) | ((u->mcr & MCR_RTS) ? MSR_CTS : 0) |
		     ((u->mcr & MCR_OUT1) ? MSR_RI : 0) | ((u->mcr & MCR_OUT2) ? MSR_DCD : 0);
	else
		in = u->ext_msr;
	changed = (old ^ in) & 0xf0;
	u->msr = in | (old & MSR_DELTAS);
	if (changed & MSR_CTS)
		u->msr |= MSR_DCTS;
	if (changed & MSR_DSR)
		u->msr |= MSR_DDSR;
	if ((changed & MSR_RI) && !(in & MSR_RI))
		u->msr |= MSR_TERI;	/* trailing edge of ring */
	if (changed & MSR_DCD)
		u->msr |= MSR_DDCD;
}

static void uart_write_thr(struct uart *u, uint8_t val)
{
	u->thr_ipending = false;
	u->lsr &= ~(LSR_THRE | LSR_TEMT);
	uart_update_irq(u);
	if (u->mcr & MCR_LOOP)
		uart_rx_push(u, val);
	else if (u->tx)
		u->tx(u->tx_opaque, val);
	/* sent: THR and the shift register are empty again */
	u->lsr |= LSR_THRE | LSR_TEMT;
	u->thr_ipending = true;
}

static void uart_write_ier(struct uart *u, uint8_t val)
{
	uint8_t changed;

	if (val & ~IER_MASK)
		guest_error("uart: IER reserved bits %#x\n", val & ~IER_MASK);
	val &= IER_MASK;
	changed = u->ier ^ val;
	u->ier = val;
	/* enabling ETBEI with THR empty raises a THRE interrupt (Linux tests this) */
	if (changed & IER_ETBEI)
		u->thr_ipending = (val & IER_ETBEI) && (u->lsr & LSR_THRE);
}

static void uart_write_fcr(struct uart *u, uint8_t val)
{
	if ((val ^ u->fcr) & FCR_ENABLE)
		uart_rx_clear(u);	/* toggling the FIFO mode clears both FIFOs */
	if (!(val & FCR_ENABLE)) {
		u->fcr = 0;
		return;
	}
	if (val & FCR_CLEAR_RX)
		uart_rx_clear(u);
	/* the transmitter is always empty: FCR_CLEAR_TX has nothing to drop */
	if (val & 0x30)
		guest_error("uart: FCR reserved bits %#x\n", val & 0x30);
	u->fcr = val & (FCR_ENABLE | FCR_DMA | 3 << FCR_TRIGGER_SHIFT);
}

static void uart_write_reg(struct uart *u, unsigned reg, uint8_t val)
{
	switch (reg) {
	case UART_THR:
		if (u->lcr & LCR_DLAB)
			u->divisor = (u->divisor & 0xff00) | val;
		else
			uart_write_thr(u, val);
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB)
			u->divisor = (u->divisor & 0x00ff) | val << 8;
		else
			uart_write_ier(u, val);
		break;
	case UART_FCR:
		uart_write_fcr(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		if (val & ~MCR_MASK)
			guest_error("uart: MCR reserved bits %#x\n", val & ~MCR_MASK);
		u->mcr = val & MCR_MASK;
		uart_set_msr_inputs(u);
		break;
	case UART_LSR:
	case UART_MSR:
		guest_error("uart: write %#x to read-only register %u\n", val, reg);
		break;
	case UART_SCR:
		u->scr = val;
		break;
	}
	uart_update_irq(u);
}

static uint8_t uart_read_reg(struct uart *u, unsigned reg)
{
	uint8_t v;

	switch (reg) {
	case UART_RBR:
		if (u->lcr & LCR_DLAB)
			return u->divisor & 0xff;
		v = uart_rx_pop(u);
		break;
	case UART_IER:
		return (u->lcr & LCR_DLAB) ? u->divisor >> 8 : u->ier;
	case UART_IIR:
		v = uart_iir(u);
		if ((v & IIR_ID_MASK) == IIR_THRI)
			u->thr_ipending = false;	/* reading IIR acknowledges THRE */
		break;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = u->lsr;
		u->lsr &= ~LSR_ERRORS;
		break;
	case UART_MSR:
		v = u->msr;
		u->msr &= ~MSR_DELTAS;
		break;
	default:
		return u->scr;
	}
	uart_update_irq(u);
	return v;
}

static uint64_t uart_read(void *opaque, uint64_t offset, unsigned size)
{
	uint64_t v = 0;
	unsigned i;

	if (size != 1)
		guest_error("uart: %u-byte read at offset %llu\n", size, (unsigned long long)offset);
	for (i = 0; i < size && i < 8; i++) {
		uint64_t b = offset + i < UART_IOSIZE ? uart_read_reg(opaque, offset + i) : 0xff;

		v |= b << (8 * i);
	}
	return v;
}

static void uart_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	unsigned i;

	if (size != 1)
		guest_error("uart: %u-byte write at offset %llu\n", size, (unsigned long long)offset);
	for (i = 0; i < size && i < 8; i++)
		if (offset + i < UART_IOSIZE)
			uart_write_reg(opaque, offset + i, value >> (8 * i));
}

const struct bus_ops uart_ops = {
	.read = uart_read,
	.write = uart_write,
};

size_t uart_can_receive(const struct uart *u)
{
	if (u->mcr & MCR_LOOP)
		return 0;
	return uart_rx_capacity(u) - u->rx_count;
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len)
{
	size_t n = 0, room = uart_can_receive(u);

	while (n < len && n < room)
		uart_rx_push(u, buf[n++]);
	if (n)
		uart_update_irq(u);
	return n;
}

void uart_reset(struct uart *u)
{
	u->ier = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->fcr = 0;
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = u->ext_msr;
	u->divisor = 12;		/* 9600 baud, as QEMU */
	u->thr_ipending = false;
	uart_rx_clear(u);
	uart_update_irq(u);
}

void uart_init(struct uart *u, struct timer_list *timers, uart_tx_fn tx, void *tx_opaque)
{
	memset(u, 0, sizeof(*u));
	u->tx = tx;
	u->tx_opaque = tx_opaque;
	/* a terminal is attached: carrier, data set ready, clear to send */
	u->ext_msr = MSR_DCD | MSR_DSR | MSR_CTS;
	u->has_timer = timers != NULL;
	if (timers)
		timer_init(&u->timer, timers, uart_timeout_cb, u);
	uart_reset(u);
}

void uart_destroy(struct uart *u)
{
	if (u->has_timer)
		timer_del(&u->timer);
}

/* ---- device type "isa-serial" ---- */

struct uart_dev {
	struct device dev;
	uint32_t iobase;
	struct uart uart;
};

static const struct device_prop uart_props[] = {
	DEVICE_PROP_U32("iobase", struct uart_dev, iobase, UART_COM1_IOBASE),
	{ 0 }
};

static int uart_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct uart_dev *d = (struct uart_dev *)dev;
	int r;

	if (d->iobase > 0x10000 - UART_IOSIZE)
		return board_err(err, -EINVAL, "%s: property 'iobase': 0x%x is not an I/O port range",
				 dev->name, d->iobase);
	uart_init(&d->uart, &b->timers, NULL, NULL);	/* the VMM connects tx */
	r = device_connect_irq(dev, 0, &d->uart.irq, err);
	if (!r)
		r = device_pio_register(dev, d->iobase, UART_IOSIZE, &uart_ops, &d->uart, err);
	if (r < 0)
		uart_destroy(&d->uart);
	return r;
}

static void uart_dev_reset(struct device *dev)
{
	uart_reset(&((struct uart_dev *)dev)->uart);
}

static void uart_unrealize(struct device *dev)
{
	uart_destroy(&((struct uart_dev *)dev)->uart);
}

static struct device_type uart_type = {
	.name = "isa-serial",
	.desc = "16550A UART",
	.instance_size = sizeof(struct uart_dev),
	.props = uart_props,
	.realize = uart_realize,
	.reset = uart_dev_reset,
	.unrealize = uart_unrealize,
};
DEVICE_TYPE(uart_type);

struct uart *board_uart(struct board *b, unsigned index)
{
	struct device *dev;

	for (dev = b->devices; dev; dev = dev->next)
		if (dev->type == &uart_type && !index--)
			return &((struct uart_dev *)dev)->uart;
	return NULL;
}
