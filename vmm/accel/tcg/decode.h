/*
 * x86 instruction decoder of the software CPU (16-, 32- and 64-bit modes).
 *
 * Contract
 * - decode_insn() reads at most `avail` bytes of `code` (never more than 15)
 *   and fills a compact `struct insn`: length, operand and address size,
 *   prefixes, ModRM/SIB effective-address parts, immediates, and the handler
 *   that executes it. Nothing is decoded again at execute time.
 * - Returns the length (1..15), DECODE_MORE when the bytes ran out before the
 *   instruction ended (the caller fetches the next page and retries),
 *   DECODE_TOOLONG when the instruction is longer than 15 bytes (#GP), or
 *   DECODE_UD for an opcode that does not exist in this mode (#UD; VEX/EVEX/XOP
 *   encodings are treated as undefined for now). For both errors `in->fn`
 *   raises the exception and `in->len` is the bytes consumed so far.
 * - Memory operands: EA = gpr[base] + (gpr[index] << scale) + disp, wrapped to
 *   the address size. DECODE_REG_NONE names the CPU's always-zero register
 *   slot. RIP-relative operands are resolved here: base NONE, disp the
 *   absolute address, since a decoded instruction is tied to its RIP.
 * - Relative branch targets are resolved here as well (imm = target RIP,
 *   wrapped to the operand size), for the same reason.
 * - For the hot shapes `fn` is a threaded handler (exec_fast.h): after its
 *   instruction it runs `in[1].tfn`, so decoded instructions execute only
 *   inside a block, which cpu.c ends with a sentinel. `tfn` is set then
 *   (fn itself, or a wrapper around a generic fn), with `next_rip`.
 */
#ifndef VMM_ACCEL_TCG_DECODE_H
#define VMM_ACCEL_TCG_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#define DECODE_MAX_LEN	15
#define DECODE_MORE	0
#define DECODE_UD	(-1)
#define DECODE_TOOLONG	(-2)

#define DECODE_REG_NONE	16	/* the zero slot of the register file */

struct tcg_cpu;
struct insn;
typedef void (*insn_fn)(struct tcg_cpu *cpu, const struct insn *in);

/* insn.flags */
#define INSN_END	(1u << 0)	/* ends a block: branch, mode or state change */
#define INSN_MEM	(1u << 1)	/* ModRM names memory */
#define INSN_REX	(1u << 2)	/* a REX prefix was present */
#define INSN_LOCK	(1u << 3)
#define INSN_66		(1u << 4)
#define INSN_SEGOVR	(1u << 5)	/* explicit segment override */
#define INSN_RIPREL_PENDING (1u << 6)	/* disp is RIP-relative until decode_fixup() */
#define INSN_REL_PENDING (1u << 7)	/* imm is a relative branch until decode_fixup() */

struct insn {
	insn_fn fn;
	insn_fn tfn;		/* threaded: runs this one and the rest of the block (cpu.c) */
	uint64_t next_rip;	/* the RIP after it (set when placed in a block) */
	int64_t disp;		/* displacement (or the absolute RIP-relative address) */
	uint64_t imm;		/* immediate, or the target of a relative branch */
	uint16_t imm2;		/* enter's level, far pointer's selector */
	uint8_t len;
	uint8_t osz;		/* operand size in bytes: 1, 2, 4, 8 */
	uint8_t asz;		/* address size: 2, 4, 8 */
	uint8_t seg;		/* segment of the memory operand (SEG_*) */
	uint8_t reg;		/* ModRM.reg | REX.R<<3 */
	uint8_t rm;		/* ModRM.rm | REX.B<<3, or the register of +r opcodes */
	uint8_t reg8, rm8;	/* byte offsets into the register file for 8-bit operands */
	uint8_t base, index, scale;
	uint8_t modrm;		/* raw ModRM byte */
	uint8_t rep;		/* 0, 0xf2 or 0xf3 (the last one seen) */
	uint8_t opc;		/* opcode byte */
	uint8_t map;		/* 0 one-byte, 1 0F, 2 0F38, 3 0F3A */
	uint8_t rex;
	uint8_t flags;		/* INSN_* */
	uint8_t bits;		/* code size it was decoded for: 16, 32, 64 */
	uint8_t fuse;		/* exec_fast.h: which fast shape, for fusing with a jcc */
};

/* The handler tables (optable.c). */
struct op_entry {
	uint16_t attr;
	insn_fn fn;
};

int decode_insn(struct insn *in, const uint8_t *code, unsigned avail, int bits);
/* Resolve RIP-relative operands and branch targets for an instruction at rip. */
void decode_fixup(struct insn *in, uint64_t rip);
/* optable.c: pick in->fn (and maybe adjust sizes); false if undefined. */
bool optable_assign(struct insn *in);

/* Handlers the decoder assigns for its errors. */
void op_ud(struct tcg_cpu *cpu, const struct insn *in);
void op_toolong(struct tcg_cpu *cpu, const struct insn *in);

#endif
