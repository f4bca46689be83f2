/*
 * Interrupt round-trip latency: from the device raise (a pc-testdev line
 * write, or edu's raise register for MSI) to the handler's entry, in TSC
 * ticks and ns, over SAMPLES rounds per path. Results are "# LATENCY" lines
 * that tests/bench/irq-latency.sh collects; each path PASSes if every round
 * was delivered.
 */
#include "runtime.h"

#define SAMPLES		400
#define ROUND_US	20000
#define LINE		5
#define VEC_IOAPIC	0x50
#define VEC_MSI		0x51
#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define PCI_COMMAND	0x04
#define PCI_CAP_MSI	0x05

enum path { PATH_PIC, PATH_IOAPIC, PATH_MSI };

static volatile uint64_t t_handler;
static volatile bool done;
static uint32_t samples[SAMPLES];
static uintptr_t edu_bar;

static void pic_handler(struct irq_frame *f)
{
	t_handler = rdtsc();
	testdev_set_irq(LINE, false);
	pic_eoi(LINE);
	done = true;
}

static void ioapic_handler(struct irq_frame *f)
{
	t_handler = rdtsc();
	testdev_set_irq(LINE, false);
	lapic_eoi();
	done = true;
}

static void msi_handler(struct irq_frame *f)
{
	t_handler = rdtsc();
	mmio_write32(edu_bar + EDU_IRQ_ACK, 1);
	lapic_eoi();
	done = true;
}

static void sort(uint32_t *v, unsigned n)
{
	unsigned i, j;

	for (i = 1; i < n; i++) {
		uint32_t x = v[i];

		for (j = i; j && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void run(const char *name, enum path p)
{
	unsigned i, got = 0;
	uint64_t sum = 0;

	irq_enable();
	for (i = 0; i < SAMPLES; i++) {
		uint64_t t0, end;

		done = false;
		t0 = rdtsc();
		if (p == PATH_MSI)
			mmio_write32(edu_bar + EDU_IRQ_RAISE, 1);
		else
			testdev_set_irq(LINE, true);
		end = t0 + us_to_tsc(ROUND_US);
		while (!done && rdtsc() < end)
			cpu_relax();
		if (!done)
			break;
		samples[got++] = (uint32_t)(t_handler - t0);
		sum += t_handler - t0;
	}
	irq_disable();
	if (!check(got == SAMPLES, name, "round %u of %u not delivered within %u us", got,
		   SAMPLES, ROUND_US))
		return;
	sort(samples, got);
	printf("# LATENCY %s samples=%u min_ns=%llu median_ns=%llu avg_ns=%llu p99_ns=%llu "
	       "min_ticks=%u median_ticks=%u\n", name, got,
	       (unsigned long long)tsc_to_ns(samples[0]),
	       (unsigned long long)tsc_to_ns(samples[got / 2]),
	       (unsigned long long)tsc_to_ns(sum / got),
	       (unsigned long long)tsc_to_ns(samples[got * 99 / 100]),
	       samples[0], samples[got / 2]);
}

static bool edu_msi_setup(void)
{
	int bdf = pci_find(EDU_VENDOR, EDU_DEVICE);
	uint8_t cap;
	uint16_t ctrl;

	if (bdf < 0 || !(cap = pci_find_cap((uint16_t)bdf, PCI_CAP_MSI)))
		return false;
	edu_bar = pci_read32((uint16_t)bdf, 0x10) & ~0xfu;
	if (!edu_bar) {
		pci_write32((uint16_t)bdf, 0x10, 0xfd000000u);
		edu_bar = pci_read32((uint16_t)bdf, 0x10) & ~0xfu;
	}
	pci_write16((uint16_t)bdf, PCI_COMMAND, pci_read16((uint16_t)bdf, PCI_COMMAND) | 0x06);
	ctrl = pci_read16((uint16_t)bdf, cap + 2);
	pci_write32((uint16_t)bdf, cap + 4, 0xfee00000u | (uint32_t)lapic_id() << 12);
	if (ctrl & 0x80) {
		pci_write32((uint16_t)bdf, cap + 8, 0);
		pci_write16((uint16_t)bdf, cap + 12, VEC_MSI);
	} else {
		pci_write16((uint16_t)bdf, cap + 8, VEC_MSI);
	}
	pci_write16((uint16_t)bdf, cap + 2, ctrl | 1);
	return true;
}

void test_main(void)
{
	irq_set_handler(PIC_BASE_MASTER + LINE, pic_handler);
	irq_set_handler(VEC_IOAPIC, ioapic_handler);
	irq_set_handler(VEC_MSI, msi_handler);

	if (testdev_present()) {
		pic_unmask(LINE);
		run("latency_pic_edge", PATH_PIC);
		pic_mask(LINE);
		ioapic_set(LINE, VEC_IOAPIC | (uint64_t)lapic_id() << 56);
		run("latency_ioapic_edge", PATH_IOAPIC);
		ioapic_set(LINE, IOAPIC_RTE_MASKED);
	} else {
		skip("latency_pic_edge", "no pc-testdev: add -device pc-testdev");
		skip("latency_ioapic_edge", "no pc-testdev: add -device pc-testdev");
	}
	if (edu_msi_setup())
		run("latency_msi_edu", PATH_MSI);
	else
		skip("latency_msi_edu", "no edu device with MSI: add -device edu");
}
