/*
 * Register dumps for unhandled exits and triple faults, with the faulting
 * code disassembled by capstone in the mode the CPU state implies.
 *
 * capstone is opened with dlopen() on the first dump: its relocated tables
 * are 3 MiB of resident memory that a VMM which never dumps should not pay
 * (link bringup with -Wl,--as-needed so the -lcapstone on the command line
 * does not load it anyway).
 */
#include "vmm/accel/accel.h"

#include <capstone/capstone.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

static struct {
	cs_err (*open)(cs_arch arch, cs_mode mode, csh *handle);
	size_t (*disasm)(csh handle, const uint8_t *code, size_t size, uint64_t address,
			 size_t count, cs_insn **insn);
	void (*free)(cs_insn *insn, size_t count);
	cs_err (*close)(csh *handle);
} cs;
static pthread_once_t cs_once = PTHREAD_ONCE_INIT;

static void cs_load(void)
{
	static const char *const names[] = { "libcapstone.so.4", "libcapstone.so.5", "libcapstone.so" };
	void *h = NULL;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return;
	*(void **)&cs.open = dlsym(h, "cs_open");
	*(void **)&cs.disasm = dlsym(h, "cs_disasm");
	*(void **)&cs.free = dlsym(h, "cs_free");
	*(void **)&cs.close = dlsym(h, "cs_close");
	if (!cs.open || !cs.disasm || !cs.free || !cs.close)
		cs.open = NULL;
}

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
	cs_mode mode = bits == 64 ? CS_MODE_64 : bits == 32 ? CS_MODE_32 : CS_MODE_16;
	uint64_t addr = bits == 64 ? s->rip : s->seg[SEG_CS].base + s->rip;
	csh h;
	cs_insn *insn;
	size_t n;

	pthread_once(&cs_once, cs_load);
	if (!cs.open || cs.open(CS_ARCH_X86, mode, &h) != CS_ERR_OK) {
		fprintf(f, "code: (capstone unavailable)\n");
		return;
	}
	n = cs.disasm(h, code, len, addr, 4, &insn);
	fprintf(f, "code (%d-bit):\n", bits);
	if (!n) {
		fprintf(f, "  %016" PRIx64 ":", addr);
		for (size_t i = 0; i < len && i < 16; i++)
			fprintf(f, " %02x", code[i]);
		fprintf(f, "  (undecodable)\n");
	}
	for (size_t i = 0; i < n; i++) {
		char bytes[48] = "";
		for (size_t j = 0; j < insn[i].size && j < 15; j++)
			snprintf(bytes + strlen(bytes), sizeof(bytes) - strlen(bytes), "%02x ",
				 insn[i].bytes[j]);
		fprintf(f, "%s %016" PRIx64 ": %-30s %s %s\n", i ? "   " : "=> ", insn[i].address,
			bytes, insn[i].mnemonic, insn[i].op_str);
	}
	if (n)
		cs.free(insn, n);
	cs.close(&h);
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
