/*
 * MSI and PCI INTx, fired by QEMU's `edu` device (1234:11e8): its interrupt
 * raise register (BAR0 + 0x60) sends MSI when the capability is enabled and
 * asserts INTA# otherwise, until the acknowledge register (+0x64) clears it.
 * INTx goes through the PIIX PIRQ router to an ISA IRQ, seen on the 8259
 * (level, ELCR) and on the IOAPIC pin of that IRQ. MSI-X: edu has none;
 * tests/guests/msix.c drives it through virtio-rng-pci.
 */
#include "runtime.h"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_IDENT	0x00
#define EDU_LIVENESS	0x04
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define EDU_BAR_DEFAULT	0xfd000000u	/* used when no firmware assigned BAR0 */

#define PIIX_VENDOR	0x8086
#define PIIX_DEVICE	0x7000
#define PIIX_PIRQ	0x60
#define PIIX_PIRQ_OFF	0x80
#define INTX_IRQ	11		/* routed here when the firmware left PIRQs off */

#define PCI_COMMAND	0x04
#define PCI_CMD_MEM	0x02
#define PCI_CMD_MASTER	0x04
#define PCI_CMD_INTX_OFF	0x400
#define PCI_BAR0	0x10
#define PCI_INT_LINE	0x3c
#define PCI_INT_PIN	0x3d
#define PCI_CAP_MSI	0x05
#define PCI_CAP_MSIX	0x11
#define MSI_CTRL	2
#define MSI_CTRL_ENABLE	0x0001
#define MSI_CTRL_64	0x0080
#define MSI_ADDR	4
#define MSI_ADDR_BASE	0xfee00000u
#define MSI_ADDR_LOGICAL	(1u << 2)

#define VEC_MSI		0x70
#define VEC_INTX	0x71
#define WAIT_US		50000
#define QUIET_US	20000
#define CALL_US		500000

static uint16_t edu;
static uintptr_t bar;
static uint8_t msi_cap;
static unsigned intx_irq;
static volatile uint8_t last_cpu;
static volatile bool tmr_seen;
static volatile uint32_t intx_ack_after = 1;	/* handler acks the device from this hit */
static volatile uint32_t intx_hits;
static volatile uint32_t nmi_hits;

static uint32_t edu_read(unsigned reg)
{
	return mmio_read32(bar + reg);
}

static void edu_write(unsigned reg, uint32_t v)
{
	mmio_write32(bar + reg, v);
}

static void msi_handler(struct irq_frame *f)
{
	last_cpu = lapic_id();
	tmr_seen = lapic_vec_bit(LAPIC_TMR, f->vector);
	edu_write(EDU_IRQ_ACK, edu_read(EDU_IRQ_STATUS));
	lapic_eoi();
}

static void intx_ioapic_handler(struct irq_frame *f)
{
	uint32_t n = ++intx_hits;

	tmr_seen = lapic_vec_bit(LAPIC_TMR, f->vector);
	if (n >= intx_ack_after)
		edu_write(EDU_IRQ_ACK, edu_read(EDU_IRQ_STATUS));
	lapic_eoi();
}

static void intx_pic_handler(struct irq_frame *f)
{
	uint32_t n = ++intx_hits;

	if (n >= intx_ack_after)
		edu_write(EDU_IRQ_ACK, edu_read(EDU_IRQ_STATUS));
	pic_eoi(intx_irq);
}

static void nmi_handler(struct irq_frame *f)
{
	nmi_hits++;
	edu_write(EDU_IRQ_ACK, edu_read(EDU_IRQ_STATUS));
}

static bool edu_setup(void)
{
	int bdf = pci_find(EDU_VENDOR, EDU_DEVICE);
	uint32_t b;

	if (bdf < 0)
		return false;
	edu = (uint16_t)bdf;
	b = pci_read32(edu, PCI_BAR0) & ~0xfu;
	if (!b) {
		pci_write32(edu, PCI_BAR0, EDU_BAR_DEFAULT);
		b = pci_read32(edu, PCI_BAR0) & ~0xfu;
	}
	bar = b;
	pci_write16(edu, PCI_COMMAND, (pci_read16(edu, PCI_COMMAND) | PCI_CMD_MEM |
		    PCI_CMD_MASTER) & ~PCI_CMD_INTX_OFF);
	msi_cap = pci_find_cap(edu, PCI_CAP_MSI);
	return true;
}

