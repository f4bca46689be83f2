/*
 * `-accel tcg`: the accel_ops of the software CPU. One struct tcg_cpu per
 * vCPU, run on the vCPU's own thread; the interrupt controllers are the
 * board's (kernel-irqchip=off), the LAPIC reached through tcg_board.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/lapic.h"
#include "board/log.h"
#include "vmm/accel/accel.h"
#include "vmm/accel/tcg/tcg.h"
#include "vmm/accel/tcg/tcg_board.h"
#include "vmm/accel/tcg/tcg_model.h"
#include "vmm/cpuid.h"

/*
 * The -cpu filter lives in the VMM (vmm/cpuid.c); libtcg.a is also linked
 * whole into test runners without it, hence weak references.
 */
#pragma weak cpuid_apply
#pragma weak cpuid_set_vcpu

/* A vCPU's set_debug() state (see "debugging" below). */
struct tcg_debug {
	struct accel_debug d;
	bool armed;			/* a step or a breakpoint: one instruction at a time */
	bool resume_valid;		/* the last run stopped at the breakpoint at resume_lin */
	uint64_t resume_lin;
};

struct tcg_accel {
	struct tcg_vm vm;
	struct tcg_cpu *cpu[BOARD_MAX_CPUS];
	uint64_t icount_gone;		/* instructions of destroyed vCPUs */
	struct tcg_debug dbg[BOARD_MAX_CPUS];
};

static int tcg_init(struct accel *a, char *err, size_t errlen)
{
	struct tcg_accel *t = calloc(1, sizeof(*t));
	struct cpuid_leaf *leaves;
	unsigned n;

	if (!t) {
		snprintf(err, errlen, "tcg: out of memory");
		return -ENOMEM;
	}
	if (a->cfg.irqchip == IRQCHIP_ON || a->cfg.irqchip == IRQCHIP_SPLIT) {
		snprintf(err, errlen, "tcg: kernel-irqchip=%s needs KVM; use kernel-irqchip=off",
			 a->cfg.irqchip == IRQCHIP_ON ? "on" : "split");
		free(t);
		return -EINVAL;
	}
	leaves = calloc(TCG_MAX_LEAVES, sizeof(*leaves));
	if (!leaves) {
		free(t);
		snprintf(err, errlen, "tcg: out of memory");
		return -ENOMEM;
	}
	n = tcg_cpuid_model(leaves, TCG_MAX_LEAVES, true);
	if (cpuid_apply && cpuid_apply(leaves, n, a->cfg.cpu_model, a->cfg.cpu_flags, a->cfg.ncpu_flags,
			err, errlen) < 0) {
		free(leaves);
		free(t);
		return -EINVAL;
	}
	t->vm.cpuid = leaves;
	t->vm.ncpuid = n;
	t->vm.host = a->cfg.host;
	t->vm.board = a->cfg.board;
	t->vm.ncpus = a->cfg.ncpus ? a->cfg.ncpus : 1;
	a->priv = t;
	a->irqchip = IRQCHIP_OFF;
	return 0;
}

static void tcg_destroy(struct accel *a)
{
	struct tcg_accel *t = a->priv;

	if (!t)
		return;
	if (log_mask & (LOG_CPU | LOG_EXEC | LOG_IN_ASM | LOG_INT))
		board_log(LOG_EXEC | LOG_CPU | LOG_IN_ASM | LOG_INT,
			  "tcg: %llu guest instructions executed", (unsigned long long)tcg_icount(a));
	tcg_vm_free(&t->vm);
	free(t);
	a->priv = NULL;
}

static int tcg_set_memory(struct accel *a, const struct accel_mem *mem, unsigned n,
			  char *err, size_t errlen)
{
	struct tcg_accel *t = a->priv;
	int r = tcg_vm_set_memory(&t->vm, mem, n);

	if (r < 0)
		snprintf(err, errlen, "tcg: memory map: %s", strerror(-r));
	/* vCPUs look at the new map before their next block */
	for (unsigned i = 0; i < BOARD_MAX_CPUS; i++)
		if (t->cpu[i])
			atomic_store(&t->cpu[i]->exit_req, 1);
	return r;
}

