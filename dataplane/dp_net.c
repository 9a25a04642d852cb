/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Node links: the ports, the link itself (HELLO heartbeats, timeout, a
 * restarted peer) and the receive path with its fault injection.  The
 * streams are dp_net_out.c (we send) and dp_net_in.c (we receive).
 *
 * The I/O role runs on the main lcore, in its loop (dp_main.c): while a
 * port is up the loop never sleeps, and the control socket is looked at
 * only once per millisecond, with a zero timeout, so the steady state has
 * no system call (tests/integration/it_net.sh checks with strace).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_random.h>
#include <rte_telemetry.h>

#include "dp_net_pvt.h"

struct dp_port dp_ports[TERN_CFG_PORTS_MAX];
unsigned dp_n_ports;
static struct tern__shm *g_shm;

int64_t dp_net_now(void)
{
	return tern__clock_ns(&g_shm->clock, rte_rdtsc());
}

bool dp_net_active(void)
{
	return dp_n_ports != 0;
}

int dp_net_eal_args(const struct tern_config *cfg, char (*buf)[256], int max)
{
	int n = 0;

	for (unsigned i = 0; i < cfg->n_ports && n < max; i++)
		if (cfg->ports[i].vdev[0])
			snprintf(buf[n++], 256, "--vdev=%s", cfg->ports[i].vdev);
	return n;
}

/* The ethdev name of a port: the vdev's driver instance, or the PCI address. */
static void dev_name(const struct tern_port_cfg *pc, char *out, size_t len)
{
	const char *src = pc->vdev[0] ? pc->vdev : pc->pci;
	size_t n = strcspn(src, ",");

	snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), src);
}

static int port_start(struct dp *dp, struct dp_port *p, unsigned index)
{
	const struct tern_port_cfg *pc = p->cfg;
	struct rte_eth_conf conf = { 0 };
	struct rte_ether_addr mac;
	char name[128], err[256];
	unsigned n_mbufs, socket = rte_socket_id();
	uint16_t rxd = (uint16_t)pc->rx_desc, txd = (uint16_t)pc->tx_desc;
	int rv;

	dev_name(pc, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) != 0) {
		DP_LOG(ERR, "%s: [port.%s] no DPDK port '%s' (from %s)", dp->cfg->source, pc->name,
		       name, pc->vdev[0] ? "vdev" : "pci");
		return -ENODEV;
	}
	/* One pool per port for both directions: sized for the sender's
	 * window, the receiver's holds, the descriptors and fault delays. */
	n_mbufs = 2 * pc->window + 4 * pc->rx_window + 2u * (rxd + txd) + DP_NET_LATE_MAX + 1024;
	snprintf(name, sizeof(name), "tern_net_%u", index);
	p->mtu = pc->mtu;
	p->pool = rte_pktmbuf_pool_create(name, n_mbufs, 256, 0,
					  (uint16_t)RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
							    p->mtu + TERN_NET_ETH_LEN +
							    RTE_PKTMBUF_HEADROOM),
					  (int)socket);
	if (p->pool == NULL) {
		DP_LOG(ERR, "[port.%s] cannot make its pool of %u frames: %s", pc->name, n_mbufs,
		       rte_strerror(rte_errno));
		return -rte_errno;
	}
	if ((rv = rte_eth_dev_configure(p->port_id, 1, 1, &conf)) < 0 ||
	    (rv = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd)) < 0 ||
	    (rv = rte_eth_rx_queue_setup(p->port_id, 0, rxd, socket, NULL, p->pool)) < 0 ||
	    (rv = rte_eth_tx_queue_setup(p->port_id, 0, txd, socket, NULL)) < 0 ||
	    (rv = rte_eth_dev_start(p->port_id)) < 0) {
		DP_LOG(ERR, "[port.%s] cannot start port %u: %s", pc->name, p->port_id,
		       strerror(-rv));
		return rv;
	}
	rte_eth_promiscuous_enable(p->port_id);     /* vdevs may refuse: harmless */
	if (pc->have_mac) {
		memcpy(p->addr.src_mac, pc->mac, 6);
	} else if (rte_eth_macaddr_get(p->port_id, &mac) == 0) {
		memcpy(p->addr.src_mac, mac.addr_bytes, 6);
	}
	memcpy(p->addr.dst_mac, pc->peer_mac, 6);
	p->addr.src_ip = pc->ip;
	p->addr.dst_ip = pc->peer_ip;
	p->addr.src_port = pc->udp_port;
	p->addr.dst_port = pc->peer_udp_port;
	do
		p->session = (uint32_t)rte_rand();
	while (p->session == 0);
	do
		p->stream_tag = (uint32_t)rte_rand() & 0xffffff;
	while (p->stream_tag == 0);
	p->rng = pc->fault_seed ? pc->fault_seed : 1;
	p->f_loss = pc->fault_loss_ppm;
	p->f_dup = pc->fault_dup_ppm;
	p->f_reorder = pc->fault_reorder_ppm;
	p->f_delay_us = pc->fault_delay_us;
	p->hb_ns = (int64_t)pc->heartbeat_ms * 1000000;
	p->timeout_ns = (int64_t)pc->link_timeout_ms * 1000000;
	/* Our client slot for this port's publishers and subscriptions, past
	 * tern-control's range and the storage role's. */
	p->client_id = dp->cfg->max_clients + 1 + index;
	snprintf(name, sizeof(name), "tern-dataplane/port.%s", pc->name);
	rv = dp_client_attach(dp, p->client_id, rte_get_main_lcore(), (uint32_t)getpid(), name,
			      err, sizeof(err));
	if (rv < 0) {
		DP_LOG(ERR, "[port.%s] %s", pc->name, err);
		return rv;
	}
	p->client.fd = -1;
	p->client.shm = dp->shm;
	p->client.client_id = p->client_id;
	if (tern__client_bind(&p->client, socket) < 0)
		return -EPROTO;
	DP_LOG(NOTICE, "port.%s: port %u up, %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u, mtu %u, session %08x",
	       pc->name, p->port_id, pc->ip >> 24, pc->ip >> 16 & 255, pc->ip >> 8 & 255,
	       pc->ip & 255, pc->udp_port, pc->peer_ip >> 24, pc->peer_ip >> 16 & 255,
	       pc->peer_ip >> 8 & 255, pc->peer_ip & 255, pc->peer_udp_port, p->mtu, p->session);
	return 0;
}

