/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sparse segment index: one entry (lsn, seq, recv time, offset) for the
 * first record of a segment and then every index_every bytes.  The index is
 * a hint: it is never fsynced, every entry carries its own CRC, and one that
 * is missing, damaged or points past the valid data is rebuilt from the
 * segment (by a writer) or ignored (by a reader, which then scans).
 */
#ifndef TERN_LOG_INDEX_H
#define TERN_LOG_INDEX_H

#include <stdint.h>

#include "log_cursor.h"
#include "log_segment.h"

enum tern__idx_key { TERN__IDX_LSN, TERN__IDX_SEQ, TERN__IDX_TIME };

/** Scan segment @p seg_name and write its index afresh (temp + rename).
 * @return 0 with @p s filled, or negative errno. */
int tern__index_rebuild(int dirfd, const char *seg_name,
		struct tern__cursor *c, uint32_t every,
		const struct tern__perm *perm, struct tern__scan *s);

/**
 * Check the index of @p seg_name against the segment: header, entry CRCs,
 * increasing lsn and offset, every offset below @p valid_end; with @p full
 * each entry must match the record at its offset, otherwise only the last.
 * @return 0 valid; -ENOENT missing; -EBADMSG damaged; negative errno.
 */
int tern__index_check(int dirfd, const char *seg_name, int seg_fd,
		uint64_t valid_end, uint64_t records, bool full);

/**
 * Offset to start scanning from to find the first record whose @p key is
 * >= @p value: the last entry with a key < value (keys assumed
 * non-decreasing), or the first record when there is none or the index is
 * unusable.  Binary search with pread: allocates nothing.
 */
uint64_t tern__index_seek(int dirfd, const char *seg_name, int seg_fd,
		enum tern__idx_key key, uint64_t value);

#endif
