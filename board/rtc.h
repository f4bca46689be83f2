/*
 * Motorola MC146818 real-time clock and 128 bytes of CMOS RAM.
 *
 * Contract:
 * - rtc_ops serves ports 0x70-0x71 (register the region with length 2):
 *   0x70 write = index (bits 0-6) and NMI mask (bit 7; kept, see
 *   rtc_nmi_masked()), 0x70 reads as 0xff, 0x71 = data. Wider accesses are
 *   split into bytes (outw 0x70 writes index then data, as on the ISA bus).
 * - The time runs from the host's wall clock (UTC) unless rtc_set_time()
 *   moves it; registers 0x00-0x09 and the century byte 0x32 read it in BCD or
 *   binary, 12 or 24 h, as register B says. Register A's divider (DV) and
 *   rate select (RS), register B's SET, PIE/AIE/UIE, register C's flags
 *   (cleared by reading, which also lowers `irq`), register D's VRT and the
 *   UIP bit (set for the 244 us before each update) behave as the datasheet.
 * - Interrupts are timers armed for the next event only while an enabled
 *   event can raise IRQF; flags of disabled events are computed on demand.
 * - rtc_reset() is the RESET pin: it clears PIE/AIE/UIE/SQWE and the flags
 *   and lowers the line; CMOS RAM and the time survive (battery-backed).
 */
#ifndef BOARD_RTC_H
#define BOARD_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/clock.h"
#include "board/irq.h"

#define RTC_IOBASE		0x70
#define RTC_IOSIZE		2
#define RTC_CMOS_SIZE		128

/* CMOS bytes firmware reads (QEMU's layout) */
#define CMOS_BASE_MEM_LO	0x15	/* KiB below 1 MiB (640) */
#define CMOS_BASE_MEM_HI	0x16
#define CMOS_EXT_MEM_LO		0x17	/* KiB above 1 MiB, capped at 65535 */
#define CMOS_EXT_MEM_HI		0x18
#define CMOS_EXT_MEM2_LO	0x30	/* same value again */
#define CMOS_EXT_MEM2_HI	0x31
#define CMOS_CENTURY		0x32
#define CMOS_MEM_16M_LO		0x34	/* 64 KiB units from 16 MiB to the end of low RAM */
#define CMOS_MEM_16M_HI		0x35
#define CMOS_MEM_4G_LO		0x5b	/* 64 KiB units above 4 GiB, 3 bytes */
#define CMOS_MEM_4G_MID		0x5c
#define CMOS_MEM_4G_HI		0x5d
#define CMOS_NR_CPUS		0x5f	/* CPU count - 1 */

struct rtc {
	uint8_t cmos[RTC_CMOS_SIZE];
	uint8_t index;
	bool nmi_masked;
	struct irq_line irq;		/* IRQ 8 */
	struct board_timer timer;
	bool has_timer;
	/* the divider chain: second k starts at base_ns + k s and reads base_sec + k */
	int64_t base_sec;		/* Unix seconds */
	int64_t base_ns;		/* clock_ns() time base, may be negative */
	uint64_t last_ns;		/* flags in register C are computed up to here */
};

extern const struct bus_ops rtc_ops;

/* Power-on: CMOS cleared, registers as QEMU sets them, time from the host. */
void rtc_init(struct rtc *rtc, struct timer_list *timers);
void rtc_reset(struct rtc *rtc);
void rtc_destroy(struct rtc *rtc);

/* Set the time (Unix seconds, UTC); a second starts now. */
void rtc_set_time(struct rtc *rtc, int64_t unix_sec);
int64_t rtc_get_time(struct rtc *rtc);

/* Raw CMOS access for the board (index >= 128 is ignored / reads 0xff). */
void rtc_cmos_write(struct rtc *rtc, unsigned index, uint8_t val);
uint8_t rtc_cmos_read(const struct rtc *rtc, unsigned index);

/* The memory-size and CPU-count bytes QEMU stores for SeaBIOS/qboot. */
void rtc_set_memory_size(struct rtc *rtc, uint64_t below_4g, uint64_t above_4g, unsigned ncpus);

bool rtc_nmi_masked(const struct rtc *rtc);

struct board;
/* The board's RTC (first "mc146818rtc" device), or NULL. */
struct rtc *board_rtc(struct board *b);

#endif
