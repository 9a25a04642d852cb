/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Damage that once stopped the log (issue 7): a middle segment with a
 * zeroed header stalled readers for ever; a crafted 448-byte segment sent
 * readers, tern_log_last_seq() and recovery round in a circle; a damaged
 * active-segment header made the writer refuse to open.  Every test runs
 * under alarm(): a loop that makes no progress fails instead of hanging.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log_test_util.h"

static const char *const dir = tlt_dir;

static void
zero_header(int nth)
{
	char path[512];
	char zero[32] = {0};

	assert_int_equal(tlt_nth(dir, ".tlog", nth, path, sizeof(path)), 0);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, zero, sizeof(zero), 0), (ssize_t)sizeof(zero));
	close(fd);
}

struct drain {
	uint64_t records, first, last, gaps;  /* gaps: seq jumps */
	uint64_t damage, nodata, calls;
};

/* Read until -EAGAIN; at most @p max_calls calls (a stall is a failure). */
static void
drain(struct tern_log_reader *r, struct drain *d, uint64_t max_calls)
{
	struct tern_log_msg m;
	int rc;

	while ((rc = tern_log_reader_next(r, &m)) != -EAGAIN) {
		assert_true(++d->calls < max_calls);
		if (rc == -EBADMSG) {
			d->damage++;
			continue;
		}
		if (rc == -ENODATA) {
			d->nodata++;
			continue;
		}
		assert_int_equal(rc, 0);
		if (d->records++ == 0)
			d->first = m.seq;
		else if (m.seq != d->last + 1)
			d->gaps++;
		assert_true(d->records == 1 || m.seq > d->last);
		d->last = m.seq;
	}
}

static void
append_n(struct tern_log_writer *w, uint64_t from, uint64_t to)
{
	struct tlt_msg t;

	for (uint64_t i = from; i <= to; i++) {
		tlt_msg_init(&t, "t.x", i, 50);
		assert_true(tern_log_writer_append(w, &t.m) > 0);
	}
	assert_int_equal(tern_log_writer_flush(w), 0);
}

static const struct tern_log_policy small = {.segment_bytes = 4096,
	.rotate_utc_sec = -1};

/* A writer on @p prefix (4 KiB segments) holding seqs 1..@p n. */
static struct tern_log_writer *
writer_with(const char *prefix, uint64_t n)
{
	struct tern_log_writer *w;

	alarm(20);
	assert_int_equal(tern_log_writer_open(dir, prefix, &small, NULL, &w), 0);
	append_n(w, 1, n);
	return w;
}

/* Finding 4: records 1..k of the first segment, then nothing, were all a
 * reader from earliest ever returned. */
static void
damaged_middle_header_is_reported_and_skipped(void **state)
{
	struct tern_log_writer *w = writer_with("dm", 1000);
	struct tern_log_reader *r;
	struct drain d = {0};
	uint64_t seq;

	(void)state;
	assert_true(tlt_count(dir, ".tlog") > 5);
	zero_header(2);
	assert_int_equal(tern_log_reader_open(dir, "dm", TERN_LOG_START_EARLIEST,
			0, NULL, &r), 0);
	drain(r, &d, 10000);
	assert_int_equal(d.damage, 1);
	assert_int_equal(d.gaps, 1);             /* the damaged segment's records */
	assert_int_equal(d.first, 1);
	assert_int_equal(d.last, 1000);          /* the later segments */
	const struct tern_log_damage *dmg = tern_log_reader_damage(r);
	assert_int_equal(dmg->offset, 0);
	assert_true(dmg->skipped > 32);
	/* the same reader follows what is appended after the damage */
	append_n(w, 1001, 1100);
	drain(r, &d, 10000);
	assert_int_equal(d.last, 1100);
	assert_int_equal(d.gaps, 1);
	tern_log_reader_close(r);

	/* a reader positioned by seq into the damaged segment moves past it */
	memset(&d, 0, sizeof(d));
	assert_int_equal(tern_log_reader_open(dir, "dm", TERN_LOG_START_SEQ,
			60, NULL, &r), 0);
	drain(r, &d, 10000);
	assert_int_equal(d.last, 1100);
	tern_log_reader_close(r);
	assert_int_equal(tern_log_last_seq(dir, "dm", "t.x", &seq), 0);
	assert_int_equal(seq, 1100);
	assert_int_equal(tern_log_writer_close(w), 0);
	/* and recovery leaves a finished damaged segment in place */
	assert_int_equal(tern_log_writer_open(dir, "dm", &small, NULL, &w), 0);
	assert_int_equal(tern_log_writer_close(w), 0);
	alarm(0);
}

/* Finding 5: tern_log_last_seq() looped for ever on this file (the
 * dataplane hung in `topic create`), and so did a reader. */
