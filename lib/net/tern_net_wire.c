/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Frame layout (tern_net_wire.h): encode and check.  Byte order is done
 * with memcpy and bswap so that the compiler emits plain loads (movbe) and
 * an unaligned field is never a trap, whatever the NIC's buffer offset.
 */
#include <string.h>

#include "tern_net_wire.h"

const char *const tern_net_bad_name[TERN_NET_BAD_MAX] = {
	[TERN_NET_OK] = "ok",
	[TERN_NET_BAD_SHORT] = "short",
	[TERN_NET_BAD_NOT_OURS] = "not_ours",
	[TERN_NET_BAD_IP] = "bad_ip",
	[TERN_NET_BAD_UDP] = "bad_udp",
	[TERN_NET_BAD_MAGIC] = "bad_magic",
	[TERN_NET_BAD_VERSION] = "bad_version",
	[TERN_NET_BAD_TYPE] = "bad_type",
	[TERN_NET_BAD_LEN] = "bad_length",
	[TERN_NET_BAD_ENT] = "bad_entry",
};

static inline uint16_t get16(const uint8_t *p)
{
	uint16_t x;
	memcpy(&x, p, 2);
	return __builtin_bswap16(x);
}
static inline uint32_t get32(const uint8_t *p)
{
	uint32_t x;
	memcpy(&x, p, 4);
	return __builtin_bswap32(x);
}
static inline uint64_t get64(const uint8_t *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return __builtin_bswap64(x);
}
static inline void put16(uint8_t *p, uint16_t x)
{
	x = __builtin_bswap16(x);
	memcpy(p, &x, 2);
}
static inline void put32(uint8_t *p, uint32_t x)
{
	x = __builtin_bswap32(x);
	memcpy(p, &x, 4);
}
static inline void put64(uint8_t *p, uint64_t x)
{
	x = __builtin_bswap64(x);
	memcpy(p, &x, 8);
}

