/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the config reader, shared by its two halves: tern_config.c
 * (reading lines, syntax, errors, defaults and cross-checks) and
 * tern_config_keys.c (the schema: which keys exist and how each value is
 * parsed).  Do not include from anywhere else.
 */
#ifndef TERN_CONFIG_PVT_H
#define TERN_CONFIG_PVT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "tern_config.h"

/* Where each scalar key was set (0: never), for duplicates and for the
 * line of a failed cross-check. */
enum tern__cfg_key {
    TERN__K_NAME, TERN__K_RUN_DIR, TERN__K_CONTROL_SOCKET, TERN__K_DATAPLANE_SOCKET,
    TERN__K_FILE_PREFIX, TERN__K_LCORES, TERN__K_ALLOW, TERN__K_EXTRA_ARGS,
    TERN__K_LOG_LEVEL,
    TERN__K_MBUFS, TERN__K_MSG_SIZE, TERN__K_MEMPOOL_CACHE,
    TERN__K_MAX_TOPICS, TERN__K_MAX_SUBS, TERN__K_MAX_CLIENTS, TERN__K_DEFAULT_DEPTH,
    TERN__K_MAX_LINKS,
    TERN__K_FIRST_CLIENT_LCORE, TERN__K_CLIENT_TIMEOUT_MS, TERN__K_STORAGE_LCORE,
    TERN__K_DRAIN_TIMEOUT_MS, TERN__K_METRICS_ADDRESS, TERN__K_METRICS_PORT,
    TERN__K_COUNT
};

/* Storage rule sub-keys: rule.N, rule.N.fsync, ... */
enum tern__cfg_rule_key {
    TERN__R_RULE, TERN__R_FSYNC, TERN__R_FSYNC_INTERVAL_MS, TERN__R_SEGMENT_BYTES,
    TERN__R_ROTATE_UTC, TERN__R_RETAIN_BYTES, TERN__R_RETAIN_SECONDS,
    TERN__R_COUNT
};

struct tern__cfg_rule_state {
    unsigned index;                   /* the N of rule.N */
    int line[TERN__R_COUNT];
};

/* Per [port.NAME] bookkeeping (tern_config_port.c). */
#define TERN__PORT_KEYS_MAX 32
struct tern__cfg_port_state {
    int section_line;                 /* its first [port.NAME] header */
    int line[TERN__PORT_KEYS_MAX];    /* where each key was first set (0: never) */
};

struct tern__cfg_state {
    struct tern_config *cfg;
    const char *source;
    /* input */
    const char *text;
    size_t len;
    size_t pos;
    int lineno;                       /* line being parsed */
    bool section_ok;                  /* current section is known */
    /* errors */
    char *errbuf;
    size_t errlen;
    size_t errpos;
    unsigned nerr;
    /* bookkeeping */
    int line[TERN__K_COUNT];
    struct tern__cfg_rule_state rules[TERN_CFG_RULES_MAX];
#define TERN__GW_KEYS_MAX 16
    int gw_line[TERN__GW_KEYS_MAX];   /* [gateway] keys (tern_config_gateway.c) */
    struct tern__cfg_port_state ports[TERN_CFG_PORTS_MAX]; /* parallel to cfg->ports */
};

/* Append "source:line: [section] key: why" (section/key may be NULL). */
void tern__cfg_err(struct tern__cfg_state *st, int line, const char *section,
                   const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

enum tern__cfg_unit { TERN__U_NONE, TERN__U_BYTES, TERN__U_SECONDS };

/* Parse decimal v (with a unit suffix when unit says so) into min..max;
 * false after reporting why not. */
bool tern__cfg_num(struct tern__cfg_state *st, const char *sec, const char *key,
                   const char *v, uint64_t min, uint64_t max, enum tern__cfg_unit unit,
                   uint64_t *out);

/* The schema */
bool tern__cfg_section_known(const char *section);
void tern__cfg_set(struct tern__cfg_state *st, const char *section, const char *key,
                   const char *value);
void tern__cfg_defaults(struct tern_config *cfg);
/* [storage] keys: rule.N and rule.N.option (tern_config_storage.c). */
void tern__cfg_storage_set(struct tern__cfg_state *st, const char *key, const char *value);
/* [gateway] keys and defaults (tern_config_gateway.c). */
void tern__cfg_gateway_set(struct tern__cfg_state *st, const char *key, const char *value);
void tern__cfg_gateway_defaults(struct tern_gateway_cfg *g);
/* [port.NAME] sections (tern_config_port.c).  _is: whether section is a
 * port section at all; _section: a header was read (at st->lineno): check
 * the name and create the port with its defaults on first sight; _set: one
 * key (ignored when its section was refused); _check: the cross-checks
 * once the whole file is read. */
bool tern__cfg_port_is(const char *section);
void tern__cfg_port_section(struct tern__cfg_state *st, const char *section);
void tern__cfg_port_set(struct tern__cfg_state *st, const char *section, const char *key,
                        const char *value);
void tern__cfg_port_defaults(struct tern_port_cfg *p, const char *name);
void tern__cfg_port_check(struct tern__cfg_state *st);
/* dddd:bb:dd.f or bb:dd.f, hex (tern_config_keys.c). */
bool tern__cfg_pci_ok(const char *addr);

/* The schema's keys one by one, for the test that keeps configs/default.ini
 * the complete reference (NULL past the last): the table's [section] key,
 * and [storage]'s, a rule's as "rule.N" and "rule.N.option". */
const char *tern__cfg_key_at(size_t i, const char **section);
const char *tern__cfg_storage_key_at(size_t i, char *buf, size_t n);

/* Highest lcore id named in a --lcores value, or -1 if it does not parse. */
int tern__cfg_lcores_max(const char *lcores);

#endif
