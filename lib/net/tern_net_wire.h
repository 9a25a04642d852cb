/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern's frames between nodes (docs/transport.md "Frames"): Ethernet / IPv4
 * / UDP carrying one tern header and, in a DATA frame, message entries
 * packed up to the MTU.  Every multi-byte field is big-endian, so tcpdump,
 * tshark (scripts/tern.lua) and a hex dump read the same numbers.
 *
 *   eth(14) ip(20) udp(8) | hdr(32) | ent(48) piece | ent(48) piece | ...
 *
 * A piece is an entry's share of its message's payload+tags: a message
 * larger than one frame is cut into pieces at increasing frag_off, carried
 * in consecutive frames of the stream (the receiver delivers frames in
 * order, so reassembly is one buffer per stream).
 *
 * This file is the one place that knows the layout: the dataplane builds
 * and reads frames through it and the fuzzer (tests/net/fuzz_net_frame.c)
 * attacks tern_net_parse().
 */
#ifndef TERN_NET_WIRE_H
#define TERN_NET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TERN_NET_MAGIC 0x544e           /* "TN" */
#define TERN_NET_VERSION 1
#define TERN_NET_ETH_LEN 14
#define TERN_NET_IP_LEN 20
#define TERN_NET_UDP_LEN 8
#define TERN_NET_L2L4_LEN (TERN_NET_ETH_LEN + TERN_NET_IP_LEN + TERN_NET_UDP_LEN)
#define TERN_NET_HDR_LEN 32
#define TERN_NET_ENT_LEN 48
#define TERN_NET_NAME_MAX 256           /* a REQ's topic name, NUL included */

enum tern_net_type {
	TERN_NET_DATA = 1,      /* sender -> receiver: entries; seq = frame seq */
	TERN_NET_STATUS = 2,    /* either way, see TERN_NET_F_SENDER */
	TERN_NET_NAK = 3,       /* receiver -> sender: frames [seq, seq + arg) missing */
	TERN_NET_HELLO = 4,     /* link heartbeat; seq = send time (ns, sender's clock); arg = the
	                         * seq of the peer's last HELLO (0: none), stream = ns held since
	                         * it came (round trip); body = node name */
	TERN_NET_REQ = 5,       /* receiver -> sender: send topic (body) from message seq arg (0: live) */
	TERN_NET_REFUSE = 6,    /* sender -> receiver: REQ refused; arg = errno; body = why */
	TERN_NET_TYPE_MAX = 6,
};

/* hdr.flags */
#define TERN_NET_F_SENDER 0x0001        /* STATUS from the stream's sender: seq = its next frame seq */
#define TERN_NET_F_RETRANS 0x0002       /* DATA sent again after a NAK */
#define TERN_NET_F_FWD 0x0004           /* REQ from a topic's home: send me your node's
                                         * publishes to it (they are forwarded home) */
#define TERN_NET_F_KNOWN 0x0007

/* ent.flags */
#define TERN_NET_E_LAST 0x0001          /* this piece ends its message */
#define TERN_NET_E_KNOWN 0x0001

/* The tern header, host order once parsed. */
struct tern_net_hdr {
	uint16_t magic;
	uint8_t version;
	uint8_t type;
	uint16_t flags;
	uint16_t count;         /* DATA: entries; else body bytes */
	uint32_t session;       /* sender node's incarnation (random, never 0) */
	uint32_t stream;        /* the receiver's stream id; 0: the link itself */
	uint64_t seq;
	uint64_t arg;
};

/* One entry of a DATA frame, host order once parsed. */
struct tern_net_ent {
	uint64_t seq;           /* the message's seq on its home node */
	int64_t event_ns;
	int64_t send_ns;        /* as the home node's publisher stamped it */
	uint32_t type_id;
	uint16_t version;
	uint16_t tags_len;
	uint32_t size;          /* payload bytes of the whole message */
	uint32_t frag_off;      /* where this piece goes in payload+tags */
	uint16_t frag_len;      /* bytes of this piece, after the entry */
	uint16_t flags;         /* TERN_NET_E_* */
	const uint8_t *piece;   /* parse only: frag_len bytes */
};

/* Link addressing, all host order except the MACs. */
struct tern_net_addr {
	uint8_t src_mac[6], dst_mac[6];
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
};

/* A parsed frame: its header and where its entries / body lie. */
struct tern_net_view {
	struct tern_net_hdr h;
	uint32_t src_ip;
	uint16_t src_port, dst_port;
	const uint8_t *body;    /* entries (DATA) or body bytes */
	uint32_t body_len;
};

/* Why tern_net_parse() refused a frame: counted per reason by the caller. */
enum tern_net_bad {
	TERN_NET_OK = 0,
	TERN_NET_BAD_SHORT,     /* shorter than its headers */
	TERN_NET_BAD_NOT_OURS,  /* not IPv4/UDP to our port: not an error, not ours */
	TERN_NET_BAD_IP,        /* IP header: version, ihl, lengths, fragments, checksum */
	TERN_NET_BAD_UDP,       /* UDP length */
	TERN_NET_BAD_MAGIC,
	TERN_NET_BAD_VERSION,
	TERN_NET_BAD_TYPE,      /* unknown type or flags */
	TERN_NET_BAD_LEN,       /* entries or body do not match the lengths */
	TERN_NET_BAD_ENT,       /* an entry is inconsistent (piece past its message, ...) */
	TERN_NET_BAD_MAX
};
extern const char *const tern_net_bad_name[TERN_NET_BAD_MAX];

/*
 * Check a whole frame (buf, len: from the Ethernet header) addressed to UDP
 * port `port` (0: any) and fill v.  DATA entries are all checked here
 * (tern_net_ent_next() then cannot fail), bounded by max_msg (the node's
 * message size): a piece never reaches past its message nor the message
 * past max_msg, so the receiver may copy a piece without checking again.
 */
enum tern_net_bad tern_net_parse(const uint8_t *buf, uint32_t len, uint16_t port,
				 uint32_t max_msg, struct tern_net_view *v);

/* The entry at *off of a parsed DATA body; advances *off. */
void tern_net_ent_next(const struct tern_net_view *v, uint32_t *off, struct tern_net_ent *e);

/*
 * Building.  tern_net_frame_begin() writes the L2-L4 and tern headers at buf
 * (room for them) with lengths left for tern_net_frame_end(), which sets
 * them and the IP checksum for a frame of total bytes.
 */
void tern_net_frame_begin(uint8_t *buf, const struct tern_net_addr *a,
			  const struct tern_net_hdr *h);
void tern_net_frame_end(uint8_t *buf, uint32_t total, uint16_t count);
/* Write e's fields at p (TERN_NET_ENT_LEN bytes); the piece follows. */
void tern_net_ent_put(uint8_t *p, const struct tern_net_ent *e);

/* Bytes of tern payload a frame of IP MTU mtu carries after its header. */
static inline uint32_t tern_net_room(uint32_t mtu)
{
	return mtu - TERN_NET_IP_LEN - TERN_NET_UDP_LEN - TERN_NET_HDR_LEN;
}

#endif
