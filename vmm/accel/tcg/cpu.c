/*
 * The run loop: blocks of decoded instructions keyed by physical address
 * (and the RIP/CS base/mode they were decoded for), a per-vCPU jump cache
 * in front of the block hash (emptied whenever decoded code is written:
 * vm->code_gen), links from a block to the ones that ran after it (checked
 * against code_gen, the TLB generation, CS base, mode and CPL), interrupt
 * and event handling between blocks, reset and register state.
 *
 * A block runs threaded (tcg.h): each handler jumps to the next one's, and
 * two sentinels follow the last instruction: the fall-through one and the
 * exit a conditional branch inside the block takes (a block goes on past
 * a jcc; taken, it leaves). A sentinel of a cached block goes straight on
 * with the next block through its link when no event is pending
 * (insn_block_chain), up to CHAIN_MAX blocks before the loop looks again.
 */
#include <errno.h>
#include <stdlib.h>

#include "board/board.h"
#include "board/lapic.h"
#include "board/log.h"
#include "vmm/accel/tcg/exec_fast.h"
#include "vmm/accel/tcg/tcg_model.h"

/* as in exec_fast.c: RIP stores packed into SSE stores cost more than they save */
#pragma GCC optimize("no-tree-slp-vectorize")

#define TB_MAX_INSNS	64
#define ARENA_SIZE	(16u << 20)

/*
 * A link to the block that ran after this one, valid while nothing it
 * depends on changed: decoded code (code_gen), the TLB (tlb_gen: mappings
 * and rights), the CS base, the code size and the CPL.
 */
struct tb_link {
	struct tb *tb;
	uint64_t pc;
	unsigned code_gen, tlb_gen;
	uint16_t n;			/* tb->n: chaining need not touch its header */
	uint8_t cpl;			/* exec rights were checked at this CPL */
};

struct tb {
	uint64_t pc, cs_base, phys;
	struct tb_link link[2];
	_Atomic uint32_t *gen_p[2];
	uint32_t gen[2];
	struct tb *hash_next;
	uint8_t bits;
	uint8_t next_slot;
	uint16_t n;
	struct insn insn[];
};

static _Atomic uint32_t gen_none;	/* second page of a block on one page */

/* ---- memory map ---- */
int tcg_vm_set_memory(struct tcg_vm *vm, const struct accel_mem *mem, unsigned n)
{
	struct tcg_map *map = calloc(1, sizeof(*map) + n * sizeof(map->slot[0]));

	if (!map)
		return -ENOMEM;
	map->n = n;
	for (unsigned i = 0; i < n; i++) {
		struct tcg_slot *s = &map->slot[i];
		uint64_t pages = (mem[i].size + 0xfff) >> 12;

		s->gpa = mem[i].gpa;
		s->size = mem[i].size;
		s->host = mem[i].host;
		s->readonly = mem[i].readonly;
		s->codemask = calloc(pages ? pages : 1, sizeof(*s->codemask));
		s->gen = calloc(pages ? pages : 1, sizeof(*s->gen));
		if (!s->codemask || !s->gen) {
			map->n = i + 1;
			tcg_vm_free_map(map);
			return -ENOMEM;
		}
	}
	map->older = atomic_load(&vm->map);
	atomic_store_explicit(&vm->map, map, memory_order_release);
	atomic_fetch_add(&vm->map_gen, 1);
	return 0;
}

void tcg_vm_free_map(struct tcg_map *map)
{
	while (map) {
		struct tcg_map *older = map->older;

		for (unsigned i = 0; i < map->n; i++) {
			free((void *)map->slot[i].codemask);
			free((void *)map->slot[i].gen);
		}
		free(map);
		map = older;
	}
}

void tcg_vm_free(struct tcg_vm *vm)
{
	tcg_vm_free_map(atomic_load(&vm->map));
	atomic_store(&vm->map, NULL);
	free(vm->cpuid);
	vm->cpuid = NULL;
}

