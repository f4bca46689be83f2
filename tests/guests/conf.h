/*
 * Instruction conformance by difference: the shared part of the conf_*.c
 * guests. Included by exactly one file per guest (it defines code).
 *
 * Contract
 * - A guest runs instruction classes. Each class executes a set of
 *   instruction stubs over a deterministic operand set (edge values, then
 *   pseudo-random ones from a seed derived from the class name) and folds
 *   every result into a 64-bit FNV-1a style hash of 32-bit words. It prints
 *     DIGEST: <class> <16 hex digits>
 *     # <class>: <n> cases
 *   The digest on qemu-system-x86_64 TCG is the reference; tests/guests/
 *   conformance compares ours with it, class for class.
 * - Flags an instruction leaves undefined (SDM) are masked before hashing;
 *   results the SDM calls undefined are zeroed. Nothing else is masked.
 * - A stub is one or more instructions followed by `jmp conf_back`, entered
 *   by conf_exec() with every GPR, ESP and EFLAGS loaded from a conf_state
 *   and left with all of them saved back. An exception inside a stub is
 *   recorded in the state (vector + 1, error code) and execution resumes at
 *   conf_back, so faults are part of the digest, deterministically.
 */
#ifndef GUEST_CONF_H
#define GUEST_CONF_H

#include "runtime.h"

#define EFL_CF		0x0001u
#define EFL_PF		0x0004u
#define EFL_AF		0x0010u
#define EFL_ZF		0x0040u
#define EFL_SF		0x0080u
#define EFL_DF		0x0400u
#define EFL_OF		0x0800u
#define EFL_ARITH	(EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF)
#define EFL_FIXED	0x0002u

/* Cases per stub beyond the edge-value grid. */
#ifndef CONF_RANDOM_CASES
#define CONF_RANDOM_CASES	768
#endif
#define CONF_NR_EDGES		16

struct conf_state {
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp;	/* 0 .. 28 */
	uint32_t eflags;					/* 32 */
	uint32_t fault;		/* vector + 1 of an exception in the stub, or 0 */
	uint32_t error;		/* its error code */
};

/* One instruction form of a class; arg is form data (an immediate, a size). */
struct conf_op {
	void (*fn)(void);
	int32_t arg;
};

#define CONF_STUB(name, insn)						\
	void name(void);						\
	__asm__(".pushsection .text.conf, \"ax\"\n"			\
		".type " #name ", @function\n"				\
		#name ":\n\t" insn "\n\tjmp conf_back\n"		\
		".popsection")

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- the executor ------------------------------------------------------ */

void conf_exec(struct conf_state *s, void (*stub)(void));
void conf_back(void);
struct conf_state *volatile conf_cur;
volatile uint32_t conf_active;
uint32_t conf_host_esp, conf_tmp_eax, conf_tmp_esp;
void (*conf_cur_stub)(void);
uint32_t conf_priv_stack[64] __attribute__((aligned(16)));
/* A stack for the stubs: tests that move ESP point it into here. */
uint32_t conf_stack[1024] __attribute__((aligned(16)));
#define CONF_STACK_TOP	((uint32_t)(uintptr_t)&conf_stack[768])
/* Memory operands: ESI points at conf_mem[0], EDI at conf_mem[4]. */
uint32_t conf_mem[24] __attribute__((aligned(16)));

