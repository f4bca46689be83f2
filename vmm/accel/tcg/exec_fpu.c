/*
 * x87 FPU: D8-DF, fwait, and the state side of fxsave/fxrstor/ldmxcsr/stmxcsr.
 *
 * Arithmetic runs on the host's x87 unit (see fpu.h for why): the guest
 * image is FXRSTORed, the guest's opcode and ModRM run from a stub (memory
 * operands point at a host buffer filled from / copied to guest memory),
 * and the image is FXSAVEd back. The environment formats (fnstenv, fnsave,
 * 16/32-bit, real/protected) and the control instructions are done here.
 */
#include "vmm/accel/tcg/exec.h"

#ifndef __x86_64__
#error "x87/SSE execute on the host's own units (fpu.h): build on an x86-64 host"
#endif

/* 8 opcodes x 256 ModRM bytes, 4 bytes each: op, modrm, ret, int3.
 * Memory forms become mod=00 rm=111, i.e. [rdi]. */
__asm__(".pushsection .text,\"ax\",@progbits\n"
	".balign 16\n"
	".globl fpu_stub_table\n"
	".hidden fpu_stub_table\n"
	"fpu_stub_table:\n"
	".irp op,0xd8,0xd9,0xda,0xdb,0xdc,0xdd,0xde,0xdf\n"
	".set fpu_stub_i,0\n"
	".rept 192\n"
	".byte \\op, (fpu_stub_i & 0x38) | 7, 0xc3, 0xcc\n"
	".set fpu_stub_i,fpu_stub_i+1\n"
	".endr\n"
	".rept 64\n"
	".byte \\op, fpu_stub_i, 0xc3, 0xcc\n"
	".set fpu_stub_i,fpu_stub_i+1\n"
	".endr\n"
	".endr\n"
	".popsection\n");
extern const uint8_t fpu_stub_table[] __attribute__((visibility("hidden")));

#define FCW_INIT	0x037fu
#define FCW_RESET	0x0040u
/* as loaded by hardware: bit 6 reads as one, bits 7 and 13-15 as zero */
#define FCW_LOAD(v)	((uint16_t)(((v) & 0x1f3fu) | 0x40u))

/* memory operand of the host-run forms: size, and whether it is a store */
struct x87_mem {
	uint8_t size;		/* 0: not a host-run form (control or #UD) */
	bool store;
};

static const struct x87_mem x87_mem[8][8] = {
	[0] = { {4}, {4}, {4}, {4}, {4}, {4}, {4}, {4} },
	[1] = { {4}, {0}, {4, true}, {4, true}, {0}, {0}, {0}, {0} },
	[2] = { {4}, {4}, {4}, {4}, {4}, {4}, {4}, {4} },
	[3] = { {4}, {4, true}, {4, true}, {4, true}, {0}, {10}, {0}, {10, true} },
	[4] = { {8}, {8}, {8}, {8}, {8}, {8}, {8}, {8} },
	[5] = { {8}, {8, true}, {8, true}, {8, true}, {0}, {0}, {0}, {0} },
	[6] = { {2}, {2}, {2}, {2}, {2}, {2}, {2}, {2} },
	[7] = { {2}, {2, true}, {2, true}, {2, true}, {10}, {8}, {10, true}, {8, true} },
};

/* register forms (ModRM C0-FF) that do not exist (#UD, never run on the host) */
static bool x87_reg_ud(unsigned op, unsigned m)
{
	switch (op) {
	case 1: return (m >= 0xd1 && m <= 0xd7) || m == 0xe2 || m == 0xe3 || m == 0xe6 ||
		       m == 0xe7 || m == 0xef;
	case 2: return m >= 0xe0 && m != 0xe9;
	case 3: return (m >= 0xe5 && m <= 0xe7) || m >= 0xf8;
	case 5: return m >= 0xf0;
	case 6: return m == 0xd8 || (m >= 0xda && m <= 0xdf);
	case 7: return (m >= 0xe1 && m <= 0xe7) || m >= 0xf8;
	}
	return false;
}

static uint32_t host_mxcsr_mask = 0xffbf;
uint32_t fpu_host_mxcsr = MXCSR_DEFAULT;
static uint16_t host_fcw = FCW_INIT;

/* The host's own control state: every thread of ours runs with the defaults,
 * so they are read once rather than saved around each instruction. */
