/* SPDX-License-Identifier: Apache-2.0 */
/*
 * [port.NAME]: a DPDK port to a peer node (docs/transport.md).  Up to
 * TERN_CFG_PORTS_MAX sections, each its own port:
 *
 *   vdev = net_memif0,role=server   a virtual device ...
 *   pci = 0000:01:00.0              ... or a PCI one, also in [eal] allow
 *   lcore = 1                       I/O lcore (0..127); default the main lcore
 *   rx_desc = 1024, tx_desc = 1024  ring sizes (64..16384, a power of two)
 *   mtu = 1500                      IP MTU (576..9000)
 *   ip = 10.0.0.1                   this node's IPv4 address (required)
 *   peer_ip = 10.0.0.2              the peer's (required)
 *   udp_port = 7460, peer_udp_port = 7460
 *   mac = aa:bb:cc:dd:ee:ff         source MAC; default the port's own
 *   peer_mac = ff:ff:ff:ff:ff:ff    destination MAC (default broadcast)
 *   import = md.>                   repeatable: topics taken from the peer
 *   export = >                      repeatable: what the peer may take (default >)
 *   window = 4096                   frames kept for retransmission (64..65536, power of two)
 *   rx_window = 1024                frames the receiver advertises (16..65536)
 *   heartbeat_ms = 100              1..10000
 *   link_timeout_ms = 1000          10..600000, more than heartbeat_ms
 *   nak_delay_us = 100              0..1000000
 *   fault_loss, fault_dup, fault_reorder = 0%   N%, N.M% or Nppm, at most 50%
 *   fault_delay_us = 0              0..1000000: every received frame
 *   fault_seed = 1
 *
 * A section name may repeat: the second [port.a] goes on with the first
 * (inih hands keys over one by one, so that is what it does anyway), but a
 * key other than import and export may be set only once per port.
 * The NAME is checked at the header, where the port is created with its
 * defaults; the cross-checks (vdev or pci, the required addresses, the
 * timers, clashes between ports, [eal] allow) run once the file is read.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tern/tern_topic.h>

#include "tern_config_pvt.h"

#define PORT_NAME_MAX 31            /* characters of NAME */
#define PORT_LCORE_MAX 127          /* as [eal] storage_lcore */
#define PORT_FAULT_MAX_PPM 500000   /* 50% */

enum port_kind {
    PK_U16, PK_U32, PK_U64,
    PK_VDEV, PK_PCI, PK_IP, PK_MAC, PK_PPM, PK_IMPORT, PK_EXPORT,
};

struct port_key {
    const char *key;
    enum port_kind kind;
    size_t off;             /* of the field in struct tern_port_cfg */
    uint64_t min, max;
    bool pow2;
};

#define PF(f) offsetof(struct tern_port_cfg, f)
#define PNUM(k, kind, lo, hi, p2) { #k, kind, PF(k), lo, hi, p2 }
#define PSPECIAL(k, kind, f) { k, kind, PF(f), 0, 0, false }

/* Index i is also the slot of st->ports[].line[i] (duplicates, blame). */
enum {
    K_VDEV, K_PCI, K_LCORE, K_RX_DESC, K_TX_DESC, K_MTU, K_IP, K_PEER_IP, K_UDP_PORT,
    K_PEER_UDP_PORT, K_MAC, K_PEER_MAC, K_IMPORT, K_EXPORT, K_WINDOW, K_RX_WINDOW,
    K_HEARTBEAT_MS, K_LINK_TIMEOUT_MS, K_NAK_DELAY_US, K_FAULT_LOSS, K_FAULT_DUP,
    K_FAULT_REORDER, K_FAULT_DELAY_US, K_FAULT_SEED, K_COUNT
};
_Static_assert(K_COUNT <= TERN__PORT_KEYS_MAX, "tern__cfg_port_state.line too small");

