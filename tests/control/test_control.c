/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-control as a process, driven over its socket, against a fake
 * dataplane (ctl_harness.c): the protocol state machine, every request
 * and its errors, and what the dataplane is told.
 *
 * argv[1]: the tern-control binary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus/tern_sock.h"
#include <tern/tern_topic.h>

#include "ctl_harness.h"

static const char *tern_control;
static struct harness H;
static uint8_t buf[65536];
static char err[256];

#define REQ(Type, ...)                                                                   \
    ({                                                                                   \
        struct Type m_ = { __VA_ARGS__ };                                                \
        Type##_encode(&m_, buf, sizeof(buf));                                            \
    })

static int tool(void)
{
    struct CtlHelloReply r = { 0 };
    int fd = cl_connect(&H);

    assert_true(fd >= 0);
    assert_int_equal(cl_hello(fd, 1, CtlPeer_TOOL, "test-tool", NULL, 0, &r, buf, sizeof(buf)),
                     0);
    assert_int_equal(r.client_id, UINT32_MAX);
    assert_int_equal(r.eal_args.count, 0);
    return fd;
}

static int app(const char *name, uint32_t *client_id)
{
    static const uint16_t cpus[] = { 1 };
    struct CtlHelloReply r = { 0 };
    int fd = cl_connect(&H);

    assert_true(fd >= 0);
    assert_int_equal(cl_hello(fd, 1, CtlPeer_APP, name, cpus, 1, &r, buf, sizeof(buf)), 0);
    if (client_id)
        *client_id = r.client_id;
    return fd;
}

static int call(int fd, int64_t len, struct CtlReply *r)
{
    return cl_call(fd, buf, len, -1, r, err, sizeof(err));
}

static int setup(void **state)
{
    (void)state;
    if (harness_start(&H, tern_control, NULL) < 0)
        return -1;
    /* At connect it reclaims what the (fake) dataplane reports. */
    if (!fake_dp_wait("DpHello 1", 2000) || !fake_dp_wait("DpStats", 2000))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return harness_stop(&H) == 0 ? 0 : -1;
}

static void app_hello_gets_slot_lcore_and_eal_args(void **state)
{
    static const uint16_t cpus[] = { 0, 1, 3 };
    const char *want[] = { "tern-client", "--proc-type=secondary", "--file-prefix=fakepfx",
                           "--no-pci", "--lcores=10@(0-1,3)", "--log-level=error",
                           "--no-telemetry" };
    struct CtlHelloReply r = { 0 };
    struct tern_iter it;
    struct tern_str s;
    char line[64];
    int fd = cl_connect(&H);
    (void)state;

    fake_dp_clear();
    assert_int_equal(cl_hello(fd, 1, CtlPeer_APP, "pub1", cpus, 3, &r, buf, sizeof(buf)), 0);
    assert_int_equal(r.client_id, 0);
    assert_int_equal(r.lcore_id, 10);
    assert_int_equal(r.eal_args.count, 7);
    it = tern_list_str_iter(&r.eal_args);
    for (int i = 0; tern_list_str_next(&it, &s); i++)
        assert_true(tern_str_eq(s, want[i]));
    snprintf(line, sizeof(line), "DpClientAttach 0 10 %d pub1", getpid());
    assert_true(fake_dp_wait(line, 1000));

    /* A disconnect (here close; kill -9 looks the same to the daemon) is
     * reported to the dataplane at once. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    close(fd);
    assert_true(fake_dp_wait("DpClientGone 0", 1000));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 500);
    /* and the slot is free again */
    uint32_t id;
    fd = app("again", &id);
    assert_int_equal(id, 0);
    close(fd);
    assert_true(fake_dp_wait("DpClientGone 0", 1000));
}

