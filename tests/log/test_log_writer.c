/* SPDX-License-Identifier: Apache-2.0 */
/* Writer: append/read back, rotation by size and by UTC time, retention,
 * index rebuild, recovery of a torn tail. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log/log_cursor.h"
#include "log/log_index.h"
#include "log/log_segment.h"
#include "log_test_util.h"

static const char *const dir = tlt_dir;

static void
append_n(struct tern_log_writer *w, uint64_t from, uint64_t n, uint32_t len)
{
	struct tlt_msg t;

	for (uint64_t s = from; s < from + n; s++) {
		tlt_msg_init(&t, "md.eq.AAPL", s, len);
		int64_t lsn = tern_log_writer_append(w, &t.m);
		assert_int_equal(lsn, (int64_t)s);
		if (s % 16 == 0)
			assert_int_equal(tern_log_writer_flush(w), 0);
	}
	assert_int_equal(tern_log_writer_flush(w), 0);
}

/* Read everything from the earliest record; returns the count, checks
 * contiguity from @p first and content. */
static uint64_t
read_all(const char *prefix, uint64_t first, uint32_t len)
{
	struct tern_log_reader *r;
	struct tern_log_msg m;
	uint64_t want = first, n = 0;
	int rc;

	assert_int_equal(tern_log_reader_open(dir, prefix,
			TERN_LOG_START_EARLIEST, 0, NULL, &r), 0);
	while ((rc = tern_log_reader_next(r, &m)) == 0) {
		assert_int_equal(m.lsn, want);
		assert_true(tlt_msg_check(&m, "md.eq.AAPL", want, len));
		want++;
		n++;
	}
	assert_int_equal(rc, -EAGAIN);
	tern_log_reader_close(r);
	return n;
}

static void
appended_records_read_back_identical(void **state)
{
	struct tern_log_policy pol = {.rotate_utc_sec = -1};
	struct tern_log_writer *w;

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "s", &pol, NULL, &w), 0);
	append_n(w, 1, 1000, 100);
	assert_int_equal(tern_log_writer_last_lsn(w), 1000);
	assert_int_equal(tern_log_writer_durable(w), 1000);
	assert_int_equal(tern_log_writer_close(w), 0);
	assert_int_equal(read_all("s", 1, 100), 1000);

	/* reopen continues the numbering */
	assert_int_equal(tern_log_writer_open(dir, "s", &pol, NULL, &w), 0);
	append_n(w, 1001, 10, 100);
	assert_int_equal(tern_log_writer_close(w), 0);
	assert_int_equal(read_all("s", 1, 100), 1010);
}

static void
append_rejects_bad_messages(void **state)
{
	struct tern_log_policy pol = {.rotate_utc_sec = -1};
	struct tern_log_opts o = {.max_record_bytes = 1024};
	struct tern_log_writer *w;
	struct tlt_msg t;

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "s", &pol, &o, &w), 0);
	tlt_msg_init(&t, "a", 1, 2000);
	assert_int_equal(tern_log_writer_append(w, &t.m), -EMSGSIZE);
	tlt_msg_init(&t, "", 1, 10);
	assert_int_equal(tern_log_writer_append(w, &t.m), -EINVAL);
	assert_int_equal(tern_log_writer_append(w, NULL), -EINVAL);
	assert_int_equal(tern_log_writer_close(w), 0);
	struct tern_log_policy bad = {.fsync = TERN_LOG_FSYNC_INTERVAL};
	assert_int_equal(tern_log_writer_open(dir, "s", &bad, NULL, &w), -EINVAL);
	assert_int_equal(tern_log_writer_open(dir, "../x", &pol, NULL, &w), -EINVAL);
}

