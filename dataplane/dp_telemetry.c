/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DPDK telemetry commands under /tern/, beside DPDK's own (read with
 * `dpdk-telemetry.py -f <file_prefix>`).  DPDK 22.11 has no telemetry for
 * rings or lcores, so the bus reports its own.  Callbacks run on the
 * telemetry thread and only read shared state.
 *
 * Layout: every table is a dict of columns with fixed names, each column
 * an array with one entry per row, rows in id order:
 *
 *   /tern/topics  {"id": [0, 1], "name": ["md.eq.AAPL", "md.eq.MSFT"], "seq": [...], ...}
 *
 * Why columns: DPDK 22.11 accepts dict keys of letters, digits, '_' and
 * '/' only (a topic name with a dot was refused, and the refusal ignored,
 * so /tern/topics listed nothing with a dot and /tern/subs, keyed by
 * "id:pattern", nothing at all), and it nests nothing but arrays of
 * numbers or strings in a dict (no array of dicts).  Every rte_tel_data_*
 * return value is checked: a failure fails the command (-ENOSPC when a
 * table outgrows RTE_TEL_MAX_ARRAY_ENTRIES rows), rather than answering
 * with part of it.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_telemetry.h>

#include "dp.h"
#include "dp_net.h"

static struct dp *g;

enum col_type { U64, STR };
struct col_def {
	const char *name;
	enum col_type type;
};
#define TEL_COLS_MAX 10

struct table {
	const struct col_def *defs;
	unsigned n;
	struct rte_tel_data *col[TEL_COLS_MAX];
	unsigned rows;
	int err;            /* the first failure */
};

static void table_open(struct table *t, const struct col_def *defs, unsigned n)
{
	*t = (struct table){ .defs = defs, .n = n };
	for (unsigned k = 0; k < n; k++) {
		t->col[k] = rte_tel_data_alloc();
		if (t->col[k] == NULL) {
			t->err = -ENOMEM;
			continue;
		}
		if (rte_tel_data_start_array(t->col[k], defs[k].type == U64 ? RTE_TEL_U64_VAL
						: RTE_TEL_STRING_VAL) < 0)
			t->err = -EINVAL;
	}
}

/* A row: one value per column, in column order (uint64_t or const char *). */
static void table_row(struct table *t, ...)
{
	va_list ap;

	if (t->err)
		return;
	if (t->rows >= RTE_TEL_MAX_ARRAY_ENTRIES) {
		t->err = -ENOSPC;
		return;
	}
	va_start(ap, t);
	for (unsigned k = 0; k < t->n && !t->err; k++) {
		int rv = t->defs[k].type == U64
			? rte_tel_data_add_array_u64(t->col[k], va_arg(ap, uint64_t))
			: rte_tel_data_add_array_string(t->col[k], va_arg(ap, const char *));
		if (rv < 0)
			t->err = rv;
	}
	va_end(ap);
	t->rows++;
}

/* Into d (a dict started by the caller); frees what it does not hand over. */
static int table_close(struct table *t, struct rte_tel_data *d)
{
	for (unsigned k = 0; k < t->n; k++) {
		if (t->col[k] == NULL)
			continue;
		if (t->err == 0) {
			int rv = rte_tel_data_add_dict_container(d, t->defs[k].name, t->col[k], 0);
			if (rv == 0)
				continue;
			t->err = rv;
		}
		rte_tel_data_free(t->col[k]);
	}
	return t->err;
}

static const struct col_def topic_cols[] = {
	{ "id", U64 }, { "name", STR }, { "seq", U64 }, { "publishers", U64 },
	{ "seq_limit", U64 },
};

static void fill_topics(struct table *t, struct rte_tel_data *d)
{
	(void)d;
	for (uint32_t i = 0; i < g->shm->max_topics; i++) {
		struct tern__topic *p = tern__shm_topic(g->shm, i);
		if (p->state == TERN__LIVE)
			table_row(t, (uint64_t)i, p->name, p->seq, (uint64_t)p->n_publishers,
				  p->seq_limit);
	}
}

static const struct col_def sub_cols[] = {
	{ "id", U64 }, { "client", U64 }, { "pattern", STR }, { "policy", STR },
	{ "depth", U64 }, { "topics", U64 }, { "delivered", U64 }, { "dropped", U64 },
	{ "queued", U64 },
};

/* All slots, the storage role's own (client past max_clients) too. */
static void fill_subs(struct table *t, struct rte_tel_data *d)
{
	(void)d;
	for (uint32_t i = 0; i < g->shm->max_subs; i++) {
		struct tern__sub *s = tern__shm_sub(g->shm, i);
		uint64_t dropped = 0, queued = 0;

		if (s->state != TERN__LIVE)
			continue;
		for (uint32_t k = 0; k < s->n_links && k < TERN_SUB_LINKS_MAX; k++) {
			struct tern__link *l = tern__shm_link(g->shm, s->links[k]);
			dropped += l->dropped;
			queued += tern__link_queued(l);
		}
		table_row(t, (uint64_t)i, (uint64_t)s->client_id, s->pattern,
			  s->policy == TERN_POLICY_BACKPRESSURE ? "backpressure" : "drop",
			  (uint64_t)s->depth, (uint64_t)s->n_links, s->delivered, dropped, queued);
	}
}

