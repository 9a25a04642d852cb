/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gateway's listening sockets: a Unix stream socket in the node's run
 * directory (mode 0660: the bus's group may connect, others not) and TCP,
 * on localhost unless [gateway] listen says otherwise.  Either may be
 * "none".  Accepting is bounded per event so that a connection storm does
 * not starve the connections already served.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gw.h"

#define GW_ACCEPTS_PER_EVENT 64

static int unix_listen(struct gw *g)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(g->unix_path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "tern-gateway: unix socket path too long: %s\n", g->unix_path);
        return -ENAMETOOLONG;
    }
    strcpy(sa.sun_path, g->unix_path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int probe;

        if (errno != EADDRINUSE)
            goto fail;
        /* Someone answering there is a live gateway: never steal its name. */
        probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            close(probe);
            close(fd);
            fprintf(stderr, "tern-gateway: %s: another gateway is listening\n", g->unix_path);
            return -EADDRINUSE;
        }
        if (probe >= 0)
            close(probe);
        unlink(g->unix_path);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            goto fail;
    }
    if (chmod(g->unix_path, 0660) < 0 || listen(fd, SOMAXCONN) < 0)
        goto fail;
    return fd;
fail:
    fprintf(stderr, "tern-gateway: %s: %s\n", g->unix_path, strerror(errno));
    close(fd);
    return -errno;
}

static int tcp_listen(const char *spec)
{
    char host[TERN_CFG_NAME_MAX], *colon;
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
    struct addrinfo *res = NULL;
    int fd = -1, one = 1, rc;

    snprintf(host, sizeof(host), "%s", spec);
    colon = strrchr(host, ':');
    if (!colon)
        return -EINVAL;
    *colon = '\0';
    /* [::1]:7450 */
    char *h = host;
    if (h[0] == '[' && colon > h && colon[-1] == ']') {
        h++;
        colon[-1] = '\0';
    }
    rc = getaddrinfo(*h ? h : NULL, colon + 1, &hints, &res);
    if (rc) {
        fprintf(stderr, "tern-gateway: listen %s: %s\n", spec, gai_strerror(rc));
        return -EINVAL;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
        rc = -errno;
        fprintf(stderr, "tern-gateway: listen %s: %s\n", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return rc;
    }
    freeaddrinfo(res);
    return fd;
}

/* The TCP address actually bound (port 0 picks one), for the ready file. */
static void tcp_name(int fd, char *out, size_t n)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        snprintf(out, n, "?");
        return;
    }
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        port = ntohs(a->sin_port);
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        port = ntohs(a->sin6_port);
    }
    snprintf(out, n, ss.ss_family == AF_INET ? "%s:%u" : "[%s]:%u", host, port);
}

static int listener_add(struct gw *g, struct gw_ep *l, int fd)
{
    if (fd < 0)
        return fd;
    l->fd = fd;
    return gw_ep_add(g, l, EPOLLIN) < 0 ? -errno : 0;
}

int gw_listen_open(struct gw *g)
{
    const char *listen_spec = g->cfg.gw.listen;
    char tcp[96] = "none";
    int rv;

    g->unix_l = (struct gw_ep){ GW_EP_LISTEN, -1 };
    g->tcp_l = (struct gw_ep){ GW_EP_LISTEN, -1 };
    if (strcmp(g->unix_path, "none") != 0 && (rv = listener_add(g, &g->unix_l, unix_listen(g))))
        return rv;
    if (strcmp(listen_spec, "none") != 0) {
        if ((rv = listener_add(g, &g->tcp_l, tcp_listen(listen_spec))))
            return rv;
        tcp_name(g->tcp_l.fd, tcp, sizeof(tcp));
    }
    snprintf(g->tcp_bound, sizeof(g->tcp_bound), "%s", tcp);
    fprintf(stderr, "tern-gateway: listening on unix %s, tcp %s\n", g->unix_path, tcp);
    return 0;
}

void gw_listen_accept(struct gw *g, struct gw_ep *l)
{
    for (int i = 0; i < GW_ACCEPTS_PER_EVENT; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        char peer[64] = "unix";
        int fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED)
                fprintf(stderr, "tern-gateway: accept: %s\n", strerror(errno));
            return;
        }
        if (l == &g->tcp_l) {
            char host[INET6_ADDRSTRLEN] = "?";
            if (ss.ss_family == AF_INET)
                inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
            else if (ss.ss_family == AF_INET6)
                inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host,
                          sizeof(host));
            snprintf(peer, sizeof(peer), "tcp %s", host);
        }
        gw_conn_new(g, fd, l == &g->tcp_l, peer);
    }
}

void gw_listen_close(struct gw *g)
{
    if (g->unix_l.fd >= 0) {
        gw_ep_del(g, &g->unix_l);
        close(g->unix_l.fd);
        unlink(g->unix_path);
        g->unix_l.fd = -1;
    }
    if (g->tcp_l.fd >= 0) {
        gw_ep_del(g, &g->tcp_l);
        close(g->tcp_l.fd);
        g->tcp_l.fd = -1;
    }
}
