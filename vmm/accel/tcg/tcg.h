/*
 * The software x86 CPU ("TCG"): state and the helpers its handlers share.
 *
 * Contract
 * - One struct tcg_cpu per vCPU, touched only by its own thread (except
 *   exit_req, which any thread may set to make the run loop look up).
 * - struct tcg_vm is shared: the guest-physical map (replaced whole, RCU
 *   style, on set_memory) and per-page code generations that invalidate
 *   decoded blocks when code is written (self-modifying code, other vCPUs,
 *   DMA through tcg_invalidate_phys()).
 * - Guest faults are raised with cpu_raise() (never returns: longjmp to the
 *   run loop, which delivers the exception with the RIP of the faulting
 *   instruction).
 * - Lazy flags: arithmetic flags live as (cc_op, cc_res, cc_a, cc_b, cc_aux)
 *   until someone reads them (flags_get()).
 * - Memory: seg_lin() applies segmentation (limit and rights), the TLB maps
 *   linear pages to host pointers for RAM; everything else takes the slow
 *   path (page walk, MMIO through host->mmio, code-page invalidation).
 */
#ifndef VMM_ACCEL_TCG_TCG_H
#define VMM_ACCEL_TCG_TCG_H

#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vmm/accel/accel.h"
#include "vmm/accel/tcg/decode.h"
#include "vmm/accel/tcg/fpu.h"

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define NORETURN	__attribute__((noreturn))

/* EFLAGS bits */
#define FL_CF	0x0001u
#define FL_PF	0x0004u
#define FL_AF	0x0010u
#define FL_ZF	0x0040u
#define FL_SF	0x0080u
#define FL_TF	0x0100u
#define FL_IF	0x0200u
#define FL_DF	0x0400u
#define FL_OF	0x0800u
#define FL_IOPL	0x3000u
#define FL_NT	0x4000u
#define FL_RF	0x10000u
#define FL_VM	0x20000u
#define FL_AC	0x40000u
#define FL_VIF	0x80000u
#define FL_VIP	0x100000u
#define FL_ID	0x200000u
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

#define CR0_MP	(1ull << 1)
#define CR0_EM	(1ull << 2)
#define CR0_TS	(1ull << 3)
#define CR0_NE	(1ull << 5)
#define CR0_WP	(1ull << 16)
#define CR0_AM	(1ull << 18)
#define CR4_VME	(1ull << 0)
#define CR4_PVI	(1ull << 1)
#define CR4_TSD	(1ull << 2)
#define CR4_DE	(1ull << 3)
#define CR4_PSE	(1ull << 4)
#define CR4_PGE	(1ull << 7)
#define CR4_OSFXSR (1ull << 9)
#define EFER_SCE (1ull << 0)
#define EFER_NXE (1ull << 11)

/* exception vectors */
enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
	EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
	EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

/* lazy flags: kind << 2 | log2(size) */
enum cc_kind {
	CC_EFLAGS, CC_ADD, CC_ADC, CC_SUB, CC_SBB, CC_LOGIC, CC_INC, CC_DEC,
	CC_SHIFT, CC_MUL,
};
#define CC_OP(kind, size)	((kind) << 2 | size_log2(size))

#define TLB_SIZE	1024
/*
 * Entries TLB_SIZE.. of each TLB are victims: what a refill pushed out of
 * its direct-mapped slot, found again on a miss before walking (streams
 * whose pages share a slot, as the kernel decompressor's, ping-pong).
 */
#define TLB_VICTIMS	8
#define TLB_ALL		(TLB_SIZE + TLB_VICTIMS)
#define PAGE_SIZE	4096ull
#define PAGE_MASK	(~0xfffull)

/* a TLB tag never matches with this bit set: take the slow path */
#define TLB_SLOW	1ull
#define TLB_EMPTY	(~0ull)

