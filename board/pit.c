/*
 * Intel 8254 PIT (datasheet 231164) and PC port 0x61.
 *
 * A channel is a pure function of time: once a count is loaded, the number of
 * input clocks since then (minus the time the gate held the counter) gives
 * both the counter value and OUT. Channel 0 arms a timer for its next output
 * edge only, so an idle guest costs nothing and a late main loop never loses
 * the edge the PIC needs.
 *
 * Like QEMU, a count written while counting in modes 2/3 restarts the period
 * at once (the part would finish the current period first), and the count is
 * loaded on the write rather than on the next clock.
 */
#include "board/pit.h"

#include <errno.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"

/* control word (port 0x43) */
#define PIT_REG_CONTROL		3
#define PIT_CW_SC_SHIFT		6
#define PIT_CW_RW_SHIFT		4
#define PIT_CW_MODE_SHIFT	1
#define PIT_CW_BCD		0x01
#define PIT_SC_READBACK		3

enum { PIT_RW_LATCH = 0, PIT_RW_LSB = 1, PIT_RW_MSB = 2, PIT_RW_WORD = 3 };

/* read-back command (SC = 3) */
#define PIT_RB_NOT_COUNT	0x20
#define PIT_RB_NOT_STATUS	0x10
#define PIT_RB_CHANNEL(n)	(0x02 << (n))

/* status byte */
#define PIT_STATUS_OUT		0x80
#define PIT_STATUS_NULL		0x40

/* port 0x61 */
#define P61_GATE2		0x01
#define P61_SPEAKER		0x02
#define P61_WRITABLE		0x0f
#define P61_REFRESH		0x10
#define P61_OUT2		0x20
#define P61_REFRESH_NS		15085	/* DRAM refresh request period */

#define NO_EDGE			UINT64_MAX

static uint64_t ns_to_ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_FREQ_HZ / NS_PER_SEC);
}

/* First time (ns after the origin) at which ns_to_ticks() reaches t. */
static uint64_t ticks_to_ns_ceil(uint64_t t)
{
	unsigned __int128 v = (unsigned __int128)t * NS_PER_SEC + PIT_FREQ_HZ - 1;

	v /= PIT_FREQ_HZ;
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

static uint32_t ch_modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

/* Modes 2 and 3 need at least two clocks per period (1 is illegal). */
static uint32_t ch_period(const struct pit_channel *c)
{
	return c->reload < 2 ? 2 : c->reload;
}

static bool mode_is_triggered(uint8_t mode)
{
	return mode == 1 || mode == 5;
}

/* Counting has begun: a count is loaded and, in modes 1/5, a gate edge came. */
static bool ch_started(const struct pit_channel *c)
{
	return c->loaded && (!mode_is_triggered(c->mode) || c->triggered);
}

static uint64_t ch_ticks(const struct pit_channel *c, uint64_t now)
{
	if (!c->running || now < c->load_ns)
		return c->base_ticks;
	return c->base_ticks + ns_to_ticks(now - c->load_ns);
}

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
			  (v / 1000 % 10) << 12);
}

