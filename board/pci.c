/*
 * PCI bus, config mechanism #1, functions, BARs, INTx, capabilities.
 * See pci.h for the contract.
 */
#include "board/pci.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "board/board.h"
#include "board/log.h"

/* Device types whose instance starts with struct pci_host. */
static const char *const pci_host_types[] = { "i440fx-pcihost", NULL };

#define PCI_CAP_MAX_WALK	48	/* (256 - 64) / 4: a loop in the list ends here */

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static bool overlaps(unsigned off, unsigned size, unsigned start, unsigned len)
{
	return off < start + len && off + size > start;
}

bool pci_is_host(const struct device *dev)
{
	unsigned i;

	for (i = 0; dev && pci_host_types[i]; i++)
		if (!strcmp(dev->type->name, pci_host_types[i]))
			return true;
	return false;
}

struct pci_bus *pci_bus_of(struct device *dev)
{
	struct device *p;
	unsigned i;

	for (p = device_parent(dev); p; p = device_parent(p))
		if (pci_is_host(p))
			return &((struct pci_host *)p)->bus;
	/* -device nodes hang off the root: the board's first host */
	for (i = 0; pci_host_types[i]; i++) {
		p = device_find_type(dev->board, pci_host_types[i], NULL);
		if (p)
			return &((struct pci_host *)p)->bus;
	}
	return NULL;
}

void pci_bus_init(struct pci_bus *bus, struct board *b)
{
	memset(bus, 0, sizeof(*bus));
	bus->board = b;
}

void pci_bus_exit(struct pci_bus *bus)
{
	unsigned devfn;

	/* teardown: what the lines drive (the GSI router) may be gone already */
	bus->set_irq = NULL;
	for (devfn = 0; devfn < PCI_DEVFN_MAX; devfn++)
		if (bus->dev[devfn])
			pci_device_exit(bus->dev[devfn]);
}

int pci_swizzle_map_irq(void *opaque, unsigned devfn, unsigned pin)
{
	return (int)((PCI_SLOT(devfn) + pin + 3) & 3);	/* (slot + pin - 1) & 3 */
}

int pci_bus_claim_cf9(struct pci_bus *bus, const struct bus_ops *ops, void *opaque)
{
	if (bus->cf9_ops && (bus->cf9_ops != ops || bus->cf9_opaque != opaque))
		return -EBUSY;
	bus->cf9_ops = ops;
	bus->cf9_opaque = opaque;
	return 0;
}

struct pci_device *pci_bus_device(struct pci_bus *bus, unsigned devfn)
{
	return devfn < PCI_DEVFN_MAX ? bus->dev[devfn] : NULL;
}