int dp_net_init(struct dp *dp)
{
	const struct tern_config *cfg = dp->cfg;

	g_shm = dp->shm;
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		struct dp_port *p = &dp_ports[i];
		int rv;

		memset(p, 0, sizeof(*p));
		p->cfg = &cfg->ports[i];
		p->index = i;
		if (p->cfg->lcore != UINT32_MAX && p->cfg->lcore != rte_get_main_lcore()) {
			DP_LOG(ERR, "%s: [port.%s] lcore %u: the I/O role runs on the main lcore "
			       "(%u) in this version; remove the key or set it to %u", cfg->source,
			       p->cfg->name, p->cfg->lcore, rte_get_main_lcore(), rte_get_main_lcore());
			return -ENOTSUP;
		}
		if ((rv = port_start(dp, p, i)) < 0)
			return rv;
		dp_n_ports = i + 1;
	}
	/* Topics that exist already (none at start; kept for clarity). */
	for (uint32_t id = 0; id < dp->shm->max_topics; id++)
		if (tern__shm_topic(dp->shm, id)->state == TERN__LIVE)
			dp_net_topic_created(dp, id);
	return 0;
}

struct rte_mbuf *dp_net_frame(struct dp_port *p, const struct tern_net_hdr *h)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);

	if (m == NULL) {
		p->st.nobufs++;
		return NULL;
	}
	tern_net_frame_begin(rte_pktmbuf_mtod(m, uint8_t *), &p->addr, h);
	return m;
}

