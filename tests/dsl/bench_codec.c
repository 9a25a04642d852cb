/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Codec benchmark (issue 2): median ns per encode+decode round trip of
 * StatusQuery and OrderUpdate through the terngen-generated code, against
 * a hand-written baseline that stores and loads the same fields with
 * memcpy at fixed offsets (no header, no validation) in the same run.
 *
 * Method: pinned to one CPU (sched_setaffinity); each case is warmed up,
 * then measured in ROUNDS batches of BATCH iterations, the four cases
 * interleaved batch by batch so that noise from other processes lands on
 * all of them alike; the figure is the median over batches of the mean
 * ns per round trip in a batch; the ratio is also given as the median of
 * per-round ratios (tern batch / baseline batch run back to back), which
 * holds up better on a busy machine.  The input varies per iteration and a
 * compiler barrier sits between encode and decode, so the bytes really go
 * through memory.  A benchmark, never a pass/fail timing test.
 *
 *   bench_codec [--json] [--iters N] [--cpu N] [--only CASE]
 *
 * --only 0..3 runs one case (tern/baseline StatusQuery, tern/baseline
 * OrderUpdate) without timing, for `perf stat -e cycles:u`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.tmsg.h"

#define BARRIER(p) __asm__ volatile("" : : "r"(p) : "memory")

static uint8_t buf[4096] __attribute__((aligned(64)));
static volatile uint64_t sink;

/* ---- hand-written baseline ---- */

static inline size_t base_sq_encode(const struct StatusQuery *m, uint8_t *b)
{
	memcpy(b, &m->instance_id, 8);
	memcpy(b + 8, &m->epoch, 4);
	return 12;
}

static inline size_t base_sq_decode(struct StatusQuery *m, const uint8_t *b)
{
	memcpy(&m->instance_id, b, 8);
	memcpy(&m->epoch, b + 8, 4);
	return 12;
}

static inline size_t base_ou_encode(const struct OrderUpdate *m, uint8_t *b)
{
	uint8_t *p = b;
	uint8_t flag = m->has_parent_id;
	memcpy(p, &m->order_id, 8), p += 8;
	memcpy(p, &m->quantity, 4), p += 4;
	memcpy(p, &m->price.mantissa, 8), p += 8;
	memcpy(p, &m->price.exponent, 1), p += 1;
	memcpy(p, &m->side, 1), p += 1;
	memcpy(p, &m->is_final, 1), p += 1;
	memcpy(p, &m->event_time, 8), p += 8;
	memcpy(p, &m->symbol.len, 4), p += 4;
	memcpy(p, m->symbol.ptr, m->symbol.len), p += m->symbol.len;
	memcpy(p, &flag, 1), p += 1;
	if (flag)
		memcpy(p, &m->parent_id, 8), p += 8;
	memcpy(p, &m->fills.count, 4), p += 4;
	memcpy(p, m->fills.data, (size_t)m->fills.count * 8), p += (size_t)m->fills.count * 8;
	memcpy(p, m->levels, 16), p += 16;
	return (size_t)(p - b);
}

static inline size_t base_ou_decode(struct OrderUpdate *m, const uint8_t *b)
{
	const uint8_t *p = b;
	uint8_t flag;
	memcpy(&m->order_id, p, 8), p += 8;
	memcpy(&m->quantity, p, 4), p += 4;
	memcpy(&m->price.mantissa, p, 8), p += 8;
	memcpy(&m->price.exponent, p, 1), p += 1;
	memcpy(&m->side, p, 1), p += 1;
	memcpy(&m->is_final, p, 1), p += 1;
	memcpy(&m->event_time, p, 8), p += 8;
	memcpy(&m->symbol.len, p, 4), p += 4;
	m->symbol.ptr = (const char *)p, p += m->symbol.len;
	memcpy(&flag, p, 1), p += 1;
	m->has_parent_id = flag;
	if (flag)
		memcpy(&m->parent_id, p, 8), p += 8;
	memcpy(&m->fills.count, p, 4), p += 4;
	m->fills.data = p, p += (size_t)m->fills.count * 8;
	memcpy(m->levels, p, 16), p += 16;
	return (size_t)(p - b);
}

/* ---- cases ---- */

static struct StatusQuery sq_in;
static struct OrderUpdate ou_in;
static int64_t fills[16];

