/*
 * MMX/SSE data moves: loads and stores of every width and alignment rule,
 * GPR <-> MMX/XMM moves, mask extraction, shuffles with an immediate,
 * element insert/extract, non-temporal stores, emms, and crc32 (SSE4.2).
 */
#include <emmintrin.h>

#include "vmm/accel/tcg/exec_sse.h"

#define IMM8	((uint8_t)in->imm)
#define SH(name)							\
	static __attribute__((unused)) void name(struct tcg_cpu *cpu,	\
						 const struct insn *in)

/* ---- moves ---- */
SH(movd_to_mm)
{
	mmx_enter(cpu);
	mm_set(cpu, in->reg, rm_read(cpu, in, (in->rex & 8) ? 8 : 4));
}

SH(movd_to_x)
{
	uint64_t v;

	sse_enter(cpu);
	v = rm_read(cpu, in, (in->rex & 8) ? 8 : 4);
	xreg(cpu, in->reg)->q[0] = v;
	xreg(cpu, in->reg)->q[1] = 0;
}

SH(movd_from_mm)
{
	mmx_enter(cpu);
	rm_write(cpu, in, (in->rex & 8) ? 8 : 4, mm_get(cpu, in->reg));
}

SH(movd_from_x)
{
	sse_enter(cpu);
	rm_write(cpu, in, (in->rex & 8) ? 8 : 4, xreg(cpu, in->reg)->q[0]);
}

SH(movq_mm_load)
{
	mmx_enter(cpu);
	mm_set(cpu, in->reg, mm_src(cpu, in));
}

SH(movq_mm_store)
{
	mmx_enter(cpu);
	if (in->flags & INSN_MEM)
		sse_storen(cpu, in, 8, mm_get(cpu, in->reg));
	else
		mm_set(cpu, in->rm, mm_get(cpu, in->reg));
}

#define MOV_LOAD(name, align)							\
SH(name)									\
{										\
	sse_enter(cpu);								\
	if (in->flags & INSN_MEM)						\
		sse_load16(cpu, in, xreg(cpu, in->reg), align);			\
	else									\
		*xreg(cpu, in->reg) = *xreg(cpu, in->rm);			\
}
#define MOV_STORE(name, align)							\
SH(name)									\
{										\
	sse_enter(cpu);								\
	if (in->flags & INSN_MEM)						\
		sse_store16(cpu, in, xreg(cpu, in->reg), align);		\
	else									\
		*xreg(cpu, in->rm) = *xreg(cpu, in->reg);			\
}
MOV_LOAD(movdqa_load, true)
MOV_LOAD(movdqu_load, false)
MOV_STORE(movdqa_store, true)
MOV_STORE(movdqu_store, false)

/* F3 0F 7E: movq xmm, xmm/m64 (upper half cleared) */
SH(movq_x_load)
{
	xmm_t t;
	uint64_t v;

	sse_enter(cpu);
	v = xsrc_low(cpu, in, &t, 8)->q[0];
	xreg(cpu, in->reg)->q[0] = v;
	xreg(cpu, in->reg)->q[1] = 0;
}

/* 66 0F D6: movq xmm/m64, xmm */
SH(movq_x_store)
{
	uint64_t v;

	sse_enter(cpu);
	v = xreg(cpu, in->reg)->q[0];
	if (in->flags & INSN_MEM) {
		sse_storen(cpu, in, 8, v);
	} else {
		xreg(cpu, in->rm)->q[0] = v;
		xreg(cpu, in->rm)->q[1] = 0;
	}
}

SH(movq2dq)
{
	uint64_t v;

	sse_enter(cpu);
	mmx_enter(cpu);
	v = mm_get(cpu, in->rm);
	xreg(cpu, in->reg)->q[0] = v;
	xreg(cpu, in->reg)->q[1] = 0;
}

SH(movdq2q)
{
	sse_enter(cpu);
	mmx_enter(cpu);
	mm_set(cpu, in->reg, xreg(cpu, in->rm)->q[0]);
}

