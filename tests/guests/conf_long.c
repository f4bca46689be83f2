/*
 * Conformance classes in 64-bit mode: the integer classes again with REX.W
 * (and 32-bit forms that zero-extend, REX byte registers, r8-r15), plus
 * movsxd, cqo/cdqe, cmpxchg16b, RIP-relative addressing and 64-bit stacks
 * and strings. Digests as in conf.h, over 64-bit registers.
 *
 * The guest stays a 32-bit multiboot image: for each batch of cases it
 * switches to long mode (PAE, 4 GiB identity-mapped with 2 MiB pages, a
 * 64-bit code segment at 0x18, a 64-bit IDT that records exceptions),
 * runs every case of the batch, and returns to 32-bit protected mode, where
 * the results are hashed.
 */
#define CONF_RANDOM_CASES	512
#include "conf.h"

/* ---- the 64-bit executor ------------------------------------------------ */

struct st64 {
	uint64_t r[16];		/* rax rbx rcx rdx rsi rdi rbp rsp r8 .. r15 */
	uint64_t rflags;	/* 128 */
	uint64_t fault;		/* 136: vector + 1 */
	uint64_t error;		/* 144 */
	uint64_t pad;
	uint64_t mem[8];	/* 160: RSI points at mem[4] */
	uint64_t stk[16];	/* 224: RDI at stk[4], RSP at stk[12], RBP at stk[14] */
};
enum { RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13, R14, R15 };

#define BATCH	128
static struct st64 batch[BATCH] __attribute__((aligned(16)));

uint64_t c64_pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pds[4][512] __attribute__((aligned(4096)));
static uint64_t gdt64[4] __attribute__((aligned(8)));
static uint32_t idt64[32 * 4] __attribute__((aligned(16)));
struct dt_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));
struct dt_ptr c64_gdtr;
/* lidt in 64-bit mode reads a 64-bit base */
struct {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed)) c64_idtr;
uint32_t c64_states, c64_n, c64_i, c64_esp32;
uint64_t c64_cur, c64_stub, c64_tmp_rax, c64_tmp_rsp;
uint64_t c64_priv[32] __attribute__((aligned(16)));
extern char c64_isr[];
extern struct dt_ptr runtime_idtr;
void conf64_run(struct st64 *s, uint32_t n, void (*stub)(void));

#define SEL_CODE64	0x18

