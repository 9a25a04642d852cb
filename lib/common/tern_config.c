/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node config reader: libinih does the INI syntax, this file adds what
 * it lacks for tern: line numbers and every error at once.
 *
 * Debian's libinih is built without INI_HANDLER_LINENO, so the handler never
 * learns which line it is on.  We feed inih through ini_parse_stream() with
 * our own line reader, which counts lines and, because it sees each line
 * first, also catches the syntax errors inih would only report by the number
 * of the first one (a missing ']', a line with no '=', an overlong line, a
 * NUL byte).  Such a line is handed to inih as a blank line, so inih itself
 * never fails and we keep reporting every problem, each as
 * "file:line: [section] key: why".  The schema (which keys exist, how values
 * parse) lives in tern_config_keys.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <ini.h>

#include "tern_config_pvt.h"

#define CFG_FILE_MAX (1u << 20)     /* a node file is a few hundred bytes */

void tern__cfg_err(struct tern__cfg_state *st, int line, const char *section,
                   const char *key, const char *fmt, ...)
{
    char why[320];
    va_list ap;
    int n;

    st->nerr++;
    if (!st->errbuf || st->errpos + 1 >= st->errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);

    char *p = st->errbuf + st->errpos;
    size_t room = st->errlen - st->errpos;
    if (line > 0)
        n = snprintf(p, room, "%s:%d: ", st->source, line);
    else
        n = snprintf(p, room, "%s: ", st->source);
    if (n > 0 && (size_t)n < room && section && key)
        n += snprintf(p + n, room - (size_t)n, "[%s] %s: ", section, key);
    else if (n > 0 && (size_t)n < room && section)
        n += snprintf(p + n, room - (size_t)n, "[%s]: ", section);
    else if (n > 0 && (size_t)n < room && key)
        n += snprintf(p + n, room - (size_t)n, "%s: ", key);
    if (n > 0 && (size_t)n < room)
        n += snprintf(p + n, room - (size_t)n, "%s\n", why);
    /* On truncation keep what fits: the first errors matter most. */
    st->errpos += (n > 0 && (size_t)n < room) ? (size_t)n : room - 1;
}

/* inih's own rule for where a name or section ends: at one of chars, or at
 * an inline ';' comment that follows whitespace. */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
    bool was_space = false;

    while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

/* Check one line the way inih will read it.  false: a syntax error, already
 * reported; the caller gives inih a blank line instead. */
static bool cfg_line_ok(struct tern__cfg_state *st, const char *s)
{
    if (st->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;     /* a UTF-8 BOM, which inih skips too */
    while (isspace((unsigned char)*s))
        s++;
    if (!*s || *s == ';' || *s == '#')
        return true;
    if (*s == '[') {
        const char *end = find_chars_or_comment(s + 1, "]");
        char name[64];
        size_t n = (size_t)(end - s - 1);

        if (*end != ']') {
            tern__cfg_err(st, st->lineno, NULL, NULL, "syntax error: missing ']'");
            return false;
        }
        if (n >= sizeof(name))
            n = sizeof(name) - 1;
        memcpy(name, s + 1, n);
        name[n] = '\0';
        if (tern__cfg_port_is(name))
            tern__cfg_port_section(st, name);   /* reports a bad name, too many ports */
        else if (!tern__cfg_section_known(name))
            tern__cfg_err(st, st->lineno, name, NULL, "unknown section");
        return true;
    }
    const char *sep = find_chars_or_comment(s, "=:");
    if (*sep != '=' && *sep != ':') {
        tern__cfg_err(st, st->lineno, NULL, NULL,
                      "syntax error: expected '[section]' or 'key = value'");
        return false;
    }
    return true;
}

/* ini_reader: hands inih one line of st->text at a time, counting lines. */
static char *cfg_reader(char *str, int num, void *stream)
{
    struct tern__cfg_state *st = stream;
    const char *p, *nl;
    size_t n, rest, max;

    if (st->pos >= st->len || num < 4)
        return NULL;
    p = st->text + st->pos;
    rest = st->len - st->pos;
    nl = memchr(p, '\n', rest);
    n = nl ? (size_t)(nl - p) : rest;
    st->pos += nl ? n + 1 : n;
    st->lineno++;

    strcpy(str, "\n");
    max = (size_t)num - 3;      /* inih needs room for "\r\n\0" */
    if (memchr(p, '\0', n)) {
        tern__cfg_err(st, st->lineno, NULL, NULL, "syntax error: NUL byte");
        return str;
    }
    if (n > max) {
        tern__cfg_err(st, st->lineno, NULL, NULL,
                      "line too long (%zu characters, at most %zu)", n, max);
        return str;
    }
    memcpy(str, p, n);
    str[n] = '\n';
    str[n + 1] = '\0';
    if (!cfg_line_ok(st, str))
        strcpy(str, "\n");
    return str;
}

static int cfg_handler(void *user, const char *section, const char *name,
                       const char *value)
{
    struct tern__cfg_state *st = user;

    if (!*section)
        tern__cfg_err(st, st->lineno, NULL, name, "key outside any section");
    else if (!tern__cfg_section_known(section))
        ;   /* reported once, at the section's line */
    else if (!*name)
        tern__cfg_err(st, st->lineno, section, NULL, "missing key before '='");
    else if (!*value)
        tern__cfg_err(st, st->lineno, section, name, "missing value");
    else
        tern__cfg_set(st, section, name, value);
    return 1;   /* never stop: we want every error */
}

/* dst = a + b into a buffer of size cap; false when it does not fit. */
static bool cfg_join(char *dst, size_t cap, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);

    if (na + nb >= cap)
        return false;
    memmove(dst, a, na);    /* a may be dst itself */
    memcpy(dst + na, b, nb + 1);
    return true;
}

