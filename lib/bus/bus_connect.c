/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Slow path of libtern: talking to tern-control (ctl.tmsg over a
 * SOCK_SEQPACKET socket, one request and one reply at a time) and
 * attaching to the dataplane's hugepages as a DPDK secondary process with
 * the EAL arguments tern-control hands out.
 *
 * The control socket also is our liveness signal: when this process dies
 * the kernel closes it, tern-control notices at once and tern-dataplane
 * reclaims what we held (bus_reclaim.c).  No heartbeat is needed.  The
 * other way round, tern-control's EOF fences us (bus_watch.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memzone.h>
#include <rte_service_component.h>

#include "ctl.tmsg.h"
#include "bus_eal_args.h"
#include "bus_pvt.h"
#include "tern_sock.h"

#define CTL_PROTO_VERSION 1
#define CTL_BUF 65536
#define DEFAULT_SOCKET "/run/tern/local/control.sock"
#define DEFAULT_TIMEOUT_MS 5000

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool g_attached;
/* Clients of this process (tern_connect() once per reactor thread): EAL is
 * attached by the first and cleaned up by the last to close. */
static unsigned g_clients;
static pthread_mutex_t g_attach_lock = PTHREAD_MUTEX_INITIALIZER;

static __thread uint8_t g_buf[CTL_BUF];

/* Wait until c's socket is readable or deadline (CLOCK_MONOTONIC ns, 0:
 * never).  The watcher may fence us meanwhile (tern-dataplane died while
 * tern-control is stopped): look at that every watcher period.
 * @return 0, -ETIMEDOUT or -ENOTCONN. */
