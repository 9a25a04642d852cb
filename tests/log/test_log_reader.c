/* SPDX-License-Identifier: Apache-2.0 */
/* Readers: every start position, following a stream being written across
 * rotations, and damage reported rather than returned. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log_test_util.h"

static const char *const dir = tlt_dir;

/* seq = 10 * lsn, recv_ns = 3 * seq + 2 (tlt_msg_init) */
static struct tern_log_writer *
fill(const char *prefix, uint64_t n, uint64_t seg_bytes)
{
	struct tern_log_policy pol = {.segment_bytes = seg_bytes,
		.rotate_utc_sec = -1};
	struct tern_log_opts o = {.index_every_bytes = 1024};
	struct tern_log_writer *w;
	struct tlt_msg t;

	assert_int_equal(tern_log_writer_open(dir, prefix, &pol, &o, &w), 0);
	for (uint64_t i = 1; i <= n; i++) {
		tlt_msg_init(&t, "t.x", i * 10, 50);
		assert_int_equal(tern_log_writer_append(w, &t.m), (int64_t)i);
	}
	assert_int_equal(tern_log_writer_flush(w), 0);
	return w;
}

static uint64_t
first_lsn(enum tern_log_start mode, uint64_t value)
{
	struct tern_log_reader *r;
	struct tern_log_msg m;
	uint64_t lsn = 0;

	assert_int_equal(tern_log_reader_open(dir, "rd", mode, value, NULL, &r), 0);
	int rc = tern_log_reader_next(r, &m);
	if (rc == 0) {
		lsn = m.lsn;
		assert_true(tlt_msg_check(&m, "t.x", lsn * 10, 50));
		/* and the rest follows in order */
		uint64_t want = lsn + 1;
		while ((rc = tern_log_reader_next(r, &m)) == 0)
			assert_int_equal(m.lsn, want++);
		assert_int_equal(want, 1001);
	}
	assert_int_equal(rc, -EAGAIN);
	tern_log_reader_close(r);
	return lsn;
}

static void
reader_starts_at_every_position(void **state)
{
	(void)state;
	struct tern_log_writer *w = fill("rd", 1000, 8192);

	assert_int_equal(first_lsn(TERN_LOG_START_EARLIEST, 0), 1);
	for (uint64_t l = 1; l <= 1000; l += 37)
		assert_int_equal(first_lsn(TERN_LOG_START_LSN, l), l);
	assert_int_equal(first_lsn(TERN_LOG_START_LSN, 0), 1);
	assert_int_equal(first_lsn(TERN_LOG_START_LSN, 1000), 1000);
	assert_int_equal(first_lsn(TERN_LOG_START_LSN, 5000), 0);
	for (uint64_t l = 1; l <= 1000; l += 41) {
		assert_int_equal(first_lsn(TERN_LOG_START_SEQ, l * 10), l);
		assert_int_equal(first_lsn(TERN_LOG_START_SEQ, l * 10 - 5), l);
		int64_t t = (int64_t)(l * 10) * 3 + 2;
		assert_int_equal(first_lsn(TERN_LOG_START_TIME, (uint64_t)t), l);
		assert_int_equal(first_lsn(TERN_LOG_START_TIME, (uint64_t)t - 1), l);
	}
	assert_int_equal(first_lsn(TERN_LOG_START_SEQ, 0), 1);
	assert_int_equal(first_lsn(TERN_LOG_START_TIME, 0), 1);
	assert_int_equal(first_lsn(TERN_LOG_START_SEQ, 10001), 0);

	/* latest: nothing old, then exactly the new ones */
	struct tern_log_reader *r;
	struct tern_log_msg m;
	struct tlt_msg t;
	assert_int_equal(tern_log_reader_open(dir, "rd", TERN_LOG_START_LATEST, 0,
			NULL, &r), 0);
	assert_int_equal(tern_log_reader_next(r, &m), -EAGAIN);
	tlt_msg_init(&t, "t.x", 10010, 50);
	assert_int_equal(tern_log_writer_append(w, &t.m), 1001);
	assert_int_equal(tern_log_writer_flush(w), 0);
	assert_int_equal(tern_log_reader_next(r, &m), 0);
	assert_int_equal(m.lsn, 1001);
	assert_int_equal(tern_log_reader_next(r, &m), -EAGAIN);
	tern_log_reader_close(r);
	assert_int_equal(tern_log_writer_close(w), 0);
}

