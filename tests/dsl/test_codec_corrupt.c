/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Malformed input: every truncation of valid messages (of the buffer and
 * of the declared body), targeted corruptions that must give one specific
 * error, and seeded random corruptions.  Decoders must return an error or
 * a consistent result, never read past the buffer (run under ASan in the
 * sanitizer build: the buffers are heap copies of exactly len bytes), and
 * agree with the JSON printer on what is valid.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <tern/tern_json.h>

#include "bench.tmsg.h"
#include "types.tmsg.h"

/* A decoder under test: decode, then re-encode what was decoded. */
struct codec {
	const char *name;
	int64_t (*decode_reencode)(const uint8_t *buf, size_t len, uint8_t *out, size_t cap);
};

#define CODEC(M)                                                                   \
	static int64_t M##_dr(const uint8_t *buf, size_t len, uint8_t *out, size_t cap) \
	{                                                                          \
		struct M m;                                                        \
		int64_t n = M##_decode(&m, buf, len);                              \
		if (n < 0)                                                         \
			return n;                                                  \
		assert_true(n <= (int64_t)len);                                    \
		n = M##_encode(&m, out, cap);                                      \
		assert_true(n > 0); /* whatever decodes must encode again */      \
		return n;                                                          \
	}
CODEC(Scalars)
CODEC(Strings)
CODEC(Lists)
CODEC(Optionals)
CODEC(Arrays)
CODEC(Nested)
CODEC(OrderUpdate)

static const struct tern_msg_desc *const all_descs[] = {
	&Scalars_desc, &Strings_desc, &Lists_desc, &Optionals_desc, &Arrays_desc,
	&Nested_desc, &OrderUpdate_desc, &Point_desc, &Empty_desc,
};

static struct {
	struct codec c;
	uint8_t bytes[2048];
	size_t len;
} samples[7];

static uint8_t scratch[1 << 16];
static char json[1 << 16];

/* Fills samples[] with one encoding of each message, every optional
 * present and every list non-empty. */
static int make_samples(void **state)
{
	static const uint32_t *none;
	static struct Point pts[2] = { { 1, 2 }, { 3, 4 } };
	static struct tern_str strs[2] = { { "ab", 2 }, { "", 0 } };
	static int64_t fills[3] = { 1, -1, INT64_MAX };
	static bool bools[2] = { true, false };
	static Color colors[2] = { Color_RED, Color_BLUE };
	static struct Optionals opts[1] = { { true, 1, true, true, true, Color_GREEN,
					      true, { 5, 6 }, true, 2.5, true, { "xy", 2 } } };
	struct Scalars sc = { -1, -2, -3, -4, 5, 6, 7, 8, 1.5f, NAN, true, 99, Level_HIGH,
			      Color_GREEN, Big_MAX };
	struct Strings st = { TERN_STR_LIT("hello"), true, TERN_STR_LIT("opt"),
			      { strs, NULL, 2, 0 }, { TERN_STR_LIT("a"), TERN_STR_LIT("bc") } };
	struct Lists li = { .l_i8 = { fills, 2 }, .l_u16 = { fills, 3 }, .l_i32 = { fills, 1 },
			    .l_u64 = { fills, 3 }, .l_f32 = { fills, 1 }, .l_f64 = { fills, 2 },
			    .l_bool = { bools, 2 }, .l_time = { fills, 3 },
			    .l_color = { colors, 2 }, .l_point = { pts, NULL, 2, 0 },
			    .l_str = { strs, NULL, 2, 0 } };
	struct Arrays ar = { { 1, 2, 3 }, { true, true }, { Level_LOW, Level_MID },
			     { { 1, 1 }, { 2, 2 } }, { 1, 2 } };
	struct Nested ne = { .p = { 1, 2 }, .s = sc, .l = li, .has_os = true, .os = st,
			     .lo = { opts, NULL, 1, 0 } };
	struct OrderUpdate ou = { 1, 2, { 3, 4 }, Side_BUY, true, 5, TERN_STR_LIT("AAPL.OQ"),
				  true, 6, { fills, 3 }, { 7, 8, 9, 10 } };
	int k = 0;

	(void)state;
	(void)none;
	/* bit patterns of fills[] make valid f32/f64/u16/i8 lists too */
#define ADD(M, v)                                                                  \
	samples[k].c = (struct codec){ #M, M##_dr };                               \
	samples[k].len = (size_t)M##_encode(&(v), samples[k].bytes, sizeof(samples[k].bytes)); \
	assert_true((int64_t)samples[k].len > 0);                                  \
	k++
	ADD(Scalars, sc);
	ADD(Strings, st);
	ADD(Lists, li);
	ADD(Optionals, opts[0]);
	ADD(Arrays, ar);
	ADD(Nested, ne);
	ADD(OrderUpdate, ou);
#undef ADD
	return 0;
}

/* Decodes a heap copy of exactly len bytes, so ASan sees any overread;
 * checks the JSON printer agrees on validity. */
static int64_t check(const struct codec *c, const uint8_t *bytes, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int64_t rc, jrc;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	rc = c->decode_reencode(copy, len, scratch, sizeof(scratch));
	jrc = tern_msg_to_json(all_descs, sizeof(all_descs) / sizeof(all_descs[0]), copy, len,
			       json, sizeof(json));
	if ((rc >= 0) != (jrc >= 0))
		fail_msg("%s: decoder says %lld, JSON printer says %lld (len %zu)", c->name,
			 (long long)rc, (long long)jrc, len);
	free(copy);
	return rc;
}

static void every_truncation_fails(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
		const struct codec *c = &samples[s].c;
		uint8_t *b = samples[s].bytes;
		size_t n = samples[s].len;
		uint8_t tmp[2048];

		assert_int_equal(check(c, b, n), n);
		/* the buffer ends early: the header promises more */
		for (size_t len = 0; len < n; len++)
			assert_int_equal(check(c, b, len), TERN_CODEC_ETRUNC);
		/* the header itself says the body is shorter */
		for (uint32_t body = 0; body < n - 8; body++) {
			memcpy(tmp, b, n);
			tern__st_u32(tmp + 4, body);
			int64_t rc = check(c, tmp, body + 8);
			if (rc != TERN_CODEC_ETRUNC && rc != TERN_CODEC_EBADLEN)
				fail_msg("%s body %u: %lld", c->name, body, (long long)rc);
		}
	}
}

