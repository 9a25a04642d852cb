/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Schema evolution, both directions (docs/dsl.md section 4): an old reader
 * skips appended fields, a new reader defaults the fields an old writer
 * did not have, nested messages evolve on their own, and a message that
 * claims the reader's own version may not carry extra bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <tern/tern_json.h>

#include "evo_v1.tmsg.h"
#include "evo_v2.tmsg.h"

static uint8_t buf[4096];

static int64_t encode_v2_full(void)
{
	static const uint32_t tags[] = { 1, 2, 3 };
	struct Order2 o = {
		.id = 77, .inner = { .a = -5, .note = TERN_STR_LIT("new note") },
		.name = TERN_STR_LIT("order"), .has_parent = true, .parent = 12,
		.tags = { tags, 3 }, .extra = { .a = 9 }, .flag = true,
	};
	return Order2_encode(&o, buf, sizeof(buf));
}

static void old_reader_skips_new_fields(void **state)
{
	struct Order1 o = { 0 };
	int64_t n = encode_v2_full();

	(void)state;
	assert_true(n > 0);
	assert_int_equal(Order1_decode(&o, buf, (size_t)n), n); /* consumes it all */
	assert_true(o.id == 77);
	assert_int_equal(o.inner.a, -5); /* nested v2 read by a v1 reader */
	assert_true(tern_str_eq(o.name, "order"));
}

static void new_reader_defaults_missing_fields(void **state)
{
	struct Order1 old = { 5, { 6 }, TERN_STR_LIT("v1") };
	struct Order2 o;
	int64_t n = Order1_encode(&old, buf, sizeof(buf));

	(void)state;
	memset(&o, 0x5a, sizeof(o)); /* defaults must be written, not left */
	assert_int_equal(Order2_decode(&o, buf, (size_t)n), n);
	assert_true(o.id == 5);
	assert_int_equal(o.inner.a, 6);
	assert_int_equal(o.inner.note.len, 0);
	assert_null(o.inner.note.ptr);
	assert_true(tern_str_eq(o.name, "v1"));
	assert_false(o.has_parent);
	assert_true(o.parent == 0);
	assert_int_equal(o.tags.count, 0);
	assert_int_equal(o.extra.a, 0);
	assert_false(o.flag);
}

static void intermediate_version_reads_partially(void **state)
{
	struct Order2 o = { 0 };
	int64_t n = encode_v2_full();
	/* A version-2 writer had no extra (8+4+4 bytes) nor flag (1 byte):
	 * rewrite the message as such a writer would have sent it. */
	uint32_t body = tern__ld_u32(buf + 4) - 17;

	(void)state;
	tern__put_hdr(buf, Order2_TYPE_ID, 2, body);
	assert_int_equal(Order2_decode(&o, buf, (size_t)n - 17), n - 17);
	assert_true(o.has_parent && o.parent == 12);
	assert_int_equal(o.tags.count, 3);
	assert_int_equal(tern_list_u32_at(&o.tags, 2), 3);
	assert_int_equal(o.extra.a, 0);
	assert_false(o.flag);

	/* the same bytes claiming version 2 but keeping the v3 fields: a
	 * version the reader knows may not carry unknown bytes */
	n = encode_v2_full();
	tern__put_hdr(buf, Order2_TYPE_ID, 2, tern__ld_u32(buf + 4));
	assert_int_equal(Order2_decode(&o, buf, (size_t)n), TERN_CODEC_EBADLEN);
	/* ... and the v1 reader agrees when the writer claims version 1 */
	tern__put_hdr(buf, Order2_TYPE_ID, 1, tern__ld_u32(buf + 4));
	{
		struct Order1 o1 = { 0 };
		assert_int_equal(Order1_decode(&o1, buf, (size_t)n), TERN_CODEC_EBADLEN);
	}
}

static void newer_writer_missing_its_own_fields_is_truncated(void **state)
{
	struct Order2 o = { 0 };
	struct Order1 o1 = { 0 };
	int64_t n = encode_v2_full();

	(void)state;
	/* claims version 3 but the body stops before the flag byte */
	tern__put_hdr(buf, Order2_TYPE_ID, 3, tern__ld_u32(buf + 4) - 1);
	assert_int_equal(Order2_decode(&o, buf, (size_t)n - 1), TERN_CODEC_ETRUNC);
	/* an old reader does not look at those bytes: fine for it */
	assert_int_equal(Order1_decode(&o1, buf, (size_t)n - 1), n - 1);
}

static void json_of_newer_message_reports_skipped_bytes(void **state)
{
	char out[512];
	int64_t n = encode_v2_full();
	int64_t k;

	(void)state;
	k = tern_msg_to_json(evo_v1_messages, evo_v1_N_MESSAGES, buf, (size_t)n, out,
			     sizeof(out));
	assert_true(k > 0);
	assert_string_equal(out, "{\"_type\":\"Order1\",\"_version\":3,\"id\":77,"
				 "\"inner\":{\"_type\":\"Inner1\",\"_version\":2,\"a\":-5,"
				 "\"_skipped_bytes\":12},\"name\":\"order\","
				 "\"_skipped_bytes\":42}");
	k = tern_msg_to_json(evo_v2_messages, evo_v2_N_MESSAGES, buf, (size_t)n, out,
			     sizeof(out));
	assert_true(k > 0);
	assert_non_null(strstr(out, "\"tags\":[1,2,3],"));
	assert_non_null(strstr(out, "\"flag\":true}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(old_reader_skips_new_fields),
		cmocka_unit_test(new_reader_defaults_missing_fields),
		cmocka_unit_test(intermediate_version_reads_partially),
		cmocka_unit_test(newer_writer_missing_its_own_fields_is_truncated),
		cmocka_unit_test(json_of_newer_message_reports_skipped_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
