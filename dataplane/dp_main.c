/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-dataplane: the DPDK primary process of a tern node.
 *
 *   tern-dataplane [-c node.ini] [--check]
 *
 * Reads the node config (the embedded default without -c), checks that
 * hugepages are there (secondary processes cannot attach without them),
 * starts EAL with --no-pci unless the config allow-lists devices, creates
 * the shared state and serves tern-control until SIGTERM/SIGINT, which
 * start a graceful drain (dp_drain.c; signals: dp_signal.c).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>

#include <rte_version.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_cycles.h>
#include <rte_lcore.h>

#include "common/tern_nofile.h"
#include "dp.h"
#include "dp_net.h"
#include "tern_notify.h"

static struct dp g_dp = { .listen_fd = -1, .conn_fd = -1, .epfd = -1, .signal_fd = -1 };

static void usage(FILE *f)
{
	fprintf(f, "usage: tern-dataplane [-c node.ini] [--check]\n"
		   "  -c FILE   node configuration (default: the embedded configs/default.ini)\n"
		   "  --check   validate the configuration and exit\n"
		   "  --help    this text\n"
		   "  --version the version, and DPDK's\n");
}

/* Secondary processes need hugepages: say exactly how to get them. */
static int hugepage_preflight(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long total = 0, free_pages = 0;
	bool mounted = false;

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "HugePages_Total: %ld", &total);
			sscanf(line, "HugePages_Free: %ld", &free_pages);
		}
		fclose(f);
	}
	f = fopen("/proc/mounts", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			mounted |= strstr(line, " hugetlbfs ") != NULL;
		fclose(f);
	}
	if (total > 0 && free_pages > 0 && mounted)
		return 0;
	DP_LOG(ERR, "no usable hugepages (reserved %ld, free %ld, hugetlbfs %s).",
	       total, free_pages, mounted ? "mounted" : "not mounted");
	DP_LOG(ERR, "  Clients attach as DPDK secondary processes, which need hugepages.");
	DP_LOG(ERR, "  Fix, as root:  scripts/hugepages.sh 1024");
	DP_LOG(ERR, "  or:            echo 1024 > /proc/sys/vm/nr_hugepages && "
	       "mount -t hugetlbfs nodev /dev/hugepages");
	return -ENOMEM;
}

static int build_eal_argv(const struct tern_config *cfg, char **argv, int max)
{
	static char buf[TERN_CFG_ARGS_MAX * 2 + 8][TERN_CFG_PATH_MAX];
	int n = 0;

#define ARG(...) (snprintf(buf[n], sizeof(buf[n]), __VA_ARGS__), argv[n] = buf[n], n++)
	ARG("tern-dataplane");
	ARG("--proc-type=primary");
	ARG("--file-prefix=%s", cfg->file_prefix);
	ARG("--lcores=%s", cfg->lcores);
	ARG("--log-level=%s", cfg->log_level);
	if (cfg->n_allow == 0)
		ARG("--no-pci");
	for (unsigned i = 0; i < cfg->n_allow && n < max - 2; i++)
		ARG("--allow=%s", cfg->allow[i]);
	for (unsigned i = 0; i < cfg->n_extra_args && n < max - 1; i++)
		ARG("%s", cfg->extra_args[i]);
	/* Node links: exactly the vdevs the config names ([port.NAME] vdev). */
	n += dp_net_eal_args(cfg, buf + n, max - 1 - n);
	for (int i = 1; i < n; i++)
		argv[i] = buf[i];
#undef ARG
	argv[n] = NULL;
	return n;
}