/* Blame a derived or cross-checked value on the first of two keys that was
 * set in the file: *line and *key name it. */
static void cfg_blame(const struct tern__cfg_state *st, enum tern__cfg_key a,
                      const char *key_a, enum tern__cfg_key b, const char *key_b,
                      int *line, const char **key)
{
    *line = st->line[a] ? st->line[a] : st->line[b];
    *key = st->line[a] || !st->line[b] ? key_a : key_b;
}

static void cfg_derive_paths(struct tern__cfg_state *st)
{
    struct tern_config *c = st->cfg;
    const size_t sun_max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

    if (!st->line[TERN__K_RUN_DIR] &&
        !cfg_join(c->run_dir, sizeof(c->run_dir), "/run/tern/", c->node_name))
        tern__cfg_err(st, st->line[TERN__K_NAME], "node", "name", "run_dir too long");
    if (c->storage_dir[0] == '\0' &&
        !cfg_join(c->storage_dir, sizeof(c->storage_dir), "/var/lib/tern/", c->node_name))
        tern__cfg_err(st, st->line[TERN__K_NAME], "node", "name", "storage dir too long");
    if (!st->line[TERN__K_FILE_PREFIX] &&
        !cfg_join(c->file_prefix, sizeof(c->file_prefix), "tern_", c->node_name))
        tern__cfg_err(st, st->line[TERN__K_NAME], "node", "name", "file_prefix too long");
    if (!st->line[TERN__K_CONTROL_SOCKET])
        cfg_join(c->control_socket, sizeof(c->control_socket), c->run_dir, "/control.sock");
    if (!st->line[TERN__K_DATAPLANE_SOCKET])
        cfg_join(c->dataplane_socket, sizeof(c->dataplane_socket), c->run_dir,
                 "/dataplane.sock");
    int line;
    const char *key;

    if (strlen(c->control_socket) > sun_max) {
        cfg_blame(st, TERN__K_CONTROL_SOCKET, "control_socket", TERN__K_RUN_DIR, "run_dir",
                  &line, &key);
        tern__cfg_err(st, line, "node", key, "control socket path too long for a Unix "
                      "socket (%zu characters, at most %zu)", strlen(c->control_socket), sun_max);
    }
    if (strlen(c->dataplane_socket) > sun_max) {
        cfg_blame(st, TERN__K_DATAPLANE_SOCKET, "dataplane_socket", TERN__K_RUN_DIR, "run_dir",
                  &line, &key);
        tern__cfg_err(st, line, "node", key, "dataplane socket path too long for a Unix "
                      "socket (%zu characters, at most %zu)", strlen(c->dataplane_socket), sun_max);
    }
}

static void cfg_cross_check(struct tern__cfg_state *st)
{
    struct tern_config *c = st->cfg;
    const char *key;
    int top, line;

    top = tern__cfg_lcores_max(c->lcores);
    if (top >= 0 && (unsigned)top >= c->first_client_lcore) {
        cfg_blame(st, TERN__K_LCORES, "lcores", TERN__K_FIRST_CLIENT_LCORE,
                  "first_client_lcore", &line, &key);
        tern__cfg_err(st, line, st->line[TERN__K_LCORES] ? "eal" : "clients", key,
                      "dataplane lcore %d collides with client lcores (first_client_lcore = %u)",
                      top, c->first_client_lcore);
    }
    /* rte_mempool_create() refuses a cache larger than n / 1.5. */
    if ((uint64_t)c->mempool_cache * 3 > (uint64_t)c->mbufs * 2) {
        cfg_blame(st, TERN__K_MEMPOOL_CACHE, "mempool_cache", TERN__K_MBUFS, "mbufs",
                  &line, &key);
        tern__cfg_err(st, line, "memory", key, "mempool_cache (%u) is more than mbufs / 1.5 "
                      "(mbufs = %u)", c->mempool_cache, c->mbufs);
    }
}