__asm__(".pushsection .text.conf, \"ax\"\n"
	".globl conf_exec\n"
	"conf_exec:\n\t"
	"pushl %ebp\n\tpushl %ebx\n\tpushl %esi\n\tpushl %edi\n\t"
	"movl %esp, conf_host_esp\n\t"
	"movl 20(%esp), %eax\n\tmovl %eax, conf_cur\n\t"
	"movl 24(%esp), %ecx\n\tmovl %ecx, conf_cur_stub\n\t"
	"movl $conf_priv_stack + 256, %esp\n\t"
	"pushl 32(%eax)\n\tpopfl\n\t"
	"movl $1, conf_active\n\t"
	"movl 4(%eax), %ebx\n\tmovl 8(%eax), %ecx\n\tmovl 12(%eax), %edx\n\t"
	"movl 16(%eax), %esi\n\tmovl 20(%eax), %edi\n\tmovl 24(%eax), %ebp\n\t"
	"movl 28(%eax), %esp\n\tmovl 0(%eax), %eax\n\t"
	"jmp *conf_cur_stub\n"
	".globl conf_back\n"
	"conf_back:\n\t"
	"movl %eax, conf_tmp_eax\n\t"
	"movl %esp, conf_tmp_esp\n\t"
	"movl $conf_priv_stack + 256, %esp\n\t"
	"pushfl\n\t"
	"movl $0, conf_active\n\t"
	"movl conf_cur, %eax\n\t"
	"popl 32(%eax)\n\t"
	"cld\n\t"
	"movl %ebx, 4(%eax)\n\tmovl %ecx, 8(%eax)\n\tmovl %edx, 12(%eax)\n\t"
	"movl %esi, 16(%eax)\n\tmovl %edi, 20(%eax)\n\tmovl %ebp, 24(%eax)\n\t"
	"movl conf_tmp_esp, %ecx\n\tmovl %ecx, 28(%eax)\n\t"
	"movl conf_tmp_eax, %ecx\n\tmovl %ecx, 0(%eax)\n\t"
	"movl conf_host_esp, %esp\n\t"
	"popl %edi\n\tpopl %esi\n\tpopl %ebx\n\tpopl %ebp\n\t"
	"ret\n"
	".popsection");

/* An exception inside a stub: record it and resume at conf_back. */
static inline void conf_fault(struct irq_frame *f)
{
	if (!conf_active) {
		printf("FAIL: exception: vector %u error %#x at eip %#x outside a stub\n",
		       f->vector, f->error, f->eip);
		printf("SUMMARY: panic\n");
		exit_vm(EXIT_PANIC);
	}
	conf_cur->fault = f->vector + 1;
	conf_cur->error = f->error;
	f->eip = (uint32_t)(uintptr_t)conf_back;
}

static inline void conf_init(void)
{
	static const uint8_t vectors[] = { 0, 1, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 16, 17, 19 };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(vectors); i++)
		irq_set_handler(vectors[i], conf_fault);
}

/* ---- operands ---------------------------------------------------------- */

static uint32_t conf_seed;

static inline uint32_t rnd(void)
{
	uint32_t x = conf_seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	conf_seed = x;
	return x;
}

static inline uint64_t rnd64(void)
{
	uint64_t hi = rnd();

	return hi << 32 | rnd();
}

static inline uint32_t width_mask(unsigned bits)
{
	return bits >= 32 ? 0xffffffffu : (1u << bits) - 1;
}

/* Edge value k (0..CONF_NR_EDGES-1) for an operand of `bits`. */
static inline uint32_t conf_edge(unsigned k, unsigned bits)
{
	uint32_t m = width_mask(bits), sign = 1u << (bits - 1);
	static const uint32_t small[] = { 0, 1, 2, 3, 7, 8, 0xf, 0x10 };

	if (k < 8)
		return small[k];
	switch (k) {
	case 8: return sign - 1;
	case 9: return sign;
	case 10: return sign + 1;
	case 11: return m - 1;
	case 12: return m;
	case 13: return 0x55555555u & m;
	case 14: return 0xaaaaaaaau & m;
	default: return sign >> 1;
	}
}

/* A random operand of `bits`, biased to the interesting ones; the bits above
 * the width are random too (partial-register writes must keep them). */
static inline uint32_t conf_value(unsigned bits)
{
	uint32_t r = rnd(), m = width_mask(bits), v;

	switch (r & 7) {
	case 4: v = (r >> 8) & 0x1f; break;
	case 5: v = conf_edge((r >> 8) % CONF_NR_EDGES, bits) + ((r >> 16) & 3) - 1; break;
	case 6: v = m - ((r >> 8) & 0xf); break;
	case 7: v = 1u << ((r >> 8) % bits); break;
	default: v = rnd(); break;
	}
	return (v & m) | (rnd() & ~m);
}

