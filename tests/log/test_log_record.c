/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_hash_crc.h>

#include "log/log_record.h"
#include "log_test_util.h"

static void
crc32c_matches_the_standard_check_value(void **state)
{
	(void)state;
	assert_int_equal(tern__crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(tern__crc32c("", 0), 0);
}

static void
crc32c_interleaved_matches_bytewise_at_every_length(void **state)
{
	static uint8_t buf[2100];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 7));
	for (size_t off = 0; off < 8; off++) {
		for (size_t len = 0; len + off <= sizeof(buf) && len <= 2048; len++) {
			uint32_t ref = 0xffffffffu;
			for (size_t i = 0; i < len; i++)
				ref = rte_hash_crc_1byte(buf[off + i], ref);
			if (tern__crc32c(buf + off, len) != ~ref)
				fail_msg("crc mismatch at offset %zu length %zu", off, len);
		}
	}
}

static void
record_round_trips_every_field(void **state)
{
	uint8_t buf[4096] __attribute__((aligned(8)));
	struct tlt_msg t;
	struct tern_log_msg got;
	size_t need;
	uint8_t flags = 0xff;

	(void)state;
	for (uint32_t len = 0; len < 40; len++) {
		tlt_msg_init(&t, "md.eq.AAPL", 1000 + len, len);
		size_t n = tern__rec_size(&t.m);
		assert_int_equal(n % 8, 0);
		assert_true(n >= TERN_LOG_RECORD_HDR + 10 + t.m.tags_len + len);
		assert_true(n < TERN_LOG_RECORD_HDR + 10 + t.m.tags_len + len + 8);
		assert_int_equal(tern__rec_encode(buf, &t.m, 77 + len, 0), n);
		assert_int_equal(tern__rec_check(buf, n, 1 << 20, &need), 1);
		tern__rec_view(buf, &got, &flags);
		assert_int_equal(flags, 0);
		assert_int_equal(got.lsn, 77 + len);
		assert_true(tlt_msg_check(&got, "md.eq.AAPL", 1000 + len, len));
		/* short buffers ask for more, they are not damage */
		assert_int_equal(tern__rec_check(buf, 4, 1 << 20, &need), 0);
		assert_int_equal(need, 8);
		assert_int_equal(tern__rec_check(buf, n - 1, 1 << 20, &need), 0);
		assert_int_equal(need, n);
		/* too large for the reader's limit */
		assert_int_equal(tern__rec_check(buf, n, 64, &need), -EBADMSG);
	}
}

static void
every_single_bit_flip_is_detected(void **state)
{
	uint8_t buf[512] __attribute__((aligned(8)));
	struct tlt_msg t;
	size_t need;

	(void)state;
	tlt_msg_init(&t, "x.y", 5, 33);
	size_t n = tern__rec_encode(buf, &t.m, 9, 0);
	for (size_t bit = 0; bit < n * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		int rc = tern__rec_check(buf, n, 1 << 20, &need);
		/* a flipped length may also just ask for more bytes */
		if (rc == 1)
			fail_msg("flip of bit %zu not detected", bit);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(tern__rec_check(buf, n, 1 << 20, &need), 1);
}

static void
seal_names_the_next_segment(void **state)
{
	uint8_t buf[TERN__SEAL_LEN] __attribute__((aligned(8)));
	struct tern_log_msg m;
	uint8_t flags;
	size_t need;

	(void)state;
	assert_int_equal(tern__rec_encode_seal(buf, 42, "s-next.tlog"),
			TERN__SEAL_LEN);
	assert_int_equal(tern__rec_check(buf, sizeof(buf), 1 << 20, &need), 1);
	tern__rec_view(buf, &m, &flags);
	assert_true(flags & TERN__REC_SEAL);
	assert_int_equal(m.lsn, 42);
	assert_string_equal((const char *)m.payload, "s-next.tlog");
}

static void
tags_iterate_and_reject_malformed_blocks(void **state)
{
	static const char good[] = "a=1\0key=\0k2=v=w";
	const char *k, *v;
	size_t kl, vl;
	uint32_t pos = 0;

	(void)state;
	assert_int_equal(tern_log_tag_next(good, sizeof(good), &pos, &k, &kl, &v, &vl), 1);
	assert_memory_equal(k, "a", kl);
	assert_memory_equal(v, "1", vl);
	assert_int_equal(tern_log_tag_next(good, sizeof(good), &pos, &k, &kl, &v, &vl), 1);
	assert_int_equal(kl, 3);
	assert_int_equal(vl, 0);
	assert_int_equal(tern_log_tag_next(good, sizeof(good), &pos, &k, &kl, &v, &vl), 1);
	assert_memory_equal(k, "k2", kl);
	assert_int_equal(vl, 3);
	assert_int_equal(tern_log_tag_next(good, sizeof(good), &pos, &k, &kl, &v, &vl), 0);
	pos = 0;
	assert_int_equal(tern_log_tag_next("abc", 3, &pos, &k, &kl, &v, &vl), -EBADMSG);
	pos = 0;
	assert_int_equal(tern_log_tag_next("=v", 3, &pos, &k, &kl, &v, &vl), -EBADMSG);
}

static void
headers_and_index_entries_check_their_crc(void **state)
{
	struct tern__seg_hdr sh;
	struct tern__idx_hdr ih;
	struct tern__idx_entry e;

	(void)state;
	tern__seg_hdr_init(&sh, 7, 123);
	assert_true(tern__seg_hdr_ok(&sh));
	sh.first_lsn ^= 4;
	assert_false(tern__seg_hdr_ok(&sh));
	tern__idx_hdr_init(&ih, 7);
	assert_true(tern__idx_hdr_ok(&ih));
	ih.magic[0] = 'x';
	assert_false(tern__idx_hdr_ok(&ih));
	tern__idx_entry_init(&e, 1, 2, 3, 4);
	assert_true(tern__idx_entry_ok(&e));
	e.offset++;
	assert_false(tern__idx_entry_ok(&e));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc32c_matches_the_standard_check_value),
		cmocka_unit_test(crc32c_interleaved_matches_bytewise_at_every_length),
		cmocka_unit_test(record_round_trips_every_field),
		cmocka_unit_test(every_single_bit_flip_is_detected),
		cmocka_unit_test(seal_names_the_next_segment),
		cmocka_unit_test(tags_iterate_and_reject_malformed_blocks),
		cmocka_unit_test(headers_and_index_entries_check_their_crc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