static void __attribute__((constructor)) fpu_probe_host(void)
{
	struct fxsave_img img;

	memset(&img, 0, sizeof(img));
	__asm__ volatile("fxsave %0" : "=m"(img));
	if (img.mxcsr_mask)
		host_mxcsr_mask = img.mxcsr_mask;
	fpu_host_mxcsr = img.mxcsr & ~MXCSR_FLAGS;
	host_fcw = img.fcw;
}

uint32_t fpu_mxcsr_mask(void)
{
	return host_mxcsr_mask;
}

unsigned fpu_features(void)
{
	static int cached = -1;
	unsigned f = 0;

	if (cached >= 0)
		return (unsigned)cached;
	__builtin_cpu_init();
	if (__builtin_cpu_supports("sse3"))
		f |= FPU_HAS_SSE3;
	if (__builtin_cpu_supports("ssse3"))
		f |= FPU_HAS_SSSE3;
	if (__builtin_cpu_supports("sse4.1"))
		f |= FPU_HAS_SSE41;
	if (__builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt"))
		f |= FPU_HAS_SSE42;
	cached = (int)f;
	return f;
}

void fpu_reset(struct tcg_cpu *cpu)
{
	struct fpu_state *f = &cpu->fpu;

	memset(f, 0, sizeof(*f));
	f->fx.fcw = FCW_RESET;
	f->fx.mxcsr = MXCSR_DEFAULT;
	f->fx.mxcsr_mask = host_mxcsr_mask;
}

static unsigned fpu_top(const struct fpu_state *f)
{
	return (f->fx.fsw >> 11) & 7;
}

/* pending unmasked exception: the next waiting instruction reports it */
static bool x87_pending(const struct fpu_state *f)
{
	return f->fx.fsw & ~f->fx.fcw & FSW_EXC;
}

static void x87_update_es(struct fpu_state *f)
{
	if (x87_pending(f))
		f->fx.fsw |= FSW_ES | FSW_B;
	else
		f->fx.fsw &= (uint16_t)~(FSW_ES | FSW_B);
}

/* #MF (CR0.NE) for a pending exception; without NE the board would see
 * FERR#, which we do not model: the instruction goes on (IGNNE#). */
static void x87_check_pending(struct tcg_cpu *cpu)
{
	if (unlikely(x87_pending(&cpu->fpu)) && (cpu->cr0 & CR0_NE))
		cpu_raise(cpu, EXC_MF, 0, false);
}

void fpu_fwait(struct tcg_cpu *cpu, const struct insn *in)
{
	if ((cpu->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		cpu_raise(cpu, EXC_NM, 0, false);
	x87_check_pending(cpu);
}

/*
 * Run one guest x87 instruction on the host; returns the host RFLAGS after.
 * with_flags: the guest's CF/PF/ZF go in (fcmov) and come out (fcomi).
 * Afterwards the host's x87 is left empty, clear and with its own FCW
 * (fnclex + ffree rather than fninit: several times cheaper on some hosts).
 */
#define X87_ASM(pre, post)							\
	__asm__ volatile(							\
		"fxrstor %[img]\n\t"						\
		"sub $128, %%rsp\n\t"		/* the red zone: we call */	\
		pre								\
		"call *%[stub]\n\t"						\
		post								\
		"add $128, %%rsp\n\t"						\
		"fxsave %[img]\n\t"						\
		"fnclex\n\t"							\
		"ffree %%st(0)\n\tffree %%st(1)\n\tffree %%st(2)\n\tffree %%st(3)\n\t" \
		"ffree %%st(4)\n\tffree %%st(5)\n\tffree %%st(6)\n\tffree %%st(7)\n\t" \
		"fldcw %[hcw]\n\t"						\
		: [img] "+m"(f->fx), [fl] "+&r"(rflags)				\
		: [stub] "r"(stub), "D"(mem), [gf] "r"(guest_flags & 0x45),	\
		  [hcw] "m"(host_fcw)						\
		: "memory", "cc", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", \
		  "st(6)", "st(7)", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",	\
		  "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", \
		  "xmm14", "xmm15")

static uint64_t x87_host_run(struct fpu_state *f, const uint8_t *stub, void *mem,
			     uint64_t guest_flags, bool with_flags)
{
	uint32_t guest_mxcsr = f->fx.mxcsr;
	uint16_t guest_fcw = f->fx.fcw;
	uint64_t rflags = 0;

	f->fx.mxcsr = fpu_host_mxcsr;
	f->fx.fsw &= (uint16_t)~(FSW_ES | FSW_B);
	/* already-flagged exceptions must not trap on the host (IGNNE# case) */
	f->fx.fcw |= f->fx.fsw & FSW_EXC;
	if (with_flags)
		X87_ASM("pushfq\n\t"
			"andq $~0x45, (%%rsp)\n\t"
			"orq %[gf], (%%rsp)\n\t"
			"popfq\n\t",
			"pushfq\n\t"
			"popq %[fl]\n\t");
	else
		X87_ASM("", "");
	f->fx.mxcsr = guest_mxcsr;
	f->fx.fcw = guest_fcw;
	x87_update_es(f);
	return rflags;
}

/* ---- environment images ---- */
static unsigned tag_of(const struct fpu_state *f, unsigned phys)
{
	const struct fpu_slot *s = &f->fx.st[(phys - fpu_top(f)) & 7];
	unsigned e = s->exp & 0x7fff;

	if (!(f->fx.ftw & (1u << phys)))
		return 3;
	if (e == 0x7fff)
		return 2;
	if (e == 0)
		return s->mant ? 2 : 1;
	return (s->mant >> 63) ? 0 : 2;
}

static uint16_t full_tags(const struct fpu_state *f)
{
	uint16_t t = 0;

	for (unsigned i = 0; i < 8; i++)
		t |= (uint16_t)(tag_of(f, i) << (2 * i));
	return t;
}

static bool real_or_v86(struct tcg_cpu *cpu)
{
	return !(cpu->cr0 & CR0_PE) || (cpu->eflags & FL_VM);
}

static void env_store(struct tcg_cpu *cpu, unsigned s, uint64_t a, bool o32)
{
	struct fpu_state *f = &cpu->fpu;
	uint32_t w[7];
	unsigned n = o32 ? 4 : 2;

	w[0] = f->fx.fcw;
	w[1] = f->fx.fsw;
	w[2] = full_tags(f);
	if (real_or_v86(cpu)) {
		uint32_t ip = (uint32_t)(f->fip + ((uint64_t)f->fcs << 4));
		uint32_t dp = (uint32_t)f->fdp;

		w[3] = ip & 0xffff;
		w[4] = (f->fx.fop & 0x7ff) | (o32 ? (ip >> 16) << 12 : ((ip >> 16) & 0xf) << 12);
		w[5] = dp & 0xffff;
		w[6] = o32 ? (dp >> 16) << 12 : ((dp >> 16) & 0xf) << 12;
	} else {
		w[3] = (uint32_t)f->fip;
		w[4] = f->fcs | (o32 ? (uint32_t)(f->fx.fop & 0x7ff) << 16 : 0);
		w[5] = (uint32_t)f->fdp;
		w[6] = f->fds | 0xffff0000u;
	}
	/* the reserved upper halves read as ones on hardware */
	w[0] |= 0xffff0000u;
	w[1] |= 0xffff0000u;
	w[2] |= 0xffff0000u;
	for (unsigned i = 0; i < 7; i++)
		mem_write(cpu, s, (a + i * n) & amask(8), n, o32 ? w[i] : (uint16_t)w[i]);
}

static void env_load(struct tcg_cpu *cpu, unsigned s, uint64_t a, bool o32)
{
	struct fpu_state *f = &cpu->fpu;
	uint32_t w[7];
	unsigned n = o32 ? 4 : 2;
	uint8_t ftw = 0;

	for (unsigned i = 0; i < 7; i++)
		w[i] = (uint32_t)mem_read(cpu, s, (a + i * n) & amask(8), n);
	f->fx.fcw = FCW_LOAD(w[0]);
	f->fx.fsw = (uint16_t)w[1];
	for (unsigned i = 0; i < 8; i++)
		if (((w[2] >> (2 * i)) & 3) != 3)
			ftw |= (uint8_t)(1u << i);
	f->fx.ftw = ftw;
	if (real_or_v86(cpu)) {
		f->fip = (w[3] & 0xffff) | ((w[4] >> 12) << 16);
		f->fcs = 0;
		f->fx.fop = w[4] & 0x7ff;
		f->fdp = (w[5] & 0xffff) | ((w[6] >> 12) << 16);
		f->fds = 0;
	} else {
		f->fip = w[3];
		f->fcs = (uint16_t)w[4];
		f->fx.fop = o32 ? (w[4] >> 16) & 0x7ff : 0;
		f->fdp = w[5];
		f->fds = (uint16_t)w[6];
	}
	x87_update_es(f);
}

static void fpu_init_state(struct fpu_state *f)
{
	f->fx.fcw = FCW_INIT;
	f->fx.fsw = 0;
	f->fx.ftw = 0;
	f->fx.fop = 0;
	f->fip = f->fdp = 0;
	f->fcs = f->fds = 0;
}

static void x87_control_mem(struct tcg_cpu *cpu, const struct insn *in, unsigned op,
			    unsigned reg)
{
	struct fpu_state *f = &cpu->fpu;
	uint64_t a = insn_ea(cpu, in);
	bool o32 = in->osz != 2;
	unsigned envsz = o32 ? 28 : 14;

	switch (op << 3 | reg) {
	case 1 << 3 | 4:				/* fldenv */
		env_load(cpu, in->seg, a, o32);
		return;
	case 1 << 3 | 5:				/* fldcw */
		f->fx.fcw = FCW_LOAD(mem_read(cpu, in->seg, a, 2));
		x87_update_es(f);
		return;
	case 1 << 3 | 6:				/* fnstenv */
		env_store(cpu, in->seg, a, o32);
		f->fx.fcw |= FSW_EXC;
		x87_update_es(f);
		return;
	case 1 << 3 | 7:				/* fnstcw */
		mem_write(cpu, in->seg, a, 2, f->fx.fcw);
		return;
	case 5 << 3 | 4: {				/* frstor */
		struct fpu_slot st[8];

		/* read everything first: a fault leaves the state untouched */
		for (unsigned i = 0; i < 8; i++) {
			uint64_t p = (a + envsz + 10 * i) & amask(in->asz);

			st[i].mant = mem_read(cpu, in->seg, p, 8);
			st[i].exp = (uint16_t)mem_read(cpu, in->seg, (p + 8) & amask(in->asz), 2);
			memset(st[i].pad, 0, sizeof(st[i].pad));
		}
		env_load(cpu, in->seg, a, o32);
		memcpy(f->fx.st, st, sizeof(st));
		return;
	}
	case 5 << 3 | 6:				/* fnsave */
		for (unsigned i = 0; i < 8; i++) {
			uint64_t p = (a + envsz + 10 * i) & amask(in->asz);

			lin_probe_write(cpu, seg_lin(cpu, in->seg, p, 10, true), 10);
		}
		env_store(cpu, in->seg, a, o32);
		for (unsigned i = 0; i < 8; i++) {
			uint64_t p = (a + envsz + 10 * i) & amask(in->asz);

			mem_write(cpu, in->seg, p, 8, f->fx.st[i].mant);
			mem_write(cpu, in->seg, (p + 8) & amask(in->asz), 2, f->fx.st[i].exp);
		}
		fpu_init_state(f);
		return;
	case 5 << 3 | 7:				/* fnstsw m16 */
		mem_write(cpu, in->seg, a, 2, f->fx.fsw);
		return;
	}
	cpu_ud(cpu);
}

static uint64_t guest_read(struct tcg_cpu *cpu, unsigned s, uint64_t a, unsigned asz,
			   uint8_t *buf, unsigned size)
{
	uint64_t v;

	if (size >= 8) {
		v = mem_read(cpu, s, a, 8);
		memcpy(buf, &v, 8);
		if (size == 10) {
			v = mem_read(cpu, s, (a + 8) & amask(asz), 2);
			memcpy(buf + 8, &v, 2);
		}
	} else {
		v = mem_read(cpu, s, a, size);
		memcpy(buf, &v, size);
	}
	return v;
}

static void guest_write(struct tcg_cpu *cpu, unsigned s, uint64_t a, unsigned asz,
			const uint8_t *buf, unsigned size)
{
	uint64_t v = 0;

	if (size >= 8) {
		memcpy(&v, buf, 8);
		mem_write(cpu, s, a, 8, v);
		if (size == 10) {
			v = 0;
			memcpy(&v, buf + 8, 2);
			mem_write(cpu, s, (a + 8) & amask(asz), 2, v);
		}
	} else {
		memcpy(&v, buf, size);
		mem_write(cpu, s, a, size, v);
	}
}

void fpu_x87(struct tcg_cpu *cpu, const struct insn *in)
{
	struct fpu_state *f = &cpu->fpu;
	unsigned op = in->opc & 7, reg = (in->modrm >> 3) & 7, m = in->modrm;
	bool mem = in->flags & INSN_MEM;
	uint8_t buf[16] __attribute__((aligned(16)));
	const struct x87_mem *mk = NULL;
	uint64_t a = 0, rflags;
	uint16_t old_fsw;
	bool with_flags;

	if (mem ? x87_mem[op][reg].size == 0 && !(op == 1 && reg >= 4) &&
		  !(op == 5 && (reg == 4 || reg == 6 || reg == 7))
		: x87_reg_ud(op, m))
		cpu_ud(cpu);
	if (cpu->cr0 & (CR0_EM | CR0_TS))
		cpu_raise(cpu, EXC_NM, 0, false);

	/* the non-waiting and environment instructions */
	if (mem) {
		if (!x87_mem[op][reg].size) {
			if (reg == 4 || reg == 5)	/* fldenv, fldcw, frstor wait */
				x87_check_pending(cpu);
			x87_control_mem(cpu, in, op, reg);
			return;
		}
	} else {
		switch (op << 8 | m) {
		case 0x7e0:				/* fnstsw ax */
			reg_write(cpu, CPU_RAX, 0, 2, f->fx.fsw);
			return;
		case 0x3e2:				/* fnclex */
			f->fx.fsw &= 0x7f00;
			return;
		case 0x3e3:				/* fninit */
			fpu_init_state(f);
			return;
		case 0x3e0: case 0x3e1: case 0x3e4:	/* feni, fdisi, fsetpm: 8087/287 only */
			return;
		}
	}

	x87_check_pending(cpu);
	memset(buf, 0, sizeof(buf));
	if (mem) {
		mk = &x87_mem[op][reg];
		a = insn_ea(cpu, in);
		if (mk->store)
			lin_probe_write(cpu, seg_lin(cpu, in->seg, a, mk->size, true), mk->size);
		else
			guest_read(cpu, in->seg, a, in->asz, buf, mk->size);
	}
	old_fsw = f->fx.fsw;
	/* fcmovcc (DA/DB C0-DF) reads, fcomi/fucomi (DB/DF E8-F7) write EFLAGS */
	with_flags = !mem && (((op == 2 || op == 3) && m < 0xe0) ||
			      ((op == 3 || op == 7) && m >= 0xe8 && m < 0xf8));
	rflags = x87_host_run(f, fpu_stub_table + (op * 256 + (mem ? (m & 0x38) : m)) * 4,
			      buf, with_flags ? flags_get(cpu) : 0, with_flags);

	/* the last-instruction pointers (not for the control instructions) */
	f->fx.fop = (uint16_t)((op << 8) | m);
	f->fip = cpu->rip;
	f->fcs = cpu->seg[SEG_CS].d.selector;
	if (mem) {
		f->fdp = a;
		f->fds = cpu->seg[in->seg].d.selector;
	}
	if (mem && mk->store) {
		uint16_t fresh = f->fx.fsw & ~old_fsw & ~f->fx.fcw;

		/* an unmasked invalid/overflow/underflow leaves memory alone */
		if (!(fresh & (FSW_IE | FSW_DE | FSW_ZE | FSW_OE | FSW_UE)))
			guest_write(cpu, in->seg, a, in->asz, buf, mk->size);
	}
	/* fcomi, fucomi (and popping forms) write ZF PF CF, clear OF SF AF */
	if (!mem && (op == 3 || op == 7) && m >= 0xe8 && m < 0xf8)
		flags_set_arith(cpu, (uint32_t)rflags & (FL_ZF | FL_PF | FL_CF));
}

/* ---- FXSAVE / FXRSTOR / LDMXCSR / STMXCSR ---- */
static void fx_need(struct tcg_cpu *cpu)
{
	if (cpu->cr0 & (CR0_EM | CR0_TS))
		cpu_raise(cpu, EXC_NM, 0, false);
}

static uint64_t fx_addr(struct tcg_cpu *cpu, const struct insn *in, bool write)
{
	uint64_t a = insn_ea(cpu, in);
	uint64_t lin = seg_lin(cpu, in->seg, a, 512, write);

	if (lin & 15)
		cpu_gp(cpu, 0);
	if (write)
		lin_probe_write(cpu, lin, 512);
	return a;
}

void fpu_fxsave(struct tcg_cpu *cpu, const struct insn *in)
{
	struct fpu_state *f = &cpu->fpu;
	struct fxsave_img img;
	uint64_t a, q[64];

	fx_need(cpu);
	a = fx_addr(cpu, in, true);
	img = f->fx;
	if (in->rex & 8) {			/* fxsave64: 64-bit offsets */
		img.fip = f->fip;
		img.fdp = f->fdp;
	} else {
		img.fip = (uint32_t)f->fip | (uint64_t)f->fcs << 32;
		img.fdp = (uint32_t)f->fdp | (uint64_t)f->fds << 32;
	}
	img.mxcsr_mask = host_mxcsr_mask;
	for (unsigned i = 0; i < 8; i++)
		memset(img.st[i].pad, 0, sizeof(img.st[i].pad));
	memcpy(q, &img, sizeof(q));
	/* XMM8-15 (bytes 288..415) exist in 64-bit mode only */
	for (unsigned i = 0; i < 64; i++) {
		uint64_t p = (a + i * 8) & amask(in->asz);

		/* the reserved tail (464..511) is the OS's: leave it */
		if (i * 8 >= 464)
			break;
		if (cpu->code_bits != 64 && i * 8 >= 288 && i * 8 < 416)
			continue;
		mem_write(cpu, in->seg, p, 8, q[i]);
	}
}

void fpu_fxrstor(struct tcg_cpu *cpu, const struct insn *in)
{
	struct fpu_state *f = &cpu->fpu;
	struct fxsave_img img;
	uint64_t a, q[58];
	unsigned nx = cpu->code_bits == 64 ? 16 : 8;

	fx_need(cpu);
	a = fx_addr(cpu, in, false);
	for (unsigned i = 0; i < 58; i++)
		q[i] = mem_read(cpu, in->seg, (a + i * 8) & amask(in->asz), 8);
	memcpy(&img, q, 160 + 16 * nx);
	if (img.mxcsr & ~host_mxcsr_mask)
		cpu_gp(cpu, 0);
	f->fx.fcw = FCW_LOAD(img.fcw);
	f->fx.fsw = img.fsw;
	f->fx.ftw = img.ftw;
	f->fx.fop = img.fop & 0x7ff;
	if (in->rex & 8) {
		f->fip = img.fip;
		f->fdp = img.fdp;
	} else {
		f->fip = (uint32_t)img.fip;
		f->fcs = (uint16_t)(img.fip >> 32);
		f->fdp = (uint32_t)img.fdp;
		f->fds = (uint16_t)(img.fdp >> 32);
	}
	f->fx.mxcsr = img.mxcsr;
	for (unsigned i = 0; i < 8; i++) {
		f->fx.st[i].mant = img.st[i].mant;
		f->fx.st[i].exp = img.st[i].exp;
	}
	memcpy(f->fx.xmm, img.xmm, 16 * nx);
	x87_update_es(f);
}

static void mxcsr_need(struct tcg_cpu *cpu)
{
	if ((cpu->cr0 & CR0_EM) || !(cpu->cr4 & CR4_OSFXSR))
		cpu_ud(cpu);
	if (cpu->cr0 & CR0_TS)
		cpu_raise(cpu, EXC_NM, 0, false);
}

void fpu_ldmxcsr(struct tcg_cpu *cpu, const struct insn *in)
{
	uint32_t v;

	mxcsr_need(cpu);
	v = (uint32_t)mem_read(cpu, in->seg, insn_ea(cpu, in), 4);
	if (v & ~host_mxcsr_mask)
		cpu_gp(cpu, 0);
	cpu->fpu.fx.mxcsr = v;
}

void fpu_stmxcsr(struct tcg_cpu *cpu, const struct insn *in)
{
	mxcsr_need(cpu);
	mem_write(cpu, in->seg, insn_ea(cpu, in), 4, cpu->fpu.fx.mxcsr);
}
