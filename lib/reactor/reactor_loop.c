/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A reactor: creation, its tables, and the duty cycle.
 *
 * tern_reactor_do_work() is one cycle (seed 000's reactor, Aeron's agent
 * doWork): read the clock once; poll each subscription for a burst and
 * call its handler on each view; drain a burst of the inbox; fire the due
 * timers; every fd_every cycles, if there are fds, epoll_wait(0).  It
 * returns the work done, which the idle strategy (reactor_idle.c) turns
 * into a pause, a yield or a sleep.  Every table and scratch array is
 * allocated here, at create, so a cycle allocates nothing and, with no
 * fds registered, makes no system call (tests/reactor/test_reactor_hotpath.c
 * proves both).
 *
 * Views are released after their handler returns, a burst at a time, except
 * those the handler forwarded: they go home through the receiver
 * (reactor_inbox.c) and are released when they come back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reactor_pvt.h"

static uint32_t g_next_id;

static int set_defaults(struct tern_reactor_opts *o)
{
	if (o->name == NULL)
		o->name = "tern-reactor";
	o->spin_idle = o->spin_idle ? o->spin_idle : 1000;
	o->yield_idle = o->yield_idle ? o->yield_idle : 100;
	o->max_timers = o->max_timers ? o->max_timers : 1024;
	o->inbox_size = o->inbox_size ? o->inbox_size : 1024;
	o->max_subs = o->max_subs ? o->max_subs : 16;
	o->max_fds = o->max_fds ? o->max_fds : 16;
	o->max_hooks = o->max_hooks ? o->max_hooks : 16;
	o->burst = o->burst ? o->burst : 32;
	o->fd_every = o->fd_every ? o->fd_every : 64;
	o->tick_ns = o->tick_ns ? o->tick_ns : 1024;
	if (o->clock == NULL) {
		tern__tsc_clock_init();
		o->clock = tern__tsc_clock;
	}
	if (o->burst > TERN__BURST_MAX || o->tick_ns < 0 || (o->inbox_size & (o->inbox_size - 1)) ||
	    o->inbox_size > (1u << 30) || o->idle > TERN_IDLE_SLEEP)
		return -EINVAL;
	return 0;
}

int tern_reactor_create(const struct tern_reactor_opts *opts, struct tern_reactor **out)
{
	struct tern_reactor *r;
	int rv;

	r = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*r), RTE_CACHE_LINE_SIZE));
	if (r == NULL)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->o = opts ? *opts : (struct tern_reactor_opts){ 0 };
	r->epfd = r->timerfd = r->wake_fd = -1;
	rv = set_defaults(&r->o);
	if (rv < 0)
		goto out_free;
	r->id = __atomic_fetch_add(&g_next_id, 1, __ATOMIC_RELAXED);
	r->subs = calloc(r->o.max_subs, sizeof(*r->subs));
	r->pubs = calloc(r->o.max_subs, sizeof(*r->pubs));
	r->fds = calloc(r->o.max_fds, sizeof(*r->fds));
	r->hooks = calloc(r->o.max_hooks, sizeof(*r->hooks));
	r->views = calloc(r->o.burst, sizeof(*r->views));
	r->recs = calloc(r->o.burst, sizeof(*r->recs));
	r->rets = calloc(r->o.burst, sizeof(*r->rets));
	rv = -ENOMEM;
	if (!r->subs || !r->pubs || !r->fds || !r->hooks || !r->views || !r->recs || !r->rets)
		goto out_free;
	r->now = r->o.clock(r->o.clockd);
	rv = tern__wheel_init(&r->wheel, r->o.max_timers, r->o.tick_ns, r->now);
	if (rv < 0)
		goto out_free;
	rv = tern__inbox_init(r);
	if (rv < 0)
		goto out_free;
	rv = tern__idle_init(r);
	if (rv < 0)
		goto out_free;
	*out = r;
	return 0;
out_free:
	tern_reactor_destroy(r);
	return rv;
}

void tern_reactor_destroy(struct tern_reactor *r)
{
	if (r == NULL)
		return;
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->timerfd >= 0)
		close(r->timerfd);
	tern__inbox_fini(r);
	tern__wheel_fini(&r->wheel);
	free(r->subs);
	free(r->pubs);
	free(r->fds);
	free(r->hooks);
	free(r->views);
	free(r->recs);
	free(r->rets);
	free(r);
}

int tern_reactor_sub_add(struct tern_reactor *r, struct tern_sub *s, tern_msg_fn fn, void *clientd)
{
	int fd = s ? tern_sub_fd(s) : -1, rv;

	if (s == NULL || fn == NULL || (r->o.idle == TERN_IDLE_SLEEP && fd < 0))
		return -EINVAL;
	if (r->n_subs == r->o.max_subs)
		return -ENOSPC;
	if (fd >= 0 && (rv = tern__idle_add_sub(r, fd, r->n_subs)) < 0)
		return rv;
	r->subs[r->n_subs++] = (struct tern__rsub){ s, fn, clientd, r };
	return 0;
}

int tern_reactor_pub_add(struct tern_reactor *r, struct tern_pub *p)
{
	if (p == NULL)
		return -EINVAL;
	if (r->n_pubs == r->o.max_subs)
		return -ENOSPC;
	r->pubs[r->n_pubs++] = p;
	return 0;
}

