/*
 * The gdb stub's view of an x86-64 vCPU: the register file of its target
 * description, and linear -> physical translation for m/M (gdbstub.h).
 */
#include "vmm/gdbstub.h"
#include "vmm/gdbstub_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- registers ------------------------------------------------------------------ */

const struct gdb_reg gdb_regs[] = {
#define CORE "org.gnu.gdb.i386.core"
	{ "rax", 64, R_GPR, CPU_RAX, "int64", CORE }, { "rbx", 64, R_GPR, CPU_RBX, "int64", CORE },
	{ "rcx", 64, R_GPR, CPU_RCX, "int64", CORE }, { "rdx", 64, R_GPR, CPU_RDX, "int64", CORE },
	{ "rsi", 64, R_GPR, CPU_RSI, "int64", CORE }, { "rdi", 64, R_GPR, CPU_RDI, "int64", CORE },
	{ "rbp", 64, R_GPR, CPU_RBP, "data_ptr", CORE }, { "rsp", 64, R_GPR, CPU_RSP, "data_ptr", CORE },
	{ "r8", 64, R_GPR, CPU_R8, "int64", CORE }, { "r9", 64, R_GPR, CPU_R9, "int64", CORE },
	{ "r10", 64, R_GPR, CPU_R10, "int64", CORE }, { "r11", 64, R_GPR, CPU_R11, "int64", CORE },
	{ "r12", 64, R_GPR, CPU_R12, "int64", CORE }, { "r13", 64, R_GPR, CPU_R13, "int64", CORE },
	{ "r14", 64, R_GPR, CPU_R14, "int64", CORE }, { "r15", 64, R_GPR, CPU_R15, "int64", CORE },
	{ "rip", 64, R_RIP, 0, "code_ptr", CORE }, { "eflags", 32, R_FLAGS, 0, "i386_eflags", CORE },
	{ "cs", 32, R_SEG, SEG_CS, "int32", CORE }, { "ss", 32, R_SEG, SEG_SS, "int32", CORE },
	{ "ds", 32, R_SEG, SEG_DS, "int32", CORE }, { "es", 32, R_SEG, SEG_ES, "int32", CORE },
	{ "fs", 32, R_SEG, SEG_FS, "int32", CORE }, { "gs", 32, R_SEG, SEG_GS, "int32", CORE },
	{ "st0", 80, R_FPU, 0, "i387_ext", CORE }, { "st1", 80, R_FPU, 0, "i387_ext", CORE },
	{ "st2", 80, R_FPU, 0, "i387_ext", CORE }, { "st3", 80, R_FPU, 0, "i387_ext", CORE },
	{ "st4", 80, R_FPU, 0, "i387_ext", CORE }, { "st5", 80, R_FPU, 0, "i387_ext", CORE },
	{ "st6", 80, R_FPU, 0, "i387_ext", CORE }, { "st7", 80, R_FPU, 0, "i387_ext", CORE },
	{ "fctrl", 32, R_FPU, 0, "int", CORE }, { "fstat", 32, R_FPU, 0, "int", CORE },
	{ "ftag", 32, R_FPU, 0, "int", CORE }, { "fiseg", 32, R_FPU, 0, "int", CORE },
	{ "fioff", 32, R_FPU, 0, "int", CORE }, { "foseg", 32, R_FPU, 0, "int", CORE },
	{ "fooff", 32, R_FPU, 0, "int", CORE }, { "fop", 32, R_FPU, 0, "int", CORE },
#define SEGS "org.gnu.gdb.i386.segments"
	{ "fs_base", 64, R_BASE, SEG_FS, "int", SEGS }, { "gs_base", 64, R_BASE, SEG_GS, "int", SEGS },
#define SYS "org.bringup.x86.sys"
	{ "cr0", 64, R_CR, 0, "int", SYS }, { "cr2", 64, R_CR, 2, "int", SYS },
	{ "cr3", 64, R_CR, 3, "int", SYS }, { "cr4", 64, R_CR, 4, "int", SYS },
	{ "cr8", 64, R_CR, 8, "int", SYS }, { "efer", 64, R_EFER, 0, "int", SYS },
};
#define NREGS	(sizeof(gdb_regs) / sizeof(gdb_regs[0]))
const unsigned gdb_nregs = NREGS;

static uint64_t *cr_slot(struct cpu_state *s, int n)
{
	switch (n) {
	case 0: return &s->cr0;
	case 2: return &s->cr2;
	case 3: return &s->cr3;
	case 4: return &s->cr4;
	default: return &s->cr8;
	}
}

/* Register n of s as a little-endian value; false when unavailable (x87). */
bool gdb_reg_get(const struct cpu_state *s, unsigned n, uint64_t *v)
{
	const struct gdb_reg *r = &gdb_regs[n];

	switch (r->kind) {
	case R_GPR: *v = s->gpr[r->idx]; return true;
	case R_RIP: *v = s->rip; return true;
	case R_FLAGS: *v = (uint32_t)s->rflags; return true;
	case R_SEG: *v = s->seg[r->idx].selector; return true;
	case R_BASE: *v = s->seg[r->idx].base; return true;
	case R_CR: *v = *cr_slot((struct cpu_state *)s, r->idx); return true;
	case R_EFER: *v = s->efer; return true;
	case R_FPU: break;
	}
	return false;
}

