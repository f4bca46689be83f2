/*
 * PCI: chipset setup (PM I/O base, PIRQ routing, ELCR, q35 MMCONFIG/RCBA),
 * enumeration behind bridges, and BAR assignment through logic/pcialloc.c.
 * Configuration mechanism #1 (0xCF8/0xCFC) only.
 */
#include "firmware/fw.h"

#define PCI_CFG_ADDR		0xcf8
#define PCI_CFG_DATA		0xcfc

#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_CMD_IO		0x01
#define PCI_CMD_MEM		0x02
#define PCI_CMD_MASTER		0x04
#define PCI_CLASS_DEVICE	0x0a
#define PCI_HEADER_TYPE		0x0e
#define PCI_HDR_MULTI		0x80
#define PCI_HDR_BRIDGE		0x01
#define PCI_BAR0		0x10
#define PCI_BAR_IO		0x01
#define PCI_BAR_MEM64		0x04
#define PCI_BAR_PREF		0x08
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d
/* type 1 (bridge) header */
#define PCI_PRIMARY_BUS		0x18
#define PCI_SECONDARY_BUS	0x19
#define PCI_SUBORDINATE_BUS	0x1a
#define PCI_IO_BASE		0x1c
#define PCI_IO_LIMIT		0x1d
#define PCI_MEM_BASE		0x20
#define PCI_MEM_LIMIT		0x22
#define PCI_PREF_BASE		0x24
#define PCI_PREF_LIMIT		0x26
#define PCI_PREF_BASE_UPPER	0x28
#define PCI_PREF_LIMIT_UPPER	0x2c
#define PCI_IO_BASE_UPPER	0x30
#define PCI_IO_LIMIT_UPPER	0x32
#define PCI_BRIDGE_CONTROL	0x3e

#define PCI_ID_I440FX		0x12378086
#define PCI_ID_Q35_MCH		0x29c08086
#define PCI_ID_PIIX3_ISA	0x70008086
#define PCI_ID_PIIX4_PM		0x71138086
#define PCI_ID_ICH9_LPC		0x29188086

#define BDF(b, d, f)		((u16)((b) << 8 | (d) << 3 | (f)))

/* PIIX3/ICH9 */
#define PIIX_PIRQ_ROUTE		0x60
#define ICH9_PIRQE_ROUTE	0x68
#define PIIX4_PMBASE		0x40
#define PIIX4_PMREGMISC		0x80
#define PIIX4_SMBBASE		0x90
#define PIIX4_SMBHSTCFG		0xd2
#define ICH9_PMBASE		0x40
#define ICH9_ACPI_CNTL		0x44
#define ICH9_ACPI_EN		0x80
#define ICH9_RCBA		0xf0
#define ICH9_RCBA_ADDR		0xfed1c000
#define Q35_PCIEXBAR		0x60
#define Q35_MMCONFIG_BASE	0xb0000000
#define Q35_MMCONFIG_SIZE	0x10000000
#define PM_IO_BASE		0x600
#define SMBUS_IO_BASE		0x700
#define ELCR1			0x4d0
#define ELCR2			0x4d1

#define PCI_IO_START		0xc000
#define PCI_IO_END		0x10000
#define PCI_MEM_END		0xfec00000
#define PCI_MEM64_SIZE		(32ULL << 30)

#define MAX_RES			256
#define MAX_NODES		64
#define MAX_FNS			256

enum fw_board fw_board;

/* PIRQ A-D (and E-H on ICH9) go to these ISA IRQs, all level triggered */
#define PIRQ_IRQ_AB		10
#define PIRQ_IRQ_CD		11
static const u8 pirq_irq[8] = { PIRQ_IRQ_AB, PIRQ_IRQ_AB, PIRQ_IRQ_CD, PIRQ_IRQ_CD,
				PIRQ_IRQ_AB, PIRQ_IRQ_AB, PIRQ_IRQ_CD, PIRQ_IRQ_CD };