static void
segments_rotate_by_size_and_sort_by_time(void **state)
{
	struct tern_log_policy pol = {.segment_bytes = 8192, .rotate_utc_sec = -1};
	struct tern_log_writer *w;
	char a[512], b[512];

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "sz", &pol, NULL, &w), 0);
	append_n(w, 1, 500, 150);
	assert_int_equal(tern_log_writer_close(w), 0);
	int n = tlt_count(dir, ".tlog");
	assert_true(n >= 500 * 240 / 8192);
	assert_int_equal(tlt_count(dir, ".tidx"), n);
	for (int i = 0; i < n; i++) {
		struct stat st;
		assert_int_equal(tlt_nth(dir, ".tlog", i, a, sizeof(a)), 0);
		assert_int_equal(stat(a, &st), 0);
		assert_true(st.st_size <= 8192);
		if (i > 0) {
			assert_int_equal(tlt_nth(dir, ".tlog", i - 1, b, sizeof(b)), 0);
			assert_true(strcmp(b, a) < 0);
		}
	}
	assert_int_equal(read_all("sz", 1, 150), 500);
}

static void
segments_rotate_when_utc_time_of_day_passes(void **state)
{
	/* 2026-11-23 23:59:58 UTC, rotation at midnight */
	int64_t now = 1795478398LL * 1000000000;
	struct tern_log_opts o = {.clock = tlt_clock, .clock_clientd = &now};
	struct tern_log_policy pol = {.rotate_utc_sec = 0};
	struct tern_log_writer *w;
	char p[512];

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "tod", &pol, &o, &w), 0);
	append_n(w, 1, 5, 10);
	now += 1000000000;            /* 23:59:59: no rotation yet */
	append_n(w, 6, 5, 10);
	assert_int_equal(tlt_count(dir, ".tlog"), 1);
	now += 2000000000;            /* 00:00:01 next day */
	append_n(w, 11, 5, 10);
	assert_int_equal(tlt_count(dir, ".tlog"), 2);
	assert_int_equal(tlt_nth(dir, ".tlog", 0, p, sizeof(p)), 0);
	assert_non_null(strstr(p, "tod-20261123T235958.000000000Z-00000000000000000001.tlog"));
	assert_int_equal(tlt_nth(dir, ".tlog", 1, p, sizeof(p)), 0);
	assert_non_null(strstr(p, "tod-20261124T000001.000000000Z-00000000000000000011.tlog"));
	now += 3600LL * 1000000000;   /* same day: no rotation */
	append_n(w, 16, 5, 10);
	assert_int_equal(tlt_count(dir, ".tlog"), 2);
	now += 86400LL * 1000000000;  /* a day later */
	append_n(w, 21, 5, 10);
	assert_int_equal(tlt_count(dir, ".tlog"), 3);
	assert_int_equal(tern_log_writer_close(w), 0);
	assert_int_equal(read_all("tod", 1, 10), 25);
}

static void
tick_rotates_an_idle_stream_at_the_boundary(void **state)
{
	int64_t now = 1795478398LL * 1000000000;   /* 23:59:58 UTC */
	struct tern_log_opts o = {.clock = tlt_clock, .clock_clientd = &now};
	struct tern_log_policy pol = {.rotate_utc_sec = 0};
	struct tern_log_writer *w;
	struct tern_log_reader *r;
	struct tern_log_msg m;
	struct tlt_msg t;

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "idle", &pol, &o, &w), 0);
	assert_int_equal(tern_log_reader_open(dir, "idle", TERN_LOG_START_EARLIEST,
			0, NULL, &r), 0);
	tlt_msg_init(&t, "md.eq.AAPL", 1, 10);
	assert_int_equal(tern_log_writer_append(w, &t.m), 1);
	assert_int_equal(tern_log_reader_next(r, &m), -EAGAIN);  /* buffered */
	assert_int_equal(tern_log_writer_tick(w), 0);             /* flushes */
	assert_int_equal(tern_log_reader_next(r, &m), 0);
	assert_int_equal(tlt_count(dir, ".tlog"), 1);
	now += 3LL * 1000000000;                                  /* 00:00:01 */
	assert_int_equal(tern_log_writer_tick(w), 0);
	assert_int_equal(tlt_count(dir, ".tlog"), 2);
	assert_int_equal(tern_log_writer_tick(w), 0);             /* empty: stays */
	now += 86400LL * 1000000000;
	assert_int_equal(tern_log_writer_tick(w), 0);
	assert_int_equal(tlt_count(dir, ".tlog"), 2);
	/* the follower moves to the new segment and gets what comes next */
	tlt_msg_init(&t, "md.eq.AAPL", 2, 10);
	assert_int_equal(tern_log_writer_append(w, &t.m), 2);
	assert_int_equal(tern_log_writer_flush(w), 0);
	assert_int_equal(tern_log_reader_next(r, &m), 0);
	assert_int_equal(m.lsn, 2);
	tern_log_reader_close(r);
	assert_int_equal(tern_log_writer_close(w), 0);
}

