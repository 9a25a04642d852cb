/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inbox (no EAL: rte_ring_init() on the reactor's own memory): four
 * threads send a million records each to one sleeping reactor; each
 * sender's records arrive in order, none is lost, and a full inbox says
 * would-block to the sender instead of dropping.
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <tern/tern_reactor.h>

enum { SENDERS = 4, PER_SENDER = 1000000 };

struct rx {
	uint64_t next[SENDERS];     /* the seq each sender's next record must have */
	uint64_t got, out_of_order;
};

static void on_rec(struct tern_reactor *r, const struct tern_rec *rec, void *clientd)
{
	struct rx *x = clientd;
	uintptr_t s = (uintptr_t)rec->ptr;

	if (rec->u64 != x->next[s])
		x->out_of_order++;
	x->next[s] = rec->u64 + 1;
	if (++x->got == (uint64_t)SENDERS * PER_SENDER)
		tern_reactor_stop(r);
}

struct tx {
	struct tern_reactor *to;
	uintptr_t index;
	uint64_t would_block;
	int bad;                    /* any other return */
};

static void *sender(void *arg)
{
	struct tx *t = arg;
	struct tern_rec rec = { .type = 1, .ptr = (void *)t->index };

	for (uint64_t i = 0; i < PER_SENDER;) {
		int rv;
		rec.u64 = i;
		rv = tern_reactor_send(t->to, &rec);
		if (rv == 0) {
			i++;
		} else if (rv == TERN_EBACKPRESSURE) {
			t->would_block++;
			sched_yield();
		} else {
			t->bad = rv;
			break;
		}
	}
	return NULL;
}

static void four_senders_a_million_each_in_order_nothing_lost(void **state)
{
	(void)state;
	struct rx x = { 0 };
	struct tern_reactor_opts o = { .idle = TERN_IDLE_SLEEP, .spin_idle = 100, .yield_idle = 10,
				       .inbox_size = 1024, .on_rec = on_rec, .rec_clientd = &x };
	struct tern_reactor *r;
	struct tern_reactor_stats st;
	struct tx t[SENDERS];
	pthread_t th[SENDERS];
	uint64_t wb = 0;

	assert_int_equal(tern_reactor_create(&o, &r), 0);
	assert_int_equal(tern_reactor_start(r), 0);
	for (unsigned i = 0; i < SENDERS; i++) {
		t[i] = (struct tx){ .to = r, .index = i };
		assert_int_equal(pthread_create(&th[i], NULL, sender, &t[i]), 0);
	}
	for (unsigned i = 0; i < SENDERS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].bad, 0);
		wb += t[i].would_block;
	}
	assert_int_equal(tern_reactor_join(r), 0);
	assert_int_equal(x.got, (uint64_t)SENDERS * PER_SENDER);
	assert_int_equal(x.out_of_order, 0);
	for (unsigned i = 0; i < SENDERS; i++)
		assert_int_equal(x.next[i], PER_SENDER);
	tern_reactor_stats(r, &st);
	/* Every would-block the senders saw is counted by the reactor. */
	assert_int_equal(st.refused, wb);
	print_message("would-block %llu times, slept %llu times, %llu cycles\n",
		      (unsigned long long)wb, (unsigned long long)st.sleeps,
		      (unsigned long long)st.cycles);
	tern_reactor_destroy(r);
}

static void count_rec(struct tern_reactor *r, const struct tern_rec *rec, void *clientd)
{
	uint64_t *n = clientd;

	(void)r;
	assert_int_equal(rec->u64, *n);
	assert_int_equal(rec->from, TERN_REACTOR_NONE);
	(*n)++;
}

static void a_full_inbox_is_would_block_never_a_drop(void **state)
{
	(void)state;
	uint64_t n = 0;
	struct tern_reactor_opts o = { .inbox_size = 64, .burst = 16, .on_rec = count_rec,
				       .rec_clientd = &n };
	struct tern_reactor *r;
	struct tern_reactor_stats st;
	struct tern_rec rec = { .type = 7 };

	assert_int_equal(tern_reactor_create(&o, &r), 0);
	for (rec.u64 = 0; rec.u64 < 64; rec.u64++)
		assert_int_equal(tern_reactor_send(r, &rec), 0);
	assert_int_equal(tern_reactor_send(r, &rec), TERN_EBACKPRESSURE);
	assert_int_equal(tern_reactor_do_work(r), 16);     /* a burst */
	assert_int_equal(tern_reactor_send(r, &rec), 0);   /* room again: 64 */
	while (tern_reactor_do_work(r))
		;
	assert_int_equal(n, 65);
	tern_reactor_stats(r, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.recs, 65);
	tern_reactor_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_full_inbox_is_would_block_never_a_drop),
		cmocka_unit_test(four_senders_a_million_each_in_order_nothing_lost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
