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

static int name_width(const struct ternctl_pages *p, bool topics, int min)
{
    struct CtlTopicInfo t;
    struct CtlSubInfo s;
    int w = min;

    for (size_t k = 0; k < p->n; k++) {
        struct tern_iter it = topics ? CtlTopicInfo_list_iter(&p->topics[k])
                                     : CtlSubInfo_list_iter(&p->subs[k]);
        if (topics) {
            while (CtlTopicInfo_list_next(&it, &t))
                w = (int)t.name.len > w ? (int)t.name.len : w;
        } else {
            while (CtlSubInfo_list_next(&it, &s))
                w = (int)s.pattern.len > w ? (int)s.pattern.len : w;
        }
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

void ternctl_print_topics(FILE *f, const struct ternctl_pages *p, bool json)
{
    struct CtlTopicInfo t;
    int w = json ? 0 : name_width(p, true, 4);
    bool first = true;

    if (json)
        fputc('[', f);
    else
        fprintf(f, "%-5s %-*s %12s %12s %5s %5s\n", "ID", w, "NAME", "PUBLISHED", "DELIVERED",
                "PUBS", "SUBS");
    for (size_t k = 0; k < p->n; k++) {
        struct tern_iter it = CtlTopicInfo_list_iter(&p->topics[k]);
        while (CtlTopicInfo_list_next(&it, &t)) {
            if (!json) {
                fprintf(f, "%-5" PRIu32 " %-*.*s %12" PRIu64 " %12" PRIu64 " %5" PRIu32
                        " %5" PRIu32 "\n", t.topic_id, w, (int)t.name.len, t.name.ptr,
                        t.published, t.delivered, t.publishers, t.subscriptions);
                continue;
            }
            fprintf(f, "%s{\"id\":%" PRIu32 ",\"name\":", first ? "" : ",", t.topic_id);
            ternctl_json_str(f, t.name);
            fprintf(f, ",\"published\":%" PRIu64 ",\"delivered\":%" PRIu64
                    ",\"publishers\":%" PRIu32 ",\"subscriptions\":%" PRIu32,
                    t.published, t.delivered, t.publishers, t.subscriptions);
            if (t.stored)
                json_storage(f, &t);
            fputc('}', f);
            first = false;
        }
    }
    if (json)
        fputc(']', f);
}

static const char *policy_name(CtlPolicy p)
{
    return p == CtlPolicy_DROP ? "drop" : p == CtlPolicy_BACKPRESSURE ? "backpressure" : "?";
}

void ternctl_print_subs(FILE *f, const struct ternctl_pages *p, bool json)
{
    struct CtlSubInfo s;
    int w = json ? 0 : name_width(p, false, 7);
    bool first = true;

    if (json)
        fputc('[', f);
    else
        fprintf(f, "%-5s %-6s %-*s %-12s %12s %10s %7s %6s\n", "ID", "CLIENT", w, "PATTERN",
                "POLICY", "DELIVERED", "DROPPED", "QUEUED", "TOPICS");
    for (size_t k = 0; k < p->n; k++) {
        struct tern_iter it = CtlSubInfo_list_iter(&p->subs[k]);
        while (CtlSubInfo_list_next(&it, &s)) {
            if (!json) {
                fprintf(f, "%-5" PRIu32 " %-6" PRIu32 " %-*.*s %-12s %12" PRIu64 " %10" PRIu64
                        " %7" PRIu32 " %6" PRIu32 "\n", s.sub_id, s.client_id, w,
                        (int)s.pattern.len, s.pattern.ptr, policy_name(s.policy), s.delivered,
                        s.dropped, s.depth, s.topics);
                continue;
            }
            fprintf(f, "%s{\"id\":%" PRIu32 ",\"client\":%" PRIu32 ",\"pattern\":",
                    first ? "" : ",", s.sub_id, s.client_id);
            ternctl_json_str(f, s.pattern);
            fprintf(f, ",\"policy\":\"%s\",\"delivered\":%" PRIu64 ",\"dropped\":%" PRIu64
                    ",\"queued\":%" PRIu32 ",\"topics\":%" PRIu32 "}", policy_name(s.policy),
                    s.delivered, s.dropped, s.depth, s.topics);
            first = false;
        }
    }
    if (json)
        fputc(']', f);
}

void ternctl_print_clients(FILE *f, const struct CtlClientInfo_list *l, bool json)
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
static void print_storage(FILE *f, const struct CtlStatsReply *r, const struct ternctl_pages *p)
{
    struct CtlTopicInfo t;

    fprintf(f, "\nstorage: %" PRIu64 " error(s)\n", r->storage_errors);
    for (size_t k = 0; k < p->n; k++) {
        struct tern_iter it = CtlTopicInfo_list_iter(&p->topics[k]);
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
}

void ternctl_print_stats(FILE *f, const struct CtlStatsReply *r, const struct ternctl_pages *p,
                         bool json)
{
    if (json) {
        fprintf(f, "{\"status\":0,\"pool\":{\"free\":%" PRIu64 ",\"size\":%" PRIu64 "},"
                "\"storage_errors\":%" PRIu64 ",\"topics\":", r->pool_free, r->pool_size,
                r->storage_errors);
        ternctl_print_topics(f, p, true);
        fputs(",\"subscriptions\":", f);
        ternctl_print_subs(f, p, true);
        fputs(",\"clients\":", f);
        ternctl_print_clients(f, &r->clients, true);
        fputs("}\n", f);
        return;
    }
    fprintf(f, "pool: %" PRIu64 " of %" PRIu64 " buffers free\n\ntopics:\n", r->pool_free,
            r->pool_size);
    ternctl_print_topics(f, p, false);
    fputs("\nsubscriptions:\n", f);
    ternctl_print_subs(f, p, false);
    fputs("\nclients:\n", f);
    ternctl_print_clients(f, &r->clients, false);
    print_storage(f, r, p);
}

static void size_line(FILE *f, const char *what, uint32_t used, uint32_t max, const char *key,
                      uint64_t per, const char *per_what)
{
    fprintf(f, "%-26s %8" PRIu32 " of %-8" PRIu32 " %-30s %8.1f KiB %s\n", what, used, max, key,
            (double)per / 1024.0, per_what);
}

void ternctl_print_info(FILE *f, const struct CtlServerInfoReply *r, bool json)
{
    if (json) {
        fprintf(f, "{\"status\":0,\"limits\":{\"max_topics\":%" PRIu32 ",\"max_subs\":%" PRIu32
                ",\"max_clients\":%" PRIu32 ",\"max_links\":%" PRIu32
                ",\"subs_per_topic\":%" PRIu32 ",\"topics_per_sub\":%" PRIu32
                ",\"name_bytes\":%" PRIu32 ",\"default_depth\":%" PRIu32 "},"
                "\"used\":{\"topics\":%" PRIu32 ",\"subs\":%" PRIu32 ",\"clients\":%" PRIu32
                ",\"links\":%" PRIu32 "},"
                "\"hugepage_bytes\":{\"per_topic\":%" PRIu64 ",\"per_sub\":%" PRIu64
                ",\"per_link\":%" PRIu64 ",\"per_ring\":%" PRIu64 ",\"per_client\":%" PRIu64
                ",\"state\":%" PRIu64 ",\"pools\":%" PRIu64 "}}\n",
                r->max_topics, r->max_subs, r->max_clients, r->max_links, r->fanout_max,
                r->sub_links_max, r->name_max, r->default_depth, r->topics_used, r->subs_used,
                r->clients_used, r->links_used, r->topic_bytes, r->sub_bytes, r->link_bytes,
                r->ring_bytes, r->client_bytes, r->state_bytes, r->pool_bytes);
        return;
    }
    fprintf(f, "%-26s %8s    %-8s %-30s %12s\n", "LIMIT", "USED", "MAX", "CONFIG KEY",
            "HUGEPAGES");
    size_line(f, "topics", r->topics_used, r->max_topics, "[limits] max_topics", r->topic_bytes,
              "per topic, + its ring once subscribed");
    size_line(f, "subscriptions", r->subs_used, r->max_subs, "[limits] max_subs", r->sub_bytes,
              "per subscription");
    size_line(f, "links (topic x sub)", r->links_used, r->max_links, "[limits] max_links",
              r->link_bytes, "per link");
    size_line(f, "clients", r->clients_used, r->max_clients, "[limits] max_clients",
              r->client_bytes, "per client");
    fprintf(f, "%-26s %8s    %-8" PRIu32 " %-30s\n", "subscriptions per topic", "", r->fanout_max,
            "(compile-time TERN_FANOUT_MAX)");
    fprintf(f, "%-26s %8s    %-8" PRIu32 " %-30s\n", "topics per subscription", "",
            r->sub_links_max, "(compile-time TERN_SUB_LINKS_MAX)");
    fprintf(f, "%-26s %8s    %-8" PRIu32 " %-30s\n", "topic name bytes", "", r->name_max,
            "(TERN_TOPIC_MAX)");
    fprintf(f, "\ntopic ring of default_depth %" PRIu32 ": %.1f KiB; state memzone %.1f MiB; "
            "mbuf pools %.1f MiB\n", r->default_depth, (double)r->ring_bytes / 1024.0,
            (double)r->state_bytes / 1048576.0, (double)r->pool_bytes / 1048576.0);
}
