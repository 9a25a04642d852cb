/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A name index: topic or pattern name -> slot id, O(1) on average, for the
 * registries of tern-control and tern-dataplane, whose tables reach 65536
 * topics and were scanned linearly on every create, lookup and subscribe.
 *
 * Open addressing with linear probing over a power-of-two table at most
 * half full, sized once from the registry's capacity (it never grows, like
 * the registries themselves), and backward-shift deletion, so there are no
 * tombstones and a table that churns for ever stays as fast as a fresh one.
 * The names are not copied: each entry holds the slot id and the name's
 * hash, and the caller's key_of() gives the name of a slot when two hashes
 * agree.  So the index costs 8 bytes an entry and never disagrees with the
 * registry about a name.
 *
 * Rejected: rte_hash (tern-control is not an EAL process and links no DPDK);
 * glibc hsearch_r (no deletion at all: a node that deletes and creates
 * topics would fill it); a chained table (a malloc per insert, on a path
 * that must not fail half-way).
 */
#ifndef TERN_NAMES_H
#define TERN_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct tern__names {
    uint32_t mask;              /* table size - 1 */
    uint32_t used;
    uint32_t cap;               /* most entries it accepts (half the table) */
    struct tern__names_ent {
        uint32_t id;            /* UINT32_MAX: empty */
        uint32_t hash;
    } *ent;
    /* The name of slot id (NUL-terminated), for comparisons. */
    const char *(*key_of)(void *ctx, uint32_t id);
    void *ctx;
};

/* Room for cap names.  0 or -ENOMEM. */
int tern__names_init(struct tern__names *n, uint32_t cap,
                     const char *(*key_of)(void *ctx, uint32_t id), void *ctx);
void tern__names_fini(struct tern__names *n);
/* The slot id named name, or -ENOENT. */
int64_t tern__names_find(const struct tern__names *n, const char *name);
/* Index slot id under name (not already indexed).  0, or -ENOSPC when full. */
int tern__names_add(struct tern__names *n, const char *name, uint32_t id);
/* Forget slot id, indexed under name.  0 or -ENOENT. */
int tern__names_del(struct tern__names *n, const char *name, uint32_t id);
/* FNV-1a, 32 bits. */
uint32_t tern__names_hash(const char *name);

#endif