/* ---- blocks ---- */
void tcg_cpu_flush_code(struct tcg_cpu *cpu)
{
	cpu->arena_used = 0;
	cpu->arena_gen++;
	cpu->prev_tb = NULL;
	memset(cpu->tb_hash, 0, sizeof(cpu->tb_hash));
	memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
}

static inline unsigned tb_hash_of(uint64_t phys)
{
	return (unsigned)(((phys * 0x9e3779b97f4a7c15ull) >> 40) & (TB_HASH - 1));
}

static inline unsigned jc_hash_of(uint64_t lin)
{
	return (unsigned)((lin ^ (lin >> 12)) & (JMP_CACHE - 1));
}

static inline bool tb_valid(const struct tb *tb)
{
	return atomic_load_explicit(tb->gen_p[0], memory_order_relaxed) == tb->gen[0] &&
	       atomic_load_explicit(tb->gen_p[1], memory_order_relaxed) == tb->gen[1];
}

/* Mark bytes as code; a page becoming code loses its fast write entries. */
static void mark_code(struct tcg_cpu *cpu, struct tcg_slot *s, uint64_t phys, unsigned len)
{
	uint64_t page = (phys - s->gpa) >> 12;
	unsigned first = (phys & 0xfff) >> 6, last = ((phys & 0xfff) + len - 1) >> 6;
	uint64_t bits, old;

	if (last > 63)
		last = 63;
	bits = (last - first == 63) ? ~0ull : ((1ull << (last - first + 1)) - 1) << first;
	old = atomic_fetch_or(&s->codemask[page], bits);
	if (!old) {
		uint64_t pp = phys & PAGE_MASK;

		for (int t = 0; t < 2; t++)
			for (int i = 0; i < TLB_ALL; i++) {
				struct tlb_entry *e = &cpu->tlb[t][i];
				if (TLB_PHYS(e) == pp && !(e->tag_w & TLB_SLOW) &&
				    e->tag_w != TLB_EMPTY)
					e->tag_w |= TLB_SLOW;
			}
		if (cpu->vm->ncpus > 1)
			atomic_fetch_add(&cpu->vm->code_epoch, 1);
	}
}

static uint8_t *code_page(struct tcg_cpu *cpu, uint64_t lin, uint64_t *phys, struct tcg_slot **s)
{
	uint8_t *host;

	*phys = mmu_translate(cpu, lin, ACC_EXEC);
	host = phys_host(cpu->vm, *phys, s, false);
	if (!host) {
		guest_error("tcg: CPU %u executes from MMIO at %#llx", cpu->index,
			    (unsigned long long)*phys);
		cpu->host->event(cpu->host->opaque, cpu->v, ACCEL_EV_CRASH);
		cpu->stopped = true;
		cpu_raise(cpu, -2, 0, false);
	}
	return host - (*phys & 0xfff);		/* the page */
}

/* a generic handler in the threaded chain */
static void insn_run_generic(struct tcg_cpu *cpu, const struct insn *in)
{
	cpu->rip = insn_rip(cpu, in);
	cpu->next_rip = in->next_rip;
	in->fn(cpu, in);
	cpu->rip = cpu->next_rip;
	insn_chain_at(cpu, in);
}

/*
 * The sentinel after a block's last instruction. imm2 != 0: the block
 * falls through (its last instruction is no branch), so cpu->rip may be
 * stale: it is the sentinel's next_rip.
 */
static void insn_block_end(struct tcg_cpu *cpu, const struct insn *in)
{
	if (in->imm2)
		cpu->rip = in->next_rip;
}

/*
 * The sentinel of a cached block: go on with the block its link names when
 * nothing needs the run loop (events, limits, tracing), the link holds as
 * next_block() would check it, and the chain budget is not spent.
 */
