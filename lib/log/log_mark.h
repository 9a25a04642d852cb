/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sequence high-water marks: one small file per stored topic saying how far
 * the bus may have numbered it, written *before* those numbers are used, so
 * that a topic created again after any crash or restart numbers on past
 * every sequence ever handed out (hi/lo allocation: the dataplane reserves
 * ranges ahead and the publishers' numbering stops at the reserved end).
 *
 * The file is <root>/.seq/<topic>.tseq: two 32-byte copies, written in
 * turn, each with its own CRC32C and a generation.  A write replaces the
 * older copy in place (no new block is needed, so it works on a full disk)
 * and is fdatasynced before the caller uses the range.  A torn or damaged
 * copy leaves the other; since each write raises the mark by at most the
 * bound the previous copy names, the surviving copy plus its bound is past
 * anything the lost one allowed.  Both copies bad is an error, never a
 * guess: a lower mark would reuse numbers.
 */
#ifndef TERN_LOG_MARK_H
#define TERN_LOG_MARK_H

#include <stdbool.h>
#include <stdint.h>

#include "log_segment.h"

#define TERN__MARK_MAGIC "TSEQMRK1"
#define TERN__MARK_SLOT 32
#define TERN__MARK_DIR ".seq"

/* One copy, little-endian like every on-disk layout of the log. */
struct tern__mark_slot {
	char magic[8];
	uint32_t version;      /* 1 */
	uint32_t crc;          /* CRC32C of bytes [16, 32) */
	uint64_t hi;           /* no sequence above this was handed out */
	uint64_t gen_bound;    /* low 32 bits: generation; high 32: how much the
	                        * next write may raise hi */
};
_Static_assert(sizeof(struct tern__mark_slot) == TERN__MARK_SLOT, "mark slot");

struct tern__mark {
	int fd;                /* -1: closed */
	uint64_t hi;
	uint32_t gen;
	uint32_t bound;        /* what the current copy lets the next write add */
	uint32_t step;         /* the bound written with each new mark */
	bool repaired;         /* open found one copy damaged: hi includes its bound */
};

/**
 * Open (or create, with hi 0) the mark of @p topic under @p root, with
 * @p perm for what it creates.  @p step is the largest raise a later
 * tern__mark_set() makes in one write (larger raises take two).
 * @return 0 with @p m set; -EBADMSG both copies damaged (the file is left
 *   as it is for a person to judge); negative errno from the file system.
 */
int tern__mark_open(const char *root, const char *topic, uint32_t step,
		const struct tern__perm *perm, struct tern__mark *m);

/** Make @p hi the mark, durably (pwrite + fdatasync) before returning.
 * @return 0; negative errno (the mark in @p m is unchanged). */
int tern__mark_set(struct tern__mark *m, uint64_t hi);

void tern__mark_close(struct tern__mark *m);

/** The file name of @p topic's mark relative to @p root, for messages. */
int tern__mark_path(char *buf, size_t cap, const char *root, const char *topic);

#endif
