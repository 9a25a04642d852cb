/* SPDX-License-Identifier: Apache-2.0 */
/* The reactor, stepped by hand with ctl_loop_run_once(). */
#define _GNU_SOURCE     /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_loop.h"

struct rec {
    int calls;
    unsigned last_mask;
    int last_fd;
    struct ctl_loop *loop;
    int other_fd;       /* for the delete-another test */
};

static void on_file(struct ctl_loop *loop, int fd, void *clientd, unsigned mask)
{
    struct rec *r = clientd;
    char b[16];

    (void)loop;
    r->calls++;
    r->last_fd = fd;
    r->last_mask = mask;
    if (mask & CTL_READABLE)
        (void)!read(fd, b, sizeof(b));
}

static void on_timer(struct ctl_loop *loop, int id, void *clientd)
{
    struct rec *r = clientd;

    (void)loop;
    r->calls++;
    r->last_fd = id;
}

static void readable_pipe_runs_its_callback_once(void **state)
{
    struct ctl_loop *l = ctl_loop_create(1024);
    struct rec r = { 0 };
    int p[2];
    (void)state;

    assert_non_null(l);
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    assert_int_equal(ctl_loop_add_file(l, p[0], CTL_READABLE, on_file, &r), 0);
    assert_int_equal(ctl_loop_file_mask(l, p[0]), CTL_READABLE);
    assert_int_equal(ctl_loop_run_once(l, 0), 0);           /* nothing ready */
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(ctl_loop_run_once(l, 100), 1);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.last_fd, p[0]);
    assert_int_equal(r.last_mask, CTL_READABLE);
    assert_int_equal(ctl_loop_run_once(l, 0), 0);           /* drained */
    ctl_loop_del_file(l, p[0], ~0u);
    assert_int_equal(ctl_loop_file_mask(l, p[0]), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(ctl_loop_run_once(l, 0), 0);           /* no longer watched */
    close(p[0]);
    close(p[1]);
    ctl_loop_destroy(l);
}

static void writable_and_readable_are_both_reported(void **state)
{
    struct ctl_loop *l = ctl_loop_create(1024);
    struct rec r = { 0 };
    int p[2];
    (void)state;

    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    assert_int_equal(ctl_loop_add_file(l, p[1], CTL_WRITABLE, on_file, &r), 0);
    assert_int_equal(ctl_loop_run_once(l, 0), 1);
    assert_int_equal(r.last_mask, CTL_WRITABLE);
    /* masks accumulate across adds */
    assert_int_equal(ctl_loop_add_file(l, p[0], CTL_READABLE, on_file, &r), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    r.calls = 0;
    assert_int_equal(ctl_loop_run_once(l, 0), 2);
    assert_int_equal(r.calls, 2);
    close(p[0]);
    close(p[1]);
    ctl_loop_destroy(l);
}

static void bad_arguments_are_refused(void **state)
{
    struct ctl_loop *l = ctl_loop_create(8);
    struct rec r = { 0 };
    (void)state;

    assert_int_equal(ctl_loop_add_file(l, 8, CTL_READABLE, on_file, &r), -ERANGE);
    assert_int_equal(ctl_loop_add_file(l, -1, CTL_READABLE, on_file, &r), -ERANGE);
    assert_int_equal(ctl_loop_add_file(l, 0, 0, on_file, &r), -EINVAL);
    assert_int_equal(ctl_loop_mod_timer(l, 3, 10, false), -ENOENT);
    ctl_loop_del_timer(l, -1);      /* ignored */
    ctl_loop_del_file(l, 5, ~0u);   /* not watched: ignored */
    assert_null(ctl_loop_create(0));
    ctl_loop_destroy(l);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void one_shot_timer_fires_once_after_its_delay(void **state)
{
    struct ctl_loop *l = ctl_loop_create(1024);
    struct rec r = { 0 };
    int64_t t0 = now_ms();
    int id;
    (void)state;

    id = ctl_loop_add_timer(l, 30, false, on_timer, &r);
    assert_true(id >= 0);
    assert_int_equal(ctl_loop_run_once(l, 0), 0);           /* not yet */
    assert_int_equal(ctl_loop_run_once(l, 1000), 1);
    assert_true(now_ms() - t0 >= 29);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.last_fd, id);
    assert_int_equal(ctl_loop_run_once(l, 60), 0);          /* one shot */
    /* re-arm the same id */
    assert_int_equal(ctl_loop_mod_timer(l, id, 5, false), 0);
    assert_int_equal(ctl_loop_run_once(l, 1000), 1);
    assert_int_equal(r.calls, 2);
    ctl_loop_del_timer(l, id);
    ctl_loop_destroy(l);
}

static void repeating_timer_fires_until_deleted(void **state)
{
    struct ctl_loop *l = ctl_loop_create(1024);
    struct rec r = { 0 };
    int id;
    (void)state;

    id = ctl_loop_add_timer(l, 5, true, on_timer, &r);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ctl_loop_run_once(l, 1000), 1);
    assert_int_equal(r.calls, 3);
    ctl_loop_del_timer(l, id);
    assert_int_equal(ctl_loop_run_once(l, 30), 0);
    assert_int_equal(r.calls, 3);
    ctl_loop_destroy(l);
}

