/*
 * The software CPU on a flat test machine: small programs assembled with
 * GNU as at test time run from real mode through protected mode and paging;
 * each test asserts registers, memory, flags, exceptions or host callbacks.
 */



#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/accel/tcg/tcg.h"
#include "vmm/accel/tcg/tcg_model.h"

#define FX_RAM_SIZE	(4u << 20)
#define FX_BIOS_SIZE	0x10000u
#define FX_MMIO_BASE	0xfe000000u

struct fx {
	uint8_t *ram, *bios;
	struct tcg_vm vm;
	struct accel_host host;
	struct tcg_cpu *cpu;
	struct vcpu vcpu;		/* kick: what the VMM does on an exit request */
	char out[4096];
	size_t nout;
	bool exited;
	int exit_code;
	int events[4];
	int irq_vector;			/* -1: none pending */
	unsigned mmio_writes;
	uint64_t mmio_last_addr, mmio_last_val;
};




#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/board.h"
#include "board/lapic.h"
#include "board/log.h"
#include "tests/unit/common/harness.h"

static void fx_pio(void *opaque, uint16_t port, void *data, unsigned size, bool is_write)
{
	struct fx *f = opaque;
	uint64_t v = 0;

	if (!is_write) {
		memset(data, 0xff, size);
		return;
	}
	memcpy(&v, data, size);
	if (port == 0xe9 && f->nout + 1 < sizeof(f->out)) {
		f->out[f->nout++] = (char)v;
		f->out[f->nout] = 0;
	} else if (port == 0xf4) {
		f->exited = true;
		f->exit_code = (int)v;
		atomic_store(&f->vcpu.kick, true);
		if (f->cpu)
			atomic_store(&f->cpu->exit_req, 1);
	}
}

static void fx_mmio(void *opaque, uint64_t gpa, void *data, unsigned len, bool is_write)
{
	struct fx *f = opaque;

	if (is_write) {
		uint64_t v = 0;
		memcpy(&v, data, len);
		f->mmio_writes++;
		f->mmio_last_addr = gpa;
		f->mmio_last_val = v;
	} else {
		/* a recognisable pattern: low address bits */
		for (unsigned i = 0; i < len; i++)
			((uint8_t *)data)[i] = (uint8_t)(gpa + i);
	}
}

static void fx_event(void *opaque, struct vcpu *v, enum accel_event ev)
{
	struct fx *f = opaque;

	if ((unsigned)ev < 4)
		f->events[ev]++;
}

static bool fx_irq_pending(void *opaque, struct vcpu *v)
{
	struct fx *f = opaque;

	return f->irq_vector >= 0;
}

static int fx_irq_ack(void *opaque, struct vcpu *v)
{
	struct fx *f = opaque;
	int vec = f->irq_vector;

	f->irq_vector = -1;
	return vec;
}

static void fx_init(struct fx *f, unsigned ncpus)
{
	struct accel_mem mem[2];

	memset(f, 0, sizeof(*f));
	f->ram = calloc(1, FX_RAM_SIZE);
	f->bios = calloc(1, FX_BIOS_SIZE);
	ck_assert_ptr_nonnull(f->ram);
	ck_assert_ptr_nonnull(f->bios);
	f->irq_vector = -1;
	if (getenv("TCG_TEST_TRACE")) {		/* debugging aid: -d cpu,exec,int to stderr */
		log_set_file(stderr);
		log_mask = LOG_CPU | LOG_EXEC | LOG_INT | LOG_UNIMP | LOG_IN_ASM;
	}
	f->host = (struct accel_host){
		.opaque = f, .pio = fx_pio, .mmio = fx_mmio, .event = fx_event,
		.irq_pending = fx_irq_pending, .irq_ack = fx_irq_ack,
	};
	f->vm.host = &f->host;
	f->vm.ncpus = ncpus;
	f->vm.cpuid = calloc(TCG_MAX_LEAVES, sizeof(*f->vm.cpuid));
	f->vm.ncpuid = tcg_cpuid_model(f->vm.cpuid, TCG_MAX_LEAVES, false);
	mem[0] = (struct accel_mem){ 0, FX_RAM_SIZE, f->ram, false };
	mem[1] = (struct accel_mem){ 0x100000000ull - FX_BIOS_SIZE, FX_BIOS_SIZE, f->bios, true };
	ck_assert_int_eq(tcg_vm_set_memory(&f->vm, mem, 2), 0);
	f->cpu = tcg_cpu_new(&f->vm, 0);
	ck_assert_ptr_nonnull(f->cpu);
	f->cpu->v = &f->vcpu;
}

static void fx_fini(struct fx *f)
{
	tcg_cpu_free(f->cpu);
	tcg_vm_free(&f->vm);
	free(f->ram);
	free(f->bios);
}

