/*
 * MC146818 RTC/CMOS (Motorola datasheet; the PC's CMOS layout as QEMU fills it).
 *
 * Time is kept as a base (Unix second + the clock_ns() at which it began);
 * the registers are computed from it when read. Flags in register C are
 * derived from the time that passed since they were last computed, so a
 * guest that polls register C sees the same flags as one that takes
 * interrupts, and the timer exists only to raise IRQ 8 on time.
 */
#include "board/rtc.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"

/* clock/calendar registers */
#define RTC_SECONDS		0x00
#define RTC_SECONDS_ALARM	0x01
#define RTC_MINUTES		0x02
#define RTC_MINUTES_ALARM	0x03
#define RTC_HOURS		0x04
#define RTC_HOURS_ALARM		0x05
#define RTC_DAY_OF_WEEK		0x06
#define RTC_DAY_OF_MONTH	0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d

#define REG_A_UIP		0x80
#define REG_A_DV_MASK		0x70
#define REG_A_DV_32K		0x20
#define REG_A_RS_MASK		0x0f

#define REG_B_SET		0x80
#define REG_B_PIE		0x40
#define REG_B_AIE		0x20
#define REG_B_UIE		0x10
#define REG_B_SQWE		0x08
#define REG_B_DM		0x04	/* 1: binary, 0: BCD */
#define REG_B_24H		0x02
#define REG_B_DSE		0x01

#define REG_C_IRQF		0x80
#define REG_C_PF		0x40
#define REG_C_AF		0x20
#define REG_C_UF		0x10
#define REG_C_EVENTS		(REG_C_PF | REG_C_AF | REG_C_UF)	/* same bits as the enables */

#define REG_D_VRT		0x80

#define RTC_INDEX_MASK		0x7f
#define RTC_NMI_DISABLE		0x80
#define ALARM_DONT_CARE		0xc0	/* an alarm byte with both top bits set matches all */

#define RTC_XTAL_HZ		32768
#define RTC_UIP_NS		244140	/* 8 cycles of 32.768 kHz before each update */
#define RTC_DV_EXIT_NS		500000000	/* first update 0.5 s after divider reset ends */
#define SEC_PER_DAY		86400

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct rtc_tm {
	int64_t year;
	unsigned mon, mday, wday, hour, min, sec;
};

static void civil_from_secs(int64_t t, struct rtc_tm *tm)
{
	int64_t days = floor_div(t, SEC_PER_DAY), tod = floor_mod(t, SEC_PER_DAY);
	int64_t z = days + 719468, era = floor_div(z, 146097), doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

	tm->mday = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = yoe + era * 400 + (tm->mon <= 2);
	tm->wday = (unsigned)floor_mod(days + 4, 7);	/* 1970-01-01 was a Thursday */
	tm->hour = (unsigned)(tod / 3600);
	tm->min = (unsigned)(tod / 60 % 60);
	tm->sec = (unsigned)(tod % 60);
}

/* ---- register encoding ---- */

static bool rtc_binary(const struct rtc *rtc)
{
	return rtc->cmos[RTC_REG_B] & REG_B_DM;
}

