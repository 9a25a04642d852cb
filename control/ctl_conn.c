/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Client connections: accept, the hello deadline, one message in, one reply
 * out, and the protocol state machine around the actions.
 *
 * A connection must say CtlHello first, within client_timeout_ms, with
 * proto_version 1.  Anything else (bytes that do not decode, an unknown or
 * reply-only type, a request before the hello, a second hello) is answered
 * with status -EPROTO and a reason, then that connection alone is closed:
 * one bad peer never disturbs the others.  An application's EOF, even from
 * kill -9, reaches us at once through epoll; its slot is reclaimed in the
 * same iteration (ctl_client_gone()).
 *
 * Replies are sent on a non-blocking socket.  Clients are strictly
 * request/reply, so the socket buffer never holds more than one reply; a
 * peer that pipelines requests without reading and fills it is closed.
 */
#define _GNU_SOURCE     /* accept4 */
#include <errno.h>
#include <assert.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus/tern_sock.h"
#include "ctl.h"
#include "ctl_sock.h"

int ctl_conn_reply(struct ctl_conn *conn, int status, const char *err, uint32_t id)
{
    struct CtlReply r = { status, tern_str_from_cstr(err ? err : ""), id };
    int64_t n = CtlReply_encode(&r, conn->ctl->tx, CTL_MSG_MAX);
    int rc;

    if (n < 0)
        return -EINVAL;
    rc = tern__sock_send(conn->fd, conn->ctl->tx, (size_t)n, -1);
    if (rc < 0)
        conn->closing = true;
    return rc;
}

