/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the gateway's frame decoder (gateway/gw_frame.c) on
 * any byte stream, cut into frames as a connection would be.  Every frame
 * it accepts must re-encode to a frame that decodes to the same request
 * (a publish keeps topic, tags and payload byte for byte), and nothing
 * may read past the bytes given. */
#include <stdlib.h>
#include <string.h>

#include "gw_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_str(struct tern_str a, struct tern_str b)
{
    if (a.len != b.len || (a.len && memcmp(a.ptr, b.ptr, a.len) != 0))
        abort();
}

static void round_trip(const union gw_req *r, int type)
{
    static uint8_t buf[1 << 17];
    union gw_req back;
    const char *why;
    int64_t n;

    if (type != GwPublish_TYPE_ID)
        return;
    n = GwPublish_encode(&r->publish, buf, sizeof(buf));
    if (n < 0 || gw_req_decode(buf, (size_t)n, &back, &why) != type)
        abort();
    same_str(r->publish.topic, back.publish.topic);
    same_str(r->publish.payload, back.publish.payload);
    if (r->publish.tags.count != back.publish.tags.count ||
        r->publish.tags.wire_len != back.publish.tags.wire_len ||
        memcmp(r->publish.tags.wire, back.publish.tags.wire, r->publish.tags.wire_len) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks max_frame, so small limits get hit too. */
    uint32_t max_frame = size ? 16u + (uint32_t)data[0] * 64u : 4096u;
    size_t pos = size ? 1 : 0;

    while (pos < size) {
        size_t need;
        int64_t n = gw_frame_check(data + pos, size - pos, max_frame, &need);
        union gw_req r;
        const char *why = NULL;
        int type;

        if (n <= 0) {
            if (n == 0 && need > max_frame)
                abort();        /* must never wait for more than max_frame */
            return 0;
        }
        if ((uint64_t)n > max_frame || (size_t)n > size - pos)
            abort();
        type = gw_req_decode(data + pos, (size_t)n, &r, &why);
        if (type < 0 && (why == NULL || (type != -GwErr_PROTOCOL && type != -GwErr_INVALID)))
            abort();
        if (type > 0)
            round_trip(&r, type);
        pos += (size_t)n;
    }
    return 0;
}
