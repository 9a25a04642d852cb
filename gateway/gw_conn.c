/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A connection: bytes in, frames cut and handed to gw_req.c, replies and
 * deliveries queued out, and the bounds that keep a hostile or stuck peer
 * from costing more than its share:
 *
 * - a frame's header is checked before its body is waited for (absurd
 *   lengths are refused at once), and a started frame must be complete
 *   within frame_timeout_ms (slow-loris);
 * - GwHello within hello_timeout_ms, some frame within idle_timeout_ms;
 * - output over a high-water mark (out_max / 4) pauses the connection: no
 *   more reading (its requests would add replies) and no more delivery
 *   (the bus then applies the subscription's policy), until it drains to
 *   half of that; output pending with no byte written for
 *   write_timeout_ms, or over out_max, cuts the connection off.
 *
 * A connection is never freed while the reactor may still hold a pointer
 * to it from the current epoll batch: gw_conn_close() shuts it and puts it
 * on the dead list, which gw_loop.c frees between batches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gw.h"

#define GW_READ_CHUNK (64u << 10)
#define GW_READS_PER_EVENT 4       /* then let the others run */
#define GW_CLOSE_LINGER_MS 1000    /* to write a fatal error or bye */

static size_t high_mark(const struct gw *g) { return g->cfg.gw.out_max / 4; }

static void conn_events(struct gw *g, struct gw_conn *c)
{
    uint32_t ev = 0;

    if (c->state != GW_CONN_CLOSING && !c->paused)
        ev |= EPOLLIN;
    if (gw_buf_len(&c->out))
        ev |= EPOLLOUT;
    c->want_out = (ev & EPOLLOUT) != 0;
    gw_ep_mod(g, &c->ep, ev);
}

void gw_conn_new(struct gw *g, int fd, bool tcp, const char *peer)
{
    struct gw_conn *c;
    int one = 1;

    if (g->n_conns >= g->cfg.gw.max_conns || g->stopping) {
        /* Said once, best effort, without a connection's state. */
        struct GwError e = { .code = g->stopping ? GwErr_SHUTDOWN : GwErr_LIMIT, .fatal = true,
                             .text = tern_str_from_cstr(g->stopping ? "the gateway is stopping"
                                                        : "too many connections ([gateway] max_conns)") };
        uint8_t buf[256];
        int64_t n = GwError_encode(&e, buf, sizeof(buf));
        if (n > 0 && send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
            (void)0;    /* it is being refused anyway */
        close(fd);
        g->refused++;
        return;
    }
    c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        g->refused++;
        return;
    }
    if (tcp)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));   /* latency over packets */
    c->ep.kind = GW_EP_CONN;
    c->ep.fd = fd;
    c->id = ++g->next_conn_id;
    c->tcp = tcp;
    snprintf(c->peer, sizeof(c->peer), "%s", peer);
    c->t_accept = c->t_rx = c->t_tx = g->now_ms;
    if (gw_ep_add(g, &c->ep, EPOLLIN) < 0) {
        close(fd);
        free(c);
        g->refused++;
        return;
    }
    c->next = g->conns;
    if (g->conns)
        g->conns->prev = c;
    g->conns = c;
    g->n_conns++;
    g->accepted++;
}

static void mark_dirty(struct gw *g, struct gw_conn *c)
{
    if (c->dirty)
        return;
    c->dirty = true;
    c->flush_next = g->flush;
    g->flush = c;
}

/* Stop taking requests; write what is queued, then close (or give up after
 * the linger). */
void gw_conn_closing(struct gw *g, struct gw_conn *c)
{
    if (c->state == GW_CONN_CLOSING)
        return;
    c->state = GW_CONN_CLOSING;
    c->t_close = g->now_ms;
    mark_dirty(g, c);
}

uint8_t *gw_conn_reserve(struct gw *g, struct gw_conn *c, size_t n)
{
    uint8_t *p;

    if (c->ep.fd < 0)
        return NULL;
    if (gw_buf_len(&c->out) + n > g->cfg.gw.out_max) {
        /* Nothing more can be said to it; it is cut off where it stands. */
        fprintf(stderr, "tern-gateway: connection %llu (%s): output over out_max (%u bytes): "
                "cut off\n", (unsigned long long)c->id, c->name, g->cfg.gw.out_max);
        c->state = GW_CONN_CLOSING;
        c->t_close = g->now_ms - GW_CLOSE_LINGER_MS;   /* at the next sweep */
        c->paused = true;
        return NULL;
    }
    p = gw_buf_reserve(&c->out, n);
    if (!p) {
        c->state = GW_CONN_CLOSING;
        c->t_close = g->now_ms - GW_CLOSE_LINGER_MS;
        c->paused = true;
    }
    return p;
}

