/* SPDX-License-Identifier: Apache-2.0 */
/* Storage rules: first match wins, {topic} expands, unmatched topics are
 * not stored, several topics share a file in arrival order. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "log_test_util.h"

static const struct tern_log_rule rules[] = {
	{"md.eq.*", "eq/{topic}", {.rotate_utc_sec = -1}},
	{"md.>", "md-all", {.fsync = TERN_LOG_FSYNC_ALWAYS, .rotate_utc_sec = -1}},
	{"ctl.*.{x}", "never", {.rotate_utc_sec = -1}},
};

static void
route_expands_the_first_matching_rule(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(tern_log_rules_route(rules, 2, "md.eq.AAPL", buf,
			sizeof(buf)), 0);
	assert_string_equal(buf, "eq/md.eq.AAPL");
	assert_int_equal(tern_log_rules_route(rules, 2, "md.fx.EUR", buf,
			sizeof(buf)), 1);
	assert_string_equal(buf, "md-all");
	assert_int_equal(tern_log_rules_route(rules, 2, "md.eq.AAPL.x", buf,
			sizeof(buf)), 1);
	assert_int_equal(tern_log_rules_route(rules, 2, "ops.x", buf,
			sizeof(buf)), -ENOENT);
	assert_int_equal(tern_log_rules_route(rules, 2, "md.eq.AAPL", buf, 8),
			-ENAMETOOLONG);
	const struct tern_log_rule twice = {"a.*", "{topic}/{topic}"};
	assert_int_equal(tern_log_rules_route(&twice, 1, "a.b", buf,
			sizeof(buf)), 0);
	assert_string_equal(buf, "a.b/a.b");
}

static void
log_stores_by_rule_and_shares_files(void **state)
{
	char dir[64];
	struct tern_log *log;
	struct tern_log_writer *w = NULL, *w2 = NULL;
	struct tlt_msg t;

	(void)state;
	tlt_mkdtemp(dir);
	assert_int_equal(tern_log_open(dir, rules, 3, NULL, 8, &log), -EINVAL);
	assert_int_equal(tern_log_open(dir, rules, 2, NULL, 8, &log), 0);
	tlt_msg_init(&t, "md.eq.AAPL", 1, 20);
	assert_int_equal(tern_log_append(log, &t.m, &w), 1);
	assert_non_null(w);
	tlt_msg_init(&t, "md.eq.AAPL", 2, 20);
	assert_int_equal(tern_log_append(log, &t.m, &w2), 2);
	assert_ptr_equal(w, w2);
	tlt_msg_init(&t, "md.fx.EUR", 1, 20);
	assert_int_equal(tern_log_append(log, &t.m, &w), 1);
	tlt_msg_init(&t, "md.fx.GBP", 1, 20);
	assert_int_equal(tern_log_append(log, &t.m, &w2), 2);
	assert_ptr_equal(w, w2);
	tlt_msg_init(&t, "ops.restart", 1, 20);
	assert_int_equal(tern_log_append(log, &t.m, NULL), 0);
	assert_int_equal(tern_log_append(log, &t.m, NULL), 0);
	tlt_msg_init(&t, "bad..topic", 1, 20);
	assert_int_equal(tern_log_append(log, &t.m, NULL), -EINVAL);
	assert_int_equal(tern_log_flush(log), 0);
	assert_int_equal(tern_log_close(log), 0);

	char sub[128];
	snprintf(sub, sizeof(sub), "%s/eq", dir);
	assert_int_equal(tlt_count(sub, ".tlog"), 1);
	assert_int_equal(tlt_count(dir, ".tlog"), 1);    /* md-all */

	/* the shared file holds both topics in arrival order */
	struct tern_log_reader *r;
	struct tern_log_msg m;
	assert_int_equal(tern_log_reader_open(dir, "md-all",
			TERN_LOG_START_EARLIEST, 0, NULL, &r), 0);
	assert_int_equal(tern_log_reader_next(r, &m), 0);
	assert_true(tlt_msg_check(&m, "md.fx.EUR", 1, 20));
	assert_int_equal(tern_log_reader_next(r, &m), 0);
	assert_true(tlt_msg_check(&m, "md.fx.GBP", 1, 20));
	assert_int_equal(tern_log_reader_next(r, &m), -EAGAIN);
	tern_log_reader_close(r);
	assert_int_equal(tern_log_reader_open(dir, "eq/md.eq.AAPL",
			TERN_LOG_START_SEQ, 2, NULL, &r), 0);
	assert_int_equal(tern_log_reader_next(r, &m), 0);
	assert_true(tlt_msg_check(&m, "md.eq.AAPL", 2, 20));
	tern_log_reader_close(r);
	tlt_rmrf(dir);
}

static void
topic_cache_capacity_is_enforced(void **state)
{
	char dir[64], topic[32];
	struct tern_log *log;
	struct tlt_msg t;
	int64_t rc = 0;

	(void)state;
	tlt_mkdtemp(dir);
	assert_int_equal(tern_log_open(dir, rules, 2, NULL, 4, &log), 0);
	int i;
	for (i = 0; i < 100; i++) {
		snprintf(topic, sizeof(topic), "x.t%d", i);
		tlt_msg_init(&t, topic, 1, 4);
		rc = tern_log_append(log, &t.m, NULL);
		if (rc < 0)
			break;
	}
	assert_int_equal(rc, -ENOSPC);
	assert_true(i >= 4);
	assert_int_equal(tern_log_close(log), 0);
	tlt_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(route_expands_the_first_matching_rule),
		cmocka_unit_test(log_stores_by_rule_and_shares_files),
		cmocka_unit_test(topic_cache_capacity_is_enforced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
