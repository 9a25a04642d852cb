/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A buffered record cursor over one segment file, shared by readers,
 * recovery, index rebuild and tools.
 *
 * It reads with pread into a buffer allocated once (no mmap: a segment
 * truncated by recovery under a mapping would raise SIGBUS in readers of
 * other processes) and hands out pointers to whole, CRC-checked records.
 */
#ifndef TERN_LOG_CURSOR_H
#define TERN_LOG_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/tern_log.h>

#include "log_record.h"

struct tern__cursor {
	int fd;
	uint32_t max_rec;
	uint8_t *buf;
	size_t cap;
	size_t head, tail;   /* buffered bytes buf[head, tail) */
	uint64_t off;        /* file offset of buf[head] */
};

/** Allocate the buffer (@p cap >= max_rec).  @return 0 or -ENOMEM. */
int tern__cursor_init(struct tern__cursor *c, size_t cap, uint32_t max_rec);
void tern__cursor_fini(struct tern__cursor *c);

/** Point at @p off of @p fd, dropping buffered bytes. */
void tern__cursor_reset(struct tern__cursor *c, int fd, uint64_t off);

/**
 * The record at the cursor.
 * @return 1 valid (*rec set); 0 the file ends inside it (buffered bytes are
 *   dropped, so a later call re-reads them); -EBADMSG invalid; negative
 *   errno from pread.
 */
int tern__cursor_peek(struct tern__cursor *c, const void **rec);

/** Step over the record just peeked (@p len bytes). */
void tern__cursor_skip(struct tern__cursor *c, uint32_t len);

/**
 * From the record at the cursor, find the next valid record with lsn >=
 * @p min_lsn, checking every 8-byte boundary.
 * @return 1 found (cursor there); 0 none before the end of file (cursor
 *   left at the end); negative errno.
 */
int tern__cursor_resync(struct tern__cursor *c, uint64_t min_lsn);

/**
 * Is the checked record @p rec where it may be, in a segment starting at
 * @p seg_first with @p next_lsn expected next?  lsns only grow, and a seal
 * names a later segment than its own: one that pointed back would send
 * readers round in a circle.  UINT64_MAX is no lsn (the next would wrap).
 */
static inline bool
tern__rec_in_place(const void *rec, uint64_t seg_first, uint64_t next_lsn)
{
	const struct tern__rec_hdr *h = rec;

	return h->lsn >= next_lsn && h->lsn != UINT64_MAX &&  /* lsn + 1 wraps */
		(!(h->flags & TERN__REC_SEAL) || h->lsn > seg_first);
}

/** What a whole-segment scan found. */
struct tern__scan {
	uint64_t records;      /* valid data records (seals excluded) */
	uint64_t first_lsn, last_lsn;
	uint64_t first_seq, last_seq;
	int64_t first_ns, last_ns;
	uint64_t valid_end;    /* end of the last valid record */
	uint64_t file_size;
	uint64_t damaged;      /* damaged regions before valid_end */
	uint64_t first_damage; /* offset of the first one */
	bool sealed;           /* last valid record is a seal */
	bool header_ok;
	uint64_t seal_lsn;
};

/** Per-record callback of tern__scan_segment (data records and seals);
 * return non-zero to stop.  Damage callback: offset and bytes skipped. */
typedef int (*tern__scan_rec_fn)(const void *rec, uint64_t off, void *clientd);
typedef void (*tern__scan_dmg_fn)(uint64_t off, uint64_t skipped,
		void *clientd);

/** Scan a whole segment from its header.  @return 0 or negative errno. */
int tern__scan_segment(struct tern__cursor *c, int fd, struct tern__scan *s,
		tern__scan_rec_fn on_rec, tern__scan_dmg_fn on_damage,
		void *clientd);

#endif
