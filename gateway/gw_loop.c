/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reactor: one epoll over the listeners, the connections, every
 * subscription's wake-up fd, a 100 ms timerfd (deadlines, the bus's
 * health) and a signalfd.  A turn handles the events, then gives each
 * ready subscription its turn, answers settled durable acks, writes what
 * was queued, and frees what was closed.  It sleeps in epoll_wait() only
 * when no subscription is ready: while one is, epoll is only asked, and
 * while durable acks wait, it wakes every millisecond to look at them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "gw.h"

#define GW_TICK_MS 100
#define GW_EVENTS 128

int64_t gw_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int gw_ep_add(struct gw *g, struct gw_ep *e, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = e };

    return epoll_ctl(g->ep, EPOLL_CTL_ADD, e->fd, &ev);
}

void gw_ep_mod(struct gw *g, struct gw_ep *e, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = e };

    epoll_ctl(g->ep, EPOLL_CTL_MOD, e->fd, &ev);
}

void gw_ep_del(struct gw *g, struct gw_ep *e)
{
    epoll_ctl(g->ep, EPOLL_CTL_DEL, e->fd, NULL);
}

static void stats_dump(struct gw *g)
{
    fprintf(stderr, "tern-gateway: %u connections (%llu accepted, %llu refused)\n", g->n_conns,
            (unsigned long long)g->accepted, (unsigned long long)g->refused);
    for (struct gw_conn *c = g->conns; c; c = c->next)
        fprintf(stderr, "  %llu %s %s: %u subs, rx %llu frames, published %llu, delivered %llu, "
                "gaps %llu, out %zu bytes%s\n", (unsigned long long)c->id, c->peer, c->name,
                c->n_subs, (unsigned long long)c->rx_frames, (unsigned long long)c->published,
                (unsigned long long)c->delivered, (unsigned long long)c->gaps,
                gw_buf_len(&c->out), c->paused ? " (paused)" : "");
}

static void on_signal(struct gw *g)
{
    struct signalfd_siginfo si;

    while (read(g->sig.fd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGUSR1)
            stats_dump(g);
        else
            g->stopping = true;
    }
}

static void on_tick(struct gw *g)
{
    uint64_t n;

    if (read(g->timer.fd, &n, sizeof(n)) < 0)
        (void)0;    /* EAGAIN: a tick already read */
    gw_conn_deadlines(g);
    if (tern_status(g->bus) != 0 && !g->stopping) {
        fprintf(stderr, "tern-gateway: lost the bus: %s\n", tern_errmsg());
        g->bus_down = true;
        g->stopping = true;
    }
}

static void on_conn(struct gw *g, struct gw_conn *c, uint32_t ev)
{
    if (c->ep.fd < 0)
        return;     /* closed earlier in this batch */
    if (ev & EPOLLIN)
        gw_conn_readable(g, c);
    if (c->ep.fd >= 0 && (ev & EPOLLOUT))
        gw_conn_writable(g, c);
    if (c->ep.fd >= 0 && (ev & (EPOLLERR | EPOLLHUP)) && !(ev & EPOLLIN))
        gw_conn_close(g, c, "socket error or hang-up");
}

static void turn_end(struct gw *g)
{
    gw_sub_deliver(g);
    if (g->n_durable)
        gw_pub_durable_poll(g);
    gw_conn_flush_all(g);
    gw_conn_reap();
    gw_sub_reap();
}

/* Tell every client why, give the words a moment to leave, close. */
static void shutdown_all(struct gw *g)
{
    int64_t until;

    for (struct gw_conn *c = g->conns; c; c = c->next)
        gw_conn_error(g, c, g->bus_down ? GwErr_BUS_DOWN : GwErr_SHUTDOWN, 0, 0, true, "%s",
                      g->bus_down ? "the gateway lost the bus" : "the gateway is stopping");
    gw_conn_flush_all(g);
    until = gw_now_ms() + 500;
    while (g->conns && gw_now_ms() < until) {
        struct epoll_event ev[GW_EVENTS];
        int n = epoll_wait(g->ep, ev, GW_EVENTS, 50);
        g->now_ms = gw_now_ms();
        for (int i = 0; i < n; i++) {
            struct gw_ep *e = ev[i].data.ptr;
            if (e->kind == GW_EP_CONN)
                on_conn(g, (struct gw_conn *)e, ev[i].events & ~EPOLLIN);
        }
        gw_conn_flush_all(g);
        gw_conn_reap();
    }
    while (g->conns)
        gw_conn_close(g, g->conns, NULL);
    gw_conn_reap();
    gw_sub_reap();
}

int gw_loop_run(struct gw *g)
{
    struct itimerspec its = { { 0, GW_TICK_MS * 1000000L }, { 0, GW_TICK_MS * 1000000L } };

    g->timer = (struct gw_ep){ GW_EP_TIMER, timerfd_create(CLOCK_MONOTONIC,
                                                            TFD_NONBLOCK | TFD_CLOEXEC) };
    if (g->timer.fd < 0 || timerfd_settime(g->timer.fd, 0, &its, NULL) < 0 ||
        gw_ep_add(g, &g->timer, EPOLLIN) < 0 || gw_ep_add(g, &g->sig, EPOLLIN) < 0)
        return -errno;
    while (!g->stopping) {
        struct epoll_event ev[GW_EVENTS];
        int timeout = g->ready ? 0 : g->n_durable ? 1 : -1;
        int n = epoll_wait(g->ep, ev, GW_EVENTS, timeout);

        if (n < 0 && errno != EINTR)
            return -errno;
        g->now_ms = gw_now_ms();
        for (int i = 0; i < n; i++) {
            struct gw_ep *e = ev[i].data.ptr;
            switch (e->kind) {
            case GW_EP_LISTEN:
                gw_listen_accept(g, e);
                break;
            case GW_EP_CONN:
                on_conn(g, (struct gw_conn *)e, ev[i].events);
                break;
            case GW_EP_SUB:
                gw_sub_wake(g, (struct gw_sub *)e);
                break;
            case GW_EP_TIMER:
                on_tick(g);
                break;
            case GW_EP_SIGNAL:
                on_signal(g);
                break;
            }
        }
        turn_end(g);
    }
    gw_listen_close(g);
    shutdown_all(g);
    return g->bus_down ? -ENOTCONN : 0;
}
