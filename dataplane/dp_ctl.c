/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
/*
 * The dataplane's end of tern-control's socket (AF_UNIX SOCK_SEQPACKET,
 * one DSL message per datagram, dp.tmsg).  One peer at a time: a
 * reconnecting tern-control replaces the old connection.  A request that
 * does not decode gets a DpReply with -EPROTO and the connection is
 * dropped; the dataplane itself carries on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "dp.tmsg.h"
#include "bus/tern_sock.h"
#include "common/tern_ratelimit.h"
#include "dp.h"

#define DP_PROTO_VERSION 1
#define DP_BUF_SIZE (256 * 1024)

static uint8_t rbuf[DP_BUF_SIZE];
static uint8_t wbuf[DP_BUF_SIZE];

static void cstr(char *dst, size_t cap, struct tern_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	memcpy(dst, s.ptr, n);
	dst[n] = '\0';
	if (memchr(dst, '\0', n) != NULL)   /* embedded NUL: make it fail validation */
		dst[0] = '\0';
}

static int reply_status(struct dp *dp, int status, const char *err)
{
	struct DpReply r = { .status = status, .error = tern_str_from_cstr(err ? err : "") };
	int64_t n = DpReply_encode(&r, wbuf, sizeof(wbuf));

	return n < 0 ? (int)n : tern__sock_send(dp->conn_fd, wbuf, (size_t)n, -1);
}

/* A stats page holds topics and subscriptions up to this many encoded
 * bytes (a guess from name lengths, on the safe side), so that with the
 * clients of the first page it stays below tern-control's largest
 * datagram, 192 KiB, whatever the names. */
#define DP_STATS_PAGE_BYTES (96 * 1024)
#define DP_STATS_ITEM_BYTES 64      /* an item's encoding without its name */

/* Delivered counts per topic, summed over its links once per snapshot
 * (the first page): O(links), not O(topics x links). */
static uint64_t *delivered_of(struct dp *dp, bool fresh)
{
	static uint64_t *sum;
	struct tern__shm *shm = dp->shm;

	if (sum == NULL && (sum = calloc(shm->max_topics, sizeof(*sum))) == NULL)
		return NULL;
	if (!fresh)
		return sum;
	for (uint32_t i = 0; i < shm->max_topics; i++)
		sum[i] = tern__shm_topic(shm, i)->delivered_gone;
	for (uint32_t l = 0; l < shm->max_links; l++) {
		struct tern__link *k = tern__shm_link(shm, l);
		if (k->state != TERN__FREE && k->topic_id < shm->max_topics &&
		    dp->link_topic_inc[l] == dp->topic_inc[k->topic_id])
			sum[k->topic_id] += k->delivered;
	}
	return sum;
}

/* tern-control's subscriptions on topic t now (its fan-out, storage's
 * excluded). */
static uint32_t topic_subs(struct dp *dp, const struct tern__topic *t)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->n_pending; i++)
		n += tern__shm_link(dp->shm, t->pending[i].link_id)->sub_id < dp->cfg->max_subs;
	return n;
}

