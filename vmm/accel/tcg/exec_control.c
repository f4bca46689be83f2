/*
 * Control flow and the stack: branches, calls and returns (near and far),
 * loops, push/pop, enter/leave, flags register moves, software interrupts.
 */
#include "vmm/accel/tcg/exec.h"

static inline bool pmode(struct tcg_cpu *cpu)
{
	return (cpu->cr0 & CR0_PE) && !(cpu->eflags & FL_VM);
}

static inline void sp_set(struct tcg_cpu *cpu, uint64_t sp)
{
	reg_write(cpu, CPU_RSP, 0, stack_size(cpu), sp);
}

void stack_push(struct tcg_cpu *cpu, unsigned size, uint64_t v)
{
	unsigned ss = stack_size(cpu);
	uint64_t sp = (cpu->gpr[CPU_RSP] - size) & amask(ss);

	mem_write(cpu, SEG_SS, sp, size, v);
	sp_set(cpu, sp);
}

uint64_t stack_peek(struct tcg_cpu *cpu, unsigned size, unsigned offset)
{
	unsigned ss = stack_size(cpu);

	return mem_read(cpu, SEG_SS, (cpu->gpr[CPU_RSP] + offset) & amask(ss), size);
}

uint64_t stack_pop(struct tcg_cpu *cpu, unsigned size)
{
	uint64_t v = stack_peek(cpu, size, 0);

	sp_set(cpu, cpu->gpr[CPU_RSP] + size);
	return v;
}

/* ---- near branches ---- */
void op_jcc(struct tcg_cpu *cpu, const struct insn *in)
{
	if (flags_cond(cpu, in->opc & 15))
		cpu->next_rip = in->imm;
}

void op_jmp(struct tcg_cpu *cpu, const struct insn *in)
{
	cpu->next_rip = in->imm;
}

void op_call(struct tcg_cpu *cpu, const struct insn *in)
{
	stack_push(cpu, in->osz, cpu->next_rip);
	cpu->next_rip = in->imm;
}

void op_ret(struct tcg_cpu *cpu, const struct insn *in)
{
	cpu->next_rip = stack_pop(cpu, in->osz);
}

void op_ret_imm(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t ip = stack_pop(cpu, in->osz);

	sp_set(cpu, cpu->gpr[CPU_RSP] + (in->imm & 0xffff));
	cpu->next_rip = ip;
}

void op_jmp_e(struct tcg_cpu *cpu, const struct insn *in)
{
	cpu->next_rip = rm_read(cpu, in, in->osz);
}

void op_call_e(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t target = rm_read(cpu, in, in->osz);

	stack_push(cpu, in->osz, cpu->next_rip);
	cpu->next_rip = target;
}

void op_loop(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t c = (cpu->gpr[CPU_RCX] - 1) & amask(in->asz);
	bool take = c != 0;

	reg_write(cpu, CPU_RCX, 0, in->asz, c);
	if (in->opc == 0xe0)
		take = take && !flags_cond(cpu, 4);
	else if (in->opc == 0xe1)
		take = take && flags_cond(cpu, 4);
	if (take)
		cpu->next_rip = in->imm;
}

void op_jcxz(struct tcg_cpu *cpu, const struct insn *in)
{
	if (!(cpu->gpr[CPU_RCX] & amask(in->asz)))
		cpu->next_rip = in->imm;
}

/* ---- far transfers ---- */
static void far_jump_any(struct tcg_cpu *cpu, uint16_t sel, uint64_t off, unsigned osz)
{
	if (!pmode(cpu)) {
		seg_load_real(cpu, SEG_CS, sel);
		cpu->next_rip = off & size_mask(osz);
		cpu_update_mode(cpu);
		return;
	}
	far_jump(cpu, sel, off, osz);
}

static void far_call_any(struct tcg_cpu *cpu, uint16_t sel, uint64_t off, unsigned osz)
{
	if (!pmode(cpu)) {
		stack_push(cpu, osz, cpu->seg[SEG_CS].d.selector);
		stack_push(cpu, osz, cpu->next_rip);
		seg_load_real(cpu, SEG_CS, sel);
		cpu->next_rip = off & size_mask(osz);
		cpu_update_mode(cpu);
		return;
	}
	far_call(cpu, sel, off, osz);
}

void op_jmpf(struct tcg_cpu *cpu, const struct insn *in)
{
	far_jump_any(cpu, in->imm2, in->imm, in->osz);
}

void op_callf(struct tcg_cpu *cpu, const struct insn *in)
{
	far_call_any(cpu, in->imm2, in->imm, in->osz);
}

