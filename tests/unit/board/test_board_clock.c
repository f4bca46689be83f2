/*
 * Guest clock and timer lists: ordering, re-arming, deletion from callbacks,
 * the notify hook, the fake clock.
 */
#include <check.h>
#include <string.h>

#include "board/clock.h"

static char order[32];
static unsigned norder;

static void record(void *opaque)
{
	if (norder < sizeof(order) - 1)
		order[norder++] = *(const char *)opaque;
	order[norder] = '\0';
}

static void reset_record(void)
{
	norder = 0;
	order[0] = '\0';
}

START_TEST(test_fake_clock)
{
	clock_fake_enable(true);
	ck_assert_uint_eq(clock_ns(), 0);
	clock_fake_set(123456789);
	ck_assert_uint_eq(clock_ns(), 123456789);
	clock_fake_enable(false);
	ck_assert_uint_ne(clock_ns(), 123456789);
}
END_TEST

START_TEST(test_real_clock_monotonic)
{
	uint64_t a = clock_ns(), b;
	unsigned i;

	for (i = 0; i < 1000; i++) {
		b = clock_ns();
		ck_assert(b >= a);
		a = b;
	}
}
END_TEST

START_TEST(test_order_and_partial_run)
{
	struct timer_list l;
	struct board_timer a, b, c;

	reset_record();
	timer_list_init(&l);
	timer_init(&a, &l, record, "a");
	timer_init(&b, &l, record, "b");
	timer_init(&c, &l, record, "c");
	ck_assert(!timer_pending(&a));
	ck_assert_uint_eq(timer_list_next(&l), TIMER_NEVER);
	timer_mod(&c, 300);
	timer_mod(&a, 100);
	timer_mod(&b, 200);
	ck_assert(timer_pending(&b));
	ck_assert_uint_eq(timer_list_next(&l), 100);
	ck_assert_int_eq(timer_list_run(&l, 99), 0);
	ck_assert_int_eq(timer_list_run(&l, 150), 1);
	ck_assert_str_eq(order, "a");
	ck_assert(!timer_pending(&a));
	ck_assert_uint_eq(timer_list_next(&l), 200);
	ck_assert_int_eq(timer_list_run(&l, 1000), 2);
	ck_assert_str_eq(order, "abc");
	ck_assert_uint_eq(timer_list_next(&l), TIMER_NEVER);
}
END_TEST

START_TEST(test_mod_moves_and_del)
{
	struct timer_list l;
	struct board_timer a, b, c;

	reset_record();
	timer_list_init(&l);
	timer_init(&a, &l, record, "a");
	timer_init(&b, &l, record, "b");
	timer_init(&c, &l, record, "c");
	timer_mod(&a, 100);
	timer_mod(&b, 200);
	timer_mod(&c, 300);
	timer_mod(&a, 400);		/* re-arm: moves, not duplicated */
	timer_del(&b);
	timer_del(&b);			/* twice is harmless */
	ck_assert_uint_eq(timer_list_next(&l), 300);
	ck_assert_int_eq(timer_list_run(&l, 1000), 2);
	ck_assert_str_eq(order, "ca");
	timer_mod(&a, 50);
	timer_mod(&a, TIMER_NEVER);	/* disarms */
	ck_assert(!timer_pending(&a));
	ck_assert_int_eq(timer_list_run(&l, 1000), 0);
}
END_TEST

START_TEST(test_equal_deadlines_in_arming_order)
{
	struct timer_list l;
	struct board_timer t[4];
	static const char names[] = "wxyz";
	unsigned i;

	reset_record();
	timer_list_init(&l);
	for (i = 0; i < 4; i++)
		timer_init(&t[i], &l, record, (void *)&names[i]);
	timer_mod(&t[2], 10);
	timer_mod(&t[0], 10);
	timer_mod(&t[3], 10);
	timer_mod(&t[1], 5);
	ck_assert_int_eq(timer_list_run(&l, 10), 4);
	ck_assert_str_eq(order, "xywz");
}
END_TEST

static int notified;
static void count_notify(void *opaque)
{
	notified++;
}

START_TEST(test_notify_only_for_new_head)
{
	struct timer_list l;
	struct board_timer a, b;

	timer_list_init(&l);
	l.notify = count_notify;
	notified = 0;
	timer_init(&a, &l, record, "a");
	timer_init(&b, &l, record, "b");
	timer_mod(&a, 100);
	ck_assert_int_eq(notified, 1);
	timer_mod(&b, 200);		/* not the earliest: the loop's sleep is still right */
	ck_assert_int_eq(notified, 1);
	timer_mod(&b, 50);
	ck_assert_int_eq(notified, 2);
}
END_TEST

/* a periodic timer re-arming itself, and a callback deleting a due timer */
struct periodic {
	struct board_timer t;
	uint64_t period;
	int runs;
	struct board_timer *victim;
};

static void periodic_cb2(void *opaque)
{
	struct periodic *p = opaque;
	static uint64_t next = 100;

	p->runs++;
	if (p->victim)
		timer_del(p->victim);
	next += p->period;
	timer_mod(&p->t, next);
}

START_TEST(test_callbacks_rearm_and_delete)
{
	struct timer_list l;
	struct periodic p = { .period = 100 };
	struct board_timer victim;

	reset_record();
	timer_list_init(&l);
	timer_init(&p.t, &l, periodic_cb2, &p);
	timer_init(&victim, &l, record, "v");
	p.victim = &victim;
	timer_mod(&p.t, 100);
	timer_mod(&victim, 150);
	/* due at 100, 200, 300: each run re-arms 100 ns later; the victim (150) never runs */
	ck_assert_int_eq(timer_list_run(&l, 350), 3);
	ck_assert_int_eq(p.runs, 3);
	ck_assert_str_eq(order, "");
	ck_assert(!timer_pending(&victim));
	ck_assert_uint_eq(timer_list_next(&l), 400);
}
END_TEST

Suite *board_clock_suite(void)
{
	Suite *s = suite_create("board_clock");
	TCase *tc = tcase_create("clock");

	tcase_add_test(tc, test_fake_clock);
	tcase_add_test(tc, test_real_clock_monotonic);
	tcase_add_test(tc, test_order_and_partial_run);
	tcase_add_test(tc, test_mod_moves_and_del);
	tcase_add_test(tc, test_equal_deadlines_in_arming_order);
	tcase_add_test(tc, test_notify_only_for_new_head);
	tcase_add_test(tc, test_callbacks_rearm_and_delete);
	suite_add_tcase(s, tc);
	return s;
}
