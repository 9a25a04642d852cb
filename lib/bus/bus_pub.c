/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The publish path: one write per message into the topic's broadcast ring,
 * whatever the number of readers (docs/fanout.md).
 *
 * Under the topic (its lock, or exclusive ownership):
 *   1. adopt a pending fan-out list if tern-dataplane wrote one;
 *   2. check the gate: the publisher may write up to the lowest reader
 *      position plus its depth seen at the last look (the Disruptor's
 *      gating sequence), so the readers' cursors, lines other cores keep
 *      writing, are read only once in a while.  Past the gate the slow
 *      path looks again: a backpressure reader a depth behind refuses the
 *      message before anything is visible; a drop reader is lapped
 *      (bus_fanout.c);
 *   3. assign the sequence and timestamps, set one holder bit per reader;
 *   4. journal the publish (plain stores on our own cache line), write the
 *      slot and release the ring's tail.
 * No allocation, no syscall, no atomic instruction in exclusive mode.
 *
 * Before any of that, the message must fit its buffer.  Every header field
 * is the caller's to write, capacity included, and subscribers and the
 * storage role trust size and tags_len once the message is on the bus: so
 * they are bounded here by the pool's buffer size in shared memory, which
 * sits on the clock's cache line that the publish reads anyway.
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

/* The fan-out list in force for this publish; returns its length. */
static inline uint32_t adopt_pending(struct tern_pub *p, struct tern__topic *t)
{
	uint32_t gen = __atomic_load_n(&t->pending_gen, __ATOMIC_ACQUIRE);

	if (unlikely(gen != t->applied_gen))
		tern__fanout_adopt(p->c->shm, t, &p->c->slot->journal, p->c, p->topic_id, gen);
	return t->n_active;
}

void tern__pub_follow(struct tern_pub *p)
{
	struct tern__topic *t = p->t;

	if (__atomic_load_n(&t->pending_gen, __ATOMIC_ACQUIRE) == t->applied_gen)
		return;
	if (p->exclusive) {
		adopt_pending(p, t);
	} else {
		topic_lock(t, p->owner);
		adopt_pending(p, t);
		topic_unlock(t);
	}
}

/* A message's ring position, kept in its header once published so that
 * reclaim can tell the message a lap was clearing from a reused buffer. */
#define POS_MARK 0x80000000u

/* mode, a constant at each call site, so the local path pays nothing:
 *   PUB_LOCAL:   an ordinary publish, numbered here, for every reader;
 *   PUB_REMOTE:  a message numbered on its home node, delivered by an
 *                import (tern__publish_remote()), for every reader but the
 *                forwarding one;
 *   PUB_FORWARD: a local publish on an imported topic: numbered fwd_seq
 *                and for the forwarding reader alone, which carries it
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
	struct tern__bring *r;
	uint64_t holders, tail;
	uintptr_t tag;
	int64_t now, seq;

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
	adopt_pending(p, t);
	r = t->ring;
	if (mode == PUB_LOCAL) {
		holders = t->bits_all;
		tag = 0;
	} else if (mode == PUB_FORWARD) {
		holders = t->bits_fwd;
		tag = TERN__FWD;
		if (holders == 0)
			return TERN_EBACKPRESSURE;      /* no way home yet */
	} else {
		holders = t->bits_all & ~t->bits_fwd;
		tag = TERN__NOFWD;
	}
	tail = holders ? r->tail : 0;
	if (holders && unlikely(tern__pos_diff(tail + 1, t->gate) > 0)) {
		int32_t skip[TERN_FANOUT_MAX];
		if (tern__make_room(c->shm, t, j, c, p->topic_id, 1, remote, skip) == 0)
			return TERN_EBACKPRESSURE;
	}

	/* From here reclaim follows the journal, not the allocation slot:
	 * the publish landed iff the ring's tail moved past `tail`. */
	j->topic_id = p->topic_id;
	j->tail = tail;
	j->seq = t->seq;
	j->fwd_seq = t->fwd_seq;
	rte_compiler_barrier();
	j->m = holders ? m : NULL;
	rte_compiler_barrier();

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
	seq = (int64_t)msg->seq;   /* m may be freed once published */
	if (holders == 0) {
		tern__alloc_drop(c, msg);
		return seq;
	}
	tern__alloc_forget(c, msg);
	msg->slot__ = (uint32_t)tail | POS_MARK;
	if ((holders & (holders - 1)) == 0)
		tag |= TERN__SOLE;
	r->slot[tail & r->mask] = (void *)((uintptr_t)m | tag);
	/* Release: the slot and the message are written before readers see them. */
	__atomic_store_n(&r->tail, (tail + 1) & TERN__POS_MASK, __ATOMIC_RELEASE);
	rte_compiler_barrier();
	j->m = NULL;
	j->n_lap = 0;
	return seq;
}