static void wrong_protocol_version_is_refused_and_closed(void **state)
{
    struct CtlHelloReply r = { 0 };
    int fd = cl_connect(&H);
    (void)state;

    assert_int_equal(cl_hello(fd, 2, CtlPeer_APP, "old", NULL, 0, &r, buf, sizeof(buf)),
                     -EPROTONOSUPPORT);
    assert_true(tern_str_eq(r.error, "protocol version 2 not supported (tern-control speaks 1)"));
    assert_true(cl_eof(fd, 1000));
    close(fd);
}

static void garbage_gets_eproto_and_only_that_connection_closes(void **state)
{
    struct CtlReply r = { 0 };
    int other = tool();
    int fd = cl_connect(&H);
    (void)state;

    assert_int_equal(cl_call(fd, "this is not a tern message", 26, -1, &r, err, sizeof(err)),
                     -EPROTO);
    assert_string_equal(err, "protocol error: expected CtlHello first, got type 26740");
    assert_true(cl_eof(fd, 1000));
    close(fd);

    /* the same after a hello */
    fd = tool();
    assert_int_equal(cl_call(fd, "this is not a tern message", 26, -1, &r, err, sizeof(err)),
                     -EPROTO);
    assert_string_equal(err, "protocol error: type 26740: unknown message type");
    assert_true(cl_eof(fd, 1000));
    close(fd);

    /* a request with trailing bytes */
    fd = tool();
    int64_t n = REQ(CtlTopicLookup, TERN_STR_LIT("x"));
    buf[n] = 0xff;
    assert_int_equal(call(fd, n + 1, &r), -EPROTO);
    assert_string_equal(err, "protocol error: type 12: 1 bytes after the message");
    close(fd);

    /* too short for a header */
    fd = cl_connect(&H);
    assert_int_equal(cl_call(fd, "abc", 3, -1, &r, err, sizeof(err)), -EPROTO);
    assert_string_equal(err, "protocol error: input truncated: a length or field reaches "
                             "past the end");
    close(fd);

    /* a valid header claiming more bytes than sent */
    fd = cl_connect(&H);
    uint8_t trunc[8] = { 1, 0, 1, 0, 100, 0, 0, 0 };
    assert_int_equal(cl_call(fd, trunc, 8, -1, &r, err, sizeof(err)), -EPROTO);
    assert_string_equal(err, "protocol error: type 1: input truncated: a length or field "
                             "reaches past the end");
    close(fd);

    /* the other connection is undisturbed */
    assert_int_equal(call(other, REQ(CtlTopicLookup, TERN_STR_LIT("nope")), &r), -ENOENT);
    assert_string_equal(err, "unknown topic 'nope'");
    close(other);
}

static void request_before_hello_and_second_hello_are_protocol_errors(void **state)
{
    struct CtlHelloReply hr = { 0 };
    struct CtlReply r = { 0 };
    int fd = cl_connect(&H);
    (void)state;

    assert_int_equal(call(fd, REQ(CtlTopicCreate, TERN_STR_LIT("a")), &r), -EPROTO);
    assert_string_equal(err, "protocol error: expected CtlHello first, got type 10");
    assert_true(cl_eof(fd, 1000));
    close(fd);

    fd = tool();
    assert_int_equal(cl_hello(fd, 1, CtlPeer_TOOL, "x", NULL, 0, &hr, buf, sizeof(buf)),
                     -EIO);     /* answered with a CtlReply, not a CtlHelloReply */
    assert_true(cl_eof(fd, 1000));
    close(fd);

    /* a reply type sent as a request */
    fd = tool();
    assert_int_equal(call(fd, REQ(CtlReply, 0, TERN_STR_LIT(""), 0), &r), -EPROTO);
    assert_string_equal(err, "protocol error: type 3 is not a request");
    close(fd);
}

static void silent_client_is_closed_after_the_hello_timeout(void **state)
{
    struct timespec t0, t1;
    int fd = cl_connect(&H);
    long ms;
    (void)state;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_true(cl_eof(fd, 3000));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 250);     /* client_timeout_ms = 300 */
    assert_true(ms < 2000);
    close(fd);
}