/* Rules may be given in any order and their sub-keys before rule.N itself:
 * drop incomplete ones, then order by N (first match wins). */
static void cfg_finish_rules(struct tern__cfg_state *st)
{
    struct tern_config *c = st->cfg;
    unsigned i, j, n = 0;

    for (i = 0; i < c->n_rules; i++) {
        if (!st->rules[i].line[TERN__R_RULE]) {
            int line = 0;
            for (j = 0; j < TERN__R_COUNT && !line; j++)
                line = st->rules[i].line[j];
            char key[32];
            snprintf(key, sizeof(key), "rule.%u", st->rules[i].index);
            tern__cfg_err(st, line, "storage", key, "options without the rule itself "
                          "(add 'rule.%u = PATTERN -> PREFIX')", st->rules[i].index);
            continue;
        }
        st->rules[n] = st->rules[i];
        c->rules[n++] = c->rules[i];
    }
    c->n_rules = n;
    for (i = 1; i < n; i++) {   /* insertion sort: at most 32 */
        struct tern__cfg_rule_state rs = st->rules[i];
        struct tern_storage_rule_cfg rc = c->rules[i];
        for (j = i; j > 0 && st->rules[j - 1].index > rs.index; j--) {
            st->rules[j] = st->rules[j - 1];
            c->rules[j] = c->rules[j - 1];
        }
        st->rules[j] = rs;
        c->rules[j] = rc;
    }
}

int tern__config_parse(struct tern_config *cfg, const char *text, size_t len,
                       const char *source, char *errbuf, size_t errlen)
{
    struct tern__cfg_state st;
    int rc;

    memset(&st, 0, sizeof(st));
    st.cfg = cfg;
    st.text = text;
    st.len = len;
    st.errbuf = errbuf;
    st.errlen = errlen;
    if (errbuf && errlen)
        errbuf[0] = '\0';
    tern__cfg_defaults(cfg);
    snprintf(cfg->source, sizeof(cfg->source), "%s", source);
    st.source = cfg->source;

    /* An indented line would otherwise silently continue the previous
     * value; tern has no multi-line values.  (Debian's inih makes these
     * options run-time globals; config is read once, at start-up.) */
    ini_allow_multiline = false;
    rc = ini_parse_stream(cfg_reader, &st, cfg_handler, &st);
    if (rc > 0)     /* cannot happen: cfg_reader pre-checks every line */
        tern__cfg_err(&st, rc, NULL, NULL, "syntax error");
    else if (rc < 0)
        tern__cfg_err(&st, 0, NULL, NULL, "cannot parse (inih error %d)", rc);

    cfg_finish_rules(&st);
    cfg_derive_paths(&st);
    cfg_cross_check(&st);
    tern__cfg_port_check(&st);
    return st.nerr ? -EINVAL : 0;
}

int tern_config_load(struct tern_config *cfg, const char *path, char *errbuf, size_t errlen)
{
    char *text;
    size_t n;
    FILE *f;
    int rc;

    if (!path)
        return tern__config_parse(cfg, tern_config_default_ini,
                                  strlen(tern_config_default_ini),
                                  "<embedded default>", errbuf, errlen);
    f = fopen(path, "r");
    if (!f) {
        rc = -errno;
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s: cannot open: %s\n", path, strerror(-rc));
        return rc;
    }
    text = malloc(CFG_FILE_MAX + 1);
    if (!text) {
        fclose(f);
        return -ENOMEM;
    }
    n = fread(text, 1, CFG_FILE_MAX + 1, f);
    rc = ferror(f) ? -EIO : 0;
    fclose(f);
    if (!rc && n > CFG_FILE_MAX) {
        rc = -EFBIG;
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s: larger than %u bytes\n", path, CFG_FILE_MAX);
    } else if (rc) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s: read error\n", path);
    } else {
        rc = tern__config_parse(cfg, text, n, path, errbuf, errlen);
    }
    free(text);
    return rc;
}
