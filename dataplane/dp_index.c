/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dataplane's indexes over its shared tables, so that no change costs
 * a scan of every slot (65536 topics, 65536 subscriptions, a million
 * links):
 * - live topics by name (tern_names.h) and as a dense list, for a pattern
 *   subscription to visit only the topics that exist;
 * - subscriptions on an exact name, chained by name: a new topic finds its
 *   exact subscribers in O(1);
 * - subscriptions with a wildcard as a dense list: a new topic tests only
 *   those against its name;
 * - free links as a stack, and retiring links as a list;
 * - subscriptions with a wake-up fd as a list, for the loop that wakes them
 *   every 20 us while any exists.
 * All private to the dataplane (malloc, not hugepages): clients never read
 * them, and they are rebuilt from nothing at each start like the state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tern/tern_topic.h>

#include "dp.h"

static const char *topic_key(void *ctx, uint32_t id)
{
	return tern__shm_topic(((struct dp *)ctx)->shm, id)->name;
}

static const char *sub_key(void *ctx, uint32_t id)
{
	return tern__shm_sub(((struct dp *)ctx)->shm, id)->pattern;
}

bool dp_pattern_is_exact(const char *pattern)
{
	for (const char *p = pattern; *p; p++)
		if ((*p == '*' || *p == '>') && (p == pattern || p[-1] == '.') &&
		    (p[1] == '\0' || p[1] == '.'))
			return false;
	return true;
}

int dp_index_init(struct dp *dp)
{
	struct tern__shm *shm = dp->shm;
	struct dp_index *x = &dp->ix;

	x->live_topics = malloc(shm->max_topics * sizeof(uint32_t));
	x->topic_pos = malloc(shm->max_topics * sizeof(uint32_t));
	x->wild_subs = malloc(shm->max_subs * sizeof(uint32_t));
	x->sub_pos = malloc(shm->max_subs * sizeof(uint32_t));
	x->sub_next = malloc(shm->max_subs * sizeof(uint32_t));
	x->fd_subs = malloc(shm->max_subs * sizeof(uint32_t));
	x->fd_pos = malloc(shm->max_subs * sizeof(uint32_t));
	x->free_links = malloc(shm->max_links * sizeof(uint32_t));
	x->retiring = malloc(shm->max_links * sizeof(uint32_t));
	/* A change attaches at most one link per subscription or per topic. */
	x->plan_n = shm->max_subs > shm->max_topics ? shm->max_subs : shm->max_topics;
	x->plan = malloc(x->plan_n * sizeof(uint32_t));
	x->plan_rings = malloc(x->plan_n * sizeof(struct tern__bring *));
	if (!x->live_topics || !x->topic_pos || !x->wild_subs || !x->sub_pos || !x->sub_next ||
	    !x->fd_subs || !x->fd_pos ||
	    !x->free_links || !x->retiring || !x->plan || !x->plan_rings)
		return -ENOMEM;
	if (tern__names_init(&x->topics, shm->max_topics, topic_key, dp) < 0 ||
	    tern__names_init(&x->exact, shm->max_subs, sub_key, dp) < 0)
		return -ENOMEM;
	/* Lowest ids on top: links are handed out in order, as before. */
	for (uint32_t i = 0; i < shm->max_links; i++)
		x->free_links[i] = shm->max_links - 1 - i;
	x->n_free_links = shm->max_links;
	return 0;
}

void dp_index_fini(struct dp *dp)
{
	struct dp_index *x = &dp->ix;

	tern__names_fini(&x->topics);
	tern__names_fini(&x->exact);
	free(x->live_topics);
	free(x->topic_pos);
	free(x->wild_subs);
	free(x->sub_pos);
	free(x->sub_next);
	free(x->fd_subs);
	free(x->fd_pos);
	free(x->free_links);
	free(x->retiring);
	free(x->plan);
	free(x->plan_rings);
	memset(x, 0, sizeof(*x));
}

int64_t dp_index_topic_find(const struct dp *dp, const char *name)
{
	return tern__names_find(&dp->ix.topics, name);
}

/* Cannot fail: the table holds max_topics names and a slot is added once. */
void dp_index_topic_add(struct dp *dp, uint32_t id)
{
	struct dp_index *x = &dp->ix;

	tern__names_add(&x->topics, tern__shm_topic(dp->shm, id)->name, id);
	x->topic_pos[id] = x->n_live_topics;
	x->live_topics[x->n_live_topics++] = id;
}

