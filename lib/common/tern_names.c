/* SPDX-License-Identifier: Apache-2.0 */
/* The name index (tern_names.h): linear probing, backward-shift deletion. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tern_names.h"

#define EMPTY UINT32_MAX

uint32_t tern__names_hash(const char *name)
{
    uint32_t h = 2166136261u;

    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    /* FNV's low bits are weak for names that differ in their last byte
     * only (md.eq.A, md.eq.B): mix before masking. */
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    return h;
}

int tern__names_init(struct tern__names *n, uint32_t cap,
                     const char *(*key_of)(void *ctx, uint32_t id), void *ctx)
{
    uint32_t size = 16;

    while (size / 2 < cap)
        size *= 2;
    memset(n, 0, sizeof(*n));
    n->ent = malloc((size_t)size * sizeof(*n->ent));
    if (!n->ent)
        return -ENOMEM;
    for (uint32_t i = 0; i < size; i++)
        n->ent[i].id = EMPTY;
    n->mask = size - 1;
    n->cap = cap;
    n->key_of = key_of;
    n->ctx = ctx;
    return 0;
}

void tern__names_fini(struct tern__names *n)
{
    free(n->ent);
    memset(n, 0, sizeof(*n));
}

/* The entry holding name (found) or the empty one where it would go. */
static uint32_t probe(const struct tern__names *n, const char *name, uint32_t h, int *found)
{
    uint32_t i = h & n->mask;

    for (;; i = (i + 1) & n->mask) {
        const struct tern__names_ent *e = &n->ent[i];
        if (e->id == EMPTY) {
            *found = 0;
            return i;
        }
        if (e->hash == h && strcmp(n->key_of(n->ctx, e->id), name) == 0) {
            *found = 1;
            return i;
        }
    }
}

int64_t tern__names_find(const struct tern__names *n, const char *name)
{
    int found;
    uint32_t i;

    if (!n->ent)
        return -ENOENT;
    i = probe(n, name, tern__names_hash(name), &found);
    return found ? (int64_t)n->ent[i].id : -ENOENT;
}

int tern__names_add(struct tern__names *n, const char *name, uint32_t id)
{
    uint32_t h = tern__names_hash(name), i;
    int found;

    if (n->used >= n->cap)
        return -ENOSPC;     /* the table stays at most half full: probes stay short */
    i = probe(n, name, h, &found);
    if (found)
        return -EEXIST;
    n->ent[i] = (struct tern__names_ent){ id, h };
    n->used++;
    return 0;
}

int tern__names_del(struct tern__names *n, const char *name, uint32_t id)
{
    uint32_t h = tern__names_hash(name), i = h & n->mask, j;

    for (;; i = (i + 1) & n->mask) {
        if (n->ent[i].id == EMPTY)
            return -ENOENT;
        if (n->ent[i].id == id)
            break;
    }
    /* Backward shift: pull later entries of the run into the hole unless
     * their home lies cyclically in (hole, j], where they must stay. */
    for (j = i;;) {
        j = (j + 1) & n->mask;
        if (n->ent[j].id == EMPTY)
            break;
        uint32_t home = n->ent[j].hash & n->mask;
        if (((j - home) & n->mask) < ((j - i) & n->mask))
            continue;       /* home is in (i, j]: leave it */
        n->ent[i] = n->ent[j];
        i = j;
    }
    n->ent[i].id = EMPTY;
    n->used--;
    return 0;
}
