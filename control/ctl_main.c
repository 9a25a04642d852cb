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
 * middle of an action: SIGTERM/SIGINT stop the loop (sockets closed, the
 * control socket unlinked), SIGUSR1 dumps stats to stderr.
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

static void usage(FILE *f)
{
    fprintf(f, "usage: tern-control [-c NODE.ini] [-v]\n"
               "  -c FILE  node config (default: the embedded configs/default.ini)\n"
               "  -v       debug logging\n");
}

static void on_signal(struct ctl_loop *loop, int fd, void *clientd, unsigned mask)
{
    struct signalfd_siginfo si;

    (void)mask;
    if (read(fd, &si, sizeof(si)) != sizeof(si))
        return;
    if (si.ssi_signo == SIGUSR1) {
        ctl_stats_dump(clientd);
        return;
    }
    ctl_log(CTL_INFO, "signal %u: stopping", si.ssi_signo);
    ctl_loop_stop(loop);
}

static int watch_signals(struct ctl *ctl)
{
    sigset_t set;

    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
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

    while ((opt = getopt(argc, argv, "c:vh")) != -1) {
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
    if (rc < 0)
        goto out_fini;
    ctl_log(CTL_INFO, "ready: node '%s' (%s), control socket %s", ctl.cfg.node_name,
            ctl.cfg.source, ctl.cfg.control_socket);
    rc = ctl_loop_run(ctl.loop);
    if (rc < 0)
        ctl_log(CTL_ERROR, "reactor: %s", strerror(-rc));

out_fini:
    ctl_fini(&ctl);
    return rc < 0 ? 1 : 0;
}