static void insn_block_chain(struct tcg_cpu *cpu, const struct insn *in)
{
	struct tb *tb = (struct tb *)(uintptr_t)in->imm, *next = NULL;
	unsigned code_gen, n = 0;

	if (in->imm2)
		cpu->rip = in->next_rip;

	if (unlikely(!cpu->chain_left ||
		     atomic_load_explicit(&cpu->exit_req, memory_order_relaxed) ||
		     cpu->irq_check || cpu->halted || cpu->wait_sipi || cpu->inhibit_irq ||
		     cpu->icount >= cpu->icount_limit || (log_mask & (LOG_CPU | LOG_EXEC))))
		return;
	if (tb->cs_base != cpu->seg[SEG_CS].lbase || tb->bits != cpu->code_bits)
		return;
	code_gen = atomic_load_explicit(&cpu->vm->code_gen, memory_order_relaxed);
	if (cpu->code_gen != code_gen)
		return;
	for (int i = 0; i < 2; i++) {
		struct tb_link *l = &tb->link[i];

		if (l->pc == cpu->rip && l->tb && l->code_gen == code_gen &&
		    l->tlb_gen == cpu->tlb_gen && l->cpl == cpu->cpl) {
			next = l->tb;
			n = l->n;
			break;
		}
	}
	if (!next)
		return;
	cpu->chain_left--;
	cpu->prev_tb = next;
	cpu->cur_tb = next;
	cpu->icount += n;
	next->insn[0].tfn(cpu, next->insn);
}

/* room for max instructions and the two sentinels (fall-through, exit) */
static size_t tb_size(unsigned max)
{
	return (sizeof(struct tb) + (max + 2) * sizeof(struct insn) + 15) & ~(size_t)15;
}

static struct tb *tb_alloc(struct tcg_cpu *cpu, unsigned max)
{
	size_t need = tb_size(max);

	if (cpu->arena_used + need > cpu->arena_size)
		tcg_cpu_flush_code(cpu);
	cpu->arena_used += need;
	return (struct tb *)(cpu->arena + cpu->arena_used - need);
}

