/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-reactor-bench [--quick] [--json]: the application framework against
 * bare baselines, in one process, no running bus needed (a benchmark, not
 * a test: it prints figures and goals, it does not fail on a missed goal).
 *
 *   a. inbox hop: a 32-byte record ping-pong between two reactors driven by
 *      tern_reactor_do_work() on threads pinned to CPU 0 and CPU 1, RTT/2,
 *      against the same ping-pong over two bare SP/SC rte_rings;
 *   b. timers: arm+cancel pairs and firings of the reactor's wheel against
 *      rte_timer (reset/stop/manage) on the EAL main lcore;
 *   c. dispatch: ns per message of a reactor's duty cycle over a bare
 *      tern_poll()/handler/tern_release() loop on the same subscription.
 *
 * EAL is needed by rte_timer (its per-lcore state lives in a memzone) and by
 * the in-process dataplane of row c (tests/bus/bus_fixture.h: the pool and
 * the topic tables in memory, driven directly), so the bench starts one
 * itself: --no-pci, --in-memory (no hugepage files) or --no-huge, and a
 * file prefix of its own, treb<pid>, whose runtime directory it removes at
 * exit, also on SIGINT/SIGTERM.  The inbox and the wheel need no EAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_timer.h>

#include <tern/tern_reactor.h>

#include "bus_fixture.h"

static int g_json, g_quick;
static double g_ns_per_cycle;
static char g_prefix[32];

/* ------------------------------------------------------------ cleanup */

/* EAL in memory still makes /var/run/dpdk/<prefix>; hugepage files only
 * without --in-memory, but remove any, so that nothing of ours outlives us. */
