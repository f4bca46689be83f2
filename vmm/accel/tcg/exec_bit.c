/*
 * Shifts and rotates, double shifts, bit tests and scans, popcnt, BCD.
 * Undefined flags follow QEMU's choices so conformance digests can be
 * compared without masking more than the SDM requires.
 */
#include "vmm/accel/tcg/exec.h"

static void set_cf_of(struct tcg_cpu *cpu, bool cf, bool of)
{
	uint32_t f = flags_arith(cpu) & ~(FL_CF | FL_OF);

	flags_set_arith(cpu, f | (cf ? FL_CF : 0) | (of ? FL_OF : 0));
}

static uint64_t shift_fn(struct tcg_cpu *cpu, uint64_t a, uint64_t count, unsigned size,
			 unsigned op)
{
	unsigned bits = size * 8;
	uint64_t m = size_mask(size), sb = sign_bit(size), r, tmp;
	unsigned c = (unsigned)count & (size == 8 ? 63 : 31);
	bool cf;

	a &= m;
	if (!c)
		return a;
	switch (op) {
	case 0: /* rol */
		c %= bits;
		r = c ? ((a << c) | (a >> (bits - c))) & m : a;
		set_cf_of(cpu, r & 1, !!(r & sb) ^ (r & 1));
		return r;
	case 1: /* ror */
		c %= bits;
		r = c ? ((a >> c) | (a << (bits - c))) & m : a;
		set_cf_of(cpu, r & sb, !!((r ^ (r << 1)) & sb));
		return r;
	case 2: /* rcl */
	case 3: /* rcr */
		cf = flags_cf(cpu);
		if (size < 4)
			c %= bits + 1;
		r = a;
		for (unsigned i = 0; i < c; i++) {
			bool out;
			if (op == 2) {
				out = r & sb;
				r = ((r << 1) | cf) & m;
			} else {
				out = r & 1;
				r = (r >> 1) | (cf ? sb : 0);
			}
			cf = out;
		}
		if (!c)
			return r;
		if (op == 2)
			set_cf_of(cpu, cf, !!(r & sb) ^ cf);
		else
			set_cf_of(cpu, cf, !!((r ^ (r << 1)) & sb));
		return r;
	case 4: /* shl */
	case 6: /* sal */
		tmp = (a << (c - 1)) & m;
		r = (tmp << 1) & m;
		cpu->cc_aux = ((tmp & sb) ? FL_CF : 0) | (((tmp ^ r) & sb) ? FL_OF : 0);
		break;
	case 5: /* shr */
		tmp = c - 1 < 64 ? a >> (c - 1) : 0;
		r = tmp >> 1;
		cpu->cc_aux = ((tmp & 1) ? FL_CF : 0) | (((tmp ^ r) & sb) ? FL_OF : 0);
		break;
	default: /* sar */
		tmp = (uint64_t)(sext_size(a, size) >> (c - 1)) & m;
		r = (uint64_t)(sext_size(tmp, size) >> 1) & m;
		cpu->cc_aux = ((tmp & 1) ? FL_CF : 0) | (((tmp ^ r) & sb) ? FL_OF : 0);
		break;
	}
	cpu->cc_op = CC_OP(CC_SHIFT, size);
	cpu->cc_res = r;
	return r;
}

static inline void do_shift(struct tcg_cpu *cpu, const struct insn *in, uint64_t count)
{
	unsigned size = in->osz, op = (in->modrm >> 3) & 7;

	if (!(count & (size == 8 ? 63 : 31))) {
		/*
		 * No flags and no memory write (a memory operand is still
		 * checked); a 32-bit register is still written, so its upper
		 * half is zeroed in 64-bit mode, as QEMU does.
		 */
		uint64_t a = rm_read(cpu, in, size);

		if (!(in->flags & INSN_MEM) && size == 4)
			reg_write(cpu, in->rm, in->rm8, size, a);
		return;
	}
	if (!(in->flags & INSN_MEM)) {
		uint64_t a = reg_read(cpu, in->rm, in->rm8, size);
		reg_write(cpu, in->rm, in->rm8, size, shift_fn(cpu, a, count, size, op));
	} else {
		uint64_t lin = seg_lin(cpu, in->seg, insn_ea(cpu, in), size, true);
		uint64_t a;

		lin_probe_write(cpu, lin, size);
		a = lin_read(cpu, lin, size);
		lin_write(cpu, lin, size, shift_fn(cpu, a, count, size, op));
	}
}

void op_shift_i(struct tcg_cpu *cpu, const struct insn *in) { do_shift(cpu, in, in->imm); }
void op_shift_1(struct tcg_cpu *cpu, const struct insn *in) { do_shift(cpu, in, 1); }
void op_shift_cl(struct tcg_cpu *cpu, const struct insn *in) { do_shift(cpu, in, cpu->gpr[CPU_RCX]); }

