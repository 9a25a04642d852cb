/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Round trips of every DSL type at its edge values: integer limits, NaN
 * and infinities, empty and large strings and lists, optionals absent and
 * present, nested messages, lists of messages, and the encode errors.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "bench.tmsg.h"
#include "types.tmsg.h"

static uint8_t buf[1 << 20];

static void scalars_edges(void **state)
{
	struct Scalars lo = { INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN, 0, 0, 0, 0,
			      -INFINITY, -1e308, false, INT64_MIN, Level_LOW,
			      Color_RED, Big_ZERO };
	struct Scalars hi = { INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX, UINT8_MAX,
			      UINT16_MAX, UINT32_MAX, UINT64_MAX, INFINITY, NAN, true,
			      INT64_MAX, Level_HIGH, Color_BLUE, Big_MAX };
	struct Scalars out = { 0 };
	int64_t n;

	(void)state;
	n = Scalars_encode(&lo, buf, sizeof(buf));
	assert_int_equal(n, Scalars_MAX_SIZE);
	assert_int_equal(n, Scalars_size(&lo));
	assert_int_equal(Scalars_decode(&out, buf, (size_t)n), n);
	assert_int_equal(out.a_i8, INT8_MIN);
	assert_int_equal(out.a_i16, INT16_MIN);
	assert_int_equal(out.a_i32, INT32_MIN);
	assert_true(out.a_i64 == INT64_MIN);
	assert_true(out.a_time == INT64_MIN);
	assert_true(isinf(out.a_f32) && out.a_f32 < 0);
	assert_true(out.a_f64 == -1e308);
	assert_false(out.a_bool);
	assert_int_equal(out.level, Level_LOW);
	assert_int_equal(out.color, Color_RED);
	assert_int_equal(out.big, Big_ZERO);

	n = Scalars_encode(&hi, buf, sizeof(buf));
	assert_int_equal(n, Scalars_MAX_SIZE);
	assert_int_equal(Scalars_decode(&out, buf, (size_t)n), n);
	assert_int_equal(out.a_i8, INT8_MAX);
	assert_int_equal(out.a_i16, INT16_MAX);
	assert_int_equal(out.a_i32, INT32_MAX);
	assert_true(out.a_i64 == INT64_MAX);
	assert_int_equal(out.a_u8, UINT8_MAX);
	assert_int_equal(out.a_u16, UINT16_MAX);
	assert_int_equal(out.a_u32, UINT32_MAX);
	assert_true(out.a_u64 == UINT64_MAX);
	assert_true(isinf(out.a_f32) && out.a_f32 > 0);
	assert_true(isnan(out.a_f64));
	assert_true(out.a_bool);
	assert_true(out.a_time == INT64_MAX);
	assert_int_equal(out.level, Level_HIGH);
	assert_int_equal(out.color, Color_BLUE);
	assert_int_equal(out.big, Big_MAX);
	/* header: type id, version, body length, little-endian */
	assert_int_equal(buf[0] | buf[1] << 8, Scalars_TYPE_ID);
	assert_int_equal(buf[2] | buf[3] << 8, 1);
	assert_int_equal(tern__ld_u32(buf + 4), Scalars_MAX_SIZE - 8);
}

