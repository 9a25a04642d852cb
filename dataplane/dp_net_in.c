/* SPDX-License-Identifier: Apache-2.0 */
/*
 * In-streams: a topic of ours that a port imports.  We ask the peer for it
 * (REQ, again every heartbeat until the sender answers), hold its frames in
 * the reorder window and publish each message into the topic with its home
 * seq, event and send times, type and tags (tern__publish_remote()), so the
 * local fan-out treats it like any publish: drop subscribers drop and count,
 * backpressure subscribers make us wait.
 *
 * Waiting never loses anything: the frame stays at the head of the window,
 * which therefore does not move, so the sender's credit runs out and its
 * own backpressure subscription holds up the home node's publishers.
 *
 * A sender's stream is (its session, its epoch): a new epoch (the sender
 * closed the stream and opened it again, e.g. after a link timeout) starts
 * at frame 1 again; messages we already published are skipped by seq, and
 * those that were lost in between show as a jump in the topic's seq (the
 * gap notice a drop subscriber sees), counted in gaps / gap_msgs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "dp_net_pvt.h"

static uint32_t slots_for(uint32_t window)
{
	uint32_t n = 16;

	while (n < window)
		n <<= 1;
	return n;
}

/* What we advertise: never more frames in flight than half our receive
 * ring holds, so a sender at full speed fills the ring, not overflows it
 * (a burst past the ring is loss, NAKs and resends: congestion collapse). */
static uint32_t rx_window(const struct tern_port_cfg *pc)
{
	return RTE_MAX(16u, RTE_MIN(pc->rx_window, pc->rx_desc / 2));
}

static void rx_start(struct dp_port *p, struct dp_in *in, uint32_t session, uint64_t epoch)
{
	in->heard_ns = dp_net_now();
	const struct tern_port_cfg *pc = p->cfg;

	tern_net_rx_fini(&in->rx, dp_net_release, NULL);
	tern_net_rx_init(&in->rx, in->slots, slots_for(pc->rx_window), rx_window(pc),
			 (int64_t)pc->nak_delay_us * 1000, RTE_MIN(p->hb_ns, 1000 * 1000));
	in->session = session;
	in->epoch = epoch;
	in->state = DP_IN_ACTIVE;
	in->d_idx = in->d_off = 0;
	in->fresh = true;
}

/* The first message of a new stream is numbered at or below what we had:
 * the sender's numbering started again (a home that restarted with an
 * unstored topic; for forwarded publishes, a peer that restarted).
 * Follow it, loudly, rather than dropping everything as a duplicate until
 * the new numbers pass the old ones.  The topic's subscribers see its seq
 * go back.  A topic we store cannot follow (its log holds the higher
 * numbers): that is refused, loudly too. */
static bool renumbered(struct dp *dp, struct dp_port *p, struct dp_in *in, uint64_t seq)
{
	struct tern__topic *t = in->pub.t;

	if (!in->fwd && dp_storage_stores(dp, t->name)) {
		DP_LOG_RL(ERR, "port.%s: %s numbers '%s' from seq %llu again, below the %llu our "
			  "log holds: its messages are dropped until they pass it (store the "
			  "topic on its home too, so that it numbers on)", p->cfg->name,
			  p->peer_name, t->name, (unsigned long long)seq,
			  (unsigned long long)in->last_seq);
		return false;
	}
	DP_LOG(WARNING, "port.%s: %s numbers %s'%s' from seq %llu again (we had %llu): it "
	       "restarted; following it", p->cfg->name, p->peer_name,
	       in->fwd ? "its publishes to " : "", t->name, (unsigned long long)seq,
	       (unsigned long long)in->last_seq);
	in->last_seq = seq - 1;
	if (!in->fwd)
		__atomic_store_n(&t->seq, seq - 1, __ATOMIC_RELEASE);  /* we are its only numberer */
	p->st.renumbered++;
	return true;
}

