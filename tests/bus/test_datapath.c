/* SPDX-License-Identifier: Apache-2.0 */
/* The one-hop data path: fan-out, order, drop and backpressure policies,
 * pattern subscriptions, and reclaim of a client that died at awkward
 * moments.  Every test ends with the pool back at its baseline. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bus_fixture.h"

static uint64_t baseline;
static uint32_t next_topic, next_sub, next_client;

static uint32_t topic(const char *name)
{
	uint32_t id = next_topic++;
	assert_int_equal(dp_topic_create(&fx_dp, id, name, fx_err, sizeof(fx_err)), 0);
	return id;
}

static void drain_release(struct tern_sub *s)
{
	const struct tern_msg *v[32];
	unsigned n;

	while ((n = tern_poll(s, v, 32)) != 0)
		tern_release(s, v, n);
}

static void fanout_shares_one_buffer_until_last_release(void **state)
{
	(void)state;
	uint32_t t = topic("fan.out");
	struct tern_client *c = fx_client(next_client++);
	struct tern_pub *p = fx_pub(c, t, true);
	struct tern_sub *s[3];
	const struct tern_msg *v[3][64];

	for (int i = 0; i < 3; i++)
		assert_non_null(s[i] = fx_sub(c, next_sub++, "fan.out", TERN_POLICY_DROP, 64));
	for (uint64_t i = 1; i <= 50; i++)
		assert_int_equal(fx_publish(p, i * 7), (int64_t)i);
	assert_int_equal(dp_pool_free(&fx_dp), baseline - 50);

	for (int k = 0; k < 3; k++) {
		assert_int_equal(tern_poll(s[k], v[k], 64), 50);
		for (unsigned i = 0; i < 50; i++) {
			assert_int_equal(v[k][i]->seq, i + 1);
			assert_int_equal(fx_value(v[k][i]), (i + 1) * 7);
			assert_ptr_equal(v[k][i], v[0][i]);     /* the same bytes, no copy */
		}
	}
	tern_release(s[0], v[0], 50);
	tern_release(s[2], v[2], 50);
	assert_int_equal(dp_pool_free(&fx_dp), baseline - 50);   /* s[1] still reads */
	tern_release(s[1], v[1], 50);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(dp_sub_delete(&fx_dp, s[k]->sub_id, fx_err, sizeof(fx_err)), 0);
		fx_sub_free(s[k]);
	}
	assert_int_equal(dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err)), 0);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

