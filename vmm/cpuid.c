/*
 * CPUID feature names, models and the -cpu filter (see cpuid.h).
 * Names and bit positions follow the SDM's CPUID tables and QEMU's spelling.
 */
#include "vmm/cpuid.h"
#include "vmm/cli.h"

#include <stdio.h>
#include <string.h>

#define F(n, l, r, b)	{ n, l, 0, CPUID_##r, b }
#define F7(n, r, b)	{ n, 7, 0, CPUID_##r, b }
#define LEAF_EXT	0x80000001u

static const struct cpuid_feature features[] = {
	/* leaf 1 EDX */
	F("fpu", 1, EDX, 0), F("vme", 1, EDX, 1), F("de", 1, EDX, 2), F("pse", 1, EDX, 3),
	F("tsc", 1, EDX, 4), F("msr", 1, EDX, 5), F("pae", 1, EDX, 6), F("mce", 1, EDX, 7),
	F("cx8", 1, EDX, 8), F("apic", 1, EDX, 9), F("sep", 1, EDX, 11), F("mtrr", 1, EDX, 12),
	F("pge", 1, EDX, 13), F("mca", 1, EDX, 14), F("cmov", 1, EDX, 15), F("pat", 1, EDX, 16),
	F("pse36", 1, EDX, 17), F("pn", 1, EDX, 18), F("clflush", 1, EDX, 19), F("ds", 1, EDX, 21),
	F("acpi", 1, EDX, 22), F("mmx", 1, EDX, 23), F("fxsr", 1, EDX, 24), F("sse", 1, EDX, 25),
	F("sse2", 1, EDX, 26), F("ss", 1, EDX, 27), F("ht", 1, EDX, 28), F("tm", 1, EDX, 29),
	F("ia64", 1, EDX, 30), F("pbe", 1, EDX, 31),
	/* leaf 1 ECX */
	F("pni", 1, ECX, 0), F("sse3", 1, ECX, 0), F("pclmulqdq", 1, ECX, 1),
	F("pclmuldq", 1, ECX, 1), F("dtes64", 1, ECX, 2), F("monitor", 1, ECX, 3),
	F("ds-cpl", 1, ECX, 4), F("vmx", 1, ECX, 5), F("smx", 1, ECX, 6), F("est", 1, ECX, 7),
	F("tm2", 1, ECX, 8), F("ssse3", 1, ECX, 9), F("cid", 1, ECX, 10), F("fma", 1, ECX, 12),
	F("cx16", 1, ECX, 13), F("xtpr", 1, ECX, 14), F("pdcm", 1, ECX, 15), F("pcid", 1, ECX, 17),
	F("dca", 1, ECX, 18), F("sse4.1", 1, ECX, 19), F("sse4-1", 1, ECX, 19),
	F("sse4.2", 1, ECX, 20), F("sse4-2", 1, ECX, 20), F("x2apic", 1, ECX, 21),
	F("movbe", 1, ECX, 22), F("popcnt", 1, ECX, 23), F("tsc-deadline", 1, ECX, 24),
	F("aes", 1, ECX, 25), F("xsave", 1, ECX, 26), F("osxsave", 1, ECX, 27),
	F("avx", 1, ECX, 28), F("f16c", 1, ECX, 29), F("rdrand", 1, ECX, 30),
	F("hypervisor", 1, ECX, 31),
	/* leaf 7.0 EBX */
	F7("fsgsbase", EBX, 0), F7("tsc-adjust", EBX, 1), F7("bmi1", EBX, 3), F7("hle", EBX, 4),
	F7("avx2", EBX, 5), F7("smep", EBX, 7), F7("bmi2", EBX, 8), F7("erms", EBX, 9),
	F7("invpcid", EBX, 10), F7("rtm", EBX, 11), F7("mpx", EBX, 14), F7("avx512f", EBX, 16),
	F7("avx512dq", EBX, 17), F7("rdseed", EBX, 18), F7("adx", EBX, 19), F7("smap", EBX, 20),
	F7("avx512ifma", EBX, 21), F7("clflushopt", EBX, 23), F7("clwb", EBX, 24),
	F7("avx512pf", EBX, 26), F7("avx512er", EBX, 27), F7("avx512cd", EBX, 28),
	F7("sha-ni", EBX, 29), F7("avx512bw", EBX, 30), F7("avx512vl", EBX, 31),
	/* leaf 7.0 ECX */
	F7("avx512vbmi", ECX, 1), F7("umip", ECX, 2), F7("pku", ECX, 3), F7("ospke", ECX, 4),
	F7("waitpkg", ECX, 5), F7("avx512vbmi2", ECX, 6), F7("gfni", ECX, 8), F7("vaes", ECX, 9),
	F7("vpclmulqdq", ECX, 10), F7("avx512vnni", ECX, 11), F7("avx512bitalg", ECX, 12),
	F7("avx512-vpopcntdq", ECX, 14), F7("la57", ECX, 16), F7("rdpid", ECX, 22),
	F7("cldemote", ECX, 25), F7("movdiri", ECX, 27), F7("movdir64b", ECX, 28),
	/* leaf 7.0 EDX */
	F7("fsrm", EDX, 4), F7("md-clear", EDX, 10), F7("serialize", EDX, 14),
	F7("tsx-ldtrk", EDX, 16), F7("spec-ctrl", EDX, 26), F7("stibp", EDX, 27),
	F7("arch-capabilities", EDX, 29), F7("ssbd", EDX, 31),
	/* leaf 0x80000001 EDX */
	F("syscall", LEAF_EXT, EDX, 11), F("nx", LEAF_EXT, EDX, 20), F("xd", LEAF_EXT, EDX, 20),
	F("mmxext", LEAF_EXT, EDX, 22), F("fxsr-opt", LEAF_EXT, EDX, 25),
	F("pdpe1gb", LEAF_EXT, EDX, 26), F("rdtscp", LEAF_EXT, EDX, 27), F("lm", LEAF_EXT, EDX, 29),
	F("i64", LEAF_EXT, EDX, 29), F("3dnowext", LEAF_EXT, EDX, 30), F("3dnow", LEAF_EXT, EDX, 31),
	/* leaf 0x80000001 ECX */
	F("lahf-lm", LEAF_EXT, ECX, 0), F("cmp-legacy", LEAF_EXT, ECX, 1), F("svm", LEAF_EXT, ECX, 2),
	F("extapic", LEAF_EXT, ECX, 3), F("cr8legacy", LEAF_EXT, ECX, 4), F("abm", LEAF_EXT, ECX, 5),
	F("sse4a", LEAF_EXT, ECX, 6), F("misalignsse", LEAF_EXT, ECX, 7),
	F("3dnowprefetch", LEAF_EXT, ECX, 8), F("osvw", LEAF_EXT, ECX, 9), F("ibs", LEAF_EXT, ECX, 10),
	F("xop", LEAF_EXT, ECX, 11), F("skinit", LEAF_EXT, ECX, 12), F("wdt", LEAF_EXT, ECX, 13),
	F("lwp", LEAF_EXT, ECX, 15), F("fma4", LEAF_EXT, ECX, 16), F("tce", LEAF_EXT, ECX, 17),
	F("nodeid-msr", LEAF_EXT, ECX, 19), F("tbm", LEAF_EXT, ECX, 21), F("topoext", LEAF_EXT, ECX, 22),
	F("perfctr-core", LEAF_EXT, ECX, 23), F("perfctr-nb", LEAF_EXT, ECX, 24),
};

