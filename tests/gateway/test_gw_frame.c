/* SPDX-License-Identifier: Apache-2.0 */
/* The gateway's frame decoder: cutting a stream, refusing absurd lengths
 * before the body arrives, and the checks the codec cannot make. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "gw_frame.h"

static uint8_t buf[4096];

static size_t publish(const char *topic, const char *tag)
{
    struct tern_str tags[1] = { tern_str_from_cstr(tag ? tag : "") };
    struct GwPublish p = { .req_id = 7, .ack = GwAckMode_ACCEPTED,
                           .topic = tern_str_from_cstr(topic),
                           .tags = { .items = tags, .count = tag ? 1 : 0 },
                           .payload = TERN_STR_LIT("hello") };
    int64_t n = GwPublish_encode(&p, buf, sizeof(buf));
    assert_true(n > 0);
    return (size_t)n;
}

static void test_stream_cut(void **state)
{
    size_t n = publish("a.b", "k=v"), need;
    union gw_req r;
    const char *why;

    (void)state;
    assert_int_equal(gw_frame_check(buf, 3, 4096, &need), 0);
    assert_int_equal(need, 8);
    assert_int_equal(gw_frame_check(buf, n - 1, 4096, &need), 0);
    assert_int_equal(need, n);
    assert_int_equal(gw_frame_check(buf, n, 4096, &need), (int64_t)n);
    assert_int_equal(gw_req_decode(buf, n, &r, &why), GwPublish_TYPE_ID);
    assert_int_equal(r.publish.req_id, 7);
    assert_true(tern_str_eq(r.publish.topic, "a.b"));
    assert_true(tern_str_eq(r.publish.payload, "hello"));
}

static void test_absurd_length(void **state)
{
    /* A header announcing 4 GiB is refused from its 8 bytes alone. */
    uint8_t h[8] = { 0xfe, 0x01, 1, 0, 0xff, 0xff, 0xff, 0xff };
    size_t need;

    (void)state;
    assert_int_equal(gw_frame_check(h, sizeof(h), 65536, &need), -GwErr_TOO_BIG);
    h[2] = 0;   /* version 0 */
    assert_int_equal(gw_frame_check(h, sizeof(h), 65536, &need), -GwErr_PROTOCOL);
}

static void test_content_checks(void **state)
{
    union gw_req r;
    const char *why;
    size_t n;

    (void)state;
    n = publish("a.b", "novalue");
    assert_int_equal(gw_req_decode(buf, n, &r, &why), -GwErr_INVALID);
    n = publish("a.b", "=v");
    assert_int_equal(gw_req_decode(buf, n, &r, &why), -GwErr_INVALID);
    n = publish("", NULL);
    assert_int_equal(gw_req_decode(buf, n, &r, &why), -GwErr_INVALID);
    struct GwSubscribe s = { .sub_id = 0, .pattern = TERN_STR_LIT("a.>") };
    n = (size_t)GwSubscribe_encode(&s, buf, sizeof(buf));
    assert_int_equal(gw_req_decode(buf, n, &r, &why), -GwErr_INVALID);
    s.sub_id = 1;
    s.depth = 3;
    n = (size_t)GwSubscribe_encode(&s, buf, sizeof(buf));
    assert_int_equal(gw_req_decode(buf, n, &r, &why), -GwErr_INVALID);
    s.depth = 0;
    n = (size_t)GwSubscribe_encode(&s, buf, sizeof(buf));
    assert_int_equal(gw_req_decode(buf, n, &r, &why), GwSubscribe_TYPE_ID);
}

static void test_not_a_request(void **state)
{
    struct GwAck a = { .req_id = 1, .seq = 2 };
    union gw_req r;
    const char *why;
    size_t n = (size_t)GwAck_encode(&a, buf, sizeof(buf));

    (void)state;
    /* Gateway -> client messages are not requests. */
    assert_int_equal(gw_req_decode(buf, n, &r, &why), -GwErr_PROTOCOL);
    /* A frame longer than its message (a lying header) is refused. */
    struct GwPing p = { .token = 9 };
    n = (size_t)GwPing_encode(&p, buf, sizeof(buf));
    buf[4] += 1;
    buf[n] = 0;
    assert_int_equal(gw_req_decode(buf, n + 1, &r, &why), -GwErr_PROTOCOL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_cut),
        cmocka_unit_test(test_absurd_length),
        cmocka_unit_test(test_content_checks),
        cmocka_unit_test(test_not_a_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