static void far_operand(struct tcg_cpu *cpu, const struct insn *in, uint16_t *sel, uint64_t *off)
{
	unsigned osz = in->osz;
	uint64_t ea = insn_ea(cpu, in);

	*off = mem_read(cpu, in->seg, ea, osz);
	*sel = (uint16_t)mem_read(cpu, in->seg, (ea + osz) & amask(in->asz), 2);
}

void op_jmpf_e(struct tcg_cpu *cpu, const struct insn *in)
{
	uint16_t sel;
	uint64_t off;

	far_operand(cpu, in, &sel, &off);
	far_jump_any(cpu, sel, off, in->osz);
}

void op_callf_e(struct tcg_cpu *cpu, const struct insn *in)
{
	uint16_t sel;
	uint64_t off;

	far_operand(cpu, in, &sel, &off);
	far_call_any(cpu, sel, off, in->osz);
}

void op_retf(struct tcg_cpu *cpu, const struct insn *in)
{
	uint16_t extra = in->opc == 0xca ? (uint16_t)in->imm : 0;

	if (!pmode(cpu)) {
		uint64_t ip = stack_peek(cpu, in->osz, 0);
		uint16_t cs = (uint16_t)stack_peek(cpu, 2, in->osz);

		sp_set(cpu, cpu->gpr[CPU_RSP] + 2u * in->osz + extra);
		seg_load_real(cpu, SEG_CS, cs);
		cpu->next_rip = ip;
		cpu_update_mode(cpu);
		return;
	}
	far_ret(cpu, in->osz, extra);
}

void op_iret(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned osz = in->osz;

	if (!(cpu->cr0 & CR0_PE)) {
		uint64_t ip = stack_peek(cpu, osz, 0);
		uint16_t cs = (uint16_t)stack_peek(cpu, 2, osz);
		uint32_t fl = (uint32_t)stack_peek(cpu, osz, 2 * osz);
		uint32_t mask = FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT;

		if (osz == 4)
			mask |= FL_AC | FL_ID;
		sp_set(cpu, cpu->gpr[CPU_RSP] + 3u * osz);
		seg_load_real(cpu, SEG_CS, cs);
		cpu->next_rip = ip;
		flags_write(cpu, fl, mask);
		cpu->nmi_blocked = false;
		cpu_update_mode(cpu);
		return;
	}
	iret_do(cpu, osz);
}

/* ---- push and pop ---- */
void op_push_r(struct tcg_cpu *cpu, const struct insn *in)
{
	stack_push(cpu, in->osz, reg_read(cpu, in->rm, 0, in->osz));
}

void op_pop_r(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t v = stack_pop(cpu, in->osz);

	reg_write(cpu, in->rm, 0, in->osz, v);
}

void op_push_i(struct tcg_cpu *cpu, const struct insn *in)
{
	stack_push(cpu, in->osz, in->imm);
}

void op_push_e(struct tcg_cpu *cpu, const struct insn *in)
{
	stack_push(cpu, in->osz, rm_read(cpu, in, in->osz));
}

void op_pop_e(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t v = stack_peek(cpu, size, 0);
	uint64_t old = cpu->gpr[CPU_RSP];

	if (in->flags & INSN_MEM) {
		/* the address is computed with the incremented stack pointer */
		uint64_t ea;

		sp_set(cpu, old + size);
		ea = insn_ea(cpu, in);
		cpu->gpr[CPU_RSP] = old;
		mem_write(cpu, in->seg, ea, size, v);
		sp_set(cpu, old + size);
	} else {
		sp_set(cpu, old + size);
		reg_write(cpu, in->rm, in->rm8, size, v);
	}
}

void op_pusha(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t sp = cpu->gpr[CPU_RSP], ss = amask(stack_size(cpu));

	/* check the whole frame first: no partial pushes on a fault */
	seg_lin(cpu, SEG_SS, (sp - 8 * size) & ss, size, true);
	for (unsigned r = CPU_RAX; r <= CPU_RDI; r++)
		stack_push(cpu, size, r == CPU_RSP ? sp : cpu->gpr[r]);
}

void op_popa(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t v[8];

	for (int r = CPU_RDI; r >= CPU_RAX; r--)
		v[r] = stack_peek(cpu, size, (unsigned)(CPU_RDI - r) * size);
	for (int r = CPU_RDI; r >= CPU_RAX; r--)
		if (r != CPU_RSP)
			reg_write(cpu, (unsigned)r, 0, size, v[r]);
	sp_set(cpu, cpu->gpr[CPU_RSP] + 8 * size);
}

void op_enter(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz, level = in->imm2 & 31;
	unsigned ssz = stack_size(cpu);
	uint64_t frame, bp = cpu->gpr[CPU_RBP];

	stack_push(cpu, size, bp);
	frame = cpu->gpr[CPU_RSP];
	if (level) {
		for (unsigned i = 1; i < level; i++) {
			bp = (bp - size) & amask(ssz);
			stack_push(cpu, size, mem_read(cpu, SEG_SS, bp, size));
		}
		stack_push(cpu, size, frame);
	}
	reg_write(cpu, CPU_RBP, 0, size, frame);
	sp_set(cpu, cpu->gpr[CPU_RSP] - (in->imm & 0xffff));
}

