/* SPDX-License-Identifier: Apache-2.0 */
/* tern-log ls / dump / verify, run as a process (path in argv[1]). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl.tmsg.h"
#include "log_test_util.h"

static const char *tool;
static const char *const dir = tlt_dir;

/* Run tern-log with @p args; output in @p out; returns the exit status. */
static int
run(const char *args, char *out, size_t cap)
{
	char cmd[1024];
	/* a tool that loops fails the test instead of hanging it */
	snprintf(cmd, sizeof(cmd), "timeout -s KILL 20 %s %s 2>&1", tool, args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int
count_lines(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static int
make_log(void **state)
{
	struct tern_log_rule rules[] = {
		{"md.>", "md/{topic}", {.segment_bytes = 4096, .rotate_utc_sec = -1}},
		{"ctl.>", "ctl", {.rotate_utc_sec = -1}},
	};
	struct tern_log *log;
	struct tlt_msg t;

	tlt_setup(state);
	assert_int_equal(tern_log_open(dir, rules, 2, NULL, 0, &log), 0);
	for (uint64_t i = 1; i <= 100; i++) {
		tlt_msg_init(&t, "md.eq.AAPL", i, 40);
		t.m.type_id = 0;
		assert_int_equal(tern_log_append(log, &t.m, NULL), (int64_t)i);
	}
	uint8_t buf[256];
	struct CtlTopicCreate c = {.name = TERN_STR_LIT("md.eq.AAPL")};
	int64_t n = CtlTopicCreate_encode(&c, buf, sizeof(buf));
	assert_true(n > 0);
	struct tern_log_msg m = {.topic = "ctl.topics", .seq = 1,
		.type_id = CtlTopicCreate_TYPE_ID, .type_version = 1,
		.payload = buf, .payload_len = (uint32_t)n};
	assert_int_equal(tern_log_append(log, &m, NULL), 1);
	m.type_id = 9999;                       /* unknown: base64 */
	assert_int_equal(tern_log_append(log, &m, NULL), 2);
	assert_int_equal(tern_log_close(log), 0);
	return 0;
}

static void
ls_lists_every_segment(void **state)
{
	static char out[65536];
	char arg[256];

	(void)state;
	snprintf(arg, sizeof(arg), "ls %s", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "stream ctl\n"));
	assert_non_null(strstr(out, "stream md/md.eq.AAPL\n"));
	snprintf(arg, sizeof(arg), "%s/md", dir);
	int segs = tlt_count(arg, ".tlog");
	assert_true(segs >= 2);
	assert_int_equal(count_lines(out, "md.eq.AAPL-"), segs);
	assert_int_equal(count_lines(out, "(active)"), 2);
	snprintf(arg, sizeof(arg), "ls --json %s md/md.eq.AAPL", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 0);
	assert_int_equal(count_lines(out, "{\"stream\":\"md/md.eq.AAPL\""), segs);
	assert_non_null(strstr(out, "\"first_lsn\":1,"));
	assert_non_null(strstr(out, "\"last_lsn\":100,"));
}

static void
dump_prints_json_lines_and_decodes_known_types(void **state)
{
	static char out[1 << 17];
	char arg[256];

	(void)state;
	snprintf(arg, sizeof(arg), "dump %s md/md.eq.AAPL", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 0);
	assert_int_equal(count_lines(out, "\n"), 100);
	assert_non_null(strstr(out, "{\"lsn\":1,\"topic\":\"md.eq.AAPL\",\"seq\":1,"
		"\"event_ns\":3,\"send_ns\":4,\"recv_ns\":5,\"type_id\":0,"
		"\"type_version\":2,\"tags\":{\"src\":\"test\",\"n\":\"1\"},"
		"\"payload_len\":40,\"payload_base64\":\""));
	snprintf(arg, sizeof(arg), "dump --from lsn:42 --count 3 %s md/md.eq.AAPL", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 0);
	assert_int_equal(count_lines(out, "\n"), 3);
	assert_true(strncmp(out, "{\"lsn\":42,", 10) == 0);
	snprintf(arg, sizeof(arg), "dump %s ctl", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"payload\":{\"_type\":\"CtlTopicCreate\","
		"\"_version\":1,\"name\":\"md.eq.AAPL\"}}"));
	/* an unknown type stays base64, even if the bytes would decode */
	const char *l2 = strstr(out, "{\"lsn\":2,");
	assert_non_null(l2);
	assert_non_null(strstr(l2, "\"type_id\":9999,"));
	assert_non_null(strstr(l2, "\"payload_base64\":\""));
	assert_null(strstr(l2, "\"payload\":{"));
	snprintf(arg, sizeof(arg), "dump --from bogus %s ctl", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 2);
}

static void
verify_fails_on_flipped_bit_and_missing_index(void **state)
{
	static char out[65536];
	char arg[256], seg[512], want[600];

	(void)state;
	snprintf(arg, sizeof(arg), "verify %s", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 0);
	assert_int_equal(count_lines(out, "OK "), 2);

	snprintf(arg, sizeof(arg), "%s/md", dir);
	assert_int_equal(tlt_nth(arg, ".tlog", 0, seg, sizeof(seg)), 0);
	int fd = open(seg, O_RDWR);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, 1000), 1);
	b ^= 0x80;
	assert_int_equal(pwrite(fd, &b, 1, 1000), 1);
	close(fd);
	snprintf(arg, sizeof(arg), "verify %s", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 1);
	/* walk the records' length fields to the one holding byte 1000 */
	uint32_t off = 32, len = 0;
	fd = open(seg, O_RDONLY);
	for (;; off += len) {
		assert_int_equal(pread(fd, &len, 4, off + 4), 4);
		if (off + len > 1000)
			break;
	}
	close(fd);
	snprintf(want, sizeof(want), "DAMAGE md/md.eq.AAPL/%s offset %u: bad record",
			strrchr(seg, '/') + 1, off);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "BAD md/md.eq.AAPL:"));
	snprintf(arg, sizeof(arg), "dump %s md/md.eq.AAPL", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "{\"damage\":{\"file\":"));
	assert_int_equal(count_lines(out, "{\"lsn\":"), 99);

	b ^= 0x80;
	fd = open(seg, O_RDWR);
	assert_int_equal(pwrite(fd, &b, 1, 1000), 1);
	close(fd);
	snprintf(arg, sizeof(arg), "%s/md", dir);
	assert_int_equal(tlt_nth(arg, ".tidx", 0, seg, sizeof(seg)), 0);
	assert_int_equal(unlink(seg), 0);
	snprintf(arg, sizeof(arg), "verify %s md/md.eq.AAPL", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "index missing"));
}

