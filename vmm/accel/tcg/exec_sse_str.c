/*
 * SSE4.2 string compares: pcmpestri, pcmpestrm, pcmpistri, pcmpistrm
 * (SDM vol. 2, 4.1 "imm8 control byte operation for PCMPESTRI /
 * PCMPESTRM / PCMPISTRI / PCMPISTRM"). imm8: [1:0] element format,
 * [3:2] aggregation, [5:4] polarity, [6] index or mask form.
 */
#include "vmm/accel/tcg/exec_sse.h"

#define AGG_EQUAL_ANY		0
#define AGG_RANGES		1
#define AGG_EQUAL_EACH		2
#define AGG_EQUAL_ORDERED	3

struct strcmp_res {
	unsigned res;		/* IntRes2 */
	unsigned n;		/* elements: 16 bytes or 8 words */
	bool src1_short, src2_short;
};

static unsigned elems(const xmm_t *v, int *out, unsigned imm)
{
	unsigned n = (imm & 1) ? 8 : 16;

	for (unsigned i = 0; i < n; i++) {
		switch (imm & 3) {
		case 0: out[i] = v->b[i]; break;
		case 1: out[i] = v->w[i]; break;
		case 2: out[i] = v->sb[i]; break;
		default: out[i] = v->sw[i]; break;
		}
	}
	return n;
}

static unsigned implicit_len(const int *e, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!e[i])
			return i;
	return n;
}

static unsigned explicit_len(uint64_t reg, bool w, unsigned n)
{
	int64_t v = w ? (int64_t)reg : (int64_t)(int32_t)reg;
	uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	return a > n ? n : (unsigned)a;
}

static struct strcmp_res str_compare(const xmm_t *a, const xmm_t *b, unsigned imm,
				     unsigned len1, unsigned len2, unsigned n,
				     const int *s1, const int *s2)
{
	struct strcmp_res r = { 0, n, len1 < n, len2 < n };
	unsigned res1 = 0, all = (1u << n) - 1;

	(void)a;
	(void)b;
	switch ((imm >> 2) & 3) {
	case AGG_EQUAL_ANY:
		for (unsigned j = 0; j < len2; j++)
			for (unsigned i = 0; i < len1; i++)
				if (s1[i] == s2[j]) {
					res1 |= 1u << j;
					break;
				}
		break;
	case AGG_RANGES:
		for (unsigned j = 0; j < len2; j++)
			for (unsigned i = 0; i + 1 < len1; i += 2) {
				if (s2[j] >= s1[i] && s2[j] <= s1[i + 1]) {
					res1 |= 1u << j;
					break;
				}
			}
		break;
	case AGG_EQUAL_EACH:
		for (unsigned i = 0; i < n; i++) {
			bool v1 = i < len1, v2 = i < len2;

			if ((!v1 && !v2) || (v1 && v2 && s1[i] == s2[i]))
				res1 |= 1u << i;
		}
		break;
	default:		/* equal ordered: the substring s1 starts at j of s2 */
		for (unsigned j = 0; j < n; j++) {
			bool m = true;

			for (unsigned i = 0, k = j; i < n - j && m; i++, k++) {
				if (i >= len1)
					break;			/* s1 ended: match so far */
				if (k >= len2 || s1[i] != s2[k])
					m = false;
			}
			if (m)
				res1 |= 1u << j;
		}
		break;
	}
	switch ((imm >> 4) & 3) {
	case 1:
		res1 = ~res1 & all;
		break;
	case 3:
		res1 ^= (1u << len2) - 1;
		break;
	}
	r.res = res1;
	return r;
}

static void str_flags(struct tcg_cpu *cpu, const struct strcmp_res *r)
{
	uint32_t f = 0;

	if (r->res)
		f |= FL_CF;
	if (r->src2_short)
		f |= FL_ZF;
	if (r->src1_short)
		f |= FL_SF;
	if (r->res & 1)
		f |= FL_OF;
	flags_set_arith(cpu, f);
}

static struct strcmp_res str_run(struct tcg_cpu *cpu, const struct insn *in, bool explicit)
{
	xmm_t t;
	const xmm_t *a, *b;
	unsigned imm = (uint8_t)in->imm, n, len1, len2;
	int s1[16], s2[16];
	bool w = in->rex & 8;

	sse_enter(cpu);
	b = xsrc(cpu, in, &t, false);		/* no alignment rule */
	a = xreg(cpu, in->reg);
	n = elems(a, s1, imm);
	elems(b, s2, imm);
	if (explicit) {
		len1 = explicit_len(cpu->gpr[CPU_RAX], w, n);
		len2 = explicit_len(cpu->gpr[CPU_RDX], w, n);
	} else {
		len1 = implicit_len(s1, n);
		len2 = implicit_len(s2, n);
	}
	return str_compare(a, b, imm, len1, len2, n, s1, s2);
}

static void str_index(struct tcg_cpu *cpu, const struct insn *in, bool explicit)
{
	struct strcmp_res r = str_run(cpu, in, explicit);
	unsigned idx = r.n;

	if (r.res)
		idx = (in->imm & 0x40) ? 31u - (unsigned)__builtin_clz(r.res) :
					 (unsigned)__builtin_ctz(r.res);
	reg_write(cpu, CPU_RCX, 0, 4, idx);
	str_flags(cpu, &r);
}

static void str_mask(struct tcg_cpu *cpu, const struct insn *in, bool explicit)
{
	struct strcmp_res r = str_run(cpu, in, explicit);
	xmm_t m = { .q = { 0, 0 } };

	if (in->imm & 0x40) {
		for (unsigned i = 0; i < r.n; i++) {
			if (!(r.res & (1u << i)))
				continue;
			if (r.n == 16)
				m.b[i] = 0xff;
			else
				m.w[i] = 0xffff;
		}
	} else {
		m.q[0] = r.res;
	}
	*xreg(cpu, 0) = m;
	str_flags(cpu, &r);
}

static void pcmpestrm(struct tcg_cpu *cpu, const struct insn *in) { str_mask(cpu, in, true); }
static void pcmpestri(struct tcg_cpu *cpu, const struct insn *in) { str_index(cpu, in, true); }
static void pcmpistrm(struct tcg_cpu *cpu, const struct insn *in) { str_mask(cpu, in, false); }
static void pcmpistri(struct tcg_cpu *cpu, const struct insn *in) { str_index(cpu, in, false); }

insn_fn sse_str_lookup(const struct insn *in, unsigned pfx)
{
	if (in->map != 3 || pfx != PFX_66 || !(fpu_features() & FPU_HAS_SSE42))
		return NULL;
	switch (in->opc) {
	case 0x60: return pcmpestrm;
	case 0x61: return pcmpestri;
	case 0x62: return pcmpistrm;
	case 0x63: return pcmpistri;
	}
	return NULL;
}
