/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "perf.h"

struct perf_opts perf_o;

double perf_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct perf_shared *g_sh;

/* Wait for the other side; give up (and say so) if it failed or after 30 s. */
void perf_wait(volatile int *flag)
{
	double deadline = perf_now() + 30;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		if (g_sh->error || perf_now() > deadline) {
			if (!g_sh->error)
				snprintf(g_sh->errmsg, sizeof(g_sh->errmsg), "peer did not answer in 30 s");
			g_sh->error = 1;
			_exit(1);
		}
		rte_pause();
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

void perf_percentiles(struct perf_shared *sh, uint32_t *ns, uint64_t n)
{
	double sum = 0;

	qsort(ns, n, sizeof(*ns), cmp_u32);
	for (uint64_t i = 0; i < n; i++)
		sum += ns[i];
	sh->p50 = ns[n * 50 / 100];
	sh->p90 = ns[n * 90 / 100];
	sh->p99 = ns[n * 99 / 100];
	sh->p999 = ns[n * 999 / 1000];
	sh->max = ns[n - 1];
	sh->mean = sum / (double)n;
	sh->count = n;
}

static void child(int side, struct perf_shared *sh, perf_side_fn fn, void *arg, bool connect)
{
	cpu_set_t set;
	struct tern_client *c = NULL;
	struct tern_connect_opts co = { .socket = side && perf_o.remote ? perf_o.remote : perf_o.socket,
					.name = side ? "tern-perf-b" : "tern-perf-a" };
	int rv;

	CPU_ZERO(&set);
	CPU_SET(perf_o.cpu[side], &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		snprintf(sh->errmsg, sizeof(sh->errmsg), "cannot pin to CPU %d", perf_o.cpu[side]);
		sh->error = 1;
		_exit(1);
	}
	if (connect && (rv = tern_connect(&co, &c)) < 0) {
		snprintf(sh->errmsg, sizeof(sh->errmsg), "connect: %s: %s", tern_strerror(rv),
			 tern_errmsg());
		sh->error = 1;
		sh->ready[side] = 1;
		sh->go = 1;
		_exit(1);
	}
	fn(side, sh, c, arg);
	tern_close(c);
	_exit(0);
}

int perf_run(struct perf_shared *sh, perf_side_fn fn, void *arg, bool connect)
{
	pid_t pid[2];
	int status, rv = 0;

	memset(sh, 0, sizeof(*sh));
	g_sh = sh;
	snprintf(sh->ring_ab, sizeof(sh->ring_ab), "perf_ab_%d", (int)getpid());
	snprintf(sh->ring_ba, sizeof(sh->ring_ba), "perf_ba_%d", (int)getpid());
	for (int side = 0; side < 2; side++) {
		fflush(stdout);
		pid[side] = fork();
		if (pid[side] == 0)
			child(side, sh, fn, arg, connect);
	}
	for (int side = 0; side < 2; side++) {
		if (waitpid(pid[side], &status, 0) != pid[side] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			rv = -1;
	}
	return rv || sh->error ? -1 : 0;
}
