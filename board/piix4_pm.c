/*
 * PIIX4 power management function (8086:7113, 00:1.3), the ACPI hardware
 * of the pc board:
 * - PM I/O block at PMBA (config 0x40, bits 15:6), decoded while PMREGMISC
 *   (0x80) bit 0 is set: PM1 status/enable (+0/+2), PM1 control (+4), the
 *   24-bit 3.579545 MHz PM timer (+8). SeaBIOS puts it at 0x600, where the
 *   FADT (board/acpi.c) says it is.
 * - TMR_STS is set each time timer bit 23 flips; status & enable of the
 *   timer, global, power button and RTC events drive the SCI (level, the
 *   node's first "interrupts" cell, GSI 9). As QEMU, the SCI does not wait
 *   for SCI_EN (there is no SMI to send instead).
 * - SLP_EN with SLP_TYP 0 (the DSDT's \_S5, board/acpi/dsdt.asl) is soft-off:
 *   the VMM exits with status 0.
 * - APM control/status ports 0xB2/0xB3: the FADT's SMI_CMD. ACPI_ENABLE
 *   (0xF1) sets SCI_EN, ACPI_DISABLE (0xF0) clears it, as QEMU's SMI handler
 *   would.
 * - GPE0 block (0xAFE0, 4 bytes: status W1C, enable) is kept but has no
 *   event sources. SMBus base (0x90) and host config (0xD2) are plain
 *   registers: no SMBus controller behind them.
 * - DEVACTB (0x58) bit 25 (APMC_EN) reads as set: SMM is "already set up",
 *   so SeaBIOS does not try to run its SMM init (we have no SMM).
 */
#include <errno.h>
#include <inttypes.h>

#include "board/board.h"
#include "board/clock.h"
#include "board/device.h"
#include "board/log.h"
#include "board/pci.h"

#define PIIX4_PM_VENDOR		0x8086
#define PIIX4_PM_DEVICE		0x7113
#define PIIX4_PM_REVISION	0x03
#define PIIX4_PM_CLASS		0x068000	/* bridge, other */

/* config space */
#define PIIX4_PMBA		0x40		/* PM base, bits 15:6; bit 0 = I/O, RO 1 */
#define PIIX4_PMBA_MASK		0xffc0
#define PIIX4_DEVACTB		0x58
#define PIIX4_DEVACTB_APMC_BYTE	0x5b		/* bit 25 is bit 1 of this byte */
#define PIIX4_DEVACTB_APMC	0x02
#define PIIX4_PMREGMISC		0x80
#define PIIX4_PMIOSE		0x01		/* PM I/O space enable */
#define PIIX4_SMBBA		0x90		/* SMBus base, bits 15:4; bit 0 RO 1 */
#define PIIX4_SMBHSTCFG		0xd2

#define PIIX4_PM_IOSIZE		64

/* PM I/O registers (offsets from PMBA) */
#define PM1_STS			0x00
#define PM1_EN			0x02
#define PM1_CNT			0x04
#define PM_TMR			0x08
#define PM_REGS_END		0x0c

#define PM1_TMR_STS		0x0001
#define PM1_BM_STS		0x0010
#define PM1_GBL_STS		0x0020
#define PM1_PWRBTN_STS		0x0100
#define PM1_RTC_STS		0x0400
#define PM1_WAK_STS		0x8000
#define PM1_STS_W1C		(PM1_TMR_STS | PM1_BM_STS | PM1_GBL_STS | PM1_PWRBTN_STS | \
				 PM1_RTC_STS | PM1_WAK_STS)
#define PM1_TMR_EN		0x0001
#define PM1_GBL_EN		0x0020
#define PM1_PWRBTN_EN		0x0100
#define PM1_RTC_EN		0x0400
#define PM1_EN_MASK		(PM1_TMR_EN | PM1_GBL_EN | PM1_PWRBTN_EN | PM1_RTC_EN)
#define PM1_SCI_EVENTS		PM1_EN_MASK	/* events whose status & enable raise the SCI */

#define PM1_SCI_EN		0x0001
#define PM1_BM_RLD		0x0002
#define PM1_GBL_RLS		0x0004
#define PM1_SLP_TYP_SHIFT	10
#define PM1_SLP_TYP_MASK	(7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN		0x2000
#define PM1_CNT_MASK		(PM1_SCI_EN | PM1_BM_RLD | PM1_SLP_TYP_MASK)
#define PIIX4_SLP_TYP_S5	0		/* Name (_S5, Package { Zero, ... }) */

