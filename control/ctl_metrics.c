/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-control's Prometheus endpoint: GET /metrics on [metrics]
 * address:port (off unless a port is set; 127.0.0.1 unless another
 * address is), in the Prometheus text format (version 0.0.4): HELP and
 * TYPE lines, counters named *_total, label values escaped.  The numbers
 * are the ctl_stats() snapshot `ternctl stats` shows, taken per scrape.
 *
 * Served by libmicrohttpd (Debian libmicrohttpd-dev) in its external mode
 * with epoll: MHD's epoll fd is one more readable descriptor in the
 * reactor, and a 1 s timer runs MHD's timeouts, so a scrape is handled
 * between two client requests like any other event and the registry is
 * read by the thread that owns it.  Rejected: MHD's own thread (the
 * snapshot would then need a lock around the whole registry, and the
 * dataplane link is one synchronous request at a time), and a hand-made
 * HTTP parser on a socket that outside programs can reach.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "ctl.h"

static struct MHD_Daemon *mhd;
static int mhd_timer = -1;

/* A label value: backslash, double quote and newline escaped. */
static const char *label(char *out, size_t cap, const char *s, size_t len)
{
    size_t o = 0;

    for (size_t i = 0; i < len && o + 3 < cap; i++) {
        char c = s[i];
        if (c == '\\' || c == '"' || c == '\n') {
            out[o++] = '\\';
            c = c == '\n' ? 'n' : c;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One family per counter: HELP/TYPE once, then a sample per row. */
#define EACH(f, name, type, help, n, ...)                                  \
    do {                                                               \
        family((f), (name), (type), (help));                       \
        for (uint32_t i_ = 0; i_ < (n); i_++) {                    \
            uint32_t i = i_;                                   \
            __VA_ARGS__;                                       \
        }                                                          \
    } while (0)

static void render(struct ctl *ctl, FILE *f)
{
    char err[CTL_ERR_MAX], a[2 * CTL_NAME_MAX + 2], b[2 * CTL_NAME_MAX + 2];
    struct ctl_stats st;
    bool up = ctl_stats(ctl, NULL, NULL, &st, err, sizeof(err)) == 0;

    family(f, "tern_dataplane_up", "gauge",
           "1 when tern-control reaches tern-dataplane (the rest needs it)");
    fprintf(f, "tern_dataplane_up %d\n", up);
    if (!up)
        return;
    family(f, "tern_pool_buffers", "gauge", "Message buffers in the pool(s)");
    fprintf(f, "tern_pool_buffers %llu\n", (unsigned long long)st.pool_size);
    family(f, "tern_pool_buffers_free", "gauge", "Message buffers free now");
    fprintf(f, "tern_pool_buffers_free %llu\n", (unsigned long long)st.pool_free);
    family(f, "tern_storage_errors_total", "counter", "Storage errors of the node");
    fprintf(f, "tern_storage_errors_total %llu\n", (unsigned long long)st.storage_errors);
    family(f, "tern_clients", "gauge", "Applications attached");
    fprintf(f, "tern_clients %u\n", st.n_clients);

#define TOPIC(i) label(a, sizeof(a), st.topics[i].name.ptr, st.topics[i].name.len)
    EACH(f, "tern_topic_published_total", "counter", "Messages published on the topic",
         st.n_topics, fprintf(f, "tern_topic_published_total{topic=\"%s\"} %llu\n", TOPIC(i),
                  (unsigned long long)st.topics[i].published));
    EACH(f, "tern_topic_delivered_total", "counter",
         "Messages subscribers of the topic have polled", st.n_topics,
         fprintf(f, "tern_topic_delivered_total{topic=\"%s\"} %llu\n", TOPIC(i),
             (unsigned long long)st.topics[i].delivered));
    EACH(f, "tern_topic_publishers", "gauge", "Publishers open on the topic", st.n_topics,
         fprintf(f, "tern_topic_publishers{topic=\"%s\"} %u\n", TOPIC(i),
             st.topics[i].publishers));
    EACH(f, "tern_topic_subscriptions", "gauge", "Subscriptions receiving the topic",
         st.n_topics, fprintf(f, "tern_topic_subscriptions{topic=\"%s\"} %u\n", TOPIC(i),
                  st.topics[i].subscriptions));
    EACH(f, "tern_topic_storage_lost_total", "counter",
         "Messages of a stored topic the log does not hold", st.n_topics,
         if (st.topics[i].stored)
             fprintf(f, "tern_topic_storage_lost_total{topic=\"%s\"} %llu\n", TOPIC(i),
                 (unsigned long long)st.topics[i].storage_lost));
#undef TOPIC

#define SUB(i) "{sub=\"%u\",client=\"%u\",pattern=\"%s\",policy=\"%s\"}", st.subs[i].sub_id, \
    st.subs[i].client_id, label(b, sizeof(b), st.subs[i].pattern.ptr, st.subs[i].pattern.len), \
    st.subs[i].policy == CtlPolicy_BACKPRESSURE ? "backpressure" : "drop"
    EACH(f, "tern_sub_delivered_total", "counter", "Messages the subscription polled",
         st.n_subs, fprintf(f, "tern_sub_delivered_total"); fprintf(f, SUB(i));
         fprintf(f, " %llu\n", (unsigned long long)st.subs[i].delivered));
    EACH(f, "tern_sub_dropped_total", "counter",
         "Messages the drop policy discarded for the subscription", st.n_subs,
         fprintf(f, "tern_sub_dropped_total"); fprintf(f, SUB(i));
         fprintf(f, " %llu\n", (unsigned long long)st.subs[i].dropped));
    EACH(f, "tern_sub_queued", "gauge", "Messages waiting in the subscription's queues",
         st.n_subs, fprintf(f, "tern_sub_queued"); fprintf(f, SUB(i));
         fprintf(f, " %u\n", st.subs[i].depth));
#undef SUB

#define CLIENT(i) "{client=\"%u\",name=\"%s\",pid=\"%u\"}", st.clients[i].client_id, \
    label(a, sizeof(a), st.clients[i].name.ptr, st.clients[i].name.len), st.clients[i].pid
    EACH(f, "tern_client_published_total", "counter", "Messages the client published",
         st.n_clients, fprintf(f, "tern_client_published_total"); fprintf(f, CLIENT(i));
         fprintf(f, " %llu\n", (unsigned long long)st.clients[i].published));
    EACH(f, "tern_client_polled_total", "counter", "Messages the client polled",
         st.n_clients, fprintf(f, "tern_client_polled_total"); fprintf(f, CLIENT(i));
         fprintf(f, " %llu\n", (unsigned long long)st.clients[i].polled));
#undef CLIENT
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                  const char *method, const char *version, const char *upload,
                  size_t *upload_size, void **req_cls)
{
    static const char not_found[] = "not found: tern serves /metrics\n";
    struct MHD_Response *r;
    enum MHD_Result rv;
    unsigned status = MHD_HTTP_OK;
    char *text = NULL;
    size_t len = 0;
    FILE *f;

    (void)version;
    (void)upload;
    (void)upload_size;
    (void)req_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return MHD_NO;
    if (strcmp(url, "/metrics") != 0) {
        r = MHD_create_response_from_buffer(sizeof(not_found) - 1, (void *)not_found,
                            MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_FOUND;
    } else {
        f = open_memstream(&text, &len);
        if (f == NULL)
            return MHD_NO;
        render(cls, f);
        fclose(f);
        r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    }
    if (r == NULL) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                status == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8"
                              : "text/plain");
    rv = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rv;
}

static void on_ready(struct ctl_loop *loop, int fd, void *clientd, unsigned mask)
{
    (void)loop;
    (void)fd;
    (void)clientd;
    (void)mask;
    MHD_run(mhd);
}

static void on_tick(struct ctl_loop *loop, int id, void *clientd)
{
    (void)loop;
    (void)id;
    (void)clientd;
    MHD_run(mhd);           /* connection timeouts */
}

int ctl_metrics_start(struct ctl *ctl)
{
    const struct tern_config *c = &ctl->cfg;
    struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(c->metrics_port) };
    struct sockaddr_in sa4 = { .sin_family = AF_INET, .sin_port = htons(c->metrics_port) };
    bool v6 = strchr(c->metrics_address, ':') != NULL;
    const union MHD_DaemonInfo *info;
    int rc;

    if (c->metrics_port == 0)
        return 0;       /* off */
    if (v6 ? inet_pton(AF_INET6, c->metrics_address, &sa6.sin6_addr) != 1
           : inet_pton(AF_INET, c->metrics_address, &sa4.sin_addr) != 1)
        return -EINVAL; /* the config reader checked it */
    mhd = MHD_start_daemon(MHD_USE_EPOLL | (v6 ? MHD_USE_IPv6 : 0), c->metrics_port, NULL,
                   NULL, answer, ctl,
                   MHD_OPTION_SOCK_ADDR, v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa4,
                   MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                   MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_END);
    if (mhd == NULL) {
        ctl_log(CTL_ERROR, "metrics: cannot listen on %s port %u", c->metrics_address,
            c->metrics_port);
        return -EADDRNOTAVAIL;
    }
    info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_EPOLL_FD);
    rc = info ? ctl_loop_add_file(ctl->loop, info->epoll_fd, CTL_READABLE, on_ready, ctl)
          : -EINVAL;
    if (rc == 0) {
        mhd_timer = ctl_loop_add_timer(ctl->loop, 1000, true, on_tick, ctl);
        rc = mhd_timer < 0 ? mhd_timer : 0;
    }
    if (rc < 0) {
        ctl_metrics_stop(ctl);
        return rc;
    }
    ctl_log(CTL_INFO, "metrics: serving http://%s%s%s:%u/metrics", v6 ? "[" : "",
        c->metrics_address, v6 ? "]" : "", c->metrics_port);
    return 0;
}

void ctl_metrics_stop(struct ctl *ctl)
{
    const union MHD_DaemonInfo *info;

    if (mhd == NULL)
        return;
    info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_EPOLL_FD);
    if (info)
        ctl_loop_del_file(ctl->loop, info->epoll_fd, ~0u);
    ctl_loop_del_timer(ctl->loop, mhd_timer);
    mhd_timer = -1;
    MHD_stop_daemon(mhd);
    mhd = NULL;
}
