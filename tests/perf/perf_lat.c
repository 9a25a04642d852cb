/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One-way latency by ping-pong (RTT/2) between two pinned processes:
 *   - a bare cache line bounced between them (the machine's floor);
 *   - raw DPDK: a fresh mbuf per message over two bare SPSC rte_rings;
 *   - tern: the same exchange over two topics with publish/poll.
 * Each side reads the payload it receives and writes the one it sends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>

#include "perf.h"

static uint32_t *samples(void)
{
	uint32_t *s = mmap(NULL, (perf_o.samples + 1) * sizeof(uint32_t), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return s == MAP_FAILED ? NULL : s;
}

static double tsc_ns;   /* ns per TSC tick */

static void tsc_calibrate(void)
{
	uint64_t t0 = rte_rdtsc();
	double s0 = perf_now();

	while (perf_now() - s0 < 0.05)
		;
	tsc_ns = (perf_now() - s0) * 1e9 / (double)(rte_rdtsc() - t0);
}

static inline uint64_t touch(const void *p, uint32_t size)
{
	const uint64_t *w = p;
	uint64_t sum = 0;

	for (uint32_t i = 0; i < size / 8; i++)
		sum += w[i];
	return sum;
}

static volatile uint64_t sink;

void perf_side_cacheline(int side, struct perf_shared *sh, struct tern_client *c, void *arg)
{
	uint64_t n = perf_o.warmup + perf_o.samples;
	(void)c;
	(void)arg;
	if (side == 1) {
		sh->ready[1] = 1;
		for (uint64_t i = 1; i <= n; i++) {
			while (sh->line[0] != i)
				rte_pause();
			sh->echo[0] = i;
		}
		return;
	}
	uint32_t *s = samples();
	tsc_calibrate();
	perf_wait(&sh->ready[1]);
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t t0 = rte_rdtsc();
		sh->line[0] = i;
		while (sh->echo[0] != i)
			;
		if (i > perf_o.warmup)
			s[i - perf_o.warmup - 1] = (uint32_t)((double)(rte_rdtsc() - t0) * tsc_ns / 2);
	}
	perf_percentiles(sh, s, perf_o.samples);
}

void perf_side_raw_pingpong(int side, struct perf_shared *sh, struct tern_client *c, void *arg)
{
	uint32_t size = *(uint32_t *)arg;
	uint64_t n = perf_o.warmup + perf_o.samples;
	struct rte_mempool *mp = c->pool;
	struct rte_ring *ab, *ba;
	struct rte_mbuf *m;

	if (side == 0) {
		ab = rte_ring_create(sh->ring_ab, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		ba = rte_ring_create(sh->ring_ba, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!ab || !ba) {
			snprintf(sh->errmsg, sizeof(sh->errmsg), "ring create: %s",
				 rte_strerror(rte_errno));
			sh->error = 1;
			return;
		}
		sh->ready[0] = 1;
		uint32_t *s = samples();
		tsc_calibrate();
		perf_wait(&sh->ready[1]);
		for (uint64_t i = 1; i <= n; i++) {
			uint64_t t0 = rte_rdtsc();
			while ((m = rte_mbuf_raw_alloc(mp)) == NULL)
				;
			memset(rte_pktmbuf_mtod(m, void *), (int)i, size);
			rte_ring_sp_enqueue(ab, m);
			while (rte_ring_sc_dequeue(ba, (void **)&m) != 0)
				;
			sink += touch(rte_pktmbuf_mtod(m, void *), size);
			rte_mbuf_raw_free(m);
			if (i > perf_o.warmup)
				s[i - perf_o.warmup - 1] =
					(uint32_t)((double)(rte_rdtsc() - t0) * tsc_ns / 2);
		}
		perf_wait(&sh->done);
		rte_ring_free(ab);
		rte_ring_free(ba);
		perf_percentiles(sh, s, perf_o.samples);
		return;
	}
	perf_wait(&sh->ready[0]);
	ab = rte_ring_lookup(sh->ring_ab);
	ba = rte_ring_lookup(sh->ring_ba);
	sh->ready[1] = 1;
	for (uint64_t i = 1; i <= n; i++) {
		while (rte_ring_sc_dequeue(ab, (void **)&m) != 0)
			;
		sink += touch(rte_pktmbuf_mtod(m, void *), size);
		rte_mbuf_raw_free(m);
		while ((m = rte_mbuf_raw_alloc(mp)) == NULL)
			;
		memset(rte_pktmbuf_mtod(m, void *), (int)i, size);
		rte_ring_sp_enqueue(ba, m);
	}
	sh->done = 1;
}

void perf_side_tern_pingpong(int side, struct perf_shared *sh, struct tern_client *c, void *arg)
{
	uint32_t size = *(uint32_t *)arg;
	uint64_t n = perf_o.warmup + perf_o.samples;
	struct tern_sub_opts so = { .policy = TERN_POLICY_BACKPRESSURE, .depth = 1024 };
	const struct tern_msg *v[1];
	struct tern_pub *p;
	struct tern_sub *s;
	struct tern_msg *m;

	if (side == 0) {
		snprintf(sh->topic_a, sizeof(sh->topic_a), "perf.ping.%d.%u", (int)getpid(), size);
		snprintf(sh->topic_b, sizeof(sh->topic_b), "perf.pong.%d.%u", (int)getpid(), size);
		if (tern_topic_create(c, sh->topic_a) < 0 || tern_topic_create(c, sh->topic_b) < 0 ||
		    tern_sub_open(c, sh->topic_b, &so, &s) < 0 ||
		    tern_pub_open(c, sh->topic_a, TERN_PUB_EXCLUSIVE, &p) < 0) {
			snprintf(sh->errmsg, sizeof(sh->errmsg), "setup: %s", tern_errmsg());
			sh->error = 1;
			return;
		}
		sh->ready[0] = 1;
		uint32_t *smp = samples();
		tsc_calibrate();
		perf_wait(&sh->ready[1]);
		for (uint64_t i = 1; i <= n; i++) {
			uint64_t t0 = rte_rdtsc();
			while ((m = tern_msg_alloc(p, size)) == NULL)
				;
			memset(tern_msg_data(m), (int)i, size);
			tern_publish(p, m);
			while (tern_poll(s, v, 1) == 0)
				;
			sink += touch(tern_msg_data(v[0]), size);
			tern_release(s, v, 1);
			if (i > perf_o.warmup)
				smp[i - perf_o.warmup - 1] =
					(uint32_t)((double)(rte_rdtsc() - t0) * tsc_ns / 2);
		}
		perf_wait(&sh->done);
		perf_percentiles(sh, smp, perf_o.samples);
		return;
	}
	perf_wait(&sh->ready[0]);
	if (tern_sub_open(c, sh->topic_a, &so, &s) < 0 ||
	    tern_pub_open(c, sh->topic_b, TERN_PUB_EXCLUSIVE, &p) < 0) {
		snprintf(sh->errmsg, sizeof(sh->errmsg), "setup: %s", tern_errmsg());
		sh->error = 1;
		return;
	}
	sh->ready[1] = 1;
	for (uint64_t i = 1; i <= n; i++) {
		while (tern_poll(s, v, 1) == 0)
			;
		sink += touch(tern_msg_data(v[0]), size);
		tern_release(s, v, 1);
		while ((m = tern_msg_alloc(p, size)) == NULL)
			;
		memset(tern_msg_data(m), (int)i, size);
		tern_publish(p, m);
	}
	sh->done = 1;
}
