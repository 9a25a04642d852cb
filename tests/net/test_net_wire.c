/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The frame format (lib/net/tern_net_wire.c): what is built parses back to
 * the same fields, and every kind of damage is refused with its reason:
 * each truncation, a changed length, an unknown version or type, an entry
 * whose piece reaches past its message or past the node's message size.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tern_net_wire.h"

#define MAX_MSG 2048
static const struct tern_net_addr addr = {
	.src_mac = { 2, 0, 0, 0, 0, 1 }, .dst_mac = { 2, 0, 0, 0, 0, 2 },
	.src_ip = 0x0a000001, .dst_ip = 0x0a000002, .src_port = 7460, .dst_port = 7461,
};

/* A DATA frame of three entries: a whole message, then two pieces of one. */
static uint32_t build(uint8_t *buf)
{
	struct tern_net_hdr h = { .type = TERN_NET_DATA, .session = 77, .stream = 5, .seq = 9 };
	uint8_t *p = buf + TERN_NET_L2L4_LEN + TERN_NET_HDR_LEN;
	struct tern_net_ent e = { .seq = 100, .event_ns = -5, .send_ns = 123456789, .type_id = 3,
				  .version = 2, .tags_len = 4, .size = 10, .frag_off = 0,
				  .frag_len = 14, .flags = TERN_NET_E_LAST };

	tern_net_frame_begin(buf, &addr, &h);
	tern_net_ent_put(p, &e);
	memset(p + TERN_NET_ENT_LEN, 'a', 14);
	p += TERN_NET_ENT_LEN + 14;
	e = (struct tern_net_ent){ .seq = 101, .size = 1000, .frag_off = 0, .frag_len = 600 };
	tern_net_ent_put(p, &e);
	memset(p + TERN_NET_ENT_LEN, 'b', 600);
	p += TERN_NET_ENT_LEN + 600;
	e = (struct tern_net_ent){ .seq = 101, .size = 1000, .frag_off = 600, .frag_len = 400,
				   .flags = TERN_NET_E_LAST };
	tern_net_ent_put(p, &e);
	memset(p + TERN_NET_ENT_LEN, 'c', 400);
	p += TERN_NET_ENT_LEN + 400;
	tern_net_frame_end(buf, (uint32_t)(p - buf), 3);
	return (uint32_t)(p - buf);
}

static void test_round_trip(void **state)
{
	uint8_t buf[2048];
	struct tern_net_view v;
	struct tern_net_ent e;
	uint32_t len = build(buf), off = 0;
	(void)state;

	assert_int_equal(tern_net_parse(buf, len, 7461, MAX_MSG, &v), TERN_NET_OK);
	assert_int_equal(v.h.type, TERN_NET_DATA);
	assert_int_equal(v.h.session, 77);
	assert_int_equal(v.h.stream, 5);
	assert_int_equal(v.h.seq, 9);
	assert_int_equal(v.h.count, 3);
	assert_int_equal(v.src_ip, 0x0a000001);
	assert_int_equal(v.src_port, 7460);
	tern_net_ent_next(&v, &off, &e);
	assert_int_equal(e.seq, 100);
	assert_int_equal(e.event_ns, -5);
	assert_int_equal(e.send_ns, 123456789);
	assert_int_equal(e.type_id, 3);
	assert_int_equal(e.version, 2);
	assert_int_equal(e.tags_len, 4);
	assert_int_equal(e.size, 10);
	assert_int_equal(e.frag_len, 14);
	assert_int_equal(e.piece[13], 'a');
	tern_net_ent_next(&v, &off, &e);
	assert_int_equal(e.frag_len, 600);
	assert_int_equal(e.flags, 0);
	tern_net_ent_next(&v, &off, &e);
	assert_int_equal(e.frag_off, 600);
	assert_int_equal(e.piece[0], 'c');
	assert_int_equal(off, v.body_len);
	/* not our port: someone else's traffic, not an error */
	assert_int_equal(tern_net_parse(buf, len, 9999, MAX_MSG, &v), TERN_NET_BAD_NOT_OURS);
}

static void test_every_truncation_refused(void **state)
{
	uint8_t buf[2048];
	struct tern_net_view v;
	uint32_t len = build(buf);
	(void)state;

	/* The IP length says how long the frame is: any shorter buffer fails. */
	for (uint32_t l = 0; l < len; l++)
		assert_int_not_equal(tern_net_parse(buf, l, 7461, MAX_MSG, &v), TERN_NET_OK);
	/* A longer one (Ethernet padding) is fine. */
	assert_int_equal(tern_net_parse(buf, len + 10, 7461, MAX_MSG, &v), TERN_NET_OK);
}

