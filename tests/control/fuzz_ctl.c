/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: tern-control's handling of whatever a client sends.
 *
 * The input is a sequence of datagrams, each a u16 length (little-endian)
 * and its bytes, fed in order to one fresh connection of a fresh daemon
 * (ctl_conn_message(), the path every received datagram takes): decode
 * dispatch, the hello state machine and every action's validation.  The
 * dataplane link (ctl_dp.c) is replaced by stubs that accept everything,
 * so requests get past the link into the registry code; replies go to a
 * socketpair that is drained after each datagram.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- dataplane stubs ---- */
int ctl_dp_start(struct ctl *ctl)
{
    (void)ctl;
    return 0;
}
void ctl_dp_close(struct ctl *ctl)
{
    (void)ctl;
}
bool ctl_dp_up(const struct ctl *ctl)
{
    (void)ctl;
    return true;
}
int ctl_dp_call(struct ctl *ctl, int64_t len, int fd, char *err, size_t errlen)
{
    (void)ctl;
    (void)fd;
    if (len < 0)
        return ctl_fail(err, errlen, -EINVAL, "cannot encode");
    return 0;
}
int ctl_dp_many(struct ctl *ctl, int64_t len, uint32_t *done, char *err, size_t errlen)
{
    (void)ctl;
    *done = UINT32_MAX;     /* all of them (the caller clamps) */
    if (len < 0)
        return ctl_fail(err, errlen, -EINVAL, "cannot encode");
    return 0;
}
int ctl_dp_stats(struct ctl *ctl, uint32_t topic_from, uint32_t sub_from,
                 struct DpStatsReply *out, char *err, size_t errlen)
{
    static uint8_t buf[512];
    static int64_t n;
    static struct DpTopicStats ts[2] = { { 0, 5, 6, 1 }, { 7, 1, 1, 0 } };
    static struct DpSubStats ss[1] = { { 1, 2, 3, 4, 5 } };
    static struct DpClientStats cs[1] = { { 0, 9, 9 } };

    (void)ctl;
    (void)err;
    (void)errlen;
    (void)topic_from;
    (void)sub_from;
    if (!n) {
        struct DpStatsReply r = { 0, TERN_STR_LIT(""), 10, 20, { ts, NULL, 2, 0 },
                                  { ss, NULL, 1, 0 }, { cs, NULL, 1, 0 } };
        n = DpStatsReply_encode(&r, buf, sizeof(buf));
        if (n < 0)
            abort();
    }
    if (DpStatsReply_decode(out, buf, (size_t)n) < 0)
        abort();
    return 0;
}

static void drain(int fd)
{
    static uint8_t sink[CTL_MSG_MAX];
    while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
        ;
}

/* The daemon is built once (its buffers are large); each input starts from
 * an empty registry, so a run depends on its input alone. */
static struct ctl *daemon_reset(void)
{
    static struct ctl ctl;
    static bool ready;

    if (!ready) {
        ctl_log_level = CTL_SILENT;
        if (tern_config_load(&ctl.cfg, NULL, NULL, 0) < 0)
            abort();
        ctl.cfg.max_topics = 8;
        ctl.cfg.max_subs = 8;
        ctl.cfg.max_clients = 2;
        if (ctl_init(&ctl) < 0)
            abort();
        ready = true;
    }
    memset(ctl.clients, 0, ctl.max_clients * sizeof(*ctl.clients));
    memset(ctl.subs, 0, ctl.max_subs * sizeof(*ctl.subs));
    memset(ctl.pubs, 0, (size_t)ctl.max_clients * ctl.max_topics * sizeof(*ctl.pubs));
    for (uint32_t i = 0; i < ctl.max_topics; i++)
        ctl.topics[i] = (struct ctl_topic){ .excl_client = CTL_NONE };
    return &ctl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ctl *ctl = daemon_reset();
    struct ctl_conn *conn;
    int sv[2];
    size_t pos = 0;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        abort();
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    conn = calloc(1, sizeof(*conn));
    conn->ctl = ctl;
    conn->fd = sv[0];
    conn->hello_timer = -1;
    conn->client_id = CTL_NONE;
    conn->passed_fd = -1;
    ctl->conns = conn;

    while (pos + 2 <= size) {
        size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
        uint16_t type = 0;
        int pfd = -1;

        pos += 2;
        if (len > size - pos)
            len = size - pos;
        /* A subscription may carry an fd: give it one to forward and close. */
        if (tern_codec_peek(data + pos, len, &type, NULL) >= 0 && type == CtlSubOpen_TYPE_ID)
            pfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        ctl_conn_message(conn, data + pos, len, pfd);
        drain(sv[1]);
        pos += len;
        if (conn->closing)
            break;
    }
    ctl_conn_close(conn);   /* as on EOF: frees its slot, subs, publishers */
    if (ctl->conns || ctl->clients[0].used || ctl->clients[1].used)
        abort();
    close(sv[1]);
    return 0;
}