static void fx_load(struct fx *f, uint64_t gpa, const void *p, size_t len)
{
	ck_assert(gpa + len <= FX_RAM_SIZE);
	memcpy(f->ram + gpa, p, len);
}

static bool fx_load_asm(struct fx *f, const char *src, uint64_t origin)
{
	size_t len = 0;
	uint8_t *p = harness_assemble(src, origin, false, &len);

	if (!p)
		return false;
	if (getenv("TCG_TEST_TRACE"))
		fprintf(stderr, "loaded %zu bytes at %#llx\n", len, (unsigned long long)origin);
	fx_load(f, origin, p, len);
	free(p);
	return true;
}

static void fx_start_real(struct fx *f, uint16_t cs, uint16_t ip)
{
	struct cpu_state s;

	cpu_state_reset(&s, 0x6f1, true);
	s.seg[SEG_CS].selector = cs;
	s.seg[SEG_CS].base = (uint64_t)cs << 4;
	s.rip = ip;
	s.seg[SEG_SS].selector = 0x9000;
	s.seg[SEG_SS].base = 0x90000;
	s.gpr[CPU_RSP] = 0xfffe;
	tcg_cpu_set_state(f->cpu, &s);
	f->cpu->wait_sipi = false;
}

static enum accel_run fx_run(struct fx *f, uint64_t max)
{
	enum accel_run r = ACCEL_RUN_KICK;
	uint64_t start = f->cpu->icount;

	while (!f->exited && f->cpu->icount - start < max) {
		r = tcg_cpu_run(f->cpu, 100000);
		if (r != ACCEL_RUN_KICK)
			break;
	}
	return r;
}

/* ---- programs ---- */

#define SKIP_IF_NO_AS(f, name, src, org)					\
	do {									\
		if (!fx_load_asm(f, src, org)) {				\
			harness_skip(name, "GNU as/ld not usable");		\
			fx_fini(f);						\
			return;							\
		}								\
	} while (0)

static uint32_t rd32(struct fx *f, uint32_t a)
{
	uint32_t v;

	memcpy(&v, f->ram + a, 4);
	return v;
}

/* real mode -> flat 32-bit protected mode; code continues at label pm32 */
#define PM_ENTRY								\
	".intel_syntax noprefix\n.code16\n"					\
	"start: cli\n xor ax, ax\n mov ds, ax\n"				\
	" lgdt [gdtr]\n mov eax, cr0\n or eax, 1\n mov cr0, eax\n"		\
	" .byte 0x66, 0xea\n .long pm32\n .word 0x08\n"			\
	".align 8\ngdt: .quad 0\n .quad 0x00cf9a000000ffff\n .quad 0x00cf92000000ffff\n" \
	" .quad 0x008f92000000ffff\n .quad 0x00009a000000ffff\n"		\
	"gdtr: .word gdtr - gdt - 1\n .long gdt\n"				\
	".code32\npm32: mov ax, 0x10\n mov ds, ax\n mov es, ax\n mov ss, ax\n"	\
	" mov fs, ax\n mov gs, ax\n mov esp, 0x90000\n"

START_TEST(test_real_mode_arith)
{
	struct fx f;
	static const char src[] =
		".intel_syntax noprefix\n.code16\n"
		"start: mov ax, 0x1234\n add ax, 0x4321\n mov bx, ax\n"
		" sub bx, 0x5556\n sbb cx, cx\n"		/* CF=1: cx = 0 - 0 - 1 */
		" mov dx, 0\n mov ax, 1000\n mov si, 7\n div si\n mov di, ax\n"
		" mov al, 0x19\n add al, 0x28\n daa\n mov [0x500], al\n"
		" mov ax, 0x0009\n add al, 0x05\n aaa\n mov [0x502], ax\n"
		" mov bp, 0x7000\n mov word ptr [bp+2], 0xbeef\n"	/* SS-relative */
		" push 0x1122\n pop word ptr [0x504]\n"
		" mov al, 0x80\n sar al, 7\n mov [0x506], al\n"
		" mov al, 1\n shl al, 7\n seto byte ptr [0x507]\n"
		" xchg dx, bp\n"
		" mov al, 7\n out 0xf4, al\n";

	fx_init(&f, 1);
	SKIP_IF_NO_AS(&f, "test_real_mode_arith", src, 0x7c00);
	fx_start_real(&f, 0, 0x7c00);
	fx_run(&f, 10000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 7);
	ck_assert_uint_eq(f.cpu->gpr[CPU_RBX] & 0xffff, 0xffff);
	ck_assert_uint_eq(f.cpu->gpr[CPU_RCX] & 0xffff, 0xffff);
	ck_assert_uint_eq(f.cpu->gpr[CPU_RDI] & 0xffff, 142);
	ck_assert_uint_eq(f.cpu->gpr[CPU_RBP] & 0xffff, 6);	/* remainder, swapped */
	ck_assert_uint_eq(f.cpu->gpr[CPU_RDX] & 0xffff, 0x7000);
	ck_assert_uint_eq(f.ram[0x500], 0x47);			/* 19 + 28 = 47 in BCD */
	ck_assert_uint_eq(f.ram[0x502], 0x04);			/* aaa: 9 + 5 = 14 */
	ck_assert_uint_eq(f.ram[0x503], 0x01);
	ck_assert_uint_eq(f.ram[0x90000 + 0x7002], 0xef);
	ck_assert_uint_eq(f.ram[0x90000 + 0x7003], 0xbe);
	ck_assert_uint_eq(f.ram[0x504] | f.ram[0x505] << 8, 0x1122);
	ck_assert_uint_eq(f.ram[0x506], 0xff);
	ck_assert_uint_eq(f.ram[0x507], 1);			/* 1 << 7 on a byte sets OF */
	fx_fini(&f);
}
END_TEST

