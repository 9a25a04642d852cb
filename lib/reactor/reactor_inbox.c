/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A reactor's inbox: an rte_ring of 32-byte records, multi-producer and
 * single-consumer, on memory the reactor allocates itself and sets up with
 * rte_ring_init(), which needs no EAL (rte_ring_create() wants EAL's
 * memzones and a name unique in the process, neither of which a ring read
 * by one thread of one process needs).  Producers reserve slots in order,
 * so each sender's records arrive in the order it sent them; a full ring
 * refuses the record (TERN_EBACKPRESSURE), it never overwrites one.
 *
 * The producers use rte_ring's RTS mode (relaxed tail sync), not the
 * classic MP protocol, in which each producer waits for the one before it
 * to move the tail: senders are any threads, often more than CPUs, and a
 * sender preempted between its reservation and its tail update stalled
 * every other sender for whole time slices (test_inbox, 4 senders on 2
 * CPUs: 1 run in 3 crawled at ~4k records/s instead of ~20M/s).  In RTS
 * mode the last producer out moves the tail, and nobody waits for a
 * sleeping one.
 *
 * Forwarded messages travel as records too (the pointer, not the bytes).
 * The view stays held by the forwarding reactor's subscription, whose
 * held table only its own thread may touch, so the receiver sends the
 * pointer back on a second ring, `returns`, and the owner releases it.
 * The owner counts the views it has out and forwards no more than the
 * returns ring holds, so a return never fails.
 *
 * Waking: a reactor about to sleep sets `sleeping`, then looks at its rings
 * once more; a sender enqueues, then looks at `sleeping`.  With a full
 * fence between each side's store and load, one of them sees the other (no
 * lost wake-up), and only a sender that finds the reactor asleep pays the
 * eventfd write.  A busy receiver costs senders no system call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_pause.h>
#include <rte_ring_elem.h>

#include "reactor_pvt.h"

/* Many producers in RTS mode, one consumer; exact size: the capacity is
 * inbox_size, not one less. */
#define RING_FLAGS (RING_F_MP_RTS_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ)

__thread struct tern_reactor *tern__self;

static size_t ring_bytes(size_t esize, unsigned count)
{
	ssize_t n = rte_ring_get_memsize_elem((unsigned)esize, rte_align32pow2(count + 1));

	return n < 0 ? 0 : RTE_ALIGN_CEIL((size_t)n, RTE_CACHE_LINE_SIZE);
}

int tern__inbox_init(struct tern_reactor *r)
{
	unsigned n = r->o.inbox_size;
	size_t a = ring_bytes(sizeof(struct tern_rec), n), b = ring_bytes(sizeof(struct tern__ret), n);
	char *mem;

	if (a == 0 || b == 0)
		return -EINVAL;
	mem = aligned_alloc(RTE_CACHE_LINE_SIZE, a + b);
	if (mem == NULL)
		return -ENOMEM;
	r->ring_mem = mem;
	r->inbox = (struct rte_ring *)mem;
	r->returns = (struct rte_ring *)(mem + a);
	if (rte_ring_init(r->inbox, "tern-inbox", n, RING_FLAGS) < 0 ||
	    rte_ring_init(r->returns, "tern-returns", n, RING_FLAGS) < 0) {
		free(mem);
		r->ring_mem = NULL;
		return -EINVAL;
	}
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->wake_fd < 0) {
		free(mem);
		r->ring_mem = NULL;
		return -errno;
	}
	return 0;
}

void tern__inbox_fini(struct tern_reactor *r)
{
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	r->wake_fd = -1;
	free(r->ring_mem);
	r->ring_mem = NULL;
}

