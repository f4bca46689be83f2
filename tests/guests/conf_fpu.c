/*
 * Conformance classes: the x87 FPU. Each case starts from fninit, loads a
 * control word (precision 24/53/64 bits, every rounding mode, exceptions
 * masked), runs one operation on double or extended operands (edge values:
 * zeros, infinities, NaNs, denormals, extremes; then random ones), stores
 * the 80-bit result and FNSTSW. Digested: the result, the status word
 * (TOP, exception flags, and the condition codes the SDM defines for that
 * operation), EFLAGS for fcomi/fucomi (ZF PF CF). Transcendentals (fsin, fpatan, ...)
 * are left out: QEMU's results are not those of any hardware.
 *
 * Memory: ESI = conf_mem (a: double at 0, b: double at 8, control word at
 * 24, an extended at 32), EDI = conf_mem + 64 (the results, up to 20 bytes).
 */
#define CONF_RANDOM_CASES	1024
#include "conf.h"

#define FSW_C0		0x0100u
#define FSW_C1		0x0200u
#define FSW_C2		0x0400u
#define FSW_C3		0x4000u
#define FSW_DE		0x0002u
/*
 * Two bits QEMU's TCG (the reference) does not model as hardware does, so
 * they are not compared: DE, which it does not raise for a denormal memory
 * operand, and C1 after a rounding operation, which it leaves clear when
 * the result was rounded up.
 */
#define FSW_ALL		(0xffffu & ~FSW_DE)
/* arithmetic: C1 the rounding direction (see above), C0 C2 C3 undefined */
#define FSW_ARITH	(FSW_ALL & ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3))

#define X87(name, body)							\
	CONF_STUB(name, "fninit\n\tfldcw 24(%esi)\n\t" body)

