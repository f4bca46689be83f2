/*
 * Long-mode system instructions: syscall/sysret (STAR, LSTAR, CSTAR,
 * SFMASK), swapgs. The flat segments they load are fixed by the
 * architecture, not read from the GDT (SDM vol. 2, SYSCALL/SYSRET).
 */
#include "vmm/accel/tcg/exec.h"

#define RFLAGS_SYSRET_MASK	0x3c7fd7u	/* what sysret takes from R11 */

static void flat_seg(struct cpu_segment *d, uint16_t sel, bool code, bool l, unsigned dpl)
{
	*d = (struct cpu_segment){ .selector = sel, .base = 0, .limit = 0xffffffff,
				   .type = code ? 0xb : 0x3, .s = 1, .present = 1,
				   .dpl = (uint8_t)dpl, .db = !l, .l = l, .g = 1 };
}

static void set_rflags(struct tcg_cpu *cpu, uint32_t v)
{
	flags_write(cpu, v, ~0u);
}

void op_syscall(struct tcg_cpu *cpu, const struct insn *in)
{
	uint16_t sel = (uint16_t)(cpu->star >> 32) & 0xfffc;
	uint32_t fl = flags_get(cpu);

	if (!(cpu->efer & EFER_SCE) || !(cpu->cr0 & CR0_PE))
		cpu_ud(cpu);
	if (cpu->efer & EFER_LMA) {
		bool from64 = cpu->code_bits == 64;

		cpu->gpr[CPU_RCX] = cpu->next_rip;
		cpu->gpr[CPU_R11] = fl & ~FL_RF;
		flat_seg(&cpu->seg[SEG_CS].d, sel, true, true, 0);
		flat_seg(&cpu->seg[SEG_SS].d, (uint16_t)(sel + 8), false, false, 0);
		set_rflags(cpu, fl & ~(uint32_t)cpu->sfmask & ~FL_RF);
		cpu->next_rip = from64 ? cpu->lstar : cpu->cstar;
	} else {
		cpu->gpr[CPU_RCX] = (uint32_t)cpu->next_rip;
		flat_seg(&cpu->seg[SEG_CS].d, sel, true, false, 0);
		flat_seg(&cpu->seg[SEG_SS].d, (uint16_t)(sel + 8), false, false, 0);
		set_rflags(cpu, fl & ~(FL_VM | FL_IF | FL_RF));
		cpu->next_rip = (uint32_t)cpu->star;
	}
	cpu_set_cpl(cpu, 0);
	cpu_update_mode(cpu);
}

void op_sysret(struct tcg_cpu *cpu, const struct insn *in)
{
	uint16_t sel = (uint16_t)(cpu->star >> 48);

	if (!(cpu->efer & EFER_SCE))
		cpu_ud(cpu);
	if (!(cpu->cr0 & CR0_PE) || cpu->cpl != 0)
		cpu_gp(cpu, 0);
	if (cpu->efer & EFER_LMA) {
		bool to64 = in->osz == 8;
		uint64_t rip = to64 ? cpu->gpr[CPU_RCX] : (uint32_t)cpu->gpr[CPU_RCX];

		if (to64 && (uint64_t)((int64_t)(rip << 16) >> 16) != rip)
			cpu_gp(cpu, 0);
		if (to64)
			flat_seg(&cpu->seg[SEG_CS].d, (uint16_t)((sel + 16) | 3), true, true, 3);
		else
			flat_seg(&cpu->seg[SEG_CS].d, (uint16_t)(sel | 3), true, false, 3);
		flat_seg(&cpu->seg[SEG_SS].d, (uint16_t)((sel + 8) | 3), false, false, 3);
		set_rflags(cpu, ((uint32_t)cpu->gpr[CPU_R11] & RFLAGS_SYSRET_MASK) |
				     RFLAGS_RESERVED);
		cpu->next_rip = rip;
	} else {
		flat_seg(&cpu->seg[SEG_CS].d, (uint16_t)(sel | 3), true, false, 3);
		flat_seg(&cpu->seg[SEG_SS].d, (uint16_t)((sel + 8) | 3), false, false, 3);
		set_rflags(cpu, flags_get(cpu) | FL_IF);
		cpu->next_rip = (uint32_t)cpu->gpr[CPU_RCX];
	}
	cpu_set_cpl(cpu, 3);
	cpu_update_mode(cpu);
	cpu->irq_check = true;
}

void op_swapgs(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t t;

	if (cpu->code_bits != 64)
		cpu_ud(cpu);
	if (cpu->cpl != 0)
		cpu_gp(cpu, 0);
	t = cpu->seg[SEG_GS].d.base;
	cpu->seg[SEG_GS].d.base = cpu->kernel_gs_base;
	cpu->kernel_gs_base = t;
	seg_update_cache(cpu, SEG_GS);
}
