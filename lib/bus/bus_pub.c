/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The publish path: one hop from publisher to every subscriber's ring.
 *
 * Under the topic (its lock, or exclusive ownership):
 *   1. apply a pending fan-out list if tern-dataplane wrote one;
 *   2. check every link for room: a full backpressure link refuses the
 *      whole message before anything is visible; a full drop link is
 *      counted as dropped.  We are the rings' only producer, so room seen
 *      here cannot vanish before the enqueue;
 *   3. assign the sequence and timestamps, set one holder bit per link;
 *   4. journal the publish (plain stores on our own cache line) and enqueue.
 * No allocation, no syscall, no atomic instruction in exclusive mode.
 *
 * Before any of that, the message must fit its buffer.  Every header field
 * is the caller's to write, capacity included, and subscribers and the
 * storage role trust size and tags_len once the message is on the bus: so
 * they are bounded here by the pool's buffer size in shared memory, which
 * sits on the clock's cache line that the publish reads anyway.
 *
 * The rings are rte_rings, and subscribers dequeue with DPDK's own calls.
 * The enqueue side is done here, with rte_ring's single-producer protocol
 * (write the slot, then release prod.tail), because rte_ring reads the
 * consumer's cons.tail on every enqueue: a line the consumer on another
 * core keeps writing, so one cross-core miss per message.  We keep the last
 * cons.tail seen in the fan-out entry (Aeron's cached consumer position) and
 * read the real one only when the cached view says the ring is full.
 */
#include <string.h>

#include <rte_cycles.h>

#include "bus_pvt.h"
#include "common/tern_usdt.h"

static inline void topic_lock(struct tern__topic *t, uint32_t owner)
{
	uint32_t exp = 0;

	while (!__atomic_compare_exchange_n(&t->lock, &exp, owner, false,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		exp = 0;
		rte_pause();
	}
}

static inline void topic_unlock(struct tern__topic *t)
{
	/* Release: the enqueues and seq above are visible before the next holder. */
	__atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE);
}

/* rte_ring 22.11 layout: the object table follows the header. */
static inline void **ring_slots(struct rte_ring *r)
{
	return (void **)(r + 1);
}

static inline void link_enqueue(struct rte_ring *r, void *obj)
{
	uint32_t head = r->prod.tail;

	ring_slots(r)[head & r->mask] = obj;
	r->prod.head = head + 1;
	/* Release: the slot is written before the consumer can see it. */
	__atomic_store_n(&r->prod.tail, head + 1, __ATOMIC_RELEASE);
}

/* Free space in f's ring, refreshing the cached consumer position only when
 * the cached view shows less than want. */
static inline uint32_t link_room(struct tern__fanout *f, uint32_t want)
{
	struct rte_ring *r = f->ring;
	uint32_t prod = r->prod.tail;
	uint32_t room = r->capacity - (prod - f->cons_cache);

	if (room >= want)
		return room;
	f->cons_cache = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
	return r->capacity - (prod - f->cons_cache);
}

static inline void link_enqueue_n(struct rte_ring *r, void *const *objs, uint32_t n)
{
	uint32_t head = r->prod.tail, mask = r->mask;
	void **slots = ring_slots(r);

	for (uint32_t i = 0; i < n; i++)
		slots[(head + i) & mask] = objs[i];
	r->prod.head = head + n;
	/* Release: the slots are written before the consumer can see them. */
	__atomic_store_n(&r->prod.tail, head + n, __ATOMIC_RELEASE);
}

/*
 * Copy tern-dataplane's pending list into the active one.  pending_gen is a
 * seqlock: odd while being written.  Copy to a scratch first, so a torn read
 * never touches the active list; on a race keep the old list until the next
 * publish (both are valid lists, the new one just is not in force yet).
 */
static void __rte_noinline apply_pending(struct tern__topic *t, uint32_t gen)
{
	struct tern__fanout tmp[TERN_FANOUT_MAX];
	uint32_t n;

	if (gen & 1)
		return;
	n = t->n_pending;
	if (n > TERN_FANOUT_MAX)
		return;
	memcpy(tmp, t->pending, n * sizeof(tmp[0]));
	/* Acquire fence: the copy is read before gen is read again. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&t->pending_gen, __ATOMIC_RELAXED) != gen)
		return;
	for (uint32_t i = 0; i < n; i++)
		tmp[i].cons_cache = tmp[i].ring->cons.tail;
	memcpy(t->active, tmp, n * sizeof(tmp[0]));
	t->n_active = n;
	t->applied_gen = gen;
}

/*
 * Enqueue on every link in mask, in index order, journaling each step
 * (the link and its ring's tail before) so that reclaim can tell which
 * enqueues committed.  room NULL: one message (objs[0]) per link; else
 * active[i] takes objs[0, room[i]).  Room was checked: these cannot fail.
 */
static inline void fanout_enqueue(struct tern__topic *t, struct tern__journal *j, uint64_t mask,
				  void *const *objs, const uint32_t *room)
{
	while (mask != 0) {
		uint32_t i = (uint32_t)__builtin_ctzll(mask);
		struct rte_ring *r = t->active[i].ring;

		mask &= mask - 1;
		j->step = TERN__STEP(i, r->prod.tail);
		rte_compiler_barrier();
		if (room == NULL)
			link_enqueue(r, objs[0]);
		else
			link_enqueue_n(r, objs, room[i]);
	}
}

/* The fan-out list in force for this publish; returns its length. */
static inline uint32_t adopt_pending(struct tern__topic *t)
{
	uint32_t gen = __atomic_load_n(&t->pending_gen, __ATOMIC_ACQUIRE);

	if (unlikely(gen != t->applied_gen))
		apply_pending(t, gen);
	return t->n_active;
}

/* mode, a constant at each call site, so the local path pays nothing:
 *   PUB_LOCAL:   an ordinary publish, numbered here;
 *   PUB_REMOTE:  a message numbered on its home node, delivered by an
 *                import (tern__publish_remote()), to every link but the
 *                forwarding one;
 *   PUB_FORWARD: a local publish on an imported topic: numbered fwd_seq
 *                and given to the forwarding link alone, which carries it
 *                to the home node to be numbered there (docs/transport.md);
 *                without one yet, the publisher waits (backpressure). */
enum pub_mode { PUB_LOCAL, PUB_REMOTE, PUB_FORWARD };

static inline int64_t publish_locked(struct tern_pub *p, struct tern__topic *t,
				     struct tern_msg *msg, const enum pub_mode mode)
{
	const bool remote = mode == PUB_REMOTE;
	struct tern_client *c = p->c;
	struct tern__journal *j = &c->slot->journal;
	struct rte_mbuf *m = tern__mbuf(msg);
	uint64_t mask = 0, holders = 0, full = 0;
	uint32_t n, i;
	int64_t now;

	/* A stored topic numbers only within its reserved range (tern_shm.h). */
	if (remote) {
		/* Already here (a stream resumed from before its end): once only. */
		if (msg->seq <= t->seq)
			return -EALREADY;
		if (msg->seq > t->seq_limit)
			return TERN_EBACKPRESSURE;
	} else if (mode == PUB_LOCAL && unlikely(t->seq >= t->seq_limit)) {
		return TERN_EBACKPRESSURE;
	}
	n = adopt_pending(t);
	for (i = 0; i < n; i++) {
		struct tern__fanout *f = &t->active[i];
		if (mode != PUB_LOCAL && f->forward != (mode == PUB_FORWARD))
			continue;
		if (likely(link_room(f, 1) != 0)) {
			mask |= UINT64_C(1) << i;
			holders |= UINT64_C(1) << f->slot;
		} else if (f->policy == TERN_POLICY_BACKPRESSURE) {
			return TERN_EBACKPRESSURE;
		} else {
			full |= UINT64_C(1) << i;
		}
	}

	if (mode == PUB_FORWARD && mask == 0)
		return TERN_EBACKPRESSURE;      /* no way home yet */
	now = tern__clock_ns(&c->shm->clock, rte_rdtsc());
	if (remote) {
		/* The home node's seq and send time; a jump is the gap the
		 * subscriber sees (messages the link could not recover). */
		t->seq = msg->seq;
	} else if (mode == PUB_FORWARD) {
		msg->seq = ++t->fwd_seq;        /* the forwarding stream's own numbers */
		msg->send_ns = now;
	} else {
		msg->seq = ++t->seq;
		/* Locally the library is the bus: it sends and accepts in one step. */
		msg->send_ns = now;
	}
	/* Ours to set, like seq: subscribers index by it when they release. */
	msg->topic_id = p->topic_id;
	msg->recv_ns = now;
	msg->holders__ = holders;
	m->data_len = (uint16_t)(msg->size + msg->tags_len);
	m->pkt_len = m->data_len;
	c->slot->published++;

	while (unlikely(full != 0)) {
		i = (uint32_t)__builtin_ctzll(full);
		full &= full - 1;
		tern__shm_link(c->shm, t->active[i].link_id)->dropped++;
	}
	if (mask == 0) {
		int64_t seq = (int64_t)msg->seq;
		tern__alloc_drop(c, msg);
		return seq;
	}

	/* From here reclaim follows the journal, not the allocation slot. */
	j->topic_id = p->topic_id;
	j->mask = mask;
	j->step = TERN__STEP(TERN_FANOUT_MAX, 0);  /* nothing enqueued yet */
	rte_compiler_barrier();
	j->m = m;
	rte_compiler_barrier();
	tern__alloc_forget(c, msg);
	int64_t seq = (int64_t)msg->seq;   /* m may be freed once enqueued */
	void *obj = (mask & (mask - 1)) == 0 ? (void *)((uintptr_t)m | TERN__SOLE) : (void *)m;
	fanout_enqueue(t, j, mask, &obj, NULL);
	rte_compiler_barrier();
	j->m = NULL;
	return seq;
}

static unsigned publish_burst_locked(struct tern_pub *p, struct tern__topic *t,
				     struct tern_msg **msgs, unsigned n)
{
	struct tern_client *c = p->c;
	struct tern__journal *j = &c->slot->journal;
	uint32_t room[TERN_FANOUT_MAX], nl, k = n, i, taken = 0;
	uint8_t readers[TERN_BURST_MAX] = { 0 };
	void *objs[TERN_BURST_MAX];
	uint64_t mask = 0;
	int64_t now;

	nl = adopt_pending(t);
	for (i = 0; i < nl; i++) {
		room[i] = link_room(&t->active[i], n);
		if (t->active[i].policy == TERN_POLICY_BACKPRESSURE && room[i] < k)
			k = room[i];
	}
	/* The reserved range ends (or a drain clamped it below seq). */
	uint64_t limit = t->seq_limit;
	if (unlikely(t->seq >= limit || limit - t->seq < k))
		k = t->seq < limit ? (uint32_t)(limit - t->seq) : 0;
	if (k == 0)
		return 0;

	now = tern__clock_ns(&c->shm->clock, rte_rdtsc());
	for (uint32_t x = 0; x < k; x++) {
		struct tern_msg *msg = msgs[x];
		struct rte_mbuf *m = tern__mbuf(msg);
		msg->seq = ++t->seq;
		msg->topic_id = p->topic_id;
		msg->send_ns = now;
		msg->recv_ns = now;
		msg->holders__ = 0;
		m->data_len = (uint16_t)(msg->size + msg->tags_len);
		m->pkt_len = m->data_len;
		j->burst[x] = m;
	}
	for (i = 0; i < nl; i++) {
		uint64_t bit = UINT64_C(1) << t->active[i].slot;
		if (room[i] > k)
			room[i] = k;
		else if (room[i] < k)
			tern__shm_link(c->shm, t->active[i].link_id)->dropped += k - room[i];
		for (uint32_t x = 0; x < room[i]; x++) {
			msgs[x]->holders__ |= bit;
			readers[x]++;
		}
		j->room[i] = (uint16_t)room[i];
		if (room[i])
			mask |= UINT64_C(1) << i;
		if (room[i] > taken)
			taken = room[i];
	}
	c->slot->published += k;
	/* Links take prefixes: msgs[taken, k) were dropped everywhere. */
	for (uint32_t x = taken; x < k; x++)
		tern__alloc_drop(c, msgs[x]);
	if (taken == 0)
		return k;

	/* From here reclaim follows the journal, not the allocation slots. */
	j->topic_id = p->topic_id;
	j->mask = mask;
	j->step = TERN__STEP(TERN_FANOUT_MAX, 0);
	rte_compiler_barrier();
	j->nb = taken;
	rte_compiler_barrier();
	for (uint32_t x = 0; x < taken; x++) {
		tern__alloc_forget(c, msgs[x]);
		objs[x] = (void *)((uintptr_t)j->burst[x] | (readers[x] == 1 ? TERN__SOLE : 0));
	}
	fanout_enqueue(t, j, mask, objs, room);
	rte_compiler_barrier();
	j->nb = 0;
	return k;
}

unsigned tern_publish_burst(struct tern_pub *p, struct tern_msg **msgs, unsigned n)
{
	struct tern__topic *t = p->t;
	unsigned k;

	if (n > TERN_BURST_MAX)
		n = TERN_BURST_MAX;
	/* The burst ends before the first message that does not fit: the
	 * caller keeps it and the rest, as after a full backpressure link. */
	for (k = 0; k < n; k++)
		if (!tern__msg_fits(p->c->shm, msgs[k]))
			break;
	n = k;
	if (n == 0 || tern__fenced(p->c))
		return 0;
	if (unlikely(t->imported)) {
		/* Forwarded home one at a time: rare, and numbered there. */
		topic_lock(t, p->owner);
		for (k = 0; k < n && publish_locked(p, t, msgs[k], PUB_FORWARD) > 0; k++)
			;
		topic_unlock(t);
		return k;
	}
	if (p->exclusive) {
		k = publish_burst_locked(p, t, msgs, n);
	} else {
		topic_lock(t, p->owner);
		k = publish_burst_locked(p, t, msgs, n);
		topic_unlock(t);
	}
	TERN_PROBE3(publish_burst, p->topic_id, n, k);
	return k;
}

int64_t tern_publish(struct tern_pub *p, struct tern_msg *msg)
{
	struct tern__topic *t = p->t;
	int64_t rv;

	if (tern__fenced(p->c))
		return TERN_ENOTCONN;
	if (!tern__msg_fits(p->c->shm, msg))
		return TERN_EMSGSIZE;
	if (p->exclusive) {
		rv = publish_locked(p, t, msg, PUB_LOCAL);
	} else {
		topic_lock(t, p->owner);
		rv = unlikely(t->imported) ? publish_locked(p, t, msg, PUB_FORWARD)
					   : publish_locked(p, t, msg, PUB_LOCAL);
		topic_unlock(t);
	}
	TERN_PROBE2(publish, p->topic_id, rv);
	return rv;
}

int64_t tern__publish_remote(struct tern_pub *p, struct tern_msg *msg)
{
	int64_t rv;

	if (!tern__msg_fits(p->c->shm, msg) || msg->seq == 0)
		return TERN_EMSGSIZE;
	/* No USDT probe here: publish's is the applications' (tests list them).
	 * Shared: local publishers on the node forward through the same topic. */
	topic_lock(p->t, p->owner);
	rv = publish_locked(p, p->t, msg, PUB_REMOTE);
	topic_unlock(p->t);
	return rv;
}
