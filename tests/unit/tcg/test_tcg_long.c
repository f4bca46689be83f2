/*
 * Long mode of the software CPU: entry from protected mode (EFER.LME,
 * CR0.PG), 64-bit and compatibility code, REX and RIP-relative operands,
 * 4-level paging with NX, canonical addresses, the 64-bit IDT with IST,
 * iretq across privilege levels, syscall/sysret, swapgs and the FS/GS
 * base MSRs, cmpxchg16b, rdtscp, sysenter in IA-32e mode, and the CPUID
 * bits that advertise them.
 * Programs are assembled with `as --64` at test time; page tables, GDT,
 * TSS and IDT are built here in C.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/log.h"
#include "tests/unit/tcg/tcg_fixture.h"

#define LX_RAM		(4u << 20)
#define LX_PML4		0x1000u
#define LX_PDPT		0x2000u
#define LX_PD		0x3000u
#define LX_PT		0x4000u
#define LX_GDT		0x5000u
#define LX_TSS		0x6000u
#define LX_IDT		0x7000u
#define LX_CODE		0x10000u
#define LX_NX_PAGE	0x1f0000u	/* 4 KiB page mapped without execute rights */
#define LX_RSP0		0x80000u
#define LX_IST1		0x70000u

/* handler addresses: fixed by .org in the programs (LX_HANDLERS below) */
#define H_PF		(LX_CODE + 0x100)
#define H_GP		(LX_CODE + 0x180)
#define H_UD		(LX_CODE + 0x200)
#define H_INT80		(LX_CODE + 0x280)
#define H_MAIN		(LX_CODE + 0x400)

/* selectors, laid out as Linux does (STAR = 0x0018_0008 << 32) */
#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UCODE32	0x18
#define SEL_UDATA	0x20
#define SEL_UCODE	0x28
#define SEL_TSS		0x30
#define SEL_KCODE32	0x40

static void idt_gate(struct tcg_fixture *f, unsigned vec, uint64_t off, unsigned dpl, unsigned ist)
{
	uint64_t lo = (off & 0xffff) | ((uint64_t)SEL_KCODE << 16) | ((uint64_t)ist << 32) |
		      (0xeull << 40) | ((uint64_t)dpl << 45) | (1ull << 47) |
		      ((off >> 16) & 0xffff) << 48;

	fix_wr64(f, LX_IDT + vec * 16, lo);
	fix_wr64(f, LX_IDT + vec * 16 + 8, off >> 32);
}

/* identity map of the first GiB: 4 KiB pages below 2 MiB, 2 MiB pages above */
static void lx_tables(struct tcg_fixture *f)
{
	fix_wr64(f, LX_PML4, LX_PDPT | 7);
	fix_wr64(f, LX_PDPT, LX_PD | 7);
	fix_wr64(f, LX_PD, LX_PT | 7);
	for (uint64_t i = 1; i < 512; i++)
		fix_wr64(f, LX_PD + i * 8, (i << 21) | 0x87);
	for (uint64_t i = 0; i < 512; i++)
		fix_wr64(f, LX_PT + i * 8, (i << 12) | 7 | (i << 12 == LX_NX_PAGE ? 1ull << 63 : 0));

	fix_wr64(f, LX_GDT + SEL_KCODE, 0x00af9a000000ffffull);
	fix_wr64(f, LX_GDT + SEL_KDATA, 0x00cf92000000ffffull);
	fix_wr64(f, LX_GDT + SEL_UCODE32, 0x00cffa000000ffffull);
	fix_wr64(f, LX_GDT + SEL_UDATA, 0x00cff2000000ffffull);
	fix_wr64(f, LX_GDT + SEL_UCODE, 0x00affa000000ffffull);
	/* 64-bit TSS (type 9), base LX_TSS, limit 0x67 */
	fix_wr64(f, LX_GDT + SEL_TSS, 0x0067 | ((uint64_t)LX_TSS << 16) | (0x89ull << 40));
	fix_wr64(f, LX_GDT + SEL_TSS + 8, 0);
	fix_wr64(f, LX_GDT + SEL_KCODE32, 0x00cf9a000000ffffull);
	fix_wr64(f, LX_TSS + 4, LX_RSP0);
	fix_wr64(f, LX_TSS + 0x24, LX_IST1);

	idt_gate(f, EXC_UD, H_UD, 0, 0);
	idt_gate(f, EXC_GP, H_GP, 0, 0);
	idt_gate(f, EXC_PF, H_PF, 0, 0);
	idt_gate(f, 0x80, H_INT80, 3, 1);
}