static uint32_t from_bcd(uint16_t v)
{
	uint32_t r = (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
		     ((v >> 12) & 0xf) * 1000;

	if (r > 9999) {
		guest_error("pit: invalid BCD count %#x\n", v);
		r %= 10000;
	}
	return r;
}

static uint32_t ch_value_at(const struct pit_channel *c, uint64_t d)
{
	uint32_t m = ch_modulus(c), n = c->reload, p, v;

	switch (c->mode) {
	case 2:
		p = ch_period(c);
		v = p - (uint32_t)(d % p);
		break;
	case 3:
		/* decrements by two, twice per period */
		p = ch_period(c);
		v = p - (uint32_t)((2 * (d % p)) % p);
		break;
	default:
		v = (uint32_t)((n + m - d % m) % m);
		break;
	}
	return v % m;
}

static uint16_t ch_value(const struct pit_channel *c, uint64_t now)
{
	uint32_t v;

	if (!ch_started(c))
		return c->frozen_count;
	v = ch_value_at(c, ch_ticks(c, now));
	return c->bcd ? to_bcd(v) : (uint16_t)v;
}

static int ch_out_at(const struct pit_channel *c, uint64_t d)
{
	uint32_t n = c->reload, p = ch_period(c);

	if (!c->loaded)
		return c->mode != 0;	/* a control word sets OUT low in mode 0 only */
	switch (c->mode) {
	case 0:
		return d >= n;
	case 1:
		return !c->triggered || d >= n;
	case 2:
		return !c->gate || d % p != p - 1;
	case 3:
		return !c->gate || d % p < (p + 1) / 2;
	case 4:
		return d != n;
	case 5:
		return !c->triggered || d != n;
	}
	return 1;
}

static int ch_out(const struct pit_channel *c, uint64_t now)
{
	return ch_out_at(c, ch_ticks(c, now));
}

/* Rising OUT edges at ticks in (a, b]. */
static uint64_t ch_rising_edges(const struct pit_channel *c, uint64_t a, uint64_t b)
{
	uint64_t n = c->reload, p = ch_period(c);

	if (!ch_started(c) || b <= a)
		return 0;
	switch (c->mode) {
	case 0:
	case 1:
		return a < n && n <= b;
	case 2:
	case 3:
		return b / p - a / p;
	case 4:
	case 5:
		return a < n + 1 && n + 1 <= b;
	}
	return 0;
}

/* Tick after d at which OUT next changes; mode 2 reports rising edges only. */
static uint64_t ch_next_edge(const struct pit_channel *c, uint64_t d)
{
	uint64_t n = c->reload, p = ch_period(c), ph;

	if (!ch_started(c) || !c->running)
		return NO_EDGE;
	switch (c->mode) {
	case 0:
	case 1:
		return d < n ? n : NO_EDGE;
	case 2:
		return (d / p + 1) * p;
	case 3:
		ph = d % p;
		return ph < (p + 1) / 2 ? d - ph + (p + 1) / 2 : d - ph + p;
	case 4:
	case 5:
		return d < n ? n : d == n ? n + 1 : NO_EDGE;
	}
	return NO_EDGE;
}

/* Channel 0 was reprogrammed: the line follows OUT0 from a new time base. */
static void pit_irq_resync(struct pit *pit, uint64_t now)
{
	struct pit_channel *c = &pit->ch[0];
	uint64_t d = ch_ticks(c, now), next;

	pit->irq_ticks = d;
	irq_set(&pit->irq, ch_out_at(c, d));
	if (!pit->has_timer)
		return;
	next = ch_next_edge(c, d);
	if (next == NO_EDGE)
		timer_del(&pit->timer);
	else
		timer_mod(&pit->timer, c->load_ns + ticks_to_ns_ceil(next - c->base_ticks));
}

static void pit_timer_cb(void *opaque)
{
	struct pit *pit = opaque;
	struct pit_channel *c = &pit->ch[0];
	uint64_t now = clock_ns(), d = ch_ticks(c, now), next;
	int out = ch_out_at(c, d);

	if (ch_rising_edges(c, pit->irq_ticks, d)) {
		/* the PIC latches edges: make sure this one is a 0->1 */
		if (pit->irq.level)
			irq_set(&pit->irq, 0);
		irq_set(&pit->irq, 1);
		if (!out)
			irq_set(&pit->irq, 0);
	} else {
		irq_set(&pit->irq, out);
	}
	pit->irq_ticks = d;
	next = ch_next_edge(c, d);
	if (next != NO_EDGE)
		timer_mod(&pit->timer, c->load_ns + ticks_to_ns_ceil(next - c->base_ticks));
}

static void ch_changed(struct pit *pit, unsigned idx, uint64_t now)
{
	if (idx == 0)
		pit_irq_resync(pit, now);
}

static void ch_load(struct pit *pit, unsigned idx, uint32_t count, uint64_t now)
{
	struct pit_channel *c = &pit->ch[idx];

	if (c->bcd)
		count = from_bcd((uint16_t)count);
	if (count == 0)
		count = ch_modulus(c);
	if ((c->mode == 2 || c->mode == 3) && count == 1)
		guest_error("pit: channel %u count 1 is illegal in mode %u\n", idx, c->mode);
	c->reload = count;
	c->loaded = true;
	c->null_count = false;
	c->base_ticks = 0;
	c->load_ns = now;
	if (mode_is_triggered(c->mode)) {
		c->triggered = false;
		c->running = false;
	} else {
		c->running = c->gate;
	}
	ch_changed(pit, idx, now);
}

static void ch_control(struct pit *pit, unsigned idx, uint8_t val, uint64_t now)
{
	struct pit_channel *c = &pit->ch[idx];
	uint8_t mode = (val >> PIT_CW_MODE_SHIFT) & 7;

	c->frozen_count = ch_value(c, now);
	c->rw = (val >> PIT_CW_RW_SHIFT) & 3;
	c->mode = mode > 5 ? mode - 4 : mode;	/* 6, 7 are 2, 3 */
	c->bcd = val & PIT_CW_BCD;
	c->loaded = false;
	c->running = false;
	c->triggered = false;
	c->null_count = true;
	c->write_msb_next = false;
	c->read_msb_next = false;
	c->count_latched = false;
	c->status_latched = false;
	c->base_ticks = 0;
	ch_changed(pit, idx, now);
}

static uint8_t ch_status(const struct pit_channel *c, uint64_t now)
{
	return (ch_out(c, now) ? PIT_STATUS_OUT : 0) | (c->null_count ? PIT_STATUS_NULL : 0) |
	       c->rw << PIT_CW_RW_SHIFT | c->mode << PIT_CW_MODE_SHIFT | (c->bcd ? PIT_CW_BCD : 0);
}

static void ch_latch_count(struct pit_channel *c, uint64_t now)
{
	if (c->count_latched)
		return;		/* the first latch holds until read */
	c->latched_count = ch_value(c, now);
	c->count_latched = true;
	c->latch_msb_next = false;
}

static void pit_write_control(struct pit *pit, uint8_t val, uint64_t now)
{
	unsigned sc = val >> PIT_CW_SC_SHIFT, i;

	if (sc == PIT_SC_READBACK) {
		for (i = 0; i < PIT_CHANNELS; i++) {
			struct pit_channel *c = &pit->ch[i];

			if (!(val & PIT_RB_CHANNEL(i)))
				continue;
			if (!(val & PIT_RB_NOT_COUNT))
				ch_latch_count(c, now);
			if (!(val & PIT_RB_NOT_STATUS) && !c->status_latched) {
				c->latched_status = ch_status(c, now);
				c->status_latched = true;
			}
		}
		if (val & 1)
			guest_error("pit: read-back command %#x sets reserved bit 0\n", val);
		return;
	}
	if (((val >> PIT_CW_RW_SHIFT) & 3) == PIT_RW_LATCH)
		ch_latch_count(&pit->ch[sc], now);
	else
		ch_control(pit, sc, val, now);
}

static void pit_write_counter(struct pit *pit, unsigned idx, uint8_t val, uint64_t now)
{
	struct pit_channel *c = &pit->ch[idx];

	switch (c->rw) {
	case PIT_RW_LSB:
		ch_load(pit, idx, val, now);
		break;
	case PIT_RW_MSB:
		ch_load(pit, idx, (uint32_t)val << 8, now);
		break;
	case PIT_RW_WORD:
		if (!c->write_msb_next) {
			c->write_lsb = val;
			c->write_msb_next = true;
			if (c->mode == 0) {
				/* the first byte stops the count and drops OUT */
				c->frozen_count = ch_value(c, now);
				c->loaded = false;
				c->running = false;
				ch_changed(pit, idx, now);
			}
		} else {
			c->write_msb_next = false;
			ch_load(pit, idx, c->write_lsb | (uint32_t)val << 8, now);
		}
		break;
	}
}

static uint8_t pit_read_counter(struct pit *pit, unsigned idx, uint64_t now)
{
	struct pit_channel *c = &pit->ch[idx];
	uint16_t v;
	bool msb;

	if (c->status_latched) {
		c->status_latched = false;
		return c->latched_status;
	}
	if (c->count_latched) {
		v = c->latched_count;
		if (c->rw == PIT_RW_WORD && !c->latch_msb_next) {
			c->latch_msb_next = true;
			return v & 0xff;
		}
		c->count_latched = false;
		return c->rw == PIT_RW_LSB ? v & 0xff : v >> 8;
	}
	v = ch_value(c, now);
	switch (c->rw) {
	case PIT_RW_LSB:
		return v & 0xff;
	case PIT_RW_MSB:
		return v >> 8;
	default:
		msb = c->read_msb_next;
		c->read_msb_next = !msb;
		return msb ? v >> 8 : v & 0xff;
	}
}

static uint8_t pit_read_byte(struct pit *pit, unsigned port)
{
	if (port == PIT_REG_CONTROL) {
		guest_error("pit: read of the write-only control port\n");
		return 0xff;
	}
	return pit_read_counter(pit, port, clock_ns());
}

static void pit_write_byte(struct pit *pit, unsigned port, uint8_t val)
{
	uint64_t now = clock_ns();

	if (port == PIT_REG_CONTROL)
		pit_write_control(pit, val, now);
	else
		pit_write_counter(pit, port, val, now);
}

/* The ISA bus splits wider accesses into consecutive byte ports. */
static uint64_t pit_read(void *opaque, uint64_t offset, unsigned size)
{
	uint64_t v = 0;
	unsigned i;

	if (size != 1)
		guest_error("pit: %u-byte read at port %#llx\n", size,
			    (unsigned long long)(PIT_IOBASE + offset));
	for (i = 0; i < size && i < 8; i++) {
		uint64_t b = offset + i < PIT_IOSIZE ? pit_read_byte(opaque, offset + i) : 0xff;

		v |= b << (8 * i);
	}
	return v;
}

static void pit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	unsigned i;

	if (size != 1)
		guest_error("pit: %u-byte write at port %#llx\n", size,
			    (unsigned long long)(PIT_IOBASE + offset));
	for (i = 0; i < size && i < 8; i++)
		if (offset + i < PIT_IOSIZE)
			pit_write_byte(opaque, offset + i, value >> (8 * i));
}

