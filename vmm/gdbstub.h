/*
 * A gdb remote stub (-gdb tcp:[HOST]:PORT, -s, -S) on the main loop.
 *
 * Contract
 * - Accelerator-neutral: the stub sees the machine only through struct
 *   gdb_target (vmm/machine.c fills it): stop/resume every vCPU, get/set a
 *   parked vCPU's struct cpu_state, guest-physical memory. It touches vCPU
 *   state only while it holds the vCPUs stopped.
 * - One client at a time; a second connection is refused. A client that
 *   connects stops the guest (as QEMU's stub does) and the stop is reported
 *   as SIGTRAP; Ctrl-C (0x03) stops a running guest with SIGINT. A client
 *   that goes away lets a guest it stopped run again; with -S the guest
 *   waits for a client's first c (or D), as QEMU's.
 * - Memory addresses in m/M packets are linear (virtual) addresses, as
 *   QEMU's: with CR0.PG clear they are guest-physical; with paging on the
 *   stub walks the guest's page tables (32-bit, PAE, 4-level) through the
 *   selected vCPU's CR3. Segments are not applied: in real mode "x/i $pc"
 *   reads at linear IP, not CS:IP (use $cs*16+$pc), as with QEMU.
 * - Registers follow the target description the stub serves (target.xml,
 *   i386:x86-64): the 16 GPRs, rip, eflags, the six segment selectors,
 *   the x87 registers (reported unavailable: struct cpu_state has no FPU
 *   state), fs_base/gs_base, and cr0, cr2, cr3, cr4, cr8, efer.
 * - s, vCont;s/c/S/C, Z0/z0 (software) and Z1/z1 (hardware breakpoints)
 *   go to the accelerator's set_debug() hook (accel.h) through
 *   t->set_debug, on every vCPU (breakpoints) or the stepping one. Guest
 *   memory is never patched: Z0 is an execution breakpoint the accelerator
 *   keeps, not an int3. Breakpoint addresses are linear, as m/M addresses
 *   (real mode: CS*16+IP), so gdb names a breakpoint as it stops there
 *   only where CS's base is 0. A step or breakpoint stop is reported as
 *   T05thread:N;, with swbreak:/hwbreak: when gdb asked for them and RIP
 *   is the breakpoint's address (else gdb would resume silently); then
 *   every vCPU is held. While running, every vCPU runs (all-stop); the
 *   stepping one is Hc's, vCont's first s, or Hg's. A stub whose
 *   accelerator cannot (t->set_debug NULL or -ENOSYS, e.g. a KVM without
 *   guest debugging) answers s with E38 (gdb stops waiting and stays where
 *   it was) and Z0/Z1 with E22 ("cannot insert breakpoint"), never with
 *   "" (gdb would patch int3 instead); too many breakpoints (KVM: 4 in
 *   all): E28. A client that goes away leaves no breakpoint armed.
 * - When the machine ends, gdbstub_exited() sends W<status> to the client.
 */
#ifndef VMM_GDBSTUB_H
#define VMM_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/accel/accel.h"

struct loop;
struct gdbstub;

struct gdb_target {
	void *opaque;
	unsigned ncpus;
	/* Park every vCPU (returns when they are), and let them run again. Nested. */
	void (*stop)(void *opaque);
	void (*resume)(void *opaque);
	int (*get_state)(void *opaque, unsigned cpu, struct cpu_state *s);
	int (*set_state)(void *opaque, unsigned cpu, const struct cpu_state *s);
	/* Guest-physical RAM/ROM; -1 if some byte is neither (MMIO, nothing). */
	int (*read_phys)(void *opaque, uint64_t gpa, void *buf, size_t len);
	int (*write_phys)(void *opaque, uint64_t gpa, const void *buf, size_t len);
	/* gdb's k: end the VMM. */
	void (*kill)(void *opaque);
	/* Arm a stopped vCPU (accel_ops.set_debug); NULL: not supported. */
	int (*set_debug)(void *opaque, unsigned cpu, const struct accel_debug *dbg,
			 char *err, size_t errlen);
};

/*
 * Listen on host:port (host NULL: every local address). stopped: the vCPUs
 * are already held stopped for the stub (-S); the stub releases them on c.
 */
struct gdbstub *gdbstub_new(struct loop *l, const char *host, unsigned port,
			    const struct gdb_target *t, bool stopped, char *err, size_t errlen);
/*
 * vCPU cpu's run returned ACCEL_RUN_DEBUG and the vCPU parks (the VMM's
 * host->event(ACCEL_EV_DEBUG)). Any thread; g may be NULL. The stop reply
 * goes out from the main loop.
 */
void gdbstub_debug_stop(struct gdbstub *g, unsigned cpu);
/* The machine ends with this status: tell the client (W packet). */
void gdbstub_exited(struct gdbstub *g, int status);
/* Close the sockets; a stop the stub holds is released. */
void gdbstub_free(struct gdbstub *g);

/* Linear -> guest-physical through the page tables of s (0, or -1 if not mapped). */
int gdb_linear_to_phys(const struct gdb_target *t, const struct cpu_state *s, uint64_t la,
		       uint64_t *pa, uint64_t *page_left);

#endif