static void lx_init(struct tcg_fixture *f)
{
	fix_init(f, LX_RAM);
	if (getenv("TCG_TEST_TRACE")) {
		log_set_file(stderr);
		log_mask = LOG_CPU | LOG_EXEC | LOG_INT | LOG_UNIMP | LOG_IN_ASM;
	}
	lx_tables(f);
}

static bool lx_load_asm(struct tcg_fixture *f, const char *src)
{
	return fix_load_asm(f, src, LX_CODE, LX_NX_PAGE);
}

/* CPL 0 in 64-bit mode at H_MAIN (long) or flat 32-bit protected mode without paging */
static void lx_start(struct tcg_fixture *f, bool long_mode, uint64_t r15)
{
	struct cpu_state s;
	uint64_t data = 0x00cf93000000ffffull;

	cpu_state_reset(&s, TCG_CPUID_SIGNATURE, true);
	s.gdt = (struct cpu_dtable){ .base = LX_GDT, .limit = 0x47 };
	s.idt = (struct cpu_dtable){ .base = LX_IDT, .limit = 256 * 16 - 1 };
	for (int i = 0; i < SEG_LDT; i++)
		s.seg[i] = fix_seg(SEL_KDATA, data);
	s.seg[SEG_TR] = fix_seg(SEL_TSS, 0x0067 | ((uint64_t)LX_TSS << 16) | (0x8bull << 40));
	s.gpr[CPU_RSP] = LX_RSP0 - 0x1000;
	s.gpr[CPU_R15] = r15;
	s.rip = H_MAIN;
	if (long_mode) {
		s.seg[SEG_CS] = fix_seg(SEL_KCODE, 0x00af9b000000ffffull);
		s.cr0 = CR0_PE | CR0_PG | CR0_WP | CR0_ET;
		s.cr3 = LX_PML4;
		s.cr4 = CR4_PAE;
		s.efer = EFER_LME | EFER_LMA | EFER_NXE;
	} else {
		s.seg[SEG_CS] = fix_seg(SEL_KCODE32, 0x00cf9b000000ffffull);
		s.cr0 = CR0_PE | CR0_ET;
	}
	tcg_cpu_set_state(f->cpu, &s);
	f->cpu->wait_sipi = false;
}

static void lx_run(struct tcg_fixture *f)
{
	uint64_t start = f->cpu->icount;

	while (!f->exited && f->cpu->icount - start < 200000)
		if (tcg_cpu_run(f->cpu, 10000) != ACCEL_RUN_KICK)
			break;
}

/*
 * Handlers every program carries: the fault ones record what they saw at
 * 0x600.. and exit with the vector; int 0x80 records its frame and returns.
 */
#define LX_HANDLERS							\
	".intel_syntax noprefix\n.code64\n"					\
	"start: jmp main\n"						\
	".org 0x100\n"	/* #PF */						\
	" mov rax, [rsp]\n mov [0x600], rax\n mov rax, cr2\n mov [0x608], rax\n"	\
	" mov rax, [rsp+8]\n mov [0x618], rax\n mov al, 14\n out 0xf4, al\n hlt\n"	\
	".org 0x180\n"	/* #GP */						\
	" mov rax, [rsp]\n mov [0x600], rax\n mov rax, [rsp+8]\n mov [0x618], rax\n"	\
	" mov al, 13\n out 0xf4, al\n hlt\n"					\
	".org 0x200\n"	/* #UD */						\
	" mov rax, [rsp]\n mov [0x618], rax\n mov al, 6\n out 0xf4, al\n hlt\n"	\
	".org 0x280\n"	/* int 0x80: IST1, from user */				\
	" mov [0x640], rsp\n mov rax, [rsp]\n mov [0x648], rax\n mov rax, [rsp+8]\n"	\
	" mov [0x650], rax\n mov rax, [rsp+16]\n mov [0x658], rax\n"		\
	" mov rax, [rsp+24]\n mov [0x660], rax\n mov rax, [rsp+32]\n mov [0x668], rax\n"	\
	" iretq\n"								\
	".org 0x400\nmain:\n"

