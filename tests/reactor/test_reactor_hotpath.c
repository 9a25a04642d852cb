/* SPDX-License-Identifier: Apache-2.0 */
/*
 * No heap allocation and no system call in a busy reactor's duty cycle:
 * a subscription with a handler that forwards every fourth view to the
 * reactor's own inbox (out and home again), application records, a
 * periodic timer that arms and cancels a one-shot each time, on the TSC
 * clock.  A forked child runs 200k publish + cycle rounds under the
 * malloc counter and the seccomp trap of tests/bus/hotpath_trap.h; both
 * counts must read 0, and every view must come home (the pool is whole).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <tern/tern_reactor.h>

#include "bus_fixture.h"
#include "hotpath_trap.h"

struct report {
	uint64_t allocs, syscalls, msgs, forwarded, fwd_handled, recs, fired, free_after, size;
	long first_sys;
	int setup;
};

enum { ROUNDS = 200000, WARMUP = 10000 };

static struct report *rep;
static struct tern_pub *g_pub;

static void on_msg(struct tern_reactor *r, const struct tern_msg *m, void *clientd)
{
	(void)clientd;
	rep->msgs++;
	if ((m->seq & 3) == 0 && tern_reactor_forward(r, r, m) == 0)
		rep->forwarded++;
}

static void on_rec(struct tern_reactor *r, const struct tern_rec *rec, void *clientd)
{
	(void)r;
	(void)clientd;
	if (rec->type == TERN_REC_MSG)
		rep->fwd_handled++;
	else
		rep->recs++;
}

static void nothing(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	(void)r;
	(void)id;
	(void)clientd;
}

static void tick(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	struct tern_rec rec = { .type = 1 };
	tern_timer_id t;

	(void)id;
	(void)clientd;
	rep->fired++;
	if (tern_timer_arm(r, tern_reactor_now_ns(r) + 1000000, 0, 0, nothing, NULL, &t) == 0)
		tern_timer_cancel(r, t);
	tern_reactor_send(r, &rec);
}

static void rounds(struct tern_reactor *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct tern_msg *m = tern_msg_alloc(g_pub, 64);
		if (m == NULL || tern_publish(g_pub, m) < 0)
			return;
		tern_reactor_do_work(r);
	}
}

static void a_busy_reactor_cycle_allocates_nothing_and_makes_no_syscall(void **state)
{
	(void)state;
	struct tern_client *c;
	struct tern_sub *s;
	struct tern_reactor *r;
	int status;
	pid_t pid;

	rep = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(rep, MAP_FAILED);
	assert_int_equal(dp_topic_create(&fx_dp, 0, "rx.hot", fx_err, sizeof(fx_err)), 0);
	c = fx_client(0);
	assert_non_null(c);
	g_pub = fx_pub(c, 0, true);
	s = fx_sub(c, 0, "rx.hot", TERN_POLICY_DROP, 1024);
	assert_non_null(g_pub);
	assert_non_null(s);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tern_reactor_opts o = { .client = c, .on_rec = on_rec, .inbox_size = 256 };
		if (tern_reactor_create(&o, &r) < 0 || tern_reactor_sub_add(r, s, on_msg, NULL) < 0 ||
		    tern_timer_arm(r, tern_reactor_now_ns(r), 2000, 0, tick, NULL, NULL) < 0)
			_exit(2);
		rounds(r, WARMUP);
		memset(rep, 0, sizeof(*rep));
		rep->setup = trap_syscalls();
		counting = 1;
		rounds(r, ROUNDS);
		while (tern_reactor_do_work(r))
			;
		counting = 0;
		rep->allocs = n_alloc;
		rep->syscalls = n_sys;
		rep->first_sys = first_sys;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(rep->setup, 0);
	if (rep->syscalls)
		fprintf(stderr, "first system call in the duty cycle: %ld\n", rep->first_sys);
	print_message("%llu messages, %llu forwarded and handled, %llu records, %llu timer firings\n",
		      (unsigned long long)rep->msgs, (unsigned long long)rep->fwd_handled,
		      (unsigned long long)rep->recs, (unsigned long long)rep->fired);
	assert_int_equal(rep->msgs, ROUNDS);
	assert_true(rep->forwarded > 0);
	assert_int_equal(rep->fwd_handled, rep->forwarded);
	assert_true(rep->fired > 0);
	assert_int_equal(rep->recs, rep->fired);
	assert_int_equal(rep->allocs, 0);
	assert_int_equal(rep->syscalls, 0);
	munmap(rep, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_busy_reactor_cycle_allocates_nothing_and_makes_no_syscall),
	};

	if (fx_eal_init() < 0) {
		fprintf(stderr, "EAL/state init failed: %s\n", fx_err);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
