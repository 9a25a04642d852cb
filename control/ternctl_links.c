/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ternctl link stats / node list / link fault: the node links as tern-dataplane counts
 * them, read from its DPDK telemetry socket (/tern/ports, see
 * docs/transport.md) rather than through tern-control, which has no part
 * in the data between nodes.  The socket is DPDK's own
 * (<runtime dir>/<file prefix>/dpdk_telemetry.v2, SOCK_SEQPACKET): connect,
 * read its greeting, send the command, read one JSON reply.
 *
 * The reply is a dict of flat dicts ({"/tern/ports": {"port0": {"name":
 * "b", "up": 1, ...}}}) whose keys and string values tern chose (no quote
 * or backslash inside), so a small scanner reads it; --json output is the
 * same objects, as an array.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/tern_config.h"
#include "ternctl.h"

#define REPLY_MAX (64 * 1024)

static int tel_path(const struct tern_config *cfg, char *out, size_t len)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n;

    if (getuid() == 0 || xdg == NULL)
        n = snprintf(out, len, "/var/run/dpdk/%s/dpdk_telemetry.v2", cfg->file_prefix);
    else
        n = snprintf(out, len, "%s/dpdk/%s/dpdk_telemetry.v2", xdg, cfg->file_prefix);
    return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/* Ask the dataplane's telemetry for cmd; the reply in buf. */
static int tel_query(const struct tern_config *cfg, const char *cmd, char *buf, size_t len,
                     char *why, size_t why_len)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct timeval tv = { .tv_sec = 5 };
    ssize_t n;
    int fd;

    if (tel_path(cfg, sa.sun_path, sizeof(sa.sun_path)) < 0) {
        snprintf(why, why_len, "telemetry socket path too long");
        return -ENAMETOOLONG;
    }
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        snprintf(why, why_len, "cannot reach tern-dataplane's telemetry at %s: %s "
                 "(is the node running with this config's file prefix?)", sa.sun_path,
                 strerror(e));
        if (fd >= 0)
            close(fd);
        return -e;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    n = read(fd, buf, len - 1);                    /* greeting */
    if (n > 0)
        n = write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd) ? read(fd, buf, len - 1) : -1;
    close(fd);
    if (n <= 0) {
        snprintf(why, why_len, "no answer from tern-dataplane's telemetry at %s", sa.sun_path);
        return -EIO;
    }
    buf[n] = '\0';
    return 0;
}

/* The objects inside {"/tern/ports": {"portN": {...}, ...}}, in order. */
static int objects(char *reply, char **obj, int max)
{
    char *p = strstr(reply, "\"/tern/ports\""), *end = reply + strlen(reply);
    int n = 0;

    if (p == NULL || (p = strchr(p, '{')) == NULL)
        return -EPROTO;
    p++;
    while (n < max && (p = strchr(p, '{')) != NULL) {
        char *e = strchr(p, '}');
        if (e == NULL)
            return -EPROTO;
        if (e + 1 >= end)
            return -EPROTO;     /* the outer dict's brace is missing */
        e[1] = '\0';
        obj[n++] = p;
        p = e + 2;
        if (p >= end)
            break;
    }
    return n;
}

/* The value of key in a flat object, into out (strings unquoted). */
static const char *field(const char *obj, const char *key, char *out, size_t len)
{
    char pat[80];
    const char *p, *e;

    snprintf(pat, sizeof(pat), "\"%s\":", key);
    p = strstr(obj, pat);
    if (p == NULL)
        return "";
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p == '"') {
        e = strchr(++p, '"');
    } else {
        e = p + strcspn(p, ",}");
    }
    if (e == NULL)
        return "";
    snprintf(out, len, "%.*s", (int)(e - p), p);
    return out;
}

static const char *const counters[] = {
    "frames_in", "frames_out", "bytes_in", "bytes_out", "naks_in", "naks_out",
    "retransmits", "window_stalls", "dup_frames", "bad_frames", "gaps", "gap_msgs",
    "delivery_waits", "nobufs", "rx_chained", "renumbered", "tx_drops", "refused", "links_up", "links_down",
    "peer_restarts", "fault_lost", "fault_duped", "fault_late", "rtt_ns", "rtt_last_ns",
};

/* An error: on stderr, and as a JSON object on stdout with --json. */
static int refused(int rv, const char *why, bool json)
{
    if (json) {
        printf("{\"status\":%d,\"error\":", rv);
        ternctl_json_str(stdout, tern_str_from_cstr(why));
        printf("}\n");
    }
    fprintf(stderr, "ternctl: %s\n", why);
    return 1;
}