static uint8_t rtc_enc(const struct rtc *rtc, unsigned v)
{
	v %= 100;
	return rtc_binary(rtc) ? v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned rtc_dec(const struct rtc *rtc, uint8_t v)
{
	return rtc_binary(rtc) ? v : (v >> 4) * 10 + (v & 0xf);
}

static uint8_t rtc_enc_hour(const struct rtc *rtc, unsigned h)
{
	if (rtc->cmos[RTC_REG_B] & REG_B_24H)
		return rtc_enc(rtc, h);
	return rtc_enc(rtc, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0);
}

static unsigned rtc_dec_hour(const struct rtc *rtc, uint8_t v)
{
	unsigned h;

	if (rtc->cmos[RTC_REG_B] & REG_B_24H)
		return rtc_dec(rtc, v);
	h = rtc_dec(rtc, v & 0x7f) % 12;
	return (v & 0x80) ? h + 12 : h;
}

/* ---- time base ---- */

static bool rtc_divider_running(const struct rtc *rtc)
{
	return (rtc->cmos[RTC_REG_A] & REG_A_DV_MASK) <= REG_A_DV_32K;
}

static bool rtc_updating(const struct rtc *rtc)
{
	return rtc_divider_running(rtc) && !(rtc->cmos[RTC_REG_B] & REG_B_SET);
}

static int64_t rtc_elapsed_ns(const struct rtc *rtc, uint64_t now)
{
	return (int64_t)now - rtc->base_ns;
}

static int64_t rtc_sec_at(const struct rtc *rtc, uint64_t now)
{
	return rtc->base_sec + floor_div(rtc_elapsed_ns(rtc, now), NS_PER_SEC);
}

/* Copy the running time into the registers (before they freeze or are read). */
static void rtc_store_time(struct rtc *rtc, uint64_t now)
{
	struct rtc_tm tm;

	civil_from_secs(rtc_sec_at(rtc, now), &tm);
	rtc->cmos[RTC_SECONDS] = rtc_enc(rtc, tm.sec);
	rtc->cmos[RTC_MINUTES] = rtc_enc(rtc, tm.min);
	rtc->cmos[RTC_HOURS] = rtc_enc_hour(rtc, tm.hour);
	rtc->cmos[RTC_DAY_OF_WEEK] = rtc_enc(rtc, tm.wday + 1);
	rtc->cmos[RTC_DAY_OF_MONTH] = rtc_enc(rtc, tm.mday);
	rtc->cmos[RTC_MONTH] = rtc_enc(rtc, tm.mon);
	rtc->cmos[RTC_YEAR] = rtc_enc(rtc, (unsigned)floor_mod(tm.year, 100));
	rtc->cmos[CMOS_CENTURY] = rtc_enc(rtc, (unsigned)floor_mod(floor_div(tm.year, 100), 100));
}

/* The time the registers hold, however odd the values a guest wrote. */
static int64_t rtc_load_time(const struct rtc *rtc)
{
	unsigned sec = rtc_dec(rtc, rtc->cmos[RTC_SECONDS]) % 60;
	unsigned min = rtc_dec(rtc, rtc->cmos[RTC_MINUTES]) % 60;
	unsigned hour = rtc_dec_hour(rtc, rtc->cmos[RTC_HOURS]) % 24;
	unsigned mday = rtc_dec(rtc, rtc->cmos[RTC_DAY_OF_MONTH]);
	unsigned mon = rtc_dec(rtc, rtc->cmos[RTC_MONTH]);
	unsigned year = rtc_dec(rtc, rtc->cmos[RTC_YEAR]) % 100;
	unsigned cent = rtc_dec(rtc, rtc->cmos[CMOS_CENTURY]);

	if (mon < 1 || mon > 12 || mday < 1 || mday > 31)
		guest_error("rtc: invalid date %u-%u\n", mon, mday);
	mon = mon < 1 ? 1 : mon > 12 ? 12 : mon;
	mday = mday < 1 ? 1 : mday > 31 ? 31 : mday;
	if (cent < 19 || cent > 99)
		cent = year < 70 ? 20 : 19;
	return days_from_civil((int64_t)cent * 100 + year, mon, mday) * SEC_PER_DAY +
	       hour * 3600 + min * 60 + sec;
}

/* Restart the time from the registers, keeping the divider chain's phase. */
static void rtc_rebase(struct rtc *rtc, uint64_t now, int64_t phase_ns)
{
	rtc->base_sec = rtc_load_time(rtc);
	rtc->base_ns = (int64_t)now - phase_ns;
}

static int64_t rtc_phase_ns(const struct rtc *rtc, uint64_t now)
{
	return floor_mod(rtc_elapsed_ns(rtc, now), NS_PER_SEC);
}

/* ---- events ---- */

/* Periodic rate in 32.768 kHz cycles, 0 when RS = 0. */
static uint64_t rtc_period_cycles(const struct rtc *rtc)
{
	unsigned rs = rtc->cmos[RTC_REG_A] & REG_A_RS_MASK;

	if (!rs)
		return 0;
	if (rs <= 2)
		rs += 7;	/* 256 and 128 Hz with the 32.768 kHz time base */
	return 1ull << (rs - 1);
}

/* Index of the last periodic tick at or before now. */
static int64_t rtc_pf_index(const struct rtc *rtc, uint64_t now, uint64_t cycles)
{
	__int128 num = (__int128)rtc_elapsed_ns(rtc, now) * RTC_XTAL_HZ;
	__int128 den = (__int128)NS_PER_SEC * cycles, q = num / den;

	if (num % den != 0 && num < 0)
		q--;
	return (int64_t)q;
}

static uint64_t rtc_pf_time(const struct rtc *rtc, int64_t index, uint64_t cycles)
{
	__int128 ns = ((__int128)index * cycles * NS_PER_SEC + RTC_XTAL_HZ - 1) / RTC_XTAL_HZ;

	ns += rtc->base_ns;
	return ns < 0 ? 0 : (uint64_t)ns;
}

static bool rtc_alarm_at(const struct rtc *rtc, int64_t t)
{
	struct rtc_tm tm;
	const uint8_t *c = rtc->cmos;

	civil_from_secs(t, &tm);
	return ((c[RTC_SECONDS_ALARM] & ALARM_DONT_CARE) == ALARM_DONT_CARE ||
		c[RTC_SECONDS_ALARM] == rtc_enc(rtc, tm.sec)) &&
	       ((c[RTC_MINUTES_ALARM] & ALARM_DONT_CARE) == ALARM_DONT_CARE ||
		c[RTC_MINUTES_ALARM] == rtc_enc(rtc, tm.min)) &&
	       ((c[RTC_HOURS_ALARM] & ALARM_DONT_CARE) == ALARM_DONT_CARE ||
		c[RTC_HOURS_ALARM] == rtc_enc_hour(rtc, tm.hour));
}

static void rtc_update_irq(struct rtc *rtc)
{
	uint8_t *c = &rtc->cmos[RTC_REG_C];

	if (*c & rtc->cmos[RTC_REG_B] & REG_C_EVENTS)
		*c |= REG_C_IRQF;
	else
		*c &= ~REG_C_IRQF;
	irq_set(&rtc->irq, !!(*c & REG_C_IRQF));
}

/* Set the flags of every event in (last_ns, now]. */
static void rtc_update_flags(struct rtc *rtc, uint64_t now)
{
	uint64_t cycles = rtc_period_cycles(rtc);
	int64_t s0, s1, t;

	if (now <= rtc->last_ns)
		return;
	if (rtc_divider_running(rtc) && cycles &&
	    rtc_pf_index(rtc, now, cycles) > rtc_pf_index(rtc, rtc->last_ns, cycles))
		rtc->cmos[RTC_REG_C] |= REG_C_PF;
	if (rtc_updating(rtc)) {
		s0 = rtc_sec_at(rtc, rtc->last_ns);
		s1 = rtc_sec_at(rtc, now);
		if (s1 > s0)
			rtc->cmos[RTC_REG_C] |= REG_C_UF;
		/* after a day every alarm has matched once */
		if (s1 - s0 > SEC_PER_DAY)
			s0 = s1 - SEC_PER_DAY;
		for (t = s0 + 1; t <= s1 && !(rtc->cmos[RTC_REG_C] & REG_C_AF); t++)
			if (rtc_alarm_at(rtc, t))
				rtc->cmos[RTC_REG_C] |= REG_C_AF;
	}
	rtc->last_ns = now;
	rtc_update_irq(rtc);
}

/* Arm the timer for the next event that can raise IRQF, if any. */
static void rtc_rearm(struct rtc *rtc, uint64_t now)
{
	uint8_t b = rtc->cmos[RTC_REG_B];
	uint64_t next = TIMER_NEVER, cycles = rtc_period_cycles(rtc), t;

	if (!rtc->has_timer)
		return;
	/* with IRQF set, nothing new can reach the line until register C is read */
	if (!(rtc->cmos[RTC_REG_C] & REG_C_IRQF)) {
		if ((b & REG_B_PIE) && cycles && rtc_divider_running(rtc))
			next = rtc_pf_time(rtc, rtc_pf_index(rtc, now, cycles) + 1, cycles);
		if ((b & (REG_B_UIE | REG_B_AIE)) && rtc_updating(rtc)) {
			t = (uint64_t)(rtc->base_ns +
				       (rtc_sec_at(rtc, now) - rtc->base_sec + 1) * (int64_t)NS_PER_SEC);
			if (t < next)
				next = t;
		}
	}
	if (next == TIMER_NEVER)
		timer_del(&rtc->timer);
	else
		timer_mod(&rtc->timer, next);
}

static void rtc_timer_cb(void *opaque)
{
	struct rtc *rtc = opaque;
	uint64_t now = clock_ns();

	rtc_update_flags(rtc, now);
	rtc_rearm(rtc, now);
}

/* ---- register access ---- */

static uint8_t rtc_read_reg(struct rtc *rtc, unsigned idx, uint64_t now)
{
	uint8_t v;

	switch (idx) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_DAY_OF_WEEK:
	case RTC_DAY_OF_MONTH:
	case RTC_MONTH:
	case RTC_YEAR:
	case CMOS_CENTURY:
		if (rtc_updating(rtc))
			rtc_store_time(rtc, now);
		return rtc->cmos[idx];
	case RTC_REG_A:
		v = rtc->cmos[RTC_REG_A] & ~REG_A_UIP;
		if (rtc_updating(rtc) && rtc_phase_ns(rtc, now) >= (int64_t)(NS_PER_SEC - RTC_UIP_NS))
			v |= REG_A_UIP;
		return v;
	case RTC_REG_C:
		rtc_update_flags(rtc, now);
		v = rtc->cmos[RTC_REG_C];
		rtc->cmos[RTC_REG_C] = 0;
		irq_set(&rtc->irq, 0);
		rtc_rearm(rtc, now);
		return v;
	case RTC_REG_D:
		return REG_D_VRT;
	default:
		return rtc->cmos[idx];
	}
}

