/*
 * Intel 8254 programmable interval timer and the PC's port 0x61.
 *
 * Contract:
 * - Counters run at PIT_FREQ_HZ and are computed from clock_ns(), never
 *   polled: channel 0 arms one board_timer for its next output edge and drives
 *   `irq` (IRQ 0) with the OUT0 level; a rising edge the guest must see is
 *   always delivered as a 0->1 transition on the line.
 * - pit_ops serves ports 0x40-0x43 (register the region with length 4);
 *   pit_port61_ops serves port 0x61 (length 1): bit 0 gate 2, bit 1 speaker
 *   data, bits 2-3 stored, bit 4 refresh toggle (every 15.085 us), bit 5 OUT2.
 * - Modes 0-5, binary and BCD counting, counter latch and read-back commands,
 *   LSB / MSB / LSB-then-MSB access with the flip-flop; a count of 0 is 65536
 *   (10000 in BCD).
 * - Byte registers: wider accesses are split into bytes and logged.
 */
#ifndef BOARD_PIT_H
#define BOARD_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/clock.h"
#include "board/irq.h"

#define PIT_FREQ_HZ		1193182u
#define PIT_IOBASE		0x40
#define PIT_IOSIZE		4
#define PIT_PORT61		0x61
#define PIT_CHANNELS		3

struct pit_channel {
	uint32_t reload;	/* count register: 1..65536 (binary) or 1..10000 (BCD) */
	uint8_t mode;		/* 0-5 */
	uint8_t rw;		/* PIT_RW_* */
	bool bcd;
	bool gate;
	bool loaded;		/* a count has been written since the control word */
	bool running;		/* counting (loaded, triggered, gate allows) */
	bool triggered;		/* modes 1/5: a gate edge started the count */
	bool null_count;	/* status bit 6: count written but not yet in CE */
	bool write_msb_next;	/* RW LSB-then-MSB write flip-flop */
	bool read_msb_next;	/* ... and the read flip-flop */
	uint8_t write_lsb;	/* first byte of a two-byte count */
	/* latches */
	bool count_latched;
	bool latch_msb_next;
	uint16_t latched_count;
	bool status_latched;
	uint8_t latched_status;
	/* time base: ticks = base_ticks + ticks_since(load_ns) while running */
	uint64_t base_ticks;
	uint64_t load_ns;
	uint16_t frozen_count;	/* counter value while not counting */
};

struct pit {
	struct pit_channel ch[PIT_CHANNELS];
	struct irq_line irq;		/* OUT0 -> IRQ 0 */
	struct board_timer timer;	/* next OUT0 edge */
	bool has_timer;
	uint64_t irq_ticks;		/* channel 0 tick count at the last line update */
	uint8_t port61;			/* bits 0-3 as written */
};

extern const struct bus_ops pit_ops;
extern const struct bus_ops pit_port61_ops;

/* timers may be NULL (no IRQ 0 edges, e.g. a test of the counters alone). */
void pit_init(struct pit *pit, struct timer_list *timers);
void pit_reset(struct pit *pit);
void pit_destroy(struct pit *pit);

/* Current counter value and OUT level of a channel (for tests and the speaker). */
uint16_t pit_get_count(struct pit *pit, unsigned channel);
int pit_get_out(struct pit *pit, unsigned channel);
void pit_set_gate(struct pit *pit, unsigned channel, bool level);

#endif
