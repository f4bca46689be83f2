/*
 * The specialised, threaded handlers (exec_fast.c) and the compare+branch
 * pairs fused from them (exec_fuse.c): what both share.
 *
 * Contract
 * - fast_select() (called by the decoder) replaces the generic handler of a
 *   hot shape by one of these and sets in->tfn to it as well; in->fuse
 *   tags the shapes fast_fuse() may pair with a jcc right after them.
 * - A jcc's imm2 is set by cpu.c when its block is made: how far its
 *   block's exit sentinel is (jcc_go).
 * - Each handler does exactly what the generic one would (results, lazy
 *   flags, faults, the lazy cpu->rip of tcg.h), and then runs the next
 *   instruction of its block (a tail call).
 */
#ifndef VMM_ACCEL_TCG_EXEC_FAST_H
#define VMM_ACCEL_TCG_EXEC_FAST_H

#include "vmm/accel/tcg/exec.h"

/* exec_fast32.c: memory operands through the segment checks (not 64-bit addresses) */
insn_fn fast_select_seg(struct insn *in, insn_fn fn);

/* in->fuse: what a fast handler is, for fast_fuse() */
enum fuse_kind {
	FUSE_NONE, FUSE_JCC,
	FUSE_CMP64_RR, FUSE_CMP32_RR, FUSE_CMP64_RI, FUSE_CMP32_RI, FUSE_CMP8_RI,
	FUSE_TEST64_RR, FUSE_TEST32_RR, FUSE_TEST8_RR,
	FUSE_ADD64_RI, FUSE_ADD32_RI, FUSE_SUB64_RI, FUSE_SUB32_RI,
	FUSE_NR
};

/*
 * Each handler is threaded (ends by running the next instruction of the
 * block); fast_select sets in->tfn to it as well. By what the instruction
 * may do to the lazy cpu->rip (tcg.h):
 * FH   registers only: cannot fault nor leave the block, leaves rip alone;
 * FHB  a branch on registers: sets rip to where it goes;
 * FHJ  a jcc (or compare and jcc): sets rip either way, goes on by jcc_go();
 * FHT  memory (below): the TLB hit needs no rip, a miss is the generic
 *      handler's, through fast_slow().
 */
#define FH_DEF(name, pre, post)							\
static inline __attribute__((always_inline)) void name##_body(struct tcg_cpu *cpu, \
							      const struct insn *in); \
static void name(struct tcg_cpu *cpu, const struct insn *in)		\
{									\
	pre;								\
	name##_body(cpu, in);						\
	post;								\
}									\
static inline __attribute__((always_inline)) void name##_body(struct tcg_cpu *cpu, \
							      const struct insn *in)
#define FH(name)	FH_DEF(name, (void)0, insn_next(cpu, in))
#define FHB(name)	FH_DEF(name, (void)0, insn_next(cpu, in))
#define FHJ(name)	FH_DEF(name, (void)0, (void)0)

/*
 * The jcc j decided: not taken, on with the next instruction (a jcc may
 * sit inside a block); taken, to the block's exit sentinel, j->imm2
 * instructions on (set by cpu.c), the ones skipped uncounted.
 */
static inline void jcc_go(struct tcg_cpu *cpu, const struct insn *j, bool taken)
{
	if (taken) {
		cpu->rip = j->imm;
		cpu->icount -= j->imm2 - 2u;
		j += j->imm2;
	} else {
		cpu->rip = j->next_rip;
		j++;
	}
	j->tfn(cpu, j);
}

static const uint64_t cc_masks[4] = { 0xff, 0xffff, 0xffffffffull, ~0ull };

static inline void cc_set(struct tcg_cpu *cpu, unsigned op, uint64_t res, uint64_t a, uint64_t b)
{
	cpu->cc_op = op;
	cpu->cc_res = res;
	cpu->cc_a = a;
	cpu->cc_b = b;
}

/*
 * A condition from the lazy flags: zero and sign from any result, the
 * comparisons from a sub/cmp and a logic op directly; the rest computes
 * EFLAGS (flags_cond). cc is a constant in every caller.
 */
