/*
 * Test fixture for the x87/MMX/SSE suites: one instruction text runs both
 * in the software CPU (32-bit protected mode guest, assembled with `as
 * --32`) and natively on the host (the same text assembled with `as --64`
 * into an executable mapping). Each runs over the same records of inputs;
 * the records afterwards must be identical byte for byte.
 *
 * A record (struct rec, 192 bytes) holds the inputs (three 16-byte values,
 * MXCSR or FCW, EAX/ECX/EDX) and receives the outputs; snippets address it
 * through the base register written "B" (edi in the guest, rdi on the host).
 */
#ifndef TESTS_UNIT_TCG_SIMD_FIXTURE_H
#define TESTS_UNIT_TCG_SIMD_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "board/log.h"
#include "tests/unit/common/harness.h"
#include "vmm/accel/tcg/tcg.h"
#include "vmm/accel/tcg/tcg_model.h"

#define SX_RAM_SIZE	(8u << 20)
#define SX_DATA		0x100000u
#define SX_CODE		0x7c00u

struct rec {
	uint8_t in0[16], in1[16], in2[16];	/* 0, 16, 32 */
	uint32_t ctl, eax, ecx, edx;		/* 48: MXCSR or FCW */
	uint8_t out0[16], out1[16], out2[16];	/* 64, 80, 96 */
	uint32_t sw, oeax, oedx, oflags;	/* 112 */
	uint8_t env[32];			/* 128: fnstenv */
	uint8_t st0[16], st1[16];		/* 160, 176 */
};
_Static_assert(sizeof(struct rec) == 192, "record layout");

struct sx {
	uint8_t *ram;
	struct tcg_vm vm;
	struct accel_host host;
	struct tcg_cpu *cpu;
	struct vcpu vcpu;
	bool exited;
	int exit_code;
};

static void sx_pio(void *opaque, uint16_t port, void *data, unsigned size, bool is_write)
{
	struct sx *f = opaque;
	uint64_t v = 0;

	if (!is_write) {
		memset(data, 0xff, size);
		return;
	}
	memcpy(&v, data, size);
	if (port == 0xf4) {
		f->exited = true;
		f->exit_code = (int)v;
		atomic_store(&f->vcpu.kick, true);
		if (f->cpu)
			atomic_store(&f->cpu->exit_req, 1);
	}
}

static void sx_mmio(void *opaque, uint64_t gpa, void *data, unsigned len, bool is_write)
{
	if (!is_write)
		memset(data, 0xff, len);
}

static void sx_event(void *opaque, struct vcpu *v, enum accel_event ev) { }
static bool sx_irq_pending(void *opaque, struct vcpu *v) { return false; }
static int sx_irq_ack(void *opaque, struct vcpu *v) { return -1; }

static void sx_init(struct sx *f)
{
	struct accel_mem mem[1];

	memset(f, 0, sizeof(*f));
	f->ram = calloc(1, SX_RAM_SIZE);
	ck_assert_ptr_nonnull(f->ram);
	if (getenv("TCG_TEST_TRACE")) {
		log_set_file(stderr);
		log_mask = LOG_CPU | LOG_EXEC | LOG_INT | LOG_UNIMP | LOG_IN_ASM;
	}
	f->host = (struct accel_host){
		.opaque = f, .pio = sx_pio, .mmio = sx_mmio, .event = sx_event,
		.irq_pending = sx_irq_pending, .irq_ack = sx_irq_ack,
	};
	f->vm.host = &f->host;
	f->vm.ncpus = 1;
	f->vm.cpuid = calloc(TCG_MAX_LEAVES, sizeof(*f->vm.cpuid));
	f->vm.ncpuid = tcg_cpuid_model(f->vm.cpuid, TCG_MAX_LEAVES, false);
	mem[0] = (struct accel_mem){ 0, SX_RAM_SIZE, f->ram, false };
	ck_assert_int_eq(tcg_vm_set_memory(&f->vm, mem, 1), 0);
	f->cpu = tcg_cpu_new(&f->vm, 0);
	ck_assert_ptr_nonnull(f->cpu);
	f->cpu->v = &f->vcpu;
}

static void sx_fini(struct sx *f)
{
	tcg_cpu_free(f->cpu);
	tcg_vm_free(&f->vm);
	free(f->ram);
}

