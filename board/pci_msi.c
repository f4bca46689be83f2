/*
 * PCI MSI and MSI-X capabilities. See pci_msi.h for the contract.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/log.h"
#include "board/pci_msi.h"

#define PCI_STD_CFG_SIZE	256

static uint16_t rd16(const uint8_t *p) { return p[0] | (uint16_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, v); wr16(p + 2, v >> 16); }

static bool bus_master(const uint8_t *cfg)
{
	return cfg[PCI_COMMAND] & PCI_COMMAND_MASTER;
}

/* Does [off, off+size) touch [cap, cap+len)? */
static bool overlaps(unsigned off, unsigned size, unsigned cap, unsigned len)
{
	return off < cap + len && off + size > cap;
}

static bool cap_fits(size_t cfg_size, unsigned cap, unsigned len)
{
	size_t limit = cfg_size < PCI_STD_CFG_SIZE ? cfg_size : PCI_STD_CFG_SIZE;

	return cap >= 0x40 && !(cap & 3) && cap + len <= limit;
}

/* ---- MSI ---- */

static unsigned msi_data_off(const struct pci_msi *m) { return m->is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32; }
static unsigned msi_mask_off(const struct pci_msi *m) { return m->is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32; }
static unsigned msi_pend_off(const struct pci_msi *m) { return m->is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32; }
static uint16_t msi_ctrl(const struct pci_msi *m) { return rd16(m->cfg + m->cap + PCI_MSI_FLAGS); }

static uint32_t msi_vector_bits(unsigned n)
{
	return n >= 32 ? 0xffffffffu : (1u << n) - 1;
}

int pci_msi_init(struct pci_msi *m, uint8_t *cfg, size_t cfg_size, uint8_t cap,
		 unsigned nvectors, unsigned flags, const struct msi_sink *sink)
{
	unsigned len;

	if (!cfg || !nvectors || nvectors > 32 || (nvectors & (nvectors - 1)))
		return -EINVAL;
	len = (flags & PCI_MSI_64BIT) ? 14 : 10;
	if (flags & PCI_MSI_MASKABLE)
		len = (flags & PCI_MSI_64BIT) ? 24 : 20;
	if (!cap_fits(cfg_size, cap, len))
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->cfg_size = cfg_size;
	m->cap = cap;
	m->len = len;
	m->nvectors = nvectors;
	m->is64 = flags & PCI_MSI_64BIT;
	m->maskable = flags & PCI_MSI_MASKABLE;
	m->sink = sink;
	pci_msi_reset(m);
	return 0;
}

void pci_msi_reset(struct pci_msi *m)
{
	uint8_t *c = m->cfg + m->cap;
	uint16_t ctrl = (__builtin_ctz(m->nvectors) << 1);

	if (m->is64)
		ctrl |= PCI_MSI_FLAGS_64BIT;
	if (m->maskable)
		ctrl |= PCI_MSI_FLAGS_MASKBIT;
	c[0] = PCI_CAP_ID_MSI;
	memset(c + 2, 0, m->len - 2);
	wr16(c + PCI_MSI_FLAGS, ctrl);
}

bool pci_msi_enabled(const struct pci_msi *m)
{
	return msi_ctrl(m) & PCI_MSI_FLAGS_ENABLE;
}

unsigned pci_msi_nr_enabled(const struct pci_msi *m)
{
	return 1u << ((msi_ctrl(m) & PCI_MSI_FLAGS_QSIZE) >> 4);
}

/* Writable bits of capability byte rel. */
static uint8_t msi_wmask(const struct pci_msi *m, unsigned rel)
{
	unsigned data = msi_data_off(m), mask = msi_mask_off(m);

	if (rel == PCI_MSI_FLAGS)
		return PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE;
	if (rel == PCI_MSI_ADDRESS_LO)
		return 0xfc;
	if (rel > PCI_MSI_ADDRESS_LO && rel < PCI_MSI_ADDRESS_LO + 4)
		return 0xff;
	if (m->is64 && rel >= PCI_MSI_ADDRESS_HI && rel < PCI_MSI_ADDRESS_HI + 4)
		return 0xff;
	if (rel >= data && rel < data + 2)
		return 0xff;
	if (m->maskable && rel >= mask && rel < mask + 4)
		return msi_vector_bits(m->nvectors) >> (8 * (rel - mask));
	return 0;
}