static void
crafted_448_byte_segment_ends_every_loop(void **state)
{
	struct tern_log_policy pol = {.rotate_utc_sec = -1};
	struct tern_log_writer *w;
	struct tern_log_reader *r;
	struct drain d = {0};
	uint64_t seq = 99;

	(void)state;
	alarm(20);
	assert_int_equal(tlt_write_448(dir, "c448"), 0);
	assert_int_equal(tern_log_reader_open(dir, "c448", TERN_LOG_START_EARLIEST,
			0, NULL, &r), 0);
	drain(r, &d, 100);
	assert_int_equal(d.records, 0);
	assert_true(d.damage <= 1);
	tern_log_reader_close(r);
	assert_int_equal(tern_log_last_seq(dir, "c448", "t", &seq), 0);
	assert_int_equal(seq, 0);
	/* recovery cuts what cannot be trusted and the stream goes on */
	assert_int_equal(tern_log_writer_open(dir, "c448", &pol, NULL, &w), 0);
	append_n(w, 5, 9);
	assert_int_equal(tern_log_writer_close(w), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(tern_log_reader_open(dir, "c448", TERN_LOG_START_EARLIEST,
			0, NULL, &r), 0);
	drain(r, &d, 100);
	assert_int_equal(d.records, 5);
	assert_int_equal(d.last, 9);
	tern_log_reader_close(r);
	assert_int_equal(tern_log_last_seq(dir, "c448", "t.x", &seq), 0);
	assert_int_equal(seq, 9);
	alarm(0);
}

/* Finding 6 (part): the writer refused to open (-EBADMSG) and the topic
 * was silently no longer stored. */
static void
damaged_active_header_is_left_and_the_stream_goes_on(void **state)
{
	struct tern_log_writer *w = writer_with("da", 200);
	struct tern_log_reader *r;
	struct drain d = {0};
	uint64_t seq;

	(void)state;
	assert_int_equal(tern_log_writer_close(w), 0);
	int n = tlt_count(dir, ".tlog");
	zero_header(n - 1);
	assert_int_equal(tern_log_writer_open(dir, "da", &small, NULL, &w), 0);
	uint64_t lsn_before = tern_log_writer_last_lsn(w);
	assert_true(lsn_before >= 200);          /* past every lsn it held */
	append_n(w, 201, 300);
	assert_int_equal(tern_log_writer_close(w), 0);
	assert_true(tlt_count(dir, ".tlog") > n);
	/* opening again keeps the damaged segment and its neighbours */
	assert_int_equal(tern_log_writer_open(dir, "da", &small, NULL, &w), 0);
	append_n(w, 301, 310);
	assert_int_equal(tern_log_writer_close(w), 0);
	assert_int_equal(tern_log_reader_open(dir, "da", TERN_LOG_START_EARLIEST,
			0, NULL, &r), 0);
	drain(r, &d, 10000);
	assert_int_equal(d.damage, 1);
	assert_int_equal(d.first, 1);
	assert_int_equal(d.last, 310);
	assert_int_equal(d.gaps, 1);
	tern_log_reader_close(r);
	assert_int_equal(tern_log_last_seq(dir, "da", "t.x", &seq), 0);
	assert_int_equal(seq, 310);
	alarm(0);
}

/* Finding 6 (the rest): the active segment's header damaged while the
 * writer is open made everything stored after it unreadable, silently.
 * The next tick notices, counts it, and the stream goes on in a new
 * segment that readers use; the open then sees nothing more to repair. */
static void
header_damaged_under_the_writer_moves_to_a_new_segment(void **state)
{
	struct tern_log_policy big = {.segment_bytes = 1 << 20, .rotate_utc_sec = -1};
	struct tern_log_writer_stats st;
	struct tern_log_writer *w;
	struct tern_log_reader *r;
	struct drain d = {0};

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "dw", &big, NULL, &w), 0);
	append_n(w, 1, 50);
	assert_int_equal(tern_log_writer_tick(w), 0);
	tern_log_writer_stats(w, &st);
	assert_int_equal(st.header_damage, 0);      /* a sound header: no change */
	assert_int_equal(tlt_count(dir, ".tlog"), 1);
	zero_header(0);
	assert_int_equal(tern_log_writer_tick(w), 0);
	tern_log_writer_stats(w, &st);
	assert_int_equal(st.header_damage, 1);
	assert_int_equal(tlt_count(dir, ".tlog"), 2);
	append_n(w, 51, 80);
	assert_int_equal(tern_log_writer_tick(w), 0);
	tern_log_writer_stats(w, &st);
	assert_int_equal(st.header_damage, 1);      /* once */
	assert_int_equal(tern_log_writer_close(w), 0);
	assert_int_equal(tern_log_reader_open(dir, "dw", TERN_LOG_START_EARLIEST,
			0, NULL, &r), 0);
	drain(r, &d, 10000);
	assert_int_equal(d.first, 51);              /* the damaged segment is skipped */
	assert_int_equal(d.last, 80);
	assert_int_equal(d.records, 30);
	tern_log_reader_close(r);
	/* reopening does not see it as the active segment's damage again */
	assert_int_equal(tern_log_writer_open(dir, "dw", &big, NULL, &w), 0);
	tern_log_writer_stats(w, &st);
	assert_int_equal(st.header_damage, 0);
	append_n(w, 81, 90);
	assert_int_equal(tern_log_writer_close(w), 0);
	alarm(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(damaged_middle_header_is_reported_and_skipped,
				tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(crafted_448_byte_segment_ends_every_loop,
				tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(damaged_active_header_is_left_and_the_stream_goes_on,
				tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(header_damaged_under_the_writer_moves_to_a_new_segment,
				tlt_setup, tlt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
