/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Retention: whole segments, oldest first, never the active one.
 *
 * A segment's age is counted from when it was closed, which is its
 * successor's creation time (in the successor's name): everything in it is
 * at least that old.  Runs at open and at each rotation, so it costs no
 * timer and nothing on the append path.
 */
#include <string.h>
#include <unistd.h>

#include "log_writer_pvt.h"

void
tern__retention_apply(struct tern_log_writer *w, int64_t now)
{
	uint64_t total = w->seg_size;
	size_t drop = 0;

	if (w->pol.retain_bytes == 0 && w->pol.retain_ns == 0)
		return;
	for (size_t i = 0; i + 1 < w->nseg; i++)
		total += w->segs[i].size;
	while (drop + 1 < w->nseg) {
		const struct tern__seg *g = &w->segs[drop];
		bool too_big = w->pol.retain_bytes && total > w->pol.retain_bytes;
		bool too_old = w->pol.retain_ns &&
			w->segs[drop + 1].created_ns + (int64_t)w->pol.retain_ns <= now;
		if (!too_big && !too_old)
			break;
		char idx[TERN__NAME_MAX];
		tern__seg_idx_name(idx, g->name);
		unlinkat(w->dirfd, g->name, 0);
		unlinkat(w->dirfd, idx, 0);
		total -= g->size;
		drop++;
	}
	if (drop) {
		memmove(w->segs, w->segs + drop, (w->nseg - drop) * sizeof(*w->segs));
		w->nseg -= drop;
	}
}
