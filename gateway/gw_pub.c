/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Publishing for remote clients: one tern_pub per topic, shared by every
 * connection (the gateway is one thread, so one non-exclusive publisher
 * per topic is enough), opened on first use and kept; and the queue of
 * durable acknowledgements each one owes.
 *
 * A backpressure refusal is answered, not waited out: the reactor never
 * blocks on a subscriber, and the remote publisher decides, as a local one
 * does with TERN_EBACKPRESSURE.
 *
 * Durable acknowledgements: tern_pub_wait_durable() spins, so the reactor
 * asks it with a zero timeout, for the oldest waiting seq of each topic,
 * on every turn while any are waiting (the loop then wakes every
 * millisecond).  Seqs of one topic become durable in order, so a FIFO per
 * topic answers them all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gw.h"

#define GW_PUB_BUCKETS 1024
#define GW_PUBS_MAX 4096            /* topics published through the gateway at once */
#define GW_DURABLE_MAX (1u << 20)   /* acknowledgements waiting, over all topics */

struct gw_durable {
    struct gw_conn *c;              /* NULL: its connection is gone */
    uint64_t req_id, seq;
};

struct gw_pubent {
    struct gw_pubent *hnext;
    struct gw_pubent *pnext;        /* on the pending list */
    bool pending;
    struct tern_pub *p;
    struct gw_durable *q;           /* a ring of qcap */
    uint32_t qhead, qlen, qcap;
    char topic[GW_TOPIC_MAX + 1];
};

static struct gw_pubent *table[GW_PUB_BUCKETS];
static struct gw_pubent *pending;
static unsigned n_pubs;

uint16_t gw_err_from_tern(int rv)
{
    switch (rv) {
    case -ENOENT: return GwErr_NOT_FOUND;
    case -EINVAL: return GwErr_INVALID;
    case -EBUSY: return GwErr_BUSY;
    case -ENOSPC: case -ENOMEM: case -ENOBUFS: return GwErr_LIMIT;
    case -ENODATA: return GwErr_NO_DATA;
    case TERN_ENOTCONN: return GwErr_BUS_DOWN;
    case TERN_EBACKPRESSURE: return GwErr_BACKPRESSURE;
    case TERN_EMSGSIZE: return GwErr_TOO_BIG;
    case TERN_ESTORAGE: return GwErr_STORAGE;
    case -ETIMEDOUT: return GwErr_TIMEOUT;
    default: return GwErr_INTERNAL;
    }
}

static uint32_t hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;       /* FNV-1a */

    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h % GW_PUB_BUCKETS;
}

/* The publisher of topic, opened on first use; NULL with *rv set. */
static struct gw_pubent *pub_get(struct gw *g, struct tern_str topic, int *rv)
{
    uint32_t h = hash(topic.ptr, topic.len);
    struct gw_pubent *e;

    for (e = table[h]; e; e = e->hnext)
        if (strlen(e->topic) == topic.len && memcmp(e->topic, topic.ptr, topic.len) == 0)
            return e;
    if (n_pubs >= GW_PUBS_MAX) {
        *rv = -ENOSPC;
        return NULL;
    }
    e = calloc(1, sizeof(*e));
    if (!e) {
        *rv = -ENOMEM;
        return NULL;
    }
    memcpy(e->topic, topic.ptr, topic.len);
    /* A control call: one round trip to tern-control, on the reactor's
     * thread, once per topic for the gateway's life. */
    *rv = tern_pub_open(g->bus, e->topic, 0, &e->p);
    if (*rv < 0) {
        free(e);
        return NULL;
    }
    e->hnext = table[h];
    table[h] = e;
    n_pubs++;
    return e;
}

static bool durable_push(struct gw *g, struct gw_pubent *e, struct gw_conn *c, uint64_t req_id,
                         uint64_t seq)
{
    if (g->n_durable >= GW_DURABLE_MAX)
        return false;
    if (e->qlen == e->qcap) {
        uint32_t cap = e->qcap ? e->qcap * 2 : 64;
        struct gw_durable *q = malloc(cap * sizeof(*q));
        if (!q)
            return false;
        for (uint32_t i = 0; i < e->qlen; i++)
            q[i] = e->q[(e->qhead + i) % e->qcap];
        free(e->q);
        e->q = q;
        e->qcap = cap;
        e->qhead = 0;
    }
    e->q[(e->qhead + e->qlen) % e->qcap] = (struct gw_durable){ c, req_id, seq };
    e->qlen++;
    c->n_durable++;
    g->n_durable++;
    if (!e->pending) {
        e->pending = true;
        e->pnext = pending;
        pending = e;
    }
    return true;
}

/* Copy the payload and the tags ("key=value", each NUL-terminated after
 * the payload: the layout tern_msg_add_tag() writes, docs/bus.md). */
static void fill(struct tern_msg *m, const struct GwPublish *p)
{
    struct tern_iter it = tern_list_str_iter(&p->tags);
    char *d = tern_msg_data(m);
    struct tern_str t;
    uint32_t off;

    memcpy(d, p->payload.ptr, p->payload.len);
    off = p->payload.len;
    while (tern_list_str_next(&it, &t)) {
        memcpy(d + off, t.ptr, t.len);
        d[off + t.len] = '\0';
        off += t.len + 1;
    }
    m->tags_len = (uint16_t)(off - p->payload.len);
    m->event_ns = p->event_ns;
    m->type_id = p->type_id;
    m->version = p->type_version;
}