/* PM timer */
#define PM_TIMER_HZ		3579545ull
#define PM_TIMER_MASK		0xffffffu
#define PM_TIMER_OVF_BIT	23

/* APM */
#define APM_IOBASE		0xb2		/* APMC; APMS at +1 */
#define APM_ACPI_ENABLE		0xf1
#define APM_ACPI_DISABLE	0xf0

#define GPE0_BASE		0xafe0
#define GPE0_LEN		4

struct piix4_pm {
	struct pci_device pci;		/* first */
	uint32_t gpe0_base, apm_base;	/* properties; 0: not decoded */

	struct irq_line *sci;
	struct board_timer tmr_timer;
	uint16_t pm_base;		/* where the PM block is mapped, 0: not */
	uint16_t sts, en, cnt;
	uint64_t next_overflow_ns;	/* next flip of timer bit 23 */
	uint8_t gpe[GPE0_LEN];		/* status[2], enable[2] */
	uint8_t apmc, apms;
};

static const struct device_prop piix4_pm_props[] = {
	PCI_DEVICE_PROP_DEVFN(struct piix4_pm, pci),
	DEVICE_PROP_U32("gpe0-base", struct piix4_pm, gpe0_base, GPE0_BASE),
	DEVICE_PROP_U32("apm-iobase", struct piix4_pm, apm_base, APM_IOBASE),
	{ 0 }
};

/* ---- PM timer ---- */

static uint64_t pm_ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PM_TIMER_HZ / NS_PER_SEC);
}

/* First ns at which the tick count reaches tick. */
static uint64_t pm_tick_ns(uint64_t tick)
{
	return (uint64_t)(((unsigned __int128)tick * NS_PER_SEC + PM_TIMER_HZ - 1) / PM_TIMER_HZ);
}

static uint64_t overflow_after(uint64_t now)
{
	uint64_t k = (pm_ticks(now) >> PM_TIMER_OVF_BIT) + 1;

	return pm_tick_ns(k << PM_TIMER_OVF_BIT);
}

/* TMR_STS as the hardware would have set it by now. */
static void tmr_sts_update(struct piix4_pm *p)
{
	uint64_t now = clock_ns();

	if (now >= p->next_overflow_ns) {
		p->sts |= PM1_TMR_STS;
		p->next_overflow_ns = overflow_after(now);
	}
}

static void sci_update(struct piix4_pm *p)
{
	bool level = p->sts & p->en & PM1_SCI_EVENTS;

	if (p->sci)
		irq_set(p->sci, level);
	/* a timer only when the next flip would raise the SCI */
	if ((p->en & PM1_TMR_EN) && !(p->sts & PM1_TMR_STS))
		timer_mod(&p->tmr_timer, p->next_overflow_ns);
	else
		timer_del(&p->tmr_timer);
}

static void tmr_expired(void *opaque)
{
	struct piix4_pm *p = opaque;

	tmr_sts_update(p);
	sci_update(p);
}

/* ---- PM I/O block ---- */

static uint64_t pm_io_read(void *opaque, uint64_t off, unsigned size)
{
	struct piix4_pm *p = opaque;
	uint8_t regs[PM_REGS_END] = { 0 };
	uint32_t tmr = pm_ticks(clock_ns()) & PM_TIMER_MASK;
	uint64_t v = 0;
	unsigned i;

	tmr_sts_update(p);
	sci_update(p);
	pci_set_word(regs + PM1_STS, p->sts);
	pci_set_word(regs + PM1_EN, p->en);
	pci_set_word(regs + PM1_CNT, p->cnt);	/* SLP_EN reads 0 */
	pci_set_long(regs + PM_TMR, tmr);
	for (i = 0; i < size; i++)
		if (off + i < PM_REGS_END)
			v |= (uint64_t)regs[off + i] << (8 * i);
	return v;
}

static void pm1_cnt_write_byte(struct piix4_pm *p, unsigned hi, uint8_t b)
{
	uint16_t v = hi ? (uint16_t)b << 8 : b;
	uint16_t keep = hi ? 0x00ff : 0xff00;
	unsigned typ;

	p->cnt = (p->cnt & keep) | (v & PM1_CNT_MASK & ~keep);
	if (!(v & PM1_SLP_EN))
		return;
	typ = (p->cnt & PM1_SLP_TYP_MASK) >> PM1_SLP_TYP_SHIFT;
	if (typ == PIIX4_SLP_TYP_S5) {
		board_request_exit(p->pci.dev.board, 0);
		return;
	}
	if (log_enabled(LOG_UNIMP))
		board_log(LOG_UNIMP, "%s: sleep type %u (only S5 soft-off is modelled)\n",
			  p->pci.dev.name, typ);
}