void dp_in_open(struct dp *dp, struct dp_port *p, uint32_t topic_id, bool fwd)
{
	struct tern__topic *t = tern__shm_topic(dp->shm, topic_id);
	char err[256];
	unsigned k;

	for (k = 0; fwd && k < DP_NET_STREAMS_MAX; k++)
		if (p->ins[k].state != DP_IN_OFF && p->ins[k].fwd && p->ins[k].topic_id == topic_id)
			return;         /* forwarded already */
	for (k = 0; k < DP_NET_STREAMS_MAX && p->ins[k].state != DP_IN_OFF; k++)
		;
	if (k == DP_NET_STREAMS_MAX) {
		DP_LOG(ERR, "port.%s: cannot import '%s': %u streams in use", p->cfg->name,
		       t->name, DP_NET_STREAMS_MAX);
		return;
	}
	struct dp_in *in = &p->ins[k];
	if (in->slots == NULL &&
	    (in->slots = calloc(slots_for(p->cfg->rx_window), sizeof(*in->slots))) == NULL) {
		DP_LOG(ERR, "port.%s: cannot import '%s': no memory", p->cfg->name, t->name);
		return;
	}
	/* Shared, not exclusive: the node's own publishers on an imported
	 * topic forward through it.  Forwarded publishes join the home's
	 * publishers when the first arrives (pub_fwd_open), so that until
	 * then an exclusive local publisher may still claim the topic. */
	if (!fwd && dp_pub_open(dp, topic_id, p->client_id, false, err, sizeof(err)) < 0) {
		DP_LOG(ERR, "port.%s: cannot import '%s': %s", p->cfg->name, t->name, err);
		return;
	}
	void **slots = in->slots;
	memset(in, 0, sizeof(*in));
	in->slots = slots;
	in->pub = (struct tern_pub){ .c = &p->client, .t = t, .topic_id = topic_id,
				     .owner = p->client_id + 1, .exclusive = false };
	in->fwd = fwd;
	in->pub_open = !fwd;
	in->topic_id = topic_id;
	in->topic_inc = dp->topic_inc[topic_id];
	/* What our own log already holds (dp_mark_topic): ask from after it,
	 * so a stored topic resumes with no gap when its home keeps a log.
	 * Forwarded publishes are live only: the peer keeps no log of them. */
	in->last_seq = fwd ? 0 : t->seq;
	if (!fwd)
		t->imported = 1;
	tern_net_rx_init(&in->rx, in->slots, slots_for(p->cfg->rx_window), p->cfg->rx_window,
			 0, 0);
	in->state = DP_IN_REQ;
	if (fwd)
		DP_LOG(NOTICE, "port.%s: taking %s's publishes to '%s' (stream %u)", p->cfg->name,
		       p->peer_name, t->name, dp_in_id(p, k));
	else if (in->last_seq)
		DP_LOG(NOTICE, "port.%s: importing '%s' (stream %u) after seq %llu, the last in "
		       "our log", p->cfg->name, t->name, dp_in_id(p, k),
		       (unsigned long long)in->last_seq);
	else
		DP_LOG(NOTICE, "port.%s: importing '%s' (stream %u)", p->cfg->name, t->name,
		       dp_in_id(p, k));
}

static void msg_drop(struct dp_in *in)
{
	if (in->msg)
		tern_msg_free(&in->pub, in->msg);
	in->msg = NULL;
	in->msg_ready = false;
}

void dp_in_reset(struct dp_port *p, struct dp_in *in)
{
	(void)p;
	tern_net_rx_fini(&in->rx, dp_net_release, NULL);
	msg_drop(in);
	in->d_idx = in->d_off = 0;
	in->state = DP_IN_REQ;
	in->req_ns = 0;
	in->session = 0;
	in->epoch = 0;
}

void dp_in_close(struct dp *dp, struct dp_port *p, struct dp_in *in)
{
	char err[256];

	dp_in_reset(p, in);
	if (!in->fwd)
		in->pub.t->imported = 0;
	if (in->pub_open && dp_pub_close(dp, in->topic_id, p->client_id, err, sizeof(err)) < 0)
		DP_LOG(ERR, "port.%s: closing an import: %s", p->cfg->name, err);
	DP_LOG(NOTICE, "port.%s: stopped %s '%s' (%llu messages, %llu gap(s) of %llu)",
	       p->cfg->name, in->fwd ? "taking forwarded publishes to" : "importing",
	       in->pub.t->name, (unsigned long long)in->msgs,
	       (unsigned long long)in->gaps, (unsigned long long)in->gap_msgs);
	in->state = DP_IN_OFF;
}

