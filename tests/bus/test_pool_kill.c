/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pool under real kill -9, at random instructions (issue 7, finding 1).
 *
 * Forked children share the fixture's hugepage memory (MAP_SHARED) and act
 * as clients: a bursting publisher, a single-message publisher and two
 * subscribers (one is the only reader of a second topic, so it frees
 * without touching headers).  The parent kills all of them with SIGKILL
 * after a random few hundred microseconds, then reclaims them as
 * tern-dataplane would.  After every round the pool must be whole: the
 * stack's chain holds exactly its count of distinct objects, and stack +
 * caches hold every buffer exactly once (no leak, no double free).  A
 * wedged pool would hang the next round (meson's timeout fails it).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "bus_fixture.h"

/* Bounded by count; TERN_KILL_ROUNDS and TERN_KILL_US (the longest life
 * of a round, in microseconds) make it a soak. */
static int g_rounds = 300;
static uint32_t g_round_us = 1500;

static uint64_t baseline;
static pid_t g_steady;          /* killed at exit, even after a failure */

static void kill_steady(void)
{
	if (g_steady > 0)
		kill(g_steady, SIGKILL);
}

/* Stop the steady subscriber where the pool can be counted: outside a
 * pool operation of its cache (mid-flush, between its CAS and its new len,
 * its cache and the stack both hold the batch: reclaim would settle that,
 * a count of a live client cannot). */
static void stop_outside_pool_op(pid_t pid, const struct tern__cache *cc)
{
	for (int i = 0;; i++) {
		int st;

		kill(pid, SIGSTOP);
		assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
		assert_true(WIFSTOPPED(st));
		if (__atomic_load_n(&cc->op.kind, __ATOMIC_ACQUIRE) == TERN__POP_NONE)
			return;
		assert_true(i < 10000);
		kill(pid, SIGCONT);
		usleep(10);
	}
}

/* Walk the stack, batch by batch: count distinct objects, fail on a
 * repeat, a stray or a chain shorter than the count. */
static void check_stack(struct tern__stack *s)
{
	uint8_t *seen = calloc(s->n, 1);
	uint32_t n = tern__stack_count(s), i = (uint32_t)s->head.half[0], k = 0;

	while (k < n) {
		struct rte_mbuf **list;

		assert_true(i < s->n);                  /* chain as long as its count */
		assert_true(s->bsize[i] >= 1 && s->bsize[i] <= s->batch_max);
		assert_true(k + s->bsize[i] <= n);
		list = (struct rte_mbuf **)((char *)s->obj[i] + s->list_off);
		assert_ptr_equal(list[0], s->obj[i]);   /* the leader lists itself first */
		for (uint32_t x = 0; x < s->bsize[i]; x++) {
			uint32_t o = tern__obj_index(s, list[x]);

			assert_true(o < s->n && s->obj[o] == list[x]);
			assert_int_equal(seen[o], 0);   /* no object twice */
			seen[o] = 1;
		}
		k += s->bsize[i];
		i = s->next[i];
	}
	assert_int_equal(s->rejected, 0);
	free(seen);
}

static void child_pub(struct tern_pub *p, bool bursts, uint32_t seed)
{
	struct tern_msg *m[TERN_PUB_BURST_MAX];

	for (;;) {
		unsigned k = bursts ? 1 + (seed = seed * 1103515245 + 12345) % TERN_PUB_BURST_MAX : 1;
		unsigned sent;

		if (tern_msg_alloc_bulk(p, 16, m, k) != 0)
			continue;
		for (unsigned x = 0; x < k; x++)
			memset(tern_msg_data(m[x]), (int)x, 16);
		if (seed % 7 == 0) {            /* sometimes free instead */
			for (unsigned x = 0; x < k; x++)
				tern_msg_free(p, m[x]);
			continue;
		}
		sent = k == 1 ? (tern_publish(p, m[0]) > 0) : tern_publish_burst(p, m, k);
		for (unsigned x = sent; x < k; x++)
			tern_msg_free(p, m[x]);
	}
}

static void child_sub(struct tern_sub *s)
{
	const struct tern_msg *v[32];

	for (;;) {
		unsigned n = tern_poll(s, v, 32);
		/* Release in two halves, out of order now and then. */
		if (n > 1) {
			tern_release(s, v + n / 2, n - n / 2);
			tern_release(s, v, n / 2);
		} else if (n) {
			tern_release(s, v, n);
		}
	}
}

static int ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

/* Distinct buffers the two living readers of pk.a hold or have queued in
 * its ring (one buffer may be both held by one and queued for the other). */
static uint64_t in_use_on_a(struct tern_sub *holder, struct tern_sub *steady,
			    const struct tern_msg *const *held, unsigned n_held)
{
	static uintptr_t all[TERN_HELD_MAX * 2 + 4096];
	struct tern__bring *r = holder->links[0]->ring;
	uint64_t ch = tern__cur_pos(holder->links[0]->cursor), cs = tern__cur_pos(steady->links[0]->cursor);
	uint64_t from = tern__pos_diff(ch, cs) < 0 ? ch : cs, n = 0, k = 0;

	for (uint64_t q = from; q != r->tail && n < 4096; q = (q + 1) & TERN__POS_MASK)
		all[n++] = (uintptr_t)tern__untag(r->slot[q & r->mask]);
	for (unsigned i = 0; i < n_held; i++)
		all[n++] = (uintptr_t)tern__mbuf(held[i]);
	for (uint32_t i = steady->s->held_head; i != steady->s->held_tail; i++)
		if (steady->s->held[i % TERN_HELD_MAX])
			all[n++] = (uintptr_t)tern__untag(steady->s->held[i % TERN_HELD_MAX]);
	qsort(all, n, sizeof(all[0]), ptr_cmp);
	for (uint64_t i = 0; i < n; i++)
		k += i == 0 || all[i] != all[i - 1];
	return k;
}

static void kill_round(void **state)
{
	(void)state;
	struct tern__stack *stk = tern__stack_of(fx_dp.shm->pool);
	uint32_t seed = (uint32_t)getpid();

	assert_int_equal(dp_topic_create(&fx_dp, 0, "pk.a", fx_err, sizeof(fx_err)), 0);
	assert_int_equal(dp_topic_create(&fx_dp, 1, "pk.b", fx_err, sizeof(fx_err)), 0);
	/* Living through every round: a subscriber that holds what it got
	 * (its ring fills, so it is dropped for) and one that keeps up. */
	struct tern_client *hc = fx_client(8), *sc = fx_client(9);
	struct tern_sub *holder = fx_sub(hc, 8, "pk.a", TERN_POLICY_DROP, 128);
	struct tern_sub *steady = fx_sub(sc, 9, "pk.a", TERN_POLICY_DROP, 1024);
	const struct tern_msg *held[100];
	unsigned n_held = 0;
	pid_t steady_pid;

	assert_non_null(holder);
	assert_non_null(steady);
	steady_pid = fork();
	assert_true(steady_pid >= 0);
	if (steady_pid == 0)
		child_sub(steady);
	g_steady = steady_pid;
	atexit(kill_steady);
	for (int r = 0; r < g_rounds; r++) {
		struct tern_client *c[4];
		struct tern_pub *pa, *pb;
		struct tern_sub *s1, *s2, *s3;
		pid_t pid[4];

		for (uint32_t i = 0; i < 4; i++)
			assert_non_null(c[i] = fx_client(i));
		assert_non_null(pa = fx_pub(c[0], 0, false));
		assert_non_null(pb = fx_pub(c[1], 0, false));
		assert_non_null(s1 = fx_sub(c[2], 0, "pk.a", TERN_POLICY_DROP, 256));
		assert_non_null(s2 = fx_sub(c[3], 1, "pk.a", TERN_POLICY_DROP, 64));
		assert_non_null(s3 = fx_sub(c[3], 2, "pk.b", TERN_POLICY_DROP, 64));
		struct tern_pub *pc = fx_pub(c[1], 1, false);
		assert_non_null(pc);
		for (int i = 0; i < 4; i++) {
			pid[i] = fork();
			assert_true(pid[i] >= 0);
			if (pid[i] == 0) {
				if (i == 0)
					child_pub(pa, true, seed + (uint32_t)r);
				if (i == 1)
					child_pub(r % 3 == 2 ? pc : pb, r % 3 == 0, seed);
				child_sub(i == 2 ? s1 : (r % 2 ? s2 : s3));
			}
		}
		seed = seed * 1103515245 + 12345;
		usleep(200 + seed % g_round_us);
		/* Kill and reclaim one at a time, in a varying order, while the
		 * others go on (as tern-control's notices arrive); every other
		 * round, kill them all first. */
		for (uint32_t i = 0; i < 4; i++) {
			uint32_t id = (i + (uint32_t)r) % 4;
			if (r % 2) {
				kill(pid[id], SIGKILL);
				waitpid(pid[id], NULL, 0);
			} else if (i == 0) {
				for (int k = 0; k < 4; k++)
					kill(pid[k], SIGKILL);
				for (int k = 0; k < 4; k++)
					waitpid(pid[k], NULL, 0);
			}
			assert_int_equal(dp_client_gone(&fx_dp, id, fx_err, sizeof(fx_err)), 0);
		}
		if (n_held < RTE_DIM(held))
			n_held += tern_poll(holder, held + n_held, RTE_DIM(held) - n_held);
		free(pa); free(pb); free(pc);
		fx_sub_free(s1); fx_sub_free(s2); fx_sub_free(s3);
		for (int i = 0; i < 4; i++)
			free(c[i]);
		/* Quiet now but for the steady subscriber: pause it to count. */
		stop_outside_pool_op(steady_pid, sc->cache);
		check_stack(stk);
		uint64_t in_use = in_use_on_a(holder, steady, held, n_held);
		if (dp_pool_free(&fx_dp) + in_use != baseline)
			fail_msg("round %d: pool free %llu + in use %llu, baseline %llu", r,
				 (unsigned long long)dp_pool_free(&fx_dp), (unsigned long long)in_use,
				 (unsigned long long)baseline);
		kill(steady_pid, SIGCONT);
	}
	kill(steady_pid, SIGKILL);
	waitpid(steady_pid, NULL, 0);
	g_steady = 0;
	assert_int_equal(dp_client_gone(&fx_dp, 9, fx_err, sizeof(fx_err)), 0);
	tern_release(holder, held, n_held);
	assert_int_equal(dp_client_gone(&fx_dp, 8, fx_err, sizeof(fx_err)), 0);
	fx_sub_free(holder);
	fx_sub_free(steady);
	free(hc);
	free(sc);
	check_stack(stk);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
	/* The children really worked on the shared pool and topics. */
	assert_true(tern__shm_topic(fx_dp.shm, 0)->seq > 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kill_round),
	};

	if (getenv("TERN_NO_HUGEPAGES")) {
		printf("SKIP: forked clients need shared hugepage memory\n");
		return 77;
	}
	if (getenv("TERN_KILL_ROUNDS"))
		g_rounds = atoi(getenv("TERN_KILL_ROUNDS"));
	if (getenv("TERN_KILL_US"))
		g_round_us = (uint32_t)atoi(getenv("TERN_KILL_US")) + 1;
	if (fx_eal_init() < 0) {
		fprintf(stderr, "EAL/state init failed: %s\n", fx_err);
		return 1;
	}
	baseline = dp_pool_free(&fx_dp);
	int rv = cmocka_run_group_tests(tests, NULL, NULL);
	printf("published on pk.a: %llu\n", (unsigned long long)tern__shm_topic(fx_dp.shm, 0)->seq);
	return rv;
}
