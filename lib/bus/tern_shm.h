/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bus's state in hugepage shared memory: one memzone, laid out here,
 * mapped at the same address by tern-dataplane (primary) and every client
 * (secondary), so raw pointers (rings, mbufs) are valid everywhere.
 *
 * Shape, and why (docs/fanout.md):
 * - Each topic has one broadcast ring of message pointers, written once per
 *   message by its publisher whatever the number of readers.  A "link" is
 *   one (topic, subscription) pair: a cursor into that ring, moved by its
 *   reader and, when a drop-policy reader falls a whole depth behind, by the
 *   publisher that laps it.  A message is held by one bit per link in its
 *   header, set at publish, cleared by the reader on release (or by the
 *   lapper for what the reader never read).  A pattern subscription is
 *   simply several links polled in turn.
 * - Per-topic order: the topic's publishers serialise on topic->lock; an
 *   exclusive publisher (TERN_PUB_EXCLUSIVE, granted by tern-control only
 *   when it is the sole publisher) skips the lock entirely, so the single
 *   publisher case pays for no atomic instruction (Aeron's
 *   ExclusivePublication).
 * - The fan-out list is changed without stopping publishers: tern-dataplane
 *   writes a *pending* list under a seqlock; whoever publishes next copies it
 *   into the *active* list (publishers are its only readers).  A removed
 *   link's ring is freed only once the new list has been applied.
 * - A client killed with kill -9 leaks nothing: everything it could hold is
 *   recorded where tern-dataplane can see it (allocated messages, the
 *   publish in flight, the dequeue in flight, polled messages), and
 *   bus_reclaim.c undoes it.  See the comments there for the residual
 *   windows.
 *
 * Counters written by different processes sit on separate cache lines.
 */
#ifndef TERN_SHM_H
#define TERN_SHM_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <tern/tern.h>
#include <tern/tern_topic.h>

#include "tern_pool.h"

#define TERN_SHM_NAME "tern_state"
#define TERN_SHM_MAGIC UINT64_C(0x7465726e73686d31) /* "ternshm1" */
#define TERN_SHM_VERSION 4          /* 2: names and patterns of 256 bytes; rings from the heap;
                                     * topic seq_limit and storage state; 3: dp_state;
                                     * 4: broadcast rings and cursors */

#define TERN_NAME_MAX 256           /* topic names and patterns, NUL included (TERN_TOPIC_MAX + 1) */
#define TERN_FANOUT_MAX 63          /* links per topic (bit 63 of holders__ is FREEING) */
#define TERN_SUB_LINKS_MAX 256      /* topics one pattern subscription can follow */
#define TERN_HELD_MAX 512           /* polled, unreleased views per subscription */
#define TERN_ALLOC_MAX 64           /* allocated, unpublished messages per client */
#define TERN_BURST_MAX 32           /* messages per tern_publish_burst() */
#define TERN_NONE UINT32_MAX
#define TERN__PEND_COPY (UINT32_MAX - 1) /* sub->pend_link: a replay copy is being made */
/* dp_sub_create's policy, or'ed: a forwarding subscription (tern__fanout.forward). */
#define TERN__POLICY_FORWARD 0x100u

enum tern__state { TERN__FREE = 0, TERN__LIVE = 1, TERN__RETIRING = 2, TERN__ORPHAN = 3 };

/*
 * A topic's broadcast ring: slot[pos & mask] is the message at ring
 * position pos, for pos in [tail - size, tail).  Positions are 48-bit
 * counters (they share a word with two small counters in a cursor), so
 * every comparison goes through tern__pos_diff().  The ring holds no
 * reference: a message lives while a holder bit is set, and the publisher
 * never overwrites a slot some reader has not passed (or been lapped past).
 */
struct tern__bring {
	volatile uint64_t tail;     /* next position; written by the publisher, release */
	uint32_t size;              /* a power of two */
	uint32_t mask;
	uint32_t links;             /* links reading it (tern-dataplane only) */
	uint32_t topic_id;
	void *slot[] __rte_cache_aligned;
};

