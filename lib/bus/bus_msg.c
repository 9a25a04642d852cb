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
 * case, sees holders == its bit and needs no atomic instruction at all,
 * exactly like rte_pktmbuf_free() with refcnt 1.
 */
#include <string.h>

#include "bus_pvt.h"

bool tern__release_ref(struct rte_mbuf *m, uint64_t bit)
{
	uint64_t *h = &tern__msg(m)->holders__;
	uint64_t v = __atomic_load_n(h, __ATOMIC_ACQUIRE);
	uint64_t nv;

	if (v == bit) {
		/* Sole holder: nobody else can touch it any more. */
		nv = TERN__FREEING | bit;
		__atomic_store_n(h, nv, __ATOMIC_RELAXED);
	} else {
		do {
			if (!(v & bit))
				return false;   /* not ours: never free twice */
			nv = (v == bit) ? (TERN__FREEING | bit) : (v & ~bit);
		} while (!__atomic_compare_exchange_n(h, &v, nv, false,
						      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	}
	if (nv & TERN__FREEING) {
		rte_mbuf_raw_free(m);
		return true;
	}
	return false;
}

static inline struct tern_msg *msg_init(struct tern_pub *p, struct rte_mbuf *m, uint32_t size)
{
	struct tern_client *c = p->c;
	struct tern_msg *msg = tern__msg(m);
	unsigned idx = (unsigned)__builtin_ctzll(c->alloc_free);

	c->alloc_free &= ~(UINT64_C(1) << idx);
	c->slot->alloc[idx] = m;        /* reclaim frees it if we die now */
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
	struct rte_mbuf *m[TERN_ALLOC_MAX];

	if (size > c->shm->msg_size || n > TERN_ALLOC_MAX)
		return -EINVAL;
	if ((unsigned)__builtin_popcountll(c->alloc_free) < n ||
	    rte_mempool_get_bulk(c->pool, (void **)m, n) != 0)
		return -ENOBUFS;
	for (unsigned i = 0; i < n; i++)
		msgs[i] = msg_init(p, m[i], size);
	return 0;
}

struct tern_msg *tern_msg_alloc(struct tern_pub *p, uint32_t size)
{
	struct tern_client *c = p->c;
	struct rte_mbuf *m;

	if (size > c->shm->msg_size || c->alloc_free == 0)
		return NULL;
	m = rte_mbuf_raw_alloc(c->pool);
	return m ? msg_init(p, m, size) : NULL;
}

void tern_msg_free(struct tern_pub *p, struct tern_msg *msg)
{
	struct rte_mbuf *m = tern__mbuf(msg);

	tern__alloc_forget(p->c, msg);
	rte_mbuf_raw_free(m);
}

int tern_msg_add_tag(struct tern_msg *m, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);
	size_t need = kl + 1 + vl + 1;
	char *p;

	if (kl == 0 || memchr(key, '=', kl) != NULL)
		return -EINVAL;
	if ((size_t)m->size + m->tags_len + need > m->capacity || m->tags_len + need > UINT16_MAX)
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

