/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applying tern-control's changes to the shared state while publishers and
 * subscribers keep running.  Nothing here stops a loop:
 * - a topic's fan-out list is rewritten as its *pending* list under a
 *   seqlock; the topic's next publisher adopts it (bus_pub.c);
 * - a subscription's link list only ever grows, published by a release
 *   store of n_links;
 * - a link leaving a topic is RETIRING until the topic's publishers have
 *   adopted a list without it (or it has none), then drained and freed.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <tern/tern_topic.h>

#include "dp.h"
#include "dp_net.h"

#define ERR(code, ...) (snprintf(err, errlen, __VA_ARGS__), (code))

/* Seqlock writer around the pending list: odd while writing. */
static void pending_begin(struct tern__topic *t)
{
	__atomic_store_n(&t->pending_gen, t->pending_gen + 1, __ATOMIC_RELAXED);
	/* The odd generation is visible before any entry changes. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void pending_end(struct tern__topic *t)
{
	/* The entries are visible before the even generation. */
	__atomic_store_n(&t->pending_gen, t->pending_gen + 1, __ATOMIC_RELEASE);
}

/* A topic's broadcast ring, from the hugepage heap rather than a memzone
 * of its own (DPDK has at most RTE_MAX_MEMZONE, 2560, memzones).  Made
 * with the topic's first link, as deep as the deepest of default_depth
 * and the depths asking for it then (a power of two). */
static struct tern__bring *ring_new(uint32_t depth, uint32_t topic_id)
{
	uint32_t size = rte_align32pow2(depth);
	struct tern__bring *r = rte_zmalloc_socket("tern_topic_ring", dp_ring_bytes(depth),
						   RTE_CACHE_LINE_SIZE, (int)rte_socket_id());

	if (r != NULL) {
		r->size = size;
		r->mask = size - 1;
		r->topic_id = topic_id;
	}
	return r;
}

/* Bytes of hugepage one topic's ring for depth takes. */
size_t dp_ring_bytes(uint32_t depth)
{
	return sizeof(struct tern__bring) + (size_t)rte_align32pow2(depth) * sizeof(void *);
}

/* Make the rings a planned change needs: plan_rings[i] for topics[i] if it
 * has none yet, as deep as the subscription (subs[i], or sub_depth) asks
 * (and default_depth at least).  All or none. */
static int plan_rings(struct dp *dp, uint32_t n, const uint32_t *topics, uint32_t topic,
		      const uint32_t *subs, uint32_t sub_depth, char *err, size_t errlen)
{
	struct dp_index *x = &dp->ix;
	uint32_t depth = dp->cfg->default_depth, need = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t d = subs ? tern__shm_sub(dp->shm, subs[i])->depth : sub_depth;
		x->plan_rings[i] = NULL;
		if (d > depth)
			depth = d;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id = topics ? topics[i] : topic;
		/* A topic being created takes one ring, for every link. */
		if (tern__shm_topic(dp->shm, id)->ring != NULL || (topics == NULL && i > 0))
			continue;
		x->plan_rings[i] = ring_new(depth, id);
		need++;
		if (x->plan_rings[i] == NULL) {
			for (uint32_t k = 0; k < i; k++)
				rte_free(x->plan_rings[k]);
			return ERR(-ENOMEM, "no hugepage memory for a topic ring of %u messages (%zu B; "
				   "%u rings needed): free some, or lower the depth", depth,
				   dp_ring_bytes(depth), need);
		}
	}
	return 0;
}

static int links_check(struct dp *dp, uint32_t n, char *err, size_t errlen)
{
	struct tern__shm *shm = dp->shm;

	if (n > dp->ix.n_free_links)
		return ERR(-ENOSPC, "needs %u link(s), %u free of %u (raise [limits] max_links)", n, dp->ix.n_free_links, shm->max_links);
	return 0;
}

/* Room on topic t for one more link?  Its holder bits count retiring links. */
static bool topic_has_room(const struct tern__topic *t)
{
	return t->n_pending < TERN_FANOUT_MAX && __builtin_popcountll(t->slots_used) < TERN_FANOUT_MAX;
}

/* Attach a planned link: cannot fail, everything was checked and made
 * (ring: the topic's new ring if it had none). */