/*
 * A link's cursor, one 64-bit word so a reader's commit and a lap are each
 * one CAS: pos:48 (the next position to read), lap:4 (bumped by each lap,
 * so reclaim can tell whether a journaled lap landed), cnt:12 (bumped by
 * the reader by the count it took, so reclaim can tell whether its read
 * committed, and how much).  No ABA: pos only moves forward.
 */
#define TERN__POS_BITS 48
#define TERN__POS_MASK ((UINT64_C(1) << TERN__POS_BITS) - 1)
#define TERN__CUR_UNSTARTED UINT64_MAX      /* no publisher has started it yet */
static inline uint64_t tern__cur_pos(uint64_t c) { return c >> 16; }
static inline uint32_t tern__cur_lap(uint64_t c) { return (uint32_t)(c >> 12) & 0xf; }
static inline uint32_t tern__cur_cnt(uint64_t c) { return (uint32_t)c & 0xfff; }
static inline uint64_t tern__cur_make(uint64_t pos, uint32_t lap, uint32_t cnt)
{
	return (pos & TERN__POS_MASK) << 16 | (uint64_t)(lap & 0xf) << 12 | (cnt & 0xfff);
}
/* a - b for 48-bit positions, signed. */
static inline int64_t tern__pos_diff(uint64_t a, uint64_t b)
{
	return (int64_t)((a - b) << 16) >> 16;
}

/* Ring entries (and held[] entries) are mbuf pointers with tags in the low
 * bits (mbufs are cache-line aligned). */
#define TERN__SOLE ((uintptr_t)1)   /* one reader only: see below */
#define TERN__FWD ((uintptr_t)2)    /* for the forwarding link only (bus_pub.c) */
#define TERN__NOFWD ((uintptr_t)4)  /* for every link but the forwarding one */
#define TERN__TAGS (TERN__SOLE | TERN__FWD | TERN__NOFWD)

/* Whether ring entry e is for a reader (forwarding or not). */
static inline bool tern__entry_for(const void *e, uint32_t forward)
{
	return ((uintptr_t)e & (forward ? TERN__NOFWD : TERN__FWD)) == 0;
}

/* One entry of a topic's fan-out list. */
struct tern__fanout {
	volatile uint64_t *cur;     /* the link's cursor */
	uint32_t link_id;
	uint32_t depth;             /* how far it may lag: min(subscription depth, ring size) */
	uint8_t policy;             /* enum tern_policy */
	uint8_t slot;               /* the link's bit in tern_msg.holders__ */
	/* A forwarding link: on an imported topic, local publishes go to it
	 * alone (on their way to the topic's home node), the import's to
	 * every other (bus_pub.c). */
	uint8_t forward;
	uint8_t pad_[5];
	/* Publisher-local, in the active list: the cursor's position plus
	 * depth when last read.  A lower bound of how far it may publish
	 * (positions only move forward), so a publish re-reads only the
	 * cursors it is about to pass, not every reader's line. */
	uint64_t limit;
};

