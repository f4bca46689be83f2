/*
 * Conformance classes: data movement and conditionals: mov forms (moffs,
 * immediates), movzx/movsx, cbw/cwde/cwd/cdq, cmovcc, setcc, jcc (short and
 * near), loop/loope/loopne/jecxz, xchg, xadd, cmpxchg, cmpxchg8b.
 * See conf.h for the digest rules.
 */
#include "conf.h"

#define LOCK ".byte 0xf0\n\t"

CONF_STUB(mov_moffs_ld, "movl conf_mem+4, %eax");
CONF_STUB(mov_moffs_st, "movb %ah, conf_mem+1");
CONF_STUB(mov_moffs_stw, "movw %ax, conf_mem+6");
CONF_STUB(mov_imm_m, "movl $0x89abcdef, 8(%esi)");
CONF_STUB(mov_imm_mb, "movb $0x5a, 3(%esi)");
CONF_STUB(mov_imm_w, "movw $0x1234, %bx");
CONF_STUB(mov_rr_b, "movb %bh, %cl");
CONF_STUB(mov_sib, "movl (%esi,%ecx,4), %edx");
static const struct conf_op mov_ops[] = {
	{ mov_moffs_ld, 0 }, { mov_moffs_st, 0 }, { mov_moffs_stw, 0 }, { mov_imm_m, 0 },
	{ mov_imm_mb, 0 }, { mov_imm_w, 0 }, { mov_rr_b, 0 }, { mov_sib, 2 },
};

CONF_STUB(movzbl_r, "movzbl %bl, %eax");
CONF_STUB(movzbl_h, "movzbl %bh, %eax");
CONF_STUB(movzbw_r, "movzbw %bl, %ax");
CONF_STUB(movzwl_r, "movzwl %bx, %eax");
CONF_STUB(movzbl_m, "movzbl 4(%esi), %ecx");
CONF_STUB(movzwl_m, "movzwl 4(%esi), %edx");
CONF_STUB(movsbl_r, "movsbl %bl, %eax");
CONF_STUB(movsbl_h, "movsbl %bh, %eax");
CONF_STUB(movsbw_r, "movsbw %bl, %ax");
CONF_STUB(movswl_r, "movswl %bx, %eax");
CONF_STUB(movsbl_m, "movsbl 4(%esi), %ecx");
CONF_STUB(movswl_m, "movswl 4(%esi), %edx");
CONF_STUB(cbw_s, "cbtw");
CONF_STUB(cwde_s, "cwtl");
CONF_STUB(cwd_s, "cwtd");
CONF_STUB(cdq_s, "cltd");
static const struct conf_op movx_ops[] = {
	{ movzbl_r, 0 }, { movzbl_h, 0 }, { movzbw_r, 0 }, { movzwl_r, 0 },
	{ movzbl_m, 0 }, { movzwl_m, 0 }, { movsbl_r, 0 }, { movsbl_h, 0 },
	{ movsbw_r, 0 }, { movswl_r, 0 }, { movsbl_m, 0 }, { movswl_m, 0 },
	{ cbw_s, 0 }, { cwde_s, 0 }, { cwd_s, 0 }, { cdq_s, 0 },
};

