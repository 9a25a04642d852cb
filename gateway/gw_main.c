/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-gateway [-c node.ini] [--unix PATH|none] [--listen HOST:PORT|none]
 *              [--ready FILE]
 *
 * Reads the node config ([gateway], docs/gateway.md), connects to the bus
 * as a libtern application (a DPDK secondary: tern-control hands it its
 * EAL arguments, --no-pci included), opens its sockets and runs the
 * reactor until SIGTERM/SIGINT (clients are told GwErr SHUTDOWN) or until
 * the bus goes away (GwErr BUS_DOWN, exit 3: as EAL cannot be initialised
 * twice, a new process must reconnect; a supervisor restarts it).
 * --ready FILE: written once serving, "unix PATH" and "tcp HOST:PORT"
 * lines (with --listen HOST:0 the port the kernel picked).  SIGUSR1 prints
 * every connection's counters on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "gw.h"

static int usage(void)
{
    fprintf(stderr, "usage: tern-gateway [-c node.ini] [--unix PATH|none] "
            "[--listen HOST:PORT|none] [--ready FILE]\n");
    return 2;
}

static int write_ready(const struct gw *g, const char *path)
{
    char tmp[TERN_CFG_PATH_MAX + 8];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f)
        return -errno;
    fprintf(f, "unix %s\ntcp %s\n", g->unix_path, g->tcp_bound);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return -errno;
    return 0;
}

static int setup_signals(struct gw *g)
{
    static const int sigs[] = { SIGTERM, SIGINT, SIGUSR1 };
    sigset_t set;

    /* Blocked before tern_connect(), so EAL's threads inherit the mask and
     * every signal comes through the signalfd, between two actions. */
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(&set, sigs[i]);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -errno;
    signal(SIGPIPE, SIG_IGN);
    g->sig = (struct gw_ep){ GW_EP_SIGNAL, signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC) };
    return g->sig.fd < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        { "unix", required_argument, NULL, 'u' },
        { "listen", required_argument, NULL, 'l' },
        { "ready", required_argument, NULL, 'r' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static struct gw g;
    const char *cfg_path = NULL, *unix_opt = NULL, *listen_opt = NULL, *ready = NULL;
    char err[4096];
    int opt, rv;

    while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
        switch (opt) {
        case 'c': cfg_path = optarg; break;
        case 'u': unix_opt = optarg; break;
        case 'l': listen_opt = optarg; break;
        case 'r': ready = optarg; break;
        default: return usage();
        }
    }
    if (optind != argc)
        return usage();
    if (tern_config_load(&g.cfg, cfg_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "tern-gateway: %s", err);
        return 1;
    }
    if (listen_opt) {
        if (strlen(listen_opt) >= sizeof(g.cfg.gw.listen))
            return usage();
        strcpy(g.cfg.gw.listen, listen_opt);
    }
    snprintf(g.unix_path, sizeof(g.unix_path), "%s", unix_opt ? unix_opt
             : g.cfg.gw.unix_socket[0] ? g.cfg.gw.unix_socket : "");
    if (!g.unix_path[0] &&
        (size_t)snprintf(g.unix_path, sizeof(g.unix_path), "%s/gateway.sock", g.cfg.run_dir)
            >= sizeof(g.unix_path)) {
        fprintf(stderr, "tern-gateway: run_dir too long for the socket path\n");
        return 1;
    }
    /* A frame must carry the bus's largest message: payload + tags, each
     * tag with 3 bytes more on the wire than in the bus (u32 length for a
     * NUL), and the envelope (sub id, topic, seq, times...). */
    g.max_payload = g.cfg.msg_size;
    g.max_frame = g.cfg.gw.max_frame;
    if (g.max_frame < 2 * g.max_payload + 1024)
        g.max_frame = 2 * g.max_payload + 1024;

    if (setup_signals(&g) < 0 || (g.ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        fprintf(stderr, "tern-gateway: %s\n", strerror(errno));
        return 1;
    }
    struct tern_connect_opts co = { .socket = g.cfg.control_socket, .name = "tern-gateway" };
    rv = tern_connect(&co, &g.bus);
    if (rv < 0) {
        fprintf(stderr, "tern-gateway: connect to %s: %s\n%s\n", g.cfg.control_socket,
                tern_strerror(rv), tern_errmsg());
        return 1;
    }
    rv = gw_listen_open(&g);
    if (rv == 0 && ready)
        rv = write_ready(&g, ready);
    if (rv == 0)
        rv = gw_loop_run(&g);
    else
        gw_listen_close(&g);
    if (rv < 0 && rv != -ENOTCONN)
        fprintf(stderr, "tern-gateway: %s\n", strerror(-rv));
    gw_pub_close_all(&g);
    tern_close(g.bus);
    return rv == 0 ? 0 : rv == -ENOTCONN ? 3 : 1;
}
