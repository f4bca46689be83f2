/*
 * Table-driven x86 decoder: prefixes, maps 0F/0F38/0F3A, ModRM/SIB,
 * displacement and immediates. The length rules live in the attribute
 * tables below; which handler runs is optable.c's business.
 */
#include "vmm/accel/tcg/decode.h"
#include "vmm/accel/tcg/tcg.h"

#include <string.h>

/* operand-shape attributes: enough to know the length and the sizes */
#define A_M	(1u << 0)	/* ModRM follows */
#define A_IB	(1u << 1)	/* imm8 */
#define A_IW	(1u << 2)	/* imm16 */
#define A_IZ	(1u << 3)	/* imm16/32 by operand size (32 for 64-bit operands) */
#define A_IV	(1u << 4)	/* imm16/32/64 by operand size (mov r, imm) */
#define A_AP	(1u << 5)	/* far pointer: offset 16/32 + selector */
#define A_MO	(1u << 6)	/* moffs: address-size offset */
#define A_BYTE	(1u << 7)	/* 8-bit operand */
#define A_I64	(1u << 8)	/* invalid in 64-bit mode */
#define A_D64	(1u << 9)	/* 64-bit operand by default in 64-bit mode */
#define A_F64	(1u << 10)	/* 64-bit operand always in 64-bit mode (near branches) */
#define A_UD	(1u << 11)	/* undefined */
#define A_PFX	(1u << 12)	/* a prefix byte */
#define A_END	(1u << 13)	/* ends a block */
#define A_JB	(1u << 14)	/* rel8 branch */
#define A_JZ	(1u << 15)	/* rel16/32 branch */

#define M	A_M
#define MB	(A_M | A_BYTE)
#define ALU6	MB, M, MB, M, A_IB | A_BYTE, A_IZ
#define X4(a)	a, a, a, a
#define X8(a)	X4(a), X4(a)
#define X16(a)	X8(a), X8(a)

static const uint16_t attr_map0[256] = {
	/* 00 */ ALU6, A_I64, A_I64,		ALU6, A_I64, A_UD,
	/* 10 */ ALU6, A_I64, A_I64 | A_END,	ALU6, A_I64, A_I64,
	/* 20 */ ALU6, A_PFX, A_I64,		ALU6, A_PFX, A_I64,
	/* 30 */ ALU6, A_PFX, A_I64,		ALU6, A_PFX, A_I64,
	/* 40 */ X16(0),
	/* 50 */ X8(A_D64), X8(A_D64),
	/* 60 */ A_I64, A_I64, M | A_I64, M, A_PFX, A_PFX, A_PFX, A_PFX,
		 A_IZ | A_D64, M | A_IZ, A_IB | A_D64, M | A_IB, A_BYTE, 0, A_BYTE, 0,
	/* 70 */ X16(A_JB | A_F64 | A_END),
	/* 80 */ MB | A_IB, M | A_IZ, MB | A_IB | A_I64, M | A_IB, MB, M, MB, M,
		 MB, M, MB, M, M, M, M | A_END, M | A_D64,
	/* 90 */ X8(0), 0, 0, A_AP | A_I64 | A_END, A_END, A_D64, A_D64 | A_END, 0, 0,
	/* a0 */ A_MO | A_BYTE, A_MO, A_MO | A_BYTE, A_MO, A_BYTE, 0, A_BYTE, 0,
		 A_IB | A_BYTE, A_IZ, A_BYTE, 0, A_BYTE, 0, A_BYTE, 0,
	/* b0 */ X8(A_IB | A_BYTE), X8(A_IV),
	/* c0 */ MB | A_IB, M | A_IB, A_IW | A_F64 | A_END, A_F64 | A_END, M | A_I64, M | A_I64,
		 MB | A_IB, M | A_IZ, A_IW | A_IB | A_D64, A_D64, A_IW | A_END, A_END,
		 A_END, A_IB | A_END, A_I64 | A_END, A_END,
	/* d0 */ MB, M, MB, M, A_IB | A_I64, A_IB | A_I64, A_I64, A_BYTE, X8(M),
	/* e0 */ X4(A_JB | A_F64 | A_END), A_IB | A_BYTE, A_IB, A_IB | A_BYTE, A_IB,
		 A_JZ | A_F64 | A_END, A_JZ | A_F64 | A_END, A_AP | A_I64 | A_END,
		 A_JB | A_F64 | A_END, A_BYTE, 0, A_BYTE, 0,
	/* f0 */ A_PFX, A_END, A_PFX, A_PFX, A_END, 0, MB, M,
		 0, 0, 0, A_END, 0, 0, MB, M,
};

