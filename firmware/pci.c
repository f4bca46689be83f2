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
	u32 id = pci_cfg_read32(0, PCI_VENDOR_ID);

	if (id == PCI_ID_I440FX)
		return BOARD_I440FX;
	if (id == PCI_ID_Q35_MCH)
		return BOARD_Q35;
	return BOARD_NONE;
}

static void elcr_set_level(void)
{
	/* the PIRQ lines' IRQs and the ACPI SCI (9) */
	u16 mask = 1u << PIRQ_IRQ_AB | 1u << PIRQ_IRQ_CD | 1u << 9;

	outb(ELCR1, (u8)mask);
	outb(ELCR2, (u8)(mask >> 8));
}

static void chipset_i440fx(void)
{
	u16 isa = BDF(0, 1, 0), pm = BDF(0, 1, 3);

	if (pci_cfg_read32(isa, PCI_VENDOR_ID) == PCI_ID_PIIX3_ISA)
		cfg_write32(isa, PIIX_PIRQ_ROUTE, get_le32(pirq_irq));	/* PIRQA-D at once */
	if (pci_cfg_read32(pm, PCI_VENDOR_ID) == PCI_ID_PIIX4_PM) {
		pci_cfg_write32(pm, PIIX4_PMBASE, PM_IO_BASE | 1);
		pci_cfg_write8(pm, PIIX4_PMREGMISC, 0x01);
		pci_cfg_write32(pm, PIIX4_SMBBASE, SMBUS_IO_BASE | 1);
		pci_cfg_write8(pm, PIIX4_SMBHSTCFG, 0x09);
	}
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
struct bridge {
	u16 bdf;
	bool has_io, has_pref;
};

static struct pci_res res[MAX_RES] __noinit;	/* each cleared when taken */
static struct pci_node nodes[MAX_NODES];
static struct bridge bridges[MAX_NODES];
static u32 nr_res, nr_nodes;
static u8 max_bus;
static u16 bus_bridge[256];	/* the bridge whose secondary bus this is */

struct pci_fn {
	u16 bdf;
	u8 hdr;			/* header type */
	u8 cmd;			/* decoding to turn on at the end */
};
static struct pci_fn fns[MAX_FNS] __noinit;
static u8 res_fn[MAX_RES] __noinit;	/* the function a BAR resource belongs to */
static u32 nr_fns;

static struct pci_res *new_res(s32 node, u8 kind, u32 tag)
{
	struct pci_res *r;

	if (nr_res == MAX_RES)
		return NULL;
	r = &res[nr_res++];
	memset(r, 0, sizeof(*r));
	r->node = node;
	r->window = -1;
	r->kind = kind;
	r->tag = tag;
	return r;
}

/*
 * Size BAR i of function f; returns how many BAR slots it takes (2 for
 * 64-bit). A BAR that reads back 0 is not there and is left as it was; one
 * that is there goes to 0 until program() writes its address.
 */
static int size_bar(u32 f, int i, s32 node)
{
	u16 bdf = fns[f].bdf;
	u8 reg = (u8)(PCI_BAR0 + 4 * i);
	u32 lo, hi = 0xffffffff;
	u64 mask;
	bool is64 = false;
	u8 kind;

	cfg_write32(bdf, reg, 0xffffffff);
	lo = cfg_read32(bdf, reg);
	if (!lo)
		return 1;
	cfg_write32(bdf, reg, 0);
	if (lo & PCI_BAR_IO) {
		kind = PCI_RES_IO;
		mask = 0xffff0000u | (lo & ~3u);
		mask |= 0xffffffff00000000ULL;
	} else {
		kind = lo & PCI_BAR_PREF ? PCI_RES_PREF : PCI_RES_MEM;
		if ((lo & 6) == PCI_BAR_MEM64) {
			is64 = true;
			cfg_write32(bdf, reg + 4, 0xffffffff);
			hi = cfg_read32(bdf, reg + 4);
			cfg_write32(bdf, reg + 4, 0);
		}
		mask = (u64)hi << 32 | (lo & ~0xfu);
	}
	if ((u32)mask == 0 && !(is64 && hi))
		return is64 ? 2 : 1;
	if (kind == PCI_RES_PREF && node > 0 && !bridges[node].has_pref)
		kind = PCI_RES_MEM;
	struct pci_res *r = new_res(node, kind, (u32)bdf << 8 | reg);
	if (r) {
		r->size = ~mask + 1;
		r->align = r->size;
		r->is64 = is64;
		res_fn[r - res] = (u8)f;
	}
	return is64 ? 2 : 1;
}

static void scan_bus(u8 bus, s32 node);

static void add_bridge(u16 bdf, u8 bus, s32 parent)
{
	s32 node;
	u32 v;

	if (nr_nodes == MAX_NODES || max_bus == 0xff)
		return;
	node = (s32)nr_nodes++;
	nodes[node].parent = parent;
	bridges[node].bdf = bdf;

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
	bus_bridge[max_bus] = bdf;
	pci_cfg_write8(bdf, PCI_PRIMARY_BUS, bus);
	pci_cfg_write8(bdf, PCI_SECONDARY_BUS, max_bus);
	pci_cfg_write8(bdf, PCI_SUBORDINATE_BUS, 0xff);
	scan_bus(max_bus, node);
	pci_cfg_write8(bdf, PCI_SUBORDINATE_BUS, max_bus);
}

/* A function found: decoding off while its BARs are sized and moved. */
static __attribute__((noinline)) void add_fn(u16 bdf, u8 hdr, s32 node)
{
	u32 f = nr_fns, cmd = cfg_read32(bdf, PCI_COMMAND);
	int nbar;

	if (f == MAX_FNS)
		return;
	nr_fns++;
	fns[f].bdf = bdf;
	fns[f].hdr = hdr;
	fns[f].cmd = 0;
	/* host and ISA bridges on bus 0 decode fixed legacy ranges: keep them on */
	if (!(bdf >> 8) && cfg_read32(bdf, PCI_CLASS_DEVICE - 2) >> 24 == 0x06)
		fns[f].cmd = PCI_CMD_IO | PCI_CMD_MEM;
	if (cmd & (PCI_CMD_IO | PCI_CMD_MEM))
		cfg_write32(bdf, PCI_COMMAND, cmd & 0xffff & ~(u32)(PCI_CMD_IO | PCI_CMD_MEM));
	nbar = (hdr & 0x7f) == PCI_HDR_BRIDGE ? 2 : (hdr & 0x7f) == 0 ? 6 : 0;
	for (int i = 0; i < nbar;)
		i += size_bar(f, i, node);
}

/* A slot whose function 0 answered; functions 1-7 only if it is multi-function. */
static __attribute__((noinline)) void scan_slot(u16 bdf, u8 bus, s32 node)
{
	u32 nfn = 1;

	for (u32 fn = 0; fn < nfn; fn++, bdf++) {
		u8 hdr;

		if (fn && (u16)cfg_read32(bdf, PCI_VENDOR_ID) == 0xffff)
			continue;
		hdr = (u8)(cfg_read32(bdf, PCI_HEADER_TYPE & 0xfc) >> 16);
		if (!fn && (hdr & PCI_HDR_MULTI))
			nfn = 8;
		add_fn(bdf, hdr, node);
		if ((hdr & 0x7f) == PCI_HDR_BRIDGE)
			add_bridge(bdf, bus, node);
	}
}

/* 32 probes of function 0, kept to a few instructions each */
static void scan_bus(u8 bus, s32 node)
{
	u32 addr = 0x80000000u | (u32)bus << 16, end = addr + 0x10000;

	for (; addr != end; addr += 0x800) {
		outl(PCI_CFG_ADDR, addr);
		if (inw(PCI_CFG_DATA) != 0xffff)
			scan_slot((u16)(addr >> 8), bus, node);
	}
}

/* The ISA IRQ a device's pin reaches: swizzle up to bus 0, then the PIRQ router. */
static u8 irq_of(u16 bdf, u8 pin)
{
	u8 p = (u8)(pin - 1), slot = (bdf >> 3) & 0x1f;

	for (int depth = 0; (bdf >> 8) && depth < 256; depth++) {
		p = (u8)((p + slot) & 3);
		bdf = bus_bridge[bdf >> 8];
		slot = (bdf >> 3) & 0x1f;
	}
	if (fw_board == BOARD_Q35)
		return slot < 25 ? pirq_irq[4 + ((slot + p) & 3)] : pirq_irq[p];
	return pirq_irq[(slot - 1 + p) & 3];
}

static void program(void)
{
	for (u32 i = 0; i < nr_res; i++) {
		struct pci_res *r = &res[i];
		u16 bdf = (u16)(r->tag >> 8);
		u8 reg = (u8)r->tag;

		if (r->window >= 0) {
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
			continue;
		}
		if (r->failed) {
			log_error("pci %02x:%02x.%x BAR %x: no room for %x bytes\n", bdf >> 8,
				  (bdf >> 3) & 0x1f, bdf & 7, reg, (u32)r->size);
			continue;
		}
		cfg_write32(bdf, reg, (u32)r->addr);
		if (r->is64)
			cfg_write32(bdf, reg + 4, (u32)(r->addr >> 32));
		if (r->size)
			fns[res_fn[i]].cmd |= r->kind == PCI_RES_IO ? PCI_CMD_IO : PCI_CMD_MEM;
		log_detail("pci %02x:%02x.%x BAR %x = %llx (%llx)\n", bdf >> 8, (bdf >> 3) & 0x1f,
			   bdf & 7, reg, r->addr, r->size);
	}
}

/* Interrupt line from the pin, then decoding for what program() placed. */
static void enable_all(void)
{
	for (u32 f = 0; f < nr_fns; f++) {
		u16 bdf = fns[f].bdf;
		u32 cmd = fns[f].cmd, v = cfg_read32(bdf, PCI_INTERRUPT_LINE);
		u8 pin = (u8)(v >> 8);

		if (pin >= 1 && pin <= 4 && fw_board != BOARD_NONE)
			pci_cfg_write8(bdf, PCI_INTERRUPT_LINE, irq_of(bdf, pin));
		if ((fns[f].hdr & 0x7f) == PCI_HDR_BRIDGE)
			cmd |= PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER;
		if (cmd)
			pci_cfg_write16(bdf, PCI_COMMAND, (u16)(pci_cfg_read16(bdf, PCI_COMMAND) | cmd));
	}
}

void pci_setup(void)
{
	struct pci_alloc a;
	u64 ram_top = mem_low_ram_top(), mem64;
	int failed;

	if (fw_board == BOARD_I440FX)
		chipset_i440fx();
	else if (fw_board == BOARD_Q35)
		chipset_q35();
	else
		return;
	elcr_set_level();
	post(POST_CHIPSET);

	nr_nodes = 1;
	nr_fns = 0;
	nodes[0].parent = -1;
	scan_bus(0, 0);

	memset(&a, 0, sizeof(a));
	a.res = res;
	a.nr_res = nr_res;
	a.node = nodes;
	a.nr_node = nr_nodes;
	a.io_base = PCI_IO_START;
	a.io_end = PCI_IO_END;
	a.mem_base = ALIGN_UP(ram_top, 0x10000000ULL);
	if (a.mem_base < 0xc0000000ULL)
		a.mem_base = 0xc0000000ULL;
	a.mem_end = PCI_MEM_END;
	mem64 = ALIGN_UP(0x100000000ULL + e820_ram_above(&fw_e820, 0x100000000ULL), 1ULL << 30);
	a.mem64_base = mem64;
	a.mem64_end = mem64 + PCI_MEM64_SIZE;
	failed = pci_alloc_run(&a);
	program();
	enable_all();
	log_detail("pci: %u buses, %u resources, %d unplaced\n", nr_nodes, nr_res, failed);
	post(POST_PCI);
}
