/*
 * x87, MMX and SSE state of the software CPU.
 *
 * Representation: the guest's whole FPU/SSE state is kept as one FXSAVE
 * image (the 64-bit layout of SDM vol. 1, table 10-2). Why:
 * - The host is an x86-64 CPU (TCG runs where KVM does). The x87 stack is
 *   executed by the host's own x87 unit: FXRSTOR the guest image, run the
 *   guest's own opcode byte and ModRM (from a table of 3-byte stubs, memory
 *   operands redirected to a host buffer), FXSAVE back. Every result, the
 *   80-bit precision, precision and rounding control, C0-C3, tags, stack
 *   faults, fbld/fbstp and the transcendentals are then bit-exact without a
 *   soft-float library. Guest exception masks are honoured on the host (an
 *   unmasked exception only sets ES; nothing traps until the next waiting
 *   instruction, which we turn into the guest's #MF before running it).
 * - FXSAVE/FXRSTOR by the guest are a copy of this image.
 * - MMX register i is the mantissa of physical x87 register i: with TOP = 0
 *   (every MMX instruction sets it) that is image slot i.
 * - SSE floating point runs on the host's SSE unit with the guest's MXCSR
 *   (all exceptions masked on the host, flags collected, unmasked ones
 *   raised as the guest's #XM); SSE integer operations are plain C.
 *
 * Contract
 * - fpu_reset() gives the power-on/INIT state (FCW 0x40, MXCSR 0x1f80).
 * - fpu_x87() executes D8-DF (decoded by the generic decoder; it is the
 *   handler optable.c assigns), fpu_fwait() executes 9B.
 * - sse_select() picks the handler of a 0F/0F38/0F3A opcode with its
 *   mandatory prefix, or NULL for an undefined encoding (#UD).
 * - fpu_fxsave/fxrstor/ldmxcsr/stmxcsr are the grp15 memory forms.
 */
#ifndef VMM_ACCEL_TCG_FPU_H
#define VMM_ACCEL_TCG_FPU_H

#include <stdbool.h>
#include <stdint.h>

typedef uint8_t v16qu __attribute__((vector_size(16)));
typedef int8_t v16qs __attribute__((vector_size(16)));
typedef uint16_t v8hu __attribute__((vector_size(16)));
typedef int16_t v8hs __attribute__((vector_size(16)));
typedef uint32_t v4su __attribute__((vector_size(16)));
typedef int32_t v4ss __attribute__((vector_size(16)));
typedef uint64_t v2du __attribute__((vector_size(16)));
typedef int64_t v2ds __attribute__((vector_size(16)));
typedef float v4sf __attribute__((vector_size(16)));
typedef double v2df __attribute__((vector_size(16)));

typedef union xmm {
	uint8_t b[16];
	int8_t sb[16];
	uint16_t w[8];
	int16_t sw[8];
	uint32_t d[4];
	int32_t sd[4];
	uint64_t q[2];
	int64_t sq[2];
	float f[4];
	double fd[2];
	v16qu vb;
	v16qs vsb;
	v8hu vw;
	v8hs vsw;
	v4su vd;
	v4ss vsd;
	v2du vq;
	v2ds vsq;
	v4sf vf;
	v2df vdf;
} xmm_t;

/* one x87 register slot of the image: 64-bit significand, sign+exponent */
struct fpu_slot {
	uint64_t mant;
	uint16_t exp;
	uint16_t pad[3];
};

/* FXSAVE image (64-bit format: FIP/FDP as 64-bit offsets) */
struct fxsave_img {
	uint16_t fcw, fsw;
	uint8_t ftw, rsvd1;		/* abridged tag: bit i set = physical Ri valid */
	uint16_t fop;
	uint64_t fip, fdp;
	uint32_t mxcsr, mxcsr_mask;
	struct fpu_slot st[8];		/* ST(0)..ST(7), stack order */
	xmm_t xmm[16];
	uint8_t rsvd2[96];
} __attribute__((aligned(16)));

_Static_assert(sizeof(struct fxsave_img) == 512, "FXSAVE image is 512 bytes");

struct fpu_state {
	struct fxsave_img fx;
	/* last x87 instruction (guest view: selectors kept apart from offsets) */
	uint64_t fip, fdp;
	uint16_t fcs, fds;
};

/* x87 status word */
#define FSW_IE		0x0001u
#define FSW_DE		0x0002u
#define FSW_ZE		0x0004u
#define FSW_OE		0x0008u
#define FSW_UE		0x0010u
#define FSW_PE		0x0020u
#define FSW_SF		0x0040u
#define FSW_ES		0x0080u
#define FSW_C0		0x0100u
#define FSW_C1		0x0200u
#define FSW_C2		0x0400u
#define FSW_TOP		0x3800u
#define FSW_C3		0x4000u
#define FSW_B		0x8000u
#define FSW_EXC		0x003fu

/* MXCSR */
#define MXCSR_FLAGS	0x003fu
#define MXCSR_DAZ	0x0040u
#define MXCSR_MASKS	0x1f80u
#define MXCSR_DEFAULT	0x1f80u

#define CR4_OSXMMEXCPT	(1ull << 10)

struct tcg_cpu;
struct insn;

void fpu_reset(struct tcg_cpu *cpu);
/* the MXCSR bits the guest may set (the host's MXCSR_MASK) */
uint32_t fpu_mxcsr_mask(void);
/* the host threads' MXCSR (flags clear), read once at startup */
extern uint32_t fpu_host_mxcsr;

void fpu_x87(struct tcg_cpu *cpu, const struct insn *in);
void fpu_fwait(struct tcg_cpu *cpu, const struct insn *in);
void fpu_fxsave(struct tcg_cpu *cpu, const struct insn *in);
void fpu_fxrstor(struct tcg_cpu *cpu, const struct insn *in);
void fpu_ldmxcsr(struct tcg_cpu *cpu, const struct insn *in);
void fpu_stmxcsr(struct tcg_cpu *cpu, const struct insn *in);

/* exec_sse.c: the handler of an MMX/SSE opcode, NULL if undefined */
void (*sse_select(struct insn *in))(struct tcg_cpu *, const struct insn *);

/* which extensions this build implements (and the host can run) */
#define FPU_HAS_SSE3	(1u << 0)
#define FPU_HAS_SSSE3	(1u << 1)
#define FPU_HAS_SSE41	(1u << 2)
#define FPU_HAS_SSE42	(1u << 3)
unsigned fpu_features(void);

#endif
