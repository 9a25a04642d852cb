/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Out-streams: a topic of ours that the peer asked for (REQ), sent from a
 * backpressure subscription of ours, packed into frames up to the MTU.
 *
 * Packing is Aeron's natural batching: a frame goes out as soon as the
 * subscription has nothing more, so one message alone pays no delay, and
 * under load frames fill up.  A message bigger than what is left of a
 * frame starts the next one when it would fit a frame whole; one bigger
 * than a frame is cut into pieces over consecutive frames.
 *
 * The frame keeps our reference while the tx window holds it; each send
 * (first and again after a NAK) gives the PMD one more.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "dp_net_pvt.h"

static struct dp_out *out_find(struct dp_port *p, uint32_t stream)
{
	for (unsigned i = 0; i < DP_NET_STREAMS_MAX; i++)
		if (p->outs[i].live && p->outs[i].stream == stream)
			return &p->outs[i];
	return NULL;
}

static void sender_status(struct dp_port *p, struct dp_out *o, int64_t now)
{
	dp_net_ctl(p, TERN_NET_STATUS, TERN_NET_F_SENDER, o->stream, o->tx.next, o->epoch, NULL, 0);
	o->status_ns = now;
}

static void refuse(struct dp_port *p, uint32_t stream, int code, const char *fmt, const char *name)
{
	char why[200];
	int n = snprintf(why, sizeof(why), fmt, name);

	p->st.refused++;
	DP_LOG_RL(WARNING, "port.%s: peer's request refused: %s", p->cfg->name, why);
	dp_net_ctl(p, TERN_NET_REFUSE, 0, stream, 0, (uint64_t)code, why,
		   (uint16_t)(n < (int)sizeof(why) ? n : (int)sizeof(why) - 1));
}

void dp_out_req(struct dp *dp, struct dp_port *p, const struct tern_net_view *v)
{
	const struct tern_port_cfg *pc = p->cfg;
	const bool fwd = (v->h.flags & TERN_NET_F_FWD) != 0;
	char name[TERN_NET_NAME_MAX], err[256];
	struct dp_out *o = out_find(p, v->h.stream);
	struct tern__topic *t;
	int64_t id;
	unsigned k;

	memcpy(name, v->body, v->body_len);
	name[v->body_len] = '\0';
	if (o != NULL) {
		if (o->topic_id < dp->shm->max_topics &&
		    strcmp(tern__shm_topic(dp->shm, o->topic_id)->name, name) == 0) {
			sender_status(p, o, dp_net_now());   /* asked again: say where we are */
			return;
		}
		dp_out_close(dp, p, o);     /* the receiver reused its id */
	}
	if (v->h.stream == 0 || tern_topic_validate(name, false) != 0)
		return refuse(p, v->h.stream, EINVAL, "bad topic name '%s'", name);
	if (fwd) {
		/* The home asks for our publishes to a topic we import from it
		 * through this very port. */
		const char *via = dp_net_importer(dp, name);
		if (via == NULL || strcmp(via, pc->name) != 0)
			return refuse(p, v->h.stream, EPERM,
				      "topic '%s' is not imported from you through this port", name);
	} else {
		for (k = 0; k < pc->n_exports; k++)
			if (tern_topic_match(pc->exports[k], name))
				break;
		if (k == pc->n_exports)
			return refuse(p, v->h.stream, EPERM,
				      "topic '%s' is not exported on this port", name);
		if (dp_net_importer(dp, name) != NULL)
			return refuse(p, v->h.stream, EHOSTUNREACH,
				      "topic '%s' is not homed here (imported from another node)",
				      name);
	}
	id = dp_index_topic_find(dp, name);
	if (id < 0)
		return refuse(p, v->h.stream, ENOENT, "no topic '%s' on this node (yet)", name);
	for (k = 0; k < DP_NET_STREAMS_MAX && p->outs[k].live; k++)
		;
	if (k == DP_NET_STREAMS_MAX)
		return refuse(p, v->h.stream, ENOSPC, "too many streams to this node for '%s'", name);
	o = &p->outs[k];
	if (o->frames == NULL)
		o->frames = calloc(pc->window, sizeof(*o->frames));
	if (o->sub.slot_of_topic == NULL)
		o->sub.slot_of_topic = calloc(dp->shm->max_topics, 1);
	if (o->frames == NULL || o->sub.slot_of_topic == NULL)
		return refuse(p, v->h.stream, ENOMEM, "no memory for a stream of '%s'", name);
	o->sub_id = dp->cfg->max_subs + dp->cfg->n_rules + p->index * DP_NET_STREAMS_MAX + k;
	if (dp_sub_create(dp, o->sub_id, p->client_id, name,
			  TERN_POLICY_BACKPRESSURE | (fwd ? TERN__POLICY_FORWARD : 0),
			  DP_NET_OUT_DEPTH, -1, err, sizeof(err)) < 0)
		return refuse(p, v->h.stream, ENOSPC, "%s", err);
	uint8_t *slots = o->sub.slot_of_topic;
	memset(slots, 0, dp->shm->max_topics);
	memset(&o->sub, 0, sizeof(o->sub));
	o->sub.c = &p->client;
	o->sub.sub_id = o->sub_id;
	o->sub.s = tern__shm_sub(dp->shm, o->sub_id);
	o->sub.fd = -1;
	o->sub.slot_of_topic = slots;
	tern__sub_refresh(&o->sub);
	tern_net_tx_init(&o->tx, o->frames, pc->window);
	if (v->h.seq)       /* the receiver's window, from its REQ */
		o->tx.limit = 1 + (v->h.seq < pc->window ? v->h.seq : pc->window);
	o->live = true;
	o->stream = v->h.stream;
	o->epoch = ++p->epochs;
	o->topic_id = (uint32_t)id;
	o->topic_inc = dp->topic_inc[id];
	o->nv = o->vi = 0;
	o->piece_off = 0;
	o->cur = NULL;
	o->msgs = o->gap_msgs = 0;
	o->replaying = false;
	t = tern__shm_topic(dp->shm, (uint32_t)id);
	o->fwd = fwd;
	if (!fwd && v->h.arg != 0 && v->h.arg <= t->seq && dp_storage_stores(dp, name)) {
		/* A stored topic resumes from the log: the stream's
		 * subscription replays from the seq the receiver asks for and
		 * hands over to live as a local replay does (bus_replay.c; its
		 * link is attached already, so nothing falls in between). */
		struct tern_sub_opts so = { .start = TERN_START_SEQ, .start_value = v->h.arg };
		int rv = tern__replay_open(&o->sub, name, &so);
		if (rv == 0) {
			o->replaying = true;
			DP_LOG(NOTICE, "port.%s: '%s' to %s resumes at seq %llu, from the log up "
			       "to %llu", pc->name, name, p->peer_name,
			       (unsigned long long)v->h.arg, (unsigned long long)t->seq);
		} else {
			DP_LOG(WARNING, "port.%s: '%s' to %s cannot replay from seq %llu: %s",
			       pc->name, name, p->peer_name, (unsigned long long)v->h.arg,
			       tern_errmsg());
		}
	}
	if (!fwd && !o->replaying && v->h.arg != 0 && v->h.arg <= t->seq) {
		/* Live only: what was published before this stream is not in
		 * any window, nor in a log. */
		o->gap_msgs = t->seq - v->h.arg + 1;
		DP_LOG(WARNING, "port.%s: '%s' to %s resumes after seq %llu; %llu..%llu are not "
		       "recoverable here (the receiver sees the gap)", pc->name, name, p->peer_name,
		       (unsigned long long)t->seq, (unsigned long long)v->h.arg,
		       (unsigned long long)t->seq);
	}
	DP_LOG(NOTICE, "port.%s: sending %s'%s' to %s (stream %u)", pc->name,
	       fwd ? "our publishes to " : "", name, p->peer_name, o->stream);
	sender_status(p, o, dp_net_now());
	/* We are the home of what we send: take the peer's own publishes to
	 * it in return, to number them here (one order on every node). */
	if (!fwd)
		dp_in_open(dp, p, (uint32_t)id, true);
}

