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

#include <rte_hash_crc.h>

#include "log_record.h"

/*
 * CRC32C, hardware-assisted through DPDK's rte_hash_crc family.
 *
 * The crc32 instruction has a 3-cycle latency but a 1-cycle throughput,
 * so one dependency chain (what rte_hash_crc() runs) uses a third of it:
 * 1 KiB records spent more time in the CRC than in write().  Long inputs
 * are therefore cut into blocks of three equal parts, each part CRC'd as
 * its own chain, and the three results combined.  The CRC register is
 * linear over GF(2), so crc(c, A.B) = shift_|B|(crc(c, A)) ^ crc(0, B),
 * where shift_n (feeding n zero bytes) is itself linear in the 32-bit
 * register and is applied with four 256-entry tables per block size.
 */
#define TERN__CRC_BIG   256     /* part sizes of a 3-part block */
#define TERN__CRC_SMALL 32

static uint32_t tern__crc_shift_big[4][256];
static uint32_t tern__crc_shift_small[4][256];

static uint32_t
tern__crc_zeros(uint32_t crc, size_t n)
{
	for (size_t i = 0; i < n; i += 8)
		crc = rte_hash_crc_8byte(0, crc);
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

uint32_t
tern__crc32c(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0xffffffffu;

	for (; len >= 3 * TERN__CRC_BIG; p += 3 * TERN__CRC_BIG,
			len -= 3 * TERN__CRC_BIG)
		crc = tern__crc_block3(crc, p, TERN__CRC_BIG, tern__crc_shift_big);
	for (; len >= 3 * TERN__CRC_SMALL; p += 3 * TERN__CRC_SMALL,
			len -= 3 * TERN__CRC_SMALL)
		crc = tern__crc_block3(crc, p, TERN__CRC_SMALL,
				tern__crc_shift_small);
	/* rte_hash_crc() loads 8 bytes at a time through a uint64_t pointer:
	 * align the start first (records are checked from byte 4), so those
	 * loads are aligned and defined behaviour */
	while (((uintptr_t)p & 7) && len > 0) {
		crc = rte_hash_crc_1byte(*p++, crc);
		len--;
	}
	/* rte_hash_crc() is CRC32C without the final inversion */
	return ~rte_hash_crc(p, (uint32_t)len, crc);
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
		const void *tags, const void *payload)
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
	h->crc = tern__crc32c(p + 4, len - 4);
	memcpy(p, &h->crc, 4);
	return len;
}

size_t
tern__rec_encode(void *dst, const struct tern_log_msg *msg, uint64_t lsn,
		uint8_t flags)
{
	struct tern__rec_hdr h = {
		.flags = flags,
		.topic_len = msg->topic_len ? msg->topic_len :
			(uint16_t)strlen(msg->topic),
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
	return tern__rec_put(dst, &h, msg->topic, msg->tags, msg->payload);
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
	return tern__rec_put(dst, &h, "", "", name);
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
