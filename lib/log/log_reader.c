/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Readers: position once at open (directory listing, index lookups: may
 * allocate), then iterate with pread into a buffer sized at open.
 *
 * Rotation is followed through the seal record that ends every segment: it
 * names the next file, so a follower switches at once, without listing the
 * directory or waiting for a timer, and cannot skip a record because the
 * seal is written only after the old segment's last record.  Only when the
 * named file is gone (retention) does the reader list the directory, with
 * getdents into a fixed buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log_cursor.h"
#include "log_index.h"
#include "log_record.h"
#include "log_segment.h"

struct tern_log_reader {
	int dirfd;
	int fd;                       /* current segment, -1 before the first */
	char base[TERN__NAME_MAX];
	char seg_name[TERN__NAME_MAX];
	uint64_t seg_first_lsn;
	enum tern_log_start mode;
	uint64_t value;
	bool started;                 /* the start condition was met */
	bool gap;                     /* report -ENODATA once */
	uint64_t next_lsn;            /* expected next lsn, 0: unknown */
	struct tern__cursor cur;
	struct tern_log_damage dmg;
	struct timespec dir_seen;     /* directory mtime at the last listing */
	char scratch[4096];           /* getdents buffer */
};

/* @return 0 entered; -ENOENT no such file, or not the one that starts at
 * @p lsn (0: any); -EAGAIN the header is not all there (a segment being
 * created); -EBADMSG the header is bad; negative errno. */
