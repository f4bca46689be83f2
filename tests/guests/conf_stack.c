/*
 * Conformance classes: string instructions (movs stos lods scas cmps at
 * 8/16/32 bits, with rep/repe/repne, DF both ways, a segment override),
 * lea (32- and 16-bit addressing, 16- and 32-bit destinations), and the
 * stack: push/pop in every form, pusha/popa, enter (nesting levels 0-3),
 * leave, call/ret/lret/iret. See conf.h for the digest rules.
 */
#define CONF_RANDOM_CASES	512
#include "conf.h"

/* ---- strings: ESI into src, EDI into dst, ECX 0..20 elements ---- */

static uint32_t str_src[64] __attribute__((aligned(16)));
static uint32_t str_dst[64] __attribute__((aligned(16)));

#define STR_STUBS(op, rep)						\
	CONF_STUB(op##_b, #op "b");					\
	CONF_STUB(op##_w, #op "w");					\
	CONF_STUB(op##_l, #op "l");					\
	CONF_STUB(op##_rb, rep " " #op "b");				\
	CONF_STUB(op##_rw, rep " " #op "w");				\
	CONF_STUB(op##_rl, rep " " #op "l");				\
	CONF_STUB(op##_fs, ".byte 0x64\n\t" rep " " #op "l")

STR_STUBS(movs, "rep");
STR_STUBS(stos, "rep");
STR_STUBS(lods, "rep");
STR_STUBS(scas, "repe");
STR_STUBS(cmps, "repe");
CONF_STUB(scas_nb, "repne scasb");
CONF_STUB(scas_nl, "repne scasl");
CONF_STUB(cmps_nb, "repne cmpsb");
CONF_STUB(cmps_nw, "repne cmpsw");

#define STR_TAB(op) { op##_b, 0 }, { op##_w, 0 }, { op##_l, 0 }, { op##_rb, 0 }, \
	{ op##_rw, 0 }, { op##_rl, 0 }, { op##_fs, 0 }
static const struct conf_op movs_ops[] = { STR_TAB(movs) };
static const struct conf_op stos_ops[] = { STR_TAB(stos) };
static const struct conf_op lods_ops[] = { STR_TAB(lods) };
static const struct conf_op scas_ops[] = { STR_TAB(scas), { scas_nb, 0 }, { scas_nl, 0 } };
static const struct conf_op cmps_ops[] = { STR_TAB(cmps), { cmps_nb, 0 }, { cmps_nw, 0 } };

static void run_string(const char *name, const struct conf_op *ops, unsigned nops)
{
	struct conf_state s;
	unsigned k, i, j;

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t r = rnd();

			for (j = 0; j < 64; j++) {
				str_src[j] = rnd();
				/* mostly equal, so repe runs on and repne stops */
				str_dst[j] = (rnd() & 7) ? str_src[j] : rnd();
				if (r & 0x100)
					str_dst[j] = (rnd() & 7) ? rnd() : str_src[j];
			}
			conf_setup(&s, rnd(), 0, r % 21);
			if (r & 0x200)		/* AL/AX/EAX as found in the buffer */
				s.eax = str_src[(r >> 12) % 64];
			s.esi = (uint32_t)(uintptr_t)str_src + 96 + ((r >> 20) & 63);
			s.edi = (uint32_t)(uintptr_t)str_dst + 96 + ((r >> 26) & 63);
			if (i & 1)
				s.eflags |= EFL_DF;
			conf_exec(&s, ops[k].fn);
			conf_put_state(&s, EFL_ARITH | EFL_DF);
			for (j = 0; j < 64; j++) {
				conf_put(str_src[j]);
				conf_put(str_dst[j]);
			}
		}
	}
	conf_end();
}

/* ---- lea ---- */

CONF_STUB(lea_sib4, "leal (%ebx,%ecx,4), %eax");
CONF_STUB(lea_sib8d, "leal 0x12345678(%ebx,%ecx,8), %eax");
CONF_STUB(lea_bp, "leal -8(%ebp), %eax");
CONF_STUB(lea_noba, "leal (,%ecx,2), %eax");
CONF_STUB(lea_d8, "leal 0x7f(%ebx), %edx");
CONF_STUB(lea_self, "leal (%ebx,%ebx,2), %ebx");
CONF_STUB(lea_esp, "leal 4(%esp,%ecx), %eax");
CONF_STUB(lea_abs, "leal 0x80000000, %ecx");
CONF_STUB(lea_w32, "leaw (%ebx,%ecx), %ax");
CONF_STUB(lea_a16, "leal (%bx,%si), %eax");
CONF_STUB(lea_a16w, "leaw 0x1234(%bp,%di), %ax");
CONF_STUB(lea_a16n, "leal -1(%bx), %ecx");
CONF_STUB(lea_a16d, "leal 0x8000(%si), %eax");
CONF_STUB(lea_a16abs, "addr16 leal 0xfffe, %edx");
static const struct conf_op lea_ops[] = {
	{ lea_sib4, 0 }, { lea_sib8d, 0 }, { lea_bp, 0 }, { lea_noba, 0 }, { lea_d8, 0 },
	{ lea_self, 0 }, { lea_esp, 0 }, { lea_abs, 0 }, { lea_w32, 0 }, { lea_a16, 0 },
	{ lea_a16w, 0 }, { lea_a16n, 0 }, { lea_a16d, 0 }, { lea_a16abs, 0 },
};

static void run_lea(void)
{
	struct conf_state s;
	unsigned k, i;

	conf_begin("lea");
	for (k = 0; k < ARRAY_SIZE(lea_ops); k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t a, b;

			conf_pair(i, 32, &a, &b);
			conf_setup(&s, a, b, rnd());
			s.esi = rnd();
			s.edi = rnd();
			conf_exec(&s, lea_ops[k].fn);
			conf_put_state(&s, EFL_ARITH);
		}
	}
	conf_end();
}

/* ---- stack: ESP at CONF_STACK_TOP, EBP a little above it ---- */

CONF_STUB(push_r, "pushl %eax");
CONF_STUB(push_rw, "pushw %ax");
CONF_STUB(push_i, "pushl $0x12345678");
CONF_STUB(push_ib, "pushl $-5");
CONF_STUB(push_iw, "pushw $0x1234");
CONF_STUB(push_m, "pushl (%esi)");
CONF_STUB(push_mw, "pushw 2(%esi)");
CONF_STUB(push_esp, "pushl %esp");
CONF_STUB(push_seg, "pushl %ds\n\tpushw %es");
CONF_STUB(push_f, "pushfl\n\tpushfw");
CONF_STUB(pop_r, "popl %ecx");
CONF_STUB(pop_rw, "popw %cx");
CONF_STUB(pop_m, "popl (%esi)");
CONF_STUB(pop_mw, "popw 2(%esi)");
CONF_STUB(pop_mesp, "popl 4(%esp)");
CONF_STUB(pop_esp, "popl %esp");
CONF_STUB(pusha_l, "pushal");
CONF_STUB(pusha_w, "pushaw");
CONF_STUB(popa_l, "popal");
CONF_STUB(popa_w, "popaw");
CONF_STUB(enter_0, "enter $16, $0");
CONF_STUB(enter_1, "enter $8, $1");
CONF_STUB(enter_3, "enter $4, $3");
CONF_STUB(enter_w, "enterw $6, $2");
CONF_STUB(leave_l, "leave");
CONF_STUB(leave_w, "leavew");
CONF_STUB(call_s, "call 1f\n1:\tpopl %edx");
CONF_STUB(ret_s, "pushl $1f\n\tret\n1:");
CONF_STUB(ret_i, "pushl $1f\n\tret $8\n1:");
CONF_STUB(lret_s, "pushl %cs\n\tpushl $1f\n\tlret\n1:");
CONF_STUB(iret_s, "pushfl\n\tpushl %cs\n\tpushl $1f\n\tiret\n1:");
CONF_STUB(call_ind, "call *4(%esi)\n\tmovl $0x11, %edx\n\tjmp conf_back\n"
	  "conf_call_target:\n\tmovl $0x22, %ecx\n\tret");
static const struct conf_op stack_ops[] = {
	{ push_r, 0 }, { push_rw, 0 }, { push_i, 0 }, { push_ib, 0 }, { push_iw, 0 },
	{ push_m, 0 }, { push_mw, 0 }, { push_esp, 0 }, { push_seg, 0 }, { push_f, 0 },
	{ pop_r, 0 }, { pop_rw, 0 }, { pop_m, 0 }, { pop_mw, 0 }, { pop_mesp, 0 },
	{ pop_esp, 0 }, { pusha_l, 0 }, { pusha_w, 0 }, { popa_l, 0 }, { popa_w, 0 },
	{ enter_0, 0 }, { enter_1, 0 }, { enter_3, 0 }, { enter_w, 0 }, { leave_l, 0 },
	{ leave_w, 0 }, { call_s, 0 }, { ret_s, 0 }, { ret_i, 0 }, { lret_s, 0 },
	{ iret_s, 0 }, { call_ind, 1 },
};
extern char conf_call_target[];

#define STACK_LO	700	/* conf_stack words hashed: [STACK_LO, STACK_HI) */
#define STACK_HI	832

static void run_stack(void)
{
	struct conf_state s;
	unsigned k, i, j;

	conf_begin("stack");
	for (k = 0; k < ARRAY_SIZE(stack_ops); k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t r = rnd();

			for (j = STACK_LO; j < STACK_HI; j++)
				conf_stack[j] = rnd();
			conf_setup(&s, rnd(), rnd(), rnd());
			if (stack_ops[k].arg)
				conf_mem[1] = (uint32_t)(uintptr_t)conf_call_target;
			/* EBP: the frame enter/leave use, inside the hashed window */
			s.ebp = (uint32_t)(uintptr_t)&conf_stack[776 + (r & 15)];
			if (r & 0x10000)	/* BP must do for leavew: keep EBP's high half */
				s.ebp += 2;
			conf_exec(&s, stack_ops[k].fn);
			conf_put_state(&s, EFL_ARITH | EFL_DF);
			for (j = STACK_LO; j < STACK_HI; j++)
				conf_put(conf_stack[j]);
			conf_put_mem(4);
		}
	}
	conf_end();
}

static void known_answers(void)
{
	struct conf_state s;

	conf_setup(&s, 0, 0, 0);
	conf_exec(&s, push_esp);
	conf_expect("stack_push_esp_old_value", conf_stack[767], CONF_STACK_TOP);
	conf_setup(&s, 0, 0, 0);
	conf_stack[768] = 0x1234;
	conf_exec(&s, pop_mesp);
	/* pop m32 with an ESP base uses ESP after the pop */
	conf_expect("stack_pop_esp_based", conf_stack[770], 0x1234);
	conf_setup(&s, 0, 0x1000, 0x0200);
	conf_exec(&s, lea_a16w);
	conf_expect("stack_lea_addr16_wraps", s.eax & 0xffff,
		    ((s.ebp & 0xffff) + (s.edi & 0xffff) + 0x1234) & 0xffff);
}

void test_main(void)
{
	conf_init();
	known_answers();
	run_string("movs", movs_ops, ARRAY_SIZE(movs_ops));
	run_string("stos", stos_ops, ARRAY_SIZE(stos_ops));
	run_string("lods", lods_ops, ARRAY_SIZE(lods_ops));
	run_string("scas", scas_ops, ARRAY_SIZE(scas_ops));
	run_string("cmps", cmps_ops, ARRAY_SIZE(cmps_ops));
	run_lea();
	run_stack();
	pass("conf_stack_ran");
}
