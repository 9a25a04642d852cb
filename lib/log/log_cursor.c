/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record cursor and segment scan.
 *
 * A record whose check fails is either damage (something valid follows it)
 * or the unfinished tail of the file (nothing valid follows).  Resync tells
 * them apart by looking for a later valid record on 8-byte boundaries, where
 * every record starts; a random match needs the magic, consistent lengths
 * and a CRC32C to agree, so it does not happen in practice.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_cursor.h"
#include "log_record.h"

int
tern__cursor_init(struct tern__cursor *c, size_t cap, uint32_t max_rec)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (cap < (size_t)max_rec + 4096)
		cap = (size_t)max_rec + 4096;
	cap = (cap + 63) & ~(size_t)63;
	c->buf = aligned_alloc(64, cap);
	if (c->buf == NULL)
		return -ENOMEM;
	c->cap = cap;
	c->max_rec = max_rec;
	return 0;
}

void
tern__cursor_fini(struct tern__cursor *c)
{
	free(c->buf);
	c->buf = NULL;
}

void
tern__cursor_reset(struct tern__cursor *c, int fd, uint64_t off)
{
	c->fd = fd;
	c->off = off;
	c->head = c->tail = 0;
}

/* Read more after the buffered bytes so that at least @p need are there.
 * @return bytes now buffered from head, or negative errno. */
static ssize_t
tern__cursor_fill(struct tern__cursor *c, size_t need)
{
	if (c->head + need > c->cap) {
		memmove(c->buf, c->buf + c->head, c->tail - c->head);
		c->tail -= c->head;
		c->head = 0;
	}
	while (c->tail - c->head < need) {
		ssize_t n = pread(c->fd, c->buf + c->tail, c->cap - c->tail,
				(off_t)(c->off + (c->tail - c->head)));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		c->tail += (size_t)n;
	}
	return (ssize_t)(c->tail - c->head);
}

int
tern__cursor_peek(struct tern__cursor *c, const void **rec)
{
	for (;;) {
		size_t need = 0;
		int rc = tern__rec_check(c->buf + c->head, c->tail - c->head,
				c->max_rec, &need);
		if (rc != 0) {
			*rec = c->buf + c->head;
			return rc;
		}
		ssize_t got = tern__cursor_fill(c, need);
		if (got < 0)
			return (int)got;
		if ((size_t)got < need) {
			/* unfinished: forget it, it may be rewritten */
			c->tail = c->head;
			return 0;
		}
	}
}

void
tern__cursor_skip(struct tern__cursor *c, uint32_t len)
{
	c->head += len;
	c->off += len;
	if (c->head > c->tail)
		c->head = c->tail;   /* never: callers skip what they peeked */
}

int
tern__cursor_resync(struct tern__cursor *c, uint64_t min_lsn)
{
	for (;;) {
		/* step one alignment unit, then try a record there */
		ssize_t got = tern__cursor_fill(c, TERN__REC_ALIGN);
		if (got < 0)
			return (int)got;
		size_t step = (size_t)got < TERN__REC_ALIGN ? (size_t)got :
			TERN__REC_ALIGN;
		c->head += step;
		c->off += step;
		if (step < TERN__REC_ALIGN)
			return 0;

		struct tern__rec_hdr h;
		got = tern__cursor_fill(c, TERN_LOG_RECORD_HDR);
		if (got < 0)
			return (int)got;
		if ((size_t)got < TERN_LOG_RECORD_HDR)
			continue;
		memcpy(&h, c->buf + c->head, sizeof(h));
		if (h.magic != TERN__REC_MAGIC || h.version != TERN__REC_VERSION ||
		    h.len < TERN_LOG_RECORD_HDR || h.len > c->max_rec ||
		    h.len % TERN__REC_ALIGN != 0 || h.lsn < min_lsn)
			continue;
		got = tern__cursor_fill(c, h.len);
		if (got < 0)
			return (int)got;
		size_t need;
		if ((size_t)got >= h.len &&
		    tern__rec_check(c->buf + c->head, (size_t)got, c->max_rec,
				    &need) == 1)
			return 1;
	}
}

int
tern__scan_segment(struct tern__cursor *c, int fd, struct tern__scan *s,
		tern__scan_rec_fn on_rec, tern__scan_dmg_fn on_damage,
		void *clientd)
{
	struct tern__seg_hdr sh;
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (fstat(fd, &st) < 0)
		return -errno;
	s->file_size = (uint64_t)st.st_size;
	ssize_t n = pread(fd, &sh, sizeof(sh), 0);
	if (n < 0)
		return -errno;
	s->header_ok = n == sizeof(sh) && tern__seg_hdr_ok(&sh);
	if (!s->header_ok)
		return 0;
	s->valid_end = TERN__SEG_HDR;
	s->first_lsn = sh.first_lsn;
	tern__cursor_reset(c, fd, TERN__SEG_HDR);

	uint64_t next_lsn = sh.first_lsn;
	for (;;) {
		const void *rec = NULL;
		int rc = tern__cursor_peek(c, &rec);
		if (rc < 0 && rc != -EBADMSG)
			return rc;
		if (rc == 1) {
			struct tern_log_msg m;
			uint8_t flags;
			uint64_t off = c->off;

			tern__rec_view(rec, &m, &flags);
			if (!tern__rec_in_place(rec, sh.first_lsn, next_lsn)) {
				rc = -EBADMSG;      /* valid CRC, wrong place */
			} else {
				if (flags & TERN__REC_SEAL) {
					s->sealed = true;
					s->seal_lsn = m.lsn;
				} else {
					if (s->records++ == 0) {
						s->first_lsn = m.lsn;
						s->first_seq = m.seq;
						s->first_ns = m.recv_ns;
					}
					s->sealed = false;
					s->last_lsn = m.lsn;
					s->last_seq = m.seq;
					s->last_ns = m.recv_ns;
					next_lsn = m.lsn + 1;
				}
				uint32_t len = ((const struct tern__rec_hdr *)rec)->len;
				tern__cursor_skip(c, len);
				s->valid_end = c->off;
				if (on_rec && on_rec(rec, off, clientd) != 0)
					return 0;
				continue;
			}
		}
		if (rc == 0)
			return 0;                   /* unfinished tail */
		uint64_t bad = c->off;
		rc = tern__cursor_resync(c, next_lsn);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return 0;                   /* garbage tail */
		if (s->damaged++ == 0)
			s->first_damage = bad;
		if (on_damage)
			on_damage(bad, c->off - bad, clientd);
	}
}
