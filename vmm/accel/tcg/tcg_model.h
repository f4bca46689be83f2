/*
 * The software CPU's model: CPUID signature and leaves before -cpu shaping.
 */
#ifndef VMM_ACCEL_TCG_TCG_MODEL_H
#define VMM_ACCEL_TCG_TCG_MODEL_H

#include <stdbool.h>

#include "vmm/cpuid.h"

/* family 6, model 15, stepping 1 */
#define TCG_CPUID_SIGNATURE	0x000006f1u
#define TCG_MAX_LEAVES		32

/* Fill out[] with the leaves this CPU implements; returns how many. */
unsigned tcg_cpuid_model(struct cpuid_leaf *out, unsigned max, bool x2apic);

#endif