static void msi_send_vector(struct pci_msi *m, unsigned vector)
{
	const uint8_t *c = m->cfg + m->cap;
	uint64_t address = rd32(c + PCI_MSI_ADDRESS_LO);
	uint32_t data = rd16(c + msi_data_off(m));
	unsigned n = pci_msi_nr_enabled(m);

	if (m->is64)
		address |= (uint64_t)rd32(c + PCI_MSI_ADDRESS_HI) << 32;
	/* multiple messages: the low log2(n) data bits carry the vector */
	data = (data & ~(n - 1)) | vector;
	msi_send(m->sink, address, data);
}

static bool msi_masked(const struct pci_msi *m, unsigned vector)
{
	return m->maskable && (rd32(m->cfg + m->cap + msi_mask_off(m)) & (1u << vector));
}

bool pci_msi_is_pending(const struct pci_msi *m, unsigned vector)
{
	return m->maskable && vector < 32 &&
	       (rd32(m->cfg + m->cap + msi_pend_off(m)) & (1u << vector));
}

static void msi_set_pending(struct pci_msi *m, unsigned vector, bool on)
{
	uint8_t *p = m->cfg + m->cap + msi_pend_off(m);
	uint32_t v = rd32(p);

	wr32(p, on ? v | (1u << vector) : v & ~(1u << vector));
}

/* Send what became unmasked while pending. */
static void msi_flush_pending(struct pci_msi *m)
{
	unsigned v, n;

	if (!m->maskable || !pci_msi_enabled(m) || !bus_master(m->cfg))
		return;
	n = pci_msi_nr_enabled(m);
	for (v = 0; v < n; v++) {
		if (pci_msi_is_pending(m, v) && !msi_masked(m, v)) {
			msi_set_pending(m, v, false);
			msi_send_vector(m, v);
		}
	}
}

bool pci_msi_config_write(struct pci_msi *m, unsigned off, uint32_t val, unsigned size)
{
	uint8_t *c = m->cfg + m->cap;
	unsigned i, mme, mmc;
	uint16_t ctrl;

	if (size > 4 || !overlaps(off, size, m->cap, m->len))
		return false;
	for (i = 0; i < size; i++) {
		unsigned rel = off + i - m->cap;
		uint8_t wm, b = val >> (8 * i);

		if (off + i < m->cap || rel >= m->len)
			continue;
		wm = msi_wmask(m, rel);
		c[rel] = (c[rel] & ~wm) | (b & wm);
	}
	/* multiple message enable cannot exceed what is capable */
	ctrl = msi_ctrl(m);
	mme = (ctrl & PCI_MSI_FLAGS_QSIZE) >> 4;
	mmc = (ctrl & PCI_MSI_FLAGS_QMASK) >> 1;
	if (mme > mmc)
		wr16(c + PCI_MSI_FLAGS, (ctrl & ~PCI_MSI_FLAGS_QSIZE) | (mmc << 4));
	msi_flush_pending(m);
	return true;
}

int pci_msi_notify(struct pci_msi *m, unsigned vector)
{
	if (!pci_msi_enabled(m))
		return -ENODEV;
	if (vector >= pci_msi_nr_enabled(m))
		return -EINVAL;
	if (!bus_master(m->cfg))
		return -EIO;
	if (msi_masked(m, vector)) {
		msi_set_pending(m, vector, true);
		return 0;
	}
	msi_send_vector(m, vector);
	return 0;
}

/* ---- MSI-X ---- */

static uint16_t msix_ctrl(const struct pci_msix *x) { return rd16(x->cfg + x->cap + PCI_MSIX_FLAGS); }

size_t pci_msix_table_size(const struct pci_msix *x)
{
	return (size_t)x->nvectors * PCI_MSIX_ENTRY_SIZE;
}

size_t pci_msix_pba_size(const struct pci_msix *x)
{
	return (size_t)(x->nvectors + 63) / 64 * 8;
}