static void link_commit(struct dp *dp, uint32_t sub_id, uint32_t topic_id, struct tern__bring *ring)
{
	struct tern__shm *shm = dp->shm;
	struct tern__sub *s = tern__shm_sub(shm, sub_id);
	struct tern__topic *t = tern__shm_topic(shm, topic_id);
	uint32_t li = dp->ix.free_links[--dp->ix.n_free_links];
	struct tern__link *l = tern__shm_link(shm, li);
	int slot = __builtin_ctzll(~t->slots_used);

	/* Written before the pending list that needs it (released by pending_end). */
	if (t->ring == NULL)
		t->ring = ring;
	l->ring = t->ring;
	l->ring->links++;
	l->topic_id = topic_id;
	l->sub_id = sub_id;
	l->slot = (uint32_t)slot;
	l->depth = RTE_MIN(s->depth, l->ring->size);
	l->forward = s->forward;
	l->out = 0;
	l->dropped = 0;
	l->delivered = 0;
	l->cursor = TERN__CUR_UNSTARTED;    /* its first publisher starts it */
	l->state = TERN__LIVE;
	dp->link_topic_inc[li] = dp->topic_inc[topic_id];
	t->slots_used |= UINT64_C(1) << slot;

	s->links[s->n_links] = li;
	/* Release: the link entry is complete before the subscriber sees it. */
	__atomic_store_n(&s->n_links, s->n_links + 1, __ATOMIC_RELEASE);

	pending_begin(t);
	t->pending[t->n_pending] = (struct tern__fanout){
		.cur = &l->cursor, .link_id = li, .depth = l->depth, .policy = (uint8_t)s->policy,
		.slot = (uint8_t)slot, .forward = (uint8_t)s->forward,
	};
	t->n_pending++;
	pending_end(t);
}

/* Take a link out of its topic's fan-out; it retires once publishers follow. */
static void link_unhook(struct dp *dp, uint32_t li)
{
	struct tern__link *l = tern__shm_link(dp->shm, li);
	struct tern__topic *t;

	if (l->state != TERN__LIVE)
		return;
	t = tern__shm_topic(dp->shm, l->topic_id);
	pending_begin(t);
	for (uint32_t i = 0; i < t->n_pending; i++) {
		if (t->pending[i].link_id == li) {
			t->pending[i] = t->pending[--t->n_pending];
			break;
		}
	}
	pending_end(t);
	l->retire_gen = t->pending_gen;
	l->state = TERN__RETIRING;
	dp->ix.retiring[dp->n_retiring++] = li;
}

void dp_sub_unhook(struct dp *dp, uint32_t sub_id)
{
	struct tern__sub *s = tern__shm_sub(dp->shm, sub_id);

	for (uint32_t i = 0; i < s->n_links; i++)
		link_unhook(dp, s->links[i]);
}

static void link_free(struct dp *dp, uint32_t li)
{
	struct tern__shm *shm = dp->shm;
	struct tern__link *l = tern__shm_link(shm, li);
	bool same = l->topic_id < shm->max_topics && dp->topic_inc[l->topic_id] == dp->link_topic_inc[li];

	/* Still owning its bit in what it did not read (no publisher lapped it
	 * out: its topic went first): release it. */
	tern__drain_link(shm, l);
	if (same) {
		struct tern__topic *t = tern__shm_topic(shm, l->topic_id);
		t->slots_used &= ~(UINT64_C(1) << l->slot);
		t->delivered_gone += l->delivered;  /* stats outlive the subscription */
	}
	if (l->ring != NULL && --l->ring->links == 0 &&
	    !(same && tern__shm_topic(shm, l->topic_id)->ring == l->ring))
		rte_free(l->ring);      /* its topic is gone: the last reader frees it */
	memset(l, 0, sizeof(*l));
	l->state = TERN__FREE;
	dp->ix.free_links[dp->ix.n_free_links++] = li;
}

/* tern-dataplane's own journal, for laps it makes on a topic without
 * publishers (reclaim never needs it: if the dataplane dies, all goes). */
static struct tern__journal dp_journal;

/* The topic lock's owner while tern-dataplane holds it: never a client's
 * (client id + 1), so reclaim never takes it for a dead client's. */
#define DP_LOCK_OWNER UINT32_MAX

/* Has the topic's list in force dropped link li (its cursor lapped out)?
 * A topic without publishers has tern-dataplane adopt its list; so does a
 * shared one whose lock is free: an idle publisher would otherwise leave
 * what the link holds unreleased until it publishes again.  An exclusive
 * publisher adopts at its next publish, or when it runs out of buffers. */
