/*
 * The interpreter's fast paths (issue 7): specialised handlers, threaded
 * blocks with a lazy RIP, block chaining and bulk rep stos.
 * - Conditions: after each of many flag-setting shapes (64/32/8-bit,
 *   register, immediate and memory forms) all sixteen setcc, jcc and cmov
 *   must agree with the EFLAGS pushfq shows, and for compares, tests and
 *   adds those flags must be the ones computed here in C.
 * - RIP: a fault after a run of register-only instructions reports the
 *   faulting instruction; a block that ends at a page boundary in the middle
 *   of straight-line code goes on at the right instruction; a store into
 *   the running block's own code takes effect at once, and so does code
 *   rewritten from outside (DMA) once tcg_invalidate_phys() is told.
 * - rep stos of byte-uniform and mixed values, all sizes, across pages.
 * - tcg_cpu_run's instruction limit holds while blocks chain to themselves.
 * Programs are assembled with `as --64` at test time.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/tcg/tcg_fixture.h"

#define FX_RAM		(4u << 20)
#define FX_PML4		0x1000u
#define FX_PDPT		0x2000u
#define FX_PD		0x3000u
#define FX_GDT		0x5000u
#define FX_TSS		0x6000u
#define FX_IDT		0x7000u
#define FX_CODE		0x10000u
#define FX_RSP		0x80000u
#define FX_TABLE	0x200000u	/* cases: { a, b } */
#define FX_OUT		0x240000u	/* records, REC bytes each */
#define FX_UNMAPPED	0x40000000ull	/* above the mapped GiB: #PF */

#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_TSS		0x18

/* 64-bit mode at CPL 0, the first GiB identity-mapped with 2 MiB pages, #PF to 0x100 */
static void fx_init(struct tcg_fixture *f)
{
	struct cpu_state s;
	uint64_t pf = FX_CODE + 0x100;

	fix_init(f, FX_RAM);

	fix_wr64(f, FX_PML4, FX_PDPT | 3);
	fix_wr64(f, FX_PDPT, FX_PD | 3);
	for (uint64_t i = 0; i < 512; i++)
		fix_wr64(f, FX_PD + i * 8, (i << 21) | 0x83);
	fix_wr64(f, FX_GDT + SEL_CODE, 0x00af9a000000ffffull);
	fix_wr64(f, FX_GDT + SEL_DATA, 0x00cf92000000ffffull);
	fix_wr64(f, FX_GDT + SEL_TSS, 0x0067 | ((uint64_t)FX_TSS << 16) | (0x89ull << 40));
	fix_wr64(f, FX_IDT + EXC_PF * 16, (pf & 0xffff) | ((uint64_t)SEL_CODE << 16) |
	     (0x8eull << 40) | ((pf >> 16) & 0xffff) << 48);
	fix_wr64(f, FX_IDT + EXC_PF * 16 + 8, pf >> 32);

	cpu_state_reset(&s, TCG_CPUID_SIGNATURE, true);
	s.gdt = (struct cpu_dtable){ .base = FX_GDT, .limit = 0x27 };
	s.idt = (struct cpu_dtable){ .base = FX_IDT, .limit = 256 * 16 - 1 };
	for (int i = 0; i < SEG_LDT; i++)
		s.seg[i] = fix_seg(SEL_DATA, 0x00cf93000000ffffull);
	s.seg[SEG_CS] = fix_seg(SEL_CODE, 0x00af9b000000ffffull);
	s.seg[SEG_TR] = fix_seg(SEL_TSS, 0x0067 | ((uint64_t)FX_TSS << 16) | (0x8bull << 40));
	s.gpr[CPU_RSP] = FX_RSP;
	s.rip = FX_CODE;
	s.cr0 = CR0_PE | CR0_PG | CR0_WP | CR0_ET;
	s.cr3 = FX_PML4;
	s.cr4 = CR4_PAE;
	s.efer = EFER_LME | EFER_LMA | EFER_NXE;
	tcg_cpu_set_state(f->cpu, &s);
	f->cpu->wait_sipi = false;
}

