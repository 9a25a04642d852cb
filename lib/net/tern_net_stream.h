/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reliability of one stream (docs/transport.md "Reliability"): the sender's
 * retransmission window and the receiver's reorder window, apart from any
 * port or buffer type, so that tests/net/test_net_stream.c can drive both
 * ends over a simulated lossy, reordering, duplicating link.
 *
 * Frames of a stream are numbered 1, 2, ... by the sender.  The sender keeps
 * every frame it sent until the receiver's STATUS says it has it; a NAK
 * names a run the receiver is missing and the sender sends those again.
 * Because a frame is dropped from the window only once acknowledged, and
 * the sender never has more than `window` frames unacknowledged, nothing
 * the sender accepted is ever lost while the session lives: the only gaps
 * come from a session that ended (peer restart, link timeout), which the
 * owner turns into a sequence gap of the topic.
 *
 * The receiver holds frames it cannot deliver yet (out of order, or held up
 * by a local subscriber under backpressure) and advertises window frames
 * past the first it lacks: a frame waiting for a slow subscriber keeps the
 * window where it is, so the sender stops, and backpressure reaches the
 * home node's publisher through the sender's own subscription.
 *
 * Frames are opaque handles (rte_mbuf in the dataplane).  No allocation
 * after init, no system call: the clock is passed in.
 */
#ifndef TERN_NET_STREAM_H
#define TERN_NET_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#define TERN_NET_NAK_RUNS 8             /* retransmission runs queued at the sender */
#define TERN_NET_INITIAL_CREDIT 64      /* frames a sender may send before the first STATUS */

struct tern_net_tx {
	void **frames;          /* window slots, by seq & mask */
	uint32_t mask;
	uint64_t next;          /* seq of the next new frame (from 1) */
	uint64_t acked;         /* the receiver has every frame below this */
	uint64_t limit;         /* may send frames below this (acked + advertised window) */
	struct { uint64_t from, to; } runs[TERN_NET_NAK_RUNS]; /* to resend, [from, to) */
	uint32_t n_runs;
	int64_t last_send_ns;   /* heartbeat: STATUS when quiet */
	/* counters */
	uint64_t sent, resent, naks, stalls;
};

/* window: a power of two; frames: room for window handles. */
void tern_net_tx_init(struct tern_net_tx *tx, void **frames, uint32_t window);
/* May a new frame go out now?  false counts a stall once per blocked spell. */
bool tern_net_tx_room(struct tern_net_tx *tx);
/* Keep frame (seq tx->next, already built with it) and return its seq. */
uint64_t tern_net_tx_push(struct tern_net_tx *tx, void *frame, int64_t now_ns);
/* Receiver STATUS: it has every frame below next and takes window more.
 * Frames now acknowledged are passed to release().  A STATUS from before a
 * later one (reordered) never moves anything back. */
void tern_net_tx_status(struct tern_net_tx *tx, uint64_t next, uint64_t window,
			void (*release)(void *frame, void *arg), void *arg);
/* NAK of [from, from + count): queue what is still held. */
void tern_net_tx_nak(struct tern_net_tx *tx, uint64_t from, uint64_t count);
/* The next frame to send again, or NULL; *seq its number. */
void *tern_net_tx_resend(struct tern_net_tx *tx, uint64_t *seq, int64_t now_ns);
/* Release every frame still held (the stream ends). */
void tern_net_tx_fini(struct tern_net_tx *tx, void (*release)(void *frame, void *arg), void *arg);

enum tern_net_rx_verdict {
	TERN_NET_RX_KEPT,       /* held for delivery: the caller lets go of it */
	TERN_NET_RX_DUP,        /* had it already: caller frees it */
	TERN_NET_RX_FAR,        /* past the advertised window: caller frees it */
};

struct tern_net_rx {
	void **slots;           /* by seq & mask */
	uint32_t mask;
	uint32_t window;        /* advertised: frames past base */
	uint64_t base;          /* next frame to deliver */
	uint64_t high;          /* one past the highest frame known sent */
	int64_t hole_ns;        /* when base was first seen missing; 0: no hole */
	int64_t nak_ns;         /* last NAK sent */
	int64_t status_ns;      /* last STATUS sent */
	uint64_t status_base;   /* base in it */
	int64_t nak_delay_ns, nak_retry_ns, status_ns_every;
	/* counters */
	uint64_t received, dups, far, naks;
};

/* window <= slots (a power of two, mask + 1).  Timers in ns. */
void tern_net_rx_init(struct tern_net_rx *rx, void **slots, uint32_t n_slots, uint32_t window,
		      int64_t nak_delay_ns, int64_t status_every_ns);
enum tern_net_rx_verdict tern_net_rx_put(struct tern_net_rx *rx, uint64_t seq, void *frame,
					 int64_t now_ns);
/* Sender STATUS: it has sent every frame below next (exposes tail loss). */
void tern_net_rx_sender(struct tern_net_rx *rx, uint64_t next, int64_t now_ns);
/* The frame to deliver next, or NULL. */
static inline void *tern_net_rx_peek(const struct tern_net_rx *rx)
{
	return rx->slots[rx->base & rx->mask];
}
/* It was delivered: the caller owns it again. */
void tern_net_rx_pop(struct tern_net_rx *rx, int64_t now_ns);
/* NAKs due now: up to max runs missing in [base, high), first first. */
struct tern_net_run { uint64_t from, count; };
unsigned tern_net_rx_naks(struct tern_net_rx *rx, int64_t now_ns, struct tern_net_run *runs,
			  unsigned max);
/* A STATUS due now (periodic, or the window moved a quarter). */
bool tern_net_rx_status_due(struct tern_net_rx *rx, int64_t now_ns);
void tern_net_rx_status_sent(struct tern_net_rx *rx, int64_t now_ns);
void tern_net_rx_fini(struct tern_net_rx *rx, void (*release)(void *frame, void *arg), void *arg);

#endif
