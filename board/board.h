/*
 * The board: one machine, accelerator-neutral.
 *
 * Contract
 * - Lifecycle (vmm/):  board_init() -> board_build(fdt) [RAM, CPUs, devices in
 *   document order] -> board_load_bios() -> loader/fw_cfg add ROMs ->
 *   rom_check() [overlaps; registers the ROM reset handler LAST] ->
 *   board_reset(b, RESET_POWER_ON) -> accelerator runs -> board_destroy().
 * - Locking: one board lock (recursive pthread mutex). Every device callback
 *   (bus read/write, timer, reset, irq handler reached from a device) runs
 *   with it held. Accelerators dispatch through board_pio_read() & co. or
 *   board_mem_rw(), which take it, or take it themselves (board_lock()).
 * - Memory: board_mem_resolve() says where a guest-physical byte lives for a
 *   read or a write (RAM, ROM, MMIO), following the BIOS mapping and the
 *   i440fx PAM shadowing of 0xC0000-0xFFFFF. board_mem_slots() lists the
 *   host-backed pieces for KVM; on_memory_map_change fires when they change.
 * - Interrupts: devices drive board_gsi_line(b, n), or their own line made a
 *   source of it by device_connect_irq(): board GSI line n is then the OR of
 *   those sources (two devices can share a GSI); the router (board/gsi)
 *   feeds the PIC/IOAPIC from the board lines.
 * - Local APICs (TCG, kernel-irqchip=off): board_apic_setup() once, after
 *   board_build(), makes b->apic the machine's APIC bus with one struct lapic
 *   per CPU of /cpus (index = vCPU index, BSP first), wires the PIC, IOAPIC
 *   and b->msi to it (gsi_wire_apic_bus) and puts the LAPICs back to their
 *   power-on state on every system reset. Accelerators find a vCPU's LAPIC
 *   with board_lapic(); every LAPIC call is made under the board lock.
 *   With KVM's in-kernel LAPIC (kernel-irqchip=on|split) nobody calls it and
 *   board_lapic() returns NULL.
 * - Reset and exit requests come from devices on vCPU threads: they only set
 *   a flag and call the notify hook; the VMM's main loop takes the request
 *   (board_take_request()) and performs it.
 */
#ifndef BOARD_BOARD_H
#define BOARD_BOARD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/clock.h"
#include "board/error.h"
#include "board/irq.h"
#include "board/lapic.h"
#include "board/memory.h"

#define BOARD_NR_GSI		24
#define BOARD_MAX_CPUS		255
#define BOARD_MAX_RAM		(1ull << 40)		/* 1 TiB: fits 40 phys-addr bits */
#define BOARD_DEFAULT_PCI_HOLE	0xe0000000ull		/* RAM stops here below 4 GiB */

/* Legacy window below 1 MiB */
#define BOARD_VGA_BASE		0xa0000ull
#define BOARD_VGA_END		0xc0000ull
#define BOARD_OPTROM_BASE	0xc0000ull		/* "pc.rom": 128 KiB option-ROM area */
#define BOARD_OPTROM_SIZE	0x20000ull
#define BOARD_ISA_BIOS_BASE	0xe0000ull		/* last 128 KiB of the BIOS alias here */
#define BOARD_ISA_BIOS_SIZE	0x20000ull
#define BOARD_LOW_END		0x100000ull

/*
 * i440fx PAM: 13 shadow regions. Index 0 is 0xF0000-0xFFFFF (PAM0, reg 0x59
 * high nibble); index 1..12 are the 16 KiB segments 0xC0000 + (i-1)*0x4000
 * (reg 0x5A low nibble = 1, 0x5A high = 2, ... 0x5F high = 12).
 */
#define PAM_REGIONS		13
#define PAM_RE			(1u << 0)	/* reads go to RAM (else BIOS ROM / PCI) */
#define PAM_WE			(1u << 1)	/* writes go to RAM (else dropped) */
#define PAM_REG_FIRST		0x59
#define PAM_REG_LAST		0x5f

enum reset_cause {
	RESET_POWER_ON,
	RESET_CF9,		/* port 0xCF9 */
	RESET_KBD,		/* i8042 command 0xFE */
	RESET_PORT92,		/* port 0x92 bit 0 */
	RESET_ACPI,		/* FADT reset register */
	RESET_TRIPLE_FAULT,
	RESET_GUEST_OTHER,	/* e.g. a test device */
	RESET_HOST,		/* monitor / gdb / host request */
	RESET_CAUSE_COUNT
};
const char *reset_cause_name(enum reset_cause cause);

typedef void (*reset_fn)(void *opaque, enum reset_cause cause);

struct reset_entry {
	reset_fn fn;
	void *opaque;
	const char *name;
};

/* ROM registry. gpa == ROM_NO_GPA: a blob only offered as a fw_cfg file. */
#define ROM_NO_GPA UINT64_MAX

