/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reactor timers on a made-up clock (no EAL, no real time): deadline order,
 * cancel, re-arm, periodic without drift, a reactor that fell behind,
 * exhaustion, stale handles, and a million timers armed and cancelled with
 * none lost and none fired twice.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <tern/tern_reactor.h>

static int64_t fake_now;

static int64_t fake_clock(void *clockd)
{
	return *(int64_t *)clockd;
}

static struct tern_reactor *make(uint32_t max_timers)
{
	struct tern_reactor_opts o = { .max_timers = max_timers, .clock = fake_clock,
				       .clockd = &fake_now };
	struct tern_reactor *r = NULL;

	fake_now = 1000000;
	assert_int_equal(tern_reactor_create(&o, &r), 0);
	return r;
}

/* Step the made-up clock to `to` by `step`, a cycle at each. */
static void run_to(struct tern_reactor *r, int64_t to, int64_t step)
{
	while (fake_now < to) {
		fake_now = fake_now + step > to ? to : fake_now + step;
		tern_reactor_do_work(r);
	}
}

struct log {
	uint32_t n, max;
	int64_t *deadline;
	uintptr_t *who;
	uint32_t early;         /* fired before its deadline */
};

static void logged(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	struct log *l = clientd;
	int64_t d = tern_timer_deadline(r, id);

	if (tern_reactor_now_ns(r) < d)
		l->early++;
	if (l->n < l->max) {
		l->deadline[l->n] = d;
		l->who[l->n] = (uintptr_t)id;
	}
	l->n++;
}

static struct log *log_new(uint32_t max)
{
	struct log *l = calloc(1, sizeof(*l));

	l->max = max;
	l->deadline = calloc(max, sizeof(int64_t));
	l->who = calloc(max, sizeof(uintptr_t));
	return l;
}

static void log_free(struct log *l)
{
	free(l->deadline);
	free(l->who);
	free(l);
}

/* Knuth's MMIX LCG, high bits: a fixed sequence, so a failure repeats. */
static uint64_t rng = 1;

static uint64_t lcg(void)
{
	return (rng = rng * 6364136223846793005u + 1442695040888963407u) >> 16;
}

static void timers_fire_in_deadline_order_never_early(void **state)
{
	(void)state;
	struct tern_reactor *r = make(4096);
	struct log *l = log_new(4096);
	tern_timer_id ids[4096];

	for (unsigned i = 0; i < 4096; i++) {
		/* Deadlines over 5 ms, many sharing a tick or a ns. */
		int64_t d = fake_now + (int64_t)(lcg() % 5000000) / (i % 3 ? 1 : 1000) * (i % 3 ? 1 : 1000);
		assert_int_equal(tern_timer_arm(r, d, 0, 0, logged, l, &ids[i]), 0);
	}
	run_to(r, fake_now + 6000000, 7777);
	assert_int_equal(l->n, 4096);
	assert_int_equal(l->early, 0);
	for (unsigned i = 1; i < 4096; i++) {
		assert_true(l->deadline[i - 1] <= l->deadline[i]);
		/* Same deadline: in the order armed (ids grow with arm order
		 * here: fresh slots, one generation). */
		if (l->deadline[i - 1] == l->deadline[i])
			assert_true((uint32_t)l->who[i - 1] < (uint32_t)l->who[i]);
	}
	log_free(l);
	tern_reactor_destroy(r);
}

static tern_timer_id victim;

static void cancel_victim(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	(void)id;
	(void)clientd;
	assert_int_equal(tern_timer_cancel(r, victim), 0);
}

static void a_cancelled_timer_never_fires(void **state)
{
	(void)state;
	struct tern_reactor *r = make(16);
	struct log *l = log_new(16);
	tern_timer_id a, b;

	assert_int_equal(tern_timer_arm(r, fake_now + 1000, 0, 0, logged, l, &a), 0);
	assert_int_equal(tern_timer_cancel(r, a), 0);
	assert_int_equal(tern_timer_cancel(r, a), -ENOENT);
	/* Cancelled from the callback of a timer due in the same cycle. */
	assert_int_equal(tern_timer_arm(r, fake_now + 2000, 0, 0, cancel_victim, NULL, &b), 0);
	assert_int_equal(tern_timer_arm(r, fake_now + 2001, 0, 0, logged, l, &victim), 0);
	run_to(r, fake_now + 100000, 100000);
	assert_int_equal(l->n, 0);
	assert_int_equal(tern_timer_cancel(r, b), -ENOENT);     /* fired one-shot */
	log_free(l);
	tern_reactor_destroy(r);
}

static void rearm_moves_the_deadline_and_keeps_the_id(void **state)
{
	(void)state;
	struct tern_reactor *r = make(16);
	struct log *l = log_new(16);
	int64_t t0 = fake_now;
	tern_timer_id a;

	assert_int_equal(tern_timer_arm(r, t0 + 10000, 0, 0, logged, l, &a), 0);
	assert_int_equal(tern_timer_rearm(r, a, t0 + 50000), 0);
	run_to(r, t0 + 40000, 1000);
	assert_int_equal(l->n, 0);
	assert_int_equal(tern_timer_rearm(r, a, t0 + 45000), 0);    /* earlier again */
	run_to(r, t0 + 100000, 1000);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->deadline[0], t0 + 45000);
	assert_int_equal(l->who[0], a);
	assert_int_equal(tern_timer_rearm(r, a, t0), -ENOENT);
	log_free(l);
	tern_reactor_destroy(r);
}