static inline __attribute__((always_inline)) void cfg_addr(u16 bdf, u8 reg)
{
	outl(PCI_CFG_ADDR, 0x80000000u | (u32)bdf << 8 | (reg & 0xfc));
}

static inline __attribute__((always_inline)) u32 cfg_read32(u16 bdf, u8 reg)
{
	cfg_addr(bdf, reg);
	return inl(PCI_CFG_DATA);
}

static inline __attribute__((always_inline)) void cfg_write32(u16 bdf, u8 reg, u32 v)
{
	cfg_addr(bdf, reg);
	outl(PCI_CFG_DATA, v);
}

u32 pci_cfg_read32(u16 bdf, u8 reg) { return cfg_read32(bdf, reg); }
u16 pci_cfg_read16(u16 bdf, u8 reg) { cfg_addr(bdf, reg); return inw(PCI_CFG_DATA + (reg & 2)); }
u8 pci_cfg_read8(u16 bdf, u8 reg) { cfg_addr(bdf, reg); return inb(PCI_CFG_DATA + (reg & 3)); }
void pci_cfg_write32(u16 bdf, u8 reg, u32 v) { cfg_write32(bdf, reg, v); }
void pci_cfg_write16(u16 bdf, u8 reg, u16 v) { cfg_addr(bdf, reg); outw(PCI_CFG_DATA + (reg & 2), v); }
void pci_cfg_write8(u16 bdf, u8 reg, u8 v) { cfg_addr(bdf, reg); outb(PCI_CFG_DATA + (reg & 3), v); }

enum fw_board pci_detect_board(void)
{
	u32 id = cfg_read32(0, PCI_VENDOR_ID);

	/* compares, not branches */
	return (enum fw_board)((id == PCI_ID_I440FX) * BOARD_I440FX +
			       (id == PCI_ID_Q35_MCH) * BOARD_Q35);
}

static void elcr_set_level(void)
{
	/* the PIRQ lines' IRQs and the ACPI SCI (9) */
	u16 mask = 1u << PIRQ_IRQ_AB | 1u << PIRQ_IRQ_CD | 1u << 9;

	outb(ELCR1, (u8)mask);
	outb(ELCR2, (u8)(mask >> 8));
}

static inline void piix3_route_pirqs(u16 isa)
{
	cfg_write32(isa, PIIX_PIRQ_ROUTE, get_le32(pirq_irq));	/* PIRQA-D at once */
}

static inline void piix4_pm_setup(u16 pm)
{
	pci_cfg_write32(pm, PIIX4_PMBASE, PM_IO_BASE | 1);
	pci_cfg_write8(pm, PIIX4_PMREGMISC, 0x01);
	pci_cfg_write32(pm, PIIX4_SMBBASE, SMBUS_IO_BASE | 1);
	pci_cfg_write8(pm, PIIX4_SMBHSTCFG, 0x09);
}

static void chipset_i440fx(void)
{
	u16 isa = BDF(0, 1, 0), pm = BDF(0, 1, 3);
	u32 isa_ok = cfg_read32(isa, PCI_VENDOR_ID) == PCI_ID_PIIX3_ISA;
	u32 pm_ok = cfg_read32(pm, PCI_VENDOR_ID) == PCI_ID_PIIX4_PM;
	/* both there (QEMU's pc unless acpi=off): one branch rather than two */
	u32 both = isa_ok & pm_ok;

	OPAQUE(both);
	if (__builtin_expect(both, 1)) {
		piix3_route_pirqs(isa);
		piix4_pm_setup(pm);
		return;
	}
	if (isa_ok)
		piix3_route_pirqs(isa);
	if (pm_ok)
		piix4_pm_setup(pm);
}

