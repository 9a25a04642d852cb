/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The schema of a node file: every section and key, its default, its range
 * and how its value parses.  A table rather than a chain of strcmp()s so
 * that adding a key is one line and the range printed in an error message
 * is the range that is checked.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_config_pvt.h"

enum kind {
    KIND_NAME,          /* [A-Za-z0-9_-]+: lands in file names and EAL args */
    KIND_PATH,
    KIND_ADDR,          /* an IPv4 or IPv6 address literal: no name lookup at start-up */
    KIND_LCORES,        /* a DPDK --lcores value */
    KIND_PCI_LIST,      /* repeatable, whitespace-separated PCI addresses */
    KIND_ARG_LIST,      /* repeatable, whitespace-separated EAL arguments */
    KIND_LOG_LEVEL,
    KIND_U32,
};

struct key_def {
    const char *section;
    const char *key;
    enum tern__cfg_key id;
    enum kind kind;
    size_t off;         /* of the field in struct tern_config */
    size_t size;
    uint32_t min, max;
    bool pow2;
};

#define FIELD(f) offsetof(struct tern_config, f), sizeof(((struct tern_config *)0)->f)
#define STR(sec, k, id, kind, f) { sec, k, id, kind, FIELD(f), 0, 0, false }
#define U32(sec, k, id, f, lo, hi, p2) { sec, k, id, KIND_U32, FIELD(f), lo, hi, p2 }

static const struct key_def keys[] = {
    STR("node", "name", TERN__K_NAME, KIND_NAME, node_name),
    STR("node", "run_dir", TERN__K_RUN_DIR, KIND_PATH, run_dir),
    STR("node", "control_socket", TERN__K_CONTROL_SOCKET, KIND_PATH, control_socket),
    STR("node", "dataplane_socket", TERN__K_DATAPLANE_SOCKET, KIND_PATH, dataplane_socket),
    U32("node", "drain_timeout_ms", TERN__K_DRAIN_TIMEOUT_MS, drain_timeout_ms, 0, 600000,
        false),
    STR("eal", "file_prefix", TERN__K_FILE_PREFIX, KIND_NAME, file_prefix),
    STR("eal", "lcores", TERN__K_LCORES, KIND_LCORES, lcores),
    STR("eal", "allow", TERN__K_ALLOW, KIND_PCI_LIST, allow),
    STR("eal", "extra_args", TERN__K_EXTRA_ARGS, KIND_ARG_LIST, extra_args),
    STR("eal", "log_level", TERN__K_LOG_LEVEL, KIND_LOG_LEVEL, log_level),
    U32("eal", "storage_lcore", TERN__K_STORAGE_LCORE, storage_lcore, 0, 127, false),
    U32("memory", "mbufs", TERN__K_MBUFS, mbufs, 64, 1u << 26, false),
    U32("memory", "msg_size", TERN__K_MSG_SIZE, msg_size, 64, 61440, false),
    U32("memory", "mempool_cache", TERN__K_MEMPOOL_CACHE, mempool_cache, 0, 512, false),
    /* Ceilings: a u32 id would allow more, but these are what is tested
     * (docs/control.md, "Limits"). */
    U32("limits", "max_topics", TERN__K_MAX_TOPICS, max_topics, 1, 65536, false),
    U32("limits", "max_subs", TERN__K_MAX_SUBS, max_subs, 1, 65536, false),
    U32("limits", "max_links", TERN__K_MAX_LINKS, max_links, 1, 1u << 20, false),
    U32("limits", "max_clients", TERN__K_MAX_CLIENTS, max_clients, 1, 1024, false),
    U32("limits", "default_depth", TERN__K_DEFAULT_DEPTH, default_depth, 2, 65536, true),
    U32("clients", "first_client_lcore", TERN__K_FIRST_CLIENT_LCORE, first_client_lcore,
        1, 127, false),
    U32("clients", "client_timeout_ms", TERN__K_CLIENT_TIMEOUT_MS, client_timeout_ms,
        10, 600000, false),
    STR("metrics", "address", TERN__K_METRICS_ADDRESS, KIND_ADDR, metrics_address),
    U32("metrics", "port", TERN__K_METRICS_PORT, metrics_port, 0, 65535, false),
};