static size_t sq_size, ou_size, base_sq_size, base_ou_size;

static void run_tern_sq(uint64_t n)
{
	struct StatusQuery out;
	uint64_t acc = 0;
	for (uint64_t i = 0; i < n; i++) {
		sq_in.instance_id = (int64_t)i;
		int64_t w = StatusQuery_encode(&sq_in, buf, sizeof(buf));
		BARRIER(buf);
		if (StatusQuery_decode(&out, buf, (size_t)w) < 0)
			abort();
		BARRIER(&out); /* every decoded field is stored */
		acc += (uint64_t)out.instance_id + (uint64_t)out.epoch;
	}
	sink += acc;
}

static void run_base_sq(uint64_t n)
{
	struct StatusQuery out;
	uint64_t acc = 0;
	for (uint64_t i = 0; i < n; i++) {
		sq_in.instance_id = (int64_t)i;
		size_t w = base_sq_encode(&sq_in, buf);
		BARRIER(buf);
		if (base_sq_decode(&out, buf) != w)
			abort();
		BARRIER(&out); /* every decoded field is stored */
		acc += (uint64_t)out.instance_id + (uint64_t)out.epoch;
	}
	sink += acc;
}

static void run_tern_ou(uint64_t n)
{
	struct OrderUpdate out;
	uint64_t acc = 0;
	for (uint64_t i = 0; i < n; i++) {
		ou_in.order_id = (int64_t)i;
		int64_t w = OrderUpdate_encode(&ou_in, buf, sizeof(buf));
		BARRIER(buf);
		if (OrderUpdate_decode(&out, buf, (size_t)w) < 0)
			abort();
		BARRIER(&out); /* every decoded field is stored */
		acc += (uint64_t)out.order_id + out.fills.count + out.symbol.len +
		       (uint64_t)out.levels[3];
	}
	sink += acc;
}

static void run_base_ou(uint64_t n)
{
	struct OrderUpdate out;
	uint64_t acc = 0;
	for (uint64_t i = 0; i < n; i++) {
		ou_in.order_id = (int64_t)i;
		size_t w = base_ou_encode(&ou_in, buf);
		BARRIER(buf);
		if (base_ou_decode(&out, buf) != w)
			abort();
		BARRIER(&out); /* every decoded field is stored */
		acc += (uint64_t)out.order_id + out.fills.count + out.symbol.len +
		       (uint64_t)out.levels[3];
	}
	sink += acc;
}

