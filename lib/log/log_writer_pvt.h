/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writer internals shared by log_writer.c (append, flush, rotation),
 * log_recover.c (open) and log_retention.c.  Do not include elsewhere.
 */
#ifndef TERN_LOG_WRITER_PVT_H
#define TERN_LOG_WRITER_PVT_H

#include <stdatomic.h>

#include "log_cursor.h"
#include "log_flusher.h"
#include "log_record.h"
#include "log_segment.h"

#define TERN__IPEND 64

struct tern_log_writer {
	int dirfd;
	char base[TERN__NAME_MAX];
	struct tern_log_policy pol;
	tern_log_clock_fn clock;
	void *clock_clientd;
	uint32_t max_rec;
	uint32_t every;
	struct tern__perm perm;

	/* segments, oldest first; the last is the active one */
	struct tern__seg *segs;
	size_t nseg, segcap;
	int fd;                      /* active segment, O_APPEND */
	int idx_fd;                  /* its index, O_APPEND */
	uint64_t seg_size;           /* bytes in it, buffered ones included */
	uint64_t idx_last_off;
	bool idx_any;
	int64_t next_rotate_ns;      /* INT64_MAX: no time rotation */

	uint8_t *buf;
	size_t blen, bcap;
	struct tern__idx_entry ipend[TERN__IPEND];
	unsigned int nipend;

	uint64_t next_lsn;
	uint64_t written;            /* last lsn handed to the kernel */
	_Atomic uint64_t durable;
	int err;                     /* sticky I/O error */

	struct tern__flusher *fl;    /* NULL under TERN_LOG_FSYNC_NEVER */
	bool own_fl;
	struct tern__fslot slot;

	struct tern_log_writer_stats st;   /* syncs: see slot */
	uint64_t recovered_damage;   /* damaged regions seen at open */
	uint64_t recovered_truncated;/* torn-tail bytes cut at open */
};

int64_t tern__writer_now(const struct tern_log_writer *w);
/** Next UTC time-of-day rotation after @p created_ns (INT64_MAX: off). */
int64_t tern__next_rotation(int64_t created_ns, int32_t tod_sec);
/** Create segment file + index for first lsn @p lsn at @p now.
 * @return 0 with *fd and *idx_fd open, or negative errno. */
int tern__segment_create(struct tern_log_writer *w, uint64_t lsn, int64_t now,
		struct tern__seg *seg, int *fd, int *idx_fd);
/** Recover the stream's files and set the writer up to append. */
int tern__writer_recover(struct tern_log_writer *w);
/** Delete old segments beyond the retention limits. */
void tern__retention_apply(struct tern_log_writer *w, int64_t now);
/** Internal open sharing @p fl (NULL: private flusher when needed). */
int tern__writer_open(const char *dir, const char *prefix,
		const struct tern_log_policy *policy,
		const struct tern_log_opts *opts, struct tern__flusher *fl,
		struct tern_log_writer **out);

#endif
