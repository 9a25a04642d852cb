/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process's reactors and their deterministic shutdown.
 *
 * A stop is for every reactor of the process: one flag, set from any
 * thread or a signal handler, read once a cycle (a line nobody writes until
 * then).  The sequence each reactor runs on its own thread, after it
 * finished the cycle in which it saw the flag:
 *
 *  1. drain its inbox until every reactor has stopped polling its
 *     subscriptions and timers (barrier A), handlers may still send;
 *  2. seal: sends and forwards return TERN_ECLOSED from now on; wait until
 *     every reactor has seen the seal outside a handler (barrier B), so no
 *     send is still under way anywhere;
 *  3. drain the inbox a last time: everything sent before the seal is
 *     handled, and each forwarded view handled goes home (barrier C);
 *  4. release the views that came home: nothing is out any more;
 *  5. in reverse order of start, one reactor at a time: its on-stop hooks
 *     (reverse order of registration), then close its publishers and
 *     subscriptions (and its client, when asked): every buffer it held is
 *     back in the pool before the next reactor's hooks run.
 *
 * Rejected: stopping one reactor alone.  Its inbox could not be closed to
 * senders that keep running without a second shared word on every send
 * (an in-flight count), and a record sent after its last drain would be
 * lost; a service stops as a whole.  The barriers spin with sched_yield():
 * shutdown is not a hot path.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>

#include "reactor_pvt.h"

#define GROUP_MAX 64

volatile uint32_t tern__stop_flag;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tern_reactor *g_reg[GROUP_MAX];   /* by start order */
static uint32_t g_n;            /* reactors started in this group */
static uint32_t g_running;      /* not yet through their shutdown */
static uint32_t g_sealed;
static uint32_t g_bar[3];
static uint32_t g_hooks_done;   /* reactors through step 5 */

bool tern__sealed(void)
{
	return __atomic_load_n(&g_sealed, __ATOMIC_ACQUIRE) != 0;
}

int tern__group_join(struct tern_reactor *r)
{
	int rv = 0;

	pthread_mutex_lock(&g_lock);
	if (g_n == GROUP_MAX) {
		rv = -ENOSPC;
	} else {
		r->start_seq = (int)g_n;
		g_reg[g_n] = r;
		/* Release: a signal handler that sees the count sees the entry. */
		__atomic_store_n(&g_n, g_n + 1, __ATOMIC_RELEASE);
		g_running++;
	}
	pthread_mutex_unlock(&g_lock);
	return rv;
}

void tern_reactor_stop(struct tern_reactor *r)
{
	uint32_t n = __atomic_load_n(&g_n, __ATOMIC_ACQUIRE);

	(void)r;
	__atomic_store_n(&tern__stop_flag, 1, __ATOMIC_RELEASE);
	/* Async-signal-safe: atomics and an eventfd write. */
	for (uint32_t i = 0; i < n; i++)
		tern__wake(g_reg[i]);
}

bool tern_reactor_stopping(void)
{
	return tern__stop_asked();
}

static void on_signal(int sig)
{
	(void)sig;
	tern_reactor_stop(NULL);
}

int tern_reactor_handle_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return -errno;
	return 0;
}

/* Arrive, then wait for everyone, draining the inbox meanwhile if asked. */
static void barrier(uint32_t *ctr, struct tern_reactor *r, bool drain)
{
	__atomic_add_fetch(ctr, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(ctr, __ATOMIC_ACQUIRE) < g_n) {
		if (!drain || tern__inbox_drain(r) == 0)
			sched_yield();
	}
}

static void drain_all(struct tern_reactor *r)
{
	while (tern__inbox_drain(r))
		;
}

void tern__group_shutdown(struct tern_reactor *r)
{
	drain_all(r);
	barrier(&g_bar[0], r, true);
	__atomic_store_n(&g_sealed, 1, __ATOMIC_RELEASE);
	barrier(&g_bar[1], r, false);
	drain_all(r);
	barrier(&g_bar[2], r, false);
	drain_all(r);           /* only views coming home are left */

	/* The last started goes first. */
	while (__atomic_load_n(&g_hooks_done, __ATOMIC_ACQUIRE) != g_n - 1 - (uint32_t)r->start_seq)
		sched_yield();
	for (uint32_t i = r->n_hooks; i-- > 0;)
		r->hooks[i].fn(r, r->hooks[i].clientd);
	for (uint32_t i = 0; i < r->n_pubs; i++)
		tern_pub_close(r->pubs[i]);
	for (uint32_t i = 0; i < r->n_subs; i++)
		tern_sub_close(r->subs[i].sub);
	r->n_pubs = r->n_subs = 0;
	if (r->o.close_client && r->o.client) {
		tern_close(r->o.client);
		r->o.client = NULL;
	}
	__atomic_add_fetch(&g_hooks_done, 1, __ATOMIC_ACQ_REL);

	/* The last one out resets the group, so a process (a test) may start
	 * reactors again. */
	pthread_mutex_lock(&g_lock);
	if (--g_running == 0) {
		while (__atomic_load_n(&g_hooks_done, __ATOMIC_ACQUIRE) != g_n)
			;
		memset(g_reg, 0, sizeof(g_reg));
		memset(g_bar, 0, sizeof(g_bar));
		g_n = 0;
		g_hooks_done = 0;
		__atomic_store_n(&g_sealed, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&tern__stop_flag, 0, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&g_lock);
}