struct rom_blob {
	char *name;		/* fw_cfg file name for file blobs ("genroms/x.bin"), else a label */
	uint8_t *data;		/* owned copy */
	size_t len;
	uint64_t gpa;		/* ROM_NO_GPA for fw_cfg-only blobs */
};

/* Host-backed piece of the guest-physical map, for KVM memory slots. */
struct board_mem_slot {
	uint64_t gpa, size;
	uint8_t *host;
	bool readonly;		/* writes must exit to the VMM (board_mem_rw) */
	const char *name;
};

enum board_mem_kind {
	BOARD_MEM_RAM,		/* *host valid for this access */
	BOARD_MEM_ROM,		/* reads: *host valid. writes: drop them */
	BOARD_MEM_MMIO,		/* dispatch to b->mmio */
};

enum board_request {
	BOARD_REQ_NONE,
	BOARD_REQ_RESET,	/* value = enum reset_cause */
	BOARD_REQ_EXIT,		/* value = exit status */
};

struct device;

struct board_gsi_src {
	uint8_t gsi;
	uint8_t level;
};

struct board {
	pthread_mutex_t lock;		/* recursive: the board lock */
	char name[32];			/* root "compatible" minus vendor, e.g. "pc" */
	const void *fdt;		/* tree board_build() ran on: the caller owns it and
					 * keeps it until board_destroy() (devices read it) */

	struct guest_mem mem;
	struct bus pio, mmio;
	struct timer_list timers;
	struct msi_sink msi;		/* set by the LAPIC model or the KVM glue */
	struct irq_line gsi[BOARD_NR_GSI];
	unsigned ncpus;
	uint32_t cpu_apic_id[BOARD_MAX_CPUS];
	struct board_gsi_src *gsi_src;	/* device_connect_irq() sources, OR-ed per GSI */
	unsigned ngsi_src, gsi_src_cap;
	struct apic_bus apic;		/* valid once board_apic_setup() ran */
	struct lapic *lapics;		/* ncpus of them, or NULL */

	/* legacy window and BIOS */
	bool vga_hole;			/* 0xA0000-0xBFFFF is MMIO (pc), not RAM */
	uint8_t *bios;			/* BIOS image, at 4 GiB - bios_size */
	uint64_t bios_size;
	uint8_t *optrom;		/* BOARD_OPTROM_SIZE bytes, ROM side of 0xC0000-0xDFFFF */
	uint8_t pam[PAM_REGIONS];	/* PAM_RE | PAM_WE per region */

	/* reset chain; the ROM handler is kept last (see rom_check) */
	struct reset_entry *reset;
	unsigned nreset, reset_cap;
	bool rom_reset_registered;

	/* ROM registry */
	struct rom_blob *roms;
	unsigned nroms, roms_cap;

	/* board_build(): compatible types in this NULL-terminated list that are
	 * not registered are skipped instead of being an error (tests only) */
	const char *const *skip_unregistered;

	/* devices, document order */
	struct device *devices;
	struct device **devices_tail;

	/* requests from devices (any thread) to the main loop */
	atomic_int req_kind;		/* enum board_request; exit beats reset */
	atomic_int req_value;
	bool no_reboot;			/* -no-reboot: a reset request becomes exit(0) */
	void (*notify)(void *opaque);
	void *notify_opaque;

	/* memory map changed (PAM write, BIOS mapped, RAM set up): remap KVM slots,
	 * flush TLBs. Runs with the board lock held, on the thread that changed
	 * the map (a vCPU thread for a PAM write): it must not wait for vCPUs. */
	void (*on_memory_map_change)(struct board *b, void *opaque);
	void *memory_map_opaque;
};

/* Empty board: buses, timers, lock; no RAM until board_build()/board_set_ram(). */
int board_init(struct board *b);
void board_destroy(struct board *b);
static inline void board_lock(struct board *b) { pthread_mutex_lock(&b->lock); }
static inline void board_unlock(struct board *b) { pthread_mutex_unlock(&b->lock); }

/*
 * Instantiate a board description: root compatible "bringup,<name>", /memory
 * (RAM), /cpus, then every node with a "compatible" and without
 * status = "disabled", depth first in document order (the binding is at the
 * top of board/boards/pc.dts). Errors name the node and property.
 */
int board_build(struct board *b, const void *fdt, struct board_err *err);
/* RAM without a tree (tests, tools). pci_hole 0 = BOARD_DEFAULT_PCI_HOLE. */
int board_set_ram(struct board *b, uint64_t ram_size, uint64_t pci_hole, struct board_err *err);
/* Built-in DTB by name ("pc", "microvm"); NULL if unknown. *len optional. */
const void *board_dtb(const char *name, size_t *len);
/* NULL-terminated list of built-in board names. */
const char *const *board_dtb_names(void);

/*
 * Editing a tree before board_build() (board_fdt.c), for -m, -smp and -device.
 * fdt must be writable with room to grow (fdt_open_into() into a larger
 * buffer); -FDT_ERR_NOSPACE comes back as -ENOSPC: grow and retry.
 */
