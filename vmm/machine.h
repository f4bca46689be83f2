/*
 * The machine: a board built from its description plus the command line,
 * an accelerator, vCPU threads and the main loop. Every call from vmm/ into
 * board/ and loader/ lives in machine.c (tracing through board/log.h aside),
 * so the API between the VMM and the board is in one place.
 *
 * Exit statuses, as QEMU's: guest power-off 0, isa-debug-exit (v << 1) | 1,
 * an error 1 (triple fault with -no-reboot, an unhandled exit, a bad option).
 */
#ifndef VMM_MACHINE_H
#define VMM_MACHINE_H

#include <stddef.h>

#include "vmm/cli.h"

struct machine;

/*
 * Build everything up to the point of running. Returns a machine, or NULL
 * with *status set: 0 when the command was fully served (dumpdtb=, dumpacpi=,
 * "-device help"), 1 with err filled on an error.
 */
struct machine *machine_create(const struct vm_config *cfg, int *status, char *err, size_t errlen);
/* Run the guest until it or the host ends it; returns the exit status. */
int machine_run(struct machine *m);
void machine_destroy(struct machine *m);

#endif