/* assemble src at FX_CODE; false if the toolchain is missing */
static bool fx_load_asm(struct tcg_fixture *f, const char *src)
{
	return fix_load_asm(f, src, FX_CODE, FX_TABLE);
}

static void fx_run(struct tcg_fixture *f, uint64_t max)
{
	uint64_t start = f->cpu->icount;

	while (!f->exited && f->cpu->icount - start < max)
		if (tcg_cpu_run(f->cpu, 10000) != ACCEL_RUN_KICK)
			break;
}

/* every program: jump to main; #PF records the frame's RIP and exits with 14 */
#define FX_HEAD								\
	".intel_syntax noprefix\n.code64\n"					\
	"start: jmp main\n"						\
	".org 0x100\n"								\
	" mov rax, [rsp + 8]\n mov [0x600], rax\n mov [0x610], rbx\n"		\
	" mov al, 14\n out 0xf4, al\n hlt\n"					\
	".org 0x200\nmain:\n"
#define FX_EXIT	" mov al, 0x2a\n out 0xf4, al\n hlt\n"

/* ---- conditions ---------------------------------------------------------- */

#define REC		80	/* setcc[16], jcc[16], cmov[16], rflags, result, fused jcc[16] */
#define NCASES		48

/* flag-setting shapes: rax = a, rbx = b, rsi -> the case's a in memory */
static const char *const shapes[] = {
	"add rax, rbx", "sub rax, rbx", "cmp rax, rbx", "and rax, rbx", "or rax, rbx",
	"xor rax, rbx", "test rax, rbx", "bt rbx, 0\n adc rax, rbx", "bt rbx, 1\n inc rax",
	"bt rbx, 1\n dec rax", "shl rax, 7", "shr rax, 13", "sar rax, 1", "imul rax, rbx",
	"add eax, ebx", "sub eax, ebx", "cmp eax, ebx", "and eax, ebx", "test eax, ebx",
	"bt rbx, 2\n adc eax, ebx", "bt rbx, 1\n dec ebx", "shr eax, 3", "sar eax, 31",
	"imul eax, ebx", "cmp al, bl", "test al, bl", "cmp al, 0x80", "test bl, 0x81",
	"add rax, 5", "cmp rax, -1", "cmp eax, 0x7fffffff", "and rax, -16",
	"cmp rax, [rsi]", "cmp [rsi], rbx", "cmp dword ptr [rsi], 0x10",
	"cmp byte ptr [rsi], 0x40", "test byte ptr [rsi + 8], 3", "add rax, [rsi + 8]",
	"sub eax, [rsi + 8]", "cmp ebx, [rsi]", "sub rax, 3", "sub eax, 100", "add eax, 1",
	"add rax, -1", "shl rax, 1", "shr eax, 1", "sar rax, 1", "mov ecx, ebx\n shl rax, cl",
	"mov ecx, ebx\n shr eax, cl", "mov ecx, ebx\n sar rax, cl", "neg rax", "neg eax",
	"bt rbx, 3\n adc rax, 7", "bt rbx, 4\n adc eax, -2", "cmp bl, [rsi]",
};
#define NSHAPES	(sizeof(shapes) / sizeof(shapes[0]))

static const char *const cc_name[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
					 "s", "ns", "p", "np", "l", "ge", "le", "g" };

static bool cond_of(uint64_t fl, unsigned cc)
{
	bool cf = fl & FL_CF, zf = fl & FL_ZF, sf = fl & FL_SF, of = fl & FL_OF, pf = fl & FL_PF;
	bool r;

	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return r ^ (cc & 1);
}

