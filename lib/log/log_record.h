/* SPDX-License-Identifier: Apache-2.0 */
/*
 * On-disk layouts of the log (see docs/log.md): the record, the segment
 * header and the index entry, with their encoders and checkers.  Every
 * multi-byte field is little-endian; tern only builds for little-endian
 * hosts, so the structs are the layouts and are copied with memcpy.
 */
#ifndef TERN_LOG_RECORD_H
#define TERN_LOG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/tern_log.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the log formats are little-endian and copied as host structs"
#endif

#define TERN__REC_MAGIC   0x4c54u      /* "TL" */
#define TERN__REC_VERSION 1
#define TERN__REC_SEAL    0x01u        /* flags: end of segment, payload names the next */
#define TERN__REC_ALIGN   8
#define TERN__SEAL_NAME   256          /* seal payload: NUL-padded file name */
#define TERN__SEAL_LEN    (TERN_LOG_RECORD_HDR + TERN__SEAL_NAME)

struct tern__rec_hdr {
	uint32_t crc;          /* CRC32C of bytes [4, len) */
	uint32_t len;          /* whole record, padded to 8 */
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint16_t topic_len;
	uint16_t type_version;
	uint64_t lsn;
	uint64_t seq;
	int64_t event_ns;
	int64_t send_ns;
	int64_t recv_ns;
	uint32_t type_id;
	uint32_t tags_len;
	uint32_t payload_len;
	uint32_t reserved;
};
_Static_assert(sizeof(struct tern__rec_hdr) == TERN_LOG_RECORD_HDR, "record header");

#define TERN__SEG_MAGIC "TLOGSEG1"
#define TERN__SEG_HDR   32

struct tern__seg_hdr {
	char magic[8];
	uint32_t version;
	uint32_t crc;          /* CRC32C of bytes [16, 32) */
	uint64_t first_lsn;
	int64_t created_ns;
};
_Static_assert(sizeof(struct tern__seg_hdr) == TERN__SEG_HDR, "segment header");

#define TERN__IDX_MAGIC "TLOGIDX1"
#define TERN__IDX_HDR   32

struct tern__idx_hdr {
	char magic[8];
	uint32_t version;
	uint32_t crc;          /* CRC32C of bytes [16, 32) */
	uint64_t first_lsn;
	uint64_t reserved;
};
_Static_assert(sizeof(struct tern__idx_hdr) == TERN__IDX_HDR, "index header");

struct tern__idx_entry {
	uint64_t lsn;
	uint64_t seq;
	int64_t recv_ns;
	uint64_t offset;
	uint32_t crc;          /* CRC32C of bytes [0, 32) */
	uint32_t reserved;
};
_Static_assert(sizeof(struct tern__idx_entry) == 40, "index entry");

/** Standard CRC32C (Castagnoli), hardware-assisted through DPDK. */
uint32_t tern__crc32c(const void *data, size_t len);

/** Record size for @p msg, padded; 0 if a length overflows a field. */
size_t tern__rec_size(const struct tern_log_msg *msg);

/** Encode @p msg with @p lsn into @p dst (room for tern__rec_size bytes).
 * @return the record size. */
size_t tern__rec_encode(void *dst, const struct tern_log_msg *msg,
		uint64_t lsn, uint8_t flags);

/** Encode like tern__rec_encode() (flags 0, topic length given) but leave
 * the CRC to tern__rec_finish()/tern__rec_finish3(), so a writer can CRC
 * three records at once when it flushes. */
size_t tern__rec_encode_nocrc(void *dst, const struct tern_log_msg *msg,
		uint16_t topic_len, uint64_t lsn);

/** Store the CRC of an encoded record. */
void tern__rec_finish(uint8_t *rec);

/** Store the CRCs of three encoded records, as three parallel chains: the
 * crc32 instruction's throughput is three times its latency, and small
 * records are too short to split. */
void tern__rec_finish3(uint8_t *a, uint8_t *b, uint8_t *c);

/** Encode a seal record naming @p next (< TERN__SEAL_NAME bytes). */
size_t tern__rec_encode_seal(void *dst, uint64_t next_lsn, const char *next);

/** Check the record at @p src (@p avail bytes there): header sanity,
 * lengths and CRC.  @return 1 valid; 0 needs more than @p avail bytes
 * (*need set); -EBADMSG invalid. */
int tern__rec_check(const void *src, size_t avail, uint32_t max_len,
		size_t *need);

/** Fill @p msg (pointing into @p src) from a checked record. */
void tern__rec_view(const void *src, struct tern_log_msg *msg,
		uint8_t *flags);

void tern__seg_hdr_init(struct tern__seg_hdr *h, uint64_t first_lsn,
		int64_t created_ns);
bool tern__seg_hdr_ok(const struct tern__seg_hdr *h);
void tern__idx_hdr_init(struct tern__idx_hdr *h, uint64_t first_lsn);
bool tern__idx_hdr_ok(const struct tern__idx_hdr *h);
void tern__idx_entry_init(struct tern__idx_entry *e, uint64_t lsn,
		uint64_t seq, int64_t recv_ns, uint64_t offset);
bool tern__idx_entry_ok(const struct tern__idx_entry *e);

#endif
