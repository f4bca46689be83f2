/*
 * What the software CPU needs beyond accel.h, in one place:
 * - a vCPU's LAPIC: the board's (board_lapic(), board/board.h), found
 *   through accel_config.board once board_apic_setup() has run;
 * - guest-memory writes that bypass the CPU (device DMA): decoded code
 *   there must be dropped. Until accel.h carries it, the VMM calls
 *   tcg_mem_written() from its DMA paths. Proposed accel.h addition:
 *       struct accel_ops {
 *               ...
 *               // guest RAM was written behind the CPU's back; NULL if not needed
 *               void (*mem_written)(struct accel *a, uint64_t gpa, uint64_t len);
 *       };
 * - the instruction counter for `-d` at exit (printed by destroy()).
 */
#ifndef VMM_ACCEL_TCG_TCG_BOARD_H
#define VMM_ACCEL_TCG_TCG_BOARD_H

#include <stdint.h>

struct accel;
struct board;
struct lapic;
struct vcpu;

/* vCPU v's LAPIC on board b, or NULL (no board, or no LAPICs set up). */
struct lapic *tcg_board_lapic(struct board *b, struct vcpu *v);

/* Guest RAM [gpa, gpa+len) was written by a device: drop decoded code there. */
void tcg_mem_written(struct accel *a, uint64_t gpa, uint64_t len);

/* Guest instructions executed by all vCPUs so far. */
uint64_t tcg_icount(struct accel *a);

#endif