static void rtc_write_reg_a(struct rtc *rtc, uint8_t val, uint64_t now)
{
	bool was_running = rtc_divider_running(rtc), running;

	if (was_running && !(rtc->cmos[RTC_REG_B] & REG_B_SET))
		rtc_store_time(rtc, now);	/* freeze what a divider reset holds */
	rtc->cmos[RTC_REG_A] = val & ~REG_A_UIP;
	running = rtc_divider_running(rtc);
	if (!was_running && running)
		rtc_rebase(rtc, now, NS_PER_SEC - RTC_DV_EXIT_NS);
}

static void rtc_write_reg_b(struct rtc *rtc, uint8_t val, uint64_t now)
{
	uint8_t old = rtc->cmos[RTC_REG_B];

	if ((val & REG_B_SET) && !(old & REG_B_SET)) {
		if (rtc_divider_running(rtc))
			rtc_store_time(rtc, now);
		val &= ~REG_B_UIE;	/* SET clears UIE */
	}
	if (val & REG_B_SET)
		val &= ~REG_B_UIE;
	rtc->cmos[RTC_REG_B] = val;
	if (!(val & REG_B_SET) && (old & REG_B_SET))
		rtc_rebase(rtc, now, rtc_phase_ns(rtc, now));
}

static void rtc_write_time_reg(struct rtc *rtc, unsigned idx, uint8_t val, uint64_t now)
{
	if (!rtc_updating(rtc)) {
		rtc->cmos[idx] = val;	/* held until SET or the divider reset ends */
		return;
	}
	/* while running, a write takes effect at once, in the current second */
	rtc_store_time(rtc, now);
	rtc->cmos[idx] = val;
	rtc_rebase(rtc, now, rtc_phase_ns(rtc, now));
}

