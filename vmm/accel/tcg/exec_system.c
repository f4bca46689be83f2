/*
 * System instructions: segment registers, descriptor tables, control and
 * debug registers, task register, I/O, interrupts flag, hlt, cpuid, time
 * stamp and MSRs, sysenter/sysexit, and the x87 control instructions that
 * firmware and boot code use to probe for an FPU.
 */
#include <sched.h>

#include "board/log.h"
#include "vmm/accel/tcg/exec.h"

static inline bool pmode(struct tcg_cpu *cpu)
{
	return (cpu->cr0 & CR0_PE) && !(cpu->eflags & FL_VM);
}

static inline unsigned iopl(struct tcg_cpu *cpu)
{
	return (cpu->eflags & FL_IOPL) >> 12;
}

/* privileged instructions: CPL 0 in protected mode, never in virtual-8086 */
static void need_cpl0(struct tcg_cpu *cpu)
{
	if ((cpu->cr0 & CR0_PE) && (cpu->cpl != 0 || (cpu->eflags & FL_VM)))
		cpu_gp(cpu, 0);
}

/* ---- I/O ---- */
void io_check(struct tcg_cpu *cpu, uint16_t port, unsigned size)
{
	struct cpu_segment *tr = &cpu->seg[SEG_TR].d;
	uint64_t base;
	uint32_t bits;

	if (!(cpu->cr0 & CR0_PE) || (!(cpu->eflags & FL_VM) && cpu->cpl <= iopl(cpu)))
		return;
	/* the I/O permission bitmap of a 32-bit TSS */
	if (!tr->present || (tr->type & 7) != 3 || tr->limit < 0x67)
		cpu_gp(cpu, 0);
	base = sys_read(cpu, tr->base + 0x66, 2);
	if (base + port / 8 + 1 > tr->limit)
		cpu_gp(cpu, 0);
	bits = (uint32_t)sys_read(cpu, tr->base + base + port / 8, 2);
	if ((bits >> (port & 7)) & ((1u << size) - 1))
		cpu_gp(cpu, 0);
}

void io_access(struct tcg_cpu *cpu, uint16_t port, void *data, unsigned size, bool write)
{
	cpu->host->pio(cpu->host->opaque, port, data, size, write);
	cpu->irq_check = true;
	/* a write may change the memory map or stop the machine */
	if (write)
		cpu->stop_block = true;
}

static void do_in(struct tcg_cpu *cpu, const struct insn *in, uint16_t port)
{
	uint64_t v = 0;

	io_check(cpu, port, in->osz);
	io_access(cpu, port, &v, in->osz, false);
	reg_write(cpu, CPU_RAX, 0, in->osz, v);
}

static void do_out(struct tcg_cpu *cpu, const struct insn *in, uint16_t port)
{
	uint64_t v = cpu->gpr[CPU_RAX] & size_mask(in->osz);

	io_check(cpu, port, in->osz);
	io_access(cpu, port, &v, in->osz, true);
}

void op_in_i(struct tcg_cpu *cpu, const struct insn *in) { do_in(cpu, in, (uint8_t)in->imm); }
void op_out_i(struct tcg_cpu *cpu, const struct insn *in) { do_out(cpu, in, (uint8_t)in->imm); }
void op_in_dx(struct tcg_cpu *cpu, const struct insn *in) { do_in(cpu, in, (uint16_t)cpu->gpr[CPU_RDX]); }
void op_out_dx(struct tcg_cpu *cpu, const struct insn *in) { do_out(cpu, in, (uint16_t)cpu->gpr[CPU_RDX]); }

/* ---- segment registers ---- */
static unsigned seg_of_opcode(const struct insn *in)
{
	if (in->map == 1)
		return in->opc < 0xa8 ? SEG_FS : SEG_GS;
	return in->opc >> 3;
}

void op_push_seg(struct tcg_cpu *cpu, const struct insn *in)
{
	stack_push(cpu, in->osz, cpu->seg[seg_of_opcode(in)].d.selector);
}