static const uint16_t attr_map1[256] = {
	/* 00 */ M, M, M, M, A_UD, A_END, A_END, A_END, 0, 0, A_UD, A_END, A_UD, M, A_UD, A_UD,
	/* 10 */ X16(M),
	/* 20 */ M | A_END, M | A_END, M | A_END, M | A_END, A_UD, A_UD, A_UD, A_UD, X8(M),
	/* 30 */ A_END, 0, 0, 0, A_END, A_END, A_UD, A_UD, A_UD, A_UD, A_UD, A_UD,
		 A_UD, A_UD, A_UD, A_UD,
	/* 40 */ X16(M),
	/* 50 */ X16(M),
	/* 60 */ X16(M),
	/* 70 */ M | A_IB, M | A_IB, M | A_IB, M | A_IB, M, M, M, 0,
		 A_UD, A_UD, A_UD, A_UD, M, M, M, M,
	/* 80 */ X16(A_JZ | A_F64 | A_END),
	/* 90 */ X16(MB),
	/* a0 */ A_D64, A_D64 | A_END, A_END, M, M | A_IB, M, A_UD, A_UD,
		 A_D64, A_D64 | A_END, A_UD, M, M | A_IB, M, M, M,
	/* b0 */ MB, M, M | A_END, M, M | A_END, M | A_END, M, M, M, M, M | A_IB, M, M, M, M, M,
	/* c0 */ MB, M, M | A_IB, M, M | A_IB, M | A_IB, M | A_IB, M, X8(0),
	/* d0 */ X16(M),
	/* e0 */ X16(M),
	/* f0 */ X16(M),
};

/* byte-register offsets into the register file (AH..BH without REX) */
static uint8_t reg8_off(unsigned r, bool rex)
{
	if (!rex && r >= 4 && r < 8)
		return (uint8_t)((r - 4) * 8 + 1);
	return (uint8_t)(r * 8);
}

static const uint8_t ea16_base[8] = { CPU_RBX, CPU_RBX, CPU_RBP, CPU_RBP,
				      CPU_RSI, CPU_RDI, CPU_RBP, CPU_RBX };
static const uint8_t ea16_index[8] = { CPU_RSI, CPU_RDI, CPU_RSI, CPU_RDI,
				       DECODE_REG_NONE, DECODE_REG_NONE,
				       DECODE_REG_NONE, DECODE_REG_NONE };

static int64_t sext(uint64_t v, unsigned bytes)
{
	switch (bytes) {
	case 1: return (int8_t)v;
	case 2: return (int16_t)v;
	case 4: return (int32_t)v;
	default: return (int64_t)v;
	}
}

static uint64_t wrap(uint64_t v, unsigned bytes)
{
	return bytes >= 8 ? v : v & ((1ull << (bytes * 8)) - 1);
}

static int fail(struct insn *in, int code, unsigned len)
{
	in->fn = code == DECODE_TOOLONG ? op_toolong : op_ud;
	in->len = (uint8_t)(len ? len : 1);
	in->flags |= INSN_END;
	return code;
}