void dp_out_status(struct dp_port *p, const struct tern_net_view *v)
{
	struct dp_out *o = out_find(p, v->h.stream);

	if (o)
		tern_net_tx_status(&o->tx, v->h.seq, v->h.arg, dp_net_release, NULL);
}

void dp_out_nak(struct dp_port *p, const struct tern_net_view *v)
{
	struct dp_out *o = out_find(p, v->h.stream);

	p->st.naks_in++;
	if (o)
		tern_net_tx_nak(&o->tx, v->h.seq, v->h.arg);
}

static void frame_close(struct dp_port *p, struct dp_out *o, int64_t now)
{
	struct rte_mbuf *m = o->cur;

	tern_net_frame_end(rte_pktmbuf_mtod(m, uint8_t *), o->cur_len, o->cur_count);
	m->data_len = (uint16_t)o->cur_len;
	m->pkt_len = o->cur_len;
	tern_net_tx_push(&o->tx, m, now);
	rte_mbuf_refcnt_update(m, 1);   /* one for the window, one for the PMD */
	dp_net_send(p, m);
	o->cur = NULL;
}

/* Pack what the subscription has into frames; returns messages packed. */
static uint32_t pack(struct dp *dp, struct dp_port *p, struct dp_out *o, int64_t now)
{
	const uint32_t cap = TERN_NET_ETH_LEN + p->mtu;    /* a whole frame */
	const uint32_t first = TERN_NET_L2L4_LEN + TERN_NET_HDR_LEN;
	uint32_t done = 0;

	for (;;) {
		if (o->vi == o->nv) {
			o->nv = tern_poll(&o->sub, o->views, DP_NET_BURST);
			o->vi = 0;
			o->piece_off = 0;
			if (o->nv == 0)
				break;
		}
		const struct tern_msg *m = o->views[o->vi];
		if (!tern__msg_fits(dp->shm, m)) {
			/* the header stays writable after publish: never copy past the buffer */
			tern_release(&o->sub, &o->views[o->vi++], 1);
			o->piece_off = 0;
			continue;
		}
		uint32_t total = m->size + m->tags_len, left = total - o->piece_off;
		if (o->cur == NULL) {
			if (!dp_net_tx_room(p))
				break;          /* the port is busy: the ring waits for us */
			struct tern_net_hdr h = { .type = TERN_NET_DATA, .session = p->session,
						  .stream = o->stream, .seq = o->tx.next,
						  .arg = o->epoch };
			if (!tern_net_tx_room(&o->tx)) {
				p->st.stalls++;
				break;          /* the receiver's window: our publishers wait */
			}
			if ((o->cur = dp_net_frame(p, &h)) == NULL)
				break;
			o->cur_len = first;
			o->cur_count = 0;
		}
		uint32_t avail = cap - o->cur_len;
		/* A small message that does not fit what is left starts a new
		 * frame rather than being cut. */
		if (avail <= TERN_NET_ENT_LEN ||
		    (left > avail - TERN_NET_ENT_LEN && o->cur_count > 0 &&
		     left <= cap - first - TERN_NET_ENT_LEN)) {
			frame_close(p, o, now);
			continue;
		}
		uint32_t piece = RTE_MIN(left, avail - TERN_NET_ENT_LEN);
		struct tern_net_ent e = {
			.seq = m->seq, .event_ns = m->event_ns, .send_ns = m->send_ns,
			.type_id = m->type_id, .version = m->version, .tags_len = m->tags_len,
			.size = m->size, .frag_off = o->piece_off, .frag_len = (uint16_t)piece,
			.flags = o->piece_off + piece == total ? TERN_NET_E_LAST : 0,
		};
		uint8_t *dst = rte_pktmbuf_mtod_offset(o->cur, uint8_t *, o->cur_len);
		tern_net_ent_put(dst, &e);
		memcpy(dst + TERN_NET_ENT_LEN, (const uint8_t *)tern_msg_data(m) + o->piece_off, piece);
		o->cur_len += TERN_NET_ENT_LEN + piece;
		o->cur_count++;
		o->piece_off += piece;
		if (o->piece_off == total) {
			tern_release(&o->sub, &o->views[o->vi++], 1);
			o->piece_off = 0;
			o->msgs++;
			done++;
		}
	}
	if (o->cur != NULL && o->cur_count > 0)
		frame_close(p, o, now);
	return done;
}

