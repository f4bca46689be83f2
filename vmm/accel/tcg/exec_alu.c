/*
 * Integer arithmetic, logic, moves, multiply/divide, exchange and compare
 * instructions. LOCKed read-modify-writes on RAM are host atomics.
 */
#include "vmm/accel/tcg/exec.h"

static inline void set_cc(struct tcg_cpu *cpu, unsigned kind, unsigned size, uint64_t res,
			  uint64_t a, uint64_t b)
{
	cpu->cc_op = CC_OP(kind, size);
	cpu->cc_res = res;
	cpu->cc_a = a;
	cpu->cc_b = b;
}

/* the eight group-1 operations; returns the result, sets the lazy flags */
static inline uint64_t alu_op(struct tcg_cpu *cpu, unsigned op, uint64_t a, uint64_t b,
			      unsigned size)
{
	uint64_t r, c;

	switch (op) {
	case 0: r = a + b; set_cc(cpu, CC_ADD, size, r, a, b); return r;
	case 1: r = a | b; set_cc(cpu, CC_LOGIC, size, r, 0, 0); return r;
	case 2:
		c = flags_cf(cpu);
		r = a + b + c;
		set_cc(cpu, CC_ADC, size, r, a, b);
		cpu->cc_aux = c;
		return r;
	case 3:
		c = flags_cf(cpu);
		r = a - b - c;
		set_cc(cpu, CC_SBB, size, r, a, b);
		cpu->cc_aux = c;
		return r;
	case 4: r = a & b; set_cc(cpu, CC_LOGIC, size, r, 0, 0); return r;
	case 5: case 7: r = a - b; set_cc(cpu, CC_SUB, size, r, a, b); return r;
	default: r = a ^ b; set_cc(cpu, CC_LOGIC, size, r, 0, 0); return r;
	}
}

