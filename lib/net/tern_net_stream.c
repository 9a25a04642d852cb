/* SPDX-License-Identifier: Apache-2.0 */
/* One stream's reliability: see tern_net_stream.h. */
#include <string.h>

#include "tern_net_stream.h"

void tern_net_tx_init(struct tern_net_tx *tx, void **frames, uint32_t window)
{
	memset(tx, 0, sizeof(*tx));
	memset(frames, 0, sizeof(*frames) * window);
	tx->frames = frames;
	tx->mask = window - 1;
	tx->next = tx->acked = 1;
	tx->limit = 1 + (window < TERN_NET_INITIAL_CREDIT ? window : TERN_NET_INITIAL_CREDIT);
}

bool tern_net_tx_room(struct tern_net_tx *tx)
{
	if (tx->next < tx->limit && tx->next - tx->acked <= tx->mask)
		return true;
	tx->stalls++;
	return false;
}

uint64_t tern_net_tx_push(struct tern_net_tx *tx, void *frame, int64_t now_ns)
{
	uint64_t seq = tx->next++;

	tx->frames[seq & tx->mask] = frame;
	tx->sent++;
	tx->last_send_ns = now_ns;
	return seq;
}

void tern_net_tx_status(struct tern_net_tx *tx, uint64_t next, uint64_t window,
			void (*release)(void *frame, void *arg), void *arg)
{
	/* A receiver cannot have what was never sent. */
	if (next > tx->next || next < tx->acked)
		return;
	while (tx->acked < next) {
		void **slot = &tx->frames[tx->acked & tx->mask];
		release(*slot, arg);
		*slot = NULL;
		tx->acked++;
	}
	if (window > (uint64_t)tx->mask + 1)
		window = (uint64_t)tx->mask + 1;
	if (next + window > tx->limit)
		tx->limit = next + window;
	/* Runs below the acknowledged point are done. */
	for (uint32_t i = 0; i < tx->n_runs; i++)
		if (tx->runs[i].from < tx->acked)
			tx->runs[i].from = tx->acked;
}

void tern_net_tx_nak(struct tern_net_tx *tx, uint64_t from, uint64_t count)
{
	uint64_t to = from + count;

	tx->naks++;
	if (count == 0 || to < from)
		return;
	if (from < tx->acked)
		from = tx->acked;
	if (to > tx->next)
		to = tx->next;
	if (from >= to)
		return;
	/* The same run asked again while queued: once is enough. */
	for (uint32_t i = 0; i < tx->n_runs; i++)
		if (from >= tx->runs[i].from && to <= tx->runs[i].to)
			return;
	if (tx->n_runs == TERN_NET_NAK_RUNS)
		return;         /* the receiver asks again after its retry time */
	tx->runs[tx->n_runs].from = from;
	tx->runs[tx->n_runs].to = to;
	tx->n_runs++;
}

void *tern_net_tx_resend(struct tern_net_tx *tx, uint64_t *seq, int64_t now_ns)
{
	while (tx->n_runs) {
		uint64_t s = tx->runs[0].from;
		if (s >= tx->runs[0].to) {
			memmove(&tx->runs[0], &tx->runs[1], --tx->n_runs * sizeof(tx->runs[0]));
			continue;
		}
		tx->runs[0].from++;
		*seq = s;
		tx->resent++;
		tx->last_send_ns = now_ns;
		return tx->frames[s & tx->mask];
	}
	return NULL;
}

void tern_net_tx_fini(struct tern_net_tx *tx, void (*release)(void *frame, void *arg), void *arg)
{
	for (; tx->acked < tx->next; tx->acked++) {
		void **slot = &tx->frames[tx->acked & tx->mask];
		if (*slot)
			release(*slot, arg);
		*slot = NULL;
	}
	tx->n_runs = 0;
}

