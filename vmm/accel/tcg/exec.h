/*
 * Instruction handlers of the software CPU, one per decoded shape; the
 * decoder's optable.c picks one per instruction. Each takes the CPU and the
 * decoded instruction; cpu->rip is the instruction, cpu->next_rip the one
 * after it (a branch writes next_rip).
 */
#ifndef VMM_ACCEL_TCG_EXEC_H
#define VMM_ACCEL_TCG_EXEC_H

#include "vmm/accel/tcg/tcg.h"

#define H(name) void name(struct tcg_cpu *cpu, const struct insn *in)

bool cas_sized(void *p, unsigned size, uint64_t *old, uint64_t nv);
uint64_t load_sized(const void *p, unsigned size);

/* exec_alu.c */
#define ALU_DECL(n) H(op_##n##_eg); H(op_##n##_ge); H(op_##n##_ei);
ALU_DECL(add) ALU_DECL(or) ALU_DECL(adc) ALU_DECL(sbb)
ALU_DECL(and) ALU_DECL(sub) ALU_DECL(xor) ALU_DECL(cmp)
H(op_test_eg); H(op_test_ei);
H(op_inc_e); H(op_dec_e); H(op_not_e); H(op_neg_e);
H(op_mul_e); H(op_imul1_e); H(op_imul_gei); H(op_imul_ge); H(op_div_e); H(op_idiv_e);
H(op_mov_eg); H(op_mov_ge); H(op_mov_ei); H(op_mov_ri); H(op_lea);
H(op_movzx); H(op_movsx); H(op_movsxd); H(op_cbw); H(op_cwd);
H(op_xchg_eg); H(op_xchg_ax); H(op_cmov); H(op_setcc); H(op_bswap);
H(op_xadd); H(op_cmpxchg); H(op_cmpxchg8b);

/* exec_bit.c */
H(op_shift_i); H(op_shift_1); H(op_shift_cl); H(op_shxd);
H(op_bt_g); H(op_bt_i); H(op_bsf); H(op_bsr); H(op_popcnt);
H(op_daa); H(op_das); H(op_aaa); H(op_aas); H(op_aam); H(op_aad); H(op_salc);

/* exec_string.c */
H(op_movs); H(op_cmps); H(op_stos); H(op_lods); H(op_scas); H(op_ins); H(op_outs);

/* exec_control.c */
H(op_jcc); H(op_jmp); H(op_call); H(op_ret); H(op_ret_imm);
H(op_jmp_e); H(op_call_e); H(op_jmpf_e); H(op_callf_e); H(op_jmpf); H(op_callf);
H(op_retf); H(op_loop); H(op_jcxz);
H(op_push_r); H(op_pop_r); H(op_push_i); H(op_push_e); H(op_pop_e);
H(op_pusha); H(op_popa); H(op_enter); H(op_leave);
H(op_pushf); H(op_popf); H(op_sahf); H(op_lahf);
H(op_clc); H(op_stc); H(op_cmc); H(op_cld); H(op_std);
H(op_int); H(op_int3); H(op_into); H(op_int1); H(op_iret); H(op_bound);

/* exec_system.c */
H(op_push_seg); H(op_pop_seg); H(op_mov_e_seg); H(op_mov_seg_e); H(op_lxs);
H(op_cli); H(op_sti); H(op_hlt); H(op_nop); H(op_pause);
H(op_in_i); H(op_out_i); H(op_in_dx); H(op_out_dx);
H(op_cpuid); H(op_rdtsc); H(op_rdtscp); H(op_rdmsr); H(op_wrmsr); H(op_rdpmc);
H(op_mov_r_cr); H(op_mov_cr_r); H(op_mov_r_dr); H(op_mov_dr_r); H(op_clts);
H(op_sgdt); H(op_sidt); H(op_lgdt); H(op_lidt); H(op_smsw); H(op_lmsw); H(op_invlpg);
H(op_sldt); H(op_str); H(op_lldt); H(op_ltr); H(op_verr); H(op_verw);
H(op_lar); H(op_lsl); H(op_arpl); H(op_sysenter); H(op_sysexit);
H(op_invd); H(op_xlat); H(op_ud2);
H(op_grp15); H(op_monitor); H(op_mwait);

/* exec_fast.c: a specialised (threaded: also set as in->tfn) handler, or fn */
insn_fn fast_select(struct insn *in, insn_fn fn);
/*
 * a (a fast compare) followed by j (a fast jcc, the block's last): make
 * a's tfn do both. a->fn keeps the handler of a alone (single-stepping).
 */
void fast_fuse(struct insn *a, const struct insn *j);

/* exec_long.c */
H(op_syscall); H(op_sysret); H(op_swapgs);

/* Lazy flags of a multiply: CF = OF = the product did not fit in size bytes. */
static inline void mul_flags(struct tcg_cpu *cpu, unsigned size, uint64_t lo, bool overflow)
{
	cpu->cc_op = CC_OP(CC_MUL, size);
	cpu->cc_res = lo;
	cpu->cc_aux = overflow ? (FL_CF | FL_OF) : 0;
}

#endif