static char *cond_program(void)
{
	size_t cap = 1 << 20, len = 0;
	char *p = malloc(cap);

	ck_assert_ptr_nonnull(p);
#define EMIT(...) do {								\
		int n_ = snprintf(p + len, cap - len, __VA_ARGS__);		\
		ck_assert(n_ > 0 && (size_t)n_ < cap - len);			\
		len += (size_t)n_;						\
	} while (0)
	EMIT("%s", FX_HEAD);
	EMIT(" mov rdi, %#x\n", FX_OUT);
	for (unsigned s = 0; s < NSHAPES; s++) {
		EMIT(" mov rsi, %#x\n mov r12, %u\nloop%u:\n", FX_TABLE, NCASES, s);
		EMIT(" mov rax, [rsi]\n mov rbx, [rsi + 8]\n %s\n", shapes[s]);
		for (unsigned c = 0; c < 16; c++)
			EMIT(" set%s cl\n mov [rdi + %u], cl\n", cc_name[c], c);
		for (unsigned c = 0; c < 16; c++)
			EMIT(" j%s 1f\n mov byte ptr [rdi + %u], 0\n jmp 2f\n"
			     "1: mov byte ptr [rdi + %u], 1\n2:\n", cc_name[c], 16 + c, 16 + c);
		for (unsigned c = 0; c < 16; c++)
			EMIT(" mov edx, 0\n mov ecx, 1\n cmov%s edx, ecx\n mov [rdi + %u], dl\n",
			     cc_name[c], 32 + c);
		EMIT(" pushfq\n pop rdx\n mov [rdi + 48], rdx\n mov [rdi + 56], rax\n");
		/* the shape right before the jcc: the decoder may fuse the two */
		for (unsigned c = 0; c < 16; c++)
			EMIT(" mov rax, [rsi]\n mov rbx, [rsi + 8]\n %s\n j%s 1f\n"
			     " mov byte ptr [rdi + %u], 0\n jmp 2f\n"
			     "1: mov byte ptr [rdi + %u], 1\n2:\n", shapes[s], cc_name[c],
			     64 + c, 64 + c);
		EMIT(" add rsi, 16\n add rdi, %u\n dec r12\n jnz loop%u\n", REC, s);
	}
	EMIT("%s", FX_EXIT);
#undef EMIT
	return p;
}

static uint64_t case_value(unsigned i, unsigned which)
{
	static const uint64_t edge[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0x7fffffff, 0x80000000ull,
		0xffffffffull, 0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
		~0ull, ~0ull - 1,
	};
	uint64_t x = (i * 2 + which) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 29;
	if (i < 16)
		return which ? edge[(i * 7 + 3) % 16] : edge[i];
	if (i < 24)
		return which ? edge[i - 8] : edge[i - 8];	/* equal operands */
	return x * 0xbf58476d1ce4e5b9ull;
}

/* the flags a compare/sub of size bytes must give */
static uint64_t sub_flags(uint64_t a, uint64_t b, unsigned size)
{
	uint64_t m = size == 8 ? ~0ull : (1ull << (size * 8)) - 1, sb = 1ull << (size * 8 - 1);
	uint64_t r = (a - b) & m, f = 0;

	a &= m;
	b &= m;
	if (a < b)
		f |= FL_CF;
	if (!r)
		f |= FL_ZF;
	if (r & sb)
		f |= FL_SF;
	if ((a ^ b) & (a ^ r) & sb)
		f |= FL_OF;
	return f;
}

static uint64_t add_flags(uint64_t a, uint64_t b, unsigned size)
{
	uint64_t m = size == 8 ? ~0ull : (1ull << (size * 8)) - 1, sb = 1ull << (size * 8 - 1);
	uint64_t r = (a + b) & m, f = 0;

	a &= m;
	b &= m;
	if (r < a)
		f |= FL_CF;
	if (!r)
		f |= FL_ZF;
	if (r & sb)
		f |= FL_SF;
	if ((a ^ r) & (b ^ r) & sb)
		f |= FL_OF;
	return f;
}