static void remove_runtime(void)
{
	char path[128];
	glob_t g;

	snprintf(path, sizeof(path), "/dev/hugepages/%smap_*", g_prefix);
	if (glob(path, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", g_prefix);
	if (glob(strcat(path, "/*"), 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", g_prefix);
	rmdir(path);
}

static void on_signal(int sig)
{
	(void)sig;
	remove_runtime();
	_exit(130);
}

static int eal_start(void)
{
	char pfx[64], *argv[12];
	int argc = 0;

	snprintf(g_prefix, sizeof(g_prefix), "treb%d", (int)getpid());
	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", g_prefix);
	atexit(remove_runtime);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	argv[argc++] = "tern-reactor-bench";
	argv[argc++] = "--no-pci";
	argv[argc++] = pfx;
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = "--log-level=error";
	argv[argc++] = "--no-telemetry";
	argv[argc++] = getenv("TERN_NO_HUGEPAGES") ? "--no-huge" : "--in-memory";
	argv[argc++] = "-m";
	argv[argc++] = "256";
	if (rte_eal_init(argc, argv) < 0)
		return -1;
	/* The in-process dataplane of row c, as bus_fixture's fx_eal_init()
	 * builds it, but under our own file prefix. */
	if (tern_config_load(&fx_cfg, NULL, fx_err, sizeof(fx_err)) < 0)
		return -1;
	fx_cfg.mbufs = 8191;
	fx_cfg.max_topics = 64;
	fx_cfg.max_subs = 64;
	fx_cfg.max_clients = 32;
	fx_dp.cfg = &fx_cfg;
	return dp_state_create(&fx_dp);
}

/* ------------------------------------------------------------ helpers */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *sorted, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1));

	return (double)sorted[i] * g_ns_per_cycle;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------- a. inbox hop latency */

enum { WARM = 20000 };

struct hop {
	uint64_t *rtt;          /* cycles, per sample */
	size_t n;
	int pinned[2];
	/* reactor ping-pong */
	struct tern_reactor *ra, *rb;
	volatile uint32_t got;  /* A's handler saw the reply */
	/* bare rings */
	struct rte_ring *ab, *ba;
	volatile int stop;
	pthread_barrier_t go;
};

static struct rte_ring *ring_new(void)
{
	ssize_t sz = rte_ring_get_memsize_elem(sizeof(struct tern_rec), 1024);
	struct rte_ring *r;

	if (sz < 0 || (r = aligned_alloc(RTE_CACHE_LINE_SIZE,
					 RTE_ALIGN_CEIL((size_t)sz, RTE_CACHE_LINE_SIZE))) == NULL)
		return NULL;
	if (rte_ring_init(r, "treb", 1024, RING_F_SP_ENQ | RING_F_SC_DEQ) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

static void a_on_rec(struct tern_reactor *r, const struct tern_rec *rec, void *clientd)
{
	(void)r;
	(void)rec;
	((struct hop *)clientd)->got = 1;
}

static void b_on_rec(struct tern_reactor *r, const struct tern_rec *rec, void *clientd)
{
	struct hop *h = clientd;

	(void)r;
	/* The inbox is never full here (one record in flight). */
	while (tern_reactor_send(h->ra, rec) != 0)
		rte_pause();
}

static void *reactor_echo(void *arg)
{
	struct hop *h = arg;

	pin_cpu(1);
	pthread_barrier_wait(&h->go);
	while (!h->stop)
		tern_reactor_do_work(h->rb);
	return NULL;
}

static void *ring_echo(void *arg)
{
	struct hop *h = arg;
	struct tern_rec rec;

	pin_cpu(1);
	pthread_barrier_wait(&h->go);
	while (!h->stop) {
		if (rte_ring_sc_dequeue_elem(h->ab, &rec, sizeof(rec)) != 0) {
			rte_pause();
			continue;
		}
		while (rte_ring_sp_enqueue_elem(h->ba, &rec, sizeof(rec)) != 0)
			rte_pause();
	}
	return NULL;
}

static void reactor_pingpong(struct hop *h)
{
	struct tern_rec rec = { .type = 1 };

	for (size_t i = 0; i < WARM + h->n; i++) {
		uint64_t t0 = rte_rdtsc_precise();
		h->got = 0;
		rec.u64 = i;
		while (tern_reactor_send(h->rb, &rec) != 0)
			rte_pause();
		while (!h->got)
			tern_reactor_do_work(h->ra);
		if (i >= WARM)
			h->rtt[i - WARM] = rte_rdtsc_precise() - t0;
	}
}

static void ring_pingpong(struct hop *h)
{
	struct tern_rec rec = { .type = 1 }, back;

	for (size_t i = 0; i < WARM + h->n; i++) {
		uint64_t t0 = rte_rdtsc_precise();
		rec.u64 = i;
		while (rte_ring_sp_enqueue_elem(h->ab, &rec, sizeof(rec)) != 0)
			rte_pause();
		while (rte_ring_sc_dequeue_elem(h->ba, &back, sizeof(back)) != 0)
			rte_pause();
		if (i >= WARM)
			h->rtt[i - WARM] = rte_rdtsc_precise() - t0;
	}
}

struct lat {
	double p50, p99, p999;
};

/* One ping-pong: the echo on CPU 1, the pinger (this thread) on CPU 0. */
static int run_pingpong(struct hop *h, void *(*echo)(void *), void (*ping)(struct hop *),
			struct lat *out)
{
	pthread_t t;

	h->stop = 0;
	pthread_barrier_init(&h->go, NULL, 2);
	if (pthread_create(&t, NULL, echo, h) != 0)
		return -1;
	pin_cpu(0);
	pthread_barrier_wait(&h->go);
	ping(h);
	h->stop = 1;
	pthread_join(t, NULL);
	pthread_barrier_destroy(&h->go);
	qsort(h->rtt, h->n, sizeof(*h->rtt), cmp_u64);
	/* One hop is half a round trip. */
	out->p50 = pct(h->rtt, h->n, 0.50) / 2;
	out->p99 = pct(h->rtt, h->n, 0.99) / 2;
	out->p999 = pct(h->rtt, h->n, 0.999) / 2;
	return 0;
}

static int bench_hop(struct lat *re, struct lat *bare)
{
	struct hop h = { .n = g_quick ? 100000 : 1000000 };
	struct tern_reactor_opts oa = { .name = "treb-a", .idle = TERN_IDLE_SPIN,
					.on_rec = a_on_rec, .rec_clientd = &h };
	struct tern_reactor_opts ob = oa;
	int rv = -1;

	ob.name = "treb-b";
	ob.on_rec = b_on_rec;
	h.rtt = malloc(h.n * sizeof(*h.rtt));
	h.ab = ring_new();
	h.ba = ring_new();
	if (h.rtt == NULL || h.ab == NULL || h.ba == NULL || tern_reactor_create(&oa, &h.ra) < 0 ||
	    tern_reactor_create(&ob, &h.rb) < 0)
		goto out;
	/* Bare first, then the reactor, then bare again: the better of the
	 * two bare runs, so a noisy neighbour does not flatter the ratio. */
	struct lat b2;
	if (run_pingpong(&h, ring_echo, ring_pingpong, bare) < 0 ||
	    run_pingpong(&h, reactor_echo, reactor_pingpong, re) < 0 ||
	    run_pingpong(&h, ring_echo, ring_pingpong, &b2) < 0)
		goto out;
	if (b2.p50 < bare->p50)
		*bare = b2;
	rv = 0;
out:
	tern_reactor_destroy(h.ra);
	tern_reactor_destroy(h.rb);
	free(h.ab);
	free(h.ba);
	free(h.rtt);
	return rv;
}

/* ----------------------------------------------------------- b. timers */

static int64_t g_fake_now;
static uint64_t g_fired;

static int64_t fake_clock(void *clockd)
{
	(void)clockd;
	return g_fake_now;
}

static void wheel_cb(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	(void)r;
	(void)id;
	(void)clientd;
	g_fired++;
}

static void rte_cb(struct rte_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	g_fired++;
}

enum { BACKGROUND = 1024 };

struct timer_res {
	double wheel_pair, rte_pair;            /* ns per arm+cancel */
	double wheel_fire, rte_fire;            /* ns per firing, dense: 1 ns / 1 cycle apart */
	double wheel_fire_us, rte_fire_us;      /* sparse: 1 us apart */
};

/* Wheel firing: a fresh wheel, its clock at 0, n timers 1 + i * gap ns;
 * then the clock jumps past them all and cycles run until all have fired.
 * Dense (gap 1) puts ~1000 timers in each 1024-ns tick, which the wheel
 * sorts by deadline; sparse (1 us) one a tick. */
static int wheel_fire(const struct tern_reactor_opts *o, uint32_t n, int64_t gap, double *ns)
{
	struct tern_reactor *r;
	int64_t s;

	g_fake_now = 0;
	if (tern_reactor_create(o, &r) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		if (tern_timer_arm(r, 1 + (int64_t)i * gap, 0, 0, wheel_cb, NULL, NULL) < 0) {
			tern_reactor_destroy(r);
			return -1;
		}
	g_fired = 0;
	g_fake_now = (int64_t)n * gap + 4096;
	s = mono_ns();
	while (g_fired < n)
		if (tern_reactor_do_work(r) == 0)
			break;
	*ns = (double)(mono_ns() - s) / n;
	tern_reactor_destroy(r);
	if (g_fired != n) {
		fprintf(stderr, "tern-reactor-bench: wheel fired %llu of %u\n",
			(unsigned long long)g_fired, n);
		return -1;
	}
	return 0;
}

/* rte_timer firing: n timers armed 1 + i * gap cycles from the time of
 * each call (so expiries increase, at least gap apart); wait until they
 * are all due, then rte_timer_manage() fires them in one sweep. */
static int rte_fire(struct rte_timer *ts, uint32_t n, uint64_t gap, double *ns)
{
	unsigned lcore = rte_lcore_id();
	int64_t s;

	for (uint32_t i = 0; i < n; i++) {
		rte_timer_init(&ts[i]);
		if (rte_timer_reset(&ts[i], 1 + i * gap, SINGLE, lcore, rte_cb, NULL) < 0)
			return -1;
	}
	while (rte_get_timer_cycles() <= ts[n - 1].expire)
		rte_pause();
	g_fired = 0;
	s = mono_ns();
	while (g_fired < n)
		rte_timer_manage();
	*ns = (double)(mono_ns() - s) / n;
	return 0;
}

/*
 * Arm+cancel: BACKGROUND timers armed far ahead on both (a structure with
 * nothing in it flatters a skip list), then n pairs with deadlines spread
 * over a millisecond.  Firing: n timers due in order, all past due, fired
 * by one sweep, dense and sparse (wheel_fire(), rte_fire()).
 */
static int bench_timers(struct timer_res *res)
{
	uint32_t n = g_quick ? 100000 : 1000000;
	struct tern_reactor_opts o = { .name = "treb-t", .idle = TERN_IDLE_SPIN,
				       .max_timers = n + BACKGROUND + 16, .clock = fake_clock };
	struct tern_reactor *r = NULL;
	struct rte_timer *bg = NULL, *ts = NULL, one;
	uint64_t hz = rte_get_timer_hz();
	unsigned lcore = rte_lcore_id();
	int64_t s;
	int rv = -1;

	g_fake_now = 0;
	rv = rte_timer_subsystem_init();
	if (rv < 0 && rv != -EALREADY)
		return -1;
	rv = -1;
	bg = calloc(BACKGROUND, sizeof(*bg));
	ts = calloc(n, sizeof(*ts));
	if (bg == NULL || ts == NULL || tern_reactor_create(&o, &r) < 0)
		goto out;

	/* Wheel: arm+cancel. */
	for (uint32_t i = 0; i < BACKGROUND; i++)
		if (tern_timer_arm(r, 1000000000 + (int64_t)i * 1000000, 0, 0, wheel_cb, NULL, NULL) < 0)
			goto out;
	s = mono_ns();
	for (uint32_t i = 0; i < n; i++) {
		tern_timer_id id;
		if (tern_timer_arm(r, 1000 + (int64_t)(i & 1023) * 1000, 0, 0, wheel_cb, NULL, &id) < 0 ||
		    tern_timer_cancel(r, id) < 0)
			goto out;
	}
	res->wheel_pair = (double)(mono_ns() - s) / n;
	tern_reactor_destroy(r);
	r = NULL;

	if (wheel_fire(&o, n, 1, &res->wheel_fire) < 0 ||
	    wheel_fire(&o, n, 1000, &res->wheel_fire_us) < 0)
		goto out;

	/* rte_timer: arm+cancel, the same background and spread. */
	for (uint32_t i = 0; i < BACKGROUND; i++) {
		rte_timer_init(&bg[i]);
		rte_timer_reset(&bg[i], hz + (uint64_t)i * (hz / 1000), SINGLE, lcore, rte_cb, NULL);
	}
	rte_timer_init(&one);
	s = mono_ns();
	for (uint32_t i = 0; i < n; i++) {
		if (rte_timer_reset(&one, hz / 1000000 * (1 + (i & 1023)), SINGLE, lcore, rte_cb,
				    NULL) < 0 || rte_timer_stop(&one) < 0)
			goto out;
	}
	res->rte_pair = (double)(mono_ns() - s) / n;
	for (uint32_t i = 0; i < BACKGROUND; i++)
		rte_timer_stop(&bg[i]);

	if (rte_fire(ts, n, 1, &res->rte_fire) < 0 ||
	    rte_fire(ts, n, hz / 1000000, &res->rte_fire_us) < 0)
		goto out;
	rv = 0;
out:
	tern_reactor_destroy(r);
	free(bg);
	free(ts);
	return rv;
}

/* --------------------------------------------------------- c. dispatch */

static uint64_t g_sink;

static void on_msg(struct tern_reactor *r, const struct tern_msg *m, void *clientd)
{
	(void)r;
	(void)clientd;
	g_sink += m->seq;
}

/* The bare loop calls its handler through a pointer too, as an application
 * with handlers per subscription would. */
static void bare_handler(const struct tern_msg *m)
{
	g_sink += m->seq;
}
static void (*volatile g_bare_fn)(const struct tern_msg *) = bare_handler;

struct disp_res {
	double bare, reactor;   /* ns per message, median of rounds */
};

enum { BURST = 32 };

static int publish_burst(struct tern_pub *p)
{
	for (int i = 0; i < BURST; i++)
		if (fx_publish(p, (uint64_t)i) < 0)
			return -1;
	return 0;
}

static int bench_dispatch(struct disp_res *res)
{
	uint32_t rounds = g_quick ? 20000 : 200000;
	uint64_t *cb = malloc(rounds * sizeof(*cb)), *cr = malloc(rounds * sizeof(*cr));
	const struct tern_msg *views[BURST];
	struct tern_client *c;
	struct tern_pub *p;
	struct tern_sub *s;
	struct tern_reactor *r = NULL;
	int rv = -1;

	if (cb == NULL || cr == NULL)
		goto out;
	if (dp_topic_create(&fx_dp, 0, "treb.disp", fx_err, sizeof(fx_err)) < 0 ||
	    (c = fx_client(0)) == NULL || (p = fx_pub(c, 0, true)) == NULL ||
	    (s = fx_sub(c, 0, "treb.disp", TERN_POLICY_DROP, 1024)) == NULL) {
		fprintf(stderr, "tern-reactor-bench: in-process bus: %s\n", fx_err);
		goto out;
	}
	struct tern_reactor_opts o = { .name = "treb-d", .client = c, .idle = TERN_IDLE_SPIN,
				       .burst = BURST };
	if (tern_reactor_create(&o, &r) < 0 || tern_reactor_sub_add(r, s, on_msg, NULL) < 0)
		goto out;
	/* Rounds alternate, so both loops see the same machine; each times
	 * the consumption of one burst already in the subscription's queue. */
	for (uint32_t k = 0; k < rounds + 1000; k++) {
		uint64_t t0;
		unsigned n, got = 0;

		if (publish_burst(p) < 0)
			goto out;
		t0 = rte_rdtsc_precise();
		while (got < BURST) {
			n = tern_poll(s, views, BURST);
			for (unsigned j = 0; j < n; j++)
				g_bare_fn(views[j]);
			tern_release(s, views, n);
			got += n;
		}
		if (k >= 1000)
			cb[k - 1000] = rte_rdtsc_precise() - t0;

		if (publish_burst(p) < 0)
			goto out;
		got = 0;
		t0 = rte_rdtsc_precise();
		while (got < BURST)
			got += tern_reactor_do_work(r);
		if (k >= 1000)
			cr[k - 1000] = rte_rdtsc_precise() - t0;
	}
	qsort(cb, rounds, sizeof(*cb), cmp_u64);
	qsort(cr, rounds, sizeof(*cr), cmp_u64);
	res->bare = pct(cb, rounds, 0.5) / BURST;
	res->reactor = pct(cr, rounds, 0.5) / BURST;
	rv = 0;
out:
	tern_reactor_destroy(r);
	free(cb);
	free(cr);
	return rv;
}

/* ------------------------------------------------------------- main */

static const char *verdict(int ok)
{
	return ok ? "met" : "NOT met";
}

int main(int argc, char **argv)
{
	struct lat re = { 0 }, bare = { 0 };
	struct timer_res tr = { 0 };
	struct disp_res dr = { 0 };
	int hop_ok, tim_ok, disp_ok;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			g_quick = 1;
		else if (strcmp(argv[i], "--json") == 0)
			g_json = 1;
		else {
			fprintf(stderr, "usage: tern-reactor-bench [--quick] [--json]\n");
			return 2;
		}
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "tern-reactor-bench: needs CPUs 0 and 1\n");
		return 77;
	}
	if (eal_start() < 0) {
		fprintf(stderr, "tern-reactor-bench: EAL/in-process bus: %s\n", fx_err);
		return 1;
	}
	g_ns_per_cycle = 1e9 / (double)rte_get_tsc_hz();
	/* Timers and dispatch on the EAL main lcore (rte_timer needs one),
	 * before the ping-pong moves this thread between CPUs. */
	if (bench_timers(&tr) < 0) {
		fprintf(stderr, "tern-reactor-bench: timers failed\n");
		return 1;
	}
	if (bench_dispatch(&dr) < 0) {
		fprintf(stderr, "tern-reactor-bench: dispatch failed\n");
		return 1;
	}
	if (bench_hop(&re, &bare) < 0) {
		fprintf(stderr, "tern-reactor-bench: inbox ping-pong failed\n");
		return 1;
	}
	hop_ok = re.p50 <= 1.3 * bare.p50;
	tim_ok = tr.wheel_pair < tr.rte_pair && tr.wheel_fire < tr.rte_fire &&
		 tr.wheel_fire_us < tr.rte_fire_us;
	disp_ok = dr.reactor - dr.bare <= 10.0;

	if (g_json) {
		printf("{\"quick\":%s,\"hop\":{\"reactor\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f},"
		       "\"ring\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f},\"p50_ratio\":%.3f,"
		       "\"goal_met\":%s},"
		       "\"timers\":{\"wheel_arm_cancel_ns\":%.1f,\"rte_arm_cancel_ns\":%.1f,"
		       "\"wheel_fire_ns\":%.1f,\"rte_fire_ns\":%.1f,"
		       "\"wheel_fire_1us_ns\":%.1f,\"rte_fire_1us_ns\":%.1f,\"goal_met\":%s},"
		       "\"dispatch\":{\"bare_ns\":%.2f,\"reactor_ns\":%.2f,\"overhead_ns\":%.2f,"
		       "\"goal_met\":%s}}\n",
		       g_quick ? "true" : "false", re.p50, re.p99, re.p999, bare.p50, bare.p99,
		       bare.p999, re.p50 / bare.p50, hop_ok ? "true" : "false", tr.wheel_pair,
		       tr.rte_pair, tr.wheel_fire, tr.rte_fire, tr.wheel_fire_us, tr.rte_fire_us, tim_ok ? "true" : "false", dr.bare,
		       dr.reactor, dr.reactor - dr.bare, disp_ok ? "true" : "false");
	} else {
		printf("tern-reactor-bench%s (ns; hop = RTT/2, CPU 0 <-> CPU 1)\n",
		       g_quick ? " --quick" : "");
		printf("%-34s %10s %10s %10s\n", "", "p50", "p99", "p99.9");
		printf("%-34s %10.1f %10.1f %10.1f\n", "a. inbox hop, reactor", re.p50, re.p99,
		       re.p999);
		printf("%-34s %10.1f %10.1f %10.1f\n", "   bare rte_ring SP/SC", bare.p50, bare.p99,
		       bare.p999);
		printf("   p50 ratio %.2f, goal <= 1.3: %s\n", re.p50 / bare.p50, verdict(hop_ok));
		printf("%-34s %10s %10s\n", "", "wheel", "rte_timer");
		printf("%-34s %10.1f %10.1f\n", "b. timer arm+cancel, per pair", tr.wheel_pair,
		       tr.rte_pair);
		printf("%-34s %10.1f %10.1f\n", "   firing, per timer, 1 ns apart", tr.wheel_fire,
		       tr.rte_fire);
		printf("%-34s %10.1f %10.1f\n", "   firing, per timer, 1 us apart",
		       tr.wheel_fire_us, tr.rte_fire_us);
		printf("   goal faster than rte_timer on both: %s\n", verdict(tim_ok));
		printf("%-34s %10s %10s %10s\n", "", "bare", "reactor", "overhead");
		printf("%-34s %10.2f %10.2f %10.2f\n", "c. dispatch, per message (p50)", dr.bare,
		       dr.reactor, dr.reactor - dr.bare);
		printf("   goal overhead <= 10 ns: %s\n", verdict(disp_ok));
	}
	rte_eal_cleanup();
	return 0;
}
