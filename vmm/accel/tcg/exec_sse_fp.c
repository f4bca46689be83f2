/*
 * SSE floating point: arithmetic, compares, conversions, rounding and dot
 * products. Each runs the same instruction on the host's SSE unit under
 * the guest's MXCSR (rounding, DAZ, FTZ) with every exception masked; the
 * flags it raised are added to the guest's MXCSR, and an unmasked one
 * becomes #XM before the destination is written. MMX-operand conversions
 * use their SSE2 counterparts on the relevant lanes (the others zero, so
 * they raise nothing).
 */
#include "vmm/accel/tcg/exec_sse.h"

#define IMM8	((uint8_t)in->imm)
#define COMMA	,		/* a comma inside a macro argument */
#define SH(name)							\
	static __attribute__((unused)) void name(struct tcg_cpu *cpu,	\
						 const struct insn *in)

static inline uint32_t mx_guest(struct tcg_cpu *cpu)
{
	return (cpu->fpu.fx.mxcsr & ~MXCSR_FLAGS) | MXCSR_MASKS;
}

/* fold the flags the host raised into the guest's MXCSR; #XM if unmasked */
static inline void fp_done(struct tcg_cpu *cpu, uint32_t out)
{
	struct fxsave_img *fx = &cpu->fpu.fx;
	uint32_t fl = out & MXCSR_FLAGS;

	if (fl) {
		fx->mxcsr |= fl;
		if (fl & ~(fx->mxcsr >> 7))
			sse_raise_xm(cpu);
	}
}

/*
 * Run "insn src, dst" on the host with the guest's MXCSR in mx (in/out).
 * When the guest's controls are the host's (the usual 0x1f80), the host is
 * left with them and only the flags differ, which no host code reads:
 * two MXCSR accesses instead of four (they are slow on some hosts).
 */
#define FP2(insn, d, s, mx) do {						\
		if (likely((mx) == fpu_host_mxcsr))				\
			__asm__ volatile("ldmxcsr %[g]\n\t"			\
					 insn " %[src], %[dst]\n\t"		\
					 "stmxcsr %[g]"				\
					 : [dst] "+x"(d), [g] "+m"(mx)		\
					 : [src] "x"(s));			\
		else								\
			__asm__ volatile("ldmxcsr %[g]\n\t"			\
					 insn " %[src], %[dst]\n\t"		\
					 "stmxcsr %[g]\n\t"			\
					 "ldmxcsr %[h]"				\
					 : [dst] "+x"(d), [g] "+m"(mx)		\
					 : [src] "x"(s), [h] "m"(fpu_host_mxcsr)); \
	} while (0)

static inline const xmm_t *fp_src(struct tcg_cpu *cpu, const struct insn *in, xmm_t *t,
				  unsigned msize)
{
	if (msize == 16)
		return xsrc(cpu, in, t, true);
	return xsrc_low(cpu, in, t, msize);
}

/* dst = insn(dst, src); msize: the memory operand's size (16 = aligned m128) */
#define FPOP(name, insn, msize)							\
SH(name)									\
{										\
	xmm_t t, r;								\
	const xmm_t *s;								\
	uint32_t mx;								\
	sse_enter(cpu);								\
	s = fp_src(cpu, in, &t, msize);						\
	r = *xreg(cpu, in->reg);						\
	mx = mx_guest(cpu);							\
	FP2(insn, r.vf, s->vf, mx);						\
	fp_done(cpu, mx);							\
	*xreg(cpu, in->reg) = r;						\
}

