/*
 * x87 on the software CPU, checked bit for bit against the host CPU running
 * the same instruction (simd_fixture.h): ST(0)/ST(1) afterwards, memory
 * operands of every format, FSW (C0-C3, TOP, exception flags), FCW, the tag
 * word and EFLAGS, over random and edge operands (NaN, infinities,
 * denormals, pseudo-denormals, unnormals, zeros, integer limits) under every
 * precision and rounding control. Then fsave/frstor/fnstenv/fldenv images,
 * fxsave/fxrstor layout, #MF with CR0.NE, #NM with TS/EM, and reset state.
 */
#include "tests/unit/tcg/simd_fixture.h"

#define NREC	48

/* every physical register holds a known value (their contents show in images) */
#define FILL	"fninit\n fldz\n fldz\n fldz\n fldz\n fldz\n fldz\n fldz\n fldz\n fninit\n" \
		" fldcw [B+48]\n fld tbyte ptr [B+16]\n fld tbyte ptr [B+0]\n"

/* loads ST1 = in1, ST0 = in0; afterwards FSW, EFLAGS, env (FIP/FDP/FOP cleared), ST0, ST1 */
static const char x87_templ[] =
	" cmp eax, eax\n fninit\n fldcw [B+48]\n"
	" fld tbyte ptr [B+16]\n fld tbyte ptr [B+0]\n"
	" mov eax, [B+52]\n mov ecx, [B+56]\n mov edx, [B+60]\n"
	" @INSN@\n"
	" fnstsw [B+112]\n mov [B+116], eax\n mov [B+120], edx\n"
	" @PUSHF@\n and ecx, 0x8d5\n mov [B+124], ecx\n"
	" fnstenv [B+128]\n mov dword ptr [B+140], 0\n mov dword ptr [B+144], 0\n"
	" mov dword ptr [B+148], 0\n mov dword ptr [B+152], 0\n"
	" fstp tbyte ptr [B+160]\n fstp tbyte ptr [B+176]\n fninit\n";

/* 80-bit values: sign/exponent, significand */
struct ext {
	uint64_t m;
	uint16_t e;
};

static const struct ext ext_special[] = {
	{ 0, 0 }, { 0, 0x8000 }, { 1ull << 63, 0x7fff }, { 1ull << 63, 0xffff },
	{ 3ull << 62, 0x7fff }, { 3ull << 62, 0xffff }, { (1ull << 63) | 1, 0x7fff },
	{ 1, 0 }, { 0x7fffffffffffffffull, 0x8000 }, { 1ull << 63, 0 },	/* pseudo-denormal */
	{ 0x4000000000000000ull, 0x3fff },				/* unnormal */
	{ 1ull << 63, 0x3fff }, { 1ull << 63, 0xbfff }, { 0xc90fdaa22168c235ull, 0x4000 },
	{ 1ull << 63, 0x403e }, { 1ull << 63, 0xc03e }, { ~0ull, 0x403d }, { 1ull << 63, 0x401e },
	{ ~0ull, 0x7ffe }, { 1ull << 63, 0x0001 }, { 1ull << 63, 0x3ffe }, { 0xc000000000000000ull, 0x3ffe },
	{ 1ull << 63, 0x4050 }, { 1ull << 63, 0x3f00 }, { 0xb504f333f9de6484ull, 0x3fff },
};

static void put_ext(uint8_t *p, struct ext x)
{
	memcpy(p, &x.m, 8);
	memcpy(p + 8, &x.e, 2);
	memset(p + 10, 0, 6);
}

static void gen_ext(uint8_t *p)
{
	uint64_t r = sx_rand();

	switch (r % 4) {
	case 0:
		put_ext(p, ext_special[(r >> 8) % (sizeof(ext_special) / sizeof(ext_special[0]))]);
		break;
	case 1: {				/* nice numbers */
		long double x = (long double)((int64_t)(sx_rand() % 2000001) - 1000000) / 128.0L;
		memset(p, 0, 16);
		memcpy(p, &x, 10);
		break;
	}
	case 2: {				/* random significand, moderate exponent */
		struct ext x = { sx_rand() | (1ull << 63), (uint16_t)(0x3fff - 70 + sx_rand() % 140) };
		if (r & 0x100)
			x.e |= 0x8000;
		put_ext(p, x);
		break;
	}
	default: {				/* random bits */
		struct ext x = { sx_rand(), (uint16_t)sx_rand() };
		put_ext(p, x);
		break;
	}
	}
}