static void wire_bytes_are_little_endian(void **state)
{
	struct StatusQuery q = { 0x0102030405060708LL, -2 };
	static const uint8_t want[] = { 0x4c, 0x04, 1, 0, 12, 0, 0, 0,	/* id 1100 */
					8, 7, 6, 5, 4, 3, 2, 1,
					0xfe, 0xff, 0xff, 0xff };
	(void)state;
	assert_int_equal(StatusQuery_encode(&q, buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void strings_empty_and_large(void **state)
{
	static char big[200000];
	struct tern_str items[3] = { TERN_STR_LIT(""), TERN_STR_LIT("b"), { big, sizeof(big) } };
	struct Strings s = { 0 }, out = { 0 };
	struct tern_iter it;
	struct tern_str v = { 0 };
	int64_t n;

	(void)state;
	memset(big, 'x', sizeof(big));
	/* all empty, optional absent */
	n = Strings_encode(&s, buf, sizeof(buf));
	assert_int_equal(n, 8 + 4 + 1 + 4 + 8);
	assert_int_equal(Strings_decode(&out, buf, (size_t)n), n);
	assert_int_equal(out.s.len, 0);
	assert_false(out.has_os);
	assert_int_equal(out.ls.count, 0);
	assert_int_equal(out.as[0].len + out.as[1].len, 0);

	s.s = (struct tern_str){ big, sizeof(big) };
	s.has_os = true;
	s.os = TERN_STR_LIT("with \"quotes\"\n");
	s.ls.items = items;
	s.ls.count = 3;
	s.as[0] = TERN_STR_LIT("AAPL.OQ");
	s.as[1] = TERN_STR_LIT("");
	n = Strings_encode(&s, buf, sizeof(buf));
	assert_int_equal(n, Strings_size(&s));
	assert_int_equal(Strings_decode(&out, buf, (size_t)n), n);
	assert_int_equal(out.s.len, sizeof(big));
	assert_memory_equal(out.s.ptr, big, sizeof(big));
	assert_ptr_equal(out.s.ptr, buf + 8 + 4); /* zero-copy */
	assert_true(out.has_os && tern_str_eq(out.os, "with \"quotes\"\n"));
	assert_int_equal(out.ls.count, 3);
	assert_null(out.ls.items);
	it = tern_list_str_iter(&out.ls);
	assert_true(tern_list_str_next(&it, &v) && v.len == 0);
	assert_true(tern_list_str_next(&it, &v) && tern_str_eq(v, "b"));
	assert_true(tern_list_str_next(&it, &v) && v.len == sizeof(big));
	assert_false(tern_list_str_next(&it, &v));
	assert_int_equal(tern_list_str_get(&out.ls, 1, &v), 0);
	assert_true(tern_str_eq(v, "b"));
	assert_int_equal(tern_list_str_get(&out.ls, 3, &v), TERN_CODEC_EINVAL);
	assert_true(tern_str_eq(out.as[0], "AAPL.OQ"));

	/* a decoded message re-encodes to the same bytes */
	{
		static uint8_t again[sizeof(buf)];
		assert_int_equal(Strings_encode(&out, again, sizeof(again)), n);
		assert_memory_equal(again, buf, (size_t)n);
	}
}

static void lists_every_element_type(void **state)
{
	int8_t i8s[] = { INT8_MIN, 0, INT8_MAX };
	uint16_t u16s[] = { 0, UINT16_MAX };
	int32_t i32s[] = { INT32_MIN, INT32_MAX };
	uint64_t u64s[] = { UINT64_MAX };
	float f32s[] = { NAN, -0.0f };
	double f64s[] = { INFINITY, -INFINITY, 1.5 };
	bool bools[] = { true, false, true };
	int64_t times[] = { 1700000000000000000LL };
	Color colors[] = { Color_GREEN, Color_BLUE };
	struct Point pts[] = { { 1, 2 }, { -3, -4 }, { INT32_MAX, INT32_MIN } };
	struct tern_str strs[] = { TERN_STR_LIT("x") };
	struct Lists l = {
		.l_i8 = { i8s, 3 }, .l_u16 = { u16s, 2 }, .l_i32 = { i32s, 2 },
		.l_u64 = { u64s, 1 }, .l_f32 = { f32s, 2 }, .l_f64 = { f64s, 3 },
		.l_bool = { bools, 3 }, .l_time = { times, 1 }, .l_color = { colors, 2 },
		.l_point = { pts, NULL, 3, 0 }, .l_str = { strs, NULL, 1, 0 },
	};
	struct Lists out = { 0 }, empty = { 0 };
	struct Point pt = { 0 };
	struct tern_iter it;
	int64_t n;

	(void)state;
	n = Lists_encode(&l, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(n, Lists_size(&l));
	assert_int_equal(Lists_decode(&out, buf, (size_t)n), n);
	assert_int_equal(out.l_i8.count, 3);
	assert_int_equal(tern_list_i8_at(&out.l_i8, 0), INT8_MIN);
	assert_int_equal(tern_list_i8_at(&out.l_i8, 2), INT8_MAX);
	assert_int_equal(tern_list_u16_at(&out.l_u16, 1), UINT16_MAX);
	assert_int_equal(tern_list_i32_at(&out.l_i32, 0), INT32_MIN);
	assert_true(tern_list_u64_at(&out.l_u64, 0) == UINT64_MAX);
	assert_true(isnan(tern_list_f32_at(&out.l_f32, 0)));
	assert_true(signbit(tern_list_f32_at(&out.l_f32, 1)));
	assert_true(isinf(tern_list_f64_at(&out.l_f64, 1)));
	assert_true(tern_list_f64_at(&out.l_f64, 2) == 1.5);
	assert_true(tern_list_bool_at(&out.l_bool, 0) && !tern_list_bool_at(&out.l_bool, 1));
	assert_true(tern_list_i64_at(&out.l_time, 0) == times[0]);
	assert_int_equal(tern_list_u16_at(&out.l_color, 1), Color_BLUE);
	assert_int_equal(out.l_point.count, 3);
	assert_int_equal(Point_list_get(&out.l_point, 2, &pt), 0);
	assert_int_equal(pt.x, INT32_MAX);
	assert_int_equal(pt.y, INT32_MIN);
	assert_int_equal(Point_list_get(&out.l_point, 3, &pt), TERN_CODEC_EINVAL);
	it = Point_list_iter(&out.l_point);
	for (int i = 0; i < 3; i++) {
		assert_true(Point_list_next(&it, &pt));
		assert_int_equal(pt.x, pts[i].x);
	}
	assert_false(Point_list_next(&it, &pt));
	/* caller-built lists read back through the same accessors */
	assert_int_equal(Point_list_get(&l.l_point, 1, &pt), 0);
	assert_int_equal(pt.y, -4);

	n = Lists_encode(&empty, buf, sizeof(buf));
	assert_int_equal(n, 8 + 11 * 4);
	assert_int_equal(Lists_decode(&out, buf, (size_t)n), n);
	assert_int_equal(out.l_point.count + out.l_str.count + out.l_i8.count, 0);
}

static void optionals_absent_and_present(void **state)
{
	struct Optionals o = { 0 }, out = { 0 };
	int64_t n;

	(void)state;
	n = Optionals_encode(&o, buf, sizeof(buf));
	assert_int_equal(n, 8 + 6);
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(Optionals_decode(&out, buf, (size_t)n), n);
	assert_false(out.has_o_i64 || out.has_o_bool || out.has_o_color || out.has_o_point ||
		     out.has_o_f64 || out.has_o_str);
	assert_true(out.o_i64 == 0 && out.o_point.x == 0 && out.o_str.len == 0);

	o = (struct Optionals){ true, INT64_MIN, true, false, true, Color_GREEN,
				true, { 5, 6 }, true, -0.0, true, TERN_STR_LIT("last") };
	n = Optionals_encode(&o, buf, sizeof(buf));
	assert_int_equal(n, 8 + 9 + 2 + 3 + 1 + 16 + 9 + 1 + 4 + 4);
	assert_int_equal(Optionals_decode(&out, buf, (size_t)n), n);
	assert_true(out.has_o_i64 && out.o_i64 == INT64_MIN);
	assert_true(out.has_o_bool && !out.o_bool);
	assert_true(out.has_o_color && out.o_color == Color_GREEN);
	assert_true(out.has_o_point && out.o_point.y == 6);
	assert_true(out.has_o_f64 && signbit(out.o_f64));
	assert_true(out.has_o_str && tern_str_eq(out.o_str, "last"));
}

static void arrays_and_nesting(void **state)
{
	struct Arrays a = { { 1, 2, 255 }, { true, false }, { Level_MID, Level_HIGH },
			    { { 1, 1 }, { 2, 2 } }, { 0.5f, NAN } }, ao = { 0 };
	struct Optionals opts[2] = { { .has_o_i64 = true, .o_i64 = 9 }, { 0 } };
	struct tern_str strs[1] = { TERN_STR_LIT("deep") };
	struct Nested nst = { 0 }, no = { 0 };
	struct Optionals o = { 0 };
	int64_t n;

	(void)state;
	n = Arrays_encode(&a, buf, sizeof(buf));
	assert_int_equal(n, Arrays_MAX_SIZE);
	assert_int_equal(Arrays_decode(&ao, buf, (size_t)n), n);
	assert_int_equal(ao.a_u8[2], 255);
	assert_true(ao.a_bool[0] && !ao.a_bool[1]);
	assert_int_equal(ao.a_level[1], Level_HIGH);
	assert_int_equal(ao.a_point[1].y, 2);
	assert_true(isnan(ao.a_f32[1]));

	nst.p = (struct Point){ 7, 8 };
	nst.s.a_u64 = 99;
	nst.s.level = Level_MID;
	nst.l.l_str = (struct tern_list_str){ strs, NULL, 1, 0 };
	nst.has_os = true;
	nst.os.s = TERN_STR_LIT("inner");
	nst.lo = (struct Optionals_list){ opts, NULL, 2, 0 };
	n = Nested_encode(&nst, buf, sizeof(buf));
	assert_int_equal(n, Nested_size(&nst));
	assert_int_equal(Nested_decode(&no, buf, (size_t)n), n);
	assert_int_equal(no.p.y, 8);
	assert_true(no.s.a_u64 == 99);
	assert_int_equal(no.s.level, Level_MID);
	assert_true(no.has_os && tern_str_eq(no.os.s, "inner"));
	assert_int_equal(no.lo.count, 2);
	assert_int_equal(Optionals_list_get(&no.lo, 0, &o), 0);
	assert_true(o.has_o_i64 && o.o_i64 == 9);
	assert_int_equal(Optionals_list_get(&no.lo, 1, &o), 0);
	assert_false(o.has_o_i64);
}

static void empty_message(void **state)
{
	struct Empty e = { 0 }, out = { 0 };
	(void)state;
	assert_int_equal(Empty_encode(&e, buf, sizeof(buf)), 8);
	assert_int_equal(Empty_MAX_SIZE, 8);
	assert_int_equal(Empty_decode(&out, buf, 8), 8);
}

static void order_update_matches_benchmark_shape(void **state)
{
	int64_t fills[16];
	struct OrderUpdate u = { 0 }, out = { 0 };
	int64_t n;

	(void)state;
	for (int i = 0; i < 16; i++)
		fills[i] = i * 1000 - 5;
	u.order_id = 123456789;
	u.quantity = -100;
	u.price = (struct Price){ 1234500, -2 };
	u.side = Side_SELL;
	u.is_final = true;
	u.event_time = 1700000000123456789LL;
	u.symbol = TERN_STR_LIT("AAPL.OQ");
	u.has_parent_id = true;
	u.parent_id = 42;
	u.fills = (struct tern_list_i64){ fills, 16 };
	u.levels[0] = 1;
	u.levels[3] = INT32_MIN;
	n = OrderUpdate_encode(&u, buf, sizeof(buf));
	assert_int_equal(n, OrderUpdate_size(&u));
	assert_int_equal(OrderUpdate_decode(&out, buf, (size_t)n), n);
	assert_true(out.order_id == 123456789 && out.quantity == -100);
	assert_true(out.price.mantissa == 1234500 && out.price.exponent == -2);
	assert_int_equal(out.side, Side_SELL);
	assert_string_equal(Side_name(out.side), "SELL");
	assert_null(Side_name(0));
	assert_true(out.is_final && out.event_time == u.event_time);
	assert_true(tern_str_eq(out.symbol, "AAPL.OQ"));
	assert_true(out.has_parent_id && out.parent_id == 42);
	assert_int_equal(out.fills.count, 16);
	for (uint32_t i = 0; i < 16; i++)
		assert_true(tern_list_i64_at(&out.fills, i) == fills[i]);
	assert_int_equal(out.levels[3], INT32_MIN);
}

static void encode_errors(void **state)
{
	struct OrderUpdate u = { 0 };
	struct Strings s = { 0 };
	struct Lists l = { 0 };
	int64_t need;
	uint16_t id = 0, ver = 0;

	(void)state;
	u.side = Side_BUY;
	need = (int64_t)OrderUpdate_size(&u);
	/* every capacity short of the size fails, and writes nothing past cap */
	for (int64_t cap = 0; cap < need; cap++)
		assert_int_equal(OrderUpdate_encode(&u, buf, (size_t)cap), TERN_CODEC_ENOSPACE);
	assert_int_equal(OrderUpdate_encode(&u, buf, (size_t)need), need);
	assert_int_equal(tern_codec_peek(buf, (size_t)need, &id, &ver), need);
	assert_int_equal(id, OrderUpdate_TYPE_ID);
	assert_int_equal(ver, OrderUpdate_VERSION);
	assert_int_equal(tern_codec_peek(buf, 7, &id, &ver), TERN_CODEC_ETRUNC);

	u.side = 3; /* not a declared Side */
	assert_int_equal(OrderUpdate_encode(&u, buf, sizeof(buf)), TERN_CODEC_EBADENUM);
	s.s.len = 3; /* NULL pointer with a length */
	assert_int_equal(Strings_encode(&s, buf, sizeof(buf)), TERN_CODEC_EINVAL);
	l.l_i32.count = 2;
	assert_int_equal(Lists_encode(&l, buf, sizeof(buf)), TERN_CODEC_EINVAL);
	assert_string_equal(tern_codec_strerror(TERN_CODEC_ENOSPACE), "output buffer too small");
	assert_string_equal(tern_codec_strerror(1), "unknown error");
}

static int n_points, n_queries;
static int on_point(const struct Point *m, void *clientd)
{
	(void)clientd;
	n_points += m->x;
	return 0;
}

static void dispatch_by_type_id(void **state)
{
	struct common_handlers h = { .on_Point = on_point };
	struct Point pt = { 5, 0 };
	struct Empty e = { 0 };
	int64_t n;

	(void)state;
	n = Point_encode(&pt, buf, sizeof(buf));
	assert_int_equal(common_dispatch(buf, (size_t)n, &h, NULL), n);
	assert_int_equal(n_points, 5);
	n = Empty_encode(&e, buf, sizeof(buf));
	assert_int_equal(common_dispatch(buf, (size_t)n, &h, NULL), TERN_CODEC_EUNKNOWN);
	(void)n_queries;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scalars_edges),
		cmocka_unit_test(wire_bytes_are_little_endian),
		cmocka_unit_test(strings_empty_and_large),
		cmocka_unit_test(lists_every_element_type),
		cmocka_unit_test(optionals_absent_and_present),
		cmocka_unit_test(arrays_and_nesting),
		cmocka_unit_test(empty_message),
		cmocka_unit_test(order_update_matches_benchmark_shape),
		cmocka_unit_test(encode_errors),
		cmocka_unit_test(dispatch_by_type_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
