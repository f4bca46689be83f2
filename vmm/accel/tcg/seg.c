/*
 * Protected-mode segmentation: descriptor loads with their checks, far
 * jumps/calls/returns (call gates included), iret across privilege levels
 * and into virtual-8086 mode. Hardware task switches are not modelled:
 * they raise #GP and are logged (no firmware or Linux path uses them).
 */
#include "board/log.h"
#include "vmm/accel/tcg/tcg.h"

#define DESC_P		(1u << 15)
#define DESC_S		(1u << 12)
#define DESC_CODE	(1u << 11)
#define DESC_CONFORM	(1u << 10)
#define DESC_RW		(1u << 9)	/* readable code / writable data */
#define DESC_ACCESSED	(1u << 8)
#define DESC_DPL(hi)	(((hi) >> 13) & 3)
#define DESC_TYPE(hi)	(((hi) >> 8) & 0xf)

enum { SYS_TSS16 = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALL16 = 4, SYS_TASK = 5,
       SYS_INT16 = 6, SYS_TRAP16 = 7, SYS_TSS32 = 9, SYS_TSS32_BUSY = 11, SYS_CALL32 = 12,
       SYS_INT32 = 14, SYS_TRAP32 = 15 };

void desc_to_seg(struct cpu_segment *d, uint16_t sel, uint32_t lo, uint32_t hi)
{
	uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);

	d->selector = sel;
	d->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
	d->g = (hi >> 23) & 1;
	d->limit = d->g ? (limit << 12) | 0xfff : limit;
	d->type = (hi >> 8) & 0xf;
	d->s = (hi >> 12) & 1;
	d->dpl = (hi >> 13) & 3;
	d->present = (hi >> 15) & 1;
	d->avl = (hi >> 20) & 1;
	d->l = (hi >> 21) & 1;
	d->db = (hi >> 22) & 1;
	d->unusable = 0;
}

static uint64_t desc_addr(struct tcg_cpu *cpu, uint16_t sel, int vec)
{
	uint64_t base, limit, idx = sel & ~7u;

	if (sel & 4) {
		if (cpu->seg[SEG_LDT].d.unusable || !cpu->seg[SEG_LDT].d.present)
			cpu_raise(cpu, vec, sel & 0xfffc, true);
		base = cpu->seg[SEG_LDT].d.base;
		limit = cpu->seg[SEG_LDT].d.limit;
	} else {
		base = cpu->gdt.base;
		limit = cpu->gdt.limit;
	}
	if (idx + 7 > limit)
		cpu_raise(cpu, vec, sel & 0xfffc, true);
	return base + idx;
}

void desc_read(struct tcg_cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi, int vec)
{
	uint64_t a = desc_addr(cpu, sel, vec);

	*lo = (uint32_t)sys_read(cpu, a, 4);
	*hi = (uint32_t)sys_read(cpu, a + 4, 4);
}

void desc_set_accessed(struct tcg_cpu *cpu, uint16_t sel, uint32_t hi)
{
	if (!(hi & DESC_ACCESSED))
		sys_write(cpu, desc_addr(cpu, sel, EXC_GP) + 5, 1, ((hi | DESC_ACCESSED) >> 8) & 0xff);
}

void cpu_set_cpl(struct tcg_cpu *cpu, unsigned cpl)
{
	cpu->cpl = (uint8_t)cpl;
	cpu->tlbc = cpu->tlb[cpl == 3];
}

void seg_load_real(struct tcg_cpu *cpu, unsigned s, uint16_t sel)
{
	struct cpu_segment *d = &cpu->seg[s].d;

	d->selector = sel;
	d->base = (uint64_t)sel << 4;
	if (cpu->eflags & FL_VM) {
		d->limit = 0xffff;
		d->type = s == SEG_CS ? 0xb : 3;
		d->s = d->present = 1;
		d->dpl = 3;
		d->db = d->g = d->l = 0;
	}
	d->unusable = 0;
	seg_update_cache(cpu, s);
}

static void seg_set(struct tcg_cpu *cpu, unsigned s, uint16_t sel, uint32_t lo, uint32_t hi)
{
	desc_to_seg(&cpu->seg[s].d, sel, lo, hi);
	seg_update_cache(cpu, s);
}

void seg_set_null(struct tcg_cpu *cpu, unsigned s, uint16_t sel)
{
	struct cpu_segment *d = &cpu->seg[s].d;

	d->selector = sel;
	d->unusable = 1;
	d->present = 0;
	seg_update_cache(cpu, s);
}