static void topic_create_duplicate_lookup_delete(void **state)
{
    struct CtlReply r = { 0 };
    int fd = tool();
    (void)state;

    fake_dp_clear();
    assert_int_equal(call(fd, REQ(CtlTopicCreate, TERN_STR_LIT("md.eq.AAPL")), &r), 0);
    assert_int_equal(r.id, 0);
    assert_true(fake_dp_wait("DpTopicCreate 0 md.eq.AAPL", 1000));
    assert_int_equal(call(fd, REQ(CtlTopicCreate, TERN_STR_LIT("md.eq.AAPL")), &r), -EEXIST);
    assert_string_equal(err, "topic 'md.eq.AAPL' exists");
    assert_int_equal(call(fd, REQ(CtlTopicLookup, TERN_STR_LIT("md.eq.AAPL")), &r), 0);
    assert_int_equal(r.id, 0);
    assert_int_equal(call(fd, REQ(CtlTopicDelete, TERN_STR_LIT("md.eq.AAPL")), &r), 0);
    assert_true(fake_dp_wait("DpTopicDelete 0", 1000));
    assert_int_equal(call(fd, REQ(CtlTopicLookup, TERN_STR_LIT("md.eq.AAPL")), &r), -ENOENT);
    assert_string_equal(err, "unknown topic 'md.eq.AAPL'");
    assert_int_equal(call(fd, REQ(CtlTopicDelete, TERN_STR_LIT("md.eq.AAPL")), &r), -ENOENT);
    close(fd);
}

static void bad_topic_names_are_einval(void **state)
{
    static const char *bad[] = { "a..b", "md.*", "md.>", ".a", "a b", "" };
    char longname[TERN_TOPIC_MAX + 2];
    struct CtlReply r = { 0 };
    int fd = tool();
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(call(fd, REQ(CtlTopicCreate, tern_str_from_cstr(bad[i])), &r),
                         -EINVAL);
    assert_int_equal(call(fd, REQ(CtlTopicCreate, TERN_STR_LIT("a b")), &r), -EINVAL);
    assert_string_equal(err, "bad topic name 'a b': dot-separated tokens of letters, digits "
                             "and _-+:@=%~#");
    /* TERN_TOPIC_MAX (255) bytes is a name; one more is not. */
    memset(longname, 'x', TERN_TOPIC_MAX);
    longname[TERN_TOPIC_MAX] = '\0';
    assert_int_equal(call(fd, REQ(CtlTopicCreate, tern_str_from_cstr(longname)), &r), 0);
    assert_int_equal(call(fd, REQ(CtlTopicDelete, tern_str_from_cstr(longname)), &r), 0);
    memset(longname, 'x', TERN_TOPIC_MAX + 1);
    longname[TERN_TOPIC_MAX + 1] = '\0';
    assert_int_equal(call(fd, REQ(CtlTopicCreate, tern_str_from_cstr(longname)), &r), -EINVAL);
    assert_string_equal(err, "topic name longer than 255 characters");
    /* an embedded NUL */
    assert_int_equal(call(fd, REQ(CtlTopicCreate, { "ab\0c", 4 }), &r), -EINVAL);
    close(fd);
}

static void topic_table_full_is_enospc(void **state)
{
    struct CtlReply r = { 0 };
    char name[16];
    int fd = tool();
    (void)state;

    for (int i = 0; i < 4; i++) {   /* max_topics = 4 */
        snprintf(name, sizeof(name), "full.%d", i);
        assert_int_equal(call(fd, REQ(CtlTopicCreate, tern_str_from_cstr(name)), &r), 0);
    }
    assert_int_equal(call(fd, REQ(CtlTopicCreate, TERN_STR_LIT("full.4")), &r), -ENOSPC);
    assert_string_equal(err, "too many topics: all 4 in use (raise [limits] max_topics)");
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "full.%d", i);
        assert_int_equal(call(fd, REQ(CtlTopicDelete, tern_str_from_cstr(name)), &r), 0);
    }
    close(fd);
}

