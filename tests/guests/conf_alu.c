/*
 * Conformance classes: integer ALU at 8, 16 and 32 bits (add adc sub sbb
 * cmp and or xor test inc dec neg not), shifts and rotates (shl shr sar rol
 * ror rcl rcr, counts 0, 1 and >= the width), shld/shrd. Register, memory,
 * immediate and lock forms; see conf.h for the digest rules.
 */
#include "conf.h"

/* a raw prefix byte: gas refuses `lock cmp`, the CPU must raise #UD */
#define LOCK ".byte 0xf0\n\t"

/* ---- binary ops: reg,reg; mem source; mem destination; immediates; lock ---- */

#define BIN_STUBS(op)							\
	CONF_STUB(op##_l_rr, #op "l %ebx, %eax");			\
	CONF_STUB(op##_l_rm, #op "l 4(%esi), %eax");			\
	CONF_STUB(op##_l_mr, #op "l %ebx, (%esi)");			\
	CONF_STUB(op##_l_ia, #op "l $0x12345678, %eax");		\
	CONF_STUB(op##_l_ib, #op "l $-3, %ebx");			\
	CONF_STUB(op##_l_ir, #op "l $0x80000000, %ecx");		\
	CONF_STUB(op##_l_im, #op "l $0x7f, (%esi)");			\
	CONF_STUB(op##_l_lk, LOCK #op "l %ebx, (%esi)");		\
	CONF_STUB(op##_w_rr, #op "w %bx, %ax");				\
	CONF_STUB(op##_w_rm, #op "w 4(%esi), %ax");			\
	CONF_STUB(op##_w_mr, #op "w %bx, (%esi)");			\
	CONF_STUB(op##_w_ia, #op "w $0x8001, %ax");			\
	CONF_STUB(op##_w_ib, #op "w $-128, %bx");			\
	CONF_STUB(op##_w_im, #op "w $0x7fff, (%esi)");			\
	CONF_STUB(op##_w_lk, LOCK #op "w %bx, (%esi)");		\
	CONF_STUB(op##_b_rr, #op "b %bl, %al");				\
	CONF_STUB(op##_b_hh, #op "b %bh, %ah");				\
	CONF_STUB(op##_b_rm, #op "b 4(%esi), %ch");			\
	CONF_STUB(op##_b_mr, #op "b %dh, (%esi)");			\
	CONF_STUB(op##_b_ia, #op "b $0x7f, %al");			\
	CONF_STUB(op##_b_ir, #op "b $0x80, %bh");			\
	CONF_STUB(op##_b_im, #op "b $0xff, (%esi)");			\
	CONF_STUB(op##_b_lk, LOCK #op "b %bl, (%esi)");		\
	static const struct conf_op op##_l[] = {			\
		{ op##_l_rr, 0 }, { op##_l_rm, 0 }, { op##_l_mr, 0 },	\
		{ op##_l_ia, 0 }, { op##_l_ib, 0 }, { op##_l_ir, 0 },	\
		{ op##_l_im, 0 }, { op##_l_lk, 0 } };			\
	static const struct conf_op op##_w[] = {			\
		{ op##_w_rr, 0 }, { op##_w_rm, 0 }, { op##_w_mr, 0 },	\
		{ op##_w_ia, 0 }, { op##_w_ib, 0 }, { op##_w_im, 0 },	\
		{ op##_w_lk, 0 } };					\
	static const struct conf_op op##_b[] = {			\
		{ op##_b_rr, 0 }, { op##_b_hh, 0 }, { op##_b_rm, 0 },	\
		{ op##_b_mr, 0 }, { op##_b_ia, 0 }, { op##_b_ir, 0 },	\
		{ op##_b_im, 0 }, { op##_b_lk, 0 } }

BIN_STUBS(add);
BIN_STUBS(adc);
BIN_STUBS(sub);
BIN_STUBS(sbb);
BIN_STUBS(cmp);		/* lock cmp is #UD: the fault is part of the digest */
BIN_STUBS(and);
BIN_STUBS(or);
BIN_STUBS(xor);

#define TEST_STUBS(sfx, a, b, imm)					\
	CONF_STUB(test_##sfx##_rr, "test" #sfx " " b ", " a);		\
	CONF_STUB(test_##sfx##_mr, "test" #sfx " " b ", (%esi)");	\
	CONF_STUB(test_##sfx##_ia, "test" #sfx " $" imm ", " a);	\
	CONF_STUB(test_##sfx##_ir, "test" #sfx " $" imm ", " b);	\
	CONF_STUB(test_##sfx##_im, "test" #sfx " $" imm ", (%esi)");	\
	static const struct conf_op test_##sfx[] = {			\
		{ test_##sfx##_rr, 0 }, { test_##sfx##_mr, 0 },		\
		{ test_##sfx##_ia, 0 }, { test_##sfx##_ir, 0 },		\
		{ test_##sfx##_im, 0 } }

TEST_STUBS(l, "%eax", "%ebx", "0x80000081");
TEST_STUBS(w, "%ax", "%bx", "0x8001");
TEST_STUBS(b, "%al", "%bh", "0x81");

/* ---- unary ops ---- */

#define UN_STUBS(op)							\
	CONF_STUB(op##_l_r, #op "l %eax");				\
	CONF_STUB(op##_l_r2, #op "l %ebp");				\
	CONF_STUB(op##_l_m, #op "l (%esi)");				\
	CONF_STUB(op##_l_lk, LOCK #op "l 4(%esi)");			\
	CONF_STUB(op##_w_r, #op "w %ax");				\
	CONF_STUB(op##_w_m, #op "w (%esi)");				\
	CONF_STUB(op##_b_r, #op "b %al");				\
	CONF_STUB(op##_b_h, #op "b %ah");				\
	CONF_STUB(op##_b_m, #op "b (%esi)");				\
	static const struct conf_op op##_l[] = { { op##_l_r, 0 },	\
		{ op##_l_r2, 0 }, { op##_l_m, 0 }, { op##_l_lk, 0 } };	\
	static const struct conf_op op##_w[] = { { op##_w_r, 0 },	\
		{ op##_w_m, 0 } };					\
	static const struct conf_op op##_b[] = { { op##_b_r, 0 },	\
		{ op##_b_h, 0 }, { op##_b_m, 0 } }

UN_STUBS(inc);
UN_STUBS(dec);
UN_STUBS(neg);
UN_STUBS(not);

/* ---- shifts and rotates: arg is the immediate count, -1 for CL ---- */

#define SH_STUBS(op)							\
	CONF_STUB(op##_l_cl, #op "l %cl, %eax");			\
	CONF_STUB(op##_l_1, #op "l %eax");				\
	CONF_STUB(op##_l_i4, #op "l $4, %ebx");				\
	CONF_STUB(op##_l_i31, #op "l $31, %eax");			\
	CONF_STUB(op##_l_i0, #op "l $0, %eax");				\
	CONF_STUB(op##_l_mcl, #op "l %cl, (%esi)");			\
	CONF_STUB(op##_l_m1, #op "l 4(%esi)");				\
	CONF_STUB(op##_w_cl, #op "w %cl, %ax");				\
	CONF_STUB(op##_w_1, #op "w %ax");				\
	CONF_STUB(op##_w_i9, #op "w $9, %bx");				\
	CONF_STUB(op##_w_i17, #op "w $17, %ax");			\
	CONF_STUB(op##_w_mcl, #op "w %cl, (%esi)");			\
	CONF_STUB(op##_b_cl, #op "b %cl, %al");				\
	CONF_STUB(op##_b_clh, #op "b %cl, %ch");			\
	CONF_STUB(op##_b_1, #op "b %ah");				\
	CONF_STUB(op##_b_i7, #op "b $7, %bl");				\
	CONF_STUB(op##_b_i9, #op "b $9, %al");				\
	CONF_STUB(op##_b_mcl, #op "b %cl, (%esi)");			\
	static const struct conf_op op##_l[] = {			\
		{ op##_l_cl, -1 }, { op##_l_1, 1 }, { op##_l_i4, 4 },	\
		{ op##_l_i31, 31 }, { op##_l_i0, 0 }, { op##_l_mcl, -1 }, \
		{ op##_l_m1, 1 } };					\
	static const struct conf_op op##_w[] = {			\
		{ op##_w_cl, -1 }, { op##_w_1, 1 }, { op##_w_i9, 9 },	\
		{ op##_w_i17, 17 }, { op##_w_mcl, -1 } };		\
	static const struct conf_op op##_b[] = {			\
		{ op##_b_cl, -1 }, { op##_b_clh, -1 }, { op##_b_1, 1 },	\
		{ op##_b_i7, 7 }, { op##_b_i9, 9 }, { op##_b_mcl, -1 } }

SH_STUBS(shl);
SH_STUBS(shr);
SH_STUBS(sar);
SH_STUBS(rol);
SH_STUBS(ror);
SH_STUBS(rcl);
SH_STUBS(rcr);

/* shld/shrd: arg is the count as above; dest is EAX/AX or the memory word */
#define SHD_STUBS(op)							\
	CONF_STUB(op##_l_cl, #op "l %cl, %ebx, %eax");			\
	CONF_STUB(op##_l_i1, #op "l $1, %ebx, %eax");			\
	CONF_STUB(op##_l_i9, #op "l $9, %ebx, %eax");			\
	CONF_STUB(op##_l_i31, #op "l $31, %ebx, %eax");			\
	CONF_STUB(op##_l_mcl, #op "l %cl, %ebx, (%esi)");		\
	CONF_STUB(op##_w_cl, #op "w %cl, %bx, %ax");			\
	CONF_STUB(op##_w_i1, #op "w $1, %bx, %ax");			\
	CONF_STUB(op##_w_i9, #op "w $9, %bx, %ax");			\
	CONF_STUB(op##_w_i16, #op "w $16, %bx, %ax");			\
	CONF_STUB(op##_w_mcl, #op "w %cl, %bx, (%esi)");		\
	static const struct conf_op op##_l[] = {			\
		{ op##_l_cl, -1 }, { op##_l_i1, 1 }, { op##_l_i9, 9 },	\
		{ op##_l_i31, 31 }, { op##_l_mcl, -1 } };		\
	static const struct conf_op op##_w[] = {			\
		{ op##_w_cl, -1 }, { op##_w_i1, 1 }, { op##_w_i9, 9 },	\
		{ op##_w_i16, 16 }, { op##_w_mcl, -1 } }

SHD_STUBS(shld);
SHD_STUBS(shrd);

/* ---- drivers ---- */

static void run_binary(const char *name, const struct conf_op *ops, unsigned nops,
		       unsigned bits, uint32_t flag_mask)
{
	struct conf_state s;
	unsigned k, i;

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t a, b;

			conf_pair(i, bits, &a, &b);
			conf_setup(&s, a, b, rnd());
			/* the 8-bit forms also read BH/AH/CH/DH */
			s.ecx = (s.ecx & 0xffff00ffu) | (a & 0xff00);
			s.edx = (s.edx & 0xffff00ffu) | (b & 0xff) << 8;
			conf_exec(&s, ops[k].fn);
			conf_put_state(&s, flag_mask);
			conf_put_mem(2);
		}
	}
	conf_end();
}

/* The count for shift case i: every count 0..63 first, then random bytes. */
static uint32_t shift_count(unsigned i)
{
	uint32_t r = rnd();

	if (i < 256)
		return (r & ~0xffu) | (i & 63);
	return (r & 1) ? r : (r & ~0xffu) | ((r >> 8) % 34);
}

enum sh_kind { SH_SHIFT, SH_SHIFT_SAR, SH_ROTATE, SH_DOUBLE };

/* The SDM's defined flags after a shift or rotate by count n (already & 31). */
static uint32_t shift_flags(enum sh_kind kind, unsigned n, unsigned bits)
{
	uint32_t m = EFL_ARITH;

	if (n == 0)
		return m;			/* no flag changes */
	if (n != 1)
		m &= ~EFL_OF;
	switch (kind) {
	case SH_SHIFT:
		if (n >= bits)
			m &= ~EFL_CF;
		/* fall through */
	case SH_SHIFT_SAR:
		m &= ~EFL_AF;
		break;
	case SH_ROTATE:
		break;			/* SF ZF AF PF are untouched */
	case SH_DOUBLE:
		m &= ~EFL_AF;
		if (bits == 16 && n > 16)
			m = 0;		/* result and flags undefined */
		break;
	}
	return m;
}

static void run_shift(const char *name, const struct conf_op *ops, unsigned nops,
		      unsigned bits, enum sh_kind kind)
{
	struct conf_state s;
	unsigned k, i;

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t a, b, c = shift_count(i);
			unsigned n;

			conf_pair(i, bits, &a, &b);
			conf_setup(&s, a, b, c);
			s.ecx = (s.ecx & 0xffff00ffu) | (a & 0xff00);
			conf_exec(&s, ops[k].fn);
			n = (ops[k].arg < 0 ? c : (uint32_t)ops[k].arg) & 31;
			if (kind == SH_DOUBLE && bits == 16 && n > 16) {
				/* the destination word is undefined */
				s.eax &= 0xffff0000u;
				conf_mem[0] &= 0xffff0000u;
			}
			conf_put_state(&s, shift_flags(kind, n, bits));
			conf_put_mem(2);
		}
	}
	conf_end();
}

/* A few answers straight from the SDM, so a wrong reference shows too. */
static void known_answers(void)
{
	struct conf_state s;

	conf_setup(&s, 0x7f, 1, 0);
	s.eflags = EFL_FIXED;
	conf_exec(&s, add_b_rr);
	conf_expect("alu_add8_overflow", (s.eax & 0xff) << 16 | (s.eflags & EFL_ARITH),
		    0x80 << 16 | EFL_OF | EFL_SF | EFL_AF);
	conf_setup(&s, 0, 1, 0);
	s.eflags = EFL_FIXED | EFL_CF;
	conf_exec(&s, sbb_l_rr);
	conf_expect("alu_sbb32_borrow", s.eax, 0xfffffffeu);
	conf_expect("alu_sbb32_flags", s.eflags & EFL_ARITH, EFL_CF | EFL_SF | EFL_AF);
	conf_setup(&s, 0x80000000u, 0, 1);
	s.eflags = EFL_FIXED;
	conf_exec(&s, sar_l_cl);
	conf_expect("alu_sar32_by1", s.eax, 0xc0000000u);
	conf_setup(&s, 0x81, 0, 9);
	s.eflags = EFL_FIXED;
	conf_exec(&s, rcl_b_cl);
	conf_expect("alu_rcl8_by9_is_identity", (s.eax & 0xff) | (s.eflags & EFL_CF) << 8, 0x81);
	conf_setup(&s, 0x12345678, 0x9abcdef0u, 8);
	conf_exec(&s, shld_l_cl);
	conf_expect("alu_shld32_by8", s.eax, 0x3456789au);
}

void test_main(void)
{
	static const struct {
		const char *name;
		const struct conf_op *ops[3];
		unsigned n[3];
		uint32_t mask;
	} bin[] = {
#define BIN(op, mask) { #op, { op##_b, op##_w, op##_l },			\
		{ ARRAY_SIZE(op##_b), ARRAY_SIZE(op##_w), ARRAY_SIZE(op##_l) }, mask }
		BIN(add, EFL_ARITH), BIN(adc, EFL_ARITH), BIN(sub, EFL_ARITH),
		BIN(sbb, EFL_ARITH), BIN(cmp, EFL_ARITH),
		/* logic ops: AF undefined, OF and CF cleared */
		BIN(and, EFL_ARITH & ~EFL_AF), BIN(or, EFL_ARITH & ~EFL_AF),
		BIN(xor, EFL_ARITH & ~EFL_AF), BIN(test, EFL_ARITH & ~EFL_AF),
		/* inc/dec keep CF; not changes no flag */
		BIN(inc, EFL_ARITH), BIN(dec, EFL_ARITH), BIN(neg, EFL_ARITH),
		BIN(not, EFL_ARITH),
#undef BIN
	};
	static const struct {
		const char *name;
		const struct conf_op *ops[3];
		unsigned n[3];
		enum sh_kind kind;
	} sh[] = {
#define SH(op, kind) { #op, { op##_b, op##_w, op##_l },			\
		{ ARRAY_SIZE(op##_b), ARRAY_SIZE(op##_w), ARRAY_SIZE(op##_l) }, kind }
		SH(shl, SH_SHIFT), SH(shr, SH_SHIFT), SH(sar, SH_SHIFT_SAR),
		SH(rol, SH_ROTATE), SH(ror, SH_ROTATE), SH(rcl, SH_ROTATE),
		SH(rcr, SH_ROTATE),
		{ "shld", { NULL, shld_w, shld_l }, { 0, ARRAY_SIZE(shld_w),
		  ARRAY_SIZE(shld_l) }, SH_DOUBLE },
		{ "shrd", { NULL, shrd_w, shrd_l }, { 0, ARRAY_SIZE(shrd_w),
		  ARRAY_SIZE(shrd_l) }, SH_DOUBLE },
#undef SH
	};
	static const unsigned widths[3] = { 8, 16, 32 };
	char name[32];
	unsigned i, w;

	conf_init();
	known_answers();
	for (i = 0; i < ARRAY_SIZE(bin); i++) {
		for (w = 0; w < 3; w++) {
			snprintf(name, sizeof(name), "%s.%u", bin[i].name, widths[w]);
			run_binary(name, bin[i].ops[w], bin[i].n[w], widths[w], bin[i].mask);
		}
	}
	for (i = 0; i < ARRAY_SIZE(sh); i++) {
		for (w = 0; w < 3; w++) {
			if (!sh[i].ops[w])
				continue;
			snprintf(name, sizeof(name), "%s.%u", sh[i].name, widths[w]);
			run_shift(name, sh[i].ops[w], sh[i].n[w], widths[w], sh[i].kind);
		}
	}
	pass("conf_alu_ran");
}