static void rtc_write_reg(struct rtc *rtc, unsigned idx, uint8_t val, uint64_t now)
{
	/* account the events up to now under the old settings */
	rtc_update_flags(rtc, now);
	switch (idx) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_DAY_OF_WEEK:
	case RTC_DAY_OF_MONTH:
	case RTC_MONTH:
	case RTC_YEAR:
	case CMOS_CENTURY:
		rtc_write_time_reg(rtc, idx, val, now);
		break;
	case RTC_REG_A:
		rtc_write_reg_a(rtc, val, now);
		break;
	case RTC_REG_B:
		rtc_write_reg_b(rtc, val, now);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		guest_error("rtc: write %#x to read-only register %#x\n", val, idx);
		return;
	default:
		rtc->cmos[idx] = val;
		return;
	}
	rtc->last_ns = now;
	rtc_update_irq(rtc);
	rtc_rearm(rtc, now);
}

static uint8_t rtc_read_byte(struct rtc *rtc, unsigned port)
{
	if (port == 0)
		return 0xff;	/* the index register is write-only */
	return rtc_read_reg(rtc, rtc->index, clock_ns());
}

static void rtc_write_byte(struct rtc *rtc, unsigned port, uint8_t val)
{
	if (port == 0) {
		rtc->index = val & RTC_INDEX_MASK;
		rtc->nmi_masked = val & RTC_NMI_DISABLE;
		return;
	}
	rtc_write_reg(rtc, rtc->index, val, clock_ns());
}