/* a memory operand usable as m16/m32/m64 int or real, m80 or BCD */
static void gen_mem(uint8_t *p)
{
	uint64_t r = sx_rand(), q;

	switch (r % 5) {
	case 0: {
		float x = (float)((int64_t)(sx_rand() % 20001) - 10000) / 8.0f;
		memcpy(&q, &x, 4);
		q &= 0xffffffff;
		q |= sx_rand() << 32;
		break;
	}
	case 1: {
		double x = (double)((int64_t)(sx_rand() % 2000001) - 1000000) / 64.0;
		memcpy(&q, &x, 8);
		break;
	}
	case 2: {				/* BCD, sometimes invalid digits */
		q = 0;
		for (int i = 0; i < 16; i++)
			q |= (uint64_t)(sx_rand() % (r & 0x100 ? 16 : 10)) << (4 * i);
		break;
	}
	case 3: {
		static const uint64_t edge[] = { 0, 1, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
						 0x7f800000, 0x7fc00001, 0x7ff0000000000000ull,
						 0x8000000000000000ull, 0x7fffffffffffffffull,
						 0xffffffffffffffffull, 0x00000001, 0x807fffff };
		q = edge[sx_rand() % (sizeof(edge) / 8)];
		break;
	}
	default:
		q = sx_rand();
		break;
	}
	memcpy(p, &q, 8);
	q = sx_rand() & 0x80ff;
	memcpy(p + 8, &q, 8);
}

static struct rec *gen_x87(unsigned n)
{
	struct rec *r = calloc(n, sizeof(*r));
	static const uint16_t pc[] = { 0x000, 0x200, 0x300 };

	ck_assert_ptr_nonnull(r);
	for (unsigned i = 0; i < n; i++) {
		gen_ext(r[i].in0);
		gen_ext(r[i].in1);
		gen_mem(r[i].in2);
		/* all exceptions masked: the host must not trap */
		r[i].ctl = 0x7f | pc[sx_rand() % 3] | (uint32_t)(sx_rand() % 4) << 10;
		r[i].eax = (uint32_t)sx_rand();
		r[i].ecx = (uint32_t)sx_rand();
		r[i].edx = (uint32_t)sx_rand();
	}
	return r;
}

static void run_x87(const char *name, const char *const *insns, unsigned n)
{
	struct rec *in = gen_x87(n * NREC);
	struct rec *g = calloc(n * NREC, sizeof(*g)), *h = calloc(n * NREC, sizeof(*h));
	long bad;

	for (unsigned j = 1; j < n; j++)
		memcpy(&in[j * NREC], in, NREC * sizeof(*in));
	bad = sx_compare(x87_templ, insns, n, in, NREC, g, h);
	if (bad == -2) {
		harness_skip(name, "GNU as/ld not usable");
	} else if (bad >= 0) {
		fprintf(stderr, "%s: '%s' differs at record %ld\n", name, insns[bad / NREC],
			bad % NREC);
		sx_dump("input", &in[bad]);
		sx_dump("guest", &g[bad]);
		sx_dump("host ", &h[bad]);
		ck_abort_msg("%s: '%s' differs from the host", name, insns[bad / NREC]);
	}
	free(in);
	free(g);
	free(h);
}

#define RUN(name, list) run_x87(name, list, sizeof(list) / sizeof(list[0]))

