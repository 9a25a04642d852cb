/* SPDX-License-Identifier: Apache-2.0 */
/* Log hygiene shared by the daemons (lib/common): tern__esc() for text from
 * outside, tern__rl_allow() for flood-prone sites, on a clock stepped by
 * hand.  Issue 7, findings 11 and 12. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/tern_esc.h"
#include "common/tern_ratelimit.h"

#define ESC(lit) tern__esc(buf, sizeof(buf), (lit), sizeof(lit) - 1)

static void esc_keeps_plain_names_and_utf8(void **state)
{
	(void)state;
	char buf[TERN_ESC_MAX];

	assert_string_equal(ESC("md.eq.AAPL_1-x:@=%~#+ *>"), "md.eq.AAPL_1-x:@=%~#+ *>");
	assert_string_equal(ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa6"),
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa6");
	assert_string_equal(ESC(""), "");
	assert_string_equal(tern__esc(buf, sizeof(buf), NULL, 0), "");
	assert_string_equal(TERN_ESC_STR(buf, "app"), "app");
}

static void esc_renders_controls_quotes_and_backslash(void **state)
{
	(void)state;
	char buf[TERN_ESC_MAX];

	/* The forged line of the report: a newline, then a fake daemon line. */
	assert_string_equal(ESC("x\ntern-control: info: client 9 attached"),
			    "x\\x0atern-control: info: client 9 attached");
	assert_string_equal(ESC("\x1b[2J\x1b]0;pwned\x07"), "\\x1b[2J\\x1b]0;pwned\\x07");
	assert_string_equal(ESC("a\rb\tc\x7f"), "a\\x0db\\x09c\\x7f");
	assert_string_equal(ESC("it's \"x\" \\n"), "it\\x27s \\x22x\\x22 \\x5cn");
	assert_string_equal(ESC("a\0b"), "a\\x00b");              /* embedded NUL */
}