X87(fadd_m, "fldl (%esi)\n\tfaddl 8(%esi)\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fadd_r, "fldl 8(%esi)\n\tfldl (%esi)\n\tfadd %st(1), %st\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fadd_x, "fldt 32(%esi)\n\tfaddl 8(%esi)\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fsub_m, "fldl (%esi)\n\tfsubl 8(%esi)\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fsubr_p, "fldl 8(%esi)\n\tfldl (%esi)\n\tfsubrp\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fmul_m, "fldl (%esi)\n\tfmull 8(%esi)\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fmul_x, "fldt 32(%esi)\n\tfldl (%esi)\n\tfmulp\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fmul_s, "flds (%esi)\n\tfmuls 8(%esi)\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fdiv_m, "fldl (%esi)\n\tfdivl 8(%esi)\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fdivr_m, "fldl (%esi)\n\tfdivrl 8(%esi)\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fdiv_x, "fldt 32(%esi)\n\tfdivl 8(%esi)\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fsqrt_m, "fldl (%esi)\n\tfsqrt\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fsqrt_x, "fldt 32(%esi)\n\tfsqrt\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fcom_m, "fldl (%esi)\n\tfcoml 8(%esi)\n\tfnstsw %ax");
X87(fcomp_r, "fldl 8(%esi)\n\tfldl (%esi)\n\tfcomp %st(1)\n\tfnstsw %ax");
X87(fucom_r, "fldl 8(%esi)\n\tfldl (%esi)\n\tfucompp\n\tfnstsw %ax");
X87(fcomi_r, "fldl 8(%esi)\n\tfldl (%esi)\n\tfcomi %st(1), %st\n\tfnstsw %ax");
X87(fucomi_r, "fldl 8(%esi)\n\tfldt 32(%esi)\n\tfucomip %st(1), %st\n\tfnstsw %ax");
X87(ftst_m, "fldl (%esi)\n\tftst\n\tfnstsw %ax");
X87(fxam_m, "fldl (%esi)\n\tfxam\n\tfnstsw %ax");
X87(fxam_x, "fldt 32(%esi)\n\tfxam\n\tfnstsw %ax");
X87(fist_l, "fldl (%esi)\n\tfistl (%edi)\n\tfnstsw %ax");
X87(fistp_w, "fldt 32(%esi)\n\tfistps (%edi)\n\tfnstsw %ax");
X87(fistp_q, "fldl (%esi)\n\tfistpll (%edi)\n\tfnstsw %ax");
X87(fild_l, "fildl (%esi)\n\tfiaddl 8(%esi)\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fild_q, "fildll (%esi)\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fst_d, "fldt 32(%esi)\n\tfstl (%edi)\n\tfnstsw %ax");
X87(fst_s, "fldt 32(%esi)\n\tfstps (%edi)\n\tfnstsw %ax");
X87(fld_s, "flds (%esi)\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(frndint_m, "fldl (%esi)\n\tfrndint\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fprem_m, "fldl 8(%esi)\n\tfldl (%esi)\n\tfprem\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fprem1_m, "fldl 8(%esi)\n\tfldl (%esi)\n\tfprem1\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fscale_m, "fldl 8(%esi)\n\tfldl (%esi)\n\tfscale\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fxtract_m, "fldl (%esi)\n\tfxtract\n\tfnstsw %ax\n\tfstpt (%edi)\n\tfstpt 10(%edi)");
X87(fconst_m, "fldpi\n\tfldl2e\n\tfaddp\n\tfldlg2\n\tfmulp\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fabs_chs, "fldl (%esi)\n\tfabs\n\tfchs\n\tfld1\n\tfxch\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fstack_of, "fldl (%esi)\n\tfld %st\n\tfld %st\n\tfld %st\n\tfld %st\n\tfld %st\n\t"
    "fld %st\n\tfld %st\n\tfld %st\n\tfnstsw %ax\n\tfstpt (%edi)");
X87(fstack_uf, "faddp\n\tfnstsw %ax\n\tfstpt (%edi)");

/* arg: the FSW bits defined after the operation */
static const struct conf_op add_ops[] = {
	{ fadd_m, FSW_ARITH }, { fadd_r, FSW_ARITH }, { fadd_x, FSW_ARITH },
	{ fsub_m, FSW_ARITH }, { fsubr_p, FSW_ARITH },
};
static const struct conf_op mul_ops[] = {
	{ fmul_m, FSW_ARITH }, { fmul_x, FSW_ARITH }, { fmul_s, FSW_ARITH },
};
static const struct conf_op div_ops[] = {
	{ fdiv_m, FSW_ARITH }, { fdivr_m, FSW_ARITH }, { fdiv_x, FSW_ARITH },
};
static const struct conf_op sqrt_ops[] = { { fsqrt_m, FSW_ARITH }, { fsqrt_x, FSW_ARITH } };
/* compares define C0 C2 C3 (fcomi: EFLAGS, C0 C2 C3 untouched) and C1 = 0 */
static const struct conf_op cmp_ops[] = {
	{ fcom_m, FSW_ALL }, { fcomp_r, FSW_ALL }, { fucom_r, FSW_ALL }, { fcomi_r, FSW_ALL },
	{ fucomi_r, FSW_ALL }, { ftst_m, FSW_ALL }, { fxam_m, FSW_ALL }, { fxam_x, FSW_ALL },
};
static const struct conf_op int_ops[] = {
	{ fist_l, FSW_ARITH }, { fistp_w, FSW_ARITH }, { fistp_q, FSW_ARITH },
	{ fild_l, FSW_ARITH }, { fild_q, FSW_ARITH },
};
static const struct conf_op store_ops[] = {
	{ fst_d, FSW_ARITH }, { fst_s, FSW_ARITH }, { fld_s, FSW_ARITH },
};
/* fprem/fprem1: C2 incomplete, C0 C3 C1 the quotient bits: all defined */
static const struct conf_op round_ops[] = {
	{ frndint_m, FSW_ARITH }, { fprem_m, FSW_ALL }, { fprem1_m, FSW_ALL },
	{ fscale_m, FSW_ARITH }, { fxtract_m, FSW_ARITH },
};
static const struct conf_op misc_ops[] = {
	{ fconst_m, FSW_ARITH }, { fabs_chs, FSW_ARITH }, { fstack_of, FSW_ARITH },
	{ fstack_uf, FSW_ARITH },
};

/* precision 64/53/24 bits, rounding nearest/down/up/chop, all masked */
static const uint16_t control_words[] = {
	0x037f, 0x027f, 0x007f, 0x077f, 0x0b7f, 0x0f7f, 0x0e7f, 0x0a7f,
};

static const uint64_t edge_doubles[CONF_NR_EDGES] = {
	0, 0x8000000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
	0x7ff8000000000000ull, 0x7ff4000000000001ull, 1, 0x000fffffffffffffull,
	0x0010000000000000ull, 0x7fefffffffffffffull, 0x3ff0000000000000ull,
	0xbff0000000000000ull, 0x41e0000000000000ull, 0xc3e0000000000000ull,
	0x3fe0000000000000ull, 0x4008000000000000ull,
};

/* A double: an edge, or a random one of moderate or any exponent. */
static uint64_t fp_double(unsigned i, unsigned which)
{
	uint64_t m = rnd64();
	uint32_t r = rnd();
	uint64_t e;

	if (i < CONF_NR_EDGES * CONF_NR_EDGES)
		return edge_doubles[which ? i % CONF_NR_EDGES : i / CONF_NR_EDGES];
	switch (r & 7) {
	case 0:
		return edge_doubles[(r >> 8) % CONF_NR_EDGES] ^ (m & 7);
	case 1:
		return m;			/* any exponent */
	case 2:				/* an integer-valued double */
		return m & 0xfff0000000000000ull ? 0x4330000000000000ull |
		       (m & 0x000fffffffffffffull) : m;
	default:
		e = 1023 - 40 + ((r >> 8) % 80);
		return (m & 0x800fffffffffffffull) | e << 52;
	}
}

static void run_x87(const char *name, const struct conf_op *ops, unsigned nops)
{
	struct conf_state s;
	unsigned k, i, j;

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint64_t a = fp_double(i, 0), b = fp_double(i, 1);
			uint32_t r = rnd();

			conf_setup(&s, 0, 0, 0);
			conf_mem[0] = (uint32_t)a;
			conf_mem[1] = (uint32_t)(a >> 32);
			conf_mem[2] = (uint32_t)b;
			conf_mem[3] = (uint32_t)(b >> 32);
			conf_mem[6] = control_words[(r >> 4) & 7] | (rnd() & 0xffff0000u);
			/* an extended: explicit integer bit set, random exponent near bias */
			conf_mem[8] = rnd();
			conf_mem[9] = rnd() | 0x80000000u;
			conf_mem[10] = (rnd() & 0xffff8000u) | ((0x3fff - 64 + (r >> 8) % 128) & 0x7fff);
			if ((r & 3) == 0)
				conf_mem[10] = (conf_mem[10] & ~0x7fffu) | (a >> 52 & 0x7ff) << 4;
			for (j = 16; j < 22; j++)
				conf_mem[j] = 0;
			s.esi = (uint32_t)(uintptr_t)&conf_mem[0];
			s.edi = (uint32_t)(uintptr_t)&conf_mem[16];
#ifdef CONF_TRACE
			/* the inputs, for tests/guests/conf-host-oracle */
			printf("# in %s %u op %u mask %04x regs %08x: %08x %08x %08x %08x %08x %08x "
			       "%08x %08x\n", name, conf_cases, k, (unsigned)ops[k].arg & 0xffff,
			       s.eflags, conf_mem[0], conf_mem[1], conf_mem[2], conf_mem[3],
			       conf_mem[6], conf_mem[8], conf_mem[9], conf_mem[10]);
#endif
			conf_exec(&s, ops[k].fn);
			s.eax = (s.eax & 0xffff0000u) | (s.eax & (uint32_t)ops[k].arg);
			/* fcomi clears OF SF AF, QEMU keeps them: compare ZF PF CF */
			conf_put_state(&s, EFL_ZF | EFL_PF | EFL_CF);
			for (j = 16; j < 22; j++)
				conf_put(conf_mem[j]);
#ifdef CONF_TRACE
			printf("# out %s %u: %04x %08x %08x %08x %08x %08x %08x\n", name,
			       conf_cases - 1, s.eax & 0xffff, conf_mem[16], conf_mem[17],
			       conf_mem[18], conf_mem[19], conf_mem[20], conf_mem[21]);
#endif
		}
	}
	conf_end();
}

