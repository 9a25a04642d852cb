/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SIGTERM: a graceful drain, in a fixed order (docs/control.md,
 * "Shutdown"), each step one log line:
 *
 *  1. refuse new publishes: every topic's seq_limit is clamped to its
 *     current seq, so tern_publish() refuses with TERN_EBACKPRESSURE and
 *     spends no number, and shm->dp_state says DRAINING, so tern_status()
 *     tells the publisher why (TERN_ESHUTDOWN).  The publish path is not
 *     touched: it already stops at seq_limit for stored topics, so the
 *     drain costs it nothing (a flag read on every publish was rejected);
 *  2. let subscribers drain: the loop goes on (wake-ups, reclaim, the
 *     storage role, tern-control's requests) until every queue of a live
 *     subscriber and of storage is empty, or [node] drain_timeout_ms;
 *  3. the loop stops; the storage role appends what is left and closes
 *     the log (flush, and fsync under the rules' policies);
 *  4. tell the clients: dp_state STOPPED and the fence word in every
 *     client's slot, which their watchers read within 10 ms
 *     (TERN_ENOTCONN from then on, "tern-dataplane shut down");
 *  5. exit (the pidfd every watcher holds fires as well).
 *
 * A publisher already past its seq_limit check when the clamp lands still
 * completes that one publish (and a burst its messages): the drain raises
 * the clamp to whatever seq it sees, every turn, so they are delivered like
 * the rest and never counted as refused.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ring.h>

#include "dp.h"

static void clamp(struct dp *dp)
{
	struct tern__shm *shm = dp->shm;

	for (uint32_t i = 0; i < shm->max_topics; i++) {
		struct tern__topic *t = tern__shm_topic(shm, i);
		uint64_t seq = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);

		if (t->state == TERN__LIVE && t->seq_limit != seq)
			__atomic_store_n(&t->seq_limit, seq, __ATOMIC_RELEASE);
	}
}

void dp_drain_begin(struct dp *dp, int sig)
{
	uint64_t hz = rte_get_tsc_hz();

	dp->draining = true;
	dp->stop_signal = sig;
	clamp(dp);
	__atomic_store_n(&dp->shm->dp_state, TERN__DP_DRAINING, __ATOMIC_RELEASE);
	dp->drain_start_tsc = rte_rdtsc();
	dp->drain_end_tsc = dp->drain_start_tsc + hz / 1000 * dp->cfg->drain_timeout_ms;
	DP_LOG(NOTICE, "shutdown (signal %d, %s): publishing stopped; subscribers drain for at "
	       "most %u ms", sig, strsignal(sig), dp->cfg->drain_timeout_ms);
}

/* Messages waiting for a subscriber that can still take them: a live,
 * unfenced client's, or the storage role's (slots past tern-control's). */
static uint64_t waiting(struct dp *dp, uint32_t *queues)
{
	struct tern__shm *shm = dp->shm;
	uint64_t n = 0;

	*queues = 0;
	for (uint32_t i = 0; i < shm->max_links; i++) {
		struct tern__link *l = tern__shm_link(shm, i);
		struct tern__sub *s;
		unsigned k;

		if (l->state != TERN__LIVE || l->sub_id >= shm->max_subs)
			continue;
		s = tern__shm_sub(shm, l->sub_id);
		if (s->state != TERN__LIVE || dp_client_fenced(dp, s->client_id) ||
		    (s->client_id < dp->cfg->max_clients && !dp->clients[s->client_id].live))
			continue;
		k = (unsigned)tern__link_queued(l);
		n += k;
		*queues += k != 0;
	}
	return n;
}

bool dp_drain_done(struct dp *dp)
{
	uint64_t now = rte_rdtsc(), left;
	double ms = (double)(now - dp->drain_start_tsc) * 1e3 / (double)rte_get_tsc_hz();
	uint32_t queues;

	clamp(dp);
	left = waiting(dp, &queues);
	if (left == 0) {
		DP_LOG(NOTICE, "shutdown: drained in %.1f ms", ms);
		return true;
	}
	if (now >= dp->drain_end_tsc) {
		DP_LOG(WARNING, "shutdown: drain_timeout_ms %u passed: %llu message(s) left in %u "
		       "queue(s)", dp->cfg->drain_timeout_ms, (unsigned long long)left, queues);
		return true;
	}
	return false;
}

void dp_drain_tell_clients(struct dp *dp)
{
	struct tern__shm *shm = dp->shm;
	uint32_t n = 0;

	__atomic_store_n(&shm->dp_state, TERN__DP_STOPPED, __ATOMIC_RELEASE);
	for (uint32_t id = 0; id < dp->cfg->max_clients; id++) {
		if (!dp->clients[id].live)
			continue;
		/* Release: dp_state is visible before the fence word. */
		__atomic_store_n(&tern__shm_client(shm, id)->fenced, shm->epoch ? shm->epoch : 1,
				 __ATOMIC_RELEASE);
		n++;
	}
	DP_LOG(NOTICE, "shutdown: %u client(s) told", n);
}