START_TEST(test_protected_mode)
{
	struct fx f;
	static const char src[] = PM_ENTRY
		" xor eax, eax\n mov ecx, 1000\n1: add eax, ecx\n loop 1b\n mov [0x500], eax\n"
		" mov edi, 0x100000\n mov ecx, 1024\n mov eax, 0xdeadbeef\n cld\n rep stosd\n"
		" mov esi, 0x100000\n mov edi, 0x102001\n mov ecx, 4095\n rep movsb\n"
		" push 7\n call func\n add esp, 4\n mov [0x504], eax\n"
		" mov eax, -5\n mov ebx, 7\n imul ebx\n mov [0x508], eax\n mov [0x50c], edx\n"
		" xor edx, edx\n bts edx, 17\n bsr ecx, edx\n mov [0x510], ecx\n"
		" mov eax, 0x80000001\n rol eax, 1\n mov [0x514], eax\n setc byte ptr [0x518]\n"
		" mov dword ptr [0x520], 5\n mov eax, 5\n mov ebx, 9\n"
		" lock cmpxchg [0x520], ebx\n setz byte ptr [0x524]\n"
		" mov eax, 0x12345678\n bswap eax\n mov [0x528], eax\n"
		" mov ecx, 0xffffffff\n movzx eax, cl\n movsx edx, cl\n mov [0x52c], eax\n mov [0x530], edx\n"
		" mov esi, 0x100000\n mov edi, 0x102001\n mov ecx, 16\n repe cmpsb\n mov [0x534], ecx\n"
		" mov eax, 3\n cmp eax, 5\n cmovl ebx, eax\n mov [0x538], ebx\n"
		" mov eax, 100\n cdq\n mov ecx, -7\n idiv ecx\n mov [0x53c], eax\n mov [0x540], edx\n"
		" pushfd\n pop eax\n mov [0x544], eax\n"
		" mov al, 0x2a\n out 0xf4, al\n"
		"func: mov eax, [esp+4]\n lea eax, [eax+eax*2]\n ret\n";

	fx_init(&f, 1);
	SKIP_IF_NO_AS(&f, "test_protected_mode", src, 0x7c00);
	fx_start_real(&f, 0, 0x7c00);
	fx_run(&f, 100000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x2a);
	ck_assert_int_eq(f.cpu->code_bits, 32);
	ck_assert_uint_eq(rd32(&f, 0x500), 500500);
	ck_assert_uint_eq(rd32(&f, 0x100000 + 4092), 0xdeadbeef);
	ck_assert_uint_eq(rd32(&f, 0x102001), 0xdeadbeef);
	ck_assert_uint_eq(f.ram[0x102001 + 4094], 0xad);	/* last byte copied */
	ck_assert_uint_eq(f.ram[0x102001 + 4095], 0);		/* and no more */
	ck_assert_uint_eq(rd32(&f, 0x504), 21);
	ck_assert_uint_eq(rd32(&f, 0x508), (uint32_t)-35);
	ck_assert_uint_eq(rd32(&f, 0x50c), 0xffffffff);
	ck_assert_uint_eq(rd32(&f, 0x510), 17);
	ck_assert_uint_eq(rd32(&f, 0x514), 3);
	ck_assert_uint_eq(f.ram[0x518], 1);
	ck_assert_uint_eq(rd32(&f, 0x520), 9);
	ck_assert_uint_eq(f.ram[0x524], 1);
	ck_assert_uint_eq(rd32(&f, 0x528), 0x78563412);
	ck_assert_uint_eq(rd32(&f, 0x52c), 0xff);
	ck_assert_uint_eq(rd32(&f, 0x530), 0xffffffff);
	ck_assert_uint_eq(rd32(&f, 0x534), 0);			/* all 16 bytes equal */
	ck_assert_uint_eq(rd32(&f, 0x538), 3);
	ck_assert_uint_eq(rd32(&f, 0x53c), (uint32_t)-14);	/* 100 / -7 */
	ck_assert_uint_eq(rd32(&f, 0x540), 2);
	/* flags of idiv's last cmp-free state: reserved bit 1 set, IF clear */
	ck_assert_uint_eq(rd32(&f, 0x544) & 0x202, 0x2);
	fx_fini(&f);
}
END_TEST

