/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-control [-c node.ini] [-v]: the control daemon.
 *
 * Start-up order: bind the control socket first, so that a second daemon
 * started by mistake fails before it touches the dataplane (whose single
 * control connection it would otherwise take over, reclaiming every client
 * of the first); then connect to the dataplane; only then accept.  A client
 * connecting in between waits in the backlog.  Signals
 * arrive through a signalfd in the reactor, so a handler never runs in the
 * middle of an action:
 *
 *   SIGTERM, SIGINT  stop, in a fixed order (docs/control.md "Shutdown"):
 *                    the control socket is closed and unlinked (no new
 *                    client), the dataplane link closed (so that no live
 *                    client is reclaimed under its feet), every client
 *                    connection closed (their watchers fence them at the
 *                    EOF), exit 0; one log line each
 *   SIGUSR1          stats dump to the log (ctl_stats_dump())
 *   SIGHUP           re-read the config file: [clients] client_timeout_ms
 *                    applies to connections accepted from then on; other
 *                    keys need a restart, and the log says so
 *   SIGPIPE          ignored: a send to a closed socket fails with EPIPE,
 *                    which the caller handles
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "common/tern_nofile.h"
#include "tern_notify.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: tern-control [-c NODE.ini] [-v]\n"
               "  -c FILE    node config (default: the embedded configs/default.ini)\n"
               "  -v         debug logging\n"
               "  --help     this text\n"
               "  --version  the version\n");
}

/* SIGHUP: what can change without a restart does; the rest is named. */
static void reload(struct ctl *ctl)
{
    static struct tern_config next;
    static char err[2048];
    uint32_t was = ctl->cfg.client_timeout_ms;

    if (strcmp(ctl->cfg.source, "<embedded default>") == 0) {
        ctl_log(CTL_INFO, "SIGHUP: running on the embedded default config: nothing to re-read");
        return;
    }
    if (tern_config_load(&next, ctl->cfg.source, err, sizeof(err)) < 0) {
        err[strcspn(err, "\n")] = '\0';
        ctl_log(CTL_ERROR, "SIGHUP: cannot re-read %s, keeping the running config: %s",
                ctl->cfg.source, err);
        return;
    }
    ctl->cfg.client_timeout_ms = next.client_timeout_ms;
    memcpy(next.source, ctl->cfg.source, sizeof(next.source));
    ctl_log(CTL_INFO, "SIGHUP: re-read %s: [clients] client_timeout_ms %u -> %u applied%s",
            ctl->cfg.source, was, next.client_timeout_ms,
            memcmp(&next, &ctl->cfg, sizeof(next)) ? "; other keys changed and need a "
            "restart (sockets, limits and the dataplane's are fixed at start-up)" : "");
}

static void on_signal(struct ctl_loop *loop, int fd, void *clientd, unsigned mask)
{
    struct ctl *ctl = clientd;
    struct signalfd_siginfo si;

    (void)mask;
    while (read(fd, &si, sizeof(si)) == sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGUSR1:
            ctl_stats_dump(ctl);
            break;
        case SIGHUP:
            reload(ctl);
            break;
        default:
            ctl->stop_signal = (int)si.ssi_signo;
            ctl_loop_stop(loop);
            break;
        }
    }
}

/* SIGTERM's order, one line a step (see the file comment). */
static void shutdown_in_order(struct ctl *ctl)
{
    unsigned n = 0;

    ctl_metrics_stop(ctl);
    ctl_log(CTL_INFO, "shutdown (signal %d, %s): control socket %s closed, no new clients",
            ctl->stop_signal, strsignal(ctl->stop_signal), ctl->cfg.control_socket);
    if (ctl->listen_fd >= 0) {
        ctl_loop_del_file(ctl->loop, ctl->listen_fd, ~0u);
        close(ctl->listen_fd);
        unlink(ctl->cfg.control_socket);
        ctl->listen_fd = -1;
    }
    ctl_log(CTL_INFO, "shutdown: dataplane link %s", ctl_dp_up(ctl) ? "closed" : "was down");
    ctl_dp_close(ctl);
    while (ctl->conns) {
        n += ctl->conns->peer == CtlPeer_APP;
        ctl_conn_close(ctl->conns);
    }
    ctl_log(CTL_INFO, "shutdown: %u client connection(s) closed (their processes are fenced)",
            n);
}

