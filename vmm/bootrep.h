/*
 * The boot report (-d boot): the steps one run went through, each with the
 * time since the VMM started, printed at exit to the -d sink (stderr or -D).
 *
 *   reset vector (power-on, and every reset with its cause)
 *   -> firmware: each new POST code (port 0x80), the firmware's first
 *      debug-console output, the fw_cfg items it fetches for -kernel
 *      (setup, kernel, initrd, command line, the linuxboot option ROM)
 *   -> kernel: the first serial output (its first line is quoted)
 *   -> exit (power-off, isa-debug-exit status, signal, error)
 *
 * The kernel's entry is not a step: neither accelerator reports the first
 * instruction at an address yet (it needs the breakpoint hook the gdb stub
 * also wants); the fw_cfg fetch and the first serial line bracket it.
 *
 * Contract: every bootrep_*() may be called from any thread (vCPU threads
 * with the board lock held included); they take the report's own lock and
 * never block on anything else. A NULL report ignores every call, so call
 * sites need no test. Steps beyond BOOTREP_MAX_STEPS are counted, not kept.
 */
#ifndef VMM_BOOTREP_H
#define VMM_BOOTREP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define BOOTREP_MAX_STEPS	96
#define BOOTREP_MAX_POST	48	/* POST code steps kept (Linux's io_delay writes port 0x80) */
#define BOOTREP_TEXT		96

struct bootrep;

struct bootrep *bootrep_new(void);
void bootrep_free(struct bootrep *r);

/* A free-form step ("machine created: pc, kvm, 1 vCPU"). */
void bootrep_step(struct bootrep *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The vCPUs start at the reset vector (cause: "power-on", "port 0xcf9", ...). */
void bootrep_reset(struct bootrep *r, const char *cause);
/* A byte written to the POST code port: a step when it differs from the last. */
void bootrep_postcode(struct bootrep *r, uint8_t code);
/* Output bytes: the first one of each sink is a step, with the first line quoted. */
void bootrep_serial(struct bootrep *r, uint8_t byte);
void bootrep_debugcon(struct bootrep *r, uint8_t byte);
/* The guest selected a fw_cfg item that marks a boot step (what: "the kernel"). */
void bootrep_fw_cfg(struct bootrep *r, const char *what);
/* The run ends. */
void bootrep_exit(struct bootrep *r, int status, const char *why);

/* Print the report (POST history from the board appended by the caller). */
void bootrep_print(struct bootrep *r, FILE *f);

#endif
