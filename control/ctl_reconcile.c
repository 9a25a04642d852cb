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
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "ctl.h"

#define RC_MAX_CLIENTS 1024
#define RC_MAX_PUBS 64

/* What the pages of DpStats said.  Topics and subscriptions are adopted as
 * each page arrives (no dataplane call in between: a page views dp.rx);
 * clients are kept for after, when reclaiming one may call the dataplane. */
struct rc_state {
    struct {
        uint32_t id, pid, lcore, n_pubs;
        char name[CTL_NAME_MAX];
        uint32_t pubs[RC_MAX_PUBS];
    } clients[RC_MAX_CLIENTS];
    uint32_t nc;
    uint8_t *have;                  /* [max_topics]: topic ids the dataplane has */
    uint32_t *orphans, n_orphans;   /* its topics we cannot adopt: deleted after */
};

static void adopt_topic(struct ctl *ctl, struct rc_state *rs, const struct DpTopicStats *ts)
{
    char name[CTL_NAME_MAX];
    struct ctl_topic *tp;
    uint32_t id = ts->topic_id;

    if (id >= ctl->max_topics || ctl_str(name, sizeof(name), ts->name) < 0 || !name[0]) {
        if (rs->n_orphans < ctl->max_topics)
            rs->orphans[rs->n_orphans++] = id;  /* nothing to adopt it by */
        return;
    }
    rs->have[id] = 1;
    tp = &ctl->topics[id];
    if (!tp->used || strcmp(tp->name, name) != 0)
        ctl_log(CTL_INFO, "topic %u adopted from the dataplane: '%s'", id, name);
    ctl_topic_forget(ctl, id);
    /* Publisher counts are rebuilt from the clients below. */
    ctl_topic_adopt(ctl, id, name);
    if (ts->excl_owner)
        tp->excl_client = ts->excl_owner - 1;
}

static void adopt_sub(struct ctl *ctl, const struct DpSubStats *ss)
{
    struct ctl_sub *s;

    if (ss->sub_id >= ctl->max_subs || ss->client_id >= ctl->max_clients)
        return;
    s = &ctl->subs[ss->sub_id];
    *s = (struct ctl_sub){ true, ss->client_id, ss->policy, ss->ring_depth, "" };
    if (ctl_str(s->pattern, sizeof(s->pattern), ss->pattern) < 0)
        s->used = false;
}

static int snapshot(struct ctl *ctl, struct rc_state *rs)
{
    struct DpStatsReply st = { .more = true };
    struct DpTopicStats ts;
    struct DpSubStats ss;
    struct DpClientStats cs;
    char err[CTL_ERR_MAX];
    struct tern_iter it;
    uint32_t tf = 0, sf = 0;
    int rc;

    rs->nc = 0;
    rs->n_orphans = 0;
    ctl->sub_free_hint = 0;
    memset(rs->have, 0, ctl->max_topics);
    memset(ctl->pubs, 0, (size_t)ctl->max_clients * ctl->max_topics * sizeof(*ctl->pubs));
    while (st.more) {
        rc = ctl_dp_stats(ctl, tf, sf, &st, err, sizeof(err));
        if (rc < 0) {
            ctl_log(CTL_ERROR, "cannot read the dataplane's state: %s", err);
            return rc;
        }
        it = DpTopicStats_list_iter(&st.topics);
        while (DpTopicStats_list_next(&it, &ts))
            adopt_topic(ctl, rs, &ts);
        it = DpSubStats_list_iter(&st.subs);
        while (DpSubStats_list_next(&it, &ss))
            adopt_sub(ctl, &ss);
        it = DpClientStats_list_iter(&st.clients);
        while (rs->nc < RC_MAX_CLIENTS && DpClientStats_list_next(&it, &cs)) {
            __typeof__(rs->clients[0]) *c = &rs->clients[rs->nc++];
            c->id = cs.client_id;
            c->pid = cs.pid;
            c->lcore = cs.lcore_id;
            c->n_pubs = 0;
            ctl_str(c->name, CTL_NAME_MAX, cs.name);
            for (uint32_t k = 0; k < cs.pub_topics.count && c->n_pubs < RC_MAX_PUBS; k++)
                c->pubs[c->n_pubs++] = tern_list_u32_at(&cs.pub_topics, k);
        }
        /* An older dataplane sends one page and no cursor. */
        if (st.more && st.topic_next <= tf && st.sub_next <= sf)
            break;
        tf = st.topic_next;
        sf = st.sub_next;
    }
    return 0;
}

static void delete_orphans(struct ctl *ctl, struct rc_state *rs)
{
    char err[CTL_ERR_MAX];

    for (uint32_t i = 0; i < rs->n_orphans && ctl_dp_up(ctl); i++) {
        struct DpTopicDelete m = { rs->orphans[i] };
        ctl_dp_call(ctl, DpTopicDelete_encode(&m, ctl->dp.tx, CTL_MSG_MAX), -1, err,
                    sizeof(err));
    }
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
    /* Its subscriptions were adopted with the pages (adopt_sub()). */
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
    int rc;

    free(rs.have);
    free(rs.orphans);
    rs.have = malloc(ctl->max_topics ? ctl->max_topics : 1);
    rs.orphans = malloc((ctl->max_topics ? ctl->max_topics : 1) * sizeof(*rs.orphans));
    if (!rs.have || !rs.orphans)
        return -ENOMEM;
    rc = snapshot(ctl, &rs);
    if (rc < 0)
        return rc;
    delete_orphans(ctl, &rs);
    for (uint32_t k = 0; k < rs.nc && ctl_dp_up(ctl); k++)
        if (rs.clients[k].id < ctl->max_clients)
            adopt_client(ctl, &rs, k);
    return ctl_topics_replay(ctl, rs.have);
}