/* EAL leaves <prefix>map_* files and a runtime dir behind; they pin pages. */
static void remove_runtime(const char *prefix)
{
	char path[300];
	DIR *d = opendir("/dev/hugepages");
	struct dirent *e;
	size_t pl = strlen(prefix);

	while (d && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, pl) == 0 && strncmp(e->d_name + pl, "map_", 4) == 0) {
			snprintf(path, sizeof(path), "/dev/hugepages/%s", e->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	d = opendir(path);
	while (d && (e = readdir(d)) != NULL) {
		char f[800];
		if (e->d_name[0] == '.')
			continue;
		snprintf(f, sizeof(f), "%s/%s", path, e->d_name);
		unlink(f);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

/* Storage on the main lcore polls its links; idle, the poll backs off from
 * 20 us to 2 ms (an idle node with a storage rule burned a quarter of a
 * core at 20 us), so a message is stored at most 2 ms after a quiet spell
 * and at once while traffic flows. */
#define DP_POLL_NS (20 * 1000)
#define DP_STORAGE_IDLE_MAX_NS (2 * 1000 * 1000)

static void run(struct dp *dp)
{
	const uint64_t net_slice = rte_get_tsc_hz() / 1000;
	uint64_t ticks = 0;
	int64_t storage_idle = DP_POLL_NS;

	while (!dp->stop) {
		int64_t timeout = 200 * 1000000LL;
		int work;

		if (dp->draining && dp_drain_done(dp))
			break;

		work = (int)dp_wake_subs(dp) + (int)dp_retire_links(dp);
		if (dp_net_active()) {
			/* The I/O role polls its ports without sleeping; the
			 * control socket is looked at once a millisecond, with a
			 * zero timeout (no system call in between). */
			uint64_t t = rte_rdtsc();
			do {
				int w = (int)dp_net_poll(dp);
				/* What a port delivered wakes its sleeping
				 * subscribers now, not at the slice's end. */
				if (w && dp->n_armed_hint)
					w += (int)dp_wake_subs(dp);
				work += w;
			} while (!dp->stop && rte_rdtsc() - t < net_slice);
		}
		if (dp->storage_on_main) {
			work += (int)dp_storage_poll(dp);
			dp_storage_acks(dp);
		}
		/* Sleeping subscribers are woken by this loop: poll briskly while
		 * any may be armed or a link waits to retire, else sleep on the
		 * control socket.  The local message path never waits for us. */
		if (dp->storage_on_main)
			timeout = storage_idle;
		if (dp->n_armed_hint || dp->n_retiring)
			timeout = DP_POLL_NS;
		/* Stored topics: reserve their next sequence range in time (not
		 * while draining: the drain holds every seq_limit where it is). */
		if (!dp->draining)
			work += (int)dp_marks_tick(dp);
		if ((dp_marks_any() || dp->draining) && timeout > 500 * 1000)
			timeout = dp->draining ? 1000 * 1000 : 500 * 1000;
		if (work || dp_net_active())
			timeout = 0;
		storage_idle = work ? DP_POLL_NS : RTE_MIN(storage_idle * 2, DP_STORAGE_IDLE_MAX_NS);
		dp_ctl_poll(dp, timeout);
		if (dp->storage_on_main && ++ticks % 64 == 0)
			dp_storage_tick(dp);
	}
	dp->stop = true;        /* the storage lcore's loop, too */
	dp_net_close(dp);
	if (dp->storage_on_main)
		dp_storage_close(dp);
	rte_eal_mp_wait_lcore();
	if (dp->n_storage)
		DP_SLOG(NOTICE, "shutdown: storage flushed and closed (%u rule(s), %llu error(s))",
			dp->n_storage, (unsigned long long)dp->storage_errors);
	dp_marks_close(dp);
	dp_drain_tell_clients(dp);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	static struct tern_config cfg;
	char err[4096];
	const char *path = NULL;
	char *eal_argv[TERN_CFG_ARGS_MAX * 2 + 8];
	bool check = false;
	int c, rv, eal_argc;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'k': check = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("tern-dataplane %s (%s)\n", TERN_VERSION, rte_version()); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tern-dataplane: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (tern_config_load(&cfg, path, err, sizeof(err)) < 0) {
		/* "file:line: [section] key: why", the compiler's shape editors
		 * jump to: not a log line (docs/control.md "Logging"). */
		fprintf(stderr, "%s", err);
		return 1;
	}
	if (check) {
		printf("%s: ok\n", cfg.source);
		return 0;
	}
	dp_log_open();
	if (hugepage_preflight() < 0)
		return 1;
	/* A wake-up eventfd per subscription that asks for one, and EAL's own. */
	uint64_t need = (uint64_t)cfg.max_subs + cfg.max_clients + 256;
	uint64_t nofile = tern_nofile_raise(need);
	if (nofile < need)
		DP_LOG(WARNING, "RLIMIT_NOFILE is %llu, below the %llu that max_subs = %u may need "
		       "(raise LimitNOFILE=)", (unsigned long long)nofile, (unsigned long long)need,
		       cfg.max_subs);
	if (dp_mkdir_p(cfg.run_dir, 0700) < 0) {
		DP_LOG(ERR, "cannot create %s: %s", cfg.run_dir, strerror(errno));
		return 1;
	}
	if (dp_signal_block() < 0) {
		DP_LOG(ERR, "cannot block signals: %s", strerror(errno));
		return 1;
	}

	g_dp.cfg = &cfg;
	eal_argc = build_eal_argv(&cfg, eal_argv, (int)RTE_DIM(eal_argv));
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		/* EAL leaves rte_errno at 0 for its most common failure, a
		 * prefix whose config another primary holds locked. */
		int e = rte_errno;
		DP_LOG(ERR, "EAL init failed (file prefix %s): %s", cfg.file_prefix,
		       e ? rte_strerror(e)
			 : "no reason given by EAL; the usual one is another tern-dataplane "
			   "running on this file prefix ([eal] file_prefix)");
		return 1;
	}
	dp_log_levels();
	rv = dp_state_create(&g_dp);
	if (rv == 0)
		rv = dp_ctl_open(&g_dp);
	if (rv == 0 && (rv = dp_signal_open(&g_dp)) < 0)
		DP_LOG(ERR, "cannot watch signals: %s", strerror(-rv));
	if (rv == 0)
		rv = dp_storage_init(&g_dp);
	if (rv == 0 && g_dp.n_storage) {
		unsigned lc = cfg.storage_lcore;
		g_dp.storage_on_main = lc == rte_get_main_lcore();
		if (!g_dp.storage_on_main && (lc >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lc))) {
			DP_LOG(ERR, "%s: [eal] storage_lcore %u is not one of the lcores '%s'",
			       cfg.source, lc, cfg.lcores);
			rv = -EINVAL;
		} else if (!g_dp.storage_on_main) {
			rv = rte_eal_remote_launch(dp_storage_loop, &g_dp, lc);
		}
	}
	if (rv == 0)
		rv = dp_net_init(&g_dp);
	if (rv == 0)
		rv = dp_telemetry_init(&g_dp);
	if (rv == 0) {
		DP_LOG(NOTICE, "node %s ready: pid %d, prefix %s, %u mbufs of %u B, %u lcore(s), "
		       "socket %s, config %s", cfg.node_name, (int)getpid(), cfg.file_prefix,
		       cfg.mbufs, cfg.msg_size, rte_lcore_count(), cfg.dataplane_socket, cfg.source);
		tern_notify_ready();	/* the socket listens: tern-control may start */
		run(&g_dp);
		tern_notify_stopping();
	} else {
		DP_LOG(ERR, "start-up failed: %s", strerror(-rv));
	}
	if (g_dp.signal_fd >= 0)
		close(g_dp.signal_fd);
	dp_ctl_close(&g_dp);
	dp_state_destroy(&g_dp);
	rte_eal_cleanup();
	remove_runtime(cfg.file_prefix);
	DP_LOG(NOTICE, "stopped%s", rv == 0 ? "" : " after a failed start");
	return rv == 0 ? 0 : 1;
}