static void chipset_q35(void)
{
	u16 lpc = BDF(0, 0x1f, 0);

	/* MMCONFIG at 0xB0000000, 256 buses; QEMU's MCFG and PCI hole follow it */
	pci_cfg_write32(0, Q35_PCIEXBAR + 4, 0);
	pci_cfg_write32(0, Q35_PCIEXBAR, Q35_MMCONFIG_BASE | 1);
	/* reserved in e820 too, or Linux distrusts it until ACPI is up */
	e820_insert(&fw_e820, Q35_MMCONFIG_BASE, Q35_MMCONFIG_SIZE, E820_RESERVED);
	if (pci_cfg_read32(lpc, PCI_VENDOR_ID) != PCI_ID_ICH9_LPC)
		return;
	cfg_write32(lpc, PIIX_PIRQ_ROUTE, get_le32(pirq_irq));
	cfg_write32(lpc, ICH9_PIRQE_ROUTE, get_le32(pirq_irq + 4));
	pci_cfg_write32(lpc, ICH9_PMBASE, PM_IO_BASE | 1);
	pci_cfg_write8(lpc, ICH9_ACPI_CNTL, ICH9_ACPI_EN);
	pci_cfg_write32(lpc, ICH9_RCBA, ICH9_RCBA_ADDR | 1);
}

/* ---- enumeration ---------------------------------------------------------- */
/*
 * Under a JIT (QEMU TCG) the time goes to translating each distinct basic
 * block once, so the common boot (a few functions on bus 0, 32-bit BARs)
 * runs straight through: conditions that need no I/O of their own are
 * folded into selects and masks, and bridges, 64-bit BARs, windows and
 * failures are out of line. Branches are kept where they decide whether a
 * config access happens at all.
 */
struct bridge {
	bool has_io, has_pref;
};

/* one spare entry each: a resource is filled in, then counted or not */
static struct pci_res res[MAX_RES + 1] __noinit;
static u8 res_fn[MAX_RES + 1] __noinit;	/* the function a BAR resource belongs to */
static struct pci_node nodes[MAX_NODES];
static struct bridge bridges[MAX_NODES];
static u32 nr_res, nr_nodes;
static u8 max_bus;
/* per bus: the bus-0 slot its interrupts reach, and the swizzle added on the way */
static u8 bus_root_slot[256], bus_swizzle[256];

struct pci_fn {
	u16 bdf;
	u16 cmd;		/* command register as left by the scan, decoding off */
	u16 on;			/* decoding (and mastering) to turn on at the end */
};
static struct pci_fn fns[MAX_FNS] __noinit;
static u32 nr_fns;

static struct pci_res *new_res(s32 node, u8 kind, u32 tag)
{
	struct pci_res *r;

	if (nr_res == MAX_RES)
		return NULL;
	r = &res[nr_res++];
	*r = (struct pci_res){ .node = node, .window = -1, .kind = kind, .tag = tag };
	return r;
}

static void scan_bus(u8 bus, s32 node);

/* Out of line: QEMU's default machines have no bridge. */
static __attribute__((noinline)) void add_bridge(u16 bdf, u8 bus, s32 parent)
{
	s32 node;
	u32 v;
	u8 slot = (bdf >> 3) & 0x1f;

	if (nr_nodes == MAX_NODES || max_bus == 0xff)
		return;
	node = (s32)nr_nodes++;
	nodes[node].parent = parent;

	/* which windows exist: a writable base register */
	pci_cfg_write8(bdf, PCI_IO_BASE, 0xf0);
	bridges[node].has_io = pci_cfg_read8(bdf, PCI_IO_BASE) != 0;
	pci_cfg_write16(bdf, PCI_PREF_BASE, 0xfff0);
	v = pci_cfg_read16(bdf, PCI_PREF_BASE);
	bridges[node].has_pref = v != 0;
	nodes[node].pref64 = (v & 0xf) == 1;

	for (u8 k = 0; k < PCI_RES_KINDS; k++) {
		struct pci_res *w;

		if ((k == PCI_RES_IO && !bridges[node].has_io) ||
		    (k == PCI_RES_PREF && !bridges[node].has_pref))
			continue;
		w = new_res(parent, k, (u32)bdf << 8);
		if (w)
			w->window = node;
	}

	max_bus++;
	/* a pin's swizzle: + the slot of every bridge on the way up but the one on bus 0 */
	bus_root_slot[max_bus] = bus ? bus_root_slot[bus] : slot;
	bus_swizzle[max_bus] = bus ? (u8)(bus_swizzle[bus] + slot) : 0;
	pci_cfg_write8(bdf, PCI_PRIMARY_BUS, bus);
	pci_cfg_write8(bdf, PCI_SECONDARY_BUS, max_bus);
	pci_cfg_write8(bdf, PCI_SUBORDINATE_BUS, 0xff);
	scan_bus(max_bus, node);
	pci_cfg_write8(bdf, PCI_SUBORDINATE_BUS, max_bus);
}

