/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Node links, inside the dataplane (docs/transport.md).  One dp_port per
 * [port.NAME]: a DPDK ethdev to one peer node, polled by the I/O role.
 *
 * Streams are one per (topic, receiving node): the receiver names them.
 *   in  (here the receiver): a topic of ours matching the port's imports;
 *       we REQ it from the peer and publish what arrives into the topic
 *       with the home node's numbers (tern__publish_remote()).
 *   out (here the sender): a peer's REQ for a topic we export; a
 *       backpressure subscription of ours on it feeds the frames, so a
 *       receiver that withholds its window holds up our publishers, and a
 *       peer gone past link_timeout_ms lets them go again.
 */
#ifndef TERN_DP_NET_PVT_H
#define TERN_DP_NET_PVT_H

#include <rte_mbuf.h>

#include "dp.h"
#include "dp_net.h"
#include "tern_net_stream.h"
#include "tern_net_wire.h"

#define DP_NET_STREAMS_MAX 32           /* in and out streams, each, per port */
#define DP_NET_BURST 32
#define DP_NET_OUT_DEPTH 16384          /* an out-stream's subscription queue: a time slice of a busy publisher */
#define DP_NET_LATE_MAX 512             /* frames held back by fault injection */

struct dp_out {
	bool live;
	bool replaying;             /* started in the log (a stored topic resumed) */
	bool fwd;                   /* the node's publishes to a topic it imports, going home */
	uint32_t stream;            /* the receiver's id */
	uint64_t epoch;             /* this stream's incarnation (DATA and STATUS arg) */
	uint32_t topic_id, topic_inc;
	uint32_t sub_id;
	struct tern_sub sub;
	struct tern_net_tx tx;
	void **frames;
	/* The frame being filled, and the message being packed into it. */
	struct rte_mbuf *cur;
	uint32_t cur_len;           /* bytes written, from the Ethernet header */
	uint16_t cur_count;
	const struct tern_msg *views[DP_NET_BURST];
	unsigned nv, vi;            /* polled views, the next to pack */
	uint32_t piece_off;         /* packed bytes of views[vi] */
	int64_t status_ns;          /* last sender STATUS */
	uint64_t msgs, gap_msgs;
};

enum dp_in_state { DP_IN_OFF = 0, DP_IN_REQ, DP_IN_ACTIVE };

struct dp_in {
	enum dp_in_state state;
	/* Forwarded publishes: on the home node, what the peer's publishers
	 * sent to this topic of ours, published here (numbered here) in the
	 * order of the peer's forwarding stream; seqs below are that stream's. */
	bool fwd;
	bool pub_open;              /* pub is one of the topic's publishers */
	bool fresh;                 /* no message of the current stream delivered yet */
	uint32_t topic_id, topic_inc;
	struct tern_pub pub;
	uint32_t session;           /* the sender's, once ACTIVE */
	uint64_t epoch;             /* the sender's stream incarnation */
	struct tern_net_rx rx;
	void **slots;
	uint64_t last_seq;          /* the last message seq published here */
	int64_t req_ns;
	int64_t heard_ns;           /* last frame of this stream from the sender */
	/* Delivering the head frame: entries done, and the message being
	 * put together from its pieces (complete and waiting when ready). */
	uint32_t d_idx, d_off;
	struct tern_msg *msg;
	uint32_t msg_got;
	bool msg_ready;
	uint64_t msgs, gaps, gap_msgs, dup_msgs, blocked;
};

struct dp_port_stats {
	uint64_t frames_in, frames_out, bytes_in, bytes_out;
	uint64_t naks_in, naks_out, resent, stalls, dups;
	uint64_t bad[TERN_NET_BAD_MAX];
	uint64_t nobufs, tx_full;
	uint64_t rx_chained;        /* frames the device chained, copied whole */
	uint64_t renumbered;        /* streams whose sender numbered again from below */
	uint64_t fault_lost, fault_duped, fault_late;
	uint64_t links_up, links_down, peer_restarts;
	uint64_t refused;
	uint64_t rtt_ns, srtt_ns;   /* last round trip, and smoothed (7/8) */
};

