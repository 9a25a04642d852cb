/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hot-path proofs' counters (test_hotpath.c, test_reactor_hotpath.c):
 * malloc and friends interposed by counters, and a seccomp filter that
 * turns every system call but exit into SIGSYS, which a handler counts.
 * Include once per test program, which then owns malloc().
 */
#ifndef TERN_HOTPATH_TRAP_H
#define TERN_HOTPATH_TRAP_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* ---- counting allocator: every allocation in the process goes here ---- */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static volatile int counting;
static volatile uint64_t n_alloc;

void *malloc(size_t n)
{
	if (counting)
		n_alloc++;
	return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
	if (counting)
		n_alloc++;
	return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
	if (counting)
		n_alloc++;
	return __libc_realloc(p, n);
}
void free(void *p)
{
	if (counting && p)
		n_alloc++;
	__libc_free(p);
}

/* ---- counting system calls ---- */
static volatile uint64_t n_sys;
static volatile long first_sys = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (first_sys < 0)
		first_sys = si->si_syscall;
	n_sys++;
}

static int trap_syscalls(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

	if (sigaction(SIGSYS, &sa, NULL) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

#endif