static void
retention_by_size_keeps_the_newest_and_the_active(void **state)
{
	struct tern_log_policy pol = {.segment_bytes = 4096,
		.retain_bytes = 4 * 4096, .rotate_utc_sec = -1};
	struct tern_log_writer *w;

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "ret", &pol, NULL, &w), 0);
	append_n(w, 1, 2000, 64);
	int n = tlt_count(dir, ".tlog");
	assert_true(n >= 2 && n <= 5);
	assert_int_equal(tlt_count(dir, ".tidx"), n);
	assert_int_equal(tern_log_writer_close(w), 0);

	/* the earliest record now is well past 1, and the rest is contiguous */
	struct tern_log_reader *r;
	struct tern_log_msg m;
	assert_int_equal(tern_log_reader_open(dir, "ret", TERN_LOG_START_EARLIEST,
			0, NULL, &r), 0);
	assert_int_equal(tern_log_reader_next(r, &m), 0);
	uint64_t first = m.lsn, last = m.lsn;
	assert_true(first > 1000);
	while (tern_log_reader_next(r, &m) == 0)
		assert_int_equal(m.lsn, ++last);
	assert_int_equal(last, 2000);
	tern_log_reader_close(r);

	/* a tiny limit never deletes the active segment */
	pol.retain_bytes = 1;
	assert_int_equal(tern_log_writer_open(dir, "ret", &pol, NULL, &w), 0);
	assert_int_equal(tlt_count(dir, ".tlog"), 1);
	append_n(w, 2001, 1, 64);
	assert_int_equal(tern_log_writer_close(w), 0);
	assert_int_equal(tlt_count(dir, ".tlog"), 1);
}

static void
retention_by_age_counts_from_the_segment_close(void **state)
{
	int64_t now = 1795478398LL * 1000000000, hour = 3600LL * 1000000000;
	struct tern_log_opts o = {.clock = tlt_clock, .clock_clientd = &now};
	struct tern_log_policy pol = {.segment_bytes = 4096,
		.retain_ns = (uint64_t)(2 * hour), .rotate_utc_sec = -1};
	struct tern_log_writer *w;

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "age", &pol, &o, &w), 0);
	append_n(w, 1, 40, 64);              /* segment A (+ rotation to B) */
	int n0 = tlt_count(dir, ".tlog");
	assert_true(n0 >= 2);
	now += hour;
	append_n(w, 41, 40, 64);             /* more, closed an hour later */
	int n1 = tlt_count(dir, ".tlog");
	assert_true(n1 > n0);
	now += 2 * hour - 1;
	append_n(w, 81, 40, 64);
	/* segments closed at t0 are now 3h-1ns old but their successors were
	 * created at t0: everything closed at t0 is gone */
	int n2 = tlt_count(dir, ".tlog");
	assert_true(n2 < n1 + (n1 - n0) + 1);
	assert_int_equal(tern_log_writer_close(w), 0);
	struct tern_log_reader *r;
	struct tern_log_msg m;
	assert_int_equal(tern_log_reader_open(dir, "age", TERN_LOG_START_EARLIEST,
			0, NULL, &r), 0);
	assert_int_equal(tern_log_reader_next(r, &m), 0);
	assert_true(m.lsn > 1);
	assert_true(m.lsn <= 41);
	tern_log_reader_close(r);
}

