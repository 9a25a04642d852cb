/* SPDX-License-Identifier: Apache-2.0 */
/* Process-local handles of libtern.  Must not be included by applications. */
#ifndef TERN_BUS_PVT_H
#define TERN_BUS_PVT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "tern_shm.h"

struct tern_client {
	int fd;                     /* tern-control's socket */
	uint32_t client_id;
	uint32_t lcore_id;
	struct tern__shm *shm;
	struct tern__client *slot;  /* this client's state in shared memory */
	struct rte_mempool *pool;   /* the pool of our socket */
	struct tern__stack *stack;  /* its stack */
	struct tern__cache *cache;  /* our cache of it, in slot->cache[] */
	bool one_pool;              /* the node has one pool: every buffer is c->pool's */
	uint64_t alloc_free;        /* free bits of slot->alloc[] */
	/* Non-zero once the bus is gone for us (bus_watch.c): read on every
	 * data call, written once by the watcher thread.  Same line as the
	 * fields above, which the data path reads anyway. */
	uint32_t fenced;
	struct tern_pub *pubs;      /* open handles, closed by tern_close() */
	struct tern_sub *subs;
	int timeout_ms;             /* bound of every control call; <= 0: none */
	uint32_t stale;             /* replies owed to requests that timed out */
	/* The watcher (bus_watch.c). */
	bool watching;
	uint32_t fence_claimed;     /* the one writer of fence_why */
	char fence_why[160];
	pthread_t watcher;
	int watch_wake;             /* eventfd: tern_close() stops the watcher */
	int dp_pidfd;               /* tern-dataplane's pidfd, or -1 */
	uint32_t dp_pid;
};

struct tern_pub {
	struct tern_client *c;
	struct tern__topic *t;
	uint32_t topic_id;
	uint32_t owner;             /* client id + 1, the lock value */
	bool exclusive;
	struct tern_pub *next;
};

struct tern_sub {
	struct tern_client *c;
	struct tern__sub *s;
	uint32_t sub_id;
	int fd;                     /* eventfd, or -1 */
	uint32_t n_links;           /* links cached below */
	struct tern__bring *rings[TERN_SUB_LINKS_MAX];
	struct tern__link *links[TERN_SUB_LINKS_MAX];
	uint8_t *slot_of_topic;     /* holder bit by topic id (max_topics bytes) */
	struct tern__replay *replay; /* non-NULL while serving from the log */
	uint64_t dedupe_upto;       /* after replay: live seqs up to this were delivered */
	struct tern_sub *next;
};

/* bus_watch.c: fencing.  The watcher wakes at least this often to read the
 * shared fence word (EOF and the dataplane's exit wake it at once): a tenth
 * of TERN_FENCE_BOUND_MS, and cheap enough for hundreds of idle clients. */
