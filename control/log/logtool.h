/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-log: inspect a log directory.  `ls` lists segments, `dump` prints
 * records as JSON lines, `verify` checks CRCs, seals and indexes.
 */
#ifndef TERN_LOGTOOL_H
#define TERN_LOGTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Exit codes: 0 clean, 1 damage found, 2 usage or I/O error. */
enum { LT_OK = 0, LT_DAMAGE = 1, LT_ERROR = 2 };

/** Calls @p fn for every stream (prefix relative to @p root) found under
 * @p root, or only for @p prefix when it is not NULL.  @return 0 or
 * negative errno. */
int lt_streams(const char *root, const char *prefix,
		int (*fn)(const char *root, const char *prefix, void *clientd),
		void *clientd);

struct tern__seg;
struct tern__scan;

/** One segment as the commands see it, scanned whole. */
struct lt_seg {
	const char *prefix;
	int dirfd;
	const struct tern__seg *seg;
	int fd;
	bool last;                 /* the stream's active segment */
	const struct tern__scan *scan;
};

/** Scan every segment of stream @p prefix in lsn order and call @p fn;
 * @p on_damage sees each damaged region during the scan.  @return the
 * largest value @p fn returned, or LT_ERROR. */
int lt_segments(const char *root, const char *prefix,
		void (*on_damage)(const char *file, uint64_t off, uint64_t skipped,
			void *clientd),
		int (*fn)(const struct lt_seg *s, void *clientd), void *clientd);

/** The newest segment of stream @p prefix: its name and whether its
 * header reads.  @return the number of segments, or negative errno. */
int lt_newest_segment(const char *root, const char *prefix, char *name,
		size_t cap, bool *header_ok);

/** Print @p len bytes of @p s as a JSON string (with quotes). */
void lt_json_str(FILE *f, const char *s, size_t len);

int lt_cmd_ls(int argc, char **argv);
int lt_cmd_dump(int argc, char **argv);
int lt_cmd_verify(int argc, char **argv);

#endif
