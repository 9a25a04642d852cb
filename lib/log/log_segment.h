/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Segment files of one stream: names, listing, the stream directory.
 *
 * A stream "md/{topic}" expanded to "md/md.eq.AAPL" lives in directory
 * <root>/md with base name "md.eq.AAPL"; its segments are
 *   md.eq.AAPL-20261123T154510.123456789Z-00000000000000000001.tlog
 * (base, UTC creation time, first lsn) and the index beside it ends in
 * .tidx.  Names sort by creation time; code orders by first lsn, which a
 * clock step cannot reorder.
 */
#ifndef TERN_LOG_SEGMENT_H
#define TERN_LOG_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/tern_log.h>

#define TERN__SEG_SUFFIX_LEN 53   /* "-YYYYMMDDTHHMMSS.NNNNNNNNNZ-" + 20 + ".tlog" */
#define TERN__NAME_MAX 256

/* How the writer creates files and directories (tern_log_opts). */
struct tern__perm {
	uint32_t file_mode, dir_mode;
	uint32_t gid;                 /* 0: leave the creator's */
};

/** The permissions @p o asks for (NULL: defaults). */
void tern__perm_init(struct tern__perm *p, const struct tern_log_opts *o);
/** Give the just created @p fd its mode and group.  @return 0 or
 * negative errno. */
int tern__perm_apply(int fd, const struct tern__perm *p, bool dir);

struct tern__seg {
	uint64_t first_lsn;
	int64_t created_ns;
	uint64_t size;
	char name[TERN__NAME_MAX];
};

/** Open the directory holding stream @p prefix (with @p create non-NULL:
 * make the missing ones, with those permissions) and copy its base name to
 * @p base.  @return dirfd or negative errno. */
int tern__stream_dir(const char *root, const char *prefix,
		const struct tern__perm *create, char base[TERN__NAME_MAX]);

/** Segment (ext ".tlog") or index (".tidx") name.  @return 0 or
 * -ENAMETOOLONG. */
int tern__seg_name(char *buf, size_t cap, const char *base,
		int64_t created_ns, uint64_t first_lsn, const char *ext);

/** Index name of segment @p seg_name (same stem, ".tidx"). */
void tern__seg_idx_name(char dst[TERN__NAME_MAX], const char *seg_name);

/** Is @p name a segment of @p base?  Sets the two values when it is. */
bool tern__seg_parse(const char *name, const char *base, int64_t *created_ns,
		uint64_t *first_lsn);

/** Every segment of @p base in @p dirfd, ordered by first lsn, with sizes.
 * Allocates *out (free()).  @return count or negative errno. */
int tern__seg_list(int dirfd, const char *base, struct tern__seg **out);

/** The segment with the smallest first lsn >= @p min_lsn, without
 * allocating (@p scratch holds directory entries).  @return 1 found, 0 none,
 * negative errno. */
int tern__seg_find(int dirfd, const char *base, uint64_t min_lsn,
		struct tern__seg *out, void *scratch, size_t scratch_len);

/** Every base name with segments in @p dirfd (for tools): calls @p fn once
 * per distinct base.  @return 0 or negative errno. */
int tern__seg_bases(int dirfd, void (*fn)(const char *base, void *clientd),
		void *clientd);

/** Format UTC nanoseconds as 2026-11-23T15:45:10.123456789Z. */
void tern__fmt_time(char buf[64], int64_t ns);

#endif
