/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-control's state and the actions it performs.
 *
 * tern-control owns names and ids (topics, subscriptions, client slots);
 * tern-dataplane owns the shared memory and applies each change.  Every
 * action below is one function returning 0 or a negative errno plus a
 * one-line reason in err: the socket handler (ctl_conn.c) turns it into a
 * CtlReply status, ternctl turns that status into text and an exit code,
 * and the SIGUSR1 dump reuses the stats action (style guide §12).
 *
 * Files: ctl_conn.c (client connections, the protocol state machine),
 * ctl_clients.c (client slots, lcores, EAL arguments), ctl_topics.c
 * (topics and publishers), ctl_subs.c (subscriptions), ctl_stats.c
 * (stats merged from the dataplane's counters), ctl_dp.c (the dataplane
 * link), ctl_reconcile.c (adopting what the dataplane holds after a
 * restart), ctl_main.c (start-up, signals, shutdown).
 */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tern_config.h"
#include "common/tern_esc.h"
#include "common/tern_names.h"
#include "common/tern_ratelimit.h"
#include "ctl.tmsg.h"
#include "ctl_loop.h"
#include "ctl_sock.h"
#include "dp.tmsg.h"

#define CTL_PROTO_VERSION 1u        /* CtlHello.proto_version */
#define CTL_DP_PROTO_VERSION 1u     /* DpHello.proto_version */
#define CTL_NONE UINT32_MAX
#define CTL_NAME_MAX 256            /* names and patterns, NUL included (TERN_NAME_MAX) */
#define CTL_ERR_MAX 256
/* The dataplane answers in microseconds, but a create may fsync a sequence
 * mark, and a loaded 2-CPU box can hold it off the CPU for a second or two:
 * a timeout drops every application, so it is only for a wedged dataplane
 * (its death is seen at once, as EOF). */
#define CTL_DP_TIMEOUT_MS 10000
#define CTL_DP_RETRY_MS 100
#define CTL_DP_START_WAIT_MS 5000

/* One accepted connection: an application, ternctl, or not yet known. */
struct ctl_conn {
    struct ctl *ctl;
    struct ctl_conn *prev, *next;   /* every open connection, for shutdown */
    int fd;
    int hello_timer;                /* -1 once the hello arrived */
    bool hello_done;
    bool closing;                   /* close after the reply in flight */
    bool handled;                   /* a handler ran for the current message */
    uint8_t peer;                   /* CtlPeer */
    uint32_t client_id;             /* CTL_NONE for tools */
    int passed_fd;                  /* SCM_RIGHTS fd of the current message, or -1 */
};

struct ctl_client {
    bool used;
    bool fenced;                    /* of an earlier tern-control: no conn, pidfd watched */
    int pidfd;                      /* while fenced: readable when its process exits */
    struct ctl_conn *conn;
    uint32_t pid;
    uint32_t lcore_id;
    char name[CTL_NAME_MAX];
    char cpus[96];                  /* the CPUs its lcore may run on, "0-1" */
};

struct ctl_topic {
    bool used;
    char name[CTL_NAME_MAX];
    uint32_t n_pubs;                /* publishers open, all clients */
    uint32_t excl_client;           /* client holding it exclusively, or CTL_NONE */
};

struct ctl_sub {
    bool used;
    uint32_t client_id;
    uint8_t policy;                 /* CtlPolicy */
    uint32_t depth;
    char pattern[CTL_NAME_MAX];
};

struct ctl_dp {
    int fd;                         /* -1 when not connected */
    int retry_timer;                /* -1 unless reconnecting */
    uint8_t *tx, *rx;               /* CTL_MSG_MAX each */
};

struct ctl {
    struct tern_config cfg;
    struct ctl_loop *loop;
    int listen_fd;
    int signal_fd;
    int stop_signal;                /* SIGTERM/SIGINT that stopped the loop */
    struct ctl_dp dp;
    struct ctl_conn *conns;
    /* Limits as the dataplane reported them (they size its shared memory). */
    char file_prefix[CTL_NAME_MAX];
    uint32_t max_topics, max_subs, max_clients, first_client_lcore;
    /* Ceilings and hugepage costs as the dataplane reported them (DpHello). */
    struct DpHelloReply dp_info;
    /* Registry, sized from the config at start-up. */
    struct ctl_client *clients;
    struct ctl_topic *topics;
    struct ctl_sub *subs;
    struct tern__names topic_names; /* name -> topic id, O(1) */
    uint32_t topic_free_hint;       /* no free topic id below this */
    uint32_t sub_free_hint;         /* no free subscription id below this */
    uint32_t *pubs;                 /* [client * max_topics + topic]: open publishers */
    uint8_t *rx, *tx;               /* client messages, CTL_MSG_MAX each */
    /* Scratch for stats replies, sized to the limits. */
    struct CtlTopicInfo *topic_infos;
    struct CtlSubInfo *sub_infos;
    struct CtlClientInfo *client_infos;
    uint32_t *many_ids;             /* ids of a bulk request's reply */
};