/* assemble src at origin with `as --32/--64`; returns the flat binary */
/*
 * Start the CPU at SX_CODE in real mode (CS 0) and run it until the program
 * writes port 0xf4, for at most rounds * insns instructions.
 */
static void sx_run_from_code(struct sx *f, unsigned rounds, uint64_t insns)
{
	struct cpu_state s;

	cpu_state_reset(&s, TCG_CPUID_SIGNATURE, true);
	s.seg[SEG_CS].selector = 0;
	s.seg[SEG_CS].base = 0;
	s.rip = SX_CODE;
	tcg_cpu_set_state(f->cpu, &s);
	f->cpu->wait_sipi = false;
	for (unsigned k = 0; k < rounds && !f->exited; k++)
		tcg_cpu_run(f->cpu, insns);
}

/* real mode -> flat 32-bit protected mode, SSE enabled; continues at pm32 */
#define SX_PM_ENTRY								\
	".intel_syntax noprefix\n.code16\n"					\
	"start: cli\n xor ax, ax\n mov ds, ax\n"				\
	" lgdt [gdtr]\n mov eax, cr0\n or eax, 1\n mov cr0, eax\n"		\
	" .byte 0x66, 0xea\n .long pm32\n .word 0x08\n"			\
	".align 8\ngdt: .quad 0\n .quad 0x00cf9a000000ffff\n .quad 0x00cf92000000ffff\n" \
	" .quad 0x00af9a000000ffff\n"						\
	"gdtr: .word gdtr - gdt - 1\n .long gdt\n"				\
	".code32\npm32: mov ax, 0x10\n mov ds, ax\n mov es, ax\n mov ss, ax\n"	\
	" mov fs, ax\n mov gs, ax\n mov esp, 0x90000\n"			\
	" mov eax, cr4\n or eax, 0x600\n mov cr4, eax\n"			\
	" mov eax, cr0\n and eax, ~4\n or eax, 0x22\n mov cr0, eax\n fninit\n"

/* from SX_PM_ENTRY on to 64-bit mode: 2 MiB identity pages for 0..8 MiB */
#define SX_LM_ENTRY								\
	" mov edi, 0x70000\n xor eax, eax\n mov ecx, 3072\n rep stosd\n"	\
	" mov dword ptr [0x70000], 0x71003\n mov dword ptr [0x71000], 0x72003\n"	\
	" mov dword ptr [0x72000], 0x83\n mov dword ptr [0x72008], 0x200083\n"	\
	" mov dword ptr [0x72010], 0x400083\n mov dword ptr [0x72018], 0x600083\n" \
	" mov eax, cr4\n or eax, 0x20\n mov cr4, eax\n mov eax, 0x70000\n mov cr3, eax\n" \
	" mov ecx, 0xc0000080\n rdmsr\n or eax, 0x100\n wrmsr\n"		\
	" mov eax, cr0\n or eax, 0x80000000\n mov cr0, eax\n"		\
	" .byte 0xea\n .long lm64\n .word 0x18\n"				\
	".code64\nlm64:\n"

/* run the guest side of sx_compare in 64-bit mode */
static bool sx_guest64;

static char *str_replace_all(const char *s, const char *from, const char *to)
{
	size_t n = 0, fl = strlen(from), tl = strlen(to);
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, from)); p += fl)
		n++;
	out = malloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1);
	ck_assert_ptr_nonnull(out);
	for (o = out, p = s;;) {
		const char *q = strstr(p, from);
		if (!q) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, to, tl);
		o += tl;
		p = q + fl;
	}
	return out;
}

/* a growable text buffer */
struct sbuf {
	char *s;
	size_t n, cap;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (b->s && (size_t)k < b->cap - b->n) {
			b->n += (size_t)k;
			return;
		}
		b->cap = (b->cap + (size_t)k + 1) * 2;
		b->s = realloc(b->s, b->cap);
		ck_assert_ptr_nonnull(b->s);
	}
}

/* the record's base: edi in the guest, rdi on the host; pushf/pop forms */
static char *sx_snippet(const char *templ, const char *insn, bool bits64)
{
	char *a = str_replace_all(templ, "@INSN@", insn);
	char *b = str_replace_all(a, "[B", bits64 ? "[rdi" : "[edi");
	char *c = str_replace_all(b, "@PUSHF@", bits64 ? "pushfq\n pop rcx" : "pushfd\n pop ecx");

	free(a);
	free(b);
	return c;
}

