/*
 * POST code port (0x80): firmware writes progress codes here. The board
 * keeps the last one and a short history for the boot report.
 *
 * Contract: postcode_ops serves one port; a write records its low byte (a
 * repeat of the last code is counted, not stored again, so Linux's io_delay
 * writes do not flush the firmware's codes out), reads return all ones as on
 * QEMU. The history is kept across resets, so a report shows the codes of
 * the boot that hung even after a reset.
 */
#ifndef BOARD_POSTCODE_H
#define BOARD_POSTCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/bus.h"

#define POSTCODE_IOBASE		0x80
#define POSTCODE_HISTORY	32

struct board;

struct postcode {
	uint8_t last;
	bool written;			/* any code seen */
	uint64_t writes;		/* every write, repeats included */
	uint8_t hist[POSTCODE_HISTORY];	/* ring of distinct consecutive codes */
	unsigned head, count;
};

extern const struct bus_ops postcode_ops;

void postcode_init(struct postcode *p);
/* Copy up to max codes, oldest first; returns how many. */
size_t postcode_history(const struct postcode *p, uint8_t *out, size_t max);

/* The board's POST code port (first "port80" device), or NULL. */
struct postcode *board_postcode(struct board *b);

#endif
