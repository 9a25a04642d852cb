/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sequence high-water marks (lib/log/log_mark.c): what is written is read
 * back after a reopen, and no damage to the file ever yields a lower mark:
 * either a mark at or above the last one set, or -EBADMSG.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log_mark.h"
#include "log_test_util.h"

#define STEP 1000

static struct tern__perm perm = { .file_mode = 0640, .dir_mode = 0750 };

static void mark_path(char *p, size_t cap)
{
	assert_int_equal(tern__mark_path(p, cap, tlt_dir, "md.eq.X"), 0);
}

static uint64_t reopen(int *rc, bool *repaired)
{
	struct tern__mark m;

	*rc = tern__mark_open(tlt_dir, "md.eq.X", STEP, &perm, &m);
	if (*rc < 0)
		return 0;
	*repaired = m.repaired;
	uint64_t hi = m.hi;
	tern__mark_close(&m);
	return hi;
}

static void poke(off_t off, const void *b, size_t n)
{
	char p[256];
	mark_path(p, sizeof(p));
	int fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b, n, off), (ssize_t)n);
	close(fd);
}

static void write_then_reopen(void **state)
{
	(void)state;
	struct tern__mark m;
	struct stat st;
	char p[256];
	bool rep = true;
	int rc;

	assert_int_equal(tern__mark_open(tlt_dir, "md.eq.X", STEP, &perm, &m), 0);
	assert_int_equal(m.hi, 0);             /* new: nothing handed out */
	assert_false(m.repaired);
	assert_int_equal(tern__mark_set(&m, 1000), 0);
	assert_int_equal(tern__mark_set(&m, 2000), 0);
	assert_int_equal(tern__mark_set(&m, 3000), 0);
	tern__mark_close(&m);
	assert_int_equal(reopen(&rc, &rep), 3000);
	assert_int_equal(rc, 0);
	assert_false(rep);
	mark_path(p, sizeof(p));
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 2 * TERN__MARK_SLOT);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* a raise past the bound takes two writes; reopen sees the end */
	assert_int_equal(tern__mark_open(tlt_dir, "md.eq.X", STEP, &perm, &m), 0);
	assert_int_equal(tern__mark_set(&m, 3000 + 5 * STEP), 0);
	tern__mark_close(&m);
	assert_int_equal(reopen(&rc, &rep), 3000 + 5 * STEP);
}

/* Either copy damaged: the mark read is never below the last one set. */
static void one_damaged_copy_never_lowers(void **state)
{
	(void)state;
	struct tern__mark m;
	bool rep = false;
	int rc;

	for (int copy = 0; copy < 2; copy++) {
		assert_int_equal(tern__mark_open(tlt_dir, "md.eq.X", STEP, &perm, &m), 0);
		uint64_t last = m.hi + 700;
		assert_int_equal(tern__mark_set(&m, m.hi + 300), 0);
		assert_int_equal(tern__mark_set(&m, last), 0);
		tern__mark_close(&m);
		uint8_t junk = 0x5a;
		poke(copy * TERN__MARK_SLOT + 17, &junk, 1);
		uint64_t hi = reopen(&rc, &rep);
		assert_int_equal(rc, 0);
		assert_true(rep);
		assert_true(hi >= last);
		assert_true(hi <= last + STEP);  /* a gap of at most one step */
	}
	/* a torn widening write (the bound raised first) still covers the raise */
	assert_int_equal(tern__mark_open(tlt_dir, "md.eq.X", STEP, &perm, &m), 0);
	uint64_t big = m.hi + 10 * STEP;
	assert_int_equal(tern__mark_set(&m, big), 0);
	uint32_t gen = m.gen;
	tern__mark_close(&m);
	uint8_t zero[TERN__MARK_SLOT] = { 0 };
	poke((off_t)(gen & 1) * TERN__MARK_SLOT, zero, sizeof(zero));  /* the newest copy */
	assert_true(reopen(&rc, &rep) >= big);
	assert_int_equal(rc, 0);
}

static void both_damaged_is_an_error(void **state)
{
	(void)state;
	struct tern__mark m;
	bool rep;
	int rc;

	assert_int_equal(tern__mark_open(tlt_dir, "md.eq.X", STEP, &perm, &m), 0);
	assert_int_equal(tern__mark_set(&m, 5000), 0);
	tern__mark_close(&m);
	uint8_t junk[2 * TERN__MARK_SLOT];
	memset(junk, 0xff, sizeof(junk));
	poke(0, junk, sizeof(junk));
	reopen(&rc, &rep);
	assert_int_equal(rc, -EBADMSG);
	/* the file is left for a person to judge, and still refused */
	reopen(&rc, &rep);
	assert_int_equal(rc, -EBADMSG);

	/* cut short: the same */
	char p[256];
	mark_path(p, sizeof(p));
	assert_int_equal(truncate(p, 10), 0);
	reopen(&rc, &rep);
	assert_int_equal(rc, -EBADMSG);
}

/* Random damage: every outcome is -EBADMSG or a mark >= the last set. */
static void random_damage_never_lowers(void **state)
{
	(void)state;
	struct tern__mark m;
	unsigned seed = getenv("TERN_SEED") ? (unsigned)atoi(getenv("TERN_SEED")) : 7;
	bool rep;
	int rc;

	srand(seed);
	for (int round = 0; round < 300; round++) {
		char p[256];
		mark_path(p, sizeof(p));
		unlink(p);
		assert_int_equal(tern__mark_open(tlt_dir, "md.eq.X", STEP, &perm, &m), 0);
		uint64_t last = 0;
		for (int k = rand() % 6; k >= 0; k--) {
			last += (uint64_t)(rand() % (3 * STEP)) + 1;
			assert_int_equal(tern__mark_set(&m, last), 0);
		}
		tern__mark_close(&m);
		for (int k = rand() % 4 + 1; k > 0; k--) {
			uint8_t b = (uint8_t)rand();
			poke(rand() % (2 * TERN__MARK_SLOT), &b, 1);
		}
		uint64_t hi = reopen(&rc, &rep);
		if (rc == 0)
			assert_true(hi >= last);
		else
			assert_int_equal(rc, -EBADMSG);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(write_then_reopen, tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(one_damaged_copy_never_lowers, tlt_setup,
						tlt_teardown),
		cmocka_unit_test_setup_teardown(both_damaged_is_an_error, tlt_setup,
						tlt_teardown),
		cmocka_unit_test_setup_teardown(random_damage_never_lowers, tlt_setup,
						tlt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
