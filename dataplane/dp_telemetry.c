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

/* /tern/storage: the node's storage errors ("errors"), and for the stored
 * topics parallel arrays, one entry per topic in "topics": "errno" (0:
 * storing), "topic_errors", "lost", "header_damage", "durable_seq",
 * "seq_limit".  Arrays because DPDK 22.11 refuses dict keys with a '.'
 * and nests nothing but arrays. */
static int tel_storage(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const keys[] = { "errno", "topic_errors", "lost", "header_damage",
					    "durable_seq", "seq_limit" };
	struct rte_tel_data *names = rte_tel_data_alloc(), *col[RTE_DIM(keys)];
	unsigned n = 0;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "errors", g->storage_errors);
	if (names == NULL)
		return 0;
	rte_tel_data_start_array(names, RTE_TEL_STRING_VAL);
	for (unsigned k = 0; k < RTE_DIM(keys); k++)
		if ((col[k] = rte_tel_data_alloc()) != NULL)
			rte_tel_data_start_array(col[k], RTE_TEL_U64_VAL);
	for (uint32_t i = 0; i < g->shm->max_topics && n < RTE_TEL_MAX_ARRAY_ENTRIES; i++) {
		struct tern__topic *t = tern__shm_topic(g->shm, i);
		uint64_t v[RTE_DIM(keys)] = {
			(uint64_t)__atomic_load_n(&t->storage_errno, __ATOMIC_RELAXED),
			t->storage_errors, t->storage_lost, t->storage_header_damage,
			t->durable_seq, t->seq_limit,
		};
		if (t->state != TERN__LIVE || !dp_storage_stores(g, t->name))
			continue;
		rte_tel_data_add_array_string(names, t->name);
		for (unsigned k = 0; k < RTE_DIM(keys); k++)
			if (col[k])
				rte_tel_data_add_array_u64(col[k], v[k]);
		n++;
	}
	if (rte_tel_data_add_dict_container(d, "topics", names, 0) < 0)
		rte_tel_data_free(names);
	for (unsigned k = 0; k < RTE_DIM(keys); k++)
		if (col[k] && rte_tel_data_add_dict_container(d, keys[k], col[k], 0) < 0)
			rte_tel_data_free(col[k]);
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
	rte_telemetry_register_cmd("/tern/storage", tel_storage,
				   "Storage errors, and per stored topic its state and losses");
	return 0;
}