/* 32 bytes: the TLB of the running CPL stays within the L1 data cache */
struct tlb_entry {
	uint64_t tag_r, tag_w;		/* linear page, | TLB_SLOW, or TLB_EMPTY */
	uintptr_t addend;		/* host = lin + addend (RAM/ROM pages) */
	uint64_t phys;			/* physical page | TLB_X | TLB_G */
};
#define TLB_X		1ull		/* tag_r's page may be executed (NX clear) */
#define TLB_G		2ull		/* a global page */
#define TLB_PHYS(e)	((e)->phys & PAGE_MASK)

struct tcg_seg {
	struct cpu_segment d;
	/* access check cache (seg_update_cache) */
	uint64_t lbase;			/* base used for linear addresses */
	uint64_t lo, hi;		/* valid offsets, inclusive */
	bool rd, wr;
};

/* guest-physical map: RAM/ROM pieces; anything else is MMIO */
struct tcg_slot {
	uint64_t gpa, size;
	uint8_t *host;
	bool readonly;
	_Atomic uint64_t *codemask;	/* per page: 64-byte chunks holding decoded code */
	_Atomic uint32_t *gen;		/* per page: bumped when such a chunk is written */
};

struct tcg_map {
	unsigned n;
	atomic_uint hint;		/* slot of the last phys_host() hit */
	struct tcg_map *older;		/* freed at destroy: vCPUs may still read them */
	struct tcg_slot slot[];
};

struct cpuid_leaf;

struct tcg_vm {
	_Atomic(struct tcg_map *) map;
	atomic_uint map_gen;		/* bumped on set_memory: vCPUs flush */
	atomic_uint code_epoch;		/* bumped when a page first holds code (SMP) */
	atomic_uint code_gen;		/* bumped when decoded code is written (jump caches) */
	const struct accel_host *host;
	struct board *board;
	struct cpuid_leaf *cpuid;	/* the model, before per-vCPU fix-ups */
	unsigned ncpuid;
	unsigned ncpus;
};

struct tb;

#define TB_HASH		32768
#define JMP_CACHE	4096

struct tcg_cpu {
	uint64_t gpr[18];		/* 16: always zero (no base/index), 17: scratch */
	uint64_t rip, next_rip;
	uint64_t ipmask;		/* RIP wrap for sequential flow */
	uint32_t eflags;		/* all but the arithmetic bits */
	uint32_t cc_op;
	uint64_t cc_res, cc_a, cc_b, cc_aux;

	struct tcg_seg seg[SEG_NR];
	struct cpu_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	uint64_t dr[8];
	uint64_t apic_base;
	uint8_t cpl;
	uint8_t code_bits;		/* 16, 32, 64 */
	uint64_t lin_mask;		/* 0xffffffff outside 64-bit mode */

	struct tlb_entry *tlbc;		/* tlb[cpl == 3] */
	struct tlb_entry tlb[2][TLB_ALL];
	unsigned tlb_victim;		/* next victim slot to fill */
	uint64_t large_lo, large_hi;	/* linear range of large-page entries (invlpg) */
	unsigned tlb_gen;		/* bumped on every TLB flush (block links check it) */

	/* MSRs */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t pat, mtrr_def, mtrr_fixed[11], mtrr_var[16], mtrr_cap;
	uint64_t misc_enable, tsc_offset, tsc_aux, tsc_adjust;
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t ucode_rev;

	/* x87, MMX and SSE (fpu.h) */
	struct fpu_state fpu;

	/* run state */
	bool halted, wait_sipi;
	bool inhibit_irq;		/* sti / mov ss shadow on the next instruction */
	bool nmi_blocked;
	bool stop_block;		/* leave the current block after this instruction */
	const struct insn *stop_in;	/* the instruction after which it was left */
	struct tb *cur_tb;		/* the block running (chained blocks included) */
	unsigned chain_left;		/* blocks that may still chain without the loop */
	bool irq_check;			/* look for interrupts at the next boundary */
	atomic_int exit_req;		/* set by vcpu_kick or the LAPIC */
	int delivering;			/* vector being delivered, or -1 */
	int exc_vec;			/* pending exception for the run loop */
	uint32_t exc_err;
	bool exc_has_err;
	bool exc_soft;			/* INT n / INT3 / INTO: software */
	bool triple;
	jmp_buf jb;
	bool stopped;			/* an event went to the host: park */
	uint64_t icount, icount_limit;
	unsigned map_gen, code_epoch, code_gen;

