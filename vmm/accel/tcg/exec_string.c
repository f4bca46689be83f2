/*
 * String instructions with rep/repe/repne. Each iteration updates the
 * registers, so a fault in the middle restarts the instruction where it
 * stopped; long runs yield to pending interrupts by restarting themselves.
 * rep movs/stos forward over RAM copy whole page runs at once.
 */
#include "vmm/accel/tcg/exec.h"

#define REP_BATCH 4096u

static inline void adv(struct tcg_cpu *cpu, unsigned reg, unsigned asz, int64_t delta)
{
	reg_write(cpu, reg, 0, asz, cpu->gpr[reg] + (uint64_t)delta);
}

static inline int64_t step(struct tcg_cpu *cpu, unsigned size)
{
	return (cpu->eflags & FL_DF) ? -(int64_t)size : (int64_t)size;
}

/* a long rep yields: resume at this instruction after pending work */
static inline bool rep_yield(struct tcg_cpu *cpu, unsigned n)
{
	if ((n % REP_BATCH) == 0 && (atomic_load_explicit(&cpu->exit_req, memory_order_relaxed) ||
				     cpu->irq_check)) {
		cpu->next_rip = cpu->rip;
		cpu->stop_block = true;
		return true;
	}
	return false;
}

/*
 * Forward run of elements on one page each side, both RAM with write
 * access where written: returns how many elements were done (0 = take the
 * element-by-element path).
 */
static uint64_t rep_fast(struct tcg_cpu *cpu, const struct insn *in, bool movs, uint64_t cnt)
{
	unsigned size = in->osz, asz = in->asz;
	uint64_t di = cpu->gpr[CPU_RDI] & amask(asz), si = cpu->gpr[CPU_RSI] & amask(asz);
	uint64_t n = cnt, dlin, slin = 0, room;
	uint8_t *dp, *sp = NULL;

	if (cpu->eflags & FL_DF)
		return 0;
	if (n > 4096 / size)
		n = 4096 / size;
	dlin = seg_lin(cpu, SEG_ES, di, size, true);
	room = (0x1000 - (dlin & 0xfff)) / size;
	if (room < n)
		n = room;
	if (movs) {
		slin = seg_lin(cpu, in->seg, si, size, false);
		room = (0x1000 - (slin & 0xfff)) / size;
		if (room < n)
			n = room;
	}
	if (n < 2)
		return 0;
	/* the last element must pass the segment checks, and no wrap */
	if (di + n * size - 1 > amask(asz) || (movs && si + n * size - 1 > amask(asz)))
		return 0;
	seg_lin(cpu, SEG_ES, di + (n - 1) * size, size, true);
	lin_probe_write(cpu, dlin, size);
	dp = lin_host_rw(cpu, dlin, size);
	if (!dp)
		return 0;
	if (movs) {
		struct tlb_entry *e;

		seg_lin(cpu, in->seg, si + (n - 1) * size, size, false);
		(void)lin_read(cpu, slin, size);	/* fills the TLB, may fault */
		e = &cpu->tlbc[(slin >> 12) & (TLB_SIZE - 1)];
		if (e->tag_r != (slin & PAGE_MASK))
			return 0;
		/* the write entry may have been evicted by the read */
		if (!lin_host_rw(cpu, dlin, size))
			return 0;
		sp = (uint8_t *)(uintptr_t)(slin + e->addend);
		if (sp < dp && sp + n * size > dp) {
			/* overlapping forward copy: element order matters */
			for (uint64_t i = 0; i < n * size; i += size)
				memcpy(dp + i, sp + i, size);
		} else {
			memmove(dp, sp, n * size);
		}
		adv(cpu, CPU_RSI, asz, (int64_t)(n * size));
	} else {
		uint64_t v = cpu->gpr[CPU_RAX];

		uint64_t m = size_mask(size);

		/* clear_page and friends: a value of equal bytes is a memset */
		if (((v & m) == ((v & 0xff) * (0x0101010101010101ull & m)))) {
			memset(dp, (int)(v & 0xff), n * size);
		} else if (size == 8) {
			for (uint64_t i = 0; i < n; i++)
				memcpy(dp + i * 8, &v, 8);
		} else if (size == 4) {
			uint32_t w = (uint32_t)v;

			for (uint64_t i = 0; i < n; i++)
				memcpy(dp + i * 4, &w, 4);
		} else {
			uint16_t w = (uint16_t)v;

			for (uint64_t i = 0; i < n; i++)
				memcpy(dp + i * 2, &w, 2);
		}
	}
	adv(cpu, CPU_RDI, asz, (int64_t)(n * size));
	reg_write(cpu, CPU_RCX, 0, asz, cnt - n);
	return n;
}

void op_movs(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz, asz = in->asz;
	int64_t d = step(cpu, size);
	unsigned n = 0;

	if (!in->rep) {
		uint64_t v = mem_read(cpu, in->seg, cpu->gpr[CPU_RSI] & amask(asz), size);
		mem_write(cpu, SEG_ES, cpu->gpr[CPU_RDI] & amask(asz), size, v);
		adv(cpu, CPU_RSI, asz, d);
		adv(cpu, CPU_RDI, asz, d);
		return;
	}
	for (;;) {
		uint64_t cnt = cpu->gpr[CPU_RCX] & amask(asz), v;

		if (!cnt)
			return;
		if (cnt > 1 && rep_fast(cpu, in, true, cnt)) {
			if (rep_yield(cpu, ++n * REP_BATCH))
				return;
			continue;
		}
		v = mem_read(cpu, in->seg, cpu->gpr[CPU_RSI] & amask(asz), size);
		mem_write(cpu, SEG_ES, cpu->gpr[CPU_RDI] & amask(asz), size, v);
		adv(cpu, CPU_RSI, asz, d);
		adv(cpu, CPU_RDI, asz, d);
		reg_write(cpu, CPU_RCX, 0, asz, cnt - 1);
		if (rep_yield(cpu, ++n))
			return;
	}
}

