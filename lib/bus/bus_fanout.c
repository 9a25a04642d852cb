/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The broadcast ring's slow paths (docs/fanout.md), shared by publishers
 * and tern-dataplane: adopting a new fan-out list, and lapping readers.
 *
 * A publisher may overwrite the slot of position q only once every reader
 * has passed q.  A drop-policy reader a whole depth behind is *lapped*: the
 * publisher moves its cursor forward with one CAS (the reader's own commit
 * is a CAS on the same word, so exactly one of the two wins), then clears
 * the reader's holder bit in the messages it skipped, which may free them.
 * Each lap is journaled before its CAS, its progress as it clears, so that
 * reclaim can finish the lap of a publisher killed in the middle of one
 * (bus_reclaim.c).  Everything here runs under the topic's lock (or its
 * exclusive publisher, or tern-dataplane when the topic has no publisher).
 */
#include <string.h>

#include "bus_pvt.h"

/* A lapped reader loses up to a quarter of its depth at a time (two
 * chunks), so a reader that stays behind costs its publisher one CAS per
 * depth/8 messages at most, not one per message. */
static inline uint32_t lap_chunk(uint32_t depth)
{
	return depth >= 8 ? depth / 8 : 1;
}

uint64_t tern__lap_count(const struct tern__bring *r, uint32_t forward, uint64_t from,
			 uint64_t to, uint64_t tail)
{
	uint64_t n = 0, q = from;

	if (tern__pos_diff(to, from) <= 0)
		return 0;
	for (; q != to && q != tail; q = (q + 1) & TERN__POS_MASK)
		n += tern__entry_for(r->slot[q & r->mask], forward);
	/* Past the tail: a burst lapping a reader into itself; all for everyone. */
	return n + (q == to ? 0 : (uint64_t)tern__pos_diff(to, q));
}

/* A drop reader within a chunk of being overrun is lapped with the ones
 * that are (to two chunks), so that readers lagging alike are lapped
 * together: one release per skipped message for all of them. */
static inline int64_t slack(const struct tern__fanout *f)
{
	return f->policy == TERN_POLICY_BACKPRESSURE ? 0 : (int64_t)lap_chunk(f->depth);
}

/* The holder bits of the journaled laps whose range covers position q and
 * that entry e was for. */
uint64_t tern__lap_mask(struct tern__shm *shm, const struct tern__journal *j,
			const uint64_t *bits, uint64_t q, const void *e)
{
	uint64_t mask = 0;

	for (uint32_t i = 0; i < j->n_lap; i++)
		if (bits[i] && tern__pos_diff(q, j->lap[i].from) >= 0 &&
		    tern__pos_diff(q, j->lap[i].to) < 0 &&
		    tern__entry_for(e, tern__shm_link(shm, j->lap[i].link_id)->forward))
			mask |= bits[i];
	return mask;
}

/*
 * Clear the lapped readers' bits in what they skipped, then count their
 * drops.  Positions from `tail` on are not published yet (a burst lapping
 * readers into itself): nothing to clear there, the burst sets no bit.
 * The journal keeps the laps (n_lap) until the caller's publish is done.
 */
static void laps_finish(struct tern__shm *shm, struct tern__bring *r, struct tern__journal *j,
			struct tern_client *c, const uint64_t *bits, uint64_t tail)
{
	uint64_t lo = tail;

	for (uint32_t i = 0; i < j->n_lap; i++)
		if (bits[i] && tern__pos_diff(j->lap[i].from, lo) < 0)
			lo = j->lap[i].from;
	for (uint64_t q = lo; q != tail; q = (q + 1) & TERN__POS_MASK) {
		void *e = r->slot[q & r->mask];
		uint64_t mask = tern__lap_mask(shm, j, bits, q, e);

		if (mask == 0)
			continue;
		j->lap_next = q;
		rte_compiler_barrier();
		tern__release_mask(c, tern__untag(e), mask);
	}
	j->lap_next = tail;
	rte_compiler_barrier();
	for (uint32_t i = 0; i < j->n_lap; i++) {
		struct tern__lap *e = &j->lap[i];
		struct tern__link *l;

		if (!bits[i] || e->from == e->to)
			continue;
		l = tern__shm_link(shm, e->link_id);
		l->dropped += tern__lap_count(r, l->forward, e->from, e->to, tail);
		rte_compiler_barrier();
		e->from = e->to;        /* counted: reclaim must not count it again */
	}
}

/* Move f's cursor (last seen as *cv) to `to`, journaled as lap[j->n_lap].
 * Fails (and reloads *cv) if the reader committed in between. */
