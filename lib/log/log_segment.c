/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Segment naming and directory listing.
 *
 * Listing uses getdents64 into a caller's buffer instead of opendir(), which
 * mallocs: a reader that loses its next segment to retention must find the
 * following one without allocating.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log_segment.h"

struct tern__dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

void
tern__perm_init(struct tern__perm *p, const struct tern_log_opts *o)
{
	uint32_t m = o && o->file_mode ? o->file_mode & 0777 : 0640;

	p->file_mode = m;
	p->dir_mode = m | (m & 0444) >> 2;   /* x wherever r */
	p->gid = o ? o->gid : 0;
}

int
tern__perm_apply(int fd, const struct tern__perm *p, bool dir)
{
	if (fchmod(fd, dir ? p->dir_mode : p->file_mode) < 0)
		return -errno;
	if (p->gid && fchown(fd, (uid_t)-1, (gid_t)p->gid) < 0)
		return -errno;
	return 0;
}

int
tern__stream_dir(const char *root, const char *prefix,
		const struct tern__perm *create, char base[TERN__NAME_MAX])
{
	char path[4096];
	const char *slash = strrchr(prefix, '/');
	const char *b = slash ? slash + 1 : prefix;
	size_t blen = strlen(b);

	if (blen == 0 || prefix[0] == '/' || strstr(prefix, "..") != NULL)
		return -EINVAL;
	if (blen + TERN__SEG_SUFFIX_LEN >= TERN__NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(base, b, blen + 1);
	int n = snprintf(path, sizeof(path), "%s/%.*s", root,
			slash ? (int)(slash - prefix) : 0, prefix);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if (create) {
		/* mkdir -p below root, one component at a time */
		size_t rl = strlen(root) + 1;
		for (size_t i = rl; path[i - 1] != '\0'; i++) {
			if (path[i] != '/' && path[i] != '\0')
				continue;
			char c = path[i];
			path[i] = '\0';
			if (mkdir(path, create->dir_mode) == 0) {
				int d = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				int rc = d < 0 ? -errno : tern__perm_apply(d, create, true);
				if (d >= 0)
					close(d);
				if (rc < 0)
					return rc;
			} else if (errno != EEXIST) {
				return -errno;
			}
			path[i] = c;
		}
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void
tern__fmt_time(char buf[64], int64_t ns)
{
	time_t s = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;

	if (frac < 0) {
		frac += 1000000000;
		s--;
	}
	gmtime_r(&s, &tm);
	snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

int
tern__seg_name(char *buf, size_t cap, const char *base, int64_t created_ns,
		uint64_t first_lsn, const char *ext)
{
	time_t s = (time_t)(created_ns / 1000000000);
	struct tm tm;

	if (created_ns < 0)
		return -EINVAL;
	gmtime_r(&s, &tm);
	int n = snprintf(buf, cap,
			"%s-%04d%02d%02dT%02d%02d%02d.%09ldZ-%020" PRIu64 "%s",
			base, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			tm.tm_hour, tm.tm_min, tm.tm_sec,
			(long)(created_ns % 1000000000), first_lsn, ext);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

void
tern__seg_idx_name(char dst[TERN__NAME_MAX], const char *seg_name)
{
	size_t n = strlen(seg_name);

	memcpy(dst, seg_name, n + 1);
	if (n >= 5)
		memcpy(dst + n - 5, ".tidx", 5);
}

static bool
tern__digits(const char *s, size_t n, uint64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

bool
tern__seg_parse(const char *name, const char *base, int64_t *created_ns,
		uint64_t *first_lsn)
{
	size_t bl = strlen(base), nl = strlen(name);
	uint64_t ymd, hms, frac, lsn;

	if (nl != bl + TERN__SEG_SUFFIX_LEN || memcmp(name, base, bl) != 0)
		return false;
	const char *s = name + bl;
	if (s[0] != '-' || s[9] != 'T' || s[16] != '.' || s[26] != 'Z' ||
	    s[27] != '-' || strcmp(s + 48, ".tlog") != 0)
		return false;
	if (!tern__digits(s + 1, 8, &ymd) || !tern__digits(s + 10, 6, &hms) ||
	    !tern__digits(s + 17, 9, &frac) || !tern__digits(s + 28, 20, &lsn))
		return false;
	struct tm tm = {
		.tm_year = (int)(ymd / 10000) - 1900,
		.tm_mon = (int)(ymd / 100 % 100) - 1,
		.tm_mday = (int)(ymd % 100),
		.tm_hour = (int)(hms / 10000),
		.tm_min = (int)(hms / 100 % 100),
		.tm_sec = (int)(hms % 100),
	};
	*created_ns = (int64_t)timegm(&tm) * 1000000000 + (int64_t)frac;
	*first_lsn = lsn;
	return true;
}

/* Calls fn for every entry of dirfd; stops early when fn returns non-zero. */
static int
tern__dir_walk(int dirfd, void *scratch, size_t len,
		int (*fn)(const char *name, void *clientd), void *clientd)
{
	if (lseek(dirfd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		long n = syscall(SYS_getdents64, dirfd, scratch, len);
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (long pos = 0; pos < n;) {
			struct tern__dirent64 *d =
				(void *)((char *)scratch + pos);
			int rc = fn(d->d_name, clientd);
			if (rc != 0)
				return rc < 0 ? rc : 0;
			pos += d->d_reclen;
		}
	}
}

struct tern__find_ctx {
	const char *base;
	uint64_t min_lsn;
	struct tern__seg *out;
	int found;
};

static int
tern__find_cb(const char *name, void *clientd)
{
	struct tern__find_ctx *f = clientd;
	int64_t created;
	uint64_t lsn;

	if (!tern__seg_parse(name, f->base, &created, &lsn) || lsn < f->min_lsn)
		return 0;
	if (!f->found || lsn < f->out->first_lsn) {
		f->found = 1;
		f->out->first_lsn = lsn;
		f->out->created_ns = created;
		f->out->size = 0;
		snprintf(f->out->name, sizeof(f->out->name), "%s", name);
	}
	return 0;
}

int
tern__seg_find(int dirfd, const char *base, uint64_t min_lsn,
		struct tern__seg *out, void *scratch, size_t scratch_len)
{
	struct tern__find_ctx f = {base, min_lsn, out, 0};
	int rc = tern__dir_walk(dirfd, scratch, scratch_len, tern__find_cb, &f);

	return rc < 0 ? rc : f.found;
}

struct tern__list_ctx {
	const char *base;
	struct tern__seg *v;
	size_t n, cap;
	int err;
};

static int
tern__list_cb(const char *name, void *clientd)
{
	struct tern__list_ctx *l = clientd;
	struct tern__seg s;

	if (!tern__seg_parse(name, l->base, &s.created_ns, &s.first_lsn))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct tern__seg *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	s.size = 0;
	snprintf(s.name, sizeof(s.name), "%s", name);
	l->v[l->n++] = s;
	return 0;
}

static int
tern__seg_cmp(const void *a, const void *b)
{
	const struct tern__seg *x = a, *y = b;

	return x->first_lsn < y->first_lsn ? -1 : x->first_lsn > y->first_lsn;
}

int
tern__seg_list(int dirfd, const char *base, struct tern__seg **out)
{
	struct tern__list_ctx l = {.base = base};
	char scratch[8192];
	int rc = tern__dir_walk(dirfd, scratch, sizeof(scratch),
			tern__list_cb, &l);

	if (rc < 0) {
		free(l.v);
		return rc;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), tern__seg_cmp);
	for (size_t i = 0; i < l.n; i++) {
		struct stat st;
		if (fstatat(dirfd, l.v[i].name, &st, 0) == 0)
			l.v[i].size = (uint64_t)st.st_size;
	}
	*out = l.v;
	return (int)l.n;
}

struct tern__bases_ctx {
	void (*fn)(const char *base, void *clientd);
	void *clientd;
};

static int
tern__bases_cb(const char *name, void *clientd)
{
	struct tern__bases_ctx *b = clientd;
	size_t n = strlen(name);
	char base[TERN__NAME_MAX];
	int64_t created;
	uint64_t lsn;

	if (n <= TERN__SEG_SUFFIX_LEN || n >= sizeof(base))
		return 0;
	memcpy(base, name, n - TERN__SEG_SUFFIX_LEN);
	base[n - TERN__SEG_SUFFIX_LEN] = '\0';
	if (!tern__seg_parse(name, base, &created, &lsn))
		return 0;
	b->fn(base, b->clientd);
	return 0;
}

int
tern__seg_bases(int dirfd, void (*fn)(const char *base, void *clientd),
		void *clientd)
{
	struct tern__bases_ctx b = {fn, clientd};
	char scratch[8192];

	return tern__dir_walk(dirfd, scratch, sizeof(scratch),
			tern__bases_cb, &b);
}
