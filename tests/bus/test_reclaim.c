/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reclaim after kill -9, state by state: the client is "killed" by
 * freezing its shared-memory records exactly as they stand at an awkward
 * instant, then dp_client_gone() must return every buffer exactly once
 * (the pool count would exceed its baseline on a double free and fall
 * short of it on a leak) and leave the other subscribers undisturbed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bus_fixture.h"

static uint64_t baseline;
static uint32_t next_topic, next_sub, next_client;
static char name[32];

static uint32_t topic(void)
{
	uint32_t id = next_topic++;
	snprintf(name, sizeof(name), "rc.t%u", id);
	assert_int_equal(dp_topic_create(&fx_dp, id, name, fx_err, sizeof(fx_err)), 0);
	return id;
}

static void gone(struct tern_client *c)
{
	assert_int_equal(dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err)), 0);
	free(c);
}

static void drain(struct tern_sub *s, unsigned expect)
{
	const struct tern_msg *v[64];
	unsigned n, got = 0;

	while ((n = tern_poll(s, v, 64)) != 0) {
		got += n;
		tern_release(s, v, n);
	}
	assert_int_equal(got, expect);
}

static void dead_subscriber_holding_and_queued(void **state)
{
	(void)state;
	uint32_t t = topic();
	struct tern_client *pc = fx_client(next_client++ % 32), *sc = fx_client(next_client++ % 32);
	struct tern_pub *p = fx_pub(pc, t, true);
	struct tern_sub *live = fx_sub(pc, next_sub++ % 64, name, TERN_POLICY_DROP, 64);
	struct tern_sub *dead = fx_sub(sc, next_sub++ % 64, name, TERN_POLICY_DROP, 64);
	const struct tern_msg *v[64];

	for (int i = 0; i < 30; i++)
		fx_publish(p, (uint64_t)i);
	assert_int_equal(tern_poll(dead, v, 10), 10);   /* holds 10, 20 still queued */
	tern_release(dead, &v[3], 1);                   /* out of order */
	gone(sc);
	drain(live, 30);                                /* the other reader is undisturbed */
	fx_sub_free(dead);
	gone(pc);
	fx_sub_free(live);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

/* Re-enact the first half of a read (bus_sub.c): journal it and copy n
 * entries past held_tail; commit moves the cursor as its CAS would. */
static void read_begin(struct tern_sub *h, uint32_t n, bool commit)
{
	struct tern__sub *s = h->s;
	struct tern__link *l = h->links[0];
	struct tern__bring *r = h->rings[0];
	uint64_t cv = l->cursor, pos = tern__cur_pos(cv);

	s->pend_link = 0;
	s->pend_cur = cv;
	s->pend_pos = s->held_tail;
	for (uint32_t x = 0; x < n; x++)
		s->held[(s->held_tail + x) % TERN_HELD_MAX] = r->slot[(pos + x) & r->mask];
	if (commit)
		l->cursor = tern__cur_make(pos + n, tern__cur_lap(cv), tern__cur_cnt(cv) + n);
}

/* Killed after its read's cursor CAS but before held_tail moved. */
static void dead_mid_read_committed(void **state)
{
	(void)state;
	uint32_t t = topic();
	struct tern_client *pc = fx_client(next_client++ % 32), *sc = fx_client(next_client++ % 32);
	struct tern_pub *p = fx_pub(pc, t, true);
	struct tern_sub *h = fx_sub(sc, next_sub++ % 64, name, TERN_POLICY_DROP, 64);

	for (int i = 0; i < 12; i++)
		fx_publish(p, (uint64_t)i);
	read_begin(h, 5, true);
	/* ... killed here: held_tail still 0 */
	gone(sc);
	fx_sub_free(h);
	gone(pc);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

/* Killed after copying entries, before its CAS: they are not its own. */
static void dead_mid_read_uncommitted(void **state)
{
	(void)state;
	uint32_t t = topic();
	struct tern_client *pc = fx_client(next_client++ % 32), *sc = fx_client(next_client++ % 32);
	struct tern_pub *p = fx_pub(pc, t, true);
	struct tern_sub *h = fx_sub(sc, next_sub++ % 64, name, TERN_POLICY_DROP, 64);
	struct tern_sub *other = fx_sub(pc, next_sub++ % 64, name, TERN_POLICY_DROP, 64);

	for (int i = 0; i < 12; i++)
		fx_publish(p, (uint64_t)i);
	read_begin(h, 4, false);
	gone(sc);
	drain(other, 12);       /* the other reader is undisturbed */
	fx_sub_free(h);
	gone(pc);
	fx_sub_free(other);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

/* Killed inside a release: before, after the FREEING mark, and after the
 * buffer reached the pool. */
static void dead_mid_release(void **state)
{
	(void)state;
	for (int stage = 0; stage < 3; stage++) {
		uint32_t t = topic();
		struct tern_client *pc = fx_client(next_client++ % 32), *sc = fx_client(next_client++ % 32);
		struct tern_pub *p = fx_pub(pc, t, true);
		struct tern_sub *h = fx_sub(sc, next_sub++ % 64, name, TERN_POLICY_DROP, 64);
		struct tern_sub *other = fx_sub(pc, next_sub++ % 64, name, TERN_POLICY_DROP, 64);
		const struct tern_msg *v[4];
		struct rte_mbuf *m;
		uint64_t bit;

		fx_publish(p, 1);
		assert_int_equal(tern_poll(h, v, 4), 1);
		drain(other, 1);        /* only the dying subscriber holds it now */
		m = tern__mbuf(v[0]);
		bit = UINT64_C(1) << h->slot_of_topic[t];
		h->s->rel_seq = v[0]->seq;
		h->s->rel_topic = v[0]->topic_id;
		h->s->rel_m = m;
		if (stage == 1)
			tern__msg(m)->holders__ = TERN__FREEING | bit;
		if (stage == 2)
			assert_true(tern__release_ref(sc, m, bit));  /* sole holder: freed unmarked */
		/* ... killed here, held[] still names m */
		gone(sc);
		fx_sub_free(h);
		gone(pc);
		fx_sub_free(other);
		assert_int_equal(dp_pool_free(&fx_dp), baseline);
	}
}

/* A sole reader killed inside its release, before and after the free: it
 * never touches the header, so reclaim must read its mempool cache. */
static void dead_sole_reader_mid_release(void **state)
{
	(void)state;
	for (int stage = 0; stage < 2; stage++) {
		uint32_t t = topic();
		struct tern_client *pc = fx_client(next_client++ % 32), *sc = fx_client(next_client++ % 32);
		struct tern_pub *p = fx_pub(pc, t, true);
		struct tern_sub *h = fx_sub(sc, next_sub++ % 64, name, TERN_POLICY_DROP, 64);
		const struct tern_msg *v[4];
		struct rte_mbuf *e;

		fx_publish(p, 1);
		assert_int_equal(tern_poll(h, v, 4), 1);
		e = h->s->held[h->s->held_head];
		assert_true(tern__is_sole(e));          /* one reader: tagged */
		assert_ptr_equal(tern__untag(e), tern__mbuf(v[0]));
		h->s->rel_m = e;
		if (stage == 1)
			tern__buf_free(sc, tern__untag(e));
		/* ... killed here, held[] still names it */
		gone(sc);
		fx_sub_free(h);
		gone(pc);
		assert_int_equal(dp_pool_free(&fx_dp), baseline);
	}
}

/* Killed inside tern_publish() to three readers: journaled, slot written
 * but tail not moved (both undone whole, numbering too), tail moved (the
 * readers have it). */
static void dead_publisher_mid_publish(void **state)
{
	(void)state;
	for (int stage = 0; stage < 3; stage++) {
		uint32_t t = topic();
		struct tern_client *pc = fx_client(next_client++ % 32), *sc = fx_client(next_client++ % 32);
		struct tern_pub *p = fx_pub(pc, t, false);
		struct tern_sub *s[3];
		struct tern__topic *tp = tern__shm_topic(fx_dp.shm, t);
		struct tern__journal *j = &pc->slot->journal;
		struct tern_msg *msg;
		struct rte_mbuf *m;

		for (int i = 0; i < 3; i++)
			s[i] = fx_sub(sc, next_sub++ % 64, name, TERN_POLICY_DROP, 64);
		fx_publish(p, 1);       /* adopts the fan-out list */
		for (int i = 0; i < 3; i++)
			drain(s[i], 1);
		/* Re-enact tern_publish() up to a kill at `stage`. */
		msg = tern_msg_alloc(p, 8);
		m = tern__mbuf(msg);
		tp->lock = p->owner;
		uint64_t tail = tp->ring->tail;
		j->topic_id = t;
		j->tail = tail;
		j->seq = tp->seq;
		j->fwd_seq = tp->fwd_seq;
		j->m = m;
		msg->seq = ++tp->seq;
		msg->holders__ = tp->bits_all;
		tern__alloc_forget(pc, msg);
		if (stage >= 1)
			tp->ring->slot[tail & tp->ring->mask] = m;
		if (stage == 2)
			tp->ring->tail = tail + 1;
		gone(pc);               /* releases the lock, undoes what did not land */
		assert_int_equal(tp->lock, 0);
		assert_int_equal(tp->seq, stage == 2 ? 2 : 1);
		unsigned got = 0;
		for (int i = 0; i < 3; i++) {
			const struct tern_msg *v[4];
			unsigned n = tern_poll(s[i], v, 4);
			got += n;
			for (unsigned k = 0; k < n; k++)
				assert_int_equal(v[k]->seq, 2);
			tern_release(s[i], v, n);
			assert_int_equal(tern__shm_link(fx_dp.shm, s[i]->s->links[0])->dropped, 0);
		}
		assert_int_equal(got, stage == 2 ? 3 : 0);
		/* The next publisher numbers on without a gap. */
		struct tern_client *pc2 = fx_client(next_client++ % 32);
		struct tern_pub *p2 = fx_pub(pc2, t, false);
		assert_int_equal(fx_publish(p2, 3), stage == 2 ? 3 : 2);
		for (int i = 0; i < 3; i++)
			drain(s[i], 1);
		gone(pc2);
		gone(sc);
		for (int i = 0; i < 3; i++)
			fx_sub_free(s[i]);
		assert_int_equal(dp_pool_free(&fx_dp), baseline);
	}
}

/* Killed in the middle of a burst of 8: before and after its tail moved. */
static void dead_publisher_mid_burst(void **state)
{
	(void)state;
	for (int stage = 0; stage < 2; stage++) {
		uint32_t t = topic();
		struct tern_client *pc = fx_client(next_client++ % 32), *sc = fx_client(next_client++ % 32);
		struct tern_pub *p = fx_pub(pc, t, true);
		struct tern_sub *s[3];
		struct tern__topic *tp = tern__shm_topic(fx_dp.shm, t);
		struct tern__journal *j = &pc->slot->journal;
		struct tern_msg *m[8];

		for (int i = 0; i < 3; i++)
			s[i] = fx_sub(sc, next_sub++ % 64, name, TERN_POLICY_DROP, 64);
		fx_publish(p, 1);       /* adopts the fan-out list */
		for (int i = 0; i < 3; i++)
			drain(s[i], 1);
		uint64_t tail = tp->ring->tail;
		j->topic_id = t;
		j->tail = tail;
		j->seq = tp->seq;
		for (int x = 0; x < 8; x++) {
			m[x] = tern_msg_alloc(p, 8);
			m[x]->seq = ++tp->seq;
			m[x]->holders__ = tp->bits_all;
			j->burst[x] = tern__mbuf(m[x]);
		}
		j->nb = 8;
		for (int x = 0; x < 8; x++) {
			tern__alloc_forget(pc, m[x]);
			tp->ring->slot[(tail + x) & tp->ring->mask] = j->burst[x];
		}
		if (stage == 1)
			tp->ring->tail = tail + 8;
		gone(pc);
		for (int i = 0; i < 3; i++)
			drain(s[i], stage == 1 ? 8 : 0);
		assert_int_equal(tp->seq, stage == 1 ? 9 : 1);
		gone(sc);
		for (int i = 0; i < 3; i++)
			fx_sub_free(s[i]);
		assert_int_equal(dp_pool_free(&fx_dp), baseline);
	}
}

/*
 * Killed while lapping a drop reader (bus_fanout.c): reader A, depth 16,
 * has read nothing of 16 messages; a publisher laps it from 0 to 8 and is
 * killed at each point of clearing A's bits: none cleared, four cleared,
 * the fifth released but lap_next not moved on, all cleared and counted.
 * Last, a burst that lapped A past the tail (to 20) and never landed.
 * Reclaim must finish the lap exactly: A then reads seqs 9..16 (or all 16
 * after the burst), its drop count is exact, and no buffer leaks.
 */
static void dead_publisher_mid_lap(void **state)
{
	(void)state;
	for (int stage = 0; stage < 5; stage++) {
		uint32_t t = topic();
		struct tern_client *pc = fx_client(next_client++ % 32), *sc = fx_client(next_client++ % 32);
		struct tern_pub *p = fx_pub(pc, t, false);
		struct tern_sub *a = fx_sub(sc, next_sub++ % 64, name, TERN_POLICY_DROP, 16);
		struct tern_sub *b = fx_sub(sc, next_sub++ % 64, name, TERN_POLICY_DROP, 16);
		struct tern__topic *tp = tern__shm_topic(fx_dp.shm, t);
		struct tern__journal *j = &pc->slot->journal;
		if (a == NULL || b == NULL)
			fail_msg("subscribe: %s", fx_err);
		struct tern__link *la = a->links[0];
		struct tern__bring *r;
		uint64_t bit = UINT64_C(1) << la->slot, to = stage == 4 ? 20 : 8;

		for (int i = 0; i < 16; i++)
			fx_publish(p, (uint64_t)i);
		drain(b, 16);
		r = tp->ring;
		tp->lock = p->owner;
		j->n_lap = 0;
		j->lap_next = TERN__CUR_UNSTARTED;
		j->lap_topic = t;
		j->lap[0] = (struct tern__lap){ .link_id = (uint32_t)(la - tern__shm_link(fx_dp.shm, 0)),
						.lap = tern__cur_lap(la->cursor),
						.from = tern__cur_pos(la->cursor), .to = to };
		j->n_lap = 1;
		la->cursor = tern__cur_make(to, tern__cur_lap(la->cursor) + 1, tern__cur_cnt(la->cursor));
		uint32_t cleared = stage == 0 ? 0 : stage == 1 ? 4 : stage == 2 ? 5 : 16;
		for (uint32_t q = 0; q < cleared && q < to; q++) {
			j->lap_next = q;
			assert_true(tern__release_mask(pc, tern__untag(r->slot[q & r->mask]), bit));
		}
		if (stage == 1)
			j->lap_next = 4;        /* the fifth not begun */
		if (stage >= 3) {
			j->lap_next = 16;
			la->dropped += to;      /* counted (past the tail too) */
			j->lap[0].from = to;
		}
		gone(pc);
		assert_int_equal(tp->lock, 0);
		assert_int_equal(tern__cur_pos(la->cursor), stage == 4 ? 16 : 8);
		assert_int_equal(la->dropped, stage == 4 ? 16 : 8);
		const struct tern_msg *v[32];
		unsigned n = tern_poll(a, v, 32);
		assert_int_equal(n, stage == 4 ? 0 : 8);
		for (unsigned k = 0; k < n; k++)
			assert_int_equal(v[k]->seq, 9 + k);
		tern_release(a, v, n);
		gone(sc);
		fx_sub_free(a);
		fx_sub_free(b);
		assert_int_equal(dp_pool_free(&fx_dp), baseline);
	}
}

/* A pointer the pool does not own never enters the stack: one inside a
 * buffer but not at an object, one outside the pool; a real one does. */
static void stack_refuses_strays(void **state)
{
	(void)state;
	static struct rte_mbuf fake;
	struct tern__stack *sk = tern__stack_of(fx_dp.shm->pool);
	uint64_t rejected = sk->rejected;
	uint32_t count;
	struct rte_mbuf *x;

	assert_int_equal(rte_mempool_get(fx_dp.shm->pool, (void **)&x), 0);
	count = tern__stack_count(sk);
	struct rte_mbuf *objs[3] = { (struct rte_mbuf *)((char *)x + 64), &fake, x };
	tern__stack_push(sk, NULL, TERN_POOL_NOBODY, objs, 3);
	assert_int_equal(sk->rejected, rejected + 2);
	assert_int_equal(tern__stack_count(sk), count + 1);
	sk->rejected = rejected;        /* test_pool_kill-style checks expect 0 growth */
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

/* Killed while making a replay copy (bus_replay.c, hold_copy): the buffer
 * is on its way from the cache to the held slot past the tail.  At each
 * point it is in one of them, and reclaim returns it exactly once. */
static void dead_mid_replay_copy(void **state)
{
	(void)state;
	(void)topic();
	for (int stage = 0; stage < 3; stage++) {
		struct tern_client *sc = fx_client(next_client++ % 32);
		struct tern_sub *h = fx_sub(sc, next_sub++ % 64, name, TERN_POLICY_DROP, 64);
		struct tern__sub *s = h->s;
		struct tern__cache *cc = sc->cache;
		uint32_t pos = s->held_tail;

		assert_non_null(h);
		s->pend_pos = pos;
		s->pend_link = TERN__PEND_COPY;
		if (stage == 0) {               /* journaled, nothing taken */
		} else if (stage == 1) {        /* stored in the slot, cache len not moved */
			assert_int_equal(tern__cache_refill(cc, sc->stack, sc->client_id, 1), 0);
			s->held[pos % TERN_HELD_MAX] = cc->objs[cc->len - 1];
		} else {                        /* taken, the copy half made */
			assert_int_equal(tern__buf_take(sc, &s->held[pos % TERN_HELD_MAX], 1), 0);
			memset(tern_msg_data(tern__msg(s->held[pos % TERN_HELD_MAX])), 0x5a, 32);
		}
		gone(sc);
		fx_sub_free(h);
		assert_int_equal(dp_pool_free(&fx_dp), baseline);
	}
}

/* Killed inside tern_msg_free(): the buffer is back in the cache, the slot
 * not yet forgotten.  Reclaim must not free it twice. */
static void dead_mid_free(void **state)
{
	(void)state;
	uint32_t t = topic();
	struct tern_client *pc = fx_client(next_client++ % 32);
	struct tern_pub *p = fx_pub(pc, t, true);
	struct tern_msg *m = tern_msg_alloc(p, 8);

	tern__buf_free(pc, tern__mbuf(m));     /* ... killed here */
	gone(pc);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

/* Killed inside a pool operation of its cache (tern_pool.h), at each point
 * where the stack and the cache disagree: reclaim must count every buffer
 * exactly once.  The operation before each one landed, so the head names
 * this client as its author: a stale journal tag must not fool reclaim. */
static void dead_mid_pool_op(void **state)
{
	(void)state;
	uint32_t id = next_client % 30, t0 = topic(), t1 = topic();

	next_client += 2;       /* both ids free again after each stage */
	for (int stage = 0; stage < 5; stage++) {
		uint32_t t = t0;
		struct tern_client *pc = fx_client(id);
		struct tern_pub *p = fx_pub(pc, t, true);
		struct tern_msg *m = tern_msg_alloc(p, 8);     /* a refill that landed */
		struct tern__cache *cc = pc->cache;
		struct tern__stack *sk = pc->stack;
		uint32_t len = cc->len, k = 16;

		assert_non_null(m);
		tern_msg_free(p, m);
		len = cc->len;
		k = RTE_MIN(k, len);    /* the cache holds a whole batch: maybe fewer */
		cc->op.k = k;
		cc->op.len_before = len;
		cc->op.tag = 0;
		if (stage == 0) {               /* refill begun, no attempt yet */
			cc->op.kind = TERN__POP;
		} else if (stage == 1) {        /* pop landed, len not moved */
			cc->op.kind = TERN__POP;
			assert_true(tern__stack_pop(sk, &cc->op, pc->client_id, &cc->objs[len],
						    TERN_CACHE_MAX - len) > 0);
		} else if (stage == 2) {        /* push landed, len not moved */
			cc->op.kind = TERN__PUSH;
			tern__stack_push(sk, &cc->op, pc->client_id, &cc->objs[len - k], k);
		} else if (stage == 3) {        /* push attempted, CAS not done */
			cc->op.kind = TERN__PUSH;
			cc->op.tag = sk->head.half[1] >> 16;
		} else {                        /* landed, then someone else moved the head */
			struct tern_client *other = fx_client(id + 1);
			struct tern_pub *op = fx_pub(other, t1, true);
			cc->op.kind = TERN__POP;
			assert_true(tern__stack_pop(sk, &cc->op, pc->client_id, &cc->objs[len],
						    TERN_CACHE_MAX - len) > 0);
			for (int i = 0; i < 300; i++)   /* refills and flushes */
				fx_publish(op, (uint64_t)i);
			gone(other);
		}
		gone(pc);
		assert_int_equal(dp_pool_free(&fx_dp), baseline);
	}
}

/* Killed with messages allocated and not yet published. */
static void dead_publisher_with_allocations(void **state)
{
	(void)state;
	uint32_t t = topic();
	struct tern_client *pc = fx_client(next_client++ % 32);
	struct tern_pub *p = fx_pub(pc, t, true);

	for (int i = 0; i < 10; i++)
		assert_non_null(tern_msg_alloc(p, 100));
	assert_int_equal(dp_pool_free(&fx_dp), baseline - 10);
	gone(pc);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dead_subscriber_holding_and_queued),
		cmocka_unit_test(dead_mid_read_committed),
		cmocka_unit_test(dead_mid_read_uncommitted),
		cmocka_unit_test(dead_mid_release),
		cmocka_unit_test(dead_sole_reader_mid_release),
		cmocka_unit_test(dead_publisher_mid_publish),
		cmocka_unit_test(dead_publisher_mid_burst),
		cmocka_unit_test(dead_publisher_mid_lap),
		cmocka_unit_test(dead_mid_free),
		cmocka_unit_test(dead_mid_replay_copy),
		cmocka_unit_test(stack_refuses_strays),
		cmocka_unit_test(dead_mid_pool_op),
		cmocka_unit_test(dead_publisher_with_allocations),
	};

	if (fx_eal_init() < 0) {
		fprintf(stderr, "EAL/state init failed: %s\n", fx_err);
		return 1;
	}
	baseline = dp_pool_free(&fx_dp);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