static void dataplane_refusing_an_attach_fails_the_hello_and_frees_the_slot(void **state)
{
    struct CtlHelloReply hr;
    uint32_t id;
    int fd = cl_connect(&H);
    (void)state;

    fake_dp_fail_next(-ENOSPC, "no client slot in shared memory");
    assert_int_equal(cl_hello(fd, 1, CtlPeer_APP, "refused", NULL, 0, &hr, buf, sizeof(buf)),
                     -ENOSPC);
    assert_true(tern_str_eq(hr.error, "dataplane: no client slot in shared memory"));
    assert_int_equal(hr.eal_args.count, 0);
    assert_true(cl_eof(fd, 1000));
    close(fd);
    fd = app("accepted", &id);
    assert_int_equal(id, 0);    /* the refused one did not keep slot 0 */
    close(fd);
    assert_true(fake_dp_wait("DpClientGone 0", 1000));
}

static void dataplane_refusal_reaches_the_client_and_changes_nothing(void **state)
{
    struct CtlReply r = { 0 };
    int fd = tool();
    (void)state;

    fake_dp_fail_next(-ENOMEM, "no room in shared memory");
    assert_int_equal(call(fd, REQ(CtlTopicCreate, TERN_STR_LIT("dp.fail")), &r), -ENOMEM);
    assert_string_equal(err, "dataplane: no room in shared memory");
    assert_int_equal(call(fd, REQ(CtlTopicLookup, TERN_STR_LIT("dp.fail")), &r), -ENOENT);
    assert_int_equal(call(fd, REQ(CtlTopicCreate, TERN_STR_LIT("dp.fail")), &r), 0);
    assert_int_equal(call(fd, REQ(CtlTopicDelete, TERN_STR_LIT("dp.fail")), &r), 0);
    close(fd);
}

static void subscriptions_validate_and_forward_the_eventfd(void **state)
{
    struct CtlReply r = { 0 };
    uint32_t cid;
    int t = tool(), a = app("sub1", &cid), efd;
    (void)state;

    assert_int_equal(call(t, REQ(CtlTopicCreate, TERN_STR_LIT("md.eq.X")), &r), 0);
    assert_int_equal(call(a, REQ(CtlSubOpen, TERN_STR_LIT("md.eq.Y"), CtlPolicy_DROP, 0, 0), &r),
                     -ENOENT);
    assert_string_equal(err, "unknown topic 'md.eq.Y'");
    assert_int_equal(call(a, REQ(CtlSubOpen, TERN_STR_LIT("md.>.x"), CtlPolicy_DROP, 0, 0), &r),
                     -EINVAL);
    assert_string_equal(err, "bad pattern 'md.>.x': dot-separated tokens of letters, digits "
                             "and _-+:@=%~#; '*' is one whole token, '>' only the last");
    assert_int_equal(call(a, REQ(CtlSubOpen, TERN_STR_LIT("md.*x"), CtlPolicy_DROP, 0, 0), &r),
                     -EINVAL);
    assert_int_equal(call(a, REQ(CtlSubOpen, TERN_STR_LIT("md.>"), CtlPolicy_DROP, 1000, 0), &r),
                     -EINVAL);
    assert_string_equal(err, "depth 1000 is not a power of two in 2..65536");
    assert_int_equal(call(a, REQ(CtlSubOpen, TERN_STR_LIT("md.>"), CtlPolicy_DROP, 0, 1), &r),
                     -EINVAL);
    assert_string_equal(err, "has_fd is set but no descriptor came with the message");
    /* a tool may not subscribe */
    assert_int_equal(call(t, REQ(CtlSubOpen, TERN_STR_LIT("md.>"), CtlPolicy_DROP, 0, 0), &r),
                     -EPERM);

    fake_dp_clear();
    efd = eventfd(0, EFD_CLOEXEC);
    assert_int_equal(cl_call(a, buf, REQ(CtlSubOpen, TERN_STR_LIT("md.>"),
                                         CtlPolicy_BACKPRESSURE, 0, 1),
                             efd, &r, err, sizeof(err)), 0);
    close(efd);
    char line[64];
    snprintf(line, sizeof(line), "DpSubCreate %u %u md.> 1 1024 fd=1", r.id, cid);
    assert_true(fake_dp_wait(line, 1000));
    uint32_t sid = r.id;
    /* exact name, explicit depth, no fd */
    assert_int_equal(call(a, REQ(CtlSubOpen, TERN_STR_LIT("md.eq.X"), CtlPolicy_DROP, 64, 0), &r),
                     0);
    snprintf(line, sizeof(line), "DpSubCreate %u %u md.eq.X 0 64 fd=0", r.id, cid);
    assert_true(fake_dp_wait(line, 1000));
    /* close: only your own */
    assert_int_equal(call(t, REQ(CtlSubClose, sid), &r), -EPERM);
    assert_int_equal(call(a, REQ(CtlSubClose, 999), &r), -ENOENT);
    assert_string_equal(err, "no subscription 999 of this client");
    assert_int_equal(call(a, REQ(CtlSubClose, sid), &r), 0);
    snprintf(line, sizeof(line), "DpSubDelete %u", sid);
    assert_true(fake_dp_wait(line, 1000));
    close(a);
    assert_true(fake_dp_wait("DpClientGone", 1000));
    assert_int_equal(call(t, REQ(CtlTopicDelete, TERN_STR_LIT("md.eq.X")), &r), 0);
    close(t);
}

