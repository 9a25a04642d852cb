/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "gw_buf.h"

/* What an empty buffer may keep: enough for a burst of small frames. */
#define GW_BUF_REST (16u << 10)

uint8_t *gw_buf_reserve(struct gw_buf *b, size_t n)
{
    size_t len = gw_buf_len(b), cap;
    uint8_t *d;

    if (b->cap - b->tail >= n)
        return b->data + b->tail;
    /* Slide first: the front is already consumed. */
    if (b->head && b->cap - len >= n) {
        memmove(b->data, b->data + b->head, len);
        b->head = 0;
        b->tail = len;
        return b->data + b->tail;
    }
    for (cap = b->cap ? b->cap : 4096; cap - len < n; cap *= 2)
        ;
    d = malloc(cap);
    if (!d)
        return NULL;
    if (len)
        memcpy(d, b->data + b->head, len);
    free(b->data);
    b->data = d;
    b->cap = cap;
    b->head = 0;
    b->tail = len;
    return d + len;
}

void gw_buf_consume(struct gw_buf *b, size_t n)
{
    b->head += n;
    if (b->head < b->tail)
        return;
    b->head = b->tail = 0;
    if (b->cap > GW_BUF_REST)
        gw_buf_free(b);
}

void gw_buf_free(struct gw_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}
