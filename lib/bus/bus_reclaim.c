/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reclaim: tern-dataplane undoes whatever a dead client held, so a kill -9
 * leaks no buffer and wedges no topic.  Runs in the dataplane only, after
 * tern-control has seen the client's socket close (the process is gone,
 * so its stores have all landed and nothing races with us on its side).
 *
 * What a client can hold, and how each is recorded (plain stores on its
 * own cache lines; see bus_pub.c and bus_sub.c):
 *   - messages allocated, not yet published: client->alloc[];
 *   - a publish in flight: client->journal (message, target links, and
 *     which enqueue was under way with the ring's tail before it);
 *   - a topic lock (shared mode): topic->lock == client id + 1;
 *   - a dequeue in flight: sub->pend_* (ring cons.tail before it);
 *   - polled views: sub->held[head, tail);
 *   - a release in flight: sub->rel_* (message and its incarnation);
 *   - free buffers in its caches, and a pool operation in flight
 *     (client->cache[], see tern_pool.h: recovered exactly, first).
 */
#include "bus_pvt.h"
#include "common/tern_usdt.h"

#define HELD_MASK (TERN_HELD_MAX - 1)

/* A consumer or producer killed between its head and tail updates left a
 * reservation that will never commit: roll it back.  Only ever for the
 * side whose (single) owner is dead. */
static void ring_rollback_cons(struct rte_ring *r)
{
	if (r->cons.head != r->cons.tail)
		r->cons.head = r->cons.tail;
}

static void ring_rollback_prod(struct rte_ring *r)
{
	if (r->prod.head != r->prod.tail)
		r->prod.head = r->prod.tail;
}

/* Release a ring or held[] entry the (gone) reader never released. */
static uint32_t release_entry(void *e, uint64_t bit)
{
	if (tern__is_sole(e)) {
		rte_mbuf_raw_free(tern__untag(e));
		return 1;
	}
	return tern__release_ref(NULL, e, bit);
}

uint32_t tern__drain_link(struct tern__shm *shm, struct tern__link *l)
{
	uint64_t bit = UINT64_C(1) << l->slot;
	uint32_t freed = 0;
	void *objs[32];
	unsigned n;

	(void)shm;
	ring_rollback_cons(l->ring);
	while ((n = rte_ring_sc_dequeue_burst(l->ring, objs, RTE_DIM(objs), NULL)) != 0)
		for (unsigned i = 0; i < n; i++)
			freed += release_entry(objs[i], bit);
	return freed;
}

static uint64_t sub_bit(struct tern__shm *shm, struct tern__sub *s, uint32_t topic_id)
{
	for (uint32_t i = 0; i < s->n_links && i < TERN_SUB_LINKS_MAX; i++) {
		struct tern__link *l = tern__shm_link(shm, s->links[i]);
		if (l->topic_id == topic_id)
			return UINT64_C(1) << l->slot;
	}
	return 0;
}

/* Is m among the dead client's free buffers?  Exact once its caches are
 * recovered (tern__reclaim_client does that first). */
static bool in_cache(struct tern__shm *shm, uint32_t client_id, struct rte_mbuf *m)
{
	const struct tern__stack *st = tern__stack_of(m->pool);

	if (client_id >= shm->max_clients || st->index >= TERN_POOLS_MAX)
		return false;
	return tern__cache_has(&tern__shm_client(shm, client_id)->cache[st->index], m);
}

/* The release that was in flight when the subscriber died. */
static uint32_t finish_release(struct tern__shm *shm, struct tern__sub *s, uint32_t client_id)
{
	struct rte_mbuf *m = tern__untag(s->rel_m);
	const struct tern_msg *msg = tern__msg(m);
	uint64_t bit, v;

	if (tern__is_sole(s->rel_m)) {
		/* The sole reader freed it, or was about to: its cache says which. */
		if (in_cache(shm, client_id, m))
			return 0;
		rte_mbuf_raw_free(m);
		return 1;
	}
	if (msg->seq != s->rel_seq || msg->topic_id != s->rel_topic)
		return 0;               /* freed and already reused: done */
	bit = sub_bit(shm, s, s->rel_topic);
	v = __atomic_load_n(&msg->holders__, __ATOMIC_ACQUIRE);
	/* A sole holder frees without marking: in its cache means released. */
	if (v == bit)
		return in_cache(shm, client_id, m) ? 0 : tern__release_ref(NULL, m, bit);
	if (!(v & TERN__FREEING))
		return (v & bit) ? tern__release_ref(NULL, m, bit) : 0;
	if (v == (TERN__FREEING | bit) && !in_cache(shm, client_id, m)) {
		rte_mbuf_raw_free(m);   /* marked, but never reached the pool */
		return 1;
	}
	return 0;
}

uint32_t tern__reclaim_sub(struct tern__shm *shm, struct tern__sub *s, uint32_t client_id)
{
	uint32_t freed = 0;

	if (s->pend_link == TERN__PEND_COPY && s->held_tail == s->pend_pos) {
		/* A replay copy being made: its buffer is in the cache still, or
		 * in the slot past the tail, never held yet; ours to free. */
		struct rte_mbuf *m = s->held[s->pend_pos & HELD_MASK];
		if (m != NULL && !in_cache(shm, client_id, m)) {
			rte_mbuf_raw_free(m);
			freed++;
		}
		s->held[s->pend_pos & HELD_MASK] = NULL;
	} else if (s->pend_link < s->n_links && s->pend_link < TERN_SUB_LINKS_MAX) {
		struct rte_ring *r = tern__shm_link(shm, s->links[s->pend_link])->ring;
		if (r->cons.head != r->cons.tail) {
			ring_rollback_cons(r);          /* never committed */
		} else if (s->held_tail == s->pend_pos) {
			uint32_t k = r->cons.tail - s->pend_cons;
			if (k <= TERN_HELD_MAX)         /* committed, tail not yet moved */
				s->held_tail += k;
		}
	}
	for (uint32_t i = s->held_head; i != s->held_tail; i++) {
		struct rte_mbuf *e = s->held[i & HELD_MASK];
		if (e == NULL)
			continue;
		if (e == s->rel_m)
			freed += finish_release(shm, s, client_id);
		else
			freed += release_entry(e, tern__is_sole(e) ? 0 :
					       sub_bit(shm, s, tern__msg(tern__untag(e))->topic_id));
		s->held[i & HELD_MASK] = NULL;
	}
	s->held_head = s->held_tail = 0;
	s->pend_link = TERN_NONE;
	s->rel_m = NULL;
	s->armed = 0;
	return freed;
}

/*
 * Did the dead publisher's enqueue on active[i] commit?  Links are enqueued
 * in index order and step names the one under way with its ring's tail
 * before: earlier ones committed, later ones were never touched, and the
 * one under way committed iff its tail moved (a half-made reservation is
 * rolled back first).
 */
static bool link_committed(const struct tern__journal *j, const struct tern__fanout *f,
			   uint32_t i)
{
	uint32_t next = (uint32_t)j->step, tail_before = (uint32_t)(j->step >> 32);

	if (i < next && next < TERN_FANOUT_MAX)
		return true;
	if (i != next)
		return false;
	ring_rollback_prod(f->ring);
	return f->ring->prod.tail != tail_before;
}

/* The publish that was in flight: release the links it never reached. */
static uint32_t finish_publish(struct tern__shm *shm, struct tern__journal *j)
{
	struct tern__topic *t = tern__shm_topic(shm, j->topic_id);
	uint32_t freed = 0;

	for (uint64_t mask = j->mask; mask != 0; mask &= mask - 1) {
		const struct tern__fanout *f = &t->active[__builtin_ctzll(mask)];

		if (!link_committed(j, f, (uint32_t)__builtin_ctzll(mask))) {
			tern__shm_link(shm, f->link_id)->dropped++;
			freed += tern__release_ref(NULL, j->m, UINT64_C(1) << f->slot);
		}
	}
	return freed;
}

static bool in_burst(const struct tern__journal *j, struct rte_mbuf *m)
{
	for (uint32_t x = 0; x < j->nb && x < TERN_BURST_MAX; x++)
		if (j->burst[x] == m)
			return true;
	return false;
}

/* The burst that was in flight: each link took a prefix of it. */
static uint32_t finish_burst(struct tern__shm *shm, struct tern__journal *j)
{
	struct tern__topic *t = tern__shm_topic(shm, j->topic_id);
	uint32_t freed = 0;

	for (uint64_t mask = j->mask; mask != 0; mask &= mask - 1) {
		uint32_t i = (uint32_t)__builtin_ctzll(mask);
		const struct tern__fanout *f = &t->active[i];
		uint32_t room = RTE_MIN(j->room[i], (uint32_t)j->nb);
		uint32_t done = link_committed(j, f, i) ? room : 0;

		tern__shm_link(shm, f->link_id)->dropped += room - done;
		for (uint32_t x = done; x < room; x++)
			freed += tern__release_ref(NULL, j->burst[x], UINT64_C(1) << f->slot);
	}
	return freed;
}

/* The stack of the pool with socket index p, or NULL where there is none. */
static struct tern__stack *pool_stack(struct tern__shm *shm, uint32_t p)
{
	struct tern__stack *sk = shm->pools[p] ? tern__stack_of(shm->pools[p]) : NULL;

	return sk && sk->index < TERN_POOLS_MAX ? sk : NULL;
}

void tern__reclaim_client(struct tern__shm *shm, uint32_t client_id,
			  struct tern__reclaim_stats *st)
{
	struct tern__client *c = tern__shm_client(shm, client_id);
	struct tern__journal *j = &c->journal;
	uint32_t owner = client_id + 1;

	st->freed = st->unlocked = 0;
	/* First make its caches exact: a pool operation it died in either
	 * landed or did not, and the stack's head says which. */
	for (uint32_t p = 0; p < RTE_MAX_NUMA_NODES; p++) {
		struct tern__stack *sk = pool_stack(shm, p);
		if (sk)
			tern__cache_recover(&c->cache[sk->index], sk, client_id);
	}
	if (j->m != NULL && j->topic_id < shm->max_topics)
		st->freed += finish_publish(shm, j);
	if (j->nb != 0 && j->nb <= TERN_BURST_MAX && j->topic_id < shm->max_topics)
		st->freed += finish_burst(shm, j);
	for (uint32_t i = 0; i < TERN_ALLOC_MAX; i++) {
		struct rte_mbuf *m = c->alloc[i];
		/* In the dead lcore's cache: freed, the slot not yet forgotten. */
		if (m != NULL && m != j->m && !in_burst(j, m) &&
		    !in_cache(shm, client_id, m)) {
			rte_mbuf_raw_free(m);
			st->freed++;
		}
		c->alloc[i] = NULL;
	}
	j->m = NULL;
	j->nb = 0;
	for (uint32_t i = 0; i < shm->max_topics; i++) {
		struct tern__topic *t = tern__shm_topic(shm, i);
		if (t->lock == owner) {
			__atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE);
			st->unlocked++;
		}
		if (t->excl_owner == owner)
			t->excl_owner = 0;
	}
	TERN_PROBE3(reclaim, client_id, st->freed, st->unlocked);
}

uint32_t tern__reclaim_caches(struct tern__shm *shm, uint32_t client_id)
{
	struct tern__client *c = tern__shm_client(shm, client_id);
	uint32_t n = 0;

	/* tern__reclaim_client recovered the caches: objs[0, len) are exact. */
	for (uint32_t p = 0; p < RTE_MAX_NUMA_NODES; p++) {
		struct tern__stack *sk = pool_stack(shm, p);

		if (sk == NULL)
			continue;
		n += c->cache[sk->index].len;
		tern__cache_flush(&c->cache[sk->index], sk, TERN_POOL_NOBODY, 0);
	}
	return n;
}