static const struct port_key port_keys[K_COUNT] = {
    [K_VDEV] = PSPECIAL("vdev", PK_VDEV, vdev),
    [K_PCI] = PSPECIAL("pci", PK_PCI, pci),
    [K_LCORE] = PNUM(lcore, PK_U32, 0, PORT_LCORE_MAX, false),
    [K_RX_DESC] = PNUM(rx_desc, PK_U32, 64, 16384, true),
    [K_TX_DESC] = PNUM(tx_desc, PK_U32, 64, 16384, true),
    [K_MTU] = PNUM(mtu, PK_U32, 576, 9000, false),
    [K_IP] = PSPECIAL("ip", PK_IP, ip),
    [K_PEER_IP] = PSPECIAL("peer_ip", PK_IP, peer_ip),
    [K_UDP_PORT] = PNUM(udp_port, PK_U16, 1, 65535, false),
    [K_PEER_UDP_PORT] = PNUM(peer_udp_port, PK_U16, 1, 65535, false),
    [K_MAC] = PSPECIAL("mac", PK_MAC, mac),
    [K_PEER_MAC] = PSPECIAL("peer_mac", PK_MAC, peer_mac),
    [K_IMPORT] = PSPECIAL("import", PK_IMPORT, imports),
    [K_EXPORT] = PSPECIAL("export", PK_EXPORT, exports),
    [K_WINDOW] = PNUM(window, PK_U32, 64, 65536, true),
    [K_RX_WINDOW] = PNUM(rx_window, PK_U32, 16, 65536, false),
    [K_HEARTBEAT_MS] = PNUM(heartbeat_ms, PK_U32, 1, 10000, false),
    [K_LINK_TIMEOUT_MS] = PNUM(link_timeout_ms, PK_U32, 10, 600000, false),
    [K_NAK_DELAY_US] = PNUM(nak_delay_us, PK_U32, 0, 1000000, false),
    [K_FAULT_LOSS] = PSPECIAL("fault_loss", PK_PPM, fault_loss_ppm),
    [K_FAULT_DUP] = PSPECIAL("fault_dup", PK_PPM, fault_dup_ppm),
    [K_FAULT_REORDER] = PSPECIAL("fault_reorder", PK_PPM, fault_reorder_ppm),
    [K_FAULT_DELAY_US] = PNUM(fault_delay_us, PK_U32, 0, 1000000, false),
    /* UINT64_MAX - 1: tern__cfg_num saturates an overlong number to UINT64_MAX,
     * which must read as out of range, not as a seed. */
    [K_FAULT_SEED] = PNUM(fault_seed, PK_U64, 0, UINT64_MAX - 1, false),
};

bool tern__cfg_port_is(const char *section)
{
    return strncmp(section, "port.", 5) == 0;
}

void tern__cfg_port_defaults(struct tern_port_cfg *p, const char *name)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->lcore = UINT32_MAX;
    p->rx_desc = 1024;
    p->tx_desc = 1024;
    p->mtu = 1500;
    p->udp_port = 7460;
    p->peer_udp_port = 7460;
    memset(p->peer_mac, 0xff, sizeof(p->peer_mac));
    p->window = 4096;
    p->rx_window = 1024;
    p->heartbeat_ms = 100;
    p->link_timeout_ms = 1000;
    p->nak_delay_us = 100;
    p->fault_seed = 1;
    /* exports: one ">" unless the file gives any, see tern__cfg_port_check() */
}

static int port_find(const struct tern_config *c, const char *name)
{
    for (unsigned i = 0; i < c->n_ports; i++)
        if (strcmp(c->ports[i].name, name) == 0)
            return (int)i;
    return -1;
}

void tern__cfg_port_section(struct tern__cfg_state *st, const char *section)
{
    struct tern_config *c = st->cfg;
    const char *name = section + 5;
    size_t n = strlen(name);

    if (n == 0) {
        tern__cfg_err(st, st->lineno, section, NULL, "empty port name (expected [port.NAME])");
        return;
    }
    if (n > PORT_NAME_MAX) {
        tern__cfg_err(st, st->lineno, section, NULL,
                      "port name too long (%zu characters, at most %d)", n, PORT_NAME_MAX);
        return;
    }
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
            tern__cfg_err(st, st->lineno, section, NULL, "invalid character '%c' in port name "
                          "'%s' (allowed: letters, digits, '_', '-')",
                          isprint((unsigned char)*p) ? *p : '?', name);
            return;
        }
    if (port_find(c, name) >= 0)
        return;     /* [port.NAME] again: the same port goes on */
    if (c->n_ports >= TERN_CFG_PORTS_MAX) {
        tern__cfg_err(st, st->lineno, section, NULL, "more than %d ports", TERN_CFG_PORTS_MAX);
        return;
    }
    unsigned i = c->n_ports++;
    tern__cfg_port_defaults(&c->ports[i], name);
    memset(&st->ports[i], 0, sizeof(st->ports[i]));
    st->ports[i].section_line = st->lineno;
}

