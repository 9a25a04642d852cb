/* SPDX-License-Identifier: Apache-2.0 */
/* DPDK telemetry commands under /tern/, beside DPDK's own (read with
 * `dpdk-telemetry.py -f <file_prefix>`).  DPDK 22.11 has no telemetry for
 * rings or lcores, so the bus reports its own.  Callbacks run on the
 * telemetry thread and only read shared state. */
#include <rte_telemetry.h>

#include "dp.h"

static struct dp *g;

static int tel_topics(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (uint32_t i = 0; i < g->shm->max_topics; i++) {
		struct tern__topic *t = tern__shm_topic(g->shm, i);
		if (t->state == TERN__LIVE)
			rte_tel_data_add_dict_u64(d, t->name, t->seq);
	}
	return 0;
}

static int tel_subs(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (uint32_t i = 0; i < g->shm->max_subs; i++) {
		struct tern__sub *s = tern__shm_sub(g->shm, i);
		char key[TERN_NAME_MAX + 16];
		if (s->state != TERN__LIVE)
			continue;
		snprintf(key, sizeof(key), "%u:%s", i, s->pattern);
		rte_tel_data_add_dict_u64(d, key, s->delivered);
	}
	return 0;
}

static int tel_pool(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "size", dp_pool_size(g));
	rte_tel_data_add_dict_u64(d, "free", dp_pool_free(g));
	return 0;
}

int dp_telemetry_init(struct dp *dp)
{
	g = dp;
	rte_telemetry_register_cmd("/tern/topics", tel_topics,
				   "Topics and their last sequence number");
	rte_telemetry_register_cmd("/tern/subs", tel_subs,
				   "Subscriptions (id:pattern) and messages delivered");
	rte_telemetry_register_cmd("/tern/pool", tel_pool, "Message buffers: size and free");
	return 0;
}