void dp_net_send(struct dp_port *p, struct rte_mbuf *m)
{
	if (p->n_txq == RTE_DIM(p->txq)) {
		uint16_t k = rte_eth_tx_burst(p->port_id, 0, p->txq, (uint16_t)p->n_txq);
		p->st.frames_out += k;
		memmove(p->txq, p->txq + k, (p->n_txq - k) * sizeof(p->txq[0]));
		p->n_txq -= k;
		if (p->n_txq == RTE_DIM(p->txq)) {
			/* The port is full: the frame is lost like on a wire
			 * (held frames are NAKed and sent again). */
			p->st.tx_full++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	p->st.bytes_out += m->pkt_len;
	p->txq[p->n_txq++] = m;
}

static void tx_flush(struct dp_port *p)
{
	uint16_t k;

	if (p->n_txq == 0)
		return;
	k = rte_eth_tx_burst(p->port_id, 0, p->txq, (uint16_t)p->n_txq);
	p->st.frames_out += k;
	if (k < p->n_txq)
		memmove(p->txq, p->txq + k, (p->n_txq - k) * sizeof(p->txq[0]));
	p->n_txq -= k;
}

void dp_net_ctl(struct dp_port *p, uint8_t type, uint16_t flags, uint32_t stream,
		uint64_t seq, uint64_t arg, const void *body, uint16_t len)
{
	struct tern_net_hdr h = { .type = type, .flags = flags, .count = len,
				  .session = p->session, .stream = stream, .seq = seq, .arg = arg };
	struct rte_mbuf *m = dp_net_frame(p, &h);
	uint32_t total = TERN_NET_L2L4_LEN + TERN_NET_HDR_LEN + len;

	if (m == NULL)
		return;
	if (len)
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, TERN_NET_L2L4_LEN + TERN_NET_HDR_LEN),
		       body, len);
	tern_net_frame_end(rte_pktmbuf_mtod(m, uint8_t *), total, len);
	m->data_len = (uint16_t)total;
	m->pkt_len = total;
	dp_net_send(p, m);
}

void dp_net_release(void *frame, void *arg)
{
	(void)arg;
	rte_pktmbuf_free((struct rte_mbuf *)frame);
}

/* The peer's incarnation changed (or we lost it): its streams are over. */
static void peer_lost(struct dp *dp, struct dp_port *p, const char *why)
{
	for (unsigned i = 0; i < DP_NET_STREAMS_MAX; i++) {
		if (p->outs[i].live)
			dp_out_close(dp, p, &p->outs[i]);
		if (p->ins[i].state == DP_IN_ACTIVE)
			dp_in_reset(p, &p->ins[i]);
	}
	if (p->up) {
		p->up = false;
		p->st.links_down++;
		DP_LOG(WARNING, "port.%s: link to %s down: %s", p->cfg->name,
		       p->peer_name[0] ? p->peer_name : "peer", why);
	}
}

/* A HELLO, or a REQ (which proves the link as well): only a HELLO's body
 * is the peer's node name (a REQ's is a topic). */
static void on_hello(struct dp_port *p, const struct tern_net_view *v)
{
	if (v->h.type == TERN_NET_HELLO)
		snprintf(p->peer_name, sizeof(p->peer_name), "%.*s", (int)v->body_len,
			 (const char *)v->body);
	if (!p->up && p->peer_name[0]) {    /* a first REQ waits for the HELLO's name */
		p->up = true;
		p->st.links_up++;
		DP_LOG(NOTICE, "port.%s: link to %s up (session %08x)", p->cfg->name,
		       p->peer_name, v->h.session);
	}
}

/* A device whose own buffers are smaller than the MTU (memif's are 2 KiB
 * unless told otherwise) hands a jumbo frame over as a chain.  The parser
 * and the receive window want one contiguous frame, so such a frame is
 * copied once into a whole-frame buffer of the port's pool, and counted:
 * a config that makes every frame chained shows it in `link stats`. */
static struct rte_mbuf *unchain(struct dp_port *p, struct rte_mbuf *m)
{
	struct rte_mbuf *c;
	const void *src;

	if (m->pkt_len > TERN_NET_ETH_LEN + p->mtu || (c = rte_pktmbuf_alloc(p->pool)) == NULL ||
	    rte_pktmbuf_tailroom(c) < m->pkt_len) {
		if (m->pkt_len <= TERN_NET_ETH_LEN + p->mtu) {
			p->st.nobufs++;
		}
		return m;       /* refused below as a bad length */
	}
	src = rte_pktmbuf_read(m, 0, m->pkt_len, rte_pktmbuf_mtod(c, void *));
	if (src != rte_pktmbuf_mtod(c, void *))
		memcpy(rte_pktmbuf_mtod(c, void *), src, m->pkt_len);
	c->data_len = (uint16_t)m->pkt_len;
	c->pkt_len = m->pkt_len;
	p->st.rx_chained++;
	rte_pktmbuf_free(m);
	return c;
}

