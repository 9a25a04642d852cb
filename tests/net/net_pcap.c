/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_pcap FILE: write a classic pcap (linktype 1, Ethernet) of tern frames
 * built with lib/net/tern_net_wire.c, for tests/net/test_dissector.sh to
 * read with tshark and scripts/tern.lua.  The frames, in order:
 *   1. DATA stream 5 seq 9: entries 100 (whole), 101 (piece 0..600),
 *      101 (piece 600..1000, last)
 *   2. NAK stream 5 seq 12 arg 3
 *   3. STATUS stream 5 seq 13, sender flag
 *   4. HELLO stream 0 arg 3000, body "nodeA"
 *   5. DATA stream 5 seq 14 claiming 2 entries where the second is cut
 *      short (IP/UDP lengths consistent, the tern body damaged)
 *   6. REQ stream 6 arg 0, body "orders", on UDP ports 47001 -> 47002 (the
 *      heuristic dissector, not the port table, must find it)
 * The file is the same bytes on every run (fixed timestamps).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tern_net_wire.h"

#define SNAPLEN 65535

static const struct tern_net_addr addr = {
	.src_mac = { 2, 0, 0, 0, 0, 1 }, .dst_mac = { 2, 0, 0, 0, 0, 2 },
	.src_ip = 0x0a000001, .dst_ip = 0x0a000002, .src_port = 7460, .dst_port = 7460,
};

static void put_le32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
	p[2] = (uint8_t)(x >> 16);
	p[3] = (uint8_t)(x >> 24);
}

static void put_le16(uint8_t *p, uint16_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
}

static int write_global(FILE *f)
{
	uint8_t g[24];

	put_le32(g, 0xa1b2c3d4);        /* microsecond timestamps, little-endian file */
	put_le16(g + 4, 2);
	put_le16(g + 6, 4);
	put_le32(g + 8, 0);             /* thiszone */
	put_le32(g + 12, 0);            /* sigfigs */
	put_le32(g + 16, SNAPLEN);
	put_le32(g + 20, 1);            /* LINKTYPE_ETHERNET */
	return fwrite(g, sizeof(g), 1, f) == 1 ? 0 : -1;
}

static int write_rec(FILE *f, unsigned n, const uint8_t *buf, uint32_t len)
{
	uint8_t r[16];

	put_le32(r, 1700000000 + n);    /* ts_sec */
	put_le32(r + 4, 0);             /* ts_usec */
	put_le32(r + 8, len);           /* incl_len */
	put_le32(r + 12, len);          /* orig_len */
	if (fwrite(r, sizeof(r), 1, f) != 1 || fwrite(buf, len, 1, f) != 1)
		return -1;
	return 0;
}

static uint8_t *ent(uint8_t *p, const struct tern_net_ent *e, int fill)
{
	tern_net_ent_put(p, e);
	memset(p + TERN_NET_ENT_LEN, fill, e->frag_len);
	return p + TERN_NET_ENT_LEN + e->frag_len;
}

static uint32_t data_frame(uint8_t *buf)
{
	struct tern_net_hdr h = { .type = TERN_NET_DATA, .session = 77, .stream = 5, .seq = 9 };
	uint8_t *p = buf + TERN_NET_L2L4_LEN + TERN_NET_HDR_LEN;

	tern_net_frame_begin(buf, &addr, &h);
	p = ent(p, &(struct tern_net_ent){ .seq = 100, .event_ns = -5, .send_ns = 123456789,
					   .type_id = 3, .version = 2, .tags_len = 4,
					   .size = 10, .frag_len = 14,
					   .flags = TERN_NET_E_LAST }, 'a');
	p = ent(p, &(struct tern_net_ent){ .seq = 101, .type_id = 3, .version = 2, .size = 1000,
					   .frag_len = 600 }, 'b');
	p = ent(p, &(struct tern_net_ent){ .seq = 101, .type_id = 3, .version = 2, .size = 1000,
					   .frag_off = 600, .frag_len = 400,
					   .flags = TERN_NET_E_LAST }, 'c');
	tern_net_frame_end(buf, (uint32_t)(p - buf), 3);
	return (uint32_t)(p - buf);
}

static uint32_t text_frame(uint8_t *buf, const struct tern_net_addr *a, uint8_t type,
			   uint16_t flags, uint32_t stream, uint64_t seq, uint64_t arg,
			   const char *body)
{
	struct tern_net_hdr h = { .type = type, .flags = flags, .session = 77, .stream = stream,
				  .seq = seq, .arg = arg };
	uint32_t n = (uint32_t)strlen(body), total = TERN_NET_L2L4_LEN + TERN_NET_HDR_LEN + n;

	tern_net_frame_begin(buf, a, &h);
	memcpy(buf + TERN_NET_L2L4_LEN + TERN_NET_HDR_LEN, body, n);
	tern_net_frame_end(buf, total, (uint16_t)n);
	return total;
}

/* Two entries announced, the second's piece reaches past the frame. */
static uint32_t damaged_frame(uint8_t *buf)
{
	struct tern_net_hdr h = { .type = TERN_NET_DATA, .session = 77, .stream = 5, .seq = 14 };
	uint8_t *p = buf + TERN_NET_L2L4_LEN + TERN_NET_HDR_LEN;

	tern_net_frame_begin(buf, &addr, &h);
	p = ent(p, &(struct tern_net_ent){ .seq = 102, .size = 8, .frag_len = 8,
					   .flags = TERN_NET_E_LAST }, 'd');
	tern_net_ent_put(p, &(struct tern_net_ent){ .seq = 103, .size = 500, .frag_len = 500,
						    .flags = TERN_NET_E_LAST });
	memset(p + TERN_NET_ENT_LEN, 'e', 20);
	p += TERN_NET_ENT_LEN + 20;
	tern_net_frame_end(buf, (uint32_t)(p - buf), 2);
	return (uint32_t)(p - buf);
}

int main(int argc, char **argv)
{
	struct tern_net_addr other = addr;
	struct tern_net_view v;
	uint32_t len[6];
	static uint8_t frames[6][2048];
	FILE *f;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: net_pcap FILE\n");
		return 2;
	}
	other.src_port = 47001;
	other.dst_port = 47002;
	len[0] = data_frame(frames[0]);
	len[1] = text_frame(frames[1], &addr, TERN_NET_NAK, 0, 5, 12, 3, "");
	len[2] = text_frame(frames[2], &addr, TERN_NET_STATUS, TERN_NET_F_SENDER, 5, 13, 0, "");
	len[3] = text_frame(frames[3], &addr, TERN_NET_HELLO, 0, 0, 0, 3000, "nodeA");
	len[4] = damaged_frame(frames[4]);
	len[5] = text_frame(frames[5], &other, TERN_NET_REQ, 0, 6, 0, 0, "orders");
	/* The good frames must be good, the damaged one refused: else the
	 * dissector test would check the wrong thing. */
	for (int i = 0; i < 6; i++) {
		enum tern_net_bad b = tern_net_parse(frames[i], len[i], 0, 2048, &v);
		if ((b == TERN_NET_OK) != (i != 4)) {
			fprintf(stderr, "net_pcap: frame %d parses as %s\n", i + 1,
				tern_net_bad_name[b]);
			return 1;
		}
	}
	f = fopen(argv[1], "wb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	if (write_global(f) != 0)
		rc = 1;
	for (unsigned i = 0; i < 6 && rc == 0; i++)
		if (write_rec(f, i, frames[i], len[i]) != 0)
			rc = 1;
	if (fclose(f) != 0)
		rc = 1;
	if (rc)
		perror(argv[1]);
	return rc;
}