static void pm_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct piix4_pm *p = opaque;
	unsigned i;

	tmr_sts_update(p);
	for (i = 0; i < size; i++) {
		unsigned a = (unsigned)off + i;
		uint8_t b = val >> (8 * i);

		switch (a) {
		case PM1_STS:
		case PM1_STS + 1:
			p->sts &= ~((uint16_t)b << (8 * (a - PM1_STS)) & PM1_STS_W1C);
			break;
		case PM1_EN:
		case PM1_EN + 1: {
			unsigned sh = 8 * (a - PM1_EN);

			p->en = (p->en & ~(0xff << sh)) | (((uint16_t)b << sh) & PM1_EN_MASK);
			break;
		}
		case PM1_CNT:
		case PM1_CNT + 1:
			pm1_cnt_write_byte(p, a - PM1_CNT, b);
			break;
		default:
			guest_error("%s: write 0x%x to PM register +0x%x ignored\n",
				    p->pci.dev.name, b, a);
			break;
		}
	}
	sci_update(p);
}

static const struct bus_ops pm_io_ops = { .read = pm_io_read, .write = pm_io_write };

/* Follow PMBA and PMIOSE. */
static void pm_io_update(struct piix4_pm *p)
{
	struct board *b = p->pci.dev.board;
	struct pci_device *d = &p->pci;
	uint16_t base = pci_get_long(d->cfg + PIIX4_PMBA) & PIIX4_PMBA_MASK;
	const char *clash = NULL;

	if (!d->bus || !(d->cfg[PIIX4_PMREGMISC] & PIIX4_PMIOSE))
		base = 0;
	if (base == p->pm_base)
		return;
	if (p->pm_base)
		bus_unregister(&b->pio, p->pm_base, p);
	p->pm_base = 0;
	if (!base)
		return;
	if (bus_register(&b->pio, base, PIIX4_PM_IOSIZE, &pm_io_ops, p, d->dev.name, &clash) < 0) {
		guest_error("%s: PM base 0x%x overlaps %s: not decoded\n", d->dev.name, base,
			    clash ? clash : "?");
		return;
	}
	p->pm_base = base;
}

/* ---- APM and GPE0 ---- */

static uint64_t apm_read(void *opaque, uint64_t off, unsigned size)
{
	struct piix4_pm *p = opaque;
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)(off + i == 0 ? p->apmc : off + i == 1 ? p->apms : 0xff) << (8 * i);
	return v;
}

static void apm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct piix4_pm *p = opaque;
	unsigned i;

	for (i = 0; i < size && off + i < 2; i++) {
		uint8_t b = val >> (8 * i);

		if (off + i == 1) {
			p->apms = b;
			continue;
		}
		p->apmc = b;
		if (b == APM_ACPI_ENABLE)
			p->cnt |= PM1_SCI_EN;
		else if (b == APM_ACPI_DISABLE)
			p->cnt &= ~PM1_SCI_EN;
	}
}

static const struct bus_ops apm_ops = { .read = apm_read, .write = apm_write };

static uint64_t gpe_read(void *opaque, uint64_t off, unsigned size)
{
	struct piix4_pm *p = opaque;
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < size && off + i < GPE0_LEN; i++)
		v |= (uint64_t)p->gpe[off + i] << (8 * i);
	return v;
}

static void gpe_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct piix4_pm *p = opaque;
	unsigned i;

	for (i = 0; i < size && off + i < GPE0_LEN; i++) {
		uint8_t b = val >> (8 * i);

		if (off + i < GPE0_LEN / 2)
			p->gpe[off + i] &= ~b;		/* status: write 1 to clear */
		else
			p->gpe[off + i] = b;
	}
}

static const struct bus_ops gpe_ops = { .read = gpe_read, .write = gpe_write };

/* ---- PCI function ---- */

