/*
 * One software CPU on flat RAM, for the tcg suites that run assembled
 * 64-bit programs (test_tcg_fast.c, test_tcg_long.c): no board; port 0xf4
 * ends the program with its value, other ports read all ones, MMIO zeros.
 * Each suite builds its own page tables, GDT, IDT and entry state.
 */
#ifndef TESTS_UNIT_TCG_FIXTURE_H
#define TESTS_UNIT_TCG_FIXTURE_H

#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"
#include "vmm/accel/tcg/tcg.h"
#include "vmm/accel/tcg/tcg_model.h"

struct tcg_fixture {
	uint8_t *ram;
	uint64_t ram_size;
	struct tcg_vm vm;
	struct accel_host host;
	struct tcg_cpu *cpu;
	struct vcpu vcpu;
	bool exited;
	int exit_code;
};

static void fix_pio(void *opaque, uint16_t port, void *data, unsigned size, bool is_write)
{
	struct tcg_fixture *f = opaque;

	if (!is_write) {
		memset(data, 0xff, size);
		return;
	}
	if (port == 0xf4) {
		f->exited = true;
		f->exit_code = *(uint8_t *)data;
		atomic_store(&f->cpu->exit_req, 1);
	}
}

static void fix_mmio(void *opaque, uint64_t gpa, void *data, unsigned len, bool is_write)
{
	if (!is_write)
		memset(data, 0, len);
}

static void fix_event(void *opaque, struct vcpu *v, enum accel_event ev)
{
}

static inline void fix_wr64(struct tcg_fixture *f, uint64_t a, uint64_t v)
{
	ck_assert(a + 8 <= f->ram_size);
	memcpy(f->ram + a, &v, 8);
}

static inline uint64_t fix_rd64(struct tcg_fixture *f, uint64_t a)
{
	uint64_t v;

	ck_assert(a + 8 <= f->ram_size);
	memcpy(&v, f->ram + a, 8);
	return v;
}

static inline struct cpu_segment fix_seg(uint16_t sel, uint64_t desc)
{
	struct cpu_segment d = { 0 };

	desc_to_seg(&d, sel, (uint32_t)desc, (uint32_t)(desc >> 32));
	return d;
}

/* RAM from 0, one vCPU with our CPUID model, not yet started (the caller sets its state) */
static inline void fix_init(struct tcg_fixture *f, uint64_t ram_size)
{
	struct accel_mem mem;

	memset(f, 0, sizeof(*f));
	f->ram_size = ram_size;
	f->ram = calloc(1, ram_size);
	ck_assert_ptr_nonnull(f->ram);
	f->host = (struct accel_host){ .opaque = f, .pio = fix_pio, .mmio = fix_mmio,
				       .event = fix_event };
	f->vm.host = &f->host;
	f->vm.ncpus = 1;
	f->vm.cpuid = calloc(TCG_MAX_LEAVES, sizeof(*f->vm.cpuid));
	ck_assert_ptr_nonnull(f->vm.cpuid);
	f->vm.ncpuid = tcg_cpuid_model(f->vm.cpuid, TCG_MAX_LEAVES, false);
	mem = (struct accel_mem){ 0, ram_size, f->ram, false };
	ck_assert_int_eq(tcg_vm_set_memory(&f->vm, &mem, 1), 0);
	f->cpu = tcg_cpu_new(&f->vm, 0);
	ck_assert_ptr_nonnull(f->cpu);
	f->cpu->v = &f->vcpu;
}

static inline void fix_fini(struct tcg_fixture *f)
{
	tcg_cpu_free(f->cpu);
	tcg_vm_free(&f->vm);
	free(f->ram);
}

/* Assemble src (as --64) and link it to run at `at`; its image must end
 * before `limit`. False, with the tool's message, if that fails. */
static inline bool fix_load_asm(struct tcg_fixture *f, const char *src, uint64_t at,
				uint64_t limit)
{
	uint8_t *out;
	size_t len = 0;
	bool ok = false;

	out = harness_assemble(src, at, true, &len);
	if (out && at + len <= limit && limit <= f->ram_size) {
		memcpy(f->ram + at, out, len);
		ok = true;
	}
	free(out);
	return ok;
}

#endif
