/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subscriptions for remote clients: one tern_sub each, with the policy,
 * start and depth the client asked for, and credit.
 *
 * The gateway polls a subscription only while its client has credit and
 * its connection's output is below the high-water mark, and copies each
 * message into the connection's output at once (so it releases every view
 * in the same turn and never holds bus buffers for a slow socket).  A
 * client that stops granting credit, or stops reading, therefore stops
 * this subscription's polling, and the bus does what it does for any slow
 * subscriber: with drop it drops for it (the next GwMessage's gap says how
 * many, per topic, from the sequence numbers), with backpressure its
 * publishers are refused.  The gateway itself never buffers for it.
 *
 * Between messages the gateway sleeps: a subscription with credit and
 * nothing to read is armed (tern_sub_arm()) and waits on its wake-up fd in
 * the reactor's epoll.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "gw.h"

#define GW_POLL_BURST 32
#define GW_SUB_BUDGET 256          /* messages per subscription per turn: fairness */
#define GW_CREDIT_MAX (1u << 30)

static struct gw_sub *dead_subs;

static void queue(struct gw *g, struct gw_sub *s)
{
    if (s->queued || !s->ts)
        return;
    s->queued = true;
    s->rprev = NULL;
    s->rnext = g->ready;
    if (g->ready)
        g->ready->rprev = s;
    g->ready = s;
}

static void unqueue(struct gw *g, struct gw_sub *s)
{
    if (!s->queued)
        return;
    s->queued = false;
    if (s->rprev)
        s->rprev->rnext = s->rnext;
    else
        g->ready = s->rnext;
    if (s->rnext)
        s->rnext->rprev = s->rprev;
}

static struct gw_sub *find(struct gw_conn *c, uint32_t id)
{
    for (struct gw_sub *s = c->subs; s; s = s->next)
        if (s->id == id)
            return s;
    return NULL;
}

void gw_sub_open(struct gw *g, struct gw_conn *c, const struct GwSubscribe *r)
{
    char pattern[GW_TOPIC_MAX + 1];
    struct tern_sub_opts o = {
        .start = (enum tern_start)r->start,
        .start_value = r->start_value,
        .policy = (enum tern_policy)r->policy,
        .depth = r->depth,
        .want_fd = true,
    };
    struct gw_sub *s;
    int rv;

    if (find(c, r->sub_id)) {
        gw_conn_error(g, c, GwErr_DUPLICATE, 0, r->sub_id, false, "sub_id %u is in use",
                      r->sub_id);
        return;
    }
    if (c->n_subs >= g->cfg.gw.max_subs) {
        gw_conn_error(g, c, GwErr_LIMIT, 0, r->sub_id, false,
                      "%u subscriptions on this connection ([gateway] max_subs)", c->n_subs);
        return;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        gw_conn_error(g, c, GwErr_INTERNAL, 0, r->sub_id, false, "out of memory");
        return;
    }
    memcpy(pattern, r->pattern.ptr, r->pattern.len);
    pattern[r->pattern.len] = '\0';
    /* A control call (tern-control sets the subscription up), on the
     * reactor's thread. */
    rv = tern_sub_open(g->bus, pattern, &o, &s->ts);
    if (rv < 0) {
        free(s);
        gw_conn_error(g, c, gw_err_from_tern(rv), 0, r->sub_id, false,
                      "subscribe to '%s': %s", pattern, tern_strerror(rv));
        return;
    }
    s->ep.kind = GW_EP_SUB;
    s->ep.fd = tern_sub_fd(s->ts);
    if (s->ep.fd < 0 || gw_ep_add(g, &s->ep, EPOLLIN) < 0) {
        tern_sub_close(s->ts);
        free(s);
        gw_conn_error(g, c, GwErr_INTERNAL, 0, r->sub_id, false, "no wake-up fd");
        return;
    }
    s->conn = c;
    s->id = r->sub_id;
    s->credits = r->credits < GW_CREDIT_MAX ? r->credits : GW_CREDIT_MAX;
    s->next = c->subs;
    c->subs = s;
    c->n_subs++;
    struct GwSubscribed ok = { .sub_id = s->id };
    GW_SEND(g, c, GwSubscribed, &ok);
    queue(g, s);
}

void gw_sub_credit(struct gw *g, struct gw_conn *c, uint32_t sub_id, uint32_t credits)
{
    struct gw_sub *s = find(c, sub_id);

    if (!s) {
        gw_conn_error(g, c, GwErr_UNKNOWN_SUB, 0, sub_id, false, "no subscription %u", sub_id);
        return;
    }
    s->credits = credits >= GW_CREDIT_MAX - s->credits ? GW_CREDIT_MAX : s->credits + credits;
    if (s->credits && !c->paused)
        queue(g, s);
}

/* Off the bus and out of the reactor; freed by gw_sub_reap(). */
static void sub_close(struct gw *g, struct gw_sub *s)
{
    unqueue(g, s);
    gw_ep_del(g, &s->ep);
    tern_sub_close(s->ts);      /* closes the wake-up fd too */
    s->ts = NULL;
    s->ep.fd = -1;
    free(s->last_seq);
    s->last_seq = NULL;
    s->next = dead_subs;
    dead_subs = s;
}