static void exclusive_publisher_rules(void **state)
{
    struct CtlReply r = { 0 };
    uint32_t c1, c2;
    int t = tool(), a1 = app("p1", &c1), a2 = app("p2", &c2);
    (void)state;

    assert_int_equal(call(t, REQ(CtlTopicCreate, TERN_STR_LIT("ex")), &r), 0);
    uint32_t tid = r.id;
    assert_int_equal(call(a1, REQ(CtlPubOpen, TERN_STR_LIT("nope"), true), &r), -ENOENT);
    assert_int_equal(call(a1, REQ(CtlPubOpen, TERN_STR_LIT("ex"), true), &r), 0);
    assert_int_equal(r.id, tid);
    assert_int_equal(call(a2, REQ(CtlPubOpen, TERN_STR_LIT("ex"), false), &r), -EBUSY);
    char want[96];
    snprintf(want, sizeof(want), "topic 'ex' has an exclusive publisher (client %u)", c1);
    assert_string_equal(err, want);
    /* a topic with publishers cannot be deleted */
    assert_int_equal(call(t, REQ(CtlTopicDelete, TERN_STR_LIT("ex")), &r), -EBUSY);
    assert_string_equal(err, "topic 'ex' has 1 open publishers");
    assert_int_equal(call(a1, REQ(CtlPubClose, tid), &r), 0);
    assert_int_equal(call(a1, REQ(CtlPubClose, tid), &r), -ENOENT);
    assert_int_equal(call(a2, REQ(CtlPubOpen, TERN_STR_LIT("ex"), false), &r), 0);
    assert_int_equal(call(a1, REQ(CtlPubOpen, TERN_STR_LIT("ex"), false), &r), 0);
    assert_int_equal(call(a1, REQ(CtlPubOpen, TERN_STR_LIT("ex"), true), &r), -EBUSY);
    assert_string_equal(err, "topic 'ex' already has 2 publishers: an exclusive publisher "
                             "must be the only one");
    /* a client's death closes its publishers */
    close(a1);
    close(a2);
    assert_true(fake_dp_wait("DpClientGone", 1000));
    assert_true(fake_dp_wait("DpClientGone", 1000));
    /* the slot-free reply is sent after the dataplane acknowledged; give
     * the daemon a moment to finish both, then the topic is deletable */
    int rc = -EBUSY;
    for (int i = 0; i < 100 && rc == -EBUSY; i++, usleep(10000))
        rc = call(t, REQ(CtlTopicDelete, TERN_STR_LIT("ex")), &r);
    assert_int_equal(rc, 0);
    close(t);
}