/* A HELLO says when the peer sent it (seq), echoes the send time of our
 * last HELLO it had (arg) and how long it held that one (stream, ns): our
 * clock on both ends of the difference, the peer's wait taken out. */
static void hello_rtt(struct dp_port *p, const struct tern_net_view *v, int64_t now)
{
	p->peer_hello_ts = v->h.seq;
	p->peer_hello_rx_ns = now;
	if (v->h.arg == 0 || v->h.arg > (uint64_t)now)
		return;
	int64_t rtt = now - (int64_t)v->h.arg - (int64_t)v->h.stream;
	if (rtt <= 0 || rtt > 10 * (int64_t)1000000000)
		return;         /* an old echo, or a forged one */
	p->st.rtt_ns = (uint64_t)rtt;
	p->st.srtt_ns = p->st.srtt_ns ? (7 * p->st.srtt_ns + (uint64_t)rtt) / 8 : (uint64_t)rtt;
}

static void dispatch(struct dp *dp, struct dp_port *p, struct rte_mbuf *m, int64_t now)
{
	struct tern_net_view v;
	enum tern_net_bad bad;

	p->st.frames_in++;
	p->st.bytes_in += m->pkt_len;
	if (m->nb_segs != 1)
		m = unchain(p, m);
	bad = m->nb_segs != 1 ? TERN_NET_BAD_LEN
			      : tern_net_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
					       p->cfg->udp_port, dp->shm->msg_size, &v);
	if (bad == TERN_NET_OK && v.src_ip != p->cfg->peer_ip)
		bad = TERN_NET_BAD_NOT_OURS;
	if (bad != TERN_NET_OK) {
		p->st.bad[bad]++;
		DP_LOG_RL(DEBUG, "port.%s: frame refused: %s", p->cfg->name, tern_net_bad_name[bad]);
		rte_pktmbuf_free(m);
		return;
	}
	p->last_rx_ns = now;
	if (v.h.session != p->peer_session) {
		if (p->peer_session != 0) {
			p->st.peer_restarts++;
			peer_lost(dp, p, "the peer restarted");
		}
		p->peer_session = v.h.session;
	}
	switch (v.h.type) {
	case TERN_NET_HELLO:
		on_hello(p, &v);
		hello_rtt(p, &v, now);
		break;
	case TERN_NET_REQ:
		on_hello(p, &v);
		dp_out_req(dp, p, &v);
		break;
	case TERN_NET_NAK:
		dp_out_nak(p, &v);
		break;
	case TERN_NET_STATUS:
		if (!(v.h.flags & TERN_NET_F_SENDER)) {
			dp_out_status(p, &v);
			break;
		}
		/* a sender's STATUS is for an in-stream */
		/* fall through */
	case TERN_NET_DATA:
	case TERN_NET_REFUSE:
		dp_in_frame(p, &v, m);  /* takes m */
		return;
	}
	rte_pktmbuf_free(m);
}

static inline uint32_t rnd_ppm(struct dp_port *p)
{
	/* xorshift64: reproducible from [port] fault_seed */
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return (uint32_t)(p->rng % 1000000);
}

/* Fault injection, off unless configured: loss, duplication, reordering
 * (held back up to 200 us) and a fixed delay, in the receive path. */
static inline uint32_t fault(const uint32_t *f)
{
	return __atomic_load_n(f, __ATOMIC_RELAXED);  /* the telemetry thread writes it */
}

static void rx_faults(struct dp *dp, struct dp_port *p, struct rte_mbuf *m, int64_t now)
{
	uint32_t loss = fault(&p->f_loss), dup = fault(&p->f_dup), late = fault(&p->f_reorder);
	int64_t delay = (int64_t)fault(&p->f_delay_us) * 1000;

	if (loss && rnd_ppm(p) < loss) {
		p->st.fault_lost++;
		rte_pktmbuf_free(m);
		return;
	}
	if (dup && rnd_ppm(p) < dup) {
		p->st.fault_duped++;
		rte_pktmbuf_refcnt_update(m, 1);
		if (p->n_late < DP_NET_LATE_MAX) {
			p->late[p->n_late].m = m;
			p->late[p->n_late++].at = now + delay + 20000;
		} else {
			rte_pktmbuf_free(m);
		}
	}
	if (late && rnd_ppm(p) < late) {
		p->st.fault_late++;
		delay += 1000 + (int64_t)(rnd_ppm(p) % 200) * 1000;
	}
	if (delay && p->n_late < DP_NET_LATE_MAX) {
		p->late[p->n_late].m = m;
		p->late[p->n_late++].at = now + delay;
		return;
	}
	dispatch(dp, p, m, now);
}