/*
 * A 64-bit BAR at config address 'addr', its lower half's size mask read:
 * size its upper half, fill in r's size (~(hi:mask) + 1). True when it has
 * a size. Out of line: QEMU's default machines have none.
 */
static __attribute__((noinline)) bool size_bar64(struct pci_res *r, u32 addr, u32 mask)
{
	u32 hi;

	outl(PCI_CFG_ADDR, addr + 4);
	outl(PCI_CFG_DATA, 0xffffffff);
	hi = inl(PCI_CFG_DATA);
	outl(PCI_CFG_DATA, 0);
	r->size = r->align = ~((u64)hi << 32 | mask) + 1;
	r->is64 = true;
	return (mask | hi) != 0;
}

/*
 * Size the BARs of function f (decoding already off): 'addr' is its config
 * address. A BAR that reads back 0 after all ones is not there and is left
 * as it was; one that is there goes to 0 until program() writes its address.
 * Flags become masks rather than ?: so that the compiler emits no branch for
 * them. addr and failed are left to pci_alloc_run(), which clears them.
 */
static inline __attribute__((always_inline)) void size_bars(u32 f, u32 addr, u32 nbar, s32 node,
							  u32 pref_ok)
{
	u32 n = nr_res;

	/* the address register keeps its value: set once per BAR, not once per access */
	for (u32 a = addr | PCI_BAR0, end = a + 4 * nbar; a < end; a += 4) {
		JIT_LOOP_TOP();		/* the first pass would translate the top twice */
		u32 lo, this = a, take;

		outl(PCI_CFG_ADDR, a);
		outl(PCI_CFG_DATA, 0xffffffff);
		lo = inl(PCI_CFG_DATA);
		if (!lo)
			continue;
		outl(PCI_CFG_DATA, 0);
		/* filled in the spare slot when the table is full or the BAR has no size */
		struct pci_res *r = &res[n];
		u32 io = -(lo & PCI_BAR_IO);
		/* an I/O BAR decodes 16 bits: its upper bits count as set */
		u32 mask = (lo & ~(3u | (0xcu & ~io))) | (0xffff0000u & io);

		if (__builtin_expect((lo & 7) == PCI_BAR_MEM64, 0)) {
			take = size_bar64(r, a, mask);
			a += 4;
		} else {
			/* its upper half reads as all ones: the size is -mask (when not 0) */
			r->size = r->align = -mask;
			r->is64 = false;
			take = mask != 0;
		}
		r->kind = (u8)((PCI_RES_MEM + ((lo >> 3) & pref_ok)) & ~io);
		r->node = node;
		r->window = -1;
		r->tag = this & 0xffffff;
		res_fn[n] = (u8)f;
		n += take & (n < MAX_RES);
	}
	nr_res = n;
}

/*
 * Enumerate a bus: one loop over its functions, function 0 of each slot and
 * functions 1-7 where function 0 is multi-function, each sized as found.
 */