START_TEST(test_long_entry_and_64bit_ops)
{
	struct tcg_fixture f;
	static const char src[] = LX_HANDLERS
		".code32\n"
		" mov eax, cr4\n or eax, 0x20\n mov cr4, eax\n"		/* PAE */
		" mov eax, 0x1000\n mov cr3, eax\n"
		" mov ecx, 0xc0000080\n rdmsr\n or eax, 0x900\n wrmsr\n"	/* LME, NXE */
		" mov eax, cr0\n or eax, 0x80000001\n mov cr0, eax\n"
		" ljmp 0x08, offset entry64\n"
		".code64\nentry64:\n"
		" mov ecx, 0xc0000080\n rdmsr\n mov [0x700], eax\n"
		" mov rax, 0x1122334455667788\n mov r15, rax\n add r15, r15\n mov [0x708], r15\n"
		" lea rbx, [rip + datum]\n mov [0x710], rbx\n mov rcx, [rip + datum]\n mov [0x718], rcx\n"
		" mov r8, -1\n mov r8d, 5\n mov [0x720], r8\n"		/* 32-bit writes zero-extend */
		" mov r9d, -2\n movsxd r9, r9d\n mov [0x728], r9\n"
		" push r15\n pop r10\n mov [0x730], r10\n mov [0x738], rsp\n"
		" xor esi, esi\n mov sil, 0x55\n mov [0x740], rsi\n"		/* REX: sil, not dh */
		" mov rax, -3\n mov rcx, 5\n imul rcx\n mov [0x748], rax\n mov [0x750], rdx\n"
		" mov r11, 1\n shl r11, 63\n shr r11, 62\n mov [0x758], r11\n"
		" mov rax, 0x10\n mov rdx, 0\n mov rcx, 3\n div rcx\n mov [0x760], rax\n mov [0x768], rdx\n"
		" mov rdi, 0x1000\n mov dword ptr [rdi + 0x7f0], 0xabcdef01\n"
		" movsxd r12, dword ptr [rdi + 0x7f0]\n mov [0x770], r12\n"
		" mov al, 0x2a\n out 0xf4, al\n hlt\n"
		".align 8\ndatum: .quad 0xfeedfacecafebeef\n";

	lx_init(&f);
	if (!lx_load_asm(&f, src)) {
		harness_skip("test_long_entry_and_64bit_ops", "GNU as/ld (x86-64) not usable");
		fix_fini(&f);
		return;
	}
	lx_start(&f, false, 0);
	lx_run(&f);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x2a);
	ck_assert_uint_eq(fix_rd64(&f, 0x700) & 0xd00, 0xd00);	/* LME, LMA, NXE */
	ck_assert_uint_eq(f.cpu->code_bits, 64);
	ck_assert_uint_eq(fix_rd64(&f, 0x708), 0x22446688aaccef10ull);
	ck_assert_uint_eq(fix_rd64(&f, 0x710) & 7, 0);
	ck_assert_uint_eq(fix_rd64(&f, fix_rd64(&f, 0x710)), 0xfeedfacecafebeefull);
	ck_assert_uint_eq(fix_rd64(&f, 0x718), 0xfeedfacecafebeefull);
	ck_assert_uint_eq(fix_rd64(&f, 0x720), 5);
	ck_assert_uint_eq(fix_rd64(&f, 0x728), (uint64_t)-2);
	ck_assert_uint_eq(fix_rd64(&f, 0x730), 0x22446688aaccef10ull);
	ck_assert_uint_eq(fix_rd64(&f, 0x738), LX_RSP0 - 0x1000);	/* push/pop are 8 bytes */
	ck_assert_uint_eq(fix_rd64(&f, 0x740), 0x55);
	ck_assert_uint_eq(fix_rd64(&f, 0x748), (uint64_t)-15);
	ck_assert_uint_eq(fix_rd64(&f, 0x750), (uint64_t)-1);
	ck_assert_uint_eq(fix_rd64(&f, 0x758), 2);
	ck_assert_uint_eq(fix_rd64(&f, 0x760), 5);
	ck_assert_uint_eq(fix_rd64(&f, 0x768), 1);
	ck_assert_uint_eq(fix_rd64(&f, 0x770), 0xffffffffabcdef01ull);
	fix_fini(&f);
}
END_TEST