START_TEST(test_x87_arith)
{
	static const char *const insns[] = {
		"fadd st, st(1)", "fsub st, st(1)", "fsubr st, st(1)", "fmul st, st(1)",
		"fdiv st, st(1)", "fdivr st, st(1)", "fadd st(1), st", "fsub st(1), st",
		"fdiv st(1), st", "fmul st(1), st", "faddp st(1), st", "fsubp st(1), st",
		"fsubrp st(1), st", "fmulp st(1), st", "fdivp st(1), st", "fdivrp st(1), st",
		"fadd dword ptr [B+32]", "fsub qword ptr [B+32]", "fmul dword ptr [B+32]",
		"fdivr qword ptr [B+32]", "fiadd word ptr [B+32]", "fisub dword ptr [B+32]",
		"fimul word ptr [B+32]", "fidiv dword ptr [B+32]", "fidivr word ptr [B+32]",
		"fisubr word ptr [B+32]",
		"fchs", "fabs", "fsqrt", "frndint", "fscale", "fprem", "fprem1", "fxtract",
		"f2xm1", "fyl2x", "fyl2xp1", "fptan", "fpatan", "fsin", "fcos", "fsincos",
		"fld1", "fldz", "fldpi", "fldl2e", "fldl2t", "fldlg2", "fldln2",
		"fxch st(1)", "fld st(1)", "fst st(1)", "fstp st(1)", "ffree st(1)",
		"fdecstp", "fincstp", "fnop", "fwait", "fstp st(0)\n fstp st(0)\n fadd st, st(1)",
		"fld st(0)\n fld st(0)\n fld st(0)\n fld st(0)\n fld st(0)\n fld st(0)\n fld1",
		/* the undocumented aliases hardware executes */
		".byte 0xd9, 0xd9", ".byte 0xdc, 0xd1", ".byte 0xdc, 0xd9", ".byte 0xdd, 0xc9",
		".byte 0xde, 0xd1", ".byte 0xdf, 0xc1", ".byte 0xdf, 0xc9", ".byte 0xdf, 0xd1",
		".byte 0xdf, 0xd9", ".byte 0xdb, 0xe0", ".byte 0xdb, 0xe1", ".byte 0xdb, 0xe4",
	};
	RUN("test_x87_arith", insns);
}
END_TEST

START_TEST(test_x87_compare)
{
	static const char *const insns[] = {
		"fcom st(1)", "fcomp st(1)", "fcompp", "fucom st(1)", "fucomp st(1)", "fucompp",
		"fcomi st, st(1)", "fucomi st, st(1)", "fcomip st, st(1)", "fucomip st, st(1)",
		"fcom dword ptr [B+32]", "fcomp qword ptr [B+32]", "ficom word ptr [B+32]",
		"ficomp dword ptr [B+32]", "ftst", "fxam", "fstp st(0)\n fxam",
		"fchs\n fstp st(0)\n fstp st(0)\n fdecstp\n fdecstp\n fxam",
		"sahf\n fcmovb st, st(1)", "sahf\n fcmove st, st(1)", "sahf\n fcmovbe st, st(1)",
		"sahf\n fcmovu st, st(1)", "sahf\n fcmovnb st, st(1)", "sahf\n fcmovne st, st(1)",
		"sahf\n fcmovnbe st, st(1)", "sahf\n fcmovnu st, st(1)",
		"fnstsw ax", "fnstcw [B+36]", "fldcw [B+48]\n fnstcw [B+40]", "fnclex", "fninit",
	};
	RUN("test_x87_compare", insns);
}
END_TEST

START_TEST(test_x87_load_store)
{
	static const char *const insns[] = {
		"fld dword ptr [B+32]", "fld qword ptr [B+32]", "fld tbyte ptr [B+32]",
		"fild word ptr [B+32]", "fild dword ptr [B+32]", "fild qword ptr [B+32]",
		"fbld tbyte ptr [B+32]",
		"fst dword ptr [B+32]", "fst qword ptr [B+32]", "fstp dword ptr [B+32]",
		"fstp qword ptr [B+32]", "fstp tbyte ptr [B+32]",
		"fist word ptr [B+32]", "fist dword ptr [B+32]", "fistp word ptr [B+32]",
		"fistp dword ptr [B+32]", "fistp qword ptr [B+32]",
		"fisttp word ptr [B+32]", "fisttp dword ptr [B+32]", "fisttp qword ptr [B+32]",
		"fbstp tbyte ptr [B+32]",
		"fstp st(0)\n fstp st(0)\n fst dword ptr [B+32]",
		"fstp st(0)\n fstp st(0)\n fistp word ptr [B+32]",
		/* environment and state images (FIP/FDP/FOP cleared: they are addresses) */
		"fnstenv [B+64]\n mov dword ptr [B+76], 0\n mov dword ptr [B+80], 0\n"
		" mov dword ptr [B+84], 0\n mov dword ptr [B+88], 0",
		"fnstenv [B+64]\n fldenv [B+64]\n mov dword ptr [B+76], 0\n mov dword ptr [B+80], 0\n"
		" mov dword ptr [B+84], 0\n mov dword ptr [B+88], 0",
		FILL "fld1\n fnsave [B+64]\n mov dword ptr [B+76], 0\n mov dword ptr [B+80], 0\n"
		" mov dword ptr [B+84], 0\n mov dword ptr [B+88], 0\n frstor [B+64]\n fincstp",
		FILL "fnsave [B+64]\n fld st(0)\n mov dword ptr [B+76], 0\n mov dword ptr [B+80], 0\n"
		" mov dword ptr [B+84], 0\n mov dword ptr [B+88], 0",
		/* the 16-bit formats (14-byte environment, 94-byte state) */
		"data16 fnstenv [B+64]\n mov dword ptr [B+70], 0\n mov dword ptr [B+74], 0",
		"data16 fnstenv [B+64]\n fchs\n data16 fldenv [B+64]\n"
		" mov dword ptr [B+70], 0\n mov dword ptr [B+74], 0",
		FILL "fld1\n data16 fnsave [B+64]\n mov dword ptr [B+70], 0\n"
		" mov dword ptr [B+74], 0\n data16 frstor [B+64]\n fincstp",
	};
	RUN("test_x87_load_store", insns);
}
END_TEST