void dp_index_topic_del(struct dp *dp, uint32_t id)
{
	struct dp_index *x = &dp->ix;
	uint32_t pos = x->topic_pos[id], last = x->live_topics[--x->n_live_topics];

	tern__names_del(&x->topics, tern__shm_topic(dp->shm, id)->name, id);
	x->live_topics[pos] = last;
	x->topic_pos[last] = pos;
}

void dp_index_sub_add(struct dp *dp, uint32_t id)
{
	struct dp_index *x = &dp->ix;
	const char *pattern = tern__shm_sub(dp->shm, id)->pattern;

	if (!dp_pattern_is_exact(pattern)) {
		x->sub_pos[id] = x->n_wild_subs;
		x->wild_subs[x->n_wild_subs++] = id;
		return;
	}
	/* The first subscription on a name is indexed; the others chain after it. */
	int64_t head = tern__names_find(&x->exact, pattern);
	if (head < 0) {
		x->sub_next[id] = TERN_NONE;
		tern__names_add(&x->exact, pattern, id);
	} else {
		x->sub_next[id] = x->sub_next[head];
		x->sub_next[head] = id;
	}
}

void dp_index_sub_del(struct dp *dp, uint32_t id)
{
	struct dp_index *x = &dp->ix;
	const char *pattern = tern__shm_sub(dp->shm, id)->pattern;

	if (!dp_pattern_is_exact(pattern)) {
		uint32_t pos = x->sub_pos[id], last = x->wild_subs[--x->n_wild_subs];
		x->wild_subs[pos] = last;
		x->sub_pos[last] = pos;
		return;
	}
	int64_t head = tern__names_find(&x->exact, pattern);
	if (head < 0)
		return;
	if ((uint32_t)head == id) {
		tern__names_del(&x->exact, pattern, id);
		if (x->sub_next[id] != TERN_NONE)
			tern__names_add(&x->exact, pattern, x->sub_next[id]);
		return;
	}
	for (uint32_t k = (uint32_t)head; x->sub_next[k] != TERN_NONE; k = x->sub_next[k])
		if (x->sub_next[k] == id) {
			x->sub_next[k] = x->sub_next[id];
			return;
		}
}

void dp_index_fd_add(struct dp *dp, uint32_t id)
{
	dp->ix.fd_pos[id] = dp->n_armed_hint;
	dp->ix.fd_subs[dp->n_armed_hint++] = id;
}

void dp_index_fd_del(struct dp *dp, uint32_t id)
{
	uint32_t pos = dp->ix.fd_pos[id], last = dp->ix.fd_subs[--dp->n_armed_hint];

	dp->ix.fd_subs[pos] = last;
	dp->ix.fd_pos[last] = pos;
}

/* A live subscription that joins new topics (a fenced client's do not). */
static bool joins(const struct dp *dp, uint32_t sub_id)
{
	const struct tern__sub *s = tern__shm_sub(dp->shm, sub_id);

	return s->state == TERN__LIVE && !dp_client_fenced(dp, s->client_id);
}

uint32_t dp_index_subs_for(struct dp *dp, const char *name, uint32_t *out)
{
	struct dp_index *x = &dp->ix;
	uint32_t n = 0;
	int64_t head = tern__names_find(&x->exact, name);

	for (uint32_t k = (uint32_t)head; head >= 0 && k != TERN_NONE; k = x->sub_next[k])
		if (joins(dp, k))
			out[n++] = k;
	for (uint32_t i = 0; i < x->n_wild_subs; i++)
		if (joins(dp, x->wild_subs[i]) &&
		    tern_topic_match(tern__shm_sub(dp->shm, x->wild_subs[i])->pattern, name))
			out[n++] = x->wild_subs[i];
	return n;
}

uint32_t dp_index_topics_for(struct dp *dp, const char *pattern, uint32_t *out)
{
	struct dp_index *x = &dp->ix;
	uint32_t n = 0;

	if (dp_pattern_is_exact(pattern)) {
		int64_t t = tern__names_find(&x->topics, pattern);
		if (t >= 0)
			out[n++] = (uint32_t)t;
		return n;
	}
	for (uint32_t i = 0; i < x->n_live_topics; i++)
		if (tern_topic_match(pattern, tern__shm_topic(dp->shm, x->live_topics[i])->name))
			out[n++] = x->live_topics[i];
	return n;
}
