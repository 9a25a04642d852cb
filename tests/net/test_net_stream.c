/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stream reliability (lib/net/tern_net_stream.c) over a simulated link that
 * loses, reorders and duplicates frames in both directions, with a
 * receiver that is sometimes slow to deliver: every frame arrives exactly
 * once and in order, every frame the sender kept is released exactly once,
 * the sender never sends past the receiver's window, and the simulation's
 * steady state allocates nothing (malloc is wrapped: -Wl,--wrap).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tern_net_stream.h"

/* --- allocation counter (the loop below must not allocate) --- */
void *__wrap_malloc(size_t n);
void *__real_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__real_calloc(size_t n, size_t m);
static int counting, allocs;
void *__wrap_malloc(size_t n)
{
	allocs += counting;
	return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m)
{
	allocs += counting;
	return __real_calloc(n, m);
}

/* --- the simulated link --- */
enum { PK_DATA, PK_SSTATUS, PK_RSTATUS, PK_NAK };
struct pkt { int kind; uint64_t seq, arg; int64_t at; };
#define NET_MAX 65536
struct net { struct pkt q[NET_MAX]; unsigned n; uint64_t lost, duped; };
static struct net to_rx, to_tx;

struct faults { unsigned loss, reorder, dup; };    /* per mille */
static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void send_pkt(struct net *net, const struct faults *f, int kind, uint64_t seq,
		     uint64_t arg, int64_t now)
{
	int copies = 1;

	if (rnd(1000) < f->loss) {
		net->lost++;
		return;
	}
	if (rnd(1000) < f->dup) {
		copies = 2;
		net->duped++;
	}
	for (int c = 0; c < copies; c++) {
		assert_true(net->n < NET_MAX);
		int64_t delay = 20000 + (rnd(1000) < f->reorder ? (int64_t)rnd(200000) : 0);
		net->q[net->n++] = (struct pkt){ kind, seq, arg, now + delay + c * 1000 };
	}
}

/* Pop one packet due by now (any order among the due ones: reordering). */
static bool recv_pkt(struct net *net, int64_t now, struct pkt *out)
{
	for (unsigned i = 0; i < net->n; i++)
		if (net->q[i].at <= now) {
			*out = net->q[i];
			net->q[i] = net->q[--net->n];
			return true;
		}
	return false;
}

#define N_FRAMES 20000
static uint8_t released[N_FRAMES + 2];
static uint64_t frame_seq[N_FRAMES + 2];   /* the handle of frame s is &frame_seq[s] */

static void release(void *frame, void *arg)
{
	uint64_t s = *(uint64_t *)frame;
	(void)arg;
	released[s]++;
}

#define WINDOW 256
#define RX_WINDOW 128
static void *tx_slots[WINDOW], *rx_slots[RX_WINDOW];

struct result { uint64_t delivered, resent, naks, far, stalls; bool ordered; };

static void simulate(const struct faults *fd, const struct faults *fc, bool slow, bool count,
		     struct result *r)
{
	struct tern_net_tx tx;
	struct tern_net_rx rx;
	uint64_t expect = 1;
	int64_t now = 0, last_sstatus = 0;
	struct pkt p;

