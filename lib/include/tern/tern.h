/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * libtern: publish and subscribe on the local tern bus.
 *
 * An application is a DPDK secondary process attached to the dataplane's
 * hugepages.  It passes no EAL arguments: tern_connect() asks tern-control
 * for them, and for a private lcore id (mempool caches are per lcore id).
 *
 * A publisher and a subscriber, start to end (error paths shortened to a
 * return; every call's errors are listed at its declaration).  Control
 * calls (connect, create, open, close) talk to tern-control; the data path
 * between them makes no system call and no copy on either side:
 *
 *     struct tern_connect_opts o = { .name = "quotes" };  // zero: defaults
 *     struct tern_client *c;
 *     struct tern_pub *pub;
 *     struct tern_sub *sub;
 *     int rc = tern_connect(&o, &c);
 *     if (rc < 0) { fprintf(stderr, "%s: %s\n", tern_strerror(rc), tern_errmsg()); return 1; }
 *     rc = tern_topic_create(c, "md.eq.AAPL");           // -EEXIST is fine
 *     if (rc < 0 && rc != -EEXIST) { tern_close(c); return 1; }
 *     struct tern_sub_opts so = { .policy = TERN_POLICY_DROP };
 *     if (tern_sub_open(c, "md.eq.*", &so, &sub) < 0 ||
 *         tern_pub_open(c, "md.eq.AAPL", 0, &pub) < 0) { tern_close(c); return 1; }
 *
 *     struct tern_msg *m = tern_msg_alloc(pub, 64);     // a hugepage buffer
 *     memcpy(tern_msg_data(m), payload, 64);            // or a terngen encoder
 *     int64_t seq = tern_publish(pub, m);               // visible to subscribers
 *
 *     const struct tern_msg *v[32];
 *     unsigned n = tern_poll(sub, v, 32);               // read-only views
 *     for (unsigned i = 0; i < n; i++)
 *         handle(tern_msg_data(v[i]), v[i]->size);
 *     tern_release(sub, v, n);                          // last reader frees
 *
 *     tern_pub_close(pub);                              // or let tern_close() do it
 *     tern_sub_close(sub);
 *     tern_close(c);                                    // detaches; once per client
 *
 * Threads: a tern_client and its handles belong to the thread that created
 * them (its lcore id); they are not safe to share without external locking.
 *
 * Errors are negative errno values, plus the TERN_E* names below; turn any
 * of them into text with tern_strerror().  Slow calls (connect, open) also
 * leave a message chain readable with tern_errmsg().
 */
#ifndef TERN_H
#define TERN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/tern_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Outcomes of tern_publish() besides a sequence number. */
#define TERN_EBACKPRESSURE (-EAGAIN)  /**< a backpressure subscriber is full: retry */
#define TERN_ENOTCONN      (-ENOTCONN) /**< the bus is gone */
#define TERN_ECLOSED       (-EPIPE)    /**< the handle was closed */
#define TERN_EMSGSIZE      (-EMSGSIZE) /**< size + tags_len exceed the buffer */
#define TERN_ESTORAGE      (-EIO)      /**< storage failed to keep the message (full disk, I/O error) */
#define TERN_ESHUTDOWN     (-ESHUTDOWN) /**< tern_status(): the bus is draining to stop */

/** Subscription policy when the subscriber's queue is full. */
enum tern_policy {
	TERN_POLICY_DROP = 0,         /**< publisher never waits; the gap in seq counts the loss */
	TERN_POLICY_BACKPRESSURE = 1, /**< tern_publish() returns TERN_EBACKPRESSURE */
};

/**
 * A message: header and payload live in one hugepage buffer.  Publishers
 * fill it between tern_msg_alloc() and tern_publish(); subscribers get it
 * read-only from tern_poll().  64 bytes, one cache line; the payload starts
 * TERN_MSG_DATA_OFFSET bytes after it (tern_msg_data()).
 */
struct tern_msg {
	uint64_t seq;       /**< per-topic sequence, from 1, set by the bus */
	int64_t event_ns;   /**< event time, set by the publisher (0: unset) */
	int64_t send_ns;    /**< set by the library at publish (UTC ns) */
	int64_t recv_ns;    /**< set by the bus when it accepts the message (UTC ns) */
	uint32_t topic_id;  /**< the topic, set by the bus, see tern_topic_name() */
	uint32_t size;      /**< payload bytes */
	uint32_t type_id;   /**< DSL message type id, 0: none */
	uint16_t version;   /**< DSL message version */
	uint16_t tags_len;  /**< bytes of tags after the payload */
	uint64_t holders__; /**< library private: readers still holding it */
	uint32_t capacity;  /**< bytes for payload + tags */
	uint32_t slot__;    /**< library private */
};

/** Where the payload starts, relative to the header (a 128-byte headroom
 *  between them leaves room to prepend network headers without a copy). */
#define TERN_MSG_DATA_OFFSET 192

/** The payload of m. */
static inline void *tern_msg_data(const struct tern_msg *m)
{
	return (char *)(uintptr_t)m + TERN_MSG_DATA_OFFSET;
}

struct tern_client;
struct tern_pub;
struct tern_sub;

/** Options for tern_connect(); zero-initialise, then set what you need. */
struct tern_connect_opts {
	const char *socket;  /**< tern-control's socket; NULL: $TERN_SOCKET, else
	                          /run/tern/local/control.sock */
	const char *name;    /**< shown by ternctl; NULL: the program name */
	int timeout_ms;      /**< bound of each control call (connect, topic, open,
	                          close): 0: 5000 ms; negative: wait forever */
};

/**
 * Connect to tern-control and attach to the bus's hugepage memory.
 * The first call of a process initialises DPDK's EAL; later calls (one per
 * thread that needs a client of its own, a reactor say: a client is not
 * thread-safe) take a client slot and lcore id of their own and share the
 * attachment.  EAL is cleaned up when the last client closes, after which
 * the process cannot connect again.
 *
 * @return 0 with *out set, or
 *   -ENOENT / -ECONNREFUSED  tern-control is not running at that socket;
 *   -EPROTONOSUPPORT          tern-control speaks another protocol version;
 *   -EBUSY                    no client slot free;
 *   -EALREADY                 this process has closed its last client;
 *   -ENODEV                   EAL attach failed (is tern-dataplane running?);
 *   -EPROTO                   a malformed reply, or EAL arguments other than
 *                             the ones tern-control sends (libtern refuses
 *                             them before rte_eal_init(): see docs/bus.md);
 *   -ETIMEDOUT                tern-control did not answer within timeout_ms.
 *   tern_errmsg() has the details.
 */
TERN_API int tern_connect(const struct tern_connect_opts *opts, struct tern_client **out);

/**
 * Whether the bus is still there for this client: 0; TERN_ESHUTDOWN while
 * tern-dataplane drains for a graceful shutdown (SIGTERM: publishes are
 * refused with TERN_EBACKPRESSURE, which a publisher can tell from a full
 * subscriber by calling this; subscribers go on receiving what was
 * published before, see docs/control.md "Shutdown"); or TERN_ENOTCONN once
 * it is fenced (tern_errmsg() then says why: tern-control closed the
 * connection, tern-dataplane exited, or a new tern-control took over).
 * A fenced client stays fenced: its ids belong to a past incarnation, and
 * as EAL cannot be initialised twice, the process must tern_close() and
 * restart to connect again.
 *
 * Fencing reaches every data call within TERN_FENCE_BOUND_MS of the event
 * (see docs/bus.md), with no system call on the data path: tern_publish(),
 * tern_msg_alloc_bulk(), tern_sub_arm() and tern_pub_wait_durable() return
 * TERN_ENOTCONN, tern_msg_alloc() NULL, tern_poll() and
 * tern_publish_burst() 0, and control calls -ENOTCONN.  tern_release() and
 * the close calls keep working, so a fenced client can exit cleanly.
 * Reads a process-local flag; no syscall.
 */
#define TERN_FENCE_BOUND_MS 1000
TERN_API int tern_status(struct tern_client *c);

/** Close every handle, release held messages, detach.  NULL is ignored. */
TERN_API void tern_close(struct tern_client *c);

/*
 * Control calls (topic create/lookup, pub/sub open and close) are one
 * request and one reply to tern-control, each bounded by
 * tern_connect_opts.timeout_ms: past it they return -ETIMEDOUT (tern-control
 * stopped or overloaded) and a later answer to that request is discarded.
 */

/** Create a topic (dot-separated tokens).
 *  @return 0, -EEXIST, -EINVAL, -ENOSPC, -ENOTCONN, -ETIMEDOUT. */
TERN_API int tern_topic_create(struct tern_client *c, const char *name);
/** @return the topic id (>= 0), or -ENOENT, -EINVAL, -ENOTCONN, -ETIMEDOUT. */
TERN_API int tern_topic_lookup(struct tern_client *c, const char *name);
/** The name of a topic id, or NULL.  Reads shared memory; no syscall. */
TERN_API const char *tern_topic_name(struct tern_client *c, uint32_t topic_id);

/** Publisher flags. */
#define TERN_PUB_EXCLUSIVE 0x1u  /**< sole publisher: no lock on the publish path */

/**
 * Open a publisher on an existing topic.
 * @return 0 with *out set, or -ENOENT (unknown topic), -EBUSY (an exclusive
 *   publisher holds the topic, or EXCLUSIVE asked while others publish),
 *   -ENOMEM, -ENOTCONN, -ETIMEDOUT.
 */
TERN_API int tern_pub_open(struct tern_client *c, const char *topic, unsigned flags,
			   struct tern_pub **out);
/** Close a publisher; messages allocated but not published are freed. */
TERN_API void tern_pub_close(struct tern_pub *p);

/**
 * Allocate a message with room for at least size payload bytes.
 * The caller owns it until tern_publish() succeeds or tern_msg_free().
 * @return the message, or NULL when the pool is empty, size is too large or
 *   the publisher has TERN_ALLOC_MAX messages outstanding, or the client is
 *   fenced (tern_status()).
 */
TERN_API struct tern_msg *tern_msg_alloc(struct tern_pub *p, uint32_t size);
/**
 * Allocate n messages at once (bulk: all or none), each with room for size
 * payload bytes; as tern_msg_alloc() otherwise.
 * @return 0, or -ENOBUFS (pool empty or TERN_ALLOC_MAX outstanding), -EINVAL,
 *   TERN_ENOTCONN (fenced).
 */
TERN_API int tern_msg_alloc_bulk(struct tern_pub *p, uint32_t size, struct tern_msg **msgs,
				 unsigned n);
/** Free a message that was allocated and not published. */
TERN_API void tern_msg_free(struct tern_pub *p, struct tern_msg *m);
/** Append tags ("key=value", each NUL-terminated) after the payload. @return 0 or -ENOSPC. */
TERN_API int tern_msg_add_tag(struct tern_msg *m, const char *key, const char *value);
/** The value of tag key, or NULL.  *len gets its length. */
TERN_API const char *tern_msg_tag(const struct tern_msg *m, const char *key, size_t *len);

/**
 * Publish m on the publisher's topic.  On success the bus owns m: do not
 * touch it again.  On any error the caller still owns m and may fix and
 * retry it, or tern_msg_free() it.
 * @return the sequence number (> 0), or
 *   TERN_EBACKPRESSURE  a backpressure subscriber is full: retry;
 *   TERN_ENOTCONN       fenced (see tern_status());
 *   TERN_EMSGSIZE       m->size + m->tags_len exceed the buffer (the pool's
 *                       message size; m->capacity is not trusted): nothing
 *                       was published and no sequence number was used.
 */
TERN_API int64_t tern_publish(struct tern_pub *p, struct tern_msg *m);

/**
 * Publish up to n messages, in order, on the publisher's topic, taking the
 * topic and touching each subscriber's ring once for the whole burst.
 * Burst semantics: the first k are published (sequence numbers seq0 + 1 ..
 * seq0 + k, consecutive), the bus owns them, and the caller still owns
 * msgs[k, n).  k < n only when a backpressure subscriber is full, or when
 * msgs[k] does not fit its buffer (size + tags_len past the pool's message
 * size: tern_publish() of it returns TERN_EMSGSIZE).
 * n is at most TERN_PUB_BURST_MAX (32).
 * @return k (0..n); 0 as well once fenced (see tern_status()).
 */
#define TERN_PUB_BURST_MAX 32
TERN_API unsigned tern_publish_burst(struct tern_pub *p, struct tern_msg **msgs, unsigned n);

/** Where a subscription starts (replay needs a stored topic, see docs/bus.md). */
enum tern_start {
	TERN_START_LIVE = 0,     /**< messages published from now on */
	TERN_START_EARLIEST = 1, /**< the oldest message stored, then live */
	TERN_START_SEQ = 2,      /**< the first stored message with seq >= start_value */
	TERN_START_TIME = 3,     /**< the first stored message received at >= start_value (UTC ns) */
};

/**
 * Acknowledged durability: wait until the persistent log holds every
 * message of the publisher's topic up to seq durably (under its storage
 * rule's fsync policy), spinning on shared memory, no system call.
 * Publishing never waits for storage; a publisher that needs the
 * acknowledgement asks for it here.
 * @return 0; TERN_ESTORAGE storage failed to keep a message in the range
 *   the answer covers (the log lost it: a full disk, an I/O error; the
 *   dataplane's log and `ternctl stats` say why), at once rather than at
 *   the timeout; -ETIMEDOUT after timeout_ns; -ENODATA the topic is not
 *   stored; TERN_ENOTCONN (fenced).  After a failure storage resumes by
 *   itself when the cause goes away, and later sequences are acknowledged
 *   again; the range reported failed is conservative (docs/bus.md).
 */
TERN_API int tern_pub_wait_durable(struct tern_pub *p, uint64_t seq, int64_t timeout_ns);

/** Subscription options; zero-initialise. */
struct tern_sub_opts {
	enum tern_start start;   /**< default TERN_START_LIVE */
	uint64_t start_value;    /**< for TERN_START_SEQ / TERN_START_TIME */
	enum tern_policy policy; /**< default TERN_POLICY_DROP */
	uint32_t depth;          /**< per-topic queue depth, power of two; 0: config default */
	bool want_fd;            /**< also create a wake-up fd, see tern_sub_fd() */
};

/**
 * Subscribe to a topic name or a pattern (`*` one token, `>` the rest).
 * With a start other than TERN_START_LIVE, tern_poll() first returns the
 * topic's stored messages (copied from the log into pool buffers) and then
 * carries on with the live ones, with no gap and no duplicate.
 * @return 0 with *out set, or -ENOENT (an exact name that is not a topic),
 *   -EINVAL (bad pattern or depth; replay of a pattern), -ENODATA (replay of
 *   a topic no storage rule keeps), -ENOSPC, -ENOTCONN, -ETIMEDOUT.
 */
TERN_API int tern_sub_open(struct tern_client *c, const char *pattern,
			   const struct tern_sub_opts *opts, struct tern_sub **out);
/** Close a subscription, releasing everything it holds. */
TERN_API void tern_sub_close(struct tern_sub *s);

/**
 * Receive up to n messages (burst: 0..n), never blocking.  Each view stays
 * valid until tern_release(); a subscription holds at most TERN_HELD_MAX
 * unreleased views, after which poll returns 0.
 * Per topic, messages arrive in sequence order; a gap in seq is the number
 * dropped for this subscription (drop policy).  Returns 0 once fenced:
 * an idle subscriber should look at tern_status().
 */
TERN_API unsigned tern_poll(struct tern_sub *s, const struct tern_msg **msgs, unsigned n);
/** Release views returned by tern_poll(), in any order. */
TERN_API void tern_release(struct tern_sub *s, const struct tern_msg *const *msgs, unsigned n);

/** Counters of one subscription, see tern_sub_stats(). */
struct tern_sub_stats {
	uint64_t received;  /**< live messages tern_poll() returned */
	uint64_t dropped;   /**< messages the drop policy discarded for it (all its topics) */
	uint64_t queued;    /**< messages waiting in its queues now */
	uint32_t topics;    /**< topics it receives */
	uint32_t held;      /**< polled views not yet released */
};

/**
 * Read a subscription's counters from shared memory: no system call, no
 * lock, safe on the data path.  Under the drop policy a gap in seq shows a
 * loss only once a later message arrives; `dropped` shows it at once,
 * including at the end of a stream (the messages a full queue turned
 * away).  A snapshot: publishers may be counting while it reads.
 * @return 0, or -EINVAL (s or out NULL).
 */
TERN_API int tern_sub_stats(struct tern_sub *s, struct tern_sub_stats *out);

/**
 * A file descriptor that becomes readable when the subscription has data,
 * for subscribers that would rather sleep than spin (opened with want_fd).
 * Call tern_sub_arm() before sleeping on it.  @return the fd or -EINVAL.
 */
TERN_API int tern_sub_fd(struct tern_sub *s);
/**
 * Ask to be woken.  @return 1 when data is already waiting (do not sleep),
 * 0 when armed (sleep on tern_sub_fd(), then read it to clear), -EINVAL,
 * TERN_ENOTCONN (fenced: nobody would wake it).
 */
TERN_API int tern_sub_arm(struct tern_sub *s);

/**
 * Buffers of the message pool(s): free now (in the pools and every lcore
 * cache) and in all.  Reads shared memory; for tools and tests.
 */
TERN_API void tern_pool_info(struct tern_client *c, uint64_t *free_bufs, uint64_t *size);

/** Now, as UTC nanoseconds, from the TSC: no syscall. */
TERN_API int64_t tern_now_ns(struct tern_client *c);

/** Text for any value returned by this API. */
TERN_API const char *tern_strerror(int rv);
/** The calling thread's message chain from the last failed slow call. */
TERN_API const char *tern_errmsg(void);

#ifdef __cplusplus
}
#endif
#endif
