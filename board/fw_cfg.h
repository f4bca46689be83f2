/*
 * QEMU-compatible firmware configuration device (docs/specs/fw_cfg.rst).
 *
 * Guest interface (x86 I/O ports):
 *   0x510  selector, 16-bit write: picks an item and resets its offset to 0
 *   0x511  data, 8-bit read: next byte of the item; 0 once past its end
 *   0x514  DMA address, big-endian 64-bit as two 32-bit halves (high at
 *          0x514, low at 0x518); writing the low half (or all 8 bytes) starts
 *          the transfer. Reading it gives "QEMU CFG".
 *
 * Contract
 * - Items are keyed by 16-bit selectors: bit 15 selects the arch-local table,
 *   bit 14 (write channel) is ignored, the low 14 bits index the table.
 * - Files (fw_cfg_add_file*) live at 0x20 and up, in name order, as QEMU
 *   does: adding a file can move other files to new keys, so look files up
 *   by name. The directory at 0x19 always reflects the current set.
 * - Every DMA access to guest memory goes through gmem_read/gmem_write. A
 *   request whose FWCfgDmaAccess structure, or whose [address, address +
 *   length) for a read or write, is not wholly RAM gets the error bit and has
 *   no other effect (no select, no offset change, no memory written).
 * - Writes reach only items marked writable, only inside the item (no
 *   resizing); anything else sets the error bit and changes nothing.
 * - Item data added with the plain calls is copied; the *_ref calls keep the
 *   caller's buffer (it must outlive the fw_cfg, e.g. a mapped initrd).
 * - All functions return 0 or a negative errno.
 */
#ifndef BOARD_FW_CFG_H
#define BOARD_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/memory.h"

struct loader_err;

/* ports */
#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511
#define FW_CFG_PORT_DMA		0x514	/* high half; low half at 0x518 */
#define FW_CFG_IO_LEN		2	/* selector + data */
#define FW_CFG_DMA_LEN		8

#define FW_CFG_DMA_SIGNATURE	0x51454d5520434647ull	/* "QEMU CFG", big-endian */

/* keys */
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_UUID		0x02
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NOGRAPHIC	0x04
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_MACHINE_ID	0x06
#define FW_CFG_KERNEL_ADDR	0x07
#define FW_CFG_KERNEL_SIZE	0x08
#define FW_CFG_KERNEL_CMDLINE	0x09
#define FW_CFG_INITRD_ADDR	0x0a
#define FW_CFG_INITRD_SIZE	0x0b
#define FW_CFG_BOOT_DEVICE	0x0c
#define FW_CFG_NUMA		0x0d
#define FW_CFG_BOOT_MENU	0x0e
#define FW_CFG_MAX_CPUS		0x0f
#define FW_CFG_KERNEL_ENTRY	0x10
#define FW_CFG_KERNEL_DATA	0x11
#define FW_CFG_INITRD_DATA	0x12
#define FW_CFG_CMDLINE_ADDR	0x13
#define FW_CFG_CMDLINE_SIZE	0x14
#define FW_CFG_CMDLINE_DATA	0x15
#define FW_CFG_SETUP_ADDR	0x16
#define FW_CFG_SETUP_SIZE	0x17
#define FW_CFG_SETUP_DATA	0x18
#define FW_CFG_FILE_DIR		0x19
#define FW_CFG_FILE_FIRST	0x20

/* x86 arch-local keys (bit 15 set) */
#define FW_CFG_ARCH_LOCAL	0x8000
#define FW_CFG_ACPI_TABLES	(FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES	(FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE	(FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE	(FW_CFG_ARCH_LOCAL + 3)
#define FW_CFG_HPET		(FW_CFG_ARCH_LOCAL + 4)

#define FW_CFG_WRITE_CHANNEL	0x4000
#define FW_CFG_ENTRY_MASK	0x3fff
#define FW_CFG_FILE_SLOTS	0x80
#define FW_CFG_MAX_ENTRY	(FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS)
#define FW_CFG_MAX_FILE_PATH	56

