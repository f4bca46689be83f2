/*
 * PCI configuration space through mechanism #1 (0xcf8 address, 0xcfc data).
 */
#include "runtime.h"

#define PCI_ADDR	0xcf8
#define PCI_DATA	0xcfc
#define PCI_ENABLE	0x80000000u
#define PCI_STATUS	0x06
#define PCI_STATUS_CAPS	0x10
#define PCI_CAP_PTR	0x34

static void pci_select(uint16_t bdf, uint8_t reg)
{
	outl(PCI_ADDR, PCI_ENABLE | (uint32_t)bdf << 8 | (reg & 0xfc));
}

uint32_t pci_read32(uint16_t bdf, uint8_t reg)
{
	pci_select(bdf, reg);
	return inl(PCI_DATA);
}

uint16_t pci_read16(uint16_t bdf, uint8_t reg)
{
	pci_select(bdf, reg);
	return inw(PCI_DATA + (reg & 2));
}

uint8_t pci_read8(uint16_t bdf, uint8_t reg)
{
	pci_select(bdf, reg);
	return inb(PCI_DATA + (reg & 3));
}

void pci_write32(uint16_t bdf, uint8_t reg, uint32_t v)
{
	pci_select(bdf, reg);
	outl(PCI_DATA, v);
}

void pci_write16(uint16_t bdf, uint8_t reg, uint16_t v)
{
	pci_select(bdf, reg);
	outw(PCI_DATA + (reg & 2), v);
}

void pci_write8(uint16_t bdf, uint8_t reg, uint8_t v)
{
	pci_select(bdf, reg);
	outb(PCI_DATA + (reg & 3), v);
}

int pci_find(uint16_t vendor, uint16_t device)
{
	uint32_t want = (uint32_t)device << 16 | vendor;
	unsigned dev, fn;

	for (dev = 0; dev < 32; dev++)
		for (fn = 0; fn < 8; fn++) {
			uint16_t bdf = PCI_BDF(0, dev, fn);

			if (pci_read32(bdf, 0) == want)
				return bdf;
		}
	return -1;
}

uint8_t pci_find_cap(uint16_t bdf, uint8_t id)
{
	uint8_t p;
	unsigned hops;

	if (!(pci_read16(bdf, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	p = pci_read8(bdf, PCI_CAP_PTR) & 0xfc;
	for (hops = 0; p && hops < 48; hops++) {
		if (pci_read8(bdf, p) == id)
			return p;
		p = pci_read8(bdf, p + 1) & 0xfc;
	}
	return 0;
}
