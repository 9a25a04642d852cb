/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gateway's frame decoder: the one place where bytes from a remote
 * client become requests.  Pure functions (no I/O, no allocation, no DPDK),
 * so that the fuzz target (tests/gateway/fuzz_gw_frame.c) links this file
 * alone and reaches every check a hostile peer can.
 *
 * A frame is one DSL message (docs/gateway.md, "Framing"): its 8-byte
 * header carries the length, so a stream is cut into frames by looking at
 * headers only, before any body is trusted.
 */
#ifndef GW_FRAME_H
#define GW_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "gw.tmsg.h"

#define GW_PROTO_VERSION 1
#define GW_MAGIC 0x4E524554u          /* "TERN" as bytes on the wire */
#define GW_TOPIC_MAX 255              /* TERN_TOPIC_MAX */

/* Requests a client may send, decoded in place: strings and lists point
 * into the frame. */
union gw_req {
    struct GwHello hello;
    struct GwPublish publish;
    struct GwSubscribe subscribe;
    struct GwCredit credit;
    struct GwUnsubscribe unsubscribe;
    struct GwPing ping;
    struct GwPong pong;
    struct GwBye bye;
};

/**
 * Look at the front of a stream of len bytes.
 * @return the size of the whole first frame when all of it is there (> 0);
 *   0 when more bytes are needed (*need: the size of the frame once its
 *   header is known, else the header's 8);
 *   -GwErr_TOO_BIG (the header announces more than max_frame) or
 *   -GwErr_PROTOCOL (version 0): the stream cannot be resynchronised.
 */
int64_t gw_frame_check(const uint8_t *buf, size_t len, uint32_t max_frame, size_t *need);

/**
 * Decode one whole frame (as gw_frame_check() delimited it) sent by a
 * client, and check what the codec cannot: tag syntax, topic and pattern
 * lengths, non-zero ids.
 * @return the type id (GwHello_TYPE_ID ...), or -GwErr_PROTOCOL (a frame
 *   that is not a client request, or malformed) / -GwErr_INVALID (well
 *   formed, bad content), with *why set to a static text.
 */
int gw_req_decode(const uint8_t *buf, size_t len, union gw_req *req, const char **why);

/** Whether s is a valid "key=value" tag (key non-empty, no NUL anywhere). */
int gw_tag_ok(struct tern_str s);

#endif