static void too_many_clients_is_ebusy(void **state)
{
    struct CtlHelloReply hr = { 0 };
    int a = app("c1", NULL), b = app("c2", NULL), c = cl_connect(&H);
    (void)state;

    assert_int_equal(cl_hello(c, 1, CtlPeer_APP, "c3", NULL, 0, &hr, buf, sizeof(buf)), -EBUSY);
    assert_true(tern_str_eq(hr.error, "too many clients: all 2 in use (raise [limits] max_clients)"));
    assert_true(cl_eof(c, 1000));
    close(c);
    /* tools do not take a slot */
    close(tool());
    close(a);
    close(b);
    assert_true(fake_dp_wait("DpClientGone", 1000));
    assert_true(fake_dp_wait("DpClientGone", 1000));
}

static void stats_merge_names_with_dataplane_counters(void **state)
{
    static uint8_t rbuf[65536];
    struct CtlStatsReply sr = { 0 };
    struct CtlTopicInfo ti = { 0 };
    struct CtlReply r = { 0 };
    uint32_t cid;
    int t = tool(), a = app("statsapp", &cid);
    (void)state;

    assert_int_equal(call(t, REQ(CtlTopicCreate, TERN_STR_LIT("s.one")), &r), 0);
    uint32_t tid = r.id;
    assert_int_equal(call(a, REQ(CtlSubOpen, TERN_STR_LIT("s.*"), CtlPolicy_DROP, 0, 0), &r), 0);
    uint32_t sid = r.id;

    fake_dp_topic_subs(7);
    int64_t n = REQ(CtlStats, 0);
    assert_int_equal(tern__sock_send(t, buf, (size_t)n, -1), 0);
    ssize_t got = tern__sock_recv(t, rbuf, sizeof(rbuf), NULL);
    assert_true(got > 0);
    assert_true(CtlStatsReply_decode(&sr, rbuf, (size_t)got) > 0);
    assert_int_equal(sr.status, 0);
    assert_int_equal(sr.pool_free, 4000);
    assert_int_equal(sr.pool_size, 4095);
    assert_int_equal(sr.topics.count, 1);
    assert_int_equal(CtlTopicInfo_list_get(&sr.topics, 0, &ti), 0);
    assert_int_equal(ti.topic_id, tid);
    assert_true(tern_str_eq(ti.name, "s.one"));
    assert_int_equal(ti.published, 100 + tid);      /* from the fake dataplane */
    assert_int_equal(ti.delivered, 200 + tid);
    /* The dataplane counts the links attached (tern-control used to match
     * every pattern against every topic). */
    assert_int_equal(ti.subscriptions, 7);
    fake_dp_topic_subs(0);
    assert_int_equal(sr.subs.count, 1);
    struct CtlSubInfo si = { 0 };
    assert_int_equal(CtlSubInfo_list_get(&sr.subs, 0, &si), 0);
    assert_int_equal(si.sub_id, sid);
    assert_true(tern_str_eq(si.pattern, "s.*"));
    assert_int_equal(si.client_id, cid);
    assert_int_equal(sr.clients.count, 1);
    struct CtlClientInfo ci = { 0 };
    assert_int_equal(CtlClientInfo_list_get(&sr.clients, 0, &ci), 0);
    assert_true(tern_str_eq(ci.name, "statsapp"));
    assert_int_equal(ci.pid, (uint32_t)getpid());
    assert_int_equal(ci.lcore_id, 10 + cid);
    assert_int_equal(ci.subs, 1);

    /* topic list with a pattern that excludes it */
    struct CtlTopicListReply tl = { 0 };
    n = REQ(CtlTopicList, TERN_STR_LIT("other.>"));
    assert_int_equal(tern__sock_send(t, buf, (size_t)n, -1), 0);
    got = tern__sock_recv(t, rbuf, sizeof(rbuf), NULL);
    assert_true(CtlTopicListReply_decode(&tl, rbuf, (size_t)got) > 0);
    assert_int_equal(tl.status, 0);
    assert_int_equal(tl.topics.count, 0);
    /* and a bad pattern */
    n = REQ(CtlTopicList, TERN_STR_LIT("a..b"));
    assert_int_equal(tern__sock_send(t, buf, (size_t)n, -1), 0);
    got = tern__sock_recv(t, rbuf, sizeof(rbuf), NULL);
    assert_true(CtlTopicListReply_decode(&tl, rbuf, (size_t)got) > 0);
    assert_int_equal(tl.status, -EINVAL);

    close(a);
    assert_true(fake_dp_wait("DpClientGone", 1000));
    assert_int_equal(call(t, REQ(CtlTopicDelete, TERN_STR_LIT("s.one")), &r), 0);
    close(t);
}