static int reply_stats(struct dp *dp, const struct DpStats *q)
{
	static struct DpTopicStats *ts;
	static struct DpSubStats *ss;
	static struct DpClientStats *cs;
	struct tern__shm *shm = dp->shm;
	struct DpStatsReply r = { .pool_free = dp_pool_free(dp), .pool_size = dp_pool_size(dp),
				  .storage_errors = dp->storage_errors };
	bool first = q->topic_from == 0 && q->sub_from == 0;
	uint64_t *delivered = delivered_of(dp, first);
	uint32_t nt = 0, ns = 0, nc = 0, i;
	size_t bytes = 0;

	if (ts == NULL)
		ts = calloc(shm->max_topics, sizeof(*ts));
	if (ss == NULL)
		ss = calloc(shm->max_subs, sizeof(*ss));
	if (cs == NULL)
		cs = calloc(dp->cfg->max_clients, sizeof(*cs));
	if (ts == NULL || ss == NULL || cs == NULL || delivered == NULL)
		return reply_status(dp, -ENOMEM, "no memory for a stats page");
	/* Every client goes with the first page (up to 1024 of them, about
	 * 100 B each): the page's topics and subscriptions fill what is left. */
	for (i = 0; first && i < dp->cfg->max_clients; i++) {
		struct tern__client *c = tern__shm_client(shm, i);
		if (!dp->clients[i].live)
			continue;
		cs[nc++] = (struct DpClientStats){ .client_id = i, .published = c->published,
			.polled = c->polled, .pid = c->pid, .lcore_id = c->lcore_id,
			.name = tern_str_from_cstr(c->name), .fenced = dp->clients[i].fenced,
			.pub_topics = { dp->clients[i].pubs, dp->clients[i].n_pubs } };
		bytes += DP_STATS_ITEM_BYTES + strlen(c->name) + 4 * dp->clients[i].n_pubs;
	}
	if (bytes > DP_STATS_PAGE_BYTES)
		bytes = DP_STATS_PAGE_BYTES - 1;        /* at least one item still goes */
	for (i = q->topic_from; i < shm->max_topics && bytes < DP_STATS_PAGE_BYTES; i++) {
		struct tern__topic *t = tern__shm_topic(shm, i);
		if (t->state != TERN__LIVE)
			continue;
		ts[nt++] = (struct DpTopicStats){ .topic_id = i, .published = t->seq,
			.delivered = delivered[i], .publishers = t->n_publishers,
			.name = tern_str_from_cstr(t->name), .excl_owner = t->excl_owner,
			.stored = dp_storage_stores(dp, t->name),
			.storage_errno = __atomic_load_n(&t->storage_errno, __ATOMIC_RELAXED),
			.storage_errors = t->storage_errors, .storage_lost = t->storage_lost,
			.storage_header_damage = t->storage_header_damage,
			.seq_limit = t->seq_limit, .subscriptions = topic_subs(dp, t) };
		bytes += DP_STATS_ITEM_BYTES + strlen(t->name);
	}
	r.topic_next = i;
	/* Slots past tern-control's ranges are the storage role's own: they are
	 * not tern-control's to list or reclaim (telemetry shows them). */
	for (i = q->sub_from; i < dp->cfg->max_subs && bytes < DP_STATS_PAGE_BYTES; i++) {
		struct tern__sub *s = tern__shm_sub(shm, i);
		uint64_t dropped = 0, depth = 0;
		if (s->state != TERN__LIVE)
			continue;
		for (uint32_t k = 0; k < s->n_links; k++) {
			struct tern__link *l = tern__shm_link(shm, s->links[k]);
			dropped += l->dropped;
			depth += tern__link_queued(l);
		}
		ss[ns++] = (struct DpSubStats){ .sub_id = i, .delivered = s->delivered,
			.dropped = dropped, .depth = (uint32_t)depth, .topics = s->n_links,
			.client_id = s->client_id, .pattern = tern_str_from_cstr(s->pattern),
			.policy = (uint8_t)s->policy, .ring_depth = s->depth };
		bytes += DP_STATS_ITEM_BYTES + strlen(s->pattern);
	}
	r.sub_next = i;
	r.more = r.topic_next < shm->max_topics || r.sub_next < dp->cfg->max_subs;
	r.topics.items = ts;
	r.topics.count = nt;
	r.subs.items = ss;
	r.subs.count = ns;
	r.clients.items = cs;
	r.clients.count = nc;
	int64_t n = DpStatsReply_encode(&r, wbuf, sizeof(wbuf));
	return n < 0 ? (int)n : tern__sock_send(dp->conn_fd, wbuf, (size_t)n, -1);
}