static void
damaged_or_missing_index_is_rebuilt(void **state)
{
	struct tern_log_policy pol = {.segment_bytes = 16384, .rotate_utc_sec = -1};
	struct tern_log_opts o = {.index_every_bytes = 512};
	struct tern_log_writer *w;
	char p[512];

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "ix", &pol, &o, &w), 0);
	append_n(w, 1, 300, 100);
	assert_int_equal(tern_log_writer_close(w), 0);
	int n = tlt_count(dir, ".tidx");
	assert_true(n >= 3);
	/* delete the first index, flip a byte in an entry of the second */
	assert_int_equal(tlt_nth(dir, ".tidx", 0, p, sizeof(p)), 0);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(tlt_nth(dir, ".tidx", 0, p, sizeof(p)), 0);  /* now 2nd */
	int fd = open(p, O_RDWR);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, 32 + 40 + 9), 1);
	b ^= 0x10;
	assert_int_equal(pwrite(fd, &b, 1, 32 + 40 + 9), 1);
	close(fd);
	assert_int_equal(tlt_count(dir, ".tidx"), n - 1);

	/* a reader copes without them: LSN seeks scan instead */
	struct tern_log_reader *r;
	struct tern_log_msg m;
	assert_int_equal(tern_log_reader_open(dir, "ix", TERN_LOG_START_LSN, 17,
			NULL, &r), 0);
	assert_int_equal(tern_log_reader_next(r, &m), 0);
	assert_int_equal(m.lsn, 17);
	tern_log_reader_close(r);

	/* the writer's open rebuilds both */
	assert_int_equal(tern_log_writer_open(dir, "ix", &pol, &o, &w), 0);
	assert_int_equal(tern_log_writer_close(w), 0);
	assert_int_equal(tlt_count(dir, ".tidx"), n);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < n; i++) {
		assert_int_equal(tlt_nth(dir, ".tlog", i, p, sizeof(p)), 0);
		const char *name = strrchr(p, '/') + 1;
		int sfd = open(p, O_RDONLY);
		struct stat st;
		fstat(sfd, &st);
		assert_int_equal(tern__index_check(dfd, name, sfd,
				(uint64_t)st.st_size, 1, true), 0);
		close(sfd);
	}
	close(dfd);
}

static void
reopen_truncates_a_torn_tail_and_continues(void **state)
{
	struct tern_log_policy pol = {.rotate_utc_sec = -1};
	struct tern_log_writer *w;
	char p[512];
	struct stat st;

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "torn", &pol, NULL, &w), 0);
	append_n(w, 1, 50, 100);
	assert_int_equal(tern_log_writer_close(w), 0);
	assert_int_equal(tlt_nth(dir, ".tlog", 0, p, sizeof(p)), 0);
	assert_int_equal(stat(p, &st), 0);
	off_t good = st.st_size;
	/* half a record's worth of something */
	int fd = open(p, O_WRONLY | O_APPEND);
	uint8_t junk[100];
	memset(junk, 0xa5, sizeof(junk));
	junk[4] = 200;   /* plausible length */
	junk[5] = junk[6] = junk[7] = 0;
	assert_int_equal(write(fd, junk, sizeof(junk)), sizeof(junk));
	close(fd);

	assert_int_equal(tern_log_writer_open(dir, "torn", &pol, NULL, &w), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, good);
	assert_int_equal(tern_log_writer_last_lsn(w), 50);
	append_n(w, 51, 5, 100);
	assert_int_equal(tern_log_writer_close(w), 0);
	assert_int_equal(read_all("torn", 1, 100), 55);
}

