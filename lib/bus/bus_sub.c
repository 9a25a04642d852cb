/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subscribe path: dequeue straight into the subscription's held table
 * in shared memory, so that at every instant each buffer we own is written
 * down somewhere tern-dataplane can see (held[], or the dequeue in flight
 * described by pend_*): a kill -9 leaks nothing.  Views are read-only
 * pointers into the same hugepage buffer the publisher wrote.
 */
#include <sys/eventfd.h>
#include <unistd.h>

#include "bus_pvt.h"
#include "common/tern_usdt.h"

#define HELD_MASK (TERN_HELD_MAX - 1)
static_assert((TERN_HELD_MAX & HELD_MASK) == 0, "TERN_HELD_MAX must be a power of two");

void tern__sub_refresh(struct tern_sub *h)
{
	struct tern__shm *shm = h->c->shm;
	/* Acquire: the link entries are written before n_links is raised. */
	uint32_t n = __atomic_load_n(&h->s->n_links, __ATOMIC_ACQUIRE);

	for (uint32_t i = h->n_links; i < n && i < TERN_SUB_LINKS_MAX; i++) {
		struct tern__link *l = tern__shm_link(shm, h->s->links[i]);
		h->links[i] = l;
		h->rings[i] = l->ring;
		if (l->topic_id < shm->max_topics)
			h->slot_of_topic[l->topic_id] = (uint8_t)l->slot;
	}
	h->n_links = n;
}

unsigned tern_poll(struct tern_sub *h, const struct tern_msg **msgs, unsigned n)
{
	if (tern__fenced(h->c))
		return 0;       /* tern_status() says why */
	if (unlikely(h->replay != NULL || h->dedupe_upto != 0))
		return tern__replay_poll(h, msgs, n);
	return tern__poll_live(h, msgs, n);
}

/*
 * Read from one link: copy its ring's entries for us into held[] past the
 * tail, then commit by moving the cursor with one CAS.  A publisher that
 * lapped us meanwhile changed the cursor, so the CAS fails and what we
 * copied is not ours (its bits were cleared): it is left where it lies,
 * past held_tail, and the next poll starts from the new cursor.  Returns
 * the entries taken.
 */
static inline uint32_t read_link(struct tern__sub *s, struct tern__link *l, struct tern__bring *r,
				 uint32_t link, uint32_t tail, uint32_t want)
{
	uint64_t cv = __atomic_load_n(&l->cursor, __ATOMIC_ACQUIRE), pos;
	uint32_t kept = 0, at = tail & HELD_MASK, fwd = l->forward;
	int64_t avail;

	if (cv == TERN__CUR_UNSTARTED)
		return 0;
	pos = tern__cur_pos(cv);
	/* Acquire: the slots and their messages are written before the tail. */
	avail = tern__pos_diff(__atomic_load_n(&r->tail, __ATOMIC_ACQUIRE), pos);
	if (avail <= 0)
		return 0;
	if ((int64_t)want > avail)
		want = (uint32_t)avail;
	/* Journal the read: reclaim can tell whether it committed (cnt). */
	s->pend_link = link;
	s->pend_cur = cv;
	s->pend_pos = tail;
	rte_compiler_barrier();
	for (uint32_t x = 0; x < want; x++) {
		void *e = r->slot[(pos + x) & r->mask];
		if (likely(tern__entry_for(e, fwd)))
			s->held[at + kept++] = e;
	}
	if (!__atomic_compare_exchange_n(&l->cursor, &cv,
					 tern__cur_make(pos + want, tern__cur_lap(cv),
							tern__cur_cnt(cv) + kept),
					 false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return 0;       /* lapped: the drops are counted on the link */
	return kept;
}

unsigned tern__poll_live(struct tern_sub *h, const struct tern_msg **msgs, unsigned n)
{
	struct tern__sub *s = h->s;
	uint32_t head = s->held_head, tail = s->held_tail;
	uint32_t nl, rr, got = 0;

	if (unlikely(s->n_links != h->n_links))
		tern__sub_refresh(h);
	nl = h->n_links;
	rr = s->rr;
	for (uint32_t k = 0; k < nl && got < n; k++) {
		uint32_t pos, want, room, i, link = rr;

		if (++rr >= nl)
			rr = 0;
		room = TERN_HELD_MAX - (tail - head);
		if (room == 0)
			break;
		pos = tail & HELD_MASK;
		want = RTE_MIN(RTE_MIN(n - got, room), TERN_HELD_MAX - pos);
		i = read_link(s, h->links[link], h->rings[link], link, tail, want);
		if (i == 0)
			continue;
		tail += i;
		s->held_tail = tail;
		h->links[link]->delivered += i;
		for (uint32_t x = 0; x < i; x++)
			msgs[got++] = tern__msg(tern__untag(s->held[pos + x]));
	}
	s->rr = rr;
	s->delivered += got;
	h->c->slot->polled += got;
	TERN_PROBE2(poll, h->sub_id, got);
	return got;
}

static inline void release_one(struct tern_sub *h, struct tern__sub *s, uint32_t idx,
			       struct rte_mbuf *e)
{
	struct rte_mbuf *m = tern__untag(e);

	if (tern__is_sole(e)) {
		/* Ours alone: no header access; reclaim checks our cache. */
		s->rel_m = e;
		rte_compiler_barrier();
		tern__buf_free(h->c, m);
	} else {
		const struct tern_msg *msg = tern__msg(m);

		/* The release in flight, with the incarnation it refers to. */
		s->rel_seq = msg->seq;
		s->rel_topic = msg->topic_id;
		rte_compiler_barrier();
		s->rel_m = e;
		rte_compiler_barrier();
		tern__release_ref(h->c, m, UINT64_C(1) << h->slot_of_topic[msg->topic_id]);
	}
	rte_compiler_barrier();
	s->held[idx & HELD_MASK] = NULL;
	rte_compiler_barrier();
	s->rel_m = NULL;
}

void tern_release(struct tern_sub *h, const struct tern_msg *const *msgs, unsigned n)
{
	struct tern__sub *s = h->s;
	uint32_t head = s->held_head, tail = s->held_tail;

	for (unsigned k = 0; k < n; k++) {
		struct rte_mbuf *m = tern__mbuf(msgs[k]);
		uint32_t i = head;

		/* Views are usually released in the order polled. */
		while (i != tail && tern__untag(s->held[i & HELD_MASK]) != m)
			i++;
		if (unlikely(i == tail))
			continue;       /* not held by this subscription */
		release_one(h, s, i, s->held[i & HELD_MASK]);
		while (head != tail && s->held[head & HELD_MASK] == NULL)
			head++;
	}
	s->held_head = head;
}

int tern_sub_fd(struct tern_sub *h)
{
	return h->fd >= 0 ? h->fd : -EINVAL;
}

int tern_sub_arm(struct tern_sub *h)
{
	struct tern__sub *s = h->s;

	if (h->fd < 0)
		return -EINVAL;
	if (tern__fenced(h->c))
		return TERN_ENOTCONN;
	if (s->n_links != h->n_links)
		tern__sub_refresh(h);
	s->armed = 1;
	/* Full fence: armed is visible before we look at the rings, so either
	 * we see the data or tern-dataplane sees armed (no lost wake-up). */
	rte_smp_mb();
	for (uint32_t i = 0; i < h->n_links; i++) {
		if (tern__link_queued(h->links[i]) != 0) {
			s->armed = 0;
			return 1;
		}
	}
	return 0;
}
