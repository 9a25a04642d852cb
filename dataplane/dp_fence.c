/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fencing the clients of an earlier tern-control.
 *
 * tern-control hands out every id (client slots and their lcore ids,
 * topics, subscriptions) but keeps them only in its own memory; the
 * dataplane holds the truth in shared memory and outlives it.  When a
 * tern-control died, its successor used to reclaim every client it found
 * here and reuse the ids at once, while the old processes, still running,
 * kept publishing into topic slots and polling links that now belonged to
 * new, unrelated streams.
 *
 * Now each DpHello starts a new incarnation: we bump shm->epoch and mark
 * every client of the earlier ones fenced, in its shared slot (its watcher
 * thread reads that, bus_watch.c; most will have seen their control
 * socket's EOF already).  A fenced client keeps everything it has (slot,
 * lcore id, subscriptions with their links and rings, publishers, topic
 * locks) until its process exits: nothing it can still touch is freed or
 * handed out again.  The new tern-control learns all of it from DpStats
 * (clients with pid and publishers, subscriptions with owner and pattern,
 * topics with names), reserves the ids, watches each pid, and sends the
 * usual DpClientGone when one exits; reclaim is then exactly what it is
 * for any dead client (bus_reclaim.c).
 *
 * Two things change at once for a fenced client, so that a zombie cannot
 * disturb the new streams during its last instants:
 * - its subscriptions leave every fan-out list (a full backpressure queue
 *   nobody polls any more would stall the topic's new publishers) and join
 *   no new topic; their links stay RETIRING, rings allocated, until the
 *   client is reclaimed (dp_retire_links() skips them);
 * - its publishers stay counted, so the topic stays exclusive or busy as
 *   the client left it (the fenced publisher stops at its next call).
 *
 * Rejected: fencing only the clients tern-control says it lost (it does
 * not know them: that is the problem), and having the dataplane watch the
 * pids itself (it would have to tell tern-control, which only ever asks;
 * tern-control's reactor watches a pidfd as cheaply as a socket).
 */
#include <stdio.h>

#include "dp.h"

uint32_t dp_fence_all(struct dp *dp)
{
	struct tern__shm *shm = dp->shm;
	uint32_t n = 0;

	__atomic_store_n(&shm->epoch, shm->epoch + 1, __ATOMIC_RELEASE);
	/* Slots past tern-control's range are the dataplane's own (storage). */
	for (uint32_t id = 0; id < dp->cfg->max_clients; id++) {
		struct dp_client *c = &dp->clients[id];

		if (!c->live || c->fenced)
			continue;
		c->fenced = true;
		n++;
		for (uint32_t s = 0; s < dp->cfg->max_subs; s++) {
			struct tern__sub *sub = tern__shm_sub(shm, s);
			if (sub->state == TERN__LIVE && sub->client_id == id)
				dp_sub_unhook(dp, s);
		}
		/* Release: the fan-out lists no longer list its links. */
		__atomic_store_n(&tern__shm_client(shm, id)->fenced, shm->epoch, __ATOMIC_RELEASE);
	}
	if (n)
		DP_LOG(NOTICE, "tern-control incarnation %u: %u client(s) of an "
			"earlier one fenced, reserved until they exit", shm->epoch, n);
	return n;
}

bool dp_client_fenced(const struct dp *dp, uint32_t id)
{
	return id < dp->shm->max_clients && dp->clients[id].live && dp->clients[id].fenced;
}
