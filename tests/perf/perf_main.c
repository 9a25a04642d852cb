/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-perf: latency and throughput of the local bus, each figure beside a
 * raw DPDK baseline measured in the same run, so tern's cost is a ratio.
 *
 *   tern-perf [-s SOCK] [--samples N] [--warmup N] [--seconds S]
 *             [--cpus A,B] [--json] [--only NAME]
 *             [--fanout N,N,... [--fanout-procs each|one]]
 *             [--remote SOCK [--remote-wake spin|fd]]
 *
 * --remote: side B is a client of another node (tern-control socket SOCK)
 * joined to A's by a DPDK link: the remote ping-pong alone (RTT/2), A's
 * "net.ping.*" to B and B's "pong.*" back (scripts/perf_net.sh).
 *
 * Needs a running stack (scripts/stack.sh start).  Side A and side B are
 * separate processes pinned to CPUs A and B.  A benchmark, never a test.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "perf.h"

static struct perf_shared *sh;
static bool first_json = true;
static const char *only;        /* --only: run the rows whose name contains it */
static unsigned fanout[16], n_fanout;   /* --fanout 1,4,16: run the fan-out curve */
static int fanout_procs = -1;   /* --fanout-procs each|one; default both */

static bool want(const char *name)
{
	return only == NULL || strstr(name, only) != NULL;
}

static void emit_lat(const char *name, uint32_t size, int rv)
{
	if (perf_o.json) {
		printf("%s\n    {\"test\":\"%s\",\"size\":%u,\"ok\":%s,\"samples\":%llu,\"p50_ns\":%.0f,"
		       "\"p90_ns\":%.0f,\"p99_ns\":%.0f,\"p999_ns\":%.0f,\"max_ns\":%.0f,\"mean_ns\":%.1f}",
		       first_json ? "" : ",", name, size, rv ? "false" : "true",
		       (unsigned long long)sh->count, sh->p50, sh->p90, sh->p99, sh->p999, sh->max,
		       sh->mean);
		first_json = false;
	} else if (rv) {
		printf("  %-28s %5u B  FAILED: %s\n", name, size, sh->errmsg);
	} else {
		printf("  %-28s %5u B  p50 %6.0f  p90 %6.0f  p99 %6.0f  p99.9 %7.0f  max %8.0f ns\n",
		       name, size, sh->p50, sh->p90, sh->p99, sh->p999, sh->max);
	}
	fflush(stdout);
}

static void emit_tput(const char *name, uint32_t size, int rv, const char *placement)
{
	if (perf_o.json) {
		printf("%s\n    {\"test\":\"%s\",\"size\":%u,\"ok\":%s,\"msgs_per_s\":%.0f,"
		       "\"messages\":%llu,\"placement\":\"%s\"}",
		       first_json ? "" : ",", name, size, rv ? "false" : "true", sh->rate,
		       (unsigned long long)sh->count, placement);
		first_json = false;
	} else if (rv) {
		printf("  %-28s %5u B  FAILED: %s\n", name, size, sh->errmsg);
	} else {
		printf("  %-28s %5u B  %8.2f M msg/s   (%s)\n", name, size, sh->rate / 1e6, placement);
	}
	fflush(stdout);
}

