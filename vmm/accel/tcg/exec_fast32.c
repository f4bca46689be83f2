/*
 * Specialised handlers for memory operands outside 64-bit addressing
 * (firmware, boot loaders, 32-bit kernels): the same shapes as
 * exec_fast.c's 64-bit ones, through the segment's cached limits and
 * rights, then the TLB. Anything that would fault or miss goes to the
 * generic handler, which faults with the right RIP.
 */
#include "vmm/accel/tcg/exec_fast.h"

/* see exec_fast.c */
#pragma GCC optimize("no-tree-slp-vectorize")

/* the linear address of the operand when the segment allows the access */
static inline bool seg_try(struct tcg_cpu *cpu, const struct insn *in, unsigned size, bool write,
			   uint64_t *lin)
{
	const struct tcg_seg *sg = &cpu->seg[in->seg];
	uint64_t off = insn_ea(cpu, in);

	if (unlikely(off < sg->lo || off + size - 1 > sg->hi || !(write ? sg->wr : sg->rd)))
		return false;
	*lin = (sg->lbase + off) & cpu->lin_mask;
	return true;
}

static inline bool seg_read(struct tcg_cpu *cpu, const struct insn *in, unsigned size, uint64_t *v)
{
	uint64_t lin;

	return seg_try(cpu, in, size, false, &lin) && try_read(cpu, lin, size, v);
}

static inline bool seg_write(struct tcg_cpu *cpu, const struct insn *in, unsigned size, uint64_t v)
{
	uint64_t lin;

	return seg_try(cpu, in, size, true, &lin) && try_write(cpu, lin, size, v);
}

#define LDST_SEG(size, bits)							\
FHT(seg_load##bits, op_mov_ge)							\
{									\
	uint64_t v;							\
	if (!seg_read(cpu, in, size, &v))				\
		return false;						\
	reg_write(cpu, in->reg, in->reg8, size, v);			\
	return true;							\
}									\
FHT(seg_store##bits, op_mov_eg)							\
{									\
	return seg_write(cpu, in, size, reg_read(cpu, in->reg, in->reg8, size)); \
}									\
FHT(seg_store_imm##bits, op_mov_ei)						\
{									\
	return seg_write(cpu, in, size, in->imm);			\
}									\
FHT(seg_cmp##bits##_eg, op_cmp_eg)						\
{									\
	uint64_t a, b = reg_read(cpu, in->reg, in->reg8, size);		\
	if (!seg_read(cpu, in, size, &a))				\
		return false;						\
	cc_set(cpu, CC_OP(CC_SUB, size), a - b, a, b);			\
	return true;							\
}									\
FHT(seg_cmp##bits##_ei, op_cmp_ei)						\
{									\
	uint64_t a, b = in->imm & size_mask(size);			\
	if (!seg_read(cpu, in, size, &a))				\
		return false;						\
	cc_set(cpu, CC_OP(CC_SUB, size), a - b, a, b);			\
	return true;							\
}									\
FHT(seg_test##bits##_ei, op_test_ei)					\
{									\
	uint64_t a;							\
	if (!seg_read(cpu, in, size, &a))				\
		return false;						\
	cc_set(cpu, CC_OP(CC_LOGIC, size), a & in->imm, 0, 0);		\
	return true;							\
}

LDST_SEG(1, 8)
LDST_SEG(2, 16)
LDST_SEG(4, 32)

FHT(seg_movzx8, op_movzx)
{
	uint64_t v;

	if (!seg_read(cpu, in, 1, &v))
		return false;
	cpu->gpr[in->reg] = v;
	return true;
}

FHT(seg_movzx16, op_movzx)
{
	uint64_t v;

	if (!seg_read(cpu, in, 2, &v))
		return false;
	cpu->gpr[in->reg] = v;
	return true;
}

/* op r32, [mem]: add/sub/cmp set a and b, logic ops 0 (as the generic ones) */
#define ALU_SEG(name, kind, expr, wr)						\
FHT(seg_##name##32_ge, op_##name##_ge)					\
{									\
	uint64_t a = (uint32_t)cpu->gpr[in->reg], b, r;			\
	if (!seg_read(cpu, in, 4, &b))					\
		return false;						\
	r = (uint32_t)(expr);						\
	if ((kind) == CC_LOGIC)						\
		cc_set(cpu, CC_OP(kind, 4), r, 0, 0);			\
	else								\
		cc_set(cpu, CC_OP(kind, 4), r, a, b);			\
	if (wr)								\
		cpu->gpr[in->reg] = r;					\
	return true;							\
}

ALU_SEG(add, CC_ADD, a + b, 1)
ALU_SEG(sub, CC_SUB, a - b, 1)
ALU_SEG(cmp, CC_SUB, a - b, 0)
ALU_SEG(and, CC_LOGIC, a & b, 1)
ALU_SEG(or, CC_LOGIC, a | b, 1)
ALU_SEG(xor, CC_LOGIC, a ^ b, 1)

insn_fn fast_select_seg(struct insn *in, insn_fn fn)
{
	static const insn_fn load[3] = { seg_load8, seg_load16, seg_load32 };
	static const insn_fn store[3] = { seg_store8, seg_store16, seg_store32 };
	static const insn_fn store_imm[3] = { seg_store_imm8, seg_store_imm16, seg_store_imm32 };
	static const insn_fn cmp_eg[3] = { seg_cmp8_eg, seg_cmp16_eg, seg_cmp32_eg };
	static const insn_fn cmp_ei[3] = { seg_cmp8_ei, seg_cmp16_ei, seg_cmp32_ei };
	static const insn_fn test_ei[3] = { seg_test8_ei, seg_test16_ei, seg_test32_ei };
	static const insn_fn alu_ge[8] = { seg_add32_ge, seg_or32_ge, NULL, NULL,
					   seg_and32_ge, seg_sub32_ge, seg_xor32_ge, seg_cmp32_ge };
	unsigned size = in->osz, lg = size_log2(size), reg = (in->modrm >> 3) & 7;
	uint8_t b = in->opc;

	if (size > 4)
		return fn;
	if (in->map == 1) {
		if ((b == 0xb6 || b == 0xb7) && size == 4)
			return b == 0xb6 ? seg_movzx8 : seg_movzx16;
		return fn;
	}
	if (b < 0x40 && (b & 7) == 3 && size == 4 && alu_ge[b >> 3])
		return alu_ge[b >> 3];
	switch (b) {
	case 0x88: case 0x89: return store[lg];
	case 0x8a: case 0x8b: return load[lg];
	case 0xc6: case 0xc7: return store_imm[lg];
	case 0x38: case 0x39: return cmp_eg[lg];
	case 0x80: case 0x81: case 0x83: return reg == 7 ? cmp_ei[lg] : fn;
	case 0xf6: case 0xf7: return reg < 2 ? test_ei[lg] : fn;
	}
	return fn;
}