void tern__wake(struct tern_reactor *r)
{
	static const uint64_t one = 1;

	/* Full fence: our enqueue (or stop flag) is visible before we read
	 * `sleeping`; pairs with the one in tern__inbox_arm(). */
	rte_smp_mb();
	if (__atomic_load_n(&r->sleeping, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&r->sleeping, 0, __ATOMIC_ACQ_REL)) {
		/* An eventfd write fails only when its counter would overflow,
		 * and then the reactor has a wake-up pending anyway. */
		if (write(r->wake_fd, &one, sizeof(one)) < 0)
			return;
	}
}

int tern__inbox_arm(struct tern_reactor *r)
{
	__atomic_store_n(&r->sleeping, 1, __ATOMIC_RELAXED);
	/* Full fence: `sleeping` is visible before we look at the rings. */
	rte_smp_mb();
	if (rte_ring_count(r->inbox) || rte_ring_count(r->returns) || tern__stop_asked()) {
		__atomic_store_n(&r->sleeping, 0, __ATOMIC_RELAXED);
		return 1;
	}
	return 0;
}

void tern__inbox_disarm(struct tern_reactor *r)
{
	__atomic_store_n(&r->sleeping, 0, __ATOMIC_RELAXED);
}

int tern_reactor_send(struct tern_reactor *to, const struct tern_rec *rec)
{
	struct tern_rec x = *rec;

	if (tern__sealed())
		return TERN_ECLOSED;
	x.from = tern__self ? tern__self->id : TERN_REACTOR_NONE;
	x.priv__ = NULL;
	if (rte_ring_enqueue_elem(to->inbox, &x, sizeof(x)) != 0) {
		__atomic_fetch_add(&to->refused, 1, __ATOMIC_RELAXED);
		return TERN_EBACKPRESSURE;
	}
	tern__wake(to);
	return 0;
}

int tern_reactor_forward(struct tern_reactor *r, struct tern_reactor *to, const struct tern_msg *m)
{
	struct tern_rec x = { .type = TERN_REC_MSG, .from = r->id, .ptr = (void *)(uintptr_t)m,
			      .priv__ = r->cur_rs };

	if (m == NULL || m != r->cur_msg)
		return -EINVAL;
	if (tern__sealed())
		return TERN_ECLOSED;
	if (r->out >= r->o.inbox_size)
		return TERN_EBACKPRESSURE;      /* the returns ring could not take it back */
	if (rte_ring_enqueue_elem(to->inbox, &x, sizeof(x)) != 0) {
		__atomic_fetch_add(&to->refused, 1, __ATOMIC_RELAXED);
		return TERN_EBACKPRESSURE;
	}
	r->out++;
	r->fwd_mask |= UINT64_C(1) << r->cur_idx;
	tern__wake(to);
	return 0;
}

/* A forwarded view the handler is done with goes home. */
static void send_home(const struct tern_rec *rec)
{
	struct tern__rsub *rs = rec->priv__;
	struct tern__ret ret = { .msg = rec->ptr, .rs = rs };

	/* Cannot be full: the owner has at most inbox_size views out. */
	while (rte_ring_enqueue_elem(rs->r->returns, &ret, sizeof(ret)) != 0)
		rte_pause();
	tern__wake(rs->r);
}

unsigned tern__inbox_drain(struct tern_reactor *r)
{
	unsigned burst = r->o.burst, n, k;

	n = rte_ring_dequeue_burst_elem(r->returns, r->rets, sizeof(*r->rets), burst, NULL);
	for (unsigned i = 0; i < n; i++)
		tern_release(r->rets[i].rs->sub, &r->rets[i].msg, 1);
	r->out -= n;
	k = rte_ring_dequeue_burst_elem(r->inbox, r->recs, sizeof(*r->recs), burst, NULL);
	for (unsigned i = 0; i < k; i++) {
		const struct tern_rec *rec = &r->recs[i];
		if (r->o.on_rec)
			r->o.on_rec(r, rec, r->o.rec_clientd);
		if (rec->type == TERN_REC_MSG && rec->priv__)
			send_home(rec);
	}
	r->st.recs += k;
	return n + k;
}