/* Reply with status (negative) and reason, then close the connection. */
static void conn_reject(struct ctl_conn *conn, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conn_reject(struct ctl_conn *conn, int status, const char *fmt, ...)
{
    char err[CTL_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, sizeof(err), fmt, ap);
    va_end(ap);
    CTL_LOG_RL(CTL_WARN, "connection %d: %s", conn->fd, err);
    ctl_conn_reply(conn, status, err, 0);
    conn->closing = true;
    conn->handled = true;
}

static void hello_reply(struct ctl_conn *conn, int status, const char *err)
{
    struct ctl *ctl = conn->ctl;
    static char store[CTL_EAL_ARGS][CTL_NAME_MAX * 2];
    struct tern_str args[CTL_EAL_ARGS];
    struct CtlHelloReply r = { 0 };
    int64_t n;

    r.status = status;
    r.error = tern_str_from_cstr(err);
    r.client_id = conn->client_id;
    r.lcore_id = CTL_NONE;
    if (status == 0 && conn->client_id != CTL_NONE) {
        r.lcore_id = ctl->clients[conn->client_id].lcore_id;
        r.eal_args.items = args;
        r.eal_args.count = ctl_client_eal_args(ctl, conn->client_id, args, store);
    }
    n = CtlHelloReply_encode(&r, ctl->tx, CTL_MSG_MAX);
    if (n < 0 || tern__sock_send(conn->fd, ctl->tx, (size_t)n, -1) < 0)
        conn->closing = true;
}

static int on_hello(const struct CtlHello *m, void *clientd)
{
    struct ctl_conn *conn = clientd;
    char err[CTL_ERR_MAX] = "";
    int rc;

    conn->handled = true;
    if (conn->hello_done) {
        conn_reject(conn, -EPROTO, "protocol error: a second CtlHello");
        return 0;
    }
    if (m->proto_version != CTL_PROTO_VERSION) {
        snprintf(err, sizeof(err), "protocol version %u not supported (tern-control speaks %u)",
                 m->proto_version, CTL_PROTO_VERSION);
        CTL_LOG_RL(CTL_WARN, "connection %d: %s", conn->fd, err);
        hello_reply(conn, -EPROTONOSUPPORT, err);
        conn->closing = true;
        return 0;
    }
    ctl_loop_del_timer(conn->ctl->loop, conn->hello_timer);
    conn->hello_timer = -1;
    conn->hello_done = true;
    conn->peer = m->peer;
    if (m->peer == CtlPeer_APP) {
        rc = ctl_client_attach(conn->ctl, conn, m, &conn->client_id, err, sizeof(err));
        if (rc < 0) {
            CTL_LOG_RL(CTL_WARN, "connection %d: %s", conn->fd, err);
            hello_reply(conn, rc, err);
            conn->closing = true;
            return 0;
        }
    }
    hello_reply(conn, 0, "");
    return 0;
}

/* Requests only applications may make need a client slot. */
static bool need_app(struct ctl_conn *conn)
{
    conn->handled = true;
    if (conn->client_id != CTL_NONE)
        return true;
    ctl_conn_reply(conn, -EPERM, "only an application (peer APP) may open publishers "
                   "or subscriptions", 0);
    return false;
}

#define CTL_ACTION_BEGIN(conn, clientd)                                                  \
    struct ctl_conn *conn = clientd;                                                     \
    char err[CTL_ERR_MAX] = "";                                                          \
    uint32_t id = 0;                                                                     \
    int rc;                                                                              \
    (void)id;                                                                            \
    conn->handled = true

static int on_topic_create(const struct CtlTopicCreate *m, void *clientd)
{
    CTL_ACTION_BEGIN(conn, clientd);
    rc = ctl_topic_create(conn->ctl, m->name, &id, err, sizeof(err));
    ctl_conn_reply(conn, rc, err, id);
    return 0;
}

static int on_topic_delete(const struct CtlTopicDelete *m, void *clientd)
{
    CTL_ACTION_BEGIN(conn, clientd);
    rc = ctl_topic_delete(conn->ctl, m->name, &id, err, sizeof(err));
    ctl_conn_reply(conn, rc, err, id);
    return 0;
}

static int on_topic_lookup(const struct CtlTopicLookup *m, void *clientd)
{
    CTL_ACTION_BEGIN(conn, clientd);
    rc = ctl_topic_lookup(conn->ctl, m->name, &id, err, sizeof(err));
    ctl_conn_reply(conn, rc, err, id);
    return 0;
}

static int on_pub_open(const struct CtlPubOpen *m, void *clientd)
{
    CTL_ACTION_BEGIN(conn, clientd);
    if (!need_app(conn))
        return 0;
    rc = ctl_pub_open(conn->ctl, conn->client_id, m->topic, m->exclusive, &id, err,
                      sizeof(err));
    ctl_conn_reply(conn, rc, err, id);
    return 0;
}

static int on_pub_close(const struct CtlPubClose *m, void *clientd)
{
    CTL_ACTION_BEGIN(conn, clientd);
    if (!need_app(conn))
        return 0;
    rc = ctl_pub_close(conn->ctl, conn->client_id, m->topic_id, err, sizeof(err));
    ctl_conn_reply(conn, rc, err, m->topic_id);
    return 0;
}

static int on_sub_open(const struct CtlSubOpen *m, void *clientd)
{
    CTL_ACTION_BEGIN(conn, clientd);
    if (!need_app(conn))
        return 0;
    rc = ctl_sub_open(conn->ctl, conn->client_id, m, conn->passed_fd, &id, err, sizeof(err));
    ctl_conn_reply(conn, rc, err, id);
    return 0;
}

static int on_sub_close(const struct CtlSubClose *m, void *clientd)
{
    CTL_ACTION_BEGIN(conn, clientd);
    if (!need_app(conn))
        return 0;
    rc = ctl_sub_close(conn->ctl, conn->client_id, m->sub_id, err, sizeof(err));
    ctl_conn_reply(conn, rc, err, m->sub_id);
    return 0;
}

/* The three read-only queries share one snapshot (ctl_stats()), sent in
 * pages: a SOCK_SEQPACKET datagram is bounded (CTL_MSG_MAX), and 65536
 * topics with long names are megabytes.  A page holds the items from the
 * asked-for ids on, up to CTL_PAGE_BYTES of names; the client asks again
 * from the reply's cursor while `more` is set.  The snapshot is taken at
 * the first page (cursors 0) and kept for the following ones of the same
 * query, so a listing costs one walk of the dataplane, not one per page,
 * and its pages agree with each other.  Another client's first page
 * replaces it; a page asked of a snapshot that is not its own (another
 * query or filter came in between) takes a fresh one, and as the cursors
 * are ids, not positions, nothing is listed twice. */
#define CTL_PAGE_BYTES (96u * 1024u)
#define CTL_PAGE_ITEM 64u           /* an item's encoding, its name aside */

static struct {
    bool valid;
    uint16_t type;
    char pattern[CTL_NAME_MAX];
    struct ctl_stats st;
} snap;

void ctl_stats_snapshot_drop(void)
{
    snap.valid = false;
}

/* A listing's items, compacted in id order: CtlTopicInfo or CtlSubInfo,
 * both of which start with their u32 id. */
struct items {
    const void *base;
    uint32_t n;
    size_t stride;
    size_t name_off;            /* of the struct tern_str that is its name */
};
static_assert(offsetof(struct CtlTopicInfo, topic_id) == 0, "id first");
static_assert(offsetof(struct CtlSubInfo, sub_id) == 0, "id first");

static const uint8_t *item(const struct items *it, uint32_t i)
{
    return (const uint8_t *)it->base + (size_t)i * it->stride;
}

static uint32_t item_id(const struct items *it, uint32_t i)
{
    uint32_t id;

    memcpy(&id, item(it, i), sizeof(id));
    return id;
}

/* The page [*first, *first + *count) from id from on, within *budget
 * bytes: a binary search for the first id, then as many as fit. */
static void page_of(const struct items *it, uint32_t from, size_t *budget, uint32_t *first,
                    uint32_t *count)
{
    uint32_t lo = 0, hi = it->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (item_id(it, mid) < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    for (; lo < it->n; lo++) {
        struct tern_str name;
        memcpy(&name, item(it, lo) + it->name_off, sizeof(name));
        if (*budget < CTL_PAGE_ITEM + name.len)
            break;
        *budget -= CTL_PAGE_ITEM + name.len;
    }
    *count = lo - *first;
}

/* Whether items follow the page, and the cursor to ask for next. */
static bool page_next(const struct items *it, uint32_t first, uint32_t count, uint32_t from,
                      uint32_t *next)
{
    if (first + count < it->n) {
        *next = item_id(it, first + count);
        return true;
    }
    *next = count ? item_id(it, first + count - 1) + 1 : from;
    return false;
}

static void reply_stats(struct ctl_conn *conn, uint16_t type, struct tern_str filter,
                        uint32_t topic_from, uint32_t sub_from)
{
    struct ctl *ctl = conn->ctl;
    char err[CTL_ERR_MAX] = "", pattern[CTL_NAME_MAX];
    struct ctl_stats st = { 0 };
    size_t budget = CTL_PAGE_BYTES;
    uint32_t tf = 0, tn = 0, sfi = 0, sn = 0;
    bool first = topic_from == 0 && sub_from == 0;
    int64_t n;
    int rc;

    conn->handled = true;
    rc = filter.len ? ctl_name_check("pattern", filter, true, pattern, err, sizeof(err)) : 0;
    if (!filter.len)
        pattern[0] = '\0';
    if (rc == 0 && (first || !snap.valid || snap.type != type || strcmp(snap.pattern, pattern))) {
        snap.valid = false;
        rc = ctl_stats(ctl, type == CtlSubList_TYPE_ID ? NULL : pattern,
                       type == CtlSubList_TYPE_ID ? pattern : NULL, &snap.st, err, sizeof(err));
        if (rc == 0) {
            snap.valid = true;
            snap.type = type;
            snprintf(snap.pattern, sizeof(snap.pattern), "%s", pattern);
        }
    }
    if (rc == 0)
        st = snap.st;
    struct items ti = { st.topics, type == CtlSubList_TYPE_ID ? 0 : st.n_topics,
                        sizeof(*st.topics), offsetof(struct CtlTopicInfo, name) };
    struct items si = { st.subs, type == CtlTopicList_TYPE_ID ? 0 : st.n_subs,
                        sizeof(*st.subs), offsetof(struct CtlSubInfo, pattern) };
    uint32_t t_next, s_next;
    page_of(&ti, topic_from, &budget, &tf, &tn);
    page_of(&si, sub_from, &budget, &sfi, &sn);
    bool t_more = page_next(&ti, tf, tn, topic_from, &t_next);
    bool s_more = page_next(&si, sfi, sn, sub_from, &s_next);
    if (type == CtlTopicList_TYPE_ID) {
        struct CtlTopicListReply r = { rc, tern_str_from_cstr(err), { 0 }, t_more, t_next };
        r.topics.items = st.topics ? st.topics + tf : NULL;   /* NULL after an error */
        r.topics.count = tn;
        n = CtlTopicListReply_encode(&r, ctl->tx, CTL_MSG_MAX);
    } else if (type == CtlSubList_TYPE_ID) {
        struct CtlSubListReply r = { rc, tern_str_from_cstr(err), { 0 }, s_more, s_next };
        r.subs.items = st.subs ? st.subs + sfi : NULL;
        r.subs.count = sn;
        n = CtlSubListReply_encode(&r, ctl->tx, CTL_MSG_MAX);
    } else {
        struct CtlStatsReply r = { .status = rc, .error = tern_str_from_cstr(err),
                                   .more = t_more || s_more, .topic_next = t_next,
                                   .sub_next = s_next };
        r.topics.items = st.topics ? st.topics + tf : NULL;   /* NULL after an error */
        r.topics.count = tn;
        r.subs.items = st.subs ? st.subs + sfi : NULL;
        r.subs.count = sn;
        /* Pool, storage and clients (at most max_clients) with the first
         * page, which the dataplane sizes to fit them. */
        if (first) {
            r.clients.items = st.clients;
            r.clients.count = st.n_clients;
            r.pool_free = st.pool_free;
            r.pool_size = st.pool_size;
            r.storage_errors = st.storage_errors;
        }
        n = CtlStatsReply_encode(&r, ctl->tx, CTL_MSG_MAX);
    }
    if (n == TERN_CODEC_ENOSPACE) {
        ctl_conn_reply(conn, -EMSGSIZE, "reply larger than the largest control message", 0);
        return;
    }
    if (n < 0 || tern__sock_send(conn->fd, ctl->tx, (size_t)n, -1) < 0)
        conn->closing = true;
}

static int on_topic_list(const struct CtlTopicList *m, void *clientd)
{
    reply_stats(clientd, CtlTopicList_TYPE_ID, m->pattern, m->from, 0);
    return 0;
}

static int on_sub_list(const struct CtlSubList *m, void *clientd)
{
    reply_stats(clientd, CtlSubList_TYPE_ID, m->pattern, 0, m->from);
    return 0;
}

static int on_stats(const struct CtlStats *m, void *clientd)
{
    reply_stats(clientd, CtlStats_TYPE_ID, (struct tern_str){ "", 0 }, m->topic_from,
                m->sub_from);
    return 0;
}

static void reply_many(struct ctl_conn *conn, int rc, const char *err, uint32_t done)
{
    struct ctl *ctl = conn->ctl;
    struct CtlManyReply r = { rc, tern_str_from_cstr(err), done, { ctl->many_ids, done } };
    int64_t n = CtlManyReply_encode(&r, ctl->tx, CTL_MSG_MAX);

    if (n < 0 || tern__sock_send(conn->fd, ctl->tx, (size_t)n, -1) < 0)
        conn->closing = true;
}

static int on_topic_create_many(const struct CtlTopicCreateMany *m, void *clientd)
{
    CTL_ACTION_BEGIN(conn, clientd);
    (void)id;
    uint32_t done;
    rc = ctl_topic_create_many(conn->ctl, &m->names, &done, conn->ctl->many_ids, err,
                               sizeof(err));
    reply_many(conn, rc, err, done);
    return 0;
}

static int on_sub_open_many(const struct CtlSubOpenMany *m, void *clientd)
{
    CTL_ACTION_BEGIN(conn, clientd);
    (void)id;
    uint32_t done;
    if (!need_app(conn))
        return 0;
    rc = ctl_sub_open_many(conn->ctl, conn->client_id, &m->subs, &done, conn->ctl->many_ids,
                           err, sizeof(err));
    reply_many(conn, rc, err, done);
    return 0;
}

static int on_server_info(const struct CtlServerInfo *m, void *clientd)
{
    struct ctl_conn *conn = clientd;
    struct ctl *ctl = conn->ctl;
    const struct DpHelloReply *d = &ctl->dp_info;
    struct CtlServerInfoReply r = {
        .max_topics = ctl->max_topics, .max_subs = ctl->max_subs,
        .max_clients = ctl->max_clients, .max_links = d->max_links,
        .fanout_max = d->fanout_max, .sub_links_max = d->sub_links_max,
        .name_max = d->name_max, .topic_bytes = d->topic_bytes, .sub_bytes = d->sub_bytes,
        .link_bytes = d->link_bytes, .client_bytes = d->client_bytes,
        .ring_bytes = d->ring_bytes, .default_depth = ctl->cfg.default_depth,
        .state_bytes = d->state_bytes, .pool_bytes = d->pool_bytes,
    };
    char err[CTL_ERR_MAX] = "";
    struct ctl_stats st;
    int64_t n;

    (void)m;
    conn->handled = true;
    /* What is used now: one snapshot (links: those of tern-control's
     * subscriptions; storage's own are not counted). */
    ctl_stats_snapshot_drop();
    r.status = ctl_stats(ctl, NULL, NULL, &st, err, sizeof(err));
    r.error = tern_str_from_cstr(err);
    if (r.status == 0) {
        r.topics_used = st.n_topics;
        r.subs_used = st.n_subs;
        r.clients_used = st.n_clients;
        for (uint32_t i = 0; i < st.n_subs; i++)
            r.links_used += st.subs[i].topics;
    }
    n = CtlServerInfoReply_encode(&r, ctl->tx, CTL_MSG_MAX);
    if (n < 0 || tern__sock_send(conn->fd, ctl->tx, (size_t)n, -1) < 0)
        conn->closing = true;
    return 0;
}

/* Reply types and embedded records (CtlHelloReply, CtlTopicInfo, ...) have
 * no handler: receiving one is a protocol error. */
static const struct ctl_handlers handlers = {
    .on_CtlHello = on_hello,
    .on_CtlTopicCreate = on_topic_create,
    .on_CtlTopicDelete = on_topic_delete,
    .on_CtlTopicLookup = on_topic_lookup,
    .on_CtlTopicList = on_topic_list,
    .on_CtlPubOpen = on_pub_open,
    .on_CtlPubClose = on_pub_close,
    .on_CtlSubOpen = on_sub_open,
    .on_CtlSubClose = on_sub_close,
    .on_CtlSubList = on_sub_list,
    .on_CtlStats = on_stats,
    .on_CtlServerInfo = on_server_info,
    .on_CtlTopicCreateMany = on_topic_create_many,
    .on_CtlSubOpenMany = on_sub_open_many,
};

void ctl_conn_message(struct ctl_conn *conn, const uint8_t *buf, size_t len, int passed_fd)
{
    uint16_t type = 0;
    int64_t rc;

    conn->handled = false;
    conn->passed_fd = passed_fd;
    rc = tern_codec_peek(buf, len, &type, NULL);
    if (rc < 0)
        conn_reject(conn, -EPROTO, "protocol error: %s", tern_codec_strerror(rc));
    else if (!conn->hello_done && type != CtlHello_TYPE_ID)
        conn_reject(conn, -EPROTO, "protocol error: expected CtlHello first, got type %u",
                    type);
    else if ((size_t)rc < len)  /* one message per datagram, nothing after it */
        conn_reject(conn, -EPROTO, "protocol error: type %u: %zu bytes after the message",
                    type, len - (size_t)rc);
    else if ((rc = ctl_dispatch(buf, len, &handlers, conn)) < 0)
        conn_reject(conn, -EPROTO, "protocol error: type %u: %s", type,
                    rc == TERN_CODEC_EUNKNOWN ? "unknown message type"
                                              : tern_codec_strerror(rc));
    else if (!conn->handled)
        conn_reject(conn, -EPROTO, "protocol error: type %u is not a request", type);
    /* An fd the action did not take (or a hostile extra one) is closed. */
    if (conn->passed_fd >= 0)
        close(conn->passed_fd);
    conn->passed_fd = -1;
}

void ctl_conn_close(struct ctl_conn *conn)
{
    struct ctl *ctl = conn->ctl;

    if (conn->client_id != CTL_NONE)
        ctl_client_gone(ctl, conn->client_id);
    ctl_loop_del_timer(ctl->loop, conn->hello_timer);
    ctl_loop_del_file(ctl->loop, conn->fd, ~0u);
    close(conn->fd);
    if (conn->prev)
        conn->prev->next = conn->next;
    else
        ctl->conns = conn->next;
    if (conn->next)
        conn->next->prev = conn->prev;
    free(conn);
}

static void on_readable(struct ctl_loop *loop, int fd, void *clientd, unsigned mask)
{
    struct ctl_conn *conn = clientd;
    struct ctl *ctl = conn->ctl;
    int passed = -1;
    ssize_t n;

    (void)loop;
    (void)mask;
    (void)fd;
    n = tern__sock_recv(conn->fd, ctl->rx, CTL_MSG_MAX, &passed);
    if (n == -EAGAIN)
        return;
    if (n == -EMSGSIZE)
        conn_reject(conn, -EPROTO, "protocol error: message larger than %u bytes",
                    CTL_MSG_MAX);
    else if (n <= 0)
        conn->closing = true;   /* EOF: the peer closed or died */
    else
        ctl_conn_message(conn, ctl->rx, (size_t)n, passed);
    if (conn->closing)
        ctl_conn_close(conn);
}

static void on_hello_timeout(struct ctl_loop *loop, int id, void *clientd)
{
    struct ctl_conn *conn = clientd;

    (void)loop;
    (void)id;
    CTL_LOG_RL(CTL_WARN, "connection %d: no CtlHello within %u ms: closed", conn->fd,
               conn->ctl->cfg.client_timeout_ms);
    ctl_conn_close(conn);
}

static void on_accept(struct ctl_loop *loop, int fd, void *clientd, unsigned mask);

static void on_accept_resume(struct ctl_loop *loop, int id, void *clientd)
{
    struct ctl *ctl = clientd;

    ctl_loop_del_timer(loop, id);
    if (ctl_loop_add_file(loop, ctl->listen_fd, CTL_READABLE, on_accept, ctl) < 0)
        ctl_log(CTL_ERROR, "cannot resume accepting connections");
}

/* Out of descriptors (say, hundreds of silent clients each holding a socket
 * and a timer until their hello deadline): the listening socket stays
 * readable, and a level-triggered loop would spin on it.  Stop accepting
 * for CTL_ACCEPT_PAUSE_MS; the deadlines meanwhile free descriptors. */
#define CTL_ACCEPT_PAUSE_MS 100
static void accept_pause(struct ctl *ctl, int err)
{
    CTL_LOG_RL(CTL_WARN, "cannot accept: %s: pausing %d ms", strerror(err), CTL_ACCEPT_PAUSE_MS);
    ctl_loop_del_file(ctl->loop, ctl->listen_fd, ~0u);
    if (ctl_loop_add_timer(ctl->loop, CTL_ACCEPT_PAUSE_MS, false, on_accept_resume, ctl) < 0)
        on_accept_resume(ctl->loop, -1, ctl);   /* no fd for a timer either: spin rather than go deaf */
}

static void on_accept(struct ctl_loop *loop, int fd, void *clientd, unsigned mask)
{
    struct ctl *ctl = clientd;
    struct ctl_conn *conn;
    int cfd, err;

    (void)mask;
    /* Everything a connection needs comes before accept4(): a connection
     * we could not serve stays in the backlog instead of being accepted
     * and dropped. */
    conn = calloc(1, sizeof(*conn));
    if (!conn) {
        accept_pause(ctl, ENOMEM);
        return;
    }
    conn->ctl = ctl;
    conn->client_id = CTL_NONE;
    conn->passed_fd = -1;
    conn->hello_timer = ctl_loop_add_timer(loop, ctl->cfg.client_timeout_ms, false,
                                           on_hello_timeout, conn);
    if (conn->hello_timer < 0) {
        err = -conn->hello_timer;
        goto out_free;
    }
    cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0) {
        err = errno;
        goto out_timer;
    }
    conn->fd = cfd;
    err = -ctl_loop_add_file(loop, cfd, CTL_READABLE, on_readable, conn);
    if (err)
        goto out_close;
    conn->next = ctl->conns;
    if (ctl->conns)
        ctl->conns->prev = conn;
    ctl->conns = conn;
    CTL_LOG_RL(CTL_DEBUG, "connection %d: accepted", cfd);
    return;

out_close:
    close(cfd);
out_timer:
    ctl_loop_del_timer(loop, conn->hello_timer);
out_free:
    free(conn);
    /* EAGAIN: someone connected and left already; anything else is a lack
     * of resources. */
    if (err != EAGAIN && err != ECONNABORTED && err != EINTR)
        accept_pause(ctl, err);
}

int ctl_listen(struct ctl *ctl)
{
    int fd = ctl_sock_listen(ctl->cfg.control_socket);

    if (fd < 0)
        return fd;
    ctl->listen_fd = fd;
    return 0;
}

int ctl_accept_start(struct ctl *ctl)
{
    return ctl_loop_add_file(ctl->loop, ctl->listen_fd, CTL_READABLE, on_accept, ctl);
}
