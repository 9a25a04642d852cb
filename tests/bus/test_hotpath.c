/* SPDX-License-Identifier: Apache-2.0 */
/*
 * No heap allocation and no system call in steady-state publish and poll.
 *
 * A forked child runs 1M publish + poll + release rounds (exclusive and
 * locked publishers, a pattern subscription) and 100k bursts of 8 with malloc and friends
 * interposed by counters, under a seccomp filter that turns every system
 * call except exit into SIGSYS, which a handler counts.  Both counts must
 * read 0.  Then the same calls on a fenced client (bus_watch.c) must return
 * TERN_ENOTCONN / 0 / NULL, still with no allocation and no system call.
 * The child reports through a shared page.
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "bus_fixture.h"
#include "hotpath_trap.h"

struct report {
	uint64_t allocs, syscalls, delivered, gaps;
	long first_sys;
	int setup;
	int fenced_ok;
};

enum { ROUNDS = 1000000, WARMUP = 20000, BURSTS = 100000 };

static uint64_t rounds(struct tern_pub *pa, struct tern_pub *pb, struct tern_sub *s, unsigned n,
		       uint64_t *gaps)
{
	const struct tern_msg *v[8];
	uint64_t got = 0, last[2] = { 0, 0 };

	for (unsigned i = 0; i < n; i++) {
		struct tern_pub *p = (i & 1) ? pb : pa;
		struct tern_msg *m = tern_msg_alloc(p, 64);
		unsigned k;

		if (m == NULL)
			return got;
		memset(tern_msg_data(m), (int)i, 64);
		if (tern_publish(p, m) < 0)
			return got;
		k = tern_poll(s, v, 8);
		for (unsigned x = 0; x < k; x++) {
			uint64_t *l = &last[v[x]->topic_id & 1];
			if (*l && v[x]->seq != *l + 1)
				(*gaps)++;
			*l = v[x]->seq;
		}
		tern_release(s, v, k);
		got += k;
	}
	return got;
}

/* What the watcher does when the bus goes away, and what each data call
 * must then return.  m was allocated before: the caller still owns it. */
static int fenced_calls(struct tern_client *c, struct tern_pub *p, struct tern_sub *s,
			struct tern_msg *m)
{
	const struct tern_msg *v[8];
	struct tern_msg *mm[2];
	int ok;

	__atomic_store_n(&c->fenced, 1, __ATOMIC_RELEASE);
	ok = tern_publish(p, m) == TERN_ENOTCONN && tern_publish_burst(p, &m, 1) == 0 &&
	     tern_poll(s, v, 8) == 0 && tern_msg_alloc(p, 64) == NULL &&
	     tern_msg_alloc_bulk(p, 64, mm, 2) == TERN_ENOTCONN;
	__atomic_store_n(&c->fenced, 0, __ATOMIC_RELEASE);
	tern_msg_free(p, m);
	return ok;
}

/* The burst calls: tern_msg_alloc_bulk + tern_publish_burst + poll. */
static uint64_t burst_rounds(struct tern_pub *p, struct tern_sub *s, unsigned n)
{
	struct tern_msg *m[8];
	const struct tern_msg *v[8];
	uint64_t got = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned k;
		if (tern_msg_alloc_bulk(p, 64, m, 8) < 0 || tern_publish_burst(p, m, 8) != 8)
			return got;
		while ((k = tern_poll(s, v, 8)) != 0) {
			tern_release(s, v, k);
			got += k;
		}
	}
	return got;
}

static void publish_and_poll_allocate_nothing_and_make_no_syscall(void **state)
{
	(void)state;
	struct report *r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct tern_client *c;
	struct tern_pub *pa, *pb;
	struct tern_sub *s;
	int status;
	pid_t pid;

	assert_ptr_not_equal(r, MAP_FAILED);
	/* Topic ids 0 and 1: their parity tells them apart below. */
	assert_int_equal(dp_topic_create(&fx_dp, 0, "hot.a", fx_err, sizeof(fx_err)), 0);
	assert_int_equal(dp_topic_create(&fx_dp, 1, "hot.b", fx_err, sizeof(fx_err)), 0);
	c = fx_client(0);
	pa = fx_pub(c, 0, true);       /* exclusive: no lock */
	pb = fx_pub(c, 1, false);      /* shared: the topic lock */
	s = fx_sub(c, 0, "hot.*", TERN_POLICY_DROP, 1024);
	assert_non_null(pa);
	assert_non_null(pb);
	assert_non_null(s);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t gaps = 0, got;
		struct tern_msg *m;

		rounds(pa, pb, s, WARMUP, &gaps);
		m = tern_msg_alloc(pb, 64);
		r->setup = trap_syscalls();
		counting = 1;
		got = rounds(pa, pb, s, ROUNDS, &gaps);
		got += burst_rounds(pa, s, BURSTS);
		r->fenced_ok = m != NULL && fenced_calls(c, pb, s, m);
		counting = 0;
		r->allocs = n_alloc;
		r->syscalls = n_sys;
		r->first_sys = first_sys;
		r->delivered = got;
		r->gaps = gaps;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(r->setup, 0);
	if (r->syscalls)
		fprintf(stderr, "first system call on the hot path: %ld\n", r->first_sys);
	assert_int_equal(r->delivered, ROUNDS + 8 * BURSTS);
	assert_int_equal(r->gaps, 0);
	assert_true(r->fenced_ok);
	assert_int_equal(r->allocs, 0);
	assert_int_equal(r->syscalls, 0);
	munmap(r, 4096);
}

/* The counters themselves work: a malloc and a syscall are seen. */
static void the_counters_see_what_they_count(void **state)
{
	(void)state;
	struct report *r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		r->setup = trap_syscalls();
		counting = 1;
		void *p = malloc(16);
		getppid();
		free(p);
		counting = 0;
		r->allocs = n_alloc;
		r->syscalls = n_sys;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(r->allocs, 2);
	assert_int_equal(r->syscalls, 1);
	munmap(r, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_counters_see_what_they_count),
		cmocka_unit_test(publish_and_poll_allocate_nothing_and_make_no_syscall),
	};

	if (fx_eal_init() < 0) {
		fprintf(stderr, "EAL/state init failed: %s\n", fx_err);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