static void
sync_makes_every_policy_durable(void **state)
{
	static const struct tern_log_policy pols[] = {
		{.fsync = TERN_LOG_FSYNC_NEVER, .rotate_utc_sec = -1},
		{.fsync = TERN_LOG_FSYNC_INTERVAL, .interval_ms = 5,
			.segment_bytes = 4096, .rotate_utc_sec = -1},
		{.fsync = TERN_LOG_FSYNC_ALWAYS, .segment_bytes = 4096,
			.rotate_utc_sec = -1},
	};
	char prefix[16];

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct tern_log_writer *w;
		snprintf(prefix, sizeof(prefix), "p%d", i);
		assert_int_equal(tern_log_writer_open(dir, prefix, &pols[i], NULL, &w), 0);
		struct tlt_msg t;
		for (uint64_t s = 1; s <= 300; s++) {
			tlt_msg_init(&t, "md.eq.AAPL", s, 64);
			assert_int_equal(tern_log_writer_append(w, &t.m), (int64_t)s);
			if (s % 8 == 0)
				assert_int_equal(tern_log_writer_flush(w), 0);
			assert_true(tern_log_writer_durable(w) <= s);
		}
		assert_int_equal(tern_log_writer_sync(w), 0);
		assert_int_equal(tern_log_writer_durable(w), 300);
		/* the flusher catches up on its own too */
		tlt_msg_init(&t, "md.eq.AAPL", 301, 64);
		assert_int_equal(tern_log_writer_append(w, &t.m), 301);
		assert_int_equal(tern_log_writer_flush(w), 0);
		for (int k = 0; k < 2000 && tern_log_writer_durable(w) < 301; k++)
			usleep(1000);
		assert_int_equal(tern_log_writer_durable(w), 301);
		assert_int_equal(tern_log_writer_close(w), 0);
	}
}

/* Issue 7: after one failed write (a full disk) the writer refused every
 * append until it was reopened.  RLIMIT_FSIZE makes writes past a size
 * fail (EFBIG) deterministically, without a file system of that size. */
static void
write_errors_lose_the_buffer_not_the_writer(void **state)
{
	struct tern_log_policy pol = {.rotate_utc_sec = -1, .segment_bytes = 16384};
	struct tern_log_writer *w;
	struct tern_log_reader *r;
	struct tern_log_writer_stats st;
	struct tern_log_msg m;
	struct tlt_msg t;
	struct rlimit old, lim;
	uint64_t i = 0, stored_before = 0;
	int64_t rc = 0;

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "full", &pol, NULL, &w), 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 10000;   /* the second segment cannot be written */
	setrlimit(RLIMIT_FSIZE, &lim);
	while (rc >= 0 && i < 10000) {
		tlt_msg_init(&t, "t.x", ++i, 100);
		rc = tern_log_writer_append(w, &t.m);
		if (rc > 0 && i % 8 == 0)
			rc = tern_log_writer_flush(w);
		if (rc >= 0)
			stored_before = i;
	}
	assert_true(rc == -EFBIG);
	/* not sticky once the cause is gone */
	setrlimit(RLIMIT_FSIZE, &old);
	uint64_t resume = i + 1;
	for (uint64_t k = resume; k < resume + 100; k++) {
		tlt_msg_init(&t, "t.x", k, 100);
		assert_true(tern_log_writer_append(w, &t.m) > 0);
	}
	assert_int_equal(tern_log_writer_flush(w), 0);
	tern_log_writer_stats(w, &st);
	assert_true(st.lost > 0);
	assert_int_equal(tern_log_writer_close(w), 0);

	/* the reader sees what was written, a gap, then what came after;
	 * no damage: the failed write was cut back */
	uint64_t n = 0, last = 0, gaps = 0;
	assert_int_equal(tern_log_reader_open(dir, "full", TERN_LOG_START_EARLIEST, 0,
			NULL, &r), 0);
	while ((rc = tern_log_reader_next(r, &m)) == 0) {
		if (last && m.seq != last + 1)
			gaps++;
		last = m.seq;
		n++;
	}
	assert_int_equal(rc, -EAGAIN);
	assert_int_equal(gaps, 1);
	assert_int_equal(last, resume + 99);
	assert_true(n >= 100 && n <= stored_before + 100);
	tern_log_reader_close(r);
	/* and a reopen (recovery) finds nothing to cut */
	assert_int_equal(tern_log_writer_open(dir, "full", &pol, NULL, &w), 0);
	assert_int_equal(tern_log_writer_close(w), 0);
}

