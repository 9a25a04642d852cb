/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The link to tern-dataplane: one SOCK_SEQPACKET connection, requests
 * strictly one at a time.
 *
 * Requests are synchronous (send, then block for the reply with a
 * CTL_DP_TIMEOUT_MS receive timeout) although everything else in
 * tern-control is event-driven.  The dataplane answers from its control
 * lcore in microseconds, so the reactor is never held for long, and a
 * synchronous call keeps every action a straight line of code instead of a
 * chain of continuations.  A timeout or EOF means the dataplane is gone or
 * wedged: the link is dropped and retried every CTL_DP_RETRY_MS.
 *
 * On every (re)connect the dataplane may hold state we do not know:
 * clients and topics left by an earlier tern-control, whose processes may
 * still run.  Our DpHello fences those clients; ctl_reconcile.c adopts the
 * topics, keeps the fenced clients' ids reserved until their processes
 * exit, and re-creates our own topics the dataplane lacks.  When
 * the link drops, the applications are dropped too: they are attached to a
 * primary process that is gone.  That is deferred to the loop's
 * before_sleep hook, because the drop can be noticed deep inside a request
 * handler that still uses its connection.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus/tern_sock.h"
#include "ctl.h"
#include "ctl_sock.h"

#define CTL_STR_(x) #x
#define CTL_STR(x) CTL_STR_(x)

static bool lost_pending;     /* applications to drop at the next before_sleep */
static bool connecting;       /* inside connect_once(): a failure is just "not yet" */

bool ctl_dp_up(const struct ctl *ctl)
{
    return ctl->dp.fd >= 0;
}

static void on_before_sleep(struct ctl_loop *loop, void *clientd)
{
    (void)loop;
    if (lost_pending) {
        lost_pending = false;
        ctl_clients_drop_all(clientd);
    }
}

static void on_retry(struct ctl_loop *loop, int id, void *clientd);
static void close_link(struct ctl *ctl);

static void link_lost(struct ctl *ctl, const char *why)
{
    if (ctl->dp.fd < 0)
        return;
    if (connecting) {
        close_link(ctl);
        return;
    }
    ctl_log(CTL_ERROR, "dataplane link lost (%s): dropping applications, reconnecting "
            "every %d ms", why, CTL_DP_RETRY_MS);
    close_link(ctl);
    lost_pending = true;
    if (ctl->dp.retry_timer < 0)
        ctl->dp.retry_timer = ctl_loop_add_timer(ctl->loop, CTL_DP_RETRY_MS, true, on_retry,
                                                 ctl);
}

static void close_link(struct ctl *ctl)
{
    if (ctl->dp.fd >= 0) {
        ctl_loop_del_file(ctl->loop, ctl->dp.fd, ~0u);
        close(ctl->dp.fd);
        ctl->dp.fd = -1;
    }
}

void ctl_dp_close(struct ctl *ctl)
{
    if (!ctl->loop)
        return;
    close_link(ctl);
    ctl_loop_del_timer(ctl->loop, ctl->dp.retry_timer);
    ctl->dp.retry_timer = -1;
}

/* Send dp.tx[0..len) and receive one reply into dp.rx.  @return its length,
 * or -ENOTCONN after dropping the link. */
static ssize_t exchange(struct ctl *ctl, int64_t len, int fd, char *err, size_t errlen)
{
    ssize_t n;
    int rc;

    if (len < 0)
        return ctl_fail(err, errlen, -EINVAL, "cannot encode the dataplane request: %s",
                        tern_codec_strerror(len));
    if (ctl->dp.fd < 0)
        return ctl_fail(err, errlen, -ENOTCONN, "the dataplane is not connected");
    rc = tern__sock_send(ctl->dp.fd, ctl->dp.tx, (size_t)len, fd);
    if (rc < 0) {
        link_lost(ctl, strerror(-rc));
        return ctl_fail(err, errlen, -ENOTCONN, "dataplane link lost: %s", strerror(-rc));
    }
    n = tern__sock_recv(ctl->dp.fd, ctl->dp.rx, CTL_MSG_MAX, NULL);
    if (n <= 0) {
        const char *why = n == 0 ? "connection closed"
                        : n == -EAGAIN ? "no reply within " CTL_STR(CTL_DP_TIMEOUT_MS) " ms"
                        : strerror((int)-n);
        link_lost(ctl, why);
        return ctl_fail(err, errlen, -ENOTCONN, "dataplane link lost: %s", why);
    }
    return n;
}

