/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flusher: one thread that runs fdatasync for a set of writers, so the
 * appending thread (the dataplane's storage lcore) never blocks on the disk.
 *
 * Group commit falls out of the shape: the appender keeps writing while a
 * sync runs, and the next sync covers everything written meanwhile.  Rejected:
 * a caller-driven tern_log_sync() on the appending thread, which would stall
 * the lcore for the whole fdatasync (milliseconds) and could not overlap
 * appends with the disk; and a thread per writer, which `{topic}` rules
 * would multiply by the number of topics.
 */
#ifndef TERN_LOG_FLUSHER_H
#define TERN_LOG_FLUSHER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <tern/tern_log.h>

/** A writer's state shared with the flusher; fields below `policy` are
 * protected by the flusher's mutex. */
struct tern__fslot {
	enum tern_log_fsync policy;
	uint32_t interval_ms;
	int dirfd;
	_Atomic uint64_t *durable;   /* published watermark */
	int fd;                      /* active segment */
	uint64_t written;            /* last lsn handed to the kernel on fd */
	uint64_t synced;             /* last lsn covered by a finished sync */
	int old_fd;                  /* rotated-out segment to sync and close */
	bool dir_dirty;              /* a segment was created: fsync the dir */
	bool force;                  /* a tern_log_writer_sync() waits */
	bool busy;                   /* the thread is syncing this slot */
	int err;                     /* sticky sync error */
	int64_t last_sync_ns;        /* CLOCK_MONOTONIC */
	_Atomic uint64_t syncs;      /* fdatasync calls, for stats */
	struct tern__fslot *next;
};

struct tern__flusher;

int tern__flusher_create(struct tern__flusher **out);
/** Stop the thread (slots must be removed) and free. */
void tern__flusher_destroy(struct tern__flusher *f);
void tern__flusher_add(struct tern__flusher *f, struct tern__fslot *s);
/** Remove @p s once the thread is not using it. */
void tern__flusher_remove(struct tern__flusher *f, struct tern__fslot *s);
/** Everything up to @p lsn is written to the slot's fd. */
void tern__flusher_written(struct tern__flusher *f, struct tern__fslot *s,
		uint64_t lsn);
/** The writer moved to @p new_fd; the old fd is the flusher's to sync
 * and close. */
void tern__flusher_rotate(struct tern__flusher *f, struct tern__fslot *s,
		int new_fd);
/** Block until @p lsn is synced.  @return 0 or the sync error. */
int tern__flusher_wait(struct tern__flusher *f, struct tern__fslot *s,
		uint64_t lsn);

#endif