void gw_conn_commit(struct gw *g, struct gw_conn *c, size_t n)
{
    if (gw_buf_len(&c->out) == 0)
        c->t_tx = g->now_ms;     /* the write deadline counts from here */
    c->out.tail += n;
    if (!c->paused && gw_buf_len(&c->out) > high_mark(g))
        c->paused = true;
    mark_dirty(g, c);
}

void gw_conn_error(struct gw *g, struct gw_conn *c, uint16_t code, uint64_t req_id,
                   uint32_t sub_id, bool fatal, const char *fmt, ...)
{
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    struct GwError e = { .code = code, .req_id = req_id, .sub_id = sub_id, .fatal = fatal,
                         .text = tern_str_from_cstr(text) };
    if (c->state == GW_CONN_CLOSING)
        return;
    if (fatal)
        fprintf(stderr, "tern-gateway: connection %llu (%s %s): %s: %s\n",
                (unsigned long long)c->id, c->peer, c->name, GwErr_name(code) ?: "?", text);
    GW_SEND(g, c, GwError, &e);
    if (fatal)
        gw_conn_closing(g, c);
}

/* After a recv() or send() that failed: 1 try again, 0 the socket has no
 * more for now, -1 c was closed. */
static int io_failed(struct gw *g, struct gw_conn *c)
{
    if (errno == EINTR)
        return 1;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
    gw_conn_close(g, c, strerror(errno));
    return -1;
}

/* Cut the frames out of c's input and hand them on, while c takes requests. */
static void conn_frames(struct gw *g, struct gw_conn *c)
{
    while (c->state != GW_CONN_CLOSING && !c->paused) {
        size_t len = gw_buf_len(&c->in), need;
        int64_t n = gw_frame_check(gw_buf_begin(&c->in), len, g->max_frame, &need);
        union gw_req r;
        const char *why;
        int type;

        if (n == -GwErr_TOO_BIG) {
            gw_conn_error(g, c, GwErr_TOO_BIG, 0, 0, true,
                          "a frame of %llu bytes announced; max_frame is %u",
                          (unsigned long long)tern__ld_u32(gw_buf_begin(&c->in) + 4) + 8,
                          g->max_frame);
            return;
        }
        if (n < 0) {
            gw_conn_error(g, c, GwErr_PROTOCOL, 0, 0, true, "bad frame header (version 0)");
            return;
        }
        if (n == 0) {
            /* A partial frame's clock starts at its first byte. */
            if (len == 0)
                c->t_frame = 0;
            else if (c->t_frame == 0)
                c->t_frame = g->now_ms;
            return;
        }
        c->rx_frames++;
        c->t_rx = g->now_ms;
        c->t_frame = 0;
        type = gw_req_decode(gw_buf_begin(&c->in), (size_t)n, &r, &why);
        if (type == -GwErr_INVALID) {
            /* Well formed, so the request's ids are known: the client can
             * match the error to the request. */
            uint16_t id = tern__ld_u16(gw_buf_begin(&c->in));
            gw_conn_error(g, c, GwErr_INVALID, id == GwPublish_TYPE_ID ? r.publish.req_id : 0,
                          id == GwSubscribe_TYPE_ID ? r.subscribe.sub_id : 0, false, "%s", why);
        } else if (type < 0)
            gw_conn_error(g, c, (uint16_t)-type, 0, 0, true, "%s", why);
        else
            gw_req_handle(g, c, type, &r);
        gw_buf_consume(&c->in, (size_t)n);
    }
}

void gw_conn_readable(struct gw *g, struct gw_conn *c)
{
    for (int i = 0; i < GW_READS_PER_EVENT && c->state != GW_CONN_CLOSING && !c->paused; i++) {
        uint8_t *p = gw_buf_reserve(&c->in, GW_READ_CHUNK);
        ssize_t n;

        if (!p) {
            gw_conn_close(g, c, "out of memory");
            return;
        }
        n = recv(c->ep.fd, p, GW_READ_CHUNK, MSG_DONTWAIT);
        if (n == 0) {
            gw_conn_close(g, c, NULL);
            return;
        }
        if (n < 0) {
            int again = io_failed(g, c);
            if (again < 0)
                return;
            if (again)
                continue;
            break;
        }
        c->in.tail += (size_t)n;
        conn_frames(g, c);
        if (c->ep.fd < 0)
            return;
        if ((size_t)n < GW_READ_CHUNK)
            break;
    }
    if (c->paused || c->state == GW_CONN_CLOSING)
        conn_events(g, c);
}