int pci_msix_init(struct pci_msix *x, uint8_t *cfg, size_t cfg_size, uint8_t cap,
		  unsigned nvectors, uint8_t table_bar, uint32_t table_offset,
		  uint8_t pba_bar, uint32_t pba_offset, const struct msi_sink *sink)
{
	uint64_t tend, pend;

	if (!cfg || !nvectors || nvectors > PCI_MSIX_MAX_VECTORS || table_bar > 5 || pba_bar > 5 ||
	    (table_offset & PCI_MSIX_BIR_MASK) || (pba_offset & PCI_MSIX_BIR_MASK) ||
	    !cap_fits(cfg_size, cap, PCI_MSIX_CAP_LEN))
		return -EINVAL;
	tend = (uint64_t)table_offset + (uint64_t)nvectors * PCI_MSIX_ENTRY_SIZE;
	pend = (uint64_t)pba_offset + (nvectors + 63) / 64 * 8;
	if (table_bar == pba_bar && table_offset < pend && pba_offset < tend)
		return -EINVAL;		/* table and PBA overlap */
	memset(x, 0, sizeof(*x));
	x->table = calloc(nvectors, PCI_MSIX_ENTRY_SIZE);
	x->pba = calloc((nvectors + 63) / 64, sizeof(uint64_t));
	if (!x->table || !x->pba) {
		free(x->table);
		free(x->pba);
		x->table = NULL;
		x->pba = NULL;
		return -ENOMEM;
	}
	x->cfg = cfg;
	x->cfg_size = cfg_size;
	x->cap = cap;
	x->nvectors = nvectors;
	x->table_bar = table_bar;
	x->pba_bar = pba_bar;
	x->table_offset = table_offset;
	x->pba_offset = pba_offset;
	x->sink = sink;
	pci_msix_reset(x);
	return 0;
}

void pci_msix_destroy(struct pci_msix *x)
{
	free(x->table);
	free(x->pba);
	x->table = NULL;
	x->pba = NULL;
	x->nvectors = 0;
}

void pci_msix_reset(struct pci_msix *x)
{
	uint8_t *c = x->cfg + x->cap;
	unsigned v;

	c[0] = PCI_CAP_ID_MSIX;
	wr16(c + PCI_MSIX_FLAGS, x->nvectors - 1);
	wr32(c + PCI_MSIX_TABLE, x->table_offset | x->table_bar);
	wr32(c + PCI_MSIX_PBA, x->pba_offset | x->pba_bar);
	memset(x->table, 0, pci_msix_table_size(x));
	for (v = 0; v < x->nvectors; v++)
		x->table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	memset(x->pba, 0, pci_msix_pba_size(x));
}

bool pci_msix_enabled(const struct pci_msix *x)
{
	return msix_ctrl(x) & PCI_MSIX_FLAGS_ENABLE;
}