static int
tern__reader_enter(struct tern_log_reader *r, const char *name, uint64_t lsn)
{
	struct tern__seg_hdr h;
	int fd = openat(r->dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	ssize_t n = pread(fd, &h, sizeof(h), 0);
	if (n != sizeof(h) || !tern__seg_hdr_ok(&h) ||
	    (lsn && h.first_lsn != lsn)) {
		close(fd);
		return n < 0 ? -errno : n != sizeof(h) ? -EAGAIN :
			!tern__seg_hdr_ok(&h) ? -EBADMSG : -ENOENT;
	}
	if (r->fd >= 0)
		close(r->fd);
	r->fd = fd;
	snprintf(r->seg_name, sizeof(r->seg_name), "%s", name);
	r->seg_first_lsn = h.first_lsn;
	/* Segment headers order the stream: no record of this segment may come
	 * before its first lsn, and a bogus high lsn in an earlier segment
	 * must not make every later record look stale. */
	r->next_lsn = h.first_lsn;
	tern__cursor_reset(&r->cur, fd, TERN__SEG_HDR);
	return 0;
}

/*
 * Enter segment @p seg or, when its header cannot be read, the first
 * segment after it.  An unreadable header is damage only when a later
 * segment exists: the writer creates a segment only after it finished the
 * one before, so without one this may be a segment being created.  Each
 * step looks strictly past the segment it gave up on, so the walk ends.
 * @return 0 entered; -EBADMSG entered a later segment, past a damaged one
 *   (tern_log_reader_damage() names it); -ENOENT @p seg does not exist;
 *   -EAGAIN nothing readable yet; negative errno.
 */
static int
tern__reader_enter_seg(struct tern_log_reader *r, struct tern__seg seg)
{
	bool skipped = false;

	for (bool first = true;; first = false) {
		int rc = tern__reader_enter(r, seg.name, seg.first_lsn);
		if (rc == 0)
			return skipped ? -EBADMSG : 0;
		if (rc == -ENOENT && first)
			return rc;
		if (rc != -EBADMSG && rc != -EAGAIN && rc != -ENOENT)
			return rc;
		struct tern__seg next;
		int f = tern__seg_find(r->dirfd, r->base, seg.first_lsn + 1, &next,
				r->scratch, sizeof(r->scratch));
		if (f <= 0)
			return f == 0 ? -EAGAIN : f;
		/* the later segment was created after this one was finished,
		 * which may have happened since we looked: look once more */
		rc = tern__reader_enter(r, seg.name, seg.first_lsn);
		if (rc == 0)
			return skipped ? -EBADMSG : 0;
		if (rc != -EBADMSG && rc != -EAGAIN && rc != -ENOENT)
			return rc;
		if (rc != -ENOENT) {
			struct stat st;
			snprintf(r->dmg.file, sizeof(r->dmg.file), "%s", seg.name);
			r->dmg.offset = 0;
			r->dmg.skipped = fstatat(r->dirfd, seg.name, &st, 0) == 0 ?
				(uint64_t)st.st_size : 0;
			skipped = true;
		}
		seg = next;
	}
}

/* Move to the segment starting at @p lsn, named @p name if known. */
static int
tern__reader_switch(struct tern_log_reader *r, const char *name, uint64_t lsn)
{
	struct tern__seg seg = {.first_lsn = lsn};
	int rc = -ENOENT;

	if (name) {
		snprintf(seg.name, sizeof(seg.name), "%s", name);
		rc = tern__reader_enter_seg(r, seg);
	}
	if (rc != -ENOENT)
		return rc;
	rc = tern__seg_find(r->dirfd, r->base, lsn, &seg, r->scratch,
			sizeof(r->scratch));
	if (rc <= 0)
		return rc == 0 ? -EAGAIN : rc;
	/* The named file may have been created while the directory was
	 * listed (a listing can miss entries added meanwhile): a later
	 * segment proves it was created, so if it is missing now it was
	 * deleted. */
	if (name && (rc = tern__reader_enter(r, name, lsn)) == 0)
		return 0;
	rc = tern__reader_enter_seg(r, seg);
	if (rc == 0 && lsn && seg.first_lsn > lsn)
		r->gap = true;
	return rc;
}

static void
tern__reader_damage(struct tern_log_reader *r, uint64_t at, uint64_t skipped)
{
	snprintf(r->dmg.file, sizeof(r->dmg.file), "%s", r->seg_name);
	r->dmg.offset = at;
	r->dmg.skipped = skipped;
}

/* The record at the cursor, when it is valid *and* in place (a valid CRC
 * in the wrong place is as bad as a broken one).  @return as
 * tern__cursor_peek(). */
static int
tern__reader_peek(struct tern_log_reader *r, const void **rec)
{
	int rc = tern__cursor_peek(&r->cur, rec);

	if (rc == 1 && !tern__rec_in_place(*rec, r->seg_first_lsn, r->next_lsn))
		rc = -EBADMSG;
	return rc;
}

/* Bytes at @p at (up to @p r->cur.off, the end of file) are no record: the
 * writer's unfinished tail, unless a newer segment exists, which the writer
 * creates only after sealing this one: then they are damage and the reader
 * moves on.  @return 1 to read on, -EBADMSG (moved to the next segment),
 * -EAGAIN, or negative errno. */
static int
tern__reader_bad_end(struct tern_log_reader *r, uint64_t at)
{
	struct tern__seg seg;
	uint64_t end = r->cur.off;
	int rc = tern__seg_find(r->dirfd, r->base, r->seg_first_lsn + 1, &seg,
			r->scratch, sizeof(r->scratch));

	tern__cursor_reset(&r->cur, r->fd, at);
	if (rc <= 0)
		return rc == 0 ? -EAGAIN : rc;
	/* this segment is final now: look once more in case the tail was
	 * completed between our read and the check */
	const void *rec;
	if (tern__reader_peek(r, &rec) == 1)
		return 1;        /* valid after all: go on reading */
	tern__reader_damage(r, at, end - at);
	rc = tern__reader_enter_seg(r, seg);
	return rc < 0 && rc != -EBADMSG ? rc : -EBADMSG;
}

/*
 * The cursor is at the end of the segment, on a record boundary: normally
 * the writer's tail.  A finished segment whose seal was cut off ends the
 * same way, and a follower would wait there for ever; a newer segment
 * proves this one is finished (the writer creates the next one only after
 * sealing this one).  The directory is listed only when its mtime moved,
 * or moved within the last second (a coarse clock tick can hide a
 * creation), so a follower at the tail costs one fstat per call.
 * @return 1 to read on, -ENODATA moved on past lost records, -EAGAIN, or
 *   negative errno.
 */
static int
tern__reader_clean_end(struct tern_log_reader *r, uint64_t at)
{
	struct stat st;
	struct timespec now;
	struct tern__seg seg;
	const void *rec;

	if (fstat(r->dirfd, &st) < 0)
		return -errno;
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	if (st.st_mtim.tv_sec == r->dir_seen.tv_sec &&
	    st.st_mtim.tv_nsec == r->dir_seen.tv_nsec)
		return -EAGAIN;
	if (now.tv_sec - st.st_mtim.tv_sec > 1)
		r->dir_seen = st.st_mtim;
	int rc = tern__seg_find(r->dirfd, r->base, r->seg_first_lsn + 1, &seg,
			r->scratch, sizeof(r->scratch));
	if (rc <= 0)
		return rc == 0 ? -EAGAIN : rc;
	/* the seal or more records may have come since we looked */
	tern__cursor_reset(&r->cur, r->fd, at);
	rc = tern__reader_peek(r, &rec);
	if (rc == 1)
		return 1;
	if (rc < 0 && rc != -EBADMSG)
		return rc;
	if (fstat(r->fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size > at)
		return 1;        /* a partial record: bad_end's business */
	uint64_t want = r->next_lsn;
	rc = tern__reader_enter_seg(r, seg);
	if (rc == 0 && want && seg.first_lsn > want)
		return -ENODATA;
	return rc < 0 ? rc : 1;
}

/* The segment a seal names is not there yet: the writer is between the
 * seal and the creation, unless a valid record follows the seal in its
 * own segment, where the writer never puts one: then the seal is damage
 * and is skipped.  @return -EAGAIN (at the seal again), -EBADMSG
 * (past it), or negative errno. */
static int
tern__reader_seal_followed(struct tern_log_reader *r, uint64_t at, uint32_t len)
{
	tern__cursor_reset(&r->cur, r->fd, at);
	int rc = tern__cursor_resync(&r->cur, r->next_lsn);
	if (rc == 1) {
		tern__cursor_reset(&r->cur, r->fd, at + len);
		tern__reader_damage(r, at, len);
		return -EBADMSG;
	}
	tern__cursor_reset(&r->cur, r->fd, at);
	return rc < 0 ? rc : -EAGAIN;
}

static bool
tern__reader_wanted(struct tern_log_reader *r, const struct tern_log_msg *m)
{
	if (r->started)
		return true;
	switch (r->mode) {
	case TERN_LOG_START_LSN:
		r->started = m->lsn >= r->value;
		break;
	case TERN_LOG_START_SEQ:
		r->started = m->seq >= r->value;
		break;
	case TERN_LOG_START_TIME:
		r->started = m->recv_ns >= (int64_t)r->value;
		break;
	default:
		r->started = true;
	}
	return r->started;
}

int
tern_log_reader_next(struct tern_log_reader *r, struct tern_log_msg *msg)
{
	int rc;

	if (r->fd < 0) {
		rc = tern__reader_switch(r, NULL, r->next_lsn);
		if (rc < 0)
			return rc;
	}
	if (r->gap) {
		r->gap = false;
		return -ENODATA;
	}
	for (;;) {
		const void *rec;
		uint8_t flags;

		rc = tern__reader_peek(r, &rec);
		if (rc < 0 && rc != -EBADMSG)
			return rc;
		if (rc == 1) {
			tern__rec_view(rec, msg, &flags);
			if (flags & TERN__REC_SEAL) {
				char name[TERN__SEAL_NAME];
				memcpy(name, msg->payload, sizeof(name));
				name[sizeof(name) - 1] = '\0';
				uint64_t at = r->cur.off;
				uint32_t len = ((const struct tern__rec_hdr *)rec)->len;
				rc = tern__reader_switch(r, name, msg->lsn);
				if (rc == -EAGAIN)
					rc = tern__reader_seal_followed(r, at, len);
				if (rc < 0)
					return rc;
				if (r->gap) {
					r->gap = false;
					return -ENODATA;
				}
				continue;
			}
			tern__cursor_skip(&r->cur,
					((const struct tern__rec_hdr *)rec)->len);
			r->next_lsn = msg->lsn + 1;
			if (tern__reader_wanted(r, msg))
				return 0;
			continue;
		}
		/* valid CRC but out of place counts as bad */
		/* The record at the cursor is unfinished or bad: damage if a
		 * valid record follows it, otherwise the writer's tail. */
		uint64_t at = r->cur.off;
		rc = tern__cursor_resync(&r->cur, r->next_lsn ? r->next_lsn : 1);
		if (rc < 0)
			return rc;
		if (rc == 0 && r->cur.off == at) {
			/* clean end of file */
			rc = tern__reader_clean_end(r, at);
			if (rc == 1)
				continue;
			return rc;
		}
		if (rc == 0) {
			rc = tern__reader_bad_end(r, at);
			if (rc == 1)
				continue;
			return rc;
		}
		/* Something valid follows.  A concurrent append may have
		 * completed the record at @p at since we looked: look again. */
		uint64_t found = r->cur.off;
		tern__cursor_reset(&r->cur, r->fd, at);
		if (tern__reader_peek(r, &rec) == 1)
			continue;
		tern__cursor_reset(&r->cur, r->fd, found);
		tern__reader_damage(r, at, found - at);
		return -EBADMSG;
	}
}

const struct tern_log_damage *
tern_log_reader_damage(const struct tern_log_reader *r)
{
	return &r->dmg;
}

/* Key of the first record of segment @p name (UINT64_MAX: none). */
static uint64_t
tern__first_key(int dirfd, const char *name, enum tern__idx_key key)
{
	struct tern__rec_hdr h;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return UINT64_MAX;
	ssize_t n = pread(fd, &h, sizeof(h), TERN__SEG_HDR);
	close(fd);
	if (n != sizeof(h) || h.magic != TERN__REC_MAGIC ||
	    (h.flags & TERN__REC_SEAL))
		return UINT64_MAX;
	return key == TERN__IDX_SEQ ? h.seq :
		key == TERN__IDX_TIME ? (uint64_t)h.recv_ns : h.lsn;
}

/* Skip to the end of the valid records (following seals). */
static int
tern__reader_to_end(struct tern_log_reader *r)
{
	struct tern_log_msg m;
	int rc;

	while ((rc = tern_log_reader_next(r, &m)) == 0 || rc == -EBADMSG ||
			rc == -ENODATA)
		;
	return rc == -EAGAIN ? 0 : rc;
}

static int
tern__reader_position(struct tern_log_reader *r)
{
	struct tern__seg *segs;
	int n = tern__seg_list(r->dirfd, r->base, &segs);
	int rc = 0;

	if (n <= 0)
		return n;      /* empty: the first segment is found by next() */
	enum tern__idx_key key = r->mode == TERN_LOG_START_SEQ ? TERN__IDX_SEQ :
		r->mode == TERN_LOG_START_TIME ? TERN__IDX_TIME : TERN__IDX_LSN;
	uint64_t value = r->value;
	int pick = 0;

	switch (r->mode) {
	case TERN_LOG_START_LATEST:
		pick = n - 1;
		value = UINT64_MAX;
		break;
	case TERN_LOG_START_LSN:
		for (pick = n - 1; pick > 0 && segs[pick].first_lsn > value; pick--)
			;
		break;
	case TERN_LOG_START_SEQ:
	case TERN_LOG_START_TIME:
		/* the last segment starting below the value holds it or
		 * ends just before it */
		for (pick = n - 1; pick > 0; pick--)
			if (tern__first_key(r->dirfd, segs[pick].name, key) < value)
				break;
		break;
	default:
		value = 0;
		break;
	}
	rc = tern__reader_enter(r, segs[pick].name, 0);
	if (rc == -EBADMSG || rc == -EAGAIN) {
		/* unreadable header: next() starts here and skips it when
		 * it is damage */
		r->next_lsn = segs[pick].first_lsn;
		rc = 0;
	} else if (rc == 0 && value != 0)
		tern__cursor_reset(&r->cur, r->fd, tern__index_seek(r->dirfd,
				segs[pick].name, r->fd, key, value));
	free(segs);
	if (rc == 0 && r->mode == TERN_LOG_START_LATEST)
		rc = tern__reader_to_end(r);
	return rc == -EAGAIN ? 0 : rc;
}

int
tern_log_reader_open(const char *dir, const char *prefix,
		enum tern_log_start start, uint64_t value,
		const struct tern_log_opts *opts, struct tern_log_reader **out)
{
	struct tern_log_opts o = opts ? *opts : (struct tern_log_opts){0};
	struct tern_log_reader *r;
	int rc;

	if (dir == NULL || prefix == NULL || out == NULL ||
	    start > TERN_LOG_START_TIME)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->fd = -1;
	r->mode = start;
	r->value = value;
	r->started = start == TERN_LOG_START_EARLIEST ||
		start == TERN_LOG_START_LATEST;
	uint32_t max_rec = o.max_record_bytes ? o.max_record_bytes : 1u << 20;
	if (max_rec < TERN__SEAL_LEN)
		max_rec = TERN__SEAL_LEN;
	rc = tern__cursor_init(&r->cur, o.buffer_bytes ? o.buffer_bytes :
			256u << 10, max_rec);
	if (rc < 0)
		goto out_free;
	rc = tern__stream_dir(dir, prefix, NULL, r->base);
	if (rc < 0)
		goto out_fini;
	r->dirfd = rc;
	rc = tern__reader_position(r);
	if (rc < 0)
		goto out_close;
	*out = r;
	return 0;

out_close:
	if (r->fd >= 0)
		close(r->fd);
	close(r->dirfd);
out_fini:
	tern__cursor_fini(&r->cur);
out_free:
	free(r);
	return rc;
}

void
tern_log_reader_close(struct tern_log_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	close(r->dirfd);
	tern__cursor_fini(&r->cur);
	free(r);
}