static void drop_policy_gap_equals_dropped_count(void **state)
{
	(void)state;
	uint32_t t = topic("drop.me");
	struct tern_client *c = fx_client(next_client++);
	struct tern_pub *p = fx_pub(c, t, true);
	struct tern_sub *s = fx_sub(c, next_sub++, "drop.me", TERN_POLICY_DROP, 16);
	const struct tern_msg *v[32];
	struct tern__link *l;

	for (int i = 0; i < 100; i++)
		assert_true(fx_publish(p, (uint64_t)i) > 0);    /* never waits */
	/* Drop-oldest: the reader keeps the newest, losing its oldest a chunk
	 * (two eighths of its depth at most) at a time; the gap it sees is the
	 * count on its link. */
	unsigned n = tern_poll(s, v, 32);
	assert_true(n >= 16 - 4 && n <= 16);
	l = tern__shm_link(fx_dp.shm, s->s->links[0]);
	assert_int_equal(v[0]->seq - 1, l->dropped);            /* gap = dropped */
	assert_int_equal(l->dropped, 100 - n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(v[i]->seq, 101 - n + i);
	tern_release(s, v, n);
	assert_int_equal(fx_publish(p, 0), 101);
	assert_int_equal(tern_poll(s, v, 32), 1);
	assert_int_equal(v[0]->seq, 101);
	assert_int_equal(l->dropped, 100 - n);
	tern_release(s, v, 1);
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	fx_sub_free(s);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

/* A subscription that goes while its link holds the whole pool: only the
 * publisher's adoption of the list without it releases those buffers, and
 * a publisher out of buffers adopts when its allocation fails (else it
 * would wait for buffers forever).  A shared topic's list is adopted by
 * tern-dataplane itself when the lock is free: an idle publisher does not
 * hold a gone subscriber's buffers. */
static void gone_reader_holding_the_pool_is_released(void **state)
{
	(void)state;
	static const bool excl[2] = { true, false };

	for (int k = 0; k < 2; k++) {
		uint32_t t = topic(excl[k] ? "gone.excl" : "gone.shared");
		struct tern_client *c = fx_client(next_client++);
		struct tern_pub *p = fx_pub(c, t, excl[k]);
		struct tern_sub *s = fx_sub(c, next_sub++, excl[k] ? "gone.excl" : "gone.shared",
					    TERN_POLICY_DROP, 16384);
		uint32_t li = s->s->links[0];
		int64_t rv;
		uint64_t n = 0;

		while ((rv = fx_publish(p, n)) > 0)
			n++;
		assert_int_equal(rv, -ENOMEM);          /* the link holds every buffer */
		assert_true(n >= baseline - 64 && n <= baseline);
		assert_int_equal(dp_sub_delete(&fx_dp, s->sub_id, fx_err, sizeof(fx_err)), 0);
		fx_sub_free(s);
		dp_retire_links(&fx_dp);
		if (excl[k]) {
			/* Not ours to adopt: the exclusive publisher does, at its
			 * next allocation, which fails, or its next publish. */
			assert_int_equal(tern__shm_link(fx_dp.shm, li)->state, TERN__RETIRING);
			assert_null(tern_msg_alloc(p, 8));
			assert_int_equal(fx_publish(p, 0), (int64_t)n + 1);
		} else {
			assert_true(dp_pool_free(&fx_dp) >= baseline - 64);
			assert_int_equal(fx_publish(p, 0), (int64_t)n + 1);
		}
		dp_retire_links(&fx_dp);
		assert_int_equal(tern__shm_link(fx_dp.shm, li)->state, TERN__FREE);
		assert_int_equal(dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err)), 0);
		assert_int_equal(dp_pool_free(&fx_dp), baseline);
	}
}

static int64_t publish_remote(struct tern_pub *p, uint64_t seq)
{
	struct tern_msg *m = tern_msg_alloc(p, sizeof(seq));
	int64_t rv;

	if (m == NULL)
		return -ENOMEM;
	memcpy(tern_msg_data(m), &seq, sizeof(seq));
	m->seq = seq;
	rv = tern__publish_remote(p, m);
	if (rv < 0)
		tern_msg_free(p, m);
	return rv;
}

/* An imported topic: messages from its home node go to every reader but
 * the forwarding one (it carries local publishes home), which a whole
 * import passes in one lap, not one per message; a local publish on its
 * way home is never overwritten: the import waits behind it, a depth on. */
