/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * The persistent log: topics stored in segment files by pattern rules,
 * read back from any point and followed while they are written.
 *
 * Three objects:
 *  - struct tern_log_writer appends to one stream (one file prefix in a
 *    directory): a sequence of segment files, each with a sparse index.
 *  - struct tern_log routes messages to writers through storage rules
 *    (first matching topic pattern wins; `{topic}` in the prefix expands).
 *  - struct tern_log_reader iterates one stream from a start position and
 *    follows it across rotations.
 *
 * Each stream numbers its records 1, 2, 3... (the log position, "lsn").
 * The lsn is what durability is reported in; the message's own sequence
 * (the bus's per-topic sequence) is stored beside it.  File formats, fsync
 * semantics and recovery rules: docs/log.md.
 *
 * Threads: a writer is used by one thread at a time (the storage lcore);
 * its fsync work runs on a flusher thread (see tern_log_policy).  Readers
 * are independent of writers and may live in other processes.
 */
#ifndef TERN_LOG_H
#define TERN_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/tern_api.h>
#include <tern/tern_topic.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A message as stored: the full bus header, tags and payload.  On append
 * the pointers are the caller's and are copied; on read they point into the
 * reader's buffer and stay valid until the next call on that reader. */
struct tern_log_msg {
	uint64_t lsn;             /**< log position; set by the log, ignored on append */
	const char *topic;        /**< topic name, not NUL-terminated on read */
	uint16_t topic_len;       /**< bytes in @c topic; 0 on append means strlen() */
	uint16_t type_version;    /**< DSL message version */
	uint32_t type_id;         /**< DSL message type id (0: none) */
	uint64_t seq;             /**< bus sequence of the message in its topic */
	int64_t event_ns;         /**< event time, set by the publisher */
	int64_t send_ns;          /**< send time, set by the library at publish */
	int64_t recv_ns;          /**< receive time, set by the bus */
	const void *tags;         /**< tag block: "key=value\0" repeated */
	uint32_t tags_len;        /**< bytes in @c tags (0: no tags) */
	uint32_t payload_len;     /**< bytes in @c payload */
	const void *payload;      /**< message payload */
};

/** fsync policy of a stream. */
enum tern_log_fsync {
	/** Never fsync; the page cache decides.  Durable = written. */
	TERN_LOG_FSYNC_NEVER = 0,
	/** fdatasync every interval_ms by the flusher thread. */
	TERN_LOG_FSYNC_INTERVAL = 1,
	/** Group commit: the flusher thread runs fdatasync back to back; one
	 * call covers everything flushed while the previous one ran. */
	TERN_LOG_FSYNC_ALWAYS = 2,
};

/** Per-stream storage policy.  Zero means "off" for every limit. */
struct tern_log_policy {
	enum tern_log_fsync fsync;
	uint32_t interval_ms;        /**< for TERN_LOG_FSYNC_INTERVAL */
	uint64_t segment_bytes;      /**< rotate once a segment passes this size */
	int32_t rotate_utc_sec;      /**< rotate when UTC time of day crosses this
	                                  second (0..86399); -1: off */
	uint64_t retain_bytes;       /**< delete oldest segments beyond this total */
	uint64_t retain_ns;          /**< delete segments closed longer ago than this */
};

/** A clock returning UTC nanoseconds; tests inject one. */
typedef int64_t (*tern_log_clock_fn)(void *clientd);

/** Options of a writer (and of every writer of a struct tern_log). */
struct tern_log_opts {
	tern_log_clock_fn clock;    /**< NULL: CLOCK_REALTIME */
	void *clock_clientd;
	uint32_t buffer_bytes;      /**< user-space write buffer; 0: 256 KiB */
	uint32_t max_record_bytes;  /**< largest record; 0: 1 MiB */
	uint32_t index_every_bytes; /**< sparse index spacing; 0: 64 KiB */
	/** Mode of the files the writer creates (exactly: the umask does not
	 * apply); 0: 0640.  Directories get it with x wherever r is set
	 * (0640: 0750).  Stored messages are as private as the bus. */
	uint32_t file_mode;
	/** Group of the files and directories created; 0: the creator's. */
	uint32_t gid;
};

/** Largest encoded record header (without topic, tags, payload). */
#define TERN_LOG_RECORD_HDR 72

struct tern_log_writer;

/**
 * Open (create or recover) the stream @p prefix under @p dir for appending.
 *
 * Recovery: the last segment's tail is verified record by record; a torn
 * write is truncated.  Damage before the tail is left in place (readers and
 * `tern-log verify` report it).  A missing or damaged index is rebuilt.
 * Directories in @p prefix are created.  Starts the flusher thread when the
 * policy syncs.
 *
 * @param dir     log root directory (must exist).
 * @param prefix  stream file prefix, may contain '/'.
 * @param policy  fsync, rotation and retention.
 * @param opts    NULL for defaults.
 * @param[out] out the writer, owned by the caller until tern_log_writer_close().
 * @return 0; -EINVAL bad argument; -ENAMETOOLONG prefix too long; -ENOMEM;
 *   -EIO or another negative errno from the file system.
 */
TERN_API int tern_log_writer_open(const char *dir, const char *prefix,
		const struct tern_log_policy *policy,
		const struct tern_log_opts *opts, struct tern_log_writer **out);

/**
 * Append one record.  Encodes into the write buffer: no system call unless
 * the buffer is full or the segment rotates.  The record is durable once
 * tern_log_writer_durable() reaches the returned lsn; call
 * tern_log_writer_flush() at the end of each burst.
 *
 * @return the record's lsn (> 0); -EMSGSIZE record too large; -EINVAL bad
 *   message; -ENOSPC, -EIO or another negative errno when a write of the
 *   buffer failed: the records buffered since the last successful write
 *   (this one excluded) are then lost and counted in
 *   tern_log_writer_stats().lost, their lsns are skipped, and the next
 *   append tries again.  Only if the segment cannot be cut back to its
 *   last whole record does the writer refuse appends from then on.
 */
TERN_API int64_t tern_log_writer_append(struct tern_log_writer *w,
		const struct tern_log_msg *msg);

/**
 * Hand the write buffer to the kernel (one write()) and wake the flusher.
 * @return 0; negative errno from write(), with the buffered records lost
 *   as for tern_log_writer_append().
 */
TERN_API int tern_log_writer_flush(struct tern_log_writer *w);

/**
 * Housekeeping for a writer that may be idle: hand buffered records to the
 * kernel and rotate when the UTC time of day has passed, even if no append
 * comes.  It also reads the active segment's header back (one pread): a
 * header damaged under the writer would make readers distrust everything
 * after it, so the writer seals that segment and goes on in a new one
 * (counted in tern_log_writer_stats().header_damage).  Call it from the storage role's timer (every 100 ms, say); with
 * nothing to do it reads the clock and returns.
 * @return 0; negative errno from write() or the rotation.
 */
TERN_API int tern_log_writer_tick(struct tern_log_writer *w);

/**
 * Flush and block until everything appended is durable (fdatasync), whatever
 * the policy.  For shutdown, tools and tests, not for the storage lcore.
 * @return 0; negative errno from write() or fdatasync().
 */
TERN_API int tern_log_writer_sync(struct tern_log_writer *w);

/** Highest lsn known durable under the stream's policy (every lsn at or
 * below it is durable).  Any thread may call it; lock-free. */
TERN_API uint64_t tern_log_writer_durable(const struct tern_log_writer *w);

/** Last lsn appended (0: none yet). */
TERN_API uint64_t tern_log_writer_last_lsn(const struct tern_log_writer *w);

/** Counters of a writer, for benchmarks and stats. */
struct tern_log_writer_stats {
	uint64_t records;    /**< records appended since open */
	uint64_t bytes;      /**< record bytes appended since open */
	uint64_t writes;     /**< write() calls of record data */
	uint64_t syncs;      /**< fdatasync() calls by the flusher */
	uint64_t rotations;  /**< segments started since open */
	uint64_t lost;       /**< records appended but never written: a failed
	                          write (full disk) dropped them, leaving a gap
	                          in the lsns */
	uint64_t header_damage; /**< active segments found with a damaged
	                          header (at open, or by a tick while writing)
	                          and left for a new segment */
};

/** The writer's sticky error: 0, or the negative errno that makes it
 * refuse appends for good (the cut-back after a failed write failed) or
 * stops its durable watermark (an fdatasync failed).  Any thread. */
TERN_API int tern_log_writer_error(const struct tern_log_writer *w);

/** Copy the writer's counters (writer thread; syncs is read atomically). */
TERN_API void tern_log_writer_stats(const struct tern_log_writer *w,
		struct tern_log_writer_stats *st);

/** Sync, stop the flusher, close files and free the writer.  NULL is a
 * no-op.  @return 0 or the first error met while syncing. */
TERN_API int tern_log_writer_close(struct tern_log_writer *w);

/* ---------------------------------------------------------------- rules */

/** One storage rule: topics matching @c pattern go to @c prefix. */
struct tern_log_rule {
	const char *pattern;          /**< topic pattern (`*`, `>`) */
	const char *prefix;           /**< file prefix; "{topic}" expands */
	struct tern_log_policy policy;
};

struct tern_log;

/**
 * Open a rule-routed log under @p dir.  Rules are copied.  Writers open
 * lazily, when a topic first routes to their prefix.
 *
 * @param max_topics  capacity of the topic cache (0: 1024).
 * @return 0; -EINVAL invalid pattern or prefix; -ENOMEM.
 */
TERN_API int tern_log_open(const char *dir, const struct tern_log_rule *rules,
		unsigned int nrules, const struct tern_log_opts *opts,
		unsigned int max_topics, struct tern_log **out);

/**
 * Store @p msg if a rule matches its topic.  The first append on a topic
 * matches the rules and may open a writer (allocates); later appends on it
 * are a table lookup and a writer append.
 *
 * @param[out] writer  when stored, the stream's writer (for durability).
 * @return the lsn (> 0) when stored; 0 when no rule matches; -ENOSPC topic
 *   cache full; -EINVAL invalid topic; the errors of
 *   tern_log_writer_open() and tern_log_writer_append().
 */
TERN_API int64_t tern_log_append(struct tern_log *log,
		const struct tern_log_msg *msg, struct tern_log_writer **writer);

/** Flush every writer (end of a burst).  @return 0 or the first error. */
TERN_API int tern_log_flush(struct tern_log *log);

/** tern_log_writer_tick() on every writer.  @return 0 or the first error. */
TERN_API int tern_log_tick(struct tern_log *log);

/** Close every writer and free the log.  @return 0 or the first error. */
TERN_API int tern_log_close(struct tern_log *log);

/**
 * Expand the file prefix for @p topic: the first rule matching wins.
 * @return the rule index (>= 0) with the prefix in @p buf; -ENOENT no rule
 *   matches; -ENAMETOOLONG buffer too small.
 */
TERN_API int tern_log_rules_route(const struct tern_log_rule *rules,
		unsigned int nrules, const char *topic, char *buf, size_t cap);

/* --------------------------------------------------------------- reader */

enum tern_log_start {
	TERN_LOG_START_EARLIEST = 0,  /**< oldest record still stored */
	TERN_LOG_START_LATEST = 1,    /**< only records appended from now */
	TERN_LOG_START_LSN = 2,       /**< first record with lsn >= value */
	TERN_LOG_START_SEQ = 3,       /**< first record with seq >= value
	                                   (needs seq non-decreasing in the
	                                   stream: one topic per stream) */
	TERN_LOG_START_TIME = 4,      /**< first record with recv_ns >= value */
};

/** Where a damaged record was found. */
struct tern_log_damage {
	char file[256];      /**< segment file name (relative to the stream dir) */
	uint64_t offset;     /**< byte offset of the damaged record */
	uint64_t skipped;    /**< bytes skipped to the next good record */
};

struct tern_log_reader;

/**
 * Open a reader on stream @p prefix (already expanded) under @p dir.
 * Allocates its buffer here; tern_log_reader_next() allocates nothing.
 *
 * @param value  the lsn, sequence or time for the START_LSN/SEQ/TIME modes.
 * @param opts   only max_record_bytes and buffer_bytes are used; NULL ok.
 * @return 0; -EINVAL bad argument; -ENOMEM; -ENOENT the directory of
 *   @p prefix does not exist; negative errno from the file system.  A stream
 *   with no segment yet is not an error: the reader waits for the first.
 */
TERN_API int tern_log_reader_open(const char *dir, const char *prefix,
		enum tern_log_start start, uint64_t value,
		const struct tern_log_opts *opts, struct tern_log_reader **out);

/**
 * Next record in lsn order.  Crosses segment rotations; at the end of the
 * stream returns -EAGAIN and resumes later from the same place.
 *
 * @param[out] msg  pointers into the reader's buffer, valid until the next
 *   call on this reader.
 * @return 0 with @p msg set; -EAGAIN nothing more yet; -EBADMSG a damaged
 *   record was found and skipped (details: tern_log_reader_damage(); call
 *   again to continue); -EMSGSIZE a record larger than max_record_bytes;
 *   -ENODATA records were lost (the segment holding the next lsn is gone,
 *   deleted by retention): the next call continues after the gap; negative
 *   errno from the file system.
 */
TERN_API int tern_log_reader_next(struct tern_log_reader *r,
		struct tern_log_msg *msg);

/** Where the last -EBADMSG was. */
TERN_API const struct tern_log_damage *tern_log_reader_damage(
		const struct tern_log_reader *r);

/** Close and free; NULL is a no-op. */
TERN_API void tern_log_reader_close(struct tern_log_reader *r);

/**
 * The highest bus sequence stream @p prefix holds for @p topic (0: none),
 * reading from the newest segment back until one has the topic.
 * @return 0; negative errno from the file system.  A missing stream is 0.
 */
TERN_API int tern_log_last_seq(const char *dir, const char *prefix, const char *topic,
		uint64_t *seq);

/* ---------------------------------------------------------------- tools */

/** Iterate the "key=value\0" entries of a tag block: returns 1 and sets
 * the four out-parameters per tag, 0 at the end, -EBADMSG malformed.
 * @p pos starts at 0. */
TERN_API int tern_log_tag_next(const void *tags, uint32_t tags_len,
		uint32_t *pos, const char **key, size_t *klen,
		const char **val, size_t *vlen);

#ifdef __cplusplus
}
#endif

#endif
