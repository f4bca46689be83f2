/*
 * The accelerator interface: what the VMM needs from a CPU implementation
 * (KVM in vmm/accel/kvm, the software CPU in vmm/accel/tcg).
 *
 * Contract
 * - An accelerator is a `struct accel_ops` table found by name
 *   (accel_find("kvm")). It never knows which devices exist: every port and
 *   MMIO access, reset and shutdown goes to the `struct accel_host` callbacks
 *   the VMM (vmm/machine.c) supplies, which dispatch to the board under the
 *   board lock.
 * - Lifecycle: init() -> set_memory() -> vcpu_init() for each vCPU ->
 *   vcpu_reset() -> the VMM starts one thread per vCPU, each calling
 *   vcpu_run() in a loop -> vcpu_destroy() -> destroy().
 * - vcpu_run() runs the guest on the calling (vCPU) thread until something
 *   needs the VMM: it returns an `enum accel_run`. vcpu_kick() may be called
 *   from any thread; it makes a running or about-to-run vcpu_run() return
 *   ACCEL_RUN_KICK promptly (KVM: a signal plus immediate_exit).
 * - get_state()/set_state()/vcpu_reset() are called only on the vCPU's own
 *   thread, or from another thread while the vCPU is parked (not in vcpu_run).
 * - Interrupts: with an in-kernel or in-accelerator irqchip the VMM calls
 *   set_irq() (a GSI level) and send_msi(); without, the VMM's own
 *   controllers decide and the accelerator asks host->irq_pending()/irq_ack()
 *   when the guest can take an interrupt.
 * - Notifications without the VMM's thread in the way (all optional, NULL:
 *   unsupported, the VMM keeps exits and set_irq()/send_msi()):
 *   add_ioeventfd() makes a guest write of exactly e->len bytes at e->addr
 *   (a port when e->pio; with e->datamatch only the value e->data) signal
 *   the eventfd e->fd instead of exiting; del_ioeventfd() takes the same
 *   description back. add_irqfd() makes a write to f->fd raise an interrupt:
 *   f->msi, the message (address, data) (the accelerator keeps a route for
 *   it); else GSI f->gsi of the in-kernel irqchip, and with f->resample_fd
 *   >= 0 as a level: asserted until the guest EOIs it, then resample_fd is
 *   signalled (the VMM re-raises it if its line is still high).
 *   del_irqfd() takes the same f. They return 0; -ENOTSUP when this VM
 *   cannot (capability missing, irqchip mode); -EEXIST, -EINVAL, -ENOSPC,
 *   -errno otherwise, with one line in err for the add calls. Called under
 *   the board lock from any thread.
 * - Debugging (optional; NULL: the gdb stub says it cannot step or break):
 *   set_debug() arms vCPU v (parked, or its own thread) for its next runs.
 *   With dbg->single_step a run executes one instruction and returns
 *   ACCEL_RUN_DEBUG (a fault or an interrupt taken at that boundary leaves
 *   the vCPU at its handler). dbg->hw[] and dbg->sw[] are execution
 *   breakpoints at linear addresses: a run returns ACCEL_RUN_DEBUG before
 *   the instruction there executes, except for the first instruction of a
 *   run that resumes at the breakpoint it stopped on (as RFLAGS.RF). Guest
 *   memory is never patched: the accelerator implements sw[] as it likes
 *   (KVM puts hw[] and sw[] in DR0-3, 4 in all; TCG compares the linear RIP
 *   before every instruction while any is set: slow, exact, unlimited).
 *   A zeroed struct disarms. Returns 0, -ENOSYS when this host cannot,
 *   -ENOSPC for too many breakpoints, -errno; one line in err. The VMM
 *   parks a vCPU whose run returned ACCEL_RUN_DEBUG and reports it as
 *   host->event(ACCEL_EV_DEBUG) from that vCPU's thread (vmm/cpus.c).
 * - Errors: init() and the vcpu calls return negative errno with one line in
 *   err (no "bringup: " prefix); the VMM prints it and exits 1.
 */