static bool lap_one(struct tern__journal *j, const struct tern__fanout *f, uint64_t *cv,
		    uint64_t to)
{
	struct tern__lap *e = &j->lap[j->n_lap];

	e->link_id = f->link_id;
	e->lap = tern__cur_lap(*cv);
	e->from = tern__cur_pos(*cv);
	e->to = to;
	rte_compiler_barrier();
	j->n_lap++;
	rte_compiler_barrier();
	if (__atomic_compare_exchange_n(f->cur, cv,
					tern__cur_make(to, e->lap + 1, tern__cur_cnt(*cv)), false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return true;
	j->n_lap--;             /* never landed: its lap counter says so too */
	return false;
}

static inline void laps_begin(struct tern__journal *j, uint32_t topic_id)
{
	j->n_lap = 0;
	j->lap_next = TERN__CUR_UNSTARTED;
	rte_compiler_barrier();
	j->lap_topic = topic_id;
}

/* How far a backpressure forwarding link may be lapped by an import's
 * publish: over the import's own messages, never past a local one on its
 * way home.  Returns the first position it must still read. */
static uint64_t fwd_lap_limit(const struct tern__bring *r, uint64_t pos, uint64_t tail)
{
	while (pos != tail && tern__entry_for(r->slot[pos & r->mask], 0) &&
	       !tern__entry_for(r->slot[pos & r->mask], 1))
		pos = (pos + 1) & TERN__POS_MASK;
	return pos;
}

uint32_t tern__make_room(struct tern__shm *shm, struct tern__topic *t, struct tern__journal *j,
			 struct tern_client *c, uint32_t topic_id, uint32_t k, bool remote,
			 int32_t *skip)
{
	struct tern__bring *r = t->ring;
	uint64_t tail = r->tail, bits[TERN_FANOUT_MAX], cvs[TERN_FANOUT_MAX], seen = 0, fwd_to = 0;
	uint64_t want = (tail + k) & TERN__POS_MASK, gate;
	uint32_t n = t->n_active, allow = k;

	/* Who may be a depth behind?  Only readers whose cached limit is
	 * short of the burst are looked at again.  Backpressure readers bound
	 * the burst. */
	for (uint32_t i = 0; i < n; i++) {
		struct tern__fanout *f = &t->active[i];
		int64_t rel;

		skip[i] = 0;
		if (tern__pos_diff(f->limit, want) >= slack(f))
			continue;
		seen |= UINT64_C(1) << i;
		cvs[i] = __atomic_load_n(f->cur, __ATOMIC_ACQUIRE);
		f->limit = (tern__cur_pos(cvs[i]) + f->depth) & TERN__POS_MASK;
		rel = tern__pos_diff(f->limit, tail);
		if (rel >= (int64_t)allow || f->policy != TERN_POLICY_BACKPRESSURE)
			continue;
		/* The forwarding link reads only local publishes: the import's
		 * messages are not held up by a way home that is down. */
		if (remote && f->forward) {
			fwd_to |= UINT64_C(1) << i;
			rel = tern__pos_diff(fwd_lap_limit(r, tern__cur_pos(cvs[i]), tail), tail) +
			      f->depth;
		}
		if (rel < (int64_t)allow)
			allow = rel > 0 ? (uint32_t)rel : 0;
	}
	if (allow != 0) {
		laps_begin(j, topic_id);
		for (uint64_t m = seen; m != 0; m &= m - 1) {
			uint32_t i = (uint32_t)__builtin_ctzll(m);
			struct tern__fanout *f = &t->active[i];
			int64_t base = (int64_t)allow - f->depth;
			uint64_t to;

			/* Far enough for the burst; a drop reader a chunk further
			 * while that stays within what is published. */
			while (tern__pos_diff(f->limit, tail) < (int64_t)allow + slack(f)) {
				/* The forwarding link skips every import message up
				 * to the first local one in one lap, not one per
				 * publish (each would scan the ring from its cursor). */
				if (fwd_to & (UINT64_C(1) << i)) {
					to = fwd_lap_limit(r, tern__cur_pos(cvs[i]), tail);
					if (to == tern__cur_pos(cvs[i]))
						break;  /* a local message is next: allow counted it */
				} else if (f->policy == TERN_POLICY_BACKPRESSURE)
					to = (tail + (uint64_t)base) & TERN__POS_MASK;
				else
					to = (tail + (uint64_t)RTE_MAX(base, RTE_MIN(base + 2 * slack(f),
										      (int64_t)0))) & TERN__POS_MASK;
				if (lap_one(j, f, &cvs[i], to)) {
					bits[j->n_lap - 1] = UINT64_C(1) << f->slot;
					if (tern__pos_diff(to, tail) > 0)
						skip[i] = (int32_t)tern__pos_diff(to, tail);
					f->limit = (to + f->depth) & TERN__POS_MASK;
					break;
				}
				/* The reader committed meanwhile: where is it now? */
				f->limit = (tern__cur_pos(cvs[i]) + f->depth) & TERN__POS_MASK;
			}
		}
		if (j->n_lap != 0)
			laps_finish(shm, r, j, c, bits, tail);
	}
	/* The gate: the lowest limit (publisher-local lines). */
	gate = (tail + r->size) & TERN__POS_MASK;
	for (uint32_t i = 0; i < n; i++)
		if (tern__pos_diff(t->active[i].limit, gate) < 0)
			gate = t->active[i].limit;
	t->gate = gate;
	return allow;
}

/* Lap cursor cur (of a link with holder bit `slot`) to the ring's tail: its
 * bits in what it never read are cleared.  Its held views stay its own. */
static void lap_out(struct tern__shm *shm, struct tern__bring *r, struct tern__journal *j,
		    struct tern_client *c, uint32_t topic_id, const struct tern__fanout *f)
{
	uint64_t tail = r->tail, cv = __atomic_load_n(f->cur, __ATOMIC_ACQUIRE), bit;

	laps_begin(j, topic_id);
	while (cv != TERN__CUR_UNSTARTED && tern__pos_diff(tern__cur_pos(cv), tail) < 0) {
		if (lap_one(j, f, &cv, tail)) {
			bit = UINT64_C(1) << f->slot;
			laps_finish(shm, r, j, c, &bit, tail);
			break;
		}
	}
	rte_compiler_barrier();
	j->n_lap = 0;
}

uint32_t tern__drain_link(struct tern__shm *shm, struct tern__link *l)
{
	struct tern__journal j;
	struct tern__fanout f = { .cur = &l->cursor, .link_id = (uint32_t)(l - tern__shm_link(shm, 0)),
				  .slot = (uint8_t)l->slot, .forward = (uint8_t)l->forward };
	uint64_t before = l->dropped;

	if (l->ring == NULL || l->out)
		return 0;
	lap_out(shm, l->ring, &j, NULL, l->topic_id, &f);
	l->out = 1;
	return (uint32_t)(l->dropped - before);
}

static bool listed(const struct tern__fanout *list, uint32_t n, uint32_t link_id)
{
	for (uint32_t i = 0; i < n; i++)
		if (list[i].link_id == link_id)
			return true;
	return false;
}

/*
 * Copy tern-dataplane's pending list into the active one.  pending_gen is a
 * seqlock: odd while being written.  Copy to a scratch first, so a torn read
 * never touches the active list; on a race keep the old list until the next
 * publish (both are valid lists, the new one just is not in force yet).
 * Readers that left are lapped out; new ones start at the tail, the first
 * position published with their bit.
 */
void tern__fanout_adopt(struct tern__shm *shm, struct tern__topic *t, struct tern__journal *j,
			struct tern_client *c, uint32_t topic_id, uint32_t gen)
{
	struct tern__fanout tmp[TERN_FANOUT_MAX];
	uint64_t all = 0, fwd = 0;
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
	if (t->ring != NULL) {
		uint64_t tail = t->ring->tail;

		for (uint32_t i = 0; i < t->n_active; i++)
			if (!listed(tmp, n, t->active[i].link_id))
				lap_out(shm, t->ring, j, c, topic_id, &t->active[i]);
		for (uint32_t i = 0; i < n; i++) {
			uint64_t exp = TERN__CUR_UNSTARTED;
			tmp[i].limit = tail;    /* read it at the next publish */
			__atomic_compare_exchange_n(tmp[i].cur, &exp, tern__cur_make(tail, 0, 0), false,
						    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
			all |= UINT64_C(1) << tmp[i].slot;
			if (tmp[i].forward)
				fwd |= UINT64_C(1) << tmp[i].slot;
		}
		t->gate = tail;         /* scan the new list at the next publish */
	} else {
		n = 0;                  /* no ring: nothing to read (never listed then) */
	}
	memcpy(t->active, tmp, n * sizeof(tmp[0]));
	t->bits_all = all;
	t->bits_fwd = fwd;
	t->n_active = n;
	t->applied_gen = gen;
}