int decode_insn(struct insn *in, const uint8_t *code, unsigned avail, int bits)
{
	unsigned pos = 0, attr, opsize, adsize;
	uint8_t b, seg = 0xff, rex = 0, last_pfx_66 = 0, addr67 = 0;
	bool mode64 = bits == 64, riprel = false;
	uint8_t imm_bytes = 0;

	memset(in, 0, sizeof(*in));
	in->bits = (uint8_t)bits;
	if (avail > DECODE_MAX_LEN)
		avail = DECODE_MAX_LEN + 1;	/* one more: tell "too long" from "more" */

#define NEXT(var) do {							\
		if (pos >= DECODE_MAX_LEN)				\
			return fail(in, DECODE_TOOLONG, DECODE_MAX_LEN);	\
		if (pos >= avail)					\
			return DECODE_MORE;				\
		(var) = code[pos++];					\
	} while (0)

	/* legacy prefixes; a REX counts only right before the opcode */
	for (;;) {
		NEXT(b);
		if (mode64 && (b & 0xf0) == 0x40) {
			rex = b;
			continue;
		}
		if (attr_map0[b] & A_PFX) {
			rex = 0;
			switch (b) {
			case 0x26: seg = SEG_ES; break;
			case 0x2e: seg = SEG_CS; break;
			case 0x36: seg = SEG_SS; break;
			case 0x3e: seg = SEG_DS; break;
			case 0x64: seg = SEG_FS; break;
			case 0x65: seg = SEG_GS; break;
			case 0x66: last_pfx_66 = 1; break;
			case 0x67: addr67 = 1; break;
			case 0xf0: in->flags |= INSN_LOCK; break;
			case 0xf2: case 0xf3: in->rep = b; break;
			}
			continue;
		}
		break;
	}
	/* in 64-bit mode ES/CS/SS/DS overrides are ignored */
	if (mode64 && seg < SEG_FS)
		seg = 0xff;
	in->rex = rex;
	if (rex)
		in->flags |= INSN_REX;
	if (last_pfx_66)
		in->flags |= INSN_66;

	if (b == 0x0f) {
		NEXT(b);
		if (b == 0x38 || b == 0x3a) {
			in->map = b == 0x38 ? 2 : 3;
			NEXT(b);
			attr = in->map == 2 ? A_M : A_M | A_IB;
		} else {
			in->map = 1;
			attr = attr_map1[b];
		}
	} else {
		in->map = 0;
		attr = attr_map0[b];
	}
	in->opc = b;

	if (attr & A_UD)
		return fail(in, DECODE_UD, pos);
	if (mode64 && (attr & A_I64))
		return fail(in, DECODE_UD, pos);

	/* sizes */
	if (mode64) {
		adsize = addr67 ? 4 : 8;
		if (rex & 8)
			opsize = 8;
		else if (attr & A_F64)
			opsize = 8;
		else if (attr & A_D64)
			opsize = last_pfx_66 ? 2 : 8;
		else
			opsize = last_pfx_66 ? 2 : 4;
	} else {
		unsigned def = bits == 32 ? 4 : 2;
		opsize = last_pfx_66 ? 6 - def : def;
		adsize = addr67 ? 6 - def : def;
	}
	if (attr & A_BYTE)
		opsize = 1;
	in->osz = (uint8_t)opsize;
	in->asz = (uint8_t)adsize;

	/* VEX/EVEX: C4/C5/62 with a register-form "ModRM" (always in 64-bit mode) */
	if (in->map == 0 && (b == 0xc4 || b == 0xc5 || b == 0x62)) {
		if (pos >= DECODE_MAX_LEN)
			return fail(in, DECODE_TOOLONG, DECODE_MAX_LEN);
		if (pos >= avail)
			return DECODE_MORE;
		if (mode64 || (code[pos] & 0xc0) == 0xc0)
			return fail(in, DECODE_UD, pos);
	}

	in->seg = SEG_DS;
	in->base = DECODE_REG_NONE;
	in->index = DECODE_REG_NONE;
	if (attr & A_M) {
		uint8_t modrm, mod, rm;

		NEXT(modrm);
		in->modrm = modrm;
		mod = modrm >> 6;
		rm = modrm & 7;
		in->reg = (uint8_t)(((modrm >> 3) & 7) | ((rex & 4) << 1));
		in->reg8 = reg8_off(in->reg, rex);
		/* XOP (8F with reg != 0) is undefined here */
		if (in->map == 0 && b == 0x8f && (modrm & 0x38))
			return fail(in, DECODE_UD, pos);
		/* mov to/from control/debug registers always uses the register form */
		if (in->map == 1 && b >= 0x20 && b <= 0x23)
			mod = 3;
		if (mod == 3) {
			in->rm = (uint8_t)(rm | ((rex & 1) << 3));
			in->rm8 = reg8_off(in->rm, rex);
		} else if (adsize == 2) {
			in->flags |= INSN_MEM;
			if (mod == 0 && rm == 6) {
				uint8_t lo, hi;
				NEXT(lo);
				NEXT(hi);
				in->disp = (int16_t)(lo | hi << 8);
			} else {
				in->base = ea16_base[rm];
				in->index = ea16_index[rm];
				if (rm == 2 || rm == 3 || rm == 6)
					in->seg = SEG_SS;
				if (mod == 1) {
					uint8_t d;
					NEXT(d);
					in->disp = (int8_t)d;
				} else if (mod == 2) {
					uint8_t lo, hi;
					NEXT(lo);
					NEXT(hi);
					in->disp = (int16_t)(lo | hi << 8);
				}
			}
		} else {
			unsigned base = rm;

			in->flags |= INSN_MEM;
			if (rm == 4) {
				uint8_t sib;
				unsigned idx;

				NEXT(sib);
				in->scale = sib >> 6;
				idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
				in->index = idx == 4 ? DECODE_REG_NONE : (uint8_t)idx;
				base = sib & 7;
				if (base == 5 && mod == 0) {
					in->base = DECODE_REG_NONE;
				} else {
					base |= (rex & 1) << 3;
					in->base = (uint8_t)base;
				}
			} else if (rm == 5 && mod == 0) {
				in->base = DECODE_REG_NONE;
				riprel = mode64;
			} else {
				in->base = (uint8_t)(rm | ((rex & 1) << 3));
			}
			if ((in->base & 7) == CPU_RSP || (in->base & 7) == CPU_RBP)
				if (in->base != DECODE_REG_NONE)
					in->seg = (in->base == CPU_RSP || in->base == CPU_RBP) ?
						  SEG_SS : SEG_DS;
			if (mod == 1) {
				uint8_t d;
				NEXT(d);
				in->disp = (int8_t)d;
			} else if (mod == 2 || in->base == DECODE_REG_NONE) {
				uint8_t d[4];
				NEXT(d[0]);
				NEXT(d[1]);
				NEXT(d[2]);
				NEXT(d[3]);
				in->disp = (int32_t)(d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24);
			}
		}
	} else if (in->map == 0 && (b & 0xf8) == 0x90) {
		in->rm = (uint8_t)((b & 7) | ((rex & 1) << 3));
	} else if ((in->map == 0 && ((b & 0xf0) == 0x40 || (b & 0xf0) == 0x50 ||
				     (b & 0xf0) == 0xb0)) ||
		   (in->map == 1 && (b & 0xf8) == 0xc8)) {
		in->rm = (uint8_t)((b & 7) | ((rex & 1) << 3));
		in->rm8 = reg8_off(in->rm, rex);
	}

	/* group 3 test has an immediate; the others of F6/F7 have none */
	if (in->map == 0 && (b == 0xf6 || b == 0xf7) && (in->modrm & 0x30) == 0)
		attr |= b == 0xf6 ? A_IB : A_IZ;

	/* immediates */
	if (attr & (A_IW | A_AP | A_IZ | A_IV | A_MO | A_JZ | A_IB | A_JB)) {
		uint64_t v = 0;
		uint8_t t;
		unsigned n = 0;

		if (attr & A_IW) {
			NEXT(t); v = t;
			NEXT(t); v |= (uint64_t)t << 8;
			if (attr & A_IB) {	/* enter iw, ib */
				NEXT(t);
				in->imm2 = t;
			}
			in->imm = v;
		} else if (attr & A_AP) {
			n = opsize == 2 ? 2 : 4;
			for (unsigned i = 0; i < n; i++) {
				NEXT(t);
				v |= (uint64_t)t << (8 * i);
			}
			NEXT(t);
			in->imm2 = t;
			NEXT(t);
			in->imm2 |= (uint16_t)(t << 8);
			in->imm = v;
		} else if (attr & A_MO) {
			n = adsize;
			for (unsigned i = 0; i < n; i++) {
				NEXT(t);
				v |= (uint64_t)t << (8 * i);
			}
			in->disp = (int64_t)v;
			in->flags |= INSN_MEM;
		} else {
			if (attr & (A_IB | A_JB))
				n = 1;
			else if (attr & A_IV)
				n = opsize;
			else	/* A_IZ, A_JZ */
				n = opsize == 2 ? 2 : 4;
			imm_bytes = (uint8_t)n;
			for (unsigned i = 0; i < n; i++) {
				NEXT(t);
				v |= (uint64_t)t << (8 * i);
			}
			in->imm = (uint64_t)sext(v, n);
		}
	}
	(void)imm_bytes;

	in->len = (uint8_t)pos;
	if (riprel)
		in->disp += 0;	/* resolved by decode_fixup() once the RIP is known */
	if (riprel)
		in->flags |= INSN_RIPREL_PENDING;
	if (seg != 0xff) {
		in->seg = seg;
		in->flags |= INSN_SEGOVR;
	}
	if (attr & (A_JB | A_JZ))
		in->flags |= INSN_REL_PENDING;
	if (attr & A_END)
		in->flags |= INSN_END;

	if (!optable_assign(in))
		return fail(in, DECODE_UD, pos);
	return (int)pos;
#undef NEXT
}

void decode_fixup(struct insn *in, uint64_t rip)
{
	uint64_t next = rip + in->len;

	if (in->flags & INSN_RIPREL_PENDING) {
		in->disp = (int64_t)(next + (uint64_t)in->disp);
		in->flags &= (uint8_t)~INSN_RIPREL_PENDING;
	}
	if (in->flags & INSN_REL_PENDING) {
		in->imm = wrap(next + in->imm, in->osz);
		in->flags &= (uint8_t)~INSN_REL_PENDING;
	}
}
