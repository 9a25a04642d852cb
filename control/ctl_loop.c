/* SPDX-License-Identifier: Apache-2.0 */
/* The reactor (see ctl_loop.h for why it is shaped this way). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "ctl_loop.h"

#define CTL_LOOP_BATCH 64

struct ctl_file_event {
    unsigned mask;              /* CTL_READABLE | CTL_WRITABLE, 0: free */
    bool is_timer;
    ctl_file_proc proc;
    ctl_timer_proc tproc;
    void *clientd;
};

struct ctl_loop {
    int epfd;
    int setsize;
    bool stop;
    ctl_before_sleep_proc before_sleep;
    void *before_sleep_clientd;
    struct ctl_file_event *events;      /* indexed by fd */
    struct epoll_event ready[CTL_LOOP_BATCH];
};

struct ctl_loop *ctl_loop_create(int setsize)
{
    struct ctl_loop *l;

    if (setsize <= 0) {
        errno = EINVAL;
        return NULL;
    }
    l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->events = calloc((size_t)setsize, sizeof(*l->events));
    if (!l->events)
        goto out_free_loop;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0)
        goto out_free_events;
    l->setsize = setsize;
    return l;

out_free_events:
    free(l->events);
out_free_loop:
    free(l);
    return NULL;
}

void ctl_loop_destroy(struct ctl_loop *l)
{
    if (!l)
        return;
    for (int fd = 0; fd < l->setsize; fd++)
        if (l->events[fd].mask && l->events[fd].is_timer)
            close(fd);
    close(l->epfd);
    free(l->events);
    free(l);
}

static uint32_t to_epoll(unsigned mask)
{
    return (mask & CTL_READABLE ? EPOLLIN : 0) | (mask & CTL_WRITABLE ? EPOLLOUT : 0);
}

int ctl_loop_add_file(struct ctl_loop *l, int fd, unsigned mask, ctl_file_proc proc,
                      void *clientd)
{
    struct ctl_file_event *fe;
    struct epoll_event ee = { 0 };

    if (fd < 0 || fd >= l->setsize)
        return -ERANGE;
    if (!(mask & (CTL_READABLE | CTL_WRITABLE)))
        return -EINVAL;
    fe = &l->events[fd];
    ee.events = to_epoll(fe->mask | mask);
    ee.data.fd = fd;
    if (epoll_ctl(l->epfd, fe->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ee) < 0)
        return -errno;
    fe->mask |= mask;
    fe->is_timer = false;
    fe->proc = proc;
    fe->clientd = clientd;
    return 0;
}

void ctl_loop_del_file(struct ctl_loop *l, int fd, unsigned mask)
{
    struct ctl_file_event *fe;
    struct epoll_event ee = { 0 };

    if (fd < 0 || fd >= l->setsize || !l->events[fd].mask)
        return;
    fe = &l->events[fd];
    fe->mask &= ~mask;
    ee.events = to_epoll(fe->mask);
    ee.data.fd = fd;
    /* The fd may already be closed by the caller: an error is harmless. */
    (void)epoll_ctl(l->epfd, fe->mask ? EPOLL_CTL_MOD : EPOLL_CTL_DEL, fd, &ee);
}

unsigned ctl_loop_file_mask(const struct ctl_loop *l, int fd)
{
    return fd >= 0 && fd < l->setsize ? l->events[fd].mask : 0;
}

static int arm(int tfd, uint64_t ms, bool repeat)
{
    struct itimerspec its = { 0 };

    its.it_value.tv_sec = (time_t)(ms / 1000);
    its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
    if (repeat)
        its.it_interval = its.it_value;
    return timerfd_settime(tfd, 0, &its, NULL) < 0 ? -errno : 0;
}

int ctl_loop_add_timer(struct ctl_loop *l, uint64_t ms, bool repeat, ctl_timer_proc proc,
                       void *clientd)
{
    int tfd, rc;

    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (tfd < 0)
        return -errno;
    rc = arm(tfd, ms ? ms : 1, repeat);     /* 0 would disarm it */
    if (rc == 0)
        rc = ctl_loop_add_file(l, tfd, CTL_READABLE, NULL, clientd);
    if (rc < 0) {
        close(tfd);
        return rc;
    }
    l->events[tfd].is_timer = true;
    l->events[tfd].tproc = proc;
    return tfd;
}

int ctl_loop_mod_timer(struct ctl_loop *l, int id, uint64_t ms, bool repeat)
{
    if (id < 0 || id >= l->setsize || !l->events[id].mask || !l->events[id].is_timer)
        return -ENOENT;
    return arm(id, ms, repeat);
}

void ctl_loop_del_timer(struct ctl_loop *l, int id)
{
    if (id < 0 || id >= l->setsize || !l->events[id].mask || !l->events[id].is_timer)
        return;
    ctl_loop_del_file(l, id, ~0u);
    l->events[id].is_timer = false;
    close(id);
}

void ctl_loop_set_before_sleep(struct ctl_loop *l, ctl_before_sleep_proc proc, void *clientd)
{
    l->before_sleep = proc;
    l->before_sleep_clientd = clientd;
}

static int fire_timer(struct ctl_loop *l, int fd)
{
    struct ctl_file_event *fe = &l->events[fd];
    uint64_t expirations;

    /* Drain the count; EAGAIN means it was re-armed since it became ready. */
    if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations))
        return 0;
    fe->tproc(l, fd, fe->clientd);
    return 1;
}

int ctl_loop_run_once(struct ctl_loop *l, int timeout_ms)
{
    int n, handled = 0;

    if (l->before_sleep)
        l->before_sleep(l, l->before_sleep_clientd);
    n = epoll_wait(l->epfd, l->ready, CTL_LOOP_BATCH, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        int fd = l->ready[i].data.fd;
        uint32_t ev = l->ready[i].events;
        struct ctl_file_event *fe = &l->events[fd];

        /* A callback earlier in this batch may have deleted fd: only deliver
         * what is still watched.  (If it also reused the number for a new
         * socket, that socket sees one spurious wake-up; every socket here
         * is non-blocking, so a read just returns EAGAIN.) */
        if (fe->mask && fe->is_timer) {
            handled += fire_timer(l, fd);
            continue;
        }
        if ((fe->mask & CTL_READABLE) && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))) {
            fe->proc(l, fd, fe->clientd, CTL_READABLE);
            handled++;
        }
        /* Mask checked again: the read callback may have removed fd. */
        if ((fe->mask & CTL_WRITABLE) && (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))) {
            fe->proc(l, fd, fe->clientd, CTL_WRITABLE);
            handled++;
        }
    }
    return handled;
}

int ctl_loop_run(struct ctl_loop *l)
{
    l->stop = false;
    while (!l->stop) {
        int rc = ctl_loop_run_once(l, -1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void ctl_loop_stop(struct ctl_loop *l)
{
    l->stop = true;
}