	memset(released, 0, sizeof(released));
	to_rx.n = to_tx.n = 0;
	tern_net_tx_init(&tx, tx_slots, WINDOW);
	tern_net_rx_init(&rx, rx_slots, RX_WINDOW, RX_WINDOW, 100000, 1000000);
	r->ordered = true;
	counting = count;
	while (expect <= N_FRAMES && now < 60LL * 1000000000) {
		now += 10000;
		/* sender: retransmissions first, then new frames, then a heartbeat */
		for (int k = 0; k < 32; k++) {
			uint64_t s;
			void *f = tern_net_tx_resend(&tx, &s, now);
			if (f == NULL)
				break;
			if (*(uint64_t *)f != s)
				r->ordered = false;
			send_pkt(&to_rx, fd, PK_DATA, s, 0, now);
		}
		for (int k = 0; k < 16 && tx.next <= N_FRAMES && tern_net_tx_room(&tx); k++) {
			uint64_t s = tx.next;
			frame_seq[s] = s;
			tern_net_tx_push(&tx, &frame_seq[s], now);
			send_pkt(&to_rx, fd, PK_DATA, s, 0, now);
		}
		if (now - last_sstatus >= 100000) {
			send_pkt(&to_rx, fc, PK_SSTATUS, tx.next, 0, now);
			last_sstatus = now;
		}
		/* receiver */
		while (recv_pkt(&to_rx, now, &p)) {
			if (p.kind == PK_DATA) {
				/* a frame "copy" on the wire is its seq: any non-NULL handle */
				tern_net_rx_put(&rx, p.seq, &frame_seq[p.seq], now);
			} else {
				tern_net_rx_sender(&rx, p.seq, now);
			}
		}
		for (int k = 0; k < (slow && rnd(4) ? 1 : 64); k++) {
			void *f = tern_net_rx_peek(&rx);
			if (f == NULL)
				break;
			if (*(uint64_t *)f != expect)
				r->ordered = false;
			expect++;
			tern_net_rx_pop(&rx, now);
		}
		struct tern_net_run runs[8];
		unsigned nr = tern_net_rx_naks(&rx, now, runs, 8);
		for (unsigned i = 0; i < nr; i++)
			send_pkt(&to_tx, fc, PK_NAK, runs[i].from, runs[i].count, now);
		if (tern_net_rx_status_due(&rx, now)) {
			send_pkt(&to_tx, fc, PK_RSTATUS, rx.base, rx.window, now);
			tern_net_rx_status_sent(&rx, now);
		}
		/* sender hears back */
		while (recv_pkt(&to_tx, now, &p)) {
			if (p.kind == PK_NAK)
				tern_net_tx_nak(&tx, p.seq, p.arg);
			else
				tern_net_tx_status(&tx, p.seq, p.arg, release, NULL);
		}
	}
	counting = 0;
	/* the receiver has everything: let its last STATUS through cleanly */
	tern_net_tx_status(&tx, rx.base, rx.window, release, NULL);
	tern_net_tx_fini(&tx, release, NULL);
	tern_net_rx_fini(&rx, release, NULL);
	r->delivered = expect - 1;
	r->resent = tx.resent;
	r->naks = rx.naks;
	r->far = rx.far;
	r->stalls = tx.stalls;
}

static void check_released(void)
{
	for (uint64_t s = 1; s <= N_FRAMES; s++)
		if (released[s] != 1)
			fail_msg("frame %llu released %u times", (unsigned long long)s, released[s]);
}

static void test_clean_link(void **state)
{
	struct faults none = { 0, 0, 0 };
	struct result r;
	(void)state;

	simulate(&none, &none, false, false, &r);
	assert_int_equal(r.delivered, N_FRAMES);
	assert_true(r.ordered);
	assert_int_equal(r.resent, 0);
	assert_int_equal(r.naks, 0);
	assert_int_equal(r.far, 0);
	check_released();
}

static void test_lossy_link(void **state)
{
	/* 5 % loss, 5 % reordering, 1 % duplication, on data and control */
	struct faults f = { 50, 50, 10 };
	(void)state;

	for (int round = 0; round < 20; round++) {
		struct result r;
		rng = 0x9e3779b97f4a7c15ull * (uint64_t)(round + 1);
		simulate(&f, &f, round & 1, false, &r);
		if (r.delivered != N_FRAMES || !r.ordered)
			fail_msg("round %d: delivered %llu of %u, ordered %d", round,
				 (unsigned long long)r.delivered, N_FRAMES, r.ordered);
		assert_true(r.resent > 0);
		assert_true(r.naks > 0);
		assert_int_equal(r.far, 0);    /* credit kept the sender inside the window */
		check_released();
	}
}

static void test_heavy_loss_and_slow_receiver(void **state)
{
	struct faults f = { 300, 200, 50 };   /* 30 % loss */
	struct result r;
	(void)state;

	simulate(&f, &f, true, false, &r);
	assert_int_equal(r.delivered, N_FRAMES);
	assert_true(r.ordered);
	assert_true(r.stalls > 0);   /* the slow receiver held the sender back */
	assert_int_equal(r.far, 0);
	check_released();
}