static bool link_lapped_out(struct dp *dp, struct tern__topic *t, uint32_t topic_id,
			    struct tern__link *l)
{
	uint32_t free_lock = 0;

	if (!l->out && t->n_publishers == 0 && t->applied_gen != t->pending_gen)
		tern__fanout_adopt(dp->shm, t, &dp_journal, NULL, topic_id, t->pending_gen);
	else if (!l->out && t->excl_owner == 0 && t->applied_gen != t->pending_gen &&
		 __atomic_compare_exchange_n(&t->lock, &free_lock, DP_LOCK_OWNER, false,
					     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		tern__fanout_adopt(dp->shm, t, &dp_journal, NULL, topic_id, t->pending_gen);
		__atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE);
	}
	if ((int32_t)(t->applied_gen - l->retire_gen) >= 0)
		l->out = 1;
	return l->out;
}

uint32_t dp_retire_links(struct dp *dp)
{
	struct tern__shm *shm = dp->shm;
	uint32_t freed = 0;

	for (uint32_t i = 0; i < dp->n_retiring;) {
		uint32_t li = dp->ix.retiring[i];
		struct tern__link *l = tern__shm_link(shm, li);
		struct tern__topic *t = tern__shm_topic(shm, l->topic_id);
		bool same = dp->topic_inc[l->topic_id] == dp->link_topic_inc[li] &&
			    t->state == TERN__LIVE;

		if (l->state != TERN__RETIRING) {
			dp->ix.retiring[i] = dp->ix.retiring[--dp->n_retiring];
			continue;
		}
		/* Once no publisher can still hold the old list; and a fenced
		 * subscriber may still be in its last poll of this ring. */
		if ((same && !link_lapped_out(dp, t, l->topic_id, l)) ||
		    dp_client_fenced(dp, tern__shm_sub(shm, l->sub_id)->client_id)) {
			i++;
			continue;
		}
		link_free(dp, li);
		freed++;
		dp->ix.retiring[i] = dp->ix.retiring[--dp->n_retiring];
	}
	return freed;
}

int dp_topic_create(struct dp *dp, uint32_t id, const char *name, char *err, size_t errlen)
{
	struct tern__shm *shm = dp->shm;
	struct dp_index *x = &dp->ix;
	struct tern__topic *t;
	uint32_t n, n_storage = 0;
	int64_t other;
	int rv;

	if (id >= shm->max_topics)
		return ERR(-EINVAL, "topic id %u out of range (max %u)", id, shm->max_topics);
	if (tern_topic_validate(name, false) < 0)
		return ERR(-EINVAL, "bad topic name '%s'", name);
	t = tern__shm_topic(shm, id);
	if (t->state != TERN__FREE)
		return ERR(-EEXIST, "topic slot %u in use by '%s'", id, t->name);
	if ((other = dp_index_topic_find(dp, name)) >= 0)
		return ERR(-EEXIST, "topic %s exists (slot %u)", name, (uint32_t)other);
	if ((rv = dp_storage_name_check(dp, name, err, errlen)) < 0)
		return rv;

	/* Prepare: every subscription the topic joins, checked, rings made. */
	n = dp_index_subs_for(dp, name, x->plan);
	for (uint32_t i = 0; i < n; i++)
		n_storage += x->plan[i] >= dp->cfg->max_subs;
	if (n > TERN_FANOUT_MAX)
		return ERR(-ENOSPC, "topic %s matches %u subscriptions (%u of them storage); "
			   "a topic carries at most %d (TERN_FANOUT_MAX, compile-time)", name, n,
			   n_storage, TERN_FANOUT_MAX);
	for (uint32_t i = 0; i < n; i++) {
		struct tern__sub *s = tern__shm_sub(shm, x->plan[i]);
		if (s->n_links >= TERN_SUB_LINKS_MAX)
			return ERR(-ENOSPC, "topic %s matches %s %u (%s), which follows %d topics "
				   "already, the most one follows (TERN_SUB_LINKS_MAX, compile-time)", name,
				   x->plan[i] >= dp->cfg->max_subs ? "storage rule subscription"
								  : "subscription",
				   x->plan[i], s->pattern, TERN_SUB_LINKS_MAX);
	}
	if ((rv = links_check(dp, n, err, errlen)) < 0) {
		char why[192];
		snprintf(why, sizeof(why), "%s", err);
		return ERR(rv, "topic %s joins %u subscription(s): %s", name, n, why);
	}
	/* Stored: number on past every seq ever handed out (dp_marks.c).  The
	 * slot is free, so writing its numbering before the commit is unseen. */
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	if ((rv = dp_mark_topic(dp, id, name, err, errlen)) < 0) {
		t->name[0] = '\0';
		return rv;
	}
	if ((rv = plan_rings(dp, n, NULL, id, x->plan, 0, err, errlen)) < 0) {
		dp_mark_release(id);
		t->name[0] = '\0';
		return rv;
	}

	/* Commit: nothing below can fail. */
	dp->topic_inc[id]++;
	t->state = TERN__LIVE;
	dp_index_topic_add(dp, id);
	for (uint32_t i = 0; i < n; i++)
		link_commit(dp, x->plan[i], id, x->plan_rings[0]);
	dp_net_topic_created(dp, id);   /* imported from a peer: ask for it */
	return 0;
}

