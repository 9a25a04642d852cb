/* SPDX-License-Identifier: Apache-2.0 */
/*
 * [storage]: rules that send topics to the persistent log.
 *
 *   rule.N = PATTERN -> PREFIX        (PREFIX may hold {topic})
 *   rule.N.fsync = never | interval | always
 *   rule.N.fsync_interval_ms = 100
 *   rule.N.segment_bytes = 64M        (0: no size rotation)
 *   rule.N.rotate_utc = HH:MM | none
 *   rule.N.retain_bytes = 10G         (0: keep all)
 *   rule.N.retain_seconds = 7d        (0: keep all)
 *   mode = 0640                       (files; directories get x where r: 0750)
 *   group = NAME                      (group of the files; default the dataplane's)
 *
 * Numbered keys rather than one section per rule because inih sections
 * cannot repeat meaningfully and a number gives the rules an explicit order
 * (first match wins), whatever order the lines come in.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern/tern_topic.h>

#include "log/log_prefix.h"
#include "tern_config_pvt.h"

static const char *const opt_names[TERN__R_COUNT] = {
    [TERN__R_RULE] = "",
    [TERN__R_FSYNC] = "fsync",
    [TERN__R_FSYNC_INTERVAL_MS] = "fsync_interval_ms",
    [TERN__R_SEGMENT_BYTES] = "segment_bytes",
    [TERN__R_ROTATE_UTC] = "rotate_utc",
    [TERN__R_RETAIN_BYTES] = "retain_bytes",
    [TERN__R_RETAIN_SECONDS] = "retain_seconds",
};

/* The slot of rule N, created with its defaults on first mention; -1 when
 * the table is full (reported). */
static int rule_slot(struct tern__cfg_state *st, unsigned index, const char *key)
{
    struct tern_config *c = st->cfg;
    struct tern_storage_rule_cfg *r;
    unsigned i;

    for (i = 0; i < c->n_rules; i++)
        if (st->rules[i].index == index)
            return (int)i;
    if (c->n_rules >= TERN_CFG_RULES_MAX) {
        tern__cfg_err(st, st->lineno, "storage", key, "more than %d rules", TERN_CFG_RULES_MAX);
        return -1;
    }
    i = c->n_rules++;
    memset(&st->rules[i], 0, sizeof(st->rules[i]));
    st->rules[i].index = index;
    r = &c->rules[i];
    memset(r, 0, sizeof(*r));
    strcpy(r->fsync, "interval");
    r->fsync_interval_ms = 100;
    r->segment_bytes = 64ull << 20;
    r->rotate_utc_minute = -1;
    return (int)i;
}