__asm__(".pushsection .text.conf, \"ax\"\n"
	".code32\n"
	".globl conf64_run\n"
	"conf64_run:\n\t"
	"pushl %ebp\n\tpushl %ebx\n\tpushl %esi\n\tpushl %edi\n\t"
	"movl 20(%esp), %eax\n\tmovl %eax, c64_states\n\t"
	"movl 24(%esp), %eax\n\tmovl %eax, c64_n\n\t"
	"movl 28(%esp), %eax\n\tmovl %eax, c64_stub\n\tmovl $0, c64_stub + 4\n\t"
	"pushfl\n\tcli\n\t"
	"movl %esp, c64_esp32\n\t"
	"movl $c64_pml4, %eax\n\tmovl %eax, %cr3\n\t"
	"movl %cr4, %eax\n\torl $0x20, %eax\n\tmovl %eax, %cr4\n\t"	/* PAE */
	"movl $0xc0000080, %ecx\n\trdmsr\n\torl $0x100, %eax\n\twrmsr\n\t"	/* LME */
	"movl %cr0, %eax\n\torl $0x80000000, %eax\n\tmovl %eax, %cr0\n\t"
	"ljmp $0x18, $c64_entry\n"
	".code64\n"
	"c64_entry:\n\t"
	"lidt c64_idtr(%rip)\n\t"
	"movl $0, c64_i(%rip)\n"
	"c64_next:\n\t"
	"movl c64_i(%rip), %eax\n\t"
	"cmpl c64_n(%rip), %eax\n\t"
	"jae c64_done\n\t"
	"imull $352, %eax, %eax\n\t"
	"addl c64_states(%rip), %eax\n\t"
	"movq %rax, c64_cur(%rip)\n\t"
	"movl $c64_priv + 256, %esp\n\t"
	"pushq 128(%rax)\n\tpopfq\n\t"
	"movq 8(%rax), %rbx\n\tmovq 16(%rax), %rcx\n\tmovq 24(%rax), %rdx\n\t"
	"movq 32(%rax), %rsi\n\tmovq 40(%rax), %rdi\n\tmovq 48(%rax), %rbp\n\t"
	"movq 64(%rax), %r8\n\tmovq 72(%rax), %r9\n\tmovq 80(%rax), %r10\n\t"
	"movq 88(%rax), %r11\n\tmovq 96(%rax), %r12\n\tmovq 104(%rax), %r13\n\t"
	"movq 112(%rax), %r14\n\tmovq 120(%rax), %r15\n\t"
	"movq 56(%rax), %rsp\n\tmovq 0(%rax), %rax\n\t"
	"jmp *c64_stub(%rip)\n"
	".globl c64_back\n"
	"c64_back:\n\t"
	"movq %rax, c64_tmp_rax(%rip)\n\t"
	"movq %rsp, c64_tmp_rsp(%rip)\n\t"
	"movl $c64_priv + 256, %esp\n\t"
	"pushfq\n\t"
	"movq c64_cur(%rip), %rax\n\t"
	"popq 128(%rax)\n\t"
	"cld\n\t"
	"movq %rbx, 8(%rax)\n\tmovq %rcx, 16(%rax)\n\tmovq %rdx, 24(%rax)\n\t"
	"movq %rsi, 32(%rax)\n\tmovq %rdi, 40(%rax)\n\tmovq %rbp, 48(%rax)\n\t"
	"movq %r8, 64(%rax)\n\tmovq %r9, 72(%rax)\n\tmovq %r10, 80(%rax)\n\t"
	"movq %r11, 88(%rax)\n\tmovq %r12, 96(%rax)\n\tmovq %r13, 104(%rax)\n\t"
	"movq %r14, 112(%rax)\n\tmovq %r15, 120(%rax)\n\t"
	"movq c64_tmp_rsp(%rip), %rcx\n\tmovq %rcx, 56(%rax)\n\t"
	"movq c64_tmp_rax(%rip), %rcx\n\tmovq %rcx, 0(%rax)\n\t"
	"incl c64_i(%rip)\n\t"
	"jmp c64_next\n"
	"c64_done:\n\t"
	"pushq $0x08\n\tmovl $c64_exit32, %eax\n\tpushq %rax\n\tlretq\n"
	/* exceptions: record vector and error code, resume at c64_back */
	"c64_fault:\n\t"
	"pushq %rax\n\tpushq %rbx\n\t"
	"movq c64_cur(%rip), %rax\n\t"
	"movq 16(%rsp), %rbx\n\tincq %rbx\n\tmovq %rbx, 136(%rax)\n\t"
	"movq 24(%rsp), %rbx\n\tmovq %rbx, 144(%rax)\n\t"
	"movl $c64_back, %ebx\n\tmovq %rbx, 32(%rsp)\n\t"
	"popq %rbx\n\tpopq %rax\n\taddq $16, %rsp\n\t"
	"iretq\n"
	".balign 16\n"
	"c64_isr:\n\t"
	".set v, 0\n\t"
	".rept 32\n\t"
	".balign 16\n\t"
	".if (v == 8) || ((v >= 10) && (v <= 14)) || (v == 17) || (v == 21) || (v == 29) || (v == 30)\n\t"
	".else\n\t"
	"pushq $0\n\t"
	".endif\n\t"
	"pushq $v\n\t"
	"jmp c64_fault\n\t"
	".set v, v + 1\n\t"
	".endr\n"
	".code32\n"
	"c64_exit32:\n\t"
	"movl %cr0, %eax\n\tandl $0x7fffffff, %eax\n\tmovl %eax, %cr0\n\t"
	"movl $0xc0000080, %ecx\n\trdmsr\n\tandl $~0x100, %eax\n\twrmsr\n\t"
	"movl %cr4, %eax\n\tandl $~0x20, %eax\n\tmovl %eax, %cr4\n\t"
	"movw $0x10, %ax\n\tmovw %ax, %ds\n\tmovw %ax, %es\n\tmovw %ax, %ss\n\t"
	"movw %ax, %fs\n\tmovw %ax, %gs\n\t"
	"lidt runtime_idtr\n\t"
	"movl c64_esp32, %esp\n\t"
	"popfl\n\t"
	"popl %edi\n\tpopl %esi\n\tpopl %ebx\n\tpopl %ebp\n\t"
	"ret\n"
	".popsection");