	/* blocks */
	uint8_t *arena;
	size_t arena_used, arena_size;
	unsigned arena_gen;		/* bumped when the arena is emptied */
	struct tb *prev_tb;		/* the block that just ran (links), or NULL */
	struct tb *tb_hash[TB_HASH];
	struct tb *jmp_cache[JMP_CACHE];

	struct tcg_vm *vm;
	struct vcpu *v;
	const struct accel_host *host;
	struct lapic *lapic;		/* NULL: no LAPIC glue (tests), host->irq_* only */
	struct cpuid_leaf *cpuid;
	unsigned ncpuid;
	unsigned index;
	uint32_t signature;		/* CPUID(1).EAX */
};

static inline unsigned size_log2(unsigned size)
{
	return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

static inline uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static inline uint64_t sign_bit(unsigned size)
{
	return 1ull << (size * 8 - 1);
}

static inline int64_t sext_size(uint64_t v, unsigned size)
{
	switch (size) {
	case 1: return (int8_t)v;
	case 2: return (int16_t)v;
	case 4: return (int32_t)v;
	default: return (int64_t)v;
	}
}

/* ---- excp.c ---- */
NORETURN void cpu_raise(struct tcg_cpu *cpu, int vec, uint32_t err, bool has_err);
static inline NORETURN void cpu_gp(struct tcg_cpu *cpu, uint32_t err) { cpu_raise(cpu, EXC_GP, err, true); }
static inline NORETURN void cpu_ud(struct tcg_cpu *cpu) { cpu_raise(cpu, EXC_UD, 0, false); }
/* Deliver cpu->exc_* (from the run loop). */
void excp_deliver_pending(struct tcg_cpu *cpu);
/* Deliver an external interrupt or NMI now (between instructions). */
void excp_interrupt(struct tcg_cpu *cpu, int vec, bool is_nmi);
/* INT n / INT3 / INTO from a handler: delivered with next_rip pushed. */
NORETURN void cpu_raise_soft(struct tcg_cpu *cpu, int vec);

/* ---- flags.c ---- */
uint32_t flags_arith(struct tcg_cpu *cpu);
static inline uint32_t flags_get(struct tcg_cpu *cpu)
{
	return (cpu->eflags & ~FL_ARITH) | flags_arith(cpu) | RFLAGS_RESERVED;
}
static inline void flags_set_arith(struct tcg_cpu *cpu, uint32_t f)
{
	cpu->cc_op = CC_EFLAGS;
	cpu->cc_res = f & FL_ARITH;
}
/* Write EFLAGS under the rules for popf/iret at the current CPL (mask of writable bits). */
void flags_write(struct tcg_cpu *cpu, uint32_t val, uint32_t mask);
bool flags_cond(struct tcg_cpu *cpu, unsigned cc);
bool flags_cf(struct tcg_cpu *cpu);

/* ---- mmu.c ---- */
void tlb_flush(struct tcg_cpu *cpu, bool global_too);
void tlb_flush_page(struct tcg_cpu *cpu, uint64_t lin);
uint64_t mem_read_slow(struct tcg_cpu *cpu, uint64_t lin, unsigned size, bool exec);
void mem_write_slow(struct tcg_cpu *cpu, uint64_t lin, unsigned size, uint64_t val);
/* Translate for an access (faults); fills the TLB; returns the physical address. */
uint64_t mmu_translate(struct tcg_cpu *cpu, uint64_t lin, int access);
#define ACC_READ	0
#define ACC_WRITE	1
#define ACC_EXEC	2
/* Host pointer for the physical page holding phys (RAM/ROM), NULL for MMIO. */
uint8_t *phys_host(struct tcg_vm *vm, uint64_t phys, struct tcg_slot **slot, bool write);
/* A physical range was written by someone other than this CPU's fast path. */
void tcg_invalidate_phys(struct tcg_vm *vm, uint64_t gpa, uint64_t len);
/* Physical memory as the CPU sees it (descriptor tables, page tables). */
uint64_t phys_read(struct tcg_cpu *cpu, uint64_t pa, unsigned size);
void phys_write(struct tcg_cpu *cpu, uint64_t pa, unsigned size, uint64_t val);
/* Supervisor linear accesses (descriptor tables, TSS, IDT) whatever the CPL. */
uint64_t sys_read(struct tcg_cpu *cpu, uint64_t lin, unsigned size);
void sys_write(struct tcg_cpu *cpu, uint64_t lin, unsigned size, uint64_t val);
NORETURN void seg_fault(struct tcg_cpu *cpu, unsigned s);
void seg_update_cache(struct tcg_cpu *cpu, unsigned s);
void cpu_update_mode(struct tcg_cpu *cpu);

/* segmentation: linear address of seg:off for an access of size bytes */
static inline uint64_t seg_lin(struct tcg_cpu *cpu, unsigned s, uint64_t off, unsigned size,
			       bool write)
{
	struct tcg_seg *sg = &cpu->seg[s];

	if (unlikely(off < sg->lo || off + size - 1 > sg->hi || !(write ? sg->wr : sg->rd)))
		seg_fault(cpu, s);
	return (sg->lbase + off) & cpu->lin_mask;
}

static inline uint64_t lin_read(struct tcg_cpu *cpu, uint64_t lin, unsigned size)
{
	struct tlb_entry *e = &cpu->tlbc[(lin >> 12) & (TLB_SIZE - 1)];

	if (likely(e->tag_r == (lin & PAGE_MASK) && (lin & 0xfff) <= 0x1000 - size)) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)(lin + e->addend);
		switch (size) {
		case 1: return *p;
		case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
		case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
		default: { uint64_t v; memcpy(&v, p, 8); return v; }
		}
	}
	return mem_read_slow(cpu, lin, size, false);
}