static void piix4_pm_config_write(struct pci_device *d, unsigned off, uint32_t val, unsigned size)
{
	pci_default_config_write(d, off, val, size);
	if ((off < PIIX4_PMBA + 4 && off + size > PIIX4_PMBA) ||
	    (off <= PIIX4_PMREGMISC && off + size > PIIX4_PMREGMISC))
		pm_io_update((struct piix4_pm *)d);
}

static const struct pci_device_ops piix4_pm_ops = {
	.config_write = piix4_pm_config_write,
};

static void piix4_pm_reset(struct device *dev)
{
	struct piix4_pm *p = (struct piix4_pm *)dev;
	struct pci_device *d = &p->pci;
	unsigned i;

	pci_device_reset(d);
	for (i = PCI_CONFIG_HEADER_SIZE; i < PCI_CFG_SIZE; i++)
		d->cfg[i] = 0;
	d->cfg[PIIX4_PMBA] = PCI_BAR_SPACE_IO;
	d->cfg[PIIX4_SMBBA] = PCI_BAR_SPACE_IO;
	d->cfg[PIIX4_DEVACTB_APMC_BYTE] = PIIX4_DEVACTB_APMC;
	p->sts = p->en = p->cnt = 0;
	p->apmc = p->apms = 0;
	for (i = 0; i < GPE0_LEN; i++)
		p->gpe[i] = 0;
	p->next_overflow_ns = overflow_after(clock_ns());
	pm_io_update(p);
	sci_update(p);
}

static int piix4_pm_realize(struct device *dev, struct board *b, struct board_err *err)
{
	static const struct pci_ids ids = {
		.vendor = PIIX4_PM_VENDOR,
		.device = PIIX4_PM_DEVICE,
		.revision = PIIX4_PM_REVISION,
		.class_code = PIIX4_PM_CLASS,
		.intx_pin = 1,
		.status = PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM,
	};
	struct piix4_pm *p = (struct piix4_pm *)dev;
	struct pci_device *d = &p->pci;
	int r;

	if (p->gpe0_base > 0x10000 - GPE0_LEN)
		return board_err(err, -EINVAL, "%s: property 'gpe0-base': 0x%x is not a port",
				 dev->name, p->gpe0_base);
	if (p->apm_base > 0x10000 - 2)
		return board_err(err, -EINVAL, "%s: property 'apm-iobase': 0x%x is not a port",
				 dev->name, p->apm_base);
	r = device_get_irq(dev, 0, &p->sci, err);
	if (r < 0)
		return r;
	if (p->gpe0_base)
		r = device_pio_register(dev, p->gpe0_base, GPE0_LEN, &gpe_ops, p, err);
	if (!r && p->apm_base)
		r = device_pio_register(dev, p->apm_base, 2, &apm_ops, p, err);
	if (r < 0)
		return r;
	r = pci_device_init(d, b, &ids, err);
	if (r < 0)
		return r;
	d->ops = &piix4_pm_ops;
	pci_set_word(d->wmask + PIIX4_PMBA, PIIX4_PMBA_MASK);
	d->wmask[PIIX4_DEVACTB] = 0xff;
	d->wmask[PIIX4_DEVACTB + 1] = 0xff;
	d->wmask[PIIX4_DEVACTB + 2] = 0xff;
	d->wmask[PIIX4_DEVACTB_APMC_BYTE] = 0xff & ~PIIX4_DEVACTB_APMC;
	d->wmask[PIIX4_PMREGMISC] = PIIX4_PMIOSE;
	pci_set_word(d->wmask + PIIX4_SMBBA, 0xfff0);
	d->wmask[PIIX4_SMBHSTCFG] = 0x0f;
	timer_init(&p->tmr_timer, &b->timers, tmr_expired, p);
	piix4_pm_reset(dev);
	return 0;
}

static void piix4_pm_unrealize(struct device *dev)
{
	struct piix4_pm *p = (struct piix4_pm *)dev;

	timer_del(&p->tmr_timer);
	pci_device_exit(&p->pci);
	pm_io_update(p);		/* off the bus: the PM block goes away */
}

static struct device_type piix4_pm_type = {
	.name = "piix4-pm",
	.desc = "PIIX4 power management 8086:7113: PM1 registers, PM timer, SCI, S5 soft-off",
	.instance_size = sizeof(struct piix4_pm),
	.props = piix4_pm_props,
	.realize = piix4_pm_realize,
	.reset = piix4_pm_reset,
	.unrealize = piix4_pm_unrealize,
};
DEVICE_TYPE(piix4_pm_type);