static const char *const sections[] = { "node", "eal", "memory", "limits", "clients",
                                        "storage", "metrics", "gateway" };

void tern__cfg_defaults(struct tern_config *c)
{
    memset(c, 0, sizeof(*c));
    strcpy(c->node_name, "local");
    strcpy(c->lcores, "0@0");
    strcpy(c->log_level, "error");
    c->mbufs = 16383;
    c->msg_size = 2048;
    c->mempool_cache = 256;
    c->max_topics = 256;
    c->max_subs = 256;
    c->max_clients = 32;
    c->max_links = 4096;
    c->default_depth = 1024;
    c->first_client_lcore = 64;
    c->client_timeout_ms = 2000;
    c->drain_timeout_ms = 2000;
    strcpy(c->metrics_address, "127.0.0.1");
    tern__cfg_gateway_defaults(&c->gw);
    c->storage_mode = 0640;     /* what the log module takes 0 for, said out loud */
    /* run_dir, sockets and file_prefix derive from the name once it is
     * known: see cfg_derive_paths(). */
}

const char *tern__cfg_key_at(size_t i, const char **section)
{
    if (i >= sizeof(keys) / sizeof(keys[0]))
        return NULL;
    *section = keys[i].section;
    return keys[i].key;
}

bool tern__cfg_section_known(const char *section)
{
    if (tern__cfg_port_is(section))
        return true;    /* its name is checked at its header (tern_config_port.c) */
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
        if (strcmp(section, sections[i]) == 0)
            return true;
    return false;
}

struct unit {
    char suffix;
    uint64_t mult;
};
static const struct unit byte_units[] = { { 'K', 1ull << 10 }, { 'M', 1ull << 20 },
                                          { 'G', 1ull << 30 }, { 'T', 1ull << 40 }, { 0, 0 } };
static const struct unit time_units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 },
                                          { 'd', 86400 }, { 0, 0 } };

/* Decimal digits, optionally one unit suffix; no sign, no spaces, no hex:
 * a config value means one thing. */
bool tern__cfg_num(struct tern__cfg_state *st, const char *sec, const char *key,
                   const char *v, uint64_t min, uint64_t max, enum tern__cfg_unit unit,
                   uint64_t *out)
{
    const struct unit *units = unit == TERN__U_BYTES ? byte_units
                             : unit == TERN__U_SECONDS ? time_units : NULL;
    uint64_t x = 0, mult = 1;
    const char *p = v;

    for (; isdigit((unsigned char)*p); p++) {
        if (x > (UINT64_MAX - 9) / 10) {
            x = UINT64_MAX;     /* saturate: reported as out of range */
            continue;
        }
        x = x * 10 + (uint64_t)(*p - '0');
    }
    if (p != v && *p && units && !p[1]) {
        for (const struct unit *u = units; u->suffix; u++)
            if (toupper((unsigned char)*p) == toupper((unsigned char)u->suffix) &&
                (u->suffix != 'm' || *p == 'm')) {
                mult = u->mult;
                p++;
                break;
            }
    }
    if (p == v || *p) {
        if (units == byte_units)
            tern__cfg_err(st, st->lineno, sec, key,
                          "not a number: '%s' (a count of bytes, suffix K, M, G or T)", v);
        else if (units == time_units)
            tern__cfg_err(st, st->lineno, sec, key,
                          "not a number: '%s' (a duration, suffix s, m, h or d)", v);
        else
            tern__cfg_err(st, st->lineno, sec, key, "not a number: '%s'", v);
        return false;
    }
    if (x > UINT64_MAX / mult || x * mult < min || x * mult > max) {
        tern__cfg_err(st, st->lineno, sec, key, "out of range: %s (allowed %llu..%llu)", v,
                      (unsigned long long)min, (unsigned long long)max);
        return false;
    }
    *out = x * mult;
    return true;
}

static bool check_len(struct tern__cfg_state *st, const char *sec, const char *key,
                      const char *v, size_t cap)
{
    if (strlen(v) < cap)
        return true;
    tern__cfg_err(st, st->lineno, sec, key, "too long (%zu characters, at most %zu)",
                  strlen(v), cap - 1);
    return false;
}