static uint64_t rtc_read(void *opaque, uint64_t offset, unsigned size)
{
	uint64_t v = 0;
	unsigned i;

	if (size != 1)
		guest_error("rtc: %u-byte read at port %#llx\n", size,
			    (unsigned long long)(RTC_IOBASE + offset));
	for (i = 0; i < size && i < 8; i++) {
		uint64_t b = offset + i < RTC_IOSIZE ? rtc_read_byte(opaque, offset + i) : 0xff;

		v |= b << (8 * i);
	}
	return v;
}

static void rtc_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	unsigned i;

	if (size != 1)
		guest_error("rtc: %u-byte write at port %#llx\n", size,
			    (unsigned long long)(RTC_IOBASE + offset));
	for (i = 0; i < size && i < 8; i++)
		if (offset + i < RTC_IOSIZE)
			rtc_write_byte(opaque, offset + i, value >> (8 * i));
}

const struct bus_ops rtc_ops = {
	.read = rtc_read,
	.write = rtc_write,
};

/* ---- API ---- */

void rtc_set_time(struct rtc *rtc, int64_t unix_sec)
{
	uint64_t now = clock_ns();

	rtc_update_flags(rtc, now);
	rtc->base_sec = unix_sec;
	rtc->base_ns = (int64_t)now;
	rtc->last_ns = now;
	if (!rtc_updating(rtc))
		rtc_store_time(rtc, now);
	rtc_rearm(rtc, now);
}

int64_t rtc_get_time(struct rtc *rtc)
{
	uint64_t now = clock_ns();

	return rtc_updating(rtc) ? rtc_sec_at(rtc, now) : rtc_load_time(rtc);
}

void rtc_cmos_write(struct rtc *rtc, unsigned index, uint8_t val)
{
	if (index < RTC_CMOS_SIZE)
		rtc->cmos[index] = val;
}

uint8_t rtc_cmos_read(const struct rtc *rtc, unsigned index)
{
	return index < RTC_CMOS_SIZE ? rtc->cmos[index] : 0xff;
}

void rtc_set_memory_size(struct rtc *rtc, uint64_t below_4g, uint64_t above_4g, unsigned ncpus)
{
	const uint64_t kib = 1024, mib = 1024 * 1024;
	uint64_t v;

	v = below_4g / kib < 640 ? below_4g / kib : 640;
	rtc->cmos[CMOS_BASE_MEM_LO] = v;
	rtc->cmos[CMOS_BASE_MEM_HI] = v >> 8;
	v = below_4g > mib ? (below_4g - mib) / kib : 0;
	if (v > 65535)
		v = 65535;
	rtc->cmos[CMOS_EXT_MEM_LO] = rtc->cmos[CMOS_EXT_MEM2_LO] = v;
	rtc->cmos[CMOS_EXT_MEM_HI] = rtc->cmos[CMOS_EXT_MEM2_HI] = v >> 8;
	v = below_4g > 16 * mib ? (below_4g - 16 * mib) / (64 * kib) : 0;
	if (v > 65535)
		v = 65535;
	rtc->cmos[CMOS_MEM_16M_LO] = v;
	rtc->cmos[CMOS_MEM_16M_HI] = v >> 8;
	v = above_4g / (64 * kib);
	if (v > 0xffffff)
		v = 0xffffff;
	rtc->cmos[CMOS_MEM_4G_LO] = v;
	rtc->cmos[CMOS_MEM_4G_MID] = v >> 8;
	rtc->cmos[CMOS_MEM_4G_HI] = v >> 16;
	rtc->cmos[CMOS_NR_CPUS] = ncpus ? ncpus - 1 : 0;
}