static void
expect_mode(const char *path, mode_t mode, gid_t gid)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	if ((st.st_mode & 07777) != mode || st.st_gid != gid) {
		fprintf(stderr, "%s: mode %o gid %u, want %o gid %u\n", path,
				st.st_mode & 07777, st.st_gid, mode, gid);
		fail();
	}
}

/* Issue 7: directories were 0755 and files 0644 while the bus is
 * root-only.  The mode holds whatever the umask (0 here), and for the
 * index recovery rebuilds too. */
static void
files_and_directories_get_the_documented_mode(void **state)
{
	struct tern_log_policy pol = {.rotate_utc_sec = -1};
	struct tern_log_writer *w;
	struct tlt_msg t;
	char path[512];
	mode_t old = umask(0);

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "a/b/s", &pol, NULL, &w), 0);
	tlt_msg_init(&t, "t.x", 1, 10);
	assert_true(tern_log_writer_append(w, &t.m) > 0);
	assert_int_equal(tern_log_writer_close(w), 0);
	snprintf(path, sizeof(path), "%s/a", dir);
	expect_mode(path, 0750, getegid());
	snprintf(path, sizeof(path), "%s/a/b", dir);
	expect_mode(path, 0750, getegid());
	char seg[512];
	assert_int_equal(tlt_nth(path, ".tlog", 0, seg, sizeof(seg)), 0);
	expect_mode(seg, 0640, getegid());
	assert_int_equal(tlt_nth(path, ".tidx", 0, seg, sizeof(seg)), 0);
	expect_mode(seg, 0640, getegid());
	assert_int_equal(unlink(seg), 0);      /* rebuilt at the next open */

	/* a mode and a group of one's own (root can give any group) */
	struct tern_log_opts o = {.file_mode = 0600,
		.gid = geteuid() == 0 ? 65534 : 0};
	gid_t g = geteuid() == 0 ? 65534 : getegid();
	assert_int_equal(tern_log_writer_open(dir, "a/b/s", &pol, &o, &w), 0);
	assert_int_equal(tern_log_writer_close(w), 0);
	expect_mode(seg, 0600, g);
	assert_int_equal(tern_log_writer_open(dir, "c/s", &pol, &o, &w), 0);
	assert_int_equal(tern_log_writer_close(w), 0);
	snprintf(path, sizeof(path), "%s/c", dir);
	expect_mode(path, 0700, g);
	assert_int_equal(tlt_nth(path, ".tlog", 0, seg, sizeof(seg)), 0);
	expect_mode(seg, 0600, g);
	umask(old);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(appended_records_read_back_identical, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(append_rejects_bad_messages, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(segments_rotate_by_size_and_sort_by_time, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(segments_rotate_when_utc_time_of_day_passes, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(tick_rotates_an_idle_stream_at_the_boundary, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(retention_by_size_keeps_the_newest_and_the_active, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(retention_by_age_counts_from_the_segment_close, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(damaged_or_missing_index_is_rebuilt, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(reopen_truncates_a_torn_tail_and_continues, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(sync_makes_every_policy_durable, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(files_and_directories_get_the_documented_mode, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(write_errors_lose_the_buffer_not_the_writer, tlt_setup, tlt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