SH(movntq)
{
	mmx_enter(cpu);
	sse_storen(cpu, in, 8, mm_get(cpu, in->reg));
}

SH(movnti)
{
	sse_storen(cpu, in, in->osz == 8 ? 8 : 4, greg_read(cpu, in, in->osz == 8 ? 8 : 4));
}

/* 0F 10 / 11 with F3, F2: scalar moves (a load clears the rest) */
SH(movss_load)
{
	sse_enter(cpu);
	if (in->flags & INSN_MEM) {
		xmm_t *d = xreg(cpu, in->reg);
		d->q[0] = sse_loadn(cpu, in, 4);
		d->q[1] = 0;
	} else {
		xreg(cpu, in->reg)->d[0] = xreg(cpu, in->rm)->d[0];
	}
}

SH(movss_store)
{
	sse_enter(cpu);
	if (in->flags & INSN_MEM)
		sse_storen(cpu, in, 4, xreg(cpu, in->reg)->d[0]);
	else
		xreg(cpu, in->rm)->d[0] = xreg(cpu, in->reg)->d[0];
}

SH(movsd_load)
{
	sse_enter(cpu);
	if (in->flags & INSN_MEM) {
		xmm_t *d = xreg(cpu, in->reg);
		d->q[0] = sse_loadn(cpu, in, 8);
		d->q[1] = 0;
	} else {
		xreg(cpu, in->reg)->q[0] = xreg(cpu, in->rm)->q[0];
	}
}

SH(movsd_store)
{
	sse_enter(cpu);
	if (in->flags & INSN_MEM)
		sse_storen(cpu, in, 8, xreg(cpu, in->reg)->q[0]);
	else
		xreg(cpu, in->rm)->q[0] = xreg(cpu, in->reg)->q[0];
}

/* 0F 12/13/16/17: low/high halves */
SH(movlps_load)			/* reg form: movhlps */
{
	sse_enter(cpu);
	if (in->flags & INSN_MEM)
		xreg(cpu, in->reg)->q[0] = sse_loadn(cpu, in, 8);
	else
		xreg(cpu, in->reg)->q[0] = xreg(cpu, in->rm)->q[1];
}

SH(movlpd_load)
{
	sse_enter(cpu);
	xreg(cpu, in->reg)->q[0] = sse_loadn(cpu, in, 8);
}

SH(movhps_load)			/* reg form: movlhps */
{
	sse_enter(cpu);
	if (in->flags & INSN_MEM)
		xreg(cpu, in->reg)->q[1] = sse_loadn(cpu, in, 8);
	else
		xreg(cpu, in->reg)->q[1] = xreg(cpu, in->rm)->q[0];
}

SH(movhpd_load)
{
	sse_enter(cpu);
	xreg(cpu, in->reg)->q[1] = sse_loadn(cpu, in, 8);
}

SH(movlps_store)
{
	sse_enter(cpu);
	sse_storen(cpu, in, 8, xreg(cpu, in->reg)->q[0]);
}

SH(movhps_store)
{
	sse_enter(cpu);
	sse_storen(cpu, in, 8, xreg(cpu, in->reg)->q[1]);
}

/* SSE3 duplicating loads */
SH(movddup)
{
	xmm_t t;
	uint64_t v;

	sse_enter(cpu);
	v = xsrc_low(cpu, in, &t, 8)->q[0];
	xreg(cpu, in->reg)->q[0] = v;
	xreg(cpu, in->reg)->q[1] = v;
}

SH(movsldup)
{
	xmm_t t, r;
	const xmm_t *s;

	sse_enter(cpu);
	s = xsrc(cpu, in, &t, true);
	r.d[0] = r.d[1] = s->d[0];
	r.d[2] = r.d[3] = s->d[2];
	*xreg(cpu, in->reg) = r;
}

