/*
 * Local APIC (xAPIC MMIO) and IOAPIC (0xfec00000, index 0x00, window 0x10).
 */
#include "runtime.h"

#define APIC_BASE_ENABLE	(1ull << 11)
#define APIC_BASE_ADDR_MASK	0xfffff000ull
#define SVR_ENABLE		(1u << 8)
#define IOAPIC_INDEX		0x00
#define IOAPIC_WINDOW		0x10
#define IOAPIC_RTE(pin)		(0x10 + 2 * (pin))
#define IPI_SPINS		1000000

uintptr_t lapic_base = 0xfee00000u;

uint32_t lapic_read(uint32_t reg)
{
	return mmio_read32(lapic_base + reg);
}

void lapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(lapic_base + reg, v);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint8_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

bool lapic_vec_bit(uint32_t base_reg, unsigned vec)
{
	vec &= 0xff;
	return lapic_read(base_reg + (vec / 32) * 0x10) >> (vec % 32) & 1;
}

bool lapic_send_ipi(uint8_t dest, uint32_t icr_lo)
{
	unsigned i;

	lapic_write(LAPIC_ICR_HI, (uint32_t)dest << 24);
	lapic_write(LAPIC_ICR_LO, icr_lo);
	for (i = 0; i < IPI_SPINS; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & APIC_ICR_BUSY))
			return true;
		cpu_relax();
	}
	return false;
}

void lapic_setup(bool bsp)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic_write(LAPIC_SVR, SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_DFR, 0xffffffffu);	/* flat model */
	lapic_write(LAPIC_LVT_TIMER, APIC_MASKED);
	lapic_write(LAPIC_TIMER_ICR, 0);
	lapic_write(LAPIC_LVT_ERR, APIC_MASKED);
	/* As a PC BIOS leaves it: the 8259 through LINT0 on the BSP, NMI on LINT1. */
	lapic_write(LAPIC_LVT_LINT0, bsp ? APIC_DM_EXTINT : APIC_DM_EXTINT | APIC_MASKED);
	lapic_write(LAPIC_LVT_LINT1, APIC_DM_NMI | (bsp ? 0 : APIC_MASKED));
	lapic_write(LAPIC_ESR, 0);
}

uint32_t ioapic_read(uint8_t reg)
{
	mmio_write32(IOAPIC_BASE + IOAPIC_INDEX, reg);
	return mmio_read32(IOAPIC_BASE + IOAPIC_WINDOW);
}

void ioapic_write(uint8_t reg, uint32_t v)
{
	mmio_write32(IOAPIC_BASE + IOAPIC_INDEX, reg);
	mmio_write32(IOAPIC_BASE + IOAPIC_WINDOW, v);
}

unsigned ioapic_pins(void)
{
	return ((ioapic_read(IOAPIC_REG_VER) >> 16) & 0xff) + 1;
}

uint64_t ioapic_get(unsigned pin)
{
	uint32_t lo = ioapic_read(IOAPIC_RTE(pin));
	uint32_t hi = ioapic_read(IOAPIC_RTE(pin) + 1);

	return (uint64_t)hi << 32 | lo;
}

/* Masked first, destination next, then the low word that may unmask. */
void ioapic_set(unsigned pin, uint64_t rte)
{
	ioapic_write(IOAPIC_RTE(pin), (uint32_t)rte | IOAPIC_RTE_MASKED);
	ioapic_write(IOAPIC_RTE(pin) + 1, rte >> 32);
	ioapic_write(IOAPIC_RTE(pin), (uint32_t)rte);
}

void ioapic_mask_all(void)
{
	unsigned pin, n = ioapic_pins();

	if (n > 64)
		n = 24;
	for (pin = 0; pin < n; pin++)
		ioapic_set(pin, IOAPIC_RTE_MASKED);
}

static void spurious_handler(struct irq_frame *f)
{
	/* a spurious APIC interrupt sets no ISR bit: no EOI */
}

volatile uint32_t pic_spurious;

/*
 * IRQ 7/15 with its ISR bit clear is the 8259's spurious answer to an INTA
 * whose request vanished (a device lowered its line in between): legal on
 * hardware and on QEMU, counted apart. A real IRQ 7/15 with no handler is
 * unexpected.
 */
static void pic_spurious_handler(struct irq_frame *f)
{
	unsigned irq = f->vector - PIC_BASE_MASTER;

	if (!(pic_read_isr() & (1u << irq))) {
		__atomic_add_fetch(&pic_spurious, 1, __ATOMIC_SEQ_CST);
		if (irq == 15)
			pic_eoi(0);	/* the master did see IRQ 2 */
		return;
	}
	__atomic_add_fetch(&irq_unexpected, 1, __ATOMIC_SEQ_CST);
	irq_last_unexpected = f->vector;
	pic_eoi(irq);
}

void runtime_apic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	lapic_base = (uintptr_t)(base & APIC_BASE_ADDR_MASK);
	if (!lapic_base)
		lapic_base = 0xfee00000u;
	pic_init(PIC_BASE_MASTER, PIC_BASE_SLAVE, false);
	pic_set_elcr(0);
	irq_set_handler(LAPIC_SPURIOUS_VECTOR, spurious_handler);
	irq_set_handler(PIC_BASE_MASTER + 7, pic_spurious_handler);
	irq_set_handler(PIC_BASE_SLAVE + 7, pic_spurious_handler);
	lapic_setup(true);
	ioapic_mask_all();
}
