/*
 * Inside the gdb stub: the x86-64 register file gdb sees (gdbstub_regs.c),
 * the packet machine (gdbstub.c) and stepping and breakpoints
 * (gdbstub_debug.c), which share struct gdbstub. All on the main loop.
 */
#ifndef VMM_GDBSTUB_INT_H
#define VMM_GDBSTUB_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/accel/accel.h"
#include "vmm/gdbstub.h"
#include "vmm/loop.h"

enum gdb_reg_kind { R_GPR, R_RIP, R_FLAGS, R_SEG, R_FPU, R_BASE, R_CR, R_EFER };

struct gdb_reg {
	const char *name;
	unsigned bits;
	enum gdb_reg_kind kind;
	int idx;
	const char *type;
	const char *feature;
};

/* gdb's register numbers index this table; the g packet is them in order. */
extern const struct gdb_reg gdb_regs[];
extern const unsigned gdb_nregs;

/* Register n of s; false when struct cpu_state does not hold it (x87). */
bool gdb_reg_get(const struct cpu_state *s, unsigned n, uint64_t *v);
/* Writes to registers struct cpu_state does not hold are dropped. */
void gdb_reg_set(struct cpu_state *s, unsigned n, uint64_t v);
/* The target description (static, built once); NULL on allocation failure. */
const char *gdb_target_xml(void);

/* ---- the stub's state (gdbstub.c, gdbstub_debug.c) ---- */

#define GDB_PACKET_MAX	4096		/* what we advertise (PacketSize) */
#define GDB_RX_MAX	(GDB_PACKET_MAX * 2 + 64)
#define GDB_MEM_MAX	((GDB_PACKET_MAX - 16) / 2)	/* bytes per m reply */
#define GDB_SIGINT	2
#define GDB_SIGTRAP	5
#define GDB_NO_STEP	-1

struct gdbstub {
	struct loop *loop;
	struct gdb_target t;
	int listen_fd, fd;
	bool holding;			/* the stub holds the vCPUs stopped */
	bool start_hold;		/* ... since -S, until a client continues */
	unsigned cpu_g;			/* Hg: registers and memory */
	int cpu_c;			/* Hc: the vCPU s steps; -1: cpu_g */
	/* breakpoints (every vCPU) and what the vCPUs were last armed with */
	struct accel_debug bp;
	bool armed;			/* some vCPU may have a step or breakpoint armed */
	int step_cpu;			/* the vCPU stepping, or GDB_NO_STEP */
	bool debug_warned;		/* the accelerator's refusal was printed once */
	bool swbreak, hwbreak;		/* gdb takes these stop reasons */
	/* a vCPU's ACCEL_RUN_DEBUG, from its thread to the main loop */
	atomic_int debug_cpu;		/* -1: none */
	struct loop_bh *debug_bh;
	char rx[GDB_RX_MAX];
	size_t rx_len;
	char *out;			/* reply being built */
	size_t out_len, out_cap;
};

/* gdbstub.c */
void gdb_reply(struct gdbstub *g, const char *s);
void gdb_hold(struct gdbstub *g);		/* stop every vCPU for the debugger */
void gdb_release(struct gdbstub *g);
/* A hex number ending at one of the stop characters (or the end). */
bool gdb_parse_hex(const char **p, uint64_t *v, const char *stops);
/* gdb thread ids: -1 all, 0 any, else vCPU index + 1. */
bool gdb_parse_thread(struct gdbstub *g, const char *p, unsigned *cpu);
int gdb_get_state(struct gdbstub *g, struct cpu_state *s);

/* gdbstub_debug.c: s, vCont, Z0/Z1 through the target's set_debug */
int gdb_debug_apply(struct gdbstub *g, int step_cpu);
void gdb_resume(struct gdbstub *g, int step_cpu);	/* GDB_NO_STEP: continue */
bool gdb_resume_at(struct gdbstub *g, const char *a);	/* "ADDR" of c/s packets */
void gdb_cmd_breakpoint(struct gdbstub *g, const char *p);
void gdb_cmd_vcont(struct gdbstub *g, const char *p);
void gdb_debug_stop_bh(void *opaque);			/* a vCPU's debug stop, on the loop */

#endif