SH(movshdup)
{
	xmm_t t, r;
	const xmm_t *s;

	sse_enter(cpu);
	s = xsrc(cpu, in, &t, true);
	r.d[0] = r.d[1] = s->d[1];
	r.d[2] = r.d[3] = s->d[3];
	*xreg(cpu, in->reg) = r;
}

SH(movmskps)
{
	const xmm_t *s;
	unsigned m = 0;

	sse_enter(cpu);
	s = xreg(cpu, in->rm);
	for (unsigned i = 0; i < 4; i++)
		m |= (s->d[i] >> 31) << i;
	reg_write(cpu, in->reg, 0, 4, m);
}

SH(movmskpd)
{
	const xmm_t *s;

	sse_enter(cpu);
	s = xreg(cpu, in->rm);
	reg_write(cpu, in->reg, 0, 4, (s->q[0] >> 63) | (s->q[1] >> 63) << 1);
}

SH(pmovmskb_mm)
{
	uint64_t v;
	unsigned m = 0;

	mmx_enter(cpu);
	v = mm_get(cpu, in->rm);
	for (unsigned i = 0; i < 8; i++)
		m |= (unsigned)((v >> (8 * i + 7)) & 1) << i;
	reg_write(cpu, in->reg, 0, 4, m);
}

SH(pmovmskb_x)
{
	const xmm_t *s;
	unsigned m = 0;

	sse_enter(cpu);
	s = xreg(cpu, in->rm);
	/* strlen/memchr use this on every 16 bytes: the host's own (SSE2 baseline) */
	m = (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)s));
	reg_write(cpu, in->reg, 0, 4, m);
}

/* shuffles with an immediate */
SH(pshufw_mm)
{
	uint64_t s, r = 0;

	mmx_enter(cpu);
	s = mm_src(cpu, in);
	for (unsigned i = 0; i < 4; i++)
		r |= ((s >> (16 * ((IMM8 >> (2 * i)) & 3))) & 0xffff) << (16 * i);
	mm_set(cpu, in->reg, r);
}

SH(pshufd_x)
{
	xmm_t t, r;
	const xmm_t *s;

	sse_enter(cpu);
	s = xsrc(cpu, in, &t, true);
	for (unsigned i = 0; i < 4; i++)
		r.d[i] = s->d[(IMM8 >> (2 * i)) & 3];
	*xreg(cpu, in->reg) = r;
}

SH(pshufhw_x)
{
	xmm_t t, r;
	const xmm_t *s;

	sse_enter(cpu);
	s = xsrc(cpu, in, &t, true);
	r.q[0] = s->q[0];
	for (unsigned i = 0; i < 4; i++)
		r.w[4 + i] = s->w[4 + ((IMM8 >> (2 * i)) & 3)];
	*xreg(cpu, in->reg) = r;
}

SH(pshuflw_x)
{
	xmm_t t, r;
	const xmm_t *s;

	sse_enter(cpu);
	s = xsrc(cpu, in, &t, true);
	r.q[1] = s->q[1];
	for (unsigned i = 0; i < 4; i++)
		r.w[i] = s->w[(IMM8 >> (2 * i)) & 3];
	*xreg(cpu, in->reg) = r;
}

/* word insert/extract */
static uint64_t ins_src(struct tcg_cpu *cpu, const struct insn *in, unsigned size)
{
	if (in->flags & INSN_MEM)
		return sse_loadn(cpu, in, size);
	return reg_read(cpu, in->rm, 0, 4);
}

SH(pinsrw_mm)
{
	uint64_t v, m;
	unsigned s = (IMM8 & 3) * 16;

	mmx_enter(cpu);
	v = ins_src(cpu, in, 2) & 0xffff;
	m = mm_get(cpu, in->reg);
	mm_set(cpu, in->reg, (m & ~(0xffffull << s)) | v << s);
}

SH(pinsrw_x)
{
	uint16_t v;

	sse_enter(cpu);
	v = (uint16_t)ins_src(cpu, in, 2);
	xreg(cpu, in->reg)->w[IMM8 & 7] = v;
}