static bool msix_masked(const struct pci_msix *x, unsigned v)
{
	return (msix_ctrl(x) & PCI_MSIX_FLAGS_MASKALL) ||
	       (x->table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

bool pci_msix_is_pending(const struct pci_msix *x, unsigned vector)
{
	return vector < x->nvectors && (x->pba[vector / 64] & (1ull << (vector % 64)));
}

void pci_msix_clear_pending(struct pci_msix *x, unsigned vector)
{
	if (vector < x->nvectors)
		x->pba[vector / 64] &= ~(1ull << (vector % 64));
}

static void msix_send_vector(struct pci_msix *x, unsigned v)
{
	const uint8_t *e = x->table + v * PCI_MSIX_ENTRY_SIZE;
	uint64_t address = rd32(e + PCI_MSIX_ENTRY_ADDR_LO) |
			   (uint64_t)rd32(e + PCI_MSIX_ENTRY_ADDR_HI) << 32;

	msi_send(x->sink, address, rd32(e + PCI_MSIX_ENTRY_DATA));
}

static void msix_flush_pending(struct pci_msix *x)
{
	unsigned w, v;

	if (!pci_msix_enabled(x) || (msix_ctrl(x) & PCI_MSIX_FLAGS_MASKALL) || !bus_master(x->cfg))
		return;
	for (w = 0; w < (x->nvectors + 63) / 64; w++) {
		if (!x->pba[w])
			continue;
		for (v = w * 64; v < x->nvectors && v < w * 64 + 64; v++) {
			if (pci_msix_is_pending(x, v) && !msix_masked(x, v)) {
				pci_msix_clear_pending(x, v);
				msix_send_vector(x, v);
			}
		}
	}
}

bool pci_msix_config_write(struct pci_msix *x, unsigned off, uint32_t val, unsigned size)
{
	uint8_t *c = x->cfg + x->cap;
	unsigned i;

	if (size > 4 || !overlaps(off, size, x->cap, PCI_MSIX_CAP_LEN))
		return false;
	for (i = 0; i < size; i++) {
		unsigned rel = off + i - x->cap;
		uint8_t wm = 0xc0;	/* only enable and function mask (bits 15:14) */

		if (off + i < x->cap || rel >= PCI_MSIX_CAP_LEN || rel != PCI_MSIX_FLAGS + 1)
			continue;
		c[rel] = (c[rel] & ~wm) | ((uint8_t)(val >> (8 * i)) & wm);
	}
	msix_flush_pending(x);
	return true;
}

uint64_t pci_msix_table_read(void *opaque, uint64_t off, unsigned size)
{
	struct pci_msix *x = opaque;
	uint64_t v = 0;
	unsigned i;

	if (size > 8 || off >= pci_msix_table_size(x) || pci_msix_table_size(x) - off < size) {
		guest_error("msix: table read of %u bytes at 0x%llx is outside the table\n", size,
			    (unsigned long long)off);
		return 0;
	}
	for (i = 0; i < size; i++)
		v |= (uint64_t)x->table[off + i] << (8 * i);
	return v;
}

void pci_msix_table_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct pci_msix *x = opaque;
	unsigned i;

	if (size > 8 || off >= pci_msix_table_size(x) || pci_msix_table_size(x) - off < size) {
		guest_error("msix: table write of %u bytes at 0x%llx is outside the table\n", size,
			    (unsigned long long)off);
		return;
	}
	for (i = 0; i < size; i++) {
		unsigned rel = (off + i) % PCI_MSIX_ENTRY_SIZE;
		uint8_t b = val >> (8 * i);

		if (rel == PCI_MSIX_ENTRY_CTRL)
			b &= PCI_MSIX_ENTRY_CTRL_MASKBIT;
		else if (rel > PCI_MSIX_ENTRY_CTRL)
			b = 0;		/* reserved vector-control bits */
		x->table[off + i] = b;
	}
	msix_flush_pending(x);
}

uint64_t pci_msix_pba_read(void *opaque, uint64_t off, unsigned size)
{
	struct pci_msix *x = opaque;
	uint64_t v = 0;
	unsigned i;

	if (size > 8 || off >= pci_msix_pba_size(x) || pci_msix_pba_size(x) - off < size) {
		guest_error("msix: PBA read of %u bytes at 0x%llx is outside the PBA\n", size,
			    (unsigned long long)off);
		return 0;
	}
	for (i = 0; i < size; i++) {
		uint64_t byte = off + i;

		v |= ((x->pba[byte / 8] >> (8 * (byte % 8))) & 0xff) << (8 * i);
	}
	return v;
}

void pci_msix_pba_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	guest_error("msix: write to the read-only PBA at 0x%llx ignored\n", (unsigned long long)off);
}

const struct bus_ops pci_msix_table_ops = { .read = pci_msix_table_read, .write = pci_msix_table_write };
const struct bus_ops pci_msix_pba_ops = { .read = pci_msix_pba_read, .write = pci_msix_pba_write };

int pci_msix_notify(struct pci_msix *x, unsigned vector)
{
	if (!pci_msix_enabled(x))
		return -ENODEV;
	if (vector >= x->nvectors)
		return -EINVAL;
	if (!bus_master(x->cfg))
		return -EIO;
	if (msix_masked(x, vector)) {
		x->pba[vector / 64] |= 1ull << (vector % 64);
		return 0;
	}
	msix_send_vector(x, vector);
	return 0;
}