static void put16(uint8_t *p, uint16_t x)
{
	p[0] = (uint8_t)(x >> 8);
	p[1] = (uint8_t)x;
}

/* Rewrite the IP and UDP lengths to say len, with a good checksum. */
static void relen(uint8_t *buf, uint32_t len)
{
	tern_net_frame_end(buf, len, (uint16_t)(buf[TERN_NET_L2L4_LEN + 6] << 8 |
						 buf[TERN_NET_L2L4_LEN + 7]));
}

static void test_damage_refused(void **state)
{
	uint8_t buf[2048], th_off = TERN_NET_L2L4_LEN;
	uint8_t *ent0 = buf + TERN_NET_L2L4_LEN + TERN_NET_HDR_LEN;
	struct tern_net_view v;
	uint32_t len;
	(void)state;

#define PARSE() tern_net_parse(buf, len, 7461, MAX_MSG, &v)
	len = build(buf); buf[th_off + 2] = 2;
	assert_int_equal(PARSE(), TERN_NET_BAD_VERSION);
	len = build(buf); buf[th_off] = 'X';
	assert_int_equal(PARSE(), TERN_NET_BAD_MAGIC);
	len = build(buf); buf[th_off + 3] = 99;
	assert_int_equal(PARSE(), TERN_NET_BAD_TYPE);
	len = build(buf); buf[th_off + 4] = 0x80;     /* unknown flag */
	assert_int_equal(PARSE(), TERN_NET_BAD_TYPE);
	len = build(buf); memset(buf + th_off + 8, 0, 4); /* session 0 */
	assert_int_equal(PARSE(), TERN_NET_BAD_TYPE);
	len = build(buf); buf[TERN_NET_ETH_LEN + 8]++; /* TTL: the checksum breaks */
	assert_int_equal(PARSE(), TERN_NET_BAD_IP);
	len = build(buf); put16(buf + TERN_NET_ETH_LEN + TERN_NET_IP_LEN + 4, 100);
	assert_int_equal(PARSE(), TERN_NET_BAD_UDP);
	len = build(buf); put16(buf + th_off + 6, 4);  /* one entry more than there is */
	assert_int_equal(PARSE(), TERN_NET_BAD_LEN);
	len = build(buf); put16(buf + th_off + 6, 2);  /* one less: bytes left over */
	assert_int_equal(PARSE(), TERN_NET_BAD_LEN);
	len = build(buf); put16(buf + th_off + 6, 0);
	assert_int_equal(PARSE(), TERN_NET_BAD_LEN);
	len = build(buf); memset(ent0, 0, 8);          /* message seq 0 */
	assert_int_equal(PARSE(), TERN_NET_BAD_ENT);
	len = build(buf); put16(ent0 + 40, 15);        /* piece longer than its message */
	assert_int_equal(PARSE(), TERN_NET_BAD_ENT);
	len = build(buf); ent0[32] = 0x7f;             /* a 2 GB message */
	assert_int_equal(PARSE(), TERN_NET_BAD_ENT);
	len = build(buf); ent0[36] = 0xff;             /* piece offset far past the message */
	assert_int_equal(PARSE(), TERN_NET_BAD_ENT);
	len = build(buf); ent0[43] = 0;                /* "last" cleared: message not complete... */
	assert_int_equal(PARSE(), TERN_NET_OK);        /* ...is a valid first piece */
	len = build(buf); ent0[43] = 4;                /* unknown entry flag */
	assert_int_equal(PARSE(), TERN_NET_BAD_ENT);
	/* the frame shortened by one byte, its lengths adjusted to match */
	len = build(buf) - 1; relen(buf, len);
	assert_int_equal(PARSE(), TERN_NET_BAD_LEN);
	/* a text body must match count and be shorter than a name */
	{
		struct tern_net_hdr h = { .type = TERN_NET_REQ, .session = 1, .stream = 3,
					  .count = 5 };
		tern_net_frame_begin(buf, &addr, &h);
		memcpy(buf + TERN_NET_L2L4_LEN + TERN_NET_HDR_LEN, "md.eq", 5);
		len = TERN_NET_L2L4_LEN + TERN_NET_HDR_LEN + 5;
		tern_net_frame_end(buf, len, 5);
		assert_int_equal(PARSE(), TERN_NET_OK);
		assert_int_equal(v.body_len, 5);
		tern_net_frame_end(buf, len, 6);
		assert_int_equal(PARSE(), TERN_NET_BAD_LEN);
	}
	/* not IPv4 UDP at all */
	len = build(buf); buf[12] = 0x86; buf[13] = 0xdd;
	assert_int_equal(PARSE(), TERN_NET_BAD_NOT_OURS);
#undef PARSE
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_damage_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