static uint64_t logic_flags(uint64_t r, unsigned size)
{
	uint64_t m = size == 8 ? ~0ull : (1ull << (size * 8)) - 1, f = 0;

	r &= m;
	if (!r)
		f |= FL_ZF;
	if (r & (1ull << (size * 8 - 1)))
		f |= FL_SF;
	return f;
}

START_TEST(test_fast_conditions)
{
	const uint64_t arith = FL_CF | FL_ZF | FL_SF | FL_OF;
	struct tcg_fixture f;
	char *src;
	bool ok;

	fx_init(&f);
	src = cond_program();
	ok = fx_load_asm(&f, src);
	free(src);
	if (!ok) {
		harness_skip("test_fast_conditions", "GNU as/ld (x86-64) not usable");
		fix_fini(&f);
		return;
	}
	for (unsigned i = 0; i < NCASES; i++) {
		fix_wr64(&f, FX_TABLE + i * 16, case_value(i, 0));
		fix_wr64(&f, FX_TABLE + i * 16 + 8, case_value(i, 1));
	}
	fx_run(&f, 20000000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x2a);
	for (unsigned s = 0; s < NSHAPES; s++) {
		for (unsigned i = 0; i < NCASES; i++) {
			uint64_t rec = FX_OUT + (s * NCASES + i) * REC;
			uint64_t fl = fix_rd64(&f, rec + 48), a = case_value(i, 0), b = case_value(i, 1);
			uint64_t want = ~0ull;

			for (unsigned c = 0; c < 16; c++) {
				unsigned exp = cond_of(fl, c);

				if (f.ram[rec + c] != exp || f.ram[rec + 16 + c] != exp ||
				    f.ram[rec + 32 + c] != exp || f.ram[rec + 64 + c] != exp)
					ck_abort_msg("%s (a=%#llx b=%#llx) rflags %#llx: "
						     "set%s %u j%s %u cmov%s %u fused j%s %u, want %u",
						     shapes[s], (unsigned long long)a,
						     (unsigned long long)b, (unsigned long long)fl,
						     cc_name[c], f.ram[rec + c], cc_name[c],
						     f.ram[rec + 16 + c], cc_name[c],
						     f.ram[rec + 32 + c], cc_name[c],
						     f.ram[rec + 64 + c], exp);
			}
			/* the flags themselves where they are simple to state */
			if (!strcmp(shapes[s], "cmp rax, rbx") || !strcmp(shapes[s], "sub rax, rbx"))
				want = sub_flags(a, b, 8);
			else if (!strcmp(shapes[s], "cmp eax, ebx"))
				want = sub_flags(a, b, 4);
			else if (!strcmp(shapes[s], "cmp al, bl"))
				want = sub_flags(a, b, 1);
			else if (!strcmp(shapes[s], "cmp rax, [rsi]"))
				want = sub_flags(a, a, 8);
			else if (!strcmp(shapes[s], "cmp [rsi], rbx"))
				want = sub_flags(a, b, 8);
			else if (!strcmp(shapes[s], "cmp byte ptr [rsi], 0x40"))
				want = sub_flags(a, 0x40, 1);
			else if (!strcmp(shapes[s], "cmp rax, -1"))
				want = sub_flags(a, ~0ull, 8);
			else if (!strcmp(shapes[s], "add rax, rbx"))
				want = add_flags(a, b, 8);
			else if (!strcmp(shapes[s], "add eax, ebx"))
				want = add_flags(a, b, 4);
			else if (!strcmp(shapes[s], "test rax, rbx"))
				want = logic_flags(a & b, 8);
			else if (!strcmp(shapes[s], "test al, bl"))
				want = logic_flags(a & b, 1);
			if (want != ~0ull && (fl & arith) != want)
				ck_abort_msg("%s (a=%#llx b=%#llx): flags %#llx, want %#llx",
					     shapes[s], (unsigned long long)a, (unsigned long long)b,
					     (unsigned long long)(fl & arith),
					     (unsigned long long)want);
			if (!strcmp(shapes[s], "add eax, ebx"))
				ck_assert_uint_eq(fix_rd64(&f, rec + 56), (uint32_t)(a + b));
			if (!strcmp(shapes[s], "imul rax, rbx"))
				ck_assert_uint_eq(fix_rd64(&f, rec + 56), a * b);
			/* results of the shift and negate shapes */
			{
				static const struct {
					const char *shape;
					int kind;
				} res[] = {
					{ "shl rax, 1", 0 }, { "shr eax, 1", 1 }, { "sar rax, 1", 2 },
					{ "mov ecx, ebx\n shl rax, cl", 3 },
					{ "mov ecx, ebx\n shr eax, cl", 4 },
					{ "mov ecx, ebx\n sar rax, cl", 5 }, { "neg rax", 6 },
					{ "neg eax", 7 },
				};
				uint64_t got = fix_rd64(&f, rec + 56), exp = 0;
				int kind = -1;

				for (unsigned k = 0; k < sizeof(res) / sizeof(res[0]); k++)
					if (!strcmp(shapes[s], res[k].shape))
						kind = res[k].kind;
				switch (kind) {
				case 0: exp = a << 1; break;
				case 1: exp = (uint32_t)a >> 1; break;
				case 2: exp = (uint64_t)((int64_t)a >> 1); break;
				case 3: exp = a << (b & 63); break;
				case 4: exp = (uint32_t)a >> (b & 31); break;
				case 5: exp = (uint64_t)((int64_t)a >> (b & 63)); break;
				case 6: exp = 0 - a; break;
				case 7: exp = (uint32_t)(0 - a); break;
				}
				if (kind >= 0 && got != exp)
					ck_abort_msg("%s (a=%#llx b=%#llx): %#llx, want %#llx", shapes[s],
						     (unsigned long long)a, (unsigned long long)b,
						     (unsigned long long)got, (unsigned long long)exp);
			}
		}
	}
	fix_fini(&f);
}
END_TEST

