/* SPDX-License-Identifier: Apache-2.0 */
/* Creating the shared state: the state memzone, one mbuf pool per NUMA
 * socket, and the TSC-to-UTC clock every process reads without a syscall. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memzone.h>

#include "dp.h"
#include "dp_net_pvt.h"


static void clock_init(struct tern__clock *c)
{
	struct timespec ts;

	c->tsc_hz = rte_get_tsc_hz();
	clock_gettime(CLOCK_REALTIME, &ts);
	c->base_tsc = rte_rdtsc();
	c->base_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	c->mult = (uint64_t)(((unsigned __int128)1000000000 << 32) / c->tsc_hz);
}

static int pools_create(struct dp *dp)
{
	struct tern__shm *shm = dp->shm;
	const struct tern_config *cfg = dp->cfg;
	unsigned main_socket = rte_socket_id();

	/* One pool on every socket that has an lcore of ours, so a client's
	 * buffers can be local to it; the main lcore's is the default. */
	for (unsigned i = 0; i < rte_socket_count(); i++) {
		int sock = rte_socket_id_by_idx(i);
		char name[RTE_MEMPOOL_NAMESIZE];
		bool used = (unsigned)sock == main_socket;
		unsigned lc;

		RTE_LCORE_FOREACH(lc)
			used |= rte_lcore_to_socket_id(lc) == (unsigned)sock;
		if (!used || sock < 0 || sock >= RTE_MAX_NUMA_NODES)
			continue;
		snprintf(name, sizeof(name), "tern_pool_s%d", sock);
		if (shm->n_pools >= TERN_POOLS_MAX) {
			DP_LOG(ERR, "lcores on more than %d NUMA sockets",
				TERN_POOLS_MAX);
			return -E2BIG;
		}
		/* tern's own handler: no kill -9 can wedge it (tern_pool.h). */
		shm->pools[sock] = rte_pktmbuf_pool_create_by_ops(name, cfg->mbufs,
				cfg->mempool_cache, TERN__PRIV_SIZE,
				RTE_PKTMBUF_HEADROOM + cfg->msg_size, sock, TERN_POOL_OPS);
		if (shm->pools[sock] == NULL) {
			DP_LOG(ERR, "cannot create pool %s (%u mbufs of %u B): %s",
				name, cfg->mbufs, cfg->msg_size, rte_strerror(rte_errno));
			return -rte_errno;
		}
		int rv = tern__stack_ready(shm->pools[sock], shm->n_pools);
		if (rv < 0) {
			DP_LOG(ERR, "pool %s: cannot index its objects: %s",
				name, strerror(-rv));
			return rv;
		}
		shm->n_pools++;
	}
	shm->pool = shm->pools[main_socket < RTE_MAX_NUMA_NODES ? main_socket : 0];
	return shm->pool ? 0 : -ENOMEM;
}

int dp_state_create(struct dp *dp)
{
	const struct tern_config *cfg = dp->cfg;
	struct tern__shm tmp = {
		.max_topics = cfg->max_topics,
		/* Slots past tern-control's range are the storage role's and
		 * the node links' own (dp_net.c: a client per port, and
		 * DP_NET_STREAMS_MAX out-stream subscriptions per port). */
		.max_subs = cfg->max_subs + cfg->n_rules + cfg->n_ports * DP_NET_STREAMS_MAX,
		.max_clients = cfg->max_clients + 1 + cfg->n_ports,
		.max_links = cfg->max_links,
	};
	size_t size = tern__shm_layout(&tmp);
	const struct rte_memzone *mz;
	struct tern__shm *shm;

	mz = rte_memzone_reserve_aligned(TERN_SHM_NAME, size, (int)rte_socket_id(), 0,
					 RTE_CACHE_LINE_SIZE);
	if (mz == NULL) {
		DP_LOG(ERR, "cannot reserve %zu B of state: %s", size,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	shm = mz->addr;
	memset(shm, 0, size);
	*shm = tmp;
	shm->version = TERN_SHM_VERSION;
	shm->msg_size = cfg->msg_size;
	shm->cache_size = RTE_MIN(cfg->mempool_cache, (uint32_t)TERN_CACHE_MAX / 2);
	/* A client's cache holds up to 1.5x its size: with many clients they
	 * could hold the whole pool between them (512 subscribers' caches of
	 * 256 held all 8191 buffers, and every publisher starved).  So each
	 * gets at most mbufs / (2 * max_clients): together at most 3/4. */
	uint32_t fair = RTE_MAX(1u, cfg->mbufs / (2 * cfg->max_clients));
	if (fair < shm->cache_size) {
		DP_LOG(NOTICE, "client buffer caches of %u, not mempool_cache = %u: %u clients' "
		       "caches may hold at most 3/4 of the %u buffers", fair, shm->cache_size,
		       cfg->max_clients, cfg->mbufs);
		shm->cache_size = fair;
	}
	if (shm->max_clients > TERN_POOL_WHO_MAX) {
		DP_LOG(ERR, "[clients] max_clients above %u",
			TERN_POOL_WHO_MAX - 1);
		return -E2BIG;
	}
	shm->dp_pid = (uint32_t)getpid();
	clock_init(&shm->clock);
	for (uint32_t i = 0; i < shm->max_subs; i++)
		tern__shm_sub(shm, i)->pend_link = TERN_NONE;
	dp->shm = shm;

	dp->topic_inc = calloc(shm->max_topics, sizeof(*dp->topic_inc));
	dp->link_topic_inc = calloc(shm->max_links, sizeof(*dp->link_topic_inc));
	dp->sub_fd = malloc(shm->max_subs * sizeof(*dp->sub_fd));
	dp->clients = calloc(shm->max_clients, sizeof(*dp->clients));
	if (!dp->topic_inc || !dp->link_topic_inc || !dp->sub_fd || !dp->clients)
		return -ENOMEM;
	for (uint32_t i = 0; i < shm->max_subs; i++)
		dp->sub_fd[i] = -1;
	if (dp_index_init(dp) < 0)
		return -ENOMEM;

	int rv = pools_create(dp);
	if (rv < 0)
		return rv;
	/* Last: clients check the magic before trusting anything else. */
	__atomic_store_n(&shm->magic, TERN_SHM_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

void dp_state_destroy(struct dp *dp)
{
	dp_index_fini(dp);
	free(dp->topic_inc);
	free(dp->link_topic_inc);
	free(dp->sub_fd);
	free(dp->clients);
}

uint64_t dp_pool_free(const struct dp *dp)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < RTE_MAX_NUMA_NODES; i++)
		if (dp->shm->pools[i])
			n += rte_mempool_avail_count(dp->shm->pools[i]);
	return n + tern__cached_free(dp->shm);
}

uint64_t dp_pool_bytes(const struct dp *dp)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < RTE_MAX_NUMA_NODES; i++) {
		const struct rte_mempool *mp = dp->shm->pools[i];
		if (mp)
			n += (uint64_t)mp->size * (mp->header_size + mp->elt_size + mp->trailer_size);
	}
	return n;
}

uint64_t dp_pool_size(const struct dp *dp)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < RTE_MAX_NUMA_NODES; i++)
		if (dp->shm->pools[i])
			n += dp->shm->pools[i]->size;
	return n;
}

int dp_mkdir_p(const char *path, mode_t mode)
{
	char buf[TERN_CFG_PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -errno : 0;
}