static struct tb *translate(struct tcg_cpu *cpu, uint64_t rip, uint64_t lin, uint64_t phys,
			    unsigned max, struct tb *tb)
{
	struct tcg_slot *s = NULL, *s2 = NULL;
	uint8_t *host = code_page(cpu, lin, &phys, &s);
	uint64_t page = (phys - s->gpa) >> 12;
	uint64_t cs_limit = cpu->seg[SEG_CS].d.limit;
	uint64_t lin_page = lin & PAGE_MASK;
	unsigned n = 0;

	tb->pc = rip;
	memset(tb->link, 0, sizeof(tb->link));
	tb->next_slot = 0;
	tb->cs_base = cpu->seg[SEG_CS].lbase;
	tb->phys = phys;
	tb->bits = cpu->code_bits;
	tb->gen_p[0] = &s->gen[page];
	tb->gen[0] = atomic_load(&s->gen[page]);
	tb->gen_p[1] = &gen_none;
	tb->gen[1] = atomic_load(&gen_none);

	while (n < max) {
		struct insn *in = &tb->insn[n];
		unsigned off = (unsigned)(lin & 0xfff), avail = 0x1000 - off;
		int r = decode_insn(in, host + off, avail, cpu->code_bits);
		bool crossed = false;

		if (r == DECODE_MORE) {
			uint8_t buf[DECODE_MAX_LEN + 1];
			uint64_t phys2;
			uint8_t *host2;
			uint64_t lin2 = (lin + avail) & cpu->lin_mask;

			if (n)
				break;	/* let the fault, if any, be this instruction's own */
			host2 = code_page(cpu, lin2, &phys2, &s2);
			memcpy(buf, host + off, avail);
			memcpy(buf + avail, host2, sizeof(buf) - avail);
			r = decode_insn(in, buf, sizeof(buf), cpu->code_bits);
			tb->gen_p[1] = &s2->gen[(phys2 - s2->gpa) >> 12];
			tb->gen[1] = atomic_load(tb->gen_p[1]);
			mark_code(cpu, s2, phys2 & PAGE_MASK, (unsigned)(in->len - avail));
			crossed = true;
		}
		if (r <= 0 && r != DECODE_MORE) {
			/* #UD/#GP: the handler raises it when executed */
		}
		if (cpu->code_bits != 64 && rip + in->len - 1 > cs_limit) {
			if (n)
				break;
			cpu_gp(cpu, 0);
		}
		decode_fixup(in, rip);
		in->next_rip = (rip + in->len) & cpu->ipmask;
		if (!in->tfn)
			in->tfn = insn_run_generic;
		mark_code(cpu, s, phys, crossed ? avail : in->len);
		n++;
		/* a conditional branch leaves by the exit sentinel only when taken */
		if (((in->flags & INSN_END) && (in->fuse != FUSE_JCC || n + 1 >= max)) || crossed)
			break;
		rip = (rip + in->len) & cpu->ipmask;
		lin = (cpu->seg[SEG_CS].lbase + rip) & cpu->lin_mask;
		phys += in->len;
		/* stop at the page end and where IP wraps */
		if ((lin & PAGE_MASK) != lin_page || rip < tb->pc)
			break;
	}
	tb->n = (uint16_t)n;
	for (unsigned i = 0; i < n; i++) {
		if (tb->insn[i].fuse != FUSE_JCC)
			continue;
		tb->insn[i].imm2 = (uint16_t)(n + 1 - i);	/* to the exit sentinel */
		if (i)
			fast_fuse(&tb->insn[i - 1], &tb->insn[i]);
	}
	/* insn[n]: fall-through (the RIP may be stale); insn[n + 1]: exit */
	memset(&tb->insn[n], 0, 2 * sizeof(tb->insn[n]));
	tb->insn[n].fn = tb->insn[n].tfn = insn_block_end;
	tb->insn[n].next_rip = n ? tb->insn[n - 1].next_rip : tb->pc;
	tb->insn[n].imm2 = n && !(tb->insn[n - 1].flags & INSN_END);
	tb->insn[n + 1].fn = tb->insn[n + 1].tfn = insn_block_end;
	if (log_enabled(LOG_IN_ASM))
		trace_block(cpu, tb->pc, tb->insn, n, host + (tb->phys & 0xfff));
	return tb;
}

static struct tb *tb_find(struct tcg_cpu *cpu)
{
	uint64_t rip = cpu->rip, cs_base = cpu->seg[SEG_CS].lbase;
	uint64_t lin = (cs_base + rip) & cpu->lin_mask, phys;
	struct tlb_entry *e = &cpu->tlbc[(lin >> 12) & (TLB_SIZE - 1)];
	struct tb **jc = &cpu->jmp_cache[jc_hash_of(lin)], *tb;
	unsigned h;

	unsigned gen = atomic_load_explicit(&cpu->vm->code_gen, memory_order_acquire);

