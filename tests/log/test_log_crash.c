/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash tests (suite 'fault'):
 *  - a writer with fsync=always killed by SIGKILL at random moments, many
 *    times: after each, recovery keeps every record the writer saw reported
 *    durable, and a reader returns only intact records, 1..last, no gap;
 *  - a torn last record, cut at every byte offset (and zero-filled): recovery
 *    truncates it and the stream continues;
 *  - single-bit flips in the middle of finished segments: reported with file
 *    and offset, never returned as data.
 * Temp dirs under /tmp (a disk here), removed at the end.  Seed: TERN_SEED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log_test_util.h"

static const char *const dir = tlt_dir;
static unsigned int seed;

static uint32_t
plen(uint64_t lsn)
{
	return (uint32_t)(lsn * 7919 % 300) + 1;
}

static const struct tern_log_policy crash_pol = {
	.fsync = TERN_LOG_FSYNC_ALWAYS, .segment_bytes = 64 << 10,
	.rotate_utc_sec = -1};
static const struct tern_log_opts crash_opts = {.index_every_bytes = 4096};

/* The child: append forever, report each new durable watermark. */
static void __attribute__((noreturn))
crash_writer(int out)
{
	struct tern_log_writer *w;
	struct tlt_msg t;

	if (tern_log_writer_open(dir, "c", &crash_pol, &crash_opts, &w) < 0)
		_exit(2);
	uint64_t lsn = tern_log_writer_last_lsn(w) + 1;
	uint64_t told = tern_log_writer_durable(w);   /* only new ones count */
	unsigned int r = (unsigned int)getpid();
	for (;;) {
		unsigned int burst = 1 + rand_r(&r) % 64;
		for (unsigned int i = 0; i < burst; i++, lsn++) {
			tlt_msg_init(&t, "crash.t", lsn, plen(lsn));
			if (tern_log_writer_append(w, &t.m) != (int64_t)lsn)
				_exit(3);
		}
		if (tern_log_writer_flush(w) < 0)
			_exit(4);
		/* acknowledgements wait for durability: bound what is in
		 * flight so the test measures recovery, not disk bandwidth */
		while (lsn - 1 - tern_log_writer_durable(w) > 4096)
			usleep(100);
		uint64_t d = tern_log_writer_durable(w);
		if (d > told) {
			if (write(out, &d, sizeof(d)) != sizeof(d))
				_exit(5);
			told = d;
		}
	}
}

/* Read the whole stream: returns the last lsn; every record must be intact
 * and in order from 1, with no damage. */
static uint64_t
check_stream(const char *prefix, const char *topic)
{
	struct tern_log_reader *r;
	struct tern_log_msg m;
	uint64_t want = 1;
	int rc;

	assert_int_equal(tern_log_reader_open(dir, prefix,
			TERN_LOG_START_EARLIEST, 0, NULL, &r), 0);
	while ((rc = tern_log_reader_next(r, &m)) == 0) {
		if (m.lsn != want || !tlt_msg_check(&m, topic, want, plen(want)))
			fail_msg("record %llu: bad (lsn %llu)",
					(unsigned long long)want,
					(unsigned long long)m.lsn);
		want++;
	}
	assert_int_equal(rc, -EAGAIN);
	tern_log_reader_close(r);
	return want - 1;
}