/* r15 selects the fault: 1 NX fetch, 2 non-canonical read, 3 cmpxchg16b misaligned,
 * 4 syscall with EFER.SCE clear, 5 user page from CPL 3 is fine but supervisor-only
 * write from CPL 3 faults (checked elsewhere) */
static const char fault_src[] = LX_HANDLERS
	" cmp r15, 1\n je 1f\n cmp r15, 2\n je 2f\n cmp r15, 3\n je 3f\n cmp r15, 4\n je 4f\n"
	" hlt\n"
	"1: mov rax, 0x1f0000\n mov byte ptr [rax], 0xc3\n call rax\n hlt\n"
	"2: mov rax, 0x0000800000000000\n mov rbx, [rax]\n hlt\n"
	"3: mov rdi, 0x808\n cmpxchg16b [rdi]\n hlt\n"
	"4: syscall\n hlt\n";

static void run_fault(int which, int vec, uint64_t err, bool cr2)
{
	struct tcg_fixture f;

	lx_init(&f);
	if (!lx_load_asm(&f, fault_src)) {
		harness_skip("test_long_faults", "GNU as/ld (x86-64) not usable");
		fix_fini(&f);
		return;
	}
	lx_start(&f, true, (uint64_t)which);
	lx_run(&f);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, vec);
	if (vec != EXC_UD)
		ck_assert_uint_eq(fix_rd64(&f, 0x600), err);
	if (cr2)
		ck_assert_uint_eq(fix_rd64(&f, 0x608), LX_NX_PAGE);
	fix_fini(&f);
}

START_TEST(test_long_faults)
{
	run_fault(1, EXC_PF, 0x11, true);	/* present + instruction fetch */
	run_fault(2, EXC_GP, 0, false);		/* non-canonical: #GP, not a walk */
	run_fault(3, EXC_GP, 0, false);		/* cmpxchg16b needs 16-byte alignment */
	run_fault(4, EXC_UD, 0, false);		/* syscall with EFER.SCE = 0 */
}
END_TEST

