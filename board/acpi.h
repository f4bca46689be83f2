/*
 * ACPI tables for the board: RSDP (v2), RSDT, XSDT, FADT (rev 5), FACS,
 * MADT, DSDT (static AML from board/acpi/dsdt.asl, compiled by iasl at build
 * time) and, if the board has one, HPET.
 *
 * A hardware-reduced board (microvm) gets no FACS and a FADT whose only
 * registers are the sleep control/status and reset ones.
 *
 * Contract
 * - acpi_build() turns a struct acpi_board_desc into one blob of tables
 *   ("etc/acpi/tables"), the RSDP ("etc/acpi/rsdp") and an ordered list of
 *   linker commands. Pointer fields in the blobs hold the offset of their
 *   target inside its file; checksums are not final.
 * - Two outputs from that one build:
 *   (a) fw_cfg: the two files plus "etc/table-loader", QEMU's
 *       BIOSLinkerLoader script (128-byte little-endian entries: ALLOCATE 1,
 *       ADD_POINTER 2, ADD_CHECKSUM 3) that qboot and SeaBIOS execute;
 *   (b) direct boot: acpi_relocate()/acpi_install() lay the tables out at
 *       given guest addresses with every pointer and checksum final, byte for
 *       byte what a firmware running the script would produce there.
 * - acpi_dump() writes each table of the direct form to DIR/<SIG>.dat
 *   (FACP.dat, APIC.dat, DSDT.dat, ..., RSDP.dat) for -machine dumpacpi=DIR.
 * - Functions return 0 or a negative errno; nothing here prints.
 */
#ifndef BOARD_ACPI_H
#define BOARD_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/memory.h"

struct fw_cfg;

#define ACPI_RSDP_SIZE		36
#define ACPI_MAX_TABLES		12
#define ACPI_MAX_CMDS		64
#define ACPI_MAX_CPUS		255

/* fw_cfg file names (QEMU's) */
#define ACPI_FILE_TABLES	"etc/acpi/tables"
#define ACPI_FILE_RSDP		"etc/acpi/rsdp"
#define ACPI_FILE_LOADER	"etc/table-loader"

/* BIOSLinkerLoader script */
#define ACPI_LOADER_ENTRY_SIZE	128
#define ACPI_LOADER_FILESZ	56
#define ACPI_LOADER_ALLOCATE	1
#define ACPI_LOADER_ADD_POINTER	2
#define ACPI_LOADER_ADD_CHECKSUM 3
#define ACPI_LOADER_ZONE_HIGH	1
#define ACPI_LOADER_ZONE_FSEG	2

/* defaults of the pc board (QEMU's values) */
#define ACPI_LAPIC_ADDR		0xfee00000u
#define ACPI_IOAPIC_ADDR	0xfec00000u
#define ACPI_HPET_ADDR		0xfed00000u
#define ACPI_PC_PM_BASE		0x600
#define ACPI_PC_GPE0_BASE	0xafe0
#define ACPI_PC_GPE0_LEN	4
#define ACPI_PC_SCI_IRQ		9
#define ACPI_PC_SMI_CMD		0xb2
#define ACPI_PC_ACPI_ENABLE	0xf1
#define ACPI_PC_ACPI_DISABLE	0xf0
#define ACPI_PC_RESET_PORT	0xcf9
#define ACPI_PC_RESET_VALUE	0x06
#define ACPI_PC_PCI_IRQ_MASK	((1u << 5) | (1u << 9) | (1u << 10) | (1u << 11))
#define ACPI_RTC_CENTURY	0x32

/*
 * microvm (QEMU's values): hardware-reduced ACPI; the sleep control/status
 * and reset registers are bytes of the "acpi-ged" register block.
 */
#define ACPI_MICROVM_GED_REGS	0xfea00200u
#define ACPI_GED_SLEEP_CTL	0x00	/* SLP_TYP << 2 | SLP_EN */
#define ACPI_GED_SLEEP_STS	0x01
#define ACPI_GED_RESET		0x02
#define ACPI_GED_REGS_SIZE	0x03
#define ACPI_GED_RESET_VALUE	0x42
#define ACPI_GED_SLP_TYP_S5	5	/* the microvm DSDT's \_S5 */
#define ACPI_GED_SLP_TYP_SHIFT	2
#define ACPI_GED_SLP_EN		0x20

struct acpi_board_desc {
	unsigned ncpus;			/* 1..ACPI_MAX_CPUS */
	const uint32_t *apic_ids;	/* NULL: 0..ncpus-1 */
	uint32_t lapic_addr;
	uint32_t ioapic_addr;
	uint8_t ioapic_id;
	uint32_t ioapic_gsi_base;
	bool pic;			/* dual 8259 present (MADT PCAT_COMPAT) */
	bool irq0_override;		/* ISA IRQ 0 -> GSI 2 */
	uint16_t pci_irq_mask;		/* ISA IRQs PCI links may use: level, active high */

