/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reconciling with the dataplane after a (re)connect.
 *
 * tern-dataplane holds the truth and outlives us; our registry is only our
 * own memory.  A tern-control started after another one died finds in the
 * dataplane the topics, clients and subscriptions of its predecessor, whose
 * processes may still be running.  It used to reclaim them all and hand
 * their ids to new clients at once, while the old processes kept writing
 * into what became new, unrelated streams.  Now (DpHello has fenced those
 * clients, dataplane/dp_fence.c) we adopt instead:
 *
 * - topics keep their id, name and sequence (the dataplane keeps the slot):
 *   `topic list` shows them, and creating the name again is -EEXIST;
 * - each client of an earlier incarnation keeps its slot (and so its lcore
 *   id), its subscriptions and its publishers, reserved in the registry
 *   with no connection, until its process exits: we watch a pidfd of it in
 *   the reactor, and then send the usual DpClientGone, the one reclaim path
 *   for every dead client.  A pid that is already gone is reclaimed at
 *   once; a pid reused by an unrelated process in between only delays the
 *   reclaim until that one exits (never reclaims a live client);
 * - topics we have and the dataplane lacks (the dataplane restarted under
 *   us) are created again with their ids.
 *
 * An older dataplane that reports no names or pids is cleaned as before
 * (DpTopicDelete / DpClientGone): there is nothing to adopt.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "ctl.h"

#define RC_MAX_TOPICS 4096
#define RC_MAX_SUBS 4096
#define RC_MAX_CLIENTS 1024
#define RC_MAX_PUBS 64

/* DpStats views dp.rx, which the next request reuses: copy out first. */
struct rc_state {
    struct { uint32_t id, excl_owner; char name[CTL_NAME_MAX]; } topics[RC_MAX_TOPICS];
    struct { uint32_t id, client, depth; uint8_t policy; char pattern[CTL_NAME_MAX]; }
        subs[RC_MAX_SUBS];
    struct {
        uint32_t id, pid, lcore, n_pubs;
        char name[CTL_NAME_MAX];
        uint32_t pubs[RC_MAX_PUBS];
    } clients[RC_MAX_CLIENTS];
    uint32_t nt, ns, nc;
    uint8_t have[RC_MAX_TOPICS];    /* topic ids the dataplane has */
};

static int snapshot(struct ctl *ctl, struct rc_state *rs)
{
    struct DpStatsReply st;
    struct DpTopicStats ts;
    struct DpSubStats ss;
    struct DpClientStats cs;
    char err[CTL_ERR_MAX];
    struct tern_iter it;
    int rc = ctl_dp_stats(ctl, &st, err, sizeof(err));

    if (rc < 0) {
        ctl_log(CTL_ERROR, "cannot read the dataplane's state: %s", err);
        return rc;
    }
    memset(rs, 0, sizeof(*rs));
    it = DpTopicStats_list_iter(&st.topics);
    while (rs->nt < RC_MAX_TOPICS && DpTopicStats_list_next(&it, &ts)) {
        rs->topics[rs->nt].id = ts.topic_id;
        rs->topics[rs->nt].excl_owner = ts.excl_owner;
        ctl_str(rs->topics[rs->nt++].name, CTL_NAME_MAX, ts.name);
    }
    it = DpSubStats_list_iter(&st.subs);
    while (rs->ns < RC_MAX_SUBS && DpSubStats_list_next(&it, &ss)) {
        rs->subs[rs->ns].id = ss.sub_id;
        rs->subs[rs->ns].client = ss.client_id;
        rs->subs[rs->ns].depth = ss.ring_depth;
        rs->subs[rs->ns].policy = ss.policy;
        ctl_str(rs->subs[rs->ns++].pattern, CTL_NAME_MAX, ss.pattern);
    }
    it = DpClientStats_list_iter(&st.clients);
    while (rs->nc < RC_MAX_CLIENTS && DpClientStats_list_next(&it, &cs)) {
        __typeof__(rs->clients[0]) *c = &rs->clients[rs->nc++];
        c->id = cs.client_id;
        c->pid = cs.pid;
        c->lcore = cs.lcore_id;
        ctl_str(c->name, CTL_NAME_MAX, cs.name);
        for (uint32_t k = 0; k < cs.pub_topics.count && c->n_pubs < RC_MAX_PUBS; k++)
            c->pubs[c->n_pubs++] = tern_list_u32_at(&cs.pub_topics, k);
    }
    return 0;
}

