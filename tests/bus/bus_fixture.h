/* SPDX-License-Identifier: Apache-2.0 */
/*
 * In-process fixture for data-path tests: one EAL primary (in-memory, or
 * --no-huge where hugepages are missing: no secondary is involved), the
 * dataplane core driven directly, and client handles built by hand as
 * tern_connect() would after attaching.
 */
#ifndef TERN_BUS_FIXTURE_H
#define TERN_BUS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "dp.h"

static struct tern_config fx_cfg;
static struct dp fx_dp = { .listen_fd = -1, .conn_fd = -1, .epfd = -1 };
static char fx_err[256];
/* Node config text for fx_eal_init() (storage rules, say); NULL: the default. */
static const char *fx_ini;

/* The runtime directory EAL leaves even in memory (/var/run/dpdk/<prefix>,
 * empty by then): removed at exit by the process that made it, whether or
 * not the test got to fx_eal_fini(). */
static pid_t fx_pid;

static inline void fx_rundir_remove(void)
{
	char dir[96];

	if (getpid() != fx_pid)
		return;         /* a forked client's exit is not ours */
	snprintf(dir, sizeof(dir), "/var/run/dpdk/tern_ut%d", (int)fx_pid);
	rmdir(dir);
}

static inline int fx_eal_init(void)
{
	char prefix[64], *argv[8];
	int argc = 0;

	fx_pid = getpid();
	atexit(fx_rundir_remove);

	snprintf(prefix, sizeof(prefix), "--file-prefix=tern_ut%d", (int)getpid());
	argv[argc++] = "test";
	argv[argc++] = "--no-pci";
	argv[argc++] = prefix;
	argv[argc++] = "--log-level=error";
	argv[argc++] = "--no-telemetry";
	argv[argc++] = getenv("TERN_NO_HUGEPAGES") ? "--no-huge" : "--in-memory";
	argv[argc++] = "-m";
	argv[argc++] = "256";
	if (rte_eal_init(argc, argv) < 0)
		return -1;
	if ((fx_ini ? tern__config_parse(&fx_cfg, fx_ini, strlen(fx_ini), "fx_ini", fx_err,
					 sizeof(fx_err))
		    : tern_config_load(&fx_cfg, NULL, fx_err, sizeof(fx_err))) < 0)
		return -1;
	fx_cfg.mbufs = 8191;
	fx_cfg.max_topics = 64;
	fx_cfg.max_subs = 64;
	fx_cfg.max_clients = 32;
	fx_dp.cfg = &fx_cfg;
	return dp_state_create(&fx_dp);
}

/* Undo fx_eal_init(): EAL, and its runtime directory. */
static inline void fx_eal_fini(void)
{
	rte_eal_cleanup();
	fx_rundir_remove();
}

static inline struct tern_client *fx_client(uint32_t id)
{
	struct tern_client *c = calloc(1, sizeof(*c));

	if (dp_client_attach(&fx_dp, id, rte_lcore_id(), (uint32_t)getpid(), "fx", fx_err,
			     sizeof(fx_err)) < 0)
		return NULL;
	c->fd = -1;
	c->client_id = id;
	c->shm = fx_dp.shm;
	if (tern__client_bind(c, rte_socket_id()) < 0)
		return NULL;
	return c;
}

static inline struct tern_pub *fx_pub(struct tern_client *c, uint32_t topic, bool excl)
{
	struct tern_pub *p;

	if (dp_pub_open(&fx_dp, topic, c->client_id, excl, fx_err, sizeof(fx_err)) < 0)
		return NULL;
	p = calloc(1, sizeof(*p));
	p->c = c;
	p->t = tern__shm_topic(c->shm, topic);
	p->topic_id = topic;
	p->owner = c->client_id + 1;
	p->exclusive = excl;
	return p;
}

static inline struct tern_sub *fx_sub(struct tern_client *c, uint32_t id, const char *pattern,
				      uint32_t policy, uint32_t depth)
{
	struct tern_sub *h;

	if (dp_sub_create(&fx_dp, id, c->client_id, pattern, policy, depth, -1, fx_err,
			  sizeof(fx_err)) < 0)
		return NULL;
	h = calloc(1, sizeof(*h));
	h->c = c;
	h->sub_id = id;
	h->s = tern__shm_sub(c->shm, id);
	h->fd = -1;
	h->slot_of_topic = calloc(c->shm->max_topics, 1);
	tern__sub_refresh(h);
	return h;
}

static inline void fx_sub_free(struct tern_sub *h)
{
	free(h->slot_of_topic);
	free(h);
}

/* Publish a message whose payload is the 64-bit value v. */
static inline int64_t fx_publish(struct tern_pub *p, uint64_t v)
{
	struct tern_msg *m = tern_msg_alloc(p, sizeof(v));
	int64_t rv;

	if (m == NULL)
		return -ENOMEM;
	memcpy(tern_msg_data(m), &v, sizeof(v));
	rv = tern_publish(p, m);
	if (rv < 0)
		tern_msg_free(p, m);
	return rv;
}

static inline uint64_t fx_value(const struct tern_msg *m)
{
	uint64_t v;

	memcpy(&v, tern_msg_data(m), sizeof(v));
	return v;
}

#endif