/* unmasked exceptions (random FCW from ECX): scaled results, what is stored, ES/B;
 * fnclex before the template goes on so neither side traps */
#define UNM(op)	"fnclex\n fldcw [B+56]\n " op "\n fnstsw [B+44]\n fnclex"
START_TEST(test_x87_unmasked)
{
	static const char *const insns[] = {
		UNM("fadd st, st(1)"), UNM("fmul st, st(1)"), UNM("fdiv st, st(1)"),
		UNM("fsqrt"), UNM("fscale"), UNM("fprem"), UNM("fxtract"), UNM("fyl2x"),
		UNM("fadd dword ptr [B+32]"), UNM("fld dword ptr [B+32]"),
		UNM("fld qword ptr [B+32]"), UNM("fst dword ptr [B+32]"),
		UNM("fstp qword ptr [B+32]"), UNM("fist word ptr [B+32]"),
		UNM("fistp dword ptr [B+32]"), UNM("fisttp qword ptr [B+32]"),
		UNM("fbstp tbyte ptr [B+32]"), UNM("fcomi st, st(1)"), UNM("fucomip st, st(1)"),
		UNM("fcom dword ptr [B+32]"), UNM("fstp st(0)\n fstp st(0)\n fadd st, st(1)"),
		UNM("fld st(0)\n fld st(0)\n fld st(0)\n fld st(0)\n fld st(0)\n fld st(0)\n fld1"),
		UNM("fld1\n fldz\n fdivp st(1), st"), UNM("frndint"),
	};
	RUN("test_x87_unmasked", insns);
}
END_TEST

