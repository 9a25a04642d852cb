/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hierarchical timing wheel (Varghese and Lauck): ten levels of 64 slots,
 * level L's slot a span of 64^L ticks, 60 bits of ticks in all.  A timer
 * goes to the level of the highest base-64 digit in which its tick differs
 * from the wheel's current tick, at that digit's slot, so arm and cancel
 * are a list insert and unlink: O(1).  When the current tick reaches a
 * slot of a higher level (its lower digits all zero), the slot's timers
 * are placed again, each landing lower; a timer moves at most once per
 * level.
 *
 * Occupancy bitmaps, one word per level, give the next tick at which
 * anything happens, so a reactor that slept or fell behind for a second
 * jumps to the next occupied slot instead of stepping a million ticks, and
 * the duty cycle's check when nothing is due is one compare against a
 * cached lower bound.
 *
 * A level-0 slot holds the timers of one tick.  They fire sorted by
 * (deadline, arm order), a merge sort of a list that is nearly always one
 * long: deadline order is exact in ns, not just to the tick.
 *
 * Rejected: a binary heap (O(log n) arm and cancel, and cancel needs an
 * index kept in the timer at every swap); DPDK's rte_timer (a skip list,
 * O(log n), per-lcore state that wants EAL lcores, which a reactor thread
 * of a second client does not have); one timerfd per timer (a syscall per
 * arm, as the seeds' C++ framework paid).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reactor_wheel.h"

enum { T_FREE, T_ARMED, T_FIRING };

#define SLOT_NONE 0xfffe       /* firing: in no list */
#define SLOT_EXPIRING 0xffff   /* in w->expiring */
#define TICK_MAX ((UINT64_C(1) << (TERN__WHEEL_BITS * TERN__WHEEL_LEVELS)) - 1)

static inline void list_init(struct tern__tnode *h)
{
	h->next = h->prev = h;
}

static inline bool list_empty(const struct tern__tnode *h)
{
	return h->next == h;
}

static inline void list_add_tail(struct tern__tnode *h, struct tern__tnode *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void list_del(struct tern__tnode *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
}

static inline struct tern__timer *timer_of(struct tern__tnode *n)
{
	return (struct tern__timer *)n;
}

static inline tern_timer_id id_of(const struct tern__wheel *w, const struct tern__timer *t)
{
	return (uint64_t)t->gen << 32 | (uint32_t)(t - w->timers);
}

static uint64_t to_tick(const struct tern__wheel *w, int64_t ns)
{
	uint64_t d, t;

	if (ns <= w->base)
		return 0;
	d = (uint64_t)ns - (uint64_t)w->base;
	t = (d >> w->shift) + ((d & ((UINT64_C(1) << w->shift) - 1)) != 0);
	return t > TICK_MAX ? TICK_MAX : t;
}

static inline unsigned digit(uint64_t tick, unsigned level)
{
	return (unsigned)(tick >> (level * TERN__WHEEL_BITS)) & (TERN__WHEEL_SLOTS - 1);
}

/* Put t in its slot, relative to the current tick. */
static void place(struct tern__wheel *w, struct tern__timer *t)
{
	uint64_t e = t->tick < w->now_tick ? w->now_tick : t->tick;
	uint64_t x = e ^ w->now_tick, cand;
	unsigned level = x ? (unsigned)(63 - __builtin_clzll(x)) / TERN__WHEEL_BITS : 0;
	unsigned s = digit(e, level);

	t->tick = e;
	list_add_tail(&w->slots[level][s], &t->node);
	w->bitmap[level] |= UINT64_C(1) << s;
	t->slot = (uint16_t)(level * TERN__WHEEL_SLOTS + s);
	/* When the slot is looked at: the tick with e's digits from level up. */
	cand = e & ~((UINT64_C(1) << (level * TERN__WHEEL_BITS)) - 1);
	if (cand < w->next_tick)
		w->next_tick = cand;
}

static void unplace(struct tern__wheel *w, struct tern__timer *t)
{
	list_del(&t->node);
	if (t->slot < TERN__WHEEL_LEVELS * TERN__WHEEL_SLOTS) {
		unsigned level = t->slot / TERN__WHEEL_SLOTS, s = t->slot % TERN__WHEEL_SLOTS;
		if (list_empty(&w->slots[level][s]))
			w->bitmap[level] &= ~(UINT64_C(1) << s);
	}
	t->slot = SLOT_NONE;
}

/* The first tick at or after now_tick whose slot holds anything. */
static uint64_t next_event(const struct tern__wheel *w)
{
	uint64_t best = UINT64_MAX, t = w->now_tick;

	if (w->armed == 0)
		return UINT64_MAX;
	for (unsigned level = 0; level < TERN__WHEEL_LEVELS; level++) {
		/* Slots below the current digit are empty: a timer there would
		 * have differed in a higher digit. */
		uint64_t bits = w->bitmap[level] & (~UINT64_C(0) << digit(t, level));
		unsigned lo = level * TERN__WHEEL_BITS, hi = lo + TERN__WHEEL_BITS;
		uint64_t c;

		if (bits == 0)
			continue;
		c = (t >> hi << hi) | (uint64_t)__builtin_ctzll(bits) << lo;
		if (c < best)
			best = c;
	}
	return best;
}

static void free_timer(struct tern__wheel *w, struct tern__timer *t)
{
	t->state = T_FREE;
	t->gen = t->gen + 1 ? t->gen + 1 : 1;   /* 0 never: no id is 0 */
	t->node.next = w->free ? &w->free->node : NULL;   /* node is first: NULL stays NULL */
	w->free = t;
}

static struct tern__timer *lookup(const struct tern__wheel *w, tern_timer_id id)
{
	uint32_t idx = (uint32_t)id;
	struct tern__timer *t;

	if (idx >= w->max)
		return NULL;
	t = &w->timers[idx];
	return t->gen == (uint32_t)(id >> 32) && t->state != T_FREE ? t : NULL;
}

int tern__wheel_init(struct tern__wheel *w, uint32_t max, int64_t tick_ns, int64_t now_ns)
{
	memset(w, 0, sizeof(*w));
	if (tick_ns <= 0 || max == 0)
		return -EINVAL;
	while ((INT64_C(1) << w->shift) < tick_ns)
		w->shift++;
	w->timers = calloc(max, sizeof(*w->timers));
	if (w->timers == NULL)
		return -ENOMEM;
	w->max = max;
	w->base = now_ns;
	w->next_tick = UINT64_MAX;
	for (unsigned l = 0; l < TERN__WHEEL_LEVELS; l++)
		for (unsigned s = 0; s < TERN__WHEEL_SLOTS; s++)
			list_init(&w->slots[l][s]);
	list_init(&w->expiring);
	for (uint32_t i = max; i-- > 0;) {
		w->timers[i].gen = 0;   /* free_timer makes it 1 */
		free_timer(w, &w->timers[i]);
	}
	return 0;
}

void tern__wheel_fini(struct tern__wheel *w)
{
	free(w->timers);
	w->timers = NULL;
}

int tern__wheel_arm(struct tern__wheel *w, int64_t deadline, int64_t period, unsigned flags,
		    tern_timer_fn fn, void *clientd, tern_timer_id *out)
{
	struct tern__timer *t = w->free;

	if (fn == NULL || period < 0)
		return -EINVAL;
	if (t == NULL)
		return -ENOSPC;
	w->free = timer_of(t->node.next) ;
	t->deadline = deadline;
	t->period = period;
	t->tick = to_tick(w, deadline);
	t->seq = ++w->seq;
	t->fn = fn;
	t->clientd = clientd;
	t->flags = (uint8_t)flags;
	t->state = T_ARMED;
	w->armed++;
	place(w, t);
	if (out)
		*out = id_of(w, t);
	return 0;
}

int tern__wheel_cancel(struct tern__wheel *w, tern_timer_id id)
{
	struct tern__timer *t = lookup(w, id);

	if (t == NULL)
		return -ENOENT;
	if (t->state == T_ARMED) {
		unplace(w, t);
		w->armed--;
	}
	free_timer(w, t);
	return 0;
}

int tern__wheel_rearm(struct tern__wheel *w, tern_timer_id id, int64_t deadline)
{
	struct tern__timer *t = lookup(w, id);

	if (t == NULL)
		return -ENOENT;
	if (t->state == T_ARMED)
		unplace(w, t);
	else
		w->armed++;
	t->state = T_ARMED;
	t->deadline = deadline;
	t->tick = to_tick(w, deadline);
	t->seq = ++w->seq;
	place(w, t);
	return 0;
}

int64_t tern__wheel_deadline(const struct tern__wheel *w, tern_timer_id id)
{
	const struct tern__timer *t = lookup(w, id);

	return t ? t->deadline : -ENOENT;
}

int64_t tern__wheel_next(const struct tern__wheel *w)
{
	uint64_t t = next_event(w);

	if (t == UINT64_MAX)
		return INT64_MAX;
	return w->base + (int64_t)(t << w->shift);
}

static bool before(struct tern__tnode *a, struct tern__tnode *b)
{
	const struct tern__timer *x = timer_of(a), *y = timer_of(b);

	return x->deadline < y->deadline || (x->deadline == y->deadline && x->seq < y->seq);
}

static struct tern__tnode *merge(struct tern__tnode *a, struct tern__tnode *b)
{
	struct tern__tnode head, *t = &head;

	while (a && b) {
		if (before(b, a)) {
			t->next = b;
			b = b->next;
		} else {
			t->next = a;
			a = a->next;
		}
		t = t->next;
	}
	t->next = a ? a : b;
	return head.next;
}

/* Sort the NULL-terminated list of n nodes at h. */
static struct tern__tnode *msort(struct tern__tnode *h, size_t n)
{
	struct tern__tnode *mid = h, *rest;

	if (n <= 1)
		return h;
	for (size_t i = 1; i < n / 2; i++)
		mid = mid->next;
	rest = mid->next;
	mid->next = NULL;
	return merge(msort(h, n / 2), msort(rest, n - n / 2));
}

/* Move level-0 slot s to w->expiring, in firing order. */
static void take_slot(struct tern__wheel *w, unsigned s)
{
	struct tern__tnode *h = &w->slots[0][s], *e = &w->expiring, *n, *prev;
	size_t count = 0;

	for (n = h->next; n != h; n = n->next) {
		timer_of(n)->slot = SLOT_EXPIRING;
		count++;
	}
	h->prev->next = NULL;
	n = msort(h->next, count);
	list_init(h);
	w->bitmap[0] &= ~(UINT64_C(1) << s);
	for (prev = e; n; prev = n, n = n->next) {
		prev->next = n;
		n->prev = prev;
	}
	prev->next = e;
	e->prev = prev;
}

static void cascade(struct tern__wheel *w, unsigned level, unsigned s)
{
	struct tern__tnode *h = &w->slots[level][s];

	w->bitmap[level] &= ~(UINT64_C(1) << s);
	while (!list_empty(h)) {
		struct tern__timer *t = timer_of(h->next);
		list_del(&t->node);
		place(w, t);    /* lands on a lower level: its digit here is current */
	}
}

static void fire(struct tern__wheel *w, struct tern__timer *t, int64_t now,
		 struct tern_reactor *owner)
{
	uint32_t gen = t->gen;

	list_del(&t->node);
	t->slot = SLOT_NONE;
	t->state = T_FIRING;
	w->armed--;
	t->fn(owner, id_of(w, t), t->clientd);
	if (t->gen != gen || t->state != T_FIRING)
		return;                 /* cancelled or re-armed by its callback */
	if (t->period == 0) {
		free_timer(w, t);
		return;
	}
	/* The next deadline follows the schedule, not the firing (no drift);
	 * a reactor that fell behind fires once and skips to the schedule's
	 * next deadline after now, unless asked to catch up. */
	t->deadline += t->period;
	if (!(t->flags & TERN_TIMER_CATCHUP) && t->deadline <= now)
		t->deadline += ((now - t->deadline) / t->period + 1) * t->period;
	t->tick = to_tick(w, t->deadline);
	t->seq = ++w->seq;
	t->state = T_ARMED;
	w->armed++;
	place(w, t);
}

unsigned tern__wheel_expire(struct tern__wheel *w, int64_t now, struct tern_reactor *owner)
{
	uint64_t target, nt;
	unsigned fired = 0;

	if (now < w->base)
		return 0;
	target = (uint64_t)(now - w->base) >> w->shift;
	if (target < w->next_tick)
		return 0;
	while ((nt = next_event(w)) <= target) {
		w->now_tick = nt;
		for (unsigned l = 1; l < TERN__WHEEL_LEVELS; l++) {
			if (nt & ((UINT64_C(1) << (l * TERN__WHEEL_BITS)) - 1))
				break;  /* not a boundary of this level, nor of those above */
			if (w->bitmap[l] & (UINT64_C(1) << digit(nt, l)))
				cascade(w, l, digit(nt, l));
		}
		/* Timers armed by the callbacks below count from the next tick. */
		w->now_tick = nt + 1;
		if (w->bitmap[0] & (UINT64_C(1) << digit(nt, 0)))
			take_slot(w, digit(nt, 0));
		while (!list_empty(&w->expiring)) {
			fire(w, timer_of(w->expiring.next), now, owner);
			fired++;
		}
	}
	if (w->now_tick <= target)
		w->now_tick = target + 1;
	w->next_tick = next_event(w);
	return fired;
}