static void scan_bus(u8 bus, s32 node)
{
	u32 addr = 0x80000000u | (u32)bus << 16, end = addr + 0x10000;
	/* behind a bridge without a prefetchable window, PREF goes in with MEM */
	u32 pref_ok = (node <= 0) | bridges[node].has_pref;

	do {
		/* on from a function 1-7, or from a multi-function device's 0, to the next function */
		u32 next_fn = addr & 0x700;

		outl(PCI_CFG_ADDR, addr);
		if (inw(PCI_CFG_DATA) == 0xffff)
			goto next;
		outl(PCI_CFG_ADDR, addr | (PCI_HEADER_TYPE & 0xfc));
		u32 hdr = (u8)(inl(PCI_CFG_DATA) >> 16), type = hdr & 0x7f;

		if (nr_fns < MAX_FNS) {
			u32 f = nr_fns++, class, cmd;

			outl(PCI_CFG_ADDR, addr | (PCI_CLASS_DEVICE - 2));
			class = inl(PCI_CFG_DATA) >> 24;
			/* command last: its address stays set for the write */
			outl(PCI_CFG_ADDR, addr | PCI_COMMAND);
			cmd = inl(PCI_CFG_DATA) & 0xffff;
			/* host and ISA bridges on bus 0 decode fixed ranges: kept on */
			u32 legacy = (class == 0x06) & (bus == 0);

			fns[f].bdf = (u16)(addr >> 8);
			fns[f].cmd = (u16)(cmd & ~(u32)(PCI_CMD_IO | PCI_CMD_MEM));
			/* a bridge forwards whatever is behind it: everything on */
			fns[f].on = (u16)((-legacy & (PCI_CMD_IO | PCI_CMD_MEM)) |
					  (-(u32)(type == PCI_HDR_BRIDGE) &
					   (PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER)));
			/* decoding off while its BARs are sized and moved */
			if (cmd & (PCI_CMD_IO | PCI_CMD_MEM))
				outl(PCI_CFG_DATA, cmd & ~(u32)(PCI_CMD_IO | PCI_CMD_MEM));
			/* 6 BARs for type 0, 2 for a bridge, none otherwise: no compare to branch on */
			size_bars(f, addr, (6 - 4 * type) & -(u32)(type < 2), node, pref_ok);
		}
		if (__builtin_expect(type == PCI_HDR_BRIDGE, 0))
			add_bridge((u16)(addr >> 8), bus, node);
		next_fn |= hdr & PCI_HDR_MULTI;
next:
		/* else the next slot */
		addr += 0x800 >> (3 * !!next_fn);
	} while (addr != end);
}

/* A bridge window: base and limit, or closed when empty or unplaced. */
static void program_window(const struct pci_res *r, u16 bdf)
{
	u64 base = r->addr, limit = r->addr + r->size - 1;

	if (!r->size || r->failed)
		base = 0xfff00000, limit = 0;	/* closed */
	if (r->kind == PCI_RES_IO) {
		if (!r->size || r->failed)
			base = 0xf000, limit = 0;
		pci_cfg_write8(bdf, PCI_IO_BASE, (u8)(base >> 8 & 0xf0));
		pci_cfg_write8(bdf, PCI_IO_LIMIT, (u8)(limit >> 8 & 0xf0));
		pci_cfg_write16(bdf, PCI_IO_BASE_UPPER, 0);
		pci_cfg_write16(bdf, PCI_IO_LIMIT_UPPER, 0);
	} else if (r->kind == PCI_RES_MEM) {
		pci_cfg_write16(bdf, PCI_MEM_BASE, (u16)(base >> 16 & 0xfff0));
		pci_cfg_write16(bdf, PCI_MEM_LIMIT, (u16)(limit >> 16 & 0xfff0));
	} else {
		pci_cfg_write16(bdf, PCI_PREF_BASE, (u16)(base >> 16 & 0xfff0));
		pci_cfg_write16(bdf, PCI_PREF_LIMIT, (u16)(limit >> 16 & 0xfff0));
		pci_cfg_write32(bdf, PCI_PREF_BASE_UPPER, (u32)(base >> 32));
		pci_cfg_write32(bdf, PCI_PREF_LIMIT_UPPER, (u32)(limit >> 32));
	}
}