/* A callback deleting another ready descriptor: that one's pending event
 * must not be delivered (the mask is read again after every callback). */
static int deleting_calls;

static void on_file_deleting_other(struct ctl_loop *loop, int fd, void *clientd, unsigned mask)
{
    struct rec *r = clientd;
    char b[4];

    (void)mask;
    deleting_calls++;
    (void)!read(fd, b, sizeof(b));
    ctl_loop_del_file(loop, r->other_fd, ~0u);
}

static void callback_may_delete_a_ready_descriptor(void **state)
{
    struct ctl_loop *l = ctl_loop_create(1024);
    struct rec ra = { 0 }, rb = { 0 };
    int a[2], b[2];
    (void)state;

    assert_int_equal(pipe2(a, O_NONBLOCK), 0);
    assert_int_equal(pipe2(b, O_NONBLOCK), 0);
    ra.other_fd = b[0];
    rb.other_fd = a[0];
    assert_int_equal(ctl_loop_add_file(l, a[0], CTL_READABLE, on_file_deleting_other, &ra), 0);
    assert_int_equal(ctl_loop_add_file(l, b[0], CTL_READABLE, on_file_deleting_other, &rb), 0);
    assert_int_equal(write(a[1], "x", 1), 1);
    assert_int_equal(write(b[1], "x", 1), 1);
    /* Both are ready in one batch; whichever runs first removes the other. */
    assert_int_equal(ctl_loop_run_once(l, 100), 1);
    assert_int_equal(deleting_calls, 1);
    assert_int_equal(ctl_loop_file_mask(l, a[0]) + ctl_loop_file_mask(l, b[0]), CTL_READABLE);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    ctl_loop_destroy(l);
}

static void on_timer_deleting_itself(struct ctl_loop *loop, int id, void *clientd)
{
    struct rec *r = clientd;
    r->calls++;
    ctl_loop_del_timer(loop, id);
}

static void timer_may_delete_itself(void **state)
{
    struct ctl_loop *l = ctl_loop_create(1024);
    struct rec r = { 0 };
    (void)state;

    assert_true(ctl_loop_add_timer(l, 1, true, on_timer_deleting_itself, &r) >= 0);
    assert_int_equal(ctl_loop_run_once(l, 1000), 1);
    assert_int_equal(ctl_loop_run_once(l, 20), 0);
    assert_int_equal(r.calls, 1);
    ctl_loop_destroy(l);
}

static void before_sleep(struct ctl_loop *loop, void *clientd)
{
    struct rec *r = clientd;
    r->calls++;
    if (r->calls == 3)
        ctl_loop_stop(loop);
}

static void before_sleep_runs_every_iteration_and_stop_ends_run(void **state)
{
    struct ctl_loop *l = ctl_loop_create(1024);
    struct rec r = { 0 }, t = { 0 };
    (void)state;

    ctl_loop_set_before_sleep(l, before_sleep, &r);
    assert_true(ctl_loop_add_timer(l, 1, true, on_timer, &t) >= 0);
    assert_int_equal(ctl_loop_run(l), 0);       /* returns after the 3rd hook */
    assert_int_equal(r.calls, 3);
    assert_int_equal(t.calls, 3);
    ctl_loop_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readable_pipe_runs_its_callback_once),
        cmocka_unit_test(writable_and_readable_are_both_reported),
        cmocka_unit_test(bad_arguments_are_refused),
        cmocka_unit_test(one_shot_timer_fires_once_after_its_delay),
        cmocka_unit_test(repeating_timer_fires_until_deleted),
        cmocka_unit_test(callback_may_delete_a_ready_descriptor),
        cmocka_unit_test(timer_may_delete_itself),
        cmocka_unit_test(before_sleep_runs_every_iteration_and_stop_ends_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