static unsigned publish_burst_locked(struct tern_pub *p, struct tern__topic *t,
				     struct tern_msg **msgs, unsigned n)
{
	struct tern_client *c = p->c;
	struct tern__journal *j = &c->slot->journal;
	uint64_t nohold[TERN_BURST_MAX] = { 0 }, holders, tail;
	struct tern__bring *r;
	uint32_t k = n;
	int64_t now;

	adopt_pending(p, t);
	/* The reserved range ends (or a drain clamped it below seq). */
	uint64_t limit = t->seq_limit;
	if (unlikely(t->seq >= limit || limit - t->seq < k))
		k = t->seq < limit ? (uint32_t)(limit - t->seq) : 0;
	if (k == 0)
		return 0;
	r = t->ring;
	holders = t->bits_all;
	tail = holders ? r->tail : 0;
	if (holders && unlikely(tern__pos_diff(tail + k, t->gate) > 0)) {
		int32_t skip[TERN_FANOUT_MAX];
		k = tern__make_room(c->shm, t, j, c, p->topic_id, k, false, skip);
		if (k == 0)
			return 0;
		/* Readers lapped into the burst get no bit for what they skip. */
		for (uint32_t i = 0; i < t->n_active; i++)
			for (int32_t x = 0; x < skip[i] && x < (int32_t)k; x++)
				nohold[x] |= UINT64_C(1) << t->active[i].slot;
	}

	j->topic_id = p->topic_id;
	j->tail = tail;
	j->seq = t->seq;
	j->fwd_seq = t->fwd_seq;
	now = tern__clock_ns(&c->shm->clock, rte_rdtsc());
	for (uint32_t x = 0; x < k; x++) {
		struct tern_msg *msg = msgs[x];
		struct rte_mbuf *m = tern__mbuf(msg);
		msg->seq = ++t->seq;
		msg->topic_id = p->topic_id;
		msg->send_ns = now;
		msg->recv_ns = now;
		msg->holders__ = holders & ~nohold[x];
		m->data_len = (uint16_t)(msg->size + msg->tags_len);
		m->pkt_len = m->data_len;
		j->burst[x] = msg->holders__ ? m : NULL;
	}
	c->slot->published += k;
	/* Messages nobody gets (every reader lapped past them, or none): gone.
	 * Their positions are still published (every cursor is past them). */
	for (uint32_t x = 0; x < k; x++)
		if (msgs[x]->holders__ == 0)
			tern__alloc_drop(c, msgs[x]);
	if (holders == 0)
		return k;

	/* From here reclaim follows the journal, not the allocation slots. */
	rte_compiler_barrier();
	j->nb = k;
	rte_compiler_barrier();
	for (uint32_t x = 0; x < k; x++) {
		struct rte_mbuf *m = j->burst[x];
		uint64_t h;

		if (m == NULL) {
			r->slot[(tail + x) & r->mask] = NULL;   /* no reader will read it */
			continue;
		}
		h = tern__msg(m)->holders__;
		tern__alloc_forget(c, msgs[x]);
		msgs[x]->slot__ = (uint32_t)(tail + x) | POS_MARK;
		r->slot[(tail + x) & r->mask] = (void *)((uintptr_t)m | ((h & (h - 1)) == 0 ? TERN__SOLE : 0));
	}
	/* Release: the slots are written before readers see them. */
	__atomic_store_n(&r->tail, (tail + k) & TERN__POS_MASK, __ATOMIC_RELEASE);
	rte_compiler_barrier();
	j->nb = 0;
	j->n_lap = 0;
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
