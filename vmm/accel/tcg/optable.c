/*
 * Which handler executes a decoded instruction: chosen once, at decode
 * time, from the opcode, ModRM.reg (groups) and the prefixes. x87 goes to
 * exec_fpu.c, MMX/SSE (0F with mandatory prefixes, 0F38, 0F3A) to sse_select().
 */
#include "vmm/accel/tcg/exec.h"

static const insn_fn alu_eg[8] = { op_add_eg, op_or_eg, op_adc_eg, op_sbb_eg,
				   op_and_eg, op_sub_eg, op_xor_eg, op_cmp_eg };
static const insn_fn alu_ge[8] = { op_add_ge, op_or_ge, op_adc_ge, op_sbb_ge,
				   op_and_ge, op_sub_ge, op_xor_ge, op_cmp_ge };
static const insn_fn alu_ei[8] = { op_add_ei, op_or_ei, op_adc_ei, op_sbb_ei,
				   op_and_ei, op_sub_ei, op_xor_ei, op_cmp_ei };

static insn_fn map0(struct insn *in, bool *lockable)
{
	uint8_t b = in->opc;
	unsigned reg = (in->modrm >> 3) & 7;
	bool mem = in->flags & INSN_MEM;

	if (b < 0x40 && (b & 7) < 6) {
		unsigned op = b >> 3;
		switch (b & 7) {
		case 0: case 1: *lockable = op != 7; return alu_eg[op];
		case 2: case 3: return alu_ge[op];
		default: in->rm = 0; in->rm8 = 0; return alu_ei[op];
		}
	}
	if (b >= 0x40 && b < 0x48)
		return op_inc_e;
	if (b >= 0x48 && b < 0x50)
		return op_dec_e;
	if (b >= 0x50 && b < 0x58)
		return op_push_r;
	if (b >= 0x58 && b < 0x60)
		return op_pop_r;
	if (b >= 0x70 && b < 0x80)
		return op_jcc;
	if (b >= 0x91 && b < 0x98)
		return op_xchg_ax;
	if (b >= 0xb0 && b < 0xc0)
		return op_mov_ri;
	if (b >= 0xd8 && b < 0xe0)
		return fpu_x87;

	switch (b) {
	case 0x06: case 0x0e: case 0x16: case 0x1e: return op_push_seg;
	case 0x07: case 0x17: case 0x1f: return op_pop_seg;
	case 0x27: return op_daa;
	case 0x2f: return op_das;
	case 0x37: return op_aaa;
	case 0x3f: return op_aas;
	case 0x60: return op_pusha;
	case 0x61: return op_popa;
	case 0x62: return mem ? op_bound : NULL;
	case 0x63:
		if (in->bits == 64)
			return op_movsxd;
		in->osz = 2;
		return op_arpl;
	case 0x68: case 0x6a: return op_push_i;
	case 0x69: case 0x6b: return op_imul_gei;
	case 0x6c: case 0x6d: return op_ins;
	case 0x6e: case 0x6f: return op_outs;
	case 0x80: case 0x81: case 0x82: case 0x83:
		*lockable = reg != 7;
		return alu_ei[reg];
	case 0x84: case 0x85: return op_test_eg;
	case 0x86: case 0x87: *lockable = true; return op_xchg_eg;
	case 0x88: case 0x89: return op_mov_eg;
	case 0x8a: case 0x8b: return op_mov_ge;
	case 0x8c:
		if (reg > 5)
			return NULL;
		if (mem)
			in->osz = 2;
		return op_mov_e_seg;
	case 0x8d: return mem ? op_lea : NULL;
	case 0x8e:
		if (reg > 5 || reg == SEG_CS)
			return NULL;
		in->osz = 2;
		return op_mov_seg_e;
	case 0x8f: return op_pop_e;
	case 0x90:
		if (in->rex & 1)
			return op_xchg_ax;
		return in->rep == 0xf3 ? op_pause : op_nop;
	case 0x98: return op_cbw;
	case 0x99: return op_cwd;
	case 0x9a: return op_callf;
	case 0x9b: return fpu_fwait;
	case 0x9c: return op_pushf;
	case 0x9d: return op_popf;
	case 0x9e: return op_sahf;
	case 0x9f: return op_lahf;
	case 0xa0: case 0xa1: in->reg = 0; in->reg8 = 0; return op_mov_ge;
	case 0xa2: case 0xa3: in->reg = 0; in->reg8 = 0; return op_mov_eg;
	case 0xa4: case 0xa5: return op_movs;
	case 0xa6: case 0xa7: return op_cmps;
	case 0xa8: case 0xa9: in->rm = 0; in->rm8 = 0; return op_test_ei;
	case 0xaa: case 0xab: return op_stos;
	case 0xac: case 0xad: return op_lods;
	case 0xae: case 0xaf: return op_scas;
	case 0xc0: case 0xc1: return op_shift_i;
	case 0xc2: return op_ret_imm;
	case 0xc3: return op_ret;
	case 0xc4: case 0xc5: return mem ? op_lxs : NULL;
	case 0xc6: case 0xc7: return reg == 0 ? op_mov_ei : NULL;
	case 0xc8: return op_enter;
	case 0xc9: return op_leave;
	case 0xca: case 0xcb: return op_retf;
	case 0xcc: return op_int3;
	case 0xcd: return op_int;
	case 0xce: return op_into;
	case 0xcf: return op_iret;
	case 0xd0: case 0xd1: return op_shift_1;
	case 0xd2: case 0xd3: return op_shift_cl;
	case 0xd4: return op_aam;
	case 0xd5: return op_aad;
	case 0xd6: return op_salc;
	case 0xd7: return op_xlat;
	case 0xe0: case 0xe1: case 0xe2: return op_loop;
	case 0xe3: return op_jcxz;
	case 0xe4: case 0xe5: return op_in_i;
	case 0xe6: case 0xe7: return op_out_i;
	case 0xe8: return op_call;
	case 0xe9: case 0xeb: return op_jmp;
	case 0xea: return op_jmpf;
	case 0xec: case 0xed: return op_in_dx;
	case 0xee: case 0xef: return op_out_dx;
	case 0xf1: return op_int1;
	case 0xf4: return op_hlt;
	case 0xf5: return op_cmc;
	case 0xf6: case 0xf7: {
		static const insn_fn g3[8] = { op_test_ei, op_test_ei, op_not_e, op_neg_e,
					       op_mul_e, op_imul1_e, op_div_e, op_idiv_e };
		*lockable = reg == 2 || reg == 3;
		return g3[reg];
	}
	case 0xf8: return op_clc;
	case 0xf9: return op_stc;
	case 0xfa: return op_cli;
	case 0xfb: return op_sti;
	case 0xfc: return op_cld;
	case 0xfd: return op_std;
	case 0xfe:
		*lockable = reg < 2;
		return reg == 0 ? op_inc_e : reg == 1 ? op_dec_e : NULL;
	case 0xff:
		*lockable = reg < 2;
		/* near indirect branches are 64-bit in 64-bit mode; push defaults to it */
		if (in->bits == 64 && (reg == 2 || reg == 4))
			in->osz = 8;
		if (in->bits == 64 && reg == 6 && !(in->rex & 8))
			in->osz = (in->flags & INSN_66) ? 2 : 8;
		switch (reg) {
		case 0: return op_inc_e;
		case 1: return op_dec_e;
		case 2: in->flags |= INSN_END; return op_call_e;
		case 3: in->flags |= INSN_END; return mem ? op_callf_e : NULL;
		case 4: in->flags |= INSN_END; return op_jmp_e;
		case 5: in->flags |= INSN_END; return mem ? op_jmpf_e : NULL;
		case 6: return op_push_e;
		default: return NULL;
		}
	}
	return NULL;
}