/* Features a named model keeps (QEMU's qemu64/kvm64 baseline); NULL-terminated. */
static const char *const model_64[] = {
	"fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "mtrr", "pge",
	"mca", "cmov", "pat", "pse36", "clflush", "mmx", "fxsr", "sse", "sse2",
	"pni", "cx16", "x2apic", "tsc-deadline", "hypervisor",
	"syscall", "nx", "lm", "lahf-lm", NULL
};
static const char *const model_32[] = {
	"fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "mtrr", "pge",
	"mca", "cmov", "pat", "pse36", "clflush", "mmx", "fxsr", "sse", "sse2",
	"pni", "x2apic", "tsc-deadline", "hypervisor", NULL
};
static const char *const model_base[] = { "hypervisor", NULL };

static const struct {
	const char *name;
	const char *const *keep;	/* NULL: everything the accelerator offers */
} models[] = {
	{ "max", NULL }, { "host", NULL },
	{ "qemu64", model_64 }, { "kvm64", model_64 },
	{ "qemu32", model_32 }, { "kvm32", model_32 },
	{ "base", model_base },
};

/* The registers a model mask governs; other leaves pass through unchanged. */
static const struct { uint32_t leaf; enum cpuid_reg reg; } masked_regs[] = {
	{ 1, CPUID_ECX }, { 1, CPUID_EDX }, { 7, CPUID_EBX }, { 7, CPUID_ECX },
	{ 7, CPUID_EDX }, { LEAF_EXT, CPUID_ECX }, { LEAF_EXT, CPUID_EDX },
};

