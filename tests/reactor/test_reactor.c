/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reactors on real threads and the real clock (no bus, no EAL): a reactor
 * that sleeps wakes on its next timer and on a record; a stop under load
 * (timers and inbox traffic between three reactors) drains every inbox,
 * refuses sends after the seal, and runs every hook once, in reverse order
 * of start and of registration.
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include <tern/tern_reactor.h>

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t fired_at;

static void stop_now(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	(void)id;
	(void)clientd;
	fired_at = tern_reactor_now_ns(r);
	tern_reactor_stop(r);
}

static void a_sleeping_reactor_wakes_on_its_next_timer(void **state)
{
	(void)state;
	struct tern_reactor_opts o = { .idle = TERN_IDLE_SLEEP, .spin_idle = 10, .yield_idle = 10 };
	struct tern_reactor *r;
	struct tern_reactor_stats st;
	int64_t t0;

	assert_int_equal(tern_reactor_create(&o, &r), 0);
	t0 = tern_reactor_now_ns(r);
	assert_int_equal(tern_timer_arm(r, t0 + 50000000, 0, 0, stop_now, NULL, NULL), 0);
	assert_int_equal(tern_reactor_run(r), 0);
	tern_reactor_stats(r, &st);
	assert_true(fired_at >= t0 + 50000000);
	assert_true(fired_at < t0 + 1000000000);
	assert_true(st.sleeps >= 1);
	/* Slept, not spun: a spinning reactor runs millions of cycles in 50 ms. */
	assert_true(st.cycles < 10000);
	print_message("fired %.3f ms after its deadline; %llu cycles, %llu sleeps\n",
		      (double)(fired_at - t0 - 50000000) / 1e6, (unsigned long long)st.cycles,
		      (unsigned long long)st.sleeps);
	tern_reactor_destroy(r);
}

static void stop_on_rec(struct tern_reactor *r, const struct tern_rec *rec, void *clientd)
{
	(void)rec;
	*(int64_t *)clientd = mono_ns();
	tern_reactor_stop(r);
}

static void a_sleeping_reactor_wakes_on_a_record(void **state)
{
	(void)state;
	int64_t got = 0, sent;
	struct tern_reactor_opts o = { .idle = TERN_IDLE_SLEEP, .spin_idle = 10, .yield_idle = 10,
				       .on_rec = stop_on_rec, .rec_clientd = &got };
	struct tern_reactor *r;
	struct tern_reactor_stats st;
	struct tern_rec rec = { .type = 1 };
	struct timespec ms20 = { 0, 20000000 };

	assert_int_equal(tern_reactor_create(&o, &r), 0);
	assert_int_equal(tern_reactor_start(r), 0);
	nanosleep(&ms20, NULL);         /* long enough to fall asleep */
	sent = mono_ns();
	assert_int_equal(tern_reactor_send(r, &rec), 0);
	assert_int_equal(tern_reactor_join(r), 0);
	tern_reactor_stats(r, &st);
	assert_true(st.sleeps >= 1);
	assert_true(got >= sent);
	print_message("handled %.1f us after the send, from sleep\n", (double)(got - sent) / 1e3);
	tern_reactor_destroy(r);
}

/* ---- shutdown under load ---- */

enum { N = 3 };

struct node {
	struct tern_reactor *r;
	struct tern_reactor *peer;  /* sends to it from a timer */
	uint64_t sent, handled, refused, closed;
};

static struct node nodes[N];
static int hook_log[2 * N], hook_n;
static pthread_mutex_t hook_lock = PTHREAD_MUTEX_INITIALIZER;

static void pump(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	struct node *nd = clientd;
	struct tern_rec rec = { .type = 1 };

	(void)r;
	(void)id;
	for (int i = 0; i < 8; i++) {
		int rv = tern_reactor_send(nd->peer, &rec);
		if (rv == 0)
			nd->sent++;
		else if (rv == TERN_EBACKPRESSURE)
			nd->refused++;
		else
			nd->closed++;
	}
}

static void echo(struct tern_reactor *r, const struct tern_rec *rec, void *clientd)
{
	struct node *nd = clientd;

	(void)r;
	(void)rec;
	nd->handled++;
	/* Records sent from inbox handlers during the drain, too. */
	pump(r, 0, nd);
}

static void hook(struct tern_reactor *r, void *clientd)
{
	(void)r;
	pthread_mutex_lock(&hook_lock);
	hook_log[hook_n++] = (int)(intptr_t)clientd;
	pthread_mutex_unlock(&hook_lock);
}

static void stop_under_load_drains_inboxes_and_runs_hooks_in_reverse_order(void **state)
{
	(void)state;
	struct timespec ms50 = { 0, 50000000 };
	uint64_t sent = 0, handled = 0;

	for (int i = 0; i < N; i++) {
		struct tern_reactor_opts o = { .idle = TERN_IDLE_SLEEP, .spin_idle = 100,
					       .inbox_size = 256, .on_rec = echo,
					       .rec_clientd = &nodes[i] };
		assert_int_equal(tern_reactor_create(&o, &nodes[i].r), 0);
	}
	for (int i = 0; i < N; i++) {
		nodes[i].peer = nodes[(i + 1) % N].r;
		assert_int_equal(tern_timer_arm(nodes[i].r, tern_reactor_now_ns(nodes[i].r) + 10000,
						20000, 0, pump, &nodes[i], NULL), 0);
		assert_int_equal(tern_reactor_on_stop(nodes[i].r, hook, (void *)(intptr_t)(10 * i)), 0);
		assert_int_equal(tern_reactor_on_stop(nodes[i].r, hook, (void *)(intptr_t)(10 * i + 1)), 0);
	}
	/* Start in order, one at a time: start order is join order. */
	for (int i = 0; i < N; i++) {
		assert_int_equal(tern_reactor_start(nodes[i].r), 0);
		nanosleep(&ms50, NULL);
	}
	nanosleep(&ms50, NULL);
	tern_reactor_stop(NULL);
	for (int i = 0; i < N; i++)
		assert_int_equal(tern_reactor_join(nodes[i].r), 0);
	/* Every record accepted was handled: the inboxes were drained. */
	for (int i = 0; i < N; i++) {
		sent += nodes[i].sent;
		handled += nodes[i].handled;
	}
	assert_true(sent > 0);
	assert_int_equal(handled, sent);
	/* Hooks: the last started first, each reactor's last registered first. */
	assert_int_equal(hook_n, 2 * N);
	for (int k = 0; k < 2 * N; k++)
		assert_int_equal(hook_log[k], 10 * (N - 1 - k / 2) + 1 - k % 2);
	print_message("%llu records sent and handled, %llu would-block, %llu refused at the seal\n",
		      (unsigned long long)sent,
		      (unsigned long long)(nodes[0].refused + nodes[1].refused + nodes[2].refused),
		      (unsigned long long)(nodes[0].closed + nodes[1].closed + nodes[2].closed));
	for (int i = 0; i < N; i++)
		tern_reactor_destroy(nodes[i].r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_sleeping_reactor_wakes_on_its_next_timer),
		cmocka_unit_test(a_sleeping_reactor_wakes_on_a_record),
		cmocka_unit_test(stop_under_load_drains_inboxes_and_runs_hooks_in_reverse_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