static void sigusr1_dumps_stats_and_the_daemon_carries_on(void **state)
{
    struct CtlReply r = { 0 };
    (void)state;

    assert_int_equal(kill(H.ctl_pid, SIGUSR1), 0);
    usleep(50000);
    int fd = tool();
    assert_int_equal(call(fd, REQ(CtlTopicLookup, TERN_STR_LIT("x")), &r), -ENOENT);
    close(fd);
}

static void dataplane_restart_drops_apps_and_replays_topics(void **state)
{
    struct CtlReply r = { 0 };
    int t = tool(), a = app("victim", NULL);
    (void)state;

    assert_int_equal(call(t, REQ(CtlTopicCreate, TERN_STR_LIT("keep.me")), &r), 0);
    uint32_t tid = r.id;
    fake_dp_clear();
    fake_dp_bounce(400);
    /* the application is attached to a primary that is gone: dropped */
    assert_true(cl_eof(a, 2000));
    close(a);
    /* while it is away, requests fail cleanly */
    int rc = call(t, REQ(CtlTopicCreate, TERN_STR_LIT("while.away")), &r);
    assert_true(rc == -ENOTCONN || rc == 0);    /* 0 only if it came back already */
    if (rc == -ENOTCONN)
        assert_true(strstr(err, "dataplane") != NULL);
    /* it comes back: hello, reclaim, our topics re-created */
    assert_true(fake_dp_wait("DpHello 1", 3000));
    char line[64];
    snprintf(line, sizeof(line), "DpTopicCreate %u keep.me", tid);
    assert_true(fake_dp_wait(line, 2000));
    assert_int_equal(call(t, REQ(CtlTopicLookup, TERN_STR_LIT("keep.me")), &r), 0);
    assert_int_equal(call(t, REQ(CtlTopicDelete, TERN_STR_LIT("keep.me")), &r), 0);
    if (rc == 0)
        assert_int_equal(call(t, REQ(CtlTopicDelete, TERN_STR_LIT("while.away")), &r), 0);
    close(t);
}

static void second_daemon_refuses_and_leaves_the_first_alone(void **state)
{
    struct CtlReply r;
    int status = 0;
    pid_t pid;
    (void)state;

    fake_dp_clear();
    pid = harness_spawn(&H);
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    /* it never reached the dataplane, so it took nothing over */
    assert_false(fake_dp_wait("DpHello", 200));
    int fd = tool();
    assert_int_equal(call(fd, REQ(CtlTopicLookup, TERN_STR_LIT("x")), &r), -ENOENT);
    close(fd);
}

