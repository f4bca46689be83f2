/*
 * Lazy arithmetic flags: the last flag-setting operation is kept as
 * (cc_op, result, operands, aux) and the six flags are computed only when
 * read. aux holds what the result alone cannot tell: the carry-in of ADC/SBB,
 * the CF saved across INC/DEC, CF|OF of shifts and multiplies.
 */
#include "vmm/accel/tcg/tcg.h"

static const uint8_t parity_table[256] = {
#define P2(n) n, n ^ 4, n ^ 4, n
#define P4(n) P2(n), P2(n ^ 4), P2(n ^ 4), P2(n)
#define P6(n) P4(n), P4(n ^ 4), P4(n ^ 4), P4(n)
	P6(4), P6(0), P6(0), P6(4)
#undef P2
#undef P4
#undef P6
};

static inline uint32_t szp(uint64_t res, unsigned size)
{
	uint64_t m = size_mask(size);
	uint32_t f = parity_table[res & 0xff];

	if (!(res & m))
		f |= FL_ZF;
	if (res & sign_bit(size))
		f |= FL_SF;
	return f;
}

uint32_t flags_arith(struct tcg_cpu *cpu)
{
	unsigned kind = cpu->cc_op >> 2, size = 1u << (cpu->cc_op & 3);
	uint64_t m = size_mask(size), sb = sign_bit(size);
	uint64_t res = cpu->cc_res & m, a = cpu->cc_a & m, b = cpu->cc_b & m;
	uint32_t f;

	switch (kind) {
	case CC_EFLAGS:
		return (uint32_t)cpu->cc_res & FL_ARITH;
	case CC_ADD:
		f = szp(res, size) | ((a ^ b ^ res) & 0x10);
		if (res < a)
			f |= FL_CF;
		if ((a ^ res) & (b ^ res) & sb)
			f |= FL_OF;
		return f;
	case CC_ADC:
		f = szp(res, size) | ((a ^ b ^ res) & 0x10);
		if (cpu->cc_aux ? res <= a : res < a)
			f |= FL_CF;
		if ((a ^ res) & (b ^ res) & sb)
			f |= FL_OF;
		return f;
	case CC_SUB:
		f = szp(res, size) | ((a ^ b ^ res) & 0x10);
		if (a < b)
			f |= FL_CF;
		if ((a ^ b) & (a ^ res) & sb)
			f |= FL_OF;
		return f;
	case CC_SBB:
		f = szp(res, size) | ((a ^ b ^ res) & 0x10);
		if (cpu->cc_aux ? a <= b : a < b)
			f |= FL_CF;
		if ((a ^ b) & (a ^ res) & sb)
			f |= FL_OF;
		return f;
	case CC_LOGIC:
		return szp(res, size);
	case CC_INC:
		f = szp(res, size) | (uint32_t)(cpu->cc_aux & FL_CF) | ((a ^ 1 ^ res) & 0x10);
		if (res == sb)
			f |= FL_OF;
		return f;
	case CC_DEC:
		f = szp(res, size) | (uint32_t)(cpu->cc_aux & FL_CF) | ((a ^ 1 ^ res) & 0x10);
		if (res == sb - 1)
			f |= FL_OF;
		return f;
	case CC_SHIFT:
	case CC_MUL:
		return szp(res, size) | (uint32_t)(cpu->cc_aux & (FL_CF | FL_OF | FL_AF));
	}
	return 0;
}

bool flags_cf(struct tcg_cpu *cpu)
{
	unsigned kind = cpu->cc_op >> 2, size = 1u << (cpu->cc_op & 3);
	uint64_t m = size_mask(size);

	switch (kind) {
	case CC_ADD: return (cpu->cc_res & m) < (cpu->cc_a & m);
	case CC_SUB: return (cpu->cc_a & m) < (cpu->cc_b & m);
	case CC_LOGIC: return false;
	default: return flags_arith(cpu) & FL_CF;
	}
}

bool flags_cond(struct tcg_cpu *cpu, unsigned cc)
{
	unsigned kind = cpu->cc_op >> 2, size = 1u << (cpu->cc_op & 3);
	uint32_t f;
	bool r;

	/* compare and logic results answer the common conditions directly */
	if (kind == CC_SUB) {
		uint64_t m = size_mask(size);
		uint64_t a = cpu->cc_a & m, b = cpu->cc_b & m;
		int64_t sa = sext_size(a, size), sbv = sext_size(b, size);

		switch (cc >> 1) {
		case 1: r = a < b; goto done;		/* B */
		case 2: r = a == b; goto done;		/* Z */
		case 3: r = a <= b; goto done;		/* BE */
		case 6: r = sa < sbv; goto done;	/* L */
		case 7: r = sa <= sbv; goto done;	/* LE */
		}
	} else if (kind == CC_LOGIC) {
		int64_t s = sext_size(cpu->cc_res, size);

		switch (cc >> 1) {
		case 0: r = false; goto done;		/* O */
		case 1: r = false; goto done;		/* B */
		case 2: r = s == 0; goto done;
		case 3: r = s == 0; goto done;		/* BE: CF=0 */
		case 4: r = s < 0; goto done;		/* S */
		case 6: r = s < 0; goto done;		/* L: SF != OF(0) */
		case 7: r = s <= 0; goto done;
		}
	}
	f = flags_arith(cpu);
	switch (cc >> 1) {
	case 0: r = f & FL_OF; break;
	case 1: r = f & FL_CF; break;
	case 2: r = f & FL_ZF; break;
	case 3: r = f & (FL_CF | FL_ZF); break;
	case 4: r = f & FL_SF; break;
	case 5: r = f & FL_PF; break;
	case 6: r = !(f & FL_SF) != !(f & FL_OF); break;
	default: r = (f & FL_ZF) || (!(f & FL_SF) != !(f & FL_OF)); break;
	}
done:
	return r ^ (cc & 1);
}

/*
 * popf/iret: mask says which bits the instruction may change (IOPL only at
 * CPL 0, IF only at CPL <= IOPL, VM/RF per the caller).
 */
void flags_write(struct tcg_cpu *cpu, uint32_t val, uint32_t mask)
{
	uint32_t old = flags_get(cpu);
	uint32_t nf = (old & ~mask) | (val & mask);

	nf |= RFLAGS_RESERVED;
	nf &= ~(0x8u | 0x20u | 0xffc00000u);
	flags_set_arith(cpu, nf);
	if ((nf & FL_IF) && !(old & FL_IF))
		cpu->irq_check = true;
	cpu->eflags = nf & ~FL_ARITH;
}
