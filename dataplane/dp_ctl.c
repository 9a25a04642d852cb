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

static int reply_stats(struct dp *dp)
{
	static struct DpTopicStats ts[4096];
	static struct DpSubStats ss[4096];
	static struct DpClientStats cs[RTE_MAX_LCORE];
	struct tern__shm *shm = dp->shm;
	struct DpStatsReply r = { .pool_free = dp_pool_free(dp), .pool_size = dp_pool_size(dp),
				  .storage_errors = dp->storage_errors };
	uint32_t nt = 0, ns = 0, nc = 0;

	for (uint32_t i = 0; i < shm->max_topics && nt < RTE_DIM(ts); i++) {
		struct tern__topic *t = tern__shm_topic(shm, i);
		uint64_t delivered = t->delivered_gone;
		if (t->state != TERN__LIVE)
			continue;
		for (uint32_t l = 0; l < shm->max_links; l++) {
			struct tern__link *k = tern__shm_link(shm, l);
			if (k->state != TERN__FREE && k->topic_id == i &&
			    dp->link_topic_inc[l] == dp->topic_inc[i])
				delivered += k->delivered;
		}
		ts[nt++] = (struct DpTopicStats){ .topic_id = i, .published = t->seq,
			.delivered = delivered, .publishers = t->n_publishers,
			.name = tern_str_from_cstr(t->name), .excl_owner = t->excl_owner,
			.stored = dp_storage_stores(dp, t->name),
			.storage_errno = __atomic_load_n(&t->storage_errno, __ATOMIC_RELAXED),
			.storage_errors = t->storage_errors, .storage_lost = t->storage_lost,
			.storage_header_damage = t->storage_header_damage,
			.seq_limit = t->seq_limit };
	}
	/* Slots past tern-control's ranges are the storage role's own: they are
	 * not tern-control's to list or reclaim (telemetry shows them). */
	for (uint32_t i = 0; i < dp->cfg->max_subs && ns < RTE_DIM(ss); i++) {
		struct tern__sub *s = tern__shm_sub(shm, i);
		uint64_t dropped = 0, depth = 0;
		if (s->state != TERN__LIVE)
			continue;
		for (uint32_t k = 0; k < s->n_links; k++) {
			struct tern__link *l = tern__shm_link(shm, s->links[k]);
			dropped += l->dropped;
			depth += rte_ring_count(l->ring);
		}
		ss[ns++] = (struct DpSubStats){ .sub_id = i, .delivered = s->delivered,
			.dropped = dropped, .depth = (uint32_t)depth, .topics = s->n_links,
			.client_id = s->client_id, .pattern = tern_str_from_cstr(s->pattern),
			.policy = (uint8_t)s->policy, .ring_depth = s->depth };
	}
	for (uint32_t i = 0; i < dp->cfg->max_clients && nc < RTE_DIM(cs); i++) {
		struct tern__client *c = tern__shm_client(shm, i);
		if (!dp->clients[i].live)
			continue;
		cs[nc++] = (struct DpClientStats){ .client_id = i, .published = c->published,
			.polled = c->polled, .pid = c->pid, .lcore_id = c->lcore_id,
			.name = tern_str_from_cstr(c->name), .fenced = dp->clients[i].fenced,
			.pub_topics = { dp->clients[i].pubs, dp->clients[i].n_pubs } };
	}
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
		(void)m;
		return reply_stats(dp);
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
		cstr(name, sizeof(name), m.name);
		rv = m.name.len >= sizeof(name) ? -EINVAL
			: dp_topic_create(dp, m.topic_id, name, err, sizeof(err));
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
		if (m.sub_id >= dp->cfg->max_subs || m.client_id >= dp->cfg->max_clients) {
			rv = -EINVAL;
			snprintf(err, sizeof(err), "subscription %u / client %u out of range",
				 m.sub_id, m.client_id);
			break;
		}
		cstr(name, sizeof(name), m.pattern);
		if (m.has_fd && fd < 0) {
			rv = -EINVAL;
			snprintf(err, sizeof(err), "has_fd set but no fd passed");
			break;
		}
		rv = m.pattern.len >= sizeof(name) ? -EINVAL
			: dp_sub_create(dp, m.sub_id, m.client_id, name, m.policy, m.depth,
					m.has_fd ? fd : -1, err, sizeof(err));
		if (rv == 0)
			fd = -1;        /* kept */
		break;
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