/* shld (0F A4/A5) and shrd (0F AC/AD) */
void op_shxd(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz, bits = size * 8;
	bool left = in->opc < 0xa8;
	unsigned c = (unsigned)((in->opc & 1) ? cpu->gpr[CPU_RCX] : in->imm) & (size == 8 ? 63 : 31);
	uint64_t m = size_mask(size), sb = sign_bit(size);
	uint64_t a, b = greg_read(cpu, in, size), r;
	unsigned __int128 wide;
	uint64_t lin = 0;
	bool cf;

	if (in->flags & INSN_MEM) {
		lin = seg_lin(cpu, in->seg, insn_ea(cpu, in), size, true);
		lin_probe_write(cpu, lin, size);
		a = lin_read(cpu, lin, size);
	} else {
		a = reg_read(cpu, in->rm, in->rm8, size);
	}
	if (!c) {
		/* as a shift by 0: a 32-bit register is still zero-extended */
		if (!(in->flags & INSN_MEM) && size == 4)
			reg_write(cpu, in->rm, in->rm8, size, a);
		return;
	}
	if (left) {
		/* a:b:a for 16-bit counts above 16, as QEMU */
		unsigned top = size == 2 ? 48 : 2 * bits;	/* width of the value */

		wide = ((unsigned __int128)a << bits) | b;
		if (size == 2)
			wide = (wide << 16) | a;
		/* the last bit out, read before the shift: top - c is 1..127 */
		cf = (uint64_t)(wide >> (top - c)) & 1;
		wide <<= c;
		r = (uint64_t)(wide >> (size == 2 ? 32 : bits)) & m;
	} else {
		wide = ((unsigned __int128)b << bits) | a;
		if (size == 2)
			wide |= (unsigned __int128)a << 32;
		cf = (uint64_t)(wide >> (c - 1)) & 1;
		r = (uint64_t)(wide >> c) & m;
	}
	cpu->cc_op = CC_OP(CC_SHIFT, size);
	cpu->cc_res = r;
	cpu->cc_aux = (cf ? FL_CF : 0) | (((r ^ a) & sb) ? FL_OF : 0);
	if (in->flags & INSN_MEM)
		lin_write(cpu, lin, size, r);
	else
		reg_write(cpu, in->rm, in->rm8, size, r);
}

/* ---- bit test: 0F A3/AB/B3/BB (register offset), 0F BA (imm) ---- */
static void bit_op(struct tcg_cpu *cpu, const struct insn *in, int64_t bitoff, unsigned op,
		   bool imm)
{
	unsigned size = in->osz, bits = size * 8;
	uint64_t v, mask, r;
	bool cf;

	if (!(in->flags & INSN_MEM) || imm) {
		bitoff &= bits - 1;
	}
	mask = 1ull << (bitoff & (bits - 1));
	if (!(in->flags & INSN_MEM)) {
		v = reg_read(cpu, in->rm, in->rm8, size);
		cf = v & mask;
		r = op == 1 ? v | mask : op == 2 ? v & ~mask : v ^ mask;
		if (op)
			reg_write(cpu, in->rm, in->rm8, size, r);
	} else {
		int64_t byteoff = (bitoff >> (size_log2(size) + 3)) * (int64_t)size;
		uint64_t off = (insn_ea(cpu, in) + (uint64_t)byteoff) & amask(in->asz);
		uint64_t lin = seg_lin(cpu, in->seg, off, size, op != 0);

		if (!op) {
			cf = lin_read(cpu, lin, size) & mask;
		} else {
			void *p;

			lin_probe_write(cpu, lin, size);
			p = (in->flags & INSN_LOCK) ? lin_host_rw(cpu, lin, size) : NULL;
			if (p) {
				uint64_t old = load_sized(p, size);
				do
					r = op == 1 ? old | mask : op == 2 ? old & ~mask : old ^ mask;
				while (!cas_sized(p, size, &old, r));
				cf = old & mask;
			} else {
				v = lin_read(cpu, lin, size);
				cf = v & mask;
				r = op == 1 ? v | mask : op == 2 ? v & ~mask : v ^ mask;
				lin_write(cpu, lin, size, r);
			}
		}
	}
	set_cf_of(cpu, cf, flags_arith(cpu) & FL_OF);
}

/* op: 0 bt, 1 bts, 2 btr, 3 btc */
void op_bt_g(struct tcg_cpu *cpu, const struct insn *in)
{
	static const uint8_t ops[4] = { 0, 1, 2, 3 };	/* A3, AB, B3, BB */
	unsigned size = in->osz;

	bit_op(cpu, in, sext_size(greg_read(cpu, in, size), size), ops[(in->opc >> 3) & 3], false);
}