static inline void lin_write(struct tcg_cpu *cpu, uint64_t lin, unsigned size, uint64_t val)
{
	struct tlb_entry *e = &cpu->tlbc[(lin >> 12) & (TLB_SIZE - 1)];

	if (likely(e->tag_w == (lin & PAGE_MASK) && (lin & 0xfff) <= 0x1000 - size)) {
		uint8_t *p = (uint8_t *)(uintptr_t)(lin + e->addend);
		switch (size) {
		case 1: *p = (uint8_t)val; return;
		case 2: { uint16_t v = (uint16_t)val; memcpy(p, &v, 2); return; }
		case 4: { uint32_t v = (uint32_t)val; memcpy(p, &v, 4); return; }
		default: memcpy(p, &val, 8); return;
		}
	}
	mem_write_slow(cpu, lin, size, val);
}

/* Host pointer for an aligned-within-page RAM access with write rights, or NULL. */
static inline void *lin_host_rw(struct tcg_cpu *cpu, uint64_t lin, unsigned size)
{
	struct tlb_entry *e = &cpu->tlbc[(lin >> 12) & (TLB_SIZE - 1)];

	if (likely(e->tag_w == (lin & PAGE_MASK) && (lin & 0xfff) <= 0x1000 - size &&
		   e->tag_r == e->tag_w))
		return (void *)(uintptr_t)(lin + e->addend);
	return NULL;
}

/* Probe a write so that it cannot fault later (before side effects). */
static inline void lin_probe_write(struct tcg_cpu *cpu, uint64_t lin, unsigned size)
{
	struct tlb_entry *e = &cpu->tlbc[(lin >> 12) & (TLB_SIZE - 1)];

	if (e->tag_w == (lin & PAGE_MASK) && (lin & 0xfff) <= 0x1000 - size)
		return;
	mmu_translate(cpu, lin, ACC_WRITE);
	if ((lin & 0xfff) > 0x1000 - size)
		mmu_translate(cpu, (lin | 0xfff) + 1, ACC_WRITE);
}

