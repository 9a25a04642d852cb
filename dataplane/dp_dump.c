/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SIGUSR1: the dataplane's counters as log lines, read from shared memory
 * as telemetry reads them, for an operator with neither ternctl nor
 * dpdk-telemetry.py at hand (or a tern-control that is gone).  Names from
 * outside (client names, patterns) are escaped.
 */
#include <rte_ring.h>

#include "common/tern_esc.h"
#include "dp.h"

void dp_stats_dump(struct dp *dp)
{
	struct tern__shm *shm = dp->shm;
	char esc[TERN_ESC_MAX];
	uint32_t nt = 0, ns = 0, nc = 0;

	for (uint32_t i = 0; i < shm->max_topics; i++)
		nt += tern__shm_topic(shm, i)->state == TERN__LIVE;
	for (uint32_t i = 0; i < shm->max_subs; i++)
		ns += tern__shm_sub(shm, i)->state == TERN__LIVE;
	for (uint32_t i = 0; i < dp->cfg->max_clients; i++)
		nc += dp->clients[i].live;
	DP_LOG(INFO, "stats (SIGUSR1): pool %llu free of %llu, %u topic(s), %u subscription(s), "
	       "%u client(s), tern-control epoch %u, %llu storage error(s)%s",
	       (unsigned long long)dp_pool_free(dp), (unsigned long long)dp_pool_size(dp), nt, ns,
	       nc, shm->epoch, (unsigned long long)dp->storage_errors,
	       dp->draining ? ", draining" : "");
	for (uint32_t i = 0; i < shm->max_topics; i++) {
		struct tern__topic *t = tern__shm_topic(shm, i);
		if (t->state == TERN__LIVE)
			DP_LOG(INFO, "  topic %u '%s': seq %llu, %u publisher(s), %llu stored "
			       "error(s), %llu lost", i, t->name, (unsigned long long)t->seq,
			       t->n_publishers, (unsigned long long)t->storage_errors,
			       (unsigned long long)t->storage_lost);
	}
	for (uint32_t i = 0; i < shm->max_subs; i++) {
		struct tern__sub *s = tern__shm_sub(shm, i);
		uint64_t dropped = 0, queued = 0;
		if (s->state != TERN__LIVE)
			continue;
		for (uint32_t k = 0; k < s->n_links && k < TERN_SUB_LINKS_MAX; k++) {
			struct tern__link *l = tern__shm_link(shm, s->links[k]);
			dropped += l->dropped;
			queued += tern__link_queued(l);
		}
		DP_LOG(INFO, "  sub %u client %u '%s' %s: delivered %llu, dropped %llu, queued %llu, "
		       "%u topic(s)", i, s->client_id, tern__esc(esc, sizeof(esc), s->pattern,
		       strnlen(s->pattern, sizeof(s->pattern))),
		       s->policy == TERN_POLICY_BACKPRESSURE ? "backpressure" : "drop",
		       (unsigned long long)s->delivered, (unsigned long long)dropped,
		       (unsigned long long)queued, s->n_links);
	}
	for (uint32_t i = 0; i < dp->cfg->max_clients; i++) {
		struct tern__client *c = tern__shm_client(shm, i);
		if (!dp->clients[i].live)
			continue;
		DP_LOG(INFO, "  client %u '%s' pid %u lcore %u%s: published %llu, polled %llu", i,
		       tern__esc(esc, sizeof(esc), c->name, strnlen(c->name, sizeof(c->name))),
		       c->pid, c->lcore_id, dp->clients[i].fenced ? " (fenced)" : "",
		       (unsigned long long)c->published, (unsigned long long)c->polled);
	}
}