void op_bt_i(struct tcg_cpu *cpu, const struct insn *in)
{
	bit_op(cpu, in, (int64_t)(in->imm & 0xff), ((in->modrm >> 3) & 7) - 4, true);
}

void op_bsf(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t v = rm_read(cpu, in, size);

	cpu->cc_op = CC_OP(CC_LOGIC, size);
	cpu->cc_res = v;
	if (v)
		greg_write(cpu, in, size, (uint64_t)__builtin_ctzll(v));
}

void op_bsr(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t v = rm_read(cpu, in, size);

	cpu->cc_op = CC_OP(CC_LOGIC, size);
	cpu->cc_res = v;
	if (v)
		greg_write(cpu, in, size, 63 - (uint64_t)__builtin_clzll(v));
}

void op_popcnt(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t v = rm_read(cpu, in, size);

	greg_write(cpu, in, size, (uint64_t)__builtin_popcountll(v));
	flags_set_arith(cpu, v ? 0 : FL_ZF);
}

/* ---- BCD ---- */
static uint32_t szp8(uint8_t v)
{
	uint32_t f = __builtin_parity(v) ? 0 : FL_PF;

	if (!v)
		f |= FL_ZF;
	if (v & 0x80)
		f |= FL_SF;
	return f;
}

void op_daa(struct tcg_cpu *cpu, const struct insn *in)
{
	uint32_t f = flags_arith(cpu);
	uint8_t al = (uint8_t)cpu->gpr[CPU_RAX], old = al;
	bool cf = f & FL_CF, af = false;

	if ((al & 0xf) > 9 || (f & FL_AF)) {
		al += 6;
		af = true;
	}
	if (old > 0x99 || cf) {
		al += 0x60;
		cf = true;
	}
	reg_write(cpu, CPU_RAX, 0, 1, al);
	flags_set_arith(cpu, szp8(al) | (cf ? FL_CF : 0) | (af ? FL_AF : 0));
}

void op_das(struct tcg_cpu *cpu, const struct insn *in)
{
	uint32_t f = flags_arith(cpu);
	uint8_t al = (uint8_t)cpu->gpr[CPU_RAX], old = al;
	bool cf = false, af = false;

	if ((al & 0xf) > 9 || (f & FL_AF)) {
		cf = (f & FL_CF) || al < 6;
		al -= 6;
		af = true;
	}
	if (old > 0x99 || (f & FL_CF)) {
		al -= 0x60;
		cf = true;
	}
	reg_write(cpu, CPU_RAX, 0, 1, al);
	flags_set_arith(cpu, szp8(al) | (cf ? FL_CF : 0) | (af ? FL_AF : 0));
}

void op_aaa(struct tcg_cpu *cpu, const struct insn *in)
{
	uint32_t f = flags_arith(cpu);
	uint16_t ax = (uint16_t)cpu->gpr[CPU_RAX];

	if ((ax & 0xf) > 9 || (f & FL_AF)) {
		ax += 0x106;
		f |= FL_AF | FL_CF;
	} else {
		f &= ~(FL_AF | FL_CF);
	}
	reg_write(cpu, CPU_RAX, 0, 2, ax & 0xff0f);
	flags_set_arith(cpu, f);
}

void op_aas(struct tcg_cpu *cpu, const struct insn *in)
{
	uint32_t f = flags_arith(cpu);
	uint16_t ax = (uint16_t)cpu->gpr[CPU_RAX];

	if ((ax & 0xf) > 9 || (f & FL_AF)) {
		ax -= 6;
		ax -= 0x100;
		f |= FL_AF | FL_CF;
	} else {
		f &= ~(FL_AF | FL_CF);
	}
	reg_write(cpu, CPU_RAX, 0, 2, ax & 0xff0f);
	flags_set_arith(cpu, f);
}

void op_aam(struct tcg_cpu *cpu, const struct insn *in)
{
	uint8_t base = (uint8_t)in->imm, al = (uint8_t)cpu->gpr[CPU_RAX];

	if (!base)
		cpu_raise(cpu, EXC_DE, 0, false);
	reg_write(cpu, CPU_RAX, 0, 2, (uint16_t)((al / base) << 8 | (al % base)));
	flags_set_arith(cpu, szp8(al % base));
}

void op_aad(struct tcg_cpu *cpu, const struct insn *in)
{
	uint16_t ax = (uint16_t)cpu->gpr[CPU_RAX];
	uint8_t al = (uint8_t)((ax & 0xff) + (ax >> 8) * (uint8_t)in->imm);

	reg_write(cpu, CPU_RAX, 0, 2, al);
	flags_set_arith(cpu, szp8(al));
}

void op_salc(struct tcg_cpu *cpu, const struct insn *in)
{
	reg_write(cpu, CPU_RAX, 0, 1, flags_cf(cpu) ? 0xff : 0);
}