static void targeted_corruptions(void **state)
{
	uint8_t *b = samples[6].bytes; /* OrderUpdate */
	size_t n = samples[6].len;
	const struct codec *c = &samples[6].c;
	uint8_t t[2048];
	/* offsets in OrderUpdate: hdr 8, order_id 8, quantity 4, Price 17 */
	const size_t side = 8 + 8 + 4 + 17, is_final = side + 1;
	const size_t flag = is_final + 1 + 8 + 4 + 7;

	(void)state;
#define MUTATE(off, val, want)                                                     \
	memcpy(t, b, n);                                                           \
	t[off] = (val);                                                            \
	assert_int_equal(check(c, t, n), want)
	MUTATE(side, 0, TERN_CODEC_EBADENUM);
	MUTATE(side, 3, TERN_CODEC_EBADENUM);
	MUTATE(is_final, 2, TERN_CODEC_EBADBOOL);
	MUTATE(flag, 2, TERN_CODEC_EBADFLAG);
	MUTATE(0, 99, TERN_CODEC_EBADTYPE);     /* type id */
	MUTATE(2, 0, TERN_CODEC_EBADVERSION);   /* version 0 */
	MUTATE(20, 99, TERN_CODEC_EBADTYPE);    /* nested Price's type id */
	MUTATE(flag + 1 + 8 + 3, 0x80, TERN_CODEC_ETRUNC); /* huge list count */
	MUTATE(is_final + 1 + 8 + 3, 0xff, TERN_CODEC_ETRUNC); /* huge string */
#undef MUTATE
	/* one byte too many for the version the reader knows */
	memcpy(t, b, n);
	t[n] = 0;
	tern__st_u32(t + 4, tern__ld_u32(t + 4) + 1);
	assert_int_equal(check(c, t, n + 1), TERN_CODEC_EBADLEN);
	/* the same from a newer writer: skipped (and re-encoded without it) */
	tern__st_u16(t + 2, 2);
	assert_int_equal(check(c, t, n + 1), n);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void random_corruptions(void **state)
{
	unsigned ok = 0, bad = 0, canonical = 0;

	(void)state;
	for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
		for (int iter = 0; iter < 3000; iter++) {
			uint8_t t[2048];
			size_t n = samples[s].len;
			int flips = 1 + (int)(next_rand() % 4);

			memcpy(t, samples[s].bytes, n);
			for (int f = 0; f < flips; f++) {
				size_t at = next_rand() % n;
				t[at] = (uint8_t)(next_rand() & 1 ? next_rand() : t[at] ^ (1u << (next_rand() % 8)));
			}
			int64_t rc = check(&samples[s].c, t, n);
			if (rc >= 0) {
				static uint8_t again[sizeof(scratch)];
				ok++;
				/* The format is canonical: apart from version
				 * numbers, what decodes re-encodes to the same
				 * bytes, and re-encoding is a fixed point. */
				if (rc == (int64_t)n && memcmp(scratch, t, n) == 0)
					canonical++;
				assert_int_equal(samples[s].c.decode_reencode(scratch, (size_t)rc, again,
									     sizeof(again)), rc);
				assert_memory_equal(again, scratch, (size_t)rc);
			} else {
				bad++;
			}
		}
	}
	/* both outcomes happen: the corruptions are neither all fatal nor all benign */
	assert_true(ok > 100 && bad > 100);
	assert_true(canonical > ok / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_truncation_fails),
		cmocka_unit_test(targeted_corruptions),
		cmocka_unit_test(random_corruptions),
	};
	return cmocka_run_group_tests(tests, make_samples, NULL);
}