static int hexval(char ch)
{
    return isdigit((unsigned char)ch) ? ch - '0' : tolower((unsigned char)ch) - 'a' + 10;
}

/* aa:bb:cc:dd:ee:ff, hex. */
static bool parse_mac(const char *v, uint8_t mac[6])
{
    if (strlen(v) != 17)
        return false;
    for (int i = 0; i < 6; i++) {
        const char *o = v + 3 * i;
        if (!isxdigit((unsigned char)o[0]) || !isxdigit((unsigned char)o[1]) ||
            (i < 5 && o[2] != ':'))
            return false;
        mac[i] = (uint8_t)(hexval(o[0]) << 4 | hexval(o[1]));
    }
    return true;
}

/* N%, N.M% (up to 4 decimals: 0.0001% is 1 ppm) or Nppm, at most 50%. */
int tern_cfg_rate_ppm(const char *v, uint32_t *out)
{
    const char *p = v;
    uint64_t whole = 0, frac = 0, ppm;
    unsigned nfrac = 0;

    if (!isdigit((unsigned char)*p))
        return -EINVAL;
    for (; isdigit((unsigned char)*p); p++) {
        whole = whole * 10 + (uint64_t)(*p - '0');
        if (whole > PORT_FAULT_MAX_PPM)
            return -ERANGE;     /* too much as ppm, and so as % */
    }
    if (strcmp(p, "ppm") == 0) {
        ppm = whole;
    } else {
        if (*p == '.') {
            p++;
            if (!isdigit((unsigned char)*p))
                return -EINVAL;
            for (; isdigit((unsigned char)*p); p++) {
                if (++nfrac > 4)
                    return -EINVAL;
                frac = frac * 10 + (uint64_t)(*p - '0');
            }
        }
        if (strcmp(p, "%") != 0)
            return -EINVAL;
        for (; nfrac < 4; nfrac++)
            frac *= 10;
        ppm = whole * 10000 + frac;
    }
    if (ppm > PORT_FAULT_MAX_PPM)
        return -ERANGE;
    *out = (uint32_t)ppm;
    return 0;
}

static bool parse_ppm(struct tern__cfg_state *st, const char *sec, const char *key,
                      const char *v, uint32_t *out)
{
    int rv = tern_cfg_rate_ppm(v, out);

    if (rv == -EINVAL)
        tern__cfg_err(st, st->lineno, sec, key, "expected a rate as N%%, N.M%% or Nppm "
                      "(e.g. 5%%, 0.5%%, 250ppm), not '%s'", v);
    else if (rv < 0)
        tern__cfg_err(st, st->lineno, sec, key, "out of range: %s (at most 50%%, 500000ppm)", v);
    return rv == 0;
}

static void add_pattern(struct tern__cfg_state *st, const char *sec, const char *key,
                        const char *v, char (*arr)[TERN_CFG_NAME_MAX], unsigned *count)
{
    if (*count >= TERN_CFG_PORT_PATTERNS_MAX) {
        tern__cfg_err(st, st->lineno, sec, key, "more than %d %s patterns",
                      TERN_CFG_PORT_PATTERNS_MAX, key);
        return;
    }
    if (strlen(v) >= TERN_CFG_NAME_MAX) {
        tern__cfg_err(st, st->lineno, sec, key, "pattern too long (%zu characters, at most %d)",
                      strlen(v), TERN_CFG_NAME_MAX - 1);
        return;
    }
    /* as [storage] rule patterns: what the bus would refuse at run time */
    if (tern_topic_validate(v, true) < 0) {
        tern__cfg_err(st, st->lineno, sec, key, "invalid pattern '%s' (dot-separated "
                      "tokens; '*' is a whole token, '>' only the last)", v);
        return;
    }
    strcpy(arr[(*count)++], v);
}

static bool vdev_ok(const char *v)
{
    if (strncmp(v, "net_", 4) != 0 || !v[4])
        return false;
    for (const char *p = v; *p; p++)
        if (isspace((unsigned char)*p) || !isprint((unsigned char)*p))
            return false;
    return true;
}