/* ---- fxsave image against the host's ---- */
static void fxsave_layout(const char *name, bool lm)
{
	static const char body32[] =
		" fninit\n fld1\n fldpi\n fld tbyte ptr [B+0]\n fadd st, st(1)\n"
		" mov dword ptr [B+600], 0x5f80\n ldmxcsr [B+600]\n"
		" movdqu xmm0, [B+16]\n movdqu xmm3, [B+32]\n movdqu xmm7, [B+48]\n"
		" pxor xmm1, xmm1\n pxor xmm2, xmm2\n pcmpeqb xmm4, xmm4\n pxor xmm5, xmm5\n"
		" movdqa xmm6, xmm0\n";
	static const char body64[] =
		" movdqa xmm8, xmm0\n movdqa xmm9, xmm3\n pxor xmm10, xmm10\n pxor xmm11, xmm11\n"
		" pcmpeqb xmm12, xmm12\n movdqa xmm13, xmm7\n pxor xmm14, xmm14\n movdqa xmm15, xmm4\n";
	static const char tail[] =
		" FXSAVE [B+64]\n"
		" mov dword ptr [B+72], 0\n mov dword ptr [B+76], 0\n"	/* FIP/FCS */
		" mov dword ptr [B+80], 0\n mov dword ptr [B+84], 0\n"	/* FDP/FDS */
		" mov word ptr [B+70], 0\n"				/* FOP */
		/* and back: fxrstor a modified image, fxsave again */
		" mov word ptr [B+64], 0x27f\n mov byte ptr [B+68], 0x81\n FXRSTOR [B+64]\n"
		" FXSAVE [B+576+64]\n fninit\n mov dword ptr [B+600], 0x1f80\n ldmxcsr [B+600]\n"
		" mov dword ptr [B+648], 0\n mov dword ptr [B+652], 0\n"
		" mov dword ptr [B+656], 0\n mov dword ptr [B+660], 0\n mov word ptr [B+646], 0\n";
	struct sbuf g = { 0 }, h = { 0 }, body = { 0 };
	uint8_t *gbin, *hbin, buf[1216] __attribute__((aligned(64))), in[64];
	size_t glen = 0, hlen = 0, cmp = lm ? 416 : 288;
	struct sx f;
	char *sn, *b1, *b2;
	void *map;

	for (int i = 0; i < 64; i++)
		in[i] = (uint8_t)(sx_rand());
	in[9] = 0x40;
	in[8] = 0x01;
	in[7] |= 0x80;
	sb_add(&body, "%s%s%s", body32, lm ? body64 : "", tail);
	b1 = str_replace_all(body.s, "FXSAVE", lm ? "fxsave64" : "fxsave");
	b2 = str_replace_all(b1, "FXRSTOR", lm ? "fxrstor64" : "fxrstor");
	free(body.s);
	free(b1);
	sn = sx_snippet(b2, "", lm);
	sb_add(&g, "%s%s mov edi, 0x200000\n%s\n mov al, 0x5a\n out 0xf4, al\n hlt\n", SX_PM_ENTRY,
	       lm ? SX_LM_ENTRY : "", sn);
	free(sn);
	sn = sx_snippet(b2, "", true);
	sb_add(&h, ".intel_syntax noprefix\n.code64\n%s\n ret\n", sn);
	free(sn);
	free(b2);
	gbin = harness_assemble(g.s, SX_CODE, false, &glen);
	hbin = harness_assemble(h.s, 0, true, &hlen);
	free(g.s);
	free(h.s);
	if (!gbin || !hbin) {
		free(gbin);
		free(hbin);
		harness_skip(name, "GNU as/ld not usable");
		return;
	}
	sx_init(&f);
	memcpy(f.ram + SX_CODE, gbin, glen);
	memcpy(f.ram + 0x200000, in, 64);
	sx_run_from_code(&f, 100, 100000);
	ck_assert(f.exited);

	memset(buf, 0, sizeof(buf));
	memcpy(buf, in, 64);
	map = mmap(NULL, hlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(map != MAP_FAILED);
	memcpy(map, hbin, hlen);
	ck_assert_int_eq(mprotect(map, hlen, PROT_READ | PROT_EXEC), 0);
	((void (*)(uint8_t *))map)(buf);
	munmap(map, hlen);
	free(gbin);
	free(hbin);

	/* the legacy area and the XMM registers of the mode, the 2nd image after fxrstor */
	for (unsigned i = 0; i < cmp; i++) {
		ck_assert_msg(f.ram[0x200000 + 64 + i] == buf[64 + i],
			      "fxsave byte %u: guest %02x host %02x", i, f.ram[0x200000 + 64 + i],
			      buf[64 + i]);
		ck_assert_msg(f.ram[0x200000 + 640 + i] == buf[640 + i],
			      "fxrstor+fxsave byte %u: guest %02x host %02x", i,
			      f.ram[0x200000 + 640 + i], buf[640 + i]);
	}
	/* the abridged tag after fxrstor of 0x81 and FCW 0x27f made it back */
	ck_assert_uint_eq(f.ram[0x200000 + 640 + 4], 0x81);
	ck_assert_uint_eq(f.ram[0x200000 + 640], 0x7f);
	sx_fini(&f);
}

START_TEST(test_fxsave_layout)
{
	fxsave_layout("test_fxsave_layout", false);
}
END_TEST

START_TEST(test_fxsave64_layout)
{
	fxsave_layout("test_fxsave64_layout", true);
}
END_TEST

/* x87 in 64-bit mode: REX-prefixed and RIP-relative memory operands */
START_TEST(test_x87_long_mode)
{
	static const char *const insns[] = {
		"fadd qword ptr [B+32]", "fld tbyte ptr [B+32]", "fistp qword ptr [B+32]",
		"mov r11, rdi\n fimul dword ptr [r11+32]", "rex.w fnstsw [B+36]",
		"jmp 8f\n 7: .quad 0x400921fb54442d18\n 8: fmul qword ptr [rip + 7b]",
		"fcomi st, st(1)", "fnstenv [B+64]\n mov dword ptr [B+76], 0\n mov dword ptr [B+80], 0\n"
		" mov dword ptr [B+84], 0\n mov dword ptr [B+88], 0",
	};
	sx_guest64 = true;
	RUN("test_x87_long_mode", insns);
	sx_guest64 = false;
}
END_TEST

/* ---- exceptions ---- */
struct xrun {
	uint32_t vec, eip, marker, sw;
	uint32_t insn_addr;
};

static bool x87_fault(const char *setup, const char *insn, unsigned skip, struct xrun *out)
{
	struct sbuf b = { 0 };
	uint8_t *bin;
	size_t len = 0;
	struct sx f;

	sb_add(&b, "%s", SX_PM_ENTRY);
	sb_add(&b,
	       " mov edi, 0x3000\n xor eax, eax\n mov ecx, 512\n rep stosd\n mov ebx, 0\n"
	       "2: mov eax, offset h0\n mov edx, ebx\n shl edx, 4\n add eax, edx\n"
	       " mov edi, ebx\n shl edi, 3\n add edi, 0x3000\n"
	       " mov [edi], ax\n mov word ptr [edi+2], 0x08\n mov word ptr [edi+4], 0x8e00\n"
	       " shr eax, 16\n mov [edi+6], ax\n inc ebx\n cmp ebx, 20\n jne 2b\n"
	       " lidt [idtr]\n mov dword ptr [0x500], 0xff\n mov dword ptr [0x510], offset insn\n"
	       " %s\n"
	       "insn: %s\n"
	       " mov dword ptr [0x508], 0x1234\n"
	       " mov eax, cr0\n and eax, ~0xc\n mov cr0, eax\n fnstsw [0x50c]\n"
	       " mov al, 0x5a\n out 0xf4, al\n hlt\n", setup, insn);
	for (int v = 0; v < 20; v++) {
		bool err = v == 8 || (v >= 10 && v <= 14) || v == 17;

		sb_add(&b, ".align 16\n%s mov dword ptr [0x500], %d\n jmp %s\n", v ? "" : "h0:", v,
		       err ? "common_err" : "common");
	}
	sb_add(&b, "common_err: add esp, 4\ncommon: mov eax, [esp]\n mov [0x504], eax\n"
		   " add dword ptr [esp], %u\n mov eax, cr0\n and eax, ~0xc\n mov cr0, eax\n"
		   " fnclex\n iretd\nidtr: .word 0x7ff\n .long 0x3000\n", skip);
	bin = harness_assemble(b.s, SX_CODE, false, &len);
	free(b.s);
	if (!bin)
		return false;
	sx_init(&f);
	memcpy(f.ram + SX_CODE, bin, len);
	free(bin);
	sx_run_from_code(&f, 100, 100000);
	ck_assert(f.exited);
	memcpy(&out->vec, f.ram + 0x500, 4);
	memcpy(&out->eip, f.ram + 0x504, 4);
	memcpy(&out->marker, f.ram + 0x508, 4);
	memcpy(&out->sw, f.ram + 0x50c, 4);
	memcpy(&out->insn_addr, f.ram + 0x510, 4);
	sx_fini(&f);
	return true;
}

#define XF(setup, insn, skip, want_vec, want_off)				\
	do {									\
		struct xrun r_;							\
		if (!x87_fault(setup, insn, skip, &r_)) {			\
			harness_skip("test_x87_exceptions", "GNU as/ld not usable"); \
			return;							\
		}								\
		ck_assert_msg(r_.vec == (want_vec), "%s / %s: vector %u, want %u", \
			      setup, insn, r_.vec, (unsigned)(want_vec));	\
		if ((want_vec) != 0xff)						\
			ck_assert_uint_eq(r_.eip, r_.insn_addr + (want_off));	\
		ck_assert_uint_eq(r_.marker, 0x1234);				\
	} while (0)

START_TEST(test_x87_exceptions)
{
	/* unmasked divide by zero: nothing at fdiv, #MF at the next waiting insn */
	XF("mov word ptr [0x600], 0x37b\n fldcw [0x600]\n fld1\n fldz", "fdivp st(1), st\n fwait",
	   1, 16, 2);
	XF("mov word ptr [0x600], 0x37b\n fldcw [0x600]\n fld1\n fldz",
	   "fdivp st(1), st\n fld1", 2, 16, 2);
	/* fnstsw / fnclex do not wait */
	XF("mov word ptr [0x600], 0x37b\n fldcw [0x600]\n fld1\n fldz",
	   "fdivp st(1), st\n fnstsw ax\n fnclex\n fld1", 2, 0xff, 0);
	/* masked: no exception */
	XF("fld1\n fldz", "fdivp st(1), st\n fwait", 1, 0xff, 0);
	/* without CR0.NE the error goes to FERR# (not modelled): no #MF */
	XF("mov eax, cr0\n and eax, ~0x20\n mov cr0, eax\n"
	   "mov word ptr [0x600], 0x37b\n fldcw [0x600]\n fld1\n fldz", "fdivp st(1), st\n fwait",
	   1, 0xff, 0);
	/* unmasked invalid from stack underflow */
	XF("mov word ptr [0x600], 0x37e\n fldcw [0x600]", "fadd st, st(1)\n fwait", 1, 16, 2);
	/* CR0.TS: #NM for x87 and fwait with MP; CR0.EM: #NM for x87 */
	XF("mov eax, cr0\n or eax, 8\n mov cr0, eax", "fld1", 2, 7, 0);
	XF("mov eax, cr0\n or eax, 8\n mov cr0, eax", "fwait", 1, 7, 0);
	XF("mov eax, cr0\n or eax, 4\n mov cr0, eax", "fldz", 2, 7, 0);
	XF("mov eax, cr0\n or eax, 4\n mov cr0, eax", "fwait", 1, 0xff, 0);
	/* reserved encodings */
	XF("", ".byte 0xd9, 0xd1", 2, 6, 0);
	XF("", ".byte 0xdd, 0x08", 2, 0xff, 0);	/* DD /1 is fisttp: valid */
	XF("", ".byte 0xd9, 0x08", 2, 6, 0);		/* D9 /1 */
	XF("", ".byte 0xdb, 0x20", 2, 6, 0);		/* DB /4 */
}
END_TEST

START_TEST(test_x87_reset)
{
	struct sx f;

	sx_init(&f);
	tcg_cpu_reset(f.cpu, true);
	ck_assert_uint_eq(f.cpu->fpu.fx.fcw, 0x40);
	ck_assert_uint_eq(f.cpu->fpu.fx.fsw, 0);
	ck_assert_uint_eq(f.cpu->fpu.fx.ftw, 0);
	ck_assert_uint_eq(f.cpu->fpu.fx.mxcsr, 0x1f80);
	sx_fini(&f);
}
END_TEST

/* MMX aliasing: writing mm3 makes ST(3) with exponent all ones, TOP 0, tags valid */
START_TEST(test_mmx_alias)
{
	static const char *const insns[] = {
		"fninit\n fldz\n fldz\n fldz\n fldz\n fldz\n fldz\n fldz\n fldz\n fninit\n"
		" fld1\n fld1\n fld1\n movq mm3, [B+32]\n fnstenv [B+64]\n fstp tbyte ptr [B+96]\n"
		" mov dword ptr [B+76], 0\n mov dword ptr [B+80], 0\n"
		" mov dword ptr [B+84], 0\n mov dword ptr [B+88], 0\n emms",
		"movq mm0, [B+32]\n fld1\n movq [B+40], mm7\n emms",
		"fld1\n paddb mm1, mm1\n fnstsw [B+44]\n emms",
	};
	RUN("test_mmx_alias", insns);
}
END_TEST

Suite *tcg_fpu_suite(void)
{
	Suite *s = suite_create("tcg_fpu");
	TCase *t = tcase_create("x87");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_x87_arith);
	tcase_add_test(t, test_x87_compare);
	tcase_add_test(t, test_x87_load_store);
	tcase_add_test(t, test_x87_unmasked);
	tcase_add_test(t, test_fxsave_layout);
	tcase_add_test(t, test_fxsave64_layout);
	tcase_add_test(t, test_x87_long_mode);
	tcase_add_test(t, test_x87_exceptions);
	tcase_add_test(t, test_x87_reset);
	tcase_add_test(t, test_mmx_alias);
	suite_add_tcase(s, t);
	return s;
}
