/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stats, topic list and subscription list: one snapshot that merges the
 * registry (names, patterns, pids) with the dataplane's counters (by id,
 * from DpStats).  The counters themselves live in shared memory, written
 * by publishers and subscribers; the dataplane only reads them out.
 *
 * The scratch arrays are indexed by id while merging, then compacted in
 * place to what the filter keeps: O(n) with no allocation.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tern/tern_topic.h>

#include "ctl.h"

/* "sub list md.eq.AAPL" also lists the pattern subscriptions that receive
 * that topic ("md.>", "md.*.AAPL"). */
static bool receives(const char *sub_pattern, const char *filter)
{
    return filter && *filter && !strpbrk(filter, "*>") && tern_topic_match(sub_pattern, filter);
}

static bool keep(const char *pattern, const char *name)
{
    return !pattern || !*pattern || tern_topic_match(pattern, name);
}

static void merge_counters(struct ctl *ctl, const struct DpStatsReply *dp)
{
    struct tern_iter it;
    struct DpTopicStats ts;
    struct DpSubStats ss;
    struct DpClientStats cs;

    it = DpTopicStats_list_iter(&dp->topics);
    while (DpTopicStats_list_next(&it, &ts))
        if (ts.topic_id < ctl->max_topics) {
            ctl->topic_infos[ts.topic_id].published = ts.published;
            ctl->topic_infos[ts.topic_id].delivered = ts.delivered;
            ctl->topic_infos[ts.topic_id].stored = ts.stored;
            ctl->topic_infos[ts.topic_id].storage_errno = ts.storage_errno;
            ctl->topic_infos[ts.topic_id].storage_errors = ts.storage_errors;
            ctl->topic_infos[ts.topic_id].storage_lost = ts.storage_lost;
            ctl->topic_infos[ts.topic_id].storage_header_damage = ts.storage_header_damage;
            ctl->topic_infos[ts.topic_id].subscriptions = ts.subscriptions;
        }
    it = DpSubStats_list_iter(&dp->subs);
    while (DpSubStats_list_next(&it, &ss))
        if (ss.sub_id < ctl->max_subs) {
            ctl->sub_infos[ss.sub_id].delivered = ss.delivered;
            ctl->sub_infos[ss.sub_id].dropped = ss.dropped;
            ctl->sub_infos[ss.sub_id].depth = ss.depth;
            ctl->sub_infos[ss.sub_id].topics = ss.topics;
        }
    it = DpClientStats_list_iter(&dp->clients);
    while (DpClientStats_list_next(&it, &cs))
        if (cs.client_id < ctl->max_clients) {
            ctl->client_infos[cs.client_id].published = cs.published;
            ctl->client_infos[cs.client_id].polled = cs.polled;
        }
}

int ctl_stats(struct ctl *ctl, const char *topic_pattern, const char *sub_pattern,
              struct ctl_stats *out, char *err, size_t errlen)
{
    struct DpStatsReply dp = { .more = true };
    uint32_t i, n, tf = 0, sf = 0;
    int rc;

    for (i = 0; i < ctl->max_topics; i++)
        ctl->topic_infos[i] = (struct CtlTopicInfo){
            .topic_id = i, .name = tern_str_from_cstr(ctl->topics[i].name),
            .publishers = ctl->topics[i].n_pubs };
    for (i = 0; i < ctl->max_subs; i++)
        ctl->sub_infos[i] = (struct CtlSubInfo){
            .sub_id = i, .client_id = ctl->subs[i].client_id,
            .pattern = tern_str_from_cstr(ctl->subs[i].pattern), .policy = ctl->subs[i].policy };
    for (i = 0; i < ctl->max_clients; i++)
        ctl->client_infos[i] = (struct CtlClientInfo){
            .client_id = i, .pid = ctl->clients[i].pid,
            .name = tern_str_from_cstr(ctl->clients[i].name),
            .lcore_id = ctl->clients[i].lcore_id };
    /* The dataplane's counters come in pages (one datagram each), merged
     * by id as they arrive; subscriptions per topic are its count of
     * attached links, so no pattern is matched against every topic here. */
    while (dp.more) {
        rc = ctl_dp_stats(ctl, tf, sf, &dp, err, errlen);
        if (rc < 0)
            return rc;
        merge_counters(ctl, &dp);
        if (tf == 0 && sf == 0) {
            out->pool_free = dp.pool_free;
            out->pool_size = dp.pool_size;
            out->storage_errors = dp.storage_errors;
        }
        if (dp.more && dp.topic_next <= tf && dp.sub_next <= sf)
            break;      /* an older dataplane: one page, no cursor */
        tf = dp.topic_next;
        sf = dp.sub_next;
    }