/* FW_CFG_ID bits */
#define FW_CFG_VERSION		0x01
#define FW_CFG_VERSION_DMA	0x02

/* FWCfgDmaAccess.control bits */
#define FW_CFG_DMA_CTL_ERROR	0x01
#define FW_CFG_DMA_CTL_READ	0x02
#define FW_CFG_DMA_CTL_SKIP	0x04
#define FW_CFG_DMA_CTL_SELECT	0x08
#define FW_CFG_DMA_CTL_WRITE	0x10

/* directory entry as the guest sees it (all big-endian) */
#define FW_CFG_DIR_ENTRY_SIZE	64

/* After a DMA write into a writable item: which bytes changed. */
typedef void (*fw_cfg_write_cb)(void *opaque, uint32_t offset, uint32_t len);
/* When the guest selects the item (PIO or DMA), before any data moves. */
typedef void (*fw_cfg_select_cb)(void *opaque);

struct fw_cfg_entry {
	uint8_t *data;
	uint32_t len;
	bool present;
	bool owned;		/* data is ours to free */
	bool writable;		/* DMA writes allowed */
	fw_cfg_write_cb write_cb;
	fw_cfg_select_cb select_cb;
	void *opaque;
};

struct fw_cfg {
	struct guest_mem *mem;		/* DMA target; may be NULL (DMA then errors) */
	bool dma_enabled;
	struct fw_cfg_entry entries[2][FW_CFG_MAX_ENTRY];	/* [generic, arch] */
	unsigned nfiles;
	char file_name[FW_CFG_FILE_SLOTS][FW_CFG_MAX_FILE_PATH];
	uint16_t cur_key;		/* as written by the guest */
	bool cur_valid;			/* cur_key names an existing table slot */
	uint32_t cur_off;
	uint64_t dma_addr;		/* address register */
	uint8_t *dir;			/* directory blob (entry FW_CFG_FILE_DIR) */
};

/* Signature, FW_CFG_ID (DMA bit if dma), empty directory. */
int fw_cfg_init(struct fw_cfg *fc, struct guest_mem *mem, bool dma);
void fw_cfg_destroy(struct fw_cfg *fc);
/* Back to selector 0, offset 0, DMA address 0 (machine reset). */
void fw_cfg_reset(struct fw_cfg *fc);

/* Numbered items (key < FW_CFG_FILE_FIRST, or an arch key). Replaces an existing item. */
int fw_cfg_add_bytes(struct fw_cfg *fc, uint16_t key, const void *data, size_t len);
int fw_cfg_add_bytes_ref(struct fw_cfg *fc, uint16_t key, const void *data, size_t len);
int fw_cfg_add_string(struct fw_cfg *fc, uint16_t key, const char *s);	/* with its NUL */
int fw_cfg_add_i16(struct fw_cfg *fc, uint16_t key, uint16_t v);	/* little-endian */
int fw_cfg_add_i32(struct fw_cfg *fc, uint16_t key, uint32_t v);
int fw_cfg_add_i64(struct fw_cfg *fc, uint16_t key, uint64_t v);

/* Files: -EEXIST on a duplicate name, -ENAMETOOLONG (>= 56 bytes), -ENOSPC when full. */
int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, size_t len);
int fw_cfg_add_file_ref(struct fw_cfg *fc, const char *name, const void *data, size_t len);
/* A file the guest may write by DMA (copied; cb may be NULL). */
int fw_cfg_add_file_writable(struct fw_cfg *fc, const char *name, const void *data,
			     size_t len, fw_cfg_write_cb cb, void *opaque);
/* Replace a file's data (copied; the size may change; the directory follows). -ENOENT if absent. */
int fw_cfg_modify_file(struct fw_cfg *fc, const char *name, const void *data, size_t len);
/* Key of a file, or -ENOENT. */
int fw_cfg_file_key(const struct fw_cfg *fc, const char *name);
/* Current data of an item (files: use fw_cfg_file_key). NULL if absent. */
const uint8_t *fw_cfg_item(const struct fw_cfg *fc, uint16_t key, uint32_t *len);
/* Called when the guest selects key (e.g. to build tables lazily). */
int fw_cfg_set_select_cb(struct fw_cfg *fc, uint16_t key, fw_cfg_select_cb cb, void *opaque);

