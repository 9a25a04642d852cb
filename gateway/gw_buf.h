/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A connection's input or output bytes: one growable array with a read
 * position.  Grows on demand and gives memory back when it empties, so a
 * thousand idle connections cost a thousand small buffers, not a thousand
 * frames' worth.
 */
#ifndef GW_BUF_H
#define GW_BUF_H

#include <stddef.h>
#include <stdint.h>

struct gw_buf {
    uint8_t *data;
    size_t head;        /* first unconsumed byte */
    size_t tail;        /* one past the last byte */
    size_t cap;
};

static inline size_t gw_buf_len(const struct gw_buf *b) { return b->tail - b->head; }
static inline uint8_t *gw_buf_begin(const struct gw_buf *b) { return b->data + b->head; }

/** Room for at least n more bytes after tail; NULL when out of memory. */
uint8_t *gw_buf_reserve(struct gw_buf *b, size_t n);
/** Forget n bytes from the front; an empty buffer over its resting size is freed. */
void gw_buf_consume(struct gw_buf *b, size_t n);
void gw_buf_free(struct gw_buf *b);

#endif
