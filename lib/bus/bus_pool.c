/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The message pool's stack, its mempool handler, and the slow paths of a
 * client's cache.  Why it is built this way: tern_pool.h.
 */
#define ALLOW_EXPERIMENTAL_API  /* rte_atomic128_cmp_exchange */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_errno.h>
#include <rte_mbuf_dyn.h>
#include <rte_memzone.h>

#include "tern_pool.h"

/* hi half of the head: tag << 16 | who.  48 bits of tag do not wrap in
 * the life of a node (10 M operations a second for 890 years), so tags
 * compare as plain integers. */
#define WHO_BITS 16
#define WHO_MASK ((UINT64_C(1) << WHO_BITS) - 1)
#define HI(tag, who) ((tag) << WHO_BITS | ((who) & WHO_MASK))
#define HI_TAG(hi) ((hi) >> WHO_BITS)
#define HI_WHO(hi) ((uint32_t)((hi) & WHO_MASK))
#define LO(top, count) ((uint64_t)(count) << 32 | (top))
#define LO_TOP(lo) ((uint32_t)(lo))
#define LO_COUNT(lo) ((uint32_t)((lo) >> 32))
static_assert(TERN_POOL_WHO_MAX <= WHO_MASK, "who must fit its field");

static inline uint64_t *half(struct tern__stack *s, int i)
{
	return &s->head.half[i];
}

/* A snapshot that may be torn between its halves (each half is atomic):
 * good enough to build a CAS from, which then fails and re-reads. */
static inline void head_load(struct tern__stack *s, rte_int128_t *h)
{
	h->val[1] = __atomic_load_n(half(s, 1), __ATOMIC_ACQUIRE);
	h->val[0] = __atomic_load_n(half(s, 0), __ATOMIC_ACQUIRE);
}

/* An exact snapshot: a CAS that fails (or rewrites the same value)
 * returns the current head atomically. */
static inline void head_sync(struct tern__stack *s, rte_int128_t *h)
{
	rte_int128_t same = *h;

	rte_atomic128_cmp_exchange(&s->head.x, h, &same, 0, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE);
}