/* ---- RIP and blocks ------------------------------------------------------ */

START_TEST(test_fast_fault_rip_after_register_ops)
{
	static const char src[] = FX_HEAD
		" lea rdx, [rip + faulting]\n mov [0x608], rdx\n"
		" mov eax, 1\n add rax, 2\n mov rbx, rax\n imul rbx, rbx\n shl rbx, 2\n"
		"faulting: mov rcx, [0x40000000]\n"
		FX_EXIT;
	struct tcg_fixture f;

	fx_init(&f);
	if (!fx_load_asm(&f, src)) {
		harness_skip("test_fast_fault_rip_after_register_ops", "GNU as/ld not usable");
		fix_fini(&f);
		return;
	}
	fx_run(&f, 100000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, EXC_PF);
	ck_assert_uint_eq(fix_rd64(&f, 0x600), fix_rd64(&f, 0x608));
	ck_assert_uint_eq(fix_rd64(&f, 0x610), 36);		/* rbx as it was at the fault */
	ck_assert_uint_eq(f.cpu->cr2, FX_UNMAPPED);
	fix_fini(&f);
}
END_TEST

START_TEST(test_fast_block_ends_at_page_boundary)
{
	/*
	 * 40 x `add eax, 1` (3 bytes): across the page at FX_CODE + 0x1000
	 * on an instruction boundary, then across the next one with an
	 * instruction straddling it
	 */
	static const char src[] = FX_HEAD
		" xor eax, eax\n mov ebx, 10\n jmp run1\n"
		".org 0xfd0\nrun1:\n"
		" .rept 40\n add eax, 1\n .endr\n"
		" dec ebx\n jnz run1\n"
		" mov ebx, 10\n jmp run2\n"
		".org 0x1fd1\nrun2:\n"
		" .rept 40\n add eax, 1\n .endr\n"
		" dec ebx\n jnz run2\n"
		" mov [0x700], rax\n"
		FX_EXIT;
	struct tcg_fixture f;

	fx_init(&f);
	if (!fx_load_asm(&f, src)) {
		harness_skip("test_fast_block_ends_at_page_boundary", "GNU as/ld not usable");
		fix_fini(&f);
		return;
	}
	fx_run(&f, 100000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x2a);
	ck_assert_uint_eq(fix_rd64(&f, 0x700), 800);
	fix_fini(&f);
}
END_TEST