static void adopt_topics(struct ctl *ctl, struct rc_state *rs)
{
    char err[CTL_ERR_MAX];

    for (uint32_t i = 0; i < rs->nt && ctl_dp_up(ctl); i++) {
        uint32_t id = rs->topics[i].id;
        struct ctl_topic *tp;

        if (id >= ctl->max_topics || !rs->topics[i].name[0]) {
            struct DpTopicDelete m = { id };   /* nothing to adopt it by */
            ctl_dp_call(ctl, DpTopicDelete_encode(&m, ctl->dp.tx, CTL_MSG_MAX), -1, err,
                        sizeof(err));
            continue;
        }
        rs->have[id] = 1;
        tp = &ctl->topics[id];
        if (!tp->used || strcmp(tp->name, rs->topics[i].name) != 0)
            ctl_log(CTL_INFO, "topic %u adopted from the dataplane: '%s'", id,
                    rs->topics[i].name);
        /* Publisher counts are rebuilt from the clients below. */
        *tp = (struct ctl_topic){ .used = true, .excl_client = CTL_NONE };
        strcpy(tp->name, rs->topics[i].name);
        if (rs->topics[i].excl_owner)
            tp->excl_client = rs->topics[i].excl_owner - 1;
    }
    memset(ctl->pubs, 0, (size_t)ctl->max_clients * ctl->max_topics * sizeof(*ctl->pubs));
}

static void on_zombie_exit(struct ctl_loop *loop, int fd, void *clientd, unsigned mask)
{
    struct ctl *ctl = clientd;

    (void)loop;
    (void)mask;
    for (uint32_t id = 0; id < ctl->max_clients; id++) {
        struct ctl_client *c = &ctl->clients[id];
        if (c->used && c->fenced && c->pidfd == fd) {
            ctl_log(CTL_INFO, "client %u (pid %u) of an earlier tern-control exited", id, c->pid);
            ctl_client_gone(ctl, id);
            return;
        }
    }
}

/* Keep one client of an earlier incarnation until its process exits. */
static void adopt_client(struct ctl *ctl, struct rc_state *rs, uint32_t k)
{
    __typeof__(rs->clients[0]) *a = &rs->clients[k];
    struct ctl_client *c = &ctl->clients[a->id];

    if (c->used && c->conn) {
        /* Ours, from before the link failed: it is fenced now like the
         * others (closing tells it), and must not be reclaimed alive. */
        c->conn->client_id = CTL_NONE;
        ctl_conn_close(c->conn);
    }
    *c = (struct ctl_client){ .used = true, .fenced = true, .pid = a->pid,
                              .lcore_id = a->lcore, .pidfd = -1 };
    strcpy(c->name, a->name);
    strcpy(c->cpus, "?");            /* not told: it said so to our predecessor */
    for (uint32_t i = 0; i < rs->ns; i++) {
        if (rs->subs[i].client != a->id || rs->subs[i].id >= ctl->max_subs)
            continue;
        struct ctl_sub *s = &ctl->subs[rs->subs[i].id];
        *s = (struct ctl_sub){ true, a->id, rs->subs[i].policy, rs->subs[i].depth, "" };
        strcpy(s->pattern, rs->subs[i].pattern);
    }
    for (uint32_t i = 0; i < a->n_pubs; i++) {
        if (a->pubs[i] >= ctl->max_topics || !ctl->topics[a->pubs[i]].used)
            continue;
        ctl->pubs[(size_t)a->id * ctl->max_topics + a->pubs[i]]++;
        ctl->topics[a->pubs[i]].n_pubs++;
    }
    c->pidfd = a->pid ? pidfd_open((pid_t)a->pid, 0) : -1;
    if (c->pidfd < 0 || ctl_loop_add_file(ctl->loop, c->pidfd, CTL_READABLE, on_zombie_exit,
                                          ctl) < 0) {
        ctl_log(CTL_INFO, "client %u (pid %u) of an earlier tern-control is gone: reclaiming",
                a->id, a->pid);
        ctl_client_gone(ctl, a->id);
        return;
    }
    ctl_log(CTL_WARN, "client %u '%s' (pid %u) of an earlier tern-control is fenced; its "
            "slot, lcore %u and subscriptions stay reserved until it exits", a->id, c->name,
            c->pid, c->lcore_id);
}

int ctl_reconcile(struct ctl *ctl)
{
    static struct rc_state rs;
    int rc = snapshot(ctl, &rs);

    if (rc < 0)
        return rc;
    adopt_topics(ctl, &rs);
    for (uint32_t k = 0; k < rs.nc && ctl_dp_up(ctl); k++)
        if (rs.clients[k].id < ctl->max_clients)
            adopt_client(ctl, &rs, k);
    return ctl_topics_replay(ctl, rs.have);
}