	if (unlikely(cpu->code_bits != 64 && rip > cpu->seg[SEG_CS].d.limit))
		cpu_gp(cpu, 0);
	if (likely(e->tag_r == (lin & PAGE_MASK) && (e->phys & TLB_X)))
		phys = TLB_PHYS(e) | (lin & 0xfff);
	else
		phys = mmu_translate(cpu, lin, ACC_EXEC);
	/*
	 * The jump cache holds blocks valid at code_gen: any write to decoded
	 * code (here or on another vCPU, or DMA) empties it, so a hit needs no
	 * look at the page generations.
	 */
	if (unlikely(gen != cpu->code_gen)) {
		memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
		cpu->code_gen = gen;
	}
	tb = *jc;
	if (likely(tb && tb->pc == rip && tb->phys == phys && tb->cs_base == cs_base &&
		   tb->bits == cpu->code_bits))
		return tb;
	h = tb_hash_of(phys);
	for (struct tb **pp = &cpu->tb_hash[h]; (tb = *pp) != NULL;) {
		if (!tb_valid(tb)) {		/* its code was written: drop it */
			*pp = tb->hash_next;
			continue;
		}
		if (tb->pc == rip && tb->phys == phys && tb->cs_base == cs_base &&
		    tb->bits == cpu->code_bits) {
			/* move to the front: loops find it first next time */
			*pp = tb->hash_next;
			tb->hash_next = cpu->tb_hash[h];
			cpu->tb_hash[h] = tb;
			break;
		}
		pp = &tb->hash_next;
	}
	if (!tb) {
		tb = translate(cpu, rip, lin, phys, TB_MAX_INSNS, tb_alloc(cpu, TB_MAX_INSNS));
		for (unsigned i = tb->n; i <= tb->n + 1u; i++) {
			tb->insn[i].tfn = insn_block_chain;
			tb->insn[i].imm = (uintptr_t)tb;
		}
		/* translate may have flushed the arena: hash after */
		tb->hash_next = cpu->tb_hash[h];
		cpu->tb_hash[h] = tb;
		/* give back the unused tail of the arena */
		cpu->arena_used -= tb_size(TB_MAX_INSNS) - tb_size(tb->n);
	}
	*jc = tb;
	return tb;
}

/* ---- events between blocks ---- */
static void do_sipi(struct tcg_cpu *cpu, uint8_t vec)
{
	struct cpu_segment *cs = &cpu->seg[SEG_CS].d;

	cpu->wait_sipi = false;
	cpu->halted = false;
	cs->selector = (uint16_t)(vec << 8);
	cs->base = (uint64_t)vec << 12;
	cpu->rip = 0;
	cpu_update_mode(cpu);
}

/* Returns -1 to keep running, or what vcpu_run should return. */
static int handle_events(struct tcg_cpu *cpu)
{
	struct lapic *l = cpu->lapic;
	int vec = -1;
	bool nmi = false;

	atomic_store_explicit(&cpu->exit_req, 0, memory_order_relaxed);
	cpu->irq_check = false;
	cpu->prev_tb = NULL;		/* an interrupt may come: no link to its handler */
	if (atomic_load_explicit(&cpu->vm->map_gen, memory_order_acquire) != cpu->map_gen) {
		cpu->map_gen = atomic_load(&cpu->vm->map_gen);
		tlb_flush(cpu, true);
		tcg_cpu_flush_code(cpu);
	}
	if (atomic_load_explicit(&cpu->vm->code_epoch, memory_order_relaxed) != cpu->code_epoch) {
		cpu->code_epoch = atomic_load(&cpu->vm->code_epoch);
		tlb_flush(cpu, true);
	}
	if (l) {
		unsigned mask = LAPIC_EV_INIT, ev;

		if (cpu->wait_sipi)
			mask |= LAPIC_EV_SIPI;
		if (!cpu->nmi_blocked && !cpu->wait_sipi)
			mask |= LAPIC_EV_NMI;
		board_lock(cpu->vm->board);
		ev = lapic_take_event(l, mask);
		if (ev & LAPIC_EV_INIT)
			lapic_reset(l, false);
		board_unlock(cpu->vm->board);
		if (ev & LAPIC_EV_INIT) {
			tcg_cpu_reset(cpu, false);
			cpu->wait_sipi = !l->bsp;
			if (l->bsp)
				cpu->halted = false;
		}
		if ((ev & LAPIC_EV_SIPI) && cpu->wait_sipi)
			do_sipi(cpu, l->sipi_vector);
		nmi = ev & LAPIC_EV_NMI;
	}
	if (cpu->wait_sipi)
		return ACCEL_RUN_HALT;
	if (nmi) {
		excp_interrupt(cpu, EXC_NMI, true);
		return -1;
	}
	if ((cpu->eflags & FL_IF) && !cpu->inhibit_irq) {
		if (l) {
			board_lock(cpu->vm->board);
			if (lapic_has_interrupt(l))
				vec = lapic_get_interrupt(l);
			board_unlock(cpu->vm->board);
		} else if (cpu->host->irq_pending && cpu->host->irq_pending(cpu->host->opaque, cpu->v)) {
			vec = cpu->host->irq_ack(cpu->host->opaque, cpu->v);
		}
		if (vec >= 0) {
			excp_interrupt(cpu, vec & 0xff, false);
			return -1;
		}
	}
	if (cpu->halted)
		return ACCEL_RUN_HALT;
	if (cpu->v && atomic_load(&cpu->v->kick))
		return ACCEL_RUN_KICK;
	return -1;
}