int ternctl_links(const struct tern_config *cfg, bool json, bool nodes)
{
    static char reply[REPLY_MAX];
    char why[600], v[128], *obj[64];
    int n = 0, rv;

    /* The copy DPDK sends back is the reply only: nothing else is read. */
    rv = tel_query(cfg, "/tern/ports", reply, sizeof(reply), why, sizeof(why));
    if (rv == 0 && (n = objects(reply, obj, 64)) < 0) {
        snprintf(why, sizeof(why), "unexpected telemetry reply (no /tern/ports: an older "
                 "tern-dataplane?)");
        rv = n;
    }
    if (rv < 0)
        return refused(rv, why, json);
    if (json) {
        printf("{\"%s\":[", nodes ? "nodes" : "links");
        for (int i = 0; i < n; i++) {
            if (nodes) {
                char name[64], port[64], up[8];
                printf("%s{\"name\":\"%s\",\"port\":\"%s\",\"up\":%s}", i ? "," : "",
                       field(obj[i], "peer", name, sizeof(name)),
                       field(obj[i], "name", port, sizeof(port)),
                       strcmp(field(obj[i], "up", up, sizeof(up)), "1") ? "false" : "true");
            } else {
                printf("%s%s", i ? "," : "", obj[i]);
            }
        }
        printf("]}\n");
        return 0;
    }
    if (n == 0)
        printf("no node links ([port.NAME] in the node config)\n");
    for (int i = 0; i < n; i++) {
        char name[64], peer[64], up[8];
        field(obj[i], "name", name, sizeof(name));
        field(obj[i], "peer", peer, sizeof(peer));
        bool is_up = strcmp(field(obj[i], "up", up, sizeof(up)), "1") == 0;
        if (nodes) {
            printf("%-20s port.%-12s %s\n", peer, name, is_up ? "up" : "down");
            continue;
        }
        printf("port.%s -> %s: %s, streams in %s, out %s\n", name, peer, is_up ? "up" : "down",
               field(obj[i], "streams_in", v, sizeof(v)),
               strcmp(field(obj[i], "streams_out", v, sizeof(v)), "") ? v : "0");
        for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++)
            printf("  %-15s %s\n", counters[k], field(obj[i], counters[k], v, sizeof(v)));
    }
    return 0;
}

/* link fault NAME [loss=R] [dup=R] [reorder=R] [delay_us=N]: the port's
 * fault injection, changed by the settings given (rates as in the config),
 * through /tern/port_faults; with none, as it is. */
int ternctl_link_fault(const struct tern_config *cfg, const char *port, char **sets, int n,
                       bool json)
{
    static char reply[REPLY_MAX];
    char cmd[512], why[600], v[4][32];
    static const char *const keys[] = { "loss_ppm", "dup_ppm", "reorder_ppm", "delay_us" };
    int len, rv;

    len = snprintf(cmd, sizeof(cmd), "/tern/port_faults,%s", port);
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(sets[i], '=');
        uint32_t x;
        char *end;
        if (eq && !strncmp(sets[i], "delay_us=", 9)) {
            unsigned long d = strtoul(eq + 1, &end, 10);
            if (*end || end == eq + 1 || d > 1000000)
                return ternctl_usage_error("delay_us: a number of microseconds, at most 1000000");
            x = (uint32_t)d;
        } else if (eq && (!strncmp(sets[i], "loss=", 5) || !strncmp(sets[i], "dup=", 4) ||
                          !strncmp(sets[i], "reorder=", 8))) {
            rv = tern_cfg_rate_ppm(eq + 1, &x);
            if (rv < 0)
                return ternctl_usage_error(rv == -ERANGE ? "rate out of range (at most 50%)"
                                           : "a rate is N%, N.M% or Nppm (e.g. 5%, 250ppm)");
        } else {
            return ternctl_usage_error("link fault NAME [loss=R] [dup=R] [reorder=R] "
                                       "[delay_us=N]");
        }
        len += snprintf(cmd + len, sizeof(cmd) - (size_t)len, ",%.*s=%u",
                        (int)(eq - sets[i]), sets[i], x);
        if ((size_t)len >= sizeof(cmd))
            return ternctl_usage_error("too long");
    }
    rv = tel_query(cfg, cmd, reply, sizeof(reply), why, sizeof(why));
    /* {"/tern/port_faults": {"name": ...}}, or null for a refused command. */
    if (rv == 0 && (strstr(reply, "\"/tern/port_faults\"") == NULL ||
                    strstr(reply, "\"name\"") == NULL)) {
        snprintf(why, sizeof(why), "no port '%s' in this node (or a bad setting)", port);
        rv = -EINVAL;
    }
    if (rv < 0)
        return refused(rv, why, json);
    for (int k = 0; k < 4; k++)
        field(reply, keys[k], v[k], sizeof(v[k]));
    if (json)
        printf("{\"name\":\"%s\",\"loss_ppm\":%s,\"dup_ppm\":%s,\"reorder_ppm\":%s,"
               "\"delay_us\":%s}\n", port, v[0], v[1], v[2], v[3]);
    else
        printf("port.%s faults: loss %s ppm, dup %s ppm, reorder %s ppm, delay %s us\n", port,
               v[0], v[1], v[2], v[3]);
    return 0;
}