void seg_load(struct tcg_cpu *cpu, unsigned s, uint16_t sel)
{
	uint32_t lo, hi;
	unsigned rpl = sel & 3, dpl;

	if (!(cpu->cr0 & CR0_PE) || (cpu->eflags & FL_VM)) {
		seg_load_real(cpu, s, sel);
		if (s == SEG_SS)
			cpu->inhibit_irq = true;
		return;
	}
	if ((sel & 0xfffc) == 0) {
		if (s == SEG_SS && !(cpu->code_bits == 64 && cpu->cpl < 3))
			cpu_gp(cpu, 0);
		seg_set_null(cpu, s, sel);
		if (s == SEG_SS)
			cpu->inhibit_irq = true;
		return;
	}
	desc_read(cpu, sel, &lo, &hi, EXC_GP);
	dpl = DESC_DPL(hi);
	if (!(hi & DESC_S))
		cpu_gp(cpu, sel & 0xfffc);
	if (s == SEG_SS) {
		if (rpl != cpu->cpl || dpl != cpu->cpl || (hi & DESC_CODE) || !(hi & DESC_RW))
			cpu_gp(cpu, sel & 0xfffc);
		if (!(hi & DESC_P))
			cpu_raise(cpu, EXC_SS, sel & 0xfffc, true);
		cpu->inhibit_irq = true;
	} else {
		if ((hi & DESC_CODE) && !(hi & DESC_RW))
			cpu_gp(cpu, sel & 0xfffc);
		if (!(hi & DESC_CODE) || !(hi & DESC_CONFORM))
			if (rpl > dpl || cpu->cpl > dpl)
				cpu_gp(cpu, sel & 0xfffc);
		if (!(hi & DESC_P))
			cpu_raise(cpu, EXC_NP, sel & 0xfffc, true);
	}
	desc_set_accessed(cpu, sel, hi);
	seg_set(cpu, s, sel, lo, hi | DESC_ACCESSED);
}

/*
 * CS load for a far transfer to a code segment; checks done by the caller.
 * The accessed bit is left as it is, as QEMU does, so -d cpu traces match.
 */
void cs_load(struct tcg_cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, unsigned cpl)
{
	desc_to_seg(&cpu->seg[SEG_CS].d, (uint16_t)((sel & 0xfffc) | cpl), lo, hi);
	cpu_set_cpl(cpu, cpl);
	cpu_update_mode(cpu);
}

static void check_code(struct tcg_cpu *cpu, uint16_t sel, uint32_t hi, bool jump_or_call)
{
	unsigned dpl = DESC_DPL(hi), rpl = sel & 3;

	if (!(hi & DESC_S) || !(hi & DESC_CODE))
		cpu_gp(cpu, sel & 0xfffc);
	if (hi & DESC_CONFORM) {
		if (dpl > cpu->cpl)
			cpu_gp(cpu, sel & 0xfffc);
	} else if (jump_or_call && (rpl > cpu->cpl || dpl != cpu->cpl)) {
		cpu_gp(cpu, sel & 0xfffc);
	}
	if (!(hi & DESC_P))
		cpu_raise(cpu, EXC_NP, sel & 0xfffc, true);
}

static void check_limit(struct tcg_cpu *cpu, uint64_t off)
{
	if (cpu->code_bits != 64 && off > cpu->seg[SEG_CS].d.limit)
		cpu_gp(cpu, 0);
}

static NORETURN void task_switch_unsupported(struct tcg_cpu *cpu, uint16_t sel)
{
	if (log_enabled(LOG_UNIMP))
		board_log(LOG_UNIMP, "tcg: hardware task switch to %#x not supported", sel);
	cpu_gp(cpu, sel & 0xfffc);
}

/* Read the inner stack of privilege level dpl from the TSS. */
void tss_stack(struct tcg_cpu *cpu, unsigned dpl, uint16_t *ss, uint64_t *sp)
{
	struct cpu_segment *tr = &cpu->seg[SEG_TR].d;
	bool tss32 = (tr->type & 7) == 1 ? false : true;
	unsigned off = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
	unsigned sz = tss32 ? 4 : 2;

	if (!tr->present)
		cpu_raise(cpu, EXC_TS, tr->selector & 0xfffc, true);
	if (off + sz + 1 > tr->limit)
		cpu_raise(cpu, EXC_TS, tr->selector & 0xfffc, true);
	*sp = sys_read(cpu, tr->base + off, sz);
	*ss = (uint16_t)sys_read(cpu, tr->base + off + sz, 2);
}

