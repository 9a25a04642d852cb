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
 *   - a publish in flight: client->journal (message or burst, the ring's
 *     tail before it: it landed iff the tail moved), and the laps of drop
 *     readers it was making (bus_fanout.c);
 *   - a topic lock (shared mode): topic->lock == client id + 1;
 *   - a read in flight: sub->pend_* (its link's cursor before it);
 *   - polled views: sub->held[head, tail);
 *   - a release in flight: sub->rel_* (message and its incarnation);
 *   - free buffers in its caches, and a pool operation in flight
 *     (client->cache[], see tern_pool.h: recovered exactly, first).
 */
#include "bus_pvt.h"
#include "common/tern_usdt.h"

#define HELD_MASK (TERN_HELD_MAX - 1)

/* Release a held[] entry the (gone) reader never released. */
static uint32_t release_entry(void *e, uint64_t bit)
{
	if (tern__is_sole(e)) {
		rte_mbuf_raw_free(tern__untag(e));
		return 1;
	}
	return tern__release_ref(NULL, tern__untag(e), bit);
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
	} else if (s->pend_link < s->n_links && s->pend_link < TERN_SUB_LINKS_MAX &&
		   s->held_tail == s->pend_pos) {
		/* The read committed iff its cursor's count moved (only the
		 * reader moves it; laps keep it), by the entries it took. */
		struct tern__link *l = tern__shm_link(shm, s->links[s->pend_link]);
		uint64_t cv = __atomic_load_n(&l->cursor, __ATOMIC_ACQUIRE);
		uint32_t k = (tern__cur_cnt(cv) - tern__cur_cnt(s->pend_cur)) & 0xfff;
		if (cv != TERN__CUR_UNSTARTED && k <= TERN_HELD_MAX)
			s->held_tail += k;
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
 * The laps the dead client was making (bus_fanout.c).  A lap landed iff
 * its cursor's lap counter moved (nobody else laps while the dead client
 * holds the topic).  Bits are cleared position by position in order:
 * those before lap_next are done, those after untouched; at lap_next the
 * message's own state says how far its release went.
 */
static uint32_t finish_laps(struct tern__shm *shm, uint32_t client_id, struct tern__journal *j)
{
	uint64_t bits[TERN_FANOUT_MAX], tail, lo;
	struct tern__topic *t;
	struct tern__bring *r;
	uint32_t freed = 0, n = j->n_lap;

	if (n == 0 || n > TERN_FANOUT_MAX || j->lap_topic >= shm->max_topics)
		return 0;
	t = tern__shm_topic(shm, j->lap_topic);
	r = t->ring;
	if (r == NULL)
		return 0;
	tail = r->tail;
	lo = tail;
	for (uint32_t i = 0; i < n; i++) {
		struct tern__lap *e = &j->lap[i];
		uint64_t cv;

		bits[i] = 0;
		if (e->link_id >= shm->max_links)
			continue;
		cv = __atomic_load_n(&tern__shm_link(shm, e->link_id)->cursor, __ATOMIC_ACQUIRE);
		if (cv == TERN__CUR_UNSTARTED || tern__cur_lap(cv) == (e->lap & 0xf))
			continue;       /* never landed */
		bits[i] = UINT64_C(1) << tern__shm_link(shm, e->link_id)->slot;
		if (e->from != e->to && tern__pos_diff(e->from, lo) < 0)
			lo = e->from;
	}
	for (uint64_t q = lo; q != tail; q = (q + 1) & TERN__POS_MASK) {
		void *e = r->slot[q & r->mask];
		uint64_t mask;
		struct rte_mbuf *m;
		const struct tern_msg *msg;

		if (j->lap_next != TERN__CUR_UNSTARTED && tern__pos_diff(q, j->lap_next) < 0)
			continue;       /* done */
		mask = tern__lap_mask(shm, j, bits, q, e);
		if (mask == 0 || e == NULL)
			continue;
		m = tern__untag(e);
		msg = tern__msg(m);
		if (q != j->lap_next) {
			freed += tern__release_mask(NULL, m, mask);
			continue;
		}
		/* The one under way: still the message published at q? */
		if (msg->slot__ != ((uint32_t)q | 0x80000000u) || msg->topic_id != j->lap_topic)
			continue;
		uint64_t v = __atomic_load_n(&msg->holders__, __ATOMIC_ACQUIRE);
		if (v == (v & mask) && !(v & TERN__FREEING) && v != 0)
			/* Every bit left is the laps': freed without a mark, or not yet. */
			freed += in_cache(shm, client_id, m) ? 0 : tern__release_mask(NULL, m, mask);
		else if (!(v & TERN__FREEING))
			freed += (v & mask) ? tern__release_mask(NULL, m, mask) : 0;
		else if ((v & ~TERN__FREEING & ~mask) == 0 && !in_cache(shm, client_id, m)) {
			rte_mbuf_raw_free(m);   /* marked by the lap, never reached the pool */
			freed++;
		}
	}
	/* Drops not yet counted; a burst that never landed lapped its readers
	 * past the tail: they go back to it, and so do their counts. */
	for (uint32_t i = 0; i < n; i++) {
		struct tern__lap *e = &j->lap[i];
		struct tern__link *l;
		uint64_t cv;

		if (!bits[i])
			continue;
		l = tern__shm_link(shm, e->link_id);
		if (e->from != e->to)
			l->dropped += tern__lap_count(r, l->forward, e->from,
						      tern__pos_diff(e->to, tail) > 0 ? tail : e->to, tail);
		else if (tern__pos_diff(e->to, tail) > 0)
			l->dropped -= (uint64_t)tern__pos_diff(e->to, tail);
		cv = __atomic_load_n(&l->cursor, __ATOMIC_ACQUIRE);
		while (tern__pos_diff(tern__cur_pos(cv), tail) > 0 &&
		       !__atomic_compare_exchange_n(&l->cursor, &cv,
						    tern__cur_make(tail, tern__cur_lap(cv), tern__cur_cnt(cv)),
						    false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			;
	}
	j->n_lap = 0;
	/* The next publisher looks at every cursor again. */
	for (uint32_t i = 0; i < t->n_active && i < TERN_FANOUT_MAX; i++)
		t->active[i].limit = tail;
	t->gate = tail;
	return freed;
}

/* The publish that was in flight: undone unless it landed.  Until the
 * tail moved nobody could see it, so it goes back whole, and so does the
 * topic's numbering (no gap). */
static uint32_t finish_publish(struct tern__shm *shm, struct tern__journal *j)
{
	struct tern__topic *t = tern__shm_topic(shm, j->topic_id);
	uint32_t freed = 0;

	if (t->ring != NULL && t->ring->tail != j->tail)
		return 0;
	if (j->m != NULL) {
		rte_mbuf_raw_free(j->m);
		freed++;
	}
	for (uint32_t x = 0; x < j->nb && x < TERN_BURST_MAX; x++)
		if (j->burst[x] != NULL) {
			rte_mbuf_raw_free(j->burst[x]);
			freed++;
		}
	t->seq = j->seq;
	t->fwd_seq = j->fwd_seq;
	return freed;
}

static bool in_burst(const struct tern__journal *j, struct rte_mbuf *m)
{
	for (uint32_t x = 0; x < j->nb && x < TERN_BURST_MAX; x++)
		if (j->burst[x] == m)
			return true;
	return false;
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
	st->freed += finish_laps(shm, client_id, j);
	if ((j->m != NULL || (j->nb != 0 && j->nb <= TERN_BURST_MAX)) &&
	    j->topic_id < shm->max_topics)
		st->freed += finish_publish(shm, j);
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