static void fpu_enable(void)
{
	uint32_t cr0;

	__asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 & ~0x4u) | 0x22;	/* EM off; MP, NE on */
	__asm__ volatile("movl %0, %%cr0\n\tfninit" : : "r"(cr0) : "memory");
}

static void known_answers(void)
{
	struct conf_state s;

	/* 1.0 + 0.5 = 1.5: exponent 0x3fff, mantissa 0xc000000000000000 */
	conf_setup(&s, 0, 0, 0);
	conf_mem[0] = 0;
	conf_mem[1] = 0x3ff00000u;
	conf_mem[2] = 0;
	conf_mem[3] = 0x3fe00000u;
	conf_mem[6] = 0x037f;
	s.esi = (uint32_t)(uintptr_t)&conf_mem[0];
	s.edi = (uint32_t)(uintptr_t)&conf_mem[16];
	conf_exec(&s, fadd_m);
	conf_expect("x87_fadd_1_5", conf_mem[17], 0xc0000000u);
	conf_expect("x87_fadd_1_5_exp", conf_mem[18] & 0xffff, 0x3fff);
	/* 1.0 compared with 0.5: greater, C0 C2 C3 clear */
	conf_exec(&s, fcom_m);
	conf_expect("x87_fcom_greater", s.eax & (FSW_C0 | FSW_C2 | FSW_C3), 0);
}

void test_main(void)
{
	conf_init();
	fpu_enable();
	known_answers();
	run_x87("x87.add", add_ops, ARRAY_SIZE(add_ops));
	run_x87("x87.mul", mul_ops, ARRAY_SIZE(mul_ops));
	run_x87("x87.div", div_ops, ARRAY_SIZE(div_ops));
	run_x87("x87.sqrt", sqrt_ops, ARRAY_SIZE(sqrt_ops));
	run_x87("x87.cmp", cmp_ops, ARRAY_SIZE(cmp_ops));
	run_x87("x87.int", int_ops, ARRAY_SIZE(int_ops));
	run_x87("x87.store", store_ops, ARRAY_SIZE(store_ops));
	run_x87("x87.round", round_ops, ARRAY_SIZE(round_ops));
	run_x87("x87.misc", misc_ops, ARRAY_SIZE(misc_ops));
	pass("conf_fpu_ran");
}