uint32_t dp_out_poll(struct dp *dp, struct dp_port *p, int64_t now)
{
	uint32_t work = 0;

	for (unsigned i = 0; i < DP_NET_STREAMS_MAX; i++) {
		struct dp_out *o = &p->outs[i];
		uint64_t seq;
		void *f;

		if (!o->live)
			continue;
		for (int k = 0; k < DP_NET_BURST && dp_net_tx_room(p) &&
				(f = tern_net_tx_resend(&o->tx, &seq, now)); k++) {
			rte_mbuf_refcnt_update((struct rte_mbuf *)f, 1);
			dp_net_send(p, f);
			p->st.resent++;
			work++;
		}
		work += pack(dp, p, o, now);
		/* Tail loss shows only if we say how far we got: briskly while
		 * frames are unacknowledged, at the heartbeat otherwise. */
		int64_t every = o->tx.acked < o->tx.next ? RTE_MIN(p->hb_ns, 500 * 1000) : p->hb_ns;
		if (now - o->status_ns >= every && now - o->tx.last_send_ns >= every)
			sender_status(p, o, now);
	}
	return work;
}

void dp_out_close(struct dp *dp, struct dp_port *p, struct dp_out *o)
{
	char err[256];

	if (o->vi < o->nv)
		tern_release(&o->sub, &o->views[o->vi], o->nv - o->vi);
	o->nv = o->vi = 0;
	if (o->cur)
		rte_pktmbuf_free(o->cur);
	o->cur = NULL;
	tern_net_tx_fini(&o->tx, dp_net_release, NULL);
	tern__replay_close(&o->sub);    /* a stream closed while still in the log */
	o->replaying = false;
	if (dp_sub_delete(dp, o->sub_id, err, sizeof(err)) < 0)
		DP_LOG(ERR, "port.%s: closing a stream: %s", p->cfg->name, err);
	o->live = false;
	for (unsigned k = 0; !o->fwd && k < DP_NET_STREAMS_MAX; k++)
		if (p->ins[k].state != DP_IN_OFF && p->ins[k].fwd && p->ins[k].topic_id == o->topic_id)
			dp_in_close(dp, p, &p->ins[k]);
	DP_LOG(NOTICE, "port.%s: stopped sending '%s' to %s (%llu messages)", p->cfg->name,
	       o->topic_id < dp->shm->max_topics ? tern__shm_topic(dp->shm, o->topic_id)->name
						  : "?", p->peer_name, (unsigned long long)o->msgs);
}