static void setup(void)
{
	sq_in = (struct StatusQuery){ 1, 7 };
	for (int i = 0; i < 16; i++)
		fills[i] = 1000 + i;
	ou_in = (struct OrderUpdate){
		.order_id = 1, .quantity = 100, .price = { 1234500, -2 },
		.side = Side_BUY, .is_final = true, .event_time = 1700000000000000000LL,
		.symbol = TERN_STR_LIT("AAPL.OQ"), .has_parent_id = true, .parent_id = 77,
		.fills = { fills, 16 }, .levels = { 1, 2, 3, 4 },
	};
	sq_size = (size_t)StatusQuery_encode(&sq_in, buf, sizeof(buf));
	ou_size = (size_t)OrderUpdate_encode(&ou_in, buf, sizeof(buf));
	base_sq_size = base_sq_encode(&sq_in, buf);
	base_ou_size = base_ou_encode(&ou_in, buf);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, uint64_t n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int pin(int cpu)
{
	cpu_set_t set;
	if (cpu < 0) {
		/* the last CPU this process may use */
		if (sched_getaffinity(0, sizeof(set), &set) != 0)
			return -errno;
		for (int c = CPU_SETSIZE - 1; c >= 0; c--)
			if (CPU_ISSET(c, &set)) {
				cpu = c;
				break;
			}
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return -errno;
	return cpu;
}

#define N_CASES 4
#define MAX_ROUNDS 1000

int main(int argc, char **argv)
{
	static const char *const names[N_CASES] = { "StatusQuery", "StatusQuery", "OrderUpdate",
						    "OrderUpdate" };
	static const char *const impls[N_CASES] = { "tern", "baseline", "tern", "baseline" };
	void (*const run[N_CASES])(uint64_t) = { run_tern_sq, run_base_sq, run_tern_ou,
						 run_base_ou };
	static double ns[N_CASES][MAX_ROUNDS], ratio[2][MAX_ROUNDS];
	double med[N_CASES], rmed[2];
	uint64_t iters = 10000000, batch = 10000, rounds;
	bool json = false;
	int cpu = -1, only = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc)
			iters = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--cpu") == 0 && i + 1 < argc)
			cpu = atoi(argv[++i]);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = atoi(argv[++i]); /* one case alone, e.g. under perf stat */
		else {
			fprintf(stderr, "usage: %s [--json] [--iters N] [--cpu N] [--only CASE]\n",
				argv[0]);
			return 2;
		}
	}
	cpu = pin(cpu);
	if (cpu < 0) {
		fprintf(stderr, "bench_codec: sched_setaffinity: %s\n", strerror(-cpu));
		return 1;
	}
	if (iters < batch)
		batch = iters;
	rounds = (iters + batch - 1) / batch;
	if (rounds > MAX_ROUNDS) {
		rounds = MAX_ROUNDS;
		batch = (iters + rounds - 1) / rounds;
	}
	setup();
	if (only >= 0 && only < N_CASES) {
		run[only](iters);
		return 0;
	}
	for (int c = 0; c < N_CASES; c++)
		run[c](1000000); /* warm-up: caches, branch predictors, clocks */
	for (uint64_t r = 0; r < rounds; r++)
		for (int c = 0; c < N_CASES; c++) {
			double t0 = now_ns();
			run[c](batch);
			ns[c][r] = (now_ns() - t0) / (double)batch;
		}
	/* Paired ratios: tern and baseline batches of one round ran back to
	 * back, under the same interference from the rest of the machine. */
	for (uint64_t r = 0; r < rounds; r++) {
		ratio[0][r] = ns[0][r] / ns[1][r];
		ratio[1][r] = ns[2][r] / ns[3][r];
	}
	for (int c = 0; c < N_CASES; c++)
		med[c] = median(ns[c], rounds);
	rmed[0] = median(ratio[0], rounds);
	rmed[1] = median(ratio[1], rounds);
	if (json) {
		printf("{\"cpu\":%d,\"iterations\":%llu,\"batches\":%llu,\"results\":[", cpu,
		       (unsigned long long)(rounds * batch), (unsigned long long)rounds);
		for (int c = 0; c < N_CASES; c++)
			printf("%s{\"message\":\"%s\",\"impl\":\"%s\",\"median_ns\":%.2f,"
			       "\"min_ns\":%.2f,\"max_ns\":%.2f,\"encoded_bytes\":%zu}",
			       c ? "," : "", names[c], impls[c], med[c], ns[c][0],
			       ns[c][rounds - 1],
			       c == 0 ? sq_size : c == 1 ? base_sq_size : c == 2 ? ou_size : base_ou_size);
		printf("],\"ratio\":{\"StatusQuery\":%.3f,\"OrderUpdate\":%.3f},"
		       "\"paired_ratio\":{\"StatusQuery\":%.3f,\"OrderUpdate\":%.3f}}\n",
		       med[0] / med[1], med[2] / med[3], rmed[0], rmed[1]);
	} else {
		printf("codec round trip (encode+decode), CPU %d, %llu iterations per case "
		       "in %llu batches\n", cpu, (unsigned long long)(rounds * batch),
		       (unsigned long long)rounds);
		printf("%-12s %-9s %10s %10s %10s %7s\n", "message", "impl", "median ns", "min ns",
		       "max ns", "bytes");
		for (int c = 0; c < N_CASES; c++)
			printf("%-12s %-9s %10.2f %10.2f %10.2f %7zu\n", names[c], impls[c], med[c],
			       ns[c][0], ns[c][rounds - 1],
			       c == 0 ? sq_size : c == 1 ? base_sq_size : c == 2 ? ou_size : base_ou_size);
		printf("ratio tern/baseline of medians: StatusQuery %.2fx, OrderUpdate %.2fx "
		       "(goal <= 1.5x)\n", med[0] / med[1], med[2] / med[3]);
		printf("median of paired per-round ratios: StatusQuery %.2fx, OrderUpdate %.2fx\n",
		       rmed[0], rmed[1]);
	}
	return 0;
}
