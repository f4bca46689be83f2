/*
 * PCI: one bus behind a host bridge with configuration mechanism #1.
 *
 * Contract
 * - Config mechanism #1: a DWORD write to CONFIG_ADDRESS (0xCF8) latches
 *   enable (bit 31), bus (23:16), device (15:11), function (10:8) and
 *   register (7:2); a DWORD read returns it. CONFIG_DATA (0xCFC-0xCFF)
 *   reaches register + (port & 3) with any width that stays inside the
 *   DWORD. Enable clear, a bus other than 0 or an absent function: reads
 *   are all ones, writes are dropped. Other accesses to 0xCF8-0xCFB are not
 *   the address register: byte 0xCF9 goes to whoever claimed it with
 *   pci_bus_claim_cf9() (the PIIX3 reset control register), the rest reads
 *   all ones and is logged. pci_host_ops covers 0xCF8-0xCFF (8 ports).
 * - struct pci_device is the base of every PCI function (it embeds struct
 *   device first, so a PCI device type's instance starts with it). Its 256
 *   bytes of config space have a write mask and a write-1-to-clear mask per
 *   byte. The header's writable bits are set up by pci_device_init();
 *   device-specific bytes (>= 0x40) are read-only until the device sets
 *   wmask[] for them. Config writes go through ops->config_write when set
 *   (which normally ends in pci_default_config_write()), reads through
 *   ops->config_read when set.
 * - BARs: pci_register_bar() with a power-of-two size (I/O 4..256 bytes,
 *   memory >= 16). Writing all ones reads back the size mask with the type
 *   bits. The region is on the board's pio/mmio bus exactly while the
 *   command register enables its space and its address is neither 0 nor
 *   (with the size) past the top of its space (I/O: 0xffff; 32-bit memory:
 *   below 4 GiB; all-ones never); a BAR that would overlap another region
 *   stays unmapped (logged).
 * - INTx: pci_set_irq() drives the pin in cfg[PCI_INTERRUPT_PIN]; the bus
 *   maps (devfn, pin) to one of its irq outputs through map_irq (the PIIX
 *   swizzle for the i440fx: PIRQ (slot + pin - 1) & 3) and ORs the devices
 *   sharing it. Command bit INTX_DISABLE masks it; status bit 3 follows it.
 * - Where a function lives: the "devfn" property (PCI_DEVFN_AUTO: the
 *   lowest free slot, function 0). The bus is the one of the nearest
 *   ancestor node that is a PCI host, or, for a -device (no parent node),
 *   the board's first PCI host. Function 0 gets the multi-function header
 *   bit when other functions of its slot exist.
 * - pci_device_exit() (from unrealize, or a realize that fails after
 *   pci_device_init()) unmaps the BARs and leaves the bus. A host's exit
 *   detaches its functions first, so their later exit is a no-op.
 * - Callers hold the board lock.
 */
#ifndef BOARD_PCI_H
#define BOARD_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/device.h"
#include "board/error.h"

#define PCI_CFG_SIZE		256
#define PCI_NUM_BARS		6
#define PCI_DEVFN_MAX		256
#define PCI_DEVFN_AUTO		0x100u
#define PCI_DEVFN(slot, fn)	((((slot) & 0x1f) << 3) | ((fn) & 7))
#define PCI_SLOT(devfn)		(((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)		((devfn) & 7)

/* config mechanism #1 */
#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc
#define PCI_HOST_IOSIZE		8
#define PCI_CONFIG_ENABLE	0x80000000u
#define PCI_RESET_CONTROL	0xcf9

/* type 0 header */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CLASS_DEVICE	0x0a
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_LATENCY_TIMER	0x0d
#define PCI_HEADER_TYPE		0x0e
#define PCI_BIST		0x0f
#define PCI_BASE_ADDRESS_0	0x10
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_ROM_ADDRESS		0x30
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d
#define PCI_MIN_GNT		0x3e
#define PCI_MAX_LAT		0x3f
#define PCI_CONFIG_HEADER_SIZE	0x40

#define PCI_COMMAND_IO		0x0001
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_COMMAND_MASTER	0x04
#define PCI_COMMAND_PARITY	0x0040
#define PCI_COMMAND_SERR	0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400

#define PCI_STATUS_INTERRUPT	0x0008
#define PCI_STATUS_CAP_LIST	0x0010
#define PCI_STATUS_FAST_BACK	0x0080
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
#define PCI_STATUS_W1C		0xf900	/* parity, aborts, SERR, detected parity */

#define PCI_HEADER_TYPE_MULTI	0x80

#define PCI_BAR_SPACE_IO	0x01
#define PCI_BAR_MEM_TYPE_64	0x04
#define PCI_BAR_MEM_PREFETCH	0x08
#define PCI_BAR_IO_MASK		(~0x3ull)
#define PCI_BAR_MEM_MASK	(~0xfull)
#define PCI_BAR_UNMAPPED	(~0ull)

/* pci_register_bar() kinds */
enum pci_bar_kind {
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,
};
#define PCI_BAR_PREFETCH	(1u << 4)	/* or-ed into the kind for memory BARs */

#define PCI_BUS_MAX_IRQS	4

struct board;
struct pci_bus;
struct pci_device;

struct pci_bar {
	uint64_t size;			/* 0: BAR not implemented */
	uint8_t type;			/* low bits as in the register */
	bool is_io, is64;
	const struct bus_ops *ops;
	void *opaque;
	uint64_t addr;			/* where it is mapped; PCI_BAR_UNMAPPED */
	struct pci_device *dev;
};

struct pci_device_ops {
	uint32_t (*config_read)(struct pci_device *d, unsigned off, unsigned size);
	void (*config_write)(struct pci_device *d, unsigned off, uint32_t val, unsigned size);
};

