/*
 * MMX and SSE..SSE4.2 on the software CPU, checked bit for bit against the
 * host CPU running the same instruction (simd_fixture.h): results, MXCSR
 * flags, EFLAGS and general registers over random values and the edge
 * cases (NaN, infinities, denormals, zeros, integer limits, saturation,
 * shift counts past the width) under every rounding mode, DAZ and FTZ.
 * Then the faults: alignment #GP, #UD without CR4.OSFXSR, #NM with CR0.TS,
 * #XM/#UD for unmasked SIMD exceptions, and CPUID.
 */
#include "tests/unit/tcg/simd_fixture.h"

#define NREC	40

static const char sse_templ[] =
	" cmp eax, eax\n movdqu xmm0, [B+0]\n movdqu xmm1, [B+16]\n movdqu xmm2, [B+32]\n"
	" ldmxcsr [B+48]\n mov eax, [B+52]\n mov ecx, [B+56]\n mov edx, [B+60]\n"
	" @INSN@\n"
	" stmxcsr [B+112]\n movdqu [B+64], xmm0\n movdqu [B+80], xmm1\n movdqu [B+96], xmm2\n"
	" mov [B+116], eax\n mov [B+120], edx\n @PUSHF@\n and ecx, 0x8d5\n mov [B+124], ecx\n";

static const char mmx_templ[] =
	" cmp eax, eax\n movq mm0, [B+0]\n movq mm1, [B+16]\n movdqu xmm0, [B+32]\n"
	" ldmxcsr [B+48]\n mov eax, [B+52]\n mov ecx, [B+56]\n mov edx, [B+60]\n"
	" @INSN@\n"
	" stmxcsr [B+112]\n movq [B+64], mm0\n movq [B+80], mm1\n movdqu [B+96], xmm0\n emms\n"
	" mov [B+116], eax\n mov [B+120], edx\n @PUSHF@\n and ecx, 0x8d5\n mov [B+124], ecx\n";

static const uint32_t f32_special[] = {
	0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000,
	0xff812345, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff,
	0x3f800000, 0xbf800000, 0x4f000000, 0xcf000000, 0x4effffff, 0x3f000000,
	0x3fc00000, 0x40200000, 0xbfc00000, 0x5f000000, 0xdf000000, 0x34000000,
};
static const uint64_t f64_special[] = {
	0, 0x8000000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
	0x7ff8000000000000ull, 0x7ff4000000000000ull, 0xfff0000000000001ull,
	0x0000000000000001ull, 0x800fffffffffffffull, 0x0010000000000000ull,
	0x7fefffffffffffffull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
	0x41e0000000000000ull, 0xc1e0000000000000ull, 0x41dfffffffc00000ull,
	0x3fe0000000000000ull, 0x3ff8000000000000ull, 0x4004000000000000ull,
	0x43e0000000000000ull, 0xc3e0000000000000ull, 0x3ca0000000000000ull,
};
static const uint32_t i32_special[] = {
	0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x7fff, 0x8000, 0xffff, 0x80, 0x7f, 0xff,
	0x10, 0x3f, 0x40, 0x41, 0x20, 0x1f, 0x0f, 0x8080, 0x7f7f, 0x00ff00ff,
};

static bool gen_strings;	/* string-like values only (pcmpXstrX) */

/* one 16-byte value: lanes of a random kind */
static void gen_value(uint8_t *v)
{
	unsigned kind = gen_strings ? 5 : (unsigned)(sx_rand() % 6);

	for (unsigned i = 0; i < 16; i += 8) {
		uint64_t q = sx_rand();
		switch (kind) {
		case 0:				/* random bits */
			break;
		case 1: {			/* floats: specials and nice numbers */
			uint32_t l[2];
			for (int k = 0; k < 2; k++) {
				uint64_t r = sx_rand();
				if (r % 3 == 0) {
					l[k] = f32_special[(r >> 8) % (sizeof(f32_special) / 4)];
				} else {
					float x = (float)((int64_t)(r >> 20) % 20000) / 64.0f;
					memcpy(&l[k], &x, 4);
				}
			}
			q = l[0] | (uint64_t)l[1] << 32;
			break;
		}
		case 2: {			/* doubles */
			uint64_t r = sx_rand();
			if (r % 3 == 0) {
				q = f64_special[(r >> 8) % (sizeof(f64_special) / 8)];
			} else {
				double x = (double)((int64_t)(r >> 12) % 4000000) / 1024.0;
				memcpy(&q, &x, 8);
			}
			break;
		}
		case 3:				/* integer edge values */
			q = i32_special[sx_rand() % (sizeof(i32_special) / 4)] |
			    (uint64_t)i32_special[sx_rand() % (sizeof(i32_special) / 4)] << 32;
			break;
		case 4:				/* small bytes: counts, shuffles, saturation */
			q &= 0x8f8f8f8f8f8f8f8full;
			break;
		default:			/* strings: printable with zeros */
			for (int k = 0; k < 8; k++) {
				uint64_t c = sx_rand() % 12 == 0 ? 0 : 'a' + sx_rand() % 6;
				if (gen_strings && sx_rand() % 5 == 0)
					c = sx_rand() & 0xff;
				q = (q & ~(0xffull << (8 * k))) | c << (8 * k);
			}
			break;
		}
		memcpy(v + i, &q, 8);
	}
}