START_TEST(test_long_syscall_sysret_ist)
{
	struct tcg_fixture f;
	static const char src[] = LX_HANDLERS
		" mov ecx, 0xc0000080\n rdmsr\n or eax, 1\n wrmsr\n"		/* SCE */
		" mov ecx, 0xc0000081\n xor eax, eax\n mov edx, 0x00180008\n wrmsr\n"
		" mov ecx, 0xc0000082\n lea rax, [rip + sysentry]\n xor edx, edx\n wrmsr\n"
		" mov ecx, 0xc0000084\n mov eax, 0x700\n wrmsr\n"		/* SFMASK: TF IF DF */
		" mov ecx, 0xc0000102\n mov eax, 0x800\n wrmsr\n"		/* KERNEL_GS_BASE */
		" mov ecx, 0xc0000101\n mov eax, 0x900\n wrmsr\n"		/* GS_BASE */
		" mov ecx, 0xc0000100\n mov eax, 0xa00\n wrmsr\n"		/* FS_BASE */
		" mov qword ptr [0x800], 0x1234abcd\n mov qword ptr [0x900], 0x77\n"
		" mov qword ptr [0xa08], 0x99\n"
		" mov rax, fs:[8]\n mov [0x7f0], rax\n"
		" mov ax, 0x30\n ltr ax\n"
		" push 0x23\n push 0x9000\n push 0x602\n push 0x2b\n lea rax, [rip + user]\n push rax\n"
		" iretq\n"
		"user: mov rax, 5\n syscall\n"
		"after1: mov [0x780], rax\n pushfq\n pop rbx\n mov [0x788], rbx\n"
		" mov [0x790], rsp\n mov rax, cs\n mov [0x798], rax\n mov rax, ss\n mov [0x7a0], rax\n"
		" mov rax, gs:[0]\n mov [0x7a8], rax\n"
		" int 0x80\n"
		"after80: mov rax, 99\n syscall\n hlt\n"
		"sysentry:\n"	/* LSTAR */
		" swapgs\n mov r12, gs:[0]\n swapgs\n"
		" cmp rax, 99\n je 9f\n"
		" mov [0x710], rcx\n mov [0x718], r11\n pushfq\n pop r13\n mov [0x720], r13\n"
		" mov [0x728], r12\n mov r14, cs\n mov [0x730], r14\n mov r14, ss\n mov [0x738], r14\n"
		" lea rax, [r12 + 1]\n sysretq\n"
		"9: mov rax, cs\n mov [0x7b0], rax\n lea rax, [rip + after1]\n mov [0x7b8], rax\n"
		" lea rax, [rip + after80]\n mov [0x7c0], rax\n mov al, 0x42\n out 0xf4, al\n hlt\n";

	lx_init(&f);
	if (!lx_load_asm(&f, src)) {
		harness_skip("test_long_syscall_sysret_ist", "GNU as/ld (x86-64) not usable");
		fix_fini(&f);
		return;
	}
	lx_start(&f, true, 0);
	lx_run(&f);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x42);
	ck_assert_uint_eq(fix_rd64(&f, 0x7f0), 0x99);			/* fs:[8] through FS_BASE */
	/* syscall: RCX = next RIP, R11 = RFLAGS, SFMASK applied, flat CPL 0 segments */
	ck_assert_uint_eq(fix_rd64(&f, 0x710), fix_rd64(&f, 0x7b8));
	ck_assert_uint_eq(fix_rd64(&f, 0x718), 0x602);
	ck_assert_uint_eq(fix_rd64(&f, 0x720) & 0x702, 0x2);		/* IF DF cleared */
	ck_assert_uint_eq(fix_rd64(&f, 0x728), 0x1234abcd);		/* swapgs: KERNEL_GS_BASE */
	ck_assert_uint_eq(fix_rd64(&f, 0x730), SEL_KCODE);
	ck_assert_uint_eq(fix_rd64(&f, 0x738), SEL_KDATA);
	/* sysretq: back at CPL 3 with R11's flags and STAR[63:48] + 16 */
	ck_assert_uint_eq(fix_rd64(&f, 0x780), 0x1234abce);
	ck_assert_uint_eq(fix_rd64(&f, 0x788), 0x602);
	ck_assert_uint_eq(fix_rd64(&f, 0x790), 0x9000);
	ck_assert_uint_eq(fix_rd64(&f, 0x798), SEL_UCODE | 3);
	ck_assert_uint_eq(fix_rd64(&f, 0x7a0), SEL_UDATA | 3);
	ck_assert_uint_eq(fix_rd64(&f, 0x7a8), 0x77);			/* user GS base again */
	/* int 0x80 from CPL 3 through IST1: 5-word frame at the IST top */
	ck_assert_uint_eq(fix_rd64(&f, 0x640), LX_IST1 - 40);
	ck_assert_uint_eq(fix_rd64(&f, 0x648), fix_rd64(&f, 0x7c0));
	ck_assert_uint_eq(fix_rd64(&f, 0x650), SEL_UCODE | 3);
	ck_assert_uint_eq(fix_rd64(&f, 0x658) & 0x200, 0x200);
	ck_assert_uint_eq(fix_rd64(&f, 0x660), 0x9000);
	ck_assert_uint_eq(fix_rd64(&f, 0x668), SEL_UDATA | 3);
	ck_assert_uint_eq(fix_rd64(&f, 0x7b0), SEL_KCODE);		/* last syscall: CPL 0 */
	ck_assert_uint_eq(f.cpu->cpl, 0);
	fix_fini(&f);
}
END_TEST

