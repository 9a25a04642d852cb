/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The storage role: topics matching the node's storage rules are written
 * to the persistent log (lib/log) as they are published.
 *
 * The dataplane stores them through the same one-hop fan-out as any
 * subscriber: it holds one subscription per rule pattern, in client and
 * subscription slots beyond those tern-control hands out, polls them and
 * appends what it gets.  Publishers therefore never wait for storage: they
 * enqueue into its ring like into anyone's.  The storage subscriptions use
 * the backpressure policy, so nothing published is missing from the log; a
 * publisher would only be told to wait if storage fell a whole queue
 * (depth 4096) behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include <tern/tern_log.h>

#include "common/tern_ratelimit.h"
#include "log/log_config.h"
#include "log/log_prefix.h"
#include "log/log_segment.h"
#include "dp.h"

#define STORAGE_DEPTH 4096

static struct tern_log_rule rules[TERN_CFG_RULES_MAX];
static struct tern_sub subs[TERN_CFG_RULES_MAX];

static struct tern_log_opts log_opts;

/* Stored messages are as private as the bus: the log root and everything
 * under it get [storage] mode (default 0640, directories 0750) and group,
 * whatever the umask or an older install left. */
static int storage_perm(const struct tern_config *cfg, struct tern_log_opts *o)
{
	struct tern__perm perm;
	int fd, rv;

	o->file_mode = cfg->storage_mode;
	if (cfg->storage_group[0]) {
		struct group gr, *res = NULL;
		char buf[1024];
		getgrnam_r(cfg->storage_group, &gr, buf, sizeof(buf), &res);
		if (res == NULL) {
			DP_SLOG(ERR, "[storage] group '%s': no such group",
				cfg->storage_group);
			return -EINVAL;
		}
		o->gid = (uint32_t)gr.gr_gid;
	}
	tern__perm_init(&perm, o);
	if ((rv = dp_mkdir_p(cfg->storage_dir, perm.dir_mode)) < 0) {
		DP_SLOG(ERR, "storage dir %s: %s", cfg->storage_dir, strerror(-rv));
		return rv;
	}
	fd = open(cfg->storage_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rv = fd < 0 ? -errno : tern__perm_apply(fd, &perm, true);
	if (fd >= 0)
		close(fd);
	if (rv < 0)
		DP_SLOG(ERR, "storage dir %s: %s", cfg->storage_dir, strerror(-rv));
	return rv;
}

int dp_storage_init(struct dp *dp)
{
	const struct tern_config *cfg = dp->cfg;
	struct tern__shm *shm = dp->shm;
	char err[256];
	int n, rv;

	if (cfg->n_rules == 0)
		return 0;
	n = tern__log_rules_from_config(cfg, rules, RTE_DIM(rules));
	if (n < 0)
		return n;
	if ((rv = storage_perm(cfg, &log_opts)) < 0)
		return rv;
	if ((rv = dp_marks_init(dp, &log_opts)) < 0)
		return rv;
	rv = tern_log_open(cfg->storage_dir, rules, (unsigned)n, &log_opts, shm->max_topics, &dp->log);
	if (rv < 0) {
		DP_SLOG(ERR, "cannot open the log in %s: %s", cfg->storage_dir,
			strerror(-rv));
		return rv;
	}
	/* Tell clients where the log is, for replay. */
	snprintf(shm->storage_dir, sizeof(shm->storage_dir), "%s", cfg->storage_dir);
	for (int i = 0; i < n && i < (int)RTE_DIM(shm->storage_rules); i++) {
		snprintf(shm->storage_rules[i].pattern, sizeof(shm->storage_rules[i].pattern), "%s",
			 rules[i].pattern);
		snprintf(shm->storage_rules[i].prefix, sizeof(shm->storage_rules[i].prefix), "%s",
			 rules[i].prefix);
	}
	shm->n_storage_rules = (uint32_t)RTE_MIN(n, (int)RTE_DIM(shm->storage_rules));
	/* Our own client slot, past tern-control's range. */
	dp->storage_client.client_id = cfg->max_clients;
	rv = dp_client_attach(dp, cfg->max_clients, cfg->storage_lcore, (uint32_t)getpid(),
			      "tern-dataplane/storage", err, sizeof(err));
	if (rv < 0)
		goto fail;
	dp->storage_client.fd = -1;
	dp->storage_client.shm = shm;
	if (tern__client_bind(&dp->storage_client, rte_socket_id()) < 0) {
		rv = -EPROTO;
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		uint32_t sid = cfg->max_subs + (uint32_t)i;
		rv = dp_sub_create(dp, sid, cfg->max_clients, rules[i].pattern,
				   TERN_POLICY_BACKPRESSURE, STORAGE_DEPTH, -1, err, sizeof(err));
		if (rv < 0)
			goto fail;
		subs[i].c = &dp->storage_client;
		subs[i].sub_id = sid;
		subs[i].s = tern__shm_sub(shm, sid);
		subs[i].fd = -1;
		subs[i].slot_of_topic = dp->storage_slots[i] = calloc(shm->max_topics, 1);
		if (subs[i].slot_of_topic == NULL)
			return -ENOMEM;
		tern__sub_refresh(&subs[i]);
	}
	dp->durable = calloc(shm->max_topics, sizeof(*dp->durable));
	if (dp->durable == NULL)
		return -ENOMEM;
	dp->n_storage = (unsigned)n;
	DP_SLOG(NOTICE, "storing %d rule(s) under %s", n, cfg->storage_dir);
	return 0;
fail:
	DP_SLOG(ERR, "storage: %s", err);
	return rv;
}

bool dp_storage_stores(struct dp *dp, const char *topic)
{
	char prefix[256];

	return dp->n_storage &&
	       tern_log_rules_route(rules, dp->n_storage, topic, prefix, sizeof(prefix)) >= 0;
}

/* The last seq a stored topic's log holds (its mark goes past it). */
uint64_t dp_storage_last_seq(struct dp *dp, const char *topic)
{
	char prefix[256];
	uint64_t seq = 0;
	int rv;

	if (dp->log == NULL ||
	    tern_log_rules_route(rules, dp->n_storage, topic, prefix, sizeof(prefix)) < 0)
		return 0;
	rv = tern_log_last_seq(dp->cfg->storage_dir, prefix, topic, &seq);
	if (rv < 0)
		DP_SLOG(ERR, "reading the log of '%s': %s", topic, strerror(-rv));
	return seq;
}

/*
 * Storage failures.  A failed append or write loses the messages the
 * writer had buffered (lib/log: the segment is cut back, their lsns
 * skipped); a topic's lost range is taken as everything since the last
 * write known to have succeeded for it, which may include some that did
 * reach the kernel (conservative: a message reported lost may be stored,
 * one reported durable never is lost).  The range goes to shared memory
 * for tern_pub_wait_durable() and stats, one line goes to the log
 * (rate-limited), and the topic waits out a backoff (10 ms doubling to
 * 1 s) during which its messages are dropped without a system call; the
 * first one after it tries the disk again.  A sticky writer error (the
 * cut-back itself failed, an fdatasync error) cannot be retried: the
 * topic stays failed until a restart.
 */
#define BACKOFF_MIN_MS 10u
#define BACKOFF_MAX_MS 1000u

/* Topic id's state, new for a new incarnation, whose first message
 * storage sees is seq. */
static struct dp_durable *durable_of(struct dp *dp, uint32_t id, uint64_t seq)
{
	struct dp_durable *d = &dp->durable[id];

	if (d->topic_inc != dp->topic_inc[id])
		*d = (struct dp_durable){ .topic_inc = dp->topic_inc[id], .kept_seq = seq - 1,
					  .last_seq = seq - 1 };
	return d;
}

/* Seqs [lo, hi] of topic id are not in the log; err > 0. */
static void storage_lost(struct dp *dp, uint32_t id, uint64_t lo, uint64_t hi)
{
	struct tern__topic *t = tern__shm_topic(dp->shm, id);
	struct dp_durable *d = &dp->durable[id];

	if (lo > hi)
		return;
	t->storage_lost += hi - lo + 1;
	d->lost_now += hi - lo + 1;
	if (hi > t->fail_hi)
		__atomic_store_n(&t->fail_hi, hi, __ATOMIC_RELEASE);
	if (t->fail_lo == 0)
		__atomic_store_n(&t->fail_lo, lo, __ATOMIC_RELEASE);
	if (d->kept_seq < hi)
		d->kept_seq = hi;       /* the next loss starts after this one */
}

static void storage_fail(struct dp *dp, uint32_t id, int err, const char *what, uint64_t lo,
			 uint64_t hi)
{
	struct tern__topic *t = tern__shm_topic(dp->shm, id);
	struct dp_durable *d = &dp->durable[id];
	uint64_t now = rte_rdtsc();

	dp->storage_errors++;
	t->storage_errors++;
	if (d->err == 0) {
		d->fail_tsc = now;
		d->lost_now = 0;
	}
	storage_lost(dp, id, lo, hi);
	d->err = err;
	__atomic_store_n(&t->storage_errno, err, __ATOMIC_RELEASE);
	d->sticky = d->w != NULL && tern_log_writer_error(d->w) != 0;
	d->backoff_ms = d->backoff_ms ? RTE_MIN(d->backoff_ms * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
	d->retry_tsc = now + rte_get_tsc_hz() / 1000 * d->backoff_ms;
	if (d->sticky)
		DP_SLOG_RL(ERR, "storage: topic '%s': %s failed: %s (%s); "
			     "%llu message(s) lost so far; the writer refuses from now on: not "
			     "stored until a restart", t->name, what, strerror(err),
			     strerrorname_np(err) ?: "?", (unsigned long long)t->storage_lost);
	else
		DP_SLOG_RL(ERR, "storage: topic '%s': %s failed: %s (%s); "
			     "%llu message(s) lost so far, retry in %u ms", t->name, what,
			     strerror(err), strerrorname_np(err) ?: "?",
			     (unsigned long long)t->storage_lost, d->backoff_ms);
}

static void storage_ok(struct dp *dp, uint32_t id)
{
	struct tern__topic *t = tern__shm_topic(dp->shm, id);
	struct dp_durable *d = &dp->durable[id];

	d->kept_seq = d->last_seq;
	if (d->err == 0)
		return;
	DP_SLOG_RL(NOTICE, "storage: topic '%s': storing again after %.1f s "
		     "(%s); %llu message(s) lost meanwhile, seen as a sequence gap", t->name,
		     (double)(rte_rdtsc() - d->fail_tsc) / (double)rte_get_tsc_hz(),
		     strerrorname_np(d->err) ?: "?", (unsigned long long)d->lost_now);
	d->err = 0;
	d->backoff_ms = 0;
	__atomic_store_n(&t->storage_errno, 0, __ATOMIC_RELEASE);
}

/* Header damage the writer met (at open or at a tick) and moved past. */
static void storage_damage_check(struct dp *dp, uint32_t id)
{
	struct dp_durable *d = &dp->durable[id];
	struct tern__topic *t = tern__shm_topic(dp->shm, id);
	struct tern_log_writer_stats st;

	tern_log_writer_stats(d->w, &st);
	if (st.header_damage == d->hdr_damage_seen)
		return;
	d->hdr_damage_seen = st.header_damage;
	t->storage_header_damage = (uint32_t)st.header_damage;
	DP_SLOG_RL(WARNING, "storage: topic '%s': the active segment's "
		     "header is damaged (EBADMSG); storing goes on in a new segment, readers "
		     "skip the damaged one (%llu so far)", t->name,
		     (unsigned long long)st.header_damage);
}

/* Append what the storage subscriptions hold; returns messages stored. */
uint32_t dp_storage_poll(struct dp *dp)
{
	static struct {
		struct tern_log_writer *w;
		int rc;
	} tw[32 * TERN_CFG_RULES_MAX];
	static uint32_t tt[32 * TERN_CFG_RULES_MAX];
	const struct tern_msg *v[32];
	unsigned ntw = 0, ntt = 0;
	uint32_t done = 0;
	uint64_t now = 0;

	for (unsigned i = 0; i < dp->n_storage; i++) {
		unsigned k = tern_poll(&subs[i], v, RTE_DIM(v));

		for (unsigned x = 0; x < k; x++) {
			const struct tern_msg *m = v[x];
			/* tern_publish() refused this and set topic_id, but the header
			 * stays writable after publishing: never copy past the buffer
			 * into the log, nor index past the topic table. */
			if (m->topic_id >= dp->shm->max_topics) {
				dp->storage_errors++;
				continue;
			}
			struct dp_durable *d = durable_of(dp, m->topic_id, m->seq);
			if (!tern__msg_fits(dp->shm, m)) {
				storage_fail(dp, m->topic_id, EMSGSIZE, "a message's size check",
					     m->seq, m->seq);
				d->backoff_ms = 0;      /* that message, not the disk */
				d->retry_tsc = 0;
				continue;
			}
			if (d->err) {
				if (now == 0)
					now = rte_rdtsc();
				if (d->sticky || now < d->retry_tsc) {
					/* waiting out the backoff: no system call */
					storage_lost(dp, m->topic_id, m->seq, m->seq);
					continue;
				}
			}
			struct tern_log_msg lm = {
				.topic = tern__shm_topic(dp->shm, m->topic_id)->name,
				.type_version = m->version, .type_id = m->type_id,
				.seq = m->seq, .event_ns = m->event_ns, .send_ns = m->send_ns,
				.recv_ns = m->recv_ns,
				.tags = (const char *)tern_msg_data(m) + m->size, .tags_len = m->tags_len,
				.payload = tern_msg_data(m), .payload_len = m->size,
			};
			struct tern_log_writer *w = NULL;
			int64_t rv = tern_log_append(dp->log, &lm, &w);
			if (rv > 0) {
				if (d->w != w) {
					d->w = w;
					storage_damage_check(dp, m->topic_id);
				}
				d->last_lsn = (uint64_t)rv;
				d->last_seq = m->seq;
				if (!d->touched && ntt < RTE_DIM(tt)) {
					d->touched = true;
					tt[ntt++] = m->topic_id;
				}
				unsigned j = 0;
				while (j < ntw && tw[j].w != w)
					j++;
				if (j == ntw && ntw < RTE_DIM(tw))
					tw[ntw++].w = w;
			} else if (rv < 0) {
				if (w != NULL)
					d->w = w;
				/* the buffered ones since the last good write went too */
				storage_fail(dp, m->topic_id, (int)-rv, "append", d->kept_seq + 1,
					     m->seq);
				if (rv == -EMSGSIZE || rv == -EINVAL) {
					d->backoff_ms = 0;
					d->retry_tsc = 0;
				}
			}
		}
		if (k) {
			tern_release(&subs[i], v, k);
			done += k;
		}
	}
	/* One write per writer; its result decides for each topic on it. */
	for (unsigned j = 0; j < ntw; j++)
		tw[j].rc = tern_log_writer_flush(tw[j].w);
	for (unsigned x = 0; x < ntt; x++) {
		uint32_t id = tt[x];
		struct dp_durable *d = &dp->durable[id];
		int rc = 0;

		d->touched = false;
		for (unsigned j = 0; j < ntw; j++)
			if (tw[j].w == d->w)
				rc = tw[j].rc;
		if (rc < 0)
			storage_fail(dp, id, -rc, "write", d->kept_seq + 1, d->last_seq);
		else if (d->last_seq > d->kept_seq || d->err)
			storage_ok(dp, id);
	}
	return done;
}

/* Publish how far each stored topic is durable (tern_pub_wait_durable()). */
void dp_storage_acks(struct dp *dp)
{
	for (uint32_t i = 0; i < dp->shm->max_topics; i++) {
		struct dp_durable *d = &dp->durable[i];
		struct tern__topic *t = tern__shm_topic(dp->shm, i);
		uint64_t dur, seq = 0;

		if (d->w == NULL || d->topic_inc != dp->topic_inc[i])
			continue;
		dur = tern_log_writer_durable(d->w);
		if (dur >= d->last_lsn) {
			seq = d->last_seq;
			d->ck_lsn = 0;
		} else {
			if (d->ck_lsn && dur >= d->ck_lsn)
				seq = d->ck_seq;
			if (d->ck_lsn == 0 || dur >= d->ck_lsn) {
				d->ck_lsn = d->last_lsn;        /* next mark to wait for */
				d->ck_seq = d->last_seq;
			}
		}
		if (seq > t->durable_seq)
			__atomic_store_n(&t->durable_seq, seq, __ATOMIC_RELEASE);
	}
}

/* The storage role on an lcore of its own: poll, back off when idle. */
int dp_storage_loop(void *arg)
{
	struct dp *dp = arg;
	unsigned idle = 0;
	uint64_t ticks = 0;

	while (!dp->stop) {
		if (dp_storage_poll(dp) != 0) {
			if ((++ticks & 15) == 0)
				dp_storage_acks(dp);
			idle = 0;
		} else if (++idle < 1000) {
			dp_storage_acks(dp);
			rte_pause();
		} else {
			dp_storage_acks(dp);
			usleep(20);     /* nothing for a while: give the core back */
		}
		if (++ticks % 4096 == 0)
			dp_storage_tick(dp);
	}
	dp_storage_close(dp);
	return 0;
}

/* Housekeeping: rotation of idle writers, index writes, and the checks a
 * writer makes of its active segment (a damaged header: a new segment). */
void dp_storage_tick(struct dp *dp)
{
	if (dp->log == NULL)
		return;
	tern_log_tick(dp->log);
	for (uint32_t i = 0; i < dp->shm->max_topics; i++) {
		struct dp_durable *d = &dp->durable[i];

		if (d->w == NULL || d->topic_inc != dp->topic_inc[i])
			continue;
		storage_damage_check(dp, i);
		/* An fdatasync error is sticky: what was not yet durable is lost. */
		int e = tern_log_writer_error(d->w);
		if (e < 0 && !d->sticky) {
			struct tern__topic *t = tern__shm_topic(dp->shm, i);
			storage_fail(dp, i, -e, "fdatasync", t->durable_seq + 1, d->last_seq);
		}
	}
}

void dp_storage_close(struct dp *dp)
{
	if (dp->log == NULL)
		return;
	while (dp_storage_poll(dp) != 0)
		;
	tern_log_close(dp->log);
	dp->log = NULL;
	free(dp->durable);
	dp->durable = NULL;
	for (unsigned i = 0; i < dp->n_storage; i++)
		free(dp->storage_slots[i]);
}

int dp_storage_name_check(struct dp *dp, const char *topic, char *err, size_t errlen)
{
	char prefix[TERN__NAME_MAX * 4];
	const char *base;
	size_t file;

	if (dp->log == NULL ||
	    tern_log_rules_route(rules, dp->n_storage, topic, prefix, sizeof(prefix)) < 0)
		return 0;
	base = strrchr(prefix, '/');
	base = base ? base + 1 : prefix;
	file = strlen(base) + TERN__SEG_SUFFIX_LEN;
	if (strlen(prefix) < TERN_LOG_EXPANDED_MAX && file < TERN__NAME_MAX)
		return 0;
	snprintf(err, errlen, "topic %.48s... (%zu bytes) is stored by a [storage] rule, and "
		 "its log path would be %zu bytes, file names %zu (limits %d and %d): shorten the "
		 "name or the rule's prefix", topic, strlen(topic), strlen(prefix), file,
		 TERN_LOG_EXPANDED_MAX - 1, TERN__NAME_MAX - 1);
	return -ENAMETOOLONG;
}
