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

#include <poll.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>

#include "perf.h"

uint32_t *perf_samples(void)
{
	uint32_t *s = mmap(NULL, (perf_o.samples + 1) * sizeof(uint32_t), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return s == MAP_FAILED ? NULL : s;
}

double perf_tsc_ns;     /* ns per TSC tick */

void perf_tsc_calibrate(void)
{
	uint64_t t0 = rte_rdtsc();
	double s0 = perf_now();

	while (perf_now() - s0 < 0.05)
		;
	perf_tsc_ns = (perf_now() - s0) * 1e9 / (double)(rte_rdtsc() - t0);
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
	uint32_t *s = perf_samples();
	perf_tsc_calibrate();
	perf_wait(&sh->ready[1]);
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t t0 = rte_rdtsc();
		sh->line[0] = i;
		while (sh->echo[0] != i)
			;
		if (i > perf_o.warmup)
			s[i - perf_o.warmup - 1] = (uint32_t)((double)(rte_rdtsc() - t0) * perf_tsc_ns / 2);
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
		uint32_t *s = perf_samples();
		perf_tsc_calibrate();
		perf_wait(&sh->ready[1]);
		for (uint64_t i = 1; i <= n; i++) {
			uint64_t t0 = rte_rdtsc();
			while ((m = rte_mbuf_raw_alloc(mp)) == NULL)
				;
			memset(rte_pktmbuf_mtod(m, void *), (int)i, size);
			rte_ring_sp_enqueue(ab, m);
			while (rte_ring_sc_dequeue(ba, (void **)&m) != 0)
				;
			sink += perf_touch(rte_pktmbuf_mtod(m, void *), size);
			rte_mbuf_raw_free(m);
			if (i > perf_o.warmup)
				s[i - perf_o.warmup - 1] =
					(uint32_t)((double)(rte_rdtsc() - t0) * perf_tsc_ns / 2);
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
		sink += perf_touch(rte_pktmbuf_mtod(m, void *), size);
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
		uint32_t *smp = perf_samples();
		perf_tsc_calibrate();
		perf_wait(&sh->ready[1]);
		for (uint64_t i = 1; i <= n; i++) {
			uint64_t t0 = rte_rdtsc();
			while ((m = tern_msg_alloc(p, size)) == NULL)
				;
			memset(tern_msg_data(m), (int)i, size);
			tern_publish(p, m);
			while (tern_poll(s, v, 1) == 0)
				;
			sink += perf_touch(tern_msg_data(v[0]), size);
			tern_release(s, v, 1);
			if (i > perf_o.warmup)
				smp[i - perf_o.warmup - 1] =
					(uint32_t)((double)(rte_rdtsc() - t0) * perf_tsc_ns / 2);
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
		sink += perf_touch(tern_msg_data(v[0]), size);
		tern_release(s, v, 1);
		while ((m = tern_msg_alloc(p, size)) == NULL)
			;
		memset(tern_msg_data(m), (int)i, size);
		tern_publish(p, m);
	}
	sh->done = 1;
}

/* Between two nodes (--remote SOCK: side B is a client of the other node).
 * A pings on "net.ping.*", homed on A and imported by B; B answers on
 * "pong.*", homed on B and imported by A (the node configs say so, see
 * scripts/perf_net.sh).  A stream starts only once the importer has asked
 * for it, so A pings until the first answer, lets the stragglers' answers
 * arrive, drains them, and only then measures strict ping-pong, RTT/2.
 * --remote-wake fd: both sides sleep on their subscription's fd instead of
 * spinning, leaving the CPU to the I/O lcores (four pollers on two CPUs
 * otherwise time-slice). */
static bool remote_get(struct tern_sub *s, const struct tern_msg **v, double until)
{
	while (tern_poll(s, v, 1) == 0) {
		if (perf_o.remote_fd && tern_sub_arm(s) == 0) {
			struct pollfd pfd = { .fd = tern_sub_fd(s), .events = POLLIN };
			uint64_t x;
			if (poll(&pfd, 1, 10) == 1 && read(pfd.fd, &x, sizeof(x)) < 0)
				return false;
		}
		if (until > 0 && perf_now() > until)
			return false;
	}
	return true;
}

static void remote_pub(struct tern_pub *p, uint32_t size, uint64_t i)
{
	struct tern_msg *m;

	while ((m = tern_msg_alloc(p, size)) == NULL)
		;
	memset(tern_msg_data(m), (int)i, size);
	while (tern_publish(p, m) == TERN_EBACKPRESSURE)
		;
}

void perf_side_remote_pingpong(int side, struct perf_shared *sh, struct tern_client *c, void *arg)
{
	uint32_t size = *(uint32_t *)arg;
	struct tern_sub_opts so = { .policy = TERN_POLICY_BACKPRESSURE, .depth = 1024,
				    .want_fd = perf_o.remote_fd };
	const struct tern_msg *v[1];
	struct tern_pub *p;
	struct tern_sub *s;

	if (side == 0) {
		snprintf(sh->topic_a, sizeof(sh->topic_a), "net.ping.%d.%u", (int)getpid(), size);
		snprintf(sh->topic_b, sizeof(sh->topic_b), "pong.%d.%u", (int)getpid(), size);
		if (tern_topic_create(c, sh->topic_a) < 0 ||
		    tern_pub_open(c, sh->topic_a, TERN_PUB_EXCLUSIVE, &p) < 0)
			goto fail;
		sh->ready[0] = 1;
		perf_wait(&sh->ready[1]);       /* B made pong and imports ping */
		if (tern_topic_create(c, sh->topic_b) < 0 || tern_sub_open(c, sh->topic_b, &so, &s) < 0)
			goto fail;
		uint32_t *smp = perf_samples();
		perf_tsc_calibrate();
		double deadline = perf_now() + 10;
		do {
			if (perf_now() > deadline) {
				snprintf(sh->errmsg, sizeof(sh->errmsg),
					 "no answer over the link in 10 s (are the ports up, "
					 "net.> exported to B and pong.> to A?)");
				goto fail_quiet;
			}
			remote_pub(p, size, 0);
		} while (!remote_get(s, v, perf_now() + 0.02));
		tern_release(s, v, 1);
		for (double t = perf_now() + 0.3; perf_now() < t;)
			if (tern_poll(s, v, 1))
				tern_release(s, v, 1);
		uint64_t n = perf_o.warmup + perf_o.samples;
		for (uint64_t i = 1; i <= n; i++) {
			uint64_t t0 = rte_rdtsc();
			remote_pub(p, size, i);
			if (!remote_get(s, v, perf_now() + 5)) {
				snprintf(sh->errmsg, sizeof(sh->errmsg), "ping %llu: no answer in 5 s",
					 (unsigned long long)i);
				goto fail_quiet;
			}
			sink += perf_touch(tern_msg_data(v[0]), size);
			tern_release(s, v, 1);
			if (i > perf_o.warmup)
				smp[i - perf_o.warmup - 1] =
					(uint32_t)((double)(rte_rdtsc() - t0) * perf_tsc_ns / 2);
		}
		sh->done = 1;
		perf_percentiles(sh, smp, perf_o.samples);
		return;
	}
	perf_wait(&sh->ready[0]);
	if (tern_topic_create(c, sh->topic_a) < 0 || tern_topic_create(c, sh->topic_b) < 0 ||
	    tern_sub_open(c, sh->topic_a, &so, &s) < 0 ||
	    tern_pub_open(c, sh->topic_b, TERN_PUB_EXCLUSIVE, &p) < 0)
		goto fail;
	sh->ready[1] = 1;
	while (!sh->done && !sh->error) {
		if (!remote_get(s, v, perf_now() + 0.1))
			continue;
		sink += perf_touch(tern_msg_data(v[0]), size);
		tern_release(s, v, 1);
		remote_pub(p, size, 0);
	}
	return;
fail:
	snprintf(sh->errmsg, sizeof(sh->errmsg), "setup (side %c): %s", 'A' + side, tern_errmsg());
fail_quiet:
	sh->error = 1;
	sh->ready[side] = 1;
}