void dp_in_frame(struct dp_port *p, const struct tern_net_view *v, struct rte_mbuf *m)
{
	uint32_t k = (v->h.stream & 0xff) - 1;
	struct dp_in *in = k < DP_NET_STREAMS_MAX && v->h.stream >> 8 == p->stream_tag
			   ? &p->ins[k] : NULL;
	int64_t now = dp_net_now();

	if (in == NULL || in->state == DP_IN_OFF) {
		rte_pktmbuf_free(m);
		return;
	}
	if (v->h.type == TERN_NET_REFUSE) {
		DP_LOG_RL(WARNING, "port.%s: %s refused '%s': %.*s", p->cfg->name, p->peer_name,
			  in->pub.t->name, (int)v->body_len, (const char *)v->body);
		rte_pktmbuf_free(m);
		return;
	}
	/* arg: the sender's epoch for this stream; a newer one starts over. */
	if (v->h.arg == 0 || v->h.arg < in->epoch) {
		rte_pktmbuf_free(m);    /* from a stream that is over */
		return;
	}
	if (in->state == DP_IN_REQ || v->h.arg > in->epoch)
		rx_start(p, in, v->h.session, v->h.arg);
	in->heard_ns = now;
	if (v->h.type == TERN_NET_STATUS) {
		tern_net_rx_sender(&in->rx, v->h.seq, now);
		rte_pktmbuf_free(m);
		return;
	}
	if (tern_net_rx_put(&in->rx, v->h.seq, m, now) != TERN_NET_RX_KEPT) {
		p->st.dups++;
		rte_pktmbuf_free(m);
	}
}

/* The first forwarded publish joins the topic's publishers; refused (an
 * exclusive publisher holds it), the peer's publishes are dropped here,
 * counted and logged, and tried again at the next. */
static bool pub_fwd_open(struct dp *dp, struct dp_port *p, struct dp_in *in)
{
	char err[256];

	if (dp_pub_open(dp, in->topic_id, p->client_id, false, err, sizeof(err)) == 0)
		return in->pub_open = true;
	p->st.refused++;
	DP_LOG_RL(WARNING, "port.%s: a publish forwarded by %s to '%s' is dropped: %s",
		  p->cfg->name, p->peer_name, in->pub.t->name, err);
	return false;
}

/* Publish the assembled message; false: the topic is full (try later). */
static bool msg_publish(struct dp *dp, struct dp_port *p, struct dp_in *in)
{
	uint64_t seq = in->msg->seq;

	if (!in->pub_open && !pub_fwd_open(dp, p, in)) {
		tern_msg_free(&in->pub, in->msg);
		in->msg = NULL;
		in->msg_ready = false;
		in->last_seq = seq;
		return true;
	}
	/* Forwarded: numbered here like any local publish (seq is the
	 * forwarding stream's); imported: with its home's numbers. */
	int64_t rv = in->fwd ? tern_publish(&in->pub, in->msg)
			     : tern__publish_remote(&in->pub, in->msg);

	if (rv == TERN_EBACKPRESSURE) {
		in->blocked++;
		return false;
	}
	if (rv >= 0) {
		if (in->last_seq != 0 && seq > in->last_seq + 1) {
			in->gaps++;
			in->gap_msgs += seq - in->last_seq - 1;
			DP_LOG_RL(WARNING, "port.%s: '%s' gap: %llu message(s) after seq %llu could "
				  "not be recovered", p->cfg->name, in->pub.t->name,
				  (unsigned long long)(seq - in->last_seq - 1),
				  (unsigned long long)in->last_seq);
		}
		in->last_seq = seq;
		in->msgs++;
		in->msg = NULL;
	} else {
		/* -EALREADY (published before a stream restart) or refused */
		in->dup_msgs++;
		tern_msg_free(&in->pub, in->msg);
		in->msg = NULL;
	}
	in->msg_ready = false;
	return true;
}

