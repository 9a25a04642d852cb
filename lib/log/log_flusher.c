/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flusher thread (see log_flusher.h for why it exists).
 *
 * One mutex guards every slot; the appender takes it once per flush (a
 * burst), not per record, and the thread drops it around each system call.
 * Only this thread closes rotated-out fds, so a sync in progress can never
 * race with the close of its fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "log_flusher.h"

struct tern__flusher {
	pthread_mutex_t mu;
	pthread_cond_t work;      /* slots have something to sync */
	pthread_cond_t done;      /* a sync finished or a slot went idle */
	pthread_t thread;
	bool stop;
	struct tern__fslot *slots;
};

static int64_t
tern__mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The slot to sync now, or NULL with *deadline set to the earliest due time
 * of an interval slot (INT64_MAX: none). */
static struct tern__fslot *
tern__flusher_pick(struct tern__flusher *f, int64_t now, int64_t *deadline)
{
	*deadline = INT64_MAX;
	for (struct tern__fslot *s = f->slots; s; s = s->next) {
		if (s->busy || (s->err != 0 && s->old_fd < 0) || (s->old_fd < 0 && !s->dir_dirty &&
				s->written <= s->synced && !s->force))
			continue;
		if (s->policy == TERN_LOG_FSYNC_ALWAYS || s->force ||
		    s->old_fd >= 0)
			return s;
		int64_t due = s->last_sync_ns + (int64_t)s->interval_ms * 1000000;
		if (due <= now)
			return s;
		if (due < *deadline)
			*deadline = due;
	}
	return NULL;
}

static void *
tern__flusher_main(void *arg)
{
	struct tern__flusher *f = arg;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		int64_t deadline, now = tern__mono_ns();
		struct tern__fslot *s = tern__flusher_pick(f, now, &deadline);

		if (s == NULL) {
			if (deadline == INT64_MAX) {
				pthread_cond_wait(&f->work, &f->mu);
			} else {
				struct timespec ts = {
					.tv_sec = deadline / 1000000000,
					.tv_nsec = deadline % 1000000000,
				};
				pthread_cond_timedwait(&f->work, &f->mu, &ts);
			}
			continue;
		}
		int fd = s->fd, old = s->old_fd, dirfd = s->dirfd;
		bool dir = s->dir_dirty;
		uint64_t target = s->written;
		s->old_fd = -1;
		s->dir_dirty = false;
		s->force = false;
		s->busy = true;
		pthread_mutex_unlock(&f->mu);

		/* Order matters: the old segment, then the directory entry of
		 * the new one, then the new one; only then is target durable. */
		int err = 0;
		if (old >= 0) {
			if (fdatasync(old) < 0)
				err = -errno;
			close(old);
		}
		if (dir && fsync(dirfd) < 0 && err == 0)
			err = -errno;
		if (fd >= 0 && fdatasync(fd) < 0 && err == 0)
			err = -errno;
		atomic_fetch_add_explicit(&s->syncs, 1, memory_order_relaxed);

		pthread_mutex_lock(&f->mu);
		s->busy = false;
		/* interval counts from the end of a sync: a slow disk gets a
		 * pause between syncs instead of back-to-back ones */
		s->last_sync_ns = tern__mono_ns();
		if (err < 0 && s->err == 0)
			s->err = err;
		if (s->err == 0 && target > s->synced) {
			s->synced = target;
			/* release: a reader of the watermark that sees target
			 * also sees the bytes were synced before it */
			atomic_store_explicit(s->durable, target,
					memory_order_release);
		}
		pthread_cond_broadcast(&f->done);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

int
tern__flusher_create(struct tern__flusher **out)
{
	struct tern__flusher *f = calloc(1, sizeof(*f));
	pthread_condattr_t ca;
	int rc;

	if (f == NULL)
		return -ENOMEM;
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->work, &ca);
	pthread_cond_init(&f->done, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&f->thread, NULL, tern__flusher_main, f);
	if (rc != 0) {
		pthread_cond_destroy(&f->work);
		pthread_cond_destroy(&f->done);
		pthread_mutex_destroy(&f->mu);
		free(f);
		return -rc;
	}
	pthread_setname_np(f->thread, "tern-log-sync");
	*out = f;
	return 0;
}

void
tern__flusher_destroy(struct tern__flusher *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_signal(&f->work);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->work);
	pthread_cond_destroy(&f->done);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

void
tern__flusher_add(struct tern__flusher *f, struct tern__fslot *s)
{
	pthread_mutex_lock(&f->mu);
	s->old_fd = -1;
	s->last_sync_ns = tern__mono_ns();
	s->next = f->slots;
	f->slots = s;
	pthread_mutex_unlock(&f->mu);
}

void
tern__flusher_remove(struct tern__flusher *f, struct tern__fslot *s)
{
	pthread_mutex_lock(&f->mu);
	while (s->busy)
		pthread_cond_wait(&f->done, &f->mu);
	for (struct tern__fslot **p = &f->slots; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	if (s->old_fd >= 0) {
		close(s->old_fd);    /* the writer synced before removing */
		s->old_fd = -1;
	}
	pthread_mutex_unlock(&f->mu);
}

void
tern__flusher_written(struct tern__flusher *f, struct tern__fslot *s,
		uint64_t lsn)
{
	pthread_mutex_lock(&f->mu);
	bool was_clean = s->written <= s->synced;
	s->written = lsn;
	/* an interval slot only needs the thread's timer armed */
	if (s->policy == TERN_LOG_FSYNC_ALWAYS || was_clean)
		pthread_cond_signal(&f->work);
	pthread_mutex_unlock(&f->mu);
}

void
tern__flusher_rotate(struct tern__flusher *f, struct tern__fslot *s,
		int new_fd)
{
	pthread_mutex_lock(&f->mu);
	while (s->old_fd >= 0)          /* the previous rotation is not synced */
		pthread_cond_wait(&f->done, &f->mu);
	s->old_fd = s->fd;
	s->fd = new_fd;
	s->dir_dirty = true;
	pthread_cond_signal(&f->work);
	pthread_mutex_unlock(&f->mu);
}

int
tern__flusher_wait(struct tern__flusher *f, struct tern__fslot *s,
		uint64_t lsn)
{
	int err;

	pthread_mutex_lock(&f->mu);
	s->force = true;
	pthread_cond_signal(&f->work);
	while (s->synced < lsn && s->err == 0) {
		pthread_cond_wait(&f->done, &f->mu);
		if (s->synced < lsn && !s->busy && !s->force) {
			s->force = true;        /* covered an older target */
			pthread_cond_signal(&f->work);
		}
	}
	err = s->err;
	pthread_mutex_unlock(&f->mu);
	return err;
}
