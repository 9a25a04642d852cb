/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The last sequence number a stream holds for a topic, so that a topic
 * re-created after a restart continues its numbering instead of reusing
 * sequence numbers the log already holds.  Reads the newest segment first
 * and walks back only when a shared stream has no record of the topic
 * there: one segment's worth of reading in the usual {topic} case.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tern/tern_log.h>

#include "log_segment.h"

int tern_log_last_seq(const char *dir, const char *prefix, const char *topic, uint64_t *seq)
{
	char base[TERN__NAME_MAX];
	struct tern__seg *segs = NULL;
	size_t tl = strlen(topic);
	int dirfd, n, rc = 0;

	*seq = 0;
	dirfd = tern__stream_dir(dir, prefix, NULL, base);
	if (dirfd < 0)
		return dirfd == -ENOENT ? 0 : dirfd;
	n = tern__seg_list(dirfd, base, &segs);
	close(dirfd);
	if (n <= 0)
		return n;
	for (int i = n - 1; i >= 0 && *seq == 0; i--) {
		struct tern_log_reader *r;
		struct tern_log_msg m;

		rc = tern_log_reader_open(dir, prefix, TERN_LOG_START_LSN, segs[i].first_lsn, NULL, &r);
		if (rc < 0)
			break;
		/* This segment only: the newer ones were read already. */
		uint64_t end = i + 1 < n ? segs[i + 1].first_lsn : UINT64_MAX;
		while ((rc = tern_log_reader_next(r, &m)) != -EAGAIN) {
			if (rc == -EBADMSG || rc == -ENODATA)
				continue;
			if (rc < 0 || m.lsn >= end)
				break;
			if (m.topic_len == tl && memcmp(m.topic, topic, tl) == 0 && m.seq > *seq)
				*seq = m.seq;
		}
		tern_log_reader_close(r);
		rc = rc == -EAGAIN || rc >= 0 ? 0 : rc;
		if (rc < 0)
			break;
	}
	free(segs);
	return rc;
}
