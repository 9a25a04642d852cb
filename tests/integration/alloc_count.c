/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LD_PRELOAD counter of heap allocations made by a process's main thread
 * (tern-dataplane's main lcore: the I/O role), for it_net_hotpath.sh.  A
 * thread of its own writes the count to $TERN_ALLOC_COUNT_DIR/<pid> every
 * 20 ms, so the counted thread does nothing but count.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static volatile uint64_t n_alloc;
static pid_t main_pid;

static inline void count(void)
{
	if (main_pid && syscall(SYS_gettid) == main_pid)
		__atomic_fetch_add(&n_alloc, 1, __ATOMIC_RELAXED);
}

/* gettid is itself a syscall: only counted calls pay it, and the test's
 * syscall check therefore also catches every allocation on the main thread. */
void *malloc(size_t n) { count(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { count(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { count(); return __libc_realloc(p, n); }
int posix_memalign(void **p, size_t a, size_t n)
{
	count();
	*p = __libc_memalign(a, n);
	return *p ? 0 : 12;
}
void *aligned_alloc(size_t a, size_t n) { count(); return __libc_memalign(a, n); }

static void *writer(void *arg)
{
	char path[512], tmp[520];
	const char *dir = arg;

	snprintf(path, sizeof(path), "%s/%d", dir, (int)getpid());
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	for (;;) {
		FILE *f = fopen(tmp, "w");
		if (f) {
			fprintf(f, "%llu\n", (unsigned long long)n_alloc);
			fclose(f);
			rename(tmp, path);
		}
		usleep(20000);
	}
	return NULL;
}

__attribute__((constructor)) static void start(void)
{
	const char *dir = getenv("TERN_ALLOC_COUNT_DIR");
	pthread_t t;

	if (dir == NULL)
		return;
	main_pid = getpid();
	if (pthread_create(&t, NULL, writer, (void *)dir) == 0)
		pthread_detach(t);
}