#define STUB64(name, insn)						\
	void name(void);						\
	__asm__(".pushsection .text.conf, \"ax\"\n.code64\n"		\
		".type " #name ", @function\n"				\
		#name ":\n\t" insn "\n\tjmp c64_back\n"			\
		".code32\n.popsection")

static void long_init(void)
{
	unsigned i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 512; j++)
			pds[i][j] = ((uint64_t)i << 30) | ((uint64_t)j << 21) | 0x83;
	for (i = 0; i < 4; i++)
		pdpt[i] = (uint32_t)(uintptr_t)pds[i] | 3;
	c64_pml4[0] = (uint32_t)(uintptr_t)pdpt | 3;
	gdt64[0] = 0;
	gdt64[1] = 0x00cf9a000000ffffull;	/* 0x08: the runtime's flat code */
	gdt64[2] = 0x00cf92000000ffffull;	/* 0x10: flat data */
	gdt64[3] = 0x00af9a000000ffffull;	/* 0x18: 64-bit code */
	c64_gdtr.limit = sizeof(gdt64) - 1;
	c64_gdtr.base = (uint32_t)(uintptr_t)gdt64;
	__asm__ volatile("lgdt %0\n\tljmp $0x08, $1f\n1:" : : "m"(c64_gdtr) : "memory");
	for (i = 0; i < 32; i++) {
		uint32_t off = (uint32_t)(uintptr_t)c64_isr + i * 16;

		idt64[i * 4] = (off & 0xffff) | SEL_CODE64 << 16;
		idt64[i * 4 + 1] = (off & 0xffff0000u) | 0x8e00;
		idt64[i * 4 + 2] = 0;
		idt64[i * 4 + 3] = 0;
	}
	c64_idtr.limit = sizeof(idt64) - 1;
	c64_idtr.base = (uint32_t)(uintptr_t)idt64;
}

/* ---- operands and hashing ------------------------------------------------ */

static uint64_t edge64(unsigned k)
{
	static const uint64_t e[CONF_NR_EDGES] = {
		0, 1, 2, 3, 0xf, 0x10, 0x7fffffffull, 0x80000000ull, 0xffffffffull,
		0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
		0x8000000000000001ull, 0xfffffffffffffffeull, 0xffffffffffffffffull,
		0x5555555555555555ull,
	};

	return e[k % CONF_NR_EDGES];
}

static uint64_t value64(void)
{
	uint32_t r = rnd();

	switch (r & 7) {
	case 4: return (r >> 8) & 0x3f;
	case 5: return edge64(r >> 8) + ((r >> 16) & 3) - 1;
	case 6: return (uint64_t)(int32_t)rnd();
	case 7: return 1ull << ((r >> 8) & 63);
	default: return rnd64();
	}
}

static void pair64(unsigned i, uint64_t *a, uint64_t *b)
{
	if (i < CONF_NR_EDGES * CONF_NR_EDGES) {
		*a = edge64(i / CONF_NR_EDGES);
		*b = edge64(i % CONF_NR_EDGES);
	} else {
		*a = value64();
		*b = value64();
	}
}

static void setup64(struct st64 *s, uint64_t a, uint64_t b, uint64_t c)
{
	unsigned i;

	for (i = 0; i < 16; i++)
		s->r[i] = rnd64();
	for (i = 0; i < 8; i++)
		s->mem[i] = rnd64();
	for (i = 0; i < 16; i++)
		s->stk[i] = rnd64();
	s->r[RAX] = s->r[R15] = s->r[R10] = a;
	s->r[RBX] = s->r[R8] = s->r[R9] = b;
	s->r[RCX] = c;
	s->mem[4] = a;
	s->mem[5] = b;
	s->r[RSI] = (uint32_t)(uintptr_t)&s->mem[4];
	s->r[RDI] = (uint32_t)(uintptr_t)&s->stk[4];
	s->r[RSP] = (uint32_t)(uintptr_t)&s->stk[12];
	s->r[RBP] = (uint32_t)(uintptr_t)&s->stk[14];	/* enter reads below it */
	s->rflags = conf_flags();
	s->fault = 0;
	s->error = 0;
}