/* The ISA IRQ edu's INTA# reaches; routes its PIRQ to INTX_IRQ if it is off. */
static unsigned intx_route(void)
{
	int piix = pci_find(PIIX_VENDOR, PIIX_DEVICE);
	unsigned slot = (edu >> 3) & 31, pin = pci_read8(edu, PCI_INT_PIN);
	unsigned pirq;
	uint8_t r;

	if (piix < 0 || pin < 1 || pin > 4)
		return 0;
	pirq = (slot - 1 + pin - 1) & 3;	/* the i440FX board's swizzle */
	r = pci_read8((uint16_t)piix, PIIX_PIRQ + pirq);
	if (r & PIIX_PIRQ_OFF) {
		r = INTX_IRQ;
		pci_write8((uint16_t)piix, PIIX_PIRQ + pirq, r);
		pci_write8(edu, PCI_INT_LINE, r);
	}
	return r & 0x0f;
}

static void msi_program(uint32_t addr, uint16_t data, bool enable)
{
	uint16_t ctrl = pci_read16(edu, msi_cap + MSI_CTRL);
	unsigned data_off = ctrl & MSI_CTRL_64 ? 12 : 8;

	pci_write16(edu, msi_cap + MSI_CTRL, ctrl & ~MSI_CTRL_ENABLE);
	pci_write32(edu, msi_cap + MSI_ADDR, addr);
	if (ctrl & MSI_CTRL_64)
		pci_write32(edu, msi_cap + MSI_ADDR + 4, 0);
	pci_write16(edu, msi_cap + data_off, data);
	if (enable)
		pci_write16(edu, msi_cap + MSI_CTRL, ctrl | MSI_CTRL_ENABLE);
}

static void reset_state(void)
{
	irq_disable();
	if (msi_cap)
		msi_program(0, 0, false);
	edu_write(EDU_IRQ_ACK, 0xffffffffu);
	ioapic_mask_all();
	pic_set_mask(0xffff);
	irq_window(1000);
	irq_reset_counts();
	intx_hits = 0;
	intx_ack_after = 1;
	last_cpu = 0xff;
	tmr_seen = false;
}

static void test_device(void)
{
	uint32_t ident = edu_read(EDU_IDENT), live;

	edu_write(EDU_LIVENESS, 0x12345678);
	live = edu_read(EDU_LIVENESS);
	printf("# msi: edu at %02x:%02x.%u, BAR0 %#x, MSI cap %#x, ident %#x\n", edu >> 8,
	       (edu >> 3) & 31, edu & 7, (unsigned)bar, msi_cap, ident);
	check((ident & 0xff) == 0xed && live == ~0x12345678u, "msi_edu_mmio",
	      "ident %#x, liveness %#x (want ~0x12345678)", ident, live);
}

static void test_intx(void)
{
	reset_state();
	intx_irq = intx_route();
	if (!intx_irq) {
		skip("msi_intx_ioapic", "no PIIX PIRQ route for edu's INTA#");
		return;
	}
	printf("# msi: edu INTA# on ISA IRQ %u\n", intx_irq);

	/* IOAPIC, level: not acknowledged in the first handler, so it fires again */
	intx_ack_after = 2;
	ioapic_set(intx_irq, VEC_INTX | IOAPIC_RTE_LEVEL | (uint64_t)lapic_id() << 56);
	edu_write(EDU_IRQ_RAISE, 1);
	irq_wait(VEC_INTX, 2, WAIT_US);
	irq_window(QUIET_US);
	check(intx_hits == 2 && tmr_seen && edu_read(EDU_IRQ_STATUS) == 0, "msi_intx_ioapic_level",
	      "%u interrupts (want 2: re-fire until acknowledged), TMR %d, status %#x",
	      intx_hits, tmr_seen, edu_read(EDU_IRQ_STATUS));

	/* 8259, level through the ELCR */
	reset_state();
	pic_set_elcr(pic_get_elcr() | 1u << intx_irq);
	pic_unmask(intx_irq);
	intx_ack_after = 2;
	edu_write(EDU_IRQ_RAISE, 1);
	irq_wait(PIC_BASE_MASTER + intx_irq, 2, WAIT_US);
	irq_window(QUIET_US);
	check(intx_hits == 2 && edu_read(EDU_IRQ_STATUS) == 0, "msi_intx_pic_level",
	      "%u interrupts on IRQ %u (want 2)", intx_hits, intx_irq);
	pic_mask(intx_irq);

	/* the command register's INTx disable keeps the line quiet */
	reset_state();
	ioapic_set(intx_irq, VEC_INTX | IOAPIC_RTE_LEVEL | (uint64_t)lapic_id() << 56);
	pci_write16(edu, PCI_COMMAND, pci_read16(edu, PCI_COMMAND) | PCI_CMD_INTX_OFF);
	edu_write(EDU_IRQ_RAISE, 1);
	irq_window(QUIET_US);
	edu_write(EDU_IRQ_ACK, 1);
	pci_write16(edu, PCI_COMMAND, pci_read16(edu, PCI_COMMAND) & ~PCI_CMD_INTX_OFF);
	irq_window(QUIET_US);
	check(intx_hits == 0, "msi_intx_disable", "%u interrupts with INTx disabled", intx_hits);
	ioapic_set(intx_irq, IOAPIC_RTE_MASKED);
}