/* RFC 1071 over the 20-byte IP header; 0 when a header is correct. */
static uint16_t ip_csum(const uint8_t *ip)
{
	uint32_t sum = 0;

	for (int i = 0; i < TERN_NET_IP_LEN; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void hdr_get(const uint8_t *p, struct tern_net_hdr *h)
{
	h->magic = get16(p);
	h->version = p[2];
	h->type = p[3];
	h->flags = get16(p + 4);
	h->count = get16(p + 6);
	h->session = get32(p + 8);
	h->stream = get32(p + 12);
	h->seq = get64(p + 16);
	h->arg = get64(p + 24);
}

static void ent_get(const uint8_t *p, struct tern_net_ent *e)
{
	e->seq = get64(p);
	e->event_ns = (int64_t)get64(p + 8);
	e->send_ns = (int64_t)get64(p + 16);
	e->type_id = get32(p + 24);
	e->version = get16(p + 28);
	e->tags_len = get16(p + 30);
	e->size = get32(p + 32);
	e->frag_off = get32(p + 36);
	e->frag_len = get16(p + 40);
	e->flags = get16(p + 42);
	/* p + 44: 4 bytes reserved, zero */
	e->piece = p + TERN_NET_ENT_LEN;
}

void tern_net_ent_put(uint8_t *p, const struct tern_net_ent *e)
{
	put64(p, e->seq);
	put64(p + 8, (uint64_t)e->event_ns);
	put64(p + 16, (uint64_t)e->send_ns);
	put32(p + 24, e->type_id);
	put16(p + 28, e->version);
	put16(p + 30, e->tags_len);
	put32(p + 32, e->size);
	put32(p + 36, e->frag_off);
	put16(p + 40, e->frag_len);
	put16(p + 42, e->flags);
	put32(p + 44, 0);
}

/* One entry at p (avail bytes left), against max_msg. */
static enum tern_net_bad ent_check(const uint8_t *p, uint32_t avail, uint32_t max_msg,
				   uint32_t *used)
{
	struct tern_net_ent e;
	uint64_t total;

	if (avail < TERN_NET_ENT_LEN)
		return TERN_NET_BAD_LEN;
	ent_get(p, &e);
	if (TERN_NET_ENT_LEN + (uint32_t)e.frag_len > avail)
		return TERN_NET_BAD_LEN;
	total = (uint64_t)e.size + e.tags_len;
	if (e.seq == 0 || total > max_msg || (e.flags & ~TERN_NET_E_KNOWN) != 0 ||
	    (uint64_t)e.frag_off + e.frag_len > total)
		return TERN_NET_BAD_ENT;
	/* The last piece ends the message exactly; an earlier one carries bytes. */
	if ((e.flags & TERN_NET_E_LAST) ? (uint64_t)e.frag_off + e.frag_len != total
					 : e.frag_len == 0)
		return TERN_NET_BAD_ENT;
	*used = TERN_NET_ENT_LEN + e.frag_len;
	return TERN_NET_OK;
}

enum tern_net_bad tern_net_parse(const uint8_t *buf, uint32_t len, uint16_t port,
				 uint32_t max_msg, struct tern_net_view *v)
{
	const uint8_t *ip = buf + TERN_NET_ETH_LEN, *udp = ip + TERN_NET_IP_LEN;
	const uint8_t *th = udp + TERN_NET_UDP_LEN;
	uint32_t ip_len, udp_len, off, n;

	if (len < TERN_NET_ETH_LEN + TERN_NET_IP_LEN)
		return TERN_NET_BAD_SHORT;
	if (get16(buf + 12) != 0x0800 || ip[9] != 17)
		return TERN_NET_BAD_NOT_OURS;
	if (len < TERN_NET_L2L4_LEN)
		return TERN_NET_BAD_SHORT;
	if (port != 0 && get16(udp + 2) != port)
		return TERN_NET_BAD_NOT_OURS;
	/* IPv4 with no options, not fragmented (we never send IP fragments),
	 * the lengths inside the frame (a NIC may pad a short one). */
	ip_len = get16(ip + 2);
	if (ip[0] != 0x45 || (get16(ip + 6) & 0x3fff) != 0 || ip_len < TERN_NET_IP_LEN +
	    TERN_NET_UDP_LEN || ip_len > len - TERN_NET_ETH_LEN || ip_csum(ip) != 0)
		return TERN_NET_BAD_IP;
	udp_len = get16(udp + 4);
	if (udp_len != ip_len - TERN_NET_IP_LEN)
		return TERN_NET_BAD_UDP;
	if (udp_len < TERN_NET_UDP_LEN + TERN_NET_HDR_LEN)
		return TERN_NET_BAD_SHORT;
	hdr_get(th, &v->h);
	if (v->h.magic != TERN_NET_MAGIC)
		return TERN_NET_BAD_MAGIC;
	if (v->h.version != TERN_NET_VERSION)
		return TERN_NET_BAD_VERSION;
	if (v->h.type == 0 || v->h.type > TERN_NET_TYPE_MAX ||
	    (v->h.flags & ~TERN_NET_F_KNOWN) != 0 || v->h.session == 0)
		return TERN_NET_BAD_TYPE;
	v->src_ip = get32(ip + 12);
	v->src_port = get16(udp);
	v->dst_port = get16(udp + 2);
	v->body = th + TERN_NET_HDR_LEN;
	v->body_len = udp_len - TERN_NET_UDP_LEN - TERN_NET_HDR_LEN;
	if (v->h.type != TERN_NET_DATA) {
		/* A body is text (node name, topic, reason) of count bytes. */
		if (v->h.count != v->body_len || v->h.count >= TERN_NET_NAME_MAX)
			return TERN_NET_BAD_LEN;
		return TERN_NET_OK;
	}
	if (v->h.count == 0 || v->h.seq == 0)
		return TERN_NET_BAD_LEN;
	for (off = 0, n = 0; n < v->h.count; n++) {
		uint32_t used;
		enum tern_net_bad b = ent_check(v->body + off, v->body_len - off, max_msg, &used);
		if (b != TERN_NET_OK)
			return b;
		off += used;
	}
	return off == v->body_len ? TERN_NET_OK : TERN_NET_BAD_LEN;
}

void tern_net_ent_next(const struct tern_net_view *v, uint32_t *off, struct tern_net_ent *e)
{
	ent_get(v->body + *off, e);
	*off += TERN_NET_ENT_LEN + e->frag_len;
}

void tern_net_frame_begin(uint8_t *buf, const struct tern_net_addr *a,
			  const struct tern_net_hdr *h)
{
	uint8_t *ip = buf + TERN_NET_ETH_LEN, *udp = ip + TERN_NET_IP_LEN;
	uint8_t *th = udp + TERN_NET_UDP_LEN;

	memcpy(buf, a->dst_mac, 6);
	memcpy(buf + 6, a->src_mac, 6);
	put16(buf + 12, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 4, 0);               /* id: no fragments, so unused */
	put16(ip + 6, 0x4000);          /* DF */
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, a->src_ip);
	put32(ip + 16, a->dst_ip);
	put16(udp, a->src_port);
	put16(udp + 2, a->dst_port);
	put16(udp + 6, 0);              /* no UDP checksum (IPv4 allows it) */
	put16(th, TERN_NET_MAGIC);
	th[2] = TERN_NET_VERSION;
	th[3] = h->type;
	put16(th + 4, h->flags);
	put16(th + 6, h->count);
	put32(th + 8, h->session);
	put32(th + 12, h->stream);
	put64(th + 16, h->seq);
	put64(th + 24, h->arg);
}

void tern_net_frame_end(uint8_t *buf, uint32_t total, uint16_t count)
{
	uint8_t *ip = buf + TERN_NET_ETH_LEN, *udp = ip + TERN_NET_IP_LEN;

	put16(ip + 2, (uint16_t)(total - TERN_NET_ETH_LEN));
	put16(ip + 10, 0);
	put16(ip + 10, ip_csum(ip));
	put16(udp + 4, (uint16_t)(total - TERN_NET_ETH_LEN - TERN_NET_IP_LEN));
	put16(udp + TERN_NET_UDP_LEN + 6, count);
}