static void esc_renders_bytes_that_are_not_utf8(void **state)
{
	(void)state;
	char buf[TERN_ESC_MAX];

	assert_string_equal(ESC("\xff\xfe"), "\\xff\\xfe");
	assert_string_equal(ESC("\xc0\xaf"), "\\xc0\\xaf");         /* overlong '/' */
	assert_string_equal(ESC("\xe0\x80\xaf"), "\\xe0\\x80\\xaf"); /* overlong, 3 bytes */
	assert_string_equal(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80"); /* a surrogate */
	assert_string_equal(ESC("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	assert_string_equal(ESC("\xc3"), "\\xc3");                  /* cut short */
	assert_string_equal(ESC("\xe2\x82x"), "\\xe2\\x82x");       /* bad continuation */
	assert_string_equal(ESC("\x80ok"), "\\x80ok");              /* lone continuation */
	/* Valid but misleading: C1 CSI, line separator, right-to-left override. */
	assert_string_equal(ESC("\xc2\x9b" "2J"), "\\xc2\\x9b2J");
	assert_string_equal(ESC("a\xe2\x80\xa8" "b"), "a\\xe2\\x80\\xa8b");
	assert_string_equal(ESC("\xe2\x80\xaegnp.exe"), "\\xe2\\x80\\xaegnp.exe");
}

static void esc_output_is_bounded_and_cut_on_a_whole_unit(void **state)
{
	(void)state;
	char big[1000], out[16], all[TERN_ESC_LEN(1000)];

	memset(big, '\n', sizeof(big));
	assert_int_equal(strlen(tern__esc(all, sizeof(all), big, sizeof(big))), 4000);
	tern__esc(out, sizeof(out), big, sizeof(big));
	assert_string_equal(out, "\\x0a\\x0a\\x0a...");       /* 12 + 3, no half escape */
	assert_string_equal(tern__esc(out, sizeof(out), "abcdefghijklmno", 15),
			    "abcdefghijklmno");                  /* exactly fits: no mark */
	assert_string_equal(tern__esc(out, sizeof(out), "abcdefghijklmnop", 16),
			    "abcdefghijkl...");
	assert_string_equal(tern__esc(out, 9, "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 9),
			    "\xe2\x82\xac...");                   /* not inside a character */
	assert_string_equal(tern__esc(out, 3, "abcdef", 6), "");
	assert_string_equal(tern__esc(out, 1, "abc", 3), "");
	assert_null(tern__esc(out, 0, "abc", 3));
}

static void limiter_allows_a_burst_then_the_rate(void **state)
{
	(void)state;
	struct tern__rl rl = TERN__RL_INIT(3, 2);       /* 3 at once, 2 a second */
	uint64_t t = 1000, sup = 99;
	int allowed = 0;

	for (int i = 0; i < 3; i++) {
		assert_true(tern__rl_allow(&rl, t, &sup));
		assert_int_equal(sup, 0);
	}
	for (int i = 0; i < 1000; i++)
		assert_false(tern__rl_allow(&rl, t, &sup));
	/* Half a second buys one line, and it reports what was refused. */
	t += 500000000;
	assert_true(tern__rl_allow(&rl, t, &sup));
	assert_int_equal(sup, 1000);
	assert_false(tern__rl_allow(&rl, t, &sup));
	/* A steady flood for 10 s: 2 a second get through, not a line more. */
	for (int ms = 1; ms <= 10000; ms++)
		for (int k = 0; k < 3; k++)
			allowed += tern__rl_allow(&rl, t + (uint64_t)ms * 1000000, &sup);
	assert_int_equal(allowed, 20);
	/* Quiet for long: the bucket is full again, but no fuller. */
	t += 3600ull * 1000000000;
	for (int i = 0; i < 3; i++)
		assert_true(tern__rl_allow(&rl, t, &sup));
	assert_false(tern__rl_allow(&rl, t, &sup));
}

static void limiter_keeps_fractions_and_survives_a_clock_going_back(void **state)
{
	(void)state;
	struct tern__rl rl = TERN__RL_INIT(2, 3);       /* one per 333.3 ms */
	uint64_t t = 5000000000ull, sup;
	int allowed = 0;

	assert_true(tern__rl_allow(&rl, t, &sup));
	assert_true(tern__rl_allow(&rl, t, &sup));
	assert_false(tern__rl_allow(&rl, t, &sup));
	/* Called every 100 ms for 3 s: 3 a second, although no single call
	 * brings a whole token (a limiter that dropped the remainder on each
	 * line would allow one per 400 ms). */
	for (int i = 1; i <= 30; i++)
		allowed += tern__rl_allow(&rl, t + (uint64_t)i * 100000000, &sup);
	assert_int_equal(allowed, 9);
	t += 3000000000ull;
	/* Backwards: no refill, no wrap-around into a huge refill. */
	assert_false(tern__rl_allow(&rl, t, &sup));
	assert_false(tern__rl_allow(&rl, t + 100, &sup));
}

static void log_line_says_what_it_suppressed(void **state)
{
	(void)state;
	struct tern__rl rl = TERN__RL_INIT(2, 1000);
	char text[1024] = "";
	FILE *f = fmemopen(text, sizeof(text), "w");

	assert_non_null(f);
	for (int i = 0; i < 50; i++)
		tern__log_rl(&rl, f, "tern-x: warning", "line %d", i);
	fflush(f);
	assert_string_equal(text, "tern-x: warning: line 0\ntern-x: warning: line 1\n");
	usleep(5000);                   /* the real clock: 5 lines' worth */
	tern__log_rl(&rl, f, "tern-x: warning", "line %d", 50);
	fclose(f);
	assert_non_null(strstr(text, "line 1\ntern-x: warning: suppressed 48 similar messages\n"
			       "tern-x: warning: line 50\n"));
	assert_true(tern__rl_now() > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(esc_keeps_plain_names_and_utf8),
		cmocka_unit_test(esc_renders_controls_quotes_and_backslash),
		cmocka_unit_test(esc_renders_bytes_that_are_not_utf8),
		cmocka_unit_test(esc_output_is_bounded_and_cut_on_a_whole_unit),
		cmocka_unit_test(limiter_allows_a_burst_then_the_rate),
		cmocka_unit_test(limiter_keeps_fractions_and_survives_a_clock_going_back),
		cmocka_unit_test(log_line_says_what_it_suppressed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