/* bounds the host stack where the compiler makes no tail calls (sanitizers) */
#define CHAIN_MAX	16

static void exec_block(struct tcg_cpu *cpu, struct tb *tb)
{
	cpu->icount += tb->n;
	cpu->cur_tb = tb;
	cpu->chain_left = CHAIN_MAX;
	tb->insn[0].tfn(cpu, tb->insn);
	if (unlikely(cpu->stop_block)) {
		tb = cpu->cur_tb;
		cpu->stop_block = false;
		cpu->icount -= (uint64_t)(tb->insn + tb->n - cpu->stop_in - 1);
	}
}

/* traced, or one instruction (interrupt shadow): decode into a scratch block */
static void exec_traced(struct tcg_cpu *cpu, unsigned max)
{
	struct {
		struct tb tb;
		struct insn in[TB_MAX_INSNS + 2];
	} scratch;
	struct insn one[3];		/* an instruction and its two sentinels */
	const struct tb *tb;

	if (max == 1) {
		uint64_t lin = (cpu->seg[SEG_CS].lbase + cpu->rip) & cpu->lin_mask;

		if (cpu->code_bits != 64 && cpu->rip > cpu->seg[SEG_CS].d.limit)
			cpu_gp(cpu, 0);
		tb = translate(cpu, cpu->rip, lin, 0, 1, &scratch.tb);
	} else {
		tb = tb_find(cpu);
	}
	/* -d cpu,exec: the state before every instruction, as QEMU -singlestep */
	bool each = log_enabled(LOG_CPU) && log_enabled(LOG_EXEC);

	if (log_enabled(LOG_CPU) && !each)
		trace_cpu(cpu);
	cpu->icount += tb->n;
	for (unsigned i = 0; i < tb->n; i++) {
		const struct insn *in = &tb->insn[i];

		if (log_enabled(LOG_EXEC))
			trace_exec(cpu, cpu->rip);
		if (each)
			trace_cpu(cpu);
		one[0] = *in;
		if (one[0].tfn != insn_run_generic)
			one[0].tfn = one[0].fn;		/* not fused with the next */
		if (one[0].fuse == FUSE_JCC)
			one[0].imm2 = 2;		/* taken: one[2] */
		one[1] = tb->insn[tb->n];
		one[1].tfn = insn_block_end;	/* one at a time: no chaining */
		one[1].next_rip = in->next_rip;
		one[1].imm2 = !(in->flags & INSN_END);
		one[2] = one[1];
		one[2].imm2 = 0;
		cpu->rip = insn_rip(cpu, in);
		one[0].tfn(cpu, one);
		if (cpu->stop_block) {
			cpu->stop_block = false;
			cpu->icount -= tb->n - i - 1;
			break;
		}
		if (cpu->rip != in->next_rip && i + 1 < tb->n) {	/* a jcc taken */
			cpu->icount -= tb->n - i - 1;
			break;
		}
	}
}

/*
 * The block to run now: through the link of the block that just ran when it
 * still holds, else tb_find() (and the link is made for next time).
 */
static struct tb *next_block(struct tcg_cpu *cpu)
{
	struct tb *prev = cpu->prev_tb, *tb;
	unsigned code_gen = atomic_load_explicit(&cpu->vm->code_gen, memory_order_relaxed);