/* Load SS for a privilege change to cpl (stack from the TSS or a return frame). */
void ss_load_for(struct tcg_cpu *cpu, uint16_t ss, unsigned cpl, int vec)
{
	uint32_t lo, hi;

	if ((ss & 0xfffc) == 0)
		cpu_raise(cpu, vec, 0, true);
	desc_read(cpu, ss, &lo, &hi, vec);
	if ((ss & 3) != cpl || DESC_DPL(hi) != cpl || !(hi & DESC_S) || (hi & DESC_CODE) ||
	    !(hi & DESC_RW))
		cpu_raise(cpu, vec, ss & 0xfffc, true);
	if (!(hi & DESC_P))
		cpu_raise(cpu, EXC_SS, ss & 0xfffc, true);
	desc_set_accessed(cpu, ss, hi);
	seg_set(cpu, SEG_SS, ss, lo, hi | DESC_ACCESSED);
}

void far_jump(struct tcg_cpu *cpu, uint16_t sel, uint64_t off, unsigned osz)
{
	uint32_t lo, hi, glo, ghi;
	uint16_t tsel;

	if ((sel & 0xfffc) == 0)
		cpu_gp(cpu, 0);
	desc_read(cpu, sel, &lo, &hi, EXC_GP);
	if (hi & DESC_S) {
		check_code(cpu, sel, hi, true);
		cs_load(cpu, sel, lo, hi, cpu->cpl);
		off &= size_mask(osz);
		check_limit(cpu, off);
		cpu->next_rip = off;
		return;
	}
	switch (DESC_TYPE(hi)) {
	case SYS_CALL16:
	case SYS_CALL32:
		if (DESC_DPL(hi) < cpu->cpl || DESC_DPL(hi) < (sel & 3))
			cpu_gp(cpu, sel & 0xfffc);
		if (!(hi & DESC_P))
			cpu_raise(cpu, EXC_NP, sel & 0xfffc, true);
		tsel = (uint16_t)(lo >> 16);
		if ((tsel & 0xfffc) == 0)
			cpu_gp(cpu, 0);
		desc_read(cpu, tsel, &glo, &ghi, EXC_GP);
		check_code(cpu, tsel, ghi, false);
		if (!(ghi & DESC_CONFORM) && DESC_DPL(ghi) != cpu->cpl)
			cpu_gp(cpu, tsel & 0xfffc);
		off = (lo & 0xffff) | (DESC_TYPE(hi) == SYS_CALL32 ? (hi & 0xffff0000u) : 0);
		cs_load(cpu, tsel, glo, ghi, cpu->cpl);
		check_limit(cpu, off);
		cpu->next_rip = off;
		return;
	case SYS_TASK: case SYS_TSS16: case SYS_TSS32:
		task_switch_unsupported(cpu, sel);
	default:
		cpu_gp(cpu, sel & 0xfffc);
	}
}