/* a failure's line: at once, or from log_bars() when the BARs are logged too */
static __attribute__((noinline, cold)) void log_fail(const struct pci_res *r)
{
	u16 bdf = (u16)(r->tag >> 8);

	log_error("pci %02x:%02x.%x BAR %x: no room for %x bytes\n", bdf >> 8,
		  (bdf >> 3) & 0x1f, bdf & 7, (u8)r->tag, (u32)r->size);
}

/*
 * What program() does off the common path: a window, a failure, the upper
 * half of a 64-bit BAR. True when the resource is done with.
 */
static __attribute__((noinline)) bool program_rare(const struct pci_res *r)
{
	u16 bdf = (u16)(r->tag >> 8);
	u8 reg = (u8)r->tag;

	if (r->window >= 0) {
		program_window(r, bdf);
		return true;
	}
	if (r->failed) {
		if (!log_verbose())	/* else log_bars() says it, in its place */
			log_fail(r);
		return true;
	}
	/* a 64-bit BAR: its upper half first (decoding is off until enable_all) */
	cfg_write32(bdf, reg + 4, (u32)(r->addr >> 32));
	return false;
}

static __attribute__((noinline)) void log_bar(const struct pci_res *r)
{
	u16 bdf = (u16)(r->tag >> 8);

	log_detail("pci %02x:%02x.%x BAR %x = %llx (%llx)\n", bdf >> 8, (bdf >> 3) & 0x1f,
		   bdf & 7, r->tag & 0xff, r->addr, r->size);
}

/* Bridge windows, BARs (and the decoding they need), and any failure. */
static void program(void)
{
	for (u32 i = 0; i < nr_res; i++) {
		JIT_LOOP_TOP();		/* the first pass would translate the top twice */
		const struct pci_res *r = &res[i];
		/* windows, failures and 64-bit BARs off the common path: one branch for all */
		u32 slow = (u32)(r->window >= 0) | r->failed | r->is64;

		OPAQUE(slow);
		if (__builtin_expect(slow, 0) && program_rare(r))
			continue;
		outl(PCI_CFG_ADDR, 0x80000000u | r->tag);
		outl(PCI_CFG_DATA, (u32)r->addr);
		/* size 0 needs no decoding; I/O is bit 0, memory bit 1 */
		fns[res_fn[i]].on |= (u16)((((u32)r->size | (u32)(r->size >> 32)) != 0)
					  << (r->kind != PCI_RES_IO));
	}
}

/*
 * The verbose log's BAR lines, after program() (a loop of their own, so
 * that program()'s carries no test for them: under a JIT each is a block),
 * with the failures in their places, as program() interleaved them.
 */
static __attribute__((noinline, cold)) void log_bars(void)
{
	for (u32 i = 0; i < nr_res; i++) {
		const struct pci_res *r = &res[i];

		if (r->window >= 0)
			continue;
		if (r->failed)
			log_fail(r);
		else
			log_bar(r);
	}
}

/*
 * q35's PIRQ for pin p (0-3) of a function at bus/slot: the root slot (its
 * own on bus 0, else its bus-0 bridge's) below 25 to PIRQ E-H by slot and
 * swizzled pin, the rest to A-D by swizzled pin. Out of line: i440fx, the
 * default machine, needs one sum (below).
 */
static __attribute__((noinline)) u32 q35_pirq(u32 bus, u32 slot, u32 p)
{
	u32 on_bus0 = -(u32)(bus == 0);

	/* on bus 0 the device's own slot, elsewhere its bus-0 bridge's (masks, not ?:) */
	p += (slot & ~on_bus0) + bus_swizzle[bus];
	slot = (slot & on_bus0) | (bus_root_slot[bus] & ~on_bus0);
	u32 low = slot < 25;

	return ((p + (slot & -low)) & 3) + 4 * low;
}

/*
 * Decoding for what program() placed, and the interrupt line from the pin
 * (swizzled up to bus 0, then the PIRQ router). pci_setup() runs this on
 * i440fx and q35 only, so there is always a router. The routing is computed
 * only behind the pin test.
 */