static void imports_pass_the_forwarding_link(void **state)
{
	(void)state;
	uint32_t t = topic("net.import");
	struct tern_client *c = fx_client(next_client++);
	struct tern_pub *imp = fx_pub(c, t, false), *local = fx_pub(c, t, false);
	struct tern_sub *fwd = fx_sub(c, next_sub++, "net.import",
				      TERN_POLICY_BACKPRESSURE | TERN__POLICY_FORWARD, 64);
	struct tern_sub *s = fx_sub(c, next_sub++, "net.import", TERN_POLICY_DROP, 1024);
	struct tern__topic *tp = tern__shm_topic(fx_dp.shm, t);
	struct tern__link *fl = tern__shm_link(fx_dp.shm, fwd->s->links[0]);
	const struct tern_msg *v[64];
	uint64_t seq = 0;

	for (int i = 0; i < 65; i++) {
		seq++;
		assert_int_equal(publish_remote(imp, seq), (int64_t)seq);
	}
	/* Lapped once, to the tail, at the 65th: not a depth behind it. */
	assert_true(tern__link_queued(fl) <= 1);
	assert_int_equal(fl->dropped, 0);
	assert_int_equal(tern_poll(fwd, v, 64), 0);     /* none of them is for it */

	tp->imported = 1;                               /* a local publish goes home */
	assert_int_equal(fx_publish(local, 7), 1);      /* the forwarding stream's seq */
	for (int i = 0; i < 63; i++) {
		seq++;
		assert_int_equal(publish_remote(imp, seq), (int64_t)seq);
	}
	assert_int_equal(publish_remote(imp, seq + 1), TERN_EBACKPRESSURE);
	assert_int_equal(tern_poll(fwd, v, 64), 1);
	assert_int_equal(fx_value(v[0]), 7);
	tern_release(fwd, v, 1);
	for (int i = 0; i < 200; i++) {
		seq++;
		assert_int_equal(publish_remote(imp, seq), (int64_t)seq);
	}
	assert_int_equal(fl->dropped, 0);
	assert_int_equal(tern_poll(fwd, v, 64), 0);
	/* The local reader has the newest import messages, in order, and
	 * never the local publish (it is numbered at home, and comes back). */
	unsigned n, got = 0;
	uint64_t last = 0;
	while ((n = tern_poll(s, v, 64)) != 0) {
		for (unsigned i = 0; i < n; i++) {
			assert_true(v[i]->seq > last);
			assert_int_equal(fx_value(v[i]), v[i]->seq);
			last = v[i]->seq;
		}
		got += n;
		tern_release(s, v, n);
	}
	assert_int_equal(got, seq);
	assert_int_equal(last, seq);
	tp->imported = 0;
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	fx_sub_free(fwd);
	fx_sub_free(s);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

static void backpressure_refuses_and_loses_nothing(void **state)
{
	(void)state;
	uint32_t t = topic("bp.topic");
	struct tern_client *c = fx_client(next_client++);
	struct tern_pub *p = fx_pub(c, t, false);
	struct tern_sub *fast = fx_sub(c, next_sub++, "bp.topic", TERN_POLICY_DROP, 1024);
	struct tern_sub *slow = fx_sub(c, next_sub++, "bp.topic", TERN_POLICY_BACKPRESSURE, 8);
	const struct tern_msg *v[16];
	uint64_t expect = 1;

	for (int i = 0; i < 8; i++)
		assert_true(fx_publish(p, (uint64_t)i) > 0);
	assert_int_equal(fx_publish(p, 99), TERN_EBACKPRESSURE);
	assert_int_equal(dp_pool_free(&fx_dp), baseline - 8);  /* refused one went back */
	for (int round = 0; round < 3; round++) {
		unsigned n = tern_poll(slow, v, 16);
		assert_int_equal(n, 8);
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(v[i]->seq, expect++);
		tern_release(slow, v, n);
		for (int i = 0; i < 8; i++)
			assert_true(fx_publish(p, (uint64_t)i) > 0);
	}
	drain_release(slow);
	drain_release(fast);
	assert_int_equal(tern__shm_link(fx_dp.shm, fast->s->links[0])->dropped, 0);
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	fx_sub_free(fast);
	fx_sub_free(slow);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

static void pattern_subscription_follows_new_topics(void **state)
{
	(void)state;
	struct tern_client *c = fx_client(next_client++);
	struct tern_sub *s = fx_sub(c, next_sub++, "md.*.q", TERN_POLICY_DROP, 64);
	struct tern_sub *rest = fx_sub(c, next_sub++, "md.>", TERN_POLICY_DROP, 64);
	uint32_t a = topic("md.a.q"), b = topic("md.b.q"), x = topic("md.a.trade");
	struct tern_pub *pa = fx_pub(c, a, true), *pb = fx_pub(c, b, true), *px = fx_pub(c, x, true);
	const struct tern_msg *v[64];
	uint64_t seq[16] = { 0 };
	unsigned n;

	for (int i = 0; i < 10; i++) {
		fx_publish(pa, 1);
		fx_publish(pb, 2);
		fx_publish(px, 3);
	}
	n = tern_poll(s, v, 64);
	assert_int_equal(n, 20);                /* md.a.trade is not md.*.q */
	for (unsigned i = 0; i < n; i++) {
		assert_true(v[i]->topic_id == a || v[i]->topic_id == b);
		assert_int_equal(v[i]->seq, seq[v[i]->topic_id] + 1);   /* per-topic order */
		seq[v[i]->topic_id] = v[i]->seq;
	}
	tern_release(s, v, n);
	assert_int_equal(tern_poll(rest, v, 64), 30);
	tern_release(rest, v, 30);
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	fx_sub_free(s);
	fx_sub_free(rest);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

static void exclusive_publisher_is_alone(void **state)
{
	(void)state;
	uint32_t t = topic("excl.only");
	struct tern_client *c = fx_client(next_client++);

	assert_int_equal(dp_pub_open(&fx_dp, t, c->client_id, false, fx_err, sizeof(fx_err)), 0);
	assert_int_equal(dp_pub_open(&fx_dp, t, c->client_id, true, fx_err, sizeof(fx_err)), -EBUSY);
	assert_non_null(strstr(fx_err, "exclusive refused"));
	assert_int_equal(dp_pub_close(&fx_dp, t, c->client_id, fx_err, sizeof(fx_err)), 0);
	assert_int_equal(dp_pub_open(&fx_dp, t, c->client_id, true, fx_err, sizeof(fx_err)), 0);
	assert_int_equal(dp_pub_open(&fx_dp, t, c->client_id, false, fx_err, sizeof(fx_err)), -EBUSY);
	assert_int_equal(dp_topic_delete(&fx_dp, t, fx_err, sizeof(fx_err)), -EBUSY);
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	assert_int_equal(dp_topic_delete(&fx_dp, t, fx_err, sizeof(fx_err)), 0);
}

struct mp_arg {
	struct tern_pub *p;
	unsigned n;
};

static void *mp_publisher(void *arg)
{
	struct mp_arg *a = arg;

	for (unsigned i = 0; i < a->n; ) {
		int64_t rv = fx_publish(a->p, i);
		if (rv > 0)
			i++;
		else
			sched_yield();  /* backpressure or empty pool: the reader catches up */
	}
	return NULL;
}

static void two_publishers_one_order_nothing_lost(void **state)
{
	(void)state;
	enum { N = 200000 };
	uint32_t t = topic("mp.topic");
	struct tern_client *c1 = fx_client(next_client++), *c2 = fx_client(next_client++);
	struct tern_client *cs = fx_client(next_client++);
	struct mp_arg a1 = { fx_pub(c1, t, false), N }, a2 = { fx_pub(c2, t, false), N };
	struct tern_sub *s = fx_sub(cs, next_sub++, "mp.topic", TERN_POLICY_BACKPRESSURE, 256);
	const struct tern_msg *v[32];
	pthread_t th1, th2;
	uint64_t expect = 1;

	pthread_create(&th1, NULL, mp_publisher, &a1);
	pthread_create(&th2, NULL, mp_publisher, &a2);
	while (expect <= 2 * N) {
		unsigned n = tern_poll(s, v, 32);
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(v[i]->seq, expect++);
		tern_release(s, v, n);
	}
	pthread_join(th1, NULL);
	pthread_join(th2, NULL);
	assert_int_equal(tern_poll(s, v, 32), 0);
	assert_int_equal(tern__shm_topic(fx_dp.shm, t)->seq, 2 * N);
	dp_client_gone(&fx_dp, c1->client_id, fx_err, sizeof(fx_err));
	dp_client_gone(&fx_dp, c2->client_id, fx_err, sizeof(fx_err));
	dp_client_gone(&fx_dp, cs->client_id, fx_err, sizeof(fx_err));
	fx_sub_free(s);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

static void tags_travel_with_the_message(void **state)
{
	(void)state;
	uint32_t t = topic("tagged");
	struct tern_client *c = fx_client(next_client++);
	struct tern_pub *p = fx_pub(c, t, true);
	struct tern_sub *s = fx_sub(c, next_sub++, "tagged", TERN_POLICY_DROP, 8);
	struct tern_msg *m = tern_msg_alloc(p, 5);
	const struct tern_msg *v[1];
	size_t len;

	memcpy(tern_msg_data(m), "hello", 5);
	m->event_ns = 42;
	m->type_id = 100;
	assert_int_equal(tern_msg_add_tag(m, "venue", "XNAS"), 0);
	assert_int_equal(tern_msg_add_tag(m, "bad=key", "x"), -EINVAL);
	assert_int_equal(tern_msg_add_tag(m, "desk", "7"), 0);
	assert_true(tern_publish(p, m) > 0);
	assert_int_equal(tern_poll(s, v, 1), 1);
	assert_memory_equal(tern_msg_data(v[0]), "hello", 5);
	assert_string_equal(tern_msg_tag(v[0], "venue", &len), "XNAS");
	assert_int_equal(len, 4);
	assert_string_equal(tern_msg_tag(v[0], "desk", NULL), "7");
	assert_null(tern_msg_tag(v[0], "ven", NULL));
	assert_int_equal(v[0]->event_ns, 42);
	assert_true(v[0]->send_ns > 1600000000000000000LL);     /* UTC ns, after 2020 */
	assert_int_equal(v[0]->recv_ns, v[0]->send_ns);
	tern_release(s, v, 1);
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	fx_sub_free(s);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

static void burst_publish_keeps_order_and_policies(void **state)
{
	(void)state;
	uint32_t t = topic("burst.topic");
	struct tern_client *c = fx_client(next_client++);
	struct tern_pub *p = fx_pub(c, t, true);
	struct tern_sub *drop = fx_sub(c, next_sub++, "burst.topic", TERN_POLICY_DROP, 8);
	struct tern_sub *bp = fx_sub(c, next_sub++, "burst.topic", TERN_POLICY_BACKPRESSURE, 16);
	struct tern_msg *m[32];
	const struct tern_msg *v[32];

	for (int i = 0; i < 32; i++) {
		assert_non_null(m[i] = tern_msg_alloc(p, 8));
		memcpy(tern_msg_data(m[i]), &(uint64_t){ (uint64_t)i }, 8);
	}
	/* bp takes 16: the burst stops there; drop keeps the newest 8 of it
	 * (lapped into the burst: it never holds the 8 before). */
	assert_int_equal(tern_publish_burst(p, m, 32), 16);
	assert_int_equal(tern__shm_link(fx_dp.shm, drop->s->links[0])->dropped, 8);
	assert_int_equal(tern_poll(drop, v, 32), 8);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(v[i]->seq, i + 9);
	tern_release(drop, v, 8);
	assert_int_equal(tern_publish_burst(p, m + 16, 16), 0);       /* bp full */
	assert_int_equal(tern_poll(bp, v, 32), 16);
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(v[i]->seq, i + 1);
		assert_int_equal(fx_value(v[i]), i);
	}
	tern_release(bp, v, 16);
	assert_int_equal(tern_publish_burst(p, m + 16, 16), 16);      /* the caller's rest */
	assert_int_equal(tern_poll(bp, v, 32), 16);
	assert_int_equal(v[0]->seq, 17);
	assert_int_equal(fx_value(v[15]), 31);
	tern_release(bp, v, 16);
	drain_release(drop);
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	fx_sub_free(drop);
	fx_sub_free(bp);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fanout_shares_one_buffer_until_last_release),
		cmocka_unit_test(drop_policy_gap_equals_dropped_count),
		cmocka_unit_test(gone_reader_holding_the_pool_is_released),
		cmocka_unit_test(imports_pass_the_forwarding_link),
		cmocka_unit_test(backpressure_refuses_and_loses_nothing),
		cmocka_unit_test(pattern_subscription_follows_new_topics),
		cmocka_unit_test(exclusive_publisher_is_alone),
		cmocka_unit_test(two_publishers_one_order_nothing_lost),
		cmocka_unit_test(tags_travel_with_the_message),
		cmocka_unit_test(burst_publish_keeps_order_and_policies),
	};

	if (fx_eal_init() < 0) {
		fprintf(stderr, "EAL/state init failed: %s\n", fx_err);
		return 1;
	}
	baseline = dp_pool_free(&fx_dp);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