static bool fire_msi(uint32_t addr, uint16_t data, unsigned vector)
{
	reset_state();
	msi_program(addr, data, true);
	edu_write(EDU_IRQ_RAISE, 1);
	return irq_wait(vector, 1, WAIT_US);
}

static void set_ldr(unsigned cpu)
{
	lapic_write(LAPIC_DFR, 0xffffffffu);
	lapic_write(LAPIC_LDR, 1u << (24 + cpu));
}

static void test_msi(void)
{
	uint8_t bsp = lapic_id();
	bool ok;

	if (!msi_cap) {
		fail("msi_fixed", "edu has no MSI capability");
		return;
	}
	ok = fire_msi(MSI_ADDR_BASE | (uint32_t)bsp << 12, VEC_MSI, VEC_MSI);
	irq_window(QUIET_US);
	check(ok && irq_count[VEC_MSI] == 1 && last_cpu == bsp && !tmr_seen,
	      "msi_fixed_physical", "%u MSIs on CPU %#x, TMR %d", irq_count[VEC_MSI], last_cpu,
	      tmr_seen);

	/* a second raise after the acknowledge is a second message */
	edu_write(EDU_IRQ_RAISE, 1);
	irq_wait(VEC_MSI, 2, WAIT_US);
	check(irq_count[VEC_MSI] == 2, "msi_second_message", "%u MSIs after two raises",
	      irq_count[VEC_MSI]);

	set_ldr(0);
	ok = fire_msi(MSI_ADDR_BASE | MSI_ADDR_LOGICAL | 0x01u << 12, VEC_MSI, VEC_MSI);
	check(ok && last_cpu == bsp, "msi_fixed_logical", "%u MSIs, CPU %#x",
	      irq_count[VEC_MSI], last_cpu);

	nmi_hits = 0;
	fire_msi(MSI_ADDR_BASE | (uint32_t)bsp << 12, APIC_DM_NMI, 2);
	check(nmi_hits == 1, "msi_delivery_nmi", "%u NMIs", nmi_hits);

	/* masked by TPR: a fixed MSI waits in IRR like any other interrupt */
	lapic_write(LAPIC_TPR, 0xf0);
	fire_msi(MSI_ADDR_BASE | (uint32_t)bsp << 12, VEC_MSI, VEC_MSI);
	ok = irq_count[VEC_MSI] == 0 && lapic_vec_bit(LAPIC_IRR, VEC_MSI);
	lapic_write(LAPIC_TPR, 0);
	irq_wait(VEC_MSI, 1, WAIT_US);
	check(ok && irq_count[VEC_MSI] == 1, "msi_held_by_tpr", "held %d, then %u", ok,
	      irq_count[VEC_MSI]);

	if (smp_start() < 2) {
		skip("msi_to_ap", "one CPU: run with -smp 2 or more");
	} else {
		uint8_t ap = smp_apic_id[1];

		smp_call(1, set_ldr, CALL_US);
		ok = fire_msi(MSI_ADDR_BASE | (uint32_t)ap << 12, VEC_MSI, VEC_MSI);
		check(ok && last_cpu == ap, "msi_to_ap_physical", "%u MSIs, CPU %#x, want %#x",
		      irq_count[VEC_MSI], last_cpu, ap);
		ok = fire_msi(MSI_ADDR_BASE | MSI_ADDR_LOGICAL | 0x02u << 12, VEC_MSI, VEC_MSI);
		check(ok && last_cpu == ap, "msi_to_ap_logical", "%u MSIs, CPU %#x, want %#x",
		      irq_count[VEC_MSI], last_cpu, ap);
	}
	reset_state();
}

void test_main(void)
{
	if (!edu_setup()) {
		skip("msi", "no edu device (1234:11e8): add -device edu");
		return;
	}
	irq_set_handler(VEC_MSI, msi_handler);
	irq_set_handler(VEC_INTX, intx_ioapic_handler);
	irq_set_handler(2, nmi_handler);
	for (unsigned irq = 3; irq < 16; irq++)
		if (irq != 8)
			irq_set_handler(PIC_BASE_MASTER + irq, intx_pic_handler);
	test_device();
	test_intx();
	test_msi();
	irq_window(QUIET_US);
	check(irq_unexpected == 0, "msi_no_stray_vectors", "%u unexpected, last vector %#x",
	      irq_unexpected, irq_last_unexpected);
}
