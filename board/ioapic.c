/*
 * 82093AA-style I/O APIC. See ioapic.h for the contract.
 */
#include <errno.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/ioapic.h"
#include "board/log.h"
#include "board/msi.h"

#define IOAPIC_VER_VALUE	(((uint32_t)(IOAPIC_NUM_PINS - 1) << 16) | IOAPIC_VERSION)

static bool rte_level(uint64_t rte)
{
	return rte & IOAPIC_RTE_TRIGGER;
}

static bool pin_asserted(const struct ioapic *s, int pin)
{
	bool line = (s->lines >> pin) & 1;

	return line ^ !!(s->rte[pin] & IOAPIC_RTE_POLARITY);
}

static void ioapic_send(struct ioapic *s, int pin)
{
	uint64_t rte = s->rte[pin];
	unsigned mode = (rte & IOAPIC_RTE_DELMODE) >> IOAPIC_RTE_DELMODE_SHIFT;
	uint8_t vector = rte & IOAPIC_RTE_VECTOR;
	uint64_t address;
	uint32_t data;

	/* state first: the sink may re-enter (EOI, entry writes) before it returns */
	if (rte_level(rte))
		s->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	s->delivered_vector[pin] = vector;
	s->deliveries++;

	address = MSI_ADDR_BASE | ((rte >> IOAPIC_RTE_DEST_SHIFT) << MSI_ADDR_DEST_SHIFT);
	if (rte & IOAPIC_RTE_DESTMODE)
		address |= MSI_ADDR_DEST_LOGICAL;
	data = vector | (mode << MSI_DATA_DM_SHIFT) | MSI_DATA_ASSERT;
	if (rte_level(rte))
		data |= MSI_DATA_TRIGGER_LEVEL;
	if (log_enabled(LOG_INT))
		board_log(LOG_INT, "ioapic: pin %d -> vector 0x%02x mode %u dest 0x%02x%s\n", pin,
			  vector, mode, (unsigned)(rte >> IOAPIC_RTE_DEST_SHIFT),
			  rte_level(rte) ? " level" : "");
	msi_send(&s->out, address, data);
}

/* Deliver every level entry that is asserted, unmasked and not awaiting EOI. */
static void ioapic_service(struct ioapic *s)
{
	int pin;

	if (s->servicing) {
		s->rescan = true;
		return;
	}
	s->servicing = true;
	do {
		s->rescan = false;
		for (pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
			uint64_t rte = s->rte[pin];

			if (rte_level(rte) && !(rte & (IOAPIC_RTE_MASK | IOAPIC_RTE_REMOTE_IRR)) &&
			    pin_asserted(s, pin))
				ioapic_send(s, pin);
		}
	} while (s->rescan);
	s->servicing = false;
}

void ioapic_init(struct ioapic *s, uint8_t id, const struct msi_sink *out)
{
	memset(s, 0, sizeof(*s));
	s->id = id & IOAPIC_ID_MASK;
	if (out)
		s->out = *out;
	ioapic_reset(s);
}

void ioapic_reset(struct ioapic *s)
{
	int pin;

	s->ioregsel = 0;
	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		s->rte[pin] = IOAPIC_RTE_MASK;
		s->delivered_vector[pin] = 0;
	}
}

void ioapic_set_irq(void *opaque, int pin, int level)
{
	struct ioapic *s = opaque;
	bool was, now;

	if (pin < 0 || pin >= IOAPIC_NUM_PINS) {
		guest_error("ioapic: no pin %d\n", pin);
		return;
	}
	was = pin_asserted(s, pin);
	if (level)
		s->lines |= 1u << pin;
	else
		s->lines &= ~(1u << pin);
	now = pin_asserted(s, pin);

	if (rte_level(s->rte[pin])) {
		if (now)
			ioapic_service(s);
	} else if (now && !was && !(s->rte[pin] & IOAPIC_RTE_MASK)) {
		ioapic_send(s, pin);
	}
}

void ioapic_eoi(struct ioapic *s, uint8_t vector)
{
	bool any = false;
	int pin;

	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		uint64_t rte = s->rte[pin];

		if (!(rte & IOAPIC_RTE_REMOTE_IRR))
			continue;
		if ((rte & IOAPIC_RTE_VECTOR) != vector && s->delivered_vector[pin] != vector)
			continue;
		s->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		any = true;
	}
	if (any)
		ioapic_service(s);
}

void ioapic_eoi_handler(void *opaque, int vector)
{
	ioapic_eoi(opaque, vector & 0xff);
}

uint32_t ioapic_reg_read(struct ioapic *s, uint8_t index)
{
	unsigned pin;

	switch (index) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:	/* arbitration ID is loaded from the APIC ID */
		return (uint32_t)s->id << IOAPIC_ID_SHIFT;
	case IOAPIC_REG_VER:
		return IOAPIC_VER_VALUE;
	}
	if (index >= IOAPIC_REG_REDTBL && index < IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS) {
		pin = (index - IOAPIC_REG_REDTBL) / 2;
		if (index & 1)
			return s->rte[pin] >> 32;
		return (uint32_t)s->rte[pin];
	}
	guest_error("ioapic: read of unknown register 0x%02x\n", index);
	return 0;
}