static int reply_hello(struct dp *dp, const struct DpHello *h)
{
	const struct tern_config *cfg = dp->cfg;
	struct DpHelloReply r = {
		.file_prefix = tern_str_from_cstr(cfg->file_prefix),
		.max_topics = cfg->max_topics, .max_subs = cfg->max_subs,
		.max_clients = cfg->max_clients, .first_client_lcore = cfg->first_client_lcore,
		.max_links = dp->shm->max_links, .fanout_max = TERN_FANOUT_MAX,
		.sub_links_max = TERN_SUB_LINKS_MAX, .name_max = TERN_NAME_MAX - 1,
		.topic_bytes = sizeof(struct tern__topic), .sub_bytes = sizeof(struct tern__sub),
		.link_bytes = sizeof(struct tern__link), .client_bytes = sizeof(struct tern__client),
		.state_bytes = dp->shm->total_size, .pool_bytes = dp_pool_bytes(dp),
		.links_used = dp->shm->max_links - dp->ix.n_free_links,
		.ring_bytes = dp_ring_bytes(cfg->default_depth),
	};

	if (h->proto_version != DP_PROTO_VERSION) {
		r.status = -EPROTONOSUPPORT;
		r.error = tern_str_from_cstr("tern-dataplane speaks dp protocol version 1");
	} else {
		/* A new tern-control incarnation: the clients of the earlier ones
		 * are fenced, their ids reserved until they exit (dp_fence.c). */
		dp_fence_all(dp);
	}
	r.epoch = dp->shm->epoch;
	int64_t n = DpHelloReply_encode(&r, wbuf, sizeof(wbuf));
	return n < 0 ? (int)n : tern__sock_send(dp->conn_fd, wbuf, (size_t)n, -1);
}

static int reply_many(struct dp *dp, int status, const char *err, uint32_t done)
{
	struct DpManyReply r = { status, tern_str_from_cstr(err), done };
	int64_t n = DpManyReply_encode(&r, wbuf, sizeof(wbuf));

	return n < 0 ? (int)n : tern__sock_send(dp->conn_fd, wbuf, (size_t)n, -1);
}

/* One topic create, as DpTopicCreate has it. */
static int topic_create_msg(struct dp *dp, const struct DpTopicCreate *m, char *err, size_t errlen)
{
	char name[TERN_NAME_MAX];

	cstr(name, sizeof(name), m->name);
	if (m->name.len >= sizeof(name))
		return snprintf(err, errlen, "topic name of %u bytes", m->name.len), -EINVAL;
	return dp_topic_create(dp, m->topic_id, name, err, errlen);
}

/* One subscription create, as DpSubCreate has it (fd: the passed one or -1). */
static int sub_create_msg(struct dp *dp, const struct DpSubCreate *m, int fd, char *err,
			  size_t errlen)
{
	char name[TERN_NAME_MAX];

	if (m->sub_id >= dp->cfg->max_subs || m->client_id >= dp->cfg->max_clients)
		return snprintf(err, errlen, "subscription %u / client %u out of range", m->sub_id,
				m->client_id), -EINVAL;
	if (m->has_fd && fd < 0)
		return snprintf(err, errlen, "has_fd set but no fd passed"), -EINVAL;
	cstr(name, sizeof(name), m->pattern);
	if (m->pattern.len >= sizeof(name))
		return snprintf(err, errlen, "pattern of %u bytes", m->pattern.len), -EINVAL;
	return dp_sub_create(dp, m->sub_id, m->client_id, name, m->policy, m->depth,
			     m->has_fd ? fd : -1, err, errlen);
}

/* The next item of a bulk request, applied: 0, 1 at the end, or -errno. */
static int next_topic(struct dp *dp, struct tern_iter *it, char *err, size_t errlen)
{
	struct DpTopicCreate one;

	return DpTopicCreate_list_next(it, &one) ? topic_create_msg(dp, &one, err, errlen) : 1;
}

static int next_sub(struct dp *dp, struct tern_iter *it, char *err, size_t errlen)
{
	struct DpSubCreate one;

	return DpSubCreate_list_next(it, &one) ? sub_create_msg(dp, &one, -1, err, errlen) : 1;
}