/* near jcc by bytes (gas would pick the short form): 0f 8x rel32 over a 5-byte mov */
#define CC_STUBS(cc, n)							\
	CONF_STUB(cmov##cc##_w, "cmov" #cc "w %bx, %ax");		\
	CONF_STUB(cmov##cc##_l, "cmov" #cc "l %ebx, %eax");		\
	CONF_STUB(cmov##cc##_m, "cmov" #cc "l 4(%esi), %ecx");		\
	CONF_STUB(set##cc##_r, "set" #cc " %al");			\
	CONF_STUB(set##cc##_h, "set" #cc " %bh");			\
	CONF_STUB(set##cc##_m, "set" #cc " 2(%esi)");			\
	CONF_STUB(j##cc##_s, "j" #cc " 1f\n\tmovl $0x11, %edx\n1:");	\
	CONF_STUB(j##cc##_n, ".byte 0x0f, 0x80 + " #n "\n\t.long 5\n\t"	\
		  "movl $0x22, %edx")

CC_STUBS(o, 0);
CC_STUBS(no, 1);
CC_STUBS(b, 2);
CC_STUBS(ae, 3);
CC_STUBS(e, 4);
CC_STUBS(ne, 5);
CC_STUBS(be, 6);
CC_STUBS(a, 7);
CC_STUBS(s, 8);
CC_STUBS(ns, 9);
CC_STUBS(p, 10);
CC_STUBS(np, 11);
CC_STUBS(l, 12);
CC_STUBS(ge, 13);
CC_STUBS(le, 14);
CC_STUBS(g, 15);

static const struct conf_op cmov_w[] = {
	{ cmovo_w, 0 }, { cmovno_w, 0 }, { cmovb_w, 0 }, { cmovae_w, 0 }, { cmove_w, 0 },
	{ cmovne_w, 0 }, { cmovbe_w, 0 }, { cmova_w, 0 }, { cmovs_w, 0 }, { cmovns_w, 0 },
	{ cmovp_w, 0 }, { cmovnp_w, 0 }, { cmovl_w, 0 }, { cmovge_w, 0 }, { cmovle_w, 0 },
	{ cmovg_w, 0 },
};
static const struct conf_op cmov_l[] = {
	{ cmovo_l, 0 }, { cmovno_l, 0 }, { cmovb_l, 0 }, { cmovae_l, 0 }, { cmove_l, 0 },
	{ cmovne_l, 0 }, { cmovbe_l, 0 }, { cmova_l, 0 }, { cmovs_l, 0 }, { cmovns_l, 0 },
	{ cmovp_l, 0 }, { cmovnp_l, 0 }, { cmovl_l, 0 }, { cmovge_l, 0 }, { cmovle_l, 0 },
	{ cmovg_l, 0 },
	{ cmovo_m, 0 }, { cmovno_m, 0 }, { cmovb_m, 0 }, { cmovae_m, 0 }, { cmove_m, 0 },
	{ cmovne_m, 0 }, { cmovbe_m, 0 }, { cmova_m, 0 }, { cmovs_m, 0 }, { cmovns_m, 0 },
	{ cmovp_m, 0 }, { cmovnp_m, 0 }, { cmovl_m, 0 }, { cmovge_m, 0 }, { cmovle_m, 0 },
	{ cmovg_m, 0 },
};
static const struct conf_op setcc_ops[] = {
	{ seto_r, 0 }, { setno_r, 0 }, { setb_r, 0 }, { setae_r, 0 }, { sete_r, 0 },
	{ setne_r, 0 }, { setbe_r, 0 }, { seta_r, 0 }, { sets_r, 0 }, { setns_r, 0 },
	{ setp_r, 0 }, { setnp_r, 0 }, { setl_r, 0 }, { setge_r, 0 }, { setle_r, 0 },
	{ setg_r, 0 },
	{ seto_h, 0 }, { setno_h, 0 }, { setb_h, 0 }, { setae_h, 0 }, { sete_h, 0 },
	{ setne_h, 0 }, { setbe_h, 0 }, { seta_h, 0 }, { sets_h, 0 }, { setns_h, 0 },
	{ setp_h, 0 }, { setnp_h, 0 }, { setl_h, 0 }, { setge_h, 0 }, { setle_h, 0 },
	{ setg_h, 0 },
	{ seto_m, 0 }, { setno_m, 0 }, { setb_m, 0 }, { setae_m, 0 }, { sete_m, 0 },
	{ setne_m, 0 }, { setbe_m, 0 }, { seta_m, 0 }, { sets_m, 0 }, { setns_m, 0 },
	{ setp_m, 0 }, { setnp_m, 0 }, { setl_m, 0 }, { setge_m, 0 }, { setle_m, 0 },
	{ setg_m, 0 },
};

CONF_STUB(loop_s, "loop 1f\n\tmovl $0x11, %edx\n1:");
CONF_STUB(loope_s, "loope 1f\n\tmovl $0x11, %edx\n1:");
CONF_STUB(loopne_s, "loopne 1f\n\tmovl $0x11, %edx\n1:");
CONF_STUB(jecxz_s, "jecxz 1f\n\tmovl $0x11, %edx\n1:");
CONF_STUB(jcxz_s, "jcxz 1f\n\tmovl $0x11, %edx\n1:");
static const struct conf_op jcc_ops[] = {
	{ jo_s, 0 }, { jno_s, 0 }, { jb_s, 0 }, { jae_s, 0 }, { je_s, 0 }, { jne_s, 0 },
	{ jbe_s, 0 }, { ja_s, 0 }, { js_s, 0 }, { jns_s, 0 }, { jp_s, 0 }, { jnp_s, 0 },
	{ jl_s, 0 }, { jge_s, 0 }, { jle_s, 0 }, { jg_s, 0 },
	{ jo_n, 0 }, { jno_n, 0 }, { jb_n, 0 }, { jae_n, 0 }, { je_n, 0 }, { jne_n, 0 },
	{ jbe_n, 0 }, { ja_n, 0 }, { js_n, 0 }, { jns_n, 0 }, { jp_n, 0 }, { jnp_n, 0 },
	{ jl_n, 0 }, { jge_n, 0 }, { jle_n, 0 }, { jg_n, 0 },
	{ loop_s, 1 }, { loope_s, 1 }, { loopne_s, 1 }, { jecxz_s, 1 }, { jcxz_s, 1 },
};

CONF_STUB(xchg_l_a, "xchgl %ebx, %eax");
CONF_STUB(xchg_l_r, "xchgl %ecx, %edx");
CONF_STUB(xchg_l_m, "xchgl %ebx, (%esi)");
CONF_STUB(xchg_w_a, "xchgw %bx, %ax");
CONF_STUB(xchg_w_m, "xchgw %cx, 2(%esi)");
CONF_STUB(xchg_b_r, "xchgb %bl, %ah");
CONF_STUB(xchg_b_m, "xchgb %dh, 1(%esi)");
static const struct conf_op xchg_ops[] = {
	{ xchg_l_a, 0 }, { xchg_l_r, 0 }, { xchg_l_m, 0 }, { xchg_w_a, 0 }, { xchg_w_m, 0 },
	{ xchg_b_r, 0 }, { xchg_b_m, 0 },
};

/* xadd and cmpxchg: the destination is ECX or the memory word (both a) */
#define XS_STUBS(op, sfx, src, dst)					\
	CONF_STUB(op##_##sfx##_r, #op #sfx " " src ", " dst);		\
	CONF_STUB(op##_##sfx##_m, #op #sfx " " src ", (%esi)");		\
	CONF_STUB(op##_##sfx##_lk, LOCK #op #sfx " " src ", (%esi)");	\
	static const struct conf_op op##_##sfx[] = { { op##_##sfx##_r, 0 }, \
		{ op##_##sfx##_m, 0 }, { op##_##sfx##_lk, 0 } }

XS_STUBS(xadd, l, "%ebx", "%ecx");
XS_STUBS(xadd, w, "%bx", "%cx");
XS_STUBS(xadd, b, "%bl", "%cl");
XS_STUBS(cmpxchg, l, "%ebx", "%ecx");
XS_STUBS(cmpxchg, w, "%bx", "%cx");
XS_STUBS(cmpxchg, b, "%bl", "%cl");

CONF_STUB(cmpxchg8b_m, "cmpxchg8b (%esi)");
CONF_STUB(cmpxchg8b_lk, LOCK "cmpxchg8b 8(%esi)");

static void run_ops(const char *name, const struct conf_op *ops, unsigned nops, unsigned bits,
		    uint32_t mask)
{
	struct conf_state s;
	unsigned k, i;

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t a, b;

			conf_pair(i, bits, &a, &b);
			conf_setup(&s, a, b, rnd());
			s.edx = (s.edx & 0xffff00ffu) | (b & 0xff) << 8;
			if (ops[k].arg == 1)	/* loop counts: CX and ECX 0..3 */
				s.ecx = (i & 1) ? (rnd() & 0xffff0000u) | (i & 3) : i & 3;
			else if (ops[k].arg == 2)	/* a SIB index inside conf_mem */
				s.ecx = i & 3;
			conf_exec(&s, ops[k].fn);
			conf_put_state(&s, mask);
			conf_put_mem(4);
		}
	}
	conf_end();
}

/* xadd/cmpxchg: the destination holds a; the accumulator matches it half the time. */
static void run_xs(const char *name, const struct conf_op *ops, unsigned nops, unsigned bits)
{
	struct conf_state s;
	unsigned k, i;

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t a, b;

			conf_pair(i, bits, &a, &b);
			conf_setup(&s, (i & 1) ? a : rnd(), b, a);
			conf_mem[0] = a;
			conf_exec(&s, ops[k].fn);
			conf_put_state(&s, EFL_ARITH);
			conf_put_mem(2);
		}
	}
	conf_end();
}

static void run_cmpxchg8b(void)
{
	struct conf_state s;
	unsigned k, i;

	conf_begin("cmpxchg8b");
	for (k = 0; k < 2; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			unsigned at = k * 2;

			conf_setup(&s, rnd(), rnd(), rnd());
			/* equal, low half equal, high half equal, neither */
			if (!(i & 1))
				s.eax = conf_mem[at];
			if (!(i & 2))
				s.edx = conf_mem[at + 1];
			conf_exec(&s, k ? cmpxchg8b_lk : cmpxchg8b_m);
			/* ZF is the result; the other flags are kept */
			conf_put_state(&s, EFL_ARITH);
			conf_put_mem(4);
		}
	}
	conf_end();
}

static void known_answers(void)
{
	struct conf_state s;

	conf_setup(&s, 0, 0x80, 0);
	conf_exec(&s, movsbl_r);
	conf_expect("move_movsx_80", s.eax, 0xffffff80u);
	conf_setup(&s, 0, 0, 0);
	s.eflags = EFL_FIXED | EFL_SF;
	conf_exec(&s, setl_r);
	conf_expect("move_setl_sf_ne_of", s.eax & 0xff, 1);
	conf_setup(&s, 5, 0, 5);
	conf_mem[0] = 5;
	conf_exec(&s, cmpxchg_l_m);
	conf_expect("move_cmpxchg_equal_stores", conf_mem[0], s.ebx);
	conf_setup(&s, 0, 0, 1);
	conf_exec(&s, loop_s);
	conf_expect("move_loop_ecx1_falls_through", s.edx << 8 | s.ecx, 0x11 << 8);
}

void test_main(void)
{
	conf_init();
	known_answers();
	run_ops("mov", mov_ops, ARRAY_SIZE(mov_ops), 32, EFL_ARITH);
	run_ops("movx", movx_ops, ARRAY_SIZE(movx_ops), 16, EFL_ARITH);
	run_ops("cmov.16", cmov_w, ARRAY_SIZE(cmov_w), 16, EFL_ARITH);
	run_ops("cmov.32", cmov_l, ARRAY_SIZE(cmov_l), 32, EFL_ARITH);
	run_ops("setcc", setcc_ops, ARRAY_SIZE(setcc_ops), 8, EFL_ARITH);
	run_ops("jcc", jcc_ops, ARRAY_SIZE(jcc_ops), 32, EFL_ARITH);
	run_ops("xchg", xchg_ops, ARRAY_SIZE(xchg_ops), 32, EFL_ARITH);
	run_xs("xadd.8", xadd_b, ARRAY_SIZE(xadd_b), 8);
	run_xs("xadd.16", xadd_w, ARRAY_SIZE(xadd_w), 16);
	run_xs("xadd.32", xadd_l, ARRAY_SIZE(xadd_l), 32);
	run_xs("cmpxchg.8", cmpxchg_b, ARRAY_SIZE(cmpxchg_b), 8);
	run_xs("cmpxchg.16", cmpxchg_w, ARRAY_SIZE(cmpxchg_w), 16);
	run_xs("cmpxchg.32", cmpxchg_l, ARRAY_SIZE(cmpxchg_l), 32);
	run_cmpxchg8b();
	pass("conf_move_ran");
}