struct tern__topic {
	/* Written by the publisher holding the topic on every publish. */
	uint64_t seq;               /* last sequence assigned */
	/* Numbering stops here (publish says TERN_EBACKPRESSURE): a stored
	 * topic's sequences must be reserved in its mark file before they are
	 * used (dataplane/dp_marks.c).  UINT64_MAX when not stored.  Written
	 * by tern-dataplane once per reserved range, so it shares the line
	 * with seq: the publisher reads it for free. */
	volatile uint64_t seq_limit;
	uint32_t lock;              /* 0 or the holder's client id + 1 (shared mode) */
	uint32_t excl_owner;        /* 0 or the exclusive publisher's client id + 1 */
	uint32_t applied_gen;       /* pending list generation copied to active */
	uint32_t n_active;
	/* Written by tern-dataplane, read by publishers: a seqlock (odd: writing). */
	volatile uint32_t pending_gen;
	uint32_t n_pending;
	/* Imported from another node (tern-dataplane sets it): its home
	 * numbers it, so a local publish is numbered fwd_seq and goes to the
	 * forwarding link only, to be published at home and come back. */
	uint32_t imported;
	uint32_t pad_;
	uint64_t fwd_seq;
	/* The broadcast ring (NULL until a link needs it) and the publisher's
	 * gate: it may publish up to this position without looking at any
	 * cursor (the lowest pos + depth it saw, the Disruptor's gating
	 * sequence).  Both the publisher's alone once set. */
	struct tern__bring *ring;
	uint64_t gate;
	/* The active list's holder bits: all of them, the forwarding ones. */
	uint64_t bits_all, bits_fwd;
	struct tern__fanout active[TERN_FANOUT_MAX] __rte_cache_aligned;
	struct tern__fanout pending[TERN_FANOUT_MAX] __rte_cache_aligned;
	/* Cold, written by tern-dataplane. */
	char name[TERN_NAME_MAX] __rte_cache_aligned;
	uint32_t state;             /* enum tern__state */
	uint32_t n_publishers;
	uint64_t slots_used;        /* holder bits taken by links (dataplane only) */
	uint64_t delivered_gone;    /* delivered by links since freed (dataplane only) */
	volatile uint64_t durable_seq; /* the log holds every seq up to this durably,
	                                * except those in [fail_lo, fail_hi] */
	/* Storage failures (dp_storage.c): sequences storage could not keep
	 * lie in [fail_lo, fail_hi] (0: none).  fail_lo is the first ever lost
	 * in this incarnation of the topic and only fail_hi moves afterwards,
	 * so the range is conservative: it may hold kept messages between two
	 * failures, never a lost one outside it.  fail_hi is stored before
	 * fail_lo is first set, and both before durable_seq passes them. */
	volatile uint64_t fail_lo, fail_hi;
	uint64_t storage_errors;    /* failed appends and writes */
	uint64_t storage_lost;      /* messages the log does not hold */
	volatile int32_t storage_errno; /* > 0: failing now, with this errno */
	uint32_t storage_header_damage; /* active segments found with a bad header */
} __rte_cache_aligned;

struct tern__link {
	struct tern__bring *ring;   /* its topic's ring */
	uint32_t topic_id;          /* TERN_NONE once the topic is deleted */
	uint32_t sub_id;
	uint32_t state;
	uint32_t retire_gen;        /* pending_gen that no longer lists it */
	uint32_t slot;              /* bit in tern_msg.holders__, 0..TERN_FANOUT_MAX-1 */
	uint32_t depth;             /* as in its fan-out entry */
	uint32_t forward;
	/* Set by tern-dataplane once the publishers' list no longer has it: they
	 * lapped it out (bus_fanout.c), so it owns no bit in the ring any more. */
	uint32_t out;
	/* Written by the topic's publisher (under its lock): own line. */
	uint64_t dropped __rte_cache_aligned;
	/* Written by the subscriber (and, rarely, a lapping publisher). */
	volatile uint64_t cursor __rte_cache_aligned;
	uint64_t delivered;
} __rte_cache_aligned;

/* Messages waiting for l's reader (a snapshot). */
static inline uint64_t tern__link_queued(const struct tern__link *l)
{
	uint64_t c = __atomic_load_n(&l->cursor, __ATOMIC_ACQUIRE);
	int64_t d;

	if (l->ring == NULL || c == TERN__CUR_UNSTARTED)
		return 0;
	d = tern__pos_diff(__atomic_load_n(&l->ring->tail, __ATOMIC_ACQUIRE), tern__cur_pos(c));
	return d > 0 ? (uint64_t)d : 0;
}

struct tern__sub {
	/* Written by the subscriber on every poll. */
	uint64_t delivered;
	uint32_t held_head;         /* oldest unreleased view */
	uint32_t held_tail;         /* one past the newest */
	uint32_t rr;                /* next link to poll first */
	/* The read in flight, for reclaim: link, its cursor before, held position. */
	uint32_t pend_link;
	uint32_t pend_pos;
	uint64_t pend_cur;
	volatile uint32_t armed;    /* subscriber wants a wake-up; tern-dataplane clears */
	/* The release in flight, for reclaim: the held entry (tagged) and the
	 * message's incarnation (not recorded for a sole reader). */
	struct rte_mbuf *rel_m;
	uint64_t rel_seq;
	uint32_t rel_topic;
	/* Written by tern-dataplane: append-only list of links (release on n_links). */
	volatile uint32_t n_links __rte_cache_aligned;
	uint32_t state;
	uint32_t client_id;
	uint32_t policy;
	uint32_t depth;
	uint32_t forward;           /* its links forward local publishes (tern__fanout) */
	char pattern[TERN_NAME_MAX];
	uint32_t links[TERN_SUB_LINKS_MAX];
	struct rte_mbuf *held[TERN_HELD_MAX] __rte_cache_aligned;
} __rte_cache_aligned;

