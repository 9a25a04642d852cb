/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record, segment-header and index-entry encoding.
 *
 * A record is self-describing (it carries its topic name, not an id into a
 * name table) so that any record can be read, checked and skipped alone:
 * damage never spreads past one record, and recovery needs no state beyond
 * the record.  The cost is the topic bytes per record; the benchmark
 * measures the log against writing these same bytes raw.
 */
#include <errno.h>
#include <string.h>

#include <nmmintrin.h>

#include "log_record.h"

/*
 * CRC32C with the SSE4.2 crc32 instruction (the build requires SSE4.2:
 * libdpdk's flags carry -march=corei7).
 *
 * DPDK's rte_hash_crc() runs the same instruction, but it re-checks its
 * run-time algorithm choice every 8 bytes and runs one dependency chain:
 * the instruction has a 3-cycle latency and a 1-cycle throughput, so two
 * thirds of it sat idle and 1 KiB records spent more time in the CRC than
 * in write().  Long inputs are therefore cut into blocks of three equal
 * parts, each CRC'd as its own chain, and the results combined.  The CRC
 * register is linear over GF(2), so crc(c, A.B) = shift_|B|(crc(c, A)) ^
 * crc(0, B), where shift_n (feeding n zero bytes) is itself linear in the
 * 32-bit register and is applied with four 256-entry tables per block size.
 * The unit test checks the result against DPDK's rte_hash_crc_1byte() at
 * every length and alignment.
 */
#define TERN__CRC_BIG   256     /* part sizes of a 3-part block */
#define TERN__CRC_SMALL 32

static uint32_t tern__crc_shift_big[4][256];
static uint32_t tern__crc_shift_small[4][256];

static uint32_t
tern__crc_zeros(uint32_t crc, size_t n)
{
	for (size_t i = 0; i < n; i += 8)
		crc = (uint32_t)_mm_crc32_u64(crc, 0);
	return crc;
}

static void __attribute__((constructor))
tern__crc_tables_init(void)
{
	for (int k = 0; k < 4; k++) {
		for (uint32_t b = 0; b < 256; b++) {
			tern__crc_shift_big[k][b] =
				tern__crc_zeros(b << (8 * k), TERN__CRC_BIG);
			tern__crc_shift_small[k][b] =
				tern__crc_zeros(b << (8 * k), TERN__CRC_SMALL);
		}
	}
}

static inline uint32_t
tern__crc_shift(const uint32_t t[4][256], uint32_t c)
{
	return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^
		t[3][c >> 24];
}

static inline uint64_t
tern__load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* One block of three @p part-byte parts. */
static inline uint32_t
tern__crc_block3(uint32_t crc, const uint8_t *p, size_t part,
		const uint32_t t[4][256])
{
	uint32_t c1 = 0, c2 = 0;

	for (size_t i = 0; i < part; i += 8) {
		crc = (uint32_t)_mm_crc32_u64(crc, tern__load64(p + i));
		c1 = (uint32_t)_mm_crc32_u64(c1, tern__load64(p + part + i));
		c2 = (uint32_t)_mm_crc32_u64(c2, tern__load64(p + 2 * part + i));
	}
	return tern__crc_shift(t, tern__crc_shift(t, crc) ^ c1) ^ c2;
}

/* The CRC register after @p len bytes at @p p, from @p crc. */
static uint32_t
tern__crc_update(uint32_t crc, const uint8_t *p, size_t len)
{
	for (; len >= 3 * TERN__CRC_BIG; p += 3 * TERN__CRC_BIG,
			len -= 3 * TERN__CRC_BIG)
		crc = tern__crc_block3(crc, p, TERN__CRC_BIG, tern__crc_shift_big);
	for (; len >= 3 * TERN__CRC_SMALL; p += 3 * TERN__CRC_SMALL,
			len -= 3 * TERN__CRC_SMALL)
		crc = tern__crc_block3(crc, p, TERN__CRC_SMALL,
				tern__crc_shift_small);
	for (; len >= 8; p += 8, len -= 8)
		crc = (uint32_t)_mm_crc32_u64(crc, tern__load64(p));
	if (len >= 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		crc = _mm_crc32_u32(crc, v);
		p += 4;
		len -= 4;
	}
	while (len-- > 0)
		crc = _mm_crc32_u8(crc, *p++);
	return crc;
}

uint32_t
tern__crc32c(const void *data, size_t len)
{
	return ~tern__crc_update(0xffffffffu, data, len);
}

static uint32_t
tern__rec_len(const uint8_t *rec)
{
	uint32_t len;

	memcpy(&len, rec + 4, 4);
	return len;
}

