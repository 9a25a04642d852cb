/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-reactor-probe TOPIC READY_FILE: two reactors in one process, each
 * with a tern client of its own (tern_connect() twice).  The producer
 * publishes on TOPIC from a 20 us periodic timer and sends records to the
 * consumer; the consumer's subscription handler forwards every other view
 * back to the producer's inbox (zero copy, and home again).  Both sleep
 * when idle.  On SIGTERM or SIGINT the framework shuts them down; the hooks
 * print their names in the order they ran, and the last line is JSON:
 * {"hooks":"...","published":N,"received":N,"forwarded":N,"recs":N}.
 *
 * tern-reactor-probe --reactors N TOPIC READY_FILE: N reactors (2..8) in a
 * ring, each with a client, a publisher and a subscription on TOPIC of its
 * own, and a 20 us timer that publishes and sends a record to the next
 * reactor, whose handler forwards every other view to the next one again:
 * every thread holds buffers, subscription slots and an lcore id when
 * it_reactor_kill kills the process.  SIGTERM ends it as above, with
 * {"reactors":N,"published":N,"received":N,"forwarded":N,"recs":N}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern/tern_reactor.h>

static struct tern_pub *g_pub;
static struct tern_reactor *g_prod, *g_cons;
static uint64_t g_published, g_received, g_forwarded, g_recs;
static char g_hooks[128];

static void publish(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	struct tern_rec rec = { .type = 1 };

	(void)id;
	(void)clientd;
	for (int i = 0; i < 4; i++) {
		struct tern_msg *m = tern_msg_alloc(g_pub, 64);
		if (m == NULL)
			break;
		memset(tern_msg_data(m), 0, 64);
		if (tern_publish(g_pub, m) < 0) {
			tern_msg_free(g_pub, m);
			break;
		}
		g_published++;
	}
	(void)r;
	tern_reactor_send(g_cons, &rec);
}

static void on_msg(struct tern_reactor *r, const struct tern_msg *m, void *clientd)
{
	(void)clientd;
	g_received++;
	if ((m->seq & 1) && tern_reactor_forward(r, g_prod, m) == 0)
		g_forwarded++;
}

static void on_rec(struct tern_reactor *r, const struct tern_rec *rec, void *clientd)
{
	(void)r;
	(void)rec;
	__atomic_fetch_add((uint64_t *)clientd, 1, __ATOMIC_RELAXED);
}

static void hook(struct tern_reactor *r, void *clientd)
{
	(void)r;
	/* Hooks run one at a time (reactor_stop.c): no lock needed. */
	if (g_hooks[0])
		strcat(g_hooks, ",");
	strcat(g_hooks, clientd);
	printf("hook %s\n", (const char *)clientd);
	fflush(stdout);
}

static int fail(const char *what, int rv)
{
	fprintf(stderr, "tern-reactor-probe: %s: %s %s\n", what, tern_strerror(rv), tern_errmsg());
	return 1;
}

enum { RING_MAX = 8 };

struct ring_node {
	struct tern_reactor *r, *next;
	struct tern_pub *pub;
	uint64_t published, received, forwarded, recs;
};

static struct ring_node g_ring[RING_MAX];

static void ring_publish(struct tern_reactor *r, tern_timer_id id, void *clientd)
{
	struct ring_node *n = clientd;
	struct tern_rec rec = { .type = 1 };

	(void)r;
	(void)id;
	for (int i = 0; i < 4; i++) {
		struct tern_msg *m = tern_msg_alloc(n->pub, 64);
		if (m == NULL)
			break;
		memset(tern_msg_data(m), 0, 64);
		if (tern_publish(n->pub, m) < 0) {
			tern_msg_free(n->pub, m);
			break;
		}
		n->published++;
	}
	tern_reactor_send(n->next, &rec);
}

static void ring_msg(struct tern_reactor *r, const struct tern_msg *m, void *clientd)
{
	struct ring_node *n = clientd;

	n->received++;
	if ((m->seq & 1) && tern_reactor_forward(r, n->next, m) == 0)
		n->forwarded++;
}

static void ring_rec(struct tern_reactor *r, const struct tern_rec *rec, void *clientd)
{
	(void)r;
	(void)rec;
	((struct ring_node *)clientd)->recs++;      /* the receiver's own thread */
}