bool cas_sized(void *p, unsigned size, uint64_t *old, uint64_t nv)
{
	switch (size) {
	case 1: {
		uint8_t o = (uint8_t)*old;
		bool ok = __atomic_compare_exchange_n((uint8_t *)p, &o, (uint8_t)nv, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*old = o;
		return ok;
	}
	case 2: {
		uint16_t o = (uint16_t)*old;
		bool ok = __atomic_compare_exchange_n((uint16_t *)p, &o, (uint16_t)nv, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*old = o;
		return ok;
	}
	case 4: {
		uint32_t o = (uint32_t)*old;
		bool ok = __atomic_compare_exchange_n((uint32_t *)p, &o, (uint32_t)nv, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*old = o;
		return ok;
	}
	default:
		return __atomic_compare_exchange_n((uint64_t *)p, old, nv, false,
						   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
}

uint64_t load_sized(const void *p, unsigned size)
{
	switch (size) {
	case 1: return __atomic_load_n((const uint8_t *)p, __ATOMIC_RELAXED);
	case 2: return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
	case 4: return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
	default: return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
	}
}

/*
 * Read-modify-write of the ModRM operand: fn computes the new value (and
 * flags) from the old. Memory with LOCK on RAM is a CAS loop.
 */
static inline void rmw(struct tcg_cpu *cpu, const struct insn *in, unsigned size,
		       uint64_t (*fn)(struct tcg_cpu *, uint64_t, uint64_t, unsigned, unsigned),
		       uint64_t b, unsigned op)
{
	uint64_t lin, a, r;

	if (!(in->flags & INSN_MEM)) {
		a = reg_read(cpu, in->rm, in->rm8, size);
		r = fn(cpu, a, b, size, op);
		reg_write(cpu, in->rm, in->rm8, size, r);
		return;
	}
	lin = seg_lin(cpu, in->seg, insn_ea(cpu, in), size, true);
	if (in->flags & INSN_LOCK) {
		void *p;

		lin_probe_write(cpu, lin, size);
		p = lin_host_rw(cpu, lin, size);
		if (p) {
			a = load_sized(p, size);
			do
				r = fn(cpu, a, b, size, op);
			while (!cas_sized(p, size, &a, r));
			return;
		}
	}
	lin_probe_write(cpu, lin, size);
	a = lin_read(cpu, lin, size);
	r = fn(cpu, a, b, size, op);
	lin_write(cpu, lin, size, r);
}

static uint64_t alu_fn(struct tcg_cpu *cpu, uint64_t a, uint64_t b, unsigned size, unsigned op)
{
	return alu_op(cpu, op, a, b, size);
}

#define ALU_HANDLERS(name, op)							\
void op_##name##_eg(struct tcg_cpu *cpu, const struct insn *in)		\
{									\
	unsigned size = in->osz;					\
	uint64_t b = greg_read(cpu, in, size);				\
	if (op == 7) {							\
		alu_op(cpu, op, rm_read(cpu, in, size), b, size);	\
		return;							\
	}								\
	if (!(in->flags & INSN_MEM)) {					\
		uint64_t a = reg_read(cpu, in->rm, in->rm8, size);	\
		reg_write(cpu, in->rm, in->rm8, size, alu_op(cpu, op, a, b, size)); \
		return;							\
	}								\
	rmw(cpu, in, size, alu_fn, b, op);				\
}									\
void op_##name##_ge(struct tcg_cpu *cpu, const struct insn *in)		\
{									\
	unsigned size = in->osz;					\
	uint64_t a = greg_read(cpu, in, size);				\
	uint64_t r = alu_op(cpu, op, a, rm_read(cpu, in, size), size);	\
	if (op != 7)							\
		greg_write(cpu, in, size, r);				\
}									\
void op_##name##_ei(struct tcg_cpu *cpu, const struct insn *in)		\
{									\
	unsigned size = in->osz;					\
	uint64_t b = in->imm;						\
	if (op == 7) {							\
		alu_op(cpu, op, rm_read(cpu, in, size), b, size);	\
		return;							\
	}								\
	if (!(in->flags & INSN_MEM)) {					\
		uint64_t a = reg_read(cpu, in->rm, in->rm8, size);	\
		reg_write(cpu, in->rm, in->rm8, size, alu_op(cpu, op, a, b, size)); \
		return;							\
	}								\
	rmw(cpu, in, size, alu_fn, b, op);				\
}

ALU_HANDLERS(add, 0)
ALU_HANDLERS(or, 1)
ALU_HANDLERS(adc, 2)
ALU_HANDLERS(sbb, 3)
ALU_HANDLERS(and, 4)
ALU_HANDLERS(sub, 5)
ALU_HANDLERS(xor, 6)
ALU_HANDLERS(cmp, 7)

void op_test_eg(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;

	set_cc(cpu, CC_LOGIC, size, rm_read(cpu, in, size) & greg_read(cpu, in, size), 0, 0);
}

void op_test_ei(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;

	set_cc(cpu, CC_LOGIC, size, rm_read(cpu, in, size) & in->imm, 0, 0);
}

/* ---- inc/dec/not/neg ---- */
static uint64_t incdec_fn(struct tcg_cpu *cpu, uint64_t a, uint64_t b, unsigned size, unsigned op)
{
	uint64_t cf = flags_cf(cpu);
	uint64_t r = op ? a - 1 : a + 1;

	set_cc(cpu, op ? CC_DEC : CC_INC, size, r, a, 1);
	cpu->cc_aux = cf;
	return r;
}

void op_inc_e(struct tcg_cpu *cpu, const struct insn *in) { rmw(cpu, in, in->osz, incdec_fn, 0, 0); }
void op_dec_e(struct tcg_cpu *cpu, const struct insn *in) { rmw(cpu, in, in->osz, incdec_fn, 0, 1); }

static uint64_t not_fn(struct tcg_cpu *cpu, uint64_t a, uint64_t b, unsigned size, unsigned op)
{
	return ~a;
}

static uint64_t neg_fn(struct tcg_cpu *cpu, uint64_t a, uint64_t b, unsigned size, unsigned op)
{
	uint64_t r = 0 - a;

	set_cc(cpu, CC_SUB, size, r, 0, a);
	return r;
}

void op_not_e(struct tcg_cpu *cpu, const struct insn *in) { rmw(cpu, in, in->osz, not_fn, 0, 0); }
void op_neg_e(struct tcg_cpu *cpu, const struct insn *in) { rmw(cpu, in, in->osz, neg_fn, 0, 0); }

/* ---- multiply and divide ---- */
void op_mul_e(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t b = rm_read(cpu, in, size);

	switch (size) {
	case 1: {
		uint16_t r = (uint16_t)((cpu->gpr[CPU_RAX] & 0xff) * b);
		reg_write(cpu, CPU_RAX, 0, 2, r);
		mul_flags(cpu, 1, r, r >> 8);
		break;
	}
	case 2: {
		uint32_t r = (uint32_t)((cpu->gpr[CPU_RAX] & 0xffff) * b);
		reg_write(cpu, CPU_RAX, 0, 2, r);
		reg_write(cpu, CPU_RDX, 0, 2, r >> 16);
		mul_flags(cpu, 2, r, r >> 16);
		break;
	}
	case 4: {
		uint64_t r = (cpu->gpr[CPU_RAX] & 0xffffffffull) * b;
		reg_write(cpu, CPU_RAX, 0, 4, r);
		reg_write(cpu, CPU_RDX, 0, 4, r >> 32);
		mul_flags(cpu, 4, r, r >> 32);
		break;
	}
	default: {
		unsigned __int128 r = (unsigned __int128)cpu->gpr[CPU_RAX] * b;
		cpu->gpr[CPU_RAX] = (uint64_t)r;
		cpu->gpr[CPU_RDX] = (uint64_t)(r >> 64);
		mul_flags(cpu, 8, (uint64_t)r, (uint64_t)(r >> 64));
		break;
	}
	}
}

void op_imul1_e(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	int64_t b = sext_size(rm_read(cpu, in, size), size);

	switch (size) {
	case 1: {
		int16_t r = (int16_t)((int8_t)cpu->gpr[CPU_RAX] * b);
		reg_write(cpu, CPU_RAX, 0, 2, (uint16_t)r);
		mul_flags(cpu, 1, (uint64_t)r, r != (int8_t)r);
		break;
	}
	case 2: {
		int32_t r = (int32_t)((int16_t)cpu->gpr[CPU_RAX] * b);
		reg_write(cpu, CPU_RAX, 0, 2, (uint32_t)r);
		reg_write(cpu, CPU_RDX, 0, 2, (uint32_t)r >> 16);
		mul_flags(cpu, 2, (uint64_t)r, r != (int16_t)r);
		break;
	}
	case 4: {
		int64_t r = (int64_t)(int32_t)cpu->gpr[CPU_RAX] * b;
		reg_write(cpu, CPU_RAX, 0, 4, (uint64_t)r);
		reg_write(cpu, CPU_RDX, 0, 4, (uint64_t)r >> 32);
		mul_flags(cpu, 4, (uint64_t)r, r != (int32_t)r);
		break;
	}
	default: {
		__int128 r = (__int128)(int64_t)cpu->gpr[CPU_RAX] * b;
		cpu->gpr[CPU_RAX] = (uint64_t)r;
		cpu->gpr[CPU_RDX] = (uint64_t)(r >> 64);
		mul_flags(cpu, 8, (uint64_t)r, r != (int64_t)r);
		break;
	}
	}
}

static void imul_to_reg(struct tcg_cpu *cpu, const struct insn *in, int64_t a, int64_t b)
{
	unsigned size = in->osz;
	__int128 r = (__int128)a * b;
	int64_t lo = sext_size((uint64_t)r, size);

	greg_write(cpu, in, size, (uint64_t)lo);
	mul_flags(cpu, size, (uint64_t)lo, r != lo);
}

void op_imul_gei(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;

	imul_to_reg(cpu, in, sext_size(rm_read(cpu, in, size), size), sext_size(in->imm, size));
}

void op_imul_ge(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;

	imul_to_reg(cpu, in, sext_size(greg_read(cpu, in, size), size),
		    sext_size(rm_read(cpu, in, size), size));
}

void op_div_e(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t d = rm_read(cpu, in, size);

	if (!d)
		cpu_raise(cpu, EXC_DE, 0, false);
	switch (size) {
	case 1: {
		uint16_t n = (uint16_t)cpu->gpr[CPU_RAX];
		uint16_t q = (uint16_t)(n / d);
		if (q > 0xff)
			cpu_raise(cpu, EXC_DE, 0, false);
		reg_write(cpu, CPU_RAX, 0, 2, (uint16_t)((n % d) << 8 | q));
		break;
	}
	case 2: {
		uint32_t n = (uint32_t)(cpu->gpr[CPU_RDX] & 0xffff) << 16 | (uint16_t)cpu->gpr[CPU_RAX];
		uint32_t q = (uint32_t)(n / d);
		if (q > 0xffff)
			cpu_raise(cpu, EXC_DE, 0, false);
		reg_write(cpu, CPU_RAX, 0, 2, q);
		reg_write(cpu, CPU_RDX, 0, 2, n % d);
		break;
	}
	case 4: {
		uint64_t n = (cpu->gpr[CPU_RDX] & 0xffffffffull) << 32 | (uint32_t)cpu->gpr[CPU_RAX];
		uint64_t q = n / d;
		if (q > 0xffffffffull)
			cpu_raise(cpu, EXC_DE, 0, false);
		reg_write(cpu, CPU_RAX, 0, 4, q);
		reg_write(cpu, CPU_RDX, 0, 4, n % d);
		break;
	}
	default: {
		unsigned __int128 n = (unsigned __int128)cpu->gpr[CPU_RDX] << 64 | cpu->gpr[CPU_RAX];
		unsigned __int128 q = n / d;
		if (q >> 64)
			cpu_raise(cpu, EXC_DE, 0, false);
		cpu->gpr[CPU_RAX] = (uint64_t)q;
		cpu->gpr[CPU_RDX] = (uint64_t)(n % d);
		break;
	}
	}
}

void op_idiv_e(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	int64_t d = sext_size(rm_read(cpu, in, size), size);

	if (!d)
		cpu_raise(cpu, EXC_DE, 0, false);
	switch (size) {
	case 1: {
		int32_t n = (int16_t)cpu->gpr[CPU_RAX];
		int32_t q = n / (int32_t)d;
		if (q != (int8_t)q)
			cpu_raise(cpu, EXC_DE, 0, false);
		reg_write(cpu, CPU_RAX, 0, 2, (uint16_t)((uint8_t)(n % d) << 8 | (uint8_t)q));
		break;
	}
	case 2: {
		int32_t n = (int32_t)((uint32_t)(cpu->gpr[CPU_RDX] & 0xffff) << 16 |
				      (uint16_t)cpu->gpr[CPU_RAX]);
		int64_t q = (int64_t)n / d;
		if (q != (int16_t)q)
			cpu_raise(cpu, EXC_DE, 0, false);
		reg_write(cpu, CPU_RAX, 0, 2, (uint64_t)q);
		reg_write(cpu, CPU_RDX, 0, 2, (uint64_t)(n % d));
		break;
	}
	case 4: {
		int64_t n = (int64_t)((cpu->gpr[CPU_RDX] & 0xffffffffull) << 32 |
				      (uint32_t)cpu->gpr[CPU_RAX]);
		__int128 q = (__int128)n / d;
		if (q != (int32_t)q)
			cpu_raise(cpu, EXC_DE, 0, false);
		reg_write(cpu, CPU_RAX, 0, 4, (uint64_t)q);
		reg_write(cpu, CPU_RDX, 0, 4, (uint64_t)(n % d));
		break;
	}
	default: {
		__int128 n = (__int128)((unsigned __int128)cpu->gpr[CPU_RDX] << 64 | cpu->gpr[CPU_RAX]);
		__int128 q, rem;
		if (d == -1 && n == -n && n != 0)
			cpu_raise(cpu, EXC_DE, 0, false);
		q = n / d;
		rem = n % d;
		if (q != (int64_t)q)
			cpu_raise(cpu, EXC_DE, 0, false);
		cpu->gpr[CPU_RAX] = (uint64_t)q;
		cpu->gpr[CPU_RDX] = (uint64_t)rem;
		break;
	}
	}
}

/* ---- moves ---- */
void op_mov_eg(struct tcg_cpu *cpu, const struct insn *in)
{
	rm_write(cpu, in, in->osz, greg_read(cpu, in, in->osz));
}

void op_mov_ge(struct tcg_cpu *cpu, const struct insn *in)
{
	greg_write(cpu, in, in->osz, rm_read(cpu, in, in->osz));
}

void op_mov_ei(struct tcg_cpu *cpu, const struct insn *in)
{
	rm_write(cpu, in, in->osz, in->imm);
}

void op_mov_ri(struct tcg_cpu *cpu, const struct insn *in)
{
	reg_write(cpu, in->rm, in->rm8, in->osz, in->imm);
}

void op_lea(struct tcg_cpu *cpu, const struct insn *in)
{
	uint64_t ea = cpu->gpr[in->base] + (cpu->gpr[in->index] << in->scale) + (uint64_t)in->disp;

	greg_write(cpu, in, in->osz, ea & amask(in->asz));
}

void op_movzx(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned from = in->opc & 1 ? 2 : 1;
	struct insn t = *in;

	t.osz = (uint8_t)from;
	greg_write(cpu, in, in->osz, rm_read(cpu, &t, from));
}

void op_movsx(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned from = in->opc & 1 ? 2 : 1;

	greg_write(cpu, in, in->osz, (uint64_t)sext_size(rm_read(cpu, in, from), from));
}

void op_movsxd(struct tcg_cpu *cpu, const struct insn *in)
{
	greg_write(cpu, in, in->osz, (uint64_t)(int64_t)(int32_t)rm_read(cpu, in, 4));
}

void op_cbw(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;

	reg_write(cpu, CPU_RAX, 0, size, (uint64_t)sext_size(cpu->gpr[CPU_RAX], size / 2));
}

void op_cwd(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	bool neg = cpu->gpr[CPU_RAX] & sign_bit(size);

	reg_write(cpu, CPU_RDX, 0, size, neg ? ~0ull : 0);
}

static uint64_t xchg_fn(struct tcg_cpu *cpu, uint64_t a, uint64_t b, unsigned size, unsigned op)
{
	cpu->gpr[17] = a;
	return b;
}

void op_xchg_eg(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t b = greg_read(cpu, in, size);
	struct insn t = *in;

	if (!(in->flags & INSN_MEM)) {
		uint64_t a = reg_read(cpu, in->rm, in->rm8, size);
		reg_write(cpu, in->rm, in->rm8, size, b);
		greg_write(cpu, in, size, a);
		return;
	}
	t.flags |= INSN_LOCK;		/* xchg with memory is always locked */
	rmw(cpu, &t, size, xchg_fn, b, 0);
	greg_write(cpu, in, size, cpu->gpr[17]);
}

void op_xchg_ax(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t a = reg_read(cpu, CPU_RAX, 0, size);

	reg_write(cpu, CPU_RAX, 0, size, reg_read(cpu, in->rm, in->rm * 8, size));
	reg_write(cpu, in->rm, in->rm * 8, size, a);
}

void op_cmov(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t v = rm_read(cpu, in, size);

	if (flags_cond(cpu, in->opc & 15))
		greg_write(cpu, in, size, v);
	else if (size == 4)
		greg_write(cpu, in, 4, greg_read(cpu, in, 4));	/* zero-extends in 64-bit mode */
}

void op_setcc(struct tcg_cpu *cpu, const struct insn *in)
{
	rm_write(cpu, in, 1, flags_cond(cpu, in->opc & 15));
}

void op_bswap(struct tcg_cpu *cpu, const struct insn *in)
{
	if (in->osz == 8)
		cpu->gpr[in->rm] = __builtin_bswap64(cpu->gpr[in->rm]);
	else if (in->osz == 4)
		cpu->gpr[in->rm] = __builtin_bswap32((uint32_t)cpu->gpr[in->rm]);
	else
		reg_write(cpu, in->rm, 0, 2, 0);	/* undefined; zero like QEMU */
}

static uint64_t xadd_fn(struct tcg_cpu *cpu, uint64_t a, uint64_t b, unsigned size, unsigned op)
{
	cpu->gpr[17] = a;
	return alu_op(cpu, 0, a, b, size);
}

void op_xadd(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t b = greg_read(cpu, in, size);

	rmw(cpu, in, size, xadd_fn, b, 0);
	greg_write(cpu, in, size, cpu->gpr[17]);
}

void op_cmpxchg(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz;
	uint64_t m = size_mask(size);
	uint64_t acc = cpu->gpr[CPU_RAX] & m, src = greg_read(cpu, in, size), cur;

	if (in->flags & INSN_MEM) {
		uint64_t lin = seg_lin(cpu, in->seg, insn_ea(cpu, in), size, true);
		void *p;

		lin_probe_write(cpu, lin, size);
		p = (in->flags & INSN_LOCK) ? lin_host_rw(cpu, lin, size) : NULL;
		if (p) {
			cur = acc;
			if (!cas_sized(p, size, &cur, src))
				cur &= m;
		} else {
			cur = lin_read(cpu, lin, size);
			/* the destination is written in both cases */
			lin_write(cpu, lin, size, cur == acc ? src : cur);
		}
	} else {
		cur = reg_read(cpu, in->rm, in->rm8, size);
		if (cur == acc)
			reg_write(cpu, in->rm, in->rm8, size, src);
	}
	alu_op(cpu, 7, acc, cur, size);
	if (cur != acc)
		reg_write(cpu, CPU_RAX, 0, size, cur);
}

void op_cmpxchg8b(struct tcg_cpu *cpu, const struct insn *in)
{
	unsigned size = in->osz == 8 ? 16 : 8;
	uint64_t lin, lo, hi, cmp_lo, cmp_hi;
	uint32_t f;
	bool eq;

	if (!(in->flags & INSN_MEM))
		cpu_ud(cpu);
	lin = seg_lin(cpu, in->seg, insn_ea(cpu, in), size, true);
	if (size == 16 && (lin & 15))
		cpu_gp(cpu, 0);
	lin_probe_write(cpu, lin, size);
	if (size == 8) {
		uint64_t want = (uint32_t)cpu->gpr[CPU_RAX] | (cpu->gpr[CPU_RDX] << 32);
		uint64_t nv = (uint32_t)cpu->gpr[CPU_RBX] | (cpu->gpr[CPU_RCX] << 32);
		void *p = lin_host_rw(cpu, lin, 8);
		uint64_t cur = want;

		if (p) {
			eq = cas_sized(p, 8, &cur, nv);
		} else {
			cur = lin_read(cpu, lin, 8);
			eq = cur == want;
			lin_write(cpu, lin, 8, eq ? nv : cur);
		}
		if (!eq) {
			cpu->gpr[CPU_RAX] = (uint32_t)cur;
			cpu->gpr[CPU_RDX] = cur >> 32;
		}
	} else if (lin_host_rw(cpu, lin, 16)) {
		/* RAM, 16-byte aligned: the host's own cmpxchg16b keeps it atomic (SMP) */
		uint64_t *p = lin_host_rw(cpu, lin, 16);
		uint64_t a = cpu->gpr[CPU_RAX], d = cpu->gpr[CPU_RDX];
		uint8_t z;

		__asm__ volatile("lock cmpxchg16b %1\n\tsetz %0"
				 : "=q"(z), "+m"(*(unsigned __int128 *)p), "+a"(a), "+d"(d)
				 : "b"(cpu->gpr[CPU_RBX]), "c"(cpu->gpr[CPU_RCX])
				 : "memory", "cc");
		eq = z;
		cpu->gpr[CPU_RAX] = a;
		cpu->gpr[CPU_RDX] = d;
	} else {
		lo = lin_read(cpu, lin, 8);
		hi = lin_read(cpu, lin + 8, 8);
		cmp_lo = cpu->gpr[CPU_RAX];
		cmp_hi = cpu->gpr[CPU_RDX];
		eq = lo == cmp_lo && hi == cmp_hi;
		if (eq) {
			lin_write(cpu, lin, 8, cpu->gpr[CPU_RBX]);
			lin_write(cpu, lin + 8, 8, cpu->gpr[CPU_RCX]);
		} else {
			lin_write(cpu, lin, 8, lo);
			lin_write(cpu, lin + 8, 8, hi);
			cpu->gpr[CPU_RAX] = lo;
			cpu->gpr[CPU_RDX] = hi;
		}
	}
	f = flags_arith(cpu) & ~FL_ZF;
	flags_set_arith(cpu, f | (eq ? FL_ZF : 0));
}