static insn_fn map1(struct insn *in, bool *lockable)
{
	uint8_t b = in->opc;
	unsigned reg = (in->modrm >> 3) & 7;
	bool mem = in->flags & INSN_MEM;

	if (b >= 0x40 && b < 0x50)
		return op_cmov;
	if (b >= 0x80 && b < 0x90)
		return op_jcc;
	if (b >= 0x90 && b < 0xa0)
		return op_setcc;
	if (b >= 0xc8 && b < 0xd0)
		return op_bswap;
	if (b >= 0x18 && b < 0x20)
		return op_nop;		/* hint NOPs, prefetch, endbr */

	switch (b) {
	case 0x00: {
		static const insn_fn g6[8] = { op_sldt, op_str, op_lldt, op_ltr,
					       op_verr, op_verw, NULL, NULL };
		if (g6[reg] && reg >= 2)
			in->flags |= INSN_END;
		if (reg < 2 && mem)
			in->osz = 2;
		return g6[reg];
	}
	case 0x01:
		if (mem) {
			static const insn_fn g7[8] = { op_sgdt, op_sidt, op_lgdt, op_lidt,
						       op_smsw, NULL, op_lmsw, op_invlpg };
			if (reg >= 2)
				in->flags |= INSN_END;
			if (reg == 4)
				in->osz = 2;
			return g7[reg];
		}
		switch (in->modrm) {
		case 0xc8: return op_monitor;
		case 0xc9: in->flags |= INSN_END; return op_mwait;
		case 0xf8: in->flags |= INSN_END; return op_swapgs;
		case 0xf9: return op_rdtscp;
		}
		if (reg == 4)
			return op_smsw;
		if (reg == 6) {
			in->flags |= INSN_END;
			return op_lmsw;
		}
		return NULL;
	case 0x02: return op_lar;
	case 0x03: return op_lsl;
	case 0x05: return op_syscall;
	case 0x06: return op_clts;
	case 0x07: return op_sysret;
	case 0x08: case 0x09: return op_invd;
	case 0x0b: return op_ud2;
	case 0x0d: return mem ? op_nop : NULL;
	case 0x20: return op_mov_r_cr;
	case 0x21: return op_mov_r_dr;
	case 0x22: return op_mov_cr_r;
	case 0x23: return op_mov_dr_r;
	case 0x30: return op_wrmsr;
	case 0x31: return op_rdtsc;
	case 0x32: return op_rdmsr;
	case 0x33: return op_rdpmc;
	case 0x34: return op_sysenter;
	case 0x35: return op_sysexit;
	case 0xa0: case 0xa8: return op_push_seg;
	case 0xa1: case 0xa9: return op_pop_seg;
	case 0xa2: return op_cpuid;
	case 0xa3: return op_bt_g;
	case 0xab: case 0xb3: case 0xbb: *lockable = true; return op_bt_g;
	case 0xa4: case 0xa5: case 0xac: case 0xad: return op_shxd;
	case 0xae: return op_grp15;
	case 0xaf: return op_imul_ge;
	case 0xb0: case 0xb1: *lockable = true; return op_cmpxchg;
	case 0xb2: case 0xb4: case 0xb5: return mem ? op_lxs : NULL;
	case 0xb6: case 0xb7: return op_movzx;
	case 0xb8: return in->rep == 0xf3 ? op_popcnt : NULL;
	case 0xba:
		if (reg < 4)
			return NULL;
		*lockable = reg > 4;
		return op_bt_i;
	case 0xbc: return op_bsf;
	case 0xbd: return op_bsr;
	case 0xbe: case 0xbf: return op_movsx;
	case 0xc0: case 0xc1: *lockable = true; return op_xadd;
	case 0xc7:
		if (reg == 1 && mem) {
			*lockable = true;
			return op_cmpxchg8b;
		}
		return NULL;
	}
	/* MMX, SSE and friends (exec_sse*.c) */
	return sse_select(in);
}

bool optable_assign(struct insn *in)
{
	bool lockable = false;
	insn_fn fn;

	switch (in->map) {
	case 0: fn = map0(in, &lockable); break;
	case 1: fn = map1(in, &lockable); break;
	default: fn = sse_select(in); break;
	}
	if (!fn)
		return false;
	/* LOCK only on a read-modify-write of memory */
	if ((in->flags & INSN_LOCK) && (!lockable || !(in->flags & INSN_MEM))) {
		in->fn = op_ud;
		return true;
	}
	in->fn = fast_select(in, fn);
	return true;
}