    /* Registry-only counts: handles per client. */
    for (i = 0; i < ctl->max_subs; i++)
        if (ctl->subs[i].used && ctl->subs[i].client_id < ctl->max_clients)
            ctl->client_infos[ctl->subs[i].client_id].subs++;
    for (uint32_t c = 0; c < ctl->max_clients; c++)
        for (uint32_t t = 0; ctl->clients[c].used && t < ctl->max_topics; t++)
            ctl->client_infos[c].pubs += ctl->pubs[(size_t)c * ctl->max_topics + t];

    for (i = n = 0; i < ctl->max_topics; i++)
        if (ctl->topics[i].used && keep(topic_pattern, ctl->topics[i].name))
            ctl->topic_infos[n++] = ctl->topic_infos[i];
    out->topics = ctl->topic_infos;
    out->n_topics = n;
    /* A subscription is listed when the filter matches its pattern read as
     * a name: "md.>" lists "md.eq.AAPL" and "md.*". */
    for (i = n = 0; i < ctl->max_subs; i++)
        if (ctl->subs[i].used && (keep(sub_pattern, ctl->subs[i].pattern) ||
                                  receives(ctl->subs[i].pattern, sub_pattern)))
            ctl->sub_infos[n++] = ctl->sub_infos[i];
    out->subs = ctl->sub_infos;
    out->n_subs = n;
    for (i = n = 0; i < ctl->max_clients; i++)
        if (ctl->clients[i].used)
            ctl->client_infos[n++] = ctl->client_infos[i];
    out->clients = ctl->client_infos;
    out->n_clients = n;
    return 0;
}

void ctl_stats_dump(struct ctl *ctl)
{
    char err[CTL_ERR_MAX], esc[TERN_ESC_MAX];
    struct ctl_stats st;
    uint32_t i;

    ctl_stats_snapshot_drop();
    if (ctl_stats(ctl, NULL, NULL, &st, err, sizeof(err)) < 0) {
        ctl_log(CTL_WARN, "stats: %s", err);
        return;
    }
    ctl_log(CTL_INFO, "stats (SIGUSR1): pool %llu free of %llu, %llu storage errors",
            (unsigned long long)st.pool_free, (unsigned long long)st.pool_size,
            (unsigned long long)st.storage_errors);
    for (i = 0; i < st.n_topics; i++)
        ctl_log(CTL_INFO, "  topic %u '%s': published %llu, delivered %llu, "
                "%u publishers, %u subscriptions", st.topics[i].topic_id,
                tern__esc(esc, sizeof(esc), st.topics[i].name.ptr, st.topics[i].name.len),
                (unsigned long long)st.topics[i].published,
                (unsigned long long)st.topics[i].delivered, st.topics[i].publishers,
                st.topics[i].subscriptions);
    for (i = 0; i < st.n_subs; i++)
        ctl_log(CTL_INFO, "  sub %u client %u '%s' %s: delivered %llu, dropped %llu, "
                "queued %u, %u topics", st.subs[i].sub_id, st.subs[i].client_id,
                tern__esc(esc, sizeof(esc), st.subs[i].pattern.ptr, st.subs[i].pattern.len),
                CtlPolicy_name(st.subs[i].policy), (unsigned long long)st.subs[i].delivered,
                (unsigned long long)st.subs[i].dropped, st.subs[i].depth, st.subs[i].topics);
    for (i = 0; i < st.n_clients; i++)
        ctl_log(CTL_INFO, "  client %u '%s' pid %u lcore %u: published %llu, polled %llu",
                st.clients[i].client_id,
                tern__esc(esc, sizeof(esc), st.clients[i].name.ptr, st.clients[i].name.len),
                st.clients[i].pid, st.clients[i].lcore_id,
                (unsigned long long)st.clients[i].published,
                (unsigned long long)st.clients[i].polled);
}