static int parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "samples", 1, NULL, 'n' }, { "warmup", 1, NULL, 'w' }, { "seconds", 1, NULL, 't' },
		{ "cpus", 1, NULL, 'c' }, { "json", 0, NULL, 'j' }, { "only", 1, NULL, 'o' },
		{ "fanout", 1, NULL, 'f' }, { "fanout-procs", 1, NULL, 'p' }, { "help", 0, NULL, 'h' },
		{ "remote", 1, NULL, 'r' }, { "remote-wake", 1, NULL, 'W' }, { 0 }
	};
	int ch;

	perf_o = (struct perf_opts){ .samples = 1000000, .warmup = 100000, .seconds = 2,
				     .cpu = { 0, 1 } };
	while ((ch = getopt_long(argc, argv, "s:", lo, NULL)) != -1) {
		switch (ch) {
		case 's': perf_o.socket = optarg; break;
		case 'n': perf_o.samples = strtoull(optarg, NULL, 0); break;
		case 'w': perf_o.warmup = strtoull(optarg, NULL, 0); break;
		case 't': perf_o.seconds = atof(optarg); break;
		case 'c':
			if (sscanf(optarg, "%d,%d", &perf_o.cpu[0], &perf_o.cpu[1]) != 2)
				return -1;
			break;
		case 'j': perf_o.json = true; break;
		case 'o': only = optarg; break;
		case 'f':
			for (char *t = strtok(optarg, ","); t; t = strtok(NULL, ",")) {
				char *end;
				unsigned long v = strtoul(t, &end, 10);
				if (*end || v == 0 || v > 1024 || n_fanout == RTE_DIM(fanout))
					return -1;
				fanout[n_fanout++] = (unsigned)v;
			}
			break;
		case 'p':
			if (strcmp(optarg, "each") && strcmp(optarg, "one"))
				return -1;
			fanout_procs = strcmp(optarg, "each") == 0;
			break;
		case 'r': perf_o.remote = optarg; break;
		case 'W':
			if (strcmp(optarg, "spin") && strcmp(optarg, "fd"))
				return -1;
			perf_o.remote_fd = strcmp(optarg, "fd") == 0;
			break;
		default: return -1;
		}
	}
	if (perf_o.samples == 0 || perf_o.samples > PERF_MAX_SAMPLES || perf_o.seconds <= 0 ||
	    optind != argc)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static uint32_t sizes[] = { 64, 1024 };
	char placement[128];
	int fails = 0, rv;

	if (parse(argc, argv) < 0) {
		fprintf(stderr, "usage: tern-perf [-s SOCK] [--samples N] [--warmup N] "
				"[--seconds S] [--cpus A,B] [--json] [--only NAME]\n"
				"                 [--fanout N,N,... [--fanout-procs each|one]]\n"
				"                 [--remote SOCK [--remote-wake spin|fd]]\n");
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	if (n_fanout) {
		/* The fan-out curve alone: a run of its own (many processes). */
		if (perf_o.json)
			printf("{\n  \"fanout\": [");
		for (int each = 1; each >= 0; each--)
			if (fanout_procs < 0 || fanout_procs == each)
				fails += perf_fanout(fanout, n_fanout, each);
		if (perf_o.json)
			printf("\n  ]\n}\n");
		return fails ? 1 : 0;
	}
	if (perf_o.remote) {
		/* Between nodes: the ping-pong alone, each size. */
		if (perf_o.json)
			printf("{\n  \"remote\": [");
		for (unsigned i = 0; i < 2; i++) {
			rv = perf_run(sh, perf_side_remote_pingpong, &sizes[i], true);
			fails += rv != 0;
			emit_lat(perf_o.remote_fd ? "tern-remote-pingpong-fd" : "tern-remote-pingpong",
				 sizes[i], rv);
		}
		if (perf_o.json)
			printf("\n  ]\n}\n");
		return fails ? 1 : 0;
	}
	snprintf(placement, sizeof(placement), "A on CPU %d, B on CPU %d", perf_o.cpu[0],
		 perf_o.cpu[1]);
	if (perf_o.json)
		printf("{\n  \"samples\": %llu, \"cpus\": [%d, %d],\n  \"results\": [",
		       (unsigned long long)perf_o.samples, perf_o.cpu[0], perf_o.cpu[1]);
	else
		printf("tern-perf: one-way latency (RTT/2), %llu samples after %llu warm-up; %s\n",
		       (unsigned long long)perf_o.samples, (unsigned long long)perf_o.warmup, placement);

	if (want("cacheline-pingpong")) {
		rv = perf_run(sh, perf_side_cacheline, NULL, false);
		fails += rv != 0;
		emit_lat("cacheline-pingpong", 64, rv);
	}
	for (unsigned i = 0; i < 2; i++) {
		if (want("raw-ring-pingpong")) {
			rv = perf_run(sh, perf_side_raw_pingpong, &sizes[i], true);
			fails += rv != 0;
			emit_lat("raw-ring-pingpong", sizes[i], rv);
		}
		if (want("tern-pingpong")) {
			rv = perf_run(sh, perf_side_tern_pingpong, &sizes[i], true);
			fails += rv != 0;
			emit_lat("tern-pingpong", sizes[i], rv);
		}
	}

	if (!perf_o.json)
		printf("tern-perf: throughput over %.1f s, received by B (per subscription)\n",
		       perf_o.seconds);
	for (unsigned i = 0; i < 2; i++) {
		struct perf_stream_arg raw = { .size = sizes[i] };
		struct perf_stream_arg one = { .size = sizes[i], .subs = 1, .pubs = 1 };
		struct perf_stream_arg four = { .size = sizes[i], .subs = 4, .pubs = 1 };
		struct perf_stream_arg two = { .size = sizes[i], .subs = 1, .pubs = 2 };
		struct perf_stream_arg burst = { .size = sizes[i], .subs = 1, .pubs = 1, .burst = true };

		struct perf_stream_arg raw1 = { .size = sizes[i], .one = true };

		if (want("raw-ring-stream")) {
			rv = perf_run(sh, perf_side_raw_stream, &raw, true);
			fails += rv != 0;
			emit_tput("raw-ring-stream", sizes[i], rv,
				  "bursts of 32: A gets, writes, enqueues; B dequeues, reads, frees");
		}
		if (want("raw-ring-stream-1")) {
			rv = perf_run(sh, perf_side_raw_stream, &raw1, true);
			fails += rv != 0;
			emit_tput("raw-ring-stream-1", sizes[i], rv,
				  "one at a time: A gets, writes, enqueues each; B as above");
		}
		if (want("tern-1pub-1sub")) {
			rv = perf_run(sh, perf_side_tern_stream, &one, true);
			fails += rv != 0;
			emit_tput("tern-1pub-1sub", sizes[i], rv,
				  "one at a time: A allocs, writes, publishes each; B polls 32, reads, releases");
		}
		if (want("tern-1pub-1sub-burst32")) {
			rv = perf_run(sh, perf_side_tern_stream, &burst, true);
			fails += rv != 0;
			emit_tput("tern-1pub-1sub-burst32", sizes[i], rv,
				  "A allocs 32, writes, publishes the burst; B as above");
		}
		if (want("tern-1pub-4sub (per sub)")) {
			rv = perf_run(sh, perf_side_tern_stream, &four, true);
			fails += rv != 0;
			emit_tput("tern-1pub-4sub (per sub)", sizes[i], rv,
				  "A publishes; B holds all 4 subscriptions and polls them in turn");
		}
		if (want("tern-2pub-1sub")) {
			rv = perf_run(sh, perf_side_tern_stream, &two, true);
			fails += rv != 0;
			emit_tput("tern-2pub-1sub", sizes[i], rv,
				  "A holds both publishers (shared, locked) and alternates; B subscribes");
		}
	}
	if (perf_o.json)
		printf("\n  ]\n}\n");
	return fails ? 1 : 0;
}
