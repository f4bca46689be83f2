/*
 * QEMU's educational PCI device "edu" (1234:11E8), as docs/specs/edu.rst
 * describes it: BAR0 is 1 MiB of MMIO with an identification register, a
 * liveness check, a factorial unit, an interrupt raise/acknowledge pair
 * (INTx pin A, or MSI once the guest enables the capability) and a DMA
 * engine between guest RAM and a 4 KiB buffer at offset 0x40000.
 *
 * Factorial and DMA complete "delay-ns" after the command (a board timer,
 * as QEMU's worker thread and DMA timer); 0 completes them at once. DMA
 * only reaches guest RAM (gmem_read/gmem_write), only while bus mastering
 * is on, only inside the buffer; anything else is logged and moves nothing.
 * Addresses are clamped to "dma_mask" (28 bits by default), as QEMU does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "board/board.h"
#include "board/clock.h"
#include "board/device.h"
#include "board/log.h"
#include "board/pci.h"
#include "board/pci_msi.h"

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_REVISION		0x10
#define EDU_CLASS		0x00ff00	/* PCI_CLASS_OTHERS, as QEMU sets it */
#define EDU_BAR_SIZE		(1u << 20)

/* BAR0 registers */
#define EDU_ID			0x00
#define EDU_ID_VALUE		0x010000edu	/* 0xRRrr00ed: version 1.0 */
#define EDU_LIVENESS		0x04
#define EDU_FACT		0x08
#define EDU_STATUS		0x20
#define EDU_STATUS_COMPUTING	0x01
#define EDU_STATUS_IRQFACT	0x80
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_CNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_RUN		0x01
#define EDU_DMA_TO_RAM		0x02		/* direction: 0 RAM -> edu, 1 edu -> RAM */
#define EDU_DMA_IRQ		0x04
#define EDU_DMA_REGS		0x80		/* 4- or 8-byte accesses from here on */

#define EDU_FACT_IRQ		0x00000001u
#define EDU_DMA_IRQ_VALUE	0x00000100u

#define EDU_DMA_BUF_START	0x40000
#define EDU_DMA_BUF_SIZE	4096
#define EDU_DMA_MASK_DEFAULT	((1ull << 28) - 1)
#define EDU_DELAY_DEFAULT	10000		/* ns */

#define EDU_MSI_CAP_LEN		14		/* 64-bit, no per-vector mask */

struct edu {
	struct pci_device pci;		/* first */
	uint64_t dma_mask;		/* property "dma_mask" */
	uint32_t delay_ns;		/* property "delay-ns" */

	struct pci_msi msi;
	struct board_timer fact_timer, dma_timer;
	uint32_t liveness, fact, status, irq_status;
	uint64_t dma_src, dma_dst, dma_cnt, dma_cmd;
	uint8_t dma_buf[EDU_DMA_BUF_SIZE];
};

static const struct device_prop edu_props[] = {
	PCI_DEVICE_PROP_DEVFN(struct edu, pci),
	{ .name = "dma_mask", .kind = PROP_U64, .offset = offsetof(struct edu, dma_mask),
	  .def = EDU_DMA_MASK_DEFAULT, .desc = "DMA addresses are clamped to this mask" },
	{ .name = "delay-ns", .kind = PROP_U32, .offset = offsetof(struct edu, delay_ns),
	  .def = EDU_DELAY_DEFAULT, .desc = "factorial/DMA completion delay, 0 = at once" },
	{ 0 }
};

/* ---- interrupts ---- */

static void edu_raise_irq(struct edu *e, uint32_t val)
{
	e->irq_status |= val;
	if (!e->irq_status)
		return;
	if (pci_msi_enabled(&e->msi)) {
		int r = pci_msi_notify(&e->msi, 0);

		if (r < 0)
			guest_error("%s: MSI not sent (%s)\n", e->pci.dev.name,
				    r == -EIO ? "bus mastering off" : "MSI error");
	} else {
		pci_set_irq(&e->pci, 1);
	}
}

static void edu_lower_irq(struct edu *e, uint32_t val)
{
	e->irq_status &= ~val;
	if (!e->irq_status && !pci_msi_enabled(&e->msi))
		pci_set_irq(&e->pci, 0);
}

/* ---- factorial ---- */

static uint32_t edu_factorial(uint32_t n)
{
	uint32_t r = 1;

	/* 34! holds 2^32: from there on the 32-bit product is 0 */
	if (n >= 34)
		return 0;
	for (; n > 1; n--)
		r *= n;
	return r;
}

static void edu_fact_done(void *opaque)
{
	struct edu *e = opaque;

	if (!(e->status & EDU_STATUS_COMPUTING))
		return;
	e->fact = edu_factorial(e->fact);
	e->status &= ~EDU_STATUS_COMPUTING;
	if (e->status & EDU_STATUS_IRQFACT)
		edu_raise_irq(e, EDU_FACT_IRQ);
}

