/*
 * Conformance classes: mul, imul (one, two and three operands), div and
 * idiv at 8, 16 and 32 bits. Division cases include divide-by-zero and
 * quotient overflow: the #DE (and the untouched registers) is part of the
 * digest. See conf.h for the digest rules.
 */
#include "conf.h"

#define MUL1_STUBS(op)							\
	CONF_STUB(op##_b_r, #op "b %bl");				\
	CONF_STUB(op##_b_h, #op "b %ah");				\
	CONF_STUB(op##_b_m, #op "b 4(%esi)");				\
	CONF_STUB(op##_w_r, #op "w %bx");				\
	CONF_STUB(op##_w_m, #op "w 4(%esi)");				\
	CONF_STUB(op##_l_r, #op "l %ebx");				\
	CONF_STUB(op##_l_a, #op "l %eax");				\
	CONF_STUB(op##_l_m, #op "l 4(%esi)");				\
	static const struct conf_op op##_b[] = { { op##_b_r, 0 },	\
		{ op##_b_h, 0 }, { op##_b_m, 0 } };			\
	static const struct conf_op op##_w[] = { { op##_w_r, 0 },	\
		{ op##_w_m, 0 } };					\
	static const struct conf_op op##_l[] = { { op##_l_r, 0 },	\
		{ op##_l_a, 0 }, { op##_l_m, 0 } }

MUL1_STUBS(mul);
MUL1_STUBS(imul);

CONF_STUB(imul2_w_r, "imulw %bx, %ax");
CONF_STUB(imul2_w_m, "imulw 4(%esi), %cx");
CONF_STUB(imul2_l_r, "imull %ebx, %eax");
CONF_STUB(imul2_l_m, "imull 4(%esi), %ecx");
CONF_STUB(imul3_w_b, "imulw $-3, %bx, %ax");
CONF_STUB(imul3_w_i, "imulw $0x1235, 4(%esi), %dx");
CONF_STUB(imul3_l_b, "imull $127, %ebx, %eax");
CONF_STUB(imul3_l_i, "imull $0x12345679, 4(%esi), %ecx");
CONF_STUB(imul3_l_n, "imull $-0x80000000, %ebx, %ebx");
static const struct conf_op imulx_w[] = {
	{ imul2_w_r, 0 }, { imul2_w_m, 0 }, { imul3_w_b, 0 }, { imul3_w_i, 0 },
};
static const struct conf_op imulx_l[] = {
	{ imul2_l_r, 0 }, { imul2_l_m, 0 }, { imul3_l_b, 0 }, { imul3_l_i, 0 },
	{ imul3_l_n, 0 },
};

#define DIV_STUBS(op)							\
	CONF_STUB(op##_b_r, #op "b %bl");				\
	CONF_STUB(op##_b_m, #op "b 4(%esi)");				\
	CONF_STUB(op##_w_r, #op "w %bx");				\
	CONF_STUB(op##_w_m, #op "w 4(%esi)");				\
	CONF_STUB(op##_l_r, #op "l %ebx");				\
	CONF_STUB(op##_l_m, #op "l 4(%esi)");				\
	static const struct conf_op op##_b[] = { { op##_b_r, 0 },	\
		{ op##_b_m, 0 } };					\
	static const struct conf_op op##_w[] = { { op##_w_r, 0 },	\
		{ op##_w_m, 0 } };					\
	static const struct conf_op op##_l[] = { { op##_l_r, 0 },	\
		{ op##_l_m, 0 } }

DIV_STUBS(div);
DIV_STUBS(idiv);

static void run_mul(const char *name, const struct conf_op *ops, unsigned nops, unsigned bits)
{
	struct conf_state s;
	unsigned k, i;

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t a, b;

			conf_pair(i, bits, &a, &b);
			conf_setup(&s, a, b, rnd());
			conf_exec(&s, ops[k].fn);
			/* SF ZF AF PF are undefined after a multiplication */
			conf_put_state(&s, EFL_CF | EFL_OF);
			conf_put_mem(2);
		}
	}
	conf_end();
}

/* Dividend high half: mostly one that gives a quotient in range. */
static uint32_t div_high(unsigned i, bool sign, unsigned bits, uint32_t lo, uint32_t div)
{
	uint32_t m = width_mask(bits), r = rnd();

	switch (i & 3) {
	case 0:
		return r;			/* usually overflows: #DE */
	case 1:
		if (sign)			/* the sign extension of the low half */
			return (lo & (1u << (bits - 1))) ? m : 0;
		/* fall through */
	default:
		return (div & m) ? (r & m) % (div & m) : r;
	}
}

static void run_div(const char *name, const struct conf_op *ops, unsigned nops,
		    unsigned bits, bool sign)
{
	struct conf_state s;
	unsigned k, i;

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t a, b, hi;

			conf_pair(i, bits, &a, &b);
			hi = div_high(i, sign, bits, a, b);
			conf_setup(&s, a, b, rnd());
			if (bits == 8)
				s.eax = (s.eax & 0xffff00ffu) | (hi & 0xff) << 8;
			else if (bits == 16)
				s.edx = (s.edx & 0xffff0000u) | (hi & 0xffff);
			else
				s.edx = hi;
			conf_exec(&s, ops[k].fn);
			/* every flag is undefined after a division; a #DE changes none */
			conf_put_state(&s, s.fault ? EFL_ARITH : 0);
			conf_put_mem(2);
		}
	}
	conf_end();
}

static void known_answers(void)
{
	struct conf_state s;

	conf_setup(&s, 0xffffffffu, 0xffffffffu, 0);
	conf_exec(&s, mul_l_r);
	conf_expect("muldiv_mul32_high", s.edx, 0xfffffffeu);
	conf_expect("muldiv_mul32_cf", s.eflags & (EFL_CF | EFL_OF), EFL_CF | EFL_OF);
	conf_setup(&s, 0xffffffffu, 0xffffffffu, 0);
	conf_exec(&s, imul_l_r);
	conf_expect("muldiv_imul32_minus1_squared", s.edx << 8 | s.eax, 1);
	conf_setup(&s, 7, 0, 0);
	s.edx = 0;
	conf_exec(&s, div_l_r);
	conf_expect("muldiv_div_by_zero_de", s.fault, 0 + 1);
	conf_expect("muldiv_div_by_zero_keeps_eax", s.eax, 7);
	conf_setup(&s, 0x80000000u, 0xffffffffu, 0);
	s.edx = 0xffffffffu;
	conf_exec(&s, idiv_l_r);
	conf_expect("muldiv_idiv_int_min_by_minus1_de", s.fault, 0 + 1);
	conf_setup(&s, 100, 7, 0);
	s.edx = 0;
	conf_exec(&s, div_l_r);
	conf_expect("muldiv_div32", s.edx << 16 | s.eax, 2 << 16 | 14);
}

void test_main(void)
{
	conf_init();
	known_answers();
	run_mul("mul.8", mul_b, ARRAY_SIZE(mul_b), 8);
	run_mul("mul.16", mul_w, ARRAY_SIZE(mul_w), 16);
	run_mul("mul.32", mul_l, ARRAY_SIZE(mul_l), 32);
	run_mul("imul.8", imul_b, ARRAY_SIZE(imul_b), 8);
	run_mul("imul.16", imul_w, ARRAY_SIZE(imul_w), 16);
	run_mul("imul.32", imul_l, ARRAY_SIZE(imul_l), 32);
	run_mul("imul23.16", imulx_w, ARRAY_SIZE(imulx_w), 16);
	run_mul("imul23.32", imulx_l, ARRAY_SIZE(imulx_l), 32);
	run_div("div.8", div_b, ARRAY_SIZE(div_b), 8, false);
	run_div("div.16", div_w, ARRAY_SIZE(div_w), 16, false);
	run_div("div.32", div_l, ARRAY_SIZE(div_l), 32, false);
	run_div("idiv.8", idiv_b, ARRAY_SIZE(idiv_b), 8, true);
	run_div("idiv.16", idiv_w, ARRAY_SIZE(idiv_w), 16, true);
	run_div("idiv.32", idiv_l, ARRAY_SIZE(idiv_l), 32, true);
	pass("conf_muldiv_ran");
}