int tern_reactor_on_stop(struct tern_reactor *r, tern_hook_fn fn, void *clientd)
{
	if (fn == NULL)
		return -EINVAL;
	if (r->n_hooks == r->o.max_hooks)
		return -ENOSPC;
	r->hooks[r->n_hooks++] = (struct tern__hook){ fn, clientd };
	return 0;
}

int tern_timer_arm(struct tern_reactor *r, int64_t deadline_ns, int64_t period_ns, unsigned flags,
		   tern_timer_fn fn, void *clientd, tern_timer_id *out)
{
	return tern__wheel_arm(&r->wheel, deadline_ns, period_ns, flags, fn, clientd, out);
}

int tern_timer_cancel(struct tern_reactor *r, tern_timer_id id)
{
	return tern__wheel_cancel(&r->wheel, id);
}

int tern_timer_rearm(struct tern_reactor *r, tern_timer_id id, int64_t deadline_ns)
{
	return tern__wheel_rearm(&r->wheel, id, deadline_ns);
}

int64_t tern_timer_deadline(struct tern_reactor *r, tern_timer_id id)
{
	return tern__wheel_deadline(&r->wheel, id);
}

/* One subscription's burst: handlers, then the release of what was not
 * forwarded. */
static unsigned poll_sub(struct tern_reactor *r, struct tern__rsub *rs)
{
	unsigned n = tern_poll(rs->sub, r->views, r->o.burst);

	if (n == 0)
		return 0;
	r->cur_rs = rs;
	r->fwd_mask = 0;
	for (unsigned j = 0; j < n; j++) {
		r->cur_msg = r->views[j];
		r->cur_idx = j;
		rs->fn(r, r->views[j], rs->clientd);
	}
	r->cur_msg = NULL;
	if (r->fwd_mask == 0) {
		tern_release(rs->sub, r->views, n);
	} else {
		for (unsigned j = 0; j < n; j++)
			if (!(r->fwd_mask & (UINT64_C(1) << j)))
				tern_release(rs->sub, &r->views[j], 1);
	}
	return n;
}

unsigned tern_reactor_do_work(struct tern_reactor *r)
{
	unsigned work = 0, msgs = 0, fired;

	r->now = r->o.clock(r->o.clockd);
	for (uint32_t i = 0; i < r->n_subs; i++)
		msgs += poll_sub(r, &r->subs[i]);
	work += msgs + tern__inbox_drain(r);
	fired = tern__wheel_expire(&r->wheel, r->now, r);
	work += fired;
	if (r->n_fds && ++r->fd_tick >= r->o.fd_every) {
		r->fd_tick = 0;
		work += tern__poll_fds(r, 0);
	}
	r->st.cycles++;
	r->st.msgs += msgs;
	r->st.timers += fired;
	return work;
}

static void pin(struct tern_reactor *r)
{
	cpu_set_t set;

	pthread_setname_np(pthread_self(), r->o.name);
	if (!r->o.pin)
		return;
	CPU_ZERO(&set);
	CPU_SET(r->o.cpu, &set);
	/* A CPU we may not run on leaves the thread where it is: a slower
	 * reactor, not a failed one. */
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int tern_reactor_run(struct tern_reactor *r)
{
	int rv;

	if (__atomic_exchange_n(&r->running, true, __ATOMIC_ACQ_REL)) {
		__atomic_store_n(&r->joined, -EBUSY, __ATOMIC_RELEASE);     /* a start waits on it */
		return -EBUSY;
	}
	tern__self = r;
	pin(r);
	rv = tern__group_join(r);
	__atomic_store_n(&r->joined, rv == 0 ? 1 : rv, __ATOMIC_RELEASE);
	if (rv == 0) {
		while (!tern__stop_asked())
			tern__idle(r, tern_reactor_do_work(r));
		tern__group_shutdown(r);
	}
	tern__self = NULL;
	__atomic_store_n(&r->running, false, __ATOMIC_RELEASE);
	return rv;
}

static void *thread_main(void *arg)
{
	tern_reactor_run(arg);
	return NULL;
}

/* Returns once the new thread has joined the group: the shutdown runs the
 * reactors in reverse start order, and that order must be the caller's,
 * not whichever thread the scheduler ran first. */
int tern_reactor_start(struct tern_reactor *r)
{
	int rv, joined;

	__atomic_store_n(&r->joined, 0, __ATOMIC_RELAXED);
	rv = pthread_create(&r->thread, NULL, thread_main, r);
	if (rv != 0)
		return -rv;
	while ((joined = __atomic_load_n(&r->joined, __ATOMIC_ACQUIRE)) == 0)
		sched_yield();
	if (joined < 0) {
		pthread_join(r->thread, NULL);
		return joined;
	}
	r->started = true;
	return 0;
}

int tern_reactor_join(struct tern_reactor *r)
{
	if (!r->started)
		return -EINVAL;
	pthread_join(r->thread, NULL);
	r->started = false;
	return 0;
}

int64_t tern_reactor_now_ns(const struct tern_reactor *r)
{
	return r->now;
}

struct tern_client *tern_reactor_client(const struct tern_reactor *r)
{
	return r->o.client;
}

uint32_t tern_reactor_id(const struct tern_reactor *r)
{
	return r->id;
}

void tern_reactor_stats(const struct tern_reactor *r, struct tern_reactor_stats *st)
{
	*st = r->st;
	st->refused = __atomic_load_n(&r->refused, __ATOMIC_RELAXED);
}