START_TEST(test_long_compat_cmpxchg16b_rdtscp)
{
	struct tcg_fixture f;
	static const char src[] = LX_HANDLERS
		/* to compatibility mode and back */
		" push 0x40\n lea rax, [rip + code32]\n push rax\n retfq\n"
		".code32\ncode32: mov eax, 0x11223344\n .byte 0x48\n"	/* dec eax, not REX */
		" mov [0x700], eax\n ljmp 0x08, offset back64\n"
		".code64\nback64:\n"
		" mov qword ptr [0x800], 1\n mov qword ptr [0x808], 2\n"
		" mov rax, 1\n mov rdx, 2\n mov rbx, 3\n mov rcx, 4\n lock cmpxchg16b [0x800]\n"
		" setz byte ptr [0x710]\n"
		" mov rax, 1\n mov rdx, 2\n cmpxchg16b [0x800]\n setz byte ptr [0x711]\n"
		" mov [0x718], rax\n mov [0x720], rdx\n"
		" mov ecx, 0xc0000103\n mov eax, 7\n xor edx, edx\n wrmsr\n"
		" xor ecx, ecx\n rdtscp\n mov [0x728], rcx\n"
		" mov eax, 0x80000001\n cpuid\n mov [0x730], edx\n mov [0x734], ecx\n"
		/* sysenter in IA-32e mode: 64-bit CS from SYSENTER_CS, 64-bit RSP/RIP */
		" mov ecx, 0x174\n mov eax, 0x08\n xor edx, edx\n wrmsr\n"
		" mov ecx, 0x175\n mov eax, 0x50000\n wrmsr\n"
		" mov ecx, 0x176\n lea rax, [rip + sysent]\n wrmsr\n"
		" sysenter\n hlt\n"
		"sysent: mov r8, rsp\n mov [0x738], r8\n mov rax, cs\n mov [0x740], rax\n"
		" mov al, 0x33\n out 0xf4, al\n hlt\n";

	lx_init(&f);
	if (!lx_load_asm(&f, src)) {
		harness_skip("test_long_compat_cmpxchg16b_rdtscp", "GNU as/ld (x86-64) not usable");
		fix_fini(&f);
		return;
	}
	lx_start(&f, true, 0);
	lx_run(&f);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x33);
	ck_assert_uint_eq(fix_rd64(&f, 0x700) & 0xffffffff, 0x11223343);
	ck_assert_uint_eq(f.ram[0x710], 1);
	ck_assert_uint_eq(fix_rd64(&f, 0x800), 3);
	ck_assert_uint_eq(fix_rd64(&f, 0x808), 4);
	ck_assert_uint_eq(f.ram[0x711], 0);
	ck_assert_uint_eq(fix_rd64(&f, 0x718), 3);
	ck_assert_uint_eq(fix_rd64(&f, 0x720), 4);
	ck_assert_uint_eq(fix_rd64(&f, 0x728), 7);
	/* syscall, nx, rdtscp, lm; lahf-lm */
	ck_assert_uint_eq(fix_rd64(&f, 0x730) & 0xffffffff,
			  (1u << 11) | (1u << 20) | (1u << 27) | (1u << 29));
	ck_assert_uint_eq((fix_rd64(&f, 0x730) >> 32) & 1, 1);
	ck_assert_uint_eq(fix_rd64(&f, 0x738), 0x50000);
	ck_assert_uint_eq(fix_rd64(&f, 0x740), SEL_KCODE);
	ck_assert_uint_eq(f.cpu->code_bits, 64);
	fix_fini(&f);
}
END_TEST

Suite *tcg_long_suite(void)
{
	Suite *s = suite_create("tcg_long");
	TCase *tc = tcase_create("long");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_long_entry_and_64bit_ops);
	tcase_add_test(tc, test_long_faults);
	tcase_add_test(tc, test_long_syscall_sysret_ist);
	tcase_add_test(tc, test_long_compat_cmpxchg16b_rdtscp);
	suite_add_tcase(s, tc);
	return s;
}
