/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry's memory, and the small helpers every action uses.  Sized
 * once from the config at start-up: the registry never grows, as the
 * dataplane's shared memory never does.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_sock.h"
#include "common/tern_logline.h"

enum ctl_level ctl_log_level = CTL_INFO;

/* Lines in the daemon format of lib/common/tern_logline.h, at syslog
 * priorities (journald reads them from the "<N>" prefix). */
static const int syslog_level[] = { TERN__LOG_ERR, TERN__LOG_WARNING, TERN__LOG_INFO,
                                    TERN__LOG_DEBUG };

void ctl_log(enum ctl_level level, const char *fmt, ...)
{
    va_list ap;

    if (level > ctl_log_level || level < CTL_ERROR)
        return;
    va_start(ap, fmt);
    tern__log_vprintf(syslog_level[level], "tern-control", fmt, ap);
    va_end(ap);
}

void ctl_log_rl(struct tern__rl *rl, enum ctl_level level, const char *fmt, ...)
{
    uint64_t sup;
    va_list ap;

    if (level > ctl_log_level || level < CTL_ERROR)
        return;     /* a line nobody sees spends no token */
    if (!tern__rl_allow(rl, tern__rl_now(), &sup))
        return;
    if (sup)
        ctl_log(level, "suppressed %llu similar messages", (unsigned long long)sup);
    va_start(ap, fmt);
    tern__log_vprintf(syslog_level[level], "tern-control", fmt, ap);
    va_end(ap);
}

int ctl_fail(char *err, size_t errlen, int rv, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rv;
}

int ctl_str(char *dst, size_t cap, struct tern_str s)
{
    if (s.len >= cap) {
        dst[0] = '\0';
        return -ENAMETOOLONG;
    }
    if (s.len)
        memcpy(dst, s.ptr, s.len);
    dst[s.len] = '\0';
    return 0;
}

static const char *topic_key(void *ctx, uint32_t id)
{
    return ((struct ctl *)ctx)->topics[id].name;
}

int ctl_init(struct ctl *ctl)
{
    const struct tern_config *c = &ctl->cfg;

    ctl->listen_fd = -1;
    ctl->signal_fd = -1;
    ctl->dp.fd = -1;
    ctl->dp.retry_timer = -1;
    /* Until the dataplane says otherwise, the config's limits. */
    snprintf(ctl->file_prefix, sizeof(ctl->file_prefix), "%s", c->file_prefix);
    ctl->max_topics = c->max_topics;
    ctl->max_subs = c->max_subs;
    ctl->max_clients = c->max_clients;
    ctl->first_client_lcore = c->first_client_lcore;

    ctl->clients = calloc(c->max_clients, sizeof(*ctl->clients));
    ctl->topics = calloc(c->max_topics, sizeof(*ctl->topics));
    ctl->subs = calloc(c->max_subs, sizeof(*ctl->subs));
    ctl->pubs = calloc((size_t)c->max_clients * c->max_topics, sizeof(*ctl->pubs));
    ctl->rx = malloc(CTL_MSG_MAX);
    ctl->tx = malloc(CTL_MSG_MAX);
    ctl->dp.rx = malloc(CTL_MSG_MAX);
    ctl->dp.tx = malloc(CTL_MSG_MAX);
    ctl->topic_infos = calloc(c->max_topics, sizeof(*ctl->topic_infos));
    ctl->sub_infos = calloc(c->max_subs, sizeof(*ctl->sub_infos));
    ctl->client_infos = calloc(c->max_clients, sizeof(*ctl->client_infos));
    /* A bulk request holds at most a datagram's worth of 4-byte items. */
    ctl->many_ids = calloc(CTL_MSG_MAX / 4, sizeof(*ctl->many_ids));
    ctl->loop = ctl_loop_create(4096);
    if (!ctl->clients || !ctl->topics || !ctl->subs || !ctl->pubs || !ctl->rx || !ctl->tx ||
        !ctl->dp.rx || !ctl->dp.tx || !ctl->topic_infos || !ctl->sub_infos ||
        !ctl->client_infos || !ctl->many_ids || !ctl->loop) {
        ctl_fini(ctl);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < c->max_topics; i++)
        ctl->topics[i].excl_client = CTL_NONE;
    if (tern__names_init(&ctl->topic_names, c->max_topics, topic_key, ctl) < 0) {
        ctl_fini(ctl);
        return -ENOMEM;
    }
    return 0;
}

void ctl_fini(struct ctl *ctl)
{
    /* Dataplane first: closing the applications' connections fences them
     * (their watcher sees the EOF), but their processes may still run, so
     * they must not be reclaimed now (no DpClientGone): the dataplane keeps
     * them, and the next tern-control reserves them until they exit. */
    ctl_dp_close(ctl);
    while (ctl->conns)
        ctl_conn_close(ctl->conns);
    if (ctl->listen_fd >= 0) {
        close(ctl->listen_fd);
        unlink(ctl->cfg.control_socket);
        ctl->listen_fd = -1;
    }
    if (ctl->signal_fd >= 0)
        close(ctl->signal_fd);
    ctl_loop_destroy(ctl->loop);
    free(ctl->clients);
    free(ctl->topics);
    free(ctl->subs);
    free(ctl->pubs);
    free(ctl->rx);
    free(ctl->tx);
    free(ctl->dp.rx);
    free(ctl->dp.tx);
    free(ctl->topic_infos);
    free(ctl->sub_infos);
    free(ctl->client_infos);
    free(ctl->many_ids);
    tern__names_fini(&ctl->topic_names);
    memset(ctl, 0, sizeof(*ctl));
}
