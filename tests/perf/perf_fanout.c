/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fan-out curve (issue 8): one publisher, N drop-policy subscribers.
 *
 * The publisher (pinned to CPU A) allocates, fills and publishes 64 B
 * messages one at a time for perf_o.seconds; the subscribers (all pinned to
 * CPU B, in P processes: one process each, or all in one) poll bursts of
 * 32, read and release.  Drop policy: a subscriber that falls behind loses
 * messages, it never slows the publisher, so the publisher's rate is the
 * cost of publishing to N.  Beside it, the same shape on bare DPDK: one
 * SPSC rte_ring per subscriber, the mbuf's refcount set to N, a full ring
 * dropping its reference.  A benchmark, never a test.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "perf.h"

#define FO_MAX 1024             /* subscribers */
/* Subscriber processes: each is a DPDK secondary and a tern client, and a
 * 2-CPU box time-slices them all on CPU B; beyond this many, each process
 * holds several subscriptions.  Under the default max_clients (32). */
#define FO_PROCS_MAX 24
#define FO_SIZE 64

struct fo_shared {
	volatile int ready;             /* subscriber processes set up */
	volatile int go, done, error;
	uint64_t published;
	double seconds;
	uint64_t received;              /* all subscribers */
	uint64_t gaps;                  /* seq gaps seen (drops) */
	uint32_t depth;                 /* per subscriber: N x depth stays well inside the pool */
	unsigned run;                   /* names rings and topics apart, run to run */
	char topic[64];
	char errmsg[256];
};

static volatile uint64_t sink;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static void fail(struct fo_shared *fs, const char *what, const char *why)
{
	snprintf(fs->errmsg, sizeof(fs->errmsg), "%s: %s", what, why);
	__atomic_store_n(&fs->error, 1, __ATOMIC_RELEASE);
}

static bool wait_flag(struct fo_shared *fs, volatile int *flag, int want)
{
	double deadline = perf_now() + 120;

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < want) {
		if (fs->error || perf_now() > deadline)
			return false;
		usleep(100);
	}
	return true;
}

static struct tern_client *connect_as(struct fo_shared *fs, const char *name)
{
	struct tern_connect_opts co = { .socket = perf_o.socket, .name = name };
	struct tern_client *c = NULL;
	int rv = tern_connect(&co, &c);

	if (rv < 0)
		fail(fs, "connect", tern_errmsg());
	return c;
}

static void ring_name(const struct fo_shared *fs, char *buf, size_t len, unsigned i)
{
	snprintf(buf, len, "pfo_%d_%u_%u", (int)getppid(), fs->run, i);
}

/* The publisher's side of a run: tell the runner the topic or rings
 * exist, wait for every subscriber process, and return the start time. */
static double pub_go(struct fo_shared *fs, unsigned procs)
{
	__atomic_store_n(&fs->go, 1, __ATOMIC_RELEASE);
	if (!wait_flag(fs, &fs->ready, (int)procs)) {
		if (!fs->error)
			fail(fs, "subscribers", "not ready in 120 s");
		_exit(1);
	}
	return perf_now();
}

/* Every 4096 messages, whether the run's time is up. */
static bool pub_over(uint64_t n, double t0)
{
	return (n & 0xfff) == 0 && perf_now() - t0 >= perf_o.seconds;
}

static void pub_done(struct fo_shared *fs, double t0, uint64_t n)
{
	fs->seconds = perf_now() - t0;
	fs->published = n;
	__atomic_store_n(&fs->done, 1, __ATOMIC_RELEASE);
}

/* ---- tern ---- */

static void tern_sub_proc(struct fo_shared *fs, unsigned first, unsigned k)
{
	struct tern_sub_opts so = { .policy = TERN_POLICY_DROP, .depth = fs->depth };
	struct tern_client *c = connect_as(fs, "perf-fo-sub");
	struct tern_sub *s[FO_MAX];
	uint64_t last[FO_MAX] = { 0 }, got = 0, gaps = 0;
	const struct tern_msg *v[32];

	if (c == NULL)
		_exit(1);
	for (unsigned i = 0; i < k; i++)
		if (tern_sub_open(c, fs->topic, &so, &s[i]) < 0) {
			char what[32];
			snprintf(what, sizeof(what), "subscription %u", first + i + 1);
			fail(fs, what, tern_errmsg());
			_exit(1);
		}
	__atomic_fetch_add(&fs->ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&fs->done, __ATOMIC_ACQUIRE) && !fs->error) {
		for (unsigned i = 0; i < k; i++) {
			unsigned n = tern_poll(s[i], v, 32);

			for (unsigned x = 0; x < n; x++) {
				const uint64_t *w = tern_msg_data(v[x]);
				sink += w[0] + w[FO_SIZE / 8 - 1];
				if (last[i] && v[x]->seq > last[i] + 1)
					gaps += v[x]->seq - last[i] - 1;
				last[i] = v[x]->seq;
			}
			tern_release(s[i], v, n);
			got += n;
		}
	}
	__atomic_fetch_add(&fs->received, got, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fs->gaps, gaps, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < k; i++)
		tern_sub_close(s[i]);
	tern_close(c);
	_exit(0);
}

