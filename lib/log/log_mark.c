/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sequence high-water mark files (see log_mark.h for the why).
 *
 * Creation goes through a temporary name, fdatasync, rename and a
 * directory fsync, so the final name never holds a half-written file: a
 * damaged mark under it is damage, not a crash during creation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log_mark.h"
#include "log_record.h"

static void
tern__mark_slot_init(struct tern__mark_slot *s, uint64_t hi, uint32_t gen,
		uint32_t bound)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->magic, TERN__MARK_MAGIC, 8);
	s->version = 1;
	s->hi = hi;
	s->gen_bound = (uint64_t)bound << 32 | gen;
	s->crc = tern__crc32c((const uint8_t *)s + 16, 16);
}

static bool
tern__mark_slot_ok(const struct tern__mark_slot *s)
{
	return memcmp(s->magic, TERN__MARK_MAGIC, 8) == 0 && s->version == 1 &&
	       s->crc == tern__crc32c((const uint8_t *)s + 16, 16);
}

int
tern__mark_path(char *buf, size_t cap, const char *root, const char *topic)
{
	int n = snprintf(buf, cap, "%s/" TERN__MARK_DIR "/%s.tseq", root, topic);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int
tern__mark_create(int dirfd, const char *name, const struct tern__perm *perm,
		uint32_t step)
{
	struct tern__mark_slot s[2];
	char tmp[TERN__NAME_MAX + 16];
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			perm->file_mode);
	if (fd < 0)
		return -errno;
	/* copy gen % 2 holds generation gen: the next write (3) goes to 1 */
	tern__mark_slot_init(&s[0], 0, 2, step);
	tern__mark_slot_init(&s[1], 0, 1, step);
	if ((rc = tern__perm_apply(fd, perm, false)) == 0 &&
	    pwrite(fd, s, sizeof(s), 0) != (ssize_t)sizeof(s))
		rc = errno ? -errno : -EIO;
	if (rc == 0 && fdatasync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		rc = -errno;
	if (rc == 0 && fsync(dirfd) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

int
tern__mark_open(const char *root, const char *topic, uint32_t step,
		const struct tern__perm *perm, struct tern__mark *m)
{
	char prefix[TERN__NAME_MAX], base[TERN__NAME_MAX], name[TERN__NAME_MAX + 8];
	struct tern__mark_slot s[2];
	int dirfd, fd, rc;

	m->fd = -1;
	if (step == 0)
		return -EINVAL;
	if (snprintf(prefix, sizeof(prefix), TERN__MARK_DIR "/%s", topic) >=
	    (int)sizeof(prefix))
		return -ENAMETOOLONG;
	dirfd = tern__stream_dir(root, prefix, perm, base);
	if (dirfd < 0)
		return dirfd;
	snprintf(name, sizeof(name), "%s.tseq", base);
	fd = openat(dirfd, name, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		rc = tern__mark_create(dirfd, name, perm, step);
		fd = rc < 0 ? -1 : openat(dirfd, name, O_RDWR | O_CLOEXEC);
		if (rc == 0 && fd < 0)
			rc = -errno;
	} else {
		rc = fd < 0 ? -errno : 0;
	}
	close(dirfd);
	if (rc < 0)
		return rc;

	/* A short file leaves zeros, which no copy's CRC accepts. */
	memset(s, 0, sizeof(s));
	if (pread(fd, s, sizeof(s), 0) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	bool ok0 = tern__mark_slot_ok(&s[0]), ok1 = tern__mark_slot_ok(&s[1]);
	if (!ok0 && !ok1) {
		close(fd);
		return -EBADMSG;
	}
	/* The newer copy wins (generations compare modulo 2^32). */
	int cur = !ok0 ? 1 : !ok1 ? 0 :
		(int32_t)((uint32_t)s[1].gen_bound - (uint32_t)s[0].gen_bound) > 0;
	const struct tern__mark_slot *c = &s[cur];
	*m = (struct tern__mark){
		.fd = fd, .hi = c->hi, .gen = (uint32_t)c->gen_bound,
		.bound = (uint32_t)(c->gen_bound >> 32), .step = step,
	};
	if (!(ok0 && ok1)) {
		/* The damaged copy may have been the newer one: it raised hi by
		 * at most the bound the surviving one names. */
		m->hi += m->bound;
		m->repaired = true;
	}
	return 0;
}

static int
tern__mark_write(struct tern__mark *m, uint64_t hi, uint32_t bound)
{
	struct tern__mark_slot s;
	uint32_t gen = m->gen + 1;
	/* The other copy than the current one: copy gen % 2 holds gen. */
	off_t off = (off_t)(gen & 1) * TERN__MARK_SLOT;

	tern__mark_slot_init(&s, hi, gen, bound);
	if (pwrite(m->fd, &s, sizeof(s), off) != (ssize_t)sizeof(s))
		return errno ? -errno : -EIO;
	if (fdatasync(m->fd) < 0)
		return -errno;
	m->hi = hi;
	m->gen = gen;
	m->bound = bound;
	return 0;
}

int
tern__mark_set(struct tern__mark *m, uint64_t hi)
{
	int rc;

	if (m->fd < 0)
		return -EBADF;
	/* A raise past the current bound first widens the bound, so a torn
	 * second write still leaves a copy whose hi + bound covers it. */
	if (hi > m->hi && hi - m->hi > m->bound) {
		uint64_t d = hi - m->hi;
		if (d > UINT32_MAX)
			return -ERANGE;
		if ((rc = tern__mark_write(m, m->hi, (uint32_t)d)) < 0)
			return rc;
	}
	return tern__mark_write(m, hi, m->step);
}

void
tern__mark_close(struct tern__mark *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