void
tern__rec_finish(uint8_t *rec)
{
	uint32_t crc = tern__crc32c(rec + 4, tern__rec_len(rec) - 4);

	memcpy(rec, &crc, 4);
}

void
tern__rec_finish3(uint8_t *a, uint8_t *b, uint8_t *c)
{
	size_t la = tern__rec_len(a) - 4, lb = tern__rec_len(b) - 4;
	size_t lc = tern__rec_len(c) - 4;
	size_t m = la < lb ? la : lb;
	uint32_t ca = 0xffffffffu, cb = ca, cc = ca;

	m = (m < lc ? m : lc) & ~(size_t)7;
	/* three records, three independent chains over their common length */
	for (size_t i = 0; i < m; i += 8) {
		ca = (uint32_t)_mm_crc32_u64(ca, tern__load64(a + 4 + i));
		cb = (uint32_t)_mm_crc32_u64(cb, tern__load64(b + 4 + i));
		cc = (uint32_t)_mm_crc32_u64(cc, tern__load64(c + 4 + i));
	}
	ca = ~tern__crc_update(ca, a + 4 + m, la - m);
	cb = ~tern__crc_update(cb, b + 4 + m, lb - m);
	cc = ~tern__crc_update(cc, c + 4 + m, lc - m);
	memcpy(a, &ca, 4);
	memcpy(b, &cb, 4);
	memcpy(c, &cc, 4);
}

static size_t
tern__align8(size_t n)
{
	return (n + TERN__REC_ALIGN - 1) & ~(size_t)(TERN__REC_ALIGN - 1);
}

size_t
tern__rec_size(const struct tern_log_msg *msg)
{
	size_t tlen = msg->topic_len ? msg->topic_len : strlen(msg->topic);

	if (tlen > UINT16_MAX)
		return 0;
	return tern__align8(TERN_LOG_RECORD_HDR + tlen + (size_t)msg->tags_len +
			(size_t)msg->payload_len);
}

static size_t
tern__rec_put(void *dst, struct tern__rec_hdr *h, const void *topic,
		const void *tags, const void *payload, bool crc)
{
	uint8_t *p = dst;
	size_t body = TERN_LOG_RECORD_HDR + (size_t)h->topic_len + h->tags_len +
		h->payload_len;
	size_t len = tern__align8(body);

	h->len = (uint32_t)len;
	h->magic = TERN__REC_MAGIC;
	h->version = TERN__REC_VERSION;
	h->reserved = 0;
	/* zero the padding with one store before the body lands on it */
	const uint64_t zero = 0;
	memcpy(p + len - 8, &zero, 8);
	/* memcpy(dst, NULL, 0) is undefined: an empty tag block may be NULL */
	if (h->topic_len)
		memcpy(p + TERN_LOG_RECORD_HDR, topic, h->topic_len);
	if (h->tags_len)
		memcpy(p + TERN_LOG_RECORD_HDR + h->topic_len, tags, h->tags_len);
	if (h->payload_len)
		memcpy(p + TERN_LOG_RECORD_HDR + h->topic_len + h->tags_len,
				payload, h->payload_len);
	h->crc = 0;
	memcpy(p, h, TERN_LOG_RECORD_HDR);
	if (crc)
		tern__rec_finish(p);
	return len;
}

static size_t
tern__rec_encode_msg(void *dst, const struct tern_log_msg *msg,
		uint16_t topic_len, uint64_t lsn, uint8_t flags, bool crc)
{
	struct tern__rec_hdr h = {
		.flags = flags,
		.topic_len = topic_len,
		.type_version = msg->type_version,
		.lsn = lsn,
		.seq = msg->seq,
		.event_ns = msg->event_ns,
		.send_ns = msg->send_ns,
		.recv_ns = msg->recv_ns,
		.type_id = msg->type_id,
		.tags_len = msg->tags_len,
		.payload_len = msg->payload_len,
	};
	return tern__rec_put(dst, &h, msg->topic, msg->tags, msg->payload, crc);
}

size_t
tern__rec_encode_nocrc(void *dst, const struct tern_log_msg *msg,
		uint16_t topic_len, uint64_t lsn)
{
	return tern__rec_encode_msg(dst, msg, topic_len, lsn, 0, false);
}

size_t
tern__rec_encode(void *dst, const struct tern_log_msg *msg, uint64_t lsn,
		uint8_t flags)
{
	uint16_t tlen = msg->topic_len ? msg->topic_len :
		(uint16_t)strlen(msg->topic);

	return tern__rec_encode_msg(dst, msg, tlen, lsn, flags, true);
}