static const struct col_def client_cols[] = {
	{ "id", U64 }, { "pid", U64 }, { "name", STR }, { "lcore", U64 },
	{ "fenced", U64 }, { "published", U64 }, { "polled", U64 },
};

static void fill_clients(struct table *t, struct rte_tel_data *d)
{
	(void)d;
	for (uint32_t i = 0; i < g->cfg->max_clients; i++) {
		struct tern__client *c = tern__shm_client(g->shm, i);
		if (g->clients[i].live)
			table_row(t, (uint64_t)i, (uint64_t)c->pid, c->name, (uint64_t)c->lcore_id,
				  (uint64_t)g->clients[i].fenced, c->published, c->polled);
	}
}

static const struct col_def link_cols[] = {
	{ "id", U64 }, { "topic", U64 }, { "sub", U64 }, { "state", STR },
	{ "capacity", U64 }, { "queued", U64 }, { "delivered", U64 }, { "dropped", U64 },
};

/* A link is one (topic, subscription) pair and its ring. */
static void fill_links(struct table *t, struct rte_tel_data *d)
{
	static const char *const states[] = { "free", "live", "retiring", "orphan" };

	(void)d;
	for (uint32_t i = 0; i < g->shm->max_links; i++) {
		struct tern__link *l = tern__shm_link(g->shm, i);
		if (l->state == TERN__FREE || l->ring == NULL)
			continue;
		table_row(t, (uint64_t)i, (uint64_t)l->topic_id, (uint64_t)l->sub_id,
			  l->state < RTE_DIM(states) ? states[l->state] : "?",
			  (uint64_t)l->depth, tern__link_queued(l),
			  l->delivered, l->dropped);
	}
}

static const struct col_def storage_cols[] = {
	{ "name", STR }, { "errno", U64 }, { "topic_errors", U64 }, { "lost", U64 },
	{ "header_damage", U64 }, { "durable_seq", U64 }, { "seq_limit", U64 },
};

/* The node's storage errors ("errors"), and per stored topic its state
 * (errno 0: storing) and losses. */
static void fill_storage(struct table *t, struct rte_tel_data *d)
{
	if (rte_tel_data_add_dict_u64(d, "errors", g->storage_errors) < 0)
		t->err = -EINVAL;
	for (uint32_t i = 0; i < g->shm->max_topics; i++) {
		struct tern__topic *p = tern__shm_topic(g->shm, i);
		if (p->state != TERN__LIVE || !dp_storage_stores(g, p->name))
			continue;
		table_row(t, p->name,
			  (uint64_t)__atomic_load_n(&p->storage_errno, __ATOMIC_RELAXED),
			  p->storage_errors, p->storage_lost, (uint64_t)p->storage_header_damage,
			  p->durable_seq, p->seq_limit);
	}
}

static const struct tel_table {
	const char *cmd;
	const char *help;
	const struct col_def *cols;
	unsigned n_cols;
	void (*fill)(struct table *t, struct rte_tel_data *d);
} tables[] = {
#define T(cmd, help, cols, fill) { cmd, help, cols, RTE_DIM(cols), fill }
	T("/tern/topics", "Topics: id, name, seq (last assigned), publishers, seq_limit",
	  topic_cols, fill_topics),
	T("/tern/subs", "Subscriptions: id, client, pattern, policy, depth, topics, "
	  "delivered, dropped, queued", sub_cols, fill_subs),
	T("/tern/clients", "Clients: id, pid, name, lcore, fenced, published, polled",
	  client_cols, fill_clients),
	T("/tern/links", "Links (topic, subscription) and their rings: id, topic, sub, "
	  "state, capacity, queued, delivered, dropped", link_cols, fill_links),
	T("/tern/storage", "Storage errors, and per stored topic its state and losses",
	  storage_cols, fill_storage),
#undef T
};

/* Every table command: the one it is registered as, found by name. */
static int tel_table(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct table t;

	(void)params;
	for (unsigned i = 0; i < RTE_DIM(tables); i++) {
		if (strcmp(cmd, tables[i].cmd) != 0)
			continue;
		if (rte_tel_data_start_dict(d) < 0)
			return -EINVAL;
		table_open(&t, tables[i].cols, tables[i].n_cols);
		tables[i].fill(&t, d);
		return table_close(&t, d);
	}
	return -ENOENT;
}

static int tel_pool(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	if (rte_tel_data_start_dict(d) < 0 ||
	    rte_tel_data_add_dict_u64(d, "size", dp_pool_size(g)) < 0 ||
	    rte_tel_data_add_dict_u64(d, "free", dp_pool_free(g)) < 0)
		return -EINVAL;
	return 0;
}

int dp_telemetry_init(struct dp *dp)
{
	int rv;

	g = dp;
	for (unsigned i = 0; i <= RTE_DIM(tables); i++) {
		const char *cmd = i < RTE_DIM(tables) ? tables[i].cmd : "/tern/pool";

		rv = i < RTE_DIM(tables)
			? rte_telemetry_register_cmd(cmd, tel_table, tables[i].help)
			: rte_telemetry_register_cmd(cmd, tel_pool, "Message buffers: size and free");
		if (rv < 0) {
			DP_LOG(ERR, "telemetry: cannot register %s: %s", cmd, strerror(-rv));
			return rv;
		}
	}
	if ((rv = dp_net_telemetry_init()) < 0)
		DP_LOG(ERR, "telemetry: cannot register /tern/ports: %s", strerror(-rv));
	return rv;
}
