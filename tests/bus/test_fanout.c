/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The broadcast ring under live laps (docs/fanout.md): one publisher and
 * several readers in other processes, some too slow for their depth so the
 * publisher laps them all the time, one holding views for a long while and
 * releasing them out of order.  Every reader checks each message it gets
 * against its sequence number (the payload is the publisher's counter), so
 * a view of a buffer that was freed and reused under it fails; at the end
 * each reader's gap count must equal its link's dropped count exactly, and
 * the pool must be back to its baseline.  Rounds: exclusive single
 * publishes, shared publishes mixed with bursts, and a reader set that
 * changes while the publisher runs.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "bus_fixture.h"

#define READERS 5
#define N_MSGS 200000

struct result {
	volatile uint64_t received, gaps, bad, last;
	volatile int done;
};

static struct result *res;      /* shared with the children */
static uint64_t baseline;
static uint32_t next_topic;

static void spin(uint32_t n)
{
	for (volatile uint32_t i = 0; i < n; i++)
		;
}

/* Read until seq `last`: slowness `slow` spins per message; `hold` keeps
 * up to that many views before releasing them, newest half first. */
static void reader(struct tern_sub *s, struct result *r, uint32_t slow, unsigned hold,
		   uint64_t last, uint32_t seed)
{
	const struct tern_msg *held[256], *v[32];
	unsigned nh = 0;
	uint64_t prev = 0;

	while (prev < last) {
		unsigned n = tern_poll(s, v, 32);

		for (unsigned i = 0; i < n; i++) {
			uint64_t seq = v[i]->seq, val;

			memcpy(&val, tern_msg_data(v[i]), sizeof(val));
			if (seq <= prev || val != seq)
				r->bad++;
			else
				r->gaps += seq - prev - 1;
			prev = seq;
			r->received++;
			if (slow)
				spin(slow * ((seed = seed * 1103515245 + 12345) >> 28));
		}
		if (hold == 0) {
			tern_release(s, v, n);
			continue;
		}
		for (unsigned i = 0; i < n; i++)
			held[nh++] = v[i];
		if (nh + 32 > hold || prev >= last) {
			/* Still what they were when polled? Then release, out of order. */
			for (unsigned i = 0; i < nh; i++) {
				uint64_t val;
				memcpy(&val, tern_msg_data(held[i]), sizeof(val));
				if (val != held[i]->seq)
					r->bad++;
			}
			tern_release(s, held + nh / 2, nh - nh / 2);
			tern_release(s, held, nh / 2);
			nh = 0;
		}
	}
	r->last = prev;
	r->done = 1;
	_exit(0);
}

static unsigned publish_burst_values(struct tern_pub *p, uint64_t first, unsigned n)
{
	struct tern_msg *m[TERN_PUB_BURST_MAX];
	unsigned k;

	if (tern_msg_alloc_bulk(p, 16, m, n) != 0)
		return 0;
	for (unsigned x = 0; x < n; x++) {
		uint64_t v = first + x;
		memcpy(tern_msg_data(m[x]), &v, sizeof(v));
	}
	k = tern_publish_burst(p, m, n);
	for (unsigned x = k; x < n; x++)
		tern_msg_free(p, m[x]);
	return k;
}

/* mode 0: exclusive, one at a time; 1: shared, bursts mixed in; 2: as 1,
 * with two more readers joining and leaving while it runs. */
static void run_round(int mode)
{
	static const uint32_t depth[READERS] = { 16, 64, 256, 1024, 64 };
	static const uint32_t slow[READERS] = { 40, 200, 400, 0, 100 };
	static const unsigned hold[READERS] = { 0, 0, 0, 0, 200 };
	char name[32];
	uint32_t t = next_topic++;
	struct tern_client *pc = fx_client(0), *rc[READERS];
	struct tern_sub *s[READERS];
	pid_t pid[READERS];
	uint64_t seq = 0;

	snprintf(name, sizeof(name), "fo.r%u", t);
	assert_int_equal(dp_topic_create(&fx_dp, t, name, fx_err, sizeof(fx_err)), 0);
	struct tern_pub *p = fx_pub(pc, t, mode == 0);
	memset(res, 0, sizeof(*res) * READERS);
	for (int i = 0; i < READERS; i++) {
		assert_non_null(rc[i] = fx_client(1 + (uint32_t)i));
		assert_non_null(s[i] = fx_sub(rc[i], (uint32_t)i, name, TERN_POLICY_DROP, depth[i]));
	}
	for (int i = 0; i < READERS; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0)
			reader(s[i], &res[i], slow[i], hold[i], N_MSGS, 7u * (uint32_t)i + 1);
	}
	while (seq < N_MSGS) {
		uint32_t k = mode == 0 || seq % 7 ? 1 : RTE_MIN(1 + (uint32_t)(seq % 32), N_MSGS - (uint32_t)seq);
		if (k == 1) {
			int64_t rv = fx_publish(p, seq + 1);
			if (rv == -ENOMEM)
				continue;       /* held views and caches: the pool is finite */
			assert_int_equal(rv, (int64_t)seq + 1);
			seq++;
		} else {
			seq += publish_burst_values(p, seq + 1, k);
		}
		if (mode == 2 && seq % 20000 == 0 && seq + 50 < N_MSGS) {
			/* A reader joins (and reads nothing), another leaves. */
			struct tern_client *xc = fx_client(10 + (uint32_t)(seq / 20000) % 2);
			struct tern_sub *x = fx_sub(xc, 10, name, TERN_POLICY_DROP, 32);
			assert_non_null(x);
			for (int i = 0; i < 50; i++)
				assert_true(fx_publish(p, ++seq) > 0);
			assert_int_equal(dp_client_gone(&fx_dp, xc->client_id, fx_err, sizeof(fx_err)), 0);
			fx_sub_free(x);
			free(xc);
		}
	}
	for (int i = 0; i < READERS; i++) {
		int st;
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	for (int i = 0; i < READERS; i++) {
		struct tern__link *l = tern__shm_link(fx_dp.shm, s[i]->s->links[0]);
		if (res[i].bad != 0 || res[i].gaps != l->dropped ||
		    res[i].received + res[i].gaps != N_MSGS)
			fail_msg("mode %d reader %d (depth %u): received %llu gaps %llu bad %llu, "
				 "link dropped %llu", mode, i, depth[i],
				 (unsigned long long)res[i].received, (unsigned long long)res[i].gaps,
				 (unsigned long long)res[i].bad, (unsigned long long)l->dropped);
		print_message("mode %d reader %d depth %4u: received %6llu dropped %6llu\n", mode, i,
			      depth[i], (unsigned long long)res[i].received,
			      (unsigned long long)l->dropped);
	}
	/* The slow shallow readers were lapped: the test exercised laps. */
	assert_true(tern__shm_link(fx_dp.shm, s[0]->s->links[0])->dropped > 0);
	for (int i = 0; i < READERS; i++) {
		assert_int_equal(dp_client_gone(&fx_dp, rc[i]->client_id, fx_err, sizeof(fx_err)), 0);
		fx_sub_free(s[i]);
		free(rc[i]);
	}
	assert_int_equal(dp_client_gone(&fx_dp, pc->client_id, fx_err, sizeof(fx_err)), 0);
	free(pc);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

static void exclusive_single(void **state)
{
	(void)state;
	run_round(0);
}

static void shared_with_bursts(void **state)
{
	(void)state;
	run_round(1);
}

static void readers_come_and_go(void **state)
{
	(void)state;
	run_round(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exclusive_single),
		cmocka_unit_test(shared_with_bursts),
		cmocka_unit_test(readers_come_and_go),
	};

	res = mmap(NULL, sizeof(*res) * READERS, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED || fx_eal_init() < 0) {
		fprintf(stderr, "EAL/state init failed: %s\n", fx_err);
		return 1;
	}
	baseline = dp_pool_free(&fx_dp);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