/* One reader being lapped: its cursor moves from `from` to `to` with lap
 * lap + 1, then its bits in the messages of [from, to) are cleared. */
struct tern__lap {
	uint32_t link_id;
	uint32_t lap;               /* the cursor's lap before */
	uint64_t from, to;
};

/* The publish in flight, for reclaim (see bus_reclaim.c). */
struct tern__journal {
	struct rte_mbuf *m;         /* a publish in flight: NULL none */
	uint32_t topic_id;
	uint32_t nb;                /* a burst in flight: burst[0, nb); 0: none */
	uint64_t tail;              /* the ring's tail before it: it landed iff tail moved */
	uint64_t seq, fwd_seq;      /* the topic's numbering before it */
	/* Laps in flight on lap_topic: lap[0, n_lap), and the position whose
	 * bits are being cleared (those before it are done; UNSTARTED: none). */
	uint32_t n_lap;
	uint32_t lap_topic;
	uint64_t lap_next;
	struct tern__lap lap[TERN_FANOUT_MAX];
	struct rte_mbuf *burst[TERN_BURST_MAX];
};

struct tern__client {
	/* Written by the client on its own data path. */
	uint64_t published;
	uint64_t polled;
	struct tern__journal journal;
	struct rte_mbuf *alloc[TERN_ALLOC_MAX] __rte_cache_aligned;
	/* Free buffers, one cache per pool (tern_pool.h): the client's alone. */
	struct tern__cache cache[TERN_POOLS_MAX] __rte_cache_aligned;
	/* Cold, written by tern-dataplane. */
	uint32_t state __rte_cache_aligned;
	uint32_t pid;
	uint32_t lcore_id;
	char name[TERN_NAME_MAX];
	/* Set by tern-dataplane when a new tern-control takes over: this client
	 * belongs to an earlier incarnation and must stop (its watcher reads
	 * it, bus_watch.c); its slot stays reserved until its process exits. */
	volatile uint32_t fenced;
} __rte_cache_aligned;

/* TSC to UTC ns without a syscall: ns = base_ns + (tsc - base_tsc) * mult >> 32. */
struct tern__clock {
	uint64_t tsc_hz;
	uint64_t base_tsc;
	int64_t base_ns;
	uint64_t mult;
};

struct tern__shm {
	uint64_t magic;
	uint32_t version;
	uint32_t max_topics;
	uint32_t max_subs;
	uint32_t max_clients;
	uint32_t max_links;
	uint32_t msg_size;          /* payload + tags capacity of a message */
	uint32_t n_pools;
	uint32_t cache_size;        /* a client cache's refill level (tern_pool.h) */
	struct tern__clock clock;
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES]; /* by socket id; NULL where none */
	struct rte_mempool *pool;   /* the default pool (socket of the main lcore) */
	/* Storage rules, for clients replaying from the log (bus_replay.c). */
	char storage_dir[256];
	uint32_t n_storage_rules;
	struct {
		char pattern[TERN_NAME_MAX];
		char prefix[192];
	} storage_rules[32];
	/* Offsets from the start of this struct. */
	uint64_t off_topics, off_subs, off_links, off_clients;
	uint64_t total_size;
	/* tern-dataplane's pid: each client's watcher holds a pidfd of it, to
	 * learn of its death without tern-control (bus_watch.c). */
	uint32_t dp_pid;
	/* tern-control incarnation: bumped by tern-dataplane at each DpHello;
	 * clients of an earlier one are fenced (dataplane/dp_fence.c). */
	volatile uint32_t epoch;
	/* TERN__DP_*: a graceful shutdown in progress (dataplane/dp_drain.c).
	 * Read by tern_status() and the watcher, never on the data path. */
	volatile uint32_t dp_state;
} __rte_cache_aligned;

