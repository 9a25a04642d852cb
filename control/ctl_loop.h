/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control daemon's reactor: one epoll fd, a table of file events indexed
 * by fd, and one timerfd per timer (Redis ae.c, without its portability
 * layers: tern-control runs on Linux only).
 *
 * Why timerfds rather than a timer heap checked against epoll's timeout:
 * each timer is then just another file event, so there is one dispatch
 * path, and a test can step the loop with ctl_loop_run_once() and see a
 * timer fire exactly like a socket becoming readable.  Timers are few (one
 * per connection still owing its hello, one for the dataplane reconnect).
 *
 * Nothing here allocates after ctl_loop_create(), and nothing blocks except
 * epoll_wait() itself.
 */
#ifndef CTL_LOOP_H
#define CTL_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define CTL_READABLE 1u
#define CTL_WRITABLE 2u

struct ctl_loop;

/** Called when fd is ready; mask holds CTL_READABLE and/or CTL_WRITABLE
 * (hang-ups and errors are reported as readable: the read then sees them). */
typedef void (*ctl_file_proc)(struct ctl_loop *loop, int fd, void *clientd, unsigned mask);
/** Called when a timer expires; id is what ctl_loop_add_timer() returned. */
typedef void (*ctl_timer_proc)(struct ctl_loop *loop, int id, void *clientd);
/** Runs once per iteration, before epoll_wait() (e.g. to flush replies). */
typedef void (*ctl_before_sleep_proc)(struct ctl_loop *loop, void *clientd);

/**
 * Create a loop able to watch descriptors 0..setsize-1.
 * @return the loop, or NULL with errno set (ENOMEM, or epoll_create1's).
 */
struct ctl_loop *ctl_loop_create(int setsize);

/** Close the epoll fd and every timerfd; leaves the watched fds open. */
void ctl_loop_destroy(struct ctl_loop *loop);

/**
 * Watch fd for mask (added to what is watched already), calling proc.
 * A descriptor has one proc and clientd: a second add replaces them.
 * @return 0, -ERANGE (fd >= setsize or < 0), -EINVAL (empty mask), or
 *         epoll_ctl()'s -errno.
 */
int ctl_loop_add_file(struct ctl_loop *loop, int fd, unsigned mask, ctl_file_proc proc,
                      void *clientd);

/** Stop watching fd for mask (all of it: mask ~0u).  Safe from inside a
 * callback, including for a descriptor that has events still pending in
 * this iteration: they are not delivered. */
void ctl_loop_del_file(struct ctl_loop *loop, int fd, unsigned mask);

/** @return the mask fd is watched for (0: not watched). */
unsigned ctl_loop_file_mask(const struct ctl_loop *loop, int fd);

/**
 * Arm a timer that fires after ms milliseconds, then every ms if repeat.
 * @return a timer id (>= 0), or -ERANGE / -errno of timerfd_create() or
 *         timerfd_settime().
 */
int ctl_loop_add_timer(struct ctl_loop *loop, uint64_t ms, bool repeat, ctl_timer_proc proc,
                       void *clientd);

/** Re-arm timer id to fire after ms (0: disarm it, keeping the id).
 * @return 0, -ENOENT (no such timer) or -errno of timerfd_settime(). */
int ctl_loop_mod_timer(struct ctl_loop *loop, int id, uint64_t ms, bool repeat);

/** Cancel and free timer id (a negative id is ignored).  Safe from inside
 * its own callback. */
void ctl_loop_del_timer(struct ctl_loop *loop, int id);

/** Set the hook run before each wait. */
void ctl_loop_set_before_sleep(struct ctl_loop *loop, ctl_before_sleep_proc proc,
                               void *clientd);

/**
 * Wait up to timeout_ms (-1: forever, 0: poll) and run the callbacks of
 * what is ready.  After each callback the fd's mask is read again, so a
 * callback may delete its own or any other descriptor.
 * @return the number of callbacks run (0 on timeout), or -errno of
 *         epoll_wait() other than EINTR (which counts as 0).
 */
int ctl_loop_run_once(struct ctl_loop *loop, int timeout_ms);

/** Run until ctl_loop_stop().  @return 0, or a negative run_once() error. */
int ctl_loop_run(struct ctl_loop *loop);

/** Make ctl_loop_run() return after the current iteration. */
void ctl_loop_stop(struct ctl_loop *loop);

#endif