void ioapic_reg_write(struct ioapic *s, uint8_t index, uint32_t val)
{
	uint64_t rte, wmask;
	unsigned pin;

	if (index == IOAPIC_REG_ID) {
		s->id = (val >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
		return;
	}
	if (index < IOAPIC_REG_REDTBL || index >= IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS) {
		guest_error("ioapic: write 0x%08x to read-only/unknown register 0x%02x\n", val, index);
		return;
	}
	pin = (index - IOAPIC_REG_REDTBL) / 2;
	rte = s->rte[pin];
	if (index & 1) {
		wmask = IOAPIC_RTE_WRITABLE & 0xffffffff00000000ull;
		rte = (rte & ~wmask) | (((uint64_t)val << 32) & wmask);
	} else {
		wmask = IOAPIC_RTE_WRITABLE & 0xffffffffull;
		rte = (rte & ~wmask) | (val & wmask);
		if (!rte_level(rte))
			rte &= ~IOAPIC_RTE_REMOTE_IRR;
	}
	s->rte[pin] = rte;
	/* an unmasked level entry whose pin is asserted goes out now */
	ioapic_service(s);
}

uint64_t ioapic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
	struct ioapic *s = opaque;
	uint64_t reg = offset & ~3ull;
	unsigned shift = (offset & 3) * 8;
	uint32_t v;

	if (size != 4)
		guest_error("ioapic: %u-byte read at 0x%llx\n", size, (unsigned long long)offset);
	if (reg == IOAPIC_IOREGSEL)
		v = s->ioregsel;
	else if (reg == IOAPIC_IOWIN)
		v = ioapic_reg_read(s, s->ioregsel);
	else
		v = 0;	/* EOI is write-only; the rest of the page is reserved */
	v >>= shift;
	return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

void ioapic_mmio_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
	struct ioapic *s = opaque;
	uint64_t reg = offset & ~3ull;
	unsigned shift = (offset & 3) * 8;
	uint32_t cur, mask;

	if (size != 4)
		guest_error("ioapic: %u-byte write at 0x%llx\n", size, (unsigned long long)offset);
	mask = size >= 4 ? 0xffffffffu : (((1u << (8 * size)) - 1) << shift);
	switch (reg) {
	case IOAPIC_IOREGSEL:
		if (shift == 0)
			s->ioregsel = val;
		break;
	case IOAPIC_IOWIN:
		/* a partial write merges into the register (read has no side effects) */
		cur = mask == 0xffffffffu ? 0 : ioapic_reg_read(s, s->ioregsel);
		ioapic_reg_write(s, s->ioregsel, (cur & ~mask) | (((uint32_t)val << shift) & mask));
		break;
	case IOAPIC_EOI:
		if (shift == 0)
			ioapic_eoi(s, val & 0xff);
		break;
	default:
		guest_error("ioapic: write to reserved offset 0x%llx\n", (unsigned long long)offset);
		break;
	}
}

const struct bus_ops ioapic_mmio_ops = { .read = ioapic_mmio_read, .write = ioapic_mmio_write };

/* ---- device type "ioapic" ---- */

struct ioapic_dev {
	struct device dev;
	uint64_t base;
	uint32_t id;
	struct ioapic io;
};

static const struct device_prop ioapic_props[] = {
	DEVICE_PROP_U64("base", struct ioapic_dev, base, IOAPIC_BASE),
	DEVICE_PROP_U32("apic-id", struct ioapic_dev, id, 0),
	{ 0 }
};

/* Messages go to whatever the board's msi sink is at the time (set late). */
static void ioapic_board_msi(void *opaque, uint64_t address, uint32_t data)
{
	struct board *b = opaque;

	msi_send(&b->msi, address, data);
}

static int ioapic_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct ioapic_dev *d = (struct ioapic_dev *)dev;
	struct msi_sink sink = { .send = ioapic_board_msi, .opaque = b };

	if (d->id > IOAPIC_ID_MASK)
		return board_err(err, -EINVAL, "%s: property 'apic-id': %u does not fit 4 bits",
				 dev->name, d->id);
	if (d->base & 0xfff || d->base > UINT64_MAX - IOAPIC_MMIO_SIZE)
		return board_err(err, -EINVAL, "%s: property 'base': 0x%llx is not a page address",
				 dev->name, (unsigned long long)d->base);
	ioapic_init(&d->io, d->id, &sink);
	return device_mmio_register(dev, d->base, IOAPIC_MMIO_SIZE, &ioapic_mmio_ops, &d->io, err);
}

static void ioapic_dev_reset(struct device *dev)
{
	ioapic_reset(&((struct ioapic_dev *)dev)->io);
}

static struct device_type ioapic_type = {
	.name = "ioapic",
	.desc = "82093AA-style I/O APIC, version 0x20, 24 pins",
	.instance_size = sizeof(struct ioapic_dev),
	.props = ioapic_props,
	.realize = ioapic_realize,
	.reset = ioapic_dev_reset,
};
DEVICE_TYPE(ioapic_type);

struct ioapic *ioapic_find(struct board *b)
{
	struct device *dev = device_find_type(b, "ioapic", NULL);

	return dev ? &((struct ioapic_dev *)dev)->io : NULL;
}
