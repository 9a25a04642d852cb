/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Appends and reads allocate nothing in steady state.
 *
 * The executable is linked with -Wl,--wrap for the allocator entry points,
 * so every call from tern's code (and this test) goes through a counter.
 * Allocations inside libc itself are not seen; the log calls no libc
 * function that allocates on these paths (no stdio, no opendir).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log_test_util.h"

static atomic_long allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);

void *__wrap_malloc(size_t n) { allocs++; return __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { allocs++; return __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { allocs++; return __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t a, size_t n) { allocs++; return __real_aligned_alloc(a, n); }
int __wrap_posix_memalign(void **p, size_t a, size_t n) { allocs++; return __real_posix_memalign(p, a, n); }

static const char *const dir = tlt_dir;

/* Append @p n records through the rule-routed log, reading each burst back
 * through @p r; returns the number read. */
static uint64_t
run(struct tern_log *log, struct tern_log_reader *r, uint64_t from, uint64_t n)
{
	struct tlt_msg t;
	struct tern_log_msg m;
	uint64_t got = 0;

	for (uint64_t s = from; s < from + n; s++) {
		tlt_msg_init(&t, "md.eq.AAPL", s, 100);
		assert_true(tern_log_append(log, &t.m, NULL) > 0);
		if (s % 32 == 0) {
			assert_int_equal(tern_log_flush(log), 0);
			while (tern_log_reader_next(r, &m) == 0) {
				assert_int_equal(m.seq, from + got);
				got++;
			}
		}
	}
	assert_int_equal(tern_log_flush(log), 0);
	while (tern_log_reader_next(r, &m) == 0)
		got++;
	return got;
}

static void
steady_state_appends_and_reads_do_not_allocate(void **state)
{
	static const enum tern_log_fsync pols[] = {TERN_LOG_FSYNC_NEVER,
		TERN_LOG_FSYNC_INTERVAL, TERN_LOG_FSYNC_ALWAYS};

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct tern_log_rule rule = {"md.>", "{topic}", {
			.fsync = pols[i], .interval_ms = 2,
			.segment_bytes = 64 << 10, .retain_bytes = 512 << 10,
			.rotate_utc_sec = -1}};
		struct tern_log *log;
		struct tern_log_reader *r;
		struct tlt_msg t;

		assert_int_equal(tern_log_open(dir, &rule, 1, NULL, 16, &log), 0);
		/* first sighting of the topic opens its writer */
		tlt_msg_init(&t, "md.eq.AAPL", 0, 100);
		assert_int_equal(tern_log_append(log, &t.m, NULL),
				(int64_t)(i * 40001 + 1));
		assert_int_equal(tern_log_flush(log), 0);
		assert_int_equal(tern_log_reader_open(dir, "md.eq.AAPL",
				TERN_LOG_START_LATEST, 0, NULL, &r), 0);
		/* warm up: crosses rotations and retention once */
		assert_int_equal(run(log, r, 1, 10000), 10000);

		long before = atomic_load(&allocs);
		assert_int_equal(run(log, r, 10001, 30000), 30000);
		long during = atomic_load(&allocs) - before;
		if (during != 0)
			fail_msg("policy %d: %ld allocations in steady state",
					(int)pols[i], during);
		assert_true(tlt_count(dir, ".tlog") >= 2);

		tern_log_reader_close(r);
		assert_int_equal(tern_log_close(log), 0);
	}
	/* the counter works: opening allocates */
	long before = atomic_load(&allocs);
	struct tern_log_reader *r;
	assert_int_equal(tern_log_reader_open(dir, "md.eq.AAPL",
			TERN_LOG_START_EARLIEST, 0, NULL, &r), 0);
	assert_true(atomic_load(&allocs) > before);
	tern_log_reader_close(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			steady_state_appends_and_reads_do_not_allocate,
			tlt_setup, tlt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