/* Apply a bulk request's items in order until the first refused. */
static int apply_many(struct dp *dp, struct tern_iter it,
		      int (*next)(struct dp *, struct tern_iter *, char *, size_t))
{
	char err[256] = "";
	uint32_t done = 0;
	int rv;

	while ((rv = next(dp, &it, err, sizeof(err))) == 0)
		done++;
	return reply_many(dp, rv > 0 ? 0 : rv, err, done);
}

#define DECODE(T, var)                                                          \
	struct T var;                                                           \
	if ((dec = T##_decode(&var, rbuf, len)) < 0)                            \
		goto bad

static int handle(struct dp *dp, size_t len, int fd)
{
	char err[256] = "", name[TERN_NAME_MAX];
	uint16_t type;
	int64_t dec;
	int rv;

	if (tern_codec_peek(rbuf, len, &type, NULL) < 0)
		goto bad_nodecode;
	switch (type) {
	case DpHello_TYPE_ID: {
		DECODE(DpHello, m);
		return reply_hello(dp, &m);
	}
	case DpStats_TYPE_ID: {
		DECODE(DpStats, m);
		return reply_stats(dp, &m);
	}
	case DpClientAttach_TYPE_ID: {
		DECODE(DpClientAttach, m);
		if (m.client_id >= dp->cfg->max_clients) {
			rv = -EINVAL;
			snprintf(err, sizeof(err), "client id %u out of range", m.client_id);
			break;
		}
		cstr(name, sizeof(name), m.name);
		rv = dp_client_attach(dp, m.client_id, m.lcore_id, m.pid, name, err, sizeof(err));
		break;
	}
	case DpClientGone_TYPE_ID: {
		DECODE(DpClientGone, m);
		if (m.client_id >= dp->cfg->max_clients) {
			rv = -EPERM;
			snprintf(err, sizeof(err), "client %u is the dataplane's own", m.client_id);
			break;
		}
		uint64_t t0 = rte_rdtsc(), before = dp_pool_free(dp);
		rv = dp_client_gone(dp, m.client_id, err, sizeof(err));
		/* One line per client gone: a connection flood makes it fire at will. */
		if (rv == 0)
			DP_LOG_RL(INFO, "client %u reclaimed in %.1f us; "
				"pool free %llu -> %llu (%llu in the stack, %llu cached by clients)",
				m.client_id,
				(double)(rte_rdtsc() - t0) * 1e6 / (double)rte_get_tsc_hz(),
				(unsigned long long)before, (unsigned long long)dp_pool_free(dp),
				(unsigned long long)tern__stack_count(tern__stack_of(dp->shm->pool)),
				(unsigned long long)tern__cached_free(dp->shm));
		break;
	}
	case DpTopicCreate_TYPE_ID: {
		DECODE(DpTopicCreate, m);
		rv = topic_create_msg(dp, &m, err, sizeof(err));
		break;
	}
	case DpTopicDelete_TYPE_ID: {
		DECODE(DpTopicDelete, m);
		rv = dp_topic_delete(dp, m.topic_id, err, sizeof(err));
		break;
	}
	case DpPubOpen_TYPE_ID: {
		DECODE(DpPubOpen, m);
		rv = dp_pub_open(dp, m.topic_id, m.client_id, m.exclusive, err, sizeof(err));
		break;
	}
	case DpPubClose_TYPE_ID: {
		DECODE(DpPubClose, m);
		rv = dp_pub_close(dp, m.topic_id, m.client_id, err, sizeof(err));
		break;
	}
	case DpSubCreate_TYPE_ID: {
		DECODE(DpSubCreate, m);
		rv = sub_create_msg(dp, &m, fd, err, sizeof(err));
		if (rv == 0 && m.has_fd)
			fd = -1;        /* kept */
		break;
	}
	case DpTopicCreateMany_TYPE_ID: {
		DECODE(DpTopicCreateMany, m);
		if (fd >= 0)
			close(fd);
		return apply_many(dp, DpTopicCreate_list_iter(&m.topics), next_topic);
	}
	case DpSubCreateMany_TYPE_ID: {
		DECODE(DpSubCreateMany, m);
		if (fd >= 0)
			close(fd);
		return apply_many(dp, DpSubCreate_list_iter(&m.subs), next_sub);
	}
	case DpSubDelete_TYPE_ID: {
		DECODE(DpSubDelete, m);
		rv = m.sub_id >= dp->cfg->max_subs ? -EPERM
			: dp_sub_delete(dp, m.sub_id, err, sizeof(err));
		break;
	}
	default:
		snprintf(err, sizeof(err), "unknown message type %u", type);
		rv = -EPROTO;
		if (fd >= 0)
			close(fd);
		reply_status(dp, rv, err);
		return -EPROTO;
	}
	if (fd >= 0)
		close(fd);
	return reply_status(dp, rv, err);
bad:
	snprintf(err, sizeof(err), "malformed message type %u: %s", type,
		 tern_codec_strerror(dec));
	goto reply_bad;
bad_nodecode:
	snprintf(err, sizeof(err), "malformed message: %zu bytes", len);
reply_bad:
	if (fd >= 0)
		close(fd);
	reply_status(dp, -EPROTO, err);
	return -EPROTO;
}

static void conn_drop(struct dp *dp)
{
	if (dp->conn_fd >= 0) {
		epoll_ctl(dp->epfd, EPOLL_CTL_DEL, dp->conn_fd, NULL);
		close(dp->conn_fd);
		dp->conn_fd = -1;
	}
}

int dp_ctl_open(struct dp *dp)
{
	const char *path = dp->cfg->dataplane_socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		DP_LOG(ERR, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	/* A socket file nobody answers on is a leftover from a crash. */
	fd = tern__sock_connect(path);
	if (fd >= 0) {
		close(fd);
		DP_LOG(ERR, "%s: another dataplane is serving it", path);
		return -EADDRINUSE;
	}
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	dp->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (dp->listen_fd < 0 || bind(dp->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(dp->listen_fd, 4) < 0) {
		int e = -errno;
		DP_LOG(ERR, "cannot listen on %s: %s", path, strerror(errno));
		return e;
	}
	dp->conn_fd = -1;
	dp->epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = dp->listen_fd;
	if (dp->epfd < 0 || epoll_ctl(dp->epfd, EPOLL_CTL_ADD, dp->listen_fd, &ev) < 0)
		return -errno;
	return 0;
}

void dp_ctl_close(struct dp *dp)
{
	conn_drop(dp);
	if (dp->listen_fd >= 0) {
		close(dp->listen_fd);
		unlink(dp->cfg->dataplane_socket);
	}
	if (dp->epfd >= 0)
		close(dp->epfd);
}

int dp_ctl_poll(struct dp *dp, int64_t timeout_ns)
{
	struct epoll_event evs[4];
	struct timespec ts = { .tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000 };
	int n, handled = 0;

	n = epoll_pwait2(dp->epfd, evs, 4, &ts, NULL);
	for (int i = 0; i < n; i++) {
		if (evs[i].data.fd == dp->signal_fd) {
			dp_signal_read(dp);
			handled++;
			continue;
		}
		if (evs[i].data.fd == dp->listen_fd) {
			int fd = accept4(dp->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
			if (fd < 0)
				continue;
			conn_drop(dp);
			dp->conn_fd = fd;
			epoll_ctl(dp->epfd, EPOLL_CTL_ADD, fd, &ev);
			handled++;
			continue;
		}
		for (;;) {
			int pfd;
			ssize_t len = tern__sock_recv(dp->conn_fd, rbuf, sizeof(rbuf), &pfd);
			if (len == -EAGAIN)
				break;
			if (len <= 0) {
				conn_drop(dp);
				break;
			}
			handled++;
			if (handle(dp, (size_t)len, pfd) == -EPROTO) {
				conn_drop(dp);
				break;
			}
		}
	}
	return handled;
}