/* Deliver what is left of frame m; false: blocked (pool dry, topic full). */
static bool deliver(struct dp *dp, struct dp_port *p, struct dp_in *in, struct rte_mbuf *m)
{
	struct tern_net_view v;
	struct tern_net_ent e;

	if (in->msg_ready && !msg_publish(dp, p, in))
		return false;
	/* Checked when it arrived: this cannot fail, but costs little. */
	if (tern_net_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, 0,
			   dp->shm->msg_size, &v) != TERN_NET_OK)
		return true;
	while (in->d_idx < v.h.count) {
		uint32_t off = in->d_off;
		tern_net_ent_next(&v, &off, &e);
		uint32_t total = e.size + e.tags_len;
		if (e.frag_off == 0) {
			msg_drop(in);   /* a message cut short is not published */
			if (in->fresh) {
				in->fresh = false;
				if (e.seq <= in->last_seq)
					renumbered(dp, p, in, e.seq);
			}
			if (e.seq > in->last_seq) {
				in->msg = tern_msg_alloc(&in->pub, total);
				if (in->msg == NULL) {
					p->st.nobufs++;
					return false;
				}
				in->msg->seq = e.seq;
				in->msg_got = 0;
			} else {
				in->dup_msgs += e.flags & TERN_NET_E_LAST;
			}
		}
		if (in->msg != NULL) {
			if (e.seq != in->msg->seq || e.frag_off != in->msg_got) {
				msg_drop(in);   /* out of place: the sender's bug, not ours to guess */
			} else {
				memcpy((uint8_t *)tern_msg_data(in->msg) + e.frag_off, e.piece,
				       e.frag_len);
				in->msg_got += e.frag_len;
			}
		}
		in->d_idx++;
		in->d_off = off;
		if (in->msg != NULL && (e.flags & TERN_NET_E_LAST)) {
			struct tern_msg *msg = in->msg;
			msg->event_ns = e.event_ns;
			msg->send_ns = e.send_ns;
			msg->type_id = e.type_id;
			msg->version = e.version;
			msg->size = e.size;
			msg->tags_len = e.tags_len;
			in->msg_ready = true;
			if (!msg_publish(dp, p, in))
				return false;
		}
	}
	return true;
}

uint32_t dp_in_poll(struct dp *dp, struct dp_port *p, int64_t now)
{
	uint32_t work = 0;

	for (unsigned k = 0; k < DP_NET_STREAMS_MAX; k++) {
		struct dp_in *in = &p->ins[k];
		struct tern_net_run runs[8];
		struct rte_mbuf *m;

		if (in->state == DP_IN_REQ) {
			if (in->req_ns == 0 || now - in->req_ns >= p->hb_ns) {
				const char *name = in->pub.t->name;
				in->req_ns = now;
				dp_net_ctl(p, TERN_NET_REQ, in->fwd ? TERN_NET_F_FWD : 0,
					   dp_in_id(p, k), rx_window(p->cfg),
					   in->last_seq ? in->last_seq + 1 : 0, name,
					   (uint16_t)strnlen(name, TERN_NET_NAME_MAX - 1));
			}
			continue;
		}
		if (in->state != DP_IN_ACTIVE)
			continue;
		if (now - in->heard_ns > p->timeout_ns) {
			/* The sender says something every heartbeat while the
			 * stream lives: it is over (its side closed), ask again. */
			DP_LOG(WARNING, "port.%s: '%s': nothing from the sender within "
			       "link_timeout_ms; asking again after seq %llu", p->cfg->name,
			       in->pub.t->name, (unsigned long long)in->last_seq);
			dp_in_reset(p, in);
			continue;
		}
		while ((m = tern_net_rx_peek(&in->rx)) != NULL) {
			if (!deliver(dp, p, in, m))
				break;
			tern_net_rx_pop(&in->rx, now);
			rte_pktmbuf_free(m);
			in->d_idx = in->d_off = 0;
			work++;
		}
		unsigned nr = tern_net_rx_naks(&in->rx, now, runs, RTE_DIM(runs));
		for (unsigned i = 0; i < nr; i++) {
			dp_net_ctl(p, TERN_NET_NAK, 0, dp_in_id(p, k), runs[i].from, runs[i].count, NULL, 0);
			p->st.naks_out++;
		}
		if (tern_net_rx_status_due(&in->rx, now)) {
			dp_net_ctl(p, TERN_NET_STATUS, 0, dp_in_id(p, k), in->rx.base, in->rx.window, NULL, 0);
			tern_net_rx_status_sent(&in->rx, now);
		}
	}
	return work;
}
