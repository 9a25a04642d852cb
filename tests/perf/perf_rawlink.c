/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-rawlink: the raw baseline of a node link's latency.  Two DPDK
 * primaries, one port each (the same vdev pair as two tern nodes use),
 * pass one bare Ethernet frame back and forth: no tern header, no
 * reliability, no bus on either end.  What tern's remote ping-pong costs
 * is a ratio to this, at the same placement (scripts/perf_net.sh).
 *
 *   tern-rawlink EAL-ARGS... -- pong
 *   tern-rawlink EAL-ARGS... -- ping [--size B] [--samples N] [--warmup N] [--json]
 *
 * pong echoes every frame until SIGINT/SIGTERM; ping prints RTT/2
 * percentiles.  A benchmark, never a test.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "perf.h"

#define ETHERTYPE_LOCAL 0x88b5  /* IEEE local experimental */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int port_start(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_link link;
	uint16_t rxd = 1024, txd = 1024;
	double deadline = perf_now() + 10;

	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, rxd, rte_socket_id(), NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, txd, rte_socket_id(), NULL) < 0 ||
	    rte_eth_dev_start(port) < 0)
		return -1;
	do {
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			return 0;
		rte_delay_ms(10);
	} while (perf_now() < deadline && !stop);
	return -1;
}

static void send_one(uint16_t port, struct rte_mempool *mp, uint32_t size, uint64_t i)
{
	struct rte_mbuf *m;
	uint8_t *f;
	uint32_t len = RTE_MAX(60u, 14 + size);

	while ((m = rte_pktmbuf_alloc(mp)) == NULL)
		;
	f = rte_pktmbuf_mtod(m, uint8_t *);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	memset(f, 0xff, 6);
	memset(f + 6, 0, 6);
	f[12] = ETHERTYPE_LOCAL >> 8;
	f[13] = ETHERTYPE_LOCAL & 0xff;
	memset(f + 14, (int)i, len - 14);
	while (rte_eth_tx_burst(port, 0, &m, 1) == 0)
		;
}

static bool recv_one(uint16_t port, uint32_t size, double until)
{
	struct rte_mbuf *m;

	while (rte_eth_rx_burst(port, 0, &m, 1) == 0)
		if (until > 0 && perf_now() > until)
			return false;
	(void)size;
	rte_pktmbuf_free(m);
	return true;
}

static int ping(uint16_t port, struct rte_mempool *mp, uint32_t size, bool json)
{
	struct perf_shared sh = { 0 };
	uint32_t *s = perf_samples();
	uint64_t n = perf_o.warmup + perf_o.samples;
	double deadline = perf_now() + 10;

	if (s == NULL)
		return -1;
	perf_tsc_calibrate();
	do {    /* the first answer: the peer is there */
		if (perf_now() > deadline || stop) {
			fprintf(stderr, "tern-rawlink: no answer in 10 s\n");
			return -1;
		}
		send_one(port, mp, size, 0);
	} while (!recv_one(port, size, perf_now() + 0.02));
	for (double t = perf_now() + 0.3; perf_now() < t;)
		recv_one(port, size, t);
	for (uint64_t i = 1; i <= n && !stop; i++) {
		uint64_t t0 = rte_rdtsc();
		send_one(port, mp, size, i);
		if (!recv_one(port, size, perf_now() + 5)) {
			fprintf(stderr, "tern-rawlink: ping %llu: no answer in 5 s\n",
				(unsigned long long)i);
			return -1;
		}
		if (i > perf_o.warmup)
			s[i - perf_o.warmup - 1] = (uint32_t)((double)(rte_rdtsc() - t0) * perf_tsc_ns / 2);
	}
	perf_percentiles(&sh, s, perf_o.samples);
	if (json)
		printf("{\"test\":\"raw-link-pingpong\",\"size\":%u,\"samples\":%llu,\"p50_ns\":%.0f,"
		       "\"p90_ns\":%.0f,\"p99_ns\":%.0f,\"p999_ns\":%.0f,\"max_ns\":%.0f}\n",
		       size, (unsigned long long)sh.count, sh.p50, sh.p90, sh.p99, sh.p999, sh.max);
	else
		printf("  %-28s %5u B  p50 %6.0f  p90 %6.0f  p99 %6.0f  p99.9 %7.0f  max %8.0f ns\n",
		       "raw-link-pingpong", size, sh.p50, sh.p90, sh.p99, sh.p999, sh.max);
	return 0;
}

static void pong(uint16_t port)
{
	struct rte_mbuf *m[32];

	while (!stop) {
		uint16_t k = rte_eth_rx_burst(port, 0, m, 32), sent = 0;

		while (sent < k && !stop)
			sent += rte_eth_tx_burst(port, 0, m + sent, k - sent);
		if (sent < k)
			rte_pktmbuf_free_bulk(m + sent, k - sent);
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "size", 1, NULL, 'z' }, { "samples", 1, NULL, 'n' }, { "warmup", 1, NULL, 'w' },
		{ "json", 0, NULL, 'j' }, { 0 }
	};
	struct rte_mempool *mp;
	uint32_t size = 64;
	bool json = false;
	int n, ch, rv = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((n = rte_eal_init(argc, argv)) < 0) {
		fprintf(stderr, "tern-rawlink: EAL init failed\n");
		return 1;
	}
	argc -= n;
	argv += n;
	perf_o.samples = 1000000;
	perf_o.warmup = 100000;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'z': size = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'n': perf_o.samples = strtoull(optarg, NULL, 0); break;
		case 'w': perf_o.warmup = strtoull(optarg, NULL, 0); break;
		case 'j': json = true; break;
		default: goto usage;
		}
	}
	if (optind + 1 != argc || size > 9000 || perf_o.samples == 0 ||
	    perf_o.samples > PERF_MAX_SAMPLES || rte_eth_dev_count_avail() != 1)
		goto usage;
	mp = rte_pktmbuf_pool_create("rawlink", 8191, 256, 0,
				     (uint16_t)RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE, 14 + size + RTE_PKTMBUF_HEADROOM),
				     (int)rte_socket_id());
	if (mp == NULL || port_start(0, mp) < 0) {
		fprintf(stderr, "tern-rawlink: port 0 did not come up\n");
		rv = 1;
	} else if (strcmp(argv[optind], "ping") == 0) {
		rv = ping(0, mp, size, json) < 0;
	} else if (strcmp(argv[optind], "pong") == 0) {
		pong(0);
		/* The pinging side has gone, and with it the memif connection:
		 * closing the port then crashed in the PMD now and again.  The
		 * caller (scripts/perf_net.sh) removes the hugepage files and
		 * the runtime dir of this --file-prefix. */
		fflush(stdout);
		_exit(0);
	} else {
		goto usage;
	}
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return rv;
usage:
	fprintf(stderr, "usage: tern-rawlink EAL-ARGS... -- ping|pong [--size B] [--samples N] "
			"[--warmup N] [--json]   (EAL args must create exactly one port)\n");
	rte_eal_cleanup();
	return 2;
}
