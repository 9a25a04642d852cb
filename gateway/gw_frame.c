/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cutting a byte stream into frames and frames into requests; see
 * gw_frame.h.  Everything here bounds itself by the bytes it was given.
 */
#include <string.h>

#include "gw_frame.h"

int64_t gw_frame_check(const uint8_t *buf, size_t len, uint32_t max_frame, size_t *need)
{
    uint16_t type_id, version;
    int64_t total;

    *need = TERN_CODEC_HDR_SIZE;
    if (len < TERN_CODEC_HDR_SIZE)
        return 0;
    total = tern_codec_peek(buf, len, &type_id, &version);
    if (total < 0)
        return -GwErr_PROTOCOL;       /* version 0: not a DSL header */
    /* Checked before any byte of the body is waited for: an absurd length
     * is refused at once, never buffered. */
    if ((uint64_t)total > max_frame)
        return -GwErr_TOO_BIG;
    *need = (size_t)total;
    return (size_t)total <= len ? total : 0;
}

int gw_tag_ok(struct tern_str s)
{
    const char *eq = memchr(s.ptr, '=', s.len);

    return eq != NULL && eq != s.ptr && memchr(s.ptr, '\0', s.len) == NULL;
}

static int name_ok(struct tern_str s)
{
    return s.len >= 1 && s.len <= GW_TOPIC_MAX && memchr(s.ptr, '\0', s.len) == NULL;
}

static int bad(const char **why, const char *text, int code)
{
    *why = text;
    return -code;
}

static int check_publish(const struct GwPublish *p, const char **why)
{
    struct tern_iter it = tern_list_str_iter(&p->tags);
    struct tern_str t;

    if (!name_ok(p->topic))
        return bad(why, "publish: topic must be 1..255 bytes without NUL", GwErr_INVALID);
    while (tern_list_str_next(&it, &t))
        if (!gw_tag_ok(t))
            return bad(why, "publish: a tag is not key=value (non-empty key, no NUL)",
                       GwErr_INVALID);
    return GwPublish_TYPE_ID;
}

static int check_subscribe(const struct GwSubscribe *s, const char **why)
{
    if (s->sub_id == 0)
        return bad(why, "subscribe: sub_id 0 is reserved", GwErr_INVALID);
    if (!name_ok(s->pattern))
        return bad(why, "subscribe: pattern must be 1..255 bytes without NUL", GwErr_INVALID);
    if (s->depth & (s->depth - 1))
        return bad(why, "subscribe: depth must be 0 or a power of two", GwErr_INVALID);
    return GwSubscribe_TYPE_ID;
}

int gw_req_decode(const uint8_t *buf, size_t len, union gw_req *req, const char **why)
{
    uint16_t type_id, version;
    int64_t rv;

    *why = "";
    if (tern_codec_peek(buf, len, &type_id, &version) < 0)
        return bad(why, "malformed frame header", GwErr_PROTOCOL);
#define GW_DECODE(T, member)                                                  \
    case T##_TYPE_ID:                                                         \
        rv = T##_decode(&req->member, buf, len);                              \
        break
    switch (type_id) {
    GW_DECODE(GwHello, hello);
    GW_DECODE(GwPublish, publish);
    GW_DECODE(GwSubscribe, subscribe);
    GW_DECODE(GwCredit, credit);
    GW_DECODE(GwUnsubscribe, unsubscribe);
    GW_DECODE(GwPing, ping);
    GW_DECODE(GwPong, pong);
    GW_DECODE(GwBye, bye);
    default:
        return bad(why, "not a request a client may send", GwErr_PROTOCOL);
    }
#undef GW_DECODE
    if (rv < 0) {
        *why = tern_codec_strerror(rv);
        return -GwErr_PROTOCOL;
    }
    /* A frame is exactly one message: gw_frame_check() cut it at the
     * header's length, so anything else means a lying header. */
    if (rv != (int64_t)len)
        return bad(why, "frame length does not match its message", GwErr_PROTOCOL);
    if (type_id == GwPublish_TYPE_ID)
        return check_publish(&req->publish, why);
    if (type_id == GwSubscribe_TYPE_ID)
        return check_subscribe(&req->subscribe, why);
    return type_id;
}
