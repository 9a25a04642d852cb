/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-log verify: every record's CRC, the seal that must end each
 * finished segment, lsn continuity between segments, and each index
 * entry against its record.  Prints one line per problem; exit 1 when any
 * is damage.  Bytes after the last record of the *active* segment are an
 * unfinished write (recovery truncates them): reported, not damage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "log/log_cursor.h"
#include "log/log_index.h"
#include "log/log_segment.h"
#include "logtool.h"

struct lt_verify {
	const char *prefix;
	uint64_t next_lsn;      /* expected first lsn of the next segment */
	uint64_t damage;
	uint64_t segments, records;
};

static void
lt_verify_damage(const char *file, uint64_t off, uint64_t skipped,
		void *clientd)
{
	struct lt_verify *v = clientd;

	printf("DAMAGE %s/%s offset %" PRIu64 ": bad record, %" PRIu64
		" bytes skipped\n", v->prefix, file, off, skipped);
	v->damage++;
}

static int
lt_verify_seg(const struct lt_seg *s, void *clientd)
{
	struct lt_verify *v = clientd;
	const struct tern__scan *c = s->scan;
	const char *name = s->seg->name;

	v->segments++;
	v->records += c->records;
	if (!c->header_ok) {
		printf("DAMAGE %s/%s offset 0: bad segment header\n", s->prefix, name);
		v->damage++;
		return LT_DAMAGE;
	}
	if (v->next_lsn && s->seg->first_lsn != v->next_lsn)
		printf("GAP %s/%s: starts at lsn %" PRIu64 ", expected %" PRIu64 "\n",
			s->prefix, name, s->seg->first_lsn, v->next_lsn);
	if (c->file_size > c->valid_end) {
		if (s->last) {
			printf("TAIL %s/%s offset %" PRIu64 ": %" PRIu64
				" bytes of unfinished write\n", s->prefix, name,
				c->valid_end, c->file_size - c->valid_end);
		} else {
			printf("DAMAGE %s/%s offset %" PRIu64 ": %" PRIu64
				" bytes after the last valid record\n", s->prefix,
				name, c->valid_end, c->file_size - c->valid_end);
			v->damage++;
		}
	}
	if (!s->last && !c->sealed) {
		printf("DAMAGE %s/%s: finished segment without a seal\n",
				s->prefix, name);
		v->damage++;
	}
	v->next_lsn = c->sealed ? c->seal_lsn : c->last_lsn + 1;
	int rc = tern__index_check(s->dirfd, name, s->fd, c->valid_end,
			c->records, true);
	if (rc < 0) {
		printf("DAMAGE %s/%s: index %s\n", s->prefix, name,
				rc == -ENOENT ? "missing" : "damaged");
		v->damage++;
	}
	return LT_OK;
}

static int
lt_verify_stream(const char *root, const char *prefix, void *clientd)
{
	struct lt_verify v = {.prefix = prefix};
	uint64_t *total = clientd;

	int rc = lt_segments(root, prefix, lt_verify_damage, lt_verify_seg, &v);
	if (rc == LT_ERROR && v.segments == 0)
		return rc;              /* no such stream: said so already */
	printf("%s %s: %" PRIu64 " segments, %" PRIu64 " records, %" PRIu64
		" damaged\n", v.damage ? "BAD" : "OK", prefix, v.segments,
		v.records, v.damage);
	*total += v.damage;
	return rc;
}

int
lt_cmd_verify(int argc, char **argv)
{
	uint64_t damage = 0;

	if (argc < 2 || argc > 3) {
		fputs("usage: tern-log verify DIR [PREFIX]\n", stderr);
		return LT_ERROR;
	}
	int rc = lt_streams(argv[1], argc == 3 ? argv[2] : NULL,
			lt_verify_stream, &damage);
	if (rc < 0 || rc == LT_ERROR)
		return LT_ERROR;
	return damage ? LT_DAMAGE : LT_OK;
}