static void set_value(struct tern__cfg_state *st, const char *sec, const struct port_key *k,
                      struct tern_port_cfg *p, const char *v)
{
    char *field = (char *)p + k->off;
    unsigned char a4[4];
    uint64_t x;
    uint32_t u32;
    uint16_t u16;

    switch (k->kind) {
    case PK_U16:
    case PK_U32:
    case PK_U64:
        if (!tern__cfg_num(st, sec, k->key, v, k->min, k->max, TERN__U_NONE, &x))
            return;
        if (k->pow2 && (x & (x - 1))) {
            tern__cfg_err(st, st->lineno, sec, k->key, "not a power of two: %s", v);
            return;
        }
        if (k->kind == PK_U16) {
            u16 = (uint16_t)x;
            memcpy(field, &u16, sizeof(u16));
        } else if (k->kind == PK_U32) {
            u32 = (uint32_t)x;
            memcpy(field, &u32, sizeof(u32));
        } else {
            memcpy(field, &x, sizeof(x));
        }
        return;
    case PK_VDEV:
        if (strlen(v) >= sizeof(p->vdev))
            tern__cfg_err(st, st->lineno, sec, k->key, "too long (%zu characters, at most %zu)",
                          strlen(v), sizeof(p->vdev) - 1);
        else if (!vdev_ok(v))
            tern__cfg_err(st, st->lineno, sec, k->key, "'%s' is not a DPDK net vdev (expected "
                          "net_DRIVER[,args] without spaces, e.g. net_memif0,role=server)", v);
        else
            strcpy(p->vdev, v);
        return;
    case PK_PCI:
        if (!tern__cfg_pci_ok(v))
            tern__cfg_err(st, st->lineno, sec, k->key,
                          "'%s' is not a PCI address (0000:01:00.0)", v);
        else
            strcpy(p->pci, v);
        return;
    case PK_IP:
        if (inet_pton(AF_INET, v, a4) != 1) {
            tern__cfg_err(st, st->lineno, sec, k->key,
                          "not an IPv4 address: '%s' (e.g. 10.0.0.1)", v);
            return;
        }
        u32 = (uint32_t)a4[0] << 24 | (uint32_t)a4[1] << 16 | (uint32_t)a4[2] << 8 | a4[3];
        memcpy(field, &u32, sizeof(u32));
        return;
    case PK_MAC:
        if (!parse_mac(v, (uint8_t *)field)) {
            tern__cfg_err(st, st->lineno, sec, k->key,
                          "not a MAC address: '%s' (six hex octets, aa:bb:cc:dd:ee:ff)", v);
            return;
        }
        if (k->off == PF(mac))
            p->have_mac = true;
        return;
    case PK_PPM:
        if (parse_ppm(st, sec, k->key, v, &u32))
            memcpy(field, &u32, sizeof(u32));
        return;
    case PK_IMPORT:
        add_pattern(st, sec, k->key, v, p->imports, &p->n_imports);
        return;
    case PK_EXPORT:
        add_pattern(st, sec, k->key, v, p->exports, &p->n_exports);
        return;
    }
}

void tern__cfg_port_set(struct tern__cfg_state *st, const char *section, const char *key,
                        const char *value)
{
    int i = port_find(st->cfg, section + 5);

    if (i < 0)
        return;     /* its header was refused, and said why */
    struct tern__cfg_port_state *ps = &st->ports[i];
    for (size_t k = 0; k < K_COUNT; k++) {
        const struct port_key *d = &port_keys[k];
        if (strcmp(key, d->key) != 0)
            continue;
        bool repeatable = d->kind == PK_IMPORT || d->kind == PK_EXPORT;
        if (ps->line[k] && !repeatable) {
            tern__cfg_err(st, st->lineno, section, key, "duplicate key (first set on line %d)",
                          ps->line[k]);
            return;
        }
        if (!ps->line[k])
            ps->line[k] = st->lineno;
        set_value(st, section, d, &st->cfg->ports[i], value);
        return;
    }
    tern__cfg_err(st, st->lineno, section, key, "unknown key");
}

/* The same PCI device: "01:00.0" is "0000:01:00.0", hex in either case.
 * Both are pci_ok(): 12 or 7 characters. */
static bool pci_same(const char *a, const char *b)
{
    bool la = strlen(a) == 12, lb = strlen(b) == 12;

    return strncasecmp(la ? a : "0000", lb ? b : "0000", 4) == 0 &&
           strcasecmp(la ? a + 5 : a, lb ? b + 5 : b) == 0;
}

