/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Application slots.  Every application gets its own slot, the lcore id
 * tern_client_lcore() gives it (first_client_lcore + slot, wrapping: more
 * applications than lcore ids share them, which is safe as clients keep no
 * state per lcore id in shared memory), and EAL arguments that pin that
 * lcore id to the CPUs it said it may run on.  The slot is given back when the connection closes, for whatever
 * reason, after the dataplane has reclaimed what the client held.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

/* "0-1,4" from a CPU list; -EINVAL if a CPU is out of range or it does not
 * fit.  An empty list means every online CPU. */
static int cpu_ranges(const struct tern_list_u16 *cpus, char *out, size_t cap)
{
    bool set[1024] = { false };
    size_t pos = 0;
    long online;
    int i, j;

    if (cpus->count == 0) {
        online = sysconf(_SC_NPROCESSORS_ONLN);
        for (i = 0; i < online && i < 1024; i++)
            set[i] = true;
    }
    for (uint32_t k = 0; k < cpus->count; k++) {
        uint16_t c = tern_list_u16_at(cpus, k);
        if (c >= 1024)
            return -EINVAL;
        set[c] = true;
    }
    out[0] = '\0';
    for (i = 0; i < 1024; i = j) {
        int n;
        if (!set[i]) {
            j = i + 1;
            continue;
        }
        for (j = i; j < 1024 && set[j]; j++)
            ;
        n = j - 1 > i ? snprintf(out + pos, cap - pos, "%s%d-%d", pos ? "," : "", i, j - 1)
                      : snprintf(out + pos, cap - pos, "%s%d", pos ? "," : "", i);
        if (n < 0 || (size_t)n >= cap - pos)
            return -EINVAL;
        pos += (size_t)n;
    }
    return pos ? 0 : -EINVAL;
}

int ctl_client_attach(struct ctl *ctl, struct ctl_conn *conn, const struct CtlHello *h,
                      uint32_t *client_id, char *err, size_t errlen)
{
    struct ctl_client *c = NULL;
    struct DpClientAttach da;
    uint32_t id;
    int rc;

    for (id = 0; id < ctl->max_clients; id++)
        if (!ctl->clients[id].used) {
            c = &ctl->clients[id];
            break;
        }
    if (!c)
        return ctl_fail(err, errlen, -EBUSY, "too many clients: all %u in use (raise "
                        "[limits] max_clients)", ctl->max_clients);
    memset(c, 0, sizeof(*c));
    if (ctl_str(c->name, sizeof(c->name), h->name) < 0)
        return ctl_fail(err, errlen, -EINVAL, "client name longer than %d bytes",
                        CTL_NAME_MAX - 1);
    if (cpu_ranges(&h->cpus, c->cpus, sizeof(c->cpus)) < 0)
        return ctl_fail(err, errlen, -EINVAL, "bad CPU list (%u entries; CPUs are 0..1023)",
                        h->cpus.count);
    c->pid = h->pid;
    c->lcore_id = tern_client_lcore(ctl->first_client_lcore, id);

    da = (struct DpClientAttach){ id, c->lcore_id, c->pid, h->name };
    rc = ctl_dp_call(ctl, DpClientAttach_encode(&da, ctl->dp.tx, CTL_MSG_MAX), -1, err, errlen);
    if (rc < 0)
        return rc;
    c->used = true;
    c->conn = conn;
    *client_id = id;
    char esc[TERN_ESC_MAX];
    CTL_LOG_RL(CTL_INFO, "client %u attached: '%s' pid %u, lcore %u@(%s)", id,
               TERN_ESC_STR(esc, c->name), c->pid, c->lcore_id, c->cpus);
    return 0;
}

unsigned ctl_client_eal_args(const struct ctl *ctl, uint32_t client_id, struct tern_str *args,
                             char store[][CTL_NAME_MAX * 2])
{
    const struct ctl_client *c = &ctl->clients[client_id];
    unsigned n = 0;

    snprintf(store[n++], sizeof(store[0]), "tern-client");
    snprintf(store[n++], sizeof(store[0]), "--proc-type=secondary");
    snprintf(store[n++], sizeof(store[0]), "--file-prefix=%s", ctl->file_prefix);
    snprintf(store[n++], sizeof(store[0]), "--no-pci");
    snprintf(store[n++], sizeof(store[0]), "--lcores=%u@(%s)", c->lcore_id, c->cpus);
    snprintf(store[n++], sizeof(store[0]), "--log-level=%s", ctl->cfg.log_level);
    snprintf(store[n++], sizeof(store[0]), "--no-telemetry");
    for (unsigned i = 0; i < n; i++)
        args[i] = tern_str_from_cstr(store[i]);
    return n;
}

void ctl_client_gone(struct ctl *ctl, uint32_t client_id)
{
    struct ctl_client *c = &ctl->clients[client_id];
    struct DpClientGone g = { client_id };
    char err[CTL_ERR_MAX];
    int rc;

    /* The dataplane first: it must reclaim the client's buffers and links
     * before its ids can be handed to anyone else. */
    rc = ctl_dp_call(ctl, DpClientGone_encode(&g, ctl->dp.tx, CTL_MSG_MAX), -1, err,
                     sizeof(err));
    if (rc < 0 && rc != -ENOTCONN)
        CTL_LOG_RL(CTL_WARN, "client %u: dataplane reclaim failed: %s", client_id, err);
    ctl_subs_forget(ctl, client_id);
    ctl_pubs_forget(ctl, client_id);
    if (c->fenced && c->pidfd >= 0) {
        ctl_loop_del_file(ctl->loop, c->pidfd, ~0u);
        close(c->pidfd);
    }
    char esc[TERN_ESC_MAX];
    CTL_LOG_RL(CTL_INFO, "client %u gone: '%s' pid %u", client_id, TERN_ESC_STR(esc, c->name),
               c->pid);
    if (c->conn)
        c->conn->client_id = CTL_NONE;
    memset(c, 0, sizeof(*c));
}

void ctl_clients_drop_all(struct ctl *ctl)
{
    for (uint32_t id = 0; id < ctl->max_clients; id++) {
        if (ctl->clients[id].used && ctl->clients[id].conn)
            ctl_conn_close(ctl->clients[id].conn);
        else if (ctl->clients[id].used)
            ctl_client_gone(ctl, id);   /* fenced, of a primary that is gone */
    }
}