void far_call(struct tcg_cpu *cpu, uint16_t sel, uint64_t off, unsigned osz)
{
	uint32_t lo, hi, glo, ghi;
	uint16_t tsel, old_cs = cpu->seg[SEG_CS].d.selector;
	uint64_t ret = cpu->next_rip;

	if ((sel & 0xfffc) == 0)
		cpu_gp(cpu, 0);
	desc_read(cpu, sel, &lo, &hi, EXC_GP);
	if (hi & DESC_S) {
		check_code(cpu, sel, hi, true);
		off &= size_mask(osz);
		stack_push(cpu, osz, old_cs);
		stack_push(cpu, osz, ret);
		cs_load(cpu, sel, lo, hi, cpu->cpl);
		check_limit(cpu, off);
		cpu->next_rip = off;
		return;
	}
	switch (DESC_TYPE(hi)) {
	case SYS_CALL16:
	case SYS_CALL32: {
		unsigned gsz = DESC_TYPE(hi) == SYS_CALL32 ? 4 : 2, params = lo & 0x1f;
		unsigned dpl;

		if (DESC_DPL(hi) < cpu->cpl || DESC_DPL(hi) < (sel & 3))
			cpu_gp(cpu, sel & 0xfffc);
		if (!(hi & DESC_P))
			cpu_raise(cpu, EXC_NP, sel & 0xfffc, true);
		tsel = (uint16_t)(lo >> 16);
		if ((tsel & 0xfffc) == 0)
			cpu_gp(cpu, 0);
		desc_read(cpu, tsel, &glo, &ghi, EXC_GP);
		check_code(cpu, tsel, ghi, false);
		dpl = DESC_DPL(ghi);
		off = (lo & 0xffff) | (gsz == 4 ? (hi & 0xffff0000u) : 0);
		if (!(ghi & DESC_CONFORM) && dpl < cpu->cpl) {
			/* inner privilege: new stack from the TSS, parameters copied */
			uint16_t nss, oss = cpu->seg[SEG_SS].d.selector;
			uint64_t nsp, osp = cpu->gpr[CPU_RSP];
			uint64_t args[32];
			unsigned ossz = stack_size(cpu);

			for (unsigned i = 0; i < params; i++)
				args[i] = stack_peek(cpu, gsz, i * gsz);
			tss_stack(cpu, dpl, &nss, &nsp);
			ss_load_for(cpu, nss, dpl, EXC_TS);
			cpu_set_cpl(cpu, dpl);
			reg_write(cpu, CPU_RSP, 0, stack_size(cpu), nsp);
			stack_push(cpu, gsz, oss);
			stack_push(cpu, gsz, osp & amask(ossz));
			for (unsigned i = params; i-- > 0;)
				stack_push(cpu, gsz, args[i]);
		}
		stack_push(cpu, gsz, old_cs);
		stack_push(cpu, gsz, ret);
		cs_load(cpu, tsel, glo, ghi, (ghi & DESC_CONFORM) ? cpu->cpl : dpl);
		check_limit(cpu, off);
		cpu->next_rip = off;
		return;
	}
	case SYS_TASK: case SYS_TSS16: case SYS_TSS32:
		task_switch_unsupported(cpu, sel);
	default:
		cpu_gp(cpu, sel & 0xfffc);
	}
}

/* after a return to an outer level, data segments the new CPL may not use go null */
static void invalidate_data_segs(struct tcg_cpu *cpu)
{
	static const unsigned segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };

	for (unsigned i = 0; i < 4; i++) {
		struct cpu_segment *d = &cpu->seg[segs[i]].d;
		bool conf_code = (d->type & 0xc) == 0xc;

		if (!d->unusable && d->s && !conf_code && d->dpl < cpu->cpl)
			seg_set_null(cpu, segs[i], 0);
	}
}

/* Common tail of retf/iret: pops done by the caller; target CS:IP checked here. */
static void return_to(struct tcg_cpu *cpu, uint16_t cs, uint64_t ip, unsigned osz,
		      unsigned frame, uint16_t extra, bool is_iret, uint32_t fl)
{
	uint32_t lo, hi;
	unsigned rpl = cs & 3, dpl;

	if ((cs & 0xfffc) == 0)
		cpu_gp(cpu, 0);
	desc_read(cpu, cs, &lo, &hi, EXC_GP);
	if (!(hi & DESC_S) || !(hi & DESC_CODE) || rpl < cpu->cpl)
		cpu_gp(cpu, cs & 0xfffc);
	dpl = DESC_DPL(hi);
	if ((hi & DESC_CONFORM) ? dpl > rpl : dpl != rpl)
		cpu_gp(cpu, cs & 0xfffc);
	if (!(hi & DESC_P))
		cpu_raise(cpu, EXC_NP, cs & 0xfffc, true);

	if (rpl > cpu->cpl || (is_iret && cpu->code_bits == 64)) {
		/* outer level (or any iretq): SS:SP follow in the frame */
		uint64_t sp = stack_peek(cpu, osz, frame + extra);
		uint16_t ss = (uint16_t)stack_peek(cpu, 2, frame + extra + osz);
		unsigned old_cpl = cpu->cpl;

		if (is_iret)
			flags_write(cpu, fl, fl_mask_for_iret(cpu, osz));
		if (cpu->code_bits == 64 && (ss & 0xfffc) == 0 && rpl < 3) {
			seg_set_null(cpu, SEG_SS, ss);
		} else {
			cpu_set_cpl(cpu, rpl);
			ss_load_for(cpu, ss, rpl, EXC_GP);
			cpu_set_cpl(cpu, old_cpl);
		}
		cs_load(cpu, cs, lo, hi, rpl);
		reg_write(cpu, CPU_RSP, 0, osz == 8 ? 8 : stack_size(cpu), sp);
		if (rpl > old_cpl)
			invalidate_data_segs(cpu);
	} else {
		if (is_iret)
			flags_write(cpu, fl, fl_mask_for_iret(cpu, osz));
		reg_write(cpu, CPU_RSP, 0, stack_size(cpu), cpu->gpr[CPU_RSP] + frame + extra);
		cs_load(cpu, cs, lo, hi, cpu->cpl);
	}
	ip &= size_mask(osz);
	check_limit(cpu, ip);
	cpu->next_rip = ip;
}

