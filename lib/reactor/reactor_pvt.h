/* SPDX-License-Identifier: Apache-2.0 */
/* The reactor's private state.  Must not be included by applications. */
#ifndef TERN_REACTOR_PVT_H
#define TERN_REACTOR_PVT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ring.h>

#include <tern/tern_reactor.h>

#include "reactor_wheel.h"

#define TERN__BURST_MAX 64

struct tern__rsub {
	struct tern_sub *sub;
	tern_msg_fn fn;
	void *clientd;
	struct tern_reactor *r;    /* a forwarded view's way home */
};

struct tern__rfd {
	int fd;
	tern_fd_fn fn;
	void *clientd;
};

struct tern__hook {
	tern_hook_fn fn;
	void *clientd;
};

/* A forwarded view on its way back to the reactor that holds it. */
struct tern__ret {
	const struct tern_msg *msg;
	struct tern__rsub *rs;
};

struct tern_reactor {
	/* The duty cycle's own state: written by the reactor thread only. */
	int64_t now;
	struct tern_reactor_opts o;
	uint32_t id;
	uint32_t n_subs, n_pubs, n_fds, n_hooks;
	uint32_t fd_tick;
	uint32_t idle_run;          /* idle cycles in a row */
	uint32_t out;               /* forwarded views not back yet */
	struct tern__rsub *subs;
	struct tern_pub **pubs;
	struct tern__rfd *fds;
	struct tern__hook *hooks;
	const struct tern_msg **views;   /* burst scratch */
	struct tern_rec *recs;           /* burst scratch */
	struct tern__ret *rets;          /* burst scratch */
	/* The message a subscription handler is handling, for forward(). */
	const struct tern_msg *cur_msg;
	struct tern__rsub *cur_rs;
	uint64_t fwd_mask;          /* which of the burst were forwarded */
	unsigned cur_idx;
	struct tern__wheel wheel;
	struct tern_reactor_stats st;
	int epfd, timerfd;
	bool running, started;
	int start_seq;              /* order of start, for the shutdown */
	int joined;                 /* tern_reactor_run's group join: 0 not yet, 1 done, -errno */
	pthread_t thread;

	/* Written by other threads: the inbox (its own lines, in the ring)
	 * and the sleep handshake, on a line of its own so that senders
	 * reading it do not pull the reactor's counters around. */
	struct rte_ring *inbox __rte_cache_aligned;
	struct rte_ring *returns;        /* forwarded views coming home */
	int wake_fd;                     /* eventfd */
	uint32_t sleeping;               /* 1: about to sleep or asleep */
	uint64_t refused;                /* sends refused: inbox full */
	void *ring_mem;
} __rte_cache_aligned;

/* reactor_inbox.c */
int tern__inbox_init(struct tern_reactor *r);
void tern__inbox_fini(struct tern_reactor *r);
/* Handle up to burst records and returned views.  @return the count. */
unsigned tern__inbox_drain(struct tern_reactor *r);
/* The calling thread's reactor, or NULL (tern_rec.from). */
extern __thread struct tern_reactor *tern__self;
/* Announce the sleep: 0 armed (sleep), 1 records are waiting (do not). */
int tern__inbox_arm(struct tern_reactor *r);
void tern__inbox_disarm(struct tern_reactor *r);
/* Wake r if it said it sleeps. */
void tern__wake(struct tern_reactor *r);

/* reactor_idle.c: what an idle cycle does, per opts.idle. */
int tern__idle_init(struct tern_reactor *r);
/* Sleep on subscription i's wake-up fd too.  @return 0 or -errno. */
int tern__idle_add_sub(struct tern_reactor *r, int fd, uint32_t i);
void tern__idle(struct tern_reactor *r, unsigned work);
/* epoll_wait(timeout_ms) and the fd handlers.  @return fd events. */
unsigned tern__poll_fds(struct tern_reactor *r, int timeout_ms);

/* reactor_stop.c: the process's reactors and the shutdown sequence. */
int tern__group_join(struct tern_reactor *r);
void tern__group_shutdown(struct tern_reactor *r);
bool tern__sealed(void);
extern volatile uint32_t tern__stop_flag;

/* reactor_clock.c: the TSC as ns, calibrated once a process. */
int64_t tern__tsc_clock(void *clockd);
void tern__tsc_clock_init(void);

static inline bool tern__stop_asked(void)
{
	return __atomic_load_n(&tern__stop_flag, __ATOMIC_RELAXED) != 0;
}

#endif
