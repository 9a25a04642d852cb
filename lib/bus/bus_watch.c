/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fencing: how a client learns that the bus it is attached to is gone,
 * without a system call on its data path.
 *
 * A client's data path runs through tern-dataplane's hugepage memory and
 * never talks to a daemon, so nothing on it would notice a daemon's death:
 * after a kill -9 of tern-dataplane, publishers and subscribers went on
 * through the dead primary's memory, and a backpressure publisher spun on
 * TERN_EBACKPRESSURE for ever; after a tern-control restart, the new
 * control plane handed the old clients' ids to new ones.
 *
 * So tern_connect() starts one watcher thread that sleeps in poll() on:
 * - tern-control's socket, for POLLRDHUP/POLLHUP only (never POLLIN: the
 *   replies belong to the control calls, which read them themselves, so
 *   the two never race for a datagram): EOF means tern-control is gone
 *   (its incarnation, and with it our ids, ended), or dropped us because
 *   it lost the dataplane;
 * - a pidfd of tern-dataplane (its pid is in shared memory): readable when
 *   it exits, so this works even when tern-control is gone too;
 * - an eventfd tern_close() writes to stop it;
 * and wakes every TERN__WATCH_PERIOD_MS to read the fence word tern-dataplane
 * sets in our shared slot when a new tern-control takes over (a belt to the
 * socket's braces: it also covers a control connection replaced without an
 * EOF), and, without a pidfd (old kernel, seccomp), kill(pid, 0).
 *
 * When any of them fires it sets c->fenced, a process-local word the data
 * path reads with one predictable branch: from then on every data call
 * returns TERN_ENOTCONN (or 0 / NULL where the return type has no room,
 * see tern_status()).  The bound from the event to the flag is
 * TERN_FENCE_BOUND_MS (docs/bus.md); EOF and pidfd are immediate.
 *
 * Rejected: a heartbeat counter in shared memory checked on the data path
 * (a load of a line another core keeps writing, on every call; and the
 * time base to judge it needs a clock read), and SIGIO/F_SETOWN on the
 * socket (a signal handler in the application's threads).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "bus_pvt.h"

void tern__fence(struct tern_client *c, const char *fmt, ...)
{
	va_list ap;

	/* One writer of the reason; readers see it after fenced (release). */
	if (__atomic_exchange_n(&c->fence_claimed, 1, __ATOMIC_ACQ_REL))
		return;
	va_start(ap, fmt);
	vsnprintf(c->fence_why, sizeof(c->fence_why), fmt, ap);
	va_end(ap);
	__atomic_store_n(&c->fenced, 1, __ATOMIC_RELEASE);
}

static bool dp_alive(const struct tern_client *c, short pidfd_revents)
{
	if (c->dp_pidfd >= 0)
		return (pidfd_revents & (POLLIN | POLLHUP | POLLERR)) == 0;
	return c->dp_pid == 0 || kill((pid_t)c->dp_pid, 0) == 0 || errno != ESRCH;
}

static void *watch_main(void *arg)
{
	struct tern_client *c = arg;
	struct pollfd p[3] = {
		{ .fd = c->fd, .events = POLLRDHUP },
		{ .fd = c->dp_pidfd, .events = POLLIN },       /* -1: poll skips it */
		{ .fd = c->watch_wake, .events = POLLIN },
	};

	while (!tern__fenced(c)) {
		int n = poll(p, RTE_DIM(p), TERN__WATCH_PERIOD_MS);

		if (n < 0 && errno != EINTR)
			break;
		if (p[2].revents)
			break;                  /* tern_close() */
		if (p[0].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
			tern__fence(c, "tern-control closed the connection (it stopped, "
				    "restarted, or lost tern-dataplane)");
		else if (!dp_alive(c, p[1].revents))
			tern__fence(c, "tern-dataplane (pid %u) exited", c->dp_pid);
		else if (c->slot && __atomic_load_n(&c->slot->fenced, __ATOMIC_ACQUIRE))
			tern__fence(c, "%s", c->shm->dp_state == TERN__DP_STOPPED
				    ? "tern-dataplane shut down (drained and stopped)"
				    : "fenced by tern-dataplane: a new tern-control took over");
	}
	return NULL;
}

int tern__watch_start(struct tern_client *c)
{
	sigset_t all, old;
	int rv;

	c->dp_pid = c->shm->dp_pid;
	c->dp_pidfd = c->dp_pid ? pidfd_open((pid_t)c->dp_pid, 0) : -1;
	if (c->dp_pidfd < 0 && c->dp_pid && errno == ESRCH) {
		tern__err_set("tern-dataplane (pid %u) is not running", c->dp_pid);
		return -ENODEV;
	}
	c->watch_wake = eventfd(0, EFD_CLOEXEC);
	if (c->watch_wake < 0) {
		rv = -errno;
		goto out_pidfd;
	}
	/* The thread takes no signal of the application's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rv = -pthread_create(&c->watcher, NULL, watch_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv < 0)
		goto out_wake;
	pthread_setname_np(c->watcher, "tern-watch");
	c->watching = true;
	return 0;

out_wake:
	close(c->watch_wake);
	c->watch_wake = -1;
out_pidfd:
	if (c->dp_pidfd >= 0)
		close(c->dp_pidfd);
	c->dp_pidfd = -1;
	tern__err_set("cannot start the watcher thread: %s", strerror(-rv));
	return rv;
}

void tern__watch_stop(struct tern_client *c)
{
	uint64_t one = 1;

	if (!c->watching)
		return;
	if (write(c->watch_wake, &one, sizeof(one)) != sizeof(one))
		pthread_cancel(c->watcher);     /* cannot happen with an eventfd */
	pthread_join(c->watcher, NULL);
	close(c->watch_wake);
	if (c->dp_pidfd >= 0)
		close(c->dp_pidfd);
	c->watching = false;
}

int tern_status(struct tern_client *c)
{
	/* Acquire: the reason was written before the flag. */
	if (__atomic_load_n(&c->fenced, __ATOMIC_ACQUIRE) == 0) {
		if (__atomic_load_n(&c->shm->dp_state, __ATOMIC_ACQUIRE) != TERN__DP_DRAINING)
			return 0;
		tern__err_set("tern-dataplane is shutting down: publishing stopped, "
			      "subscribers drain what was published");
		return TERN_ESHUTDOWN;
	}
	tern__err_set("not connected: %s", c->fence_why);
	return TERN_ENOTCONN;
}