void op_leave(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t bp = cpu->gpr[CPU_RBP];
	uint64_t v = mem_read(cpu, SEG_SS, bp & amask(stack_size(cpu)), in->osz);

	sp_set(cpu, bp + in->osz);
	reg_write(cpu, CPU_RBP, 0, in->osz, v);
}

/* ---- flags ---- */
static unsigned iopl(struct tcg_cpu *cpu)
{
	return (cpu->eflags & FL_IOPL) >> 12;
}

void op_pushf(struct tcg_cpu *cpu, const struct insn *in)
{
	if ((cpu->eflags & FL_VM) && iopl(cpu) < 3)
		cpu_gp(cpu, 0);
	stack_push(cpu, in->osz, flags_get(cpu) & ~(FL_VM | FL_RF));
}

void op_popf(struct tcg_cpu *cpu, const struct insn *in)
{
	uint32_t mask = FL_ARITH | FL_TF | FL_DF | FL_NT;
	uint32_t v;

	if ((cpu->eflags & FL_VM) && iopl(cpu) < 3)
		cpu_gp(cpu, 0);
	v = (uint32_t)stack_pop(cpu, in->osz);
	if (in->osz >= 4)
		mask |= FL_AC | FL_ID;
	if (cpu->cpl == 0 || !(cpu->cr0 & CR0_PE))
		mask |= FL_IOPL | FL_IF;
	else if (cpu->cpl <= iopl(cpu))
		mask |= FL_IF;
	if (cpu->eflags & FL_VM)
		mask |= FL_IF;
	if (in->osz == 2)
		mask &= 0xffff;
	flags_write(cpu, v, mask);
	cpu->stop_block = true;
}

void op_sahf(struct tcg_cpu *cpu, const struct insn *in)
{
	uint32_t f = flags_arith(cpu) & FL_OF;
	uint8_t ah = (uint8_t)(cpu->gpr[CPU_RAX] >> 8);

	flags_set_arith(cpu, f | (ah & (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF)));
}

void op_lahf(struct tcg_cpu *cpu, const struct insn *in)
{
	uint8_t f = (uint8_t)(flags_get(cpu) & 0xff);

	((uint8_t *)cpu->gpr)[1] = f;
}

static void set_flag_bits(struct tcg_cpu *cpu, uint32_t clear, uint32_t set, uint32_t toggle)
{
	uint32_t f = flags_arith(cpu);

	flags_set_arith(cpu, ((f & ~clear) | set) ^ toggle);
}

void op_clc(struct tcg_cpu *cpu, const struct insn *in) { set_flag_bits(cpu, FL_CF, 0, 0); }
void op_stc(struct tcg_cpu *cpu, const struct insn *in) { set_flag_bits(cpu, 0, FL_CF, 0); }
void op_cmc(struct tcg_cpu *cpu, const struct insn *in) { set_flag_bits(cpu, 0, 0, FL_CF); }
void op_cld(struct tcg_cpu *cpu, const struct insn *in) { cpu->eflags &= ~FL_DF; }
void op_std(struct tcg_cpu *cpu, const struct insn *in) { cpu->eflags |= FL_DF; }

/* ---- software interrupts ---- */
void op_int(struct tcg_cpu *cpu, const struct insn *in)
{
	if ((cpu->eflags & FL_VM) && iopl(cpu) < 3)
		cpu_gp(cpu, 0);
	cpu_raise_soft(cpu, (int)(in->imm & 0xff));
}

void op_int3(struct tcg_cpu *cpu, const struct insn *in)
{
	cpu_raise_soft(cpu, EXC_BP);
}

void op_into(struct tcg_cpu *cpu, const struct insn *in)
{
	if (flags_cond(cpu, 0))
		cpu_raise_soft(cpu, EXC_OF);
}

void op_int1(struct tcg_cpu *cpu, const struct insn *in)
{
	/* ICEBP: a trap; the return address is the next instruction */
	cpu->rip = cpu->next_rip;
	cpu_raise(cpu, EXC_DB, 0, false);
}

void op_bound(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t ea = insn_ea(cpu, in);
	int64_t lo = sext_size(mem_read(cpu, in->seg, ea, size), size);
	int64_t hi = sext_size(mem_read(cpu, in->seg, (ea + size) & amask(in->asz), size), size);
	int64_t v = sext_size(greg_read(cpu, in, size), size);

	if (v < lo || v > hi)
		cpu_raise(cpu, EXC_BR, 0, false);
}
