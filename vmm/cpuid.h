/*
 * CPUID features by name, CPU models, and the -cpu filter.
 *
 * Contract: pure functions over an array of leaves. The accelerator supplies
 * what it can offer (KVM_GET_SUPPORTED_CPUID, or TCG's own model);
 * cpuid_apply() masks it to the model and applies +flag/-flag, failing with a
 * message naming the first flag the accelerator cannot provide.
 */
#ifndef VMM_CPUID_H
#define VMM_CPUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

struct cpuid_feature {
	const char *name;
	uint32_t leaf, subleaf;
	enum cpuid_reg reg;
	unsigned bit;
};

struct cpuid_leaf {
	uint32_t function, index;
	bool indexed;			/* the subleaf (ECX) is significant */
	uint32_t eax, ebx, ecx, edx;
};

struct cpu_flag;

/* Lookup by QEMU's name ("sse4.1", "sse4_1", "lahf-lm", "lahf_lm" all work). */
const struct cpuid_feature *cpuid_feature_find(const char *name);
/* Is this a model name -cpu accepts? */
bool cpuid_model_known(const char *model);
/* Comma-separated list of models, for "-cpu help". */
const char *cpuid_model_list(void);

struct cpuid_leaf *cpuid_find(struct cpuid_leaf *leaves, unsigned n, uint32_t function,
			      uint32_t index);
/*
 * Restrict leaves to model (NULL: "max", all offered) and apply the flags.
 * Returns 0, or -1 with err set when a +flag is not offered.
 */
int cpuid_apply(struct cpuid_leaf *leaves, unsigned n, const char *model,
		const struct cpu_flag *flags, unsigned nflags, char *err, size_t errlen);
/* Per-vCPU fix-ups: APIC IDs in leaves 1, 0xB and 0x1F; logical CPU count. */
void cpuid_set_vcpu(struct cpuid_leaf *leaves, unsigned n, unsigned apic_id, unsigned ncpus);

#endif
