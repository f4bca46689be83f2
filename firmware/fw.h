/*
 * bringup firmware: the contract between its parts.
 *
 * The image is 64 KiB linked at 0xF0000 with the reset vector in its last 16
 * bytes. entry.S switches to flat 32-bit protected mode at once (GDT: 0x08
 * 16-bit code based at 0xF0000, 0x10/0x18 flat 32-bit code/data as Linux's
 * 32-bit boot protocol wants them, 0x20 16-bit data), makes 0xE0000-0xFFFFF
 * shadow RAM through the PAM registers (no chipset: microvm's BIOS is RAM
 * already), copies itself there and calls fw_main(). .bss and the stack live
 * in low RAM at FW_RAM_BASE-FW_STACK_TOP, so a board whose BIOS area cannot
 * be written (bringup's microvm) still runs the firmware from the ROM there;
 * the image holds no writable data, only .fseg (tables and bios16_data),
 * which mem.c moves to the EBDA when the F segment is read-only. Everything
 * runs flat with paging off, so a guest-physical address is a pointer.
 *
 * Kernels: boot.c takes the bzImage QEMU or bringup split into SETUP_* and
 * KERNEL_* keys; kload.c loads whole files itself (multiboot v1, PVH ELF,
 * unsplit bzImage) from opt/bringup/kernel or an unsplit KERNEL_DATA, and
 * finishes QEMU's own multiboot hand-over (POSTCODES.md, "fw_cfg inputs").
 *
 * Phases report a POST code on port 0x80 (POSTCODES.md); the log goes to the
 * QEMU debug console (port 0x402) when present, else COM1, and is silenced by
 * the fw_cfg file opt/bringup/quiet (errors are always printed).
 */
#ifndef FW_H
#define FW_H

/* ---- memory layout ---------------------------------------------------------- */
#define FW_IMAGE_BASE		0x000f0000
#define FW_ESEG_BASE		0x000e0000
/* .bss, .noinit and the stack: low RAM the firmware owns until the hand-over */
#define FW_RAM_BASE		0x00070000
#define FW_STACK_TOP		0x00090000
#define FW_ZERO_PAGE		0x00007000	/* boot_params for the 32-bit entry */
#define FW_EBDA_SEG		0x9fc0
#define FW_EBDA_BASE		0x0009fc00
#define FW_LOWMEM_END		0x000a0000
#define BIOS_E820_MAX		128	/* entries int 15h E820 can report */
/* struct bios16_data field offsets, for bios16.S */
#define BIOS16_E820_NR		0
#define BIOS16_E801_AX		4
#define BIOS16_E801_BX		6
#define BIOS16_EXT_KB		8
#define BIOS16_RM_IDT		10
#define BIOS16_E820_TAB		16

/* ---- POST codes (port 0x80); keep POSTCODES.md in step ---------------------- */
#define POST_RESET		0x01	/* entry.S: reset vector, real mode */
#define POST_PROTECTED		0x02	/* entry.S: 32-bit protected mode */
#define POST_SHADOW		0x03	/* running in shadow RAM, C entry */
#define POST_FW_CFG		0x10	/* fw_cfg found */
#define POST_E820		0x20	/* memory map built */
#define POST_CHIPSET		0x30	/* chipset (PM, PIRQ, ELCR, MMCONFIG) set up */
#define POST_PCI		0x31	/* PCI enumerated, BARs assigned */
#define POST_LEGACY		0x40	/* IVT, BDA, PIC, PIT ready */
#define POST_ACPI		0x50	/* ACPI tables loaded through table-loader */
#define POST_MPTABLE		0x51	/* MP table written */
#define POST_SMBIOS		0x52	/* SMBIOS written */
#define POST_KERNEL_LOAD	0x60	/* loading kernel, initrd, command line */
#define POST_KERNEL_READY	0x61	/* boot_params filled */
#define POST_KERNEL_FILE	0x62	/* whole kernel file probed (multiboot/PVH/bzImage) */
#define POST_BOOT_MULTIBOOT	0x6c	/* jumping to a multiboot entry */
#define POST_BOOT_PVH		0x6d	/* jumping to a PVH entry */
#define POST_BOOT32		0x6f	/* jumping to the 32-bit entry */
#define POST_BOOT16		0x70	/* jumping to the 16-bit real-mode setup */
#define POST_ERR_NO_FW_CFG	0xe0	/* halted: no fw_cfg */
#define POST_ERR_NO_KERNEL	0xe1	/* halted: no kernel given */
#define POST_ERR_BAD_KERNEL	0xe2	/* halted: kernel header unusable */
#define POST_ERR_NO_MEMORY	0xe3	/* halted: allocation failed */

#ifndef __ASSEMBLER__
#include "firmware/logic/fwlogic.h"
#include <stdarg.h>

/* ---- port I/O --------------------------------------------------------------- */
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline void post(u8 code) { outb(0x80, code); }

/* Large buffers always written before they are read: left out of the .bss clear. */
#define __noinit __attribute__((section(".noinit")))

/* A pointer to a physical address (flat, paging off); hides 0 from the optimizer. */
static inline void *phys(uintptr_t addr)
{
	void *p = (void *)addr;

	__asm__("" : "+r"(p));
	return p;
}

/* What bios16.S reads through %cs: in the image, so in the F segment. */
struct bios16_data {
	u32 e820_nr;
	u16 e801_ax, e801_bx, ext_kb;
	u8 rm_idt[6];
	u8 e820_tab[BIOS_E820_MAX * 20];
} __attribute__((packed));
extern struct bios16_data bios16_data;