static inline __attribute__((always_inline)) bool cond_eval(struct tcg_cpu *cpu, unsigned cc)
{
	unsigned op = cpu->cc_op, kind = op >> 2;
	uint64_t m = cc_masks[op & 3];
	bool r;

	if (likely(kind != CC_EFLAGS)) {
		switch (cc >> 1) {
		case 2:
			return !(cpu->cc_res & m) ^ (cc & 1);
		case 4:
			return !!(cpu->cc_res & (m ^ (m >> 1))) ^ (cc & 1);
		}
	}
	if (kind == CC_SUB) {
		uint64_t a = cpu->cc_a & m, b = cpu->cc_b & m, sb = m ^ (m >> 1);

		switch (cc >> 1) {
		case 1: r = a < b; return r ^ (cc & 1);
		case 3: r = a <= b; return r ^ (cc & 1);
		case 6: r = (a ^ sb) < (b ^ sb); return r ^ (cc & 1);
		case 7: r = (a ^ sb) <= (b ^ sb); return r ^ (cc & 1);
		}
	} else if (kind == CC_ADD && (cc >> 1) == 1) {
		r = (cpu->cc_res & m) < (cpu->cc_a & m);
		return r ^ (cc & 1);
	} else if (kind == CC_LOGIC) {
		uint64_t res = cpu->cc_res & m, sb = m ^ (m >> 1);

		switch (cc >> 1) {
		case 0: case 1: return cc & 1;
		case 3: return !res ^ (cc & 1);
		case 6: return !!(res & sb) ^ (cc & 1);
		case 7: r = !res || (res & sb); return r ^ (cc & 1);
		}
	}
	return flags_cond(cpu, cc);
}

/*
 * The TLB hit, or false: nothing done yet, the generic handler takes the
 * instruction (page walks, faults, MMIO, code pages, page crossings).
 */
static inline bool try_read(struct tcg_cpu *cpu, uint64_t lin, unsigned size, uint64_t *v)
{
	const struct tlb_entry *e = &cpu->tlbc[(lin >> 12) & (TLB_SIZE - 1)];
	const uint8_t *p = (const uint8_t *)(uintptr_t)(lin + e->addend);

	if (unlikely(e->tag_r != (lin & PAGE_MASK) || (lin & 0xfff) > 0x1000 - size))
		return false;
	switch (size) {
	case 1: *v = *p; break;
	case 2: { uint16_t x; memcpy(&x, p, 2); *v = x; break; }
	case 4: { uint32_t x; memcpy(&x, p, 4); *v = x; break; }
	default: memcpy(v, p, 8); break;
	}
	return true;
}

static inline bool try_write(struct tcg_cpu *cpu, uint64_t lin, unsigned size, uint64_t v)
{
	const struct tlb_entry *e = &cpu->tlbc[(lin >> 12) & (TLB_SIZE - 1)];
	uint8_t *p = (uint8_t *)(uintptr_t)(lin + e->addend);

	if (unlikely(e->tag_w != (lin & PAGE_MASK) || (lin & 0xfff) > 0x1000 - size))
		return false;
	switch (size) {
	case 1: *p = (uint8_t)v; break;
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
	return true;
}

/* a TLB miss: the whole instruction by its generic handler, as cpu.c would */
void fast_slow(struct tcg_cpu *cpu, const struct insn *in, insn_fn generic);

/*
 * A memory instruction whose body returns false on a TLB miss, before any
 * effect; the hit path needs no RIP (it cannot fault) and cannot leave the
 * block. A branch's body sets cpu->rip itself.
 */
#define FHT(name, generic)							\
static inline __attribute__((always_inline)) bool name##_body(struct tcg_cpu *cpu, \
							      const struct insn *in); \
static void name(struct tcg_cpu *cpu, const struct insn *in)		\
{									\
	if (likely(name##_body(cpu, in)))				\
		insn_next(cpu, in);					\
	else								\
		fast_slow(cpu, in, generic);				\
}									\
static inline __attribute__((always_inline)) bool name##_body(struct tcg_cpu *cpu, \
							      const struct insn *in)

#endif