void op_pop_seg(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned s = seg_of_opcode(in);
	uint16_t sel = (uint16_t)stack_peek(cpu, 2, 0);

	seg_load(cpu, s, sel);
	reg_write(cpu, CPU_RSP, 0, stack_size(cpu), cpu->gpr[CPU_RSP] + in->osz);
	if (s == SEG_SS)
		cpu->stop_block = true;
}

void op_mov_e_seg(struct tcg_cpu *cpu, const struct insn *in)
{
	uint16_t sel = cpu->seg[(in->modrm >> 3) & 7].d.selector;

	rm_write(cpu, in, in->osz, sel);
}

void op_mov_seg_e(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned s = (in->modrm >> 3) & 7;

	seg_load(cpu, s, (uint16_t)rm_read(cpu, in, 2));
	if (s == SEG_SS)
		cpu->stop_block = true;
}

void op_lxs(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned s;
	uint64_t ea = insn_ea(cpu, in), off;
	uint16_t sel;

	switch (in->map ? in->opc : in->opc | 0x100) {
	case 0x1c4: s = SEG_ES; break;
	case 0x1c5: s = SEG_DS; break;
	case 0xb2: s = SEG_SS; break;
	case 0xb4: s = SEG_FS; break;
	default: s = SEG_GS; break;
	}
	off = mem_read(cpu, in->seg, ea, in->osz);
	sel = (uint16_t)mem_read(cpu, in->seg, (ea + in->osz) & amask(in->asz), 2);
	seg_load(cpu, s, sel);
	greg_write(cpu, in, in->osz, off);
}

/* ---- interrupt flag, halt ---- */
void op_cli(struct tcg_cpu *cpu, const struct insn *in)
{
	if (((cpu->cr0 & CR0_PE) && cpu->cpl > iopl(cpu)) || ((cpu->eflags & FL_VM) && iopl(cpu) < 3))
		cpu_gp(cpu, 0);
	cpu->eflags &= ~FL_IF;
}

void op_sti(struct tcg_cpu *cpu, const struct insn *in)
{
	if (((cpu->cr0 & CR0_PE) && cpu->cpl > iopl(cpu)) || ((cpu->eflags & FL_VM) && iopl(cpu) < 3))
		cpu_gp(cpu, 0);
	if (!(cpu->eflags & FL_IF)) {
		cpu->eflags |= FL_IF;
		cpu->inhibit_irq = true;
		cpu->irq_check = true;
		cpu->stop_block = true;
	}
}

void op_hlt(struct tcg_cpu *cpu, const struct insn *in)
{
	need_cpl0(cpu);
	cpu->halted = true;
	cpu->stop_block = true;
}

void op_nop(struct tcg_cpu *cpu, const struct insn *in)
{
}

void op_pause(struct tcg_cpu *cpu, const struct insn *in)
{
	/* a spin-wait: give the host CPU to the vCPU that holds the lock */
	if (cpu->vm->ncpus > 1)
		sched_yield();
}

/* ---- control and debug registers ---- */
void op_mov_r_cr(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned n = in->reg;
	uint64_t v;

	need_cpl0(cpu);
	switch (n) {
	case 0: v = cpu->cr0; break;
	case 2: v = cpu->cr2; break;
	case 3: v = cpu->cr3; break;
	case 4: v = cpu->cr4; break;
	case 8: if (cpu->code_bits == 64) { v = cpu->cr8; break; } /* fall through */
	default: cpu_ud(cpu);
	}
	reg_write(cpu, in->rm, 0, cpu->code_bits == 64 ? 8 : 4, v);
}

void op_mov_cr_r(struct tcg_cpu *cpu, const struct insn *in)
{
	need_cpl0(cpu);
	cpu_write_cr(cpu, in->reg, reg_read(cpu, in->rm, 0, cpu->code_bits == 64 ? 8 : 4));
}

void op_mov_r_dr(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned n = in->reg & 7;

	need_cpl0(cpu);
	if ((n == 4 || n == 5) && (cpu->cr4 & CR4_DE))
		cpu_ud(cpu);
	if (n == 4 || n == 5)
		n += 2;
	reg_write(cpu, in->rm, 0, cpu->code_bits == 64 ? 8 : 4, cpu->dr[n]);
}

