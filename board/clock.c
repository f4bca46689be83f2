/*
 * Guest clock and timer lists. The list is singly linked and kept sorted by
 * deadline, so the main loop's question "when next?" is the head.
 */
#include <stdatomic.h>
#include <time.h>

#include "board/clock.h"

static atomic_bool fake_on;
static _Atomic uint64_t fake_ns;
static uint64_t start_ns;

static uint64_t host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

__attribute__((constructor)) static void clock_start(void)
{
	start_ns = host_ns();
}

uint64_t clock_ns(void)
{
	if (atomic_load(&fake_on))
		return atomic_load(&fake_ns);
	return host_ns() - start_ns;
}

void clock_fake_enable(bool on)
{
	atomic_store(&fake_ns, 0);
	atomic_store(&fake_on, on);
}

void clock_fake_set(uint64_t ns)
{
	atomic_store(&fake_ns, ns);
}

void timer_list_init(struct timer_list *l)
{
	l->head = NULL;
	l->notify = NULL;
	l->notify_opaque = NULL;
}

void timer_init(struct board_timer *t, struct timer_list *l, void (*cb)(void *), void *opaque)
{
	t->cb = cb;
	t->opaque = opaque;
	t->deadline = TIMER_NEVER;
	t->list = l;
	t->next = NULL;
}

static void timer_unlink(struct board_timer *t)
{
	struct board_timer **pp;

	if (!t->list)
		return;
	for (pp = &t->list->head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
}

void timer_del(struct board_timer *t)
{
	if (t->deadline == TIMER_NEVER)
		return;
	timer_unlink(t);
	t->deadline = TIMER_NEVER;
}

void timer_mod(struct board_timer *t, uint64_t deadline_ns)
{
	struct timer_list *l = t->list;
	struct board_timer **pp;

	timer_del(t);
	if (deadline_ns == TIMER_NEVER || !l)
		return;
	t->deadline = deadline_ns;
	/* after equal deadlines: timers armed for the same time run in arming order */
	for (pp = &l->head; *pp && (*pp)->deadline <= deadline_ns; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	if (l->head == t && l->notify)
		l->notify(l->notify_opaque);
}

uint64_t timer_list_next(const struct timer_list *l)
{
	return l->head ? l->head->deadline : TIMER_NEVER;
}

int timer_list_run(struct timer_list *l, uint64_t now)
{
	int ran = 0;

	/* callbacks may re-arm or delete any timer: always restart from the head */
	while (l->head && l->head->deadline <= now) {
		struct board_timer *t = l->head;

		l->head = t->next;
		t->next = NULL;
		t->deadline = TIMER_NEVER;
		if (t->cb)
			t->cb(t->opaque);
		ran++;
	}
	return ran;
}