bool rtc_nmi_masked(const struct rtc *rtc)
{
	return rtc->nmi_masked;
}

void rtc_reset(struct rtc *rtc)
{
	uint64_t now = clock_ns();

	rtc_update_flags(rtc, now);
	rtc->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
	rtc->cmos[RTC_REG_C] = 0;
	rtc->last_ns = now;
	irq_set(&rtc->irq, 0);
	rtc_rearm(rtc, now);
}

void rtc_init(struct rtc *rtc, struct timer_list *timers)
{
	struct timespec ts;
	uint64_t now = clock_ns();

	memset(rtc, 0, sizeof(*rtc));
	rtc->has_timer = timers != NULL;
	if (timers)
		timer_init(&rtc->timer, timers, rtc_timer_cb, rtc);
	rtc->cmos[RTC_REG_A] = REG_A_DV_32K | 0x06;	/* 1024 Hz, as QEMU */
	rtc->cmos[RTC_REG_B] = REG_B_24H;
	rtc->cmos[RTC_REG_D] = REG_D_VRT;
	/* align second boundaries with the host's */
	clock_gettime(CLOCK_REALTIME, &ts);
	rtc->base_sec = ts.tv_sec;
	rtc->base_ns = (int64_t)now - ts.tv_nsec;
	rtc->last_ns = now;
	rtc_store_time(rtc, now);
}

void rtc_destroy(struct rtc *rtc)
{
	if (rtc->has_timer)
		timer_del(&rtc->timer);
}

/* ---- device type "mc146818rtc" ---- */

struct rtc_dev {
	struct device dev;
	uint32_t iobase;
	uint64_t base_time;
	struct rtc rtc;
};

static const struct device_prop rtc_props[] = {
	DEVICE_PROP_U32("iobase", struct rtc_dev, iobase, RTC_IOBASE),
	/* Unix seconds at power-on; 0: the host's clock */
	DEVICE_PROP_U64("base-time", struct rtc_dev, base_time, 0),
	{ 0 }
};

static int rtc_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct rtc_dev *d = (struct rtc_dev *)dev;
	int r;

	if (d->iobase > 0x10000 - RTC_IOSIZE)
		return board_err(err, -EINVAL, "%s: property 'iobase': 0x%x is not an I/O port range",
				 dev->name, d->iobase);
	rtc_init(&d->rtc, &b->timers);
	if (d->base_time)
		rtc_set_time(&d->rtc, (int64_t)d->base_time);
	rtc_set_memory_size(&d->rtc, b->mem.below_4g, b->mem.ram_size - b->mem.below_4g, b->ncpus);
	r = device_connect_irq(dev, 0, &d->rtc.irq, err);
	if (!r)
		r = device_pio_register(dev, d->iobase, RTC_IOSIZE, &rtc_ops, &d->rtc, err);
	if (r < 0)
		rtc_destroy(&d->rtc);
	return r;
}

static void rtc_dev_reset(struct device *dev)
{
	rtc_reset(&((struct rtc_dev *)dev)->rtc);
}

static void rtc_unrealize(struct device *dev)
{
	rtc_destroy(&((struct rtc_dev *)dev)->rtc);
}

static struct device_type rtc_type = {
	.name = "mc146818rtc",
	.desc = "MC146818 RTC and CMOS RAM (QEMU's memory-size bytes)",
	.instance_size = sizeof(struct rtc_dev),
	.props = rtc_props,
	.realize = rtc_realize,
	.reset = rtc_dev_reset,
	.unrealize = rtc_unrealize,
};
DEVICE_TYPE(rtc_type);

struct rtc *board_rtc(struct board *b)
{
	struct device *dev;

	for (dev = b->devices; dev; dev = dev->next)
		if (dev->type == &rtc_type)
			return &((struct rtc_dev *)dev)->rtc;
	return NULL;
}
