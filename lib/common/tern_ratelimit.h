/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rate-limited log lines.  A hostile or broken peer (a flood of
 * connections, of bad datagrams, of descriptors) can make one log site fire
 * thousands of times a second; the log then says the same thing 2600 times
 * a second and drowns everything else.  Each flood-prone site keeps a token
 * bucket of its own: at most burst lines at once and per_sec a second on
 * average; what is refused is counted, and the next line that goes out is
 * preceded by one "suppressed K similar messages" line (the kernel's
 * printk_ratelimit, per call site as in its DEFINE_RATELIMIT_STATE).
 *
 * The clock is an argument, so tests step it by hand; tern__rl_now() is the
 * monotonic clock for everyone else.  No allocation: a bucket is a static
 * at its call site (TERN__LOG_RL).  Not thread-safe: tern-control and
 * tern-dataplane log these from their one control thread.
 */
#ifndef TERN_RATELIMIT_H
#define TERN_RATELIMIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct tern__rl {
	uint32_t burst;        /* bucket size: lines allowed at once */
	uint32_t per_sec;      /* refill rate */
	uint64_t tokens_ns;    /* tokens, in ns of refill (1 token = 1e9 / per_sec ns) */
	uint64_t last_ns;      /* last refill; 0: never used (the bucket starts full) */
	uint64_t suppressed;   /* refused since the last line that went out */
};

#define TERN__RL_INIT(burst_, per_sec_) { .burst = (burst_), .per_sec = (per_sec_) }

/* Flood-prone log sites: 20 lines at once, then 5 a second.  A healthy node
 * never comes near it (a client attaching logs one line). */
#define TERN__RL_BURST 20
#define TERN__RL_PER_SEC 5

/**
 * Whether a line may go out at now_ns (any monotonic ns clock, never 0).
 * @return true, with *suppressed set to how many were refused since the last
 *   line that went out (the caller says so first when it is not 0); false
 *   when the line must be dropped (counted).
 */
bool tern__rl_allow(struct tern__rl *rl, uint64_t now_ns, uint64_t *suppressed);

/* CLOCK_MONOTONIC in ns (never 0). */
uint64_t tern__rl_now(void);

/* "<prefix>: <message>" as one line on f if rl allows it now, preceded by
 * "<prefix>: suppressed K similar messages" when lines were refused. */
void tern__log_rl(struct tern__rl *rl, FILE *f, const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void tern__vlog_rl(struct tern__rl *rl, FILE *f, const char *prefix, const char *fmt,
		   va_list ap) __attribute__((format(printf, 4, 0)));

/* A log line from a flood-prone site, with a bucket of its own. */
#define TERN__LOG_RL(f, prefix, ...)                                                  \
	do {                                                                          \
		static struct tern__rl rl_ = TERN__RL_INIT(TERN__RL_BURST, TERN__RL_PER_SEC); \
		tern__log_rl(&rl_, (f), (prefix), __VA_ARGS__);                      \
	} while (0)

#endif