const struct bus_ops pit_ops = {
	.read = pit_read,
	.write = pit_write,
};

void pit_set_gate(struct pit *pit, unsigned idx, bool level)
{
	struct pit_channel *c;
	uint64_t now = clock_ns();

	if (idx >= PIT_CHANNELS)
		return;
	c = &pit->ch[idx];
	if (c->gate == level)
		return;
	if (!level) {
		c->gate = false;
		if (c->mode == 1 || c->mode == 5)
			return;		/* the gate only triggers these */
		c->base_ticks = ch_ticks(c, now);
		c->running = false;
	} else {
		c->gate = true;
		if (!c->loaded)
			return;
		switch (c->mode) {
		case 1:
		case 5:
			c->triggered = true;
			/* a trigger restarts from the count */
			__attribute__((fallthrough));
		case 2:
		case 3:
			c->base_ticks = 0;
			break;
		}
		c->load_ns = now;
		c->running = true;
	}
	ch_changed(pit, idx, now);
}

uint16_t pit_get_count(struct pit *pit, unsigned idx)
{
	return idx < PIT_CHANNELS ? ch_value(&pit->ch[idx], clock_ns()) : 0;
}

int pit_get_out(struct pit *pit, unsigned idx)
{
	return idx < PIT_CHANNELS ? ch_out(&pit->ch[idx], clock_ns()) : 0;
}

