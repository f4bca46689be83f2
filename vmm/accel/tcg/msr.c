/*
 * The CPU model: CPUID leaves (what this CPU implements, nothing more),
 * MSRs (APIC base and x2APIC through the board's LAPIC, TSC, MTRRs and PAT,
 * MISC_ENABLE, SYSENTER, EFER and the long-mode MSRs), control registers,
 * and the time stamp counter.
 */
#include <errno.h>

#include "board/board.h"
#include "board/clock.h"
#include "board/lapic.h"
#include "board/log.h"
#include "vmm/accel/tcg/tcg.h"
#include "vmm/accel/tcg/tcg_model.h"
#include "vmm/cpuid.h"

#define MSR_TSC			0x10
#define MSR_FEATURE_CONTROL	0x3a
#define MSR_TSC_ADJUST		0x3b
#define MSR_UCODE_REV		0x8b
#define MSR_ARCH_CAPABILITIES	0x10a
#define MSR_MTRRCAP		0xfe
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MISC_ENABLE		0x1a0
#define MSR_MTRR_PHYS_FIRST	0x200
#define MSR_MTRR_PHYS_LAST	0x20f
#define MSR_MTRR_FIX64K		0x250
#define MSR_MTRR_FIX16K_80000	0x258
#define MSR_MTRR_FIX16K_A0000	0x259
#define MSR_MTRR_FIX4K_FIRST	0x268
#define MSR_MTRR_FIX4K_LAST	0x26f
#define MSR_PAT			0x277
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103

#define MTRR_VCNT		8
#define MTRRCAP_VALUE		(MTRR_VCNT | (1u << 8) | (1u << 10))	/* fixed, WC */
#define PAT_DEFAULT		0x0007040600070406ull
#define MISC_ENABLE_DEFAULT	1ull					/* fast strings */
#define PHYS_BITS		40
/*
 * An interpreter does not speculate: RDCL_NO, SSB_NO, MDS_NO,
 * IF_PSCHANGE_MC_NO, TAA_NO, SBDR_SSDP_NO, FBSDP_NO, PSDP_NO, BHI_NO,
 * PBRSB_NO, GDS_NO, RFDS_NO (so Linux runs without PTI and buffer clearing).
 */
#define ARCH_CAPS		((1ull << 0) | (1ull << 4) | (1ull << 5) | (1ull << 6) | \
				 (1ull << 8) | (1ull << 13) | (1ull << 14) | (1ull << 15) | \
				 (1ull << 20) | (1ull << 24) | (1ull << 26) | (1ull << 27))
#define TSC_HZ			1000000000u	/* the board's apic_bus tsc_hz default */

/* ---- CPUID ---- */
static void put_str(uint32_t *r, const char *s)
{
	memcpy(r, s, 16);
}

unsigned tcg_cpuid_model(struct cpuid_leaf *out, unsigned max, bool x2apic)
{
	static const char brand[48] = "bringup software CPU (TCG)";
	unsigned n = 0;

#define LEAF(f, i, idx, a, b, c, d) do {					\
		if (n < max)							\
			out[n++] = (struct cpuid_leaf){ f, i, idx, a, b, c, d };	\
	} while (0)

	/* "GenuineIntel" */
	LEAF(0, 0, false, 0x16, 0x756e6547, 0x6c65746e, 0x49656e69);
	LEAF(1, 0, false, TCG_CPUID_SIGNATURE, 8u << 8,
	     (1u << 13) | (1u << 23) | (1u << 24) |			/* cx16 popcnt tsc-deadline */
	     (x2apic ? 1u << 21 : 0),					/* x2apic */
	     (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) |	/* de pse tsc msr pae */
	     (1u << 8) | (1u << 9) | (1u << 11) | (1u << 12) | (1u << 13) |	/* cx8 apic sep mtrr pge */
	     (1u << 15) | (1u << 16) | (1u << 17) | (1u << 19) |		/* cmov pat pse36 clflush */
	     1u | (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26));	/* fpu mmx fxsr sse sse2 */
	/* SSE3/SSSE3/SSE4.1 float ops run on the host's unit: only if it has them */
	if (fpu_features() & FPU_HAS_SSE41)
		out[n - 1].ecx |= 1u | (1u << 9) | (1u << 19);
	if (fpu_features() & FPU_HAS_SSE42)
		out[n - 1].ecx |= 1u << 20;				/* sse4.2 */
	LEAF(7, 0, true, 0, 1u << 1, 0, 1u << 29);			/* tsc-adjust; arch-capabilities */
	/*
	 * TSC and LAPIC timer both count at TSC_HZ: leaf 0x15 states it (crystal
	 * = TSC), so Linux neither calibrates the TSC against the PIT nor the
	 * LAPIC timer (its period is taken as crystal / HZ).
	 */
	LEAF(0x15, 0, false, 1, 1, TSC_HZ, 0);
	LEAF(0x16, 0, false, TSC_HZ / 1000000, TSC_HZ / 1000000, TSC_HZ / 1000000, 0);
	LEAF(0x80000000, 0, false, 0x80000008, 0, 0, 0);
	/* lahf-lm; syscall nx rdtscp lm */
	LEAF(0x80000001, 0, false, 0, 0, 1u << 0,
	     (1u << 11) | (1u << 20) | (1u << 27) | (1u << 29));
	{
		uint32_t r[12];
		for (int i = 0; i < 3; i++) {
			put_str(&r[i * 4], brand + 16 * i);
			LEAF(0x80000002u + (unsigned)i, 0, false, r[i * 4], r[i * 4 + 1],
			     r[i * 4 + 2], r[i * 4 + 3]);
		}
	}
	LEAF(0x80000007, 0, false, 0, 0, 0, 1u << 8);			/* invariant TSC */
	LEAF(0x80000008, 0, false, PHYS_BITS | (48u << 8), 0, 0, 0);