static inline uint64_t mem_read(struct tcg_cpu *cpu, unsigned s, uint64_t off, unsigned size)
{
	return lin_read(cpu, seg_lin(cpu, s, off, size, false), size);
}

static inline void mem_write(struct tcg_cpu *cpu, unsigned s, uint64_t off, unsigned size,
			     uint64_t val)
{
	lin_write(cpu, seg_lin(cpu, s, off, size, true), size, val);
}

/* ---- operand helpers for handlers ---- */
static inline uint64_t amask(unsigned asz)
{
	return asz == 2 ? 0xffff : asz == 4 ? 0xffffffffull : ~0ull;
}

static inline uint64_t insn_ea(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t ea = cpu->gpr[in->base] + (cpu->gpr[in->index] << in->scale) + (uint64_t)in->disp;
	return ea & amask(in->asz);
}

static inline uint64_t reg_read(struct tcg_cpu *cpu, unsigned r, unsigned off8, unsigned size)
{
	switch (size) {
	case 1: return ((uint8_t *)cpu->gpr)[off8];
	case 2: return (uint16_t)cpu->gpr[r];
	case 4: return (uint32_t)cpu->gpr[r];
	default: return cpu->gpr[r];
	}
}

static inline void reg_write(struct tcg_cpu *cpu, unsigned r, unsigned off8, unsigned size,
			     uint64_t v)
{
	switch (size) {
	case 1: ((uint8_t *)cpu->gpr)[off8] = (uint8_t)v; break;
	case 2: memcpy(&cpu->gpr[r], &(uint16_t){ (uint16_t)v }, 2); break;
	case 4: cpu->gpr[r] = (uint32_t)v; break;
	default: cpu->gpr[r] = v; break;
	}
}

/* ModRM.rm operand */
static inline uint64_t rm_read(struct tcg_cpu *cpu, const struct insn *in, unsigned size)
{
	if (!(in->flags & INSN_MEM))
		return reg_read(cpu, in->rm, in->rm8, size);
	return mem_read(cpu, in->seg, insn_ea(cpu, in), size);
}

static inline void rm_write(struct tcg_cpu *cpu, const struct insn *in, unsigned size, uint64_t v)
{
	if (!(in->flags & INSN_MEM))
		reg_write(cpu, in->rm, in->rm8, size, v);
	else
		mem_write(cpu, in->seg, insn_ea(cpu, in), size, v);
}

static inline uint64_t greg_read(struct tcg_cpu *cpu, const struct insn *in, unsigned size)
{
	return reg_read(cpu, in->reg, in->reg8, size);
}

static inline void greg_write(struct tcg_cpu *cpu, const struct insn *in, unsigned size, uint64_t v)
{
	reg_write(cpu, in->reg, in->reg8, size, v);
}

/* ---- stack (exec_control.c) ---- */
static inline unsigned stack_size(struct tcg_cpu *cpu)
{
	return cpu->code_bits == 64 ? 8 : cpu->seg[SEG_SS].d.db ? 4 : 2;
}
void stack_push(struct tcg_cpu *cpu, unsigned size, uint64_t v);
uint64_t stack_pop(struct tcg_cpu *cpu, unsigned size);
uint64_t stack_peek(struct tcg_cpu *cpu, unsigned size, unsigned offset);

/* ---- segments (seg.c) ---- */
/* Load a segment register as mov/pop do (checks per mode; faults). */
void seg_load(struct tcg_cpu *cpu, unsigned s, uint16_t sel);
void seg_load_real(struct tcg_cpu *cpu, unsigned s, uint16_t sel);
/* Descriptor of sel: 0 ok, or faults with the given vector. */
void desc_read(struct tcg_cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi, int vec);
void desc_to_seg(struct cpu_segment *d, uint16_t sel, uint32_t lo, uint32_t hi);
void desc_set_accessed(struct tcg_cpu *cpu, uint16_t sel, uint32_t hi);
/* Far transfers (jmp/call/ret/iret) in protected mode. */
void far_jump(struct tcg_cpu *cpu, uint16_t sel, uint64_t off, unsigned osz);
void far_call(struct tcg_cpu *cpu, uint16_t sel, uint64_t off, unsigned osz);
void far_ret(struct tcg_cpu *cpu, unsigned osz, uint16_t pop_extra);
void iret_do(struct tcg_cpu *cpu, unsigned osz);
void cpu_set_cpl(struct tcg_cpu *cpu, unsigned cpl);
uint32_t fl_mask_for_iret(struct tcg_cpu *cpu, unsigned osz);
void tss_stack(struct tcg_cpu *cpu, unsigned dpl, uint16_t *ss, uint64_t *sp);
void ss_load_for(struct tcg_cpu *cpu, uint16_t ss, unsigned cpl, int vec);
void cs_load(struct tcg_cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, unsigned cpl);
void seg_set_null(struct tcg_cpu *cpu, unsigned s, uint16_t sel);