static struct rec *gen_recs(unsigned n)
{
	struct rec *r = calloc(n, sizeof(*r));

	ck_assert_ptr_nonnull(r);
	for (unsigned i = 0; i < n; i++) {
		uint32_t mx = 0x1f80;

		gen_value(r[i].in0);
		gen_value(r[i].in1);
		gen_value(r[i].in2);
		mx |= (uint32_t)(sx_rand() % 4) << 13;	/* rounding */
		if (sx_rand() % 4 == 0)
			mx |= 0x8000;			/* FTZ */
		if (sx_rand() % 4 == 0)
			mx |= 0x40;			/* DAZ */
		if (sx_rand() % 4 == 0)
			mx |= (uint32_t)(sx_rand() & 0x3f);
		r[i].ctl = mx;
		r[i].eax = (uint32_t)sx_rand();
		if (i % 3 == 0)
			r[i].eax = i32_special[i % (sizeof(i32_special) / 4)];
		r[i].ecx = (uint32_t)sx_rand();
		r[i].edx = (uint32_t)sx_rand() % 40;
	}
	return r;
}

static void run_set(const char *name, const char *templ, const char *const *insns, unsigned n)
{
	struct rec *in = gen_recs(n * NREC);
	struct rec *g = calloc(n * NREC, sizeof(*g)), *h = calloc(n * NREC, sizeof(*h));
	long bad;

	/* the same inputs for every instruction: easier to read a failure */
	for (unsigned j = 1; j < n; j++)
		memcpy(&in[j * NREC], in, NREC * sizeof(*in));
	bad = sx_compare(templ, insns, n, in, NREC, g, h);
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

#define RUN(name, templ, list) run_set(name, templ, list, sizeof(list) / sizeof(list[0]))

START_TEST(test_sse2_integer)
{
	static const char *const insns[] = {
		"paddb xmm0, xmm1", "paddw xmm0, xmm1", "paddd xmm0, xmm1", "paddq xmm0, xmm1",
		"psubb xmm0, xmm1", "psubw xmm0, xmm1", "psubd xmm0, xmm1", "psubq xmm0, xmm1",
		"paddsb xmm0, xmm1", "paddsw xmm0, xmm1", "paddusb xmm0, xmm1", "paddusw xmm0, xmm1",
		"psubsb xmm0, xmm1", "psubsw xmm0, xmm1", "psubusb xmm0, xmm1", "psubusw xmm0, xmm1",
		"pmullw xmm0, xmm1", "pmulhw xmm0, xmm1", "pmulhuw xmm0, xmm1", "pmuludq xmm0, xmm1",
		"pmaddwd xmm0, xmm1", "pavgb xmm0, xmm1", "pavgw xmm0, xmm1", "psadbw xmm0, xmm1",
		"pminub xmm0, xmm1", "pmaxub xmm0, xmm1", "pminsw xmm0, xmm1", "pmaxsw xmm0, xmm1",
		"pcmpeqb xmm0, xmm1", "pcmpeqw xmm0, xmm1", "pcmpeqd xmm0, xmm1",
		"pcmpgtb xmm0, xmm1", "pcmpgtw xmm0, xmm1", "pcmpgtd xmm0, xmm1",
		"pand xmm0, xmm1", "pandn xmm0, xmm1", "por xmm0, xmm1", "pxor xmm0, xmm0",
		"psrlw xmm0, xmm2", "psrld xmm0, xmm2", "psrlq xmm0, xmm2", "psllw xmm0, xmm2",
		"pslld xmm0, xmm2", "psllq xmm0, xmm2", "psraw xmm0, xmm2", "psrad xmm0, xmm2",
		"movd xmm1, edx\n psrlw xmm0, xmm1", "movd xmm1, edx\n psllq xmm0, xmm1",
		"movd xmm1, edx\n psrad xmm0, xmm1", "movd xmm1, edx\n psraw xmm0, xmm1",
		"psrlw xmm0, 3", "psraw xmm0, 15", "psllw xmm0, 16", "psrld xmm0, 31",
		"psrad xmm0, 40", "pslld xmm0, 1", "psrlq xmm0, 63", "psllq xmm0, 64",
		"psrldq xmm0, 5", "pslldq xmm0, 9", "psrldq xmm0, 16", "pslldq xmm0, 0",
		"punpcklbw xmm0, xmm1", "punpcklwd xmm0, xmm1", "punpckldq xmm0, xmm1",
		"punpcklqdq xmm0, xmm1", "punpckhbw xmm0, xmm1", "punpckhwd xmm0, xmm1",
		"punpckhdq xmm0, xmm1", "punpckhqdq xmm0, xmm1",
		"packsswb xmm0, xmm1", "packuswb xmm0, xmm1", "packssdw xmm0, xmm1",
		"pshufd xmm0, xmm1, 0x1b", "pshufhw xmm0, xmm1, 0xe4", "pshuflw xmm0, xmm1, 0x93",
		"pmovmskb eax, xmm1", "pextrw eax, xmm1, 5", "pinsrw xmm0, eax, 3",
		"pinsrw xmm0, [B+16], 7",
		"movd eax, xmm1", "movd xmm0, ecx", "movq xmm0, xmm1", "movq xmm0, [B+32]",
		"movq [B+40], xmm1", "movdqa xmm0, xmm1", "movdqu xmm2, [B+17]",
		"movdqu [B+33], xmm0", "movd [B+36], xmm1",
		"paddb xmm0, [B+16]", "pcmpeqb xmm1, [B+32]",
		"movnti [B+4], eax", "maskmovdqu xmm0, xmm1", "movntdq [B+16], xmm0",
		"movntps [B+32], xmm1", "movntpd [B+0], xmm2", "movdqa xmm1, [B+32]",
		"movupd xmm0, [B+9]", "movapd [B+16], xmm2",
	};
	RUN("test_sse2_integer", sse_templ, insns);
}
END_TEST

START_TEST(test_sse_float)
{
	static const char *const insns[] = {
		"addps xmm0, xmm1", "addpd xmm0, xmm1", "addss xmm0, xmm1", "addsd xmm0, xmm1",
		"subps xmm0, xmm1", "subpd xmm0, xmm1", "subss xmm0, xmm1", "subsd xmm0, xmm1",
		"mulps xmm0, xmm1", "mulpd xmm0, xmm1", "mulss xmm0, xmm1", "mulsd xmm0, xmm1",
		"divps xmm0, xmm1", "divpd xmm0, xmm1", "divss xmm0, xmm1", "divsd xmm0, xmm1",
		"minps xmm0, xmm1", "minpd xmm0, xmm1", "minss xmm0, xmm1", "minsd xmm0, xmm1",
		"maxps xmm0, xmm1", "maxpd xmm0, xmm1", "maxss xmm0, xmm1", "maxsd xmm0, xmm1",
		"sqrtps xmm0, xmm1", "sqrtpd xmm0, xmm1", "sqrtss xmm0, xmm1", "sqrtsd xmm0, xmm1",
		"rcpps xmm0, xmm1", "rcpss xmm0, xmm1", "rsqrtps xmm0, xmm1", "rsqrtss xmm0, xmm1",
		"addss xmm0, [B+16]", "mulsd xmm0, [B+24]", "divps xmm0, [B+16]",
		"cmpps xmm0, xmm1, 0", "cmpps xmm0, xmm1, 1", "cmpps xmm0, xmm1, 2",
		"cmpps xmm0, xmm1, 3", "cmpps xmm0, xmm1, 4", "cmpps xmm0, xmm1, 5",
		"cmpps xmm0, xmm1, 6", "cmpps xmm0, xmm1, 7", "cmppd xmm0, xmm1, 1",
		"cmpss xmm0, xmm1, 2", "cmpsd xmm0, xmm1, 5", "cmpsd xmm0, [B+16], 0",
		"comiss xmm0, xmm1", "ucomiss xmm0, xmm1", "comisd xmm0, xmm1", "ucomisd xmm0, xmm1",
		"ucomisd xmm0, [B+16]",
		"cvtps2pd xmm0, xmm1", "cvtpd2ps xmm0, xmm1", "cvtss2sd xmm0, xmm1",
		"cvtsd2ss xmm0, xmm1", "cvtdq2ps xmm0, xmm1", "cvtps2dq xmm0, xmm1",
		"cvttps2dq xmm0, xmm1", "cvtdq2pd xmm0, xmm1", "cvtpd2dq xmm0, xmm1",
		"cvttpd2dq xmm0, xmm1", "cvtsi2ss xmm0, eax", "cvtsi2sd xmm0, ecx",
		"cvtsi2sd xmm0, dword ptr [B+52]", "cvtss2si eax, xmm1", "cvttss2si eax, xmm1",
		"cvtsd2si edx, xmm1", "cvttsd2si edx, xmm1", "cvttsd2si eax, [B+16]",
		"andps xmm0, xmm1", "andnps xmm0, xmm1", "orps xmm0, xmm1", "xorpd xmm0, xmm1",
		"unpcklps xmm0, xmm1", "unpckhps xmm0, xmm1", "unpcklpd xmm0, xmm1",
		"unpckhpd xmm0, xmm1", "shufps xmm0, xmm1, 0x4e", "shufpd xmm0, xmm1, 2",
		"movmskps eax, xmm1", "movmskpd edx, xmm1",
		"movss xmm0, xmm1", "movss xmm0, [B+16]", "movss [B+20], xmm0",
		"movsd xmm0, xmm1", "movsd xmm0, [B+16]", "movsd [B+20], xmm0",
		"movlps xmm0, [B+16]", "movhps xmm0, [B+16]", "movhlps xmm0, xmm1",
		"movlhps xmm0, xmm1", "movlpd [B+32], xmm0", "movhpd [B+40], xmm1",
		"movaps xmm0, xmm1", "movups xmm1, [B+3]", "movups [B+35], xmm1",
		"movaps [B+32], xmm0", "movapd xmm1, [B+16]",
	};
	RUN("test_sse_float", sse_templ, insns);
}
END_TEST

START_TEST(test_sse3_ssse3_sse41)
{
	static const char *const insns[] = {
		"addsubps xmm0, xmm1", "addsubpd xmm0, xmm1", "haddps xmm0, xmm1",
		"haddpd xmm0, xmm1", "hsubps xmm0, xmm1", "hsubpd xmm0, xmm1",
		"movddup xmm0, xmm1", "movsldup xmm0, xmm1", "movshdup xmm0, xmm1",
		"lddqu xmm0, [B+5]", "movddup xmm0, [B+8]",
		"pshufb xmm0, xmm1", "phaddw xmm0, xmm1", "phaddd xmm0, xmm1",
		"phaddsw xmm0, xmm1", "phsubw xmm0, xmm1", "phsubd xmm0, xmm1",
		"phsubsw xmm0, xmm1", "pmaddubsw xmm0, xmm1", "pmulhrsw xmm0, xmm1",
		"psignb xmm0, xmm1", "psignw xmm0, xmm1", "psignd xmm0, xmm1",
		"pabsb xmm0, xmm1", "pabsw xmm0, xmm1", "pabsd xmm0, xmm1",
		"palignr xmm0, xmm1, 5", "palignr xmm0, xmm1, 17", "palignr xmm0, xmm1, 32",
		"pblendvb xmm1, xmm2", "blendvps xmm1, xmm2", "blendvpd xmm1, xmm2",
		"blendps xmm0, xmm1, 5", "blendpd xmm0, xmm1, 2", "pblendw xmm0, xmm1, 0x96",
		"ptest xmm0, xmm1", "ptest xmm0, xmm0",
		"pmovsxbw xmm0, xmm1", "pmovsxbd xmm0, xmm1", "pmovsxbq xmm0, xmm1",
		"pmovsxwd xmm0, xmm1", "pmovsxwq xmm0, xmm1", "pmovsxdq xmm0, xmm1",
		"pmovzxbw xmm0, xmm1", "pmovzxbd xmm0, [B+16]", "pmovzxbq xmm0, xmm1",
		"pmovzxwd xmm0, xmm1", "pmovzxwq xmm0, [B+18]", "pmovzxdq xmm0, xmm1",
		"pmuldq xmm0, xmm1", "pmulld xmm0, xmm1", "pcmpeqq xmm0, xmm1",
		"packusdw xmm0, xmm1", "pminsb xmm0, xmm1", "pminsd xmm0, xmm1",
		"pminuw xmm0, xmm1", "pminud xmm0, xmm1", "pmaxsb xmm0, xmm1",
		"pmaxsd xmm0, xmm1", "pmaxuw xmm0, xmm1", "pmaxud xmm0, xmm1",
		"phminposuw xmm0, xmm1", "movntdqa xmm0, [B+16]",
		"pextrb eax, xmm1, 9", "pextrw edx, xmm1, 6", "pextrd eax, xmm1, 2",
		"extractps edx, xmm1, 3", "pextrb [B+40], xmm1, 15", "pextrd [B+44], xmm0, 1",
		"pinsrb xmm0, eax, 12", "pinsrd xmm0, ecx, 1", "pinsrb xmm0, [B+20], 0",
		"insertps xmm0, xmm1, 0x9a", "insertps xmm0, [B+16], 0x31",
		"mpsadbw xmm0, xmm1, 5", "mpsadbw xmm0, xmm1, 2",
		"roundps xmm0, xmm1, 0", "roundps xmm0, xmm1, 9", "roundpd xmm0, xmm1, 2",
		"roundss xmm0, xmm1, 3", "roundsd xmm0, xmm1, 4", "roundsd xmm0, xmm1, 12",
		"dpps xmm0, xmm1, 0xff", "dpps xmm0, xmm1, 0x53", "dppd xmm0, xmm1, 0x31",
		"dppd xmm0, xmm1, 0xf3",
		"pcmpgtq xmm0, xmm1", "crc32 eax, cl", "crc32 eax, dx", "crc32 eax, ecx",
		"crc32 edx, dword ptr [B+16]", "popcnt eax, ecx", "popcnt dx, cx",
		"pcmpistri xmm0, xmm1, 0x00", "pcmpistri xmm0, xmm1, 0x04",
		"pcmpistri xmm0, xmm1, 0x08", "pcmpistri xmm0, xmm1, 0x0c",
		"pcmpistri xmm0, xmm1, 0x1a", "pcmpistri xmm0, xmm1, 0x3a",
		"pcmpistri xmm0, xmm1, 0x4c", "pcmpistri xmm0, xmm1, 0x01",
		"pcmpistri xmm0, xmm1, 0x07", "pcmpistri xmm0, xmm1, 0x2d",
		"pcmpistri xmm0, [B+16], 0x12", "pcmpistri xmm0, xmm1, 0x0b",
		"pcmpistrm xmm1, xmm2, 0x40", "pcmpistrm xmm1, xmm2, 0x44",
		"pcmpistrm xmm1, xmm2, 0x08", "pcmpistrm xmm1, xmm2, 0x4d",
		"pcmpistrm xmm1, xmm2, 0x3e", "pcmpistrm xmm1, xmm2, 0x03",
		"pcmpestri xmm0, xmm1, 0x00", "pcmpestri xmm0, xmm1, 0x0c",
		"mov eax, edx\n and eax, 15\n pcmpestri xmm0, xmm1, 0x04",
		"mov eax, edx\n neg eax\n pcmpestri xmm0, xmm1, 0x38",
		"mov eax, edx\n sub eax, 20\n pcmpestri xmm0, xmm1, 0x4d",
		"mov eax, 5\n pcmpestri xmm0, xmm1, 0x08",
		"pcmpestrm xmm1, xmm2, 0x40", "pcmpestrm xmm1, xmm2, 0x45",
		"mov eax, 3\n pcmpestrm xmm1, xmm2, 0x0e", "mov eax, 4\n pcmpestrm xmm1, xmm2, 0x6c",
		"mov eax, 7\n pcmpestrm xmm1, xmm2, 0x33",
	};
	RUN("test_sse3_ssse3_sse41", sse_templ, insns);
}
END_TEST

START_TEST(test_sse42_strings)
{
	static const char *const insns[] = {
		"pcmpistri xmm0, xmm1, 0x00", "pcmpistri xmm0, xmm1, 0x04",
		"pcmpistri xmm0, xmm1, 0x08", "pcmpistri xmm0, xmm1, 0x0c",
		"pcmpistri xmm0, xmm1, 0x10", "pcmpistri xmm0, xmm1, 0x14",
		"pcmpistri xmm0, xmm1, 0x18", "pcmpistri xmm0, xmm1, 0x1c",
		"pcmpistri xmm0, xmm1, 0x30", "pcmpistri xmm0, xmm1, 0x34",
		"pcmpistri xmm0, xmm1, 0x38", "pcmpistri xmm0, xmm1, 0x3c",
		"pcmpistri xmm0, xmm1, 0x41", "pcmpistri xmm0, xmm1, 0x46",
		"pcmpistri xmm0, xmm1, 0x4b", "pcmpistri xmm0, xmm1, 0x7d",
		"pcmpistrm xmm0, xmm1, 0x00", "pcmpistrm xmm0, xmm1, 0x44",
		"pcmpistrm xmm0, xmm1, 0x19", "pcmpistrm xmm0, xmm1, 0x6e",
		"mov eax, ecx\n and eax, 31\n sub eax, 8\n pcmpestri xmm0, xmm1, 0x00",
		"mov eax, ecx\n and eax, 31\n sub eax, 8\n pcmpestri xmm0, xmm1, 0x04",
		"mov eax, ecx\n and eax, 31\n sub eax, 8\n pcmpestri xmm0, xmm1, 0x08",
		"mov eax, ecx\n and eax, 31\n sub eax, 8\n pcmpestri xmm0, xmm1, 0x0c",
		"mov eax, ecx\n and eax, 31\n sub eax, 8\n pcmpestri xmm0, xmm1, 0x35",
		"mov eax, ecx\n and eax, 31\n sub eax, 8\n pcmpestri xmm0, xmm1, 0x7b",
		"mov eax, ecx\n and eax, 15\n sub edx, 20\n pcmpestrm xmm0, xmm1, 0x3c",
		"mov eax, ecx\n and eax, 15\n sub edx, 20\n pcmpestrm xmm0, xmm1, 0x51",
	};
	gen_strings = true;
	run_set("test_sse42_strings", sse_templ, insns, sizeof(insns) / sizeof(insns[0]));
	gen_strings = false;
}
END_TEST

/* 64-bit mode: REX registers and REX.W forms, RIP-relative operands */
START_TEST(test_sse_long_mode)
{
	static const char *const insns[] = {
		"movdqa xmm8, xmm0\n movdqa xmm9, xmm1\n paddsb xmm8, xmm9\n movdqa xmm0, xmm8",
		"movdqa xmm13, xmm1\n pshufb xmm13, xmm2\n movdqa xmm1, xmm13",
		"movdqa xmm15, xmm0\n addpd xmm15, xmm1\n movdqa xmm2, xmm15",
		"movdqu xmm12, [B+16]\n pcmpistri xmm12, xmm0, 0x0c",
		"mov rcx, [B+56]\n movq xmm0, rcx", "movq rax, xmm1\n mov [B+160], rax",
		"mov rcx, [B+56]\n pinsrq xmm0, rcx, 1", "pextrq rax, xmm1, 1\n mov [B+160], rax",
		"pextrq [B+164], xmm0, 0",
		"mov rcx, [B+56]\n cvtsi2sd xmm0, rcx", "mov rcx, [B+56]\n cvtsi2ss xmm0, rcx",
		"cvttsd2si rax, xmm1\n mov [B+160], rax", "cvtss2si rax, xmm1\n mov [B+160], rax",
		"mov rcx, [B+56]\n crc32 rax, rcx\n mov [B+160], rax",
		"mov rcx, [B+56]\n crc32 eax, byte ptr [B+20]",
		"mov rcx, [B+56]\n popcnt rax, rcx\n mov [B+160], rax",
		"movq mm0, [B+16]\n mov rcx, [B+56]\n movq mm1, rcx\n paddw mm0, mm1\n"
		" movq rax, mm0\n mov [B+160], rax\n emms",
		"jmp 8f\n .balign 16\n 7: .quad 0x0102030405060708, 0x1112131415161718\n 8: paddb xmm0, [rip + 7b]",
		"jmp 8f\n .balign 16\n 7: .quad 0x3ff0000000000000, 0x4000000000000000\n"
		" 8: mulpd xmm0, [rip + 7b]",
		"mov r9, rdi\n movdqu xmm10, [r9 + 16]\n pxor xmm10, xmm0\n movdqu [r9 + 64], xmm10",
	};
	sx_guest64 = true;
	RUN("test_sse_long_mode", sse_templ, insns);
	sx_guest64 = false;
}
END_TEST

START_TEST(test_mmx)
{
	static const char *const insns[] = {
		"paddb mm0, mm1", "paddw mm0, mm1", "paddd mm0, mm1", "paddq mm0, mm1",
		"psubsb mm0, mm1", "psubusw mm0, mm1", "paddsw mm0, mm1", "paddusb mm0, mm1",
		"pmullw mm0, mm1", "pmulhw mm0, mm1", "pmaddwd mm0, mm1", "pmuludq mm0, mm1",
		"pcmpeqb mm0, mm1", "pcmpgtw mm0, mm1", "pcmpgtd mm0, mm1",
		"pand mm0, mm1", "pandn mm0, mm1", "por mm0, mm1", "pxor mm0, mm1",
		"psrlw mm0, mm1", "psllq mm0, mm1", "psrad mm0, mm1", "psraw mm0, 4",
		"psrlq mm0, 33", "pslld mm0, 32",
		"punpcklbw mm0, mm1", "punpcklwd mm0, [B+16]", "punpckldq mm0, mm1",
		"punpckhbw mm0, mm1", "punpckhwd mm0, mm1", "punpckhdq mm0, mm1",
		"packsswb mm0, mm1", "packuswb mm0, mm1", "packssdw mm0, mm1",
		"pshufw mm0, mm1, 0x1b", "pinsrw mm0, eax, 2", "pextrw eax, mm1, 3",
		"pmovmskb edx, mm1", "pavgb mm0, mm1", "pminub mm0, mm1", "pmaxsw mm0, mm1",
		"psadbw mm0, mm1", "pmulhuw mm0, mm1",
		"pshufb mm0, mm1", "phaddw mm0, mm1", "phsubd mm0, mm1", "pmaddubsw mm0, mm1",
		"psignb mm0, mm1", "pabsw mm0, mm1", "palignr mm0, mm1, 3", "pmulhrsw mm0, mm1",
		"movd mm0, eax", "movd edx, mm1", "movq mm0, mm1", "movq mm0, [B+32]",
		"movq [B+40], mm1", "movntq [B+8], mm0", "movq2dq xmm0, mm1", "movdq2q mm0, xmm0",
		"cvtpi2ps xmm0, mm1", "cvtpi2pd xmm0, mm1", "cvtps2pi mm0, xmm0",
		"cvttps2pi mm0, xmm0", "cvtpd2pi mm0, xmm0", "cvttpd2pi mm1, xmm0",
		"cvtpi2ps xmm0, [B+16]", "maskmovq mm0, mm1",
	};
	RUN("test_mmx", mmx_templ, insns);
}
END_TEST

/* ---- faults ---- */
struct fault_run {
	uint32_t vec;		/* last exception vector seen by the handler, or 0xff */
	uint32_t eip;
	uint32_t mxcsr;
	uint32_t marker;
	uint32_t extra[2];	/* 0x610, 0x614: what the program stored there */
};

/* a program with an IDT whose handlers record the vector and skip the instruction */
static bool run_fault(const char *setup, const char *insn, unsigned insn_len,
		      struct fault_run *out)
{
	struct sbuf b = { 0 };
	uint8_t *bin;
	size_t len = 0;
	struct sx f;

	sb_add(&b, "%s", SX_PM_ENTRY);
	sb_add(&b,
	       " mov edi, 0x3000\n xor eax, eax\n mov ecx, 512\n rep stosd\n"
	       " mov ebx, 0\n"
	       "2: mov eax, offset h0\n mov edx, ebx\n shl edx, 4\n add eax, edx\n"
	       " mov edi, ebx\n shl edi, 3\n add edi, 0x3000\n"
	       " mov [edi], ax\n mov word ptr [edi+2], 0x08\n mov word ptr [edi+4], 0x8e00\n"
	       " shr eax, 16\n mov [edi+6], ax\n inc ebx\n cmp ebx, 20\n jne 2b\n"
	       " lidt [idtr]\n mov dword ptr [0x500], 0xff\n"
	       " %s\n"
	       "insn: %s\n"
	       " mov dword ptr [0x50c], 0x1234\n"
	       " mov eax, cr4\n or eax, 0x600\n mov cr4, eax\n"
	       " mov eax, cr0\n and eax, ~0xc\n mov cr0, eax\n stmxcsr [0x508]\n"
	       " mov al, 0x5a\n out 0xf4, al\n hlt\n"
	       ".align 16\nh0:\n", setup, insn);
	/* 20 handlers, 16 bytes each: record the vector, skip insn_len bytes */
	for (int v = 0; v < 20; v++) {
		bool err = v == 8 || (v >= 10 && v <= 14) || v == 17;

		sb_add(&b, ".align 16\n mov dword ptr [0x500], %d\n jmp %s\n", v,
		       err ? "common_err" : "common");
	}
	sb_add(&b, "common_err: add esp, 4\ncommon: mov eax, [esp]\n mov [0x504], eax\n"
		   " add dword ptr [esp], %u\n"
		   " mov eax, cr0\n and eax, ~8\n mov cr0, eax\n"	/* clear TS */
		   " iretd\n"
		   "idtr: .word 0x7ff\n .long 0x3000\n", insn_len);
	bin = harness_assemble(b.s, SX_CODE, false, &len);
	free(b.s);
	if (!bin)
		return false;
	sx_init(&f);
	memcpy(f.ram + SX_CODE, bin, len);
	free(bin);
	sx_run_from_code(&f, 100, 100000);
	ck_assert_msg(f.exited, "fault program did not finish");
	memcpy(&out->vec, f.ram + 0x500, 4);
	memcpy(&out->eip, f.ram + 0x504, 4);
	memcpy(&out->mxcsr, f.ram + 0x508, 4);
	memcpy(&out->marker, f.ram + 0x50c, 4);
	memcpy(out->extra, f.ram + 0x610, 8);
	sx_fini(&f);
	return true;
}

#define FAULT(setup, insn, len, want)						\
	do {									\
		struct fault_run r_;						\
		if (!run_fault(setup, insn, len, &r_)) {			\
			harness_skip("test_sse_faults", "GNU as/ld not usable");\
			return;							\
		}								\
		ck_assert_msg(r_.vec == (want), "%s / %s: vector %u, want %u",	\
			      setup, insn, r_.vec, (unsigned)(want));		\
		ck_assert_uint_eq(r_.marker, 0x1234);				\
	} while (0)

START_TEST(test_sse_faults)
{
	/* alignment: movaps/movdqa/addps m128 fault, movups and scalar forms do not */
	FAULT("mov esi, 0x2001", "movaps xmm0, [esi]", 3, 13);
	FAULT("mov esi, 0x2008", "movdqa [esi], xmm1", 4, 13);
	FAULT("mov esi, 0x2004", "addps xmm0, [esi]", 3, 13);
	FAULT("mov esi, 0x2004", "pxor xmm0, [esi]", 4, 13);
	FAULT("mov esi, 0x2001", "movups xmm0, [esi]", 3, 0xff);
	FAULT("mov esi, 0x2001", "addss xmm0, [esi]", 4, 0xff);
	FAULT("mov esi, 0x2003", "fxsave [esi]", 3, 13);
	/* CR4.OSFXSR clear: SSE #UD, MMX still works */
	FAULT("mov eax, cr4\n and eax, ~0x200\n mov cr4, eax", "addps xmm0, xmm1", 3, 6);
	FAULT("mov eax, cr4\n and eax, ~0x200\n mov cr4, eax", "ldmxcsr [0x600]", 7, 6);
	FAULT("mov eax, cr4\n and eax, ~0x200\n mov cr4, eax", "paddb mm0, mm1", 3, 0xff);
	/* CR0.TS: #NM; CR0.EM: #UD for SSE and MMX */
	FAULT("mov eax, cr0\n or eax, 8\n mov cr0, eax", "addps xmm0, xmm1", 3, 7);
	FAULT("mov eax, cr0\n or eax, 8\n mov cr0, eax", "paddb mm0, mm1", 3, 7);
	FAULT("mov eax, cr0\n or eax, 8\n mov cr0, eax", "fxsave [0x2000]", 7, 7);
	FAULT("mov eax, cr0\n or eax, 4\n mov cr0, eax", "paddb mm0, mm1", 3, 6);
	FAULT("mov eax, cr0\n or eax, 4\n mov cr0, eax", "movdqa xmm0, xmm1", 4, 6);
	/* reserved MXCSR bits */
	FAULT("mov dword ptr [0x600], 0x10000", "ldmxcsr [0x600]", 7, 13);
	/* unmasked SIMD exceptions: #XM with OSXMMEXCPT, #UD without */
	FAULT("mov dword ptr [0x600], 0x1d80\n ldmxcsr [0x600]\n xorps xmm1, xmm1\n"
	      " mov eax, 1\n cvtsi2ss xmm0, eax", "divss xmm0, xmm1", 4, 19);
	FAULT("mov dword ptr [0x600], 0x1d80\n ldmxcsr [0x600]\n xorps xmm1, xmm1\n"
	      " mov eax, 1\n cvtsi2ss xmm0, eax\n mov eax, cr4\n and eax, ~0x400\n mov cr4, eax",
	      "divss xmm0, xmm1", 4, 6);
	FAULT("mov dword ptr [0x600], 0x1f80\n ldmxcsr [0x600]\n xorps xmm1, xmm1\n"
	      " mov eax, 1\n cvtsi2ss xmm0, eax", "divss xmm0, xmm1", 4, 0xff);
	/* LOCK on an SSE instruction */
	FAULT("", ".byte 0xf0\n paddb xmm0, xmm1", 5, 6);
	/* unadvertised: AVX (VEX) encodings */
	FAULT("", ".byte 0xc5, 0xf8, 0x58, 0xc1", 4, 6);
	/* encodings that do not exist or are not advertised */
	FAULT("mov esi, 0x2000", ".byte 0x0f, 0x38, 0xf0, 0x06", 4, 6);	/* movbe */
	FAULT("", ".byte 0x0f, 0x6c, 0xc1", 3, 6);			/* punpcklqdq mm */
	FAULT("", ".byte 0x0f, 0x73, 0xd9, 0x01", 4, 6);		/* psrldq mm */
	FAULT("mov esi, 0x2000", ".byte 0x0f, 0x50, 0x06", 3, 6);	/* movmskps m */
	FAULT("", ".byte 0x0f, 0x2b, 0xc1", 3, 6);			/* movntps reg */
	FAULT("", ".byte 0xf2, 0x0f, 0x6f, 0xc1", 4, 6);
	FAULT("", ".byte 0x0f, 0x01, 0xd0", 3, 6);			/* xgetbv */
	FAULT("mov esi, 0x2000", ".byte 0x0f, 0xae, 0x26", 3, 6);	/* xsave */
	FAULT("", ".byte 0x66, 0x0f, 0xd6, 0xc1", 4, 0xff);		/* movq xmm, xmm */
}
END_TEST

START_TEST(test_sse_xm_no_write)
{
	struct fault_run r;

	/* an unmasked #XM leaves the destination alone, sets the flag */
	if (!run_fault("mov dword ptr [0x600], 0x1d80\n ldmxcsr [0x600]\n xorps xmm1, xmm1\n"
		       " mov eax, 3\n cvtsi2ss xmm0, eax\n movd [0x610], xmm0",
		       "divss xmm0, xmm1\n movd [0x614], xmm0", 4, &r)) {
		harness_skip("test_sse_xm_no_write", "GNU as/ld not usable");
		return;
	}
	ck_assert_uint_eq(r.vec, 19);
	ck_assert_uint_eq(r.mxcsr & 0x3f, 0x04);	/* ZE */
	ck_assert_uint_eq(r.extra[0], 0x40400000);	/* 3.0f */
	ck_assert_uint_eq(r.extra[1], 0x40400000);	/* unchanged */
}
END_TEST

START_TEST(test_cpuid_features)
{
	struct sx f;
	uint32_t o[4];

	sx_init(&f);
	cpuid_query(f.cpu, 1, 0, o);
	/* fpu mmx fxsr sse sse2 */
	ck_assert_uint_eq(o[3] & 0x07800001u, 0x07800001u);
	/* sse3 ssse3 sse4.1 (the host has them on any machine this runs on) */
	if (fpu_features() & FPU_HAS_SSE41)
		ck_assert_uint_eq(o[2] & ((1u << 0) | (1u << 9) | (1u << 19)),
				  (1u << 0) | (1u << 9) | (1u << 19));
	/* no OSXSAVE, AVX, XSAVE */
	ck_assert_uint_eq(o[2] & ((1u << 26) | (1u << 27) | (1u << 28)), 0);
	sx_fini(&f);
}
END_TEST

Suite *tcg_sse_suite(void)
{
	Suite *s = suite_create("tcg_sse");
	TCase *t = tcase_create("sse");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_sse2_integer);
	tcase_add_test(t, test_sse_float);
	tcase_add_test(t, test_sse3_ssse3_sse41);
	tcase_add_test(t, test_sse42_strings);
	tcase_add_test(t, test_sse_long_mode);
	tcase_add_test(t, test_mmx);
	tcase_add_test(t, test_sse_faults);
	tcase_add_test(t, test_sse_xm_no_write);
	tcase_add_test(t, test_cpuid_features);
	suite_add_tcase(s, t);
	return s;
}
