/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One-direction streaming throughput between two pinned processes.
 * Raw DPDK: A allocates 32 fresh mbufs, writes them, enqueues the burst on a
 * bare SPSC ring (or, one at a time: allocates, writes and enqueues each);
 * B dequeues bursts of 32, reads and frees them.
 * tern: A allocates, writes and publishes each message (backpressure policy,
 * so nothing is lost and A retries when B is behind); B polls bursts of 32
 * from each of its subscriptions, reads and releases.  B measures.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>

#include "perf.h"

static volatile uint64_t sink;


/* Side B's clock: count what arrives over perf_o.seconds after the first. */
struct meter {
	double t0;
	uint64_t n;
};

static inline bool meter_add(struct meter *mt, unsigned k)
{
	if (k && mt->t0 == 0)
		mt->t0 = perf_now();
	mt->n += k;
	return mt->t0 != 0 && (mt->n & 0xfff) < k && perf_now() - mt->t0 >= perf_o.seconds;
}

static void meter_done(struct perf_shared *sh, struct meter *mt, unsigned per)
{
	double dt = perf_now() - mt->t0;

	sh->count = mt->n;
	sh->rate = (double)mt->n / dt / per;
	__atomic_store_n(&sh->done, 1, __ATOMIC_RELEASE);
}

void perf_side_raw_stream(int side, struct perf_shared *sh, struct tern_client *c, void *arg)
{
	const struct perf_stream_arg *a = arg;
	struct rte_mempool *mp = c->pool;
	struct rte_mbuf *m[32];
	struct rte_ring *r;

	if (side == 0) {
		r = rte_ring_create(sh->ring_ab, 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (r == NULL) {
			snprintf(sh->errmsg, sizeof(sh->errmsg), "ring: %s", rte_strerror(rte_errno));
			sh->error = 1;
			return;
		}
		sh->ready[0] = 1;
		perf_wait(&sh->ready[1]);
		/* One at a time, as tern-1pub-1sub publishes: the same work. */
		for (uint64_t i = 0; a->one && !sh->done; i++) {
			struct rte_mbuf *x;
			if (rte_mempool_get(mp, (void **)&x) != 0)
				continue;
			memset(rte_pktmbuf_mtod(x, void *), (int)i, a->size);
			while (rte_ring_sp_enqueue(r, x) != 0)
				if (sh->done) {
					rte_mempool_put(mp, x);
					break;
				}
		}
		while (!sh->done) {
			unsigned k = 0;
			if (rte_mempool_get_bulk(mp, (void **)m, 32) != 0)
				continue;
			for (int i = 0; i < 32; i++)
				memset(rte_pktmbuf_mtod(m[i], void *), i, a->size);
			while (k < 32 && !sh->done)
				k += rte_ring_sp_enqueue_burst(r, (void **)m + k, 32 - k, NULL);
			if (k < 32)
				rte_mempool_put_bulk(mp, (void **)m + k, 32 - k);
		}
		/* B has stopped consuming: drain what it left, then free the ring. */
		unsigned k;
		while ((k = rte_ring_sc_dequeue_burst(r, (void **)m, 32, NULL)) != 0)
			rte_mempool_put_bulk(mp, (void **)m, k);
		rte_ring_free(r);
		return;
	}
	struct meter mt = { 0 };
	perf_wait(&sh->ready[0]);
	r = rte_ring_lookup(sh->ring_ab);
	sh->ready[1] = 1;
	for (;;) {
		unsigned k = rte_ring_sc_dequeue_burst(r, (void **)m, 32, NULL);
		for (unsigned i = 0; i < k; i++)
			sink += perf_touch(rte_pktmbuf_mtod(m[i], void *), a->size);
		if (k)
			rte_mempool_put_bulk(mp, (void **)m, k);
		if (meter_add(&mt, k))
			break;
	}
	meter_done(sh, &mt, 1);
}

void perf_side_tern_stream(int side, struct perf_shared *sh, struct tern_client *c, void *arg)
{
	const struct perf_stream_arg *a = arg;
	struct tern_sub_opts so = { .policy = TERN_POLICY_BACKPRESSURE, .depth = 4096 };
	const struct tern_msg *v[32];

	if (side == 0) {
		struct tern_pub *p[2];
		snprintf(sh->topic_a, sizeof(sh->topic_a), "perf.stream.%d.%u.%u.%u", (int)getpid(),
			 a->size, a->subs, a->pubs);
		if (tern_topic_create(c, sh->topic_a) < 0)
			goto fail;
		for (unsigned i = 0; i < a->pubs; i++)
			if (tern_pub_open(c, sh->topic_a, a->pubs == 1 ? TERN_PUB_EXCLUSIVE : 0, &p[i]) < 0)
				goto fail;
		sh->ready[0] = 1;
		perf_wait(&sh->ready[1]);
		while (a->burst && !sh->done) {
			struct tern_msg *mb[32];
			unsigned k = 0;
			if (tern_msg_alloc_bulk(p[0], a->size, mb, 32) < 0)
				continue;
			for (int i = 0; i < 32; i++)
				memset(tern_msg_data(mb[i]), i, a->size);
			while (k < 32 && !sh->done)
				k += tern_publish_burst(p[0], mb + k, 32 - k);
			for (; k < 32; k++)
				tern_msg_free(p[0], mb[k]);
		}
		for (uint64_t i = 0; !sh->done; i++) {
			struct tern_pub *pp = p[i % a->pubs];
			struct tern_msg *m = tern_msg_alloc(pp, a->size);
			if (m == NULL)
				continue;
			memset(tern_msg_data(m), (int)i, a->size);
			while (tern_publish(pp, m) < 0) {
				if (sh->done) {
					tern_msg_free(pp, m);
					break;
				}
			}
		}
		return;
fail:
		snprintf(sh->errmsg, sizeof(sh->errmsg), "setup: %s", tern_errmsg());
		sh->error = 1;
		return;
	}
	struct tern_sub *s[8];
	struct meter mt = { 0 };
	perf_wait(&sh->ready[0]);
	for (unsigned i = 0; i < a->subs; i++)
		if (tern_sub_open(c, sh->topic_a, &so, &s[i]) < 0) {
			snprintf(sh->errmsg, sizeof(sh->errmsg), "sub: %s", tern_errmsg());
			sh->error = 1;
			return;
		}
	sh->ready[1] = 1;
	for (unsigned j = 0;; j = (j + 1 == a->subs) ? 0 : j + 1) {
		unsigned k = tern_poll(s[j], v, 32);
		for (unsigned i = 0; i < k; i++)
			sink += perf_touch(tern_msg_data(v[i]), a->size);
		tern_release(s[j], v, k);
		if (meter_add(&mt, k))
			break;
	}
	meter_done(sh, &mt, a->subs);
}
