/* SPDX-License-Identifier: Apache-2.0 */
/* tern_log_last_seq(): where a re-created topic's numbering resumes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "log_test_util.h"

static void append(struct tern_log_writer *w, const char *topic, uint64_t seq)
{
	struct tlt_msg t;

	tlt_msg_init(&t, topic, seq, 16);
	assert_true(tern_log_writer_append(w, &t.m) > 0);
}

static void last_seq_per_topic_across_segments(void **state)
{
	(void)state;
	struct tern_log_policy pol = { .fsync = TERN_LOG_FSYNC_NEVER, .segment_bytes = 4096,
				       .rotate_utc_sec = -1 };
	struct tern_log_writer *w;
	uint64_t seq;

	assert_int_equal(tern_log_last_seq(tlt_dir, "s/none", "a", &seq), 0);
	assert_int_equal(seq, 0);               /* no stream yet */
	assert_int_equal(tern_log_writer_open(tlt_dir, "s/shared", &pol, NULL, &w), 0);
	for (uint64_t i = 1; i <= 500; i++)
		append(w, "a.t", i);            /* many segments of 4 KiB */
	append(w, "b.t", 7);
	for (uint64_t i = 1; i <= 300; i++)
		append(w, "c.t", i);            /* the newest segments hold only c.t */
	assert_int_equal(tern_log_writer_flush(w), 0);
	assert_true(tlt_count(tlt_dir, ".tlog") == 0);  /* files are under s/ */
	assert_int_equal(tern_log_last_seq(tlt_dir, "s/shared", "c.t", &seq), 0);
	assert_int_equal(seq, 300);
	assert_int_equal(tern_log_last_seq(tlt_dir, "s/shared", "a.t", &seq), 0);
	assert_int_equal(seq, 500);             /* found by walking back */
	assert_int_equal(tern_log_last_seq(tlt_dir, "s/shared", "b.t", &seq), 0);
	assert_int_equal(seq, 7);
	assert_int_equal(tern_log_last_seq(tlt_dir, "s/shared", "zzz", &seq), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(tern_log_writer_close(w), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(last_seq_per_topic_across_segments, tlt_setup,
						tlt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
