/*
 * MMX/SSE dispatch: which handler a 0F, 0F38 or 0F3A opcode gets, from its
 * mandatory prefix; the MMX state transition and the SIMD faults.
 * The handlers are in exec_sse_int.c (integer), exec_sse_mov.c (moves),
 * exec_sse_fp.c (floating point, conversions) and exec_sse_str.c (SSE4.2
 * string compares).
 */
#include "vmm/accel/tcg/exec_sse.h"

NORETURN void sse_fault(struct tcg_cpu *cpu)
{
	if ((cpu->cr0 & CR0_EM) || !(cpu->cr4 & CR4_OSFXSR))
		cpu_ud(cpu);
	cpu_raise(cpu, EXC_NM, 0, false);
}

void mmx_fault(struct tcg_cpu *cpu)
{
	if (cpu->cr0 & CR0_EM)
		cpu_ud(cpu);
	if (cpu->cr0 & CR0_TS)
		cpu_raise(cpu, EXC_NM, 0, false);
	/* a pending x87 exception is reported by the MMX instruction */
	if (cpu->cr0 & CR0_NE)
		cpu_raise(cpu, EXC_MF, 0, false);
	/* FERR# is not modelled: the exception stays pending and we go on */
	mmx_transition(cpu);
}

/* TOP = 0 (the image keeps stack order, so rotate slots), all tags valid */
void mmx_transition(struct tcg_cpu *cpu)
{
	struct fxsave_img *fx = &cpu->fpu.fx;
	unsigned top = (fx->fsw >> 11) & 7;

	if (top) {
		struct fpu_slot st[8];

		/* slot j holds ST(j) = R[(top + j) & 7]; afterwards slot j = R[j] */
		for (unsigned j = 0; j < 8; j++)
			st[(top + j) & 7] = fx->st[j];
		memcpy(fx->st, st, sizeof(st));
		fx->fsw &= (uint16_t)~FSW_TOP;
	}
	fx->ftw = 0xff;
}

NORETURN void sse_raise_xm(struct tcg_cpu *cpu)
{
	if (cpu->cr4 & CR4_OSXMMEXCPT)
		cpu_raise(cpu, EXC_XM, 0, false);
	cpu_ud(cpu);
}

/* encodings valid only with a register (r) or only with memory (m) operand */
static bool form_ok(const struct insn *in)
{
	bool mem = in->flags & INSN_MEM;

	if (in->map == 1) {
		switch (in->opc) {
		case 0x13: case 0x17: case 0x2b: case 0xc3: case 0xe7: case 0xf0:
			return mem;
		case 0x50: case 0xc5: case 0xd7: case 0xf7: case 0x71: case 0x72: case 0x73:
			return !mem;
		case 0x12: case 0x16:		/* movlpd/movhpd: memory only */
			return mem || in->rep || !(in->flags & INSN_66);
		case 0xd6:			/* movq2dq/movdq2q: registers only */
			return !in->rep || !mem;
		}
	}
	if (in->map == 2 && in->opc == 0x2a)
		return mem;
	return true;
}

insn_fn sse_select(struct insn *in)
{
	unsigned pfx = in->rep == 0xf3 ? PFX_F3 : in->rep == 0xf2 ? PFX_F2 :
		       (in->flags & INSN_66) ? PFX_66 : PFX_NONE;
	insn_fn fn = sse_int_lookup(in, pfx);

	if (!fn)
		fn = sse_mov_lookup(in, pfx);
	if (!fn)
		fn = sse_fp_lookup(in, pfx);
	if (!fn)
		fn = sse_str_lookup(in, pfx);
	if (fn && !form_ok(in))
		return NULL;
	return fn;
}