/* ctl_main.c: logging to stderr, "tern-control: <level>: ..." */
enum ctl_level { CTL_SILENT = -1, CTL_ERROR, CTL_WARN, CTL_INFO, CTL_DEBUG };
extern enum ctl_level ctl_log_level;
void ctl_log(enum ctl_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ctl_log() from a site a peer can make fire at will (connections, bad
 * messages): a token bucket per call site, and "suppressed K similar
 * messages" once lines were dropped.  Strings from outside go through
 * tern__esc() at every log site either way. */
void ctl_log_rl(struct tern__rl *rl, enum ctl_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define CTL_LOG_RL(level, ...)                                                           \
    do {                                                                                 \
        static struct tern__rl rl_ = TERN__RL_INIT(TERN__RL_BURST, TERN__RL_PER_SEC);   \
        ctl_log_rl(&rl_, (level), __VA_ARGS__);                                          \
    } while (0)

/* Set err to a formatted reason and return rv (for one-line error paths). */
int ctl_fail(char *err, size_t errlen, int rv, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copy a decoded string view into a NUL-terminated buffer.
 * @return 0, or -ENAMETOOLONG when it does not fit (dst then holds ""). */
int ctl_str(char *dst, size_t cap, struct tern_str s);

/* ctl_state.c: registry set-up and tear-down */
int ctl_init(struct ctl *ctl);          /* after ctl->cfg is loaded */
void ctl_fini(struct ctl *ctl);

/* ctl_dp.c: the dataplane link.  Requests are synchronous: send, then
 * block up to CTL_DP_TIMEOUT_MS for the one reply (documented in
 * docs/control.md).  Without a link every call returns -ENOTCONN. */
int ctl_dp_start(struct ctl *ctl);      /* connect, retrying up to CTL_DP_START_WAIT_MS */
void ctl_dp_close(struct ctl *ctl);
bool ctl_dp_up(const struct ctl *ctl);
/* Send the request encoded in ctl->dp.tx (len bytes, or a negative encode
 * error), with fd attached if >= 0; wait for its DpReply. */
int ctl_dp_call(struct ctl *ctl, int64_t len, int fd, char *err, size_t errlen);
/* A bulk request (DpTopicCreateMany, DpSubCreateMany) and its DpManyReply:
 * *done applied; a refusal's status and reason as for ctl_dp_call(). */
int ctl_dp_many(struct ctl *ctl, int64_t len, uint32_t *done, char *err, size_t errlen);
/* ctl_many.c: send a bulk request for the k registry entries chunk[] (reserved while
 * prepared), forget() those the dataplane did not apply, append the
 * applied to ids[*done...].  0, or the refusal with its reason. */
int ctl_dp_many_apply(struct ctl *ctl, int64_t len, const uint32_t *chunk, uint32_t k,
                      void (*forget)(struct ctl *, uint32_t), uint32_t *ids, uint32_t *done,
                      char *err, size_t errlen);
/* One page of DpStats, from those ids on (clients with the first page
 * only); *out views ctl->dp.rx until the next call.  out->more: call again
 * from out->topic_next, out->sub_next. */
int ctl_dp_stats(struct ctl *ctl, uint32_t topic_from, uint32_t sub_from,
                 struct DpStatsReply *out, char *err, size_t errlen);

/* ctl_clients.c */
int ctl_client_attach(struct ctl *ctl, struct ctl_conn *conn, const struct CtlHello *h,
                      uint32_t *client_id, char *err, size_t errlen);
/* Builds the EAL argv for client_id into args (returns how many, at most
 * CTL_EAL_ARGS), backed by store. */
#define CTL_EAL_ARGS 8
unsigned ctl_client_eal_args(const struct ctl *ctl, uint32_t client_id, struct tern_str *args,
                             char store[][CTL_NAME_MAX * 2]);
void ctl_client_gone(struct ctl *ctl, uint32_t client_id);
/* Close every application connection (the dataplane restarted under them). */
void ctl_clients_drop_all(struct ctl *ctl);

/* ctl_topics.c */
int ctl_name_check(const char *what, struct tern_str name, bool wildcards, char *out,
                   char *err, size_t errlen);
int ctl_topic_find(const struct ctl *ctl, const char *name);
/* Registry entries, with the name index kept in step. */
void ctl_topic_adopt(struct ctl *ctl, uint32_t id, const char *name);
void ctl_topic_forget(struct ctl *ctl, uint32_t id);
int ctl_topic_create(struct ctl *ctl, struct tern_str name, uint32_t *id, char *err,
                     size_t errlen);
/* CtlTopicCreateMany: in order, until the first refused (its status and
 * reason are returned); *done applied, their ids in ids[]. */
int ctl_topic_create_many(struct ctl *ctl, const struct tern_list_str *names, uint32_t *done,
                          uint32_t *ids, char *err, size_t errlen);
int ctl_topic_delete(struct ctl *ctl, struct tern_str name, uint32_t *id, char *err,
                     size_t errlen);
int ctl_topic_lookup(struct ctl *ctl, struct tern_str name, uint32_t *id, char *err,
                     size_t errlen);
int ctl_pub_open(struct ctl *ctl, uint32_t client_id, struct tern_str topic, bool exclusive,
                 uint32_t *id, char *err, size_t errlen);
int ctl_pub_close(struct ctl *ctl, uint32_t client_id, uint32_t topic_id, char *err,
                  size_t errlen);
/* Forget client_id's publishers (after DpClientGone). */
void ctl_pubs_forget(struct ctl *ctl, uint32_t client_id);
/* Re-create in the dataplane every topic of ours it does not have
 * (have[id] != 0: it has that one). */
int ctl_topics_replay(struct ctl *ctl, const uint8_t *have);

/* ctl_reconcile.c: after DpHello, adopt the dataplane's topics and keep the
 * fenced clients of an earlier tern-control reserved until they exit. */
int ctl_reconcile(struct ctl *ctl);

/* ctl_subs.c */
int ctl_sub_open(struct ctl *ctl, uint32_t client_id, const struct CtlSubOpen *m, int fd,
                 uint32_t *id, char *err, size_t errlen);
int ctl_sub_open_many(struct ctl *ctl, uint32_t client_id, const struct CtlSubOpen_list *subs,
                      uint32_t *done, uint32_t *ids, char *err, size_t errlen);
int ctl_sub_close(struct ctl *ctl, uint32_t client_id, uint32_t sub_id, char *err,
                  size_t errlen);
void ctl_subs_forget(struct ctl *ctl, uint32_t client_id);

/* ctl_stats.c: one snapshot, merged from registry and dataplane counters.
 * Topics and subscriptions are filtered by pattern (NULL or "": all). */
struct ctl_stats {
    struct CtlTopicInfo *topics;
    uint32_t n_topics;
    struct CtlSubInfo *subs;
    uint32_t n_subs;
    struct CtlClientInfo *clients;
    uint32_t n_clients;
    uint64_t pool_free, pool_size;
    uint64_t storage_errors;    /* the node's, from the dataplane */
};
int ctl_stats(struct ctl *ctl, const char *topic_pattern, const char *sub_pattern,
              struct ctl_stats *out, char *err, size_t errlen);
void ctl_stats_dump(struct ctl *ctl);   /* SIGUSR1 */
/* ctl_conn.c: forget the snapshot paged listings read from (ctl_stats()
 * is about to overwrite it). */
void ctl_stats_snapshot_drop(void);

/* ctl_metrics.c: the Prometheus endpoint ([metrics] port; 0: off). */
int ctl_metrics_start(struct ctl *ctl);
void ctl_metrics_stop(struct ctl *ctl);

/* ctl_conn.c */
/* Bind the control socket (-EADDRINUSE if another daemon answers there);
 * connections queue in the backlog until ctl_accept_start(). */
int ctl_listen(struct ctl *ctl);
int ctl_accept_start(struct ctl *ctl);
/* Handle one message from conn (len bytes at buf, passed_fd or -1). */
void ctl_conn_message(struct ctl_conn *conn, const uint8_t *buf, size_t len, int passed_fd);
void ctl_conn_close(struct ctl_conn *conn);
int ctl_conn_reply(struct ctl_conn *conn, int status, const char *err, uint32_t id);

#endif