/* Before replacing a head, record that its author's operation landed. */
static inline void help(struct tern__stack *s, uint64_t hi)
{
	uint32_t who = HI_WHO(hi);
	uint64_t tag = HI_TAG(hi), v;

	if (who >= TERN_POOL_WHO_MAX)
		return;
	v = __atomic_load_n(&s->done[who], __ATOMIC_RELAXED);
	while (tag > v && !__atomic_compare_exchange_n(&s->done[who], &v, tag, true,
						       __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

static inline bool cas(struct tern__stack *s, rte_int128_t *old, const rte_int128_t *nw,
		       struct tern__pool_op *j)
{
	help(s, old->val[1]);
	if (j)
		__atomic_store_n(&j->tag, HI_TAG(old->val[1]), __ATOMIC_RELAXED);
	/* A locked instruction with a memory clobber: everything above,
	 * the journal included, is visible before it. */
	return rte_atomic128_cmp_exchange(&s->head.x, old, nw, 0, __ATOMIC_ACQ_REL,
					  __ATOMIC_ACQUIRE);
}

/* A batch's object list lives in its leader's data room: a free buffer's
 * data is nobody's, and the list is then read as one sequential run
 * instead of a chain of dependent cache misses (the next[] walk this
 * replaced cost a 64 B burst stream two thirds of its rate). */
static inline struct rte_mbuf **batch_list(const struct tern__stack *s, uint32_t leader)
{
	return (struct rte_mbuf **)((char *)s->obj[leader] + s->list_off);
}

int tern__stack_pop(struct tern__stack *s, struct tern__pool_op *j, uint32_t who,
		    struct rte_mbuf **dst, uint32_t room)
{
	rte_int128_t old, nw;

	head_load(s, &old);
	for (;;) {
		uint32_t top = LO_TOP(old.val[0]), b;

		if (LO_COUNT(old.val[0]) == 0) {
			head_sync(s, &old);
			if (LO_COUNT(old.val[0]) == 0)
				return -ENOBUFS;
			continue;
		}
		/* Under concurrent change, top's batch may be popped and its
		 * leader rewritten while we copy: the tag makes the CAS fail
		 * then.  Everything read is bounds-checked first, and what is
		 * copied lands beyond the caller's len, never trusted until
		 * the CAS says it was the batch. */
		b = top < s->n ? __atomic_load_n(&s->bsize[top], __ATOMIC_RELAXED) : 0;
		if (b == 0 || b > s->batch_max || b > LO_COUNT(old.val[0])) {
			head_sync(s, &old);
			continue;
		}
		if (b > room)
			return -ENOSPC;
		memcpy(dst, batch_list(s, top), b * sizeof(*dst));
		nw.val[0] = LO(__atomic_load_n(&s->next[top], __ATOMIC_RELAXED),
			       LO_COUNT(old.val[0]) - b);
		nw.val[1] = HI(HI_TAG(old.val[1]) + 1, who);
		if (j)
			__atomic_store_n(&j->k, b, __ATOMIC_RELAXED);
		if (cas(s, &old, &nw, j))
			return (int)b;
	}
}

/* An object the pool does not know (a stray pointer handed to free) must
 * not enter the stack: it would corrupt it for everyone. */
static inline bool valid(const struct tern__stack *s, const struct rte_mbuf *m, uint32_t *ix)
{
	uint64_t d = (uintptr_t)m - s->base;
	uint32_t i;

	/* d * recip >> 40 is d / stride exactly for every multiple of stride
	 * in a pool under 4 GiB (tern__stack_ready); anything else is caught
	 * by the obj[] check (8 bytes an object, cache-warm, where the
	 * dynfield is a line of the buffer itself). */
	if (likely(s->stride != 0 && d < (uint64_t)s->n * s->stride))
		i = (uint32_t)((d * s->recip) >> 40);
	else
		i = tern__obj_index(s, m);
	*ix = i;
	return i < s->n && s->obj[i] == m;
}

void tern__stack_push(struct tern__stack *s, struct tern__pool_op *j, uint32_t who,
		      struct rte_mbuf *const *src, uint32_t k)
{
	uint32_t leader = TERN_POOL_NIL, n = 0;
	struct rte_mbuf **list = NULL;
	rte_int128_t old, nw;

	/* Write the list into the first valid object (they are ours: nobody
	 * else reads or writes them until the CAS publishes the batch). */
	RTE_ASSERT(k <= s->batch_max);
	for (uint32_t x = 0; x < k; x++) {
		uint32_t i;

		if (!valid(s, src[x], &i)) {
			__atomic_fetch_add(&s->rejected, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (list == NULL) {
			leader = i;
			list = batch_list(s, i);
		}
		list[n++] = src[x];
	}
	if (n == 0)
		return;
	__atomic_store_n(&s->bsize[leader], n, __ATOMIC_RELAXED);
	head_load(s, &old);
	do {
		__atomic_store_n(&s->next[leader], LO_TOP(old.val[0]), __ATOMIC_RELAXED);
		nw.val[0] = LO(leader, LO_COUNT(old.val[0]) + n);
		nw.val[1] = HI(HI_TAG(old.val[1]) + 1, who);
	} while (!cas(s, &old, &nw, j));
}

void tern__stack_push_all(struct tern__stack *s, struct rte_mbuf *const *src, uint32_t k)
{
	while (k > 0) {
		uint32_t b = RTE_MIN(k, s->batch_max);

		tern__stack_push(s, NULL, TERN_POOL_NOBODY, src, b);
		src += b;
		k -= b;
	}
}

uint32_t tern__stack_count(const struct tern__stack *s)
{
	return LO_COUNT(__atomic_load_n(&s->head.half[0], __ATOMIC_RELAXED));
}

/* Did the attempt of `who` that expected `tag` land?  Read the head
 * first: whoever replaced it helped first (tern_pool.h). */
static bool landed(struct tern__stack *s, uint32_t who, uint64_t tag)
{
	uint64_t hi = __atomic_load_n(half(s, 1), __ATOMIC_ACQUIRE);

	if (who >= TERN_POOL_WHO_MAX || tag == 0)
		return false;
	if (HI_WHO(hi) == who && HI_TAG(hi) == tag + 1)
		return true;
	return __atomic_load_n(&s->done[who], __ATOMIC_ACQUIRE) == tag + 1;
}

/* ---- the client cache's slow paths ---- */

static inline void op_begin(struct tern__cache *c, uint32_t kind, uint32_t k, uint32_t len)
{
	c->op.k = k;
	c->op.len_before = len;
	/* No attempt yet: a tag left from the previous operation, which did
	 * land, must not make this one look landed (no head ever has tag 1
	 * and a client as its author, so 0 never matches). */
	c->op.tag = 0;
	rte_compiler_barrier();
	c->op.kind = kind;
	rte_compiler_barrier();
}

static inline void op_end(struct tern__cache *c, uint32_t len)
{
	rte_compiler_barrier();
	c->len = len;
	rte_compiler_barrier();
	c->op.kind = TERN__POP_NONE;
}

int tern__cache_refill(struct tern__cache *c, struct tern__stack *s, uint32_t who, uint32_t n)
{
	uint32_t len = c->len;

	if (n > TERN_CACHE_MAX - TERN_BATCH_MAX)
		return -ENOBUFS;
	/* Whole batches, each one journaled operation: a batch is what
	 * someone's flush (about half a cache) or a DPDK cache pushed. */
	while (len < n) {
		int got;

		op_begin(c, TERN__POP, 0, len);
		got = tern__stack_pop(s, &c->op, who, &c->objs[len], TERN_CACHE_MAX - len);
		if (got < 0) {
			op_end(c, len);
			return -ENOBUFS;
		}
		len += (uint32_t)got;
		op_end(c, len);
	}
	return 0;
}

void tern__cache_flush(struct tern__cache *c, struct tern__stack *s, uint32_t who,
		       uint32_t keep)
{
	uint32_t len = c->len;

	while (len > keep) {
		uint32_t b = RTE_MIN(len - keep, s->batch_max);

		op_begin(c, TERN__PUSH, b, len);
		tern__stack_push(s, &c->op, who, &c->objs[len - b], b);
		len -= b;
		op_end(c, len);
	}
}

void tern__cache_recover(struct tern__cache *c, struct tern__stack *s, uint32_t who)
{
	struct tern__pool_op *op = &c->op;

	if (c->len > TERN_CACHE_MAX)
		c->len = 0;     /* not ours to trust; nothing in it is freed twice */
	if (op->kind != TERN__POP_NONE && op->k <= TERN_CACHE_MAX &&
	    op->len_before <= TERN_CACHE_MAX && c->len == op->len_before &&
	    landed(s, who, op->tag)) {
		/* It landed; the cache's len never moved. */
		if (op->kind == TERN__POP && op->len_before + op->k <= TERN_CACHE_MAX)
			c->len = op->len_before + op->k;
		else if (op->kind == TERN__PUSH && op->k <= op->len_before)
			c->len = op->len_before - op->k;
	}
	op->kind = TERN__POP_NONE;
}

bool tern__cache_has(const struct tern__cache *c, const struct rte_mbuf *m)
{
	for (uint32_t i = 0; i < c->len && i < TERN_CACHE_MAX; i++)
		if (c->objs[i] == m)
			return true;
	return false;
}

/* ---- the mempool handler ---- */

static int ops_alloc(struct rte_mempool *mp)
{
	static const struct rte_mbuf_dynfield idx_field = {
		.name = "tern_pool_index",
		.size = sizeof(uint32_t),
		.align = __alignof__(uint32_t),
	};
	char name[RTE_MEMZONE_NAMESIZE];
	size_t n = mp->size;
	size_t size = sizeof(struct tern__stack) + n * sizeof(struct rte_mbuf *) +
		      2 * n * sizeof(uint32_t) + TERN_POOL_WHO_MAX * sizeof(uint64_t);
	const struct rte_memzone *mz;
	struct tern__stack *s;
	int off = rte_mbuf_dynfield_register(&idx_field);

	if (off < 0)
		return -rte_errno;
	snprintf(name, sizeof(name), "tstk_%s", mp->name);
	mz = rte_memzone_reserve_aligned(name, size, mp->socket_id, 0, RTE_CACHE_LINE_SIZE);
	if (mz == NULL)
		return -rte_errno;
	s = mz->addr;
	memset(s, 0, size);
	s->n = (uint32_t)n;
	s->idx_off = off;
	s->done = (uint64_t *)(s + 1);
	s->obj = (struct rte_mbuf **)(s->done + TERN_POOL_WHO_MAX);
	s->next = (uint32_t *)(s->obj + n);
	s->bsize = s->next + n;
	s->head.half[0] = LO(TERN_POOL_NIL, 0);
	s->head.half[1] = HI(UINT64_C(1), TERN_POOL_NOBODY);
	s->mz = mz;
	mp->pool_data = s;
	return 0;
}

static void ops_free(struct rte_mempool *mp)
{
	struct tern__stack *s = tern__stack_of(mp);

	if (s)
		rte_memzone_free(s->mz);
	mp->pool_data = NULL;
}

static int ops_enqueue(struct rte_mempool *mp, void *const *objs, unsigned n)
{
	struct tern__stack *s = tern__stack_of(mp);

	if (unlikely(!s->ready)) {
		/* Populating, one thread, before anyone else can see the pool
		 * (and before rte_pktmbuf_init gave the objects their buffer
		 * addresses): just number them, in the order they arrive,
		 * which is the order of rte_mempool_obj_iter (checked by
		 * tern__stack_ready, which then stacks them). */
		for (unsigned x = 0; x < n && s->n_objs < s->n; x++)
			s->obj[s->n_objs++] = objs[x];
		return 0;
	}
	tern__stack_push_all(s, (struct rte_mbuf *const *)objs, n);
	return 0;
}

/* DPDK's contract is all or nothing, and batches come whole: the part of
 * the last batch not asked for goes back as a batch of its own.  Only
 * tern-dataplane gets here (its DPDK caches, PMDs), never a client. */
static int ops_dequeue(struct rte_mempool *mp, void **objs, unsigned n)
{
	struct tern__stack *s = tern__stack_of(mp);
	struct rte_mbuf *tmp[TERN_BATCH_MAX];
	unsigned got = 0;

	if (unlikely(!s->ready))
		return -ENOBUFS;
	while (got < n) {
		int b = tern__stack_pop(s, NULL, TERN_POOL_NOBODY, tmp, TERN_BATCH_MAX);
		unsigned use;

		if (b < 0) {
			tern__stack_push_all(s, (struct rte_mbuf *const *)objs, got);
			return -ENOBUFS;
		}
		use = RTE_MIN((unsigned)b, n - got);
		memcpy(&objs[got], tmp, use * sizeof(*tmp));
		got += use;
		if (use < (unsigned)b)
			tern__stack_push(s, NULL, TERN_POOL_NOBODY, &tmp[use], (unsigned)b - use);
	}
	return 0;
}

static unsigned ops_count(const struct rte_mempool *mp)
{
	return tern__stack_count(tern__stack_of(mp));
}

static struct rte_mempool_ops tern_stack_ops = {
	.name = TERN_POOL_OPS,
	.alloc = ops_alloc,
	.free = ops_free,
	.enqueue = ops_enqueue,
	.dequeue = ops_dequeue,
	.get_count = ops_count,
};
RTE_MEMPOOL_REGISTER_OPS(tern_stack_ops);

struct ready_arg {
	struct tern__stack *s;
	int bad;
};

static void set_index(struct rte_mempool *mp, void *opaque, void *obj, unsigned i)
{
	struct ready_arg *a = opaque;

	(void)mp;
	if (i >= a->s->n_objs || a->s->obj[i] != obj) {
		a->bad++;
		return;
	}
	*RTE_MBUF_DYNFIELD((struct rte_mbuf *)obj, a->s->idx_off, uint32_t *) = i;
}

int tern__stack_ready(struct rte_mempool *mp, uint32_t index)
{
	struct ready_arg a = { .s = tern__stack_of(mp) };

	if (mp->ops_index < 0 || strcmp(rte_mempool_get_ops(mp->ops_index)->name, TERN_POOL_OPS))
		return -EINVAL;
	if (index >= TERN_POOLS_MAX || a.s->n_objs != a.s->n)
		return -EINVAL;
	rte_mempool_obj_iter(mp, set_index, &a);
	if (a.bad)
		return -EPROTO;
	/* Every object's buffer sits at the same offset from it (one
	 * element layout per mempool); a batch's list is written there. */
	struct rte_mbuf *m0 = a.s->obj[0];
	a.s->list_off = (uint32_t)((char *)m0->buf_addr - (char *)m0);
	a.s->batch_max = RTE_MIN((uint32_t)TERN_BATCH_MAX,
				 (uint32_t)(m0->buf_len / sizeof(struct rte_mbuf *)));
	if (a.s->batch_max == 0)
		return -EINVAL;
	for (uint32_t i = 0; i < a.s->n; i++) {
		struct rte_mbuf *m = a.s->obj[i];
		if ((char *)m->buf_addr - (char *)m != (ptrdiff_t)a.s->list_off ||
		    m->buf_len != m0->buf_len)
			return -EPROTO;
	}
	a.s->stride = a.s->n > 1 ? (uint64_t)((char *)a.s->obj[1] - (char *)m0) : 0;
	for (uint32_t i = 0; a.s->stride && i < a.s->n; i++)
		if ((uintptr_t)a.s->obj[i] != (uintptr_t)m0 + i * a.s->stride)
			a.s->stride = 0;        /* several chunks: the dynfield it is */
	/* The arithmetic of valid() is exact below 4 GiB of pool. */
	if (a.s->stride < 256 || (uint64_t)a.s->n * a.s->stride >= (UINT64_C(1) << 32))
		a.s->stride = 0;
	a.s->base = (uintptr_t)m0;
	a.s->recip = a.s->stride ? ((UINT64_C(1) << 40) + a.s->stride - 1) / a.s->stride : 0;
	tern__stack_push_all(a.s, a.s->obj, a.s->n);
	a.s->index = index;
	__atomic_store_n(&a.s->ready, true, __ATOMIC_RELEASE);
	return 0;
}