int board_fdt_set_ram(void *fdt, uint64_t size, struct board_err *err);
int board_fdt_set_cpus(void *fdt, unsigned ncpus, struct board_err *err);
/* "-device type,prop=value,...,id=NAME": a node "/NAME" (default "/type@N")
 * under the root, with compatible and typed properties, so dumpdtb shows it;
 * unknown type, unknown property and bad values are errors naming them. */
int board_fdt_add_device(void *fdt, const char *opts, struct board_err *err);
/* u32 property on -device nodes: board_build() creates them after every
 * other device, in this order (libfdt can only prepend nodes). */
#define BOARD_FDT_CLI_ORDER "bringup,cli-order"

/* Map a BIOS image (multiple of 64 KiB, <= 16 MiB) at 4 GiB - len and its last
 * 128 KiB at 0xE0000 (ROM side of PAM). Registers it in the ROM registry. */
int board_load_bios(struct board *b, const void *data, size_t len, struct board_err *err);

/*
 * Our local APICs (see the contract above): -EALREADY if done, -EINVAL
 * before board_build() (no CPUs), -ENOMEM. Takes the board lock.
 */
int board_apic_setup(struct board *b, struct board_err *err);
/* vCPU cpu_index's LAPIC; NULL if out of range or board_apic_setup() did not run. */
struct lapic *board_lapic(struct board *b, unsigned cpu_index);

/* irq inputs of the GSI router; NULL if n is out of range. */
struct irq_line *board_gsi_line(struct board *b, unsigned n);

/* ---- dispatch for accelerators: take the board lock, log under -d ioport/mmio ---- */
uint64_t board_pio_read(struct board *b, uint16_t port, unsigned size);
void board_pio_write(struct board *b, uint16_t port, uint64_t value, unsigned size);
uint64_t board_mmio_read(struct board *b, uint64_t addr, unsigned size);
void board_mmio_write(struct board *b, uint64_t addr, uint64_t value, unsigned size);

/* ---- reset chain ---- */
/* Handlers run in registration order, except that the ROM handler stays last. */
int board_register_reset(struct board *b, reset_fn fn, void *opaque, const char *name);
/* Run the chain now (takes the board lock). The first handler, registered by
 * board_init(), puts the PAM registers back to 0 (reads and writes go to the
 * ROM side), as the chipset's reset does. vCPU state is the VMM's job. */
void board_reset(struct board *b, enum reset_cause cause);

/* ---- requests from devices (vCPU threads) ---- */
void board_request_reset(struct board *b, enum reset_cause cause);
void board_request_exit(struct board *b, int status);	/* the first pending status stands */
/* Main loop: take the pending request (clears it). Exit wins over reset. */
enum board_request board_take_request(struct board *b, int *value);

/* ---- ROM registry (board_rom.c) ---- */
/* Copy data; gpa = ROM_NO_GPA for a fw_cfg-only file blob. -EEXIST on duplicate name. */
int rom_add_blob(struct board *b, const char *name, const void *data, size_t len, uint64_t gpa);
unsigned rom_count(const struct board *b);
const struct rom_blob *rom_get(const struct board *b, unsigned i);
const struct rom_blob *rom_find(const struct board *b, const char *name);
/* Overlapping guest-address ROMs, or a ROM not backed by RAM/ROM: error naming
 * both/it. On success registers the ROM reset handler (once). */
int rom_check(struct board *b, struct board_err *err);

/* ---- memory map (board_mem.c) ---- */
/* PAM region 0..12 (see above) to attr (PAM_RE|PAM_WE; other bits ignored). */
void board_pam_set(struct board *b, unsigned region, unsigned attr);
/* Every region to 0 (the chipset's reset value); one map-change call. */
void board_pam_reset(struct board *b);
/* Convenience for the i440fx: config write of val to register 0x59..0x5F. */
void board_pam_write_reg(struct board *b, unsigned reg, uint8_t val);
/* Where does gpa live for this access: *host and *avail (bytes with the same
 * answer from gpa on; for MMIO up to the next host-backed piece) are set. */
enum board_mem_kind board_mem_resolve(struct board *b, uint64_t gpa, bool is_write,
				      uint8_t **host, uint64_t *avail);
/* Whole access through the map: RAM/ROM copied, ROM writes dropped, MMIO
 * dispatched in naturally sized pieces of at most 8 bytes. Takes the lock for MMIO. */
void board_mem_rw(struct board *b, uint64_t gpa, void *buf, uint64_t len, bool is_write);
/* Host-backed pieces in address order; returns count or -ENOSPC. */
int board_mem_slots(struct board *b, struct board_mem_slot *out, int max);
/* Write into whatever backs gpa for reads (RAM or ROM buffer), ignoring
 * read-only: how ROMs are loaded. -EFAULT if some byte is MMIO. */
int board_mem_write_rom(struct board *b, uint64_t gpa, const void *src, uint64_t len);
/* Fire on_memory_map_change. */
void board_mem_map_changed(struct board *b);

#endif
