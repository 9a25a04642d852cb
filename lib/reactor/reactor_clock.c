/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reactor's default clock: the TSC as CLOCK_MONOTONIC nanoseconds,
 * one rdtsc and one multiply, no system call.  The TSC rate comes from EAL
 * when it is initialised (rte_get_tsc_hz()), otherwise from a 10 ms
 * measurement against CLOCK_MONOTONIC, once a process: reactors that do
 * not touch the bus (and the fast tests) need no EAL.
 */
#include <pthread.h>
#include <time.h>

#include <rte_cycles.h>

#include "reactor_pvt.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static uint64_t g_tsc0;
static int64_t g_mono0;
static uint64_t g_mult;         /* ns per TSC tick, 32.32 fixed point */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void calibrate(void)
{
	uint64_t hz = rte_get_tsc_hz();

	if (hz == 0) {
		struct timespec ten_ms = { 0, 10000000 };
		int64_t a = mono_ns();
		uint64_t t0 = rte_rdtsc();
		nanosleep(&ten_ms, NULL);
		uint64_t t1 = rte_rdtsc();
		int64_t b = mono_ns();
		hz = (uint64_t)((unsigned __int128)(t1 - t0) * 1000000000u / (uint64_t)(b - a));
	}
	g_mono0 = mono_ns();
	g_tsc0 = rte_rdtsc();
	g_mult = (uint64_t)(((unsigned __int128)1000000000u << 32) / hz);
}

int64_t tern__tsc_clock(void *clockd)
{
	(void)clockd;
	return g_mono0 + (int64_t)(((unsigned __int128)(rte_rdtsc() - g_tsc0) * g_mult) >> 32);
}

/* Called by tern_reactor_create(), off the duty cycle. */
void tern__tsc_clock_init(void)
{
	pthread_once(&g_once, calibrate);
}