/* ---- lib.c: string functions, log --------------------------------------------- */
void log_init(void);
void log_configure(bool quiet, bool verbose);
bool log_verbose(void);
/* log_puts/log_hex: the default log (the banner, the boot line), unformatted;
 * log_printf: the rest of what is logged by default (rarer boot paths);
 * log_detail: only with opt/bringup/verbose (PCI, tables, e820), since
 * formatting those lines costs more instructions than the rest of the boot. */
void log_puts(const char *s);
void log_hex(u32 v);
/* text[0] value[0] text[1] value[1] ... then a newline, the values in hex */
void log_fields(const char *const *text, const u32 *value, u32 n);
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fw_vsnprintf(char *buf, u32 size, const char *fmt, va_list ap);
void __attribute__((noreturn)) fw_halt(u8 code);
/* CPUID leaf 1 EAX/EDX, read once by fw_cpu_init() */
extern u32 fw_cpu_sig, fw_cpu_features;
void fw_cpu_init(void);
/* Before jumping to what is booted: CR4 back as at reset. */
void fw_cpu_handover(void);
/* sum8(): SSE2 under an emulator, else a dword at a time (lib.c, sum.S) */
u8 fw_sum8(const void *p, u32 len);

/* ---- fwcfg.c ------------------------------------------------------------------ */
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_KERNEL_ADDR	0x07
#define FW_CFG_KERNEL_SIZE	0x08
#define FW_CFG_INITRD_ADDR	0x0a
#define FW_CFG_INITRD_SIZE	0x0b
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

bool fw_cfg_init(void);			/* false: no "QEMU" signature */
bool fw_cfg_has_dma(void);
void fw_cfg_read_entry(u16 key, void *buf, u32 len);
/* len bytes from offset into the item (the caller checks against its size) */
void fw_cfg_read_at(u16 key, u32 offset, void *buf, u32 len);
u32 fw_cfg_read32(u16 key);
/* File lookup: 0 and select/size, -1 if absent. */
int fw_cfg_find(const char *name, u16 *select, u32 *size);
int fw_cfg_read_file(const char *name, void *buf, u32 max, u32 *size);
int fw_cfg_write_entry(u16 key, u32 offset, const void *buf, u32 len);
/* Numeric value of an opt/ file holding decimal text; def if absent. */
u32 fw_cfg_opt_u32(const char *name, u32 def);

/* ---- mem.c: e820 and allocation ------------------------------------------------ */
extern struct e820_map fw_e820;
void mem_init(void);
/* The high zone grows down from the top of RAM below 4 GiB; floor: nothing below. */
void mem_set_high_floor(u32 floor);
void *mem_alloc_high(u32 size, u32 align);
/* Not zeroed: for blobs loaded whole right after (the table-loader's files). */
void *mem_alloc_high_raw(u32 size, u32 align);
void *mem_alloc_fseg(u32 size, u32 align);
/* False on a board whose BIOS area is read-only: the EBDA holds the tables. */
bool mem_fseg_writable(void);
void mem_finish(void);			/* add the firmware's reserved areas, normalize */
u32 mem_low_ram_top(void);		/* RAM end below 4 GiB */
u32 mem_high_bottom(void);		/* lowest byte the high zone has handed out */

/* ---- pci.c ------------------------------------------------------------------- */
enum fw_board { BOARD_NONE, BOARD_I440FX, BOARD_Q35 };
extern enum fw_board fw_board;
u32 pci_cfg_read32(u16 bdf, u8 reg);
u16 pci_cfg_read16(u16 bdf, u8 reg);
u8 pci_cfg_read8(u16 bdf, u8 reg);
void pci_cfg_write32(u16 bdf, u8 reg, u32 v);
void pci_cfg_write16(u16 bdf, u8 reg, u16 v);
void pci_cfg_write8(u16 bdf, u8 reg, u8 v);
enum fw_board pci_detect_board(void);
void pci_setup(void);

/* ---- bios.c, bios16.S: legacy state and real-mode services -------------------- */
void bios_setup(void);
/* Mask both 8259s before a 32-bit kernel or program runs: they deliver at
 * vector base 0x08, which is #DF in protected mode, and a kernel on
 * hardware-reduced ACPI (microvm) never reprograms them. */
void bios_pic_mask_all(void);
/* Copy the final e820 map where int 15h finds it (after mem_finish). */
void bios_publish_e820(void);
void mptable_setup(void);
void smbios_setup(void);

/* ---- acpi.c ------------------------------------------------------------------ */
extern u32 fw_rsdp;
void acpi_setup(void);

/* ---- boot.c, kload.c ----------------------------------------------------------- */
#define OPT_KERNEL		"opt/bringup/kernel"	/* wins over -kernel (kload.c) */
void __attribute__((noreturn)) boot_kernel(void);
void __attribute__((noreturn)) boot_bad_kernel(const char *what);
void __attribute__((noreturn)) boot_enter32(u32 entry, u32 zero_page);
/* A whole kernel file in fw_cfg item key: multiboot, PVH ELF or bzImage. */
void __attribute__((noreturn)) boot_file(u16 key, u32 size);
/* QEMU loaded a multiboot image itself (KERNEL_ENTRY set). */
void __attribute__((noreturn)) boot_qemu_multiboot(u32 entry);
/* QEMU loaded a PVH ELF itself (KERNEL_ENTRY set, SETUP_DATA its header). */
void __attribute__((noreturn)) boot_qemu_pvh(u32 entry);
/* Highest end of the kernel and initrd QEMU placed: the high zone stays above. */
u32 boot_reserved_top(void);
/* bios.c: run the kernel's real-mode setup at setup_addr (protocol < 2.02 or boot16=1). */
void __attribute__((noreturn)) boot16_enter(u32 setup_addr, const struct bp_info *bi);

#endif /* __ASSEMBLER__ */
#endif