	cpu->prev_tb = NULL;
	if (likely(prev && prev->cs_base == cpu->seg[SEG_CS].lbase &&
		   prev->bits == cpu->code_bits)) {
		for (int i = 0; i < 2; i++) {
			struct tb_link *l = &prev->link[i];

			if (l->pc == cpu->rip && l->tb && l->code_gen == code_gen &&
			    l->tlb_gen == cpu->tlb_gen && cpu->code_gen == code_gen &&
			    l->cpl == cpu->cpl) {
				cpu->prev_tb = l->tb;
				return l->tb;
			}
		}
	}
	{
		unsigned arena_gen = cpu->arena_gen;

		tb = tb_find(cpu);
		/* tb_find may have emptied the arena: prev is gone then */
		if (prev && arena_gen == cpu->arena_gen &&
		    prev->cs_base == tb->cs_base && prev->bits == tb->bits) {
			struct tb_link *l = &prev->link[prev->link[0].tb ? 1 : 0];

			if (prev->link[0].tb && prev->link[1].tb)	/* both used: replace the older */
				l = &prev->link[(prev->next_slot ^= 1) & 1];
			*l = (struct tb_link){ tb, tb->pc, cpu->code_gen, cpu->tlb_gen, tb->n,
					       cpu->cpl };
		}
	}
	cpu->prev_tb = tb;
	return tb;
}

enum accel_run tcg_cpu_run(struct tcg_cpu *cpu, uint64_t max_insns)
{
	cpu->icount_limit = max_insns ? cpu->icount + max_insns : UINT64_MAX;
	cpu->prev_tb = NULL;
	if (cpu->stopped)
		return ACCEL_RUN_STOP;
	if (setjmp(cpu->jb)) {
		cpu->stop_block = false;
		cpu->prev_tb = NULL;
		if (cpu->stopped)
			return ACCEL_RUN_STOP;
		if (cpu->exc_vec >= 0)
			excp_deliver_pending(cpu);
		if (cpu->triple) {
			cpu->triple = false;
			cpu->stopped = true;
			if (log_enabled(LOG_INT))
				board_log(LOG_INT, "tcg: CPU %u triple fault", cpu->index);
			cpu->host->event(cpu->host->opaque, cpu->v, ACCEL_EV_TRIPLE_FAULT);
			return ACCEL_RUN_STOP;
		}
	}
	for (;;) {
		if (unlikely(atomic_load_explicit(&cpu->exit_req, memory_order_relaxed) ||
			     cpu->irq_check || cpu->halted || cpu->wait_sipi)) {
			int r = handle_events(cpu);
			if (r >= 0)
				return (enum accel_run)r;
		}
		if (unlikely(cpu->icount >= cpu->icount_limit))
			return ACCEL_RUN_KICK;
		if (unlikely(cpu->inhibit_irq)) {
			cpu->prev_tb = NULL;
			exec_traced(cpu, 1);
			cpu->inhibit_irq = false;
			cpu->irq_check = true;
			continue;
		}
		if (unlikely(log_mask & (LOG_CPU | LOG_EXEC))) {
			exec_traced(cpu, TB_MAX_INSNS);
			continue;
		}
		exec_block(cpu, next_block(cpu));
	}
}

/* ---- state ---- */
struct tcg_cpu *tcg_cpu_new(struct tcg_vm *vm, unsigned index)
{
	struct tcg_cpu *cpu = calloc(1, sizeof(*cpu));

	if (!cpu)
		return NULL;
	cpu->arena_size = ARENA_SIZE;
	cpu->arena = malloc(cpu->arena_size);
	if (!cpu->arena) {
		free(cpu);
		return NULL;
	}
	cpu->vm = vm;
	cpu->host = vm->host;
	cpu->index = index;
	cpu->signature = TCG_CPUID_SIGNATURE;
	cpu->cpuid = vm->cpuid;
	cpu->ncpuid = vm->ncpuid;
	cpu->map_gen = atomic_load(&vm->map_gen);
	tcg_cpu_reset(cpu, index == 0);
	return cpu;
}

