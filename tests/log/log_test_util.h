/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the log tests: temp dirs, messages, a settable clock. */
#ifndef LOG_TEST_UTIL_H
#define LOG_TEST_UTIL_H

#include <stdint.h>

#include <tern/tern_log.h>

/** mkdtemp under /tmp (a real disk here, not tmpfs); aborts on failure. */
void tlt_mkdtemp(char dir[64]);
/** The temp dir of the current test: tlt_setup makes it, tlt_teardown
 * removes it (cmocka setup/teardown). */
extern char tlt_dir[64];
int tlt_setup(void **state);
int tlt_teardown(void **state);
/** rm -rf @p dir. */
void tlt_rmrf(const char *dir);
/** Number of files in @p dir whose names end with @p suffix. */
int tlt_count(const char *dir, const char *suffix);
/** Path of the @p nth (0-based, name order) file ending with @p suffix. */
int tlt_nth(const char *dir, const char *suffix, int nth, char *path,
		size_t cap);

/** A message with a deterministic payload derived from @p seq. */
struct tlt_msg {
	struct tern_log_msg m;
	uint8_t payload[2048];
	char tags[64];
};
void tlt_msg_init(struct tlt_msg *t, const char *topic, uint64_t seq,
		uint32_t payload_len);
/** Does @p got carry what tlt_msg_init(topic, seq, len) made? */
int tlt_msg_check(const struct tern_log_msg *got, const char *topic,
		uint64_t seq, uint32_t payload_len);

/** Write the crafted 448-byte segment of issue 7 (first lsn 1) for stream
 * @p base in @p dir: a valid header, one record with a bad CRC, then a
 * seal with a valid CRC that points back at lsn 1 and names a missing
 * file.  It once sent readers, tern_log_last_seq() and tern-log dump
 * round in a circle.  @return 0 or -1. */
int tlt_write_448(const char *dir, const char *base);

/** A clock for tern_log_opts.clock: returns *(int64_t *)clientd. */
int64_t tlt_clock(void *clientd);

#endif
