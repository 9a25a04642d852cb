/* SPDX-License-Identifier: Apache-2.0 */
/* [storage] rules from the node config drive the log. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/tern_config.h"
#include "log/log_config.h"
#include "log_test_util.h"

static const char ini[] =
	"[storage]\n"
	"rule.2 = md.> -> md-all\n"
	"rule.2.fsync = never\n"
	"rule.1 = md.eq.* -> eq/{topic}\n"
	"rule.1.fsync = always\n"
	"rule.1.segment_bytes = 4K\n"
	"rule.1.rotate_utc = 00:30\n"
	"rule.1.retain_bytes = 1M\n"
	"rule.1.retain_seconds = 2h\n";

static void
config_rules_become_log_rules_in_order(void **state)
{
	static struct tern_config cfg;
	struct tern_log_rule rules[4];
	char err[512];

	(void)state;
	assert_int_equal(tern__config_parse(&cfg, ini, sizeof(ini) - 1, "t.ini",
			err, sizeof(err)), 0);
	assert_int_equal(tern__log_rules_from_config(&cfg, rules, 1), -ENOSPC);
	assert_int_equal(tern__log_rules_from_config(&cfg, rules, 4), 2);
	assert_string_equal(rules[0].pattern, "md.eq.*");
	assert_string_equal(rules[0].prefix, "eq/{topic}");
	assert_int_equal(rules[0].policy.fsync, TERN_LOG_FSYNC_ALWAYS);
	assert_int_equal(rules[0].policy.segment_bytes, 4096);
	assert_int_equal(rules[0].policy.rotate_utc_sec, 30 * 60);
	assert_int_equal(rules[0].policy.retain_bytes, 1 << 20);
	assert_int_equal(rules[0].policy.retain_ns, 7200ull * 1000000000);
	assert_string_equal(rules[1].pattern, "md.>");
	assert_int_equal(rules[1].policy.fsync, TERN_LOG_FSYNC_NEVER);
	assert_int_equal(rules[1].policy.rotate_utc_sec, -1);

	/* and they route: first match wins */
	struct tern_log *log;
	struct tlt_msg t;
	char sub[128];
	assert_int_equal(tern_log_open(tlt_dir, rules, 2, NULL, 16, &log), 0);
	tlt_msg_init(&t, "md.eq.AAPL", 1, 10);
	assert_int_equal(tern_log_append(log, &t.m, NULL), 1);
	tlt_msg_init(&t, "md.fx.EUR", 1, 10);
	assert_int_equal(tern_log_append(log, &t.m, NULL), 1);
	tlt_msg_init(&t, "ops.x", 1, 10);
	assert_int_equal(tern_log_append(log, &t.m, NULL), 0);
	assert_int_equal(tern_log_close(log), 0);
	snprintf(sub, sizeof(sub), "%s/eq", tlt_dir);
	assert_int_equal(tlt_count(sub, ".tlog"), 1);
	assert_int_equal(tlt_count(tlt_dir, ".tlog"), 1);

	strcpy(cfg.rules[0].fsync, "sometimes");
	assert_int_equal(tern__log_rules_from_config(&cfg, rules, 4), -EINVAL);
}

/* Issue 7: --check passed these and start failed (or stored nothing). */
static void
config_refuses_storage_rules_the_log_cannot_follow(void **state)
{
	static const char *const bad[] = {
		"rule.1 = md.> -> ../{topic}",
		"rule.1 = md.> -> /abs/{topic}",
		"rule.1 = a.>.b -> md/{topic}",
		"rule.1 = md.> -> md/",
		"rule.1 = md.> -> md//{topic}",
		"rule.1 = md.> -> x{topic}{topic}{topic}{topic}",
		"rule.1 = md.> -> a{topic}/b{topic}/c{topic}/d{topic}/e",
	};
	static struct tern_config cfg;
	char text[512], err[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int n = snprintf(text, sizeof(text), "[storage]\ndir = /tmp/x\n%s\n", bad[i]);
		err[0] = '\0';
		assert_int_equal(tern__config_parse(&cfg, text, (size_t)n, "t.ini", err,
				sizeof(err)), -EINVAL);
		if (strstr(err, "t.ini:3") == NULL || strstr(err, "rule.1") == NULL) {
			fprintf(stderr, "%s: %s\n", bad[i], err);
			fail();
		}
	}
	/* the file mode and group of the stored files */
	int m = snprintf(text, sizeof(text), "[storage]\nmode = 0600\ngroup = nogroup\n");
	assert_int_equal(tern__config_parse(&cfg, text, (size_t)m, "t.ini", err, sizeof(err)), 0);
	assert_int_equal(cfg.storage_mode, 0600);
	assert_string_equal(cfg.storage_group, "nogroup");
	static const char *const bad_mode[] = {"0400", "abc", "01777", ""};
	for (size_t i = 0; i < sizeof(bad_mode) / sizeof(bad_mode[0]); i++) {
		m = snprintf(text, sizeof(text), "[storage]\nmode = %s\n", bad_mode[i]);
		assert_int_equal(tern__config_parse(&cfg, text, (size_t)m, "t.ini", err,
				sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "t.ini:2: [storage] mode:"));
	}
	/* the longest expansions that do fit pass */
	int n = snprintf(text, sizeof(text), "[storage]\nrule.1 = md.> -> md/x{topic}{topic}{topic}\n");
	assert_int_equal(tern__config_parse(&cfg, text, (size_t)n, "t.ini", err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(config_rules_become_log_rules_in_order,
				tlt_setup, tlt_teardown),
		cmocka_unit_test(config_refuses_storage_rules_the_log_cannot_follow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