static uint32_t port_poll(struct dp *dp, struct dp_port *p, int64_t now)
{
	struct rte_mbuf *rx[DP_NET_BURST];
	uint16_t n = rte_eth_rx_burst(p->port_id, 0, rx, DP_NET_BURST);
	bool faults = fault(&p->f_loss) | fault(&p->f_dup) | fault(&p->f_reorder) |
		      fault(&p->f_delay_us);
	uint32_t work = n;

	for (uint16_t i = 0; i < n; i++) {
		if (faults)
			rx_faults(dp, p, rx[i], now);
		else
			dispatch(dp, p, rx[i], now);
	}
	for (unsigned i = 0; i < p->n_late;) {
		if (p->late[i].at <= now) {
			struct rte_mbuf *m = p->late[i].m;
			p->late[i] = p->late[--p->n_late];
			dispatch(dp, p, m, now);
			work++;
		} else {
			i++;
		}
	}
	if (now - p->hello_ns >= p->hb_ns) {
		p->hello_ns = now;
		int64_t held = p->peer_hello_ts ? now - p->peer_hello_rx_ns : 0;
		dp_net_ctl(p, TERN_NET_HELLO, 0, (uint32_t)RTE_MIN(held, (int64_t)UINT32_MAX),
			   (uint64_t)now, held <= UINT32_MAX ? p->peer_hello_ts : 0, dp->cfg->node_name,
			   (uint16_t)strnlen(dp->cfg->node_name, sizeof(dp->cfg->node_name)));
	}
	if (p->up && now - p->last_rx_ns > p->timeout_ns)
		peer_lost(dp, p, "nothing heard within link_timeout_ms");
	work += dp_in_poll(dp, p, now);
	work += dp_out_poll(dp, p, now);
	tx_flush(p);
	return work;
}

uint32_t dp_net_poll(struct dp *dp)
{
	uint32_t work = 0;
	int64_t now;

	if (dp_n_ports == 0)
		return 0;
	now = dp_net_now();
	for (unsigned i = 0; i < dp_n_ports; i++)
		work += port_poll(dp, &dp_ports[i], now);
	return work;
}

void dp_net_topic_created(struct dp *dp, uint32_t id)
{
	const char *name = tern__shm_topic(dp->shm, id)->name;

	for (unsigned i = 0; i < dp_n_ports; i++) {
		const struct tern_port_cfg *pc = dp_ports[i].cfg;
		for (unsigned k = 0; k < pc->n_imports; k++)
			if (tern_topic_match(pc->imports[k], name)) {
				dp_in_open(dp, &dp_ports[i], id, false);
				return;     /* one home: the first port that imports it */
			}
	}
}

void dp_net_topic_deleting(struct dp *dp, uint32_t id)
{
	for (unsigned i = 0; i < dp_n_ports; i++) {
		struct dp_port *p = &dp_ports[i];
		for (unsigned k = 0; k < DP_NET_STREAMS_MAX; k++) {
			if (p->ins[k].state != DP_IN_OFF && p->ins[k].topic_id == id)
				dp_in_close(dp, p, &p->ins[k]);
			if (p->outs[k].live && p->outs[k].topic_id == id)
				dp_out_close(dp, p, &p->outs[k]);
		}
	}
}

const char *dp_net_importer(const struct dp *dp, const char *name)
{
	(void)dp;
	for (unsigned i = 0; i < dp_n_ports; i++) {
		const struct tern_port_cfg *pc = dp_ports[i].cfg;
		for (unsigned k = 0; k < pc->n_imports; k++)
			if (tern_topic_match(pc->imports[k], name))
				return pc->name;
	}
	return NULL;
}