uint32_t fl_mask_for_iret(struct tcg_cpu *cpu, unsigned osz)
{
	uint32_t mask = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_RF;
	unsigned iopl = (cpu->eflags & FL_IOPL) >> 12;

	if (osz >= 4)
		mask |= FL_AC | FL_ID | FL_VIF | FL_VIP;
	if (cpu->cpl == 0)
		mask |= FL_IOPL | FL_IF;
	else if (cpu->cpl <= iopl)
		mask |= FL_IF;
	if (cpu->cpl != 0)
		mask &= ~(FL_VIF | FL_VIP);
	if (osz == 2)
		mask &= 0xffff;
	return mask;
}

void far_ret(struct tcg_cpu *cpu, unsigned osz, uint16_t extra)
{
	uint64_t ip = stack_peek(cpu, osz, 0);
	uint16_t cs = (uint16_t)stack_peek(cpu, 2, osz);

	return_to(cpu, cs, ip, osz, 2 * osz, extra, false, 0);
}

void iret_do(struct tcg_cpu *cpu, unsigned osz)
{
	uint64_t ip;
	uint16_t cs;
	uint32_t fl;

	if (cpu->eflags & FL_VM) {
		/* virtual-8086 iret: IOPL-sensitive */
		uint32_t mask = FL_ARITH | FL_TF | FL_IF | FL_DF | FL_NT;

		if (((cpu->eflags & FL_IOPL) >> 12) < 3)
			cpu_gp(cpu, 0);
		ip = stack_peek(cpu, osz, 0);
		cs = (uint16_t)stack_peek(cpu, 2, osz);
		fl = (uint32_t)stack_peek(cpu, osz, 2 * osz);
		if (osz == 4)
			mask |= FL_AC | FL_ID | FL_RF;
		reg_write(cpu, CPU_RSP, 0, stack_size(cpu), cpu->gpr[CPU_RSP] + 3 * osz);
		seg_load_real(cpu, SEG_CS, cs);
		flags_write(cpu, fl, mask);
		cpu->next_rip = ip & 0xffff;
		cpu_update_mode(cpu);
		return;
	}
	if ((cpu->eflags & FL_NT) && cpu->code_bits != 64)
		task_switch_unsupported(cpu, (uint16_t)sys_read(cpu, cpu->seg[SEG_TR].d.base, 2));
	ip = stack_peek(cpu, osz, 0);
	cs = (uint16_t)stack_peek(cpu, 2, osz);
	fl = (uint32_t)stack_peek(cpu, osz, 2 * osz);
	cpu->nmi_blocked = false;
	if ((fl & FL_VM) && cpu->cpl == 0 && osz == 4) {
		/* return to virtual-8086 mode */
		uint32_t esp = (uint32_t)stack_peek(cpu, 4, 12);
		uint16_t ss = (uint16_t)stack_peek(cpu, 4, 16);
		uint16_t es = (uint16_t)stack_peek(cpu, 4, 20), ds = (uint16_t)stack_peek(cpu, 4, 24);
		uint16_t fs = (uint16_t)stack_peek(cpu, 4, 28), gs = (uint16_t)stack_peek(cpu, 4, 32);

		flags_write(cpu, fl, 0x3f7fd5);
		cpu->eflags |= FL_VM;
		cpu_set_cpl(cpu, 3);
		seg_load_real(cpu, SEG_CS, cs);
		seg_load_real(cpu, SEG_SS, ss);
		seg_load_real(cpu, SEG_ES, es);
		seg_load_real(cpu, SEG_DS, ds);
		seg_load_real(cpu, SEG_FS, fs);
		seg_load_real(cpu, SEG_GS, gs);
		cpu->gpr[CPU_RSP] = esp;
		cpu->next_rip = ip & 0xffff;
		cpu_update_mode(cpu);
		return;
	}
	return_to(cpu, cs, ip, osz, 3 * osz, 0, true, fl);
}