static int ring_main(int n, const char *topic, const char *ready)
{
	struct tern_sub_opts so = { .want_fd = true, .policy = TERN_POLICY_DROP };
	uint64_t pub = 0, rcv = 0, fwd = 0, recs = 0;
	FILE *f;
	int rv;

	if (n < 2 || n > RING_MAX) {
		fprintf(stderr, "tern-reactor-probe: --reactors 2..%d\n", RING_MAX);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		struct ring_node *x = &g_ring[i];
		struct tern_client *c;
		struct tern_sub *sub;
		char name[16];

		snprintf(name, sizeof(name), "rx-%d", i);
		struct tern_reactor_opts o = { .name = name, .close_client = true,
					       .idle = TERN_IDLE_SLEEP, .on_rec = ring_rec,
					       .rec_clientd = x };
		if ((rv = tern_connect(NULL, &c)) < 0)
			return fail("connect", rv);
		o.client = c;
		if ((rv = tern_pub_open(c, topic, 0, &x->pub)) < 0)
			return fail("pub open", rv);
		if ((rv = tern_sub_open(c, topic, &so, &sub)) < 0)
			return fail("sub open", rv);
		if ((rv = tern_reactor_create(&o, &x->r)) < 0)
			return fail("reactor create", rv);
		if ((rv = tern_reactor_pub_add(x->r, x->pub)) < 0 ||
		    (rv = tern_reactor_sub_add(x->r, sub, ring_msg, x)) < 0)
			return fail("reactor setup", rv);
	}
	for (int i = 0; i < n; i++) {
		g_ring[i].next = g_ring[(i + 1) % n].r;
		if ((rv = tern_timer_arm(g_ring[i].r, tern_reactor_now_ns(g_ring[i].r), 20000, 0,
					 ring_publish, &g_ring[i], NULL)) < 0)
			return fail("timer", rv);
	}
	if ((rv = tern_reactor_handle_signals()) < 0)
		return fail("signals", rv);
	for (int i = 0; i < n; i++)
		if ((rv = tern_reactor_start(g_ring[i].r)) < 0)
			return fail("start", rv);
	f = fopen(ready, "w");
	if (f)
		fclose(f);
	for (int i = 0; i < n; i++)
		tern_reactor_join(g_ring[i].r);
	for (int i = 0; i < n; i++) {
		pub += g_ring[i].published;
		rcv += g_ring[i].received;
		fwd += g_ring[i].forwarded;
		recs += g_ring[i].recs;
		tern_reactor_destroy(g_ring[i].r);
	}
	printf("{\"reactors\":%d,\"published\":%llu,\"received\":%llu,\"forwarded\":%llu,"
	       "\"recs\":%llu}\n", n, (unsigned long long)pub, (unsigned long long)rcv,
	       (unsigned long long)fwd, (unsigned long long)recs);
	return 0;
}

int main(int argc, char **argv)
{
	struct tern_client *cp, *cc;
	struct tern_sub *sub;
	struct tern_sub_opts so = { .want_fd = true, .policy = TERN_POLICY_BACKPRESSURE };
	FILE *f;
	int rv;

	if (argc == 5 && strcmp(argv[1], "--reactors") == 0)
		return ring_main(atoi(argv[2]), argv[3], argv[4]);
	if (argc != 3) {
		fprintf(stderr, "usage: tern-reactor-probe [--reactors N] TOPIC READY_FILE\n");
		return 2;
	}
	if ((rv = tern_connect(NULL, &cp)) < 0 || (rv = tern_connect(NULL, &cc)) < 0)
		return fail("connect", rv);
	if ((rv = tern_pub_open(cp, argv[1], 0, &g_pub)) < 0)
		return fail("pub open", rv);
	if ((rv = tern_sub_open(cc, argv[1], &so, &sub)) < 0)
		return fail("sub open", rv);

	struct tern_reactor_opts po = { .name = "rx-producer", .client = cp, .close_client = true,
					.idle = TERN_IDLE_SLEEP, .on_rec = on_rec,
					.rec_clientd = &g_recs };
	struct tern_reactor_opts co = po;
	co.name = "rx-consumer";
	co.client = cc;
	if ((rv = tern_reactor_create(&po, &g_prod)) < 0 || (rv = tern_reactor_create(&co, &g_cons)) < 0)
		return fail("reactor create", rv);
	if ((rv = tern_reactor_pub_add(g_prod, g_pub)) < 0 ||
	    (rv = tern_reactor_sub_add(g_cons, sub, on_msg, NULL)) < 0 ||
	    (rv = tern_timer_arm(g_prod, tern_reactor_now_ns(g_prod), 20000, 0, publish, NULL,
				 NULL)) < 0)
		return fail("reactor setup", rv);
	tern_reactor_on_stop(g_prod, hook, "producer.first");
	tern_reactor_on_stop(g_prod, hook, "producer.second");
	tern_reactor_on_stop(g_cons, hook, "consumer.first");
	tern_reactor_on_stop(g_cons, hook, "consumer.second");
	if ((rv = tern_reactor_handle_signals()) < 0)
		return fail("signals", rv);
	if ((rv = tern_reactor_start(g_prod)) < 0 || (rv = tern_reactor_start(g_cons)) < 0)
		return fail("start", rv);
	f = fopen(argv[2], "w");
	if (f)
		fclose(f);
	tern_reactor_join(g_prod);
	tern_reactor_join(g_cons);
	printf("{\"hooks\":\"%s\",\"published\":%llu,\"received\":%llu,\"forwarded\":%llu,"
	       "\"recs\":%llu}\n", g_hooks, (unsigned long long)g_published,
	       (unsigned long long)g_received, (unsigned long long)g_forwarded,
	       (unsigned long long)g_recs);
	tern_reactor_destroy(g_prod);
	tern_reactor_destroy(g_cons);
	return 0;
}
