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

#include <rte_hash_crc.h>

#include "log_record.h"

uint32_t
tern__crc32c(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0xffffffffu;

	/* rte_hash_crc() loads 8 bytes at a time through a uint64_t pointer:
	 * align the start first (records are checked from byte 4), so those
	 * loads are aligned and defined behaviour */
	if (((uintptr_t)p & 7) == 4 && len >= 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		crc = rte_hash_crc_4byte(v, crc);
		p += 4;
		len -= 4;
	}
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
	/* memcpy(dst, NULL, 0) is undefined: an empty tag block may be NULL */
	if (h->topic_len)
		memcpy(p + TERN_LOG_RECORD_HDR, topic, h->topic_len);
	if (h->tags_len)
		memcpy(p + TERN_LOG_RECORD_HDR + h->topic_len, tags, h->tags_len);
	if (h->payload_len)
		memcpy(p + TERN_LOG_RECORD_HDR + h->topic_len + h->tags_len,
				payload, h->payload_len);
	memset(p + body, 0, len - body);
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
