/*
 * Helpers shared by the MMX/SSE handlers (exec_sse*.c): state transitions,
 * operand fetch and store. Internal to the software CPU.
 *
 * Prefix index of the opcode tables: 0 none, 1 66, 2 F3, 3 F2 (an F2/F3
 * mandatory prefix wins over 66).
 */
#ifndef VMM_ACCEL_TCG_EXEC_SSE_H
#define VMM_ACCEL_TCG_EXEC_SSE_H

#include "vmm/accel/tcg/exec.h"

enum { PFX_NONE, PFX_66, PFX_F3, PFX_F2 };

/* lookups of the two halves: NULL when the encoding is not theirs */
insn_fn sse_int_lookup(const struct insn *in, unsigned pfx);
insn_fn sse_mov_lookup(const struct insn *in, unsigned pfx);
insn_fn sse_fp_lookup(const struct insn *in, unsigned pfx);
insn_fn sse_str_lookup(const struct insn *in, unsigned pfx);

NORETURN void sse_fault(struct tcg_cpu *cpu);
/* #UD, #NM, #MF; returns only when a pending x87 exception is ignored (no CR0.NE) */
void mmx_fault(struct tcg_cpu *cpu);
void mmx_transition(struct tcg_cpu *cpu);
/* unmasked SIMD floating-point exception: #XM, or #UD without OSXMMEXCPT */
NORETURN void sse_raise_xm(struct tcg_cpu *cpu);

static inline xmm_t *xreg(struct tcg_cpu *cpu, unsigned r)
{
	return &cpu->fpu.fx.xmm[r & 15];
}

static inline void sse_enter(struct tcg_cpu *cpu)
{
	if (unlikely((cpu->cr0 & (CR0_EM | CR0_TS)) || !(cpu->cr4 & CR4_OSFXSR)))
		sse_fault(cpu);
}

/* Every MMX instruction: #UD/#NM/#MF checks, TOP = 0, all tags valid. */
static inline void mmx_enter(struct tcg_cpu *cpu)
{
	struct fpu_state *f = &cpu->fpu;

	if (unlikely(cpu->cr0 & (CR0_EM | CR0_TS)) ||
	    unlikely(f->fx.fsw & ~f->fx.fcw & FSW_EXC))
		mmx_fault(cpu);
	if (unlikely((f->fx.fsw & FSW_TOP) || f->fx.ftw != 0xff))
		mmx_transition(cpu);
}

static inline uint64_t mm_get(struct tcg_cpu *cpu, unsigned r)
{
	return cpu->fpu.fx.st[r & 7].mant;
}

static inline void mm_set(struct tcg_cpu *cpu, unsigned r, uint64_t v)
{
	cpu->fpu.fx.st[r & 7].mant = v;
	cpu->fpu.fx.st[r & 7].exp = 0xffff;
}

static inline uint64_t sse_ea_lin(struct tcg_cpu *cpu, const struct insn *in, unsigned size,
				  bool write)
{
	return seg_lin(cpu, in->seg, insn_ea(cpu, in), size, write);
}

/* 16 bytes from memory; align: #GP(0) unless 16-byte aligned */
static inline void sse_load16(struct tcg_cpu *cpu, const struct insn *in, xmm_t *dst, bool align)
{
	uint64_t lin = sse_ea_lin(cpu, in, 16, false);
	struct tlb_entry *e = &cpu->tlbc[(lin >> 12) & (TLB_SIZE - 1)];

	if (align && (lin & 15))
		cpu_gp(cpu, 0);
	if (likely(e->tag_r == (lin & PAGE_MASK) && (lin & 0xfff) <= 0x1000 - 16)) {
		memcpy(dst, (const void *)(uintptr_t)(lin + e->addend), 16);
		return;
	}
	dst->q[0] = lin_read(cpu, lin, 8);
	dst->q[1] = lin_read(cpu, (lin + 8) & cpu->lin_mask, 8);
}

static inline void sse_store16(struct tcg_cpu *cpu, const struct insn *in, const xmm_t *src,
			       bool align)
{
	uint64_t lin = sse_ea_lin(cpu, in, 16, true);
	struct tlb_entry *e = &cpu->tlbc[(lin >> 12) & (TLB_SIZE - 1)];

	if (align && (lin & 15))
		cpu_gp(cpu, 0);
	if (likely(e->tag_w == (lin & PAGE_MASK) && (lin & 0xfff) <= 0x1000 - 16)) {
		memcpy((void *)(uintptr_t)(lin + e->addend), src, 16);
		return;
	}
	lin_probe_write(cpu, lin, 16);
	lin_write(cpu, lin, 8, src->q[0]);
	lin_write(cpu, (lin + 8) & cpu->lin_mask, 8, src->q[1]);
}

/* smaller memory operands (1, 2, 4, 8 bytes), no alignment rule */
static inline uint64_t sse_loadn(struct tcg_cpu *cpu, const struct insn *in, unsigned size)
{
	return mem_read(cpu, in->seg, insn_ea(cpu, in), size);
}

static inline void sse_storen(struct tcg_cpu *cpu, const struct insn *in, unsigned size, uint64_t v)
{
	mem_write(cpu, in->seg, insn_ea(cpu, in), size, v);
}

/* xmm/m128 source operand */
static inline const xmm_t *xsrc(struct tcg_cpu *cpu, const struct insn *in, xmm_t *tmp, bool align)
{
	if (!(in->flags & INSN_MEM))
		return xreg(cpu, in->rm);
	sse_load16(cpu, in, tmp, align);
	return tmp;
}

/* xmm/m64 (or m32) source into the low lanes of a temporary, rest zero */
static inline const xmm_t *xsrc_low(struct tcg_cpu *cpu, const struct insn *in, xmm_t *tmp,
				    unsigned size)
{
	if (!(in->flags & INSN_MEM))
		return xreg(cpu, in->rm);
	tmp->q[0] = sse_loadn(cpu, in, size);
	tmp->q[1] = 0;
	return tmp;
}

/* mm/m64 source (after mmx_enter) */
static inline uint64_t mm_src(struct tcg_cpu *cpu, const struct insn *in)
{
	if (!(in->flags & INSN_MEM))
		return mm_get(cpu, in->rm);
	return sse_loadn(cpu, in, 8);
}

#endif