#define FP4(op, opname)								\
FPOP(op##ps, opname "ps", 16)							\
FPOP(op##pd, opname "pd", 16)							\
FPOP(op##ss, opname "ss", 4)							\
FPOP(op##sd, opname "sd", 8)
FP4(add, "add")
FP4(sub, "sub")
FP4(mul, "mul")
FP4(div, "div")
FP4(min, "min")
FP4(max, "max")
FP4(sqrt, "sqrt")
FPOP(rsqrtps, "rsqrtps", 16)
FPOP(rsqrtss, "rsqrtss", 4)
FPOP(rcpps, "rcpps", 16)
FPOP(rcpss, "rcpss", 4)
FPOP(cvtps2pd, "cvtps2pd", 8)
FPOP(cvtpd2ps, "cvtpd2ps", 16)
FPOP(cvtss2sd, "cvtss2sd", 4)
FPOP(cvtsd2ss, "cvtsd2ss", 8)
FPOP(cvtdq2ps, "cvtdq2ps", 16)
FPOP(cvtps2dq, "cvtps2dq", 16)
FPOP(cvttps2dq, "cvttps2dq", 16)
FPOP(cvttpd2dq, "cvttpd2dq", 16)
FPOP(cvtpd2dq, "cvtpd2dq", 16)
FPOP(cvtdq2pd, "cvtdq2pd", 8)
FPOP(haddps, "haddps", 16)
FPOP(haddpd, "haddpd", 16)
FPOP(hsubps, "hsubps", 16)
FPOP(hsubpd, "hsubpd", 16)
FPOP(addsubps, "addsubps", 16)
FPOP(addsubpd, "addsubpd", 16)

/* ---- compares with a predicate ---- */
#define CMP_CASES(insn, r, s, mx)						\
	switch (IMM8 & 7) {							\
	case 0: FP2(insn " $0,", r, s, mx); break;				\
	case 1: FP2(insn " $1,", r, s, mx); break;				\
	case 2: FP2(insn " $2,", r, s, mx); break;				\
	case 3: FP2(insn " $3,", r, s, mx); break;				\
	case 4: FP2(insn " $4,", r, s, mx); break;				\
	case 5: FP2(insn " $5,", r, s, mx); break;				\
	case 6: FP2(insn " $6,", r, s, mx); break;				\
	default: FP2(insn " $7,", r, s, mx); break;				\
	}

#define FPCMP(name, insn, msize)						\
SH(name)									\
{										\
	xmm_t t, r;								\
	const xmm_t *s;								\
	uint32_t mx;								\
	sse_enter(cpu);								\
	s = fp_src(cpu, in, &t, msize);						\
	r = *xreg(cpu, in->reg);						\
	mx = mx_guest(cpu);							\
	CMP_CASES(insn, r.vf, s->vf, mx)					\
	fp_done(cpu, mx);							\
	*xreg(cpu, in->reg) = r;						\
}
FPCMP(cmpps, "cmpps", 16)
FPCMP(cmppd, "cmppd", 16)
FPCMP(cmpss, "cmpss", 4)
FPCMP(cmpsd, "cmpsd", 8)

/* ---- rounding (SSE4.1): imm[3:0] ---- */
#define ROUND_CASE(n, insn, r, s, mx) case n: FP2(insn " $" #n ",", r, s, mx); break;
#define FPROUND(name, insn, msize)						\
SH(name)									\
{										\
	xmm_t t, r;								\
	const xmm_t *s;								\
	uint32_t mx;								\
	sse_enter(cpu);								\
	s = fp_src(cpu, in, &t, msize);						\
	r = *xreg(cpu, in->reg);						\
	mx = mx_guest(cpu);							\
	switch (IMM8 & 15) {							\
	ROUND_CASE(0, insn, r.vf, s->vf, mx) ROUND_CASE(1, insn, r.vf, s->vf, mx) \
	ROUND_CASE(2, insn, r.vf, s->vf, mx) ROUND_CASE(3, insn, r.vf, s->vf, mx) \
	ROUND_CASE(4, insn, r.vf, s->vf, mx) ROUND_CASE(5, insn, r.vf, s->vf, mx) \
	ROUND_CASE(6, insn, r.vf, s->vf, mx) ROUND_CASE(7, insn, r.vf, s->vf, mx) \
	ROUND_CASE(8, insn, r.vf, s->vf, mx) ROUND_CASE(9, insn, r.vf, s->vf, mx) \
	ROUND_CASE(10, insn, r.vf, s->vf, mx) ROUND_CASE(11, insn, r.vf, s->vf, mx) \
	ROUND_CASE(12, insn, r.vf, s->vf, mx) ROUND_CASE(13, insn, r.vf, s->vf, mx) \
	ROUND_CASE(14, insn, r.vf, s->vf, mx) default: FP2(insn " $15,", r.vf, s->vf, mx); \
	}									\
	fp_done(cpu, mx);							\
	*xreg(cpu, in->reg) = r;						\
}
FPROUND(roundps, "roundps", 16)
FPROUND(roundpd, "roundpd", 16)
FPROUND(roundss, "roundss", 4)
FPROUND(roundsd, "roundsd", 8)

/* ---- dot products: products of the selected lanes, summed pairwise ---- */
SH(dpps_x)
{
	xmm_t t, a, b, p, q, r;
	const xmm_t *s;
	uint32_t mx;
	unsigned imm = IMM8;

	sse_enter(cpu);
	s = fp_src(cpu, in, &t, 16);
	a = *xreg(cpu, in->reg);
	b = *s;
	for (unsigned i = 0; i < 4; i++)
		if (!(imm & (0x10u << i)))
			a.d[i] = b.d[i] = 0;		/* +0 * +0: +0, no flags */
	mx = mx_guest(cpu);
	FP2("mulps", a.vf, b.vf, mx);
	/* (p0 + p1) + (p2 + p3) */
	p.q[0] = a.d[0];
	p.q[1] = 0;
	q.q[0] = a.d[1];
	q.q[1] = 0;
	FP2("addss", p.vf, q.vf, mx);
	q.q[0] = a.d[2];
	r.q[0] = a.d[3];
	r.q[1] = 0;
	FP2("addss", q.vf, r.vf, mx);
	FP2("addss", p.vf, q.vf, mx);
	fp_done(cpu, mx);
	for (unsigned i = 0; i < 4; i++)
		r.d[i] = (imm & (1u << i)) ? p.d[0] : 0;
	*xreg(cpu, in->reg) = r;
}

SH(dppd_x)
{
	xmm_t t, a, b, p, q, r;
	const xmm_t *s;
	uint32_t mx;
	unsigned imm = IMM8;

	sse_enter(cpu);
	s = fp_src(cpu, in, &t, 16);
	a = *xreg(cpu, in->reg);
	b = *s;
	for (unsigned i = 0; i < 2; i++)
		if (!(imm & (0x10u << i)))
			a.q[i] = b.q[i] = 0;
	mx = mx_guest(cpu);
	FP2("mulpd", a.vf, b.vf, mx);
	p.q[0] = a.q[0];
	p.q[1] = 0;
	q.q[0] = a.q[1];
	q.q[1] = 0;
	FP2("addsd", p.vf, q.vf, mx);
	fp_done(cpu, mx);
	for (unsigned i = 0; i < 2; i++)
		r.q[i] = (imm & (1u << i)) ? p.q[0] : 0;
	*xreg(cpu, in->reg) = r;
}

/* ---- ordered/unordered compares into EFLAGS ---- */
#define COMI(name, insn, msize)							\
SH(name)									\
{										\
	xmm_t t, d;								\
	const xmm_t *s;								\
	uint32_t mx;								\
	uint8_t z, p, c;							\
	sse_enter(cpu);								\
	s = fp_src(cpu, in, &t, msize);						\
	d = *xreg(cpu, in->reg);						\
	mx = mx_guest(cpu);							\
	__asm__ volatile("ldmxcsr %[g]\n\t"					\
			 insn " %[src], %[dst]\n\t"				\
			 "setz %[z]\n\tsetp %[p]\n\tsetc %[c]\n\t"		\
			 "stmxcsr %[g]\n\tldmxcsr %[h]"				\
			 : [g] "+m"(mx), [z] "=r"(z), [p] "=r"(p), [c] "=r"(c)	\
			 : [dst] "x"(d.vf), [src] "x"(s->vf),			\
			   [h] "m"(fpu_host_mxcsr)				\
			 : "cc");						\
	fp_done(cpu, mx);							\
	flags_set_arith(cpu, (z ? FL_ZF : 0) | (p ? FL_PF : 0) | (c ? FL_CF : 0)); \
}
COMI(comiss, "comiss", 4)
COMI(ucomiss, "ucomiss", 4)
COMI(comisd, "comisd", 8)
COMI(ucomisd, "ucomisd", 8)

/* ---- conversions with general registers ---- */
static uint64_t int_src(struct tcg_cpu *cpu, const struct insn *in, unsigned size)
{
	if (in->flags & INSN_MEM)
		return sse_loadn(cpu, in, size);
	return reg_read(cpu, in->rm, 0, size);
}

/* "insn" with the guest's MXCSR around it, host's restored after */
#define MX_ASM(insn, outs, ins)							\
	__asm__ volatile("ldmxcsr %[g]\n\t" insn "\n\tstmxcsr %[g]\n\tldmxcsr %[h]" \
			 : outs : ins, [h] "m"(fpu_host_mxcsr))

#define CVTSI2(name, insn)							\
SH(name)									\
{										\
	xmm_t r;								\
	uint32_t mx;								\
	bool w = in->rex & 8;							\
	uint64_t v;								\
	sse_enter(cpu);								\
	v = int_src(cpu, in, w ? 8 : 4);					\
	r = *xreg(cpu, in->reg);						\
	mx = mx_guest(cpu);							\
	if (w)									\
		MX_ASM(insn "q %[s], %[d]", [d] "+x"(r.vf) COMMA [g] "+m"(mx),	\
		       [s] "r"(v));						\
	else									\
		MX_ASM(insn "l %[s], %[d]", [d] "+x"(r.vf) COMMA [g] "+m"(mx),	\
		       [s] "r"((uint32_t)v));					\
	fp_done(cpu, mx);							\
	*xreg(cpu, in->reg) = r;						\
}
CVTSI2(cvtsi2ss, "cvtsi2ss")
CVTSI2(cvtsi2sd, "cvtsi2sd")

#define CVT2SI(name, insn, msize)						\
SH(name)									\
{										\
	xmm_t t;								\
	const xmm_t *s;								\
	uint32_t mx, v32;							\
	uint64_t v;								\
	sse_enter(cpu);								\
	s = fp_src(cpu, in, &t, msize);						\
	mx = mx_guest(cpu);							\
	if (in->rex & 8) {							\
		MX_ASM(insn " %[s], %q[d]", [d] "=r"(v) COMMA [g] "+m"(mx),	\
		       [s] "x"(s->vf));						\
	} else {								\
		MX_ASM(insn " %[s], %k[d]", [d] "=r"(v32) COMMA [g] "+m"(mx),	\
		       [s] "x"(s->vf));						\
		v = v32;							\
	}									\
	fp_done(cpu, mx);							\
	reg_write(cpu, in->reg, 0, (in->rex & 8) ? 8 : 4, v);			\
}
CVT2SI(cvtss2si, "cvtss2si", 4)
CVT2SI(cvttss2si, "cvttss2si", 4)
CVT2SI(cvtsd2si, "cvtsd2si", 8)
CVT2SI(cvttsd2si, "cvttsd2si", 8)

/* ---- conversions with MMX registers ---- */
static uint64_t mm_or_mem(struct tcg_cpu *cpu, const struct insn *in)
{
	/* a register source switches to MMX state, a memory one does not */
	if (in->flags & INSN_MEM)
		return sse_loadn(cpu, in, 8);
	mmx_enter(cpu);
	return mm_get(cpu, in->rm);
}

SH(cvtpi2ps)
{
	xmm_t s, r;
	uint32_t mx;

	sse_enter(cpu);
	s.q[0] = mm_or_mem(cpu, in);
	s.q[1] = 0;
	r.q[1] = 0;
	r.q[0] = 0;
	mx = mx_guest(cpu);
	FP2("cvtdq2ps", r.vf, s.vf, mx);
	fp_done(cpu, mx);
	xreg(cpu, in->reg)->q[0] = r.q[0];
}

SH(cvtpi2pd)
{
	xmm_t s, r;
	uint32_t mx;

	sse_enter(cpu);
	s.q[0] = mm_or_mem(cpu, in);
	s.q[1] = 0;
	r.q[0] = r.q[1] = 0;
	mx = mx_guest(cpu);
	FP2("cvtdq2pd", r.vf, s.vf, mx);
	fp_done(cpu, mx);
	*xreg(cpu, in->reg) = r;
}

#define CVT2PI(name, insn, msize, low_only)					\
SH(name)									\
{										\
	xmm_t t, s, r;								\
	uint32_t mx;								\
	sse_enter(cpu);								\
	s = *fp_src(cpu, in, &t, msize);					\
	if (low_only)								\
		s.q[1] = 0;							\
	mmx_enter(cpu);								\
	r.q[0] = r.q[1] = 0;							\
	mx = mx_guest(cpu);							\
	FP2(insn, r.vf, s.vf, mx);						\
	fp_done(cpu, mx);							\
	mm_set(cpu, in->reg, r.q[0]);						\
}
CVT2PI(cvtps2pi, "cvtps2dq", 8, true)
CVT2PI(cvttps2pi, "cvttps2dq", 8, true)
CVT2PI(cvtpd2pi, "cvtpd2dq", 16, false)
CVT2PI(cvttpd2pi, "cvttpd2dq", 16, false)

/* ---- tables ---- */
#define P4(n)	{ n##ps, n##pd, n##ss, n##sd }

static const insn_fn map1[256][4] = {
	[0x2a] = { cvtpi2ps, cvtpi2pd, cvtsi2ss, cvtsi2sd },
	[0x2c] = { cvttps2pi, cvttpd2pi, cvttss2si, cvttsd2si },
	[0x2d] = { cvtps2pi, cvtpd2pi, cvtss2si, cvtsd2si },
	[0x2e] = { ucomiss, ucomisd },
	[0x2f] = { comiss, comisd },
	[0x51] = P4(sqrt),
	[0x52] = { rsqrtps, NULL, rsqrtss },
	[0x53] = { rcpps, NULL, rcpss },
	[0x58] = P4(add), [0x59] = P4(mul),
	[0x5a] = { cvtps2pd, cvtpd2ps, cvtss2sd, cvtsd2ss },
	[0x5b] = { cvtdq2ps, cvtps2dq, cvttps2dq },
	[0x5c] = P4(sub), [0x5d] = P4(min), [0x5e] = P4(div), [0x5f] = P4(max),
	[0x7c] = { NULL, haddpd, NULL, haddps },
	[0x7d] = { NULL, hsubpd, NULL, hsubps },
	[0xc2] = P4(cmp),
	[0xd0] = { NULL, addsubpd, NULL, addsubps },
	[0xe6] = { NULL, cvttpd2dq, cvtdq2pd, cvtpd2dq },
};

insn_fn sse_fp_lookup(const struct insn *in, unsigned pfx)
{
	unsigned feat = fpu_features();

	if (in->map == 1) {
		if ((in->opc == 0x7c || in->opc == 0x7d || in->opc == 0xd0) &&
		    !(feat & FPU_HAS_SSE3))
			return NULL;
		return map1[in->opc][pfx];
	}
	if (in->map == 3 && pfx == PFX_66 && (feat & FPU_HAS_SSE41)) {
		switch (in->opc) {
		case 0x08: return roundps;
		case 0x09: return roundpd;
		case 0x0a: return roundss;
		case 0x0b: return roundsd;
		case 0x40: return dpps_x;
		case 0x41: return dppd_x;
		}
	}
	return NULL;
}