void op_mov_dr_r(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned n = in->reg & 7;
	uint64_t v = reg_read(cpu, in->rm, 0, cpu->code_bits == 64 ? 8 : 4);

	need_cpl0(cpu);
	if ((n == 4 || n == 5) && (cpu->cr4 & CR4_DE))
		cpu_ud(cpu);
	if (n == 4 || n == 5)
		n += 2;
	if (n == 6)
		v = (v & 0xf00f) | 0xffff0ff0;
	else if (n == 7)
		v = (v & ~0xd000ull) | 0x400;
	cpu->dr[n] = v;
}

void op_clts(struct tcg_cpu *cpu, const struct insn *in)
{
	need_cpl0(cpu);
	cpu->cr0 &= ~CR0_TS;
}

void op_lmsw(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t v = rm_read(cpu, in, 2);

	need_cpl0(cpu);
	/* PE can be set, not cleared; MP, EM, TS loaded */
	cpu_write_cr(cpu, 0, (cpu->cr0 & ~0xeull) | (v & 0xf) | (cpu->cr0 & CR0_PE));
}

void op_smsw(struct tcg_cpu *cpu, const struct insn *in)
{
	if (in->flags & INSN_MEM)
		rm_write(cpu, in, 2, cpu->cr0);
	else
		reg_write(cpu, in->rm, 0, in->osz, cpu->cr0);
}

void op_invlpg(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t lin;

	need_cpl0(cpu);
	lin = (cpu->seg[in->seg].lbase + insn_ea(cpu, in)) & cpu->lin_mask;
	tlb_flush_page(cpu, lin);
}

/* ---- descriptor tables ---- */
static void store_dt(struct tcg_cpu *cpu, const struct insn *in, const struct cpu_dtable *t)
{
	uint64_t ea = insn_ea(cpu, in);
	unsigned bsz = cpu->code_bits == 64 ? 8 : 4;
	uint64_t base = t->base;

	if (in->osz == 2 && bsz == 4)
		base &= 0xffffff;
	mem_write(cpu, in->seg, ea, 2, t->limit);
	mem_write(cpu, in->seg, (ea + 2) & amask(in->asz), bsz, base);
}

static void load_dt(struct tcg_cpu *cpu, const struct insn *in, struct cpu_dtable *t)
{
	uint64_t ea = insn_ea(cpu, in);
	unsigned bsz = cpu->code_bits == 64 ? 8 : 4;
	uint16_t limit;
	uint64_t base;

	need_cpl0(cpu);
	limit = (uint16_t)mem_read(cpu, in->seg, ea, 2);
	base = mem_read(cpu, in->seg, (ea + 2) & amask(in->asz), bsz);
	if (in->osz == 2 && bsz == 4)
		base &= 0xffffff;
	t->limit = limit;
	t->base = base;
}

void op_sgdt(struct tcg_cpu *cpu, const struct insn *in) { store_dt(cpu, in, &cpu->gdt); }
void op_sidt(struct tcg_cpu *cpu, const struct insn *in) { store_dt(cpu, in, &cpu->idt); }
void op_lgdt(struct tcg_cpu *cpu, const struct insn *in) { load_dt(cpu, in, &cpu->gdt); }
void op_lidt(struct tcg_cpu *cpu, const struct insn *in) { load_dt(cpu, in, &cpu->idt); }

static void need_pmode(struct tcg_cpu *cpu)
{
	if (!pmode(cpu))
		cpu_ud(cpu);
}

void op_sldt(struct tcg_cpu *cpu, const struct insn *in)
{
	need_pmode(cpu);
	rm_write(cpu, in, in->osz, cpu->seg[SEG_LDT].d.selector);
}

void op_str(struct tcg_cpu *cpu, const struct insn *in)
{
	need_pmode(cpu);
	rm_write(cpu, in, in->osz, cpu->seg[SEG_TR].d.selector);
}