START_TEST(test_fast_store_into_own_block)
{
	/* each pass patches the immediate of an instruction later in its block */
	static const char src[] = FX_HEAD
		" xor r8d, r8d\n mov ecx, 1\n"
		"again:\n"
		" mov byte ptr [rip + patched + 1], cl\n"
		" add r8, 1000\n"
		"patched: mov eax, 0\n"
		" add r8, rax\n"
		" inc ecx\n cmp ecx, 4\n jbe again\n"
		" mov [0x700], r8\n"
		FX_EXIT;
	struct tcg_fixture f;

	fx_init(&f);
	if (!fx_load_asm(&f, src)) {
		harness_skip("test_fast_store_into_own_block", "GNU as/ld not usable");
		fix_fini(&f);
		return;
	}
	fx_run(&f, 100000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x2a);
	/* 4 passes: 4000 + 1 + 2 + 3 + 4 */
	ck_assert_uint_eq(fix_rd64(&f, 0x700), 4010);
	fix_fini(&f);
}
END_TEST

START_TEST(test_fast_dma_invalidates_blocks)
{
	/* func's `mov eax, imm32` is rewritten from outside, as DMA would */
	static const char src[] = FX_HEAD
		"again: call func\n mov [0x700], rax\n jmp again\n"
		".org 0x800\nfunc: mov eax, 1\n ret\n"
		FX_EXIT;
	uint32_t two = 2;
	struct tcg_fixture f;

	fx_init(&f);
	if (!fx_load_asm(&f, src)) {
		harness_skip("test_fast_dma_invalidates_blocks", "GNU as/ld not usable");
		fix_fini(&f);
		return;
	}
	ck_assert_uint_eq(f.ram[FX_CODE + 0x800], 0xb8);
	ck_assert_int_eq(tcg_cpu_run(f.cpu, 5000), ACCEL_RUN_KICK);
	ck_assert_uint_eq(fix_rd64(&f, 0x700), 1);
	memcpy(f.ram + FX_CODE + 0x801, &two, 4);
	tcg_invalidate_phys(&f.vm, FX_CODE + 0x801, 4);
	ck_assert_int_eq(tcg_cpu_run(f.cpu, 5000), ACCEL_RUN_KICK);
	ck_assert_uint_eq(fix_rd64(&f, 0x700), 2);
	fix_fini(&f);
}
END_TEST

/* ---- rep stos ------------------------------------------------------------ */

