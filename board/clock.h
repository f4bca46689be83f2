/*
 * Virtual clock and timers for device models.
 *
 * clock_ns() is nanoseconds of guest time (CLOCK_MONOTONIC since the board
 * started, unless a test installed a fake clock). Timers live in a
 * timer_list that the main loop owns: it sleeps until timer_list_next()
 * and then calls timer_list_run(). Device models arm timers with
 * timer_mod() under the board lock; the callback also runs under it.
 */
#ifndef BOARD_CLOCK_H
#define BOARD_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define NS_PER_SEC 1000000000ull
#define TIMER_NEVER UINT64_MAX

struct timer_list;

struct board_timer {
	void (*cb)(void *opaque);
	void *opaque;
	uint64_t deadline;		/* TIMER_NEVER when not armed */
	struct timer_list *list;
	struct board_timer *next;	/* list link, sorted by deadline */
};

struct timer_list {
	struct board_timer *head;
	/* called (outside any lock ordering concern: just a write to an eventfd)
	 * when a newly armed timer becomes the earliest, so the loop re-arms */
	void (*notify)(void *opaque);
	void *notify_opaque;
};

uint64_t clock_ns(void);
/* Tests: freeze the clock at ns (and move it with clock_fake_set()); 0 restores the real one. */
void clock_fake_enable(bool on);
void clock_fake_set(uint64_t ns);

void timer_list_init(struct timer_list *l);
void timer_init(struct board_timer *t, struct timer_list *l, void (*cb)(void *), void *opaque);
void timer_mod(struct board_timer *t, uint64_t deadline_ns);
void timer_del(struct board_timer *t);
static inline bool timer_pending(const struct board_timer *t) { return t->deadline != TIMER_NEVER; }
/* Earliest deadline or TIMER_NEVER. */
uint64_t timer_list_next(const struct timer_list *l);
/* Run (and disarm) every timer whose deadline <= now; returns how many ran. */
int timer_list_run(struct timer_list *l, uint64_t now);

#endif
