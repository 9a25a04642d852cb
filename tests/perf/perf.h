/* SPDX-License-Identifier: Apache-2.0 */
/* tern-perf internals: scenarios run in forked, pinned client processes that
 * meet in an anonymous shared page (flags, results) created before fork. */
#ifndef TERN_PERF_H
#define TERN_PERF_H

#include <stdbool.h>
#include <stdint.h>

#include "bus/bus_pvt.h"

enum { PERF_MAX_SAMPLES = 4000000 };

struct perf_shared {
	volatile int ready[2];          /* set by each side when set up */
	volatile int go;                /* set by side A */
	volatile int done;              /* set by the measuring side */
	volatile uint64_t line[16] __rte_cache_aligned;     /* cache-line ping-pong */
	volatile uint64_t echo[16] __rte_cache_aligned;
	/* results */
	double p50, p90, p99, p999, max, mean;
	double rate;                    /* messages/s (per subscription where relevant) */
	uint64_t count;
	int error;
	char errmsg[256];
	char ring_ab[32], ring_ba[32], topic_a[64], topic_b[64];
};

struct perf_opts {
	const char *socket;
	uint64_t samples, warmup;
	double seconds;
	int cpu[2];
	bool json;
	const char *remote;             /* --remote SOCK: side B's node */
	bool remote_fd;                 /* --remote-wake fd: sleep on the sub's fd */
};

extern struct perf_opts perf_o;

/* perf_run.c: fork A and B pinned to their CPUs; each connects to tern and
 * runs fn(side, shared, client).  Returns 0 when both exit cleanly. */
typedef void (*perf_side_fn)(int side, struct perf_shared *sh, struct tern_client *c, void *arg);
int perf_run(struct perf_shared *sh, perf_side_fn fn, void *arg, bool connect);
void perf_wait(volatile int *flag);
void perf_percentiles(struct perf_shared *sh, uint32_t *ns, uint64_t n);
double perf_now(void);

/* perf_lat.c, perf_tput.c: the scenarios. */
void perf_side_cacheline(int side, struct perf_shared *sh, struct tern_client *c, void *arg);
void perf_side_raw_pingpong(int side, struct perf_shared *sh, struct tern_client *c, void *arg);
void perf_side_tern_pingpong(int side, struct perf_shared *sh, struct tern_client *c, void *arg);
void perf_side_remote_pingpong(int side, struct perf_shared *sh, struct tern_client *c, void *arg);
uint32_t *perf_samples(void);          /* room for perf_o.samples latencies */
void perf_tsc_calibrate(void);         /* sets perf_tsc_ns */
extern double perf_tsc_ns;

/* Read every word of a payload, as a consumer would. */
static inline uint64_t perf_touch(const void *p, uint32_t size)
{
	const uint64_t *w = p;
	uint64_t sum = 0;

	for (uint32_t i = 0; i < size / 8; i++)
		sum += w[i];
	return sum;
}
void perf_side_raw_stream(int side, struct perf_shared *sh, struct tern_client *c, void *arg);
void perf_side_tern_stream(int side, struct perf_shared *sh, struct tern_client *c, void *arg);

/* perf_fanout.c: the 1 -> N curve, tern beside a bare ring per subscriber;
 * subscribers one process each (up to 256) or all in one.  Returns the
 * number of rows that failed. */
int perf_fanout(const unsigned *counts, unsigned n, bool one_proc_each);

struct perf_stream_arg {
	uint32_t size;
	unsigned subs;          /* subscriptions held by side B */
	unsigned pubs;          /* publisher handles on side A (1: exclusive) */
	bool burst;             /* A allocates and publishes 32 at a time */
	bool one;               /* raw: A allocates and enqueues one at a time */
};

#endif