/*
 * Run insns[0..n) with the template over nrec records each, in the guest and
 * on the host; recs holds n * nrec input records. Returns the index of the
 * first record that differs (-1: all equal, -2: could not assemble).
 */
static long sx_compare(const char *templ, const char *const *insns, unsigned n,
		       const struct rec *recs, unsigned nrec, struct rec *guest_out,
		       struct rec *host_out)
{
	struct sbuf g = { 0 }, h = { 0 };
	uint8_t *gbin, *hbin;
	size_t glen = 0, hlen = 0;
	struct sx f;
	long bad = -1;
	void *map;
	size_t total = (size_t)n * nrec * sizeof(struct rec);

	sb_add(&g, "%s", SX_PM_ENTRY);
	if (sx_guest64)
		sb_add(&g, "%s", SX_LM_ENTRY);
	for (unsigned j = 0; j < n; j++) {
		char *sn = sx_snippet(templ, insns[j], sx_guest64);
		sb_add(&g, " mov esi, %u\n mov edi, %#lx\n1:\n%s\n add edi, %zu\n dec esi\n jnz 1b\n",
		       nrec, (unsigned long)(SX_DATA + (size_t)j * nrec * sizeof(struct rec)), sn,
		       sizeof(struct rec));
		free(sn);
	}
	sb_add(&g, " mov al, 0x5a\n out 0xf4, al\n hlt\n");
	sb_add(&h, ".intel_syntax noprefix\n.code64\ntable:\n");
	for (unsigned j = 0; j < n; j++)
		sb_add(&h, " .quad f%u\n", j);
	for (unsigned j = 0; j < n; j++) {
		char *sn = sx_snippet(templ, insns[j], true);
		sb_add(&h, "f%u:\n%s\n ret\n", j, sn);
		free(sn);
	}
	gbin = harness_assemble(g.s, SX_CODE, false, &glen);
	hbin = harness_assemble(h.s, 0, true, &hlen);
	free(g.s);
	free(h.s);
	if (!gbin || !hbin) {
		free(gbin);
		free(hbin);
		return -2;
	}

	/* guest */
	sx_init(&f);
	ck_assert(SX_CODE + glen < 0x70000);
	ck_assert(SX_DATA + total <= SX_RAM_SIZE);
	memcpy(f.ram + SX_CODE, gbin, glen);
	memcpy(f.ram + SX_DATA, recs, total);
	sx_run_from_code(&f, 1000, 1000000);
	ck_assert_msg(f.exited && f.exit_code == 0x5a, "guest did not finish (rip %#llx)",
		      (unsigned long long)f.cpu->rip);
	memcpy(guest_out, f.ram + SX_DATA, total);
	sx_fini(&f);

	/* host */
	map = mmap(NULL, hlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(map != MAP_FAILED);
	memcpy(map, hbin, hlen);
	ck_assert_int_eq(mprotect(map, hlen, PROT_READ | PROT_EXEC), 0);
	memcpy(host_out, recs, total);
	for (unsigned j = 0; j < n; j++) {
		uint64_t off;
		void (*fn)(struct rec *);

		memcpy(&off, (uint8_t *)map + 8 * j, 8);
		fn = (void (*)(struct rec *))((uint8_t *)map + off);
		for (unsigned i = 0; i < nrec; i++)
			fn(&host_out[(size_t)j * nrec + i]);
	}
	munmap(map, hlen);
	free(gbin);
	free(hbin);

	for (size_t i = 0; i < (size_t)n * nrec; i++)
		if (memcmp(&guest_out[i], &host_out[i], sizeof(struct rec))) {
			bad = (long)i;
			break;
		}
	return bad;
}

static void sx_dump(const char *what, const struct rec *r)
{
	const uint8_t *p = (const uint8_t *)r;

	fprintf(stderr, "%s:", what);
	for (unsigned i = 0; i < sizeof(*r); i++)
		fprintf(stderr, "%s%02x", i % 16 ? "" : (i % 64 ? " " : "\n  "), p[i]);
	fprintf(stderr, "\n");
}

/* deterministic random numbers (xorshift64*) */
static uint64_t sx_rng = 0x9e3779b97f4a7c15ull;
static uint64_t sx_rand(void)
{
	sx_rng ^= sx_rng >> 12;
	sx_rng ^= sx_rng << 25;
	sx_rng ^= sx_rng >> 27;
	return sx_rng * 0x2545f4914f6cdd1dull;
}

#endif
