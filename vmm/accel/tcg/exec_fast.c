/*
 * Specialised handlers for the hottest instruction shapes (Linux boot
 * profile: 64- and 32-bit register moves and arithmetic, loads and stores
 * in 64-bit mode, shifts by an immediate, imul, jcc/setcc/cmov). The
 * decoder picks them (fast_select) instead of the generic handler when the
 * shape is known at decode time: operand size, register or memory form,
 * 64-bit code (where DS/ES/SS have base 0 and no limit). Each does exactly
 * what the generic handler would, with the switches on size and form gone.
 */
#include "vmm/accel/tcg/exec_fast.h"

/*
 * GCC 12 -O2 packs the lazy-flag stores (cc_res, cc_a) into one SSE store
 * through two GPR-to-XMM moves: slower than the two plain stores.
 */
#pragma GCC optimize("no-tree-slp-vectorize")

#define CC_LIST(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) \
	X(12) X(13) X(14) X(15)

#define JCC(n) FHJ(fast_jcc_##n) { jcc_go(cpu, in, cond_eval(cpu, n)); }
CC_LIST(JCC)
#define JCC_REF(n) fast_jcc_##n,
static const insn_fn jcc_tab[16] = { CC_LIST(JCC_REF) };

/* setcc to a register (byte offset rm8) */
#define SETCC(n) FH(fast_setcc_##n) { ((uint8_t *)cpu->gpr)[in->rm8] = cond_eval(cpu, n); }
CC_LIST(SETCC)
#define SETCC_REF(n) fast_setcc_##n,
static const insn_fn setcc_tab[16] = { CC_LIST(SETCC_REF) };

