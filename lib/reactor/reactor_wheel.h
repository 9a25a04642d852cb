/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reactor's timers: a hierarchical timing wheel of preallocated timers.
 * Needs no EAL and reads no clock (the caller passes now), so it is tested
 * alone with a made-up time.  Single-threaded: its reactor's thread.
 */
#ifndef TERN_REACTOR_WHEEL_H
#define TERN_REACTOR_WHEEL_H

#include <stdint.h>

#include <tern/tern_reactor.h>

#define TERN__WHEEL_BITS 6                       /* 64 slots a level */
#define TERN__WHEEL_SLOTS (1u << TERN__WHEEL_BITS)
#define TERN__WHEEL_LEVELS 10                    /* 60 bits of ticks */

struct tern__tnode {
	struct tern__tnode *next, *prev;
};

struct tern__timer {
	struct tern__tnode node;   /* first: a slot's list, or the free list */
	int64_t deadline;          /* ns */
	int64_t period;            /* ns, 0: one-shot */
	uint64_t tick;             /* deadline in ticks, rounded up */
	uint64_t seq;              /* arm order: breaks ties of one deadline */
	tern_timer_fn fn;
	void *clientd;
	uint32_t gen;              /* bumped when freed: stale ids fail */
	uint16_t slot;             /* level * 64 + slot, or TERN__SLOT_EXPIRING */
	uint8_t state;
	uint8_t flags;
};

struct tern__wheel {
	uint64_t now_tick;         /* the first tick not yet processed */
	uint64_t next_tick;        /* no event before it (a lower bound) */
	int64_t base;              /* ns of tick 0 */
	unsigned shift;            /* tick = 2^shift ns */
	uint32_t armed;
	uint64_t seq;
	uint64_t bitmap[TERN__WHEEL_LEVELS];   /* non-empty slots */
	struct tern__tnode slots[TERN__WHEEL_LEVELS][TERN__WHEEL_SLOTS];
	struct tern__tnode expiring;           /* the tick being fired */
	struct tern__timer *timers;
	struct tern__timer *free;              /* a stack through node.next */
	uint32_t max;
};

/* max timers, a tick of at least tick_ns, time starting at now_ns.
 * @return 0, -EINVAL, -ENOMEM. */
int tern__wheel_init(struct tern__wheel *w, uint32_t max, int64_t tick_ns, int64_t now_ns);
void tern__wheel_fini(struct tern__wheel *w);
int tern__wheel_arm(struct tern__wheel *w, int64_t deadline, int64_t period, unsigned flags,
		    tern_timer_fn fn, void *clientd, tern_timer_id *out);
int tern__wheel_cancel(struct tern__wheel *w, tern_timer_id id);
int tern__wheel_rearm(struct tern__wheel *w, tern_timer_id id, int64_t deadline);
int64_t tern__wheel_deadline(const struct tern__wheel *w, tern_timer_id id);
/* Fire every timer due at now, passing owner to the callbacks.  One compare
 * when nothing is due.  @return the firings. */
unsigned tern__wheel_expire(struct tern__wheel *w, int64_t now, struct tern_reactor *owner);
/* No timer is due before this (ns); INT64_MAX when none is armed. */
int64_t tern__wheel_next(const struct tern__wheel *w);

#endif