enum tern__dp_state {
	TERN__DP_RUNNING = 0,
	TERN__DP_DRAINING = 1,      /* publishes refused, subscribers drain */
	TERN__DP_STOPPED = 2,       /* drained and flushed; clients told */
};

static inline struct tern__topic *tern__shm_topic(struct tern__shm *s, uint32_t i)
{
	return (struct tern__topic *)((char *)s + s->off_topics) + i;
}
static inline struct tern__sub *tern__shm_sub(struct tern__shm *s, uint32_t i)
{
	return (struct tern__sub *)((char *)s + s->off_subs) + i;
}
static inline struct tern__link *tern__shm_link(struct tern__shm *s, uint32_t i)
{
	return (struct tern__link *)((char *)s + s->off_links) + i;
}
static inline struct tern__client *tern__shm_client(struct tern__shm *s, uint32_t i)
{
	return (struct tern__client *)((char *)s + s->off_clients) + i;
}

/* A message's header lives in the mbuf's private area, right after it. */
static inline struct tern_msg *tern__msg(struct rte_mbuf *m)
{
	return (struct tern_msg *)(m + 1);
}
static inline struct rte_mbuf *tern__mbuf(const struct tern_msg *msg)
{
	return (struct rte_mbuf *)(uintptr_t)msg - 1;
}

/* Whether msg's payload and tags fit a pool buffer.  Every header field,
 * capacity included, is the publisher's to write, so the bound is the
 * pool's message size; 64-bit, so a size near 4 GB plus tags_len cannot
 * wrap to something small.  tern_publish() refuses what fails it; anyone
 * copying a message out checks it again (the header stays writable). */
static inline bool tern__msg_fits(const struct tern__shm *shm, const struct tern_msg *msg)
{
	return (uint64_t)msg->size + msg->tags_len <= shm->msg_size;
}

/* Private area: exactly the header, so the payload sits at TERN_MSG_DATA_OFFSET. */
#define TERN__PRIV_SIZE sizeof(struct tern_msg)
static_assert(sizeof(struct tern_msg) == 64, "one cache line");
static_assert(TERN_NAME_MAX == TERN_TOPIC_MAX + 1, "a name slot holds the longest name");
static_assert(TERN_MSG_DATA_OFFSET == sizeof(struct tern_msg) + RTE_PKTMBUF_HEADROOM,
	      "payload offset must match the mbuf layout");

/* holders__: bit i = the link with slot i still holds the message.  The last
 * holder swaps its bit for FREEING|bit before returning the buffer to the
 * pool, so reclaim can tell "released" from "being freed" exactly. */
#define TERN__FREEING (UINT64_C(1) << 63)

/* Ring and held[] entries: the mbuf pointer, with TERN__SOLE set when the
 * message went to one reader only.  Such a reader frees it without
 * reading or writing its header, so a subscriber that reads only the
 * payload never pulls the header line away from the publisher's core. */
static inline struct rte_mbuf *tern__untag(const void *e)
{
	return (struct rte_mbuf *)((uintptr_t)e & ~TERN__TAGS);
}
static inline bool tern__is_sole(const void *e)
{
	return ((uintptr_t)e & TERN__SOLE) != 0;
}

static inline int64_t tern__clock_ns(const struct tern__clock *c, uint64_t tsc)
{
	__extension__ unsigned __int128 d = (unsigned __int128)(tsc - c->base_tsc) * c->mult;
	return c->base_ns + (int64_t)(d >> 32);
}

/* Free buffers in every client's caches (a snapshot; exact when quiet). */
static inline uint64_t tern__cached_free(struct tern__shm *s)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < s->max_clients; i++)
		for (uint32_t p = 0; p < TERN_POOLS_MAX; p++) {
			uint32_t len = __atomic_load_n(&tern__shm_client(s, i)->cache[p].len,
						       __ATOMIC_RELAXED);
			n += len <= TERN_CACHE_MAX ? len : 0;
		}
	return n;
}

/* Size and layout of the state for the given limits; fills the offsets. */
size_t tern__shm_layout(struct tern__shm *s);

#endif