static void
reader_waits_for_a_stream_not_yet_written(void **state)
{
	struct tern_log_reader *r;
	struct tern_log_msg m;

	(void)state;
	assert_int_equal(tern_log_reader_open(dir, "late", TERN_LOG_START_EARLIEST,
			0, NULL, &r), 0);
	assert_int_equal(tern_log_reader_next(r, &m), -EAGAIN);
	struct tern_log_policy pol = {.rotate_utc_sec = -1};
	struct tern_log_writer *w;
	struct tlt_msg t;
	assert_int_equal(tern_log_writer_open(dir, "late", &pol, NULL, &w), 0);
	assert_int_equal(tern_log_reader_next(r, &m), -EAGAIN);
	tlt_msg_init(&t, "t.x", 10, 50);
	assert_int_equal(tern_log_writer_append(w, &t.m), 1);
	assert_int_equal(tern_log_reader_next(r, &m), -EAGAIN);   /* buffered */
	assert_int_equal(tern_log_writer_flush(w), 0);
	assert_int_equal(tern_log_reader_next(r, &m), 0);
	assert_int_equal(m.lsn, 1);
	tern_log_reader_close(r);
	assert_int_equal(tern_log_writer_close(w), 0);
}

struct follow {
	uint64_t n;
	uint64_t got;
	uint64_t eagain;
	int err;
};

static void *
follower(void *arg)
{
	struct follow *f = arg;
	struct tern_log_reader *r;
	struct tern_log_msg m;
	uint64_t want = 1;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (tern_log_reader_open(dir, "fo", TERN_LOG_START_EARLIEST, 0, NULL,
			&r) < 0) {
		f->err = 1;
		return NULL;
	}
	while (want <= f->n) {
		int rc = tern_log_reader_next(r, &m);
		if (rc == -EAGAIN) {
			f->eagain++;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if (t1.tv_sec - t0.tv_sec > 30) {
				f->err = 2;     /* stalled */
				break;
			}
			continue;
		}
		if (rc != 0 || m.lsn != want ||
		    !tlt_msg_check(&m, "t.x", want * 10, 50)) {
			fprintf(stderr, "follower: rc %d lsn %llu want %llu\n", rc,
					(unsigned long long)m.lsn,
					(unsigned long long)want);
			f->err = 3;
			break;
		}
		want++;
	}
	f->got = want - 1;
	tern_log_reader_close(r);
	return NULL;
}

static void
follower_crosses_rotations_without_stall_or_skip(void **state)
{
	struct tern_log_policy pol = {.segment_bytes = 4096, .rotate_utc_sec = -1};
	struct tern_log_writer *w;
	struct follow f = {.n = 20000};
	pthread_t th;
	struct tlt_msg t;

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "fo", &pol, NULL, &w), 0);
	assert_int_equal(pthread_create(&th, NULL, follower, &f), 0);
	for (uint64_t i = 1; i <= f.n; i++) {
		tlt_msg_init(&t, "t.x", i * 10, 50);
		assert_int_equal(tern_log_writer_append(w, &t.m), (int64_t)i);
		if (i % 7 == 0)
			assert_int_equal(tern_log_writer_flush(w), 0);
	}
	assert_int_equal(tern_log_writer_flush(w), 0);
	pthread_join(th, NULL);
	assert_int_equal(f.err, 0);
	assert_int_equal(f.got, f.n);
	assert_true(tlt_count(dir, ".tlog") > 100);
	assert_int_equal(tern_log_writer_close(w), 0);
}

static void
flipped_bit_is_reported_with_file_and_offset(void **state)
{
	char p[512];
	struct tern_log_writer *w = fill("rd", 1000, 8192);

	(void)state;
	assert_int_equal(tern_log_writer_close(w), 0);
	/* record 5 of the second segment: offset 32 + 4 * 128 (50 B payload,
	 * 3-byte topic, 15-byte tags: 72 + 68 = 140 -> 144 B per record) */
	assert_int_equal(tlt_nth(dir, ".tlog", 1, p, sizeof(p)), 0);
	uint64_t off = 32 + 4 * 144;
	int fd = open(p, O_RDWR);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, (off_t)off + 100), 1);
	b ^= 0x04;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off + 100), 1);
	close(fd);

	struct tern_log_reader *r;
	struct tern_log_msg m;
	uint64_t want = 1, bad = 0, n = 0;
	int rc;
	assert_int_equal(tern_log_reader_open(dir, "rd", TERN_LOG_START_EARLIEST,
			0, NULL, &r), 0);
	while ((rc = tern_log_reader_next(r, &m)) != -EAGAIN) {
		if (rc == -EBADMSG) {
			const struct tern_log_damage *d = tern_log_reader_damage(r);
			assert_string_equal(d->file, strrchr(p, '/') + 1);
			assert_int_equal(d->offset, off);
			assert_int_equal(d->skipped, 144);
			bad++;
			want++;          /* that record is lost, not returned */
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(m.lsn, want);
		assert_true(tlt_msg_check(&m, "t.x", want * 10, 50));
		want++;
		n++;
	}
	assert_int_equal(bad, 1);
	assert_int_equal(n, 999);
	tern_log_reader_close(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reader_starts_at_every_position, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(reader_waits_for_a_stream_not_yet_written, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(follower_crosses_rotations_without_stall_or_skip, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(flipped_bit_is_reported_with_file_and_offset, tlt_setup, tlt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