#ifndef VMM_ACCEL_ACCEL_H
#define VMM_ACCEL_ACCEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/cli.h"

/* ---- CPU state ------------------------------------------------------------- */

enum { CPU_RAX, CPU_RCX, CPU_RDX, CPU_RBX, CPU_RSP, CPU_RBP, CPU_RSI, CPU_RDI,
       CPU_R8, CPU_R9, CPU_R10, CPU_R11, CPU_R12, CPU_R13, CPU_R14, CPU_R15, CPU_NGPR };
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDT, SEG_TR, SEG_NR };

struct cpu_segment {
	uint64_t base;
	uint32_t limit;			/* byte granular (expanded when g = 1) */
	uint16_t selector;
	uint8_t type;			/* descriptor type field, 4 bits */
	uint8_t s, dpl, present, avl, l, db, g;
	uint8_t unusable;
};

struct cpu_dtable {
	uint64_t base;
	uint16_t limit;
};

#define CR0_PE		(1ull << 0)
#define CR0_ET		(1ull << 4)
#define CR0_NW		(1ull << 29)
#define CR0_CD		(1ull << 30)
#define CR0_PG		(1ull << 31)
#define CR4_PAE		(1ull << 5)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define RFLAGS_RESERVED	(1ull << 1)
#define RFLAGS_IF	(1ull << 9)
#define APIC_BASE_DEFAULT 0xfee00000ull
#define APIC_BASE_BSP	(1ull << 8)
#define APIC_BASE_ENABLE (1ull << 11)

struct cpu_state {
	uint64_t gpr[CPU_NGPR];
	uint64_t rip, rflags;
	struct cpu_segment seg[SEG_NR];
	struct cpu_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	uint64_t apic_base;
	uint64_t dr[8];			/* DR0-3, unused, unused, DR6, DR7 */
};

/*
 * The state after RESET/INIT as the SDM (vol. 3, 9.1.1, table 9-1) defines it:
 * CS 0xF000 with base 0xFFFF0000, IP 0xFFF0, CR0 0x60000010, EDX the CPUID(1)
 * signature, flat 64 KiB data segments, the LAPIC at 0xFEE00000 (BSP bit on
 * CPU 0).
 */