struct pci_device {
	struct device dev;		/* first */
	uint32_t devfn_prop;		/* property "devfn" */
	struct pci_bus *bus;		/* NULL when not on a bus */
	uint8_t devfn;
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];
	uint8_t w1cmask[PCI_CFG_SIZE];
	uint8_t cap_used[PCI_CFG_SIZE / 8];	/* bytes owned by capabilities */
	struct pci_bar bar[PCI_NUM_BARS];
	const struct pci_device_ops *ops;
	void *ops_opaque;
	int intx_level;			/* what the device drives */
	bool intx_asserted;		/* what reaches the bus (level && !INTX_DISABLE) */
};

/* The "devfn" property every PCI device type lists. */
#define PCI_DEVICE_PROP_DEVFN(type, member) \
	{ .name = "devfn", .kind = PROP_U32, .offset = offsetof(type, member.devfn_prop), \
	  .def = PCI_DEVFN_AUTO, .desc = "slot << 3 | function (default: next free slot)" }

struct pci_bus {
	struct board *board;
	struct pci_device *dev[PCI_DEVFN_MAX];
	uint32_t config_address;
	/* (devfn, pin 0..3 = INTA..INTD) -> irq output, < 0: not connected */
	int (*map_irq)(void *opaque, unsigned devfn, unsigned pin);
	void (*set_irq)(void *opaque, unsigned irq, int level);
	void *irq_opaque;
	unsigned irq_count[PCI_BUS_MAX_IRQS];	/* asserted devices per output */
	const struct bus_ops *cf9_ops;
	void *cf9_opaque;
};

/* A PCI host device: a device type whose instance starts with this. */
struct pci_host {
	struct device dev;
	struct pci_bus bus;
};

struct pci_ids {
	uint16_t vendor, device;
	uint8_t revision;
	uint32_t class_code;		/* base << 16 | sub << 8 | prog-if */
	uint8_t header_type;		/* 0 (the multi-function bit is managed) */
	uint8_t intx_pin;		/* 0 none, 1..4 = INTA..INTD */
	uint16_t subsys_vendor, subsys_id;
	uint16_t status;		/* read-only status bits (e.g. DEVSEL medium) */
};

/* ---- bus and host ---- */
void pci_bus_init(struct pci_bus *bus, struct board *b);
/* Teardown: detach every function (BARs unmapped); the irq outputs are
 * left alone, as what they drive may be gone already. */
void pci_bus_exit(struct pci_bus *bus);
/* The PIIX swizzle: PIRQ (slot + pin - 1) & 3. */
int pci_swizzle_map_irq(void *opaque, unsigned devfn, unsigned pin);
/* 0xCF9 byte accesses through the host's ports; -EBUSY if already claimed. */
int pci_bus_claim_cf9(struct pci_bus *bus, const struct bus_ops *ops, void *opaque);
extern const struct bus_ops pci_host_ops;	/* opaque: struct pci_bus, 8 ports at 0xCF8 */
/* Config access by address (what CONFIG_DATA does with the latched address). */
uint32_t pci_bus_config_read(struct pci_bus *bus, unsigned devfn, unsigned off, unsigned size);
void pci_bus_config_write(struct pci_bus *bus, unsigned devfn, unsigned off, uint32_t val,
			  unsigned size);
struct pci_device *pci_bus_device(struct pci_bus *bus, unsigned devfn);
/* Is this device type a PCI host (its instance starts with struct pci_host)? */
bool pci_is_host(const struct device *dev);
/* The bus a device belongs to (see "Where a function lives"); NULL if none. */
struct pci_bus *pci_bus_of(struct device *dev);

/* ---- functions ---- */
/* Find the bus, take the devfn, write the header. Errors name the node. */
int pci_device_init(struct pci_device *d, struct board *b, const struct pci_ids *ids,
		    struct board_err *err);
void pci_device_exit(struct pci_device *d);
/* Header back to its reset state: command 0, status errors clear, BARs 0
 * (unmapped), cache line/latency/interrupt line 0, INTx low. */
void pci_device_reset(struct pci_device *d);

int pci_register_bar(struct pci_device *d, unsigned idx, unsigned kind, uint64_t size,
		     const struct bus_ops *ops, void *opaque);
/* BAR idx's mapped address or PCI_BAR_UNMAPPED. */
uint64_t pci_bar_address(const struct pci_device *d, unsigned idx);

uint32_t pci_default_config_read(struct pci_device *d, unsigned off, unsigned size);
void pci_default_config_write(struct pci_device *d, unsigned off, uint32_t val, unsigned size);
/* Re-evaluate BAR decoding after cfg[] changed behind the write path. */
void pci_update_mappings(struct pci_device *d);

void pci_set_irq(struct pci_device *d, int level);

/* Capability at offset (0: the first free dword >= 0x40) of size bytes,
 * linked at the end of the list. Returns the offset, or -ENOSPC/-EINVAL/-EEXIST. */
int pci_add_capability(struct pci_device *d, uint8_t id, uint8_t offset, uint8_t size);
/* Offset of the first capability with this id, 0 if none. */
uint8_t pci_find_capability(const struct pci_device *d, uint8_t id);

/* little-endian config helpers */
static inline uint16_t pci_get_word(const uint8_t *p) { return p[0] | (uint16_t)p[1] << 8; }
static inline uint32_t pci_get_long(const uint8_t *p)
{
	return pci_get_word(p) | (uint32_t)pci_get_word(p + 2) << 16;
}
static inline void pci_set_word(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static inline void pci_set_long(uint8_t *p, uint32_t v) { pci_set_word(p, v); pci_set_word(p + 2, v >> 16); }

#endif