/* The keys every PC machine has, as QEMU sets them. */
struct fw_cfg_pc_info {
	uint64_t ram_size;
	unsigned ncpus, max_cpus;
	bool nographic;
	bool boot_menu;
	uint16_t boot_device;		/* 0 = default ('c') */
	int32_t boot_fail_wait;		/* etc/boot-fail-wait; -1 = never reboot */
};
int fw_cfg_add_pc_keys(struct fw_cfg *fc, const struct fw_cfg_pc_info *pc);
/* etc/e820: entries of {le64 addr, le64 size, le32 type}. */
int fw_cfg_add_e820(struct fw_cfg *fc, const void *entries, unsigned n);

/*
 * -kernel, as QEMU's x86 Linux loader: a bzImage becomes SETUP_* (the first
 * (setup_sects + 1) * 512 bytes with the header patched) and KERNEL_* (the
 * rest), with CMDLINE_* and INITRD_* placed where QEMU puts them. Any other
 * image is only KERNEL_SIZE/KERNEL_DATA (plus cmdline and initrd data).
 * The kernel and initrd buffers are referenced, not copied: keep them alive
 * as long as the fw_cfg. Errors are negative loader statuses with err filled.
 */
#define FW_CFG_PC_ACPI_DATA_SIZE	0x28000u	/* QEMU pc: top of low RAM kept for ACPI */

struct fw_cfg_kernel_args {
	const uint8_t *kernel;
	size_t kernel_len;
	const uint8_t *initrd;		/* NULL: none */
	size_t initrd_len;
	const char *cmdline;		/* NULL: "" */
	uint64_t below_4g;		/* RAM below 4 GiB */
	uint32_t acpi_data_size;	/* 0: FW_CFG_PC_ACPI_DATA_SIZE */
};
/* What fw_cfg_add_kernel chose (for the boot report and tests). */
struct fw_cfg_kernel_layout {
	bool bzimage;
	uint32_t real_addr, cmdline_addr, prot_addr;
	uint32_t setup_size, kernel_size;
	uint32_t initrd_addr, initrd_max;
};
int fw_cfg_add_kernel(struct fw_cfg *fc, const struct fw_cfg_kernel_args *a,
		      struct fw_cfg_kernel_layout *out, struct loader_err *err);

/* Port access with absolute port numbers (what the bus ops call). */
uint64_t fw_cfg_io_read(struct fw_cfg *fc, uint16_t port, unsigned size);
void fw_cfg_io_write(struct fw_cfg *fc, uint16_t port, uint64_t value, unsigned size);
/* Direct select (as the selector port) and a DMA kick at gpa. */
void fw_cfg_select(struct fw_cfg *fc, uint16_t key);
void fw_cfg_dma_kick(struct fw_cfg *fc, uint64_t gpa);

/* Bus glue: io_ops on [0x510, 0x512), dma_ops on [0x514, 0x51c); opaque = fc. */
extern const struct bus_ops fw_cfg_io_ops;
extern const struct bus_ops fw_cfg_dma_ops;
/* Register both regions (DMA only if enabled); -EEXIST names the clash. */
int fw_cfg_register_pio(struct fw_cfg *fc, struct bus *pio, const char **clash);

/*
 * Board glue (fw_cfg_dev.c): device type "fw_cfg_io" with properties iobase
 * (0x510), dma-iobase (0x514) and dma_enabled (1); realize adds the machine
 * keys from the board's RAM and CPU count.
 */
struct board;
/* The board's fw_cfg, NULL if it has none. */
struct fw_cfg *board_fw_cfg(struct board *b);
/* Offer every fw_cfg-only ROM of the registry (genroms/..., linuxboot_dma.bin) as a file. */
int fw_cfg_add_roms(struct fw_cfg *fc, const struct board *b);

#endif