static void trim_copy(char *dst, const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void set_rule(struct tern__cfg_state *st, const char *key,
                     struct tern_storage_rule_cfg *r, const char *v)
{
    const char *arrow = strstr(v, "->");
    size_t lp, rp;

    if (!arrow) {
        tern__cfg_err(st, st->lineno, "storage", key,
                      "expected 'PATTERN -> PREFIX', e.g. 'md.> -> md/{topic}'");
        return;
    }
    lp = (size_t)(arrow - v);
    rp = strlen(arrow + 2);
    if (lp >= sizeof(r->pattern) || rp >= sizeof(r->prefix)) {
        tern__cfg_err(st, st->lineno, "storage", key, "%s too long (at most %zu characters)",
                      lp >= sizeof(r->pattern) ? "pattern" : "prefix",
                      lp >= sizeof(r->pattern) ? sizeof(r->pattern) - 1 : sizeof(r->prefix) - 1);
        return;
    }
    trim_copy(r->pattern, v, lp);
    trim_copy(r->prefix, arrow + 2, rp);
    if (!r->pattern[0] || !r->prefix[0]) {
        tern__cfg_err(st, st->lineno, "storage", key, "empty %s in '%s'",
                      r->pattern[0] ? "prefix" : "pattern", v);
        return;
    }
    /* What the log would refuse at run time, topic by topic, is refused
     * here, where the line is known. */
    if (tern_topic_validate(r->pattern, true) < 0)
        tern__cfg_err(st, st->lineno, "storage", key, "invalid pattern '%s' (dot-separated "
                      "tokens; '*' is a whole token, '>' only the last)", r->pattern);
    const char *why = tern__log_prefix_problem(r->prefix, TERN_CFG_NAME_MAX - 1);
    if (why)
        tern__cfg_err(st, st->lineno, "storage", key, "prefix '%s': %s", r->prefix, why);
}

/* HH:MM or none, into minutes after midnight UTC. */
static void set_rotate(struct tern__cfg_state *st, const char *key,
                       struct tern_storage_rule_cfg *r, const char *v)
{
    if (strcmp(v, "none") == 0) {
        r->rotate_utc_minute = -1;
        return;
    }
    if (strlen(v) == 5 && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
        v[2] == ':' && isdigit((unsigned char)v[3]) && isdigit((unsigned char)v[4])) {
        int h = (v[0] - '0') * 10 + (v[1] - '0'), m = (v[3] - '0') * 10 + (v[4] - '0');
        if (h < 24 && m < 60) {
            r->rotate_utc_minute = h * 60 + m;
            return;
        }
    }
    tern__cfg_err(st, st->lineno, "storage", key, "expected HH:MM (UTC) or none, not '%s'", v);
}

const char *tern__cfg_storage_key_at(size_t i, char *buf, size_t n)
{
    static const char *const plain[] = { "dir", "mode", "group" };
    const size_t np = sizeof(plain) / sizeof(plain[0]);

    if (i < np)
        return plain[i];
    i -= np;
    if (i >= TERN__R_COUNT)
        return NULL;
    snprintf(buf, n, i == TERN__R_RULE ? "rule.N" : "rule.N.%s", opt_names[i]);
    return buf;
}

void tern__cfg_storage_set(struct tern__cfg_state *st, const char *key, const char *v)
{
    const char *p = key + 5;
    unsigned index = 0, opt;
    uint64_t x;
    int slot;

    if (strcmp(key, "dir") == 0) {
        if (v[0] != '/' || strlen(v) >= sizeof(st->cfg->storage_dir))
            tern__cfg_err(st, st->lineno, "storage", key, "expected an absolute path shorter "
                          "than %zu bytes, not '%s'", sizeof(st->cfg->storage_dir), v);
        else
            strcpy(st->cfg->storage_dir, v);
        return;
    }
    if (strcmp(key, "mode") == 0) {
        char *end;
        unsigned long m = strtoul(v, &end, 8);
        /* the owner (the dataplane) must read and write what it stores */
        if (*v == '\0' || *end != '\0' || m > 0777 || (m & 0600) != 0600)
            tern__cfg_err(st, st->lineno, "storage", key, "expected an octal file mode with "
                          "owner read and write, e.g. 0640, not '%s'", v);
        else
            st->cfg->storage_mode = (uint32_t)m;
        return;
    }
    if (strcmp(key, "group") == 0) {
        if (v[0] == '\0' || strlen(v) >= sizeof(st->cfg->storage_group))
            tern__cfg_err(st, st->lineno, "storage", key, "expected a group name shorter than "
                          "%zu bytes", sizeof(st->cfg->storage_group));
        else
            strcpy(st->cfg->storage_group, v);
        return;
    }
    if (strncmp(key, "rule.", 5) != 0 || !isdigit((unsigned char)*p))
        goto unknown;
    for (; isdigit((unsigned char)*p); p++) {
        index = index * 10 + (unsigned)(*p - '0');
        if (index > 999)
            goto unknown;
    }
    if (*p == '\0') {
        opt = TERN__R_RULE;
    } else {
        if (*p++ != '.')
            goto unknown;
        for (opt = 1; opt < TERN__R_COUNT; opt++)
            if (strcmp(p, opt_names[opt]) == 0)
                break;
        if (opt == TERN__R_COUNT)
            goto unknown;
    }
    slot = rule_slot(st, index, key);
    if (slot < 0)
        return;
    struct tern__cfg_rule_state *rs = &st->rules[slot];
    struct tern_storage_rule_cfg *r = &st->cfg->rules[slot];
    if (rs->line[opt]) {
        tern__cfg_err(st, st->lineno, "storage", key, "duplicate key (first set on line %d)",
                      rs->line[opt]);
        return;
    }
    rs->line[opt] = st->lineno;

    switch (opt) {
    case TERN__R_RULE:
        set_rule(st, key, r, v);
        break;
    case TERN__R_FSYNC:
        if (strcmp(v, "never") && strcmp(v, "interval") && strcmp(v, "always"))
            tern__cfg_err(st, st->lineno, "storage", key,
                          "expected never, interval or always, not '%s'", v);
        else
            strcpy(r->fsync, v);
        break;
    case TERN__R_FSYNC_INTERVAL_MS:
        if (tern__cfg_num(st, "storage", key, v, 1, 60000, TERN__U_NONE, &x))
            r->fsync_interval_ms = (uint32_t)x;
        break;
    case TERN__R_SEGMENT_BYTES:
        if (tern__cfg_num(st, "storage", key, v, 0, 1ull << 40, TERN__U_BYTES, &x))
            r->segment_bytes = x;
        break;
    case TERN__R_ROTATE_UTC:
        set_rotate(st, key, r, v);
        break;
    case TERN__R_RETAIN_BYTES:
        if (tern__cfg_num(st, "storage", key, v, 0, 1ull << 50, TERN__U_BYTES, &x))
            r->retain_bytes = x;
        break;
    case TERN__R_RETAIN_SECONDS:
        if (tern__cfg_num(st, "storage", key, v, 0, 100ull * 366 * 86400, TERN__U_SECONDS, &x))
            r->retain_seconds = x;
        break;
    }
    return;
unknown:
    tern__cfg_err(st, st->lineno, "storage", key,
                  "unknown key (expected dir, mode, group, rule.N or rule.N.{fsync, fsync_interval_ms, "
                  "segment_bytes, rotate_utc, retain_bytes, retain_seconds})");
}
