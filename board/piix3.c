/*
 * PIIX3 PCI-to-ISA bridge, function 0 (8086:7000): PIRQ route control
 * registers 0x60-0x63 (forwarded to the GSI router) and the reset control
 * register at port 0xCF9. The ELCR (0x4D0/0x4D1) lives with the 8259 model
 * (board/pic.c).
 */
#include <errno.h>

#include "board/board.h"
#include "board/device.h"
#include "board/gsi.h"
#include "board/log.h"
#include "board/pci.h"

#define PIIX3_VENDOR		0x8086
#define PIIX3_DEVICE		0x7000
#define PIIX3_CLASS		0x060100	/* ISA bridge */
#define PIIX3_CMD_RESET		(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)

#define PIIX3_PIRQRC		PIIX_PIRQ_REG	/* 0x60-0x63 */
#define PIIX3_PIRQ_WMASK	(PIIX_PIRQ_DISABLE | PIIX_PIRQ_IRQ_MASK)

/* reset control register (port 0xCF9) */
#define RCR_SYS_RST		0x02		/* 1: hard reset, 0: soft reset */
#define RCR_RST_CPU		0x04		/* the reset itself */

/* Writable registers besides the PIRQs, with their reset values. */
static const struct piix3_reg {
	uint8_t reg, reset, wmask;
} piix3_regs[] = {
	{ 0x4c, 0x4d, 0xff },		/* IORT: ISA I/O recovery timer */
	{ 0x4e, 0x03, 0xff },		/* XBCS: X-bus chip select */
	{ 0x4f, 0x00, 0xff },
	{ 0x69, 0x02, 0xff },		/* TOM: top of memory */
	{ 0x6a, 0x00, 0xff },		/* MSTAT */
	{ 0x6b, 0x00, 0xff },
	{ 0x70, 0x80, 0xff },		/* MBIRQ0 */
	{ 0x76, 0x0c, 0xff },		/* MBDMA0/1 */
	{ 0x77, 0x0c, 0xff },
	{ 0x78, 0x02, 0xff },		/* PCSC */
	{ 0x79, 0x00, 0xff },
	{ 0x80, 0x00, 0xff },		/* APICBASE */
	{ 0x82, 0x00, 0xff },		/* DLC: deterministic latency */
	{ 0xa0, 0x08, 0xff },		/* SMICNTL and the SMI/timer block */
	{ 0xa2, 0x00, 0xff },
	{ 0xa3, 0x00, 0xff },
	{ 0xa4, 0x00, 0xff },
	{ 0xa5, 0x00, 0xff },
	{ 0xa6, 0x00, 0xff },
	{ 0xa7, 0x00, 0xff },
	{ 0xa8, 0x0f, 0xff },
	{ 0xaa, 0x00, 0xff },
	{ 0xab, 0x00, 0xff },
	{ 0xac, 0x00, 0xff },
	{ 0xae, 0x00, 0xff },
};

struct piix3 {
	struct pci_device pci;		/* first */
	uint8_t rcr;
};

static const struct device_prop piix3_props[] = {
	PCI_DEVICE_PROP_DEVFN(struct piix3, pci),
	{ 0 }
};

static void piix3_pirq_push(struct pci_device *d, unsigned k)
{
	struct gsi_router *r = gsi_router_find(d->dev.board);

	if (r)
		gsi_router_pirq_write(r, k, d->cfg[PIIX3_PIRQRC + k]);
}

static void piix3_config_write(struct pci_device *d, unsigned off, uint32_t val, unsigned size)
{
	unsigned k;

	pci_default_config_write(d, off, val, size);
	for (k = 0; k < GSI_NR_PIRQ; k++)
		if (PIIX3_PIRQRC + k >= off && PIIX3_PIRQRC + k < off + size)
			piix3_pirq_push(d, k);
}

static const struct pci_device_ops piix3_ops = {
	.config_write = piix3_config_write,
};

static uint64_t rcr_read(void *opaque, uint64_t off, unsigned size)
{
	return ((struct piix3 *)opaque)->rcr;
}

static void rcr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct piix3 *s = opaque;

	if (val & RCR_RST_CPU) {
		/* hard (SYS_RST) and soft reset are the same thing here */
		board_request_reset(s->pci.dev.board, RESET_CF9);
		return;
	}
	s->rcr = val & RCR_SYS_RST;
}

static const struct bus_ops piix3_rcr_ops = { .read = rcr_read, .write = rcr_write };

static void piix3_reset(struct device *dev)
{
	struct piix3 *s = (struct piix3 *)dev;
	struct pci_device *d = &s->pci;
	unsigned i;

	pci_device_reset(d);
	pci_set_word(d->cfg + PCI_COMMAND, PIIX3_CMD_RESET);
	for (i = 0; i < sizeof(piix3_regs) / sizeof(piix3_regs[0]); i++)
		d->cfg[piix3_regs[i].reg] = piix3_regs[i].reset;
	/* the GSI router resets its copy to the same value itself */
	for (i = 0; i < GSI_NR_PIRQ; i++)
		d->cfg[PIIX3_PIRQRC + i] = PIIX_PIRQ_DISABLE;
	s->rcr = 0;
}

static int piix3_realize(struct device *dev, struct board *b, struct board_err *err)
{
	static const struct pci_ids ids = {
		.vendor = PIIX3_VENDOR,
		.device = PIIX3_DEVICE,
		.class_code = PIIX3_CLASS,
		.status = PCI_STATUS_DEVSEL_MEDIUM,
	};
	struct piix3 *s = (struct piix3 *)dev;
	struct pci_device *d = &s->pci;
	unsigned i;
	int r;

	r = pci_device_init(d, b, &ids, err);
	if (r < 0)
		return r;
	d->ops = &piix3_ops;
	for (i = 0; i < sizeof(piix3_regs) / sizeof(piix3_regs[0]); i++)
		d->wmask[piix3_regs[i].reg] = piix3_regs[i].wmask;
	for (i = 0; i < GSI_NR_PIRQ; i++)
		d->wmask[PIIX3_PIRQRC + i] = PIIX3_PIRQ_WMASK;
	r = pci_bus_claim_cf9(d->bus, &piix3_rcr_ops, s);
	if (r < 0) {
		pci_device_exit(d);
		return board_err(err, r, "%s: port 0x%x (reset control) is claimed twice",
				 dev->name, PCI_RESET_CONTROL);
	}
	piix3_reset(dev);
	return 0;
}

static void piix3_unrealize(struct device *dev)
{
	struct piix3 *s = (struct piix3 *)dev;

	if (s->pci.bus && s->pci.bus->cf9_opaque == s) {
		s->pci.bus->cf9_ops = NULL;
		s->pci.bus->cf9_opaque = NULL;
	}
	pci_device_exit(&s->pci);
}

static struct device_type piix3_type = {
	.name = "piix3",
	.desc = "PIIX3 ISA bridge 8086:7000: PIRQ routing 0x60-0x63, reset control at 0xCF9",
	.instance_size = sizeof(struct piix3),
	.props = piix3_props,
	.realize = piix3_realize,
	.reset = piix3_reset,
	.unrealize = piix3_unrealize,
};
DEVICE_TYPE(piix3_type);