/* ---- DMA ---- */

/* Offset of [addr, addr+len) in the buffer, or -1. */
static int64_t edu_buf_offset(uint64_t addr, uint64_t len)
{
	uint64_t off;

	if (addr < EDU_DMA_BUF_START || !len)
		return -1;
	off = addr - EDU_DMA_BUF_START;
	if (off >= EDU_DMA_BUF_SIZE || len > EDU_DMA_BUF_SIZE - off)
		return -1;
	return (int64_t)off;
}

static uint64_t edu_clamp(struct edu *e, uint64_t addr)
{
	uint64_t r = addr & e->dma_mask;

	if (r != addr)
		guest_error("%s: DMA address 0x%" PRIx64 " clamped to 0x%" PRIx64 "\n",
			    e->pci.dev.name, addr, r);
	return r;
}

static void edu_dma_done(void *opaque)
{
	struct edu *e = opaque;
	struct board *b = e->pci.dev.board;
	uint64_t cmd = e->dma_cmd, cnt = e->dma_cnt;
	bool to_ram = cmd & EDU_DMA_TO_RAM;
	uint64_t dev_addr = to_ram ? e->dma_src : e->dma_dst;
	uint64_t ram = edu_clamp(e, to_ram ? e->dma_dst : e->dma_src);
	int64_t off = edu_buf_offset(dev_addr, cnt);
	int r = 0;

	if (!(cmd & EDU_DMA_RUN))
		return;
	if (off < 0) {
		guest_error("%s: DMA of 0x%" PRIx64 " bytes at device address 0x%" PRIx64
			    " leaves the buffer 0x%x-0x%x: nothing moved\n", e->pci.dev.name, cnt,
			    dev_addr, EDU_DMA_BUF_START, EDU_DMA_BUF_START + EDU_DMA_BUF_SIZE - 1);
	} else if (!(e->pci.cfg[PCI_COMMAND] & PCI_COMMAND_MASTER)) {
		guest_error("%s: DMA with bus mastering off: nothing moved\n", e->pci.dev.name);
	} else {
		if (to_ram)
			r = gmem_write(&b->mem, ram, e->dma_buf + off, cnt);
		else
			r = gmem_read(&b->mem, ram, e->dma_buf + off, cnt);
		if (r < 0)
			guest_error("%s: DMA %s RAM 0x%" PRIx64 " (0x%" PRIx64
				    " bytes) is not guest RAM: nothing moved\n", e->pci.dev.name,
				    to_ram ? "to" : "from", ram, cnt);
	}
	e->dma_cmd &= ~EDU_DMA_RUN;
	if (cmd & EDU_DMA_IRQ)
		edu_raise_irq(e, EDU_DMA_IRQ_VALUE);
}

static void edu_schedule(struct edu *e, struct board_timer *t, void (*done)(void *))
{
	if (!e->delay_ns)
		done(e);
	else
		timer_mod(t, clock_ns() + e->delay_ns);
}

/* ---- BAR0 ---- */

static bool edu_size_ok(uint64_t off, unsigned size)
{
	return off < EDU_DMA_REGS ? size == 4 : (size == 4 || size == 8);
}

static uint64_t edu_mmio_read(void *opaque, uint64_t off, unsigned size)
{
	struct edu *e = opaque;

	if (!edu_size_ok(off, size)) {
		guest_error("%s: %u-byte read at 0x%" PRIx64 " (4%s only)\n", e->pci.dev.name,
			    size, off, off < EDU_DMA_REGS ? "" : " or 8");
		return ~0ull;
	}
	switch (off) {
	case EDU_ID:		return EDU_ID_VALUE;
	case EDU_LIVENESS:	return e->liveness;
	case EDU_FACT:		return e->fact;
	case EDU_STATUS:	return e->status;
	case EDU_IRQ_STATUS:	return e->irq_status;
	case EDU_DMA_SRC:	return e->dma_src;
	case EDU_DMA_DST:	return e->dma_dst;
	case EDU_DMA_CNT:	return e->dma_cnt;
	case EDU_DMA_CMD:	return e->dma_cmd;
	}
	return ~0ull;
}

static void edu_dma_reg_write(struct edu *e, uint64_t *reg, uint64_t val)
{
	if (e->dma_cmd & EDU_DMA_RUN) {
		guest_error("%s: DMA register written while a transfer runs: ignored\n",
			    e->pci.dev.name);
		return;
	}
	*reg = val;
}