int dp_topic_delete(struct dp *dp, uint32_t id, char *err, size_t errlen)
{
	struct tern__shm *shm = dp->shm;
	struct tern__topic *t;

	if (id >= shm->max_topics || (t = tern__shm_topic(shm, id))->state != TERN__LIVE)
		return ERR(-ENOENT, "no topic with id %u", id);
	/* A port's import (an exclusive publisher past tern-control's
	 * clients) goes with the topic; anyone else's publisher keeps it. */
	uint32_t ours = t->excl_owner > dp->cfg->max_clients + 1;
	if (t->n_publishers > ours)
		return ERR(-EBUSY, "topic '%s' has %u publisher(s)", t->name, t->n_publishers);
	dp_net_topic_deleting(dp, id);
	/* Its links stay with their subscriptions, which drain what is queued;
	 * nobody can publish into them any more. */
	for (uint32_t i = 0; i < t->n_pending; i++)
		tern__shm_link(shm, t->pending[i].link_id)->state = TERN__ORPHAN;
	/* Links already out of the list in force are lapped out; the others
	 * (orphans, retiring ones not yet out) release their bits when freed. */
	for (uint32_t i = 0; i < dp->n_retiring; i++) {
		struct tern__link *l = tern__shm_link(shm, dp->ix.retiring[i]);
		if (l->state == TERN__RETIRING && l->topic_id == id &&
		    dp->link_topic_inc[dp->ix.retiring[i]] == dp->topic_inc[id])
			link_lapped_out(dp, t, id, l);
	}
	pending_begin(t);
	t->n_pending = 0;
	pending_end(t);
	t->n_active = 0;
	t->bits_all = t->bits_fwd = 0;
	if (t->ring != NULL && t->ring->links == 0)
		rte_free(t->ring);
	t->ring = NULL;         /* its last link frees it */
	dp_index_topic_del(dp, id);
	t->state = TERN__FREE;
	dp_mark_release(id);
	return 0;
}

int dp_pub_open(struct dp *dp, uint32_t topic, uint32_t client, bool exclusive,
		char *err, size_t errlen)
{
	struct tern__shm *shm = dp->shm;
	struct tern__topic *t;
	struct dp_client *c;

	if (topic >= shm->max_topics || (t = tern__shm_topic(shm, topic))->state != TERN__LIVE)
		return ERR(-ENOENT, "no topic with id %u", topic);
	if (client >= shm->max_clients || !(c = &dp->clients[client])->live)
		return ERR(-EINVAL, "no client %u", client);
	if (c->n_pubs >= DP_MAX_PUBS_PER_CLIENT)
		return ERR(-ENOSPC, "client %u has %d publishers", client, DP_MAX_PUBS_PER_CLIENT);
	/* An imported topic's publishers are forwarded to its home node, which
	 * numbers them (bus_pub.c): they share the topic with the import. */
	if (t->imported && exclusive)
		return ERR(-EBUSY, "topic '%s' is imported from another node through [port.%s]: "
			   "its publishers are forwarded to its home node and share the topic "
			   "there, so none can be exclusive", t->name,
			   dp_net_importer(dp, t->name) ? dp_net_importer(dp, t->name) : "?");
	if (t->excl_owner != 0)
		return ERR(-EBUSY, "topic '%s' has an exclusive publisher", t->name);
	if (exclusive && t->n_publishers != 0)
		return ERR(-EBUSY, "topic '%s' has %u publisher(s): exclusive refused", t->name,
			   t->n_publishers);
	if (exclusive)
		t->excl_owner = client + 1;
	t->n_publishers++;
	c->pubs[c->n_pubs++] = topic;
	return 0;
}