SH(pinsrb_x)
{
	uint8_t v;

	sse_enter(cpu);
	v = (uint8_t)ins_src(cpu, in, 1);
	xreg(cpu, in->reg)->b[IMM8 & 15] = v;
}

SH(pinsrd_x)
{
	uint64_t v;

	sse_enter(cpu);
	if (in->rex & 8) {
		v = (in->flags & INSN_MEM) ? sse_loadn(cpu, in, 8) : cpu->gpr[in->rm];
		xreg(cpu, in->reg)->q[IMM8 & 1] = v;
	} else {
		v = ins_src(cpu, in, 4);
		xreg(cpu, in->reg)->d[IMM8 & 3] = (uint32_t)v;
	}
}

SH(pextrw_mm)
{
	mmx_enter(cpu);
	reg_write(cpu, in->reg, 0, 4, (mm_get(cpu, in->rm) >> ((IMM8 & 3) * 16)) & 0xffff);
}

SH(pextrw_x)
{
	sse_enter(cpu);
	reg_write(cpu, in->reg, 0, 4, xreg(cpu, in->rm)->w[IMM8 & 7]);
}

/* 0F3A 14-17: extract to r/m (the register is ModRM.reg's source, rm the target) */
static void extr_store(struct tcg_cpu *cpu, const struct insn *in, unsigned size, uint64_t v)
{
	if (in->flags & INSN_MEM)
		sse_storen(cpu, in, size, v);
	else
		reg_write(cpu, in->rm, 0, size == 8 ? 8 : 4, v);
}

SH(pextrb_x)
{
	sse_enter(cpu);
	extr_store(cpu, in, 1, xreg(cpu, in->reg)->b[IMM8 & 15]);
}

SH(pextrw2_x)
{
	sse_enter(cpu);
	extr_store(cpu, in, 2, xreg(cpu, in->reg)->w[IMM8 & 7]);
}

SH(pextrd_x)
{
	sse_enter(cpu);
	if (in->rex & 8)
		extr_store(cpu, in, 8, xreg(cpu, in->reg)->q[IMM8 & 1]);
	else
		extr_store(cpu, in, 4, xreg(cpu, in->reg)->d[IMM8 & 3]);
}

SH(insertps_x)
{
	xmm_t *d;
	uint32_t v;
	unsigned imm = IMM8;

	sse_enter(cpu);
	if (in->flags & INSN_MEM)
		v = (uint32_t)sse_loadn(cpu, in, 4);
	else
		v = xreg(cpu, in->rm)->d[imm >> 6];
	d = xreg(cpu, in->reg);
	d->d[(imm >> 4) & 3] = v;
	for (unsigned i = 0; i < 4; i++)
		if (imm & (1u << i))
			d->d[i] = 0;
}

SH(maskmov_mm)
{
	uint64_t v, m, a;

	mmx_enter(cpu);
	v = mm_get(cpu, in->reg);
	m = mm_get(cpu, in->rm);
	a = cpu->gpr[CPU_RDI] & amask(in->asz);
	for (unsigned i = 0; i < 8; i++)
		if ((m >> (8 * i + 7)) & 1)
			mem_write(cpu, in->seg, (a + i) & amask(in->asz), 1, (v >> (8 * i)) & 0xff);
}

SH(maskmov_x)
{
	const xmm_t *v, *m;
	uint64_t a;

	sse_enter(cpu);
	v = xreg(cpu, in->reg);
	m = xreg(cpu, in->rm);
	a = cpu->gpr[CPU_RDI] & amask(in->asz);
	for (unsigned i = 0; i < 16; i++)
		if (m->b[i] & 0x80)
			mem_write(cpu, in->seg, (a + i) & amask(in->asz), 1, v->b[i]);
}

SH(emms)
{
	mmx_enter(cpu);			/* TOP = 0 as for every MMX instruction */
	cpu->fpu.fx.ftw = 0;
}

