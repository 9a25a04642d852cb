/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <tern/tern_topic.h>

static void
match_follows_token_rules(void **state)
{
	static const struct { const char *p, *t; bool m; } cases[] = {
		{"md.eq.AAPL", "md.eq.AAPL", true},
		{"md.eq.AAPL", "md.eq.AAP", false},
		{"md.eq.AAP", "md.eq.AAPL", false},
		{"md.eq", "md.eq.AAPL", false},
		{"md.eq.AAPL", "md.eq", false},
		{"md.*.AAPL", "md.eq.AAPL", true},
		{"md.*.AAPL", "md.eq.fut.AAPL", false},
		{"*", "md", true},
		{"*", "md.eq", false},
		{"*.*", "md.eq", true},
		{"md.>", "md.eq", true},
		{"md.>", "md.eq.AAPL.x", true},
		{"md.>", "md", false},
		{">", "md", true},
		{">", "a.b.c", true},
		{"*.eq.>", "md.eq.AAPL", true},
		{"*.eq.>", "md.eq", false},
		{"md.*", "md.", false},
		{"md", "", false},
		{"", "md", false},
		{"a.b", "a.bb", false},
		{"ab.c", "a.c", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (tern_topic_match(cases[i].p, cases[i].t) != cases[i].m)
			fail_msg("pattern '%s' topic '%s': expected %d",
					cases[i].p, cases[i].t, cases[i].m);
	}
	assert_false(tern_topic_match(NULL, "a"));
	assert_false(tern_topic_match("a", NULL));
}

static void
validate_rejects_malformed_names(void **state)
{
	char longname[TERN_TOPIC_MAX + 2];

	(void)state;
	assert_int_equal(tern_topic_validate("md.eq.AAPL", false), 0);
	assert_int_equal(tern_topic_validate("a_b-c+d:e@f=g%h~i#j.K9", false), 0);
	assert_int_equal(tern_topic_validate("md.*.x", true), 0);
	assert_int_equal(tern_topic_validate("md.>", true), 0);
	assert_int_equal(tern_topic_validate(">", true), 0);
	assert_int_equal(tern_topic_validate("md.*", false), -EINVAL);
	assert_int_equal(tern_topic_validate("md.>", false), -EINVAL);
	assert_int_equal(tern_topic_validate("md.>.x", true), -EINVAL);
	assert_int_equal(tern_topic_validate("md.a*", true), -EINVAL);
	assert_int_equal(tern_topic_validate("md..x", false), -EINVAL);
	assert_int_equal(tern_topic_validate(".md", false), -EINVAL);
	assert_int_equal(tern_topic_validate("md.", false), -EINVAL);
	assert_int_equal(tern_topic_validate("", false), -EINVAL);
	assert_int_equal(tern_topic_validate(NULL, true), -EINVAL);
	assert_int_equal(tern_topic_validate("md/eq", false), -EINVAL);
	assert_int_equal(tern_topic_validate("md eq", false), -EINVAL);
	assert_int_equal(tern_topic_validate("{topic}", false), -EINVAL);
	memset(longname, 'a', sizeof(longname));
	longname[TERN_TOPIC_MAX] = '\0';
	assert_int_equal(tern_topic_validate(longname, false), 0);
	longname[TERN_TOPIC_MAX] = 'a';
	longname[TERN_TOPIC_MAX + 1] = '\0';
	assert_int_equal(tern_topic_validate(longname, false), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(match_follows_token_rules),
		cmocka_unit_test(validate_rejects_malformed_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