static int tcg_vcpu_init(struct accel *a, struct vcpu *v, char *err, size_t errlen)
{
	struct tcg_accel *t = a->priv;
	struct tcg_cpu *cpu;

	if (v->index >= BOARD_MAX_CPUS) {
		snprintf(err, errlen, "tcg: vCPU index %u out of range", v->index);
		return -EINVAL;
	}
	cpu = tcg_cpu_new(&t->vm, v->index);
	if (!cpu) {
		snprintf(err, errlen, "tcg: out of memory for vCPU %u", v->index);
		return -ENOMEM;
	}
	cpu->cpuid = malloc(t->vm.ncpuid * sizeof(*cpu->cpuid));
	if (!cpu->cpuid) {
		cpu->cpuid = t->vm.cpuid;
		tcg_cpu_free(cpu);
		snprintf(err, errlen, "tcg: out of memory for vCPU %u", v->index);
		return -ENOMEM;
	}
	memcpy(cpu->cpuid, t->vm.cpuid, t->vm.ncpuid * sizeof(*cpu->cpuid));
	if (cpuid_set_vcpu)
		cpuid_set_vcpu(cpu->cpuid, t->vm.ncpuid, v->apic_id, t->vm.ncpus);
	cpu->v = v;
	cpu->lapic = tcg_board_lapic(t->vm.board, v);
	v->priv = cpu;
	t->cpu[v->index] = cpu;
	return 0;
}

static void tcg_vcpu_destroy(struct vcpu *v)
{
	struct tcg_accel *t = v->accel ? v->accel->priv : NULL;

	if (t && v->index < BOARD_MAX_CPUS && t->cpu[v->index]) {
		t->icount_gone += t->cpu[v->index]->icount;
		t->cpu[v->index] = NULL;
	}
	tcg_cpu_free(v->priv);
	v->priv = NULL;
}

/* The LAPICs may be set up after vcpu_init: look again while there is none. */
static void find_lapic(struct tcg_cpu *cpu, struct vcpu *v)
{
	if (!cpu->lapic)
		cpu->lapic = tcg_board_lapic(cpu->vm->board, v);
}

static int tcg_vcpu_reset(struct vcpu *v)
{
	struct tcg_cpu *cpu = v->priv;

	find_lapic(cpu, v);
	tcg_cpu_reset(cpu, v->index == 0);
	return 0;
}

/* ---- debugging (accel.h set_debug) ---- */

static int tcg_set_debug(struct vcpu *v, const struct accel_debug *d, char *err, size_t errlen)
{
	struct tcg_accel *t = v->accel ? v->accel->priv : NULL;
	struct tcg_debug *dbg;

	if (!t || v->index >= BOARD_MAX_CPUS) {
		snprintf(err, errlen, "tcg: no such vCPU");
		return -EINVAL;
	}
	if (d->nhw > ACCEL_DEBUG_HW_MAX || d->nsw > ACCEL_DEBUG_SW_MAX) {
		snprintf(err, errlen, "tcg: at most %u hardware and %u software breakpoints",
			 ACCEL_DEBUG_HW_MAX, ACCEL_DEBUG_SW_MAX);
		return -ENOSPC;
	}
	dbg = &t->dbg[v->index];
	dbg->d = *d;
	dbg->armed = d->single_step || d->nhw || d->nsw;
	/* resume_valid stays: the debugger re-arms right before it resumes */
	return 0;
}

static bool debug_bp_at(const struct accel_debug *d, uint64_t lin)
{
	for (unsigned i = 0; i < d->nhw; i++)
		if (d->hw[i] == lin)
			return true;
	for (unsigned i = 0; i < d->nsw; i++)
		if (d->sw[i] == lin)
			return true;
	return false;
}

/*
 * One instruction at a time, the breakpoints compared with the linear RIP
 * before each: slow (every instruction is decoded anew) but exact. The
 * interpreter's loop (cpu.c) is left alone; two of its paths give what this
 * needs: with its budget already spent, tcg_cpu_run() only handles pending
 * events (interrupts, INIT/SIPI, a new memory map) and returns; and under an
 * interrupt shadow (inhibit_irq) it executes exactly one instruction, then
 * takes the interrupts due at that boundary.
 * Limits: an interrupt due after a step's instruction is taken before the
 * step ends (the stop is at its handler; KVM blocks them), the shadow an
 * STI or MOV SS creates is not kept while armed (an interrupt may come
 * between sti and the next instruction), and an instruction fetch that
 * faults lets cpu.c run its handler's first block at once (the stop is
 * then a few instructions in). A cpu.c entry that runs exactly one
 * instruction would lift all three.
 */
