/*
 * PCI MSI and MSI-X capabilities, reusable by any PCI device model.
 *
 * Config-space interface (the PCI bus is not written yet; this is all these
 * helpers need from it):
 * - A function's config space is a little-endian byte array cfg of cfg_size
 *   bytes (256, or 4096 for PCIe) owned by the device. pci_msi_init() /
 *   pci_msix_init() write the capability at offset cap (dword aligned,
 *   >= 0x40): ID byte and registers. cfg[cap + 1], the next pointer, is
 *   left for the PCI layer, which links its capability list itself.
 * - Reads of config space are plain reads of cfg.
 * - Writes: the PCI layer offers every config write to
 *   pci_msi_config_write() / pci_msix_config_write() first. If it returns
 *   true the write touched the capability and was handled (read-only bits
 *   kept, side effects done: pending messages go out on unmask or enable);
 *   the bytes of it that fall outside the capability are dropped. Otherwise
 *   the PCI layer does its own write.
 * - Bus mastering: a message is only sent while the Command register's Bus
 *   Master Enable (cfg[0x04] bit 2) is set; otherwise it is dropped (not
 *   made pending), as a DMA write would be.
 * - MSI-X table and PBA live in the device's BAR(s): route accesses with
 *   offsets relative to the table / PBA start to pci_msix_table_read/write
 *   and pci_msix_pba_read/write (or register pci_msix_table_ops /
 *   pci_msix_pba_ops with the struct pci_msix as opaque). DWORD and QWORD
 *   accesses are what the spec allows; other sizes work bytewise; accesses
 *   outside the table or PBA read 0 and are logged.
 * - Messages go to the msi_sink given at init (normally &board->msi).
 * - Callers hold the board lock.
 */
#ifndef BOARD_PCI_MSI_H
#define BOARD_PCI_MSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/irq.h"

#define PCI_COMMAND			0x04
#define PCI_COMMAND_MASTER		0x04

#define PCI_CAP_ID_MSI			0x05
#define PCI_CAP_ID_MSIX			0x11

/* MSI capability */
#define PCI_MSI_FLAGS			2	/* message control, 16 bits */
#define PCI_MSI_FLAGS_ENABLE		0x0001
#define PCI_MSI_FLAGS_QMASK		0x000e	/* multiple message capable */
#define PCI_MSI_FLAGS_QSIZE		0x0070	/* multiple message enable */
#define PCI_MSI_FLAGS_64BIT		0x0080
#define PCI_MSI_FLAGS_MASKBIT		0x0100
#define PCI_MSI_ADDRESS_LO		4
#define PCI_MSI_ADDRESS_HI		8	/* 64-bit only */
#define PCI_MSI_DATA_32			8
#define PCI_MSI_DATA_64			12
#define PCI_MSI_MASK_32			12
#define PCI_MSI_MASK_64			16
#define PCI_MSI_PENDING_32		16
#define PCI_MSI_PENDING_64		20

/* pci_msi_init() flags */
#define PCI_MSI_64BIT			(1u << 0)
#define PCI_MSI_MASKABLE		(1u << 1)

/* MSI-X capability */
#define PCI_MSIX_FLAGS			2
#define PCI_MSIX_FLAGS_QSIZE		0x07ff	/* table size - 1 */
#define PCI_MSIX_FLAGS_MASKALL		0x4000
#define PCI_MSIX_FLAGS_ENABLE		0x8000
#define PCI_MSIX_TABLE			4	/* offset | BIR */
#define PCI_MSIX_PBA			8
#define PCI_MSIX_BIR_MASK		0x7
#define PCI_MSIX_CAP_LEN		12
#define PCI_MSIX_ENTRY_SIZE		16
#define PCI_MSIX_ENTRY_ADDR_LO		0
#define PCI_MSIX_ENTRY_ADDR_HI		4
#define PCI_MSIX_ENTRY_DATA		8
#define PCI_MSIX_ENTRY_CTRL		12
#define PCI_MSIX_ENTRY_CTRL_MASKBIT	0x1
#define PCI_MSIX_MAX_VECTORS		2048

struct pci_msi {
	uint8_t *cfg;
	size_t cfg_size;
	uint8_t cap;
	uint8_t len;			/* bytes of the capability */
	unsigned nvectors;		/* capable: 1, 2, 4, 8, 16 or 32 */
	bool is64, maskable;
	const struct msi_sink *sink;
};

/* -EINVAL: bad vector count, cap misplaced or not fitting in cfg. */
int pci_msi_init(struct pci_msi *m, uint8_t *cfg, size_t cfg_size, uint8_t cap,
		 unsigned nvectors, unsigned flags, const struct msi_sink *sink);
/* Registers to their reset values (disabled, unmasked, nothing pending). */
void pci_msi_reset(struct pci_msi *m);
bool pci_msi_config_write(struct pci_msi *m, unsigned off, uint32_t val, unsigned size);
bool pci_msi_enabled(const struct pci_msi *m);
/* Vectors the guest enabled (1 << multiple message enable). */
unsigned pci_msi_nr_enabled(const struct pci_msi *m);
/*
 * The device signals vector: 0 when sent or made pending (masked), -ENODEV
 * when MSI is disabled (use INTx), -EINVAL for a vector beyond the enabled
 * count, -EIO when bus mastering is off (dropped).
 */
int pci_msi_notify(struct pci_msi *m, unsigned vector);
bool pci_msi_is_pending(const struct pci_msi *m, unsigned vector);

struct pci_msix {
	uint8_t *cfg;
	size_t cfg_size;
	uint8_t cap;
	unsigned nvectors;
	uint8_t *table;			/* nvectors * 16 bytes, owned */
	uint64_t *pba;			/* (nvectors + 63) / 64 qwords, owned */
	uint8_t table_bar, pba_bar;
	uint32_t table_offset, pba_offset;
	const struct msi_sink *sink;
};

/* -EINVAL: bad count/BAR/offset alignment/placement; -ENOMEM. */
int pci_msix_init(struct pci_msix *x, uint8_t *cfg, size_t cfg_size, uint8_t cap,
		  unsigned nvectors, uint8_t table_bar, uint32_t table_offset,
		  uint8_t pba_bar, uint32_t pba_offset, const struct msi_sink *sink);
void pci_msix_destroy(struct pci_msix *x);
/* Disabled, function unmasked, every entry masked with address/data 0, PBA clear. */
void pci_msix_reset(struct pci_msix *x);
bool pci_msix_config_write(struct pci_msix *x, unsigned off, uint32_t val, unsigned size);
bool pci_msix_enabled(const struct pci_msix *x);
/* Bytes of the table / PBA (for sizing the BAR). */
size_t pci_msix_table_size(const struct pci_msix *x);
size_t pci_msix_pba_size(const struct pci_msix *x);
uint64_t pci_msix_table_read(void *opaque, uint64_t off, unsigned size);
void pci_msix_table_write(void *opaque, uint64_t off, uint64_t val, unsigned size);
uint64_t pci_msix_pba_read(void *opaque, uint64_t off, unsigned size);
void pci_msix_pba_write(void *opaque, uint64_t off, uint64_t val, unsigned size);
extern const struct bus_ops pci_msix_table_ops;
extern const struct bus_ops pci_msix_pba_ops;
/* As pci_msi_notify; a masked vector (entry or function mask) sets its PBA bit. */
int pci_msix_notify(struct pci_msix *x, unsigned vector);
bool pci_msix_is_pending(const struct pci_msix *x, unsigned vector);
/* The device's reason to interrupt went away while masked: drop the pending bit. */
void pci_msix_clear_pending(struct pci_msix *x, unsigned vector);

#endif