struct dp_port {
	const struct tern_port_cfg *cfg;
	unsigned index;
	uint16_t port_id;
	struct rte_mempool *pool;   /* frames */
	struct tern_net_addr addr;
	uint32_t mtu;
	struct tern_client client; /* our publishers and subscriptions on this port */
	uint32_t client_id;
	uint32_t session;           /* ours */
	uint32_t stream_tag;        /* high bits of our stream ids, new each start */
	uint32_t peer_session;      /* 0: never heard */
	uint64_t epochs;            /* out-streams opened (their epochs) */
	char peer_name[64];
	bool up;
	int64_t last_rx_ns, hello_ns;
	/* Fault injection now: from the config, changed at run time through
	 * telemetry (/tern/port_faults, ternctl link fault). */
	uint32_t f_loss, f_dup, f_reorder, f_delay_us;
	/* Round trip from HELLOs: the peer's last one (its send time, when it
	 * came), echoed in ours; ours echoed back gives the RTT. */
	uint64_t peer_hello_ts;
	int64_t peer_hello_rx_ns;
	int64_t hb_ns, timeout_ns;
	uint64_t rng;
	struct dp_out outs[DP_NET_STREAMS_MAX];
	struct dp_in ins[DP_NET_STREAMS_MAX];
	struct rte_mbuf *txq[2 * DP_NET_BURST];
	unsigned n_txq;
	struct { struct rte_mbuf *m; int64_t at; } late[DP_NET_LATE_MAX];
	unsigned n_late;
	struct dp_port_stats st;
};

extern struct dp_port dp_ports[TERN_CFG_PORTS_MAX];
extern unsigned dp_n_ports;

/* dp_net.c */
int64_t dp_net_now(void);
/* A frame of ours with room for the headers; NULL: the pool is dry. */
struct rte_mbuf *dp_net_frame(struct dp_port *p, const struct tern_net_hdr *h);
/* Room to queue frames for the wire: new frames and resends wait while
 * the port's transmit ring and our queue are full, rather than being lost. */
static inline bool dp_net_tx_room(const struct dp_port *p)
{
	return p->n_txq < DP_NET_BURST;
}
/* Queue m for the wire (our reference goes with it). */
void dp_net_send(struct dp_port *p, struct rte_mbuf *m);
/* A control frame with body (len bytes, may be 0). */
void dp_net_ctl(struct dp_port *p, uint8_t type, uint16_t flags, uint32_t stream,
		uint64_t seq, uint64_t arg, const void *body, uint16_t len);
void dp_net_release(void *frame, void *arg);

/* dp_net_out.c */
void dp_out_req(struct dp *dp, struct dp_port *p, const struct tern_net_view *v);
void dp_out_status(struct dp_port *p, const struct tern_net_view *v);
void dp_out_nak(struct dp_port *p, const struct tern_net_view *v);
uint32_t dp_out_poll(struct dp *dp, struct dp_port *p, int64_t now);
void dp_out_close(struct dp *dp, struct dp_port *p, struct dp_out *o);

/* dp_net_in.c */
/* fwd: the peer's publishes to our topic (we are its home), not an import */
void dp_in_open(struct dp *dp, struct dp_port *p, uint32_t topic_id, bool fwd);
void dp_in_close(struct dp *dp, struct dp_port *p, struct dp_in *in);
/* Back to asking (the sender's session ended): resumes after last_seq. */
void dp_in_reset(struct dp_port *p, struct dp_in *in);
/* Our in-stream ids: (stream_tag << 8) | (index + 1).  A restarted node
 * picks a new tag, so frames still in flight for its previous incarnation's
 * streams (the sender's session is unchanged) match none of its own. */
static inline uint32_t dp_in_id(const struct dp_port *p, unsigned k)
{
	return p->stream_tag << 8 | (k + 1);
}
void dp_in_frame(struct dp_port *p, const struct tern_net_view *v, struct rte_mbuf *m);
uint32_t dp_in_poll(struct dp *dp, struct dp_port *p, int64_t now);

#endif