/* IDT with #DE, #PF and int 0x80 handlers; paging with 4 KiB and 4 MiB pages */
START_TEST(test_paging_and_exceptions)
{
	struct fx f;
	static const char src[] = PM_ENTRY
		/* IDT at 0x3000: gates 0, 14, 0x80 */
		" mov edi, 0x3000\n xor eax, eax\n mov ecx, 512\n rep stosd\n"
		" mov eax, offset de_handler\n mov edi, 0x3000 + 0*8\n call set_gate\n"
		" mov eax, offset pf_handler\n mov edi, 0x3000 + 14*8\n call set_gate\n"
		" mov eax, offset sw_handler\n mov edi, 0x3000 + 0x80*8\n call set_gate\n"
		" lidt [idtr]\n"
		/* divide by zero: handler skips the 2-byte div */
		" xor ecx, ecx\n mov eax, 1\n xor edx, edx\n div ecx\n"
		" mov dword ptr [0x608], 0x77\n"
		/* page tables: PD at 0x200000, PT at 0x201000 identity for 0-4M */
		" mov edi, 0x200000\n xor eax, eax\n mov ecx, 2048\n rep stosd\n"
		" mov edi, 0x201000\n mov eax, 3\n mov ecx, 1024\n"
		"2: stosd\n add eax, 0x1000\n loop 2b\n"
		" mov dword ptr [0x200000], 0x201003\n"
		" mov dword ptr [0x200004], 0x83\n"		/* 4M..8M -> 0 (PSE) */
		" mov eax, cr4\n or eax, 0x10\n mov cr4, eax\n"
		" mov eax, 0x200000\n mov cr3, eax\n"
		" mov eax, cr0\n or eax, 0x80000000\n mov cr0, eax\n"
		" mov dword ptr [0x400700], 0x11223344\n"	/* through the 4M alias */
		" mov eax, [0x800010]\n"				/* not present: #PF, skipped */
		" mov eax, 0x5a5a\n int 0x80\n"
		" mov al, 0x33\n out 0xf4, al\n"
		"set_gate: mov [edi], ax\n mov word ptr [edi+2], 0x08\n"
		" mov word ptr [edi+4], 0x8e00\n shr eax, 16\n mov [edi+6], ax\n ret\n"
		"de_handler: mov dword ptr [0x600], 0xde\n add dword ptr [esp], 2\n iretd\n"
		"pf_handler: pop dword ptr [0x604]\n push eax\n mov eax, cr2\n mov [0x60c], eax\n"
		" pop eax\n add dword ptr [esp], 5\n iretd\n"
		"sw_handler: mov [0x610], eax\n mov eax, [esp+8]\n mov [0x614], eax\n iretd\n"
		"idtr: .word 0x7ff\n .long 0x3000\n";

	fx_init(&f, 1);
	SKIP_IF_NO_AS(&f, "test_paging_and_exceptions", src, 0x7c00);
	fx_start_real(&f, 0, 0x7c00);
	fx_run(&f, 100000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x33);
	ck_assert_uint_eq(rd32(&f, 0x600), 0xde);
	ck_assert_uint_eq(rd32(&f, 0x608), 0x77);
	ck_assert_uint_eq(rd32(&f, 0x700), 0x11223344);	/* the alias reached 0x700 */
	ck_assert_uint_eq(rd32(&f, 0x604), 0);			/* #PF error: not present, read, supervisor */
	ck_assert_uint_eq(rd32(&f, 0x60c), 0x800010);		/* CR2 */
	ck_assert_uint_eq(rd32(&f, 0x610), 0x5a5a);
	ck_assert_uint_eq(rd32(&f, 0x614) & 0x200, 0);		/* IF was clear at int 0x80 */
	/* accessed and dirty on the 4 MiB entry, accessed on the PDE of the 4K table */
	ck_assert_uint_eq(rd32(&f, 0x200004) & 0x60, 0x60);
	ck_assert_uint_eq(rd32(&f, 0x200000) & 0x20, 0x20);
	fx_fini(&f);
}
END_TEST