static void check_port(struct tern__cfg_state *st, unsigned i)
{
    struct tern_config *c = st->cfg;
    struct tern_port_cfg *p = &c->ports[i];
    const struct tern__cfg_port_state *ps = &st->ports[i];
    char sec[8 + TERN_CFG_NAME_MAX];

    snprintf(sec, sizeof(sec), "port.%s", p->name);
    if (ps->line[K_VDEV] && ps->line[K_PCI])
        tern__cfg_err(st, ps->line[K_PCI], sec, "pci", "both vdev (line %d) and pci given: "
                      "a port is one or the other", ps->line[K_VDEV]);
    else if (!ps->line[K_VDEV] && !ps->line[K_PCI])
        tern__cfg_err(st, ps->section_line, sec, "vdev", "neither vdev nor pci given: a port "
                      "needs exactly one (vdev = net_..., or pci = ADDR)");
    if (!ps->line[K_IP])
        tern__cfg_err(st, ps->section_line, sec, "ip",
                      "required: this node's IPv4 address on the port");
    if (!ps->line[K_PEER_IP])
        tern__cfg_err(st, ps->section_line, sec, "peer_ip",
                      "required: the peer node's IPv4 address");
    if (p->link_timeout_ms <= p->heartbeat_ms) {
        bool lt = ps->line[K_LINK_TIMEOUT_MS] || !ps->line[K_HEARTBEAT_MS];
        int line = lt ? ps->line[K_LINK_TIMEOUT_MS] : ps->line[K_HEARTBEAT_MS];
        tern__cfg_err(st, line ? line : ps->section_line, sec,
                      lt ? "link_timeout_ms" : "heartbeat_ms",
                      "link_timeout_ms (%u) must be more than heartbeat_ms (%u)",
                      p->link_timeout_ms, p->heartbeat_ms);
    }
    /* memif hands a frame larger than its buffers over as a chain, and
     * DPDK 22.11's memif loses pieces of such chains (seen as gaps of
     * one buffer's worth of messages): the frame must fit one buffer. */
    if (strncmp(p->vdev, "net_memif", 9) == 0) {
        const char *b = strstr(p->vdev, ",bsize=");
        unsigned long bsize = b ? strtoul(b + 7, NULL, 0) : 2048;
        if (p->mtu + 14 > bsize)
            tern__cfg_err(st, ps->line[K_MTU] ? ps->line[K_MTU] : ps->line[K_VDEV], sec,
                          ps->line[K_MTU] ? "mtu" : "vdev",
                          "mtu %u needs frames of %u bytes, more than the memif buffer "
                          "(bsize=%lu): add ',bsize=%u' to vdev or lower mtu",
                          p->mtu, p->mtu + 14, bsize, (p->mtu + 14 + 1023) / 1024 * 1024);
    }
    /* Only what the config names is probed: --no-pci stays the default. */
    if (p->pci[0]) {
        bool allowed = false;
        for (unsigned j = 0; j < c->n_allow && !allowed; j++)
            allowed = pci_same(c->allow[j], p->pci);
        if (!allowed)
            tern__cfg_err(st, ps->line[K_PCI], sec, "pci", "'%s' is not in [eal] allow: add "
                          "'allow = %s' under [eal]", p->pci, p->pci);
    }
    /* A bad ip was reported and left 0; 0.0.0.0 is no source address. */
    for (unsigned j = 0; j < i && p->ip; j++) {
        const struct tern_port_cfg *q = &c->ports[j];
        if (q->ip == p->ip && q->udp_port == p->udp_port) {
            char a[INET_ADDRSTRLEN];
            uint32_t be = htonl(p->ip);
            inet_ntop(AF_INET, &be, a, sizeof(a));
            tern__cfg_err(st, ps->line[K_IP], sec, "ip", "%s udp_port %u already used by "
                          "[port.%s] (line %d)", a, p->udp_port, q->name,
                          st->ports[j].line[K_IP]);
            break;
        }
    }
    if (!ps->line[K_EXPORT]) {
        strcpy(p->exports[0], ">");
        p->n_exports = 1;
    }
}

void tern__cfg_port_check(struct tern__cfg_state *st)
{
    for (unsigned i = 0; i < st->cfg->n_ports; i++)
        check_port(st, i);
}
