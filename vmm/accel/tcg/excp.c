/*
 * Exceptions and interrupts: real-mode IVT, protected-mode IDT interrupt
 * and trap gates (16/32-bit) with stack switches through the TSS, the
 * 64-bit IDT (IST), error codes, and the double/triple fault rules of the
 * SDM (vol. 3, 6.15, table 6-5).
 */
#include "board/log.h"
#include "vmm/accel/tcg/tcg.h"

NORETURN void cpu_raise(struct tcg_cpu *cpu, int vec, uint32_t err, bool has_err)
{
	cpu->exc_vec = vec;
	cpu->exc_err = err;
	cpu->exc_has_err = has_err;
	cpu->exc_soft = false;
	longjmp(cpu->jb, 1);
}

NORETURN void cpu_raise_soft(struct tcg_cpu *cpu, int vec)
{
	cpu->exc_vec = vec;
	cpu->exc_err = 0;
	cpu->exc_has_err = false;
	cpu->exc_soft = true;
	longjmp(cpu->jb, 1);
}

static bool contributory(int vec)
{
	return vec == EXC_DE || (vec >= EXC_TS && vec <= EXC_GP);
}

static void push_sys(struct tcg_cpu *cpu, unsigned size, uint64_t v)
{
	stack_push(cpu, size, v);
}

static void deliver_real(struct tcg_cpu *cpu, int vec, uint64_t ret)
{
	uint64_t a = (uint64_t)vec * 4;
	uint16_t ip, cs;

	if (a + 3 > cpu->idt.limit)
		cpu_gp(cpu, (uint32_t)vec * 8 + 2);
	ip = (uint16_t)lin_read(cpu, (cpu->idt.base + a) & cpu->lin_mask, 2);
	cs = (uint16_t)lin_read(cpu, (cpu->idt.base + a + 2) & cpu->lin_mask, 2);
	push_sys(cpu, 2, flags_get(cpu));
	push_sys(cpu, 2, cpu->seg[SEG_CS].d.selector);
	push_sys(cpu, 2, ret);
	cpu->eflags &= ~(FL_IF | FL_TF | FL_AC | FL_RF);
	seg_load_real(cpu, SEG_CS, cs);
	cpu->rip = ip;
}