static void
kill9_never_loses_a_durable_record(void **state)
{
	unsigned int r = seed;
	uint64_t durable_total = 0;
	int rounds = 30, progress = 0, done = 0;
	struct timespec t0, t1;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int round = 0; round < rounds; round++) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			crash_writer(p[1]);
		}
		close(p[1]);
		/* wait for the first newly durable batch, so each round kills
		 * a writer that is making progress (the machine may be busy),
		 * then let it run a random while longer */
		uint64_t d, maxd = 0;
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		assert_int_equal(poll(&pfd, 1, 20000), 1);
		assert_int_equal(read(p[0], &maxd, sizeof(maxd)), sizeof(maxd));
		usleep(rand_r(&r) % 60000);
		assert_int_equal(kill(pid, SIGKILL), 0);
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		while (read(p[0], &d, sizeof(d)) == sizeof(d))
			maxd = d > maxd ? d : maxd;
		close(p[0]);

		/* recover as a writer would, then read it all back */
		struct tern_log_writer *w;
		assert_int_equal(tern_log_writer_open(dir, "c", &crash_pol,
				&crash_opts, &w), 0);
		uint64_t last = tern_log_writer_last_lsn(w);
		assert_int_equal(tern_log_writer_close(w), 0);
		if (last < maxd)
			fail_msg("round %d: durable %llu but recovered %llu", round,
					(unsigned long long)maxd,
					(unsigned long long)last);
		assert_int_equal(check_stream("c", "crash.t"), last);
		if (maxd > durable_total) {
			durable_total = maxd;
			progress++;
		}
		done++;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec > 40) {
			print_message("stopping after %d rounds (time bound)\n",
					round + 1);
			break;
		}
	}
	print_message("%d rounds, %d with new durable records, last durable "
			"lsn %llu, %d segments\n", done, progress,
			(unsigned long long)durable_total, tlt_count(dir, ".tlog"));
	/* every round made records durable before it was killed */
	assert_int_equal(progress, done);
	assert_true(tlt_count(dir, ".tlog") >= 2);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	uint8_t *b = malloc((size_t)st.st_size);
	assert_int_equal(pread(fd, b, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return b;
}

static void
spew(const char *path, const uint8_t *b, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, len), (ssize_t)len);
	close(fd);
}

static void
torn_last_record_is_cut_at_every_offset(void **state)
{
	struct tern_log_policy pol = {.rotate_utc_sec = -1};
	struct tern_log_writer *w;
	struct tlt_msg t;
	char seg[512], idx[512];

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "torn", &pol, NULL, &w), 0);
	for (uint64_t l = 1; l <= 20; l++) {
		tlt_msg_init(&t, "torn.t", l, plen(l));
		assert_int_equal(tern_log_writer_append(w, &t.m), (int64_t)l);
	}
	assert_int_equal(tern_log_writer_close(w), 0);
	assert_int_equal(tlt_nth(dir, ".tlog", 0, seg, sizeof(seg)), 0);
	assert_int_equal(tlt_nth(dir, ".tidx", 0, idx, sizeof(idx)), 0);
	size_t len, ilen;
	uint8_t *orig = slurp(seg, &len), *iorig = slurp(idx, &ilen);
	uint32_t last_len = 0;
	/* the last record starts where the one before it ends: walk them */
	size_t off = 32, last_off = 0;
	while (off < len) {
		memcpy(&last_len, orig + off + 4, 4);
		last_off = off;
		off += last_len;
	}
	assert_int_equal(off, len);

	for (int zero = 0; zero < 2; zero++) {
		for (size_t cut = last_off; cut < len; cut++) {
			if (zero) {
				/* whole length there, tail bytes never written;
				 * zeroing the padding alone changes nothing */
				size_t nz = cut;
				while (nz < len && orig[nz] == 0)
					nz++;
				if (nz == len)
					continue;
				uint8_t *b = malloc(len);
				memcpy(b, orig, len);
				memset(b + cut, 0, len - cut);
				spew(seg, b, len);
				free(b);
			} else {
				spew(seg, orig, cut);
			}
			spew(idx, iorig, ilen);
			assert_int_equal(tern_log_writer_open(dir, "torn", &pol,
					NULL, &w), 0);
			assert_int_equal(tern_log_writer_last_lsn(w), 19);
			struct stat st;
			assert_int_equal(stat(seg, &st), 0);
			assert_int_equal((size_t)st.st_size, last_off);
			tlt_msg_init(&t, "torn.t", 20, plen(20));
			assert_int_equal(tern_log_writer_append(w, &t.m), 20);
			assert_int_equal(tern_log_writer_close(w), 0);
			assert_int_equal(check_stream("torn", "torn.t"), 20);
		}
	}
	free(orig);
	free(iorig);
}