void gw_sub_unsubscribe(struct gw *g, struct gw_conn *c, uint32_t sub_id)
{
    struct gw_sub **pp = &c->subs;

    while (*pp && (*pp)->id != sub_id)
        pp = &(*pp)->next;
    if (!*pp) {
        gw_conn_error(g, c, GwErr_UNKNOWN_SUB, 0, sub_id, false, "no subscription %u", sub_id);
        return;
    }
    struct gw_sub *s = *pp;
    *pp = s->next;
    c->n_subs--;
    sub_close(g, s);
    struct GwUnsubscribed u = { .sub_id = sub_id };
    GW_SEND(g, c, GwUnsubscribed, &u);
}

void gw_sub_close_all(struct gw *g, struct gw_conn *c)
{
    while (c->subs) {
        struct gw_sub *s = c->subs;
        c->subs = s->next;
        sub_close(g, s);
    }
    c->n_subs = 0;
}

void gw_sub_reap(void)
{
    while (dead_subs) {
        struct gw_sub *s = dead_subs;
        dead_subs = s->next;
        free(s);
    }
}

void gw_sub_wake(struct gw *g, struct gw_sub *s)
{
    uint64_t v;

    if (!s->ts)
        return;
    if (read(s->ep.fd, &v, sizeof(v)) < 0)
        (void)0;    /* an eventfd: 8 bytes or EAGAIN; either way it is clear */
    if (s->credits && !s->conn->paused)
        queue(g, s);
}

void gw_sub_resume(struct gw *g, struct gw_conn *c)
{
    for (struct gw_sub *s = c->subs; s; s = s->next)
        if (s->credits)
            queue(g, s);
}

/* The gap reference of topic id t; NULL when out of memory (no gap then). */
static uint64_t *last_seq(struct gw_sub *s, uint32_t t)
{
    if (t >= s->n_last) {
        uint32_t n = s->n_last ? s->n_last : 8;
        while (n <= t)
            n *= 2;
        uint64_t *a = realloc(s->last_seq, n * sizeof(*a));
        if (!a)
            return NULL;
        memset(a + s->n_last, 0, (n - s->n_last) * sizeof(*a));
        s->last_seq = a;
        s->n_last = n;
    }
    return &s->last_seq[t];
}

/* A message's tags as views: "key=value\0" after the payload.  At most one
 * tag per two bytes of a 16-bit tags_len. */
static struct tern_str tag_items[UINT16_MAX / 2 + 1];

static uint32_t split_tags(const struct tern_msg *m)
{
    const char *p = (const char *)tern_msg_data(m) + m->size, *end = p + m->tags_len;
    uint32_t n = 0;

    while (p < end) {
        const char *z = memchr(p, '\0', (size_t)(end - p));
        const char *stop = z ? z : end;
        tag_items[n++] = (struct tern_str){ p, (uint32_t)(stop - p) };
        p = stop + 1;
    }
    return n;
}

static bool send_msg(struct gw *g, struct gw_sub *s, const struct tern_msg *m)
{
    const char *topic = tern_topic_name(g->bus, m->topic_id);
    uint64_t *last = last_seq(s, m->topic_id), gap = 0;

    if (last) {
        if (*last && m->seq > *last + 1)
            gap = m->seq - *last - 1;
        *last = m->seq;
    }
    struct GwMessage w = {
        .sub_id = s->id,
        .topic = tern_str_from_cstr(topic ? topic : ""),
        .seq = m->seq,
        .gap = gap,
        .event_ns = m->event_ns,
        .send_ns = m->send_ns,
        .recv_ns = m->recv_ns,
        .type_id = m->type_id,
        .type_version = m->version,
        .payload = { tern_msg_data(m), m->size },
    };
    w.tags.items = tag_items;
    w.tags.count = m->tags_len ? split_tags(m) : 0;
    s->conn->delivered++;
    s->conn->gaps += gap;
    return GW_SEND(g, s->conn, GwMessage, &w);
}

/* Poll s for as much as its credit, its connection and the turn's budget
 * allow.  true: s wants another turn. */
static bool sub_turn(struct gw *g, struct gw_sub *s)
{
    struct gw_conn *c = s->conn;
    unsigned budget = GW_SUB_BUDGET;
    const struct tern_msg *v[GW_POLL_BURST];

    while (budget && s->credits && !c->paused && c->state == GW_CONN_OPEN) {
        unsigned want = GW_POLL_BURST, n, i;
        if (want > s->credits)
            want = s->credits;
        if (want > budget)
            want = budget;
        n = tern_poll(s->ts, v, want);
        for (i = 0; i < n && send_msg(g, s, v[i]); i++)
            ;
        tern_release(s->ts, v, n);
        s->credits -= i;
        budget -= n;
        if (i < n)
            return false;           /* the connection is being cut off */
        if (n < want)
            /* Drained: sleep on the fd unless data came in meanwhile. */
            return tern_sub_arm(s->ts) == 1;
    }
    return budget == 0 && s->credits && !c->paused && c->state == GW_CONN_OPEN;
}

bool gw_sub_deliver(struct gw *g)
{
    for (struct gw_sub *s = g->ready, *next; s; s = next) {
        next = s->rnext;
        if (!s->ts || !sub_turn(g, s))
            unqueue(g, s);
    }
    return g->ready != NULL;
}