static enum accel_run debug_run(struct vcpu *v, struct tcg_cpu *cpu, struct tcg_debug *dbg)
{
	for (;;) {
		enum accel_run r;
		uint64_t before, lin;
		bool shadow;

		/*
		 * A budget of UINT64_MAX wraps to icount - 1: events only. Not
		 * before a step unless halted: the step is the instruction at RIP.
		 */
		if (cpu->icount && (!dbg->d.single_step || cpu->halted || cpu->wait_sipi)) {
			r = tcg_cpu_run(cpu, UINT64_MAX);
			if (r != ACCEL_RUN_KICK || atomic_load(&v->kick))
				return r;
		}
		lin = (cpu->seg[SEG_CS].lbase + cpu->rip) & cpu->lin_mask;
		if (!dbg->d.single_step && debug_bp_at(&dbg->d, lin) &&
		    !(dbg->resume_valid && dbg->resume_lin == lin)) {
			dbg->resume_valid = true;
			dbg->resume_lin = lin;
			return ACCEL_RUN_DEBUG;
		}
		before = cpu->icount;
		shadow = cpu->inhibit_irq;
		cpu->inhibit_irq = true;
		r = tcg_cpu_run(cpu, 1);
		if (cpu->icount == before) {
			/* nothing ran: halted, waiting for SIPI, kicked or stopped */
			cpu->inhibit_irq = shadow;
			if (r != ACCEL_RUN_KICK || atomic_load(&v->kick))
				return r;
			continue;
		}
		dbg->resume_valid = false;
		if (r == ACCEL_RUN_STOP)
			return r;
		if (dbg->d.single_step)
			return ACCEL_RUN_DEBUG;
		if (r != ACCEL_RUN_KICK || atomic_load(&v->kick))
			return r;
	}
}

static enum accel_run tcg_vcpu_run(struct vcpu *v)
{
	struct tcg_accel *t = v->accel ? v->accel->priv : NULL;

	find_lapic(v->priv, v);
	if (t && v->index < BOARD_MAX_CPUS && t->dbg[v->index].armed)
		return debug_run(v, v->priv, &t->dbg[v->index]);
	return tcg_cpu_run(v->priv, 0);
}

static void tcg_vcpu_kick(struct vcpu *v)
{
	struct tcg_cpu *cpu = v->priv;

	if (cpu)
		atomic_store(&cpu->exit_req, 1);
}

static int tcg_get_state(struct vcpu *v, struct cpu_state *s)
{
	tcg_cpu_get_state(v->priv, s);
	return 0;
}

static int tcg_set_state(struct vcpu *v, const struct cpu_state *s)
{
	tcg_cpu_set_state(v->priv, s);
	return 0;
}

void tcg_mem_written(struct accel *a, uint64_t gpa, uint64_t len)
{
	struct tcg_accel *t = a->priv;

	if (t)
		tcg_invalidate_phys(&t->vm, gpa, len);
}

uint64_t tcg_icount(struct accel *a)
{
	struct tcg_accel *t = a->priv;
	uint64_t n = t ? t->icount_gone : 0;

	for (unsigned i = 0; t && i < BOARD_MAX_CPUS; i++)
		if (t->cpu[i])
			n += t->cpu[i]->icount;
	return n;
}

const struct accel_ops tcg_accel_ops = {
	.name = "tcg",
	.init = tcg_init,
	.destroy = tcg_destroy,
	.set_memory = tcg_set_memory,
	.vcpu_init = tcg_vcpu_init,
	.vcpu_destroy = tcg_vcpu_destroy,
	.vcpu_reset = tcg_vcpu_reset,
	.vcpu_run = tcg_vcpu_run,
	.vcpu_kick = tcg_vcpu_kick,
	.get_state = tcg_get_state,
	.set_state = tcg_set_state,
	.set_debug = tcg_set_debug,
};