static void tern_pub_proc(struct fo_shared *fs, unsigned procs)
{
	struct tern_client *c = connect_as(fs, "perf-fo-pub");
	struct tern_pub *p;
	uint64_t n = 0;
	double t0;

	if (c == NULL)
		_exit(1);
	if (tern_topic_create(c, fs->topic) < 0 ||
	    tern_pub_open(c, fs->topic, TERN_PUB_EXCLUSIVE, &p) < 0) {
		fail(fs, "publisher", tern_errmsg());
		_exit(1);
	}
	t0 = pub_go(fs, procs);
	for (;;) {
		struct tern_msg *m = tern_msg_alloc(p, FO_SIZE);

		if (m != NULL) {
			memset(tern_msg_data(m), (int)n, FO_SIZE);
			if (tern_publish(p, m) < 0)
				tern_msg_free(p, m);
			else
				n++;
		}
		if (pub_over(n, t0))
			break;
	}
	pub_done(fs, t0, n);
	tern_pub_close(p);
	tern_close(c);
	_exit(0);
}

/* ---- bare DPDK ---- */

static void raw_sub_proc(struct fo_shared *fs, unsigned first, unsigned k)
{
	struct tern_client *c = connect_as(fs, "perf-fo-rsub");
	struct rte_ring *r[FO_MAX];
	struct rte_mbuf *m[32];
	char name[RTE_RING_NAMESIZE];
	uint64_t got = 0;

	if (c == NULL)
		_exit(1);
	for (unsigned i = 0; i < k; i++) {
		ring_name(fs, name, sizeof(name), first + i);
		r[i] = rte_ring_lookup(name);
		if (r[i] == NULL) {
			fail(fs, "ring lookup", rte_strerror(rte_errno));
			_exit(1);
		}
	}
	__atomic_fetch_add(&fs->ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&fs->done, __ATOMIC_ACQUIRE) && !fs->error) {
		for (unsigned i = 0; i < k; i++) {
			unsigned n = rte_ring_sc_dequeue_burst(r[i], (void **)m, 32, NULL);

			for (unsigned x = 0; x < n; x++) {
				const uint64_t *w = rte_pktmbuf_mtod(m[x], const uint64_t *);
				sink += w[0] + w[FO_SIZE / 8 - 1];
				rte_pktmbuf_free(m[x]);
			}
			got += n;
		}
	}
	__atomic_fetch_add(&fs->received, got, __ATOMIC_RELAXED);
	tern_close(c);
	_exit(0);
}

static void raw_pub_proc(struct fo_shared *fs, unsigned subs, unsigned procs)
{
	struct tern_client *c = connect_as(fs, "perf-fo-rpub");
	struct rte_ring *r[FO_MAX];
	char name[RTE_RING_NAMESIZE];
	uint64_t n = 0;
	double t0;

	if (c == NULL)
		_exit(1);
	for (unsigned i = 0; i < subs; i++) {
		ring_name(fs, name, sizeof(name), i);
		r[i] = rte_ring_create(name, fs->depth, SOCKET_ID_ANY,
				       RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (r[i] == NULL) {
			fail(fs, "ring", rte_strerror(rte_errno));
			_exit(1);
		}
	}
	t0 = pub_go(fs, procs);
	for (;;) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(c->pool);

		if (m != NULL) {
			memset(rte_pktmbuf_mtod(m, void *), (int)n, FO_SIZE);
			rte_mbuf_refcnt_set(m, (uint16_t)subs);
			for (unsigned i = 0; i < subs; i++)
				if (rte_ring_sp_enqueue(r[i], m) != 0)
					rte_pktmbuf_free(m);     /* that subscriber's reference */
			n++;
		}
		if (pub_over(n, t0))
			break;
	}
	pub_done(fs, t0, n);
	/* Wait for the subscribers to stop, then drain and free the rings. */
	while (__atomic_load_n(&fs->ready, __ATOMIC_ACQUIRE) > 0)
		usleep(1000);
	for (unsigned i = 0; i < subs; i++) {
		struct rte_mbuf *d;
		while (rte_ring_sc_dequeue(r[i], (void **)&d) == 0)
			rte_pktmbuf_free(d);
		rte_ring_free(r[i]);
	}
	tern_close(c);
	_exit(0);
}

/* ---- the runner ---- */

