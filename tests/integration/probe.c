/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-probe: a small client for integration tests and the demo, using only
 * the public API of libtern (linked as an application would link it).
 *
 *   tern-probe [-s SOCK] create TOPIC...
 *   tern-probe [-s SOCK] pub TOPIC N [--size B] [--excl] [--rate MSG_PER_S] [--retry]
 *                        [--burst K]   (tern_msg_alloc_bulk + tern_publish_burst)
 *                        [--freeze PID]   (SIGSTOP PID while publishing: one-hop proof)
 *                        [--tag KEY=VALUE] [--durable]  (wait for the log's ack)
 *   tern-probe [-s SOCK] sub PATTERN N [--policy drop|bp] [--depth D] [--timeout S]
 *                        [--fd] [--hold] [--slow NS] [--ready FILE] [--print K]
 *                        [--until-seq S] [--linger SEC]
 *                        [--from earliest|seq:N|time:NS]   (replay from the log)
 *                        [--expect-tag KEY=VALUE]   (count messages without it)
 *                        [--poll-after FILE]   (open, then wait for FILE to poll)
 *   tern-probe [-s SOCK] pool
 *
 * Any command: [--ctl-timeout MS] (tern_connect_opts.timeout_ms),
 * [--connected FILE] (created once connected), [--go FILE] (wait for it
 * before the command), [--resume FILE] (create: after a timed-out call,
 * wait for it, then check the next call gets its own answer).
 *
 * Results are one JSON object on stdout; errors go to stderr, exit 1.
 * A pub or sub whose client is fenced (TERN_ENOTCONN) prints
 * {"enotconn_ns": UTC ns when it saw it, ...} instead and exits 5, after
 * --after-fence SEC (a zombie that lingers, holding what it has).  A pub
 * refused because the dataplane drains to stop (tern_status() says
 * TERN_ESHUTDOWN) prints {"published": N, "refused": ...} and exits 6.
 * sub prints a digest of every (seq, payload, tags) it saw, to compare nodes;
 * it counts payload_breaks: messages whose payload (the publisher's
 * running index) does not follow the previous one: with one publisher,
 * messages that are not its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tern/tern.h>

static struct opts {
	const char *socket, *ready;
	uint32_t size, depth, print, burst;
	uint64_t rate, slow_ns, until_seq;
	int freeze;
	double linger;
	double timeout;
	bool excl, retry, fd, hold;
	enum tern_policy policy;
	enum tern_start start;
	uint64_t start_value;
	const char *tag, *expect_tag;
	bool durable;
	int ctl_timeout;
	double after_fence;
	const char *connected, *go, *resume, *poll_after;
} o = { .size = 64, .timeout = 10 };

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void touch(const char *path)
{
	FILE *f = path ? fopen(path, "w") : NULL;

	if (f)
		fclose(f);
}

static void wait_for(const char *path)
{
	while (path && access(path, F_OK) != 0)
		usleep(10000);
}

#define EXIT_FENCED 5
#define EXIT_SHUTDOWN 6

/* What a subscriber had when it was fenced. */
static uint64_t f_last_seq, f_gaps;

static int fenced(const char *what, uint64_t count)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	printf("{\"enotconn_ns\":%lld,\"%s\":%llu,\"last_seq\":%llu,\"gaps\":%llu}\n",
	       (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, what, (unsigned long long)count,
	       (unsigned long long)f_last_seq, (unsigned long long)f_gaps);
	fflush(stdout);
	fprintf(stderr, "tern-probe: %s\n", tern_errmsg());
	if (o.after_fence > 0)
		usleep((useconds_t)(o.after_fence * 1e6));
	return EXIT_FENCED;
}

static int die(const char *what, int rv)
{
	fprintf(stderr, "tern-probe: %s: %s\n%s\n", what, tern_strerror(rv), tern_errmsg());
	return 1;
}

/* A publisher's result line, then close. */
static int pub_done(struct tern_pub *p, uint64_t n, uint64_t bp, uint64_t last, double t0)
{
	printf("{\"published\":%llu,\"backpressure\":%llu,\"last_seq\":%llu,\"seconds\":%.3f}\n",
	       (unsigned long long)n, (unsigned long long)bp, (unsigned long long)last,
	       now_s() - t0);
	tern_pub_close(p);
	return 0;
}

/* Bursts of o.burst: what a market-data feed does, and the pool's hardest
 * case (bulk allocations and bulk frees on every call). */
static int pub_bursts(struct tern_client *c, struct tern_pub *p, uint64_t n)
{
	struct tern_msg *m[TERN_PUB_BURST_MAX];
	uint64_t bp = 0, i = 0;
	double t0 = now_s();

	while (i < n) {
		unsigned k = (unsigned)(n - i < o.burst ? n - i : o.burst), sent;

		int rv = tern_msg_alloc_bulk(p, o.size, m, k);

		if (rv == TERN_ENOTCONN)
			return die("alloc", rv);
		if (rv != 0) {
			usleep(100);    /* pool empty: subscribers hold everything */
			continue;
		}
		for (unsigned x = 0; x < k; x++) {
			uint64_t v = i + x;
			memcpy(tern_msg_data(m[x]), &v, sizeof(v) < o.size ? sizeof(v) : o.size);
			m[x]->event_ns = tern_now_ns(c);
		}
		sent = tern_publish_burst(p, m, k);     /* m[0, sent) are gone now */
		bp += k - sent;
		for (unsigned x = sent; x < k; x++)
			tern_msg_free(p, m[x]);
		i += o.retry ? sent : k;
	}
	return pub_done(p, n, bp, 0, t0);
}

static int cmd_pub(struct tern_client *c, const char *topic, uint64_t n)
{
	struct tern_pub *p;
	uint64_t bp = 0, last = 0;
	double t0 = now_s();
	int rv = tern_pub_open(c, topic, o.excl ? TERN_PUB_EXCLUSIVE : 0, &p);

	if (rv == TERN_ENOTCONN)
		return fenced("published", 0);
	if (rv < 0)
		return die("publisher open", rv);
	touch(o.ready);
	if (o.freeze > 0 && kill(o.freeze, SIGSTOP) < 0)
		return die("freeze", -errno);
	if (o.burst > 0)
		return pub_bursts(c, p, n);
	for (uint64_t i = 0; i < n; ) {
		struct tern_msg *m = tern_msg_alloc(p, o.size);
		int64_t seq;

		if (m == NULL) {        /* pool empty: subscribers hold everything */
			if (tern_status(c) == TERN_ENOTCONN) {
				rv = fenced("published", i);
				tern_pub_close(p);
				return rv;
			}
			usleep(100);
			continue;
		}
		memset(tern_msg_data(m), (int)i, o.size);
		memcpy(tern_msg_data(m), &i, sizeof(i) < o.size ? sizeof(i) : o.size);
		m->event_ns = tern_now_ns(c);
		if (o.tag) {
			char k[64];
			const char *eq = strchr(o.tag, '=');
			snprintf(k, sizeof(k), "%.*s", (int)(eq - o.tag), o.tag);
			tern_msg_add_tag(m, k, eq + 1);
		}
		seq = tern_publish(p, m);
		if (seq == TERN_ENOTCONN) {
			tern_msg_free(p, m);
			tern_status(c);
			rv = fenced("published", i);
			tern_pub_close(p);
			return rv;
		}
		if (seq == TERN_EBACKPRESSURE && tern_status(c) == TERN_ESHUTDOWN) {
			/* The dataplane drains to stop: no retry will succeed. */
			tern_msg_free(p, m);
			printf("{\"published\":%llu,\"refused\":\"%s\",\"last_seq\":%llu}\n",
			       (unsigned long long)i, tern_strerror(TERN_ESHUTDOWN),
			       (unsigned long long)last);
			fflush(stdout);
			tern_pub_close(p);
			return EXIT_SHUTDOWN;
		}
		if (seq == TERN_EBACKPRESSURE) {
			bp++;
			tern_msg_free(p, m);
			if (!o.retry)
				i++;
			continue;
		}
		last = (uint64_t)seq;
		i++;
		if (o.rate) {
			double due = t0 + (double)i / (double)o.rate, left = due - now_s();
			/* Slow rates sleep: hundreds of such publishers share two
			 * CPUs (spinning out the last 2 ms cost each 4 % of one). */
			if (o.rate <= 1000 && left > 0)
				usleep((useconds_t)(left * 1e6));
			else if (left > 0.002)
				usleep((useconds_t)(left * 1e6));
			while (o.rate > 1000 && now_s() < due)
				;
		}
	}
	if (o.freeze > 0)
		kill(o.freeze, SIGCONT);
	if (o.durable) {
		double w0 = now_s();
		int drv = tern_pub_wait_durable(p, last, 10 * 1000000000LL);
		printf("{\"durable\":%s,\"durable_wait_ms\":%.3f}\n", drv == 0 ? "true" : "false",
		       (now_s() - w0) * 1e3);
		if (drv < 0)
			return die("durable wait", drv);
	}
	return pub_done(p, n, bp, last, t0);
}

/* A timed-out create reports how long it took; with --resume, the next
 * call (a lookup of a name that does not exist) must get its own answer,
 * -ENOENT, not the late answer to the create. */
static int cmd_create(struct tern_client *c, const char *topic)
{
	double t0 = now_s();
	int rv = tern_topic_create(c, topic);

	if (rv == 0 || rv == -EEXIST)
		return 0;
	if (rv == -ETIMEDOUT) {
		char absent[128];
		int after = 0;

		fprintf(stderr, "tern-probe: topic create: %s\n%s\n", tern_strerror(rv),
			tern_errmsg());
		printf("{\"status\":%d,\"elapsed_ms\":%.1f}\n", rv, (now_s() - t0) * 1e3);
		fflush(stdout);
		if (o.resume) {
			wait_for(o.resume);
			snprintf(absent, sizeof(absent), "%s.absent", topic);
			after = tern_topic_lookup(c, absent);
			printf("{\"after_resume\":%d}\n", after);
		}
		return 1;
	}
	return die("topic create", rv);
}

#define MAX_TOPICS 1024

/* FNV-1a, 64 bits: a digest of what a subscriber saw, seq by seq. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

static int cmd_sub(struct tern_client *c, const char *pattern, uint64_t n)
{
	uint64_t digest = UINT64_C(0xcbf29ce484222325);
	struct tern_sub_opts so = { .policy = o.policy, .depth = o.depth, .want_fd = o.fd,
				    .start = o.start, .start_value = o.start_value };
	static uint64_t last[MAX_TOPICS];
	const struct tern_msg *v[32];
	uint64_t got = 0, gaps = 0, disorder = 0, first = 0, lastseq = 0, printed = 0, wakes = 0;
	uint64_t tag_miss = 0, bad_event = 0, breaks = 0, prev_index = 0;
	int64_t lat_sum = 0;
	struct tern_sub *s;
	double deadline;
	int rv = tern_sub_open(c, pattern, &so, &s);

	if (rv == TERN_ENOTCONN)
		return fenced("received", 0);
	if (rv < 0)
		return die("subscription open", rv);
	touch(o.ready);
	wait_for(o.poll_after);     /* let the queue overflow first */
	deadline = now_s() + o.timeout;
	while (got < n && now_s() < deadline && !(o.until_seq && lastseq >= o.until_seq)) {
		/* never past n: a count a test asserts is exact */
		unsigned k = tern_poll(s, v, n && n - got < 32 ? (unsigned)(n - got) : 32);
		if (k == 0 && tern_status(c) == TERN_ENOTCONN) {
			f_last_seq = lastseq;
			f_gaps = gaps;
			rv = fenced("received", got);
			tern_sub_close(s);
			return rv;
		}
		if (k == 0) {
			if (o.fd && tern_sub_arm(s) == 0) {
				struct pollfd pfd = { .fd = tern_sub_fd(s), .events = POLLIN };
				uint64_t x;
				if (poll(&pfd, 1, 100) > 0 && read(pfd.fd, &x, sizeof(x)) == sizeof(x))
					wakes++;
			}
			continue;
		}
		for (unsigned i = 0; i < k; i++) {
			const struct tern_msg *m = v[i];
			uint64_t *l = &last[m->topic_id % MAX_TOPICS];
			if (*l && m->seq != *l + 1) {
				if (m->seq > *l)
					gaps += m->seq - *l - 1;
				else
					disorder++;
			}
			*l = m->seq;
			/* What each seq carried, so nodes can be compared. */
			digest = fnv(digest, &m->seq, sizeof(m->seq));
			digest = fnv(digest, tern_msg_data(m), (size_t)m->size + m->tags_len);
			if (m->size >= sizeof(uint64_t)) {
				uint64_t idx;
				memcpy(&idx, tern_msg_data(m), sizeof(idx));
				if (first && idx != prev_index + 1)
					breaks++;
				prev_index = idx;
			}
			if (!first)
				first = m->seq;
			lastseq = m->seq;
			lat_sum += m->recv_ns - m->event_ns;
			if (m->event_ns <= 0 || m->event_ns > m->send_ns || m->send_ns > m->recv_ns)
				bad_event++;
			if (o.expect_tag) {
				char k[64];
				size_t vl;
				const char *eq = strchr(o.expect_tag, '=');
				snprintf(k, sizeof(k), "%.*s", (int)(eq - o.expect_tag), o.expect_tag);
				const char *val = tern_msg_tag(m, k, &vl);
				if (!val || vl != strlen(eq + 1) || memcmp(val, eq + 1, vl) != 0)
					tag_miss++;
			}
			if (printed < o.print) {
				printed++;
				printf("  %s seq=%llu size=%u event->recv=%lld ns\n",
				       tern_topic_name(c, m->topic_id), (unsigned long long)m->seq, m->size,
				       (long long)(m->recv_ns - m->event_ns));
			}
			if (o.slow_ns) {
				double until = now_s() + (double)o.slow_ns / 1e9;
				while (now_s() < until)
					;
			}
		}
		got += k;
		if (!o.hold)
			tern_release(s, v, k);
	}
	struct tern_sub_stats st;
	tern_sub_stats(s, &st);
	printf("{\"received\":%llu,\"gaps\":%llu,\"disorder\":%llu,\"first_seq\":%llu,"
	       "\"last_seq\":%llu,\"wakeups\":%llu,\"mean_event_to_recv_ns\":%lld,"
	       "\"tag_missing\":%llu,\"bad_times\":%llu,\"payload_breaks\":%llu,"
	       "\"digest\":\"%016llx\",\"stats\":{\"received\":%llu,\"dropped\":%llu,"
	       "\"queued\":%llu,\"topics\":%u,\"held\":%u}}\n",
	       (unsigned long long)got, (unsigned long long)gaps, (unsigned long long)disorder,
	       (unsigned long long)first, (unsigned long long)lastseq, (unsigned long long)wakes,
	       got ? (long long)(lat_sum / (int64_t)got) : 0LL, (unsigned long long)tag_miss,
	       (unsigned long long)bad_event, (unsigned long long)breaks,
	       (unsigned long long)digest, (unsigned long long)st.received, (unsigned long long)st.dropped,
	       (unsigned long long)st.queued, st.topics, st.held);
	fflush(stdout);
	if (o.hold)
		pause();        /* keep holding until killed */
	if (o.linger > 0)
		usleep((useconds_t)(o.linger * 1e6));   /* let a script read the stats */
	tern_sub_close(s);
	return got == n || (o.until_seq && lastseq >= o.until_seq) ? 0 : 3;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "size", 1, NULL, 'z' }, { "excl", 0, NULL, 'x' }, { "rate", 1, NULL, 'r' },
		{ "retry", 0, NULL, 'R' }, { "policy", 1, NULL, 'p' }, { "depth", 1, NULL, 'd' },
		{ "timeout", 1, NULL, 't' }, { "fd", 0, NULL, 'f' }, { "hold", 0, NULL, 'H' },
		{ "slow", 1, NULL, 'w' }, { "ready", 1, NULL, 'y' }, { "print", 1, NULL, 'P' },
		{ "durable", 0, NULL, 'D' }, { "from", 1, NULL, 'S' }, { "tag", 1, NULL, 'T' }, { "expect-tag", 1, NULL, 'E' }, { "until-seq", 1, NULL, 'U' }, { "linger", 1, NULL, 'L' }, { "freeze", 1, NULL, 'F' }, { "burst", 1, NULL, 'B' },
		{ "ctl-timeout", 1, NULL, 'C' }, { "connected", 1, NULL, 'N' }, { "go", 1, NULL, 'G' },
		{ "resume", 1, NULL, 'M' }, { "after-fence", 1, NULL, 'A' },
		{ "poll-after", 1, NULL, 'Q' },
		{ 0 }
	};
	struct tern_connect_opts co = { .name = "tern-probe" };
	struct tern_client *c;
	int ch, rv = 0;

	while ((ch = getopt_long(argc, argv, "s:", lo, NULL)) != -1) {
		switch (ch) {
		case 's': o.socket = optarg; break;
		case 'z': o.size = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'x': o.excl = true; break;
		case 'r': o.rate = strtoull(optarg, NULL, 0); break;
		case 'R': o.retry = true; break;
		case 'p':
			if (strcmp(optarg, "drop") && strcmp(optarg, "bp"))
				goto usage;
			o.policy = strcmp(optarg, "bp") == 0 ? TERN_POLICY_BACKPRESSURE : TERN_POLICY_DROP;
			break;
		case 'd': o.depth = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 't': o.timeout = atof(optarg); break;
		case 'f': o.fd = true; break;
		case 'H': o.hold = true; break;
		case 'w': o.slow_ns = strtoull(optarg, NULL, 0); break;
		case 'y': o.ready = optarg; break;
		case 'S':
			if (strcmp(optarg, "earliest") == 0)
				o.start = TERN_START_EARLIEST;
			else if (strncmp(optarg, "seq:", 4) == 0)
				o.start = TERN_START_SEQ, o.start_value = strtoull(optarg + 4, NULL, 0);
			else if (strncmp(optarg, "time:", 5) == 0)
				o.start = TERN_START_TIME, o.start_value = strtoull(optarg + 5, NULL, 0);
			else
				goto usage;
			break;
		case 'D': o.durable = true; break;
		case 'T':
		case 'E':
			if (strchr(optarg, '=') == NULL || strchr(optarg, '=') - optarg >= 63)
				goto usage;
			*(ch == 'T' ? &o.tag : &o.expect_tag) = optarg;
			break;
		case 'F': o.freeze = atoi(optarg); break;
		case 'B':
			o.burst = (uint32_t)strtoul(optarg, NULL, 0);
			if (o.burst == 0 || o.burst > TERN_PUB_BURST_MAX)
				goto usage;
			break;
		case 'U': o.until_seq = strtoull(optarg, NULL, 0); break;
		case 'L': o.linger = atof(optarg); break;
		case 'P': o.print = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'C': o.ctl_timeout = atoi(optarg); break;
		case 'N': o.connected = optarg; break;
		case 'G': o.go = optarg; break;
		case 'M': o.resume = optarg; break;
		case 'A': o.after_fence = atof(optarg); break;
		case 'Q': o.poll_after = optarg; break;
		default: goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	co.socket = o.socket;
	co.timeout_ms = o.ctl_timeout;
	rv = tern_connect(&co, &c);
	if (rv < 0)
		return die("connect", rv);
	const char *cmd = argv[optind];
	touch(o.connected);
	wait_for(o.go);
	if (strcmp(cmd, "create") == 0) {
		for (int i = optind + 1; i < argc && rv == 0; i++)
			rv = cmd_create(c, argv[i]);
	} else if (strcmp(cmd, "pub") == 0 && argc - optind == 3) {
		rv = cmd_pub(c, argv[optind + 1], strtoull(argv[optind + 2], NULL, 0));
	} else if (strcmp(cmd, "sub") == 0 && argc - optind == 3) {
		rv = cmd_sub(c, argv[optind + 1], strtoull(argv[optind + 2], NULL, 0));
	} else if (strcmp(cmd, "pool") == 0) {
		uint64_t f, n;
		tern_pool_info(c, &f, &n);
		printf("{\"free\":%llu,\"size\":%llu}\n", (unsigned long long)f, (unsigned long long)n);
	} else {
		tern_close(c);
		goto usage;
	}
	tern_close(c);
	return rv;
usage:
	fprintf(stderr, "usage: tern-probe [-s SOCK] create TOPIC... | pub TOPIC N [opts] |"
			" sub PATTERN N [opts] | pool\n");
	return 2;
}