static int watch_signals(struct ctl *ctl)
{
    sigset_t set;

    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -errno;
    ctl->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (ctl->signal_fd < 0)
        return -errno;
    return ctl_loop_add_file(ctl->loop, ctl->signal_fd, CTL_READABLE, on_signal, ctl);
}

/* mkdir -p, mode 0755. */
static int make_dirs(const char *path)
{
    char p[TERN_CFG_PATH_MAX];

    snprintf(p, sizeof(p), "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            return -errno;
        *s = '/';
    }
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int main(int argc, char **argv)
{
    static struct ctl ctl;
    static char err[8192];
    const char *path = NULL;
    int opt, rc;

    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };

    while ((opt = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            path = optarg;
            break;
        case 'v':
            ctl_log_level = CTL_DEBUG;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("tern-control %s\n", TERN_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    rc = tern_config_load(&ctl.cfg, path, err, sizeof(err));
    if (rc < 0) {
        /* "file:line: [section] key: why", the compiler's shape editors
         * jump to: not a log line (docs/control.md "Logging"). */
        fprintf(stderr, "%s", err);
        return 1;
    }
    rc = make_dirs(ctl.cfg.run_dir);
    if (rc < 0) {
        ctl_log(CTL_ERROR, "cannot create run_dir %s: %s", ctl.cfg.run_dir, strerror(-rc));
        return 1;
    }
    rc = ctl_init(&ctl);
    if (rc < 0) {
        ctl_log(CTL_ERROR, "cannot allocate the registry: %s", strerror(-rc));
        return 1;
    }
    /* A socket and a pidfd per client, a socket per tool, and our own. */
    uint64_t need = 2 * (uint64_t)ctl.cfg.max_clients + 64, nofile = tern_nofile_raise(need);
    if (nofile < need)
        ctl_log(CTL_WARN, "RLIMIT_NOFILE is %llu, below the %llu that max_clients = %u may "
                "need: attaches past it fail (raise LimitNOFILE=)", (unsigned long long)nofile,
                (unsigned long long)need, ctl.cfg.max_clients);
    rc = watch_signals(&ctl);
    if (rc < 0) {
        ctl_log(CTL_ERROR, "cannot watch signals: %s", strerror(-rc));
        goto out_fini;
    }
    rc = ctl_listen(&ctl);
    if (rc == -EADDRINUSE)
        ctl_log(CTL_ERROR, "another tern-control is listening on %s", ctl.cfg.control_socket);
    else if (rc < 0)
        ctl_log(CTL_ERROR, "cannot listen on %s: %s", ctl.cfg.control_socket, strerror(-rc));
    if (rc < 0)
        goto out_fini;
    rc = ctl_dp_start(&ctl);
    if (rc == 0)
        rc = ctl_accept_start(&ctl);
    if (rc == 0)
        rc = ctl_metrics_start(&ctl);
    if (rc < 0)
        goto out_fini;
    ctl_log(CTL_INFO, "ready: node '%s' (%s), pid %d, control socket %s", ctl.cfg.node_name,
            ctl.cfg.source, (int)getpid(), ctl.cfg.control_socket);
    tern_notify_ready();    /* clients can connect: units After= us may start */
    rc = ctl_loop_run(ctl.loop);
    tern_notify_stopping();
    if (rc < 0)
        ctl_log(CTL_ERROR, "reactor: %s", strerror(-rc));
    else
        shutdown_in_order(&ctl);

out_fini:
    ctl_metrics_stop(&ctl);
    ctl_fini(&ctl);
    ctl_log(CTL_INFO, "stopped%s", rc < 0 ? " after an error" : "");
    return rc < 0 ? 1 : 0;
}
