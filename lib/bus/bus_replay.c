/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replay: a subscription that starts in the past is served from the log
 * and then carried into the live stream with no gap and no duplicate.
 *
 * The live link is attached first, so from that instant every new message
 * waits in our ring.  The oldest message in the ring, seq L, is the
 * boundary: everything before it must come from the log, which the
 * dataplane's storage role fills through its own subscription.  We read
 * the log (following it while storage catches up) until we have delivered
 * L - 1, then switch to the ring and drop whatever the log already gave us
 * (seq <= last delivered).  Until a live message exists the boundary is
 * unknown, so we keep serving the log as it grows.
 *
 * Replayed messages are copied once from the log into pool buffers so that
 * they are ordinary views (same header, same release); the live ones stay
 * zero-copy.  Only exact topic names replay: a pattern has no single
 * boundary.
 *
 * Also here, as the other client call that reads the log's state:
 * tern_pub_wait_durable().
 */
#include <string.h>

#include <rte_cycles.h>

#include <tern/tern_log.h>
#include <tern/tern_topic.h>

#include "bus_pvt.h"

#define HELD_MASK (TERN_HELD_MAX - 1)

struct tern__replay {
	struct tern_log_reader *reader;
	uint32_t topic_id;
	uint64_t last;              /* last seq delivered, 0: none */
	uint64_t skipped;           /* damaged or oversized records skipped */
	/* A record read but not delivered because the pool was empty: it is
	 * offered again at the next poll (its bytes stay in the reader's
	 * buffer, which only the next read replaces), never skipped. */
	struct tern_log_msg pending;
	bool has_pending;
};

static int route(struct tern__shm *shm, const char *topic, char *prefix, size_t cap)
{
	struct tern_log_rule rules[RTE_DIM(shm->storage_rules)];

	for (uint32_t i = 0; i < shm->n_storage_rules; i++)
		rules[i] = (struct tern_log_rule){ .pattern = shm->storage_rules[i].pattern,
						   .prefix = shm->storage_rules[i].prefix };
	return tern_log_rules_route(rules, shm->n_storage_rules, topic, prefix, cap);
}

static bool topic_stored(struct tern__shm *shm, const char *topic)
{
	char prefix[256];

	return route(shm, topic, prefix, sizeof(prefix)) >= 0;
}

int tern__replay_open(struct tern_sub *h, const char *topic, const struct tern_sub_opts *o)
{
	static const enum tern_log_start modes[] = {
		[TERN_START_EARLIEST] = TERN_LOG_START_EARLIEST,
		[TERN_START_SEQ] = TERN_LOG_START_SEQ,
		[TERN_START_TIME] = TERN_LOG_START_TIME,
	};
	struct tern__shm *shm = h->c->shm;
	char prefix[256];
	struct tern__replay *r;
	int rv;

	if (o->start > TERN_START_TIME)
		return -EINVAL;
	if (tern_topic_validate(topic, false) < 0) {
		tern__err_set("replay needs a topic name, not the pattern '%s'", topic);
		return -EINVAL;
	}
	if (route(shm, topic, prefix, sizeof(prefix)) < 0) {
		tern__err_set("no storage rule keeps topic '%s': nothing to replay", topic);
		return -ENODATA;
	}
	tern__sub_refresh(h);
	if (h->n_links != 1)
		return -ENOENT;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->topic_id = h->links[0]->topic_id;
	rv = tern_log_reader_open(shm->storage_dir, prefix, modes[o->start], o->start_value, NULL,
				  &r->reader);
	if (rv < 0) {
		tern__err_set("cannot read the log of '%s' (%s/%s): %s", topic, shm->storage_dir,
			      prefix, strerror(-rv));
		free(r);
		return rv;
	}
	h->replay = r;
	return 0;
}

void tern__replay_close(struct tern_sub *h)
{
	if (h->replay) {
		tern_log_reader_close(h->replay->reader);
		free(h->replay);
		h->replay = NULL;
	}
}

/* The seq of the oldest live message waiting for us, 0: none.  A lapping
 * publisher may free it while we look: it moves the cursor first, so an
 * unchanged cursor afterwards says the seq read is the message's. */
static uint64_t live_boundary(struct tern_sub *h)
{
	struct tern__link *l = h->links[0];
	struct tern__bring *r = h->rings[0];

	for (;;) {
		uint64_t cv = __atomic_load_n(&l->cursor, __ATOMIC_ACQUIRE), seq = 0;

		if (cv == TERN__CUR_UNSTARTED)
			return 0;
		/* Acquire: the slot and the message are written before the tail. */
		uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		for (uint64_t q = tern__cur_pos(cv); q != tail; q = (q + 1) & TERN__POS_MASK) {
			void *e = r->slot[q & r->mask];
			if (tern__entry_for(e, l->forward)) {
				seq = tern__msg(tern__untag(e))->seq;
				break;
			}
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&l->cursor, __ATOMIC_RELAXED) == cv)
			return seq;
	}
}