static bool check_name(struct tern__cfg_state *st, const char *sec, const char *key,
                       const char *v)
{
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
            tern__cfg_err(st, st->lineno, sec, key,
                          "invalid character '%c' in '%s' (allowed: letters, digits, '_', '-')",
                          isprint((unsigned char)*p) ? *p : '?', v);
            return false;
        }
    return true;
}

static bool check_log_level(struct tern__cfg_state *st, const char *sec, const char *key,
                            const char *v)
{
    static const char *const levels[] = { "emergency", "alert", "critical", "error",
                                          "warning", "notice", "info", "debug",
                                          "1", "2", "3", "4", "5", "6", "7", "8" };

    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strcmp(v, levels[i]) == 0)
            return true;
    tern__cfg_err(st, st->lineno, sec, key, "unknown level '%s' (emergency, alert, critical, "
                  "error, warning, notice, info, debug, or 1..8)", v);
    return false;
}

/* dddd:bb:dd.f or bb:dd.f, hex. */
bool tern__cfg_pci_ok(const char *a)
{
    const char *shape = strlen(a) == 12 ? "xxxx:xx:xx.x" : "xx:xx.x";

    if (strlen(a) != strlen(shape))
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'x' ? !isxdigit((unsigned char)a[i]) : a[i] != shape[i])
            return false;
    return true;
}

/* EAL options that tern sets itself from other keys, or that break the
 * multi-process model every client depends on. */
static const char *arg_owner(const char *a)
{
    static const struct { const char *opt, *why; } owned[] = {
        { "--file-prefix", "set by [eal] file_prefix" },
        { "--proc-type", "tern-dataplane is always the primary" },
        { "--lcores", "set by [eal] lcores" },
        { "-l", "set by [eal] lcores" },
        { "-c", "set by [eal] lcores" },
        { "--log-level", "set by [eal] log_level" },
        { "--no-huge", "secondary processes need hugepages" },
        { "--in-memory", "secondary processes need shared config" },
        { "--no-shconf", "secondary processes need shared config" },
        { "-a", "set by [eal] allow" },
        { "--allow", "set by [eal] allow" },
    };
    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
        size_t n = strlen(owned[i].opt);
        if (strncmp(a, owned[i].opt, n) == 0 && (a[n] == '\0' || a[n] == '='))
            return owned[i].why;
    }
    return NULL;
}

/* A repeatable key: each whitespace-separated word is one more entry. */
static void set_list(struct tern__cfg_state *st, const struct key_def *d, const char *v)
{
    char (*arr)[TERN_CFG_NAME_MAX] = (void *)((char *)st->cfg + d->off);
    unsigned *count = d->kind == KIND_PCI_LIST ? &st->cfg->n_allow : &st->cfg->n_extra_args;
    const char *p = v;

    while (*p) {
        size_t n;
        char w[TERN_CFG_NAME_MAX];
        const char *why;

        while (isspace((unsigned char)*p))
            p++;
        for (n = 0; p[n] && !isspace((unsigned char)p[n]); n++)
            ;
        if (!n)
            break;
        if (n >= sizeof(w)) {
            tern__cfg_err(st, st->lineno, d->section, d->key,
                          "'%.*s...' too long (at most %zu characters)", 16, p, sizeof(w) - 1);
        } else if (*count >= TERN_CFG_ARGS_MAX) {
            tern__cfg_err(st, st->lineno, d->section, d->key, "more than %d entries",
                          TERN_CFG_ARGS_MAX);
            return;
        } else {
            memcpy(w, p, n);
            w[n] = '\0';
            if (d->kind == KIND_PCI_LIST && !tern__cfg_pci_ok(w))
                tern__cfg_err(st, st->lineno, d->section, d->key,
                              "'%s' is not a PCI address (0000:01:00.0)", w);
            else if (d->kind == KIND_ARG_LIST && (why = arg_owner(w)) != NULL)
                tern__cfg_err(st, st->lineno, d->section, d->key, "'%s' not allowed: %s",
                              w, why);
            else
                strcpy(arr[(*count)++], w);
        }
        p += n;
    }
}

