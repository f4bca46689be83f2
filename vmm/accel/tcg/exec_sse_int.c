/*
 * MMX and SSE integer arithmetic, compares, shifts, pack/unpack, blends and
 * the bitwise "floating-point" operations (nothing here can raise a SIMD
 * floating-point exception; moves and inserts are in exec_sse_mov.c).
 * Each operation is one function over a 16-byte value with the register
 * width n (8 for MMX, 16 for XMM) as a constant, so the MMX and XMM handlers
 * generated from it are specialised, loop-unrolled code: no per-byte
 * dispatch at execute time.
 */
#include <emmintrin.h>

#include "vmm/accel/tcg/exec_sse.h"

#define IMM8	((uint8_t)in->imm)
#define SH(name)							\
	static __attribute__((unused)) void name(struct tcg_cpu *cpu,	\
						 const struct insn *in)

static inline int8_t sat_s8(int v)
{
	return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
}

static inline uint8_t sat_u8(int v)
{
	return (uint8_t)(v > 255 ? 255 : v < 0 ? 0 : v);
}

static inline int16_t sat_s16(int v)
{
	return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

static inline uint16_t sat_u16(int v)
{
	return (uint16_t)(v > 65535 ? 65535 : v < 0 ? 0 : v);
}

/* ---- handler generators ---- */
/* binary op "dst = f(dst, src)" in MMX (mm, mm/m64) and XMM (xmm, xmm/m128 aligned) forms */
#define HANDLERS(name)								\
SH(name##_mm)									\
{										\
	xmm_t a, b;								\
	mmx_enter(cpu);								\
	b.q[0] = mm_src(cpu, in);						\
	b.q[1] = 0;								\
	a.q[0] = mm_get(cpu, in->reg);						\
	a.q[1] = 0;								\
	a = name##_f(a, b, 8, in);						\
	mm_set(cpu, in->reg, a.q[0]);						\
}										\
SH(name##_x)									\
{										\
	xmm_t t;								\
	const xmm_t *b;								\
	xmm_t *d;								\
	sse_enter(cpu);								\
	b = xsrc(cpu, in, &t, true);						\
	d = xreg(cpu, in->reg);							\
	*d = name##_f(*d, *b, 16, in);						\
}

#define BIN(name, ...)								\
static inline xmm_t name##_f(xmm_t a, xmm_t b, unsigned n, const struct insn *in) \
{										\
	xmm_t r;								\
	(void)n; (void)in;							\
	__VA_ARGS__;								\
	return r;								\
}										\
HANDLERS(name)

#define LANES(T, N, expr)	for (unsigned i = 0; i < (N); i++) r.T[i] = (expr)

/* arithmetic */
BIN(paddb, r.vb = a.vb + b.vb)
BIN(paddw, r.vw = a.vw + b.vw)
BIN(paddd, r.vd = a.vd + b.vd)
BIN(paddq, r.vq = a.vq + b.vq)
BIN(psubb, r.vb = a.vb - b.vb)
BIN(psubw, r.vw = a.vw - b.vw)
BIN(psubd, r.vd = a.vd - b.vd)
BIN(psubq, r.vq = a.vq - b.vq)
BIN(paddsb, LANES(sb, 16, sat_s8(a.sb[i] + b.sb[i])))
BIN(paddsw, LANES(sw, 8, sat_s16(a.sw[i] + b.sw[i])))
BIN(paddusb, LANES(b, 16, sat_u8(a.b[i] + b.b[i])))
BIN(paddusw, LANES(w, 8, sat_u16(a.w[i] + b.w[i])))
BIN(psubsb, LANES(sb, 16, sat_s8(a.sb[i] - b.sb[i])))
BIN(psubsw, LANES(sw, 8, sat_s16(a.sw[i] - b.sw[i])))
BIN(psubusb, LANES(b, 16, sat_u8(a.b[i] - b.b[i])))
BIN(psubusw, LANES(w, 8, sat_u16(a.w[i] - b.w[i])))
BIN(pmullw, r.vw = a.vw * b.vw)
BIN(pmulhw, LANES(w, 8, (uint16_t)((uint32_t)(a.sw[i] * b.sw[i]) >> 16)))
BIN(pmulhuw, LANES(w, 8, (uint16_t)(((uint32_t)a.w[i] * b.w[i]) >> 16)))
BIN(pmuludq, LANES(q, 2, (uint64_t)a.d[2 * i] * b.d[2 * i]))
BIN(pmaddwd, LANES(d, 4, (uint32_t)(a.sw[2 * i] * b.sw[2 * i]) +
			 (uint32_t)(a.sw[2 * i + 1] * b.sw[2 * i + 1])))
BIN(pavgb, LANES(b, 16, (uint8_t)((a.b[i] + b.b[i] + 1) >> 1)))
BIN(pavgw, LANES(w, 8, (uint16_t)((a.w[i] + b.w[i] + 1) >> 1)))
BIN(pminub, r.vq = (v2du)_mm_min_epu8((__m128i)a.vq, (__m128i)b.vq))
BIN(pmaxub, r.vq = (v2du)_mm_max_epu8((__m128i)a.vq, (__m128i)b.vq))
BIN(pminsw, LANES(sw, 8, a.sw[i] < b.sw[i] ? a.sw[i] : b.sw[i]))
BIN(pmaxsw, LANES(sw, 8, a.sw[i] > b.sw[i] ? a.sw[i] : b.sw[i]))
BIN(psadbw,
    for (unsigned g = 0; g < 2; g++) {
	    unsigned s = 0;
	    for (unsigned j = 0; j < 8; j++) {
		    int d = a.b[g * 8 + j] - b.b[g * 8 + j];
		    s += (unsigned)(d < 0 ? -d : d);
	    }
	    r.q[g] = s;
    })

/* compares and logic */
BIN(pcmpeqb, r.vsb = a.vb == b.vb)
BIN(pcmpeqw, r.vsw = a.vw == b.vw)
BIN(pcmpeqd, r.vsd = a.vd == b.vd)
BIN(pcmpeqq, r.vsq = a.vq == b.vq)
BIN(pcmpgtb, r.vsb = a.vsb > b.vsb)
BIN(pcmpgtw, r.vsw = a.vsw > b.vsw)
BIN(pcmpgtd, r.vsd = a.vsd > b.vsd)
BIN(pcmpgtq, r.vsq = a.vsq > b.vsq)
BIN(pand, r.vq = a.vq & b.vq)
BIN(pandn, r.vq = ~a.vq & b.vq)
BIN(por, r.vq = a.vq | b.vq)
BIN(pxor, r.vq = a.vq ^ b.vq)

/* shifts by a register/memory count (the low 64 bits of the source) */
#define SHIFT_BIN(name, T, W, bits, expr_ok, expr_big)				\
BIN(name, {									\
	uint64_t c = b.q[0];							\
	if (c > (bits) - 1) {							\
		LANES(T, W, expr_big);						\
	} else {								\
		LANES(T, W, expr_ok);						\
	}								\
})
SHIFT_BIN(psrlw, w, 8, 16, (uint16_t)(a.w[i] >> c), 0)
SHIFT_BIN(psrld, d, 4, 32, a.d[i] >> c, 0)
SHIFT_BIN(psrlq, q, 2, 64, a.q[i] >> c, 0)
SHIFT_BIN(psllw, w, 8, 16, (uint16_t)(a.w[i] << c), 0)
SHIFT_BIN(pslld, d, 4, 32, a.d[i] << c, 0)
SHIFT_BIN(psllq, q, 2, 64, a.q[i] << c, 0)
SHIFT_BIN(psraw, sw, 8, 16, (int16_t)(a.sw[i] >> c), (int16_t)(a.sw[i] >> 15))
SHIFT_BIN(psrad, sd, 4, 32, a.sd[i] >> c, a.sd[i] >> 31)

/* unpack and pack (width-dependent) */
static inline xmm_t unpack(xmm_t a, xmm_t b, unsigned n, unsigned e, bool hi)
{
	xmm_t r;
	unsigned k = n / (2 * e), off = hi ? k * e : 0;

	r.q[1] = 0;
	for (unsigned i = 0; i < k; i++) {
		memcpy(&r.b[2 * i * e], &a.b[off + i * e], e);
		memcpy(&r.b[(2 * i + 1) * e], &b.b[off + i * e], e);
	}
	return r;
}
BIN(punpcklbw, r = unpack(a, b, n, 1, false))
BIN(punpcklwd, r = unpack(a, b, n, 2, false))
BIN(punpckldq, r = unpack(a, b, n, 4, false))
BIN(punpcklqdq, r = unpack(a, b, n, 8, false))
BIN(punpckhbw, r = unpack(a, b, n, 1, true))
BIN(punpckhwd, r = unpack(a, b, n, 2, true))
BIN(punpckhdq, r = unpack(a, b, n, 4, true))
BIN(punpckhqdq, r = unpack(a, b, n, 8, true))
BIN(packsswb, r.q[1] = 0;
    for (unsigned i = 0; i < n / 2; i++) {
	    r.sb[i] = sat_s8(a.sw[i]);
	    r.sb[n / 2 + i] = sat_s8(b.sw[i]);
    })
BIN(packuswb, r.q[1] = 0;
    for (unsigned i = 0; i < n / 2; i++) {
	    r.b[i] = sat_u8(a.sw[i]);
	    r.b[n / 2 + i] = sat_u8(b.sw[i]);
    })
BIN(packssdw, r.q[1] = 0;
    for (unsigned i = 0; i < n / 4; i++) {
	    r.sw[i] = sat_s16(a.sd[i]);
	    r.sw[n / 4 + i] = sat_s16(b.sd[i]);
    })
static inline uint16_t sat_u16_32(int32_t v)
{
	return (uint16_t)(v > 65535 ? 65535 : v < 0 ? 0 : v);
}
BIN(packusdw,
    for (unsigned i = 0; i < 4; i++) {
	    r.w[i] = sat_u16_32(a.sd[i]);
	    r.w[4 + i] = sat_u16_32(b.sd[i]);
    })

/* SSSE3 */
BIN(pshufb, r.q[1] = 0;
    for (unsigned i = 0; i < n; i++)
	    r.b[i] = (b.b[i] & 0x80) ? 0 : a.b[b.b[i] & (n - 1)])
#define HORIZ(name, T, op, sat)							\
BIN(name, {									\
	unsigned k = n / (2 * sizeof(r.T[0]));					\
	r.q[1] = 0;								\
	for (unsigned i = 0; i < k; i++) {					\
		r.T[i] = sat(a.T[2 * i] op a.T[2 * i + 1]);			\
		r.T[k + i] = sat(b.T[2 * i] op b.T[2 * i + 1]);			\
	}									\
})
#define NOSAT(x) (x)
HORIZ(phaddw, w, +, (uint16_t)NOSAT)
HORIZ(phaddd, d, +, NOSAT)
HORIZ(phaddsw, sw, +, sat_s16)
HORIZ(phsubw, w, -, (uint16_t)NOSAT)
HORIZ(phsubd, d, -, NOSAT)
HORIZ(phsubsw, sw, -, sat_s16)
BIN(pmaddubsw, LANES(sw, 8, sat_s16(a.b[2 * i] * b.sb[2 * i] + a.b[2 * i + 1] * b.sb[2 * i + 1])))
BIN(psignb, LANES(sb, 16, b.sb[i] < 0 ? (int8_t)-a.sb[i] : b.sb[i] ? a.sb[i] : 0))
BIN(psignw, LANES(sw, 8, b.sw[i] < 0 ? (int16_t)-a.sw[i] : b.sw[i] ? a.sw[i] : 0))
BIN(psignd, LANES(d, 4, b.sd[i] < 0 ? -a.d[i] : b.sd[i] ? a.d[i] : 0))
BIN(pmulhrsw, LANES(sw, 8, (int16_t)((((a.sw[i] * b.sw[i]) >> 14) + 1) >> 1)))
BIN(pabsb, LANES(b, 16, (uint8_t)(b.sb[i] < 0 ? -b.sb[i] : b.sb[i])))
BIN(pabsw, LANES(w, 8, (uint16_t)(b.sw[i] < 0 ? -b.sw[i] : b.sw[i])))
BIN(pabsd, LANES(d, 4, b.sd[i] < 0 ? 0u - b.d[i] : b.d[i]))
BIN(palignr, {
	uint8_t t[32] = { 0 };
	unsigned s = IMM8;
	memcpy(t, b.b, n);
	memcpy(t + n, a.b, n);
	r.q[1] = 0;
	for (unsigned i = 0; i < n; i++)
		r.b[i] = s + i < 2 * n ? t[s + i] : 0;
})

/* SSE4.1 */
BIN(pminsb, LANES(sb, 16, a.sb[i] < b.sb[i] ? a.sb[i] : b.sb[i]))
BIN(pmaxsb, LANES(sb, 16, a.sb[i] > b.sb[i] ? a.sb[i] : b.sb[i]))
BIN(pminsd, LANES(sd, 4, a.sd[i] < b.sd[i] ? a.sd[i] : b.sd[i]))
BIN(pmaxsd, LANES(sd, 4, a.sd[i] > b.sd[i] ? a.sd[i] : b.sd[i]))
BIN(pminuw, LANES(w, 8, a.w[i] < b.w[i] ? a.w[i] : b.w[i]))
BIN(pmaxuw, LANES(w, 8, a.w[i] > b.w[i] ? a.w[i] : b.w[i]))
BIN(pminud, LANES(d, 4, a.d[i] < b.d[i] ? a.d[i] : b.d[i]))
BIN(pmaxud, LANES(d, 4, a.d[i] > b.d[i] ? a.d[i] : b.d[i]))
BIN(pmulld, r.vd = a.vd * b.vd)
BIN(pmuldq, LANES(sq, 2, (int64_t)a.sd[2 * i] * b.sd[2 * i]))
BIN(phminposuw, {
	unsigned m = 0;
	for (unsigned i = 1; i < 8; i++)
		if (b.w[i] < b.w[m])
			m = i;
	r.q[0] = b.w[m] | (uint64_t)m << 16;
	r.q[1] = 0;
})
BIN(pblendw, LANES(w, 8, (IMM8 >> i) & 1 ? b.w[i] : a.w[i]))
BIN(blendps, LANES(d, 4, (IMM8 >> i) & 1 ? b.d[i] : a.d[i]))
BIN(blendpd, LANES(q, 2, (IMM8 >> i) & 1 ? b.q[i] : a.q[i]))
BIN(mpsadbw, {
	unsigned o1 = (IMM8 >> 2 & 1) * 4, o2 = (IMM8 & 3) * 4;
	for (unsigned i = 0; i < 8; i++) {
		unsigned s = 0;
		for (unsigned j = 0; j < 4; j++) {
			int d = a.b[o1 + i + j] - b.b[o2 + j];
			s += (unsigned)(d < 0 ? -d : d);
		}
		r.w[i] = (uint16_t)s;
	}
})

/* bitwise float forms and float shuffles (no exceptions) */
BIN(andps, r.vq = a.vq & b.vq)
BIN(andnps, r.vq = ~a.vq & b.vq)
BIN(orps, r.vq = a.vq | b.vq)
BIN(xorps, r.vq = a.vq ^ b.vq)
BIN(unpcklps, r = unpack(a, b, 16, 4, false))
BIN(unpckhps, r = unpack(a, b, 16, 4, true))
BIN(unpcklpd, r = unpack(a, b, 16, 8, false))
BIN(unpckhpd, r = unpack(a, b, 16, 8, true))
BIN(shufps, {
	unsigned s = IMM8;
	r.d[0] = a.d[s & 3];
	r.d[1] = a.d[(s >> 2) & 3];
	r.d[2] = b.d[(s >> 4) & 3];
	r.d[3] = b.d[(s >> 6) & 3];
})
BIN(shufpd, r.q[0] = a.q[IMM8 & 1]; r.q[1] = b.q[(IMM8 >> 1) & 1])

/* XMM0-selected blends */
#define BLENDV(name, T, N, test)						\
SH(name##_v)									\
{										\
	xmm_t t, r;								\
	const xmm_t *b, *m;							\
	xmm_t *d;								\
	sse_enter(cpu);								\
	b = xsrc(cpu, in, &t, true);						\
	d = xreg(cpu, in->reg);							\
	m = xreg(cpu, 0);							\
	LANES(T, N, (test) ? b->T[i] : d->T[i]);				\
	*d = r;									\
}
BLENDV(pblendvb, b, 16, m->b[i] & 0x80)
BLENDV(blendvps, d, 4, m->d[i] >> 31)
BLENDV(blendvpd, q, 2, m->q[i] >> 63)

SH(ptest_x)
{
	xmm_t t;
	const xmm_t *b;
	xmm_t *a;
	uint32_t f = 0;

	sse_enter(cpu);
	b = xsrc(cpu, in, &t, true);
	a = xreg(cpu, in->reg);
	if (!((a->q[0] & b->q[0]) | (a->q[1] & b->q[1])))
		f |= FL_ZF;
	if (!((~a->q[0] & b->q[0]) | (~a->q[1] & b->q[1])))
		f |= FL_CF;
	flags_set_arith(cpu, f);
}

/* pmovsx / pmovzx: size bytes of source widened */
#define PMOV(name, size, DT, ST, N)						\
SH(name##_x)									\
{										\
	xmm_t s, r;								\
	sse_enter(cpu);								\
	if (in->flags & INSN_MEM) {						\
		s.q[0] = sse_loadn(cpu, in, size);				\
		s.q[1] = 0;							\
	} else {								\
		s = *xreg(cpu, in->rm);						\
	}									\
	for (unsigned i = 0; i < (N); i++)					\
		r.DT[i] = s.ST[i];						\
	*xreg(cpu, in->reg) = r;						\
}
PMOV(pmovsxbw, 8, sw, sb, 8)
PMOV(pmovsxbd, 4, sd, sb, 4)
PMOV(pmovsxbq, 2, sq, sb, 2)
PMOV(pmovsxwd, 8, sd, sw, 4)
PMOV(pmovsxwq, 4, sq, sw, 2)
PMOV(pmovsxdq, 8, sq, sd, 2)
PMOV(pmovzxbw, 8, w, b, 8)
PMOV(pmovzxbd, 4, d, b, 4)
PMOV(pmovzxbq, 2, q, b, 2)
PMOV(pmovzxwd, 8, d, w, 4)
PMOV(pmovzxwq, 4, q, w, 2)
PMOV(pmovzxdq, 8, q, d, 2)

/* ---- shifts by immediate (groups 12-14: the register is ModRM.rm) ---- */
#define SHIFT_IMM(name)								\
SH(name##_imm_mm)								\
{										\
	xmm_t a, b;								\
	mmx_enter(cpu);								\
	a.q[0] = mm_get(cpu, in->rm);						\
	a.q[1] = 0;								\
	b.q[0] = IMM8;								\
	b.q[1] = 0;								\
	a = name##_f(a, b, 8, in);						\
	mm_set(cpu, in->rm, a.q[0]);						\
}										\
SH(name##_imm_x)								\
{										\
	xmm_t b = { .q = { IMM8, 0 } };						\
	xmm_t *d;								\
	sse_enter(cpu);								\
	d = xreg(cpu, in->rm);							\
	*d = name##_f(*d, b, 16, in);						\
}
SHIFT_IMM(psrlw) SHIFT_IMM(psraw) SHIFT_IMM(psllw)
SHIFT_IMM(psrld) SHIFT_IMM(psrad) SHIFT_IMM(pslld)
SHIFT_IMM(psrlq) SHIFT_IMM(psllq)

SH(psrldq_imm_x)
{
	xmm_t *d, r = { .q = { 0, 0 } };
	unsigned s = IMM8;

	sse_enter(cpu);
	d = xreg(cpu, in->rm);
	for (unsigned i = 0; i + s < 16; i++)
		r.b[i] = d->b[i + s];
	*d = r;
}

SH(pslldq_imm_x)
{
	xmm_t *d, r = { .q = { 0, 0 } };
	unsigned s = IMM8;

	sse_enter(cpu);
	d = xreg(cpu, in->rm);
	for (unsigned i = s; i < 16; i++)
		r.b[i] = d->b[i - s];
	*d = r;
}

/* MMX punpckl reads only 32 bits of memory */
#define UNPCKL_MM(name)								\
SH(name##_mm32)									\
{										\
	xmm_t a, b;								\
	mmx_enter(cpu);								\
	b.q[0] = (in->flags & INSN_MEM) ? sse_loadn(cpu, in, 4) : mm_get(cpu, in->rm); \
	b.q[1] = 0;								\
	a.q[0] = mm_get(cpu, in->reg);						\
	a.q[1] = 0;								\
	a = name##_f(a, b, 8, in);						\
	mm_set(cpu, in->reg, a.q[0]);						\
}
UNPCKL_MM(punpcklbw) UNPCKL_MM(punpcklwd) UNPCKL_MM(punpckldq)

/* ---- tables: [opcode][prefix] ---- */
#define MX(n)	{ n##_mm, n##_x }

static const insn_fn map1[256][4] = {
	[0x14] = { unpcklps_x, unpcklpd_x },
	[0x15] = { unpckhps_x, unpckhpd_x },
	[0x54] = { andps_x, andps_x },
	[0x55] = { andnps_x, andnps_x },
	[0x56] = { orps_x, orps_x },
	[0x57] = { xorps_x, xorps_x },
	[0x60] = { punpcklbw_mm32, punpcklbw_x },
	[0x61] = { punpcklwd_mm32, punpcklwd_x },
	[0x62] = { punpckldq_mm32, punpckldq_x },
	[0x63] = MX(packsswb), [0x64] = MX(pcmpgtb), [0x65] = MX(pcmpgtw),
	[0x66] = MX(pcmpgtd), [0x67] = MX(packuswb), [0x68] = MX(punpckhbw),
	[0x69] = MX(punpckhwd), [0x6a] = MX(punpckhdq), [0x6b] = MX(packssdw),
	[0x6c] = { NULL, punpcklqdq_x }, [0x6d] = { NULL, punpckhqdq_x },
	[0x74] = MX(pcmpeqb), [0x75] = MX(pcmpeqw), [0x76] = MX(pcmpeqd),
	[0xc6] = { shufps_x, shufpd_x },
	[0xd1] = MX(psrlw), [0xd2] = MX(psrld), [0xd3] = MX(psrlq), [0xd4] = MX(paddq),
	[0xd5] = MX(pmullw),
	[0xd8] = MX(psubusb), [0xd9] = MX(psubusw), [0xda] = MX(pminub), [0xdb] = MX(pand),
	[0xdc] = MX(paddusb), [0xdd] = MX(paddusw), [0xde] = MX(pmaxub), [0xdf] = MX(pandn),
	[0xe0] = MX(pavgb), [0xe1] = MX(psraw), [0xe2] = MX(psrad), [0xe3] = MX(pavgw),
	[0xe4] = MX(pmulhuw), [0xe5] = MX(pmulhw),
	[0xe8] = MX(psubsb), [0xe9] = MX(psubsw), [0xea] = MX(pminsw), [0xeb] = MX(por),
	[0xec] = MX(paddsb), [0xed] = MX(paddsw), [0xee] = MX(pmaxsw), [0xef] = MX(pxor),
	[0xf1] = MX(psllw), [0xf2] = MX(pslld), [0xf3] = MX(psllq), [0xf4] = MX(pmuludq),
	[0xf5] = MX(pmaddwd), [0xf6] = MX(psadbw),
	[0xf8] = MX(psubb), [0xf9] = MX(psubw), [0xfa] = MX(psubd), [0xfb] = MX(psubq),
	[0xfc] = MX(paddb), [0xfd] = MX(paddw), [0xfe] = MX(paddd),
};

/* groups 12, 13, 14 (0F 71/72/73), register forms: [group][reg][66] */
static const insn_fn shift_grp[3][8][2] = {
	[0] = { [2] = { psrlw_imm_mm, psrlw_imm_x }, [4] = { psraw_imm_mm, psraw_imm_x },
		[6] = { psllw_imm_mm, psllw_imm_x } },
	[1] = { [2] = { psrld_imm_mm, psrld_imm_x }, [4] = { psrad_imm_mm, psrad_imm_x },
		[6] = { pslld_imm_mm, pslld_imm_x } },
	[2] = { [2] = { psrlq_imm_mm, psrlq_imm_x }, [3] = { NULL, psrldq_imm_x },
		[6] = { psllq_imm_mm, psllq_imm_x }, [7] = { NULL, pslldq_imm_x } },
};

/* 0F38: [opcode][0: no prefix (MMX), 1: 66] */
static const insn_fn map2[0x42][2] = {
	[0x00] = MX(pshufb), [0x01] = MX(phaddw), [0x02] = MX(phaddd), [0x03] = MX(phaddsw),
	[0x04] = MX(pmaddubsw), [0x05] = MX(phsubw), [0x06] = MX(phsubd), [0x07] = MX(phsubsw),
	[0x08] = MX(psignb), [0x09] = MX(psignw), [0x0a] = MX(psignd), [0x0b] = MX(pmulhrsw),
	[0x10] = { NULL, pblendvb_v }, [0x14] = { NULL, blendvps_v }, [0x15] = { NULL, blendvpd_v },
	[0x17] = { NULL, ptest_x },
	[0x1c] = MX(pabsb), [0x1d] = MX(pabsw), [0x1e] = MX(pabsd),
	[0x20] = { NULL, pmovsxbw_x }, [0x21] = { NULL, pmovsxbd_x }, [0x22] = { NULL, pmovsxbq_x },
	[0x23] = { NULL, pmovsxwd_x }, [0x24] = { NULL, pmovsxwq_x }, [0x25] = { NULL, pmovsxdq_x },
	[0x28] = { NULL, pmuldq_x }, [0x29] = { NULL, pcmpeqq_x },
	[0x2b] = { NULL, packusdw_x },
	[0x30] = { NULL, pmovzxbw_x }, [0x31] = { NULL, pmovzxbd_x }, [0x32] = { NULL, pmovzxbq_x },
	[0x33] = { NULL, pmovzxwd_x }, [0x34] = { NULL, pmovzxwq_x }, [0x35] = { NULL, pmovzxdq_x },
	[0x37] = { NULL, pcmpgtq_x },
	[0x38] = { NULL, pminsb_x }, [0x39] = { NULL, pminsd_x }, [0x3a] = { NULL, pminuw_x },
	[0x3b] = { NULL, pminud_x }, [0x3c] = { NULL, pmaxsb_x }, [0x3d] = { NULL, pmaxsd_x },
	[0x3e] = { NULL, pmaxuw_x }, [0x3f] = { NULL, pmaxud_x },
	[0x40] = { NULL, pmulld_x }, [0x41] = { NULL, phminposuw_x },
};

/* 0F3A (66 unless noted) */
static insn_fn map3_lookup(const struct insn *in, unsigned pfx)
{
	if (in->opc == 0x0f)
		return pfx == PFX_NONE ? palignr_mm : pfx == PFX_66 ? palignr_x : NULL;
	if (pfx != PFX_66)
		return NULL;
	switch (in->opc) {
	case 0x0c: return blendps_x;
	case 0x0d: return blendpd_x;
	case 0x0e: return pblendw_x;
	case 0x42: return mpsadbw_x;
	}
	return NULL;
}

insn_fn sse_int_lookup(const struct insn *in, unsigned pfx)
{
	insn_fn fn = NULL;

	switch (in->map) {
	case 1:
		if (in->opc >= 0x71 && in->opc <= 0x73) {
			if (pfx > PFX_66)
				return NULL;
			fn = shift_grp[in->opc - 0x71][(in->modrm >> 3) & 7][pfx];
		} else {
			fn = map1[in->opc][pfx];
		}
		break;
	case 2:
		if (in->opc < 0x42 && pfx <= PFX_66)
			fn = map2[in->opc][pfx];
		break;
	case 3:
		fn = map3_lookup(in, pfx);
		break;
	}
	return fn;
}
