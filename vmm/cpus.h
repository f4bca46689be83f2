/*
 * vCPU threads: one per vCPU, each calling the accelerator's vcpu_run() in a
 * loop; the main thread pauses them all (reset, memory changes), resumes and
 * stops them.
 *
 * Contract: cpus_pause() returns only when every vCPU thread is parked
 * outside vcpu_run(), so the caller may then reset or read vCPU state.
 * cpus_kick() wakes one vCPU (interrupt for a halted CPU, or a request).
 */
#ifndef VMM_CPUS_H
#define VMM_CPUS_H

#include <pthread.h>
#include <stdbool.h>

#include "vmm/accel/accel.h"

struct cpus {
	struct accel *accel;
	unsigned n;
	struct vcpu *v;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* vCPUs wait here; the main thread waits on done */
	pthread_cond_t done;
	unsigned parked;
	unsigned pause_req;		/* nested pauses */
	bool quit;
	bool *halted, *stopped;		/* per vCPU, under lock */
};

/* Create the vCPUs in the accelerator (no threads yet). */
int cpus_init(struct cpus *c, struct accel *a, unsigned n, const unsigned *apic_ids,
	      char *err, size_t errlen);
int cpus_start(struct cpus *c, char *err, size_t errlen);
void cpus_pause(struct cpus *c);
void cpus_resume(struct cpus *c);
/* Stop and join every thread, then destroy the vCPUs. */
void cpus_destroy(struct cpus *c);
void cpus_kick(struct cpus *c, struct vcpu *v);
void cpus_kick_all(struct cpus *c);

#endif