/* Issue 7: `dump` of the crafted 448-byte segment looped at 100 % CPU
 * printing one damage line; `dump` of a bad header printed nothing and
 * exited 0; `verify DIR typo` said "OK typo: 0 segments". */
static void
tool_reports_bad_headers_and_unknown_streams(void **state)
{
	static char out[65536];
	char arg[512], seg[512];

	(void)state;
	assert_int_equal(tlt_write_448(dir, "c448"), 0);
	snprintf(arg, sizeof(arg), "dump %s c448", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 1);
	assert_int_equal(count_lines(out, "{\"damage\":"), 1);
	snprintf(arg, sizeof(arg), "verify %s c448", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 1);
	snprintf(arg, sizeof(arg), "ls %s c448", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 0);

	/* the only segment of ctl gets a zeroed header */
	assert_int_equal(tlt_nth(dir, ".tlog", 1, seg, sizeof(seg)), 0);
	assert_non_null(strstr(seg, "/ctl-"));
	int fd = open(seg, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\0\0\0\0\0\0\0\0", 8, 0), 8);
	close(fd);
	snprintf(arg, sizeof(arg), "dump %s ctl", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "\"reason\":\"bad segment header\""));
	snprintf(arg, sizeof(arg), "verify %s ctl", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "bad segment header"));

	/* names that match nothing */
	snprintf(arg, sizeof(arg), "verify %s typo", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "no such stream"));
	assert_null(strstr(out, "OK typo"));
	snprintf(arg, sizeof(arg), "verify %s md/typo", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 2);
	snprintf(arg, sizeof(arg), "dump %s md/typo", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 2);
	snprintf(arg, sizeof(arg), "ls %s typo", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 2);
	snprintf(arg, sizeof(arg), "verify %s/nonexistent", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 2);
	snprintf(arg, sizeof(arg), "%s/empty", dir);
	assert_int_equal(mkdir(arg, 0700), 0);
	snprintf(arg, sizeof(arg), "verify %s/empty", dir);
	assert_int_equal(run(arg, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "no streams"));
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/tern-log\n", argv[0]);
		return 2;
	}
	tool = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ls_lists_every_segment, make_log, tlt_teardown),
		cmocka_unit_test_setup_teardown(dump_prints_json_lines_and_decodes_known_types, make_log, tlt_teardown),
		cmocka_unit_test_setup_teardown(verify_fails_on_flipped_bit_and_missing_index, make_log, tlt_teardown),
		cmocka_unit_test_setup_teardown(tool_reports_bad_headers_and_unknown_streams, make_log, tlt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
