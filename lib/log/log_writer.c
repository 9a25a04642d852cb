/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Appending: encode into a user-space buffer, hand it to the kernel once per
 * burst (tern_log_writer_flush), rotate, and publish the durable watermark.
 *
 * Append itself makes no system call (unless the buffer fills or the
 * segment rotates) and allocates nothing: the buffer, the index staging
 * array and the flusher slot are all sized at open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log_index.h"
#include "log_writer_pvt.h"
#include "common/tern_usdt.h"

int64_t
tern__writer_now(const struct tern_log_writer *w)
{
	if (w->clock)
		return w->clock(w->clock_clientd);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
tern__next_rotation(int64_t created_ns, int32_t tod_sec)
{
	const int64_t day = 86400LL * 1000000000;

	if (tod_sec < 0 || tod_sec >= 86400)
		return INT64_MAX;
	int64_t t = created_ns - created_ns % day + (int64_t)tod_sec * 1000000000;
	return t <= created_ns ? t + day : t;
}

static int
tern__write_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len > 0) {
		ssize_t n = write(fd, b, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

int
tern__segment_create(struct tern_log_writer *w, uint64_t lsn, int64_t now,
		struct tern__seg *seg, int *fd, int *idx_fd)
{
	char idx[TERN__NAME_MAX];
	struct tern__seg_hdr sh;
	struct tern__idx_hdr ih;
	int rc;

	rc = tern__seg_name(seg->name, sizeof(seg->name), w->base, now, lsn,
			".tlog");
	if (rc < 0)
		return rc;
	seg->first_lsn = lsn;
	seg->created_ns = now;
	seg->size = TERN__SEG_HDR;
	tern__seg_idx_name(idx, seg->name);
	*fd = openat(w->dirfd, seg->name,
			O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
			w->perm.file_mode);   /* read too: ticks check the header */
	if (*fd < 0)
		return -errno;
	*idx_fd = openat(w->dirfd, idx,
			O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
			w->perm.file_mode);
	if (*idx_fd < 0) {
		rc = -errno;
		goto out_unlink;
	}
	if ((rc = tern__perm_apply(*fd, &w->perm, false)) < 0 ||
	    (rc = tern__perm_apply(*idx_fd, &w->perm, false)) < 0)
		goto out_close_idx;
	tern__seg_hdr_init(&sh, lsn, now);
	tern__idx_hdr_init(&ih, lsn);
	rc = tern__write_all(*fd, &sh, sizeof(sh));
	if (rc == 0)
		rc = tern__write_all(*idx_fd, &ih, sizeof(ih));
	if (rc == 0)
		return 0;
out_close_idx:
	close(*idx_fd);
	unlinkat(w->dirfd, idx, 0);
out_unlink:
	close(*fd);
	unlinkat(w->dirfd, seg->name, 0);
	return rc;
}

/* Staged index entries to the kernel, after the data they point to.  Not
 * at every flush: with 1 KiB records that doubled the write() calls.  An
 * entry not yet written only makes a seek scan a little further (at most
 * TERN__IPEND entries' worth of segment); a write error only costs a
 * rebuild at the next open, since the index is a hint. */
static void
tern__writer_index_out(struct tern_log_writer *w)
{
	if (w->nipend && w->idx_fd >= 0 &&
	    tern__write_all(w->idx_fd, w->ipend,
			    w->nipend * sizeof(w->ipend[0])) < 0) {
		close(w->idx_fd);
		w->idx_fd = -1;
	}
	w->nipend = 0;
}

/*
 * A write to the active segment failed (a full disk, say): cut the segment
 * back to its last whole record and forget the buffered records, so the
 * writer can go on when the cause goes away instead of refusing for ever.
 * Their lsns are not given out again: the stream holds a gap there, which
 * readers skip like any other.  Only when the cut itself fails is the
 * error sticky.  @return @p rc.
 */
static int
tern__writer_lose(struct tern_log_writer *w, uint64_t keep, int rc)
{
	if (ftruncate(w->fd, (off_t)keep) < 0) {
		w->err = rc;
		return rc;
	}
	w->st.lost += (w->next_lsn - 1) - w->written;
	w->written = w->next_lsn - 1;   /* the gap: those lsns never come back */
	w->blen = 0;
	w->seg_size = keep;
	unsigned int n = 0;
	for (unsigned int i = 0; i < w->nipend; i++)
		if (w->ipend[i].offset < keep)
			w->ipend[n++] = w->ipend[i];
	w->nipend = n;
	w->idx_any = false;             /* the next record gets an entry */
	return rc;
}

/* Buffered bytes to the kernel; publish the watermark. */
static int
tern__writer_drain(struct tern_log_writer *w)
{
	int rc;

	if (w->err)
		return w->err;
	if (w->blen == 0)
		return 0;
	/* appends left the CRCs for now: three records at a time */
	uint8_t *r[3];
	unsigned int n = 0;
	for (size_t off = 0; off < w->blen;) {
		uint32_t len;
		r[n++] = w->buf + off;
		memcpy(&len, w->buf + off + 4, 4);
		off += len;
		if (n == 3) {
			tern__rec_finish3(r[0], r[1], r[2]);
			n = 0;
		}
	}
	for (unsigned int i = 0; i < n; i++)
		tern__rec_finish(r[i]);
	rc = tern__write_all(w->fd, w->buf, w->blen);
	if (rc < 0)
		return tern__writer_lose(w, w->seg_size - w->blen, rc);
	w->blen = 0;
	w->st.writes++;
	w->written = w->next_lsn - 1;
	if (w->fl)
		tern__flusher_written(w->fl, &w->slot, w->written);
	else
		atomic_store_explicit(&w->durable, w->written,
				memory_order_release);
	return 0;
}

static int
tern__writer_rotate(struct tern_log_writer *w, int64_t now)
{
	uint8_t seal[TERN__SEAL_LEN];
	struct tern__seg seg;
	int fd, idx_fd, rc;

	rc = tern__writer_drain(w);
	if (rc < 0)
		return rc;
	tern__writer_index_out(w);
	if (w->nseg == w->segcap) {
		size_t cap = w->segcap * 2;
		struct tern__seg *v = realloc(w->segs, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		w->segs = v;
		w->segcap = cap;
	}
	/* Seal first, then create: once the next segment exists, the old one
	 * is complete, which lets a reader tell a damaged end of segment from
	 * one still being written.  A crash in between leaves a seal naming a
	 * missing file, which recovery removes. */
	rc = tern__seg_name(seg.name, sizeof(seg.name), w->base, now,
			w->next_lsn, ".tlog");
	if (rc < 0)
		return rc;
	size_t n = tern__rec_encode_seal(seal, w->next_lsn, seg.name);
	rc = tern__write_all(w->fd, seal, n);
	if (rc == 0)
		rc = tern__segment_create(w, w->next_lsn, now, &seg, &fd, &idx_fd);
	if (rc < 0) {
		/* no new segment: take the seal back and stay in this one */
		if (ftruncate(w->fd, (off_t)w->seg_size) < 0)
			w->err = rc;
		return rc;
	}
	w->segs[w->nseg - 1].size = w->seg_size + n;
	w->segs[w->nseg++] = seg;
	if (w->idx_fd >= 0)
		close(w->idx_fd);
	if (w->fl)
		tern__flusher_rotate(w->fl, &w->slot, fd);
	else
		close(w->fd);
	w->fd = fd;
	w->idx_fd = idx_fd;
	w->seg_size = TERN__SEG_HDR;
	w->idx_any = false;
	w->next_rotate_ns = tern__next_rotation(now, w->pol.rotate_utc_sec);
	w->st.rotations++;
	tern__retention_apply(w, now);
	return 0;
}

int64_t
tern_log_writer_append(struct tern_log_writer *w, const struct tern_log_msg *msg)
{
	int rc;

	if (w->err)
		return w->err;
	if (msg == NULL || msg->topic == NULL ||
	    (msg->tags_len && msg->tags == NULL) ||
	    (msg->payload_len && msg->payload == NULL))
		return -EINVAL;
	size_t tlen = msg->topic_len ? msg->topic_len : strlen(msg->topic);
	if (tlen == 0)
		return -EINVAL;
	if (tlen > UINT16_MAX)
		return -EMSGSIZE;
	size_t size = (TERN_LOG_RECORD_HDR + tlen + (size_t)msg->tags_len +
			(size_t)msg->payload_len + 7) & ~(size_t)7;
	if (size > w->max_rec)
		return -EMSGSIZE;

	bool empty = w->seg_size == TERN__SEG_HDR;
	if (w->pol.segment_bytes && !empty &&
	    w->seg_size + size + TERN__SEAL_LEN > w->pol.segment_bytes) {
		rc = tern__writer_rotate(w, tern__writer_now(w));
		if (rc < 0)
			return rc;
	} else if (w->next_rotate_ns != INT64_MAX) {
		int64_t now = tern__writer_now(w);
		if (now >= w->next_rotate_ns) {
			if (empty)
				w->next_rotate_ns = tern__next_rotation(now,
						w->pol.rotate_utc_sec);
			else if ((rc = tern__writer_rotate(w, now)) < 0)
				return rc;
		}
	}
	if (w->blen + size > w->bcap && (rc = tern__writer_drain(w)) < 0)
		return rc;

	uint64_t lsn = w->next_lsn++;
	uint64_t off = w->seg_size;
	tern__rec_encode_nocrc(w->buf + w->blen, msg, (uint16_t)tlen, lsn);
	w->blen += size;
	w->seg_size += size;
	w->st.records++;
	w->st.bytes += size;
	if (!w->idx_any || off - w->idx_last_off >= w->every) {
		w->idx_any = true;
		w->idx_last_off = off;
		tern__idx_entry_init(&w->ipend[w->nipend++], lsn, msg->seq,
				msg->recv_ns, off);
		if (w->nipend == TERN__IPEND) {
			if ((rc = tern__writer_drain(w)) < 0)
				return rc;
			tern__writer_index_out(w);
		}
	}
	TERN_PROBE3(log_append, lsn, msg->seq, msg->payload_len);
	return (int64_t)lsn;
}

/*
 * Someone (a disk, a person) damaged the active segment's header under the
 * writer: readers would skip the whole segment as damage, so what follows
 * would be stored in vain.  Seal it and go on in a new segment (the
 * damaged one stays as evidence; readers move past it once the new one
 * exists).  With no record yet there is nothing to lose by rewriting it.
 */
static int
tern__writer_check_header(struct tern_log_writer *w, int64_t now)
{
	struct tern__seg_hdr h;
	struct tern__seg *seg = &w->segs[w->nseg - 1];

	if (pread(w->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		memset(&h, 0, sizeof(h));
	if (tern__seg_hdr_ok(&h) && h.first_lsn == seg->first_lsn)
		return 0;
	w->st.header_damage++;
	if (w->seg_size == TERN__SEG_HDR) {
		/* O_APPEND: pwrite would append, so cut and write it again (a
		 * crash in between leaves an empty file, which recovery drops) */
		tern__seg_hdr_init(&h, seg->first_lsn, seg->created_ns);
		if (ftruncate(w->fd, 0) < 0)
			return -errno;
		return tern__write_all(w->fd, &h, sizeof(h));
	}
	return tern__writer_rotate(w, now);
}

int
tern_log_writer_tick(struct tern_log_writer *w)
{
	int rc = tern__writer_drain(w);

	if (rc < 0)
		return rc;
	tern__writer_index_out(w);
	if ((rc = tern__writer_check_header(w, tern__writer_now(w))) < 0)
		return rc;
	if (w->next_rotate_ns == INT64_MAX)
		return 0;
	int64_t now = tern__writer_now(w);
	if (now < w->next_rotate_ns)
		return 0;
	if (w->seg_size == TERN__SEG_HDR) {        /* nothing to close */
		w->next_rotate_ns = tern__next_rotation(now, w->pol.rotate_utc_sec);
		return 0;
	}
	return tern__writer_rotate(w, now);
}

void
tern_log_writer_stats(const struct tern_log_writer *w,
		struct tern_log_writer_stats *st)
{
	*st = w->st;
	st->syncs = atomic_load_explicit(&w->slot.syncs, memory_order_relaxed);
}

int
tern_log_writer_flush(struct tern_log_writer *w)
{
	return tern__writer_drain(w);
}

int
tern_log_writer_sync(struct tern_log_writer *w)
{
	int rc = tern__writer_drain(w);

	if (rc < 0)
		return rc;
	tern__writer_index_out(w);
	if (w->fl)
		return tern__flusher_wait(w->fl, &w->slot, w->written);
	if (fdatasync(w->fd) < 0 || fsync(w->dirfd) < 0)
		return -errno;
	return 0;
}

int
tern_log_writer_error(const struct tern_log_writer *w)
{
	if (w->err)
		return w->err;
	return __atomic_load_n(&w->slot.err, __ATOMIC_RELAXED);
}

uint64_t
tern_log_writer_durable(const struct tern_log_writer *w)
{
	return atomic_load_explicit(&w->durable, memory_order_acquire);
}

uint64_t
tern_log_writer_last_lsn(const struct tern_log_writer *w)
{
	return w->next_lsn - 1;
}

int
tern__writer_open(const char *dir, const char *prefix,
		const struct tern_log_policy *policy,
		const struct tern_log_opts *opts, struct tern__flusher *fl,
		struct tern_log_writer **out)
{
	struct tern_log_opts o = opts ? *opts : (struct tern_log_opts){0};
	struct tern_log_writer *w;
	int rc;

	if (dir == NULL || prefix == NULL || policy == NULL || out == NULL ||
	    policy->fsync > TERN_LOG_FSYNC_ALWAYS ||
	    (policy->fsync == TERN_LOG_FSYNC_INTERVAL && policy->interval_ms == 0))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->fd = w->idx_fd = -1;
	w->pol = *policy;
	w->clock = o.clock;
	w->clock_clientd = o.clock_clientd;
	w->max_rec = o.max_record_bytes ? o.max_record_bytes : 1u << 20;
	if (w->max_rec < TERN__SEAL_LEN)
		w->max_rec = TERN__SEAL_LEN;
	w->every = o.index_every_bytes ? o.index_every_bytes : 64u << 10;
	w->bcap = o.buffer_bytes ? o.buffer_bytes : 256u << 10;
	if (w->bcap < w->max_rec)
		w->bcap = w->max_rec;
	w->buf = aligned_alloc(64, (w->bcap + 63) & ~(size_t)63);
	if (w->buf == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	tern__perm_init(&w->perm, &o);
	rc = tern__stream_dir(dir, prefix, &w->perm, w->base);
	if (rc < 0)
		goto out_free;
	w->dirfd = rc;
	rc = tern__writer_recover(w);
	if (rc < 0)
		goto out_close_dir;
	if (policy->fsync != TERN_LOG_FSYNC_NEVER) {
		if (fl == NULL) {
			rc = tern__flusher_create(&fl);
			if (rc < 0)
				goto out_close_files;
			w->own_fl = true;
		}
		w->fl = fl;
		w->slot.policy = policy->fsync;
		w->slot.interval_ms = policy->interval_ms;
		w->slot.dirfd = w->dirfd;
		w->slot.durable = &w->durable;
		w->slot.fd = w->fd;
		w->slot.written = w->slot.synced = w->written;
		tern__flusher_add(fl, &w->slot);
	}
	*out = w;
	return 0;

out_close_files:
	close(w->fd);
	if (w->idx_fd >= 0)
		close(w->idx_fd);
out_close_dir:
	close(w->dirfd);
out_free:
	free(w->segs);
	free(w->buf);
	free(w);
	return rc;
}

int
tern_log_writer_open(const char *dir, const char *prefix,
		const struct tern_log_policy *policy,
		const struct tern_log_opts *opts, struct tern_log_writer **out)
{
	return tern__writer_open(dir, prefix, policy, opts, NULL, out);
}

int
tern_log_writer_close(struct tern_log_writer *w)
{
	if (w == NULL)
		return 0;
	int rc = w->err ? w->err : tern_log_writer_sync(w);
	if (w->fl) {
		tern__flusher_remove(w->fl, &w->slot);
		if (w->own_fl)
			tern__flusher_destroy(w->fl);
	}
	close(w->fd);
	if (w->idx_fd >= 0)
		close(w->idx_fd);
	close(w->dirfd);
	free(w->segs);
	free(w->buf);
	free(w);
	return rc;
}
