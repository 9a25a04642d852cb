/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-dataplane internals.  The dataplane owns the hugepage state; it is
 * not on the local message path (publishers write straight into
 * subscribers' rings), so its main lcore runs the slow duties: applying
 * tern-control's changes, reclaiming dead clients, retiring links, waking
 * sleeping subscribers and serving telemetry.
 */
#ifndef TERN_DP_H
#define TERN_DP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_log.h>

#include "common/tern_config.h"
#include "common/tern_names.h"
#include "common/tern_ratelimit.h"
#include "bus/bus_pvt.h"

#define DP_MAX_PUBS_PER_CLIENT 64

struct dp_client {
	bool live;
	bool fenced;                /* of an earlier tern-control (dp_fence.c) */
	uint32_t lcore_id;
	uint32_t n_pubs;
	uint32_t pubs[DP_MAX_PUBS_PER_CLIENT];  /* topic ids it publishes on */
};

struct tern_log;
struct tern_log_writer;

/* Acknowledged durability, per topic: the last record appended and a
 * checkpoint; topic->durable_seq advances when the writer's durable lsn
 * passes them. */
struct dp_durable {
	struct tern_log_writer *w;
	uint32_t topic_inc;
	uint64_t last_lsn, last_seq;
	uint64_t ck_lsn, ck_seq;
	/* Failures (dp_storage.c): the writer's state as this topic sees it. */
	uint64_t kept_seq;          /* last seq known handed to the kernel */
	int err;                    /* failing: positive errno; 0: storing */
	bool sticky;                /* the writer refuses for good (restart) */
	bool touched;               /* appended in the current poll */
	uint32_t backoff_ms;
	uint64_t retry_tsc;         /* no append before this while failing */
	uint64_t fail_tsc;          /* when the current failure began */
	uint64_t lost_now;          /* lost in the current failure */
	uint64_t hdr_damage_seen;   /* the writer's header_damage count logged */
};

/* dp_index.c: what lets a change touch only what it changes. */
struct dp_index {
	struct tern__names topics;  /* live topic name -> id */
	struct tern__names exact;   /* exact-name pattern -> first subscription on it */
	uint32_t *sub_next;         /* next subscription on the same exact name */
	uint32_t *live_topics, *topic_pos, n_live_topics;
	uint32_t *wild_subs, *sub_pos, n_wild_subs;
	uint32_t *fd_subs, *fd_pos;  /* subscriptions with a wake-up fd (n_armed_hint) */
	uint32_t *free_links, n_free_links;     /* a stack */
	uint32_t *retiring;         /* links waiting to retire (dp->n_retiring of them) */
	/* Scratch of a change being prepared: what it will attach, and the
	 * rings made for it before anything is committed. */
	uint32_t *plan, plan_n;
	struct tern__bring **plan_rings;
};

struct dp {
	const struct tern_config *cfg;
	struct tern__shm *shm;
	uint32_t *topic_inc;        /* incarnation of each topic slot */
	uint32_t *link_topic_inc;   /* incarnation of the topic a link belongs to */
	int *sub_fd;                /* eventfd per subscription, -1: none */
	struct dp_client *clients;
	uint32_t n_retiring;        /* links waiting for their topic to move on */
	struct dp_index ix;
	uint32_t n_armed_hint;      /* subscriptions with a wake-up fd */
	volatile bool stop;
	/* SIGTERM/SIGINT: graceful drain (dp_drain.c) */
	int signal_fd;
	bool draining;
	int stop_signal;            /* what started the drain */
	uint64_t drain_start_tsc, drain_end_tsc;
	/* storage role (dp_storage.c) */
	struct tern_log *log;
	struct tern_client storage_client;
	unsigned n_storage;
	bool storage_on_main;       /* else it runs dp_storage_loop() on its lcore */
	struct dp_durable *durable; /* per topic id: what the log has made durable */
	uint64_t storage_errors;
	uint8_t *storage_slots[TERN_CFG_RULES_MAX]; /* holder bit by topic id */
	/* control socket */
	int listen_fd;
	int conn_fd;
	int epfd;
};

/* dp_log.c: every line through rte_log under tern's own types. */
extern int dp_logtype, dp_logtype_storage;
int dp_log_open(void);              /* before anything logs */
void dp_log_levels(void);           /* after rte_eal_init() */
int dp_log_level_parse(const char *name);   /* RTE_LOG_* of "error" or "4", or -1 */
#define DP_LOG(lvl, fmt, ...) rte_log(RTE_LOG_##lvl, dp_logtype, fmt "\n", ##__VA_ARGS__)
#define DP_SLOG(lvl, fmt, ...) \
	rte_log(RTE_LOG_##lvl, dp_logtype_storage, fmt "\n", ##__VA_ARGS__)
/* A line from a site that can fire at will (a client flood, a failing
 * disk): a token bucket per call site (tern_ratelimit.h). */
#define DP_LOG_RL_TYPE(type, lvl, fmt, ...)                                              \
	do {                                                                              \
		static struct tern__rl rl_ = TERN__RL_INIT(TERN__RL_BURST, TERN__RL_PER_SEC); \
		uint64_t sup_;                                                            \
		if (tern__rl_allow(&rl_, tern__rl_now(), &sup_)) {                        \
			if (sup_)                                                         \
				rte_log(RTE_LOG_##lvl, type, "suppressed %llu similar messages\n", \
					(unsigned long long)sup_);                        \
			rte_log(RTE_LOG_##lvl, type, fmt "\n", ##__VA_ARGS__);           \
		}                                                                         \
	} while (0)
#define DP_LOG_RL(lvl, ...) DP_LOG_RL_TYPE(dp_logtype, lvl, __VA_ARGS__)
#define DP_SLOG_RL(lvl, ...) DP_LOG_RL_TYPE(dp_logtype_storage, lvl, __VA_ARGS__)

/* dp_signal.c: signals arrive through a signalfd in the control epoll. */
int dp_signal_block(void);          /* before rte_eal_init(): every thread inherits it */
int dp_signal_open(struct dp *dp);
void dp_signal_read(struct dp *dp); /* the signalfd is readable */
/* dp_dump.c: SIGUSR1 */
void dp_stats_dump(struct dp *dp);

/* dp_drain.c: SIGTERM's graceful shutdown, in this order: refuse new
 * publishes, let subscribers drain (at most [node] drain_timeout_ms),
 * [the main loop stops, storage flushes,] tell the clients. */
void dp_drain_begin(struct dp *dp, int sig);
bool dp_drain_done(struct dp *dp);  /* called each loop turn while draining */
void dp_drain_tell_clients(struct dp *dp);

/* dp_state.c */
int dp_state_create(struct dp *dp);
/* mkdir -p; the last component gets mode.  0 or -errno. */
int dp_mkdir_p(const char *path, mode_t mode);
void dp_state_destroy(struct dp *dp);

/* dp_index.c */
int dp_index_init(struct dp *dp);
void dp_index_fini(struct dp *dp);
bool dp_pattern_is_exact(const char *pattern);
int64_t dp_index_topic_find(const struct dp *dp, const char *name);
void dp_index_topic_add(struct dp *dp, uint32_t id);
void dp_index_topic_del(struct dp *dp, uint32_t id);
void dp_index_sub_add(struct dp *dp, uint32_t id);
void dp_index_sub_del(struct dp *dp, uint32_t id);
/* Subscriptions with a wake-up fd, the ones dp_wake_subs() visits. */
void dp_index_fd_add(struct dp *dp, uint32_t id);
void dp_index_fd_del(struct dp *dp, uint32_t id);
/* Live, unfenced subscriptions matching topic name, into out (room for
 * every subscription); returns how many. */
uint32_t dp_index_subs_for(struct dp *dp, const char *name, uint32_t *out);
/* Live topics matching pattern, into out (room for every topic). */
uint32_t dp_index_topics_for(struct dp *dp, const char *pattern, uint32_t *out);

/* dp_topics.c: each returns 0 or a negative errno, with errmsg filled.
 * Each change is all or nothing: every limit is checked and every ring
 * made before anything shared changes, so a refused change leaves the
 * node exactly as it was. */
int dp_topic_create(struct dp *dp, uint32_t id, const char *name, char *err, size_t errlen);
int dp_topic_delete(struct dp *dp, uint32_t id, char *err, size_t errlen);
int dp_pub_open(struct dp *dp, uint32_t topic, uint32_t client, bool exclusive,
		char *err, size_t errlen);
int dp_pub_close(struct dp *dp, uint32_t topic, uint32_t client, char *err, size_t errlen);
int dp_sub_create(struct dp *dp, uint32_t id, uint32_t client, const char *pattern,
		  uint32_t policy, uint32_t depth, int fd, char *err, size_t errlen);
int dp_sub_delete(struct dp *dp, uint32_t id, char *err, size_t errlen);
int dp_client_attach(struct dp *dp, uint32_t id, uint32_t lcore, uint32_t pid,
		     const char *name, char *err, size_t errlen);
int dp_client_gone(struct dp *dp, uint32_t id, char *err, size_t errlen);
/* Take every link of a subscription out of its topic's fan-out (they retire). */
void dp_sub_unhook(struct dp *dp, uint32_t sub_id);
/* Free retired links whose topic has moved past them; returns links freed. */
uint32_t dp_retire_links(struct dp *dp);
/* Wake armed subscribers with data waiting; returns wake-ups sent. */
uint32_t dp_wake_subs(struct dp *dp);
/* Hugepage bytes of one topic ring for depth (beside its slot). */
size_t dp_ring_bytes(uint32_t depth);
uint64_t dp_pool_free(const struct dp *dp);
uint64_t dp_pool_size(const struct dp *dp);
uint64_t dp_pool_bytes(const struct dp *dp);   /* hugepage bytes of the pools' objects */

/* dp_fence.c: a new tern-control incarnation fences the earlier one's
 * clients; returns how many. */
uint32_t dp_fence_all(struct dp *dp);
bool dp_client_fenced(const struct dp *dp, uint32_t id);

/* dp_storage.c: the storage role. */
int dp_storage_init(struct dp *dp);
uint32_t dp_storage_poll(struct dp *dp);
void dp_storage_tick(struct dp *dp);
int dp_storage_loop(void *arg);     /* rte_eal_remote_launch() entry */
void dp_storage_acks(struct dp *dp);
uint64_t dp_storage_last_seq(struct dp *dp, const char *topic);
bool dp_storage_stores(struct dp *dp, const char *topic);
/* Can the log store topic under its file names?  0, or -ENAMETOOLONG with
 * err filled (a topic no rule stores is fine). */
int dp_storage_name_check(struct dp *dp, const char *topic, char *err, size_t errlen);
void dp_storage_close(struct dp *dp);

/* dp_marks.c: sequence reservation for stored topics (main lcore only). */
#define DP_SEQ_RESERVE (1u << 16)   /* numbers reserved at a time: the most a crash skips */
struct tern_log_opts;
int dp_marks_init(struct dp *dp, const struct tern_log_opts *o);
/* Number topic id (being created) past its mark; unstored: no limit. */
int dp_mark_topic(struct dp *dp, uint32_t id, const char *name, char *err, size_t errlen);
void dp_mark_release(uint32_t id);
uint32_t dp_marks_tick(struct dp *dp);
bool dp_marks_any(void);
void dp_marks_close(struct dp *dp);

/* dp_ctl.c: tern-control's socket. */
int dp_ctl_open(struct dp *dp);
void dp_ctl_close(struct dp *dp);
/* Serve the socket; wait at most timeout_ns.  Returns events handled. */
int dp_ctl_poll(struct dp *dp, int64_t timeout_ns);

/* dp_telemetry.c */
int dp_telemetry_init(struct dp *dp);

#endif
