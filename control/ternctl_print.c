/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ternctl's output: aligned tables for people, JSON for scripts.  The JSON
 * is written by hand rather than by tern_msg_to_json() so that its field
 * names are an interface of their own ("queued", not the wire's "depth")
 * and carry no "_type"/"_version" noise.
 */
#define _GNU_SOURCE
#include <tern/tern_json.h>
#include <inttypes.h>
#include <string.h>

#include "ternctl.h"

void ternctl_json_str(FILE *f, struct tern_str s)
{
    tern_json_fput_str(f, s.ptr, s.len);
}

static int name_width(struct tern_iter it, bool topics, int min)
{
    struct CtlTopicInfo t;
    struct CtlSubInfo s;
    int w = min;

    if (topics) {
        while (CtlTopicInfo_list_next(&it, &t))
            w = (int)t.name.len > w ? (int)t.name.len : w;
    } else {
        while (CtlSubInfo_list_next(&it, &s))
            w = (int)s.pattern.len > w ? (int)s.pattern.len : w;
    }
    return w;
}

/* "ok", or the errno's name while storing fails. */
static const char *storage_state(const struct CtlTopicInfo *t)
{
    const char *n = t->storage_errno > 0 ? strerrorname_np(t->storage_errno) : NULL;

    return t->storage_errno <= 0 ? "ok" : n ? n : "failing";
}

/* A stored topic's storage object (docs/bus.md, "Storage errors"). */
static void json_storage(FILE *f, const struct CtlTopicInfo *t)
{
    fprintf(f, ",\"storage\":{\"state\":\"%s\",\"errno\":%" PRId32 ",\"errors\":%" PRIu64
            ",\"lost\":%" PRIu64 ",\"header_damage\":%" PRIu32 "}",
            t->storage_errno > 0 ? "failing" : "ok", t->storage_errno, t->storage_errors,
            t->storage_lost, t->storage_header_damage);
}

void ternctl_print_topics(FILE *f, const struct CtlTopicInfo_list *l, bool json)
{
    struct tern_iter it = CtlTopicInfo_list_iter(l);
    struct CtlTopicInfo t;
    int w = name_width(it, true, 4);

    if (json) {
        fputc('[', f);
        for (bool first = true; CtlTopicInfo_list_next(&it, &t); first = false) {
            fprintf(f, "%s{\"id\":%" PRIu32 ",\"name\":", first ? "" : ",", t.topic_id);
            ternctl_json_str(f, t.name);
            fprintf(f, ",\"published\":%" PRIu64 ",\"delivered\":%" PRIu64
                    ",\"publishers\":%" PRIu32 ",\"subscriptions\":%" PRIu32,
                    t.published, t.delivered, t.publishers, t.subscriptions);
            if (t.stored)
                json_storage(f, &t);
            fputc('}', f);
        }
        fputc(']', f);
        return;
    }
    fprintf(f, "%-5s %-*s %12s %12s %5s %5s\n", "ID", w, "NAME", "PUBLISHED", "DELIVERED",
            "PUBS", "SUBS");
    while (CtlTopicInfo_list_next(&it, &t))
        fprintf(f, "%-5" PRIu32 " %-*.*s %12" PRIu64 " %12" PRIu64 " %5" PRIu32 " %5" PRIu32 "\n",
                t.topic_id, w, (int)t.name.len, t.name.ptr, t.published, t.delivered,
                t.publishers, t.subscriptions);
}

static const char *policy_name(CtlPolicy p)
{
    return p == CtlPolicy_DROP ? "drop" : p == CtlPolicy_BACKPRESSURE ? "backpressure" : "?";
}

void ternctl_print_subs(FILE *f, const struct CtlSubInfo_list *l, bool json)
{
    struct tern_iter it = CtlSubInfo_list_iter(l);
    struct CtlSubInfo s;
    int w = name_width(it, false, 7);

    if (json) {
        fputc('[', f);
        for (bool first = true; CtlSubInfo_list_next(&it, &s); first = false) {
            fprintf(f, "%s{\"id\":%" PRIu32 ",\"client\":%" PRIu32 ",\"pattern\":",
                    first ? "" : ",", s.sub_id, s.client_id);
            ternctl_json_str(f, s.pattern);
            fprintf(f, ",\"policy\":\"%s\",\"delivered\":%" PRIu64 ",\"dropped\":%" PRIu64
                    ",\"queued\":%" PRIu32 ",\"topics\":%" PRIu32 "}", policy_name(s.policy),
                    s.delivered, s.dropped, s.depth, s.topics);
        }
        fputc(']', f);
        return;
    }
    fprintf(f, "%-5s %-6s %-*s %-12s %12s %10s %7s %6s\n", "ID", "CLIENT", w, "PATTERN",
            "POLICY", "DELIVERED", "DROPPED", "QUEUED", "TOPICS");
    while (CtlSubInfo_list_next(&it, &s))
        fprintf(f, "%-5" PRIu32 " %-6" PRIu32 " %-*.*s %-12s %12" PRIu64 " %10" PRIu64
                " %7" PRIu32 " %6" PRIu32 "\n", s.sub_id, s.client_id, w, (int)s.pattern.len,
                s.pattern.ptr, policy_name(s.policy), s.delivered, s.dropped, s.depth,
                s.topics);
}

static void print_clients(FILE *f, const struct CtlClientInfo_list *l, bool json)
{
    struct tern_iter it = CtlClientInfo_list_iter(l);
    struct CtlClientInfo c;

    if (json) {
        fputc('[', f);
        for (bool first = true; CtlClientInfo_list_next(&it, &c); first = false) {
            fprintf(f, "%s{\"id\":%" PRIu32 ",\"pid\":%" PRIu32 ",\"name\":",
                    first ? "" : ",", c.client_id, c.pid);
            ternctl_json_str(f, c.name);
            fprintf(f, ",\"lcore\":%" PRIu32 ",\"published\":%" PRIu64 ",\"polled\":%" PRIu64
                    ",\"publishers\":%" PRIu32 ",\"subscriptions\":%" PRIu32 "}", c.lcore_id,
                    c.published, c.polled, c.pubs, c.subs);
        }
        fputc(']', f);
        return;
    }
    fprintf(f, "%-5s %-8s %-16s %5s %12s %12s %5s %5s\n", "ID", "PID", "NAME", "LCORE",
            "PUBLISHED", "POLLED", "PUBS", "SUBS");
    while (CtlClientInfo_list_next(&it, &c))
        fprintf(f, "%-5" PRIu32 " %-8" PRIu32 " %-16.*s %5" PRIu32 " %12" PRIu64 " %12" PRIu64
                " %5" PRIu32 " %5" PRIu32 "\n", c.client_id, c.pid, (int)c.name.len, c.name.ptr,
                c.lcore_id, c.published, c.polled, c.pubs, c.subs);
}

/* One line per stored topic: its storage state and counters. */
static void print_storage(FILE *f, const struct CtlStatsReply *r)
{
    struct tern_iter it = CtlTopicInfo_list_iter(&r->topics);
    struct CtlTopicInfo t;

    fprintf(f, "\nstorage: %" PRIu64 " error(s)\n", r->storage_errors);
    while (CtlTopicInfo_list_next(&it, &t)) {
        if (!t.stored)
            continue;
        fprintf(f, "  %.*s: %s", (int)t.name.len, t.name.ptr, storage_state(&t));
        if (t.storage_errno > 0)
            fprintf(f, " (%s)", strerror(t.storage_errno));
        fprintf(f, ", %" PRIu64 " error(s), %" PRIu64 " message(s) lost, %" PRIu32
                " damaged header(s)\n", t.storage_errors, t.storage_lost,
                t.storage_header_damage);
    }
}

void ternctl_print_stats(FILE *f, const struct CtlStatsReply *r, bool json)
{
    if (json) {
        fprintf(f, "{\"status\":0,\"pool\":{\"free\":%" PRIu64 ",\"size\":%" PRIu64 "},"
                "\"storage_errors\":%" PRIu64 ",\"topics\":", r->pool_free, r->pool_size,
                r->storage_errors);
        ternctl_print_topics(f, &r->topics, true);
        fputs(",\"subscriptions\":", f);
        ternctl_print_subs(f, &r->subs, true);
        fputs(",\"clients\":", f);
        print_clients(f, &r->clients, true);
        fputs("}\n", f);
        return;
    }
    fprintf(f, "pool: %" PRIu64 " of %" PRIu64 " buffers free\n\ntopics:\n", r->pool_free,
            r->pool_size);
    ternctl_print_topics(f, &r->topics, false);
    fputs("\nsubscriptions:\n", f);
    ternctl_print_subs(f, &r->subs, false);
    fputs("\nclients:\n", f);
    print_clients(f, &r->clients, false);
    print_storage(f, r);
}