void dp_net_close(struct dp *dp)
{
	for (unsigned i = 0; i < dp_n_ports; i++) {
		struct dp_port *p = &dp_ports[i];
		for (unsigned k = 0; k < DP_NET_STREAMS_MAX; k++) {
			if (p->ins[k].state != DP_IN_OFF)
				dp_in_close(dp, p, &p->ins[k]);
			if (p->outs[k].live)
				dp_out_close(dp, p, &p->outs[k]);
		}
		tx_flush(p);
		for (unsigned k = 0; k < p->n_late; k++)
			rte_pktmbuf_free(p->late[k].m);
		for (unsigned k = 0; k < p->n_txq; k++)
			rte_pktmbuf_free(p->txq[k]);
		p->n_late = p->n_txq = 0;
		rte_eth_dev_stop(p->port_id);
		rte_eth_dev_close(p->port_id);
	}
	dp_n_ports = 0;
}

size_t dp_net_describe(char *buf, size_t len)
{
	size_t n = 0;

	for (unsigned i = 0; i < dp_n_ports && n < len; i++) {
		const struct dp_port *p = &dp_ports[i];
		const struct dp_port_stats *s = &p->st;
		uint64_t bad = 0, gaps = 0;
		unsigned ins = 0, outs = 0;
		for (unsigned k = 1; k < TERN_NET_BAD_MAX; k++)
			bad += k == TERN_NET_BAD_NOT_OURS ? 0 : s->bad[k];
		for (unsigned k = 0; k < DP_NET_STREAMS_MAX; k++) {
			ins += p->ins[k].state != DP_IN_OFF;
			outs += p->outs[k].live;
			gaps += p->ins[k].gap_msgs;
		}
		n += (size_t)snprintf(buf + n, len - n,
			"port.%s peer=%s up=%d streams_in=%u streams_out=%u frames_in=%llu "
			"frames_out=%llu bytes_in=%llu bytes_out=%llu naks_in=%llu naks_out=%llu "
			"resent=%llu stalls=%llu dups=%llu bad=%llu gaps=%llu nobufs=%llu "
			"fault_lost=%llu fault_duped=%llu fault_late=%llu peer_restarts=%llu\n",
			p->cfg->name, p->peer_name[0] ? p->peer_name : "-", p->up, ins, outs,
			(unsigned long long)s->frames_in, (unsigned long long)s->frames_out,
			(unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out,
			(unsigned long long)s->naks_in, (unsigned long long)s->naks_out,
			(unsigned long long)s->resent, (unsigned long long)s->stalls,
			(unsigned long long)s->dups, (unsigned long long)bad,
			(unsigned long long)gaps, (unsigned long long)s->nobufs,
			(unsigned long long)s->fault_lost, (unsigned long long)s->fault_duped,
			(unsigned long long)s->fault_late, (unsigned long long)s->peer_restarts);
	}
	return n < len ? n : len;
}

/* /tern/ports: one dict per port ("port0", ...), read by the telemetry
 * thread while the I/O role counts (plain loads of 64-bit counters). */
static int tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	if (rte_tel_data_start_dict(d) < 0)
		return -EINVAL;
	for (unsigned i = 0; i < dp_n_ports; i++) {
		const struct dp_port *p = &dp_ports[i];
		const struct dp_port_stats *s = &p->st;
		struct rte_tel_data *x = rte_tel_data_alloc();
		uint64_t bad = 0, gaps = 0, gap_msgs = 0, ins = 0, outs = 0, blocked = 0;
		char key[16];
		int rv = 0;

		if (x == NULL)
			return -ENOMEM;
		for (unsigned k = 1; k < TERN_NET_BAD_MAX; k++)
			bad += k == TERN_NET_BAD_NOT_OURS ? 0 : s->bad[k];
		for (unsigned k = 0; k < DP_NET_STREAMS_MAX; k++) {
			ins += p->ins[k].state != DP_IN_OFF;
			outs += p->outs[k].live;
			gaps += p->ins[k].gaps;
			gap_msgs += p->ins[k].gap_msgs;
			blocked += p->ins[k].blocked;
		}
		rte_tel_data_start_dict(x);
		rv |= rte_tel_data_add_dict_string(x, "name", p->cfg->name);
		rv |= rte_tel_data_add_dict_string(x, "peer", p->peer_name[0] ? p->peer_name : "-");
		rv |= rte_tel_data_add_dict_u64(x, "up", p->up);
#define U(k, v) rv |= rte_tel_data_add_dict_u64(x, k, v)
		U("streams_in", ins);
		U("streams_out", outs);
		U("frames_in", s->frames_in);
		U("frames_out", s->frames_out);
		U("bytes_in", s->bytes_in);
		U("bytes_out", s->bytes_out);
		U("naks_in", s->naks_in);
		U("naks_out", s->naks_out);
		U("retransmits", s->resent);
		U("window_stalls", s->stalls);
		U("dup_frames", s->dups);
		U("bad_frames", bad);
		U("gaps", gaps);
		U("gap_msgs", gap_msgs);
		U("delivery_waits", blocked);
		U("nobufs", s->nobufs);
		U("rx_chained", s->rx_chained);
		U("renumbered", s->renumbered);
		U("rtt_ns", s->srtt_ns);
		U("rtt_last_ns", s->rtt_ns);
		U("tx_drops", s->tx_full);
		U("refused", s->refused);
		U("links_up", s->links_up);
		U("links_down", s->links_down);
		U("peer_restarts", s->peer_restarts);
		U("fault_lost", s->fault_lost);
		U("fault_duped", s->fault_duped);
		U("fault_late", s->fault_late);
#undef U
		snprintf(key, sizeof(key), "port%u", i);
		if (rv != 0 || rte_tel_data_add_dict_container(d, key, x, 0) < 0) {
			rte_tel_data_free(x);
			return -ENOSPC;
		}
	}
	return 0;
}