START_TEST(test_self_modifying_code)
{
	struct fx f;
	static const char src[] = PM_ENTRY
		/* same block: patch the immediate of the next instruction */
		" mov byte ptr [patch + 1], 42\n"
		"patch: mov al, 1\n mov [0x530], al\n"
		/* a cached block called twice, rewritten in between */
		" xor ebx, ebx\n call gen\n add ebx, eax\n"
		" mov dword ptr [gen + 1], 100\n call gen\n add ebx, eax\n mov [0x534], ebx\n"
		/* rep stos over code that runs later */
		" mov edi, offset later\n mov al, 0x90\n mov ecx, 5\n rep stosb\n"
		"later: mov eax, 0xbad\n mov [0x538], eax\n"
		" mov al, 0x11\n out 0xf4, al\n"
		"gen: mov eax, 1\n ret\n";

	fx_init(&f, 1);
	SKIP_IF_NO_AS(&f, "test_self_modifying_code", src, 0x7c00);
	fx_start_real(&f, 0, 0x7c00);
	fx_run(&f, 100000);
	ck_assert(f.exited);
	ck_assert_uint_eq(f.ram[0x530], 42);
	ck_assert_uint_eq(rd32(&f, 0x534), 101);
	/* the mov eax, 0xbad became nops: eax kept the stos pattern */
	ck_assert_uint_eq(rd32(&f, 0x538), 0x90);
	fx_fini(&f);
}
END_TEST

START_TEST(test_triple_fault)
{
	struct fx f;
	static const char src[] = PM_ENTRY
		" lidt [idtr]\n ud2\n"
		"idtr: .word 0\n .long 0\n";

	fx_init(&f, 1);
	SKIP_IF_NO_AS(&f, "test_triple_fault", src, 0x7c00);
	fx_start_real(&f, 0, 0x7c00);
	ck_assert_int_eq(fx_run(&f, 10000), ACCEL_RUN_STOP);
	ck_assert_int_eq(f.events[ACCEL_EV_TRIPLE_FAULT], 1);
	ck_assert(!f.exited);
	/* parked: running again stays stopped until a reset */
	ck_assert_int_eq(tcg_cpu_run(f.cpu, 100), ACCEL_RUN_STOP);
	tcg_cpu_reset(f.cpu, true);
	ck_assert_uint_eq(f.cpu->rip, 0xfff0);
	ck_assert_uint_eq(f.cpu->seg[SEG_CS].d.base, 0xffff0000);
	fx_fini(&f);
}
END_TEST

START_TEST(test_hlt_and_interrupt)
{
	struct fx f;
	static const char src[] =
		".intel_syntax noprefix\n.code16\n"
		"start: xor ax, ax\n mov ds, ax\n"
		" mov word ptr [0x20*4], offset handler\n mov word ptr [0x20*4+2], 0\n"
		" sti\n hlt\n mov al, [0x600]\n out 0xf4, al\n"
		"handler: mov byte ptr [0x600], 0x99\n iret\n";

	fx_init(&f, 1);
	SKIP_IF_NO_AS(&f, "test_hlt_and_interrupt", src, 0x7c00);
	fx_start_real(&f, 0, 0x7c00);
	ck_assert_int_eq(fx_run(&f, 10000), ACCEL_RUN_HALT);
	ck_assert(!f.exited);
	/* halted stays halted without an interrupt: no spinning through code */
	ck_assert_int_eq(tcg_cpu_run(f.cpu, 1000), ACCEL_RUN_HALT);
	f.irq_vector = 0x20;
	atomic_store(&f.cpu->exit_req, 1);	/* the kick */
	fx_run(&f, 10000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x99);
	fx_fini(&f);
}
END_TEST

START_TEST(test_reset_vector_and_rom)
{
	struct fx f;
	size_t len = 0;
	static const char src[] =
		".intel_syntax noprefix\n.code16\n"
		"start: mov byte ptr cs:[0xff80], 0x12\n"	/* a ROM write: dropped */
		" mov al, cs:[0xff80]\n mov bl, al\n"
		" mov ax, 0xf000\n mov ds, ax\n"
		" mov al, 0x55\n out 0xf4, al\n"
		".org 0xfff0 - 0xff00\n jmp start\n";
	uint8_t *p;

	fx_init(&f, 1);
	p = harness_assemble(src, 0xff00, false, &len);
	if (!p) {
		harness_skip("test_reset_vector_and_rom", "GNU as/ld not usable");
		fx_fini(&f);
		return;
	}
	ck_assert_uint_le(len, 0x100);
	memcpy(f.bios + 0xff00, p, len);
	free(p);
	f.bios[0xff80] = 0xa5;
	tcg_cpu_reset(f.cpu, true);
	fx_run(&f, 1000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x55);
	ck_assert_uint_eq(f.bios[0xff80], 0xa5);
	ck_assert_uint_eq(f.cpu->gpr[CPU_RBX] & 0xff, 0xa5);
	ck_assert_uint_eq(f.mmio_writes, 1);
	ck_assert_uint_eq(f.mmio_last_addr, 0xffffff80);
	fx_fini(&f);
}
END_TEST