static void put64(const struct st64 *s, uint32_t flag_mask)
{
	unsigned i;

	for (i = 0; i < 16; i++)
		conf_put64(s->r[i]);
	conf_put((uint32_t)s->rflags & flag_mask);
	conf_put((uint32_t)s->fault);
	conf_put((uint32_t)s->error);
	for (i = 0; i < 8; i++)
		conf_put64(s->mem[i]);
	for (i = 0; i < 16; i++)
		conf_put64(s->stk[i]);
#ifdef CONF_TRACE
	printf("# %s %u: rax %llx rbx %llx rcx %llx r8 %llx r10 %llx rsi %llx m %llx fl %x f %u\n",
	       conf_class, conf_cases, s->r[RAX], s->r[RBX], s->r[RCX], s->r[R8], s->r[R10],
	       s->r[RSI], s->mem[4], (uint32_t)s->rflags & flag_mask, (uint32_t)s->fault);
#endif
	conf_cases++;
}

/*
 * A form's arg: operand width in bits, and the kind of case it wants.
 * For shifts the count source too: SH_CL, or an immediate count + 1.
 */
#define W(bits)		(bits)
#define K_DIV		(1 << 8)	/* RDX below the divisor mostly */
#define K_BITSTR	(2 << 8)	/* RBX a bit offset of +-256 */
#define K_SCAN		(3 << 8)	/* destination undefined for a zero source */
#define K_XS		(4 << 8)	/* accumulator equal to the destination half the time */
#define K_SMALLC	(5 << 8)	/* RCX 0..4: string counts */
#define K_KIND		(0xf << 8)
#define SH_IMM(n)	(((n) + 1) << 16)
#define SH_COUNT(arg)	((((arg) >> 16) & 0xff) ? (((arg) >> 16) & 0xff) - 1 : -1)

enum mask_kind { M_ALL, M_LOGIC, M_MUL, M_DIV, M_BT, M_ZF, M_SHIFT, M_SAR, M_ROT, M_SHD };

static uint32_t mask64(enum mask_kind mk, int32_t arg, const struct st64 *in_c,
		       uint64_t count_in)
{
	unsigned bits = arg & 0xff;
	int cnt = SH_COUNT(arg);
	unsigned n = (unsigned)((cnt < 0 ? count_in : (uint64_t)cnt) & (bits == 64 ? 63 : 31));
	uint32_t m = EFL_ARITH;

	(void)in_c;
	switch (mk) {
	case M_ALL: return EFL_ARITH;
	case M_LOGIC: return EFL_ARITH & ~EFL_AF;
	case M_MUL: return EFL_CF | EFL_OF;
	case M_DIV: return 0;
	case M_BT: return EFL_CF | EFL_ZF;
	case M_ZF: return EFL_ZF;
	default: break;
	}
	if (n == 0)
		return m;
	if (n != 1)
		m &= ~EFL_OF;
	if (mk == M_SHIFT && n >= bits)
		m &= ~EFL_CF;
	if (mk == M_SHIFT || mk == M_SAR || mk == M_SHD)
		m &= ~EFL_AF;
	if (mk == M_SHD && bits == 16 && n > 16)
		m = 0;
	return m;
}