/* Writes to the x87 registers are dropped (no FPU state in struct cpu_state). */
void gdb_reg_set(struct cpu_state *s, unsigned n, uint64_t v)
{
	const struct gdb_reg *r = &gdb_regs[n];

	switch (r->kind) {
	case R_GPR: s->gpr[r->idx] = v; break;
	case R_RIP: s->rip = v; break;
	case R_FLAGS: s->rflags = (uint32_t)v | RFLAGS_RESERVED; break;
	case R_SEG:
		s->seg[r->idx].selector = (uint16_t)v;
		/* real mode: the selector is the base; protected mode keeps the cache */
		if (!(s->cr0 & CR0_PE))
			s->seg[r->idx].base = (uint64_t)(uint16_t)v << 4;
		break;
	case R_BASE: s->seg[r->idx].base = v; break;
	case R_CR: *cr_slot(s, r->idx) = v; break;
	case R_EFER: s->efer = v; break;
	case R_FPU: break;
	}
}

/* ---- target description --------------------------------------------------------- */

const char *gdb_target_xml(void)
{
	static char *xml;
	size_t cap = 8192, len = 0;
	const char *feature = NULL;

	if (xml)
		return xml;
	xml = malloc(cap);
	if (!xml)
		return NULL;
#define XML(...) len += (size_t)snprintf(xml + len, len < cap ? cap - len : 0, __VA_ARGS__)
	XML("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	    "<target version=\"1.0\">\n<architecture>i386:x86-64</architecture>\n");
	for (unsigned i = 0; i < NREGS; i++) {
		if (!feature || strcmp(feature, gdb_regs[i].feature)) {
			if (feature)
				XML("</feature>\n");
			feature = gdb_regs[i].feature;
			XML("<feature name=\"%s\">\n", feature);
			if (!strcmp(feature, CORE))
				XML("<flags id=\"i386_eflags\" size=\"4\">\n"
				    "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>\n"
				    "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>\n"
				    "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>\n"
				    "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>\n"
				    "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>\n"
				    "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>\n"
				    "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>\n"
				    "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>\n"
				    "<field name=\"ID\" start=\"21\" end=\"21\"/>\n</flags>\n");
		}
		XML("<reg name=\"%s\" bitsize=\"%u\" type=\"%s\"%s/>\n", gdb_regs[i].name, gdb_regs[i].bits,
		    gdb_regs[i].type, gdb_regs[i].kind == R_FPU && gdb_regs[i].bits == 32 ? " group=\"float\"" : "");
	}
	XML("</feature>\n</target>\n");
#undef XML
	if (len >= cap) {		/* the table outgrew the buffer: a bug, not input */
		free(xml);
		xml = NULL;
	}
	return xml;
}

/* ---- linear addresses ------------------------------------------------------------- */

#define PTE_P		1ull
#define PTE_PS		(1ull << 7)
#define PTE_ADDR	0x000ffffffffff000ull

static int read_pte(const struct gdb_target *t, uint64_t gpa, bool wide, uint64_t *pte)
{
	uint32_t v32;

	if (wide)
		return t->read_phys(t->opaque, gpa, pte, 8);
	if (t->read_phys(t->opaque, gpa, &v32, 4))
		return -1;
	*pte = v32;
	return 0;
}

int gdb_linear_to_phys(const struct gdb_target *t, const struct cpu_state *s, uint64_t la,
		       uint64_t *pa, uint64_t *page_left)
{
	uint64_t pte, table;
	int levels, shift;
	bool wide;

	if (!(s->cr0 & CR0_PG)) {
		*pa = la;
		*page_left = 4096 - (la & 4095);
		return 0;
	}
	if (s->efer & EFER_LMA) {
		levels = 4;
		wide = true;
		table = s->cr3 & PTE_ADDR;
		/* non-canonical addresses have no translation */
		if ((uint64_t)((int64_t)(la << 16) >> 16) != la)
			return -1;
	} else if (s->cr4 & CR4_PAE) {
		la &= 0xffffffffull;
		if (read_pte(t, (s->cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8, true, &pte) ||
		    !(pte & PTE_P))
			return -1;
		levels = 2;
		wide = true;
		table = pte & PTE_ADDR;
	} else {
		la &= 0xffffffffull;
		levels = 2;
		wide = false;
		table = s->cr3 & 0xfffff000ull;
	}
	shift = wide ? 12 + 9 * (levels - 1) : 22;
	for (int l = levels; l >= 1; l--) {
		unsigned bits = wide ? 9 : 10;
		uint64_t idx = (la >> shift) & ((1ull << bits) - 1);

		if (read_pte(t, table + idx * (wide ? 8 : 4), wide, &pte) || !(pte & PTE_P))
			return -1;
		if (l > 1 && (pte & PTE_PS) && (l <= 3) &&
		    (wide || (s->cr4 & (1ull << 4)))) {	/* large page (CR4.PSE for 32-bit) */
			uint64_t size = 1ull << shift;
			uint64_t base = wide ? pte & PTE_ADDR & ~(size - 1) :
				(pte & 0xffc00000ull) | ((pte & 0x1fe000ull) << 19);

			*pa = base + (la & (size - 1));
			*page_left = size - (la & (size - 1));
			return 0;
		}
		table = wide ? pte & PTE_ADDR : pte & 0xfffff000ull;
		shift -= bits;
	}
	*pa = table + (la & 4095);
	*page_left = 4096 - (la & 4095);
	return 0;
}
