/* SPDX-License-Identifier: Apache-2.0 */
/*
 * [gateway]: tern-gateway, the daemon that serves remote and non-DPDK
 * clients (docs/gateway.md).
 *
 *   unix_socket = PATH          default <run_dir>/gateway.sock ("none": off)
 *   listen = HOST:PORT          TCP; default 127.0.0.1:7450 ("none": off)
 *   max_conns = 1024            connections at once; more are refused
 *   max_subs = 64               subscriptions per connection
 *   max_frame = 65536+          largest frame accepted (header included)
 *   hello_timeout_ms = 5000     from accept to GwHello
 *   frame_timeout_ms = 10000    from a frame's first byte to its last
 *   idle_timeout_ms = 60000     with no frame received
 *   out_max = 4M                a connection's unwritten output, then cut off
 *   write_timeout_ms = 10000    output pending with no byte written, then cut off
 *
 * Its own file, as [storage] has, so that the gateway's keys stay out of
 * the table every daemon reads; the defaults are set here too, so that a
 * node file without the section describes a working gateway.
 */
#include <stdio.h>
#include <string.h>

#include "tern_config_pvt.h"

struct gw_key {
    const char *key;
    size_t off;
    uint64_t min, max;
    enum tern__cfg_unit unit;
};

#define GW_U32(k, lo, hi, u) { #k, offsetof(struct tern_gateway_cfg, k), lo, hi, u }

/* Index i is also the slot of st->gw_line[i] (duplicates). */
static const struct gw_key gw_keys[] = {
    GW_U32(max_conns, 1, 65536, TERN__U_NONE),
    GW_U32(max_subs, 1, 4096, TERN__U_NONE),
    /* A frame must hold the bus's largest message plus its envelope; the
     * cross-check against [memory] msg_size is the gateway's (it knows the
     * envelope). */
    GW_U32(max_frame, 4096, 16u << 20, TERN__U_BYTES),
    GW_U32(hello_timeout_ms, 10, 600000, TERN__U_NONE),
    GW_U32(frame_timeout_ms, 10, 600000, TERN__U_NONE),
    GW_U32(idle_timeout_ms, 100, 86400000, TERN__U_NONE),
    GW_U32(out_max, 65536, 1u << 30, TERN__U_BYTES),
    GW_U32(write_timeout_ms, 10, 600000, TERN__U_NONE),
};
#define GW_KEY_UNIX (sizeof(gw_keys) / sizeof(gw_keys[0]))
#define GW_KEY_LISTEN (GW_KEY_UNIX + 1)
_Static_assert(GW_KEY_LISTEN < TERN__GW_KEYS_MAX, "gw_line too small");

void tern__cfg_gateway_defaults(struct tern_gateway_cfg *g)
{
    memset(g, 0, sizeof(*g));
    strcpy(g->listen, "127.0.0.1:7450");    /* never all interfaces by default */
    g->max_conns = 1024;
    g->max_subs = 64;
    g->max_frame = 65536 + 4096;
    g->hello_timeout_ms = 5000;
    g->frame_timeout_ms = 10000;
    g->idle_timeout_ms = 60000;
    g->out_max = 4u << 20;
    g->write_timeout_ms = 10000;
}

static bool gw_dup(struct tern__cfg_state *st, size_t slot, const char *key)
{
    if (st->gw_line[slot]) {
        tern__cfg_err(st, st->lineno, "gateway", key, "duplicate key (first set on line %d)",
                      st->gw_line[slot]);
        return true;
    }
    st->gw_line[slot] = st->lineno;
    return false;
}

static void gw_str(struct tern__cfg_state *st, const char *key, const char *v, char *dst,
                   size_t size)
{
    if (strlen(v) >= size) {
        tern__cfg_err(st, st->lineno, "gateway", key, "longer than %zu bytes", size - 1);
        return;
    }
    strcpy(dst, v);
}

void tern__cfg_gateway_set(struct tern__cfg_state *st, const char *key, const char *value)
{
    struct tern_gateway_cfg *g = &st->cfg->gw;

    if (strcmp(key, "unix_socket") == 0) {
        if (!gw_dup(st, GW_KEY_UNIX, key))
            gw_str(st, key, value, g->unix_socket, sizeof(g->unix_socket));
        return;
    }
    if (strcmp(key, "listen") == 0) {
        if (gw_dup(st, GW_KEY_LISTEN, key))
            return;
        if (strcmp(value, "none") != 0 && !strrchr(value, ':')) {
            tern__cfg_err(st, st->lineno, "gateway", key,
                          "'%s' is not HOST:PORT (or none)", value);
            return;
        }
        gw_str(st, key, value, g->listen, sizeof(g->listen));
        return;
    }
    for (size_t i = 0; i < GW_KEY_UNIX; i++) {
        const struct gw_key *k = &gw_keys[i];
        uint64_t x;

        if (strcmp(key, k->key) != 0)
            continue;
        if (gw_dup(st, i, key))
            return;
        if (tern__cfg_num(st, "gateway", key, value, k->min, k->max, k->unit, &x)) {
            uint32_t v32 = (uint32_t)x;
            memcpy((char *)g + k->off, &v32, sizeof(v32));
        }
        return;
    }
    tern__cfg_err(st, st->lineno, "gateway", key, "unknown key");
}