static inline void cpu_state_reset(struct cpu_state *s, uint32_t signature, bool bsp)
{
	static const struct cpu_segment data = {
		.limit = 0xffff, .type = 3, .s = 1, .present = 1,	/* read/write, accessed */
	};

	*s = (struct cpu_state){ 0 };
	s->gpr[CPU_RDX] = signature;
	s->rip = 0xfff0;
	s->rflags = RFLAGS_RESERVED;
	for (int i = 0; i < SEG_NR; i++)
		s->seg[i] = data;
	s->seg[SEG_CS].selector = 0xf000;
	s->seg[SEG_CS].base = 0xffff0000;
	s->seg[SEG_CS].type = 0xb;			/* execute/read, accessed */
	s->seg[SEG_LDT] = (struct cpu_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	s->seg[SEG_TR] = (struct cpu_segment){ .limit = 0xffff, .type = 0xb, .present = 1 };
	s->gdt.limit = 0xffff;
	s->idt.limit = 0xffff;
	s->cr0 = CR0_CD | CR0_NW | CR0_ET;		/* 0x60000010 */
	s->dr[6] = 0xffff0ff0;
	s->dr[7] = 0x400;
	s->apic_base = APIC_BASE_DEFAULT | APIC_BASE_ENABLE | (bsp ? APIC_BASE_BSP : 0);
}

/* 16, 32 or 64: the code size the CPU decodes with in this state. */
static inline int cpu_state_code_bits(const struct cpu_state *s)
{
	if ((s->efer & EFER_LMA) && s->seg[SEG_CS].l)
		return 64;
	if ((s->cr0 & CR0_PE) && s->seg[SEG_CS].db)
		return 32;
	return 16;
}

/* ---- what the VMM provides to an accelerator --------------------------------- */

/* A host-backed piece of guest-physical memory. */
struct accel_mem {
	uint64_t gpa, size;
	uint8_t *host;
	bool readonly;			/* guest writes exit to host->mmio() */
};

enum accel_event {
	ACCEL_EV_TRIPLE_FAULT,		/* KVM_EXIT_SHUTDOWN / TCG triple fault */
	ACCEL_EV_RESET,			/* system event: guest-requested reset */
	ACCEL_EV_POWEROFF,		/* system event: guest power-off */
	ACCEL_EV_CRASH,			/* system event: crash, or an unhandled exit (dumped) */
	ACCEL_EV_DEBUG,			/* ACCEL_RUN_DEBUG: the vCPU is parked for the debugger */
};

struct vcpu;

struct accel_host {
	void *opaque;
	/* Port I/O and MMIO: called on the vCPU thread; they take the board lock. */
	void (*pio)(void *opaque, uint16_t port, void *data, unsigned size, bool is_write);
	void (*mmio)(void *opaque, uint64_t gpa, void *data, unsigned len, bool is_write);
	/* Copy guest memory that is RAM or ROM (never MMIO); -1 if some byte is not. */
	int (*read_mem)(void *opaque, uint64_t gpa, void *buf, size_t len);
	/* The guest did something that ends this run: the VMM decides (reset, exit). */
	void (*event)(void *opaque, struct vcpu *v, enum accel_event ev);
	/* kernel-irqchip=split: the LAPIC EOI'd a level-triggered vector. */
	void (*ioapic_eoi)(void *opaque, unsigned vector);
	/* kernel-irqchip=off: is an ExtINT/PIC interrupt waiting, and take it. */
	bool (*irq_pending)(void *opaque, struct vcpu *v);
	int (*irq_ack)(void *opaque, struct vcpu *v);
};

struct accel_config {
	unsigned ncpus;
	enum irqchip_mode irqchip;	/* IRQCHIP_DEFAULT: the accelerator's choice */
	const char *cpu_model;		/* NULL: "max" */
	const struct cpu_flag *cpu_flags;
	unsigned ncpu_flags;
	struct board *board;		/* for accelerators that walk guest memory themselves (TCG) */
	const struct accel_host *host;
};

/* ---- vCPUs --------------------------------------------------------------------- */

enum accel_run {
	ACCEL_RUN_KICK,			/* kicked: the VMM checks its requests */
	ACCEL_RUN_HALT,			/* guest halted, nothing to deliver: sleep until kicked */
	ACCEL_RUN_STOP,			/* an event was reported to the host: park */
	ACCEL_RUN_DEBUG,		/* a step ended or a breakpoint was reached (set_debug) */
};

/* set_debug(): see the contract. */
#define ACCEL_DEBUG_HW_MAX	4
#define ACCEL_DEBUG_SW_MAX	32
struct accel_debug {
	bool single_step;
	unsigned nhw, nsw;
	uint64_t hw[ACCEL_DEBUG_HW_MAX];	/* linear addresses */
	uint64_t sw[ACCEL_DEBUG_SW_MAX];
};

struct vcpu {
	unsigned index;
	unsigned apic_id;
	pthread_t thread;
	bool thread_started;
	void *priv;			/* the accelerator's */
	struct accel *accel;
	atomic_bool kick;		/* set by vcpu_kick(), cleared by the vCPU thread */
};

struct accel {
	const struct accel_ops *ops;
	struct accel_config cfg;
	enum irqchip_mode irqchip;	/* resolved by init() */
	void *priv;
};

/* set_eoi_routes(): one level-triggered IOAPIC entry (see struct accel_ops). */
#define ACCEL_EOI_ROUTES	24
struct accel_eoi_route {
	bool valid;
	bool has_data2;
	unsigned gsi;
	uint64_t address;
	uint32_t data, data2;
};

/* add_ioeventfd()/del_ioeventfd(): see the contract. */
struct accel_ioeventfd {
	uint64_t addr;
	unsigned len;			/* 1, 2, 4 or 8 */
	bool pio;
	bool datamatch;
	uint64_t data;
	int fd;
};

/* add_irqfd()/del_irqfd(): see the contract. */
struct accel_irqfd {
	int fd;
	bool msi;
	uint64_t address;		/* msi */
	uint32_t data;
	unsigned gsi;			/* !msi */
	int resample_fd;		/* !msi: -1 for an edge */
};

struct accel_ops {
	const char *name;
	/* Check the host, create the VM; fills a->priv and a->irqchip. */
	int (*init)(struct accel *a, char *err, size_t errlen);
	void (*destroy)(struct accel *a);
	/* Make guest memory exactly these pieces (called again when the map changes). */
	int (*set_memory)(struct accel *a, const struct accel_mem *mem, unsigned n,
			  char *err, size_t errlen);
	int (*vcpu_init)(struct accel *a, struct vcpu *v, char *err, size_t errlen);
	void (*vcpu_destroy)(struct vcpu *v);
	/* Architectural RESET (or INIT for APs with bsp = false) state. */
	int (*vcpu_reset)(struct vcpu *v);
	enum accel_run (*vcpu_run)(struct vcpu *v);
	void (*vcpu_kick)(struct vcpu *v);
	int (*get_state)(struct vcpu *v, struct cpu_state *s);
	int (*set_state)(struct vcpu *v, const struct cpu_state *s);
	/* In-accelerator irqchip: GSI level and MSI. NULL or -ENOSYS without one. */
	int (*set_irq)(struct accel *a, unsigned gsi, int level);
	int (*send_msi)(struct accel *a, uint64_t address, uint32_t data);
	/*
	 * Optional, kernel-irqchip=split (NULL: the accelerator has no split
	 * mode). The accelerator's LAPIC reports the EOI of a vector through
	 * host->ioapic_eoi() only for the level-triggered IOAPIC entries the
	 * VMM declares here: n routes, each (gsi < 24, the MSI address and data
	 * the entry sends, and data2, the vector still in service, when
	 * has_data2); the declaration replaces the previous one. 0, -EINVAL,
	 * -ENOMEM, -errno. vcpu_unhalt() makes v leave an in-accelerator halt
	 * at its next entry (a spurious wake-up for the guest), so an EOI the
	 * accelerator holds until its next exit comes out; the VMM kicks v after.
	 */
	int (*set_eoi_routes)(struct accel *a, const struct accel_eoi_route *r, unsigned n);
	void (*vcpu_unhalt)(struct vcpu *v);
	/* Optional: single-step and breakpoints (contract above). */
	int (*set_debug)(struct vcpu *v, const struct accel_debug *dbg, char *err, size_t errlen);
	/* Optional: ioeventfd and irqfd (contract above). */
	int (*add_ioeventfd)(struct accel *a, const struct accel_ioeventfd *e, char *err,
			     size_t errlen);
	int (*del_ioeventfd)(struct accel *a, const struct accel_ioeventfd *e);
	int (*add_irqfd)(struct accel *a, const struct accel_irqfd *f, char *err, size_t errlen);
	int (*del_irqfd)(struct accel *a, const struct accel_irqfd *f);
};

/* Registry (vmm/accel.c): "kvm", "tcg". NULL if not built into this binary. */
const struct accel_ops *accel_find(const char *name);
/* The accelerator's ops tables (the TCG defines tcg_accel_ops). */
extern const struct accel_ops kvm_accel_ops;
extern const struct accel_ops tcg_accel_ops __attribute__((weak));

/*
 * Register dump (vmm/cpu_dump.c): the state and, when code is non-NULL, the
 * instructions at CS:RIP disassembled by capstone in the mode the state says.
 */
void cpu_state_dump(FILE *f, const struct cpu_state *s, const uint8_t *code, size_t code_len);
/* Dump vCPU v, fetching code through host->read_mem. */
void vcpu_dump(FILE *f, struct vcpu *v, const char *why);

#endif
