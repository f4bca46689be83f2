/*
 * i440FX: the PCI host (config mechanism #1 ports, the bus, PCI INTx to the
 * PIRQ inputs of the GSI router) and the 82441FX host bridge function
 * 8086:1237 at 00:0.0 with its PAM and SMRAM registers.
 */
#include <errno.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/gsi.h"
#include "board/log.h"
#include "board/pci.h"

#define I440FX_VENDOR		0x8086
#define I440FX_DEVICE		0x1237
#define I440FX_REVISION		0x02
#define I440FX_CLASS		0x060000	/* host bridge */

#define I440FX_PMCCFG		0x50		/* 0x50-0x58: DRAM and cache setup, scratch */
#define I440FX_DRAMT		0x58
#define I440FX_PAM0		PAM_REG_FIRST	/* 0x59: only the high nibble (0xF0000) */
#define I440FX_PAM_LAST		PAM_REG_LAST
#define I440FX_PAM0_WMASK	0x30
#define I440FX_PAM_WMASK	0x33
#define I440FX_DRB0		0x60		/* DRAM row boundaries 0x60-0x67 */
#define I440FX_DRB_LAST		0x67
#define I440FX_SMRAM		0x72
#define SMRAM_D_OPEN		0x40
#define SMRAM_D_CLS		0x20
#define SMRAM_D_LCK		0x10
#define SMRAM_G_SMRAME		0x08
#define SMRAM_C_BASE_SEG	0x02		/* 010: SMRAM at 0xA0000, read-only */
#define SMRAM_WMASK		(SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME)

/* ---- host: "i440fx-pcihost" ---- */

struct i440fx_host {
	struct pci_host host;		/* first: pci.c finds the bus here */
	uint32_t iobase;
};

static const struct device_prop i440fx_host_props[] = {
	DEVICE_PROP_U32("iobase", struct i440fx_host, iobase, PCI_CONFIG_ADDRESS),
	{ 0 }
};

/* The bus's INTx outputs are PIRQA-D: GSI router inputs 16-19. */
static void i440fx_set_pirq(void *opaque, unsigned irq, int level)
{
	struct board *b = opaque;
	struct irq_line *l = board_gsi_line(b, GSI_PIRQ_BASE + irq);

	if (l && irq < GSI_NR_PIRQ)
		irq_set(l, level);
}

static int i440fx_host_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct i440fx_host *h = (struct i440fx_host *)dev;

	if (h->iobase > 0x10000 - PCI_HOST_IOSIZE)
		return board_err(err, -EINVAL, "%s: property 'iobase': 0x%x + %d passes 0xffff",
				 dev->name, h->iobase, PCI_HOST_IOSIZE);
	pci_bus_init(&h->host.bus, b);
	h->host.bus.map_irq = pci_swizzle_map_irq;
	h->host.bus.set_irq = i440fx_set_pirq;
	h->host.bus.irq_opaque = b;
	return device_pio_register(dev, h->iobase, PCI_HOST_IOSIZE, &pci_host_ops,
				   &h->host.bus, err);
}

static void i440fx_host_reset(struct device *dev)
{
	((struct i440fx_host *)dev)->host.bus.config_address = 0;
}

static void i440fx_host_unrealize(struct device *dev)
{
	pci_bus_exit(&((struct i440fx_host *)dev)->host.bus);
}

static struct device_type i440fx_host_type = {
	.name = "i440fx-pcihost",
	.desc = "i440FX PCI host: config mechanism #1 at 0xCF8/0xCFC, PCI bus 0",
	.instance_size = sizeof(struct i440fx_host),
	.props = i440fx_host_props,
	.realize = i440fx_host_realize,
	.reset = i440fx_host_reset,
	.unrealize = i440fx_host_unrealize,
};
DEVICE_TYPE(i440fx_host_type);

/* ---- host bridge function: "i440fx" ---- */

struct i440fx {
	struct pci_device pci;		/* first */
};

static const struct device_prop i440fx_props[] = {
	PCI_DEVICE_PROP_DEVFN(struct i440fx, pci),
	{ 0 }
};

static bool touches(unsigned off, unsigned size, unsigned reg)
{
	return reg >= off && reg < off + size;
}

static void i440fx_config_write(struct pci_device *d, unsigned off, uint32_t val, unsigned size)
{
	struct board *b = d->dev.board;
	unsigned reg;

	pci_default_config_write(d, off, val, size);
	for (reg = I440FX_PAM0; reg <= I440FX_PAM_LAST; reg++)
		if (touches(off, size, reg))
			board_pam_write_reg(b, reg, d->cfg[reg]);
	/* D_LCK: D_OPEN off, and lock and open are frozen until reset */
	if (touches(off, size, I440FX_SMRAM) && (d->cfg[I440FX_SMRAM] & SMRAM_D_LCK)) {
		d->cfg[I440FX_SMRAM] &= ~SMRAM_D_OPEN;
		d->wmask[I440FX_SMRAM] &= ~(SMRAM_D_OPEN | SMRAM_D_LCK);
	}
}

static const struct pci_device_ops i440fx_ops = {
	.config_write = i440fx_config_write,
};

static void i440fx_reset(struct device *dev)
{
	struct i440fx *s = (struct i440fx *)dev;
	struct pci_device *d = &s->pci;
	unsigned reg;

	pci_device_reset(d);
	/* the board's reset chain puts the PAM map itself back to 0 */
	for (reg = I440FX_PMCCFG; reg <= I440FX_PAM_LAST; reg++)
		d->cfg[reg] = 0;
	for (reg = I440FX_DRB0; reg <= I440FX_DRB_LAST; reg++)
		d->cfg[reg] = 0x01;	/* 8 MiB rows, as after power-on */
	d->cfg[I440FX_SMRAM] = SMRAM_C_BASE_SEG;
	d->wmask[I440FX_SMRAM] = SMRAM_WMASK;
}

static int i440fx_realize(struct device *dev, struct board *b, struct board_err *err)
{
	static const struct pci_ids ids = {
		.vendor = I440FX_VENDOR,
		.device = I440FX_DEVICE,
		.revision = I440FX_REVISION,
		.class_code = I440FX_CLASS,
		.status = PCI_STATUS_DEVSEL_MEDIUM,
	};
	struct i440fx *s = (struct i440fx *)dev;
	struct pci_device *d = &s->pci;
	unsigned reg;
	int r;

	r = pci_device_init(d, b, &ids, err);
	if (r < 0)
		return r;
	d->ops = &i440fx_ops;
	for (reg = I440FX_PMCCFG; reg <= I440FX_DRAMT; reg++)
		d->wmask[reg] = 0xff;
	d->wmask[I440FX_PAM0] = I440FX_PAM0_WMASK;
	for (reg = I440FX_PAM0 + 1; reg <= I440FX_PAM_LAST; reg++)
		d->wmask[reg] = I440FX_PAM_WMASK;
	for (reg = I440FX_DRB0; reg <= I440FX_DRB_LAST; reg++)
		d->wmask[reg] = 0xff;
	i440fx_reset(dev);
	return 0;
}

static void i440fx_unrealize(struct device *dev)
{
	pci_device_exit(&((struct i440fx *)dev)->pci);
}

static struct device_type i440fx_type = {
	.name = "i440fx",
	.desc = "82441FX host bridge 8086:1237: PAM shadowing, SMRAM",
	.instance_size = sizeof(struct i440fx),
	.props = i440fx_props,
	.realize = i440fx_realize,
	.reset = i440fx_reset,
	.unrealize = i440fx_unrealize,
};
DEVICE_TYPE(i440fx_type);