size_t
tern__rec_encode_seal(void *dst, uint64_t next_lsn, const char *next)
{
	char name[TERN__SEAL_NAME] = {0};
	struct tern__rec_hdr h = {
		.flags = TERN__REC_SEAL,
		.lsn = next_lsn,
		.payload_len = TERN__SEAL_NAME,
	};

	strncpy(name, next, sizeof(name) - 1);
	return tern__rec_put(dst, &h, "", "", name, true);
}

int
tern__rec_check(const void *src, size_t avail, uint32_t max_len, size_t *need)
{
	struct tern__rec_hdr h;

	if (avail < 8) {
		*need = 8;
		return 0;
	}
	memcpy(&h, src, 8);
	if (h.len < TERN_LOG_RECORD_HDR || h.len % TERN__REC_ALIGN != 0 ||
	    h.len > max_len)
		return -EBADMSG;
	if (avail < h.len) {
		*need = h.len;
		return 0;
	}
	memcpy(&h, src, sizeof(h));
	if (h.magic != TERN__REC_MAGIC || h.version != TERN__REC_VERSION)
		return -EBADMSG;
	if (tern__align8(TERN_LOG_RECORD_HDR + (size_t)h.topic_len + h.tags_len +
			h.payload_len) != h.len)
		return -EBADMSG;
	if (tern__crc32c((const uint8_t *)src + 4, h.len - 4) != h.crc)
		return -EBADMSG;
	return 1;
}

void
tern__rec_view(const void *src, struct tern_log_msg *msg, uint8_t *flags)
{
	struct tern__rec_hdr h;
	const uint8_t *p = src;

	memcpy(&h, src, sizeof(h));
	msg->lsn = h.lsn;
	msg->topic = (const char *)p + TERN_LOG_RECORD_HDR;
	msg->topic_len = h.topic_len;
	msg->type_version = h.type_version;
	msg->type_id = h.type_id;
	msg->seq = h.seq;
	msg->event_ns = h.event_ns;
	msg->send_ns = h.send_ns;
	msg->recv_ns = h.recv_ns;
	msg->tags = p + TERN_LOG_RECORD_HDR + h.topic_len;
	msg->tags_len = h.tags_len;
	msg->payload = p + TERN_LOG_RECORD_HDR + h.topic_len + h.tags_len;
	msg->payload_len = h.payload_len;
	if (flags)
		*flags = h.flags;
}

void
tern__seg_hdr_init(struct tern__seg_hdr *h, uint64_t first_lsn,
		int64_t created_ns)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, TERN__SEG_MAGIC, 8);
	h->version = 1;
	h->first_lsn = first_lsn;
	h->created_ns = created_ns;
	h->crc = tern__crc32c((const uint8_t *)h + 16, 16);
}

bool
tern__seg_hdr_ok(const struct tern__seg_hdr *h)
{
	return memcmp(h->magic, TERN__SEG_MAGIC, 8) == 0 && h->version == 1 &&
		h->crc == tern__crc32c((const uint8_t *)h + 16, 16);
}

void
tern__idx_hdr_init(struct tern__idx_hdr *h, uint64_t first_lsn)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, TERN__IDX_MAGIC, 8);
	h->version = 1;
	h->first_lsn = first_lsn;
	h->crc = tern__crc32c((const uint8_t *)h + 16, 16);
}

bool
tern__idx_hdr_ok(const struct tern__idx_hdr *h)
{
	return memcmp(h->magic, TERN__IDX_MAGIC, 8) == 0 && h->version == 1 &&
		h->crc == tern__crc32c((const uint8_t *)h + 16, 16);
}

void
tern__idx_entry_init(struct tern__idx_entry *e, uint64_t lsn, uint64_t seq,
		int64_t recv_ns, uint64_t offset)
{
	e->lsn = lsn;
	e->seq = seq;
	e->recv_ns = recv_ns;
	e->offset = offset;
	e->reserved = 0;
	e->crc = tern__crc32c(e, 32);
}

bool
tern__idx_entry_ok(const struct tern__idx_entry *e)
{
	return e->crc == tern__crc32c(e, 32);
}

int
tern_log_tag_next(const void *tags, uint32_t tags_len, uint32_t *pos,
		const char **key, size_t *klen, const char **val, size_t *vlen)
{
	const char *p = tags;

	if (*pos >= tags_len)
		return 0;
	const char *s = p + *pos;
	const char *nul = memchr(s, '\0', tags_len - *pos);
	if (nul == NULL)
		return -EBADMSG;
	const char *eq = memchr(s, '=', (size_t)(nul - s));
	if (eq == NULL || eq == s)
		return -EBADMSG;
	*key = s;
	*klen = (size_t)(eq - s);
	*val = eq + 1;
	*vlen = (size_t)(nul - eq - 1);
	*pos = (uint32_t)(nul - p + 1);
	return 1;
}
