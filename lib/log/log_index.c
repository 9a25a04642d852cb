/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sparse index build, check and lookup (format in docs/log.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log_index.h"
#include "log_record.h"
#include "log_segment.h"

struct tern__rebuild {
	int fd;
	uint32_t every;
	uint64_t last_off;
	bool any;
	struct tern__idx_entry pend[128];
	unsigned int npend;
	int err;
};

static void
tern__rebuild_flush(struct tern__rebuild *b)
{
	size_t len = b->npend * sizeof(b->pend[0]);

	if (b->npend && b->err == 0 && write(b->fd, b->pend, len) != (ssize_t)len)
		b->err = -EIO;
	b->npend = 0;
}

static int
tern__rebuild_rec(const void *rec, uint64_t off, void *clientd)
{
	struct tern__rebuild *b = clientd;
	struct tern_log_msg m;
	uint8_t flags;

	tern__rec_view(rec, &m, &flags);
	if (flags & TERN__REC_SEAL)
		return 0;
	if (b->any && off - b->last_off < b->every)
		return 0;
	b->any = true;
	b->last_off = off;
	tern__idx_entry_init(&b->pend[b->npend++], m.lsn, m.seq,
			m.recv_ns, off);
	if (b->npend == sizeof(b->pend) / sizeof(b->pend[0]))
		tern__rebuild_flush(b);
	return 0;
}

int
tern__index_rebuild(int dirfd, const char *seg_name, struct tern__cursor *c,
		uint32_t every, const struct tern__perm *perm, struct tern__scan *s)
{
	char idx[TERN__NAME_MAX], tmp[TERN__NAME_MAX + 8];
	struct tern__rebuild b = {.every = every ? every : 1};
	struct tern__idx_hdr h;
	int rc;

	int sfd = openat(dirfd, seg_name, O_RDONLY | O_CLOEXEC);
	if (sfd < 0)
		return -errno;
	tern__seg_idx_name(idx, seg_name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", idx);
	b.fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			perm->file_mode);
	if (b.fd < 0) {
		rc = -errno;
		goto out_close_seg;
	}
	if ((rc = tern__perm_apply(b.fd, perm, false)) < 0)
		goto out_close_idx;
	/* entries go after the header, which needs the scan's first lsn */
	if (lseek(b.fd, sizeof(h), SEEK_SET) < 0) {
		rc = -errno;
		goto out_close_idx;
	}
	rc = tern__scan_segment(c, sfd, s, tern__rebuild_rec, NULL, &b);
	if (rc < 0)
		goto out_close_idx;
	tern__rebuild_flush(&b);
	tern__idx_hdr_init(&h, s->first_lsn);
	if (pwrite(b.fd, &h, sizeof(h), 0) != sizeof(h))
		rc = -EIO;
out_close_idx:
	close(b.fd);
	if (rc == 0)
		rc = b.err;
	if (rc == 0 && renameat(dirfd, tmp, dirfd, idx) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dirfd, tmp, 0);
out_close_seg:
	close(sfd);
	return rc;
}

/* Does the record at @p off of @p fd match entry @p e? */
static bool
tern__entry_matches(int fd, const struct tern__idx_entry *e)
{
	struct tern__rec_hdr h;

	if (pread(fd, &h, sizeof(h), (off_t)e->offset) != sizeof(h))
		return false;
	return h.magic == TERN__REC_MAGIC && h.lsn == e->lsn &&
		h.seq == e->seq && h.recv_ns == e->recv_ns &&
		(h.flags & TERN__REC_SEAL) == 0;
}

int
tern__index_check(int dirfd, const char *seg_name, int seg_fd,
		uint64_t valid_end, uint64_t records, bool full)
{
	char idx[TERN__NAME_MAX];
	struct tern__idx_hdr h;
	struct tern__idx_entry e, prev = {0};
	int rc = 0;

	tern__seg_idx_name(idx, seg_name);
	int fd = openat(dirfd, idx, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) || !tern__idx_hdr_ok(&h)) {
		rc = -EBADMSG;
		goto out;
	}
	uint64_t n = 0;
	for (;; n++) {
		ssize_t got = pread(fd, &e, sizeof(e),
				(off_t)(sizeof(h) + n * sizeof(e)));
		if (got == 0)
			break;
		if (got != sizeof(e) || !tern__idx_entry_ok(&e) ||
		    e.offset < TERN__SEG_HDR || e.offset >= valid_end ||
		    (n > 0 && (e.lsn <= prev.lsn || e.offset <= prev.offset)) ||
		    (full && !tern__entry_matches(seg_fd, &e))) {
			rc = -EBADMSG;
			goto out;
		}
		prev = e;
	}
	/* a segment with records has an entry for its first one */
	if ((n == 0 && records > 0) ||
	    (n > 0 && !tern__entry_matches(seg_fd, &prev)))
		rc = -EBADMSG;
out:
	close(fd);
	return rc;
}

static uint64_t
tern__entry_key(const struct tern__idx_entry *e, enum tern__idx_key key)
{
	switch (key) {
	case TERN__IDX_SEQ:
		return e->seq;
	case TERN__IDX_TIME:
		return (uint64_t)e->recv_ns;
	default:
		return e->lsn;
	}
}

uint64_t
tern__index_seek(int dirfd, const char *seg_name, int seg_fd,
		enum tern__idx_key key, uint64_t value)
{
	char idx[TERN__NAME_MAX];
	struct tern__idx_hdr h;
	struct tern__idx_entry e, hit = {0};
	uint64_t best = TERN__SEG_HDR;

	tern__seg_idx_name(idx, seg_name);
	int fd = openat(dirfd, idx, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return best;
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < (off_t)sizeof(h) ||
	    pread(fd, &h, sizeof(h), 0) != sizeof(h) || !tern__idx_hdr_ok(&h))
		goto out;
	/* find the last entry with key < value */
	uint64_t lo = 0, hi = ((uint64_t)end - sizeof(h)) / sizeof(e);
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (pread(fd, &e, sizeof(e), (off_t)(sizeof(h) + mid * sizeof(e)))
				!= sizeof(e) || !tern__idx_entry_ok(&e)) {
			best = TERN__SEG_HDR;    /* damaged: scan from the start */
			goto out;
		}
		if (tern__entry_key(&e, key) < value) {
			best = e.offset;
			hit = e;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	/* an index older than a truncation may point past the data */
	if (best != TERN__SEG_HDR && !tern__entry_matches(seg_fd, &hit))
		best = TERN__SEG_HDR;
out:
	close(fd);
	return best;
}
