/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The message pool: a buffer pool that no kill -9 can wedge or leak.
 *
 * DPDK's default mempool handler is a multi-producer/multi-consumer ring:
 * a process killed between moving a head and moving the matching tail
 * leaves every other process spinning on that tail for ever.  Its
 * lock-free stack handler cannot wedge, but a kill between its two list
 * operations loses elements for good and nobody can tell how many.
 *
 * So the pool is tern's own mempool handler ("tern_stack"): a Treiber
 * stack of object indices whose head is one 128-bit word
 *
 *     lo: top batch's leader | free count   hi: ABA tag | who made this head
 *
 * changed only by cmpxchg16b.  One CAS is the whole operation, so a
 * process dies either before it (nothing happened) or after it (all of
 * it happened): nobody ever waits for anybody.  What a dead process
 * leaves unknown is only *whether* its CAS landed, and that is made
 * recoverable (detectable recoverability, Attiya et al., PODC 2018):
 *   - before each attempt a client writes the tag it expects into its
 *     journal (struct tern__pool_op, in shared memory);
 *   - a successful CAS stores the new tag and the client's id in hi;
 *   - before replacing a head, every operation first records in done[who]
 *     the tag that head's author produced (an atomic max).
 * After a death, the CAS of the journaled attempt landed iff the head
 * still carries (tag + 1, client) or done[client] == tag + 1.
 *
 * The stack's nodes are batches, not single objects: a push lists its
 * objects in the data room of the first (its leader; a free buffer's data
 * is nobody's) and a pop takes a whole batch with one CAS, copying its
 * list in one sequential read.  Objects chained one by one made every pop
 * of a cache's worth a walk of dependent cache misses across cores.
 *
 * Clients do not use DPDK's per-lcore mempool caches (a kill in the middle
 * of a cache refill or flush is not recoverable there, and lcore ids are a
 * scarce resource).  Each client has its own cache per pool in its shared
 * slot (struct tern__cache): objects move between it and the stack in
 * bulk, journaled as above, and into and out of it with ordered plain
 * stores, so tern-dataplane can always tell exactly which free buffers a
 * dead client's cache holds.  The dataplane's own lcores (and anything
 * calling rte_mempool_get/put directly, e.g. a PMD) go through the same
 * handler with DPDK's caches in front; they never die alone.
 */
#ifndef TERN_POOL_H
#define TERN_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_atomic.h>
#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#define TERN_POOL_OPS "tern_stack"
#define TERN_POOL_NIL UINT32_MAX        /* empty stack / end of chain */
#define TERN_POOL_NOBODY UINT32_MAX     /* an operation nobody needs to recover */
#define TERN_POOL_WHO_MAX 4096          /* client ids a pool can recover */
#define TERN_POOLS_MAX 4                /* pools (NUMA sockets) per node */
#define TERN_CACHE_MAX 1024             /* objects a client cache can hold */
#define TERN_BATCH_MAX (TERN_CACHE_MAX / 2) /* objects a stack node can hold */

/* half[0]: count << 32 | top index; half[1]: tag << 16 | who (bus_pool.c).
 * Each half is read atomically on its own; the pair only by a CAS. */
struct rte_memzone;

union tern__pool_head {
	rte_int128_t x;
	uint64_t half[2];
};

struct tern__stack {
	union tern__pool_head head __rte_aligned(RTE_CACHE_LINE_SIZE);
	/* Read-mostly. */
	uint32_t n __rte_cache_aligned; /* objects */
	uint32_t n_objs;                /* objects populated so far */
	uint32_t index;                 /* this pool's number, 0..TERN_POOLS_MAX-1 */
	int idx_off;                    /* mbuf dynfield holding an object's index */
	bool ready;                     /* indices assigned (tern__stack_ready) */
	struct rte_mbuf **obj;          /* index -> object */
	uint32_t *next;                 /* leader index -> next batch's leader */
	uint32_t *bsize;                /* leader index -> objects in its batch */
	uint32_t list_off;              /* object -> its buffer, where a batch lists its objects */
	uint32_t batch_max;             /* objects a batch can list (buffer size) */
	/* Objects evenly spaced from obj[0] (one memory chunk, the usual
	 * case): a pushed pointer's index is arithmetic, so a flush never
	 * reads the buffers it returns.  stride 0: read the dynfield. */
	uintptr_t base;
	uint64_t stride, recip;         /* recip = 2^40 / stride, rounded up */
	uint64_t *done;                 /* client -> last tag it produced, as seen */
	const struct rte_memzone *mz;
	uint64_t rejected;              /* frees of objects not from this pool */
};

/* A client's pool operation in flight (reclaim reads it after a death). */
enum { TERN__POP_NONE = 0, TERN__POP = 1, TERN__PUSH = 2 };
struct tern__pool_op {
	uint32_t kind;
	uint32_t k;                     /* objects */
	uint64_t tag;                   /* head tag the current attempt expects */
	uint32_t len_before;            /* the cache's len when it began */
	uint32_t pad;
};

/* A client's cache of free objects of one pool, in its shared slot.
 * Only the client writes it; objs[0, len) are exactly the free objects it
 * holds (after tern__cache_recover, for a dead one). */
struct tern__cache {
	uint32_t len;
	uint32_t size;                  /* refill to this; flush above 1.5x */
	struct tern__pool_op op;
	uint64_t pad;
	struct rte_mbuf *objs[TERN_CACHE_MAX];
};

static inline struct tern__stack *tern__stack_of(const struct rte_mempool *mp)
{
	return (struct tern__stack *)mp->pool_data;
}

static inline uint32_t tern__obj_index(const struct tern__stack *s, const struct rte_mbuf *m)
{
	return *RTE_MBUF_DYNFIELD(m, s->idx_off, const uint32_t *);
}

/* Pop the top batch into dst: returns its size (1..batch_max), -ENOBUFS
 * when the stack is empty, -ENOSPC when the batch needs more than room.
 * Push k <= batch_max objects from src as one batch.  j journals the
 * attempt for reclaim, k included (NULL with who = NOBODY: a process whose
 * death ends the node anyway). */
int tern__stack_pop(struct tern__stack *s, struct tern__pool_op *j, uint32_t who,
		    struct rte_mbuf **dst, uint32_t room);
void tern__stack_push(struct tern__stack *s, struct tern__pool_op *j, uint32_t who,
		      struct rte_mbuf *const *src, uint32_t k);
/* Push any number, unjournaled, in batches (tern-dataplane only). */
void tern__stack_push_all(struct tern__stack *s, struct rte_mbuf *const *src, uint32_t k);
uint32_t tern__stack_count(const struct tern__stack *s);

/* tern-dataplane, once per pool right after rte_pktmbuf_pool_create_by_ops:
 * write each object's index into its dynfield.  Returns 0 or -errno. */
int tern__stack_ready(struct rte_mempool *mp, uint32_t index);

/* Slow paths of the client cache (bus_pool.c); fast paths in bus_pvt.h. */
int tern__cache_refill(struct tern__cache *c, struct tern__stack *s, uint32_t who, uint32_t n);
void tern__cache_flush(struct tern__cache *c, struct tern__stack *s, uint32_t who,
		       uint32_t keep);

/* Reclaim, in tern-dataplane, after client `who` died: finish or forget its
 * pool operation in flight so objs[0, len) is exact again. */
void tern__cache_recover(struct tern__cache *c, struct tern__stack *s, uint32_t who);
bool tern__cache_has(const struct tern__cache *c, const struct rte_mbuf *m);

#endif
