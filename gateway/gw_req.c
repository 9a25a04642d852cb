/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A decoded request, in the connection's state: GwHello first and only
 * once, then anything.  Version negotiation happens here.
 */
#include <stdio.h>
#include <string.h>

#include "gw.h"

static void hello(struct gw *g, struct gw_conn *c, const struct GwHello *h)
{
    char server[128];

    if (c->state != GW_CONN_HELLO) {
        gw_conn_error(g, c, GwErr_PROTOCOL, 0, 0, true, "a second GwHello");
        return;
    }
    snprintf(c->name, sizeof(c->name), "%.*s", (int)(h->client_name.len < 63 ? h->client_name.len : 63),
             h->client_name.ptr);
    for (char *p = c->name; *p; p++)        /* it goes to the log as is */
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    if (h->magic != GW_MAGIC) {
        gw_conn_error(g, c, GwErr_PROTOCOL, 0, 0, true, "bad magic 0x%08x (want 0x%08x, \"TERN\")",
                      h->magic, GW_MAGIC);
        return;
    }
    if (h->min_version > GW_PROTO_VERSION || h->max_version < GW_PROTO_VERSION) {
        gw_conn_error(g, c, GwErr_VERSION, 0, 0, true,
                      "client speaks versions %u..%u; this gateway speaks %u..%u",
                      h->min_version, h->max_version, GW_PROTO_VERSION, GW_PROTO_VERSION);
        return;
    }
    if (h->token.len) {
        /* Authentication is not built yet: refuse rather than pretend. */
        gw_conn_error(g, c, GwErr_DENIED, 0, 0, true, "token authentication is not enabled");
        return;
    }
    snprintf(server, sizeof(server), "tern-gateway %s node %s", TERN_GW_VERSION,
             g->cfg.node_name);
    struct GwWelcome w = {
        .version = GW_PROTO_VERSION,
        .max_frame = g->max_frame,
        .max_payload = g->max_payload,
        .max_subs = g->cfg.gw.max_subs,
        .idle_timeout_ms = g->cfg.gw.idle_timeout_ms,
        .conn_id = c->id,
        .server = tern_str_from_cstr(server),
    };
    if (GW_SEND(g, c, GwWelcome, &w))
        c->state = GW_CONN_OPEN;
}

void gw_req_handle(struct gw *g, struct gw_conn *c, int type, union gw_req *r)
{
    if (type == GwHello_TYPE_ID) {
        hello(g, c, &r->hello);
        return;
    }
    if (c->state != GW_CONN_OPEN) {
        gw_conn_error(g, c, GwErr_PROTOCOL, 0, 0, true, "the first frame must be GwHello");
        return;
    }
    switch (type) {
    case GwPublish_TYPE_ID:
        gw_pub_publish(g, c, &r->publish);
        break;
    case GwSubscribe_TYPE_ID:
        gw_sub_open(g, c, &r->subscribe);
        break;
    case GwCredit_TYPE_ID:
        gw_sub_credit(g, c, r->credit.sub_id, r->credit.credits);
        break;
    case GwUnsubscribe_TYPE_ID:
        gw_sub_unsubscribe(g, c, r->unsubscribe.sub_id);
        break;
    case GwPing_TYPE_ID: {
        struct GwPong p = { .token = r->ping.token };
        GW_SEND(g, c, GwPong, &p);
        break;
    }
    case GwPong_TYPE_ID:
        break;      /* the gateway sends no pings yet; a pong only counts as activity */
    case GwBye_TYPE_ID: {
        struct GwBye b = { .reason = TERN_STR_LIT("bye") };
        GW_SEND(g, c, GwBye, &b);
        gw_conn_closing(g, c);
        break;
    }
    }
}
