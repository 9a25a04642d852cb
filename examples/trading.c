/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-example-trading: the application framework's example service
 * (docs/reactor.md, examples/README.md).  Three reactors, each a thread
 * with a tern client of its own:
 *
 *   md        feeds quotes on ex.md.<i> from a periodic timer (the feeder),
 *             subscribes to ex.md.>, decodes each Quote and passes it on to
 *             the strategy;
 *   strategy  one state machine per instrument (below), an order timeout on
 *             a one-shot timer, orders to the gateway;
 *   gateway   acks every order, fills it after a delay timer (and never
 *             fills every --unfill-every'th: the strategy's timeout path).
 *
 * Location transparency: the handlers are written once against struct out,
 * a link to a peer that is either the peer reactor's inbox (same process:
 * the md reactor forwards the bus buffer without a copy, the others send a
 * 32-byte record pointing at the encoded DSL message) or a topic
 * (ex.ticks, ex.orders, ex.acks).  --role and --transport choose the
 * wiring; nothing else changes.
 *
 * The strategy's state machine, per instrument (a "leg"):
 *
 *   FLAT    --quote, mid < ema - edge-->   PENDING  send BUY, arm the timer
 *   LONG    --quote, mid > ema + edge-->   PENDING  send SELL, arm the timer
 *   PENDING --ack (accepted)-->            WORKING  re-arm the timer (fill timeout)
 *   PENDING --ack (rejected)-->            back     cancel the timer
 *   WORKING --fill-->                      LONG (BUY) / FLAT (SELL), cancel the timer
 *   PENDING, WORKING --timeout-->          back     (the order is abandoned; its
 *                                                    ack or fill, if any, comes late)
 *
 * where back is the state the order was sent from.  Every order ends once:
 * filled, rejected or timed out.
 *
 * Stop: SIGTERM/SIGINT (the framework's handlers), or with --count N: once
 * the strategy has seen N quotes and every leg is FLAT or LONG, it sends
 * EndOfSession to the gateway; the gateway, when its last fill has gone
 * out, sends EndOfSession back (and stops its process if the strategy runs
 * in another); the strategy stops its own when that arrives.  Then one JSON line of counters on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tern/tern_reactor.h>

#include "trading.tmsg.h"

#define MAX_INSTR 8
#define SLOT_BYTES 64          /* every message of trading.tmsg fits */
#define SLOTS 4096             /* > inbox_size + burst: a slot is reused after it was handled */
#define REC_BYTES 1u           /* rec.ptr: an encoded message in the sender's slots, u64 its length */
#define RETRY_MAX 2000000      /* full inbox / backpressure: yields before a send counts as dropped */
#define GW_MAX_PEND 256

enum role { ROLE_ALL, ROLE_MDGW, ROLE_STRATEGY };
static const char *const role_name[] = { "all", "md+gw", "strategy" };

struct cfg {
	enum role role;
	bool topic;                /* wiring: topics instead of inboxes */
	uint64_t count;            /* quotes, then stop; 0: until a signal */
	uint32_t ninstr;
	bool feed;
	int64_t feed_ns, order_timeout_ns, fill_timeout_ns, fill_delay_ns;
	uint32_t unfill_every;
	enum tern_idle idle;
	int cpu[3];                /* md, strategy, gateway; -1: not pinned */
	const char *ready;
	int ready_fd;
};

/* ---- links: an inbox or a topic ------------------------------------------------ */

struct out {
	const char *name;
	struct tern_reactor *self;  /* the sender */
	struct tern_reactor *to;    /* inbox wiring */
	struct tern_pub *pub;       /* topic wiring */
	uint8_t (*slot)[SLOT_BYTES];
	uint32_t next;
	uint64_t sent, retries, dropped;
};

static void out_send(struct out *o, const void *buf, size_t len)
{
	if (o->pub == NULL) {
		struct tern_rec rec = { .type = REC_BYTES, .u64 = len, .ptr = o->slot[o->next % SLOTS] };

		memcpy(rec.ptr, buf, len);
		for (int i = 0; i < RETRY_MAX; i++) {
			int rc = tern_reactor_send(o->to, &rec);
			if (rc == 0) {
				o->next++;
				o->sent++;
				return;
			}
			if (rc != TERN_EBACKPRESSURE)
				break;
			o->retries++;
			sched_yield();
		}
		o->dropped++;
		return;
	}
	uint16_t type_id = 0, version = 0;
	tern_codec_peek(buf, len, &type_id, &version);
	for (int i = 0; i < RETRY_MAX; i++) {
		struct tern_msg *m = tern_msg_alloc(o->pub, (uint32_t)len);
		int64_t seq;

		if (m != NULL) {
			memcpy(tern_msg_data(m), buf, len);
			m->size = (uint32_t)len;
			m->type_id = type_id;
			m->version = version;
			if ((seq = tern_publish(o->pub, m)) > 0) {
				o->sent++;
				return;
			}
			tern_msg_free(o->pub, m);
			if (seq != TERN_EBACKPRESSURE)
				break;
		} else if (tern_status(tern_reactor_client(o->self)) < 0) {
			break;
		}
		o->retries++;
		sched_yield();
	}
	o->dropped++;
}

/* m: the message the sender's subscription handler is handling. */
static void out_forward(struct out *o, const struct tern_msg *m)
{
	if (o->pub != NULL) {
		out_send(o, tern_msg_data(m), m->size);
		return;
	}
	for (int i = 0; i < RETRY_MAX; i++) {
		int rc = tern_reactor_forward(o->self, o->to, m);
		if (rc == 0) {
			o->sent++;
			return;
		}
		if (rc != TERN_EBACKPRESSURE)
			break;
		o->retries++;
		sched_yield();
	}
	o->dropped++;
}

#define OUT_SEND(o, T, v)                                              \
	do {                                                           \
		uint8_t b_[T##_MAX_SIZE];                              \
		int64_t n_ = T##_encode((v), b_, sizeof(b_));          \
		if (n_ > 0)                                            \
			out_send((o), b_, (size_t)n_);                 \
		else                                                   \
			(o)->dropped++;                                \
	} while (0)

/* ---- inputs: a record, a forwarded view or a subscription message, one dispatch -- */

struct node {
	const char *name;
	struct tern_reactor *r;
	struct tern_client *c;
	const struct trading_handlers *h;
	uint64_t bad;               /* inputs that did not decode */
};

static void in_bytes(struct node *n, const void *buf, size_t len)
{
	if (trading_dispatch(buf, len, n->h, n) < 0)
		n->bad++;
}

static void on_rec(struct tern_reactor *r, const struct tern_rec *rec, void *clientd)
{
	(void)r;
	if (rec->type == TERN_REC_MSG) {
		const struct tern_msg *m = rec->ptr;
		in_bytes(clientd, tern_msg_data(m), m->size);
	} else if (rec->type == REC_BYTES) {
		in_bytes(clientd, rec->ptr, (size_t)rec->u64);
	} else {
		((struct node *)clientd)->bad++;
	}
}

static void on_sub(struct tern_reactor *r, const struct tern_msg *m, void *clientd)
{
	(void)r;
	in_bytes(clientd, tern_msg_data(m), m->size);
}

/* ---- md: the feeder and the market-data handler --------------------------------- */

struct md {
	struct node n;              /* first: handlers get it as clientd */
	struct out to_strategy;
	struct tern_pub *feed[MAX_INSTR];
	uint32_t ninstr;
	uint64_t count, published, received, feed_retries;
	int64_t mid[MAX_INSTR];
	uint64_t rng;
	tern_timer_id feed_timer;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void md_feed(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	struct md *md = clientd;
	uint32_t i = (uint32_t)(md->published % md->ninstr);
	struct tern_msg *m;
	int64_t n;

	if (md->count && md->published >= md->count) {
		tern_timer_cancel(r, id);
		return;
	}
	if ((m = tern_msg_alloc(md->feed[i], Quote_MAX_SIZE)) == NULL) {
		md->feed_retries++;
		return;
	}
	int64_t mid = md->mid[i] + (int64_t)(rnd(&md->rng) % 7) - 3;   /* a random walk */
	struct Quote q = { .instrument = i, .bid = mid - 1, .ask = mid + 1,
			   .ts = tern_now_ns(md->n.c) };
	n = Quote_encode(&q, tern_msg_data(m), Quote_MAX_SIZE);
	m->size = (uint32_t)n;
	m->type_id = Quote_TYPE_ID;
	m->version = Quote_VERSION;
	m->event_ns = q.ts;
	if (n < 0 || tern_publish(md->feed[i], m) < 0) {       /* backpressure: next tick */
		tern_msg_free(md->feed[i], m);
		md->feed_retries++;
		return;
	}
	md->mid[i] = mid;
	md->published++;
}

static void md_on_quote(struct tern_reactor *r, const struct tern_msg *m, void *clientd)
{
	struct md *md = clientd;
	struct Quote q;

	(void)r;
	if (Quote_decode(&q, tern_msg_data(m), m->size) < 0 || q.bid >= q.ask) {
		md->n.bad++;
		return;
	}
	md->received++;
	out_forward(&md->to_strategy, m);      /* zero copy to an inbox */
}

/* ---- strategy ------------------------------------------------------------------ */

enum st { FLAT, PENDING, WORKING, LONG, N_ST };
static const char *const st_name[N_ST] = { "FLAT", "PENDING", "WORKING", "LONG" };

struct strategy;
struct leg {
	struct strategy *s;
	enum st st, back;
	uint64_t order_id;          /* the order under way (PENDING, WORKING) */
	Side side;
	tern_timer_id timer;
	int64_t ema16;              /* mid's moving average, x16 */
	bool have_ema;
};

struct strategy {
	struct node n;
	struct out to_gw;
	struct leg leg[MAX_INSTR];
	uint32_t ninstr;
	uint64_t count, quotes, orders, acks, rejects, fills, filled, late_acks, late_fills,
		timeouts, transitions, next_id;
	uint64_t trans[N_ST][N_ST];
	int64_t order_timeout_ns, fill_timeout_ns;
	bool end_sent, ended;
};

static void go(struct leg *l, enum st to)
{
	l->s->trans[l->st][to]++;
	l->s->transitions++;
	l->st = to;
}

static void maybe_end(struct strategy *s)
{
	if (s->end_sent || s->count == 0 || s->quotes < s->count)
		return;
	for (uint32_t i = 0; i < s->ninstr; i++)
		if (s->leg[i].st == PENDING || s->leg[i].st == WORKING)
			return;
	struct EndOfSession e = { .orders = s->orders };
	OUT_SEND(&s->to_gw, EndOfSession, &e);
	s->end_sent = true;
}

static void on_timeout(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	struct leg *l = clientd;

	(void)r;
	if (id != l->timer || (l->st != PENDING && l->st != WORKING))
		return;
	l->s->timeouts++;
	l->order_id = 0;
	go(l, l->back);
	maybe_end(l->s);
}

static void send_order(struct leg *l, uint32_t instr, Side side, int64_t price)
{
	struct strategy *s = l->s;
	struct Order o = { .id = ++s->next_id, .instrument = instr, .side = side, .qty = 100,
			   .price = price };

	l->back = l->st;
	l->order_id = o.id;
	l->side = side;
	if (tern_timer_arm(s->n.r, tern_reactor_now_ns(s->n.r) + s->order_timeout_ns, 0, 0,
			   on_timeout, l, &l->timer) < 0) {
		s->n.bad++;
		return;
	}
	go(l, PENDING);
	s->orders++;
	OUT_SEND(&s->to_gw, Order, &o);
}

static int st_on_quote(const struct Quote *q, void *clientd)
{
	struct strategy *s = clientd;
	struct leg *l = &s->leg[q->instrument % s->ninstr];
	int64_t mid16 = (q->bid + q->ask) * 8, edge16 = 2 * 16;

	s->quotes++;
	if (l->have_ema) {
		if (l->st == FLAT && mid16 < l->ema16 - edge16)
			send_order(l, q->instrument, Side_BUY, q->ask);
		else if (l->st == LONG && mid16 > l->ema16 + edge16)
			send_order(l, q->instrument, Side_SELL, q->bid);
		l->ema16 += (mid16 - l->ema16) / 8;
	} else {
		l->ema16 = mid16;
		l->have_ema = true;
	}
	maybe_end(s);
	return 0;
}

static struct leg *leg_of(struct strategy *s, uint64_t id, enum st st)
{
	for (uint32_t i = 0; i < s->ninstr; i++)
		if (s->leg[i].order_id == id && s->leg[i].st == st)
			return &s->leg[i];
	return NULL;
}

static int st_on_ack(const struct OrderAck *a, void *clientd)
{
	struct strategy *s = clientd;
	struct leg *l = leg_of(s, a->id, PENDING);

	s->acks++;
	if (l == NULL) {
		s->late_acks++;
		return 0;
	}
	if (a->accepted) {
		tern_timer_rearm(s->n.r, l->timer,
				 tern_reactor_now_ns(s->n.r) + s->fill_timeout_ns);
		go(l, WORKING);
		return 0;
	}
	tern_timer_cancel(s->n.r, l->timer);
	s->rejects++;
	l->order_id = 0;
	go(l, l->back);
	maybe_end(s);
	return 0;
}

static int st_on_fill(const struct Fill *f, void *clientd)
{
	struct strategy *s = clientd;
	struct leg *l = leg_of(s, f->id, WORKING);

	s->fills++;
	if (l == NULL) {
		s->late_fills++;
		return 0;
	}
	tern_timer_cancel(s->n.r, l->timer);
	s->filled++;
	l->order_id = 0;
	go(l, l->side == Side_BUY ? LONG : FLAT);
	maybe_end(s);
	return 0;
}

static int st_on_end(const struct EndOfSession *e, void *clientd)
{
	struct strategy *s = clientd;

	(void)e;
	s->ended = true;
	tern_reactor_stop(s->n.r);
	return 0;
}

static const struct trading_handlers st_handlers = {
	.on_Quote = st_on_quote, .on_OrderAck = st_on_ack, .on_Fill = st_on_fill,
	.on_EndOfSession = st_on_end,
};

/* ---- gateway ------------------------------------------------------------------- */

struct gateway;
struct pend {
	struct gateway *g;
	bool used;
	struct Fill fill;
};

struct gateway {
	struct node n;
	struct out to_strategy;
	struct pend pend[GW_MAX_PEND];
	uint32_t npend, unfill_every;
	uint64_t orders, acks, fills, unfilled;
	int64_t fill_delay_ns;
	bool ending, ended;
	bool stop_process;          /* the strategy is elsewhere: stop this process at the end */
};

static void gw_maybe_end(struct gateway *g)
{
	if (!g->ending || g->ended || g->npend)
		return;
	struct EndOfSession e = { .orders = g->orders };
	OUT_SEND(&g->to_strategy, EndOfSession, &e);
	g->ended = true;
	if (g->stop_process)              /* else the strategy stops the process when */
		tern_reactor_stop(g->n.r);  /* this arrives (a stop now could beat it) */
}

static void gw_on_fill_due(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	struct pend *p = clientd;
	struct gateway *g = p->g;

	(void)r;
	(void)id;
	OUT_SEND(&g->to_strategy, Fill, &p->fill);
	g->fills++;
	p->used = false;
	g->npend--;
	gw_maybe_end(g);
}

static int gw_on_order(const struct Order *o, void *clientd)
{
	struct gateway *g = clientd;
	struct OrderAck a = { .id = o->id, .accepted = true };
	struct pend *p = NULL;

	g->orders++;
	OUT_SEND(&g->to_strategy, OrderAck, &a);
	g->acks++;
	if (g->unfill_every && o->id % g->unfill_every == 0) {  /* the venue never answers */
		g->unfilled++;
		return 0;
	}
	for (uint32_t i = 0; i < GW_MAX_PEND && p == NULL; i++)
		if (!g->pend[i].used)
			p = &g->pend[i];
	if (p == NULL || tern_timer_arm(g->n.r, tern_reactor_now_ns(g->n.r) + g->fill_delay_ns,
					0, 0, gw_on_fill_due, p, NULL) < 0) {
		g->unfilled++;
		return 0;
	}
	p->used = true;
	p->fill = (struct Fill){ .id = o->id, .qty = o->qty, .price = o->price };
	g->npend++;
	return 0;
}

static int gw_on_end(const struct EndOfSession *e, void *clientd)
{
	struct gateway *g = clientd;

	(void)e;
	g->ending = true;
	gw_maybe_end(g);
	return 0;
}

static const struct trading_handlers gw_handlers = {
	.on_Order = gw_on_order, .on_EndOfSession = gw_on_end,
};

/* ---- setup --------------------------------------------------------------------- */

static int fail(const char *what, int rv)
{
	fprintf(stderr, "tern-example-trading: %s: %s %s\n", what, tern_strerror(rv),
		tern_errmsg());
	return 1;
}

static int open_sub(struct tern_client *c, const char *pattern, struct tern_sub **s)
{
	struct tern_sub_opts so = { .want_fd = true, .policy = TERN_POLICY_BACKPRESSURE };
	return tern_sub_open(c, pattern, &so, s);
}

static int make_reactor(const struct cfg *cfg, struct node *n, int cpu, tern_rec_fn rec)
{
	struct tern_reactor_opts o = { .name = n->name, .client = n->c, .close_client = true,
				       .idle = cfg->idle, .pin = cpu >= 0, .cpu = cpu,
				       .on_rec = rec, .rec_clientd = n };
	return tern_reactor_create(&o, &n->r);
}

static int link_out(struct out *o, const char *name, struct node *from, struct node *to,
		    const char *topic)
{
	o->name = name;
	o->self = from->r;
	if (topic != NULL)
		return tern_pub_open(from->c, topic, 0, &o->pub) < 0 ? -1 :
		       tern_reactor_pub_add(from->r, o->pub);
	o->to = to->r;
	o->slot = calloc(SLOTS, SLOT_BYTES);
	return o->slot ? 0 : -ENOMEM;
}

static void print_out(const struct out *o, bool last)
{
	printf("\"%s\":{\"wiring\":\"%s\",\"sent\":%llu,\"retries\":%llu,\"dropped\":%llu}%s",
	       o->name, o->pub ? "topic" : "inbox", (unsigned long long)o->sent,
	       (unsigned long long)o->retries, (unsigned long long)o->dropped, last ? "" : ",");
}

static void print_reactor(const struct node *n)
{
	struct tern_reactor_stats st;

	tern_reactor_stats(n->r, &st);
	printf("\"reactor\":{\"cycles\":%llu,\"idle\":%llu,\"msgs\":%llu,\"recs\":%llu,"
	       "\"timers\":%llu,\"sleeps\":%llu,\"refused\":%llu},\"bad\":%llu",
	       (unsigned long long)st.cycles, (unsigned long long)st.idle,
	       (unsigned long long)st.msgs, (unsigned long long)st.recs,
	       (unsigned long long)st.timers, (unsigned long long)st.sleeps,
	       (unsigned long long)st.refused, (unsigned long long)n->bad);
}

#define U(x) ((unsigned long long)(x))

static int run(const struct cfg *cfg)
{
	static struct md md;
	static struct strategy s;
	static struct gateway g;
	bool has_md = cfg->role != ROLE_STRATEGY, has_st = cfg->role != ROLE_MDGW;
	bool topic = cfg->topic || cfg->role != ROLE_ALL;
	struct tern_connect_opts co = { 0 };
	struct tern_client *c0 = NULL;
	struct tern_sub *sub;
	char name[32];
	int rv;

	md.n = (struct node){ .name = "ex-md" };
	s.n = (struct node){ .name = "ex-strategy", .h = &st_handlers };
	g.n = (struct node){ .name = "ex-gateway", .h = &gw_handlers };

	/* One client per reactor; the first creates the topics. */
	co.name = "ex-md";
	if (has_md && (rv = tern_connect(&co, &md.n.c)) < 0)
		return fail("connect md", rv);
	co.name = "ex-gateway";
	if (has_md && (rv = tern_connect(&co, &g.n.c)) < 0)
		return fail("connect gateway", rv);
	co.name = "ex-strategy";
	if (has_st && (rv = tern_connect(&co, &s.n.c)) < 0)
		return fail("connect strategy", rv);
	c0 = has_md ? md.n.c : s.n.c;
	for (uint32_t i = 0; i < cfg->ninstr; i++) {
		snprintf(name, sizeof(name), "ex.md.I%u", i);
		if ((rv = tern_topic_create(c0, name)) < 0 && rv != -EEXIST)
			return fail(name, rv);
	}
	if (topic)
		for (int i = 0; i < 3; i++) {
			const char *t = (const char *[]){ "ex.ticks", "ex.orders", "ex.acks" }[i];
			if ((rv = tern_topic_create(c0, t)) < 0 && rv != -EEXIST)
				return fail(t, rv);
		}

	if (has_md) {
		md.ninstr = cfg->ninstr;
		md.count = cfg->count;
		md.rng = 0x9e3779b97f4a7c15ull;
		for (uint32_t i = 0; i < cfg->ninstr; i++)
			md.mid[i] = 10000 + 1000 * (int64_t)i;
		if ((rv = make_reactor(cfg, &md.n, cfg->cpu[0], NULL)) < 0 ||
		    (rv = make_reactor(cfg, &g.n, cfg->cpu[2], on_rec)) < 0)
			return fail("reactor create", rv);
		if ((rv = open_sub(md.n.c, "ex.md.>", &sub)) < 0 ||
		    (rv = tern_reactor_sub_add(md.n.r, sub, md_on_quote, &md)) < 0)
			return fail("md subscription", rv);
		if (cfg->feed)
			for (uint32_t i = 0; i < cfg->ninstr; i++) {
				snprintf(name, sizeof(name), "ex.md.I%u", i);
				if ((rv = tern_pub_open(md.n.c, name, 0, &md.feed[i])) < 0 ||
				    (rv = tern_reactor_pub_add(md.n.r, md.feed[i])) < 0)
					return fail("feed publisher", rv);
			}
		g.unfill_every = cfg->unfill_every;
		g.fill_delay_ns = cfg->fill_delay_ns;
		g.stop_process = !has_st;
		for (int i = 0; i < GW_MAX_PEND; i++)
			g.pend[i].g = &g;
		if (topic && ((rv = open_sub(g.n.c, "ex.orders", &sub)) < 0 ||
			      (rv = tern_reactor_sub_add(g.n.r, sub, on_sub, &g)) < 0))
			return fail("gateway subscription", rv);
	}
	if (has_st) {
		s.ninstr = cfg->ninstr;
		s.count = cfg->count;
		s.order_timeout_ns = cfg->order_timeout_ns;
		s.fill_timeout_ns = cfg->fill_timeout_ns;
		for (uint32_t i = 0; i < cfg->ninstr; i++)
			s.leg[i] = (struct leg){ .s = &s, .st = FLAT };
		if ((rv = make_reactor(cfg, &s.n, cfg->cpu[1], on_rec)) < 0)
			return fail("reactor create", rv);
		if (topic && ((rv = open_sub(s.n.c, "ex.ticks", &sub)) < 0 ||
			      (rv = tern_reactor_sub_add(s.n.r, sub, on_sub, &s)) < 0 ||
			      (rv = open_sub(s.n.c, "ex.acks", &sub)) < 0 ||
			      (rv = tern_reactor_sub_add(s.n.r, sub, on_sub, &s)) < 0))
			return fail("strategy subscriptions", rv);
	}
	/* The wiring: the only place that knows where the peers are. */
	if ((has_md && link_out(&md.to_strategy, "md>strategy", &md.n, &s.n,
				topic ? "ex.ticks" : NULL) < 0) ||
	    (has_md && link_out(&g.to_strategy, "gateway>strategy", &g.n, &s.n,
				topic ? "ex.acks" : NULL) < 0) ||
	    (has_st && link_out(&s.to_gw, "strategy>gateway", &s.n, &g.n,
				topic ? "ex.orders" : NULL) < 0))
		return fail("links", -ENOMEM);

	if (has_md && cfg->feed &&
	    (rv = tern_timer_arm(md.n.r, tern_reactor_now_ns(md.n.r) + cfg->feed_ns, cfg->feed_ns,
				 0, md_feed, &md, &md.feed_timer)) < 0)
		return fail("feed timer", rv);
	if ((rv = tern_reactor_handle_signals()) < 0)
		return fail("signals", rv);
	/* Consumers first: the last started (the feeder) stops first. */
	if ((has_st && (rv = tern_reactor_start(s.n.r)) < 0) ||
	    (has_md && (rv = tern_reactor_start(g.n.r)) < 0) ||
	    (has_md && (rv = tern_reactor_start(md.n.r)) < 0))
		return fail("start", rv);
	if (cfg->ready) {
		FILE *f = fopen(cfg->ready, "w");
		if (f)
			fclose(f);
	}
	if (cfg->ready_fd >= 0) {
		if (write(cfg->ready_fd, "r", 1) < 0)
			perror("ready pipe");
		close(cfg->ready_fd);
	}
	if (has_md)
		tern_reactor_join(md.n.r);
	if (has_md)
		tern_reactor_join(g.n.r);
	if (has_st)
		tern_reactor_join(s.n.r);

	printf("{\"role\":\"%s\",\"wiring\":\"%s\",\"count\":%llu", role_name[cfg->role],
	       topic ? "topic" : "inbox", U(cfg->count));
	if (has_md) {
		printf(",\"md\":{\"published\":%llu,\"quotes\":%llu,\"feed_retries\":%llu,",
		       U(md.published), U(md.received), U(md.feed_retries));
		print_reactor(&md.n);
		printf("},\"gateway\":{\"orders\":%llu,\"acks\":%llu,\"fills\":%llu,"
		       "\"unfilled\":%llu,\"pending\":%u,\"ended\":%s,", U(g.orders), U(g.acks),
		       U(g.fills), U(g.unfilled), g.npend, g.ended ? "true" : "false");
		print_reactor(&g.n);
		printf("}");
	}
	if (has_st) {
		printf(",\"strategy\":{\"quotes\":%llu,\"orders\":%llu,\"acks\":%llu,"
		       "\"fills\":%llu,\"filled\":%llu,\"rejects\":%llu,\"timeouts\":%llu,"
		       "\"late_acks\":%llu,\"late_fills\":%llu,\"transitions\":%llu,"
		       "\"ended\":%s,\"trans\":{", U(s.quotes), U(s.orders), U(s.acks),
		       U(s.fills), U(s.filled), U(s.rejects), U(s.timeouts), U(s.late_acks),
		       U(s.late_fills), U(s.transitions), s.ended ? "true" : "false");
		bool first = true;
		for (int a = 0; a < N_ST; a++)
			for (int b = 0; b < N_ST; b++)
				if (s.trans[a][b]) {
					printf("%s\"%s>%s\":%llu", first ? "" : ",", st_name[a],
					       st_name[b], U(s.trans[a][b]));
					first = false;
				}
		printf("},\"legs\":[");
		for (uint32_t i = 0; i < s.ninstr; i++)
			printf("%s\"%s\"", i ? "," : "", st_name[s.leg[i].st]);
		printf("],");
		print_reactor(&s.n);
		printf("}");
	}
	printf(",\"links\":{");
	if (has_md) {
		print_out(&md.to_strategy, false);
		print_out(&g.to_strategy, !has_st);
	}
	if (has_st)
		print_out(&s.to_gw, true);
	printf("}}\n");
	fflush(stdout);
	if (has_md) {
		tern_reactor_destroy(md.n.r);
		tern_reactor_destroy(g.n.r);
	}
	if (has_st)
		tern_reactor_destroy(s.n.r);
	return 0;
}

/* ---- main ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tern-example-trading [options]\n"
		"  --role all|md+gw|strategy  reactors of this process (default all)\n"
		"  --transport inbox|topic    wiring of role all (default inbox; other roles: topic)\n"
		"  --strategy-process         fork: the strategy runs in a second process (topics)\n"
		"  --count N                  stop after N quotes (default 0: until SIGTERM/SIGINT)\n"
		"  --instruments K            1..%d (default 2)\n"
		"  --no-feed                  no internal feeder: quotes from others on ex.md.>\n"
		"  --feed-us US               a quote every US microseconds (default 100)\n"
		"  --order-timeout-ms MS      order sent -> ack (default 20)\n"
		"  --fill-timeout-ms MS       ack -> fill (default 20)\n"
		"  --fill-us US               the gateway's fill delay (default 200)\n"
		"  --unfill-every K           the gateway never fills orders with id %% K == 0\n"
		"                             (default 5; 0: fill all)\n"
		"  --idle spin|yield|sleep    idle strategy (default sleep)\n"
		"  --pin MD,STRATEGY,GW       pin the reactors to these CPUs (-1: not pinned)\n"
		"  --ready FILE               create FILE once the reactors run\n", MAX_INSTR);
}

/* The index of v among names, or -1. */
static int word(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "role", 1, 0, 'r' }, { "transport", 1, 0, 't' },
		{ "strategy-process", 0, 0, 'S' }, { "count", 1, 0, 'n' },
		{ "instruments", 1, 0, 'i' }, { "no-feed", 0, 0, 'F' }, { "feed-us", 1, 0, 'f' },
		{ "order-timeout-ms", 1, 0, 'o' }, { "fill-timeout-ms", 1, 0, 'T' },
		{ "fill-us", 1, 0, 'l' }, { "unfill-every", 1, 0, 'u' }, { "idle", 1, 0, 'I' },
		{ "pin", 1, 0, 'p' }, { "ready", 1, 0, 'R' }, { "help", 0, 0, 'h' },
		{ "version", 0, 0, 'V' }, { 0, 0, 0, 0 }
	};
	struct cfg cfg = { .ninstr = 2, .feed = true, .feed_ns = 100000,
			   .order_timeout_ns = 20000000, .fill_timeout_ns = 20000000,
			   .fill_delay_ns = 200000, .unfill_every = 5, .idle = TERN_IDLE_SLEEP,
			   .cpu = { -1, -1, -1 }, .ready_fd = -1 };
	bool fork_strategy = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'r': {
			static const char *const roles[] = { "all", "md+gw", "strategy" };
			int k = word(optarg, roles, 3);    /* in enum role's order */
			if (k < 0)
				goto bad;
			cfg.role = (enum role)k;
			break;
		}
		case 't':
			if (strcmp(optarg, "inbox") && strcmp(optarg, "topic"))
				goto bad;
			cfg.topic = !strcmp(optarg, "topic");
			break;
		case 'S': fork_strategy = true; break;
		case 'n': cfg.count = strtoull(optarg, NULL, 0); break;
		case 'i': cfg.ninstr = (uint32_t)atoi(optarg); break;
		case 'F': cfg.feed = false; break;
		case 'f': cfg.feed_ns = atoll(optarg) * 1000; break;
		case 'o': cfg.order_timeout_ns = atoll(optarg) * 1000000; break;
		case 'T': cfg.fill_timeout_ns = atoll(optarg) * 1000000; break;
		case 'l': cfg.fill_delay_ns = atoll(optarg) * 1000; break;
		case 'u': cfg.unfill_every = (uint32_t)atoi(optarg); break;
		case 'I': {
			static const char *const idles[] = { "spin", "yield", "sleep" };
			int k = word(optarg, idles, 3);    /* TERN_IDLE_SPIN, _YIELD, _SLEEP */
			if (k < 0)
				goto bad;
			cfg.idle = (enum tern_idle)k;
			break;
		}
		case 'p':
			if (sscanf(optarg, "%d,%d,%d", &cfg.cpu[0], &cfg.cpu[1], &cfg.cpu[2]) != 3)
				goto bad;
			break;
		case 'R': cfg.ready = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("tern-example-trading %s\n", TERN_VERSION); return 0;
		default: goto bad;
		}
	}
	if (optind != argc || cfg.ninstr < 1 || cfg.ninstr > MAX_INSTR || cfg.feed_ns <= 0 ||
	    cfg.order_timeout_ns <= 0 || cfg.fill_timeout_ns <= 0 || cfg.fill_delay_ns < 0 ||
	    (fork_strategy && cfg.role != ROLE_ALL))
		goto bad;
	if (!fork_strategy)
		return run(&cfg);

	/* --strategy-process: the same program, wired by topics, in two processes.
	 * The strategy (the child) subscribes before the feeder starts. */
	int p[2], st = 0, rc;
	pid_t pid;
	char ch;

	fflush(stdout);
	if (pipe(p) < 0 || (pid = fork()) < 0) {
		perror("tern-example-trading: fork");
		return 1;
	}
	if (pid == 0) {
		close(p[0]);
		cfg.role = ROLE_STRATEGY;
		cfg.ready = NULL;
		cfg.ready_fd = p[1];
		return run(&cfg);
	}
	close(p[1]);
	if (read(p[0], &ch, 1) != 1) {     /* the strategy failed to start */
		waitpid(pid, &st, 0);
		return 1;
	}
	close(p[0]);
	cfg.role = ROLE_MDGW;
	rc = run(&cfg);
	/* In a --count run the strategy stops on the gateway's EndOfSession;
	 * otherwise (a signal) pass the stop on. */
	pid_t w = 0;
	for (int i = 0; i < 100 && (w = waitpid(pid, &st, WNOHANG)) == 0; i++) {
		if (cfg.count == 0 || i == 99)
			kill(pid, SIGTERM);
		usleep(50000);
	}
	if (w == 0)
		waitpid(pid, &st, 0);
	return rc ? rc : (WIFEXITED(st) ? WEXITSTATUS(st) : 1);
bad:
	usage(stderr);
	return 2;
}