SH(movntdqa_x)
{
	sse_enter(cpu);
	sse_load16(cpu, in, xreg(cpu, in->reg), true);
}

SH(lddqu_x)
{
	sse_enter(cpu);
	sse_load16(cpu, in, xreg(cpu, in->reg), false);
}

SH(movnt_store)			/* movntps, movntpd, movntdq */
{
	sse_enter(cpu);
	sse_store16(cpu, in, xreg(cpu, in->reg), true);
}

/* SSE4.2 crc32 (Castagnoli, bit-reflected) */
static uint32_t crc32c_byte(uint32_t c, uint8_t b)
{
	c ^= b;
	for (int k = 0; k < 8; k++)
		c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
	return c;
}

SH(crc32_op)
{
	unsigned size = in->opc == 0xf0 ? 1 : in->osz;
	uint64_t v = (in->flags & INSN_MEM) ? sse_loadn(cpu, in, size) :
		     size == 1 ? reg_read(cpu, in->rm, in->rm8, 1) : reg_read(cpu, in->rm, 0, size);
	uint32_t c = (uint32_t)cpu->gpr[in->reg];

	for (unsigned i = 0; i < size; i++)
		c = crc32c_byte(c, (uint8_t)(v >> (8 * i)));
	reg_write(cpu, in->reg, 0, 4, c);
}

/* ---- tables: [opcode][prefix] ---- */
static const insn_fn map1[256][4] = {
	[0xf7] = { maskmov_mm, maskmov_x },
	[0x10] = { movdqu_load, movdqu_load, movss_load, movsd_load },
	[0x11] = { movdqu_store, movdqu_store, movss_store, movsd_store },
	[0x12] = { movlps_load, movlpd_load, movsldup, movddup },
	[0x13] = { movlps_store, movlps_store },
	[0x16] = { movhps_load, movhpd_load, movshdup },
	[0x17] = { movhps_store, movhps_store },
	[0x28] = { movdqa_load, movdqa_load },
	[0x29] = { movdqa_store, movdqa_store },
	[0x2b] = { movnt_store, movnt_store },
	[0x50] = { movmskps, movmskpd },
	[0x6e] = { movd_to_mm, movd_to_x },
	[0x6f] = { movq_mm_load, movdqa_load, movdqu_load },
	[0x70] = { pshufw_mm, pshufd_x, pshufhw_x, pshuflw_x },
	[0x77] = { emms },
	[0x7e] = { movd_from_mm, movd_from_x, movq_x_load },
	[0x7f] = { movq_mm_store, movdqa_store, movdqu_store },
	[0xc3] = { movnti },
	[0xc4] = { pinsrw_mm, pinsrw_x },
	[0xc5] = { pextrw_mm, pextrw_x },
	[0xd6] = { NULL, movq_x_store, movq2dq, movdq2q },
	[0xd7] = { pmovmskb_mm, pmovmskb_x },
	[0xe7] = { movntq, movnt_store },
	[0xf0] = { NULL, NULL, NULL, lddqu_x },
};

insn_fn sse_mov_lookup(const struct insn *in, unsigned pfx)
{
	switch (in->map) {
	case 1:
		return map1[in->opc][pfx];
	case 2:
		if (pfx == PFX_F2 && (in->opc == 0xf0 || in->opc == 0xf1))
			return (fpu_features() & FPU_HAS_SSE42) ? crc32_op : NULL;
		if (pfx == PFX_66 && in->opc == 0x2a)
			return movntdqa_x;
		return NULL;
	case 3:
		if (pfx != PFX_66)
			return NULL;
		switch (in->opc) {
		case 0x14: return pextrb_x;
		case 0x15: return pextrw2_x;
		case 0x16: return pextrd_x;
		case 0x17: return pextrd_x;	/* extractps: the same bits as pextrd */
		case 0x20: return pinsrb_x;
		case 0x21: return insertps_x;
		case 0x22: return pinsrd_x;
		}
		return NULL;
	}
	return NULL;
}