static void run64(const char *name, const struct conf_op *ops, unsigned nops, enum mask_kind mk)
{
	unsigned k, i, j, base;
	uint64_t counts[BATCH];

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		int32_t arg = ops[k].arg;
		unsigned bits = arg & 0xff;

		for (base = 0; base < CONF_CASES; base += BATCH) {
			unsigned n = CONF_CASES - base < BATCH ? CONF_CASES - base : BATCH;

			for (j = 0; j < n; j++) {
				struct st64 *s = &batch[j];
				uint64_t a, b, c = rnd64();

				i = base + j;
				pair64(i, &a, &b);
				if (mk >= M_SHIFT)
					c = i < 256 ? (c & ~0xffull) | (i & 127) : c;
				setup64(s, a, b, c);
				switch (arg & K_KIND) {
				case K_DIV:
					if ((i & 3) && b)
						s->r[RDX] = (i & 1) ? rnd64() % b :
							((int64_t)a < 0 ? ~0ull : 0);
					break;
				case K_BITSTR:
					s->r[RBX] = (uint64_t)((int64_t)(rnd() % 512) - 256);
					break;
				case K_XS:
					if (i & 1)
						s->r[RAX] = s->mem[4];
					s->r[RCX] = s->mem[4];
					if (i & 2)
						s->r[RDX] = s->mem[5];
					break;
				case K_SMALLC:
					s->r[RCX] = i % 5;
					if (i & 1)
						s->rflags |= EFL_DF;
					s->r[RAX] = (i & 2) ? s->mem[4] : s->r[RAX];
					break;
				}
				counts[j] = s->r[RCX];
			}
			conf64_run(batch, n, ops[k].fn);
			for (j = 0; j < n; j++) {
				struct st64 *s = &batch[j];
				uint32_t m = mask64(mk, arg, s, counts[j]);

				if ((arg & K_KIND) == K_SCAN && !(s->mem[5] & (bits == 64 ?
				    ~0ull : (1ull << bits) - 1))) {
					/* zero source: the destination (RAX) is undefined */
					s->r[RAX] = 0;
				}
				if (mk == M_DIV && s->fault)
					m = EFL_ARITH;
				put64(s, m);
			}
		}
	}
	conf_end();
}

/* ---- the forms ---------------------------------------------------------- */

#define LOCK ".byte 0xf0\n\t"