static void test_steady_state_allocates_nothing(void **state)
{
	struct faults f = { 50, 50, 10 };
	struct result r;
	(void)state;

	allocs = 0;
	simulate(&f, &f, false, true, &r);
	assert_int_equal(r.delivered, N_FRAMES);
	assert_int_equal(allocs, 0);
}

/* Hostile control frames move nothing they should not. */
static void test_hostile_control(void **state)
{
	struct tern_net_tx tx;
	struct tern_net_rx rx;
	struct tern_net_run runs[8];
	(void)state;

	memset(released, 0, sizeof(released));
	tern_net_tx_init(&tx, tx_slots, WINDOW);
	for (uint64_t s = 1; s <= 10; s++) {
		frame_seq[s] = s;
		assert_true(tern_net_tx_room(&tx));
		assert_int_equal(tern_net_tx_push(&tx, &frame_seq[s], 1), s);
	}
	/* acknowledging frames never sent, or going backwards: ignored */
	tern_net_tx_status(&tx, 1000, 1u << 30, release, NULL);
	assert_int_equal(tx.acked, 1);
	tern_net_tx_status(&tx, 5, 1u << 30, release, NULL);
	assert_int_equal(tx.acked, 5);
	assert_true(tx.limit <= 5 + WINDOW);   /* the window is ours, not the peer's */
	tern_net_tx_status(&tx, 3, 0, release, NULL);
	assert_int_equal(tx.acked, 5);
	/* NAK of what is acknowledged or never sent: nothing to resend */
	uint64_t s;
	tern_net_tx_nak(&tx, 1, 4);
	tern_net_tx_nak(&tx, 11, UINT64_MAX);
	tern_net_tx_nak(&tx, UINT64_MAX - 1, 5);
	assert_null(tern_net_tx_resend(&tx, &s, 2));
	tern_net_tx_nak(&tx, 7, 2);
	assert_non_null(tern_net_tx_resend(&tx, &s, 2));
	assert_int_equal(s, 7);
	assert_non_null(tern_net_tx_resend(&tx, &s, 2));
	assert_int_equal(s, 8);
	assert_null(tern_net_tx_resend(&tx, &s, 2));
	tern_net_tx_fini(&tx, release, NULL);
	for (s = 1; s <= 10; s++)
		assert_int_equal(released[s], 1);

	/* a sender claiming an absurd next: NAKs stay inside the window */
	tern_net_rx_init(&rx, rx_slots, RX_WINDOW, RX_WINDOW, 0, 1000);
	tern_net_rx_sender(&rx, UINT64_MAX, 10);
	assert_int_equal(rx.high, 1 + RX_WINDOW);
	assert_int_equal(tern_net_rx_naks(&rx, 20, runs, 8), 1);
	assert_int_equal(runs[0].from, 1);
	assert_int_equal(runs[0].count, RX_WINDOW);
	/* frames far past the window or long gone are refused */
	assert_int_equal(tern_net_rx_put(&rx, UINT64_MAX, &frame_seq[1], 30), TERN_NET_RX_FAR);
	assert_int_equal(tern_net_rx_put(&rx, 1 + RX_WINDOW, &frame_seq[1], 30), TERN_NET_RX_FAR);
	frame_seq[1] = 1;
	assert_int_equal(tern_net_rx_put(&rx, 1, &frame_seq[1], 30), TERN_NET_RX_KEPT);
	assert_int_equal(tern_net_rx_put(&rx, 1, &frame_seq[1], 30), TERN_NET_RX_DUP);
	tern_net_rx_pop(&rx, 40);
	assert_int_equal(tern_net_rx_put(&rx, 1, &frame_seq[1], 50), TERN_NET_RX_DUP);
	assert_int_equal(rx.dups, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_link),
		cmocka_unit_test(test_lossy_link),
		cmocka_unit_test(test_heavy_loss_and_slow_receiver),
		cmocka_unit_test(test_steady_state_allocates_nothing),
		cmocka_unit_test(test_hostile_control),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