static int fo_run(struct fo_shared *fs, bool raw, unsigned subs, unsigned procs)
{
	pid_t pub, sub[FO_PROCS_MAX];
	int status, rv = 0;
	unsigned per = (subs + procs - 1) / procs, made = 0;

	procs = (subs + per - 1) / per;         /* none left empty */

	static unsigned run;

	memset(fs, 0, sizeof(*fs));
	fs->run = ++run;
	/* Rings that may fill for every subscriber at once (they are slow on a
	 * shared CPU) must not pin the whole pool: N x depth <= 4096. */
	fs->depth = 1024;
	while (fs->depth > 16 && (uint64_t)fs->depth * subs > 4096)
		fs->depth /= 2;
	snprintf(fs->topic, sizeof(fs->topic), "perf.fo.%d.%u", (int)getpid(), fs->run);
	fflush(stdout);
	pub = fork();
	if (pub == 0) {
		pin(perf_o.cpu[0]);
		if (raw)
			raw_pub_proc(fs, subs, procs);
		else
			tern_pub_proc(fs, procs);
	}
	if (!wait_flag(fs, &fs->go, 1))
		rv = -1;
	for (unsigned i = 0; rv == 0 && i < procs; i++) {
		unsigned first = i * per, k = RTE_MIN(per, subs - first);

		sub[i] = fork();
		if (sub[i] == 0) {
			pin(perf_o.cpu[1]);
			if (raw)
				raw_sub_proc(fs, first, k);
			else
				tern_sub_proc(fs, first, k);
		}
		made++;
		/* One at a time: a herd of secondaries initialising at once
		 * times out on the primary's memory requests. */
		if (!wait_flag(fs, &fs->ready, (int)made))
			rv = -1;
	}
	for (unsigned i = 0; i < made; i++) {
		if (waitpid(sub[i], &status, 0) != sub[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			rv = -1;
		/* The raw publisher waits for every subscriber to be gone. */
		__atomic_fetch_sub(&fs->ready, 1, __ATOMIC_ACQ_REL);
	}
	if (made < procs)
		__atomic_store_n(&fs->ready, 0, __ATOMIC_RELEASE);
	if (waitpid(pub, &status, 0) != pub || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rv = -1;
	return rv || fs->error ? -1 : 0;
}

static bool first_json = true;

static void emit(const char *name, unsigned subs, unsigned procs, int rv,
		 const struct fo_shared *fs, double base)
{
	double pub = fs->seconds > 0 ? (double)fs->published / fs->seconds : 0;
	double per = fs->seconds > 0 && subs ? (double)fs->received / subs / fs->seconds : 0;

	if (perf_o.json) {
		printf("%s\n    {\"test\":\"%s\",\"subs\":%u,\"procs\":%u,\"ok\":%s,"
		       "\"pub_msgs_per_s\":%.0f,\"per_sub_msgs_per_s\":%.0f,\"vs_1\":%.3f,"
		       "\"gaps\":%llu}",
		       first_json ? "" : ",", name, subs, procs, rv ? "false" : "true", pub, per,
		       base > 0 ? pub / base : 0, (unsigned long long)fs->gaps);
		first_json = false;
	} else if (rv) {
		printf("  %-22s %5u subs %4u procs  FAILED: %s\n", name, subs, procs,
		       fs->errmsg[0] ? fs->errmsg : "a process failed");
	} else {
		printf("  %-22s %5u subs %4u procs  publisher %7.2f M msg/s (%.2fx of 1 sub)  "
		       "per sub %6.2f M msg/s\n",
		       name, subs, procs, pub / 1e6, base > 0 ? pub / base : 0, per / 1e6);
	}
	fflush(stdout);
}

int perf_fanout(const unsigned *counts, unsigned n, bool one_proc_each)
{
	struct fo_shared *fs = mmap(NULL, sizeof(*fs), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double base[2] = { 0, 0 };
	int fails = 0;

	if (fs == MAP_FAILED)
		return 1;
	if (!perf_o.json)
		printf("tern-perf: fan-out, 64 B, one publisher on CPU %d, drop-policy subscribers "
		       "on CPU %d (%s), %.1f s each\n", perf_o.cpu[0], perf_o.cpu[1],
		       one_proc_each ? "one process each, up to 24" : "all in one process",
		       perf_o.seconds);
	for (unsigned i = 0; i < n; i++) {
		unsigned subs = counts[i];
		unsigned procs = one_proc_each ? RTE_MIN(subs, (unsigned)FO_PROCS_MAX) : 1;

		if (subs == 0 || subs > FO_MAX)
			continue;
		procs = (subs + (subs + procs - 1) / procs - 1) / ((subs + procs - 1) / procs);
		for (int raw = 1; raw >= 0; raw--) {
			int rv = fo_run(fs, raw, subs, procs);

			if (rv == 0 && base[raw] == 0)
				base[raw] = (double)fs->published / fs->seconds;
			fails += rv != 0;
			emit(raw ? "raw-ring-fanout" : "tern-fanout", subs, procs, rv, fs, base[raw]);
		}
	}
	munmap(fs, sizeof(*fs));
	return fails;
}
