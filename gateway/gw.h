/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-gateway: a libtern client (a DPDK secondary) that serves remote and
 * non-DPDK clients over TCP and a Unix stream socket, speaking the gateway
 * protocol (lib/proto/gw.tmsg, docs/gateway.md).
 *
 * One thread, one epoll reactor: the libtern client and its handles belong
 * to the thread that made them, and one thread needs no locks.  Nothing in
 * the reactor waits for a remote client: input is read as it comes, output
 * is queued and written when the socket takes it, and a subscription is
 * only polled from the bus while its client has credit and its connection's
 * output is below the high-water mark.  What a stalled subscriber then costs
 * the bus is exactly what a stalled local subscriber costs: with drop the
 * bus drops for it (the gap is reported), with backpressure its publishers
 * are told to wait.
 *
 * Files: gw_main.c (options, start, stop), gw_loop.c (the reactor and its
 * timers), gw_listen.c (sockets), gw_conn.c (a connection: bytes in and
 * out, deadlines, bounds), gw_req.c (requests), gw_pub.c (publishers and
 * acknowledgements), gw_sub.c (subscriptions, credit, delivery),
 * gw_frame.c (the frame decoder), gw_buf.c (byte buffers).
 */
#ifndef GW_H
#define GW_H

#include <stdbool.h>
#include <stdint.h>

#include <tern/tern.h>

#include "common/tern_config.h"
#include "gw_buf.h"
#include "gw_frame.h"

/* What an epoll event points at. */
enum gw_ep_kind { GW_EP_LISTEN, GW_EP_CONN, GW_EP_SUB, GW_EP_TIMER, GW_EP_SIGNAL };
struct gw_ep {
    enum gw_ep_kind kind;
    int fd;
};

enum gw_conn_state {
    GW_CONN_HELLO,      /* accepted, GwHello not yet received */
    GW_CONN_OPEN,
    GW_CONN_CLOSING,    /* a fatal error or bye queued: write it, then close */
};

struct gw_sub;
struct gw_pubent;

struct gw_conn {
    struct gw_ep ep;
    uint64_t id;
    enum gw_conn_state state;
    bool tcp;
    bool paused;            /* output over the high-water mark: no reading, no delivery */
    bool want_out;          /* EPOLLOUT registered */
    bool dirty;             /* on the flush list */
    char peer[64];
    char name[64];
    struct gw_buf in, out;
    int64_t t_accept, t_frame, t_rx, t_tx, t_close;   /* ms, monotonic; t_frame 0: no partial frame */
    struct gw_sub *subs;
    unsigned n_subs;
    unsigned n_durable;     /* acknowledgements waiting in publisher queues */
    uint64_t rx_frames, published, delivered, gaps;
    struct gw_conn *prev, *next;      /* every connection */
    struct gw_conn *flush_next;
};

struct gw_sub {
    struct gw_ep ep;        /* the subscription's wake-up fd */
    struct gw_conn *conn;
    uint32_t id;
    struct tern_sub *ts;
    uint32_t credits;
    bool queued;            /* on the ready list */
    uint64_t *last_seq;     /* by topic id: the gap count's reference */
    uint32_t n_last;
    struct gw_sub *next;    /* in conn->subs */
    struct gw_sub *rprev, *rnext;     /* the ready list */
};

struct gw {
    struct tern_config cfg;
    struct tern_client *bus;
    int ep;                 /* epoll */
    struct gw_ep unix_l, tcp_l, timer, sig;
    char unix_path[TERN_CFG_PATH_MAX];
    char tcp_bound[96];     /* the TCP address bound, or "none" */
    uint32_t max_frame;     /* in force: the config's, raised to fit the bus's messages */
    uint32_t max_payload;
    uint64_t next_conn_id;
    unsigned n_conns;
    struct gw_conn *conns;
    struct gw_conn *flush;  /* connections with output queued this round */
    struct gw_sub *ready;   /* subscriptions to poll */
    unsigned n_durable;     /* acknowledgements waiting, over all publishers */
    bool stopping;
    bool bus_down;          /* stopping because the bus is gone */
    int64_t now_ms;
    uint64_t accepted, refused;
};

/* gw_loop.c */
int gw_loop_run(struct gw *g);
int gw_ep_add(struct gw *g, struct gw_ep *e, uint32_t events);
void gw_ep_mod(struct gw *g, struct gw_ep *e, uint32_t events);
void gw_ep_del(struct gw *g, struct gw_ep *e);
int64_t gw_now_ms(void);

/* gw_listen.c */
int gw_listen_open(struct gw *g);
void gw_listen_accept(struct gw *g, struct gw_ep *l);
void gw_listen_close(struct gw *g);

/* gw_conn.c */
void gw_conn_new(struct gw *g, int fd, bool tcp, const char *peer);
void gw_conn_readable(struct gw *g, struct gw_conn *c);
void gw_conn_writable(struct gw *g, struct gw_conn *c);
/* Room for a frame of n bytes at the end of c's output; NULL: c is being
 * cut off (out of memory or over out_max).  Commit with gw_conn_commit(). */
uint8_t *gw_conn_reserve(struct gw *g, struct gw_conn *c, size_t n);
void gw_conn_commit(struct gw *g, struct gw_conn *c, size_t n);
void gw_conn_error(struct gw *g, struct gw_conn *c, uint16_t code, uint64_t req_id,
                   uint32_t sub_id, bool fatal, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Take no more requests; close once the queued output is written. */
void gw_conn_closing(struct gw *g, struct gw_conn *c);
void gw_conn_flush_all(struct gw *g);
void gw_conn_deadlines(struct gw *g);
void gw_conn_close(struct gw *g, struct gw_conn *c, const char *why);
/* Free the connections closed since the last call (between epoll batches). */
void gw_conn_reap(void);
/* Encode message type T from a struct into c's output; false: c is being cut off. */
#define GW_SEND(g, c, T, m) ({                                              \
    size_t n__ = T##_size(m);                                               \
    uint8_t *p__ = gw_conn_reserve((g), (c), n__);                          \
    if (p__) {                                                              \
        T##_encode((m), p__, n__);                                          \
        gw_conn_commit((g), (c), n__);                                      \
    }                                                                       \
    p__ != NULL;                                                            \
})

/* gw_req.c */
void gw_req_handle(struct gw *g, struct gw_conn *c, int type, union gw_req *r);

/* gw_pub.c */
void gw_pub_publish(struct gw *g, struct gw_conn *c, const struct GwPublish *p);
void gw_pub_durable_poll(struct gw *g);
void gw_pub_conn_gone(struct gw *g, struct gw_conn *c);
void gw_pub_close_all(struct gw *g);

/* gw_sub.c */
void gw_sub_open(struct gw *g, struct gw_conn *c, const struct GwSubscribe *s);
void gw_sub_credit(struct gw *g, struct gw_conn *c, uint32_t sub_id, uint32_t credits);
void gw_sub_unsubscribe(struct gw *g, struct gw_conn *c, uint32_t sub_id);
/* Close c's subscriptions; their memory stays until gw_sub_reap(), as the
 * current epoll batch may point at them. */
void gw_sub_close_all(struct gw *g, struct gw_conn *c);
void gw_sub_reap(void);
void gw_sub_wake(struct gw *g, struct gw_sub *s);
void gw_sub_resume(struct gw *g, struct gw_conn *c);
bool gw_sub_deliver(struct gw *g);

/* Map a libtern error to a GwErr code. */
uint16_t gw_err_from_tern(int rv);

#endif