static void periodic_timers_do_not_drift(void **state)
{
	(void)state;
	struct tern_reactor *r = make(16);
	struct log *l = log_new(2000);
	int64_t t0 = fake_now;

	/* Fired late each time (a 1024 ns tick, cycles 333 ns apart), still
	 * on the 10 us grid. */
	assert_int_equal(tern_timer_arm(r, t0 + 10000, 10000, 0, logged, l, NULL), 0);
	run_to(r, t0 + 10000000 + 2048, 333);   /* the last one is up to a tick late */
	assert_int_equal(l->n, 1000);
	for (unsigned k = 0; k < 1000; k++)
		assert_int_equal(l->deadline[k], t0 + 10000 * (k + 1));
	assert_int_equal(l->early, 0);
	log_free(l);
	tern_reactor_destroy(r);
}

static void a_reactor_that_fell_behind_fires_once_unless_catching_up(void **state)
{
	(void)state;
	struct tern_reactor *r = make(16);
	struct log *l = log_new(64), *c = log_new(64);
	int64_t t0 = fake_now;
	tern_timer_id a;

	assert_int_equal(tern_timer_arm(r, t0 + 1000, 1000, 0, logged, l, &a), 0);
	assert_int_equal(tern_timer_arm(r, t0 + 1000, 1000, TERN_TIMER_CATCHUP, logged, c, NULL), 0);
	fake_now = t0 + 10500;              /* ten periods missed */
	tern_reactor_do_work(r);
	assert_int_equal(l->n, 1);
	assert_int_equal(c->n, 10);         /* 1000, 2000, ... 10000 */
	assert_int_equal(c->deadline[9], t0 + 10000);
	/* Rescheduled to the schedule's next deadline after now. */
	assert_int_equal(tern_timer_deadline(r, a), t0 + 11000);
	log_free(l);
	log_free(c);
	tern_reactor_destroy(r);
}

static void arming_past_the_preallocated_count_is_refused(void **state)
{
	(void)state;
	struct tern_reactor *r = make(8);
	struct log *l = log_new(16);
	tern_timer_id ids[8], x, stale;

	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(tern_timer_arm(r, fake_now + 1000, 0, 0, logged, l, &ids[i]), 0);
	assert_int_equal(tern_timer_arm(r, fake_now + 1000, 0, 0, logged, l, &x), -ENOSPC);
	assert_int_equal(tern_timer_cancel(r, ids[3]), 0);
	stale = ids[3];
	assert_int_equal(tern_timer_arm(r, fake_now + 1000, 0, 0, logged, l, &x), 0);
	/* The slot is reused; the old handle does not reach the new timer. */
	assert_int_equal((uint32_t)x, (uint32_t)stale);
	assert_int_equal(tern_timer_cancel(r, stale), -ENOENT);
	assert_int_equal(tern_timer_arm(r, fake_now, -1, 0, logged, l, &x), -EINVAL);
	assert_int_equal(tern_timer_arm(r, fake_now, 0, 0, NULL, l, &x), -EINVAL);
	log_free(l);
	tern_reactor_destroy(r);
}

enum { MILLION = 1000000 };
static uint8_t *fired_count;

static void count_fired(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	(void)r;
	(void)id;
	fired_count[(uintptr_t)clientd]++;
}

static void a_million_timers_armed_and_cancelled_none_lost_none_twice(void **state)
{
	(void)state;
	struct tern_reactor *r = make(MILLION);
	tern_timer_id *ids = calloc(MILLION, sizeof(*ids));
	uint8_t *cancelled = calloc(MILLION, 1);
	int64_t t0 = fake_now;
	tern_timer_id x;

	fired_count = calloc(MILLION, 1);
	for (uintptr_t i = 0; i < MILLION; i++) {
		/* Up to 10 s ahead: every level of the wheel is used. */
		int64_t d = t0 + (int64_t)(lcg() % 10000000000u);
		assert_int_equal(tern_timer_arm(r, d, 0, 0, count_fired, (void *)i, &ids[i]), 0);
	}
	assert_int_equal(tern_timer_arm(r, t0, 0, 0, count_fired, NULL, &x), -ENOSPC);
	for (unsigned i = 0; i < MILLION; i++)
		if (lcg() & 1) {
			cancelled[i] = 1;
			assert_int_equal(tern_timer_cancel(r, ids[i]), 0);
		}
	/* A reactor that runs in uneven cycles, some of them 50 ms late. */
	while (fake_now < t0 + 10001000000) {
		fake_now += (int64_t)(lcg() % 100 ? lcg() % 200000 : 50000000);
		tern_reactor_do_work(r);
	}
	for (unsigned i = 0; i < MILLION; i++)
		assert_int_equal(fired_count[i], cancelled[i] ? 0 : 1);
	free(fired_count);
	free(cancelled);
	free(ids);
	tern_reactor_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timers_fire_in_deadline_order_never_early),
		cmocka_unit_test(a_cancelled_timer_never_fires),
		cmocka_unit_test(rearm_moves_the_deadline_and_keeps_the_id),
		cmocka_unit_test(periodic_timers_do_not_drift),
		cmocka_unit_test(a_reactor_that_fell_behind_fires_once_unless_catching_up),
		cmocka_unit_test(arming_past_the_preallocated_count_is_refused),
		cmocka_unit_test(a_million_timers_armed_and_cancelled_none_lost_none_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