#define TERN__WATCH_PERIOD_MS 100
int tern__watch_start(struct tern_client *c);
void tern__watch_stop(struct tern_client *c);
/* Fence c: every data call returns TERN_ENOTCONN from now on. */
void tern__fence(struct tern_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The data path's one check: a process-local word, one predictable branch. */
static inline bool tern__fenced(const struct tern_client *c)
{
	return unlikely(__atomic_load_n(&c->fenced, __ATOMIC_RELAXED) != 0);
}

/* bus_replay.c */
struct tern_sub_opts;
int tern__replay_open(struct tern_sub *h, const char *topic, const struct tern_sub_opts *o);
unsigned tern__replay_poll(struct tern_sub *h, const struct tern_msg **msgs, unsigned n);
void tern__replay_close(struct tern_sub *h);
/* bus_sub.c: the live poll, for bus_replay.c */
unsigned tern__poll_live(struct tern_sub *h, const struct tern_msg **msgs, unsigned n);

/* bus_msg.c: pick the pool of `socket` (or the default) and our slot and
 * cache; shm and client_id set.  Returns 0 or -EPROTO. */
int tern__client_bind(struct tern_client *c, unsigned socket);

/* Forget an allocated message (published or freed). */
static inline void tern__alloc_forget(struct tern_client *c, struct tern_msg *msg)
{
	c->slot->alloc[msg->slot__] = NULL;
	c->alloc_free |= UINT64_C(1) << msg->slot__;
}

/* The cache a buffer goes back to: ours of its pool. */
/* With one pool, m's header line is not read at all: a sole reader then
 * frees a message touching only its payload (a stray pointer is refused
 * when the cache is flushed, tern__stack_push). */
static inline struct tern__cache *tern__cache_for(struct tern_client *c, struct rte_mbuf *m,
						  struct tern__stack **stack)
{
	if (likely(c->one_pool || m->pool == c->pool)) {
		*stack = c->stack;
		return c->cache;
	}
	*stack = tern__stack_of(m->pool);
	return &c->slot->cache[(*stack)->index];
}

/* Return a buffer to our cache: the pointer is stored before len counts
 * it, so at every instant reclaim can tell whether it is back (it is in
 * objs[0, len)) or still ours wherever the caller recorded it.  A full
 * cache is flushed *before* m goes in: once a free has returned, m is in
 * the cache, never already passed on to the pool (where reclaim could
 * not see it, and would free it a second time). */
static inline void tern__buf_free(struct tern_client *c, struct rte_mbuf *m)
{
	struct tern__stack *stack;
	struct tern__cache *cc = tern__cache_for(c, m, &stack);
	uint32_t len = cc->len;

	if (unlikely(len >= cc->size + cc->size / 2 + 1)) {
		tern__cache_flush(cc, stack, c->client_id, cc->size);
		len = cc->len;
	}
	cc->objs[len] = m;
	rte_compiler_barrier();
	cc->len = len + 1;
}

/* Take n buffers from our cache straight into dst[] (slots reclaim reads);
 * len drops only after they are stored there. */
static inline int tern__buf_take(struct tern_client *c, struct rte_mbuf **dst, uint32_t n)
{
	struct tern__cache *cc = c->cache;
	uint32_t len = cc->len;

	if (unlikely(len < n)) {
		if (tern__cache_refill(cc, c->stack, c->client_id, n) < 0)
			return -ENOBUFS;
		len = cc->len;
	}
	for (uint32_t i = 0; i < n; i++)
		dst[i] = cc->objs[len - 1 - i];
	rte_compiler_barrier();
	cc->len = len - n;
	return 0;
}

/* Free an allocated, unpublished message: the buffer goes back first, the
 * slot is forgotten after (reclaim looks for it in our cache). */
static inline void tern__alloc_drop(struct tern_client *c, struct tern_msg *msg)
{
	tern__buf_free(c, tern__mbuf(msg));
	rte_compiler_barrier();
	tern__alloc_forget(c, msg);
}

/* bus_msg.c: the holders__ release protocol, shared by subscribers and
 * reclaim.  The last holder frees into c's cache (c NULL: tern-dataplane,
 * straight to the pool). */
bool tern__release_mask(struct tern_client *c, struct rte_mbuf *m, uint64_t mask);
static inline bool tern__release_ref(struct tern_client *c, struct rte_mbuf *m, uint64_t bit)
{
	return tern__release_mask(c, m, bit);
}

/* bus_fanout.c: the broadcast ring's slow paths (under the topic). */
/* Adopt pending list generation gen (j: the caller's journal for laps). */
void tern__fanout_adopt(struct tern__shm *shm, struct tern__topic *t, struct tern__journal *j,
			struct tern_client *c, uint32_t topic_id, uint32_t gen);
/* bus_pub.c: adopt p's topic's pending list now, if one waits: called when
 * an allocation fails, since buffers a dropped reader holds are released
 * only by the adoption that laps it out, and a publisher out of buffers
 * would otherwise never publish to adopt it. */
void tern__pub_follow(struct tern_pub *p);
/* Room for k positions from the tail: laps drop readers a depth behind;
 * returns how many may go (0: a backpressure reader is full).  skip[i]:
 * how many of them active[i] was lapped past (gets no bit for). */
uint32_t tern__make_room(struct tern__shm *shm, struct tern__topic *t, struct tern__journal *j,
			 struct tern_client *c, uint32_t topic_id, uint32_t k, bool remote,
			 int32_t *skip);
/* Messages of [from, to) for a reader (positions from tail on: all). */
uint64_t tern__lap_count(const struct tern__bring *r, uint32_t forward, uint64_t from,
			 uint64_t to, uint64_t tail);
/* The bits of journaled laps (bits[i] for lap[i], 0: skip) covering q, entry e. */
uint64_t tern__lap_mask(struct tern__shm *shm, const struct tern__journal *j,
			const uint64_t *bits, uint64_t q, const void *e);

/* bus_sub.c: pick up links tern-dataplane appended to the subscription. */
void tern__sub_refresh(struct tern_sub *h);

/* bus_reclaim.c (run by tern-dataplane): undo everything a dead client held. */
struct tern__reclaim_stats {
	uint32_t freed;             /* buffers returned to the pool */
	uint32_t unlocked;          /* topics whose lock it held */
};
void tern__reclaim_client(struct tern__shm *shm, uint32_t client_id,
			  struct tern__reclaim_stats *st);
/* bus_fanout.c: lap a link nobody reads any more to its ring's tail,
 * releasing its bit in every message it did not read; returns them. */
uint32_t tern__drain_link(struct tern__shm *shm, struct tern__link *l);
/* Undo a dead subscriber's dequeue in flight and release everything it held. */
uint32_t tern__reclaim_sub(struct tern__shm *shm, struct tern__sub *s, uint32_t client_id);
/* After tern__reclaim_client and its subscriptions' reclaim: return the dead
 * client's cached free buffers to the pools. */
uint32_t tern__reclaim_caches(struct tern__shm *shm, uint32_t client_id);

/* bus_pub.c: publish a message numbered on its home node (tern-dataplane's
 * node links, an exclusive publisher): msg->seq, send_ns and event_ns are
 * kept, recv_ns set; seq must be past the topic's (else -EALREADY, the
 * message stays the caller's), a jump past seq + 1 is a gap.  Other
 * returns as tern_publish(). */
int64_t tern__publish_remote(struct tern_pub *p, struct tern_msg *msg);

/* Per-thread error message chain for slow calls. */
void tern__err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tern__err_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