void op_stos(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz, asz = in->asz;
	int64_t d = step(cpu, size);
	unsigned n = 0;

	if (!in->rep) {
		mem_write(cpu, SEG_ES, cpu->gpr[CPU_RDI] & amask(asz), size, cpu->gpr[CPU_RAX]);
		adv(cpu, CPU_RDI, asz, d);
		return;
	}
	for (;;) {
		uint64_t cnt = cpu->gpr[CPU_RCX] & amask(asz);

		if (!cnt)
			return;
		if (cnt > 1 && rep_fast(cpu, in, false, cnt)) {
			if (rep_yield(cpu, ++n * REP_BATCH))
				return;
			continue;
		}
		mem_write(cpu, SEG_ES, cpu->gpr[CPU_RDI] & amask(asz), size, cpu->gpr[CPU_RAX]);
		adv(cpu, CPU_RDI, asz, d);
		reg_write(cpu, CPU_RCX, 0, asz, cnt - 1);
		if (rep_yield(cpu, ++n))
			return;
	}
}

void op_lods(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz, asz = in->asz;
	int64_t d = step(cpu, size);
	unsigned n = 0;

	for (;;) {
		uint64_t cnt = cpu->gpr[CPU_RCX] & amask(asz);

		if (in->rep && !cnt)
			return;
		reg_write(cpu, CPU_RAX, 0, size,
			  mem_read(cpu, in->seg, cpu->gpr[CPU_RSI] & amask(asz), size));
		adv(cpu, CPU_RSI, asz, d);
		if (!in->rep)
			return;
		reg_write(cpu, CPU_RCX, 0, asz, cnt - 1);
		if (rep_yield(cpu, ++n))
			return;
	}
}

static void compare(struct tcg_cpu *cpu, unsigned size, uint64_t a, uint64_t b)
{
	cpu->cc_op = CC_OP(CC_SUB, size);
	cpu->cc_res = a - b;
	cpu->cc_a = a;
	cpu->cc_b = b;
}

void op_cmps(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz, asz = in->asz;
	int64_t d = step(cpu, size);
	unsigned n = 0;

	for (;;) {
		uint64_t cnt = cpu->gpr[CPU_RCX] & amask(asz), a, b;

		if (in->rep && !cnt)
			return;
		a = mem_read(cpu, in->seg, cpu->gpr[CPU_RSI] & amask(asz), size);
		b = mem_read(cpu, SEG_ES, cpu->gpr[CPU_RDI] & amask(asz), size);
		compare(cpu, size, a, b);
		adv(cpu, CPU_RSI, asz, d);
		adv(cpu, CPU_RDI, asz, d);
		if (!in->rep)
			return;
		reg_write(cpu, CPU_RCX, 0, asz, cnt - 1);
		if ((in->rep == 0xf3) != (a == b))
			return;
		if (rep_yield(cpu, ++n))
			return;
	}
}

void op_scas(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz, asz = in->asz;
	int64_t d = step(cpu, size);
	uint64_t a = cpu->gpr[CPU_RAX] & size_mask(size);
	unsigned n = 0;

	for (;;) {
		uint64_t cnt = cpu->gpr[CPU_RCX] & amask(asz), b;

		if (in->rep && !cnt)
			return;
		b = mem_read(cpu, SEG_ES, cpu->gpr[CPU_RDI] & amask(asz), size);
		compare(cpu, size, a, b);
		adv(cpu, CPU_RDI, asz, d);
		if (!in->rep)
			return;
		reg_write(cpu, CPU_RCX, 0, asz, cnt - 1);
		if ((in->rep == 0xf3) != (a == b))
			return;
		if (rep_yield(cpu, ++n))
			return;
	}
}

void op_ins(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz, asz = in->asz;
	uint16_t port = (uint16_t)cpu->gpr[CPU_RDX];
	int64_t d = step(cpu, size);
	unsigned n = 0;

	io_check(cpu, port, size);
	for (;;) {
		uint64_t cnt = cpu->gpr[CPU_RCX] & amask(asz), v = 0, lin;

		if (in->rep && !cnt)
			return;
		lin = seg_lin(cpu, SEG_ES, cpu->gpr[CPU_RDI] & amask(asz), size, true);
		lin_probe_write(cpu, lin, size);
		io_access(cpu, port, &v, size, false);
		lin_write(cpu, lin, size, v);
		adv(cpu, CPU_RDI, asz, d);
		if (!in->rep)
			return;
		reg_write(cpu, CPU_RCX, 0, asz, cnt - 1);
		if (rep_yield(cpu, ++n))
			return;
	}
}

void op_outs(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz, asz = in->asz;
	uint16_t port = (uint16_t)cpu->gpr[CPU_RDX];
	int64_t d = step(cpu, size);
	unsigned n = 0;

	io_check(cpu, port, size);
	for (;;) {
		uint64_t cnt = cpu->gpr[CPU_RCX] & amask(asz), v;

		if (in->rep && !cnt)
			return;
		v = mem_read(cpu, in->seg, cpu->gpr[CPU_RSI] & amask(asz), size);
		io_access(cpu, port, &v, size, true);
		adv(cpu, CPU_RSI, asz, d);
		if (!in->rep)
			return;
		reg_write(cpu, CPU_RCX, 0, asz, cnt - 1);
		if (rep_yield(cpu, ++n))
			return;
	}
}
