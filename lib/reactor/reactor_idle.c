/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Idle strategies and the reactor's one epoll set.
 *
 * The set holds the user's fds, each subscription's wake-up fd, the inbox
 * eventfd and a timerfd for the next timer.  A busy reactor reads it only
 * every fd_every cycles, with a zero timeout, and only if the user
 * registered fds: the wake-up fds are written by others only after this
 * reactor announced that it sleeps (tern_sub_arm(), `sleeping`), so while
 * it is busy they stay quiet and cost nobody a system call.
 *
 * SLEEP backs off in three steps: spin_idle cycles of rte_pause() (the
 * latency of a spinning reactor for a short lull), yield_idle cycles of
 * sched_yield() (another thread of the CPU may run), then epoll_wait() with
 * no timeout, the timerfd set to the wheel's next event.  Each step is
 * taken only after the one before found no work, so a busy reactor pays
 * nothing for the option.
 */
#include <errno.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <rte_pause.h>

#include "reactor_pvt.h"

/* epoll data: a kind in the high word, an index in the low one. */
enum { EV_USER = 1, EV_SUB = 2, EV_WAKE = 3, EV_TIMER = 4 };
#define EV(kind, i) ((uint64_t)(kind) << 32 | (uint32_t)(i))

static int ep_add(struct tern_reactor *r, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int tern__idle_init(struct tern_reactor *r)
{
	int rv;

	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0)
		return -errno;
	r->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->timerfd < 0)
		return -errno;
	rv = ep_add(r, r->wake_fd, EPOLLIN, EV(EV_WAKE, 0));
	return rv < 0 ? rv : ep_add(r, r->timerfd, EPOLLIN, EV(EV_TIMER, 0));
}

int tern__idle_add_sub(struct tern_reactor *r, int fd, uint32_t i)
{
	return ep_add(r, fd, EPOLLIN, EV(EV_SUB, i));
}

int tern_reactor_fd_add(struct tern_reactor *r, int fd, uint32_t events, tern_fd_fn fn,
			void *clientd)
{
	int rv;

	if (fn == NULL || fd < 0)
		return -EINVAL;
	if (r->n_fds == r->o.max_fds)
		return -ENOSPC;
	rv = ep_add(r, fd, events, EV(EV_USER, r->n_fds));
	if (rv < 0)
		return rv;
	r->fds[r->n_fds++] = (struct tern__rfd){ fd, fn, clientd };
	return 0;
}

static void clear_fd(int fd)
{
	uint64_t v;

	/* Eventfds and timerfds are non-blocking: nothing to read is EAGAIN. */
	if (read(fd, &v, sizeof(v)) < 0)
		return;
}

unsigned tern__poll_fds(struct tern_reactor *r, int timeout_ms)
{
	struct epoll_event ev[16];
	unsigned work = 0;
	int n = epoll_wait(r->epfd, ev, 16, timeout_ms);

	for (int i = 0; i < n; i++) {
		uint32_t kind = (uint32_t)(ev[i].data.u64 >> 32), idx = (uint32_t)ev[i].data.u64;

		switch (kind) {
		case EV_USER:
			r->fds[idx].fn(r, r->fds[idx].fd, ev[i].events, r->fds[idx].clientd);
			work++;
			break;
		case EV_SUB:
			clear_fd(tern_sub_fd(r->subs[idx].sub));
			break;
		case EV_WAKE:
			clear_fd(r->wake_fd);
			break;
		case EV_TIMER:
			clear_fd(r->timerfd);
			break;
		}
	}
	r->st.fd_events += work;
	return work;
}

/* Sleep until a subscription, the inbox, a timer or an fd has work. */
static void sleep_once(struct tern_reactor *r)
{
	struct itimerspec its = { 0 };
	int64_t next, delay;

	for (uint32_t i = 0; i < r->n_subs; i++)
		if (tern_sub_arm(r->subs[i].sub) != 0)
			return;         /* data waiting (or fenced: spin, do not hang) */
	if (tern__inbox_arm(r))
		return;
	next = tern__wheel_next(&r->wheel);
	if (next != INT64_MAX) {
		delay = next - r->o.clock(r->o.clockd);
		if (delay <= 0) {
			tern__inbox_disarm(r);
			return;
		}
		its.it_value.tv_sec = delay / 1000000000;
		its.it_value.tv_nsec = delay % 1000000000;
	}
	/* A zero it_value disarms: no timer, no timeout. */
	timerfd_settime(r->timerfd, 0, &its, NULL);
	r->st.sleeps++;
	tern__poll_fds(r, -1);
	tern__inbox_disarm(r);
}

void tern__idle(struct tern_reactor *r, unsigned work)
{
	if (work) {
		r->idle_run = 0;
		return;
	}
	r->st.idle++;
	r->idle_run++;
	if (r->o.idle == TERN_IDLE_SPIN || r->idle_run <= r->o.spin_idle) {
		rte_pause();
	} else if (r->o.idle == TERN_IDLE_YIELD ||
		   r->idle_run <= r->o.spin_idle + r->o.yield_idle) {
		sched_yield();
	} else {
		sleep_once(r);
		r->idle_run = 0;
	}
}