/* The dataplane's reason text, escaped: it ends up in logs and replies. */
static const char *dp_reason(struct tern_str s)
{
    static char buf[TERN_ESC_LEN(CTL_ERR_MAX)];

    return tern__esc(buf, sizeof(buf), s.ptr, s.len);
}

int ctl_dp_call(struct ctl *ctl, int64_t len, int fd, char *err, size_t errlen)
{
    struct DpReply r;
    ssize_t n = exchange(ctl, len, fd, err, errlen);

    if (n < 0)
        return (int)n;
    if (DpReply_decode(&r, ctl->dp.rx, (size_t)n) < 0) {
        link_lost(ctl, "malformed reply");
        return ctl_fail(err, errlen, -EPROTO, "malformed reply from the dataplane");
    }
    if (r.status < 0)
        return ctl_fail(err, errlen, r.status, "dataplane: %s", dp_reason(r.error));
    return 0;
}

int ctl_dp_many(struct ctl *ctl, int64_t len, uint32_t *done, char *err, size_t errlen)
{
    struct DpManyReply r;
    ssize_t n = exchange(ctl, len, -1, err, errlen);

    *done = 0;
    if (n < 0)
        return (int)n;
    if (DpManyReply_decode(&r, ctl->dp.rx, (size_t)n) < 0) {
        link_lost(ctl, "malformed reply");
        return ctl_fail(err, errlen, -EPROTO, "malformed reply from the dataplane");
    }
    *done = r.done;
    if (r.status < 0)
        return ctl_fail(err, errlen, r.status, "dataplane: %s", dp_reason(r.error));
    return 0;
}

int ctl_dp_stats(struct ctl *ctl, uint32_t topic_from, uint32_t sub_from,
                 struct DpStatsReply *out, char *err, size_t errlen)
{
    struct DpStats m = { 0, topic_from, sub_from };
    ssize_t n = exchange(ctl, DpStats_encode(&m, ctl->dp.tx, CTL_MSG_MAX), -1, err, errlen);

    if (n < 0)
        return (int)n;
    if (DpStatsReply_decode(out, ctl->dp.rx, (size_t)n) < 0) {
        link_lost(ctl, "malformed stats reply");
        return ctl_fail(err, errlen, -EPROTO, "malformed stats reply from the dataplane");
    }
    if (out->status < 0)
        return ctl_fail(err, errlen, out->status, "dataplane: %s", dp_reason(out->error));
    return 0;
}