static void set_key(struct tern__cfg_state *st, const struct key_def *d, const char *v)
{
    char *field = (char *)st->cfg + d->off;
    uint64_t x;
    int top;

    switch (d->kind) {
    case KIND_PCI_LIST:
    case KIND_ARG_LIST:
        set_list(st, d, v);
        return;
    case KIND_U32:
        if (!tern__cfg_num(st, d->section, d->key, v, d->min, d->max, TERN__U_NONE, &x))
            return;
        if (d->pow2 && (x & (x - 1))) {
            tern__cfg_err(st, st->lineno, d->section, d->key, "not a power of two: %s", v);
            return;
        }
        *(uint32_t *)(void *)field = (uint32_t)x;
        return;
    case KIND_NAME:
        if (!check_len(st, d->section, d->key, v, d->size) ||
            !check_name(st, d->section, d->key, v))
            return;
        break;
    case KIND_LOG_LEVEL:
        if (!check_log_level(st, d->section, d->key, v))
            return;
        break;
    case KIND_LCORES:
        if (!check_len(st, d->section, d->key, v, d->size))
            return;
        top = tern__cfg_lcores_max(v);
        if (top < 0) {
            tern__cfg_err(st, st->lineno, d->section, d->key,
                          "cannot parse '%s' (a DPDK --lcores value, e.g. 0@0 or 0@0,1@1)", v);
            return;
        }
        break;
    case KIND_PATH:
        if (!check_len(st, d->section, d->key, v, d->size))
            return;
        break;
    case KIND_ADDR: {
        unsigned char a[sizeof(struct in6_addr)];
        if (!check_len(st, d->section, d->key, v, d->size))
            return;
        if (inet_pton(AF_INET, v, a) != 1 && inet_pton(AF_INET6, v, a) != 1) {
            tern__cfg_err(st, st->lineno, d->section, d->key,
                          "not an IPv4 or IPv6 address: '%s' (e.g. 127.0.0.1 or ::1)", v);
            return;
        }
        break;
    }
    }
    strcpy(field, v);
}

void tern__cfg_set(struct tern__cfg_state *st, const char *section, const char *key,
                   const char *value)
{
    if (strcmp(section, "storage") == 0) {
        tern__cfg_storage_set(st, key, value);
        return;
    }
    if (strcmp(section, "gateway") == 0) {
        tern__cfg_gateway_set(st, key, value);
        return;
    }
    if (tern__cfg_port_is(section)) {
        tern__cfg_port_set(st, section, key, value);
        return;
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const struct key_def *d = &keys[i];
        if (strcmp(section, d->section) || strcmp(key, d->key))
            continue;
        bool repeatable = d->kind == KIND_PCI_LIST || d->kind == KIND_ARG_LIST;
        if (st->line[d->id] && !repeatable) {
            tern__cfg_err(st, st->lineno, section, key, "duplicate key (first set on line %d)",
                          st->line[d->id]);
            return;
        }
        if (!st->line[d->id])
            st->line[d->id] = st->lineno;
        set_key(st, d, value);
        return;
    }
    tern__cfg_err(st, st->lineno, section, key, "unknown key");
}

/* N or N-M, each below 1024; raises *max. */
static const char *lcores_range(const char *p, int *max)
{
    for (int i = 0; i < 2; i++) {
        int n = 0;
        if (!isdigit((unsigned char)*p))
            return NULL;
        for (; isdigit((unsigned char)*p); p++) {
            n = n * 10 + (*p - '0');
            if (n >= 1024)
                return NULL;
        }
        if (n > *max)
            *max = n;
        if (*p != '-' || i == 1)
            break;
        p++;
    }
    return p;
}

/* A range, or a parenthesised comma-separated list of ranges. */
static const char *lcores_set(const char *p, int *max)
{
    if (*p != '(')
        return lcores_range(p, max);
    for (p++;; p++) {
        p = lcores_range(p, max);
        if (!p)
            return NULL;
        if (*p == ')')
            return p + 1;
        if (*p != ',')
            return NULL;
    }
}

int tern__cfg_lcores_max(const char *s)
{
    int top = -1, cpu = -1;

    for (;;) {
        s = lcores_set(s, &top);
        if (s && *s == '@')
            s = lcores_set(s + 1, &cpu);
        if (!s)
            return -1;
        if (!*s)
            return top;
        if (*s++ != ',')
            return -1;
    }
}
