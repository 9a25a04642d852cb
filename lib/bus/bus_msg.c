/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Message buffers: allocation, tags, and the release protocol.
 *
 * Fan-out shares one buffer among N readers.  Instead of the mbuf refcount
 * we keep a bitmap of holders (one bit per link of the topic) in the
 * message header: a reader clears its own bit, and the last one swaps its
 * bit for FREEING|bit in the same CAS before returning the buffer.  The
 * refcount would do for live processes, but after a kill -9 nobody could
 * tell whether the dead reader's decrement had happened; with the bitmap,
 * reclaim reads the answer (bus_reclaim.c).  A sole reader, the common
 * case, sees holders == its bit, needs no atomic instruction and does not
 * even write the header (a write would pull the line back from the
 * publisher's core): reclaim finds such a buffer in the dead reader's
 * cache instead (tern_pool.h).
 */
#include <string.h>

#include "bus_pvt.h"

static inline void free_to(struct tern_client *c, struct rte_mbuf *m)
{
	if (c)
		tern__buf_free(c, m);
	else
		rte_mbuf_raw_free(m);
}

bool tern__release_mask(struct tern_client *c, struct rte_mbuf *m, uint64_t mask)
{
	uint64_t *h = &tern__msg(m)->holders__;
	uint64_t v = __atomic_load_n(h, __ATOMIC_ACQUIRE);
	uint64_t nv;

	if (v == mask) {
		/* The last holders: nobody else can touch it any more. */
		free_to(c, m);
		return true;
	}
	do {
		if (!(v & mask) || (v & TERN__FREEING))
			return false;   /* not ours: never free twice */
		nv = (v & ~mask) == 0 ? (TERN__FREEING | v) : (v & ~mask);
	} while (!__atomic_compare_exchange_n(h, &v, nv, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	if (nv & TERN__FREEING) {
		free_to(c, m);
		return true;
	}
	return false;
}

/*
 * Allocation copies the buffer from our cache straight into the client's
 * alloc[] slot in shared memory, and only then shortens the cache: at no
 * instant is a buffer in neither.  Freeing returns the buffer first and
 * forgets the slot after; reclaim tells the two apart by looking in the
 * dead client's cache.
 */
int tern__client_bind(struct tern_client *c, unsigned socket)
{
	struct tern__shm *shm = c->shm;

	if (c->client_id >= shm->max_clients)
		return -EPROTO;
	c->pool = socket < RTE_MAX_NUMA_NODES && shm->pools[socket] ? shm->pools[socket]
								    : shm->pool;
	c->stack = tern__stack_of(c->pool);
	if (c->stack->index >= TERN_POOLS_MAX)
		return -EPROTO;
	c->slot = tern__shm_client(shm, c->client_id);
	c->cache = &c->slot->cache[c->stack->index];
	c->one_pool = shm->n_pools == 1;
	c->alloc_free = ~UINT64_C(0) >> (64 - TERN_ALLOC_MAX);
	return 0;
}

static inline struct tern_msg *msg_init(struct tern_pub *p, unsigned idx, uint32_t size)
{
	struct tern_client *c = p->c;
	struct tern_msg *msg = tern__msg(c->slot->alloc[idx]);

	c->alloc_free &= ~(UINT64_C(1) << idx);
	msg->seq = 0;                   /* new incarnation: see bus_reclaim.c */
	msg->event_ns = 0;
	msg->topic_id = p->topic_id;
	msg->size = size;
	msg->type_id = 0;
	msg->version = 0;
	msg->tags_len = 0;
	msg->capacity = c->shm->msg_size;
	msg->slot__ = idx;
	return msg;
}

int tern_msg_alloc_bulk(struct tern_pub *p, uint32_t size, struct tern_msg **msgs, unsigned n)
{
	struct tern_client *c = p->c;
	uint64_t run;
	unsigned i;

	if (tern__fenced(c))
		return TERN_ENOTCONN;
	if (size > c->shm->msg_size || n == 0 || n > TERN_ALLOC_MAX)
		return -EINVAL;
	/* n contiguous free slots, to receive the bulk get directly. */
	run = n == 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1;
	for (i = 0; i + n <= TERN_ALLOC_MAX; i++)
		if ((c->alloc_free & (run << i)) == run << i)
			break;
	if (i + n > TERN_ALLOC_MAX)
		return -ENOBUFS;
	if (tern__buf_take(c, &c->slot->alloc[i], n) != 0) {
		tern__pub_follow(p);    /* a reader that left may hold the buffers */
		return -ENOBUFS;
	}
	for (unsigned k = 0; k < n; k++)
		msgs[k] = msg_init(p, i + k, size);
	return 0;
}

struct tern_msg *tern_msg_alloc(struct tern_pub *p, uint32_t size)
{
	struct tern_client *c = p->c;
	unsigned idx;

	if (size > c->shm->msg_size || c->alloc_free == 0 || tern__fenced(c))
		return NULL;
	idx = (unsigned)__builtin_ctzll(c->alloc_free);
	if (tern__buf_take(c, &c->slot->alloc[idx], 1) != 0) {
		tern__pub_follow(p);    /* a reader that left may hold the buffers */
		return NULL;
	}
	return msg_init(p, idx, size);
}

void tern_msg_free(struct tern_pub *p, struct tern_msg *msg)
{
	tern__alloc_drop(p->c, msg);
}

int tern_msg_add_tag(struct tern_msg *m, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);
	size_t need = kl + 1 + vl + 1;
	char *p;

	if (kl == 0 || memchr(key, '=', kl) != NULL)
		return -EINVAL;
	/* capacity is a header field anyone holding m can write: bound by
	 * the buffer itself as well. */
	const struct rte_mbuf *mb = tern__mbuf(m);
	size_t room = (size_t)((const char *)mb->buf_addr + mb->buf_len -
			       (const char *)tern_msg_data(m));
	if (m->capacity < room)
		room = m->capacity;
	if ((size_t)m->size + m->tags_len + need > room || m->tags_len + need > UINT16_MAX)
		return -ENOSPC;
	p = (char *)tern_msg_data(m) + m->size + m->tags_len;
	memcpy(p, key, kl);
	p[kl] = '=';
	memcpy(p + kl + 1, value, vl + 1);
	m->tags_len = (uint16_t)(m->tags_len + need);
	return 0;
}

const char *tern_msg_tag(const struct tern_msg *m, const char *key, size_t *len)
{
	const char *p = (const char *)tern_msg_data(m) + m->size;
	const char *end = p + m->tags_len;
	size_t kl = strlen(key);

	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		if (z == NULL)
			break;
		if ((size_t)(z - p) > kl && memcmp(p, key, kl) == 0 && p[kl] == '=') {
			if (len)
				*len = (size_t)(z - p) - kl - 1;
			return p + kl + 1;
		}
		p = z + 1;
	}
	return NULL;
}

