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

int main(int argc, char **argv)
{
	struct tern_client *cp, *cc;
	struct tern_sub *sub;
	struct tern_sub_opts so = { .want_fd = true, .policy = TERN_POLICY_BACKPRESSURE };
	FILE *f;
	int rv;

	if (argc != 3) {
		fprintf(stderr, "usage: tern-reactor-probe TOPIC READY_FILE\n");
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
