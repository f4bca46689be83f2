/*
 * Inside the gdb stub: the x86-64 register file gdb sees (gdbstub_regs.c)
 * and the packet machine (gdbstub.c).
 */
#ifndef VMM_GDBSTUB_INT_H
#define VMM_GDBSTUB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/accel/accel.h"

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

#endif