START_TEST(test_mmio_and_big_real_mode)
{
	struct fx f;
	static const char src[] = PM_ENTRY
		" mov eax, [0xfe000010]\n mov [0x600], eax\n"
		" mov dword ptr [0xfe000100], 0xcafe\n"
		/* back to real mode with a 4 GiB DS limit (big real mode) */
		" mov ax, 0x18\n mov ds, ax\n"
		" .byte 0xea\n .long rm16\n .word 0x20\n"
		".code16\nrm16: mov eax, cr0\n and eax, 0xfffffffe\n mov cr0, eax\n"
		" .byte 0xea\n .word real\n .word 0\n"
		"real: xor ax, ax\n mov ss, ax\n mov sp, 0x7000\n"
		" mov esi, 0x200000\n mov dword ptr [esi], 0x600dbeef\n"
		" mov al, 0x44\n out 0xf4, al\n";

	fx_init(&f, 1);
	SKIP_IF_NO_AS(&f, "test_mmio_and_big_real_mode", src, 0x7c00);
	fx_start_real(&f, 0, 0x7c00);
	fx_run(&f, 10000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x44);
	ck_assert_uint_eq(rd32(&f, 0x600), 0x13121110);
	ck_assert_uint_eq(f.mmio_last_addr, 0xfe000100);
	ck_assert_uint_eq(f.mmio_last_val, 0xcafe);
	ck_assert_uint_eq(rd32(&f, 0x200000), 0x600dbeef);
	ck_assert_int_eq(f.cpu->code_bits, 16);
	ck_assert_uint_eq(f.cpu->seg[SEG_DS].d.limit, 0xffffffff);
	fx_fini(&f);
}
END_TEST

START_TEST(test_real_mode_limit_fault)
{
	struct fx f;
	static const char src[] =
		".intel_syntax noprefix\n.code16\n"
		"start: xor ax, ax\n mov ds, ax\n"
		" mov word ptr [13*4], offset gp\n mov word ptr [13*4+2], 0\n"
		" mov esi, 0x10000\n mov al, [esi]\n"		/* beyond the 64 KiB limit: #GP */
		" mov al, 0x66\n out 0xf4, al\n"
		"gp: mov al, 0x0d\n out 0xf4, al\n";

	fx_init(&f, 1);
	SKIP_IF_NO_AS(&f, "test_real_mode_limit_fault", src, 0x7c00);
	fx_start_real(&f, 0, 0x7c00);
	fx_run(&f, 1000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x0d);
	fx_fini(&f);
}
END_TEST

/* two vCPUs on two threads: lock inc must not lose updates */
struct lock_arg {
	struct tcg_cpu *cpu;
	enum accel_run r;
};

static void *lock_thread(void *p)
{
	struct lock_arg *a = p;

	do
		a->r = tcg_cpu_run(a->cpu, 0);
	while (a->r == ACCEL_RUN_KICK);
	return NULL;
}

START_TEST(test_lock_atomic_smp)
{
	struct fx f;
	struct tcg_cpu *cpu2;
	struct lock_arg a1, a2;
	pthread_t t1, t2;
	struct cpu_state s;
	static const char src[] =
		".intel_syntax noprefix\n.code16\n"
		"start: xor ax, ax\n mov ds, ax\n mov ecx, 200000\n"
		"1: lock inc dword ptr [0x600]\n lock add dword ptr [0x604], 2\n"
		" dec ecx\n jnz 1b\n hlt\n";

	fx_init(&f, 2);
	SKIP_IF_NO_AS(&f, "test_lock_atomic_smp", src, 0x7c00);
	fx_start_real(&f, 0, 0x7c00);
	cpu2 = tcg_cpu_new(&f.vm, 1);
	ck_assert_ptr_nonnull(cpu2);
	tcg_cpu_get_state(f.cpu, &s);
	tcg_cpu_set_state(cpu2, &s);
	cpu2->wait_sipi = false;
	a1 = (struct lock_arg){ f.cpu, ACCEL_RUN_KICK };
	a2 = (struct lock_arg){ cpu2, ACCEL_RUN_KICK };
	pthread_create(&t1, NULL, lock_thread, &a1);
	pthread_create(&t2, NULL, lock_thread, &a2);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	ck_assert_int_eq(a1.r, ACCEL_RUN_HALT);
	ck_assert_int_eq(a2.r, ACCEL_RUN_HALT);
	ck_assert_uint_eq(rd32(&f, 0x600), 400000);
	ck_assert_uint_eq(rd32(&f, 0x604), 800000);
	tcg_cpu_free(cpu2);
	fx_fini(&f);
}
END_TEST

