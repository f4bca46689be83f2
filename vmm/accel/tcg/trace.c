/*
 * -d in_asm, exec, cpu and int for the software CPU. The register dump uses
 * QEMU 7.2's `-d cpu` field order (x86_cpu_dump_state) so tests/tcg/trace-diff
 * can compare the two traces line by line.
 */
#include <inttypes.h>
#include <stdio.h>

#include "board/log.h"
#include "vmm/accel/tcg/tcg.h"
#include "vmm/disas.h"

void trace_block(struct tcg_cpu *cpu, uint64_t pc, const struct insn *insns, unsigned n,
		 const uint8_t *code)
{
	uint64_t cs_base = cpu->seg[SEG_CS].lbase;
	unsigned off = 0, avail = 0x1000 - (unsigned)((cs_base + pc) & 0xfff);

	board_log(LOG_IN_ASM, "IN: CPU %u", cpu->index);
	for (unsigned i = 0; i < n; i++) {
		unsigned len = insns[i].len;
		uint64_t lin = (cs_base + pc) & cpu->lin_mask;
		char text[160];

		if (off + len <= avail &&
		    disas_one(cpu->code_bits, code + off, len, lin, text, sizeof(text)))
			board_log(LOG_IN_ASM, "0x%08" PRIx64 ":  %s", lin, text);
		else
			board_log(LOG_IN_ASM, "0x%08" PRIx64 ":  (%u bytes, not disassembled)", lin, len);
		off += len;
		pc += len;
	}
}

void trace_exec(struct tcg_cpu *cpu, uint64_t rip)
{
	board_log(LOG_EXEC, "Trace %u: %04x:%08" PRIx64 " [%08" PRIx64 "]", cpu->index,
		  cpu->seg[SEG_CS].d.selector, rip, (cpu->seg[SEG_CS].lbase + rip) & cpu->lin_mask);
}

/* the descriptor's high dword less base bits, as QEMU keeps it (limit 19:16 included) */
static uint32_t seg_flags(const struct cpu_segment *d)
{
	uint32_t lim_hi = ((d->g ? d->limit >> 12 : d->limit) >> 16) & 0xf;

	return lim_hi << 16 | (uint32_t)d->type << 8 | (uint32_t)d->s << 12 | (uint32_t)d->dpl << 13 |
	       (uint32_t)d->present << 15 | (uint32_t)d->avl << 20 | (uint32_t)d->l << 21 |
	       (uint32_t)d->db << 22 | (uint32_t)d->g << 23;
}