/* Copy a log record into a pool buffer and hold it like a dequeued one. */
static const struct tern_msg *hold_copy(struct tern_sub *h, const struct tern_log_msg *lm)
{
	struct tern_client *c = h->c;
	struct tern__sub *s = h->s;
	uint32_t pos = s->held_tail;
	struct rte_mbuf *m;
	struct tern_msg *msg;

	/* The buffer goes straight from our cache into the held slot past the
	 * tail, journaled, so that at no instant is it in neither: reclaim
	 * finds it in the cache or in that slot (bus_reclaim.c). */
	s->pend_pos = pos;
	rte_compiler_barrier();
	s->pend_link = TERN__PEND_COPY;
	rte_compiler_barrier();
	if (tern__buf_take(c, &s->held[pos & HELD_MASK], 1) != 0) {
		s->pend_link = TERN_NONE;
		return NULL;
	}
	m = s->held[pos & HELD_MASK];
	msg = tern__msg(m);
	memcpy(tern_msg_data(msg), lm->payload, lm->payload_len);
	memcpy((char *)tern_msg_data(msg) + lm->payload_len, lm->tags, lm->tags_len);
	msg->seq = lm->seq;
	msg->event_ns = lm->event_ns;
	msg->send_ns = lm->send_ns;
	msg->recv_ns = lm->recv_ns;
	msg->topic_id = h->replay->topic_id;
	msg->size = lm->payload_len;
	msg->type_id = lm->type_id;
	msg->version = lm->type_version;
	msg->tags_len = (uint16_t)lm->tags_len;
	msg->holders__ = UINT64_C(1) << h->links[0]->slot;
	msg->capacity = c->shm->msg_size;
	msg->slot__ = 0;
	m->data_len = (uint16_t)(lm->payload_len + lm->tags_len);
	m->pkt_len = m->data_len;
	rte_compiler_barrier();
	s->held_tail = pos + 1;
	rte_compiler_barrier();
	s->pend_link = TERN_NONE;
	return msg;
}

static unsigned replay_log(struct tern_sub *h, const struct tern_msg **msgs, unsigned n)
{
	struct tern__replay *r = h->replay;
	uint64_t boundary = live_boundary(h);
	unsigned got = 0;

	while (got < n) {
		struct tern_log_msg lm;
		const struct tern_msg *v;
		int rv;

		if (boundary && r->last + 1 >= boundary)
			goto live;      /* the ring has the rest */
		if (h->s->held_tail - h->s->held_head >= TERN_HELD_MAX)
			break;
		if (r->has_pending) {
			lm = r->pending;
			r->has_pending = false;
			goto offer;
		}
		rv = tern_log_reader_next(r->reader, &lm);
		if (rv == -EAGAIN) {
			/* Storage has not caught up; look at the ring again. */
			if ((boundary = live_boundary(h)) != 0 && r->last + 1 >= boundary)
				goto live;
			break;
		}
		if (rv == -EBADMSG || rv == -ENODATA || rv == -EMSGSIZE) {
			r->skipped++;
			continue;
		}
		if (rv < 0)
			break;
		if ((uint64_t)lm.payload_len + lm.tags_len > h->c->shm->msg_size) {
			r->skipped++;   /* can never fit: a gap, as damage is */
			continue;
		}
offer:
		if (lm.seq <= r->last)
			continue;
		if (boundary && lm.seq >= boundary)
			goto live;
		if ((v = hold_copy(h, &lm)) == NULL) {
			/* pool empty: deliver nothing more now, this record first
			 * at the next poll */
			r->pending = lm;
			r->has_pending = true;
			break;
		}
		msgs[got++] = v;
		r->last = lm.seq;
	}
	return got;
live:
	h->dedupe_upto = r->last ? r->last : 0;
	tern__replay_close(h);
	return got;
}

unsigned tern__replay_poll(struct tern_sub *h, const struct tern_msg **msgs, unsigned n)
{
	unsigned got = 0, k, keep = 0;

	if (h->replay) {
		got = replay_log(h, msgs, n);
		if (h->replay || got == n)
			return got;
	}
	/* Live, dropping what the log already delivered. */
	k = tern__poll_live(h, msgs + got, n - got);
	for (unsigned i = 0; i < k; i++) {
		const struct tern_msg *m = msgs[got + i];
		if (m->seq <= h->dedupe_upto) {
			tern_release(h, &m, 1);
			continue;
		}
		h->dedupe_upto = 0;     /* past the overlap: back to the plain path */
		msgs[got + keep++] = m;
	}
	return got + keep;
}

/* Whether storage reported seq lost (the fields' order: tern_shm.h). */
static bool seq_failed(struct tern__topic *t, uint64_t seq)
{
	uint64_t lo = __atomic_load_n(&t->fail_lo, __ATOMIC_ACQUIRE);

	return lo != 0 && seq >= lo && seq <= __atomic_load_n(&t->fail_hi, __ATOMIC_ACQUIRE);
}

int tern_pub_wait_durable(struct tern_pub *p, uint64_t seq, int64_t timeout_ns)
{
	struct tern__shm *shm = p->c->shm;
	struct tern__topic *t = p->t;
	uint64_t deadline;

	/* durable_seq first: the failure it may have passed is visible then. */
	if (__atomic_load_n(&t->durable_seq, __ATOMIC_ACQUIRE) >= seq)
		return seq_failed(t, seq) ? TERN_ESTORAGE : 0;
	if (!topic_stored(shm, t->name))
		return -ENODATA;
	deadline = rte_rdtsc() + (uint64_t)((double)timeout_ns * 1e-9 * (double)shm->clock.tsc_hz);
	while (__atomic_load_n(&t->durable_seq, __ATOMIC_ACQUIRE) < seq) {
		if (seq_failed(t, seq)) {
			tern__err_set("storage of '%s' failed for seq %llu: %s", t->name,
				      (unsigned long long)seq,
				      strerror(__atomic_load_n(&t->storage_errno, __ATOMIC_RELAXED)
					       ?: EIO));
			return TERN_ESTORAGE;
		}
		if (rte_rdtsc() > deadline)
			return -ETIMEDOUT;
		if (tern__fenced(p->c))
			return TERN_ENOTCONN;
		rte_pause();
	}
	return seq_failed(t, seq) ? TERN_ESTORAGE : 0;
}