/* /tern/port_faults,NAME[,loss=PPM][,dup=PPM][,reorder=PPM][,delay_us=US]:
 * the port's fault injection, changed when values are given (each at most
 * 50 %, delay at most 1 s), as it now is.  The telemetry socket is the
 * dataplane's own, root's alone (ternctl link fault). */
static int tel_port_faults(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[256], *save = NULL, *tok;
	struct dp_port *p = NULL;
	uint32_t v[4];

	(void)cmd;
	if (params == NULL || snprintf(buf, sizeof(buf), "%s", params) >= (int)sizeof(buf))
		return -EINVAL;
	tok = strtok_r(buf, ",", &save);
	for (unsigned i = 0; tok && i < dp_n_ports; i++)
		if (strcmp(dp_ports[i].cfg->name, tok) == 0)
			p = &dp_ports[i];
	if (p == NULL)
		return -EINVAL;
	v[0] = p->f_loss, v[1] = p->f_dup, v[2] = p->f_reorder, v[3] = p->f_delay_us;
	while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
		static const char *const keys[] = { "loss=", "dup=", "reorder=", "delay_us=" };
		unsigned k;
		char *end;
		for (k = 0; k < 4 && strncmp(tok, keys[k], strlen(keys[k])) != 0; k++)
			;
		if (k == 4)
			return -EINVAL;
		unsigned long x = strtoul(tok + strlen(keys[k]), &end, 10);
		if (*end || end == tok + strlen(keys[k]) || x > (k == 3 ? 1000000ul : 500000ul))
			return -EINVAL;
		v[k] = (uint32_t)x;
	}
	__atomic_store_n(&p->f_loss, v[0], __ATOMIC_RELAXED);
	__atomic_store_n(&p->f_dup, v[1], __ATOMIC_RELAXED);
	__atomic_store_n(&p->f_reorder, v[2], __ATOMIC_RELAXED);
	__atomic_store_n(&p->f_delay_us, v[3], __ATOMIC_RELAXED);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", p->cfg->name);
	rte_tel_data_add_dict_u64(d, "loss_ppm", v[0]);
	rte_tel_data_add_dict_u64(d, "dup_ppm", v[1]);
	rte_tel_data_add_dict_u64(d, "reorder_ppm", v[2]);
	rte_tel_data_add_dict_u64(d, "delay_us", v[3]);
	return 0;
}

int dp_net_telemetry_init(void)
{
	int rv = rte_telemetry_register_cmd("/tern/ports", tel_ports,
					    "Node links, one dict per [port.NAME]: peer, state, "
					    "frames, bytes, NAKs, retransmits, stalls, gaps, faults");
	return rv ? rv : rte_telemetry_register_cmd("/tern/port_faults", tel_port_faults,
		"Fault injection of a port: NAME[,loss=PPM][,dup=PPM][,reorder=PPM][,delay_us=US]");
}