static void enable_all(void)
{
	const struct pci_fn *fn = fns, *end = fns + nr_fns;

	/* no test before the first: the host bridge pci_detect_board saw at 00.0 is there */
	do {
		JIT_LOOP_TOP();		/* the first pass would translate the top twice */
		u32 addr = 0x80000000u | (u32)fn->bdf << 8, pin;

		/*
		 * The command first, unconditional (a function with nothing to turn
		 * on gets its own value back), then the line: after the pin's test
		 * only the loop's end follows, which is all that the two paths
		 * joining there translate twice.
		 */
		outl(PCI_CFG_ADDR, addr | PCI_COMMAND);
		outw(PCI_CFG_DATA, fn->cmd | fn->on);
		outl(PCI_CFG_ADDR, addr | PCI_INTERRUPT_LINE);
		pin = (inl(PCI_CFG_DATA) >> 8) & 0xff;
		if (pin - 1 < 4) {
			u32 bus = (addr >> 16) & 0xff, slot = (addr >> 11) & 0x1f;
			/*
			 * i440fx: PIRQ (root slot - 1 + swizzled pin) & 3. On bus 0 the
			 * root slot is the function's own and the swizzle 0; behind a
			 * bridge, its own slot is part of the swizzle, and bus 0's
			 * entries of both tables are 0: one sum serves both.
			 */
			u32 idx = (pin - 2 + slot + bus_swizzle[bus] + bus_root_slot[bus]) & 3;

			if (__builtin_expect(fw_board == BOARD_Q35, 0))
				idx = q35_pirq(bus, slot, pin - 1);
			/* the address register still points at the line */
			outb(PCI_CFG_DATA, pirq_irq[idx]);
		}
	} while (++fn < end);
}

/*
 * Place everything below 4 GiB first; only when something does not fit is
 * the 64-bit range (above RAM) worked out and the assignment run again with
 * it: pci_alloc_run() starts afresh each time, so the result is the one a
 * single run with the range gives, and the common boot skips the e820 walk.
 */
static int alloc(void)
{
	/* static, so zero where not set: the 64-bit range, the upper halves */
	static struct pci_alloc a;
	/*
	 * The 32-bit hole from RAM's top rounded up to 256 MiB, 0xC0000000 at
	 * the lowest: worked out in u32 (the 256 MiB count, 12 to 16), as u64
	 * arithmetic is several instructions a step on i686.
	 */
	u32 top = mem_low_ram_top(), units;
	int failed;

	top = top > 0xc0000000u ? top : 0xc0000000u;
	units = ((top - 1) >> 28) + 1;

	a.res = res;
	a.nr_res = nr_res;
	a.node = nodes;
	a.nr_node = nr_nodes;
	a.io_base = PCI_IO_START;
	a.io_end = PCI_IO_END;
	a.mem_base = (u64)units << 28;
	a.mem_end = PCI_MEM_END;
	failed = pci_alloc_run(&a);
	if (__builtin_expect(failed != 0, 0)) {
		u64 mem64 = ALIGN_UP(0x100000000ULL + e820_ram_above(&fw_e820, 0x100000000ULL),
				     1ULL << 30);

		a.mem64_base = mem64;
		a.mem64_end = mem64 + PCI_MEM64_SIZE;
		failed = pci_alloc_run(&a);
	}
	return failed;
}

void pci_setup(void)
{
	bool verbose;
	int failed;

	/* i440fx, the default machine, runs straight through */
	if (__builtin_expect(fw_board != BOARD_I440FX, 0)) {
		if (fw_board != BOARD_Q35)
			return;
		chipset_q35();
	} else {
		chipset_i440fx();
	}
	elcr_set_level();
	post(POST_CHIPSET);

	nr_nodes = 1;
	nr_fns = 0;
	nodes[0].parent = -1;
	scan_bus(0, 0);

	failed = alloc();
	verbose = log_verbose();
	program();
	enable_all();
	if (verbose) {
		log_bars();
		log_detail("pci: %u buses, %u resources, %d unplaced\n", nr_nodes, nr_res, failed);
	}
	post(POST_PCI);
}