static uint64_t port61_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pit *pit = opaque;
	uint64_t now = clock_ns();
	uint8_t v = pit->port61 & P61_WRITABLE;

	if (size != 1 || offset)
		guest_error("port61: %u-byte read at offset %llu\n", size, (unsigned long long)offset);
	if ((now / P61_REFRESH_NS) & 1)
		v |= P61_REFRESH;
	if (ch_out(&pit->ch[2], now))
		v |= P61_OUT2;
	return offset ? 0xff : v;
}

static void port61_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct pit *pit = opaque;

	if (size != 1 || offset) {
		guest_error("port61: %u-byte write at offset %llu\n", size, (unsigned long long)offset);
		if (offset)
			return;
	}
	pit->port61 = value & P61_WRITABLE;
	pit_set_gate(pit, 2, value & P61_GATE2);
}

const struct bus_ops pit_port61_ops = {
	.read = port61_read,
	.write = port61_write,
};

void pit_reset(struct pit *pit)
{
	uint64_t now = clock_ns();
	unsigned i;

	pit->port61 = 0;
	/* as QEMU: every channel in mode 3 with count 65536, gate 2 low */
	for (i = 0; i < PIT_CHANNELS; i++) {
		struct pit_channel *c = &pit->ch[i];

		memset(c, 0, sizeof(*c));
		c->gate = i != 2;
		c->mode = 3;
		c->rw = PIT_RW_WORD;
		c->reload = 65536;
		c->loaded = true;
		c->running = c->gate;
		c->load_ns = now;
	}
	pit_irq_resync(pit, now);
}