/* Function 0 carries the multi-function bit while other functions exist. */
static void update_multifunction(struct pci_bus *bus, unsigned slot)
{
	struct pci_device *f0 = bus->dev[PCI_DEVFN(slot, 0)];
	bool multi = false;
	unsigned fn;

	if (!f0)
		return;
	for (fn = 1; fn < 8; fn++)
		multi |= bus->dev[PCI_DEVFN(slot, fn)] != NULL;
	if (multi)
		f0->cfg[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI;
	else
		f0->cfg[PCI_HEADER_TYPE] &= ~PCI_HEADER_TYPE_MULTI;
}

/* ---- INTx ---- */

static void bus_irq_change(struct pci_bus *bus, struct pci_device *d, bool on)
{
	unsigned pin = d->cfg[PCI_INTERRUPT_PIN];
	int irq;

	if (!bus->map_irq || pin < 1 || pin > 4)
		return;
	irq = bus->map_irq(bus->irq_opaque, d->devfn, pin - 1);
	if (irq < 0 || irq >= PCI_BUS_MAX_IRQS)
		return;
	if (on) {
		if (bus->irq_count[irq]++ == 0 && bus->set_irq)
			bus->set_irq(bus->irq_opaque, (unsigned)irq, 1);
	} else if (bus->irq_count[irq] && --bus->irq_count[irq] == 0 && bus->set_irq) {
		bus->set_irq(bus->irq_opaque, (unsigned)irq, 0);
	}
}

static void intx_update(struct pci_device *d)
{
	uint16_t cmd = pci_get_word(d->cfg + PCI_COMMAND);
	bool want = d->intx_level && !(cmd & PCI_COMMAND_INTX_DISABLE);

	/* the status bit shows the device's request even while disabled */
	if (d->intx_level)
		d->cfg[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
	else
		d->cfg[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
	if (want == d->intx_asserted)
		return;
	d->intx_asserted = want;
	if (d->bus)
		bus_irq_change(d->bus, d, want);
}

void pci_set_irq(struct pci_device *d, int level)
{
	d->intx_level = !!level;
	intx_update(d);
}

/* ---- BARs ---- */

static uint64_t bar_read(void *opaque, uint64_t off, unsigned size)
{
	struct pci_bar *bar = opaque;

	return bar->ops->read ? bar->ops->read(bar->opaque, off, size) : size_mask(size);
}

static void bar_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct pci_bar *bar = opaque;

	if (bar->ops->write)
		bar->ops->write(bar->opaque, off, val, size);
}

static const struct bus_ops pci_bar_ops = { .read = bar_read, .write = bar_write };

static unsigned bar_off(unsigned idx)
{
	return PCI_BASE_ADDRESS_0 + 4 * idx;
}

/* Is idx the upper half of a 64-bit BAR? */
static bool bar_is_upper(const struct pci_device *d, unsigned idx)
{
	return idx > 0 && d->bar[idx - 1].size && d->bar[idx - 1].is64;
}

/* Where the guest's programming puts BAR idx, or PCI_BAR_UNMAPPED. */
static uint64_t bar_decode(const struct pci_device *d, unsigned idx)
{
	const struct pci_bar *bar = &d->bar[idx];
	uint16_t cmd = pci_get_word(d->cfg + PCI_COMMAND);
	uint64_t val = pci_get_long(d->cfg + bar_off(idx)), addr, last;

	if (bar->is_io) {
		if (!(cmd & PCI_COMMAND_IO))
			return PCI_BAR_UNMAPPED;
		addr = val & PCI_BAR_IO_MASK & ~(bar->size - 1);
		last = addr + bar->size - 1;
		if (!addr || last > 0xffff)
			return PCI_BAR_UNMAPPED;
		return addr;
	}
	if (!(cmd & PCI_COMMAND_MEMORY))
		return PCI_BAR_UNMAPPED;
	if (bar->is64)
		val |= (uint64_t)pci_get_long(d->cfg + bar_off(idx + 1)) << 32;
	addr = val & PCI_BAR_MEM_MASK & ~(bar->size - 1);
	last = addr + bar->size - 1;
	if (!addr || last < addr || last == UINT64_MAX)
		return PCI_BAR_UNMAPPED;
	if (!bar->is64 && last >= 0xffffffffull)
		return PCI_BAR_UNMAPPED;
	return addr;
}

void pci_update_mappings(struct pci_device *d)
{
	struct board *b = d->dev.board;
	unsigned idx;

	for (idx = 0; idx < PCI_NUM_BARS; idx++) {
		struct pci_bar *bar = &d->bar[idx];
		struct bus *bus = bar->is_io ? &b->pio : &b->mmio;
		const char *clash = NULL;
		uint64_t addr;
		int r;

		if (!bar->size)
			continue;
		addr = d->bus ? bar_decode(d, idx) : PCI_BAR_UNMAPPED;
		if (addr == bar->addr)
			continue;
		if (bar->addr != PCI_BAR_UNMAPPED) {
			bus_unregister(bus, bar->addr, bar);
			bar->addr = PCI_BAR_UNMAPPED;
		}
		if (addr == PCI_BAR_UNMAPPED)
			continue;
		r = bus_register(bus, addr, bar->size, &pci_bar_ops, bar, d->dev.name, &clash);
		if (r < 0) {
			guest_error("%s: BAR%u at 0x%" PRIx64 " (0x%" PRIx64 " bytes) %s%s: left unmapped\n",
				    d->dev.name, idx, addr, bar->size,
				    r == -EEXIST ? "overlaps " : "is invalid", clash ? clash : "");
			continue;
		}
		bar->addr = addr;
	}
}

int pci_register_bar(struct pci_device *d, unsigned idx, unsigned kind, uint64_t size,
		     const struct bus_ops *ops, void *opaque)
{
	bool prefetch = kind & PCI_BAR_PREFETCH;
	unsigned base = kind & ~PCI_BAR_PREFETCH;
	struct pci_bar *bar;
	uint64_t mask;
	uint8_t type;

	if (idx >= PCI_NUM_BARS || !ops || !size || (size & (size - 1)))
		return -EINVAL;
	switch (base) {
	case PCI_BAR_IO:
		if (prefetch || size < 4 || size > 256)
			return -EINVAL;
		type = PCI_BAR_SPACE_IO;
		break;
	case PCI_BAR_MEM32:
		if (size < 16 || size > (1ull << 31))
			return -EINVAL;
		type = prefetch ? PCI_BAR_MEM_PREFETCH : 0;
		break;
	case PCI_BAR_MEM64:
		if (idx + 1 >= PCI_NUM_BARS || size < 16 || size > (1ull << 63))
			return -EINVAL;
		type = PCI_BAR_MEM_TYPE_64 | (prefetch ? PCI_BAR_MEM_PREFETCH : 0);
		break;
	default:
		return -EINVAL;
	}
	if (d->bar[idx].size || bar_is_upper(d, idx) ||
	    (base == PCI_BAR_MEM64 && d->bar[idx + 1].size))
		return -EEXIST;
	bar = &d->bar[idx];
	memset(bar, 0, sizeof(*bar));
	bar->size = size;
	bar->type = type;
	bar->is_io = base == PCI_BAR_IO;
	bar->is64 = base == PCI_BAR_MEM64;
	bar->ops = ops;
	bar->opaque = opaque;
	bar->addr = PCI_BAR_UNMAPPED;
	bar->dev = d;
	mask = ~(size - 1) & (bar->is_io ? PCI_BAR_IO_MASK : PCI_BAR_MEM_MASK);
	pci_set_long(d->cfg + bar_off(idx), type);
	pci_set_long(d->wmask + bar_off(idx), (uint32_t)mask);
	if (bar->is64) {
		pci_set_long(d->cfg + bar_off(idx + 1), 0);
		pci_set_long(d->wmask + bar_off(idx + 1), (uint32_t)(mask >> 32));
	}
	pci_update_mappings(d);
	return 0;
}

uint64_t pci_bar_address(const struct pci_device *d, unsigned idx)
{
	return idx < PCI_NUM_BARS && d->bar[idx].size ? d->bar[idx].addr : PCI_BAR_UNMAPPED;
}

/* ---- config space ---- */

uint32_t pci_default_config_read(struct pci_device *d, unsigned off, unsigned size)
{
	uint32_t v = 0;
	unsigned i;

	if (off >= PCI_CFG_SIZE || !size || size > 4 || off + size > PCI_CFG_SIZE)
		return (uint32_t)size_mask(size > 4 ? 4 : size);
	for (i = 0; i < size; i++)
		v |= (uint32_t)d->cfg[off + i] << (8 * i);
	return v;
}

void pci_default_config_write(struct pci_device *d, unsigned off, uint32_t val, unsigned size)
{
	unsigned i;

	if (off >= PCI_CFG_SIZE || !size || size > 4 || off + size > PCI_CFG_SIZE)
		return;
	for (i = 0; i < size; i++) {
		unsigned a = off + i;
		uint8_t byte = val >> (8 * i);

		d->cfg[a] = (d->cfg[a] & ~d->wmask[a]) | (byte & d->wmask[a]);
		d->cfg[a] &= ~(byte & d->w1cmask[a]);
	}
	if (overlaps(off, size, PCI_COMMAND, 2))
		intx_update(d);
	if (overlaps(off, size, PCI_COMMAND, 2) ||
	    overlaps(off, size, PCI_BASE_ADDRESS_0, 4 * PCI_NUM_BARS))
		pci_update_mappings(d);
}

uint32_t pci_bus_config_read(struct pci_bus *bus, unsigned devfn, unsigned off, unsigned size)
{
	struct pci_device *d = pci_bus_device(bus, devfn);

	if (!size || size > 4)
		return 0xffffffffu;
	if (!d || off >= PCI_CFG_SIZE || off + size > PCI_CFG_SIZE)
		return (uint32_t)size_mask(size);
	if (d->ops && d->ops->config_read)
		return d->ops->config_read(d, off, size) & (uint32_t)size_mask(size);
	return pci_default_config_read(d, off, size);
}

void pci_bus_config_write(struct pci_bus *bus, unsigned devfn, unsigned off, uint32_t val,
			  unsigned size)
{
	struct pci_device *d = pci_bus_device(bus, devfn);

	if (!d || !size || size > 4 || off >= PCI_CFG_SIZE || off + size > PCI_CFG_SIZE)
		return;
	val &= (uint32_t)size_mask(size);
	if (d->ops && d->ops->config_write)
		d->ops->config_write(d, off, val, size);
	else
		pci_default_config_write(d, off, val, size);
}

/* ---- config mechanism #1 ---- */

/* The function CONFIG_ADDRESS selects, or false (disabled, other bus). */
static bool config_target(const struct pci_bus *bus, unsigned *devfn, unsigned *reg)
{
	uint32_t a = bus->config_address;

	if (!(a & PCI_CONFIG_ENABLE) || ((a >> 16) & 0xff))
		return false;
	*devfn = (a >> 8) & 0xff;
	*reg = a & 0xfc;
	return true;
}

static uint32_t data_read(struct pci_bus *bus, unsigned lane, unsigned size)
{
	unsigned devfn, reg;

	if (!config_target(bus, &devfn, &reg))
		return (uint32_t)size_mask(size);
	return pci_bus_config_read(bus, devfn, reg + lane, size);
}

static void data_write(struct pci_bus *bus, unsigned lane, uint32_t val, unsigned size)
{
	unsigned devfn, reg;

	if (config_target(bus, &devfn, &reg))
		pci_bus_config_write(bus, devfn, reg + lane, val, size);
}

/* One byte of the 8 ports, for accesses that are neither the address
 * register nor wholly in CONFIG_DATA. */
static uint8_t host_byte_read(struct pci_bus *bus, unsigned off)
{
	if (off >= 4)
		return data_read(bus, off - 4, 1);
	if (off == PCI_RESET_CONTROL - PCI_CONFIG_ADDRESS && bus->cf9_ops && bus->cf9_ops->read)
		return bus->cf9_ops->read(bus->cf9_opaque, 0, 1);
	guest_error("pci: byte read of port 0x%x (CONFIG_ADDRESS takes dwords only)\n",
		    PCI_CONFIG_ADDRESS + off);
	return 0xff;
}

static void host_byte_write(struct pci_bus *bus, unsigned off, uint8_t val)
{
	if (off >= 4) {
		data_write(bus, off - 4, val, 1);
		return;
	}
	if (off == PCI_RESET_CONTROL - PCI_CONFIG_ADDRESS && bus->cf9_ops) {
		if (bus->cf9_ops->write)
			bus->cf9_ops->write(bus->cf9_opaque, 0, val, 1);
		return;
	}
	guest_error("pci: byte write 0x%x to port 0x%x ignored (CONFIG_ADDRESS takes dwords only)\n",
		    val, PCI_CONFIG_ADDRESS + off);
}

static uint64_t host_read(void *opaque, uint64_t off, unsigned size)
{
	struct pci_bus *bus = opaque;
	uint64_t v = 0;
	unsigned i;

	if (off == 0 && size == 4)
		return bus->config_address;
	if (off >= 4 && off + size <= PCI_HOST_IOSIZE && size <= 4)
		return data_read(bus, (unsigned)off - 4, size);
	for (i = 0; i < size && off + i < PCI_HOST_IOSIZE; i++)
		v |= (uint64_t)host_byte_read(bus, (unsigned)off + i) << (8 * i);
	for (; i < size; i++)
		v |= 0xffull << (8 * i);
	return v;
}

static void host_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct pci_bus *bus = opaque;
	unsigned i;

	if (off == 0 && size == 4) {
		bus->config_address = (uint32_t)val & ~3u;	/* bits 1:0 read as 0 */
		return;
	}
	if (off >= 4 && off + size <= PCI_HOST_IOSIZE && size <= 4) {
		data_write(bus, (unsigned)off - 4, (uint32_t)val, size);
		return;
	}
	for (i = 0; i < size && off + i < PCI_HOST_IOSIZE; i++)
		host_byte_write(bus, (unsigned)off + i, (uint8_t)(val >> (8 * i)));
}

const struct bus_ops pci_host_ops = { .read = host_read, .write = host_write };

/* ---- functions ---- */

static int pick_devfn(struct pci_device *d, struct pci_bus *bus, struct board_err *err)
{
	unsigned slot, fn;

	if (d->devfn_prop == PCI_DEVFN_AUTO) {
		for (slot = 0; slot < 32; slot++) {
			for (fn = 0; fn < 8; fn++)
				if (bus->dev[PCI_DEVFN(slot, fn)])
					break;
			if (fn == 8)
				return (int)PCI_DEVFN(slot, 0);
		}
		return board_err(err, -ENOSPC, "%s: no free PCI slot", d->dev.name);
	}
	if (d->devfn_prop >= PCI_DEVFN_MAX)
		return board_err(err, -EINVAL, "%s: property 'devfn': 0x%x is not a devfn (0-0xff)",
				 d->dev.name, d->devfn_prop);
	if (bus->dev[d->devfn_prop])
		return board_err(err, -EEXIST, "%s: property 'devfn': %02x.%x already used by %s",
				 d->dev.name, PCI_SLOT(d->devfn_prop), PCI_FUNC(d->devfn_prop),
				 bus->dev[d->devfn_prop]->dev.name);
	return (int)d->devfn_prop;
}

int pci_device_init(struct pci_device *d, struct board *b, const struct pci_ids *ids,
		    struct board_err *err)
{
	struct pci_bus *bus = pci_bus_of(&d->dev);
	unsigned i;
	int devfn;

	if (!bus)
		return board_err(err, -ENODEV, "%s: no PCI host bridge on the board", d->dev.name);
	if (ids->intx_pin > 4)
		return board_err(err, -EINVAL, "%s: interrupt pin %u (1-4 = INTA-INTD)",
				 d->dev.name, ids->intx_pin);
	devfn = pick_devfn(d, bus, err);
	if (devfn < 0)
		return devfn;
	memset(d->cfg, 0, sizeof(d->cfg));
	memset(d->wmask, 0, sizeof(d->wmask));
	memset(d->w1cmask, 0, sizeof(d->w1cmask));
	memset(d->cap_used, 0, sizeof(d->cap_used));
	memset(d->bar, 0, sizeof(d->bar));
	for (i = 0; i < PCI_NUM_BARS; i++)
		d->bar[i].addr = PCI_BAR_UNMAPPED;
	d->intx_level = 0;
	d->intx_asserted = false;

	pci_set_word(d->cfg + PCI_VENDOR_ID, ids->vendor);
	pci_set_word(d->cfg + PCI_DEVICE_ID, ids->device);
	pci_set_word(d->cfg + PCI_STATUS, ids->status & ~PCI_STATUS_W1C);
	d->cfg[PCI_REVISION_ID] = ids->revision;
	d->cfg[PCI_CLASS_PROG] = ids->class_code & 0xff;
	pci_set_word(d->cfg + PCI_CLASS_DEVICE, ids->class_code >> 8);
	d->cfg[PCI_HEADER_TYPE] = ids->header_type & ~PCI_HEADER_TYPE_MULTI;
	pci_set_word(d->cfg + PCI_SUBSYSTEM_VENDOR_ID, ids->subsys_vendor);
	pci_set_word(d->cfg + PCI_SUBSYSTEM_ID, ids->subsys_id);
	d->cfg[PCI_INTERRUPT_PIN] = ids->intx_pin;

	pci_set_word(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
		     PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
		     PCI_COMMAND_INTX_DISABLE);
	pci_set_word(d->w1cmask + PCI_STATUS, PCI_STATUS_W1C);
	d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	d->wmask[PCI_LATENCY_TIMER] = 0xff;
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	/* the header is not capability space */
	memset(d->cap_used, 0xff, PCI_CONFIG_HEADER_SIZE / 8);

	d->bus = bus;
	d->devfn = (uint8_t)devfn;
	bus->dev[devfn] = d;
	update_multifunction(bus, PCI_SLOT(devfn));
	return 0;
}

void pci_device_exit(struct pci_device *d)
{
	struct pci_bus *bus = d->bus;

	if (!bus)
		return;
	if (d->intx_asserted)
		bus_irq_change(bus, d, false);
	d->intx_asserted = false;
	bus->dev[d->devfn] = NULL;
	d->bus = NULL;
	pci_update_mappings(d);		/* no bus: every BAR leaves the board's buses */
	update_multifunction(bus, PCI_SLOT(d->devfn));
}

void pci_device_reset(struct pci_device *d)
{
	unsigned off;

	/* writable header bits to 0 (BAR type bits are read-only and stay) */
	for (off = PCI_COMMAND; off < PCI_CONFIG_HEADER_SIZE; off++) {
		d->cfg[off] &= ~d->wmask[off];
		d->cfg[off] &= ~d->w1cmask[off];
	}
	d->intx_level = 0;
	intx_update(d);
	pci_update_mappings(d);
}

/* ---- capabilities ---- */

static bool cap_range_free(const struct pci_device *d, unsigned off, unsigned size)
{
	unsigned i;

	for (i = off; i < off + size; i++)
		if (d->cap_used[i / 8] & (1u << (i % 8)))
			return false;
	return true;
}

int pci_add_capability(struct pci_device *d, uint8_t id, uint8_t offset, uint8_t size)
{
	unsigned off = offset, i, last, walk;

	if (size < 2)
		return -EINVAL;
	if (!off) {
		for (off = PCI_CONFIG_HEADER_SIZE; off + size <= PCI_CFG_SIZE; off += 4)
			if (cap_range_free(d, off, size))
				break;
		if (off + size > PCI_CFG_SIZE)
			return -ENOSPC;
	} else {
		if (off < PCI_CONFIG_HEADER_SIZE || (off & 3) || off + size > PCI_CFG_SIZE)
			return -EINVAL;
		if (!cap_range_free(d, off, size))
			return -EEXIST;
	}
	for (i = off; i < off + size; i++)
		d->cap_used[i / 8] |= 1u << (i % 8);
	d->cfg[off] = id;
	d->cfg[off + 1] = 0;
	last = d->cfg[PCI_CAPABILITY_LIST] & ~3u;
	if (!last) {
		d->cfg[PCI_CAPABILITY_LIST] = (uint8_t)off;
	} else {
		for (walk = 0; d->cfg[last + 1] && walk < PCI_CAP_MAX_WALK; walk++)
			last = d->cfg[last + 1] & ~3u;
		d->cfg[last + 1] = (uint8_t)off;
	}
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	return (int)off;
}

uint8_t pci_find_capability(const struct pci_device *d, uint8_t id)
{
	unsigned p = d->cfg[PCI_CAPABILITY_LIST] & ~3u, walk;

	if (!(d->cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return 0;
	for (walk = 0; p >= PCI_CONFIG_HEADER_SIZE && walk < PCI_CAP_MAX_WALK; walk++) {
		if (d->cfg[p] == id)
			return (uint8_t)p;
		p = d->cfg[p + 1] & ~3u;
	}
	return 0;
}