#undef LEAF
	return n;
}

void cpuid_query(struct tcg_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	for (unsigned i = 0; i < cpu->ncpuid; i++) {
		struct cpuid_leaf *l = &cpu->cpuid[i];

		if (l->function == leaf && (!l->indexed || l->index == sub)) {
			out[0] = l->eax;
			out[1] = l->ebx;
			out[2] = l->ecx;
			out[3] = l->edx;
			return;
		}
	}
	out[0] = out[1] = out[2] = out[3] = 0;
}

/* ---- time stamp ---- */
uint64_t cpu_tsc(struct tcg_cpu *cpu)
{
	if (cpu->lapic)
		return lapic_tsc(cpu->lapic);
	return clock_ns() + cpu->tsc_offset;	/* 1 GHz, as the LAPIC bus default */
}

static void tsc_write(struct tcg_cpu *cpu, uint64_t v)
{
	if (cpu->lapic) {
		board_lock(cpu->vm->board);
		cpu->lapic->tsc_offset += (int64_t)(v - lapic_tsc(cpu->lapic));
		board_unlock(cpu->vm->board);
		return;
	}
	cpu->tsc_offset = v - clock_ns();
}

/* ---- MSRs ---- */
static bool mtrr_type_ok(unsigned t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool mtrr_fixed_ok(uint64_t v)
{
	for (int i = 0; i < 8; i++)
		if (!mtrr_type_ok((v >> (8 * i)) & 0xff))
			return false;
	return true;
}

static int fixed_index(uint32_t msr)
{
	if (msr == MSR_MTRR_FIX64K)
		return 0;
	if (msr == MSR_MTRR_FIX16K_80000 || msr == MSR_MTRR_FIX16K_A0000)
		return 1 + (int)(msr - MSR_MTRR_FIX16K_80000);
	if (msr >= MSR_MTRR_FIX4K_FIRST && msr <= MSR_MTRR_FIX4K_LAST)
		return 3 + (int)(msr - MSR_MTRR_FIX4K_FIRST);
	return -1;
}

static int lapic_msr(struct tcg_cpu *cpu, uint32_t msr, uint64_t *val, bool write)
{
	int r;

	if (!cpu->lapic)
		return -ENOENT;
	board_lock(cpu->vm->board);
	r = write ? lapic_msr_write(cpu->lapic, msr, *val) : lapic_msr_read(cpu->lapic, msr, val);
	board_unlock(cpu->vm->board);
	if (!r && write && msr == MSR_IA32_APICBASE)
		cpu->apic_base = cpu->lapic->apicbase;
	cpu->irq_check = true;
	return r;
}

int msr_read(struct tcg_cpu *cpu, uint32_t msr, uint64_t *val)
{
	int fi = fixed_index(msr);

	if (msr == MSR_IA32_APICBASE || msr == MSR_IA32_TSC_DEADLINE ||
	    (msr >= MSR_X2APIC_BASE && msr <= MSR_X2APIC_END)) {
		int r = lapic_msr(cpu, msr, val, false);
		if (r == -ENOENT && msr == MSR_IA32_APICBASE) {
			*val = cpu->apic_base;
			return 0;
		}
		return r ? -1 : 0;
	}
	if (fi >= 0) {
		*val = cpu->mtrr_fixed[fi];
		return 0;
	}
	if (msr >= MSR_MTRR_PHYS_FIRST && msr <= MSR_MTRR_PHYS_LAST) {
		*val = cpu->mtrr_var[msr - MSR_MTRR_PHYS_FIRST];
		return 0;
	}
	switch (msr) {
	case MSR_TSC: *val = cpu_tsc(cpu); return 0;
	case MSR_TSC_ADJUST: *val = cpu->tsc_adjust; return 0;
	case MSR_ARCH_CAPABILITIES: *val = ARCH_CAPS; return 0;
	case MSR_FEATURE_CONTROL: *val = 1; return 0;	/* locked, nothing enabled */
	case MSR_UCODE_REV: *val = cpu->ucode_rev; return 0;
	case MSR_MTRRCAP: *val = MTRRCAP_VALUE; return 0;
	case MSR_SYSENTER_CS: *val = cpu->sysenter_cs; return 0;
	case MSR_SYSENTER_ESP: *val = cpu->sysenter_esp; return 0;
	case MSR_SYSENTER_EIP: *val = cpu->sysenter_eip; return 0;
	case MSR_MCG_CAP: case MSR_MCG_STATUS: *val = 0; return 0;
	case MSR_MISC_ENABLE: *val = cpu->misc_enable; return 0;
	case MSR_PAT: *val = cpu->pat; return 0;
	case MSR_MTRR_DEF_TYPE: *val = cpu->mtrr_def; return 0;
	case MSR_EFER: *val = cpu->efer; return 0;
	case MSR_STAR: *val = cpu->star; return 0;
	case MSR_LSTAR: *val = cpu->lstar; return 0;
	case MSR_CSTAR: *val = cpu->cstar; return 0;
	case MSR_SFMASK: *val = cpu->sfmask; return 0;
	case MSR_FS_BASE: *val = cpu->seg[SEG_FS].d.base; return 0;
	case MSR_GS_BASE: *val = cpu->seg[SEG_GS].d.base; return 0;
	case MSR_KERNEL_GS_BASE: *val = cpu->kernel_gs_base; return 0;
	case MSR_TSC_AUX: *val = cpu->tsc_aux; return 0;
	}
	if (log_enabled(LOG_UNIMP))
		board_log(LOG_UNIMP, "tcg: rdmsr %#x unknown (#GP)", msr);
	return -1;
}

static bool canonical(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

int msr_write(struct tcg_cpu *cpu, uint32_t msr, uint64_t val)
{
	int fi = fixed_index(msr);
	uint64_t phys_mask = (1ull << PHYS_BITS) - 1;

	if (msr == MSR_IA32_APICBASE || msr == MSR_IA32_TSC_DEADLINE ||
	    (msr >= MSR_X2APIC_BASE && msr <= MSR_X2APIC_END)) {
		int r = lapic_msr(cpu, msr, &val, true);
		if (r == -ENOENT && msr == MSR_IA32_APICBASE) {
			if (val & ~phys_mask & ~0xfffull)
				return -1;
			cpu->apic_base = (val & ~(uint64_t)APICBASE_BSP) |
					 (cpu->apic_base & APICBASE_BSP);
			return 0;
		}
		return r ? -1 : 0;
	}
	if (fi >= 0) {
		if (!mtrr_fixed_ok(val))
			return -1;
		cpu->mtrr_fixed[fi] = val;
		return 0;
	}
	if (msr >= MSR_MTRR_PHYS_FIRST && msr <= MSR_MTRR_PHYS_LAST) {
		unsigned i = msr - MSR_MTRR_PHYS_FIRST;
		uint64_t reserved = (i & 1) ? ~phys_mask | 0x7ffull : ~phys_mask | 0xf00ull;

		if (val & reserved)
			return -1;
		if (!(i & 1) && !mtrr_type_ok(val & 0xff))
			return -1;
		cpu->mtrr_var[i] = val;
		return 0;
	}
	switch (msr) {
	case MSR_TSC:
		cpu->tsc_adjust += val - cpu_tsc(cpu);	/* SDM: TSC writes move TSC_ADJUST too */
		tsc_write(cpu, val);
		return 0;
	case MSR_TSC_ADJUST:
		tsc_write(cpu, cpu_tsc(cpu) + (val - cpu->tsc_adjust));
		cpu->tsc_adjust = val;
		return 0;
	case MSR_FEATURE_CONTROL: return -1;		/* locked */
	case MSR_UCODE_REV: cpu->ucode_rev = 0; return 0;
	case MSR_SYSENTER_CS: cpu->sysenter_cs = val & 0xffff; return 0;
	case MSR_SYSENTER_ESP: cpu->sysenter_esp = val; return 0;
	case MSR_SYSENTER_EIP: cpu->sysenter_eip = val; return 0;
	case MSR_MCG_STATUS: return val ? -1 : 0;
	case MSR_MISC_ENABLE: cpu->misc_enable = val; return 0;
	case MSR_PAT:
		for (int i = 0; i < 8; i++) {
			unsigned t = (val >> (8 * i)) & 0xff;
			if (!(mtrr_type_ok(t) || t == 7))
				return -1;
		}
		cpu->pat = val;
		return 0;
	case MSR_MTRR_DEF_TYPE:
		if ((val & ~0xcffull) || !mtrr_type_ok(val & 0xff))
			return -1;
		cpu->mtrr_def = val;
		return 0;
	case MSR_EFER: {
		uint64_t ok = EFER_SCE | EFER_LME | EFER_NXE;

		if (val & ~(ok | EFER_LMA))
			return -1;
		/* LME cannot change while paging is on */
		if ((cpu->cr0 & CR0_PG) && ((val ^ cpu->efer) & EFER_LME))
			return -1;
		cpu->efer = (val & ok) | (cpu->efer & EFER_LMA);
		tlb_flush(cpu, true);
		return 0;
	}
	case MSR_STAR: cpu->star = val; return 0;
	case MSR_LSTAR: if (!canonical(val)) return -1; cpu->lstar = val; return 0;
	case MSR_CSTAR: if (!canonical(val)) return -1; cpu->cstar = val; return 0;
	case MSR_SFMASK: cpu->sfmask = val & 0xffffffffull; return 0;
	case MSR_FS_BASE:
		if (!canonical(val)) return -1;
		cpu->seg[SEG_FS].d.base = val;
		seg_update_cache(cpu, SEG_FS);
		return 0;
	case MSR_GS_BASE:
		if (!canonical(val)) return -1;
		cpu->seg[SEG_GS].d.base = val;
		seg_update_cache(cpu, SEG_GS);
		return 0;
	case MSR_KERNEL_GS_BASE: if (!canonical(val)) return -1; cpu->kernel_gs_base = val; return 0;
	case MSR_TSC_AUX: cpu->tsc_aux = val & 0xffffffffull; return 0;
	}
	if (log_enabled(LOG_UNIMP))
		board_log(LOG_UNIMP, "tcg: wrmsr %#x <- %#llx unknown (#GP)", msr,
			  (unsigned long long)val);
	return -1;
}

/* ---- control registers ---- */
#define CR4_KNOWN	(CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | \
			 (1ull << 6) | CR4_PGE | (1ull << 8) |	/* + MCE, PCE */ \
			 CR4_OSFXSR | CR4_OSXMMEXCPT)

void cpu_write_cr(struct tcg_cpu *cpu, unsigned n, uint64_t v)
{
	uint64_t old;

	switch (n) {
	case 0:
		old = cpu->cr0;
		v |= CR0_ET;
		if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
			cpu_gp(cpu, 0);
		if ((v & CR0_PG) && !(old & CR0_PG) && (cpu->efer & EFER_LME)) {
			if (!(cpu->cr4 & CR4_PAE))
				cpu_gp(cpu, 0);
			cpu->efer |= EFER_LMA;
		}
		if (!(v & CR0_PG) && (old & CR0_PG) && (cpu->efer & EFER_LMA)) {
			if (cpu->code_bits == 64)
				cpu_gp(cpu, 0);
			cpu->efer &= ~EFER_LMA;
		}
		cpu->cr0 = v & 0xe005003full;
		if ((old ^ cpu->cr0) & (CR0_PG | CR0_WP | CR0_PE))
			tlb_flush(cpu, true);
		if (!(cpu->cr0 & CR0_PE))
			cpu_set_cpl(cpu, 0);
		cpu_update_mode(cpu);
		break;
	case 2:
		cpu->cr2 = v;
		break;
	case 3:
		cpu->cr3 = cpu->code_bits == 64 ? v : (uint32_t)v;
		tlb_flush(cpu, false);
		break;
	case 4:
		if (v & ~CR4_KNOWN)
			cpu_gp(cpu, 0);
		if ((cpu->efer & EFER_LMA) && !(v & CR4_PAE))
			cpu_gp(cpu, 0);
		old = cpu->cr4;
		cpu->cr4 = v;
		if ((old ^ v) & (CR4_PSE | CR4_PAE | CR4_PGE))
			tlb_flush(cpu, true);
		break;
	case 8:
		if (v & ~0xfull)
			cpu_gp(cpu, 0);
		cpu->cr8 = v;
		break;
	default:
		cpu_ud(cpu);
	}
	cpu->stop_block = true;
}