static void edu_mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct edu *e = opaque;

	if (!edu_size_ok(off, size)) {
		guest_error("%s: %u-byte write at 0x%" PRIx64 " ignored\n", e->pci.dev.name,
			    size, off);
		return;
	}
	switch (off) {
	case EDU_LIVENESS:
		e->liveness = ~(uint32_t)val;
		break;
	case EDU_FACT:
		if (e->status & EDU_STATUS_COMPUTING)
			break;	/* the unit is busy: the write is lost, as on QEMU */
		e->fact = (uint32_t)val;
		e->status |= EDU_STATUS_COMPUTING;
		edu_schedule(e, &e->fact_timer, edu_fact_done);
		break;
	case EDU_STATUS:
		e->status = (e->status & ~EDU_STATUS_IRQFACT) | (val & EDU_STATUS_IRQFACT);
		break;
	case EDU_IRQ_RAISE:
		edu_raise_irq(e, (uint32_t)val);
		break;
	case EDU_IRQ_ACK:
		edu_lower_irq(e, (uint32_t)val);
		break;
	case EDU_DMA_SRC:
		edu_dma_reg_write(e, &e->dma_src, val);
		break;
	case EDU_DMA_DST:
		edu_dma_reg_write(e, &e->dma_dst, val);
		break;
	case EDU_DMA_CNT:
		edu_dma_reg_write(e, &e->dma_cnt, val);
		break;
	case EDU_DMA_CMD:
		if (!(val & EDU_DMA_RUN) || (e->dma_cmd & EDU_DMA_RUN))
			break;
		e->dma_cmd = val;
		edu_schedule(e, &e->dma_timer, edu_dma_done);
		break;
	default:
		guest_error("%s: write 0x%" PRIx64 " to 0x%" PRIx64 " ignored\n",
			    e->pci.dev.name, val, off);
		break;
	}
}

static const struct bus_ops edu_mmio_ops = { .read = edu_mmio_read, .write = edu_mmio_write };

/* ---- config space ---- */

static void edu_config_write(struct pci_device *d, unsigned off, uint32_t val, unsigned size)
{
	struct edu *e = (struct edu *)d;
	bool was = pci_msi_enabled(&e->msi);

	if (!pci_msi_config_write(&e->msi, off, val, size)) {
		pci_default_config_write(d, off, val, size);
		return;
	}
	/* INTx is silent while MSI is on, and comes back with what is pending */
	if (was != pci_msi_enabled(&e->msi))
		pci_set_irq(d, !pci_msi_enabled(&e->msi) && e->irq_status);
}

static const struct pci_device_ops edu_ops = {
	.config_write = edu_config_write,
};

static void edu_reset(struct device *dev)
{
	struct edu *e = (struct edu *)dev;

	timer_del(&e->fact_timer);
	timer_del(&e->dma_timer);
	pci_device_reset(&e->pci);
	pci_msi_reset(&e->msi);
	e->liveness = e->fact = e->status = e->irq_status = 0;
	e->dma_src = e->dma_dst = e->dma_cnt = e->dma_cmd = 0;
}

static int edu_realize(struct device *dev, struct board *b, struct board_err *err)
{
	static const struct pci_ids ids = {
		.vendor = EDU_VENDOR,
		.device = EDU_DEVICE,
		.revision = EDU_REVISION,
		.class_code = EDU_CLASS,
		.intx_pin = 1,
	};
	struct edu *e = (struct edu *)dev;
	struct pci_device *d = &e->pci;
	int r, cap;

	r = pci_device_init(d, b, &ids, err);
	if (r < 0)
		return r;
	d->ops = &edu_ops;
	cap = pci_add_capability(d, PCI_CAP_ID_MSI, 0, EDU_MSI_CAP_LEN);
	r = cap < 0 ? cap : pci_msi_init(&e->msi, d->cfg, PCI_CFG_SIZE, (uint8_t)cap, 1,
					 PCI_MSI_64BIT, &b->msi);
	if (!r)
		r = pci_register_bar(d, 0, PCI_BAR_MEM32, EDU_BAR_SIZE, &edu_mmio_ops, e);
	if (r < 0) {
		pci_device_exit(d);
		return board_err(err, r, "%s: cannot set up MSI and BAR0", dev->name);
	}
	timer_init(&e->fact_timer, &b->timers, edu_fact_done, e);
	timer_init(&e->dma_timer, &b->timers, edu_dma_done, e);
	edu_reset(dev);
	return 0;
}

static void edu_unrealize(struct device *dev)
{
	struct edu *e = (struct edu *)dev;

	timer_del(&e->fact_timer);
	timer_del(&e->dma_timer);
	pci_device_exit(&e->pci);
}

static struct device_type edu_type = {
	.name = "edu",
	.desc = "QEMU's educational PCI device 1234:11e8: factorial, interrupts (INTx/MSI), DMA",
	.instance_size = sizeof(struct edu),
	.props = edu_props,
	.realize = edu_realize,
	.reset = edu_reset,
	.unrealize = edu_unrealize,
};
DEVICE_TYPE(edu_type);