void op_lldt(struct tcg_cpu *cpu, const struct insn *in)
{
	uint16_t sel;
	uint32_t lo, hi;

	need_pmode(cpu);
	need_cpl0(cpu);
	sel = (uint16_t)rm_read(cpu, in, 2);
	if ((sel & 0xfffc) == 0) {
		seg_set_null(cpu, SEG_LDT, sel);
		return;
	}
	if (sel & 4)
		cpu_gp(cpu, sel & 0xfffc);
	desc_read(cpu, sel, &lo, &hi, EXC_GP);
	if ((hi & (1u << 12)) || ((hi >> 8) & 0xf) != 2)
		cpu_gp(cpu, sel & 0xfffc);
	if (!(hi & (1u << 15)))
		cpu_raise(cpu, EXC_NP, sel & 0xfffc, true);
	desc_to_seg(&cpu->seg[SEG_LDT].d, sel, lo, hi);
	if (cpu->code_bits == 64)
		cpu->seg[SEG_LDT].d.base |= sys_read(cpu, cpu->gdt.base + (sel & ~7u) + 8, 4) << 32;
}

void op_ltr(struct tcg_cpu *cpu, const struct insn *in)
{
	uint16_t sel;
	uint32_t lo, hi;
	unsigned type;

	need_pmode(cpu);
	need_cpl0(cpu);
	sel = (uint16_t)rm_read(cpu, in, 2);
	if ((sel & 0xfffc) == 0 || (sel & 4))
		cpu_gp(cpu, sel & 0xfffc);
	desc_read(cpu, sel, &lo, &hi, EXC_GP);
	type = (hi >> 8) & 0xf;
	if ((hi & (1u << 12)) || (type != 1 && type != 9))
		cpu_gp(cpu, sel & 0xfffc);
	if (!(hi & (1u << 15)))
		cpu_raise(cpu, EXC_NP, sel & 0xfffc, true);
	hi |= 2u << 8;		/* busy */
	sys_write(cpu, cpu->gdt.base + (sel & ~7u) + 4, 4, hi);
	desc_to_seg(&cpu->seg[SEG_TR].d, sel, lo, hi);
	if (cpu->code_bits == 64)
		cpu->seg[SEG_TR].d.base |= sys_read(cpu, cpu->gdt.base + (sel & ~7u) + 8, 4) << 32;
}

static void set_zf(struct tcg_cpu *cpu, bool z)
{
	uint32_t f = flags_arith(cpu) & ~FL_ZF;

	flags_set_arith(cpu, f | (z ? FL_ZF : 0));
}

/* descriptor checks of lar/lsl/verr/verw: false (ZF = 0) instead of faults */
static bool desc_visible(struct tcg_cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	uint64_t base, limit, idx = sel & ~7u;
	unsigned dpl;

	if ((sel & 0xfffc) == 0)
		return false;
	if (sel & 4) {
		if (cpu->seg[SEG_LDT].d.unusable)
			return false;
		base = cpu->seg[SEG_LDT].d.base;
		limit = cpu->seg[SEG_LDT].d.limit;
	} else {
		base = cpu->gdt.base;
		limit = cpu->gdt.limit;
	}
	if (idx + 7 > limit)
		return false;
	*lo = (uint32_t)sys_read(cpu, base + idx, 4);
	*hi = (uint32_t)sys_read(cpu, base + idx + 4, 4);
	dpl = (*hi >> 13) & 3;
	/* conforming code is visible at any level */
	if ((*hi & (1u << 12)) && (*hi & (3u << 10)) == (3u << 10))
		return true;
	return dpl >= cpu->cpl && dpl >= (sel & 3u);
}

void op_lar(struct tcg_cpu *cpu, const struct insn *in)
{
	uint32_t lo, hi;
	bool ok;

	need_pmode(cpu);
	ok = desc_visible(cpu, (uint16_t)rm_read(cpu, in, 2), &lo, &hi);
	if (ok && !(hi & (1u << 12)))
		ok = (0x1a3e >> ((hi >> 8) & 0xf)) & 1;	/* TSS, LDT, gates: 1-5, 9, B, C */
	if (ok)
		greg_write(cpu, in, in->osz, hi & 0x00f0ff00u);
	set_zf(cpu, ok);
}