static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = *a == '_' ? '-' : *a, cb = *b == '_' ? '-' : *b;
		if (ca != cb)
			return false;
	}
	return *a == *b;
}

const struct cpuid_feature *cpuid_feature_find(const char *name)
{
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		if (name_eq(name, features[i].name))
			return &features[i];
		/* "sse4_1" spelled with '_' for the '.' */
		if (strchr(features[i].name, '.')) {
			char alt[32];
			snprintf(alt, sizeof(alt), "%s", features[i].name);
			*strchr(alt, '.') = '-';
			if (name_eq(name, alt))
				return &features[i];
		}
	}
	return NULL;
}

static int model_index(const char *model)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (!strcmp(models[i].name, model))
			return (int)i;
	return -1;
}

bool cpuid_model_known(const char *model)
{
	return model_index(model) >= 0;
}

const char *cpuid_model_list(void)
{
	return "max host qemu64 kvm64 qemu32 kvm32 base";
}

struct cpuid_leaf *cpuid_find(struct cpuid_leaf *leaves, unsigned n, uint32_t function,
			      uint32_t index)
{
	for (unsigned i = 0; i < n; i++)
		if (leaves[i].function == function && (!leaves[i].indexed || leaves[i].index == index))
			return &leaves[i];
	return NULL;
}

static uint32_t *leaf_reg(struct cpuid_leaf *l, enum cpuid_reg r)
{
	switch (r) {
	case CPUID_EAX: return &l->eax;
	case CPUID_EBX: return &l->ebx;
	case CPUID_ECX: return &l->ecx;
	default: return &l->edx;
	}
}

int cpuid_apply(struct cpuid_leaf *leaves, unsigned n, const char *model,
		const struct cpu_flag *flags, unsigned nflags, char *err, size_t errlen)
{
	int mi = model_index(model ? model : "max");

	if (mi < 0) {
		snprintf(err, errlen, "-cpu: unknown model '%s'", model);
		return -1;
	}
	/* What the accelerator offers, before any masking: +flag is checked against it. */
	for (unsigned f = 0; f < nflags; f++) {
		const struct cpuid_feature *cf = cpuid_feature_find(flags[f].name);
		struct cpuid_leaf *l;

		if (!cf) {
			snprintf(err, errlen, "-cpu: unknown feature '%s'", flags[f].name);
			return -1;
		}
		l = cpuid_find(leaves, n, cf->leaf, cf->subleaf);
		if (flags[f].on && (!l || !(*leaf_reg(l, cf->reg) & (1u << cf->bit)))) {
			snprintf(err, errlen, "-cpu: feature '%s' is not available on this accelerator",
				 flags[f].name);
			return -1;
		}
	}
	if (models[mi].keep) {
		for (size_t m = 0; m < sizeof(masked_regs) / sizeof(masked_regs[0]); m++) {
			struct cpuid_leaf *l = cpuid_find(leaves, n, masked_regs[m].leaf, 0);
			uint32_t keep = 0;

			if (!l)
				continue;
			for (const char *const *k = models[mi].keep; *k; k++) {
				const struct cpuid_feature *cf = cpuid_feature_find(*k);
				if (cf && cf->leaf == masked_regs[m].leaf && cf->reg == masked_regs[m].reg)
					keep |= 1u << cf->bit;
			}
			*leaf_reg(l, masked_regs[m].reg) &= keep;
		}
	}
	for (unsigned f = 0; f < nflags; f++) {
		const struct cpuid_feature *cf = cpuid_feature_find(flags[f].name);
		struct cpuid_leaf *l = cpuid_find(leaves, n, cf->leaf, cf->subleaf);

		if (!l)
			continue;
		if (flags[f].on)
			*leaf_reg(l, cf->reg) |= 1u << cf->bit;
		else
			*leaf_reg(l, cf->reg) &= ~(1u << cf->bit);
	}
	return 0;
}

void cpuid_set_vcpu(struct cpuid_leaf *leaves, unsigned n, unsigned apic_id, unsigned ncpus)
{
	for (unsigned i = 0; i < n; i++) {
		struct cpuid_leaf *l = &leaves[i];

		switch (l->function) {
		case 1:
			l->ebx = (l->ebx & 0x0000ffffu) | (apic_id & 0xffu) << 24 |
				 (ncpus > 255 ? 255u : ncpus) << 16;
			if (ncpus > 1)
				l->edx |= 1u << 28;	/* HTT: the count field is valid */
			break;
		case 0xb:
		case 0x1f:
			l->edx = apic_id;
			break;
		}
	}
}