/* Write what the socket takes.  false: c was closed. */
static bool conn_write(struct gw *g, struct gw_conn *c)
{
    bool was_paused = c->paused;

    while (gw_buf_len(&c->out)) {
        ssize_t n = send(c->ep.fd, gw_buf_begin(&c->out), gw_buf_len(&c->out),
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            int again = io_failed(g, c);
            if (again < 0)
                return false;
            if (again)
                continue;
            break;
        }
        gw_buf_consume(&c->out, (size_t)n);
        c->t_tx = g->now_ms;
    }
    if (c->state == GW_CONN_CLOSING) {
        if (gw_buf_len(&c->out) == 0) {
            gw_conn_close(g, c, NULL);
            return false;
        }
    } else if (c->paused && gw_buf_len(&c->out) <= high_mark(g) / 2) {
        c->paused = false;
    }
    if (c->want_out != (gw_buf_len(&c->out) != 0) || was_paused != c->paused ||
        c->state == GW_CONN_CLOSING)
        conn_events(g, c);
    if (was_paused && !c->paused) {
        gw_sub_resume(g, c);      /* deliveries go on */
        conn_frames(g, c);        /* and so do requests already read */
    }
    return true;
}

void gw_conn_writable(struct gw *g, struct gw_conn *c)
{
    conn_write(g, c);
}

void gw_conn_flush_all(struct gw *g)
{
    /* conn_write() may queue more (a resumed connection's frames): loop
     * until the list stays empty. */
    while (g->flush) {
        struct gw_conn *c = g->flush;
        g->flush = c->flush_next;
        c->dirty = false;
        if (c->ep.fd >= 0)
            conn_write(g, c);
    }
}

void gw_conn_deadlines(struct gw *g)
{
    const struct tern_gateway_cfg *gc = &g->cfg.gw;
    int64_t now = g->now_ms;

    for (struct gw_conn *c = g->conns, *next; c; c = next) {
        next = c->next;
        if (c->ep.fd < 0)
            continue;
        if (c->state == GW_CONN_CLOSING) {
            if (now - c->t_close >= GW_CLOSE_LINGER_MS)
                gw_conn_close(g, c, "closing: output not taken");
        } else if (gw_buf_len(&c->out) && now - c->t_tx > (int64_t)gc->write_timeout_ms) {
            /* It does not read: nothing we say reaches it. */
            fprintf(stderr, "tern-gateway: connection %llu (%s %s): nothing written for %u ms "
                    "(%zu bytes pending): cut off\n", (unsigned long long)c->id, c->peer,
                    c->name, gc->write_timeout_ms, gw_buf_len(&c->out));
            gw_conn_close(g, c, NULL);
        } else if (c->state == GW_CONN_HELLO && now - c->t_accept > (int64_t)gc->hello_timeout_ms) {
            gw_conn_error(g, c, GwErr_TIMEOUT, 0, 0, true, "no GwHello within %u ms",
                          gc->hello_timeout_ms);
        } else if (c->t_frame && now - c->t_frame > (int64_t)gc->frame_timeout_ms) {
            gw_conn_error(g, c, GwErr_TIMEOUT, 0, 0, true,
                          "a frame was not complete %u ms after its first byte",
                          gc->frame_timeout_ms);
        } else if (now - c->t_rx > (int64_t)gc->idle_timeout_ms) {
            gw_conn_error(g, c, GwErr_TIMEOUT, 0, 0, true, "no frame for %u ms (send GwPing)",
                          gc->idle_timeout_ms);
        }
    }
}

static struct gw_conn *dead;

void gw_conn_close(struct gw *g, struct gw_conn *c, const char *why)
{
    if (c->ep.fd < 0)
        return;
    if (why)
        fprintf(stderr, "tern-gateway: connection %llu (%s %s) closed: %s\n",
                (unsigned long long)c->id, c->peer, c->name, why);
    gw_sub_close_all(g, c);
    if (c->n_durable)
        gw_pub_conn_gone(g, c);
    gw_ep_del(g, &c->ep);
    close(c->ep.fd);
    c->ep.fd = -1;
    if (c->prev)
        c->prev->next = c->next;
    else
        g->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    g->n_conns--;
    /* Freed by gw_conn_reap(), after the epoll batch that may point at it. */
    c->next = dead;
    dead = c;
}

void gw_conn_reap(void)
{
    while (dead) {
        struct gw_conn *c = dead;
        dead = c->next;
        gw_buf_free(&c->in);
        gw_buf_free(&c->out);
        free(c);
    }
}