/* The dataplane never speaks first: readable means EOF or a protocol bug. */
static void on_dp_readable(struct ctl_loop *loop, int fd, void *clientd, unsigned mask)
{
    struct ctl *ctl = clientd;
    ssize_t n = tern__sock_recv(fd, ctl->dp.rx, CTL_MSG_MAX, NULL);

    (void)loop;
    (void)mask;
    if (n == -EAGAIN)
        return;
    link_lost(ctl, n == 0 ? "connection closed" : n < 0 ? strerror((int)-n)
                                                       : "unsolicited message");
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* One attempt: connect, hello, adopt the dataplane's limits, reconcile. */
static int connect_attempt(struct ctl *ctl, char *err, size_t errlen)
{
    struct DpHello h = { CTL_DP_PROTO_VERSION };
    struct DpHelloReply r;
    char esc[TERN_ESC_MAX];
    ssize_t n;
    int fd, rc;

    fd = tern__sock_connect(ctl->cfg.dataplane_socket);
    if (fd < 0)
        return ctl_fail(err, errlen, fd, "cannot connect to %s: %s",
                        ctl->cfg.dataplane_socket, strerror(-fd));
    ctl_sock_timeout(fd, CTL_DP_TIMEOUT_MS);
    ctl->dp.fd = fd;
    n = exchange(ctl, DpHello_encode(&h, ctl->dp.tx, CTL_MSG_MAX), -1, err, errlen);
    if (n < 0)
        return (int)n;
    if (DpHelloReply_decode(&r, ctl->dp.rx, (size_t)n) < 0)
        return ctl_fail(err, errlen, -EPROTO, "malformed DpHelloReply from the dataplane");
    if (r.status < 0)
        return ctl_fail(err, errlen, r.status, "dataplane refused DpHello: %s",
                        dp_reason(r.error));
    if (r.file_prefix.len && ctl_str(ctl->file_prefix, sizeof(ctl->file_prefix),
                                     r.file_prefix) < 0)
        snprintf(ctl->file_prefix, sizeof(ctl->file_prefix), "%s", ctl->cfg.file_prefix);
    if (strcmp(ctl->file_prefix, ctl->cfg.file_prefix))
        ctl_log(CTL_WARN, "dataplane uses file prefix '%s', the config says '%s': using it",
                TERN_ESC_STR(esc, ctl->file_prefix), ctl->cfg.file_prefix);
    /* Registry arrays are sized by the config: never exceed it. */
    ctl->max_topics = min_u32(r.max_topics, ctl->cfg.max_topics);
    ctl->max_subs = min_u32(r.max_subs, ctl->cfg.max_subs);
    ctl->max_clients = min_u32(r.max_clients, ctl->cfg.max_clients);
    ctl->first_client_lcore = r.first_client_lcore;
    ctl->dp_info = r;
    ctl->dp_info.error = ctl->dp_info.file_prefix = (struct tern_str){ "", 0 };  /* views dp.rx */

    rc = ctl_loop_add_file(ctl->loop, fd, CTL_READABLE, on_dp_readable, ctl);
    if (rc < 0)
        return ctl_fail(err, errlen, rc, "cannot watch the dataplane socket");
    rc = ctl_reconcile(ctl);
    if (rc < 0 || !ctl_dp_up(ctl))
        return ctl_fail(err, errlen, rc < 0 ? rc : -ENOTCONN,
                        "cannot reconcile with the dataplane");
    ctl_log(CTL_INFO, "dataplane connected at %s: file prefix '%s', %u topics, %u subs, "
            "%u clients from lcore %u", ctl->cfg.dataplane_socket,
            TERN_ESC_STR(esc, ctl->file_prefix),
            ctl->max_topics, ctl->max_subs, ctl->max_clients, ctl->first_client_lcore);
    return 0;
}

static int connect_once(struct ctl *ctl, char *err, size_t errlen)
{
    int rc;

    connecting = true;
    rc = connect_attempt(ctl, err, errlen);
    connecting = false;
    if (rc < 0)
        close_link(ctl);
    return rc;
}

static void on_retry(struct ctl_loop *loop, int id, void *clientd)
{
    struct ctl *ctl = clientd;
    char err[CTL_ERR_MAX];

    if (!ctl_dp_up(ctl) && connect_once(ctl, err, sizeof(err)) < 0) {
        ctl_log(CTL_DEBUG, "dataplane: %s", err);
        return;
    }
    ctl_loop_del_timer(loop, id);
    ctl->dp.retry_timer = -1;
}

int ctl_dp_start(struct ctl *ctl)
{
    const struct timespec pause = { 0, CTL_DP_RETRY_MS * 1000000L };
    char err[CTL_ERR_MAX];
    int rc = -ENOTCONN;

    ctl_loop_set_before_sleep(ctl->loop, on_before_sleep, ctl);
    for (int waited = 0; waited <= CTL_DP_START_WAIT_MS; waited += CTL_DP_RETRY_MS) {
        rc = connect_once(ctl, err, sizeof(err));
        if (rc == 0)
            return 0;
        if (rc != -ENOENT && rc != -ECONNREFUSED)
            break;      /* it answered, and said no: waiting will not help */
        if (waited == 0)
            ctl_log(CTL_INFO, "waiting up to %d ms for tern-dataplane at %s",
                    CTL_DP_START_WAIT_MS, ctl->cfg.dataplane_socket);
        nanosleep(&pause, NULL);
    }
    ctl_log(CTL_ERROR, "%s: is tern-dataplane running with the same config?", err);
    return rc;
}