int dp_pub_close(struct dp *dp, uint32_t topic, uint32_t client, char *err, size_t errlen)
{
	struct tern__shm *shm = dp->shm;
	struct dp_client *c;

	if (client >= shm->max_clients || !(c = &dp->clients[client])->live)
		return ERR(-EINVAL, "no client %u", client);
	for (uint32_t i = 0; i < c->n_pubs; i++) {
		if (c->pubs[i] != topic)
			continue;
		struct tern__topic *t = tern__shm_topic(shm, topic);
		c->pubs[i] = c->pubs[--c->n_pubs];
		if (t->n_publishers > 0)
			t->n_publishers--;
		if (t->excl_owner == client + 1)
			t->excl_owner = 0;
		dp_retire_links(dp);    /* a topic without publishers frees at once */
		return 0;
	}
	return ERR(-ENOENT, "client %u does not publish on topic %u", client, topic);
}

int dp_sub_create(struct dp *dp, uint32_t id, uint32_t client, const char *pattern,
		  uint32_t policy, uint32_t depth, int fd, char *err, size_t errlen)
{
	struct tern__shm *shm = dp->shm;
	struct dp_index *x = &dp->ix;
	struct tern__sub *s;
	uint32_t n;
	int rv;

	if (id >= shm->max_subs || (s = tern__shm_sub(shm, id))->state != TERN__FREE)
		return ERR(-EINVAL, "subscription slot %u unavailable", id);
	if (client >= shm->max_clients || !dp->clients[client].live)
		return ERR(-EINVAL, "no client %u", client);
	if (tern_topic_validate(pattern, true) < 0)
		return ERR(-EINVAL, "bad pattern '%s'", pattern);
	if (depth == 0 || (depth & (depth - 1)) != 0 || depth > (1u << 20))
		return ERR(-EINVAL, "depth %u is not a power of two up to 2^20", depth);
	uint32_t forward = (policy & TERN__POLICY_FORWARD) != 0;
	policy &= ~TERN__POLICY_FORWARD;
	if (policy > TERN_POLICY_BACKPRESSURE)
		return ERR(-EINVAL, "bad policy %u", policy);

	/* Prepare: every topic it joins, checked, rings made. */
	n = dp_index_topics_for(dp, pattern, x->plan);
	if (n > TERN_SUB_LINKS_MAX)
		return ERR(-ENOSPC, "pattern %s matches %u topics; a subscription follows at "
			   "most %d (TERN_SUB_LINKS_MAX, compile-time)",
			   pattern, n, TERN_SUB_LINKS_MAX);
	for (uint32_t i = 0; i < n; i++) {
		struct tern__topic *t = tern__shm_topic(shm, x->plan[i]);
		if (!topic_has_room(t))
			return ERR(-ENOSPC, "topic %s has %d subscriptions already, the most a "
				   "topic carries (TERN_FANOUT_MAX, compile-time)", t->name,
				   __builtin_popcountll(t->slots_used));
	}
	if ((rv = links_check(dp, n, err, errlen)) < 0) {
		char why[192];
		snprintf(why, sizeof(why), "%s", err);
		return ERR(rv, "pattern %s matches %u topic(s): %s", pattern, n, why);
	}
	if ((rv = plan_rings(dp, n, x->plan, 0, NULL, depth, err, errlen)) < 0)
		return rv;

	/* Commit: nothing below can fail. */
	memset(s, 0, offsetof(struct tern__sub, links));
	s->pend_link = TERN_NONE;
	s->client_id = client;
	s->policy = policy;
	s->forward = forward;
	s->depth = depth;
	snprintf(s->pattern, sizeof(s->pattern), "%s", pattern);
	s->state = TERN__LIVE;
	dp->sub_fd[id] = fd;
	if (fd >= 0)
		dp_index_fd_add(dp, id);
	dp_index_sub_add(dp, id);
	for (uint32_t i = 0; i < n; i++)
		link_commit(dp, id, x->plan[i], x->plan_rings[i]);
	return 0;
}

