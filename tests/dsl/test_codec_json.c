/* SPDX-License-Identifier: Apache-2.0 */
/* tern_msg_to_json(): exact output for every kind of field, the
 * escapes, non-finite floats, absent optionals, and its errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <tern/tern_json.h>

#include "bench.tmsg.h"
#include "types.tmsg.h"

static uint8_t buf[4096];
static char out[4096];

/* JSON of the @p n bytes encoded in buf, per types.tmsg */
static const char *types_json(int64_t n)
{
	assert_true(n > 0);
	assert_true(tern_msg_to_json(types_messages, types_N_MESSAGES, buf, (size_t)n, out,
				     sizeof(out)) > 0);
	return out;
}

static void order_update_as_json(void **state)
{
	int64_t fills[3] = { 10, -20, INT64_MIN };
	struct OrderUpdate u = { 1, -2, { 123, -2 }, Side_SELL, true, 1700000000000000001LL,
				 TERN_STR_LIT("AAPL.OQ"), false, 0, { fills, 3 }, { 1, 2, 3, 4 } };
	int64_t n = OrderUpdate_encode(&u, buf, sizeof(buf));
	const char *want =
		"{\"_type\":\"OrderUpdate\",\"_version\":1,\"order_id\":1,\"quantity\":-2,"
		"\"price\":{\"_type\":\"Price\",\"_version\":1,\"mantissa\":123,\"exponent\":-2},"
		"\"side\":\"SELL\",\"is_final\":true,\"event_time\":1700000000000000001,"
		"\"symbol\":\"AAPL.OQ\",\"parent_id\":null,"
		"\"fills\":[10,-20,-9223372036854775808],\"levels\":[1,2,3,4]}";

	(void)state;
	assert_int_equal(tern_msg_to_json(bench_messages, bench_N_MESSAGES, buf, (size_t)n, out,
					  sizeof(out)), strlen(want));
	assert_string_equal(out, want);
	/* every capacity short of the text fails cleanly and stays terminated */
	for (size_t cap = 1; cap <= strlen(want); cap++) {
		assert_int_equal(tern_msg_to_json(bench_messages, bench_N_MESSAGES, buf, (size_t)n,
						  out, cap), TERN_CODEC_ENOSPACE);
		assert_true(strlen(out) < cap);
	}
	/* a schema without the type */
	assert_int_equal(tern_msg_to_json(common_messages, common_N_MESSAGES, buf, (size_t)n, out,
					  sizeof(out)), TERN_CODEC_EUNKNOWN);
}

static void scalars_strings_and_lists_as_json(void **state)
{
	struct Scalars sc = { INT8_MIN, -1, 0, INT64_MAX, 255, 65535, UINT32_MAX, UINT64_MAX,
			      NAN, -INFINITY, false, -1, Level_HIGH, Color_BLUE, Big_MAX };
	struct tern_str items[2] = { TERN_STR_LIT("q\"\\"), { "\x01\xff", 2 } };
	struct Strings st = { TERN_STR_LIT("tab\there"), false, { 0 }, { items, NULL, 2, 0 },
			      { TERN_STR_LIT(""), TERN_STR_LIT("z") } };
	struct Point pts[1] = { { -1, 1 } };
	bool bools[2] = { true, false };
	float f32s[1] = { 0.1f };
	double f64s[1] = { 0.1 };
	struct Lists li = { .l_f32 = { f32s, 1 }, .l_f64 = { f64s, 1 }, .l_bool = { bools, 2 },
			    .l_point = { pts, NULL, 1, 0 } };
	int64_t n;

	(void)state;
	n = Scalars_encode(&sc, buf, sizeof(buf));
	assert_string_equal(types_json(n),
		"{\"_type\":\"Scalars\",\"_version\":1,\"a_i8\":-128,\"a_i16\":-1,\"a_i32\":0,"
		"\"a_i64\":9223372036854775807,\"a_u8\":255,\"a_u16\":65535,"
		"\"a_u32\":4294967295,\"a_u64\":18446744073709551615,\"a_f32\":\"NaN\","
		"\"a_f64\":\"-Infinity\",\"a_bool\":false,\"a_time\":-1,\"level\":\"HIGH\","
		"\"color\":\"BLUE\",\"big\":\"MAX\"}");

	n = Strings_encode(&st, buf, sizeof(buf));
	assert_string_equal(types_json(n),
		"{\"_type\":\"Strings\",\"_version\":1,\"s\":\"tab\\u0009here\",\"os\":null,"
		"\"ls\":[\"q\\\"\\\\\",\"\\u0001\\u00ff\"],\"as\":[\"\",\"z\"]}");

	n = Lists_encode(&li, buf, sizeof(buf));
	assert_string_equal(types_json(n),
		"{\"_type\":\"Lists\",\"_version\":1,\"l_i8\":[],\"l_u16\":[],\"l_i32\":[],"
		"\"l_u64\":[],\"l_f32\":[0.100000001],\"l_f64\":[0.10000000000000001],\"l_bool\":[true,false],\"l_time\":[],"
		"\"l_color\":[],\"l_point\":[{\"_type\":\"Point\",\"_version\":1,\"x\":-1,"
		"\"y\":1}],\"l_str\":[]}");
}

static void json_rejects_what_decoders_reject(void **state)
{
	struct Scalars sc = { 0 };
	int64_t n;

	(void)state;
	sc.level = Level_LOW;
	n = Scalars_encode(&sc, buf, sizeof(buf));
	buf[8 + 1 + 2 + 4 + 8 + 1 + 2 + 4 + 8 + 4 + 8] = 2; /* a_bool */
	assert_int_equal(tern_msg_to_json(types_messages, types_N_MESSAGES, buf, (size_t)n, out,
					  sizeof(out)), TERN_CODEC_EBADBOOL);
	assert_int_equal(tern_msg_to_json(types_messages, types_N_MESSAGES, buf, 7, out,
					  sizeof(out)), TERN_CODEC_ETRUNC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(order_update_as_json),
		cmocka_unit_test(scalars_strings_and_lists_as_json),
		cmocka_unit_test(json_rejects_what_decoders_reject),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
