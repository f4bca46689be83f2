/*
 * Register dumps for unhandled exits and triple faults, with the faulting
 * code disassembled (vmm/disas.h: capstone, loaded on the first dump).
 */
#include "vmm/accel/accel.h"
#include "vmm/disas.h"

#include <inttypes.h>
#include <string.h>

static const char *const gpr_names[CPU_NGPR] = {
	"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
	"R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15",
};
static const char *const seg_names[SEG_NR] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR" };

static void dump_seg(FILE *f, const char *name, const struct cpu_segment *s)
{
	fprintf(f, "%-3s =%04x %016" PRIx64 " %08x type=%x s=%u dpl=%u p=%u l=%u db=%u g=%u%s\n",
		name, s->selector, s->base, s->limit, s->type, s->s, s->dpl, s->present,
		s->l, s->db, s->g, s->unusable ? " unusable" : "");
}

static void disassemble(FILE *f, const struct cpu_state *s, const uint8_t *code, size_t len)
{
	int bits = cpu_state_code_bits(s);
	uint64_t addr = bits == 64 ? s->rip : s->seg[SEG_CS].base + s->rip;
	size_t off = 0;

	if (!disas_available()) {
		fprintf(f, "code: (capstone unavailable)\n");
		return;
	}
	fprintf(f, "code (%d-bit):\n", bits);
	for (int i = 0; i < 4 && off < len; i++) {
		char text[160], bytes[48] = "";
		unsigned n = disas_one(bits, code + off, len - off, addr + off, text, sizeof(text));

		if (!n) {
			if (!i) {
				fprintf(f, "  %016" PRIx64 ":", addr);
				for (size_t j = 0; j < len && j < 16; j++)
					fprintf(f, " %02x", code[j]);
				fprintf(f, "  (undecodable)\n");
			}
			break;
		}
		for (unsigned j = 0; j < n && j < 15; j++)
			snprintf(bytes + strlen(bytes), sizeof(bytes) - strlen(bytes), "%02x ",
				 code[off + j]);
		fprintf(f, "%s %016" PRIx64 ": %-30s %s\n", i ? "   " : "=> ", addr + off, bytes, text);
		off += n;
	}
}

void cpu_state_dump(FILE *f, const struct cpu_state *s, const uint8_t *code, size_t code_len)
{
	for (int i = 0; i < CPU_NGPR; i += 4)
		fprintf(f, "%s=%016" PRIx64 " %s=%016" PRIx64 " %s=%016" PRIx64 " %s=%016" PRIx64 "\n",
			gpr_names[i], s->gpr[i], gpr_names[i + 1], s->gpr[i + 1],
			gpr_names[i + 2], s->gpr[i + 2], gpr_names[i + 3], s->gpr[i + 3]);
	fprintf(f, "RIP=%016" PRIx64 " RFL=%08" PRIx64 "\n", s->rip, s->rflags);
	for (int i = 0; i < SEG_NR; i++)
		dump_seg(f, seg_names[i], &s->seg[i]);
	fprintf(f, "GDT=     %016" PRIx64 " %08x\n", s->gdt.base, s->gdt.limit);
	fprintf(f, "IDT=     %016" PRIx64 " %08x\n", s->idt.base, s->idt.limit);
	fprintf(f, "CR0=%08" PRIx64 " CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08" PRIx64
		" CR8=%" PRIx64 "\n", s->cr0, s->cr2, s->cr3, s->cr4, s->cr8);
	fprintf(f, "EFER=%016" PRIx64 " APIC_BASE=%016" PRIx64 " DR6=%08" PRIx64 " DR7=%08" PRIx64 "\n",
		s->efer, s->apic_base, s->dr[6], s->dr[7]);
	if (code && code_len)
		disassemble(f, s, code, code_len);
}

void vcpu_dump(FILE *f, struct vcpu *v, const char *why)
{
	const struct accel_host *host = v->accel->cfg.host;
	struct cpu_state s;
	uint8_t code[32];
	size_t got = 0;
	uint64_t pc;

	fprintf(f, "bringup: CPU %u: %s\n", v->index, why);
	if (v->accel->ops->get_state(v, &s) < 0) {
		fprintf(f, "(registers unavailable)\n");
		return;
	}
	/* Linear address = physical unless paging is on; with paging the bytes are not looked up. */
	pc = cpu_state_code_bits(&s) == 64 ? s.rip : s.seg[SEG_CS].base + s.rip;
	if (!(s.cr0 & CR0_PG) && host && host->read_mem) {
		/* as many bytes as are readable, up to sizeof(code) */
		for (got = sizeof(code); got; got /= 2)
			if (!host->read_mem(host->opaque, pc, code, got))
				break;
	}
	cpu_state_dump(f, &s, got ? code : NULL, got);
	if (!got)
		fprintf(f, "code: not readable at %016" PRIx64 "%s\n", pc,
			(s.cr0 & CR0_PG) ? " (paging on)" : "");
	fflush(f);
}