START_TEST(test_cpuid_msr_tsc)
{
	struct fx f;
	static const char src[] = PM_ENTRY
		" xor eax, eax\n cpuid\n mov [0x600], ebx\n mov [0x604], edx\n mov [0x608], ecx\n"
		" mov eax, 1\n cpuid\n mov [0x60c], eax\n mov [0x610], edx\n"
		" mov ecx, 0x277\n rdmsr\n mov [0x614], eax\n mov [0x618], edx\n"
		" mov ecx, 0x2ff\n mov eax, 0x806\n xor edx, edx\n wrmsr\n rdmsr\n mov [0x61c], eax\n"
		" mov ecx, 0x174\n mov eax, 0x10\n wrmsr\n rdmsr\n mov [0x620], eax\n"
		" rdtsc\n mov esi, eax\n mov edi, edx\n rdtsc\n sub eax, esi\n sbb edx, edi\n"
		" mov [0x624], eax\n mov [0x628], edx\n"
		" mov al, 1\n out 0xf4, al\n";

	fx_init(&f, 1);
	SKIP_IF_NO_AS(&f, "test_cpuid_msr_tsc", src, 0x7c00);
	fx_start_real(&f, 0, 0x7c00);
	fx_run(&f, 10000);
	ck_assert(f.exited);
	ck_assert_int_eq(memcmp(f.ram + 0x600, "GenuineIntel", 12), 0);
	ck_assert_uint_eq(rd32(&f, 0x60c), TCG_CPUID_SIGNATURE);
	ck_assert_uint_eq(rd32(&f, 0x610) & (1u << 15), 1u << 15);	/* cmov */
	ck_assert_uint_eq(rd32(&f, 0x610) & (1u << 25), 1u << 25);	/* sse (test_tcg_sse.c) */
	ck_assert_uint_eq(rd32(&f, 0x614), 0x00070406);
	ck_assert_uint_eq(rd32(&f, 0x618), 0x00070406);
	ck_assert_uint_eq(rd32(&f, 0x61c), 0x806);
	ck_assert_uint_eq(rd32(&f, 0x620), 0x10);
	/* time moves forward, and not by a day */
	ck_assert_uint_eq(rd32(&f, 0x628), 0);
	fx_fini(&f);
}
END_TEST

START_TEST(test_bad_msr_gp)
{
	struct fx f;
	static const char src[] =
		".intel_syntax noprefix\n.code16\n"
		"start: xor ax, ax\n mov ds, ax\n"
		" mov word ptr [13*4], offset gp\n mov word ptr [13*4+2], 0\n"
		" mov ecx, 0x12345678\n rdmsr\n mov al, 0x66\n out 0xf4, al\n"
		"gp: mov al, 0x0d\n out 0xf4, al\n";

	fx_init(&f, 1);
	SKIP_IF_NO_AS(&f, "test_bad_msr_gp", src, 0x7c00);
	fx_start_real(&f, 0, 0x7c00);
	fx_run(&f, 1000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x0d);
	fx_fini(&f);
}
END_TEST