#define BIN64(op)							\
	STUB64(op##_q_rr, #op "q %rbx, %rax");				\
	STUB64(op##_q_rm, #op "q 8(%rsi), %rax");			\
	STUB64(op##_q_mr, #op "q %rbx, (%rsi)");			\
	STUB64(op##_q_ib, #op "q $-3, %rbx");				\
	STUB64(op##_q_ia, #op "q $0x7fffffff, %rax");			\
	STUB64(op##_q_in, #op "q $-0x80000000, %rcx");			\
	STUB64(op##_q_lk, LOCK #op "q %r9, (%rsi)");			\
	STUB64(op##_q_hi, #op "q %r8, %r15");				\
	STUB64(op##_l_zx, #op "l %ebx, %eax");				\
	STUB64(op##_l_r10, #op "l $0x80000001, %r10d");			\
	STUB64(op##_b_rex, #op "b %r8b, %sil");				\
	STUB64(op##_w_hi, #op "w %r9w, %r11w");				\
	static const struct conf_op op##_64[] = {			\
		{ op##_q_rr, 64 }, { op##_q_rm, 64 }, { op##_q_mr, 64 },	\
		{ op##_q_ib, 64 }, { op##_q_ia, 64 }, { op##_q_in, 64 },	\
		{ op##_q_lk, 64 }, { op##_q_hi, 64 }, { op##_l_zx, 32 },	\
		{ op##_l_r10, 32 }, { op##_b_rex, 8 }, { op##_w_hi, 16 } }

BIN64(add);
BIN64(adc);
BIN64(sub);
BIN64(sbb);
BIN64(cmp);
BIN64(and);
BIN64(or);
BIN64(xor);

STUB64(test_q_rr, "testq %rbx, %rax");
STUB64(test_q_mr, "testq %r8, (%rsi)");
STUB64(test_q_ia, "testq $-0x7fffffff, %rax");
STUB64(test_l_zx, "testl %ebx, %r15d");
STUB64(test_b_rex, "testb $0x81, %dil");
static const struct conf_op test_64[] = {
	{ test_q_rr, 64 }, { test_q_mr, 64 }, { test_q_ia, 64 }, { test_l_zx, 32 },
	{ test_b_rex, 8 },
};

#define UN64(op)							\
	STUB64(op##_q_r, #op "q %rax");					\
	STUB64(op##_q_m, #op "q (%rsi)");				\
	STUB64(op##_q_hi, #op "q %r12");				\
	STUB64(op##_q_lk, LOCK #op "q 8(%rsi)");			\
	STUB64(op##_l_zx, #op "l %r13d");				\
	STUB64(op##_b_rex, #op "b %sil");				\
	static const struct conf_op op##_64[] = {			\
		{ op##_q_r, 64 }, { op##_q_m, 64 }, { op##_q_hi, 64 },	\
		{ op##_q_lk, 64 }, { op##_l_zx, 32 }, { op##_b_rex, 8 } }

UN64(inc);
UN64(dec);
UN64(neg);
UN64(not);

#define SH64(op)							\
	STUB64(op##_q_cl, #op "q %cl, %rax");				\
	STUB64(op##_q_1, #op "q %rbx");					\
	STUB64(op##_q_33, #op "q $33, %r8");				\
	STUB64(op##_q_63, #op "q $63, %rax");				\
	STUB64(op##_q_m, #op "q %cl, (%rsi)");				\
	STUB64(op##_l_cl, #op "l %cl, %r10d");				\
	STUB64(op##_l_0, #op "l $0, %eax");				\
	STUB64(op##_b_rex, #op "b %cl, %sil");				\
	static const struct conf_op op##_64[] = {			\
		{ op##_q_cl, 64 }, { op##_q_1, 64 | SH_IMM(1) },		\
		{ op##_q_33, 64 | SH_IMM(33) }, { op##_q_63, 64 | SH_IMM(63) }, \
		{ op##_q_m, 64 }, { op##_l_cl, 32 }, { op##_l_0, 32 | SH_IMM(0) }, \
		{ op##_b_rex, 8 } }

SH64(shl);
SH64(shr);
SH64(sar);
SH64(rol);
SH64(ror);
SH64(rcl);
SH64(rcr);

#define SHD64(op)							\
	STUB64(op##_q_cl, #op "q %cl, %rbx, %rax");			\
	STUB64(op##_q_1, #op "q $1, %rbx, %rax");			\
	STUB64(op##_q_40, #op "q $40, %r8, %r15");			\
	STUB64(op##_q_m, #op "q %cl, %rbx, (%rsi)");			\
	STUB64(op##_l_cl, #op "l %cl, %ebx, %eax");			\
	static const struct conf_op op##_64[] = {			\
		{ op##_q_cl, 64 }, { op##_q_1, 64 | SH_IMM(1) },		\
		{ op##_q_40, 64 | SH_IMM(40) }, { op##_q_m, 64 }, { op##_l_cl, 32 } }

SHD64(shld);
SHD64(shrd);

STUB64(mul_q, "mulq %rbx");
STUB64(mul_qm, "mulq 8(%rsi)");
STUB64(imul_q, "imulq %r8");
STUB64(imul2_q, "imulq %rbx, %rax");
STUB64(imul3_q, "imulq $-7, %rbx, %rax");
STUB64(imul3_qm, "imulq $0x12345678, 8(%rsi), %r13");
STUB64(mul_l, "mull %ebx");
static const struct conf_op mul_64[] = {
	{ mul_q, 64 }, { mul_qm, 64 }, { imul_q, 64 }, { imul2_q, 64 }, { imul3_q, 64 },
	{ imul3_qm, 64 }, { mul_l, 32 },
};
STUB64(div_q, "divq %rbx");
STUB64(div_qm, "divq 8(%rsi)");
STUB64(idiv_q, "idivq %r8");
STUB64(div_l, "divl %ebx");
static const struct conf_op div_64[] = {
	{ div_q, 64 | K_DIV }, { div_qm, 64 | K_DIV }, { idiv_q, 64 | K_DIV },
	{ div_l, 32 },
};

STUB64(bt_q_r, "btq %rbx, %rax");
STUB64(bts_q_i, "btsq $45, %rcx");
STUB64(btr_q_m, "btrq %rbx, (%rsi)");
STUB64(btc_q_lk, LOCK "btcq %rbx, (%rsi)");
STUB64(bt_q_m, "btq %rbx, (%rsi)");
static const struct conf_op bt_64[] = {
	{ bt_q_r, 64 }, { bts_q_i, 64 }, { btr_q_m, 64 | K_BITSTR },
	{ btc_q_lk, 64 | K_BITSTR }, { bt_q_m, 64 | K_BITSTR },
};
STUB64(bsf_q, "bsfq 8(%rsi), %rax");
STUB64(bsr_q, "bsrq 8(%rsi), %rax");
STUB64(bsf_l, "bsfl 8(%rsi), %eax");
static const struct conf_op scan_64[] = {
	{ bsf_q, 64 | K_SCAN }, { bsr_q, 64 | K_SCAN }, { bsf_l, 32 | K_SCAN },
};

STUB64(bswap_q, "bswap %rax\n\tbswap %r10\n\tbswap %ebx");
STUB64(movsxd_s, "movslq %ebx, %rax");
STUB64(movzbq_s, "movzbq %bl, %rax\n\tmovzwq %r8w, %r12");
STUB64(movsbq_s, "movsbq %sil, %rcx\n\tmovswq 8(%rsi), %r13");
STUB64(cqo_s, "cqto");
STUB64(cdqe_s, "cltq");
STUB64(movabs_s, "movabsq $0x123456789abcdef0, %r14");
STUB64(movl_zx, "movl %ebx, %eax\n\tmovw %bx, %r9w\n\tmovb %bl, %ah");
STUB64(cmov_q, "cmovaq %rbx, %rax\n\tcmovlq 8(%rsi), %rcx\n\tcmovpl %ebx, %edx");
STUB64(cmov_l, "cmovel %ebx, %r11d");
STUB64(set_rex, "setg %sil\n\tsetb %r9b");
STUB64(xchg_q, "xchgq %r8, %rax\n\txchgq %rbx, (%rsi)\n\txchgl %ecx, %edx");
STUB64(riprel, "leaq c64_back(%rip), %rax\n\tmovq c64_cur(%rip), %rbx\n\t"
       "movl c64_n(%rip), %ecx");
STUB64(lea_q, "leaq 0x7f(%rbx,%rcx,8), %rax\n\tleal (%ebx,%ecx), %edx\n\t"
       "leaq -8(%r12,%r13,2), %r14\n\tleaw 4(%rbx), %r15w\n\tleaq (%ebx,%eax), %r11");
static const struct conf_op move_64[] = {
	{ bswap_q, 64 }, { movsxd_s, 64 }, { movzbq_s, 64 }, { movsbq_s, 64 }, { cqo_s, 64 },
	{ cdqe_s, 64 }, { movabs_s, 64 }, { movl_zx, 64 }, { cmov_q, 64 }, { cmov_l, 64 },
	{ set_rex, 64 }, { xchg_q, 64 }, { riprel, 64 }, { lea_q, 64 },
};

STUB64(xadd_q, "xaddq %rbx, (%rsi)");
STUB64(xadd_lk, LOCK "xaddq %r8, (%rsi)");
STUB64(cmpxchg_q, "cmpxchgq %rbx, (%rsi)");
STUB64(cmpxchg_r, "cmpxchgq %r9, %rcx");
STUB64(cmpxchg_lk, LOCK "cmpxchgq %rbx, (%rsi)");
STUB64(cmpxchg_l, "cmpxchgl %ebx, %ecx");
STUB64(cmpxchg16b_s, "cmpxchg16b (%rsi)");
STUB64(cmpxchg16b_lk, LOCK "cmpxchg16b (%rsi)");
STUB64(cmpxchg16b_ua, "cmpxchg16b 8(%rsi)");	/* misaligned: #GP */
static const struct conf_op xs_64[] = {
	{ xadd_q, 64 | K_XS }, { xadd_lk, 64 | K_XS }, { cmpxchg_q, 64 | K_XS },
	{ cmpxchg_r, 64 | K_XS }, { cmpxchg_lk, 64 | K_XS }, { cmpxchg_l, 32 | K_XS },
	{ cmpxchg16b_s, 64 | K_XS }, { cmpxchg16b_lk, 64 | K_XS }, { cmpxchg16b_ua, 64 | K_XS },
};

STUB64(push_q, "pushq %r12\n\tpushq $-1\n\tpushq 8(%rsi)\n\tpushw %bx\n\tpushq %rsp");
STUB64(pop_q, "popq %r13\n\tpopq (%rsi)\n\tpopw %cx\n\tpopq %rsp");
STUB64(enter_q, "enterq $16, $2\n\tleaveq");
STUB64(enter_q0, "enterq $8, $0");
STUB64(call_q, "call 1f\n1:\tpopq %rdx\n\tleaq 1f(%rip), %rcx\n\tpushq %rcx\n\tret\n1:");
STUB64(pushf_q, "pushfq\n\tpopq %rax");
static const struct conf_op stack_64[] = {
	{ push_q, 64 }, { pop_q, 64 }, { enter_q, 64 }, { enter_q0, 64 }, { call_q, 64 },
	{ pushf_q, 64 },
};

STUB64(movsq_s, "rep movsq");
STUB64(stosq_s, "rep stosq");
STUB64(lodsq_s, "lodsq");
STUB64(scasq_s, "repne scasq");
STUB64(cmpsq_s, "repe cmpsq");
STUB64(movsl_s, "rep movsl");
STUB64(cmpsb_s, "repe cmpsb");
static const struct conf_op string_64[] = {
	{ movsq_s, 64 | K_SMALLC }, { stosq_s, 64 | K_SMALLC }, { lodsq_s, 64 | K_SMALLC },
	{ scasq_s, 64 | K_SMALLC }, { cmpsq_s, 64 | K_SMALLC }, { movsl_s, 32 | K_SMALLC },
	{ cmpsb_s, 8 | K_SMALLC },
};

static void known_answers(void)
{
	struct st64 *s = &batch[0];

	setup64(s, 0xffffffffffffffffull, 1, 0);
	conf64_run(batch, 1, add_q_rr);
	conf_expect("long_add64_carry", (uint32_t)s->r[RAX] | (uint32_t)(s->r[RAX] >> 32) |
		    (s->rflags & EFL_CF), EFL_CF);
	setup64(s, 0xffffffffffffffffull, 1, 0);
	conf64_run(batch, 1, add_l_zx);
	conf_expect("long_add32_zero_extends", (uint32_t)(s->r[RAX] >> 32), 0);
	setup64(s, 0, 0x80000000u, 0);
	conf64_run(batch, 1, movsxd_s);
	conf_expect("long_movsxd", (uint32_t)(s->r[RAX] >> 32), 0xffffffffu);
	setup64(s, 0, 0, 0);
	conf64_run(batch, 1, cmpxchg16b_ua);
	conf_expect("long_cmpxchg16b_misaligned_gp", (uint32_t)s->fault, 13 + 1);
}

void test_main(void)
{
	static const struct {
		const char *name;
		const struct conf_op *ops;
		unsigned n;
		enum mask_kind mk;
	} classes[] = {
#define C(nm, op, mk) { nm, op##_64, ARRAY_SIZE(op##_64), mk }
		C("add.64", add, M_ALL), C("adc.64", adc, M_ALL), C("sub.64", sub, M_ALL),
		C("sbb.64", sbb, M_ALL), C("cmp.64", cmp, M_ALL), C("and.64", and, M_LOGIC),
		C("or.64", or, M_LOGIC), C("xor.64", xor, M_LOGIC), C("test.64", test, M_LOGIC),
		C("inc.64", inc, M_ALL), C("dec.64", dec, M_ALL), C("neg.64", neg, M_ALL),
		C("not.64", not, M_ALL),
		C("shl.64", shl, M_SHIFT), C("shr.64", shr, M_SHIFT), C("sar.64", sar, M_SAR),
		C("rol.64", rol, M_ROT), C("ror.64", ror, M_ROT), C("rcl.64", rcl, M_ROT),
		C("rcr.64", rcr, M_ROT), C("shld.64", shld, M_SHD), C("shrd.64", shrd, M_SHD),
		C("mul.64", mul, M_MUL), C("div.64", div, M_DIV), C("bt.64", bt, M_BT),
		C("bsfr.64", scan, M_ZF), C("move.64", move, M_ALL), C("cmpxchg.64", xs, M_ALL),
		C("stack.64", stack, M_ALL), C("string.64", string, M_ALL),
#undef C
	};
	unsigned i;

	conf_init();
	long_init();
	known_answers();
	for (i = 0; i < ARRAY_SIZE(classes); i++)
		run64(classes[i].name, classes[i].ops, classes[i].n, classes[i].mk);
	pass("conf_long_ran");
}