	uint16_t pm_base;		/* PM1a_EVT +0, PM1a_CNT +4, PM_TMR +8 */
	uint16_t gpe0_base;		/* 0: none */
	uint8_t gpe0_len;
	uint16_t sci_irq;
	uint16_t smi_cmd;		/* 0: always in ACPI mode */
	uint8_t acpi_enable, acpi_disable;
	uint16_t reset_port;		/* 0: no reset register in I/O space */
	uint64_t reset_mmio;		/* reset register in memory, if no reset_port; 0: none */
	uint8_t reset_value;
	uint8_t rtc_century;		/* CMOS index of the century, 0 = none */

	bool has_8042;			/* IAPC_BOOT_ARCH bits */
	bool legacy_devices;
	bool no_vga;

	bool has_pci;
	uint32_t pci_hole_start;	/* start of the 32-bit PCI window (patched into the DSDT) */
	bool has_hpet;
	uint32_t hpet_addr;

	/*
	 * HW_REDUCED_ACPI: no PM1/PM timer/GPE blocks, no SCI/SMI, no FACS;
	 * sleep through the byte registers below (memory space, 0: none).
	 * pm_base, gpe0_base, sci_irq and smi_cmd must be 0.
	 */
	bool hw_reduced;
	uint64_t sleep_ctl, sleep_sts;

	const uint8_t *dsdt;		/* NULL: the built-in DSDT for has_pci */
	size_t dsdt_len;
};

/* QEMU-pc defaults for ncpus CPUs; pci_hole_start is where low RAM ends. */
void acpi_board_desc_pc(struct acpi_board_desc *d, unsigned ncpus, uint32_t pci_hole_start);
/*
 * microvm: hardware-reduced FADT with the GED sleep/reset registers, MADT
 * with PCAT_COMPAT and the ISA IRQ 0 -> GSI 2 override (our GSI router wires
 * the PIT there), no PCI interrupt overrides; the microvm DSDT.
 */
void acpi_board_desc_microvm(struct acpi_board_desc *d, unsigned ncpus);

enum acpi_file { ACPI_F_TABLES, ACPI_F_RSDP };

struct acpi_cmd {
	uint32_t kind;			/* ACPI_LOADER_* */
	uint8_t file;			/* enum acpi_file: allocated / patched / summed */
	uint8_t src;			/* ADD_POINTER: file whose address is added */
	uint8_t size;			/* ADD_POINTER: 1, 2, 4 or 8 */
	uint32_t offset;		/* ADD_POINTER / ADD_CHECKSUM: field offset */
	uint32_t start, len;		/* ADD_CHECKSUM range */
	uint32_t align;			/* ALLOCATE */
	uint8_t zone;			/* ALLOCATE */
};

struct acpi_table_ref {
	char sig[5];
	uint32_t offset, len;		/* in the tables blob */
};

struct acpi_tables {
	uint8_t *blob;			/* "etc/acpi/tables" */
	size_t len;
	uint8_t rsdp[ACPI_RSDP_SIZE];	/* "etc/acpi/rsdp" */
	uint8_t *loader;		/* "etc/table-loader" */
	size_t loader_len;
	unsigned ntables;
	struct acpi_table_ref table[ACPI_MAX_TABLES];
	unsigned ncmds;
	struct acpi_cmd cmd[ACPI_MAX_CMDS];
};

/* Built-in AML (board/acpi/module.mk); NULL/0 if the build had no iasl. */
const uint8_t *acpi_builtin_dsdt(size_t *len);
const uint8_t *acpi_builtin_dsdt_microvm(size_t *len);

int acpi_build(const struct acpi_board_desc *d, struct acpi_tables *t);
void acpi_tables_free(struct acpi_tables *t);

/* Add etc/acpi/tables, etc/acpi/rsdp, etc/table-loader (copies). */
int acpi_add_fw_cfg(const struct acpi_tables *t, struct fw_cfg *fc);

/*
 * Final tables for the blob at tables_gpa and the RSDP at rsdp_gpa:
 * tables_out has t->len bytes. -ERANGE if a 32-bit pointer cannot reach,
 * -EINVAL if an address breaks the script's alignment.
 */
int acpi_relocate(const struct acpi_tables *t, uint64_t tables_gpa, uint64_t rsdp_gpa,
		  uint8_t *tables_out, uint8_t rsdp_out[ACPI_RSDP_SIZE]);
/* acpi_relocate, then written into guest RAM (gmem_write). */
int acpi_install(const struct acpi_tables *t, struct guest_mem *m, uint64_t tables_gpa,
		 uint64_t rsdp_gpa);
/* Write DIR/<SIG>.dat for every table and DIR/RSDP.dat (direct form at those addresses). */
int acpi_dump(const struct acpi_tables *t, uint64_t tables_gpa, uint64_t rsdp_gpa,
	      const char *dir);

/* Byte sum helper: 0 for a table with a good checksum. */
uint8_t acpi_checksum(const void *p, size_t len);

#endif
