/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern_sub_stats(): a subscriber's own counters, read from the shared
 * memory the data path already writes (the subscription's delivered
 * count, each link's dropped count and ring).  No request to tern-control
 * and no system call, so a drop-policy subscriber can learn of losses at
 * the tail of a stream, where no later message shows the gap.
 */
#include "bus_pvt.h"

int tern_sub_stats(struct tern_sub *h, struct tern_sub_stats *out)
{
	struct tern__sub *s;

	if (h == NULL || out == NULL)
		return -EINVAL;
	s = h->s;
	if (s->n_links != h->n_links)
		tern__sub_refresh(h);
	*out = (struct tern_sub_stats){
		.received = s->delivered,
		.topics = h->n_links,
		.held = s->held_tail - s->held_head,
	};
	for (uint32_t i = 0; i < h->n_links; i++) {
		/* Written by the topic's publisher: a relaxed read of a counter. */
		out->dropped += __atomic_load_n(&h->links[i]->dropped, __ATOMIC_RELAXED);
		out->queued += tern__link_queued(h->links[i]);
	}
	return 0;
}