/* Operand pair i of a class: the edge grid first, then random pairs. */
static inline void conf_pair(unsigned i, unsigned bits, uint32_t *a, uint32_t *b)
{
	if (i < CONF_NR_EDGES * CONF_NR_EDGES) {
		uint32_t m = width_mask(bits);

		*a = conf_edge(i / CONF_NR_EDGES, bits) | (rnd() & ~m);
		*b = conf_edge(i % CONF_NR_EDGES, bits) | (rnd() & ~m);
	} else {
		*a = conf_value(bits);
		*b = conf_value(bits);
	}
}
#define CONF_CASES	(CONF_NR_EDGES * CONF_NR_EDGES + CONF_RANDOM_CASES)

static inline uint32_t conf_flags(void)
{
	return (rnd() & EFL_ARITH) | EFL_FIXED;
}

/* ---- digests ----------------------------------------------------------- */

#define FNV_BASIS	0xcbf29ce484222325ull
#define FNV_PRIME	0x100000001b3ull

static uint64_t conf_hash;
static uint32_t conf_cases;
static const char *conf_class;

static inline void conf_begin(const char *name)
{
	const char *p;

	conf_class = name;
	conf_hash = FNV_BASIS;
	conf_cases = 0;
	/* a seed per class, so one class's operands do not depend on another's */
	conf_seed = 0x9e3779b9u;
	for (p = name; *p; p++)
		conf_seed = (conf_seed ^ (uint8_t)*p) * 16777619u;
	if (!conf_seed)
		conf_seed = 1;
}

static inline void conf_put(uint32_t w)
{
	conf_hash = (conf_hash ^ w) * FNV_PRIME;
}

static inline void conf_put64(uint64_t w)
{
	conf_put((uint32_t)w);
	conf_put((uint32_t)(w >> 32));
}

static inline void conf_end(void)
{
	printf("DIGEST: %s %016llx\n", conf_class, (unsigned long long)conf_hash);
	printf("# %s: %u cases\n", conf_class, conf_cases);
}

/* Hash a state after a stub: every GPR, ESP, the defined flags, any fault. */
static inline void conf_put_state(const struct conf_state *s, uint32_t flag_mask)
{
	conf_put(s->eax);
	conf_put(s->ebx);
	conf_put(s->ecx);
	conf_put(s->edx);
	conf_put(s->esi);
	conf_put(s->edi);
	conf_put(s->ebp);
	conf_put(s->esp);
	conf_put(s->eflags & flag_mask);
	conf_put(s->fault);
	conf_put(s->error);
#ifdef CONF_TRACE
	/* -DCONF_TRACE (make build/guests/trace/conf_x.elf): every case, to diff
	 * two CPUs; the case number / CONF_CASES is the index of the form */
	printf("# %s %u: %08x %08x %08x %08x %08x %08x %08x %08x fl %08x f %u/%x\n",
	       conf_class, conf_cases, s->eax, s->ebx, s->ecx, s->edx, s->esi, s->edi,
	       s->ebp, s->esp, s->eflags & flag_mask, s->fault, s->error);
#endif
	conf_cases++;
}

/* The usual entry state: a, b, c in EAX, EBX, ECX, memory operands at ESI/EDI. */
static inline void conf_setup(struct conf_state *s, uint32_t a, uint32_t b, uint32_t c)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(conf_mem); i++)
		conf_mem[i] = rnd();
	conf_mem[0] = a;
	conf_mem[1] = b;
	s->eax = a;
	s->ebx = b;
	s->ecx = c;
	s->edx = rnd();
	s->esi = (uint32_t)(uintptr_t)&conf_mem[0];
	s->edi = (uint32_t)(uintptr_t)&conf_mem[4];
	s->ebp = rnd();
	s->esp = CONF_STACK_TOP;
	s->eflags = conf_flags();
	s->fault = 0;
	s->error = 0;
}

static inline void conf_put_mem(unsigned words)
{
	unsigned i;

	for (i = 0; i < words && i < ARRAY_SIZE(conf_mem); i++)
		conf_put(conf_mem[i]);
}

/* A known answer from the SDM, checked on every CPU (catches a reference gone wrong). */
static inline bool conf_expect(const char *test, uint32_t got, uint32_t want)
{
	return check(got == want, test, "got %#x, want %#x", got, want);
}

#endif
