/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writer open: recovery of a stream after a crash or a clean stop.
 *
 * Rules (docs/log.md, "Recovery"):
 *  - the active (last) segment is scanned record by record; whatever
 *    follows its last valid record is a torn write and is truncated.  A bad
 *    record *followed by* a valid one is damage, not a tail: it stays and is
 *    reported, so a flipped bit never makes recovery throw good records away;
 *  - the segment before it must end with a seal naming it (a crash between
 *    creating the new segment and sealing the old leaves it unsealed): it is
 *    recovered the same way and sealed;
 *  - every index is checked and rebuilt from its segment when damaged;
 *  - the active segment is fdatasync'ed when the policy syncs, so what a
 *    dead writer left in the page cache is durable before new lsns follow.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log_index.h"
#include "log_writer_pvt.h"

/* Does @p seg end with a seal for @p next_lsn? */
static bool
tern__seg_sealed(int dirfd, const struct tern__seg *seg, uint64_t next_lsn)
{
	uint8_t b[TERN__SEAL_LEN];
	size_t need;
	struct tern_log_msg m;
	uint8_t flags = 0;

	if (seg->size < TERN__SEG_HDR + TERN__SEAL_LEN)
		return false;
	int fd = openat(dirfd, seg->name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = pread(fd, b, sizeof(b), (off_t)(seg->size - sizeof(b)));
	close(fd);
	if (n != sizeof(b) || tern__rec_check(b, sizeof(b), sizeof(b), &need) != 1)
		return false;
	tern__rec_view(b, &m, &flags);
	return (flags & TERN__REC_SEAL) && m.lsn == next_lsn;
}

/* Scan @p seg, rebuild its index, cut a torn tail (and a trailing seal when
 * @p drop_seal).  Fills @p s. */
static int
tern__seg_recover(struct tern_log_writer *w, struct tern__cursor *c,
		struct tern__seg *seg, bool drop_seal, struct tern__scan *s)
{
	int rc = tern__index_rebuild(w->dirfd, seg->name, c, w->every, &w->perm, s);
	if (rc < 0)
		return rc;
	if (!s->header_ok)
		return -EBADMSG;
	uint64_t end = s->valid_end;
	if (drop_seal && s->sealed)
		end -= TERN__SEAL_LEN;
	w->recovered_damage += s->damaged;
	if (s->file_size > end) {
		int fd = openat(w->dirfd, seg->name, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		rc = ftruncate(fd, (off_t)end) < 0 ? -errno : 0;
		close(fd);
		if (rc < 0)
			return rc;
		if (!(drop_seal && s->sealed))
			w->recovered_truncated += s->file_size - end;
	}
	seg->size = end;
	return 0;
}

/* A segment whose header never made it to disk (crash right after create)
 * holds nothing: remove it. */
static bool
tern__seg_stillborn(int dirfd, const struct tern__seg *seg)
{
	if (seg->size >= TERN__SEG_HDR)
		return false;
	char idx[TERN__NAME_MAX];
	tern__seg_idx_name(idx, seg->name);
	unlinkat(dirfd, seg->name, 0);
	unlinkat(dirfd, idx, 0);
	return true;
}

static int
tern__seal_prev(struct tern_log_writer *w, struct tern__cursor *c,
		struct tern__seg *prev, const struct tern__seg *last)
{
	struct tern__scan s;
	uint8_t seal[TERN__SEAL_LEN];

	if (tern__seg_sealed(w->dirfd, prev, last->first_lsn))
		return 0;
	int rc = tern__seg_recover(w, c, prev, true, &s);
	if (rc == -EBADMSG && !s.header_ok)
		return 0;     /* left as evidence (tern__recover_past_damage) */
	if (rc < 0)
		return rc;
	int fd = openat(w->dirfd, prev->name, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = tern__rec_encode_seal(seal, last->first_lsn, last->name);
	rc = write(fd, seal, n) == (ssize_t)n ? 0 : -EIO;
	if (rc == 0 && w->pol.fsync != TERN_LOG_FSYNC_NEVER && fdatasync(fd) < 0)
		rc = -errno;
	close(fd);
	prev->size += n;
	return rc;
}

/* The highest lsn of a valid record anywhere in @p seg, whose header is
 * damaged, trying every 8-byte boundary (0: none). */
static uint64_t
tern__seg_max_lsn(int dirfd, struct tern__cursor *c, const struct tern__seg *seg)
{
	uint64_t max = 0;
	const void *rec;
	int fd = openat(dirfd, seg->name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	/* resync steps one unit before it looks */
	tern__cursor_reset(c, fd, TERN__SEG_HDR - TERN__REC_ALIGN);
	while (tern__cursor_resync(c, seg->first_lsn) == 1 &&
	       tern__cursor_peek(c, &rec) == 1) {
		const struct tern__rec_hdr *h = rec;
		if (!(h->flags & TERN__REC_SEAL) && h->lsn > max)
			max = h->lsn;
		tern__cursor_skip(c, h->len - TERN__REC_ALIGN);
	}
	close(fd);
	return max;
}

/*
 * The active segment's header is damaged, so nothing can be appended to it
 * (readers would not trust what follows).  It stays as evidence and the
 * stream goes on in a new segment past every lsn it may hold: its name's
 * first lsn, and any valid record in it.  Readers skip it as damage once
 * the new segment exists.
 */
static int
tern__recover_past_damage(struct tern_log_writer *w, struct tern__cursor *c,
		int64_t now)
{
	struct tern__seg *bad = &w->segs[w->nseg - 1];
	uint64_t lsn = tern__seg_max_lsn(w->dirfd, c, bad) + 1;

	if (lsn <= bad->first_lsn)
		lsn = bad->first_lsn + 1;   /* never two segments with one first lsn */
	w->recovered_damage++;
	w->st.header_damage++;
	int rc = tern__segment_create(w, lsn, now, &w->segs[w->nseg], &w->fd,
			&w->idx_fd);
	if (rc < 0)
		return rc;
	w->nseg++;
	w->seg_size = TERN__SEG_HDR;
	w->next_lsn = lsn;
	return 0;
}

int
tern__writer_recover(struct tern_log_writer *w)
{
	struct tern__cursor c;
	struct tern__scan s;
	int64_t now = tern__writer_now(w);
	int rc = tern__seg_list(w->dirfd, w->base, &w->segs);

	if (rc < 0)
		return rc;
	w->nseg = (size_t)rc;
	while (w->nseg > 0 && tern__seg_stillborn(w->dirfd, &w->segs[w->nseg - 1]))
		w->nseg--;
	w->segcap = w->nseg < 16 ? 16 : w->nseg + 1;
	struct tern__seg *v = realloc(w->segs, w->segcap * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	w->segs = v;

	if (w->nseg == 0) {
		rc = tern__segment_create(w, 1, now, &w->segs[0], &w->fd,
				&w->idx_fd);
		if (rc < 0)
			return rc;
		w->nseg = 1;
		w->seg_size = TERN__SEG_HDR;
		w->next_lsn = 1;
		goto done;
	}

	rc = tern__cursor_init(&c, 1u << 20, w->max_rec);
	if (rc < 0)
		return rc;
	struct tern__seg *last = &w->segs[w->nseg - 1];
	rc = tern__seg_recover(w, &c, last, true, &s);
	if (rc == -EBADMSG && !s.header_ok) {
		rc = tern__recover_past_damage(w, &c, now);
		tern__cursor_fini(&c);
		if (rc < 0)
			return rc;
		goto done;
	}
	if (rc < 0)
		goto out;
	w->next_lsn = s.records ? s.last_lsn + 1 : s.first_lsn;
	if (w->nseg >= 2) {
		rc = tern__seal_prev(w, &c, &w->segs[w->nseg - 2], last);
		if (rc < 0)
			goto out;
	}
	for (size_t i = 0; i + 1 < w->nseg; i++) {
		struct tern__seg *g = &w->segs[i];
		int fd = openat(w->dirfd, g->name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* cheap check: header, CRCs, order, bounds, last entry */
		int ck = tern__index_check(w->dirfd, g->name, fd, g->size, 1,
				false);
		close(fd);
		if (ck < 0) {
			struct tern__scan gs;
			tern__index_rebuild(w->dirfd, g->name, &c, w->every, &w->perm,
					&gs);
		}
	}
	char idx[TERN__NAME_MAX];
	tern__seg_idx_name(idx, last->name);
	w->fd = openat(w->dirfd, last->name, O_RDWR | O_APPEND | O_CLOEXEC);
	if (w->fd < 0) {
		rc = -errno;
		goto out;
	}
	w->idx_fd = openat(w->dirfd, idx, O_WRONLY | O_APPEND | O_CLOEXEC);
	w->seg_size = last->size;
	w->idx_any = s.records > 0;
	w->idx_last_off = last->size;
	if (w->pol.fsync != TERN_LOG_FSYNC_NEVER && fdatasync(w->fd) < 0) {
		rc = -errno;
		close(w->fd);
		goto out;
	}
	rc = 0;
out:
	tern__cursor_fini(&c);
	if (rc < 0)
		return rc;
done:
	w->written = w->next_lsn - 1;
	atomic_store(&w->durable, w->written);
	w->next_rotate_ns = tern__next_rotation(w->segs[w->nseg - 1].created_ns,
			w->pol.rotate_utc_sec);
	tern__retention_apply(w, now);
	return 0;
}