void tern_net_rx_init(struct tern_net_rx *rx, void **slots, uint32_t n_slots, uint32_t window,
		      int64_t nak_delay_ns, int64_t status_every_ns)
{
	memset(rx, 0, sizeof(*rx));
	memset(slots, 0, sizeof(*slots) * n_slots);
	rx->slots = slots;
	rx->mask = n_slots - 1;
	rx->window = window <= n_slots ? window : n_slots;
	rx->base = rx->high = 1;
	rx->nak_delay_ns = nak_delay_ns;
	/* Ask again when a retransmission had time for a round trip (a NAK
	 * or its answer may be lost too). */
	rx->nak_retry_ns = nak_delay_ns * 4 > 1000000 ? nak_delay_ns * 4 : 1000000;
	rx->status_ns_every = status_every_ns;
}

/* base is missing and something past it is known: a hole, timed from now. */
static void hole_check(struct tern_net_rx *rx, int64_t now_ns)
{
	if (rx->high > rx->base && rx->slots[rx->base & rx->mask] == NULL) {
		if (rx->hole_ns == 0)
			rx->hole_ns = now_ns ? now_ns : 1;
	} else {
		rx->hole_ns = 0;
	}
}

enum tern_net_rx_verdict tern_net_rx_put(struct tern_net_rx *rx, uint64_t seq, void *frame,
					 int64_t now_ns)
{
	void **slot;

	if (seq < rx->base) {
		rx->dups++;
		return TERN_NET_RX_DUP;
	}
	if (seq - rx->base >= rx->window) {
		rx->far++;
		return TERN_NET_RX_FAR;
	}
	slot = &rx->slots[seq & rx->mask];
	if (*slot) {
		rx->dups++;
		return TERN_NET_RX_DUP;
	}
	*slot = frame;
	rx->received++;
	if (seq + 1 > rx->high)
		rx->high = seq + 1;
	hole_check(rx, now_ns);
	return TERN_NET_RX_KEPT;
}

void tern_net_rx_sender(struct tern_net_rx *rx, uint64_t next, int64_t now_ns)
{
	/* Never trust a sender's number past our window: a corrupt or hostile
	 * STATUS must not make us NAK the whole sequence space. */
	if (next > rx->base + rx->window)
		next = rx->base + rx->window;
	if (next > rx->high)
		rx->high = next;
	hole_check(rx, now_ns);
}

void tern_net_rx_pop(struct tern_net_rx *rx, int64_t now_ns)
{
	rx->slots[rx->base & rx->mask] = NULL;
	rx->base++;
	if (rx->high < rx->base)
		rx->high = rx->base;
	rx->hole_ns = 0;
	rx->nak_ns = 0;
	hole_check(rx, now_ns);
}

unsigned tern_net_rx_naks(struct tern_net_rx *rx, int64_t now_ns, struct tern_net_run *runs,
			  unsigned max)
{
	unsigned k = 0;
	uint64_t s;

	if (rx->hole_ns == 0 || now_ns - rx->hole_ns < rx->nak_delay_ns)
		return 0;
	if (rx->nak_ns != 0 && now_ns - rx->nak_ns < rx->nak_retry_ns)
		return 0;
	for (s = rx->base; s < rx->high && k < max; s++) {
		if (rx->slots[s & rx->mask] != NULL)
			continue;
		runs[k].from = s;
		while (s < rx->high && rx->slots[s & rx->mask] == NULL)
			s++;
		runs[k].count = s - runs[k].from;
		k++;
	}
	if (k) {
		rx->nak_ns = now_ns;
		rx->naks += k;
	}
	return k;
}

bool tern_net_rx_status_due(struct tern_net_rx *rx, int64_t now_ns)
{
	return now_ns - rx->status_ns >= rx->status_ns_every ||
	       rx->base - rx->status_base >= rx->window / 4;
}

void tern_net_rx_status_sent(struct tern_net_rx *rx, int64_t now_ns)
{
	rx->status_ns = now_ns;
	rx->status_base = rx->base;
}

void tern_net_rx_fini(struct tern_net_rx *rx, void (*release)(void *frame, void *arg), void *arg)
{
	for (uint32_t i = 0; i <= rx->mask; i++)
		if (rx->slots[i]) {
			release(rx->slots[i], arg);
			rx->slots[i] = NULL;
		}
}