/* cmov between registers: a 32-bit destination is zero-extended either way */
#define CMOV(n)									\
FH(fast_cmov64_##n) { if (cond_eval(cpu, n)) cpu->gpr[in->reg] = cpu->gpr[in->rm]; }	\
FH(fast_cmov32_##n)							\
{									\
	cpu->gpr[in->reg] = (uint32_t)cpu->gpr[cond_eval(cpu, n) ? in->rm : in->reg]; \
}
CC_LIST(CMOV)
#define CMOV64_REF(n) fast_cmov64_##n,
#define CMOV32_REF(n) fast_cmov32_##n,
static const insn_fn cmov64_tab[16] = { CC_LIST(CMOV64_REF) };
static const insn_fn cmov32_tab[16] = { CC_LIST(CMOV32_REF) };

/* ---- register to register ---- */
FH(fast_mov_rm_reg64) { cpu->gpr[in->rm] = cpu->gpr[in->reg]; }
FH(fast_mov_rm_reg32) { cpu->gpr[in->rm] = (uint32_t)cpu->gpr[in->reg]; }
FH(fast_mov_reg_rm64) { cpu->gpr[in->reg] = cpu->gpr[in->rm]; }
FH(fast_mov_reg_rm32) { cpu->gpr[in->reg] = (uint32_t)cpu->gpr[in->rm]; }
FH(fast_mov_ri64) { cpu->gpr[in->rm] = in->imm; }
FH(fast_mov_ri32) { cpu->gpr[in->rm] = (uint32_t)in->imm; }

/*
 * dst op= src for the group-1 operations without carry-in; sizes 8 and 4
 * (a 32-bit result zero-extends). cmp and test write no register.
 */
#define ALU_RR(name, kind, expr, wr)						\
FH(fast_##name##64_rr_eg)							\
{									\
	uint64_t a = cpu->gpr[in->rm], b = cpu->gpr[in->reg], r = (expr);	\
	cc_set(cpu, CC_OP(kind, 8), r, a, b);				\
	if (wr)								\
		cpu->gpr[in->rm] = r;					\
}									\
FH(fast_##name##32_rr_eg)							\
{									\
	uint64_t a = (uint32_t)cpu->gpr[in->rm], b = (uint32_t)cpu->gpr[in->reg]; \
	uint64_t r = (uint32_t)(expr);					\
	cc_set(cpu, CC_OP(kind, 4), r, a, b);				\
	if (wr)								\
		cpu->gpr[in->rm] = r;					\
}									\
FH(fast_##name##64_rr_ge)							\
{									\
	uint64_t a = cpu->gpr[in->reg], b = cpu->gpr[in->rm], r = (expr);	\
	cc_set(cpu, CC_OP(kind, 8), r, a, b);				\
	if (wr)								\
		cpu->gpr[in->reg] = r;					\
}									\
FH(fast_##name##32_rr_ge)							\
{									\
	uint64_t a = (uint32_t)cpu->gpr[in->reg], b = (uint32_t)cpu->gpr[in->rm]; \
	uint64_t r = (uint32_t)(expr);					\
	cc_set(cpu, CC_OP(kind, 4), r, a, b);				\
	if (wr)								\
		cpu->gpr[in->reg] = r;					\
}									\
FH(fast_##name##64_ri)							\
{									\
	uint64_t a = cpu->gpr[in->rm], b = in->imm, r = (expr);		\
	cc_set(cpu, CC_OP(kind, 8), r, a, b);				\
	if (wr)								\
		cpu->gpr[in->rm] = r;					\
}									\
FH(fast_##name##32_ri)							\
{									\
	uint64_t a = (uint32_t)cpu->gpr[in->rm], b = (uint32_t)in->imm;	\
	uint64_t r = (uint32_t)(expr);					\
	cc_set(cpu, CC_OP(kind, 4), r, a, b);				\
	if (wr)								\
		cpu->gpr[in->rm] = r;					\
}

/* logic ops keep a and b at 0 as the generic handlers do */
ALU_RR(add, CC_ADD, a + b, 1)
ALU_RR(sub, CC_SUB, a - b, 1)
ALU_RR(cmp, CC_SUB, a - b, 0)

#define LOGIC_RR(name, expr, wr)						\
FH(fast_##name##64_rr_eg)							\
{									\
	uint64_t a = cpu->gpr[in->rm], b = cpu->gpr[in->reg], r = (expr);	\
	cc_set(cpu, CC_OP(CC_LOGIC, 8), r, 0, 0);			\
	if (wr)								\
		cpu->gpr[in->rm] = r;					\
}									\
FH(fast_##name##32_rr_eg)							\
{									\
	uint64_t a = (uint32_t)cpu->gpr[in->rm], b = (uint32_t)cpu->gpr[in->reg]; \
	uint64_t r = (expr);						\
	cc_set(cpu, CC_OP(CC_LOGIC, 4), r, 0, 0);			\
	if (wr)								\
		cpu->gpr[in->rm] = r;					\
}									\
FH(fast_##name##64_ri)							\
{									\
	uint64_t a = cpu->gpr[in->rm], b = in->imm, r = (expr);		\
	cc_set(cpu, CC_OP(CC_LOGIC, 8), r, 0, 0);			\
	if (wr)								\
		cpu->gpr[in->rm] = r;					\
}									\
FH(fast_##name##32_ri)							\
{									\
	uint64_t a = (uint32_t)cpu->gpr[in->rm], b = (uint32_t)in->imm;	\
	uint64_t r = (expr);						\
	cc_set(cpu, CC_OP(CC_LOGIC, 4), r, 0, 0);			\
	if (wr)								\
		cpu->gpr[in->rm] = r;					\
}

#define LOGIC_GE(name, expr)							\
FH(fast_##name##64_rr_ge)							\
{									\
	uint64_t a = cpu->gpr[in->reg], b = cpu->gpr[in->rm], r = (expr);	\
	cc_set(cpu, CC_OP(CC_LOGIC, 8), r, 0, 0);			\
	cpu->gpr[in->reg] = r;					\
}									\
FH(fast_##name##32_rr_ge)							\
{									\
	uint64_t a = (uint32_t)cpu->gpr[in->reg], b = (uint32_t)cpu->gpr[in->rm]; \
	uint64_t r = (expr);						\
	cc_set(cpu, CC_OP(CC_LOGIC, 4), r, 0, 0);			\
	cpu->gpr[in->reg] = r;					\
}

LOGIC_GE(and, a & b)
LOGIC_GE(or, a | b)
LOGIC_GE(xor, a ^ b)
LOGIC_RR(and, a & b, 1)
LOGIC_RR(or, a | b, 1)
LOGIC_RR(xor, a ^ b, 1)
LOGIC_RR(test, a & b, 0)

/* adc between registers: the carry-in is kept in aux as the generic one does */
FH(fast_adc64_rr_eg)
{
	uint64_t a = cpu->gpr[in->rm], b = cpu->gpr[in->reg], c = cond_eval(cpu, 2);
	uint64_t r = a + b + c;

	cc_set(cpu, CC_OP(CC_ADC, 8), r, a, b);
	cpu->cc_aux = c;
	cpu->gpr[in->rm] = r;
}

FH(fast_adc32_rr_eg)
{
	uint64_t a = (uint32_t)cpu->gpr[in->rm], b = (uint32_t)cpu->gpr[in->reg];
	uint64_t c = cond_eval(cpu, 2), r = (uint32_t)(a + b + c);

	cc_set(cpu, CC_OP(CC_ADC, 4), r, a, b);
	cpu->cc_aux = c;
	cpu->gpr[in->rm] = r;
}

FH(fast_adc64_ri)
{
	uint64_t a = cpu->gpr[in->rm], b = in->imm, c = cond_eval(cpu, 2), r = a + b + c;

	cc_set(cpu, CC_OP(CC_ADC, 8), r, a, b);
	cpu->cc_aux = c;
	cpu->gpr[in->rm] = r;
}

FH(fast_adc32_ri)
{
	uint64_t a = (uint32_t)cpu->gpr[in->rm], b = (uint32_t)in->imm;
	uint64_t c = cond_eval(cpu, 2), r = (uint32_t)(a + b + c);

	cc_set(cpu, CC_OP(CC_ADC, 4), r, a, b);
	cpu->cc_aux = c;
	cpu->gpr[in->rm] = r;
}

/* inc/dec of a register: CF is kept (aux) */
#define INCDEC(bits, size, ty)							\
FH(fast_inc##bits)								\
{									\
	uint64_t a = (ty)cpu->gpr[in->rm], c = cond_eval(cpu, 2), r = (ty)(a + 1); \
	cc_set(cpu, CC_OP(CC_INC, size), r, a, 1);			\
	cpu->cc_aux = c;						\
	cpu->gpr[in->rm] = r;						\
}									\
FH(fast_dec##bits)								\
{									\
	uint64_t a = (ty)cpu->gpr[in->rm], c = cond_eval(cpu, 2), r = (ty)(a - 1); \
	cc_set(cpu, CC_OP(CC_DEC, size), r, a, 1);			\
	cpu->cc_aux = c;						\
	cpu->gpr[in->rm] = r;						\
}
INCDEC(64, 8, uint64_t)
INCDEC(32, 4, uint32_t)

/* byte test and compare of registers (AH..BH through the byte offsets) */
FH(fast_test8_rr)
{
	const uint8_t *g = (const uint8_t *)cpu->gpr;

	cc_set(cpu, CC_OP(CC_LOGIC, 1), g[in->rm8] & g[in->reg8], 0, 0);
}

FH(fast_cmp8_rr_eg)
{
	const uint8_t *g = (const uint8_t *)cpu->gpr;
	uint64_t a = g[in->rm8], b = g[in->reg8];

	cc_set(cpu, CC_OP(CC_SUB, 1), a - b, a, b);
}

FH(fast_cmp8_ri)
{
	uint64_t a = ((const uint8_t *)cpu->gpr)[in->rm8], b = in->imm & 0xff;

	cc_set(cpu, CC_OP(CC_SUB, 1), a - b, a, b);
}

FH(fast_test8_ri)
{
	uint64_t r = ((const uint8_t *)cpu->gpr)[in->rm8] & in->imm & 0xff;

	cc_set(cpu, CC_OP(CC_LOGIC, 1), r, 0, 0);
}

FH(fast_nop) { }
FHB(fast_jmp) { cpu->rip = in->imm; }

/* xor r, r: the zero idiom */
FH(fast_zero32)
{
	cpu->gpr[in->rm] = 0;
	cc_set(cpu, CC_OP(CC_LOGIC, 4), 0, 0, 0);
}

/* shifts of a register by a non-zero immediate (count pre-masked) */
#define SHIFT_RI(size, bits, m)							\
FH(fast_shl##bits)								\
{									\
	unsigned c = (unsigned)in->imm;					\
	uint64_t a = cpu->gpr[in->rm] & (m), tmp = (a << (c - 1)) & (m), r = (tmp << 1) & (m); \
	cpu->cc_aux = ((tmp >> ((bits) - 1)) & 1 ? FL_CF : 0) |		\
		      (((tmp ^ r) >> ((bits) - 1)) & 1 ? FL_OF : 0);	\
	cpu->cc_op = CC_OP(CC_SHIFT, size);				\
	cpu->cc_res = r;						\
	cpu->gpr[in->rm] = r;						\
}									\
FH(fast_shr##bits)								\
{									\
	unsigned c = (unsigned)in->imm;					\
	uint64_t a = cpu->gpr[in->rm] & (m), tmp = a >> (c - 1), r = tmp >> 1; \
	cpu->cc_aux = (tmp & 1 ? FL_CF : 0) | (((tmp ^ r) >> ((bits) - 1)) & 1 ? FL_OF : 0); \
	cpu->cc_op = CC_OP(CC_SHIFT, size);				\
	cpu->cc_res = r;						\
	cpu->gpr[in->rm] = r;						\
}									\
FH(fast_sar##bits)								\
{									\
	unsigned c = (unsigned)in->imm;					\
	uint64_t a = cpu->gpr[in->rm] & (m);				\
	uint64_t tmp = (uint64_t)(sext_size(a, size) >> (c - 1)) & (m);	\
	uint64_t r = (uint64_t)(sext_size(tmp, size) >> 1) & (m);	\
	cpu->cc_aux = (tmp & 1 ? FL_CF : 0) | (((tmp ^ r) >> ((bits) - 1)) & 1 ? FL_OF : 0); \
	cpu->cc_op = CC_OP(CC_SHIFT, size);				\
	cpu->cc_res = r;						\
	cpu->gpr[in->rm] = r;						\
}

SHIFT_RI(8, 64, ~0ull)
SHIFT_RI(4, 32, 0xffffffffull)

/*
 * By CL: a count of 0 changes no flags (a 32-bit register is still
 * written, so zero-extended, as the generic handler does).
 */
#define SHIFT_CL(op, bits, m)							\
FH(fast_##op##bits##_cl)							\
{									\
	struct insn t = *in;						\
									\
	t.imm = cpu->gpr[CPU_RCX] & ((bits) - 1);			\
	if (!t.imm) {							\
		cpu->gpr[in->rm] &= (m);				\
		return;							\
	}								\
	fast_##op##bits##_body(cpu, &t);				\
}
SHIFT_CL(shl, 64, ~0ull)
SHIFT_CL(shr, 64, ~0ull)
SHIFT_CL(sar, 64, ~0ull)
SHIFT_CL(shl, 32, 0xffffffffull)
SHIFT_CL(shr, 32, 0xffffffffull)
SHIFT_CL(sar, 32, 0xffffffffull)

/* neg and not of a register */
FH(fast_neg64)
{
	uint64_t a = cpu->gpr[in->rm], r = 0 - a;

	cc_set(cpu, CC_OP(CC_SUB, 8), r, 0, a);
	cpu->gpr[in->rm] = r;
}

FH(fast_neg32)
{
	uint64_t a = (uint32_t)cpu->gpr[in->rm], r = (uint32_t)(0 - a);

	cc_set(cpu, CC_OP(CC_SUB, 4), r, 0, a);
	cpu->gpr[in->rm] = r;
}

FH(fast_not64) { cpu->gpr[in->rm] = ~cpu->gpr[in->rm]; }
FH(fast_not32) { cpu->gpr[in->rm] = (uint32_t)~cpu->gpr[in->rm]; }

/* imul r, r/m (register source) */
FH(fast_imul64_rr)
{
	__int128 r = (__int128)(int64_t)cpu->gpr[in->reg] * (int64_t)cpu->gpr[in->rm];
	int64_t lo = (int64_t)r;

	cpu->gpr[in->reg] = (uint64_t)lo;
	mul_flags(cpu, 8, (uint64_t)lo, r != lo);
}

FH(fast_imul32_rr)
{
	int64_t r = (int64_t)(int32_t)cpu->gpr[in->reg] * (int32_t)cpu->gpr[in->rm];
	int64_t lo = (int32_t)r;

	cpu->gpr[in->reg] = (uint32_t)lo;
	mul_flags(cpu, 4, (uint64_t)lo, r != lo);
}

/* imul r, r/m, imm (register source) */
FH(fast_imul64_rri)
{
	__int128 r = (__int128)(int64_t)cpu->gpr[in->rm] * (int64_t)in->imm;
	int64_t lo = (int64_t)r;

	cpu->gpr[in->reg] = (uint64_t)lo;
	mul_flags(cpu, 8, (uint64_t)lo, r != lo);
}

FH(fast_imul32_rri)
{
	int64_t r = (int64_t)(int32_t)cpu->gpr[in->rm] * (int32_t)in->imm;
	int64_t lo = (int32_t)r;

	cpu->gpr[in->reg] = (uint32_t)lo;
	mul_flags(cpu, 4, (uint64_t)lo, r != lo);
}

FH(fast_movzx8_r) { cpu->gpr[in->reg] = ((const uint8_t *)cpu->gpr)[in->rm8]; }
FH(fast_movzx16_r) { cpu->gpr[in->reg] = (uint16_t)cpu->gpr[in->rm]; }
FH(fast_movsxd_r) { cpu->gpr[in->reg] = (uint64_t)(int64_t)(int32_t)cpu->gpr[in->rm]; }

/* lea with a 64-bit address: 64- or 32-bit destination */
FH(fast_lea64)
{
	cpu->gpr[in->reg] = cpu->gpr[in->base] + (cpu->gpr[in->index] << in->scale) +
			    (uint64_t)in->disp;
}

FH(fast_lea32)
{
	cpu->gpr[in->reg] = (uint32_t)(cpu->gpr[in->base] + (cpu->gpr[in->index] << in->scale) +
				       (uint64_t)in->disp);
}

/* ---- memory in 64-bit mode ---- */
/* linear address of the ModRM operand: DS/ES/SS have base 0, FS/GS their base */
static inline uint64_t ea64(struct tcg_cpu *cpu, const struct insn *in)
{
	/* selected for 64-bit addresses only: no wrap to the address size */
	return cpu->gpr[in->base] + (cpu->gpr[in->index] << in->scale) + (uint64_t)in->disp +
	       cpu->seg[in->seg].lbase;
}

/* a TLB miss: the whole instruction by its generic handler, as cpu.c would */
void fast_slow(struct tcg_cpu *cpu, const struct insn *in, insn_fn generic)
{
	cpu->rip = insn_rip(cpu, in);
	cpu->next_rip = in->next_rip;
	generic(cpu, in);
	cpu->rip = cpu->next_rip;
	insn_chain_at(cpu, in);
}

#define LDST(size, bits)							\
FHT(fast_load##bits, op_mov_ge)							\
{									\
	uint64_t v;							\
	if (!try_read(cpu, ea64(cpu, in), size, &v))			\
		return false;						\
	if ((size) >= 4)						\
		cpu->gpr[in->reg] = v;					\
	else								\
		reg_write(cpu, in->reg, in->reg8, size, v);		\
	return true;							\
}									\
FHT(fast_store##bits, op_mov_eg)						\
{									\
	return try_write(cpu, ea64(cpu, in), size, reg_read(cpu, in->reg, in->reg8, size)); \
}									\
FHT(fast_store_imm##bits, op_mov_ei)					\
{									\
	return try_write(cpu, ea64(cpu, in), size, in->imm);		\
}

LDST(1, 8)
LDST(2, 16)
LDST(4, 32)
LDST(8, 64)

FHT(fast_movzx8_m, op_movzx)
{
	uint64_t v;

	if (!try_read(cpu, ea64(cpu, in), 1, &v))
		return false;
	cpu->gpr[in->reg] = v;
	return true;
}

FHT(fast_movzx16_m, op_movzx)
{
	uint64_t v;

	if (!try_read(cpu, ea64(cpu, in), 2, &v))
		return false;
	cpu->gpr[in->reg] = v;
	return true;
}

FHT(fast_movsxd_m, op_movsxd)
{
	uint64_t v;

	if (!try_read(cpu, ea64(cpu, in), 4, &v))
		return false;
	cpu->gpr[in->reg] = (uint64_t)(int64_t)(int32_t)v;
	return true;
}

/* op reg, [mem] and cmp [mem], reg / imm (no write to memory) */
#define ALU_M(name, kind, expr, wr)						\
FHT(fast_##name##64_ge_m, op_##name##_ge)					\
{									\
	uint64_t a = cpu->gpr[in->reg], b, r;				\
	if (!try_read(cpu, ea64(cpu, in), 8, &b))			\
		return false;						\
	r = (expr);							\
	cc_set(cpu, CC_OP(kind, 8), r, a, b);				\
	if (wr)								\
		cpu->gpr[in->reg] = r;					\
	return true;							\
}									\
FHT(fast_##name##32_ge_m, op_##name##_ge)					\
{									\
	uint64_t a = (uint32_t)cpu->gpr[in->reg], b, r;			\
	if (!try_read(cpu, ea64(cpu, in), 4, &b))			\
		return false;						\
	r = (uint32_t)(expr);						\
	cc_set(cpu, CC_OP(kind, 4), r, a, b);				\
	if (wr)								\
		cpu->gpr[in->reg] = r;					\
	return true;							\
}

ALU_M(add, CC_ADD, a + b, 1)
ALU_M(sub, CC_SUB, a - b, 1)
ALU_M(cmp, CC_SUB, a - b, 0)

FHT(fast_cmp8_ge_m, op_cmp_ge)
{
	uint64_t a = ((const uint8_t *)cpu->gpr)[in->reg8], b;

	if (!try_read(cpu, ea64(cpu, in), 1, &b))
		return false;
	cc_set(cpu, CC_OP(CC_SUB, 1), a - b, a, b);
	return true;
}

#define CMP_M(size, bits)							\
FHT(fast_cmp##bits##_eg_m, op_cmp_eg)					\
{									\
	uint64_t a, b = reg_read(cpu, in->reg, in->reg8, size);		\
	if (!try_read(cpu, ea64(cpu, in), size, &a))			\
		return false;						\
	cc_set(cpu, CC_OP(CC_SUB, size), a - b, a, b);			\
	return true;							\
}									\
FHT(fast_cmp##bits##_ei_m, op_cmp_ei)					\
{									\
	uint64_t a, b = in->imm & size_mask(size);			\
	if (!try_read(cpu, ea64(cpu, in), size, &a))			\
		return false;						\
	cc_set(cpu, CC_OP(CC_SUB, size), a - b, a, b);			\
	return true;							\
}									\
FHT(fast_test##bits##_ei_m, op_test_ei)					\
{									\
	uint64_t a;							\
	if (!try_read(cpu, ea64(cpu, in), size, &a))			\
		return false;						\
	cc_set(cpu, CC_OP(CC_LOGIC, size), a & in->imm, 0, 0);		\
	return true;							\
}

CMP_M(1, 8)
CMP_M(2, 16)
CMP_M(4, 32)
CMP_M(8, 64)

/* ---- stack and near branches in 64-bit mode (SS base 0, 8-byte slots) ---- */
FHT(fast_push64, op_push_r)
{
	uint64_t sp = cpu->gpr[CPU_RSP] - 8;

	if (!try_write(cpu, sp, 8, cpu->gpr[in->rm]))
		return false;
	cpu->gpr[CPU_RSP] = sp;
	return true;
}

FHT(fast_pop64, op_pop_r)
{
	uint64_t sp = cpu->gpr[CPU_RSP], v;

	if (!try_read(cpu, sp, 8, &v))
		return false;
	/* pop rsp loads the value read, after the increment */
	cpu->gpr[CPU_RSP] = sp + 8;
	cpu->gpr[in->rm] = v;
	return true;
}

FHT(fast_call64, op_call)
{
	uint64_t sp = cpu->gpr[CPU_RSP] - 8;

	if (!try_write(cpu, sp, 8, in->next_rip))
		return false;
	cpu->gpr[CPU_RSP] = sp;
	cpu->rip = in->imm;
	return true;
}

FHT(fast_ret64, op_ret)
{
	uint64_t sp = cpu->gpr[CPU_RSP], ip;

	if (!try_read(cpu, sp, 8, &ip))
		return false;
	cpu->gpr[CPU_RSP] = sp + 8;
	cpu->rip = ip;
	return true;
}

/* ---- selection ---- */
static insn_fn alu_rr(unsigned op, bool eg, unsigned size)
{
	static const insn_fn eg64[8] = { fast_add64_rr_eg, fast_or64_rr_eg, NULL, NULL,
					 fast_and64_rr_eg, fast_sub64_rr_eg, fast_xor64_rr_eg,
					 fast_cmp64_rr_eg };
	static const insn_fn eg32[8] = { fast_add32_rr_eg, fast_or32_rr_eg, NULL, NULL,
					 fast_and32_rr_eg, fast_sub32_rr_eg, fast_xor32_rr_eg,
					 fast_cmp32_rr_eg };
	static const insn_fn ge64[8] = { fast_add64_rr_ge, fast_or64_rr_ge, NULL, NULL,
					 fast_and64_rr_ge, fast_sub64_rr_ge, fast_xor64_rr_ge,
					 fast_cmp64_rr_ge };
	static const insn_fn ge32[8] = { fast_add32_rr_ge, fast_or32_rr_ge, NULL, NULL,
					 fast_and32_rr_ge, fast_sub32_rr_ge, fast_xor32_rr_ge,
					 fast_cmp32_rr_ge };

	if (eg)
		return size == 8 ? eg64[op] : eg32[op];
	return size == 8 ? ge64[op] : ge32[op];
}

static insn_fn alu_ri(unsigned op, unsigned size)
{
	static const insn_fn ri64[8] = { fast_add64_ri, fast_or64_ri, fast_adc64_ri, NULL,
					 fast_and64_ri, fast_sub64_ri, fast_xor64_ri,
					 fast_cmp64_ri };
	static const insn_fn ri32[8] = { fast_add32_ri, fast_or32_ri, fast_adc32_ri, NULL,
					 fast_and32_ri, fast_sub32_ri, fast_xor32_ri,
					 fast_cmp32_ri };

	return size == 8 ? ri64[op] : ri32[op];
}

static insn_fn select_reg(struct insn *in, insn_fn fn)
{
	unsigned size = in->osz, reg = (in->modrm >> 3) & 7;
	bool wide = size == 8 || size == 4;
	uint8_t b = in->opc;

	if (in->map == 1) {
		if (b >= 0x80 && b < 0x90)
			return jcc_tab[b & 15];
		if (b >= 0x90 && b < 0xa0)
			return setcc_tab[b & 15];
		if (b >= 0x40 && b < 0x50 && wide)
			return (size == 8 ? cmov64_tab : cmov32_tab)[b & 15];
		if (b == 0xaf && wide)
			return size == 8 ? fast_imul64_rr : fast_imul32_rr;
		if (b == 0xb6 && (size == 4 || size == 8))
			return fast_movzx8_r;
		if (b == 0xb7 && (size == 4 || size == 8))
			return fast_movzx16_r;
		if (b >= 0x18 && b < 0x20 && fn == op_nop)
			return fast_nop;
		return fn;
	}
	if (b >= 0x70 && b < 0x80)
		return jcc_tab[b & 15];
	if (b == 0xe9 || b == 0xeb)
		return fast_jmp;
	if (b == 0x90 && fn == op_nop)
		return fast_nop;
	if (size == 1) {
		switch (b) {
		case 0x84: return fast_test8_rr;
		case 0x38: return fast_cmp8_rr_eg;
		case 0x3c: return fast_cmp8_ri;
		case 0x80: return reg == 7 ? fast_cmp8_ri : fn;
		case 0xa8: return fast_test8_ri;
		case 0xf6: return reg < 2 ? fast_test8_ri : fn;
		}
		return fn;
	}
	if (!wide)
		return fn;
	if (b == 0x11)
		return size == 8 ? fast_adc64_rr_eg : fast_adc32_rr_eg;
	if ((b >= 0x40 && b < 0x48) || (b == 0xff && reg == 0))
		return size == 8 ? fast_inc64 : fast_inc32;
	if ((b >= 0x48 && b < 0x50) || (b == 0xff && reg == 1))
		return size == 8 ? fast_dec64 : fast_dec32;
	if (b < 0x40 && (b & 7) < 4) {
		insn_fn f = alu_rr(b >> 3, !(b & 2), size);

		/* xor r, r: 64-bit gives the same result and flags */
		if ((f == fast_xor32_rr_eg || f == fast_xor32_rr_ge || f == fast_xor64_rr_eg ||
		     f == fast_xor64_rr_ge) && in->reg == in->rm)
			return fast_zero32;
		return f ? f : fn;
	}
	if (b < 0x40 && (b & 7) == 5) {
		insn_fn f = alu_ri(b >> 3, size);
		return f ? f : fn;
	}
	if (b == 0x81 || b == 0x83) {
		insn_fn f = alu_ri(reg, size);
		return f ? f : fn;
	}
	switch (b) {
	case 0x85: return size == 8 ? fast_test64_rr_eg : fast_test32_rr_eg;
	case 0x69: case 0x6b: return size == 8 ? fast_imul64_rri : fast_imul32_rri;
	case 0xa9: return size == 8 ? fast_test64_ri : fast_test32_ri;
	case 0x89: return size == 8 ? fast_mov_rm_reg64 : fast_mov_rm_reg32;
	case 0x8b: return size == 8 ? fast_mov_reg_rm64 : fast_mov_reg_rm32;
	case 0x63: return in->bits == 64 && size == 8 ? fast_movsxd_r : fn;
	case 0xc7: return size == 8 ? fast_mov_ri64 : fast_mov_ri32;
	case 0xf7:
		if (reg < 2)
			return size == 8 ? fast_test64_ri : fast_test32_ri;
		if (reg == 2)
			return size == 8 ? fast_not64 : fast_not32;
		if (reg == 3)
			return size == 8 ? fast_neg64 : fast_neg32;
		return fn;
	case 0xd1:
		if (reg != 4 && reg != 5 && reg != 7)
			return fn;
		in->imm = 1;
		if (reg == 4)
			return size == 8 ? fast_shl64 : fast_shl32;
		if (reg == 5)
			return size == 8 ? fast_shr64 : fast_shr32;
		return size == 8 ? fast_sar64 : fast_sar32;
	case 0xd3:
		if (reg == 4)
			return size == 8 ? fast_shl64_cl : fast_shl32_cl;
		if (reg == 5)
			return size == 8 ? fast_shr64_cl : fast_shr32_cl;
		if (reg == 7)
			return size == 8 ? fast_sar64_cl : fast_sar32_cl;
		return fn;
	case 0xc1: {
		unsigned c = (unsigned)in->imm & (size == 8 ? 63 : 31);

		if (!c || (reg != 4 && reg != 5 && reg != 7))
			return fn;
		in->imm = c;
		if (reg == 4)
			return size == 8 ? fast_shl64 : fast_shl32;
		if (reg == 5)
			return size == 8 ? fast_shr64 : fast_shr32;
		return size == 8 ? fast_sar64 : fast_sar32;
	}
	}
	if (b >= 0xb8 && b < 0xc0)
		return size == 8 ? fast_mov_ri64 : fast_mov_ri32;
	return fn;
}

static insn_fn select_mem64(struct insn *in, insn_fn fn)
{
	static const insn_fn load[4] = { fast_load8, fast_load16, fast_load32, fast_load64 };
	static const insn_fn store[4] = { fast_store8, fast_store16, fast_store32, fast_store64 };
	static const insn_fn store_imm[4] = { fast_store_imm8, fast_store_imm16,
					      fast_store_imm32, fast_store_imm64 };
	static const insn_fn cmp_eg[4] = { fast_cmp8_eg_m, fast_cmp16_eg_m, fast_cmp32_eg_m,
					   fast_cmp64_eg_m };
	static const insn_fn cmp_ei[4] = { fast_cmp8_ei_m, fast_cmp16_ei_m, fast_cmp32_ei_m,
					   fast_cmp64_ei_m };
	static const insn_fn test_ei[4] = { fast_test8_ei_m, fast_test16_ei_m, fast_test32_ei_m,
					    fast_test64_ei_m };
	unsigned size = in->osz, lg = size_log2(size), reg = (in->modrm >> 3) & 7;
	uint8_t b = in->opc;

	if (in->map == 1) {
		if ((b == 0xb6 || b == 0xb7) && (size == 4 || size == 8))
			return b == 0xb6 ? fast_movzx8_m : fast_movzx16_m;
		return fn;
	}
	switch (b) {
	case 0x88: case 0x89: return store[lg];
	case 0x8a: case 0x8b: return load[lg];
	case 0xc6: case 0xc7: return store_imm[lg];
	case 0x38: case 0x39: return cmp_eg[lg];
	case 0x3a: return fast_cmp8_ge_m;
	case 0x80: case 0x81: case 0x83: return reg == 7 ? cmp_ei[lg] : fn;
	case 0xf6: case 0xf7: return reg < 2 ? test_ei[lg] : fn;
	case 0x63: return size == 8 ? fast_movsxd_m : fn;
	case 0x03: return size == 8 ? fast_add64_ge_m : size == 4 ? fast_add32_ge_m : fn;
	case 0x2b: return size == 8 ? fast_sub64_ge_m : size == 4 ? fast_sub32_ge_m : fn;
	case 0x3b: return size == 8 ? fast_cmp64_ge_m : size == 4 ? fast_cmp32_ge_m : fn;
	}
	return fn;
}

static insn_fn select(struct insn *in, insn_fn fn)
{
	uint8_t b = in->opc;

	if (in->map > 1 || (in->flags & INSN_LOCK) || fn == op_ud)
		return fn;
	if (in->map == 0 && b == 0x8d && (in->flags & INSN_MEM)) {
		if (in->asz == 8)
			return in->osz == 8 ? fast_lea64 : in->osz == 4 ? fast_lea32 : fn;
		/* a 32-bit address into a 32-bit register: the same truncation */
		return in->asz == 4 && in->osz == 4 ? fast_lea32 : fn;
	}
	if (in->bits == 64 && in->map == 0) {
		if (b >= 0x50 && b < 0x58 && in->osz == 8)
			return fast_push64;
		if (b >= 0x58 && b < 0x60 && in->osz == 8)
			return fast_pop64;
		if (b == 0xe8 && in->osz == 8)
			return fast_call64;
		if (b == 0xc3 && in->osz == 8)
			return fast_ret64;
	}
	if (fn == op_nop)
		return fast_nop;
	if (!(in->flags & INSN_MEM))
		return select_reg(in, fn);
	if (in->bits == 64 && in->asz == 8)
		return select_mem64(in, fn);
	return fast_select_seg(in, fn);
}

/* the shapes exec_fuse.c pairs with a following jcc */
static uint8_t fuse_kind_of(insn_fn f)
{
	static const struct {
		insn_fn fn;
		uint8_t kind;
	} kinds[] = {
		{ fast_cmp64_rr_eg, FUSE_CMP64_RR }, { fast_cmp32_rr_eg, FUSE_CMP32_RR },
		{ fast_cmp64_ri, FUSE_CMP64_RI }, { fast_cmp32_ri, FUSE_CMP32_RI },
		{ fast_cmp8_ri, FUSE_CMP8_RI }, { fast_test64_rr_eg, FUSE_TEST64_RR },
		{ fast_test32_rr_eg, FUSE_TEST32_RR }, { fast_test8_rr, FUSE_TEST8_RR },
		{ fast_add64_ri, FUSE_ADD64_RI }, { fast_add32_ri, FUSE_ADD32_RI },
		{ fast_sub64_ri, FUSE_SUB64_RI }, { fast_sub32_ri, FUSE_SUB32_RI },
	};

	for (unsigned i = 0; i < 16; i++)
		if (f == jcc_tab[i])
			return FUSE_JCC;
	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (f == kinds[i].fn)
			return kinds[i].kind;
	return FUSE_NONE;
}

insn_fn fast_select(struct insn *in, insn_fn fn)
{
	insn_fn f = select(in, fn);

	if (f != fn) {
		in->tfn = f;
		in->fuse = fuse_kind_of(f);
	}
	return f;
}
