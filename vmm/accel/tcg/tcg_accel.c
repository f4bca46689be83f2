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

struct tcg_accel {
	struct tcg_vm vm;
	struct tcg_cpu *cpu[BOARD_MAX_CPUS];
	uint64_t icount_gone;		/* instructions of destroyed vCPUs */
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

static enum accel_run tcg_vcpu_run(struct vcpu *v)
{
	find_lapic(v->priv, v);
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
};