/* ---- system (exec_system.c / msr.c) ---- */
void cpu_write_cr(struct tcg_cpu *cpu, unsigned n, uint64_t v);
int msr_read(struct tcg_cpu *cpu, uint32_t msr, uint64_t *val);
int msr_write(struct tcg_cpu *cpu, uint32_t msr, uint64_t val);
void cpuid_query(struct tcg_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4]);
uint64_t cpu_tsc(struct tcg_cpu *cpu);
void io_access(struct tcg_cpu *cpu, uint16_t port, void *data, unsigned size, bool write);
void io_check(struct tcg_cpu *cpu, uint16_t port, unsigned size);

/*
 * Threaded execution: the instructions of a block are followed by a
 * sentinel; each tfn does its instruction and then jumps (a tail call) to
 * the next one's, so a block runs without going back to the loop.
 * cpu->rip is kept lazily: a handler that cannot fault or leave the block
 * (register operations) does not write it; one that may fault sets it to
 * its own RIP first (insn_rip); branches set it to their target; the
 * sentinel of a block that falls through sets it to the next RIP.
 * next_rip is set only around generic handlers (which read and write it).
 * Leaving early (stop_block) records where, with cpu->rip the next RIP.
 */
static inline uint64_t insn_rip(const struct tcg_cpu *cpu, const struct insn *in)
{
	return (in->next_rip - in->len) & cpu->ipmask;
}

static inline void insn_next(struct tcg_cpu *cpu, const struct insn *in)
{
	in++;
	in->tfn(cpu, in);
}

/* after an instruction that may have set stop_block; cpu->rip is the next RIP */
static inline void insn_chain_at(struct tcg_cpu *cpu, const struct insn *in)
{
	if (unlikely(cpu->stop_block)) {
		cpu->stop_in = in;
		return;
	}
	insn_next(cpu, in);
}

/* ---- cpu.c ---- */
struct tcg_cpu *tcg_cpu_new(struct tcg_vm *vm, unsigned index);
void tcg_cpu_free(struct tcg_cpu *cpu);
void tcg_cpu_reset(struct tcg_cpu *cpu, bool bsp);
void tcg_cpu_get_state(struct tcg_cpu *cpu, struct cpu_state *s);
void tcg_cpu_set_state(struct tcg_cpu *cpu, const struct cpu_state *s);
/* Run until kicked, halted or stopped; max_insns 0 = no limit (tests). */
enum accel_run tcg_cpu_run(struct tcg_cpu *cpu, uint64_t max_insns);
void tcg_cpu_flush_code(struct tcg_cpu *cpu);
int tcg_vm_set_memory(struct tcg_vm *vm, const struct accel_mem *mem, unsigned n);
void tcg_vm_free(struct tcg_vm *vm);
void tcg_vm_free_map(struct tcg_map *map);

/* ---- trace.c ---- */
void trace_block(struct tcg_cpu *cpu, uint64_t pc, const struct insn *insns, unsigned n,
		 const uint8_t *code);
void trace_cpu(struct tcg_cpu *cpu);
void trace_exec(struct tcg_cpu *cpu, uint64_t rip);
void trace_int(struct tcg_cpu *cpu, int vec, uint32_t err, bool has_err, bool hw);

#endif