static void restart_after_kill_9_replaces_the_stale_socket(void **state)
{
    struct CtlReply r;
    int status;
    (void)state;

    assert_int_equal(kill(H.ctl_pid, SIGKILL), 0);
    assert_int_equal(waitpid(H.ctl_pid, &status, 0), H.ctl_pid);
    assert_int_equal(access(H.ctl_sock, F_OK), 0);      /* left behind */
    fake_dp_clear();
    H.ctl_pid = harness_spawn(&H);
    assert_true(harness_ready(&H));
    assert_true(fake_dp_wait("DpHello 1", 2000));
    assert_true(fake_dp_wait("DpStats", 2000));         /* reclaims what is left */
    int fd = tool();
    assert_int_equal(call(fd, REQ(CtlTopicCreate, TERN_STR_LIT("after.restart")), &r), 0);
    assert_int_equal(call(fd, REQ(CtlTopicDelete, TERN_STR_LIT("after.restart")), &r), 0);
    close(fd);
}

/* utime + stime of pid, in ms. */
static long cpu_ms(pid_t pid)
{
    char path[64], line[1024];
    unsigned long ut = 0, st = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    f = fopen(path, "r");
    if (!f || !fgets(line, sizeof(line), f))
        return -1;
    fclose(f);
    /* fields 14 and 15, after the ")" that ends the command name */
    char *p = strrchr(line, ')');
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

static void out_of_descriptors_pauses_accepting_instead_of_spinning(void **state)
{
    struct CtlReply r;
    int silent[24], status;
    (void)state;

    /* Restart the daemon with room for only a few connections. */
    kill(H.ctl_pid, SIGTERM);
    assert_int_equal(waitpid(H.ctl_pid, &status, 0), H.ctl_pid);
    H.ctl_pid = harness_spawn_limited(&H, 20);
    assert_true(harness_ready(&H));
    assert_true(fake_dp_wait("DpHello 1", 2000));
    for (int i = 0; i < 24; i++)
        silent[i] = cl_connect(&H);     /* queue in the backlog; never speak */
    long before = cpu_ms(H.ctl_pid);
    /* A real client behind them waits in the backlog, rather than being
     * accepted and dropped for want of a descriptor, and is served once
     * the silent ones reach their deadline (300 ms). */
    int fd = tool();
    long spent = cpu_ms(H.ctl_pid) - before;
    assert_true(before >= 0);
    assert_true(spent < 200);           /* no busy loop on the listening socket */
    assert_int_equal(call(fd, REQ(CtlTopicLookup, TERN_STR_LIT("x")), &r), -ENOENT);
    close(fd);
    for (int i = 0; i < 24; i++)
        close(silent[i]);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(app_hello_gets_slot_lcore_and_eal_args),
        cmocka_unit_test(wrong_protocol_version_is_refused_and_closed),
        cmocka_unit_test(garbage_gets_eproto_and_only_that_connection_closes),
        cmocka_unit_test(request_before_hello_and_second_hello_are_protocol_errors),
        cmocka_unit_test(silent_client_is_closed_after_the_hello_timeout),
        cmocka_unit_test(topic_create_duplicate_lookup_delete),
        cmocka_unit_test(bad_topic_names_are_einval),
        cmocka_unit_test(topic_table_full_is_enospc),
        cmocka_unit_test(dataplane_refusal_reaches_the_client_and_changes_nothing),
        cmocka_unit_test(dataplane_refusing_an_attach_fails_the_hello_and_frees_the_slot),
        cmocka_unit_test(subscriptions_validate_and_forward_the_eventfd),
        cmocka_unit_test(exclusive_publisher_rules),
        cmocka_unit_test(too_many_clients_is_ebusy),
        cmocka_unit_test(stats_merge_names_with_dataplane_counters),
        cmocka_unit_test(sigusr1_dumps_stats_and_the_daemon_carries_on),
        cmocka_unit_test(dataplane_restart_drops_apps_and_replays_topics),
        cmocka_unit_test(second_daemon_refuses_and_leaves_the_first_alone),
        cmocka_unit_test(restart_after_kill_9_replaces_the_stale_socket),
        cmocka_unit_test(out_of_descriptors_pauses_accepting_instead_of_spinning),
    };
    if (argc < 2) {
        fprintf(stderr, "usage: test_control TERN_CONTROL\n");
        return 2;
    }
    tern_control = argv[1];
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, setup, teardown);
}