void op_lsl(struct tcg_cpu *cpu, const struct insn *in)
{
	uint32_t lo, hi;
	bool ok;

	need_pmode(cpu);
	ok = desc_visible(cpu, (uint16_t)rm_read(cpu, in, 2), &lo, &hi);
	if (ok && !(hi & (1u << 12)))
		ok = (0x0a0e >> ((hi >> 8) & 0xf)) & 1;	/* TSS, LDT */
	if (ok) {
		uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);
		if (hi & (1u << 23))
			limit = (limit << 12) | 0xfff;
		greg_write(cpu, in, in->osz, limit);
	}
	set_zf(cpu, ok);
}

static void verx(struct tcg_cpu *cpu, const struct insn *in, bool write)
{
	uint32_t lo, hi;
	bool ok;

	need_pmode(cpu);
	ok = desc_visible(cpu, (uint16_t)rm_read(cpu, in, 2), &lo, &hi) && (hi & (1u << 12));
	if (ok) {
		bool code = hi & (1u << 11), rw = hi & (1u << 9);

		ok = write ? (!code && rw) : (!code || rw);
	}
	set_zf(cpu, ok);
}

void op_verr(struct tcg_cpu *cpu, const struct insn *in) { verx(cpu, in, false); }
void op_verw(struct tcg_cpu *cpu, const struct insn *in) { verx(cpu, in, true); }

void op_arpl(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t d, s;

	need_pmode(cpu);
	d = rm_read(cpu, in, 2);
	s = greg_read(cpu, in, 2);
	if ((d & 3) < (s & 3)) {
		rm_write(cpu, in, 2, (d & ~3ull) | (s & 3));
		set_zf(cpu, true);
	} else {
		set_zf(cpu, false);
	}
}

/* ---- cpuid, time stamp, MSRs ---- */
void op_cpuid(struct tcg_cpu *cpu, const struct insn *in)
{
	uint32_t r[4];

	cpuid_query(cpu, (uint32_t)cpu->gpr[CPU_RAX], (uint32_t)cpu->gpr[CPU_RCX], r);
	cpu->gpr[CPU_RAX] = r[0];
	cpu->gpr[CPU_RBX] = r[1];
	cpu->gpr[CPU_RCX] = r[2];
	cpu->gpr[CPU_RDX] = r[3];
}

void op_rdtsc(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t t;

	if ((cpu->cr4 & CR4_TSD) && cpu->cpl && (cpu->cr0 & CR0_PE))
		cpu_gp(cpu, 0);
	t = cpu_tsc(cpu);
	cpu->gpr[CPU_RAX] = (uint32_t)t;
	cpu->gpr[CPU_RDX] = t >> 32;
}

void op_rdtscp(struct tcg_cpu *cpu, const struct insn *in)
{
	op_rdtsc(cpu, in);
	cpu->gpr[CPU_RCX] = (uint32_t)cpu->tsc_aux;
}

void op_rdmsr(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t v = 0;

	need_cpl0(cpu);
	if (msr_read(cpu, (uint32_t)cpu->gpr[CPU_RCX], &v) < 0)
		cpu_gp(cpu, 0);
	cpu->gpr[CPU_RAX] = (uint32_t)v;
	cpu->gpr[CPU_RDX] = v >> 32;
}

void op_wrmsr(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t v = (uint32_t)cpu->gpr[CPU_RAX] | (cpu->gpr[CPU_RDX] << 32);

	need_cpl0(cpu);
	if (msr_write(cpu, (uint32_t)cpu->gpr[CPU_RCX], v) < 0)
		cpu_gp(cpu, 0);
	cpu->stop_block = true;
}

void op_rdpmc(struct tcg_cpu *cpu, const struct insn *in)
{
	need_cpl0(cpu);
	cpu_gp(cpu, 0);		/* no performance counters advertised */
}