void pit_init(struct pit *pit, struct timer_list *timers)
{
	/* the board connects pit->irq after this */
	memset(pit, 0, sizeof(*pit));
	pit->has_timer = timers != NULL;
	if (timers)
		timer_init(&pit->timer, timers, pit_timer_cb, pit);
	pit_reset(pit);
}

void pit_destroy(struct pit *pit)
{
	if (pit->has_timer)
		timer_del(&pit->timer);
}

/* ---- device type "isa-pit" (with port 0x61, which reads OUT2) ---- */

struct pit_dev {
	struct device dev;
	uint32_t iobase, port61;
	struct pit pit;
};

static const struct device_prop pit_props[] = {
	DEVICE_PROP_U32("iobase", struct pit_dev, iobase, PIT_IOBASE),
	DEVICE_PROP_U32("port61", struct pit_dev, port61, PIT_PORT61),	/* 0: none */
	{ 0 }
};

static int pit_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct pit_dev *d = (struct pit_dev *)dev;
	int r;

	if (d->iobase > 0x10000 - PIT_IOSIZE)
		return board_err(err, -EINVAL, "%s: property 'iobase': 0x%x is not an I/O port range",
				 dev->name, d->iobase);
	if (d->port61 > 0xffff)
		return board_err(err, -EINVAL, "%s: property 'port61': 0x%x is not an I/O port",
				 dev->name, d->port61);
	pit_init(&d->pit, &b->timers);
	r = device_connect_irq(dev, 0, &d->pit.irq, err);
	if (!r)
		r = device_pio_register(dev, d->iobase, PIT_IOSIZE, &pit_ops, &d->pit, err);
	if (!r && d->port61)
		r = device_pio_register(dev, d->port61, 1, &pit_port61_ops, &d->pit, err);
	if (r < 0)
		pit_destroy(&d->pit);
	return r;
}

static void pit_dev_reset(struct device *dev)
{
	pit_reset(&((struct pit_dev *)dev)->pit);
}

static void pit_unrealize(struct device *dev)
{
	pit_destroy(&((struct pit_dev *)dev)->pit);
}

static struct device_type pit_type = {
	.name = "isa-pit",
	.desc = "Intel 8254 PIT, channel 0 on its interrupt, port 0x61",
	.instance_size = sizeof(struct pit_dev),
	.props = pit_props,
	.realize = pit_realize,
	.reset = pit_dev_reset,
	.unrealize = pit_unrealize,
};
DEVICE_TYPE(pit_type);