int dp_sub_delete(struct dp *dp, uint32_t id, char *err, size_t errlen)
{
	struct tern__shm *shm = dp->shm;
	struct tern__sub *s;

	if (id >= shm->max_subs || (s = tern__shm_sub(shm, id))->state != TERN__LIVE)
		return err ? ERR(-ENOENT, "no subscription %u", id) : -ENOENT;
	/* Whatever the subscriber still held (a closing client releases first;
	 * a dead one could not). */
	tern__reclaim_sub(shm, s, s->client_id);
	for (uint32_t i = 0; i < s->n_links; i++) {
		uint32_t li = s->links[i];
		struct tern__link *l = tern__shm_link(shm, li);
		if (l->state == TERN__LIVE)
			link_unhook(dp, li);
		else if (l->state == TERN__ORPHAN)
			link_free(dp, li);
	}
	if (dp->sub_fd[id] >= 0) {
		close(dp->sub_fd[id]);
		dp_index_fd_del(dp, id);
	}
	dp->sub_fd[id] = -1;
	__atomic_store_n(&s->n_links, 0, __ATOMIC_RELEASE);
	dp_index_sub_del(dp, id);
	s->state = TERN__FREE;
	dp_retire_links(dp);
	return 0;
}

int dp_client_attach(struct dp *dp, uint32_t id, uint32_t lcore, uint32_t pid,
		     const char *name, char *err, size_t errlen)
{
	struct tern__shm *shm = dp->shm;
	struct tern__client *c;

	if (id >= shm->max_clients)
		return ERR(-EINVAL, "client id %u out of range", id);
	if (lcore >= RTE_MAX_LCORE)
		return ERR(-EINVAL, "lcore %u out of range", lcore);
	if (dp->clients[id].live)
		return ERR(-EBUSY, "client slot %u in use", id);
	c = tern__shm_client(shm, id);
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->lcore_id = lcore;
	for (uint32_t p = 0; p < TERN_POOLS_MAX; p++)
		c->cache[p].size = shm->cache_size;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->state = TERN__LIVE;
	dp->clients[id] = (struct dp_client){ .live = true, .lcore_id = lcore };
	return 0;
}

static bool lcore_shared(const struct dp *dp, uint32_t id)
{
	for (uint32_t k = 0; k < dp->cfg->max_clients; k++)
		if (k != id && dp->clients[k].live && dp->clients[k].lcore_id == dp->clients[id].lcore_id)
			return true;
	return false;
}

int dp_client_gone(struct dp *dp, uint32_t id, char *err, size_t errlen)
{
	struct tern__shm *shm = dp->shm;
	struct tern__reclaim_stats st;
	struct dp_client *c;

	if (id >= shm->max_clients || !(c = &dp->clients[id])->live)
		return ERR(-ENOENT, "no client %u", id);
	/* Its process is gone (tern-control says so): nothing to keep for it. */
	c->fenced = false;
	tern__reclaim_client(shm, id, &st);
	for (uint32_t s = 0; s < shm->max_subs; s++) {
		struct tern__sub *sub = tern__shm_sub(shm, s);
		if (sub->state == TERN__LIVE && sub->client_id == id)
			dp_sub_delete(dp, s, NULL, 0);
	}
	while (c->n_pubs > 0)
		dp_pub_close(dp, c->pubs[c->n_pubs - 1], id, err, errlen);
	/* Its caches hold free buffers nobody else would use; so would the
	 * DPDK cache of its lcore id, had it called rte_mempool_* itself
	 * (unless another live client has that id too: clients past the
	 * lcore ids share them, tern_client_lcore()). */
	tern__reclaim_caches(shm, id);
	for (unsigned i = 0; !lcore_shared(dp, id) && i < RTE_MAX_NUMA_NODES; i++) {
		struct rte_mempool *mp = shm->pools[i];
		struct rte_mempool_cache *cache = mp ? rte_mempool_default_cache(mp, c->lcore_id) : NULL;
		if (cache)
			rte_mempool_cache_flush(cache, mp);
	}
	tern__shm_client(shm, id)->state = TERN__FREE;
	c->live = false;
	return 0;
}

uint32_t dp_wake_subs(struct dp *dp)
{
	struct tern__shm *shm = dp->shm;
	uint32_t woken = 0;
	uint64_t one = 1;

	for (uint32_t k = 0; k < dp->n_armed_hint; k++) {
		uint32_t i = dp->ix.fd_subs[k];
		struct tern__sub *s = tern__shm_sub(shm, i);

		if (!s->armed)
			continue;
		for (uint32_t k = 0; k < s->n_links; k++) {
			if (tern__link_queued(tern__shm_link(shm, s->links[k])) == 0)
				continue;
			s->armed = 0;
			if (write(dp->sub_fd[i], &one, sizeof(one)) == sizeof(one))
				woken++;
			break;
		}
	}
	return woken;
}