void op_sysenter(struct tcg_cpu *cpu, const struct insn *in)
{
	uint16_t cs = (uint16_t)cpu->sysenter_cs;
	struct cpu_segment *c = &cpu->seg[SEG_CS].d, *s = &cpu->seg[SEG_SS].d;

	if (!(cpu->cr0 & CR0_PE) || (cs & 0xfffc) == 0)
		cpu_gp(cpu, 0);
	bool lm = cpu->efer & EFER_LMA;

	cpu->eflags &= ~(FL_VM | FL_IF | FL_RF);
	cpu_set_cpl(cpu, 0);
	/* in IA-32e mode the kernel is entered in 64-bit mode */
	*c = (struct cpu_segment){ .selector = cs & 0xfffc, .limit = 0xffffffff, .type = 0xb,
				   .s = 1, .present = 1, .db = !lm, .l = lm, .g = 1 };
	*s = (struct cpu_segment){ .selector = (cs & 0xfffc) + 8, .limit = 0xffffffff, .type = 3,
				   .s = 1, .present = 1, .db = 1, .g = 1 };
	cpu_update_mode(cpu);
	cpu->gpr[CPU_RSP] = lm ? cpu->sysenter_esp : (uint32_t)cpu->sysenter_esp;
	cpu->next_rip = lm ? cpu->sysenter_eip : (uint32_t)cpu->sysenter_eip;
}

void op_sysexit(struct tcg_cpu *cpu, const struct insn *in)
{
	uint16_t cs = (uint16_t)cpu->sysenter_cs;
	struct cpu_segment *c = &cpu->seg[SEG_CS].d, *s = &cpu->seg[SEG_SS].d;

	if (!(cpu->cr0 & CR0_PE) || cpu->cpl || (cs & 0xfffc) == 0)
		cpu_gp(cpu, 0);
	bool to64 = in->osz == 8;	/* REX.W: back to 64-bit code (CS + 32) */

	cpu_set_cpl(cpu, 3);
	*c = (struct cpu_segment){ .selector = (uint16_t)((cs + (to64 ? 32 : 16)) | 3),
				   .limit = 0xffffffff, .type = 0xb, .s = 1, .present = 1, .dpl = 3,
				   .db = !to64, .l = to64, .g = 1 };
	*s = (struct cpu_segment){ .selector = (uint16_t)((cs + (to64 ? 40 : 24)) | 3),
				   .limit = 0xffffffff, .type = 3, .s = 1, .present = 1, .dpl = 3,
				   .db = 1, .g = 1 };
	cpu_update_mode(cpu);
	cpu->gpr[CPU_RSP] = to64 ? cpu->gpr[CPU_RCX] : (uint32_t)cpu->gpr[CPU_RCX];
	cpu->next_rip = to64 ? cpu->gpr[CPU_RDX] : (uint32_t)cpu->gpr[CPU_RDX];
}

/* ---- misc ---- */
void op_invd(struct tcg_cpu *cpu, const struct insn *in)
{
	need_cpl0(cpu);
}

void op_xlat(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t off = (cpu->gpr[CPU_RBX] + (cpu->gpr[CPU_RAX] & 0xff)) & amask(in->asz);

	reg_write(cpu, CPU_RAX, 0, 1, mem_read(cpu, in->seg, off, 1));
}

void op_ud2(struct tcg_cpu *cpu, const struct insn *in)
{
	cpu_ud(cpu);
}

void op_ud(struct tcg_cpu *cpu, const struct insn *in)
{
	if (log_enabled(LOG_UNIMP))
		board_log(LOG_UNIMP, "tcg: #UD at %#llx (map %u opcode %#x)",
			  (unsigned long long)cpu->rip, in->map, in->opc);
	cpu_ud(cpu);
}

void op_toolong(struct tcg_cpu *cpu, const struct insn *in)
{
	cpu_gp(cpu, 0);
}

void op_monitor(struct tcg_cpu *cpu, const struct insn *in) { cpu_ud(cpu); }
void op_mwait(struct tcg_cpu *cpu, const struct insn *in) { cpu_ud(cpu); }

void op_grp15(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned reg = (in->modrm >> 3) & 7;

	if (!(in->flags & INSN_MEM)) {
		if (reg >= 5) {		/* lfence, mfence, sfence */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			return;
		}
		cpu_ud(cpu);
	}
	if (reg == 7) {			/* clflush: check the address only */
		(void)mem_read(cpu, in->seg, insn_ea(cpu, in), 1);
		return;
	}
	switch (reg) {
	case 0: fpu_fxsave(cpu, in); return;
	case 1: fpu_fxrstor(cpu, in); return;
	case 2: fpu_ldmxcsr(cpu, in); return;
	case 3: fpu_stmxcsr(cpu, in); return;
	}
	op_ud(cpu, in);			/* xsave family: not advertised */
}
