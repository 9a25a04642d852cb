/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sequence reservation for stored topics (hi/lo allocation).
 *
 * A stored topic's numbers must never be reused, even after a crash: the
 * log alone cannot promise that, since what was delivered but not yet
 * stored (or lost to a full disk) is not in it.  So before the bus uses a
 * range of DP_SEQ_RESERVE numbers, the range's end is written to the
 * topic's mark file and fdatasynced (lib/log/log_mark.c), and only then is
 * topic->seq_limit raised to it; publishers stop numbering at the limit
 * (TERN_EBACKPRESSURE).  A topic created again numbers on from the mark,
 * past everything ever handed out: a crash leaves a gap of at most
 * DP_SEQ_RESERVE, never a repeat.
 *
 * Everything here runs on the main lcore (topic create and delete, and the
 * loop's reservations ahead), so the marks need no lock.  The next range
 * is reserved once half of the current one is used, so publishers meet
 * the limit only if they outrun an fdatasync by DP_SEQ_RESERVE / 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "common/tern_ratelimit.h"
#include "log/log_mark.h"
#include "dp.h"
#include "dp_net.h"

struct dp_mark {
	struct tern__mark m;
	uint64_t retry_tsc;         /* after a failed reservation */
	uint32_t backoff_ms;
};

static struct dp_mark *marks;   /* per topic id; m.fd < 0: none */
static struct tern__perm perm;

int dp_marks_init(struct dp *dp, const struct tern_log_opts *o)
{
	marks = calloc(dp->shm->max_topics, sizeof(*marks));
	if (marks == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < dp->shm->max_topics; i++)
		marks[i].m.fd = -1;
	tern__perm_init(&perm, o);
	return 0;
}

int dp_mark_topic(struct dp *dp, uint32_t id, const char *name, char *err, size_t errlen)
{
	struct tern__topic *t = tern__shm_topic(dp->shm, id);
	char path[512];
	uint64_t logged, start;
	int rv;

	t->seq_limit = UINT64_MAX;
	if (dp_net_importer(dp, name) != NULL) {
		/* Imported: its home numbers it, we reserve nothing.  A range
		 * reserved here would make a restarted importer take the
		 * home's next 65 536 messages for ones it already had.  It
		 * goes on from what its own log holds, if it keeps one (the
		 * in-stream asks the home for the rest, dp_net_in.c). */
		t->seq = t->durable_seq = dp_storage_last_seq(dp, name);
		return 0;
	}
	if (marks == NULL || !dp_storage_stores(dp, name))
		return 0;
	tern__mark_path(path, sizeof(path), dp->cfg->storage_dir, name);
	tern__mark_close(&marks[id].m);
	rv = tern__mark_open(dp->cfg->storage_dir, name, DP_SEQ_RESERVE, &perm, &marks[id].m);
	if (rv == -EBADMSG) {
		snprintf(err, errlen, "sequence mark %s is damaged (both copies): topic '%s' is not "
			 "numbered, as a lower number could repeat one already delivered "
			 "(see docs/log.md, sequence marks)", path, name);
		return rv;
	}
	if (rv < 0) {
		snprintf(err, errlen, "sequence mark %s: %s", path, strerror(-rv));
		return rv;
	}
	/* The log as well: a stream written before marks existed, or a mark
	 * removed by hand. */
	logged = dp_storage_last_seq(dp, name);
	start = marks[id].m.hi > logged ? marks[id].m.hi : logged;
	if (marks[id].m.repaired)
		DP_SLOG_RL(WARNING, "sequence mark %s: one copy damaged; "
			     "topic '%s' numbers on past it from %llu", path, name,
			     (unsigned long long)start);
	rv = tern__mark_set(&marks[id].m, start + DP_SEQ_RESERVE);
	if (rv < 0) {
		snprintf(err, errlen, "sequence mark %s: cannot reserve numbers: %s", path,
			 strerror(-rv));
		tern__mark_close(&marks[id].m);
		return rv;
	}
	t->seq = start;
	t->durable_seq = start;
	t->seq_limit = start + DP_SEQ_RESERVE;
	marks[id].backoff_ms = 0;
	return 0;
}

void dp_mark_release(uint32_t id)
{
	if (marks)
		tern__mark_close(&marks[id].m);
}

/* Reserve the next range of every stored topic past half of its current
 * one; a failure is logged and retried with backoff (10 ms up to 1 s),
 * publishers waiting at the limit meanwhile.  Returns ranges reserved. */
uint32_t dp_marks_tick(struct dp *dp)
{
	static uint64_t next_tsc;
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	uint32_t done = 0;

	if (marks == NULL || now < next_tsc)
		return 0;
	next_tsc = now + hz / 2000;     /* every 500 us at most */
	for (uint32_t i = 0; i < dp->shm->max_topics; i++) {
		struct dp_mark *k = &marks[i];
		struct tern__topic *t = tern__shm_topic(dp->shm, i);
		uint64_t seq, limit;
		int rv;

		if (k->m.fd < 0 || t->state != TERN__LIVE || now < k->retry_tsc)
			continue;
		seq = __atomic_load_n(&t->seq, __ATOMIC_RELAXED);
		limit = t->seq_limit;
		if (seq + DP_SEQ_RESERVE / 2 <= limit)
			continue;
		rv = tern__mark_set(&k->m, limit + DP_SEQ_RESERVE);
		if (rv < 0) {
			k->backoff_ms = k->backoff_ms ? RTE_MIN(k->backoff_ms * 2, 1000u) : 10;
			k->retry_tsc = now + hz / 1000 * k->backoff_ms;
			DP_SLOG_RL(WARNING, "topic '%s': cannot reserve sequence "
				     "numbers past %llu in its mark file: %s (%s); publishers wait "
				     "there, retry in %u ms", t->name, (unsigned long long)limit,
				     strerror(-rv), strerrorname_np(-rv) ?: "?", k->backoff_ms);
			continue;
		}
		k->backoff_ms = 0;
		/* Release: the mark is durable before any number in the range is used. */
		__atomic_store_n(&t->seq_limit, limit + DP_SEQ_RESERVE, __ATOMIC_RELEASE);
		done++;
	}
	return done;
}

bool dp_marks_any(void)
{
	return marks != NULL;
}

void dp_marks_close(struct dp *dp)
{
	if (marks == NULL)
		return;
	for (uint32_t i = 0; i < dp->shm->max_topics; i++)
		tern__mark_close(&marks[i].m);
	free(marks);
	marks = NULL;
}