static int wait_readable(struct tern_client *c, int64_t deadline)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	for (;;) {
		int ms = c->watching ? TERN__WATCH_PERIOD_MS : -1, n;

		if (tern__fenced(c))
			return -ENOTCONN;
		if (deadline) {
			int64_t left = deadline - mono_ns();
			if (left <= 0)
				return -ETIMEDOUT;
			if (ms < 0 || left < (int64_t)ms * 1000000)
				ms = (int)((left + 999999) / 1000000);
		}
		n = poll(&p, 1, ms);
		if (n > 0)
			return 0;       /* data, EOF or error: recv tells which */
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/*
 * Send a request, receive the reply into g_buf; returns its length or
 * -errno.  Every call is bounded by the connection's timeout.  A reply
 * that missed its deadline still arrives later, in order (tern-control
 * answers every request exactly once): it is counted in c->stale and
 * skipped before the next reply, so a late answer never passes for the
 * answer to a later request.
 */
static ssize_t ctl_call(struct tern_client *c, int64_t enc_len, int pass_fd)
{
	int64_t deadline = c->timeout_ms > 0 ? mono_ns() + (int64_t)c->timeout_ms * 1000000 : 0;
	ssize_t n;
	int rv;

	if (enc_len < 0)
		return -EINVAL;
	if (tern__fenced(c))
		return -ENOTCONN;       /* our ids belong to a past incarnation */
	rv = tern__sock_send(c->fd, g_buf, (size_t)enc_len, pass_fd);
	if (rv < 0)
		return rv == -EPIPE || rv == -ECONNRESET ? -ENOTCONN : rv;
	for (;;) {
		rv = wait_readable(c, deadline);
		if (rv < 0) {
			c->stale++;
			return rv;
		}
		n = tern__sock_recv(c->fd, g_buf, sizeof(g_buf), NULL);
		if (n == 0 || n == -ECONNRESET) {
			if (c->watching)
				tern__fence(c, "tern-control closed the connection");
			return -ENOTCONN;
		}
		if (n < 0 || c->stale == 0)
			return n;
		c->stale--;     /* the late answer to an abandoned request */
	}
}

static void call_failed(struct tern_client *c, const char *what, int rv)
{
	if (rv == -ENOTCONN && tern__fenced(c))
		tern__err_set("%s: not connected: %s", what, c->fence_why);
	else if (rv == -ETIMEDOUT)
		tern__err_set("%s: tern-control did not answer within %d ms (stopped or "
			      "overloaded?); set tern_connect_opts.timeout_ms to wait longer",
			      what, c->timeout_ms);
	else
		tern__err_set("%s: %s", what, tern_strerror(rv));
}

/* A request answered by CtlReply: status, error text, id. */
static int ctl_simple(struct tern_client *c, int64_t enc_len, int pass_fd, uint32_t *id,
		      const char *what)
{
	struct CtlReply r;
	ssize_t n = ctl_call(c, enc_len, pass_fd);

	if (n < 0) {
		call_failed(c, what, (int)n);
		return (int)n;
	}
	if (CtlReply_decode(&r, g_buf, (size_t)n) < 0) {
		tern__err_set("%s: malformed reply from tern-control", what);
		return -EPROTO;
	}
	if (r.status < 0) {
		tern__err_set("%s: %.*s", what, (int)r.error.len, r.error.ptr);
		return r.status;
	}
	if (id)
		*id = r.id;
	return 0;
}

static int cpu_list(uint16_t *cpus, unsigned max)
{
	cpu_set_t set;
	unsigned n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 0;
	for (unsigned i = 0; i < CPU_SETSIZE && n < max; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = (uint16_t)i;
	return (int)n;
}

static int attach(struct tern_client *c, const struct CtlHelloReply *r)
{
	/* rte_eal_init keeps pointers into argv: static, as EAL is once a process. */
	static struct tern__eal_argv eal;
	const struct rte_memzone *mz;
	char err[256];

	/* A later client of this process (another reactor thread) reuses the
	 * attachment: its lcore id is reserved by tern-control but not
	 * registered with EAL, which libtern's data path never asks for (the
	 * caches are per client slot, not per lcore: tern_pool.h). */
	if (!g_attached) {
		if (tern__eal_args_check(&r->eal_args, r->lcore_id, &eal, err, sizeof(err)) < 0) {
			tern__err_set("refusing tern-control's EAL arguments: %s", err);
			return -EPROTO;
		}
		if (rte_eal_init(eal.argc, eal.argv) < 0) {
			tern__err_set("EAL attach failed: %s (is tern-dataplane running?)",
				      rte_strerror(rte_errno));
			return -ENODEV;
		}
		/* EAL's service library allocates its tables (about 156 KB)
		 * in the primary's shared heap at every process's init, freed
		 * only at rte_eal_cleanup(): each client killed with kill -9
		 * leaked them, and the leaks grew the heap, each growth a
		 * memory hotplug synchronised with every attached process.
		 * Clients run no DPDK service: give them back at once. */
		rte_service_finalize();
		g_attached = true;
	}
	mz = rte_memzone_lookup(TERN_SHM_NAME);
	if (mz == NULL) {
		tern__err_set("no '%s' memzone: not a tern dataplane", TERN_SHM_NAME);
		return -ENODEV;
	}
	c->shm = mz->addr;
	if (__atomic_load_n(&c->shm->magic, __ATOMIC_ACQUIRE) != TERN_SHM_MAGIC ||
	    c->shm->version != TERN_SHM_VERSION) {
		tern__err_set("shared state version %u, expected %u", c->shm->version,
			      TERN_SHM_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (tern__client_bind(c, rte_socket_id()) < 0)
		return -EPROTO;
	/* Mempool ops are referenced by table index, and the table is filled
	 * in load order: a client linked differently from the dataplane would
	 * call the wrong handler.  Refuse rather than corrupt the pool. */
	if (strcmp(rte_mempool_get_ops(c->pool->ops_index)->name, TERN_POOL_OPS) != 0) {
		tern__err_set("mempool ops mismatch: index %d is '%s' here; link like tern-dataplane",
			      c->pool->ops_index, rte_mempool_get_ops(c->pool->ops_index)->name);
		return -ENODEV;
	}
	return 0;
}

int tern_connect(const struct tern_connect_opts *opts, struct tern_client **out)
{
	const char *path = opts && opts->socket ? opts->socket : getenv("TERN_SOCKET");
	const char *name = opts && opts->name ? opts->name : program_invocation_short_name;
	uint16_t cpus[256];
	struct CtlHello h = { .proto_version = CTL_PROTO_VERSION, .peer = CtlPeer_APP,
			      .pid = (uint32_t)getpid(), .name = tern_str_from_cstr(name) };
	struct CtlHelloReply r;
	struct tern_client *c;
	ssize_t n;
	int rv;

	if (__atomic_load_n(&g_attached, __ATOMIC_ACQUIRE) &&
	    __atomic_load_n(&g_clients, __ATOMIC_ACQUIRE) == 0) {
		tern__err_set("tern_connect: this process closed its last client (EAL cannot be "
			      "initialised twice)");
		return -EALREADY;
	}
	if (path == NULL)
		path = DEFAULT_SOCKET;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	c->dp_pidfd = -1;
	c->watch_wake = -1;
	c->fd = tern__sock_connect(path);
	if (c->fd < 0) {
		rv = c->fd;
		tern__err_set("tern_connect: %s: %s (is tern-control running?)", path, strerror(-rv));
		free(c);
		return rv;
	}
	h.cpus.data = cpus;
	h.cpus.count = (uint32_t)cpu_list(cpus, RTE_DIM(cpus));
	n = ctl_call(c, CtlHello_encode(&h, g_buf, sizeof(g_buf)), -1);
	if (n < 0 || CtlHelloReply_decode(&r, g_buf, (size_t)n) < 0) {
		rv = n < 0 ? (int)n : -EPROTO;
		if (n < 0)
			call_failed(c, "tern_connect", rv);
		else
			tern__err_set("tern_connect: malformed hello reply");
		goto fail;
	}
	if (r.status < 0) {
		rv = r.status;
		tern__err_set("tern_connect: %.*s", (int)r.error.len, r.error.ptr);
		goto fail;
	}
	c->client_id = r.client_id;
	c->lcore_id = r.lcore_id;
	pthread_mutex_lock(&g_attach_lock);
	rv = attach(c, &r);
	if (rv == 0)
		rv = tern__watch_start(c);
	if (rv == 0)
		g_clients++;
	pthread_mutex_unlock(&g_attach_lock);
	if (rv < 0) {
		tern__err_append("tern_connect: attaching as client %u, lcore %u", c->client_id,
				 c->lcore_id);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	close(c->fd);
	free(c);
	return rv;
}

int tern_topic_create(struct tern_client *c, const char *name)
{
	struct CtlTopicCreate m = { .name = tern_str_from_cstr(name) };

	return ctl_simple(c, CtlTopicCreate_encode(&m, g_buf, sizeof(g_buf)), -1, NULL,
			  "topic create");
}

int tern_topic_lookup(struct tern_client *c, const char *name)
{
	struct CtlTopicLookup m = { .name = tern_str_from_cstr(name) };
	uint32_t id = 0;
	int rv = ctl_simple(c, CtlTopicLookup_encode(&m, g_buf, sizeof(g_buf)), -1, &id,
			    "topic lookup");

	return rv < 0 ? rv : (int)id;
}

const char *tern_topic_name(struct tern_client *c, uint32_t topic_id)
{
	if (topic_id >= c->shm->max_topics)
		return NULL;
	struct tern__topic *t = tern__shm_topic(c->shm, topic_id);
	return t->state == TERN__LIVE ? t->name : NULL;
}

int tern_pub_open(struct tern_client *c, const char *topic, unsigned flags, struct tern_pub **out)
{
	struct CtlPubOpen m = { .topic = tern_str_from_cstr(topic),
				.exclusive = (flags & TERN_PUB_EXCLUSIVE) != 0 };
	struct tern_pub *p;
	uint32_t id = 0;
	int rv;

	rv = ctl_simple(c, CtlPubOpen_encode(&m, g_buf, sizeof(g_buf)), -1, &id, "publisher open");
	if (rv < 0)
		return rv;
	if (id >= c->shm->max_topics)
		return -EPROTO;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->c = c;
	p->t = tern__shm_topic(c->shm, id);
	p->topic_id = id;
	p->owner = c->client_id + 1;
	p->exclusive = m.exclusive;
	p->next = c->pubs;
	c->pubs = p;
	*out = p;
	return 0;
}

void tern_pub_close(struct tern_pub *p)
{
	struct tern_client *c;
	struct tern_pub **pp;

	if (p == NULL)
		return;
	c = p->c;
	struct CtlPubClose m = { .topic_id = p->topic_id };
	ctl_simple(c, CtlPubClose_encode(&m, g_buf, sizeof(g_buf)), -1, NULL, "publisher close");
	for (pp = &c->pubs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
}

int tern_sub_open(struct tern_client *c, const char *pattern, const struct tern_sub_opts *opts,
		  struct tern_sub **out)
{
	struct tern_sub_opts o = opts ? *opts : (struct tern_sub_opts){ 0 };
	struct CtlSubOpen m = { .pattern = tern_str_from_cstr(pattern), .policy = (CtlPolicy)o.policy,
				.depth = o.depth, .has_fd = o.want_fd };
	struct tern_sub *s;
	uint32_t id = 0;
	int efd = -1, rv;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->slot_of_topic = calloc(c->shm->max_topics, 1);
	if (s->slot_of_topic == NULL) {
		free(s);
		return -ENOMEM;
	}
	if (o.want_fd) {
		efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (efd < 0) {
			rv = -errno;
			goto fail;
		}
	}
	rv = ctl_simple(c, CtlSubOpen_encode(&m, g_buf, sizeof(g_buf)), efd, &id,
			"subscription open");
	if (rv == 0 && id >= c->shm->max_subs)
		rv = -EPROTO;
	if (rv < 0)
		goto fail;
	s->c = c;
	s->sub_id = id;
	s->s = tern__shm_sub(c->shm, id);
	s->fd = efd;
	tern__sub_refresh(s);
	if (o.start != TERN_START_LIVE && (rv = tern__replay_open(s, pattern, &o)) < 0) {
		struct CtlSubClose cm = { .sub_id = id };
		ctl_simple(c, CtlSubClose_encode(&cm, g_buf, sizeof(g_buf)), -1, NULL,
			   "subscription close");
		goto fail;
	}
	s->next = c->subs;
	c->subs = s;
	*out = s;
	return 0;
fail:
	if (efd >= 0)
		close(efd);
	free(s->slot_of_topic);
	free(s);
	return rv;
}

void tern_sub_close(struct tern_sub *h)
{
	struct tern__sub *s;
	struct tern_client *c;
	struct tern_sub **pp;

	if (h == NULL)
		return;
	c = h->c;
	s = h->s;
	/* Release whatever the application still holds, then let go. */
	for (uint32_t i = s->held_head; i != s->held_tail; i++) {
		struct rte_mbuf *m = tern__untag(s->held[i & (TERN_HELD_MAX - 1)]);
		if (m) {
			const struct tern_msg *msg = tern__msg(m);
			tern_release(h, &msg, 1);
		}
	}
	tern__replay_close(h);
	struct CtlSubClose m = { .sub_id = h->sub_id };
	ctl_simple(c, CtlSubClose_encode(&m, g_buf, sizeof(g_buf)), -1, NULL, "subscription close");
	if (h->fd >= 0)
		close(h->fd);
	for (pp = &c->subs; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	free(h->slot_of_topic);
	free(h);
}

void tern_close(struct tern_client *c)
{
	if (c == NULL)
		return;
	while (c->subs)
		tern_sub_close(c->subs);
	while (c->pubs)
		tern_pub_close(c->pubs);
	for (unsigned i = 0; i < TERN_ALLOC_MAX; i++) {
		if (c->slot->alloc[i]) {
			tern__buf_free(c, c->slot->alloc[i]);
			rte_compiler_barrier();
			c->slot->alloc[i] = NULL;
		}
	}
	/* Closing the socket tells tern-control we are gone; tern-dataplane
	 * then returns our cached buffers and frees our slot and lcore id.
	 * The watcher polls that socket: stop it first. */
	tern__watch_stop(c);
	close(c->fd);
	free(c);
	pthread_mutex_lock(&g_attach_lock);
	if (--g_clients == 0)
		rte_eal_cleanup();
	pthread_mutex_unlock(&g_attach_lock);
}

int64_t tern_now_ns(struct tern_client *c)
{
	return tern__clock_ns(&c->shm->clock, rte_rdtsc());
}

void tern_pool_info(struct tern_client *c, uint64_t *free_bufs, uint64_t *size)
{
	uint64_t f = 0, n = 0;

	for (unsigned i = 0; i < RTE_MAX_NUMA_NODES; i++) {
		struct rte_mempool *mp = c->shm->pools[i];
		if (mp) {
			f += rte_mempool_avail_count(mp);
			n += mp->size;
		}
	}
	f += tern__cached_free(c->shm);
	if (free_bufs)
		*free_bufs = f;
	if (size)
		*size = n;
}