/* the board's LAPIC: wait-for-SIPI, INIT/SIPI start-up, a fixed IPI and an NMI */
START_TEST(test_lapic_init_sipi_irq_nmi)
{
	struct fx f;
	struct board b;
	struct apic_bus bus;
	struct lapic l;
	struct apic_msg m;
	static const char ap[] =
		".intel_syntax noprefix\n.code16\n"
		"start: xor ax, ax\n mov ds, ax\n mov ss, ax\n mov sp, 0x7000\n"
		" mov word ptr [0x40*4], offset irq\n mov word ptr [0x40*4+2], 0\n"
		" mov word ptr [2*4], offset nmi\n mov word ptr [2*4+2], 0\n"
		" mov byte ptr [0x600], 1\n sti\n"
		"1: hlt\n cmp byte ptr [0x602], 0\n je 1b\n"
		" mov al, [0x601]\n out 0xf4, al\n"
		"irq: mov byte ptr [0x601], 0x40\n iret\n"
		"nmi: mov byte ptr [0x602], 2\n iret\n";

	fx_init(&f, 2);
	SKIP_IF_NO_AS(&f, "test_lapic_init_sipi_irq_nmi", ap, 0x8000);
	ck_assert_int_eq(board_init(&b), 0);
	apic_bus_init(&bus, &b.timers);
	ck_assert_int_eq(lapic_init(&l, &bus, 1, false), 0);
	f.vm.board = &b;
	f.cpu->lapic = &l;
	tcg_cpu_reset(f.cpu, false);
	ck_assert(f.cpu->wait_sipi);
	/* an AP waits for SIPI: halted, runs nothing */
	ck_assert_int_eq(tcg_cpu_run(f.cpu, 1000), ACCEL_RUN_HALT);
	ck_assert_uint_eq(f.cpu->icount, 0);

	m = (struct apic_msg){ .dest = 1, .mode = APIC_DM_INIT, .level = true, .assert = true };
	board_lock(&b);
	ck_assert_int_eq(apic_bus_deliver(&bus, NULL, &m), 1);
	m = (struct apic_msg){ .dest = 1, .mode = APIC_DM_SIPI, .vector = 0x08 };
	ck_assert_int_eq(apic_bus_deliver(&bus, NULL, &m), 1);
	board_unlock(&b);
	atomic_store(&f.cpu->exit_req, 1);
	ck_assert_int_eq(fx_run(&f, 10000), ACCEL_RUN_HALT);
	ck_assert_uint_eq(f.ram[0x600], 1);			/* started at 0800:0000 */
	ck_assert_uint_eq(f.cpu->seg[SEG_CS].d.selector, 0x800);

	/* a fixed interrupt through the software-enabled APIC, then an NMI */
	board_lock(&b);
	l.svr |= APIC_SVR_ENABLE;
	m = (struct apic_msg){ .dest = 1, .mode = APIC_DM_FIXED, .vector = 0x40 };
	ck_assert_int_eq(apic_bus_deliver(&bus, NULL, &m), 1);
	board_unlock(&b);
	atomic_store(&f.cpu->exit_req, 1);
	ck_assert_int_eq(fx_run(&f, 10000), ACCEL_RUN_HALT);
	ck_assert_uint_eq(f.ram[0x601], 0x40);
	ck_assert(!f.exited);
	board_lock(&b);
	m = (struct apic_msg){ .dest = 1, .mode = APIC_DM_NMI };
	ck_assert_int_eq(apic_bus_deliver(&bus, NULL, &m), 1);
	board_unlock(&b);
	atomic_store(&f.cpu->exit_req, 1);
	fx_run(&f, 10000);
	ck_assert(f.exited);
	ck_assert_int_eq(f.exit_code, 0x40);
	ck_assert_uint_eq(f.ram[0x602], 2);
	f.cpu->lapic = NULL;
	lapic_destroy(&l);
	board_destroy(&b);
	fx_fini(&f);
}
END_TEST

/* the instruction counter is exact; -d in_asm disassembles new blocks; -d int logs */
START_TEST(test_icount_and_trace)
{
	struct fx f;
	char *log = NULL;
	size_t loglen = 0;
	FILE *mem;
	static const char src[] =
		".intel_syntax noprefix\n.code16\n"
		"start: xor ax, ax\n mov ds, ax\n"
		" mov word ptr [0x21*4], offset handler\n mov word ptr [0x21*4+2], 0\n"
		" mov cx, 100\n1: dec cx\n jnz 1b\n int 0x21\n"
		" mov al, 3\n out 0xf4, al\n"
		"handler: iret\n";

	fx_init(&f, 1);
	SKIP_IF_NO_AS(&f, "test_icount_and_trace", src, 0x7c00);
	mem = open_memstream(&log, &loglen);
	ck_assert_ptr_nonnull(mem);
	log_set_file(mem);
	log_mask = LOG_IN_ASM | LOG_INT;
	fx_start_real(&f, 0, 0x7c00);
	fx_run(&f, 10000);
	log_mask = 0;
	log_set_file(stderr);
	fclose(mem);
	ck_assert(f.exited);
	/* 4 setup + 1 + 100 * 2 + int + iret + mov + out */
	ck_assert_uint_eq(f.cpu->icount, 4 + 1 + 200 + 2 + 2);
	ck_assert_ptr_nonnull(strstr(log, "0x00007c13:  dec cx"));
	ck_assert_ptr_nonnull(strstr(log, "jne 0x7c13"));
	ck_assert_ptr_nonnull(strstr(log, "v=21 e=0000 i=1 cpl=0 IP=0000:00007c16"));
	free(log);
	fx_fini(&f);
}
END_TEST

Suite *tcg_cpu_suite(void)
{
	Suite *s = suite_create("tcg_cpu");
	TCase *t = tcase_create("programs");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_real_mode_arith);
	tcase_add_test(t, test_protected_mode);
	tcase_add_test(t, test_paging_and_exceptions);
	tcase_add_test(t, test_self_modifying_code);
	tcase_add_test(t, test_triple_fault);
	tcase_add_test(t, test_hlt_and_interrupt);
	tcase_add_test(t, test_reset_vector_and_rom);
	tcase_add_test(t, test_mmio_and_big_real_mode);
	tcase_add_test(t, test_real_mode_limit_fault);
	tcase_add_test(t, test_lock_atomic_smp);
	tcase_add_test(t, test_cpuid_msr_tsc);
	tcase_add_test(t, test_bad_msr_gp);
	tcase_add_test(t, test_lapic_init_sipi_irq_nmi);
	tcase_add_test(t, test_icount_and_trace);
	suite_add_tcase(s, t);
	return s;
}