void tcg_cpu_free(struct tcg_cpu *cpu)
{
	if (!cpu)
		return;
	free(cpu->arena);
	if (cpu->cpuid != cpu->vm->cpuid)
		free(cpu->cpuid);
	free(cpu);
}

void tcg_cpu_reset(struct tcg_cpu *cpu, bool bsp)
{
	struct cpu_state s;

	cpu_state_reset(&s, cpu->signature, bsp);
	if (cpu->lapic)
		s.apic_base = cpu->lapic->apicbase;
	cpu->cr0 = 0;
	tcg_cpu_set_state(cpu, &s);
	cpu->sysenter_cs = cpu->sysenter_esp = cpu->sysenter_eip = 0;
	cpu->pat = 0x0007040600070406ull;
	cpu->mtrr_def = 0;
	memset(cpu->mtrr_fixed, 0, sizeof(cpu->mtrr_fixed));
	memset(cpu->mtrr_var, 0, sizeof(cpu->mtrr_var));
	cpu->misc_enable = 1;
	cpu->star = cpu->lstar = cpu->cstar = cpu->sfmask = cpu->kernel_gs_base = 0;
	cpu->tsc_aux = 0;
	fpu_reset(cpu);
	cpu->halted = false;
	cpu->wait_sipi = !bsp;
	cpu->inhibit_irq = cpu->nmi_blocked = cpu->stop_block = false;
	cpu->stopped = cpu->triple = false;
	cpu->irq_check = true;
	cpu->delivering = -1;
	cpu->exc_vec = -1;
	tcg_cpu_flush_code(cpu);
}

void tcg_cpu_get_state(struct tcg_cpu *cpu, struct cpu_state *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->gpr, cpu->gpr, sizeof(s->gpr));
	s->rip = cpu->rip;
	s->rflags = flags_get(cpu);
	for (int i = 0; i < SEG_NR; i++)
		s->seg[i] = cpu->seg[i].d;
	s->gdt = cpu->gdt;
	s->idt = cpu->idt;
	s->cr0 = cpu->cr0;
	s->cr2 = cpu->cr2;
	s->cr3 = cpu->cr3;
	s->cr4 = cpu->cr4;
	s->cr8 = cpu->cr8;
	s->efer = cpu->efer;
	s->apic_base = cpu->lapic ? cpu->lapic->apicbase : cpu->apic_base;
	memcpy(s->dr, cpu->dr, sizeof(s->dr));
}

void tcg_cpu_set_state(struct tcg_cpu *cpu, const struct cpu_state *s)
{
	memcpy(cpu->gpr, s->gpr, sizeof(s->gpr));
	cpu->gpr[DECODE_REG_NONE] = 0;
	cpu->rip = s->rip;
	for (int i = 0; i < SEG_NR; i++)
		cpu->seg[i].d = s->seg[i];
	cpu->gdt = s->gdt;
	cpu->idt = s->idt;
	cpu->cr0 = s->cr0 | CR0_ET;
	cpu->cr2 = s->cr2;
	cpu->cr3 = s->cr3;
	cpu->cr4 = s->cr4;
	cpu->cr8 = s->cr8;
	cpu->efer = s->efer;
	cpu->apic_base = s->apic_base;
	memcpy(cpu->dr, s->dr, sizeof(s->dr));
	cpu->eflags = ((uint32_t)s->rflags & ~FL_ARITH) | RFLAGS_RESERVED;
	flags_set_arith(cpu, (uint32_t)s->rflags);
	if (!(cpu->cr0 & CR0_PE))
		cpu_set_cpl(cpu, 0);
	else if (cpu->eflags & FL_VM)
		cpu_set_cpl(cpu, 3);
	else
		cpu_set_cpl(cpu, cpu->seg[SEG_SS].d.dpl);
	cpu->halted = false;
	cpu->irq_check = true;
	cpu_update_mode(cpu);
	tlb_flush(cpu, true);
}