START_TEST(test_fast_rep_stos_fill)
{
	static const char src[] = FX_HEAD
		" cld\n"
		" mov rdi, 0x200008\n mov ecx, 1000\n mov rax, 0x0101010101010101\n rep stosq\n"
		" mov [0x700], rdi\n mov [0x708], rcx\n"
		" mov rdi, 0x210ff8\n mov ecx, 600\n mov rax, 0x1122334455667788\n rep stosq\n"
		" mov rdi, 0x220ffe\n mov ecx, 777\n mov eax, 0xdeadbeef\n rep stosd\n"
		" mov rdi, 0x230fff\n mov ecx, 3333\n mov eax, 0xabab\n rep stosw\n"
		" mov rdi, 0x240ffd\n mov ecx, 5000\n mov eax, 0x1234\n rep stosw\n"
		" mov [0x710], rdi\n"
		FX_EXIT;
	struct tcg_fixture f;

	fx_init(&f);
	if (!fx_load_asm(&f, src)) {
		harness_skip("test_fast_rep_stos_fill", "GNU as/ld not usable");
		fix_fini(&f);
		return;
	}
	memset(f.ram + 0x200000, 0xee, 0x60000);
	fx_run(&f, 100000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x2a);
	ck_assert_uint_eq(fix_rd64(&f, 0x700), 0x200008 + 8000);
	ck_assert_uint_eq(fix_rd64(&f, 0x708), 0);
	ck_assert_uint_eq(fix_rd64(&f, 0x710), 0x240ffd + 10000);
	/* untouched on both sides */
	ck_assert_uint_eq(fix_rd64(&f, 0x200000), 0xeeeeeeeeeeeeeeeeull);
	ck_assert_uint_eq(f.ram[0x200008 + 8000], 0xee);
	for (unsigned i = 0; i < 1000; i++)
		ck_assert_uint_eq(fix_rd64(&f, 0x200008 + i * 8), 0x0101010101010101ull);
	for (unsigned i = 0; i < 600; i++)
		ck_assert_uint_eq(fix_rd64(&f, 0x210ff8 + i * 8), 0x1122334455667788ull);
	ck_assert_uint_eq(f.ram[0x210ff8 + 4800], 0xee);
	for (unsigned i = 0; i < 777; i++) {
		uint32_t v;

		memcpy(&v, f.ram + 0x220ffe + i * 4, 4);
		ck_assert_uint_eq(v, 0xdeadbeef);
	}
	ck_assert_uint_eq(f.ram[0x220ffe + 777 * 4], 0xee);
	for (unsigned i = 0; i < 3333 * 2; i++)
		ck_assert_uint_eq(f.ram[0x230fff + i], 0xab);
	ck_assert_uint_eq(f.ram[0x230fff + 3333 * 2], 0xee);
	for (unsigned i = 0; i < 5000; i++) {
		uint16_t v;

		memcpy(&v, f.ram + 0x240ffd + i * 2, 2);
		ck_assert_uint_eq(v, 0x1234);
	}
	ck_assert_uint_eq(f.ram[0x240ffd + 10000], 0xee);
	fix_fini(&f);
}
END_TEST

/* ---- limits while chaining ----------------------------------------------- */

START_TEST(test_fast_icount_limit_with_chaining)
{
	static const char src[] = FX_HEAD
		" xor eax, eax\n"
		"spin: add rax, 1\n cmp rax, 100000000\n jb spin\n"
		FX_EXIT;
	struct tcg_fixture f;

	fx_init(&f);
	if (!fx_load_asm(&f, src)) {
		harness_skip("test_fast_icount_limit_with_chaining", "GNU as/ld not usable");
		fix_fini(&f);
		return;
	}
	for (int i = 0; i < 5; i++) {
		uint64_t start = f.cpu->icount;

		ck_assert_int_eq(tcg_cpu_run(f.cpu, 1000), ACCEL_RUN_KICK);
		/* stops at the first block boundary at or past the limit */
		ck_assert_uint_ge(f.cpu->icount - start, 1000);
		ck_assert_uint_lt(f.cpu->icount - start, 1000 + 3);
		/* jmp main, then xor falls into the loop: 2 + 3 per iteration */
		ck_assert_uint_eq(f.cpu->icount, 2 + f.cpu->gpr[CPU_RAX] * 3);
	}
	fix_fini(&f);
}
END_TEST

Suite *tcg_fast_suite(void)
{
	Suite *s = suite_create("tcg_fast");
	TCase *tc = tcase_create("fast");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fast_conditions);
	tcase_add_test(tc, test_fast_fault_rip_after_register_ops);
	tcase_add_test(tc, test_fast_block_ends_at_page_boundary);
	tcase_add_test(tc, test_fast_store_into_own_block);
	tcase_add_test(tc, test_fast_dma_invalidates_blocks);
	tcase_add_test(tc, test_fast_rep_stos_fill);
	tcase_add_test(tc, test_fast_icount_limit_with_chaining);
	suite_add_tcase(s, tc);
	return s;
}