void trace_cpu(struct tcg_cpu *cpu)
{
	static const char *const names[SEG_NR] = { "ES ", "CS ", "SS ", "DS ", "FS ", "GS ",
						   "LDT", "TR " };
	uint32_t f = flags_get(cpu);
	char fl[8] = {
		f & FL_DF ? 'D' : '-', f & FL_OF ? 'O' : '-', f & FL_SF ? 'S' : '-',
		f & FL_ZF ? 'Z' : '-', f & FL_AF ? 'A' : '-', f & FL_PF ? 'P' : '-',
		f & FL_CF ? 'C' : '-', 0
	};
	bool lm = cpu->efer & EFER_LMA;
	const uint64_t *g = cpu->gpr;
	char buf[2048];
	int n = 0;

#define OUT(...) n += snprintf(buf + n, sizeof(buf) - (size_t)n, __VA_ARGS__)
	if (cpu->code_bits == 64) {
		OUT("RAX=%016" PRIx64 " RBX=%016" PRIx64 " RCX=%016" PRIx64 " RDX=%016" PRIx64 "\n",
		    g[CPU_RAX], g[CPU_RBX], g[CPU_RCX], g[CPU_RDX]);
		OUT("RSI=%016" PRIx64 " RDI=%016" PRIx64 " RBP=%016" PRIx64 " RSP=%016" PRIx64 "\n",
		    g[CPU_RSI], g[CPU_RDI], g[CPU_RBP], g[CPU_RSP]);
		OUT("R8 =%016" PRIx64 " R9 =%016" PRIx64 " R10=%016" PRIx64 " R11=%016" PRIx64 "\n",
		    g[8], g[9], g[10], g[11]);
		OUT("R12=%016" PRIx64 " R13=%016" PRIx64 " R14=%016" PRIx64 " R15=%016" PRIx64 "\n",
		    g[12], g[13], g[14], g[15]);
		OUT("RIP=%016" PRIx64 " RFL=%08x [%s] CPL=%u II=%d A20=1 SMM=0 HLT=%d\n",
		    cpu->rip, f, fl, cpu->cpl, cpu->inhibit_irq, cpu->halted);
	} else {
		OUT("EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", (uint32_t)g[CPU_RAX],
		    (uint32_t)g[CPU_RBX], (uint32_t)g[CPU_RCX], (uint32_t)g[CPU_RDX]);
		OUT("ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", (uint32_t)g[CPU_RSI],
		    (uint32_t)g[CPU_RDI], (uint32_t)g[CPU_RBP], (uint32_t)g[CPU_RSP]);
		OUT("EIP=%08x EFL=%08x [%s] CPL=%u II=%d A20=1 SMM=0 HLT=%d\n", (uint32_t)cpu->rip,
		    f, fl, cpu->cpl, cpu->inhibit_irq, cpu->halted);
	}
	for (int i = 0; i < SEG_NR; i++) {
		const struct cpu_segment *d = &cpu->seg[i].d;
		if (lm)
			OUT("%s=%04x %016" PRIx64 " %08x %08x\n", names[i], d->selector, d->base,
			    d->limit, seg_flags(d));
		else
			OUT("%s=%04x %08x %08x %08x\n", names[i], d->selector, (uint32_t)d->base,
			    d->limit, seg_flags(d));
	}
	if (lm) {
		OUT("GDT=     %016" PRIx64 " %08x\n", cpu->gdt.base, cpu->gdt.limit);
		OUT("IDT=     %016" PRIx64 " %08x\n", cpu->idt.base, cpu->idt.limit);
		OUT("CR0=%08x CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08x\n", (uint32_t)cpu->cr0,
		    cpu->cr2, cpu->cr3, (uint32_t)cpu->cr4);
		OUT("DR0=%016" PRIx64 " DR1=%016" PRIx64 " DR2=%016" PRIx64 " DR3=%016" PRIx64 "\n",
		    cpu->dr[0], cpu->dr[1], cpu->dr[2], cpu->dr[3]);
		OUT("DR6=%016" PRIx64 " DR7=%016" PRIx64 "\n", cpu->dr[6], cpu->dr[7]);
	} else {
		OUT("GDT=     %08x %08x\n", (uint32_t)cpu->gdt.base, cpu->gdt.limit);
		OUT("IDT=     %08x %08x\n", (uint32_t)cpu->idt.base, cpu->idt.limit);
		OUT("CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", (uint32_t)cpu->cr0, (uint32_t)cpu->cr2,
		    (uint32_t)cpu->cr3, (uint32_t)cpu->cr4);
	}
	/* QEMU's x86_64 build prints the debug registers 64 bits wide in every mode */
	if (!lm) {
		OUT("DR0=%016" PRIx64 " DR1=%016" PRIx64 " DR2=%016" PRIx64 " DR3=%016" PRIx64 " \n",
		    cpu->dr[0], cpu->dr[1], cpu->dr[2], cpu->dr[3]);
		OUT("DR6=%016" PRIx64 " DR7=%016" PRIx64 "\n", cpu->dr[6], cpu->dr[7]);
	}
	OUT("EFER=%016" PRIx64, cpu->efer);
#undef OUT
	board_log(LOG_CPU, "%s", buf);
}

void trace_int(struct tcg_cpu *cpu, int vec, uint32_t err, bool has_err, bool hw)
{
	board_log(LOG_INT, "CPU %u: v=%02x e=%04x i=%d cpl=%u IP=%04x:%08" PRIx64
		  " SP=%04x:%08" PRIx64 " CR2=%08" PRIx64 "%s", cpu->index, vec & 0xff,
		  has_err ? err : 0, !hw && cpu->exc_soft, cpu->cpl, cpu->seg[SEG_CS].d.selector,
		  cpu->rip, cpu->seg[SEG_SS].d.selector, cpu->gpr[CPU_RSP], cpu->cr2,
		  hw ? " (external)" : "");
}