static void deliver_prot(struct tcg_cpu *cpu, int vec, uint32_t err, bool has_err, bool soft,
			 bool ext, uint64_t ret)
{
	bool lm = cpu->efer & EFER_LMA;
	unsigned esz = lm ? 16 : 8, type, gdpl, dpl, gsz;
	uint32_t lo, hi, clo, chi, ext_bit = ext ? 1 : 0;
	uint64_t a = (uint64_t)vec * esz, off;
	uint32_t old_flags = flags_get(cpu);
	uint16_t sel, old_cs = cpu->seg[SEG_CS].d.selector, old_ss = cpu->seg[SEG_SS].d.selector;
	uint64_t old_sp = cpu->gpr[CPU_RSP];
	bool vm = old_flags & FL_VM, inner = false;
	unsigned ist = 0;

	if (a + esz - 1 > cpu->idt.limit)
		cpu_gp(cpu, (uint32_t)vec * 8 + 2 + ext_bit);
	lo = (uint32_t)sys_read(cpu, cpu->idt.base + a, 4);
	hi = (uint32_t)sys_read(cpu, cpu->idt.base + a + 4, 4);
	type = (hi >> 8) & 0x1f;
	gdpl = (hi >> 13) & 3;
	switch (type) {
	case 0x05:
		if (!lm)
			break;
		/* fall through */
	default:
		cpu_gp(cpu, (uint32_t)vec * 8 + 2 + ext_bit);
	case 0x06: case 0x07:
		if (lm)
			cpu_gp(cpu, (uint32_t)vec * 8 + 2 + ext_bit);
		break;
	case 0x0e: case 0x0f:
		break;
	}
	if (soft && gdpl < cpu->cpl)
		cpu_gp(cpu, (uint32_t)vec * 8 + 2);
	if (!(hi & (1u << 15)))
		cpu_raise(cpu, EXC_NP, (uint32_t)vec * 8 + 2 + ext_bit, true);
	if (type == 0x05) {
		if (log_enabled(LOG_UNIMP))
			board_log(LOG_UNIMP, "tcg: task gate for vector %d not supported", vec);
		cpu_gp(cpu, (uint32_t)vec * 8 + 2 + ext_bit);
	}
	sel = (uint16_t)(lo >> 16);
	off = (lo & 0xffff) | (hi & 0xffff0000u);
	if (lm) {
		off |= sys_read(cpu, cpu->idt.base + a + 8, 4) << 32;
		ist = hi & 7;
	}
	gsz = lm ? 8 : (type & 8) ? 4 : 2;
	if ((sel & 0xfffc) == 0)
		cpu_gp(cpu, ext_bit);
	desc_read(cpu, sel, &clo, &chi, EXC_GP);
	dpl = (chi >> 13) & 3;
	if (!(chi & (1u << 12)) || !(chi & (1u << 11)) || dpl > cpu->cpl)
		cpu_gp(cpu, (sel & 0xfffc) + ext_bit);
	if (!(chi & (1u << 15)))
		cpu_raise(cpu, EXC_NP, (sel & 0xfffc) + ext_bit, true);
	if (lm && (!((chi >> 21) & 1) || ((chi >> 22) & 1)))
		cpu_gp(cpu, (sel & 0xfffc) + ext_bit);

	if ((!(chi & (1u << 10)) && dpl < cpu->cpl) || vm) {
		uint16_t nss = 0;
		uint64_t nsp;

		if (vm && dpl != 0)
			cpu_gp(cpu, (sel & 0xfffc) + ext_bit);
		inner = true;
		if (lm) {
			uint64_t tss = cpu->seg[SEG_TR].d.base;
			unsigned o = ist ? 0x24 + (ist - 1) * 8 : 4 + dpl * 8;

			nsp = sys_read(cpu, tss + o, 8);
			nss = (uint16_t)dpl;		/* null selector with RPL = new CPL */
			seg_set_null(cpu, SEG_SS, nss);
			cpu_set_cpl(cpu, dpl);
			cpu->gpr[CPU_RSP] = nsp & ~15ull;
		} else {
			tss_stack(cpu, dpl, &nss, &nsp);
			cpu_set_cpl(cpu, dpl);
			ss_load_for(cpu, nss, dpl, EXC_TS);
			reg_write(cpu, CPU_RSP, 0, stack_size(cpu), nsp);
		}
		/* the pushes below run at the new CPL with the new stack */
		cpu->eflags &= ~FL_VM;
		if (vm) {
			push_sys(cpu, gsz, cpu->seg[SEG_GS].d.selector);
			push_sys(cpu, gsz, cpu->seg[SEG_FS].d.selector);
			push_sys(cpu, gsz, cpu->seg[SEG_DS].d.selector);
			push_sys(cpu, gsz, cpu->seg[SEG_ES].d.selector);
		}
		push_sys(cpu, gsz, old_ss);
		push_sys(cpu, gsz, old_sp);
	} else if (lm) {
		if (ist)
			cpu->gpr[CPU_RSP] = sys_read(cpu, cpu->seg[SEG_TR].d.base + 0x24 + (ist - 1) * 8, 8);
		cpu->gpr[CPU_RSP] &= ~15ull;
		push_sys(cpu, 8, old_ss);
		push_sys(cpu, 8, old_sp);
	}
	push_sys(cpu, gsz, old_flags);
	push_sys(cpu, gsz, old_cs);
	push_sys(cpu, gsz, ret);
	if (has_err)
		push_sys(cpu, gsz, err);
	if (vm) {
		seg_set_null(cpu, SEG_GS, 0);
		seg_set_null(cpu, SEG_FS, 0);
		seg_set_null(cpu, SEG_DS, 0);
		seg_set_null(cpu, SEG_ES, 0);
	}
	cpu->eflags &= ~(FL_TF | FL_VM | FL_RF | FL_NT);
	if (!(type & 1))
		cpu->eflags &= ~FL_IF;
	cs_load(cpu, sel, clo, chi, (chi & (1u << 10)) ? cpu->cpl : dpl);
	if (!lm)
		off &= gsz == 2 ? 0xffff : 0xffffffffull;
	if (!lm && off > cpu->seg[SEG_CS].d.limit)
		cpu_gp(cpu, 0);
	cpu->rip = off;
	(void)inner;
}

static bool has_error_code(int vec)
{
	return vec == EXC_DF || (vec >= EXC_TS && vec <= EXC_PF) || vec == EXC_AC;
}

static void deliver(struct tcg_cpu *cpu, int vec, uint32_t err, bool has_err, bool soft,
		    bool ext, uint64_t ret)
{
	if (log_enabled(LOG_INT))
		trace_int(cpu, vec, err, has_err, ext);
	cpu->halted = false;
	if (cpu->cr0 & CR0_PE)
		deliver_prot(cpu, vec, err, has_err && !soft && !ext, soft, ext, ret);
	else
		deliver_real(cpu, vec, ret);
	cpu->inhibit_irq = false;
	cpu_update_mode(cpu);
}

void excp_deliver_pending(struct tcg_cpu *cpu)
{
	int vec = cpu->exc_vec;
	uint32_t err = cpu->exc_err;
	bool has_err = cpu->exc_has_err && has_error_code(vec);
	bool soft = cpu->exc_soft;
	int prev = cpu->delivering;

	if (prev >= 0 && !soft) {
		if (prev == EXC_DF) {
			cpu->triple = true;
			cpu->delivering = -1;
			return;
		}
		if ((contributory(prev) && contributory(vec)) ||
		    (prev == EXC_PF && (vec == EXC_PF || contributory(vec)))) {
			vec = EXC_DF;
			err = 0;
			has_err = true;
		}
	}
	cpu->delivering = vec;
	cpu->exc_vec = -1;
	deliver(cpu, vec, err, has_err, soft, false, soft ? cpu->next_rip : cpu->rip);
	cpu->delivering = -1;
}

void excp_interrupt(struct tcg_cpu *cpu, int vec, bool is_nmi)
{
	cpu->delivering = 256;		/* benign for the double-fault rules */
	deliver(cpu, vec, 0, false, false, true, cpu->rip);
	cpu->delivering = -1;
	if (is_nmi)
		cpu->nmi_blocked = true;
}