static void
bit_flips_are_reported_never_returned(void **state)
{
	struct tern_log_policy pol = {.segment_bytes = 16 << 10,
		.rotate_utc_sec = -1};
	struct tern_log_writer *w;
	struct tlt_msg t;
	unsigned int r = seed + 1;
	const uint64_t n = 3000;

	(void)state;
	assert_int_equal(tern_log_writer_open(dir, "flip", &pol, NULL, &w), 0);
	for (uint64_t l = 1; l <= n; l++) {
		tlt_msg_init(&t, "flip.t", l, plen(l));
		assert_int_equal(tern_log_writer_append(w, &t.m), (int64_t)l);
	}
	assert_int_equal(tern_log_writer_close(w), 0);
	int nseg = tlt_count(dir, ".tlog");
	assert_true(nseg > 10);

	for (int trial = 0; trial < 60; trial++) {
		char seg[512];
		/* a finished segment (not the active last one) */
		assert_int_equal(tlt_nth(dir, ".tlog", (int)(rand_r(&r) %
				(unsigned int)(nseg - 1)), seg, sizeof(seg)), 0);
		struct stat st;
		assert_int_equal(stat(seg, &st), 0);
		off_t pos = 32 + (off_t)(rand_r(&r) % (unsigned int)(st.st_size - 32));
		uint8_t bit = (uint8_t)(1u << (rand_r(&r) % 8)), b;
		int fd = open(seg, O_RDWR);
		assert_int_equal(pread(fd, &b, 1, pos), 1);
		b ^= bit;
		assert_int_equal(pwrite(fd, &b, 1, pos), 1);

		struct tern_log_reader *rd;
		struct tern_log_msg m;
		uint64_t prev = 0, got = 0, bad = 0;
		int rc;
		assert_int_equal(tern_log_reader_open(dir, "flip",
				TERN_LOG_START_EARLIEST, 0, NULL, &rd), 0);
		while ((rc = tern_log_reader_next(rd, &m)) != -EAGAIN) {
			if (rc == -EBADMSG) {
				const struct tern_log_damage *d =
					tern_log_reader_damage(rd);
				assert_string_equal(d->file, strrchr(seg, '/') + 1);
				if (!((off_t)d->offset <= pos &&
				      pos < (off_t)(d->offset + d->skipped)))
					fail_msg("flip at %lld reported at %llu+%llu",
						(long long)pos,
						(unsigned long long)d->offset,
						(unsigned long long)d->skipped);
				bad++;
				continue;
			}
			assert_int_equal(rc, 0);
			if (m.lsn <= prev ||
			    !tlt_msg_check(&m, "flip.t", m.lsn, plen(m.lsn)))
				fail_msg("trial %d: damaged record %llu returned",
					trial, (unsigned long long)m.lsn);
			prev = m.lsn;
			got++;
		}
		tern_log_reader_close(rd);
		assert_int_equal(bad, 1);
		assert_true(got >= n - 1);     /* at most the hit record lost */
		assert_int_equal(prev, n);

		b ^= bit;
		assert_int_equal(pwrite(fd, &b, 1, pos), 1);
		close(fd);
	}
}

int
main(void)
{
	const char *s = getenv("TERN_SEED");
	seed = s ? (unsigned int)strtoul(s, NULL, 0) : (unsigned int)time(NULL);
	print_message("TERN_SEED=%u\n", seed);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(kill9_never_loses_a_durable_record,
				tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(torn_last_record_is_cut_at_every_offset,
				tlt_setup, tlt_teardown),
		cmocka_unit_test_setup_teardown(bit_flips_are_reported_never_returned,
				tlt_setup, tlt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
