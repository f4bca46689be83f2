/*
 * A compare (or test, or add/sub of an immediate) followed by the jcc that
 * ends its block, done by one handler: the flags are still left lazily for
 * whoever reads them later, the branch is decided from the operands
 * directly and the jcc's dispatch is saved. One handler per shape and
 * condition; the condition code of the jcc picks it (fast_fuse).
 */
#include "vmm/accel/tcg/exec_fast.h"

/*
 * GCC 12 -O2 packs the lazy-flag stores (cc_res, cc_a) into one SSE store
 * through two GPR-to-XMM moves: slower than the two plain stores.
 */
#pragma GCC optimize("no-tree-slp-vectorize")

/*
 * The condition cc after a flag-setting operation of known kind on a and b
 * with result r (all masked to size): what flags_arith() would give.
 */
static inline __attribute__((always_inline)) bool fused_cond(unsigned kind, uint64_t a, uint64_t b,
							     uint64_t r, unsigned size, unsigned cc)
{
	uint64_t sb = 1ull << (size * 8 - 1);
	bool of = kind == CC_SUB ? !!((a ^ b) & (a ^ r) & sb) :
		  kind == CC_ADD ? !!((a ^ r) & (b ^ r) & sb) : false;
	bool cf = kind == CC_SUB ? a < b : kind == CC_ADD ? r < a : false;
	bool zf = !r, sf = !!(r & sb), res;

	switch (cc >> 1) {
	case 0: res = of; break;
	case 1: res = cf; break;
	case 2: res = zf; break;
	case 3: res = kind == CC_SUB ? a <= b : cf || zf; break;
	case 4: res = sf; break;
	case 5: res = !__builtin_parityll(r & 0xff); break;
	case 6: res = kind == CC_SUB ? (a ^ sb) < (b ^ sb) : sf != of; break;
	default: res = kind == CC_SUB ? (a ^ sb) <= (b ^ sb) : zf || sf != of; break;
	}
	return res ^ (cc & 1);
}

/* shape, kind, size, a, b, result, register write */
#define FUSE_ONE(shape, kind, size, A, B, R, WR, n)				\
FHJ(fast_##shape##_j##n)							\
{									\
	uint64_t a = (A), b = (B), r = (R);				\
	const struct insn *j = in + 1;					\
	if ((kind) == CC_LOGIC)						\
		cc_set(cpu, CC_OP(kind, size), r, 0, 0);		\
	else								\
		cc_set(cpu, CC_OP(kind, size), r, a, b);		\
	WR;								\
	jcc_go(cpu, j, fused_cond(kind, a, b, r, size, n));		\
}
#define FUSE(shape, kind, size, A, B, R, WR)					\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 0)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 1)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 2)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 3)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 4)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 5)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 6)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 7)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 8)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 9)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 10)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 11)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 12)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 13)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 14)			\
	FUSE_ONE(shape, kind, size, A, B, R, WR, 15)			\
	static const insn_fn fuse_##shape[16] = {			\
		fast_##shape##_j0, fast_##shape##_j1, fast_##shape##_j2, fast_##shape##_j3, \
		fast_##shape##_j4, fast_##shape##_j5, fast_##shape##_j6, fast_##shape##_j7, \
		fast_##shape##_j8, fast_##shape##_j9, fast_##shape##_j10, fast_##shape##_j11, \
		fast_##shape##_j12, fast_##shape##_j13, fast_##shape##_j14, fast_##shape##_j15, \
	};

#define G64(r)	cpu->gpr[r]
#define G32(r)	((uint64_t)(uint32_t)cpu->gpr[r])
#define G8(o)	((uint64_t)((const uint8_t *)cpu->gpr)[o])
FUSE(cmp64_rr, CC_SUB, 8, G64(in->rm), G64(in->reg), a - b, (void)0)
FUSE(cmp32_rr, CC_SUB, 4, G32(in->rm), G32(in->reg), (uint32_t)(a - b), (void)0)
FUSE(cmp64_ri, CC_SUB, 8, G64(in->rm), in->imm, a - b, (void)0)
FUSE(cmp32_ri, CC_SUB, 4, G32(in->rm), (uint32_t)in->imm, (uint32_t)(a - b), (void)0)
FUSE(cmp8_ri, CC_SUB, 1, G8(in->rm8), in->imm & 0xff, (a - b) & 0xff, (void)0)
FUSE(test64_rr, CC_LOGIC, 8, G64(in->rm), G64(in->reg), a & b, (void)0)
FUSE(test32_rr, CC_LOGIC, 4, G32(in->rm), G32(in->reg), a & b, (void)0)
FUSE(test8_rr, CC_LOGIC, 1, G8(in->rm8), G8(in->reg8), a & b, (void)0)
FUSE(add64_ri, CC_ADD, 8, G64(in->rm), in->imm, a + b, cpu->gpr[in->rm] = r)
FUSE(add32_ri, CC_ADD, 4, G32(in->rm), (uint32_t)in->imm, (uint32_t)(a + b), cpu->gpr[in->rm] = r)
FUSE(sub64_ri, CC_SUB, 8, G64(in->rm), in->imm, a - b, cpu->gpr[in->rm] = r)
FUSE(sub32_ri, CC_SUB, 4, G32(in->rm), (uint32_t)in->imm, (uint32_t)(a - b), cpu->gpr[in->rm] = r)

void fast_fuse(struct insn *a, const struct insn *j)
{
	static const insn_fn *const fused[FUSE_NR] = {
		[FUSE_CMP64_RR] = fuse_cmp64_rr, [FUSE_CMP32_RR] = fuse_cmp32_rr,
		[FUSE_CMP64_RI] = fuse_cmp64_ri, [FUSE_CMP32_RI] = fuse_cmp32_ri,
		[FUSE_CMP8_RI] = fuse_cmp8_ri, [FUSE_TEST64_RR] = fuse_test64_rr,
		[FUSE_TEST32_RR] = fuse_test32_rr, [FUSE_TEST8_RR] = fuse_test8_rr,
		[FUSE_ADD64_RI] = fuse_add64_ri, [FUSE_ADD32_RI] = fuse_add32_ri,
		[FUSE_SUB64_RI] = fuse_sub64_ri, [FUSE_SUB32_RI] = fuse_sub32_ri,
	};

	if (j->fuse != FUSE_JCC || a->fuse >= FUSE_NR || !fused[a->fuse] || a->tfn != a->fn)
		return;
	a->tfn = fused[a->fuse][j->opc & 15];
}