void gw_pub_publish(struct gw *g, struct gw_conn *c, const struct GwPublish *p)
{
    struct tern_iter it = tern_list_str_iter(&p->tags);
    uint64_t tags_len = 0;
    struct gw_pubent *e;
    struct tern_msg *m;
    struct tern_str t;
    int64_t seq;
    int rv;

    while (tern_list_str_next(&it, &t))
        tags_len += (uint64_t)t.len + 1;
    if (p->payload.len + tags_len > g->max_payload || tags_len > UINT16_MAX) {
        gw_conn_error(g, c, GwErr_TOO_BIG, p->req_id, 0, false,
                      "payload %u + tags %llu bytes: the bus holds %u (tags at most 65535)",
                      p->payload.len, (unsigned long long)tags_len, g->max_payload);
        return;
    }
    e = pub_get(g, p->topic, &rv);
    if (!e) {
        gw_conn_error(g, c, gw_err_from_tern(rv), p->req_id, 0, false, "publish on '%.*s': %s",
                      (int)p->topic.len, p->topic.ptr, tern_strerror(rv));
        return;
    }
    m = tern_msg_alloc(e->p, p->payload.len);
    if (!m) {
        rv = tern_status(g->bus);
        gw_conn_error(g, c, rv ? GwErr_BUS_DOWN : GwErr_LIMIT, p->req_id, 0, false,
                      "%s", rv ? "the bus is gone" : "no message buffer free (the pool is empty)");
        return;
    }
    fill(m, p);
    seq = tern_publish(e->p, m);
    if (seq < 0) {
        tern_msg_free(e->p, m);
        gw_conn_error(g, c, gw_err_from_tern((int)seq), p->req_id, 0, false,
                      "publish on '%s': %s", e->topic, tern_strerror((int)seq));
        return;
    }
    c->published++;
    if (p->ack == GwAckMode_ACCEPTED) {
        struct GwAck a = { .req_id = p->req_id, .seq = (uint64_t)seq };
        GW_SEND(g, c, GwAck, &a);
    } else if (p->ack == GwAckMode_DURABLE) {
        rv = tern_pub_wait_durable(e->p, (uint64_t)seq, 0);
        if (rv == 0) {
            struct GwAck a = { .req_id = p->req_id, .seq = (uint64_t)seq, .durable = true };
            GW_SEND(g, c, GwAck, &a);
        } else if (rv != -ETIMEDOUT || !durable_push(g, e, c, p->req_id, (uint64_t)seq)) {
            gw_conn_error(g, c, rv == -ETIMEDOUT ? GwErr_LIMIT : gw_err_from_tern(rv),
                          p->req_id, 0, false, "accepted as seq %lld, but no durable ack: %s",
                          (long long)seq, rv == -ETIMEDOUT ? "too many acks waiting"
                          : tern_strerror(rv));
        }
    }
}

/* Answer the head of e's queue while it is settled; false once e is empty. */
static bool durable_answer(struct gw *g, struct gw_pubent *e)
{
    while (e->qlen) {
        struct gw_durable *d = &e->q[e->qhead];
        int rv = d->c ? tern_pub_wait_durable(e->p, d->seq, 0) : 0;

        if (rv == -ETIMEDOUT)
            return true;
        if (d->c && rv == 0) {
            struct GwAck a = { .req_id = d->req_id, .seq = d->seq, .durable = true };
            GW_SEND(g, d->c, GwAck, &a);
        } else if (d->c) {
            gw_conn_error(g, d->c, gw_err_from_tern(rv), d->req_id, 0, false,
                          "seq %llu of '%s' is not durable: %s", (unsigned long long)d->seq,
                          e->topic, tern_strerror(rv));
        }
        if (d->c)
            d->c->n_durable--;
        e->qhead = (e->qhead + 1) % e->qcap;
        e->qlen--;
        g->n_durable--;
    }
    return false;
}

void gw_pub_durable_poll(struct gw *g)
{
    struct gw_pubent **pp = &pending;

    while (*pp) {
        struct gw_pubent *e = *pp;
        if (durable_answer(g, e)) {
            pp = &e->pnext;
        } else {
            e->pending = false;
            *pp = e->pnext;
        }
    }
}

void gw_pub_conn_gone(struct gw *g, struct gw_conn *c)
{
    (void)g;
    for (struct gw_pubent *e = pending; e && c->n_durable; e = e->pnext)
        for (uint32_t i = 0; i < e->qlen; i++) {
            struct gw_durable *d = &e->q[(e->qhead + i) % e->qcap];
            if (d->c == c) {
                d->c = NULL;
                c->n_durable--;
            }
        }
}

void gw_pub_close_all(struct gw *g)
{
    (void)g;
    for (unsigned h = 0; h < GW_PUB_BUCKETS; h++)
        while (table[h]) {
            struct gw_pubent *e = table[h];
            table[h] = e->hnext;
            tern_pub_close(e->p);
            free(e->q);
            free(e);
        }
    pending = NULL;
    n_pubs = 0;
}
